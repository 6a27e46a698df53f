"""Property-based tests: hostile values either work or fail with the library's own, named error.

1. Settings: a valid cdk.json block mutated at random paths. ``load_settings`` succeeds or raises
   one ``SettingsError`` naming every wrong setting; never any other exception.
2. Constructs and functions: one or two arguments replaced by hostile values (wrong types, empty
   and huge lists, malformed ARNs and model ids, unicode, negative and non-finite numbers, tokens
   where literals are expected, literals where CDK objects are expected). The call succeeds or
   raises ``ValueError``/``TypeError`` from the library's own code naming the argument; jsii
   errors, ``KeyError``, ``AttributeError`` and the rest fail the property.
3. Random valid landing zones (from random settings blocks, and directly with random thresholds,
   policies and budgets), all in one app, synthesized once with the four compliance packs and the
   Bedrock rules: no finding.

Every property is derandomized (see ``tests/strategies.py``): CI tries the same examples on every
run. The number of examples each property tried is printed at the end of the run.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import math
import random
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct
from hypothesis import given
from hypothesis import strategies as st

from secure_bedrock import (
    BEDROCK_DATA_EVENT_TYPES,
    INVOCATION_LOG_DATA_TYPES,
    AlarmThresholds,
    ApplicationInferenceProfileModel,
    BedrockAdministrator,
    BedrockAuditor,
    BedrockAuditTrail,
    BedrockBudgets,
    BedrockChecks,
    BedrockEndpointService,
    BedrockGuardrail,
    BedrockInvokerRole,
    BedrockModels,
    BedrockMonitoring,
    BedrockPrivateNetwork,
    BedrockTeam,
    CrossRegionInferenceProfile,
    FoundationModel,
    GuardrailPolicy,
    HardenedFunction,
    ModelInvocationLogging,
    ObjectLock,
    SecureBedrockLandingZone,
    SecureLogBucket,
    TeamBudget,
    TeamSpec,
    acknowledge,
    acknowledge_wildcard_resources,
    add_encrypted_flow_logs,
    grant_invoke,
    invoke_statements,
)
from secure_bedrock.invocation_logging import HANDLER_CODE
from secure_bedrock.options import FLAT_ARGUMENTS, GROUPS
from stacks.app import cdk_json_context
from stacks.hipaa_stack import HipaaBedrockStack
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings
from tests import strategies as gen
from tests.conftest import FEATURE_FLAGS, compliance_findings

VALID_BLOCK: dict[str, Any] = cdk_json_context()[CONTEXT_KEY]
REGION = "us-east-1"
ACCOUNT = "111122223333"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"
APP_PROFILE_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/abc123"


# --- 1. settings ------------------------------------------------------------------------------------


def _list_item_kind(path: gen.Path_) -> str | None:
    text = gen.display(path, "")
    if text.endswith("principals"):
        return "principal"
    return {
        ".network.allowed_cidrs": "cidr",
        ".network.endpoint_services": "endpoint_service",
        ".evidence.invocation_log_data_types": "data_type",
        ".budgets.thresholds_percent": "percent",
        ".monitoring.alarm_emails": "email",
        ".budgets.emails": "email",
        ".monitoring.https_endpoints": "https",
        ".guardrail.cross_region_destinations": "region",
        ".models": "model",
    }.get(text)


def _wrong_value_candidates() -> list[tuple[gen.Path_, st.SearchStrategy[Any]]]:
    """Each mutable path of cdk.json's block with values that are wrong there whatever else is set."""
    candidates: list[tuple[gen.Path_, st.SearchStrategy[Any]]] = []
    for path in gen.leaf_paths(VALID_BLOCK):
        if not path:
            continue
        strategies = []
        kind = gen.kind_of(path)
        if kind is not None:
            strategies.append(gen.always_wrong(kind))
        item_kind = _list_item_kind(path)
        if item_kind is not None:
            # A list that is right as a list but holds one wrong item among copies of the valid ones.
            valid_items = gen.get_path(VALID_BLOCK, path)
            strategies.append(
                st.tuples(gen.always_wrong(item_kind), st.integers(0, len(valid_items))).map(
                    lambda t, items=valid_items: [*items[: t[1]], t[0], *items[t[1] :]]
                )
            )
        if strategies:
            candidates.append((path, st.one_of(strategies)))
    for mapping in gen.FIXED_MAPPINGS:
        known = set(gen.get_path(VALID_BLOCK, mapping))
        candidates.append(
            (
                (*mapping, "<new>"),
                st.tuples(gen.UNKNOWN_KEYS.filter(lambda k, known=known: k not in known), gen.hostile()),
            )
        )
    approved = set(VALID_BLOCK["models"])
    candidates.append(
        (
            ("monitoring", "tpm_quotas", "<new>"),
            st.tuples(
                st.one_of(gen.MODEL_ID_TEXT, gen.adversarial_strings()).filter(lambda k: k not in approved),
                st.just(1000),
            ),
        )
    )
    candidates.append(
        (
            ("tags", "<new>"),
            st.tuples(st.sampled_from(["aws:owner", "AWS:x", "", "k" * 129, "a#b", "x\n"]), st.just("v")),
        )
    )
    return candidates


WRONG_VALUES: dict[gen.Path_, st.SearchStrategy[Any]] = dict(_wrong_value_candidates())


def _disjoint(paths: list[gen.Path_]) -> bool:
    return not any(gen.overlaps(a, b) for i, a in enumerate(paths) for b in paths[i + 1 :])


def _mapping_of(path: gen.Path_) -> gen.Path_:
    return path[:-1] if path[-1] == "<new>" else path


#: One to six settings to break, none inside another.
WRONG_PATHS = st.lists(
    st.sampled_from(list(WRONG_VALUES)), min_size=1, max_size=6, unique_by=_mapping_of
).filter(_disjoint)


def _apply(block: dict[str, Any], path: gen.Path_, value: Any) -> gen.Path_:
    """Set ``value`` at ``path`` (a ``<new>`` key adds ``value = (key, member)``); the path as mutated."""
    if path[-1] == "<new>":
        key, member = value
        gen.get_path(block, path[:-1])[key] = member
        return (*path[:-1], key)
    gen.set_path(block, path, value)
    return path


def _named(errors: list[str], path: gen.Path_) -> bool:
    shown = gen.display(path)
    return any(e.startswith(shown) and e[len(shown) : len(shown) + 1] in (":", ".", "[") for e in errors)


@given(st.data())
@gen.property_settings(300)
def test_settings_report_every_wrong_setting_at_once(data: st.DataObject) -> None:
    """k settings broken at once: one SettingsError names all k."""
    chosen = data.draw(WRONG_PATHS, label="paths")
    block = copy.deepcopy(VALID_BLOCK)
    mutated = [_apply(block, path, data.draw(WRONG_VALUES[path], label=gen.display(path))) for path in chosen]
    with pytest.raises(SettingsError) as raised:
        load_settings({CONTEXT_KEY: block})
    errors = raised.value.errors
    missing = [gen.display(path) for path in mutated if not _named(errors, path)]
    assert not missing, f"not reported: {missing}\nerrors: {errors}"
    message = str(raised.value)
    assert message.startswith(f"{len(errors)} invalid setting(s)")
    assert all(error in message for error in errors)
    gen.CASES["settings: k wrong settings, all reported"][f"{len(mutated)} wrong"] += 1


