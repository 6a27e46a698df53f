"""The landing zone's options, in the five groups the settings have: network, evidence, guardrail,
access and operations.

Each group is a frozen dataclass whose fields carry their defaults; ``SecureBedrockLandingZone``
takes one of each (all optional) and hands each group to the part of the composition it configures.
:func:`merge_flat_arguments` keeps the flat keyword arguments of 0.1 working for one release.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Annotations, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from secure_bedrock._validation import (
    did_you_mean,
    is_token,
    require_amount,
    require_bool,
    require_int_range,
    require_interface,
    require_key,
    require_list,
    require_principal,
    require_subnet_selection,
    require_type,
)
from secure_bedrock.archive import ArchiveDestination
from secure_bedrock.budgets import DEFAULT_THRESHOLDS, validate_budget_emails, validate_thresholds_percent
from secure_bedrock.guardrail import GuardrailPolicy, validate_cross_region, validate_previous_version
from secure_bedrock.models import BedrockModel
from secure_bedrock.monitoring import AlarmThresholds, validate_subscribers, validate_tpm_quotas
from secure_bedrock.network import SIX_YEARS, BedrockEndpointService, _NetworkArguments
from secure_bedrock.organization import OrganizationGuardrail
from secure_bedrock.residency import Residency, check_residency
from secure_bedrock.storage import (
    DEFAULT_TRANSITION_DAYS,
    MAX_RETENTION_DAYS,
    SIX_YEARS_IN_DAYS,
    ObjectLock,
    require_object_lock,
)
from secure_bedrock.teams import TeamSpec, validate_team_specs

#: The kinds of data model invocation logging can record.
INVOCATION_LOG_DATA_TYPES: tuple[str, ...] = ("text", "image", "embedding", "video", "audio")


@dataclass(frozen=True)
class NetworkOptions:
    """The private network: the VPC, the endpoints, and who may reach them."""

    vpc: ec2.IVpc | None = None
    """Your VPC. Default: a new hardened VPC with isolated subnets only."""
    vpc_subnets: ec2.SubnetSelection | None = None
    """Subnets for the endpoints and the invocation-logging handler. Default: one isolated subnet per
    AZ, or private subnets with egress in a VPC without isolated ones."""
    vpc_cidr: str = "10.0.0.0/16"
    """The new VPC's range (ignored with your own VPC)."""
    max_azs: int = 2
    """The new VPC's availability zones, 2-6 (ignored with your own VPC)."""
    endpoint_services: Sequence[BedrockEndpointService] | None = None
    """Bedrock endpoints besides ``bedrock-runtime``. Default: the control plane (which the
    invocation-logging handler needs)."""
    mantle_models: Sequence[str] = ()
    """With the ``bedrock-mantle`` endpoint, the models allowed through it, by Mantle's own ids."""
    allowed_principals: Sequence[iam.IPrincipal] | None = None
    """Who may use the endpoints. Default: this account's principals."""
    allowed_cidrs: Sequence[str] | None = None
    """Client networks admitted to the endpoints. Default: the VPC's CIDR (when no security group is given)."""
    allowed_security_groups: Sequence[ec2.ISecurityGroup] | None = None
    """Client security groups admitted to the endpoints. Default: none."""
    flow_log_encryption_key: kms.IKey | None = None
    """Key for the VPC flow logs. Default: a new customer-managed key."""


@dataclass(frozen=True)
class EvidenceOptions:
    """Model invocation logging, the audit trail, how long their evidence is kept, and who reads it."""

    retention_days: int = SIX_YEARS_IN_DAYS
    """Days the evidence buckets keep each object (HIPAA: six years)."""
    log_retention: logs.RetentionDays = SIX_YEARS
    """Retention of the landing zone's log groups (invocation logs, flow logs, the handler's)."""
    object_lock: ObjectLock | None = None
    """WORM retention for the evidence buckets. Default: none."""
    invocation_log_data_types: Sequence[str] = INVOCATION_LOG_DATA_TYPES
    """What invocation logging records, from :data:`INVOCATION_LOG_DATA_TYPES` (without ``text`` the
    Bedrock rules report a finding). Default: all of them."""
    invocation_log_key: kms.IKey | None = None
    """Key for the invocation logs (PHI). Default: a new key for them alone."""
    adopt_existing_logging: bool = False
    """Take over a model invocation logging configuration someone else set in the account and region
    (saved, and put back when the stack is deleted). Default: the deploy stops and says what is set."""
    audit_trail: bool = True
    """Create the Bedrock audit trail; turn off where an organization trail already records Bedrock
    data events."""
    audit_key: kms.IKey | None = None
    """Key for the audit trail. Default: a new key for it alone."""
    auditor_principal: iam.IPrincipal | None = None
    """Who may assume the auditor role. Default: no role, only the auditor's managed policy."""
    archive: ArchiveDestination | None = None
    """The organization's evidence archive (a log-archive account's :class:`EvidenceArchive`): the
    invocation logs and the audit trail's logs are replicated there, where this account's
    administrators cannot delete or rewrite them; failed replications alarm. Default: none."""


