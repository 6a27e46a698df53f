"""A Bedrock guardrail with typed, validated filters, a HIPAA preset, and a version per configuration.

``BedrockGuardrail`` wraps ``AWS::Bedrock::Guardrail``. Every limit Bedrock enforces is checked at
synth with an error that names the argument. A ``GuardrailVersion`` is immutable, so the construct
publishes one whose description carries a hash of the configuration: a changed configuration
replaces it (a new version number on deploy), an unchanged one leaves it alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from secure_bedrock import actions
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_bool,
    require_construct,
    require_key,
    require_list,
    require_region,
    require_removal_policy,
    require_type,
    require_unique,
)
from secure_bedrock.encryption import create_key
from secure_bedrock.models import BedrockModel
from secure_bedrock.safe_harbor import SAFE_HARBOR_IDENTIFIERS, SAFE_HARBOR_REGEXES

CONTENT_FILTER_TYPES = ("SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK")
STRENGTHS = ("NONE", "LOW", "MEDIUM", "HIGH")
MODALITIES = ("TEXT", "IMAGE")
BLOCK_OR_NONE = ("BLOCK", "NONE")
PII_ACTIONS = ("BLOCK", "ANONYMIZE", "NONE")
TIERS = ("CLASSIC", "STANDARD")
#: The PII entity types Bedrock detects (AWS SDK ``GuardrailPiiEntityType``).
PII_TYPES = (
    "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD", "PHONE",
    "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
)  # fmt: skip
NAME_PATTERN = re.compile(r"^[0-9a-zA-Z_-]{1,50}\Z")
TOPIC_NAME_PATTERN = re.compile(r"^[0-9a-zA-Z_ !?.-]{1,100}\Z")
PROFILE_ID_PATTERN = re.compile(r"^[a-z0-9-]+\.guardrail\.v[0-9]+:[0-9]+\Z")
#: The model ids ``AWS::Bedrock::EnforcedGuardrailConfiguration`` accepts (its CloudFormation schema).
ENFORCEMENT_MODEL_PATTERN = re.compile(r"^[a-z0-9-]{1,63}\.[a-z0-9-]{1,63}(:[a-z0-9-]{1,63}){0,2}\Z")
#: Enforced guardrails: ``COMPREHENSIVE`` evaluates all content; ``SELECTIVE`` only what callers tag.
CONTENT_GUARDING = ("COMPREHENSIVE", "SELECTIVE")
MAX_TOPICS = 30
MAX_TOPIC_EXAMPLES = 5
MAX_WORDS = 10000
MAX_REGEXES = 30
#: The PII types ``GuardrailPolicy.hipaa()`` blocks rather than masks: SSNs and card numbers (Safe Harbor
#: identifiers that no prompt needs) and credentials, which are not PHI but must never reach a model.
HIPAA_BLOCKED_PII_TYPES = (
    "US_SOCIAL_SECURITY_NUMBER",
    "CREDIT_DEBIT_CARD_NUMBER",
    "PASSWORD",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
)
DEFAULT_BLOCKED_MESSAGE = "Sorry, this request or response violates the usage policy of this application."


def _check_length(argument: str, value: str, low: int, high: int) -> None:
    require_type(argument, value, str, "a string")
    if not low <= len(value) <= high:
        raise ValueError(f"{argument}: {len(value)} characters; use {low} to {high}")


def _check_choice(argument: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"{argument}: {value!r} is not one of {', '.join(choices)}")


def _sensitive_actions(input_action: str, output_action: str) -> dict[str, Any]:
    """The action fields of a PII or regex entry: per direction, enabled where not ``NONE``, and the
    legacy (required) ``Action`` set to the stricter of the two."""
    return {
        "action": "BLOCK" if "BLOCK" in (input_action, output_action) else "ANONYMIZE",
        "input_action": input_action,
        "output_action": output_action,
        "input_enabled": input_action != "NONE",
        "output_enabled": output_action != "NONE",
    }


@dataclass(frozen=True)
class ContentFilter:
    """A content filter. ``PROMPT_ATTACK`` applies to input only, so its output strength must be ``NONE``."""

    type: str
    input_strength: str = "HIGH"
    output_strength: str = "HIGH"
    input_modalities: tuple[str, ...] = ("TEXT",)
    output_modalities: tuple[str, ...] = ("TEXT",)
    input_action: str = "BLOCK"
    output_action: str = "BLOCK"

    def validate(self, argument: str) -> None:
        """Raise ``ValueError`` naming ``argument`` if a field is out of range."""
        _check_choice(f"{argument}.type", self.type, CONTENT_FILTER_TYPES)
        _check_choice(f"{argument}.input_strength", self.input_strength, STRENGTHS)
        _check_choice(f"{argument}.output_strength", self.output_strength, STRENGTHS)
        _check_choice(f"{argument}.input_action", self.input_action, BLOCK_OR_NONE)
        _check_choice(f"{argument}.output_action", self.output_action, BLOCK_OR_NONE)
        for direction, modalities in (("input", self.input_modalities), ("output", self.output_modalities)):
            require_list(f"{argument}.{direction}_modalities", modalities, "a list such as ('TEXT', 'IMAGE')")
            for modality in modalities:
                _check_choice(f"{argument}.{direction}_modalities", modality, MODALITIES)
            if not modalities or len(set(modalities)) != len(modalities):
                raise ValueError(f"{argument}.{direction}_modalities: name TEXT and/or IMAGE once each")
        if self.type == "PROMPT_ATTACK" and self.output_strength != "NONE":
            raise ValueError(
                f"{argument}: PROMPT_ATTACK filters only inputs; set output_strength='NONE' (got {self.output_strength!r})"
            )

    def to_cfn(self) -> bedrock.CfnGuardrail.ContentFilterConfigProperty:
        """The CloudFormation form."""
        return bedrock.CfnGuardrail.ContentFilterConfigProperty(
            type=self.type,
            input_strength=self.input_strength,
            output_strength=self.output_strength,
            input_modalities=list(self.input_modalities),
            output_modalities=list(self.output_modalities),
            input_action=self.input_action,
            output_action=self.output_action,
            input_enabled=True,
            output_enabled=self.type != "PROMPT_ATTACK",
        )


@dataclass(frozen=True)
class DeniedTopic:
    """A topic the guardrail blocks, defined in natural language, with up to five examples."""

    name: str
    definition: str
    examples: tuple[str, ...] = ()

    def validate(self, argument: str, tier: str) -> None:
        """Raise ``ValueError`` naming ``argument`` if a field is out of range."""
        require_type(f"{argument}.name", self.name, str, "a string")
        if not TOPIC_NAME_PATTERN.match(self.name):
            raise ValueError(
                f"{argument}.name: {self.name!r} must be 1-100 letters, digits, spaces or - _ ! ? ."
            )
        _check_length(f"{argument}.definition", self.definition, 1, 200 if tier == "CLASSIC" else 1000)
        require_list(f"{argument}.examples", self.examples, "a list of example prompts")
        if len(self.examples) > MAX_TOPIC_EXAMPLES:
            raise ValueError(
                f"{argument}.examples: {len(self.examples)} examples; use at most {MAX_TOPIC_EXAMPLES}"
            )
        for index, example in enumerate(self.examples):
            _check_length(f"{argument}.examples[{index}]", example, 1, 100)

    def to_cfn(self) -> bedrock.CfnGuardrail.TopicConfigProperty:
        """The CloudFormation form."""
        return bedrock.CfnGuardrail.TopicConfigProperty(
            name=self.name,
            definition=self.definition,
            examples=list(self.examples) or None,
            type="DENY",
            input_action="BLOCK",
            output_action="BLOCK",
            input_enabled=True,
            output_enabled=True,
        )


@dataclass(frozen=True)
class PiiEntity:
    """A PII entity type and what to do with it in prompts (input) and responses (output)."""

    type: str
    input_action: str = "ANONYMIZE"
    output_action: str = "ANONYMIZE"

    def validate(self, argument: str) -> None:
        """Raise ``ValueError`` naming ``argument`` if a field is out of range."""
        _check_choice(f"{argument}.type", self.type, PII_TYPES)
        _check_choice(f"{argument}.input_action", self.input_action, PII_ACTIONS)
        _check_choice(f"{argument}.output_action", self.output_action, PII_ACTIONS)
        if self.input_action == self.output_action == "NONE":
            raise ValueError(
                f"{argument}: both actions are NONE; remove the entity or choose BLOCK or ANONYMIZE"
            )

    def to_cfn(self) -> bedrock.CfnGuardrail.PiiEntityConfigProperty:
        """The CloudFormation form: per-direction actions, and ``Action`` (required) set to the stricter."""
        return bedrock.CfnGuardrail.PiiEntityConfigProperty(
            type=self.type, **_sensitive_actions(self.input_action, self.output_action)
        )


@dataclass(frozen=True)
class RegexFilter:
    """A sensitive-information pattern Bedrock has no built-in type for (record numbers, plan ids)."""

    name: str
    pattern: str
    description: str = ""
    input_action: str = "ANONYMIZE"
    output_action: str = "ANONYMIZE"

    def validate(self, argument: str) -> None:
        """Raise ``ValueError`` naming ``argument`` if a field is out of range or the pattern does not compile."""
        _check_length(f"{argument}.name", self.name, 1, 100)
        _check_length(f"{argument}.pattern", self.pattern, 1, 500)
        if self.description:
            _check_length(f"{argument}.description", self.description, 1, 1000)
        try:
            re.compile(self.pattern)
        except (re.error, OverflowError) as error:
            raise ValueError(
                f"{argument}.pattern: {self.pattern!r} is not a regular expression ({error})"
            ) from None
        _check_choice(f"{argument}.input_action", self.input_action, PII_ACTIONS)
        _check_choice(f"{argument}.output_action", self.output_action, PII_ACTIONS)

    def to_cfn(self) -> bedrock.CfnGuardrail.RegexConfigProperty:
        """The CloudFormation form."""
        return bedrock.CfnGuardrail.RegexConfigProperty(
            name=self.name,
            pattern=self.pattern,
            description=self.description or None,
            **_sensitive_actions(self.input_action, self.output_action),
        )


def _validate_items(
    argument: str,
    items: Sequence[Any],
    kind: type,
    max_count: int | None,
    key: Callable[[Any], object],
    suffix: str = "",
    noun: str = "entries",
    **options: str,
) -> None:
    """Check a list of filters: its length, each item's type and limits (by index), and repeats."""
    require_list(argument, items, f"a list of {kind.__name__}")
    if max_count is not None and len(items) > max_count:
        raise ValueError(f"{argument}: {len(items)} {noun}; a guardrail takes at most {max_count}")
    for index, item in enumerate(items):
        require_type(f"{argument}[{index}]", item, kind, f"a {kind.__name__}")
        item.validate(f"{argument}[{index}]", *options.values())
    require_unique(argument, [key(item) for item in items], suffix)


