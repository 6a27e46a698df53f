"""Granting a list of policy statements to a principal without changing what any of them means.

aws-cdk-lib's ``iam.Grant.add_to_principal`` takes actions, resources and conditions but no effect:
it always writes ``Allow``. Rebuilding a ``Deny`` statement through it turns the Deny into an
Allow (``Deny ... StringNotEquals bedrock:GuardrailIdentifier`` becomes "allow invoking *without*
the guardrail"). :func:`grant_statements` adds every statement as it is, Deny included, and returns
one ``iam.Grant`` for the Allows, as aws-cdk-lib's own grants do.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from secure_bedrock._validation import require_interface, require_type


def grant_statements(grantee: iam.IGrantable, statements: Sequence[iam.PolicyStatement]) -> iam.Grant:
    """Add each of ``statements`` to ``grantee``'s identity policy, each with its own effect.

    :returns: the combined grant of the Allow statements; ``grant.success`` is ``False`` when the
        principal's policy cannot be changed here (an imported, immutable role), in which case
        nothing was added, Denies included.
    :raises ValueError: if ``statements`` has no Allow (a grant that allows nothing is a mistake).
    """
    require_interface("grantee", grantee, "grant_principal", "an iam.IGrantable such as an iam.Role")
    for index, statement in enumerate(statements):
        require_type(f"statements[{index}]", statement, iam.PolicyStatement, "an iam.PolicyStatement")
    allows = [s for s in statements if s.effect == iam.Effect.ALLOW]
    denies = [s for s in statements if s.effect == iam.Effect.DENY]
    if not allows:
        raise ValueError("statements: none of them allows anything; a grant needs at least one Allow")
    grants = [
        iam.Grant.add_to_principal(
            grantee=grantee,
            actions=statement.actions,
            resource_arns=statement.resources,
            conditions=statement.conditions or None,
        )
        for statement in allows
    ]
    combined = grants[0]
    for grant in grants[1:]:
        combined = combined.combine(grant)
    if combined.success:
        # The Allows landed in the principal's policy, so its Denies land beside them, unchanged.
        for statement in denies:
            added = grantee.grant_principal.add_to_principal_policy(statement)
            if not added.statement_added:  # pragma: no cover - the Allows above succeeded on the same policy
                raise ValueError(
                    f"grantee: {grantee.grant_principal} took the Allow statements but refused a Deny; "
                    "attach the statements as a managed policy instead"
                )
    return combined
