"""The README's "use the network in your own app" example runs as written and does what it says."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    section = text.split("## Use the network in your own app", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README lost its example"
    return match.group(1)


def test_readme_example_synthesizes_endpoints_in_the_apps_vpc() -> None:
    namespace: dict = {}
    exec(compile(readme_example(), str(README), "exec"), namespace)
    stack = namespace["stack"]
    template = Template.from_stack(stack)
    # The app's VPC is used as is: one VPC (the app's), the endpoints placed in it.
    template.resource_count_is("AWS::EC2::VPC", 1)
    vpc_id = stack.resolve(namespace["vpc"].vpc_id)
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": "com.amazonaws.us-east-1.bedrock-runtime",
            "VpcId": vpc_id,
            "PrivateDnsEnabled": True,
        },
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "FromPort": 443,
            "ToPort": 443,
            "SourceSecurityGroupId": {"Fn::GetAtt": [Match.string_like_regexp("AppServers"), "GroupId"]},
        },
    )
    assert isinstance(namespace["network"].connections, ec2.Connections)
