"""The reference environment's settings: one block of cdk.json context, loaded into a typed object.

Every wrong setting is reported at once, each named by its path in the block
(``secure-bedrock.network.allowed_cidrs[1]: ...``), before any construct is built.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from aws_cdk import aws_logs as logs

from secure_bedrock import (
    DEFAULT_SERVICES,
    INVOCATION_LOG_DATA_TYPES,
    BedrockEndpointService,
    BedrockModel,
    BedrockModels,
    CrossRegionInferenceProfile,
    ObjectLock,
)
from secure_bedrock._validation import (
    ACCOUNT_ID_PATTERN,
    EMAIL_PATTERN,
    MAX_SAFE_NUMBER,
    is_token,
    require_principal_arn,
    require_region,
)
from secure_bedrock.budgets import MAX_EMAIL_SUBSCRIBERS, MAX_THRESHOLDS, MIN_THRESHOLD
from secure_bedrock.guardrail import PROFILE_ID_PATTERN, validate_previous_version
from secure_bedrock.network import (
    MAX_INGRESS_RULES,
    validate_client_cidr,
    validate_vpc_cidr,
)
from secure_bedrock.organization import (
    OrganizationGuardrail,
    check_organization_residency,
    require_organization_id,
    require_principal_pattern,
    require_target_id,
)
from secure_bedrock.residency import Residency, check_residency
from secure_bedrock.rollout import ORGANIZATIONAL_UNIT_PATTERN, require_asset_bucket_prefix
from secure_bedrock.teams import (
    COST_CENTER_TAG,
    MAX_TEAM_NAME,
    TAG_VALUE_PATTERN,
    TEAM_NAME_PATTERN,
    TEAM_TAG,
    validate_team_name,
)

#: The cdk.json context key that holds the settings.
CONTEXT_KEY = "secure-bedrock"
STACK_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}\Z")
#: Tag keys and values: ASCII letters, digits, spaces and _ . : / = + - @ (keys 1-128, values 1-256
#: characters), what every tagged resource of the stack accepts: CloudWatch alarms refuse an empty
#: value, application inference profiles anything beyond ASCII.
TAG_KEY_PATTERN = re.compile(r"^[\w .:/=+\-@]{1,128}\Z", re.ASCII)
TAG_TEXT_PATTERN = re.compile(r"^[\w .:/=+\-@]{1,256}\Z", re.ASCII)

#: The retention values CloudWatch Logs accepts, in days, and their CDK names.
RETENTION_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
#: The reference environment keeps logs at least six years (45 CFR 164.316(b)(2)(i)).
MIN_RETENTION_DAYS = 2192


class SettingsError(ValueError):
    """One or more settings are wrong; the message lists every one of them."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        listing = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"{len(errors)} invalid setting(s) in cdk.json context '{CONTEXT_KEY}':\n{listing}")


@dataclass(frozen=True)
class NetworkSettings:
    """The private network: a new VPC's shape, the endpoints, and who may reach them."""

    vpc_cidr: str = "10.0.0.0/16"
    max_azs: int = 2
    endpoint_services: tuple[BedrockEndpointService, ...] = DEFAULT_SERVICES
    allowed_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceSettings:
    """Model invocation logging, the audit trail, and how long their evidence is kept."""

    invocation_log_data_types: tuple[str, ...] = INVOCATION_LOG_DATA_TYPES
    retention_days: int = MIN_RETENTION_DAYS
    object_lock: ObjectLock | None = None
    adopt_existing_logging: bool = False
    audit_trail: bool = True
    auditor_principals: tuple[str, ...] = ()


@dataclass(frozen=True)
class GuardrailSettings:
    """The landing zone's guardrail: the HIPAA preset, with options."""

    deny_medical_advice: bool = True
    cross_region_profile: str | None = None
    cross_region_destinations: tuple[str, ...] = ()
    enforce_in_account: bool = True
    previous_version: str | None = None
    organization_guardrail: OrganizationGuardrail | None = None


@dataclass(frozen=True)
class TeamSettings:
    """One application team."""

    name: str
    cost_center: str
    models: tuple[BedrockModel, ...]
    principals: tuple[str, ...] = ()
    monthly_budget_usd: float | None = None
    hard_stop: bool = False


@dataclass(frozen=True)
class OperationsSettings:
    """Alarm recipients, quotas, and budgets."""

    alarm_emails: tuple[str, ...] = ()
    alarm_https_endpoints: tuple[str, ...] = ()
    tpm_quotas: Mapping[str, int] = field(default_factory=dict)
    monthly_budget_usd: float | None = None
    budget_thresholds_percent: tuple[float, ...] = (50.0, 80.0, 100.0)
    budget_emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogArchiveSettings:
    """The log-archive account: the organization's evidence archive, which member accounts replicate to."""

    account: str
    stack_name: str = "SecureBedrockLogArchive"
    auditor_principals: tuple[str, ...] = ()
    region: str = "us-east-1"
    """The archive's region: the settings' ``region`` (members in other regions replicate across regions)."""


