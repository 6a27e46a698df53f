"""Central evidence: the log-archive account's archive and a member's replication into it, as
synthesized (the access matrix evaluates who can do what to the archive; the emulated deploy reads the
replication back from moto)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from secure_bedrock import (
    ArchiveDestination,
    BedrockModels,
    EvidenceArchive,
    EvidenceOptions,
    EvidenceReplication,
    SecureBedrockLandingZone,
    SecureLogBucket,
)
from secure_bedrock.archive import ARCHIVE_KEY_ALIAS, REPLICATE_ACTIONS
from tests.conftest import of_type

ARCHIVE_ACCOUNT = "444455556666"
ARCHIVE_BUCKET = f"secure-bedrock-evidence-archive-{ARCHIVE_ACCOUNT}-us-east-1"
KEY_ARN = f"arn:aws:kms:us-east-1:{ARCHIVE_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def archive_template(reference_assembly: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (Path(reference_assembly.directory) / "SecureBedrockLogArchive.template.json").read_text()
    )
    return loaded


def test_the_archive_locks_every_version_for_the_retention(archive_template: dict[str, Any]) -> None:
    buckets = of_type(archive_template, "AWS::S3::Bucket")
    (archive,) = [b for b in buckets.values() if b["Properties"].get("BucketName") == ARCHIVE_BUCKET]
    properties = archive["Properties"]
    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Days": 2192, "Mode": "COMPLIANCE"}},
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert archive["DeletionPolicy"] == archive["UpdateReplacePolicy"] == "Retain"
    (alias,) = of_type(archive_template, "AWS::KMS::Alias").values()
    assert alias["Properties"]["AliasName"] == ARCHIVE_KEY_ALIAS


def test_the_archive_admits_the_organizations_replication_roles_to_add_versions_only(
    archive_template: dict[str, Any],
) -> None:
    policies = of_type(archive_template, "AWS::S3::BucketPolicy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (replicate,) = [s for s in statements if s.get("Sid") == "MembersReplicateEvidence"]
    assert replicate["Effect"] == "Allow"
    assert sorted(replicate["Action"]) == sorted(REPLICATE_ACTIONS)
    # Each member adds under its own account's logs only (no member can forge another's evidence).
    assert json.dumps(replicate["Resource"]).endswith('/*AWSLogs/${aws:PrincipalAccount}/*"]]}')
    assert replicate["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": "o-ab12cd34ef"}
    assert "secure-bedrock-evidence-replication-*" in json.dumps(replicate["Condition"]["ArnLike"])
    # Nothing else is granted to anyone outside the archive account: every other Allow names a service
    # or this account, and no statement grants a delete.
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow":
            assert not any("Delete" in action or action == "s3:*" for action in actions), statement


def test_the_reference_member_replicates_its_evidence_without_deletes(reference_template: Template) -> None:
    template = reference_template.to_json()
    replicated = {
        k: v["Properties"]["ReplicationConfiguration"]
        for k, v in of_type(template, "AWS::S3::Bucket").items()
        if "ReplicationConfiguration" in v["Properties"]
    }
    assert len(replicated) == 2  # the invocation logs and the audit trail
    prefixes = sorted(rule["Filter"]["Prefix"] for c in replicated.values() for rule in c["Rules"])
    assert prefixes == ["AWSLogs/", "bedrock-large-data/", "bedrock/"]
    for configuration in replicated.values():
        for rule in configuration["Rules"]:
            assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
            assert rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
            destination = rule["Destination"]
            assert destination["Bucket"] == f"arn:aws:s3:::{ARCHIVE_BUCKET}"
            assert destination["Account"] == ARCHIVE_ACCOUNT
            assert destination["AccessControlTranslation"] == {"Owner": "Destination"}
            assert destination["EncryptionConfiguration"] == {
                "ReplicaKmsKeyID": f"arn:aws:kms:us-east-1:{ARCHIVE_ACCOUNT}:{ARCHIVE_KEY_ALIAS}"
            }
            assert destination["Metrics"] == {"Status": "Enabled"}
    roles = {
        v["Properties"].get("RoleName"): v
        for v in of_type(template, "AWS::IAM::Role").values()
        if v["Properties"].get("RoleName")
    }
    role = roles["secure-bedrock-evidence-replication-us-east-1"]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_a_failed_replication_alarms_on_the_landing_zones_topic(reference_template: Template) -> None:
    template = reference_template.to_json()
    alarms = [
        a
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
        if "OperationsFailedReplication" in json.dumps(a["Properties"])
    ]
    (alarm,) = alarms
    metrics = [m for m in alarm["Properties"]["Metrics"] if "MetricStat" in m]
    assert len(metrics) == 3  # one per replication rule
    (topic,) = of_type(template, "AWS::SNS::Topic")
    assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic}]


def test_the_vpc_flow_logs_reach_the_archive_through_the_trails_bucket(reference_template: Template) -> None:
    # A log group's events cannot be replicated: with an archive, a second flow log of the landing zone's
    # VPC delivers to the trail's bucket, under AWSLogs/, which the trail's replication rule covers.
    template = reference_template.to_json()
    flow_logs = {k: v["Properties"] for k, v in of_type(template, "AWS::EC2::FlowLog").items()}
    (to_s3,) = [p for p in flow_logs.values() if p["LogDestinationType"] == "s3"]
    (to_logs,) = [p for p in flow_logs.values() if p["LogDestinationType"] == "cloud-watch-logs"]
    assert to_s3["ResourceId"] == to_logs["ResourceId"]
    assert to_s3["TrafficType"] == "ALL"
    trail_bucket = to_s3["LogDestination"]["Fn::GetAtt"][0]
    assert trail_bucket.startswith("LandingZoneAuditTrailBucket")
    rules = template["Resources"][trail_bucket]["Properties"]["ReplicationConfiguration"]["Rules"]
    assert [rule["Filter"]["Prefix"] for rule in rules] == ["AWSLogs/"]


def test_without_an_archive_the_flow_logs_stay_in_their_log_group() -> None:
    stack = Stack(App(), "Alone", env=Environment(account="222233334444", region="us-east-1"))
    SecureBedrockLandingZone(stack, "LandingZone", models=[BedrockModels.AMAZON_NOVA_PRO])
    types = {
        r["Properties"]["LogDestinationType"]
        for r in Template.from_stack(stack).to_json()["Resources"].values()
        if r["Type"] == "AWS::EC2::FlowLog"
    }
    assert types == {"cloud-watch-logs"}


def _member(archive: ArchiveDestination, residency: str | None = None) -> Stack:
    stack = Stack(App(), "Member", env=Environment(account="222233334444", region="us-east-1"))
    SecureBedrockLandingZone(
        stack,
        "LandingZone",
        models=[BedrockModels.AMAZON_NOVA_PRO],
        evidence=EvidenceOptions(archive=archive),
        residency=residency,
    )
    return stack


def test_an_archive_outside_the_residency_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"evidence.archive: the archive is in eu-west-1, outside the 'us' geography"
    ):
        _member(ArchiveDestination.of(ARCHIVE_ACCOUNT, "eu-west-1"), residency="us")


def test_a_destination_by_key_arn_is_granted_that_key() -> None:
    stack = _member(ArchiveDestination(f"arn:aws:s3:::{ARCHIVE_BUCKET}", KEY_ARN, ARCHIVE_ACCOUNT))
    template = Template.from_stack(stack).to_json()
    statements = [
        s
        for p in of_type(template, "AWS::IAM::ManagedPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "EncryptReplicasWithTheArchiveKey"
    ]
    assert statements == [
        {
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": KEY_ARN,
            "Sid": "EncryptReplicasWithTheArchiveKey",
        }
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("s3://bucket", KEY_ARN, ARCHIVE_ACCOUNT), r"archive.bucket_arn: 's3://bucket' is not a bucket ARN"),
        (
            (f"arn:aws:s3:::{ARCHIVE_BUCKET}", "alias/x", ARCHIVE_ACCOUNT),
            r"archive.key_arn: 'alias/x' is not a KMS key or alias ARN",
        ),
        (
            (f"arn:aws:s3:::{ARCHIVE_BUCKET}", KEY_ARN, "4444"),
            r"archive.account: '4444' is not a 12-digit account id",
        ),
        (
            (f"arn:aws:s3:::{ARCHIVE_BUCKET}", KEY_ARN, "111122223333"),
            r"archive.key_arn: .* is not in the archive account",
        ),
        ((5, KEY_ARN, ARCHIVE_ACCOUNT), r"archive.bucket_arn must be a string"),
    ],
)
def test_a_wrong_destination_is_refused_naming_the_field(arguments: tuple[Any, ...], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        ArchiveDestination(*arguments)


def test_the_destination_of_an_archive_account_names_its_fixed_bucket_and_alias() -> None:
    destination = ArchiveDestination.of(ARCHIVE_ACCOUNT, "us-east-1")
    assert destination.bucket_arn == f"arn:aws:s3:::{ARCHIVE_BUCKET}"
    assert destination.key_alias == ARCHIVE_KEY_ALIAS
    assert destination.region == "us-east-1"
    with pytest.raises(ValueError, match="region: 'mars-1'"):
        ArchiveDestination.of(ARCHIVE_ACCOUNT, "mars-1")


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([], r"sources: name at least one evidence bucket"),
        (["bucket"], r"sources\[0\]: 'bucket' is not a \(SecureLogBucket, prefixes\) pair"),
        ("bucket-with-prefix", r"sources\[0\]\[1\]: name at least one key prefix"),
        ("bucket-without-slash", r"sources\[0\]\[1\]\[0\]: 'logs' must end in '/'"),
    ],
)
def test_wrong_replication_sources_are_refused(sources: Any, message: str) -> None:
    stack = Stack(App(), "Member", env=Environment(account="222233334444", region="us-east-1"))
    bucket = SecureLogBucket(stack, "Logs", encryption_key=kms.Key(stack, "Key"))
    if sources == "bucket-with-prefix":
        sources = [(bucket, [])]
    elif sources == "bucket-without-slash":
        sources = [(bucket, ["logs"])]
    with pytest.raises(ValueError, match=message):
        EvidenceReplication(
            stack,
            "Replication",
            destination=ArchiveDestination.of(ARCHIVE_ACCOUNT, "us-east-1"),
            sources=sources,
        )


def test_auditors_read_the_archive_and_nobody_else_is_named() -> None:
    stack = Stack(App(), "Archive", env=Environment(account=ARCHIVE_ACCOUNT, region="us-east-1"))
    EvidenceArchive(
        stack,
        "Archive",
        organization_id="o-ab12cd34ef",
        auditors=[iam.ArnPrincipal("arn:aws:iam::555566667777:role/Auditor")],
    )
    template = Template.from_stack(stack).to_json()
    statements = [
        s
        for p in of_type(template, "AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "555566667777" in json.dumps(s.get("Principal", ""))
    ]
    assert statements
    for statement in statements:
        assert all(action.startswith(("s3:Get", "s3:List")) for action in statement["Action"])
    with pytest.raises(ValueError, match="organization_id: 'o-1' is not an organization id"):
        EvidenceArchive(Stack(App(), "Other"), "Archive", organization_id="o-1")
