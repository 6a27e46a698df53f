"""Selectors over a synthesized CloudFormation template: which resources show a piece of evidence.

Each selector takes a :class:`View` of the template and returns ``(logical id, evidence)`` for every
resource that shows what it looks for (a bucket encrypted with a named KMS key, a policy that requires
the guardrail...), with the evidence read from the resource's properties. Selectors never guess: a
resource whose properties do not show the evidence is not selected. :mod:`stacks.documents.control_map`
groups them into controls.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from secure_bedrock import bedrock_rules, limits
from secure_bedrock.bedrock_rules import BedrockChecks

Resource = Mapping[str, Any]
#: What a selector finds: (logical id, the evidence read from the resource's properties).
Found = list[tuple[str, str]]

INVOKE_WILDCARDS = frozenset({"*", "bedrock:*", "bedrock:invoke*", "bedrock:invokemodel*"})
ACCOUNT_ROOT = re.compile(r"^arn:[^:]+:iam::\$\{AWS::AccountId\}:root$")
BEDROCK_ARN = re.compile(r"^arn:[^:]+:bedrock:(?P<region>[^:]*):[^:]*:(?P<resource>.*)$")
#: Global cross-region inference profiles route to any commercial region.
GLOBAL_PROFILE_PREFIX = "global."
#: Geographic profile prefixes (``apac.``, ``jp.``...) whose name is not their regions' prefix.
PROFILE_GEOGRAPHIES = {"apac": "ap", "jp": "ap", "au": "ap"}
KEY_PURPOSE = re.compile(r"^(?:secure-bedrock: )?(?P<purpose>.*?)(?: \(created by [^)]*\))?$")
#: How the account root shows in evidence.
THIS_ACCOUNT = "this account (root)"


def _bedrock_default(argument: str) -> Any:
    """A default of ``BedrockChecks``, so the selectors apply the same thresholds as the rule pack."""
    return inspect.signature(BedrockChecks.__init__).parameters[argument].default


MINIMUM_RETENTION_DAYS: int = _bedrock_default("minimum_log_retention_days")
COST_TAG_KEYS: tuple[str, ...] = tuple(_bedrock_default("cost_tag_keys"))


# --- reading the template -------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """The template with what rendering needs from the stack: construct paths and the region."""

    resources: Mapping[str, Resource]
    paths: Mapping[str, str]
    region: str

    def of_type(self, *types: str) -> list[tuple[str, Mapping[str, Any]]]:
        """``(logical id, properties)`` of every resource of these types, in construct-path order."""
        found = [(lid, r) for lid, r in self.resources.items() if r.get("Type") in types]
        return [(lid, r.get("Properties", {})) for lid, r in sorted(found, key=lambda x: self._order(x[0]))]

    def _order(self, logical_id: str) -> tuple[str, str]:
        return (self.name(logical_id), logical_id)

    def name(self, logical_id: str) -> str:
        """The resource's construct path under the stack, or its logical id if it has none."""
        return self.paths.get(logical_id, logical_id)

    def props(self, logical_id: str) -> Mapping[str, Any]:
        """The properties of a resource of the template (empty if there is no such resource)."""
        properties: Mapping[str, Any] = self.resources.get(logical_id, {}).get("Properties", {})
        return properties

    def target(self, value: Any) -> str | None:
        """The logical id that a ``Ref`` or ``Fn::GetAtt`` points to, if it is a resource of the template."""
        if isinstance(value, Mapping) and len(value) == 1:
            ((function, argument),) = value.items()
            name = argument[0] if function == "Fn::GetAtt" and isinstance(argument, list) else argument
            if function in ("Ref", "Fn::GetAtt") and name in self.resources:
                return str(name)
        return None

    def text(self, value: Any) -> str:
        """A CloudFormation value as text: references by construct path, pseudo parameters as ``${...}``."""
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return ", ".join(self.text(item) for item in value)
        if isinstance(value, Mapping) and len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return f"${{{argument}}}" if str(argument).startswith("AWS::") else self.name(str(argument))
            if function == "Fn::GetAtt":
                return f"{self.name(argument[0])}.{argument[1]}"
            if function == "Fn::Join":
                return str(argument[0]).join(self.text(part) for part in argument[1])
            if function == "Fn::Sub" and isinstance(argument, str):
                return argument
        return json.dumps(value, sort_keys=True)

    def ref(self, value: Any) -> str:
        """A reference in backticks: the construct path of the resource it points to, or the value."""
        target = self.target(value)
        return f"`{self.name(target) if target else self.text(value)}`"


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document (none if it is not one)."""
    if not isinstance(document, Mapping):
        return []
    return [s for s in _list(document.get("Statement", [])) if isinstance(s, Mapping)]


def _grants_invoke(statement: Mapping[str, Any]) -> bool:
    actions = [a.lower() for a in _list(statement.get("Action", [])) if isinstance(a, str)]
    invoke = any(a in bedrock_rules.INVOKE_ACTIONS or a in INVOKE_WILDCARDS for a in actions)
    return statement.get("Effect") == "Allow" and invoke


def _condition_keys(statement: Mapping[str, Any]) -> dict[str, Any]:
    """Every condition key of a statement (lower-cased) with its value, whatever the operator."""
    keys: dict[str, Any] = {}
    for operator in statement.get("Condition", {}).values():
        if isinstance(operator, Mapping):
            keys.update({str(key).lower(): value for key, value in operator.items()})
    return keys


def _denies_insecure_transport(document: Any) -> bool:
    return any(
        s.get("Effect") == "Deny"
        and str(s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")).lower() == "false"
        for s in policy_statements(document)
    )


def _tags(properties: Mapping[str, Any]) -> dict[str, str]:
    return {str(t.get("Key")): str(t.get("Value")) for t in _list(properties.get("Tags", [])) if t}


def _identity_policies(view: View) -> Iterator[tuple[str, list[Mapping[str, Any]]]]:
    """``(logical id, statements)`` of every identity policy, managed, standalone or inline in a role."""
    for lid, props in view.of_type("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        yield lid, policy_statements(props.get("PolicyDocument"))
    for lid, props in view.of_type("AWS::IAM::Role"):
        for policy in _list(props.get("Policies", [])):
            if isinstance(policy, Mapping):
                yield lid, policy_statements(policy.get("PolicyDocument"))


def _policy_statements(view: View, logical_id: str) -> list[Mapping[str, Any]]:
    """Every statement of the identity policies of one resource."""
    return [s for lid, statements in _identity_policies(view) if lid == logical_id for s in statements]


def _invoke_policies(view: View) -> Iterator[tuple[str, list[Mapping[str, Any]]]]:
    """The identity policies that allow invoke: ``(logical id, the statements that allow it)``."""
    for lid, statements in _identity_policies(view):
        allowing = [s for s in statements if _grants_invoke(s)]
        if allowing:
            yield lid, allowing


def _refs(view: View, values: Any) -> str:
    return ", ".join(view.ref(value) for value in _list(values if values is not None else []))


def _holders(view: View, policy: str) -> str:
    roles = [view.ref(role) for role in _list(view.props(policy).get("Roles", []))]
    return f"attached to {', '.join(roles)}; " if roles else ""


def _key_purpose(view: View, key: str) -> str:
    match = KEY_PURPOSE.match(str(view.props(key).get("Description", "")))
    return match.group("purpose") if match and match.group("purpose") else "no description"


# --- selectors: encryption at rest ------------------------------------------------------------------


def kms_buckets(view: View) -> Found:
    """Buckets whose default encryption is SSE-KMS with a named key."""
    found = []
    for lid, props in view.of_type("AWS::S3::Bucket"):
        rules = props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
        for rule in _list(rules):
            default = rule.get("ServerSideEncryptionByDefault", {})
            if str(default.get("SSEAlgorithm", "")).startswith("aws:kms") and default.get("KMSMasterKeyID"):
                bucket_key = ", S3 Bucket Key on" if rule.get("BucketKeyEnabled") else ""
                found.append((lid, f"SSE-KMS with KMS key {view.ref(default['KMSMasterKeyID'])}{bucket_key}"))
                break
    return found


def kms_log_groups(view: View) -> Found:
    """Log groups encrypted with a named KMS key."""
    return [
        (lid, f"`{props.get('LogGroupName', lid)}`, KMS key {view.ref(props['KmsKeyId'])}")
        for lid, props in view.of_type("AWS::Logs::LogGroup")
        if props.get("KmsKeyId")
    ]


def kms_trails(view: View) -> Found:
    """Trails that encrypt their log files with a named KMS key."""
    return [
        (lid, f"log files encrypted with KMS key {view.ref(props['KMSKeyId'])}")
        for lid, props in view.of_type("AWS::CloudTrail::Trail")
        if props.get("KMSKeyId")
    ]


def kms_guardrails(view: View) -> Found:
    """Guardrails encrypted with a customer-managed key."""
    return [
        (lid, f"KmsKeyArn: KMS key {view.ref(props['KmsKeyArn'])}")
        for lid, props in view.of_type("AWS::Bedrock::Guardrail")
        if props.get("KmsKeyArn")
    ]


def kms_topics(view: View) -> Found:
    """SNS topics encrypted with a named KMS key."""
    return [
        (lid, f"KMS key {view.ref(props['KmsMasterKeyId'])}")
        for lid, props in view.of_type("AWS::SNS::Topic")
        if props.get("KmsMasterKeyId")
    ]


def kms_queues(view: View) -> Found:
    """SQS queues encrypted with a named KMS key."""
    return [
        (lid, f"KMS key {view.ref(props['KmsMasterKeyId'])}")
        for lid, props in view.of_type("AWS::SQS::Queue")
        if props.get("KmsMasterKeyId")
    ]


def rotated_keys(view: View) -> Found:
    """Customer-managed KMS keys with automatic rotation."""
    return [
        (lid, f"{_key_purpose(view, lid)}; EnableKeyRotation true")
        for lid, props in view.of_type("AWS::KMS::Key")
        if props.get("EnableKeyRotation") is True
    ]


def pinned_encryption(view: View) -> Found:
    """Bucket policies that refuse objects written with another encryption or key."""
    found = []
    for lid, props in view.of_type("AWS::S3::BucketPolicy"):
        pins = []
        for statement in policy_statements(props.get("PolicyDocument")):
            keys = _condition_keys(statement)
            if statement.get("Effect") == "Deny" and "s3:x-amz-server-side-encryption" in keys:
                pins.append(f"encryption other than {view.text(keys['s3:x-amz-server-side-encryption'])}")
            if statement.get("Effect") == "Deny" and "s3:x-amz-server-side-encryption-aws-kms-key-id" in keys:
                pins.append(
                    f"a key other than {view.ref(keys['s3:x-amz-server-side-encryption-aws-kms-key-id'])}"
                )
        if pins:
            found.append(
                (lid, f"bucket {view.ref(props.get('Bucket'))}: refuses puts with {' or '.join(pins)}")
            )
    return found


# --- selectors: encryption in transit and the network -------------------------------------------


def tls_only_bucket_policies(view: View) -> Found:
    """Bucket policies that deny requests without TLS (and, where set, below TLS 1.2)."""
    found = []
    for lid, props in view.of_type("AWS::S3::BucketPolicy"):
        document = props.get("PolicyDocument")
        if _denies_insecure_transport(document):
            versions = [
                view.text(_condition_keys(s)["s3:tlsversion"])
                for s in policy_statements(document)
                if s.get("Effect") == "Deny" and "s3:tlsversion" in _condition_keys(s)
            ]
            below = f" and TLS below {versions[0]}" if versions else ""
            found.append(
                (lid, f"bucket {view.ref(props.get('Bucket'))}: denies aws:SecureTransport false{below}")
            )
    return found


def tls_only_topic_policies(view: View) -> Found:
    """Topic policies that deny publishing without TLS."""
    return [
        (lid, f"topics {_refs(view, props.get('Topics'))}: deny aws:SecureTransport false")
        for lid, props in view.of_type("AWS::SNS::TopicPolicy")
        if _denies_insecure_transport(props.get("PolicyDocument"))
    ]


def tls_only_queue_policies(view: View) -> Found:
    """Queue policies that deny requests without TLS."""
    return [
        (lid, f"queues {_refs(view, props.get('Queues'))}: deny aws:SecureTransport false")
        for lid, props in view.of_type("AWS::SQS::QueuePolicy")
        if _denies_insecure_transport(props.get("PolicyDocument"))
    ]


def _interface_endpoints(view: View) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (lid, p)
        for lid, p in view.of_type("AWS::EC2::VPCEndpoint")
        if p.get("VpcEndpointType") == "Interface"
    ]


def private_endpoints(view: View) -> Found:
    """Interface endpoints with private DNS and a policy: AWS API calls stay on PrivateLink, over HTTPS."""
    return [
        (
            lid,
            f"`{view.text(props.get('ServiceName'))}`, private DNS, {len(_list(props['SubnetIds']))} subnets",
        )
        for lid, props in _interface_endpoints(view)
        if props.get("PrivateDnsEnabled") is True
        and isinstance(props.get("PolicyDocument"), Mapping)
        and props.get("SubnetIds")
    ]


def statement_principals(statement: Mapping[str, Any], view: View) -> list[str]:
    """The principals a statement names, as text (the account root as :data:`THIS_ACCOUNT`)."""
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping):
        return []
    names = []
    for value in (v for values in principal.values() for v in _list(values)):
        text = view.text(value)
        names.append(THIS_ACCOUNT if ACCOUNT_ROOT.match(text) else text)
    return names


def endpoint_policies(view: View) -> Found:
    """Endpoint policies whose Allow statements all name their principals (nobody anonymous)."""
    found = []
    for lid, props in _interface_endpoints(view):
        allows = [s for s in policy_statements(props.get("PolicyDocument")) if s.get("Effect") == "Allow"]
        principals = sorted({p for s in allows for p in statement_principals(s, view)})
        if allows and "*" not in principals:
            sids = ", ".join(str(s.get("Sid", "-")) for s in allows)
            named = ", ".join(f"`{p}`" for p in principals)
            found.append(
                (lid, f"`{view.text(props.get('ServiceName'))}` allows {named} only (statements {sids})")
            )
    return found


def https_only_security_groups(view: View) -> Found:
    """Security groups of the interface endpoints that admit TCP 443 only, and from no open range."""
    groups = {
        view.target(group)
        for _, props in _interface_endpoints(view)
        for group in _list(props.get("SecurityGroupIds", []))
    }
    found = []
    for lid, props in view.of_type("AWS::EC2::SecurityGroup"):
        ingress = _list(props.get("SecurityGroupIngress", []))
        https = all(
            r.get("FromPort") == 443 and r.get("ToPort") == 443 and r.get("IpProtocol") == "tcp"
            for r in ingress
        )
        open_range = any(r.get("CidrIp") == "0.0.0.0/0" or r.get("CidrIpv6") == "::/0" for r in ingress)
        if lid in groups and ingress and https and not open_range:
            sources = ", ".join(
                sorted(view.text(r.get("CidrIp") or r.get("SourceSecurityGroupId")) for r in ingress)
            )
            found.append((lid, f"ingress TCP 443 only, from {sources}"))
    return found


def isolated_vpcs(view: View) -> Found:
    """VPCs with no internet or NAT gateway and no routes in the template, and no public IPs on launch."""
    gateways = ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EgressOnlyInternetGateway")
    if view.of_type(*gateways) or view.of_type("AWS::EC2::Route"):
        return []
    found = []
    for lid, props in view.of_type("AWS::EC2::VPC"):
        subnets = [p for _, p in view.of_type("AWS::EC2::Subnet") if view.target(p.get("VpcId")) == lid]
        if all(p.get("MapPublicIpOnLaunch") is not True for p in subnets):
            found.append(
                (
                    lid,
                    f"CIDR {props.get('CidrBlock')}; {len(subnets)} subnets without public IPs; no internet "
                    "gateway, NAT gateway or route resource in the template",
                )
            )
    return found


def closed_default_security_groups(view: View) -> Found:
    """aws-cdk-lib's custom resource that removes every rule of a VPC's default security group."""
    return [
        (lid, f"removes every rule of `{view.text(props.get('DefaultSecurityGroupId'))}`")
        for lid, props in view.of_type("Custom::VpcRestrictDefaultSG")
    ]


def functions_in_vpc(view: View) -> Found:
    """Lambda functions that run inside the VPC."""
    found = []
    for lid, props in view.of_type("AWS::Lambda::Function"):
        config = props.get("VpcConfig", {})
        if config.get("SubnetIds"):
            groups = ", ".join(view.ref(g) for g in _list(config.get("SecurityGroupIds", [])))
            found.append((lid, f"{len(_list(config['SubnetIds']))} subnets, security group {groups}"))
    return found


# --- selectors: access control and authentication -----------------------------------------------


def scoped_invoke_policies(view: View) -> Found:
    """Identity policies that allow invoke on named models and profiles only (no wildcard)."""
    found = []
    for lid, allowing in _invoke_policies(view):
        resources = [view.text(r) for s in allowing for r in _list(s.get("Resource", []))]
        if resources and not any("*" in r for r in resources):
            found.append(
                (lid, f"{_holders(view, lid)}invoke on {len(set(resources))} named model/profile ARNs")
            )
    return found


def source_vpce_policies(view: View) -> Found:
    """Identity policies whose every invoke grant requires the call to come through a named endpoint."""
    found = []
    for lid, allowing in _invoke_policies(view):
        endpoints = {view.ref(_condition_keys(s).get("aws:sourcevpce")) for s in allowing}
        if all("aws:sourcevpce" in _condition_keys(s) for s in allowing):
            found.append(
                (lid, f"{_holders(view, lid)}invoke only if aws:SourceVpce = {', '.join(sorted(endpoints))}")
            )
    return found


def guardrail_policies(view: View) -> Found:
    """Identity policies whose every invoke grant requires the guardrail (and that deny invoke without it)."""
    found = []
    for lid, allowing in _invoke_policies(view):
        if not all("bedrock:guardrailidentifier" in _condition_keys(s) for s in allowing):
            continue
        required = sorted({view.text(_condition_keys(s)["bedrock:guardrailidentifier"]) for s in allowing})
        denies = any(
            s.get("Effect") == "Deny" and "bedrock:guardrailidentifier" in _condition_keys(s)
            for s in _policy_statements(view, lid)
        )
        deny = "; denies invoke with any other guardrail or none" if denies else ""
        found.append((lid, f"{_holders(view, lid)}invoke requires `{'`, `'.join(required)}`{deny}"))
    return found


def managed_policy_roles(view: View) -> Found:
    """Roles with no inline and no AWS-managed policy: their permissions are this stack's managed policies."""
    attached: dict[str, list[str]] = {}
    for lid, props in view.of_type("AWS::IAM::ManagedPolicy"):
        for role in _list(props.get("Roles", [])):
            attached.setdefault(view.target(role) or "", []).append(lid)
    return [
        (lid, f"policies {', '.join(f'`{view.name(p)}`' for p in attached.get(lid, []))}")
        for lid, props in view.of_type("AWS::IAM::Role")
        if not props.get("Policies") and not props.get("ManagedPolicyArns") and attached.get(lid)
    ]


