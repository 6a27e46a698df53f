"""Tamper evidence for the account's model invocation logging setting.

Two independent watches, both alarmed by :class:`~secure_bedrock.monitoring.BedrockMonitoring` on the
landing zone's topic:

* **Who changed it**: :func:`tamper_event_pattern` matches CloudTrail's record of any Put or Delete of
  the logging configuration by a principal other than the landing zone's own handler (EventBridge
  receives these from a trail recording management events; the landing zone's audit trail is one).
* **Is it still ours**: :class:`InvocationLoggingWatch` runs a read-only check on a schedule, and the
  handler reports after each Create and Update. Both write one JSON line per check, which a metric
  filter turns into the ``InvocationLoggingConfigurationDrift`` metric (1: not the landing zone's
  configuration, or unreadable; 0: as set). Its alarm also fires when the lines stop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from secure_bedrock._validation import require_construct, require_type
from secure_bedrock.functions import HardenedFunction, library_handler

#: The Bedrock calls that change the setting (CloudTrail event names).
CHANGING_EVENTS: tuple[str, ...] = (
    "PutModelInvocationLoggingConfiguration",
    "DeleteModelInvocationLoggingConfiguration",
)
#: Where the drift metric lives.
DRIFT_NAMESPACE = "SecureBedrock"
DRIFT_METRIC = "InvocationLoggingConfigurationDrift"
#: The ``check`` field of the drift lines (handlers/invocation_logging/index.py ``DRIFT_CHECK``).
DRIFT_CHECK = "model-invocation-logging"
#: How often the scheduled check runs by default, and the bounds: at least two checks fall in each
#: half-hour period of the alarm, so one late run never reads as a silent check.
DEFAULT_CHECK_EVERY = Duration.minutes(15)
MIN_CHECK_MINUTES = 5
MAX_CHECK_MINUTES = 15
#: The drift alarm's period, and how many periods in a row must breach: a check that runs while a
#: deploy is changing the setting (one period at most) never raises the alarm.
DRIFT_PERIOD = Duration.minutes(30)
DRIFT_PERIODS_TO_ALARM = 2
CHECK_CODE, CHECK_EXCLUDE, CHECK_ENTRY = library_handler("invocation_logging", "drift")


def require_check_every(argument: str, every: Duration) -> None:
    """Raise unless ``every`` is a whole number of minutes from 5 to 15."""
    require_type(argument, every, Duration, "a Duration, e.g. Duration.minutes(15)")
    if every.is_unresolved():
        raise ValueError(f"{argument}: must be known at synth, e.g. Duration.minutes(15)")
    seconds = every.to_seconds()
    if seconds % 60 or not MIN_CHECK_MINUTES * 60 <= seconds <= MAX_CHECK_MINUTES * 60:
        raise ValueError(
            f"{argument}: {every.to_human_string()} must be whole minutes from {MIN_CHECK_MINUTES} to "
            f"{MAX_CHECK_MINUTES}, so each half hour of the drift alarm sees at least two checks"
        )


def tamper_event_pattern(handler_role_arn: str) -> events.EventPattern:
    """CloudTrail's record of a Put or Delete of the logging configuration by anyone but the handler.

    Matched: any caller that is not an assumed role (users, the root user), and any assumed role other
    than the handler's (``sessionIssuer.arn`` is the role's ARN). Failed attempts match too.
    """
    return events.EventPattern(
        source=["aws.bedrock"],
        detail_type=["AWS API Call via CloudTrail"],
        detail={
            "eventSource": ["bedrock.amazonaws.com"],
            "eventName": list(CHANGING_EVENTS),
            "$or": [
                {"userIdentity": {"type": [{"anything-but": "AssumedRole"}]}},
                {
                    "userIdentity": {
                        "sessionContext": {"sessionIssuer": {"arn": [{"anything-but": handler_role_arn}]}}
                    }
                },
            ],
        },
    )


def tamper_message() -> events.RuleTargetInput:
    """What the topic's subscribers read when the setting is changed by hand. Only paths every CloudTrail
    management event has: ``by`` is the whole ``userIdentity`` (a root user has no session issuer, a
    service no ARN); whether the call failed is in the record ``eventId`` names."""
    return events.RuleTargetInput.from_object(
        {
            "alarm": "secure-bedrock: the model invocation logging configuration was changed outside the landing zone",
            "action": events.EventField.from_path("$.detail.eventName"),
            "by": events.EventField.from_path("$.detail.userIdentity"),
            "sourceIp": events.EventField.from_path("$.detail.sourceIPAddress"),
            "region": events.EventField.from_path("$.region"),
            "account": events.EventField.from_path("$.account"),
            "time": events.EventField.from_path("$.time"),
            "eventId": events.EventField.from_path("$.detail.eventID"),
        }
    )


def drift_metric(period: Duration = DRIFT_PERIOD) -> cloudwatch.Metric:
    """The drift metric (``Maximum``): 1 when a check found the setting not the landing zone's."""
    return cloudwatch.Metric(
        namespace=DRIFT_NAMESPACE, metric_name=DRIFT_METRIC, statistic="Maximum", period=period
    )


