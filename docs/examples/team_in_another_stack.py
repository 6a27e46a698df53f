"""Add a team to a landing zone deployed by another stack: the team's stack names the landing zone's
guardrail and runtime endpoint, and gets its own tagged application inference profiles and invoker
role; the landing zone's endpoint admits the team's profiles.

Run it with ``python docs/examples/team_in_another_stack.py`` (it synthesizes into ``cdk.out``);
``tests/test_examples.py`` keeps it synthesizing under all four compliance packs.
"""

from __future__ import annotations

import sys

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam

from secure_bedrock import BedrockModels, BedrockTeam, SecureBedrockLandingZone, invoke_statements
from secure_bedrock.compliance import register_compliance_packs

ENV = Environment(account="111122223333", region="us-east-1")


def build(app: App) -> tuple[Stack, Stack]:
    platform = Stack(app, "BedrockPlatform", env=ENV)
    zone = SecureBedrockLandingZone(platform, "LandingZone", models=[BedrockModels.US_AMAZON_NOVA_PRO])

    claims = Stack(app, "ClaimsTeam", env=ENV)
    team = BedrockTeam(
        claims,
        "Team",
        name="claims",
        cost_center="CC-1001",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        assumed_by=iam.AccountPrincipal(ENV.account),
        guardrail=zone.guardrail,
        source_vpce=zone.network.runtime_endpoint.vpc_endpoint_id,
    )
    # The landing zone's endpoint admits application profiles of the account (once, whatever the team).
    zone.network.allow_models("TeamClaimsProfiles", team.models)
    # A role of the team's application gets the same permissions (the team's profiles, so its spend is
    # the team's), in a customer-managed policy (team.grant_invoke would write an inline one).
    app_role = iam.Role(claims, "ClaimsService", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    iam.ManagedPolicy(
        claims,
        "ClaimsServiceInvokesBedrock",
        roles=[app_role],
        statements=invoke_statements(
            claims,
            models=team.models,
            guardrail=zone.guardrail,
            source_vpce=zone.network.runtime_endpoint.vpc_endpoint_id,
        ),
    )
    return platform, claims


if __name__ == "__main__":
    app = App(outdir=sys.argv[1] if len(sys.argv) > 1 else None)
    build(app)
    register_compliance_packs(app)
    app.synth()
