"""The real CDK CLI bootstraps and deploys the reference environment into a local moto server.

This is the deploy path of ``make deploy`` (``cdk bootstrap`` + ``cdk deploy --app cdk.out``) run
against an emulated AWS on localhost, then checked through the AWS APIs: what moto really built,
not what the template says. moto does not emulate every resource type; the ones it skips are named
in ``NOT_EMULATED`` below and asserted, so nothing passes silently. Their properties are checked by
the template tests instead (test_reference_stack, the per-construct tests, the compliance packs).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
STACK = "SecureBedrockHipaa"

# Resource types of the reference template that moto 5.2.5's CloudFormation does not implement. It
# skips them with a warning and still reports the stack CREATE_COMPLETE. The test asserts that the
# deployed stack lacks exactly these, so a type moto starts to emulate (or a new type it skips)
# fails the test until this list and its checks are updated.
NOT_EMULATED = frozenset(
    {
        "AWS::Bedrock::ApplicationInferenceProfile",
        "AWS::Bedrock::EnforcedGuardrailConfiguration",
        "AWS::Bedrock::Guardrail",
        "AWS::Bedrock::GuardrailVersion",
        "AWS::Budgets::Budget",
        "AWS::Budgets::BudgetsAction",
        "AWS::CDK::Metadata",
        "AWS::CloudTrail::Trail",
        "AWS::CloudWatch::Alarm",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Logs::MetricFilter",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueuePolicy",
    }
)

# moto fails a whole stack on a Fn::GetAtt of a type it skips. These attributes are replaced, in
# the emulator's copy of the template only, with values of the shape AWS returns; any other
# attribute of a skipped type fails the test rather than being guessed.
PLACEHOLDER_ATTRIBUTES = {
    ("AWS::Bedrock::Guardrail", "GuardrailArn"): "arn:aws:bedrock:{region}:{account}:guardrail/{id}",
    ("AWS::Bedrock::Guardrail", "GuardrailId"): "{id}",
    ("AWS::Bedrock::GuardrailVersion", "Version"): "1",
    (
        "AWS::Bedrock::ApplicationInferenceProfile",
        "InferenceProfileArn",
    ): "arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}",
    ("AWS::Bedrock::ApplicationInferenceProfile", "InferenceProfileId"): "{id}",
}

# Lambda-backed custom resources need a container runtime to run; moto has none here and reports
# them CREATE_COMPLETE without running them. Their handlers are tested against moto in-process
# (test_invocation_logging_handler); this test asserts that they did not run here.
CUSTOM_RESOURCES_NOT_RUN = frozenset(
    {"Custom::BedrockModelInvocationLogging", "Custom::VpcRestrictDefaultSG"}
)


def for_the_emulator(
    template: dict[str, Any],
    *,
    not_emulated: frozenset[str] = NOT_EMULATED,
    placeholders: Mapping[tuple[str, str], str] = PLACEHOLDER_ATTRIBUTES,
) -> dict[str, Any]:
    """``template`` with every ``Fn::GetAtt`` of a type moto skips replaced by a placeholder value.

    ``not_emulated`` and ``placeholders`` default to this module's (the account stack's); the organization
    stack's test (tests/test_emulated_organization.py) passes its own.
    """
    types = {logical_id: resource["Type"] for logical_id, resource in template["Resources"].items()}

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Fn::GetAtt"} and types.get(node["Fn::GetAtt"][0]) in not_emulated:
            logical_id, attribute = node["Fn::GetAtt"]
            key = (types[logical_id], attribute)
            if key not in placeholders:
                raise AssertionError(f"{logical_id}.{attribute}: no placeholder for {key}; add one")
            return placeholders[key].format(region=REGION, account=ACCOUNT, id=logical_id.lower())
        if set(node) == {"Ref"} and types.get(node["Ref"]) in not_emulated:
            raise AssertionError(f"Ref {node['Ref']}: moto resolves it to nothing; give it a placeholder")
        return {key: rewrite(value) for key, value in node.items()}

    rewritten: dict[str, Any] = rewrite(template)
    for resource in rewritten["Resources"].values():
        # moto 5.2.5 reads an SSM parameter's Tags as a list of {Key, Value}; CloudFormation's form is a
        # map, on which moto fails after storing the parameter (and then finds it "already exists").
        tags = resource.get("Properties", {}).get("Tags")
        if resource["Type"] == "AWS::SSM::Parameter" and isinstance(tags, dict):
            resource["Properties"]["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
    return rewritten


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"moto server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"moto server did not answer at {url} within {timeout} s")


@contextlib.contextmanager
def moto_server(log_path: Path) -> Iterator[str]:
    """A moto server on localhost (tests/moto_server.py), its URL; stopped (its log kept) on exit."""
    port = _free_port()
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # localhost, not 127.0.0.1: moto reads a leading "127" of the host as an S3 bucket name.
    url = f"http://localhost:{port}"
    try:
        _wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server on localhost for this module; stopped (and its log kept) afterwards."""
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as url:
        yield url


