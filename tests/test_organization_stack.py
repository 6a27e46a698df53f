"""The organization reference stack (``make synth``'s second stack, from cdk.json's ``organization``
block), the landing zone's tag that the SCPs protect, and a member account's grants for the
organization's guardrail, evaluated by the independent IAM engine."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.api import ManualArgs, lint

from secure_bedrock import (
    LANDING_ZONE_TAG,
    AccessOptions,
    BedrockGuardrail,
    BedrockModels,
    BedrockOrganizationGuardrails,
    GuardrailOptions,
    GuardrailPolicy,
    OrganizationGuardrail,
    SecureBedrockLandingZone,
    TeamSpec,
)
from secure_bedrock.organization import PROTECTED_RESOURCE_TYPES
from stacks.app import build_app, cdk_json_context, organization_stack
from stacks.documents.iam_simulator import SimulationRequest, simulate
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings

ORG_STACK = "SecureBedrockOrganization"
GUARDRAIL_ARN = "arn:aws:bedrock:us-east-1:111122223333:guardrail/abcdefghij12"
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ORG = "o-ab12cd34ef"


@pytest.fixture(scope="module")
def organization_template(reference_assembly: Any) -> dict[str, Any]:
    """The organization stack as ``make synth`` writes it (the session's one synth of the app)."""
    loaded: dict[str, Any] = json.loads(
        (Path(reference_assembly.directory) / f"{ORG_STACK}.template.json").read_text()
    )
    return loaded


def test_make_synth_builds_the_organization_stack_from_the_settings(
    organization_template: dict[str, Any],
) -> None:
    resources = organization_template["Resources"]
    types = sorted({r["Type"] for r in resources.values()} - {"AWS::CDK::Metadata"})
    assert types == [
        "AWS::Bedrock::Guardrail",
        "AWS::Bedrock::GuardrailVersion",
        "AWS::Bedrock::ResourcePolicy",
        "AWS::KMS::Key",
        "AWS::Organizations::Policy",
    ]
    block = cdk_json_context()[CONTEXT_KEY]["organization"]
    every = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Organizations::Policy"]
    policies = {policy["Type"]: policy for policy in every}
    assert sorted(policies) == ["BEDROCK_POLICY", "RESOURCE_CONTROL_POLICY", "SERVICE_CONTROL_POLICY"]
    for policy in every:
        assert policy["TargetIds"] == block["target_ids"]
    # The statements, packed in order into SCPs of at most 80 % of 5,120 characters (two here).
    scps = [policy["Content"] for policy in every if policy["Type"] == "SERVICE_CONTROL_POLICY"]
    assert len(scps) == 2
    scp = {"Statement": [statement for content in scps for statement in content["Statement"]]}
    sids = [statement["Sid"] for statement in scp["Statement"]]
    assert sids == [
        "DenyBedrockOutsideResidency",
        "DenyUnapprovedModels",
        "DenyMantle",
        "ProtectInvocationLogging",
        "ProtectGuardrails",
        "ProtectLandingZone",
        "ProtectLandingZoneRoleAttachments",
        "ProtectLandingZoneTag",
        "ProtectEvidenceWriter",
        "ProtectDeploymentRoles",
        "ProtectModelAccess",
    ]
    (residency,) = [s for s in scp["Statement"] if s["Sid"] == "DenyBedrockOutsideResidency"]
    # cdk.json's residency is "us": the regions of the US geography, the stack's among them.
    regions = residency["Condition"]["StringNotEquals"]["aws:RequestedRegion"]
    assert "us-east-1" in regions
    assert all(region.startswith("us-") for region in regions)
    (protect,) = [s for s in scp["Statement"] if s["Sid"] == "ProtectLandingZone"]
    assert protect["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == sorted(block["deployment_principals"])
    assert policies["RESOURCE_CONTROL_POLICY"]["Content"]["Statement"][0]["Condition"][
        "StringNotEqualsIfExists"
    ] == {"aws:PrincipalOrgID": block["organization_id"]}
    outputs = organization_template["Outputs"]
    assert {
        "ServiceControlPolicy1Id",
        "ResourceControlPolicyId",
        "OrganizationGuardrailArn",
        "OrganizationGuardrailKeyArn",
    } <= set(outputs)


def test_the_organization_stack_is_clean_under_every_pack(reference_assembly: Any) -> None:
    directory = Path(reference_assembly.directory)
    packs = json.loads((directory / "validation-report.json").read_text())["pluginReports"]
    assert sorted(plugin["pluginName"] for plugin in packs) == [
        "AwsSolutions",
        "Construct Annotations",  # cdk-stacksets' warning on the StackSets stack, acknowledged
        "HIPAA.Security",
        "NIST.800.53.R5",
        "PCI.DSS.321",
    ]
    policy = json.loads((directory / "policy-validation-report.json").read_text())["pluginReports"]
    assert [v for plugin in [*packs, *policy] for v in plugin["violations"]] == []
    # Nothing of the organization stack needed an acknowledgement: its resources pass as they are.
    acknowledged = {
        violating["constructPath"].split("/")[0]
        for plugin in packs
        for suppressed in plugin.get("suppressedViolations", [])
        for violating in suppressed.get("violatingConstructs", [])
    }
    assert "SecureBedrockHipaa" in acknowledged
    assert ORG_STACK not in acknowledged


@pytest.mark.parametrize("name", [ORG_STACK, "SecureBedrockLogArchive"])
def test_the_cli_synthesizes_the_same_stack(name: str, reference_assembly: Any, cli_assembly: Path) -> None:
    from tests.test_reference_stack import without_cli_metadata

    synthesized = json.loads((cli_assembly / f"{name}.template.json").read_text())
    ours = json.loads((Path(reference_assembly.directory) / f"{name}.template.json").read_text())
    assert without_cli_metadata(synthesized) == without_cli_metadata(ours)


@pytest.mark.parametrize("name", [ORG_STACK, "SecureBedrockLogArchive"])
def test_cfn_lint_reports_no_errors_or_warnings(name: str, reference_assembly: Any) -> None:
    template = (Path(reference_assembly.directory) / f"{name}.template.json").read_text()
    matches = lint(template, config=ManualArgs(regions=["us-east-1"]))
    assert [f"{m.rule.id} {m.path}: {m.message}" for m in matches if m.rule.id[0] in "EW"] == []


def test_the_guardrails_key_is_retained_and_admits_the_organization_through_bedrock(
    organization_template: dict[str, Any],
) -> None:
    (key,) = [r for r in organization_template["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"
    (statement,) = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Sid") == "OrganizationUsesTheGuardrailThroughBedrock"
    ]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": ORG, "kms:ViaService": "bedrock.us-east-1.amazonaws.com"}
    }


def test_without_the_block_there_is_no_organization_stack() -> None:
    context = copy.deepcopy(cdk_json_context())
    context[CONTEXT_KEY]["organization"] = None
    app, _ = build_app(context=context, compliance=False)
    assert organization_stack(app) is None
    assert [child.node.id for child in app.node.children if isinstance(child, Stack)] == [
        "SecureBedrockHipaa"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"stack_name": "SecureBedrockHipaa"},
            "organization.stack_name: 'SecureBedrockHipaa' is the account stack's name too",
        ),
        ({"organization_id": "o-1"}, "organization.organization_id: 'o-1' is not an organization id"),
        ({"target_ids": []}, "organization.target_ids: name at least one"),
        ({"target_ids": ["ou-1"]}, r"organization.target_ids\[0\]: 'ou-1' is not a root"),
        (
            {"deployment_principals": ["*"]},
            r"organization.deployment_principals\[0\]: '\*' is not a principal ARN pattern",
        ),
        ({"model_access_principals": ["role/x"]}, r"organization.model_access_principals\[0\]: 'role/x'"),
        ({"regulated": "yes"}, "organization.regulated: must be true or false"),
        ({"zone": 1}, "organization.zone: unknown setting"),
    ],
)
def test_a_wrong_organization_setting_is_named(change: dict[str, Any], message: str) -> None:
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["organization"].update(change)
    with pytest.raises(SettingsError, match=message):
        load_settings({CONTEXT_KEY: block})