def _type_ok(kind: str, value: Any) -> bool:
    """Whether ``value`` has a type a setting of ``kind`` can take (its content may still be wrong)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    integer = isinstance(value, int) and not isinstance(value, bool)
    return {
        "account": value is None or isinstance(value, str),
        "residency": value is None or isinstance(value, str | list),
        "guardrail_profile": value is None or isinstance(value, str),
        "guardrail_version": value is None or isinstance(value, str),
        "model": isinstance(value, str | dict),
        "model_ref": isinstance(value, str),
        "max_azs": integer,
        "retention": integer,
        "evidence_days": integer,
        "quota": integer,
        "amount": number,
        "percent": number,
        "whole_percentage": number,
        "optional_amount": value is None or number,
        "bool": isinstance(value, bool),
        "object_lock": value is None or isinstance(value, dict),
        "organization_guardrail": value is None or isinstance(value, dict),
        "list": isinstance(value, list),
        "object": isinstance(value, dict),
        "optional_object": value is None or isinstance(value, dict),
        "archive_account": isinstance(value, str),
    }.get(kind, isinstance(value, str))


ALL_PATHS = [path for path in gen.leaf_paths(VALID_BLOCK) if path]
ANY_VALUE = st.one_of(gen.hostile(), gen.adversarial_strings())
ANY_PATHS = st.lists(st.sampled_from(ALL_PATHS), min_size=1, max_size=4, unique=True).filter(_disjoint)
DELETE = st.integers(0, 9)


@given(st.data())
@gen.property_settings(200)
def test_settings_never_fail_any_other_way(data: st.DataObject) -> None:
    """Any value anywhere: the block loads, or one SettingsError lists settings by path; wrong types are named."""
    chosen = data.draw(ANY_PATHS, label="paths")
    block = copy.deepcopy(VALID_BLOCK)
    wrong_types: list[gen.Path_] = []
    for path in chosen:
        if isinstance(path[-1], str) and data.draw(DELETE, label="delete?") == 0:
            del gen.get_path(block, path[:-1])[path[-1]]
            continue
        value = data.draw(ANY_VALUE, label=gen.display(path))
        gen.set_path(block, path, value)
        kind = gen.kind_of(path)
        if kind is not None and not _type_ok(kind, value):
            wrong_types.append(path)
    errors: list[str] | None = None
    try:
        load_settings({CONTEXT_KEY: block})
    except SettingsError as error:
        errors = error.errors
    # The JSON Schema editors check cdk.json with (docs/settings.schema.json) never refuses what the
    # loader accepts, and refuses every value of the wrong type as the loader does.
    # Only blocks cdk.json can hold (JSON) meet the schema; the generator also draws Python-only values.
    schema_errors = (
        [error.message for error in settings_schema_validator().iter_errors(block)]
        if _is_json(block)
        else None
    )
    if errors is None:
        assert not wrong_types, f"accepted values of the wrong type at {wrong_types}"
        assert not schema_errors, f"the schema refuses a block the loader accepts: {schema_errors}"
    else:
        assert all(e.startswith(CONTEXT_KEY) for e in errors), errors
        missing = [gen.display(path) for path in wrong_types if not _named(errors, path)]
        assert not missing, f"wrong types not reported: {missing}\nerrors: {errors}"
        assert not wrong_types or schema_errors is None or schema_errors, (
            f"the schema accepts wrong types at {wrong_types}"
        )
    gen.CASES["settings: hostile values anywhere"]["accepted" if errors is None else "SettingsError"] += 1


def _is_json(value: Any) -> bool:
    """Whether ``value`` is what ``json.loads`` can give (cdk.json's context is JSON)."""
    try:
        return json.loads(json.dumps(value)) == value or value != value
    except (TypeError, ValueError):
        return False


@functools.cache
def settings_schema_validator() -> Any:
    from jsonschema import Draft202012Validator

    from stacks.settings_schema import block_schema

    return Draft202012Validator(block_schema())


# --- 2. constructs and functions ----------------------------------------------------------------------


def new_app() -> App:
    return App(context=dict(FEATURE_FLAGS))


def new_stack(app: App | None = None, region: str | None = REGION) -> Stack:
    return Stack(app or new_app(), gen.unique("Case"), env=Environment(region=region) if region else None)


def imported(kind: str, stack: Stack) -> Any:
    """A cheap bring-your-own object of ``kind`` in ``stack``, or a literal where an object is expected."""
    if kind == "vpc":
        return ec2.Vpc.from_vpc_attributes(
            stack,
            gen.unique("Vpc"),
            vpc_id="vpc-0123456789abcdef0",
            vpc_cidr_block="10.1.0.0/16",
            availability_zones=[f"{REGION}a", f"{REGION}b"],
            isolated_subnet_ids=["subnet-0a", "subnet-0b"],
            isolated_subnet_route_table_ids=["rtb-0a", "rtb-0b"],
        )
    if kind == "key":
        return kms.Key.from_key_arn(stack, gen.unique("Key"), KEY_ARN)
    if kind == "topic":
        return sns.Topic.from_topic_arn(stack, gen.unique("Topic"), TOPIC_ARN)
    if kind == "bucket":
        return s3.Bucket.from_bucket_name(stack, gen.unique("Bucket"), "evidence-bucket")
    if kind == "role":
        return iam.Role.from_role_arn(stack, gen.unique("Role"), ROLE_ARN)
    if kind == "security_group":
        return ec2.SecurityGroup.from_security_group_id(stack, gen.unique("Sg"), "sg-0123456789abcdef0")
    if kind == "stack":
        return stack
    if kind == "app":
        return stack.node.root
    if kind == "principal":
        return iam.AccountRootPrincipal()
    if kind == "subnets":
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
    if kind == "statement":
        return iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])
    return {
        "vpc_id": "vpc-0123456789abcdef0",
        "key_arn": KEY_ARN,
        "topic_arn": TOPIC_ARN,
        "role_arn": ROLE_ARN,
        "bucket_name": "evidence-bucket",
        "sg_id": "sg-0123456789abcdef0",
    }[kind]


OBJECT_KINDS = (
    "vpc",
    "key",
    "topic",
    "bucket",
    "role",
    "security_group",
    "stack",
    "app",
    "principal",
    "subnets",
    "statement",
    "vpc_id",
    "key_arn",
    "topic_arn",
    "role_arn",
    "bucket_name",
    "sg_id",
)


@functools.cache
def objects(*exclude: str) -> st.SearchStrategy[Any]:
    """CDK objects of the wrong kind, and literal ids or ARNs where an object is expected."""
    return st.sampled_from([gen.Recipe(kind) for kind in OBJECT_KINDS if kind not in exclude])


@functools.cache
def hostile_for(*exclude: str) -> st.SearchStrategy[Any]:
    return st.one_of(gen.hostile(), objects(*exclude))


def materialize(value: Any, scope: Construct) -> Any:
    """``value`` with every recipe built in ``scope``'s stack (inside lists, tuples, dicts and dataclasses too)."""
    if isinstance(value, gen.Recipe):
        if value.kind == "taken":
            # An id already used in the scope the construct is created in.
            if scope.node.try_find_child("Taken") is None:
                Construct(scope, "Taken")
            return "Taken"
        return imported(value.kind, Stack.of(scope))
    if isinstance(value, list):
        return [materialize(item, scope) for item in value]
    if isinstance(value, tuple):
        return tuple(materialize(item, scope) for item in value)
    if isinstance(value, dict):
        return {key: materialize(item, scope) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: materialize(getattr(value, f.name), scope)
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), gen.Recipe)
        }
        return dataclasses.replace(value, **changes) if changes else value
    return value


@functools.cache
def construct_ids() -> st.SearchStrategy[Any]:
    """Ids that are empty, tokens, taken, or not strings."""
    return st.one_of(
        st.sampled_from(["", "a/b"]), st.just(gen.Recipe("taken")), gen.string_tokens(), gen.hostile_scalars()
    )


@functools.cache
def scopes() -> st.SearchStrategy[Any]:
    """Scopes that are not constructs, or not in a stack."""
    return st.one_of(st.just(gen.Recipe("app")), gen.hostile_scalars())


def removal_policies() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["RETAIN", "destroy", 0, logs.RetentionDays.ONE_DAY]), gen.hostile_scalars()
    )


def retentions() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([2192, "SIX_YEARS", RemovalPolicy.RETAIN, Duration.days(2192)]), gen.hostile_scalars()
    )


@functools.cache
def principals() -> st.SearchStrategy[Any]:
    """Principals that are too wide, malformed, or not principals at all."""
    return st.one_of(
        st.sampled_from(
            [
                "star",
                "any",
                "arn_star",
                "bad_arn",
                "bad_account",
                "service_star",
                "composite_star",
                "arn_string",
                "arn_token",
            ]
        ).map(_principal),
        hostile_for("principal"),
    )


def _principal(kind: str) -> Any:
    return {
        "star": lambda: iam.StarPrincipal(),
        "any": lambda: iam.AnyPrincipal(),
        "arn_star": lambda: iam.ArnPrincipal("*"),
        "bad_arn": lambda: iam.ArnPrincipal("arn:aws:iam::1:role/x"),
        "bad_account": lambda: iam.AccountPrincipal("1234"),
        "service_star": lambda: iam.ServicePrincipal("*"),
        "composite_star": lambda: iam.CompositePrincipal(iam.AccountRootPrincipal(), iam.ArnPrincipal("*")),
        "arn_string": lambda: ROLE_ARN,
        "arn_token": lambda: iam.ArnPrincipal(gen._string_token("ref")),
    }[kind]()


@dataclasses.dataclass
class Subject:
    """One public construct or function, its valid arguments, and hostile values per argument."""

    name: str
    call: Callable[[dict[str, Any]], object]
    valid: Callable[[Stack], dict[str, Any]]
    hostile: dict[str, st.SearchStrategy[Any]]
    examples: int
    #: The type each argument takes (see ``strategies.type_ok``): a value of another type must be rejected.
    types: dict[str, str] = dataclasses.field(default_factory=dict)
    #: Names the message may use for an argument besides the argument itself.
    aliases: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    region: str | None = REGION
    #: Skip ``None`` (the default, so accepted) where every accepted call is expensive.
    skip_none: bool = False


SCOPE_TYPES = {"scope": "scope", "construct_id": "id"}


