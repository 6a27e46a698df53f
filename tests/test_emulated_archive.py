"""The real CDK CLI deploys the evidence archive and a member account into one local moto server.

The log-archive account's stack (``SecureBedrockLogArchive``, stacks/log_archive_stack.py) and the account
stack that replicates to it (``SecureBedrockHipaa``) go the way of tests/test_emulated_deploy.py: ``cdk
bootstrap`` and ``cdk deploy --app <assembly>``, each with its own account's credentials, then checked
through the AWS APIs.

One moto server holds both accounts. moto 5.2.5 answers a request as the account named by the
``MOTO_ACCOUNT_ID`` environment variable of the server (unset here), else by an ``x-moto-account-id``
request header, else as the account that holds the request's access key (an IAM user's key, or the
credentials STS issued for a role of that account), else as its default account 123456789012
(moto/core/responses.py, ``get_current_account``). The member deploys with keys moto does not know (its
default account, as in test_emulated_deploy); the log-archive account's keys are an IAM user's, created in
that account through the header (``archive_credentials``), so the CLI's own calls need no header.

What moto does not emulate is asserted as such, so the test fails when moto changes:

- its bucket handler applies a bucket's encryption and tags only (test_emulated_deploy,
  ``BUCKET_PROPERTIES_MOTO_DROPS``): the archive's versioning and Object Lock, the member's versioning and
  replication, are applied through S3's API as CloudFormation's handler applies them, and so are the
  archive's bucket policies, a type moto skips;
- it does not replicate: an object put into the member's invocation-log bucket under ``bedrock/`` stays
  there, and nothing reaches the archive;
- it does not evaluate bucket policies as S3 does: it checks them on object requests only, with none of
  the request's context, and counts every statement whose condition it cannot match as a denial, so
  under the archive's policy it refuses every object request, the archive account's own included. What
  the cross-account policies allow and deny is evaluated by the access matrix (docs/access-matrix.md,
  ``archive_rows`` in stacks/documents/access_matrix.py) instead;
- it holds a version under compliance-mode Object Lock against deletion, as S3 does, but lets its
  retention be shortened, which S3 refuses: the template tests hold that claim (tests/test_archive.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from secure_bedrock.archive import ARCHIVE_KEY_ALIAS, REPLICATION_ROLE_PREFIX
from tests.test_emulated_deploy import (
    ACCOUNT,
    ARCHIVE_ACCOUNT,
    ARCHIVE_BUCKET,
    DEFAULT_CREDENTIALS,
    REGION,
    _of_type,
    account_credentials,
    apply_bucket_policies,
    apply_what_moto_drops,
    assert_moto_applied_only_encryption_and_tags,
    bootstrap_and_deploy,
    bucket_as_deployed,
    emulator_assembly,
    for_the_emulator,
    moto_server,
    physical_ids_of,
    resolver,
)
from tests.test_emulated_deploy import STACK as MEMBER_STACK

STACK = "SecureBedrockLogArchive"
RETENTION_DAYS = 2192

# Resource types of the archive template that moto 5.2.5's CloudFormation does not implement: it skips them
# with a warning and still reports the stack CREATE_COMPLETE. The test asserts that the deployed stack lacks
# exactly these.
NOT_EMULATED = frozenset({"AWS::S3::BucketPolicy"})

# The Sids of the archive bucket's policy (its other statements, the TLS denials, have none).
ARCHIVE_POLICY_SIDS = frozenset(
    {
        "DenyPutsWithAnotherEncryption",
        "DenyPutsWithAnotherKmsKey",
        "MembersReplicateEvidence",
        "MembersCheckTheDestination",
    }
)


def _template(reference_assembly: Any, stack: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (Path(reference_assembly.directory) / f"{stack}.template.json").read_text()
    )
    return loaded


@pytest.fixture(scope="module")
def template(reference_assembly: Any) -> dict[str, Any]:
    """The archive template as ``build_app`` synthesizes it."""
    return _template(reference_assembly, STACK)


@pytest.fixture(scope="module")
def member_template(reference_assembly: Any) -> dict[str, Any]:
    """The account stack's template as ``build_app`` synthesizes it."""
    return _template(reference_assembly, MEMBER_STACK)


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own moto server; stopped (and its log kept) afterwards."""
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def archive_credentials(moto_url: str) -> dict[str, str]:
    """The keys of an IAM user of the log-archive account, created there through moto's account header;
    moto answers every request made with them as that account."""
    return account_credentials(moto_url, ARCHIVE_ACCOUNT, "log-archive-deployer")


@pytest.fixture(scope="module")
def deployed(
    moto_url: str,
    reference_assembly: Any,
    template: dict[str, Any],
    member_template: dict[str, Any],
    archive_credentials: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Both stacks deployed by the CLI, each with its account's credentials: the archive first (as
    ``make deploy-log-archive`` goes before the members), then the member."""
    work = tmp_path_factory.mktemp("deploy-archive")
    assembly = emulator_assembly(
        Path(reference_assembly.directory),
        work,
        {
            STACK: for_the_emulator(template, not_emulated=NOT_EMULATED),
            MEMBER_STACK: for_the_emulator(member_template),
        },
    )
    bootstrap_and_deploy(
        moto_url, assembly, STACK, work, account=ARCHIVE_ACCOUNT, credentials=archive_credentials
    )
    bootstrap_and_deploy(moto_url, assembly, MEMBER_STACK, work)