def test_missing_organization_settings_are_all_named() -> None:
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["organization"] = {"regulated": True}
    with pytest.raises(SettingsError) as raised:
        load_settings({CONTEXT_KEY: block})
    assert [e.split(":")[0] for e in raised.value.errors] == [
        f"{CONTEXT_KEY}.organization.{key}"
        for key in ("organization_id", "target_ids", "deployment_principals")
    ]


def test_a_model_routed_outside_a_residency_region_fails_the_organization_settings() -> None:
    # Without a residency the organization's SCP holds the stack's region alone: a geographic profile
    # routes beyond it and would be denied in its destinations.
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["residency"] = None
    with pytest.raises(SettingsError, match=r"us\.anthropic\.claude-sonnet-4-5.*outside"):
        load_settings({CONTEXT_KEY: block})


# --- the landing zone's tag ------------------------------------------------------------------------


def test_the_landing_zone_tags_exactly_what_the_scp_protects(reference_template: Template) -> None:
    resources = reference_template.to_json()["Resources"]
    protected = {k: v for k, v in resources.items() if v["Type"] in PROTECTED_RESOURCE_TYPES}
    assert {v["Type"] for v in protected.values()} == set(PROTECTED_RESOURCE_TYPES)
    for logical_id, resource in protected.items():
        tags = resource["Properties"].get("Tags", [])
        assert {"Key": LANDING_ZONE_TAG, "Value": "SecureBedrockHipaa"} in tags, logical_id
    for logical_id, resource in resources.items():
        if resource["Type"] not in PROTECTED_RESOURCE_TYPES:
            tags = resource.get("Properties", {}).get("Tags", [])
            keys = [tag.get("Key") for tag in tags] if isinstance(tags, list) else list(tags)
            assert LANDING_ZONE_TAG not in keys, logical_id


