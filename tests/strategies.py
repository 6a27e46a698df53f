"""Hypothesis strategies and bookkeeping for the property tests (tests/test_properties.py).

* hostile values: wrong types, empty and huge lists, malformed ARNs and model ids, unicode,
  negative and non-finite numbers, unresolved tokens where literals are expected and literals where
  CDK objects are expected;
* the paths of a settings block, and values that are wrong for a setting whatever the others say;
* :func:`attempt`: runs one call and checks the one allowed way to fail (a ``ValueError`` or
  ``TypeError`` raised by the library itself, naming the argument), counting every case in
  :data:`CASES` for the table that ``tests/conftest.py`` prints at the end of the run.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Aws,
    Duration,
    Fn,
    IStableNumberProducer,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Token,
)
from aws_cdk import aws_iam as iam
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from secure_bedrock import (
    PII_TYPES,
    BedrockModel,
    BedrockModels,
    ContentFilter,
    CrossRegionInferenceProfile,
    DeniedTopic,
    PiiEntity,
    RegexFilter,
)

ROOT = Path(__file__).resolve().parents[1]
#: Where a rejection may be raised from: the library and the reference environment, never jsii.
OWN_CODE = (str(ROOT / "secure_bedrock") + os.sep, str(ROOT / "stacks") + os.sep)

# --- bookkeeping ------------------------------------------------------------------------------------

#: Examples tried per property, and how each ended ("accepted", "ValueError", "TypeError").
CASES: dict[str, Counter[str]] = defaultdict(Counter)

#: ``PROPERTY_EXAMPLES_SCALE=20 pytest tests/test_properties.py`` multiplies every example count and
#: draws fresh random examples (a local fuzzing run); the default is the reproducible CI run.
SCALE = float(os.environ.get("PROPERTY_EXAMPLES_SCALE", "1"))


def property_settings(max_examples: int) -> settings:
    """Reproducible by default: ``derandomize`` makes every run try the same examples.

    CI must not fail on a case that no later run can find again, so the examples are derived from
    the test itself, not from a random seed or an example database (``database=None``: nothing is
    written to ``.hypothesis/``). A scale above 1 turns derandomization off, to explore.
    """
    return settings(
        max_examples=max(1, round(max_examples * SCALE)),
        deadline=None,
        derandomize=SCALE <= 1,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


def raised_by_own_code(error: BaseException) -> bool:
    """True when the innermost frame that raised ``error`` is the library's or the settings loader's."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(OWN_CODE)


def attempt(prop: str, call: Callable[[], object], names: Sequence[str], *, must_reject: str = "") -> str:
    """Run ``call``; it must succeed or raise ValueError/TypeError from our code naming one of ``names``.

    Any other exception (jsii's errors, KeyError, AttributeError...) propagates and fails the
    property. ``must_reject`` says why the call cannot be right (a value of the wrong type): then it
    must not succeed either. Returns the outcome, which is also counted in :data:`CASES`.
    """
    try:
        call()
    except (ValueError, TypeError) as error:
        outcome = type(error).__name__
        if type(error).__module__.startswith("jsii") or not raised_by_own_code(error):
            raise AssertionError(f"{prop}: not the library's own validation: {error!r}") from error
        message = str(error)
        if not any(name in message for name in names):
            raise AssertionError(
                f"{prop}: the message does not name any of {list(names)}: {message}"
            ) from error
    else:
        if must_reject:
            raise AssertionError(f"{prop}: accepted {must_reject}")
        outcome = "accepted"
    CASES[prop][outcome] += 1
    return outcome


