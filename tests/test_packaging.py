"""The library stands alone: no cdk-nag needed, typed, and it never imports the reference environment."""

from __future__ import annotations

import ast
import os
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