# --- a member account's grants for the organization's guardrail -------------------------------------


def _member_zone(**guardrail: Any) -> tuple[Stack, SecureBedrockLandingZone]:
    stack = Stack(App(), "Member", env=Environment(account="222233334444", region="us-east-1"))
    zone = SecureBedrockLandingZone(
        stack,
        "LandingZone",
        models=[BedrockModels.AMAZON_NOVA_PRO],
        guardrail=GuardrailOptions(**guardrail),
        access=AccessOptions(
            invoker_principal=iam.AccountRootPrincipal(),
            teams=[TeamSpec(name="claims", cost_center="CC-1", models=[BedrockModels.AMAZON_NOVA_PRO])],
        ),
    )
    return stack, zone


@pytest.fixture(scope="module")
def member() -> tuple[Stack, SecureBedrockLandingZone, dict[str, Any]]:
    stack, zone = _member_zone(
        organization_guardrail=OrganizationGuardrail(guardrail_arn=GUARDRAIL_ARN, key_arn=KEY_ARN)
    )
    return stack, zone, Template.from_stack(stack).to_json()


def _identity_documents(template: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """Every policy document attached to the role (inline default policy and managed policies)."""
    documents = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        roles = properties.get("Roles", [])
        if (
            resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            and {"Ref": role_logical_id} in roles
        ):
            documents.append(properties["PolicyDocument"])
    return documents


def test_member_callers_are_granted_the_organization_guardrail_and_its_key(member: Any) -> None:
    stack, zone, template = member
    roles = [zone.invoker.role, zone.teams["claims"].invoker.role]
    for role in roles:
        statements = [
            s
            for d in _identity_documents(template, stack.get_logical_id(role.node.default_child))
            for s in d["Statement"]
        ]
        apply = [
            s
            for s in statements
            if s.get("Sid") == "ApplyTheOrganizationGuardrail" or s.get("Resource") == GUARDRAIL_ARN
        ]
        assert apply, role.node.path
        assert all(s["Action"] == "bedrock:ApplyGuardrail" for s in apply), role.node.path
        key = [s for s in statements if s.get("Resource") == KEY_ARN]
        assert key
        assert key[0]["Condition"] == {"StringEquals": {"kms:ViaService": "bedrock.us-east-1.amazonaws.com"}}
    endpoint = template["Resources"][stack.get_logical_id(zone.network.runtime_endpoint.node.default_child)]
    (statement,) = [
        s
        for s in endpoint["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "ApplyTheOrganizationGuardrail"
    ]
    assert statement["Resource"] == GUARDRAIL_ARN


def test_the_member_invoker_may_apply_the_organization_guardrail_only_through_its_endpoint(
    member: Any,
) -> None:
    from stacks.documents.deployed import Deployed

    stack, zone, template = member
    deployed = Deployed(template, account="222233334444", region="us-east-1", stack_name="Member")
    role = stack.get_logical_id(zone.invoker.role.node.default_child)
    identity = [
        {"name": f"policy{index}", "policy": deployed.resolve(document)}
        for index, document in enumerate(_identity_documents(template, role))
    ]
    vpce = deployed.resolve({"Ref": stack.get_logical_id(zone.network.runtime_endpoint.node.default_child)})
    guardrail_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "bedrock:ApplyGuardrail",
                "Resource": GUARDRAIL_ARN,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
            }
        ],
    }

    def apply(source_vpce: str) -> SimulationRequest:
        return SimulationRequest(
            principal=f"arn:aws:iam::222233334444:role/{role}",
            action="bedrock:ApplyGuardrail",
            resource=GUARDRAIL_ARN,
            resource_account="111122223333",
            context={"aws:PrincipalOrgID": ORG, "aws:SourceVpce": source_vpce},
            identity_policies=identity,
            resource_policy=guardrail_policy,
        )

    through, around = simulate([apply(str(vpce)), apply("vpce-0000000000000000f")])
    assert through.decision == "Allowed", through.explain
    assert around.decision == "ImplicitlyDenied", around.explain


