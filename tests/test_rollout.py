"""The rollout (issue 17): one CDK stage per member account and region, and the generated workflow that
deploys the log archive, the organization stack and every stage, each with its account's own role."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from aws_cdk import App, Stage

from stacks.app import build_app, cdk_json_context
from stacks.documents.rollout import render_rollout_workflow
from stacks.member_stage import MemberAccountStage
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings
from tests.test_ci_workflow import WORKFLOW_SCHEMA, actionlint

ROLLOUT_PATH = "docs/examples/ci/rollout.yml"


def _block(**organization: Any) -> dict[str, Any]:
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["organization"].update(organization)
    return block


def _workflow(text: str) -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(text)
    loaded["on"] = loaded.pop(True)
    return loaded


@pytest.fixture(scope="module")
def rollout() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parents[1] / ROLLOUT_PATH).read_text()


def test_every_member_account_and_region_is_a_stage_of_the_baseline(reference_app: Any) -> None:
    app, _ = reference_app
    stages = [child for child in app.node.children if isinstance(child, Stage)]
    members = cdk_json_context()[CONTEXT_KEY]["organization"]["members"]
    assert sorted(stage.node.id for stage in stages) == sorted(
        f"Member-{m['account']}-{region}" for m in members for region in m["regions"]
    )
    for stage in stages:
        assert isinstance(stage, MemberAccountStage)
        assert stage.member_account == stage.node.id.split("-")[1]
        assert stage.stack.landing_zone.replication is not None  # its evidence goes to the archive


def test_stages_grow_with_the_members_and_regions() -> None:
    block = _block(
        members=[
            {"account": "555566667777", "regions": ["us-east-1", "us-west-2"]},
            {"account": "666677778888", "regions": ["us-east-1"]},
        ]
    )
    app, _ = build_app(context={**cdk_json_context(), CONTEXT_KEY: block}, compliance=False)
    assert sorted(c.node.id for c in app.node.children if isinstance(c, Stage)) == [
        "Member-555566667777-us-east-1",
        "Member-555566667777-us-west-2",
        "Member-666677778888-us-east-1",
    ]
    workflow = _workflow(render_rollout_workflow(load_settings({CONTEXT_KEY: block})))
    include = workflow["jobs"]["members"]["strategy"]["matrix"]["include"]
    assert [entry["stage"] for entry in include] == [
        "Member-555566667777-us-east-1",
        "Member-555566667777-us-west-2",
        "Member-666677778888-us-east-1",
    ]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([{"account": "5555", "regions": ["us-east-1"]}], r"members\[0\]\.account: '5555' is not a 12-digit"),
        (
            [{"account": "555566667777", "regions": []}],
            r"members\[0\]\.regions: \[\] must be a non-empty list",
        ),
        (
            [{"account": "555566667777", "regions": ["eu-west-1"]}],
            r"members\[0\]\.regions\[0\]: eu-west-1 is outside",
        ),
        ([{"account": "555566667777"}], r"members\[0\]\.regions: \[\] must be a non-empty list"),
        ([{"account": "555566667777", "regions": ["us-east-1", "us-east-1"]}], r"names a region twice"),
    ],
)
def test_a_wrong_member_is_named(members: list[Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({CONTEXT_KEY: _block(members=members)})


def test_the_workflow_is_generated_from_the_settings(rollout: str) -> None:
    settings = load_settings({CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY]})
    assert rollout == render_rollout_workflow(settings)


def test_the_workflow_passes_actionlint_and_the_schema(rollout: str) -> None:
    import json

    from jsonschema import Draft7Validator

    assert actionlint(rollout, "rollout.yml") == []
    schema = json.loads(WORKFLOW_SCHEMA.read_text())
    assert [e.message for e in Draft7Validator(schema).iter_errors(_workflow(rollout))] == []


def test_the_workflow_deploys_in_order_each_account_with_its_own_role(rollout: str) -> None:
    jobs = _workflow(rollout)["jobs"]
    assert list(jobs) == ["synth", "log-archive", "organization", "stacksets", "members"]
    assert jobs["organization"]["needs"] == ["synth", "log-archive"]
    assert jobs["stacksets"]["needs"] == ["synth", "log-archive", "organization"]
    assert jobs["members"]["needs"] == ["synth", "log-archive", "organization"]
    # The StackSets stack deploys with its asset stacks (its dependencies): not --exclusively.
    (stacksets,) = [s for s in jobs["stacksets"]["steps"] if s.get("name", "").startswith("Deploy")]
    assert '"SecureBedrockStackSets" --app cdk.out --require-approval' in stacksets["run"]
    block = cdk_json_context()[CONTEXT_KEY]["organization"]
    for job, account in (
        ("log-archive", block["log_archive"]["account"]),
        ("organization", block["account"]),
        ("stacksets", block["account"]),
    ):
        credentials = [s for s in jobs[job]["steps"] if "configure-aws-credentials" in s.get("uses", "")]
        assert (
            credentials[0]["with"]["role-to-assume"] == f"arn:aws:iam::{account}:role/secure-bedrock-deploy"
        )
    members = jobs["members"]
    assert members["strategy"]["fail-fast"] is False
    (deploy,) = [s for s in members["steps"] if s.get("name", "").startswith("Deploy")]
    assert '"${{ matrix.stage }}/*" --app cdk.out --exclusively' in deploy["run"]


def test_a_stage_is_a_member_baseline_of_its_own_account() -> None:
    settings = load_settings({CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY]})
    stage = MemberAccountStage(
        App(), "Member-999988887777-us-east-1", settings=settings, account="999988887777", region="us-east-1"
    )
    assert stage.member_account == "999988887777"
    assert stage.stack.region == "us-east-1"
    # Account-agnostic (no lookup at synth): the deploy job's role puts it in the member account.
    assert stage.stack.resolve(stage.stack.account) == {"Ref": "AWS::AccountId"}


def test_no_stack_of_the_app_needs_a_lookup_in_aws(reference_assembly: Any) -> None:
    # A context lookup (availability zones of an account-specific stack, say) makes `cdk synth` call AWS,
    # which an offline synth cannot: every assembly of the app, the stages' included, lists none missing.
    import json
    from pathlib import Path

    manifests = sorted(Path(reference_assembly.directory).glob("**/manifest.json"))
    assert len(manifests) >= 2  # the app's and each stage's
    for manifest in manifests:
        assert json.loads(manifest.read_text()).get("missing") is None, manifest
