"""SecureBedrockLandingZone: the wiring between the constructs."""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from secure_bedrock import (
    AccessOptions,
    BedrockEndpointService,
    BedrockModels,
    EvidenceOptions,
    GuardrailOptions,
    GuardrailPolicy,
    NetworkOptions,
    ObjectLock,
    OperationsOptions,
    SecureBedrockLandingZone,
    TeamSpec,
)


def landing_zone(stack: Stack, **kwargs) -> SecureBedrockLandingZone:
    kwargs.setdefault("models", [BedrockModels.US_AMAZON_NOVA_PRO])
    return SecureBedrockLandingZone(stack, "LandingZone", **kwargs)


def test_control_endpoint_admits_the_logging_handler(reference_template: Template) -> None:
    (endpoint,) = reference_template.find_resources(
        "AWS::EC2::VPCEndpoint", {"Properties": {"ServiceName": "com.amazonaws.us-east-1.bedrock"}}
    ).values()
    (statement,) = [
        s
        for s in endpoint["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "LoggingHandlerSetsTheConfiguration"
    ]
    assert statement["Principal"]["AWS"]["Fn::GetAtt"][0].startswith(
        "LandingZoneInvocationLoggingHandlerRole"
    )
    assert sorted(statement["Action"]) == [
        "bedrock:DeleteModelInvocationLoggingConfiguration",
        "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:PutModelInvocationLoggingConfiguration",
    ]


def test_configuration_waits_for_the_private_path(reference_template: Template) -> None:
    (resource,) = reference_template.find_resources("Custom::BedrockModelInvocationLogging").values()
    depends_on = resource["DependsOn"]
    for fragment in ("NetworkControl", "NetworkRuntime", "NetworkVpcS3"):
        assert any(d.startswith(f"LandingZone{fragment}") for d in depends_on), fragment


def test_one_key_per_data_class(reference_template: Template) -> None:
    descriptions = sorted(
        k["Properties"]["Description"].split(" (")[0]
        for k in reference_template.find_resources("AWS::KMS::Key").values()
    )
    assert descriptions == [
        "secure-bedrock: Bedrock alarms and budget notifications",
        "secure-bedrock: Bedrock audit trail",
        "secure-bedrock: Bedrock guardrail",
        "secure-bedrock: Bedrock model invocation logs",
        "secure-bedrock: VPC flow logs",
    ]


def test_retention_everywhere_is_at_least_six_years(reference_template: Template) -> None:
    for logical_id, group in reference_template.find_resources("AWS::Logs::LogGroup").items():
        assert group["Properties"]["RetentionInDays"] >= 2192, logical_id
    for logical_id, bucket in reference_template.find_resources("AWS::S3::Bucket").items():
        rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert all(rule["ExpirationInDays"] >= 2192 for rule in rules), logical_id


def test_every_stateful_resource_is_retained(reference_template: Template) -> None:
    for resource_type in (
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::Logs::LogGroup",
        "AWS::CloudTrail::Trail",
    ):
        resources = reference_template.find_resources(resource_type)
        assert resources, resource_type
        for logical_id, resource in resources.items():
            assert resource["DeletionPolicy"] == "Retain", logical_id
            assert resource["UpdateReplacePolicy"] == "Retain", logical_id


def test_data_types_trail_and_auditor_options(stack: Stack) -> None:
    zone = landing_zone(
        stack,
        evidence=EvidenceOptions(
            invocation_log_data_types=["text"],
            audit_trail=False,
            auditor_principal=iam.ArnPrincipal("arn:aws:iam::111122223333:role/auditors"),
            object_lock=ObjectLock.compliance(2192),
        ),
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudTrail::Trail", 0)
    assert zone.audit_trail is None
    (resource,) = template.find_resources("Custom::BedrockModelInvocationLogging").values()
    config = resource["Properties"]["LoggingConfig"]
    assert config["textDataDeliveryEnabled"] is True
    assert config["imageDataDeliveryEnabled"] is False
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like({"Principal": {"AWS": "arn:aws:iam::111122223333:role/auditors"}})
                ]
            }
        },
    )
    template.has_resource_properties("AWS::S3::Bucket", {"ObjectLockEnabled": True})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"evidence": EvidenceOptions(invocation_log_data_types=["txt"])},
            r"evidence\.invocation_log_data_types\[0\]: 'txt' is not a data type",
        ),
        (
            {"network": NetworkOptions(endpoint_services=[BedrockEndpointService.AGENT_RUNTIME])},
            r"network\.endpoint_services: the invocation-logging handler reaches",
        ),
    ],
)
def test_fails_on_bad_input(stack: Stack, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        landing_zone(stack, **kwargs)


def test_reference_teams_invoke_through_the_runtime_endpoint(reference_template: Template) -> None:
    (endpoint,) = reference_template.find_resources(
        "AWS::EC2::VPCEndpoint", {"Properties": {"ServiceName": "com.amazonaws.us-east-1.bedrock-runtime"}}
    ).values()
    sids = {s["Sid"]: s for s in endpoint["Properties"]["PolicyDocument"]["Statement"]}
    # One statement for every team's application profiles: the policy does not grow with teams.
    assert sids["InvokeThisAccountsApplicationProfiles"]["Resource"] == {
        "Fn::Join": [
            "",
            ["arn:aws:bedrock:us-east-1:", {"Ref": "AWS::AccountId"}, ":application-inference-profile/*"],
        ]
    }
    assert not [sid for sid in sids if sid.startswith("Team")]
    reference_template.resource_count_is("AWS::Bedrock::ApplicationInferenceProfile", 3)


def test_reference_invoker_requires_the_guardrail_and_the_endpoint(reference_template: Template) -> None:
    (policy,) = reference_template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": "secure-bedrock invoker: approved models only: invoke permissions"}},
    ).values()
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        if statement["Effect"] == "Allow" and "bedrock:InvokeModel" in statement["Action"]:
            assert set(statement["Condition"]["StringEquals"]) == {
                "bedrock:GuardrailIdentifier",
                "aws:SourceVpce",
            }


