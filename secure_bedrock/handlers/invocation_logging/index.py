"""CloudFormation custom resource: the account's Bedrock model invocation logging configuration.

Bedrock keeps one logging configuration per account and region, and CloudFormation has no
resource for it. This handler sets it on Create and Update and, on Delete, puts back whatever was
configured before the stack took over (or deletes it if nothing was), but only if the setting is
still the one this resource made: a configuration someone else has since put in place is left alone.

The configuration found at Create is saved as a small JSON object in the evidence bucket before
anything changes, so a replayed Create cannot mistake our own configuration for the previous one.

The handler always answers CloudFormation (FAILED with the reason on any error), through the
presigned response URL, which an isolated subnet reaches through the S3 gateway endpoint
(:mod:`..cfn_response`). Only the standard library and the boto3 of the Lambda runtime are used.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import boto3
from botocore.exceptions import ClientError

from .. import cfn_response

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)

#: The data-type switches of ``loggingConfig``; CloudFormation passes booleans as strings.
DATA_TYPE_FLAGS = (
    "textDataDeliveryEnabled",
    "imageDataDeliveryEnabled",
    "embeddingDataDeliveryEnabled",
    "videoDataDeliveryEnabled",
    "audioDataDeliveryEnabled",
)


def handler(event: dict[str, Any], context: Any) -> None:
    """Entry point: do the request, then always report to CloudFormation."""
    remaining = cfn_response.remaining_seconds_of(context)
    physical_id = str(event.get("PhysicalResourceId") or physical_resource_id(event))
    pointer = f"details in {getattr(context, 'log_stream_name', 'the function log group')}"
    try:
        physical_id, data = dispatch(event, bedrock=boto3.client("bedrock"), s3=boto3.client("s3"))
    except Exception as error:
        LOGGER.exception("request %s failed", event.get("RequestType"))
        cfn_response.send(
            event,
            "FAILED",
            physical_id,
            remaining_seconds=remaining,
            reason=f"{type(error).__name__}: {error}",
            pointer=pointer,
        )
        return
    cfn_response.send(event, "SUCCESS", physical_id, remaining_seconds=remaining, data=data)


def physical_resource_id(event: dict[str, Any]) -> str:
    """Stable across updates, so CloudFormation never 'replaces' (and so deletes) the setting."""
    digest = hashlib.sha256(f"{event.get('StackId')}/{event.get('LogicalResourceId')}".encode()).hexdigest()[
        :16
    ]
    return f"bedrock-model-invocation-logging-{digest}"


def normalize(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """A logging configuration in API form: booleans as booleans, empty values dropped."""
    if not config:
        return None
    result = _without_empty(config)
    for flag in DATA_TYPE_FLAGS:
        value = result.get(flag, False)
        result[flag] = value if isinstance(value, bool) else str(value).lower() == "true"
    return result


def _without_empty(values: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            nested = _without_empty(value)
            if nested:
                result[key] = nested
        elif value not in (None, ""):
            result[key] = value
    return result


def fit_to_client(bedrock: Any, config: dict[str, Any]) -> dict[str, Any]:
    """Drop switched-off fields the runtime's boto3 does not know yet; refuse switched-on ones.

    The Lambda runtime's SDK can lag the API (audio logging came late in 2025): asking it to send a
    field it does not know fails validation, so an unknown field that is off is simply left out.
    """
    shape = bedrock.meta.service_model.operation_model("PutModelInvocationLoggingConfiguration").input_shape
    known = set(shape.members["loggingConfig"].members)
    fitted = {}
    for key, value in config.items():
        if key in known:
            fitted[key] = value
        elif value is not False:
            raise ValueError(
                f"this Lambda runtime's boto3 does not support loggingConfig.{key}; turn it off or use a newer runtime"
            )
    return fitted


def current_configuration(bedrock: Any) -> dict[str, Any] | None:
    """The account's logging configuration in this region, or ``None``."""
    response = bedrock.get_model_invocation_logging_configuration()
    return normalize(response.get("loggingConfig"))


class StateStore:
    """The configuration found at Create, kept as one JSON object in the evidence bucket."""

    def __init__(self, s3: Any, bucket: str, key: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = key

    def load(self) -> dict[str, Any] | None:
        """The saved state, or ``None`` if nothing was saved."""
        try:
            response = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        state: dict[str, Any] = json.loads(response["Body"].read())
        return state

    def save(self, state: dict[str, Any]) -> None:
        """Write the state (encrypted by the bucket's default KMS key)."""
        self.s3.put_object(
            Bucket=self.bucket, Key=self.key, Body=json.dumps(state).encode(), ContentType="application/json"
        )


def dispatch(event: dict[str, Any], *, bedrock: Any, s3: Any) -> tuple[str, dict[str, Any]]:
    """Carry out one Create, Update or Delete; return the physical id and the response data."""
    request_type = event["RequestType"]
    properties = event["ResourceProperties"]
    desired = normalize(properties["LoggingConfig"])
    if desired is None:
        raise ValueError("LoggingConfig is empty")
    state = StateStore(s3, properties["StateBucket"], properties["StateKey"])
    physical_id = physical_resource_id(event)

    if request_type == "Create":
        saved = state.load()
        if saved is None:
            # Save before changing anything: a replay then finds the original, not our own setting.
            previous = current_configuration(bedrock)
            saved = {
                "previous": previous,
                "stackId": event["StackId"],
                "logicalResourceId": event["LogicalResourceId"],
            }
            state.save(saved)
        bedrock.put_model_invocation_logging_configuration(loggingConfig=fit_to_client(bedrock, desired))
        return physical_id, {"PreviousConfigurationSaved": "true" if saved["previous"] else "false"}

    if request_type == "Update":
        # Keep the physical id of the Create: a new one would make CloudFormation delete the old.
        bedrock.put_model_invocation_logging_configuration(loggingConfig=fit_to_client(bedrock, desired))
        return event["PhysicalResourceId"], {}

    if request_type == "Delete":
        physical_id = event["PhysicalResourceId"]
        current = current_configuration(bedrock)
        if current != desired:
            LOGGER.info("logging configuration was changed by someone else since; leaving it as it is")
            return physical_id, {"Outcome": "left-unchanged"}
        saved = state.load()
        previous = normalize(saved.get("previous")) if saved else None
        if previous:
            bedrock.put_model_invocation_logging_configuration(loggingConfig=fit_to_client(bedrock, previous))
            return physical_id, {"Outcome": "restored-previous"}
        bedrock.delete_model_invocation_logging_configuration()
        return physical_id, {"Outcome": "deleted"}

    raise ValueError(f"unknown RequestType {request_type!r}")
