"""The library stands alone: no cdk-nag needed, typed, and it never imports the reference environment."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from secure_bedrock import acknowledge

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "secure_bedrock"

WITHOUT_CDK_NAG = """
import sys
sys.modules["cdk_nag"] = None  # importing cdk_nag now raises ImportError
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from secure_bedrock import BedrockModels, SecureBedrockLandingZone
app = App()
stack = Stack(app, "NoNag", env=Environment(region="us-east-1"))
SecureBedrockLandingZone(stack, "LandingZone", models=[BedrockModels.US_AMAZON_NOVA_PRO])
Template.from_stack(stack).resource_count_is("AWS::EC2::VPCEndpoint", 4)
from secure_bedrock.compliance import compliance_packs
try:
    compliance_packs(app)
except ImportError as error:
    assert "pip install 'secure-bedrock[nag]'" in str(error), error
    print("ok")
"""


def test_library_works_without_cdk_nag() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_CDK_NAG],
        cwd=ROOT,
        # About cdk-nag, not CloudFormation validation: skip the validator's start-up (3-5 s).
        env={**os.environ, "CDK_VALIDATION": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_library_imports_neither_cdk_nag_at_module_level_nor_the_stacks() -> None:
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                )
                for name in names:
                    assert not name.startswith("cdk_nag"), f"{path.name} imports cdk_nag at module level"
                    assert not name.startswith("stacks"), f"{path.name} imports the reference environment"


def test_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_acknowledgement_needs_a_reason(stack) -> None:
    with pytest.raises(ValueError, match=r"reason: 'ok' is too short; say in at least 20 characters why"):
        acknowledge(stack, "AwsSolutions::AwsSolutions-IAM5", "ok")
    with pytest.raises(ValueError, match=r"rule_id: '' must name a finding"):
        acknowledge(stack, "", "a long enough reason for the test")


def test_acknowledgement_is_recorded_on_the_construct(stack) -> None:
    from aws_cdk import Validations

    rule = "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:logs:*]"
    acknowledge(stack, rule, "a long enough reason for the test")
    entries = [m.data for m in stack.node.metadata if m.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY]
    assert entries == [{rule: "a long enough reason for the test"}]


def test_every_acknowledgement_is_visible_to_cdk_nag_v2(reference_template, reference_stack) -> None:
    """cdk-nag v2 reads each resource's ``cdk_nag`` metadata: every v3 acknowledgement of a pack v2
    knows is there, on every resource under the acknowledged construct, for the same finding."""
    from aws_cdk import CfnResource

    from secure_bedrock.acknowledgements import NAG_V2_METADATA, nag_v2_rule
    from stacks.documents.control_map import acknowledgements

    resources = reference_template.to_json()["Resources"]
    checked = 0
    for ack in acknowledgements(reference_stack):
        named = nag_v2_rule(ack.rule_id)
        if named is None:
            continue
        rule, applies_to = named
        construct = reference_stack
        for name in ack.path.split("/"):
            construct = construct.node.find_child(name)
        primary = construct
        while not isinstance(primary, CfnResource) and primary.node.default_child is not None:
            primary = primary.node.default_child
        # The resources the finding can be about: the construct's own, and any of that type under it.
        covered = [
            (node.node.path, resources[reference_stack.resolve(node.logical_id)])
            for node in construct.node.find_all()
            if isinstance(node, CfnResource)
            and reference_stack.resolve(node.logical_id) in resources
            and (not isinstance(primary, CfnResource) or node.cfn_resource_type == primary.cfn_resource_type)
        ]
        assert covered, ack
        for path, resource in covered:
            entries = resource.get("Metadata", {}).get(NAG_V2_METADATA, {}).get("rules_to_suppress", [])
            (entry,) = [e for e in entries if e["id"] == rule] or [None]
            assert entry is not None, (ack, path)
            assert "applies_to" not in entry or applies_to in entry["applies_to"], (ack, entry)
            checked += 1
    assert checked >= 40  # every v2-known acknowledgement of the reference environment


def test_no_tracked_file_holds_a_merge_conflict() -> None:
    """A merge left README.md with conflict markers once; nothing else reads every text file."""
    root = PACKAGE.parent
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    marker = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
    conflicted = []
    for name in filter(None, tracked):
        path = root / name
        if path.suffix in {".gz", ".png", ".svg"} or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        conflicted += [f"{name}:{text.count(chr(10), 0, m.start()) + 1}" for m in marker.finditer(text)]
    assert conflicted == []
