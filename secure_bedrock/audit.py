"""The audit trail: a CloudTrail trail that records who called Bedrock, kept as evidence.

CloudTrail records call metadata (who, when, from where, which model), never prompt content;
prompts and responses are in the model invocation logs. Management events (InvokeModel, Converse,
every configuration change) are recorded by default; the trail adds Bedrock data events through
advanced event selectors.

Built on the ``CfnTrail`` L1 rather than the ``Trail`` L2: the L2 gives its CloudWatch Logs role an
inline policy (IAMNoInlinePolicy) and grants the log stream wider than the documented
``ACCOUNT_CloudTrail_REGION*`` pattern; here every policy is written out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Names, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    require_bool,
    require_construct,
    require_int_range,
    require_interface,
    require_key,
    require_non_empty,
    require_removal_policy,
    require_retention,
    require_type,
    require_unique,
)
from secure_bedrock.acknowledgements import acknowledge_wildcard_resources
from secure_bedrock.encryption import allow_service, create_key, encrypted_log_group, log_group_name_for
from secure_bedrock.storage import (
    DEFAULT_TRANSITION_DAYS,
    MAX_RETENTION_DAYS,
    SIX_YEARS_IN_DAYS,
    ObjectLock,
    SecureLogBucket,
    evidence_read_statements,
    require_object_lock,
)

#: CloudTrail: "a maximum of 500 values for all conditions and selectors on a trail".
MAX_SELECTOR_VALUES = 500
#: A Bedrock or Bedrock AgentCore resource type, as CloudTrail's ``resources.type`` field names it.
DATA_EVENT_TYPE_PATTERN = re.compile(r"^AWS::Bedrock(AgentCore)?::[A-Za-z]{1,100}\Z")
#: CloudTrail trail names: 3-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.
MAX_TRAIL_NAME = 128

#: Bedrock resource types whose data events the trail records (CloudTrail "logging data events" table).
BEDROCK_DATA_EVENT_TYPES: tuple[str, ...] = (
    "AWS::Bedrock::Guardrail",  # ApplyGuardrail
    "AWS::Bedrock::AgentAlias",  # InvokeAgent
    "AWS::Bedrock::InlineAgent",  # InvokeInlineAgent
    "AWS::Bedrock::KnowledgeBase",  # Retrieve, RetrieveAndGenerate
    "AWS::Bedrock::FlowAlias",  # InvokeFlow
    "AWS::Bedrock::Model",  # InvokeModelWithBidirectionalStream, async invoke
    "AWS::Bedrock::AsyncInvoke",  # StartAsyncInvoke, GetAsyncInvoke
    "AWS::Bedrock::PromptVersion",  # RenderPrompt
)


@dataclass(frozen=True)
class _Field:
    """One field condition of an advanced event selector (``operator`` is the CDK property name)."""

    field: str
    operator: str
    values: tuple[str, ...]

    def to_cfn(self) -> cloudtrail.CfnTrail.AdvancedFieldSelectorProperty:
        return cloudtrail.CfnTrail.AdvancedFieldSelectorProperty(
            field=self.field, **{self.operator: list(self.values)}
        )


@dataclass(frozen=True)
class _Selector:
    """An advanced event selector: a name and its field conditions."""

    name: str
    fields: tuple[_Field, ...]

    def to_cfn(self) -> cloudtrail.CfnTrail.AdvancedEventSelectorProperty:
        return cloudtrail.CfnTrail.AdvancedEventSelectorProperty(
            name=self.name, field_selectors=[field.to_cfn() for field in self.fields]
        )


def _trail_name(scope: Construct) -> str:
    """A trail name unique to the construct's path: when the path is too long for 128 characters,
    the path's hash (the unique id's last 8 characters) is kept and the readable part shortened."""
    unique_id = Names.unique_id(scope)
    name = f"secure-bedrock-{unique_id}"
    return name if len(name) <= MAX_TRAIL_NAME else name[: MAX_TRAIL_NAME - 8] + unique_id[-8:]


class BedrockAuditTrail(Construct):
    """A multi-region CloudTrail trail with Bedrock data events, to an encrypted bucket and log group.

    Log-file validation on, encrypted with a customer-managed key, delivered to a
    :class:`SecureLogBucket` (access-logged, versioned, retained) and to a KMS-encrypted log group.

    Attributes: ``encryption_key``, ``bucket`` (a :class:`SecureLogBucket`, or ``None`` with your own
    bucket), ``trail_bucket``, ``log_group``, ``trail`` (the ``CfnTrail``, id ``Resource``),
    ``trail_arn``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None = None,
        bucket: s3.IBucket | None = None,
        data_event_types: Sequence[str] = BEDROCK_DATA_EVENT_TYPES,
        retention_days: int = SIX_YEARS_IN_DAYS,
        log_retention: logs.RetentionDays = logs.RetentionDays.SIX_YEARS,
        object_lock: ObjectLock | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param encryption_key: encrypts the trail, its bucket and its log group.
            Default: a new customer-managed key with rotation, for audit evidence only.
        :param bucket: your bucket for the trail's log files; its policy must let CloudTrail write
            (added here for a bucket defined in this app; for an imported bucket, add it yourself).
            Default: a new :class:`SecureLogBucket`.
        :param data_event_types: ``resources.type`` values whose data events are recorded.
            Default: :data:`BEDROCK_DATA_EVENT_TYPES`.
        :param retention_days: days the bucket keeps log files, 91 to 36500 (they move to colder
            storage after 90). Default: 2192 (six years).
        :param log_retention: how long the log group keeps events. Default: six years.
        :param object_lock: WORM retention for a new bucket. Default: none.
        :param removal_policy: for the key, bucket (and its policy), log group, trail, and the role
            (and its policy) the trail delivers to its log group with. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        require_key("encryption_key", encryption_key)
        require_interface("bucket", bucket, "bucket_arn", "an s3.IBucket", optional=True)
        require_non_empty("data_event_types", data_event_types, "name at least 'AWS::Bedrock::Guardrail'")
        for index, value in enumerate(data_event_types):
            require_type(
                f"data_event_types[{index}]", value, str, "a resource type such as 'AWS::Bedrock::Guardrail'"
            )
            if not DATA_EVENT_TYPE_PATTERN.match(value):
                raise ValueError(
                    f"data_event_types[{index}]: {value!r} is not a Bedrock resource type; "
                    "use e.g. 'AWS::Bedrock::Guardrail'"
                )
        require_unique("data_event_types", list(data_event_types))
        # Checked even with your own bucket (where they are ignored): a value of the wrong type is a mistake.
        require_int_range(
            "retention_days",
            retention_days,
            DEFAULT_TRANSITION_DAYS + 1,
            MAX_RETENTION_DAYS,
            f"log files move to colder storage after {DEFAULT_TRANSITION_DAYS} days, so keep them longer",
        )
        require_object_lock("object_lock", object_lock)
        require_retention("log_retention", log_retention)
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)

        trail_name = _trail_name(self)
        self.trail_arn = stack.format_arn(
            service="cloudtrail",
            resource="trail",
            resource_name=trail_name,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        self.encryption_key: kms.IKey = encryption_key or create_key(
            self, "Key", purpose="Bedrock audit trail", removal_policy=removal_policy
        )
        allow_service(
            self.encryption_key,
            self,
            sid="AllowCloudTrailToEncryptLogs",
            service="cloudtrail.amazonaws.com",
            actions=["kms:GenerateDataKey*"],
            source_arn=self.trail_arn,
            conditions={
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": stack.format_arn(
                        service="cloudtrail",
                        region="*",
                        resource="trail",
                        resource_name="*",
                        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                    )
                }
            },
        )
        allow_service(
            self.encryption_key,
            self,
            sid="AllowCloudTrailToDescribeKey",
            service="cloudtrail.amazonaws.com",
            actions=["kms:DescribeKey"],
            source_arn=self.trail_arn,
        )

        self.bucket: SecureLogBucket | None = None
        if bucket is None:
            self.bucket = SecureLogBucket(
                self,
                "Bucket",
                encryption_key=self.encryption_key,
                retention_days=retention_days,
                object_lock=object_lock,
                removal_policy=removal_policy,
            )
            bucket = self.bucket.bucket
        self.trail_bucket: s3.IBucket = bucket
        source = {"StringEquals": {"aws:SourceArn": self.trail_arn}}
        acl_check = bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AWSCloudTrailAclCheck",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["s3:GetBucketAcl"],
                resources=[bucket.bucket_arn],
                conditions=source,
            )
        )
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AWSCloudTrailWrite",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects(f"AWSLogs/{stack.account}/*")],
                conditions={
                    "StringEquals": {
                        "s3:x-amz-acl": "bucket-owner-full-control",
                        "aws:SourceArn": self.trail_arn,
                    }
                },
            )
        )

        self.log_group = encrypted_log_group(
            self,
            "LogGroup",
            key=self.encryption_key,
            purpose="cloudtrail",
            retention=log_retention,
            removal_policy=removal_policy,
        )
        log_group_name = log_group_name_for(self, "cloudtrail")
        logs_role = iam.Role(
            self,
            "LogsRole",
            description="Lets CloudTrail deliver the Bedrock audit trail to its log group",
            assumed_by=iam.ServicePrincipal(
                "cloudtrail.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": self.trail_arn},
                },
            ),
        )
        log_streams = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{log_group_name}:log-stream:{stack.account}_CloudTrail_{stack.region}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        logs_policy = iam.ManagedPolicy(
            self,
            "LogsPolicy",
            description="Write the Bedrock audit trail to its CloudTrail log streams",
            roles=[logs_role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_streams],
                )
            ],
        )
        acknowledge_wildcard_resources(
            logs_policy,
            [log_streams],
            "The documented CloudTrail log-stream pattern (ACCOUNT_CloudTrail_REGION*) in one log group: "
            "CloudTrail names the streams it creates, so they cannot be listed ahead.",
        )

        self._selectors: list[_Selector] = [
            _Selector("All management events", (_Field("eventCategory", "equal_to", ("Management",)),)),
            *(
                _Selector(
                    f"Data events of {resource_type}",
                    (
                        _Field("eventCategory", "equal_to", ("Data",)),
                        _Field("resources.type", "equal_to", (resource_type,)),
                    ),
                )
                for resource_type in data_event_types
            ),
        ]
        self.trail = cloudtrail.CfnTrail(
            self,
            "Resource",
            trail_name=trail_name,
            is_logging=True,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=self.encryption_key.key_arn,
            s3_bucket_name=bucket.bucket_name,
            cloud_watch_logs_log_group_arn=self.log_group.log_group_arn,
            cloud_watch_logs_role_arn=logs_role.role_arn,
            advanced_event_selectors=[selector.to_cfn() for selector in self._selectors],
        )
        self.trail.apply_removal_policy(removal_policy)
        # A retained trail goes on delivering to its retained log group: its role stays with it.
        logs_role.apply_removal_policy(removal_policy)
        logs_policy.apply_removal_policy(removal_policy)
        # CloudTrail checks bucket and role access when the trail is created.
        self.trail.node.add_dependency(logs_policy)
        if acl_check.policy_dependable is not None:
            self.trail.node.add_dependency(acl_check.policy_dependable)
        if self.bucket is not None:
            # Who read the trail's own log files. Not its writes: each delivery is itself a write,
            # which would be recorded and delivered again ("recursive events", CloudTrail user guide),
            # and CloudFormation cannot switch that recording off (the trail's RecursiveLogging).
            self.record_object_access(self.bucket.bucket, "the audit trail's log files", writes=False)

    def record_object_access(self, bucket: s3.IBucket, label: str, *, writes: bool = True) -> None:
        """Record S3 data events on the objects of ``bucket``: who read (and, with ``writes``, wrote or
        deleted) which object, e.g. the invocation logs, whose objects are PHI.

        :param label: what the bucket holds, for the selector's name (at most 900 characters).
        :param writes: also record writes and deletes. Default: ``True``. Leave it off for the
            bucket this trail delivers to.
        """
        require_interface("bucket", bucket, "bucket_arn", "an s3.IBucket")
        require_type("label", label, str, "a short description of the bucket's contents")
        if not label or len(label) > 900:
            raise ValueError(f"label: {len(label)} characters; use 1 to 900")
        require_bool("writes", writes)
        fields = [
            _Field("eventCategory", "equal_to", ("Data",)),
            _Field("resources.type", "equal_to", ("AWS::S3::Object",)),
            # The trailing slash is intentional: every object of this bucket and nothing else.
            _Field("resources.ARN", "starts_with", (f"{bucket.bucket_arn}/",)),
        ]
        if not writes:
            fields.append(_Field("readOnly", "equal_to", ("true",)))
        kind = "reads and writes" if writes else "reads"
        self._selectors.append(_Selector(f"S3 object {kind} of {label}", tuple(fields)))
        values = sum(len(field.values) for selector in self._selectors for field in selector.fields)
        if values > MAX_SELECTOR_VALUES:
            raise ValueError(
                f"bucket: the trail's event selectors would hold {values} values, more than CloudTrail's "
                f"{MAX_SELECTOR_VALUES}; record fewer data event types or buckets"
            )
        self.trail.advanced_event_selectors = [selector.to_cfn() for selector in self._selectors]

    def read_statements(self) -> list[iam.PolicyStatement]:
        """What reading the trail takes: its log files, its log group, decrypting them, and the trail's status."""
        return [
            *evidence_read_statements(
                self,
                name="TrailLogs",
                bucket=self.trail_bucket,
                objects=f"AWSLogs/{Stack.of(self).account}/*",
                log_group=self.log_group,
                key=self.encryption_key,
            ),
            iam.PolicyStatement(
                sid="ReadTrailStatus",
                actions=["cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"],
                resources=[self.trail_arn],
            ),
        ]
