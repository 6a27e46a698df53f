"""Add the private path to Bedrock to an app you already have: its VPC (an ``ec2.Vpc`` with NAT), its
application servers' security group, and its task role, which gets invoke permissions under the
guardrail, through the runtime endpoint only, with every call logged.

Run it with ``python docs/examples/private_path_in_your_app.py`` (it synthesizes into ``cdk.out``);
``tests/test_examples.py`` keeps it synthesizing.
"""

from __future__ import annotations

import sys

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from secure_bedrock import (
    BedrockGuardrail,
    BedrockModels,
    BedrockPrivateNetwork,
    GuardrailPolicy,
    ModelInvocationLogging,
    acknowledge,
    add_encrypted_flow_logs,
    invoke_statements,
)


def build(app: App) -> Stack:
    stack = Stack(app, "ExistingApp", env=Environment(region="us-east-1"))
    # What the app already has: a VPC with NAT (public subnets for the gateways, private ones for the
    # servers), its default security group closed and its flow logs on (the library's helper).
    vpc = ec2.Vpc(stack, "AppVpc", max_azs=2, restrict_default_security_group=True)
    add_encrypted_flow_logs(Construct(stack, "AppFlowLogs"), vpc=vpc)
    for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
        for rule in ("VPCSubnetAutoAssignPublicIpDisabled", "VPCNoUnrestrictedRouteToIGW"):
            acknowledge(
                vpc,
                f"{pack}::{pack}-{rule}",
                "The public subnets hold the NAT gateways only; the servers and the Bedrock endpoints are in "
                "the private subnets.",
            )
    app_servers = ec2.SecurityGroup(stack, "AppServers", vpc=vpc)
    task_role = iam.Role(stack, "TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))

    # What it adds, piece by piece: endpoints in its VPC (its private subnets), open to its servers only;
    models = [BedrockModels.US_AMAZON_NOVA_PRO, BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2]
    network = BedrockPrivateNetwork(
        stack, "Bedrock", models=models, vpc=vpc, allowed_security_groups=[app_servers]
    )
    # the evidence of every call (the account's invocation logging, set through the network's endpoint);
    ModelInvocationLogging(stack, "InvocationLogging", network=network)
    # a guardrail every call must carry;
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    # and invoke permissions for its role: only with the guardrail, only through the runtime endpoint
    # (a customer-managed policy: grant_invoke would write the role's inline default policy).
    iam.ManagedPolicy(
        stack,
        "TaskRoleInvokesBedrock",
        roles=[task_role],
        statements=invoke_statements(
            stack, models=models, guardrail=guardrail, source_vpce=network.runtime_endpoint.vpc_endpoint_id
        ),
    )
    return stack


if __name__ == "__main__":
    app = App(outdir=sys.argv[1] if len(sys.argv) > 1 else None)
    build(app)
    app.synth()
