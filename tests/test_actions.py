"""Every IAM action the library writes into a policy exists: the Service Authorization Reference's
action lists (as cfn-lint ships them), and for Bedrock also botocore's service models."""

import json
from pathlib import Path

import botocore.session
import cfnlint
import pytest

from secure_bedrock import actions

SESSION = botocore.session.get_session()
OPERATIONS = {
    operation
    for service in ("bedrock", "bedrock-runtime", "bedrock-agent-runtime")
    for operation in SESSION.get_service_model(service).operation_names
}
IAM_ACTIONS = {
    prefix: set(service["Actions"])
    for prefix, service in json.loads(
        (Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json").read_text()
    ).items()
}
ALL_ACTIONS = sorted(
    {action for name in dir(actions) if name.endswith("_ACTIONS") for action in getattr(actions, name)}
)


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_action_is_in_the_service_authorization_reference(action: str) -> None:
    prefix, name = action.split(":")
    assert name.lower() in IAM_ACTIONS.get(prefix, set()), f"{action} is not an IAM action of {prefix}"


@pytest.mark.parametrize("action", [a for a in ALL_ACTIONS if a.startswith("bedrock:")])
def test_bedrock_action_is_an_api_operation(action: str) -> None:
    assert action.split(":")[1] in OPERATIONS, f"{action} is not an operation of a Bedrock API"


def test_invoke_actions_cover_converse() -> None:
    # Converse is authorized by InvokeModel and ConverseStream by InvokeModelWithResponseStream:
    # there is no bedrock:Converse action to add.
    assert actions.INVOKE_ACTIONS == ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")


def test_model_management_never_overlaps_what_endpoints_allow() -> None:
    allowed = set(actions.CONTROL_PLANE_READ_ACTIONS) | set(actions.INVOKE_ACTIONS)
    assert not allowed & set(actions.MODEL_MANAGEMENT_ACTIONS)
    assert not set(actions.AGENT_RUNTIME_ACTIONS) & {
        "bedrock:RetrieveAndGenerate",
        "bedrock:InvokeInlineAgent",
        "bedrock:Rerank",
        "bedrock:GenerateQuery",
    }
