"""The HIPAA and enterprise control map of a landing zone, computed from its synthesized template.

Why generated: a hand-written control map claims whatever its author believed on the day it was
written. This one is rendered by ``make docs`` from the template the reference environment
synthesizes: every control names the resources that implement it, found by selectors (resource type and
property predicates, :mod:`stacks.documents.control_selectors`) over the template, with the evidence read
from their properties. A control that no resource implements makes rendering fail with ``ValueError``
naming the control, so the map can never claim a control the stack lacks; a test fails when the
checked-in copy differs from a fresh render.

Each selector also names the rules that check its resources at every synth: our Bedrock rules (names
taken from :mod:`secure_bedrock.bedrock_rules`) and the cdk-nag rules of the four packs the reference
environment registers (verified against the installed cdk-nag by the tests).

The Safe Harbor section is rendered from :mod:`secure_bedrock.safe_harbor`, the table
``GuardrailPolicy.hipaa()`` is built from, and marks what the template's guardrails do not carry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from aws_cdk import CfnElement, Stack, Token, Validations

from secure_bedrock import bedrock_rules
from secure_bedrock.bedrock_rules import BedrockChecks
from secure_bedrock.limit_checks import LIMIT_CHECKS
from secure_bedrock.safe_harbor import REGULATION_URL, SAFE_HARBOR_IDENTIFIERS, SafeHarborIdentifier
from stacks.documents.control_selectors import (
    MINIMUM_RETENTION_DAYS,
    THIS_ACCOUNT,
    Found,
    View,
    access_logged_buckets,
    budget_actions,
    budgets,
    closed_default_security_groups,
    endpoint_policies,
    enforced_guardrails,
    explicit_denies,
    filtering_guardrails,
    flow_logs,
    functions_in_vpc,
    guardrail_alarms,
    guardrail_policies,
    guardrail_versions,
    https_only_security_groups,
    invocation_logging,
    invoke_geography,
    isolated_vpcs,
    kms_buckets,
    kms_guardrails,
    kms_log_groups,
    kms_queues,
    kms_topics,
    kms_trails,
    log_delivery_alarms,
    logging_trails,
    managed_policy_roles,
    pinned_encryption,
    policies_within_limits,
    policy_statements,
    private_buckets,
    private_endpoints,
    regional_endpoints,
    regional_guardrails,
    retained_evidence,
    retained_log_groups,
    rotated_keys,
    scoped_invoke_policies,
    source_vpce_policies,
    statement_principals,
    tagged_profiles,
    tls_only_bucket_policies,
    tls_only_queue_policies,
    tls_only_topic_policies,
    trusted_roles,
    unreplicated_buckets,
    usage_alarms,
    validated_trails,
    versioned_buckets,
)

AWS_SOLUTIONS = "AwsSolutions"
HIPAA = "HIPAA.Security"
NIST = "NIST.800.53.R5"
PCI = "PCI.DSS.321"
#: The packs' order in the document, the order ``register_compliance_packs`` registers them.
PACKS = (AWS_SOLUTIONS, HIPAA, NIST, PCI)
HIPAA_NIST_PCI = (HIPAA, NIST, PCI)

HIPAA_FAMILY = "HIPAA Security Rule technical safeguards (45 CFR 164.312)"
ENTERPRISE_FAMILY = "Enterprise controls"
SAFE_HARBOR_HEADING = "Safe Harbor identifiers (45 CFR 164.514(b)(2))"
NOT_IN_GUARDRAIL = " (not in this stack's guardrail)"

#: The ids CDK gives a construct's primary child: a path ending in them names its parent.
DEFAULT_CHILD = re.compile(r"(/Resource|/Default)+$")


def _nag(rule: str, *packs: str) -> tuple[str, ...]:
    """The rule's id in each pack, as cdk-nag names it (``<pack>-<rule>``)."""
    return tuple(f"{pack}-{rule}" for pack in packs)


def _bedrock_rule(check: Callable[..., Any]) -> str:
    """The name of the Bedrock rule whose check is ``check`` (or is made by the factory ``check``)."""
    for rule in BedrockChecks().rules:
        made_by = getattr(rule.check, "__qualname__", "").startswith(f"{check.__qualname__}.<locals>.")
        if rule.check is check or made_by:
            return rule.name
    raise LookupError(f"no rule of BedrockChecks uses {check.__qualname__}")


GUARDRAIL_KEY_RULE = _bedrock_rule(bedrock_rules.guardrail_customer_managed_key)
GUARDRAIL_FILTERS_RULE = _bedrock_rule(bedrock_rules.guardrail_filters)
ENDPOINT_POLICY_RULE = _bedrock_rule(bedrock_rules.runtime_endpoint_policy)
NO_WILDCARD_INVOKE_RULE = _bedrock_rule(bedrock_rules.no_wildcard_invoke)
INVOKE_GUARDRAIL_RULE = _bedrock_rule(bedrock_rules.invoke_enforces_guardrail)
NO_MODEL_MANAGEMENT_RULE = _bedrock_rule(bedrock_rules.no_model_management_on_everything)
INVOCATION_LOGGING_RULE = _bedrock_rule(bedrock_rules.invocation_logging_configured)
LOG_RETENTION_RULE = _bedrock_rule(bedrock_rules.log_retention_minimum)
COST_TAGS_RULE = _bedrock_rule(bedrock_rules.application_profile_cost_tags)
#: The rules that check AWS's size and count limits (every one, by name).
LIMIT_RULES = tuple(name for name, _, _ in LIMIT_CHECKS)


