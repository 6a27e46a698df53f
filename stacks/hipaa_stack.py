"""The HIPAA-ready reference stack: a ``SecureBedrockLandingZone`` configured from the settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from secure_bedrock import (
    AccessOptions,
    EvidenceOptions,
    GuardrailOptions,
    GuardrailPolicy,
    NetworkOptions,
    OperationsOptions,
    SecureBedrockLandingZone,
    TeamSpec,
)
from secure_bedrock.archive import ArchiveDestination
from stacks.settings import ReferenceSettings


def _principal(arns: Sequence[str], *, default: iam.IPrincipal | None) -> iam.IPrincipal | None:
    """The principals named by ARN in the settings, or ``default`` when there are none."""
    if not arns:
        return default
    return iam.CompositePrincipal(*(iam.ArnPrincipal(arn) for arn in arns))


def network_options(settings: ReferenceSettings) -> NetworkOptions:
    """``network`` (and ``allowed_principals``) as the landing zone's network options."""
    network = settings.network
    return NetworkOptions(
        allowed_principals=[iam.ArnPrincipal(arn) for arn in settings.allowed_principals] or None,
        endpoint_services=network.endpoint_services,
        vpc_cidr=network.vpc_cidr,
        max_azs=network.max_azs,
        allowed_cidrs=network.allowed_cidrs or None,
    )


def evidence_options(settings: ReferenceSettings) -> EvidenceOptions:
    """``evidence`` (and ``log_retention``) as the landing zone's evidence options."""
    evidence = settings.evidence
    # A member of the organization: its evidence is replicated to the organization's archive.
    archive = settings.organization.log_archive if settings.organization is not None else None
    return EvidenceOptions(
        retention_days=evidence.retention_days,
        log_retention=settings.log_retention,
        object_lock=evidence.object_lock,
        invocation_log_data_types=evidence.invocation_log_data_types,
        adopt_existing_logging=evidence.adopt_existing_logging,
        audit_trail=evidence.audit_trail,
        auditor_principal=_principal(evidence.auditor_principals, default=None),
        archive=ArchiveDestination.of(archive.account, archive.region) if archive is not None else None,
    )


def guardrail_options(settings: ReferenceSettings) -> GuardrailOptions:
    """``guardrail`` as the landing zone's guardrail options: the HIPAA preset, with the settings' choices."""
    guardrail = settings.guardrail
    return GuardrailOptions(
        policy=GuardrailPolicy.hipaa(deny_medical_advice=guardrail.deny_medical_advice),
        cross_region_profile=guardrail.cross_region_profile,
        cross_region_destinations=guardrail.cross_region_destinations,
        enforce_in_account=guardrail.enforce_in_account,
        previous_version=guardrail.previous_version,
        organization_guardrail=guardrail.organization_guardrail,
    )


def access_options(settings: ReferenceSettings) -> AccessOptions:
    """``invoker_principals``, ``administrator_principals`` and ``teams`` as the access options: the
    invoker and administrator roles default to this account's principals."""
    account = iam.AccountRootPrincipal()
    return AccessOptions(
        invoker_principal=_principal(settings.invoker_principals, default=account),
        administrator_principal=_principal(settings.administrator_principals, default=account),
        teams=[
            TeamSpec(
                name=team.name,
                cost_center=team.cost_center,
                models=team.models,
                assumed_by=_principal(team.principals, default=None),
                monthly_budget_usd=team.monthly_budget_usd,
                hard_stop=team.hard_stop,
            )
            for team in settings.teams
        ],
    )


def operations_options(settings: ReferenceSettings) -> OperationsOptions:
    """``operations`` as the landing zone's operations options."""
    operations = settings.operations
    return OperationsOptions(
        alarm_emails=operations.alarm_emails,
        alarm_https_endpoints=operations.alarm_https_endpoints,
        tpm_quotas=operations.tpm_quotas,
        monthly_budget_usd=operations.monthly_budget_usd,
        budget_thresholds_percent=operations.budget_thresholds_percent,
        budget_emails=operations.budget_emails,
    )


def add_landing_zone(stack: Stack, settings: ReferenceSettings) -> SecureBedrockLandingZone:
    """The reference landing zone in ``stack`` (whose region is the settings'), its tags and outputs: the
    account stack's content, and each member's in a stage or a StackSet."""
    zone = SecureBedrockLandingZone(
        stack,
        "LandingZone",
        models=settings.models,
        network=network_options(settings),
        evidence=evidence_options(settings),
        guardrail=guardrail_options(settings),
        access=access_options(settings),
        operations=operations_options(settings),
        residency=settings.residency,
    )
    for key, value in settings.tags.items():
        Tags.of(stack).add(key, value)
    _outputs(stack, zone)
    return zone


class HipaaBedrockStack(Stack):
    """The reference environment: region-specific, account-agnostic unless the settings name an account."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: ReferenceSettings, **kwargs: Any
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=settings.account, region=settings.region),
            description="secure-bedrock: HIPAA-ready Amazon Bedrock landing zone (reference environment)",
            **kwargs,
        )
        self.settings = settings
        self.landing_zone = add_landing_zone(self, settings)


def _outputs(stack: Stack, zone: SecureBedrockLandingZone) -> None:
    network = zone.network
    CfnOutput(stack, "VpcId", value=network.vpc.vpc_id, description="VPC with the Bedrock endpoints")
    CfnOutput(
        stack,
        "EndpointSecurityGroupId",
        value=network.security_group.security_group_id,
        description="Admit clients to Bedrock by allowing this group's port 443 from them",
    )
    CfnOutput(
        stack,
        "RuntimeEndpointId",
        value=network.runtime_endpoint.vpc_endpoint_id,
        description="bedrock-runtime interface endpoint (use as aws:SourceVpce in IAM conditions)",
    )
    CfnOutput(
        stack,
        "InvocationLogBucket",
        value=zone.invocation_logging.bucket.bucket.bucket_name,
        description="Bedrock model invocation logs (prompts and responses: PHI)",
    )
    CfnOutput(stack, "InvocationLogGroup", value=zone.invocation_logging.log_group.log_group_name)
    for index, policy in enumerate(zone.auditor.policies):
        CfnOutput(
            stack,
            "AuditorPolicyArn" if index == 0 else f"AuditorPolicy{index + 1}Arn",
            value=policy.managed_policy_arn,
            description="Attach to the permission set or role of the people who audit Bedrock use"
            + (" (with the other auditor policies)" if len(zone.auditor.policies) > 1 else ""),
        )
    CfnOutput(
        stack, "GuardrailId", value=zone.guardrail.guardrail_id, description="Pass as guardrailIdentifier"
    )
    CfnOutput(
        stack,
        "GuardrailVersion",
        value=zone.guardrail.guardrail_version,
        description="Pass as guardrailVersion",
    )
    if zone.invoker is not None:
        CfnOutput(stack, "InvokerRoleArn", value=zone.invoker.role.role_arn)
    if zone.administrator is not None:
        CfnOutput(stack, "AdministratorRoleArn", value=zone.administrator.role.role_arn)
    CfnOutput(
        stack,
        "AlarmTopicArn",
        value=zone.monitoring.topic.topic_arn,
        description="Subscribe the on-call channel to Bedrock alarms and budget notifications",
    )
    for name, team in zone.teams.items():
        CfnOutput(
            stack,
            f"Team{name.replace('-', '').capitalize()}InvokerRoleArn",
            value=team.invoker.role.role_arn,
        )
