"""A Lambda function hardened for regulated accounts, for the library's own custom resources.

In the VPC's isolated subnets (no NAT), with a KMS-encrypted log group with retention, a
KMS-encrypted dead-letter queue, and a role whose only policy is one customer-managed policy (no
AWS-managed policies, no inline policies). It reserves no concurrency: on a new account (total
concurrency 10, all of which must stay unreserved) a reservation fails the deploy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from aws_cdk import CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    private_subnets,
    require_construct,
    require_iam_description,
    require_interface,
    require_key,
    require_list,
    require_removal_policy,
    require_retention,
    require_subnet_selection,
    require_type,
)
from secure_bedrock.acknowledgements import acknowledge, skip_checkov
from secure_bedrock.encryption import encrypted_log_group
from secure_bedrock.limit_checks import LIBRARY_FUNCTION_METADATA
from secure_bedrock.storage import log_group_read_statements

#: What a function needs to attach to and leave a VPC (the actions of AWSLambdaVPCAccessExecutionRole).
VPC_NETWORK_INTERFACE_ACTIONS: tuple[str, ...] = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
RUNTIME = lambda_.Runtime.PYTHON_3_14
#: Lambda's handler setting: up to 128 characters, no whitespace.
HANDLER_PATTERN = re.compile(r"^[^\s]{1,128}\Z")
#: The library's own handlers are one Lambda asset: the package's ``handlers`` folder and nothing
#: else of the library (their entry points are ``handlers.<name>.index.handler``).
PACKAGE_DIR = str(Path(__file__).parent)
HANDLER_ASSET_EXCLUDE: tuple[str, ...] = ("*", "!handlers", "!handlers/**")
#: Never part of an asset: byte-code caches would change it (and its hash) from one machine to the next.
_ALWAYS_EXCLUDED = ("__pycache__", "*.pyc", "**/__pycache__", "**/*.pyc")


def library_handler(name: str, module: str = "index") -> tuple[str, tuple[str, ...], str]:
    """``(code_path, code_exclude, handler)`` of the library's handler ``name`` (a folder of ``handlers``),
    entering at ``handler`` of its ``module``."""
    return PACKAGE_DIR, HANDLER_ASSET_EXCLUDE, f"handlers.{name}.{module}.handler"


#: Lambda's longest description.
MAX_DESCRIPTION = 256
#: Lambda's longest timeout.
MAX_TIMEOUT = Duration.minutes(15)
#: How long CloudFormation waits for the library's custom resources to answer.
CUSTOM_RESOURCE_TIMEOUT = Duration.minutes(5)


def dead_letter_queue(scope: Construct, construct_id: str, *, encryption_key: kms.IKey) -> sqs.Queue:
    """A function's dead-letter queue: KMS-encrypted with ``encryption_key``, TLS only, kept 14 days."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=encryption_key,
        enforce_ssl=True,
        retention_period=Duration.days(14),
    )
    acknowledge(
        queue,
        "AwsSolutions::AwsSolutions-SQS3",
        "This queue is the dead-letter queue of the function beside it; a dead-letter queue needs none of its own.",
    )
    return queue