# --- the controls -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selector:
    """One kind of evidence: how to find it in a template, and which rules check it at synth."""

    title: str
    select: Callable[[View], Found]
    bedrock_rules: tuple[str, ...] = ()
    nag_rules: tuple[str, ...] = ()
    #: Whether the control fails to render when no resource shows this evidence.
    required: bool = True


def _no_notes(view: View) -> list[str]:
    return []


@dataclass(frozen=True)
class Control:
    """A control, the evidence that implements it, and what the stack does not do for it."""

    key: str
    title: str
    family: str
    selectors: tuple[Selector, ...]
    limits: tuple[str, ...]
    notes: Callable[[View], list[str]] = _no_notes

    @property
    def heading(self) -> str:
        """The control's heading in the document."""
        return f"{self.key} {self.title}" if self.family == HIPAA_FAMILY else self.title


KMS_BUCKETS = Selector(
    "Buckets encrypted with a customer-managed KMS key",
    kms_buckets,
    nag_rules=_nag("S3DefaultEncryptionKMS", *HIPAA_NIST_PCI),
)
KMS_LOG_GROUPS = Selector(
    "Log groups encrypted with a customer-managed KMS key",
    kms_log_groups,
    nag_rules=_nag("CloudWatchLogGroupEncrypted", *HIPAA_NIST_PCI),
)
KMS_TRAILS = Selector(
    "Audit trail log files encrypted with a customer-managed KMS key",
    kms_trails,
    nag_rules=_nag("CloudTrailEncryptionEnabled", *HIPAA_NIST_PCI),
)
KMS_GUARDRAILS = Selector(
    "Guardrails encrypted with a customer-managed KMS key",
    kms_guardrails,
    bedrock_rules=(GUARDRAIL_KEY_RULE,),
)
KMS_TOPICS = Selector(
    "Alarm topics encrypted with a customer-managed KMS key",
    kms_topics,
    nag_rules=_nag("SNSEncryptedKMS", *HIPAA_NIST_PCI),
    required=False,
)
KMS_QUEUES = Selector(
    "Queues encrypted with a customer-managed KMS key",
    kms_queues,
    nag_rules=_nag("SQS2", AWS_SOLUTIONS),
    required=False,
)
ROTATED_KEYS = Selector(
    "Customer-managed keys with automatic rotation",
    rotated_keys,
    nag_rules=(*_nag("KMS5", AWS_SOLUTIONS), *_nag("KMSBackingKeyRotationEnabled", NIST, PCI)),
)
PINNED_ENCRYPTION = Selector(
    "Bucket policies that refuse objects with another encryption or key", pinned_encryption, required=False
)
TLS_BUCKETS = Selector(
    "Bucket policies that refuse requests without TLS",
    tls_only_bucket_policies,
    nag_rules=(*_nag("S10", AWS_SOLUTIONS), *_nag("S3BucketSSLRequestsOnly", *HIPAA_NIST_PCI)),
)
TLS_TOPICS = Selector(
    "Topic policies that refuse publishing without TLS",
    tls_only_topic_policies,
    nag_rules=_nag("SNS3", AWS_SOLUTIONS),
    required=False,
)
TLS_QUEUES = Selector(
    "Queue policies that refuse requests without TLS",
    tls_only_queue_policies,
    nag_rules=_nag("SQS4", AWS_SOLUTIONS),
    required=False,
)
PRIVATE_ENDPOINTS = Selector(
    "Interface endpoints with private DNS: AWS API calls stay on PrivateLink, over HTTPS",
    private_endpoints,
    bedrock_rules=(ENDPOINT_POLICY_RULE,),
)
ENDPOINT_POLICIES = Selector(
    "Endpoint policies that admit named principals only",
    endpoint_policies,
    bedrock_rules=(ENDPOINT_POLICY_RULE,),
)
HTTPS_ONLY_GROUPS = Selector(
    "Endpoint security groups admitting HTTPS from named networks only",
    https_only_security_groups,
    nag_rules=(
        *_nag("EC23", AWS_SOLUTIONS),
        *_nag("EC2RestrictedCommonPorts", *HIPAA_NIST_PCI),
        *_nag("EC2RestrictedSSH", *HIPAA_NIST_PCI),
    ),
)
ISOLATED_VPCS = Selector(
    "VPCs with no path to the internet",
    isolated_vpcs,
    nag_rules=(
        *_nag("VPCNoUnrestrictedRouteToIGW", *HIPAA_NIST_PCI),
        *_nag("VPCSubnetAutoAssignPublicIpDisabled", *HIPAA_NIST_PCI),
    ),
)
CLOSED_DEFAULT_GROUPS = Selector(
    "Default security groups closed",
    closed_default_security_groups,
    nag_rules=_nag("VPCDefaultSecurityGroupClosed", *HIPAA_NIST_PCI),
    required=False,
)
FUNCTIONS_IN_VPC = Selector(
    "Functions that run inside the VPC",
    functions_in_vpc,
    nag_rules=_nag("LambdaInsideVPC", *HIPAA_NIST_PCI),
    required=False,
)
SCOPED_INVOKE = Selector(
    "Invoke granted on named models and inference profiles only",
    scoped_invoke_policies,
    bedrock_rules=(NO_WILDCARD_INVOKE_RULE, NO_MODEL_MANAGEMENT_RULE),
    nag_rules=(
        *_nag("IAM5", AWS_SOLUTIONS),
        *_nag("IAMPolicyNoStatementsWithAdminAccess", *HIPAA_NIST_PCI),
        *_nag("IAMPolicyNoStatementsWithFullAccess", *HIPAA_NIST_PCI),
    ),
)
SOURCE_VPCE = Selector("Invoke only through the runtime endpoint (aws:SourceVpce)", source_vpce_policies)
GUARDRAIL_POLICIES = Selector(
    "Invoke only with the guardrail (bedrock:GuardrailIdentifier)",
    guardrail_policies,
    bedrock_rules=(INVOKE_GUARDRAIL_RULE,),
)
MANAGED_POLICY_ROLES = Selector(
    "Roles with this stack's customer-managed policies only",
    managed_policy_roles,
    nag_rules=(*_nag("IAM4", AWS_SOLUTIONS), *_nag("IAMNoInlinePolicy", *HIPAA_NIST_PCI)),
)
POLICIES_WITHIN_LIMITS = Selector(
    "Policies within AWS's size limits (deploy-time values at their longest)",
    policies_within_limits,
    bedrock_rules=LIMIT_RULES,
)
EXPLICIT_DENIES = Selector(
    "Explicit denies (separation of duties, budget hard stops)", explicit_denies, required=False
)
PRIVATE_BUCKETS = Selector(
    "Buckets closed to the public",
    private_buckets,
    nag_rules=(
        *_nag("S2", AWS_SOLUTIONS),
        *_nag("S3BucketLevelPublicAccessProhibited", *HIPAA_NIST_PCI),
        *_nag("S3BucketPublicReadProhibited", *HIPAA_NIST_PCI),
        *_nag("S3BucketPublicWriteProhibited", *HIPAA_NIST_PCI),
    ),
)
TRUSTED_ROLES = Selector("Roles that only named principals can assume", trusted_roles)
LOGGING_TRAILS = Selector(
    "CloudTrail trail recording Bedrock use, delivered to S3 and CloudWatch Logs",
    logging_trails,
    nag_rules=_nag("CloudTrailCloudWatchLogsEnabled", *HIPAA_NIST_PCI),
)
VALIDATED_TRAILS = Selector(
    "CloudTrail log-file validation",
    validated_trails,
    nag_rules=_nag("CloudTrailLogFileValidationEnabled", *HIPAA_NIST_PCI),
)
INVOCATION_LOGGING = Selector(
    "Model invocation logging (prompts and responses) to encrypted destinations",
    invocation_logging,
    bedrock_rules=(INVOCATION_LOGGING_RULE,),
)
RETAINED_LOG_GROUPS = Selector(
    f"Log groups kept at least {MINIMUM_RETENTION_DAYS} days",
    retained_log_groups,
    bedrock_rules=(LOG_RETENTION_RULE,),
    nag_rules=_nag("CloudWatchLogGroupRetentionPeriod", *HIPAA_NIST_PCI),
)
ACCESS_LOGGED_BUCKETS = Selector(
    "Evidence buckets with server access logging",
    access_logged_buckets,
    nag_rules=(*_nag("S1", AWS_SOLUTIONS), *_nag("S3BucketLoggingEnabled", *HIPAA_NIST_PCI)),
)
FLOW_LOGS = Selector(
    "VPC flow logs",
    flow_logs,
    nag_rules=(*_nag("VPC7", AWS_SOLUTIONS), *_nag("VPCFlowLogsEnabled", *HIPAA_NIST_PCI)),
)
LOG_DELIVERY_ALARMS = Selector(
    "Alarms on lost invocation logs",
    log_delivery_alarms,
    nag_rules=_nag("CloudWatchAlarmAction", HIPAA, NIST),
)
VERSIONED_BUCKETS = Selector(
    "Versioned evidence buckets",
    versioned_buckets,
    nag_rules=_nag("S3BucketVersioningEnabled", *HIPAA_NIST_PCI),
)
RETAINED_EVIDENCE = Selector(
    "Keys and evidence kept when the stack is deleted or a resource replaced", retained_evidence
)
FILTERING_GUARDRAILS = Selector(
    "Guardrail filters: prompt attacks, harmful content, PHI identifiers, denied topics",
    filtering_guardrails,
    bedrock_rules=(GUARDRAIL_FILTERS_RULE, GUARDRAIL_KEY_RULE),
)
GUARDRAIL_VERSIONS = Selector("Published guardrail versions", guardrail_versions)
ENFORCED_GUARDRAILS = Selector("Account-level guardrail enforcement", enforced_guardrails, required=False)
GUARDRAIL_ALARMS = Selector(
    "Alarms on guardrail interventions",
    guardrail_alarms,
    nag_rules=_nag("CloudWatchAlarmAction", HIPAA, NIST),
    required=False,
)
BUDGETS = Selector("Budgets on Bedrock spend", budgets)
BUDGET_ACTIONS = Selector("Budget hard stops", budget_actions, required=False)
TAGGED_PROFILES = Selector(
    "Application inference profiles with cost-allocation tags",
    tagged_profiles,
    bedrock_rules=(COST_TAGS_RULE,),
    required=False,
)
USAGE_ALARMS = Selector(
    "Alarms on token, invocation and quota use",
    usage_alarms,
    nag_rules=_nag("CloudWatchAlarmAction", HIPAA, NIST),
    required=False,
)
REGIONAL_ENDPOINTS = Selector("Endpoints of the stack's region", regional_endpoints)
INVOKE_GEOGRAPHY = Selector(
    "Invoke grants within the stack's geography (cross-region profile destinations included)",
    invoke_geography,
    bedrock_rules=(NO_WILDCARD_INVOKE_RULE, ENDPOINT_POLICY_RULE),
)
UNREPLICATED_BUCKETS = Selector("Evidence buckets without cross-region replication", unreplicated_buckets)
REGIONAL_GUARDRAILS = Selector("Guardrails evaluated in the stack's geography", regional_guardrails)


