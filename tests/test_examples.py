"""The example apps in docs/examples/ synthesize as written, under all four compliance packs and the
Bedrock rules (which look across the app's stacks for the endpoint and the logging setting)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from aws_cdk import App

from secure_bedrock.compliance import register_compliance_packs
from tests.conftest import FEATURE_FLAGS

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


@pytest.mark.parametrize("example", sorted(path.name for path in EXAMPLES.glob("*.py")))
def test_the_example_synthesizes_under_every_pack(example: str, tmp_path: Path) -> None:
    module = runpy.run_path(str(EXAMPLES / example), run_name="example")
    app = App(context=FEATURE_FLAGS, outdir=str(tmp_path))
    module["build"](app)
    register_compliance_packs(app)
    assembly = app.synth()  # fails on any unacknowledged finding
    assert assembly.stacks


def test_a_team_stack_alone_still_needs_the_endpoint_and_the_logging(tmp_path: Path) -> None:
    from aws_cdk import Environment, Stack
    from aws_cdk import aws_iam as iam

    from secure_bedrock import BedrockModels, BedrockTeam

    app = App(context=FEATURE_FLAGS, outdir=str(tmp_path))
    alone = Stack(app, "TeamAlone", env=Environment(account="111122223333", region="us-east-1"))
    BedrockTeam(
        alone,
        "Team",
        name="claims",
        cost_center="CC-1",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        assumed_by=iam.AccountRootPrincipal(),
    )
    register_compliance_packs(app)
    with pytest.raises(RuntimeError, match="ValidationFailed") as raised:
        app.synth()
    assert "Invoke is granted without a bedrock-runtime endpoint in the app" in str(raised.value)
    assert "model invocation logging (text on)" in str(raised.value)