def _not_none(value: Any) -> bool:
    return value is not None


def check(subject: Subject, app: App | None = None) -> None:
    """Replace one or two arguments by hostile values; the call succeeds or fails naming one of them."""

    # Two thirds from the argument's own hostile values, a third from any hostile value.
    values = {
        argument: st.one_of(specific, specific, hostile_for())
        for argument, specific in subject.hostile.items()
    }
    if subject.skip_none:
        values = {argument: strategy.filter(_not_none) for argument, strategy in values.items()}
    arguments = st.lists(st.sampled_from(sorted(subject.hostile)), min_size=1, max_size=2, unique=True)
    # One stack holds the valid arguments and every example; each example gets a scope of its own.
    stack = new_stack(app or new_app(), subject.region)
    shared = subject.valid(stack)

    @given(st.data())
    @gen.property_settings(subject.examples)
    def run(data: st.DataObject) -> None:
        scope = Construct(stack, gen.unique("Case"))
        kwargs = {argument: scope if value is stack else value for argument, value in shared.items()}
        chosen = data.draw(arguments, label="arguments")
        wrong_types = []
        for argument in chosen:
            value = kwargs[argument] = materialize(data.draw(values[argument], label=argument), scope)
            spec = {**SCOPE_TYPES, **subject.types}.get(argument)
            if spec is not None and not gen.type_ok(spec, value):
                wrong_types.append(f"{argument}={value!r:.80} (not {spec})")
        names = [alias for argument in chosen for alias in (argument, *subject.aliases.get(argument, ()))]
        gen.attempt(subject.name, lambda: subject.call(kwargs), names, must_reject=", ".join(wrong_types))

    run()


def construct(cls: type) -> Callable[[dict[str, Any]], object]:
    def call(kwargs: dict[str, Any]) -> object:
        kwargs = dict(kwargs)
        return cls(kwargs.pop("scope"), kwargs.pop("construct_id"), **kwargs)

    return call


def one_at_a_time(call: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], object]:
    """For a construct of which an account and region holds one: each accepted one leaves the tree
    (all of it is under its own node), so the next example's is not refused as a second."""

    def run(kwargs: dict[str, Any]) -> object:
        created = call(kwargs)
        # Only an accepted one leaves: a refusal must come before anything is created, and a part-built
        # one left behind makes the next accepted example fail.
        if isinstance(created, Construct) and created.node.scope is not None:
            created.node.scope.node.try_remove_child(created.node.id)
        return created

    return run


def scope_arguments() -> dict[str, Callable[[Stack], st.SearchStrategy[Any]]]:
    return {"scope": scopes(), "construct_id": construct_ids()}


def base(stack: Stack, **kwargs: Any) -> dict[str, Any]:
    return {"scope": stack, "construct_id": "Subject", **kwargs}


# --- models -----------------------------------------------------------------------------------------


def regions() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(st.sampled_from(["us-east-1", "us-west-2", "eu-west-1"]), min_size=1, max_size=3),
        gen.hostile_list_of(st.just("us-east-1"), st.one_of(gen.adversarial_strings(), gen.string_tokens())),
    )


def test_model_references() -> None:
    """FoundationModel, BedrockModels.resolve, CrossRegionInferenceProfile.of, ApplicationInferenceProfileModel."""
    check(
        Subject(
            "models: FoundationModel",
            lambda kw: FoundationModel(kw["model_id"]),
            lambda stack: {"model_id": "amazon.nova-pro-v1:0"},
            {"model_id": gen.malformed_model_ids()},
            examples=25,
            types={"model_id": "str"},
        )
    )
    check(
        Subject(
            "models: BedrockModels.resolve",
            lambda kw: BedrockModels.resolve(kw["model_id"]),
            lambda stack: {"model_id": "us.amazon.nova-pro-v1:0"},
            {"model_id": gen.malformed_model_ids()},
            examples=25,
            types={"model_id": "str"},
        )
    )
    check(
        Subject(
            "models: CrossRegionInferenceProfile.of",
            lambda kw: CrossRegionInferenceProfile.of(
                kw["profile_id"],
                source_regions=kw["source_regions"],
                destination_regions=kw["destination_regions"],
            ),
            lambda stack: {
                "profile_id": "us.example.model-v1:0",
                "source_regions": ["us-east-1"],
                "destination_regions": ["us-east-1", "us-west-2"],
            },
            {
                "profile_id": st.one_of(gen.malformed_model_ids(), st.just("global.example.model-v1:0")),
                "source_regions": regions(),
                "destination_regions": regions(),
            },
            examples=30,
            types={"profile_id": "str"},
        )
    )
    check(
        Subject(
            "models: ApplicationInferenceProfileModel",
            lambda kw: ApplicationInferenceProfileModel(kw["arn"], kw["source"]),
            lambda stack: {"arn": APP_PROFILE_ARN, "source": BedrockModels.US_AMAZON_NOVA_PRO},
            {
                "arn": st.one_of(
                    gen.string_tokens(), st.sampled_from([APP_PROFILE_ARN + "\n", ROLE_ARN, "abc123"])
                ),
                "source": st.sampled_from(["us.amazon.nova-pro-v1:0", APP_PROFILE_ARN]),
            },
            examples=20,
            types={"arn": "str", "source": "attr:model_id"},
        )
    )


def test_endpoint_service_names_object_lock_and_checks() -> None:
    check(
        Subject(
            "BedrockEndpointService.from_name",
            lambda kw: BedrockEndpointService.from_name(kw["service"]),
            lambda stack: {"service": "bedrock"},
            {"service": st.sampled_from(["bedrock-runtime", "BEDROCK", "bedrock\n", "bedrock-agents"])},
            examples=15,
        )
    )
    check(
        Subject(
            "ObjectLock",
            lambda kw: ObjectLock(kw["mode"], kw["days"]),
            lambda stack: {"mode": "COMPLIANCE", "days": 2192},
            {
                "mode": st.sampled_from(["GOVERNANCE", "compliance", "FOREVER", ""]),
                "days": st.one_of(st.integers(-5, 40000), gen.number_tokens()),
            },
            examples=20,
            types={"mode": "str", "days": "int"},
        )
    )
    check(
        Subject(
            "BedrockChecks",
            lambda kw: BedrockChecks(**kw),
            lambda stack: {"minimum_log_retention_days": 2192, "cost_tag_keys": ["team"]},
            {
                "minimum_log_retention_days": st.integers(-5, 5000),
                "cost_tag_keys": gen.hostile_list_of(st.just("team"), st.sampled_from(["", 5])),
            },
            examples=15,
            types={"minimum_log_retention_days": "int", "cost_tag_keys": "list"},
        )
    )


# --- network, storage, logging, audit -----------------------------------------------------------------


def test_private_network() -> None:
    def valid(stack: Stack) -> dict[str, Any]:
        return base(stack, models=[BedrockModels.US_AMAZON_NOVA_PRO], vpc=imported("vpc", stack))

    new_vpc_only = {"vpc_cidr", "max_azs", "flow_log_encryption_key", "flow_log_retention", "removal_policy"}
    call = construct(BedrockPrivateNetwork)

    def cidrs() -> st.SearchStrategy[Any]:
        return gen.hostile_list_of(
            st.sampled_from(["10.2.0.0/16", "192.168.0.0/24"]), gen.adversarial_strings()
        )

    subject = Subject(
        "BedrockPrivateNetwork",
        call,
        valid,
        {
            **scope_arguments(),
            "models": gen.hostile_models(),
            "allowed_principals": gen.hostile_list_of(st.just(iam.AccountRootPrincipal()), principals()),
            "services": gen.hostile_list_of(
                st.sampled_from(list(BedrockEndpointService)),
                st.sampled_from(["bedrock", "bedrock-runtime", "BEDROCK"]),
            ),
            "vpc": objects("vpc"),
            "vpc_subnets": objects("subnets"),
            "vpc_cidr": st.one_of(st.sampled_from(gen.ALWAYS_WRONG["vpc_cidr"]), gen.string_tokens()),
            "max_azs": st.one_of(st.integers(-3, 9), gen.number_tokens()),
            "allowed_cidrs": cidrs(),
            "allowed_security_groups": gen.hostile_list_of(
                st.just(gen.Recipe("security_group")),
                objects("security_group"),
            ),
            "allow_apply_guardrail": gen.hostile_scalars(),
            "allow_count_tokens": gen.hostile_scalars(),
            "flow_log_encryption_key": objects("key"),
            "flow_log_retention": retentions(),
            "removal_policy": removal_policies(),
        },
        examples=30,
        types={
            "models": "list",
            "allowed_principals": "list?",
            "services": "list?",
            "vpc": "attr:vpc_id?",
            "vpc_subnets": "attr:subnet_type?",
            "vpc_cidr": "str",
            "max_azs": "int",
            "allowed_cidrs": "list?",
            "allowed_security_groups": "list?",
            "allow_apply_guardrail": "bool",
            "allow_count_tokens": "bool",
            "flow_log_encryption_key": "attr:key_arn?",
            "flow_log_retention": "enum:RetentionDays",
            "removal_policy": "enum:RemovalPolicy",
        },
    )
    check(subject)
    # Without a VPC of your own: the new VPC's shape and its flow logs.
    check(
        dataclasses.replace(
            subject,
            name="BedrockPrivateNetwork (new VPC)",
            valid=lambda stack: base(stack, models=[BedrockModels.AMAZON_NOVA_PRO]),
            hostile={k: v for k, v in subject.hostile.items() if k in new_vpc_only | {"models"}},
            examples=10,
        )
    )


