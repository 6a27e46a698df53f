"""BedrockGuardrail: typed filters, every Bedrock limit, the HIPAA preset, version publishing, metrics."""

from __future__ import annotations

import dataclasses
import json

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from cfnlint.api import ManualArgs, lint

from secure_bedrock import (
    BedrockGuardrail,
    BedrockModels,
    ContentFilter,
    DeniedTopic,
    GuardrailPolicy,
    PiiEntity,
    RegexFilter,
)
from tests.conftest import FEATURE_FLAGS, compliance_findings

HIPAA = GuardrailPolicy.hipaa()


def guardrail_props(template: Template) -> dict:
    (resource,) = template.find_resources("AWS::Bedrock::Guardrail").values()
    return resource["Properties"]


def version_of(policy: GuardrailPolicy, **options: object) -> tuple[str, dict]:
    app = App(context=FEATURE_FLAGS)
    stack = Stack(app, "Test", env=Environment(region="us-east-1"))
    if options.pop("own_key", False):
        from aws_cdk import aws_kms as kms

        options["encryption_key"] = kms.Key(stack, "TheirKey")
    BedrockGuardrail(stack, "Guardrail", policy=policy, **options)
    ((logical_id, version),) = (
        Template.from_stack(stack).find_resources("AWS::Bedrock::GuardrailVersion").items()
    )
    return logical_id, version


def test_guardrail_is_encrypted_with_its_own_key_and_retained(stack: Stack) -> None:
    BedrockGuardrail(stack, "Guardrail", policy=HIPAA)
    template = Template.from_stack(stack)
    props = guardrail_props(template)
    assert props["KmsKeyArn"]["Fn::GetAtt"][0].startswith("GuardrailKey")
    template.has_resource("AWS::Bedrock::Guardrail", {"DeletionPolicy": "Retain"})
    template.has_resource(
        "AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain"}
    )


def test_hipaa_preset_blocks_attacks_and_anonymizes_phi(stack: Stack) -> None:
    BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa(deny_medical_advice=True))
    props = guardrail_props(Template.from_stack(stack))
    filters = {f["Type"]: f for f in props["ContentPolicyConfig"]["FiltersConfig"]}
    assert set(filters) == {"SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"}
    assert filters["PROMPT_ATTACK"]["InputStrength"] == "HIGH"
    assert filters["PROMPT_ATTACK"]["OutputStrength"] == "NONE"
    pii = {e["Type"]: e for e in props["SensitiveInformationPolicyConfig"]["PiiEntitiesConfig"]}
    for phi in ("NAME", "ADDRESS", "AGE", "PHONE", "EMAIL", "URL", "IP_ADDRESS", "US_BANK_ACCOUNT_NUMBER"):
        assert pii[phi]["InputAction"] == pii[phi]["OutputAction"] == pii[phi]["Action"] == "ANONYMIZE", phi
    assert pii["US_SOCIAL_SECURITY_NUMBER"]["Action"] == "BLOCK"
    regexes = {r["Name"] for r in props["SensitiveInformationPolicyConfig"]["RegexesConfig"]}
    assert {"MedicalRecordNumber", "HealthPlanBeneficiaryNumber", "MedicareBeneficiaryIdentifier"} <= regexes
    (topic,) = props["TopicPolicyConfig"]["TopicsConfig"]
    assert topic["Name"] == "Medical advice"
    assert topic["Type"] == "DENY"
    assert props["WordPolicyConfig"]["ManagedWordListsConfig"] == [
        {"Type": "PROFANITY", "InputAction": "BLOCK", "OutputAction": "BLOCK"}
    ]


def test_hipaa_regexes_catch_the_identifiers_they_name() -> None:
    import re

    patterns = {r.name: re.compile(r.pattern) for r in HIPAA.regex_filters}
    assert patterns["MedicalRecordNumber"].search("Patient MRN: A1234567 was admitted")
    assert patterns["HealthPlanBeneficiaryNumber"].search("Member ID: XJH12345678")
    assert patterns["MedicareBeneficiaryIdentifier"].search("MBI 1EG4-TE5-MK73")
    assert patterns["NationalProviderIdentifier"].search("NPI 1234567893")
    assert not patterns["MedicalRecordNumber"].search("the weather is nice")