def _unencrypted_buckets(view: View) -> list[str]:
    encrypted = {lid for lid, _ in kms_buckets(view)}
    log_targets = {
        view.target(props["LoggingConfiguration"]["DestinationBucketName"])
        for _, props in view.of_type("AWS::S3::Bucket")
        if props.get("LoggingConfiguration", {}).get("DestinationBucketName")
    }
    return [
        f"`{view.name(lid)}` is not KMS-encrypted"
        + (
            " (SSE-S3): it is a server-access-log target, for which the S3 user guide supports only SSE-S3; it holds "
            "request metadata, not PHI (acknowledged below)."
            if lid in log_targets
            else "."
        )
        for lid, _ in view.of_type("AWS::S3::Bucket")
        if lid not in encrypted
    ]


def _trusts_account(view: View, properties: Mapping[str, Any]) -> bool:
    trust = policy_statements(properties.get("AssumeRolePolicyDocument"))
    return any(p == THIS_ACCOUNT for s in trust for p in statement_principals(s, view))


def _roles_trusting_account(view: View) -> list[str]:
    roles = [
        f"`{view.name(lid)}`" for lid, props in view.of_type("AWS::IAM::Role") if _trusts_account(view, props)
    ]
    if not roles:
        return []
    return [
        f"{', '.join(roles)} trust the whole account (`:root`): any IAM principal of the account whose own "
        "policy allows `sts:AssumeRole` on them can assume them. Name the principals in cdk.json "
        "(`invoker_principals`, `administrator_principals`, `teams[].principals`)."
    ]