def test_flow_logs_and_acknowledgements() -> None:
    check(
        Subject(
            "add_encrypted_flow_logs",
            lambda kw: add_encrypted_flow_logs(kw["scope"], **{k: v for k, v in kw.items() if k != "scope"}),
            lambda stack: {"scope": stack, "vpc": imported("vpc", stack)},
            {
                "scope": scopes(),
                "vpc": objects("vpc"),
                "encryption_key": objects("key"),
                "retention": retentions(),
                "removal_policy": removal_policies(),
            },
            examples=10,
            types={
                "scope": "scope",
                "vpc": "attr:vpc_id",
                "encryption_key": "attr:key_arn?",
                "retention": "enum:RetentionDays",
                "removal_policy": "enum:RemovalPolicy",
            },
        )
    )
    rule_ids = st.one_of(st.sampled_from(["AwsSolutions::AwsSolutions-IAM5", "", "  "]), gen.hostile())
    reasons = st.one_of(st.sampled_from(["too short", "x" * 20, " " * 30]), gen.hostile())
    check(
        Subject(
            "acknowledge",
            lambda kw: acknowledge(kw["scope"], kw["rule_id"], kw["reason"]),
            lambda stack: {"scope": stack, "rule_id": "AwsSolutions::AwsSolutions-S1", "reason": "x" * 30},
            {"scope": scopes(), "rule_id": rule_ids, "reason": reasons},
            examples=20,
            types={"scope": "attr:node", "rule_id": "str", "reason": "str"},
        )
    )
    check(
        Subject(
            "acknowledge_wildcard_resources",
            lambda kw: acknowledge_wildcard_resources(kw["scope"], kw["resources"], kw["reason"]),
            lambda stack: {"scope": stack, "resources": ["arn:aws:s3:::bucket/*"], "reason": "x" * 30},
            {
                "scope": scopes(),
                "resources": gen.hostile_list_of(
                    st.just("arn:aws:s3:::bucket/*"), st.sampled_from(["*", "arn:aws:s3:::b/*"])
                ),
                "reason": reasons,
            },
            examples=20,
            types={"scope": "scope", "resources": "list", "reason": "str"},
        )
    )


def object_locks() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["COMPLIANCE", {"mode": "COMPLIANCE", "days": 1}]),
        st.integers(1, 36500).map(ObjectLock.governance),
        gen.hostile_scalars(),
    )


def days() -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(-10, 40000), gen.number_tokens(), gen.hostile_numbers())


def test_secure_log_bucket() -> None:
    check(
        Subject(
            "SecureLogBucket",
            construct(SecureLogBucket),
            lambda stack: base(stack, encryption_key=imported("key", stack)),
            {
                **scope_arguments(),
                "encryption_key": objects("key"),
                "server_access_logs_bucket": objects("bucket"),
                "retention_days": days(),
                "transition_after_days": days(),
                "object_lock": object_locks(),
                "removal_policy": removal_policies(),
            },
            examples=25,
            types={
                "encryption_key": "attr:key_arn",
                "server_access_logs_bucket": "attr:bucket_arn?",
                "retention_days": "int",
                "transition_after_days": "int",
                "object_lock": "attr:to_retention?",
                "removal_policy": "enum:RemovalPolicy",
            },
        )
    )


def test_model_invocation_logging() -> None:
    booleans = {
        name: st.one_of(st.just(False), gen.hostile_scalars())
        for name in ("text", "image", "embedding", "video", "audio")
    }
    check(
        Subject(
            "ModelInvocationLogging",
            one_at_a_time(construct(ModelInvocationLogging)),
            lambda stack: base(stack, vpc=imported("vpc", stack), encryption_key=imported("key", stack)),
            {
                **scope_arguments(),
                "vpc": objects("vpc"),
                "vpc_subnets": objects("subnets"),
                "encryption_key": objects("key"),
                "server_access_logs_bucket": objects("bucket"),
                "key_prefix": st.one_of(
                    st.sampled_from(["", "a/b", "x" * 201, "logs "]),
                    gen.string_tokens(),
                    gen.adversarial_strings(),
                ),
                **booleans,
                "retention_days": days(),
                "log_retention": retentions(),
                "object_lock": object_locks(),
                "removal_policy": removal_policies(),
            },
            examples=20,
            types={
                "vpc": "attr:vpc_id",
                "vpc_subnets": "attr:subnet_type?",
                "encryption_key": "attr:key_arn?",
                "server_access_logs_bucket": "attr:bucket_arn?",
                "key_prefix": "str",
                **dict.fromkeys(booleans, "bool"),
                "retention_days": "int",
                "log_retention": "enum:RetentionDays",
                "object_lock": "attr:to_retention?",
                "removal_policy": "enum:RemovalPolicy",
            },
            aliases=dict.fromkeys(booleans, ("text, image, embedding, video, audio",)),
        )
    )


def test_audit_trail() -> None:
    check(
        Subject(
            "BedrockAuditTrail",
            construct(BedrockAuditTrail),
            lambda stack: base(
                stack, encryption_key=imported("key", stack), bucket=imported("bucket", stack)
            ),
            {
                **scope_arguments(),
                "encryption_key": objects("key"),
                "bucket": objects("bucket"),
                "data_event_types": gen.hostile_list_of(
                    st.sampled_from(BEDROCK_DATA_EVENT_TYPES),
                    st.sampled_from(["AWS::S3::Object", "AWS::Bedrock::", "aws::bedrock::guardrail"]),
                ),
                "retention_days": days(),
                "log_retention": retentions(),
                "object_lock": object_locks(),
                "removal_policy": removal_policies(),
            },
            examples=20,
            types={
                "encryption_key": "attr:key_arn?",
                "bucket": "attr:bucket_arn?",
                "data_event_types": "list",
                "retention_days": "int",
                "log_retention": "enum:RetentionDays",
                "object_lock": "attr:to_retention?",
                "removal_policy": "enum:RemovalPolicy",
            },
        )
    )


def test_hardened_function() -> None:
    check(
        Subject(
            "HardenedFunction",
            construct(HardenedFunction),
            lambda stack: base(
                stack,
                code_path=HANDLER_CODE,
                description="a test function",
                vpc=imported("vpc", stack),
                encryption_key=imported("key", stack),
                statements=[],
            ),
            {
                **scope_arguments(),
                "code_path": st.sampled_from(["/nonexistent", "", __file__, "./nonexistent"]),
                "description": st.one_of(st.just("d" * 257), gen.adversarial_strings()),
                "vpc": objects("vpc"),
                "encryption_key": objects("key"),
                "statements": gen.hostile_list_of(st.just(gen.Recipe("statement")), objects("statement")),
                "vpc_subnets": objects("subnets"),
                "handler": st.one_of(
                    st.sampled_from(["", "index", "a.b.c", "x" * 200]), gen.adversarial_strings()
                ),
                "timeout": st.sampled_from(
                    [Duration.minutes(16), Duration.seconds(0), Duration.millis(500), 60, "1m"]
                ),
                "log_retention": retentions(),
                "removal_policy": removal_policies(),
            },
            examples=20,
            types={
                "code_path": "str",
                "description": "str",
                "vpc": "attr:vpc_id",
                "encryption_key": "attr:key_arn",
                "statements": "list",
                "vpc_subnets": "attr:subnet_type?",
                "handler": "str",
                "timeout": "attr:to_seconds?",
                "log_retention": "enum:RetentionDays",
                "removal_policy": "enum:RemovalPolicy",
            },
        )
    )


# --- guardrail ----------------------------------------------------------------------------------------

POLICY_FIELDS: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "content_filters": gen.hostile_content_filters,
    "content_filters_tier": lambda: gen.CHOICE,
    "denied_topics": gen.hostile_denied_topics,
    "topics_tier": lambda: st.one_of(st.sampled_from(["STANDARD", "classic"]), gen.CHOICE),
    "words": lambda: gen.hostile_list_of(
        st.text(min_size=1, max_size=10), st.text(min_size=101, max_size=102)
    ),
    "profanity_filter": gen.hostile_scalars,
    "pii_entities": gen.hostile_pii_entities,
    "regex_filters": gen.hostile_regex_filters,
    "grounding_threshold": gen.hostile_numbers,
    "relevance_threshold": gen.hostile_numbers,
    "blocked_input_message": lambda: st.one_of(
        st.just("m" * 501), gen.adversarial_strings(), gen.string_tokens()
    ),
    "blocked_output_message": lambda: st.one_of(
        st.just("m" * 501), gen.adversarial_strings(), gen.string_tokens()
    ),
}


