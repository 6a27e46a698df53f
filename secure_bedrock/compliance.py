"""Registration of the compliance packs that the reference environment must pass.

Needs the optional ``cdk-nag`` dependency (``pip install secure-bedrock[nag]``); nothing else in the
library imports it.
"""

from __future__ import annotations

from typing import Any

from constructs import IConstruct


def _cdk_nag() -> Any:
    try:
        import cdk_nag
    except ImportError as error:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the compliance packs need cdk-nag: pip install 'secure-bedrock[nag]' (cdk-nag>=3.0.2)"
        ) from error
    return cdk_nag


def compliance_packs(scope: IConstruct) -> list[Any]:
    """The four packs: AwsSolutions, HIPAA Security, NIST 800-53 R5 and PCI DSS 3.2.1.

    Each pack is a validation plugin: pass them to ``Validations.of(app).add_plugins(...)`` to make
    synth fail on findings, or call ``pack.validate_scope(stack)`` for a report.
    """
    nag = _cdk_nag()
    return [
        nag.AwsSolutionsChecks(scope),
        nag.HIPAASecurityChecks(scope),
        nag.NIST80053R5Checks(scope),
        nag.PCIDSS321Checks(scope),
    ]


def register_compliance_packs(scope: IConstruct) -> None:
    """Make every synth of ``scope`` fail on any unacknowledged finding of the four packs."""
    from aws_cdk import Validations

    Validations.of(scope).add_plugins(*compliance_packs(scope))
