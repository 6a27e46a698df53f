"""Closing a new VPC's default security group with the library's own hardened handler.

aws-cdk-lib's ``restrictDefaultSecurityGroup`` does it with a Lambda outside the VPC, with an
AWS-managed policy and no dead-letter queue, that cdk-nag does not inspect. Here the handler is a
:class:`~secure_bedrock.functions.HardenedFunction` in the VPC's isolated subnets (customer-managed
policy, KMS-encrypted logs and dead-letter queue), reaching EC2 through an ``ec2`` interface endpoint
whose policy admits that handler only, for that one security group.

The custom resource is the VPC's child ``RestrictDefaultSecurityGroupCustomResource`` of type
``Custom::VpcRestrictDefaultSG``, where aws-cdk-lib puts its own: the compliance packs'
``VPCDefaultSecurityGroupClosed`` rules look for exactly that. Its logical id is its own, not
aws-cdk-lib's: CloudFormation cannot change a custom resource's service token in place.

The group also stays closed: an EventBridge rule on CloudTrail's record of
``AuthorizeSecurityGroupIngress``/``Egress`` on the group invokes the handler, which revokes the
rules again. That covers someone opening it by hand, and the upgrade from aws-cdk-lib's provider,
whose Delete (in the update's cleanup, after this resource closed the group) puts AWS's default rules
back. It needs CloudTrail management events, which the landing zone's trail records.
"""

from __future__ import annotations

from aws_cdk import CfnResource, CustomResource, Names, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from secure_bedrock.functions import CUSTOM_RESOURCE_TIMEOUT, HardenedFunction, library_handler

#: What the handler calls on EC2 (describe accepts no resource; the rest name the group).
DESCRIBE_ACTIONS: tuple[str, ...] = ("ec2:DescribeSecurityGroups",)
RULE_ACTIONS: tuple[str, ...] = ("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress")
HTTPS = ec2.Port.tcp(443)
#: The input the EventBridge rule sends the handler: the group to close again.
RECLOSE_KEY = "ReCloseSecurityGroupId"


class ClosedDefaultSecurityGroup(Construct):
    """The handler, its ``ec2`` endpoint, and the custom resource that closes ``vpc``'s default group.

    Attributes: ``handler`` (a :class:`HardenedFunction`), ``endpoint`` (the ``ec2`` interface
    endpoint), ``resource`` (the custom resource, a child of ``vpc``), ``reclose_rule`` (the
    EventBridge rule that closes the group again when it is opened).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.Vpc,
        subnets: ec2.SubnetSelection,
        encryption_key: kms.IKey,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        """
        :param vpc: the VPC the library created (its default group is closed).
        :param subnets: where the handler and the endpoint go (the VPC's isolated subnets).
        :param encryption_key: encrypts the handler's log group and dead-letter queue.
        :param log_retention: how long the handler's log group keeps logs.
        :param removal_policy: for the handler's log group.
        """
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        group_id = vpc.vpc_default_security_group
        group_arn = stack.format_arn(service="ec2", resource="security-group", resource_name=group_id)
        code_path, code_exclude, entry = library_handler("default_security_group")
        self.handler = HardenedFunction(
            self,
            "Handler",
            code_path=code_path,
            code_exclude=code_exclude,
            handler=entry,
            description="secure-bedrock: closes the default security group of the landing zone's VPC",
            vpc=vpc,
            vpc_subnets=subnets,
            encryption_key=encryption_key,
            log_retention=log_retention,
            removal_policy=removal_policy,
            statements=[
                iam.PolicyStatement(
                    sid="DescribeSecurityGroups",
                    actions=list(DESCRIBE_ACTIONS),
                    # DescribeSecurityGroups accepts no resource-level restriction.
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="ChangeTheDefaultGroupOnly", actions=list(RULE_ACTIONS), resources=[group_arn]
                ),
            ],
        )
        endpoint_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=vpc,
            description="EC2 API endpoint: HTTPS from the default-security-group handler only",
            allow_all_outbound=False,
        )
        endpoint_group.connections.allow_from(self.handler.security_group, HTTPS, "HTTPS from the handler")
        self.endpoint = ec2.InterfaceVpcEndpoint(
            self,
            "Endpoint",
            vpc=vpc,
            service=ec2.InterfaceVpcEndpointAwsService.EC2,
            private_dns_enabled=True,
            open=False,
            security_groups=[endpoint_group],
            subnets=subnets,
        )
        principal = iam.ArnPrincipal(self.handler.role.role_arn)
        self.endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="DescribeSecurityGroups",
                principals=[principal],
                actions=list(DESCRIBE_ACTIONS),
                resources=["*"],
            )
        )
        self.endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="ChangeTheDefaultGroupOnly",
                principals=[principal],
                actions=list(RULE_ACTIONS),
                resources=[group_arn],
            )
        )
        # Where aws-cdk-lib puts its own, so that the packs' VPCDefaultSecurityGroupClosed rules see it.
        self.handler.answer_custom_resource(CUSTOM_RESOURCE_TIMEOUT)
        self.resource = CustomResource(
            vpc,
            "RestrictDefaultSecurityGroupCustomResource",
            service_token=self.handler.function.function_arn,
            resource_type="Custom::VpcRestrictDefaultSG",
            service_timeout=CUSTOM_RESOURCE_TIMEOUT,
            properties={"SecurityGroupId": group_id},
        )
        # The handler reaches EC2 only once the endpoint (and its private DNS name) exists.
        self.resource.node.add_dependency(self.endpoint)
        cfn_resource = self.resource.node.default_child
        if isinstance(cfn_resource, CfnResource):
            cfn_resource.override_logical_id(f"{Names.unique_id(self)}Closer")

        # Whoever opens the group again (by hand, or aws-cdk-lib's provider on its way out), it is closed again.
        self.reclose_rule = events.Rule(
            self,
            "ReopenedRule",
            description="secure-bedrock: close the landing zone VPC's default security group again when it is opened",
            event_pattern=events.EventPattern(
                source=["aws.ec2"],
                detail_type=["AWS API Call via CloudTrail"],
                detail={
                    "eventSource": ["ec2.amazonaws.com"],
                    "eventName": ["AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"],
                    "requestParameters": {"groupId": [group_id]},
                },
            ),
            targets=[
                targets.LambdaFunction(
                    self.handler.function,
                    event=events.RuleTargetInput.from_object({RECLOSE_KEY: group_id}),
                    retry_attempts=2,
                )
            ],
        )
