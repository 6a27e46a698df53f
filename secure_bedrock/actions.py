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
