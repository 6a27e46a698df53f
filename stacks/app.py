"""Build the reference environment's CDK app from cdk.json: the same path for the CLI and the tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App

from secure_bedrock.compliance import register_compliance_packs
from stacks.hipaa_stack import HipaaBedrockStack
from stacks.settings import CONTEXT_KEY, load_settings

CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` block of cdk.json: feature flags and the reference environment's settings."""
    context: dict[str, Any] = json.loads(path.read_text())["context"]
    return context


def build_app(
    *,
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    compliance: bool = True,
) -> tuple[App, HipaaBedrockStack]:
    """The reference app and its stack.

    :param context: the app's context. Default: cdk.json's context block (which the CDK CLI also
        passes, merged with ``-c`` overrides, so ``cdk synth`` and ``python app.py`` agree).
    :param outdir: the cloud assembly directory. Default: the CLI's, or a temporary one.
    :param compliance: register the four compliance packs so that synth fails on any finding.
    """
    app = App(context=dict(cdk_json_context() if context is None else context), outdir=outdir)
    raw = app.node.try_get_context(CONTEXT_KEY)
    settings = load_settings({} if raw is None else {CONTEXT_KEY: raw})
    stack = HipaaBedrockStack(app, settings.stack_name, settings=settings)
    if compliance:
        register_compliance_packs(app)
    return app, stack
