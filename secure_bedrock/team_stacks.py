"""Teams without limits: team resources in stacks of their own, off a landing zone by reference.

Every team adds resources (application inference profiles, an invoker role and its policies, a budget,
a hard stop, a dashboard widget). In the landing zone's stack they meet CloudFormation's 500 resources
and 1 MB template at about 60 to 90 teams. Here they go into their own stacks, in batches of
:data:`TEAMS_PER_STACK`, which read what they need of the landing zone from the SSM parameters it
publishes (:data:`LANDING_ZONE_PARAMETERS`, resolved by CloudFormation when a team stack deploys):
adding a team never touches the landing zone's stack, and nothing that grows with the number of teams
sits in one of its size-limited documents (the runtime endpoint's policy admits every application
inference profile of the account with one statement, whose requests still need an approved model).

* :class:`LandingZoneReference`: the landing zone's guardrail, runtime endpoint and alarm topic, from
  its parameters;
* :class:`BedrockTeams`: a batch of teams (profiles, roles, budgets and hard stops, a dashboard);
* :func:`team_batches`: the teams cut into batches, in order, so that a team keeps its stack.

A guardrail change: the team stacks read the published version when they deploy; deploy them after
the landing zone (during a change the landing zone publishes the previous version too, as
``GuardrailOptions.previous_version`` keeps it allowed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_construct,
    require_int_range,
    require_list,
    require_type,
)
from secure_bedrock.budgets import DEFAULT_THRESHOLDS, BedrockTeamBudgets, TeamBudget
from secure_bedrock.guardrail import BedrockGuardrail, GuardrailReference
from secure_bedrock.models import BedrockModel, require_models
from secure_bedrock.monitoring import team_tokens_widget
from secure_bedrock.teams import BedrockTeam, TeamSpec, validate_team_specs

#: What a landing zone publishes for team stacks: parameter name (under its prefix) -> meaning.
LANDING_ZONE_PARAMETERS: dict[str, str] = {
    "guardrail-arn": "the guardrail's ARN",
    "guardrail-version-arn": "the published version callers pass (ARN:VERSION)",
    "guardrail-previous-version-arn": "during a guardrail change the previous version, else the published one",
    "guardrail-key-arn": "the key that encrypts the guardrail",
    "runtime-endpoint-id": "the bedrock-runtime interface endpoint invocations must come through",
    "alarm-topic-arn": "the topic alarms and budgets notify",
}
#: Teams per team stack: about 9 resources each (two profiles, a role, its policy, a budget, a hard
#: stop), so 25 teams stay under 50 % of CloudFormation's 500 resources and of its 1 MB template
#: (measured in docs/benchmark.md).
TEAMS_PER_STACK = 25
_PREFIX_PATTERN = re.compile(r"^/[A-Za-z0-9_.\-/]{1,900}\Z")


def parameter_prefix(stack: Stack) -> str:
    """Where a landing zone of ``stack`` publishes its parameters: ``/secure-bedrock/<stack name>``."""
    name = stack.stack_name if not is_token(stack.stack_name) else stack.node.addr
    return f"/secure-bedrock/{name}"


class LandingZoneParameters(Construct):
    """The parameters a landing zone publishes for team stacks (made by
    :class:`SecureBedrockLandingZone`). Attribute: ``parameters`` (by name)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        guardrail: BedrockGuardrail,
        runtime_endpoint_id: str,
        alarm_topic: sns.ITopic,
    ) -> None:
        require_construct(scope, construct_id)
        super().__init__(scope, construct_id)
        versions = guardrail.allowed_version_arns
        values = {
            "guardrail-arn": guardrail.guardrail_arn,
            "guardrail-version-arn": versions[0],
            "guardrail-previous-version-arn": versions[-1],
            "guardrail-key-arn": guardrail.encryption_key.key_arn,
            "runtime-endpoint-id": runtime_endpoint_id,
            "alarm-topic-arn": alarm_topic.topic_arn,
        }
        self.parameters = {
            name: ssm.StringParameter(
                self,
                "".join(part.capitalize() for part in name.split("-")),
                parameter_name=f"{prefix}/{name}",
                string_value=value,
                description=f"secure-bedrock, for team stacks: {LANDING_ZONE_PARAMETERS[name]}",
            )
            for name, value in values.items()
        }


