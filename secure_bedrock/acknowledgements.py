"""Compliance acknowledgements that live next to the resource they are about.

Uses aws-cdk-lib's ``Validations`` API, which cdk-nag v3 (and any other validation plugin) honours,
so the library acknowledges findings without depending on cdk-nag.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

MIN_REASON_LENGTH = 20


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge the finding ``rule_id`` on ``scope`` (and its children) with a reason.

    :param rule_id: the finding as the validation report names it, e.g.
        ``AwsSolutions::AwsSolutions-IAM5[Resource::*]`` (pack, rule and, where the rule reports
        one, the finding's detail).
    :param reason: why the finding is safe here; at least 20 characters.
    """
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise ValueError(f"rule_id: {rule_id!r} must name a finding, e.g. 'AwsSolutions::AwsSolutions-IAM5'")
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"reason: {reason!r} is too short; say in at least {MIN_REASON_LENGTH} characters why {rule_id} is safe here"
        )
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