@dataclass(frozen=True)
class GuardrailPolicy:
    """Everything a guardrail checks; :meth:`hipaa` gives the preset, ``dataclasses.replace`` changes any part."""

    content_filters: tuple[ContentFilter, ...] = ()
    content_filters_tier: str = "CLASSIC"
    denied_topics: tuple[DeniedTopic, ...] = ()
    topics_tier: str = "CLASSIC"
    words: tuple[str, ...] = ()
    profanity_filter: bool = False
    pii_entities: tuple[PiiEntity, ...] = ()
    regex_filters: tuple[RegexFilter, ...] = ()
    grounding_threshold: float | None = None
    relevance_threshold: float | None = None
    blocked_input_message: str = DEFAULT_BLOCKED_MESSAGE
    blocked_output_message: str = DEFAULT_BLOCKED_MESSAGE

    @classmethod
    def hipaa(cls, *, deny_medical_advice: bool = False) -> GuardrailPolicy:
        """A preset for PHI: identifiers anonymized (credentials, SSNs and card numbers blocked), harmful
        content and prompt attacks blocked.

        The PII types and regexes come from :data:`secure_bedrock.safe_harbor.SAFE_HARBOR_IDENTIFIERS`,
        which maps the 18 HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) to the managed types
        that detect them (names, addresses, ages, phone and fax, email, SSNs, bank, card and health
        numbers, licences, vehicles, MAC and IP addresses, URLs, passport and tax numbers, user names)
        and to the library's regexes where Bedrock has no type (dates, ages over 89, ZIP codes,
        geocodes, medical record, health plan, Medicare, account, certificate and licence, device and
        NPI numbers, IPv6 addresses). Biometric identifiers and full-face photographs cannot be
        detected by a text guardrail, and the preset is a safety net, not de-identification: see the
        control map (docs/hipaa-controls.md) for what each identifier's detectors miss.

        :param deny_medical_advice: also block diagnosis and treatment advice as a denied topic.
        """
        topics: tuple[DeniedTopic, ...] = ()
        if deny_medical_advice:
            topics = (
                DeniedTopic(
                    name="Medical advice",
                    definition=(
                        "Diagnosing a person's condition, recommending or changing treatment, medication or dosage, "
                        "or telling someone whether to seek care."
                    ),
                    examples=(
                        "Do I have diabetes based on these symptoms?",
                        "How much of this medication should I take?",
                        "Should I stop taking my prescription?",
                    ),
                ),
            )
        return cls(
            content_filters=(
                *(ContentFilter(type=t) for t in ("SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT")),
                ContentFilter(type="PROMPT_ATTACK", output_strength="NONE"),
            ),
            denied_topics=topics,
            profanity_filter=True,
            pii_entities=tuple(
                PiiEntity(type=t, input_action="BLOCK", output_action="BLOCK")
                if t in HIPAA_BLOCKED_PII_TYPES
                else PiiEntity(type=t)
                for t in dict.fromkeys(
                    [*(t for i in SAFE_HARBOR_IDENTIFIERS for t in i.pii_types), *HIPAA_BLOCKED_PII_TYPES]
                )
            ),
            regex_filters=tuple(
                RegexFilter(name=r.name, pattern=r.pattern, description=r.description)
                for r in SAFE_HARBOR_REGEXES
            ),
            grounding_threshold=None,
            relevance_threshold=None,
        )

    def validate(self, argument: str = "") -> None:
        """Check every Bedrock limit; raise ``ValueError`` naming the field and index.

        :param argument: the name of the argument that holds this policy, prefixed to the fields in
            messages (``guardrail_policy.words[0]``). Default: the fields alone.
        """

        def field(name: str) -> str:
            return f"{argument}.{name}" if argument else name

        _check_choice(field("content_filters_tier"), self.content_filters_tier, TIERS)
        _check_choice(field("topics_tier"), self.topics_tier, TIERS)
        _validate_items(
            field("content_filters"),
            self.content_filters,
            ContentFilter,
            None,
            lambda f: f.type,
            " (one filter per type)",
        )
        _validate_items(
            field("denied_topics"),
            self.denied_topics,
            DeniedTopic,
            MAX_TOPICS,
            lambda t: t.name,
            noun="topics",
            tier=self.topics_tier,
        )
        require_list(field("words"), self.words, "a list of words or phrases")
        if len(self.words) > MAX_WORDS:
            raise ValueError(
                f"{field('words')}: {len(self.words)} words; a guardrail takes at most {MAX_WORDS}"
            )
        for index, word in enumerate(self.words):
            _check_length(f"{field('words')}[{index}]", word, 1, 100)
        require_unique(field("words"), list(self.words))
        require_bool(field("profanity_filter"), self.profanity_filter)
        _validate_items(
            field("pii_entities"),
            self.pii_entities,
            PiiEntity,
            None,
            lambda e: e.type,
            " (one entry per type)",
        )
        _validate_items(
            field("regex_filters"),
            self.regex_filters,
            RegexFilter,
            MAX_REGEXES,
            lambda r: r.name,
            noun="patterns",
        )
        for name, threshold in (
            (field("grounding_threshold"), self.grounding_threshold),
            (field("relevance_threshold"), self.relevance_threshold),
        ):
            if threshold is not None:
                if isinstance(threshold, bool) or not isinstance(threshold, int | float):
                    raise TypeError(f"{name} must be a number from 0 to 0.99, got {threshold!r}")
                if not 0 <= threshold <= 0.99:
                    raise ValueError(f"{name}: {threshold} is outside 0-0.99; higher blocks more responses")
        _check_length(field("blocked_input_message"), self.blocked_input_message, 1, 500)
        _check_length(field("blocked_output_message"), self.blocked_output_message, 1, 500)
        if not (self.content_filters or self.denied_topics or self.words or self.profanity_filter or self.pii_entities
                or self.regex_filters or self.grounding_threshold is not None or self.relevance_threshold is not None):  # fmt: skip
            raise ValueError(
                f"{argument or 'policy'}: it checks nothing; add filters, or use GuardrailPolicy.hipaa()"
            )

    def fingerprint(self) -> str:
        """A short hash of the configuration: it changes exactly when the policy does."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


#: A published guardrail version's number (``DRAFT`` is not published).
VERSION_PATTERN = re.compile(r"^[1-9][0-9]{0,7}\Z")

#: ``AWS::Bedrock::Guardrail`` properties a published version does not capture.
UNVERSIONED_PROPERTIES = frozenset({"tags"})


def configuration_fingerprint(guardrail: bedrock.CfnGuardrail, policy: GuardrailPolicy) -> str:
    """A short hash of everything a published version captures: every property of the guardrail
    resource but its tags, as it will be deployed (references in their CloudFormation form, so a new
    key or profile changes it), and the policy it was built from."""
    stack = Stack.of(guardrail)
    properties = stack.resolve(guardrail._cfn_properties)  # every property the resource was given
    captured = {
        "properties": {
            name: value for name, value in properties.items() if name not in UNVERSIONED_PROPERTIES
        },
        "policy": asdict(policy),
    }
    return hashlib.sha256(json.dumps(captured, sort_keys=True).encode()).hexdigest()[:12]


def validate_previous_version(argument: str, version: str | None) -> None:
    """Raise naming ``argument`` unless ``version`` is ``None`` or a published version's number."""
    if version is None:
        return
    require_type(argument, version, str, "a published version number such as '3'")
    if not is_token(version) and not VERSION_PATTERN.match(version):
        raise ValueError(
            f"{argument}: {version!r} is not a published version number; use the number callers pass "
            "now (the stack output GuardrailVersion), e.g. '3', or None"
        )