def drift_metric_filter(scope: Construct, construct_id: str, log_group: logs.ILogGroup) -> logs.MetricFilter:
    """Turn the drift lines written to ``log_group`` into the drift metric."""
    return logs.MetricFilter(
        scope,
        construct_id,
        log_group=log_group,
        filter_pattern=logs.FilterPattern.all(
            logs.FilterPattern.string_value("$.check", "=", DRIFT_CHECK),
            logs.FilterPattern.number_value("$.drift", ">=", 0),
        ),
        metric_namespace=DRIFT_NAMESPACE,
        metric_name=DRIFT_METRIC,
        metric_value="$.drift",
    )


class InvocationLoggingWatch(Construct):
    """A read-only check, on a schedule, that the live logging configuration is still ``expected``.

    Attributes: ``checker`` (a :class:`HardenedFunction`), ``schedule`` (the EventBridge rule),
    ``metric_filter``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        expected: Mapping[str, Any],
        vpc: ec2.IVpc,
        encryption_key: kms.IKey,
        vpc_subnets: ec2.SubnetSelection | None = None,
        every: Duration = DEFAULT_CHECK_EVERY,
        log_retention: logs.RetentionDays = logs.RetentionDays.SIX_YEARS,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param expected: the ``loggingConfig`` the landing zone sets (tokens allowed).
        :param vpc: where the check runs; it reaches Bedrock's control plane through the VPC's endpoint.
        :param encryption_key: for the check's log group and dead-letter queue.
        :param vpc_subnets: Default: the VPC's isolated subnets, or its private subnets with egress where it has no isolated ones (never public).
        :param every: how often the check runs. Default: 15 minutes (5 to 15).
        :param log_retention: of the check's log group. Default: six years.
        :param removal_policy: of the check's log group. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        require_check_every("every", every)
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.checker = HardenedFunction(
            self,
            "Check",
            code_path=CHECK_CODE,
            code_exclude=CHECK_EXCLUDE,
            handler=CHECK_ENTRY,
            description="secure-bedrock: checks that Bedrock model invocation logging is still as the landing zone set it",
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            encryption_key=encryption_key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            statements=[
                iam.PolicyStatement(
                    sid="ReadInvocationLoggingConfiguration",
                    actions=["bedrock:GetModelInvocationLoggingConfiguration"],
                    # An account setting: the call takes no resource. This region's only.
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
                )
            ],
        )
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="secure-bedrock: runs the model invocation logging drift check",
            schedule=events.Schedule.rate(every),
            targets=[
                targets.LambdaFunction(
                    self.checker.function,
                    # The configuration to compare with travels in the event: no environment variables.
                    event=events.RuleTargetInput.from_object({"expected": expected}),
                    retry_attempts=2,
                    max_event_age=every,
                )
            ],
        )
        self.metric_filter = drift_metric_filter(self, "DriftMetric", self.checker.log_group)
