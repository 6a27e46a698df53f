"""The organization reference: the management account's stack of Bedrock organization policies, from the
``organization`` block of the settings and the same approved models and residency as the account stack."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Tags
from constructs import Construct

from secure_bedrock import BedrockGuardrail, BedrockOrganizationGuardrails, GuardrailPolicy, Residency
from stacks.settings import OrganizationSettings, ReferenceSettings


class OrganizationBedrockStack(Stack):
    """``BedrockOrganizationGuardrails`` for the management (or delegated administrator) account: the SCPs,
    the evidence perimeter RCP and, with ``enforce_guardrail``, the organization's guardrail and the
    Bedrock policy that enforces it in the stack's region."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: ReferenceSettings, **kwargs: Any
    ) -> None:
        organization: OrganizationSettings | None = settings.organization
        if organization is None:
            raise ValueError(
                "settings.organization: None; the organization stack needs the 'organization' block "
                "(docs/organization.md)"
            )
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=organization.account, region=settings.region),
            description="secure-bedrock: Bedrock organization policies (management account, reference)",
            **kwargs,
        )
        self.settings = settings
        self.guardrail: BedrockGuardrail | None = None
        if organization.enforce_guardrail:
            self.guardrail = BedrockGuardrail(
                self,
                "Guardrail",
                policy=GuardrailPolicy.hipaa(deny_medical_advice=settings.guardrail.deny_medical_advice),
                description="secure-bedrock: the organization's guardrail, enforced on every member account",
            )
        self.organization = BedrockOrganizationGuardrails(
            self,
            "Bedrock",
            models=settings.models,
            residency=settings.residency or Residency.of([settings.region]),
            target_ids=organization.target_ids,
            deployment_principals=organization.deployment_principals,
            model_access_principals=organization.model_access_principals or None,
            bootstrap_principals=organization.bootstrap_principals,
            regulated=organization.regulated,
            guardrail=self.guardrail,
            organization_id=organization.organization_id,
        )
        for key, value in settings.tags.items():
            Tags.of(self).add(key, value)
        for index, policy in enumerate(self.organization.policies, 1):
            CfnOutput(
                self,
                f"ServiceControlPolicy{index}Id",
                value=policy.attr_id,
                description="An SCP of secure-bedrock (attached to the target OUs and accounts)",
            )
        if self.organization.perimeter is not None:
            CfnOutput(
                self,
                "ResourceControlPolicyId",
                value=self.organization.perimeter.attr_id,
                description="The evidence perimeter RCP",
            )
        if self.guardrail is not None:
            CfnOutput(
                self,
                "OrganizationGuardrailArn",
                value=self.guardrail.guardrail_arn,
                description="Member accounts: guardrail.organization_guardrail.guardrail_arn",
            )
            CfnOutput(
                self,
                "OrganizationGuardrailKeyArn",
                value=self.guardrail.encryption_key.key_arn,
                description="Member accounts: guardrail.organization_guardrail.key_arn",
            )
