"""The example apps in docs/examples/ synthesize as written, under all four compliance packs and the
Bedrock rules (which look across the app's stacks for the endpoint and the logging setting)."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App

from secure_bedrock.compliance import register_compliance_packs
from tests.conftest import FEATURE_FLAGS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
#: Runs with cdk-nag v2 (installed by make into .nag2/), not the project's v3: tested on its own below.
NAG_V2_EXAMPLE = "landing_zone_with_cdk_nag_v2.py"
NAG_V2 = ROOT / ".nag2"


@pytest.mark.parametrize(
    "example", sorted(path.name for path in EXAMPLES.glob("*.py") if path.name != NAG_V2_EXAMPLE)
)
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


def _with_nag_v2(script: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    assert (marker := NAG_V2 / "cdk_nag").is_dir(), f"{marker} missing: run make test, which installs it"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(NAG_V2), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


V2_RUN = """
import runpy, sys
import cdk_nag
assert cdk_nag.__file__.startswith(sys.argv[1]), cdk_nag.__file__  # v2, not the project's v3
from aws_cdk import App
import secure_bedrock.acknowledgements as acknowledgements
example = runpy.run_path(sys.argv[2], run_name="example")
as_shipped = App(outdir=sys.argv[3])
example["build"](as_shipped)
# The same app without the cdk_nag metadata, in the same process (one start of the jsii kernel).
acknowledgements._suppress_for_nag_v2 = lambda *arguments: None
bare = App(outdir=sys.argv[4])
example["build"](bare)
print(len(example["errors"](as_shipped)), len(example["errors"](bare)))
"""


def test_the_landing_zone_passes_cdk_nag_v2_through_its_metadata(tmp_path: Path) -> None:
    example = str(EXAMPLES / NAG_V2_EXAMPLE)
    run = _with_nag_v2(V2_RUN, str(NAG_V2), example, str(tmp_path / "a"), str(tmp_path / "b"))
    assert run.returncode == 0, run.stderr[-3000:]
    as_shipped, bare = map(int, run.stdout.strip().splitlines()[-1].split())
    assert as_shipped == 0, "cdk-nag v2 reports no finding on the landing zone"
    # Without the metadata v2 reports the library's acknowledged findings: v2 did run, and the
    # metadata is what silences it.
    assert bare > 20
