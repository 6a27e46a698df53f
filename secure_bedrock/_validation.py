"""Argument checks shared by the constructs.

Every check raises ``ValueError`` whose message names the argument, shows the value and says how
to fix it, before any CloudFormation resource is created. Values that are unresolved CDK tokens
are skipped: they are only known at deploy time.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from aws_cdk import RemovalPolicy, Stack, Token, Tokenization
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

T = TypeVar("T")

# The patterns end in \Z, not $ (which also matches before a trailing newline), and are ASCII-only
# (\d and \w would otherwise match other scripts' digits and letters, which AWS rejects).

#: An IAM principal ARN accepted in endpoint and resource policies: an account root, a role,
#: an assumed-role session or a user.
PRINCIPAL_ARN_PATTERN = re.compile(
    r"^arn:aws(-[a-z]+)*:(iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)"
    r"|sts::\d{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)\Z",
    re.ASCII,
)
ACCOUNT_ID_PATTERN = re.compile(r"^\d{12}\Z", re.ASCII)
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d\Z", re.ASCII)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}\Z")
#: A VPC endpoint id, the value of the ``aws:SourceVpce`` condition.
VPC_ENDPOINT_ID_PATTERN = re.compile(r"^vpce-[0-9a-f]{8,17}\Z")
#: The largest number a template holds exactly (JSON numbers are doubles); NaN compares false with it.
MAX_SAFE_NUMBER = 2**53 - 1


def is_token(value: object) -> bool:
    """True when ``value`` is a string or number that CDK resolves only at deploy time."""
    if isinstance(value, str):
        # Tokens are encoded in strings as ${Token[...]} (or #{Token[...]} in lists): no marker, no
        # token, and no round trip to jsii.
        return "{Token[" in value and Token.is_unresolved(value)
    if isinstance(value, float):
        # Never hand NaN or infinity to jsii: its JSON channel cannot carry them and the kernel dies.
        return math.isfinite(value) and Token.is_unresolved(value)
    # Number tokens are floats; integers (and booleans) never are.
    return False


def _shown(value: Any) -> str:
    """``value`` as an error message shows it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 120 else f"{text[:100]}... ({len(text)} characters)"


def is_number_token(value: object) -> bool:
    """True when ``value`` is a number CDK resolves only at deploy time (``Token.as_number``)."""
    return isinstance(value, int | float) and is_token(value)


def require_type(argument: str, value: Any, expected: type[T] | tuple[type, ...], what: str) -> T:
    """Return ``value`` if it is an instance of ``expected``, else raise naming ``argument``."""
    wants_number = expected in (int, float) or (isinstance(expected, tuple) and int in expected)
    if not isinstance(value, expected) or (isinstance(value, bool) and wants_number):
        raise TypeError(f"{argument} must be {what}, got {_shown(value)} ({type(value).__name__})")
    return value  # type: ignore[return-value]


