"""Evidence buckets: SSE-KMS, versioned, TLS-only, access-logged, retained, kept for years.

``SecureLogBucket`` holds logs that are evidence (model invocation logs, the audit trail). It
creates its own server-access-log bucket unless you pass one, so every read and write of the
evidence is itself recorded.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_construct,
    require_int_range,
    require_interface,
    require_key,
    require_list,
    require_removal_policy,
    require_type,
    require_unique,
)
from secure_bedrock.acknowledgements import acknowledge, skip_checkov

#: Six years, the common reading of HIPAA's documentation-retention rule (45 CFR 164.316(b)(2)(i)).
SIX_YEARS_IN_DAYS = 2192
#: S3 Object Lock's longest default retention (100 years).
MAX_RETENTION_DAYS = 36500
#: Days before evidence moves to Glacier Instant Retrieval, unless a bucket says otherwise.
DEFAULT_TRANSITION_DAYS = 90

REPLICATION_REASON = (
    "No replication of its own: a landing zone replicates its evidence only to the organization's archive, "
    "when one is given (EvidenceOptions.archive, inside the residency), so no other copy of PHI-bearing logs "
    "leaves the account; the archive is that copy. Durability comes from S3 (eleven nines), versioning, "
    "retention on stack deletion and optional Object Lock."
)


class ObjectLock:
    """Write-once-read-many retention for an evidence bucket.

    ``ObjectLock.compliance(days)``: nobody, root included, can delete or shorten it.
    ``ObjectLock.governance(days)``: principals with ``s3:BypassGovernanceRetention`` can.
    Adding Object Lock to a deployed bucket makes CloudFormation replace it (S3 itself allows it on an
    existing versioned bucket, but ``ObjectLockEnabled`` is create-only in CloudFormation).
    """

    MODES = ("COMPLIANCE", "GOVERNANCE")

    def __init__(self, mode: str, days: int) -> None:
        if not isinstance(mode, str) or mode not in self.MODES:
            raise ValueError(
                f"mode: {mode!r} is not an Object Lock mode; use ObjectLock.compliance(days) or ObjectLock.governance(days)"
            )
        if is_token(days):
            raise ValueError("days: Object Lock needs the number of days itself, not a deploy-time value")
        require_int_range("object_lock days", days, 1, MAX_RETENTION_DAYS)
        self.mode = mode
        self.days = days

    @classmethod
    def compliance(cls, days: int = SIX_YEARS_IN_DAYS) -> ObjectLock:
        """Compliance mode: retention nobody can remove or shorten."""
        return cls("COMPLIANCE", days)

    @classmethod
    def governance(cls, days: int = SIX_YEARS_IN_DAYS) -> ObjectLock:
        """Governance mode: retention that specially permitted principals can remove."""
        return cls("GOVERNANCE", days)

    def to_retention(self) -> s3.ObjectLockRetention:
        """The CDK form of this retention."""
        if self.mode == "COMPLIANCE":
            return s3.ObjectLockRetention.compliance(Duration.days(self.days))
        return s3.ObjectLockRetention.governance(Duration.days(self.days))


def require_object_lock(argument: str, value: object) -> None:
    """Raise ``TypeError`` unless ``value`` is ``None`` or an :class:`ObjectLock`."""
    if value is not None:
        require_type(
            argument, value, ObjectLock, "ObjectLock.compliance(days) or ObjectLock.governance(days)"
        )


def _secure_bucket_props(key: kms.IKey | None, removal_policy: RemovalPolicy) -> dict[str, object]:
    encryption: dict[str, object] = (
        {"encryption": s3.BucketEncryption.KMS, "encryption_key": key, "bucket_key_enabled": True}
        if key is not None
        # The S3 user guide supports only SSE-S3 on a server-access-log destination.
        else {"encryption": s3.BucketEncryption.S3_MANAGED}
    )
    return {
        **encryption,
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
        "versioned": True,
        "removal_policy": removal_policy,
    }


def _deny_other_encryption(bucket: s3.Bucket, key: kms.IKey | None) -> None:
    """Refuse puts that ask for another encryption (or another key); puts without headers get the default.

    Each Deny applies only when its header is present (``Null: false``): a negated operator, with or
    without ``IfExists``, is *true* when the key is absent, so without that guard every put that relies
    on the bucket's default encryption (Bedrock's and S3's log deliveries, the logging handler's
    state) would be denied.
    """
    algorithm = "aws:kms" if key is not None else "AES256"
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyPutsWithAnotherEncryption",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects("*")],
            conditions={
                "StringNotEquals": {"s3:x-amz-server-side-encryption": algorithm},
                "Null": {"s3:x-amz-server-side-encryption": "false"},
            },
        )
    )
    if key is not None:
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyPutsWithAnotherKmsKey",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                resources=[bucket.arn_for_objects("*")],
                conditions={
                    "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key.key_arn},
                    "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
                },
            )
        )


class SecureLogBucket(Construct):
    """An evidence bucket and, unless given, the bucket that records access to it.

    Both block all public access, have ACLs disabled, require TLS 1.2+, refuse puts that ask for
    another encryption, are versioned and retained. The evidence bucket is SSE-KMS with the given key
    and an S3 bucket key; the access-log bucket is SSE-S3, the only destination encryption the
    S3 user guide supports for server access logs. The evidence bucket moves objects to Glacier Instant Retrieval after
    ``transition_after_days`` and deletes them (and old versions) after ``retention_days``.

    Attributes: ``bucket`` (the evidence bucket, id ``Resource``) and ``access_logs_bucket``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        server_access_logs_bucket: s3.IBucket | None = None,
        retention_days: int = SIX_YEARS_IN_DAYS,
        transition_after_days: int = DEFAULT_TRANSITION_DAYS,
        object_lock: ObjectLock | None = None,
        expire_prefixes: Sequence[str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        bucket_name: str | None = None,
    ) -> None:
        """
        :param encryption_key: the customer-managed key for the objects.
        :param server_access_logs_bucket: where access to the bucket is logged.
            Default: a new access-log bucket (SSE-S3), kept as long as the evidence.
        :param retention_days: days each log object (and each old version) is kept. Default: 2192 (six years).
        :param transition_after_days: days before objects move to Glacier Instant Retrieval. Default: 90.
        :param object_lock: WORM retention. Default: none (adding it later makes CloudFormation replace the bucket).
        :param expire_prefixes: the key prefixes whose objects the lifecycle moves and expires, each
            ending in ``/``; objects elsewhere in the bucket (e.g. a handler's state) are kept.
            Default: the whole bucket.
        :param removal_policy: what happens to the buckets, and their bucket policies, when they leave
            the stack. Default: ``RETAIN``.
        :param bucket_name: the evidence bucket's name, where others must know it ahead (an archive that
            other accounts replicate to). Default: generated.
        """
        require_construct(scope, construct_id)
        require_key("encryption_key", encryption_key, optional=False)
        if expire_prefixes is not None:
            prefixes = require_list(
                "expire_prefixes", expire_prefixes, "a list of key prefixes such as 'logs/'"
            )
            if not prefixes:
                raise ValueError(
                    "expire_prefixes: name at least one prefix, or leave it unset for the whole bucket"
                )
            for index, prefix in enumerate(prefixes):
                require_type(f"expire_prefixes[{index}]", prefix, str, "a key prefix such as 'logs/'")
                if not is_token(prefix) and (not prefix.endswith("/") or len(prefix) > 1024):
                    raise ValueError(
                        f"expire_prefixes[{index}]: {prefix!r} must end in '/' (a folder of keys)"
                    )
            require_unique("expire_prefixes", prefixes)
        require_interface(
            "server_access_logs_bucket",
            server_access_logs_bucket,
            "bucket_arn",
            "an s3.IBucket",
            optional=True,
        )
        require_int_range("retention_days", retention_days, 1, MAX_RETENTION_DAYS)
        require_int_range(
            "transition_after_days",
            transition_after_days,
            30,
            MAX_RETENTION_DAYS,
            "S3 moves objects to colder storage after at least 30 days",
        )
        if (
            not is_token(transition_after_days)
            and not is_token(retention_days)
            and transition_after_days >= retention_days
        ):
            raise ValueError(
                f"retention_days, transition_after_days: {retention_days} days is not longer than "
                f"{transition_after_days}; keep objects longer than it takes to move them to colder storage "
                "(or lower transition_after_days)"
            )
        if object_lock is not None:
            require_object_lock("object_lock", object_lock)
            if not is_token(retention_days) and object_lock.days > retention_days:
                raise ValueError(
                    f"object_lock: {object_lock.days} days of lock is longer than retention_days ({retention_days}); "
                    "lock objects for at most as long as they are kept"
                )
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)

        self.encryption_key = encryption_key
        created_access_logs = server_access_logs_bucket is None
        if server_access_logs_bucket is None:
            server_access_logs_bucket = self._create_access_logs_bucket(retention_days, removal_policy)
        self.access_logs_bucket: s3.IBucket = server_access_logs_bucket

        self.bucket = s3.Bucket(
            self,
            "Resource",
            **_secure_bucket_props(encryption_key, removal_policy),  # type: ignore[arg-type]
            server_access_logs_bucket=server_access_logs_bucket,
            server_access_logs_prefix=f"{self.node.path.replace('/', '-')}/",
            bucket_name=bucket_name,
            object_lock_enabled=object_lock is not None or None,
            object_lock_default_retention=object_lock.to_retention() if object_lock else None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="KeepEvidence" if index == 0 else f"KeepEvidence{index + 1}",
                    prefix=prefix,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=Duration.days(transition_after_days),
                        )
                    ],
                    noncurrent_version_transitions=[
                        s3.NoncurrentVersionTransition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=Duration.days(transition_after_days),
                        )
                    ],
                    expiration=Duration.days(retention_days),
                    noncurrent_version_expiration=Duration.days(retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
                for index, prefix in enumerate(expire_prefixes if expire_prefixes is not None else [None])
            ],
        )
        _deny_other_encryption(self.bucket, encryption_key)
        self._acknowledge_replication(self.bucket)
        # A retained bucket keeps its guards: without its policy it would accept requests without TLS
        # and puts with another key, and log deliveries (S3's, Bedrock's, CloudTrail's) would stop.
        for owned in (self.bucket, server_access_logs_bucket if created_access_logs else None):
            if isinstance(owned, s3.Bucket) and owned.policy is not None:
                owned.policy.apply_removal_policy(removal_policy)

    def _create_access_logs_bucket(self, retention_days: int, removal_policy: RemovalPolicy) -> s3.Bucket:
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            **_secure_bucket_props(None, removal_policy),  # type: ignore[arg-type]
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="KeepAccessLogs",
                    expiration=Duration.days(retention_days),
                    noncurrent_version_expiration=Duration.days(retention_days),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
        )
        _deny_other_encryption(access_logs, None)
        for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
            acknowledge(
                access_logs,
                f"{pack}::{pack}-S3DefaultEncryptionKMS",
                "S3 server access logging delivers only to targets encrypted with SSE-S3 (the S3 user guide: "
                "SSE-KMS is not supported for the target bucket); the logs hold request metadata, not PHI.",
            )
            acknowledge(
                access_logs,
                f"{pack}::{pack}-S3BucketLoggingEnabled",
                "This is the server-access-log target; logging it to itself would loop.",
            )
        loop = (
            "This is the server-access-log target; logging it to itself would record its own log deliveries "
            "in an endless loop. Access to the evidence bucket is what it records."
        )
        acknowledge(access_logs, "AwsSolutions::AwsSolutions-S1", loop)
        skip_checkov(access_logs, "CKV_AWS_18", loop)
        self._acknowledge_replication(access_logs)
        return access_logs

    @staticmethod
    def _acknowledge_replication(bucket: s3.Bucket) -> None:
        for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
            acknowledge(bucket, f"{pack}::{pack}-S3BucketReplicationEnabled", REPLICATION_REASON)


