"""The real CDK CLI bootstraps and deploys the reference environment into a local moto server.

This is the deploy path of ``make deploy`` (``cdk bootstrap`` + ``cdk deploy --app cdk.out``) run
against an emulated AWS on localhost, then checked through the AWS APIs: what moto really built,
not what the template says. moto does not emulate every resource type; the ones it skips are named
in ``NOT_EMULATED`` below and asserted, so nothing passes silently. Their properties are checked by
the template tests instead (test_reference_stack, the per-construct tests, the compliance packs).

moto's bucket handler applies a bucket's encryption and tags only (``BUCKET_PROPERTIES_MOTO_DROPS``,
asserted): the evidence buckets' versioning and replication to the organization's archive are applied
through S3's API as CloudFormation's handler applies them, then read back as moto stores them.
test_emulated_archive deploys the archive itself beside this stack, and asserts that moto does not run
the replication.
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
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from secure_bedrock.archive import ARCHIVE_KEY_ALIAS, REPLICATION_ROLE_PREFIX, archive_bucket_name
from stacks.app import cdk_json_context
from stacks.settings import CONTEXT_KEY

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
    account: str = ACCOUNT,
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
            return placeholders[key].format(region=REGION, account=account, id=logical_id.lower())
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


# moto 5.2.5's AWS::S3::Bucket handler applies a bucket's BucketEncryption (without BucketKeyEnabled,
# which it answers False) and Tags, and drops every other property; the stack is still CREATE_COMPLETE.
# For each property it drops: what moto then answers for it (the reading call's error code, or its
# empty answer). ``bucket_as_deployed`` reads them and the tests assert this for every bucket, so a
# property moto starts to apply, or a new property of a template, fails until this is updated.
BUCKET_PROPERTIES_MOTO_APPLIES = frozenset({"BucketName", "BucketEncryption", "Tags"})
BUCKET_PROPERTIES_MOTO_DROPS: Mapping[str, Any] = {
    "VersioningConfiguration": {},
    "ObjectLockEnabled": "ObjectLockConfigurationNotFoundError",
    "ObjectLockConfiguration": "ObjectLockConfigurationNotFoundError",
    "ReplicationConfiguration": "ReplicationConfigurationNotFoundError",
    "PublicAccessBlockConfiguration": "NoSuchPublicAccessBlockConfiguration",
    "LifecycleConfiguration": "NoSuchLifecycleConfiguration",
    "LoggingConfiguration": {},
    "OwnershipControls": "OwnershipControlsNotFoundError",
}
# The calls that read a bucket property back.
_BUCKET_READS = {
    "BucketEncryption": "get_bucket_encryption",
    "Tags": "get_bucket_tagging",
    "VersioningConfiguration": "get_bucket_versioning",
    "ObjectLockEnabled": "get_object_lock_configuration",
    "ObjectLockConfiguration": "get_object_lock_configuration",
    "ReplicationConfiguration": "get_bucket_replication",
    "PublicAccessBlockConfiguration": "get_public_access_block",
    "LifecycleConfiguration": "get_bucket_lifecycle_configuration",
    "LoggingConfiguration": "get_bucket_logging",
    "OwnershipControls": "get_bucket_ownership_controls",
}
# The CloudFormation properties of a replication rule, which S3's API (PutBucketReplication) names the
# same but for Id (ID); a property not listed fails ``replication_for_the_api`` rather than being sent
# in a form S3 may not take.
_REPLICATION_RULE_PROPERTIES = frozenset(
    {
        "Id",
        "Priority",
        "Status",
        "Filter",
        "DeleteMarkerReplication",
        "SourceSelectionCriteria",
        "Destination",
    }
)

# The organization's evidence archive (cdk.json's organization.log_archive), which the account stack's
# evidence buckets replicate to, and the member's replication role (one per account and region).
ARCHIVE_ACCOUNT: str = cdk_json_context()[CONTEXT_KEY]["organization"]["log_archive"]["account"]
ARCHIVE_BUCKET = archive_bucket_name(ARCHIVE_ACCOUNT, REGION)
ARCHIVE_KEY_ALIAS_ARN = f"arn:aws:kms:{REGION}:{ARCHIVE_ACCOUNT}:{ARCHIVE_KEY_ALIAS}"
REPLICATION_ROLE = f"{REPLICATION_ROLE_PREFIX}{REGION}"
# The evidence each replicating bucket of the account stack sends to the archive, by logical id prefix.
REPLICATED_PREFIXES = {
    "LandingZoneInvocationLoggingBucket": ["bedrock/", "bedrock-large-data/"],
    "LandingZoneAuditTrailBucket": ["AWSLogs/"],
}


def bucket_as_deployed(s3: Any, bucket: str) -> dict[str, Any]:
    """What moto answers for each property of ``bucket`` (by CloudFormation property name): the reading
    call's answer without its metadata, or the code of the error it answers."""
    answers: dict[str, Any] = {}
    for prop, read in _BUCKET_READS.items():
        try:
            answer = getattr(s3, read)(Bucket=bucket)
        except ClientError as error:
            answers[prop] = error.response["Error"]["Code"]
        else:
            answer.pop("ResponseMetadata", None)
            answers[prop] = answer
    return answers


