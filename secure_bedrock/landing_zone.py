"""``SecureBedrockLandingZone``: the composition of the library's constructs.

It owns no logic of its own beyond wiring: every resource comes from a construct module, and
every argument is passed through to the construct that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from secure_bedrock.models import BedrockModel
from secure_bedrock.network import SIX_YEARS, BedrockEndpointService, BedrockPrivateNetwork


class SecureBedrockLandingZone(Construct):
    """A secure Bedrock landing zone: for now, the private network path to the approved models.

    Attributes: ``network`` (:class:`BedrockPrivateNetwork`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Sequence[BedrockModel],
        allowed_principals: Sequence[iam.IPrincipal] | None = None,
        endpoint_services: Sequence[BedrockEndpointService] | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        vpc_cidr: str = "10.0.0.0/16",
        max_azs: int = 2,
        allowed_cidrs: Sequence[str] | None = None,
        allowed_security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        flow_log_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = SIX_YEARS,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param models: the approved models (see :class:`BedrockModels`).
        :param allowed_principals: who may use the Bedrock endpoints. Default: this account's principals.
        :param endpoint_services: Bedrock endpoints besides ``bedrock-runtime``.
            Default: control plane and agent runtime.
        :param vpc: your VPC. Default: a new hardened VPC with isolated subnets only.
        :param vpc_subnets: subnets for the endpoints. Default: one isolated/private subnet per AZ.
        :param vpc_cidr: the new VPC's range. Default: ``10.0.0.0/16``.
        :param max_azs: the new VPC's availability zones (2-6). Default: 2.
        :param allowed_cidrs: client networks admitted to the endpoints. Default: the VPC CIDR.
        :param allowed_security_groups: client security groups admitted to the endpoints. Default: none.
        :param flow_log_encryption_key: key for the VPC flow logs. Default: a new customer-managed key.
        :param log_retention: retention of the landing zone's log groups. Default: six years.
        :param removal_policy: for keys and log groups. Default: ``RETAIN``.
        """
        super().__init__(scope, construct_id)
        self.network = BedrockPrivateNetwork(
            self,
            "Network",
            models=models,
            allowed_principals=allowed_principals,
            services=endpoint_services,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            vpc_cidr=vpc_cidr,
            max_azs=max_azs,
            allowed_cidrs=allowed_cidrs,
            allowed_security_groups=allowed_security_groups,
            flow_log_encryption_key=flow_log_encryption_key,
            flow_log_retention=log_retention,
            removal_policy=removal_policy,
        )