def require_bool(argument: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not merely truthy)."""
    return require_type(argument, value, bool, "True or False")


def require_list(argument: str, values: Any, what: str = "a list") -> list[Any]:
    """Return ``values`` as a list if it is a list or tuple (a string or a lone value is not).

    A deploy-time list (``Token.as_list``) is refused: its elements cannot be checked or used one by one.
    """
    if not isinstance(values, list | tuple):
        raise TypeError(f"{argument} must be {what}, got {_shown(values)} ({type(values).__name__})")
    if (
        values
        and all(isinstance(v, str) for v in values)
        and Tokenization.reverse_list(list(values)) is not None
    ):
        raise ValueError(
            f"{argument}: a deploy-time list cannot be checked item by item; pass the items themselves"
        )
    return list(values)


def require_non_empty(argument: str, values: Sequence[T], fix: str) -> Sequence[T]:
    """Raise unless ``values`` is a list or tuple with at least one element."""
    require_list(argument, values)
    if len(values) == 0:
        raise ValueError(f"{argument} must not be empty: {fix}")
    return values


def require_unique(argument: str, values: Sequence[object], key: str = "") -> None:
    """Raise naming the index of the first element that repeats an earlier one."""
    seen: dict[object, int] = {}
    for index, value in enumerate(values):
        marker = value if getattr(type(value), "__hash__", None) is not None else repr(value)
        if marker in seen:
            raise ValueError(
                f"{argument}[{index}]: {_shown(value)} repeats {argument}[{seen[marker]}]{key}; list each value once"
            )
        seen[marker] = index


def require_interface(argument: str, value: Any, attribute: str, what: str, *, optional: bool = False) -> Any:
    """Return ``value`` if it is a CDK object with ``attribute`` (e.g. an ``ec2.IVpc`` has ``vpc_id``).

    jsii interfaces cannot be checked with ``isinstance``; a literal (an id or ARN string) never passes.
    """
    if value is None and optional:
        return value
    if isinstance(value, str | bytes | int | float | list | tuple | dict) or not hasattr(value, attribute):
        hint = "; import it, e.g. with from_*_arn() or from_*_attributes()" if isinstance(value, str) else ""
        raise TypeError(f"{argument} must be {what}, got {_shown(value)} ({type(value).__name__}){hint}")
    return value


def require_scope(argument: str, scope: Any) -> Construct:
    """Return ``scope`` if it is a construct inside a ``Stack`` (what every construct here needs)."""
    if not isinstance(scope, Construct):
        raise TypeError(
            f"{argument} must be a construct (a Stack or a construct in one), got {_shown(scope)}"
        )
    if not any(Stack.is_stack(node) for node in scope.node.scopes):
        raise TypeError(
            f"{argument}: {scope.node.path or 'the app'!r} is not inside a Stack; create the construct in a Stack"
        )
    return scope


def require_construct(scope: Any, construct_id: Any) -> None:
    """Check the ``scope`` and ``construct_id`` of a new construct, before jsii sees them."""
    require_scope("scope", scope)
    require_type("construct_id", construct_id, str, "a string such as 'Bedrock'")
    if not construct_id or is_token(construct_id):
        raise ValueError(f"construct_id: {construct_id!r} must be a literal, non-empty id such as 'Bedrock'")
    if scope.node.try_find_child(construct_id) is not None:
        raise ValueError(
            f"construct_id: {construct_id!r} is already used in {scope.node.path or 'the app'!r}; choose another id"
        )


def require_number_range(argument: str, value: float, low: float, high: float, fix: str = "") -> float:
    """Return ``value`` if it is a finite number in ``[low, high]`` (a deploy-time number passes)."""
    require_type(argument, value, (int, float), "a number")
    if is_token(value):
        return value
    if not low <= value <= high:
        hint = f"; {fix}" if fix else ""
        raise ValueError(f"{argument} must be between {low} and {high}, got {value!r}{hint}")
    return value


def require_email(argument: str, value: Any) -> str:
    """Return ``value`` if it is an email address (or a token)."""
    text: str = require_type(argument, value, str, "an email address such as 'oncall@example.com'")
    if not is_token(text) and not EMAIL_PATTERN.match(text):
        raise ValueError(f"{argument}: {_shown(text)} is not an email address; use e.g. 'oncall@example.com'")
    return text


def require_https_url(argument: str, value: Any) -> str:
    """Return ``value`` if it is an ``https://`` URL."""
    url: str = require_type(argument, value, str, "an https:// URL")
    if not is_token(url) and (
        not url.startswith("https://") or len(url) < 12 or any(c.isspace() for c in url)
    ):
        raise ValueError(f"{argument}: {_shown(url)} is not an https:// URL")
    return url


def require_vpc_endpoint_id(argument: str, value: Any) -> str:
    """Return ``value`` if it is a VPC endpoint id such as ``vpce-0123456789abcdef0`` (or a token)."""
    endpoint_id: str = require_type(
        argument, value, str, "a VPC endpoint id such as 'vpce-0123456789abcdef0'"
    )
    if not is_token(endpoint_id) and not VPC_ENDPOINT_ID_PATTERN.match(endpoint_id):
        raise ValueError(
            f"{argument}: {_shown(endpoint_id)} is not a VPC endpoint id; use e.g. "
            "network.runtime_endpoint.vpc_endpoint_id"
        )
    return endpoint_id


