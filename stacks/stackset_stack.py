"""The rollout by CloudFormation StackSets: the account baseline (the reference landing zone) as one
service-managed StackSet per region, deployed to the settings' OUs and automatically to every account
that joins them, from the management account or a delegated administrator (docs/organization.md,
"Rollout"); and, in each of those regions, the bucket its Lambda code is read from."""

from __future__ import annotations

import dataclasses
from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Tags, Token
from aws_cdk.aws_cloudformation import CfnStackSet
from constructs import Construct

from secure_bedrock.rollout import BaselineStackSet, StackSetAssetBucket, asset_bucket_name
from stacks.hipaa_stack import add_landing_zone
from stacks.settings import OrganizationSettings, ReferenceSettings, StackSetsSettings


def _stacksets(settings: ReferenceSettings) -> tuple[OrganizationSettings, StackSetsSettings]:
    organization = settings.organization
    if organization is None or organization.stacksets is None:
        raise ValueError(
            "settings.organization.stacksets: None; the StackSets rollout needs the 'organization.stacksets' "
            "block (docs/organization.md)"
        )
    return organization, organization.stacksets


def administrator_account(settings: ReferenceSettings) -> str | None:
    """The StackSets' administrator account: ``stacksets.account``, else the management account."""
    organization, stacksets = _stacksets(settings)
    return stacksets.account or organization.account


def assets_stack_name(settings: ReferenceSettings, region: str) -> str:
    """The name of the asset bucket's stack in ``region``: ``<StackSets stack>Assets-<region>``."""
    return f"{_stacksets(settings)[1].stack_name}Assets-{region}"


def environments(app: Construct) -> list[str]:
    """The environments (``aws://<account>/<region>``) of the app's StackSets and asset stacks: what
    ``make deploy-stacksets`` bootstraps (``unknown-account``: the credentials' own)."""
    found = {
        f"aws://{'unknown-account' if Token.is_unresolved(stack.account) else stack.account}/{stack.region}"
        for stack in app.node.children
        if isinstance(stack, StackSetRolloutStack | StackSetAssetsStack)
    }
    return sorted(found)


class StackSetAssetsStack(Stack):
    """The asset bucket of one StackSet region, in the administrator account."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: ReferenceSettings, region: str, **kwargs: Any
    ) -> None:
        organization, stacksets = _stacksets(settings)
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=administrator_account(settings), region=region),
            description="secure-bedrock: the Lambda code the member baseline's StackSet deploys (reference)",
            **kwargs,
        )
        self.assets = StackSetAssetBucket(
            self,
            "Assets",
            bucket_prefix=stacksets.asset_bucket_prefix,
            organization_id=organization.organization_id,
        )
        for key, value in settings.tags.items():
            Tags.of(self).add(key, value)
        CfnOutput(self, "AssetBucket", value=self.assets.bucket.bucket.bucket_name)


class StackSetRolloutStack(Stack):
    """``BaselineStackSet`` of the reference landing zone: one StackSet per region of ``stacksets``."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: ReferenceSettings, **kwargs: Any
    ) -> None:
        organization, stacksets = _stacksets(settings)
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=administrator_account(settings), region=settings.region),
            description="secure-bedrock: the member baseline as StackSets to the organization's OUs (reference)",
            **kwargs,
        )
        self.settings = settings

        def baseline(stack: Stack) -> None:
            add_landing_zone(stack, dataclasses.replace(settings, region=stack.region))

        self.baseline = BaselineStackSet(
            self,
            "Baseline",
            baseline=baseline,
            regions=stacksets.regions,
            organizational_units=stacksets.organizational_units,
            asset_bucket_prefix=stacksets.asset_bucket_prefix,
            baseline_stack_name=settings.stack_name,
            failure_tolerance_percentage=stacksets.failure_tolerance_percentage,
            max_concurrent_percentage=stacksets.max_concurrent_percentage,
            auto_deploy=stacksets.auto_deploy,
            delegated_admin=administrator_account(settings) != organization.account,
            # The accounts listed as members get their baseline from a stage: never a second one.
            excluded_accounts=sorted({member.account for member in organization.members}),
        )
        for key, value in settings.tags.items():
            Tags.of(self).add(key, value)
        for region, stack_set in self.baseline.stack_sets.items():
            cfn_stack_set = stack_set.node.default_child
            if isinstance(cfn_stack_set, CfnStackSet):
                CfnOutput(
                    self,
                    f"StackSet{region.replace('-', '')}Id",
                    value=cfn_stack_set.attr_stack_set_id,
                    description=f"The baseline's StackSet in {region} (its Lambda code is read from "
                    f"{asset_bucket_name(stacksets.asset_bucket_prefix, region)})",
                )
