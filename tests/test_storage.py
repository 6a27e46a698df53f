"""SecureLogBucket: the evidence bucket and its access-log bucket."""

from __future__ import annotations

import math

import pytest
from aws_cdk import App, CfnParameter, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from secure_bedrock import ObjectLock, SecureLogBucket
from tests.conftest import compliance_findings


def evidence(stack: Stack, **kwargs) -> SecureLogBucket:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    return SecureLogBucket(stack, "Evidence", encryption_key=key, **kwargs)


def buckets(template: Template) -> dict[str, dict]:
    return template.find_resources("AWS::S3::Bucket")


def test_evidence_bucket_is_kms_encrypted_versioned_private_logged_and_retained(stack: Stack) -> None:
    evidence(stack)
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "BucketKeyEnabled": True,
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]},
                            },
                        }
                    ]
                },
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LoggingConfiguration": {
                    "DestinationBucketName": {"Ref": Match.string_like_regexp("EvidenceAccessLogs")},
                    "LogFilePrefix": "Test-Evidence/",
                },
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_lifecycle_keeps_evidence_six_years_and_moves_it_to_colder_storage(stack: Stack) -> None:
    evidence(stack)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {
                            "Id": "KeepEvidence",
                            "Status": "Enabled",
                            "ExpirationInDays": 2192,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 2192},
                            "Transitions": [{"StorageClass": "GLACIER_IR", "TransitionInDays": 90}],
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    )
                ]
            }
        },
    )


def test_policies_require_tls_and_refuse_other_encryption(stack: Stack) -> None:
    evidence(stack)
    template = Template.from_stack(stack)
    policies = template.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        tls = [
            s
            for s in statements
            if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert tls
        assert tls[0]["Effect"] == "Deny"
        tls_version = [
            s for s in statements if "s3:TlsVersion" in s.get("Condition", {}).get("NumericLessThan", {})
        ]
        assert tls_version[0]["Condition"]["NumericLessThan"]["s3:TlsVersion"] == 1.2
        encryption = [s for s in statements if s.get("Sid") == "DenyPutsWithAnotherEncryption"]
        assert encryption[0]["Effect"] == "Deny"


def test_access_log_bucket_is_sse_s3_and_receives_only_from_s3_logging(stack: Stack) -> None:
    result = evidence(stack)
    template = Template.from_stack(stack)
    access = template.find_resources(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                }
            }
        },
    )
    assert len(access) == 1
    policy = template.find_resources(
        "AWS::S3::BucketPolicy", {"Properties": {"Bucket": {"Ref": next(iter(access))}}}
    )
    (statement,) = [
        s
        for p in policy.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert "aws:SourceArn" in statement["Condition"]["ArnLike"]
    assert result.access_logs_bucket is not None


def test_bring_your_own_access_log_bucket(stack: Stack) -> None:
    target = s3.Bucket.from_bucket_name(stack, "Target", "my-access-logs")
    evidence(stack, server_access_logs_bucket=target)
    template = Template.from_stack(stack)
    assert len(buckets(template)) == 1
    template.has_resource_properties(
        "AWS::S3::Bucket", {"LoggingConfiguration": {"DestinationBucketName": "my-access-logs"}}
    )


def test_object_lock_governance(stack: Stack) -> None:
    evidence(stack, object_lock=ObjectLock.governance(365))
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 365}},
            },
        },
    )


def test_no_object_lock_by_default(stack: Stack) -> None:
    evidence(stack)
    for bucket in buckets(Template.from_stack(stack)).values():
        assert "ObjectLockEnabled" not in bucket["Properties"]


def test_removal_policy_is_an_argument(stack: Stack) -> None:
    evidence(stack, removal_policy=RemovalPolicy.DESTROY)
    for bucket in buckets(Template.from_stack(stack)).values():
        assert bucket["DeletionPolicy"] == "Delete"


def test_passes_the_packs_with_acknowledged_replication_and_access_log_target(stack: Stack) -> None:
    evidence(stack)
    assert [f for f in compliance_findings(stack) if "Test/Evidence" in f] == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"retention_days": -1}, ValueError, r"retention_days must be between 1 and 36500, got -1"),
        (
            {"transition_after_days": 10},
            ValueError,
            r"transition_after_days must be between 30 and 36500, got 10",
        ),
        (
            {"retention_days": 60, "transition_after_days": 90},
            ValueError,
            r"retention_days, transition_after_days: 60 days is not longer than 90",
        ),
        (
            {"object_lock": ObjectLock.compliance(3000)},
            ValueError,
            r"object_lock: 3000 days of lock is longer than retention_days \(2192\)",
        ),
        ({"removal_policy": "retain"}, TypeError, r"removal_policy must be a RemovalPolicy"),
    ],
)
def test_fails_on_bad_input(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        evidence(stack, **kwargs)


def test_fails_on_bad_object_lock_days() -> None:
    with pytest.raises(ValueError, match=r"object_lock days must be between 1 and 36500, got 0"):
        ObjectLock.compliance(0)


def test_fails_without_a_key(stack: Stack) -> None:
    with pytest.raises(TypeError, match=r"encryption_key must be a kms.IKey"):
        SecureLogBucket(stack, "Evidence", encryption_key="alias/aws/s3")  # type: ignore[arg-type]


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def test_fails_on_an_unknown_object_lock_mode() -> None:
    with pytest.raises(ValueError, match=r"mode: 'FOREVER' is not an Object Lock mode"):
        ObjectLock("FOREVER", 2192)


def test_fails_on_non_finite_retention_and_jsii_survives(stack: Stack) -> None:
    # NaN used to reach jsii (through the token check), whose JSON channel cannot carry it: the
    # kernel died and every later CDK call in the process failed.
    key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/abc")
    for value in (math.nan, math.inf):
        with pytest.raises(TypeError, match=r"retention_days must be an integer"):
            SecureLogBucket(stack, "Bucket", encryption_key=key, retention_days=value)  # type: ignore[arg-type]
    Stack(App(), "StillAlive")


def test_fails_on_a_scope_outside_a_stack_or_a_taken_id(stack: Stack) -> None:
    key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/abc")
    with pytest.raises(TypeError, match=r"scope: 'the app' is not inside a Stack"):
        SecureLogBucket(stack.node.root, "Bucket", encryption_key=key)
    with pytest.raises(ValueError, match=r"construct_id: 'Key' is already used in 'Test'"):
        SecureLogBucket(stack, "Key", encryption_key=key)
    with pytest.raises(ValueError, match=r"construct_id: '' must be a literal, non-empty id"):
        SecureLogBucket(stack, "", encryption_key=key)


def test_accepts_a_deploy_time_retention(stack: Stack) -> None:
    days = CfnParameter(stack, "Days", type="Number", default=2192).value_as_number
    SecureLogBucket(stack, "Bucket", encryption_key=kms.Key(stack, "Key"), retention_days=days)
    rules = Template.from_stack(stack).find_resources("AWS::S3::Bucket")
    assert all(
        b["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {"Ref": "Days"}
        for b in rules.values()
    )
