"""Argument checks shared by the constructs.

Every check raises ``ValueError`` whose message names the argument, shows the value and says how
to fix it, before any CloudFormation resource is created. Values that are unresolved CDK tokens
are skipped: they are only known at deploy time.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any, TypeVar

from aws_cdk import Token

T = TypeVar("T")

#: An IAM principal ARN accepted in endpoint and resource policies: an account root, a role,
#: an assumed-role session or a user.
PRINCIPAL_ARN_PATTERN = re.compile(
    r"^arn:aws(-[a-z]+)*:(iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)"
    r"|sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$"
)
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


def is_token(value: object) -> bool:
    """True when ``value`` is a string or number that CDK resolves only at deploy time."""
    return isinstance(value, str | int | float) and not isinstance(value, bool) and Token.is_unresolved(value)


def require_type(argument: str, value: Any, expected: type[T] | tuple[type, ...], what: str) -> T:
    """Return ``value`` if it is an instance of ``expected``, else raise naming ``argument``."""
    if not isinstance(value, expected) or (isinstance(value, bool) and expected in (int, float)):
        raise TypeError(f"{argument} must be {what}, got {value!r} ({type(value).__name__})")
    return value  # type: ignore[return-value]


def require_non_empty(argument: str, values: Sequence[T], fix: str) -> Sequence[T]:
    """Raise unless ``values`` is a non-string sequence with at least one element."""
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TypeError(f"{argument} must be a list, got {values!r} ({type(values).__name__})")
    if len(values) == 0:
        raise ValueError(f"{argument} must not be empty: {fix}")
    return values


def require_unique(argument: str, values: Sequence[object], key: str = "") -> None:
    """Raise naming the index of the first element that repeats an earlier one."""
    seen: dict[object, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(
                f"{argument}[{index}]: {value!r} repeats {argument}[{seen[value]}]{key}; list each value once"
            )
        seen[value] = index


def require_principal_arn(argument: str, value: str) -> str:
    """Return ``value`` if it is an IAM principal ARN (account root, role, user, assumed role)."""
    require_type(argument, value, str, "an IAM principal ARN string")
    if is_token(value):
        return value
    if not PRINCIPAL_ARN_PATTERN.match(value):
        raise ValueError(
            f"{argument}: {value!r} is not an IAM principal ARN; use an account root "
            "('arn:aws:iam::111122223333:root') or a role ARN ('arn:aws:iam::111122223333:role/app')"
        )
    return value


def require_cidr(argument: str, value: str) -> str:
    """Return ``value`` if it is an IPv4 or IPv6 network in CIDR form that is not the whole internet."""
    require_type(argument, value, str, "a CIDR string such as '10.0.0.0/16'")
    if is_token(value):
        return value
    if "/" not in value:
        raise ValueError(f"{argument}: {value!r} is not a CIDR; add the prefix length, e.g. '{value}/32'")
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(
            f"{argument}: {value!r} is not a CIDR ({error}); use a form like '10.0.0.0/16'"
        ) from None
    if network.prefixlen == 0:
        raise ValueError(
            f"{argument}: {value!r} opens the endpoints to every address; name the client subnets or security groups"
        )
    return value


def require_region(argument: str, value: str) -> str:
    """Return ``value`` if it looks like an AWS region name such as ``us-east-1``."""
    require_type(argument, value, str, "an AWS region name such as 'us-east-1'")
    if is_token(value):
        return value
    if not REGION_PATTERN.match(value):
        raise ValueError(f"{argument}: {value!r} is not an AWS region name; use a name such as 'us-east-1'")
    return value


def require_int_range(argument: str, value: int, low: int, high: int, fix: str = "") -> int:
    """Return ``value`` if it is an integer in ``[low, high]``."""
    require_type(argument, value, int, "an integer")
    if is_token(value):
        return value
    if not low <= value <= high:
        hint = f"; {fix}" if fix else ""
        raise ValueError(f"{argument} must be between {low} and {high}, got {value}{hint}")
    return value
