"""The rollout by StackSets, as far as moto can carry it: the real CDK CLI deploys the StackSets stack (and,
as its dependencies, the asset bucket of each region) into the management account of a moto server that
holds an organization with an OU and a member account in it; the StackSets go to that OU.

moto 5.2.5 cannot run two steps, which the test does in their place, each from the synthesized template:

- the asset copies: ``Custom::CDKBucketDeployment`` is a Lambda-backed custom resource, which moto reports
  CREATE_COMPLETE without running (no container runtime). The test copies what it names (the Lambda code
  the CLI published to the bootstrap bucket) to the bucket it names, as the function does with
  ``extract: false``;
- the StackSets: moto's CloudFormation skips ``AWS::CloudFormation::StackSet``. The test calls
  CreateStackSet and CreateStackInstances with the resource's properties (its template as the
  emulator's copy, a TemplateBody, where AWS reads the published TemplateURL, which the test checks
  exists). moto then deploys each instance into the member account of the OU, where the landing zone's
  functions are created from the code in the management account's asset bucket.

What moto does not emulate is asserted, so the test fails when moto changes:

- it ignores AutoDeployment, ManagedExecution and CallAs (DescribeStackSet answers no AutoDeployment and
  managed execution off), so an account that joins the OU later gets no instance here (AWS deploys to it);
- it cannot create a custom resource in a service-managed instance (it looks the instance's stack up to
  register the resource, but keeps such stacks hidden), so the instances here are created without the
  landing zone's two custom resources (invocation logging, the default security group's rules), whose
  handlers are tested against moto in-process (tests/test_invocation_logging_handler.py);
- it does not check the instance's template against CloudFormation's limits (the Bedrock limit rules do,
  at synth), nor TemplateBody's 51,200 bytes (the StackSet resource names the published TemplateURL).
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from stacks.app import cdk_json_context
from stacks.settings import CONTEXT_KEY, load_settings
from stacks.stackset_stack import assets_stack_name
from tests.conftest import read_json
from tests.test_emulated_deploy import (
    NOT_EMULATED,
    REGION,
    _cdk,
    _cli_environment,
    _of_type,
    account_credentials,
    emulator_assembly,
    for_the_emulator,
    moto_server,
    physical_ids_of,
)
from tests.test_stacksets import baselines_of, stack_sets_of

SETTINGS = load_settings({CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY]})
assert SETTINGS.organization is not None
assert SETTINGS.organization.stacksets is not None
STACKSETS = SETTINGS.organization.stacksets
MANAGEMENT = str(SETTINGS.organization.account)
ROLLOUT = STACKSETS.stack_name
LANDING_ZONE = SETTINGS.stack_name

# Types of the StackSets stack moto skips (asserted below), and the attribute of one that an output reads.
ROLLOUT_NOT_EMULATED = frozenset({"AWS::CloudFormation::StackSet", "AWS::SQS::QueuePolicy"})
ROLLOUT_PLACEHOLDERS = {
    ("AWS::CloudFormation::StackSet", "StackSetId"): "{id}:00000000-0000-0000-0000-000000000000"
}
ASSETS_NOT_EMULATED = frozenset({"AWS::S3::BucketPolicy"})


def without_custom_resources(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` without its custom resources (and the DependsOn naming them): moto cannot create one
    in a service-managed instance (``test_moto_cannot_create_custom_resources_in_a_service_managed_instance``).
    A reference to one fails the test rather than being dropped."""
    custom = {
        logical_id for logical_id, r in template["Resources"].items() if r["Type"].startswith("Custom::")
    }
    assert custom, "the baseline has its custom resources (invocation logging, the default security group)"
    text = json.dumps({k: v for k, v in template["Resources"].items() if k not in custom})
    for logical_id in custom:
        for reference in (f'{{"Ref": "{logical_id}"}}', f'"Fn::GetAtt": ["{logical_id}"'):
            assert reference not in text, (
                f"{reference}: the emulator cannot drop a referenced custom resource"
            )
    resources = json.loads(text)
    for resource in resources.values():
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in custom]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
    return {**template, "Resources": resources}


def _client(url: str, credentials: dict[str, str], service: str, region: str = REGION) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=region,
        # A failed request is not retried: moto would answer the retry from the first one's leftovers.
        config=Config(retries={"total_max_attempts": 1}),
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture(scope="module")
def directory(reference_assembly: Any) -> Path:
    return Path(reference_assembly.directory)


