"""The invocation-logging handler under hostile sequences of CloudFormation events (issue 12).

moto stands in for Bedrock, S3, IAM and CloudWatch Logs (with Bedrock's own checks on Put added:
tests/logging_account.py); CloudFormation's response URL is recorded, never reached. Each numbered
sequence of the issue has a test named after it, with the documented outcome (docs/evidence.md,
"Who owns the logging setting"), and a stateful property test drives random interleavings.
"""

from __future__ import annotations

import json
import urllib.error

import pytest
from botocore.exceptions import ReadTimeoutError

from secure_bedrock.handlers import cfn_response
from secure_bedrock.handlers.invocation_logging import index
from tests.logging_account import REGION, STATE_PREFIX, Context, Stack, new_stack
from tests.response_stub import ResponseStub

# --- the basics ------------------------------------------------------------------------------------


def test_create_with_nothing_configured_then_delete_removes_it(world) -> None:
    account, _ = world
    a = new_stack(world, "StackA")
    answer = a.create()
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"] == {"Outcome": "claimed", "PreviousConfiguration": "none"}
    assert account.live()["s3Config"]["bucketName"] == a.bucket
    assert a.delete()["Data"] == {"Outcome": "deleted"}
    assert account.live() is None
    assert a.state() is None, "Delete removes its state"


def test_create_refuses_a_configuration_someone_else_set_and_says_how_to_proceed(world) -> None:
    account, _ = world
    theirs = account.destinations("theirs", landing_zone=False)
    account.set_out_of_band(theirs)
    answer = new_stack(world, "StackA").create()
    assert answer["Status"] == "FAILED"
    assert "already has a model invocation logging configuration in us-east-1" in answer["Reason"]
    assert "S3 bucket theirs" in answer["Reason"]
    assert "adopt_existing=True" in answer["Reason"]
    assert account.live() == theirs


def test_adopted_configuration_is_put_back_on_delete(world) -> None:
    account, _ = world
    theirs = account.destinations("theirs", landing_zone=False)
    account.set_out_of_band(theirs)
    a = new_stack(world, "StackA", adopt=True)
    assert a.create()["Data"] == {"Outcome": "adopted", "PreviousConfiguration": "saved"}
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == theirs


def test_replayed_create_keeps_what_was_there_first(world) -> None:
    account, _ = world
    theirs = account.destinations("theirs", landing_zone=False)
    account.set_out_of_band(theirs)
    a = new_stack(world, "StackA", adopt=True)
    first = a.create()
    replay = a.create()  # Lambda retries an invocation that timed out after the Put
    assert replay["Status"] == first["Status"] == "SUCCESS"
    assert replay["PhysicalResourceId"] == first["PhysicalResourceId"]
    a.delete()
    assert account.live() == theirs


def test_update_changes_data_types_and_keeps_the_physical_id(world) -> None:
    account, _ = world
    a = new_stack(world, "StackA")
    created = a.create()
    changed = {**a.config, "imageDataDeliveryEnabled": False}
    updated = a.update(changed)
    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert account.live()["imageDataDeliveryEnabled"] is False


# --- the numbered sequences -------------------------------------------------------------------------------


