"""Central evidence: a log-archive account's bucket that the organization's member accounts replicate
their evidence into, and the replication that sends it there.

AWS documents that model invocation logging writes only to a bucket and log group of the same account
and region, so each member account keeps its local, encrypted destination (where its administrators
can reach it) and **replicates** it, with S3 replication, to the archive (where they cannot):

* :class:`EvidenceArchive` (in the log-archive account): an evidence bucket with Object Lock in
  compliance mode (no one, the root user included, deletes or shortens a locked version), versioned,
  SSE-KMS with its own key; its bucket and key policies admit the organization's replication roles
  (``aws:PrincipalOrgID`` and the role name :data:`REPLICATION_ROLE_PREFIX`) to *add* object versions
  and nothing else, and the auditors to read;
* :class:`EvidenceReplication` (in each member account, made by the landing zone with
  ``EvidenceOptions(archive=ArchiveDestination(...))``): the replication role and rule of an evidence
  bucket (each log prefix, SSE-KMS objects re-encrypted with the archive's key, the archive's account
  made the objects' owner, replication metrics on, **delete markers not replicated**), and an alarm on
  failed replications.

What a member account's administrator can do: delete or rewrite the local copy (which the landing
zone's other controls watch), stop the replication (its rule is in the member's own bucket; the
organization's SCP protects the landing zone's resources), but never delete, overwrite or shorten the
retention of a version that reached the archive: the archive is another account, its policies grant the
member's role ``s3:ReplicateObject`` and ``s3:ReplicateTags`` only, and Object Lock holds every version.
The access matrix evaluates these claims.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    ACCOUNT_ID_PATTERN,
    is_token,
    require_construct,
    require_interface,
    require_list,
    require_principal,
    require_region,
    require_removal_policy,
    require_type,
    require_unique,
)
from secure_bedrock.acknowledgements import acknowledge_wildcard_resources, skip_checkov
from secure_bedrock.encryption import create_key
from secure_bedrock.organization import KEY_ARN_PATTERN, require_organization_id
from secure_bedrock.storage import SIX_YEARS_IN_DAYS, ObjectLock, SecureLogBucket, require_object_lock

#: The name every member account's replication role starts with (one per account and region); the
#: archive's policies admit roles of the organization by this name.
REPLICATION_ROLE_PREFIX = "secure-bedrock-evidence-replication-"
#: The archive key's alias: members name the key by it (replication accepts an alias ARN), so their
#: settings need only the archive's account and region.
ARCHIVE_KEY_ALIAS = "alias/secure-bedrock-evidence-archive"
#: A KMS alias ARN.
ALIAS_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:kms:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):(alias/[A-Za-z0-9/_-]+)\Z"
)
#: An S3 bucket's ARN.
BUCKET_ARN_PATTERN = re.compile(r"^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
#: What a replication role may do to the archive's objects: add versions and their tags, nothing else.
REPLICATE_ACTIONS: tuple[str, ...] = (
    "s3:ReplicateObject",
    "s3:ReplicateTags",
    "s3:ObjectOwnerOverrideToBucketOwner",
)
#: What the auditors may do in the archive.
AUDIT_READ_ACTIONS: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:ListBucket",
    "s3:ListBucketVersions",
)


def archive_bucket_name(account: str, region: str) -> str:
    """The archive bucket's name in ``account`` and ``region``: known ahead, so members can name it."""
    return f"secure-bedrock-evidence-archive-{account}-{region}"


