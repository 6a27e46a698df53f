"""The rollout by StackSets (secure_bedrock/rollout.py, stacks/stackset_stack.py), as synthesized: one
service-managed StackSet per region with the settings' OUs, failure tolerance and concurrency; its
region-specific template, checked by every pack; the asset buckets the members read the code from; the
hardened copy function cdk-stacksets adds. The emulated deploy is tests/test_emulated_stacksets.py."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns

from secure_bedrock import BaselineStackSet, RegionalStackSetStack, StackSetAssetBucket
from secure_bedrock.rollout import ASSET_KEY_ALIAS, asset_bucket_name
from stacks.app import build_app, cdk_json_context
from stacks.settings import CONTEXT_KEY, SettingsError, load_settings
from tests.conftest import compliance_findings, of_type, read_json

SETTINGS = load_settings({CONTEXT_KEY: cdk_json_context()[CONTEXT_KEY]})
assert SETTINGS.organization is not None
assert SETTINGS.organization.stacksets is not None
STACKSETS = SETTINGS.organization.stacksets
ORGANIZATION_ID = SETTINGS.organization.organization_id
PREFIX = "secure-bedrock-stackset-assets-111122223333"


@pytest.fixture(scope="module")
def directory(reference_assembly: Any) -> Path:
    return Path(reference_assembly.directory)


@pytest.fixture(scope="module")
def rollout(directory: Path) -> dict[str, Any]:
    return read_json(directory / f"{STACKSETS.stack_name}.template.json")


def stack_sets_of(rollout: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Region -> the properties of its ``AWS::CloudFormation::StackSet`` in the StackSets stack's template."""
    found = {}
    for resource in of_type(rollout, "AWS::CloudFormation::StackSet").values():
        (group,) = resource["Properties"]["StackInstancesGroup"]
        (region,) = group["Regions"]
        found[region] = resource["Properties"]
    return found