def test_sequence_1_putting_back_a_configuration_needs_its_role_and_destinations(world) -> None:
    account, _ = world
    theirs = account.destinations("theirs", landing_zone=False)  # delivers to CloudWatch with its own role
    account.set_out_of_band(theirs)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    # The handler may pass any role to Bedrock: putting U back works.
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == theirs

    # Without that permission, or with U's destinations gone, Bedrock refuses: the stack still deletes,
    # our configuration stays (delivering to the retained stores), and the reason says so.
    b = new_stack(world, "StackB", adopt=True)
    account.passable_roles = {b.config["cloudWatchConfig"]["roleArn"]}  # its own delivery role only
    b.create()
    answer = b.delete()
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Outcome": "left-in-place-restore-refused"}
    assert "putting back the configuration from before this landing zone" in answer["Reason"]
    assert answer["Reason"].endswith("(details in 2026/11/30/[$LATEST]0123456789abcdef)")
    assert account.live()["s3Config"]["bucketName"] == b.bucket

    # B's configuration is another landing zone's: a later landing zone refuses it even with adopt.
    account.passable_roles = None
    assert new_stack(world, "StackC", adopt=True).create(claim=False)["Status"] == "FAILED"

    # U's destinations deleted while D owns the setting: Bedrock refuses the put-back on Delete.
    elsewhere = account.destinations("elsewhere", landing_zone=False)
    account.set_out_of_band(elsewhere)
    d = new_stack(world, "StackD", adopt=True)
    assert d.create()["Status"] == "SUCCESS"
    account.remove_destinations(elsewhere)
    answer = d.delete()
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Outcome": "left-in-place-restore-refused"}
    assert account.live()["s3Config"]["bucketName"] == d.bucket


def test_sequence_2_a_second_landing_zone_is_refused_and_nothing_is_lost(world) -> None:
    account, _ = world
    original = account.destinations("original", landing_zone=False)
    account.set_out_of_band(original)
    a = new_stack(world, "StackA", adopt=True)
    assert a.create()["Status"] == "SUCCESS"
    b = new_stack(world, "StackB")
    # B's claim parameter already exists: CloudFormation stops B before its handler runs.
    writes = len(account.writes)
    assert "already exists" in b.create()["Reason"]
    assert len(account.writes) == writes
    # With the claim removed by hand, the handler refuses on its own.
    refused = b.create(claim=False)
    assert refused["Status"] == "FAILED"
    assert f"S3 bucket {a.bucket}" in refused["Reason"]
    assert b.delete()["Data"] == {"Outcome": "left-unchanged"}  # B's rollback touches nothing
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == original, "U is not lost"


def test_sequence_3_two_stacks_deploying_at_once(world) -> None:
    account, _ = world
    a, b = new_stack(world, "StackA"), new_stack(world, "StackB")
    # At the same time: CloudFormation creates one claim parameter and refuses the other.
    assert a.create()["Status"] == "SUCCESS"
    assert b.create()["Status"] == "FAILED"
    assert b.delete()["Data"] == {"Outcome": "left-unchanged"}
    assert a.delete()["Data"] == {"Outcome": "deleted"}
    # Without the claims, a write that lands between A's Put and A's check makes A fail, saying so,
    # rather than report logging on while another configuration is live.
    c, d = new_stack(world, "StackC"), new_stack(world, "StackD")
    account.bedrock.after_put = lambda: (
        setattr(account.bedrock, "after_put", None),
        account.set_out_of_band(d.config, who="StackD"),
    )
    answer = c.create(claim=False)
    assert answer["Status"] == "FAILED"
    assert "someone changed the logging configuration while this landing zone set it" in answer["Reason"]
    assert c.delete()["Data"] == {"Outcome": "left-unchanged"}, "C's rollback leaves D's configuration"
    assert account.live()["s3Config"]["bucketName"] == d.bucket


def test_sequence_4_missing_state_never_reads_as_nothing_was_there(world) -> None:
    account, _ = world
    original = account.destinations("original", landing_zone=False)
    account.set_out_of_band(original)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    key = index.state_key(STATE_PREFIX, {"StackId": a.stack_id, "LogicalResourceId": "InvocationLogging"})
    account.s3.delete_object(Bucket=a.bucket, Key=key)
    answer = a.delete()
    assert answer["Data"] == {"Outcome": "left-in-place-state-unknown"}
    assert "is not known" in answer["Reason"]
    assert account.live()["s3Config"]["bucketName"] == a.bucket, "logging stays on, into the retained stores"


