"""Answering CloudFormation from a custom-resource handler: exactly once, within the deadline, within 4 KB.

CloudFormation waits for one PUT of a JSON document to the presigned ``ResponseURL``. If none
arrives, the stack waits for the custom resource's ``ServiceTimeout`` and then fails (a rollback
whose Delete gets no answer either ends in ROLLBACK_FAILED). So:

* the body never exceeds CloudFormation's 4,096 bytes: the reason is cut (UTF-8 aware) before the
  pointer to the log stream, which is always kept, and ``Data`` is dropped if it still does not fit;
* the PUT is retried with exponential backoff on any failure (connection errors, 5xx, 403), but
  never past the Lambda deadline;
* an event that lacks fields still gets an answer when it has a ``ResponseURL``;
* the AWS calls before it keep to a :class:`Deadline`: timeouts fixed from the remaining time, no
  retries, and a check before each call that a call hanging to its timeouts still leaves the reserve.

Only the standard library is used.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

LOGGER = logging.getLogger(__name__)

#: CloudFormation: "The total size of the response body can't exceed 4096 bytes."
MAX_BODY_BYTES = 4096
#: The longest a single PUT may take.
MAX_ATTEMPT_SECONDS = 10.0
#: First wait between attempts; doubled each time.
FIRST_BACKOFF_SECONDS = 0.5
#: Time kept back at the end of the invocation for logging and returning.
SAFETY_MARGIN_SECONDS = 1.0

Opener = Callable[[urllib.request.Request, float], Any]

#: Seconds kept back for answering CloudFormation after a handler's AWS calls.
ANSWER_RESERVE_SECONDS = 15.0
#: The longest connecting, or reading, may take in one AWS call.
MAX_CALL_SECONDS = 5.0
#: The most attempts :meth:`Deadline.call` makes of one call, however much time is left.
MAX_CALL_ATTEMPTS = 4


class DeadlineExceededError(Exception):
    """Not enough time left in the invocation to make another AWS call and still answer."""


class Deadline:
    """The invocation's remaining time, and the timeouts of each AWS call, fixed when the clients are made.

    A call that hangs costs at most ``2 * per_call`` (connecting, then reading; the clients make one
    attempt). Before each call :meth:`check` makes sure that much time, and the reserve for answering,
    are left, so any number of hung calls still leaves the answer its time.
    """

    def __init__(self, remaining: Callable[[], float], reserve: float = ANSWER_RESERVE_SECONDS) -> None:
        self.remaining = remaining
        self.reserve = reserve
        self.per_call = max(1.0, min(MAX_CALL_SECONDS, (remaining() - reserve) / 8))

    def check(self, what: str) -> None:
        """Raise :class:`DeadlineExceededError` when ``what`` could hang past the time kept for answering."""
        if self.remaining() - self.reserve < 2 * self.per_call:
            raise DeadlineExceededError(f"no time left to {what} before the function's deadline")

    def call_seconds(self) -> float:
        """How long connecting, and then reading, may each take in one AWS call."""
        return self.per_call

    def call(self, what: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
        """``operation(**kwargs)``, retried with backoff on throttling, server errors and timeouts for as
        long as another attempt still fits (at most :data:`MAX_CALL_ATTEMPTS` in all); any other error, or
        the last transient one, is raised."""
        wait = FIRST_BACKOFF_SECONDS
        for attempt in range(1, MAX_CALL_ATTEMPTS + 1):
            self.check(what)
            try:
                return operation(**kwargs)
            except Exception as error:
                if not is_transient(error) or attempt == MAX_CALL_ATTEMPTS:
                    raise
                if self.remaining() - self.reserve - wait < 2 * self.per_call:
                    raise
                LOGGER.warning("%s: %s; trying again in %.1f s", what, error, wait)
                SLEEP(wait)
                wait = min(wait * 2, 4.0)
        raise DeadlineExceededError(f"{what}: no attempt left")  # not reached: the last attempt raises

    def client_config(self) -> Any:
        """The botocore ``Config`` of such clients: these timeouts, one attempt."""
        from botocore.config import Config  # the handlers' runtime has botocore; this module needs none

        return Config(
            connect_timeout=self.per_call, read_timeout=self.per_call, retries={"total_max_attempts": 1}
        )


#: Error codes of AWS calls that may succeed when tried again.
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)


def is_transient(error: BaseException) -> bool:
    """Whether an AWS call that raised ``error`` may succeed when tried again: throttling, a 5xx, or a
    connection that failed or timed out. Refusals (validation, access) are not."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return details.get("Code") in TRANSIENT_CODES or (isinstance(status, int) and status >= 500)
    return isinstance(error, (ConnectionError, HTTPClientError))


