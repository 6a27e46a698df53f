"""The access matrix: who can do what, through which path, decided by an independent IAM engine.

Every access claim the landing zone makes ("the invoker cannot call a model without the guardrail",
"the administrator cannot read the invocation logs", "alarms can publish to the topic") is a row here:
a request (principal, action, resource, context, path) with the decision AWS documents for it. The
policies come from the *synthesized* templates, resolved to the values a deployment would give
(:mod:`stacks.documents.deployed`), and are evaluated by ``@cloud-copilot/iam-simulate``
(:mod:`stacks.documents.iam_simulator`), which knows nothing of this library. ``make docs`` renders
``docs/access-matrix.md`` from the same run; ``tests/test_access_matrix.py`` fails when a decision
differs from the expected one or the document is stale.

Templates: the reference environment, the bring-your-own example (``stacks/byo_example.py``), where
an application's own role is given ``grant_invoke``, and a guardrail mid-transition
(``stacks/documents/transition.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from secure_bedrock import LANDING_ZONE_TAG
from secure_bedrock.organization import EVIDENCE_WRITER_TAG
from stacks.documents import transition
from stacks.documents.deployed import Deployed, Endpoint
from stacks.documents.iam_simulator import ContextValue, SimulationRequest, SimulationResult, simulate

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
REGION = "us-east-1"
ALLOWED, EXPLICIT, IMPLICIT = "Allowed", "ExplicitlyDenied", "ImplicitlyDenied"

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
US_REGIONS = ("us-east-1", "us-east-2", "us-west-2")

# Where each expected decision comes from (AWS documentation).
EVALUATION = "IAM user guide: policy evaluation logic (an explicit Deny wins; no Allow is an implicit deny)"
NEGATED = "IAM user guide: condition operators (a negated operator is true when the key is absent)"
GUARDRAIL_ID = "Bedrock user guide: guardrails-permissions-id (bedrock:GuardrailIdentifier)"
PROFILES = "Bedrock user guide: inference-profiles-prereq (profile ARN plus each region's model ARN)"
ENDPOINT = "PrivateLink guide: endpoint policies (a request must be allowed by the endpoint policy too)"
KEY_POLICY = "KMS developer guide: key policies and kms:ViaService, kms:GrantIsForAWSResource"
SNS_POLICY = "SNS developer guide: topic policies for AWS services (aws:SourceArn, aws:SourceAccount)"
S3_POLICY = "S3 user guide: bucket policies (aws:SecureTransport; service principals with aws:SourceArn)"
LOGGING = "Bedrock user guide: model-invocation-logging (the logging configuration and its role)"
KMS_GUARDRAIL = "Bedrock user guide: guardrails-permissions-kms (creators need Decrypt, GenerateDataKey, DescribeKey, CreateGrant)"
LOGS_ACTIONS = "Service Authorization Reference: Amazon CloudWatch Logs (actions that read or forward events)"
SCP = "Organizations user guide: SCP evaluation (a Deny in an SCP holds for every principal of the member accounts)"
SCP_REGION = "Bedrock user guide: inference-profiles-support (SCPs evaluate a cross-region request in its destination region)"
RCP = "Organizations user guide: RCP evaluation (a Deny in an RCP holds whatever the resource's own policy allows)"
FLOW_LOGS_S3 = "VPC user guide: flow logs to Amazon S3 (bucket policy and SSE-KMS key policy for delivery.logs.amazonaws.com)"
STACKSET_ASSETS = "Lambda developer guide: a function's code in an S3 bucket of another account (the caller's read and decrypt)"
ARCHIVE = "S3 user guide: replication (cross-account: the destination bucket and key policies admit the source's role) and Object Lock"
GUARDRAIL_RBP = (
    "Bedrock user guide: guardrails-resource-based-policies (organization-level enforced guardrails)"
)


@dataclass(frozen=True)
class Row:
    """One access claim: a request and the decision AWS documents for it."""

    id: str
    section: str
    who: str
    does: str
    path: str
    expected: str
    source: str
    request: SimulationRequest
    disagreement: str = ""
    """Where the simulator is known to differ from the documentation: why (the row keeps the documented decision)."""


@dataclass(frozen=True)
class Evaluated:
    """A row with the simulator's decision."""

    row: Row
    result: SimulationResult

    @property
    def agrees(self) -> bool:
        return self.result.decision == self.row.expected


@dataclass
class _Builder:
    """Rows for one deployed template, with helpers that fill in the policies each request meets."""

    deployed: Deployed
    rows: list[Row] = field(default_factory=list)

    def add(
        self,
        row_id: str,
        section: str,
        who: str,
        does: str,
        path: str,
        expected: str,
        source: str,
        request: SimulationRequest,
        disagreement: str = "",
    ) -> None:
        self.rows.append(Row(row_id, section, who, does, path, expected, source, request, disagreement))


class _Reference:
    """The reference environment's principals, resources and policies, by role in the landing zone."""

    def __init__(self, deployed: Deployed) -> None:
        d = deployed
        self.d = d
        self.runtime = d.endpoint("bedrock-runtime")
        self.control = d.endpoint("bedrock")
        self.s3_gateway = d.endpoint("s3")
        self.ec2: Endpoint | None = d.endpoint("ec2")
        self.guardrail = d.find("AWS::Bedrock::Guardrail", r"^LandingZoneGuardrail[0-9A-F]{8}$")
        self.guardrail_arn = str(d.get_att(self.guardrail, "GuardrailArn"))
        self.guardrail_version_arn = f"{self.guardrail_arn}:1"
        self.guardrail_key = d.find("AWS::KMS::Key", r"^LandingZoneGuardrailKey")
        self.log_key = d.find("AWS::KMS::Key", r"^LandingZoneInvocationLoggingKey")
        self.log_bucket = d.find("AWS::S3::Bucket", r"^LandingZoneInvocationLoggingBucket[0-9A-F]{8}$")
        self.log_group = d.find("AWS::Logs::LogGroup", r"^LandingZoneInvocationLoggingLogGroup")
        self.topic = d.find("AWS::SNS::Topic", r"^LandingZoneMonitoringTopic")
        self.topic_key = d.find("AWS::KMS::Key", r"^LandingZoneMonitoringKey")
        self.trail_bucket = d.find("AWS::S3::Bucket", r"^LandingZoneAuditTrailBucket[0-9A-F]{8}$")

    def profile(self, profile_id: str) -> str:
        return self.d.arn("bedrock", f"inference-profile/{profile_id}")

    @staticmethod
    def model(model_id: str, region: str) -> str:
        return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"

    def role(self, pattern: str) -> str:
        return self.d.find("AWS::IAM::Role", pattern)

    def as_role(
        self,
        role: str,
        action: str,
        resource: str,
        *,
        context: Mapping[str, str | Sequence[str]] | None = None,
        through: str | None = None,
        resource_policy: Mapping[str, Any] | None = None,
        resource_account: str | None = None,
        identity_policies: Sequence[Mapping[str, Any]] | None = None,
        principal: str | None = None,
    ) -> SimulationRequest:
        """A request by a role of the template, through the named endpoint (or none)."""
        endpoint = {
            "bedrock-runtime": self.runtime,
            "bedrock": self.control,
            "s3": self.s3_gateway,
            "ec2": self.ec2,
        }.get(through or "")
        # AWS sets aws:RequestedRegion on every request; the stack's region unless a row says otherwise.
        full_context: dict[str, str | Sequence[str]] = {"aws:RequestedRegion": REGION, **(context or {})}
        if endpoint is not None:
            full_context["aws:SourceVpce"] = endpoint.endpoint_id
        return SimulationRequest(
            principal=principal or self.d.role_arn(role),
            action=action,
            resource=resource,
            resource_account=resource_account,
            context=full_context,
            identity_policies=list(
                identity_policies if identity_policies is not None else self.d.identity_policies(role)
            ),
            resource_policy=resource_policy,
            vpc_endpoint_policies=[{"name": endpoint.service, "policy": endpoint.policy}]
            if endpoint is not None and endpoint.policy
            else [],
        )