def explicit_denies(view: View) -> Found:
    """Identity policies with explicit Deny statements (separation of duties, hard stops)."""
    found = []
    for lid, statements in _identity_policies(view):
        sids = [str(s.get("Sid", "-")) for s in statements if s.get("Effect") == "Deny"]
        if sids:
            found.append((lid, f"{_holders(view, lid)}denies: {', '.join(sids)}"))
    return found


def private_buckets(view: View) -> Found:
    """Buckets with all four public-access blocks on."""
    flags = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    found = []
    for lid, props in view.of_type("AWS::S3::Bucket"):
        block = props.get("PublicAccessBlockConfiguration", {})
        if all(block.get(flag) is True for flag in flags):
            rules = props.get("OwnershipControls", {}).get("Rules", [{}])
            ownership = (
                f", {rules[0].get('ObjectOwnership')}" if rules and rules[0].get("ObjectOwnership") else ""
            )
            found.append((lid, f"all four public-access blocks on{ownership}"))
    return found


def _trust(statement: Mapping[str, Any], view: View) -> str:
    principals = ", ".join(f"`{p}`" for p in statement_principals(statement, view))
    keys = sorted(
        key for op in statement.get("Condition", {}).values() if isinstance(op, Mapping) for key in op
    )
    return f"{principals} if {', '.join(keys)}" if keys else principals


