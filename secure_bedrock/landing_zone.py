"""``SecureBedrockLandingZone``: the composition of the library's constructs.

It owns no logic of its own beyond wiring: every resource comes from a construct module, and each
option group (:mod:`secure_bedrock.options`) configures one part of it, built by one method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import CfnResource, RemovalPolicy, Stack, Tags
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct, IValidation

from secure_bedrock import limits
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import is_token, require_construct
from secure_bedrock.access import BedrockAdministrator, BedrockAuditor, BedrockInvokerRole
from secure_bedrock.archive import EvidenceReplication
from secure_bedrock.audit import BedrockAuditTrail
from secure_bedrock.budgets import BedrockBudgets, TeamBudget
from secure_bedrock.grants import grant_statements
from secure_bedrock.guardrail import BedrockGuardrail
from secure_bedrock.invocation_logging import ModelInvocationLogging
from secure_bedrock.models import BedrockModel
from secure_bedrock.monitoring import BedrockMonitoring
from secure_bedrock.network import BedrockPrivateNetwork, add_flow_logs_to_evidence
from secure_bedrock.options import (
    INVOCATION_LOG_DATA_TYPES,
    AccessOptions,
    EvidenceOptions,
    GuardrailOptions,
    NetworkOptions,
    OperationsOptions,
    check_options,
    deprecation_annotation,
    merge_flat_arguments,
)
from secure_bedrock.organization import LANDING_ZONE_TAG, PROTECTED_RESOURCE_TYPES
from secure_bedrock.residency import RESIDENCY_METADATA, Residency
from secure_bedrock.team_stacks import LandingZoneParameters, parameter_prefix
from secure_bedrock.teams import BedrockTeam, TeamSpec

__all__ = ["INVOCATION_LOG_DATA_TYPES", "LandingZoneOptions", "SecureBedrockLandingZone"]


@dataclass(frozen=True)
class LandingZoneOptions:
    """The five option groups a landing zone was built with (``SecureBedrockLandingZone.options``)."""

    network: NetworkOptions
    evidence: EvidenceOptions
    guardrail: GuardrailOptions
    access: AccessOptions
    operations: OperationsOptions


@jsii.implements(IValidation)
class _StackFitsCloudFormation:
    """At synth: the landing zone's stack holds at most 500 resources (CloudFormation's quota), with
    an error that says what grows it, before CDK's own TooManyResourcesInStack."""

    def __init__(self, zone: SecureBedrockLandingZone, teams: int) -> None:
        self._zone = zone
        self._teams = teams

    def validate(self) -> list[str]:
        stack = Stack.of(self._zone)
        count = sum(
            1 for node in stack.node.find_all() if isinstance(node, CfnResource) and Stack.of(node) is stack
        )
        if count <= limits.STACK_RESOURCES.maximum:
            return []
        return [
            f"teams: the stack '{stack.stack_name}' would hold {count} resources, more than CloudFormation's "
            f"{limits.STACK_RESOURCES.maximum}; with {self._teams} teams, each team's profiles and role add "
            "resources. Define some teams with BedrockTeam in stacks of their own, or use fewer models per team"
        ]


