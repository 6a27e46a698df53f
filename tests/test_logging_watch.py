"""Tamper evidence for the logging setting: the EventBridge rule, the drift check and their alarm.

The rule's pattern is evaluated by moto's implementation of EventBridge's matching (not ours) against
CloudTrail records of the callers that exist; the drift check runs against moto's Bedrock; the
metric filter is checked against the lines both functions write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk.assertions import Match, Template
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.events.models import EventPattern

from secure_bedrock import BedrockModels, BedrockMonitoring, BedrockPrivateNetwork, ModelInvocationLogging
from secure_bedrock.handlers.invocation_logging import drift, index
from secure_bedrock.logging_watch import DRIFT_CHECK, require_check_every
from tests.logging_account import REGION, Account, Context

HANDLER_ROLE = "arn:aws:iam::111122223333:role/SecureBedrockHipaa-LandingZoneInvocationLoggingHand-ABC"


def _resources(template: Template | dict[str, Any], kind: str, fragment: str) -> dict[str, dict[str, Any]]:
    body = template.to_json() if isinstance(template, Template) else template
    return {
        logical_id: resource
        for logical_id, resource in body["Resources"].items()
        if resource["Type"] == kind and fragment in logical_id
    }


def _one(template: Template | dict[str, Any], kind: str, fragment: str) -> dict[str, Any]:
    found = _resources(template, kind, fragment)
    assert len(found) == 1, (kind, fragment, sorted(found))
    return next(iter(found.values()))


# --- who changed it: the EventBridge rule ------------------------------------------------------------


def _concrete(node: Any) -> Any:
    """The pattern with the handler role's ARN (a GetAtt in the template) as a deployment gives it."""
    if isinstance(node, dict):
        if set(node) == {"Fn::GetAtt"}:
            assert node["Fn::GetAtt"][0].startswith("LandingZoneInvocationLoggingHandlerRole")
            return HANDLER_ROLE
        return {key: _concrete(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_concrete(item) for item in node]
    return node


def _cloudtrail(event_name: str, identity: dict[str, Any], **detail: Any) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.bedrock",
        "account": "111122223333",
        "time": "2026-11-30T12:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": identity,
            "eventSource": "bedrock.amazonaws.com",
            "eventName": event_name,
            "sourceIPAddress": "198.51.100.7",
            **detail,
        },
    }


def _assumed(role_arn: str) -> dict[str, Any]:
    name = role_arn.rsplit("/", 1)[1]
    return {
        "type": "AssumedRole",
        "arn": f"arn:aws:sts::111122223333:assumed-role/{name}/session",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role_arn, "userName": name}},
    }


CALLERS = {
    "an IAM user": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice"},
    "the root user": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"},
    "another role": _assumed("arn:aws:iam::111122223333:role/admin"),
    "an Identity Center user": _assumed(
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
    ),
    "a federated user": {"type": "FederatedUser", "arn": "arn:aws:sts::111122223333:federated-user/bob"},
}


@pytest.fixture(scope="module")
def tamper_pattern(reference_template: Template) -> EventPattern:
    rule = _one(reference_template, "AWS::Events::Rule", "LoggingConfigurationChanged")
    pattern = _concrete(rule["Properties"]["EventPattern"])
    return EventPattern(json.dumps(pattern), pattern)


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize(
    "event_name", ["PutModelInvocationLoggingConfiguration", "DeleteModelInvocationLoggingConfiguration"]
)
def test_a_change_by_anyone_else_is_reported(
    tamper_pattern: EventPattern, caller: str, event_name: str
) -> None:
    assert tamper_pattern.matches_event(_cloudtrail(event_name, CALLERS[caller]))


def test_a_refused_attempt_is_reported_too(tamper_pattern: EventPattern) -> None:
    refused = _cloudtrail(
        "DeleteModelInvocationLoggingConfiguration", CALLERS["another role"], errorCode="AccessDenied"
    )
    assert tamper_pattern.matches_event(refused)


def test_the_handlers_own_changes_and_reads_are_not(tamper_pattern: EventPattern) -> None:
    for event_name in ("PutModelInvocationLoggingConfiguration", "DeleteModelInvocationLoggingConfiguration"):
        assert not tamper_pattern.matches_event(_cloudtrail(event_name, _assumed(HANDLER_ROLE)))
    read = _cloudtrail("GetModelInvocationLoggingConfiguration", CALLERS["an IAM user"])
    assert not tamper_pattern.matches_event(read)