def baselines_of(directory: Path, stack_sets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Region -> the StackSet's template, found as the CLI publishes it: by the TemplateURL's object key in
    the StackSets stack's asset manifest."""
    files = read_json(directory / f"{STACKSETS.stack_name}.assets.json")["files"]
    found = {}
    for region, properties in stack_sets.items():
        key = posixpath.basename(properties["TemplateURL"]["Fn::Sub"])
        (entry,) = [
            e for e in files.values() if any(d["objectKey"] == key for d in e["destinations"].values())
        ]
        found[region] = read_json(directory / entry["source"]["path"])
    return found


@pytest.fixture(scope="module")
def stack_sets(rollout: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return stack_sets_of(rollout)


@pytest.fixture(scope="module")
def baselines(directory: Path, stack_sets: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return baselines_of(directory, stack_sets)


def test_one_service_managed_stackset_per_region_to_the_settings_ous(
    stack_sets: dict[str, dict[str, Any]],
) -> None:
    assert set(stack_sets) == set(STACKSETS.regions)
    for region, properties in stack_sets.items():
        assert properties["StackSetName"] == f"secure-bedrock-baseline-{region}"
        assert properties["PermissionModel"] == "SERVICE_MANAGED"
        assert properties["CallAs"] == "SELF"  # the management account (no delegated administrator set)
        assert properties["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": True}
        assert properties["ManagedExecution"] == {"Active": True}
        assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
        assert properties["OperationPreferences"] == {
            "FailureTolerancePercentage": STACKSETS.failure_tolerance_percentage,
            "MaxConcurrentPercentage": STACKSETS.max_concurrent_percentage,
        }
        (group,) = properties["StackInstancesGroup"]
        # The accounts listed as members get a stage; the StackSets leave them out.
        assert group["DeploymentTargets"] == {
            "AccountFilterType": "DIFFERENCE",
            "Accounts": sorted(member.account for member in SETTINGS.organization.members),
            "OrganizationalUnitIds": list(STACKSETS.organizational_units),
        }
        # The template is the published asset of the administrator's bootstrap bucket (TemplateURL, not
        # TemplateBody: the landing zone is far past TemplateBody's 51,200 bytes).
        assert "cdk-hnb659fds-assets-111122223333-us-east-1/" in properties["TemplateURL"]["Fn::Sub"]


def test_each_template_is_the_landing_zone_of_its_region(baselines: dict[str, dict[str, Any]]) -> None:
    for region, template in baselines.items():
        text = json.dumps(template)
        # No CDK bootstrap parameter or rule: member accounts are not bootstrapped.
        assert "Parameters" not in template
        assert "Rules" not in template
        (runtime,) = [
            e
            for e in of_type(template, "AWS::EC2::VPCEndpoint").values()
            if "bedrock-runtime" in json.dumps(e["Properties"]["ServiceName"])
        ]
        assert runtime["Properties"]["ServiceName"] == f"com.amazonaws.{region}.bedrock-runtime"
        # Its Lambda code comes from the asset bucket of the region it is deployed to.
        functions = of_type(template, "AWS::Lambda::Function")
        assert functions
        for function in functions.values():
            assert function["Properties"]["Code"]["S3Bucket"] == {
                "Fn::Join": ["-", [PREFIX, {"Ref": "AWS::Region"}]]
            }
        # The member's parameters read the same as a stage's (under the reference stack's name).
        assert f"/secure-bedrock/{SETTINGS.stack_name}/runtime-endpoint-id" in text
        # Every member replicates to the one archive, in the settings' region, across regions if need be.
        assert "secure-bedrock-evidence-archive-444455556666-us-east-1" in text
        assert "secure-bedrock-evidence-archive-444455556666-us-west-2" not in text


def test_the_templates_stay_within_cloudformations_limits_with_room(
    baselines: dict[str, dict[str, Any]],
) -> None:
    for template in baselines.values():
        assert len(json.dumps(template, separators=(",", ":"))) <= 0.8 * 1_048_576
        assert len(template["Resources"]) <= 0.8 * 500


def test_the_asset_buckets_admit_the_organization_to_read_the_code_only(directory: Path) -> None:
    for region in STACKSETS.regions:
        template = read_json(directory / f"{STACKSETS.stack_name}Assets-{region}.template.json")
        buckets = of_type(template, "AWS::S3::Bucket")
        (assets,) = [
            b
            for b in buckets.values()
            if b["Properties"].get("BucketName") == asset_bucket_name(PREFIX, region)
        ]
        assert assets["DeletionPolicy"] == "Retain"
        assert assets["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
        statements = [
            s
            for policy in of_type(template, "AWS::S3::BucketPolicy").values()
            for s in policy["Properties"]["PolicyDocument"]["Statement"]
        ]
        (read,) = [s for s in statements if s.get("Sid") == "OrganizationReadsCode"]
        assert read["Effect"] == "Allow"
        assert sorted(read["Action"]) == ["s3:GetObject", "s3:GetObjectVersion"]
        assert read["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}}
        keys = of_type(template, "AWS::KMS::Key")
        (decrypt,) = [
            s
            for key in keys.values()
            for s in key["Properties"]["KeyPolicy"]["Statement"]
            if s.get("Sid") == "OrganizationDecryptsCodeThroughS3"
        ]
        assert decrypt["Action"] == "kms:Decrypt"
        assert decrypt["Condition"] == {
            "StringEquals": {
                "aws:PrincipalOrgID": ORGANIZATION_ID,
                "kms:ViaService": f"s3.{region}.amazonaws.com",
            }
        }
        (alias,) = of_type(template, "AWS::KMS::Alias").values()
        assert alias["Properties"]["AliasName"] == ASSET_KEY_ALIAS


def test_the_copy_function_is_hardened(rollout: dict[str, Any]) -> None:
    (role,) = [r for k, r in of_type(rollout, "AWS::IAM::Role").items() if "CDKBucketDeployment" in k]
    assert role["Properties"].get("ManagedPolicyArns", []) == []
    (policy,) = of_type(rollout, "AWS::IAM::Policy").values()
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    for region in STACKSETS.regions:
        encrypt = statements[f"EncryptAssets{region.replace('-', '')}"]
        assert sorted(encrypt["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert encrypt["Condition"] == {
            "StringEquals": {
                "kms:ViaService": f"s3.{region}.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{asset_bucket_name(PREFIX, region)}"],
                    ]
                },
            }
        }
    assert statements["WriteOwnLog"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    (function,) = of_type(rollout, "AWS::Lambda::Function").values()
    assert "DeadLetterConfig" in function["Properties"]
    (log_group,) = of_type(rollout, "AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["RetentionInDays"] == 2192
    assert "KmsKeyId" in log_group["Properties"]
    assert log_group["DeletionPolicy"] == "Retain"
    copies = of_type(rollout, "Custom::CDKBucketDeployment")
    (log_group_id,) = of_type(rollout, "AWS::Logs::LogGroup")
    # Each copy's first run finds its log group (the role may not create one).
    assert all(log_group_id in c.get("DependsOn", []) for c in copies.values())
    # A copy function that dies without answering does not hold the stack for the default hour.
    assert {c["Properties"]["ServiceTimeout"] for c in copies.values()} == {1200}
    assert sorted(c["Properties"]["DestinationBucketName"] for c in copies.values()) == sorted(
        asset_bucket_name(PREFIX, region) for region in STACKSETS.regions
    )


def _baseline(stack: Stack) -> None:
    sns.Topic(stack, "Plain")


@pytest.fixture
def administrator(make_stack: Callable[..., Stack]) -> Stack:
    return make_stack(account="111122223333")


def test_the_packs_check_the_stackset_templates(administrator: Stack) -> None:
    # The negative control: a plain topic in the baseline is a finding in each region's template.
    BaselineStackSet(
        administrator,
        "Baseline",
        baseline=_baseline,
        regions=["us-east-1", "us-west-2"],
        organizational_units=["ou-ab12-cdefgh34"],
        asset_bucket_prefix=PREFIX,
    )
    findings = compliance_findings(administrator)
    for region in ("us-east-1", "us-west-2"):
        assert any(f"Baseline-{region}/Plain" in finding for finding in findings), region


def test_a_baseline_sees_its_region(administrator: Stack) -> None:
    seen = []
    BaselineStackSet(
        administrator,
        "Baseline",
        baseline=lambda stack: seen.append((stack.region, stack.stack_name)),
        regions=["eu-west-1", "eu-central-1"],
        organizational_units=["r-ab12"],
        asset_bucket_prefix=PREFIX,
        baseline_stack_name="Members",
        delegated_admin=True,
    )
    assert seen == [("eu-west-1", "Members"), ("eu-central-1", "Members")]


BAD_ARGUMENTS: list[tuple[dict[str, Any], str]] = [
    ({"regions": []}, "regions: name at least one region"),
    ({"regions": ["us-east-1", "us-east-1"]}, "regions"),
    ({"regions": ["us-east-9"]}, "regions\\[0\\]"),
    ({"organizational_units": []}, "organizational_units: name at least one"),
    (
        {"organizational_units": ["123456789012"]},
        "organizational_units\\[0\\]: '123456789012' is not an organizational unit",
    ),
    ({"asset_bucket_prefix": "Bad_Prefix"}, "asset_bucket_prefix: 'Bad_Prefix' must be"),
    ({"failure_tolerance_percentage": 101}, "failure_tolerance_percentage"),
    ({"max_concurrent_percentage": 0}, "max_concurrent_percentage"),
    (
        {"failure_tolerance_percentage": 30, "max_concurrent_percentage": 20},
        "max_concurrent_percentage: 20 is below failure_tolerance_percentage \\(30\\)",
    ),
    ({"baseline": "not callable"}, "baseline: 'not callable' is not callable"),
    ({"stack_set_name": "1st"}, "stack_set_name: '1st'"),
    ({"baseline_stack_name": "bad name"}, "baseline_stack_name: 'bad name'"),
    ({"auto_deploy": "yes"}, "auto_deploy"),
    ({"excluded_accounts": ["5555"]}, "excluded_accounts\\[0\\]: '5555' is not a 12-digit account id"),
    ({"excluded_accounts": ["555566667777", "555566667777"]}, "excluded_accounts"),
]


@pytest.mark.parametrize(("override", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_named(administrator: Stack, override: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "baseline": _baseline,
        "regions": ["us-east-1"],
        "organizational_units": ["ou-ab12-cdefgh34"],
        "asset_bucket_prefix": PREFIX,
        **override,
    }
    with pytest.raises((ValueError, TypeError), match=message):
        BaselineStackSet(administrator, "Baseline", **arguments)
    assert administrator.node.try_find_child("Baseline") is None


def test_the_administrator_stack_needs_a_region(make_stack: Callable[..., Stack]) -> None:
    agnostic = make_stack(region=None)
    with pytest.raises(ValueError, match="no concrete region"):
        BaselineStackSet(
            agnostic,
            "Baseline",
            baseline=_baseline,
            regions=["us-east-1"],
            organizational_units=["ou-ab12-cdefgh34"],
            asset_bucket_prefix=PREFIX,
        )
    with pytest.raises(ValueError, match="no concrete region"):
        StackSetAssetBucket(agnostic, "Assets", bucket_prefix=PREFIX, organization_id=ORGANIZATION_ID)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"bucket_prefix": "x"}, "bucket_prefix: 'x' must be"),
        ({"organization_id": "o-1"}, "organization_id"),
    ],
)
def test_bad_asset_bucket_arguments_are_named(
    administrator: Stack, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        StackSetAssetBucket(
            administrator,
            "Assets",
            **{"bucket_prefix": PREFIX, "organization_id": ORGANIZATION_ID, **arguments},
        )


def _organization(**stacksets: Any) -> dict[str, Any]:
    block = json.loads(json.dumps(cdk_json_context()[CONTEXT_KEY]))
    block["organization"]["stacksets"] = {**block["organization"]["stacksets"], **stacksets}
    return {CONTEXT_KEY: block}


@pytest.mark.parametrize(
    ("stacksets", "message"),
    [
        ({"regions": ["eu-west-1"]}, "stacksets.regions\\[0\\]: eu-west-1 is outside"),
        ({"organizational_units": []}, "stacksets.organizational_units: name at least one OU"),
        ({"organizational_units": ["111122223333"]}, "organizational_units\\[0\\]: '111122223333' is not an"),
        (
            {"max_concurrent_percentage": 5},
            "max_concurrent_percentage: 5 is below failure_tolerance_percentage",
        ),
        ({"failure_tolerance_percentage": -1}, "failure_tolerance_percentage: -1 must be"),
        ({"asset_bucket_prefix": "a" * 49}, "asset_bucket_prefix: 'a+' must be 3-48"),
        ({"stack_name": "SecureBedrockOrganization"}, "stacksets.stack_name"),
        ({"auto_deply": True}, "stacksets.auto_deply: unknown setting; did you mean 'auto_deploy'"),
    ],
)
def test_wrong_stacksets_settings_are_named(stacksets: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(_organization(**stacksets))


def test_the_asset_prefix_defaults_to_the_administrators_account() -> None:
    settings = load_settings(_organization(account="777788889999"))
    assert settings.organization is not None
    assert settings.organization.stacksets is not None
    assert (
        settings.organization.stacksets.asset_bucket_prefix == "secure-bedrock-stackset-assets-777788889999"
    )


def test_a_delegated_administrator_deploys_the_stacksets(tmp_path: Path) -> None:
    context = {**cdk_json_context(), **_organization(account="777788889999")}
    app, _ = build_app(context=context, outdir=str(tmp_path), compliance=False)
    template = app.synth().get_stack_by_name(STACKSETS.stack_name).template
    assert {
        r["Properties"]["CallAs"] for r in of_type(template, "AWS::CloudFormation::StackSet").values()
    } == {"DELEGATED_ADMIN"}
    names = {
        r["Properties"]["DestinationBucketName"]
        for r in of_type(template, "Custom::CDKBucketDeployment").values()
    }
    assert all(re.match(r"^secure-bedrock-stackset-assets-777788889999-", name) for name in names)
    assert isinstance(app, App)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"region": "us-east-9"}, "region"),
        ({"asset_bucket_prefix": "UPPER"}, "asset_bucket_prefix: 'UPPER' must be"),
        ({"asset_bucket": "a-bucket-name"}, "asset_bucket"),
        ({"stack_name": "no spaces"}, "stack_name: 'no spaces' is not a CloudFormation stack name"),
    ],
)
def test_bad_regional_stack_arguments_are_named(
    administrator: Stack, arguments: dict[str, Any], message: str
) -> None:
    bucket = s3.Bucket.from_bucket_name(administrator, "Assets", asset_bucket_name(PREFIX, "us-east-1"))
    with pytest.raises((ValueError, TypeError), match=message):
        RegionalStackSetStack(
            administrator,
            "Member",
            **{"region": "us-east-1", "asset_bucket_prefix": PREFIX, "asset_bucket": bucket, **arguments},
        )


def test_each_stackset_waits_for_the_code_of_its_region(rollout: dict[str, Any]) -> None:
    # Without it CloudFormation may start the StackSet (and every member's functions) before the copy
    # function put the code in the asset bucket: the first deploy, and each code change, would fail.
    copies = {
        logical_id: resource["Properties"]["DestinationBucketName"]
        for logical_id, resource in of_type(rollout, "Custom::CDKBucketDeployment").items()
    }
    for resource in of_type(rollout, "AWS::CloudFormation::StackSet").values():
        (group,) = resource["Properties"]["StackInstancesGroup"]
        (region,) = group["Regions"]
        waits_for = {copies[d] for d in resource.get("DependsOn", []) if d in copies}
        assert asset_bucket_name(PREFIX, region) in waits_for
