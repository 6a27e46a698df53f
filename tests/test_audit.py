"""BedrockAuditTrail and BedrockAuditor: the trail of who called Bedrock, and who may read the evidence."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from secure_bedrock import (
    BEDROCK_DATA_EVENT_TYPES,
    BedrockAuditor,
    BedrockAuditTrail,
    BedrockModels,
    BedrockPrivateNetwork,
    ModelInvocationLogging,
)
from tests.conftest import compliance_findings


def trail_props(template: Template) -> dict:
    (trail,) = template.find_resources("AWS::CloudTrail::Trail").values()
    return trail


def test_trail_is_multi_region_validated_encrypted_and_sent_to_cloudwatch(stack: Stack) -> None:
    BedrockAuditTrail(stack, "Audit")
    template = Template.from_stack(stack)
    trail = trail_props(template)
    props = trail["Properties"]
    assert props["IsMultiRegionTrail"] is True
    assert props["EnableLogFileValidation"] is True
    assert props["IncludeGlobalServiceEvents"] is True
    assert props["IsLogging"] is True
    assert props["KMSKeyId"]["Fn::GetAtt"][0].startswith("AuditKey")
    assert props["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0].startswith("AuditLogGroup")
    assert trail["DeletionPolicy"] == "Retain"
    template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 2192, "KmsKeyId": Match.any_value()}, "DeletionPolicy": "Retain"},
    )


def test_advanced_selectors_add_bedrock_data_events_to_management_events(stack: Stack) -> None:
    BedrockAuditTrail(stack, "Audit")
    selectors = trail_props(Template.from_stack(stack))["Properties"]["AdvancedEventSelectors"]
    assert selectors[0]["FieldSelectors"] == [{"Field": "eventCategory", "Equals": ["Management"]}]
    data_types = [
        next(f["Equals"][0] for f in s["FieldSelectors"] if f["Field"] == "resources.type")
        for s in selectors[1:]
    ]
    # The Bedrock types, then reads of the trail's own log files (S3 objects).
    assert data_types == [*BEDROCK_DATA_EVENT_TYPES, "AWS::S3::Object"]
    assert "AWS::Bedrock::Guardrail" in data_types
    for selector in selectors[1:]:
        assert {"Field": "eventCategory", "Equals": ["Data"]} in selector["FieldSelectors"]


def test_key_policy_lets_cloudtrail_encrypt_only_for_this_trail(stack: Stack) -> None:
    BedrockAuditTrail(stack, "Audit")
    template = Template.from_stack(stack)
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = {s.get("Sid"): s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    encrypt = statements["AllowCloudTrailToEncryptLogs"]
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1].startswith(
        ":trail/secure-bedrock-"
    )
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in encrypt["Condition"]["StringLike"]
    assert statements["AllowCloudTrailToDescribeKey"]["Action"] == "kms:DescribeKey"


#: Service statements without conditions, and why each is safe (docs/evidence.md, "Tamper evidence").
UNCONDITIONED_SERVICE_STATEMENTS = {
    "AllowEventBridgeRulesToPublish": "SNS's KMS calls for an EventBridge publisher are not documented to "
    "carry source keys; the topic policy admits the one rule by ARN, and the key encrypts only that topic",
}


def test_every_service_statement_in_every_key_policy_has_a_condition(reference_template: Template) -> None:
    unconditioned = set()
    for logical_id, key in reference_template.find_resources("AWS::KMS::Key").items():
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            if "Service" in statement["Principal"] and not statement.get("Condition"):
                unconditioned.add(statement.get("Sid"))
                assert statement.get("Sid") in UNCONDITIONED_SERVICE_STATEMENTS, (
                    f"{logical_id}: {statement.get('Sid')} has no condition"
                )
    assert unconditioned == set(UNCONDITIONED_SERVICE_STATEMENTS), "an exception no longer needed"


def test_bucket_policy_lets_cloudtrail_write_only_for_this_trail(stack: Stack) -> None:
    BedrockAuditTrail(stack, "Audit")
    template = Template.from_stack(stack)
    statements = [
        s
        for p in template.find_resources("AWS::S3::BucketPolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}
    ]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["AWSCloudTrailAclCheck"]["Action"] == "s3:GetBucketAcl"
    write = by_sid["AWSCloudTrailWrite"]
    assert write["Condition"]["StringEquals"]["s3:x-amz-acl"] == "bucket-owner-full-control"
    assert "aws:SourceArn" in write["Condition"]["StringEquals"]
    assert write["Resource"]["Fn::Join"][1][-1] == "/*"


def test_logs_role_trusts_cloudtrail_for_this_trail_and_writes_its_streams(stack: Stack) -> None:
    BedrockAuditTrail(stack, "Audit")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"]["Fn::Join"][1][-1].endswith("_CloudTrail_us-east-1*")


def test_bring_your_own_bucket(stack: Stack) -> None:
    bucket = s3.Bucket(stack, "Theirs", enforce_ssl=True)
    trail = BedrockAuditTrail(stack, "Audit", bucket=bucket)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::Bucket", 1)
    assert trail.bucket is None
    assert trail_props(template)["Properties"]["S3BucketName"]["Ref"].startswith("Theirs")


def test_trail_passes_the_packs(stack: Stack) -> None:
    BedrockAuditTrail(stack, "Audit")
    assert compliance_findings(stack) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"data_event_types": []}, ValueError, r"data_event_types must not be empty"),
        (
            {"data_event_types": ["AWS::S3::Object"]},
            ValueError,
            r"data_event_types\[0\]: 'AWS::S3::Object' is not a Bedrock resource type",
        ),
        (
            {"data_event_types": ["AWS::Bedrock::Guardrail", "AWS::Bedrock::Guardrail"]},
            ValueError,
            r"data_event_types\[1\]: 'AWS::Bedrock::Guardrail' repeats data_event_types\[0\]",
        ),
        ({"bucket": "my-bucket"}, TypeError, r"bucket must be an s3.IBucket"),
        ({"log_retention": 2192}, TypeError, r"log_retention must be a logs.RetentionDays"),
    ],
)
def test_trail_fails_on_bad_input(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        BedrockAuditTrail(stack, "Audit", **kwargs)


# --- the auditor ---------------------------------------------------------------------------------


def evidence(stack: Stack) -> tuple[ModelInvocationLogging, BedrockAuditTrail]:
    network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    return ModelInvocationLogging(stack, "Logs", network=network), BedrockAuditTrail(stack, "Audit")


def test_auditor_reads_evidence_and_nothing_else(stack: Stack) -> None:
    logs, trail = evidence(stack)
    auditor = BedrockAuditor(
        stack, "Auditor", invocation_logging=logs, audit_trail=trail, assumed_by=iam.AccountRootPrincipal()
    )
    template = Template.from_stack(stack)
    (policy,) = template.find_resources(
        "AWS::IAM::ManagedPolicy", {"Properties": {"Description": Match.string_like_regexp("auditor")}}
    ).values()
    actions = {
        a
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert all(
        a.split(":")[1].startswith(("Get", "List", "Describe", "Filter", "Decrypt")) for a in actions
    ), actions
    assert not any(a.startswith("bedrock:") for a in actions)
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] != "*"
        if statement["Action"] == "kms:Decrypt":
            # Through S3 and CloudWatch Logs only (a handler's log: CloudWatch Logs alone).
            via = statement["Condition"]["StringEquals"]["kms:ViaService"]
            assert set([via] if isinstance(via, str) else via) <= {
                "s3.us-east-1.amazonaws.com",
                "logs.us-east-1.amazonaws.com",
            }
    assert auditor.role is not None
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "ManagedPolicyArns": [{"Ref": Match.string_like_regexp("AuditorPolicy")}],
            "Description": Match.string_like_regexp("auditor"),
        },
    )


def test_auditor_without_a_principal_is_only_a_policy(stack: Stack) -> None:
    logs, trail = evidence(stack)
    auditor = BedrockAuditor(stack, "Auditor", invocation_logging=logs, audit_trail=trail)
    assert auditor.role is None
    assert [f for f in compliance_findings(stack) if "Test/Auditor" in f] == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"invocation_logging": None, "audit_trail": None}, ValueError, r"give at least one"),
        ({"assumed_by": iam.AnyPrincipal()}, ValueError, r"assumed_by: '\*' would let anyone read PHI"),
        (
            {"assumed_by": "arn:aws:iam::111122223333:root"},
            TypeError,
            r"assumed_by must be an iam.IPrincipal",
        ),
    ],
)
def test_auditor_fails_on_bad_input(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    logs, trail = evidence(stack)
    arguments = {"invocation_logging": logs, "audit_trail": trail, **kwargs}
    with pytest.raises(error, match=message):
        BedrockAuditor(stack, "Auditor", **arguments)


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"data_event_types": ["AWS::Bedrock::"]},
            ValueError,
            r"data_event_types\[0\]: 'AWS::Bedrock::' is not a",
        ),
        ({"data_event_types": "AWS::Bedrock::Guardrail"}, TypeError, r"data_event_types must be a list"),
        ({"removal_policy": "RETAIN"}, TypeError, r"removal_policy must be a RemovalPolicy"),
        ({"log_retention": 2192}, TypeError, r"log_retention must be a logs.RetentionDays"),
        # With your own bucket these are ignored, but a value of the wrong type is still a mistake.
        (
            {"bucket_name": "evidence", "retention_days": "six years"},
            TypeError,
            r"retention_days must be an integer",
        ),
        (
            {"bucket_name": "evidence", "object_lock": "COMPLIANCE"},
            TypeError,
            r"object_lock must be ObjectLock",
        ),
    ],
)
def test_fails_before_creating_anything(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    if "bucket_name" in kwargs:
        kwargs = dict(kwargs)
        kwargs["bucket"] = s3.Bucket.from_bucket_name(stack, "Own", kwargs.pop("bucket_name"))
    with pytest.raises(error, match=message):
        BedrockAuditTrail(stack, "Trail", **kwargs)
    assert stack.node.try_find_child("Trail") is None


def test_a_retention_too_short_for_the_transition_is_refused_up_front(stack: Stack) -> None:
    with pytest.raises(ValueError, match=r"retention_days must be between 91 and 36500, got 30"):
        BedrockAuditTrail(stack, "Audit", retention_days=30)
    assert stack.node.try_find_child("Audit") is None, "nothing was built before the error"