def test_sequence_5_update_that_replaces_the_state_bucket_moves_the_state(world) -> None:
    account, _ = world
    original = account.destinations("original", landing_zone=False)
    account.set_out_of_band(original)
    a = new_stack(world, "StackA", adopt=True)
    a.create()
    old_bucket = a.bucket
    replacement = account.destinations("stacka-replaced")
    assert a.update(replacement)["Status"] == "SUCCESS"
    assert a.bucket == "stacka-replaced"
    assert a.state() is not None, "the state moved to the new bucket"
    key = index.state_key(STATE_PREFIX, {"StackId": a.stack_id, "LogicalResourceId": "InvocationLogging"})
    assert "Contents" not in account.s3.list_objects_v2(Bucket=old_bucket, Prefix=key)
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == original


def test_sequence_6_an_earlier_stacks_state_is_never_reused(world) -> None:
    account, _ = world
    earlier = new_stack(world, "StackA", guid="earlier")
    earlier.create()  # its stack deleted without the resource's Delete running (skipped by hand)
    account.claim = None  # its claim parameter went with its stack
    account.set_out_of_band(None)
    later = Stack(account, earlier.cloudformation, "StackA", earlier.config, guid="later")
    # Even a state object at the later stack's own key, written by another stack, is ignored.
    key = index.state_key(STATE_PREFIX, {"StackId": later.stack_id, "LogicalResourceId": "InvocationLogging"})
    stale = {"version": 1, "stackId": earlier.stack_id, "logicalResourceId": "InvocationLogging",
             "previous": None, "previousKnown": True, "adopted": False}  # fmt: skip
    account.s3.put_object(Bucket=later.bucket, Key=key, Body=json.dumps(stale).encode())
    answer = later.create()
    assert answer["Data"] == {"Outcome": "claimed", "PreviousConfiguration": "none"}
    assert later.state()["stackId"] == later.stack_id
    later.delete()
    assert later.state() is None, "Delete removes the state object"


def test_sequence_7_a_hanging_endpoint_still_gets_one_answer_before_the_deadline(world) -> None:
    account, cloudformation = world
    a = new_stack(world, "StackA")
    context = Context(seconds=60.0)

    per_call = cfn_response.Deadline(lambda: context.seconds).call_seconds()  # the clients' timeouts
    calls = []

    def hang(operation: str) -> None:
        # Each call hangs until its timeouts (connect plus read; no retries) have passed.
        calls.append(operation)
        context.seconds -= 2 * per_call
        raise ReadTimeoutError(endpoint_url=f"https://bedrock.{REGION}.amazonaws.com")

    account.bedrock.before_call = hang
    answer = a.send(a.event("Create"), context)
    assert answer["Status"] == "FAILED"
    assert context.seconds > cfn_response.SAFETY_MARGIN_SECONDS, "answered before the function's deadline"
    assert cloudformation.seconds_left_at_answer[-1] >= cfn_response.ANSWER_RESERVE_SECONDS - 2 * per_call

    answer = a.send(a.event("Delete", PhysicalResourceId="x"), Context(seconds=60.0))
    assert answer["Status"] == "SUCCESS", "the rollback's Delete never fails"
    assert answer["Data"] == {"Outcome": "left-as-it-was"}
    assert cloudformation.bodies == a.answers

    # Every call answers just before its timeout: each still starts only with a whole call's time and
    # the answer's reserve left, so the answer is never late, whatever the outcome.
    for seconds in (60.0, 40.0, 30.0):
        context = Context(seconds=seconds)
        timeouts = cfn_response.Deadline(lambda seconds=seconds: seconds).call_seconds()  # its clients

        def slow(operation: str, context: Context = context, timeouts: float = timeouts) -> None:
            context.seconds -= 2 * timeouts - 0.01

        account.bedrock.before_call = slow
        a.physical_id = None
        a.send(a.event("Create"), context)
        assert cloudformation.seconds_left_at_answer[-1] >= cfn_response.ANSWER_RESERVE_SECONDS, seconds


