"""The organization reference stack, for the access matrix: the management account's stack that
``make synth`` builds from the settings' ``organization`` block (the reference's models, residency, OU,
organization id and deployment roles), synthesized on its own, in an example management account."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from aws_cdk import App, Stack

from stacks.organization_stack import OrganizationBedrockStack
from stacks.settings import CONTEXT_KEY, OrganizationSettings, ReferenceSettings, load_settings

#: The management account the template's account-agnostic references are resolved in.
MANAGEMENT_ACCOUNT = "111122223333"


def reference_settings() -> ReferenceSettings:
    """cdk.json's settings, which hold the ``organization`` block."""
    from stacks.app import cdk_json_context

    settings = load_settings({CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY]})
    if settings.organization is None:
        raise ValueError(
            f"cdk.json: {CONTEXT_KEY}.organization is null; the organization rows need the block"
        )
    return settings


def reference_organization() -> OrganizationSettings:
    """The ``organization`` block of cdk.json."""
    organization = reference_settings().organization
    assert organization is not None  # reference_settings checks it
    return organization


def _synthesized_alone(build: Callable[[App], Stack]) -> dict[str, Any]:
    """The template of the stack ``build`` makes in an app of its own, with cdk.json's feature flags."""
    from stacks.app import cdk_json_context

    flags = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}
    with tempfile.TemporaryDirectory() as outdir:
        app = App(context=flags, outdir=outdir)
        stack = build(app)
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template


def organization_template() -> dict[str, Any]:
    """The organization stack, synthesized alone with cdk.json's feature flags."""
    organization = reference_organization()
    settings = reference_settings()
    return _synthesized_alone(
        lambda app: OrganizationBedrockStack(app, organization.stack_name, settings=settings)
    )


def archive_template() -> dict[str, Any]:
    """The log-archive stack, synthesized alone with cdk.json's feature flags."""
    from stacks.log_archive_stack import LogArchiveStack

    settings = reference_settings()
    organization = settings.organization
    assert organization is not None
    log_archive = organization.log_archive
    if log_archive is None:
        raise ValueError(
            f"cdk.json: {CONTEXT_KEY}.organization.log_archive is null; the archive rows need it"
        )
    return _synthesized_alone(lambda app: LogArchiveStack(app, log_archive.stack_name, settings=settings))


def stackset_assets_template() -> dict[str, Any]:
    """The StackSets' asset bucket stack of the settings' region, synthesized alone with cdk.json's feature
    flags."""
    from stacks.stackset_stack import StackSetAssetsStack, assets_stack_name

    settings = reference_settings()
    organization = settings.organization
    assert organization is not None
    if organization.stacksets is None:
        raise ValueError(
            f"cdk.json: {CONTEXT_KEY}.organization.stacksets is null; the StackSets asset rows need it"
        )
    name = assets_stack_name(settings, settings.region)
    return _synthesized_alone(
        lambda app: StackSetAssetsStack(app, name, settings=settings, region=settings.region)
    )
