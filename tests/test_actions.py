"""Every IAM action the library writes into a policy is a real Bedrock operation (botocore's service models)."""

import botocore.session
import pytest

from secure_bedrock import actions

SESSION = botocore.session.get_session()
OPERATIONS = set(SESSION.get_service_model("bedrock").operation_names) | set(
    SESSION.get_service_model("bedrock-runtime").operation_names
)
ALL_ACTIONS = sorted(
    {action for name in dir(actions) if name.endswith("_ACTIONS") for action in getattr(actions, name)}
)


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_action_is_a_bedrock_operation(action: str) -> None:
    prefix, operation = action.split(":")
    assert prefix == "bedrock"
    assert operation in OPERATIONS, f"{action} is not an operation of the bedrock or bedrock-runtime API"


def test_invoke_actions_cover_converse() -> None:
    # Converse is authorized by InvokeModel and ConverseStream by InvokeModelWithResponseStream:
    # there is no bedrock:Converse action to add.
    assert actions.INVOKE_ACTIONS == ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")


def test_model_management_never_overlaps_what_endpoints_allow() -> None:
    allowed = set(actions.CONTROL_PLANE_READ_ACTIONS) | set(actions.INVOKE_ACTIONS)
    assert not allowed & set(actions.MODEL_MANAGEMENT_ACTIONS)