@dataclass(frozen=True)
class ArchiveDestination:
    """Where a member account replicates its evidence: the log-archive account's bucket and key (the
    outputs of the stack that holds :class:`EvidenceArchive`)."""

    bucket_arn: str
    """The archive bucket's ARN (``arn:aws:s3:::name``)."""
    key_arn: str
    """The archive key's ARN, or its alias's ARN: replicas are encrypted with it."""
    account: str
    """The log-archive account, made the owner of the replicas."""

    def __post_init__(self) -> None:
        for field, value, example in (
            ("bucket_arn", self.bucket_arn, "'arn:aws:s3:::org-evidence-archive'"),
            (
                "key_arn",
                self.key_arn,
                "'arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab'",
            ),
            ("account", self.account, "'444455556666'"),
        ):
            require_type(f"archive.{field}", value, str, f"a string such as {example}")
        if is_token(self.bucket_arn) or is_token(self.key_arn) or is_token(self.account):
            return
        if not BUCKET_ARN_PATTERN.match(self.bucket_arn):
            raise ValueError(
                f"archive.bucket_arn: {self.bucket_arn!r} is not a bucket ARN; use e.g. 'arn:aws:s3:::org-evidence-archive' "
                "(the log-archive stack's output ArchiveBucketArn)"
            )
        key = KEY_ARN_PATTERN.match(self.key_arn) or ALIAS_ARN_PATTERN.match(self.key_arn)
        if key is None:
            raise ValueError(
                f"archive.key_arn: {self.key_arn!r} is not a KMS key or alias ARN (the log-archive stack's output "
                "ArchiveKeyArn, or ArchiveDestination.of(account, region) for the archive's alias)"
            )
        if not ACCOUNT_ID_PATTERN.match(self.account):
            raise ValueError(f"archive.account: {self.account!r} is not a 12-digit account id")
        if key.group(2) != self.account:
            raise ValueError(
                f"archive.key_arn: {self.key_arn!r} is not in the archive account {self.account}; give the archive's key"
            )

    @classmethod
    def of(cls, account: str, region: str, partition: str = "aws") -> ArchiveDestination:
        """The archive an :class:`EvidenceArchive` makes in ``account`` and ``region`` (its bucket name
        and key alias are fixed), without its stack's outputs."""
        require_type("account", account, str, "a 12-digit account id")
        require_region("region", region)
        return cls(
            bucket_arn=f"arn:{partition}:s3:::{archive_bucket_name(account, region)}",
            key_arn=f"arn:{partition}:kms:{region}:{account}:{ARCHIVE_KEY_ALIAS}",
            account=account,
        )

    @property
    def region(self) -> str | None:
        """The archive's region (its key's), or ``None`` while unknown (a token)."""
        match = KEY_ARN_PATTERN.match(self.key_arn) or ALIAS_ARN_PATTERN.match(self.key_arn)
        return match.group(1) if match else None

    @property
    def key_alias(self) -> str | None:
        """The key's alias (``alias/...``) when the key is named by its alias, else ``None``."""
        match = ALIAS_ARN_PATTERN.match(self.key_arn)
        return match.group(3) if match else None

    def key_statement(self, scope: Construct) -> iam.PolicyStatement:
        """Encrypting replicas with the archive's key through S3 in its region (by the key's ARN, or any
        key of the archive account that carries the alias: IAM authorizes keys by key ARN)."""
        region = self.region or Stack.of(scope).region
        conditions: dict[str, dict[str, object]] = {
            "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}
        }
        resource = self.key_arn
        if self.key_alias is not None:
            resource = f"arn:{Stack.of(scope).partition}:kms:{region}:{self.account}:key/*"
            conditions["ForAnyValue:StringEquals"] = {"kms:ResourceAliases": [self.key_alias]}
        return iam.PolicyStatement(
            sid="EncryptReplicasWithTheArchiveKey",
            actions=["kms:Encrypt", "kms:GenerateDataKey"],
            resources=[resource],
            conditions=conditions,
        )

    @property
    def bucket_name(self) -> str:
        """The bucket's name (the ARN's last part)."""
        if is_token(self.bucket_arn):
            return Fn.select(5, Fn.split(":", self.bucket_arn))
        return self.bucket_arn.rsplit(":", 1)[-1]