def require_principal(argument: str, principal: Any, star: str = "would admit anyone") -> Any:
    """Return ``principal`` if it is an ``iam.IPrincipal`` that names someone (never ``*``).

    Literal ARNs and account ids inside it must be well-formed.

    :param star: what ``*`` would do, for the message.
    """
    if isinstance(principal, str):
        raise TypeError(
            f"{argument} must be an iam.IPrincipal, got the string {_shown(principal)}; "
            "wrap an ARN in iam.ArnPrincipal(...)"
        )
    require_interface(
        argument, principal, "policy_fragment", "an iam.IPrincipal (a service, account or role)"
    )
    fragment = principal.policy_fragment.principal_json
    for kind, values in fragment.items():
        for value in values if isinstance(values, list) else [values]:
            if value == "*" or (isinstance(value, str) and not is_token(value) and "*" in value):
                raise ValueError(f"{argument}: '*' {star}; name a service, an account or a role")
            literal = isinstance(value, str) and not is_token(value)
            if (
                kind == "AWS"
                and literal
                and not (ACCOUNT_ID_PATTERN.match(value) or PRINCIPAL_ARN_PATTERN.match(value))
            ):
                raise ValueError(
                    f"{argument}: {value!r} is not an account id or an IAM principal ARN; use e.g. "
                    "'arn:aws:iam::111122223333:role/app'"
                )
    return principal


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


@functools.cache
def known_regions() -> frozenset[str]:
    """The regions aws-cdk-lib knows (``region_info``): every commercial, China, GovCloud and
    isolated region as of the installed aws-cdk-lib. One jsii call, once per process: the catalog
    checks hundreds of regions at import."""
    from aws_cdk import region_info

    return frozenset(region_info.Fact.regions)


