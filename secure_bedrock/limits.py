"""AWS's size and count limits that a synthesized template can break, and how each is counted.

No offline linter knows these: a template over one of them synthesizes, passes cfn-lint and every
compliance pack, and fails on deploy. The Bedrock rules (:mod:`secure_bedrock.bedrock_rules`)
check every one at synth; constructs that generate policies use :func:`policy_size` to split them
before they get there. Policies are measured as AWS will see them: with every ``Ref`` and
``Fn::GetAtt`` at the longest value it can take (:func:`secure_bedrock.intrinsics.longest_text`),
so a policy that passes here fits in any account, region and partition.

Sources (each :class:`Limit` names its page): IAM and AWS STS quotas
(docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); AWS PrivateLink quotas
(docs.aws.amazon.com/vpc/latest/privatelink/vpc-limits-endpoints.html); AWS KMS key policies
(docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html); Amazon S3 bucket policies
(docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html); Amazon SNS (CreateTopic's
``Policy`` attribute, 30,720); AWS CloudFormation quotas
(docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import IConstruct

from secure_bedrock.intrinsics import longest_text


@dataclass(frozen=True)
class Limit:
    """One AWS limit: what it caps, how large it may be, and whether whitespace counts."""

    name: str
    maximum: int
    unit: str
    counts_whitespace: bool
    source: str


#: IAM: "You can add as many inline policies as you want to an IAM user, role, or group. But the total
#: aggregate policy size (the sum size of all inline policies) per entity cannot exceed ... 10,240
#: characters for roles"; "The size of each managed policy cannot exceed 6,144 characters"; "IAM does
#: not count white space when calculating the size of a policy against these limits".
MANAGED_POLICY = Limit("IAM managed policy", 6_144, "characters", False, "IAM and AWS STS quotas")
ROLE_INLINE_POLICIES = Limit(
    "IAM role inline policies (all together)", 10_240, "characters", False, "IAM and AWS STS quotas"
)
ROLE_TRUST_POLICY = Limit(
    "IAM role trust policy", 2_048, "characters", False, "IAM and AWS STS quotas (default; raisable to 4,096)"
)
MANAGED_POLICIES_PER_ROLE = Limit(
    "managed policies attached to an IAM role",
    10,
    "policies",
    False,
    "IAM and AWS STS quotas (default; raisable to 20)",
)
#: PrivateLink: "the maximum size of an endpoint policy is 20,480 characters (including white space)"; not adjustable.
VPC_ENDPOINT_POLICY = Limit("VPC endpoint policy", 20_480, "characters", True, "AWS PrivateLink quotas")
KEY_POLICY = Limit("KMS key policy", 32_768, "bytes", True, "AWS KMS quotas")
BUCKET_POLICY = Limit("S3 bucket policy", 20_480, "bytes", True, "Amazon S3 bucket policies")
TOPIC_POLICY = Limit("SNS topic policy", 30_720, "bytes", True, "Amazon SNS quotas")
#: AWS Organizations: "Maximum size of a policy document: service control policies 5,120 characters";
#: "policies of a type attached to a root, OU or account: 5" (the FullAWSAccess SCP is one of them).
SERVICE_CONTROL_POLICY = Limit(
    "service control policy", 5_120, "characters", True, "AWS Organizations quotas"
)
RESOURCE_CONTROL_POLICY = Limit(
    "resource control policy", 5_120, "characters", True, "AWS Organizations quotas"
)
SCPS_PER_TARGET = Limit(
    "service control policies per root, OU or account", 5, "policies", False, "AWS Organizations quotas"
)
TEMPLATE_BODY = Limit(
    "CloudFormation template", 1_000_000, "bytes", True, "AWS CloudFormation quotas (template body in S3)"
)
STACK_RESOURCES = Limit("resources in a stack", 500, "resources", False, "AWS CloudFormation quotas")
STACK_OUTPUTS = Limit("outputs of a stack", 200, "outputs", False, "AWS CloudFormation quotas")
STACK_PARAMETERS = Limit("parameters of a stack", 200, "parameters", False, "AWS CloudFormation quotas")

#: Every limit the Bedrock rules check.
ALL_LIMITS: tuple[Limit, ...] = (
    MANAGED_POLICY,
    ROLE_INLINE_POLICIES,
    ROLE_TRUST_POLICY,
    MANAGED_POLICIES_PER_ROLE,
    VPC_ENDPOINT_POLICY,
    KEY_POLICY,
    BUCKET_POLICY,
    TOPIC_POLICY,
    TEMPLATE_BODY,
    STACK_RESOURCES,
    STACK_OUTPUTS,
    STACK_PARAMETERS,
)


def text_size(value: Any, limit: Limit) -> int:
    """The size of ``value`` as ``limit`` counts it: compact JSON (a string as it is), in characters
    or UTF-8 bytes, without whitespace where it does not count.

    CloudFormation hands a policy given as an object to the service as compact JSON.
    """
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if not limit.counts_whitespace:
        text = "".join(character for character in text if not character.isspace())
    return len(text.encode()) if limit.unit == "bytes" else len(text)


def policy_size(document: Any, limit: Limit, resources: Mapping[str, Any]) -> int:
    """The size AWS will count for ``document`` (a policy as it appears in a template), at its longest.

    :param resources: the template's resources, so that each ``Ref`` and ``Fn::GetAtt`` counts as the
        longest value its resource type can give.
    """
    return text_size(longest_text(document, resources), limit)


def stack_resources(stack: Stack, under: IConstruct | None = None) -> dict[str, dict[str, Any]]:
    """The resources defined so far in ``stack`` (or only under ``under``), as :func:`policy_size`
    needs them: logical id to ``Type`` (and a log group's literal ``LogGroupName``)."""
    resources: dict[str, dict[str, Any]] = {}
    for node in (under or stack).node.find_all():
        if isinstance(node, CfnResource) and Stack.of(node) is stack:
            properties: dict[str, Any] = {}
            if isinstance(node, logs.CfnLogGroup) and isinstance(node.log_group_name, str):
                properties["LogGroupName"] = node.log_group_name
            resources[stack.resolve(stack.get_logical_id(node))] = {
                "Type": node.cfn_resource_type,
                "Properties": properties,
            }
    return resources


def require_trust_policy_fits(argument: str, scope: IConstruct, principal: iam.IPrincipal) -> None:
    """Raise naming ``argument`` if a role assumable by ``principal`` would have a trust policy over
    IAM's 2,048 characters (the default quota; several principals, or long ARNs, add up)."""
    stack = Stack.of(scope)
    document = iam.PolicyDocument(
        statements=[iam.PolicyStatement(actions=["sts:AssumeRole"], principals=[principal])]
    )
    size = policy_size(stack.resolve(document.to_json()), ROLE_TRUST_POLICY, {})
    if size > ROLE_TRUST_POLICY.maximum:
        raise ValueError(
            f"{argument}: the role's trust policy would take {size} characters, more than IAM's "
            f"{ROLE_TRUST_POLICY.maximum}; name fewer principals (an account instead of its roles), or ask "
            "AWS to raise the quota and assume the role from one principal that the others can assume"
        )


def _referenced(value: Any) -> Iterator[str]:
    """The logical ids a resolved document names with ``Ref`` or ``Fn::GetAtt`` (not pseudo parameters)."""
    if isinstance(value, list):
        for item in value:
            yield from _referenced(item)
    elif isinstance(value, dict):
        if isinstance(value.get("Ref"), str) and not value["Ref"].startswith("AWS::"):
            yield value["Ref"]
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and isinstance(attribute[0], str):
            yield attribute[0]
        for item in value.values():
            yield from _referenced(item)


#: Per stack, the resources seen so far (logical id -> type): a resource's type never changes, so a
#: scan of the tree is needed only when a document names one not seen yet. Without it, each team's
#: policies scanned the whole stack again: synth time grew with the square of the teams.
_SEEN: weakref.WeakKeyDictionary[Stack, dict[str, dict[str, Any]]] = weakref.WeakKeyDictionary()


class PolicyMeasure:
    """The size IAM counts for a list of statements in a managed policy of ``scope``'s stack, with
    deploy-time values at their longest."""

    def __init__(self, scope: IConstruct) -> None:
        self._stack = Stack.of(scope)
        # What a policy of ``scope`` names and was not seen yet is most likely new beside it (a
        # team's own profiles): that subtree is scanned before the whole stack.
        self._near = scope.node.scope or scope

    def size(self, statements: Sequence[iam.PolicyStatement]) -> int:
        document = self._stack.resolve(iam.PolicyDocument(statements=list(statements)).to_json())
        named = set(_referenced(document))
        seen = _SEEN.setdefault(self._stack, {})
        if not named <= seen.keys():
            seen.update(stack_resources(self._stack, self._near))
        if not named <= seen.keys():
            seen.update(stack_resources(self._stack))
        return policy_size(
            document, MANAGED_POLICY, {logical_id: seen[logical_id] for logical_id in named & seen.keys()}
        )


#: The share of a limit a document is packed to where it must keep room to grow (longer stack names
#: and deploy-time values, another statement later): the scale benchmark's target.
ROOM = 0.8


def pack_statements(
    scope: IConstruct, statements: Sequence[iam.PolicyStatement], *, room: float = 1.0
) -> list[list[iam.PolicyStatement]]:
    """``statements`` in order, in as few managed policies as IAM's 6,144 characters allow (each filled
    to ``room`` of them: a statement starts the next policy past that share).

    :raises ValueError: if one statement alone is too large, or more than 10 policies are needed.
    """
    measure = PolicyMeasure(scope)
    packed: list[list[iam.PolicyStatement]] = [[]]
    for statement in statements:
        if packed[-1] and measure.size([*packed[-1], statement]) > MANAGED_POLICY.maximum * room:
            packed.append([])
        packed[-1].append(statement)
        if measure.size(packed[-1]) > MANAGED_POLICY.maximum:
            raise ValueError(
                f"statements: {statement.sid or 'a statement'} alone takes {measure.size([statement]):,} characters, "
                f"more than an IAM managed policy holds ({MANAGED_POLICY.maximum:,})"
            )
    if len(packed) > MANAGED_POLICIES_PER_ROLE.maximum:
        raise ValueError(
            f"statements: they need {len(packed)} managed policies, more than a role takes "
            f"({MANAGED_POLICIES_PER_ROLE.maximum})"
        )
    return packed