def enforcement_model_id(argument: str, model: BedrockModel) -> str:
    """The id an enforced guardrail configuration names ``model`` by: its foundation model's
    (``provider.model[:version]``; profile ids and ARNs are refused by CloudFormation)."""
    model_id = model.foundation_model.model_id
    if not ENFORCEMENT_MODEL_PATTERN.match(model_id):
        raise ValueError(
            f"{argument}: {model_id!r} cannot be named in an enforced guardrail configuration, which takes "
            "foundation-model ids of the form 'provider.model[:version]'; leave it out (enforcement then "
            "covers every model)"
        )
    return model_id


def _unique_ids(models: Sequence[BedrockModel]) -> list[str]:
    return list(dict.fromkeys(model.foundation_model.model_id for model in models))


def validate_cross_region(
    policy: GuardrailPolicy,
    profile_argument: str,
    profile: str | None,
    destinations_argument: str,
    destinations: Sequence[str],
) -> list[str]:
    """Check a cross-region guardrail profile id and the regions it routes to; return the regions."""
    if profile is not None and (
        not isinstance(profile, str) or not (is_token(profile) or PROFILE_ID_PATTERN.match(profile))
    ):
        raise ValueError(
            f"{profile_argument}: {profile!r} is not a guardrail profile id; use e.g. 'us.guardrail.v1:0'"
        )
    if "STANDARD" in (policy.content_filters_tier, policy.topics_tier) and profile is None:
        raise ValueError(
            f"{profile_argument}: the STANDARD tier needs a cross-region guardrail profile, e.g. 'us.guardrail.v1:0'"
        )
    regions = require_list(destinations_argument, destinations, "a list of region names")
    for index, region in enumerate(regions):
        require_region(f"{destinations_argument}[{index}]", region)
    require_unique(destinations_argument, regions)
    if regions and profile is None:
        raise ValueError(f"{destinations_argument}: given without {profile_argument}; set both or neither")
    return regions