class LandingZoneReference(Construct):
    """A landing zone as a team stack sees it, from the SSM parameters it publishes (resolved when the
    team stack deploys, in the same account and region).

    Attributes: ``guardrail`` (a :class:`GuardrailReference`), ``runtime_endpoint_id``, ``alarm_topic``,
    ``models`` (the approved models), ``prefix``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str,
        models: Sequence[BedrockModel],
        guardrail_profile_arns: Sequence[str] = (),
    ) -> None:
        """
        :param prefix: the landing zone's parameter prefix, ``/secure-bedrock/<its stack name>``
            (:func:`parameter_prefix`, ``zone.parameter_prefix``).
        :param models: the landing zone's approved models (teams may use these only).
        :param guardrail_profile_arns: the guardrail's cross-region profile ARNs, if it has one
            (``zone.guardrail.profile_arns`` where the landing zone is in the same app). Default: none.
        """
        require_construct(scope, construct_id)
        require_type("prefix", prefix, str, "a parameter prefix such as '/secure-bedrock/SecureBedrockHipaa'")
        if not _PREFIX_PATTERN.match(prefix) or prefix.endswith("/"):
            raise ValueError(
                f"prefix: {prefix!r} is not a parameter prefix; use the landing zone's, e.g. "
                "'/secure-bedrock/SecureBedrockHipaa' (no trailing '/')"
            )
        self.models = tuple(require_models("models", models, scope=scope))
        profiles = require_list(
            "guardrail_profile_arns", guardrail_profile_arns, "a list of guardrail-profile ARNs"
        )
        super().__init__(scope, construct_id)
        self.prefix = prefix

        def read(name: str) -> str:
            return ssm.StringParameter.value_for_string_parameter(self, f"{prefix}/{name}")

        self.guardrail = GuardrailReference(
            self,
            "Guardrail",
            guardrail_arn=read("guardrail-arn"),
            allowed_version_arns=[read("guardrail-version-arn"), read("guardrail-previous-version-arn")],
            key_arn=read("guardrail-key-arn"),
            profile_arns=profiles,
        )
        self.runtime_endpoint_id = read("runtime-endpoint-id")
        self._alarm_topic: sns.ITopic | None = None

    @property
    def alarm_topic(self) -> sns.ITopic:
        """The landing zone's alarm topic (read on first use: a stack that notifies nothing has no
        parameter it does not use)."""
        if self._alarm_topic is None:
            arn = ssm.StringParameter.value_for_string_parameter(self, f"{self.prefix}/alarm-topic-arn")
            self._alarm_topic = sns.Topic.from_topic_arn(self, "AlarmTopic", arn)
        return self._alarm_topic


class BedrockTeams(Construct):
    """A batch of teams in a stack of its own: for each, application inference profiles and an invoker
    role (the landing zone's guardrail, through its runtime endpoint), a monthly budget and hard stop
    when asked; one dashboard for the batch.

    Attributes: ``teams`` (:class:`BedrockTeam` by name), ``budgets`` (``BedrockTeamBudgets`` or
    ``None``), ``dashboard``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        landing_zone: LandingZoneReference,
        teams: Sequence[TeamSpec],
        budget_thresholds_percent: Sequence[float] = DEFAULT_THRESHOLDS,
        budget_emails: Sequence[str] = (),
    ) -> None:
        """
        :param landing_zone: the landing zone, by reference (:class:`LandingZoneReference`).
        :param teams: the batch's teams (see :func:`team_batches`); their models must be approved.
        :param budget_thresholds_percent: ACTUAL-spend notification thresholds of the team budgets.
        :param budget_emails: addresses the team budgets notify directly. Default: none.
        """
        require_construct(scope, construct_id)
        require_type("landing_zone", landing_zone, LandingZoneReference, "a LandingZoneReference")
        specs = validate_team_specs("teams", teams, {model.model_id for model in landing_zone.models})
        if not specs:
            raise ValueError("teams: name at least one TeamSpec")
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self.teams: dict[str, BedrockTeam] = {
            spec.name: BedrockTeam(
                self,
                spec.name,
                name=spec.name,
                cost_center=spec.cost_center,
                models=spec.models,
                assumed_by=spec.assumed_by or iam.AccountRootPrincipal(),
                guardrail=landing_zone.guardrail,
                source_vpce=landing_zone.runtime_endpoint_id,
            )
            for spec in specs
        }
        budgeted = [
            TeamBudget(
                team=self.teams[spec.name],
                monthly_limit_usd=spec.monthly_budget_usd,
                hard_stop=spec.hard_stop,
            )
            for spec in specs
            if spec.monthly_budget_usd is not None
        ]
        self.budgets: BedrockTeamBudgets | None = None
        if budgeted:
            self.budgets = BedrockTeamBudgets(
                self,
                "Budgets",
                topic=landing_zone.alarm_topic,
                teams=budgeted,
                thresholds_percent=budget_thresholds_percent,
                email_subscribers=budget_emails,
            )
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(24))
        for team in self.teams.values():
            self.dashboard.add_widgets(team_tokens_widget(team))


def team_batches(teams: Sequence[TeamSpec], size: int = TEAMS_PER_STACK) -> list[list[TeamSpec]]:
    """``teams`` in batches of ``size``, in order: appending a team changes only the last batch (keep
    the order stable, or teams move between stacks, which replaces their profiles and roles)."""
    specs = require_list("teams", teams, "a list of TeamSpec")
    require_int_range("size", size, 1, 100)
    return [list(specs[start : start + size]) for start in range(0, len(specs), size)]
