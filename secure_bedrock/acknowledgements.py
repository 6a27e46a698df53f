"""Compliance acknowledgements that live next to the resource they are about.

Uses aws-cdk-lib's ``Validations`` API, which cdk-nag v3 (and any other validation plugin) honours,
so the library acknowledges findings without depending on cdk-nag. cdk-nag v2, which many apps still
pin, reads suppressions from each CloudFormation resource's ``cdk_nag`` metadata instead
(``NagSuppressions`` writes the same): :func:`acknowledge` writes that too, on every resource under
the construct at the time. Scanners that read the synthesized template (checkov) take an inline skip
in the resource's metadata: :func:`skip_checkov`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import Construct, IConstruct

from secure_bedrock._validation import require_list, require_scope, require_type

MIN_REASON_LENGTH = 20


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge the finding ``rule_id`` on ``scope`` (and its children) with a reason.

    :param rule_id: the finding as the validation report names it, e.g.
        ``AwsSolutions::AwsSolutions-IAM5[Resource::*]`` (pack, rule and, where the rule reports
        one, the finding's detail).
    :param reason: why the finding is safe here; at least 20 characters.
    """
    require_type("scope", scope, Construct, "a construct")
    _check_reason(rule_id, reason)
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
    _suppress_for_nag_v2(scope, rule_id, reason)


#: The metadata key cdk-nag v2 reads suppressions from: ``{"rules_to_suppress": [{"id", "reason",
#: "applies_to"}]}`` (the format of its ``NagSuppressions.add_resource_suppressions``).
NAG_V2_METADATA = "cdk_nag"
#: The packs cdk-nag v2 knows by these names (the library's own Bedrock rules are a v3-style plugin).
NAG_V2_PACKS = frozenset({"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"})


def nag_v2_rule(rule_id: str) -> tuple[str, str | None] | None:
    """``Pack::Rule[Detail]`` as cdk-nag v2 names it: the rule id and the finding it applies to (or
    ``None`` for the whole rule); ``None`` for findings v2 does not report."""
    pack, separator, rest = rule_id.partition("::")
    if not separator or pack not in NAG_V2_PACKS:
        return None
    rule, _, detail = rest.partition("[")
    return rule, (detail[:-1] if detail.endswith("]") else None) if detail else None


def _suppress_for_nag_v2(scope: IConstruct, rule_id: str, reason: str) -> None:
    named = nag_v2_rule(rule_id)
    if named is None:
        return
    rule, applies_to = named
    for node in scope.node.find_all():
        if not isinstance(node, CfnResource):
            continue
        metadata = node.get_metadata(NAG_V2_METADATA) or {}
        rules: list[dict[str, Any]] = list(metadata.get("rules_to_suppress", []))
        # One entry per rule (v2 takes the first that names it): the findings it covers, or all of them.
        entry = next((item for item in rules if item.get("id") == rule), None)
        if entry is None:
            rules.append(
                {"id": rule, "reason": reason, **({"applies_to": [applies_to]} if applies_to else {})}
            )
        elif applies_to is None:
            entry.pop("applies_to", None)
        elif "applies_to" in entry:
            entry["applies_to"] = sorted({*entry["applies_to"], applies_to})
        node.add_metadata(NAG_V2_METADATA, {**metadata, "rules_to_suppress": rules})


def _check_reason(rule_id: Any, reason: Any) -> None:
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise ValueError(f"rule_id: {rule_id!r} must name a finding, e.g. 'AwsSolutions::AwsSolutions-IAM5'")
    if not isinstance(reason, str) or len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"reason: {reason!r} is too short; say in at least {MIN_REASON_LENGTH} characters why {rule_id} is safe here"
        )


def _as_nag_text(value: Any) -> str:
    """A resolved CloudFormation value written the way cdk-nag names it in a finding."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(_as_nag_text(part) for part in parts)
    raise ValueError(
        f"resources: cannot name {value!r} in an acknowledgement; use an ARN built from references"
    )


def acknowledge_wildcard_resources(scope: IConstruct, resources: Sequence[str], reason: str) -> None:
    """Acknowledge ``AwsSolutions-IAM5`` for each resource in ``resources`` that contains a wildcard.

    cdk-nag reports one finding per wildcard resource, named after the resource as written in the
    template; this names each the same way, so nothing but those resources is acknowledged.
    """
    require_scope("scope", scope)
    for index, resource in enumerate(require_list("resources", resources, "a list of resource ARNs")):
        require_type(f"resources[{index}]", resource, str, "a resource ARN")
    _check_reason("AwsSolutions::AwsSolutions-IAM5", reason)
    stack = Stack.of(scope)
    for resource in resources:
        text = _as_nag_text(stack.resolve(resource))
        if "*" in text:
            acknowledge(scope, f"AwsSolutions::AwsSolutions-IAM5[Resource::{text}]", reason)


#: checkov reads inline skips from this metadata key of a resource: ``{"skip": [{"id", "comment"}]}``.
CHECKOV_METADATA = "checkov"


def skip_checkov(scope: IConstruct, check_id: str, reason: str) -> None:
    """Skip checkov's ``check_id`` on the CloudFormation resource of ``scope`` (itself, or its default
    child), with the reason in the template beside the resource, as checkov's inline skips are written.

    :param check_id: e.g. ``CKV_AWS_115``.
    :param reason: why the finding is safe here; at least 20 characters.
    """
    require_type("scope", scope, Construct, "a construct")
    _check_reason(check_id, reason)
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise ValueError(f"scope: {scope.node.path!r} has no CloudFormation resource to carry a checkov skip")
    existing = resource.get_metadata(CHECKOV_METADATA) or {}
    skips = [skip for skip in existing.get("skip", []) if skip.get("id") != check_id]
    resource.add_metadata(CHECKOV_METADATA, {"skip": [*skips, {"id": check_id, "comment": reason}]})