def type_ok(spec: str, value: Any) -> bool:
    """Whether ``value`` has a type an argument described by ``spec`` can take (its content may still
    be wrong). Specs: ``bool``, ``int``, ``number``, ``str``, ``list``, ``map``, ``attr:<name>`` (a CDK
    object with that attribute), ``enum:<RemovalPolicy|RetentionDays>``, ``scope``, ``id``; a
    trailing ``?`` also allows ``None``."""
    from aws_cdk import Stack
    from aws_cdk import aws_logs as logs
    from constructs import Construct

    if spec.endswith("?"):
        if value is None:
            return True
        spec = spec[:-1]
    if never_valid(value):
        return False
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec == "bool":
        return isinstance(value, bool)
    if spec == "int":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            number and Token.is_unresolved(value)
        )
    if spec == "number":
        return number
    if spec == "str":
        return isinstance(value, str)
    if spec == "id":
        return isinstance(value, str) and bool(value) and not Token.is_unresolved(value)
    if spec == "list":
        return isinstance(value, list | tuple)
    if spec == "map":
        return isinstance(value, dict)
    if spec.startswith("attr:"):
        return not isinstance(value, str | int | float | list | tuple | dict) and hasattr(value, spec[5:])
    if spec == "enum:RemovalPolicy":
        return isinstance(value, RemovalPolicy)
    if spec == "enum:RetentionDays":
        return isinstance(value, logs.RetentionDays)
    if spec == "scope":
        return isinstance(value, Construct) and any(Stack.is_stack(s) for s in value.node.scopes)
    raise ValueError(f"unknown spec {spec!r}")


def never_valid(value: Any) -> bool:
    """True for values no argument of the library accepts: non-finite numbers, bytes, complex and
    decimal numbers, sets, iterators, bare objects and types, and containers holding any of them."""
    if isinstance(value, float) and not math.isfinite(value):
        return True
    if isinstance(value, bytes | complex | Decimal | set | frozenset | type | Iterator) or value is Ellipsis:
        return True
    if type(value) is object:
        return True
    if isinstance(value, list | tuple):
        return any(never_valid(item) for item in value)
    if isinstance(value, dict):
        return any(never_valid(k) or never_valid(v) for k, v in value.items())
    return False


@dataclass(frozen=True)
class Recipe:
    """A CDK object (or an id or ARN where one is expected) to build in the example's stack.

    Strategies hold recipes rather than objects, so that they can be built once and reused.
    """

    kind: str

    def __repr__(self) -> str:
        return f"<{self.kind}>"


# --- unresolved tokens ------------------------------------------------------------------------------


@jsii.implements(IStableStringProducer)
class _Text:
    def produce(self) -> str:
        return "deploy-time-text"


@jsii.implements(IStableNumberProducer)
class _Number:
    def produce(self) -> float:
        return 7


def _string_token(kind: str) -> str:
    makers: dict[str, Callable[[], str]] = {
        "region": lambda: Aws.REGION,
        "account": lambda: Aws.ACCOUNT_ID,
        "ref": lambda: Token.as_string({"Ref": "SomeParameter"}),
        "lazy": lambda: Lazy.string(_Text()),
        "import": lambda: Fn.import_value("SomeExport"),
    }
    return makers[kind]()


@functools.cache
def string_tokens() -> st.SearchStrategy[str]:
    """A string CDK resolves only at deploy time."""
    return st.sampled_from(["region", "account", "ref", "lazy", "import"]).map(_string_token)


@functools.cache
def number_tokens() -> st.SearchStrategy[float]:
    """A number CDK resolves only at deploy time."""
    return st.sampled_from(["ref", "lazy"]).map(
        lambda kind: Token.as_number({"Ref": "SomeNumber"}) if kind == "ref" else Lazy.number(_Number())
    )


@functools.cache
def list_tokens() -> st.SearchStrategy[list[str]]:
    """A list CDK resolves only at deploy time (a one-element list holding a token)."""
    return st.just(None).map(lambda _: Token.as_list({"Ref": "SomeList"}))


@functools.cache
def tokens() -> st.SearchStrategy[Any]:
    return st.one_of(string_tokens(), number_tokens(), list_tokens())


# --- hostile values ---------------------------------------------------------------------------------