def trusted_roles(view: View) -> Found:
    """Roles whose trust policy names its principals (no ``*``)."""
    found = []
    for lid, props in view.of_type("AWS::IAM::Role"):
        allows = [
            s for s in policy_statements(props.get("AssumeRolePolicyDocument")) if s.get("Effect") == "Allow"
        ]
        if allows and all(
            statement_principals(s, view) and "*" not in statement_principals(s, view) for s in allows
        ):
            found.append((lid, "assumable by " + "; ".join(_trust(s, view) for s in allows)))
    return found


# --- selectors: audit and integrity ---------------------------------------------------------------


def _event_scope(properties: Mapping[str, Any]) -> str:
    types, management = [], False
    for selector in _list(properties.get("AdvancedEventSelectors", [])):
        for field_selector in _list(selector.get("FieldSelectors", [])):
            equals = _list(field_selector.get("Equals", []))
            management |= field_selector.get("Field") == "eventCategory" and "Management" in equals
            if field_selector.get("Field") == "resources.type":
                types += [str(value).removeprefix("AWS::Bedrock::") for value in equals]
    events = ["management events"] if management else []
    if types:
        events.append(f"data events of {len(types)} Bedrock resource types ({', '.join(types)})")
    return " and ".join(events) or "event selectors as configured"


