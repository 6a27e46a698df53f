"""Bedrock compliance rules that cdk-nag lacks (cdklabs/cdk-nag#2163), as a validation plugin.

``BedrockChecks`` plugs into the same validation as the cdk-nag packs:
``Validations.of(app).add_plugins(BedrockChecks())`` makes ``cdk synth`` fail on a finding, and
``Validations.of(construct).acknowledge(Acknowledgment(id="Bedrock::Bedrock-<Rule>", reason=...))``
acknowledges one. It reads the synthesized templates and needs nothing but aws-cdk-lib.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import jsii

from secure_bedrock import actions
from secure_bedrock.limit_checks import LIMIT_CHECKS

PACK = "Bedrock"
INVOKE_ACTIONS = {"bedrock:invokemodel", "bedrock:invokemodelwithresponsestream"}
Template = dict[str, Any]


@dataclass(frozen=True)
class Finding:
    """One resource that breaks one rule."""

    logical_id: str
    location: str


@dataclass(frozen=True)
class Rule:
    """A rule: its name, what it checks, how to fix it, and the check itself."""

    name: str
    description: str
    fix: str
    check: Callable[[Template], list[Finding]]
    app_check: Callable[[Template, Sequence[Template]], list[Finding]] | None = None
    """For rules about what the app provides (an endpoint, the logging setting), which another stack
    of the app may hold: the check given the app's other templates too."""

    def check_in_app(self, template: Template, others: Sequence[Template]) -> list[Finding]:
        """The findings for ``template``, the app's ``others`` taken into account where the rule says so."""
        return self.app_check(template, others) if self.app_check is not None else self.check(template)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resources(template: Template, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == resource_type:
            yield logical_id, resource.get("Properties", {})


def _identity_statements(template: Template) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every statement of every identity policy: (logical id, location, statement)."""
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        documents: list[tuple[str, Any]] = []
        if resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(("Properties/PolicyDocument", props.get("PolicyDocument", {})))
        elif resource.get("Type") in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            for index, policy in enumerate(props.get("Policies", [])):
                documents.append((f"Properties/Policies/{index}", policy.get("PolicyDocument", {})))
        for location, document in documents:
            if isinstance(document, dict):
                for statement in _list(document.get("Statement", [])):
                    if isinstance(statement, dict):
                        yield logical_id, location, statement


def _grants_invoke(statement: dict[str, Any]) -> bool:
    if statement.get("Effect") != "Allow":
        return False
    for action in _list(statement.get("Action", [])):
        if isinstance(action, str) and (
            action == "*"
            or action.lower() in INVOKE_ACTIONS
            or action.lower() in ("bedrock:*", "bedrock:invoke*", "bedrock:invokemodel*")
        ):
            return True
    return False


def _text(value: Any) -> str:
    return json.dumps(value)


def guardrail_customer_managed_key(template: Template) -> list[Finding]:
    """Every guardrail is encrypted with a customer-managed key."""
    return [
        Finding(lid, "Properties/KmsKeyArn")
        for lid, props in _resources(template, "AWS::Bedrock::Guardrail")
        if not props.get("KmsKeyArn")
    ]


def guardrail_filters(template: Template) -> list[Finding]:
    """Every guardrail filters prompt attacks on input and has a sensitive-information policy."""
    findings = []
    for lid, props in _resources(template, "AWS::Bedrock::Guardrail"):
        filters = props.get("ContentPolicyConfig", {}).get("FiltersConfig", [])
        attack = [f for f in _list(filters) if isinstance(f, dict) and f.get("Type") == "PROMPT_ATTACK"]
        if (
            not attack
            or attack[0].get("InputStrength") in (None, "NONE")
            or attack[0].get("InputEnabled") is False
        ):
            findings.append(Finding(lid, "Properties/ContentPolicyConfig"))
        sensitive = props.get("SensitiveInformationPolicyConfig", {})
        if not (sensitive.get("PiiEntitiesConfig") or sensitive.get("RegexesConfig")):
            findings.append(Finding(lid, "Properties/SensitiveInformationPolicyConfig"))
    return findings


def _runtime_endpoints(template: Template) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, props)
        for lid, props in _resources(template, "AWS::EC2::VPCEndpoint")
        if _text(props.get("ServiceName", "")).rstrip('"').endswith(".bedrock-runtime")
    ]


def runtime_endpoint_policy(template: Template, others: Sequence[Template] = ()) -> list[Finding]:
    """Where invoke is granted, a bedrock-runtime endpoint exists (in this stack or, with ``others``,
    in another stack of the app, e.g. the landing zone a team's stack builds on), and no endpoint
    policy lets anyone do anything."""
    findings = []
    endpoints = _runtime_endpoints(template)
    if not endpoints and not any(_runtime_endpoints(other) for other in others):
        findings += [
            Finding(lid, location)
            for lid, location, statement in _identity_statements(template)
            if _grants_invoke(statement)
        ]
    for lid, props in endpoints:
        document = props.get("PolicyDocument")
        if not isinstance(document, dict):
            findings.append(Finding(lid, "Properties/PolicyDocument"))
            continue
        for statement in _list(document.get("Statement", [])):
            anyone = statement.get("Principal") in ("*", {"AWS": "*"})
            everything = "*" in _list(statement.get("Action", []))
            if statement.get("Effect") == "Allow" and anyone and everything:
                findings.append(Finding(lid, "Properties/PolicyDocument"))
    return findings


def no_wildcard_invoke(template: Template) -> list[Finding]:
    """No identity policy grants invoke actions on ``*`` or on ``foundation-model/*``."""
    findings = []
    for lid, location, statement in _identity_statements(template):
        if not _grants_invoke(statement):
            continue
        for resource in _list(statement.get("Resource", [])):
            text = resource if isinstance(resource, str) else _text(resource)
            if resource == "*" or "foundation-model/*" in text or "inference-profile/*" in text:
                findings.append(Finding(lid, location))
                break
    return findings


#: Condition operators that require ``bedrock:GuardrailIdentifier`` to be present and to match.
#: Negated operators (``StringNotEquals``...) are true when the key is absent, and ``...IfExists``
#: operators are true when it is absent too: neither enforces anything in an Allow.
GUARDRAIL_ENFORCING_OPERATORS = ("stringequals", "stringlike", "arnequals", "arnlike")


def _requires_guardrail(statement: dict[str, Any]) -> bool:
    conditions = statement.get("Condition", {})
    if not isinstance(conditions, dict):
        return False
    for operator, keys in conditions.items():
        operator_name = str(operator).lower().removeprefix("forallvalues:").removeprefix("foranyvalue:")
        if operator_name not in GUARDRAIL_ENFORCING_OPERATORS or str(operator).lower().startswith(
            "forallvalues"
        ):
            continue
        if isinstance(keys, dict) and any(str(key).lower() == "bedrock:guardrailidentifier" for key in keys):
            return True
    return False


def invoke_enforces_guardrail(template: Template) -> list[Finding]:
    """Every identity-policy Allow of invoke requires a guardrail: a positive operator on
    ``bedrock:GuardrailIdentifier`` (an ``Allow ... StringNotEquals`` allows calls *without* one)."""
    return [
        Finding(lid, location)
        for lid, location, statement in _identity_statements(template)
        if _grants_invoke(statement) and not _requires_guardrail(statement)
    ]


def no_model_management_on_everything(template: Template) -> list[Finding]:
    """No identity policy allows model management (customization, imports, provisioned throughput,
    batch and evaluation jobs, marketplace endpoints) on every resource."""
    management = {action.lower() for action in actions.MODEL_MANAGEMENT_ACTIONS}
    findings = []
    for lid, location, statement in _identity_statements(template):
        if statement.get("Effect") != "Allow" or "*" not in _list(statement.get("Resource", [])):
            continue
        granted = {str(a).lower() for a in _list(statement.get("Action", []))}
        if granted & (management | {"*", "bedrock:*"}):
            findings.append(Finding(lid, location))
    return findings


def invocation_logging_configured(template: Template, others: Sequence[Template] = ()) -> list[Finding]:
    """Where invoke is granted, model invocation logging is set (text on) to encrypted destinations,
    in this stack or, with ``others``, in another stack of the app (whose own template is checked for
    the destinations)."""
    resources = template.get("Resources", {})
    invoke = [
        (lid, loc) for lid, loc, statement in _identity_statements(template) if _grants_invoke(statement)
    ]
    configurations = list(_resources(template, "Custom::BedrockModelInvocationLogging"))
    if not configurations:
        if any(_resources(other, "Custom::BedrockModelInvocationLogging") for other in others):
            return []
        return [Finding(lid, location) for lid, location in invoke]
    findings = []
    for lid, props in configurations:
        config = props.get("LoggingConfig", {})
        text_on = str(config.get("textDataDeliveryEnabled")).lower() == "true"
        bucket = config.get("s3Config", {}).get("bucketName")
        log_group = config.get("cloudWatchConfig", {}).get("logGroupName")
        encrypted_bucket = (
            isinstance(bucket, dict)
            and "Ref" in bucket
            and "aws:kms"
            in _text(resources.get(bucket["Ref"], {}).get("Properties", {}).get("BucketEncryption", {}))
        )
        encrypted_group = any(
            props_.get("LogGroupName") == log_group and props_.get("KmsKeyId")
            for _, props_ in _resources(template, "AWS::Logs::LogGroup")
        )
        if not (text_on and encrypted_bucket and encrypted_group):
            findings.append(Finding(lid, "Properties/LoggingConfig"))
    return findings


def log_retention_minimum(minimum_days: int) -> Callable[[Template], list[Finding]]:
    """Every log group keeps logs at least ``minimum_days``."""

    def check(template: Template) -> list[Finding]:
        return [
            Finding(lid, "Properties/RetentionInDays")
            for lid, props in _resources(template, "AWS::Logs::LogGroup")
            if not isinstance(props.get("RetentionInDays"), int) or props["RetentionInDays"] < minimum_days
        ]

    return check


def application_profile_cost_tags(tag_keys: Sequence[str]) -> Callable[[Template], list[Finding]]:
    """Every application inference profile carries the cost-allocation tags."""

    def check(template: Template) -> list[Finding]:
        findings = []
        for lid, props in _resources(template, "AWS::Bedrock::ApplicationInferenceProfile"):
            keys = {tag.get("Key") for tag in props.get("Tags", []) if isinstance(tag, dict)}
            if not set(tag_keys) <= keys:
                findings.append(Finding(lid, "Properties/Tags"))
        return findings

    return check


LIMIT_FIX = (
    "Make it smaller: the finding's location gives the size (with deploy-time values at their longest) and "
    "AWS's limit. Split the policy, name fewer principals or models, or move teams into stacks of their own."
)


def _located(check: Callable[[Template], list[tuple[str, str]]]) -> Callable[[Template], list[Finding]]:
    def rule(template: Template) -> list[Finding]:
        return [Finding(logical_id, location) for logical_id, location in check(template)]

    rule.__name__ = getattr(check, "__name__", "limit")
    return rule


@jsii.implements(cdk.IPolicyValidationPlugin)
class BedrockChecks:
    """The Bedrock rule pack: register with ``Validations.of(app).add_plugins(BedrockChecks())``.

    :param minimum_log_retention_days: the least retention any log group may have. Default: 2192 (six years).
    :param cost_tag_keys: tags every application inference profile must carry. Default: ``team``, ``cost-center``.
    """

    def __init__(
        self,
        *,
        minimum_log_retention_days: int = 2192,
        cost_tag_keys: Sequence[str] = ("team", "cost-center"),
    ) -> None:
        if (
            isinstance(minimum_log_retention_days, bool)
            or not isinstance(minimum_log_retention_days, int)
            or minimum_log_retention_days < 1
        ):
            raise ValueError(
                f"minimum_log_retention_days: {minimum_log_retention_days!r} must be a positive number of days"
            )
        if not isinstance(cost_tag_keys, list | tuple) or not all(
            isinstance(k, str) and k for k in cost_tag_keys
        ):
            raise ValueError(
                f"cost_tag_keys: {cost_tag_keys!r} must be a list of tag keys, e.g. ['team', 'cost-center']"
            )
        self.rules: tuple[Rule, ...] = (
            Rule("Bedrock-GuardrailCustomerManagedKey", "The guardrail is not encrypted with a customer-managed KMS key.", "Set KmsKeyArn (BedrockGuardrail does by default).", guardrail_customer_managed_key),
            Rule("Bedrock-GuardrailFilters", "The guardrail lacks an input prompt-attack filter or a sensitive-information policy.", "Use GuardrailPolicy.hipaa() or add PROMPT_ATTACK and PII/regex filters.", guardrail_filters),
            Rule("Bedrock-RuntimeEndpointPolicy", "Invoke is granted without a bedrock-runtime endpoint in the app, or the endpoint's policy is missing or lets anyone do anything.", "Add BedrockPrivateNetwork, whose runtime endpoint policy names the approved models.", runtime_endpoint_policy, runtime_endpoint_policy),
            Rule("Bedrock-NoWildcardInvoke", "An identity policy grants invoke on '*' or on every foundation model or inference profile.", "Grant the approved models' ARNs with grant_invoke() or invoke_statements().", no_wildcard_invoke),
            Rule("Bedrock-InvokeEnforcesGuardrail", "An identity policy allows invoke without requiring a guardrail (a StringEquals/ArnLike condition on bedrock:GuardrailIdentifier; a negated or IfExists operator lets calls without one through).", "Pass guardrail= to grant_invoke() / BedrockInvokerRole.", invoke_enforces_guardrail),
            Rule("Bedrock-NoModelManagementOnEverything", "An identity policy allows model management (customization, imports, provisioned throughput, batch or evaluation jobs) on '*'.", "Never grant MODEL_MANAGEMENT_ACTIONS to application roles; invoke_statements() denies them.", no_model_management_on_everything),
            Rule("Bedrock-InvocationLoggingConfigured", "Invoke is granted but model invocation logging (text on) to an encrypted bucket and log group is not configured in the app.", "Add ModelInvocationLogging (SecureBedrockLandingZone does).", invocation_logging_configured, invocation_logging_configured),
            Rule("Bedrock-LogRetentionMinimum", f"A log group keeps logs less than {minimum_log_retention_days} days (or forever unset).", f"Set retention to at least {minimum_log_retention_days} days.", log_retention_minimum(minimum_log_retention_days)),
            Rule("Bedrock-ApplicationProfileCostTags", f"An application inference profile lacks the cost-allocation tags {', '.join(cost_tag_keys)}.", "Create team profiles with BedrockTeam, which tags them.", application_profile_cost_tags(cost_tag_keys)),
            *(Rule(name, description, LIMIT_FIX, _located(check)) for name, description, check in LIMIT_CHECKS),
        )  # fmt: skip

    @property
    def name(self) -> str:
        """The pack's name (the prefix of acknowledgement ids: ``Bedrock::Bedrock-<Rule>``)."""
        return PACK

    @property
    def version(self) -> str:
        """The pack's version."""
        return "1.0.0"

    @property
    def rule_ids(self) -> list[str]:
        """Every rule's name."""
        return [rule.name for rule in self.rules]

    def evaluate(self, template: Template) -> dict[str, list[Finding]]:
        """The findings of every rule in one template (rule name to findings), for tests and reports."""
        return {rule.name: rule.check(template) for rule in self.rules}

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        """Check every template of the app; called by the validation framework at synth."""
        violations = []
        templates = {}
        for path in context.template_paths:
            with open(path) as handle:
                templates[path] = json.load(handle)
        for path, template in templates.items():
            others = [other for other_path, other in templates.items() if other_path != path]
            for rule in self.rules:
                findings = rule.check_in_app(template, others)
                if findings:
                    violations.append(
                        cdk.PolicyViolation(
                            rule_name=rule.name,
                            description=rule.description,
                            fix=rule.fix,
                            severity="error",
                            violating_resources=[
                                cdk.PolicyViolatingResource(
                                    resource_logical_id=finding.logical_id,
                                    template_path=path,
                                    locations=[finding.location],
                                )
                                for finding in findings
                            ],
                        )
                    )
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)