class SecureBedrockLandingZone(Construct):
    """A secure Bedrock landing zone: the private path to the approved models, and the evidence of their use.

    Attributes: ``network`` (:class:`BedrockPrivateNetwork`), ``invocation_logging``
    (:class:`ModelInvocationLogging`), ``audit_trail`` (:class:`BedrockAuditTrail` or ``None``),
    ``auditor`` (:class:`BedrockAuditor`), ``guardrail``, ``invoker``, ``administrator``, ``teams``,
    ``monitoring`` (:class:`BedrockMonitoring`), ``budgets`` (:class:`BedrockBudgets` or ``None``),
    ``options`` (:class:`LandingZoneOptions`: what it was built with).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Sequence[BedrockModel],
        network: NetworkOptions | None = None,
        evidence: EvidenceOptions | None = None,
        guardrail: GuardrailOptions | None = None,
        access: AccessOptions | None = None,
        operations: OperationsOptions | None = None,
        residency: Residency | str | Sequence[str] | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        **deprecated_flat_arguments: Any,
    ) -> None:
        """
        :param models: the approved models (see :class:`BedrockModels`).
        :param network: the VPC, the endpoints and who may reach them. Default: ``NetworkOptions()``
            (a new hardened VPC, the runtime and control endpoints, this account's principals).
        :param evidence: invocation logging, the audit trail, retention and the auditor.
            Default: ``EvidenceOptions()`` (everything logged, six years, new keys, no auditor role).
        :param guardrail: the guardrail and its enforcement. Default: ``GuardrailOptions()``
            (the HIPAA preset, enforced on every call of the account and region).
        :param access: the invoker and administrator roles, and the teams. Default: ``AccessOptions()``
            (none of them).
        :param operations: alarms, quotas and budgets. Default: ``OperationsOptions()`` (a new encrypted
            topic, default thresholds, no budgets).
        :param residency: where data may be processed: a geography (``"eu"``), region names, or a
            :class:`Residency`. Every approved model's routing and the guardrail's profile are checked
            against it at synth. Default: no check.
        :param removal_policy: for keys, buckets, log groups, the trail and the guardrail. Default: ``RETAIN``.
        :param deprecated_flat_arguments: the flat arguments of 0.1 (``vpc=``, ``teams=``, ...): still
            accepted for this release, with a ``DeprecationWarning`` naming where each one goes now
            (docs/upgrading.md).
        """
        # Every option is checked here, under its own name, before anything is created.
        require_construct(scope, construct_id)
        groups = merge_flat_arguments(
            {
                "network": network,
                "evidence": evidence,
                "guardrail": guardrail,
                "access": access,
                "operations": operations,
            },
            deprecated_flat_arguments,
        )
        checked_residency = (
            None
            if residency is None
            else residency
            if isinstance(residency, Residency)
            else Residency.of(residency)
        )
        check_options(scope, models, **groups, removal_policy=removal_policy, residency=checked_residency)

        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        deprecation_annotation(self, deprecated_flat_arguments)
        self.residency = checked_residency
        """The residency the models were checked against, or ``None``."""
        if checked_residency is not None:
            # Recorded in the template, for the architecture picture and reviewers of the template.
            Stack.of(self).add_metadata(
                RESIDENCY_METADATA,
                {
                    "described_as": checked_residency.described_as,
                    "regions": sorted(checked_residency.regions),
                },
            )
        self.options = LandingZoneOptions(**groups)
        """The options the landing zone was built with (any flat arguments moved into their groups)."""
        self._add_network(models, self.options.network, self.options.evidence.log_retention, removal_policy)
        self._add_evidence(self.options.evidence, self.options.network.vpc_subnets, removal_policy)
        self._add_guardrail(self.options.guardrail, removal_policy)
        self._add_access(self.options.access)
        self._add_operations(self.options.operations, self.options.access.teams, removal_policy)
        # What the organization's SCP (BedrockOrganizationGuardrails) keeps from everyone but the deployment
        # role: the endpoints and their security groups, the keys and the log groups this landing zone made.
        stack_name = Stack.of(self).stack_name
        Tags.of(self).add(
            LANDING_ZONE_TAG,
            "true" if is_token(stack_name) else stack_name,
            include_resource_types=list(PROTECTED_RESOURCE_TYPES),
        )

    def _add_network(
        self,
        models: Sequence[BedrockModel],
        network: NetworkOptions,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        self.network = BedrockPrivateNetwork(
            self,
            "Network",
            models=models,
            allowed_principals=network.allowed_principals,
            services=network.endpoint_services,
            mantle_models=network.mantle_models,
            vpc=network.vpc,
            vpc_subnets=network.vpc_subnets,
            vpc_cidr=network.vpc_cidr,
            max_azs=network.max_azs,
            allowed_cidrs=network.allowed_cidrs,
            allowed_security_groups=network.allowed_security_groups,
            flow_log_encryption_key=network.flow_log_encryption_key,
            flow_log_retention=log_retention,
            removal_policy=removal_policy,
        )

    def _add_evidence(
        self,
        evidence: EvidenceOptions,
        vpc_subnets: ec2.SubnetSelection | None,
        removal_policy: RemovalPolicy,
    ) -> None:
        self.audit_trail: BedrockAuditTrail | None = None
        if evidence.audit_trail:
            self.audit_trail = BedrockAuditTrail(
                self,
                "AuditTrail",
                encryption_key=evidence.audit_key,
                retention_days=evidence.retention_days,
                log_retention=evidence.log_retention,
                object_lock=evidence.object_lock,
                removal_policy=removal_policy,
            )
        data_types = set(evidence.invocation_log_data_types)
        self.invocation_logging = ModelInvocationLogging(
            self,
            "InvocationLogging",
            network=self.network,
            vpc_subnets=vpc_subnets,
            encryption_key=evidence.invocation_log_key,
            # One access-log bucket records access to both evidence buckets.
            server_access_logs_bucket=self.audit_trail.bucket.access_logs_bucket
            if self.audit_trail and self.audit_trail.bucket
            else None,
            text="text" in data_types,
            image="image" in data_types,
            embedding="embedding" in data_types,
            video="video" in data_types,
            audio="audio" in data_types,
            retention_days=evidence.retention_days,
            log_retention=evidence.log_retention,
            object_lock=evidence.object_lock,
            adopt_existing=evidence.adopt_existing_logging,
            removal_policy=removal_policy,
        )
        if self.audit_trail is not None:
            # Who read (or wrote) which invocation-log object: the PHI itself.
            self.audit_trail.record_object_access(
                self.invocation_logging.bucket.bucket, "the model invocation logs (PHI)"
            )
        self.auditor = BedrockAuditor(
            self,
            "Auditor",
            invocation_logging=self.invocation_logging,
            audit_trail=self.audit_trail,
            network=self.network,
            assumed_by=evidence.auditor_principal,
        )
        self.replication: EvidenceReplication | None = None
        self.archived_flow_log: ec2.FlowLog | None = None
        if evidence.archive is not None:
            sources = [(self.invocation_logging.bucket, list(self.invocation_logging.log_prefixes))]
            if self.audit_trail is not None and self.audit_trail.bucket is not None:
                sources.append((self.audit_trail.bucket, ["AWSLogs/"]))
            self.replication = EvidenceReplication(
                self, "ArchiveReplication", destination=evidence.archive, sources=sources
            )
            # The flow logs of the VPC the landing zone made live in a log group, which S3 replication
            # cannot reach: a second flow log delivers them to the trail's bucket, under AWSLogs/.
            if (
                self.audit_trail is not None
                and self.audit_trail.bucket is not None
                and self.network.flow_log_group is not None
            ):
                self.archived_flow_log = add_flow_logs_to_evidence(
                    self.network,
                    "ArchivedFlowLog",
                    vpc=self.network.vpc,
                    bucket=self.audit_trail.bucket.bucket,
                    encryption_key=self.audit_trail.encryption_key,
                )

    def _add_guardrail(self, guardrail: GuardrailOptions, removal_policy: RemovalPolicy) -> None:
        self.guardrail = BedrockGuardrail(
            self,
            "Guardrail",
            policy=guardrail.effective_policy,
            cross_region_profile=guardrail.cross_region_profile,
            cross_region_destinations=guardrail.cross_region_destinations,
            enforce_in_account=guardrail.enforce_in_account,
            previous_version=guardrail.previous_version,
            removal_policy=removal_policy,
        )
        # A cross-region guardrail runs in its profile's destination regions; the endpoint must admit them.
        self.network.allow_guardrail_profiles(self.guardrail.profile_arns)

    def _add_access(self, access: AccessOptions) -> None:
        runtime_vpce = self.network.runtime_endpoint.vpc_endpoint_id
        self.invoker: BedrockInvokerRole | None = None
        if access.invoker_principal is not None:
            self.invoker = BedrockInvokerRole(
                self,
                "Invoker",
                assumed_by=access.invoker_principal,
                models=self.network.models,
                guardrail=self.guardrail,
                source_vpce=runtime_vpce,
            )
        self.administrator: BedrockAdministrator | None = None
        if access.administrator_principal is not None:
            self.administrator = BedrockAdministrator(
                self,
                "Administrator",
                assumed_by=access.administrator_principal,
                invocation_logging=self.invocation_logging,
                guardrail=self.guardrail,
                models=self.network.models,
            )
        self.teams: dict[str, BedrockTeam] = {}
        teams_scope = Construct(self, "Teams") if access.teams else self
        for team in access.teams:
            created = BedrockTeam(
                teams_scope,
                team.name,
                name=team.name,
                cost_center=team.cost_center,
                models=team.models,
                assumed_by=team.assumed_by or iam.AccountRootPrincipal(),
                guardrail=self.guardrail,
                source_vpce=runtime_vpce,
            )
            self.network.allow_models(
                f"Team{team.name.replace('-', '').capitalize()}Profiles", created.models
            )
            self.teams[team.name] = created
        organization_guardrail = self.options.guardrail.organization_guardrail
        if organization_guardrail is not None:
            # The organization's Bedrock policy applies its guardrail to every model call of the account:
            # each caller, and the runtime endpoint, must admit it.
            self.network.allow_organization_guardrail(organization_guardrail.guardrail_arn)
            callers = [self.invoker.role] if self.invoker is not None else []
            callers += [team.invoker.role for team in self.teams.values()]
            for caller in callers:
                grant_statements(caller, organization_guardrail.statements(source_vpce=runtime_vpce))

    def _add_operations(
        self, operations: OperationsOptions, teams: Sequence[TeamSpec], removal_policy: RemovalPolicy
    ) -> None:
        self.monitoring = BedrockMonitoring(
            self,
            "Monitoring",
            models=self.network.models,
            topic=operations.alarm_topic,
            email_subscribers=operations.alarm_emails,
            https_subscribers=operations.alarm_https_endpoints,
            guardrail=self.guardrail,
            invocation_logging=self.invocation_logging,
            teams=list(self.teams.values()),
            tpm_quotas=operations.tpm_quotas,
            thresholds=operations.alarm_thresholds,
            removal_policy=removal_policy,
        )
        self.parameter_prefix = parameter_prefix(Stack.of(self))
        """Where team stacks read this landing zone (:class:`~secure_bedrock.team_stacks.LandingZoneReference`)."""
        self.team_parameters = LandingZoneParameters(
            self,
            "TeamParameters",
            prefix=self.parameter_prefix,
            guardrail=self.guardrail,
            runtime_endpoint_id=self.network.runtime_endpoint.vpc_endpoint_id,
            alarm_topic=self.monitoring.topic,
        )
        if self.replication is not None:
            self.replication.alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.monitoring.topic))
            self.monitoring.alarms.append(self.replication.alarm)
        self.node.add_validation(_StackFitsCloudFormation(self, len(teams)))
        self.budgets: BedrockBudgets | None = None
        if operations.monthly_budget_usd is not None:
            self.budgets = BedrockBudgets(
                self,
                "Budgets",
                monthly_limit_usd=operations.monthly_budget_usd,
                topic=self.monitoring.topic,
                thresholds_percent=operations.budget_thresholds_percent,
                email_subscribers=operations.budget_emails,
                teams=[
                    TeamBudget(
                        team=self.teams[team.name],
                        monthly_limit_usd=team.monthly_budget_usd,
                        hard_stop=team.hard_stop,
                    )
                    for team in teams
                    if team.monthly_budget_usd is not None
                ],
            )