def logging_trails(view: View) -> Found:
    """Trails that are logging, with their events, bucket and CloudWatch Logs group."""
    found = []
    for lid, props in view.of_type("AWS::CloudTrail::Trail"):
        if props.get("IsLogging") is not True or not props.get("CloudWatchLogsLogGroupArn"):
            continue
        regions = "multi-region" if props.get("IsMultiRegionTrail") else "single-region"
        found.append(
            (
                lid,
                f"{regions}; {_event_scope(props)}; to bucket {view.ref(props.get('S3BucketName'))} and "
                f"log group {view.ref(props.get('CloudWatchLogsLogGroupArn'))}",
            )
        )
    return found


def validated_trails(view: View) -> Found:
    """Trails with log-file validation (signed digest files)."""
    return [
        (lid, "EnableLogFileValidation true: hourly signed digest files detect changed or deleted log files")
        for lid, props in view.of_type("AWS::CloudTrail::Trail")
        if props.get("EnableLogFileValidation") is True
    ]


def invocation_logging(view: View) -> Found:
    """The account's Bedrock model invocation logging configuration, as the library's custom resource."""
    found = []
    for lid, props in view.of_type("Custom::BedrockModelInvocationLogging"):
        config = props.get("LoggingConfig", {})
        kinds = sorted(
            key.removesuffix("DataDeliveryEnabled")
            for key, value in config.items()
            if key.endswith("DataDeliveryEnabled") and str(value).lower() == "true"
        )
        if "text" not in kinds:
            continue
        bucket = view.ref(config.get("s3Config", {}).get("bucketName"))
        group = config.get("cloudWatchConfig", {}).get("logGroupName")
        found.append(
            (lid, f"records {', '.join(kinds)} to bucket {bucket} and log group `{view.text(group)}`")
        )
    return found


