"""The access matrix: every access claim, evaluated by an independent IAM engine over the synthesized templates."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.documents import DOCS
from stacks.documents.access_matrix import ACCOUNT, REGION, Matrix, byo_rows, evaluate_rows, matrix_for
from stacks.documents.deployed import Deployed
from stacks.hipaa_stack import HipaaBedrockStack

DOCUMENT = DOCS / "access-matrix.md"
ACCESS_DOC = DOCS / "access.md"


@pytest.fixture(scope="module")
def matrix(
    reference_template: Template, reference_stack: HipaaBedrockStack, byo_template: dict[str, Any]
) -> Matrix:
    return matrix_for(reference_template.to_json(), reference_stack.stack_name, byo_template)


def test_every_row_is_decided_as_aws_documents(matrix: Matrix) -> None:
    wrong = [
        f"{item.row.id}: expected {item.row.expected}, engine says {item.result.decision} ({item.result.explain})"
        for item in matrix.evaluated
        if not item.agrees
    ]
    assert wrong == []


def test_the_matrix_covers_every_kind_of_principal_and_path(matrix: Matrix) -> None:
    ids = {item.row.id for item in matrix.evaluated}
    # The review's security findings each have rows that fail on the old behaviour.
    for required in (
        "grant-no-guardrail",  # 1: grant_invoke kept its Deny
        "grant-management",
        "network-foreign-bucket",  # 2: the S3 gateway endpoint
        "network-cfn-response",
        "invoker-apply-guardrail-outside",  # 4: ApplyGuardrail only through the endpoint
        "admin-StartLiveTail",  # 5: every way to read the logs
        "admin-GetQueryResults",
        "admin-PutSubscriptionFilter",
        "admin-CreateExportTask",
        "admin-grant-directly",  # 6: no direct grants on the keys
        "alarm-publish",  # 8: alarms can publish
        "admin-guardrail-key-grant",  # 14: the administrator manages the guardrail
        "admin-create-profile-model",
        "admin-PutModelInvocationLoggingConfiguration",  # the administrator cannot change the evidence
    ):
        assert required in ids, required
    decisions = {item.row.expected for item in matrix.evaluated}
    assert decisions == {"Allowed", "ExplicitlyDenied", "ImplicitlyDenied"}


def test_checked_in_document_is_fresh(matrix: Matrix) -> None:
    assert DOCUMENT.exists(), "docs/access-matrix.md is missing: run make docs"
    assert DOCUMENT.read_text(encoding="utf-8") == matrix.markdown, (
        "docs/access-matrix.md is stale: run make docs"
    )


def test_every_claim_in_the_access_guide_names_rows_that_exist(matrix: Matrix) -> None:
    ids = {item.row.id for item in matrix.evaluated}
    text = ACCESS_DOC.read_text(encoding="utf-8")
    claims = text.split("## Claims and their proof", 1)[1].split("\n## ", 1)[0]
    bullets = [line for line in claims.splitlines() if line.startswith("- ")]
    assert len(bullets) >= 10
    for bullet in bullets:
        cited = re.findall(r"`([a-z0-9-]+)`", bullet.split("matrix:", 1)[-1]) if "matrix:" in bullet else []
        assert cited, f"a claim without matrix rows: {bullet}"
        assert set(cited) <= ids, f"{bullet}: unknown rows {set(cited) - ids}"


def test_the_matrix_catches_a_deny_turned_into_an_allow(byo_template: dict[str, Any]) -> None:
    """Negative control: the first review's bug (grant_invoke rebuilding Denies as Allows) fails rows."""
    broken = copy.deepcopy(byo_template)
    for resource in broken["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                statement["Effect"] = "Allow"
    rows = byo_rows(Deployed(broken, account=ACCOUNT, region=REGION, stack_name="ByoExample"))
    wrong = {item.row.id for item in evaluate_rows(rows) if not item.agrees}
    assert {"grant-no-guardrail", "grant-management"} <= wrong


def test_the_simulator_is_never_imported_by_the_library() -> None:
    library = Path(__file__).resolve().parents[1] / "secure_bedrock"
    for path in library.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "iam_simulat" not in text, path
        assert "@cloud-copilot" not in text, path


def test_a_guardrail_change_keeps_callers_working_through_its_transition(matrix: Matrix) -> None:
    decisions = {
        row_id: matrix.row(row_id).result.decision
        for row_id in (
            "transition-new-version",
            "transition-previous-version",
            "transition-other-version",
            "transition-draft",
            "transition-after-new-version",
            "transition-after-previous-version",
        )
    }
    assert decisions == {
        "transition-new-version": "Allowed",
        "transition-previous-version": "Allowed",  # callers still on 1 keep working while they move
        "transition-other-version": "ExplicitlyDenied",
        "transition-draft": "ExplicitlyDenied",
        "transition-after-new-version": "Allowed",
        "transition-after-previous-version": "ExplicitlyDenied",  # once previous_version is removed
    }
