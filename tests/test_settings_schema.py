"""docs/settings.schema.json and the settings table: generated from stacks/settings_schema.py, in step
with the loader (stacks/settings.py), and usable by the editors it is for."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from stacks.documents import DOCS, render_settings_reference
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings
from stacks.settings_schema import block_schema, cdk_json_schema, settings_fields

BLOCK = Draft202012Validator(block_schema())
ROOT = Path(__file__).resolve().parents[1]


def test_checked_in_schema_and_table_are_fresh() -> None:
    for path, text in render_settings_reference().items():
        assert path.read_text() == text, f"{path.name} is stale: run 'make docs'"


def test_the_schema_is_valid_json_schema_and_describes_cdk_json() -> None:
    schema = json.loads((DOCS / "settings.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    whole = Draft202012Validator(schema)
    assert list(whole.iter_errors(json.loads((ROOT / "cdk.json").read_text()))) == []
    broken = json.loads((ROOT / "cdk.json").read_text())
    broken["context"][CONTEXT_KEY]["network"]["max_azs"] = "2"
    assert [error.json_path for error in whole.iter_errors(broken)] == [
        f"$.context['{CONTEXT_KEY}'].network.max_azs"
    ]


def _loader_keys(group: str | None) -> set[str]:
    """The keys the loader knows at the top level or in a group, from its own "known settings" hint."""
    block: dict[str, Any] = {"models": ["amazon.nova-pro-v1:0"]}
    if group is None:
        block["zzzzzz"] = 1
    else:
        block[group] = {"zzzzzz": 1}
    with pytest.raises(SettingsError) as raised:
        load_settings({CONTEXT_KEY: block})
    (hint,) = [error for error in raised.value.errors if "zzzzzz" in error]
    return set(hint.split("known settings: ", 1)[1].split(", "))


def test_the_schema_and_the_loader_know_the_same_settings() -> None:
    paths = set(settings_fields())
    groups = {path.split(".")[0] for path in paths if "." in path}
    assert groups == {"network", "evidence", "guardrail", "monitoring", "budgets", "organization"}
    top = {path for path in paths if "." not in path} | groups
    assert _loader_keys(None) == top
    for group in groups:
        assert _loader_keys(group) == {path.split(".")[1] for path in paths if path.startswith(f"{group}.")}


def test_team_keys_are_the_loaders() -> None:
    team = block_schema()["$defs"]["Team"]
    block = {"models": ["amazon.nova-pro-v1:0"], "teams": [{"zzzzzz": 1}]}
    with pytest.raises(SettingsError) as raised:
        load_settings({CONTEXT_KEY: block})
    (hint,) = [error for error in raised.value.errors if "zzzzzz" in error]
    assert set(hint.split("use ", 1)[1].split(", ")) == set(team["properties"])


@pytest.mark.parametrize("seed", range(25))
def test_every_block_the_loader_accepts_passes_the_schema(seed: int) -> None:
    from tests.test_properties import random_settings

    block = random_settings(random.Random(seed), f"Stack{seed}")
    load_settings({CONTEXT_KEY: block})
    assert [f"{error.json_path}: {error.message}" for error in BLOCK.iter_errors(block)] == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"regoin": "us-east-1"}, "$"),
        ({"region": "us-east-9"}, "$.region"),
        ({"network": {"max_azs": 7}}, "$.network.max_azs"),
        ({"evidence": {"retention_days": 30}}, "$.evidence.retention_days"),
        ({"evidence": {"object_lock": {"mode": "WORM", "days": 2192}}}, "$.evidence.object_lock"),
        (
            {"teams": [{"name": "Claims", "cost_center": "CC-1", "models": ["amazon.nova-pro-v1:0"]}]},
            "$.teams[0].name",
        ),
        ({"budgets": {"monthly_limit_usd": "2000"}}, "$.budgets.monthly_limit_usd"),
        ({"log_retention_days": 30}, "$.log_retention_days"),
        ({"tags": {"a#b": "x"}}, "$.tags"),
    ],
)
def test_the_schema_catches_what_an_editor_should_underline(change: dict[str, Any], where: str) -> None:
    block = {"models": ["amazon.nova-pro-v1:0"], **change}
    with pytest.raises(SettingsError):
        load_settings({CONTEXT_KEY: block})
    assert where in {error.json_path for error in BLOCK.iter_errors(block)}


def _patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in _patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in _patterns(value)]
    return []


def test_every_pattern_is_a_javascript_regex() -> None:
    """Editors (VS Code's JSON language service among them) evaluate patterns as JavaScript regexes."""
    patterns = sorted(set(_patterns(cdk_json_schema())))
    assert len(patterns) >= 10
    node = shutil.which("node")
    assert node, "node is on the PATH of make test"
    script = "for (const p of JSON.parse(process.argv[1])) new RegExp(p, 'u'); console.log('ok')"
    run = subprocess.run(
        [node, "-e", script, json.dumps(patterns)], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.stdout.strip() == "ok", run.stderr