def did_you_mean(value: str, choices: Iterable[str], *, cutoff: float = 0.8) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to ``value``, or nothing when none is close."""
    close = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""


def require_region(argument: str, value: str) -> str:
    """Return ``value`` if it is an AWS region name aws-cdk-lib knows, such as ``us-east-1``."""
    require_type(argument, value, str, "an AWS region name such as 'us-east-1'")
    if is_token(value):
        return value
    known = known_regions()
    if value not in known:
        newer = (
            "; a region newer than the installed aws-cdk-lib needs a newer aws-cdk-lib"
            if REGION_PATTERN.match(value)
            else ""
        )
        raise ValueError(
            f"{argument}: {value!r} is not an AWS region name{did_you_mean(value, known)}; use a name such "
            f"as 'us-east-1'{newer}"
        )
    return value


def require_int_range(argument: str, value: int, low: int, high: int, fix: str = "") -> int:
    """Return ``value`` if it is an integer in ``[low, high]`` (a deploy-time number passes)."""
    if is_number_token(value):
        return value
    require_type(argument, value, int, "an integer")
    if not low <= value <= high:
        hint = f"; {fix}" if fix else ""
        raise ValueError(f"{argument} must be between {low} and {high}, got {value}{hint}")
    return value


def private_subnets(argument: str, vpc: Any) -> ec2.SubnetSelection:
    """The subnets the library uses in ``vpc`` when none are selected: its isolated subnets, or where
    it has none (the default ``ec2.Vpc``: public and private-with-NAT), its private subnets with egress.
    Never public ones."""
    if vpc.isolated_subnets:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    if vpc.private_subnets:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    raise ValueError(
        f"{argument}: the VPC has neither isolated nor private subnets, and the library never uses public "
        "ones; add private subnets to the VPC, or select subnets of your own"
    )


def require_subnet_selection(
    argument: str,
    selection: Any,
    vpc: Any,
    *,
    default_type: ec2.SubnetType | None = None,
) -> ec2.SubnetSelection | None:
    """Return ``selection`` if it is an ``ec2.SubnetSelection`` that ``vpc`` can satisfy.

    :param vpc: the VPC, or ``None`` for a VPC the construct creates (isolated subnets only).
    :param default_type: the subnet type used when ``selection`` is ``None``.
    """
    checked: ec2.SubnetSelection | None = None
    if selection is not None:
        checked = require_type(argument, selection, ec2.SubnetSelection, "an ec2.SubnetSelection")
        if selection.subnet_type is not None and selection.subnet_type.name == "PUBLIC":
            raise ValueError(
                f"{argument}: public subnets would put the landing zone's network interfaces on the "
                "internet's side of the VPC; select private ones, e.g. "
                "ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS), or leave it unset"
            )
    if selection is None and vpc is not None and default_type is not None:
        default_type = private_subnets(argument, vpc).subnet_type
    subnet_type = selection.subnet_type if selection is not None else default_type
    isolated = ("PRIVATE_ISOLATED", "ISOLATED")
    if vpc is None:
        if selection is not None and (
            selection.subnets
            or (subnet_type is not None and subnet_type.name not in isolated)
            or selection.subnet_group_name not in (None, "Isolated")
        ):
            raise ValueError(
                f"{argument}: the new VPC has isolated subnets only; leave {argument} unset or select "
                "ec2.SubnetType.PRIVATE_ISOLATED (or bring your own vpc)"
            )
        return checked
    if subnet_type is None or (selection is not None and (selection.subnets or selection.subnet_group_name)):
        return checked
    name = subnet_type.name
    kind, subnets = (
        ("public", vpc.public_subnets)
        if name == "PUBLIC"
        else ("isolated", vpc.isolated_subnets)
        if name in isolated
        else ("private", vpc.private_subnets)
    )
    if not subnets:
        raise ValueError(
            f"{argument}: the VPC has no {kind} subnets; select the subnets to use, e.g. "
            "ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)"
        )
    return checked


def require_key(argument: str, key: Any, *, optional: bool = True) -> kms.IKey | None:
    """Return ``key`` if it is a ``kms.IKey`` (or ``None`` when optional)."""
    return require_interface(argument, key, "key_arn", "a kms.IKey", optional=optional)  # type: ignore[no-any-return]


def require_retention(argument: str, value: Any) -> logs.RetentionDays:
    """Return ``value`` if it is a ``logs.RetentionDays``."""
    return require_type(
        argument, value, logs.RetentionDays, "a logs.RetentionDays, e.g. RetentionDays.SIX_YEARS"
    )


def require_removal_policy(argument: str, value: Any) -> RemovalPolicy:
    """Return ``value`` if it is a ``RemovalPolicy``."""
    return require_type(argument, value, RemovalPolicy, "a RemovalPolicy, e.g. RemovalPolicy.RETAIN")


#: The characters IAM accepts in role and policy descriptions.
_IAM_DESCRIPTION_CHARS = re.compile(r"^[\t\n\r\u0020-\u007e\u00a1-\u00ff]*\Z")


def require_iam_description(argument: str, value: Any, max_length: int = 1000) -> str:
    """Return ``value`` if IAM accepts it as a role or policy description."""
    text: str = require_type(argument, value, str, "a description string")
    if len(text) > max_length:
        raise ValueError(f"{argument}: {len(text)} characters; use at most {max_length}")
    if not _IAM_DESCRIPTION_CHARS.match(text):
        raise ValueError(
            f"{argument}: {_shown(text)} has characters IAM does not accept in a description; use Latin-1 text"
        )
    return text


def require_amount(argument: str, value: Any) -> float:
    """Return ``value`` if it is a positive, finite amount of US dollars (or a deploy-time number)."""
    if is_number_token(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_SAFE_NUMBER:
        raise ValueError(f"{argument}: {_shown(value)} must be a positive amount of US dollars")
    return value
