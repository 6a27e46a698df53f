"""The reference environment's settings: typed, validated, every error reported at once."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from secure_bedrock import BedrockEndpointService, BedrockModels, CrossRegionInferenceProfile, FoundationModel
from stacks.app import cdk_json_context
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def settings_with(**changes: Any) -> dict[str, Any]:
    context = copy.deepcopy(cdk_json_context())
    block = context[CONTEXT_KEY]
    if "models" in changes and "teams" not in changes:
        # The example teams name the example models; a test that changes the models drops them.
        block["teams"] = []
        block["monitoring"]["tpm_quotas"] = {}
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__")
            block[outer][inner] = value
        else:
            block[key] = value
    return context


def test_cdk_json_settings_load_into_typed_objects() -> None:
    settings = load_settings(cdk_json_context())
    assert settings.region == "us-east-1"
    assert settings.account is None
    assert settings.models == (
        BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5,
        BedrockModels.US_AMAZON_NOVA_PRO,
        BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2,
    )
    assert settings.network.endpoint_services == (
        BedrockEndpointService.RUNTIME,
        BedrockEndpointService.CONTROL,
    )
    assert settings.log_retention == logs.RetentionDays.SIX_YEARS


def test_defaults_apply_when_only_models_are_given() -> None:
    settings = load_settings({CONTEXT_KEY: {"models": ["amazon.nova-pro-v1:0"]}})
    assert settings.models == (FoundationModel("amazon.nova-pro-v1:0"),)
    assert settings.stack_name == "SecureBedrockHipaa"
    assert settings.network.vpc_cidr == "10.0.0.0/16"


def test_a_guardrail_transition_names_the_previous_version() -> None:
    settings = load_settings(settings_with(guardrail={"previous_version": "3"}))
    assert settings.guardrail.previous_version == "3"
    with pytest.raises(
        SettingsError, match=r"guardrail.previous_version: 3 must be a version number in quotes"
    ):
        load_settings(settings_with(guardrail={"previous_version": 3}))
    assert load_settings(settings_with()).guardrail.previous_version is None


def test_custom_profile_object() -> None:
    settings = load_settings(
        settings_with(
            region="eu-west-1",
            residency="eu",
            organization=None,
            models=[
                {
                    "profile_id": "eu.mistral.pixtral-large-2502-v1:0",
                    "source_regions": ["eu-west-1"],
                    "destination_regions": ["eu-central-1", "eu-west-1"],
                }
            ],
        )
    )
    (model,) = settings.models
    assert isinstance(model, CrossRegionInferenceProfile)
    assert model.destination_regions("eu-west-1") == ("eu-central-1", "eu-west-1")


def test_every_wrong_setting_is_reported_at_once() -> None:
    context = settings_with(
        region="us-east-9x",
        models=["us.amazon.nova-pro-v1:0", "not a model", "us.amazon.nova-pro-v1:0"],
        allowed_principals=["app-role"],
        log_retention_days=30,
        network__allowed_cidrs=["10.0.0.0/33"],
        network__endpoint_services=["bedrock-agents"],
        network__max_azs=0,
        regoin="typo",
    )
    with pytest.raises(SettingsError) as raised:
        load_settings(context)
    errors = raised.value.errors
    expected = [
        "secure-bedrock.regoin: unknown setting; did you mean 'region'?",
        "secure-bedrock.region: 'us-east-9x' is not an AWS region name",
        "secure-bedrock.models[1]: 'not a model' is not a Bedrock model id",
        "secure-bedrock.models[2]: 'us.amazon.nova-pro-v1:0' is listed twice",
        "secure-bedrock.allowed_principals[0]: 'app-role' is not an IAM principal ARN",
        "secure-bedrock.log_retention_days: 30 days is under the six years",
        "secure-bedrock.network.allowed_cidrs[0]: '10.0.0.0/33' is not a CIDR",
        "secure-bedrock.network.endpoint_services[0]: 'bedrock-agents' is not a Bedrock endpoint service",
        "secure-bedrock.network.max_azs: 0 is not a number of availability zones",
    ]
    for prefix in expected:
        assert any(error.startswith(prefix) for error in errors), f"missing {prefix!r} in {errors}"
    assert len(errors) == len(expected)
    assert str(raised.value).startswith(
        f"{len(expected)} invalid setting(s) in cdk.json context 'secure-bedrock':"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"models": []}, r"secure-bedrock.models: name at least one approved model id"),
        (
            {"region": "eu-west-1"},
            r"models\[0\]: model 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' cannot be called from eu-west-1",
        ),
        ({"account": "1234"}, r"secure-bedrock.account: '1234' is not a 12-digit account id"),
        (
            {"log_retention_days": 2000},
            r"log_retention_days: 2000 is not a CloudWatch Logs retention; use one of 2192",
        ),
        ({"network__max_azs": 3}, r"network.max_azs: 3 needs an account-specific stack"),
        ({"network__vpc_cidr": "10.0.0.0"}, r"network.vpc_cidr: '10.0.0.0' is not a CIDR"),
        ({"network__allowed_cidrs": ["0.0.0.0/0"]}, r"allowed_cidrs\[0\]: '0.0.0.0/0' opens the endpoints"),
        ({"network": []}, r"secure-bedrock.network: must be an object"),
        ({"stack_name": "1bad_name"}, r"stack_name: '1bad_name' is not a CloudFormation stack name"),
        (
            {"tags": {"aws:owner": "x"}},
            r"tags.aws:owner: tag keys have 1-128 characters and must not start with 'aws:'",
        ),
        (
            {"models": [{"profile_id": "us.x.y-v1:0"}]},
            r"models\[0\]: a custom inference profile is an object with",
        ),
        ({"models": [7]}, r"models\[0\]: must be a model id string"),
    ],
)
def test_fails_naming_the_setting(changes: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(settings_with(**changes))


def test_fails_without_the_settings_block() -> None:
    with pytest.raises(SettingsError, match=r"secure-bedrock: missing; add the block to cdk.json"):
        load_settings({})


def test_evidence_settings() -> None:
    settings = load_settings(
        settings_with(
            evidence={
                "invocation_log_data_types": ["text", "image"],
                "retention_days": 3653,
                "object_lock": {"mode": "GOVERNANCE", "days": 2192},
                "adopt_existing_logging": True,
                "audit_trail": False,
                "auditor_principals": ["arn:aws:iam::111122223333:role/auditors"],
            }
        )
    )
    evidence = settings.evidence
    assert evidence.adopt_existing_logging is True
    assert evidence.invocation_log_data_types == ("text", "image")
    assert evidence.retention_days == 3653
    assert evidence.object_lock is not None
    assert (evidence.object_lock.mode, evidence.object_lock.days) == ("GOVERNANCE", 2192)
    assert evidence.audit_trail is False
    assert evidence.auditor_principals == ("arn:aws:iam::111122223333:role/auditors",)


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        (
            {"invocation_log_data_types": ["txt"]},
            r"evidence.invocation_log_data_types\[0\]: 'txt' is not a data type",
        ),
        ({"invocation_log_data_types": []}, r"evidence.invocation_log_data_types: log at least 'text'"),
        ({"retention_days": 365}, r"evidence.retention_days: 365 must be a number of days from 2192"),
        ({"object_lock": {"mode": "FOREVER", "days": 2192}}, r"evidence.object_lock: .* must be null or"),
        (
            {"object_lock": {"mode": "COMPLIANCE", "days": 3000}},
            r"evidence.object_lock.days: 3000 is longer than retention_days",
        ),
        ({"audit_trail": "yes"}, r"evidence.audit_trail: must be true or false"),
        ({"adopt_existing_logging": "true"}, r"evidence.adopt_existing_logging: must be true or false"),
        (
            {"auditor_principals": ["*"]},
            r"evidence.auditor_principals\[0\]: '\*' is not an IAM principal ARN",
        ),
        ({"retention": 2192}, r"evidence.retention: unknown setting; did you mean 'retention_days'\?"),
    ],
)
def test_fails_on_bad_evidence_settings(evidence: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(settings_with(evidence=evidence))


def test_teams_guardrail_and_roles_settings() -> None:
    settings = load_settings(cdk_json_context())
    assert [team.name for team in settings.teams] == ["claims", "research"]
    assert settings.teams[0].models == (BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5,)
    assert settings.guardrail.deny_medical_advice is True
    assert settings.invoker_principals == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"teams": [{"name": "Claims", "cost_center": "CC", "models": ["amazon.titan-embed-text-v2:0"]}]},
            r"teams\[0\].name: 'Claims' must be lower-case",
        ),
        (
            {"teams": [{"name": "claims", "cost_center": "", "models": ["amazon.titan-embed-text-v2:0"]}]},
            r"teams\[0\].cost_center: '' must name",
        ),
        (
            {"teams": [{"name": "claims", "cost_center": "CC", "models": ["amazon.nova-lite-v1:0"]}]},
            r"teams\[0\].models\[0\]: 'amazon.nova-lite-v1:0' is not in secure-bedrock.models",
        ),
        (
            {"teams": [{"name": "claims", "cost_center": "CC", "models": []}]},
            r"teams\[0\].models: name at least one",
        ),
        (
            {
                "teams": [
                    {
                        "name": "claims",
                        "cost_center": "CC",
                        "models": ["amazon.titan-embed-text-v2:0"],
                        "owner": "x",
                    }
                ]
            },
            r"teams\[0\]\.owner: unknown setting",
        ),
        (
            {
                "teams": [
                    {
                        "name": "claims",
                        "cost_center": "CC",
                        "models": ["amazon.titan-embed-text-v2:0"],
                        "principals": ["bob"],
                    }
                ]
            },
            r"teams\[0\].principals\[0\]: 'bob' is not an IAM principal ARN",
        ),
        (
            {"guardrail": {"cross_region_profile": "us-guardrail"}},
            r"guardrail.cross_region_profile: 'us-guardrail' is not a guardrail profile id",
        ),
        (
            {"guardrail": {"previous_version": "latest"}},
            r"guardrail.previous_version: 'latest' is not a published version number",
        ),
        (
            {"guardrail": {"deny_medical_advice": "yes"}},
            r"guardrail.deny_medical_advice: must be true or false",
        ),
        (
            {"invoker_principals": ["arn:aws:iam::1:role/x"]},
            r"invoker_principals\[0\]: 'arn:aws:iam::1:role/x' is not an IAM principal ARN",
        ),
        (
            {"administrator_principals": "arn:aws:iam::111122223333:root"},
            r"administrator_principals: must be a list",
        ),
    ],
)
def test_fails_naming_the_team_guardrail_or_role_setting(changes: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(settings_with(**changes))


def test_operations_settings() -> None:
    operations = load_settings(cdk_json_context()).operations
    assert operations.monthly_budget_usd == 2000
    assert operations.tpm_quotas == {"us.anthropic.claude-sonnet-4-5-20250929-v1:0": 200000}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"budgets": {"monthly_limit_usd": 0}}, r"budgets.monthly_limit_usd: 0 must be a positive amount"),
        (
            {"budgets": {"monthly_limit_usd": 100, "thresholds_percent": [150]}},
            r"budgets.thresholds_percent\[0\]: 150 must be a percentage",
        ),
        (
            {"budgets": {"monthly_limit_usd": 100, "emails": ["x"]}},
            r"budgets.emails\[0\]: 'x' is not an email address",
        ),
        (
            {"monitoring": {"alarm_emails": ["oncall"]}},
            r"monitoring.alarm_emails\[0\]: 'oncall' is not an email address",
        ),
        (
            {"monitoring": {"https_endpoints": ["http://x"]}},
            r"monitoring.https_endpoints\[0\]: 'http://x' is not an https:// URL",
        ),
        (
            {"monitoring": {"tpm_quotas": {"amazon.nova-lite-v1:0": 5}}},
            r"monitoring.tpm_quotas.amazon.nova-lite-v1:0: not an approved model",
        ),
        ({"budgets": {}}, r"budgets.monthly_limit_usd: team budgets need the account budget"),
        (
            {
                "teams": [
                    {
                        "name": "claims",
                        "cost_center": "CC",
                        "models": ["amazon.titan-embed-text-v2:0"],
                        "hard_stop": True,
                    }
                ]
            },
            r"teams\[0\].hard_stop: needs monthly_budget_usd",
        ),
        (
            {
                "teams": [
                    {
                        "name": "claims",
                        "cost_center": "CC",
                        "models": ["amazon.titan-embed-text-v2:0"],
                        "monthly_budget_usd": -1,
                    }
                ]
            },
            r"teams\[0\].monthly_budget_usd: -1 must be a positive amount",
        ),
    ],
)
def test_fails_naming_the_operations_setting(changes: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(settings_with(**changes))


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


def test_every_wrong_setting_of_a_team_is_reported_at_once() -> None:
    team = {
        "name": "Claims",
        "cost_center": "CC#1",
        "models": ["amazon.nova-lite-v1:0"],
        "principals": ["bob"],
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(settings_with(teams=[{**team, "owner": "x"}]))
    assert [error.split(":")[0] for error in raised.value.errors] == [
        "secure-bedrock.teams[0].owner",
        "secure-bedrock.teams[0].name",
        "secure-bedrock.teams[0].cost_center",
        "secure-bedrock.teams[0].models[0]",
        "secure-bedrock.teams[0].principals[0]",
    ]


def test_every_wrong_tag_and_quota_is_reported_at_once() -> None:
    context = settings_with(
        tags={"a#b": "x", "empty": "", "aws:owner": "y", "ok": "fine"},
        monitoring__tpm_quotas={"amazon.nova-lite-v1:0": 5, "us.amazon.nova-pro-v1:0": -1},
    )
    with pytest.raises(SettingsError) as raised:
        load_settings(context)
    assert sorted(error.split(": ")[0] for error in raised.value.errors) == [
        "secure-bedrock.monitoring.tpm_quotas.amazon.nova-lite-v1:0",
        "secure-bedrock.monitoring.tpm_quotas.us.amazon.nova-pro-v1:0",
        "secure-bedrock.tags.a#b",
        "secure-bedrock.tags.aws:owner",
        "secure-bedrock.tags.empty",
    ]


CLAIMS = {"name": "claims", "cost_center": "CC-1", "models": ["amazon.titan-embed-text-v2:0"]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # Values the construct checks but the settings used to let through (one error per run).
        (
            {"network__vpc_cidr": "10.0.0.0/8"},
            r"network.vpc_cidr: '10.0.0.0/8' must have a prefix between /16",
        ),
        ({"network__vpc_cidr": "fd00::/56"}, r"network.vpc_cidr: 'fd00::/56' is IPv6"),
        ({"network__endpoint_services": ["bedrock-runtime"]}, r"network.endpoint_services: add 'bedrock'"),
        (
            {"guardrail": {"cross_region_destinations": ["us-west-2"]}},
            r"cross_region_destinations: given without",
        ),
        ({"teams": [{**CLAIMS, "cost_center": "CC#1"}]}, r"teams\[0\].cost_center: 'CC#1' must name"),
        (
            {"teams": [{**CLAIMS, "cost_center": "\u03a9mega"}]},
            r"teams\[0\].cost_center: '\u03a9mega' must name",
        ),
        (
            {"teams": [{**CLAIMS, "models": [CLAIMS["models"][0]] * 2}]},
            r"teams\[0\].models\[1\]: .* is listed twice",
        ),
        (
            {"teams": [{**CLAIMS, "name": "ops-1"}, {**CLAIMS, "name": "ops1"}]},
            r"teams\[1\].name: 'ops1' repeats the name of teams\[0\]",
        ),
        ({"budgets": {"monthly_limit_usd": 9, "thresholds_percent": [1, 2, 3, 4, 5]}}, r"5 thresholds"),
        (
            {"budgets": {"monthly_limit_usd": 9, "emails": [f"f{i}@example.com" for i in range(11)]}},
            r"11 addresses",
        ),
        ({"evidence": {"invocation_log_data_types": ["image"]}}, r"invocation_log_data_types: add 'text'"),
        ({"stack_name": "St\u00e5ck"}, r"stack_name: 'St\u00e5ck' is not a CloudFormation stack name"),
        (
            {"budgets": {"monthly_limit_usd": float("nan")}},
            r"budgets.monthly_limit_usd: nan must be a positive",
        ),
        (
            {"budgets": {"monthly_limit_usd": float("inf")}},
            r"budgets.monthly_limit_usd: inf must be a positive",
        ),
        (
            {"budgets": {"monthly_limit_usd": 10**400}},
            r"budgets.monthly_limit_usd: 1000.* must be a positive",
        ),
        ({"tags": {"project": ""}}, r"tags.project: '' must be a string of 1-256"),
        # Patterns that ended in $ matched before a trailing newline; \d matched other scripts' digits.
        ({"account": "123456789012\n"}, r"account: '123456789012\\n' is not a 12-digit account id"),
        ({"account": "\u0661" * 12}, r"account: .* is not a 12-digit account id"),
        ({"region": "us-east-1\n"}, r"region: 'us-east-1\\n' is not an AWS region name"),
        (
            {"allowed_principals": ["arn:aws:iam::111122223333:root\n"]},
            r"allowed_principals\[0\]: .* is not an IAM",
        ),
        ({"teams": [{**CLAIMS, "name": "claims\n"}]}, r"teams\[0\].name: 'claims\\n' must be lower-case"),
        ({"monitoring": {"alarm_emails": ["a@b.co\n"]}}, r"alarm_emails\[0\]: 'a@b.co\\n' is not an email"),
        # A custom profile's regions given as one string were split into characters.
        (
            {"models": [{"profile_id": "us.x.y-v1:0", "source_regions": "us-east-1"}]},
            r"models\[0\]: source_regions must be a list of region names",
        ),
        # The library's type errors read as settings errors: "<path>: must be ...".
        ({"region": None}, r"secure-bedrock.region: must be an AWS region name"),
    ],
)
def test_fails_on_what_the_stack_would_reject(changes: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(settings_with(**changes))


def test_network_client_ranges_and_the_mantle_endpoint_are_checked_with_the_settings() -> None:
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["network"]["allowed_cidrs"] = ["2001:db8::/32", *(f"10.{i}.0.0/16" for i in range(61))]
    block["network"]["endpoint_services"] = ["bedrock-runtime", "bedrock", "bedrock-mantle"]
    with pytest.raises(SettingsError) as raised:
        load_settings({CONTEXT_KEY: block})
    text = str(raised.value)
    assert "secure-bedrock.network.allowed_cidrs[0]: '2001:db8::/32' is IPv6" in text
    assert "secure-bedrock.network.allowed_cidrs: 61 CIDRs" in text  # the valid ones
    # Its calls escape invocation logging: the HIPAA environment refuses it (its synth would fail on
    # the secure-bedrock:mantle-not-logged finding).
    assert (
        "secure-bedrock.network.endpoint_services[2]: calls through bedrock-mantle are not recorded by model "
        "invocation logging"
    ) in text


# --- settings given on the command line (-c), as the CDK CLI passes them (text) --------------------


def _block_of(context: dict[str, Any]) -> Any:
    from aws_cdk import App

    from stacks.app import settings_block

    return settings_block(App(context=context))


def test_the_whole_block_given_as_json_text_is_read() -> None:
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["region"] = "us-west-2"
    read = _block_of({CONTEXT_KEY: json.dumps(block)})
    assert read == block
    assert load_settings({CONTEXT_KEY: read}).region == "us-west-2"


def test_one_setting_given_with_a_dotted_key_overrides_cdk_json() -> None:
    context = {
        CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY],
        f"{CONTEXT_KEY}.region": "us-west-2",
        f"{CONTEXT_KEY}.guardrail.previous_version": '"3"',
        f"{CONTEXT_KEY}.evidence.retention_days": "3000",
    }
    settings = load_settings({CONTEXT_KEY: _block_of(context)})
    assert settings.region == "us-west-2"
    assert settings.guardrail.previous_version == "3"
    assert settings.evidence.retention_days == 3000
    assert cdk_json_context()[CONTEXT_KEY]["region"] == "us-east-1", "cdk.json's block is not changed"


def test_a_dotted_key_that_names_no_setting_is_reported_not_ignored() -> None:
    context = {CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY], f"{CONTEXT_KEY}.regoin": "us-west-2"}
    with pytest.raises(SettingsError, match=r"secure-bedrock.regoin: unknown setting; did you mean 'region'"):
        load_settings({CONTEXT_KEY: _block_of(context)})


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({CONTEXT_KEY: "region=us-west-2"}, r"is not a JSON object; give the whole block as JSON"),
        (
            {
                CONTEXT_KEY: {"models": ["amazon.nova-pro-v1:0"], "region": "x"},
                f"{CONTEXT_KEY}.region.name": "y",
            },
            r"secure-bedrock.region.name: secure-bedrock.region is not an object",
        ),
    ],
)
def test_command_line_settings_that_cannot_be_read_say_why(context: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        _block_of(context)


def test_the_app_prints_wrong_settings_without_a_traceback() -> None:
    import os
    import subprocess
    import sys

    environment = {**os.environ, "CDK_CONTEXT_JSON": json.dumps({f"{CONTEXT_KEY}.region": "us-east-9x"})}
    run = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1
    assert run.stderr.startswith("1 invalid setting(s) in cdk.json context 'secure-bedrock':"), run.stderr
    assert "secure-bedrock.region: 'us-east-9x' is not an AWS region name" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_wrong_account_budget_is_reported_as_wrong_not_as_missing() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(settings_with(budgets={"monthly_limit_usd": "2000"}))
    assert "must be a positive amount of US dollars" in str(raised.value)
    assert "team budgets need the account budget" not in str(raised.value)


def test_residency_holds_the_models_and_the_region() -> None:
    settings = load_settings(settings_with(residency="us"))
    assert settings.residency is not None
    assert "us-west-2" in settings.residency.regions
    with pytest.raises(SettingsError) as raised:
        load_settings(settings_with(residency=["us-east-1", "us-east-2"]))
    assert (
        "secure-bedrock.models[0]: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' called from us-east-1 may be "
        "served in us-west-2, outside us-east-1, us-east-2"
    ) in str(raised.value)
    with pytest.raises(
        SettingsError, match=r"secure-bedrock.residency: the stack's region us-east-1 is outside"
    ):
        load_settings(settings_with(residency="eu"))
    with pytest.raises(SettingsError, match=r"secure-bedrock.residency: 'europe' is not a geography"):
        load_settings(settings_with(residency="europe"))


def test_the_reference_stack_passes_residency_to_the_landing_zone(tmp_path: Path) -> None:
    from stacks.app import build_app

    context = settings_with(residency="us")
    _app, stack = build_app(context=context, outdir=str(tmp_path), compliance=False)
    assert stack.landing_zone.residency is not None
    assert stack.landing_zone.residency.described_as == "the 'us' geography"
