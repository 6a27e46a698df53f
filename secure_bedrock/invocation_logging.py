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

from aws_cdk import ArnFormat, CustomResource, Duration, Names, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
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
from secure_bedrock.encryption import (
    allow_service,
    bedrock_source_arn,
    create_key,
    encrypted_log_group,
    log_group_arn_pattern,
    log_group_name_for,
)
from secure_bedrock.functions import HardenedFunction, library_handler
from secure_bedrock.grants import grant_statements
from secure_bedrock.network import BedrockEndpointService, BedrockPrivateNetwork
from secure_bedrock.storage import (
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
#: Where the handler keeps the configuration it found at Create.
STATE_PREFIX = "secure-bedrock-state/invocation-logging"
_KEY_PREFIX_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class ModelInvocationLogging(Construct):
    """Bedrock model invocation logging to an encrypted bucket and log group, set for this account and region.

    Only one configuration exists per account and region: deploy this construct once per
    account and region. When its stack is deleted the handler puts back the configuration that was
    there before (or deletes it if there was none), unless someone has changed it since.

    Attributes: ``encryption_key``, ``bucket`` (a :class:`SecureLogBucket`), ``log_group``,
    ``delivery_role``, ``handler`` (a :class:`HardenedFunction`), ``configuration`` (the custom
    resource, id ``Resource``), ``logging_config`` (the ``loggingConfig`` the handler sends).
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
        :param vpc_subnets: the handler's subnets. Default: the VPC's isolated subnets.
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
        :param removal_policy: for the key, bucket and log groups. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
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
        require_int_range("retention_days", retention_days, 1, MAX_RETENTION_DAYS)
        require_object_lock("object_lock", object_lock)
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
        self.bucket = SecureLogBucket(
            self,
            "Bucket",
            encryption_key=self.encryption_key,
            server_access_logs_bucket=server_access_logs_bucket,
            retention_days=retention_days,
            object_lock=object_lock,
            removal_policy=removal_policy,
        )
        bucket = self.bucket.bucket
        large_data_prefix = f"{key_prefix}-large-data"
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

        state_key = f"{STATE_PREFIX}/{Names.unique_id(self)}.json"
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
                self.pass_delivery_role_statement(),
                iam.PolicyStatement(
                    sid="KeepStateObject",
                    actions=["s3:GetObject", "s3:PutObject"],
                    resources=[bucket.arn_for_objects(state_key)],
                ),
                iam.PolicyStatement(
                    # Without it a missing state object reads as AccessDenied instead of NoSuchKey.
                    sid="FindStateObject",
                    actions=["s3:ListBucket"],
                    resources=[bucket.bucket_arn],
                    conditions={"StringEquals": {"s3:prefix": state_key}},
                ),
                iam.PolicyStatement(
                    sid="EncryptStateObject",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[self.encryption_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
                ),
            ],
        )

        self.configuration = CustomResource(
            self,
            "Resource",
            service_token=self.handler.function.function_arn,
            resource_type="Custom::BedrockModelInvocationLogging",
            service_timeout=Duration.minutes(5),
            properties={
                "LoggingConfig": self.logging_config,
                "StateBucket": bucket.bucket_name,
                "StateKey": state_key,
            },
        )
        # Bedrock checks its destinations when the configuration is put.
        for dependency in (bucket.policy, delivery_policy, self.log_group):
            if dependency is not None:
                self.configuration.node.add_dependency(dependency)
        if network is not None:
            # The handler calls the control plane through the endpoint, so the endpoint must admit
            # it and exist (with its private DNS name) before the handler runs.
            network.allow_control_plane_calls(
                "LoggingHandlerSetsTheConfiguration", self.handler.role, HANDLER_CONTROL_PLANE_ACTIONS
            )
            self.configuration.node.add_dependency(network)

    # --- metrics --------------------------------------------------------------------------------

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
