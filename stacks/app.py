"""Build the reference environment's CDK app from cdk.json: the same path for the CLI and the tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App

from secure_bedrock.compliance import register_compliance_packs
from stacks.hipaa_stack import HipaaBedrockStack
from stacks.log_archive_stack import LogArchiveStack
from stacks.member_stage import MemberAccountStage, stage_name
from stacks.organization_stack import OrganizationBedrockStack
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings
from stacks.stackset_stack import StackSetAssetsStack, StackSetRolloutStack, assets_stack_name

CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


def cdk_json_context(path: Path = CDK_JSON) -> dict[str, Any]:
    """The ``context`` block of cdk.json: feature flags and the reference environment's settings."""
    context: dict[str, Any] = json.loads(path.read_text())["context"]
    return context


def _json_or_text(value: Any) -> Any:
    """A ``-c`` value: the CLI passes text; JSON (an object, a list, a number, true/false/null, a quoted
    string) is read as JSON, anything else stays text."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def settings_block(app: App) -> Any:
    """The ``secure-bedrock`` block as the app sees it: cdk.json's, or the whole block given with
    ``-c secure-bedrock='{...}'`` (JSON text), with each ``-c secure-bedrock.a.b=value`` applied on top.

    :raises SettingsError: when ``-c secure-bedrock=...`` is not a JSON object, or a dotted override
        goes through a setting that is not an object.
    """
    raw = _json_or_text(app.node.try_get_context(CONTEXT_KEY))
    if isinstance(raw, str):
        raise SettingsError(
            [
                f"{CONTEXT_KEY}: -c {CONTEXT_KEY}={raw[:60]!r} is not a JSON object; give the whole block as "
                f'JSON, e.g. -c {CONTEXT_KEY}=\'{{"models": [...], "region": "us-west-2"}}\', or one setting '
                f"as -c {CONTEXT_KEY}.region=us-west-2"
            ]
        )
    prefix = f"{CONTEXT_KEY}."
    overrides = sorted(key for key in app.node.get_all_context() if key.startswith(prefix))
    if overrides:
        block: Any = copy.deepcopy(raw) if isinstance(raw, dict) else {}
        for key in overrides:
            *parents, leaf = key[len(prefix) :].split(".")
            target = block
            for index, name in enumerate(parents):
                target = target.setdefault(name, {}) if isinstance(target, dict) else None
                if not isinstance(target, dict):
                    path = ".".join([CONTEXT_KEY, *parents[: index + 1]])
                    raise SettingsError(
                        [f"{key}: {path} is not an object, so -c {key}=... cannot set a key in it"]
                    )
            target[leaf] = _json_or_text(app.node.try_get_context(key))
        raw = block
    return raw


def build_app(
    *,
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    compliance: bool = True,
) -> tuple[App, HipaaBedrockStack]:
    """The reference app and its account stack; with the settings' ``organization`` block, the app also
    holds the organization stack (:func:`organization_stack`).

    :param context: the app's context. Default: cdk.json's context block (which the CDK CLI also
        passes, merged with ``-c`` overrides, so ``cdk synth`` and ``python app.py`` agree).
    :param outdir: the cloud assembly directory. Default: the CLI's, or a temporary one.
    :param compliance: register the four compliance packs so that synth fails on any finding.
    """
    app = App(context=dict(cdk_json_context() if context is None else context), outdir=outdir)
    raw = settings_block(app)
    settings = load_settings({} if raw is None else {CONTEXT_KEY: raw})
    stack = HipaaBedrockStack(app, settings.stack_name, settings=settings)
    if settings.organization is not None:
        OrganizationBedrockStack(app, settings.organization.stack_name, settings=settings)
        if settings.organization.log_archive is not None:
            LogArchiveStack(app, settings.organization.log_archive.stack_name, settings=settings)
        stacksets = settings.organization.stacksets
        if stacksets is not None:
            rollout = StackSetRolloutStack(app, stacksets.stack_name, settings=settings)
            for region in stacksets.regions:
                # The asset buckets must exist before the rollout copies the Lambda code into them.
                rollout.add_stack_dependency(
                    StackSetAssetsStack(
                        app, assets_stack_name(settings, region), settings=settings, region=region
                    )
                )
        for member in settings.organization.members:
            for region in member.regions:
                MemberAccountStage(
                    app,
                    stage_name(member.account, region),
                    settings=settings,
                    account=member.account,
                    region=region,
                )
    if compliance:
        register_compliance_packs(app)
    return app, stack


def organization_stack(app: App) -> OrganizationBedrockStack | None:
    """The organization stack of an app :func:`build_app` made, or ``None`` without the ``organization`` block."""
    found = [child for child in app.node.children if isinstance(child, OrganizationBedrockStack)]
    return found[0] if found else None