@dataclass(frozen=True)
class MemberSettings:
    """A member account the account baseline is rolled out to, in each of its regions (a CDK stage each)."""

    account: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class StackSetsSettings:
    """The rollout to whole OUs by CloudFormation StackSets: one service-managed StackSet per region,
    deployed from the management account (or a delegated administrator), its Lambda code in an asset
    bucket per region."""

    organizational_units: tuple[str, ...]
    regions: tuple[str, ...]
    asset_bucket_prefix: str
    stack_name: str = "SecureBedrockStackSets"
    account: str | None = None
    """The StackSets' administrator account. Default: the organization's (management) account; another
    account is a delegated administrator."""
    failure_tolerance_percentage: int = 10
    max_concurrent_percentage: int = 25
    auto_deploy: bool = True


@dataclass(frozen=True)
class OrganizationSettings:
    """The organization reference: the management account's stack of organization policies for Bedrock,
    from the same models and residency as the account stack."""

    organization_id: str
    target_ids: tuple[str, ...]
    deployment_principals: tuple[str, ...]
    stack_name: str = "SecureBedrockOrganization"
    account: str | None = None
    model_access_principals: tuple[str, ...] = ()
    bootstrap_principals: tuple[str, ...] = ()
    regulated: bool = True
    enforce_guardrail: bool = True
    log_archive: LogArchiveSettings | None = None
    members: tuple[MemberSettings, ...] = ()
    stacksets: StackSetsSettings | None = None


@dataclass(frozen=True)
class ReferenceSettings:
    """Everything the reference environment can be configured with."""

    models: tuple[BedrockModel, ...]
    stack_name: str = "SecureBedrockHipaa"
    region: str = "us-east-1"
    account: str | None = None
    allowed_principals: tuple[str, ...] = ()
    network: NetworkSettings = field(default_factory=NetworkSettings)
    log_retention: logs.RetentionDays = logs.RetentionDays.SIX_YEARS
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    guardrail: GuardrailSettings = field(default_factory=GuardrailSettings)
    invoker_principals: tuple[str, ...] = ()
    administrator_principals: tuple[str, ...] = ()
    teams: tuple[TeamSettings, ...] = ()
    operations: OperationsSettings = field(default_factory=OperationsSettings)
    tags: Mapping[str, str] = field(default_factory=dict)
    residency: Residency | None = None
    organization: OrganizationSettings | None = None


class _Reader:
    """Reads one mapping of settings, collecting errors instead of stopping at the first."""

    def __init__(self, errors: list[str], path: str, raw: object, known: tuple[str, ...]) -> None:
        self.errors = errors
        self.path = path
        self.raw: Mapping[str, Any] = {}
        if not isinstance(raw, Mapping):
            self.fail(path, f"must be an object, got {raw!r}")
            return
        self.raw = raw
        for key in raw:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known settings: {', '.join(known)}"
                self.fail(f"{path}.{key}", f"unknown setting{hint}")

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def report(self, path: str, error: ValueError | TypeError) -> None:
        """Record what a check raised: all of a ``SettingsError``'s errors, or one error under ``path``."""
        if isinstance(error, SettingsError):
            self.errors.extend(error.errors)
            return
        message = str(error)
        if message.startswith(f"{path} "):
            # The library's type errors read "<argument> must be ..."; settings read "<path>: ...".
            message = f"{path}:{message[len(path) :]}"
        self.errors.append(message if message.startswith(path) else f"{path}: {message}")

    def get(self, key: str, default: Any, check: Callable[[str, Any], Any]) -> Any:
        """The setting ``key`` passed through ``check(path, value)``, or ``default`` if absent or wrong."""
        if key not in self.raw:
            return default
        path = f"{self.path}.{key}"
        try:
            return check(path, self.raw[key])
        except (ValueError, TypeError) as error:
            self.report(path, error)
            return default

    def get_list(self, key: str, check: Callable[[str, Any], Any]) -> tuple[Any, ...]:
        """A list setting, each item checked and reported by index."""
        if key not in self.raw:
            return ()
        path = f"{self.path}.{key}"
        values = self.raw[key]
        if not isinstance(values, list):
            self.fail(path, f"must be a list, got {values!r}")
            return ()
        result = []
        seen: set[Any] = set()
        for index, value in enumerate(values):
            item_path = f"{path}[{index}]"
            try:
                item = check(item_path, value)
            except (ValueError, TypeError) as error:
                self.report(item_path, error)
                continue
            marker = getattr(item, "model_id", item)
            if marker in seen:
                self.fail(item_path, f"{marker!r} is listed twice; remove the repeat")
                continue
            seen.add(marker)
            result.append(item)
        return tuple(result)


