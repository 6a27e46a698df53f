"""The reference environment: snapshot, the four compliance packs, cfn-lint, and the CLI's own synth."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Validations
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from secure_bedrock.compliance import compliance_packs
from stacks.hipaa_stack import HipaaBedrockStack
from tests.conftest import compliance_findings

ROOT = Path(__file__).resolve().parents[1]
ASSET_HASH = re.compile(r"[0-9a-f]{64}")

#: cfn-lint warnings the reference template may carry, each with the reason it is acceptable.
ACCEPTED_CFN_LINT_WARNINGS: dict[str, str] = {
    "W3005": (
        "a DependsOn that aws-cdk-lib writes beside a GetAtt to the same resource (a Lambda function on its "
        "role, in CDK's own restrict_default_security_group provider and in lambda.Function); redundant, harmless"
    ),
}


def without_cli_metadata(template: dict[str, Any]) -> dict[str, Any]:
    """The template less what only the CLI adds: path and asset metadata, and the CDKMetadata resource."""
    result = json.loads(json.dumps(template))
    result["Resources"].pop("CDKMetadata", None)
    for resource in result["Resources"].values():
        metadata = resource.get("Metadata", {})
        for key in [k for k in metadata if k == "aws:cdk:path" or k.startswith("aws:asset:")]:
            del metadata[key]
        if not metadata:
            resource.pop("Metadata", None)
    return result


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    # Asset hashes change with the CDK version's bundled handlers, not with our code.
    def mask_asset_hashes(*, data: Any, path: Any) -> Any:
        return ASSET_HASH.sub("<asset-hash>", data) if isinstance(data, str) else data

    return snapshot.use_extension(JSONSnapshotExtension)(matcher=mask_asset_hashes)


def test_snapshot(reference_template: Template, snapshot_json: SnapshotAssertion) -> None:
    assert reference_template.to_json() == snapshot_json


PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
ANNOTATIONS = "Construct Annotations"


def acknowledged_rules(stack: HipaaBedrockStack) -> dict[str, str]:
    return {
        rule: reason
        for construct in stack.node.find_all()
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
    }


def test_every_compliance_pack_has_zero_unacknowledged_findings(reference_assembly) -> None:
    # The fixture's synth would have raised on any finding; the reports must list none either. cdk-nag's
    # packs report into validation-report.json (each with its conclusion), the Bedrock rules into
    # policy-validation-report.json (which lists a plugin only when it finds something).
    directory = Path(reference_assembly.directory)
    packs = json.loads((directory / "validation-report.json").read_text())["pluginReports"]
    # Beside the packs, the one construct warning (cdk-stacksets' on the StackSets stack), acknowledged.
    assert sorted(plugin["pluginName"] for plugin in packs) == sorted([*PACKS, ANNOTATIONS])
    assert {plugin["conclusion"] for plugin in packs} == {"success"}
    (annotations,) = [plugin for plugin in packs if plugin["pluginName"] == ANNOTATIONS]
    assert {
        violating["constructPath"]
        for suppressed in annotations["suppressedViolations"]
        for violating in suppressed["violatingConstructs"]
    } == {"SecureBedrockStackSets"}
    policy = json.loads((directory / "policy-validation-report.json").read_text())["pluginReports"]
    assert [v for plugin in [*packs, *policy] for v in plugin["violations"]] == []


def test_the_packs_do_run_and_fail_synth_on_a_finding(make_stack) -> None:
    # The negative control: the same registration reports a plain bucket under all four packs.
    stack = make_stack()
    s3.Bucket(stack, "Plain")
    findings = compliance_findings(stack)
    for pack in PACKS:
        assert any(finding.startswith(f"{pack}-") for finding in findings), pack


def test_every_acknowledgement_has_a_reason(reference_stack: HipaaBedrockStack) -> None:
    acknowledgements = acknowledged_rules(reference_stack)
    assert acknowledgements, "the reference stack acknowledges S3 replication and access-log findings"
    for rule, reason in acknowledgements.items():
        assert len(reason) >= 20, rule


def test_raw_findings_are_each_acknowledged(reference_stack: HipaaBedrockStack) -> None:
    # validate_scope reports findings before acknowledgements: each must be covered by one.
    acknowledged = set(acknowledged_rules(reference_stack))
    for pack in compliance_packs(reference_stack):
        for violation in pack.validate_scope(reference_stack).violations:
            rule = f"{violation.rule_name.split('-')[0]}::{violation.rule_name}"
            assert rule in acknowledged, f"{rule} is neither fixed nor acknowledged"


def test_cfn_lint_reports_no_errors(reference_template: Template) -> None:
    matches = lint(json.dumps(reference_template.to_json()), config=ManualArgs(regions=["us-east-1"]))
    errors = [f"{m.rule.id} {m.path}: {m.message}" for m in matches if m.rule.id.startswith("E")]
    unexplained = [
        f"{m.rule.id} {m.path}: {m.message}"
        for m in matches
        if m.rule.id.startswith("W") and m.rule.id not in ACCEPTED_CFN_LINT_WARNINGS
    ]
    assert errors == []
    assert unexplained == []


def test_stack_is_region_specific_and_account_agnostic(reference_stack: HipaaBedrockStack) -> None:
    assert reference_stack.region == "us-east-1"
    assert reference_stack.resolve(reference_stack.account) == {"Ref": "AWS::AccountId"}


def test_stateful_resources_are_retained(reference_template: Template) -> None:
    resources: dict[str, Any] = reference_template.to_json()["Resources"]
    stateful = {k: v for k, v in resources.items() if v["Type"] in ("AWS::KMS::Key", "AWS::Logs::LogGroup")}
    assert stateful
    for logical_id, resource in stateful.items():
        assert resource.get("DeletionPolicy") == "Retain", logical_id
        assert resource.get("UpdateReplacePolicy") == "Retain", logical_id


def test_cdk_cli_synth_matches_the_tests_template(reference_template: Template, cli_assembly: Path) -> None:
    synthesized = json.loads((cli_assembly / "SecureBedrockHipaa.template.json").read_text())
    assert without_cli_metadata(synthesized) == reference_template.to_json()
