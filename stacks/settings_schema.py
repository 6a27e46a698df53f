"""The ``secure-bedrock`` block's shape, as pydantic models: the source of ``docs/settings.schema.json``
(completion and checking of cdk.json in an editor) and of the settings table in ``docs/settings.md``.

The loader (``stacks/settings.py``) does the checking at synth: everything the schema says, and the
rules between settings that a schema cannot say (a team's models among the approved ones, a hard stop
needs a budget, more than two zones need an account, ...), with every wrong setting reported at once.
It does not use these models: pydantic stops a model's cross-setting checks as soon as one of its
fields is wrong, so a block with two mistakes in one group would be reported one at a time. Tests keep
the two in step: the same keys at every level, and no block the loader accepts is refused here.

Only ``make docs`` and the tests import this module (pydantic is a development dependency).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from secure_bedrock import INVOCATION_LOG_DATA_TYPES, BedrockEndpointService
from secure_bedrock._validation import (
    ACCOUNT_ID_PATTERN,
    EMAIL_PATTERN,
    MAX_SAFE_NUMBER,
    PRINCIPAL_ARN_PATTERN,
    known_regions,
)
from secure_bedrock.budgets import MAX_EMAIL_SUBSCRIBERS, MAX_THRESHOLDS, MIN_THRESHOLD
from secure_bedrock.guardrail import PROFILE_ID_PATTERN
from secure_bedrock.models import FOUNDATION_MODEL_ID_PATTERN
from secure_bedrock.network import MAX_INGRESS_RULES
from secure_bedrock.organization import (
    GUARDRAIL_ARN_PATTERN,
    KEY_ARN_PATTERN,
    ORGANIZATION_ID_PATTERN,
    TARGET_ID_PATTERN,
)
from secure_bedrock.residency import GEOGRAPHIES_OF_RESIDENCY
from secure_bedrock.rollout import ASSET_BUCKET_PREFIX_PATTERN, ORGANIZATIONAL_UNIT_PATTERN
from secure_bedrock.teams import (
    COST_CENTER_TAG,
    MAX_TEAM_NAME,
    TAG_VALUE_PATTERN,
    TEAM_NAME_PATTERN,
    TEAM_TAG,
)
from stacks.settings import (
    CONTEXT_KEY,
    MAX_STACK_TAGS,
    MIN_RETENTION_DAYS,
    RETENTION_DAYS,
    STACK_NAME_PATTERN,
    TAG_KEY_PATTERN,
    TAG_TEXT_PATTERN,
)

#: Where the schema is published, as its ``$id`` (a relative reference: the file is in the repository).
SCHEMA_ID = "settings.schema.json"
MAX_DAYS = 36500


def ecma(pattern: re.Pattern[str]) -> str:
    """A Python pattern as JSON Schema writes it (ECMA-262): ``\\Z`` is ``$``."""
    return pattern.pattern.replace(r"\Z", "$")


def _one_of(values: list[Any]) -> WithJsonSchema:
    return WithJsonSchema({"enum": values})


Region = Annotated[str, _one_of(sorted(known_regions()))]
PrincipalArn = Annotated[str, Field(pattern=ecma(PRINCIPAL_ARN_PATTERN))]
Email = Annotated[str, Field(pattern=ecma(EMAIL_PATTERN))]
HttpsUrl = Annotated[str, Field(pattern=r"^https://\S{4,}$")]
Days = Annotated[int, Field(ge=MIN_RETENTION_DAYS, le=MAX_DAYS)]
Dollars = Annotated[float, Field(gt=0, le=MAX_SAFE_NUMBER)]
FoundationModelId = Annotated[str, Field(pattern=ecma(FOUNDATION_MODEL_ID_PATTERN))]


class _Block(BaseModel):
    """Unknown keys are errors, as in the loader."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


def setting(default: Any, meaning: str, *, shown: str | None = None, **constraints: Any) -> Any:
    """A field: its default, its meaning (markdown, for the table and for editors), and how the table
    shows the default when the value alone would not say it (``shown``)."""
    extra: dict[str, Any] = {"markdownDescription": meaning}
    if shown is not None:
        extra["x-default-shown"] = shown
    return Field(default, description=_plain(meaning), json_schema_extra=extra, **constraints)


