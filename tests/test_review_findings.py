"""The review "correct on a real account" (issue 11): one test per numbered finding.

Each test failed before its fix. The access matrix (tests/test_access_matrix.py) proves the
security findings a second time, by evaluating the synthesized policies with an independent IAM
engine; the tests here check the template and the library's errors directly.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import CfnResource, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from constructs import Construct

from secure_bedrock import (
    DEFAULT_SERVICES,
    AccessOptions,
    BedrockAuditTrail,
    BedrockChecks,
    BedrockEndpointService,
    BedrockGuardrail,
    BedrockInvokerRole,
    BedrockModels,
    BedrockMonitoring,
    BedrockPrivateNetwork,
    FoundationModel,
    GuardrailOptions,
    GuardrailPolicy,
    HardenedFunction,
    ModelInvocationLogging,
    SecureBedrockLandingZone,
    TeamSpec,
    actions,
    grant_invoke,
    invoke_statements,
)
from secure_bedrock.budgets import budget_name_for, validate_thresholds_percent
from secure_bedrock.invocation_logging import HANDLER_CODE
from secure_bedrock.teams import profile_name, validate_team_name
from stacks.app import cdk_json_context

CHECKS = BedrockChecks()


def policy_statements(template: Template, resource_type: str = "AWS::IAM::Policy") -> list[dict[str, Any]]:
    return [
        statement
        for resource in template.find_resources(resource_type).values()
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def negated_guardrail_condition(statement: dict[str, Any]) -> bool:
    return any(
        "bedrock:GuardrailIdentifier" in keys
        for operator, keys in statement.get("Condition", {}).items()
        if "Not" in operator
    )


# --- 1. grant_invoke keeps Deny statements Deny -----------------------------------------------


def test_1_grant_invoke_keeps_every_deny_a_deny(stack: Stack) -> None:
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    grant_invoke(role, models=[BedrockModels.US_AMAZON_NOVA_PRO], guardrail=guardrail)
    statements = policy_statements(Template.from_stack(stack))
    allows = [s for s in statements if s["Effect"] == "Allow"]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert not [s for s in allows if negated_guardrail_condition(s)], "an Allow without the guardrail"
    management = set(actions.MODEL_MANAGEMENT_ACTIONS)
    assert not [
        s for s in allows if management & set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    assert any(negated_guardrail_condition(s) for s in denies)
    assert any(management <= set(s["Action"]) for s in denies)


def test_1_bedrock_rules_catch_an_allow_with_a_negated_guardrail_condition(stack: Stack) -> None:
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=list(actions.INVOKE_ACTIONS),
            resources=["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"],
            conditions={"StringNotEquals": {"bedrock:GuardrailIdentifier": "arn:aws:bedrock:x"}},
        )
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=list(actions.MODEL_MANAGEMENT_ACTIONS), resources=["*"])
    )
    found = CHECKS.evaluate(Template.from_stack(stack).to_json())
    assert [f.logical_id for f in found["Bedrock-InvokeEnforcesGuardrail"]]
    assert [f.logical_id for f in found["Bedrock-NoModelManagementOnEverything"]]


# --- helpers for the rest ---------------------------------------------------------------------


def endpoint_policy(template: Template, suffix: str) -> dict[str, Any]:
    (resource,) = [
        r
        for r in template.find_resources("AWS::EC2::VPCEndpoint").values()
        if json.dumps(r["Properties"]["ServiceName"]).rstrip('"').endswith(f".{suffix}")
        or json.dumps(r["Properties"]["ServiceName"]).endswith(f'.{suffix}"]]}}')
    ]
    return resource["Properties"]["PolicyDocument"]


def network(stack: Stack, **kwargs: Any) -> BedrockPrivateNetwork:
    kwargs.setdefault("models", [BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5])
    return BedrockPrivateNetwork(stack, "Network", **kwargs)


def limit_findings(template: dict[str, Any]) -> dict[str, list[str]]:
    return {
        rule: [f.logical_id for f in found]
        for rule, found in CHECKS.evaluate(template).items()
        if rule.startswith("Bedrock-Limit") and found
    }


# --- 2. the S3 gateway endpoint ----------------------------------------------------------------


def test_2_s3_gateway_endpoint_allows_this_account_and_cloudformation_responses_only(stack: Stack) -> None:
    network(stack)
    policy = endpoint_policy(Template.from_stack(stack), "s3")
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert {s["Sid"] for s in allows} == {"ThisAccountsBuckets", "CloudFormationCustomResourceResponses"}
    own = next(s for s in allows if s["Sid"] == "ThisAccountsBuckets")
    assert own["Principal"] == "*"
    assert own["Condition"] == {"StringEquals": {"aws:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    response = next(s for s in allows if s["Sid"] == "CloudFormationCustomResourceResponses")
    assert response["Action"] == "s3:PutObject"
    assert response["Resource"] == "arn:aws:s3:::cloudformation-custom-resource-response-useast1/*"


# --- 3. agent runtime and mantle ---------------------------------------------------------------


def test_3_agent_runtime_is_off_by_default_and_scoped_when_on(stack: Stack) -> None:
    assert BedrockEndpointService.AGENT_RUNTIME not in DEFAULT_SERVICES
    network(stack, services=[BedrockEndpointService.AGENT_RUNTIME])
    (statement,) = endpoint_policy(Template.from_stack(stack), "bedrock-agent-runtime")["Statement"]
    assert "bedrock:*" not in json.dumps(statement)
    for api in ("RetrieveAndGenerate", "InvokeInlineAgent", "Rerank", "GenerateQuery"):
        assert f"bedrock:{api}" not in statement["Action"]
    assert all(":agent-alias/*" in json.dumps(r) or ":flow/" in json.dumps(r) or ":knowledge-base/" in json.dumps(r)
               for r in statement["Resource"])  # fmt: skip


def test_3_mantle_allows_only_the_named_models(stack: Stack) -> None:
    with pytest.raises(
        ValueError, match=r"mantle_models: the bedrock-mantle endpoint allows only the models"
    ):
        network(stack, services=[BedrockEndpointService.MANTLE])
    network(stack, services=[BedrockEndpointService.MANTLE], mantle_models=["openai.gpt-oss-120b"])
    policy = endpoint_policy(Template.from_stack(stack), "bedrock-mantle")
    assert "bedrock-mantle:*" not in json.dumps(policy)
    inference = next(s for s in policy["Statement"] if s["Sid"] == "InferenceOnApprovedModels")
    assert inference["Condition"] == {"StringEquals": {"bedrock-mantle:Model": ["openai.gpt-oss-120b"]}}


# --- 4. guardrail input cannot be skipped -------------------------------------------------------


def test_4_reference_enforces_the_guardrail_comprehensively(reference_template: Template) -> None:
    (enforcement,) = reference_template.find_resources(
        "AWS::Bedrock::EnforcedGuardrailConfiguration"
    ).values()
    assert enforcement["Properties"]["SelectiveContentGuarding"] == {
        "Messages": "COMPREHENSIVE",
        "System": "COMPREHENSIVE",
    }


def test_4_apply_guardrail_only_through_the_endpoint(stack: Stack) -> None:
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    statements = {
        s.sid: s
        for s in invoke_statements(
            stack,
            models=[BedrockModels.US_AMAZON_NOVA_PRO],
            guardrail=guardrail,
            source_vpce="vpce-0123456789abcdef0",
        )
    }
    assert stack.resolve(statements["ApplyTheGuardrail"].conditions) == {
        "StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}
    }


# --- 5. the administrator cannot read the logs by any route ---------------------------------------


def test_5_administrator_denies_every_log_reading_and_forwarding_action(reference_template: Template) -> None:
    (policy,) = reference_template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": "secure-bedrock administrator permissions"}}
    ).values()
    denied = {
        action
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    for action in ("logs:StartLiveTail", "logs:GetQueryResults", "logs:PutSubscriptionFilter", "logs:CreateExportTask",
                   "logs:PutAccountPolicy", "logs:Unmask", "s3:GetObject", "s3:PutReplicationConfiguration", "kms:Decrypt"):  # fmt: skip
        assert action in denied, action


# --- 6. no direct grants on the library's keys ------------------------------------------------------


def test_6_every_key_denies_grants_except_for_aws_resources(reference_template: Template) -> None:
    keys = reference_template.find_resources("AWS::KMS::Key")
    assert len(keys) == 5
    for key in keys.values():
        (deny,) = [
            s
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if s.get("Sid") == "DenyGrantsExceptForAwsResources"
        ]
        assert deny["Effect"] == "Deny"
        assert deny["Action"] == "kms:CreateGrant"
        assert deny["Condition"] == {
            "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
        }


# --- 7. who read the PHI logs ------------------------------------------------------------------------


def test_7_trail_records_object_access_on_the_evidence_buckets(reference_template: Template) -> None:
    (trail,) = reference_template.find_resources("AWS::CloudTrail::Trail").values()
    selectors = trail["Properties"]["AdvancedEventSelectors"]
    s3 = [
        s
        for s in selectors
        if {"Field": "resources.type", "Equals": ["AWS::S3::Object"]} in s["FieldSelectors"]
    ]
    buckets = {
        json.dumps(next(f["StartsWith"] for f in s["FieldSelectors"] if f["Field"] == "resources.ARN")): s
        for s in s3
    }
    assert len(buckets) == 2
    logs = next(s for text, s in buckets.items() if "InvocationLoggingBucket" in text)
    assert not [f for f in logs["FieldSelectors"] if f["Field"] == "readOnly"], "reads and writes of the PHI"
    own = next(s for text, s in buckets.items() if "AuditTrailBucket" in text)
    assert {"Field": "readOnly", "Equals": ["true"]} in own["FieldSelectors"], (
        "reads only: no recursive events"
    )


# --- 8. alarms can notify --------------------------------------------------------------------------------


def test_8_cloudwatch_may_publish_to_the_alarm_topic(reference_template: Template) -> None:
    (policy,) = reference_template.find_resources("AWS::SNS::TopicPolicy").values()
    (statement,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sns:Publish"
    assert set(statement["Condition"]) == {"StringEquals", "ArnLike"}


# --- 9. the invoker's policy fits IAM with 12 models --------------------------------------------------


TWELVE = [
    BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5, BedrockModels.US_ANTHROPIC_CLAUDE_HAIKU_4_5,
    BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4, BedrockModels.US_ANTHROPIC_CLAUDE_3_5_HAIKU,
    BedrockModels.US_AMAZON_NOVA_PRO, BedrockModels.US_AMAZON_NOVA_LITE, BedrockModels.US_AMAZON_NOVA_MICRO,
    BedrockModels.US_META_LLAMA_3_3_70B_INSTRUCT, BedrockModels.GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5,
    BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2, BedrockModels.COHERE_EMBED_ENGLISH_V3, BedrockModels.AMAZON_NOVA_PRO,
]  # fmt: skip


def test_9_invoker_with_twelve_models_stays_within_iam_limits(stack: Stack) -> None:
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    invoker = BedrockInvokerRole(
        stack, "Invoker", assumed_by=iam.AccountRootPrincipal(), models=TWELVE, guardrail=guardrail,
        source_vpce="vpce-0123456789abcdef0",
    )  # fmt: skip
    template = Template.from_stack(stack).to_json()
    assert limit_findings(template) == {}
    assert 1 <= len(invoker.policies) <= 10
    # Every model is still granted, in one of the policies.
    text = json.dumps(template)
    for model in TWELVE:
        assert model.model_id in text


# --- 10. the runtime endpoint policy does not grow with teams -------------------------------------------


def test_10_endpoint_policy_size_is_independent_of_the_number_of_teams(make_stack) -> None:
    sizes = []
    for count in (1, 20):
        stack = make_stack()
        zone = SecureBedrockLandingZone(
            stack, "Zone", models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5],
            access=AccessOptions(teams=[TeamSpec(name=f"team{i}", cost_center="CC", models=(BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5,)) for i in range(count)]),
        )  # fmt: skip
        policy = stack.resolve(zone.network.runtime_endpoint.node.default_child.policy_document)  # type: ignore[union-attr]
        sizes.append(len(json.dumps(policy)))
    assert sizes[0] == sizes[1]


# --- 11. no reserved concurrency ------------------------------------------------------------------------


def test_11_library_functions_reserve_no_concurrency(reference_template: Template) -> None:
    for function in reference_template.find_resources("AWS::Lambda::Function").values():
        assert "ReservedConcurrentExecutions" not in function["Properties"]
    assert CHECKS.evaluate(reference_template.to_json())["Bedrock-LibraryFunctionReservedConcurrency"] == []


# --- 12. enforcement names foundation models -----------------------------------------------------------


def test_12_enforcement_lists_foundation_model_ids(stack: Stack) -> None:
    BedrockGuardrail(
        stack, "Guardrail", policy=GuardrailPolicy.hipaa(), enforce_in_account=True,
        enforced_models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5, BedrockModels.GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5],
        exempt_models=[BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2],
    )  # fmt: skip
    (enforcement,) = (
        Template.from_stack(stack).find_resources("AWS::Bedrock::EnforcedGuardrailConfiguration").values()
    )
    assert enforcement["Properties"]["ModelEnforcement"] == {
        "IncludedModels": ["anthropic.claude-sonnet-4-5-20250929-v1:0"],
        "ExcludedModels": ["amazon.titan-embed-text-v2:0"],
    }


# --- 13. profile names are always valid ------------------------------------------------------------------


PROFILE_NAME = re.compile(r"^([0-9a-zA-Z][ _-]?)+\Z")


@pytest.mark.parametrize("team", ["a" * 13, "claims", "a" * 31, "x1-y2-z3"])
def test_13_profile_names_match_the_schema(stack: Stack, team: str) -> None:
    for model in BedrockModels.all():
        name = profile_name("SecureBedrockHipaa", team, model)
        assert PROFILE_NAME.match(name), name
        assert len(name) <= 64


@pytest.mark.parametrize("name", ["claims-", "a--b", "-a", "a" * 32])
def test_13_team_names_that_would_break_profile_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="single '-' between them"):
        validate_team_name("name", name)


# --- 14. the administrator can manage the guardrail -----------------------------------------------------


def test_14_administrator_uses_the_guardrail_key_through_bedrock(reference_template: Template) -> None:
    (policy,) = reference_template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": "secure-bedrock administrator permissions"}}
    ).values()
    (statement,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "UseTheGuardrailKeyThroughBedrock"
    ]
    assert sorted(statement["Action"]) == [
        "kms:CreateGrant",
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:GenerateDataKey",
    ]
    copy = next(
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "CopyApprovedModelsIntoApplicationProfiles"
    )
    assert "foundation-model/anthropic.claude-sonnet-4-5" in json.dumps(copy["Resource"])


# --- 15. cross-region guardrail profiles through the endpoint ---------------------------------------------


def test_15_runtime_endpoint_admits_the_guardrail_profile_in_every_destination(stack: Stack) -> None:
    SecureBedrockLandingZone(
        stack, "Zone", models=[BedrockModels.US_AMAZON_NOVA_PRO],
        guardrail=GuardrailOptions(cross_region_profile="us.guardrail.v1:0", cross_region_destinations=["us-east-2", "us-west-2"]),
    )  # fmt: skip
    policy = endpoint_policy(Template.from_stack(stack), "bedrock-runtime")
    (statement,) = [s for s in policy["Statement"] if s.get("Sid") == "ApplyCrossRegionGuardrailProfiles"]
    text = json.dumps(statement["Resource"])
    for region in ("us-east-1", "us-east-2", "us-west-2"):
        assert f"arn:aws:bedrock:{region}:" in text
    assert text.count("guardrail-profile/us.guardrail.v1:0") == 3


# --- 16. constructs connect themselves ----------------------------------------------------------------------


def test_16_logging_admits_its_handler_on_the_network(stack: Stack) -> None:
    net = network(stack)
    logging = ModelInvocationLogging(stack, "Logs", network=net)
    policy = endpoint_policy(Template.from_stack(stack), "bedrock")
    (statement,) = [s for s in policy["Statement"] if s.get("Sid") == "LoggingHandlerSetsTheConfiguration"]
    assert statement["Principal"] == {"AWS": stack.resolve(logging.handler.role.role_arn)}
    assert "Custom::BedrockModelInvocationLogging" in json.dumps(Template.from_stack(stack).to_json())


# --- 17-26. inputs the library accepted and AWS refused ------------------------------------------------------


def test_17_ingress_rules_and_cidrs(stack: Stack) -> None:
    cidrs = [f"10.{i}.0.0/16" for i in range(61)]
    with pytest.raises(ValueError, match=r"61 inbound rules; a security group takes at most 60"):
        network(stack, allowed_cidrs=cidrs)
    with pytest.raises(ValueError, match=r"is IPv6, but the endpoints have IPv4 addresses only"):
        network(stack, allowed_cidrs=["2001:db8::/32"])
    with pytest.raises(ValueError, match=r"is not a CIDR"):
        network(stack, allowed_cidrs=["256.0.0.0/8"])


def test_18_trust_policy_over_the_limit_is_refused(stack: Stack) -> None:
    principals = iam.CompositePrincipal(
        *(iam.ArnPrincipal(f"arn:aws:iam::111122223333:role/{'r' * 60}{i:03d}") for i in range(40))
    )
    with pytest.raises(
        ValueError, match=r"assumed_by: the role's trust policy would take \d[\d,]* characters"
    ):
        BedrockInvokerRole(stack, "Invoker", assumed_by=principals, models=[BedrockModels.US_AMAZON_NOVA_PRO])


def test_19_enforcement_refuses_ids_the_schema_refuses(stack: Stack) -> None:
    with pytest.raises(ValueError, match=r"enforced_models\[0\]: 'a.b.c' cannot be named"):
        BedrockGuardrail(
            stack,
            "G",
            policy=GuardrailPolicy.hipaa(),
            enforce_in_account=True,
            enforced_models=[FoundationModel("a.b.c")],
        )


@pytest.mark.parametrize("model_id", ["-.-", "guardrail.interventions"])
def test_20_monitoring_ids_never_empty_or_colliding(stack: Stack, model_id: str) -> None:
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    BedrockMonitoring(stack, "Monitoring", models=[FoundationModel(model_id)], guardrail=guardrail)
    Template.from_stack(stack)


def test_21_budget_names_and_thresholds(make_stack) -> None:
    stack = make_stack()
    long_stack = Stack(stack.node.root, "S" * 120, env=Environment(region="ap-southeast-4"))
    name = budget_name_for(long_stack, "a" * 31)
    assert len(name) <= 100
    assert name.endswith("-ap-southeast-4-bedrock-" + "a" * 31)
    with pytest.raises(
        ValueError, match=r"thresholds_percent\[0\]: 0.05 must be a percentage from 0.1 to 100"
    ):
        validate_thresholds_percent("thresholds_percent", [0.05])


def test_22_function_description_must_suit_iam(stack: Stack) -> None:
    vpc = network(stack).vpc
    key = kms.Key(stack, "Key")
    with pytest.raises(ValueError, match=r"description: .* has characters IAM does not accept"):
        HardenedFunction(
            stack,
            "Fn",
            code_path=HANDLER_CODE,
            description="sets logging \u2014 safely",
            vpc=vpc,
            encryption_key=key,
            statements=[],
        )
    with pytest.raises(ValueError, match=r"description: 257 characters; use at most 256"):
        HardenedFunction(
            stack,
            "Fn2",
            code_path=HANDLER_CODE,
            description="d" * 257,
            vpc=vpc,
            encryption_key=key,
            statements=[],
        )


def test_23_trail_names_stay_unique_and_selector_names_short(stack: Stack) -> None:
    deep = Construct(stack, "x" * 200)
    first = BedrockAuditTrail(Construct(deep, "A"), "Trail")
    second = BedrockAuditTrail(Construct(deep, "B"), "Trail")
    names = [stack.resolve(t.trail.trail_name) for t in (first, second)]
    assert names[0] != names[1]
    assert all(len(name) <= 128 for name in names)
    with pytest.raises(ValueError, match=r"data_event_types\[0\]"):
        BedrockAuditTrail(stack, "Long", data_event_types=["AWS::Bedrock::" + "A" * 1000])


def test_24_names_unique_per_account(make_stack) -> None:
    east, west = make_stack(region="us-east-1"), make_stack(region="us-west-2")
    assert budget_name_for(east) != budget_name_for(west)
    model = BedrockModels.US_AMAZON_NOVA_PRO
    assert profile_name("StackA", "claims", model) != profile_name("StackB", "claims", model)


def test_25_settings_tags(tmp_path) -> None:
    from stacks.settings import SettingsError, load_settings

    base = cdk_json_context()["secure-bedrock"]
    with pytest.raises(SettingsError, match=r"tags: 51 tags"):
        load_settings({"secure-bedrock": {**base, "tags": {f"k{i}": "v" for i in range(51)}}})
    with pytest.raises(SettingsError, match=r"tags.team: the landing zone sets this tag"):
        load_settings({"secure-bedrock": {**base, "tags": {"team": "platform"}}})


def test_26_vpc_cidr_and_resource_count(make_stack) -> None:
    with pytest.raises(
        ValueError, match=r"vpc_cidr: '255.255.0.0/16' is a 'this network', multicast, reserved"
    ):
        network(make_stack(), vpc_cidr="255.255.0.0/16")
    stack = make_stack()
    SecureBedrockLandingZone(
        stack, "Zone", models=[BedrockModels.US_AMAZON_NOVA_PRO],
        access=AccessOptions(teams=[TeamSpec(name="claims", cost_center="CC", models=(BedrockModels.US_AMAZON_NOVA_PRO,))]),
    )  # fmt: skip
    filler = Construct(stack, "Filler")
    for index in range(460):
        CfnResource(filler, f"H{index}", type="AWS::CloudFormation::WaitConditionHandle")
    with pytest.raises(
        RuntimeError,
        match=r"teams: the stack 'Test' would hold \d+ resources, more than CloudFormation's 500",
    ):
        stack.node.root.synth()