def _cli_environment(url: str, home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")
    }
    return {
        **env,
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "CDK_HOME": str(home),
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "PATH": f"{ROOT / '.tools' / 'node' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }


def _cdk(arguments: list[str], env: dict[str, str], cwd: Path) -> str:
    cli = ROOT / "node_modules" / ".bin" / "cdk"
    assert cli.exists(), "the pinned CDK CLI is missing: run 'make test', which installs it"
    result = subprocess.run(
        [str(cli), *arguments, "--no-notices"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"cdk {arguments[0]} failed:\n{result.stderr[-4000:]}"
    return result.stderr


@pytest.fixture(scope="module")
def template(reference_assembly: Any) -> dict[str, Any]:
    """The reference template as ``build_app`` synthesizes it, which is what the CLI synthesizes
    (tests/test_reference_stack.py compares the two)."""
    loaded: dict[str, Any] = json.loads(
        (Path(reference_assembly.directory) / f"{STACK}.template.json").read_text()
    )
    return loaded


@pytest.fixture(scope="module")
def deployed(
    moto_url: str, reference_assembly: Any, template: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> boto3.Session:
    """``cdk bootstrap`` and ``cdk deploy --app <assembly>`` into the moto server; a session on it."""
    work = tmp_path_factory.mktemp("deploy")
    assembly = work / "cdk.out"
    shutil.copytree(reference_assembly.directory, assembly)
    (assembly / f"{STACK}.template.json").write_text(json.dumps(for_the_emulator(template)))
    env = _cli_environment(moto_url, work)
    _cdk(["bootstrap", f"aws://{ACCOUNT}/{REGION}", "--app", str(assembly)], env, work)
    _cdk(["deploy", STACK, "--app", str(assembly), "--require-approval", "never"], env, work)
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.fixture(scope="module")
def client(deployed: boto3.Session, moto_url: str) -> Any:
    """``client("ec2")``: a boto3 client of the emulated account."""
    return lambda service: deployed.client(service, endpoint_url=moto_url)


@pytest.fixture(scope="module")
def stack_description(client: Any) -> dict[str, Any]:
    stack: dict[str, Any] = client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return stack


@pytest.fixture(scope="module")
def physical_ids(client: Any) -> dict[str, str]:
    """Logical id -> physical id of every resource moto created (it lists skipped ones as blanks)."""
    pages = client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=STACK)
    return {
        summary["LogicalResourceId"]: summary["PhysicalResourceId"]
        for page in pages
        for summary in page["StackResourceSummaries"]
        if summary["LogicalResourceId"]
    }


@pytest.fixture(scope="module")
def outputs(template: dict[str, Any], physical_ids: dict[str, str], client: Any) -> dict[str, str]:
    """The stack's outputs, resolved from what moto created (see ``test_moto_reports_no_outputs``)."""
    resolved = {}
    for key, output in template["Outputs"].items():
        value = output["Value"]
        if "Ref" in value:
            resolved[key] = physical_ids[value["Ref"]]
        elif value.get("Fn::GetAtt", [None, None])[1] == "GroupId":
            resolved[key] = physical_ids[value["Fn::GetAtt"][0]]
        elif value.get("Fn::GetAtt", [None, None])[1] == "Arn":
            name = physical_ids[value["Fn::GetAtt"][0]]
            resolved[key] = client("iam").get_role(RoleName=name)["Role"]["Arn"]
    return resolved


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_the_stack_is_created(stack_description: dict[str, Any]) -> None:
    assert stack_description["StackStatus"] == "CREATE_COMPLETE", stack_description.get("StackStatusReason")


def test_moto_reports_no_outputs_for_a_stack_created_through_a_change_set(
    stack_description: dict[str, Any], template: dict[str, Any], outputs: dict[str, str]
) -> None:
    # An emulator gap, asserted so that the test notices when moto closes it: moto builds a stack's
    # outputs when the stack is created, and `cdk deploy` creates it empty, then fills it through a
    # change set. The fixture `outputs` resolves the ones the checks need from the resources instead.
    assert stack_description.get("Outputs") is None
    assert {
        "VpcId",
        "EndpointSecurityGroupId",
        "RuntimeEndpointId",
        "InvokerRoleArn",
        "AlarmTopicArn",
    } <= set(outputs)
    assert all(outputs.values()), outputs


def test_moto_skips_exactly_the_declared_types(
    template: dict[str, Any], physical_ids: dict[str, str]
) -> None:
    skipped = {resource["Type"] for k, resource in template["Resources"].items() if k not in physical_ids}
    in_template = {resource["Type"] for resource in template["Resources"].values()}
    assert skipped == NOT_EMULATED & in_template, (
        "moto's coverage changed: update NOT_EMULATED (and add checks for what it now creates)"
    )
    # Every other resource was created.
    created = {k for k, v in template["Resources"].items() if v["Type"] not in NOT_EMULATED}
    assert created <= set(physical_ids)


def test_custom_resources_are_listed_but_their_handlers_did_not_run(
    template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> None:
    custom = {v["Type"] for v in template["Resources"].values() if v["Type"].startswith("Custom::")}
    assert custom == CUSTOM_RESOURCES_NOT_RUN
    assert not client("bedrock").get_model_invocation_logging_configuration().get("loggingConfig")


def _endpoint_service(resource: dict[str, Any]) -> str:
    name = resource["Properties"]["ServiceName"]
    if isinstance(name, dict):  # {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".x"]]}
        name = "".join(part if isinstance(part, str) else REGION for part in name["Fn::Join"][1])
    return str(name)


def _policy(document: Any) -> dict[str, Any]:
    # moto returns an endpoint's PolicyDocument as a Python repr of the dict, not JSON.
    if isinstance(document, str):
        parsed: dict[str, Any] = (
            ast.literal_eval(document) if document.startswith("{'") else json.loads(document)
        )
        return parsed
    return dict(document)


def test_every_endpoint_is_created_with_its_policy_and_security_group(
    template: dict[str, Any], client: Any, outputs: dict[str, str]
) -> None:
    expected = {
        _endpoint_service(r): r["Properties"] for r in _of_type(template, "AWS::EC2::VPCEndpoint").values()
    }
    endpoints = client("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}]
    )["VpcEndpoints"]
    assert {e["ServiceName"]: e["VpcEndpointType"] for e in endpoints} == {
        service: properties.get("VpcEndpointType", "Gateway") for service, properties in expected.items()
    }
    for endpoint in endpoints:
        properties = expected[endpoint["ServiceName"]]
        assert "PolicyDocument" in properties, f"{endpoint['ServiceName']} keeps AWS's full-access default"
        policy = _policy(endpoint["PolicyDocument"])
        assert len(policy["Statement"]) == len(properties["PolicyDocument"]["Statement"]), endpoint[
            "ServiceName"
        ]
        for statement in policy["Statement"]:
            assert not (statement.get("Principal") == "*" and statement.get("Action") == "*"), endpoint
        if endpoint["VpcEndpointType"] == "Interface":
            assert endpoint["PrivateDnsEnabled"] is True, endpoint["ServiceName"]
            groups = [g["GroupId"] for g in endpoint["Groups"]]
            if endpoint["ServiceName"] == f"com.amazonaws.{REGION}.ec2":
                # The EC2 endpoint of the default-security-group handler has a group of its own.
                assert groups != [outputs["EndpointSecurityGroupId"]]
                assert len(groups) == 1
            else:
                assert groups == [outputs["EndpointSecurityGroupId"]]
    runtime = next(e for e in endpoints if e["ServiceName"] == f"com.amazonaws.{REGION}.bedrock-runtime")
    assert runtime["VpcEndpointId"] == outputs["RuntimeEndpointId"]
    allowed = _policy(runtime["PolicyDocument"])["Statement"]
    invoke = [s for s in allowed if s["Effect"] == "Allow"]
    resources = {
        r for s in invoke for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    # Resolved against the emulated account: the approved profiles and the models they route to.
    assert resources
    assert all(r.startswith("arn:aws:bedrock:") for r in resources), resources
    assert any(f":{ACCOUNT}:inference-profile/" in r for r in resources), resources


def test_the_endpoint_security_group_admits_https_from_the_allowed_networks_only(
    template: dict[str, Any], client: Any, outputs: dict[str, str]
) -> None:
    group = client("ec2").describe_security_groups(GroupIds=[outputs["EndpointSecurityGroupId"]])[
        "SecurityGroups"
    ][0]
    assert group["IpPermissions"], "no ingress: clients could not reach the endpoints"
    for permission in group["IpPermissions"]:
        assert (permission["IpProtocol"], permission["FromPort"], permission["ToPort"]) == ("tcp", 443, 443)
        assert all(r["CidrIp"] != "0.0.0.0/0" for r in permission.get("IpRanges", []))
    cidrs = {r["CidrIp"] for p in group["IpPermissions"] for r in p.get("IpRanges", [])}
    declared = {
        rule["CidrIp"]
        for rule in next(iter(_of_type(template, "AWS::EC2::SecurityGroup").values()))["Properties"].get(
            "SecurityGroupIngress", []
        )
        if isinstance(rule.get("CidrIp"), str)
    }
    assert declared <= cidrs


def test_every_bucket_is_encrypted_with_a_rotating_customer_managed_key_or_sse_s3_for_access_logs(
    template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> None:
    s3, kms = client("s3"), client("kms")
    buckets = _of_type(template, "AWS::S3::Bucket")
    assert len(buckets) >= 3
    for logical_id, resource in buckets.items():
        rule = s3.get_bucket_encryption(Bucket=physical_ids[logical_id])["ServerSideEncryptionConfiguration"]
        default = rule["Rules"][0]["ApplyServerSideEncryptionByDefault"]
        declared = resource["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert default["SSEAlgorithm"] == declared["ServerSideEncryptionByDefault"]["SSEAlgorithm"], (
            logical_id
        )
        if default["SSEAlgorithm"] == "aws:kms":
            key = kms.describe_key(KeyId=default["KMSMasterKeyID"])["KeyMetadata"]
            assert key["KeyManager"] == "CUSTOMER", logical_id
            assert key["Enabled"], logical_id
            assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"], logical_id
        else:
            assert "AccessLogs" in logical_id, f"{logical_id}: only access-log buckets may use SSE-S3"


def test_every_key_is_created_rotating_with_its_description(template: dict[str, Any], client: Any) -> None:
    kms = client("kms")
    metadata = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    customer = {m["Description"]: m for m in metadata if m["KeyManager"] == "CUSTOMER"}
    declared = [k["Properties"]["Description"] for k in _of_type(template, "AWS::KMS::Key").values()]
    assert sorted(customer) == sorted(declared)
    assert all(kms.get_key_rotation_status(KeyId=m["KeyId"])["KeyRotationEnabled"] for m in customer.values())


def test_every_log_group_keeps_its_retention_and_key(
    template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> None:
    groups = {g["logGroupName"]: g for g in client("logs").describe_log_groups()["logGroups"]}
    declared = _of_type(template, "AWS::Logs::LogGroup")
    assert declared
    kms = client("kms")
    for logical_id, resource in declared.items():
        group = groups[physical_ids[logical_id]]
        assert group["retentionInDays"] == resource["Properties"]["RetentionInDays"] >= 2192, logical_id
        assert kms.describe_key(KeyId=group["kmsKeyId"])["KeyMetadata"]["KeyManager"] == "CUSTOMER", (
            logical_id
        )


def _statements(document: Any) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    statements = parsed["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _managed_policy_statements(iam: Any, arn: str) -> list[dict[str, Any]]:
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    return _statements(iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"])


# Every role has customer-managed policies only (aws-cdk-lib's default-security-group provider, whose
# role had an inline one, is replaced by the library's own hardened handler).
ROLES_WITH_INLINE_POLICIES: frozenset[str] = frozenset()


def test_every_role_has_exactly_the_policies_the_template_attaches(
    template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> None:
    iam = client("iam")
    roles = _of_type(template, "AWS::IAM::Role")
    managed = _of_type(template, "AWS::IAM::ManagedPolicy")
    assert roles
    assert managed
    inline = set()
    for logical_id in roles:
        name = physical_ids[logical_id]
        assert iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"], logical_id
        if iam.list_role_policies(RoleName=name)["PolicyNames"]:
            inline.add(logical_id)
        attached = {
            p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        }
        ours = {
            physical_ids[policy_id]
            for policy_id, policy in managed.items()
            if {"Ref": logical_id} in policy["Properties"].get("Roles", [])
        }
        # moto's AWS::IAM::Role ignores ManagedPolicyArns (only CDK's provider role has any), so
        # only the attachments made by our AWS::IAM::ManagedPolicy resources can be checked here.
        assert attached == ours, logical_id
    assert inline == ROLES_WITH_INLINE_POLICIES


def test_the_invoker_is_pinned_to_the_deployed_endpoint_and_guardrail(
    template: dict[str, Any], client: Any, outputs: dict[str, str]
) -> None:
    (guardrail,) = _of_type(template, "AWS::Bedrock::Guardrail")
    iam = client("iam")
    role = outputs["InvokerRoleArn"].rsplit("/", 1)[1]
    arns = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    statements = [s for arn in arns for s in _managed_policy_statements(iam, arn)]
    invoke = [s for s in statements if s["Effect"] == "Allow" and "bedrock:InvokeModel" in s["Action"]]
    assert invoke
    for statement in invoke:
        # References resolved by the deploy: the real endpoint id and the guardrail, not tokens.
        assert statement["Condition"]["StringEquals"]["aws:SourceVpce"] == outputs["RuntimeEndpointId"]
        guardrails = json.dumps(statement["Condition"])
        # The guardrail is not emulated: its ARN is the placeholder built from its logical id.
        assert f":{ACCOUNT}:guardrail/{guardrail.lower()}" in guardrails, statement
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert any("bedrock:GuardrailIdentifier" in json.dumps(s.get("Condition", {})) for s in denies)


def test_the_logging_claim_names_this_stack(client: Any, stack_description: dict[str, Any]) -> None:
    """The one-per-account claim exists under its fixed name and says which stack holds it."""
    parameter = client("ssm").get_parameter(Name="/secure-bedrock/model-invocation-logging/owner")[
        "Parameter"
    ]
    claim = json.loads(parameter["Value"])
    assert claim["stackId"] == stack_description["StackId"]
    assert claim["logGroup"].endswith("/model-invocations")


def test_the_alarm_topic_is_encrypted(client: Any, outputs: dict[str, str]) -> None:
    attributes = client("sns").get_topic_attributes(TopicArn=outputs["AlarmTopicArn"])["Attributes"]
    key = client("kms").describe_key(KeyId=attributes["KmsMasterKeyId"])["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"