def _account_of(resource: str) -> str | None:
    """The account of an ARN (its fifth field), or ``None`` (foundation models, S3 buckets)."""
    parts = resource.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def reference_rows(deployed: Deployed) -> list[Row]:
    """Every access claim of the reference environment, as rows."""
    ref = _Reference(deployed)
    b = _Builder(deployed)
    d = deployed
    guardrail = {"bedrock:GuardrailIdentifier": ref.guardrail_version_arn}
    other_version = {"bedrock:GuardrailIdentifier": f"{ref.guardrail_arn}:2"}
    sonnet_profile = ref.profile(f"us.{SONNET}")

    def request(role: str, action: str, resource: str, **options: Any) -> SimulationRequest:
        options.setdefault("resource_account", _account_of(resource) or d.account)
        return ref.as_role(role, action, resource, **options)

    # --- the invoker ----------------------------------------------------------------------------
    invoker = ref.role(r"^LandingZoneInvoker[0-9A-F]{8}$")
    who = "Invoker (`BedrockInvokerRole`)"
    section = "Invoker: approved models, only with the guardrail, only through the runtime endpoint"
    b.add(
        "invoker-profile",
        section,
        who,
        f"InvokeModel on the `us.{SONNET}` profile, with the guardrail's version",
        "runtime endpoint",
        ALLOWED,
        GUARDRAIL_ID,
        request(invoker, "bedrock:InvokeModel", sonnet_profile, context=guardrail, through="bedrock-runtime"),
    )
    for region in US_REGIONS:
        b.add(
            f"invoker-model-{region}",
            section,
            who,
            f"InvokeModel on `{SONNET}` in {region}, through the `us.` profile (a destination region)",
            "runtime endpoint",
            ALLOWED,
            PROFILES,
            request(
                invoker,
                "bedrock:InvokeModel",
                ref.model(SONNET, region),
                context={**guardrail, "bedrock:InferenceProfileArn": sonnet_profile},
                through="bedrock-runtime",
            ),
        )
    b.add(
        "invoker-stream",
        section,
        who,
        "InvokeModelWithResponseStream (ConverseStream) on the profile, with the guardrail",
        "runtime endpoint",
        ALLOWED,
        GUARDRAIL_ID,
        request(
            invoker,
            "bedrock:InvokeModelWithResponseStream",
            sonnet_profile,
            context=guardrail,
            through="bedrock-runtime",
        ),
    )
    b.add(
        "invoker-in-region",
        section,
        who,
        f"InvokeModel on `{TITAN}` in us-east-1 (approved in-region), with the guardrail",
        "runtime endpoint",
        ALLOWED,
        GUARDRAIL_ID,
        request(
            invoker,
            "bedrock:InvokeModel",
            ref.model(TITAN, REGION),
            context=guardrail,
            through="bedrock-runtime",
        ),
    )
    b.add(
        "invoker-no-guardrail",
        section,
        who,
        "InvokeModel on the profile **without** a guardrail",
        "runtime endpoint",
        EXPLICIT,
        NEGATED,
        request(invoker, "bedrock:InvokeModel", sonnet_profile, through="bedrock-runtime"),
    )
    b.add(
        "invoker-other-version",
        section,
        who,
        "InvokeModel on the profile with **another** guardrail version",
        "runtime endpoint",
        EXPLICIT,
        GUARDRAIL_ID,
        request(
            invoker, "bedrock:InvokeModel", sonnet_profile, context=other_version, through="bedrock-runtime"
        ),
    )
    b.add(
        "invoker-outside-endpoint",
        section,
        who,
        "InvokeModel on the profile, with the guardrail, **not** through the endpoint",
        "public endpoint",
        IMPLICIT,
        EVALUATION,
        request(invoker, "bedrock:InvokeModel", sonnet_profile, context=guardrail),
    )
    b.add(
        "invoker-model-directly",
        section,
        who,
        f"InvokeModel on `{SONNET}` directly (no profile), with the guardrail",
        "runtime endpoint",
        IMPLICIT,
        PROFILES,
        request(
            invoker,
            "bedrock:InvokeModel",
            ref.model(SONNET, REGION),
            context=guardrail,
            through="bedrock-runtime",
        ),
    )
    b.add(
        "invoker-unapproved-profile",
        section,
        who,
        f"InvokeModel on the **global** `{SONNET}` profile (not approved)",
        "runtime endpoint",
        IMPLICIT,
        EVALUATION,
        request(
            invoker,
            "bedrock:InvokeModel",
            ref.profile(f"global.{SONNET}"),
            context=guardrail,
            through="bedrock-runtime",
        ),
    )
    b.add(
        "invoker-unapproved-region",
        section,
        who,
        f"InvokeModel on `{SONNET}` in eu-west-1 through the `us.` profile (outside its routing)",
        "runtime endpoint",
        IMPLICIT,
        PROFILES,
        request(
            invoker,
            "bedrock:InvokeModel",
            ref.model(SONNET, "eu-west-1"),
            context={**guardrail, "bedrock:InferenceProfileArn": sonnet_profile},
            through="bedrock-runtime",
        ),
    )
    b.add(
        "invoker-management",
        section,
        who,
        "CreateModelCustomizationJob (model management)",
        "any",
        EXPLICIT,
        EVALUATION,
        request(invoker, "bedrock:CreateModelCustomizationJob", "*"),
    )
    b.add(
        "invoker-apply-guardrail",
        section,
        who,
        "ApplyGuardrail on the landing zone's guardrail",
        "runtime endpoint",
        ALLOWED,
        GUARDRAIL_ID,
        request(invoker, "bedrock:ApplyGuardrail", ref.guardrail_arn, through="bedrock-runtime"),
    )
    b.add(
        "invoker-apply-guardrail-outside",
        section,
        who,
        "ApplyGuardrail (sending PHI) **not** through the endpoint",
        "public endpoint",
        IMPLICIT,
        EVALUATION,
        request(invoker, "bedrock:ApplyGuardrail", ref.guardrail_arn),
    )
    b.add(
        "invoker-guardrail-key",
        section,
        who,
        "kms:Decrypt with the guardrail's key, through Bedrock",
        "any",
        ALLOWED,
        KEY_POLICY,
        request(
            invoker,
            "kms:Decrypt",
            str(d.get_att(ref.guardrail_key, "Arn")),
            context={"kms:ViaService": f"bedrock.{REGION}.amazonaws.com"},
            resource_policy=d.key_policy(ref.guardrail_key),
        ),
    )
    b.add(
        "invoker-read-logs",
        section,
        who,
        "s3:GetObject on an invocation-log object",
        "any",
        IMPLICIT,
        EVALUATION,
        request(
            invoker,
            "s3:GetObject",
            f"{d.get_att(ref.log_bucket, 'Arn')}/bedrock/AWSLogs/x.json.gz",
            context={"aws:SecureTransport": "true"},
            resource_policy=d.bucket_policy(ref.log_bucket),
            resource_account=d.account,
        ),
    )

    # --- teams -------------------------------------------------------------------------------------
    claims = ref.role(r"^LandingZoneTeamsclaimsInvoker")
    claims_profile = str(
        d.get_att(
            d.find("AWS::Bedrock::ApplicationInferenceProfile", r"^LandingZoneTeamsclaimsProfile"),
            "InferenceProfileArn",
        )
    )
    research_profiles = [
        str(d.get_att(lid, "InferenceProfileArn"))
        for lid in d.of_type("AWS::Bedrock::ApplicationInferenceProfile")
        if lid.startswith("LandingZoneTeamsresearchProfile")
    ]
    who = "Team `claims` (`BedrockTeam`)"
    section = "Teams: their own application inference profiles only"
    b.add(
        "team-own-profile",
        section,
        who,
        "InvokeModel on its application inference profile, with the guardrail",
        "runtime endpoint",
        ALLOWED,
        PROFILES,
        request(claims, "bedrock:InvokeModel", claims_profile, context=guardrail, through="bedrock-runtime"),
    )
    for region in US_REGIONS:
        b.add(
            f"team-model-{region}",
            section,
            who,
            f"InvokeModel on `{SONNET}` in {region}, through its application profile",
            "runtime endpoint",
            ALLOWED,
            PROFILES,
            request(
                claims,
                "bedrock:InvokeModel",
                ref.model(SONNET, region),
                context={**guardrail, "bedrock:InferenceProfileArn": claims_profile},
                through="bedrock-runtime",
            ),
        )
    b.add(
        "team-system-profile",
        section,
        who,
        f"InvokeModel on the `us.{SONNET}` system profile it was copied from",
        "runtime endpoint",
        IMPLICIT,
        EVALUATION,
        request(claims, "bedrock:InvokeModel", sonnet_profile, context=guardrail, through="bedrock-runtime"),
    )
    b.add(
        "team-other-team",
        section,
        who,
        "InvokeModel on team `research`'s application profile",
        "runtime endpoint",
        IMPLICIT,
        EVALUATION,
        request(
            claims, "bedrock:InvokeModel", research_profiles[0], context=guardrail, through="bedrock-runtime"
        ),
    )
    b.add(
        "team-no-guardrail",
        section,
        who,
        "InvokeModel on its application profile **without** a guardrail",
        "runtime endpoint",
        EXPLICIT,
        NEGATED,
        request(claims, "bedrock:InvokeModel", claims_profile, through="bedrock-runtime"),
    )

    # --- the administrator -------------------------------------------------------------------------
    admin = ref.role(r"^LandingZoneAdministrator")
    who = "Administrator (`BedrockAdministrator`)"
    section = "Administrator: manages Bedrock, never invokes, never reads or changes the evidence"
    guardrail_key_arn = str(d.get_att(ref.guardrail_key, "Arn"))
    via_bedrock = {"kms:ViaService": f"bedrock.{REGION}.amazonaws.com"}
    b.add(
        "admin-update-guardrail",
        section,
        who,
        "UpdateGuardrail on the landing zone's guardrail",
        "any",
        ALLOWED,
        EVALUATION,
        request(admin, "bedrock:UpdateGuardrail", ref.guardrail_arn),
    )
    for action in ("kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"):
        b.add(
            f"admin-guardrail-key-{action.split(':')[1]}",
            section,
            who,
            f"{action} with the guardrail's key, through Bedrock (managing the guardrail)",
            "any",
            ALLOWED,
            KMS_GUARDRAIL,
            request(
                admin,
                action,
                guardrail_key_arn,
                context=via_bedrock,
                resource_policy=d.key_policy(ref.guardrail_key),
            ),
        )
    b.add(
        "admin-guardrail-key-grant",
        section,
        who,
        "kms:CreateGrant on the guardrail's key, made by Bedrock for the guardrail",
        "any",
        ALLOWED,
        KMS_GUARDRAIL,
        request(
            admin,
            "kms:CreateGrant",
            guardrail_key_arn,
            context={**via_bedrock, "kms:GrantIsForAWSResource": "true"},
            resource_policy=d.key_policy(ref.guardrail_key),
        ),
    )
    b.add(
        "admin-create-profile",
        section,
        who,
        f"CreateInferenceProfile copying the approved `us.{SONNET}` profile",
        "any",
        ALLOWED,
        PROFILES,
        request(admin, "bedrock:CreateInferenceProfile", sonnet_profile),
    )
    b.add(
        "admin-create-profile-model",
        section,
        who,
        f"CreateInferenceProfile: the `{SONNET}` model in us-west-2 behind that profile",
        "any",
        ALLOWED,
        PROFILES,
        request(admin, "bedrock:CreateInferenceProfile", ref.model(SONNET, "us-west-2")),
    )
    b.add(
        "admin-read-logging-setting",
        section,
        who,
        "GetModelInvocationLoggingConfiguration",
        "any",
        ALLOWED,
        LOGGING,
        request(admin, "bedrock:GetModelInvocationLoggingConfiguration", "*"),
    )
    for action in (
        "bedrock:PutModelInvocationLoggingConfiguration",
        "bedrock:DeleteModelInvocationLoggingConfiguration",
    ):
        b.add(
            f"admin-{action.split(':')[1]}",
            section,
            who,
            f"{action.split(':')[1]} (switch off or redirect the evidence)",
            "any",
            EXPLICIT,
            EVALUATION,
            request(admin, action, "*"),
        )
    b.add(
        "admin-invoke",
        section,
        who,
        "InvokeModel on an approved profile, with the guardrail",
        "runtime endpoint",
        EXPLICIT,
        EVALUATION,
        request(admin, "bedrock:InvokeModel", sonnet_profile, context=guardrail, through="bedrock-runtime"),
    )
    log_object = (
        f"{d.get_att(ref.log_bucket, 'Arn')}/bedrock/AWSLogs/{d.account}/BedrockModelInvocationLogs/x.json.gz"
    )
    b.add(
        "admin-read-log-object",
        section,
        who,
        "s3:GetObject on an invocation-log object",
        "any",
        EXPLICIT,
        EVALUATION,
        request(
            admin,
            "s3:GetObject",
            log_object,
            context={"aws:SecureTransport": "true"},
            resource_policy=d.bucket_policy(ref.log_bucket),
            resource_account=d.account,
        ),
    )
    b.add(
        "admin-replicate-logs",
        section,
        who,
        "s3:PutReplicationConfiguration on the invocation-log bucket",
        "any",
        EXPLICIT,
        EVALUATION,
        request(
            admin,
            "s3:PutReplicationConfiguration",
            str(d.get_att(ref.log_bucket, "Arn")),
            context={"aws:SecureTransport": "true"},
            resource_policy=d.bucket_policy(ref.log_bucket),
            resource_account=d.account,
        ),
    )
    log_group_arn = str(d.get_att(ref.log_group, "Arn"))
    stream_arn = log_group_arn.removesuffix(":*") + ":log-stream:aws/bedrock/modelinvocations"
    # CloudWatch Logs authorizes calls on a whole group against "log-group:NAME:log-stream:" (its
    # AccessDenied messages name that resource), which the "NAME:*" of policies matches.
    group_resource = log_group_arn.removesuffix(":*") + ":log-stream:"
    for row_id, action, resource, what in (
        ("admin-GetLogEvents", "logs:GetLogEvents", stream_arn, "its log stream"),
        ("admin-FilterLogEvents", "logs:FilterLogEvents", group_resource, "the invocation-log group"),
        (
            "admin-FilterLogEvents-bare-arn",
            "logs:FilterLogEvents",
            group_resource.removesuffix(":log-stream:"),
            "the invocation-log group, named by its bare ARN",
        ),
        ("admin-StartQuery", "logs:StartQuery", group_resource, "the invocation-log group"),
        ("admin-GetQueryResults", "logs:GetQueryResults", group_resource, "the invocation-log group"),
        ("admin-StartLiveTail", "logs:StartLiveTail", group_resource, "the invocation-log group"),
        (
            "admin-PutSubscriptionFilter",
            "logs:PutSubscriptionFilter",
            group_resource,
            "the invocation-log group",
        ),
        ("admin-CreateExportTask", "logs:CreateExportTask", group_resource, "the invocation-log group"),
    ):
        b.add(
            row_id,
            section,
            who,
            f"{action} on {what}",
            "any",
            EXPLICIT,
            LOGS_ACTIONS,
            request(admin, action, resource),
        )
    b.add(
        "admin-PutAccountPolicy",
        section,
        who,
        "logs:PutAccountPolicy (an account-wide subscription filter)",
        "any",
        EXPLICIT,
        LOGS_ACTIONS,
        request(admin, "logs:PutAccountPolicy", "*"),
    )
    b.add(
        "admin-decrypt-logs",
        section,
        who,
        "kms:Decrypt with the invocation-log key, through S3",
        "any",
        EXPLICIT,
        EVALUATION,
        request(
            admin,
            "kms:Decrypt",
            str(d.get_att(ref.log_key, "Arn")),
            context={"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
            resource_policy=d.key_policy(ref.log_key),
        ),
    )
    b.add(
        "admin-grant-directly",
        section,
        who,
        "kms:CreateGrant on the guardrail's key, directly (not for an AWS resource)",
        "any",
        EXPLICIT,
        KEY_POLICY,
        request(
            admin,
            "kms:CreateGrant",
            guardrail_key_arn,
            context={"kms:GrantIsForAWSResource": "false"},
            resource_policy=d.key_policy(ref.guardrail_key),
        ),
    )

    # --- the auditor (its managed policy on an auditor's role) --------------------------------------
    auditor_policy = d.managed_policy(d.find("AWS::IAM::ManagedPolicy", r"^LandingZoneAuditorPolicy"))
    auditor_arn = f"arn:aws:iam::{d.account}:role/auditor"
    who = "Auditor (`BedrockAuditor` policy)"
    section = "Auditor: reads the evidence, nothing else"

    def auditing(action: str, resource: str, **options: Any) -> SimulationRequest:
        options.setdefault("resource_account", _account_of(resource) or d.account)
        return ref.as_role(
            "", action, resource, principal=auditor_arn, identity_policies=[auditor_policy], **options
        )

    b.add(
        "auditor-read-log-object",
        section,
        who,
        "s3:GetObject on an invocation-log object, over TLS",
        "any",
        ALLOWED,
        S3_POLICY,
        auditing(
            "s3:GetObject",
            log_object,
            context={"aws:SecureTransport": "true"},
            resource_policy=d.bucket_policy(ref.log_bucket),
        ),
    )
    b.add(
        "auditor-read-without-tls",
        section,
        who,
        "s3:GetObject on an invocation-log object **without** TLS",
        "any",
        EXPLICIT,
        S3_POLICY,
        auditing(
            "s3:GetObject",
            log_object,
            context={"aws:SecureTransport": "false"},
            resource_policy=d.bucket_policy(ref.log_bucket),
        ),
    )
    b.add(
        "auditor-decrypt-via-s3",
        section,
        who,
        "kms:Decrypt with the invocation-log key, through S3",
        "any",
        ALLOWED,
        KEY_POLICY,
        auditing(
            "kms:Decrypt",
            str(d.get_att(ref.log_key, "Arn")),
            context={"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
            resource_policy=d.key_policy(ref.log_key),
        ),
    )
    b.add(
        "auditor-decrypt-directly",
        section,
        who,
        "kms:Decrypt with the invocation-log key, directly",
        "any",
        IMPLICIT,
        KEY_POLICY,
        auditing(
            "kms:Decrypt", str(d.get_att(ref.log_key, "Arn")), resource_policy=d.key_policy(ref.log_key)
        ),
    )
    b.add(
        "auditor-query-logs",
        section,
        who,
        "logs:FilterLogEvents on the invocation-log group",
        "any",
        ALLOWED,
        LOGS_ACTIONS,
        auditing("logs:FilterLogEvents", group_resource),
    )
    # The rest of the evidence: the buckets' access logs, the handlers' logs, the flow logs.
    access_logs = d.find("AWS::S3::Bucket", r"^LandingZoneAuditTrailBucketAccessLogs")
    b.add(
        "auditor-read-access-logs",
        section,
        who,
        "s3:GetObject on a server-access-log object of the evidence buckets, over TLS",
        "any",
        ALLOWED,
        S3_POLICY,
        auditing(
            "s3:GetObject",
            f"{d.get_att(access_logs, 'Arn')}/2026-11-30-00-00-00-0123456789ABCDEF",
            context={"aws:SecureTransport": "true"},
            resource_policy=d.bucket_policy(access_logs),
        ),
    )
    for row_id, pattern, key_pattern, what in (
        (
            "auditor-read-flow-logs",
            r"^LandingZoneNetworkFlowLogs",
            r"^LandingZoneNetworkFlowLogKey",
            "the VPC flow logs",
        ),
        (
            "auditor-read-handler-logs",
            r"^LandingZoneInvocationLoggingHandlerLogs",
            r"^LandingZoneInvocationLoggingKey",
            "the logging handler's log",
        ),
        (
            "auditor-read-drift-check-logs",
            r"^LandingZoneInvocationLoggingWatchCheckLogs",
            r"^LandingZoneInvocationLoggingKey",
            "the drift check's log",
        ),
        (
            "auditor-read-default-sg-handler-logs",
            r"^LandingZoneNetworkDefaultSecurityGroupHandlerLogs",
            r"^LandingZoneNetworkFlowLogKey",
            "the default-security-group handler's log",
        ),
    ):
        group = d.find("AWS::Logs::LogGroup", pattern)
        key = d.find("AWS::KMS::Key", key_pattern)
        b.add(
            row_id,
            section,
            who,
            f"logs:FilterLogEvents on {what}",
            "any",
            ALLOWED,
            LOGS_ACTIONS,
            auditing(
                "logs:FilterLogEvents", str(d.get_att(group, "Arn")).removesuffix(":*") + ":log-stream:"
            ),
        )
        b.add(
            f"{row_id}-decrypt",
            section,
            who,
            f"kms:Decrypt with the key of {what}, through CloudWatch Logs",
            "any",
            ALLOWED,
            KEY_POLICY,
            auditing(
                "kms:Decrypt",
                str(d.get_att(key, "Arn")),
                context={"kms:ViaService": f"logs.{REGION}.amazonaws.com"},
                resource_policy=d.key_policy(key),
            ),
        )
    b.add(
        "auditor-delete",
        section,
        who,
        "s3:DeleteObject on an invocation-log object",
        "any",
        IMPLICIT,
        EVALUATION,
        auditing(
            "s3:DeleteObject",
            log_object,
            context={"aws:SecureTransport": "true"},
            resource_policy=d.bucket_policy(ref.log_bucket),
        ),
    )
    b.add(
        "auditor-invoke",
        section,
        who,
        "InvokeModel on an approved profile, with the guardrail",
        "runtime endpoint",
        IMPLICIT,
        EVALUATION,
        auditing("bedrock:InvokeModel", sonnet_profile, context=guardrail, through="bedrock-runtime"),
    )

    # --- the logging handler -----------------------------------------------------------------------
    handler = ref.role(r"^LandingZoneInvocationLoggingHandlerRole")
    who = "Invocation-logging handler (its function's role)"
    section = (
        "Invocation-logging handler: sets the account's logging, keeps its state, answers CloudFormation"
    )
    b.add(
        "handler-put-logging",
        section,
        who,
        "PutModelInvocationLoggingConfiguration",
        "control-plane endpoint",
        ALLOWED,
        LOGGING,
        request(handler, "bedrock:PutModelInvocationLoggingConfiguration", "*", through="bedrock"),
    )
    delivery_role = ref.role(r"^LandingZoneInvocationLoggingDeliveryRole")
    b.add(
        "handler-put-logging-other-region",
        section,
        who,
        "PutModelInvocationLoggingConfiguration for another region (us-west-2)",
        "any",
        IMPLICIT,
        EVALUATION,
        request(
            handler,
            "bedrock:PutModelInvocationLoggingConfiguration",
            "*",
            context={"aws:RequestedRegion": "us-west-2"},
        ),
    )
    b.add(
        "handler-pass-role",
        section,
        who,
        "iam:PassRole of the log delivery role, to Bedrock",
        "any",
        ALLOWED,
        LOGGING,
        request(
            handler,
            "iam:PassRole",
            d.role_arn(delivery_role),
            context={"iam:PassedToService": "bedrock.amazonaws.com"},
        ),
    )
    b.add(
        "handler-pass-adopted-role",
        section,
        who,
        "iam:PassRole of another role (an adopted configuration's), to Bedrock: putting it back",
        "any",
        ALLOWED,
        LOGGING,
        request(
            handler,
            "iam:PassRole",
            d.arn("iam", "role/their-delivery-role", region=""),
            context={"iam:PassedToService": "bedrock.amazonaws.com"},
        ),
    )
    b.add(
        "handler-pass-role-elsewhere",
        section,
        who,
        "iam:PassRole of a role to **another service** (Lambda)",
        "any",
        IMPLICIT,
        EVALUATION,
        request(
            handler,
            "iam:PassRole",
            d.arn("iam", "role/their-delivery-role", region=""),
            context={"iam:PassedToService": "lambda.amazonaws.com"},
        ),
    )
    b.add(
        "handler-state-other-account",
        section,
        who,
        "s3:GetObject of a state object in **another account's** bucket",
        "any",
        IMPLICIT,
        EVALUATION,
        request(
            handler,
            "s3:GetObject",
            f"arn:aws:s3:::their-bucket/{_state_prefix(d, ref)}/x.json",
            context={"aws:SecureTransport": "true", "s3:ResourceAccount": OTHER_ACCOUNT},
            resource_account=OTHER_ACCOUNT,
            resource_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::their-bucket/*",
                    }
                ],
            },
        ),
    )
    b.add(
        "handler-state",
        section,
        who,
        "s3:PutObject of its state object, through the S3 gateway endpoint",
        "S3 gateway endpoint",
        ALLOWED,
        S3_POLICY,
        request(
            handler,
            "s3:PutObject",
            _state_object(d, ref),
            context={"aws:SecureTransport": "true", "aws:ResourceAccount": d.account},
            resource_policy=d.bucket_policy(ref.log_bucket),
            resource_account=d.account,
            through="s3",
        ),
    )

    # --- the drift check ------------------------------------------------------------------------------
    checker = ref.role(r"^LandingZoneInvocationLoggingWatchCheckRole")
    who = "Drift check (its function's role)"
    section = "Drift check: reads the logging setting on a schedule, changes nothing"
    b.add(
        "drift-check-get",
        section,
        who,
        "GetModelInvocationLoggingConfiguration",
        "control-plane endpoint",
        ALLOWED,
        LOGGING,
        request(checker, "bedrock:GetModelInvocationLoggingConfiguration", "*", through="bedrock"),
    )
    for action in ("Put", "Delete"):
        b.add(
            f"drift-check-{action.lower()}",
            section,
            who,
            f"{action}ModelInvocationLoggingConfiguration",
            "control-plane endpoint",
            IMPLICIT,
            EVALUATION,
            request(checker, f"bedrock:{action}ModelInvocationLoggingConfiguration", "*", through="bedrock"),
        )

    # --- the default-security-group handler ---------------------------------------------------------
    closer = ref.role(r"^LandingZoneNetworkDefaultSecurityGroupHandlerRole")
    vpc = d.find("AWS::EC2::VPC", r"^LandingZoneNetworkVpc[0-9A-F]{8}$")
    default_group = d.arn("ec2", f"security-group/{d.get_att(vpc, 'DefaultSecurityGroup')}")
    who = "Default-security-group handler (its function's role)"
    section = "Default-security-group handler: closes the VPC's default group, through the EC2 endpoint"
    b.add(
        "closer-revoke",
        section,
        who,
        "RevokeSecurityGroupIngress on the VPC's default security group",
        "EC2 endpoint",
        ALLOWED,
        ENDPOINT,
        request(closer, "ec2:RevokeSecurityGroupIngress", default_group, through="ec2"),
    )
    b.add(
        "closer-other-group",
        section,
        who,
        "RevokeSecurityGroupIngress on another security group",
        "EC2 endpoint",
        IMPLICIT,
        EVALUATION,
        request(
            closer,
            "ec2:RevokeSecurityGroupIngress",
            d.arn("ec2", "security-group/sg-0aaaaaaaaaaaaaaaa"),
            through="ec2",
        ),
    )

    # --- the networks (the endpoint alone: a client whose IAM allows everything) --------------------
    client = f"arn:aws:iam::{d.account}:role/vpc-client"
    everything = [
        {
            "name": "AdministratorAccess",
            "policy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            },
        }
    ]
    who = "Any client in the VPC whose IAM allows everything"
    section = "The network: what the endpoints let through, whatever IAM allows"

    def client_request(action: str, resource: str, through: str, **options: Any) -> SimulationRequest:
        options.setdefault("resource_account", _account_of(resource) or d.account)
        return ref.as_role(
            "", action, resource, principal=client, identity_policies=everything, through=through, **options
        )

    b.add(
        "network-approved-model",
        section,
        who,
        "InvokeModel on an approved profile",
        "runtime endpoint",
        ALLOWED,
        ENDPOINT,
        client_request("bedrock:InvokeModel", sonnet_profile, "bedrock-runtime"),
    )
    b.add(
        "network-unapproved-model",
        section,
        who,
        "InvokeModel on an unapproved model (`anthropic.claude-3-haiku-20240307-v1:0`)",
        "runtime endpoint",
        IMPLICIT,
        ENDPOINT,
        client_request(
            "bedrock:InvokeModel",
            ref.model("anthropic.claude-3-haiku-20240307-v1:0", REGION),
            "bedrock-runtime",
        ),
    )
    b.add(
        "network-app-profile",
        section,
        who,
        "InvokeModel on any application inference profile of this account",
        "runtime endpoint",
        ALLOWED,
        ENDPOINT,
        client_request("bedrock:InvokeModel", claims_profile, "bedrock-runtime"),
    )
    b.add(
        "network-other-account-profile",
        section,
        who,
        "InvokeModel on another account's application profile",
        "runtime endpoint",
        IMPLICIT,
        ENDPOINT,
        client_request(
            "bedrock:InvokeModel",
            f"arn:aws:bedrock:{REGION}:{OTHER_ACCOUNT}:application-inference-profile/abcdefabcdef",
            "bedrock-runtime",
            resource_account=OTHER_ACCOUNT,
            resource_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{d.account}:root"},
                        "Action": "bedrock:*",
                        "Resource": "*",
                    }
                ],
            },
        ),
    )
    b.add(
        "network-model-management",
        section,
        who,
        "CreateModelCustomizationJob through the control-plane endpoint",
        "control-plane endpoint",
        EXPLICIT,
        ENDPOINT,
        client_request("bedrock:CreateModelCustomizationJob", "*", "bedrock"),
    )
    b.add(
        "network-logging-change",
        section,
        who,
        "PutModelInvocationLoggingConfiguration (only the handler's role may)",
        "control-plane endpoint",
        IMPLICIT,
        ENDPOINT,
        client_request("bedrock:PutModelInvocationLoggingConfiguration", "*", "bedrock"),
    )
    b.add(
        "network-ec2-other-call",
        section,
        who,
        "ec2:RunInstances through the EC2 endpoint (it admits the handler only)",
        "EC2 endpoint",
        IMPLICIT,
        ENDPOINT,
        client_request("ec2:RunInstances", d.arn("ec2", "instance/*"), "ec2"),
    )
    b.add(
        "network-own-bucket",
        section,
        who,
        "s3:PutObject to a bucket of this account",
        "S3 gateway endpoint",
        ALLOWED,
        ENDPOINT,
        client_request(
            "s3:PutObject",
            "arn:aws:s3:::some-bucket-of-this-account/x",
            "s3",
            resource_account=d.account,
            context={"aws:ResourceAccount": d.account},
        ),
    )
    b.add(
        "network-foreign-bucket",
        section,
        who,
        "s3:PutObject to another account's bucket (data out of the VPC)",
        "S3 gateway endpoint",
        IMPLICIT,
        ENDPOINT,
        client_request(
            "s3:PutObject",
            "arn:aws:s3:::attacker-bucket/loot",
            "s3",
            resource_account=OTHER_ACCOUNT,
            context={"aws:ResourceAccount": OTHER_ACCOUNT},
            resource_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": "arn:aws:s3:::attacker-bucket/*",
                    }
                ],
            },
        ),
    )
    response_bucket = f"cloudformation-custom-resource-response-{REGION.replace('-', '')}"
    b.add(
        "network-cfn-response",
        section,
        "A custom-resource handler answering CloudFormation (presigned URL)",
        f"s3:PutObject to `{response_bucket}` (AWS-owned; the presigned URL's signer)",
        "S3 gateway endpoint",
        ALLOWED,
        ENDPOINT,
        client_request(
            "s3:PutObject",
            f"arn:aws:s3:::{response_bucket}/arn%3Aaws%3Acloudformation/response",
            "s3",
            resource_account=OTHER_ACCOUNT,
            context={"aws:ResourceAccount": OTHER_ACCOUNT},
            resource_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{response_bucket}/*",
                    }
                ],
            },
        ),
    )

    # --- service principals: alarms, budgets, log delivery -------------------------------------------
    topic_arn = str(d.ref(ref.topic))
    who = "AWS services"
    section = "Services: alarms and budgets notify, Bedrock delivers the logs"
    alarm = d.arn("cloudwatch", "alarm:SecureBedrockHipaa-ServerErrors")

    def service(
        principal: str, action: str, resource: str, policy: Mapping[str, Any] | None, **context: str
    ) -> SimulationRequest:
        return SimulationRequest(
            principal=principal,
            action=action,
            resource=resource,
            resource_account=_account_of(resource) or d.account,
            context={"aws:SecureTransport": "true", "aws:RequestedRegion": REGION, **context},
            resource_policy=policy,
        )

    b.add(
        "alarm-publish",
        section,
        "CloudWatch alarms (`cloudwatch.amazonaws.com`)",
        "sns:Publish to the alarm topic, for an alarm of this account",
        "service",
        ALLOWED,
        SNS_POLICY,
        service(
            "cloudwatch.amazonaws.com",
            "sns:Publish",
            topic_arn,
            d.topic_policy(ref.topic),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": alarm},
        ),
    )
    b.add(
        "alarm-publish-other-account",
        section,
        "CloudWatch alarms (`cloudwatch.amazonaws.com`)",
        "sns:Publish to the alarm topic, for **another** account's alarm",
        "service",
        IMPLICIT,
        SNS_POLICY,
        service(
            "cloudwatch.amazonaws.com",
            "sns:Publish",
            topic_arn,
            d.topic_policy(ref.topic),
            **{
                "aws:SourceAccount": OTHER_ACCOUNT,
                "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{OTHER_ACCOUNT}:alarm:x",
            },
        ),
    )
    b.add(
        "alarm-topic-key",
        section,
        "CloudWatch alarms (`cloudwatch.amazonaws.com`)",
        "kms:GenerateDataKey with the topic's key",
        "service",
        ALLOWED,
        SNS_POLICY,
        service(
            "cloudwatch.amazonaws.com",
            "kms:GenerateDataKey",
            str(d.get_att(ref.topic_key, "Arn")),
            d.key_policy(ref.topic_key),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": alarm},
        ),
    )
    b.add(
        "budgets-publish",
        section,
        "AWS Budgets (`budgets.amazonaws.com`)",
        "sns:Publish to the alarm topic, for a budget of this account",
        "service",
        ALLOWED,
        SNS_POLICY,
        service(
            "budgets.amazonaws.com",
            "sns:Publish",
            topic_arn,
            d.topic_policy(ref.topic),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": f"arn:aws:budgets::{d.account}:budget/x"},
        ),
    )
    tamper_rule = d.find("AWS::Events::Rule", r"^LandingZoneMonitoringLoggingConfigurationChanged")
    tamper_rule_arn = str(d.get_att(tamper_rule, "Arn"))
    b.add(
        "tamper-rule-publish",
        section,
        "EventBridge (`events.amazonaws.com`)",
        "sns:Publish to the alarm topic, for the logging-tamper rule",
        "service",
        ALLOWED,
        SNS_POLICY,
        service(
            "events.amazonaws.com",
            "sns:Publish",
            topic_arn,
            d.topic_policy(ref.topic),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": tamper_rule_arn},
        ),
    )
    b.add(
        "other-rule-publish",
        section,
        "EventBridge (`events.amazonaws.com`)",
        "sns:Publish to the alarm topic, for **another** rule of this account",
        "service",
        IMPLICIT,
        SNS_POLICY,
        service(
            "events.amazonaws.com",
            "sns:Publish",
            topic_arn,
            d.topic_policy(ref.topic),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": d.arn("events", "rule/someone-elses")},
        ),
    )
    b.add(
        "tamper-rule-topic-key",
        section,
        "EventBridge (`events.amazonaws.com`)",
        "kms:GenerateDataKey with the topic's key, for the logging-tamper rule, in a request that "
        "carries no source account or ARN",
        "service",
        ALLOWED,
        SNS_POLICY,
        service(
            "events.amazonaws.com",
            "kms:GenerateDataKey",
            str(d.get_att(ref.topic_key, "Arn")),
            d.key_policy(ref.topic_key),
        ),
    )
    log_write = (
        f"{d.get_att(ref.log_bucket, 'Arn')}/bedrock/AWSLogs/{d.account}/BedrockModelInvocationLogs/x.json.gz"
    )
    b.add(
        "bedrock-deliver-logs",
        section,
        "Bedrock (`bedrock.amazonaws.com`)",
        "s3:PutObject of an invocation log",
        "service",
        ALLOWED,
        LOGGING,
        service(
            "bedrock.amazonaws.com",
            "s3:PutObject",
            log_write,
            d.bucket_policy(ref.log_bucket),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": d.arn("bedrock", "*")},
        ),
    )
    b.add(
        "bedrock-deliver-elsewhere",
        section,
        "Bedrock (`bedrock.amazonaws.com`)",
        "s3:PutObject outside the logging prefix of the bucket",
        "service",
        IMPLICIT,
        LOGGING,
        service(
            "bedrock.amazonaws.com",
            "s3:PutObject",
            f"{d.get_att(ref.log_bucket, 'Arn')}/other/x",
            d.bucket_policy(ref.log_bucket),
            **{"aws:SourceAccount": d.account, "aws:SourceArn": d.arn("bedrock", "*")},
        ),
    )
    if any("ArchivedFlowLog" in logical_id for logical_id in d.template["Resources"]):
        _archived_flow_log_rows(b, d, ref, service)
    return b.rows


def _archived_flow_log_rows(b: _Builder, d: Deployed, ref: _Reference, service: Any) -> None:
    """A landing zone with an archive delivers its VPC's flow logs to the trail's bucket (under AWSLogs/,
    which replicates): log delivery may, for this account only."""
    section = "Evidence: VPC flow logs delivered to the trail's bucket (replicated to the archive)"
    who = "Log delivery (`delivery.logs.amazonaws.com`)"
    flow_object = f"{d.get_att(ref.trail_bucket, 'Arn')}/AWSLogs/{d.account}/vpcflowlogs/{REGION}/2026/12/06/flow.log.gz"
    key = d.find("AWS::KMS::Key", r"^LandingZoneAuditTrailKey[0-9A-F]{8}$")
    own = {"aws:SourceAccount": d.account, "aws:SourceArn": d.arn("logs", "*")}
    other = {"aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": f"arn:aws:logs:{REGION}:{OTHER_ACCOUNT}:*"}
    acl = {"s3:x-amz-acl": "bucket-owner-full-control"}
    for row_id, does, expected, request in (
        ("flowlogs-deliver", "s3:PutObject of a flow-log file of this account", ALLOWED,
         service("delivery.logs.amazonaws.com", "s3:PutObject", flow_object, d.bucket_policy(ref.trail_bucket),
                 **own, **acl)),
        ("flowlogs-deliver-key", "kms:GenerateDataKey with the trail's key for it", ALLOWED,
         service("delivery.logs.amazonaws.com", "kms:GenerateDataKey", str(d.get_att(key, "Arn")),
                 d.key_policy(key), **own)),
        ("flowlogs-deliver-other-account", "s3:PutObject for another account's flow log (confused deputy)",
         IMPLICIT,
         service("delivery.logs.amazonaws.com", "s3:PutObject", flow_object, d.bucket_policy(ref.trail_bucket),
                 **other, **acl)),
        ("flowlogs-deliver-key-other-account", "kms:GenerateDataKey for another account's delivery", IMPLICIT,
         service("delivery.logs.amazonaws.com", "kms:GenerateDataKey", str(d.get_att(key, "Arn")),
                 d.key_policy(key), **other)),
    ):  # fmt: skip
        b.add(row_id, section, who, does, "service", expected, FLOW_LOGS_S3, request)


def _state_objects(d: Deployed, ref: _Reference) -> str:
    """The handler's state objects (``<bucket ARN>/<prefix>/*``), read from its policy."""
    for policy in d.identity_policies(ref.role(r"^LandingZoneInvocationLoggingHandlerRole")):
        for statement in policy["policy"]["Statement"]:
            if statement.get("Sid") == "KeepState":
                return str(statement["Resource"])
    raise LookupError("the handler's policy has no KeepState statement")


def _state_object(d: Deployed, ref: _Reference) -> str:
    """One state object: the key is a SHA-256 of the stack id and logical id."""
    return _state_objects(d, ref).replace("*", f"{'0' * 64}.json")


def _state_prefix(d: Deployed, ref: _Reference) -> str:
    """The state prefix, without the bucket."""
    objects = _state_objects(d, ref)
    return objects.split("/", 1)[1].removesuffix("/*")


def byo_rows(deployed: Deployed) -> list[Row]:
    """The application's own role, given ``grant_invoke`` in the bring-your-own example."""
    ref = _Reference.__new__(_Reference)
    ref.d = deployed
    ref.runtime = deployed.endpoint("bedrock-runtime")
    ref.control = deployed.endpoint("bedrock")
    ref.s3_gateway = deployed.endpoint("s3")
    ref.ec2 = None
    d = deployed
    b = _Builder(deployed)
    guardrail_lid = d.find("AWS::Bedrock::Guardrail", r"^BedrockGuardrail[0-9A-F]{8}$")
    guardrail_version = f"{d.get_att(guardrail_lid, 'GuardrailArn')}:1"
    guardrail = {"bedrock:GuardrailIdentifier": guardrail_version}
    role = d.find("AWS::IAM::Role", r"^AppTaskRole")
    profile = d.arn("bedrock", "inference-profile/us.amazon.nova-pro-v1:0")
    who = "Your own role with `grant_invoke` (the bring-your-own example's `AppTaskRole`)"
    section = "Your own role: `grant_invoke` gives the same guarantees"

    def request(action: str, resource: str, **options: Any) -> SimulationRequest:
        options.setdefault("resource_account", _account_of(resource) or d.account)
        return ref.as_role(role, action, resource, **options)

    b.add(
        "grant-profile",
        section,
        who,
        "InvokeModel on the approved `us.amazon.nova-pro-v1:0` profile, with the guardrail",
        "runtime endpoint",
        ALLOWED,
        GUARDRAIL_ID,
        request("bedrock:InvokeModel", profile, context=guardrail, through="bedrock-runtime"),
    )
    b.add(
        "grant-model",
        section,
        who,
        f"InvokeModel on `{NOVA_PRO}` in us-west-2 through that profile",
        "runtime endpoint",
        ALLOWED,
        PROFILES,
        request(
            "bedrock:InvokeModel",
            f"arn:aws:bedrock:us-west-2::foundation-model/{NOVA_PRO}",
            context={**guardrail, "bedrock:InferenceProfileArn": profile},
            through="bedrock-runtime",
        ),
    )
    b.add(
        "grant-no-guardrail",
        section,
        who,
        "InvokeModel on the profile **without** a guardrail (the Deny stays a Deny)",
        "runtime endpoint",
        EXPLICIT,
        NEGATED,
        request("bedrock:InvokeModel", profile, through="bedrock-runtime"),
    )
    b.add(
        "grant-no-guardrail-outside",
        section,
        who,
        "InvokeModel on the profile without a guardrail, not through the endpoint",
        "public endpoint",
        EXPLICIT,
        NEGATED,
        request("bedrock:InvokeModel", profile),
    )
    b.add(
        "grant-management",
        section,
        who,
        "CreateModelCustomizationJob (model management)",
        "any",
        EXPLICIT,
        EVALUATION,
        request("bedrock:CreateModelCustomizationJob", "*"),
    )
    b.add(
        "grant-outside-endpoint",
        section,
        who,
        "InvokeModel on the profile with the guardrail, not through the endpoint",
        "public endpoint",
        IMPLICIT,
        EVALUATION,
        request("bedrock:InvokeModel", profile, context=guardrail),
    )
    return b.rows


def transition_rows(during: Deployed, after: Deployed) -> list[Row]:
    """A guardrail change: while ``previous_version`` is set both versions work (``during``, the
    transition example deployed with version 2), and once it is removed only the new one does
    (``after``, the reference environment deployed with version 2)."""
    b = _Builder(during)
    section = "A guardrail change: both versions during the transition, only the new one after"
    previous, new = transition.PREVIOUS_VERSION, transition.NEW_VERSION
    source = f"{GUARDRAIL_ID}; docs/upgrading.md, Changing the guardrail"

    ref = _Reference.__new__(_Reference)
    ref.d = during
    # No endpoints in this stack: its rows are requests from anywhere.
    ref.runtime = ref.control = ref.s3_gateway = ref.ec2 = None  # type: ignore[assignment]
    guardrail_arn = str(
        during.get_att(during.find("AWS::Bedrock::Guardrail", r"^Guardrail[0-9A-F]{8}$"), "GuardrailArn")
    )
    invoker = during.find("AWS::IAM::Role", r"^Invoker[0-9A-F]{8}$")
    profile = during.arn("bedrock", f"inference-profile/us.{NOVA_PRO}")
    who = "Invoker of a guardrail with `previous_version='1'`, version 2 published"
    for row_id, version, expected, does in (
        ("transition-new-version", new, ALLOWED, "the new version (2)"),
        ("transition-previous-version", previous, ALLOWED, "the previous version (1), while callers move"),
        ("transition-other-version", "3", EXPLICIT, "any other version (3)"),
        ("transition-draft", "DRAFT", EXPLICIT, "the working draft"),
    ):
        b.add(
            row_id,
            section,
            who,
            f"InvokeModel on the `us.{NOVA_PRO}` profile with {does}",
            "any",
            expected,
            source,
            ref.as_role(
                invoker,
                "bedrock:InvokeModel",
                profile,
                context={"bedrock:GuardrailIdentifier": f"{guardrail_arn}:{version}"},
                resource_account=during.account,
            ),
        )

    settled = _Reference(after)
    invoker = settled.role(r"^LandingZoneInvoker[0-9A-F]{8}$")
    profile = settled.profile(f"us.{SONNET}")
    who = "Invoker (`BedrockInvokerRole`) after the transition (`previous_version` removed, version 2 live)"
    for row_id, version, expected, does in (
        ("transition-after-new-version", new, ALLOWED, "the new version (2)"),
        ("transition-after-previous-version", previous, EXPLICIT, "the previous version (1): no longer"),
    ):
        b.add(
            row_id,
            section,
            who,
            f"InvokeModel on the `us.{SONNET}` profile with {does}",
            "runtime endpoint",
            expected,
            source,
            settled.as_role(
                invoker,
                "bedrock:InvokeModel",
                profile,
                context={"bedrock:GuardrailIdentifier": f"{settled.guardrail_arn}:{version}"},
                through="bedrock-runtime",
                resource_account=after.account,
            ),
        )
    return b.rows


def evaluate_rows(rows: Sequence[Row]) -> list[Evaluated]:
    """Every row with the simulator's decision (one simulator run)."""
    ids = [row.id for row in rows]
    duplicates = sorted({row_id for row_id in ids if ids.count(row_id) > 1})
    if duplicates:
        raise ValueError(f"access matrix: repeated row ids {duplicates}")
    results = simulate([row.request for row in rows])
    return [Evaluated(row, result) for row, result in zip(rows, results, strict=True)]


def render_access_matrix(evaluated: Sequence[Evaluated]) -> str:
    """``docs/access-matrix.md``."""
    lines = [
        "# Access matrix: who can do what, through which path",
        "",
        "<!-- Generated by `make docs` from stacks/documents/access_matrix.py; do not edit by hand. -->",
        "",
        "Generated by `make docs` from the synthesized reference environment (and, for your own role, the",
        "bring-your-own example; for a member account of an organization, the organization's guardrails of",
        "[organization.md](organization.md) with the reference's models and residency), with every `Ref` and",
        "`Fn::GetAtt` resolved to the values a deployment gives. Organization rows add the service and resource",
        "control policies the member account's OU carries.",
        "Each row is a request evaluated by an independent IAM engine",
        "([`@cloud-copilot/iam-simulate`](https://github.com/cloud-copilot/iam-simulate), a test-time dev",
        "dependency) against the policies that apply to it: the principal's identity policies, the resource's",
        "policy (key, bucket, topic) and, on a path through one of our endpoints, the endpoint's policy with",
        "`aws:SourceVpce` set. *Expected* is the decision AWS documents for the request (source in the last",
        "column); `tests/test_access_matrix.py` fails when the engine decides otherwise, or when this file is",
        "stale. Account `111122223333`, region `us-east-1`; the guardrail's published version is `1`.",
        "",
        f"{len(evaluated)} rows, {sum(e.agrees for e in evaluated)} decided as documented.",
    ]
    sections: dict[str, list[Evaluated]] = {}
    for item in evaluated:
        sections.setdefault(item.row.section, []).append(item)
    for section, items in sections.items():
        lines += [
            "",
            f"## {section}",
            "",
            "| row | who | does | path | expected | engine | why (decisive statements) | source |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for item in items:
            row, result = item.row, item.result
            engine = (
                result.decision
                if item.agrees
                else f"**{result.decision}** (differs: {row.disagreement or 'see test'})"
            )
            lines.append(
                f"| `{row.id}` | {row.who} | {row.does} | {row.path} | {row.expected} | {engine} | "
                f"{_cell(result.explain)} | {row.source} |"
            )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def organization_rows(org: Deployed) -> list[Row]:
    """The organization's policies (:mod:`stacks.documents.organization`) for a member account in the
    workload OU whose administrator's own policies allow everything."""
    from stacks.documents import organization as o

    reference = o.reference_organization()
    workload_ou, organization_id = reference.target_ids[0], reference.organization_id
    b = _Builder(org)
    member = "222233334444"
    admin, deployer = f"arn:aws:iam::{member}:role/Admin", f"arn:aws:iam::{member}:role/stacksets-exec-1a2b3c"
    anything = [{"name": "AdministratorAccess", "policy": _allow_everything()}]
    full = {"name": "FullAWSAccess", "policy": _allow_everything()}
    policies = {kind: [] for kind in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")}  # type: dict[str, list[Any]]
    for logical_id in [*org.of_type("AWS::Organizations::Policy")]:
        properties = org.properties(logical_id)
        if properties["Type"] in policies:
            policies[properties["Type"]].append({"name": logical_id, "policy": properties["Content"]})
    scps = [
        {"orgIdentifier": "r-ab12", "policies": [full]},
        {"orgIdentifier": workload_ou, "policies": [full, *policies["SERVICE_CONTROL_POLICY"]]},
    ]
    rcps = [{"orgIdentifier": workload_ou, "policies": policies["RESOURCE_CONTROL_POLICY"]}]
    section = "Organization: what holds whatever a member account's administrator does"
    who_admin = "Member account administrator (`*:*` in its own policies)"
    who_deployer = "Member account's deployment role (`stacksets-exec-*`)"

    def member_request(
        principal: str,
        action: str,
        resource: str,
        region: str = REGION,
        context: Mapping[str, ContextValue] | None = None,
    ) -> SimulationRequest:
        return SimulationRequest(
            principal=principal,
            action=action,
            resource=resource,
            resource_account=member,
            context={"aws:RequestedRegion": region, **(context or {})},
            identity_policies=anything,
            service_control_policies=scps,
        )

    profile = f"arn:aws:bedrock:{REGION}:{member}:inference-profile/us.{SONNET}"
    for row_id, who, does, expected, source, request in (
        ("org-approved-profile", who_admin, f"InvokeModel on the approved `us.{SONNET}` profile", ALLOWED, SCP,
         member_request(admin, "bedrock:InvokeModel", profile)),
        ("org-destination-region", who_admin, f"InvokeModel on `{SONNET}` in us-west-2 (a destination inside the residency)",
         ALLOWED, SCP_REGION, member_request(admin, "bedrock:InvokeModel", f"arn:aws:bedrock:us-west-2::foundation-model/{SONNET}", "us-west-2")),
        ("org-unapproved-model", who_admin, "InvokeModel on an unapproved model (`anthropic.claude-3-haiku-20240307-v1:0`)",
         EXPLICIT, SCP, member_request(admin, "bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0")),
        ("org-outside-residency", who_admin, f"InvokeModel on the approved `{SONNET}` in eu-west-1 (outside the residency)",
         EXPLICIT, SCP_REGION, member_request(admin, "bedrock:InvokeModel", f"arn:aws:bedrock:eu-west-1::foundation-model/{SONNET}", "eu-west-1")),
        ("org-global-routing", who_admin, "InvokeModel routed globally (`aws:RequestedRegion` `unspecified`)", EXPLICIT, SCP_REGION,
         member_request(admin, "bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}", "unspecified")),
        ("org-mantle", who_admin, "Calls the bedrock-mantle endpoint (a regulated OU)", EXPLICIT, SCP,
         member_request(admin, "bedrock-mantle:CreateInference", "*")),
        ("org-logging-off", who_admin, "Deletes the model invocation logging configuration", EXPLICIT, SCP,
         member_request(admin, "bedrock:DeleteModelInvocationLoggingConfiguration", "*")),
        ("org-deployer-logging", who_deployer, "Puts the model invocation logging configuration", ALLOWED, SCP,
         member_request(deployer, "bedrock:PutModelInvocationLoggingConfiguration", "*")),
        ("org-budget-hard-stop", "The landing zone's budgets action role (tagged for the hard stop)",
         "Attaches the deny-invoke policy to a team role over budget", ALLOWED, SCP,
         member_request(f"arn:aws:iam::{member}:role/SecureBedrockHipaa-BudgetsActionRole", "iam:AttachRolePolicy",
                        f"arn:aws:iam::{member}:role/SecureBedrockHipaa-TeamClaims",
                        context={**{f"aws:ResourceTag/{LANDING_ZONE_TAG}": "SecureBedrockHipaa"},
                                 f"aws:PrincipalTag/{EVIDENCE_WRITER_TAG}": "budget-hard-stop"})),
        ("org-handler-attaches", "The landing zone's logging handler (tagged as the evidence writer)",
         "Attaches a managed policy to a landing zone role", EXPLICIT, SCP,
         member_request(f"arn:aws:iam::{member}:role/SecureBedrockHipaa-LoggingHandlerRole", "iam:AttachRolePolicy",
                        f"arn:aws:iam::{member}:role/SecureBedrockHipaa-TeamClaims",
                        context={**{f"aws:ResourceTag/{LANDING_ZONE_TAG}": "SecureBedrockHipaa"},
                                 f"aws:PrincipalTag/{EVIDENCE_WRITER_TAG}": "invocation-logging"})),
        ("org-handler-logging", "The landing zone's logging handler (its role tagged as the evidence writer)",
         "Puts the model invocation logging configuration", ALLOWED, SCP,
         member_request(f"arn:aws:iam::{member}:role/SecureBedrockHipaa-LoggingHandlerRole",
                        "bedrock:PutModelInvocationLoggingConfiguration", "*",
                        context={f"aws:PrincipalTag/{EVIDENCE_WRITER_TAG}": "invocation-logging"})),
        ("org-delete-guardrail", who_admin, "Deletes a guardrail", EXPLICIT, SCP,
         member_request(admin, "bedrock:DeleteGuardrail", f"arn:aws:bedrock:{REGION}:{member}:guardrail/abcdefghij12")),
        ("org-deployer-guardrail", who_deployer, "Updates a guardrail", ALLOWED, SCP,
         member_request(deployer, "bedrock:UpdateGuardrail", f"arn:aws:bedrock:{REGION}:{member}:guardrail/abcdefghij12")),
    ):  # fmt: skip
        b.add(row_id, section, who, does, "any", expected, source, request)

    section = "Organization: the landing zone's endpoints, keys and log groups (tagged `secure-bedrock:landing-zone`), and model access"
    tagged = {f"aws:ResourceTag/{LANDING_ZONE_TAG}": "SecureBedrockHipaa"}
    endpoint = f"arn:aws:ec2:{REGION}:{member}:vpc-endpoint/vpce-0123456789abcdef0"
    key = f"arn:aws:kms:{REGION}:{member}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    log_group = f"arn:aws:logs:{REGION}:{member}:log-group:/secure-bedrock/invocations"
    handler_role = f"arn:aws:iam::{member}:role/SecureBedrockHipaa-LoggingHandlerRole"
    writer_tag = f"aws:ResourceTag/{EVIDENCE_WRITER_TAG}"
    for row_id, who, does, expected, request in (
        ("org-delete-endpoint", who_admin, "Deletes the landing zone's runtime endpoint", EXPLICIT,
         member_request(admin, "ec2:DeleteVpcEndpoints", endpoint, context=tagged)),
        ("org-widen-endpoint-group", who_admin, "Adds an inbound rule to the endpoints' security group", EXPLICIT,
         member_request(admin, "ec2:AuthorizeSecurityGroupIngress",
                        f"arn:aws:ec2:{REGION}:{member}:security-group/sg-0123456789abcdef0", context=tagged)),
        ("org-deployer-endpoint", who_deployer, "Changes the landing zone's runtime endpoint (an update)", ALLOWED,
         member_request(deployer, "ec2:ModifyVpcEndpoint", endpoint, context=tagged)),
        ("org-own-endpoint", who_admin, "Deletes an endpoint of its own (not tagged as the landing zone's)", ALLOWED,
         member_request(admin, "ec2:DeleteVpcEndpoints", endpoint)),
        ("org-delete-flow-log", who_admin, "Deletes the VPC's flow log (network evidence)", EXPLICIT,
         member_request(admin, "ec2:DeleteFlowLogs", f"arn:aws:ec2:{REGION}:{member}:vpc-flow-log/fl-0123456789abcdef0",
                        context=tagged)),
        ("org-delete-key", who_admin, "Schedules the deletion of the evidence key", EXPLICIT,
         member_request(admin, "kms:ScheduleKeyDeletion", key, context=tagged)),
        ("org-untag-key", who_admin, "Removes the landing-zone tag from the evidence key (to delete it next)", EXPLICIT,
         member_request(admin, "kms:UntagResource", key, context={**tagged, "aws:TagKeys": [LANDING_ZONE_TAG]})),
        ("org-shorten-retention", who_admin, "Shortens the invocation log group's retention", EXPLICIT,
         member_request(admin, "logs:PutRetentionPolicy", log_group, context=tagged)),
        ("org-model-subscription", who_admin, "Subscribes to a model in AWS Marketplace", EXPLICIT,
         member_request(admin, "aws-marketplace:Subscribe", "*")),
        ("org-deployer-subscription", who_deployer, "Subscribes to a model in AWS Marketplace", ALLOWED,
         member_request(deployer, "aws-marketplace:Subscribe", "*")),
        ("org-model-entitlement", who_admin, "Puts a model entitlement (model access)", EXPLICIT,
         member_request(admin, "bedrock:PutFoundationModelEntitlement", "*")),
        ("org-admin-widens-role", who_admin, "Adds an inline policy to a landing zone role", EXPLICIT,
         member_request(admin, "iam:PutRolePolicy", f"arn:aws:iam::{member}:role/SecureBedrockHipaa-Invoker", context=tagged)),
        ("org-admin-handler-code", who_admin, "Replaces the code of the landing zone's logging handler", EXPLICIT,
         member_request(admin, "lambda:UpdateFunctionCode", f"arn:aws:lambda:{REGION}:{member}:function:logging-handler",
                        context=tagged)),
        ("org-admin-passes-writer", who_admin, "Passes the logging handler's role to a function of its own", EXPLICIT,
         member_request(admin, "iam:PassRole", handler_role, context={**tagged, writer_tag: "invocation-logging"})),
        ("org-admin-attaches", who_admin, "Attaches a managed policy to a landing zone role", EXPLICIT,
         member_request(admin, "iam:AttachRolePolicy", f"arn:aws:iam::{member}:role/SecureBedrockHipaa-TeamClaims",
                        context=tagged)),
        ("org-admin-tags-writer", who_admin, "Tags a role of its own as an evidence writer", EXPLICIT,
         member_request(admin, "iam:TagRole", f"arn:aws:iam::{member}:role/Mine", context={"aws:TagKeys": [EVIDENCE_WRITER_TAG]})),
        ("org-admin-fakes-deployer", who_admin, "Creates a role named like a deployment role (`stacksets-exec-mine`)",
         EXPLICIT, member_request(admin, "iam:CreateRole", f"arn:aws:iam::{member}:role/stacksets-exec-mine")),
        ("org-admin-trusts-deployer", who_admin, "Lets itself assume the StackSets execution role (its trust policy)",
         EXPLICIT, member_request(admin, "iam:UpdateAssumeRolePolicy", deployer)),
        ("org-admin-own-role", who_admin, "Creates a role of its own (`app-role`)", ALLOWED,
         member_request(admin, "iam:CreateRole", f"arn:aws:iam::{member}:role/app-role")),
        ("org-bootstrap-cdk", "The bootstrapping role (`OrganizationAccountAccessRole`, a bootstrap principal)",
         "Creates CDK's CloudFormation execution role (`cdk bootstrap`)", ALLOWED,
         member_request(f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", "iam:CreateRole",
                        f"arn:aws:iam::{member}:role/cdk-hnb659fds-cfn-exec-role-{member}-{REGION}")),
    ):  # fmt: skip
        b.add(row_id, section, who, does, "any", expected, SCP, request)

    bucket = f"arn:aws:s3:::evidence-{member}"
    widened = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": [bucket, f"{bucket}/*"]}]}  # fmt: skip

    def evidence(principal: str, org_id: str | None, action: str = "s3:GetObject") -> SimulationRequest:
        service = principal.endswith(".amazonaws.com")
        context: dict[str, ContextValue] = {"aws:PrincipalIsAWSService": "true" if service else "false"}
        if org_id is not None:
            context["aws:PrincipalOrgID"] = org_id
        return SimulationRequest(
            principal=principal, action=action, resource=f"{bucket}/AWSLogs/object.json.gz", resource_account=member,
            context=context, identity_policies=[] if service else anything, resource_policy=widened,
            resource_control_policies=rcps,
        )  # fmt: skip

    section = "Organization: the evidence perimeter (RCP), even under a bucket policy widened to everyone"
    b.add("org-stranger-reads-evidence", section, "A principal of another organization", "GetObject on a member's evidence",
          "any", EXPLICIT, RCP, evidence("arn:aws:iam::999988887777:role/Stranger", "o-zz99zz99zz"))  # fmt: skip
    b.add("org-member-reads-evidence", section, who_admin, "GetObject on its account's evidence", "any", ALLOWED, RCP,
          evidence(admin, organization_id))  # fmt: skip
    b.add("org-cloudtrail-delivers", section, "CloudTrail (an AWS service)", "PutObject of a log file", "any", ALLOWED, RCP,
          evidence("cloudtrail.amazonaws.com", None, "s3:PutObject"))  # fmt: skip

    section = "Organization: the organization's guardrail, applied from member accounts"
    (resource_policy,) = org.of_type("AWS::Bedrock::ResourcePolicy")
    document = org.resolve(org.properties(resource_policy)["PolicyDocument"])
    guardrail_arn = str(org.resolve(org.properties(resource_policy)["ResourceArn"]))

    def apply(org_id: str) -> SimulationRequest:
        return SimulationRequest(
            principal=admin, action="bedrock:ApplyGuardrail", resource=guardrail_arn,
            context={"aws:PrincipalOrgID": org_id}, identity_policies=anything, resource_policy=document,
        )  # fmt: skip

    b.add("org-apply-guardrail", section, who_admin, "ApplyGuardrail on the organization's guardrail", "any",
          ALLOWED, GUARDRAIL_RBP, apply(organization_id))  # fmt: skip
    b.add("org-apply-guardrail-outside", section, "A principal of another organization",
          "ApplyGuardrail on the organization's guardrail", "any", IMPLICIT, GUARDRAIL_RBP,
          SimulationRequest(principal="arn:aws:iam::999988887777:role/Stranger", action="bedrock:ApplyGuardrail",
                            resource=guardrail_arn, context={"aws:PrincipalOrgID": "o-zz99zz99zz"},
                            identity_policies=anything, resource_policy=document))  # fmt: skip
    (key_id,) = org.of_type("AWS::KMS::Key")
    key_policy = org.resolve(org.properties(key_id)["KeyPolicy"])
    key_arn = f"arn:aws:kms:{REGION}:{org.account}:key/{key_id}"

    def decrypt(principal: str, org_id: str) -> SimulationRequest:
        return SimulationRequest(
            principal=principal, action="kms:Decrypt", resource=key_arn, resource_account=org.account,
            context={"aws:PrincipalOrgID": org_id, "kms:ViaService": f"bedrock.{REGION}.amazonaws.com"},
            identity_policies=anything, resource_policy=key_policy,
        )  # fmt: skip

    b.add("org-guardrail-key", section, who_admin, "Decrypt with the organization guardrail's key, through Bedrock",
          "any", ALLOWED, KMS_GUARDRAIL, decrypt(admin, organization_id))  # fmt: skip
    b.add("org-guardrail-key-outside", section, "A principal of another organization",
          "Decrypt with the organization guardrail's key, through Bedrock", "any", IMPLICIT, KMS_GUARDRAIL,
          decrypt("arn:aws:iam::999988887777:role/Stranger", "o-zz99zz99zz"))  # fmt: skip
    return b.rows


def archive_rows(archive: Deployed, member: Deployed) -> list[Row]:
    """The organization's evidence archive (a log-archive account) as a member account reaches it: its
    administrator (``*:*`` at home) and its replication role, as the member's template grants it."""
    from stacks.documents import organization as o

    organization_id = o.reference_organization().organization_id
    b = _Builder(archive)
    admin = f"arn:aws:iam::{member.account}:role/Admin"
    replication_role = member.find("AWS::IAM::Role", "ArchiveReplication")
    replicator = member.role_arn(replication_role)
    replication_policies = member.identity_policies(replication_role)
    bucket = archive.find("AWS::S3::Bucket", "ArchiveBucket(?!AccessLogs)")
    bucket_arn = str(archive.get_att(bucket, "Arn"))
    key = archive.find("AWS::KMS::Key", "ArchiveKey")
    key_arn = str(archive.get_att(key, "Arn"))
    bucket_policy = archive.bucket_policy(bucket)
    obj = f"{bucket_arn}/bedrock/AWSLogs/{member.account}/BedrockModelInvocationLogs/us-east-1/2026/12/06/00/log.json.gz"
    section = "Organization: the evidence archive (log-archive account), from a member account"

    def to_archive(
        principal: str,
        action: str,
        resource: str = obj,
        org: str = organization_id,
        identity: list[dict[str, Any]] | None = None,
        context: Mapping[str, ContextValue] | None = None,
        policy: Mapping[str, Any] | None = None,
    ) -> SimulationRequest:
        return SimulationRequest(
            principal=principal, action=action, resource=resource, resource_account=archive.account,
            context={"aws:PrincipalOrgID": org, **(context or {})},
            identity_policies=[{"name": "AdministratorAccess", "policy": _allow_everything()}] if identity is None else identity,
            resource_policy=bucket_policy if policy is None else policy,
        )  # fmt: skip

    who_admin = "Member account administrator (`*:*` in its own account)"
    who_replicator = "Member account's replication role (as its template grants it)"
    via_s3 = {
        "kms:ViaService": "s3.us-east-1.amazonaws.com",
        "kms:ResourceAliases": ["alias/secure-bedrock-evidence-archive"],
    }
    for row_id, who, does, expected, request in (
        ("archive-admin-deletes", who_admin, "Deletes a version of its evidence in the archive", IMPLICIT,
         to_archive(admin, "s3:DeleteObjectVersion")),
        ("archive-admin-overwrites", who_admin, "Writes over its evidence in the archive (PutObject)", IMPLICIT,
         to_archive(admin, "s3:PutObject")),
        ("archive-admin-shortens-lock", who_admin, "Shortens an archived version's retention", IMPLICIT,
         to_archive(admin, "s3:PutObjectRetention")),
        ("archive-admin-bucket-policy", who_admin, "Rewrites the archive's bucket policy", IMPLICIT,
         to_archive(admin, "s3:PutBucketPolicy", bucket_arn)),
        ("archive-admin-decrypts", who_admin, "Decrypts with the archive's key", IMPLICIT,
         to_archive(admin, "kms:Decrypt", key_arn, policy=archive.key_policy(key))),
        ("archive-replicates", who_replicator, "Replicates a new version of its own logs into the archive", ALLOWED,
         to_archive(replicator, "s3:ReplicateObject", identity=replication_policies,
                    context={"aws:PrincipalAccount": member.account})),
        ("archive-replicate-key", who_replicator, "Encrypts the replica with the archive's key, through S3", ALLOWED,
         to_archive(replicator, "kms:GenerateDataKey", key_arn, identity=replication_policies, context=via_s3,
                    policy=archive.key_policy(key))),
        ("archive-replicates-elsewhere", who_replicator, "Replicates a version under another account's logs", IMPLICIT,
         to_archive(replicator, "s3:ReplicateObject", obj.replace(f"/AWSLogs/{member.account}/", "/AWSLogs/999988887777/"),
                    identity=replication_policies, context={"aws:PrincipalAccount": member.account})),
        ("archive-replicates-delete", who_replicator, "Replicates a delete (marker) into the archive", IMPLICIT,
         to_archive(replicator, "s3:ReplicateDelete", identity=replication_policies)),
        ("archive-replicator-deletes", who_replicator, "Deletes a version in the archive", IMPLICIT,
         to_archive(replicator, "s3:DeleteObjectVersion", identity=replication_policies)),
        ("archive-stranger-replicates", "A role of another organization, named like the replication role",
         "Replicates into the archive", IMPLICIT,
         to_archive("arn:aws:iam::999988887777:role/secure-bedrock-evidence-replication-us-east-1", "s3:ReplicateObject",
                    org="o-zz99zz99zz")),
    ):  # fmt: skip
        b.add(row_id, section, who, does, "any", expected, ARCHIVE, request)
    return b.rows


def stackset_asset_rows(assets: Deployed) -> list[Row]:
    """The StackSets' asset bucket (the administrator account's, one per region) as the organization's
    accounts reach it: a member's StackSets execution role reads the baseline's code through S3, and
    nothing else; a role of another organization, nothing."""
    from stacks.documents import organization as o

    organization_id = o.reference_organization().organization_id
    b = _Builder(assets)
    member = "555566667777"
    executor = f"arn:aws:iam::{member}:role/stacksets-exec-0123456789abcdef"
    bucket = assets.find("AWS::S3::Bucket", "AssetsBucket(?!AccessLogs)")
    bucket_arn = str(assets.get_att(bucket, "Arn"))
    key = assets.find("AWS::KMS::Key", "AssetsKey")
    key_arn = str(assets.get_att(key, "Arn"))
    code = f"{bucket_arn}/44b78e6e156d0cebf265e0e1d8716389d8209d7f116dabd898834280b27a30c4.zip"
    section = "Organization: the StackSets' Lambda code (administrator account), from a member account"

    def to_assets(
        principal: str,
        action: str,
        resource: str = code,
        org: str = organization_id,
        context: Mapping[str, ContextValue] | None = None,
        policy: Mapping[str, Any] | None = None,
    ) -> SimulationRequest:
        return SimulationRequest(
            principal=principal, action=action, resource=resource, resource_account=assets.account,
            context={"aws:PrincipalOrgID": org, **(context or {})},
            identity_policies=[{"name": "AdministratorAccess", "policy": _allow_everything()}],
            resource_policy=assets.bucket_policy(bucket) if policy is None else policy,
        )  # fmt: skip

    who = "Member account's StackSets execution role (`*:*` in its own account)"
    via_s3 = {"kms:ViaService": f"s3.{assets.region}.amazonaws.com"}
    for row_id, who_, does, expected, request in (
        ("stackset-code-read", who, "Reads the baseline's Lambda code (creating its functions)", ALLOWED,
         to_assets(executor, "s3:GetObject")),
        ("stackset-code-decrypt", who, "Decrypts the code through S3", ALLOWED,
         to_assets(executor, "kms:Decrypt", key_arn, context=via_s3, policy=assets.key_policy(key))),
        ("stackset-code-decrypt-directly", who, "Decrypts with the asset key directly (not through S3)", IMPLICIT,
         to_assets(executor, "kms:Decrypt", key_arn, policy=assets.key_policy(key))),
        ("stackset-code-overwrite", who, "Writes over the code every member deploys (PutObject)", IMPLICIT,
         to_assets(executor, "s3:PutObject")),
        ("stackset-code-delete", who, "Deletes a version of the code", IMPLICIT,
         to_assets(executor, "s3:DeleteObjectVersion")),
        ("stackset-code-policy", who, "Rewrites the asset bucket's policy", IMPLICIT,
         to_assets(executor, "s3:PutBucketPolicy", bucket_arn)),
        ("stackset-code-stranger", "A role of another organization", "Reads the code", IMPLICIT,
         to_assets("arn:aws:iam::999988887777:role/stacksets-exec-0123456789abcdef", "s3:GetObject",
                   org="o-zz99zz99zz")),
    ):  # fmt: skip
        b.add(row_id, section, who_, does, "any", expected, STACKSET_ASSETS, request)
    return b.rows


def _allow_everything() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def all_rows(
    reference: Deployed,
    byo: Deployed,
    during: Deployed,
    after: Deployed,
    org: Deployed | None = None,
    archive: Deployed | None = None,
    assets: Deployed | None = None,
) -> list[Row]:
    """The rows of every template."""
    return [
        *reference_rows(reference),
        *byo_rows(byo),
        *transition_rows(during, after),
        *(organization_rows(org) if org is not None else []),
        *(archive_rows(archive, reference) if archive is not None else []),
        *(stackset_asset_rows(assets) if assets is not None else []),
    ]


@dataclass(frozen=True)
class Matrix:
    """The evaluated rows and their document."""

    evaluated: tuple[Evaluated, ...]
    markdown: str

    def row(self, row_id: str) -> Evaluated:
        (found,) = [item for item in self.evaluated if item.row.id == row_id]
        return found


def matrix_for(
    reference_template: Mapping[str, Any], stack_name: str, byo_template: Mapping[str, Any]
) -> Matrix:
    """Evaluate every row of the reference environment, the bring-your-own example and the guardrail
    transition (:mod:`stacks.documents.transition`, synthesized here), and render them."""
    reference = Deployed(reference_template, account=ACCOUNT, region=REGION, stack_name=stack_name)
    byo = Deployed(byo_template, account=ACCOUNT, region=REGION, stack_name="ByoExample")
    during = Deployed(
        transition.transition_template(),
        account=ACCOUNT,
        region=REGION,
        stack_name=transition.STACK_NAME,
        guardrail_version=transition.NEW_VERSION,
    )
    after = Deployed(
        reference_template,
        account=ACCOUNT,
        region=REGION,
        stack_name=stack_name,
        guardrail_version=transition.NEW_VERSION,
    )
    from stacks.documents import organization

    org = Deployed(
        organization.organization_template(),
        account=organization.MANAGEMENT_ACCOUNT,
        region=REGION,
        stack_name=organization.reference_organization().stack_name,
    )
    log_archive = organization.reference_organization().log_archive
    archive = (
        Deployed(
            organization.archive_template(),
            account=log_archive.account,
            region=REGION,
            stack_name=log_archive.stack_name,
        )
        if log_archive is not None
        else None
    )
    stacksets = organization.reference_organization().stacksets
    assets = (
        Deployed(
            organization.stackset_assets_template(),
            account=organization.MANAGEMENT_ACCOUNT,
            region=REGION,
            stack_name=f"{stacksets.stack_name}Assets-{REGION}",
        )
        if stacksets is not None
        else None
    )
    evaluated = tuple(evaluate_rows(all_rows(reference, byo, during, after, org, archive, assets)))
    return Matrix(evaluated, render_access_matrix(evaluated))