class BedrockGuardrail(Construct):
    """A Bedrock guardrail encrypted with a customer-managed key, and its published version.

    Attributes: ``guardrail`` (``CfnGuardrail``, id ``Resource``), ``version`` (``CfnGuardrailVersion``),
    ``guardrail_id``, ``guardrail_arn``, ``guardrail_version`` (the number), ``guardrail_version_arn``
    (``ARN:VERSION``), ``allowed_version_arns`` (the values callers may pass in the
    ``bedrock:GuardrailIdentifier`` condition: this version's, and during a transition the previous
    one's), ``configuration_fingerprint`` (the hash the published version's description carries), ``encryption_key``,
    ``profile_arns`` (the cross-region guardrail profile in each region it routes to),
    ``enforcement`` (``CfnEnforcedGuardrailConfiguration`` or ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        policy: GuardrailPolicy,
        name: str | None = None,
        description: str = "secure-bedrock guardrail",
        encryption_key: kms.IKey | None = None,
        cross_region_profile: str | None = None,
        cross_region_destinations: Sequence[str] = (),
        enforce_in_account: bool = False,
        enforced_models: Sequence[BedrockModel] = (),
        exempt_models: Sequence[BedrockModel] = (),
        content_guarding: str = "COMPREHENSIVE",
        previous_version: str | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param policy: what the guardrail checks, e.g. ``GuardrailPolicy.hipaa()``.
        :param name: 1-50 letters, digits, ``-`` or ``_``. Default: derived from the construct path.
        :param description: 1-200 characters. Default: ``secure-bedrock guardrail``.
        :param encryption_key: encrypts the guardrail. Default: a new customer-managed key with rotation.
        :param cross_region_profile: a guardrail profile id such as ``us.guardrail.v1:0`` (needed for the
            STANDARD tier). Default: none, the guardrail runs in this region.
        :param cross_region_destinations: the regions that profile may route to, for IAM
            (``ApplyGuardrail`` needs the profile ARN in each). Default: this region only.
        :param enforce_in_account: apply this guardrail to every model call of the account and region
            (``AWS::Bedrock::EnforcedGuardrailConfiguration``, one per account and region). Default: ``False``.
        :param enforced_models: with enforcement, only these models. Default: all models.
        :param exempt_models: with enforcement, not these models. Default: none.
        :param content_guarding: with enforcement, what of each request the guardrail evaluates, for
            user messages and system prompts alike: ``COMPREHENSIVE`` evaluates all of it, whatever the
            caller tagged; ``SELECTIVE`` honours the caller's guard-content tags, so a caller can leave
            parts of a prompt out. Default: ``COMPREHENSIVE``.
        :param previous_version: a version number published earlier (e.g. ``"3"``) that callers may go on
            passing while they move to the new one: the IAM conditions of roles built with this guardrail
            accept both. Set it in the deploy that changes the configuration, remove it once clients
            have moved (docs/upgrading.md, "Changing the guardrail"). Default: none, only this version.
        :param removal_policy: for the guardrail and its key. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        require_type("policy", policy, GuardrailPolicy, "a GuardrailPolicy, e.g. GuardrailPolicy.hipaa()")
        policy.validate()
        if name is not None:
            require_type("name", name, str, "1-50 letters, digits, '-' or '_'")
            if not is_token(name) and not NAME_PATTERN.match(name):
                raise ValueError(f"name: {name!r} must be 1-50 letters, digits, '-' or '_'")
        _check_length("description", description, 1, 200)
        require_key("encryption_key", encryption_key)
        destinations = validate_cross_region(
            policy,
            "cross_region_profile",
            cross_region_profile,
            "cross_region_destinations",
            cross_region_destinations,
        )
        require_bool("enforce_in_account", enforce_in_account)
        for argument, models in (("enforced_models", enforced_models), ("exempt_models", exempt_models)):
            for index, model in enumerate(require_list(argument, models, "a list of BedrockModel")):
                require_type(
                    f"{argument}[{index}]", model, BedrockModel, "a BedrockModel (see BedrockModels)"
                )
            require_unique(argument, [m.model_id for m in models])
            for index, model in enumerate(models):
                enforcement_model_id(f"{argument}[{index}]", model)
        if (enforced_models or exempt_models) and not enforce_in_account:
            raise ValueError("enforced_models, exempt_models: only apply with enforce_in_account=True")
        _check_choice("content_guarding", content_guarding, CONTENT_GUARDING)
        validate_previous_version("previous_version", previous_version)
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)

        self.policy = policy
        self.encryption_key: kms.IKey = encryption_key or create_key(
            self, "Key", purpose="Bedrock guardrail", removal_policy=removal_policy
        )
        self.profile_arns: list[str] = []
        cross_region = None
        if cross_region_profile is not None:
            regions = list(dict.fromkeys([stack.region, *destinations]))
            self.profile_arns = [
                stack.format_arn(
                    service="bedrock",
                    region=region,
                    resource="guardrail-profile",
                    resource_name=cross_region_profile,
                    arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                )
                for region in regions
            ]
            cross_region = bedrock.CfnGuardrail.GuardrailCrossRegionConfigProperty(
                guardrail_profile_arn=self.profile_arns[0]
            )

        self.guardrail = bedrock.CfnGuardrail(
            self,
            "Resource",
            name=name or f"secure-bedrock-{self.node.addr[:12]}",
            description=description,
            blocked_input_messaging=policy.blocked_input_message,
            blocked_outputs_messaging=policy.blocked_output_message,
            kms_key_arn=self.encryption_key.key_arn,
            cross_region_config=cross_region,
            content_policy_config=bedrock.CfnGuardrail.ContentPolicyConfigProperty(
                filters_config=[f.to_cfn() for f in policy.content_filters],
                content_filters_tier_config=bedrock.CfnGuardrail.ContentFiltersTierConfigProperty(
                    tier_name=policy.content_filters_tier
                ),
            )
            if policy.content_filters
            else None,
            topic_policy_config=bedrock.CfnGuardrail.TopicPolicyConfigProperty(
                topics_config=[t.to_cfn() for t in policy.denied_topics],
                topics_tier_config=bedrock.CfnGuardrail.TopicsTierConfigProperty(
                    tier_name=policy.topics_tier
                ),
            )
            if policy.denied_topics
            else None,
            word_policy_config=self._word_policy(policy),
            sensitive_information_policy_config=bedrock.CfnGuardrail.SensitiveInformationPolicyConfigProperty(
                pii_entities_config=[e.to_cfn() for e in policy.pii_entities] or None,
                regexes_config=[r.to_cfn() for r in policy.regex_filters] or None,
            )
            if policy.pii_entities or policy.regex_filters
            else None,
            contextual_grounding_policy_config=self._grounding_policy(policy),
        )
        self.guardrail.apply_removal_policy(removal_policy)
        self.guardrail_id = self.guardrail.attr_guardrail_id
        self.guardrail_arn = self.guardrail.attr_guardrail_arn

        # The description carries the hash of everything a published version captures: a change
        # replaces the version (a new number), no change leaves it in place. Earlier versions are
        # retained, so callers still pinned to one keep working where IAM allows them.
        self.configuration_fingerprint = configuration_fingerprint(self.guardrail, policy)
        self.version = bedrock.CfnGuardrailVersion(
            self,
            "Version",
            guardrail_identifier=self.guardrail_arn,
            description=f"secure-bedrock configuration {self.configuration_fingerprint}",
        )
        self.version.apply_removal_policy(RemovalPolicy.RETAIN)
        self.guardrail_version = self.version.attr_version
        self.guardrail_version_arn = f"{self.guardrail_arn}:{self.guardrail_version}"
        self.previous_version = previous_version
        self.allowed_version_arns = [self.guardrail_version_arn] + (
            [f"{self.guardrail_arn}:{previous_version}"] if previous_version is not None else []
        )

        self.enforcement: bedrock.CfnEnforcedGuardrailConfiguration | None = None
        if enforce_in_account:
            self.enforcement = bedrock.CfnEnforcedGuardrailConfiguration(
                self,
                "Enforcement",
                guardrail_identifier=self.guardrail_id,
                guardrail_version=self.guardrail_version,
                model_enforcement=bedrock.CfnEnforcedGuardrailConfiguration.ModelEnforcementProperty(
                    # The configuration names foundation models: a profile's requests are served by its model.
                    included_models=_unique_ids(enforced_models) or ["ALL"],
                    excluded_models=_unique_ids(exempt_models),
                ),
                selective_content_guarding=bedrock.CfnEnforcedGuardrailConfiguration.SelectiveContentGuardingProperty(
                    messages=content_guarding, system=content_guarding
                ),
            )

    @staticmethod
    def _word_policy(policy: GuardrailPolicy) -> bedrock.CfnGuardrail.WordPolicyConfigProperty | None:
        if not policy.words and not policy.profanity_filter:
            return None
        return bedrock.CfnGuardrail.WordPolicyConfigProperty(
            words_config=[
                bedrock.CfnGuardrail.WordConfigProperty(
                    text=word, input_action="BLOCK", output_action="BLOCK"
                )
                for word in policy.words
            ]
            or None,
            managed_word_lists_config=[
                bedrock.CfnGuardrail.ManagedWordsConfigProperty(
                    type="PROFANITY", input_action="BLOCK", output_action="BLOCK"
                )
            ]
            if policy.profanity_filter
            else None,
        )

    @staticmethod
    def _grounding_policy(
        policy: GuardrailPolicy,
    ) -> bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty | None:
        filters = [
            bedrock.CfnGuardrail.ContextualGroundingFilterConfigProperty(
                type=kind, threshold=threshold, action="BLOCK"
            )
            for kind, threshold in (
                ("GROUNDING", policy.grounding_threshold),
                ("RELEVANCE", policy.relevance_threshold),
            )
            if threshold is not None
        ]
        return (
            bedrock.CfnGuardrail.ContextualGroundingPolicyConfigProperty(filters_config=filters)
            if filters
            else None
        )

    def grant_apply(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` call ``ApplyGuardrail`` on this guardrail (and its cross-region profiles) and use its key."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
            resource_arns=[self.guardrail_arn, *self.profile_arns],
        )
        return grant.combine(self.encryption_key.grant_decrypt(grantee))

    # --- metrics (AWS/Bedrock/Guardrails) ----------------------------------------------------------

    def metric(
        self, metric_name: str, *, statistic: str = "Sum", period: Duration | None = None
    ) -> cloudwatch.Metric:
        """A metric of this guardrail's published version."""
        return cloudwatch.Metric(
            namespace="AWS/Bedrock/Guardrails",
            metric_name=metric_name,
            dimensions_map={"GuardrailArn": self.guardrail_arn, "GuardrailVersion": self.guardrail_version},
            statistic=statistic,
            period=period or Duration.minutes(5),
        )

    def metric_invocations(self, **options: Any) -> cloudwatch.Metric:
        """Requests evaluated by the guardrail."""
        return self.metric("Invocations", **options)

    def metric_invocations_intervened(self, **options: Any) -> cloudwatch.Metric:
        """Requests the guardrail blocked or masked."""
        return self.metric("InvocationsIntervened", **options)

    def metric_invocation_latency(self, **options: Any) -> cloudwatch.Metric:
        """Time the guardrail took (average by default)."""
        return self.metric("InvocationLatency", **{"statistic": "Average", **options})

    def metric_invocation_client_errors(self, **options: Any) -> cloudwatch.Metric:
        """Requests that failed with a client error."""
        return self.metric("InvocationClientErrors", **options)

    def metric_invocation_server_errors(self, **options: Any) -> cloudwatch.Metric:
        """Requests that failed with a server error."""
        return self.metric("InvocationServerErrors", **options)

    def metric_invocation_throttles(self, **options: Any) -> cloudwatch.Metric:
        """Requests that were throttled."""
        return self.metric("InvocationThrottles", **options)

    def metric_text_unit_count(self, **options: Any) -> cloudwatch.Metric:
        """Text units the guardrail evaluated (what it bills)."""
        return self.metric("TextUnitCount", **options)