#: Strings that look almost right: trailing newlines and spaces, unicode digits and letters, wildcards.
ADVERSARIAL_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\n",
    "*",
    "null",
    "us-east-1\n",
    " us-east-1",
    "US-EAST-1",
    "us-east-\u0661",
    "123456789012\n",
    "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",
    "arn:aws:iam::111122223333:root\n",
    "arn:aws:iam::111122223333:role/ro̲le",
    "arn:aws:iam::*:root",
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:sns:us-east-1:111122223333:alarms",
    "vpc-0123456789abcdef0",
    "amazon.nova-pro-v1:0\n",
    "us.amazon.nova-pro-v1:0 ",
    "\uff55\uff53.amazon.nova-pro-v1:0",
    "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "0.0.0.0/0",
    "::/0",
    "10.0.0.0/8",
    "10.0.0.1/16",
    "10.0.0.0/16\n",
    "fd00::/64",
    "claims\n",
    "cc#1",
    "a@b.co\n",
    "https://\n",
    "${notatoken}",
    "Ω≈ç√∫\u02dcµ≤≥÷",
    "👩‍⚕️🏥",
    "\u202eevil",
    "\x00",
)


def _long_text(_: object) -> str:
    return "a" * 1001


def _huge_number(_: object) -> int:
    return 10**400


@functools.cache
def adversarial_strings() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(ADVERSARIAL_STRINGS), st.just(0).map(_long_text), st.text(max_size=40))


@functools.cache
def hostile_numbers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([0, -1, 1, 2**53 + 1]),
        st.just(0).map(_huge_number),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e-300, 2.5]),
        st.booleans(),
        st.decimals(allow_nan=True, places=2),
        st.complex_numbers(max_magnitude=10),
    )


@functools.cache
def hostile_scalars() -> st.SearchStrategy[Any]:
    """Values of the wrong type for almost any argument (``None`` included: it means 'the default')."""
    return st.one_of(
        st.none(),
        hostile_numbers(),
        adversarial_strings(),
        st.binary(max_size=6),
        st.builds(object),
        st.sampled_from([RemovalPolicy.DESTROY, Duration.days(1), iam.AnyPrincipal(), str, ...]),
    )


def hostile_containers(elements: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    """Empty, huge and oddly typed collections (a huge list carries one bad element among good ones)."""
    inner = elements if elements is not None else hostile_scalars()
    return st.one_of(
        st.just([]),
        st.just(()),
        st.lists(inner, min_size=1, max_size=4),
        st.tuples(inner, inner),
        st.sets(st.integers(), max_size=3),
        st.frozensets(st.text(max_size=3), max_size=3),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
        st.builds(lambda x: iter([x]), inner),
        st.integers(min_value=900, max_value=1200).flatmap(
            lambda n: st.integers(min_value=0, max_value=n - 1).map(
                lambda i: [*["x"] * i, 0, *["x"] * (n - i - 1)]
            )
        ),
        list_tokens(),
    )


@functools.cache
def hostile() -> st.SearchStrategy[Any]:
    """Any hostile value: scalars, tokens or containers."""
    return st.one_of(hostile_scalars(), tokens(), hostile_containers())


def hostile_list_of(
    good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any] | None = None
) -> st.SearchStrategy[Any]:
    """A list that is wrong as a whole or in one element: empty, a bad element among good ones,
    a repeated element, a huge list, a string or a lone element instead of a list."""
    bad = bad if bad is not None else hostile()
    return st.one_of(
        st.just([]),
        st.tuples(st.lists(good, max_size=3), bad, st.lists(good, max_size=2)).map(
            lambda t: [*t[0], t[1], *t[2]]
        ),
        good.map(lambda g: [g, g]),
        st.tuples(good, st.integers(min_value=200, max_value=1500)).map(lambda t: [t[0]] * t[1]),
        good,
        hostile_containers(bad),
    )


# --- models -----------------------------------------------------------------------------------------

US_EAST_1 = "us-east-1"


def models_served_in(region: str) -> list[BedrockModel]:
    """The catalog entries callable from ``region``."""
    served: list[BedrockModel] = []
    for model in BedrockModels.all():
        if isinstance(model, CrossRegionInferenceProfile) and region not in model.routes:
            continue
        served.append(model)
    return served


MODEL_ID_TEXT = st.from_regex(r"[a-z0-9-]{1,8}\.[a-z0-9-]{1,12}(:[0-9])?", fullmatch=True)