def test_guardrail_policy() -> None:
    """GuardrailPolicy and its filters (ContentFilter, DeniedTopic, PiiEntity, RegexFilter), through BedrockGuardrail."""

    policy_fields = st.lists(st.sampled_from(sorted(POLICY_FIELDS)), min_size=1, max_size=2, unique=True)
    field_values = {field: strategy() for field, strategy in POLICY_FIELDS.items()}
    app = new_app()

    @given(st.data())
    @gen.property_settings(60)
    def run(data: st.DataObject) -> None:
        stack = new_stack(app)
        fields = data.draw(policy_fields)
        changes = {field: data.draw(field_values[field], label=field) for field in fields}
        policy = dataclasses.replace(GuardrailPolicy.hipaa(), **changes)
        gen.attempt(
            "GuardrailPolicy (+ filters) via BedrockGuardrail",
            lambda: BedrockGuardrail(stack, "Guardrail", policy=policy),
            [*fields, "policy", "cross_region_profile"],
        )

    run()


def test_guardrail() -> None:
    check(
        Subject(
            "BedrockGuardrail",
            construct(BedrockGuardrail),
            lambda stack: base(stack, policy=GuardrailPolicy.hipaa()),
            {
                **scope_arguments(),
                "policy": st.sampled_from([GuardrailPolicy(), "hipaa", {"words": ["x"]}]),
                "name": st.one_of(
                    st.sampled_from(["", "a" * 51, "has space", "name\n"]),
                    gen.string_tokens(),
                    gen.adversarial_strings(),
                ),
                "description": st.one_of(st.just("d" * 201), gen.adversarial_strings(), gen.string_tokens()),
                "encryption_key": objects("key"),
                "cross_region_profile": st.one_of(
                    st.sampled_from(gen.ALWAYS_WRONG["guardrail_profile"]), gen.string_tokens()
                ),
                "cross_region_destinations": gen.hostile_list_of(
                    st.just("us-west-2"), st.one_of(gen.adversarial_strings(), gen.string_tokens())
                ),
                "enforce_in_account": gen.hostile_scalars(),
                "enforced_models": gen.hostile_models(),
                "exempt_models": gen.hostile_models(),
                "removal_policy": removal_policies(),
            },
            examples=30,
            types={
                "policy": "attr:fingerprint",
                "name": "str?",
                "description": "str",
                "encryption_key": "attr:key_arn?",
                "cross_region_profile": "str?",
                "cross_region_destinations": "list",
                "enforce_in_account": "bool",
                "enforced_models": "list",
                "exempt_models": "list",
                "removal_policy": "enum:RemovalPolicy",
            },
            aliases={"enforced_models": ("enforce_in_account",), "exempt_models": ("enforce_in_account",)},
        )
    )


# --- access, teams ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evidence() -> tuple[App, BedrockGuardrail, ModelInvocationLogging, BedrockAuditTrail]:
    """One guardrail, invocation logging and audit trail, shared by the access and monitoring properties."""
    app = new_app()
    stack = Stack(app, "Evidence", env=Environment(region=REGION))
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    logging = ModelInvocationLogging(stack, "Logging", vpc=imported("vpc", stack))
    trail = BedrockAuditTrail(stack, "Trail")
    return app, guardrail, logging, trail


def vpce_ids() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(["vpce-0123456789abcdef0", "vpc-123", "", "*", "vpce-XYZ"]),
        gen.string_tokens(),
        gen.hostile(),
    )


def test_access(evidence: tuple[App, BedrockGuardrail, ModelInvocationLogging, BedrockAuditTrail]) -> None:
    app, guardrail, logging, trail = evidence
    models = [BedrockModels.US_AMAZON_NOVA_PRO, BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2]
    check(
        Subject(
            "BedrockInvokerRole",
            construct(BedrockInvokerRole),
            lambda stack: base(
                stack, assumed_by=iam.AccountRootPrincipal(), models=models, guardrail=guardrail
            ),
            {
                **scope_arguments(),
                "assumed_by": principals(),
                "models": gen.hostile_models(),
                "guardrail": objects(),
                "source_vpce": vpce_ids(),
                "description": st.one_of(st.just("d" * 1001), gen.adversarial_strings(), gen.string_tokens()),
            },
            examples=30,
            types={
                "assumed_by": "attr:policy_fragment",
                "models": "list",
                "guardrail": "attr:guardrail_version_arn?",
                "source_vpce": "str?",
                "description": "str",
            },
        ),
        app,
    )
    check(
        Subject(
            "BedrockAdministrator",
            construct(BedrockAdministrator),
            lambda stack: base(stack, assumed_by=iam.AccountRootPrincipal(), invocation_logging=logging),
            {
                **scope_arguments(),
                "assumed_by": principals(),
                "invocation_logging": st.one_of(st.just(trail), objects()),
            },
            examples=15,
            types={
                "assumed_by": "attr:policy_fragment",
                "invocation_logging": "attr:pass_delivery_role_statement?",
            },
        ),
        app,
    )
    check(
        Subject(
            "BedrockAuditor",
            construct(BedrockAuditor),
            lambda stack: base(stack, invocation_logging=logging, audit_trail=trail),
            {
                **scope_arguments(),
                "assumed_by": principals(),
                "invocation_logging": st.one_of(st.just(trail), objects()),
                "audit_trail": st.one_of(st.just(logging), objects()),
            },
            examples=15,
            types={
                "assumed_by": "attr:policy_fragment?",
                "invocation_logging": "attr:pass_delivery_role_statement?",
                "audit_trail": "attr:trail_arn?",
            },
        ),
        app,
    )
    check(
        Subject(
            "grant_invoke",
            lambda kw: grant_invoke(
                kw["grantee"], models=kw["models"], guardrail=kw["guardrail"], source_vpce=kw["source_vpce"]
            ),
            lambda stack: {
                "grantee": iam.Role(stack, gen.unique("Role"), assumed_by=iam.AccountRootPrincipal()),
                "models": models,
                "guardrail": guardrail,
                "source_vpce": None,
            },
            {
                "grantee": st.one_of(objects("role"), st.just(iam.AccountRootPrincipal())),
                "models": gen.hostile_models(),
                "guardrail": objects(),
                "source_vpce": vpce_ids(),
            },
            examples=20,
            types={
                "grantee": "attr:grant_principal",
                "models": "list",
                "guardrail": "attr:guardrail_version_arn?",
                "source_vpce": "str?",
            },
        ),
        app,
    )
    check(
        Subject(
            "invoke_statements",
            lambda kw: invoke_statements(
                kw["scope"], models=kw["models"], guardrail=kw["guardrail"], source_vpce=kw["source_vpce"]
            ),
            lambda stack: {"scope": stack, "models": models, "guardrail": guardrail, "source_vpce": None},
            {
                "scope": scopes(),
                "models": gen.hostile_models(),
                "guardrail": objects(),
                "source_vpce": vpce_ids(),
            },
            examples=20,
            types={
                "scope": "scope",
                "models": "list",
                "guardrail": "attr:guardrail_version_arn?",
                "source_vpce": "str?",
            },
        ),
        app,
    )


def team_names() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(gen.ALWAYS_WRONG["team_name"]), gen.string_tokens(), gen.adversarial_strings()
    )


def cost_centers() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(gen.ALWAYS_WRONG["cost_center"]), gen.string_tokens(), gen.adversarial_strings()
    )


def test_team(evidence: tuple[App, BedrockGuardrail, ModelInvocationLogging, BedrockAuditTrail]) -> None:
    app, guardrail, _, _ = evidence
    check(
        Subject(
            "BedrockTeam",
            construct(BedrockTeam),
            lambda stack: base(
                stack,
                name="claims",
                cost_center="CC-1001",
                models=[BedrockModels.US_AMAZON_NOVA_PRO],
                assumed_by=iam.AccountRootPrincipal(),
                guardrail=guardrail,
            ),
            {
                **scope_arguments(),
                "name": team_names(),
                "cost_center": cost_centers(),
                "models": st.one_of(
                    gen.hostile_models(),
                    st.just(None).map(
                        lambda _: [
                            ApplicationInferenceProfileModel(
                                APP_PROFILE_ARN, BedrockModels.US_AMAZON_NOVA_PRO
                            )
                        ]
                    ),
                ),
                "assumed_by": principals(),
                "guardrail": objects(),
                "source_vpce": vpce_ids(),
            },
            examples=20,
            types={
                "name": "str",
                "cost_center": "str",
                "models": "list",
                "assumed_by": "attr:policy_fragment",
                "guardrail": "attr:guardrail_version_arn?",
                "source_vpce": "str?",
            },
        ),
        app,
    )


