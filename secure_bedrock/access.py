"""Scoped IAM: who may invoke which model, through which path, under which guardrail; who audits; who administers.

* :func:`invoke_statements` / :func:`grant_invoke` / :class:`BedrockInvokerRole`: invoke only the
  approved models, on their exact ARNs (inference profile plus the foundation model in each region
  it routes to, tied to the profile by ``bedrock:InferenceProfileArn``), only with the guardrail
  (an Allow conditioned on ``bedrock:GuardrailIdentifier`` and a Deny of every other value),
  optionally only through our VPC endpoint (``aws:SourceVpce``), and never model management.
* :class:`BedrockAuditor`: read the evidence and nothing else.
* :class:`BedrockAdministrator`: manage guardrails, the logging setting and model access; never
  invoke models or read invocation logs.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from aws_cdk import Annotations, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from secure_bedrock import actions
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    require_construct,
    require_iam_description,
    require_interface,
    require_principal,
    require_scope,
    require_type,
    require_vpc_endpoint_id,
)
from secure_bedrock.acknowledgements import acknowledge, acknowledge_wildcard_resources
from secure_bedrock.audit import BedrockAuditTrail
from secure_bedrock.guardrail import BedrockGuardrail
from secure_bedrock.invocation_logging import ModelInvocationLogging, grant_statements
from secure_bedrock.models import BedrockModel, require_models


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


#: The part of an invoker role's policy description after the role's description.
_POLICY_SUFFIX = ": invoke permissions"


def invoke_statements(
    scope: IConstruct,
    *,
    models: Sequence[BedrockModel],
    guardrail: BedrockGuardrail | None = None,
    source_vpce: str | None = None,
) -> list[iam.PolicyStatement]:
    """The identity-policy statements that let a principal invoke ``models`` and nothing more.

    :param models: the approved models.
    :param guardrail: when given, every invocation must name this guardrail's published version.
    :param source_vpce: when given, invocations must arrive through this VPC endpoint id.
    """
    require_scope("scope", scope)
    require_models("models", models, scope=scope)
    if guardrail is not None:
        require_type("guardrail", guardrail, BedrockGuardrail, "a BedrockGuardrail")
    if source_vpce is not None:
        require_vpc_endpoint_id("source_vpce", source_vpce)

    direct: list[str] = []
    profiles: list[str] = []
    through_profiles: list[str] = []
    for model in models:
        arns = model.arns(scope)
        if arns.profile_arns:
            profiles += arns.profile_arns
            through_profiles += arns.foundation_model_arns
        else:
            direct += arns.foundation_model_arns
    direct = _unique(direct)
    profiles = _unique(profiles)
    # A model approved in-region is reachable directly; others only through an approved profile.
    through_profiles = [arn for arn in _unique(through_profiles) if arn not in direct]

    common: dict[str, dict[str, object]] = {}  # copied per statement below
    if guardrail is not None:
        common["StringEquals"] = {"bedrock:GuardrailIdentifier": guardrail.guardrail_version_arn}
    if source_vpce is not None:
        common.setdefault("StringEquals", {})["aws:SourceVpce"] = source_vpce

    statements: list[iam.PolicyStatement] = []
    if profiles:
        statements.append(
            iam.PolicyStatement(
                sid="InvokeApprovedInferenceProfiles",
                actions=list(actions.INVOKE_ACTIONS),
                resources=profiles,
                conditions=copy.deepcopy(common) or None,
            )
        )
    if through_profiles:
        statements.append(
            iam.PolicyStatement(
                sid="InvokeFoundationModelsOnlyThroughApprovedProfiles",
                actions=list(actions.INVOKE_ACTIONS),
                resources=through_profiles,
                conditions={**copy.deepcopy(common), "StringLike": {"bedrock:InferenceProfileArn": profiles}},
            )
        )
    if direct:
        statements.append(
            iam.PolicyStatement(
                sid="InvokeApprovedFoundationModels",
                actions=list(actions.INVOKE_ACTIONS),
                resources=direct,
                conditions=copy.deepcopy(common) or None,
            )
        )
    if guardrail is not None:
        statements += [
            iam.PolicyStatement(
                sid="DenyInvokeWithoutTheGuardrail",
                effect=iam.Effect.DENY,
                actions=list(actions.INVOKE_ACTIONS),
                resources=_unique([*profiles, *through_profiles, *direct]),
                conditions={
                    "StringNotEquals": {"bedrock:GuardrailIdentifier": guardrail.guardrail_version_arn}
                },
            ),
            iam.PolicyStatement(
                sid="ApplyTheGuardrail",
                actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
                resources=[guardrail.guardrail_arn, *guardrail.profile_arns],
            ),
            iam.PolicyStatement(
                sid="UseTheGuardrailKey",
                actions=["kms:Decrypt"],
                resources=[guardrail.encryption_key.key_arn],
                conditions={
                    "StringEquals": {"kms:ViaService": f"bedrock.{Stack.of(scope).region}.amazonaws.com"}
                },
            ),
        ]
    statements.append(
        iam.PolicyStatement(
            sid="DenyModelManagement",
            effect=iam.Effect.DENY,
            actions=list(actions.MODEL_MANAGEMENT_ACTIONS),
            resources=["*"],
        )
    )
    return statements


def grant_invoke(
    grantee: iam.IGrantable,
    *,
    models: Sequence[BedrockModel],
    guardrail: BedrockGuardrail | None = None,
    through: str | None = None,
) -> iam.Grant:
    """Let ``grantee`` (a role, user or function) invoke ``models`` (see :func:`invoke_statements`).

    :param through: the VPC endpoint id invocations must come through, e.g.
        ``network.runtime_endpoint.vpc_endpoint_id``. Default: any path.
    """
    require_interface("grantee", grantee, "grant_principal", "an iam.IGrantable such as an iam.Role")
    scope = grantee if isinstance(grantee, Construct) else grantee.grant_principal
    if not isinstance(scope, Construct):
        raise TypeError(f"grantee must be a construct such as an iam.Role, got {grantee!r}")
    require_scope("grantee", scope)
    if through is not None:
        require_vpc_endpoint_id("through", through)
    return grant_statements(
        grantee, invoke_statements(scope, models=models, guardrail=guardrail, source_vpce=through)
    )


class BedrockInvokerRole(Construct):
    """A role that may invoke the approved models, under the guardrail, and nothing else.

    Attributes: ``role`` (id ``Resource``), ``policy`` (its one customer-managed policy).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assumed_by: iam.IPrincipal,
        models: Sequence[BedrockModel],
        guardrail: BedrockGuardrail | None = None,
        source_vpce: str | None = None,
        description: str = "secure-bedrock invoker: approved models only",
    ) -> None:
        """
        :param assumed_by: who may assume the role (a service, an account, a role); never ``*``.
        :param models: the models it may invoke.
        :param guardrail: the guardrail every invocation must carry. Default: none (a warning is
            added: without it nothing forces content checks).
        :param source_vpce: the VPC endpoint id invocations must come through, e.g.
            ``network.runtime_endpoint.vpc_endpoint_id``. Default: any path.
        :param description: the role's description.
        """
        require_construct(scope, construct_id)
        require_principal("assumed_by", assumed_by, "would let anyone assume the role")
        require_iam_description("description", description, 1000 - len(_POLICY_SUFFIX))
        require_models("models", models, scope=scope)
        if guardrail is not None:
            require_type("guardrail", guardrail, BedrockGuardrail, "a BedrockGuardrail")
        if source_vpce is not None:
            require_vpc_endpoint_id("source_vpce", source_vpce)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        statements = invoke_statements(self, models=models, guardrail=guardrail, source_vpce=source_vpce)
        if guardrail is None:
            Annotations.of(self).add_warning_v2(
                "secure-bedrock:invoker-without-guardrail",
                "this invoker role can call models without a guardrail; pass guardrail= to enforce one",
            )
        self.role = iam.Role(self, "Resource", description=description, assumed_by=assumed_by)
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"{description}{_POLICY_SUFFIX}",
            roles=[self.role],
            statements=statements,
        )


