"""A guardrail mid-transition, for the access matrix: a new version published while callers move.

The stack holds a ``BedrockGuardrail`` given ``previous_version="1"`` (what callers passed before the
change) and a ``BedrockInvokerRole`` bound to it. Deployed with the new version numbered ``2``, its
invoker may pass either version; the reference environment, deployed after the same change without
``previous_version``, accepts only ``2`` (docs/upgrading.md, "Changing the guardrail").
"""

from __future__ import annotations

import tempfile
from typing import Any

from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam

from secure_bedrock import BedrockGuardrail, BedrockInvokerRole, BedrockModels, GuardrailPolicy

STACK_NAME = "GuardrailTransition"
#: The version callers passed before the change, and the one the change publishes.
PREVIOUS_VERSION, NEW_VERSION = "1", "2"


def transition_template() -> dict[str, Any]:
    """The stack synthesized on its own, with cdk.json's feature flags."""
    from stacks.app import cdk_json_context

    flags = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}
    with tempfile.TemporaryDirectory() as outdir:
        app = App(context=flags, outdir=outdir)
        stack = Stack(app, STACK_NAME, env=Environment(region="us-east-1"))
        guardrail = BedrockGuardrail(
            stack, "Guardrail", policy=GuardrailPolicy.hipaa(), previous_version=PREVIOUS_VERSION
        )
        BedrockInvokerRole(
            stack,
            "Invoker",
            assumed_by=iam.AccountRootPrincipal(),
            models=[BedrockModels.US_AMAZON_NOVA_PRO],
            guardrail=guardrail,
        )
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template