@dataclass(frozen=True)
class GuardrailOptions:
    """The landing zone's guardrail and how it is enforced."""

    policy: GuardrailPolicy | None = None
    """What the guardrail checks. Default: ``GuardrailPolicy.hipaa()``."""
    cross_region_profile: str | None = None
    """A guardrail profile id such as ``us.guardrail.v1:0``. Default: none (the guardrail runs here)."""
    cross_region_destinations: Sequence[str] = ()
    """The regions that profile routes to (ApplyGuardrail is granted on it in each)."""
    enforce_in_account: bool = True
    """Also apply the guardrail to every model call of the account and region, evaluating all of each
    request (callers cannot exempt parts of a prompt with input tags). One per account and region."""
    previous_version: str | None = None
    """During a guardrail change, the version callers passed before it (the stack output
    ``GuardrailVersion``): the roles accept it beside the new one until it is removed
    (docs/upgrading.md, "Changing the guardrail"). Default: none."""
    organization_guardrail: OrganizationGuardrail | None = None
    """In a member account where the organization's Bedrock policy enforces a guardrail of the management
    account: the invoker and team roles, and the runtime endpoint, admit ``ApplyGuardrail`` on it and
    ``kms:Decrypt`` on its key (every model call of the account is checked by it). Default: none."""

    @property
    def effective_policy(self) -> GuardrailPolicy:
        """``policy``, or the HIPAA preset."""
        return self.policy or GuardrailPolicy.hipaa()


@dataclass(frozen=True)
class AccessOptions:
    """The roles that invoke and administer Bedrock, and the application teams."""

    invoker_principal: iam.IPrincipal | None = None
    """Who may assume the invoker role (every approved model, under the guardrail, through the
    runtime endpoint only). Default: no invoker role."""
    administrator_principal: iam.IPrincipal | None = None
    """Who may assume the administrator role. Default: no administrator role."""
    teams: Sequence[TeamSpec] = ()
    """Application teams, each with tagged application inference profiles and its own invoker role."""


@dataclass(frozen=True)
class OperationsOptions:
    """Where alarms and budgets notify, the alarms' thresholds and quotas, and the budgets."""

    alarm_topic: sns.ITopic | None = None
    """Where alarms and budgets notify. Default: a new KMS-encrypted topic."""
    alarm_emails: Sequence[str] = ()
    """Addresses subscribed to the new topic."""
    alarm_https_endpoints: Sequence[str] = ()
    """HTTPS endpoints subscribed to the new topic."""
    alarm_thresholds: AlarmThresholds | None = None
    """Default: :class:`AlarmThresholds` defaults."""
    tpm_quotas: Mapping[str, int] | None = None
    """Tokens-per-minute quota per approved model id, for quota alarms. Default: none."""
    monthly_budget_usd: float | None = None
    """The account's monthly Bedrock budget. Default: no budgets (team budgets need it too)."""
    budget_thresholds_percent: Sequence[float] = DEFAULT_THRESHOLDS
    """ACTUAL-spend notification thresholds."""
    budget_emails: Sequence[str] = ()
    """Addresses notified by the budgets directly."""


#: The option groups, by the landing zone's argument name.
GROUPS: dict[str, type] = {
    "network": NetworkOptions,
    "evidence": EvidenceOptions,
    "guardrail": GuardrailOptions,
    "access": AccessOptions,
    "operations": OperationsOptions,
}

