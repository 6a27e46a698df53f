"""The invocation-logging handler against faults a hostile review found (issue 12, findings F1-F9).

Each test is a sequence that lost, or misreported, someone's configuration before its fix: consent to
adopt that outlived what it was given for, a throttle that ended a restore, a timeout that made a
finished Delete say nothing happened, an answer lost to an HTTP exception, an upgrade's rollback sent to
this code with the earlier properties, a change made between our read and our write, and an event
delivered after CloudFormation stopped waiting. The same world as test_invocation_logging_handler.py.
"""

from __future__ import annotations

import http.client
from typing import Any

import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ReadTimeoutError

from secure_bedrock.handlers import cfn_response
from secure_bedrock.handlers.invocation_logging import index
from tests.logging_account import STATE_PREFIX, Account, client_error, new_stack

PUT = "PutModelInvocationLoggingConfiguration"
GET = "GetModelInvocationLoggingConfiguration"


def _foreign(account: Account, name: str) -> dict[str, Any]:
    return account.destinations(name, landing_zone=False)


def _fail(account: Account, operation: str, error: Exception, times: int) -> list[str]:
    """Make the next ``times`` calls of ``operation`` raise ``error``; returns every call made."""
    calls: list[str] = []
    left = [times]

    def before(called: str) -> None:
        calls.append(called)
        if called == operation and left[0] > 0:
            left[0] -= 1
            raise error

    account.bedrock.before_call = before
    return calls


def test_f1_consent_to_adopt_covers_what_was_there_not_every_later_hand_change(world) -> None:
    account, _ = world
    first = _foreign(account, "first")
    account.set_out_of_band(first, "the first owner")
    a = new_stack(world, "StackA", adopt=True)
    assert a.create()["Data"]["Outcome"] == "adopted"
    account.set_out_of_band(_foreign(account, "hand"), "someone by hand")
    answer = a.update(dict(a.config, videoDataDeliveryEnabled=False))
    assert answer["Data"] == {"Outcome": "retaken", "PreviousConfiguration": "saved"}
    assert a.state()["previous"] == first, "the hand change never becomes what is put back"
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == first


def test_f2_a_throttled_restore_is_tried_again_within_the_deadline(world) -> None:
    account, _ = world
    first = _foreign(account, "first")
    account.set_out_of_band(first)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    calls = _fail(account, PUT, client_error("ThrottlingException", "Rate exceeded", PUT), times=1)
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert calls.count(PUT) == 2
    assert account.live() == first
    assert a.state() is None


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException", "Rate exceeded", GET),
        ReadTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com"),
    ],
    ids=["throttled", "timed out"],
)
def test_f2_a_read_that_keeps_failing_leaves_everything_and_keeps_the_record(world, error: Exception) -> None:
    account, _ = world
    first = _foreign(account, "first")
    account.set_out_of_band(first)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    calls = _fail(account, GET, error, times=cfn_response.MAX_CALL_ATTEMPTS)
    answer = a.delete()
    assert answer["Status"] == "SUCCESS", "a Delete never fails"
    assert answer["Data"] == {"Outcome": "left-as-it-was"}
    assert calls.count(GET) == cfn_response.MAX_CALL_ATTEMPTS
    assert a.state()["previous"] == first, "what came before is kept with the evidence"
    assert f"s3://{a.bucket}/{STATE_PREFIX}/" in answer["Reason"]


def test_f2_a_refused_restore_keeps_the_record_and_says_where(world) -> None:
    account, _ = world
    first = _foreign(account, "first")
    account.set_out_of_band(first)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    calls = _fail(account, PUT, client_error("ValidationException", "role cannot be assumed", PUT), times=9)
    answer = a.delete()
    assert answer["Data"] == {"Outcome": "left-in-place-restore-refused"}
    assert calls.count(PUT) == 1, "a refusal is not tried again"
    assert a.state()["previous"] == first
    assert f"s3://{a.bucket}/{STATE_PREFIX}/" in answer["Reason"]


def test_f3_a_finished_delete_says_so_even_when_the_state_cannot_be_removed(world, monkeypatch) -> None:
    account, _ = world
    a = new_stack(world, "StackA")
    a.create()

    class UnreachableDelete:
        def __getattr__(self, name: str) -> Any:
            return getattr(account.s3, name)

        def delete_object(self, **_: Any) -> Any:
            raise ReadTimeoutError(endpoint_url="https://s3.us-east-1.amazonaws.com")

    monkeypatch.setattr(index, "clients", lambda deadline: (account.bedrock, UnreachableDelete()))
    assert a.delete()["Data"] == {"Outcome": "deleted"}
    assert account.live() is None