def hostile_models(region: str = US_EAST_1) -> st.SearchStrategy[Any]:
    """Model lists that are wrong: ids instead of model objects, models not served in the region, repeats."""
    bad_model = st.one_of(
        st.sampled_from([m.model_id for m in BedrockModels.all()]),
        st.sampled_from(
            [
                m
                for m in BedrockModels.all()
                if isinstance(m, CrossRegionInferenceProfile) and region not in m.routes
            ]
        ),
        MODEL_ID_TEXT,
        hostile(),
    )
    return hostile_list_of(st.sampled_from(models_served_in(region)), bad_model)


@functools.cache
def malformed_model_ids() -> st.SearchStrategy[Any]:
    """Ids that are not foundation-model or profile ids, and ids of unknown profiles."""
    return st.one_of(
        adversarial_strings(),
        MODEL_ID_TEXT.map(lambda s: f"us.{s}"),
        MODEL_ID_TEXT.map(lambda s: s.upper()),
        MODEL_ID_TEXT.map(lambda s: s + "\n"),
        MODEL_ID_TEXT.map(lambda s: "global." + s),
        st.sampled_from(["a" * 64 + ".b", "amazon..nova", ".nova", "amazon.", "amazon.nova:1:2:3"]),
        hostile(),
    )


# --- guardrail filters ------------------------------------------------------------------------------

CHOICE = st.one_of(
    st.sampled_from(
        ["BLOCK", "NONE", "ANONYMIZE", "HIGH", "LOW", "MEDIUM", "TEXT", "IMAGE", "block", "BLOCK "]
    ),
    hostile_scalars(),
)


def hostile_content_filters() -> st.SearchStrategy[Any]:
    good = st.builds(
        ContentFilter, type=st.sampled_from(["SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT"])
    )
    bad = st.builds(
        ContentFilter,
        type=st.one_of(st.sampled_from(["PROMPT_ATTACK", "sexual", "PHI"]), CHOICE),
        input_strength=CHOICE,
        output_strength=CHOICE,
        input_modalities=st.one_of(st.lists(CHOICE, max_size=3).map(tuple), hostile_scalars()),
        output_modalities=st.one_of(st.lists(CHOICE, max_size=3).map(tuple), hostile_scalars()),
        input_action=CHOICE,
        output_action=CHOICE,
    )
    return hostile_list_of(good, st.one_of(bad, hostile()))


def hostile_denied_topics() -> st.SearchStrategy[Any]:
    good = st.builds(
        DeniedTopic,
        name=st.from_regex(r"[A-Za-z][A-Za-z0-9 _-]{0,20}", fullmatch=True),
        definition=st.text(min_size=1, max_size=50),
    )
    bad = st.builds(
        DeniedTopic,
        name=st.one_of(adversarial_strings(), hostile_scalars()),
        definition=st.one_of(st.text(min_size=190, max_size=1100), hostile_scalars()),
        examples=st.one_of(st.lists(st.text(max_size=110), max_size=7).map(tuple), hostile_scalars()),
    )
    return hostile_list_of(good, st.one_of(bad, hostile()))


def hostile_pii_entities() -> st.SearchStrategy[Any]:
    good = st.builds(PiiEntity, type=st.sampled_from(PII_TYPES))
    bad = st.builds(
        PiiEntity,
        type=st.one_of(st.sampled_from(["SSN", "name", "PHI"]), CHOICE),
        input_action=CHOICE,
        output_action=CHOICE,
    )
    return hostile_list_of(good, st.one_of(bad, hostile()))


def hostile_regex_filters() -> st.SearchStrategy[Any]:
    good = st.builds(
        RegexFilter, name=st.from_regex(r"[A-Za-z]{1,20}", fullmatch=True), pattern=st.just(r"\d{6}")
    )
    bad = st.builds(
        RegexFilter,
        name=st.one_of(adversarial_strings(), hostile_scalars()),
        pattern=st.one_of(st.sampled_from(["(", "[a-", "*", "a{2,1}", "x" * 501]), hostile_scalars()),
        description=st.one_of(st.text(max_size=5), st.text(min_size=1001, max_size=1002), hostile_scalars()),
        input_action=CHOICE,
        output_action=CHOICE,
    )
    return hostile_list_of(good, st.one_of(bad, hostile()))


