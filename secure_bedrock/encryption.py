"""Customer-managed KMS keys with service-scoped key policies.

Keys are created with rotation and retained by default. Every statement that lets an AWS service
use a key carries a condition that ties it to this account and to the resource it protects (the
confused-deputy guard): no service principal may use a key without one.
"""

from __future__ import annotations

import re

from aws_cdk import ArnFormat, Names, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

#: What CloudWatch Logs needs on the key of an encrypted log group.
CLOUDWATCH_LOGS_KEY_ACTIONS: tuple[str, ...] = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)


def create_key(
    scope: Construct,
    construct_id: str,
    *,
    purpose: str,
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> kms.Key:
    """Create a symmetric customer-managed key with yearly rotation.

    :param purpose: what the key protects, written into its description.
    :param removal_policy: what happens to the key when it leaves the stack.
        Default: ``RETAIN`` (a deleted key makes everything it encrypted unreadable).

    Its policy denies ``kms:CreateGrant`` except for AWS resources
    (:func:`deny_grants_except_for_aws_resources`).
    """
    key = kms.Key(
        scope,
        construct_id,
        description=f"secure-bedrock: {purpose} (created by {scope.node.path})",
        enable_key_rotation=True,
        removal_policy=removal_policy,
    )
    key.add_to_resource_policy(deny_grants_except_for_aws_resources())
    return key


def deny_grants_except_for_aws_resources() -> iam.PolicyStatement:
    """A key-policy Deny of ``kms:CreateGrant`` unless an AWS service creates the grant for a
    resource it manages (a guardrail, say): a grant is a second, unaudited key policy, so nobody may
    hand one out directly. ``BoolIfExists`` so that a request without the keys is denied too (the
    AWS Control Tower control CT.KMS.PV.1 uses the same form)."""
    return iam.PolicyStatement(
        sid="DenyGrantsExceptForAwsResources",
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["kms:CreateGrant"],
        resources=["*"],
        conditions={
            "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
        },
    )


def log_group_arn_pattern(scope: Construct, log_group_name_pattern: str) -> str:
    """The ARN of a log group (``*`` allowed in the name) in the stack's account and region."""
    return Stack.of(scope).format_arn(
        service="logs",
        resource="log-group",
        resource_name=log_group_name_pattern,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def allow_cloudwatch_logs(key: kms.IKey, scope: Construct, log_group_name_pattern: str) -> bool:
    """Let CloudWatch Logs use ``key`` only for log groups whose names match the pattern.

    The statement names the regional service principal and requires the
    ``kms:EncryptionContext:aws:logs:arn`` context to be such a log group, so the key cannot encrypt
    any other log group (or any other service's data) through CloudWatch Logs.

    :returns: ``False`` when ``key`` was imported and its policy cannot be changed here; its owner
        must then add the equivalent statement.
    """
    stack = Stack.of(scope)
    result = key.add_to_resource_policy(
        iam.PolicyStatement(
            # One statement per log group; the Sid names the construct that owns it.
            sid=f"AllowCloudWatchLogs{re.sub('[^A-Za-z0-9]', '', scope.node.id)}",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=list(CLOUDWATCH_LOGS_KEY_ACTIONS),
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": log_group_arn_pattern(scope, log_group_name_pattern)
                }
            },
        )
    )
    return bool(result.statement_added)


def allow_service(
    key: kms.IKey,
    scope: Construct,
    *,
    sid: str,
    service: str,
    actions: list[str],
    source_arn: str,
    conditions: dict[str, dict[str, object]] | None = None,
) -> bool:
    """Let an AWS service use ``key`` only on behalf of this account and of resources matching ``source_arn``.

    The ``aws:SourceAccount`` and ``aws:SourceArn`` conditions are the confused-deputy guard: another
    account's resources cannot make the service use this key.

    :returns: ``False`` when ``key`` was imported and its policy cannot be changed here.
    """
    stack = Stack.of(scope)
    all_conditions: dict[str, dict[str, object]] = {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": source_arn},
    }
    for operator, values in (conditions or {}).items():
        all_conditions.setdefault(operator, {}).update(values)
    result = key.add_to_resource_policy(
        iam.PolicyStatement(
            sid=sid,
            principals=[iam.ServicePrincipal(service)],
            actions=actions,
            resources=["*"],
            conditions=all_conditions,
        )
    )
    return bool(result.statement_added)


def organization_decrypts_through(
    sid: str, organization_id: str, service: str, region: str
) -> iam.PolicyStatement:
    """A key-policy statement: any principal of the organization may ``kms:Decrypt`` with the key, through
    ``service`` (``s3``, ``bedrock``) in ``region`` only: a cross-account caller needs the key policy to
    admit it as well as its own policies."""
    return iam.PolicyStatement(
        sid=sid,
        principals=[iam.AnyPrincipal()],
        actions=["kms:Decrypt"],
        resources=["*"],
        conditions={
            "StringEquals": {
                "aws:PrincipalOrgID": organization_id,
                "kms:ViaService": f"{service}.{region}.amazonaws.com",
            }
        },
    )


def bedrock_source_arn(scope: Construct) -> str:
    """Any Bedrock resource of this account and region: the ``aws:SourceArn`` Bedrock presents."""
    return Stack.of(scope).format_arn(service="bedrock", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME)


def budgets_source_arn(scope: Construct) -> str:
    """Any AWS Budgets budget of this account: the ``aws:SourceArn`` Budgets presents."""
    return Stack.of(scope).format_arn(
        service="budgets",
        region="",
        resource="budget",
        resource_name="*",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


def log_group_name_for(scope: Construct, purpose: str) -> str:
    """The literal name :func:`encrypted_log_group` gives the log group of ``scope`` for ``purpose``."""
    return f"/secure-bedrock/{Names.unique_id(scope)}/{purpose}"


def encrypted_log_group(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey,
    purpose: str,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
) -> logs.LogGroup:
    """A log group encrypted with ``key``, named ``/secure-bedrock/<unique id of scope>/<purpose>``.

    The explicit name lets the key policy name the log group (``kms:EncryptionContext:aws:logs:arn``)
    without a circular reference between the key and the group.
    """
    name = log_group_name_for(scope, purpose)
    allow_cloudwatch_logs(key, scope, name)
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        encryption_key=key,
        retention=retention,
        removal_policy=removal_policy,
    )