def _plain(markdown: str) -> str:
    """``markdown`` without link targets and backticks, for editors that show plain descriptions."""
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown).replace("`", "")


class CustomProfile(_Block):
    """A cross-region inference profile missing from the catalog."""

    profile_id: str = Field(description="the profile id, e.g. 'eu.provider.model-v1:0'")
    source_regions: list[Region] = Field(min_length=1, description="the regions it can be called from")
    destination_regions: list[Region] = Field(
        default_factory=list, description="the regions it routes to; empty for a global profile"
    )


class Network(_Block):
    vpc_cidr: str = setting(
        "10.0.0.0/16",
        "the VPC's IPv4 range (/16 to /24; IPv6, multicast, reserved, loopback, link-local and `0.0.0.0/8` "
        "ranges are refused)",
    )
    max_azs: int = setting(2, "availability zones; more than 2 needs `account`", ge=2, le=6)
    endpoint_services: list[
        Annotated[
            str,
            _one_of(
                [s.endpoint_suffix for s in BedrockEndpointService if s is not BedrockEndpointService.MANTLE]
            ),
        ]
    ] = setting(
        ["bedrock-runtime", "bedrock"],
        "also: `bedrock-agent-runtime` (this account's agents, flows and knowledge bases only: see "
        "[access.md](access.md#the-agent-runtime-and-mantle-endpoints)), `bedrock-agent`, "
        "`bedrock-data-automation`, `bedrock-data-automation-runtime`; `bedrock-runtime` is always created; "
        "`bedrock` is required (the invocation-logging handler sets the account's configuration through "
        "it). Not `bedrock-mantle`: its calls escape model invocation logging (see "
        "[access.md](access.md#the-agent-runtime-and-mantle-endpoints))",
    )
    allowed_cidrs: list[str] = setting(
        [],
        f"client IPv4 networks admitted to the endpoints on 443 (never `0.0.0.0/0`), at most {MAX_INGRESS_RULES}",
        shown="`[]` = the VPC's range",
        max_length=MAX_INGRESS_RULES,
    )


class ObjectLockSetting(_Block):
    mode: Literal["COMPLIANCE", "GOVERNANCE"]
    days: Days


class Evidence(_Block):
    invocation_log_data_types: list[Literal[INVOCATION_LOG_DATA_TYPES]] = setting(  # type: ignore[valid-type]
        list(INVOCATION_LOG_DATA_TYPES),
        "what model invocation logging records; must include `text` (the Bedrock rules require text delivery)",
        shown="all of `text`, `image`, `embedding`, `video`, `audio`",
        min_length=1,
    )
    retention_days: Days = setting(
        MIN_RETENTION_DAYS, f"days the evidence buckets keep each object ({MIN_RETENTION_DAYS} to {MAX_DAYS})"
    )
    object_lock: ObjectLockSetting | None = setting(
        None,
        f'`{{"mode": "COMPLIANCE" or "GOVERNANCE", "days": N}}` with `N` from {MIN_RETENTION_DAYS} to '
        f"{MAX_DAYS} and no more than `evidence.retention_days`: write-once evidence; switching it on for a "
        "deployed stack replaces the evidence buckets (CloudFormation cannot add Object Lock in place: "
        "[AWS::S3::Bucket](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
        "aws-resource-s3-bucket.html); the old ones are retained)",
    )
    adopt_existing_logging: bool = setting(
        False,
        "take over a model invocation logging configuration that someone else set in the account and region "
        "(it is saved and put back when the stack is deleted); `false`: the deploy stops and the reason says "
        "what is configured. Another landing zone's configuration is never taken over. See "
        "[evidence.md](evidence.md#who-owns-the-logging-setting)",
    )
    audit_trail: bool = setting(
        True,
        "create the Bedrock audit trail (`false` where an organization trail already records Bedrock data events)",
    )
    auditor_principals: list[PrincipalArn] = setting(
        [],
        "IAM principal ARNs that may assume the auditor role; empty: only the auditor's managed policy is created",
    )


