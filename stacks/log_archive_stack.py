"""The log-archive reference: the organization's evidence archive, in the log-archive account, from the
``organization.log_archive`` block of the settings; the account stack replicates its evidence there."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Tags
from aws_cdk import aws_iam as iam
from constructs import Construct

from secure_bedrock.archive import EvidenceArchive
from stacks.settings import ReferenceSettings


class LogArchiveStack(Stack):
    """:class:`EvidenceArchive` in the log-archive account and the settings' region."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: ReferenceSettings, **kwargs: Any
    ) -> None:
        organization = settings.organization
        if organization is None or organization.log_archive is None:
            raise ValueError(
                "settings.organization.log_archive: None; the log-archive stack needs the block (docs/organization.md)"
            )
        archive = organization.log_archive
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=archive.account, region=settings.region),
            description="secure-bedrock: the organization's evidence archive (log-archive account, reference)",
            **kwargs,
        )
        self.archive = EvidenceArchive(
            self,
            "Archive",
            organization_id=organization.organization_id,
            auditors=[iam.ArnPrincipal(arn) for arn in archive.auditor_principals],
            retention_days=settings.evidence.retention_days,
        )
        for key, value in settings.tags.items():
            Tags.of(self).add(key, value)
        CfnOutput(self, "ArchiveBucketArn", value=self.archive.bucket.bucket.bucket_arn)
        CfnOutput(self, "ArchiveKeyArn", value=self.archive.encryption_key.key_arn)