@pytest.fixture(scope="module")
def rollout_template(directory: Path) -> dict[str, Any]:
    return read_json(directory / f"{ROLLOUT}.template.json")


@pytest.fixture(scope="module")
def stack_sets(rollout_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Region -> the properties of its ``AWS::CloudFormation::StackSet``."""
    return stack_sets_of(rollout_template)


@pytest.fixture(scope="module")
def baseline_templates(directory: Path, stack_sets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Region -> the StackSet's template, as the CLI publishes it."""
    return baselines_of(directory, stack_sets)


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def management(moto_url: str) -> dict[str, str]:
    """An IAM user's keys in the management account."""
    return account_credentials(moto_url, MANAGEMENT, "stacksets-administrator")


@pytest.fixture(scope="module")
def organization(moto_url: str, management: dict[str, str]) -> dict[str, str]:
    """The organization in moto: its root, an OU (moto chooses the id; the StackSets' target is rewritten
    to it) and a member account in the OU."""
    org = _client(moto_url, management, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="bedrock-workloads")["OrganizationalUnit"]["Id"]
    status = org.create_account(Email="member@example.com", AccountName="bedrock-member")[
        "CreateAccountStatus"
    ]
    member = status["AccountId"]
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=ou)
    return {"root": root, "ou": ou, "member": member}