# --- settings ---------------------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def leaf_paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """Every path in a settings block: containers first, then their members."""
    yield prefix
    if isinstance(value, dict):
        for key, member in value.items():
            yield from leaf_paths(member, (*prefix, key))
    elif isinstance(value, list):
        for index, member in enumerate(value):
            yield from leaf_paths(member, (*prefix, index))


def display(path: Path_, root: str = "secure-bedrock") -> str:
    """A path the way the settings loader names it: ``secure-bedrock.teams[0].name``."""
    text = root
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def overlaps(a: Path_, b: Path_) -> bool:
    """True when one path is inside the other (mutating both would make one mutation moot)."""
    return a[: len(b)] == b or b[: len(a)] == a


def get_path(block: Any, path: Path_) -> Any:
    target = block
    for part in path:
        target = target[part]
    return target


def set_path(block: Any, path: Path_, value: Any) -> None:
    target = block
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


_KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

#: For each kind of setting, values that are wrong whatever the other settings say.
ALWAYS_WRONG: dict[str, tuple[Any, ...]] = {
    # The reference's models and region are in the "us" geography: each of these is wrong there.
    "residency": (
        "",
        "europe",
        "US",
        "us-east-1",
        "eu",
        ["mars-1"],
        [],
        ["eu-west-1"],
        5,
        True,
        {"regions": []},
    ),
    "stack_name": ("", "1stack", "has space", "stack_name", "ståck", "a" * 129, "Stack\n", 7, None, ["x"]),
    "region": (
        "",
        "US-EAST-1",
        "us-east-1\n",
        " us-east-1",
        "mars-1",
        "us_east_1",
        "us-east-\u0661",
        1,
        None,
        True,
    ),
    "account": (
        "1234",
        "1234567890123",
        "abcdefghijkl",
        "123456789012\n",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662",
        111122223333,
        True,
        "",
    ),
    "model": (
        "",
        "not a model",
        "AMAZON.NOVA-PRO-V1:0",
        "us.unknown-model-v1:0",
        "amazon.nova-pro-v1:0\n",
        "\uff55\uff53.amazon.nova-pro-v1:0",
        7,
        None,
        [],
        {"profile_id": "us.x.y-v1:0"},
        {"profile_id": 5, "source_regions": ["us-east-1"]},
        {"profile_id": "us.x.y-v1:0", "source_regions": "us-east-1"},
        {"profile_id": "us.x.y-v1:0", "source_regions": [5]},
        {"profile_id": "us.x.y-v1:0", "source_regions": ["us-east-1"], "destination_regions": None},
        {"profile_id": "us.x.y-v1:0", "source_regions": [["us-east-1"]]},
    ),
    "principal": (
        "",
        "*",
        "app-role",
        "arn:aws:iam::1:role/x",
        "arn:aws:iam::111122223333:root\n",
        5,
        None,
        {},
    ),
    "cidr": ("", "10.0.0.0", "10.0.0.0/33", "0.0.0.0/0", "::/0", "10.0.0.1/16", "10.0.0.0/16\n", 10, None),
    "vpc_cidr": (
        "10.0.0.0/8",
        "10.0.0.0/28",
        "fd00::/56",
        "10.0.0.0",
        "0.0.0.0/0",
        16,
        None,
        "10.0.0.0/16\n",
    ),
    "max_azs": (0, 1, 7, -2, 2.0, "2", True, None, 10**9),
    "endpoint_service": ("", "bedrock-agents", "BEDROCK", "bedrock\n", 5, None, ["bedrock"]),
    "retention": (30, 2000, -1, 0, 2192.0, "2192", True, None, 10**12),
    "data_type": ("txt", "TEXT", "", 5, None, ["text"]),
    "evidence_days": (365, 2191, 36501, -1, 2192.5, "2192", False, None),
    "object_lock": (
        "COMPLIANCE",
        5,
        [],
        {"mode": "FOREVER", "days": 2192},
        {"mode": "COMPLIANCE"},
        {"mode": "COMPLIANCE", "days": 10},
        {"mode": "GOVERNANCE", "days": "2192"},
        {"mode": "COMPLIANCE", "days": 2192, "extra": 1},
    ),
    "bool": ("yes", "true", 1, 0, None, [], "False"),
    "guardrail_version": ("", "DRAFT", "0", "3\n", "v3", "03", 3, True, [], {}),
    "organization_guardrail": (
        "",
        5,
        [],
        {},
        {"guardrail_arn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/abcdefghij12"},
        {"guardrail_arn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/abcdefghij12:3", "key_arn": _KEY},
        {"guardrail_arn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/ABCDEFGHIJ12", "key_arn": _KEY},
        {"guardrail_arn": "arn:aws:bedrock:us-east-1:444455556666:guardrail/abcdefghij12", "key_arn": _KEY},
        {
            "guardrail_arn": "arn:aws:bedrock:us-east-1:111122223333:guardrail/abcdefghij12",
            "key_arn": "alias/x",
        },
        {"guardrail_arn": "arn:aws:bedrock:us-west-2:111122223333:guardrail/abcdefghij12", "key_arn": _KEY},
    ),
    "organization_id": ("", "o-short", "O-AB12CD34EF", "o-ab12cd34ef\n", "ab12cd34ef", 5, None, []),
    "target_id": ("", "ou-1", "r-AB12", "12345", "ou-ab12-cdefgh34\n", "o-ab12cd34ef", 5, None, []),
    "guardrail_profile": ("us-guardrail", "us.guardrail.v1:0\n", "US.GUARDRAIL.V1:0", 1, True, [], ""),
    "team_name": ("Claims", "", "claims\n", "1team", "team_x", "a" * 32, 5, None),
    "cost_center": ("", "cc#1", "CC\n1", "a" * 257, 5, None, ["CC"], "😀"),
    "amount": (0, -1, -0.01, math.nan, math.inf, "100", True, [100]),
    "optional_amount": (0, -5, math.nan, math.inf, "100", False, {}),
    "percent": (0, -1, 100.5, 150, math.nan, math.inf, "50", True, None),
    "email": ("", "oncall", "a@b", "a@b.co\n", "a b@c.de", "@x.io", 5, None),
    "https": ("", "http://example.com", "https://", "ftp://x.example.com", 5, None),
    "quota": (0, -1, 1.5, "1000", True, None, math.inf),
    "tag_value": (5, None, [], "v" * 257),
    "list": ("x", 5, None, {"a": 1}, True),
    "object": ("x", 5, [], True, ["a"]),
    "optional_object": ("x", 5, [], True, ["a"]),
    "whole_percentage": (-1, 101, 10.5, "10", True, None, []),
    "organizational_unit": (
        "",
        "ou-1",
        "r-AB12",
        "123456789012",
        "ou-ab12-cdefgh34\n",
        "o-ab12cd34ef",
        5,
        None,
        [],
    ),
    "archive_account": ("1234", "abcdefghijkl", "123456789012\n", 111122223333, True, "", None),
}


