"""Upgrades lose nothing: no stateful resource of the committed snapshot is replaced or left unretained.

CloudFormation replaces a resource whose logical id disappears (it deletes the old one and creates
a new, empty one) or whose create-only property changes. For keys, evidence buckets, log groups,
the trail and the guardrail that means lost audit data or ciphertext that can no longer be read,
unless the old resource is retained. This test compares the reference template with the committed
snapshot (tests/__snapshots__/test_reference_stack/test_snapshot.json) and explains each risk.
docs/upgrading.md says what to do when a change is unavoidable.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.documents.security_diff import RETAIN, STATEFUL, replacement_risks

SNAPSHOT = Path(__file__).parent / "__snapshots__" / "test_reference_stack" / "test_snapshot.json"


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return loaded


def test_no_stateful_resource_of_the_snapshot_is_replaced_or_unretained(
    baseline: dict[str, Any], reference_template: Template
) -> None:
    risks = replacement_risks(baseline, reference_template.to_json())
    assert risks == [], "an upgrade would lose audit data:\n" + "\n".join(risks)


def test_the_snapshot_holds_every_kind_of_stateful_resource(baseline: dict[str, Any]) -> None:
    kinds = {resource["Type"] for resource in baseline["Resources"].values()}
    assert set(STATEFUL) <= kinds


def _first(template: dict[str, Any], resource_type: str) -> str:
    return next(k for k, v in template["Resources"].items() if v["Type"] == resource_type)


def test_a_renamed_key_is_reported(baseline: dict[str, Any]) -> None:
    current = copy.deepcopy(baseline)
    key = _first(current, "AWS::KMS::Key")
    current["Resources"][key + "Renamed"] = current["Resources"].pop(key)
    (risk,) = replacement_risks(baseline, current)
    assert f"{key} (AWS::KMS::Key at" in risk
    assert "logical id is gone" in risk
    assert "unreadable" in risk


def test_a_changed_create_only_property_is_reported(baseline: dict[str, Any]) -> None:
    current = copy.deepcopy(baseline)
    group = _first(current, "AWS::Logs::LogGroup")
    current["Resources"][group]["Properties"]["LogGroupName"] = "/renamed"
    (risk,) = replacement_risks(baseline, current)
    assert f"{group} (AWS::Logs::LogGroup" in risk
    assert "create-only property LogGroupName changes" in risk


@pytest.mark.parametrize("policy", ["DeletionPolicy", "UpdateReplacePolicy"])
def test_a_lost_retain_policy_is_reported(baseline: dict[str, Any], policy: str) -> None:
    current = copy.deepcopy(baseline)
    trail = _first(current, "AWS::CloudTrail::Trail")
    current["Resources"][trail][policy] = "Delete"
    (risk,) = replacement_risks(baseline, current)
    assert f"{trail} (AWS::CloudTrail::Trail" in risk
    assert f"{policy} is 'Delete'" in risk


def test_a_new_guardrail_version_is_expected_but_must_be_retained(baseline: dict[str, Any]) -> None:
    current = copy.deepcopy(baseline)
    version = _first(current, "AWS::Bedrock::GuardrailVersion")
    current["Resources"][version + "Next"] = current["Resources"].pop(version)
    assert replacement_risks(baseline, current) == []
    del current["Resources"][version + "Next"]["DeletionPolicy"]
    assert len(replacement_risks(baseline, current)) == 1


def unguarded_after_deletion(template: Mapping[str, Any]) -> list[str]:
    """What a stack deletion would take from the evidence it retains: a retained bucket's policy (its
    TLS-only and encryption guards, and the grants log deliveries need), or the role (and its
    policies) a retained trail delivers to CloudWatch Logs with."""
    resources = template.get("Resources", {})
    retained = {lid for lid, r in resources.items() if r.get("DeletionPolicy") == RETAIN}
    needed: dict[str, str] = {}
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::S3::BucketPolicy":
            bucket = properties.get("Bucket", {}).get("Ref")
            if bucket in retained:
                needed[logical_id] = f"the policy of the retained bucket {bucket}"
        if resource["Type"] == "AWS::CloudTrail::Trail" and logical_id in retained:
            role = properties.get("CloudWatchLogsRoleArn", {}).get("Fn::GetAtt", [None])[0]
            if role is not None:
                needed[role] = f"the role the retained trail {logical_id} delivers to its log group with"
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            roles = [ref.get("Ref") for ref in resource.get("Properties", {}).get("Roles", [])]
            for role in roles:
                if role in needed and "trail" in needed[role]:
                    needed[logical_id] = f"the policy of {needed[role]}"
    return [
        f"{logical_id} ({why}) is deleted with the stack: retain it with what it serves"
        for logical_id, why in sorted(needed.items())
        if resources[logical_id].get("DeletionPolicy") != RETAIN
    ]


def test_deletion_leaves_the_retained_evidence_guarded_and_delivering(reference_template: Template) -> None:
    template = reference_template.to_json()
    assert unguarded_after_deletion(template) == []
    kinds = {r["Type"] for r in template["Resources"].values() if r.get("DeletionPolicy") == RETAIN}
    assert {"AWS::S3::BucketPolicy", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"} <= kinds


@pytest.mark.parametrize("kind", ["AWS::S3::BucketPolicy", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy"])
def test_an_unretained_guard_is_reported(reference_template: Template, kind: str) -> None:
    template = copy.deepcopy(reference_template.to_json())
    flagged = {line.split(" ")[0] for line in unguarded_after_deletion(template)}
    assert flagged == set()
    candidates = [
        lid
        for lid, r in template["Resources"].items()
        if r["Type"] == kind
        and r.get("DeletionPolicy") == RETAIN
        and ("Trail" in lid or kind.endswith("BucketPolicy"))
    ]
    victim = candidates[0]
    del template["Resources"][victim]["DeletionPolicy"]
    assert [line.split(" ")[0] for line in unguarded_after_deletion(template)] == [victim]