def retained_log_groups(view: View) -> Found:
    """Log groups with at least the Bedrock rules' minimum retention."""
    return [
        (lid, f"RetentionInDays {props['RetentionInDays']}")
        for lid, props in view.of_type("AWS::Logs::LogGroup")
        if isinstance(props.get("RetentionInDays"), int)
        and props["RetentionInDays"] >= MINIMUM_RETENTION_DAYS
    ]


def access_logged_buckets(view: View) -> Found:
    """Buckets with server access logging."""
    return [
        (lid, f"server access logs to {view.ref(props['LoggingConfiguration']['DestinationBucketName'])}")
        for lid, props in view.of_type("AWS::S3::Bucket")
        if props.get("LoggingConfiguration", {}).get("DestinationBucketName")
    ]


def flow_logs(view: View) -> Found:
    """VPC flow logs of all traffic."""
    return [
        (lid, f"ALL traffic of {view.ref(props.get('ResourceId'))} to {view.ref(props.get('LogGroupName'))}")
        for lid, props in view.of_type("AWS::EC2::FlowLog")
        if props.get("TrafficType") == "ALL"
    ]


def _alarm_metric(properties: Mapping[str, Any]) -> tuple[str, str, str]:
    """(namespace, metric name, model id) of an alarm, for plain and metric-math alarms alike."""
    metric: Mapping[str, Any] = properties
    for query in _list(properties.get("Metrics", [])):
        metric = query.get("MetricStat", {}).get("Metric", metric)
    dimensions = {d.get("Name"): d.get("Value") for d in _list(metric.get("Dimensions", [])) if d}
    return str(metric.get("Namespace")), str(metric.get("MetricName")), str(dimensions.get("ModelId", ""))


