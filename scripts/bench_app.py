"""CDK apps and an in-process probe for ``scripts/bench.py``.

Run by the real CLI as ``cdk synth --app "<python> scripts/bench_app.py MODE"``:

``empty``
    The floor: the same Python, the same context (cdk.json's feature flags, as the CLI passes them),
    an ``App`` with the same compliance packs registered (``register_compliance_packs``) and one
    empty stack. What is left is the start-up of the CLI, Python, the jsii kernel, aws-cdk-lib and
    cdk-nag, and of the validation engines.
``teams N``
    The reference environment of cdk.json with ``N`` generated teams instead of its own, built by
    ``stacks.app.build_app`` exactly as ``app.py`` builds it.

Run directly (no CLI) as ``scripts/bench_app.py profile APP COMPLIANCE [warm]`` it times the phases
of one synth in this process and prints them as JSON (``APP`` is ``empty``, ``reference`` or
``teamsN``; ``COMPLIANCE`` is ``1`` or ``0``). The caller sets ``CDK_VALIDATION=false`` to switch
the built-in CloudFormation validation off.

The CLI passes its context in ``CDK_CONTEXT_JSON`` (and, when large, a file named by
``CONTEXT_OVERFLOW_LOCATION_ENV``), which aws-cdk-lib applies *after* the context given to ``App()``,
so ``build_app(context=...)`` alone could not change the teams. This app reads that context, edits it,
removes the variables before the jsii kernel starts (the kernel inherits the environment) and
passes the whole context to ``build_app(context=...)``.
"""

from __future__ import annotations

import collections
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CONTEXT_ENV = "CDK_CONTEXT_JSON"
OVERFLOW_ENV = "CONTEXT_OVERFLOW_LOCATION_ENV"
#: ``stacks.settings.CONTEXT_KEY``, literal so that aws_cdk is not imported before the probe times it.
SETTINGS_KEY = "secure-bedrock"
#: Context keys the CLI adds to cdk.json's (``cdk synth`` defaults); the probe adds them too.
CLI_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
}


def cdk_json_context() -> dict[str, Any]:
    """cdk.json's context block."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def cli_context() -> dict[str, Any]:
    """The context the CDK CLI passed (cdk.json's context, ``-c`` values and the CLI's own keys)."""
    context: dict[str, Any] = json.loads(os.environ.get(CONTEXT_ENV) or "{}")
    overflow = os.environ.get(OVERFLOW_ENV)
    if overflow:
        context.update(json.loads(Path(overflow).read_text()))
    if not context:
        # Run by hand, outside the CLI: what the CLI would pass.
        context = {**cdk_json_context(), **CLI_CONTEXT}
    return context


def generated_teams(settings: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` distinct teams modelled on the reference settings' teams.

    Team ``i`` copies reference team ``i mod len(teams)`` (its approved models, budget and hard
    stop) and gets its own name and cost centre, so every team passes the settings checks.
    """
    templates: list[dict[str, Any]] = settings.get("teams") or [
        {"models": [settings["models"][0]], "monthly_budget_usd": 100, "hard_stop": False}
    ]
    teams = []
    for index in range(count):
        team = copy.deepcopy(templates[index % len(templates)])
        team["name"] = f"team-{index + 1:03d}"
        team["cost_center"] = f"CC-{9000 + index + 1}"
        team.setdefault("monthly_budget_usd", 100)
        team.setdefault("principals", [])
        teams.append(team)
    return teams


def with_teams(context: dict[str, Any], count: int) -> dict[str, Any]:
    """``context`` with the reference settings' teams replaced by ``count`` generated ones."""
    edited = copy.deepcopy(context)
    settings = edited[SETTINGS_KEY]
    settings["teams"] = generated_teams(settings, count)
    budgets = settings.setdefault("budgets", {})
    budgets.setdefault("monthly_limit_usd", sum(t["monthly_budget_usd"] for t in settings["teams"]))
    return edited


def take_cli_context() -> dict[str, Any]:
    """The CLI's context, removed from the environment so that only ``App(context=...)`` applies."""
    context = cli_context()
    os.environ.pop(CONTEXT_ENV, None)
    os.environ.pop(OVERFLOW_ENV, None)
    return context


