"""CloudFormation custom resource: the account's Bedrock model invocation logging configuration.

Bedrock keeps **one** logging configuration per account and region, and CloudFormation has no
resource for it. This handler sets it for one landing zone, under an ownership model in which no
sequence of events loses anybody's configuration or leaves a stack unable to delete
(docs/evidence.md, "Who owns the logging setting"):

* **One owner.** The landing zone claims the setting with an SSM parameter of a fixed name, created
  by CloudFormation before this resource: a second landing zone in the account and region, deployed
  after or at the same time, fails at its claim and never reaches this handler.
* **Ours, recognized.** The live configuration is ours when it delivers to our bucket and our log
  group (the names are unique to the landing zone); nothing else of it is compared, so fields a newer
  API adds do not matter.
* **Nobody else's, without consent.** Create refuses a configuration someone else set (the reason
  says what it is and how to proceed) unless the resource says ``AdoptExisting``; adopted, it is saved
  and put back when the stack goes.
* **State** (what was there before, whether that is known) is one JSON object in the evidence bucket,
  under a prefix no lifecycle rule expires, at a key made from the stack's id (which carries a unique
  id), so no other stack reads it; it is saved before anything changes (a replayed Create finds it),
  moves with the bucket on an Update that replaces it, and is removed by Delete.
* **Delete never fails** (a DELETE_FAILED stack needs hand work): when the live configuration is
  not ours it is left alone; when what came before cannot be put back (its role or destinations are
  gone) or is not known, ours is left in place, delivering to the retained evidence stores, and the
  reason says so.
* **A deadline**: every AWS call has timeouts that fit the invocation's remaining time, and exactly one
  answer reaches CloudFormation before the function times out (:mod:`..cfn_response`).

The Bedrock client uses the ``bedrock`` service model shipped in this asset (``handlers/models``,
the version the library pins), so a Lambda runtime whose SDK predates a field still sends it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError

from .. import cfn_response
from ..cfn_response import Deadline, DeadlineExceededError

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
#: The pinned service models shipped in the asset (``handlers/models/bedrock/<version>/``).
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
STATE_VERSION = 1
#: The log groups the library creates for invocation logs (``encryption.log_group_name_for``).
LANDING_ZONE_LOG_GROUP = re.compile(r"^/secure-bedrock/[^/]+/model-invocations\Z")


class RefusedError(Exception):
    """Create or Update will not go on: the reason says what is configured and how to proceed."""


def clients(deadline: Deadline) -> tuple[Any, Any]:
    """The Bedrock (with the shipped service model) and S3 clients, with timeouts that fit the deadline."""
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(MODELS_DIR))
    config = deadline.client_config()
    aws = boto3.session.Session(botocore_session=session)
    return aws.client("bedrock", config=config), aws.client("s3", config=config)


def handler(event: dict[str, Any], context: Any) -> None:
    """Entry point: do the request, then always answer CloudFormation, exactly once."""
    remaining = cfn_response.remaining_seconds_of(context)
    deadline = Deadline(remaining)
    physical_id = str(event.get("PhysicalResourceId") or physical_resource_id(event))
    pointer = f"details in {getattr(context, 'log_stream_name', 'the function log group')}"
    try:
        bedrock, s3 = clients(deadline)
        physical_id, data, reason = dispatch(event, bedrock=bedrock, s3=s3, deadline=deadline)
    except Exception as error:
        LOGGER.exception("request %s failed", event.get("RequestType"))
        text = str(error) if isinstance(error, RefusedError) else f"{type(error).__name__}: {error}"
        cfn_response.send(
            event, "FAILED", physical_id, remaining_seconds=remaining, reason=text, pointer=pointer
        )
        return
    if event.get("RequestType") in ("Create", "Update"):
        # The first data point of the drift metric, before the drift alarm exists (it waits for this).
        left = data.get("Outcome") == "left-unchanged"
        report_drift(1 if left else 0, [reason] if left else [])
    cfn_response.send(
        event,
        "SUCCESS",
        physical_id,
        remaining_seconds=remaining,
        data=data,
        reason=reason,
        pointer=pointer if reason else "",
    )


#: What the drift lines say they are (the metric filter matches it).
DRIFT_CHECK = "model-invocation-logging"


def report_drift(drift: int, differences: list[str]) -> None:
    """Write the one JSON line the drift metric filter reads: ``drift`` 1 when the live configuration is
    not the landing zone's (or could not be read), 0 when it is."""
    print(json.dumps({"check": DRIFT_CHECK, "drift": drift, "differences": differences}), flush=True)


