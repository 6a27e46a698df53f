"""The rollout by CDK stages: one stage per member account and region, each the account baseline (the
reference landing zone: endpoints, logging and its replication to the archive, roles, guardrail,
alarms, budgets), deployed from CI with that account's credentials (docs/organization.md, "Rollout")."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_cdk import Environment, Stage
from constructs import Construct

from stacks.hipaa_stack import HipaaBedrockStack
from stacks.settings import ReferenceSettings


def stage_name(account: str, region: str) -> str:
    """A member stage's name: ``Member-<account>-<region>`` (its stack's path is ``<stage>/<stack name>``)."""
    return f"Member-{account}-{region}"


class MemberAccountStage(Stage):
    """The account baseline of one member account and region."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: ReferenceSettings,
        account: str,
        region: str,
        **kwargs: Any,
    ) -> None:
        # Account-agnostic, as the reference stack: an account-specific stack makes the CLI look up its
        # availability zones in AWS at synth, which an offline synth cannot. The deploy job assumes the
        # member account's role, so the stack lands in that account (docs/organization.md, "Rollout").
        super().__init__(scope, construct_id, env=Environment(region=region), **kwargs)
        self.member_account = account
        """The member account this stage is for (its deploy job's credentials)."""
        member = dataclasses.replace(settings, region=region)
        # The app's compliance packs cover the stacks of its stages too (their findings fail the synth).
        self.stack = HipaaBedrockStack(self, settings.stack_name, settings=member)
