"""Shared fixtures: one synth of the reference environment per session, and fresh stacks for unit tests."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Environment, Stack, cx_api
from aws_cdk.assertions import Template

from secure_bedrock.compliance import register_compliance_packs
from stacks.app import build_app, cdk_json_context
from stacks.byo_example import byo_example_template
from stacks.hipaa_stack import HipaaBedrockStack

if TYPE_CHECKING:
    from tests.logging_account import Account, CloudFormation

ROOT = Path(__file__).resolve().parents[1]
FEATURE_FLAGS = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}


@pytest.fixture(scope="session")
def reference_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, HipaaBedrockStack]:
    """The reference environment exactly as ``cdk synth`` builds it, compliance packs registered."""
    return build_app(outdir=str(tmp_path_factory.mktemp("reference")))


@pytest.fixture(scope="session")
def reference_stack(reference_app: tuple[App, HipaaBedrockStack]) -> HipaaBedrockStack:
    """The reference stack."""
    return reference_app[1]


@pytest.fixture(scope="session")
def reference_assembly(reference_app: tuple[App, HipaaBedrockStack]) -> cx_api.CloudAssembly:
    """The reference app synthesized once; synth fails on any unacknowledged compliance finding."""
    return reference_app[0].synth()


@pytest.fixture(scope="session")
def reference_template(
    reference_assembly: cx_api.CloudAssembly, reference_stack: HipaaBedrockStack
) -> Template:
    """The reference stack's template."""
    return Template.from_json(reference_assembly.get_stack_artifact(reference_stack.artifact_id).template)


@pytest.fixture(scope="session")
def byo_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The bring-your-own example's template (its app's VPC, keys and task role), synthesized once."""
    return byo_example_template(str(tmp_path_factory.mktemp("byo")))


@pytest.fixture(scope="session")
def cli_assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cloud assembly of the pinned CDK CLI's own ``cdk synth`` (what ``make synth`` writes).

    Runs with no AWS credentials or profile, as CI does: synth must not need an account.
    """
    cli = ROOT / "node_modules" / ".bin" / "cdk"
    assert cli.exists(), "the pinned CDK CLI is missing: run 'make test', which installs it"
    outdir = tmp_path_factory.mktemp("cli") / "cdk.out"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": f"{ROOT / '.tools' / 'node' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        [str(cli), "synth", "--quiet", "--no-notices", "--output", str(outdir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return outdir


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, of the template's resources of ``resource_type``."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file (a template, an asset manifest)."""
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def compliance_report(app: App) -> list[dict[str, Any]]:
    """Synthesize ``app`` with the four packs registered; the plugin reports (acknowledgements applied).

    ``pack.validate_scope`` reports raw findings; acknowledgements are applied by the validation
    framework at synth, so this is what ``cdk synth`` would fail on.
    """
    outdir = app.outdir
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
    report = json.loads((Path(outdir) / "policy-validation-report.json").read_text())
    plugin_reports: list[dict[str, Any]] = report["pluginReports"]
    return plugin_reports


def compliance_findings(stack: Stack) -> list[str]:
    """Every unacknowledged finding of the four packs (and the built-in validation) in ``stack``'s app."""
    app = stack.node.root
    assert isinstance(app, App)
    register_compliance_packs(app)
    return [
        f"{violation['ruleName']} at {[r['constructPath'] for r in violation['violatingResources']]}"
        for plugin in compliance_report(app)
        for violation in plugin["violations"]
    ]


@pytest.fixture
def make_stack() -> Callable[..., Stack]:
    """A factory of empty stacks in an app with cdk.json's feature flags (a bare ``App()`` has none)."""

    def factory(region: str | None = "us-east-1", account: str | None = None, **context: Any) -> Stack:
        app = App(context={**FEATURE_FLAGS, "@aws-cdk/core:validationReportJson": True, **context})
        env = Environment(region=region, account=account) if region or account else None
        return Stack(app, "Test", env=env)

    return factory


@pytest.fixture
def stack(make_stack: Callable[..., Stack]) -> Stack:
    """An empty us-east-1, account-agnostic stack."""
    return make_stack()


def resolve(stack: Stack, value: Any) -> Any:
    """``value`` with the stack's tokens resolved to CloudFormation expressions."""
    return stack.resolve(value)


class _CasesFromWorkers:
    """With pytest-xdist, each worker counts its own examples: the workers hand their counts over at
    the end of their session, and the controller adds them up for the summary below."""

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        from tests import strategies

        for name, outcomes in getattr(node, "workeroutput", {}).get("cases", {}).items():
            strategies.CASES[name].update(outcomes)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_CasesFromWorkers(), "secure-bedrock-cases")


def pytest_sessionfinish(session: pytest.Session) -> None:
    import sys

    workeroutput = getattr(session.config, "workeroutput", None)
    strategies = sys.modules.get("tests.strategies")
    if workeroutput is not None and strategies is not None:
        workeroutput["cases"] = {name: dict(outcomes) for name, outcomes in strategies.CASES.items()}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The examples each property-based test tried, and how they ended (tests/test_properties.py)."""
    import sys

    strategies = sys.modules.get("tests.strategies")
    if strategies is None or not strategies.CASES:
        return
    cases = strategies.CASES
    width = max(len(name) for name in cases)
    terminalreporter.section("property-based tests: examples tried")
    for name in sorted(cases):
        outcomes = ", ".join(f"{outcome} {n}" for outcome, n in sorted(cases[name].items()))
        terminalreporter.write_line(f"{name:<{width}}  {sum(cases[name].values()):>5}  ({outcomes})")
    total = sum(sum(c.values()) for c in cases.values())
    terminalreporter.write_line(f"{'total':<{width}}  {total:>5}")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Account, CloudFormation]]:
    """An emulated account (moto) and CloudFormation's side of the response URL, for the
    invocation-logging handler (tests/logging_account.py)."""
    from moto import mock_aws

    from secure_bedrock.handlers import cfn_response
    from secure_bedrock.handlers.invocation_logging import index
    from tests.logging_account import REGION, Account, CloudFormation

    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        account = Account()
        cloudformation = CloudFormation()
        monkeypatch.setattr(cfn_response, "OPENER", cloudformation.opener)
        monkeypatch.setattr(cfn_response, "SLEEP", lambda seconds: None)
        monkeypatch.setattr(index, "clients", lambda deadline: (account.bedrock, account.s3))
        yield account, cloudformation
