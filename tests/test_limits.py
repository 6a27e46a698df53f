"""AWS's size and count limits as Bedrock rules: each rule at its boundary, and the way sizes are counted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack, Validations
from aws_cdk import aws_iam as iam

from secure_bedrock import BedrockChecks, limits
from secure_bedrock.intrinsics import evaluate, longest_text
from secure_bedrock.limit_checks import LIBRARY_FUNCTION_METADATA
from tests.conftest import compliance_report

CHECKS = BedrockChecks()


def found(template: dict[str, Any], rule: str) -> list[str]:
    return [f"{finding.logical_id} {finding.location}" for finding in CHECKS.evaluate(template)[rule]]


def policy_of_size(size: int, limit: limits.Limit, *, principal: bool = False) -> dict[str, Any]:
    """A policy document whose size, as ``limit`` counts it, is exactly ``size``."""

    def document(padding: int) -> dict[str, Any]:
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::" + "a" * padding,
        }
        if principal:
            statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
        return {"Version": "2012-10-17", "Statement": [statement]}

    padding = size - limits.text_size(document(0), limit)
    result = document(padding)
    assert limits.text_size(result, limit) == size
    return result


def template_with(resource_type: str, prop: str, document: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Resources": {"Subject": {"Type": resource_type, "Properties": {prop: document, **extra}}}}


@pytest.mark.parametrize(
    ("rule", "resource_type", "prop", "limit", "principal"),
    [
        (
            "Bedrock-LimitManagedPolicySize",
            "AWS::IAM::ManagedPolicy",
            "PolicyDocument",
            limits.MANAGED_POLICY,
            False,
        ),
        (
            "Bedrock-LimitRoleTrustPolicy",
            "AWS::IAM::Role",
            "AssumeRolePolicyDocument",
            limits.ROLE_TRUST_POLICY,
            True,
        ),
        (
            "Bedrock-LimitVpcEndpointPolicy",
            "AWS::EC2::VPCEndpoint",
            "PolicyDocument",
            limits.VPC_ENDPOINT_POLICY,
            True,
        ),
        ("Bedrock-LimitKeyPolicy", "AWS::KMS::Key", "KeyPolicy", limits.KEY_POLICY, True),
        ("Bedrock-LimitBucketPolicy", "AWS::S3::BucketPolicy", "PolicyDocument", limits.BUCKET_POLICY, True),
        ("Bedrock-LimitTopicPolicy", "AWS::SNS::TopicPolicy", "PolicyDocument", limits.TOPIC_POLICY, True),
    ],
)
def test_policy_size_rule_at_its_boundary(
    rule: str, resource_type: str, prop: str, limit: limits.Limit, principal: bool
) -> None:
    at_limit = template_with(resource_type, prop, policy_of_size(limit.maximum, limit, principal=principal))
    over = template_with(resource_type, prop, policy_of_size(limit.maximum + 1, limit, principal=principal))
    assert found(at_limit, rule) == []
    (finding,) = found(over, rule)
    assert (
        finding == f"Subject Properties/{prop}: {limit.maximum + 1:,} {limit.unit} (limit {limit.maximum:,})"
    )


@pytest.mark.parametrize(
    ("kind", "limit"),
    [
        ("SERVICE_CONTROL_POLICY", limits.SERVICE_CONTROL_POLICY),
        ("RESOURCE_CONTROL_POLICY", limits.RESOURCE_CONTROL_POLICY),
    ],
)
def test_organizations_policy_size_at_its_boundary(kind: str, limit: limits.Limit) -> None:
    rule = "Bedrock-LimitOrganizationsPolicySize"

    def template(size: int) -> dict[str, Any]:
        return template_with(
            "AWS::Organizations::Policy",
            "Content",
            policy_of_size(size, limit),
            Type=kind,
            TargetIds=["r-ab12"],
        )

    assert found(template(5_120), rule) == []
    assert found(template(5_121), rule) == ["Subject Properties/Content: 5,121 characters (limit 5,120)"]
    # Other policy types (the Bedrock policy, tag policies) have no such limit here.
    bedrock = template_with(
        "AWS::Organizations::Policy", "Content", policy_of_size(9_000, limit), Type="BEDROCK_POLICY"
    )
    assert found(bedrock, rule) == []


def test_organizations_policies_per_target_at_its_boundary() -> None:
    rule = "Bedrock-LimitOrganizationsPoliciesPerTarget"

    def template(count: int, kind: str = "SERVICE_CONTROL_POLICY") -> dict[str, Any]:
        return {
            "Resources": {
                f"Policy{n}": {
                    "Type": "AWS::Organizations::Policy",
                    "Properties": {
                        "Type": kind,
                        "Content": {},
                        "TargetIds": ["ou-ab12-cdefgh34", f"{n:012d}"],
                    },
                }
                for n in range(count)
            }
        }

    assert found(template(4), rule) == []  # four and FullAWSAccess: five
    over = found(template(5), rule)
    assert len(over) == 5
    assert over[0] == (
        "Policy0 Properties/TargetIds: ou-ab12-cdefgh34 gets 5 SERVICE_CONTROL_POLICY policies here and the "
        "AWS-managed one (limit 5)"
    )
    assert found(template(5, "BEDROCK_POLICY"), rule) == []


def test_iam_sizes_exclude_whitespace_and_endpoint_sizes_include_it() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "A B", "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    compact = len(json.dumps(document, separators=(",", ":")))
    assert limits.text_size(document, limits.MANAGED_POLICY) == compact - 1  # the space in "A B"
    assert limits.text_size(document, limits.VPC_ENDPOINT_POLICY) == compact
    assert limits.text_size({"Sid": "é"}, limits.KEY_POLICY) == len('{"Sid":"é"}'.encode())


def test_deploy_time_values_count_at_their_longest() -> None:
    resources = {"Role": {"Type": "AWS::IAM::Role"}, "Bucket": {"Type": "AWS::S3::Bucket"}}
    value = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}]]}
    assert longest_text(value, resources) == "arn:aws-us-gov:s3:::" + "b" * 63
    role_arn = longest_text({"Fn::GetAtt": ["Role", "Arn"]}, resources)
    assert role_arn == "arn:aws-us-gov:iam::123456789012:role/" + "r" * 64
    # Unknown references count generously, never as nothing.
    assert len(longest_text({"Ref": "Elsewhere"}, resources)) == 128
    assert (
        longest_text({"Fn::If": ["C", "short", "a much longer branch"]}, resources) == "a much longer branch"
    )


def test_evaluate_resolves_sub_select_split_and_drops_novalue() -> None:
    refs = {"AWS::Region": "us-east-1", "Thing": "thing-id"}
    value = {
        "a": {"Fn::Sub": "arn:${AWS::Region}:${Thing}:${Thing.Arn}:${!Literal}"},
        "b": {"Fn::Select": [1, {"Fn::Split": ["-", "x-y-z"]}]},
        "c": [{"Ref": "AWS::NoValue"}, "kept"],
    }
    assert evaluate(value, ref=refs.__getitem__, get_att=lambda lid, attr: f"{lid}.{attr}") == {
        "a": "arn:us-east-1:thing-id:Thing.Arn:${Literal}",
        "b": "y",
        "c": ["kept"],
    }


def test_role_inline_policies_add_up_at_the_boundary() -> None:
    limit = limits.ROLE_INLINE_POLICIES
    half = limit.maximum // 2
    first = policy_of_size(half, limit)

    def template(second_size: int) -> dict[str, Any]:
        return {
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"Policies": [{"PolicyName": "a", "PolicyDocument": first}]},
                },
                "Default": {
                    "Type": "AWS::IAM::Policy",
                    "Properties": {
                        "Roles": [{"Ref": "Role"}],
                        "PolicyDocument": policy_of_size(second_size, limit),
                    },
                },
            }
        }

    assert found(template(limit.maximum - half), "Bedrock-LimitRoleInlinePolicies") == []
    (finding,) = found(template(limit.maximum - half + 1), "Bedrock-LimitRoleInlinePolicies")
    assert finding.startswith("Role inline policies: 10,241 characters")


@pytest.mark.parametrize("attached", [10, 11])
def test_managed_policies_per_role(attached: int) -> None:
    resources: dict[str, Any] = {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
        }
    }
    for index in range(attached - 1):
        resources[f"Policy{index}"] = {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": policy_of_size(200, limits.MANAGED_POLICY),
            },
        }
    assert bool(found({"Resources": resources}, "Bedrock-LimitManagedPoliciesPerRole")) is (attached > 10)


def test_template_size_at_its_boundary() -> None:
    def template(size: int) -> dict[str, Any]:
        base = {"Resources": {"Big": {"Type": "AWS::SSM::Parameter", "Properties": {"Value": ""}}}}
        padding = size - len(json.dumps(base, indent=1).encode())
        base["Resources"]["Big"]["Properties"]["Value"] = "v" * padding
        assert len(json.dumps(base, indent=1).encode()) == size
        return base

    assert found(template(1_000_000), "Bedrock-LimitTemplateSize") == []
    (finding,) = found(template(1_000_001), "Bedrock-LimitTemplateSize")
    assert finding.startswith("Big template (largest resource named): 1,000,001 bytes")


@pytest.mark.parametrize(
    ("rule", "section", "limit"),
    [
        ("Bedrock-LimitStackResources", "Resources", 500),
        ("Bedrock-LimitStackOutputs", "Outputs", 200),
        ("Bedrock-LimitStackParameters", "Parameters", 200),
    ],
)
def test_section_counts_at_their_boundary(rule: str, section: str, limit: int) -> None:
    def template(count: int) -> dict[str, Any]:
        entries = {f"E{index}": {"Type": "AWS::SNS::Topic"} for index in range(count)}
        result: dict[str, Any] = {"Resources": {"R": {"Type": "AWS::SNS::Topic"}}}
        result[section] = entries
        return result

    assert found(template(limit), rule) == []
    assert found(template(limit + 1), rule)


def test_library_functions_reserve_no_concurrency() -> None:
    def function(reserved: int | None, marked: bool) -> dict[str, Any]:
        properties = {} if reserved is None else {"ReservedConcurrentExecutions": reserved}
        return {
            "Type": "AWS::Lambda::Function",
            "Properties": properties,
            **(
                {"Metadata": {LIBRARY_FUNCTION_METADATA: {"construct": "HardenedFunction"}}} if marked else {}
            ),
        }

    template = {
        "Resources": {
            "Ours": function(1, True),
            "OursUnreserved": function(None, True),
            "Theirs": function(5, False),
        }
    }
    assert found(template, "Bedrock-LibraryFunctionReservedConcurrency") == [
        "Ours Properties/ReservedConcurrentExecutions"
    ]


def test_an_oversized_policy_fails_synth_naming_size_and_limit(stack: Stack) -> None:
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    iam.ManagedPolicy(
        stack,
        "Huge",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[f"arn:aws:s3:::bucket-{i:04d}/*" for i in range(300)]
            )
        ],
    )
    Validations.of(stack.node.root).add_plugins(BedrockChecks())
    violations = [
        violation
        for plugin in compliance_report(stack.node.root)
        for violation in plugin["violations"]
        if violation["ruleName"] == "Bedrock-LimitManagedPolicySize"
    ]
    (violation,) = violations
    (resource,) = violation["violatingResources"]
    assert resource["constructPath"].endswith("/Huge/Resource")
    (location,) = resource["locations"]
    assert "characters (limit 6,144)" in location
    assert "Split the policy" in violation["fix"]


def test_measuring_each_teams_policies_does_not_rescan_the_stack(stack: Stack, monkeypatch) -> None:
    """Found by make bench (50 teams, 3x slower than 10): every team's policy measure walked the whole
    stack, so synth grew with the square of the teams. A team's new profiles are found beside it; the
    whole stack is walked a bounded number of times however many teams there are."""
    from secure_bedrock import BedrockModels, SecureBedrockLandingZone, TeamSpec
    from secure_bedrock.options import AccessOptions

    whole_stack_scans = []
    original = limits.stack_resources

    def counting(stack_: Stack, under: Any = None) -> dict[str, dict[str, Any]]:
        if under is None:
            whole_stack_scans.append(stack_.stack_name)
        return original(stack_, under)

    monkeypatch.setattr(limits, "stack_resources", counting)
    teams = [
        TeamSpec(name=f"team-{index}", cost_center="CC-1", models=(BedrockModels.US_AMAZON_NOVA_PRO,))
        for index in range(20)
    ]
    zone = SecureBedrockLandingZone(
        stack, "LandingZone", models=[BedrockModels.US_AMAZON_NOVA_PRO], access=AccessOptions(teams=teams)
    )
    assert len(zone.teams) == 20
    assert len(whole_stack_scans) <= 3, whole_stack_scans
