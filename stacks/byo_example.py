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

from secure_bedrock import (
    AccessOptions,
    BedrockModels,
    EvidenceOptions,
    NetworkOptions,
    SecureBedrockLandingZone,
    acknowledge,
    add_encrypted_flow_logs,
    grant_invoke,
)


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
            network=NetworkOptions(vpc=self.vpc, allowed_security_groups=[self.app_servers]),
            evidence=EvidenceOptions(invocation_log_key=self.phi_key),
            access=AccessOptions(invoker_principal=iam.ServicePrincipal("ecs-tasks.amazonaws.com")),
        )
        # The app's own task role: the same guarantees as the invoker role, through grant_invoke.
        self.app_role = iam.Role(
            self, "AppTaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com")
        )
        grant_invoke(
            self.app_role,
            models=[BedrockModels.US_AMAZON_NOVA_PRO],
            guardrail=self.landing_zone.guardrail,
            source_vpce=self.landing_zone.network.runtime_endpoint.vpc_endpoint_id,
        )
        default_policy = self.app_role.node.find_child("DefaultPolicy")
        for rule in (
            "HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy",
            "NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy",
            "PCI.DSS.321::PCI.DSS.321-IAMNoInlinePolicy",
        ):
            acknowledge(
                default_policy,
                rule,
                "The application's own role: CDK grants (grant_invoke among them) write to its default policy, "
                "which the access matrix evaluates; the landing zone's roles use customer-managed policies.",
            )


def byo_example_template(outdir: str) -> dict[str, Any]:
    """The example synthesized on its own, with cdk.json's feature flags (for the generated documents)."""
    from aws_cdk import App

    from stacks.app import cdk_json_context

    flags = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}
    app = App(context=flags, outdir=outdir)
    stack = BringYourOwnVpcAndKeyStack(app, "ByoExample")
    template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template