@pytest.mark.parametrize(
    "failure",
    [http.client.BadStatusLine("garbage"), http.client.IncompleteRead(b""), RuntimeError("anything")],
    ids=lambda failure: type(failure).__name__,
)
def test_f5_any_failure_of_the_response_put_is_tried_again(world, failure: Exception) -> None:
    _, cloudformation = world
    a = new_stack(world, "StackA")
    cloudformation.fail_puts = [failure]
    answer = a.send(a.event("Create"))  # the handler returns; exactly one answer was taken
    assert answer["Status"] == "SUCCESS"
    assert cloudformation.attempts == 2


def test_f6_an_upgrades_rollback_with_the_earlier_properties_succeeds(world) -> None:
    account, _ = world
    first = _foreign(account, "first")
    account.set_out_of_band(first)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    new = a.properties()
    earlier = {key: value for key, value in new.items() if key not in ("StatePrefix", "AdoptExisting")}
    earlier["StateKey"] = f"{STATE_PREFIX}/InvocationLoggingResource1234.json"
    rollback = a.send(a.event("Update", ResourceProperties=earlier, OldResourceProperties=new))
    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert a.state()["previous"] == first, "the state is where the earlier properties point"
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == first


def test_f9_a_change_between_our_read_and_our_write_is_not_overwritten(world, monkeypatch) -> None:
    account, _ = world
    a = new_stack(world, "StackA", adopt=True)
    someone = _foreign(account, "someone")
    real_save = index.StateStore.save

    def save_then_someone_sets_theirs(store: index.StateStore, state: Any) -> None:
        real_save(store, state)
        if account.live() is None:
            account.set_out_of_band(someone, "someone, at that moment")

    monkeypatch.setattr(index.StateStore, "save", save_then_someone_sets_theirs)
    answer = a.send(a.event("Create"))
    assert answer["Status"] == "FAILED"
    assert "changed while this landing zone was about to set it" in answer["Reason"]
    assert account.live() == someone
    monkeypatch.setattr(index.StateStore, "save", real_save)
    rollback = a.send(a.event("Delete", PhysicalResourceId=answer["PhysicalResourceId"]))
    assert rollback["Data"] == {"Outcome": "left-unchanged"}
    assert account.live() == someone


def test_f4_an_event_cloudformation_stopped_waiting_for_is_never_delivered(
    reference_template: Template,
) -> None:
    handlers = {
        logical_id
        for logical_id, resource in reference_template.to_json()["Resources"].items()
        if resource["Type"].startswith("Custom::")
        for logical_id in [resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    }
    configs = reference_template.find_resources("AWS::Lambda::EventInvokeConfig")
    configured = {
        config["Properties"]["FunctionName"]["Ref"]: config["Properties"] for config in configs.values()
    }
    assert len(handlers) == 2, handlers  # the logging setting and the closed default security group
    assert handlers <= set(configured)
    for function in handlers:
        # CloudFormation waits five minutes (ServiceTimeout); Lambda drops the event a minute before.
        assert configured[function]["MaximumEventAgeInSeconds"] == 240, function
        assert configured[function]["MaximumRetryAttempts"] == 0, function


def test_f4_a_timeout_too_short_for_any_event_is_refused() -> None:
    from aws_cdk import App, Duration, Stack
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_kms as kms

    from secure_bedrock.functions import HardenedFunction, library_handler

    stack_ = Stack(App(), "S")
    isolated = ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    code, exclude, entry = library_handler("invocation_logging")
    function = HardenedFunction(
        stack_,
        "F",
        code_path=code,
        code_exclude=exclude,
        handler=entry,
        description="a custom resource's handler",
        vpc=ec2.Vpc(stack_, "V", subnet_configuration=[isolated]),
        encryption_key=kms.Key(stack_, "K"),
        statements=[],
    )
    with pytest.raises(ValueError, match=r"service_timeout: 1 minute .* at least Duration.minutes\(2\)"):
        function.answer_custom_resource(Duration.minutes(1))