def test_preset_can_be_extended_or_overridden() -> None:
    policy = dataclasses.replace(
        HIPAA,
        regex_filters=(*HIPAA.regex_filters, RegexFilter(name="ClaimNumber", pattern=r"CLM-[0-9]{8}")),
        grounding_threshold=0.8,
        relevance_threshold=0.5,
        words=("project-x",),
    )
    policy.validate()
    assert len(policy.regex_filters) == len(HIPAA.regex_filters) + 1


def test_grounding_words_and_cross_region_profile(stack: Stack) -> None:
    policy = dataclasses.replace(
        HIPAA,
        grounding_threshold=0.75,
        relevance_threshold=0.5,
        words=("confidential",),
        content_filters_tier="STANDARD",
    )
    guardrail = BedrockGuardrail(
        stack,
        "Guardrail",
        policy=policy,
        cross_region_profile="us.guardrail.v1:0",
        cross_region_destinations=["us-east-2", "us-west-2"],
    )
    props = guardrail_props(Template.from_stack(stack))
    assert props["ContextualGroundingPolicyConfig"]["FiltersConfig"] == [
        {"Type": "GROUNDING", "Threshold": 0.75, "Action": "BLOCK"},
        {"Type": "RELEVANCE", "Threshold": 0.5, "Action": "BLOCK"},
    ]
    assert props["WordPolicyConfig"]["WordsConfig"] == [
        {"Text": "confidential", "InputAction": "BLOCK", "OutputAction": "BLOCK"}
    ]
    assert props["ContentPolicyConfig"]["ContentFiltersTierConfig"] == {"TierName": "STANDARD"}
    assert (
        props["CrossRegionConfig"]["GuardrailProfileArn"]["Fn::Join"][1][-1]
        == ":guardrail-profile/us.guardrail.v1:0"
    )
    assert len(guardrail.profile_arns) == 3


def test_cfn_lint_accepts_the_guardrail(stack: Stack) -> None:
    BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa(deny_medical_advice=True))
    template = Template.from_stack(stack).to_json()
    matches = lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    assert [f"{m.rule.id}: {m.message}" for m in matches if m.rule.id.startswith("E")] == []


def test_version_is_republished_only_when_the_configuration_changes() -> None:
    logical_a, version_a = version_of(HIPAA)
    logical_b, version_b = version_of(GuardrailPolicy.hipaa())
    logical_c, version_c = version_of(dataclasses.replace(HIPAA, words=("new-word",)))
    # Same construct id each time; the description (a replacement property) carries the hash.
    assert logical_a == logical_b == logical_c
    assert version_a == version_b
    assert version_a["Properties"]["Description"] != version_c["Properties"]["Description"]
    assert version_a["Properties"]["Description"].startswith("secure-bedrock configuration ")
    assert version_a["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize(
    "change",
    [
        {"name": "renamed-guardrail"},
        {"description": "another description"},
        {"own_key": True},
        {"cross_region_profile": "us.guardrail.v1:0"},
        {"policy": dataclasses.replace(HIPAA, blocked_input_message="Not allowed.")},
        {"policy": dataclasses.replace(HIPAA, relevance_threshold=0.5)},
    ],
    ids=["name", "description", "key", "cross-region profile", "message", "grounding"],
)
def test_every_property_a_version_captures_publishes_a_new_one(change: dict) -> None:
    options = dict(change)
    policy = options.pop("policy", HIPAA)
    _, before = version_of(HIPAA)
    _, after = version_of(policy, **options)
    assert before["Properties"]["Description"] != after["Properties"]["Description"], change


def test_tags_do_not_publish_a_new_version() -> None:
    from aws_cdk import Tags

    app = App(context=FEATURE_FLAGS)
    stack = Stack(app, "Test", env=Environment(region="us-east-1"))
    tagged = BedrockGuardrail(stack, "Guardrail", policy=HIPAA)
    Tags.of(tagged).add("cost-center", "1234")
    (version,) = Template.from_stack(stack).find_resources("AWS::Bedrock::GuardrailVersion").values()
    assert version == version_of(HIPAA)[1]