@pytest.fixture(scope="module")
def deployed(
    moto_url: str,
    directory: Path,
    rollout_template: dict[str, Any],
    management: dict[str, str],
    organization: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``cdk bootstrap`` of every StackSet region and ``cdk deploy`` of the StackSets stack (its asset
    stacks first, as dependencies) with the management account's keys."""
    work = tmp_path_factory.mktemp("deploy-stacksets")
    templates = {
        ROLLOUT: for_the_emulator(
            rollout_template,
            not_emulated=ROLLOUT_NOT_EMULATED,
            placeholders=ROLLOUT_PLACEHOLDERS,
            account=MANAGEMENT,
        )
    }
    for region in STACKSETS.regions:
        name = assets_stack_name(SETTINGS, region)
        templates[name] = for_the_emulator(
            read_json(directory / f"{name}.template.json"),
            not_emulated=ASSETS_NOT_EMULATED,
            account=MANAGEMENT,
        )
    assembly = emulator_assembly(directory, work, templates)
    env = _cli_environment(moto_url, work, management)
    for region in STACKSETS.regions:
        _cdk(["bootstrap", f"aws://{MANAGEMENT}/{region}", "--app", str(assembly)], env, work)
    _cdk(["deploy", ROLLOUT, "--app", str(assembly), "--require-approval", "never"], env, work)


@pytest.fixture(scope="module")
def copied(
    deployed: None, moto_url: str, management: dict[str, str], rollout_template: dict[str, Any]
) -> dict[str, tuple[str, str]]:
    """The asset copies moto does not run, done as the copy function does them: each source object to
    the destination bucket under its file name. Destination bucket -> (key, sha256 of the object)."""
    s3 = _client(moto_url, management, "s3")
    done = {}
    for resource in _of_type(rollout_template, "Custom::CDKBucketDeployment").values():
        properties = resource["Properties"]
        assert properties["Extract"] is False
        assert properties["Prune"] is False
        (source_bucket,) = properties["SourceBucketNames"]
        (source_key,) = properties["SourceObjectKeys"]
        destination = properties["DestinationBucketName"]
        key = posixpath.basename(source_key)
        s3.copy_object(Bucket=destination, Key=key, CopySource={"Bucket": source_bucket, "Key": source_key})
        body = s3.get_object(Bucket=destination, Key=key)["Body"].read()
        done[destination] = (key, hashlib.sha256(body).hexdigest())
    return done


@pytest.fixture(scope="module")
def instances(
    copied: dict[str, tuple[str, str]],
    moto_url: str,
    management: dict[str, str],
    organization: dict[str, str],
    stack_sets: dict[str, dict[str, Any]],
    baseline_templates: dict[str, dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    """CreateStackSet and CreateStackInstances as CloudFormation does them for the StackSet resources (in
    the StackSets stack's region); StackSet name -> its instances."""
    cfn = _client(moto_url, management, "cloudformation")
    found = {}
    for region, properties in stack_sets.items():
        cfn.create_stack_set(
            StackSetName=properties["StackSetName"],
            Description=properties["Description"],
            TemplateBody=json.dumps(
                without_custom_resources(
                    for_the_emulator(
                        baseline_templates[region], not_emulated=NOT_EMULATED, account=organization["member"]
                    )
                )
            ),
            PermissionModel=properties["PermissionModel"],
            AutoDeployment=properties["AutoDeployment"],
            ManagedExecution=properties["ManagedExecution"],
            Capabilities=properties["Capabilities"],
            CallAs=properties["CallAs"],
        )
        (group,) = properties["StackInstancesGroup"]
        assert group["DeploymentTargets"]["OrganizationalUnitIds"] == list(STACKSETS.organizational_units)
        cfn.create_stack_instances(
            StackSetName=properties["StackSetName"],
            DeploymentTargets={"OrganizationalUnitIds": [organization["ou"]]},
            Regions=group["Regions"],
            OperationPreferences=properties["OperationPreferences"],
        )
        found[properties["StackSetName"]] = cfn.list_stack_instances(StackSetName=properties["StackSetName"])[
            "Summaries"
        ]
    return found


@pytest.fixture(scope="module")
def member(moto_url: str, organization: dict[str, str]) -> dict[str, str]:
    return account_credentials(moto_url, organization["member"], "member-auditor")


def test_the_stacksets_stack_and_its_asset_stacks_are_created(
    deployed: None, moto_url: str, management: dict[str, str]
) -> None:
    for region, name in [
        (REGION, ROLLOUT),
        *((r, assets_stack_name(SETTINGS, r)) for r in STACKSETS.regions),
    ]:
        cfn = _client(moto_url, management, "cloudformation", region)
        (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE", name


def test_moto_skips_exactly_the_declared_types(
    deployed: None, moto_url: str, management: dict[str, str], rollout_template: dict[str, Any]
) -> None:
    ids = physical_ids_of(lambda service: _client(moto_url, management, service), ROLLOUT)
    types = {logical_id: resource["Type"] for logical_id, resource in rollout_template["Resources"].items()}
    assert {types[logical_id] for logical_id in set(types) - set(ids)} == ROLLOUT_NOT_EMULATED
    # The AWS CLI layers are created, but moto lists them without a physical id.
    assert {types[logical_id] for logical_id, physical in ids.items() if not physical} == {
        "AWS::Lambda::LayerVersion"
    }
    layers = _client(moto_url, management, "lambda").list_layers()["Layers"]
    assert len(layers) == len(_of_type(rollout_template, "AWS::Lambda::LayerVersion"))


def test_each_region_has_its_asset_bucket_under_the_asset_key(
    deployed: None, moto_url: str, management: dict[str, str]
) -> None:
    for region in STACKSETS.regions:
        s3 = _client(moto_url, management, "s3", region)
        bucket = f"{STACKSETS.asset_bucket_prefix}-{region}"
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        key = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        aliases = _client(moto_url, management, "kms", region).list_aliases()["Aliases"]
        (alias,) = [a for a in aliases if a["AliasName"] == "alias/secure-bedrock-stackset-assets"]
        assert key.endswith(alias["TargetKeyId"])


def test_the_copies_carry_the_code_the_cli_published(
    copied: dict[str, tuple[str, str]], directory: Path
) -> None:
    assert set(copied) == {f"{STACKSETS.asset_bucket_prefix}-{region}" for region in STACKSETS.regions}
    # One asset (the library's handlers), the same object in every region.
    assert len({digest for _, digest in copied.values()}) == 1


def test_the_published_stackset_templates_are_where_the_template_urls_point(
    deployed: None, moto_url: str, management: dict[str, str], stack_sets: dict[str, dict[str, Any]]
) -> None:
    s3 = _client(moto_url, management, "s3")
    for properties in stack_sets.values():
        url = properties["TemplateURL"]["Fn::Sub"]
        bucket, key = url.split("/", 3)[3].split("/", 1)
        body = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert "Resources" in body
        assert body["Resources"]


def test_each_region_gets_one_instance_in_the_member_account_only(
    instances: dict[str, list[dict[str, Any]]], organization: dict[str, str]
) -> None:
    names = {f"secure-bedrock-baseline-{region}": region for region in STACKSETS.regions}
    assert set(instances) == set(names)
    for name, summaries in instances.items():
        # Service-managed: the OU's accounts, never the management account itself.
        assert [(s["Account"], s["Region"]) for s in summaries] == [(organization["member"], names[name])]
        assert {s["Status"] for s in summaries} == {"CURRENT"}


def test_the_member_gets_the_landing_zone_from_the_management_accounts_code(
    instances: dict[str, list[dict[str, Any]]],
    moto_url: str,
    member: dict[str, str],
    copied: dict[str, tuple[str, str]],
) -> None:
    for region in STACKSETS.regions:
        # The landing zone publishes its parameters under the reference stack's name in every member.
        ssm = _client(moto_url, member, "ssm", region)
        endpoint = ssm.get_parameter(Name=f"/secure-bedrock/{LANDING_ZONE}/runtime-endpoint-id")["Parameter"][
            "Value"
        ]
        assert endpoint.startswith("vpce-")
        ec2 = _client(moto_url, member, "ec2", region)
        (found,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint])["VpcEndpoints"]
        assert found["ServiceName"] == f"com.amazonaws.{region}.bedrock-runtime"
        # Each function's code is the object in the management account's asset bucket of its region.
        _, digest = copied[f"{STACKSETS.asset_bucket_prefix}-{region}"]
        functions = _client(moto_url, member, "lambda", region).list_functions()["Functions"]
        assert functions
        for function in functions:
            assert base64.b64decode(function["CodeSha256"]).hex() == digest


def test_moto_ignores_auto_deployment_and_does_not_deploy_to_an_account_that_joins_later(
    instances: dict[str, list[dict[str, Any]]],
    moto_url: str,
    management: dict[str, str],
    organization: dict[str, str],
    stack_sets: dict[str, dict[str, Any]],
) -> None:
    cfn = _client(moto_url, management, "cloudformation")
    for properties in stack_sets.values():
        assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
        described = cfn.describe_stack_set(StackSetName=properties["StackSetName"])["StackSet"]
        assert described["PermissionModel"] == "SERVICE_MANAGED"
        assert "AutoDeployment" not in described
        # moto answers managed execution off whatever was asked (the template asks for it on).
        assert properties["ManagedExecution"] == {"Active": True}
        assert described["ManagedExecution"] == {"Active": False}
    org = _client(moto_url, management, "organizations")
    status = org.create_account(Email="late@example.com", AccountName="joins-later")["CreateAccountStatus"]
    org.move_account(
        AccountId=status["AccountId"],
        SourceParentId=organization["root"],
        DestinationParentId=organization["ou"],
    )
    for properties in stack_sets.values():
        summaries = cfn.list_stack_instances(StackSetName=properties["StackSetName"])["Summaries"]
        assert [s["Account"] for s in summaries] == [organization["member"]]


def test_moto_cannot_create_custom_resources_in_a_service_managed_instance(
    copied: dict[str, tuple[str, str]],
    moto_url: str,
    management: dict[str, str],
    organization: dict[str, str],
) -> None:
    # A function from the asset bucket (as the baseline's) and a custom resource it backs: moto looks the
    # instance's stack up to register the custom resource, but keeps service-managed instances hidden.
    bucket = f"{STACKSETS.asset_bucket_prefix}-{REGION}"
    key, _ = copied[bucket]
    probe = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                },
            },
            "Handler": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.13",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"S3Bucket": bucket, "S3Key": key},
                },
            },
            "Probe": {
                "Type": "Custom::Probe",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]}},
            },
        }
    }
    cfn = _client(moto_url, management, "cloudformation")
    cfn.create_stack_set(
        StackSetName="custom-resource-probe",
        TemplateBody=json.dumps(probe),
        PermissionModel="SERVICE_MANAGED",
        Capabilities=["CAPABILITY_IAM"],
    )
    with pytest.raises(ClientError, match=r"hiddenstackforcustom-resource-probe.* does not exist"):
        cfn.create_stack_instances(
            StackSetName="custom-resource-probe",
            DeploymentTargets={"OrganizationalUnitIds": [organization["ou"]]},
            Regions=[REGION],
        )
