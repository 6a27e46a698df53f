"""Alarms, anomaly detection and a dashboard for Bedrock, to an encrypted alarm topic.

Every alarm has an action (the topic). Thresholds, periods and evaluation windows are typed
arguments (:class:`AlarmThresholds`) with documented defaults; ``treat_missing_data`` is chosen per
alarm: error and failure counts treat silence as good (Bedrock publishes nothing while idle), token
and invocation anomaly bands ignore missing data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Annotations, ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    MAX_SAFE_NUMBER,
    require_construct,
    require_email,
    require_https_url,
    require_interface,
    require_key,
    require_list,
    require_removal_policy,
    require_type,
    require_unique,
)
from secure_bedrock.encryption import allow_service, budgets_source_arn, create_key
from secure_bedrock.guardrail import BedrockGuardrail
from secure_bedrock.invocation_logging import ModelInvocationLogging
from secure_bedrock.logging_watch import DRIFT_PERIODS_TO_ALARM, tamper_message
from secure_bedrock.models import BedrockModel, require_models
from secure_bedrock.teams import BedrockTeam

NAMESPACE = "AWS/Bedrock"
#: The largest count or duration a threshold can hold exactly (JSON numbers are doubles).
MAX_THRESHOLD = MAX_SAFE_NUMBER
#: Anomaly alarms evaluate 5-minute periods, and CloudWatch looks back at most one day.
MAX_ANOMALY_PERIODS = 288


@dataclass(frozen=True)
class AlarmThresholds:
    """Alarm thresholds and windows. Each default is the value documented in docs/operations.md."""

    server_errors: int = 0
    """Alarm when more than this many server errors occur in a minute, in 3 of 5 minutes."""
    client_errors: int = 10
    """Alarm when more than this many client errors (denied, invalid) occur in 5 minutes."""
    throttles: int = 0
    """Alarm when more than this many throttled calls occur in a minute, in 3 of 5 minutes."""
    latency_p90_ms: int = 20_000
    """Alarm when p90 latency exceeds this over 5 minutes, 3 periods in a row."""
    latency_p99_ms: int = 60_000
    """Alarm when p99 latency exceeds this over 5 minutes, 3 periods in a row."""
    anomaly_std_devs: float = 3.0
    """Width of the token and invocation anomaly bands (standard deviations)."""
    anomaly_evaluation_periods: int = 3
    """Consecutive 5-minute periods above the band before an anomaly alarm fires."""
    quota_fraction: float = 0.8
    """Alarm when estimated tokens-per-minute use exceeds this fraction of the quota."""
    guardrail_interventions: int = 50
    """Alarm when the guardrail intervenes more than this many times in 5 minutes."""

    def validate(self, argument: str = "thresholds") -> None:
        """Raise ``ValueError`` naming the threshold that is out of range."""
        for name in ("server_errors", "client_errors", "throttles", "guardrail_interventions"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_THRESHOLD:
                raise ValueError(f"{argument}.{name}: {value!r} must be a whole number of 0 or more")
        for name, high in (
            ("latency_p90_ms", MAX_THRESHOLD),
            ("latency_p99_ms", MAX_THRESHOLD),
            ("anomaly_evaluation_periods", MAX_ANOMALY_PERIODS),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= high:
                raise ValueError(
                    f"{argument}.{name}: {value!r} must be a positive whole number, at most {high}"
                )
        for name in ("anomaly_std_devs", "quota_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{argument}.{name}: {value!r} must be a number")
        if not 0 < self.anomaly_std_devs <= 10:
            raise ValueError(
                f"{argument}.anomaly_std_devs: {self.anomaly_std_devs!r} must be more than 0 and at most 10"
            )
        if not 0 < self.quota_fraction <= 1:
            raise ValueError(
                f"{argument}.quota_fraction: {self.quota_fraction!r} must be more than 0 and at most 1 (80 % is 0.8)"
            )


def alarm_source_arn(scope: Construct) -> str:
    """Any CloudWatch alarm of this account and region: the ``aws:SourceArn`` of an alarm action."""
    return Stack.of(scope).format_arn(
        service="cloudwatch", resource="alarm", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
    )


@jsii.implements(events.IRuleTarget)
class _PublishTo:
    """An EventBridge target that publishes to a topic whose policy the caller writes (aws-cdk-lib's
    ``SnsTopic`` target grants ``events.amazonaws.com`` without a source condition)."""

    def __init__(self, topic: sns.ITopic, message: events.RuleTargetInput) -> None:
        self._topic = topic
        self._message = message

    def bind(self, rule: IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        del rule, id  # the target is the same for any rule
        return events.RuleTargetConfig(arn=self._topic.topic_arn, input=self._message)


def model_metric(
    model_id: str, metric_name: str, *, statistic: str = "Sum", period: Duration | None = None
) -> cloudwatch.Metric:
    """An ``AWS/Bedrock`` metric of one model (``ModelId`` is the profile id where a profile is called)."""
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=metric_name,
        dimensions_map={"ModelId": model_id},
        statistic=statistic,
        period=period or Duration.minutes(5),
    )


def team_tokens_widget(team: BedrockTeam) -> cloudwatch.GraphWidget:
    """A team's dashboard row: input and output tokens of each of its application inference profiles."""
    return cloudwatch.GraphWidget(
        title=f"Team {team.name} ({team.cost_center}): tokens by application profile",
        left=[
            model_metric(profile.attr_inference_profile_id, name)
            for profile in team.profiles.values()
            for name in ("InputTokenCount", "OutputTokenCount")
        ],
        width=24,
    )


