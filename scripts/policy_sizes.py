#!/usr/bin/env python3
"""The largest policy of each kind, against AWS's limit, as approved models and teams grow (``make bench``).

Each case is the landing zone as the reference environment builds it (invoker, administrator, auditor,
guardrail, teams with budgets), with 1 to 12 approved models or 1 to 50 teams, synthesized in this
process without the compliance packs. Every policy is measured as the Bedrock rules measure it
(:func:`secure_bedrock.limits.policy_size`: deploy-time values at their longest).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aws_cdk import App, Environment, Stack  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402

from secure_bedrock import (  # noqa: E402
    AccessOptions,
    BedrockModels,
    OperationsOptions,
    SecureBedrockLandingZone,
    TeamSpec,
    limits,
)
from secure_bedrock.limit_checks import _role_refs  # noqa: E402

#: Twelve models served from us-east-1: geographic and global profiles, and in-region models.
MODELS = (
    BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5,
    BedrockModels.US_AMAZON_NOVA_PRO,
    BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2,
    BedrockModels.US_ANTHROPIC_CLAUDE_HAIKU_4_5,
    BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4,
    BedrockModels.GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5,
    BedrockModels.US_AMAZON_NOVA_LITE,
    BedrockModels.US_AMAZON_NOVA_MICRO,
    BedrockModels.US_META_LLAMA_3_3_70B_INSTRUCT,
    BedrockModels.US_ANTHROPIC_CLAUDE_3_5_HAIKU,
    BedrockModels.COHERE_EMBED_ENGLISH_V3,
    BedrockModels.AMAZON_NOVA_PRO,
)
KINDS: tuple[tuple[str, str, str, limits.Limit], ...] = (
    ("managed policy", "AWS::IAM::ManagedPolicy", "PolicyDocument", limits.MANAGED_POLICY),
    ("role trust policy", "AWS::IAM::Role", "AssumeRolePolicyDocument", limits.ROLE_TRUST_POLICY),
    ("VPC endpoint policy", "AWS::EC2::VPCEndpoint", "PolicyDocument", limits.VPC_ENDPOINT_POLICY),
    ("key policy", "AWS::KMS::Key", "KeyPolicy", limits.KEY_POLICY),
    ("bucket policy", "AWS::S3::BucketPolicy", "PolicyDocument", limits.BUCKET_POLICY),
    ("topic policy", "AWS::SNS::TopicPolicy", "PolicyDocument", limits.TOPIC_POLICY),
)


def template_for(models: int, teams: int) -> dict[str, Any]:
    """The landing zone's template with the first ``models`` models and ``teams`` teams."""
    with tempfile.TemporaryDirectory() as outdir:
        app = App(outdir=outdir, context={"@aws-cdk/core:validationReportJson": True})
        stack = Stack(app, "SecureBedrockHipaa", env=Environment(region="us-east-1"))
        approved = MODELS[:models]
        SecureBedrockLandingZone(
            stack,
            "LandingZone",
            models=approved,
            access=AccessOptions(
                invoker_principal=iam.AccountRootPrincipal(),
                administrator_principal=iam.AccountRootPrincipal(),
                teams=[
                    TeamSpec(
                        name=f"team-{index + 1:03d}",
                        cost_center=f"CC-{9000 + index}",
                        models=(approved[index % len(approved)],),
                        monthly_budget_usd=100.0,
                        hard_stop=index % 2 == 0,
                    )
                    for index in range(teams)
                ],
            ),
            operations=OperationsOptions(monthly_budget_usd=100.0 * max(teams, 1)),
        )
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
        return template


def largest(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The largest policy of each kind (and the template's size and resources), with its limit."""
    resources = template["Resources"]
    found: dict[str, dict[str, Any]] = {}
    for name, resource_type, prop, limit in KINDS:
        sizes = [
            (limits.policy_size(r["Properties"][prop], limit, resources), lid)
            for lid, r in resources.items()
            if r["Type"] == resource_type and prop in r.get("Properties", {})
        ]
        if sizes:
            size, lid = max(sizes)
            found[name] = {"size": size, "limit": limit.maximum, "unit": limit.unit, "where": lid}
    inline: dict[str, int] = {}
    for r in resources.values():
        if r["Type"] == "AWS::IAM::Policy":
            size = limits.policy_size(
                r["Properties"]["PolicyDocument"], limits.ROLE_INLINE_POLICIES, resources
            )
            for role in _role_refs(r["Properties"].get("Roles", [])):
                inline[role] = inline.get(role, 0) + size
    if inline:
        role, size = max(inline.items(), key=lambda item: item[1])
        found["role inline policies"] = {
            "size": size,
            "limit": limits.ROLE_INLINE_POLICIES.maximum,
            "unit": "characters",
            "where": role,
        }
    found["template"] = {
        "size": len(json.dumps(template, indent=1).encode()),
        "limit": limits.TEMPLATE_BODY.maximum,
        "unit": "bytes",
        "where": "",
    }
    found["resources"] = {
        "size": len(resources),
        "limit": limits.STACK_RESOURCES.maximum,
        "unit": "resources",
        "where": "",
    }
    return found


def measure(model_counts: Sequence[int], team_counts: Sequence[int]) -> list[dict[str, Any]]:
    """One row per case: (models, teams) and the largest of each kind."""
    cases = [(m, 0) for m in model_counts] + [(3, t) for t in team_counts]
    return [{"models": m, "teams": t, "largest": largest(template_for(m, t))} for m, t in cases]


def report(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table: each kind's largest size as a share of its limit, per case."""
    kinds = [name for name, *_ in KINDS] + ["role inline policies", "template", "resources"]
    lines = [
        "| models | teams | " + " | ".join(kinds) + " |",
        "|---|---|" + "---|" * len(kinds),
    ]
    worst = 0.0
    for row in rows:
        cells = []
        for kind in kinds:
            item = row["largest"].get(kind)
            if item is None:
                cells.append("-")
                continue
            share = item["size"] / item["limit"]
            worst = max(worst, share)
            cells.append(f"{item['size']:,} ({share:.0%})")
        lines.append(f"| {row['models']} | {row['teams']} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Largest share of any limit: {worst:.0%} ({'all within their limits' if worst <= 1 else 'OVER A LIMIT'})."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="1,3,6,12", help="approved-model counts (default: 1,3,6,12)")
    parser.add_argument("--teams", default="1,10,50", help="team counts, with 3 models (default: 1,10,50)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    rows = measure(
        [int(v) for v in args.models.split(",") if v.strip()],
        [int(v) for v in args.teams.split(",") if v.strip()],
    )
    print(json.dumps(rows, indent=2) if args.json else report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
