"""ModelInvocationLogging: destinations, policies, the handler's hardening, and the configuration it sets."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template
from botocore.validate import validate_parameters

from secure_bedrock import BedrockModels, BedrockPrivateNetwork, ModelInvocationLogging, ObjectLock
from tests.conftest import compliance_findings

BEDROCK = botocore.session.get_session().get_service_model("bedrock")


def logging(stack: Stack, **kwargs: Any) -> ModelInvocationLogging:
    network = BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    return ModelInvocationLogging(stack, "Logs", network=network, **kwargs)


def one(template: Template, resource_type: str, props: dict | None = None) -> dict:
    found = template.find_resources(resource_type, {"Properties": props} if props else None)
    assert len(found) == 1, f"{len(found)} {resource_type} match"
    return next(iter(found.values()))


def invocation_key(template: Template) -> dict:
    return one(template, "AWS::KMS::Key", {"Description": Match.string_like_regexp("invocation logs")})


def test_bucket_policy_lets_bedrock_write_only_its_prefix_for_this_account(stack: Stack) -> None:
    logging(stack, key_prefix="phi")
    template = Template.from_stack(stack)
    policy = one(
        template,
        "AWS::S3::BucketPolicy",
        {"Bucket": {"Ref": Match.string_like_regexp("^LogsBucket[0-9A-F]{8}$")}},
    )
    (bedrock,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "AmazonBedrockLogsWrite"
    ]
    assert bedrock["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert bedrock["Action"] == "s3:PutObject"
    paths = [resource["Fn::Join"][1][-1] for resource in bedrock["Resource"]]
    assert paths == ["/BedrockModelInvocationLogs/*", "/BedrockModelInvocationLogs/*"]
    prefixes = [resource["Fn::Join"][1][1] for resource in bedrock["Resource"]]
    assert sorted(prefixes) == ["/phi-large-data/AWSLogs/", "/phi/AWSLogs/"]
    assert bedrock["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert bedrock["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":*"
    sids = {s.get("Sid") for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert {"DenyPutsWithAnotherEncryption", "DenyPutsWithAnotherKmsKey"} <= sids


def test_key_policy_guards_every_service_statement(stack: Stack) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    statements = invocation_key(template)["Properties"]["KeyPolicy"]["Statement"]
    services = {
        s["Principal"]["Service"] if isinstance(s["Principal"]["Service"], str) else "?": s
        for s in statements
        if "Service" in s["Principal"]
    }
    assert set(services) == {"bedrock.amazonaws.com", "logs.us-east-1.amazonaws.com"}
    bedrock = services["bedrock.amazonaws.com"]
    assert bedrock["Action"] == "kms:GenerateDataKey"
    assert set(bedrock["Condition"]) == {"StringEquals", "ArnLike"}
    assert bedrock["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # One CloudWatch Logs statement per log group (invocation logs, handler and drift-check logs), each
    # tied to its ARN.
    logs_statements = [
        s for s in statements if s["Principal"].get("Service") == "logs.us-east-1.amazonaws.com"
    ]
    assert len(logs_statements) == 3
    for statement in logs_statements:
        assert list(statement["Condition"]["ArnLike"]) == ["kms:EncryptionContext:aws:logs:arn"]


def test_log_group_is_encrypted_and_kept_six_years(stack: Stack) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "LogGroupName": Match.string_like_regexp("model-invocations$"),
                "RetentionInDays": 2192,
                "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("LogsKey"), "Arn"]},
            },
            "DeletionPolicy": "Retain",
        },
    )


def test_delivery_role_trusts_bedrock_for_this_account_and_writes_one_stream(stack: Stack) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    role = one(
        template, "AWS::IAM::Role", {"Description": Match.string_like_regexp("deliver model invocation logs")}
    )
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert set(trust["Condition"]) == {"StringEquals", "ArnLike"}
    policy = one(
        template, "AWS::IAM::ManagedPolicy", {"Description": Match.string_like_regexp("one log stream")}
    )
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"]["Fn::Join"][1][-1].endswith(":log-stream:aws/bedrock/modelinvocations")


def test_handler_is_hardened(stack: Stack) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    function = one(
        template,
        "AWS::Lambda::Function",
        {"Description": Match.string_like_regexp("sets the account's Bedrock model invocation logging")},
    )
    props = function["Properties"]
    # No reserved concurrency: new accounts (total 10, all unreserved) would refuse the deploy.
    assert "ReservedConcurrentExecutions" not in props
    assert function["Metadata"]["secure-bedrock:function"] == {"construct": "HardenedFunction"}
    subnets = [ref["Ref"] for ref in props["VpcConfig"]["SubnetIds"]]
    assert len(subnets) == 2
    assert all("IsolatedSubnet" in subnet for subnet in subnets)
    assert props["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0].startswith("LogsHandlerDeadLetterQueue")
    assert props["LoggingConfig"]["LogGroup"]["Ref"].startswith("LogsHandlerLogs")
    assert props["Runtime"] == "python3.14"
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "LogGroupName": Match.string_like_regexp("function$"),
                "KmsKeyId": Match.any_value(),
                "RetentionInDays": 2192,
            }
        },
    )
    role = one(
        template,
        "AWS::IAM::Role",
        {"Description": Match.string_like_regexp("invocation logging configuration")},
    )
    assert "ManagedPolicyArns" not in role["Properties"]
    assert "Policies" not in role["Properties"]
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.has_resource_properties(
        "AWS::SQS::Queue", {"KmsMasterKeyId": {"Fn::GetAtt": [Match.string_like_regexp("LogsKey"), "Arn"]}}
    )


def test_handler_may_manage_logging_pass_roles_only_to_bedrock_and_touch_only_its_state(
    stack: Stack,
) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    policy = one(
        template,
        "AWS::IAM::ManagedPolicy",
        {"Description": Match.string_like_regexp("logging configuration: runtime")},
    )
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert sorted(statements["ManageInvocationLoggingConfiguration"]["Action"]) == [
        "bedrock:DeleteModelInvocationLoggingConfiguration",
        "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:PutModelInvocationLoggingConfiguration",
    ]
    # Putting back an adopted configuration passes that configuration's role: any role, to Bedrock only.
    pass_role = statements["PassDeliveryRolesToBedrock"]
    assert pass_role["Action"] == "iam:PassRole"
    assert pass_role["Resource"]["Fn::Join"][1][-1] == ":role/*"
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}
    state = statements["KeepState"]
    assert sorted(state["Action"]) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert state["Resource"]["Fn::Join"][1][-1] == "/secure-bedrock-state/invocation-logging/*"
    # Moving state out of a replaced bucket, and finding it, stays in this account.
    for sid in ("MoveStateFromAnEarlierBucket", "FindState"):
        assert statements[sid]["Condition"]["StringEquals"]["s3:ResourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "s3:PutObject" not in statements["MoveStateFromAnEarlierBucket"]["Action"]
    assert statements["EncryptState"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    }


def test_one_landing_zone_claims_the_setting_before_the_handler_runs(stack: Stack) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    claim_id, claim = next(
        iter(
            template.find_resources(
                "AWS::SSM::Parameter",
                {"Properties": {"Name": "/secure-bedrock/model-invocation-logging/owner"}},
            ).items()
        )
    )
    assert "stackId" in json.dumps(claim["Properties"]["Value"])
    assert claim_id in one(template, "Custom::BedrockModelInvocationLogging")["DependsOn"]


def test_a_second_logging_setting_for_the_same_account_and_region_fails_at_synth(stack: Stack) -> None:
    logging(stack)
    with pytest.raises(
        ValueError, match=r"construct_id: .*Logs.* already sets the model invocation logging of this stack"
    ):
        ModelInvocationLogging(stack, "Again", vpc=ec2.Vpc(stack, "OtherVpc"))


def test_only_the_logs_expire_and_the_handler_state_is_kept(stack: Stack) -> None:
    result = logging(stack)
    bucket = Template.from_stack(stack).to_json()["Resources"][
        stack.get_logical_id(result.bucket.bucket.node.default_child)
    ]
    rules = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    # Bedrock writes under <prefix>/AWSLogs/...; the handler's state lives under STATE_PREFIX.
    assert sorted(rule["Prefix"] for rule in rules) == ["bedrock-large-data/", "bedrock/"]
    assert all(rule["ExpirationInDays"] == 2192 for rule in rules)


def test_what_keeps_a_left_configuration_delivering_is_retained(stack: Stack) -> None:
    logging(stack, removal_policy=RemovalPolicy.DESTROY)
    template = Template.from_stack(stack)
    for kind in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy"):
        retained = [
            logical_id
            for logical_id, resource in template.find_resources(kind).items()
            if resource.get("DeletionPolicy") == "Retain"
            and ("Delivery" in logical_id or kind == "AWS::S3::BucketPolicy")
        ]
        assert retained, kind


def test_custom_resource_payload_validates_against_botocore(stack: Stack) -> None:
    result = logging(stack, video=False)
    template = Template.from_stack(stack)
    resource = one(template, "Custom::BedrockModelInvocationLogging")
    props = resource["Properties"]
    assert props["StatePrefix"] == "secure-bedrock-state/invocation-logging"
    assert props["AdoptExisting"] is False
    assert resource["Properties"]["ServiceTimeout"] == "300"
    config = props["LoggingConfig"]
    assert config["videoDataDeliveryEnabled"] is False
    assert config["textDataDeliveryEnabled"] is True
    # Tokens become placeholders of the right shape; the structure and names are what botocore checks.
    concrete = stack.resolve(result.logging_config)
    concrete["s3Config"]["bucketName"] = "evidence-bucket"
    concrete["cloudWatchConfig"]["largeDataDeliveryS3Config"]["bucketName"] = "evidence-bucket"
    concrete["cloudWatchConfig"]["roleArn"] = "arn:aws:iam::123456789012:role/delivery"
    operation = BEDROCK.operation_model("PutModelInvocationLoggingConfiguration")
    validate_parameters({"loggingConfig": concrete}, operation.input_shape)


def test_configuration_waits_for_its_destinations(stack: Stack) -> None:
    logging(stack)
    template = Template.from_stack(stack)
    depends_on = one(template, "Custom::BedrockModelInvocationLogging").get("DependsOn", [])
    for fragment in ("BucketPolicy", "DeliveryPolicy", "LogGroup", "Claim"):
        assert any(fragment in d for d in depends_on), fragment


def test_object_lock_when_requested(stack: Stack) -> None:
    logging(stack, object_lock=ObjectLock.compliance(2192))
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "ObjectLockEnabled": True,
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2192}},
            },
        },
    )


def test_bring_your_own_key(stack: Stack) -> None:
    key = kms.Key.from_key_arn(
        stack, "Theirs", "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    )
    logging(stack, encryption_key=key)
    template = Template.from_stack(stack)
    # The network's flow-log key remains; no key for the invocation logs.
    template.resource_count_is("AWS::KMS::Key", 1)
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": Match.string_like_regexp("model-invocations"), "KmsKeyId": key.key_arn},
    )


def test_delivery_failure_metrics() -> None:
    metric = ModelInvocationLogging.metric("ModelInvocationLogsS3DeliveryFailure")
    assert metric.namespace == "AWS/Bedrock"
    assert metric.metric_name == "ModelInvocationLogsS3DeliveryFailure"
    assert metric.statistic == "Sum"


def test_metric_methods_use_the_official_names(stack: Stack) -> None:
    result = logging(stack)
    names = {
        result.metric_model_invocation_logs_cloud_watch_delivery_failure().metric_name,
        result.metric_model_invocation_logs_cloud_watch_delivery_success().metric_name,
        result.metric_model_invocation_logs_s3_delivery_failure().metric_name,
        result.metric_model_invocation_logs_s3_delivery_success().metric_name,
        result.metric_model_invocation_large_data_s3_delivery_failure().metric_name,
        result.metric_model_invocation_large_data_s3_delivery_success().metric_name,
    }
    assert names == {
        "ModelInvocationLogsCloudWatchDeliveryFailure",
        "ModelInvocationLogsCloudWatchDeliverySuccess",
        "ModelInvocationLogsS3DeliveryFailure",
        "ModelInvocationLogsS3DeliverySuccess",
        "ModelInvocationLargeDataS3DeliveryFailure",
        "ModelInvocationLargeDataS3DeliverySuccess",
    }


def test_grant_read_gives_a_role_read_and_decrypt(stack: Stack) -> None:
    result = logging(stack)
    role = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    result.grant_read(role)
    policy = one(Template.from_stack(stack), "AWS::IAM::Policy")
    sids_actions = [s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    assert "kms:Decrypt" in sids_actions
    assert ["s3:GetObject", "s3:GetObjectVersion"] in sids_actions


def test_standalone_use_passes_the_packs(stack: Stack) -> None:
    logging(stack)
    findings = [f for f in compliance_findings(stack) if "Test/Logs" in f]
    # The network alone has no control-plane policy for the handler; the landing zone wires it.
    assert findings == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"key_prefix": ""}, ValueError, r"key_prefix: '' must be 1-200 letters"),
        ({"key_prefix": "a/b"}, ValueError, r"key_prefix: 'a/b' must be 1-200 letters"),
        ({"text": "yes"}, TypeError, r"text must be True or False"),
        (
            {"text": False, "image": False, "embedding": False, "video": False, "audio": False},
            ValueError,
            r"all are False; log at least text",
        ),
        (
            {"retention_days": 90},
            ValueError,
            r"retention_days must be between 91 and 36500, got 90; log objects",
        ),
        ({"adopt_existing": "yes"}, TypeError, r"adopt_existing must be True or False"),
        ({"object_lock": "COMPLIANCE"}, TypeError, r"object_lock must be ObjectLock.compliance"),
        (
            {"object_lock": ObjectLock.governance(3000)},
            ValueError,
            r"object_lock: 3000 days of lock is longer",
        ),
        ({"encryption_key": "alias/mine"}, TypeError, r"encryption_key must be a kms.IKey"),
    ],
)
def test_fails_on_bad_input(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        logging(stack, **kwargs)


def test_fails_without_a_network_or_vpc(stack: Stack) -> None:
    with pytest.raises(ValueError, match=r"network, vpc: give the BedrockPrivateNetwork"):
        ModelInvocationLogging(stack, "Logs")
    with pytest.raises(TypeError, match=r"vpc must be an ec2.IVpc"):
        ModelInvocationLogging(stack, "Logs", vpc="vpc-0123")  # type: ignore[arg-type]


def test_vpc_subnets_are_used(stack: Stack) -> None:
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Their",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
        private_subnet_route_table_ids=["rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"],
    )
    ModelInvocationLogging(
        stack,
        "Logs",
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "VpcConfig": {
                "SubnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
                "SecurityGroupIds": Match.any_value(),
            }
        },
    )


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def _isolated_vpc(stack: Stack, with_isolated: bool = True) -> ec2.IVpc:
    subnets = (
        {"isolated_subnet_ids": ["subnet-0a", "subnet-0b"]}
        if with_isolated
        else {"private_subnet_ids": ["subnet-0a", "subnet-0b"]}
    )
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Own",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        **subnets,
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"removal_policy": "RETAIN"}, TypeError, r"removal_policy must be a RemovalPolicy"),
        (
            {"encryption_key": "arn:aws:kms:us-east-1:111122223333:key/abc"},
            TypeError,
            r"encryption_key must be a kms.IKey",
        ),
        (
            {"server_access_logs_bucket": "logs-bucket"},
            TypeError,
            r"server_access_logs_bucket must be an s3.IBucket",
        ),
        ({"vpc_subnets": "isolated"}, TypeError, r"vpc_subnets must be an ec2.SubnetSelection"),
        (
            {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)},
            ValueError,
            r"vpc_subnets: public subnets would put the landing zone's network interfaces on the internet's side",
        ),
        ({"object_lock": "COMPLIANCE"}, TypeError, r"object_lock must be ObjectLock"),
    ],
)
def test_fails_before_creating_anything_with_your_own_vpc(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        ModelInvocationLogging(stack, "Logging", vpc=_isolated_vpc(stack), **kwargs)
    assert stack.node.try_find_child("Logging") is None


def test_without_isolated_subnets_the_handler_runs_in_the_private_ones(stack: Stack) -> None:
    # The default ec2.Vpc: public subnets and private ones with a NAT gateway.
    ModelInvocationLogging(stack, "Logging", vpc=ec2.Vpc(stack, "DefaultVpc"))
    functions = [
        function  # the handler and the drift check (not aws-cdk-lib's own provider for the VPC)
        for function in Template.from_stack(stack).find_resources("AWS::Lambda::Function").values()
        if "VpcConfig" in function["Properties"]
    ]
    assert len(functions) == 2
    for function in functions:
        subnets = json.dumps(function["Properties"]["VpcConfig"]["SubnetIds"])
        assert "PrivateSubnet" in subnets, subnets
        assert "PublicSubnet" not in subnets, subnets


def test_fails_when_your_vpc_has_only_public_subnets(stack: Stack) -> None:
    public_only = ec2.Vpc(
        stack,
        "PublicOnly",
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(ValueError, match=r"vpc_subnets: the VPC has neither isolated nor private subnets"):
        ModelInvocationLogging(stack, "Logging", vpc=public_only)
    assert stack.node.try_find_child("Logging") is None


def _isolated_vpc_named(stack: Stack) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "OwnPrivate",
        vpc_id="vpc-0123456789abcdef1",
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0c", "subnet-0d"],
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"code_path": ""}, ValueError, r"code_path: '' is not a folder"),
        ({"code_path": "/nonexistent"}, ValueError, r"code_path: '/nonexistent' is not a folder"),
        ({"code_path": "a" * 1001}, ValueError, r"code_path: 'a+' is not a folder"),
        ({"description": "d" * 257}, ValueError, r"description: 257 characters; use at most 256"),
        ({"statements": "s3:GetObject"}, TypeError, r"statements must be a list of iam.PolicyStatement"),
        (
            {"statements": [{"Action": "s3:GetObject"}]},
            TypeError,
            r"statements\[0\] must be an iam.PolicyStatement",
        ),
        ({"handler": "index handler"}, ValueError, r"handler: 'index handler' must be 1-128 characters"),
        ({"timeout": Duration.millis(500)}, ValueError, r"timeout: 500 millis must be whole seconds"),
        (
            {"timeout": Duration.minutes(16)},
            ValueError,
            r"timeout: 16 minutes must be whole seconds from 1 second",
        ),
        ({"encryption_key": None}, TypeError, r"encryption_key must be a kms.IKey"),
    ],
)
def test_hardened_function_fails_before_creating_anything(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    from secure_bedrock import HardenedFunction
    from secure_bedrock.invocation_logging import HANDLER_CODE

    arguments: dict[str, Any] = {
        "code_path": HANDLER_CODE,
        "description": "a test function",
        "vpc": _isolated_vpc(stack),
        "encryption_key": kms.Key(stack, "Key"),
        "statements": [],
    }
    with pytest.raises(error, match=message):
        HardenedFunction(stack, "Function", **{**arguments, **kwargs})
    assert stack.node.try_find_child("Function") is None
