"""The landing zone in an app that still runs cdk-nag v2 (its packs as Aspects).

cdk-nag v2 reads suppressions from each resource's ``cdk_nag`` metadata, which the library's
``acknowledge`` writes beside aws-cdk-lib's acknowledgements (docs/compliance.md, "cdk-nag v2"); the
library's own Bedrock rules are a validation plugin, registered as in any app. With cdk-nag v2
installed, ``python docs/examples/landing_zone_with_cdk_nag_v2.py`` synthesizes into ``cdk.out`` and
prints the packs' errors (none). ``tests/test_examples.py`` runs it against a pinned cdk-nag v2
(``requirements-nag2.lock``).
"""

from __future__ import annotations

import sys

from aws_cdk import App, Aspects, Environment, Stack, Validations, cx_api
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks

from secure_bedrock import BedrockChecks, BedrockModels, SecureBedrockLandingZone


def build(app: App) -> Stack:
    stack = Stack(app, "BedrockWithNagV2", env=Environment(region="us-east-1"))
    SecureBedrockLandingZone(stack, "LandingZone", models=[BedrockModels.US_AMAZON_NOVA_PRO])
    for checks in (AwsSolutionsChecks(), HIPAASecurityChecks(), NIST80053R5Checks(), PCIDSS321Checks()):
        Aspects.of(app).add(checks)
    Validations.of(app).add_plugins(BedrockChecks())
    return stack


def errors(app: App) -> list[str]:
    """The packs' error annotations (cdk-nag v2 reports findings as errors on the resources)."""
    assembly = app.synth()
    return [
        f"{message.id}: {message.entry.data}"
        for stack in assembly.stacks
        for message in stack.messages
        if message.level == cx_api.SynthesisMessageLevel.ERROR
    ]


if __name__ == "__main__":
    app = App(outdir=sys.argv[1] if len(sys.argv) > 1 else None)
    build(app)
    found = errors(app)
    print("\n".join(found) or "no findings")
    sys.exit(1 if found else 0)