class BedrockAuditor(Construct):
    """Read-only access to the invocation logs and the audit trail, as a managed policy and optionally a role.

    The policy reads the evidence buckets and log groups and decrypts through S3 and CloudWatch
    Logs only; it cannot invoke models, change configuration or delete anything. The library gives
    decrypt on the invocation-log key to no other person.

    Attributes: ``policy`` (attach it to an IAM Identity Center permission set or your own role),
    ``role`` (``None`` unless ``assumed_by`` is given).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        invocation_logging: ModelInvocationLogging | None = None,
        audit_trail: BedrockAuditTrail | None = None,
        assumed_by: iam.IPrincipal | None = None,
    ) -> None:
        """
        :param invocation_logging: the invocation logs to read. Default: none.
        :param audit_trail: the trail to read. Default: none.
        :param assumed_by: who may assume the auditor role (an account, a role, a SAML provider);
            never ``*``. Default: no role, only the managed policy.
        """
        require_construct(scope, construct_id)
        if invocation_logging is None and audit_trail is None:
            raise ValueError(
                "invocation_logging, audit_trail: give at least one, or the auditor can read nothing"
            )
        if invocation_logging is not None and not isinstance(invocation_logging, ModelInvocationLogging):
            raise TypeError(
                f"invocation_logging must be a ModelInvocationLogging, got {invocation_logging!r}"
            )
        if audit_trail is not None and not isinstance(audit_trail, BedrockAuditTrail):
            raise TypeError(f"audit_trail must be a BedrockAuditTrail, got {audit_trail!r}")
        if assumed_by is not None:
            require_principal("assumed_by", assumed_by, "would let anyone read PHI")
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)

        statements: list[iam.PolicyStatement] = []
        if invocation_logging is not None:
            statements += invocation_logging.read_statements()
        if audit_trail is not None:
            statements += audit_trail.read_statements()
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="secure-bedrock auditor: read Bedrock invocation logs and the audit trail, nothing else",
            statements=statements,
        )
        acknowledge_wildcard_resources(
            self.policy,
            [resource for statement in statements for resource in statement.resources],
            "Read-only access to the objects of one evidence bucket (or its AWSLogs/ACCOUNT/ folder); the "
            "wildcard covers log objects whose names S3 and CloudTrail choose, and nothing outside the bucket.",
        )
        self.role: iam.Role | None = None
        if assumed_by is not None:
            self.role = iam.Role(
                self,
                "Resource",
                description="secure-bedrock auditor: reads Bedrock evidence",
                assumed_by=assumed_by,
                managed_policies=[self.policy],
            )


class BedrockAdministrator(Construct):
    """A role that manages guardrails, the invocation-logging setting, model access and application profiles.

    It cannot invoke models or apply guardrails (explicit Deny), and cannot read the invocation logs
    (explicit Deny on their objects, log group and key).

    Attributes: ``role`` (id ``Resource``), ``policy``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assumed_by: iam.IPrincipal,
        invocation_logging: ModelInvocationLogging | None = None,
    ) -> None:
        """
        :param assumed_by: who may assume the role; never ``*``.
        :param invocation_logging: the logs it must not read, and whose delivery role it may pass to
            Bedrock. Default: none.
        """
        require_construct(scope, construct_id)
        require_principal("assumed_by", assumed_by, "would let anyone assume the role")
        if invocation_logging is not None and not isinstance(invocation_logging, ModelInvocationLogging):
            raise TypeError(
                f"invocation_logging must be a ModelInvocationLogging, got {invocation_logging!r}"
            )
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)
        statements = [
            iam.PolicyStatement(
                sid="ManageGuardrails",
                actions=list(actions.GUARDRAIL_MANAGEMENT_ACTIONS),
                resources=[stack.format_arn(service="bedrock", resource="guardrail", resource_name="*")],
            ),
            iam.PolicyStatement(
                sid="ManageAccountSettings",
                actions=[
                    "bedrock:GetModelInvocationLoggingConfiguration",
                    *actions.LOGGING_CONFIGURATION_WRITE_ACTIONS,
                    *actions.MODEL_ACCESS_ACTIONS,
                    "bedrock:ListGuardrails",
                    "bedrock:ListEnforcedGuardrailsConfiguration",
                    "bedrock:PutEnforcedGuardrailConfiguration",
                    "bedrock:ListInferenceProfiles",
                ],
                # Account-level settings and List calls accept no resource.
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="ManageApplicationInferenceProfiles",
                actions=list(actions.INFERENCE_PROFILE_MANAGEMENT_ACTIONS),
                resources=[
                    stack.format_arn(
                        service="bedrock", resource="application-inference-profile", resource_name="*"
                    ),
                    stack.format_arn(service="bedrock", resource="inference-profile", resource_name="*"),
                ],
            ),
            iam.PolicyStatement(
                sid="SubscribeToMarketplaceModels",
                actions=[
                    "aws-marketplace:Subscribe",
                    "aws-marketplace:Unsubscribe",
                    "aws-marketplace:ViewSubscriptions",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                sid="NeverInvokeModels",
                effect=iam.Effect.DENY,
                actions=[
                    *actions.INVOKE_ACTIONS,
                    *actions.APPLY_GUARDRAIL_ACTIONS,
                    *actions.COUNT_TOKENS_ACTIONS,
                ],
                resources=["*"],
            ),
        ]
        if invocation_logging is not None:
            statements += [
                invocation_logging.pass_delivery_role_statement(),
                iam.PolicyStatement(
                    sid="NeverReadInvocationLogs",
                    effect=iam.Effect.DENY,
                    actions=[
                        "s3:GetObject",
                        "s3:GetObjectVersion",
                        "logs:GetLogEvents",
                        "logs:FilterLogEvents",
                        "logs:StartQuery",
                        "kms:Decrypt",
                    ],
                    resources=[
                        invocation_logging.bucket.bucket.arn_for_objects("*"),
                        invocation_logging.log_group.log_group_arn,
                        invocation_logging.encryption_key.key_arn,
                    ],
                ),
            ]
        self.role = iam.Role(
            self,
            "Resource",
            description="secure-bedrock administrator: guardrails, logging, model access",
            assumed_by=assumed_by,
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="secure-bedrock administrator permissions",
            roles=[self.role],
            statements=statements,
        )
        acknowledge(
            self.policy,
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            "Only account-level Bedrock settings, List calls and Marketplace subscriptions, which accept no "
            "resource, and explicit Denies use '*'.",
        )
        acknowledge_wildcard_resources(
            self.policy,
            [
                resource
                for statement in statements
                if statement.effect == iam.Effect.ALLOW
                for resource in statement.resources
                if resource != "*"
            ],
            "Guardrails and application inference profiles of this account and region only: the administrator "
            "creates them, so their ids are not known ahead.",
        )
