"""IAM actions used by the library, in one place.

Every action here is checked in the tests against botocore's ``bedrock`` and ``bedrock-runtime``
service models, so a typo cannot reach a policy.
"""

from __future__ import annotations

#: Invoke a model. ``bedrock:InvokeModel`` also authorizes Converse and
#: ``bedrock:InvokeModelWithResponseStream`` also authorizes ConverseStream; there is no separate
#: ``bedrock:Converse`` action.
INVOKE_ACTIONS: tuple[str, ...] = (
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
)

#: Apply a guardrail to content without invoking a model.
APPLY_GUARDRAIL_ACTIONS: tuple[str, ...] = ("bedrock:ApplyGuardrail",)

#: Count tokens for a prompt (needs ``bedrock:InvokeModel`` on the model as well).
COUNT_TOKENS_ACTIONS: tuple[str, ...] = ("bedrock:CountTokens",)

#: Read-only control-plane calls the landing zone and its operators make through the ``bedrock``
#: endpoint: model and profile discovery, guardrail reads, and the model-invocation-logging setting.
CONTROL_PLANE_READ_ACTIONS: tuple[str, ...] = (
    "bedrock:GetFoundationModel",
    "bedrock:ListFoundationModels",
    "bedrock:GetFoundationModelAvailability",
    "bedrock:GetInferenceProfile",
    "bedrock:ListInferenceProfiles",
    "bedrock:GetGuardrail",
    "bedrock:ListGuardrails",
    "bedrock:GetModelInvocationLoggingConfiguration",
    "bedrock:ListTagsForResource",
)

#: Control-plane calls that change the model-invocation-logging setting (made by the landing
#: zone's own logging handler).
LOGGING_CONFIGURATION_WRITE_ACTIONS: tuple[str, ...] = (
    "bedrock:PutModelInvocationLoggingConfiguration",
    "bedrock:DeleteModelInvocationLoggingConfiguration",
)

#: Model management that application networks must never reach: customization, imports and
#: copies, provisioned throughput, batch inference jobs (which write to arbitrary buckets),
#: evaluation jobs and marketplace endpoints.
MODEL_MANAGEMENT_ACTIONS: tuple[str, ...] = (
    "bedrock:CreateModelCustomizationJob",
    "bedrock:StopModelCustomizationJob",
    "bedrock:CreateCustomModel",
    "bedrock:DeleteCustomModel",
    "bedrock:CreateCustomModelDeployment",
    "bedrock:DeleteCustomModelDeployment",
    "bedrock:CreateModelImportJob",
    "bedrock:DeleteImportedModel",
    "bedrock:CreateModelCopyJob",
    "bedrock:CreateProvisionedModelThroughput",
    "bedrock:UpdateProvisionedModelThroughput",
    "bedrock:DeleteProvisionedModelThroughput",
    "bedrock:CreateModelInvocationJob",
    "bedrock:CreateEvaluationJob",
    "bedrock:CreateMarketplaceModelEndpoint",
    "bedrock:DeleteMarketplaceModelEndpoint",
    "bedrock:RegisterMarketplaceModelEndpoint",
)

#: Guardrail management (the administrator; never application roles).
GUARDRAIL_MANAGEMENT_ACTIONS: tuple[str, ...] = (
    "bedrock:CreateGuardrail",
    "bedrock:UpdateGuardrail",
    "bedrock:DeleteGuardrail",
    "bedrock:CreateGuardrailVersion",
    "bedrock:GetGuardrail",
    "bedrock:ListGuardrails",
    "bedrock:PutEnforcedGuardrailConfiguration",
    "bedrock:ListEnforcedGuardrailsConfiguration",
)

#: What managing a guardrail encrypted with a customer-managed key takes on the key (Bedrock user
#: guide, guardrails-permissions-kms: "PermissionsForGuardrailsCreators").
GUARDRAIL_KEY_ACTIONS: tuple[str, ...] = (
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
    "kms:CreateGrant",
)

