"""The real CDK CLI deploys the organization reference stack into a local moto server.

The management account's stack (``SecureBedrockOrganization``, stacks/organization_stack.py) goes the
way of tests/test_emulated_deploy.py: ``cdk bootstrap`` and ``cdk deploy --app <assembly>`` against an
emulated AWS on localhost, then checked through the AWS APIs. moto 5.2.5's CloudFormation emulates only
the guardrail's KMS key of this stack; the types it skips are named in ``NOT_EMULATED`` and asserted.

moto's CloudFormation has no handler for ``AWS::Organizations::Policy``, but its Organizations API does
take service control and resource control policies. The test applies the template's policies through
that API the way CloudFormation's handler does (create the policy, tag it, attach it to its targets)
and reads them back. What moto cannot emulate is asserted as such, so the test fails when moto changes:

- moto refuses the ``BEDROCK_POLICY`` type (``InvalidInputException``), so the Bedrock policy that
  enforces the organization's guardrail is checked by the template tests only (tests/test_organization.py).
- moto does not evaluate SCPs or RCPs on any request: a policy attached here denies nothing, and this
  test claims nothing about what the policies allow or deny. The access matrix (docs/access-matrix.md,
  ``organization_rows`` in stacks/documents/access_matrix.py) evaluates them for a member account of the
  workload OU with an independent IAM engine instead (tests/test_access_matrix.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from stacks.app import cdk_json_context
from stacks.settings import CONTEXT_KEY
from tests.test_emulated_deploy import (
    PLACEHOLDER_ATTRIBUTES,
    REGION,
    _of_type,
    account_credentials,
    bootstrap_and_deploy,
    emulator_assembly,
    for_the_emulator,
    moto_server,
    physical_ids_of,
)

STACK = "SecureBedrockOrganization"
# cdk.json's organization block, which the reference's organization stack is built from.
SETTINGS = cdk_json_context()[CONTEXT_KEY]["organization"]
# The management account the stack names (cdk.json): moto answers as it for the keys of an IAM user made
# there (see tests/test_emulated_archive.py for how moto picks the account).
ACCOUNT = SETTINGS["account"]

# Resource types of the organization template that moto 5.2.5's CloudFormation does not implement: it
# skips them with a warning and still reports the stack CREATE_COMPLETE. The test asserts that the deployed
# stack lacks exactly these. (moto also skips AWS::CDK::Metadata, see test_emulated_deploy; only the CLI's
# own synth adds that resource, and the assembly deployed here is build_app's, which has none.)
NOT_EMULATED = frozenset(
    {
        "AWS::Bedrock::Guardrail",
        "AWS::Bedrock::GuardrailVersion",
        "AWS::Bedrock::ResourcePolicy",
        "AWS::Organizations::Policy",
    }
)

# The account stack's placeholders, and the policy id the stack's outputs read (AWS's form: p-...).
PLACEHOLDERS = {
    **PLACEHOLDER_ATTRIBUTES,
    ("AWS::Organizations::Policy", "Id"): "p-{id}",
}

# The policy types moto's Organizations API takes; the test applies the template's policies of these.
POLICY_TYPES_MOTO_TAKES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")

# What moto 5.2.5 answers for any call naming the BEDROCK_POLICY type (the one message it has for every
# value it does not know). When moto learns the type this fails: apply the Bedrock policy in
# ``organization`` below and read it back like the SCP and the RCP.
BEDROCK_POLICY_REFUSED = ("InvalidInputException", "You specified an invalid value.")

# Organizations' limit on an SCP's and an RCP's content, in characters, whitespace included.
POLICY_CONTENT_LIMIT = 5120


@pytest.fixture(scope="module")
def template(reference_assembly: Any) -> dict[str, Any]:
    """The organization template as ``build_app`` synthesizes it."""
    loaded: dict[str, Any] = json.loads(
        (Path(reference_assembly.directory) / f"{STACK}.template.json").read_text()
    )
    return loaded


@pytest.fixture(scope="module")
def emulator_template(template: dict[str, Any]) -> dict[str, Any]:
    """The emulator's copy: every ``Fn::GetAtt`` of a skipped type replaced by its placeholder."""
    return for_the_emulator(template, not_emulated=NOT_EMULATED, placeholders=PLACEHOLDERS, account=ACCOUNT)


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """This module's own moto server; stopped (and its log kept) afterwards."""
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def deployed(
    moto_url: str,
    reference_assembly: Any,
    emulator_template: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> boto3.Session:
    """``cdk bootstrap`` and ``cdk deploy SecureBedrockOrganization --app <assembly>`` into the moto server."""
    work = tmp_path_factory.mktemp("deploy-organization")
    assembly = emulator_assembly(Path(reference_assembly.directory), work, {STACK: emulator_template})
    credentials = account_credentials(moto_url, ACCOUNT, "management-deployer")
    bootstrap_and_deploy(moto_url, assembly, STACK, work, account=ACCOUNT, credentials=credentials)
    return boto3.Session(
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )


@pytest.fixture(scope="module")
def client(deployed: boto3.Session, moto_url: str) -> Any:
    """``client("kms")``: a boto3 client of the emulated management account."""
    return lambda service: deployed.client(service, endpoint_url=moto_url)


@pytest.fixture(scope="module")
def physical_ids(client: Any) -> dict[str, str]:
    """Logical id -> physical id of every resource moto created (it lists skipped ones as blanks)."""
    return physical_ids_of(client, STACK)


def _resolved(node: Any) -> Any:
    """``node`` with ``Ref AWS::AccountId`` / ``AWS::Region`` and ``Fn::Join`` of resolved parts
    evaluated as a deployment does; any other intrinsic fails the test rather than being guessed."""
    if isinstance(node, list):
        return [_resolved(item) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"}:
        pseudo = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws"}
        assert node["Ref"] in pseudo, f"cannot resolve {node}"
        return pseudo[node["Ref"]]
    if set(node) == {"Fn::Join"}:
        separator, parts = node["Fn::Join"]
        resolved = [_resolved(part) for part in parts]
        assert all(isinstance(part, str) for part in resolved), f"cannot resolve {node}"
        return separator.join(resolved)
    intrinsic = [key for key in node if key.startswith("Fn::")]
    assert not intrinsic, f"cannot resolve {node}"
    return {key: _resolved(value) for key, value in node.items()}


def _policies(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    """The template's AWS::Organizations::Policy properties of ``types``, by logical id."""
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in _of_type(template, "AWS::Organizations::Policy").items()
        if resource["Properties"]["Type"] in types
    }


@pytest.fixture(scope="module")
def organization(client: Any, template: dict[str, Any]) -> dict[str, Any]:
    """An organization in the emulated management account with the template's SCP and RCP applied to its
    workload OU as CloudFormation's AWS::Organizations::Policy handler applies them.

    The template targets the reference's example OU id (cdk.json's ``organization.target_ids``); moto
    generates its own ids and cannot take that one, so the template's target is mapped to the OU moto
    creates. Returns the root id, the OU id, the target mapping, and the created policy id per logical id.
    """
    organizations = client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    (root,) = [r["Id"] for r in organizations.list_roots()["Roots"]]
    ou = organizations.create_organizational_unit(ParentId=root, Name="workload")["OrganizationalUnit"]["Id"]
    targets = {
        target for p in _policies(template, *POLICY_TYPES_MOTO_TAKES).values() for target in p["TargetIds"]
    }
    assert targets == set(SETTINGS["target_ids"]), targets
    assert len(targets) == 1, f"the reference targets one OU; map each of {targets} to an OU of its own"
    mapping = {targets.pop(): ou}
    for policy_type in POLICY_TYPES_MOTO_TAKES:
        organizations.enable_policy_type(RootId=root, PolicyType=policy_type)
    created = {}
    for logical_id, properties in _policies(template, *POLICY_TYPES_MOTO_TAKES).items():
        summary = organizations.create_policy(
            Content=json.dumps(properties["Content"]),
            Type=properties["Type"],
            Name=properties["Name"],
            Description=properties["Description"],
            Tags=properties.get("Tags", []),
        )["Policy"]["PolicySummary"]
        for target in properties["TargetIds"]:
            organizations.attach_policy(PolicyId=summary["Id"], TargetId=mapping[target])
        created[logical_id] = summary["Id"]
    return {"root": root, "ou": ou, "targets": mapping, "policies": created}


def test_the_stack_is_created(client: Any) -> None:
    stack = client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")


def test_moto_skips_exactly_the_declared_types_and_creates_the_key(
    template: dict[str, Any], physical_ids: dict[str, str]
) -> None:
    skipped = {resource["Type"] for k, resource in template["Resources"].items() if k not in physical_ids}
    in_template = {resource["Type"] for resource in template["Resources"].values()}
    assert in_template >= NOT_EMULATED
    assert skipped == NOT_EMULATED, (
        "moto's coverage changed: update NOT_EMULATED (and add checks for what it now creates)"
    )
    created = {v["Type"] for k, v in template["Resources"].items() if k in physical_ids}
    assert created == {"AWS::KMS::Key"}
    assert all(physical_ids[k] for k in _of_type(template, "AWS::KMS::Key"))


def test_the_guardrail_key_rotates_and_admits_the_organization_through_bedrock(
    template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> None:
    kms = client("kms")
    ((logical_id, resource),) = _of_type(template, "AWS::KMS::Key").items()
    key_id = physical_ids[logical_id]
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["KeyManager"] == "CUSTOMER"
    assert metadata["Enabled"]
    assert metadata["Description"] == resource["Properties"]["Description"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    # The key policy as the deployment resolved it (the account root is this emulated account).
    assert policy == _resolved(resource["Properties"]["KeyPolicy"])
    (organization,) = [
        s for s in policy["Statement"] if s.get("Sid") == "OrganizationUsesTheGuardrailThroughBedrock"
    ]
    assert organization["Effect"] == "Allow"
    assert organization["Action"] == "kms:Decrypt"
    assert organization["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": SETTINGS["organization_id"],
        "kms:ViaService": f"bedrock.{REGION}.amazonaws.com",
    }
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}
    assert tags == {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}


def test_the_template_holds_an_scp_an_rcp_and_a_bedrock_policy(template: dict[str, Any]) -> None:
    types = sorted(
        p["Type"] for p in _policies(template, *POLICY_TYPES_MOTO_TAKES, "BEDROCK_POLICY").values()
    )
    # The SCP statements take two policies (each packed to 80 % of the limit).
    assert types == [
        "BEDROCK_POLICY",
        "RESOURCE_CONTROL_POLICY",
        "SERVICE_CONTROL_POLICY",
        "SERVICE_CONTROL_POLICY",
    ]
    assert len(_of_type(template, "AWS::Organizations::Policy")) == len(types)


@pytest.mark.parametrize("policy_type", POLICY_TYPES_MOTO_TAKES)
def test_the_ou_holds_the_templates_policies_as_written(
    policy_type: str, template: dict[str, Any], organization: dict[str, Any], client: Any
) -> None:
    organizations = client("organizations")
    declared = _policies(template, policy_type)
    assert len(declared) == {"SERVICE_CONTROL_POLICY": 2, "RESOURCE_CONTROL_POLICY": 1}[policy_type]
    attached = organizations.list_policies_for_target(TargetId=organization["ou"], Filter=policy_type)[
        "Policies"
    ]
    # Organizations attaches its AWS-managed full-access policy to every new OU (moto does too).
    assert {p["Name"] for p in attached if p["AwsManaged"]} == {
        "SERVICE_CONTROL_POLICY": {"FullAWSAccess"},
        "RESOURCE_CONTROL_POLICY": {"RCPFullAWSAccess"},
    }[policy_type]
    ours = {p["Id"]: p for p in attached if not p["AwsManaged"]}
    assert {p["Name"] for p in ours.values()} == {p["Name"] for p in declared.values()}
    for logical_id, properties in declared.items():
        policy_id = organization["policies"][logical_id]
        assert policy_id in ours, logical_id
        policy = organizations.describe_policy(PolicyId=policy_id)["Policy"]
        assert policy["PolicySummary"]["Type"] == policy_type
        assert policy["PolicySummary"]["Description"] == properties["Description"]
        assert json.loads(policy["Content"]) == properties["Content"]
        assert len(policy["Content"]) <= POLICY_CONTENT_LIMIT, (logical_id, len(policy["Content"]))
        targets = organizations.list_targets_for_policy(PolicyId=policy_id)["Targets"]
        assert [t["TargetId"] for t in targets] == [
            organization["targets"][t] for t in properties["TargetIds"]
        ]
        tags = organizations.list_tags_for_resource(ResourceId=policy_id)["Tags"]
        assert sorted(tags, key=lambda t: t["Key"]) == sorted(properties["Tags"], key=lambda t: t["Key"])
    # Nothing of ours lands on the root: only the organization's own full-access policy is there.
    on_root = organizations.list_policies_for_target(TargetId=organization["root"], Filter=policy_type)
    assert all(p["AwsManaged"] for p in on_root["Policies"])


def test_the_scp_fits_organizations_size_limit(
    template: dict[str, Any], organization: dict[str, Any], client: Any
) -> None:
    for logical_id in _policies(template, "SERVICE_CONTROL_POLICY"):
        content = client("organizations").describe_policy(PolicyId=organization["policies"][logical_id])[
            "Policy"
        ]["Content"]
        # As CloudFormation's handler submits it (json.dumps, whitespace included), not minified.
        assert content == json.dumps(template["Resources"][logical_id]["Properties"]["Content"])
        assert len(content) <= POLICY_CONTENT_LIMIT, len(content)


def _refusal(call: Any, **arguments: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**arguments)
    error = refused.value.response["Error"]
    return error["Code"], error["Message"]


def test_moto_refuses_the_bedrock_policy_type(
    template: dict[str, Any], emulator_template: dict[str, Any], organization: dict[str, Any], client: Any
) -> None:
    """moto 5.2.5 knows no BEDROCK_POLICY: it refuses to enable the type, to create the template's
    Bedrock policy, and to list policies of the type. When it learns the type, this fails: apply the
    Bedrock policy in ``organization`` and check it like the SCP and the RCP."""
    organizations = client("organizations")
    ((logical_id, properties),) = _policies(emulator_template, "BEDROCK_POLICY").items()
    # The guardrail it enforces is not emulated: its identifier is the placeholder ARN and version.
    (guardrail,) = _of_type(template, "AWS::Bedrock::Guardrail")
    content = _resolved(properties["Content"])
    identifier = content["bedrock"]["guardrail_inference"][REGION]["secure_bedrock"]["identifier"]["@@assign"]
    assert identifier == f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/{guardrail.lower()}:1", identifier
    enabling = _refusal(
        organizations.enable_policy_type, RootId=organization["root"], PolicyType="BEDROCK_POLICY"
    )
    assert enabling == BEDROCK_POLICY_REFUSED
    assert (
        _refusal(
            organizations.create_policy,
            Content=json.dumps(content),
            Type=properties["Type"],
            Name=properties["Name"],
            Description=properties["Description"],
        )
        == BEDROCK_POLICY_REFUSED
    ), logical_id
    assert (
        _refusal(organizations.list_policies_for_target, TargetId=organization["ou"], Filter="BEDROCK_POLICY")
        == BEDROCK_POLICY_REFUSED
    )
    assert _refusal(organizations.list_policies, Filter="BEDROCK_POLICY") == BEDROCK_POLICY_REFUSED
    # Nothing of the refused policy is stored: the policies moto holds are the template's SCP and RCP.
    names = {
        p["Name"]
        for policy_type in POLICY_TYPES_MOTO_TAKES
        for p in organizations.list_policies(Filter=policy_type)["Policies"]
        if not p["AwsManaged"]
    }
    assert names == {p["Name"] for p in _policies(template, *POLICY_TYPES_MOTO_TAKES).values()}