def test_a_transition_allows_the_previous_version_beside_the_new_one(stack: Stack) -> None:
    from secure_bedrock import BedrockInvokerRole

    guardrail = BedrockGuardrail(stack, "Guardrail", policy=HIPAA, previous_version="3")
    BedrockInvokerRole(
        stack,
        "Invoker",
        assumed_by=iam.AccountRootPrincipal(),
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        guardrail=guardrail,
    )
    resolved = stack.resolve(guardrail.allowed_version_arns)
    assert len(resolved) == 2
    assert json.dumps(resolved[1]).endswith('":3"]]}'), resolved[1]
    statements = [
        statement
        for policy in Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    deny = next(s for s in statements if s.get("Sid") == "DenyInvokeWithoutTheGuardrail")
    allows = [s for s in statements if s["Effect"] == "Allow" and "bedrock:InvokeModel" in s["Action"]]
    assert deny["Condition"]["StringNotEquals"]["bedrock:GuardrailIdentifier"] == resolved
    assert allows
    for allow in allows:
        assert allow["Condition"]["StringEquals"]["bedrock:GuardrailIdentifier"] == resolved


def test_account_wide_enforcement(stack: Stack) -> None:
    BedrockGuardrail(
        stack,
        "Guardrail",
        policy=HIPAA,
        enforce_in_account=True,
        exempt_models=[BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Bedrock::EnforcedGuardrailConfiguration",
        {
            "GuardrailIdentifier": {"Fn::GetAtt": [Match.string_like_regexp("Guardrail"), "GuardrailId"]},
            "GuardrailVersion": {"Fn::GetAtt": [Match.string_like_regexp("GuardrailVersion"), "Version"]},
            "ModelEnforcement": {
                "IncludedModels": ["ALL"],
                "ExcludedModels": ["amazon.titan-embed-text-v2:0"],
            },
        },
    )


def test_grant_apply_and_metrics(stack: Stack) -> None:
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=HIPAA)
    role = iam.Role(stack, "App", assumed_by=iam.AccountRootPrincipal())
    guardrail.grant_apply(role)
    policy = next(iter(Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()))
    actions = [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert "bedrock:ApplyGuardrail" in actions
    assert "kms:Decrypt" in actions
    metric = guardrail.metric_invocations_intervened()
    assert metric.namespace == "AWS/Bedrock/Guardrails"
    assert metric.metric_name == "InvocationsIntervened"
    assert set(stack.resolve(metric.dimensions)) == {"GuardrailArn", "GuardrailVersion"}
    names = {
        guardrail.metric_invocations().metric_name,
        guardrail.metric_invocation_latency().metric_name,
        guardrail.metric_invocation_client_errors().metric_name,
        guardrail.metric_invocation_server_errors().metric_name,
        guardrail.metric_invocation_throttles().metric_name,
        guardrail.metric_text_unit_count().metric_name,
    }
    assert names == {
        "Invocations",
        "InvocationLatency",
        "InvocationClientErrors",
        "InvocationServerErrors",
        "InvocationThrottles",
        "TextUnitCount",
    }
    assert guardrail.metric_invocation_latency().statistic == "Average"


def test_guardrail_passes_the_packs(stack: Stack) -> None:
    BedrockGuardrail(stack, "Guardrail", policy=HIPAA)
    assert compliance_findings(stack) == []


def replaced(**changes) -> GuardrailPolicy:
    return dataclasses.replace(HIPAA, **changes)


def test_fails_on_a_threshold_that_is_not_a_number(stack: Stack) -> None:
    with pytest.raises(TypeError, match=r"grounding_threshold must be a number from 0 to 0.99, got 'high'"):
        BedrockGuardrail(stack, "Guardrail", policy=replaced(grounding_threshold="high"))


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            replaced(denied_topics=tuple(DeniedTopic(name=f"T{i}", definition="d") for i in range(31))),
            r"denied_topics: 31 topics; a guardrail takes at most 30",
        ),
        (
            replaced(denied_topics=(DeniedTopic(name="Bad/name", definition="d"),)),
            r"denied_topics\[0\].name: 'Bad/name' must be 1-100",
        ),
        (
            replaced(denied_topics=(DeniedTopic(name="T", definition="x" * 201),)),
            r"denied_topics\[0\].definition: 201 characters; use 1 to 200",
        ),
        (
            replaced(denied_topics=(DeniedTopic(name="T", definition="d", examples=("e",) * 6),)),
            r"denied_topics\[0\].examples: 6 examples; use at most 5",
        ),
        (
            replaced(denied_topics=(DeniedTopic(name="T", definition="d", examples=("x" * 101,)),)),
            r"denied_topics\[0\].examples\[0\]: 101 characters",
        ),
        (replaced(blocked_input_message=""), r"blocked_input_message: 0 characters; use 1 to 500"),
        (replaced(blocked_output_message="x" * 501), r"blocked_output_message: 501 characters; use 1 to 500"),
        (replaced(grounding_threshold=1.0), r"grounding_threshold: 1.0 is outside 0-0.99"),
        (replaced(relevance_threshold=-0.1), r"relevance_threshold: -0.1 is outside 0-0.99"),
        (
            replaced(regex_filters=tuple(RegexFilter(name=f"R{i}", pattern="a") for i in range(31))),
            r"regex_filters: 31 patterns; a guardrail takes at most 30",
        ),
        (
            replaced(regex_filters=(RegexFilter(name="R", pattern="(unclosed"),)),
            r"regex_filters\[0\].pattern: '\(unclosed' is not a regular expression",
        ),
        (
            replaced(regex_filters=(RegexFilter(name="R", pattern="x" * 501),)),
            r"regex_filters\[0\].pattern: 501 characters",
        ),
        (
            replaced(regex_filters=(RegexFilter(name="R", pattern="a", input_action="REDACT"),)),
            r"regex_filters\[0\].input_action: 'REDACT' is not one of BLOCK, ANONYMIZE, NONE",
        ),
        (replaced(words=("x" * 101,)), r"words\[0\]: 101 characters; use 1 to 100"),
        (replaced(words=("w",) * 2), r"words\[1\]: 'w' repeats words\[0\]"),
        (
            replaced(words=tuple(f"w{i}" for i in range(10001))),
            r"words: 10001 words; a guardrail takes at most 10000",
        ),
        (
            replaced(pii_entities=(PiiEntity(type="MEDICAL_RECORD"),)),
            r"pii_entities\[0\].type: 'MEDICAL_RECORD' is not one of",
        ),
        (
            replaced(pii_entities=(PiiEntity(type="NAME", input_action="NONE", output_action="NONE"),)),
            r"pii_entities\[0\]: both actions are NONE",
        ),
        (
            replaced(content_filters=(ContentFilter(type="PROMPT_ATTACK"),)),
            r"content_filters\[0\]: PROMPT_ATTACK filters only inputs; set output_strength='NONE'",
        ),
        (
            replaced(content_filters=(ContentFilter(type="HATE", input_strength="EXTREME"),)),
            r"content_filters\[0\].input_strength: 'EXTREME' is not one of",
        ),
        (
            replaced(content_filters=(ContentFilter(type="HATE", input_modalities=("AUDIO",)),)),
            r"content_filters\[0\].input_modalities: 'AUDIO' is not one of TEXT, IMAGE",
        ),
        (
            replaced(content_filters=(ContentFilter(type="HATE"), ContentFilter(type="HATE"))),
            r"content_filters\[1\]: 'HATE' repeats content_filters\[0\]",
        ),
        (replaced(topics_tier="PREMIUM"), r"topics_tier: 'PREMIUM' is not one of CLASSIC, STANDARD"),
        (GuardrailPolicy(), r"policy: it checks nothing"),
    ],
)
def test_fails_on_every_limit(stack: Stack, policy: GuardrailPolicy, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BedrockGuardrail(stack, "Guardrail", policy=policy)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "has space"}, ValueError, r"name: 'has space' must be 1-50 letters"),
        ({"name": "x" * 51}, ValueError, r"name: 'x{51}' must be 1-50"),
        ({"description": ""}, ValueError, r"description: 0 characters; use 1 to 200"),
        (
            {"cross_region_profile": "us-guardrail"},
            ValueError,
            r"cross_region_profile: 'us-guardrail' is not a guardrail profile id",
        ),
        (
            {"cross_region_destinations": ["us-east-2"]},
            ValueError,
            r"cross_region_destinations: given without cross_region_profile",
        ),
        (
            {"policy": replaced(content_filters_tier="STANDARD")},
            ValueError,
            r"cross_region_profile: the STANDARD tier needs",
        ),
        (
            {"exempt_models": [BedrockModels.AMAZON_NOVA_PRO]},
            ValueError,
            r"only apply with enforce_in_account=True",
        ),
        (
            {"previous_version": "DRAFT"},
            ValueError,
            r"previous_version: 'DRAFT' is not a published version number; .* e.g. '3', or None",
        ),
        ({"previous_version": "0"}, ValueError, r"previous_version: '0' is not a published version"),
        ({"previous_version": 3}, TypeError, r"previous_version must be"),
        ({"policy": "hipaa"}, TypeError, r"policy must be a GuardrailPolicy"),
        ({"encryption_key": "alias/x"}, TypeError, r"encryption_key must be a kms.IKey"),
    ],
)
def test_fails_on_bad_arguments(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    arguments = {"policy": HIPAA, **kwargs}
    with pytest.raises(error, match=message):
        BedrockGuardrail(stack, "Guardrail", **arguments)


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"words": "abc"}, TypeError, r"words must be a list of words or phrases, got 'abc'"),
        ({"words": None}, TypeError, r"words must be a list"),
        ({"content_filters": None}, TypeError, r"content_filters must be a list of ContentFilter"),
        ({"profanity_filter": 1}, TypeError, r"profanity_filter must be True or False"),
        (
            {"content_filters": (ContentFilter(type="HATE", input_modalities=5),)},  # type: ignore[arg-type]
            TypeError,
            r"content_filters\[0\].input_modalities must be a list",
        ),
        (
            {"denied_topics": (DeniedTopic(name="Advice", definition="d", examples="abc"),)},  # type: ignore[arg-type]
            TypeError,
            r"denied_topics\[0\].examples must be a list",
        ),
        (
            {"denied_topics": (DeniedTopic(name="Medical advice\n", definition="d"),)},
            ValueError,
            r"denied_topics\[0\].name: 'Medical advice\\n' must be",
        ),
        (
            {"regex_filters": (RegexFilter(name="n", pattern="a{99999999999999999999}"),)},
            ValueError,
            r"regex_filters\[0\].pattern: .* is not a regular expression \(the repetition number is too large\)",
        ),
    ],
)
def test_fails_on_policy_fields_of_the_wrong_shape(
    stack: Stack, change: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        BedrockGuardrail(stack, "Guardrail", policy=dataclasses.replace(HIPAA, **change))
    assert stack.node.try_find_child("Guardrail") is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"cross_region_profile": "us.guardrail.v1:0", "cross_region_destinations": "us-west-2"},
            TypeError,
            r"cross_region_destinations must be a list of region names",
        ),
        (
            {"cross_region_profile": "us.guardrail.v1:0", "cross_region_destinations": ["us-west-2\n"]},
            ValueError,
            r"cross_region_destinations\[0\]: 'us-west-2\\n' is not an AWS region name",
        ),
        (
            {"cross_region_profile": "us.guardrail.v1:0\n"},
            ValueError,
            r"cross_region_profile: .* is not a guardrail",
        ),
        ({"enforce_in_account": "yes"}, TypeError, r"enforce_in_account must be True or False"),
        (
            {"enforce_in_account": True, "enforced_models": ["amazon.nova-pro-v1:0"]},
            TypeError,
            r"enforced_models\[0\] must be a BedrockModel",
        ),
        ({"removal_policy": "RETAIN"}, TypeError, r"removal_policy must be a RemovalPolicy"),
        ({"name": "guardrail\n"}, ValueError, r"name: 'guardrail\\n' must be 1-50 letters"),
        (
            {"encryption_key": "arn:aws:kms:us-east-1:111122223333:key/abc"},
            TypeError,
            r"encryption_key must be",
        ),
    ],
)
def test_fails_on_arguments_of_the_wrong_shape(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        BedrockGuardrail(stack, "Guardrail", policy=HIPAA, **kwargs)
    assert stack.node.try_find_child("Guardrail") is None


def test_accepts_a_deploy_time_name(stack: Stack) -> None:
    from aws_cdk import CfnParameter

    name = CfnParameter(stack, "GuardrailName", default="phi-guardrail").value_as_string
    BedrockGuardrail(stack, "Guardrail", policy=HIPAA, name=name)
    assert guardrail_props(Template.from_stack(stack))["Name"] == {"Ref": "GuardrailName"}