def empty_app(context: dict[str, Any], outdir: str | None = None) -> Any:
    """An app with one empty stack and the compliance packs registered (not synthesized)."""
    from aws_cdk import App, Environment, Stack

    from secure_bedrock.compliance import register_compliance_packs

    app = App(context=context, outdir=outdir)
    region = context.get(SETTINGS_KEY, {}).get("region", "us-east-1")
    Stack(app, "Empty", env=Environment(region=region))
    register_compliance_packs(app)
    return app


def reference_app(context: dict[str, Any] | None, outdir: str | None = None, compliance: bool = True) -> Any:
    """The reference app, from ``build_app`` (not synthesized)."""
    from stacks.app import build_app

    app, _ = build_app(context=context, outdir=outdir, compliance=compliance)
    return app


class _JsiiCounter:
    """Counts the jsii kernel round trips (and ``Token.isUnresolved`` calls) per phase."""

    def __init__(self) -> None:
        self.phase = "import"
        self.calls: collections.Counter[str] = collections.Counter()
        self.seconds: collections.defaultdict[str, float] = collections.defaultdict(float)
        self.is_unresolved: collections.Counter[str] = collections.Counter()

    def install(self) -> None:
        from jsii._kernel.providers import process

        original = process._NodeProcess.send
        counter = self

        def send(self: Any, request: Any, response_type: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(self, request, response_type)
            finally:
                counter.calls[counter.phase] += 1
                counter.seconds[counter.phase] += time.perf_counter() - started
                if getattr(request, "method", None) == "isUnresolved":
                    counter.is_unresolved[counter.phase] += 1

        process._NodeProcess.send = send  # type: ignore[method-assign]


def profile(app_name: str, compliance: bool, warm: bool) -> dict[str, Any]:
    """Time the phases of one synth in this process (and, with ``warm``, of a second one)."""
    counter = _JsiiCounter()
    counter.install()
    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    phases["python start to probe"] = mark - _STARTED
    import aws_cdk  # noqa: F401  (starts the jsii kernel and loads aws-cdk-lib)

    lap("import aws_cdk (jsii kernel + aws-cdk-lib)")
    if compliance or app_name == "empty":
        import cdk_nag  # noqa: F401

        lap("import cdk_nag")
    counter.phase = "import"
    import secure_bedrock.compliance  # noqa: F401
    import stacks.app  # noqa: F401

    lap("import secure_bedrock + stacks")
    context = {**cdk_json_context(), **CLI_CONTEXT}
    if app_name.startswith("teams"):
        context = with_teams(context, int(app_name[len("teams") :]))

    def build(outdir: str) -> Any:
        if app_name == "empty":
            return empty_app(context, outdir)
        return reference_app(context, outdir, compliance)

    counter.phase = "construct"
    app = build(tempfile.mkdtemp(prefix="bench-probe-"))
    lap("construct (build_app)")
    counter.phase = "synth"
    app.synth()
    lap("synth (templates + validation)")
    if warm:
        counter.phase = "warm"
        app = build(tempfile.mkdtemp(prefix="bench-probe-"))
        lap("second construct, same process")
        app.synth()
        lap("second synth, same process")
    stack = next(child for child in app.node.children if hasattr(child, "artifact_id"))
    template = json.loads((Path(app.outdir) / stack.template_file).read_text())
    return {
        "phases": phases,
        "jsii_round_trips": dict(counter.calls),
        "jsii_seconds": {key: round(value, 3) for key, value in counter.seconds.items()},
        "token_is_unresolved_calls": dict(counter.is_unresolved),
        "resources": len(template.get("Resources", {})),
        "validation": os.environ.get("CDK_VALIDATION") != "false",
        "compliance": compliance,
    }


def main(argv: list[str]) -> int:
    """Run the app named by ``argv``: ``empty``, ``teams N`` or ``profile APP 0|1 [warm]``."""
    if argv == ["empty"]:
        empty_app(take_cli_context()).synth()
        return 0
    if argv[:1] == ["teams"] and len(argv) == 2 and argv[1].isdigit() and int(argv[1]) >= 1:
        reference_app(with_teams(take_cli_context(), int(argv[1]))).synth()
        return 0
    if argv[:1] == ["profile"] and len(argv) in (3, 4) and argv[2] in ("0", "1"):
        result = profile(argv[1], argv[2] == "1", argv[3:] == ["warm"])
        print("BENCH-PROFILE " + json.dumps(result))
        return 0
    print("usage: bench_app.py empty | teams N | profile APP 0|1 [warm]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