class Guardrail(_Block):
    deny_medical_advice: bool = setting(
        True, "add diagnosis and treatment advice as a denied topic to the HIPAA preset"
    )
    cross_region_profile: Annotated[str, Field(pattern=ecma(PROFILE_ID_PATTERN))] | None = setting(
        None, "a guardrail profile id such as `us.guardrail.v1:0`"
    )
    cross_region_destinations: list[Region] = setting(
        [],
        "the regions that profile routes to (for `ApplyGuardrail` permissions); needs `cross_region_profile`",
    )
    previous_version: Annotated[str, Field(pattern=r"^[1-9][0-9]{0,7}$")] | None = setting(
        None,
        "during a guardrail change, the version number callers pass now (the stack output `GuardrailVersion`, "
        'e.g. `"3"`): the roles accept it beside the new version until you set it back to `null` '
        "([upgrading.md](upgrading.md#changing-the-guardrail))",
    )
    organization_guardrail: OrganizationGuardrailSetting | None = setting(
        None,
        'in a member account where the organization enforces its guardrail: `{"guardrail_arn": ..., '
        '"key_arn": ...}` (the organization stack\'s outputs); the invoker and team roles and the runtime '
        "endpoint admit `ApplyGuardrail` on it and `kms:Decrypt` on its key",
    )
    enforce_in_account: bool = setting(
        True,
        "apply the guardrail to every model call of the account and region, with comprehensive content "
        "guarding (callers cannot exempt parts of a prompt); one configuration per account and region. "
        "`false` leaves IAM enforcement only: see [access.md](access.md#guardrail-enforcement-in-the-account)",
    )


class Team(_Block):
    name: str = Field(
        pattern=ecma(TEAM_NAME_PATTERN),
        max_length=MAX_TEAM_NAME,
        description="the team's name, e.g. 'claims'",
    )
    cost_center: str = Field(
        pattern=ecma(TAG_VALUE_PATTERN), description="the cost-center tag, e.g. 'CC-1001'"
    )
    models: list[str] = Field(min_length=1, description="approved model ids (from secure-bedrock.models)")
    principals: list[PrincipalArn] = Field(
        default_factory=list, description="who may assume the team's invoker role; empty: this account"
    )
    monthly_budget_usd: Dollars | None = Field(None, description="the team's monthly budget")
    hard_stop: bool = Field(False, description="deny the team's calls once its budget is exceeded")


class Monitoring(_Block):
    alarm_emails: list[Email] = setting([], "addresses subscribed to the alarm topic")
    https_endpoints: list[HttpsUrl] = setting([], "HTTPS endpoints subscribed to the alarm topic")
    tpm_quotas: dict[str, Annotated[int, Field(gt=0, le=MAX_SAFE_NUMBER)]] = setting(
        {}, "tokens-per-minute quota per approved model id, for quota alarms at 80 %"
    )


class Budgets(_Block):
    monthly_limit_usd: Dollars | None = setting(
        None,
        "the account's monthly Bedrock budget (needed for team budgets)",
        shown="`null` = no budgets",
    )
    thresholds_percent: list[Annotated[float, Field(ge=MIN_THRESHOLD, le=100)]] = setting(
        [50, 80, 100],
        f"ACTUAL-spend notification thresholds, each from {MIN_THRESHOLD} to 100, at most {MAX_THRESHOLDS} (a "
        "FORECASTED 100 % is always added, and AWS allows 5 notifications per budget: "
        "[AWS::Budgets::Budget](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
        "aws-resource-budgets-budget.html))",
        min_length=1,
        max_length=MAX_THRESHOLDS,
    )
    emails: list[Email] = setting(
        [],
        f"addresses the budgets notify directly (besides the topic), at most {MAX_EMAIL_SUBSCRIBERS} "
        "([CreateNotification](https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/"
        "API_budgets_CreateNotification.html)), no duplicates",
        max_length=MAX_EMAIL_SUBSCRIBERS,
    )


class OrganizationGuardrailSetting(_Block):
    guardrail_arn: str = Field(
        pattern=ecma(GUARDRAIL_ARN_PATTERN),
        description="the organization stack's output OrganizationGuardrailArn",
    )
    key_arn: str = Field(
        pattern=ecma(KEY_ARN_PATTERN),
        description="the organization stack's output OrganizationGuardrailKeyArn",
    )