class GuardrailReference(Construct):
    """A landing zone's guardrail as another stack sees it (a team stack, say): what callers' policies
    need, by value. Values may be deploy-time (SSM parameters, imports); see
    :class:`secure_bedrock.team_stacks.LandingZoneReference`, which builds one from the landing zone's
    parameters.

    Attributes, as on :class:`BedrockGuardrail`: ``guardrail_arn``, ``allowed_version_arns``,
    ``encryption_key`` (imported), ``profile_arns``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        guardrail_arn: str,
        allowed_version_arns: Sequence[str],
        key_arn: str,
        profile_arns: Sequence[str] = (),
    ) -> None:
        """
        :param guardrail_arn: the guardrail's ARN (no version).
        :param allowed_version_arns: the ``ARN:VERSION`` values callers may pass (one, or two during a
            guardrail change); duplicates are fine.
        :param key_arn: the ARN of the key that encrypts the guardrail.
        :param profile_arns: its cross-region guardrail profile's ARN in each region. Default: none.
        """
        require_construct(scope, construct_id)
        require_type("guardrail_arn", guardrail_arn, str, "a guardrail ARN")
        versions = require_list(
            "allowed_version_arns", allowed_version_arns, "a list of 'ARN:VERSION' strings"
        )
        if not versions:
            raise ValueError(
                "allowed_version_arns: name at least the guardrail's published version ('ARN:VERSION')"
            )
        for index, version in enumerate(versions):
            require_type(f"allowed_version_arns[{index}]", version, str, "an 'ARN:VERSION' string")
        require_type("key_arn", key_arn, str, "a KMS key ARN")
        profiles = require_list("profile_arns", profile_arns, "a list of guardrail-profile ARNs")
        super().__init__(scope, construct_id)
        self.guardrail_arn = guardrail_arn
        self.allowed_version_arns: list[str] = list(versions)
        self.encryption_key: kms.IKey = kms.Key.from_key_arn(self, "Key", key_arn)
        self.profile_arns: list[str] = list(profiles)


#: What an invoker's policies can be built from: a guardrail of this stack, or one by reference.
AnyGuardrail = BedrockGuardrail | GuardrailReference