def test_the_rule_notifies_the_topic_with_who_did_what(reference_template: Template) -> None:
    rule = _one(reference_template, "AWS::Events::Rule", "LoggingConfigurationChanged")
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"]["Ref"].startswith("LandingZoneMonitoringTopic")
    assert "RoleArn" not in target, "SNS targets use the topic policy; a role breaks encrypted topics"
    paths = target["InputTransformer"]["InputPathsMap"]
    assert {"$.detail.eventName", "$.detail.userIdentity", "$.detail.sourceIPAddress", "$.time"} <= set(
        paths.values()
    )
    # The topic admits this rule (by ARN) and no other; the key lets EventBridge encrypt for it.
    policy = _one(reference_template, "AWS::SNS::TopicPolicy", "MonitoringTopicPolicy")
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    publish = statements["AllowTheTamperRuleToPublish"]
    assert publish["Principal"] == {"Service": "events.amazonaws.com"}
    rule_id = next(iter(_resources(reference_template, "AWS::Events::Rule", "LoggingConfigurationChanged")))
    assert publish["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}}}
    key = _one(reference_template, "AWS::KMS::Key", "MonitoringKey")
    by_sid = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    encrypt = by_sid["AllowEventBridgeRulesToPublish"]
    assert encrypt["Principal"] == {"Service": "events.amazonaws.com"}
    # No source conditions: SNS's KMS calls for EventBridge are not documented to carry them, and a
    # condition the request lacks would drop every notification.
    assert "Condition" not in encrypt


def test_your_own_topic_gets_a_warning_that_it_must_admit_the_rule(stack: Stack) -> None:
    from aws_cdk import aws_sns as sns
    from aws_cdk.assertions import Annotations

    network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    logging = ModelInvocationLogging(stack, "Logs", network=network)
    theirs = sns.Topic.from_topic_arn(stack, "Theirs", "arn:aws:sns:us-east-1:111122223333:alarms")
    BedrockMonitoring(
        stack,
        "Monitoring",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        topic=theirs,
        invocation_logging=logging,
    )
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp("must let events.amazonaws.com publish")
    )


# --- is it still ours: the drift check -----------------------------------------------------------------


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        created = Account()
        monkeypatch.setattr(index, "clients", lambda deadline: (created.bedrock, created.s3))
        yield created


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_drift_check_finds_nothing_while_the_setting_is_ours(account: Account, capsys) -> None:
    ours = account.destinations("ours")
    account.set_out_of_band(ours)
    account.bedrock.extra_fields = {"someFieldBedrockAddsLater": True}  # not ours to compare
    result = drift.handler({"expected": ours}, Context())
    assert result == {"drift": 0, "differences": []}
    assert _lines(capsys) == [{"check": DRIFT_CHECK, "drift": 0, "differences": []}]


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda config: {**config, "imageDataDeliveryEnabled": False}, "imageDataDeliveryEnabled is false"),
        (lambda config: {**config, "s3Config": {"bucketName": "elsewhere"}}, "s3Config.bucketName"),
        (lambda config: None, "no logging configuration is set"),
    ],
    ids=["a data type switched off", "another bucket", "deleted"],
)
def test_drift_check_reports_each_difference(account: Account, capsys, change, found: str) -> None:
    ours = account.destinations("ours")
    account.destinations("elsewhere")
    account.set_out_of_band(change(ours))
    result = drift.handler({"expected": ours}, Context())
    assert result["drift"] == 1
    assert any(found in difference for difference in result["differences"]), result
    assert _lines(capsys)[-1]["drift"] == 1


def test_drift_check_that_cannot_read_reports_drift(account: Account, capsys) -> None:
    ours = account.destinations("ours")
    account.set_out_of_band(ours)
    account.bedrock.fail_next.append(
        ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Get")
    )
    result = drift.handler({"expected": ours}, Context())
    assert result["drift"] == 1
    assert "could not read the configuration: ClientError" in result["differences"][0]


def test_drift_check_with_a_broken_event_still_writes_its_line(account: Account, capsys) -> None:
    result = drift.handler({"expected": "not a configuration"}, Context())
    assert result["drift"] == 1
    assert _lines(capsys)[-1]["drift"] == 1


