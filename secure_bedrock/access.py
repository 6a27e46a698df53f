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
import warnings
from collections.abc import Sequence

from aws_cdk import Annotations, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct, IConstruct

from secure_bedrock import actions, limits
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    require_construct,
    require_iam_description,
    require_interface,
    require_list,
    require_principal,
    require_scope,
    require_type,
    require_vpc_endpoint_id,
)
from secure_bedrock.acknowledgements import acknowledge, acknowledge_wildcard_resources
from secure_bedrock.audit import BedrockAuditTrail
from secure_bedrock.grants import grant_statements
from secure_bedrock.guardrail import AnyGuardrail, BedrockGuardrail, GuardrailReference
from secure_bedrock.invocation_logging import ModelInvocationLogging
from secure_bedrock.models import BedrockModel, require_models
from secure_bedrock.network import BedrockPrivateNetwork
from secure_bedrock.storage import access_log_read_statements, log_group_read_statements


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _allowed_versions(guardrail: AnyGuardrail) -> str | list[str]:
    """The ``bedrock:GuardrailIdentifier`` values allowed: one (as a string), or two in a transition."""
    arns = guardrail.allowed_version_arns
    return arns[0] if len(arns) == 1 else list(arns)


#: The part of an invoker role's policy description after the role's description.
_POLICY_SUFFIX = ": invoke permissions"


def _invoke_conditions(
    guardrail: AnyGuardrail | None, source_vpce: str | None
) -> dict[str, dict[str, object]]:
    """The conditions every Allow of invoke carries: the guardrail's version (or, during a transition,
    either of its two allowed versions), and our endpoint."""
    conditions: dict[str, dict[str, object]] = {}
    if guardrail is not None:
        conditions["StringEquals"] = {"bedrock:GuardrailIdentifier": _allowed_versions(guardrail)}
    if source_vpce is not None:
        conditions.setdefault("StringEquals", {})["aws:SourceVpce"] = source_vpce
    return conditions


def _model_arns(scope: IConstruct, models: Sequence[BedrockModel]) -> tuple[list[str], list[str], list[str]]:
    """(profile ARNs, foundation models invoked directly, foundation models reached through profiles)."""
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
    # A model approved in-region is reachable directly; others only through an approved profile.
    return _unique(profiles), direct, [arn for arn in _unique(through_profiles) if arn not in direct]


def _model_statements(
    scope: IConstruct,
    models: Sequence[BedrockModel],
    conditions: dict[str, dict[str, object]],
    suffix: str = "",
) -> list[iam.PolicyStatement]:
    """The Allow statements for ``models``: their profiles, the foundation models behind them (only
    through those profiles, by ``bedrock:InferenceProfileArn``), and in-region foundation models."""
    profiles, direct, through_profiles = _model_arns(scope, models)
    statements: list[iam.PolicyStatement] = []
    if profiles:
        statements.append(
            iam.PolicyStatement(
                sid=f"InvokeApprovedInferenceProfiles{suffix}",
                actions=list(actions.INVOKE_ACTIONS),
                resources=profiles,
                conditions=copy.deepcopy(conditions) or None,
            )
        )
    if through_profiles:
        statements.append(
            iam.PolicyStatement(
                sid=f"InvokeFoundationModelsOnlyThroughApprovedProfiles{suffix}",
                actions=list(actions.INVOKE_ACTIONS),
                resources=through_profiles,
                conditions={
                    **copy.deepcopy(conditions),
                    "StringLike": {"bedrock:InferenceProfileArn": profiles},
                },
            )
        )
    if direct:
        statements.append(
            iam.PolicyStatement(
                sid=f"InvokeApprovedFoundationModels{suffix}",
                actions=list(actions.INVOKE_ACTIONS),
                resources=direct,
                conditions=copy.deepcopy(conditions) or None,
            )
        )
    return statements


