#!/usr/bin/env python3
"""Scale benchmark (``make bench``): synth time, the largest template, the largest policy of each kind
and resources per stack, for 1, 100 and 1,000 teams (the scale example: team stacks off the landing
zone) for 1, 10 and 100 member accounts (a CDK stage each), and for 1, 2 and 3 StackSet regions (StackSets
reach every account of their OUs without naming them). Every synth runs with every pack and
the Bedrock rules, so a limit broken anywhere fails it. Ratios are against the smallest case of the
same run; nothing here is a test.

    python scripts/bench_scale.py [--teams 1,100,1000] [--members 1,10,100] [--regions 1,2,3] [--json out.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from secure_bedrock import limits  # noqa: E402

#: Policy documents of a template: resource type -> (property, limit).
POLICIES: dict[str, tuple[str, limits.Limit]] = {
    "AWS::IAM::ManagedPolicy": ("PolicyDocument", limits.MANAGED_POLICY),
    "AWS::EC2::VPCEndpoint": ("PolicyDocument", limits.VPC_ENDPOINT_POLICY),
    "AWS::KMS::Key": ("KeyPolicy", limits.KEY_POLICY),
    "AWS::S3::BucketPolicy": ("PolicyDocument", limits.BUCKET_POLICY),
    "AWS::SNS::TopicPolicy": ("PolicyDocument", limits.TOPIC_POLICY),
    "AWS::Organizations::Policy": ("Content", limits.SERVICE_CONTROL_POLICY),
}
#: Room the targets ask for: every limit at most 80 % used.
TARGET_FRACTION = 0.8

TEAMS_APP = """
import sys
from stacks.scale_example import build_scale_app
build_scale_app(int(sys.argv[1]), outdir=sys.argv[2]).synth()
"""
MEMBERS_APP = """
import copy, sys
from stacks.app import build_app, cdk_json_context
from stacks.settings import CONTEXT_KEY
context = copy.deepcopy(cdk_json_context())
count = int(sys.argv[1])
context[CONTEXT_KEY]["teams"] = []
context[CONTEXT_KEY]["organization"]["members"] = [
    {"account": f"{700000000000 + n}", "regions": ["us-east-1"]} for n in range(count)
]
app, _ = build_app(context=context, outdir=sys.argv[2])
app.synth()
"""
#: The StackSets rollout: its templates do not name the member accounts (a StackSet reaches every account
#: of its OUs), so what grows is the number of regions (a StackSet, its template and asset bucket each).
REGIONS_APP = """
import copy, sys
from stacks.app import build_app, cdk_json_context
from stacks.settings import CONTEXT_KEY
context = copy.deepcopy(cdk_json_context())
count = int(sys.argv[1])
context[CONTEXT_KEY]["teams"] = []
context[CONTEXT_KEY]["organization"]["members"] = []
context[CONTEXT_KEY]["organization"]["stacksets"]["regions"] = ["us-east-1", "us-west-2", "us-east-2"][:count]
app, _ = build_app(context=context, outdir=sys.argv[2])
app.synth()
"""
PROGRAMS = {"teams": TEAMS_APP, "members": MEMBERS_APP, "regions": REGIONS_APP}


def measure(kind: str, count: int) -> dict[str, Any]:
    """Synthesize one case in a fresh interpreter; its wall time and what its assembly holds."""
    with tempfile.TemporaryDirectory() as outdir:
        program = PROGRAMS[kind]
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", program, str(count), outdir], cwd=ROOT, check=True)
        seconds = time.perf_counter() - started
        templates = sorted(Path(outdir).glob("**/*.template.json"))
        largest_template = 0
        most_resources = 0
        largest_policy: dict[str, float] = {}
        for path in templates:
            text = path.read_text()
            template = json.loads(text)
            largest_template = max(
                largest_template, len(json.dumps(template, separators=(",", ":")).encode())
            )
            resources = template.get("Resources", {})
            most_resources = max(most_resources, len(resources))
            for resource in resources.values():
                policy = POLICIES.get(resource.get("Type", ""))
                document = resource.get("Properties", {}).get(policy[0]) if policy else None
                if policy is None or document is None:
                    continue
                fraction = limits.policy_size(document, policy[1], resources) / policy[1].maximum
                name = resource["Type"].split("::", 1)[1]
                largest_policy[name] = max(largest_policy.get(name, 0.0), fraction)
    return {
        "kind": kind,
        "count": count,
        "seconds": seconds,
        "stacks": len(templates),
        "largest_template_fraction": largest_template / limits.TEMPLATE_BODY.maximum,
        "most_resources_fraction": most_resources / limits.STACK_RESOURCES.maximum,
        "largest_policy_fraction": largest_policy,
    }


def report(results: Sequence[dict[str, Any]]) -> int:
    """Print the table; 1 if a limit is used over the target fraction."""
    failed = 0
    for kind in PROGRAMS:
        rows = [r for r in results if r["kind"] == kind]
        if not rows:
            continue
        base = rows[0]
        print(f"\n{kind}: synth with every pack (ratios against {base['count']} {kind} in the same run)")
        print(
            f"{kind:>8} {'seconds':>8} {'ratio':>6} {'stacks':>6} {'template':>9} {'resources':>9}  largest policy of each kind (% of its limit)"
        )
        for row in rows:
            policies = ", ".join(
                f"{name} {fraction:.0%}" for name, fraction in sorted(row["largest_policy_fraction"].items())
            )
            print(
                f"{row['count']:>8} {row['seconds']:>8.1f} {row['seconds'] / base['seconds']:>6.2f} {row['stacks']:>6} "
                f"{row['largest_template_fraction']:>9.0%} {row['most_resources_fraction']:>9.0%}  {policies}"
            )
            used = [
                row["largest_template_fraction"],
                row["most_resources_fraction"],
                *row["largest_policy_fraction"].values(),
            ]
            if max(used) > TARGET_FRACTION:
                failed = 1
                print(f"  MISS: a limit is used over {TARGET_FRACTION:.0%}")
        if len(rows) > 1:
            last = rows[-1]
            per_item = (last["seconds"] - base["seconds"]) / (last["count"] - base["count"])
            print(
                f"marginal synth cost per {kind[:-1]}: {per_item:.3f} s ({base['count']} -> {last['count']})"
            )
            for low, high in itertools.pairwise(rows):
                growth = (high["seconds"] / low["seconds"]) / (high["count"] / low["count"])
                print(
                    f"  {low['count']} -> {high['count']}: time x{high['seconds'] / low['seconds']:.2f} for x{high['count'] / low['count']:g} {kind} (<= 1 is at most linear: {growth:.2f})"
                )
    return failed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--teams", default="1,100,1000")
    parser.add_argument("--members", default="1,10,100")
    parser.add_argument("--regions", default="1,2,3", help="StackSet regions")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    results = [measure("teams", int(n)) for n in args.teams.split(",") if n.strip()]
    results += [measure("members", int(n)) for n in args.members.split(",") if n.strip()]
    results += [measure("regions", int(n)) for n in args.regions.split(",") if n.strip()]
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