def _roles_outside_the_pattern(view: View) -> list[str]:
    managed = {lid for lid, _ in managed_policy_roles(view)}
    return [
        f"`{view.name(lid)}` has inline or AWS-managed policies"
        + (
            ": aws-cdk-lib's own custom-resource provider (compliance.md, Known gap)."
            if view.name(lid).startswith("Custom::")
            else "."
        )
        for lid, _ in view.of_type("AWS::IAM::Role")
        if lid not in managed
    ]


def _trail_scope(view: View) -> list[str]:
    return [
        f"`{view.name(lid)}` is multi-region: it records calls made in any region, and delivers them to "
        f"{view.ref(props.get('S3BucketName'))} in {view.region or 'the stack region'}."
        for lid, props in view.of_type("AWS::CloudTrail::Trail")
        if props.get("IsMultiRegionTrail") is True
    ]


def _object_lock(view: View) -> list[str]:
    if any(props.get("ObjectLockEnabled") for _, props in view.of_type("AWS::S3::Bucket")):
        return []
    return [
        "Object Lock (WORM) is off (`evidence.object_lock` is unset): versioning keeps overwritten and deleted "
        "objects, but an administrator who can change the bucket's lifecycle or versioning can remove them."
    ]


def _guardrail_scope(view: View) -> list[str]:
    if enforced_guardrails(view):
        return []
    return [
        "No account-level enforcement (`guardrail.enforce_in_account` is off): the guardrail is required of the "
        "roles above; principals whose policies this stack does not write are not guarded."
    ]


def _concat(*functions: Callable[[View], list[str]]) -> Callable[[View], list[str]]:
    def notes(view: View) -> list[str]:
        return [note for function in functions for note in function(view)]

    return notes


ACCESS_LIMITS = (
    "Workforce access to PHI outside Bedrock (consoles, log queries, the evidence buckets) is governed by the "
    "customer's IAM Identity Center permission sets and SCPs, which this stack does not create.",
)
ENCRYPTION_AT_REST_LIMITS = (
    "Key administration (who may change key policies, disable or schedule deletion of the keys) is the "
    "customer's; the keys are retained when the stack is deleted.",
)
AUDIT_LIMITS = (
    "Reviewing the records (164.308(a)(1)(ii)(D)) and subscribing people to the alarm topic are operator "
    "duties (docs/deploy.md). The trail covers this account; an organization trail is the customer's.",
)
TRANSIT_LIMITS = (
    "Bedrock's endpoints serve HTTPS only; the stack admits port 443 and does not terminate TLS itself. TLS "
    "from clients to the endpoints, over the customer's network (peering, Transit Gateway, VPN, Direct "
    "Connect), is the client's.",
)