# --- monitoring and budgets ---------------------------------------------------------------------------

THRESHOLD_FIELDS = [field.name for field in dataclasses.fields(AlarmThresholds)]


def alarm_thresholds() -> st.SearchStrategy[Any]:
    def build(field: str, value: Any) -> AlarmThresholds:
        return dataclasses.replace(AlarmThresholds(), **{field: value})

    return st.one_of(
        st.builds(
            build, st.sampled_from(THRESHOLD_FIELDS), st.one_of(gen.hostile_numbers(), gen.number_tokens())
        ),
        st.sampled_from([{"server_errors": 1}, "defaults"]),
    )


def emails() -> st.SearchStrategy[Any]:
    return gen.hostile_list_of(
        st.sampled_from(["oncall@example.com", "a@b.io"]), st.sampled_from(gen.ALWAYS_WRONG["email"])
    )


def test_monitoring(
    evidence: tuple[App, BedrockGuardrail, ModelInvocationLogging, BedrockAuditTrail],
) -> None:
    app, guardrail, logging, _ = evidence
    models = [BedrockModels.AMAZON_NOVA_PRO]
    check(
        Subject(
            "BedrockMonitoring",
            construct(BedrockMonitoring),
            lambda stack: base(stack, models=models, encryption_key=imported("key", stack)),
            {
                **scope_arguments(),
                "models": gen.hostile_models(),
                "topic": objects("topic"),
                "encryption_key": objects("key"),
                "email_subscribers": emails(),
                "https_subscribers": gen.hostile_list_of(
                    st.just("https://hooks.example.com/alarms"), st.sampled_from(gen.ALWAYS_WRONG["https"])
                ),
                "guardrail": st.one_of(st.just(logging), objects()),
                "invocation_logging": st.one_of(st.just(guardrail), objects()),
                "teams": gen.hostile_list_of(st.just(guardrail), objects()),
                "tpm_quotas": st.one_of(
                    st.dictionaries(
                        st.one_of(st.just("amazon.nova-pro-v1:0"), gen.MODEL_ID_TEXT, gen.hostile_scalars()),
                        st.one_of(st.integers(-5, 10**6), gen.hostile_numbers(), gen.number_tokens()),
                        min_size=1,
                        max_size=3,
                    ),
                    gen.hostile(),
                ),
                "thresholds": alarm_thresholds(),
                "removal_policy": removal_policies(),
            },
            examples=30,
            types={
                "models": "list",
                "topic": "attr:topic_arn?",
                "encryption_key": "attr:key_arn?",
                "email_subscribers": "list",
                "https_subscribers": "list",
                "guardrail": "attr:metric_invocations_intervened?",
                "invocation_logging": "attr:pass_delivery_role_statement?",
                "teams": "list",
                "tpm_quotas": "map?",
                "thresholds": "attr:quota_fraction?",
                "removal_policy": "enum:RemovalPolicy",
            },
            aliases={"thresholds": ("thresholds.",), "topic": ("email_subscribers",)},
        ),
        app,
    )


def test_budgets(evidence: tuple[App, BedrockGuardrail, ModelInvocationLogging, BedrockAuditTrail]) -> None:
    app, guardrail, _, _ = evidence
    team_stack = Stack(app, "Teams", env=Environment(region=REGION))
    team = BedrockTeam(
        team_stack,
        "claims",
        name="claims",
        cost_center="CC-1",
        models=[BedrockModels.US_AMAZON_NOVA_PRO],
        assumed_by=iam.AccountRootPrincipal(),
        guardrail=guardrail,
    )
    amounts = st.one_of(st.floats(-10, 10), gen.hostile_numbers(), gen.number_tokens())
    check(
        Subject(
            "BedrockBudgets (+ TeamBudget)",
            construct(BedrockBudgets),
            lambda stack: base(
                stack,
                monthly_limit_usd=100,
                topic=imported("topic", stack),
                teams=[TeamBudget(team=team, monthly_limit_usd=10, hard_stop=True)],
            ),
            {
                **scope_arguments(),
                "monthly_limit_usd": amounts,
                "topic": objects("topic"),
                "thresholds_percent": gen.hostile_list_of(
                    st.sampled_from([50, 80.5, 100]), st.one_of(amounts, st.sampled_from([0, 100.01, -5]))
                ),
                "email_subscribers": emails(),
                "teams": gen.hostile_list_of(
                    st.builds(TeamBudget, team=st.just(team), monthly_limit_usd=st.just(5)),
                    st.builds(
                        TeamBudget,
                        team=st.one_of(st.just(guardrail), gen.hostile_scalars()),
                        monthly_limit_usd=amounts,
                        hard_stop=gen.hostile_scalars(),
                    ),
                ),
            },
            examples=30,
            types={
                "monthly_limit_usd": "number",
                "topic": "attr:topic_arn",
                "thresholds_percent": "list",
                "email_subscribers": "list",
                "teams": "list",
            },
        ),
        app,
    )


# --- the landing zone ----------------------------------------------------------------------------------


def team_specs() -> st.SearchStrategy[Any]:
    good = st.just(TeamSpec(name="claims", cost_center="CC-1", models=(BedrockModels.US_AMAZON_NOVA_PRO,)))
    bad = st.builds(
        TeamSpec,
        name=st.one_of(st.just("claims"), team_names()),
        cost_center=st.one_of(st.just("CC-1"), cost_centers()),
        models=st.one_of(st.just((BedrockModels.AMAZON_NOVA_LITE,)), gen.hostile_models()),
        assumed_by=st.one_of(
            st.none(),
            st.sampled_from(["star", "arn_string", "bad_arn"]).map(_principal),
            gen.hostile_scalars(),
        ),
        monthly_budget_usd=st.one_of(st.none(), st.floats(-5, 5), gen.hostile_numbers()),
        hard_stop=st.one_of(st.just(True), gen.hostile_scalars()),
    )
    return gen.hostile_list_of(good, st.one_of(bad, gen.hostile()))


