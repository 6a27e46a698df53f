"""The review "correct on a real account" (issue 11): one test per numbered finding.

Each test failed before its fix. The access matrix (tests/test_access_matrix.py) proves the
security findings a second time, by evaluating the synthesized policies with an independent IAM
engine; the tests here check the template and the library's errors directly.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from secure_bedrock import (
    BedrockChecks,
    BedrockGuardrail,
    BedrockModels,
    GuardrailPolicy,
    actions,
    grant_invoke,
)

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


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