def _alarms(view: View, wanted: Callable[[str, str], bool]) -> Found:
    found = []
    for lid, props in view.of_type("AWS::CloudWatch::Alarm"):
        namespace, metric, model = _alarm_metric(props)
        if wanted(namespace, metric) and props.get("AlarmActions"):
            subject = f" of `{model}`" if model else ""
            actions = ", ".join(view.ref(a) for a in _list(props["AlarmActions"]))
            found.append((lid, f"`{metric}`{subject}, alarm action {actions}"))
    return found


def log_delivery_alarms(view: View) -> Found:
    """Alarms on lost invocation logs (delivery failures), with an action."""
    return _alarms(
        view, lambda namespace, metric: metric.startswith("ModelInvocation") and "Failure" in metric
    )


def guardrail_alarms(view: View) -> Found:
    """Alarms on guardrail interventions, with an action."""
    return _alarms(view, lambda namespace, metric: namespace == "AWS/Bedrock/Guardrails")


def usage_alarms(view: View) -> Found:
    """Alarms on token, invocation and quota use, with an action."""
    usage = {"InputTokenCount", "OutputTokenCount", "Invocations", "EstimatedTPMQuotaUsage"}
    return _alarms(view, lambda namespace, metric: namespace == "AWS/Bedrock" and metric in usage)


def versioned_buckets(view: View) -> Found:
    """Versioned buckets, with what their lifecycle keeps and whether Object Lock is on."""
    found = []
    for lid, props in view.of_type("AWS::S3::Bucket"):
        if props.get("VersioningConfiguration", {}).get("Status") != "Enabled":
            continue
        rules = _list(props.get("LifecycleConfiguration", {}).get("Rules", []))
        kept = sorted(
            {
                r["NoncurrentVersionExpiration"]["NoncurrentDays"]
                for r in rules
                if r.get("NoncurrentVersionExpiration")
            }
        )
        keeps = f"; noncurrent versions kept {', '.join(map(str, kept))} days" if kept else ""
        lock = "on" if props.get("ObjectLockEnabled") else "off"
        found.append((lid, f"versioning on{keeps}; Object Lock {lock}"))
    return found


def retained_evidence(view: View) -> Found:
    """Keys, buckets, log groups, trails and guardrails that stack deletion or replacement leaves in place."""
    types = (
        "AWS::KMS::Key",
        "AWS::S3::Bucket",
        "AWS::Logs::LogGroup",
        "AWS::CloudTrail::Trail",
        "AWS::Bedrock::Guardrail",
    )
    return [
        (lid, "DeletionPolicy and UpdateReplacePolicy Retain")
        for lid, _ in view.of_type(*types)
        if view.resources[lid].get("DeletionPolicy") == "Retain"
        and view.resources[lid].get("UpdateReplacePolicy") == "Retain"
    ]


# --- selectors: content and cost governance -----------------------------------------------------


def _pii_summary(properties: Mapping[str, Any]) -> str:
    sensitive = properties.get("SensitiveInformationPolicyConfig", {})
    entities = _list(sensitive.get("PiiEntitiesConfig", []))
    actions: dict[str, int] = {}
    for entity in entities:
        actions[str(entity.get("Action"))] = actions.get(str(entity.get("Action")), 0) + 1
    by_action = ", ".join(f"{count} {action}" for action, count in sorted(actions.items()))
    regexes = [str(r.get("Name")) for r in _list(sensitive.get("RegexesConfig", []))]
    return f"{len(entities)} PII entity types ({by_action}); {len(regexes)} regexes ({', '.join(regexes)})"