CONTROLS: tuple[Control, ...] = (
    Control(
        "164.312(a)(1)",
        "Access control",
        HIPAA_FAMILY,
        (
            SCOPED_INVOKE,
            ENDPOINT_POLICIES,
            MANAGED_POLICY_ROLES,
            PRIVATE_BUCKETS,
            HTTPS_ONLY_GROUPS,
            EXPLICIT_DENIES,
        ),
        ACCESS_LIMITS,
        _concat(_roles_trusting_account, _roles_outside_the_pattern),
    ),
    Control(
        "164.312(a)(2)(iv)",
        "Encryption and decryption",
        HIPAA_FAMILY,
        (
            KMS_BUCKETS,
            KMS_LOG_GROUPS,
            KMS_TRAILS,
            KMS_GUARDRAILS,
            KMS_TOPICS,
            KMS_QUEUES,
            ROTATED_KEYS,
            PINNED_ENCRYPTION,
        ),
        ENCRYPTION_AT_REST_LIMITS,
        _unencrypted_buckets,
    ),
    Control(
        "164.312(b)",
        "Audit controls",
        HIPAA_FAMILY,
        (
            LOGGING_TRAILS,
            INVOCATION_LOGGING,
            RETAINED_LOG_GROUPS,
            ACCESS_LOGGED_BUCKETS,
            FLOW_LOGS,
            LOG_DELIVERY_ALARMS,
        ),
        AUDIT_LIMITS,
    ),
    Control(
        "164.312(c)(1)",
        "Integrity",
        HIPAA_FAMILY,
        (VALIDATED_TRAILS, VERSIONED_BUCKETS, RETAINED_EVIDENCE),
        ("Integrity of PHI in the applications' own data stores is outside this stack.",),
        _object_lock,
    ),
    Control(
        "164.312(d)",
        "Person or entity authentication",
        HIPAA_FAMILY,
        (TRUSTED_ROLES, ENDPOINT_POLICIES, SOURCE_VPCE),
        (
            "Person authentication (sign-in, MFA, federation through IAM Identity Center or the customer's "
            "identity provider) is the customer's: the stack only names which principals may assume its roles, "
            "and every Bedrock call is signed (SigV4) by one of them.",
            "cdk-nag's HIPAA Security pack maps no rule to 164.312(d); only the Bedrock rules check it here.",
        ),
        _roles_trusting_account,
    ),
    Control(
        "164.312(e)(1)",
        "Transmission security",
        HIPAA_FAMILY,
        (
            PRIVATE_ENDPOINTS,
            ISOLATED_VPCS,
            HTTPS_ONLY_GROUPS,
            SOURCE_VPCE,
            CLOSED_DEFAULT_GROUPS,
            FUNCTIONS_IN_VPC,
        ),
        TRANSIT_LIMITS,
    ),
    Control(
        "164.312(e)(2)(ii)",
        "Encryption (in transit)",
        HIPAA_FAMILY,
        (TLS_BUCKETS, TLS_TOPICS, TLS_QUEUES, PRIVATE_ENDPOINTS),
        TRANSIT_LIMITS,
    ),
    Control(
        "data-residency",
        "Data residency",
        ENTERPRISE_FAMILY,
        (REGIONAL_ENDPOINTS, INVOKE_GEOGRAPHY, UNREPLICATED_BUCKETS, REGIONAL_GUARDRAILS),
        (
            "The stack cannot stop principals outside its roles from calling Bedrock in other regions or through "
            "global inference profiles: that takes an SCP on `aws:RequestedRegion` and on the approved models.",
            "Under cross-region inference, some models keep data for abuse detection in the destination region "
            "(within the geography listed above); review each model's data handling.",
        ),
        _trail_scope,
    ),
    Control(
        "encryption-in-transit",
        "Encryption in transit",
        ENTERPRISE_FAMILY,
        (TLS_BUCKETS, TLS_TOPICS, TLS_QUEUES, PRIVATE_ENDPOINTS, HTTPS_ONLY_GROUPS),
        TRANSIT_LIMITS,
    ),
    Control(
        "encryption-at-rest",
        "Encryption at rest",
        ENTERPRISE_FAMILY,
        (
            KMS_BUCKETS,
            KMS_LOG_GROUPS,
            KMS_TRAILS,
            KMS_GUARDRAILS,
            KMS_TOPICS,
            KMS_QUEUES,
            ROTATED_KEYS,
            PINNED_ENCRYPTION,
        ),
        ENCRYPTION_AT_REST_LIMITS,
        _unencrypted_buckets,
    ),
    Control(
        "audit",
        "Audit",
        ENTERPRISE_FAMILY,
        (
            LOGGING_TRAILS,
            VALIDATED_TRAILS,
            INVOCATION_LOGGING,
            RETAINED_LOG_GROUPS,
            ACCESS_LOGGED_BUCKETS,
            FLOW_LOGS,
            LOG_DELIVERY_ALARMS,
            VERSIONED_BUCKETS,
        ),
        AUDIT_LIMITS,
        _object_lock,
    ),
    Control(
        "access-control",
        "Access control",
        ENTERPRISE_FAMILY,
        (
            SCOPED_INVOKE,
            SOURCE_VPCE,
            ENDPOINT_POLICIES,
            TRUSTED_ROLES,
            MANAGED_POLICY_ROLES,
            PRIVATE_BUCKETS,
            EXPLICIT_DENIES,
        ),
        ACCESS_LIMITS,
        _concat(_roles_trusting_account, _roles_outside_the_pattern),
    ),
    Control(
        "content-governance",
        "Content governance",
        ENTERPRISE_FAMILY,
        (FILTERING_GUARDRAILS, GUARDRAIL_VERSIONS, GUARDRAIL_POLICIES, ENFORCED_GUARDRAILS, GUARDRAIL_ALARMS),
        (
            "Guardrails are classifiers: they reduce, not eliminate, harmful output and PHI leakage; invocation "
            "logs record what they let through.",
            "Which models are approved, and their providers' data handling, is the customer's review.",
        ),
        _guardrail_scope,
    ),
    Control(
        "deployability",
        "Deployable within AWS's limits",
        ENTERPRISE_FAMILY,
        (POLICIES_WITHIN_LIMITS,),
        (
            "Quotas an account has raised (a 4,096-character trust policy, 20 managed policies per role) are not "
            "known at synth: the rules check AWS's defaults.",
            "CloudFormation's resource, output and template-size limits are checked per stack; the service quotas "
            "of an account (Bedrock tokens per minute, Lambda concurrency) are not.",
        ),
    ),
    Control(
        "cost-governance",
        "Cost governance",
        ENTERPRISE_FAMILY,
        (BUDGETS, BUDGET_ACTIONS, TAGGED_PROFILES, USAGE_ALARMS),
        (
            "Budgets see spend hours late, so they bound cost rather than stop the next call; the hard stop denies "
            "invoke to the team's role only.",
            "Team budgets need the `team` and `cost-center` cost-allocation tags activated in Billing (an operator "
            "step, docs/deploy.md).",
        ),
    ),
)


