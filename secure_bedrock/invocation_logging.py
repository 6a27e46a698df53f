"""Model invocation logging as code: where Bedrock writes every prompt and response, and the setting itself.

Bedrock has one invocation-logging configuration per account and region and no CloudFormation
resource for it. ``ModelInvocationLogging`` creates the destinations (a KMS-encrypted evidence
bucket and log group, the delivery role) and sets the configuration through a custom resource
backed by our own handler (``handlers/invocation_logging``), which restores the previous setting
when the stack is deleted.

Invocation logs hold full prompts and responses: with PHI they are PHI stores. They are encrypted
with a customer-managed key and kept six years by default.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, Aws, CustomResource, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from secure_bedrock import actions
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_bool,
    require_construct,
    require_int_range,
    require_interface,
    require_key,
    require_removal_policy,
    require_retention,
    require_subnet_selection,
    require_type,
)
from secure_bedrock.acknowledgements import acknowledge_wildcard_resources
from secure_bedrock.encryption import (
    allow_service,
    bedrock_source_arn,
    create_key,
    encrypted_log_group,
    log_group_arn_pattern,
    log_group_name_for,
)
from secure_bedrock.functions import CUSTOM_RESOURCE_TIMEOUT, HardenedFunction, library_handler
from secure_bedrock.grants import grant_statements
from secure_bedrock.logging_watch import (
    DEFAULT_CHECK_EVERY,
    DRIFT_PERIOD,
    InvocationLoggingWatch,
    drift_metric,
    drift_metric_filter,
    require_check_every,
    tamper_event_pattern,
)
from secure_bedrock.network import BedrockEndpointService, BedrockPrivateNetwork
from secure_bedrock.organization import EVIDENCE_WRITER_TAG, LOGGING_WRITER
from secure_bedrock.storage import (
    DEFAULT_TRANSITION_DAYS,
    MAX_RETENTION_DAYS,
    SIX_YEARS_IN_DAYS,
    ObjectLock,
    SecureLogBucket,
    evidence_read_statements,
    require_object_lock,
)

#: The handler's code: the library's handlers asset, entry point ``handlers.invocation_logging.index.handler``.
HANDLER_CODE, HANDLER_EXCLUDE, HANDLER_ENTRY = library_handler("invocation_logging")
#: What the handler calls on Bedrock's control plane.
HANDLER_CONTROL_PLANE_ACTIONS: tuple[str, ...] = (
    "bedrock:GetModelInvocationLoggingConfiguration",
    *actions.LOGGING_CONFIGURATION_WRITE_ACTIONS,
)
#: The log stream Bedrock writes to in the log group.
LOG_STREAM = "aws/bedrock/modelinvocations"
#: Where the handler keeps the configuration it found at Create (never expired by the lifecycle).
STATE_PREFIX = "secure-bedrock-state/invocation-logging"
#: The SSM parameter through which one landing zone claims the account and region's setting.
CLAIM_PARAMETER = "/secure-bedrock/model-invocation-logging/owner"
_KEY_PREFIX_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _require_one_per_account_and_region(scope: Construct) -> None:
    """Raise if the app already sets invocation logging for this stack's account and region: the setting
    is one per account and region, so two would take it from each other (the claim parameter would
    stop the second at deploy time; this says so at synth). Stacks without a concrete account or region
    may deploy anywhere: only a second one in the same stack is refused for them."""
    stack = Stack.of(scope)
    concrete = not is_token(stack.account) and not is_token(stack.region)
    for node in scope.node.root.node.find_all():
        if not isinstance(node, ModelInvocationLogging):
            continue
        other = Stack.of(node)
        if other is stack or (concrete and (other.account, other.region) == (stack.account, stack.region)):
            where = "this stack" if other is stack else f"account {stack.account} in {stack.region}"
            raise ValueError(
                f"construct_id: {node.node.path!r} already sets the model invocation logging of {where}, which "
                "is one setting per account and region; use that one (or put the stacks in different accounts "
                "or regions)"
            )


class ModelInvocationLogging(Construct):
    """Bedrock model invocation logging to an encrypted bucket and log group, set for this account and region.

    Only one configuration exists per account and region, and one landing zone owns it (it claims it
    with the SSM parameter ``/secure-bedrock/model-invocation-logging/owner``). Deploying over a
    configuration someone else set fails unless ``adopt_existing=True``; when the stack is deleted the
    handler puts back what was there before (or deletes its own if there was none), and never fails:
    when that is impossible it leaves its configuration delivering to the retained stores and says why.
    docs/evidence.md, "Who owns the logging setting", has every case.

    Attributes: ``encryption_key``, ``bucket`` (a :class:`SecureLogBucket`), ``log_group``,
    ``delivery_role``, ``handler`` (a :class:`HardenedFunction`), ``configuration`` (the custom
    resource, id ``Resource``), ``logging_config`` (the ``loggingConfig`` the handler sends),
    ``claim`` (the SSM parameter), ``watch`` (an :class:`InvocationLoggingWatch`, the drift check).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        network: BedrockPrivateNetwork | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        encryption_key: kms.IKey | None = None,
        server_access_logs_bucket: s3.IBucket | None = None,
        key_prefix: str = "bedrock",
        text: bool = True,
        image: bool = True,
        embedding: bool = True,
        video: bool = True,
        audio: bool = True,
        retention_days: int = SIX_YEARS_IN_DAYS,
        log_retention: logs.RetentionDays = logs.RetentionDays.SIX_YEARS,
        object_lock: ObjectLock | None = None,
        adopt_existing: bool = False,
        drift_check_every: Duration = DEFAULT_CHECK_EVERY,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param network: the private network the configuration handler runs in. The handler reaches
            Bedrock's control plane through the network's ``bedrock`` endpoint, whose policy this
            construct extends to admit the handler's calls. Give ``network`` or ``vpc``.
        :param vpc: a VPC of your own for the handler, instead of ``network``. It needs a ``bedrock``
            interface endpoint with private DNS whose policy admits the handler's role
            (``handler.role``) to get, put and delete the logging configuration, and an S3 gateway
            endpoint (the handler's state, CloudFormation's response URL).
        :param vpc_subnets: the handler's subnets. Default: the VPC's isolated subnets, or its private subnets with egress where it has no isolated ones (never public).
        :param encryption_key: encrypts the logs, the handler's log group and its dead-letter queue.
            Default: a new customer-managed key with rotation, for invocation logs only.
        :param server_access_logs_bucket: where access to the log bucket is recorded.
            Default: a new access-log bucket.
        :param key_prefix: the S3 key prefix of the logs. Default: ``bedrock``.
        :param text: log text prompts and responses. Default: ``True``.
        :param image: log images. Default: ``True``.
        :param embedding: log embeddings. Default: ``True``.
        :param video: log video. Default: ``True``.
        :param audio: log audio. Default: ``True``.
        :param retention_days: days the bucket keeps each log object. Default: 2192 (six years).
        :param log_retention: how long the log group keeps logs. Default: six years.
        :param object_lock: WORM retention for the bucket. Default: none.
        :param adopt_existing: take over a logging configuration that someone else set in the account
            and region (it is saved, and put back when the stack is deleted). Default: ``False``: the
            deploy stops with a reason that says what is configured.
        :param drift_check_every: how often a read-only check compares the live configuration with
            this one (:meth:`metric_configuration_drift`). Default: 15 minutes (5 to 15).
        :param removal_policy: for the key, bucket and log groups. Default: ``RETAIN``. The delivery
            role and the bucket's policy are always retained, so that a configuration left in place
            on deletion keeps delivering.
        """
        require_construct(scope, construct_id)
        _require_one_per_account_and_region(scope)
        if network is not None:
            require_type("network", network, BedrockPrivateNetwork, "a BedrockPrivateNetwork")
            if vpc is not None:
                raise ValueError("network, vpc: give one; the handler runs in the network's VPC")
            network.endpoint(BedrockEndpointService.CONTROL)  # raises naming the missing endpoint
            vpc = network.vpc
        elif vpc is None:
            raise ValueError(
                "network, vpc: give the BedrockPrivateNetwork the handler runs in (or a VPC of your own "
                "with a 'bedrock' interface endpoint and an S3 gateway endpoint)"
            )
        require_interface("vpc", vpc, "vpc_id", "an ec2.IVpc")
        require_subnet_selection(
            "vpc_subnets", vpc_subnets, vpc, default_type=ec2.SubnetType.PRIVATE_ISOLATED
        )
        require_key("encryption_key", encryption_key)
        require_interface(
            "server_access_logs_bucket",
            server_access_logs_bucket,
            "bucket_arn",
            "an s3.IBucket",
            optional=True,
        )
        require_type("key_prefix", key_prefix, str, "an S3 key prefix such as 'bedrock'")
        if not is_token(key_prefix) and (
            not key_prefix or not set(key_prefix) <= _KEY_PREFIX_CHARS or len(key_prefix) > 200
        ):
            raise ValueError(
                f"key_prefix: {key_prefix!r} must be 1-200 letters, digits, '-', '_' or '.', e.g. 'bedrock'"
            )
        flags = {"text": text, "image": image, "embedding": embedding, "video": video, "audio": audio}
        for name, value in flags.items():
            require_bool(name, value)
        if not any(flags.values()):
            raise ValueError(
                "text, image, embedding, video, audio: all are False; log at least text (set text=True)"
            )
        require_int_range(
            "retention_days",
            retention_days,
            DEFAULT_TRANSITION_DAYS + 1,
            MAX_RETENTION_DAYS,
            f"log objects move to colder storage after {DEFAULT_TRANSITION_DAYS} days, so keep them longer",
        )
        require_object_lock("object_lock", object_lock)
        require_bool("adopt_existing", adopt_existing)
        require_check_every("drift_check_every", drift_check_every)
        require_retention("log_retention", log_retention)
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)

        self.encryption_key: kms.IKey = encryption_key or create_key(
            self,
            "Key",
            purpose="Bedrock model invocation logs (prompts and responses)",
            removal_policy=removal_policy,
        )
        large_data_prefix = f"{key_prefix}-large-data"
        self.log_prefixes: tuple[str, ...] = (f"{key_prefix}/", f"{large_data_prefix}/")
        """The key prefixes Bedrock writes the logs under (the handler's state is elsewhere)."""
        self.bucket = SecureLogBucket(
            self,
            "Bucket",
            encryption_key=self.encryption_key,
            server_access_logs_bucket=server_access_logs_bucket,
            retention_days=retention_days,
            object_lock=object_lock,
            # The logs age out; the handler's state (under STATE_PREFIX) lives as long as the stack.
            expire_prefixes=list(self.log_prefixes),
            removal_policy=removal_policy,
        )
        bucket = self.bucket.bucket
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AmazonBedrockLogsWrite",
                principals=[iam.ServicePrincipal("bedrock.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[
                    bucket.arn_for_objects(f"{prefix}/AWSLogs/{stack.account}/BedrockModelInvocationLogs/*")
                    for prefix in (key_prefix, large_data_prefix)
                ],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": bedrock_source_arn(self)},
                },
            )
        )
        allow_service(
            self.encryption_key,
            self,
            sid="AllowBedrockInvocationLogDelivery",
            service="bedrock.amazonaws.com",
            actions=["kms:GenerateDataKey"],
            source_arn=bedrock_source_arn(self),
        )

        self.log_group = encrypted_log_group(
            self,
            "LogGroup",
            key=self.encryption_key,
            purpose="model-invocations",
            retention=log_retention,
            removal_policy=removal_policy,
        )
        log_group_name = log_group_name_for(self, "model-invocations")
        self.delivery_role = iam.Role(
            self,
            "DeliveryRole",
            description="Lets Bedrock deliver model invocation logs to one log group",
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": bedrock_source_arn(self)},
                },
            ),
        )
        delivery_policy = iam.ManagedPolicy(
            self,
            "DeliveryPolicy",
            description="Write Bedrock model invocation logs to one log stream",
            roles=[self.delivery_role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[
                        stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name=f"{log_group_name}:log-stream:{LOG_STREAM}",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                )
            ],
        )

        self.logging_config: dict[str, Any] = {
            "s3Config": {"bucketName": bucket.bucket_name, "keyPrefix": key_prefix},
            "cloudWatchConfig": {
                "logGroupName": log_group_name,
                "roleArn": self.delivery_role.role_arn,
                "largeDataDeliveryS3Config": {
                    "bucketName": bucket.bucket_name,
                    "keyPrefix": large_data_prefix,
                },
            },
            "textDataDeliveryEnabled": text,
            "imageDataDeliveryEnabled": image,
            "embeddingDataDeliveryEnabled": embedding,
            "videoDataDeliveryEnabled": video,
            "audioDataDeliveryEnabled": audio,
        }

        # Evidence must outlive the stack: if the configuration stays in place when the stack is deleted
        # (what came before cannot be put back), Bedrock keeps delivering with this role and policy.
        for retained in (self.delivery_role, delivery_policy, bucket.policy):
            if retained is not None:
                retained.apply_removal_policy(RemovalPolicy.RETAIN)

        stack_state_objects = bucket.arn_for_objects(f"{STATE_PREFIX}/*")
        self.handler = HardenedFunction(
            self,
            "Handler",
            code_path=HANDLER_CODE,
            code_exclude=HANDLER_EXCLUDE,
            handler=HANDLER_ENTRY,
            description="secure-bedrock: sets the account's Bedrock model invocation logging configuration",
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            encryption_key=self.encryption_key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            statements=[
                iam.PolicyStatement(
                    sid="ManageInvocationLoggingConfiguration",
                    actions=list(HANDLER_CONTROL_PLANE_ACTIONS),
                    # The logging configuration is an account setting: these accept no resource. This
                    # region's setting only.
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
                ),
                iam.PolicyStatement(
                    # Its own delivery role, and the role of a configuration it took over and puts back
                    # when the stack is deleted (Bedrock checks iam:PassRole on it); to Bedrock only.
                    sid="PassDeliveryRolesToBedrock",
                    actions=["iam:PassRole"],
                    resources=[
                        stack.format_arn(service="iam", region="", resource="role", resource_name="*")
                    ],
                    conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
                ),
                iam.PolicyStatement(
                    sid="KeepState",
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    resources=[stack_state_objects],
                ),
                iam.PolicyStatement(
                    # An Update that replaces the bucket moves the state from the old one (retained).
                    sid="MoveStateFromAnEarlierBucket",
                    actions=["s3:GetObject", "s3:DeleteObject"],
                    resources=[f"arn:{stack.partition}:s3:::*/{STATE_PREFIX}/*"],
                    conditions={"StringEquals": {"s3:ResourceAccount": stack.account}},
                ),
                iam.PolicyStatement(
                    # Without it a missing state object reads as AccessDenied instead of NoSuchKey.
                    sid="FindState",
                    actions=["s3:ListBucket"],
                    resources=[f"arn:{stack.partition}:s3:::*"],
                    conditions={
                        "StringLike": {"s3:prefix": f"{STATE_PREFIX}/*"},
                        "StringEquals": {"s3:ResourceAccount": stack.account},
                    },
                ),
                iam.PolicyStatement(
                    sid="EncryptState",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
                ),
            ],
        )
        # The organization's SCP (ProtectInvocationLogging) lets this role, and the deployment roles, set
        # the logging configuration; only the deployment roles may tag a role so (ProtectLandingZoneTag).
        Tags.of(self.handler.role).add(EVIDENCE_WRITER_TAG, LOGGING_WRITER)
        acknowledge_wildcard_resources(
            self.handler.policy,
            [
                stack_state_objects,
                f"arn:{stack.partition}:s3:::*/{STATE_PREFIX}/*",
                f"arn:{stack.partition}:s3:::*",
                stack.format_arn(service="iam", region="", resource="role", resource_name="*"),
            ],
            "The handler's state objects under one prefix (in this bucket, or in the bucket it replaced, of this "
            "account only), and passing a role to Bedrock only: the role of a configuration it took over, named "
            "only when it is put back.",
        )

        # The claim: one landing zone per account and region owns the setting. CloudFormation creates
        # the parameter before the handler runs and refuses a second one of the same name, so a second
        # landing zone (deployed after or at the same time) fails here, before touching the setting.
        self.claim = ssm.StringParameter(
            self,
            "Claim",
            parameter_name=CLAIM_PARAMETER,
            description="secure-bedrock: the landing zone that owns this account and region's model invocation logging",
            string_value=stack.to_json_string(
                {
                    "stackId": Aws.STACK_ID,
                    "construct": self.node.path,
                    "bucket": bucket.bucket_name,
                    "logGroup": log_group_name,
                }
            ),
        )

        self.handler.answer_custom_resource(CUSTOM_RESOURCE_TIMEOUT)
        self.configuration = CustomResource(
            self,
            "Resource",
            service_token=self.handler.function.function_arn,
            resource_type="Custom::BedrockModelInvocationLogging",
            service_timeout=CUSTOM_RESOURCE_TIMEOUT,
            properties={
                "LoggingConfig": self.logging_config,
                "StateBucket": bucket.bucket_name,
                "StatePrefix": STATE_PREFIX,
                "AdoptExisting": adopt_existing,
            },
        )
        # The handler reports the first drift data point after each Create and Update.
        handler_drift = drift_metric_filter(self, "HandlerDriftMetric", self.handler.log_group)
        # Bedrock checks its destinations when the configuration is put; the claim comes first.
        for dependency in (bucket.policy, delivery_policy, self.log_group, self.claim, handler_drift):
            if dependency is not None:
                self.configuration.node.add_dependency(dependency)

        self.watch = InvocationLoggingWatch(
            self,
            "Watch",
            expected=self.logging_config,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            encryption_key=self.encryption_key,
            every=drift_check_every,
            log_retention=log_retention,
            removal_policy=removal_policy,
        )
        # A check with the new expected configuration must not run before the handler has set it.
        self.watch.schedule.node.add_dependency(self.configuration)
        if network is not None:
            # The handler and the check call the control plane through the endpoint, so the endpoint
            # must admit them and exist (with its private DNS name) before the handler runs.
            network.allow_control_plane_calls(
                "LoggingHandlerSetsTheConfiguration", self.handler.role, HANDLER_CONTROL_PLANE_ACTIONS
            )
            network.allow_control_plane_calls(
                "LoggingDriftCheckReadsTheConfiguration",
                self.watch.checker.role,
                ("bedrock:GetModelInvocationLoggingConfiguration",),
            )
            self.configuration.node.add_dependency(network)

    # --- metrics --------------------------------------------------------------------------------

    @staticmethod
    def metric_configuration_drift(period: Duration | None = None) -> cloudwatch.Metric:
        """``InvocationLoggingConfigurationDrift`` (``Maximum``): 1 when a check found the account's
        configuration not this one (or could not read it); a check every ``drift_check_every``."""
        return drift_metric(period or DRIFT_PERIOD)

    def tamper_event_pattern(self) -> events.EventPattern:
        """CloudTrail's record of a Put or Delete of the logging configuration by anyone but this
        construct's handler: for an EventBridge rule (``BedrockMonitoring`` makes one)."""
        return tamper_event_pattern(self.handler.role.role_arn)

    @staticmethod
    def metric(
        metric_name: str, *, period: Duration | None = None, statistic: str = "Sum"
    ) -> cloudwatch.Metric:
        """An account-wide ``AWS/Bedrock`` delivery metric ("across all model IDs")."""
        return cloudwatch.Metric(
            namespace="AWS/Bedrock",
            metric_name=metric_name,
            period=period or Duration.minutes(5),
            statistic=statistic,
        )

    def metric_model_invocation_logs_cloud_watch_delivery_success(self, **options: Any) -> cloudwatch.Metric:
        """Invocation logs delivered to CloudWatch Logs."""
        return self.metric("ModelInvocationLogsCloudWatchDeliverySuccess", **options)

    def metric_model_invocation_logs_cloud_watch_delivery_failure(self, **options: Any) -> cloudwatch.Metric:
        """Invocation logs that could not be delivered to CloudWatch Logs."""
        return self.metric("ModelInvocationLogsCloudWatchDeliveryFailure", **options)

    def metric_model_invocation_logs_s3_delivery_success(self, **options: Any) -> cloudwatch.Metric:
        """Invocation logs delivered to S3."""
        return self.metric("ModelInvocationLogsS3DeliverySuccess", **options)

    def metric_model_invocation_logs_s3_delivery_failure(self, **options: Any) -> cloudwatch.Metric:
        """Invocation logs that could not be delivered to S3."""
        return self.metric("ModelInvocationLogsS3DeliveryFailure", **options)

    def metric_model_invocation_large_data_s3_delivery_success(self, **options: Any) -> cloudwatch.Metric:
        """Large payloads (over 100 KB, binary) delivered to S3."""
        return self.metric("ModelInvocationLargeDataS3DeliverySuccess", **options)

    def metric_model_invocation_large_data_s3_delivery_failure(self, **options: Any) -> cloudwatch.Metric:
        """Large payloads that could not be delivered to S3."""
        return self.metric("ModelInvocationLargeDataS3DeliveryFailure", **options)

    # --- read access ----------------------------------------------------------------------------

    def read_statements(self) -> list[iam.PolicyStatement]:
        """What reading the invocation logs takes: the bucket, the log group, decrypt through S3 and Logs."""
        return evidence_read_statements(
            self,
            name="InvocationLogs",
            bucket=self.bucket.bucket,
            objects="*",
            log_group=self.log_group,
            key=self.encryption_key,
        )

    def deny_read_statements(
        self, *, sid_prefix: str = "NeverReadInvocationLogs"
    ) -> list[iam.PolicyStatement]:
        """Denies of every way to read the invocation logs or send them elsewhere: their objects, the
        bucket's policy, ACL and replication, the log group's events (queries, live tail,
        subscriptions, exports, metric filters, integrations), decrypting with their key, and the
        account-wide export settings. For roles that must administer Bedrock without seeing PHI."""
        log_group_name = log_group_name_for(self, "model-invocations")
        bucket = self.bucket.bucket
        return [
            iam.PolicyStatement(
                sid=f"{sid_prefix}Objects",
                effect=iam.Effect.DENY,
                actions=list(actions.OBJECT_READ_ACTIONS),
                resources=[bucket.arn_for_objects("*")],
            ),
            iam.PolicyStatement(
                sid=f"{sid_prefix}Bucket",
                effect=iam.Effect.DENY,
                actions=list(actions.BUCKET_EXPOSURE_ACTIONS),
                resources=[bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                sid=f"{sid_prefix}Events",
                effect=iam.Effect.DENY,
                actions=list(actions.LOG_READ_ACTIONS),
                # CloudWatch Logs authorizes most calls on NAME:* (which also covers the streams), a few on NAME.
                resources=[
                    log_group_arn_pattern(self, log_group_name),
                    log_group_arn_pattern(self, f"{log_group_name}:*"),
                ],
            ),
            iam.PolicyStatement(
                sid=f"{sid_prefix}Key",
                effect=iam.Effect.DENY,
                actions=list(actions.KEY_DECRYPT_ACTIONS),
                resources=[self.encryption_key.key_arn],
            ),
            iam.PolicyStatement(
                sid=f"{sid_prefix}AccountWide",
                effect=iam.Effect.DENY,
                actions=list(actions.ACCOUNT_WIDE_EXPORT_ACTIONS),
                resources=["*"],
            ),
        ]

    def pass_delivery_role_statement(self) -> iam.PolicyStatement:
        """``iam:PassRole`` of the delivery role, to Bedrock only: what setting the configuration takes."""
        return iam.PolicyStatement(
            sid="PassTheDeliveryRoleToBedrock",
            actions=["iam:PassRole"],
            resources=[self.delivery_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
        )

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the invocation logs (bucket, log group, and decrypt through them)."""
        return grant_statements(grantee, self.read_statements())
