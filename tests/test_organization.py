"""Organization guardrails (issue 16, first part): the service control policies, evaluated by the
independent IAM engine over the synthesized policies as they would apply to a member account whose
administrator may do anything (`*:*`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template

from secure_bedrock import BedrockModels, GuardrailPolicy
from secure_bedrock.organization import BedrockOrganizationGuardrails, pack_scps
from stacks.documents.iam_simulator import SimulationRequest, simulate
from stacks.documents.organization import reference_organization

MEMBER = "222233334444"
ADMIN = f"arn:aws:iam::{MEMBER}:role/Admin"
DEPLOYER = f"arn:aws:iam::{MEMBER}:role/stacksets-exec-1a2b3c"
APPROVED = [BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5, BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2]
FULL_ACCESS = {
    "name": "FullAWSAccess",
    "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
}
ANYTHING = [
    {
        "name": "AdministratorAccess",
        "policy": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    }
]


@pytest.fixture(scope="module")
def scps() -> list[dict[str, Any]]:
    """The synthesized SCPs of a management-account stack, as the member account's OU carries them."""
    stack = Stack(App(), "Organization", env=Environment(account="111122223333", region="us-east-1"))
    BedrockOrganizationGuardrails(
        stack,
        "Bedrock",
        models=APPROVED,
        residency="us",
        target_ids=["ou-ab12-cdefgh34"],
        deployment_principals=["arn:aws:iam::*:role/stacksets-exec-*"],
    )
    policies = Template.from_stack(stack).find_resources("AWS::Organizations::Policy")
    assert policies
    for policy in policies.values():
        assert policy["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
        assert policy["Properties"]["TargetIds"] == ["ou-ab12-cdefgh34"]
        assert len(json.dumps(policy["Properties"]["Content"], separators=(",", ":"))) <= 5120
    return [{"name": logical_id, "policy": p["Properties"]["Content"]} for logical_id, p in policies.items()]


def _request(
    scps: list[dict[str, Any]], action: str, resource: str, region: str, principal: str = ADMIN
) -> SimulationRequest:
    return SimulationRequest(
        principal=principal,
        action=action,
        resource=resource,
        resource_account=MEMBER,
        context={"aws:RequestedRegion": region},
        identity_policies=ANYTHING,
        service_control_policies=[
            {"orgIdentifier": "r-ab12", "policies": [FULL_ACCESS]},
            {"orgIdentifier": "ou-ab12-cdefgh34", "policies": [FULL_ACCESS, *scps]},
        ],
    )


SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
ROWS = {
    "approved profile, inside": (
        "bedrock:InvokeModel",
        f"arn:aws:bedrock:us-east-1:{MEMBER}:inference-profile/us.{SONNET}",
        "us-east-1",
        ADMIN,
        "Allowed",
    ),
    "approved model in a destination region, inside": (
        "bedrock:InvokeModel",
        f"arn:aws:bedrock:us-west-2::foundation-model/{SONNET}",
        "us-west-2",
        ADMIN,
        "Allowed",
    ),
    "unapproved model": (
        "bedrock:InvokeModel",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        "us-east-1",
        ADMIN,
        "ExplicitlyDenied",
    ),
    "approved model outside the residency": (
        "bedrock:InvokeModel",
        f"arn:aws:bedrock:eu-west-1::foundation-model/{SONNET}",
        "eu-west-1",
        ADMIN,
        "ExplicitlyDenied",
    ),
    # AWS authorizes global routing on the region-less ARN with aws:RequestedRegion "unspecified"; the
    # simulator takes regional ARNs only, and the region condition is what decides.
    "global routing (region unspecified)": (
        "bedrock:InvokeModel",
        f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}",
        "unspecified",
        ADMIN,
        "ExplicitlyDenied",
    ),
    "bedrock-mantle in a regulated OU": (
        "bedrock-mantle:CreateInference",
        "*",
        "us-east-1",
        ADMIN,
        "ExplicitlyDenied",
    ),
    "the administrator turns invocation logging off": (
        "bedrock:DeleteModelInvocationLoggingConfiguration",
        "*",
        "us-east-1",
        ADMIN,
        "ExplicitlyDenied",
    ),
    "the deployment role updates invocation logging": (
        "bedrock:PutModelInvocationLoggingConfiguration",
        "*",
        "us-east-1",
        DEPLOYER,
        "Allowed",
    ),
    "the administrator deletes a guardrail": (
        "bedrock:DeleteGuardrail",
        f"arn:aws:bedrock:us-east-1:{MEMBER}:guardrail/abcdefghij12",
        "us-east-1",
        ADMIN,
        "ExplicitlyDenied",
    ),
    "the deployment role updates a guardrail": (
        "bedrock:UpdateGuardrail",
        f"arn:aws:bedrock:us-east-1:{MEMBER}:guardrail/abcdefghij12",
        "us-east-1",
        DEPLOYER,
        "Allowed",
    ),
}


