"""SecureBedrockLandingZone: the wiring between the constructs."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from secure_bedrock import (
    BedrockEndpointService,
    BedrockModels,
    GuardrailPolicy,
    ObjectLock,
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
        invocation_log_data_types=["text"],
        create_audit_trail=False,
        auditor_principal=iam.ArnPrincipal("arn:aws:iam::111122223333:role/auditors"),
        object_lock=ObjectLock.compliance(2192),
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
        ({"invocation_log_data_types": ["txt"]}, r"invocation_log_data_types\[0\]: 'txt' is not a data type"),
        (
            {"endpoint_services": [BedrockEndpointService.AGENT_RUNTIME]},
            r"endpoint_services: the invocation-logging handler reaches",
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
        ValueError, match=r"teams\[0\].models\[0\]: 'amazon.nova-lite-v1:0' is not an approved model"
    ):
        landing_zone(stack, teams=[team])


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def _team(name: str = "claims", **kwargs: object) -> TeamSpec:
    return TeamSpec(name=name, cost_center="CC-1", models=(BedrockModels.US_AMAZON_NOVA_PRO,), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        # Every argument is named as the landing zone calls it, not as the construct it feeds does.
        ({"models": ["us.amazon.nova-pro-v1:0"]}, TypeError, r"models\[0\] must be a BedrockModel"),
        ({"teams": ["claims"]}, TypeError, r"teams\[0\] must be a TeamSpec"),
        ({"teams": _team()}, TypeError, r"teams must be a list of TeamSpec"),
        ({"endpoint_services": "bedrock"}, TypeError, r"endpoint_services must be a list"),
        ({"log_retention": 2192}, TypeError, r"log_retention must be a logs.RetentionDays"),
        (
            {"evidence_retention_days": 30},
            ValueError,
            r"evidence_retention_days must be between 91 and 36500",
        ),
        ({"invocation_log_data_types": []}, ValueError, r"invocation_log_data_types: name at least one"),
        (
            {"invocation_log_key": "arn:aws:kms:us-east-1:111122223333:key/abc"},
            TypeError,
            r"invocation_log_key must",
        ),
        ({"create_audit_trail": "no"}, TypeError, r"create_audit_trail must be True or False"),
        (
            {"audit_key": "arn:aws:kms:us-east-1:111122223333:key/abc"},
            TypeError,
            r"audit_key must be a kms.IKey",
        ),
        (
            {"auditor_principal": iam.AnyPrincipal()},
            ValueError,
            r"auditor_principal: '\*' would let anyone read PHI",
        ),
        (
            {"invoker_principal": "arn:aws:iam::111122223333:role/app"},
            TypeError,
            r"invoker_principal must be",
        ),
        (
            {"guardrail_policy": GuardrailPolicy(words=(5,))},  # type: ignore[arg-type]
            TypeError,
            r"guardrail_policy.words\[0\] must be a string",
        ),
        (
            {"guardrail_cross_region_destinations": ["us-west-2"]},
            ValueError,
            r"guardrail_cross_region_destinations:",
        ),
        (
            {"enforce_guardrail_in_account": 1},
            TypeError,
            r"enforce_guardrail_in_account must be True or False",
        ),
        ({"alarm_emails": ["oncall"]}, ValueError, r"alarm_emails\[0\]: 'oncall' is not an email address"),
        (
            {"alarm_https_endpoints": ["http://x"]},
            ValueError,
            r"alarm_https_endpoints\[0\]: 'http://x' is not",
        ),
        ({"alarm_thresholds": 0}, TypeError, r"alarm_thresholds must be an AlarmThresholds"),
        (
            {"tpm_quotas": {"amazon.nova-lite-v1:0": 5}},
            ValueError,
            r"tpm_quotas\['amazon.nova-lite-v1:0'\]: not an",
        ),
        (
            {"monthly_budget_usd": float("nan")},
            ValueError,
            r"monthly_budget_usd: nan must be a positive amount",
        ),
        (
            {"monthly_budget_usd": 10, "budget_thresholds_percent": [1, 2, 3, 4, 5]},
            ValueError,
            r"5 thresholds",
        ),
        ({"budget_emails": ["a@example.com"] * 11}, ValueError, r"budget_emails: 11 addresses"),
        ({"teams": [_team(hard_stop=True)]}, ValueError, r"teams\[0\].hard_stop: needs monthly_budget_usd"),
        (
            {"teams": [_team("ops-1"), _team("ops1")]},
            ValueError,
            r"teams\[1\].name: 'ops1' and teams\[0\].name differ only in '-'",
        ),
        ({"teams": [_team("Claims")]}, ValueError, r"teams\[0\].name: 'Claims' must be lower-case"),
        ({"teams": [_team(assumed_by="x")]}, TypeError, r"teams\[0\].assumed_by must be"),
        (
            {"teams": [TeamSpec(name="claims", cost_center="CC#1", models=())]},
            ValueError,
            r"teams\[0\].cost_center",
        ),
    ],
)
def test_fails_under_its_own_argument_names_before_creating_anything(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        landing_zone(stack, **kwargs)
    assert stack.node.try_find_child("LandingZone") is None
