"""The scale example: the reference landing zone and any number of teams, in team stacks of
``TEAMS_PER_STACK`` that read the landing zone from its SSM parameters (``make synth-scale``,
``-c teams=1000``). Every stack passes the four packs and the Bedrock rules, the limit rules among them.
"""

from __future__ import annotations

from aws_cdk import App, Environment, Stack

from secure_bedrock import BedrockTeams, LandingZoneReference, TeamSpec, team_batches
from secure_bedrock.compliance import register_compliance_packs
from stacks.app import cdk_json_context
from stacks.hipaa_stack import HipaaBedrockStack
from stacks.settings import CONTEXT_KEY, ReferenceSettings, load_settings

#: The teams of the example when ``-c teams=N`` is not given.
DEFAULT_TEAMS = 1000


def example_teams(settings: ReferenceSettings, count: int) -> list[TeamSpec]:
    """``count`` teams, each using the reference's approved models in turn, half with a hard stop."""
    models = settings.models
    return [
        TeamSpec(
            name=f"team{number:04d}",
            cost_center=f"CC-{number:04d}",
            models=(models[number % len(models)], models[(number + 1) % len(models)])
            if len(models) > 1
            else (models[0],),
            monthly_budget_usd=100.0,
            hard_stop=number % 2 == 0,
        )
        for number in range(count)
    ]


def build_scale_app(teams: int = DEFAULT_TEAMS, *, outdir: str | None = None, compliance: bool = True) -> App:
    """The landing zone (cdk.json's settings, without its own teams and organization) and ``teams`` teams."""
    context = cdk_json_context()
    block = {**context[CONTEXT_KEY], "teams": [], "organization": None}
    settings = load_settings({CONTEXT_KEY: block})
    app = App(context={**context, CONTEXT_KEY: block}, outdir=outdir)
    zone_stack = HipaaBedrockStack(app, settings.stack_name, settings=settings)
    zone = zone_stack.landing_zone
    for number, batch in enumerate(team_batches(example_teams(settings, teams)), 1):
        stack = Stack(
            app,
            f"{settings.stack_name}-Teams{number:03d}",
            env=Environment(account=settings.account, region=settings.region),
            description=f"secure-bedrock: teams {batch[0].name} to {batch[-1].name}",
        )
        reference = LandingZoneReference(
            stack,
            "LandingZone",
            prefix=zone.parameter_prefix,
            models=settings.models,
            guardrail_profile_arns=zone.guardrail.profile_arns,
        )
        BedrockTeams(stack, "Teams", landing_zone=reference, teams=batch)
    if compliance:
        register_compliance_packs(app)
    return app


if __name__ == "__main__":
    # The CLI's -c teams=N reaches any App of this process (through CDK_CONTEXT_JSON).
    requested = App().node.try_get_context("teams")
    build_scale_app(int(requested) if requested is not None else DEFAULT_TEAMS).synth()