# --- mapping ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A resource of the template that implements a control, with the evidence."""

    logical_id: str
    path: str
    detail: str


@dataclass(frozen=True)
class Evidence:
    """What one selector found in the template."""

    selector: Selector
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class MappedControl:
    """A control with the evidence the template holds for it."""

    control: Control
    evidence: tuple[Evidence, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every resource cited, once."""
        return tuple(dict.fromkeys(c for e in self.evidence for c in e.citations))

    @property
    def bedrock_rules(self) -> tuple[str, ...]:
        """The Bedrock rules that check the cited resources, in the rule pack's order."""
        cited = {rule for e in self.evidence for rule in e.selector.bedrock_rules}
        return tuple(rule.name for rule in BedrockChecks().rules if rule.name in cited)

    @property
    def nag_rules(self) -> tuple[str, ...]:
        """The cdk-nag rules that check the cited resources, by pack then name."""
        cited = {rule for e in self.evidence for rule in e.selector.nag_rules}
        return tuple(sorted(cited, key=lambda rule: (PACKS.index(rule.split("-", 1)[0]), rule)))


def construct_paths(template: Mapping[str, Any], stack: Stack) -> dict[str, str]:
    """Logical id -> construct path under the stack (``Metadata["aws:cdk:path"]``, else the construct tree)."""
    paths = {}
    for construct in stack.node.find_all():
        if CfnElement.is_cfn_element(construct) and Stack.of(construct) is stack:
            element = cast(CfnElement, construct)
            paths[str(stack.resolve(element.logical_id))] = element.node.path
    for logical_id, resource in template.get("Resources", {}).items():
        paths[logical_id] = resource.get("Metadata", {}).get(
            "aws:cdk:path", paths.get(logical_id, logical_id)
        )
    prefix = f"{stack.node.path}/"
    return {lid: DEFAULT_CHILD.sub("", path.removeprefix(prefix)) for lid, path in paths.items()}


def _view(template: Mapping[str, Any], stack: Stack) -> View:
    region = "" if Token.is_unresolved(stack.region) else stack.region
    return View(template.get("Resources", {}), construct_paths(template, stack), region)


def _evidence(view: View, selector: Selector) -> Evidence:
    found = sorted(selector.select(view), key=lambda item: (view.name(item[0]), item[0]))
    return Evidence(selector, tuple(Citation(lid, view.name(lid), detail) for lid, detail in found))


def _map_control(view: View, control: Control) -> MappedControl:
    """The control's evidence; ``ValueError`` naming the control when required evidence is missing."""
    try:
        evidence = [_evidence(view, selector) for selector in control.selectors]
    except ValueError as error:
        raise ValueError(f"{control.heading}: {error}") from error
    missing = [e.selector.title for e in evidence if e.selector.required and not e.citations]
    if missing or not any(e.citations for e in evidence):
        raise ValueError(
            f"{control.heading}: no resource of the template shows {'; '.join(missing) or 'any evidence'}"
        )
    return MappedControl(control, tuple(e for e in evidence if e.citations), tuple(control.notes(view)))


def control_map(template: Mapping[str, Any], stack: Stack) -> tuple[MappedControl, ...]:
    """Every control of :data:`CONTROLS` with its evidence in ``template`` (the synthesized ``stack``).

    :raises ValueError: naming every control that the template does not implement.
    """
    view = _view(template, stack)
    mapped, errors = [], []
    for control in CONTROLS:
        try:
            mapped.append(_map_control(view, control))
        except ValueError as error:
            errors.append(str(error))
    if errors:
        raise ValueError("the template does not implement these controls:\n" + "\n".join(errors))
    return tuple(mapped)


@dataclass(frozen=True, order=True)
class Acknowledgement:
    """A finding acknowledged on a construct, with the reason given for it."""

    path: str
    rule_id: str
    reason: str


def acknowledgements(stack: Stack) -> tuple[Acknowledgement, ...]:
    """Every acknowledgement in the stack's construct tree, sorted by construct path and rule."""
    found: set[Acknowledgement] = set()
    for construct in stack.node.find_all():
        path = construct.node.path.removeprefix(f"{stack.node.path}/")
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                found.update(
                    Acknowledgement(path, str(rule), str(reason)) for rule, reason in entry.data.items()
                )
    return tuple(sorted(found))


# --- rendering ----------------------------------------------------------------------------------------


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items) or "none"


