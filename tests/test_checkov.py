"""checkov, as security teams run it on cdk.out: no failed check on the reference template.

checkov lives in its own venv (``.venv-checkov``, pinned by requirements-checkov.lock; ``make test``
installs it). A finding that cannot be fixed carries an inline skip with its reason in the resource's
metadata, next to the resource (``secure_bedrock.acknowledgements.skip_checkov``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from secure_bedrock.acknowledgements import MIN_REASON_LENGTH

ROOT = Path(__file__).resolve().parents[1]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


def _checkov(template: dict[str, Any], name: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """checkov's JSON report of one template, as security teams run it on cdk.out."""
    assert CHECKOV.exists(), "checkov is not installed: run 'make test', which installs it into .venv-checkov"
    path = tmp_path_factory.mktemp("checkov") / f"{name}.template.json"
    path.write_text(json.dumps(template, indent=1))
    result = subprocess.run(
        [
            str(CHECKOV),
            "-f",
            str(path),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
            "--no-cert-verify",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path_factory.mktemp("home")),
            "BC_SKIP_MAPPING": "TRUE",
        },
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.fixture(scope="module")
def report(reference_template: Template, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _checkov(reference_template.to_json(), "SecureBedrockHipaa", tmp_path_factory)


def _stackset_template(directory: Path) -> str:
    """The name of the first StackSet template of the assembly (a member's baseline)."""
    return sorted(directory.glob("*.stackset.template.json"))[0].name.removesuffix(".template.json")


@pytest.mark.parametrize(
    "name",
    [
        "SecureBedrockOrganization",
        "SecureBedrockLogArchive",
        "SecureBedrockStackSets",
        "SecureBedrockStackSetsAssets-us-east-1",
        "a StackSet template",
    ],
)
def test_the_other_reference_stacks_have_no_failed_check(
    name: str, reference_assembly: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = Path(reference_assembly.directory)
    if name == "a StackSet template":
        name = _stackset_template(directory)
    template = json.loads((directory / f"{name}.template.json").read_text())
    report = _checkov(template, name, tmp_path_factory)
    assert [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]] == []
    assert report["summary"]["passed"] > 0


def test_no_failed_checks(report: dict[str, Any]) -> None:
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert failed == []
    assert report["summary"]["passed"] > 150


def test_every_skip_sits_next_to_its_resource_with_a_reason(
    report: dict[str, Any], reference_template: Template
) -> None:
    skipped = report["results"]["skipped_checks"]
    assert skipped, "the reference has inline skips (concurrency, the access-log bucket)"
    resources = reference_template.to_json()["Resources"]
    for check in skipped:
        logical_id = check["resource"].split(".", 1)[1]
        comments = {
            skip["id"]: skip["comment"] for skip in resources[logical_id]["Metadata"]["checkov"]["skip"]
        }
        assert len(comments[check["check_id"]]) >= MIN_REASON_LENGTH, check
