"""Checks of a synthesized template against AWS's size and count limits (:mod:`secure_bedrock.limits`).

Each check takes a template and returns ``(logical id, location)`` pairs, the location naming the
property, its size and the limit; :mod:`secure_bedrock.bedrock_rules` registers them as rules, so
``cdk synth`` fails before a deploy would. Policies are measured with every deploy-time value at its
longest (:func:`secure_bedrock.limits.policy_size`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from secure_bedrock import limits
from secure_bedrock.limits import Limit

Template = Mapping[str, Any]
Located = tuple[str, str]
#: Marks the library's own functions (set by :class:`secure_bedrock.functions.HardenedFunction`).
LIBRARY_FUNCTION_METADATA = "secure-bedrock:function"


def _resources(template: Template) -> Mapping[str, Any]:
    resources: Mapping[str, Any] = template.get("Resources", {})
    return resources


def _of_type(template: Template, resource_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in _resources(template).items():
        if isinstance(resource, Mapping) and resource.get("Type") == resource_type:
            yield logical_id, resource.get("Properties", {}) or {}


def _over(size: int, limit: Limit, where: str) -> str:
    return f"{where}: {size:,} {limit.unit} (limit {limit.maximum:,})"


def policy_property(resource_type: str, prop: str, limit: Limit) -> Callable[[Template], list[Located]]:
    """A check that the policy in ``prop`` of every ``resource_type`` resource fits ``limit``."""

    def check(template: Template) -> list[Located]:
        found = []
        for logical_id, properties in _of_type(template, resource_type):
            document = properties.get(prop)
            if document is None:
                continue
            size = limits.policy_size(document, limit, _resources(template))
            if size > limit.maximum:
                found.append((logical_id, _over(size, limit, f"Properties/{prop}")))
        return found

    check.__name__ = f"{prop}_of_{resource_type.replace('::', '_')}"
    return check


def _role_refs(value: Any) -> set[str]:
    """The roles a policy's ``Roles`` property names (``{"Ref": role}``)."""
    items = value if isinstance(value, list) else [value]
    return {item["Ref"] for item in items if isinstance(item, Mapping) and isinstance(item.get("Ref"), str)}


def role_inline_policies(template: Template) -> list[Located]:
    """All inline policies of a role together (its ``Policies`` and each ``AWS::IAM::Policy`` naming it)
    fit IAM's 10,240 characters."""
    limit = limits.ROLE_INLINE_POLICIES
    sizes: dict[str, int] = {}
    for logical_id, properties in _of_type(template, "AWS::IAM::Role"):
        sizes[logical_id] = sum(
            limits.policy_size(policy.get("PolicyDocument", {}), limit, _resources(template))
            for policy in properties.get("Policies", []) or []
            if isinstance(policy, Mapping)
        )
    for _, properties in _of_type(template, "AWS::IAM::Policy"):
        size = limits.policy_size(properties.get("PolicyDocument", {}), limit, _resources(template))
        for role in _role_refs(properties.get("Roles", [])):
            if role in sizes:
                sizes[role] += size
    return [
        (role, _over(size, limit, "inline policies")) for role, size in sizes.items() if size > limit.maximum
    ]


def managed_policies_per_role(template: Template) -> list[Located]:
    """A role has at most 10 managed policies attached (IAM's default quota)."""
    limit = limits.MANAGED_POLICIES_PER_ROLE
    counts = {
        logical_id: len(properties.get("ManagedPolicyArns", []) or [])
        for logical_id, properties in _of_type(template, "AWS::IAM::Role")
    }
    for _, properties in _of_type(template, "AWS::IAM::ManagedPolicy"):
        for role in _role_refs(properties.get("Roles", [])):
            if role in counts:
                counts[role] += 1
    return [
        (role, _over(count, limit, "managed policies"))
        for role, count in counts.items()
        if count > limit.maximum
    ]


def template_size(template: Template) -> list[Located]:
    """The template fits CloudFormation's 1,000,000 bytes (as CDK writes it: JSON indented by one)."""
    limit = limits.TEMPLATE_BODY
    size = len(json.dumps(template, indent=1, ensure_ascii=False).encode())
    if size <= limit.maximum:
        return []
    largest = max(
        _resources(template).items(),
        key=lambda item: len(json.dumps(item[1], ensure_ascii=False)),
        default=None,
    )
    return [(largest[0] if largest else "", _over(size, limit, "template (largest resource named)"))]


def section_count(section: str, limit: Limit) -> Callable[[Template], list[Located]]:
    """A check that the template's ``section`` (Resources, Outputs, Parameters) has at most ``limit`` entries."""

    def check(template: Template) -> list[Located]:
        entries = template.get(section, {}) or {}
        if len(entries) <= limit.maximum:
            return []
        last = list(_resources(template))[-1] if _resources(template) else ""
        return [(last, _over(len(entries), limit, section))]

    check.__name__ = f"{section.lower()}_count"
    return check


#: The Organizations policy types whose documents have a size limit and a count per target, each with
#: the AWS-managed policy attached beside them (``FullAWSAccess``, ``RCPFullAWSAccess``).
ORGANIZATIONS_POLICY_LIMITS: dict[str, Limit] = {
    "SERVICE_CONTROL_POLICY": limits.SERVICE_CONTROL_POLICY,
    "RESOURCE_CONTROL_POLICY": limits.RESOURCE_CONTROL_POLICY,
}


