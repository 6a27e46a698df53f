"""An emulated account for the invocation-logging handler: moto's Bedrock, S3, IAM and CloudWatch Logs,
with Bedrock's documented checks on Put that moto leaves out, and CloudFormation's side of the exchange.

Bedrock validates a logging configuration when it is put: its S3 buckets and log group must exist,
and the caller must be allowed to pass its role to Bedrock (``iam:PassRole``). moto stores whatever
it is given, so :class:`CheckingBedrock` adds those checks (and lets a test make the endpoint hang,
fail or refuse); :class:`Stack` drives one stack's resource through CloudFormation's events and
records every answer it gets.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import ClientError

from secure_bedrock.handlers.invocation_logging import index

REGION = "us-east-1"
ACCOUNT = "123456789012"
STATE_PREFIX = "secure-bedrock-state/invocation-logging"


@functools.cache
def raw_client(service: str) -> Any:
    """One boto3 client per service for the whole run: moto intercepts calls whenever a mock is active,
    and making a client costs ~70 ms (most of a stateful example's time if done per example)."""
    return boto3.client(service, region_name=REGION)


def client_error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class CheckingBedrock:
    """moto's Bedrock client with the checks Bedrock makes on Put, and failure switches for tests."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.inner = raw_client("bedrock")
        self.meta = self.inner.meta
        self.fail_next: list[Exception] = []
        self.before_call: Callable[[str], None] | None = None
        self.after_put: Callable[[], Any] | None = None
        self.extra_fields: dict[str, Any] = {}

    def _before(self, operation: str) -> None:
        if self.before_call is not None:
            self.before_call(operation)
        if self.fail_next:
            raise self.fail_next.pop(0)

    def get_model_invocation_logging_configuration(self) -> dict[str, Any]:
        self._before("GetModelInvocationLoggingConfiguration")
        response = dict(self.inner.get_model_invocation_logging_configuration())
        if response.get("loggingConfig") and self.extra_fields:
            # A newer service (or SDK) returns fields this library never set.
            response["loggingConfig"] = {**response["loggingConfig"], **self.extra_fields}
        return response

    def put_model_invocation_logging_configuration(self, *, loggingConfig: dict[str, Any]) -> dict[str, Any]:  # noqa: N803
        self._before("PutModelInvocationLoggingConfiguration")
        operation = "PutModelInvocationLoggingConfiguration"
        for bucket in self.account.buckets_of(loggingConfig):
            if bucket not in self.account.existing_buckets():
                raise client_error("ValidationException", f"S3 bucket {bucket} does not exist", operation)
        cloudwatch = loggingConfig.get("cloudWatchConfig") or {}
        if cloudwatch:
            if cloudwatch.get("logGroupName") not in self.account.existing_log_groups():
                raise client_error("ValidationException", "the log group does not exist", operation)
            role = cloudwatch.get("roleArn", "")
            if role not in self.account.existing_roles():
                raise client_error("ValidationException", f"role {role} does not exist", operation)
            if not self.account.handler_may_pass(role):
                raise client_error(
                    "AccessDeniedException", f"not authorized to perform iam:PassRole on {role}", operation
                )
        self.account.writes.append(("handler", json.dumps(loggingConfig, sort_keys=True)))
        response = dict(self.inner.put_model_invocation_logging_configuration(loggingConfig=loggingConfig))
        if self.after_put is not None:
            self.after_put()
        return response

    def delete_model_invocation_logging_configuration(self) -> dict[str, Any]:
        self._before("DeleteModelInvocationLoggingConfiguration")
        self.account.writes.append(("handler", "delete"))
        return dict(self.inner.delete_model_invocation_logging_configuration())


@dataclass
class Account:
    """One account and region as the handler sees it (inside ``moto.mock_aws``)."""

    claim: str | None = None
    """The stack whose claim parameter exists (CloudFormation creates it before the handler runs)."""
    passable_roles: set[str] | None = None
    """The roles the handler may pass to Bedrock: ``None``, any (the library's policy); else these only."""
    writes: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.s3 = raw_client("s3")
        self.iam = raw_client("iam")
        self.logs = raw_client("logs")
        self.bedrock = CheckingBedrock(self)

    # --- the world -------------------------------------------------------------------------------

    def destinations(self, name: str, *, landing_zone: bool = True) -> dict[str, Any]:
        """Create a bucket, a log group and a delivery role named after ``name``; return a configuration.

        :param landing_zone: name the log group as the library does; else as someone else would.
        """
        self.s3.create_bucket(Bucket=name)
        group = f"/secure-bedrock/{name}/model-invocations" if landing_zone else f"/aws/bedrock/{name}"
        self.logs.create_log_group(logGroupName=group)
        role = self.iam.create_role(RoleName=f"{name}-delivery", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        return {
            "s3Config": {"bucketName": name, "keyPrefix": "bedrock"},
            "cloudWatchConfig": {
                "logGroupName": group,
                "roleArn": role,
                "largeDataDeliveryS3Config": {"bucketName": name, "keyPrefix": "bedrock-large-data"},
            },
            "textDataDeliveryEnabled": True,
            "imageDataDeliveryEnabled": True,
            "embeddingDataDeliveryEnabled": True,
            "videoDataDeliveryEnabled": True,
            "audioDataDeliveryEnabled": True,
        }

    def remove_destinations(self, config: dict[str, Any]) -> None:
        """What a deleted stack takes with it (in these tests: everything, the worst case)."""
        for bucket in set(self.buckets_of(config)):
            for version in self.s3.list_object_versions(Bucket=bucket).get("Versions", []):
                self.s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
            self.s3.delete_bucket(Bucket=bucket)
        cloudwatch = config.get("cloudWatchConfig") or {}
        if cloudwatch:
            self.logs.delete_log_group(logGroupName=cloudwatch["logGroupName"])
            self.iam.delete_role(RoleName=cloudwatch["roleArn"].rsplit("/", 1)[1])

    def set_out_of_band(self, config: dict[str, Any] | None, who: str = "someone") -> None:
        """A person or tool changing the setting directly (not through a landing zone)."""
        if config is None:
            self.bedrock.inner.delete_model_invocation_logging_configuration()
        else:
            self.bedrock.inner.put_model_invocation_logging_configuration(loggingConfig=config)
        self.writes.append((who, json.dumps(config, sort_keys=True) if config else "delete"))

    def live(self) -> dict[str, Any] | None:
        config = self.bedrock.inner.get_model_invocation_logging_configuration().get("loggingConfig")
        return config or None

    @staticmethod
    def buckets_of(config: dict[str, Any]) -> Iterator[str]:
        if config.get("s3Config"):
            yield config["s3Config"]["bucketName"]
        large = (config.get("cloudWatchConfig") or {}).get("largeDataDeliveryS3Config")
        if large:
            yield large["bucketName"]

    def existing_buckets(self) -> set[str]:
        return {b["Name"] for b in self.s3.list_buckets()["Buckets"]}

    def existing_log_groups(self) -> set[str]:
        return {g["logGroupName"] for g in self.logs.describe_log_groups()["logGroups"]}

    def existing_roles(self) -> set[str]:
        return {r["Arn"] for r in self.iam.list_roles()["Roles"]}

    def handler_may_pass(self, role: str) -> bool:
        return self.passable_roles is None or role in self.passable_roles


class CloudFormation:
    """CloudFormation's side of the response URL: records every answer; can fail the first PUTs."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail_puts: list[Exception] = []
        self.attempts = 0
        self.clock: Context | None = None
        """The invocation being answered (a test's clock): each answer records the time it had left."""
        self.seconds_left_at_answer: list[float] = []

    def opener(self, request: Any, timeout: float) -> Any:
        self.attempts += 1
        if self.clock is not None:
            self.seconds_left_at_answer.append(self.clock.seconds)
        if self.fail_puts:
            raise self.fail_puts.pop(0)
        body = json.loads(request.data)
        assert len(request.data) <= 4096, len(request.data)
        self.bodies.append(body)

        class Response:
            status = 200

            def __enter__(self) -> Response:
                return self

            def __exit__(self, *args: object) -> None:
                return None

        return Response()


class Context:
    """A Lambda context: the log stream, and the remaining time (a clock tests can move)."""

    log_stream_name = "2026/11/30/[$LATEST]0123456789abcdef"

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


@dataclass
class Stack:
    """One stack with one ModelInvocationLogging resource, driven through CloudFormation's events."""

    account: Account
    cloudformation: CloudFormation
    name: str
    config: dict[str, Any]
    adopt: bool = False
    guid: str = "0001"
    answers: list[dict[str, Any]] = field(default_factory=list)
    physical_id: str | None = None

    @property
    def stack_id(self) -> str:
        return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{self.name}/{self.guid}"

    @property
    def bucket(self) -> str:
        return str(self.config["s3Config"]["bucketName"])

    def properties(self, config: dict[str, Any] | None = None, bucket: str | None = None) -> dict[str, Any]:
        flags = {
            k: ("true" if v else "false") if isinstance(v, bool) else v
            for k, v in (config or self.config).items()
        }
        return {
            "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:handler",
            "LoggingConfig": flags,
            # The construct keeps its state in its log bucket.
            "StateBucket": bucket or (config or self.config)["s3Config"]["bucketName"],
            "StatePrefix": STATE_PREFIX,
            "AdoptExisting": "true" if self.adopt else "false",
        }

    def event(self, request_type: str, **extra: Any) -> dict[str, Any]:
        request: dict[str, Any] = {
            "RequestType": request_type,
            "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "StackId": self.stack_id,
            "RequestId": hashlib.sha256(
                f"{self.stack_id}{request_type}{len(self.answers)}".encode()
            ).hexdigest(),
            "LogicalResourceId": "InvocationLogging",
            "ResourceType": "Custom::BedrockModelInvocationLogging",
            "ResourceProperties": self.properties(),
        }
        if self.physical_id and request_type != "Create":
            request["PhysicalResourceId"] = self.physical_id
        request.update(extra)
        return request

    def send(self, request: dict[str, Any], context: Context | None = None) -> dict[str, Any]:
        """Invoke the handler as Lambda would; return the one answer CloudFormation got."""
        context = context or Context()
        self.cloudformation.clock = context
        try:
            index.handler(request, context)
        finally:
            self.cloudformation.clock = None
        got = [
            body for body in self.cloudformation.bodies if body["RequestId"] == request.get("RequestId", "")
        ]
        assert len(got) == 1, f"{len(got)} answers to one event"
        answer = got[0]
        self.answers.append(answer)
        if answer["Status"] == "SUCCESS" and request["RequestType"] == "Create":
            self.physical_id = answer["PhysicalResourceId"]
        return answer

    def create(self, *, claim: bool = True, **extra: Any) -> dict[str, Any]:
        """CloudFormation's Create: first the claim parameter (refused if another stack holds it, and then
        the handler never runs), then the custom resource. ``claim=False``: the claim was removed by hand."""
        if claim:
            if self.account.claim not in (None, self.stack_id):
                answer = {
                    "Status": "FAILED",
                    "Reason": "/secure-bedrock/model-invocation-logging/owner already exists",
                }
                self.answers.append(answer)
                return answer
            self.account.claim = self.stack_id
        return self.send(self.event("Create", **extra))

    def delete(self, **extra: Any) -> dict[str, Any]:
        """CloudFormation's Delete: the custom resource, then the claim parameter."""
        answer = self.send(self.event("Delete", **extra))
        if self.account.claim == self.stack_id:
            self.account.claim = None
        return answer

    def update(self, config: dict[str, Any], bucket: str | None = None, **extra: Any) -> dict[str, Any]:
        old = self.properties()
        new = self.properties(config, bucket)
        answer = self.send(self.event("Update", ResourceProperties=new, OldResourceProperties=old, **extra))
        if answer["Status"] == "SUCCESS":
            self.config = config
        return answer

    def state(self) -> dict[str, Any] | None:
        key = index.state_key(
            STATE_PREFIX, {"StackId": self.stack_id, "LogicalResourceId": "InvocationLogging"}
        )
        try:
            body = self.account.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError:
            return None
        state: dict[str, Any] = json.loads(body)
        return state


def new_stack(world: tuple[Account, CloudFormation], name: str, **options: Any) -> Stack:
    """A stack named ``name`` in the world's account, logging to destinations of its own."""
    account, cloudformation = world
    return Stack(account, cloudformation, name, account.destinations(name.lower()), **options)
