"""The invocation-logging custom-resource handler against moto's emulated Bedrock and S3 APIs.

CloudFormation's answers go to a stub HTTP server on localhost, never to the internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import boto3
import pytest
from moto import mock_aws

from secure_bedrock.handlers.invocation_logging import index

REGION = "us-east-1"
BUCKET = "evidence-bucket"


class ResponseStub:
    """A localhost server that records the bodies CloudFormation would receive."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                length = int(self.headers["Content-Length"])
                stub.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/response"
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default) per test.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloudformation() -> Iterator[ResponseStub]:
    stub = ResponseStub()
    yield stub
    stub.close()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for variable, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(variable, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        yield {"bedrock": boto3.client("bedrock", region_name=REGION), "s3": s3}


def config(prefix: str = "bedrock", text: Any = "true", image: Any = "true") -> dict[str, Any]:
    # As CloudFormation delivers it: booleans arrive as strings.
    return {
        "s3Config": {"bucketName": BUCKET, "keyPrefix": prefix},
        "cloudWatchConfig": {
            "logGroupName": "/secure-bedrock/invocations",
            "roleArn": "arn:aws:iam::123456789012:role/delivery",
            "largeDataDeliveryS3Config": {"bucketName": BUCKET, "keyPrefix": f"{prefix}-large"},
        },
        "textDataDeliveryEnabled": text,
        "imageDataDeliveryEnabled": image,
        "embeddingDataDeliveryEnabled": "true",
        "videoDataDeliveryEnabled": "true",
        "audioDataDeliveryEnabled": "true",
    }


def event(request_type: str, url: str, logging_config: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/Test/guid",
        "RequestId": f"request-{request_type}",
        "LogicalResourceId": "InvocationLogging",
        "ResourceType": "Custom::BedrockModelInvocationLogging",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:handler",
            "LoggingConfig": logging_config,
            "StateBucket": BUCKET,
            "StateKey": "secure-bedrock-state/invocation-logging/Test.json",
        },
        **extra,
    }


def live(aws: dict[str, Any]) -> dict[str, Any] | None:
    return aws["bedrock"].get_model_invocation_logging_configuration().get("loggingConfig") or None


def run(request: dict[str, Any], stub: ResponseStub) -> dict[str, Any]:
    index.handler(request, None)
    return stub.bodies[-1]


def test_create_with_no_prior_configuration_then_delete_removes_it(aws, cloudformation) -> None:
    answer = run(event("Create", cloudformation.url, config()), cloudformation)
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"] == {"PreviousConfigurationSaved": "false"}
    assert live(aws)["textDataDeliveryEnabled"] is True
    assert live(aws)["s3Config"] == {"bucketName": BUCKET, "keyPrefix": "bedrock"}

    physical_id = answer["PhysicalResourceId"]
    answer = run(
        event("Delete", cloudformation.url, config(), PhysicalResourceId=physical_id), cloudformation
    )
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Outcome": "deleted"}
    assert live(aws) is None


def test_create_over_an_existing_configuration_and_delete_restores_it(aws, cloudformation) -> None:
    theirs = index.normalize(config(prefix="someone-else", image="false"))
    aws["bedrock"].put_model_invocation_logging_configuration(loggingConfig=theirs)

    answer = run(event("Create", cloudformation.url, config()), cloudformation)
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"PreviousConfigurationSaved": "true"}
    assert live(aws)["s3Config"]["keyPrefix"] == "bedrock"

    run(
        event("Delete", cloudformation.url, config(), PhysicalResourceId=answer["PhysicalResourceId"]),
        cloudformation,
    )
    assert cloudformation.bodies[-1]["Data"] == {"Outcome": "restored-previous"}
    assert index.normalize(live(aws)) == theirs


def test_update_changes_data_types_and_keeps_the_physical_id(aws, cloudformation) -> None:
    created = run(event("Create", cloudformation.url, config()), cloudformation)
    updated = run(
        event(
            "Update",
            cloudformation.url,
            config(image="false"),
            PhysicalResourceId=created["PhysicalResourceId"],
            OldResourceProperties={"LoggingConfig": config()},
        ),
        cloudformation,
    )
    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert live(aws)["imageDataDeliveryEnabled"] is False
    assert live(aws)["textDataDeliveryEnabled"] is True


def test_replayed_create_keeps_the_original_previous_configuration(aws, cloudformation) -> None:
    theirs = index.normalize(config(prefix="before"))
    aws["bedrock"].put_model_invocation_logging_configuration(loggingConfig=theirs)
    first = run(event("Create", cloudformation.url, config()), cloudformation)
    replay = run(event("Create", cloudformation.url, config()), cloudformation)
    assert replay == first
    run(
        event("Delete", cloudformation.url, config(), PhysicalResourceId=first["PhysicalResourceId"]),
        cloudformation,
    )
    assert index.normalize(live(aws)) == theirs


def test_delete_leaves_a_configuration_someone_else_set_since(aws, cloudformation) -> None:
    created = run(event("Create", cloudformation.url, config()), cloudformation)
    newer = index.normalize(config(prefix="another-stack"))
    aws["bedrock"].put_model_invocation_logging_configuration(loggingConfig=newer)
    answer = run(
        event("Delete", cloudformation.url, config(), PhysicalResourceId=created["PhysicalResourceId"]),
        cloudformation,
    )
    assert answer["Data"] == {"Outcome": "left-unchanged"}
    assert index.normalize(live(aws)) == newer


def test_failed_call_reports_failed_with_the_reason(aws, cloudformation) -> None:
    broken = event("Create", cloudformation.url, config())
    broken["ResourceProperties"]["StateBucket"] = "no-such-bucket"
    answer = run(broken, cloudformation)
    assert answer["Status"] == "FAILED"
    assert "NoSuchBucket" in answer["Reason"]
    assert answer["PhysicalResourceId"].startswith("bedrock-model-invocation-logging-")
    assert live(aws) is None


def test_invalid_configuration_reports_failed(aws, cloudformation) -> None:
    answer = run(event("Create", cloudformation.url, {}), cloudformation)
    assert answer["Status"] == "FAILED"
    assert "LoggingConfig is empty" in answer["Reason"]


def test_unknown_request_type_reports_failed(aws, cloudformation) -> None:
    answer = run(event("Resume", cloudformation.url, config()), cloudformation)
    assert answer["Status"] == "FAILED"
    assert "unknown RequestType 'Resume'" in answer["Reason"]


def test_normalize_turns_cloudformation_strings_into_api_booleans() -> None:
    normalized = index.normalize(config(text="false"))
    assert normalized["textDataDeliveryEnabled"] is False
    assert normalized["imageDataDeliveryEnabled"] is True
    assert index.normalize({}) is None


def test_fields_the_runtime_sdk_does_not_know_are_dropped_when_off_and_refused_when_on(aws) -> None:
    known = index.normalize(config())
    assert index.fit_to_client(aws["bedrock"], {**known, "futureDataDeliveryEnabled": False}) == known
    with pytest.raises(
        ValueError, match=r"does not support loggingConfig.futureDataDeliveryEnabled; turn it off"
    ):
        index.fit_to_client(aws["bedrock"], {**known, "futureDataDeliveryEnabled": True})