class HardenedFunction(Construct):
    """A Python Lambda function in isolated subnets that passes the compliance packs.

    Attributes: ``function`` (id ``Resource``), ``role``, ``policy``, ``security_group``,
    ``log_group``, ``dead_letter_queue``, ``encryption_key``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code_path: str,
        description: str,
        vpc: ec2.IVpc,
        encryption_key: kms.IKey,
        statements: Sequence[iam.PolicyStatement],
        vpc_subnets: ec2.SubnetSelection | None = None,
        handler: str = "index.handler",
        code_exclude: Sequence[str] = (),
        timeout: Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.SIX_YEARS,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param code_path: the folder with the handler's code (the Lambda asset).
        :param description: what the function does.
        :param vpc: where it runs; it reaches AWS only through the VPC's endpoints.
        :param encryption_key: encrypts its log group and dead-letter queue.
        :param statements: what the function may do, besides running in the VPC, logging and
            using its dead-letter queue.
        :param vpc_subnets: its subnets. Default: the VPC's isolated subnets, or its private subnets with egress where it has no isolated ones (never public).
        :param handler: the entry point. Default: ``index.handler``.
        :param code_exclude: glob patterns of files under ``code_path`` to leave out of the asset (a
            pattern starting with ``!`` keeps what an earlier one left out). Default: none beyond
            byte-code caches.
        :param timeout: Default: one minute.
        :param log_retention: Default: six years.
        :param removal_policy: for the log group. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        require_type("code_path", code_path, str, "the path of the handler's folder")
        # os.path.isdir, unlike Path.is_dir, answers False for names the file system refuses (too long, NUL).
        if not code_path or is_token(code_path) or not os.path.isdir(code_path):
            raise ValueError(
                f"code_path: {code_path!r} is not a folder; give the folder with the handler's code"
            )
        # The description is the function's (at most 256 characters) and its role's (Latin-1 only).
        require_iam_description("description", description, MAX_DESCRIPTION)
        require_interface("vpc", vpc, "vpc_id", "an ec2.IVpc")
        require_key("encryption_key", encryption_key, optional=False)
        for index, statement in enumerate(
            require_list("statements", statements, "a list of iam.PolicyStatement")
        ):
            require_type(f"statements[{index}]", statement, iam.PolicyStatement, "an iam.PolicyStatement")
        require_subnet_selection(
            "vpc_subnets", vpc_subnets, vpc, default_type=ec2.SubnetType.PRIVATE_ISOLATED
        )
        for index, pattern in enumerate(
            require_list("code_exclude", code_exclude, "a list of glob patterns")
        ):
            require_type(f"code_exclude[{index}]", pattern, str, "a glob pattern such as '*.md'")
        require_type("handler", handler, str, "an entry point such as 'index.handler'")
        if not HANDLER_PATTERN.match(handler):
            raise ValueError(
                f"handler: {handler!r} must be 1-128 characters without spaces, e.g. 'index.handler'"
            )
        if timeout is not None:
            require_type("timeout", timeout, Duration, "a Duration, e.g. Duration.minutes(1)")
            if not timeout.is_unresolved():
                milliseconds = timeout.to_milliseconds()
                if not 1000 <= milliseconds <= MAX_TIMEOUT.to_milliseconds() or milliseconds % 1000:
                    raise ValueError(
                        f"timeout: {timeout.to_human_string()} must be whole seconds from 1 second to 15 minutes"
                    )
        require_retention("log_retention", log_retention)
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)

        self.encryption_key = encryption_key
        self.log_group = encrypted_log_group(
            self,
            "Logs",
            key=encryption_key,
            purpose="function",
            retention=log_retention,
            removal_policy=removal_policy,
        )
        self.dead_letter_queue = dead_letter_queue(self, "DeadLetterQueue", encryption_key=encryption_key)
        # Isolated subnets have no route beyond the VPC's endpoints, so HTTPS egress cannot leave it;
        # a narrower rule would need the S3 prefix-list id, which only a lookup in the account gives.
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="HTTPS to the VPC endpoints only, from a secure-bedrock custom-resource handler",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to VPC endpoints")

        self.role = iam.Role(
            self,
            "Role",
            description=description,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        key_via_services = [f"sqs.{stack.region}.amazonaws.com"]
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"{description}: runtime permissions",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="RunInTheVpc",
                    actions=list(VPC_NETWORK_INTERFACE_ACTIONS),
                    # The describe calls accept no resource, and the interfaces Lambda creates and
                    # deletes cannot be named ahead; this region's only.
                    resources=["*"],
                    conditions={"StringEquals": {"aws:RequestedRegion": stack.region}},
                ),
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                iam.PolicyStatement(
                    sid="UseOwnDeadLetterQueue",
                    actions=["sqs:SendMessage"],
                    resources=[self.dead_letter_queue.queue_arn],
                ),
                iam.PolicyStatement(
                    sid="EncryptDeadLetters",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[encryption_key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": key_via_services}},
                ),
                *statements,
            ],
        )
        acknowledge(
            self.policy,
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            "Only the EC2 network-interface actions Lambda needs to run in a VPC, and read/write calls "
            "that accept no resource-level restriction, use '*'; every other statement names its resource.",
        )

        self.function = lambda_.Function(
            self,
            "Resource",
            description=description,
            runtime=RUNTIME,
            handler=handler,
            code=lambda_.Code.from_asset(code_path, exclude=[*code_exclude, *_ALWAYS_EXCLUDED]),
            timeout=timeout or Duration.minutes(1),
            memory_size=256,
            dead_letter_queue=self.dead_letter_queue,
            log_group=self.log_group,
            # CDK's automatic grants would land in an inline default policy; the managed policy above
            # already holds all of them.
            role=self.role.without_policy_updates(),
            vpc=vpc,
            vpc_subnets=vpc_subnets or private_subnets("vpc_subnets", vpc),
            security_groups=[self.security_group],
        )
        # The function must not run before its role can log and attach to the VPC.
        self.function.node.add_dependency(self.policy)
        cfn_function = self.function.node.default_child
        if isinstance(cfn_function, CfnResource):
            cfn_function.add_metadata(LIBRARY_FUNCTION_METADATA, {"construct": "HardenedFunction"})
        unreserved = (
            "Reserving concurrency fails the deploy on new accounts, whose total concurrency is 10 and must "
            "all stay unreserved; the function runs once per stack change, so it cannot starve others."
        )
        for rule in (
            "HIPAA.Security::HIPAA.Security-LambdaConcurrency",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency",
        ):
            acknowledge(self.function, rule, unreserved)
        skip_checkov(self.function, "CKV_AWS_115", unreserved)

    def answer_custom_resource(self, service_timeout: Duration) -> None:
        """Make this function a custom resource's handler, which CloudFormation invokes asynchronously.

        Lambda keeps an asynchronous event for up to six hours when the function is throttled, and
        retries it twice; a request delivered after CloudFormation has stopped waiting
        (``service_timeout``) could act after the rollback that followed. So events older than a minute
        short of that timeout are dropped, and a failed invocation is not retried: the handler answers
        every request itself, and a replay of one it already answered is what retries would add.
        """
        if service_timeout.to_seconds() < 2 * 60:
            raise ValueError(
                f"service_timeout: {service_timeout.to_human_string()} leaves the event no time; use at "
                "least Duration.minutes(2)"
            )
        self.function.configure_async_invoke(
            max_event_age=Duration.seconds(service_timeout.to_seconds() - 60), retry_attempts=0
        )

    def log_read_statements(self, name: str) -> list[iam.PolicyStatement]:
        """Read-only access to this function's log (its events, and decrypt through CloudWatch Logs):
        for auditors. ``name`` names the statements (``Read<name>LogGroup``, ``Decrypt<name>``)."""
        return log_group_read_statements(self, name=name, log_group=self.log_group, key=self.encryption_key)