def grouped(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The landing zone's arguments with each option (named as in FLAT_ARGUMENTS) in its option group."""
    kwargs = dict(kwargs)
    fields: dict[str, dict[str, Any]] = {}
    for flat, (group, field) in FLAT_ARGUMENTS.items():
        if flat in kwargs:
            fields.setdefault(group, {})[field] = kwargs.pop(flat)
    return {**kwargs, **{group: GROUPS[group](**values) for group, values in fields.items()}}


def test_landing_zone() -> None:
    """Every option of SecureBedrockLandingZone, in its option group (hostile values are rejected
    before anything is built, naming ``group.option``)."""
    build = one_at_a_time(construct(SecureBedrockLandingZone))
    check(
        Subject(
            "SecureBedrockLandingZone",
            lambda kwargs: build(grouped(kwargs)),
            lambda stack: base(stack, models=[BedrockModels.US_AMAZON_NOVA_PRO], vpc=imported("vpc", stack)),
            {
                **scope_arguments(),
                "models": gen.hostile_models(),
                "allowed_principals": gen.hostile_list_of(st.just(iam.AccountRootPrincipal()), principals()),
                "endpoint_services": gen.hostile_list_of(
                    st.sampled_from(list(BedrockEndpointService)),
                    st.sampled_from(["bedrock", "bedrock-runtime"]),
                ),
                "vpc": objects("vpc"),
                "vpc_subnets": objects("subnets"),
                "vpc_cidr": st.one_of(st.sampled_from(gen.ALWAYS_WRONG["vpc_cidr"]), gen.string_tokens()),
                "max_azs": st.one_of(st.integers(-3, 9), gen.number_tokens()),
                "allowed_cidrs": gen.hostile_list_of(st.just("10.2.0.0/16"), gen.adversarial_strings()),
                "allowed_security_groups": gen.hostile_list_of(
                    st.just(gen.Recipe("security_group")),
                    objects("security_group"),
                ),
                "flow_log_encryption_key": objects("key"),
                "log_retention": retentions(),
                "evidence_retention_days": days(),
                "object_lock": object_locks(),
                "invocation_log_data_types": gen.hostile_list_of(
                    st.sampled_from(INVOCATION_LOG_DATA_TYPES), st.sampled_from(gen.ALWAYS_WRONG["data_type"])
                ),
                "invocation_log_key": objects("key"),
                "adopt_existing_logging": gen.hostile_scalars(),
                "create_audit_trail": gen.hostile_scalars(),
                "audit_key": objects("key"),
                "auditor_principal": principals(),
                "guardrail_policy": st.one_of(
                    st.sampled_from([GuardrailPolicy(), "hipaa"]),
                    st.builds(lambda w: GuardrailPolicy(words=w), gen.hostile_list_of(st.just("x"))),
                ),
                "guardrail_cross_region_profile": st.sampled_from(gen.ALWAYS_WRONG["guardrail_profile"]),
                "guardrail_cross_region_destinations": gen.hostile_list_of(
                    st.just("us-west-2"), gen.adversarial_strings()
                ),
                "enforce_guardrail_in_account": gen.hostile_scalars(),
                "invoker_principal": principals(),
                "administrator_principal": principals(),
                "teams": team_specs(),
                "alarm_topic": objects("topic"),
                "alarm_emails": emails(),
                "alarm_https_endpoints": gen.hostile_list_of(
                    st.just("https://hooks.example.com/x"), st.sampled_from(gen.ALWAYS_WRONG["https"])
                ),
                "alarm_thresholds": alarm_thresholds(),
                "tpm_quotas": st.one_of(
                    st.dictionaries(
                        st.one_of(st.just("us.amazon.nova-pro-v1:0"), gen.MODEL_ID_TEXT),
                        st.one_of(st.integers(-5, 5), gen.hostile_numbers()),
                        min_size=1,
                        max_size=2,
                    ),
                    gen.hostile(),
                ),
                "monthly_budget_usd": st.one_of(st.floats(-10, 0), gen.hostile_numbers()),
                "budget_thresholds_percent": gen.hostile_list_of(
                    st.sampled_from([50, 100]), st.sampled_from([0, 101, -1, math.nan])
                ),
                "budget_emails": emails(),
                "removal_policy": removal_policies(),
                "residency": st.one_of(
                    st.sampled_from(["europe", "eu", "", ["eu-west-1"], []]),
                    gen.hostile_list_of(st.just("us-east-1"), gen.adversarial_strings()),
                    gen.hostile(),
                ),
            },
            examples=20,
            skip_none=True,
            types={
                "models": "list",
                "allowed_principals": "list?",
                "endpoint_services": "list?",
                "vpc": "attr:vpc_id?",
                "vpc_subnets": "attr:subnet_type?",
                "vpc_cidr": "str",
                "max_azs": "int",
                "allowed_cidrs": "list?",
                "allowed_security_groups": "list?",
                "flow_log_encryption_key": "attr:key_arn?",
                "log_retention": "enum:RetentionDays",
                "evidence_retention_days": "int",
                "object_lock": "attr:to_retention?",
                "invocation_log_data_types": "list",
                "invocation_log_key": "attr:key_arn?",
                "adopt_existing_logging": "bool",
                "create_audit_trail": "bool",
                "audit_key": "attr:key_arn?",
                "auditor_principal": "attr:policy_fragment?",
                "guardrail_policy": "attr:fingerprint?",
                "guardrail_cross_region_profile": "str?",
                "guardrail_cross_region_destinations": "list",
                "enforce_guardrail_in_account": "bool",
                "invoker_principal": "attr:policy_fragment?",
                "administrator_principal": "attr:policy_fragment?",
                "teams": "list",
                "alarm_topic": "attr:topic_arn?",
                "alarm_emails": "list",
                "alarm_https_endpoints": "list",
                "alarm_thresholds": "attr:quota_fraction?",
                "tpm_quotas": "map?",
                "monthly_budget_usd": "number?",
                "budget_thresholds_percent": "list",
                "budget_emails": "list",
                "removal_policy": "enum:RemovalPolicy",
            },
            aliases={
                **{flat: (f"{group}.{field}",) for flat, (group, field) in FLAT_ARGUMENTS.items()},
                "teams": ("access.teams", "operations.monthly_budget_usd"),
                "alarm_topic": ("operations.alarm_topic", "operations.alarm_emails"),
            },
        )
    )


def test_landing_zone_option_groups() -> None:
    """The option groups themselves: anything but the group's own class is refused, naming the group."""
    check(
        Subject(
            "SecureBedrockLandingZone option groups",
            one_at_a_time(construct(SecureBedrockLandingZone)),
            lambda stack: base(stack, models=[BedrockModels.US_AMAZON_NOVA_PRO]),
            {group: st.one_of(st.none(), gen.hostile()) for group in GROUPS},
            examples=10,
            types={group: f"attr:{next(iter(cls.__dataclass_fields__))}?" for group, cls in GROUPS.items()},
        )
    )


def test_organization_guardrails() -> None:
    """Every argument of BedrockOrganizationGuardrails: hostile values are refused, naming the argument,
    before anything is created."""
    from secure_bedrock import BedrockOrganizationGuardrails

    check(
        Subject(
            "BedrockOrganizationGuardrails",
            construct(BedrockOrganizationGuardrails),
            lambda stack: base(
                stack,
                models=[BedrockModels.US_AMAZON_NOVA_PRO],
                residency="us",
                target_ids=["ou-ab12-cdefgh34"],
                deployment_principals=["arn:aws:iam::*:role/stacksets-exec-*"],
            ),
            {
                **scope_arguments(),
                "models": gen.hostile_models(),
                "residency": st.one_of(
                    st.sampled_from(["europe", "", "us-east-1", ["eu-west-1"], []]),
                    gen.hostile_list_of(st.just("us-east-1"), gen.adversarial_strings()),
                    gen.hostile(),
                ),
                "target_ids": gen.hostile_list_of(
                    st.just("ou-ab12-cdefgh34"),
                    st.sampled_from(["ou-x", "r-", "12345678901", "OU-AB12-CDEFGH34"]),
                ),
                "deployment_principals": gen.hostile_list_of(
                    st.just("arn:aws:iam::*:role/deployer"), gen.adversarial_strings()
                ),
                "regulated": gen.hostile_scalars(),
                "organization_id": st.one_of(
                    st.sampled_from(["o-1", "", "O-AB12CD34EF", "o-ab12cd34ef\n"]), gen.hostile_scalars()
                ),
            },
            examples=20,
            skip_none=True,
            types={
                "models": "list",
                "target_ids": "list",
                "deployment_principals": "list",
                "regulated": "bool",
                "organization_id": "str?",
            },
        )
    )


# --- 3. random valid landing zones, synthesized with the compliance packs ------------------------------


def random_settings(rng: random.Random, stack_name: str) -> dict[str, Any]:
    """A random settings block that the loader must accept and the reference stack must build."""
    region = rng.choice(["us-east-1", "us-west-2", "eu-west-1"])
    served = [m.model_id for m in gen.models_served_in(region)]
    models = rng.sample(served, rng.randint(1, 3))
    arns = [f"arn:aws:iam::{ACCOUNT}:root", ROLE_ARN, "arn:aws:iam::444455556666:role/ops"]

    def principals() -> list[str]:
        return rng.sample(arns, rng.randint(0, 2))

    def some(values: list[Any], low: int = 0, high: int | None = None) -> list[Any]:
        return rng.sample(values, rng.randint(low, len(values) if high is None else high))

    teams = []
    for name in rng.sample(["claims", "research", "ops-1", "x9"], rng.randint(1, 2)):
        budget = rng.choice([None, rng.randint(1, 5000)])
        teams.append(
            {
                "name": name,
                "cost_center": rng.choice(["CC-1001", "R D", "cc:42/a=b+c@d", "Omega_1"]),
                "models": some(models, 1),
                "principals": principals(),
                "monthly_budget_usd": budget,
                "hard_stop": budget is not None and rng.random() < 0.5,
            }
        )
    retention = rng.randint(2192, 3653)
    optional = ["bedrock-agent", "bedrock-agent-runtime", "bedrock-data-automation"]
    cross_region = region.startswith("us-") and rng.random() < 0.5
    return {
        "stack_name": stack_name,
        "region": region,
        "account": None,
        "models": models,
        "allowed_principals": principals(),
        "network": {
            "vpc_cidr": f"10.{rng.randint(0, 255)}.0.0/{rng.randint(16, 24)}",
            "max_azs": 2,
            "endpoint_services": ["bedrock-runtime", "bedrock", *some(optional, 0, 2)],
            "allowed_cidrs": some(["192.168.0.0/24", "172.16.0.0/12", "10.200.0.0/16"], 0, 2),
        },
        "log_retention_days": rng.choice([2192, 2557, 3653]),
        "evidence": {
            "invocation_log_data_types": [
                "text",
                *some([t for t in INVOCATION_LOG_DATA_TYPES if t != "text"]),
            ],
            "retention_days": retention,
            "object_lock": rng.choice(
                [
                    None,
                    {"mode": rng.choice(["COMPLIANCE", "GOVERNANCE"]), "days": rng.randint(2192, retention)},
                ]
            ),
            "adopt_existing_logging": rng.random() < 0.3,
            "audit_trail": rng.random() < 0.7,
            "auditor_principals": principals(),
        },
        "guardrail": {
            "deny_medical_advice": rng.random() < 0.5,
            "cross_region_profile": "us.guardrail.v1:0" if cross_region else None,
            "cross_region_destinations": some(["us-east-2", "us-west-2"]) if cross_region else [],
            "enforce_in_account": rng.random() < 0.5,
        },
        "invoker_principals": principals(),
        "administrator_principals": principals(),
        "teams": teams,
        "monitoring": {
            "alarm_emails": some(["oncall@example.com", "sec@example.org"]),
            "https_endpoints": some(["https://hooks.example.com/bedrock"]),
            "tpm_quotas": {m: rng.randint(1, 10**6) for m in some(models)},
        },
        "budgets": {
            "monthly_limit_usd": rng.randint(1, 10**5),
            "thresholds_percent": rng.sample(range(1, 101), rng.randint(1, 4)),
            "emails": some(["finance@example.com", "cto@example.com"]),
        },
        "tags": {
            key: rng.choice(["secure-bedrock", "phi", "a b", "x:y/z"])
            for key in some(["project", "owner", "env"])
        },
    }


def random_landing_zone_kwargs(rng: random.Random, stack: Stack) -> dict[str, Any]:
    """Random valid arguments of SecureBedrockLandingZone beyond what the settings expose: thresholds,
    guardrail policies, team budgets, your own VPC and keys."""
    models = rng.sample(gen.models_served_in(REGION), rng.randint(1, 3))
    thresholds = AlarmThresholds(
        server_errors=rng.randint(0, 10),
        client_errors=rng.randint(0, 100),
        throttles=rng.randint(0, 10),
        latency_p90_ms=rng.randint(1, 60_000),
        latency_p99_ms=rng.randint(1, 120_000),
        anomaly_std_devs=rng.uniform(0.1, 10),
        anomaly_evaluation_periods=rng.randint(1, 288),
        quota_fraction=rng.uniform(0.05, 1),
        guardrail_interventions=rng.randint(0, 1000),
    )
    teams = []
    for index, name in enumerate(rng.sample(["claims", "research", "ops-1"], rng.randint(0, 2))):
        budget = rng.choice([None, rng.uniform(1, 1000)])
        teams.append(
            TeamSpec(
                name=name,
                cost_center=f"CC-{index}",
                models=tuple(rng.sample(models, rng.randint(1, len(models)))),
                monthly_budget_usd=budget,
                hard_stop=budget is not None and rng.random() < 0.5,
            )
        )
    policy = rng.choice(
        [
            GuardrailPolicy.hipaa(),
            GuardrailPolicy.hipaa(deny_medical_advice=True),
            dataclasses.replace(
                GuardrailPolicy.hipaa(), words=("project-x",), grounding_threshold=rng.uniform(0, 0.99)
            ),
        ]
    )
    kwargs: dict[str, Any] = {
        "models": models,
        "alarm_thresholds": thresholds,
        "tpm_quotas": {
            m.model_id: rng.randint(1, 10**6) for m in rng.sample(models, rng.randint(0, len(models)))
        },
        "teams": teams,
        "monthly_budget_usd": rng.uniform(1, 10**5),
        "budget_thresholds_percent": rng.sample([10, 25, 50, 75.5, 90, 100], rng.randint(1, 4)),
        "guardrail_policy": policy,
        "evidence_retention_days": rng.randint(2192, 3000),
        "invoker_principal": rng.choice([iam.AccountRootPrincipal(), iam.ArnPrincipal(ROLE_ARN)]),
        "auditor_principal": rng.choice([None, iam.ArnPrincipal(ROLE_ARN)]),
    }
    if rng.random() < 0.5:
        # Bring your own VPC (isolated subnets, its range known) and admit one client security group.
        kwargs["vpc"] = imported("vpc", stack)
        kwargs["allowed_security_groups"] = [imported("security_group", stack)]
    return kwargs


SEEDS = st.integers(0, 2**32 - 1)


def test_random_valid_landing_zones_pass_the_compliance_packs(tmp_path) -> None:
    """Random valid configurations in one app, synthesized once with the four packs and the Bedrock rules.

    Each configuration is drawn from a seed (hypothesis's first example is its simplest; a seeded
    generator makes even that one a random, rich configuration). One from a random settings block
    (through ``load_settings`` and the reference stack), one built directly.
    """
    app = App(context={**FEATURE_FLAGS, "@aws-cdk/core:validationReportJson": True}, outdir=str(tmp_path))
    configurations: dict[str, Any] = {}

    @given(SEEDS)
    @gen.property_settings(1)
    def from_settings(seed: int) -> None:
        name = gen.unique("Settings")
        block = random_settings(random.Random(seed), name)
        HipaaBedrockStack(app, name, settings=load_settings({CONTEXT_KEY: block}))
        configurations[name] = block
        gen.CASES["valid landing zones (synth + packs)"]["from random settings"] += 1

    @given(SEEDS)
    @gen.property_settings(1)
    def direct(seed: int) -> None:
        name = gen.unique("Direct")
        stack = Stack(app, name, env=Environment(region=REGION))
        kwargs = random_landing_zone_kwargs(random.Random(seed), stack)
        SecureBedrockLandingZone(stack, "LandingZone", **grouped(kwargs))
        configurations[name] = kwargs
        gen.CASES["valid landing zones (synth + packs)"][
            "direct, random thresholds/teams/budgets/BYO VPC"
        ] += 1

    from_settings()
    direct()
    stacks = [child for child in app.node.children if isinstance(child, Stack)]
    findings = compliance_findings(stacks[0])
    assert findings == [], f"{findings}\nconfigurations: {configurations}"


def random_team_name(rng: random.Random) -> str:
    """A valid team name of any length the library takes: letters and digits, single '-' between."""
    length = rng.randint(1, 31)
    name = rng.choice("abcdefghijklmnopqrstuvwxyz")
    while len(name) < length:
        if name[-1] != "-" and len(name) < length - 1 and rng.random() < 0.2:
            name += "-"
        else:
            name += rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
    return name


def random_deployable_landing_zone(rng: random.Random, app: App) -> tuple[Stack, dict[str, Any]]:
    """A landing zone at the sizes people use: up to twelve models, teams with long names, long stack names."""
    stack_name = "S" + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randint(0, 90))
    )
    stack = Stack(app, gen.unique(stack_name.rstrip("-")), env=Environment(region=REGION))
    served = gen.models_served_in(REGION)
    models = rng.sample(served, rng.randint(1, min(12, len(served))))
    names: set[str] = set()
    teams = []
    for index in range(rng.randint(0, 6)):
        name = random_team_name(rng)
        if name in names or name.replace("-", "") in {n.replace("-", "") for n in names}:
            continue
        names.add(name)
        teams.append(
            TeamSpec(
                name=name,
                cost_center=f"CC-{index}",
                models=tuple(rng.sample(models, rng.randint(1, min(4, len(models))))),
                monthly_budget_usd=rng.choice([None, 100.0]),
            )
        )
    kwargs: dict[str, Any] = {
        "models": models,
        "teams": teams,
        "monthly_budget_usd": 1000.0
        if any(team.monthly_budget_usd for team in teams)
        else rng.choice([None, 1000.0]),
        "invoker_principal": iam.AccountRootPrincipal(),
        "administrator_principal": iam.AccountRootPrincipal(),
    }
    SecureBedrockLandingZone(stack, "LandingZone", **grouped(kwargs))
    return stack, kwargs