def kind_of(path: Path_) -> str | None:
    """The kind of the setting at ``path`` in cdk.json's block (None: not mutated with known-wrong values)."""
    text = display(path, "")
    last = path[-1] if path else None
    simple = {
        ".stack_name": "stack_name",
        ".region": "region",
        ".residency": "residency",
        ".account": "account",
        ".network.vpc_cidr": "vpc_cidr",
        ".network.max_azs": "max_azs",
        ".log_retention_days": "retention",
        ".evidence.retention_days": "evidence_days",
        ".evidence.object_lock": "object_lock",
        ".evidence.audit_trail": "bool",
        ".evidence.adopt_existing_logging": "bool",
        ".guardrail.deny_medical_advice": "bool",
        ".guardrail.enforce_in_account": "bool",
        ".guardrail.cross_region_profile": "guardrail_profile",
        ".guardrail.previous_version": "guardrail_version",
        ".guardrail.organization_guardrail": "organization_guardrail",
        ".budgets.monthly_limit_usd": "optional_amount",
        ".organization": "optional_object",
        ".organization.stack_name": "stack_name",
        ".organization.account": "account",
        ".organization.organization_id": "organization_id",
        ".organization.regulated": "bool",
        ".organization.enforce_guardrail": "bool",
        ".organization.log_archive": "optional_object",
        ".organization.log_archive.account": "archive_account",
        ".organization.log_archive.stack_name": "stack_name",
        ".organization.stacksets": "optional_object",
        ".organization.stacksets.stack_name": "stack_name",
        ".organization.stacksets.account": "account",
        ".organization.stacksets.organizational_units": "list",
        ".organization.stacksets.regions": "list",
        ".organization.stacksets.failure_tolerance_percentage": "whole_percentage",
        ".organization.stacksets.max_concurrent_percentage": "whole_percentage",
        ".organization.stacksets.auto_deploy": "bool",
    }
    if text in simple:
        return simple[text]
    if isinstance(last, int):
        parent = display(path[:-1], "")
        if parent == ".models" or (parent.startswith(".teams[") and parent.endswith(".models")):
            return "model" if parent == ".models" else "model_ref"
        if parent.endswith("principals"):
            return "principal"
        if parent == ".network.allowed_cidrs":
            return "cidr"
        if parent == ".network.endpoint_services":
            return "endpoint_service"
        if parent == ".evidence.invocation_log_data_types":
            return "data_type"
        if parent == ".budgets.thresholds_percent":
            return "percent"
        if parent.endswith("emails"):
            return "email"
        if parent == ".monitoring.https_endpoints":
            return "https"
        if parent == ".teams":
            return "object"
        if parent == ".organization.target_ids":
            return "target_id"
        if parent == ".organization.stacksets.organizational_units":
            return "organizational_unit"
        if parent == ".organization.stacksets.regions":
            return "region"
        return None
    if text.startswith(".teams["):
        return {
            "name": "team_name",
            "cost_center": "cost_center",
            "monthly_budget_usd": "optional_amount",
            "hard_stop": "bool",
            "models": "list",
            "principals": "list",
        }.get(str(last))
    if text.startswith(".monitoring.tpm_quotas."):
        return "quota"
    if text.startswith(".tags."):
        return "tag_value"
    if text in (
        ".network",
        ".evidence",
        ".guardrail",
        ".monitoring",
        ".budgets",
        ".tags",
        ".monitoring.tpm_quotas",
    ):
        return "object"
    if isinstance(last, str) and text.count(".") <= 2:
        return "list"
    return None