def test_the_handler_writes_the_first_data_point(reference_template: Template) -> None:
    # The alarm is created after the configuration, whose handler wrote a line through this filter.
    filters = _resources(reference_template, "AWS::Logs::MetricFilter", "InvocationLogging")
    assert len(filters) == 2
    for metric_filter in filters.values():
        properties = metric_filter["Properties"]
        assert properties["FilterPattern"] == f'{{ ($.check = "{DRIFT_CHECK}") && ($.drift >= 0) }}'
        (transformation,) = properties["MetricTransformations"]
        assert transformation == {
            "MetricName": "InvocationLoggingConfigurationDrift",
            "MetricNamespace": "SecureBedrock",
            "MetricValue": "$.drift",
        }
    handler_filter = next(logical_id for logical_id in filters if "HandlerDriftMetric" in logical_id)
    configuration = _one(reference_template, "Custom::BedrockModelInvocationLogging", "InvocationLogging")
    assert handler_filter in configuration["DependsOn"]
    alarm_id, alarm = next(
        iter(_resources(reference_template, "AWS::CloudWatch::Alarm", "LoggingConfigurationDrift").items())
    )
    assert alarm["Properties"]["TreatMissingData"] == "breaching"
    # Two half hours in a row: one check during a deploy's change never raises it.
    assert alarm["Properties"]["Period"] == 1800
    assert alarm["Properties"]["EvaluationPeriods"] == alarm["Properties"]["DatapointsToAlarm"] == 2
    assert alarm["Properties"]["Statistic"] == "Maximum"
    configuration_id = next(
        iter(_resources(reference_template, "Custom::BedrockModelInvocationLogging", "InvocationLogging"))
    )
    assert configuration_id in alarm["DependsOn"], alarm_id


def test_the_schedule_sends_the_configuration_the_handler_sets(reference_template: Template) -> None:
    schedule = _one(reference_template, "AWS::Events::Rule", "WatchSchedule")
    assert schedule["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    # The schedule's new input is in force only once the handler has set that configuration.
    configuration_id = next(
        iter(_resources(reference_template, "Custom::BedrockModelInvocationLogging", "InvocationLogging"))
    )
    assert configuration_id in schedule["DependsOn"]
    (target,) = schedule["Properties"]["Targets"]
    sent = target["Input"]
    configuration = _one(reference_template, "Custom::BedrockModelInvocationLogging", "InvocationLogging")
    # The same tokens: a JSON object {"expected": <LoggingConfig>} built by Fn::Join.
    text = json.dumps(sent)
    for leaf in ("textDataDeliveryEnabled", "largeDataDeliveryS3Config", "bedrock-large-data"):
        assert leaf in text
    assert json.dumps(configuration["Properties"]["LoggingConfig"]["cloudWatchConfig"]["roleArn"]) in text


def test_the_check_may_only_read(reference_template: Template) -> None:
    policy = _one(reference_template, "AWS::IAM::ManagedPolicy", "WatchCheckPolicy")
    actions = {
        action
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if action.startswith("bedrock:")
    }
    assert actions == {"bedrock:GetModelInvocationLoggingConfiguration"}


@pytest.mark.parametrize(
    ("every", "message"),
    [
        (Duration.minutes(4), r"4 minutes must be whole minutes from 5 to 15"),
        (Duration.minutes(16), r"16 minutes must be whole minutes from 5 to 15"),
        (Duration.seconds(330), r"must be whole minutes"),
    ],
)
def test_check_interval_is_checked(every: Duration, message: str) -> None:
    with pytest.raises(ValueError, match=rf"drift_check_every: .*{message}"):
        require_check_every("drift_check_every", every)
    with pytest.raises(TypeError, match="drift_check_every must be a Duration"):
        require_check_every("drift_check_every", 15)  # type: ignore[arg-type]


def test_two_logging_settings_for_one_concrete_account_and_region_fail_at_synth(make_stack) -> None:
    app = make_stack().node.root

    def logging_in(name: str, account: str, region: str) -> None:
        stack = Stack(app, name, env=Environment(account=account, region=region))
        network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_AMAZON_NOVA_PRO])
        ModelInvocationLogging(stack, "Logs", network=network)

    logging_in("First", "111122223333", "us-east-1")
    with pytest.raises(ValueError, match=r"'First/Logs' already sets .* account 111122223333 in us-east-1"):
        logging_in("Second", "111122223333", "us-east-1")
    # Another region, or another account, is another setting.
    logging_in("OtherRegion", "111122223333", "us-west-2")
    logging_in("OtherAccount", "444455556666", "us-east-1")


def test_the_landing_zone_passes_adopt_existing_from_the_settings() -> None:
    from stacks.hipaa_stack import HipaaBedrockStack
    from stacks.settings import load_settings
    from tests.test_settings import settings_with

    settings = load_settings(settings_with(evidence={"adopt_existing_logging": True}))
    stack = HipaaBedrockStack(App(), "Adopting", settings=settings)
    Template.from_stack(stack).has_resource_properties(
        "Custom::BedrockModelInvocationLogging", {"AdoptExisting": True}
    )