class EvidenceArchive(Construct):
    """The log-archive account's evidence bucket for the organization (see the module's documentation).

    Attributes: ``bucket`` (a :class:`SecureLogBucket`), ``encryption_key``, ``destination`` (an
    :class:`ArchiveDestination` for the member accounts), ``replication_role_pattern``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        organization_id: str,
        auditors: Sequence[iam.IPrincipal] = (),
        retention_days: int = SIX_YEARS_IN_DAYS,
        object_lock: ObjectLock | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param organization_id: the organization (``o-…``) whose replication roles may add evidence.
        :param auditors: who may read the archive (roles of this account or of an audit account); they
            get read access to the objects and decrypt on the key, nothing else. Default: nobody yet.
        :param retention_days: days each version is kept. Default: 2192 (six years, HIPAA's documentation
            retention).
        :param object_lock: the WORM retention. Default: compliance mode for ``retention_days``.
        :param removal_policy: of the bucket and the key. Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        require_organization_id("organization_id", organization_id)
        checked_auditors = require_list("auditors", auditors, "a list of iam.IPrincipal")
        for index, auditor in enumerate(checked_auditors):
            require_principal(
                f"auditors[{index}]", auditor, "would let anyone read the organization's evidence"
            )
        lock = object_lock or ObjectLock.compliance(retention_days)
        require_object_lock("object_lock", lock)
        require_removal_policy("removal_policy", removal_policy)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)
        self.encryption_key = create_key(
            self, "Key", purpose="the organization's evidence archive", removal_policy=removal_policy
        )
        self.encryption_key.add_alias(ARCHIVE_KEY_ALIAS)
        self.bucket = SecureLogBucket(
            self,
            "Bucket",
            encryption_key=self.encryption_key,
            retention_days=retention_days,
            object_lock=lock,
            removal_policy=removal_policy,
            bucket_name=archive_bucket_name(stack.account, stack.region),
        )
        bucket = self.bucket.bucket
        self.replication_role_pattern = f"arn:{stack.partition}:iam::*:role/{REPLICATION_ROLE_PREFIX}*"
        from_the_organization = {
            "StringEquals": {"aws:PrincipalOrgID": organization_id},
            "ArnLike": {"aws:PrincipalArn": self.replication_role_pattern},
        }
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="MembersReplicateEvidence",
                principals=[iam.AnyPrincipal()],
                actions=list(REPLICATE_ACTIONS),
                # Each member adds to its own account's logs only (invocation logs and trail both write
                # under AWSLogs/<account>/): no member can forge another's evidence.
                resources=[bucket.arn_for_objects("*AWSLogs/${aws:PrincipalAccount}/*")],
                conditions=from_the_organization,
            )
        )
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="MembersCheckTheDestination",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"],
                resources=[bucket.bucket_arn],
                conditions=from_the_organization,
            )
        )
        self.encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="MembersEncryptReplicas",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Encrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "aws:PrincipalOrgID": organization_id,
                        "kms:ViaService": f"s3.{stack.region}.amazonaws.com",
                    },
                    "ArnLike": {"aws:PrincipalArn": self.replication_role_pattern},
                },
            )
        )
        skip_checkov(
            self.encryption_key,
            "CKV_AWS_33",
            "The '*' principal is bounded by aws:PrincipalOrgID (this organization), aws:PrincipalArn (the "
            "replication roles' name) and kms:ViaService (S3 here), for Encrypt and GenerateDataKey only: the "
            "member accounts' replication roles, whose account ids the archive cannot list.",
        )
        for auditor in checked_auditors:
            self.grant_read(auditor)
        self.destination = ArchiveDestination(
            bucket_arn=bucket.bucket_arn, key_arn=self.encryption_key.key_arn, account=stack.account
        )

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the archive (objects, versions, their retention) and decrypt them."""
        bucket = self.bucket.bucket
        grant = iam.Grant.add_to_principal_or_resource(
            grantee=grantee,
            actions=list(AUDIT_READ_ACTIONS),
            resource_arns=[bucket.bucket_arn, bucket.arn_for_objects("*")],
            resource=bucket,
        )
        return grant.combine(self.encryption_key.grant_decrypt(grantee))