PrincipalPattern = Annotated[str, Field(pattern=r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):\S+$")]


class LogArchive(_Block):
    account: str = Field(
        pattern=ecma(ACCOUNT_ID_PATTERN), description="the log-archive account's 12-digit id"
    )
    stack_name: str = Field(
        "SecureBedrockLogArchive",
        pattern=ecma(STACK_NAME_PATTERN),
        description="the log-archive stack's name",
    )
    auditor_principals: list[PrincipalArn] = Field(
        [], description="IAM principal ARNs that may read the archive (and decrypt it)"
    )


class Member(_Block):
    account: str = Field(pattern=ecma(ACCOUNT_ID_PATTERN), description="the member account's 12-digit id")
    regions: list[Region] = Field(
        min_length=1, description="the regions it gets the baseline in (a CDK stage each)"
    )


class StackSets(_Block):
    organizational_units: list[Annotated[str, Field(pattern=ecma(ORGANIZATIONAL_UNIT_PATTERN))]] = Field(
        min_length=1, description="the OUs (`ou-...`) or the root (`r-...`) whose accounts get the baseline"
    )
    regions: list[Region] = Field(
        min_length=1, description="the regions: one StackSet each, inside the residency"
    )
    asset_bucket_prefix: str = Field(
        None,  # type: ignore[assignment]
        pattern=ecma(ASSET_BUCKET_PREFIX_PATTERN),
        description="the asset buckets are `<prefix>-<region>`; default `secure-bedrock-stackset-assets-<administrator account>`",
    )
    stack_name: str = Field(
        "SecureBedrockStackSets", pattern=ecma(STACK_NAME_PATTERN), description="the StackSets' stack"
    )
    account: Annotated[str, Field(pattern=ecma(ACCOUNT_ID_PATTERN))] | None = Field(
        None, description="a delegated StackSets administrator; default: the organization's account"
    )
    failure_tolerance_percentage: int = Field(
        10, ge=0, le=100, description="accounts that may fail, per region"
    )
    max_concurrent_percentage: int = Field(25, ge=1, le=100, description="accounts deployed at once")
    auto_deploy: bool = Field(True, description="deploy to accounts that join the OUs")


class Organization(_Block):
    stack_name: str = setting(
        "SecureBedrockOrganization",
        "the management account's stack (ASCII letters, digits, `-`); not the account stack's name",
        pattern=ecma(STACK_NAME_PATTERN),
    )
    account: Annotated[str, Field(pattern=ecma(ACCOUNT_ID_PATTERN))] | None = setting(
        None,
        "the management (or delegated administrator) account id, or `null` for an account-agnostic template",
    )
    organization_id: str = setting(
        ...,
        "the organization (`o-...`): the evidence perimeter RCP admits only its principals, and only they may "
        "apply its guardrail",
        shown="required",
        pattern=ecma(ORGANIZATION_ID_PATTERN),
    )
    target_ids: list[Annotated[str, Field(pattern=ecma(TARGET_ID_PATTERN))]] = setting(
        ...,
        "the roots (`r-...`), OUs (`ou-...`) or accounts the policies attach to",
        shown="required, non-empty",
        min_length=1,
    )
    deployment_principals: list[PrincipalPattern] = setting(
        ...,
        "ARN patterns of the roles that deploy the landing zones (e.g. `arn:aws:iam::*:role/stacksets-exec-*`): "
        "only they change invocation logging, guardrails, and the landing zones' endpoints, keys and log groups",
        shown="required, non-empty",
        min_length=1,
    )
    bootstrap_principals: list[PrincipalPattern] = setting(
        [],
        "ARN patterns of the roles that bootstrap CDK in member accounts (e.g. "
        "`arn:aws:iam::*:role/OrganizationAccountAccessRole`): besides the deployment principals, the only "
        "ones that may create or change a role named like a deployment role (`ProtectDeploymentRoles`)",
    )
    model_access_principals: list[PrincipalPattern] = setting(
        [],
        "ARN patterns of the roles that may change model access (Marketplace subscriptions, agreements)",
        shown="`[]` = the deployment principals",
    )
    regulated: bool = setting(
        True, "deny the `bedrock-mantle` endpoint, whose calls invocation logging misses"
    )
    enforce_guardrail: bool = setting(
        True,
        "a HIPAA guardrail in the management account, enforced on every model call of the targets in the "
        "stack's region by the Organizations Bedrock policy",
    )
    log_archive: LogArchive | None = setting(
        None,
        '`{"account": "444455556666", "stack_name": "SecureBedrockLogArchive", "auditor_principals": [...]}`: '
        "the organization's evidence archive (Object Lock, its own key), a third stack; the account stack "
        "replicates its invocation logs and trail there ([organization.md](organization.md#central-evidence)); "
        "`null`: no archive",
    )
    members: list[Member] = setting(
        [],
        '`[{"account": "555566667777", "regions": ["us-east-1"]}]`: member accounts that get the account '
        "baseline, a CDK stage per account and region, deployed by the generated rollout workflow "
        "([organization.md](organization.md#rollout)); each region inside the residency",
    )
    stacksets: StackSets | None = setting(
        None,
        '`{"organizational_units": ["ou-..."], "regions": ["us-east-1", ...], "failure_tolerance_percentage": 10, '
        '"max_concurrent_percentage": 25, "auto_deploy": true}`: the account baseline as one service-managed '
        "StackSet per region to whole OUs, new accounts included, from the organization's account (or "
        "`account`, a delegated administrator); its Lambda code in an asset bucket per region "
        "(`asset_bucket_prefix`), a stack each ([organization.md](organization.md#rollout)); `null`: none",
    )


ModelSetting = Annotated[
    FoundationModelId | Annotated[str, Field(pattern=r"^[a-z]+(-gov)?\..+$")] | CustomProfile,
    Field(description="a model or inference-profile id, or a custom profile object"),
]


class SecureBedrockSettings(_Block):
    """The ``secure-bedrock`` block of cdk.json's context: the reference environment's settings."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re", title="secure-bedrock settings")

    stack_name: str = setting(
        "SecureBedrockHipaa",
        "CloudFormation stack name (ASCII letters, digits, `-`)",
        pattern=ecma(STACK_NAME_PATTERN),
    )
    region: Region = setting("us-east-1", "the stack's region; every model must be callable from it")
    account: Annotated[str, Field(pattern=ecma(ACCOUNT_ID_PATTERN))] | None = setting(
        None, "a 12-digit account id, or `null` for an account-agnostic template"
    )
    models: list[ModelSetting] = setting(
        ...,
        "approved models: catalog ids (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`), any foundation-model id "
        '(`amazon.titan-embed-text-v2:0`), or a custom profile object `{"profile_id": ..., "source_regions": '
        '[...], "destination_regions": [...]}`',
        shown="required, non-empty",
        min_length=1,
    )
    allowed_principals: list[PrincipalArn] = setting(
        [],
        "IAM principal ARNs (account roots, roles, users) that may use the endpoints",
        shown="`[]` = this account",
    )
    network: Network = Field(default_factory=Network)
    log_retention_days: Literal[tuple(d for d in RETENTION_DAYS if d >= MIN_RETENTION_DAYS)] = setting(  # type: ignore[valid-type]
        MIN_RETENTION_DAYS,
        f"a CloudWatch Logs retention value of at least {MIN_RETENTION_DAYS} (six years)",
    )
    evidence: Evidence = Field(default_factory=Evidence)
    guardrail: Guardrail = Field(default_factory=Guardrail)
    invoker_principals: list[PrincipalArn] = setting(
        [], "IAM principal ARNs that may assume the invoker role", shown="`[]` = this account"
    )
    administrator_principals: list[PrincipalArn] = setting(
        [], "IAM principal ARNs that may assume the administrator role", shown="`[]` = this account"
    )
    teams: list[Team] = setting(
        [],
        '`[{"name": "claims", "cost_center": "CC-1001", "models": [approved ids], "principals": [ARNs], '
        '"monthly_budget_usd": 500, "hard_stop": true}]`; `principals` empty = this account; `hard_stop` needs '
        "a budget; names are lower-case letters and digits with single `-` between them, starting with a "
        f"letter, at most {MAX_TEAM_NAME} characters (`claims-east`, not `claims--east` or `claims-`), and must "
        "differ in more than `-`; cost centres are ASCII; no model twice in a team",
        shown="`[]` (`cdk.json` carries two examples)",
    )
    monitoring: Monitoring = Field(default_factory=Monitoring)
    budgets: Budgets = Field(default_factory=Budgets)
    tags: Annotated[
        dict[str, str],
        WithJsonSchema(
            {
                "type": "object",
                # Keys: the loader's pattern, not 'aws:' (in any case), not the two tags teams carry.
                "propertyNames": {
                    "pattern": "^(?![aA][wW][sS]:)" + ecma(TAG_KEY_PATTERN)[1:],
                    "not": {"enum": [TEAM_TAG, COST_CENTER_TAG]},
                },
                "additionalProperties": {"type": "string", "pattern": ecma(TAG_TEXT_PATTERN)},
            }
        ),
    ] = setting(
        {},
        "tags for every resource of the stack; ASCII keys and non-empty ASCII values (application inference "
        f"profiles reject anything else); at most {MAX_STACK_TAGS} (AWS resources take 50, and team profiles "
        "carry two more); never `team` or `cost-center`, which the landing zone sets per team for cost "
        "allocation (a stack-wide value would replace every team's)",
        max_length=MAX_STACK_TAGS,
    )
    residency: Annotated[
        str | list[Region] | None,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "null"},
                    {"enum": list(GEOGRAPHIES_OF_RESIDENCY)},
                    {"type": "array", "minItems": 1, "items": {"enum": sorted(known_regions())}},
                ]
            }
        ),
    ] = setting(
        None,
        "where prompts, responses and guardrail evaluations may be processed: a geography (`us`, `us-gov`, "
        "`eu`, `ca`, `apac`, `jp`, `au`: the regions aws-cdk-lib knows by that prefix, or the country's) or a "
        "list of region names. The stack's region, every model's routing (geographic and global profiles) and "
        "the guardrail profile's regions are checked against it; `null`: no check. `eu` means AWS's `eu-*` "
        "regions, London and Zurich among them: name the regions where only EU member states will do",
        shown="`null` = no check",
    )
    organization: Organization | None = setting(
        None,
        "the organization reference stack (the management account's SCPs, RCP and Bedrock policy, from the same "
        "models and residency): [organization.md](organization.md); `null`: no organization stack",
    )


def block_schema() -> dict[str, Any]:
    """The JSON Schema of the ``secure-bedrock`` block."""
    schema: dict[str, Any] = SecureBedrockSettings.model_json_schema()
    return schema


def cdk_json_schema() -> dict[str, Any]:
    """A JSON Schema for a whole cdk.json: anything CDK accepts, with the ``secure-bedrock`` block of its
    context described (``docs/settings.md`` says how to point an editor at it)."""
    block = block_schema()
    definitions = block.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "cdk.json with secure-bedrock settings",
        "type": "object",
        "properties": {
            "context": {
                "type": "object",
                "properties": {CONTEXT_KEY: {"$ref": "#/$defs/SecureBedrockSettings"}},
            }
        },
        "$defs": {**definitions, "SecureBedrockSettings": block},
    }


def render_schema() -> str:
    """``docs/settings.schema.json``."""
    return json.dumps(cdk_json_schema(), indent=2, sort_keys=True) + "\n"


def settings_fields() -> dict[str, Any]:
    """Every setting by its path (``network.vpc_cidr``): the pydantic field."""
    fields: dict[str, Any] = {}
    for name, field in SecureBedrockSettings.model_fields.items():
        group = field.annotation
        members = getattr(group, "__args__", ())
        optional = [a for a in members if a is not type(None)]
        if (
            type(None) in members
            and len(optional) == 1
            and isinstance(optional[0], type)
            and issubclass(optional[0], _Block)
        ):
            group = optional[0]
            fields[name] = field
        if isinstance(group, type) and issubclass(group, _Block):
            fields.update({f"{name}.{inner}": f for inner, f in group.model_fields.items()})
        else:
            fields[name] = field
    return fields


def _shown_default(field: Any) -> str:
    extra = field.json_schema_extra or {}
    if "x-default-shown" in extra:
        return str(extra["x-default-shown"])
    value = field.get_default(call_default_factory=True)
    return f"`{value}`" if isinstance(value, str) else f"`{json.dumps(value)}`"


def render_table() -> str:
    """The settings table of ``docs/settings.md``."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for path, field in settings_fields().items():
        rows.append(
            f"| `{path}` | {_shown_default(field)} | {field.json_schema_extra['markdownDescription']} |"
        )
    return "\n".join(rows) + "\n"