def organizations_policy_size(template: Template) -> list[Located]:
    """Every SCP and RCP fits 5,120 characters."""
    found = []
    for logical_id, properties in _of_type(template, "AWS::Organizations::Policy"):
        limit = ORGANIZATIONS_POLICY_LIMITS.get(properties.get("Type", ""))
        if limit is None or properties.get("Content") is None:
            continue
        size = limits.policy_size(properties["Content"], limit, _resources(template))
        if size > limit.maximum:
            found.append((logical_id, _over(size, limit, "Properties/Content")))
    return found


def organizations_policies_per_target(template: Template) -> list[Located]:
    """No root, OU or account gets more than five SCPs (or RCPs), the AWS-managed one among them."""
    attached: dict[tuple[str, str], list[str]] = {}
    for logical_id, properties in _of_type(template, "AWS::Organizations::Policy"):
        kind = properties.get("Type", "")
        if kind not in ORGANIZATIONS_POLICY_LIMITS:
            continue
        for target in properties.get("TargetIds") or []:
            if isinstance(target, str):
                attached.setdefault((kind, target), []).append(logical_id)
    found: list[Located] = []
    for (kind, target), policies in sorted(attached.items()):
        if len(policies) + 1 > limits.SCPS_PER_TARGET.maximum:
            found.extend(
                (
                    logical_id,
                    f"Properties/TargetIds: {target} gets {len(policies)} {kind} policies here and the AWS-managed "
                    f"one (limit {limits.SCPS_PER_TARGET.maximum})",
                )
                for logical_id in policies
            )
    return found


def library_function_reserved_concurrency(template: Template) -> list[Located]:
    """No function of this library reserves concurrency: on a new account (total concurrency 10, all of
    which must stay unreserved) any reservation fails the deploy."""
    return [
        (logical_id, "Properties/ReservedConcurrentExecutions")
        for logical_id, resource in _resources(template).items()
        if isinstance(resource, Mapping)
        and resource.get("Type") == "AWS::Lambda::Function"
        and LIBRARY_FUNCTION_METADATA in (resource.get("Metadata") or {})
        and (resource.get("Properties") or {}).get("ReservedConcurrentExecutions") is not None
    ]


#: (rule name, what it checks, check) for every limit; the fix is always to make the thing smaller.
LIMIT_CHECKS: tuple[tuple[str, str, Callable[[Template], list[Located]]], ...] = (
    ("Bedrock-LimitManagedPolicySize", "An IAM managed policy is over 6,144 characters (whitespace excluded).",
     policy_property("AWS::IAM::ManagedPolicy", "PolicyDocument", limits.MANAGED_POLICY)),
    ("Bedrock-LimitRoleInlinePolicies", "A role's inline policies together are over 10,240 characters.", role_inline_policies),
    ("Bedrock-LimitRoleTrustPolicy", "A role's trust policy is over 2,048 characters.",
     policy_property("AWS::IAM::Role", "AssumeRolePolicyDocument", limits.ROLE_TRUST_POLICY)),
    ("Bedrock-LimitManagedPoliciesPerRole", "A role has more than 10 managed policies attached.", managed_policies_per_role),
    ("Bedrock-LimitVpcEndpointPolicy", "A VPC endpoint policy is over 20,480 characters (whitespace included, not raisable).",
     policy_property("AWS::EC2::VPCEndpoint", "PolicyDocument", limits.VPC_ENDPOINT_POLICY)),
    ("Bedrock-LimitKeyPolicy", "A KMS key policy is over 32,768 bytes.", policy_property("AWS::KMS::Key", "KeyPolicy", limits.KEY_POLICY)),
    ("Bedrock-LimitBucketPolicy", "An S3 bucket policy is over 20 KB.",
     policy_property("AWS::S3::BucketPolicy", "PolicyDocument", limits.BUCKET_POLICY)),
    ("Bedrock-LimitTopicPolicy", "An SNS topic policy is over 30,720 bytes.",
     policy_property("AWS::SNS::TopicPolicy", "PolicyDocument", limits.TOPIC_POLICY)),
    ("Bedrock-LimitOrganizationsPolicySize", "A service or resource control policy is over 5,120 characters.",
     organizations_policy_size),
    ("Bedrock-LimitOrganizationsPoliciesPerTarget",
     "A root, OU or account gets more than 5 service (or resource) control policies, the AWS-managed one included.",
     organizations_policies_per_target),
    ("Bedrock-LimitTemplateSize", "The template is over CloudFormation's 1,000,000 bytes.", template_size),
    ("Bedrock-LimitStackResources", "The stack has more than 500 resources.", section_count("Resources", limits.STACK_RESOURCES)),
    ("Bedrock-LimitStackOutputs", "The stack has more than 200 outputs.", section_count("Outputs", limits.STACK_OUTPUTS)),
    ("Bedrock-LimitStackParameters", "The stack has more than 200 parameters.", section_count("Parameters", limits.STACK_PARAMETERS)),
    ("Bedrock-LibraryFunctionReservedConcurrency",
     "A secure-bedrock function reserves concurrency, which fails the deploy on new accounts (total concurrency 10, all unreserved).",
     library_function_reserved_concurrency),
)  # fmt: skip
