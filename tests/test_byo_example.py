"""The second environment: the landing zone inside an app that brings its own VPC and keys."""

from __future__ import annotations

from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.byo_example import BringYourOwnVpcAndKeyStack
from tests.conftest import FEATURE_FLAGS, compliance_findings


def example() -> BringYourOwnVpcAndKeyStack:
    app = App(context={**FEATURE_FLAGS, "@aws-cdk/core:validationReportJson": True})
    return BringYourOwnVpcAndKeyStack(app, "ByoExample")


def test_uses_the_apps_vpc_and_key() -> None:
    stack = example()
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::VPC", 1)
    vpc_id = stack.resolve(stack.vpc.vpc_id)
    for endpoint in template.find_resources(
        "AWS::EC2::VPCEndpoint", {"Properties": {"VpcEndpointType": "Interface"}}
    ).values():
        assert endpoint["Properties"]["VpcId"] == vpc_id
    phi_key = stack.resolve(stack.phi_key.key_arn)
    groups = template.find_resources("AWS::Logs::LogGroup")
    invocation = [
        g for g in groups.values() if g["Properties"]["LogGroupName"].endswith("/model-invocations")
    ]
    assert invocation[0]["Properties"]["KmsKeyId"] == phi_key
    keys = [k["Properties"].get("Description", "") for k in template.find_resources("AWS::KMS::Key").values()]
    assert not any("invocation logs" in description for description in keys)
    assert not any("VPC flow logs" in description for description in keys)


def test_passes_every_pack_and_the_bedrock_rules() -> None:
    assert compliance_findings(example()) == []
