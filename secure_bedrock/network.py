"""The private network path to Bedrock: a hardened VPC (or yours), interface endpoints, one security group.

``BedrockPrivateNetwork`` can be used on its own in any CDK app::

    network = BedrockPrivateNetwork(
        self, "Bedrock",
        models=[BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5],
        vpc=my_vpc,
    )
    network.connections.allow_default_port_from(my_app_security_group)
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Annotations, ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from secure_bedrock import actions, endpoint_policies
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    ACCOUNT_ID_PATTERN,
    is_token,
    private_subnets,
    require_bool,
    require_cidr,
    require_construct,
    require_int_range,
    require_interface,
    require_key,
    require_list,
    require_non_empty,
    require_principal,
    require_principal_arn,
    require_removal_policy,
    require_retention,
    require_scope,
    require_subnet_selection,
    require_type,
    require_unique,
)
from secure_bedrock.acknowledgements import acknowledge
from secure_bedrock.default_security_group import ClosedDefaultSecurityGroup
from secure_bedrock.encryption import allow_service, create_key, encrypted_log_group
from secure_bedrock.models import ApplicationInferenceProfileModel, BedrockModel, require_models

HTTPS = ec2.Port.tcp(443)
#: Rules that cannot evaluate an ingress CIDR that is a deploy-time value (they report an error).
_TOKEN_CIDR_RULES = (
    "AwsSolutions::AwsSolutions-EC23",
    "HIPAA.Security::HIPAA.Security-EC2RestrictedCommonPorts",
    "HIPAA.Security::HIPAA.Security-EC2RestrictedSSH",
    "NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedCommonPorts",
    "NIST.800.53.R5::NIST.800.53.R5-EC2RestrictedSSH",
    "PCI.DSS.321::PCI.DSS.321-EC2RestrictedCommonPorts",
    "PCI.DSS.321::PCI.DSS.321-EC2RestrictedSSH",
)
#: Six years, the common reading of HIPAA's documentation-retention rule (45 CFR 164.316(b)(2)(i)).
SIX_YEARS = logs.RetentionDays.SIX_YEARS


class BedrockEndpointService(enum.Enum):
    """A Bedrock PrivateLink service: its endpoint-name suffix and the IAM action prefix it serves."""

    RUNTIME = ("bedrock-runtime", "bedrock")
    """``bedrock-runtime``: InvokeModel, Converse, ApplyGuardrail. Always created."""
    CONTROL = ("bedrock", "bedrock")
    """``bedrock``: the control plane (models, profiles, guardrails, logging configuration)."""
    AGENT = ("bedrock-agent", "bedrock")
    """``bedrock-agent``: building agents, knowledge bases and flows."""
    AGENT_RUNTIME = ("bedrock-agent-runtime", "bedrock")
    """``bedrock-agent-runtime``: InvokeAgent, Retrieve, RetrieveAndGenerate, InvokeFlow."""
    MANTLE = ("bedrock-mantle", "bedrock-mantle")
    """``bedrock-mantle``: the OpenAI-compatible and Anthropic Messages APIs."""
    DATA_AUTOMATION = ("bedrock-data-automation", "bedrock")
    """``bedrock-data-automation``: Bedrock Data Automation projects and blueprints."""
    DATA_AUTOMATION_RUNTIME = ("bedrock-data-automation-runtime", "bedrock")
    """``bedrock-data-automation-runtime``: Bedrock Data Automation invocations."""

    def __init__(self, endpoint_suffix: str, action_prefix: str) -> None:
        self.endpoint_suffix = endpoint_suffix
        self.action_prefix = action_prefix

    @property
    def construct_id(self) -> str:
        """The endpoint's construct id, e.g. ``AgentRuntime``: part of the public contract."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @classmethod
    def from_name(cls, value: str, *, argument: str = "service") -> BedrockEndpointService:
        """The service whose endpoint suffix is ``value`` (e.g. ``bedrock-agent-runtime``)."""
        for service in cls:
            if service.endpoint_suffix == value:
                return service
        known = ", ".join(s.endpoint_suffix for s in cls)
        raise ValueError(f"{argument}: {value!r} is not a Bedrock endpoint service; use one of {known}")


