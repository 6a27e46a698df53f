"""BedrockPrivateNetwork: the hardened VPC, the endpoints, their policies and the security group."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from secure_bedrock import (
    BedrockEndpointService,
    BedrockModels,
    BedrockPrivateNetwork,
    FoundationModel,
    actions,
)
from tests.conftest import compliance_findings

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
ACCOUNT_ROOT = {"AWS": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":root"]]}}


def network(stack: Stack, **kwargs: Any) -> BedrockPrivateNetwork:
    kwargs.setdefault("models", [BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5])
    return BedrockPrivateNetwork(stack, "Bedrock", **kwargs)


def endpoint_policy(template: Template, suffix: str) -> dict:
    (resource,) = template.find_resources(
        "AWS::EC2::VPCEndpoint", {"Properties": {"ServiceName": f"com.amazonaws.us-east-1.{suffix}"}}
    ).values()
    return resource["Properties"]["PolicyDocument"]


def statement(policy: dict, sid: str) -> dict:
    (found,) = [s for s in policy["Statement"] if s.get("Sid") == sid]
    return found


def byo_vpc(stack: Stack, cidr: str | None = "172.16.0.0/16") -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Existing",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block=cidr,  # type: ignore[arg-type]
        availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    )


# --- the hardened VPC ----------------------------------------------------------------------------


def test_new_vpc_is_isolated(stack: Stack) -> None:
    network(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::InternetGateway", 0)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::EIP", 0)
    template.resource_count_is("AWS::EC2::Subnet", 2)
    template.all_resources_properties("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False})
    for route in template.find_resources("AWS::EC2::Route").values():
        assert "GatewayId" not in route["Properties"]
        assert "NatGatewayId" not in route["Properties"]
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/16"})


def test_new_vpc_closes_default_security_group_and_has_s3_gateway(stack: Stack) -> None:
    network(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)
    # Closed by the library's own hardened handler, in the VPC, not aws-cdk-lib's provider.
    (closer,) = template.find_resources("Custom::VpcRestrictDefaultSG").values()
    assert closer["Properties"]["ServiceToken"]["Fn::GetAtt"][0].startswith(
        "BedrockDefaultSecurityGroupHandler"
    )
    assert not [
        lid for lid in template.to_json()["Resources"] if lid.startswith("CustomVpcRestrictDefaultSG")
    ]
    (ec2_endpoint,) = [
        e
        for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
        if str(e["Properties"]["ServiceName"]).endswith(".ec2")
    ]
    for statement in ec2_endpoint["Properties"]["PolicyDocument"]["Statement"]:
        assert statement["Principal"]["AWS"]["Fn::GetAtt"][0].startswith(
            "BedrockDefaultSecurityGroupHandlerRole"
        )
    # Its own logical id (CloudFormation cannot change the service token of aws-cdk-lib's resource in place).
    (closer_id,) = template.find_resources("Custom::VpcRestrictDefaultSG")
    assert closer_id.endswith("Closer")
    # Opened again (by hand, or by aws-cdk-lib's provider on its way out after an upgrade): closed again.
    (rule,) = template.find_resources("AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["detail"]["eventName"] == ["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"]
    assert "DefaultSecurityGroup" in json.dumps(pattern["detail"]["requestParameters"]["groupId"])
    (target,) = rule["Properties"]["Targets"]
    assert "ReCloseSecurityGroupId" in json.dumps(target["Input"])
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcEndpointType": "Gateway",
            "ServiceName": {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]},
        },
    )


def test_flow_logs_go_to_an_encrypted_retained_log_group(stack: Stack) -> None:
    network(stack)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 2192, "KmsKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    template.has_resource(
        "AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}, "DeletionPolicy": "Retain"}
    )


def test_flow_log_key_lets_logs_use_it_only_for_that_log_group(stack: Stack) -> None:
    network(stack)
    template = Template.from_stack(stack)
    (key,) = template.find_resources("AWS::KMS::Key").values()
    service_statements = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if "Service" in s.get("Principal", {})
    ]
    # One statement per log group: the flow logs', and the default-security-group handler's.
    assert {s["Principal"]["Service"] for s in service_statements} == {"logs.us-east-1.amazonaws.com"}
    conditions = sorted(
        s["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]["Fn::Join"][1][-1]
        for s in service_statements
    )
    names = sorted(
        f":log-group:{g['Properties']['LogGroupName']}"
        for g in template.find_resources("AWS::Logs::LogGroup").values()
    )
    assert conditions == names


def test_flow_log_role_is_guarded_and_has_no_inline_policy(stack: Stack) -> None:
    network(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                                "ArnLike": {"aws:SourceArn": Match.any_value()},
                            },
                        }
                    )
                ]
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [Match.string_like_regexp("FlowLogs"), "Arn"]},
                    }
                ]
            }
        },
    )


def test_bring_your_own_flow_log_key(stack: Stack) -> None:
    key = kms.Key.from_key_arn(
        stack, "Key", "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    )
    result = network(stack, flow_log_encryption_key=key)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": key.key_arn})
    assert result.flow_log_key is key


# --- endpoints -----------------------------------------------------------------------------------


def test_default_endpoints_have_private_dns_and_the_one_security_group(stack: Stack) -> None:
    result = network(stack)
    template = Template.from_stack(stack)
    # Two Bedrock interface endpoints, the S3 gateway, and the EC2 endpoint of the default-group handler.
    template.resource_count_is("AWS::EC2::VPCEndpoint", 4)
    for suffix in ("bedrock-runtime", "bedrock"):
        template.has_resource_properties(
            "AWS::EC2::VPCEndpoint",
            {
                "ServiceName": f"com.amazonaws.us-east-1.{suffix}",
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": True,
                "SecurityGroupIds": [
                    {"Fn::GetAtt": [Match.string_like_regexp("BedrockSecurityGroup"), "GroupId"]}
                ],
                "SubnetIds": Match.array_with([{"Ref": Match.string_like_regexp("IsolatedSubnet1")}]),
            },
        )
    # Not the agent runtime: RetrieveAndGenerate, InvokeInlineAgent and Rerank name any model.
    assert set(result.endpoints) == {BedrockEndpointService.RUNTIME, BedrockEndpointService.CONTROL}
    assert result.runtime_endpoint is result.endpoints[BedrockEndpointService.RUNTIME]


def test_runtime_endpoint_is_always_created_and_others_on_request(stack: Stack) -> None:
    result = network(
        stack,
        services=[
            BedrockEndpointService.MANTLE,
            BedrockEndpointService.AGENT,
            BedrockEndpointService.AGENT_RUNTIME,
        ],
        mantle_models=["openai.gpt-oss-120b"],
    )
    template = Template.from_stack(stack)
    suffixes = {
        r["Properties"]["ServiceName"].rsplit(".", 1)[1]
        for r in template.find_resources(
            "AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}}
        ).values()
    }
    assert suffixes == {"bedrock-runtime", "bedrock-mantle", "bedrock-agent", "bedrock-agent-runtime", "ec2"}
    mantle = endpoint_policy(template, "bedrock-mantle")
    inference = statement(mantle, "InferenceOnApprovedModels")
    assert inference["Condition"] == {"StringEquals": {"bedrock-mantle:Model": ["openai.gpt-oss-120b"]}}
    assert inference["Principal"] == ACCOUNT_ROOT
    assert "*" not in json.dumps([s["Action"] for s in mantle["Statement"]])
    agent_runtime = endpoint_policy(template, "bedrock-agent-runtime")
    (only,) = agent_runtime["Statement"]
    assert set(only["Action"]) == set(actions.AGENT_RUNTIME_ACTIONS)
    assert (
        statement(endpoint_policy(template, "bedrock-agent"), "AllowedPrincipalsOnly")["Principal"]
        == ACCOUNT_ROOT
    )
    with pytest.raises(ValueError, match=r"service: no bedrock endpoint was created"):
        result.endpoint(BedrockEndpointService.CONTROL)


def test_runtime_policy_names_exactly_the_approved_arns(stack: Stack) -> None:
    network(
        stack, models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5, BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2]
    )
    policy = endpoint_policy(Template.from_stack(stack), "bedrock-runtime")
    invoke = statement(policy, "InvokeApprovedModels")
    assert invoke["Effect"] == "Allow"
    assert invoke["Action"] == list(actions.INVOKE_ACTIONS)
    assert invoke["Principal"] == ACCOUNT_ROOT
    profile_arn = {
        "Fn::Join": [
            "",
            ["arn:aws:bedrock:us-east-1:", {"Ref": "AWS::AccountId"}, f":inference-profile/us.{SONNET}"],
        ]
    }
    expected_strings = sorted(
        [f"arn:aws:bedrock:{r}::foundation-model/{SONNET}" for r in ("us-east-1", "us-east-2", "us-west-2")]
        + ["arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"]
    )
    assert sorted(r for r in invoke["Resource"] if isinstance(r, str)) == expected_strings
    assert [r for r in invoke["Resource"] if not isinstance(r, str)] == [profile_arn]
    # Nothing broader than the approved models: no wildcard anywhere in the invoke statement.
    assert "*" not in str(invoke["Resource"])
    guardrail = statement(policy, "ApplyOwnGuardrails")
    assert guardrail["Action"] == "bedrock:ApplyGuardrail"
    assert guardrail["Resource"]["Fn::Join"][1][-1] == ":guardrail/*"
    assert {s["Sid"] for s in policy["Statement"]} == {"InvokeApprovedModels", "ApplyOwnGuardrails"}


def test_runtime_policy_count_tokens_and_no_guardrail(stack: Stack) -> None:
    network(
        stack, models=[BedrockModels.AMAZON_NOVA_PRO], allow_apply_guardrail=False, allow_count_tokens=True
    )
    policy = endpoint_policy(Template.from_stack(stack), "bedrock-runtime")
    assert {s["Sid"] for s in policy["Statement"]} == {"InvokeApprovedModels", "CountTokensOnApprovedModels"}
    assert statement(policy, "CountTokensOnApprovedModels")["Resource"] == (
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
    )


def test_runtime_policy_admits_only_the_named_principals(stack: Stack) -> None:
    role_arn = "arn:aws:iam::111122223333:role/app"
    network(stack, allowed_principals=[iam.ArnPrincipal(role_arn), iam.AccountPrincipal("444455556666")])
    policy = endpoint_policy(Template.from_stack(stack), "bedrock-runtime")
    principal = statement(policy, "InvokeApprovedModels")["Principal"]["AWS"]
    assert role_arn in principal
    assert "arn:aws:iam::444455556666:root" in principal


def test_control_plane_policy_reads_only_and_denies_model_management(stack: Stack) -> None:
    network(stack)
    policy = endpoint_policy(Template.from_stack(stack), "bedrock")
    read = statement(policy, "ReadBedrockConfiguration")
    assert sorted(read["Action"]) == sorted(actions.CONTROL_PLANE_READ_ACTIONS)
    assert not any(a.startswith("bedrock:Invoke") or a.startswith("bedrock:Create") for a in read["Action"])
    deny = statement(policy, "DenyModelManagement")
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert sorted(deny["Action"]) == sorted(actions.MODEL_MANAGEMENT_ACTIONS)


# --- the security group --------------------------------------------------------------------------


def test_security_group_admits_https_from_the_vpc_only_and_no_egress(stack: Stack) -> None:
    network(stack)
    template = Template.from_stack(stack)
    (group,) = [
        g["Properties"]
        for g in template.find_resources("AWS::EC2::SecurityGroup").values()
        if "Bedrock" in g["Properties"]["GroupDescription"]
    ]
    assert group["SecurityGroupIngress"] == [
        {
            "CidrIp": "10.0.0.0/16",
            "Description": "HTTPS to Bedrock endpoints from a client network",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    # CDK's marker for "no egress": a rule that matches no traffic.
    assert group["SecurityGroupEgress"] == [
        {
            "CidrIp": "255.255.255.255/32",
            "Description": "Disallow all traffic",
            "FromPort": 252,
            "IpProtocol": "icmp",
            "ToPort": 86,
        }
    ]
    ingress = [
        g["Properties"].get("SecurityGroupIngress", [])
        for g in template.find_resources("AWS::EC2::SecurityGroup").values()
    ]
    assert "0.0.0.0/0" not in str(ingress)


def test_named_cidrs_and_security_groups_replace_the_vpc_default(stack: Stack) -> None:
    client_vpc = byo_vpc(stack)
    client = ec2.SecurityGroup(stack, "Client", vpc=client_vpc, allow_all_outbound=False)
    network(
        stack,
        vpc=client_vpc,
        allowed_cidrs=["10.1.0.0/24", "10.2.0.0/24"],
        allowed_security_groups=[client],
    )
    template = Template.from_stack(stack)
    (group,) = [
        g["Properties"]
        for g in template.find_resources("AWS::EC2::SecurityGroup").values()
        if "Bedrock" in g["Properties"]["GroupDescription"]
    ]
    assert [r.get("CidrIp") for r in group["SecurityGroupIngress"]] == ["10.1.0.0/24", "10.2.0.0/24"]
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match.string_like_regexp("Client"), "GroupId"]},
        },
    )
    # The client group's restricted egress is opened to the endpoints on 443 only.
    template.has_resource_properties("AWS::EC2::SecurityGroupEgress", {"FromPort": 443, "ToPort": 443})


def test_connections_admit_an_application_security_group(stack: Stack) -> None:
    result = network(stack)
    app_sg = ec2.SecurityGroup(stack, "App", vpc=result.vpc)
    result.connections.allow_default_port_from(app_sg)
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match.string_like_regexp("App"), "GroupId"]},
        },
    )


# --- bring your own VPC --------------------------------------------------------------------------


def test_bring_your_own_vpc_creates_no_vpc_and_uses_its_subnets(stack: Stack) -> None:
    result = network(stack, vpc=byo_vpc(stack))
    template = Template.from_stack(stack)
    for resource_type in (
        "AWS::EC2::VPC",
        "AWS::EC2::FlowLog",
        "AWS::Logs::LogGroup",
        "AWS::KMS::Key",
        "Custom::VpcRestrictDefaultSG",
    ):
        template.resource_count_is(resource_type, 0)
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "VpcId": "vpc-0123456789abcdef0",
            "SubnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
        },
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"SecurityGroupIngress": [Match.object_like({"CidrIp": "172.16.0.0/16", "FromPort": 443})]},
    )
    assert result.flow_log_group is None


def test_deploy_time_vpc_cidr_is_acknowledged_and_packs_pass(stack: Stack) -> None:
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Imported",
        vpc_id="vpc-0123456789abcdef0",
        vpc_cidr_block=ec2.CfnVPC(stack, "Other", cidr_block="10.9.0.0/16").attr_cidr_block,
        availability_zones=["us-east-1a", "us-east-1b"],
        isolated_subnet_ids=["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    )
    network(stack, vpc=vpc)
    assert [finding for finding in compliance_findings(stack) if "Test/Bedrock" in finding] == []


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"models": []}, ValueError, r"models must not be empty: name at least one approved model"),
        ({"models": ["us.amazon.nova-pro-v1:0"]}, TypeError, r"models\[0\] must be a BedrockModel"),
        (
            {"models": [BedrockModels.AMAZON_NOVA_PRO, FoundationModel("amazon.nova-pro-v1:0")]},
            ValueError,
            r"models\[1\]: 'amazon.nova-pro-v1:0' repeats models\[0\]",
        ),
        (
            {"allowed_principals": [iam.ArnPrincipal("app-role")]},
            ValueError,
            r"allowed_principals\[0\]: 'app-role' is not an IAM principal ARN",
        ),
        (
            {"allowed_principals": ["arn:aws:iam::111122223333:role/app"]},
            TypeError,
            r"allowed_principals\[0\]: pass iam.ArnPrincipal",
        ),
        (
            {"allowed_principals": [iam.AnyPrincipal()]},
            ValueError,
            r"allowed_principals\[0\]: endpoint policies admit IAM principals of named accounts only",
        ),
        (
            {"allowed_principals": [iam.ServicePrincipal("lambda.amazonaws.com")]},
            ValueError,
            r"allowed_principals\[0\]: endpoint policies",
        ),
        (
            {"allowed_principals": [iam.AccountPrincipal("12345")]},
            ValueError,
            r"allowed_principals\[0\]: '12345' is not a 12-digit",
        ),
        ({"allowed_principals": []}, ValueError, r"allowed_principals must not be empty"),
        (
            {"allowed_cidrs": ["10.0.0.300/24"]},
            ValueError,
            r"allowed_cidrs\[0\]: '10.0.0.300/24' is not a CIDR",
        ),
        (
            {"allowed_cidrs": ["10.0.0.1"]},
            ValueError,
            r"allowed_cidrs\[0\]: '10.0.0.1' is not a CIDR; add the prefix length",
        ),
        (
            {"allowed_cidrs": ["10.0.0.0/8", "0.0.0.0/0"]},
            ValueError,
            r"allowed_cidrs\[1\]: '0.0.0.0/0' opens the endpoints to every address",
        ),
        ({"allowed_cidrs": ["::/0"]}, ValueError, r"allowed_cidrs\[0\]: '::/0' opens the endpoints"),
        ({"allowed_cidrs": "10.0.0.0/8"}, TypeError, r"allowed_cidrs must be a list of CIDR strings"),
        ({"max_azs": 0}, ValueError, r"max_azs must be between 2 and 6, got 0; endpoints need at least two"),
        ({"max_azs": 1}, ValueError, r"max_azs must be between 2 and 6, got 1"),
        ({"max_azs": 3}, ValueError, r"max_azs: 3 is more than the 2 availability zones this stack knows"),
        (
            {"vpc_cidr": "10.0.0.0/8"},
            ValueError,
            r"vpc_cidr: '10.0.0.0/8' must have a prefix between /16 and /24",
        ),
        ({"vpc_cidr": "banana"}, ValueError, r"vpc_cidr: 'banana' is not a CIDR"),
        (
            {"services": ["bedrock-runtime"]},
            TypeError,
            r"services\[0\] must be a BedrockEndpointService.*from_name",
        ),
        (
            {"services": [BedrockEndpointService.CONTROL, BedrockEndpointService.CONTROL]},
            ValueError,
            r"services\[1\]: .* repeats services\[0\]",
        ),
        ({"vpc": "vpc-123"}, TypeError, r"vpc must be an ec2.IVpc"),
        ({"flow_log_retention": 2192}, TypeError, r"flow_log_retention must be a logs.RetentionDays"),
    ],
)
def test_fails_on_bad_input_before_creating_anything(
    stack: Stack, kwargs: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        network(stack, **kwargs)
    assert stack.node.children == [] or all(c.node.id != "Bedrock" for c in stack.node.children)


def test_fails_when_a_profile_is_not_served_from_the_stack_region(make_stack) -> None:
    stack = make_stack(region="eu-west-1")
    with pytest.raises(
        ValueError,
        match=r"model 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' cannot be called from eu-west-1",
    ):
        network(stack)


def test_fails_on_unknown_endpoint_service_name() -> None:
    with pytest.raises(
        ValueError, match=r"services\[2\]: 'bedrock-agents' is not a Bedrock endpoint service; use one of"
    ):
        BedrockEndpointService.from_name("bedrock-agents", argument="services[2]")


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def _own_vpc(stack: Stack, **attributes: Any) -> ec2.IVpc:
    return ec2.Vpc.from_vpc_attributes(
        stack,
        "Own",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a", "us-east-1b"],
        isolated_subnet_ids=["subnet-0a", "subnet-0b"],
        **attributes,
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"vpc_cidr": Token.as_string({"Ref": "Cidr"})},
            ValueError,
            r"vpc_cidr: a deploy-time value cannot be split",
        ),
        (
            {"max_azs": Token.as_number({"Ref": "Azs"})},
            ValueError,
            r"max_azs: a deploy-time value cannot size a VPC",
        ),
        (
            {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)},
            ValueError,
            r"vpc_subnets: public subnets would put",
        ),
        ({"flow_log_encryption_key": "arn:aws:kms:us-east-1:111122223333:key/abc"}, TypeError, r"import it"),
        ({"allow_apply_guardrail": "yes"}, TypeError, r"allow_apply_guardrail must be True or False"),
        (
            {"allowed_cidrs": Token.as_list({"Ref": "Cidrs"})},
            ValueError,
            r"allowed_cidrs: a deploy-time list",
        ),
        ({"services": "bedrock"}, TypeError, r"services must be a list of BedrockEndpointService"),
    ],
)
def test_fails_on_values_a_new_vpc_cannot_take(stack: Stack, kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        BedrockPrivateNetwork(stack, "Bedrock", models=[BedrockModels.US_AMAZON_NOVA_PRO], **kwargs)
    assert stack.node.try_find_child("Bedrock") is None


def test_fails_with_your_own_vpc_when_it_cannot_serve_the_endpoints(stack: Stack) -> None:
    models = [BedrockModels.US_AMAZON_NOVA_PRO]
    with pytest.raises(
        ValueError, match=r"allowed_cidrs, allowed_security_groups: your VPC was imported without"
    ):
        BedrockPrivateNetwork(stack, "Bedrock", models=models, vpc=_own_vpc(stack))
    with pytest.raises(ValueError, match=r"vpc_subnets: public subnets would put the landing zone's"):
        BedrockPrivateNetwork(
            stack,
            "Bedrock",
            models=models,
            vpc=stack.node.find_child("Own"),
            allowed_cidrs=["10.1.0.0/16"],
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
        )
    assert stack.node.try_find_child("Bedrock") is None
    # Named clients need no range from the VPC.
    BedrockPrivateNetwork(
        stack, "Bedrock", models=models, vpc=stack.node.find_child("Own"), allowed_cidrs=["10.1.0.0/16"]
    )


def test_fails_on_a_scope_outside_a_stack_or_a_bad_id(stack: Stack) -> None:
    models = [BedrockModels.US_AMAZON_NOVA_PRO]
    with pytest.raises(TypeError, match=r"scope: 'the app' is not inside a Stack"):
        BedrockPrivateNetwork(stack.node.root, "Bedrock", models=models)
    with pytest.raises(TypeError, match=r"scope must be a construct"):
        BedrockPrivateNetwork("stack", "Bedrock", models=models)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"construct_id: .* must be a literal, non-empty id"):
        BedrockPrivateNetwork(stack, Token.as_string({"Ref": "Id"}), models=models)


def test_fails_naming_the_model_a_region_agnostic_stack_cannot_route(make_stack) -> None:
    stack = make_stack(region=None)
    with pytest.raises(
        ValueError, match=r"models\[1\]: 'us.amazon.nova-pro-v1:0' is a cross-region inference profile"
    ):
        BedrockPrivateNetwork(
            stack, "Bedrock", models=[BedrockModels.AMAZON_NOVA_PRO, BedrockModels.US_AMAZON_NOVA_PRO]
        )