def _default_opener(request: urllib.request.Request, timeout: float) -> Any:
    return urllib.request.urlopen(request, timeout=timeout)


def body(
    event: Mapping[str, Any],
    status: str,
    physical_id: str,
    *,
    reason: str = "",
    pointer: str = "",
    data: Mapping[str, Any] | None = None,
) -> bytes:
    """The response document, at most 4,096 bytes.

    :param reason: why (required by CloudFormation for FAILED); cut to fit, before ``pointer``.
    :param pointer: where the details are (e.g. the log stream), always kept whole.
    """
    suffix = f" ({pointer})" if pointer else ""
    document: dict[str, Any] = {
        "Status": status,
        "Reason": "",
        "PhysicalResourceId": physical_id,
        "StackId": str(event.get("StackId", "")),
        "RequestId": str(event.get("RequestId", "")),
        "LogicalResourceId": str(event.get("LogicalResourceId", "")),
        "NoEcho": False,
        "Data": dict(data or {}),
    }
    text = (reason or status).strip() or status

    def encoded(reason_text: str) -> bytes:
        document["Reason"] = reason_text + suffix
        return json.dumps(document, ensure_ascii=False).encode()

    result = encoded(text)
    if len(result) > MAX_BODY_BYTES and document["Data"]:
        document["Data"] = {}
        result = encoded(text)
    if len(result) <= MAX_BODY_BYTES:
        return result
    # The longest prefix of the reason that fits, marked as cut (binary search over its length).
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if len(encoded(text[:middle] + " ...")) <= MAX_BODY_BYTES:
            low = middle
        else:
            high = middle - 1
    return encoded(text[:low] + " ...")


#: How the response is PUT, and how the backoff waits (tests replace them).
OPENER: Opener = _default_opener
SLEEP: Callable[[float], None] = time.sleep


def send(
    event: Mapping[str, Any],
    status: str,
    physical_id: str,
    *,
    remaining_seconds: Callable[[], float],
    reason: str = "",
    pointer: str = "",
    data: Mapping[str, Any] | None = None,
    opener: Opener | None = None,
    sleep: Callable[[float], None] | None = None,
) -> bool:
    """PUT the response to the event's ``ResponseURL``, retrying until it is taken or time runs out.

    :param remaining_seconds: the time left in this invocation (from the Lambda context).
    :returns: whether CloudFormation took the response (HTTP 2xx).
    """
    opener = opener or OPENER
    sleep = sleep or SLEEP
    url = event.get("ResponseURL")
    if not isinstance(url, str) or not url:
        LOGGER.error("the event has no ResponseURL: nobody can be answered (%s)", sorted(event))
        return False
    payload = body(event, status, physical_id, reason=reason, pointer=pointer, data=data)
    backoff = FIRST_BACKOFF_SECONDS
    attempt = 0
    while True:
        attempt += 1
        budget = remaining_seconds() - SAFETY_MARGIN_SECONDS
        if budget <= 0:
            LOGGER.error("no time left to answer CloudFormation (attempt %d)", attempt)
            return False
        request = urllib.request.Request(
            url, data=payload, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(payload))}
        )
        try:
            with opener(request, min(MAX_ATTEMPT_SECONDS, budget)) as response:
                LOGGER.info(
                    "CloudFormation response %s: HTTP %s (attempt %d)", status, response.status, attempt
                )
                return True
        except Exception as error:
            # HTTPException, ...) is tried again: an exception leaving the handler would make Lambda replay
            # the whole request.
            LOGGER.warning(
                "CloudFormation response attempt %d failed: %s: %s", attempt, type(error).__name__, error
            )
        wait = min(backoff, remaining_seconds() - SAFETY_MARGIN_SECONDS)
        if wait <= 0:
            LOGGER.error("no time left to retry the CloudFormation response")
            return False
        sleep(wait)
        backoff *= 2


def remaining_seconds_of(context: Any, *, default: float = 60.0) -> Callable[[], float]:
    """The time left in the invocation, from a Lambda context (or ``default`` seconds without one)."""
    method = getattr(context, "get_remaining_time_in_millis", None)
    if callable(method):
        return lambda: float(method()) / 1000.0
    deadline = time.monotonic() + default
    return lambda: deadline - time.monotonic()