#: The flat keyword arguments of 0.1, deprecated: each one's group and field.
FLAT_ARGUMENTS: dict[str, tuple[str, str]] = {
    "allowed_principals": ("network", "allowed_principals"),
    "endpoint_services": ("network", "endpoint_services"),
    "mantle_models": ("network", "mantle_models"),
    "vpc": ("network", "vpc"),
    "vpc_subnets": ("network", "vpc_subnets"),
    "vpc_cidr": ("network", "vpc_cidr"),
    "max_azs": ("network", "max_azs"),
    "allowed_cidrs": ("network", "allowed_cidrs"),
    "allowed_security_groups": ("network", "allowed_security_groups"),
    "flow_log_encryption_key": ("network", "flow_log_encryption_key"),
    "log_retention": ("evidence", "log_retention"),
    "evidence_retention_days": ("evidence", "retention_days"),
    "object_lock": ("evidence", "object_lock"),
    "invocation_log_data_types": ("evidence", "invocation_log_data_types"),
    "invocation_log_key": ("evidence", "invocation_log_key"),
    "adopt_existing_logging": ("evidence", "adopt_existing_logging"),
    "create_audit_trail": ("evidence", "audit_trail"),
    "audit_key": ("evidence", "audit_key"),
    "auditor_principal": ("evidence", "auditor_principal"),
    "guardrail_policy": ("guardrail", "policy"),
    "guardrail_cross_region_profile": ("guardrail", "cross_region_profile"),
    "guardrail_cross_region_destinations": ("guardrail", "cross_region_destinations"),
    "enforce_guardrail_in_account": ("guardrail", "enforce_in_account"),
    "guardrail_previous_version": ("guardrail", "previous_version"),
    "invoker_principal": ("access", "invoker_principal"),
    "administrator_principal": ("access", "administrator_principal"),
    "teams": ("access", "teams"),
    "alarm_topic": ("operations", "alarm_topic"),
    "alarm_emails": ("operations", "alarm_emails"),
    "alarm_https_endpoints": ("operations", "alarm_https_endpoints"),
    "alarm_thresholds": ("operations", "alarm_thresholds"),
    "tpm_quotas": ("operations", "tpm_quotas"),
    "monthly_budget_usd": ("operations", "monthly_budget_usd"),
    "budget_thresholds_percent": ("operations", "budget_thresholds_percent"),
    "budget_emails": ("operations", "budget_emails"),
}


def _class_name(group: str) -> str:
    return GROUPS[group].__name__


def merge_flat_arguments(groups: Mapping[str, Any], flat: Mapping[str, Any]) -> dict[str, Any]:
    """Each group's options: the one given, or the default, with the deprecated flat arguments applied
    (a ``DeprecationWarning`` naming the replacement for each). Raise ``ValueError`` for an argument
    the landing zone does not have, or a flat argument whose group was also given."""
    merged: dict[str, Any] = {}
    for group, options in groups.items():
        cls = GROUPS[group]
        if options is None:
            merged[group] = cls()
            continue
        merged[group] = require_type(group, options, cls, f"a {cls.__name__}")
    moved: dict[str, dict[str, Any]] = {}
    for argument, value in flat.items():
        if argument not in FLAT_ARGUMENTS:
            hint = did_you_mean(argument, [*FLAT_ARGUMENTS, *GROUPS, "models", "residency", "removal_policy"])
            raise ValueError(
                f"{argument}: SecureBedrockLandingZone has no such argument{hint}; its options are models, "
                f"{', '.join(f'{group}={_class_name(group)}(...)' for group in GROUPS)}, residency and removal_policy"
            )
        group, field = FLAT_ARGUMENTS[argument]
        if groups[group] is not None:
            raise ValueError(
                f"{argument}: given beside {group}={_class_name(group)}(...); pass it as "
                f"{group}={_class_name(group)}({field}=...) instead"
            )
        moved.setdefault(group, {})[field] = value
    for group, fields in moved.items():
        merged[group] = dataclasses.replace(merged[group], **fields)
    if flat:
        replacements = ", ".join(
            f"{argument} -> {FLAT_ARGUMENTS[argument][0]}={_class_name(FLAT_ARGUMENTS[argument][0])}"
            f"({FLAT_ARGUMENTS[argument][1]}=...)"
            for argument in flat
        )
        warnings.warn(
            f"SecureBedrockLandingZone's flat keyword arguments are deprecated and go in the next release: "
            f"{replacements} (docs/upgrading.md)",
            DeprecationWarning,
            stacklevel=4,
        )
    return merged