def _object_read_statements(name: str, bucket: s3.IBucket, objects: str) -> list[iam.PolicyStatement]:
    return [
        iam.PolicyStatement(
            sid=f"Read{name}Objects",
            actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[bucket.arn_for_objects(objects)],
        ),
        iam.PolicyStatement(
            sid=f"List{name}Objects",
            actions=["s3:ListBucket", "s3:ListBucketVersions"],
            resources=[bucket.bucket_arn],
        ),
    ]


def _log_group_read_statement(name: str, log_group: logs.ILogGroup) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid=f"Read{name}LogGroup",
        actions=["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"],
        resources=[log_group.log_group_arn],
    )


def _decrypt_through(
    scope: Construct, name: str, key: kms.IKey, services: Sequence[str]
) -> iam.PolicyStatement:
    region = Stack.of(scope).region
    via = [f"{service}.{region}.amazonaws.com" for service in services]
    return iam.PolicyStatement(
        sid=f"Decrypt{name}",
        actions=["kms:Decrypt"],
        resources=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": via[0] if len(via) == 1 else via}},
    )


def log_group_read_statements(
    scope: Construct, *, name: str, log_group: logs.ILogGroup, key: kms.IKey
) -> list[iam.PolicyStatement]:
    """Read-only access to one encrypted log group: its events, and decrypt through CloudWatch Logs."""
    return [_log_group_read_statement(name, log_group), _decrypt_through(scope, name, key, ["logs"])]


def access_log_read_statements(name: str, bucket: s3.IBucket) -> list[iam.PolicyStatement]:
    """Read-only access to a server-access-log bucket (SSE-S3: nothing to decrypt)."""
    return _object_read_statements(name, bucket, "*")


def evidence_read_statements(
    scope: Construct,
    *,
    name: str,
    bucket: s3.IBucket,
    objects: str,
    log_group: logs.ILogGroup,
    key: kms.IKey,
) -> list[iam.PolicyStatement]:
    """Read-only access to one kind of evidence: its objects, its log group, and decrypt through S3 and Logs.

    :param name: names the statements, e.g. ``InvocationLogs`` gives ``ReadInvocationLogsObjects``.
    :param objects: the object key pattern within the bucket, e.g. ``*`` or ``AWSLogs/ACCOUNT/*``.
    """
    return [
        *_object_read_statements(name, bucket, objects),
        _log_group_read_statement(name, log_group),
        _decrypt_through(scope, name, key, ["s3", "logs"]),
    ]