@pytest.mark.parametrize(
    ("guardrail_arn", "key_arn", "message"),
    [
        (f"{GUARDRAIL_ARN}:3", KEY_ARN, r"guardrail_arn: .* is not a guardrail ARN without a version"),
        ("abcdefghij12", KEY_ARN, r"guardrail_arn: 'abcdefghij12' is not a guardrail ARN"),
        (GUARDRAIL_ARN.upper(), KEY_ARN, r"guardrail_arn: .* is not a guardrail ARN"),
        (GUARDRAIL_ARN, "alias/guardrail", r"key_arn: 'alias/guardrail' is not a KMS key ARN"),
        (
            GUARDRAIL_ARN,
            KEY_ARN.replace("111122223333", "444455556666"),
            r"key_arn: .* is not in the guardrail's account",
        ),
        (
            GUARDRAIL_ARN,
            KEY_ARN.replace("us-east-1", "us-west-2"),
            r"key_arn: .* is not in the guardrail's account and region",
        ),
        (5, KEY_ARN, r"organization_guardrail.guardrail_arn must be a guardrail ARN"),
    ],
)
def test_a_wrong_organization_guardrail_is_refused(guardrail_arn: Any, key_arn: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        OrganizationGuardrail(guardrail_arn=guardrail_arn, key_arn=key_arn)


def test_the_organization_guardrail_must_be_in_the_stacks_region() -> None:
    west = GUARDRAIL_ARN.replace("us-east-1", "us-west-2")
    with pytest.raises(
        ValueError, match=r"guardrail.organization_guardrail: .* is in us-west-2.*this stack is in us-east-1"
    ):
        _member_zone(
            organization_guardrail=OrganizationGuardrail(
                guardrail_arn=west, key_arn=KEY_ARN.replace("us-east-1", "us-west-2")
            )
        )


def test_the_settings_take_the_organization_guardrail() -> None:
    block = copy.deepcopy(cdk_json_context()[CONTEXT_KEY])
    block["guardrail"]["organization_guardrail"] = {"guardrail_arn": GUARDRAIL_ARN, "key_arn": KEY_ARN}
    settings = load_settings({CONTEXT_KEY: block})
    assert settings.guardrail.organization_guardrail == OrganizationGuardrail(GUARDRAIL_ARN, KEY_ARN)
    block["guardrail"]["organization_guardrail"] = {"guardrail_arn": GUARDRAIL_ARN, "key_arn": "alias/x"}
    with pytest.raises(
        SettingsError, match=r"secure-bedrock.guardrail.organization_guardrail.key_arn: 'alias/x'"
    ):
        load_settings({CONTEXT_KEY: block})


# --- the organization's guardrail, refused or warned about -----------------------------------------


def _management(key_arn: str | None = None) -> tuple[Stack, BedrockGuardrail]:
    """A management stack enforcing its guardrail; with ``key_arn``, the guardrail's key is imported."""
    stack = Stack(App(), "Management", env=Environment(account="111122223333", region="us-east-1"))
    key = kms.Key.from_key_arn(stack, "Key", key_arn) if key_arn is not None else None
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa(), encryption_key=key)
    BedrockOrganizationGuardrails(
        stack,
        "Bedrock",
        models=[BedrockModels.AMAZON_NOVA_PRO],
        residency=["us-east-1"],
        target_ids=["ou-ab12-cdefgh34"],
        deployment_principals=["arn:aws:iam::*:role/stacksets-exec-*"],
        guardrail=guardrail,
        organization_id=ORG,
    )
    return stack, guardrail


def test_a_guardrail_with_automated_reasoning_fails_the_synth() -> None:
    stack, guardrail = _management()
    guardrail.guardrail.automated_reasoning_policy_config = (
        bedrock.CfnGuardrail.AutomatedReasoningPolicyConfigProperty(
            policies=["arn:aws:bedrock:us-east-1:111122223333:automated-reasoning-policy/abcdefghij12"]
        )
    )
    with pytest.raises(
        RuntimeError,
        match="has an automated-reasoning policy, which the Organizations Bedrock policy does not support",
    ):
        Template.from_stack(stack)


def test_an_imported_guardrail_key_is_a_warning_naming_what_to_add() -> None:
    stack, _ = _management(key_arn=KEY_ARN)
    Annotations.from_stack(stack).has_warning(
        "/Management/Bedrock",
        Match.string_like_regexp(r"aws:PrincipalOrgID o-ab12cd34ef.*kms:Decrypt through bedrock\.us-east-1"),
    )
