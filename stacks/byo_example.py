"""A second, minimal environment: the landing zone inside an existing app, with its own VPC and keys.

It shows the library used the second way (importing constructs into someone else's CDK app): the app
owns the VPC (isolated subnets, its own S3 gateway endpoint and flow logs) and the keys, and hands them
to ``SecureBedrockLandingZone``. ``tests/test_byo_example.py`` synthesizes it against all the packs.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Environment, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from secure_bedrock import BedrockModels, SecureBedrockLandingZone, add_encrypted_flow_logs


class BringYourOwnVpcAndKeyStack(Stack):
    """An application team's stack: its VPC and keys, the landing zone's endpoints, logging and guardrail inside."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, env=Environment(region="us-east-1"), **kwargs)
        # The app's own, already hardened VPC.
        self.vpc = ec2.Vpc(
            self,
            "AppVpc",
            ip_addresses=ec2.IpAddresses.cidr("10.20.0.0/16"),
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="App", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            ],
            restrict_default_security_group=True,
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)
            },
        )
        self.logs_key = kms.Key(
            self, "AppLogsKey", enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN
        )
        add_encrypted_flow_logs(Construct(self, "AppFlowLogs"), vpc=self.vpc, encryption_key=self.logs_key)
        self.app_servers = ec2.SecurityGroup(self, "AppServers", vpc=self.vpc, allow_all_outbound=False)
        self.phi_key = kms.Key(
            self, "AppPhiKey", enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN
        )
        self.landing_zone = SecureBedrockLandingZone(
            self,
            "Bedrock",
            models=[BedrockModels.US_AMAZON_NOVA_PRO],
            vpc=self.vpc,
            allowed_security_groups=[self.app_servers],
            invocation_log_key=self.phi_key,
            invoker_principal=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        )