def _client_factory(url: str, credentials: dict[str, str]) -> Any:
    session = boto3.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )
    return lambda service: session.client(service, endpoint_url=url)


@pytest.fixture(scope="module")
def archive(deployed: None, moto_url: str, archive_credentials: dict[str, str]) -> Any:
    """``archive("s3")``: a boto3 client of the emulated log-archive account."""
    return _client_factory(moto_url, archive_credentials)


@pytest.fixture(scope="module")
def member(deployed: None, moto_url: str) -> Any:
    """``member("s3")``: a boto3 client of the emulated member account."""
    return _client_factory(moto_url, DEFAULT_CREDENTIALS)


@pytest.fixture(scope="module")
def physical_ids(archive: Any) -> dict[str, str]:
    return physical_ids_of(archive, STACK)


@pytest.fixture(scope="module")
def member_ids(member: Any) -> dict[str, str]:
    return physical_ids_of(member, MEMBER_STACK)


@pytest.fixture(scope="module")
def archive_ids(template: dict[str, Any], physical_ids: dict[str, str]) -> dict[str, str]:
    """The archive bucket's and its key's physical ids."""
    (bucket,) = [
        k for k, v in _of_type(template, "AWS::S3::Bucket").items() if v["Properties"].get("BucketName")
    ]
    (key,) = _of_type(template, "AWS::KMS::Key")
    return {"bucket": physical_ids[bucket], "key": physical_ids[key]}


@pytest.fixture(scope="module")
def buckets_as_deployed(
    template: dict[str, Any], physical_ids: dict[str, str], archive: Any
) -> dict[str, Any]:
    """Logical id -> what moto answers for each property of that archive bucket, and for its policy, as
    the deploy left it (read before ``locked`` and ``completed`` apply what moto dropped or skipped)."""
    s3 = archive("s3")
    return {
        k: {
            **bucket_as_deployed(s3, physical_ids[k]),
            "BucketPolicy": _error_code(s3.get_bucket_policy, Bucket=physical_ids[k]),
        }
        for k in _of_type(template, "AWS::S3::Bucket")
    }


@pytest.fixture(scope="module")
def locked(
    buckets_as_deployed: dict[str, Any],
    template: dict[str, Any],
    physical_ids: dict[str, str],
    archive: Any,
    member_template: dict[str, Any],
    member_ids: dict[str, str],
    member: Any,
) -> None:
    """The bucket properties moto dropped, applied through S3's API in each account: the archive's
    versioning and Object Lock, the member's versioning and replication."""
    apply_what_moto_drops(
        archive("s3"), template, physical_ids, resolver(template, physical_ids, archive, ARCHIVE_ACCOUNT)
    )
    apply_what_moto_drops(
        member("s3"), member_template, member_ids, resolver(member_template, member_ids, member)
    )


def _error_code(call: Any, **arguments: Any) -> str | None:
    """The code of the error ``call`` answers, or ``None`` if it succeeds."""
    try:
        call(**arguments)
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return None