def test_random_valid_landing_zones_deploy(tmp_path) -> None:
    """Any input the library accepts gives a deployable template: no cfn-lint error and no AWS limit
    (policy sizes with deploy-time values at their longest, counts, template size) broken."""
    from cfnlint.api import ManualArgs, lint

    app = App(context={**FEATURE_FLAGS}, outdir=str(tmp_path))
    built: list[tuple[Stack, dict[str, Any]]] = []

    @given(SEEDS)
    @gen.property_settings(3)
    def generate(seed: int) -> None:
        built.append(random_deployable_landing_zone(random.Random(seed), app))
        gen.CASES["valid landing zones (cfn-lint + AWS limits)"]["random models, teams, names"] += 1

    generate()
    assembly = app.synth()
    checks = BedrockChecks()
    for stack, kwargs in built:
        template = assembly.get_stack_artifact(stack.artifact_id).template
        limits_broken = {
            rule: [f"{f.logical_id} {f.location}" for f in found]
            for rule, found in checks.evaluate(template).items()
            if found
            and (rule.startswith("Bedrock-Limit") or rule == "Bedrock-LibraryFunctionReservedConcurrency")
        }
        assert limits_broken == {}, f"{stack.stack_name}: {kwargs}"
        errors = [
            f"{m.rule.id} {m.path}: {m.message}"
            for m in lint(json.dumps(template), config=ManualArgs(regions=[REGION]))
            if m.rule.id.startswith("E")
        ]
        assert errors == [], f"{stack.stack_name}: {kwargs}"
