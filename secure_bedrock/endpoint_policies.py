"""Policies for the Bedrock interface endpoints, generated from the approved models and principals.

An endpoint policy is the network's own allow-list: a request through the endpoint must be allowed
by it *and* by the caller's IAM policies. The runtime endpoint names exactly the approved models'
ARNs; the control-plane endpoint allows only the reads the landing zone needs and denies model
management outright; other Bedrock endpoints admit only this account's principals, so credentials
from another account cannot use our network to move data out.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from secure_bedrock import actions
from secure_bedrock._validation import is_token
from secure_bedrock.models import BedrockModel


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def model_invoke_resources(scope: IConstruct, models: Sequence[BedrockModel]) -> list[str]:
    """Every ARN that invoking ``models`` from ``scope``'s region touches, each once."""
    return _unique([arn for model in models for arn in model.arns(scope).all])


def guardrail_resources(scope: IConstruct) -> list[str]:
    """This account's guardrails in this region."""
    return [
        Stack.of(scope).format_arn(
            service="bedrock",
            resource="guardrail",
            resource_name="*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
    ]


def runtime_statements(
    scope: IConstruct,
    *,
    models: Sequence[BedrockModel],
    principals: Sequence[iam.IPrincipal],
    allow_apply_guardrail: bool,
    allow_count_tokens: bool,
) -> list[iam.PolicyStatement]:
    """Statements for the ``bedrock-runtime`` endpoint: invoke only the approved models."""
    model_arns = model_invoke_resources(scope, models)
    statements = [
        iam.PolicyStatement(
            sid="InvokeApprovedModels",
            principals=list(principals),
            actions=list(actions.INVOKE_ACTIONS),
            resources=model_arns,
        )
    ]
    if allow_apply_guardrail:
        statements.append(
            iam.PolicyStatement(
                sid="ApplyOwnGuardrails",
                principals=list(principals),
                actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
                resources=guardrail_resources(scope),
            )
        )
    if allow_count_tokens:
        statements.append(
            iam.PolicyStatement(
                sid="CountTokensOnApprovedModels",
                principals=list(principals),
                actions=list(actions.COUNT_TOKENS_ACTIONS),
                resources=_unique([arn for m in models for arn in m.arns(scope).foundation_model_arns]),
            )
        )
    return statements


def application_profiles_statement(
    scope: IConstruct, principals: Sequence[iam.IPrincipal]
) -> iam.PolicyStatement:
    """Invoke this account's application inference profiles (one statement, whatever their number).

    Safe as a wildcard: a request through an application profile is also authorized on the
    foundation models of its source, and only the approved models' ARNs are in the policy.
    """
    return iam.PolicyStatement(
        sid="InvokeThisAccountsApplicationProfiles",
        principals=list(principals),
        actions=list(actions.INVOKE_ACTIONS),
        resources=_account_resources(scope, "application-inference-profile/*"),
    )


def control_plane_statements(principals: Sequence[iam.IPrincipal]) -> list[iam.PolicyStatement]:
    """Statements for the ``bedrock`` endpoint: reads only, and never model management."""
    return [
        iam.PolicyStatement(
            sid="ReadBedrockConfiguration",
            principals=list(principals),
            actions=list(actions.CONTROL_PLANE_READ_ACTIONS),
            # The List* and availability calls accept no resource-level restriction.
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="DenyModelManagement",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=list(actions.MODEL_MANAGEMENT_ACTIONS),
            resources=["*"],
        ),
    ]


def _account_resources(scope: IConstruct, *resource_names: str) -> list[str]:
    stack = Stack.of(scope)
    return [
        stack.format_arn(service="bedrock", resource=name, arn_format=ArnFormat.NO_RESOURCE_NAME)
        for name in resource_names
    ]


def agent_runtime_statements(
    scope: IConstruct, principals: Sequence[iam.IPrincipal]
) -> list[iam.PolicyStatement]:
    """Statements for the ``bedrock-agent-runtime`` endpoint: this account's agents, flows and
    knowledge bases only.

    ``RetrieveAndGenerate``, ``InvokeInlineAgent``, ``Rerank`` and ``GenerateQuery`` name the model
    in the request, and no condition key lets a policy see it: through our network they would reach
    any model, so the endpoint does not allow them. Agents, flows and knowledge bases use the models
    their owners configured in this account.
    """
    return [
        iam.PolicyStatement(
            sid="InvokeThisAccountsAgentsAndFlows",
            principals=list(principals),
            actions=list(actions.AGENT_RUNTIME_ACTIONS),
            resources=_account_resources(scope, "agent-alias/*", "flow/*/alias/*", "knowledge-base/*"),
        ),
    ]


def mantle_statements(
    scope: IConstruct, mantle_models: Sequence[str], principals: Sequence[iam.IPrincipal]
) -> list[iam.PolicyStatement]:
    """Statements for the ``bedrock-mantle`` endpoint: inference on the approved Mantle models only
    (condition key ``bedrock-mantle:Model``), in this account's projects, and the reads around it.

    Mantle names models by its own ids (``openai.gpt-oss-120b``), not Bedrock's model ids, so the
    approved ones are given separately. Bearer-token (API key) calls are not allowed through it.
    """
    projects = Stack.of(scope).format_arn(
        service="bedrock-mantle",
        resource="project",
        resource_name="*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )
    return [
        iam.PolicyStatement(
            sid="InferenceOnApprovedModels",
            principals=list(principals),
            actions=list(actions.MANTLE_INFERENCE_ACTIONS),
            resources=[projects],
            conditions={"StringEquals": {actions.MANTLE_MODEL_CONDITION_KEY: list(mantle_models)}},
        ),
        iam.PolicyStatement(
            sid="ReadProjectsAndModels",
            principals=list(principals),
            actions=list(actions.MANTLE_READ_ACTIONS),
            resources=[projects],
        ),
    ]


def account_principals_statements(
    action_prefix: str, principals: Sequence[iam.IPrincipal]
) -> list[iam.PolicyStatement]:
    """Statements for the other Bedrock endpoints (agent building, data automation): the service's
    actions for the allowed principals only."""
    return [
        iam.PolicyStatement(
            sid="AllowedPrincipalsOnly",
            principals=list(principals),
            actions=[f"{action_prefix}:*"],
            resources=["*"],
        )
    ]


def s3_gateway_statements(scope: IConstruct) -> list[iam.PolicyStatement]:
    """Statements for the S3 gateway endpoint of a VPC the library creates: this account's buckets,
    and the regional bucket behind CloudFormation's presigned custom-resource response URLs.

    Without a policy a gateway endpoint allows everything: any client in the VPC could write to any
    bucket of any account. Gateway endpoint policies take ``"Principal": "*"`` only (written as such,
    not as ``{"AWS": "*"}``).
    """
    stack = Stack.of(scope)
    return [
        iam.PolicyStatement(
            sid="ThisAccountsBuckets",
            principals=[iam.StarPrincipal()],
            actions=["s3:*"],
            resources=["*"],
            conditions={"StringEquals": {"aws:ResourceAccount": stack.account}},
        ),
        iam.PolicyStatement(
            sid="CloudFormationCustomResourceResponses",
            principals=[iam.StarPrincipal()],
            actions=["s3:PutObject"],
            resources=[
                stack.format_arn(
                    service="s3",
                    region="",
                    account="",
                    resource=custom_resource_response_bucket(stack.region),
                    resource_name="*",
                    arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                )
            ],
        ),
    ]


def custom_resource_response_bucket(region: str) -> str:
    """The AWS-owned bucket of CloudFormation's presigned custom-resource response URLs in ``region``
    (``cloudformation-custom-resource-response-useast1`` in us-east-1: the region without dashes)."""
    if is_token(region):
        return Fn.join("", ["cloudformation-custom-resource-response-", Fn.join("", Fn.split("-", region))])
    return f"cloudformation-custom-resource-response-{region.replace('-', '')}"
