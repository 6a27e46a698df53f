"""The default-security-group handler against moto's EC2, and the CloudFormation answer both handlers share."""

from __future__ import annotations

import json
import urllib.error
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from secure_bedrock.handlers import cfn_response
from secure_bedrock.handlers.default_security_group import index
from tests.logging_account import REGION
from tests.response_stub import ResponseStub


@pytest.fixture
def ec2(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


@pytest.fixture
def cloudformation() -> Iterator[ResponseStub]:
    stub = ResponseStub()
    yield stub
    stub.close()


def default_group(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return str(group["GroupId"])


def rules(ec2: Any, group_id: str) -> tuple[list[Any], list[Any]]:
    (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
    return group["IpPermissions"], group["IpPermissionsEgress"]


class Context:
    log_stream_name = "2026/11/30/[$LATEST]abc"

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


def event(request_type: str, url: str, group_id: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:111122223333:stack/S/1",
        "RequestId": "r1",
        "LogicalResourceId": "Closer",
        "ResourceProperties": {"SecurityGroupId": group_id},
        **extra,
    }


def test_create_revokes_every_rule_and_delete_leaves_it_closed(
    ec2: Any, cloudformation: ResponseStub
) -> None:
    group = default_group(ec2)
    if not rules(ec2, group)[0]:  # moto's default group lacks AWS's self-referencing ingress rule
        ec2.authorize_security_group_ingress(
            GroupId=group, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}]
        )
    ingress, egress = rules(ec2, group)
    assert ingress
    assert egress
    index.handler(event("Create", cloudformation.url, group), Context())
    assert rules(ec2, group) == ([], [])
    (created,) = cloudformation.bodies
    assert created["Status"] == "SUCCESS"
    assert created["PhysicalResourceId"] == f"default-sg-{group}"
    # A replayed Create (CloudFormation retries) finds nothing left to revoke and succeeds.
    index.handler(event("Create", cloudformation.url, group), Context())
    assert cloudformation.bodies[-1]["Status"] == "SUCCESS"
    index.handler(
        event("Delete", cloudformation.url, group, PhysicalResourceId=f"default-sg-{group}"), Context()
    )
    assert rules(ec2, group) == ([], [])
    assert cloudformation.bodies[-1]["Data"] == {"Outcome": "left-closed"}


def test_an_opened_group_is_closed_again(ec2: Any, cloudformation: ResponseStub) -> None:
    group = default_group(ec2)
    index.handler(event("Create", cloudformation.url, group), Context())
    # Someone (or aws-cdk-lib's provider on its way out) puts AWS's default rules back.
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}]
    )
    ec2.authorize_security_group_egress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    index.handler({index.RECLOSE_KEY: group}, Context())
    assert rules(ec2, group) == ([], [])
    assert len(cloudformation.bodies) == 1, "the rule's invocation answers nobody"


def test_delete_of_a_group_that_is_gone_succeeds(ec2: Any, cloudformation: ResponseStub) -> None:
    index.handler(
        event("Delete", cloudformation.url, "sg-0123456789abcdef0", PhysicalResourceId="x"), Context()
    )
    (answer,) = cloudformation.bodies
    assert answer["Status"] == "SUCCESS"


def test_bad_properties_fail_create_but_never_the_rollback_delete(
    ec2: Any, cloudformation: ResponseStub
) -> None:
    index.handler(event("Create", cloudformation.url, "not-a-group"), Context())
    failed = cloudformation.bodies[-1]
    assert failed["Status"] == "FAILED"
    assert "SecurityGroupId" in failed["Reason"]
    assert failed["Reason"].endswith("(details in 2026/11/30/[$LATEST]abc)")
    index.handler(event("Delete", cloudformation.url, "not-a-group", PhysicalResourceId="x"), Context())
    assert cloudformation.bodies[-1]["Status"] == "SUCCESS"


# --- the answer to CloudFormation --------------------------------------------------------------------