def _alarm_id(model_id: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", model_id.title())


#: The ids of this construct's own children, which a model's id must never take.
_RESERVED_IDS = frozenset(
    {
        "Key",
        "Topic",
        "Dashboard",
        "GuardrailInterventions",
        "LogS3DeliveryFailures",
        "LogCloudWatchDeliveryFailures",
        "LogLargeDataDeliveryFailures",
    }
)


def _alarm_ids(models: Sequence[BedrockModel]) -> list[str]:
    """One construct id per model, derived from its id. An id that would be empty, that differs from
    another only in punctuation, or that is the id of one of this construct's own children gets a
    hash of the model id."""
    ids = [_alarm_id(model.model_id) for model in models]
    return [
        alarm_id
        if alarm_id and ids.count(alarm_id) == 1 and alarm_id not in _RESERVED_IDS
        else f"Model{alarm_id}{hashlib.sha256(model.model_id.encode()).hexdigest()[:8]}"
        for alarm_id, model in zip(ids, models, strict=True)
    ]


def validate_tpm_quotas(argument: str, quotas: Mapping[str, int] | None, approved: set[str]) -> None:
    """Raise naming ``argument[model_id]`` unless every quota is a positive number for an approved model."""
    if quotas is None:
        return
    require_type(argument, quotas, Mapping, "a mapping of model id to tokens per minute")
    for model_id, quota in quotas.items():
        if model_id not in approved:
            raise ValueError(
                f"{argument}[{model_id!r}]: not an approved model; use one of {', '.join(sorted(approved))}"
            )
        if isinstance(quota, bool) or not isinstance(quota, int) or not 0 < quota <= MAX_THRESHOLD:
            raise ValueError(
                f"{argument}[{model_id!r}]: {quota!r} must be a positive number of tokens per minute"
            )


def validate_subscribers(
    email_argument: str, emails: Sequence[str], https_argument: str, urls: Sequence[str]
) -> None:
    """Raise naming the argument and index of the first address or URL that is not one."""
    for index, email in enumerate(require_list(email_argument, emails, "a list of email addresses")):
        require_email(f"{email_argument}[{index}]", email)
    require_unique(email_argument, list(emails))
    for index, url in enumerate(require_list(https_argument, urls, "a list of https:// URLs")):
        require_https_url(f"{https_argument}[{index}]", url)
    require_unique(https_argument, list(urls))


class BedrockMonitoring(Construct):
    """Bedrock alarms per approved model, guardrail and logging alarms, a dashboard, and the alarm topic.

    Attributes: ``topic``, ``encryption_key`` (``None`` with your own topic), ``alarms`` (all of
    them), ``dashboard``, ``tamper_rule`` (with ``invocation_logging``: the EventBridge rule on
    changes to the logging setting made outside the landing zone).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Sequence[BedrockModel],
        topic: sns.ITopic | None = None,
        encryption_key: kms.IKey | None = None,
        email_subscribers: Sequence[str] = (),
        https_subscribers: Sequence[str] = (),
        guardrail: BedrockGuardrail | None = None,
        invocation_logging: ModelInvocationLogging | None = None,
        teams: Sequence[BedrockTeam] = (),
        tpm_quotas: Mapping[str, int] | None = None,
        thresholds: AlarmThresholds | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param models: the approved models; each gets its own alarms and dashboard row.
        :param topic: where alarms (and budgets) notify. Default: a new topic encrypted with a
            customer-managed key that CloudWatch and Budgets may use, TLS-only.
        :param encryption_key: the new topic's key. Default: a new key with rotation.
        :param email_subscribers: addresses subscribed to a new topic. Default: none.
        :param https_subscribers: HTTPS endpoints subscribed to a new topic. Default: none.
        :param guardrail: adds an alarm on its interventions. Default: none.
        :param invocation_logging: adds alarms on log delivery failures and on drift of the logging
            setting, and an EventBridge rule that notifies the topic of any change to the setting made
            outside the landing zone (your own topic must let ``events.amazonaws.com`` publish). Default: none.
        :param teams: adds a dashboard row per team. Default: none.
        :param tpm_quotas: tokens-per-minute quota per model id, for ``EstimatedTPMQuotaUsage`` alarms.
            Default: no quota alarms.
        :param thresholds: Default: :class:`AlarmThresholds` defaults.
        :param removal_policy: for the new key. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        models = require_models("models", models, fix="name the approved models to watch")
        if thresholds is None:
            thresholds = AlarmThresholds()
        require_type("thresholds", thresholds, AlarmThresholds, "an AlarmThresholds")
        thresholds.validate()
        require_interface("topic", topic, "topic_arn", "an sns.ITopic", optional=True)
        require_key("encryption_key", encryption_key)
        validate_subscribers("email_subscribers", email_subscribers, "https_subscribers", https_subscribers)
        if topic is not None and (email_subscribers or https_subscribers or encryption_key is not None):
            raise ValueError(
                "email_subscribers, https_subscribers, encryption_key: apply to a new topic only; subscribe your own topic yourself"
            )
        if guardrail is not None:
            require_type("guardrail", guardrail, BedrockGuardrail, "a BedrockGuardrail")
        if invocation_logging is not None:
            require_type(
                "invocation_logging", invocation_logging, ModelInvocationLogging, "a ModelInvocationLogging"
            )
        for index, team in enumerate(require_list("teams", teams, "a list of BedrockTeam")):
            require_type(f"teams[{index}]", team, BedrockTeam, "a BedrockTeam")
        validate_tpm_quotas("tpm_quotas", tpm_quotas, {m.model_id for m in models})
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)

        self.encryption_key: kms.IKey | None = None
        if topic is None:
            topic = self._create_topic(encryption_key, removal_policy, email_subscribers, https_subscribers)
        self.topic: sns.ITopic = topic
        self._action = cloudwatch_actions.SnsAction(topic)
        self.alarms: list[cloudwatch.Alarm] = []
        self.thresholds = thresholds
        self.tamper_rule: events.Rule | None = None

        for model, alarm_id in zip(models, _alarm_ids(models), strict=True):
            self._model_alarms(model, alarm_id, (tpm_quotas or {}).get(model.model_id))
        if guardrail is not None:
            self._alarm(
                self,
                "GuardrailInterventions",
                guardrail.metric_invocations_intervened(),
                threshold=thresholds.guardrail_interventions,
                evaluation_periods=1,
                description="The guardrail blocked or masked unusually many requests: probing or a misbehaving app",
            )
        if invocation_logging is not None:
            for name, metric in (
                (
                    "LogS3DeliveryFailures",
                    invocation_logging.metric_model_invocation_logs_s3_delivery_failure(),
                ),
                (
                    "LogCloudWatchDeliveryFailures",
                    invocation_logging.metric_model_invocation_logs_cloud_watch_delivery_failure(),
                ),
                (
                    "LogLargeDataDeliveryFailures",
                    invocation_logging.metric_model_invocation_large_data_s3_delivery_failure(),
                ),
            ):
                self._alarm(
                    self,
                    name,
                    metric,
                    threshold=0,
                    evaluation_periods=1,
                    description="Invocation logs are being lost: evidence is missing",
                )
            self._watch_logging_setting(invocation_logging)
        self.dashboard = self._dashboard(models, teams)

    def _watch_logging_setting(self, invocation_logging: ModelInvocationLogging) -> None:
        """Alarm when the logging setting drifts from the landing zone's, and on any change to it made
        outside the landing zone (docs/evidence.md, "Tamper evidence")."""
        drift = self._alarm(
            self,
            "LoggingConfigurationDrift",
            invocation_logging.metric_configuration_drift(),
            threshold=0,
            # Two half hours in a row: a check that ran while a deploy changed the setting never alarms.
            evaluation_periods=DRIFT_PERIODS_TO_ALARM,
            datapoints_to_alarm=DRIFT_PERIODS_TO_ALARM,
            # A check that stops reporting is as bad as one that finds drift.
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            description="Model invocation logging is not as the landing zone set it (or could not be checked): "
            "invocations may be going unrecorded",
        )
        # The handler writes the first data point; an alarm created before it would start in ALARM.
        drift.node.add_dependency(invocation_logging.configuration)

        rule = events.Rule(
            self,
            "LoggingConfigurationChanged",
            description="secure-bedrock: model invocation logging changed outside the landing zone",
            event_pattern=invocation_logging.tamper_event_pattern(),
        )
        rule.add_target(_PublishTo(self.topic, tamper_message()))
        self.tamper_rule = rule
        added = self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowTheTamperRuleToPublish",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
            )
        )
        if self.encryption_key is not None:
            # The data key for the rule's message. SNS's KMS calls for an EventBridge publisher are not
            # documented to carry aws:SourceAccount or aws:SourceArn, and a condition the request lacks
            # would drop every notification; the topic policy above (ArnEquals the rule's ARN) is the
            # gate, and this key encrypts only this construct's topic.
            self.encryption_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowEventBridgeRulesToPublish",
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                    resources=["*"],
                )
            )
        if not added.statement_added:
            Annotations.of(self).add_warning_v2(
                "secure-bedrock:tamper-rule-topic",
                "topic: your topic's policy (and its key's) must let events.amazonaws.com publish for the rule "
                f"{self.node.path}/LoggingConfigurationChanged, or its notifications are dropped",
            )

    def _create_topic(
        self, key: kms.IKey | None, removal_policy: RemovalPolicy, emails: Sequence[str], urls: Sequence[str]
    ) -> sns.Topic:
        stack = Stack.of(self)
        key = key or create_key(
            self, "Key", purpose="Bedrock alarms and budget notifications", removal_policy=removal_policy
        )
        self.encryption_key = key
        allow_service(
            key,
            self,
            sid="AllowCloudWatchAlarmsToPublish",
            service="cloudwatch.amazonaws.com",
            actions=["kms:GenerateDataKey*", "kms:Decrypt"],
            source_arn=alarm_source_arn(self),
        )
        allow_service(
            key,
            self,
            sid="AllowBudgetsToPublish",
            service="budgets.amazonaws.com",
            actions=["kms:GenerateDataKey*", "kms:Decrypt"],
            source_arn=budgets_source_arn(self),
        )
        topic = sns.Topic(
            self, "Topic", display_name="secure-bedrock alarms", master_key=key, enforce_ssl=True
        )
        # A topic policy replaces SNS's default one, which let the account's principals (and so
        # CloudWatch alarm actions) publish: every publisher is named here.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": alarm_source_arn(self)},
                },
            )
        )
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowBudgetsToPublish",
                principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": budgets_source_arn(self)},
                },
            )
        )
        for email in emails:
            topic.add_subscription(subscriptions.EmailSubscription(email))
        for url in urls:
            topic.add_subscription(
                subscriptions.UrlSubscription(url, protocol=sns.SubscriptionProtocol.HTTPS)
            )
        return topic

    def _alarm(
        self,
        scope: Construct,
        construct_id: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        evaluation_periods: int,
        description: str,
        datapoints_to_alarm: int | None = None,
        treat_missing_data: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            scope,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=treat_missing_data,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        self.alarms.append(alarm)
        return alarm

    def _model_alarms(self, model: BedrockModel, alarm_id: str, tpm_quota: int | None) -> None:
        scope = Construct(self, alarm_id)
        model_id = model.model_id
        t = self.thresholds
        minute = Duration.minutes(1)

        self._alarm(
            scope,
            "ServerErrors",
            model_metric(model_id, "InvocationServerErrors", period=minute),
            threshold=t.server_errors,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            description=f"{model_id}: Bedrock server errors; retry with backoff, check the AWS Health Dashboard",
        )
        self._alarm(
            scope,
            "ClientErrors",
            model_metric(model_id, "InvocationClientErrors"),
            threshold=t.client_errors,
            evaluation_periods=1,
            description=f"{model_id}: many denied or invalid calls; a misconfigured app or someone probing",
        )
        self._alarm(
            scope,
            "Throttles",
            model_metric(model_id, "InvocationThrottles", period=minute),
            threshold=t.throttles,
            evaluation_periods=5,
            datapoints_to_alarm=3,
            description=f"{model_id}: calls are throttled; raise the quota or spread the load",
        )
        for percentile, threshold in (("p90", t.latency_p90_ms), ("p99", t.latency_p99_ms)):
            self._alarm(
                scope,
                f"Latency{percentile.upper()}",
                model_metric(model_id, "InvocationLatency", statistic=percentile),
                threshold=threshold,
                evaluation_periods=3,
                description=f"{model_id}: {percentile} latency above {threshold} ms",
            )
        for metric_name in ("InputTokenCount", "OutputTokenCount", "Invocations"):
            anomaly = cloudwatch.AnomalyDetectionAlarm(
                scope,
                f"{metric_name}Anomaly",
                metric=model_metric(model_id, metric_name),
                std_devs=t.anomaly_std_devs,
                evaluation_periods=t.anomaly_evaluation_periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
                # Idle periods are not evidence either way; a spike is.
                treat_missing_data=cloudwatch.TreatMissingData.IGNORE,
                alarm_description=(
                    f"{model_id}: {metric_name} far above its usual band; sudden token spikes are the usual sign of "
                    "abuse or a runaway application"
                ),
            )
            anomaly.add_alarm_action(self._action)
            self.alarms.append(anomaly)
        if tpm_quota is not None:
            self._alarm(
                scope,
                "QuotaUsage",
                model_metric(model_id, "EstimatedTPMQuotaUsage", statistic="Maximum", period=minute),
                threshold=tpm_quota * t.quota_fraction,
                evaluation_periods=3,
                description=f"{model_id}: above {t.quota_fraction:.0%} of the tokens-per-minute quota ({tpm_quota})",
            )

    def _dashboard(
        self, models: Sequence[BedrockModel], teams: Sequence[BedrockTeam]
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(24))
        for model in models:
            model_id = model.model_id
            dashboard.add_widgets(
                cloudwatch.TextWidget(markdown=f"### {model_id}", width=24, height=1),
                cloudwatch.GraphWidget(title="Invocations and errors", left=[
                    model_metric(model_id, name) for name in ("Invocations", "InvocationClientErrors", "InvocationServerErrors", "InvocationThrottles")
                ], width=8),
                cloudwatch.GraphWidget(title="Latency p90 / p99", left=[
                    model_metric(model_id, "InvocationLatency", statistic=p) for p in ("p90", "p99")
                ], width=8),
                cloudwatch.GraphWidget(title="Tokens", left=[
                    model_metric(model_id, name) for name in ("InputTokenCount", "OutputTokenCount")
                ], width=8),
            )  # fmt: skip
        for team in teams:
            dashboard.add_widgets(team_tokens_widget(team))
        return dashboard
