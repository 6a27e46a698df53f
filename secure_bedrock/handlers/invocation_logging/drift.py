"""Scheduled drift check: is the account's logging configuration still the one this landing zone set?

An EventBridge schedule invokes it with the configuration the landing zone set (``{"expected": ...}``,
the rule's constant input). It reads the live configuration (it may only Get) and writes one JSON
line to its log, ``{"check": "model-invocation-logging", "drift": 0 | 1, ...}``; a metric filter
turns the line into the ``InvocationLoggingConfigurationDrift`` metric, alarmed when the value is 1
or when the lines stop (missing data breaches). A check that cannot read the configuration reports
drift: evidence that cannot be verified is treated as lost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .. import cfn_response
from . import index

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)


def check(bedrock: Any, expected: Mapping[str, Any], deadline: cfn_response.Deadline) -> dict[str, Any]:
    """The check's result: ``drift`` (0 or 1) and the ``differences`` found."""
    try:
        live = index.live_configuration(bedrock, deadline)
    except Exception as error:  # any failure to read is reported, never raised
        return {
            "drift": 1,
            "differences": [f"could not read the configuration: {type(error).__name__}: {error}"],
        }
    found = index.differences(expected, live)
    return {"drift": 1 if found else 0, "differences": found}


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Entry point (EventBridge schedule). Writes the result line the metric filter reads."""
    deadline = cfn_response.Deadline(cfn_response.remaining_seconds_of(context))
    try:
        expected = index.desired_configuration({"LoggingConfig": event.get("expected")})
        bedrock, _ = index.clients(deadline)
        result = check(bedrock, expected, deadline)
    except Exception as error:  # the line must be written whatever happens
        LOGGER.exception("the drift check could not run")
        result = {"drift": 1, "differences": [f"the check could not run: {type(error).__name__}: {error}"]}
    index.report_drift(result["drift"], result["differences"])
    return result