#: Created when ``services`` is not given: model invocation and the control plane. The agent
#: runtime is not among them: RetrieveAndGenerate, InvokeInlineAgent and Rerank take any model in
#: the request, where no endpoint or IAM condition can check it against the approved models, and
#: agents' own model calls carry no ``bedrock:GuardrailIdentifier``.
DEFAULT_SERVICES: tuple[BedrockEndpointService, ...] = (
    BedrockEndpointService.RUNTIME,
    BedrockEndpointService.CONTROL,
)
#: A model id on the bedrock-mantle endpoint, e.g. ``openai.gpt-oss-120b`` or ``anthropic.claude-haiku-4-5``.
MANTLE_MODEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9.:-]{0,126}\Z")
#: A security group takes at most 60 inbound rules (VPC quota "inbound or outbound rules per
#: security group"); each allowed CIDR and each allowed security group is one.
MAX_INGRESS_RULES = 60


def add_encrypted_flow_logs(
    scope: Construct,
    *,
    vpc: ec2.IVpc,
    encryption_key: kms.IKey | None = None,
    retention: logs.RetentionDays = SIX_YEARS,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> tuple[kms.IKey, logs.LogGroup]:
    """Flow logs (all traffic) of ``vpc`` to a KMS-encrypted log group, with a guarded role and no inline policy.

    Creates, under ``scope``: ``FlowLogKey`` (unless ``encryption_key`` is given), ``FlowLogs`` (the
    log group), ``FlowLogRole`` (trusting VPC Flow Logs for this account's flow logs only),
    ``FlowLogPolicy`` (one customer-managed policy limited to the log group) and ``FlowLog``. Use it
    for your own VPCs; :class:`BedrockPrivateNetwork` uses it for the VPC it creates.

    :returns: the key and the log group.
    """
    require_scope("scope", scope)
    require_interface("vpc", vpc, "vpc_id", "an ec2.IVpc")
    require_key("encryption_key", encryption_key)
    require_retention("retention", retention)
    require_removal_policy("removal_policy", removal_policy)
    stack = Stack.of(scope)
    key = encryption_key or create_key(
        scope, "FlowLogKey", purpose="VPC flow logs", removal_policy=removal_policy
    )
    log_group = encrypted_log_group(
        scope,
        "FlowLogs",
        key=key,
        purpose="vpc-flow-logs",
        retention=retention,
        removal_policy=removal_policy,
    )
    role = iam.Role(
        scope,
        "FlowLogRole",
        description="Lets VPC Flow Logs write to the flow-log group of this VPC",
        assumed_by=iam.ServicePrincipal(
            "vpc-flow-logs.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="ec2", resource="vpc-flow-log", resource_name="*"
                    )
                },
            },
        ),
    )
    # A customer-managed policy rather than the role's inline default policy (IAMNoInlinePolicy).
    iam.ManagedPolicy(
        scope,
        "FlowLogPolicy",
        description="Write VPC flow logs to one log group",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[log_group.log_group_arn],
            )
        ],
    )
    ec2.FlowLog(
        scope,
        "FlowLog",
        resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
        destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group, role.without_policy_updates()),
        traffic_type=ec2.FlowLogTrafficType.ALL,
    )
    return key, log_group


def add_flow_logs_to_evidence(
    scope: Construct, construct_id: str, *, vpc: ec2.IVpc, bucket: s3.IBucket, encryption_key: kms.IKey
) -> ec2.FlowLog:
    """A flow log (all traffic) of ``vpc`` delivered to ``bucket``, an evidence bucket encrypted with
    ``encryption_key``, under ``AWSLogs/<account>/vpcflowlogs/``: where the bucket's replication to the
    organization's archive picks it up (a log group's events cannot be replicated).

    Log delivery needs the bucket's key: the key gets a statement for ``delivery.logs.amazonaws.com``
    limited to this account's log deliveries (``aws:SourceAccount``, ``aws:SourceArn``); aws-cdk-lib adds
    the bucket-policy statements for the delivery. A key imported here cannot be changed: its owner must
    add the statement, or delivery fails.
    """
    require_scope("scope", scope)
    require_interface("vpc", vpc, "vpc_id", "an ec2.IVpc")
    require_interface("bucket", bucket, "bucket_arn", "an s3.IBucket")
    require_key("encryption_key", encryption_key, optional=False)
    stack = Stack.of(scope)
    allow_service(
        encryption_key,
        scope,
        sid=f"AllowFlowLogDelivery{re.sub('[^A-Za-z0-9]', '', construct_id)}",
        service="delivery.logs.amazonaws.com",
        # Data keys for each delivered object (and to read a part back in a multipart upload).
        actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        source_arn=stack.format_arn(service="logs", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME),
    )
    return ec2.FlowLog(
        scope,
        construct_id,
        resource_type=ec2.FlowLogResourceType.from_vpc(vpc),
        destination=ec2.FlowLogDestination.to_s3(bucket),
        traffic_type=ec2.FlowLogTrafficType.ALL,
    )