def test_sequence_7_client_timeouts_fit_the_remaining_time() -> None:
    clock = [60.0]
    deadline = cfn_response.Deadline(lambda: clock[0])
    assert deadline.call_seconds() <= (60.0 - cfn_response.ANSWER_RESERVE_SECONDS) / 8
    # Calls go on while a whole hung call (connect and read) still leaves the answer's reserve ...
    hung = 0
    while True:
        try:
            deadline.check("call")
        except cfn_response.DeadlineExceededError:
            break
        clock[0] -= 2 * deadline.call_seconds()
        hung += 1
    # ... so after any number of them, the reserve is still there.
    assert hung >= 4
    assert clock[0] >= cfn_response.ANSWER_RESERVE_SECONDS
    with pytest.raises(cfn_response.DeadlineExceededError):
        cfn_response.Deadline(lambda: cfn_response.ANSWER_RESERVE_SECONDS).check("set the configuration")


def test_sequence_8_bad_properties_fail_create_but_not_the_rollback_delete(world) -> None:
    account, _ = world
    original = account.destinations("original", landing_zone=False)
    account.set_out_of_band(original)
    a = new_stack(world, "StackA", adopt=True)
    bad = a.event("Create")
    bad["ResourceProperties"]["LoggingConfig"]["textDataDeliveryEnabled"] = "yes"
    answer = a.send(bad)
    assert answer["Status"] == "FAILED"
    assert "LoggingConfig.textDataDeliveryEnabled: 'yes' is not true or false" in answer["Reason"]
    rollback = a.event("Delete", PhysicalResourceId=answer["PhysicalResourceId"])
    rollback["ResourceProperties"] = bad["ResourceProperties"]
    assert a.send(rollback)["Status"] == "SUCCESS"
    assert account.live() == original


def test_sequence_9_fields_we_never_set_do_not_hide_our_configuration(world) -> None:
    account, _ = world
    a = new_stack(world, "StackA")
    a.create()
    account.bedrock.extra_fields = {"futureDataDeliveryEnabled": True, "someNewSetting": {"x": 1}}
    assert a.delete()["Data"] == {"Outcome": "deleted"}
    assert account.live() is None


@pytest.mark.parametrize(
    "failures",
    [
        [urllib.error.HTTPError("u", 403, "Forbidden", {}, None)],  # type: ignore[arg-type]
        [urllib.error.HTTPError("u", 500, "Internal", {}, None)],  # type: ignore[arg-type]
        [ConnectionResetError("reset"), ConnectionResetError("reset")],
    ],
)
def test_sequence_10_a_failed_response_put_is_retried(world, failures: list[Exception]) -> None:
    _, cloudformation = world
    cloudformation.fail_puts = list(failures)
    a = new_stack(world, "StackA")
    assert a.create()["Status"] == "SUCCESS"
    assert cloudformation.attempts == len(failures) + 1
    assert len(cloudformation.bodies) == 1