def _header(stack: Stack, view_region: str) -> list[str]:
    return [
        "# HIPAA and enterprise control map",
        "",
        "<!-- Generated by `make docs` (python -m stacks.documents) from the synthesized template of the "
        "reference environment. Do not edit by hand: tests/test_control_map.py fails when this file differs "
        "from a fresh render. -->",
        "",
        "**Generated by `make docs` from the synthesized template of the reference environment; do not edit by "
        "hand.** `tests/test_control_map.py` renders it again from the test suite's synth and fails when this "
        "copy differs, when a cited resource or rule does not exist, or when an acknowledgement is missing.",
        "",
        f"Stack `{stack.stack_name}`, region `{view_region or 'unresolved'}`. For each control: the resources of "
        "the template that implement it (found by selectors over resource types and properties, named by "
        "construct path under the stack and logical id, with the evidence read from their properties); the "
        "rules that check them at every synth (the Bedrock rules and the cdk-nag packs, see "
        "[compliance.md](compliance.md)); and what the stack does not do. Rendering fails if a control has no "
        "implementing resource, so this map cannot claim a control the template lacks.",
        "",
        "Outside any template: the Business Associate Addendum (accepted in AWS Artifact before PHI reaches the "
        "account), model enablement (Anthropic's use-case form, Marketplace subscriptions for third-party models), "
        "cost-allocation tags and alarm subscriptions are operator steps "
        "([deploy.md](deploy.md)). Administrative and physical safeguards (164.308, 164.310) are the customer's.",
        "",
        f"[{SAFE_HARBOR_HEADING}](#{_anchor(SAFE_HARBOR_HEADING)}), after the controls, shows how the guardrail "
        "handles each of the 18 identifiers that Safe Harbor de-identification removes, and which it cannot detect.",
        "",
        *_residency(stack),
    ]


def _residency(stack: Stack) -> list[str]:
    """The data residency the landing zone was checked against, when it has one."""
    zone = getattr(stack, "landing_zone", None)
    residency = getattr(zone, "residency", None)
    if residency is None:
        return []
    return [
        f"Data residency: {residency.described_as} ({', '.join(sorted(residency.regions))}). The stack's region, "
        "every approved model's routing (in-region, geographic and global profiles) and the guardrail profile's "
        "regions were checked against it at synth; in an organization, `BedrockOrganizationGuardrails` enforces "
        "the same set at runtime with a service control policy ([organization.md](organization.md)).",
        "",
    ]


def _summary(mapped: Sequence[MappedControl]) -> list[str]:
    lines = ["| control | resources | Bedrock rules | cdk-nag rules |", "|---|---:|---:|---:|"]
    for item in mapped:
        link = f"[{item.control.heading}](#{_anchor(item.control.heading)})"
        lines.append(
            f"| {link} | {len(item.citations)} | {len(item.bedrock_rules)} | {len(item.nag_rules)} |"
        )
    return [*lines, ""]


def _control(item: MappedControl) -> list[str]:
    lines = [f"### {item.control.heading}", "", "Implemented by:", ""]
    for evidence in item.evidence:
        lines.append(f"- {evidence.selector.title}")
        lines += [f"  - `{c.path}` (`{c.logical_id}`): {c.detail}" for c in evidence.citations]
    lines += ["", f"Checked by the Bedrock rules: {_code(item.bedrock_rules)}.", ""]
    lines += [f"Checked by cdk-nag: {_code(item.nag_rules)}.", "", "Not done by this stack:", ""]
    lines += [f"- {text}" for text in (*item.notes, *item.control.limits)]
    return [*lines, ""]


def _acknowledgements(found: Sequence[Acknowledgement], stack: Stack) -> list[str]:
    lines = [
        "## Acknowledged findings",
        "",
        f"Every acknowledgement in the stack's construct tree ({len(found)}), by construct path under "
        f"`{stack.node.path}` and rule. Each is made next to the resource it is about, with its reason; "
        "aws-cdk-lib makes the `CloudFormation-Validate` ones itself.",
        "",
        "| construct | rule | reason |",
        "|---|---|---|",
    ]
    lines += [f"| `{_cell(a.path)}` | `{_cell(a.rule_id)}` | {_cell(a.reason)} |" for a in found]
    return [*lines, ""]


# --- Safe Harbor ----------------------------------------------------------------------------------------


def _field_values(items: Any, key: str) -> set[str]:
    """``item[key]`` of every entry of a CloudFormation list (none if it is not one)."""
    return (
        {str(item.get(key)) for item in items if isinstance(item, Mapping)}
        if isinstance(items, list)
        else set()
    )