def _fixed_statements(
    scope: IConstruct,
    guardrail: AnyGuardrail | None,
    source_vpce: str | None,
    guarded_resources: list[str],
) -> list[iam.PolicyStatement]:
    """The statements that do not depend on the models: the guardrail's Deny, applying it, its
    key, and the Deny of model management.

    :param guarded_resources: what the Deny of invoking without the guardrail covers.
    """
    statements: list[iam.PolicyStatement] = []
    if guardrail is not None:
        apply_conditions = (
            {"StringEquals": {"aws:SourceVpce": source_vpce}} if source_vpce is not None else None
        )
        statements += [
            iam.PolicyStatement(
                sid="DenyInvokeWithoutTheGuardrail",
                effect=iam.Effect.DENY,
                actions=list(actions.INVOKE_ACTIONS),
                resources=guarded_resources,
                # Denied unless the request names one of the allowed versions (StringNotEquals with
                # several values matches a value equal to none of them).
                conditions={"StringNotEquals": {"bedrock:GuardrailIdentifier": _allowed_versions(guardrail)}},
            ),
            iam.PolicyStatement(
                sid="ApplyTheGuardrail",
                actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
                resources=[guardrail.guardrail_arn, *guardrail.profile_arns],
                # Content sent to ApplyGuardrail is PHI too: only through our endpoint, when there is one.
                conditions=apply_conditions,
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


def _check_invoke_arguments(
    scope: IConstruct,
    models: Sequence[BedrockModel],
    guardrail: AnyGuardrail | None,
    source_vpce: str | None,
) -> None:
    models = require_models("models", models, scope=scope)
    if guardrail is not None:
        require_type(
            "guardrail",
            guardrail,
            (BedrockGuardrail, GuardrailReference),
            "a BedrockGuardrail or GuardrailReference",
        )
    if source_vpce is not None:
        require_vpc_endpoint_id("source_vpce", source_vpce)


def invoke_statements(
    scope: IConstruct,
    *,
    models: Sequence[BedrockModel],
    guardrail: AnyGuardrail | None = None,
    source_vpce: str | None = None,
) -> list[iam.PolicyStatement]:
    """The identity-policy statements that let a principal invoke ``models`` and nothing more.

    The Deny of invoking without the guardrail covers the approved models' ARNs only, so the
    statements can join a role that has other Bedrock permissions of its own. A managed policy holds
    6,144 characters: with many models, split the models across several policies (as
    :class:`BedrockInvokerRole` does).

    :param models: the approved models.
    :param guardrail: when given, every invocation must name this guardrail's published version.
    :param source_vpce: when given, invocations (and ``ApplyGuardrail``) must arrive through this VPC
        endpoint id.
    """
    require_scope("scope", scope)
    _check_invoke_arguments(scope, models, guardrail, source_vpce)
    profiles, direct, through_profiles = _model_arns(scope, models)
    return [
        *_model_statements(scope, models, _invoke_conditions(guardrail, source_vpce)),
        *_fixed_statements(scope, guardrail, source_vpce, _unique([*profiles, *through_profiles, *direct])),
    ]


def invoker_policy_statements(
    scope: IConstruct,
    *,
    models: Sequence[BedrockModel],
    guardrail: AnyGuardrail | None = None,
    source_vpce: str | None = None,
) -> list[list[iam.PolicyStatement]]:
    """The statements of a role dedicated to invoking ``models``, split into managed policies that
    each fit IAM's 6,144 characters (measured with every deploy-time value at its longest).

    Unlike :func:`invoke_statements`, the Deny of invoking without the guardrail covers every
    resource (``*``): the role has no other purpose, and the Deny then costs the same whatever the
    number of models. The first policy holds the statements that do not depend on the models.
    """
    require_scope("scope", scope)
    _check_invoke_arguments(scope, models, guardrail, source_vpce)
    conditions = _invoke_conditions(guardrail, source_vpce)
    fixed = _fixed_statements(scope, guardrail, source_vpce, ["*"])
    measure = limits.PolicyMeasure(scope)

    def policy(chunk: list[BedrockModel], index: int) -> list[iam.PolicyStatement]:
        head = fixed if index == 0 else []
        return [*head, *_model_statements(scope, chunk, conditions, str(index + 1) if index else "")]

    chunks: list[list[BedrockModel]] = []
    chunk: list[BedrockModel] = []
    for model in models:
        if chunk and measure.size(policy([*chunk, model], len(chunks))) > limits.MANAGED_POLICY.maximum:
            chunks.append(chunk)
            chunk = []
        chunk.append(model)
    chunks.append(chunk)
    policies = [policy(chunk, index) for index, chunk in enumerate(chunks)]
    for chunk, statements in zip(chunks, policies, strict=True):
        size = measure.size(statements)
        if size > limits.MANAGED_POLICY.maximum:
            raise ValueError(
                f"models: the statements for {', '.join(m.model_id for m in chunk)} take {size} characters, more "
                f"than an IAM managed policy holds ({limits.MANAGED_POLICY.maximum}); this model cannot be granted"
            )
    if len(policies) > limits.MANAGED_POLICIES_PER_ROLE.maximum:
        raise ValueError(
            f"models: {len(models)} models need {len(policies)} managed policies, more than a role takes "
            f"({limits.MANAGED_POLICIES_PER_ROLE.maximum}); split the models across several roles (teams)"
        )
    return policies


def grant_invoke(
    grantee: iam.IGrantable,
    *,
    models: Sequence[BedrockModel],
    guardrail: AnyGuardrail | None = None,
    source_vpce: str | None = None,
    through: str | None = None,
) -> iam.Grant:
    """Let ``grantee`` (a role, user or function) invoke ``models`` (see :func:`invoke_statements`).

    :param source_vpce: the VPC endpoint id invocations must come through, e.g.
        ``network.runtime_endpoint.vpc_endpoint_id`` (the name every construct uses). Default: any path.
    :param through: deprecated: the earlier name of ``source_vpce``, kept for one release.
    """
    if through is not None:
        if source_vpce is not None:
            raise ValueError("through, source_vpce: give source_vpce only (through is its deprecated name)")
        warnings.warn(
            "grant_invoke(through=...) is deprecated: use source_vpce=..., the name every construct uses",
            DeprecationWarning,
            stacklevel=2,
        )
        source_vpce = through
    require_interface("grantee", grantee, "grant_principal", "an iam.IGrantable such as an iam.Role")
    scope = grantee if isinstance(grantee, Construct) else grantee.grant_principal
    if not isinstance(scope, Construct):
        raise TypeError(f"grantee must be a construct such as an iam.Role, got {grantee!r}")
    require_scope("grantee", scope)
    argument = "through" if through is not None else "source_vpce"
    if source_vpce is not None:
        require_vpc_endpoint_id(argument, source_vpce)
    return grant_statements(
        grantee, invoke_statements(scope, models=models, guardrail=guardrail, source_vpce=source_vpce)
    )


class BedrockInvokerRole(Construct):
    """A role that may invoke the approved models, under the guardrail, and nothing else.

    Its permissions are customer-managed policies (no inline policy), split so that each fits IAM's
    6,144 characters: one for up to about a dozen models, more for more.

    Attributes: ``role`` (id ``Resource``), ``policies`` (its customer-managed policies, ids
    ``Policy``, ``Policy2``, ...), ``policy`` (the first, which holds the statements that do not
    depend on the models).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assumed_by: iam.IPrincipal,
        models: Sequence[BedrockModel],
        guardrail: AnyGuardrail | None = None,
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
        models = require_models("models", models, scope=scope)
        if guardrail is not None:
            require_type(
                "guardrail",
                guardrail,
                (BedrockGuardrail, GuardrailReference),
                "a BedrockGuardrail or GuardrailReference",
            )
        if source_vpce is not None:
            require_vpc_endpoint_id("source_vpce", source_vpce)
        limits.require_trust_policy_fits("assumed_by", scope, assumed_by)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        documents = invoker_policy_statements(
            self, models=models, guardrail=guardrail, source_vpce=source_vpce
        )
        if guardrail is None:
            Annotations.of(self).add_warning_v2(
                "secure-bedrock:invoker-without-guardrail",
                "this invoker role can call models without a guardrail; pass guardrail= to enforce one",
            )
        self.role = iam.Role(self, "Resource", description=description, assumed_by=assumed_by)
        # One managed policy holds 6,144 characters: more models spill into Policy2, Policy3, ...
        self.policies = [
            iam.ManagedPolicy(
                self,
                "Policy" if index == 0 else f"Policy{index + 1}",
                description=f"{description}{_POLICY_SUFFIX}" + (f" ({index + 1})" if index else ""),
                roles=[self.role],
                statements=statements,
            )
            for index, statements in enumerate(documents)
        ]
        self.policy = self.policies[0]


class BedrockAuditor(Construct):
    """Read-only access to all the evidence, as a managed policy and optionally a role: the invocation
    logs, the audit trail, the server access logs of their buckets, the logs of the library's handlers
    (the logging handler, its drift check, the default-security-group handler) and the VPC flow logs.

    The policy reads the evidence buckets and log groups and decrypts through S3 and CloudWatch
    Logs only; it cannot invoke models, change configuration or delete anything. The library gives
    decrypt on the invocation-log key to no other person.

    Attributes: ``policies`` (attach them to an IAM Identity Center permission set or your own role:
    one, or more where the statements pass 80 % of IAM's 6,144 characters), ``policy`` (the first),
    ``role`` (``None`` unless ``assumed_by`` is given).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        invocation_logging: ModelInvocationLogging | None = None,
        audit_trail: BedrockAuditTrail | None = None,
        network: BedrockPrivateNetwork | None = None,
        assumed_by: iam.IPrincipal | None = None,
    ) -> None:
        """
        :param invocation_logging: the invocation logs to read, with its bucket's access logs and its
            handler's and drift check's logs. Default: none.
        :param audit_trail: the trail to read, with its bucket's access logs. Default: none.
        :param network: the network whose flow logs and default-security-group handler's log to read
            (what the network created; a VPC of your own has its own). Default: none.
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
        if network is not None:
            require_type("network", network, BedrockPrivateNetwork, "a BedrockPrivateNetwork")
        if assumed_by is not None:
            require_principal("assumed_by", assumed_by, "would let anyone read PHI")
            limits.require_trust_policy_fits("assumed_by", scope, assumed_by)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)

        statements: list[iam.PolicyStatement] = []
        access_logs: list[s3.IBucket] = []
        if invocation_logging is not None:
            statements += invocation_logging.read_statements()
            statements += invocation_logging.handler.log_read_statements("LoggingHandlerLogs")
            statements += invocation_logging.watch.checker.log_read_statements("LoggingDriftCheckLogs")
            access_logs.append(invocation_logging.bucket.access_logs_bucket)
        if audit_trail is not None:
            statements += audit_trail.read_statements()
            if audit_trail.bucket is not None:  # None: the trail writes to a bucket of yours
                access_logs.append(audit_trail.bucket.access_logs_bucket)
        if network is not None:
            if network.flow_log_group is not None and network.flow_log_key is not None:
                statements += log_group_read_statements(
                    self, name="FlowLogs", log_group=network.flow_log_group, key=network.flow_log_key
                )
            if network.default_security_group is not None:
                statements += network.default_security_group.handler.log_read_statements(
                    "DefaultSecurityGroupHandlerLogs"
                )
        # The landing zone's two evidence buckets log to one access-log bucket.
        unique_access_logs = list({id(bucket): bucket for bucket in access_logs}.values())
        for index, bucket in enumerate(unique_access_logs, start=1):
            statements += access_log_read_statements(f"AccessLogs{index if index > 1 else ''}", bucket)
        # Filled to 80 % of IAM's 6,144 characters: names grow with the stack's (a stage's stack is
        # longer), and a second policy is cheaper than a failed deploy.
        parts = limits.pack_statements(self, statements, room=limits.ROOM)
        self.policies = [
            iam.ManagedPolicy(
                self,
                "Policy" if index == 0 else f"Policy{index + 1}",
                description="secure-bedrock auditor: read the Bedrock evidence (invocation logs, trail, access logs, "
                "handler and flow logs), nothing else" + (f" ({index + 1})" if index else ""),
                statements=part,
            )
            for index, part in enumerate(parts)
        ]
        self.policy = self.policies[0]
        for policy, part in zip(self.policies, parts, strict=True):
            acknowledge_wildcard_resources(
                policy,
                [resource for statement in part for resource in statement.resources],
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
                managed_policies=list(self.policies),
            )


class BedrockAdministrator(Construct):
    """A role that manages guardrails, model access and application inference profiles, and reads the
    invocation-logging setting.

    It cannot invoke models or apply guardrails, cannot change the invocation-logging setting (only
    the landing zone's handler does, at deployment), and cannot read the invocation logs or send them
    anywhere: explicit Denies, which hold whatever else the role is given.

    Attributes: ``role`` (id ``Resource``), ``policies`` (customer-managed, ids ``Policy``,
    ``Policy2``, ...: as many as IAM's 6,144 characters need), ``policy`` (the first).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        assumed_by: iam.IPrincipal,
        invocation_logging: ModelInvocationLogging | None = None,
        guardrail: BedrockGuardrail | None = None,
        models: Sequence[BedrockModel] = (),
    ) -> None:
        """
        :param assumed_by: who may assume the role; never ``*``.
        :param invocation_logging: the logs it must not read. Default: none.
        :param guardrail: the landing zone's guardrail, whose key it may use to manage it
            (creating and updating a guardrail needs ``kms:Decrypt``, ``GenerateDataKey``,
            ``DescribeKey`` and ``CreateGrant`` on its key, through Bedrock). Default: none.
        :param models: the approved models it may create application inference profiles from
            (``CreateInferenceProfile`` is authorized on the source profile and its foundation models).
            Default: none.
        """
        require_construct(scope, construct_id)
        require_principal("assumed_by", assumed_by, "would let anyone assume the role")
        limits.require_trust_policy_fits("assumed_by", scope, assumed_by)
        if invocation_logging is not None:
            require_type(
                "invocation_logging", invocation_logging, ModelInvocationLogging, "a ModelInvocationLogging"
            )
        if guardrail is not None:
            require_type("guardrail", guardrail, BedrockGuardrail, "a BedrockGuardrail")
        if models:
            models = require_models("models", models, scope=scope)
        else:
            require_list("models", models, "a list of BedrockModel")
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)
        statements = [
            iam.PolicyStatement(
                sid="ManageGuardrails",
                actions=list(actions.GUARDRAIL_MANAGEMENT_ACTIONS),
                resources=[
                    stack.format_arn(service="bedrock", resource="guardrail", resource_name="*"),
                    *(guardrail.profile_arns[:1] if guardrail is not None else []),
                ],
            ),
            iam.PolicyStatement(
                sid="ManageAccountSettings",
                actions=[
                    "bedrock:GetModelInvocationLoggingConfiguration",
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
            iam.PolicyStatement(
                # The logging setting is evidence: only the landing zone's handler changes it.
                sid="NeverChangeInvocationLogging",
                effect=iam.Effect.DENY,
                actions=list(actions.LOGGING_CONFIGURATION_WRITE_ACTIONS),
                resources=["*"],
            ),
        ]
        if models:
            # An application profile copied from a system profile is authorized on the profile and on
            # the foundation model in each region it routes to.
            statements.append(
                iam.PolicyStatement(
                    sid="CopyApprovedModelsIntoApplicationProfiles",
                    actions=["bedrock:CreateInferenceProfile", "bedrock:GetInferenceProfile"],
                    resources=_unique([arn for model in models for arn in model.arns(self).all]),
                )
            )
        if guardrail is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="UseTheGuardrailKeyThroughBedrock",
                    actions=list(actions.GUARDRAIL_KEY_ACTIONS),
                    resources=[guardrail.encryption_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"bedrock.{stack.region}.amazonaws.com"}},
                )
            )
        if invocation_logging is not None:
            statements += invocation_logging.deny_read_statements(sid_prefix="NeverReadInvocationLogs")
        self.role = iam.Role(
            self,
            "Resource",
            description="secure-bedrock administrator: guardrails, model access, application profiles",
            assumed_by=assumed_by,
        )
        # A managed policy holds 6,144 characters: with many models the statements spill into Policy2, ...
        parts = limits.pack_statements(self, statements, room=limits.ROOM)
        self.policies = [
            iam.ManagedPolicy(
                self,
                "Policy" if index == 0 else f"Policy{index + 1}",
                description="secure-bedrock administrator permissions" + (f" ({index + 1})" if index else ""),
                roles=[self.role],
                statements=part,
            )
            for index, part in enumerate(parts)
        ]
        self.policy = self.policies[0]
        for policy, part in zip(self.policies, parts, strict=True):
            if any("*" in statement.resources for statement in part):
                acknowledge(
                    policy,
                    "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                    "Only account-level Bedrock settings, List calls and Marketplace subscriptions, which accept no "
                    "resource, and explicit Denies use '*'.",
                )
            acknowledge_wildcard_resources(
                policy,
                [
                    resource
                    for statement in part
                    if statement.effect == iam.Effect.ALLOW
                    for resource in statement.resources
                    if resource != "*"
                ],
                "Guardrails and application inference profiles of this account and region only: the administrator "
                "creates them, so their ids are not known ahead.",
            )
