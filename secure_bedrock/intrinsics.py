"""Evaluate the CloudFormation intrinsic functions of a synthesized template, offline.

A policy in a template is full of ``Ref``, ``Fn::GetAtt`` and ``Fn::Join``: its real text (which
AWS's size limits count, and which an IAM evaluator needs) exists only once CloudFormation has
resolved them. :func:`evaluate` resolves them with values you supply for the leaves (each ``Ref``
and ``Fn::GetAtt``); :func:`longest_values` supplies the longest value each leaf can take, for
size limits checked at synth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

#: ``Ref`` of a resource -> the value, ``Fn::GetAtt`` -> the value.
RefResolver = Callable[[str], Any]
GetAttResolver = Callable[[str, str], Any]

#: What ``{"Ref": "AWS::NoValue"}`` evaluates to: the item is dropped.
NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class UnresolvableError(ValueError):
    """An intrinsic function this evaluator cannot resolve offline."""


def evaluate(
    value: Any,
    *,
    ref: RefResolver,
    get_att: GetAttResolver,
    import_value: Callable[[str], Any] | None = None,
    condition: Callable[[str], bool | None] | None = None,
) -> Any:
    """``value`` with every intrinsic function replaced by what CloudFormation would resolve it to.

    :param ref: the value of ``{"Ref": name}`` (a logical id or a pseudo parameter such as ``AWS::Region``).
    :param get_att: the value of ``{"Fn::GetAtt": [logical id, attribute]}``.
    :param import_value: the value of ``{"Fn::ImportValue": name}``. Default: raise.
    :param condition: whether a template condition is true (for ``Fn::If``); ``None`` takes the
        branch whose text is longer. Default: raise.
    :raises UnresolvableError: on a function it does not know, or a leaf it was not given.
    """

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            items = [walk(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, argument),) = node.items()
            if key == "Ref":
                return NO_VALUE if argument == "AWS::NoValue" else ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, items = argument
                parts = walk(items)
                if not isinstance(parts, list):
                    raise UnresolvableError(f"Fn::Join of {parts!r}")
                return walk(separator).join(str(part) for part in parts)
            if key == "Fn::Sub":
                return _sub(argument, walk)
            if key == "Fn::Select":
                index, items = argument
                return walk(items)[int(walk(index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(walk(text)).split(walk(separator))
            if key == "Fn::ImportValue":
                if import_value is None:
                    raise UnresolvableError(f"Fn::ImportValue {argument!r}")
                return import_value(walk(argument))
            if key == "Fn::If":
                name, when_true, when_false = argument
                if condition is None:
                    raise UnresolvableError(f"Fn::If {name!r}")
                chosen = condition(name)
                if chosen is None:
                    branches = [walk(when_true), walk(when_false)]
                    return max(branches, key=lambda branch: len(json.dumps(branch, default=str)))
                return walk(when_true if chosen else when_false)
            if key.startswith("Fn::"):
                raise UnresolvableError(f"{key} is not evaluated offline")
        walked = {key: walk(item) for key, item in node.items()}
        return {key: item for key, item in walked.items() if item is not NO_VALUE}

    def _sub(argument: Any, recurse: Callable[[Any], Any]) -> str:
        if isinstance(argument, list):
            text, variables = argument
            values = {name: recurse(v) for name, v in variables.items()}
        else:
            text, values = argument, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(values[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(get_att(logical_id, attribute))
            return str(ref(name))

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    return walk(value)


# --- the longest value of each leaf, for size limits ------------------------------------------------

#: The longest value each pseudo parameter takes (partition ``aws-us-gov``; region ``ap-southeast-4``).
LONGEST_PSEUDO: Mapping[str, str] = {
    "AWS::Partition": "aws-us-gov",
    "AWS::Region": "ap-southeast-4",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com.cn",
    "AWS::StackName": "s" * 128,
    "AWS::StackId": "arn:aws-us-gov:cloudformation:ap-southeast-4:123456789012:stack/"
    + "s" * 128
    + "/"
    + "u" * 36,
    "AWS::NotificationARNs": "",
}

_ARN = "arn:aws-us-gov:{service}:ap-southeast-4:123456789012:{resource}"
#: The longest ``Ref`` of a resource, by type (names and ids as AWS bounds them).
LONGEST_REF: Mapping[str, str] = {
    "AWS::S3::Bucket": "b" * 63,
    "AWS::IAM::Role": "r" * 64,
    "AWS::IAM::ManagedPolicy": "arn:aws-us-gov:iam::123456789012:policy/" + "p" * 128,
    "AWS::KMS::Key": "k" * 36,
    "AWS::EC2::VPCEndpoint": "vpce-" + "0" * 17,
    "AWS::EC2::SecurityGroup": "sg-" + "0" * 17,
    "AWS::EC2::VPC": "vpc-" + "0" * 17,
    "AWS::EC2::Subnet": "subnet-" + "0" * 17,
    "AWS::SNS::Topic": _ARN.format(service="sns", resource="t" * 256),
    "AWS::SQS::Queue": "https://sqs.ap-southeast-4.amazonaws.com/123456789012/" + "q" * 80,
    "AWS::Lambda::Function": "f" * 64,
    "AWS::Bedrock::Guardrail": _ARN.format(service="bedrock", resource="guardrail/" + "g" * 12),
    "AWS::Bedrock::ApplicationInferenceProfile": _ARN.format(
        service="bedrock", resource="application-inference-profile/" + "a" * 12
    ),
    "AWS::CloudTrail::Trail": "t" * 128,
}
#: The longest ``Fn::GetAtt`` value, by type and attribute.
LONGEST_ATTRIBUTE: Mapping[tuple[str, str], str] = {
    ("AWS::IAM::Role", "Arn"): "arn:aws-us-gov:iam::123456789012:role/" + "r" * 64,
    ("AWS::IAM::Role", "RoleId"): "AROA" + "0" * 17,
    ("AWS::KMS::Key", "Arn"): _ARN.format(service="kms", resource="key/" + "k" * 36),
    ("AWS::KMS::Key", "KeyId"): "k" * 36,
    ("AWS::S3::Bucket", "Arn"): "arn:aws-us-gov:s3:::" + "b" * 63,
    ("AWS::SQS::Queue", "Arn"): _ARN.format(service="sqs", resource="q" * 80),
    ("AWS::Lambda::Function", "Arn"): _ARN.format(service="lambda", resource="function:" + "f" * 64),
    ("AWS::SNS::Topic", "TopicArn"): _ARN.format(service="sns", resource="t" * 256),
    ("AWS::Bedrock::Guardrail", "GuardrailArn"): _ARN.format(
        service="bedrock", resource="guardrail/" + "g" * 12
    ),
    ("AWS::Bedrock::Guardrail", "GuardrailId"): "g" * 12,
    ("AWS::Bedrock::Guardrail", "Version"): "DRAFT",
    ("AWS::Bedrock::GuardrailVersion", "Version"): "9" * 8,
    ("AWS::Bedrock::GuardrailVersion", "GuardrailArn"): _ARN.format(
        service="bedrock", resource="guardrail/" + "g" * 12
    ),
    ("AWS::Bedrock::ApplicationInferenceProfile", "InferenceProfileArn"): _ARN.format(
        service="bedrock", resource="application-inference-profile/" + "a" * 12
    ),
    ("AWS::Bedrock::ApplicationInferenceProfile", "InferenceProfileId"): "a" * 12,
    ("AWS::CloudTrail::Trail", "Arn"): _ARN.format(service="cloudtrail", resource="trail/" + "t" * 128),
    ("AWS::EC2::VPC", "CidrBlock"): "255.255.255.255/32",
}
#: What an unknown ``Ref`` or ``Fn::GetAtt`` counts as: generous, so a size check errs on the safe side.
LONGEST_UNKNOWN_REF = "x" * 128
LONGEST_UNKNOWN_ATTRIBUTE = "x" * 256


def longest_values(resources: Mapping[str, Any]) -> tuple[RefResolver, GetAttResolver]:
    """Resolvers that give every ``Ref`` and ``Fn::GetAtt`` the longest value AWS allows it.

    :param resources: the template's ``Resources`` (logical id to resource), for their types and,
        where a resource names itself (a log group's ``LogGroupName``), its literal name.
    """

    def type_of(logical_id: str) -> str:
        resource = resources.get(logical_id)
        return str(resource.get("Type", "")) if isinstance(resource, Mapping) else ""

    def literal_name(logical_id: str, prop: str) -> str | None:
        resource = resources.get(logical_id)
        properties = resource.get("Properties", {}) if isinstance(resource, Mapping) else {}
        value = properties.get(prop) if isinstance(properties, Mapping) else None
        return value if isinstance(value, str) else None

    def ref(name: str) -> str:
        if name in LONGEST_PSEUDO:
            return LONGEST_PSEUDO[name]
        resource_type = type_of(name)
        if resource_type == "AWS::Logs::LogGroup":
            return literal_name(name, "LogGroupName") or "l" * 512
        return LONGEST_REF.get(resource_type, LONGEST_UNKNOWN_REF)

    def get_att(logical_id: str, attribute: str) -> str:
        resource_type = type_of(logical_id)
        if (resource_type, attribute) == ("AWS::Logs::LogGroup", "Arn"):
            name = literal_name(logical_id, "LogGroupName") or "l" * 512
            return _ARN.format(service="logs", resource=f"log-group:{name}:*")
        return LONGEST_ATTRIBUTE.get((resource_type, attribute), LONGEST_UNKNOWN_ATTRIBUTE)

    return ref, get_att


def longest_text(value: Any, resources: Mapping[str, Any]) -> Any:
    """``value`` with every intrinsic function at its longest (``Fn::If`` takes the longer branch)."""
    ref, get_att = longest_values(resources)
    try:
        return evaluate(
            value,
            ref=ref,
            get_att=get_att,
            import_value=lambda _: LONGEST_UNKNOWN_ATTRIBUTE,
            condition=lambda _: None,
        )
    except UnresolvableError:
        # A function this evaluator cannot resolve: count its template form, which is rarely shorter.
        return value