def filtering_guardrails(view: View) -> Found:
    """Guardrails with an input prompt-attack filter and a sensitive-information (PII/regex) policy."""
    found = []
    for lid, props in view.of_type("AWS::Bedrock::Guardrail"):
        filters = _list(props.get("ContentPolicyConfig", {}).get("FiltersConfig", []))
        attack = [
            f for f in filters if f.get("Type") == "PROMPT_ATTACK" and f.get("InputEnabled") is not False
        ]
        sensitive = props.get("SensitiveInformationPolicyConfig", {})
        if not attack or not (sensitive.get("PiiEntitiesConfig") or sensitive.get("RegexesConfig")):
            continue
        content = ", ".join(f"{f.get('Type')} {f.get('InputStrength')}" for f in filters)
        topics = [
            str(t.get("Name")) for t in _list(props.get("TopicPolicyConfig", {}).get("TopicsConfig", []))
        ]
        denied = f"; denied topics: {', '.join(topics)}" if topics else ""
        found.append((lid, f"content filters {content} (input strength); {_pii_summary(props)}{denied}"))
    return found


def guardrail_versions(view: View) -> Found:
    """Published guardrail versions (immutable: the policies and callers pin one)."""
    return [
        (lid, f"published version of {view.ref(props.get('GuardrailIdentifier'))}")
        for lid, props in view.of_type("AWS::Bedrock::GuardrailVersion")
    ]


def enforced_guardrails(view: View) -> Found:
    """Account-level guardrail enforcement (every model call of the account and region)."""
    return [
        (lid, f"applies {view.ref(props.get('GuardrailIdentifier'))} to every call of the account and region")
        for lid, props in view.of_type("AWS::Bedrock::EnforcedGuardrailConfiguration")
    ]


def _filter_text(expression: Any) -> str:
    if not isinstance(expression, Mapping):
        return "all spend"
    for operator in ("Or", "And"):
        if operator in expression:
            return f" {operator.lower()} ".join(_filter_text(e) for e in _list(expression[operator]))
    leaf = expression.get("Dimensions") or expression.get("Tags") or {}
    return f"{leaf.get('Key')} = {', '.join(map(str, _list(leaf.get('Values', []))))}"


def budgets(view: View) -> Found:
    """Cost budgets with notifications."""
    found = []
    for lid, props in view.of_type("AWS::Budgets::Budget"):
        budget = props.get("Budget", {})
        notifications = _list(props.get("NotificationsWithSubscribers", []))
        if not notifications:
            continue
        limit = budget.get("BudgetLimit", {})
        thresholds = ", ".join(
            f"{n['Notification'].get('Threshold')}% {str(n['Notification'].get('NotificationType')).lower()}"
            for n in notifications
        )
        found.append(
            (
                lid,
                f"`{budget.get('BudgetName')}`: {limit.get('Amount')} {limit.get('Unit')} "
                f"{str(budget.get('TimeUnit')).lower()}, {_filter_text(budget.get('FilterExpression'))}; "
                f"notifies at {thresholds}",
            )
        )
    return found


def budget_actions(view: View) -> Found:
    """Budget actions that attach a deny policy to roles over budget."""
    found = []
    for lid, props in view.of_type("AWS::Budgets::BudgetsAction"):
        definition = props.get("Definition", {}).get("IamActionDefinition", {})
        policy = view.ref(definition.get("PolicyArn"))
        threshold = props.get("ActionThreshold", {}).get("Value")
        found.append(
            (
                lid,
                f"at {threshold}% of `{props.get('BudgetName')}`, attaches {policy} to "
                f"{_refs(view, definition.get('Roles'))} ({str(props.get('ApprovalModel')).lower()} approval)",
            )
        )
    return found


def tagged_profiles(view: View) -> Found:
    """Application inference profiles carrying the cost-allocation tags."""
    found = []
    for lid, props in view.of_type("AWS::Bedrock::ApplicationInferenceProfile"):
        tags = _tags(props)
        if all(key in tags for key in COST_TAG_KEYS):
            source = view.text(props.get("ModelSource", {}).get("CopyFrom")).rsplit("/", 1)[-1]
            found.append(
                (lid, ", ".join(f"{key}={tags[key]}" for key in COST_TAG_KEYS) + f"; copies `{source}`")
            )
    return found


# --- selectors: data residency ----------------------------------------------------------------------


def _geography(region: str) -> str:
    """A region's geography as Bedrock's geographic inference profiles group them (``us``, ``eu``, ...)."""
    return "us-gov" if region.startswith("us-gov-") else region.split("-", 1)[0]


def _require_region(view: View) -> str:
    if not view.region:
        raise ValueError("the stack has no region (region-agnostic); set secure-bedrock.region in cdk.json")
    return view.region


def regional_endpoints(view: View) -> Found:
    """Interface endpoints of services in the stack's region."""
    prefix = f"com.amazonaws.{_require_region(view)}."
    return [
        (lid, f"`{props['ServiceName']}`")
        for lid, props in _interface_endpoints(view)
        if isinstance(props.get("ServiceName"), str) and props["ServiceName"].startswith(prefix)
    ]