def test_body_never_exceeds_4096_bytes_and_keeps_the_pointer() -> None:
    request = event("Create", "https://example.invalid", "sg-1")
    reason = "é" * 5000  # two bytes each
    body = cfn_response.body(
        request, "FAILED", "id", reason=reason, pointer="details in stream", data={"k": "v" * 5000}
    )
    assert len(body) <= cfn_response.MAX_BODY_BYTES
    document = json.loads(body)
    assert document["Reason"].endswith(" ... (details in stream)")
    assert document["Data"] == {}
    assert len(cfn_response.body(request, "SUCCESS", "id", data={"Outcome": "ok"})) < 400


def test_body_of_an_event_without_ids_still_answers() -> None:
    document = json.loads(cfn_response.body({"ResponseURL": "x"}, "FAILED", "id", reason="no StackId"))
    assert document["StackId"] == ""
    assert document["Status"] == "FAILED"


class FlakyOpener:
    """Fails ``failures`` times (403, 500, connection reset), then succeeds."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[float] = []

    def __call__(self, request: Any, timeout: float) -> Any:
        self.calls.append(timeout)
        if len(self.calls) <= self.failures:
            errors = [
                urllib.error.HTTPError(request.full_url, 403, "Forbidden", {}, None),  # type: ignore[arg-type]
                urllib.error.HTTPError(request.full_url, 500, "Internal", {}, None),  # type: ignore[arg-type]
                ConnectionResetError("reset"),
            ]
            raise errors[(len(self.calls) - 1) % 3]

        class Response:
            status = 200

            def __enter__(self) -> Response:
                return self

            def __exit__(self, *args: object) -> None:
                return None

        return Response()


def test_the_put_is_retried_with_backoff_until_taken() -> None:
    opener = FlakyOpener(failures=3)
    waits: list[float] = []
    taken = cfn_response.send(
        event("Create", "https://example.invalid/r", "sg-1"),
        "SUCCESS",
        "id",
        remaining_seconds=lambda: 50.0,
        opener=opener,
        sleep=waits.append,
    )
    assert taken
    assert len(opener.calls) == 4
    assert waits == [0.5, 1.0, 2.0]


def test_retries_stop_before_the_deadline() -> None:
    clock = {"left": 5.0}
    opener = FlakyOpener(failures=100)

    def sleep(seconds: float) -> None:
        clock["left"] -= seconds

    taken = cfn_response.send(
        event("Create", "https://example.invalid/r", "sg-1"),
        "SUCCESS",
        "id",
        remaining_seconds=lambda: clock["left"],
        opener=opener,
        sleep=sleep,
    )
    assert not taken
    assert clock["left"] >= cfn_response.SAFETY_MARGIN_SECONDS - 1e-9
    assert all(timeout <= 4.0 for timeout in opener.calls)


def test_an_event_without_a_response_url_is_logged_not_crashed() -> None:
    assert not cfn_response.send({"RequestType": "Create"}, "SUCCESS", "id", remaining_seconds=lambda: 10.0)


@pytest.mark.parametrize("seconds", [60.0, 30.0, 20.0])
def test_a_slow_ec2_endpoint_still_gets_one_answer_before_the_deadline(
    ec2: Any, cloudformation: ResponseStub, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> None:
    group = default_group(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group}]}]
    )
    context = Context(seconds)
    timeouts = cfn_response.Deadline(lambda: seconds).call_seconds()  # the handler's clients'

    class Slow:
        """moto's EC2, each call answering just before the client's timeouts (one attempt each)."""

        def __getattr__(self, name: str) -> Any:
            call = getattr(ec2, name)

            def slow(**kwargs: Any) -> Any:
                context.seconds -= 2 * timeouts - 0.01
                return call(**kwargs)

            return slow

    monkeypatch.setattr(index.boto3, "client", lambda *args, **kwargs: Slow())
    answered_with: list[float] = []
    send = cfn_response.send

    def recording_send(*args: Any, **kwargs: Any) -> bool:
        answered_with.append(context.seconds)
        return send(*args, **kwargs)

    monkeypatch.setattr(cfn_response, "send", recording_send)
    index.handler(event("Create", cloudformation.url, group), context)
    assert len(answered_with) == 1
    assert answered_with[0] >= cfn_response.ANSWER_RESERVE_SECONDS, answered_with
