"""The organization reference stack, for the access matrix: the management account's stack that
``make synth`` builds from the settings' ``organization`` block (the reference's models, residency, OU,
organization id and deployment roles), synthesized on its own, in an example management account."""

from __future__ import annotations

import tempfile
from typing import Any

from aws_cdk import App

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


def organization_template() -> dict[str, Any]:
    """The organization stack, synthesized alone with cdk.json's feature flags."""
    from stacks.app import cdk_json_context

    settings = reference_settings()
    flags = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}
    with tempfile.TemporaryDirectory() as outdir:
        app = App(context=flags, outdir=outdir)
        assert settings.organization is not None
        stack = OrganizationBedrockStack(app, settings.organization.stack_name, settings=settings)
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template


def archive_template() -> dict[str, Any]:
    """The log-archive stack, synthesized alone with cdk.json's feature flags."""
    from stacks.app import cdk_json_context
    from stacks.log_archive_stack import LogArchiveStack

    settings = reference_settings()
    organization = settings.organization
    assert organization is not None
    if organization.log_archive is None:
        raise ValueError(
            f"cdk.json: {CONTEXT_KEY}.organization.log_archive is null; the archive rows need it"
        )
    flags = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}
    with tempfile.TemporaryDirectory() as outdir:
        app = App(context=flags, outdir=outdir)
        stack = LogArchiveStack(app, organization.log_archive.stack_name, settings=settings)
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template


def stackset_assets_template() -> dict[str, Any]:
    """The StackSets' asset bucket stack of the settings' region, synthesized alone with cdk.json's feature
    flags."""
    from stacks.app import cdk_json_context
    from stacks.stackset_stack import StackSetAssetsStack, assets_stack_name

    settings = reference_settings()
    organization = settings.organization
    assert organization is not None
    if organization.stacksets is None:
        raise ValueError(
            f"cdk.json: {CONTEXT_KEY}.organization.stacksets is null; the StackSets asset rows need it"
        )
    flags = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}
    with tempfile.TemporaryDirectory() as outdir:
        app = App(context=flags, outdir=outdir)
        stack = StackSetAssetsStack(
            app, assets_stack_name(settings, settings.region), settings=settings, region=settings.region
        )
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template