def _invoke_regions(view: View, resources: Sequence[Any]) -> tuple[set[str], set[str]]:
    """The regions and inference-profile ids that invoke grants on ``resources`` reach."""
    regions, profiles = set(), set()
    for resource in resources:
        match = BEDROCK_ARN.match(view.text(resource))
        if view.target(resource):  # a resource of this stack, such as an application inference profile
            regions.add(view.region)
        elif not match or match.group("region") in ("", "*"):
            raise ValueError(f"invoke is granted on {view.text(resource)!r}, which is not bound to a region")
        else:
            regions.add(view.region if match.group("region") == "${AWS::Region}" else match.group("region"))
            if match.group("resource").startswith("inference-profile/"):
                profiles.add(match.group("resource").removeprefix("inference-profile/"))
    return regions, profiles


def _invoke_statements(view: View) -> Iterator[tuple[str, list[Mapping[str, Any]]]]:
    """Identity policies and runtime endpoint policies that allow invoke, with the statements that do.

    Other endpoints' policies (such as ``bedrock:*`` on the agent-runtime endpoint) cannot carry a model call.
    """
    yield from _invoke_policies(view)
    for lid, props in _interface_endpoints(view):
        if not view.text(props.get("ServiceName")).endswith(".bedrock-runtime"):
            continue
        allowing = [s for s in policy_statements(props.get("PolicyDocument")) if _grants_invoke(s)]
        if allowing:
            yield lid, allowing


def invoke_geography(view: View) -> Found:
    """Policies whose invoke grants (models and cross-region profile destinations) stay in the stack's geography."""
    home = _geography(_require_region(view))
    found = []
    for lid, allowing in _invoke_statements(view):
        regions, profiles = _invoke_regions(view, [r for s in allowing for r in _list(s.get("Resource", []))])
        outside = sorted(r for r in regions if _geography(r) != home)
        outside += sorted(p for p in profiles if p.startswith(GLOBAL_PROFILE_PREFIX))
        if outside:
            raise ValueError(
                f"{view.name(lid)} grants invoke outside the {home} geography: {', '.join(outside)}"
            )
        found.append((lid, f"invoke reaches {', '.join(sorted(regions))} only (geography {home})"))
    return found


def unreplicated_buckets(view: View) -> Found:
    """Buckets with no replication: their objects stay in the stack's region."""
    region = _require_region(view)
    return [
        (lid, f"no ReplicationConfiguration: objects stay in {region}")
        for lid, props in view.of_type("AWS::S3::Bucket")
        if not props.get("ReplicationConfiguration")
    ]


def regional_guardrails(view: View) -> Found:
    """Guardrails evaluated in the stack's region, or through a profile of its geography."""
    region = _require_region(view)
    found = []
    for lid, props in view.of_type("AWS::Bedrock::Guardrail"):
        profile = props.get("CrossRegionConfig", {}).get("GuardrailProfileArn")
        if not profile:
            found.append((lid, f"no CrossRegionConfig: evaluated in {region}"))
            continue
        name = view.text(profile).rsplit("/", 1)[-1]
        prefix = name.split(".", 1)[0]
        if PROFILE_GEOGRAPHIES.get(prefix, prefix) != _geography(region):
            raise ValueError(
                f"{view.name(lid)} uses guardrail profile {name!r} outside the {_geography(region)} geography"
            )
        found.append((lid, f"guardrail profile `{name}` (geography {_geography(region)})"))
    return found


#: The policies the limit rules measure: (resource type, property, limit).
SIZED_POLICIES: tuple[tuple[str, str, limits.Limit], ...] = (
    ("AWS::IAM::ManagedPolicy", "PolicyDocument", limits.MANAGED_POLICY),
    ("AWS::IAM::Role", "AssumeRolePolicyDocument", limits.ROLE_TRUST_POLICY),
    ("AWS::EC2::VPCEndpoint", "PolicyDocument", limits.VPC_ENDPOINT_POLICY),
    ("AWS::KMS::Key", "KeyPolicy", limits.KEY_POLICY),
    ("AWS::S3::BucketPolicy", "PolicyDocument", limits.BUCKET_POLICY),
    ("AWS::SNS::TopicPolicy", "PolicyDocument", limits.TOPIC_POLICY),
)


def policies_within_limits(view: View) -> Found:
    """Every policy with its size at its longest against AWS's limit for its kind (all within)."""
    found = []
    for resource_type, prop, limit in SIZED_POLICIES:
        for lid, props in view.of_type(resource_type):
            document = props.get(prop)
            if document is None:
                continue
            size = limits.policy_size(document, limit, view.resources)
            if size <= limit.maximum:
                share = 100 * size / limit.maximum
                found.append(
                    (lid, f"{limit.name}: {size:,} of {limit.maximum:,} {limit.unit} ({share:.0f} %)")
                )
    return found
