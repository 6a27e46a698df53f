"""docs/settings.md and docs/upgrading.md say only what the code does.

The settings table: every setting of cdk.json is documented, every documented setting is accepted, and
every default the table states as a value is the default the loader applies. The upgrade guide: every
argument it names (``name=``) is an argument of a public construct or function, every setting path it
names is in the settings table, and its recipe for pinning a logical id works on each construct kind.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnElement, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import IConstruct

import secure_bedrock
from stacks.app import cdk_json_context
from stacks.settings import CONTEXT_KEY, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
SETTINGS = (DOCS / "settings.md").read_text()
UPGRADING = (DOCS / "upgrading.md").read_text()
MODELS = ["amazon.nova-pro-v1:0"]


def _table(text: str) -> dict[str, str]:
    """``setting path -> default cell`` of the settings table."""
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|]*) \|", text, flags=re.MULTILINE)
    return dict(rows)


DOCUMENTED = _table(SETTINGS)


def _paths(block: dict[str, Any]) -> set[str]:
    paths = set()
    for key, value in block.items():
        if isinstance(value, dict) and key not in ("tags",):
            paths |= {f"{key}.{inner}" for inner in value}
        else:
            paths.add(key)
    return paths


#: The settings a block needs besides the one being checked (an organization block needs these three).
REQUIRED_IN_BLOCK: dict[str, dict[str, Any]] = {
    "organization": {
        "organization_id": "o-ab12cd34ef",
        "target_ids": ["ou-ab12-cdefgh34"],
        "deployment_principals": ["arn:aws:iam::*:role/stacksets-exec-*"],
    }
}


def _with(path: str, value: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"models": MODELS}
    outer, _, inner = path.partition(".")
    if inner:
        block[outer] = {**REQUIRED_IN_BLOCK.get(outer, {}), inner: value}
    else:
        block[outer] = value
    return {CONTEXT_KEY: block}


def _stated_default(cell: str) -> tuple[bool, Any]:
    """The default a cell states as a value (its first backticked JSON literal), if it states one."""
    match = re.match(r"\s*`([^`]+)`", cell)
    if match is None:
        return False, None
    try:
        return True, json.loads(match.group(1))
    except json.JSONDecodeError:
        return True, match.group(1)  # a bare string such as SecureBedrockHipaa


def test_the_table_is_parsed() -> None:
    assert len(DOCUMENTED) >= 30


def test_every_setting_of_cdk_json_is_documented() -> None:
    assert _paths(cdk_json_context()[CONTEXT_KEY]) - set(DOCUMENTED) == set()


@pytest.mark.parametrize("path", sorted(DOCUMENTED))
def test_every_stated_default_is_the_default(path: str) -> None:
    states, default = _stated_default(DOCUMENTED[path])
    if path == "models" or not states:
        pytest.skip(f"{path}: the table states no default value")
    # Giving the documented default explicitly changes nothing: the key is known, the value is the default.
    outer = path.partition(".")[0]
    base = {
        "models": MODELS,
        **({outer: REQUIRED_IN_BLOCK[outer]} if outer in REQUIRED_IN_BLOCK and "." in path else {}),
    }
    assert load_settings(_with(path, default)) == load_settings({CONTEXT_KEY: base}), path


# --- the upgrade guide ------------------------------------------------------------------------------


def _public_arguments() -> set[str]:
    from secure_bedrock.options import FLAT_ARGUMENTS

    # The landing zone's flat arguments are deprecated, not gone: the guide's table names them.
    names: set[str] = set(FLAT_ARGUMENTS)
    for name in secure_bedrock.__all__:
        item = getattr(secure_bedrock, name)
        target = item.__init__ if inspect.isclass(item) else item
        if callable(target):
            try:
                names |= set(inspect.signature(target).parameters)
            except (TypeError, ValueError):
                continue
        if inspect.isclass(item):  # classmethods such as GuardrailPolicy.hipaa
            for _, member in inspect.getmembers(item, inspect.ismethod):
                names |= set(inspect.signature(member).parameters)
    return names


def test_every_argument_the_upgrade_guide_names_exists() -> None:
    named = set(re.findall(r"`([a-z_]+)=", UPGRADING))
    assert named, "the guide names arguments"
    assert named - _public_arguments() == set()


def test_every_setting_the_upgrade_guide_names_is_documented() -> None:
    prefixes = ("network", "evidence", "guardrail", "monitoring", "budgets")
    named = set(re.findall(rf"`((?:{'|'.join(prefixes)})\.[a-z_]+)", UPGRADING))
    assert named, "the guide names settings"
    assert named - set(DOCUMENTED) == set()


def cfn_of(construct: IConstruct) -> CfnElement:
    """The recipe of docs/upgrading.md: follow default children down to the CloudFormation resource."""
    node: IConstruct = construct
    while not isinstance(node, CfnElement):
        child = node.node.default_child
        if child is None:
            raise ValueError(f"{node.node.path} has no default child")
        node = child
    return node


def test_the_recipe_for_pinning_a_logical_id_works_on_each_kind_of_construct() -> None:
    assert "def cfn_of(construct)" in UPGRADING, "the guide shows the recipe this test runs"
    app = App()
    stack = Stack(app, "Pinned", env=Environment(region="us-east-1"))
    isolated = ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    vpc = ec2.Vpc(stack, "Vpc", subnet_configuration=[isolated])
    key = kms.Key(stack, "Key")
    bucket = secure_bedrock.SecureLogBucket(stack, "Bucket", encryption_key=key)
    logging = secure_bedrock.ModelInvocationLogging(stack, "Logging", vpc=vpc)
    for construct, old_id in (
        (bucket, "OldBucket"),  # its default child is an L2 (s3.Bucket)
        (logging, "OldLogging"),  # a CustomResource (L2)
        (logging.handler, "OldHandler"),  # a HardenedFunction: a lambda_.Function (L2)
        (logging.log_group, "OldLogGroup"),  # an L2 itself
    ):
        cfn_of(construct).override_logical_id(old_id)
    template = app.synth().get_stack_by_name("Pinned").template
    assert {"OldBucket", "OldLogging", "OldHandler", "OldLogGroup"} <= set(template["Resources"])