@pytest.fixture(scope="module")
def lock_probe(locked: None, archive: Any) -> dict[str, Any]:
    """A version put into the locked archive, and what moto answered when it was deleted and when its
    retention was shortened; done before the archive's bucket policy is applied (``completed``), under
    which moto refuses every object request (``test_moto_refuses_every_object_request_under_the_archive_policy``)."""
    s3 = archive("s3")
    key = f"bedrock/AWSLogs/{ACCOUNT}/locked.json.gz"
    version = s3.put_object(Bucket=ARCHIVE_BUCKET, Key=key, Body=b"evidence")["VersionId"]
    head = s3.head_object(Bucket=ARCHIVE_BUCKET, Key=key, VersionId=version)
    deletes = {
        bypass: _error_code(
            s3.delete_object,
            Bucket=ARCHIVE_BUCKET,
            Key=key,
            VersionId=version,
            BypassGovernanceRetention=bypass,
        )
        for bypass in (False, True)
    }
    marker = s3.delete_object(Bucket=ARCHIVE_BUCKET, Key=key)["DeleteMarker"]
    versions = [
        v["VersionId"] for v in s3.list_object_versions(Bucket=ARCHIVE_BUCKET, Prefix=key)["Versions"]
    ]
    shorter = head["LastModified"] + timedelta(days=1)
    shortening = _error_code(
        s3.put_object_retention,
        Bucket=ARCHIVE_BUCKET,
        Key=key,
        VersionId=version,
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": shorter},
    )
    retained_until = s3.head_object(Bucket=ARCHIVE_BUCKET, Key=key, VersionId=version)[
        "ObjectLockRetainUntilDate"
    ]
    return {
        "version": version,
        "head": head,
        "deletes": deletes,
        "marker": marker,
        "versions": versions,
        "shorter": shorter,
        "shortening": shortening,
        "retained_until": retained_until,
    }


@pytest.fixture(scope="module")
def completed(
    lock_probe: dict[str, Any], template: dict[str, Any], physical_ids: dict[str, str], archive: Any
) -> None:
    """``locked``, then the archive's bucket policies (a type moto skips) applied through S3's API."""
    apply_bucket_policies(archive("s3"), template, resolver(template, physical_ids, archive, ARCHIVE_ACCOUNT))


def test_moto_answers_as_the_account_that_holds_the_keys(archive: Any, member: Any) -> None:
    identity = archive("sts").get_caller_identity()
    assert identity["Account"] == ARCHIVE_ACCOUNT
    assert identity["Arn"] == f"arn:aws:iam::{ARCHIVE_ACCOUNT}:user/log-archive-deployer"
    assert member("sts").get_caller_identity()["Account"] == ACCOUNT
    # Each stack is in its own account, and each account sees its own stacks only.
    for client, stack, account, other in (
        (archive, STACK, ARCHIVE_ACCOUNT, MEMBER_STACK),
        (member, MEMBER_STACK, ACCOUNT, STACK),
    ):
        cloudformation = client("cloudformation")
        (description,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
        assert description["StackStatus"] == "CREATE_COMPLETE", description.get("StackStatusReason")
        assert description["StackId"].startswith(f"arn:aws:cloudformation:{REGION}:{account}:stack/{stack}/")
        with pytest.raises(ClientError, match="does not exist"):
            cloudformation.describe_stacks(StackName=other)


def test_moto_skips_exactly_the_declared_types(
    template: dict[str, Any], physical_ids: dict[str, str]
) -> None:
    skipped = {resource["Type"] for k, resource in template["Resources"].items() if k not in physical_ids}
    assert skipped == NOT_EMULATED, (
        "moto's coverage changed: update NOT_EMULATED (and add checks for what it now creates)"
    )
    created = {v["Type"] for k, v in template["Resources"].items() if k in physical_ids}
    assert created == {"AWS::KMS::Key", "AWS::KMS::Alias", "AWS::S3::Bucket"}


def test_moto_applies_only_the_encryption_and_tags_of_the_archive_buckets(
    template: dict[str, Any], buckets_as_deployed: dict[str, Any]
) -> None:
    # As for the account stack's buckets (test_emulated_deploy): no versioning, Object Lock or the rest,
    # and no bucket policy (a type moto skips). `locked` and `completed` apply those the archive relies on.
    buckets = _of_type(template, "AWS::S3::Bucket")
    for logical_id, resource in buckets.items():
        assert_moto_applied_only_encryption_and_tags(resource, buckets_as_deployed[logical_id])
        assert buckets_as_deployed[logical_id]["BucketPolicy"] == "NoSuchBucketPolicy", logical_id
    (archive_bucket,) = [k for k, v in buckets.items() if v["Properties"].get("BucketName") == ARCHIVE_BUCKET]
    assert (
        buckets_as_deployed[archive_bucket]["ObjectLockConfiguration"]
        == "ObjectLockConfigurationNotFoundError"
    )


def test_the_archive_bucket_has_its_fixed_name_and_the_archive_key(
    archive: Any, member: Any, archive_ids: dict[str, str]
) -> None:
    assert archive_ids["bucket"] == ARCHIVE_BUCKET
    assert ARCHIVE_BUCKET in {b["Name"] for b in archive("s3").list_buckets()["Buckets"]}
    assert ARCHIVE_BUCKET not in {b["Name"] for b in member("s3").list_buckets()["Buckets"]}
    key_arn = archive("kms").describe_key(KeyId=archive_ids["key"])["KeyMetadata"]["Arn"]
    assert key_arn.startswith(f"arn:aws:kms:{REGION}:{ARCHIVE_ACCOUNT}:key/")
    # The encryption as the deploy applied it: SSE-KMS with the archive's key (its Fn::GetAtt resolved).
    (rule,) = archive("s3").get_bucket_encryption(Bucket=ARCHIVE_BUCKET)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }


def test_the_archive_bucket_is_versioned_and_locked_in_compliance_mode(locked: None, archive: Any) -> None:
    s3 = archive("s3")
    assert s3.get_bucket_versioning(Bucket=ARCHIVE_BUCKET)["Status"] == "Enabled"
    assert s3.get_object_lock_configuration(Bucket=ARCHIVE_BUCKET)["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        # moto answers Years 0 beside the Days it was given.
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": RETENTION_DAYS, "Years": 0}},
    }


def test_the_archive_key_rotates_and_its_alias_names_it(
    template: dict[str, Any], archive: Any, archive_ids: dict[str, str]
) -> None:
    kms = archive("kms")
    key_id = archive_ids["key"]
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeyManager"], metadata["Enabled"], metadata["AWSAccountId"]) == (
        "CUSTOMER",
        True,
        ARCHIVE_ACCOUNT,
    )
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
    (alias,) = kms.list_aliases(KeyId=key_id)["Aliases"]
    assert alias["AliasName"] == ARCHIVE_KEY_ALIAS
    assert alias["AliasArn"] == f"arn:aws:kms:{REGION}:{ARCHIVE_ACCOUNT}:{ARCHIVE_KEY_ALIAS}"
    assert alias["TargetKeyId"] == key_id
    # The members name the key by its alias (the replication rule's ReplicaKmsKeyID is the alias ARN).
    assert kms.describe_key(KeyId=alias["AliasArn"])["KeyMetadata"]["KeyId"] == key_id
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    (key,) = _of_type(template, "AWS::KMS::Key").values()
    assert policy == key["Properties"]["KeyPolicy"]
    assert "MembersEncryptReplicas" in {s.get("Sid") for s in policy["Statement"]}