def _guardrail_detectors(view: View) -> list[tuple[str, set[str], set[str]]]:
    """Each guardrail of the template: its construct path, PII types and regex names."""
    found = []
    for lid, props in view.of_type("AWS::Bedrock::Guardrail"):
        sensitive = props.get("SensitiveInformationPolicyConfig")
        sensitive = sensitive if isinstance(sensitive, Mapping) else {}
        types = _field_values(sensitive.get("PiiEntitiesConfig"), "Type")
        found.append((view.name(lid), types, _field_values(sensitive.get("RegexesConfig"), "Name")))
    return found


def _detectors(identifier: SafeHarborIdentifier) -> tuple[str, ...]:
    return (*identifier.pii_types, *(regex.name for regex in identifier.regexes))


def _carried(names: Sequence[str], carried: set[str]) -> str:
    return ", ".join(f"`{name}`" + ("" if name in carried else NOT_IN_GUARDRAIL) for name in names) or "—"


def _safe_harbor(view: View) -> list[str]:
    """The section: one row per identifier, what detects it, and what a guardrail cannot detect."""
    guardrails = _guardrail_detectors(view)
    carried = set().union(*(types | names for _, types, names in guardrails))
    expected = [name for identifier in SAFE_HARBOR_IDENTIFIERS for name in _detectors(identifier)]
    typed = [i.letter for i in SAFE_HARBOR_IDENTIFIERS if i.pii_types]
    matched = [i.letter for i in SAFE_HARBOR_IDENTIFIERS if i.regexes]
    neither = [i.letter for i in SAFE_HARBOR_IDENTIFIERS if not _detectors(i)]
    regexes = [regex.name for identifier in SAFE_HARBOR_IDENTIFIERS for regex in identifier.regexes]
    lines = [
        f"## {SAFE_HARBOR_HEADING}",
        "",
        f"[45 CFR 164.514(b)(2)(i)]({REGULATION_URL}) lists the {len(SAFE_HARBOR_IDENTIFIERS)} identifiers, (A) "
        "to (R), that Safe Harbor de-identification removes. `GuardrailPolicy.hipaa()` masks them with "
        "Bedrock's managed PII types where Bedrock has one and with the library's own regexes where it has "
        "none; this table is rendered from `secure_bedrock/safe_harbor.py`, the module the preset is built "
        f"from. {len(typed)} identifiers have a managed type, {len(matched)} have regexes "
        f"({len(regexes)} in all), and {len(neither)} ({', '.join(neither)}) cannot be detected by a guardrail.",
        "",
    ]
    for path, types, names in guardrails:
        missing = [name for name in expected if name not in types | names]
        lines.append(
            f"- `{path}` carries every type and regex below."
            if not missing
            else f"- `{path}` lacks {', '.join(f'`{name}`' for name in missing)}."
        )
    if not guardrails:
        lines.append("- No guardrail of this template carries them.")
    lines += [
        "",
        "**A guardrail is a safety net, not de-identification.** Its managed PII types are probabilistic "
        "classifiers and its regexes match only the written forms they describe; it reads text only, so "
        "biometrics and images are out of its reach; and Safe Harbor also requires that the covered entity "
        "has no actual knowledge that what remains could identify the individual (164.514(b)(2)(ii)), which "
        "no filter can know. De-identify data before it reaches a prompt where Safe Harbor matters; the "
        "guardrail catches what slips through.",
        "",
        "The regexes are tested with Python's `re` against synthetic clinical snippets that each must match "
        "and others that must not (`tests/test_safe_harbor.py`). The guardrail runs its own regex engine, "
        "whose dialect AWS does not document, so the patterns keep to the subset that Python, RE2, Java and "
        "ECMAScript read alike (no lookaround, named groups, inline flags, backreferences, possessive "
        "quantifiers or atomic groups; case written out as `[Dd]ate`; `[0-9]` rather than `\\d`), which "
        "`check_portable_pattern` enforces. Try them on the deployed guardrail (`ApplyGuardrail`) with your "
        "own samples before relying on them.",
        "",
        "| | identifier | managed PII types | regexes | not detected |",
        "|---|---|---|---|---|",
    ]
    for identifier in SAFE_HARBOR_IDENTIFIERS:
        regex_names = [regex.name for regex in identifier.regexes]
        lines.append(
            f"| ({identifier.letter}) | {_cell(identifier.name)} | {_carried(identifier.pii_types, carried)} | "
            f"{_carried(regex_names, carried)} | {_cell(identifier.cannot_detect) or '—'} |"
        )
    return [*lines, ""]


def render_control_map(template: Mapping[str, Any], stack: Stack) -> str:
    """The control map of ``stack`` (markdown), from its synthesized ``template``; deterministic.

    :raises ValueError: naming every control that the template does not implement.
    """
    mapped = control_map(template, stack)
    region = "" if Token.is_unresolved(stack.region) else stack.region
    lines = [*_header(stack, region), "## Summary", "", *_summary(mapped)]
    for family in (HIPAA_FAMILY, ENTERPRISE_FAMILY):
        lines += [f"## {family}", ""]
        for item in (m for m in mapped if m.control.family == family):
            lines += _control(item)
    lines += _safe_harbor(_view(template, stack))
    lines += _acknowledgements(acknowledgements(stack), stack)
    return "\n".join(lines).rstrip("\n") + "\n"
