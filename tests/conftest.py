"""Shared fixtures: one synth of the reference environment per session, and fresh stacks for unit tests."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template

from stacks.app import build_app, cdk_json_context
from stacks.hipaa_stack import HipaaBedrockStack

FEATURE_FLAGS = {key: value for key, value in cdk_json_context().items() if key.startswith("@aws-cdk")}


@pytest.fixture(scope="session")
def reference_stack() -> HipaaBedrockStack:
    """The reference environment exactly as ``cdk synth`` builds it, compliance packs registered."""
    _, stack = build_app()
    return stack


@pytest.fixture(scope="session")
def reference_template(reference_stack: HipaaBedrockStack) -> Template:
    """The reference stack's template (synthesized once; synth fails on any compliance finding)."""
    return Template.from_stack(reference_stack)


@pytest.fixture
def make_stack() -> Callable[..., Stack]:
    """A factory of empty stacks in an app with cdk.json's feature flags (a bare ``App()`` has none)."""

    def factory(region: str | None = "us-east-1", account: str | None = None, **context: Any) -> Stack:
        app = App(context={**FEATURE_FLAGS, **context})
        env = Environment(region=region, account=account) if region or account else None
        return Stack(app, "Test", env=env)

    return factory


@pytest.fixture
def stack(make_stack: Callable[..., Stack]) -> Stack:
    """An empty us-east-1, account-agnostic stack."""
    return make_stack()


def resolve(stack: Stack, value: Any) -> Any:
    """``value`` with the stack's tokens resolved to CloudFormation expressions."""
    return stack.resolve(value)
