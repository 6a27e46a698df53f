"""Cost budgets for Bedrock, per team chargeback, and an optional hard stop.

Budgets alert; they do not stop spend, and they act on billing data that lags 8-24 hours. The
optional hard stop is a budget action that attaches a deny-invoke policy to a team's invoker role when
its budget is exceeded (and an administrator detaches it to restore access).

Spend filter: Anthropic and other third-party models are billed through AWS Marketplace under their
own product names, not under the "Amazon Bedrock" service, so a budget on SERVICE alone misses them.
The account budget uses ``SERVICE = Amazon Bedrock OR BILLING_ENTITY = AWS Marketplace``: it catches
third-party model spend, and also any other Marketplace spend of the account (exact in an account
dedicated to Bedrock). Team budgets filter on the team's cost-allocation tag instead, which covers
both because the tag sits on the application inference profile the team must call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack, Tags
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from secure_bedrock import actions
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_amount,
    require_bool,
    require_construct,
    require_email,
    require_interface,
    require_list,
    require_type,
    require_unique,
)
from secure_bedrock.encryption import budgets_source_arn
from secure_bedrock.organization import BUDGET_HARD_STOP, EVIDENCE_WRITER_TAG
from secure_bedrock.teams import TEAM_TAG, BedrockTeam

#: Cost Explorer's service name for Bedrock's own models.
BEDROCK_SERVICE = "Amazon Bedrock"
#: The billing entity of Marketplace-billed (third-party) models.
MARKETPLACE_BILLING_ENTITY = "AWS Marketplace"
DEFAULT_THRESHOLDS: tuple[float, ...] = (50.0, 80.0, 100.0)
#: The smallest notification threshold AWS Budgets takes (its CloudFormation schema: 0.1).
MIN_THRESHOLD = 0.1
#: Budget names: 1-100 characters without ':' or '\\', unique in the account (across regions).
MAX_BUDGET_NAME = 100
#: The longest region name (``ap-southeast-4``), for names built from a deploy-time region.
LONGEST_REGION = 14
#: A budget takes at most five notifications; one is the FORECASTED notification at 100 %.
MAX_THRESHOLDS = 4
#: A notification takes one SNS subscriber and at most ten email subscribers.
MAX_EMAIL_SUBSCRIBERS = 10


@dataclass(frozen=True)
class TeamBudget:
    """A monthly budget for one team, optionally with the hard stop."""

    team: BedrockTeam
    monthly_limit_usd: float
    hard_stop: bool = False


def validate_thresholds_percent(argument: str, thresholds: Sequence[float]) -> None:
    """Raise naming ``argument[index]`` unless there are 1-4 distinct percentages in (0, 100]."""
    values = require_list(argument, thresholds, "a list of percentages such as [80, 100]")
    if not values:
        raise ValueError(f"{argument}: name at least one threshold, e.g. [80, 100]")
    if len(values) > MAX_THRESHOLDS:
        raise ValueError(
            f"{argument}: {len(values)} thresholds; a budget takes {MAX_THRESHOLDS + 1} notifications, one of "
            f"which is the forecast at 100 %, so name at most {MAX_THRESHOLDS}"
        )
    for index, threshold in enumerate(values):
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not MIN_THRESHOLD <= threshold <= 100
        ):
            raise ValueError(
                f"{argument}[{index}]: {threshold!r} must be a percentage from {MIN_THRESHOLD} to 100"
            )
    require_unique(argument, values)


def validate_budget_emails(argument: str, emails: Sequence[str]) -> None:
    """Raise naming ``argument[index]`` unless there are at most ten email addresses."""
    values = require_list(argument, emails, "a list of email addresses")
    if len(values) > MAX_EMAIL_SUBSCRIBERS:
        raise ValueError(
            f"{argument}: {len(values)} addresses; a budget notification takes at most {MAX_EMAIL_SUBSCRIBERS}"
        )
    for index, email in enumerate(values):
        require_email(f"{argument}[{index}]", email)
    require_unique(argument, values)


def budget_name_for(stack: Stack, team: str | None = None) -> str:
    """A budget name unique in the account. Budgets are account-wide, so the stack's name alone would
    collide when the same stack is deployed to two regions of one account: the region is part of the
    name. A stack name too long for 100 characters is cut and followed by a hash of it."""
    region = stack.region
    tail = f"-{region}-bedrock" + (f"-{team}" if team else "")
    # A deploy-time region counts as the longest region name.
    tail_length = len(tail) - len(region) + (LONGEST_REGION if is_token(region) else len(region))
    head = stack.stack_name
    if len(head) + tail_length > MAX_BUDGET_NAME:
        digest = hashlib.sha256(head.encode()).hexdigest()[:8]
        head = f"{head[: MAX_BUDGET_NAME - tail_length - len(digest) - 1]}-{digest}"
    return head + tail


def _notifications(
    thresholds: Sequence[float], topic: sns.ITopic, emails: Sequence[str]
) -> list[budgets.CfnBudget.NotificationWithSubscribersProperty]:
    subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic.topic_arn)] + [
        budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=email) for email in emails
    ]
    result = [
        budgets.CfnBudget.NotificationWithSubscribersProperty(
            notification=budgets.CfnBudget.NotificationProperty(
                notification_type="ACTUAL",
                comparison_operator="GREATER_THAN",
                threshold=threshold,
                threshold_type="PERCENTAGE",
            ),
            subscribers=subscribers,
        )
        for threshold in thresholds
    ]
    # A forecast at 100 % warns before the money is spent.
    result.append(
        budgets.CfnBudget.NotificationWithSubscribersProperty(
            notification=budgets.CfnBudget.NotificationProperty(
                notification_type="FORECASTED",
                comparison_operator="GREATER_THAN",
                threshold=100,
                threshold_type="PERCENTAGE",
            ),
            subscribers=subscribers,
        )
    )
    return result


#: Hard-stop team roles named by one of the action role's managed policies: 30 role ARNs at their
#: longest stay well inside a managed policy's 6,144 characters, and 10 such policies cover 300 teams.
ROLES_PER_ATTACH_POLICY = 30


def _check_team_budgets(teams: Sequence[TeamBudget]) -> None:
    for index, team_budget in enumerate(require_list("teams", teams, "a list of TeamBudget")):
        require_type(f"teams[{index}]", team_budget, TeamBudget, "a TeamBudget")
        require_type(f"teams[{index}].team", team_budget.team, BedrockTeam, "a BedrockTeam")
        require_amount(f"teams[{index}].monthly_limit_usd", team_budget.monthly_limit_usd)
        require_bool(f"teams[{index}].hard_stop", team_budget.hard_stop)
    require_unique("teams", [t.team.name for t in teams])


class _TeamBudgets(Construct):
    """Per-team budgets and hard stops, for a construct that holds them (:class:`BedrockBudgets`, beside
    the account budget; :class:`BedrockTeamBudgets`, in a team stack)."""

    def _add_team_budgets(
        self,
        teams: Sequence[TeamBudget],
        notifications: list[budgets.CfnBudget.NotificationWithSubscribersProperty],
        topic: sns.ITopic,
    ) -> None:
        stack = Stack.of(self)
        self.team_budgets: dict[str, budgets.CfnBudget] = {}
        self.hard_stops: dict[str, budgets.CfnBudgetsAction] = {}
        self.deny_invoke_policy: iam.ManagedPolicy | None = None
        self.action_role: iam.Role | None = None
        for team_budget in teams:
            team = team_budget.team
            team_budget_name = budget_name_for(stack, team.name)
            self.team_budgets[team.name] = budgets.CfnBudget(
                self,
                f"Team{team.name}",
                budget=budgets.CfnBudget.BudgetDataProperty(
                    budget_name=team_budget_name,
                    budget_type="COST",
                    time_unit="MONTHLY",
                    budget_limit=budgets.CfnBudget.SpendProperty(
                        amount=team_budget.monthly_limit_usd, unit="USD"
                    ),
                    filter_expression=budgets.CfnBudget.ExpressionProperty(
                        tags=budgets.CfnBudget.TagValuesProperty(
                            key=TEAM_TAG, values=[team.name], match_options=["EQUALS"]
                        )
                    ),
                ),
                notifications_with_subscribers=notifications,
            )
            if team_budget.hard_stop:
                self.hard_stops[team.name] = self._hard_stop(team, team_budget_name, topic)
                self.hard_stops[team.name].node.add_dependency(self.team_budgets[team.name])
        self._allow_attaching([t.team for t in teams if t.hard_stop])

    def _allow_attaching(self, teams: Sequence[BedrockTeam]) -> None:
        """The action role may attach (and detach) the deny-invoke policy, and only it, to the hard-stop
        teams' roles: one managed policy per :data:`ROLES_PER_ATTACH_POLICY` roles, so the role stays
        within IAM's managed policies per role however many teams have a hard stop."""
        if not teams:
            return
        assert self.action_role is not None
        assert self.deny_invoke_policy is not None
        for start in range(0, len(teams), ROLES_PER_ATTACH_POLICY):
            chunk = teams[start : start + ROLES_PER_ATTACH_POLICY]
            number = start // ROLES_PER_ATTACH_POLICY + 1
            policy = iam.ManagedPolicy(
                self,
                "AttachDenyInvoke" if number == 1 else f"AttachDenyInvoke{number}",
                description="Lets AWS Budgets attach and detach the deny-invoke policy on hard-stop team roles",
                roles=[self.action_role],
                statements=[
                    iam.PolicyStatement(
                        actions=["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                        resources=[team.invoker.role.role_arn for team in chunk],
                        conditions={
                            "ArnEquals": {"iam:PolicyARN": self.deny_invoke_policy.managed_policy_arn}
                        },
                    )
                ],
            )
            for team in chunk:
                self.hard_stops[team.name].node.add_dependency(policy)

    def _hard_stop(self, team: BedrockTeam, budget_name: str, topic: sns.ITopic) -> budgets.CfnBudgetsAction:
        stack = Stack.of(self)
        if self.deny_invoke_policy is None:
            self.deny_invoke_policy = iam.ManagedPolicy(
                self,
                "DenyInvoke",
                description="secure-bedrock budget hard stop: attached to a team role when its budget is exceeded",
                statements=[
                    iam.PolicyStatement(
                        sid="BudgetExceeded",
                        effect=iam.Effect.DENY,
                        actions=[*actions.INVOKE_ACTIONS, *actions.COUNT_TOKENS_ACTIONS],
                        resources=["*"],
                    )
                ],
            )
            self.action_role = iam.Role(
                self,
                "ActionRole",
                description="Lets AWS Budgets attach the deny-invoke policy to team roles over budget",
                assumed_by=iam.ServicePrincipal(
                    "budgets.amazonaws.com",
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn": budgets_source_arn(self)},
                    },
                ),
            )
            # The organization's SCP lets this role (and the deployment roles) attach policies to the
            # landing zone's roles: the hard stop's deny-invoke policy.
            Tags.of(self.action_role).add(EVIDENCE_WRITER_TAG, BUDGET_HARD_STOP)
        assert self.action_role is not None
        return budgets.CfnBudgetsAction(
            self,
            f"HardStop{team.name}",
            budget_name=budget_name,
            action_type="APPLY_IAM_POLICY",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(type="PERCENTAGE", value=100),
            notification_type="ACTUAL",
            approval_model="AUTOMATIC",
            execution_role_arn=self.action_role.role_arn,
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                    policy_arn=self.deny_invoke_policy.managed_policy_arn, roles=[team.invoker.role.role_name]
                )
            ),
            subscribers=[budgets.CfnBudgetsAction.SubscriberProperty(type="SNS", address=topic.topic_arn)],
        )