def test_fails_when_a_team_uses_an_unapproved_model(stack: Stack) -> None:
    from secure_bedrock import TeamSpec

    team = TeamSpec(name="claims", cost_center="CC-1", models=(BedrockModels.AMAZON_NOVA_LITE,))
    with pytest.raises(
        ValueError, match=r"access\.teams\[0\].models\[0\]: 'amazon.nova-lite-v1:0' is not an approved model"
    ):
        landing_zone(stack, access=AccessOptions(teams=[team]))


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def _team(name: str = "claims", **kwargs: object) -> TeamSpec:
    return TeamSpec(name=name, cost_center="CC-1", models=(BedrockModels.US_AMAZON_NOVA_PRO,), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        # Every argument is named as the landing zone calls it, not as the construct it feeds does.
        ({"models": ["us.amazon.nova-pro-v1:0"]}, TypeError, r"models\[0\] must be a BedrockModel"),
        ({"access": AccessOptions(teams=["claims"])}, TypeError, r"access\.teams\[0\] must be a TeamSpec"),
        ({"access": AccessOptions(teams=_team())}, TypeError, r"access\.teams must be a list of TeamSpec"),
        (
            {"network": NetworkOptions(endpoint_services="bedrock")},
            TypeError,
            r"network\.endpoint_services must be a list",
        ),
        (
            {"evidence": EvidenceOptions(log_retention=2192)},
            TypeError,
            r"evidence\.log_retention must be a logs.RetentionDays",
        ),
        (
            {"evidence": EvidenceOptions(retention_days=30)},
            ValueError,
            r"evidence\.retention_days must be between 91 and 36500",
        ),
        (
            {"evidence": EvidenceOptions(invocation_log_data_types=[])},
            ValueError,
            r"evidence\.invocation_log_data_types: name at least one",
        ),
        (
            {"evidence": EvidenceOptions(invocation_log_key="arn:aws:kms:us-east-1:111122223333:key/abc")},
            TypeError,
            r"evidence\.invocation_log_key must",
        ),
        (
            {"evidence": EvidenceOptions(audit_trail="no")},
            TypeError,
            r"evidence\.audit_trail must be True or False",
        ),
        (
            {"evidence": EvidenceOptions(audit_key="arn:aws:kms:us-east-1:111122223333:key/abc")},
            TypeError,
            r"evidence\.audit_key must be a kms.IKey",
        ),
        (
            {"evidence": EvidenceOptions(auditor_principal=iam.AnyPrincipal())},
            ValueError,
            r"evidence\.auditor_principal: '\*' would let anyone read PHI",
        ),
        (
            {"access": AccessOptions(invoker_principal="arn:aws:iam::111122223333:role/app")},
            TypeError,
            r"access\.invoker_principal must be",
        ),
        (
            {"guardrail": GuardrailOptions(policy=GuardrailPolicy(words=(5,)))},  # type: ignore[arg-type]
            TypeError,
            r"guardrail\.policy\.words\[0\] must be a string",
        ),
        (
            {"guardrail": GuardrailOptions(cross_region_destinations=["us-west-2"])},
            ValueError,
            r"guardrail\.cross_region_destinations:",
        ),
        (
            {"guardrail": GuardrailOptions(enforce_in_account=1)},
            TypeError,
            r"guardrail\.enforce_in_account must be True or False",
        ),
        (
            {"operations": OperationsOptions(alarm_emails=["oncall"])},
            ValueError,
            r"operations\.alarm_emails\[0\]: 'oncall' is not an email address",
        ),
        (
            {"operations": OperationsOptions(alarm_https_endpoints=["http://x"])},
            ValueError,
            r"operations\.alarm_https_endpoints\[0\]: 'http://x' is not",
        ),
        (
            {"operations": OperationsOptions(alarm_thresholds=0)},
            TypeError,
            r"operations\.alarm_thresholds must be an AlarmThresholds",
        ),
        (
            {"operations": OperationsOptions(tpm_quotas={"amazon.nova-lite-v1:0": 5})},
            ValueError,
            r"operations\.tpm_quotas\['amazon.nova-lite-v1:0'\]: not an",
        ),
        (
            {"operations": OperationsOptions(monthly_budget_usd=float("nan"))},
            ValueError,
            r"operations\.monthly_budget_usd: nan must be a positive amount",
        ),
        (
            {
                "operations": OperationsOptions(
                    monthly_budget_usd=10, budget_thresholds_percent=[1, 2, 3, 4, 5]
                )
            },
            ValueError,
            r"5 thresholds",
        ),
        (
            {"operations": OperationsOptions(budget_emails=["a@example.com"] * 11)},
            ValueError,
            r"operations\.budget_emails: 11 addresses",
        ),
        (
            {"access": AccessOptions(teams=[_team(hard_stop=True)])},
            ValueError,
            r"access\.teams\[0\].hard_stop: needs monthly_budget_usd",
        ),
        (
            {"access": AccessOptions(teams=[_team("ops-1"), _team("ops1")])},
            ValueError,
            r"access\.teams\[1\].name: 'ops1' and access\.teams\[0\].name differ only in '-'",
        ),
        (
            {"access": AccessOptions(teams=[_team("Claims")])},
            ValueError,
            r"access\.teams\[0\].name: 'Claims' must be lower-case",
        ),
        (
            {"access": AccessOptions(teams=[_team(assumed_by="x")])},
            TypeError,
            r"access\.teams\[0\].assumed_by must be",
        ),
        (
            {"access": AccessOptions(teams=[TeamSpec(name="claims", cost_center="CC#1", models=())])},
            ValueError,
            r"access\.teams\[0\].cost_center",
        ),
    ],
)
def test_fails_under_its_own_argument_names_before_creating_anything(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        landing_zone(stack, **kwargs)
    assert stack.node.try_find_child("LandingZone") is None


# --- the flat arguments of 0.1, deprecated ----------------------------------------------------------


def _flat_and_grouped_templates() -> tuple[dict, dict, list[warnings.WarningMessage]]:
    from aws_cdk import App, Environment

    key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    templates = []
    for flat in (True, False):
        stack = Stack(App(), "Zone", env=Environment(region="us-east-1"))
        from aws_cdk import aws_kms as kms

        key = kms.Key.from_key_arn(stack, "Key", key_arn)
        team = TeamSpec(name="claims", cost_center="CC-1", models=(BedrockModels.US_AMAZON_NOVA_PRO,))
        arguments: dict = {
            "network": NetworkOptions(vpc_cidr="10.9.0.0/16", max_azs=2),
            "evidence": EvidenceOptions(retention_days=3000, audit_trail=False, invocation_log_key=key),
            "guardrail": GuardrailOptions(enforce_in_account=False),
            "access": AccessOptions(invoker_principal=iam.AccountRootPrincipal(), teams=[team]),
            "operations": OperationsOptions(monthly_budget_usd=500, alarm_emails=["oncall@example.com"]),
        }
        if flat:
            arguments = {
                "vpc_cidr": "10.9.0.0/16",
                "max_azs": 2,
                "evidence_retention_days": 3000,
                "create_audit_trail": False,
                "invocation_log_key": key,
                "enforce_guardrail_in_account": False,
                "invoker_principal": iam.AccountRootPrincipal(),
                "teams": [team],
                "monthly_budget_usd": 500,
                "alarm_emails": ["oncall@example.com"],
            }
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            zone = landing_zone(stack, **arguments)
        templates.append((Template.from_stack(stack).to_json(), caught, zone))
    (flat_template, flat_warnings, flat_zone), (grouped_template, grouped_warnings, grouped_zone) = templates
    assert grouped_warnings == []
    for zone in (flat_zone, grouped_zone):
        assert zone.options.evidence.retention_days == 3000
        assert zone.options.access.teams == [team]
    return flat_template, grouped_template, flat_warnings


def test_flat_arguments_still_build_the_same_landing_zone_with_a_deprecation_warning() -> None:
    flat, grouped, caught = _flat_and_grouped_templates()
    assert json.dumps(flat, sort_keys=True) == json.dumps(grouped, sort_keys=True)
    (warning,) = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    text = str(warning.message)
    assert "evidence_retention_days -> evidence=EvidenceOptions(retention_days=...)" in text
    assert "create_audit_trail -> evidence=EvidenceOptions(audit_trail=...)" in text
    assert "teams -> access=AccessOptions(teams=...)" in text
    assert "docs/upgrading.md" in text
    # It points at the caller, so Python shows it where the flat arguments are written.
    assert warning.filename == __file__


def test_flat_arguments_are_also_a_synth_warning(stack: Stack) -> None:
    from aws_cdk.assertions import Annotations

    with pytest.warns(DeprecationWarning, match="max_azs -> network"):
        landing_zone(stack, max_azs=2)
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp("flat arguments max_azs are deprecated")
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"vpc_cidrr": "10.0.0.0/16"},
            r"vpc_cidrr: SecureBedrockLandingZone has no such argument \(did you mean 'vpc_cidr'\?\); "
            r"its options are models, network=NetworkOptions\(...\)",
        ),
        (
            {"max_azs": 3, "network": NetworkOptions(vpc_cidr="10.9.0.0/16")},
            r"max_azs: given beside network=NetworkOptions\(...\); pass it as network=NetworkOptions\(max_azs=...\)",
        ),
        ({"network": {"vpc_cidr": "10.9.0.0/16"}}, r"network must be a NetworkOptions"),
        ({"evidence": NetworkOptions()}, r"evidence must be a EvidenceOptions"),
    ],
)
def test_wrong_arguments_and_option_groups_are_refused(stack: Stack, kwargs: dict, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        landing_zone(stack, **kwargs)
    assert stack.node.try_find_child("LandingZone") is None


def test_the_options_it_was_built_with_are_kept(stack: Stack) -> None:
    zone = landing_zone(stack, operations=OperationsOptions(monthly_budget_usd=10))
    assert zone.options.operations.monthly_budget_usd == 10
    assert zone.options.network == NetworkOptions()
    assert zone.options.guardrail.effective_policy == GuardrailPolicy.hipaa()


def test_upgrading_guide_lists_every_flat_argument_and_where_it_goes() -> None:
    from pathlib import Path

    from secure_bedrock.options import FLAT_ARGUMENTS, GROUPS

    guide = (Path(__file__).resolve().parents[1] / "docs" / "upgrading.md").read_text()
    rows = dict(re.findall(r"^  \| `(\w+)` \| `(\w+=\w+\(\w+=\.\.\.\))` \|$", guide, flags=re.MULTILINE))
    assert rows == {
        flat: f"{group}={GROUPS[group].__name__}({field}=...)"
        for flat, (group, field) in FLAT_ARGUMENTS.items()
    }
    # Every field of every group is reachable from exactly one flat argument, except the fields added
    # after the flat arguments were deprecated (they exist in their group only).
    added_later = {("guardrail", "organization_guardrail"), ("evidence", "archive")}
    fields = {(group, field.name) for group, cls in GROUPS.items() for field in dataclasses.fields(cls)}
    assert sorted(FLAT_ARGUMENTS.values()) == sorted(fields - added_later)