def _string(path: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{path}: must be a non-empty string, got {value!r}")
    return value


def _stack_name(path: str, value: Any) -> str:
    name = _string(path, value)
    if not STACK_NAME_PATTERN.match(name):
        raise ValueError(f"{path}: {name!r} is not a CloudFormation stack name; use letters, digits and '-'")
    return name


def _account(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not ACCOUNT_ID_PATTERN.match(value):
        raise ValueError(
            f"{path}: {value!r} is not a 12-digit account id; use null for an account-agnostic stack"
        )
    return value


def _model(path: str, value: Any) -> BedrockModel:
    if isinstance(value, str):
        return BedrockModels.resolve(value, argument=path)
    if isinstance(value, Mapping):
        unknown = set(value) - {"profile_id", "source_regions", "destination_regions"}
        if unknown or "profile_id" not in value or "source_regions" not in value:
            raise ValueError(
                f"{path}: a custom inference profile is an object with profile_id, source_regions and "
                f"destination_regions, got {dict(value)!r}"
            )
        return CrossRegionInferenceProfile.of(
            _string(f"{path}.profile_id", value["profile_id"]),
            source_regions=value["source_regions"],
            destination_regions=value.get("destination_regions", ()),
        )
    raise TypeError(f"{path}: must be a model id string or a custom profile object, got {value!r}")


def _retention(path: str, value: Any) -> logs.RetentionDays:
    if isinstance(value, bool) or not isinstance(value, int) or value not in RETENTION_DAYS:
        raise ValueError(
            f"{path}: {value!r} is not a CloudWatch Logs retention; use one of "
            f"{', '.join(str(d) for d in RETENTION_DAYS if d >= MIN_RETENTION_DAYS)}"
        )
    if value < MIN_RETENTION_DAYS:
        raise ValueError(
            f"{path}: {value} days is under the six years HIPAA evidence needs; use at least 2192"
        )
    return RETENTION_DAYS[value]


#: Tags per resource (50, the common AWS limit) less the two every team profile carries.
MAX_STACK_TAGS = 48


def _tags(path: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{path}: must be an object of string keys and string values, got {value!r}")
    errors = []
    if len(value) > MAX_STACK_TAGS:
        errors.append(
            f"{path}: {len(value)} tags; AWS resources take at most 50, and team profiles already carry "
            f"'{TEAM_TAG}' and '{COST_CENTER_TAG}', so name at most {MAX_STACK_TAGS}"
        )
    for key, text in value.items():
        if key in (TEAM_TAG, COST_CENTER_TAG):
            errors.append(
                f"{path}.{key}: the landing zone sets this tag on each team's profiles for cost allocation (team "
                "budgets and hard stops match it); a stack-wide value would replace every team's. Remove it"
            )
        elif not isinstance(key, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            errors.append(f"{path}.{key}: tag keys have 1-128 characters and must not start with 'aws:'")
        elif not TAG_KEY_PATTERN.match(key):
            errors.append(
                f"{path}.{key}: tag keys hold ASCII letters, digits, spaces and _ . : / = + - @ only"
            )
        elif not isinstance(text, str) or not TAG_TEXT_PATTERN.match(text):
            errors.append(
                f"{path}.{key}: {text!r} must be a string of 1-256 letters, digits, spaces or _ . : / = + - @"
            )
    if errors:
        raise SettingsError(errors)
    return dict(value)


def _residency(path: str, value: Any) -> Residency | None:
    """``null`` (no residency), a geography (``"eu"``) or a list of region names."""
    return None if value is None else Residency.of(value, argument=path)


def _max_azs(path: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= 6:
        raise ValueError(f"{path}: {value!r} is not a number of availability zones from 2 to 6; use 2")
    return value


def _endpoint_service(path: str, value: Any) -> BedrockEndpointService:
    service = BedrockEndpointService.from_name(value, argument=path)
    if service is BedrockEndpointService.MANTLE:
        raise ValueError(
            f"{path}: calls through bedrock-mantle are not recorded by model invocation logging, so this "
            "HIPAA environment, where every prompt is evidence, leaves it out (docs/access.md). An app that "
            "accepts that adds it with BedrockPrivateNetwork(services=[..., BedrockEndpointService.MANTLE], "
            "mantle_models=[...]) and acknowledges secure-bedrock:mantle-not-logged"
        )
    return service


def _network(errors: list[str], raw: object) -> NetworkSettings:
    known = ("vpc_cidr", "max_azs", "endpoint_services", "allowed_cidrs")
    reader = _Reader(errors, f"{CONTEXT_KEY}.network", raw, known)
    defaults = NetworkSettings()
    services = reader.get_list("endpoint_services", _endpoint_service)
    raw_services = reader.raw.get("endpoint_services")
    if (
        isinstance(raw_services, list)
        and len(services) == len(raw_services)
        and BedrockEndpointService.CONTROL not in services
    ):
        reader.fail(
            f"{CONTEXT_KEY}.network.endpoint_services",
            "add 'bedrock': the invocation-logging handler reaches Bedrock's control plane through that endpoint",
        )
    cidrs = reader.get_list("allowed_cidrs", validate_client_cidr)
    if len(cidrs) > MAX_INGRESS_RULES:
        reader.fail(
            f"{CONTEXT_KEY}.network.allowed_cidrs",
            f"{len(cidrs)} CIDRs; the endpoints' security group takes at most {MAX_INGRESS_RULES} inbound rules, "
            "so summarize them into wider ranges",
        )
    return NetworkSettings(
        vpc_cidr=reader.get("vpc_cidr", defaults.vpc_cidr, validate_vpc_cidr),
        max_azs=reader.get("max_azs", defaults.max_azs, _max_azs),
        endpoint_services=services if "endpoint_services" in reader.raw else defaults.endpoint_services,
        allowed_cidrs=cidrs,
    )


def _data_type(path: str, value: Any) -> str:
    if value not in INVOCATION_LOG_DATA_TYPES:
        raise ValueError(
            f"{path}: {value!r} is not a data type; use some of {', '.join(INVOCATION_LOG_DATA_TYPES)}"
        )
    return str(value)


def _evidence_days(path: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_RETENTION_DAYS <= value <= 36500:
        raise ValueError(
            f"{path}: {value!r} must be a number of days from {MIN_RETENTION_DAYS} (six years) to 36500"
        )
    return value


def _object_lock(path: str, value: Any) -> ObjectLock | None:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or set(value) != {"mode", "days"}
        or value["mode"] not in ("COMPLIANCE", "GOVERNANCE")
    ):
        raise ValueError(
            f'{path}: {value!r} must be null or {{"mode": "COMPLIANCE" or "GOVERNANCE", "days": N}}'
        )
    days = _evidence_days(f"{path}.days", value["days"])
    return ObjectLock.compliance(days) if value["mode"] == "COMPLIANCE" else ObjectLock.governance(days)


def _boolean(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{path}: must be true or false, got {value!r}")
    return value


def _evidence(errors: list[str], raw: object) -> EvidenceSettings:
    known = (
        "invocation_log_data_types",
        "retention_days",
        "object_lock",
        "adopt_existing_logging",
        "audit_trail",
        "auditor_principals",
    )
    reader = _Reader(errors, f"{CONTEXT_KEY}.evidence", raw, known)
    defaults = EvidenceSettings()
    data_types = reader.get_list("invocation_log_data_types", _data_type)
    raw_types = reader.raw.get("invocation_log_data_types")
    if "invocation_log_data_types" in reader.raw and not raw_types:
        reader.fail(f"{CONTEXT_KEY}.evidence.invocation_log_data_types", "log at least 'text'")
    elif isinstance(raw_types, list) and "text" not in raw_types:
        reader.fail(
            f"{CONTEXT_KEY}.evidence.invocation_log_data_types",
            "add 'text': prompts and responses are the evidence the Bedrock rules require",
        )
    settings = EvidenceSettings(
        invocation_log_data_types=data_types
        if "invocation_log_data_types" in reader.raw
        else defaults.invocation_log_data_types,
        retention_days=reader.get("retention_days", defaults.retention_days, _evidence_days),
        object_lock=reader.get("object_lock", None, _object_lock),
        adopt_existing_logging=reader.get("adopt_existing_logging", False, _boolean),
        audit_trail=reader.get("audit_trail", True, _boolean),
        auditor_principals=reader.get_list("auditor_principals", require_principal_arn),
    )
    if settings.object_lock is not None and settings.object_lock.days > settings.retention_days:
        reader.fail(
            f"{CONTEXT_KEY}.evidence.object_lock.days",
            f"{settings.object_lock.days} is longer than retention_days ({settings.retention_days}); lock for at most as long",
        )
    return settings


def _guardrail(errors: list[str], raw: object) -> GuardrailSettings:
    known = (
        "deny_medical_advice",
        "cross_region_profile",
        "cross_region_destinations",
        "enforce_in_account",
        "previous_version",
        "organization_guardrail",
    )
    reader = _Reader(errors, f"{CONTEXT_KEY}.guardrail", raw, known)
    settings = GuardrailSettings(
        deny_medical_advice=reader.get("deny_medical_advice", True, _boolean),
        cross_region_profile=reader.get("cross_region_profile", None, _guardrail_profile),
        cross_region_destinations=reader.get_list("cross_region_destinations", require_region),
        enforce_in_account=reader.get("enforce_in_account", True, _boolean),
        previous_version=reader.get("previous_version", None, _guardrail_version),
        organization_guardrail=reader.get("organization_guardrail", None, _organization_guardrail),
    )
    if settings.cross_region_destinations and reader.raw.get("cross_region_profile") is None:
        reader.fail(
            f"{CONTEXT_KEY}.guardrail.cross_region_destinations",
            "given without cross_region_profile; set both or neither",
        )
    return settings


def _organization_guardrail(path: str, value: Any) -> OrganizationGuardrail | None:
    """``null`` or ``{"guardrail_arn": ..., "key_arn": ...}`` (the organization stack's outputs)."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"guardrail_arn", "key_arn"}:
        raise ValueError(
            f'{path}: {value!r} must be null or {{"guardrail_arn": ..., "key_arn": ...}} (the organization '
            "stack's outputs OrganizationGuardrailArn and OrganizationGuardrailKeyArn)"
        )
    try:
        return OrganizationGuardrail(guardrail_arn=value["guardrail_arn"], key_arn=value["key_arn"])
    except (TypeError, ValueError) as error:
        raise ValueError(str(error).replace("organization_guardrail.", f"{path}.", 1)) from None


def _guardrail_version(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or is_token(value):
        # cdk.json is JSON: text that reads as a CDK token is no version (and would skip the check).
        raise ValueError(f'{path}: {value!r} must be a version number in quotes, e.g. "3", or null')
    validate_previous_version(path, value)
    return value


def _guardrail_profile(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not PROFILE_ID_PATTERN.match(value):
        raise ValueError(
            f"{path}: {value!r} is not a guardrail profile id; use e.g. 'us.guardrail.v1:0' or null"
        )
    return value


def _organization(errors: list[str], raw: object, account_stack: str) -> OrganizationSettings | None:
    """``organization``: ``null`` (no organization stack) or the management account's stack."""
    if raw is None:
        return None
    known = (
        "stack_name",
        "account",
        "organization_id",
        "target_ids",
        "deployment_principals",
        "model_access_principals",
        "bootstrap_principals",
        "regulated",
        "enforce_guardrail",
        "log_archive",
        "members",
        "stacksets",
    )
    path = f"{CONTEXT_KEY}.organization"
    reader = _Reader(errors, path, raw, known)
    if not isinstance(raw, Mapping):
        return None  # reported by the reader; an empty object is checked like any other
    for required in ("organization_id", "target_ids", "deployment_principals"):
        if required not in reader.raw:
            reader.fail(
                f"{path}.{required}", "missing; the organization stack needs it (docs/organization.md)"
            )

    for key in ("target_ids", "deployment_principals"):
        if isinstance(reader.raw.get(key), list) and not reader.raw[key]:
            reader.fail(f"{path}.{key}", "name at least one (docs/organization.md)")
    defaults = OrganizationSettings(organization_id="", target_ids=(), deployment_principals=())
    settings = OrganizationSettings(
        organization_id=reader.get("organization_id", "", require_organization_id),
        target_ids=reader.get_list("target_ids", require_target_id),
        deployment_principals=reader.get_list("deployment_principals", require_principal_pattern),
        stack_name=reader.get("stack_name", defaults.stack_name, _stack_name),
        account=reader.get("account", None, _account),
        model_access_principals=reader.get_list("model_access_principals", require_principal_pattern),
        bootstrap_principals=reader.get_list("bootstrap_principals", require_principal_pattern),
        regulated=reader.get("regulated", True, _boolean),
        enforce_guardrail=reader.get("enforce_guardrail", True, _boolean),
        log_archive=_log_archive(errors, reader.raw.get("log_archive")),
        members=reader.get_list("members", _member),
    )
    account = settings.account
    settings = dataclasses.replace(
        settings, stacksets=_stacksets(errors, reader.raw.get("stacksets"), account, settings.stack_name)
    )
    if settings.stack_name == account_stack:
        reader.fail(
            f"{path}.stack_name",
            f"{settings.stack_name!r} is the account stack's name too; give the organization stack its own",
        )
    if settings.stacksets is not None and settings.stacksets.stack_name in (
        account_stack,
        settings.stack_name,
    ):
        reader.fail(
            f"{path}.stacksets.stack_name",
            f"{settings.stacksets.stack_name!r} is another stack's name too; give the StackSets stack its own",
        )
    if settings.log_archive is not None and settings.log_archive.stack_name in (
        account_stack,
        settings.stack_name,
    ):
        reader.fail(
            f"{path}.log_archive.stack_name",
            f"{settings.log_archive.stack_name!r} is another stack's name too; give the log-archive stack its own",
        )
    return settings


def _member(path: str, value: Any) -> MemberSettings:
    """``{"account": "...", "regions": ["us-east-1", ...]}``: a member account and its regions."""
    if not isinstance(value, Mapping) or set(value) - {"account", "regions"} or "account" not in value:
        raise ValueError(f'{path}: {value!r} must be {{"account": "555566667777", "regions": ["us-east-1"]}}')
    account = _account(f"{path}.account", value["account"])
    if account is None:
        raise ValueError(f"{path}.account: name the member's 12-digit account id")
    regions = value.get("regions", [])
    if not isinstance(regions, list) or not regions:
        raise ValueError(f"{path}.regions: {regions!r} must be a non-empty list of region names")
    checked = tuple(
        require_region(f"{path}.regions[{index}]", region) for index, region in enumerate(regions)
    )
    if len(set(checked)) != len(checked):
        raise ValueError(f"{path}.regions: {list(checked)!r} names a region twice")
    return MemberSettings(account=account, regions=checked)


def _stacksets(
    errors: list[str], raw: object, management_account: str | None, organization_stack: str
) -> StackSetsSettings | None:
    """``organization.stacksets``: ``null`` or the StackSets rollout to whole OUs."""
    if raw is None:
        return None
    path = f"{CONTEXT_KEY}.organization.stacksets"
    known = (
        "organizational_units",
        "regions",
        "asset_bucket_prefix",
        "stack_name",
        "account",
        "failure_tolerance_percentage",
        "max_concurrent_percentage",
        "auto_deploy",
    )
    reader = _Reader(errors, path, raw, known)
    if not isinstance(raw, Mapping):
        return None  # reported by the reader; an empty object is checked like any other
    if not reader.raw.get("organizational_units"):
        reader.fail(f"{path}.organizational_units", "name at least one OU (ou-...) or the root (r-...)")
    if not reader.raw.get("regions"):
        reader.fail(f"{path}.regions", "name at least one region to deploy the baseline to")
    account = reader.get("account", None, _account)
    administrator = account or management_account
    prefix = reader.get("asset_bucket_prefix", None, _asset_bucket_prefix)
    if prefix is None and "asset_bucket_prefix" not in reader.raw:
        if administrator is None:
            reader.fail(
                f"{path}.asset_bucket_prefix",
                "missing; name the asset buckets' prefix, or set organization.account (the default is "
                "secure-bedrock-stackset-assets-<administrator account>)",
            )
        else:
            prefix = f"secure-bedrock-stackset-assets-{administrator}"
    tolerance = reader.get("failure_tolerance_percentage", 10, _percentage(0))
    concurrency = reader.get("max_concurrent_percentage", 25, _percentage(1))
    if concurrency < tolerance:
        reader.fail(
            f"{path}.max_concurrent_percentage",
            f"{concurrency} is below failure_tolerance_percentage ({tolerance}); StackSets needs at least as "
            "many accounts at once as may fail",
        )
    settings = StackSetsSettings(
        organizational_units=reader.get_list("organizational_units", _organizational_unit),
        regions=reader.get_list("regions", require_region),
        asset_bucket_prefix=prefix or "",
        stack_name=reader.get("stack_name", "SecureBedrockStackSets", _stack_name),
        account=account,
        failure_tolerance_percentage=tolerance,
        max_concurrent_percentage=concurrency,
        auto_deploy=reader.get("auto_deploy", True, _boolean),
    )
    if settings.stack_name == organization_stack:
        reader.fail(f"{path}.stack_name", f"{settings.stack_name!r} is the organization stack's name too")
    return settings


def _asset_bucket_prefix(path: str, value: Any) -> str:
    return require_asset_bucket_prefix(path, value)


def _organizational_unit(path: str, value: Any) -> str:
    if not isinstance(value, str) or not ORGANIZATIONAL_UNIT_PATTERN.match(value):
        raise ValueError(
            f"{path}: {value!r} is not an organizational unit id; use e.g. 'ou-ab12-cdefgh34' (or the root, "
            "'r-ab12'); a StackSet deploys to accounts through their OUs"
        )
    return value


def _percentage(low: int) -> Callable[[str, Any], int]:
    def check(path: str, value: Any) -> int:
        # JSON has one number type: 10.0 is the whole number 10, as the schema's "integer" reads it.
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or not low <= value <= 100:
            raise ValueError(f"{path}: {value!r} must be a whole percentage of the accounts, {low}-100")
        return int(value)

    return check


def _log_archive(errors: list[str], raw: object) -> LogArchiveSettings | None:
    """``organization.log_archive``: ``null`` or the log-archive account's stack."""
    if raw is None:
        return None
    path = f"{CONTEXT_KEY}.organization.log_archive"
    reader = _Reader(errors, path, raw, ("account", "stack_name", "auditor_principals"))
    if not isinstance(raw, Mapping):
        return None  # reported by the reader; an empty object is checked like any other
    if reader.raw.get("account") is None:
        reader.fail(
            f"{path}.account",
            "the log-archive account's 12-digit id is needed: members name its bucket by it",
        )
    return LogArchiveSettings(
        account=reader.get("account", "", _account) or "",
        stack_name=reader.get("stack_name", "SecureBedrockLogArchive", _stack_name),
        auditor_principals=reader.get_list("auditor_principals", require_principal_arn),
    )


def _team(models: tuple[BedrockModel, ...]) -> Callable[[str, Any], TeamSettings]:
    approved = {model.model_id: model for model in models}

    def check(path: str, value: Any) -> TeamSettings:
        if not isinstance(value, Mapping):
            raise TypeError(f"{path}: must be an object with name, cost_center, models and principals")
        errors: list[str] = []
        allowed = ("name", "cost_center", "models", "principals", "monthly_budget_usd", "hard_stop")
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(allowed)}"
                errors.append(f"{path}.{key}: unknown setting; {hint}")
        name = value.get("name")
        try:
            validate_team_name(f"{path}.name", cast(str, name))
        except (TypeError, ValueError) as error:
            errors.append(str(error).replace(" must be a team name such as", ": must be a team name such as"))
        cost_center = value.get("cost_center")
        if not isinstance(cost_center, str) or not TAG_VALUE_PATTERN.match(cost_center):
            errors.append(
                f"{path}.cost_center: {cost_center!r} must name the team's cost centre in 1-256 letters, digits, "
                "spaces or _ . : / = + - @, e.g. 'CC-1234'"
            )
        team_models = value.get("models")
        chosen = []
        if not isinstance(team_models, list) or not team_models:
            errors.append(f"{path}.models: name at least one of the approved models")
        else:
            for index, model_id in enumerate(team_models):
                if not isinstance(model_id, str) or model_id not in approved:
                    errors.append(
                        f"{path}.models[{index}]: {model_id!r} is not in secure-bedrock.models; approve it first"
                    )
                elif approved[model_id] in chosen:
                    errors.append(f"{path}.models[{index}]: {model_id!r} is listed twice; remove the repeat")
                else:
                    chosen.append(approved[model_id])
        principals = value.get("principals", [])
        if not isinstance(principals, list):
            errors.append(f"{path}.principals: must be a list of IAM principal ARNs, got {principals!r}")
            principals = []
        for index, arn in enumerate(principals):
            try:
                require_principal_arn(f"{path}.principals[{index}]", arn)
            except (ValueError, TypeError) as error:
                errors.append(str(error))
        budget = value.get("monthly_budget_usd")
        budget_ok = True
        if budget is not None:
            try:
                budget = _amount(f"{path}.monthly_budget_usd", budget)
            except ValueError as error:
                errors.append(str(error))
                budget_ok = False
        hard_stop = value.get("hard_stop", False)
        if not isinstance(hard_stop, bool):
            errors.append(f"{path}.hard_stop: must be true or false, got {hard_stop!r}")
        elif hard_stop and budget is None:
            errors.append(
                f"{path}.hard_stop: needs monthly_budget_usd; a hard stop acts when the team's budget is exceeded"
            )
        if errors:
            raise SettingsError(errors)
        return TeamSettings(
            name=str(name),
            cost_center=str(cost_center),
            models=tuple(chosen),
            principals=tuple(principals),
            monthly_budget_usd=budget if budget_ok else None,
            hard_stop=hard_stop,
        )

    return check


def _amount(path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_SAFE_NUMBER:
        raise ValueError(f"{path}: {value!r} must be a positive amount of US dollars")
    return float(value)


def _optional_amount(path: str, value: Any) -> float | None:
    """``null`` (no budgets, as documented), or a positive amount."""
    return None if value is None else _amount(path, value)


def _email(path: str, value: Any) -> str:
    if not isinstance(value, str) or not EMAIL_PATTERN.match(value):
        raise ValueError(f"{path}: {value!r} is not an email address")
    return value


def _https(path: str, value: Any) -> str:
    if (
        not isinstance(value, str)
        or not value.startswith("https://")
        or len(value) < 12
        or any(c.isspace() for c in value)
    ):
        raise ValueError(f"{path}: {value!r} is not an https:// URL")
    return value


def _percent(path: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not MIN_THRESHOLD <= value <= 100:
        raise ValueError(f"{path}: {value!r} must be a percentage from {MIN_THRESHOLD} to 100")
    return float(value)


def _operations(
    errors: list[str], monitoring_raw: object, budgets_raw: object, models: tuple[BedrockModel, ...]
) -> OperationsSettings:
    monitoring = _Reader(
        errors, f"{CONTEXT_KEY}.monitoring", monitoring_raw, ("alarm_emails", "https_endpoints", "tpm_quotas")
    )
    budgets = _Reader(
        errors, f"{CONTEXT_KEY}.budgets", budgets_raw, ("monthly_limit_usd", "thresholds_percent", "emails")
    )
    approved = {model.model_id for model in models}

    def quotas(path: str, value: Any) -> dict[str, int]:
        if not isinstance(value, Mapping):
            raise TypeError(f"{path}: must be an object of model id to tokens per minute")
        errors = []
        for model_id, quota in value.items():
            if model_id not in approved:
                errors.append(f"{path}.{model_id}: not an approved model")
            elif isinstance(quota, bool) or not isinstance(quota, int) or not 0 < quota <= MAX_SAFE_NUMBER:
                errors.append(f"{path}.{model_id}: {quota!r} must be a positive number of tokens per minute")
        if errors:
            raise SettingsError(errors)
        return dict(value)

    thresholds = budgets.get_list("thresholds_percent", _percent)
    raw_thresholds = budgets.raw.get("thresholds_percent")
    if "thresholds_percent" in budgets.raw and not raw_thresholds:
        budgets.fail(
            f"{CONTEXT_KEY}.budgets.thresholds_percent", "name at least one threshold, e.g. [80, 100]"
        )
    elif isinstance(raw_thresholds, list) and len(raw_thresholds) > MAX_THRESHOLDS:
        budgets.fail(
            f"{CONTEXT_KEY}.budgets.thresholds_percent",
            f"{len(raw_thresholds)} thresholds; a budget takes five notifications, one of which is the forecast "
            f"at 100 %, so name at most {MAX_THRESHOLDS}",
        )
    raw_emails = budgets.raw.get("emails")
    if isinstance(raw_emails, list) and len(raw_emails) > MAX_EMAIL_SUBSCRIBERS:
        budgets.fail(
            f"{CONTEXT_KEY}.budgets.emails",
            f"{len(raw_emails)} addresses; a budget notification takes at most {MAX_EMAIL_SUBSCRIBERS}",
        )
    return OperationsSettings(
        alarm_emails=monitoring.get_list("alarm_emails", _email),
        alarm_https_endpoints=monitoring.get_list("https_endpoints", _https),
        tpm_quotas=monitoring.get("tpm_quotas", {}, quotas),
        monthly_budget_usd=budgets.get("monthly_limit_usd", None, _optional_amount),
        budget_thresholds_percent=thresholds or (50.0, 80.0, 100.0),
        budget_emails=budgets.get_list("emails", _email),
    )


def _add_once(errors: list[str], error: str) -> None:
    """Record ``error`` unless a setting it names (``<path>: ...``) is already reported."""
    path = error.split(": ", 1)[0]
    if not any(e.split(": ", 1)[0] == path for e in errors):
        errors.append(error)


def load_settings(context: Mapping[str, Any]) -> ReferenceSettings:
    """Read and validate the ``secure-bedrock`` block of the app's context.

    :raises SettingsError: listing every wrong setting.
    """
    errors: list[str] = []
    if CONTEXT_KEY not in context:
        raise SettingsError(
            [f"{CONTEXT_KEY}: missing; add the block to cdk.json's context (see docs/settings.md)"]
        )
    known = (
        "stack_name",
        "region",
        "account",
        "models",
        "allowed_principals",
        "network",
        "log_retention_days",
        "evidence",
        "guardrail",
        "invoker_principals",
        "administrator_principals",
        "teams",
        "monitoring",
        "budgets",
        "tags",
        "residency",
        "organization",
    )
    reader = _Reader(errors, CONTEXT_KEY, context[CONTEXT_KEY], known)
    defaults = ReferenceSettings(models=())
    region = reader.get("region", defaults.region, require_region)
    models = reader.get_list("models", _model)
    if "models" not in reader.raw or (
        isinstance(reader.raw.get("models"), list) and not reader.raw["models"]
    ):
        reader.fail(
            f"{CONTEXT_KEY}.models", "name at least one approved model id, e.g. 'us.amazon.nova-pro-v1:0'"
        )
    for index, model in enumerate(models):
        try:
            model.destination_regions(region)
        except ValueError as error:
            reader.fail(f"{CONTEXT_KEY}.models[{index}]", str(error))
    stack_name = reader.get("stack_name", defaults.stack_name, _stack_name)
    settings = ReferenceSettings(
        models=models,
        stack_name=stack_name,
        region=region,
        account=reader.get("account", defaults.account, _account),
        allowed_principals=reader.get_list("allowed_principals", require_principal_arn),
        network=_network(errors, reader.raw.get("network", {})),
        log_retention=reader.get("log_retention_days", defaults.log_retention, _retention),
        evidence=_evidence(errors, reader.raw.get("evidence", {})),
        guardrail=_guardrail(errors, reader.raw.get("guardrail", {})),
        invoker_principals=reader.get_list("invoker_principals", require_principal_arn),
        administrator_principals=reader.get_list("administrator_principals", require_principal_arn),
        teams=reader.get_list("teams", _team(models)),
        operations=_operations(
            errors, reader.raw.get("monitoring", {}), reader.raw.get("budgets", {}), models
        ),
        tags=reader.get("tags", {}, _tags),
        residency=reader.get("residency", None, _residency),
        organization=_organization(errors, reader.raw.get("organization"), stack_name),
    )
    raw_teams = reader.raw.get("teams")
    names: dict[str, int] = {}
    for index, team in enumerate(raw_teams if isinstance(raw_teams, list) else []):
        name = team.get("name") if isinstance(team, Mapping) else None
        if not isinstance(name, str) or not TEAM_NAME_PATTERN.match(name) or len(name) > MAX_TEAM_NAME:
            continue
        # Ids derived from team names (statement ids, outputs) drop the '-'.
        key = name.replace("-", "")
        if key in names:
            reader.fail(
                f"{CONTEXT_KEY}.teams[{index}].name",
                f"{name!r} repeats the name of teams[{names[key]}] (names must differ in more than '-')",
            )
        names.setdefault(key, index)
    budget_given = (reader.raw.get("budgets") or {}) if isinstance(reader.raw.get("budgets"), dict) else {}
    if (
        settings.operations.monthly_budget_usd is None
        and budget_given.get("monthly_limit_usd") is None  # a wrong value is reported as such, not as missing
        and any(t.monthly_budget_usd for t in settings.teams)
    ):
        reader.fail(
            f"{CONTEXT_KEY}.budgets.monthly_limit_usd", "team budgets need the account budget; set it"
        )
    if settings.residency is not None:
        try:
            check_residency(
                settings.residency,
                settings.region,
                settings.models,
                models_argument=f"{CONTEXT_KEY}.models",
                guardrail_destinations=settings.guardrail.cross_region_destinations,
                guardrail_argument=f"{CONTEXT_KEY}.guardrail.cross_region_destinations",
                residency_argument=f"{CONTEXT_KEY}.residency",
            )
        except ValueError as error:
            _add_once(errors, str(error))
    if settings.organization is not None:
        # The organization's SCP holds the residency in every region of it (or the stack's region alone).
        try:
            check_organization_residency(
                settings.residency or Residency.of([settings.region]),
                settings.models,
                models_argument=f"{CONTEXT_KEY}.models",
                residency_argument=f"{CONTEXT_KEY}.residency",
            )
        except ValueError as error:
            _add_once(errors, str(error))
    if settings.organization is not None:
        residency = settings.residency or Residency.of([settings.region])
        for index, member in enumerate(settings.organization.members):
            for r_index, region in enumerate(member.regions):
                if region not in residency.regions:
                    errors.append(
                        f"{CONTEXT_KEY}.organization.members[{index}].regions[{r_index}]: {region} is outside "
                        f"{residency.described_as}; the organization's SCP denies Bedrock there"
                    )
        stacksets = settings.organization.stacksets
        for r_index, region in enumerate(stacksets.regions if stacksets is not None else ()):
            if region not in residency.regions:
                errors.append(
                    f"{CONTEXT_KEY}.organization.stacksets.regions[{r_index}]: {region} is outside "
                    f"{residency.described_as}; the organization's SCP denies Bedrock there"
                )
        archive = settings.organization.log_archive
        if archive is not None:
            # The archive is in the settings' region; members elsewhere replicate to it across regions.
            settings = dataclasses.replace(
                settings,
                organization=dataclasses.replace(
                    settings.organization, log_archive=dataclasses.replace(archive, region=settings.region)
                ),
            )
    if settings.account is None and settings.network.max_azs > 2:
        # An account-agnostic stack knows exactly two availability zones (Fn::GetAZs).
        reader.fail(
            f"{CONTEXT_KEY}.network.max_azs",
            f"{settings.network.max_azs} needs an account-specific stack; set 'account' or use 2",
        )
    if errors:
        raise SettingsError(errors)
    return settings
