"""Registration of the compliance packs that the reference environment must pass.

The four cdk-nag packs need the optional ``cdk-nag`` dependency (``pip install secure-bedrock[nag]``);
nothing else in the library imports it. The Bedrock rules (:mod:`secure_bedrock.bedrock_rules`) need
only aws-cdk-lib.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Validations
from constructs import IConstruct

from secure_bedrock.bedrock_rules import BedrockChecks


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


def register_compliance_packs(scope: IConstruct, *, bedrock_checks: BedrockChecks | None = None) -> None:
    """Make every synth of ``scope`` fail on any unacknowledged finding of the four packs and the Bedrock rules.

    :param bedrock_checks: the Bedrock rule pack to run beside them. Default: ``BedrockChecks()``.
    """
    Validations.of(scope).add_plugins(*compliance_packs(scope), bedrock_checks or BedrockChecks())
