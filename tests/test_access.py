"""Scoped IAM: the invoker's exact ARNs and guardrail pair, the administrator's limits, teams' profiles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from secure_bedrock import (
    BedrockAdministrator,
    BedrockGuardrail,
    BedrockInvokerRole,
    BedrockModels,
    BedrockPrivateNetwork,
    BedrockTeam,
    GuardrailPolicy,
    ModelInvocationLogging,
    actions,
    grant_invoke,
)
from tests.conftest import compliance_findings

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
INVOKE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def statements_of(template: Template, description_fragment: str) -> dict[str, dict]:
    (policy,) = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": Match.string_like_regexp(description_fragment)}},
    ).values()
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def fm(region: str, model: str = SONNET) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def profile(profile_id: str) -> dict:
    return {
        "Fn::Join": [
            "",
            ["arn:aws:bedrock:us-east-1:", {"Ref": "AWS::AccountId"}, f":inference-profile/{profile_id}"],
        ]
    }


@pytest.fixture
def guardrail(stack: Stack) -> BedrockGuardrail:
    return BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())


def invoker(stack: Stack, **kwargs: Any) -> BedrockInvokerRole:
    kwargs.setdefault("models", [BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5])
    kwargs.setdefault("assumed_by", iam.ServicePrincipal("lambda.amazonaws.com"))
    return BedrockInvokerRole(stack, "Invoker", **kwargs)


def test_invoker_names_the_profile_and_each_destination_model_and_nothing_else(
    stack: Stack, guardrail
) -> None:
    invoker(stack, guardrail=guardrail, source_vpce="vpce-0123456789abcdef0")
    statements = statements_of(Template.from_stack(stack), "invoke permissions")
    profiles = statements["InvokeApprovedInferenceProfiles"]
    assert profiles["Action"] == INVOKE
    assert profiles["Resource"] == profile(f"us.{SONNET}")
    models = statements["InvokeFoundationModelsOnlyThroughApprovedProfiles"]
    assert sorted(models["Resource"]) == [fm("us-east-1"), fm("us-east-2"), fm("us-west-2")]
    assert models["Condition"]["StringLike"] == {"bedrock:InferenceProfileArn": [profile(f"us.{SONNET}")]}
    allowed = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert {s["Sid"] for s in allowed} == {
        "InvokeApprovedInferenceProfiles",
        "InvokeFoundationModelsOnlyThroughApprovedProfiles",
        "ApplyTheGuardrail",
        "UseTheGuardrailKey",
    }
    text = str(allowed)
    assert "foundation-model/*" not in text
    assert "bedrock:*" not in text
    assert "'*'" not in text


def test_guardrail_allow_and_deny_pair_names_the_published_version(stack: Stack, guardrail) -> None:
    invoker(stack, guardrail=guardrail)
    statements = statements_of(Template.from_stack(stack), "invoke permissions")
    allow = statements["InvokeApprovedInferenceProfiles"]["Condition"]["StringEquals"][
        "bedrock:GuardrailIdentifier"
    ]
    deny = statements["DenyInvokeWithoutTheGuardrail"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"]["StringNotEquals"]["bedrock:GuardrailIdentifier"] == allow
    assert allow["Fn::Join"][1][0]["Fn::GetAtt"][1] == "GuardrailArn"
    assert allow["Fn::Join"][1][2]["Fn::GetAtt"][1] == "Version"
    # The role exists for invoking only, so its Deny covers every resource (and costs the same for any
    # number of models); invoke_statements() for your own role covers only the approved ARNs.
    assert deny["Resource"] == "*"
    assert statements["ApplyTheGuardrail"]["Action"] == "bedrock:ApplyGuardrail"


def test_source_vpce_appears_only_when_given(stack: Stack) -> None:
    network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5])
    invoker(stack, source_vpce=network.runtime_endpoint.vpc_endpoint_id)
    statements = statements_of(Template.from_stack(stack), "invoke permissions")
    condition = statements["InvokeApprovedInferenceProfiles"]["Condition"]["StringEquals"]
    assert list(condition) == ["aws:SourceVpce"]
    assert condition["aws:SourceVpce"]["Ref"].startswith("NetworkRuntime")


def test_without_source_vpce_or_guardrail_there_are_no_conditions_but_a_warning(stack: Stack) -> None:
    invoker(stack, models=[BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2])
    template = Template.from_stack(stack)
    statements = statements_of(template, "invoke permissions")
    assert "Condition" not in statements["InvokeApprovedFoundationModels"]
    assert statements["InvokeApprovedFoundationModels"]["Resource"] == fm(
        "us-east-1", "amazon.titan-embed-text-v2:0"
    )
    warnings = [m for m in stack.node.find_child("Invoker").node.metadata if m.type == "aws:cdk:warning"]
    assert warnings
    assert "without a guardrail" in str(warnings[0].data)


def test_invoker_denies_model_management(stack: Stack) -> None:
    invoker(stack)
    deny = statements_of(Template.from_stack(stack), "invoke permissions")["DenyModelManagement"]
    assert deny["Effect"] == "Deny"
    assert sorted(deny["Action"]) == sorted(actions.MODEL_MANAGEMENT_ACTIONS)


def test_global_profile_adds_the_regionless_model(make_stack) -> None:
    stack = make_stack(region="us-east-1")
    invoker(stack, models=[BedrockModels.GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5])
    models = statements_of(Template.from_stack(stack), "invoke permissions")[
        "InvokeFoundationModelsOnlyThroughApprovedProfiles"
    ]
    assert sorted(models["Resource"]) == [f"arn:aws:bedrock:::foundation-model/{SONNET}", fm("us-east-1")]


def test_grant_invoke_on_your_own_role(stack: Stack, guardrail) -> None:
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    grant = grant_invoke(
        role,
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        guardrail=guardrail,
        source_vpce="vpce-0123456789abcdef0",
    )
    assert grant.success
    policy = next(iter(Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()))
    conditions = [s.get("Condition", {}) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert any(
        c.get("StringEquals", {}).get("aws:SourceVpce") == "vpce-0123456789abcdef0" for c in conditions
    )


def test_invoker_passes_the_packs(stack: Stack, guardrail) -> None:
    invoker(stack, guardrail=guardrail)
    # Alone, the invoker lacks the endpoint and logging the Bedrock rules expect beside it (the landing
    # zone provides them); the cdk-nag packs must be clean.
    findings = compliance_findings(stack)
    assert [f for f in findings if not f.startswith("Bedrock-")] == []
    assert {f.split(" ")[0] for f in findings} == {
        "Bedrock-RuntimeEndpointPolicy",
        "Bedrock-InvocationLoggingConfigured",
    }


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"assumed_by": iam.AnyPrincipal()},
            ValueError,
            r"assumed_by: '\*' would let anyone assume the role",
        ),
        ({"assumed_by": "lambda.amazonaws.com"}, TypeError, r"assumed_by must be an iam.IPrincipal"),
        ({"models": []}, ValueError, r"models must not be empty"),
        ({"models": ["us.amazon.nova-pro-v1:0"]}, TypeError, r"models\[0\] must be a BedrockModel"),
        ({"guardrail": "gr-123"}, TypeError, r"guardrail must be a BedrockGuardrail"),
    ],
)
def test_invoker_fails_on_bad_input(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        invoker(stack, **kwargs)


# --- administrator ----------------------------------------------------------------------------------


def test_administrator_manages_but_never_invokes_or_reads_invocation_logs(stack: Stack) -> None:
    network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    logs = ModelInvocationLogging(stack, "Logs", network=network)
    BedrockAdministrator(stack, "Admin", assumed_by=iam.AccountRootPrincipal(), invocation_logging=logs)
    statements = statements_of(Template.from_stack(stack), "administrator permissions")
    allowed_actions = {
        a
        for s in statements.values()
        if s["Effect"] == "Allow"
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not allowed_actions & {*actions.INVOKE_ACTIONS, *actions.APPLY_GUARDRAIL_ACTIONS}
    assert set(actions.GUARDRAIL_MANAGEMENT_ACTIONS) <= allowed_actions
    # Only the landing zone's handler changes the logging setting; the administrator reads it.
    assert "bedrock:GetModelInvocationLoggingConfiguration" in allowed_actions
    assert not allowed_actions & set(actions.LOGGING_CONFIGURATION_WRITE_ACTIONS)
    assert statements["NeverChangeInvocationLogging"]["Effect"] == "Deny"
    assert "PassTheDeliveryRoleToBedrock" not in statements
    assert statements["NeverInvokeModels"]["Effect"] == "Deny"
    denied = {
        a
        for sid, s in statements.items()
        if sid.startswith("NeverReadInvocationLogs")
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"kms:Decrypt", "s3:GetObject", "logs:StartLiveTail", "logs:GetQueryResults"} <= denied
    assert {"logs:PutSubscriptionFilter", "logs:CreateExportTask", "logs:PutAccountPolicy"} <= denied
    assert [f for f in compliance_findings(stack) if "Test/Admin" in f] == []


def test_administrator_refuses_anyone(stack: Stack) -> None:
    with pytest.raises(ValueError, match=r"assumed_by: '\*'"):
        BedrockAdministrator(stack, "Admin", assumed_by=iam.AnyPrincipal())


# --- teams --------------------------------------------------------------------------------------------


def test_team_gets_tagged_application_profiles_and_invokes_only_them(stack: Stack, guardrail) -> None:
    team = BedrockTeam(
        stack,
        "Claims",
        name="claims",
        cost_center="CC-1001",
        models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5, BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2],
        assumed_by=iam.AccountRootPrincipal(),
        guardrail=guardrail,
    )
    template = Template.from_stack(stack)
    profiles = template.find_resources("AWS::Bedrock::ApplicationInferenceProfile")
    assert len(profiles) == 2
    sources = sorted(str(p["Properties"]["ModelSource"]["CopyFrom"]) for p in profiles.values())
    assert any(f"inference-profile/us.{SONNET}" in s for s in sources)
    assert any("foundation-model/amazon.titan-embed-text-v2:0" in s for s in sources)
    for resource in profiles.values():
        tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
        assert tags == {"team": "claims", "cost-center": "CC-1001"}
    statements = statements_of(template, "team claims")
    invocable = statements["InvokeApprovedInferenceProfiles"]["Resource"]
    assert all("Fn::GetAtt" in arn and arn["Fn::GetAtt"][1] == "InferenceProfileArn" for arn in invocable)
    # The system profile itself is not invocable: only the tagged copy is.
    assert profile(f"us.{SONNET}") not in invocable
    assert set(team.profiles) == {f"us.{SONNET}", "amazon.titan-embed-text-v2:0"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Claims Team"}, r"name: 'Claims Team' must be lower-case"),
        ({"cost_center": ""}, r"cost_center: '' must be 1-256"),
        ({"models": []}, r"models must not be empty: give team 'claims' at least one approved model"),
    ],
)
def test_team_fails_on_bad_input(stack: Stack, kwargs: dict, message: str) -> None:
    arguments = {
        "name": "claims",
        "cost_center": "CC-1001",
        "models": [BedrockModels.US_AMAZON_NOVA_PRO],
        "assumed_by": iam.AccountRootPrincipal(),
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        BedrockTeam(stack, "Team", **arguments)


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"assumed_by": iam.CompositePrincipal(iam.ArnPrincipal("arn:aws:iam::1:role/x"))},
            ValueError,
            r"assumed_by: 'arn:aws:iam::1:role/x' is not an account id or an IAM principal ARN",
        ),
        (
            {"assumed_by": iam.ArnPrincipal("arn:aws:iam::111122223333:role/*")},
            ValueError,
            r"assumed_by: '\*' would let anyone assume the role",
        ),
        ({"source_vpce": 5}, TypeError, r"source_vpce must be a VPC endpoint id"),
        ({"source_vpce": "vpc-123"}, ValueError, r"source_vpce: 'vpc-123' is not a VPC endpoint id"),
        ({"description": "d" * 990}, ValueError, r"description: 990 characters; use at most 980"),
        (
            {"description": "invoker \U0001f3e5"},
            ValueError,
            r"description: .* has characters IAM does not accept",
        ),
        ({"models": ["us.amazon.nova-pro-v1:0"]}, TypeError, r"models\[0\] must be a BedrockModel"),
    ],
)
def test_invoker_fails_before_creating_anything(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    arguments: dict[str, Any] = {
        "assumed_by": iam.AccountRootPrincipal(),
        "models": [BedrockModels.US_AMAZON_NOVA_PRO],
    }
    with pytest.raises(error, match=message):
        BedrockInvokerRole(stack, "Invoker", **{**arguments, **kwargs})
    assert stack.node.try_find_child("Invoker") is None


def test_grant_invoke_fails_on_a_grantee_or_endpoint_id_of_the_wrong_kind(stack: Stack) -> None:
    models = [BedrockModels.US_AMAZON_NOVA_PRO]
    with pytest.raises(
        TypeError,
        match=r"grantee must be an iam.IGrantable such as an iam.Role, got the string|grantee must be",
    ):
        grant_invoke("arn:aws:iam::111122223333:role/app", models=models)  # type: ignore[arg-type]
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    with pytest.raises(TypeError, match=r"source_vpce must be a VPC endpoint id"):
        grant_invoke(role, models=models, source_vpce=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"through, source_vpce: give source_vpce only"):
        grant_invoke(
            role, models=models, source_vpce="vpce-0123456789abcdef0", through="vpce-0123456789abcdef0"
        )
    with pytest.raises(TypeError, match=r"models must be a list"):
        grant_invoke(role, models=BedrockModels.US_AMAZON_NOVA_PRO)  # type: ignore[arg-type]


def test_the_auditor_reads_every_log_group_and_bucket_of_the_reference(reference_template: Template) -> None:
    """ "Read-only access to all the evidence": every log group and bucket the landing zone creates."""
    (policy,) = [
        resource
        for logical_id, resource in reference_template.find_resources("AWS::IAM::ManagedPolicy").items()
        if logical_id.startswith("LandingZoneAuditorPolicy")
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    read = json.dumps([s["Resource"] for s in statements if s["Sid"].startswith("Read")])
    for resource_type in ("AWS::Logs::LogGroup", "AWS::S3::Bucket"):
        for logical_id in reference_template.find_resources(resource_type):
            assert f'"{logical_id}"' in read, f"the auditor cannot read {logical_id}"
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert all(
        a.split(":")[1].startswith(("Get", "List", "Describe", "Filter", "Decrypt")) for a in actions
    ), actions


def test_the_earlier_name_through_still_works_for_one_release_with_a_warning(stack: Stack) -> None:
    role = iam.Role(stack, "Old", assumed_by=iam.AccountRootPrincipal())
    with pytest.warns(
        DeprecationWarning, match=r"grant_invoke\(through=...\) is deprecated: use source_vpce"
    ):
        grant_invoke(role, models=[BedrockModels.US_AMAZON_NOVA_PRO], through="vpce-0123456789abcdef0")
    statements = json.dumps(Template.from_stack(stack).find_resources("AWS::IAM::Policy"))
    assert "vpce-0123456789abcdef0" in statements


def test_a_team_grants_its_profiles_to_a_role_of_its_application(stack: Stack, guardrail) -> None:
    from secure_bedrock import BedrockTeam

    team = BedrockTeam(
        stack,
        "Claims",
        name="claims",
        cost_center="CC-1",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        assumed_by=iam.AccountRootPrincipal(),
        guardrail=guardrail,
    )
    app_role = iam.Role(stack, "ClaimsApp", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    assert team.grant_invoke(app_role).success
    policy = next(
        p
        for lid, p in Template.from_stack(stack).find_resources("AWS::IAM::Policy").items()
        if "ClaimsApp" in lid
    )
    text = json.dumps(policy)
    assert "InferenceProfileArn" in text  # the team's application profiles, not the system profile
    assert "DenyInvokeWithoutTheGuardrail" in text