def validate_client_cidr(argument: str, value: str) -> str:
    """Return ``value`` if it is an IPv4 client network the endpoints can admit (not ``/0``, not IPv6)."""
    require_cidr(argument, value)
    if not is_token(value) and ":" in value:
        raise ValueError(
            f"{argument}: {value!r} is IPv6, but the endpoints have IPv4 addresses only; name the clients' IPv4 ranges"
        )
    return value


def validate_mantle_model(argument: str, value: str) -> str:
    """Return ``value`` if it is a model id of the bedrock-mantle endpoint, e.g. ``openai.gpt-oss-120b``."""
    require_type(argument, value, str, "a Mantle model id such as 'openai.gpt-oss-120b'")
    if not MANTLE_MODEL_PATTERN.match(value):
        raise ValueError(f"{argument}: {value!r} is not a Mantle model id; use e.g. 'openai.gpt-oss-120b'")
    return value


def validate_vpc_cidr(argument: str, value: str) -> str:
    """Return ``value`` if it is an IPv4 range from /16 to /24 that a new VPC can be split into."""
    require_cidr(argument, value)
    if is_token(value):
        raise ValueError(
            f"{argument}: a deploy-time value cannot be split into subnets; pass the range itself, e.g. '10.0.0.0/16'"
        )
    if ":" in value:
        raise ValueError(f"{argument}: {value!r} is IPv6; give the VPC an IPv4 range such as '10.0.0.0/16'")
    if not 16 <= int(value.split("/")[1]) <= 24:
        raise ValueError(f"{argument}: {value!r} must have a prefix between /16 and /24, e.g. '10.0.0.0/16'")
    network = ipaddress.IPv4Network(value)
    unusable = network.is_multicast or network.is_reserved or network.is_loopback or network.is_link_local
    if unusable or network.subnet_of(ipaddress.IPv4Network("0.0.0.0/8")):
        raise ValueError(
            f"{argument}: {value!r} is a 'this network', multicast, reserved, loopback or link-local range, which a VPC cannot "
            "use; take a private range (RFC 1918) such as '10.0.0.0/16'"
        )
    return value