def deprecation_annotation(scope: Construct, flat: Mapping[str, Any]) -> None:
    """The deprecation as a CDK warning too: ``cdk synth`` shows it where Python hides the warning."""
    if flat:
        Annotations.of(scope).add_warning_v2(
            "secure-bedrock:deprecated-arguments",
            f"flat arguments {', '.join(sorted(flat))} are deprecated; pass them in the option groups "
            "(NetworkOptions, EvidenceOptions, GuardrailOptions, AccessOptions, OperationsOptions): see "
            "docs/upgrading.md",
        )


def check_options(
    scope: Construct,
    models: Sequence[BedrockModel],
    network: NetworkOptions,
    evidence: EvidenceOptions,
    guardrail: GuardrailOptions,
    access: AccessOptions,
    operations: OperationsOptions,
    removal_policy: Any,
    residency: Residency | None = None,
) -> None:
    """Raise naming the first wrong option (``group.field``) before anything is created."""
    checked = _NetworkArguments.check(
        scope,
        models=models,
        allowed_principals=network.allowed_principals,
        services=network.endpoint_services,
        vpc=network.vpc,
        vpc_subnets=network.vpc_subnets,
        vpc_cidr=network.vpc_cidr,
        max_azs=network.max_azs,
        allowed_cidrs=network.allowed_cidrs,
        allowed_security_groups=network.allowed_security_groups,
        allow_apply_guardrail=True,
        allow_count_tokens=False,
        flow_log_encryption_key=network.flow_log_encryption_key,
        flow_log_retention=evidence.log_retention,
        removal_policy=removal_policy,
        mantle_models=network.mantle_models,
        names={
            **{field.name: f"network.{field.name}" for field in dataclasses.fields(NetworkOptions)},
            "services": "network.endpoint_services",
            "flow_log_retention": "evidence.log_retention",
        },
    )
    if (
        network.endpoint_services is not None
        and BedrockEndpointService.CONTROL not in network.endpoint_services
    ):
        raise ValueError(
            "network.endpoint_services: the invocation-logging handler reaches Bedrock's control plane through "
            "the 'bedrock' endpoint; add BedrockEndpointService.CONTROL"
        )
    # The invocation-logging handler runs in the same subnets (the isolated ones by default).
    require_subnet_selection(
        "network.vpc_subnets",
        network.vpc_subnets,
        network.vpc,
        default_type=ec2.SubnetType.PRIVATE_ISOLATED if network.vpc else None,
    )
    _check_evidence(evidence)
    _check_guardrail(guardrail)
    organization_guardrail = guardrail.organization_guardrail
    region = Stack.of(scope).region
    if (
        organization_guardrail is not None
        and not is_token(region)
        and organization_guardrail.region != region
    ):
        raise ValueError(
            f"guardrail.organization_guardrail: {organization_guardrail.guardrail_arn!r} is in "
            f"{organization_guardrail.region}, and the Bedrock policy enforces it there only; this stack is in "
            f"{region}: give the organization's guardrail of {region}"
        )
    archive_region = evidence.archive.region if evidence.archive is not None else None
    if residency is not None and archive_region is not None and archive_region not in residency.regions:
        raise ValueError(
            f"evidence.archive: the archive is in {archive_region}, outside {residency.described_as}; replicas "
            f"would leave it. Use an archive in {', '.join(sorted(residency.regions))}"
        )
    if residency is not None:
        region = Stack.of(scope).region
        if is_token(region):
            raise ValueError(
                "residency: routing can only be checked in a known region; give the stack one "
                "(env=Environment(region='eu-central-1'))"
            )
        check_residency(
            residency,
            region,
            checked.models,
            guardrail_destinations=guardrail.cross_region_destinations,
        )
    approved = {model.model_id for model in checked.models}
    for argument, principal in (
        ("access.invoker_principal", access.invoker_principal),
        ("access.administrator_principal", access.administrator_principal),
    ):
        if principal is not None:
            require_principal(argument, principal, "would let anyone assume the role")
    validate_team_specs("access.teams", access.teams, approved)
    if operations.monthly_budget_usd is None and any(
        team.monthly_budget_usd is not None for team in access.teams
    ):
        raise ValueError(
            "operations.monthly_budget_usd: team budgets need the account budget too; set "
            "operations=OperationsOptions(monthly_budget_usd=...)"
        )
    _check_operations(operations, approved)