def test_the_archive_bucket_policy_admits_the_organizations_replication_roles(
    completed: None, archive: Any, archive_ids: dict[str, str]
) -> None:
    # The template's policy as `completed` applied it, resolved against the deployed bucket and key.
    s3 = archive("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=ARCHIVE_BUCKET)["Policy"])
    assert {s["Sid"] for s in policy["Statement"] if "Sid" in s} == ARCHIVE_POLICY_SIDS
    statements = {s["Sid"]: s for s in policy["Statement"] if "Sid" in s}
    for sid in ("MembersReplicateEvidence", "MembersCheckTheDestination"):
        condition = statements[sid]["Condition"]
        assert condition["ArnLike"] == {
            "aws:PrincipalArn": f"arn:aws:iam::*:role/{REPLICATION_ROLE_PREFIX}*"
        }, sid
        assert set(condition["StringEquals"]) == {"aws:PrincipalOrgID"}, sid
    assert (
        statements["MembersReplicateEvidence"]["Resource"]
        == f"arn:aws:s3:::{ARCHIVE_BUCKET}/*AWSLogs/${{aws:PrincipalAccount}}/*"
    )
    assert statements["MembersCheckTheDestination"]["Resource"] == f"arn:aws:s3:::{ARCHIVE_BUCKET}"
    key_arn = archive("kms").describe_key(KeyId=archive_ids["key"])["KeyMetadata"]["Arn"]
    assert statements["DenyPutsWithAnotherKmsKey"]["Condition"]["StringNotEquals"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn
    }
    # moto counts a policy public only for an unconditioned Allow to everyone: this says no more than that.
    assert s3.get_bucket_policy_status(Bucket=ARCHIVE_BUCKET)["PolicyStatus"] == {"IsPublic": False}


def test_moto_does_not_replicate_the_members_evidence(
    completed: None, member: Any, member_ids: dict[str, str], archive: Any
) -> None:
    # moto stores the replication configuration (test_emulated_deploy reads it back) but never runs it:
    # nothing S3 would copy reaches the archive, and the source version has no ReplicationStatus (S3
    # answers PENDING, then COMPLETED or FAILED). What the cross-account policies allow and deny is
    # evaluated by the access matrix (archive_rows in stacks/documents/access_matrix.py) instead.
    (source,) = [v for k, v in member_ids.items() if k.startswith("LandingZoneInvocationLoggingBucket")]
    s3 = member("s3")
    replication = s3.get_bucket_replication(Bucket=source)["ReplicationConfiguration"]
    assert {rule["Destination"]["Bucket"] for rule in replication["Rules"]} == {
        f"arn:aws:s3:::{ARCHIVE_BUCKET}"
    }
    key = f"bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/{REGION}/2026/12/06/00/replicate-me.json.gz"
    version = s3.put_object(Bucket=source, Key=key, Body=b'{"evidence": true}')["VersionId"]
    head = s3.head_object(Bucket=source, Key=key, VersionId=version)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert "ReplicationStatus" not in head
    # Listing is a bucket request, which moto answers under the archive's policy (see below).
    archived = archive("s3").list_object_versions(Bucket=ARCHIVE_BUCKET, Prefix=key)
    assert "Versions" not in archived
    assert "DeleteMarkers" not in archived


def test_moto_refuses_every_object_request_under_the_archive_policy(
    completed: None, member: Any, archive: Any
) -> None:
    # moto evaluates a bucket policy on object requests only, without the request's context (no
    # aws:SecureTransport, aws:PrincipalOrgID, s3:x-amz-server-side-encryption...), and counts every
    # statement whose condition it cannot match as a denial, whatever its effect (moto/iam/
    # access_control.py, IAMPolicyStatement.is_action_permitted). Under the archive's policy it refuses
    # every object request, the archive account's own included, where S3 admits the archive's
    # principals and the organization's replication roles: its answers say nothing of the policy. The
    # access matrix's archive rows evaluate it.
    key = "moto-refuses/everyone"
    for client in (archive, member):
        s3 = client("s3")
        assert _error_code(s3.put_object, Bucket=ARCHIVE_BUCKET, Key=key, Body=b"x") == "403"
        assert (
            _error_code(
                s3.head_object, Bucket=ARCHIVE_BUCKET, Key=f"bedrock/AWSLogs/{ACCOUNT}/locked.json.gz"
            )
            == "403"
        )
    assert "Versions" not in archive("s3").list_object_versions(Bucket=ARCHIVE_BUCKET, Prefix=key)


def test_moto_holds_a_locked_version_against_deletion_but_not_its_retention(
    lock_probe: dict[str, Any],
) -> None:
    head = lock_probe["head"]
    # The bucket's default retention lands on every new version: compliance mode, for the retention.
    assert head["ObjectLockMode"] == "COMPLIANCE"
    held = head["ObjectLockRetainUntilDate"] - head["LastModified"]
    assert timedelta(days=RETENTION_DAYS) <= held < timedelta(days=RETENTION_DAYS + 1), held
    # moto refuses to delete the locked version, with or without the governance bypass, as S3 does; a
    # delete without a version adds a delete marker (as in S3) and the version stays.
    assert lock_probe["deletes"] == {False: "AccessDenied", True: "AccessDenied"}
    assert lock_probe["marker"] is True
    assert lock_probe["versions"] == [lock_probe["version"]]
    # An emulator gap: S3 refuses to shorten a compliance-mode retention; moto accepts it and stores it.
    # The template tests hold the claim (compliance mode: tests/test_archive.py).
    assert lock_probe["shortening"] is None
    assert lock_probe["retained_until"] == lock_probe["shorter"]


def test_the_members_flow_logs_go_to_the_trails_bucket_too(
    completed: None, member: Any, member_ids: dict[str, str]
) -> None:
    # Two flow logs of the landing zone's VPC: its log group, and the trail's bucket, whose AWSLogs/
    # prefix replicates to the archive (moto creates both, delivers no records; its replication is the one
    # applied through the API, as moto drops it from the template).
    (vpc,) = [
        v for k, v in member_ids.items() if k.startswith("LandingZoneNetworkVpc") and v.startswith("vpc-")
    ]
    (trail_bucket,) = [
        v for k, v in member_ids.items() if re.match(r"^LandingZoneAuditTrailBucket[0-9A-F]{8}$", k)
    ]
    flow_logs = member("ec2").describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])[
        "FlowLogs"
    ]
    destinations = sorted(f["LogDestinationType"] for f in flow_logs)
    assert destinations == ["cloud-watch-logs", "s3"]
    (to_s3,) = [f for f in flow_logs if f["LogDestinationType"] == "s3"]
    assert to_s3["LogDestination"] == f"arn:aws:s3:::{trail_bucket}"
    rules = member("s3").get_bucket_replication(Bucket=trail_bucket)["ReplicationConfiguration"]["Rules"]
    assert {rule["Destination"]["Bucket"] for rule in rules} == {f"arn:aws:s3:::{ARCHIVE_BUCKET}"}