@jsii.implements(ec2.IConnectable)
class BedrockPrivateNetwork(Construct):
    """Private, policy-guarded access to Bedrock from a VPC.

    Creates one interface endpoint (private DNS on) per Bedrock service, all behind one security
    group that admits HTTPS only from the peers you name, with endpoint policies generated from the
    approved models and principals. Without ``vpc`` it also creates a hardened VPC: isolated subnets
    only, no internet or NAT gateway, default security group closed, an S3 gateway endpoint, and
    flow logs to a KMS-encrypted log group.

    The construct is ``IConnectable``: ``network.connections.allow_default_port_from(app_sg)``
    admits an application security group on port 443.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Sequence[BedrockModel],
        allowed_principals: Sequence[iam.IPrincipal] | None = None,
        services: Sequence[BedrockEndpointService] | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        vpc_cidr: str = "10.0.0.0/16",
        max_azs: int = 2,
        allowed_cidrs: Sequence[str] | None = None,
        allowed_security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        allow_apply_guardrail: bool = True,
        allow_count_tokens: bool = False,
        mantle_models: Sequence[str] = (),
        flow_log_encryption_key: kms.IKey | None = None,
        flow_log_retention: logs.RetentionDays = SIX_YEARS,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param models: the approved models; the runtime endpoint lets callers invoke these and
            nothing else (inference-profile ARNs and the foundation-model ARN in every region the
            profiles route to).
        :param allowed_principals: who may use the endpoints (account roots or roles).
            Default: any principal of this stack's account (IAM policies still decide what each may do).
        :param services: the Bedrock endpoints to create. ``bedrock-runtime`` is always created.
            Default: :data:`DEFAULT_SERVICES` (runtime, control plane, agent runtime).
        :param vpc: the VPC to place the endpoints in. Default: a new hardened VPC.
        :param vpc_subnets: where the endpoints' network interfaces go (one subnet per AZ).
            Default: the new VPC's isolated subnets; in your VPC its isolated subnets, or its private
            subnets with egress where it has no isolated ones (never public).
        :param vpc_cidr: the new VPC's IPv4 range; ignored with ``vpc``. Default: ``10.0.0.0/16``.
        :param max_azs: availability zones of the new VPC (2-6); ignored with ``vpc``. Default: 2.
        :param allowed_cidrs: client networks admitted on port 443. Default: the VPC's CIDR when no
            security groups are given either.
        :param allowed_security_groups: client security groups admitted on port 443. Default: none.
        :param allow_apply_guardrail: let the allowed principals call ``ApplyGuardrail`` on this
            account's guardrails through the runtime endpoint. Default: ``True``.
        :param allow_count_tokens: let them call ``CountTokens`` on the approved models. Default: ``False``.
        :param mantle_models: with the ``bedrock-mantle`` endpoint, the models callers may use through it,
            by Mantle's own ids (e.g. ``openai.gpt-oss-120b``); required with that endpoint. Calls
            through it are not recorded by model invocation logging. Default: none.
        :param flow_log_encryption_key: the key for the flow-log group of a new VPC.
            Default: a new customer-managed key with rotation, used only for that log group.
        :param flow_log_retention: how long flow logs are kept. Default: six years (2192 days).
        :param removal_policy: what happens to the flow-log group and key when they leave the stack.
            Default: ``RETAIN``.
        """
        require_construct(scope, construct_id)
        checked = _NetworkArguments.check(
            scope,
            models=models,
            allowed_principals=allowed_principals,
            services=services,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            vpc_cidr=vpc_cidr,
            max_azs=max_azs,
            allowed_cidrs=allowed_cidrs,
            allowed_security_groups=allowed_security_groups,
            allow_apply_guardrail=allow_apply_guardrail,
            allow_count_tokens=allow_count_tokens,
            mantle_models=mantle_models,
            flow_log_encryption_key=flow_log_encryption_key,
            flow_log_retention=flow_log_retention,
            removal_policy=removal_policy,
        )
        models, principals, requested = checked.models, checked.principals, checked.services
        cidrs, security_groups = checked.cidrs, checked.security_groups

        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self.models: tuple[BedrockModel, ...] = tuple(models)
        self._principals = principals
        self._allowed_arns: set[str] = set(endpoint_policies.model_invoke_resources(self, models))
        self._mantle_models = checked.mantle_models
        self._application_profiles_allowed = False

        self.flow_log_group: logs.ILogGroup | None = None
        self.flow_log_key: kms.IKey | None = None
        self.s3_gateway_endpoint: ec2.GatewayVpcEndpoint | None = None
        self.default_security_group: ClosedDefaultSecurityGroup | None = None
        if vpc is None:
            new_vpc, gateway = self._create_vpc(vpc_cidr, max_azs)
            self.vpc: ec2.IVpc = new_vpc
            self.s3_gateway_endpoint = gateway
            self.flow_log_key, self.flow_log_group = add_encrypted_flow_logs(
                self,
                vpc=self.vpc,
                encryption_key=flow_log_encryption_key,
                retention=flow_log_retention,
                removal_policy=removal_policy,
            )
            subnets = vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            self.default_security_group = ClosedDefaultSecurityGroup(
                self,
                "DefaultSecurityGroup",
                vpc=new_vpc,
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
                encryption_key=self.flow_log_key,
                log_retention=flow_log_retention,
                removal_policy=removal_policy,
            )
            # Its handler answers CloudFormation through the S3 gateway endpoint.
            self.default_security_group.resource.node.add_dependency(gateway)
        else:
            self.vpc = vpc
            subnets = vpc_subnets or private_subnets("vpc_subnets", vpc)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=self.vpc,
            description="Bedrock interface endpoints: HTTPS from named clients only",
            allow_all_outbound=False,
        )
        self.connections = ec2.Connections(security_groups=[self.security_group], default_port=HTTPS)
        if not cidrs and not security_groups:
            # The literal range of a VPC we created keeps the rule checkable by the compliance packs.
            cidrs = [vpc_cidr]
        if any(is_token(cidr) for cidr in cidrs):
            for rule_id in _TOKEN_CIDR_RULES:
                acknowledge(
                    self.security_group,
                    rule_id,
                    "The ingress source is a CIDR resolved at deploy time (the VPC's own range by default), "
                    "which the rule cannot read; the construct rejects 0.0.0.0/0 and admits port 443 only.",
                )
        for cidr in cidrs:
            self.security_group.add_ingress_rule(
                ec2.Peer.ipv4(cidr), HTTPS, "HTTPS to Bedrock endpoints from a client network"
            )
        for group in security_groups:
            self.connections.allow_from(
                group, HTTPS, "HTTPS to Bedrock endpoints from a client security group"
            )

        self.endpoints: dict[BedrockEndpointService, ec2.InterfaceVpcEndpoint] = {}
        for service in requested:
            endpoint = ec2.InterfaceVpcEndpoint(
                self,
                service.construct_id,
                vpc=self.vpc,
                service=ec2.InterfaceVpcEndpointAwsService(service.endpoint_suffix),
                private_dns_enabled=True,
                open=False,
                security_groups=[self.security_group],
                subnets=subnets,
            )
            for statement in self._policy_for(service, principals, allow_apply_guardrail, allow_count_tokens):
                endpoint.add_to_policy(statement)
            self.endpoints[service] = endpoint

    @property
    def runtime_endpoint(self) -> ec2.InterfaceVpcEndpoint:
        """The ``bedrock-runtime`` endpoint (always present)."""
        return self.endpoints[BedrockEndpointService.RUNTIME]

    def allow_models(self, sid: str, models: Sequence[BedrockModel]) -> None:
        """Let the allowed principals invoke more models through the runtime endpoint.

        Application inference profiles (a team's, whose ARNs exist only at deploy time) are allowed
        by one statement for all of this account's application profiles, added once: the policy
        does not grow with the number of teams (endpoint policies are capped at 20,480 characters).
        Their requests still need the foundation-model ARNs of the profile's source, which only the
        approved models put in the policy. Other models add only the ARNs not yet allowed.

        :param sid: the statement id for ARNs not yet in the policy (letters and digits).
        :param models: the models to allow.
        """
        require_type("sid", sid, str, "a statement id of letters and digits")
        if not re.fullmatch(r"[A-Za-z0-9]+", sid):
            raise ValueError(f"sid: {sid!r} must be letters and digits only (an IAM statement id)")
        models = require_models("models", models)
        applications = any(isinstance(model, ApplicationInferenceProfileModel) for model in models)
        if applications and not self._application_profiles_allowed:
            self.runtime_endpoint.add_to_policy(
                endpoint_policies.application_profiles_statement(self, self._principals)
            )
            self._application_profiles_allowed = True
        new_arns = [
            arn
            for model in models
            for arn in (
                model.arns(self).foundation_model_arns
                if isinstance(model, ApplicationInferenceProfileModel)
                else model.arns(self).all
            )
            if arn not in self._allowed_arns
        ]
        if new_arns:
            self._allowed_arns.update(new_arns)
            self.runtime_endpoint.add_to_policy(
                iam.PolicyStatement(
                    sid=sid,
                    principals=list(self._principals),
                    actions=list(actions.INVOKE_ACTIONS),
                    resources=list(dict.fromkeys(new_arns)),
                )
            )

    def allow_guardrail_profiles(self, profile_arns: Sequence[str]) -> None:
        """Let the allowed principals use a cross-region guardrail profile through the runtime endpoint.

        A guardrail with a cross-region profile is applied in the profile's destination regions, and
        ``ApplyGuardrail`` is authorized on the profile's ARN in each of them, by IAM and by this
        endpoint's policy alike (pass ``guardrail.profile_arns``).
        """
        arns = require_list("profile_arns", profile_arns, "a list of guardrail-profile ARNs")
        for index, arn in enumerate(arns):
            require_type(f"profile_arns[{index}]", arn, str, "a guardrail-profile ARN")
        if arns:
            self.runtime_endpoint.add_to_policy(
                iam.PolicyStatement(
                    sid="ApplyCrossRegionGuardrailProfiles",
                    principals=list(self._principals),
                    actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
                    resources=list(dict.fromkeys(arns)),
                )
            )

    def allow_organization_guardrail(self, guardrail_arn: str) -> None:
        """Let the allowed principals apply the organization's guardrail (a guardrail of the management
        account that the Organizations Bedrock policy enforces) through the runtime endpoint.

        :param guardrail_arn: its ARN without a version (see :class:`OrganizationGuardrail`).
        """
        require_type("guardrail_arn", guardrail_arn, str, "a guardrail ARN")
        self.runtime_endpoint.add_to_policy(
            iam.PolicyStatement(
                sid="ApplyTheOrganizationGuardrail",
                principals=list(self._principals),
                actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
                resources=[guardrail_arn],
            )
        )

    def allow_control_plane_calls(
        self, sid: str, principal: iam.IRole, control_actions: Sequence[str]
    ) -> None:
        """Let one role make control-plane calls through the ``bedrock`` endpoint beyond its reads
        (e.g. the invocation-logging handler setting the account's logging configuration).

        :param sid: the statement id (letters and digits).
        :param principal: the role that makes the calls.
        :param control_actions: ``bedrock:`` actions; model management is denied to everyone regardless.
        """
        require_type("sid", sid, str, "a statement id of letters and digits")
        if not re.fullmatch(r"[A-Za-z0-9]+", sid):
            raise ValueError(f"sid: {sid!r} must be letters and digits only (an IAM statement id)")
        require_interface("principal", principal, "role_arn", "an iam.IRole")
        for index, action in enumerate(require_list("control_actions", control_actions, "a list of actions")):
            if not isinstance(action, str) or not re.fullmatch(r"bedrock:[A-Za-z]+", action):
                raise ValueError(
                    f"control_actions[{index}]: {action!r} is not a Bedrock action such as "
                    "'bedrock:PutModelInvocationLoggingConfiguration'"
                )
        endpoint = self.endpoint(BedrockEndpointService.CONTROL)
        endpoint.add_to_policy(
            iam.PolicyStatement(
                sid=sid,
                principals=[iam.ArnPrincipal(principal.role_arn)],
                actions=list(control_actions),
                # The logging configuration and other account settings accept no resource.
                resources=["*"],
            )
        )

    def endpoint(self, service: BedrockEndpointService) -> ec2.InterfaceVpcEndpoint:
        """The endpoint for ``service``; raises ``ValueError`` if it was not requested."""
        if service not in self.endpoints:
            created = ", ".join(s.endpoint_suffix for s in self.endpoints)
            raise ValueError(
                f"service: no {service.endpoint_suffix} endpoint was created (have: {created}); add it to services"
            )
        return self.endpoints[service]

    # --- construction helpers -----------------------------------------------------------------

    def _create_vpc(self, cidr: str, max_azs: int) -> tuple[ec2.Vpc, ec2.GatewayVpcEndpoint]:
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=max_azs,
            nat_gateways=0,
            create_internet_gateway=False,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
            ],
            # Closed by the library's own handler instead (ClosedDefaultSecurityGroup, below).
            restrict_default_security_group=False,
        )
        # This account's buckets, and the AWS-owned bucket through which custom-resource handlers in
        # the isolated subnets answer CloudFormation (presigned URLs): nothing else in S3.
        gateway = vpc.add_gateway_endpoint(
            "S3",
            service=ec2.GatewayVpcEndpointAwsService.S3,
            subnets=[ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
        )
        for statement in endpoint_policies.s3_gateway_statements(self):
            gateway.add_to_policy(statement)
        return vpc, gateway

    def _policy_for(
        self,
        service: BedrockEndpointService,
        principals: Sequence[iam.IPrincipal],
        allow_apply_guardrail: bool,
        allow_count_tokens: bool,
    ) -> list[iam.PolicyStatement]:
        if service is BedrockEndpointService.RUNTIME:
            return endpoint_policies.runtime_statements(
                self,
                models=self.models,
                principals=principals,
                allow_apply_guardrail=allow_apply_guardrail,
                allow_count_tokens=allow_count_tokens,
            )
        if service is BedrockEndpointService.CONTROL:
            return endpoint_policies.control_plane_statements(principals)
        if service is BedrockEndpointService.AGENT_RUNTIME:
            return endpoint_policies.agent_runtime_statements(self, principals)
        if service is BedrockEndpointService.MANTLE:
            Annotations.of(self).add_warning_v2(
                "secure-bedrock:mantle-not-logged",
                "calls through the bedrock-mantle endpoint are not recorded by model invocation logging "
                "(Bedrock user guide, model-invocation-logging); keep it off where every prompt must be evidence",
            )
            return endpoint_policies.mantle_statements(self, self._mantle_models, principals)
        return endpoint_policies.account_principals_statements(service.action_prefix, principals)


@dataclass(frozen=True)
class _NetworkArguments:
    """The private network's arguments, checked; :meth:`check` renames arguments for a composing construct."""

    models: tuple[BedrockModel, ...]
    principals: list[iam.IPrincipal]
    services: list[BedrockEndpointService]
    cidrs: list[str]
    security_groups: list[ec2.ISecurityGroup]
    mantle_models: tuple[str, ...] = ()

    @classmethod
    def check(
        cls,
        scope: Construct,
        *,
        models: Sequence[BedrockModel],
        allowed_principals: Sequence[iam.IPrincipal] | None,
        services: Sequence[BedrockEndpointService] | None,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        vpc_cidr: str,
        max_azs: int,
        allowed_cidrs: Sequence[str] | None,
        allowed_security_groups: Sequence[ec2.ISecurityGroup] | None,
        allow_apply_guardrail: bool,
        allow_count_tokens: bool,
        flow_log_encryption_key: kms.IKey | None,
        flow_log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        mantle_models: Sequence[str] = (),
        names: Mapping[str, str] | None = None,
    ) -> _NetworkArguments:
        """Raise naming the first wrong argument (as ``names`` calls it), before anything is created."""

        def name(argument: str) -> str:
            return (names or {}).get(argument, argument)

        # Each model is checked against the stack's region: a profile called from a region it does
        # not serve fails here, with the regions it does serve.
        checked_models = require_models(name("models"), models, scope=scope)
        principals = _validated_principals(name("allowed_principals"), allowed_principals)
        requested = _validated_services(name("services"), services)
        if allowed_cidrs is not None:
            require_list(name("allowed_cidrs"), allowed_cidrs, "a list of CIDR strings")
        cidrs = [
            validate_client_cidr(f"{name('allowed_cidrs')}[{i}]", c)
            for i, c in enumerate(allowed_cidrs or ())
        ]
        require_unique(name("allowed_cidrs"), cidrs)
        if allowed_security_groups is not None:
            require_list(
                name("allowed_security_groups"), allowed_security_groups, "a list of ec2.ISecurityGroup"
            )
        security_groups = list(allowed_security_groups or ())
        for index, group in enumerate(security_groups):
            require_interface(
                f"{name('allowed_security_groups')}[{index}]",
                group,
                "security_group_id",
                "an ec2.ISecurityGroup",
            )
        if len(cidrs) + len(security_groups) > MAX_INGRESS_RULES:
            raise ValueError(
                f"{name('allowed_cidrs')}, {name('allowed_security_groups')}: {len(cidrs)} CIDRs and "
                f"{len(security_groups)} security groups make {len(cidrs) + len(security_groups)} inbound rules; a "
                f"security group takes at most {MAX_INGRESS_RULES}. Admit clients by security group, or summarize "
                "the CIDRs into wider ranges"
            )
        require_interface(name("vpc"), vpc, "vpc_id", "an ec2.IVpc", optional=True)
        require_subnet_selection(name("vpc_subnets"), vpc_subnets, vpc)
        # Checked even with your own VPC (where they are ignored): a value of the wrong type is a mistake.
        require_type(name("vpc_cidr"), vpc_cidr, str, "a CIDR string such as '10.0.0.0/16'")
        if is_token(max_azs):
            raise ValueError(
                f"{name('max_azs')}: a deploy-time value cannot size a VPC; pass a number from 2 to 6"
            )
        require_type(name("max_azs"), max_azs, int, "a number of availability zones from 2 to 6")
        require_key(name("flow_log_encryption_key"), flow_log_encryption_key)
        if vpc is None:
            validate_vpc_cidr(name("vpc_cidr"), vpc_cidr)
            require_int_range(
                name("max_azs"), max_azs, 2, 6, "endpoints need at least two availability zones"
            )
            available = len(Stack.of(scope).availability_zones)
            if max_azs > available:
                raise ValueError(
                    f"{name('max_azs')}: {max_azs} is more than the {available} availability zones this stack "
                    "knows; an account-agnostic stack knows two, so use max_azs=2 or give the stack an account"
                )
        elif not cidrs and not security_groups:
            cidrs = [_vpc_cidr_block(vpc, name("allowed_cidrs"), name("allowed_security_groups"))]
        require_bool(name("allow_apply_guardrail"), allow_apply_guardrail)
        require_bool(name("allow_count_tokens"), allow_count_tokens)
        require_retention(name("flow_log_retention"), flow_log_retention)
        require_removal_policy(name("removal_policy"), removal_policy)
        mantle = _validated_mantle_models(name("mantle_models"), mantle_models, name("services"), requested)
        return cls(checked_models, principals, requested, cidrs, security_groups, mantle)


def _vpc_cidr_block(vpc: ec2.IVpc, cidrs_argument: str, groups_argument: str) -> str:
    # An imported VPC knows its range only if it was given one; CDK raises when it was not.
    try:
        return vpc.vpc_cidr_block
    except RuntimeError as error:
        if "vpcCidrBlock" not in str(error):
            raise
        raise ValueError(
            f"{cidrs_argument}, {groups_argument}: your VPC was imported without vpc_cidr_block, so the "
            "endpoints cannot default to admitting it; name the client CIDRs or security groups"
        ) from None


def _validated_principals(argument: str, principals: Sequence[iam.IPrincipal] | None) -> list[iam.IPrincipal]:
    if principals is None:
        return [iam.AccountRootPrincipal()]
    require_non_empty(argument, principals, "leave it unset to allow this account, or name roles or accounts")
    for index, principal in enumerate(principals):
        item = f"{argument}[{index}]"
        if isinstance(principal, str):
            require_principal_arn(item, principal)
            raise TypeError(f"{item}: pass iam.ArnPrincipal({principal!r}) rather than the ARN string")
        require_interface(
            item, principal, "policy_fragment", "an iam.IPrincipal (a role, iam.ArnPrincipal, ...)"
        )
        fragment = principal.policy_fragment.principal_json
        if set(fragment) != {"AWS"} or any(value == "*" for value in fragment["AWS"]):
            raise ValueError(
                f"{item}: endpoint policies admit IAM principals of named accounts only, got {fragment}; "
                "use an account, role or user ARN"
            )
        if isinstance(principal, iam.AccountPrincipal) and not isinstance(
            principal, iam.AccountRootPrincipal
        ):
            account = principal.account_id
            if isinstance(account, str) and not is_token(account) and not ACCOUNT_ID_PATTERN.match(account):
                raise ValueError(f"{item}: {account!r} is not a 12-digit AWS account id")
        elif isinstance(principal, iam.ArnPrincipal) and not isinstance(principal, iam.AccountRootPrincipal):
            require_principal_arn(item, principal.arn)
        # Whatever else it is (a composite, say), every ARN and account id in it must be well-formed.
        require_principal(item, principal)
    return list(principals)


def _validated_mantle_models(
    argument: str, values: Sequence[str], services_argument: str, services: Sequence[BedrockEndpointService]
) -> tuple[str, ...]:
    models = require_list(argument, values, "a list of Mantle model ids such as 'openai.gpt-oss-120b'")
    for index, model in enumerate(models):
        validate_mantle_model(f"{argument}[{index}]", model)
    require_unique(argument, models)
    mantle = BedrockEndpointService.MANTLE in services
    if mantle and not models:
        raise ValueError(
            f"{argument}: the bedrock-mantle endpoint allows only the models named here (Mantle's own ids, "
            "e.g. 'openai.gpt-oss-120b'); name them, or leave bedrock-mantle out of " + services_argument
        )
    if models and not mantle:
        raise ValueError(
            f"{argument}: given without the bedrock-mantle endpoint; add it to {services_argument}"
        )
    return tuple(models)


def _validated_services(
    argument: str, services: Sequence[BedrockEndpointService] | None
) -> list[BedrockEndpointService]:
    if services is None:
        return list(DEFAULT_SERVICES)
    for index, service in enumerate(require_list(argument, services, "a list of BedrockEndpointService")):
        if not isinstance(service, BedrockEndpointService):
            hint = f"; use BedrockEndpointService.from_name({service!r})" if isinstance(service, str) else ""
            raise TypeError(f"{argument}[{index}] must be a BedrockEndpointService, got {service!r}{hint}")
    require_unique(argument, list(services))
    # The runtime endpoint is the whole point of the private path; it is always first.
    return [
        BedrockEndpointService.RUNTIME,
        *(s for s in services if s is not BedrockEndpointService.RUNTIME),
    ]