def test_sequence_10_through_http_a_500_then_a_200(world, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real opener against a local server standing in for the pre-signed URL.
    monkeypatch.setattr(cfn_response, "OPENER", cfn_response._default_opener)
    server = ResponseStub(statuses=[500, 403])
    try:
        a = new_stack(world, "StackA")
        index.handler(a.event("Create", ResponseURL=server.url), Context())
    finally:
        server.close()
    assert server.attempts == 3
    assert [body["Status"] for body in server.bodies] == ["SUCCESS"]


def test_sequence_11_an_event_without_its_ids_still_gets_an_answer(world) -> None:
    _, cloudformation = world
    a = new_stack(world, "StackA")
    for request_type in ("Create", "Delete"):
        request = a.event(request_type)
        del request["StackId"]
        del request["LogicalResourceId"]
        index.handler(request, Context())
    create, delete = cloudformation.bodies
    assert create["Status"] == "FAILED"
    assert "has no StackId" in create["Reason"]
    assert delete["Status"] == "SUCCESS"


def test_sequence_12_reasons_fit_and_switches_are_strict(world) -> None:
    account, _ = world
    theirs = account.destinations("theirs", landing_zone=False)
    account.set_out_of_band(theirs)
    a = new_stack(world, "StackA")
    long_failure = a.event("Create")
    long_failure["ResourceProperties"]["LoggingConfig"]["s3Config"]["keyPrefix"] = "é" * 3000
    answer = a.send(long_failure)  # refused: the reason repeats the live configuration, cut to fit
    assert answer["Status"] == "FAILED"
    assert len(json.dumps(answer, ensure_ascii=False).encode()) <= 4096
    assert answer["Reason"].endswith("(details in 2026/11/30/[$LATEST]0123456789abcdef)")
    assert index.flag("x", "FALSE") is False
    for value in ("1", "yes", 1, None):
        with pytest.raises(ValueError, match="is not true or false"):
            index.flag("x", value)


def test_the_shipped_bedrock_model_is_the_pinned_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    import gzip
    from pathlib import Path

    import botocore

    shipped = index.MODELS_DIR / "bedrock"
    pinned = Path(botocore.__file__).parent / "data" / "bedrock"
    versions = sorted(p.name for p in shipped.iterdir())
    assert versions == sorted(p.name for p in pinned.iterdir())
    for name in ("service-2.json.gz", "endpoint-rule-set-1.json.gz"):
        ours = gzip.decompress((shipped / versions[-1] / name).read_bytes())
        theirs = gzip.decompress((pinned / versions[-1] / name).read_bytes())
        assert ours == theirs, f"{name} differs from botocore's: run 'make handler-models' to refresh it"
    bedrock = index.clients(cfn_response.Deadline(lambda: 60.0))[0]
    # The client's model is the shipped copy (found first), not the runtime's.
    loader = bedrock._loader
    assert loader.load_data_with_path(f"bedrock/{versions[-1]}/service-2")[1].startswith(
        str(index.MODELS_DIR)
    )
    session_loader = bedrock
    members = (
        session_loader.meta.service_model.operation_model("PutModelInvocationLoggingConfiguration")
        .input_shape.members["loggingConfig"]
        .members
    )
    assert "audioDataDeliveryEnabled" in members


def test_create_and_update_write_the_first_drift_data_points(
    world, capsys: pytest.CaptureFixture[str]
) -> None:
    account, _ = world
    a = new_stack(world, "StackA")
    a.create()
    theirs = account.destinations("theirs", landing_zone=False)
    account.set_out_of_band(theirs)  # changed by hand: the next Update leaves it, and says so
    assert a.update({**a.config, "imageDataDeliveryEnabled": False})["Data"]["Outcome"] == "left-unchanged"
    a.delete()  # a Delete writes none: the drift alarm goes with the stack
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [(line["check"], line["drift"]) for line in lines] == [
        ("model-invocation-logging", 0),
        ("model-invocation-logging", 1),
    ]


def test_upgrade_from_the_earlier_state_format_keeps_what_came_before(world) -> None:
    # The earlier library kept {"previous", "stackId"} at StateBucket/StateKey; the first Update after the
    # upgrade moves it to the new place, and the Delete still puts back what was there first.
    account, _ = world
    theirs = account.destinations("theirs", landing_zone=False)
    a = new_stack(world, "StackA")
    account.set_out_of_band(a.config)  # what the earlier version's Create had put
    legacy_key = "secure-bedrock-state/invocation-logging/LogsResource1234.json"
    account.s3.put_object(
        Bucket=a.bucket, Key=legacy_key, Body=json.dumps({"previous": theirs, "stackId": a.stack_id})
    )
    a.physical_id = index.physical_resource_id(
        {"StackId": a.stack_id, "LogicalResourceId": "InvocationLogging"}
    )
    old_properties = {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:handler",
        "LoggingConfig": a.properties()["LoggingConfig"],
        "StateBucket": a.bucket,
        "StateKey": legacy_key,
    }
    updated = a.send(a.event("Update", OldResourceProperties=old_properties))
    assert updated["Status"] == "SUCCESS", updated.get("Reason")
    assert updated["Data"] == {"Outcome": "kept-claim", "PreviousConfiguration": "saved"}
    assert a.delete()["Data"] == {"Outcome": "restored-previous"}
    assert account.live() == theirs