def physical_resource_id(event: Mapping[str, Any]) -> str:
    """Stable across updates, so CloudFormation never 'replaces' (and so deletes) the setting."""
    digest = hashlib.sha256(f"{event.get('StackId')}/{event.get('LogicalResourceId')}".encode()).hexdigest()[
        :16
    ]
    return f"bedrock-model-invocation-logging-{digest}"


# --- configurations ---------------------------------------------------------------------------------


def flag(path: str, value: Any) -> bool:
    """A data-type switch: a boolean, or the strings ``true``/``false`` CloudFormation sends."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{path}: {value!r} is not true or false")


def desired_configuration(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration the resource asks for, checked: destinations named, every switch a boolean."""
    raw = properties.get("LoggingConfig")
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"LoggingConfig: {raw!r} is not a logging configuration")
    config = _without_empty(dict(raw))
    for key in [key for key in config if key.endswith("DataDeliveryEnabled")]:
        config[key] = flag(f"LoggingConfig.{key}", config[key])
    for name in DATA_TYPE_FLAGS:
        config.setdefault(name, False)
    if marker(config) == (None, None):
        raise ValueError("LoggingConfig: names neither an S3 bucket nor a log group to deliver to")
    return config


def _without_empty(values: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            nested = _without_empty(value)
            if nested:
                result[key] = nested
        elif value not in (None, ""):
            result[key] = value
    return result


def marker(config: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    """Whose configuration this is: its S3 bucket and its log group (unique to a landing zone)."""
    if not isinstance(config, Mapping):
        return None, None
    s3 = config.get("s3Config")
    cloudwatch = config.get("cloudWatchConfig")
    bucket = s3.get("bucketName") if isinstance(s3, Mapping) else None
    group = cloudwatch.get("logGroupName") if isinstance(cloudwatch, Mapping) else None
    return (bucket if isinstance(bucket, str) else None, group if isinstance(group, str) else None)


def is_ours(live: Mapping[str, Any] | None, desired_marker: tuple[str | None, str | None]) -> bool:
    """Whether ``live`` delivers where this landing zone does."""
    return live is not None and desired_marker != (None, None) and marker(live) == desired_marker


def describe(config: Mapping[str, Any]) -> str:
    """A configuration in words, for reasons: where it delivers."""
    bucket, group = marker(config)
    parts = []
    if bucket:
        prefix = (config.get("s3Config") or {}).get("keyPrefix", "")
        parts.append(f"S3 bucket {bucket}" + (f" (prefix {prefix})" if prefix else ""))
    if group:
        role = (config.get("cloudWatchConfig") or {}).get("roleArn", "")
        parts.append(f"CloudWatch log group {group}" + (f" (role {role})" if role else ""))
    return " and ".join(parts) or "no destination"


def differences(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> list[str]:
    """How ``live`` departs from ``desired``, field by field of those ``desired`` sets (others are ignored:
    a field Bedrock adds later is no drift). Empty when ``live`` is exactly what the landing zone set."""
    if live is None:
        return ["no logging configuration is set"]
    found: list[str] = []

    def walk(path: str, want: Any, have: Any) -> None:
        if isinstance(want, Mapping):
            for key, value in want.items():
                walk(
                    f"{path}.{key}" if path else key,
                    value,
                    have.get(key) if isinstance(have, Mapping) else None,
                )
        elif want != have and not (want is False and have is None):
            found.append(f"{path} is {json.dumps(have)}, not {json.dumps(want)}")

    walk("", desired, live)
    return found


def fit_to_client(bedrock: Any, config: Mapping[str, Any]) -> dict[str, Any]:
    """Drop switched-off fields the client's service model does not know; refuse switched-on ones."""
    shape = bedrock.meta.service_model.operation_model("PutModelInvocationLoggingConfiguration").input_shape
    known = set(shape.members["loggingConfig"].members)
    fitted = {}
    for key, value in config.items():
        if key in known:
            fitted[key] = value
        elif value is not False:
            raise ValueError(
                f"loggingConfig.{key}: the shipped bedrock service model does not know it; update the library"
            )
    return fitted


def live_configuration(bedrock: Any, deadline: Deadline) -> dict[str, Any] | None:
    """The account's logging configuration in this region, or ``None``."""
    response = deadline.call(
        "read the logging configuration", bedrock.get_model_invocation_logging_configuration
    )
    config = response.get("loggingConfig")
    return _without_empty(config) if isinstance(config, Mapping) and config else None


def put(bedrock: Any, config: Mapping[str, Any], deadline: Deadline) -> None:
    deadline.call(
        "set the logging configuration",
        bedrock.put_model_invocation_logging_configuration,
        loggingConfig=fit_to_client(bedrock, config),
    )


# --- state ----------------------------------------------------------------------------------------------


def state_key(prefix: str, event: Mapping[str, Any]) -> str:
    """Where one resource's state lives: its stack's id carries a unique id, so no other stack's state
    (an earlier stack of the same name included) is ever at this key."""
    digest = hashlib.sha256(f"{event.get('StackId')}/{event.get('LogicalResourceId')}".encode()).hexdigest()
    return f"{prefix.rstrip('/')}/{digest}.json"


class StateStore:
    """One resource's state: one JSON object in a bucket."""

    def __init__(self, s3: Any, bucket: str, key: str, deadline: Deadline) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.key = key
        self.deadline = deadline

    def load(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        """The saved state of this very resource, or ``None`` (absent, unreadable, or another's)."""
        try:
            response = self.deadline.call(
                "read the saved state", self.s3.get_object, Bucket=self.bucket, Key=self.key
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NoSuchBucket"):
                return None
            raise
        try:
            state = json.loads(response["Body"].read())
        except ValueError:
            LOGGER.error("the state object %s/%s is not JSON; ignoring it", self.bucket, self.key)
            return None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            LOGGER.error("the state object %s/%s has an unknown form; ignoring it", self.bucket, self.key)
            return None
        if state.get("stackId") != event.get("StackId") or state.get("logicalResourceId") != event.get(
            "LogicalResourceId"
        ):
            LOGGER.error(
                "the state object %s/%s belongs to another resource; ignoring it", self.bucket, self.key
            )
            return None
        return state

    def save(self, state: Mapping[str, Any]) -> None:
        """Write the state (encrypted by the bucket's default KMS key)."""
        self.deadline.call(
            "save the state",
            self.s3.put_object,
            Bucket=self.bucket,
            Key=self.key,
            Body=json.dumps(state).encode(),
            ContentType="application/json",
        )

    def delete(self) -> None:
        self.deadline.call("remove the state", self.s3.delete_object, Bucket=self.bucket, Key=self.key)


def new_state(
    event: Mapping[str, Any], previous: Mapping[str, Any] | None, *, known: bool, adopted: bool
) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "stackId": event.get("StackId"),
        "logicalResourceId": event.get("LogicalResourceId"),
        "previous": dict(previous) if previous else None,
        "previousKnown": known,
        "adopted": adopted,
    }


# --- requests --------------------------------------------------------------------------------------------


def dispatch(
    event: dict[str, Any], *, bedrock: Any, s3: Any, deadline: Deadline
) -> tuple[str, dict[str, Any], str]:
    """Carry out one request; return the physical id, the response data and a reason (for SUCCESS)."""
    request_type = event.get("RequestType")
    if request_type == "Delete":
        return delete(event, bedrock=bedrock, s3=s3, deadline=deadline)
    if request_type not in ("Create", "Update"):
        raise ValueError(f"RequestType: {request_type!r} is not Create, Update or Delete")
    for field in ("StackId", "LogicalResourceId"):
        if not event.get(field):
            raise ValueError(f"the event has no {field}; it is not a CloudFormation request")
    properties = event.get("ResourceProperties") or {}
    desired = desired_configuration(properties)
    adopt = flag("AdoptExisting", properties.get("AdoptExisting", "false"))
    bucket, prefix = _state_location(properties)
    store = StateStore(s3, bucket, state_key(prefix, event), deadline)
    physical_id = str(event.get("PhysicalResourceId") or physical_resource_id(event))
    old_properties = (event.get("OldResourceProperties") or {}) if request_type == "Update" else {}
    state = store.load(event)
    if state is None and old_properties:
        state = _move_state(event, store, s3, deadline) or _legacy_state(event, old_properties, s3, deadline)
        if state is not None:
            store.save(state)
    # Ours: delivering where this resource does, or (on an Update) where it did before.
    markers = {marker(desired)}
    old_config = old_properties.get("LoggingConfig")
    if isinstance(old_config, Mapping) and marker(old_config) != (None, None):
        markers.add(marker(old_config))
    live = live_configuration(bedrock, deadline)
    live_is_ours = live is not None and marker(live) in markers
    foreign = live is not None and not live_is_ours

    if foreign and from_landing_zone(live):
        # Another landing zone's (its claim removed, or left in place when its stack went): adopting it
        # would have two landing zones put each other's configurations back. Never taken over.
        if request_type == "Create":
            raise RefusedError(_refusal_of_landing_zone(bedrock, live))
        return physical_id, {"Outcome": "left-unchanged", "PreviousConfiguration": "unknown"}, _left(live)
    if state is None:
        if foreign and not adopt:
            if request_type == "Create":
                raise RefusedError(_refusal(bedrock, live))
            # An Update never fails on this (its rollback would fail the same way and wedge the stack).
            return physical_id, {"Outcome": "left-unchanged", "PreviousConfiguration": "unknown"}, _left(live)
        state = new_state(event, live if foreign else None, known=not live_is_ours, adopted=foreign)
        outcome = "adopted" if foreign else "claimed-state-unknown" if live_is_ours else "claimed"
    elif foreign:
        # Changed outside the landing zone since it took the setting.
        if not adopt:
            if request_type == "Create":
                raise RefusedError(_refusal(bedrock, live))
            return (
                physical_id,
                {"Outcome": "left-unchanged", "PreviousConfiguration": _previous_label(state)},
                _left(live),
            )
        # What came before the landing zone stays what was saved: a hand change since is replaced
        # (adopt_existing consents to that) but never becomes the configuration to put back.
        LOGGER.warning("replacing a configuration changed by hand since: %s", json.dumps(live))
        outcome = "retaken"
    else:
        outcome = "kept-claim"
    store.save(state)  # before anything changes: a replayed Create finds what was there
    again = live_configuration(bedrock, deadline)
    if again is not None and marker(again) != marker(live) and marker(again) not in markers:
        # Changed since the read: what was saved as coming before would be wrong, adopted or not.
        raise RefusedError(
            f"the logging configuration changed while this landing zone was about to set it (now: {describe(again)}); "
            "nothing was changed. Deploy again when it settles"
        )
    put(bedrock, desired, deadline)
    after = live_configuration(bedrock, deadline)
    if not is_ours(after, marker(desired)):
        raise RuntimeError(
            f"someone changed the logging configuration while this landing zone set it (now: "
            f"{describe(after) if after else 'none'}); deploy again when it settles"
        )
    return physical_id, {"Outcome": outcome, "PreviousConfiguration": _previous_label(state)}, ""


def _refusal(bedrock: Any, live: Mapping[str, Any] | None) -> str:
    region = bedrock.meta.region_name
    return (
        f"the account already has a model invocation logging configuration in {region}, delivering to "
        f"{describe(live or {})}, set outside this landing zone. To keep it, do not deploy ModelInvocationLogging "
        "here; to let this landing zone replace it (and put it back when the stack is deleted), set "
        "adopt_existing=True (settings: evidence.adopt_existing_logging: true)"
    )


def _refusal_of_landing_zone(bedrock: Any, live: Mapping[str, Any] | None) -> str:
    region = bedrock.meta.region_name
    return (
        f"the model invocation logging configuration in {region} belongs to another secure-bedrock landing zone "
        f"(delivering to {describe(live or {})}); there is one per account and region. Delete that landing zone "
        "first; if it is gone and left its configuration in place, delete the configuration "
        f"(aws bedrock delete-model-invocation-logging-configuration --region {region}) and deploy again"
    )


def from_landing_zone(config: Mapping[str, Any] | None) -> bool:
    """Whether ``config`` is a secure-bedrock landing zone's (its log group's name says so)."""
    group = marker(config)[1]
    return bool(group and LANDING_ZONE_LOG_GROUP.match(group))


def _left(live: Mapping[str, Any] | None) -> str:
    return (
        f"the logging configuration was changed outside this landing zone (now {describe(live or {})}); left as it "
        "is, and the landing zone's tamper alarm fires. To put this landing zone's back, set adopt_existing=True "
        "and deploy"
    )


def _legacy_state(
    event: Mapping[str, Any], old_properties: Mapping[str, Any], s3: Any, deadline: Deadline
) -> dict[str, Any] | None:
    """The state an earlier version of the library kept (``StateBucket``/``StateKey``), converted."""
    bucket, key = old_properties.get("StateBucket"), old_properties.get("StateKey")
    if not isinstance(bucket, str) or not isinstance(key, str):
        return None
    try:
        body = deadline.call("read the earlier version's state", s3.get_object, Bucket=bucket, Key=key)[
            "Body"
        ].read()
        legacy = json.loads(body)
    except (ClientError, ValueError):
        return None
    if not isinstance(legacy, dict) or legacy.get("stackId") != event.get("StackId"):
        return None
    previous = legacy.get("previous")
    return new_state(
        event, previous if isinstance(previous, dict) else None, known=True, adopted=bool(previous)
    )


def _state_location(properties: Mapping[str, Any]) -> tuple[str, str]:
    """Where the state lives: ``StateBucket`` and ``StatePrefix``, or an earlier version's ``StateKey``,
    whose folder is the prefix (the properties of a rollback from an upgrade, sent to this code)."""
    bucket, prefix = properties.get("StateBucket"), properties.get("StatePrefix")
    legacy_key = properties.get("StateKey")
    if prefix is None and isinstance(legacy_key, str) and "/" in legacy_key:
        prefix = legacy_key.rsplit("/", 1)[0]
    if not isinstance(bucket, str) or not bucket or not isinstance(prefix, str) or not prefix:
        raise ValueError(
            f"StateBucket, StatePrefix: {bucket!r}, {prefix!r} do not name where the state lives"
        )
    return bucket, prefix


def _move_state(
    event: Mapping[str, Any], store: StateStore, s3: Any, deadline: Deadline
) -> dict[str, Any] | None:
    """On an Update that changed the state bucket or prefix, the state at its old location, moved."""
    old = event.get("OldResourceProperties") or {}
    try:
        old_bucket, old_prefix = _state_location(old)
    except ValueError:
        return None
    old_store = StateStore(s3, old_bucket, state_key(old_prefix, event), deadline)
    if (old_store.bucket, old_store.key) == (store.bucket, store.key):
        return None
    state = old_store.load(event)
    if state is not None:
        store.save(state)
        try:
            old_store.delete()
        except ClientError as error:
            LOGGER.warning("the state moved, but its old copy stayed: %s", error)
    return state


def _previous_label(state: Mapping[str, Any]) -> str:
    if not state.get("previousKnown"):
        return "unknown"
    return "saved" if state.get("previous") else "none"


def delete(
    event: dict[str, Any], *, bedrock: Any, s3: Any, deadline: Deadline
) -> tuple[str, dict[str, Any], str]:
    """Delete never fails: every path leaves a safe state and says which (SUCCESS with a reason)."""
    physical_id = str(event.get("PhysicalResourceId") or physical_resource_id(event))
    properties = event.get("ResourceProperties") or {}
    # No validation here: a Create that failed on bad properties is rolled back with the same ones.
    ours = marker(
        properties.get("LoggingConfig") if isinstance(properties.get("LoggingConfig"), Mapping) else None
    )
    store: StateStore | None = None
    try:
        bucket, prefix = _state_location(properties)
        store = StateStore(s3, bucket, state_key(prefix, event), deadline)
    except ValueError:
        store = None
    state: dict[str, Any] | None = None
    if store is not None:
        try:
            state = store.load(event)
        except (ClientError, BotoCoreError, DeadlineExceededError, OSError) as error:
            LOGGER.warning("could not read the state object: %s", error)  # then it is not known
    try:
        live = live_configuration(bedrock, deadline)
        if live is None or not is_ours(live, ours):
            outcome = "left-unchanged" if live else "nothing-set"
            reason = (
                ""
                if not live
                else f"the logging configuration ({describe(live)}) is not this landing zone's; left as it is"
            )
        else:
            outcome, reason = _give_back(bedrock, state, live, deadline)
    except (ClientError, BotoCoreError, DeadlineExceededError, OSError) as error:
        LOGGER.exception("delete could not finish")
        outcome = "left-as-it-was"
        reason = f"{type(error).__name__}: {error}; the logging configuration was left as it was"
    if store is not None:
        if outcome in ("deleted", "restored-previous") or (state is not None and not state.get("previous")):
            _forget(store)
        else:
            # What was there before the landing zone is not live again: its record stays with the evidence.
            where = f"s3://{store.bucket}/{store.key}"
            LOGGER.warning("keeping the state object %s", where)
            reason = (f"{reason}; " if reason else "") + (
                f"what was configured before this landing zone, if known, is kept at {where}"
            )
    return physical_id, {"Outcome": outcome}, reason


def _give_back(
    bedrock: Any, state: Mapping[str, Any] | None, live: Mapping[str, Any], deadline: Deadline
) -> tuple[str, str]:
    """Ours is live: put back what came before, or delete it, or (when neither is safe) leave it."""
    if state is None or not state.get("previousKnown"):
        return (
            "left-in-place-state-unknown",
            f"what was configured before this landing zone is not known (its state is missing); the configuration "
            f"({describe(live)}) stays, delivering to the retained evidence stores: delete or replace it by hand",
        )
    previous = state.get("previous")
    if not previous:
        deadline.call(
            "delete the logging configuration", bedrock.delete_model_invocation_logging_configuration
        )
        return "deleted", ""
    try:
        put(bedrock, previous, deadline)
    except ClientError as error:
        if cfn_response.is_transient(error):
            raise  # still failing after the retries that fit: left as it was, and said so
        LOGGER.error("could not put back the previous configuration %s: %s", json.dumps(previous), error)
        code = error.response.get("Error", {}).get("Code", "")
        return (
            "left-in-place-restore-refused",
            f"putting back the configuration from before this landing zone ({describe(previous)}) was refused "
            f"({code}: its role or destinations may be gone); this landing zone's configuration stays, delivering "
            "to the retained evidence stores. The previous configuration is in the function's log",
        )
    return "restored-previous", ""


def _forget(store: StateStore) -> None:
    """Remove the state object, best effort: the outcome is already decided, and a state object left
    behind is harmless (no other resource reads it)."""
    try:
        store.delete()
    except (ClientError, BotoCoreError, DeadlineExceededError, OSError) as error:
        LOGGER.warning("could not remove the state object: %s", error)