class EvidenceReplication(Construct):
    """Replicates an evidence bucket of a member account to the organization's archive.

    Attributes: ``role`` (named ``secure-bedrock-evidence-replication-<region>``), ``alarm`` (failed
    replications), ``buckets`` (the replicated buckets).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        destination: ArchiveDestination,
        sources: Sequence[tuple[SecureLogBucket, Sequence[str]]],
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param destination: the archive (:class:`ArchiveDestination`).
        :param sources: each evidence bucket of this stack with the key prefixes to replicate (each
            ending in ``/``), e.g. the invocation logs' ``bedrock/`` and ``bedrock-large-data/``.
        :param alarm_topic: where the failed-replication alarm notifies. Default: none here (add an action
            to ``alarm``, as the landing zone does with its topic; the packs report an alarm without one).
        """
        require_construct(scope, construct_id)
        require_type("destination", destination, ArchiveDestination, "an ArchiveDestination")
        require_interface("alarm_topic", alarm_topic, "topic_arn", "an sns.ITopic", optional=True)
        checked = require_list("sources", sources, "a list of (SecureLogBucket, prefixes)")
        if not checked:
            raise ValueError("sources: name at least one evidence bucket to replicate")
        for index, source in enumerate(checked):
            if not (
                isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], SecureLogBucket)
            ):
                raise ValueError(f"sources[{index}]: {source!r} is not a (SecureLogBucket, prefixes) pair")
            prefixes = require_list(f"sources[{index}][1]", source[1], "a list of key prefixes")
            if not prefixes:
                raise ValueError(f"sources[{index}][1]: name at least one key prefix, e.g. 'bedrock/'")
            for p_index, prefix in enumerate(prefixes):
                require_type(f"sources[{index}][1][{p_index}]", prefix, str, "a key prefix ending in '/'")
                if not is_token(prefix) and not prefix.endswith("/"):
                    raise ValueError(f"sources[{index}][1][{p_index}]: {prefix!r} must end in '/'")
            require_unique(f"sources[{index}][1]", prefixes)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        stack = Stack.of(self)
        self.buckets = [source for source, _ in checked]
        self.role = iam.Role(
            self,
            "Role",
            role_name=f"{REPLICATION_ROLE_PREFIX}{stack.region}",
            assumed_by=iam.ServicePrincipal("s3.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="secure-bedrock: replicates this account's evidence to the organization's archive",
        )
        statements = [
            iam.PolicyStatement(
                sid="ReadTheSourceConfiguration",
                actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                resources=[source.bucket.bucket_arn for source in self.buckets],
            ),
            iam.PolicyStatement(
                sid="ReadTheSourceVersions",
                actions=[
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                    "s3:GetObjectRetention",
                    "s3:GetObjectLegalHold",
                ],
                resources=[
                    source.bucket.arn_for_objects(prefix + "*") for source, ps in checked for prefix in ps
                ],
            ),
            iam.PolicyStatement(
                sid="DecryptTheSourceThroughS3",
                actions=["kms:Decrypt"],
                resources=list(dict.fromkeys(source.encryption_key.key_arn for source in self.buckets)),
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                sid="AddVersionsToTheArchive",
                actions=list(REPLICATE_ACTIONS),
                resources=[f"{destination.bucket_arn}/*"],
            ),
            destination.key_statement(self),
        ]
        # Attached from the policy's side (its Roles): the buckets' rules name the role, and the policy
        # names the buckets, so the role must not wait for the policy.
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="secure-bedrock evidence replication",
            statements=statements,
            roles=[self.role],
        )
        acknowledge_wildcard_resources(
            policy,
            [
                *[source.bucket.arn_for_objects(prefix + "*") for source, ps in checked for prefix in ps],
                f"{destination.bucket_arn}/*",
            ],
            "Replication reads every new version under the evidence prefixes of this account's own buckets, and "
            "adds versions to the archive, whose object keys are not known ahead; nothing else is granted.",
        )
        if destination.key_alias is not None:
            acknowledge_wildcard_resources(
                policy,
                [destination.key_statement(self).resources[0]],
                "The archive's key is named by its alias: only a key of the archive account that carries it "
                "(kms:ResourceAliases), through S3 in its region, encrypts the replicas.",
            )
        for source, prefixes in checked:
            cfn = source.bucket.node.default_child
            assert isinstance(cfn, s3.CfnBucket)
            cfn.replication_configuration = s3.CfnBucket.ReplicationConfigurationProperty(
                role=self.role.role_arn,
                rules=[
                    s3.CfnBucket.ReplicationRuleProperty(
                        id=f"ArchiveEvidence{number}",
                        status="Enabled",
                        priority=number,
                        filter=s3.CfnBucket.ReplicationRuleFilterProperty(prefix=prefix),
                        # A delete marker in the member account stays there: the archive keeps the object.
                        delete_marker_replication=s3.CfnBucket.DeleteMarkerReplicationProperty(
                            status="Disabled"
                        ),
                        source_selection_criteria=s3.CfnBucket.SourceSelectionCriteriaProperty(
                            sse_kms_encrypted_objects=s3.CfnBucket.SseKmsEncryptedObjectsProperty(
                                status="Enabled"
                            )
                        ),
                        destination=s3.CfnBucket.ReplicationDestinationProperty(
                            bucket=destination.bucket_arn,
                            account=destination.account,
                            access_control_translation=s3.CfnBucket.AccessControlTranslationProperty(
                                owner="Destination"
                            ),
                            encryption_configuration=s3.CfnBucket.EncryptionConfigurationProperty(
                                replica_kms_key_id=destination.key_arn
                            ),
                            metrics=s3.CfnBucket.MetricsProperty(status="Enabled"),
                        ),
                    )
                    for number, prefix in enumerate(prefixes, 1)
                ],
            )
        self.alarm = cloudwatch.Alarm(
            self,
            "FailedReplication",
            metric=cloudwatch.MathExpression(
                expression="SUM(METRICS())",
                using_metrics={
                    f"m{number}": cloudwatch.Metric(
                        namespace="AWS/S3",
                        metric_name="OperationsFailedReplication",
                        dimensions_map={
                            "SourceBucket": source.bucket.bucket_name,
                            "DestinationBucket": destination.bucket_name,
                            "RuleId": f"ArchiveEvidence{rule}",
                        },
                        statistic="Sum",
                        period=Duration.minutes(5),
                    )
                    for number, (source, rule) in enumerate(
                        ((source, rule) for source, ps in checked for rule in range(1, len(ps) + 1)), 1
                    )
                },
                label="failed replications to the archive",
                period=Duration.minutes(5),
            ),
            threshold=0,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description="secure-bedrock: evidence failed to replicate to the organization's archive",
        )
        if alarm_topic is not None:
            self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