def always_wrong(kind: str) -> st.SearchStrategy[Any]:
    """A value that is wrong for a setting of ``kind`` whatever the rest of the block says."""
    if kind == "model_ref":
        # A team names one of the approved models; anything else is wrong.
        return st.sampled_from(["amazon.nova-lite-v1:0", "", 5, None, {"profile_id": "x"}, "AMAZON.TITAN"])
    return st.sampled_from(ALWAYS_WRONG[kind])


#: Keys that no settings mapping knows.
UNKNOWN_KEYS = st.one_of(
    st.sampled_from(
        [
            "regoin",
            "model",
            "Models",
            "vpc-cidr",
            "retention",
            "budget",
            "",
            "tags ",
            "\uff32\uff25\uff27\uff29\uff2f\uff2e",
        ]
    ),
    st.text(min_size=1, max_size=12),
)

#: Mappings of the block whose keys are fixed (an unknown key there is an error).
FIXED_MAPPINGS: tuple[Path_, ...] = (
    (),
    ("network",),
    ("evidence",),
    ("guardrail",),
    ("monitoring",),
    ("budgets",),
    ("teams", 0),
    ("teams", 1),
    ("organization",),
    ("organization", "log_archive"),
    ("organization", "stacksets"),
)


_COUNTER = itertools.count()


def unique(prefix: str) -> str:
    """A construct id no other example uses."""
    return f"{prefix}{next(_COUNTER)}"
