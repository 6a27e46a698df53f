"""Policies for the Bedrock interface endpoints, generated from the approved models and principals.

An endpoint policy is the network's own allow-list: a request through the endpoint must be allowed
by it *and* by the caller's IAM policies. The runtime endpoint names exactly the approved models'
ARNs; the control-plane endpoint allows only the reads the landing zone needs and denies model
management outright; other Bedrock endpoints admit only this account's principals, so credentials
from another account cannot use our network to move data out.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from secure_bedrock import actions
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


def account_principals_statements(
    action_prefix: str, principals: Sequence[iam.IPrincipal]
) -> list[iam.PolicyStatement]:
    """Statements for other Bedrock endpoints: the service's actions for the allowed principals only."""
    return [
        iam.PolicyStatement(
            sid="AllowedPrincipalsOnly",
            principals=list(principals),
            actions=[f"{action_prefix}:*"],
            resources=["*"],
        )
    ]
