"""The aws-cdk-lib feature flags the library's resources are designed for.

A user's app may have none of cdk.json's flags (a bare ``App()`` has none), and some L2 defaults
change with them: without these, server access logging falls back to ACLs (which evidence buckets
disable). Each construct sets them on its
own subtree, before it creates children, so the app's other constructs are untouched.
"""

from __future__ import annotations

from constructs import Construct

FEATURE_FLAGS: dict[str, bool] = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": True,
}


def use_secure_feature_flags(construct: Construct) -> None:
    """Set :data:`FEATURE_FLAGS` on ``construct`` (call right after ``super().__init__``)."""
    for flag, value in FEATURE_FLAGS.items():
        construct.node.set_context(flag, value)
