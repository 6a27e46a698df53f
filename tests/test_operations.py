"""BedrockMonitoring and BedrockBudgets: every alarm, the topic, the budget filters and notifications, the hard stop."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from secure_bedrock import (
    AlarmThresholds,
    BedrockBudgets,
    BedrockGuardrail,
    BedrockModels,
    BedrockMonitoring,
    BedrockPrivateNetwork,
    BedrockTeam,
    GuardrailPolicy,
    ModelInvocationLogging,
    TeamBudget,
)
from tests.conftest import compliance_findings

SONNET_PROFILE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def monitoring(stack: Stack, **kwargs: Any) -> BedrockMonitoring:
    kwargs.setdefault("models", [BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5])
    return BedrockMonitoring(stack, "Monitoring", **kwargs)


def alarm(template: Template, metric_name: str, **extra: Any) -> dict:
    found = template.find_resources(
        "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": metric_name, **extra}}
    )
    assert len(found) == 1, f"{len(found)} alarms on {metric_name}"
    return next(iter(found.values()))["Properties"]


def notifies_the_topic(props: dict) -> bool:
    (action,) = props["AlarmActions"]
    return action["Ref"].startswith("MonitoringTopic")


@pytest.mark.parametrize(
    ("metric_name", "statistic", "threshold", "periods", "datapoints", "period"),
    [
        ("InvocationServerErrors", "Sum", 0, 5, 3, 60),
        ("InvocationClientErrors", "Sum", 10, 1, None, 300),
        ("InvocationThrottles", "Sum", 0, 5, 3, 60),
    ],
)
def test_error_and_throttle_alarms(
    stack: Stack, metric_name, statistic, threshold, periods, datapoints, period
) -> None:
    monitoring(stack)
    props = alarm(Template.from_stack(stack), metric_name)
    assert props["Namespace"] == "AWS/Bedrock"
    assert props["Dimensions"] == [{"Name": "ModelId", "Value": SONNET_PROFILE}]
    assert props["Statistic"] == statistic
    assert props["Threshold"] == threshold
    assert props["EvaluationPeriods"] == periods
    assert props.get("DatapointsToAlarm") == datapoints
    assert props["Period"] == period
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["TreatMissingData"] == "notBreaching"
    assert notifies_the_topic(props)


def test_latency_alarms_on_p90_and_p99(stack: Stack) -> None:
    monitoring(stack)
    template = Template.from_stack(stack)
    for percentile, threshold in (("p90", 20000), ("p99", 60000)):
        props = alarm(template, "InvocationLatency", ExtendedStatistic=percentile)
        assert props["Threshold"] == threshold
        assert notifies_the_topic(props)


@pytest.mark.parametrize("metric_name", ["InputTokenCount", "OutputTokenCount", "Invocations"])
def test_token_and_invocation_anomaly_bands(stack: Stack, metric_name: str) -> None:
    monitoring(stack)
    template = Template.from_stack(stack)
    alarms = [
        a["Properties"]
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if any(
            m.get("MetricStat", {}).get("Metric", {}).get("MetricName") == metric_name
            for m in a["Properties"].get("Metrics", [])
        )
    ]
    assert len(alarms) == 1
    props = alarms[0]
    assert props["ComparisonOperator"] == "GreaterThanUpperThreshold"
    assert props["TreatMissingData"] == "ignore"
    band = [m for m in props["Metrics"] if "Expression" in m]
    assert band[0]["Expression"].startswith("ANOMALY_DETECTION_BAND(")
    assert band[0]["Expression"].endswith(", 3)")
    assert props["ThresholdMetricId"] == band[0]["Id"]
    assert notifies_the_topic(props)


def test_quota_alarm_only_for_models_with_a_quota(stack: Stack) -> None:
    monitoring(stack, tpm_quotas={SONNET_PROFILE: 200_000}, thresholds=AlarmThresholds(quota_fraction=0.75))
    props = alarm(Template.from_stack(stack), "EstimatedTPMQuotaUsage")
    assert props["Threshold"] == 150_000
    assert props["Statistic"] == "Maximum"


def test_guardrail_and_logging_alarms(stack: Stack) -> None:
    network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5])
    logs = ModelInvocationLogging(stack, "Logs", network=network)
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    monitoring(stack, guardrail=guardrail, invocation_logging=logs)
    template = Template.from_stack(stack)
    intervened = alarm(template, "InvocationsIntervened")
    assert intervened["Namespace"] == "AWS/Bedrock/Guardrails"
    assert {d["Name"] for d in intervened["Dimensions"]} == {"GuardrailArn", "GuardrailVersion"}
    assert intervened["Threshold"] == 50
    for name in (
        "ModelInvocationLogsS3DeliveryFailure",
        "ModelInvocationLogsCloudWatchDeliveryFailure",
        "ModelInvocationLargeDataS3DeliveryFailure",
    ):
        props = alarm(template, name)
        assert "Dimensions" not in props
        assert props["Threshold"] == 0


def test_every_alarm_has_an_action(reference_template: Template) -> None:
    alarms = reference_template.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 20
    for logical_id, resource in alarms.items():
        assert resource["Properties"]["AlarmActions"], logical_id


def test_topic_is_encrypted_tls_only_and_budgets_may_publish(stack: Stack) -> None:
    monitoring(
        stack, email_subscribers=["oncall@example.com"], https_subscribers=["https://hooks.example.com/x"]
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SNS::Topic",
        {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("MonitoringKey"), "Arn"]}},
    )
    (policy,) = template.find_resources("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    budgets = [s for s in statements if s.get("Principal") == {"Service": "budgets.amazonaws.com"}]
    assert budgets[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    (key,) = template.find_resources("AWS::KMS::Key").values()
    services = {
        s["Principal"]["Service"]: s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if "Service" in s["Principal"]
    }
    assert set(services) == {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"}
    for statement in services.values():
        assert set(statement["Condition"]) == {"StringEquals", "ArnLike"}
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "https"})


def test_bring_your_own_topic(stack: Stack) -> None:
    topic = sns.Topic.from_topic_arn(stack, "Theirs", "arn:aws:sns:us-east-1:111122223333:alerts")
    result = monitoring(stack, topic=topic)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::SNS::Topic", 0)
    assert result.encryption_key is None
    for resource in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert resource["Properties"]["AlarmActions"] == ["arn:aws:sns:us-east-1:111122223333:alerts"]


def test_dashboard_has_a_row_per_model(stack: Stack) -> None:
    monitoring(
        stack, models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5, BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2]
    )
    (dashboard,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    body = str(dashboard["Properties"]["DashboardBody"])
    assert SONNET_PROFILE in body
    assert "amazon.titan-embed-text-v2:0" in body


def test_monitoring_passes_the_packs(stack: Stack) -> None:
    monitoring(stack)
    assert compliance_findings(stack) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"email_subscribers": ["not-an-email"]},
            r"email_subscribers\[0\]: 'not-an-email' is not an email address",
        ),
        (
            {"https_subscribers": ["http://x.example.com"]},
            r"https_subscribers\[0\]: 'http://x.example.com' is not an https:// URL",
        ),
        (
            {"tpm_quotas": {"amazon.nova-pro-v1:0": 1000}},
            r"tpm_quotas\['amazon.nova-pro-v1:0'\]: not an approved model",
        ),
        (
            {"tpm_quotas": {SONNET_PROFILE: 0}},
            r"tpm_quotas\['us.anthropic.claude-sonnet-4-5-20250929-v1:0'\]: 0 must be a positive",
        ),
        (
            {"thresholds": AlarmThresholds(quota_fraction=1.5)},
            r"thresholds.quota_fraction: 1.5 must be more than 0 and at most 1",
        ),
        (
            {"thresholds": AlarmThresholds(client_errors=-1)},
            r"thresholds.client_errors: -1 must be a whole number of 0 or more",
        ),
        (
            {"thresholds": AlarmThresholds(latency_p90_ms=0)},
            r"thresholds.latency_p90_ms: 0 must be a positive whole number",
        ),
        ({"models": []}, r"models must not be empty"),
    ],
)
def test_monitoring_fails_on_bad_input(stack: Stack, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        monitoring(stack, **kwargs)


# --- budgets ------------------------------------------------------------------------------------------


@pytest.fixture
def team(stack: Stack) -> BedrockTeam:
    return BedrockTeam(
        stack,
        "Claims",
        name="claims",
        cost_center="CC-1001",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        assumed_by=iam.AccountRootPrincipal(),
    )


def budgets_for(stack: Stack, **kwargs: Any) -> BedrockBudgets:
    topic = monitoring(stack).topic
    kwargs.setdefault("monthly_limit_usd", 1000)
    return BedrockBudgets(stack, "Budgets", topic=topic, **kwargs)


def test_account_budget_catches_bedrock_and_marketplace_spend(stack: Stack) -> None:
    budgets_for(stack, email_subscribers=["finance@example.com"])
    template = Template.from_stack(stack)
    (budget,) = template.find_resources("AWS::Budgets::Budget").values()
    data = budget["Properties"]["Budget"]
    assert data["BudgetType"] == "COST"
    assert data["TimeUnit"] == "MONTHLY"
    assert data["BudgetLimit"] == {"Amount": 1000, "Unit": "USD"}
    assert data["FilterExpression"] == {
        "Or": [
            {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
            {"Dimensions": {"Key": "BILLING_ENTITY", "Values": ["AWS Marketplace"]}},
        ]
    }
    notifications = budget["Properties"]["NotificationsWithSubscribers"]
    kinds = sorted(
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in notifications
    )
    assert kinds == [("ACTUAL", 50), ("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
    for notification in notifications:
        types = {s["SubscriptionType"] for s in notification["Subscribers"]}
        assert types == {"SNS", "EMAIL"}


def test_team_budget_filters_on_the_team_tag_with_a_hard_stop(stack: Stack, team: BedrockTeam) -> None:
    result = budgets_for(stack, teams=[TeamBudget(team=team, monthly_limit_usd=300, hard_stop=True)])
    template = Template.from_stack(stack)
    team_budget = next(
        b
        for b in template.find_resources("AWS::Budgets::Budget").values()
        if "Tags" in b["Properties"]["Budget"]["FilterExpression"]
    )
    assert team_budget["Properties"]["Budget"]["FilterExpression"] == {
        "Tags": {"Key": "team", "Values": ["claims"], "MatchOptions": ["EQUALS"]}
    }
    assert team_budget["Properties"]["Budget"]["BudgetLimit"] == {"Amount": 300, "Unit": "USD"}
    action = next(iter(template.find_resources("AWS::Budgets::BudgetsAction").values()))["Properties"]
    assert action["ActionType"] == "APPLY_IAM_POLICY"
    assert action["ApprovalModel"] == "AUTOMATIC"
    assert action["ActionThreshold"] == {"Type": "PERCENTAGE", "Value": 100}
    (role,) = action["Definition"]["IamActionDefinition"]["Roles"]
    assert role["Ref"].startswith("ClaimsInvoker")
    assert result.deny_invoke_policy is not None
    deny = template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("hard stop")}}
    )
    (statement,) = next(iter(deny.values()))["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    attach = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": Match.string_like_regexp("attach and detach")}},
    )
    (attach_statement,) = next(iter(attach.values()))["Properties"]["PolicyDocument"]["Statement"]
    assert "iam:PolicyARN" in attach_statement["Condition"]["ArnEquals"]
    assert [f for f in compliance_findings(stack) if "Test/Budgets" in f] == []


def test_many_hard_stops_keep_the_action_role_within_iams_limits(stack: Stack) -> None:
    """Found by make bench: one attach policy per hard-stop team gave the action role more than IAM's
    10 managed policies with 50 teams. The roles are now named 30 to a policy."""
    from secure_bedrock.budgets import ROLES_PER_ATTACH_POLICY

    teams = [
        BedrockTeam(
            stack,
            f"Team{index}",
            name=f"team-{index}",
            cost_center="CC-1",
            models=[BedrockModels.US_AMAZON_NOVA_PRO],
            assumed_by=iam.AccountRootPrincipal(),
        )
        for index in range(45)
    ]
    result = budgets_for(
        stack, teams=[TeamBudget(team=t, monthly_limit_usd=10, hard_stop=True) for t in teams]
    )
    template = Template.from_stack(stack)
    attach = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {"Properties": {"Description": Match.string_like_regexp("attach and detach")}},
    )
    assert len(attach) == 2
    named = [
        resource
        for policy in attach.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for resource in statement["Resource"]
    ]
    assert len(named) == 45 == len(set(map(str, named)))
    assert max(
        len(p["Properties"]["PolicyDocument"]["Statement"][0]["Resource"]) for p in attach.values()
    ) == (ROLES_PER_ATTACH_POLICY)
    # Each hard stop waits for the policy that lets Budgets apply it.
    action = template.to_json()["Resources"][stack.get_logical_id(result.hard_stops["team-44"])]
    assert any(d.startswith("BudgetsAttachDenyInvoke2") for d in action["DependsOn"])
    assert [f for f in compliance_findings(stack) if "Budgets" in f] == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"monthly_limit_usd": 0}, r"monthly_limit_usd: 0 must be a positive amount"),
        ({"monthly_limit_usd": -5}, r"monthly_limit_usd: -5 must be a positive amount"),
        (
            {"thresholds_percent": [0]},
            r"thresholds_percent\[0\]: 0 must be a percentage from 0.1 to 100",
        ),
        ({"thresholds_percent": [50, 120]}, r"thresholds_percent\[1\]: 120 must be a percentage"),
        ({"thresholds_percent": []}, r"thresholds_percent: name at least one threshold"),
        ({"email_subscribers": ["finance"]}, r"email_subscribers\[0\]: 'finance' is not an email address"),
    ],
)
def test_budgets_fail_on_bad_input(stack: Stack, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        budgets_for(stack, **kwargs)


def test_team_budget_fails_on_bad_amount(stack: Stack, team: BedrockTeam) -> None:
    with pytest.raises(ValueError, match=r"teams\[0\].monthly_limit_usd: 0 must be a positive amount"):
        budgets_for(stack, teams=[TeamBudget(team=team, monthly_limit_usd=0)])


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"thresholds": 0}, TypeError, r"thresholds must be an AlarmThresholds"),
        (
            {"thresholds": AlarmThresholds(anomaly_std_devs="3")},
            ValueError,
            r"anomaly_std_devs: '3' must be a number",
        ),  # type: ignore[arg-type]
        ({"thresholds": AlarmThresholds(anomaly_evaluation_periods=10**9)}, ValueError, r"at most 288"),
        ({"topic": "arn:aws:sns:us-east-1:111122223333:alarms"}, TypeError, r"topic must be an sns.ITopic"),
        ({"email_subscribers": "oncall@example.com"}, TypeError, r"email_subscribers must be a list"),
        (
            {"email_subscribers": ["oncall@example.com\n"]},
            ValueError,
            r"email_subscribers\[0\]: .* is not an email",
        ),
        (
            {"https_subscribers": ["https://hooks.example.com/a", "https://hooks.example.com/a"]},
            ValueError,
            r"https_subscribers\[1\]: 'https://hooks.example.com/a' repeats https_subscribers\[0\]",
        ),
        ({"teams": ["claims"]}, TypeError, r"teams\[0\] must be a BedrockTeam"),
        ({"removal_policy": "RETAIN"}, TypeError, r"removal_policy must be a RemovalPolicy"),
    ],
)
def test_monitoring_fails_before_creating_anything(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        monitoring(stack, **kwargs)
    assert stack.node.try_find_child("Monitoring") is None


def test_monitoring_tells_apart_models_whose_ids_differ_in_punctuation_only(stack: Stack) -> None:
    from secure_bedrock import FoundationModel

    # Both ids give the alarm scope 'ExampleModelV1': the second gets a hash of its id.
    monitoring(stack, models=[FoundationModel("example.model-v1"), FoundationModel("example.model.v1")])
    assert len(Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")) == 2 * 8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"thresholds_percent": [10, 20, 30, 40, 50]}, r"thresholds_percent: 5 thresholds; a budget takes 5"),
        ({"monthly_limit_usd": float("inf")}, r"monthly_limit_usd: inf must be a positive amount"),
        ({"monthly_limit_usd": 10**400}, r"monthly_limit_usd: 1000.* must be a positive amount"),
        (
            {"email_subscribers": ["a@example.com", "a@example.com"]},
            r"email_subscribers\[1\]: 'a@example.com' repeats email_subscribers\[0\]",
        ),
    ],
)
def test_budgets_fail_on_limits_aws_enforces(stack: Stack, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        budgets_for(stack, **kwargs)


def test_team_budget_fails_on_a_hard_stop_that_is_not_a_boolean(stack: Stack, team: BedrockTeam) -> None:
    with pytest.raises(TypeError, match=r"teams\[0\].hard_stop must be True or False"):
        budgets_for(stack, teams=[TeamBudget(team=team, monthly_limit_usd=5, hard_stop="yes")])  # type: ignore[arg-type]