class BedrockBudgets(_TeamBudgets):
    """A monthly Bedrock cost budget for the account and one per team, notifying the alarm topic.

    Attributes: ``account_budget`` (``CfnBudget``, id ``Resource``), ``team_budgets`` (by team name),
    ``hard_stops`` (``CfnBudgetsAction`` by team name), ``deny_invoke_policy`` (``None`` without
    hard stops), ``action_role``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        monthly_limit_usd: float,
        topic: sns.ITopic,
        thresholds_percent: Sequence[float] = DEFAULT_THRESHOLDS,
        email_subscribers: Sequence[str] = (),
        teams: Sequence[TeamBudget] = (),
    ) -> None:
        """
        :param monthly_limit_usd: the account's monthly Bedrock budget.
        :param topic: where notifications go (its policy and key must let Budgets publish, as the
            :class:`BedrockMonitoring` topic does).
        :param thresholds_percent: ACTUAL-spend notification thresholds, each in (0, 100]; a
            FORECASTED notification at 100 % is always added. Default: 50, 80, 100.
        :param email_subscribers: addresses notified directly (up to 10). Default: none.
        :param teams: per-team budgets. Default: none.
        """
        require_construct(scope, construct_id)
        require_amount("monthly_limit_usd", monthly_limit_usd)
        require_interface("topic", topic, "topic_arn", "an sns.ITopic")
        validate_thresholds_percent("thresholds_percent", thresholds_percent)
        validate_budget_emails("email_subscribers", email_subscribers)
        _check_team_budgets(teams)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)
        notifications = _notifications(thresholds_percent, topic, email_subscribers)

        self.account_budget = budgets.CfnBudget(
            self,
            "Resource",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name_for(stack),
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=monthly_limit_usd, unit="USD"),
                filter_expression=budgets.CfnBudget.ExpressionProperty(
                    or_=[
                        budgets.CfnBudget.ExpressionProperty(
                            dimensions=budgets.CfnBudget.ExpressionDimensionValuesProperty(
                                key="SERVICE", values=[BEDROCK_SERVICE]
                            )
                        ),
                        budgets.CfnBudget.ExpressionProperty(
                            dimensions=budgets.CfnBudget.ExpressionDimensionValuesProperty(
                                key="BILLING_ENTITY", values=[MARKETPLACE_BILLING_ENTITY]
                            )
                        ),
                    ]
                ),
            ),
            notifications_with_subscribers=notifications,
        )

        self._add_team_budgets(teams, notifications, topic)


class BedrockTeamBudgets(_TeamBudgets):
    """Per-team monthly budgets (and hard stops) without the account budget: for teams in a stack of
    their own (:class:`secure_bedrock.team_stacks.BedrockTeams`), beside a landing zone whose
    :class:`BedrockBudgets` holds the account's.

    Attributes: ``team_budgets`` (by team name), ``hard_stops``, ``deny_invoke_policy``, ``action_role``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic: sns.ITopic,
        teams: Sequence[TeamBudget],
        thresholds_percent: Sequence[float] = DEFAULT_THRESHOLDS,
        email_subscribers: Sequence[str] = (),
    ) -> None:
        """
        :param topic: where notifications go (its policy and key must let Budgets publish, as the
            landing zone's topic does).
        :param teams: the team budgets (at least one).
        :param thresholds_percent: ACTUAL-spend notification thresholds. Default: 50, 80, 100.
        :param email_subscribers: addresses notified directly (up to 10). Default: none.
        """
        require_construct(scope, construct_id)
        require_interface("topic", topic, "topic_arn", "an sns.ITopic")
        validate_thresholds_percent("thresholds_percent", thresholds_percent)
        validate_budget_emails("email_subscribers", email_subscribers)
        _check_team_budgets(teams)
        if not teams:
            raise ValueError("teams: name at least one TeamBudget")
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self._add_team_budgets(teams, _notifications(thresholds_percent, topic, email_subscribers), topic)