def assert_moto_applied_only_encryption_and_tags(resource: dict[str, Any], answers: dict[str, Any]) -> None:
    """``answers`` (``bucket_as_deployed``) hold the bucket ``resource``'s encryption and tags and nothing
    else of it: exactly what moto's handler applies (``BUCKET_PROPERTIES_MOTO_APPLIES``)."""
    properties = resource["Properties"]
    unknown = set(properties) - BUCKET_PROPERTIES_MOTO_APPLIES - set(BUCKET_PROPERTIES_MOTO_DROPS)
    assert not unknown, f"properties new to this test: {unknown}; find what moto does with them"
    for prop in set(properties) & set(BUCKET_PROPERTIES_MOTO_DROPS):
        assert answers[prop] == BUCKET_PROPERTIES_MOTO_DROPS[prop], (prop, answers[prop])
    (declared,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (rule,) = answers["BucketEncryption"]["ServerSideEncryptionConfiguration"]["Rules"]
    algorithm = declared["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == algorithm
    # moto drops BucketKeyEnabled (S3 Bucket Keys cut the KMS requests; they change no access).
    assert rule["BucketKeyEnabled"] is False
    assert sorted(answers["Tags"]["TagSet"], key=lambda t: t["Key"]) == sorted(
        properties["Tags"], key=lambda t: t["Key"]
    )


def resolver(
    template: dict[str, Any], physical_ids: Mapping[str, str], client: Any, account: str = ACCOUNT
) -> Callable[[Any], Any]:
    """A function that evaluates a template value as the deployment did: ``Ref`` of a pseudo parameter or
    a created resource, ``Fn::GetAtt`` of the ``Arn`` of a created bucket, key or role (read from moto),
    ``Fn::Join``. Any other intrinsic fails the test rather than being guessed."""
    types = {logical_id: resource["Type"] for logical_id, resource in template["Resources"].items()}
    pseudo = {"AWS::AccountId": account, "AWS::Region": REGION, "AWS::Partition": "aws"}

    def arn(logical_id: str) -> str:
        physical = physical_ids[logical_id]
        if types[logical_id] == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{physical}"
        if types[logical_id] == "AWS::KMS::Key":
            return str(client("kms").describe_key(KeyId=physical)["KeyMetadata"]["Arn"])
        if types[logical_id] == "AWS::IAM::Role":
            return str(client("iam").get_role(RoleName=physical)["Role"]["Arn"])
        raise AssertionError(f"cannot resolve the Arn of {logical_id} ({types[logical_id]})")

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"}:
            name = node["Ref"]
            return pseudo[name] if name in pseudo else physical_ids[name]
        if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][1] == "Arn":
            return arn(node["Fn::GetAtt"][0])
        if set(node) == {"Fn::Join"}:
            separator, parts = node["Fn::Join"]
            return separator.join(str(resolve(part)) for part in parts)
        intrinsic = [key for key in node if key.startswith("Fn::")]
        assert not intrinsic, f"cannot resolve {node}"
        return {key: resolve(value) for key, value in node.items()}

    return resolve


def replication_for_the_api(configuration: dict[str, Any]) -> dict[str, Any]:
    """A resolved CloudFormation ``ReplicationConfiguration`` in S3 API's form (PutBucketReplication)."""
    rules = []
    for rule in configuration["Rules"]:
        assert set(rule) <= _REPLICATION_RULE_PROPERTIES, set(rule) - _REPLICATION_RULE_PROPERTIES
        rules.append({("ID" if key == "Id" else key): value for key, value in rule.items()})
    return {"Role": configuration["Role"], "Rules": rules}


def apply_what_moto_drops(
    s3: Any, template: dict[str, Any], physical_ids: Mapping[str, str], resolve: Callable[[Any], Any]
) -> None:
    """The evidence properties moto's bucket handler drops, applied through S3's API as CloudFormation's
    handler applies them: versioning first (S3 refuses Object Lock and replication on an unversioned
    bucket), then the Object Lock configuration, then the replication, resolved against what moto created."""
    for logical_id, resource in _of_type(template, "AWS::S3::Bucket").items():
        properties, bucket = resource["Properties"], physical_ids[logical_id]
        if "VersioningConfiguration" in properties:
            s3.put_bucket_versioning(
                Bucket=bucket, VersioningConfiguration=properties["VersioningConfiguration"]
            )
        if "ObjectLockConfiguration" in properties:
            assert properties["ObjectLockEnabled"] is True, logical_id
            s3.put_object_lock_configuration(
                Bucket=bucket, ObjectLockConfiguration=properties["ObjectLockConfiguration"]
            )
        if "ReplicationConfiguration" in properties:
            s3.put_bucket_replication(
                Bucket=bucket,
                ReplicationConfiguration=replication_for_the_api(
                    resolve(properties["ReplicationConfiguration"])
                ),
            )


def apply_bucket_policies(s3: Any, template: dict[str, Any], resolve: Callable[[Any], Any]) -> None:
    """The template's bucket policies (AWS::S3::BucketPolicy, a type moto skips), resolved against what
    moto created, applied through S3's API as CloudFormation's handler applies them."""
    for policy in _of_type(template, "AWS::S3::BucketPolicy").values():
        s3.put_bucket_policy(
            Bucket=resolve(policy["Properties"]["Bucket"]),
            Policy=json.dumps(resolve(policy["Properties"]["PolicyDocument"])),
        )


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
        # MOTO_ACCOUNT_ID would make moto answer every request as that one account, whatever the keys:
        # without it, moto answers as the account that holds the request's access key (ACCOUNT for keys
        # it does not hold), so one server holds stacks of several accounts (test_emulated_archive).
        env={key: value for key, value in os.environ.items() if key != "MOTO_ACCOUNT_ID"},
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


# Keys moto knows no account for: it answers as its default account, ``ACCOUNT``. Keys of an IAM user that
# moto holds in another account make it answer as that account (test_emulated_archive's
# ``archive_credentials``).
DEFAULT_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _cli_environment(
    url: str, home: Path, credentials: Mapping[str, str] = DEFAULT_CREDENTIALS
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")
    }
    return {
        **env,
        "AWS_ENDPOINT_URL": url,
        **credentials,
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


def emulator_assembly(reference: Path, work: Path, templates: Mapping[str, dict[str, Any]]) -> Path:
    """A copy of the reference assembly in ``work`` with the stacks' templates replaced by ``templates``
    (stack name -> the emulator's copy of its template)."""
    assembly = work / "cdk.out"
    shutil.copytree(reference, assembly)
    for stack, emulated in templates.items():
        (assembly / f"{stack}.template.json").write_text(json.dumps(emulated))
    return assembly


def bootstrap_and_deploy(
    url: str,
    assembly: Path,
    stack: str,
    work: Path,
    *,
    account: str = ACCOUNT,
    credentials: Mapping[str, str] = DEFAULT_CREDENTIALS,
) -> None:
    """``cdk bootstrap aws://<account>/<region>`` and ``cdk deploy <stack> --app <assembly>`` into the moto
    server at ``url``, with ``credentials`` (which must be ``account``'s: the CLI checks)."""
    env = _cli_environment(url, work, credentials)
    _cdk(["bootstrap", f"aws://{account}/{REGION}", "--app", str(assembly)], env, work)
    _cdk(["deploy", stack, "--app", str(assembly), "--require-approval", "never"], env, work)


@pytest.fixture(scope="module")
def deployed(
    moto_url: str, reference_assembly: Any, template: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> boto3.Session:
    """``cdk bootstrap`` and ``cdk deploy --app <assembly>`` into the moto server; a session on it."""
    work = tmp_path_factory.mktemp("deploy")
    assembly = emulator_assembly(
        Path(reference_assembly.directory), work, {STACK: for_the_emulator(template)}
    )
    bootstrap_and_deploy(moto_url, assembly, STACK, work)
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.fixture(scope="module")
def client(deployed: boto3.Session, moto_url: str) -> Any:
    """``client("ec2")``: a boto3 client of the emulated account."""
    return lambda service: deployed.client(service, endpoint_url=moto_url)


@pytest.fixture(scope="module")
def stack_description(client: Any) -> dict[str, Any]:
    stack: dict[str, Any] = client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return stack


def physical_ids_of(client: Any, stack: str) -> dict[str, str]:
    """Logical id -> physical id of every resource moto created in ``stack`` (it lists skipped ones as
    blanks); ``client`` is a ``client("cloudformation")``-style factory of the stack's account."""
    pages = client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack)
    return {
        summary["LogicalResourceId"]: summary["PhysicalResourceId"]
        for page in pages
        for summary in page["StackResourceSummaries"]
        if summary["LogicalResourceId"]
    }


def account_credentials(url: str, account: str, user: str) -> dict[str, str]:
    """The keys of an IAM user ``user`` made in ``account`` through moto's account header: moto answers
    every request made with them as that account (see tests/test_emulated_archive.py)."""
    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=DEFAULT_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DEFAULT_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )

    def in_the_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    iam.meta.events.register("before-sign.iam.*", in_the_account)
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


@pytest.fixture(scope="module")
def physical_ids(client: Any) -> dict[str, str]:
    """Logical id -> physical id of every resource moto created (it lists skipped ones as blanks)."""
    return physical_ids_of(client, STACK)


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


@pytest.fixture(scope="module")
def buckets_as_deployed(
    template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> dict[str, Any]:
    """Logical id -> what moto answers for each property of that bucket as the deploy left it (read
    before ``replicating`` applies what moto dropped)."""
    s3 = client("s3")
    return {k: bucket_as_deployed(s3, physical_ids[k]) for k in _of_type(template, "AWS::S3::Bucket")}


@pytest.fixture(scope="module")
def replicating(
    buckets_as_deployed: dict[str, Any], template: dict[str, Any], physical_ids: dict[str, str], client: Any
) -> dict[str, str]:
    """The versioning and replication that moto's bucket handler drops, applied through S3's API as
    CloudFormation's handler applies them; logical id -> name of each bucket that replicates."""
    apply_what_moto_drops(client("s3"), template, physical_ids, resolver(template, physical_ids, client))
    return {
        logical_id: physical_ids[logical_id]
        for logical_id, resource in _of_type(template, "AWS::S3::Bucket").items()
        if "ReplicationConfiguration" in resource["Properties"]
    }


def test_moto_applies_only_the_encryption_and_tags_of_a_bucket(
    template: dict[str, Any], buckets_as_deployed: dict[str, Any]
) -> None:
    # An emulator gap, asserted so that the test notices when moto closes it: the deployed buckets have
    # no versioning, lifecycle, public access block, logging, ownership controls or replication. The
    # template tests check those; `replicating` applies the versioning and replication through S3's API.
    buckets = _of_type(template, "AWS::S3::Bucket")
    for logical_id, resource in buckets.items():
        assert_moto_applied_only_encryption_and_tags(resource, buckets_as_deployed[logical_id])
    replicated = {k for k, v in buckets.items() if "ReplicationConfiguration" in v["Properties"]}
    assert {name for name in REPLICATED_PREFIXES for k in replicated if k.startswith(name)} == set(
        REPLICATED_PREFIXES
    )
    assert len(replicated) == len(REPLICATED_PREFIXES)
    assert all(
        buckets_as_deployed[k]["ReplicationConfiguration"] == "ReplicationConfigurationNotFoundError"
        for k in replicated
    )


def test_the_evidence_buckets_replicate_to_the_archive_as_moto_stores_it(
    template: dict[str, Any], replicating: dict[str, str], physical_ids: dict[str, str], client: Any
) -> None:
    s3 = client("s3")
    assert len(replicating) == len(REPLICATED_PREFIXES)
    for logical_id, bucket in replicating.items():
        (prefixes,) = [p for name, p in REPLICATED_PREFIXES.items() if logical_id.startswith(name)]
        # What was put (the template's rules): one rule per evidence prefix, SSE-KMS objects included,
        # delete markers not replicated. moto answers neither the prefixes nor the SSE-KMS criterion.
        put = template["Resources"][logical_id]["Properties"]["ReplicationConfiguration"]["Rules"]
        assert [rule["Filter"] for rule in put] == [{"Prefix": prefix} for prefix in prefixes], logical_id
        assert all(rule["DeleteMarkerReplication"] == {"Status": "Disabled"} for rule in put), logical_id
        assert all(
            rule["SourceSelectionCriteria"] == {"SseKmsEncryptedObjects": {"Status": "Enabled"}}
            for rule in put
        ), logical_id
        stored = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]
        # The role as the deploy resolved its Fn::GetAtt: this account's role of the fixed name.
        assert stored["Role"] == f"arn:aws:iam::{ACCOUNT}:role/{REPLICATION_ROLE}", logical_id
        assert stored["Rules"] == [
            {
                "ID": f"ArchiveEvidence{priority}",
                "Priority": priority,
                "Status": "Enabled",
                # moto 5.2.5's GetBucketReplication answers an empty prefix and a disabled delete-marker
                # replication for every rule, whatever was put, and leaves out SourceSelectionCriteria
                # (moto/s3/responses.py, get_bucket_replication): the template tests hold those claims.
                "Filter": {"Prefix": ""},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {
                    "Bucket": f"arn:aws:s3:::{ARCHIVE_BUCKET}",
                    "Account": ARCHIVE_ACCOUNT,
                    "AccessControlTranslation": {"Owner": "Destination"},
                    "EncryptionConfiguration": {"ReplicaKmsKeyID": ARCHIVE_KEY_ALIAS_ARN},
                    "Metrics": {"Status": "Enabled"},
                },
            }
            for priority in range(1, len(prefixes) + 1)
        ], logical_id
        # Replication needs versioning, which the deploy did not apply either (see the test above).
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # The alarm on failed replications is an AWS::CloudWatch::Alarm, a type moto skips (NOT_EMULATED).
    (alarm,) = [k for k in _of_type(template, "AWS::CloudWatch::Alarm") if "FailedReplication" in k]
    assert alarm not in physical_ids
    assert "OperationsFailedReplication" in json.dumps(template["Resources"][alarm]["Properties"]["Metrics"])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_the_replication_role_is_s3s_in_this_account_and_reads_only_the_evidence(
    replicating: dict[str, str], client: Any
) -> None:
    iam = client("iam")
    role = iam.get_role(RoleName=REPLICATION_ROLE)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{REPLICATION_ROLE}"
    # The trust policy as the deploy resolved it: S3, on behalf of this account's buckets only.
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
            }
        ],
    }
    (attached,) = iam.list_attached_role_policies(RoleName=REPLICATION_ROLE)["AttachedPolicies"]
    statements = {s["Sid"]: s for s in _managed_policy_statements(iam, attached["PolicyArn"])}
    assert set(statements) == {
        "ReadTheSourceConfiguration",
        "ReadTheSourceVersions",
        "DecryptTheSourceThroughS3",
        "AddVersionsToTheArchive",
        "EncryptReplicasWithTheArchiveKey",
    }
    # The bucket ARNs as the deploy resolved them: the buckets moto created, their evidence prefixes.
    assert sorted(_as_list(statements["ReadTheSourceConfiguration"]["Resource"])) == sorted(
        f"arn:aws:s3:::{bucket}" for bucket in replicating.values()
    )
    assert sorted(_as_list(statements["ReadTheSourceVersions"]["Resource"])) == sorted(
        f"arn:aws:s3:::{bucket}/{prefix}*"
        for logical_id, bucket in replicating.items()
        for name, prefixes in REPLICATED_PREFIXES.items()
        if logical_id.startswith(name)
        for prefix in prefixes
    )
    assert statements["AddVersionsToTheArchive"]["Resource"] == f"arn:aws:s3:::{ARCHIVE_BUCKET}/*"
    assert all(statement["Effect"] == "Allow" for statement in statements.values())
    actions = {action for s in statements.values() for action in _as_list(s["Action"])}
    assert not any("Delete" in action for action in actions), actions
    encrypt = statements["EncryptReplicasWithTheArchiveKey"]
    assert encrypt["Resource"] == f"arn:aws:kms:{REGION}:{ARCHIVE_ACCOUNT}:key/*"
    assert encrypt["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": [ARCHIVE_KEY_ALIAS]}
