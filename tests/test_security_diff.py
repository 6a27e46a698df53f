"""The security diff of two synthesized templates (stacks/documents/security_diff.py): each kind of change
a pull request can make is reported, the access-matrix rows whose decision changed among them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.app import build_app, cdk_json_context
from stacks.documents.security_diff import main, render
from stacks.settings import CONTEXT_KEY

STACK = "SecureBedrockHipaa"


def _with_settings(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    """The reference template synthesized from cdk.json's settings with ``changes`` applied."""
    context = copy.deepcopy(cdk_json_context())
    context[CONTEXT_KEY].update(changes)
    app, stack = build_app(context=context, outdir=str(tmp_path), compliance=False)
    template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template


@pytest.fixture(scope="module")
def base(reference_template: Template) -> dict[str, Any]:
    template: dict[str, Any] = reference_template.to_json()
    return template


def _diff(base: dict[str, Any], head: dict[str, Any]) -> str:
    return render({STACK: base}, {STACK: head})


def test_the_same_template_has_no_change(base: dict[str, Any]) -> None:
    assert "No change to access, policies, network rules or retained data." in _diff(
        base, copy.deepcopy(base)
    )


def test_an_added_model_widens_the_roles_and_the_endpoint_and_flips_its_matrix_row(
    base: dict[str, Any], tmp_path: Path
) -> None:
    haiku = "anthropic.claude-3-haiku-20240307-v1:0"
    models = [*cdk_json_context()[CONTEXT_KEY]["models"], haiku]
    text = _diff(base, _with_settings(tmp_path, models=models))
    # The access matrix's "unapproved model" is this one: approved now, the endpoint lets it through.
    assert "**network-unapproved-model**" in text
    assert "ImplicitlyDenied -> **Allowed**" in text
    identity = text.split("#### IAM statements", 1)[1].split("####", 1)[0]
    assert "**widens**" in identity
    assert f"foundation-model/{haiku}" in identity
    resources = text.split("#### Resource policies", 1)[1].split("####", 1)[0]
    assert "LandingZoneNetworkRuntime" in resources
    assert haiku in resources


def test_a_wider_principal_widens_the_endpoint_policies(base: dict[str, Any], tmp_path: Path) -> None:
    other = "arn:aws:iam::444455556666:root"
    text = _diff(base, _with_settings(tmp_path, allowed_principals=["arn:aws:iam::111122223333:root", other]))
    resources = text.split("#### Resource policies", 1)[1]
    assert "**widens**" in resources
    assert other in resources


def _team_policies(template: dict[str, Any], team: str) -> dict[str, dict[str, Any]]:
    """A team invoker's managed policies, by logical id (the in-process synth records no paths)."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::IAM::ManagedPolicy"
        and logical_id.startswith(f"LandingZoneTeams{team}Invoker")
    }


def _team_policy(template: dict[str, Any], team: str) -> list[dict[str, Any]]:
    """The statements of a team invoker's managed policies."""
    statements = []
    for resource in _team_policies(template, team).values():
        statements += resource["Properties"]["PolicyDocument"]["Statement"]
    assert statements, team
    return statements


def test_a_team_without_the_guardrail_is_reported_by_its_matrix_row(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    for resource in _team_policies(head, "claims").values():
        document = resource["Properties"]["PolicyDocument"]
        kept = []
        for statement in document["Statement"]:
            text = json.dumps(statement)
            if statement["Effect"] == "Deny" and "GuardrailIdentifier" in text:
                continue  # the Deny without the guardrail goes
            for operator in statement.get("Condition", {}).values():
                operator.pop("bedrock:GuardrailIdentifier", None)
            statement["Condition"] = {k: v for k, v in statement.get("Condition", {}).items() if v}
            if not statement["Condition"]:
                del statement["Condition"]
            kept.append(statement)
        document["Statement"] = kept
    assert _team_policy(head, "claims") != _team_policy(base, "claims")
    text = _diff(base, head)
    assert "**team-no-guardrail**" in text
    assert "ExplicitlyDenied -> **Allowed**" in text
    assert "**widens** `LandingZoneTeamsclaimsInvoker" in text


def test_evidence_no_longer_retained_is_data_at_risk(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    bucket = next(
        logical_id
        for logical_id, resource in head["Resources"].items()
        if resource["Type"] == "AWS::S3::Bucket" and logical_id.startswith("LandingZoneInvocationLogging")
    )
    head["Resources"][bucket]["DeletionPolicy"] = "Delete"
    text = _diff(base, head)
    risk = text.split("#### Data at risk", 1)[1]
    assert f"{bucket} (AWS::S3::Bucket at" in risk
    assert "DeletionPolicy is 'Delete'" in risk


def test_a_new_ingress_rule_is_a_network_change(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    head["Resources"]["OpenToTheWorld"] = {
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {
            "CidrIp": "0.0.0.0/0",
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "GroupId": "sg-1",
        },
        "Metadata": {"aws:cdk:path": "SecureBedrockHipaa/OpenToTheWorld"},
    }
    network = _diff(base, head).split("#### Network", 1)[1]
    assert "added: ingress" in network
    assert "0.0.0.0/0" in network


def test_the_command_reads_two_assemblies(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nothing"), str(tmp_path)]) == 2
    assert "not a cloud assembly" in capsys.readouterr().err
