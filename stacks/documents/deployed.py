"""A synthesized template as it would be once deployed: every ``Ref`` and ``Fn::GetAtt`` a concrete value.

An IAM evaluator needs policies as AWS holds them, not as a template writes them. :class:`Deployed`
gives every resource a plausible, deterministic physical id and ARN (derived from its logical id, so the
same template always gives the same values), resolves the policies with
:func:`secure_bedrock.intrinsics.evaluate`, and indexes them: each role's identity policies, each VPC
endpoint's policy and id, each key, bucket, topic and queue policy.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from secure_bedrock.intrinsics import evaluate

Template = Mapping[str, Any]


def _digest(logical_id: str, length: int, alphabet: str = "0123456789abcdef") -> str:
    raw = hashlib.sha256(logical_id.encode()).digest()
    return "".join(alphabet[byte % len(alphabet)] for byte in raw)[:length]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Endpoint:
    """A VPC endpoint: its service (``bedrock-runtime``, ``s3``, ...), id and policy."""

    logical_id: str
    service: str
    endpoint_id: str
    policy: dict[str, Any] | None


class Deployed:
    """The template's resources with concrete physical ids, ARNs and policies.

    :param account: the account the stack is deployed to (an account-agnostic template gets this one).
    :param region: its region.
    :param stack_name: its name, the prefix of generated physical names.
    :param guardrail_version: the number the template's guardrail version gets. Default: ``1``.
    """

    def __init__(
        self, template: Template, *, account: str, region: str, stack_name: str, guardrail_version: str = "1"
    ) -> None:
        self.template = template
        self.guardrail_version = guardrail_version
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.account = account
        self.region = region
        self.stack_name = stack_name
        self.partition = "aws"

    # --- concrete values -------------------------------------------------------------------------

    def type_of(self, logical_id: str) -> str:
        return str(self.resources.get(logical_id, {}).get("Type", ""))

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        properties: Mapping[str, Any] = self.resources.get(logical_id, {}).get("Properties", {})
        return properties

    def arn(
        self, service: str, resource: str, *, region: str | None = None, account: str | None = None
    ) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region is None else region}:"
            f"{self.account if account is None else account}:{resource}"
        )

    def _name(self, logical_id: str, limit: int) -> str:
        return f"{self.stack_name}-{logical_id}"[: limit - 9] + "-" + _digest(logical_id, 8).upper()

    def ref(self, name: str) -> Any:
        """The value of ``{"Ref": name}`` once deployed."""
        pseudo = {
            "AWS::Partition": self.partition,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.arn(
                "cloudformation", f"stack/{self.stack_name}/{_digest(self.stack_name, 36)}"
            ),
        }
        if name in pseudo:
            return pseudo[name]
        kind = self.type_of(name)
        # A resource that names itself is deployed under that name.
        given = {"AWS::S3::Bucket": "BucketName", "AWS::IAM::Role": "RoleName"}.get(kind)
        if given is not None and self.properties(name).get(given) is not None:
            return self.resolve(self.properties(name)[given])
        if kind == "AWS::S3::Bucket":
            return self._name(name, 63).lower()
        if kind == "AWS::IAM::Role":
            return self._name(name, 64)
        if kind == "AWS::IAM::ManagedPolicy":
            return f"arn:{self.partition}:iam::{self.account}:policy/{self._name(name, 128)}"
        if kind == "AWS::KMS::Key":
            raw = _digest(name, 32)
            return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:32]}"
        if kind == "AWS::EC2::VPCEndpoint":
            return f"vpce-{_digest(name, 17)}"
        if kind == "AWS::EC2::SecurityGroup":
            return f"sg-{_digest(name, 17)}"
        if kind == "AWS::EC2::VPC":
            return f"vpc-{_digest(name, 17)}"
        if kind == "AWS::EC2::Subnet":
            return f"subnet-{_digest(name, 17)}"
        if kind == "AWS::SNS::Topic":
            return self.arn("sns", self._name(name, 256))
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{self._name(name, 80)}"
        if kind == "AWS::Logs::LogGroup":
            return self.properties(name).get("LogGroupName") or self._name(name, 512)
        if kind in ("AWS::Bedrock::Guardrail", "AWS::Bedrock::ApplicationInferenceProfile"):
            return self.get_att(name, "GuardrailArn" if kind.endswith("Guardrail") else "InferenceProfileArn")
        return self._name(name, 128)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        """The value of ``{"Fn::GetAtt": [logical_id, attribute]}`` once deployed."""
        kind = self.type_of(logical_id)
        key = (kind, attribute)
        if key == ("AWS::IAM::Role", "Arn"):
            return f"arn:{self.partition}:iam::{self.account}:role/{self.ref(logical_id)}"
        if key == ("AWS::KMS::Key", "Arn"):
            return self.arn("kms", f"key/{self.ref(logical_id)}")
        if key == ("AWS::KMS::Key", "KeyId"):
            return self.ref(logical_id)
        if key == ("AWS::S3::Bucket", "Arn"):
            return f"arn:{self.partition}:s3:::{self.ref(logical_id)}"
        if key == ("AWS::SQS::Queue", "Arn"):
            return self.arn("sqs", self._name(logical_id, 80))
        if key == ("AWS::Lambda::Function", "Arn"):
            return self.arn("lambda", f"function:{self.ref(logical_id)}")
        if key == ("AWS::Logs::LogGroup", "Arn"):
            return self.arn("logs", f"log-group:{self.ref(logical_id)}:*")
        if key == ("AWS::SNS::Topic", "TopicArn"):
            return self.ref(logical_id)
        if kind == "AWS::Bedrock::Guardrail":
            guardrail_id = _digest(logical_id, 12, "abcdefghijklmnopqrstuvwxyz0123456789")
            return {
                "GuardrailArn": self.arn("bedrock", f"guardrail/{guardrail_id}"),
                "GuardrailId": guardrail_id,
                "Version": "DRAFT",
            }[attribute]
        if key == ("AWS::Bedrock::GuardrailVersion", "Version"):
            return self.guardrail_version
        if kind == "AWS::Bedrock::ApplicationInferenceProfile":
            profile_id = _digest(logical_id, 12, "abcdefghijklmnopqrstuvwxyz0123456789")
            return {
                "InferenceProfileArn": self.arn("bedrock", f"application-inference-profile/{profile_id}"),
                "InferenceProfileId": profile_id,
            }[attribute]
        if key == ("AWS::Events::Rule", "Arn"):
            # Rules on the default bus; CloudFormation names them <stack>-<logical id>-<suffix>, at most 64.
            return self.arn("events", f"rule/{self._name(logical_id, 64)}")
        if key == ("AWS::CloudTrail::Trail", "Arn"):
            return self.arn("cloudtrail", f"trail/{self.ref(logical_id)}")
        if key == ("AWS::EC2::VPC", "CidrBlock"):
            return "10.0.0.0/16"
        if key == ("AWS::EC2::VPC", "DefaultSecurityGroup"):
            return f"sg-{_digest(logical_id + '/default', 17)}"
        if key == ("AWS::EC2::SecurityGroup", "GroupId"):
            return self.ref(logical_id)
        raise KeyError(f"no deployed value for {logical_id}.{attribute} ({kind})")

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function resolved to the deployed values."""
        return evaluate(value, ref=self.ref, get_att=self.get_att, condition=lambda _: True)

    # --- policies --------------------------------------------------------------------------------

    def of_type(self, resource_type: str) -> Iterator[str]:
        """The logical ids of the resources of ``resource_type``, in template order."""
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == resource_type:
                yield logical_id

    def role_arn(self, logical_id: str) -> str:
        return str(self.get_att(logical_id, "Arn"))

    def identity_policies(self, role: str) -> list[dict[str, Any]]:
        """Every policy of a role: its inline policies, the stack's policies attached to it (by ``Roles``
        or by ``ManagedPolicyArns``). AWS-managed policies cannot be read offline and are left out."""
        found: list[dict[str, Any]] = [
            {
                "name": f"{role} inline {policy.get('PolicyName', index)}",
                "policy": self.resolve(policy["PolicyDocument"]),
            }
            for index, policy in enumerate(self.properties(role).get("Policies", []))
        ]
        attached_arns = {str(self.resolve(arn)) for arn in self.properties(role).get("ManagedPolicyArns", [])}
        for kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for logical_id in self.of_type(kind):
                properties = self.properties(logical_id)
                roles = _as_list(properties.get("Roles", []))
                by_roles = {"Ref": role} in roles
                by_arn = kind == "AWS::IAM::ManagedPolicy" and self.ref(logical_id) in attached_arns
                if by_roles or by_arn:
                    found.append({"name": logical_id, "policy": self.resolve(properties["PolicyDocument"])})
        return found

    def managed_policy(self, logical_id: str) -> dict[str, Any]:
        """One customer-managed policy, as a named policy (to evaluate it on a principal of your choice)."""
        return {"name": logical_id, "policy": self.resolve(self.properties(logical_id)["PolicyDocument"])}

    def endpoints(self) -> list[Endpoint]:
        """Every VPC endpoint with its service's short name, id and policy."""
        found = []
        for logical_id in self.of_type("AWS::EC2::VPCEndpoint"):
            properties = self.properties(logical_id)
            service = str(self.resolve(properties["ServiceName"])).split(".", 3)[3]
            policy = properties.get("PolicyDocument")
            found.append(
                Endpoint(
                    logical_id, service, str(self.ref(logical_id)), self.resolve(policy) if policy else None
                )
            )
        return found

    def endpoint(self, service: str) -> Endpoint:
        """The one endpoint of ``service`` (``bedrock-runtime``, ``bedrock``, ``s3``, ...)."""
        (found,) = [endpoint for endpoint in self.endpoints() if endpoint.service == service]
        return found

    def key_policy(self, key: str) -> dict[str, Any]:
        return dict(self.resolve(self.properties(key)["KeyPolicy"]))

    def _attached_policy(self, policy_type: str, target_property: str, target: str) -> dict[str, Any] | None:
        for logical_id in self.of_type(policy_type):
            properties = self.properties(logical_id)
            targets = _as_list(properties.get(target_property))
            if any(t in ({"Ref": target}, {"Fn::GetAtt": [target, "Arn"]}) for t in targets):
                return dict(self.resolve(properties["PolicyDocument"]))
        return None

    def bucket_policy(self, bucket: str) -> dict[str, Any] | None:
        return self._attached_policy("AWS::S3::BucketPolicy", "Bucket", bucket)

    def topic_policy(self, topic: str) -> dict[str, Any] | None:
        return self._attached_policy("AWS::SNS::TopicPolicy", "Topics", topic)

    def find(self, resource_type: str, pattern: str) -> str:
        """The one logical id of ``resource_type`` that matches ``pattern`` (a regular expression)."""
        found = [lid for lid in self.of_type(resource_type) if re.search(pattern, lid)]
        if len(found) != 1:
            raise LookupError(f"{len(found)} {resource_type} resources match {pattern!r}: {found}")
        return found[0]
