"""The Bedrock rule pack: each rule against a compliant and a deliberately broken stack, and at synth."""

from __future__ import annotations

import dataclasses

import pytest
from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template

from secure_bedrock import (
    BedrockChecks,
    BedrockGuardrail,
    BedrockModels,
    BedrockTeam,
    EvidenceOptions,
    GuardrailPolicy,
    SecureBedrockLandingZone,
    grant_invoke,
)
from tests.conftest import compliance_report

CHECKS = BedrockChecks()


def findings(stack: Stack, rule: str) -> list[str]:
    template = Template.from_stack(stack).to_json()
    return [finding.logical_id for finding in CHECKS.evaluate(template)[rule]]


def bare_guardrail(stack: Stack, **props) -> None:
    bedrock.CfnGuardrail(
        stack, "Bare", name="bare", blocked_input_messaging="no", blocked_outputs_messaging="no", **props
    )


def test_reference_environment_passes_every_rule(reference_template: Template) -> None:
    assert {
        rule: found for rule, found in CHECKS.evaluate(reference_template.to_json()).items() if found
    } == {}


def test_guardrail_customer_managed_key(stack: Stack) -> None:
    BedrockGuardrail(stack, "Good", policy=GuardrailPolicy.hipaa())
    bare_guardrail(stack)
    assert findings(stack, "Bedrock-GuardrailCustomerManagedKey") == ["Bare"]


def test_guardrail_filters(stack: Stack) -> None:
    BedrockGuardrail(stack, "Good", policy=GuardrailPolicy.hipaa())
    no_attack = dataclasses.replace(
        GuardrailPolicy.hipaa(), content_filters=GuardrailPolicy.hipaa().content_filters[:5]
    )
    BedrockGuardrail(stack, "NoAttack", policy=no_attack)
    no_pii = dataclasses.replace(GuardrailPolicy.hipaa(), pii_entities=(), regex_filters=())
    BedrockGuardrail(stack, "NoPii", policy=no_pii)
    found = findings(stack, "Bedrock-GuardrailFilters")
    assert len(found) == 2
    assert all(f.startswith(("NoAttack", "NoPii")) for f in found)


def open_invoker(stack: Stack) -> iam.Role:
    role = iam.Role(stack, "Open", assumed_by=iam.AccountRootPrincipal())
    role.add_to_policy(iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=["*"]))
    return role