def test_a_member_administrator_is_held_whatever_its_own_policies_allow(scps: list[dict[str, Any]]) -> None:
    requests = [
        _request(scps, action, resource, region, principal)
        for action, resource, region, principal, _ in ROWS.values()
    ]
    results = simulate(requests)
    decided = {name: result.decision for name, result in zip(ROWS, results, strict=True)}
    assert decided == {name: row[-1] for name, row in ROWS.items()}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"residency": ["us-east-1", "us-east-2"]},
            r"models\[0\]: 'us.anthropic.claude-sonnet-4-5.*may be served in .*us-west-2",
        ),
        ({"target_ids": ["ou-x"]}, r"target_ids\[0\]: 'ou-x' is not a root"),
        ({"target_ids": []}, r"target_ids: name at least one"),
        ({"deployment_principals": []}, r"deployment_principals: name at least one principal ARN pattern"),
        (
            {"deployment_principals": ["stacksets-exec"]},
            r"deployment_principals\[0\]: 'stacksets-exec' is not a principal ARN",
        ),
        ({"residency": "mars"}, r"residency: 'mars' is not a geography"),
    ],
)
def test_wrong_arguments_are_refused_before_anything_is_created(kwargs: dict[str, Any], message: str) -> None:
    stack = Stack(App(), "Organization", env=Environment(region="us-east-1"))
    arguments: dict[str, Any] = {
        "models": APPROVED,
        "residency": "us",
        "target_ids": ["r-ab12"],
        "deployment_principals": ["arn:aws:iam::*:role/stacksets-exec-*"],
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        BedrockOrganizationGuardrails(stack, "Bedrock", **arguments)
    assert stack.node.try_find_child("Bedrock") is None


def test_many_models_split_into_policies_within_the_size_limit() -> None:
    from secure_bedrock.organization import organization_statements
    from secure_bedrock.residency import Residency

    models = [
        m
        for m in BedrockModels.all()
        if getattr(m, "geography", "us") == "us" and not m.model_id.startswith("global.")
    ]
    statements = organization_statements(models, Residency.of("us"), ["arn:aws:iam::*:role/deployer"])
    from secure_bedrock.organization import _size

    packed = pack_scps(statements)
    assert [s.sid for chunk in packed for s in chunk] == [s.sid for s in statements]
    assert all(_size(chunk) <= 5120 for chunk in packed)
    # Deterministic: the same statements give the same policies.
    assert [[s.sid for s in chunk] for chunk in pack_scps(statements)] == [
        [s.sid for s in chunk] for chunk in packed
    ]


ORG = reference_organization().organization_id


def _with_guardrail(**kwargs: Any) -> tuple[Stack, Any]:
    from secure_bedrock import BedrockGuardrail

    stack = Stack(App(), "Organization", env=Environment(account="111122223333", region="us-east-1"))
    guardrail = BedrockGuardrail(stack, "Guardrail", policy=GuardrailPolicy.hipaa())
    arguments: dict[str, Any] = {
        "models": APPROVED,
        "residency": "us",
        "target_ids": ["ou-ab12-cdefgh34"],
        "deployment_principals": ["arn:aws:iam::*:role/stacksets-exec-*"],
        "guardrail": guardrail,
        "organization_id": ORG,
        **kwargs,
    }
    return stack, BedrockOrganizationGuardrails(stack, "Bedrock", **arguments)


def test_the_bedrock_policy_enforces_the_guardrails_published_version_in_its_region() -> None:
    stack, guardrails = _with_guardrail()
    template = Template.from_stack(stack).to_json()
    logical = stack.get_logical_id(guardrails.bedrock_policy)
    policy = template["Resources"][logical]
    assert policy["Properties"]["Type"] == "BEDROCK_POLICY"
    assert policy["Properties"]["TargetIds"] == ["ou-ab12-cdefgh34"]
    (config,) = policy["Properties"]["Content"]["bedrock"]["guardrail_inference"]["us-east-1"].values()
    identifier = json.dumps(config["identifier"]["@@assign"])
    # Built from the guardrail's own ARN and published version: never a string that could be malformed.
    assert "GuardrailArn" in identifier
    assert '"Version"]' in identifier
    assert config["selective_content_guarding"] == {
        "system": {"@@assign": "comprehensive"},
        "messages": {"@@assign": "comprehensive"},
    }
    # The identifier references the published version (so CloudFormation creates it first).
    version = stack.get_logical_id(guardrails_version(stack))
    assert version in identifier
    assert stack.get_logical_id(guardrails.guardrail_policy) in policy["DependsOn"]
    (statement,) = template["Resources"][stack.get_logical_id(guardrails.guardrail_policy)]["Properties"][
        "PolicyDocument"
    ]["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    assert statement["Action"] == ["bedrock:ApplyGuardrail"]


def guardrails_version(stack: Stack) -> Any:
    from secure_bedrock import BedrockGuardrail

    guardrail = stack.node.find_child("Guardrail")
    assert isinstance(guardrail, BedrockGuardrail)
    return guardrail.version


def test_only_the_organizations_principals_may_apply_the_guardrail() -> None:
    stack, guardrails = _with_guardrail()
    template = Template.from_stack(stack).to_json()
    document = template["Resources"][stack.get_logical_id(guardrails.guardrail_policy)]["Properties"][
        "PolicyDocument"
    ]
    guardrail_arn = "arn:aws:bedrock:us-east-1:111122223333:guardrail/abcdefghij12"
    document = json.loads(
        json.dumps(document).replace(
            json.dumps(document["Statement"][0]["Resource"]), json.dumps(guardrail_arn)
        )
    )

    def apply(org: str) -> SimulationRequest:
        return SimulationRequest(
            principal=ADMIN,
            action="bedrock:ApplyGuardrail",
            resource=guardrail_arn,
            context={"aws:PrincipalOrgID": org},
            identity_policies=ANYTHING,
            resource_policy=document,
        )

    inside, outside = simulate([apply(ORG), apply("o-zz99zz99zz")])
    assert inside.decision == "Allowed"
    assert outside.decision == "ImplicitlyDenied"


def test_the_guardrail_must_be_the_management_stacks_own() -> None:
    from secure_bedrock import BedrockGuardrail

    app = App()
    other = Stack(app, "Other", env=Environment(account="111122223333", region="us-east-1"))
    stack = Stack(app, "Organization", env=Environment(account="111122223333", region="us-east-1"))
    with pytest.raises(ValueError, match=r"guardrail: 'Other/Guardrail' is in another stack"):
        BedrockOrganizationGuardrails(
            stack,
            "Bedrock",
            models=APPROVED,
            residency="us",
            target_ids=["r-ab12"],
            deployment_principals=["arn:aws:iam::*:role/deployer"],
            guardrail=BedrockGuardrail(other, "Guardrail", policy=GuardrailPolicy.hipaa()),
            organization_id=ORG,
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"organization_id": None}, r"organization_id: None is not an organization id"),
        ({"organization_id": "o-1"}, r"organization_id: 'o-1' is not an organization id"),
    ],
)
def test_the_organization_is_named_with_the_guardrail(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _with_guardrail(**kwargs)


def test_the_evidence_perimeter_keeps_outside_principals_out_of_the_members_buckets() -> None:
    stack, guardrails = _with_guardrail(guardrail=None)
    assert guardrails.bedrock_policy is None
    template = Template.from_stack(stack).to_json()
    rcp = template["Resources"][stack.get_logical_id(guardrails.perimeter)]["Properties"]
    assert rcp["Type"] == "RESOURCE_CONTROL_POLICY"
    assert rcp["TargetIds"] == ["ou-ab12-cdefgh34"]
    bucket = f"arn:aws:s3:::evidence-{MEMBER}"
    # A bucket policy someone widened to everyone: the RCP still holds.
    widened = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": [bucket, f"{bucket}/*"]}
        ],
    }
    levels = [
        {"orgIdentifier": "r-ab12", "policies": [{"name": "EvidencePerimeter", "policy": rcp["Content"]}]},
    ]

    def read(
        principal: str, org: str | None, *, action: str = "s3:GetObject", service: bool = False
    ) -> SimulationRequest:
        context: dict[str, str] = {"aws:PrincipalIsAWSService": "true" if service else "false"}
        if org is not None:
            context["aws:PrincipalOrgID"] = org
        return SimulationRequest(
            principal=principal,
            action=action,
            resource=f"{bucket}/AWSLogs/object.json.gz",
            resource_account=MEMBER,
            context=context,
            identity_policies=[] if service else ANYTHING,
            resource_policy=widened,
            resource_control_policies=levels,
        )

    outside, inside, service = simulate(
        [
            read("arn:aws:iam::999988887777:role/Stranger", "o-zz99zz99zz"),
            read(ADMIN, ORG),
            read("cloudtrail.amazonaws.com", None, action="s3:PutObject", service=True),
        ]
    )
    assert outside.decision == "ExplicitlyDenied"
    assert inside.decision == "Allowed"
    assert service.decision == "Allowed"


def test_the_deployment_roles_are_protected_by_name_for_role_patterns_only() -> None:
    from secure_bedrock.organization import DEPLOYMENT_ROLE_CHANGE_ACTIONS, organization_statements
    from secure_bedrock.residency import Residency

    models = [BedrockModels.AMAZON_NOVA_PRO]
    roles = ["arn:aws:iam::*:role/stacksets-exec-*", "arn:aws:sts::*:assumed-role/Deployer/*"]
    statements = {
        s.sid: s.to_statement_json()
        for s in organization_statements(
            models,
            Residency.of("us"),
            roles,
            bootstrap_principals=["arn:aws:iam::*:role/OrganizationAccountAccessRole"],
        )
    }
    protect = statements["ProtectDeploymentRoles"]
    assert protect["Effect"] == "Deny"
    assert sorted(protect["Action"]) == sorted(DEPLOYMENT_ROLE_CHANGE_ACTIONS)
    assert protect["Resource"] == "arn:aws:iam::*:role/stacksets-exec-*"  # the STS pattern names no role
    assert protect["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == sorted(
        [*roles, "arn:aws:iam::*:role/OrganizationAccountAccessRole"]
    )
    # Principals that are no role (an assumed-role session pattern) leave nothing to protect by name.
    only_sessions = organization_statements(models, Residency.of("us"), ["arn:aws:sts::*:assumed-role/D/*"])
    assert "ProtectDeploymentRoles" not in {s.sid for s in only_sessions}


def test_a_wrong_bootstrap_principal_is_named() -> None:
    stack = Stack(App(), "Org", env=Environment(account="111122223333", region="us-east-1"))
    with pytest.raises(ValueError, match=r"bootstrap_principals\[0\]: 'OrganizationAccountAccessRole'"):
        BedrockOrganizationGuardrails(
            stack,
            "Bedrock",
            models=[BedrockModels.AMAZON_NOVA_PRO],
            residency="us",
            target_ids=["ou-ab12-cdefgh34"],
            deployment_principals=["arn:aws:iam::*:role/stacksets-exec-*"],
            bootstrap_principals=["OrganizationAccountAccessRole"],
        )
