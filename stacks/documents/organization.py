"""The organization guardrails, for the access matrix: the management account's stack as the reference
settings would give it (the approved models and the residency of cdk.json), with an example OU, the
organization's id and StackSets' execution role as the deployment principal, and the organization's
guardrail enforced by the Bedrock policy."""

from __future__ import annotations

import tempfile
from typing import Any

from aws_cdk import App, Environment, Stack

from secure_bedrock import BedrockGuardrail, BedrockOrganizationGuardrails, GuardrailPolicy

STACK_NAME = "OrganizationBedrock"
MANAGEMENT_ACCOUNT = "111122223333"
ORGANIZATION_ID = "o-ab12cd34ef"
WORKLOAD_OU = "ou-ab12-cdefgh34"
DEPLOYMENT_PRINCIPAL = "arn:aws:iam::*:role/stacksets-exec-*"


def organization_template() -> dict[str, Any]:
    """The management account's stack, synthesized on its own with cdk.json's feature flags."""
    from stacks.app import cdk_json_context
    from stacks.settings import CONTEXT_KEY, load_settings

    context = cdk_json_context()
    settings = load_settings({CONTEXT_KEY: context[CONTEXT_KEY]})
    flags = {key: value for key, value in context.items() if key.startswith("@aws-cdk")}
    with tempfile.TemporaryDirectory() as outdir:
        app = App(context=flags, outdir=outdir)
        stack = Stack(app, STACK_NAME, env=Environment(account=MANAGEMENT_ACCOUNT, region=settings.region))
        BedrockOrganizationGuardrails(
            stack,
            "Bedrock",
            models=settings.models,
            residency=settings.residency or [settings.region],
            target_ids=[WORKLOAD_OU],
            deployment_principals=[DEPLOYMENT_PRINCIPAL],
            guardrail=BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa()),
            organization_id=ORGANIZATION_ID,
        )
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template