def test_runtime_endpoint_policy(stack: Stack, make_stack) -> None:
    open_invoker(stack)
    assert findings(stack, "Bedrock-RuntimeEndpointPolicy") != []
    good = make_stack()
    SecureBedrockLandingZone(good, "LandingZone", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    assert findings(good, "Bedrock-RuntimeEndpointPolicy") == []


def test_runtime_endpoint_with_an_open_policy_is_a_finding(stack: Stack) -> None:
    from aws_cdk import aws_ec2 as ec2

    vpc = ec2.Vpc(
        stack,
        "Vpc",
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="i", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    endpoint = vpc.add_interface_endpoint(
        "Runtime", service=ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME
    )
    endpoint.add_to_policy(
        iam.PolicyStatement(principals=[iam.AnyPrincipal()], actions=["*"], resources=["*"])
    )
    (found,) = findings(stack, "Bedrock-RuntimeEndpointPolicy")
    assert found.startswith("VpcRuntime")


def test_no_wildcard_invoke(stack: Stack) -> None:
    open_invoker(stack)
    narrow = iam.Role(stack, "Narrow", assumed_by=iam.AccountRootPrincipal())
    grant_invoke(narrow, models=[BedrockModels.US_AMAZON_NOVA_PRO])
    everything = iam.Role(stack, "Everything", assumed_by=iam.AccountRootPrincipal())
    everything.add_to_policy(
        iam.PolicyStatement(
            actions=["bedrock:InvokeModel"], resources=["arn:aws:bedrock:us-east-1::foundation-model/*"]
        )
    )
    found = findings(stack, "Bedrock-NoWildcardInvoke")
    assert len(found) == 2
    assert all(f.startswith(("OpenDefaultPolicy", "EverythingDefaultPolicy")) for f in found)


def test_invoke_enforces_guardrail(stack: Stack) -> None:
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    guarded = iam.Role(stack, "Guarded", assumed_by=iam.AccountRootPrincipal())
    grant_invoke(guarded, models=[BedrockModels.US_AMAZON_NOVA_PRO], guardrail=guardrail)
    unguarded = iam.Role(stack, "Unguarded", assumed_by=iam.AccountRootPrincipal())
    grant_invoke(unguarded, models=[BedrockModels.US_AMAZON_NOVA_PRO])
    found = findings(stack, "Bedrock-InvokeEnforcesGuardrail")
    assert found
    assert all(f.startswith("UnguardedDefaultPolicy") for f in found)


def test_invocation_logging_configured(stack: Stack, make_stack) -> None:
    grant_invoke(
        iam.Role(stack, "Caller", assumed_by=iam.AccountRootPrincipal()),
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
    )
    assert findings(stack, "Bedrock-InvocationLoggingConfigured") != []
    good = make_stack()
    zone = SecureBedrockLandingZone(good, "LandingZone", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    grant_invoke(
        iam.Role(good, "Caller", assumed_by=iam.AccountRootPrincipal()),
        models=zone.network.models,
        guardrail=zone.guardrail,
    )
    assert findings(good, "Bedrock-InvocationLoggingConfigured") == []


def test_invocation_logging_without_text_is_a_finding(make_stack) -> None:
    stack = make_stack()
    SecureBedrockLandingZone(
        stack,
        "LandingZone",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        evidence=EvidenceOptions(invocation_log_data_types=["image"]),
    )
    assert len(findings(stack, "Bedrock-InvocationLoggingConfigured")) == 1


def test_log_retention_minimum(stack: Stack) -> None:
    logs.LogGroup(stack, "Short", retention=logs.RetentionDays.ONE_YEAR)
    logs.LogGroup(stack, "Long", retention=logs.RetentionDays.SIX_YEARS)
    logs.LogGroup(stack, "Forever", retention=logs.RetentionDays.INFINITE)
    found = findings(stack, "Bedrock-LogRetentionMinimum")
    assert sorted(f[:5] for f in found) == ["Forev", "Short"]
    relaxed = BedrockChecks(minimum_log_retention_days=365).evaluate(Template.from_stack(stack).to_json())
    assert [f.logical_id[:7] for f in relaxed["Bedrock-LogRetentionMinimum"]] == ["Forever"]


def test_application_profile_cost_tags(stack: Stack) -> None:
    BedrockTeam(
        stack,
        "Team",
        name="claims",
        cost_center="CC-1",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        assumed_by=iam.AccountRootPrincipal(),
    )
    bedrock.CfnApplicationInferenceProfile(
        stack,
        "Untagged",
        inference_profile_name="untagged",
        model_source=bedrock.CfnApplicationInferenceProfile.InferenceProfileModelSourceProperty(
            copy_from="arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
        ),
    )
    assert findings(stack, "Bedrock-ApplicationProfileCostTags") == ["Untagged"]


def test_a_broken_stack_fails_synth_and_an_acknowledgement_clears_it(stack: Stack) -> None:
    bare_guardrail(stack)
    Validations.of(stack.node.root).add_plugins(BedrockChecks())
    report = compliance_report(stack.node.root)
    rules = {v["ruleName"] for plugin in report for v in plugin["violations"]}
    assert {"Bedrock-GuardrailCustomerManagedKey", "Bedrock-GuardrailFilters"} <= rules


def test_acknowledged_finding_passes_synth(make_stack) -> None:
    stack = make_stack()
    bare_guardrail(stack)
    guardrail = stack.node.find_child("Bare")
    for rule in ("Bedrock-GuardrailCustomerManagedKey", "Bedrock-GuardrailFilters"):
        Validations.of(guardrail).acknowledge(
            Acknowledgment(id=f"Bedrock::{rule}", reason="a test of the acknowledgement path")
        )
    Validations.of(stack.node.root).add_plugins(BedrockChecks())
    report = compliance_report(stack.node.root)
    assert [v for plugin in report for v in plugin["violations"]] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"minimum_log_retention_days": 0},
            r"minimum_log_retention_days: 0 must be a positive number of days",
        ),
        ({"cost_tag_keys": "team"}, r"cost_tag_keys: 'team' must be a list of tag keys"),
    ],
)
def test_fails_on_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BedrockChecks(**kwargs)


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def test_acknowledgements_fail_on_arguments_of_the_wrong_kind(stack: Stack) -> None:
    from aws_cdk import Token

    from secure_bedrock import acknowledge, acknowledge_wildcard_resources

    reason = "a reason long enough to say why the finding is safe"
    with pytest.raises(TypeError, match=r"scope must be a construct"):
        acknowledge("Test", "AwsSolutions::AwsSolutions-S1", reason)  # type: ignore[arg-type]
    # A string used to be acknowledged character by character: '*' became a blanket IAM5 acknowledgement.
    with pytest.raises(TypeError, match=r"resources must be a list of resource ARNs"):
        acknowledge_wildcard_resources(stack, "arn:aws:s3:::bucket/*", reason)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"resources: a deploy-time list cannot be checked item by item"):
        acknowledge_wildcard_resources(stack, Token.as_list({"Ref": "Arns"}), reason)
    with pytest.raises(ValueError, match=r"reason: 'short' is too short"):
        acknowledge_wildcard_resources(stack, ["arn:aws:s3:::bucket"], "short")


def test_checks_fail_on_tag_keys_that_are_not_a_list() -> None:
    with pytest.raises(ValueError, match=r"cost_tag_keys: 5 must be a list of tag keys"):
        BedrockChecks(cost_tag_keys=5)  # type: ignore[arg-type]
