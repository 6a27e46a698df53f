#!/usr/bin/env python3
"""How long ``cdk synth`` and ``make test`` take, measured side by side in one run (``make bench``).

Every synth figure comes from the real, pinned CDK CLI (``node_modules/.bin/cdk synth --quiet``) run
from the repository root, so cdk.json's feature flags and context apply. The cases run in interleaved
rounds (empty, reference, teams..., then again, each round starting one case later), so that a
noisy or shared machine slows them alike; the figures are medians, and the verdicts are ratios
between cases of the same run, never absolute seconds (except the test suite's budget).

Cases:
  empty       the floor: an App with the same context and compliance packs, one empty stack
  reference   cdk.json's own app (``make synth``)
  teams=N     the reference environment with N generated teams (scripts/bench_app.py)

Then the test suite as ``make test`` runs it without installs: ``make lint typecheck unit`` with the
set-up's stamps marked up to date (ruff, mypy and pytest).

``--profile`` instead times the phases of a synth inside one Python process (imports, construction,
synth) with the compliance packs and the built-in CloudFormation validation on and off.

Offline: no AWS account, credentials or network; AWS_* variables are removed from the children's
environment. A MISS is reported plainly, but the exit status is 0: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
BENCH_APP = "scripts/bench_app.py"

#: The targets of the issue: ratios within one run, and the test suite's wall time on 2 cores.
TARGET_REFERENCE_VS_EMPTY = 1.3
TARGET_MOST_VS_FEWEST_TEAMS = 2.0
TARGET_TEST_SECONDS = 60.0

SLOW_SYNTH = "@aws-cdk/core.slowSynthThreshold"
#: The CDK CLI's performance counters worth showing (milliseconds, written by aws-cdk-lib).
COUNTERS = {
    "phase:Load": "load",
    "phase:Construction": "construct",
    "phase:Synthesis": "synthesis",
    "validateTemplates": "validate",
    "CloudFormationValidate.validate": "cfn-validate",
}

#: ``make test`` after its set-up: the ``lint``, ``typecheck`` and ``unit`` targets, with the set-up's
#: stamps marked as up to date (``make -o``) so that nothing is installed while the clock runs. Running
#: the Makefile's own recipes keeps the bench in step with it.
NO_INSTALLS = (
    "-o",
    "setup",
    "-o",
    ".venv/.installed",
    "-o",
    "node_modules/.installed",
    "-o",
    ".tools/node.checked",
)
TEST_STAGES: tuple[str, ...] = ("lint", "typecheck", "unit")


@dataclass
class Run:
    """One timed child process."""

    wall: float
    cpu: float
    max_rss_mb: float
    returncode: int
    output_tail: str = ""
    counters: dict[str, float] = field(default_factory=dict)
    resources: int | None = None
    template_bytes: int | None = None


@dataclass
class Case:
    """A synth case: its label, the ``--app`` command (None: cdk.json's app) and its runs."""

    key: str
    label: str
    app: str | None
    teams: int | None = None
    runs: list[Run] = field(default_factory=list)

    def ok_runs(self) -> list[Run]:
        return [run for run in self.runs if run.returncode == 0]

    def median(self, metric: Callable[[Run], float | None] = lambda run: run.wall) -> float | None:
        values = [value for value in (metric(run) for run in self.ok_runs()) if value is not None]
        return statistics.median(values) if values else None


def child_environment(home: Path) -> dict[str, str]:
    """The Makefile's exported environment, without any AWS credentials or profile (offline)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.pop("CDK_DEFAULT_ACCOUNT", None)
    env.pop("CDK_DEFAULT_REGION", None)
    env.update(
        {
            "PATH": os.pathsep.join(
                [str(ROOT / ".tools" / "node" / "bin"), str(ROOT / ".venv" / "bin"), env.get("PATH", "")]
            ),
            "CDK_DISABLE_VERSION_CHECK": "1",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(home / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def timed(command: Sequence[str], env: Mapping[str, str], log: Path, timeout: float) -> Run:
    """Run ``command`` from the repository root; its wall time, CPU time and peak memory."""
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    tail = "" if process.returncode == 0 else log.read_text(errors="replace")[-2500:]
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,
        returncode=process.returncode,
        output_tail=tail,
    )


def cli_app_python() -> str:
    """The interpreter of cdk.json's ``app`` command, so the bench apps run on the same Python."""
    app = json.loads((ROOT / "cdk.json").read_text())["app"]
    return shlex.split(app)[0]


def synth(case: Case, env: Mapping[str, str], work: Path, index: int) -> Run:
    """One ``cdk synth`` of ``case`` into a fresh directory; reads the counters and the template."""
    outdir = work / f"{case.key}-{index}"
    # aws-cdk-lib writes its performance counters only for synths slower than this threshold (10 s).
    command = [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(outdir), "-c", f"{SLOW_SYNTH}=0"]
    if case.app is not None:
        command += ["--app", case.app]
    run = timed(command, env, work / f"{case.key}-{index}.log", timeout=900)
    if run.returncode == 0:
        counters_file = outdir / "performance-counters.json"
        if counters_file.exists():
            counters = json.loads(counters_file.read_text()).get("counters", {})
            run.counters = {name: counters[key] / 1000 for key, name in COUNTERS.items() if key in counters}
        manifest = json.loads((outdir / "manifest.json").read_text())
        for artifact in manifest["artifacts"].values():
            if artifact["type"] == "aws:cloudformation:stack":
                template_file = outdir / artifact["properties"]["templateFile"]
                run.template_bytes = template_file.stat().st_size
                run.resources = len(json.loads(template_file.read_text()).get("Resources", {}))
    shutil.rmtree(outdir, ignore_errors=True)
    return run


def load_average() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def run_synth_rounds(cases: list[Case], repeat: int, env: Mapping[str, str], work: Path, quiet: bool) -> None:
    """``repeat`` interleaved rounds; round ``r`` starts with case ``r mod len(cases)``."""
    for round_index in range(repeat):
        order = cases[round_index % len(cases) :] + cases[: round_index % len(cases)]
        for case in order:
            run = synth(case, env, work, round_index)
            case.runs.append(run)
            if not quiet:
                status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
                print(
                    f"  round {round_index + 1}/{repeat}  {case.label:<24} {run.wall:7.2f} s  "
                    f"cpu {run.cpu:6.2f} s  {status}  [load {load_average()}]",
                    file=sys.stderr,
                    flush=True,
                )
                if run.returncode != 0:
                    print(run.output_tail, file=sys.stderr)


def run_tests(env: Mapping[str, str], work: Path, quiet: bool) -> dict[str, Any]:
    """The recipes of ``make lint typecheck unit`` (``make test`` after its set-up), timed."""
    stages: dict[str, Any] = {}
    pytest_tail = ""
    # The ten slowest tests, for the report; pytest reads PYTEST_ADDOPTS besides its own settings.
    test_env = {**env, "PYTEST_ADDOPTS": (env.get("PYTEST_ADDOPTS", "") + " --durations=10").strip()}
    for name in TEST_STAGES:
        log = work / f"test-{name}.log"
        run = timed(["make", "-s", *NO_INSTALLS, name], test_env, log, timeout=3600)
        failed = [] if run.returncode == 0 else [f"make {name} (exit {run.returncode})"]
        if name == "unit":
            pytest_tail = log.read_text(errors="replace")
        stages[name] = {"wall": run.wall, "cpu": run.cpu, "failed": failed}
        if not quiet:
            status = "ok" if not failed else "FAILED: " + "; ".join(failed)
            print(
                f"  tests: {name:<10} {run.wall:7.2f} s  cpu {run.cpu:6.2f} s  {status}",
                file=sys.stderr,
                flush=True,
            )
    slowest = []
    in_durations = False
    for line in pytest_tail.splitlines():
        if "slowest" in line and "durations" in line:
            in_durations = True
            continue
        if in_durations:
            if not line.strip() or line.startswith("="):
                break
            slowest.append(line.strip())
    summary = [line for line in pytest_tail.splitlines() if line.startswith("=") and " in " in line]
    return {
        "stages": stages,
        "wall": sum(stage["wall"] for stage in stages.values()),
        "cpu": sum(stage["cpu"] for stage in stages.values()),
        "passed": all(not stage["failed"] for stage in stages.values()),
        "pytest_summary": summary[-1].strip("= ") if summary else "",
        "slowest_tests": slowest,
        # Present is not warm: make typecheck's two passes (different options) evict each other's entries.
        "mypy_cache": "present" if (ROOT / ".mypy_cache").exists() else "absent",
    }


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return "ERROR"
    return "PASS" if value <= target else "MISS"


def paired_ratios(numerator: Case, denominator: Case) -> list[float]:
    """Per-round ratios of two cases (same round, so the same load), where both runs succeeded."""
    return [
        top.wall / bottom.wall
        for top, bottom in zip(numerator.runs, denominator.runs, strict=False)
        if top.returncode == 0 and bottom.returncode == 0
    ]


def summarize(cases: list[Case], tests: dict[str, Any] | None) -> dict[str, Any]:
    """Medians, ratios, marginal cost per team and the verdicts."""
    by_key = {case.key: case for case in cases}
    empty, reference = by_key["empty"], by_key["reference"]
    team_cases = sorted((case for case in cases if case.teams is not None), key=lambda c: c.teams or 0)
    fewest, most = team_cases[0], team_cases[-1]

    def ratio(
        top: Case, bottom: Case, metric: Callable[[Run], float | None] = lambda run: run.wall
    ) -> float | None:
        a, b = top.median(metric), bottom.median(metric)
        return None if a is None or b is None else a / b

    def cpu(run: Run) -> float:
        return run.cpu

    reference_ratio = ratio(reference, empty)
    teams_ratio = ratio(most, fewest)
    t_most, t_fewest = most.median(), fewest.median()
    span = (most.teams or 0) - (fewest.teams or 0)
    marginal = None if t_most is None or t_fewest is None or span <= 0 else (t_most - t_fewest) / span
    targets = [
        {
            "name": "reference synth / empty-app synth",
            "value": reference_ratio,
            "unit": "x",
            "target": TARGET_REFERENCE_VS_EMPTY,
            "verdict": verdict(reference_ratio, TARGET_REFERENCE_VS_EMPTY),
            "cpu_value": ratio(reference, empty, cpu),
            "paired": paired_ratios(reference, empty),
        },
        {
            "name": f"{most.teams} teams / {fewest.teams} team{'s' if fewest.teams != 1 else ''}",
            "value": teams_ratio,
            "unit": "x",
            "target": TARGET_MOST_VS_FEWEST_TEAMS,
            "verdict": verdict(teams_ratio, TARGET_MOST_VS_FEWEST_TEAMS),
            "cpu_value": ratio(most, fewest, cpu),
            "paired": paired_ratios(most, fewest),
        },
    ]
    if tests is not None:
        targets.append(
            {
                "name": "make test without installs (wall)",
                "value": tests["wall"],
                "unit": "s",
                "target": TARGET_TEST_SECONDS,
                "verdict": verdict(tests["wall"], TARGET_TEST_SECONDS),
                "cpu_value": None,
                "paired": [],
            }
        )
    return {
        "cases": {
            case.key: {
                "label": case.label,
                "app": case.app,
                "teams": case.teams,
                "median_wall": case.median(),
                "median_cpu": case.median(lambda run: run.cpu),
                "median_max_rss_mb": case.median(lambda run: run.max_rss_mb),
                "resources": case.median(lambda run: run.resources),
                "template_bytes": case.median(lambda run: run.template_bytes),
                "counters": {name: case.median(counter(name)) for name in COUNTERS.values()},
                "runs": [asdict(run) for run in case.runs],
            }
            for case in cases
        },
        "marginal_seconds_per_team": marginal,
        "targets": targets,
        "tests": tests,
    }


def counter(name: str) -> Callable[[Run], float | None]:
    """The aws-cdk-lib performance counter ``name`` of a run (None when the CLI did not write it)."""
    return lambda run: run.counters.get(name)


def fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_report(result: dict[str, Any]) -> None:
    machine = result["machine"]
    print()
    print(
        f"secure-bedrock bench: {result['repeat']} interleaved round(s) of the real CDK CLI synth; medians. "
        f"{machine['cores']} cores, load average {machine['load_before']} before, {machine['load_after']} after"
    )
    print()
    header = f"{'case':<24} {'wall s':>7} {'min':>6} {'max':>6} {'cpu s':>6} {'peak MB':>8} {'resources':>9} {'template KB':>11}"
    counters_header = "   app phases (aws-cdk-lib counters, s): " + " / ".join(COUNTERS.values())
    print(header)
    print("-" * len(header))
    for case in result["cases"].values():
        walls = [run["wall"] for run in case["runs"] if run["returncode"] == 0]
        failures = sum(1 for run in case["runs"] if run["returncode"] != 0)
        template_kb = None if case["template_bytes"] is None else case["template_bytes"] / 1024
        line = (
            f"{case['label']:<24} {fmt(case['median_wall']):>7} {fmt(min(walls) if walls else None):>6} "
            f"{fmt(max(walls) if walls else None):>6} {fmt(case['median_cpu']):>6} "
            f"{fmt(case['median_max_rss_mb'], 0):>8} {fmt(case['resources'], 0):>9} {fmt(template_kb, 0):>11}"
        )
        if failures:
            line += f"  ({failures} FAILED run(s))"
        print(line)
    print(counters_header)
    for case in result["cases"].values():
        counters = case["counters"]
        if any(value is not None for value in counters.values()):
            print(f"   {case['label']:<24} " + " / ".join(fmt(counters[name]) for name in COUNTERS.values()))
    print()
    print(f"marginal synth cost per team: {fmt(result['marginal_seconds_per_team'], 3)} s")
    tests = result["tests"]
    if tests is not None:
        stages = ", ".join(f"{name} {fmt(stage['wall'], 1)} s" for name, stage in tests["stages"].items())
        status = "all passed" if tests["passed"] else "SOME FAILED (timing still shown)"
        print(
            f"test suite (make lint typecheck unit, no installs): {fmt(tests['wall'], 1)} s wall, "
            f"{fmt(tests['cpu'], 1)} s cpu ({stages}; .mypy_cache {tests['mypy_cache']}; {status})"
        )
        if tests["pytest_summary"]:
            print(f"   pytest: {tests['pytest_summary']}")
        for line in tests["slowest_tests"][:10]:
            print(f"   {line}")
    print()
    header = f"{'target':<40} {'measured':>10} {'target':>9}  verdict  {'cpu':>6}  wall per round"
    print(header)
    print("-" * len(header))
    for target in result["targets"]:
        unit = target["unit"]
        paired = ", ".join(f"{value:.2f}" for value in target["paired"])
        print(
            f"{target['name']:<40} {fmt(target['value']) + unit:>10} {'<= ' + fmt(target['target']) + unit:>9}  "
            f"{target['verdict']:<7}  {fmt(target['cpu_value']) + unit if target['cpu_value'] else '':>6}  {paired}"
        )
    misses = [t["name"] for t in result["targets"] if t["verdict"] != "PASS"]
    print("(verdicts use wall time; 'cpu' is the same ratio of CPU seconds, less disturbed by other load)")
    print()
    if misses:
        print("MISS: " + "; ".join(misses) + " (a benchmark: exit status stays 0)")
    else:
        print("All targets met.")


def profile_variants(teams: Sequence[int]) -> list[tuple[str, str, bool, bool]]:
    """(label, app, compliance, validation) of each in-process profile."""
    fewest, most = f"teams{min(teams)}", f"teams{max(teams)}"
    return [
        ("empty app, packs registered", "empty", True, True),
        ("empty app, validation off", "empty", True, False),
        ("reference", "reference", True, True),
        ("reference, compliance=False", "reference", False, True),
        ("reference, validation off", "reference", True, False),
        ("reference, both off", "reference", False, False),
        (f"{min(teams)} team(s)", fewest, True, True),
        (f"{max(teams)} teams", most, True, True),
        (f"{max(teams)} teams, compliance=False", most, False, True),
        (f"{max(teams)} teams, validation off", most, True, False),
    ]


def run_profile(
    teams: Sequence[int], repeat: int, env: Mapping[str, str], work: Path, quiet: bool
) -> dict[str, Any]:
    """Each variant in a fresh process (the validation engine is a per-process singleton), interleaved."""
    variants = profile_variants(teams)
    python = str(ROOT / cli_app_python())
    samples: dict[str, list[dict[str, Any]]] = {label: [] for label, *_ in variants}
    for round_index in range(repeat):
        for number, (label, app, compliance, validation) in enumerate(variants):
            child_env = dict(env)
            if not validation:
                child_env["CDK_VALIDATION"] = "false"
            warm = app == "reference" and compliance and validation
            command = [
                python,
                BENCH_APP,
                "profile",
                app,
                "1" if compliance else "0",
                *(["warm"] if warm else []),
            ]
            log = work / f"profile-{round_index}-{number}.log"
            run = timed(command, child_env, log, timeout=900)
            text = log.read_text(errors="replace")
            line = next((line for line in text.splitlines() if line.startswith("BENCH-PROFILE ")), None)
            if run.returncode != 0 or line is None:
                print(f"  profile {label}: FAILED\n{text[-2500:]}", file=sys.stderr)
                continue
            sample: dict[str, Any] = json.loads(line[len("BENCH-PROFILE ") :])
            sample["wall"] = run.wall
            sample["cpu"] = run.cpu
            samples[label].append(sample)
            if not quiet:
                print(
                    f"  profile round {round_index + 1}/{repeat}  {label:<34} {run.wall:6.2f} s  [load {load_average()}]",
                    file=sys.stderr,
                    flush=True,
                )
    result: dict[str, Any] = {}
    for label, runs in samples.items():
        if not runs:
            continue
        phase_names = list(runs[0]["phases"])
        result[label] = {
            "wall": statistics.median(run["wall"] for run in runs),
            "cpu": statistics.median(run["cpu"] for run in runs),
            "phases": {
                name: statistics.median(run["phases"].get(name, 0.0) for run in runs) for name in phase_names
            },
            "jsii_round_trips": runs[0]["jsii_round_trips"],
            "token_is_unresolved_calls": runs[0]["token_is_unresolved_calls"],
            "resources": runs[0]["resources"],
            "runs": len(runs),
        }
    return result


def print_profile(profile: dict[str, Any], repeat: int) -> None:
    print()
    print(
        f"in-process profile: python scripts/bench_app.py profile ..., medians of {repeat} fresh process(es), seconds"
    )
    for label, data in profile.items():
        print()
        print(
            f"{label}: {fmt(data['wall'])} s wall ({fmt(data['cpu'])} s cpu), {data['resources']} resources"
        )
        for name, seconds in data["phases"].items():
            print(f"   {name:<44} {seconds:7.2f}")
        trips = ", ".join(f"{phase} {count}" for phase, count in data["jsii_round_trips"].items())
        unresolved = ", ".join(
            f"{phase} {count}" for phase, count in data["token_is_unresolved_calls"].items()
        )
        print(f"   jsii round trips: {trips}; of which Token.isUnresolved: {unresolved or 'none'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (default: 3)")
    parser.add_argument(
        "--teams", default="1,10,50", help="team counts to synthesize, comma-separated (default: 1,10,50)"
    )
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument(
        "--skip-policies",
        action="store_true",
        help="do not measure the largest policies against AWS's limits",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    parser.add_argument("--json-file", type=Path, help="also write the result as JSON to this file")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="time the in-process phases of synth instead (see docs/benchmark.md)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    teams = sorted({int(value) for value in args.teams.split(",") if value.strip()})
    if args.repeat < 1 or not teams or teams[0] < 1 or len(teams) < 2:
        parser.error("--repeat must be >= 1 and --teams must name at least two counts >= 1")
    if not CDK.exists():
        parser.error(f"{CDK.relative_to(ROOT)} is missing: run 'make setup' first")

    with tempfile.TemporaryDirectory(prefix="secure-bedrock-bench-") as scratch:
        work = Path(scratch)
        env = child_environment(work)
        machine = {
            "cores": os.cpu_count(),
            "load_before": load_average(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        }
        if args.profile:
            profile = run_profile(teams, args.repeat, env, work, args.quiet)
            machine["load_after"] = load_average()
            output: dict[str, Any] = {"machine": machine, "repeat": args.repeat, "profile": profile}
            if args.json_file:
                args.json_file.write_text(json.dumps(output, indent=2) + "\n")
            if args.json:
                print(json.dumps(output, indent=2))
            else:
                print_profile(profile, args.repeat)
            return 0

        python = cli_app_python()
        cases = [
            Case("empty", "empty app (floor)", f"{python} {BENCH_APP} empty"),
            Case("reference", "reference (cdk.json app)", None),
            *(
                Case(f"teams{n}", f"{n} team{'s' if n != 1 else ''}", f"{python} {BENCH_APP} teams {n}", n)
                for n in teams
            ),
        ]
        run_synth_rounds(cases, args.repeat, env, work, args.quiet)
        tests = None if args.skip_tests else run_tests(env, work, args.quiet)
        machine["load_after"] = load_average()
        result: dict[str, Any] = {"machine": machine, "repeat": args.repeat, **summarize(cases, tests)}
        if not args.skip_policies:
            # The largest policy of each kind with 1-12 models and 1-50 teams (scripts/policy_sizes.py).
            import policy_sizes

            result["policies"] = policy_sizes.measure((1, 3, 6, 12), (1, 10, 50))
        if args.json_file:
            args.json_file.write_text(json.dumps(result, indent=2) + "\n")
        if args.json:
            print(json.dumps(result, indent=2))
        else:
            print_report(result)
            if "policies" in result:
                import policy_sizes

                print(
                    "\nLargest policy of each kind against AWS's limit (deploy-time values at their longest):"
                )
                print(policy_sizes.report(result["policies"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