def _check_evidence(evidence: EvidenceOptions) -> None:
    data_types = require_list(
        "evidence.invocation_log_data_types", evidence.invocation_log_data_types, "a list of data types"
    )
    for index, data_type in enumerate(data_types):
        if not isinstance(data_type, str) or data_type not in INVOCATION_LOG_DATA_TYPES:
            raise ValueError(
                f"evidence.invocation_log_data_types[{index}]: {data_type!r} is not a data type; "
                f"use some of {', '.join(INVOCATION_LOG_DATA_TYPES)}"
            )
    if not data_types:
        raise ValueError("evidence.invocation_log_data_types: name at least one; log at least 'text'")
    require_int_range(
        "evidence.retention_days",
        evidence.retention_days,
        DEFAULT_TRANSITION_DAYS + 1,
        MAX_RETENTION_DAYS,
        f"evidence moves to colder storage after {DEFAULT_TRANSITION_DAYS} days, so keep it longer",
    )
    if evidence.object_lock is not None:
        require_object_lock("evidence.object_lock", evidence.object_lock)
        if not is_token(evidence.retention_days) and evidence.object_lock.days > evidence.retention_days:
            raise ValueError(
                f"evidence.object_lock: {evidence.object_lock.days} days of lock is longer than "
                f"evidence.retention_days ({evidence.retention_days}); lock objects for at most as long as "
                "they are kept"
            )
    require_key("evidence.invocation_log_key", evidence.invocation_log_key)
    require_bool("evidence.adopt_existing_logging", evidence.adopt_existing_logging)
    require_bool("evidence.audit_trail", evidence.audit_trail)
    if evidence.archive is not None:
        require_type(
            "evidence.archive",
            evidence.archive,
            ArchiveDestination,
            "an ArchiveDestination(bucket_arn=..., key_arn=..., account=...)",
        )
    require_key("evidence.audit_key", evidence.audit_key)
    if evidence.auditor_principal is not None:
        require_principal(
            "evidence.auditor_principal", evidence.auditor_principal, "would let anyone read PHI"
        )


def _check_guardrail(guardrail: GuardrailOptions) -> None:
    if guardrail.policy is not None:
        require_type("guardrail.policy", guardrail.policy, GuardrailPolicy, "a GuardrailPolicy")
        guardrail.policy.validate("guardrail.policy")
    validate_cross_region(
        guardrail.effective_policy,
        "guardrail.cross_region_profile",
        guardrail.cross_region_profile,
        "guardrail.cross_region_destinations",
        guardrail.cross_region_destinations,
    )
    require_bool("guardrail.enforce_in_account", guardrail.enforce_in_account)
    validate_previous_version("guardrail.previous_version", guardrail.previous_version)
    if guardrail.organization_guardrail is not None:
        require_type(
            "guardrail.organization_guardrail",
            guardrail.organization_guardrail,
            OrganizationGuardrail,
            "an OrganizationGuardrail(guardrail_arn=..., key_arn=...)",
        )


def _check_operations(operations: OperationsOptions, approved: set[str]) -> None:
    require_interface(
        "operations.alarm_topic", operations.alarm_topic, "topic_arn", "an sns.ITopic", optional=True
    )
    validate_subscribers(
        "operations.alarm_emails",
        operations.alarm_emails,
        "operations.alarm_https_endpoints",
        operations.alarm_https_endpoints,
    )
    if operations.alarm_topic is not None and (operations.alarm_emails or operations.alarm_https_endpoints):
        raise ValueError(
            "operations.alarm_emails, operations.alarm_https_endpoints: apply to a new topic only; subscribe "
            "your alarm_topic yourself"
        )
    if operations.alarm_thresholds is not None:
        require_type(
            "operations.alarm_thresholds", operations.alarm_thresholds, AlarmThresholds, "an AlarmThresholds"
        )
        operations.alarm_thresholds.validate("operations.alarm_thresholds")
    validate_tpm_quotas("operations.tpm_quotas", operations.tpm_quotas, approved)
    if operations.monthly_budget_usd is not None:
        require_amount("operations.monthly_budget_usd", operations.monthly_budget_usd)
    validate_thresholds_percent("operations.budget_thresholds_percent", operations.budget_thresholds_percent)
    validate_budget_emails("operations.budget_emails", operations.budget_emails)