#: Model access and discovery (the administrator): agreements, use-case forms, availability.
MODEL_ACCESS_ACTIONS: tuple[str, ...] = (
    "bedrock:GetFoundationModel",
    "bedrock:ListFoundationModels",
    "bedrock:GetFoundationModelAvailability",
    "bedrock:ListFoundationModelAgreementOffers",
    "bedrock:CreateFoundationModelAgreement",
    "bedrock:DeleteFoundationModelAgreement",
    "bedrock:GetUseCaseForModelAccess",
    "bedrock:PutUseCaseForModelAccess",
)

#: Application inference profiles and tags (the administrator: cost allocation per team).
INFERENCE_PROFILE_MANAGEMENT_ACTIONS: tuple[str, ...] = (
    "bedrock:GetInferenceProfile",
    "bedrock:ListInferenceProfiles",
    "bedrock:CreateInferenceProfile",
    "bedrock:DeleteInferenceProfile",
    "bedrock:TagResource",
    "bedrock:UntagResource",
    "bedrock:ListTagsForResource",
)

#: What the ``bedrock-agent-runtime`` endpoint allows: this account's agents, flows and knowledge
#: bases. Not RetrieveAndGenerate, InvokeInlineAgent, Rerank or GenerateQuery, whose requests name a
#: model that no policy condition can see.
AGENT_RUNTIME_ACTIONS: tuple[str, ...] = (
    "bedrock:InvokeAgent",
    "bedrock:GetAgentMemory",
    "bedrock:DeleteAgentMemory",
    "bedrock:InvokeFlow",
    "bedrock:Retrieve",
)

#: Inference through the ``bedrock-mantle`` endpoint (OpenAI-compatible and Anthropic Messages APIs);
#: both take the ``bedrock-mantle:Model`` condition key.
MANTLE_INFERENCE_ACTIONS: tuple[str, ...] = ("bedrock-mantle:CreateInference", "bedrock-mantle:CountTokens")
#: Read-only ``bedrock-mantle`` calls.
MANTLE_READ_ACTIONS: tuple[str, ...] = (
    "bedrock-mantle:GetProject",
    "bedrock-mantle:ListProjects",
    "bedrock-mantle:GetModel",
    "bedrock-mantle:ListModels",
)
#: The condition key that names the model of a ``bedrock-mantle`` inference.
MANTLE_MODEL_CONDITION_KEY = "bedrock-mantle:Model"

#: Everything that reads the events of a log group or sends them elsewhere, authorized on the log
#: group (or its streams): what "never read the invocation logs" must deny on the log group.
LOG_READ_ACTIONS: tuple[str, ...] = (
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "logs:GetQueryResults",
    "logs:StartLiveTail",
    "logs:GetLogRecord",
    "logs:Unmask",
    "logs:PutSubscriptionFilter",
    "logs:PutMetricFilter",
    "logs:CreateExportTask",
    "logs:IntegrateWithS3Table",
    "logs:ProcessWithPipeline",
)

#: Account-wide ways to send log events or objects elsewhere (subscription-filter account policies,
#: S3 Tables and OpenSearch integrations, cross-account observability links, S3 Batch Operations
#: copy jobs); they accept no resource, so a Deny names ``*``.
ACCOUNT_WIDE_EXPORT_ACTIONS: tuple[str, ...] = (
    "logs:PutAccountPolicy",
    "logs:AssociateSourceToS3TableIntegration",
    "logs:PutIntegration",
    "logs:Link",
    "s3:CreateJob",
)

#: Everything that reads the objects of a bucket (SelectObjectContent and CopyObject are authorized
#: as s3:GetObject on the source).
OBJECT_READ_ACTIONS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectTorrent",
    "s3:GetObjectVersionTorrent",
    "s3:GetObjectVersionForReplication",
)

#: Bucket-level changes that would copy or expose a bucket's objects: replication, and the bucket's
#: policy, ACL and access points.
BUCKET_EXPOSURE_ACTIONS: tuple[str, ...] = (
    "s3:PutReplicationConfiguration",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutBucketOwnershipControls",
)

#: What lets someone decrypt with a key or give themselves the right to.
KEY_DECRYPT_ACTIONS: tuple[str, ...] = (
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
)
