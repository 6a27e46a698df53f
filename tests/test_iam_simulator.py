"""The offline IAM harness (stacks/documents/iam_simulator.py) decides the way AWS documents IAM evaluation.

Each case is a small hand-written policy whose outcome an AWS documentation page states; the page is cited
next to the case. All cases go to the simulator in one batch (one Node process per module).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stacks.documents import iam_simulator
from stacks.documents.iam_simulator import SimulationError, SimulationRequest, SimulationResult, simulate

ACCOUNT = "111122223333"
PARTNER = "444455556666"
STRANGER = "777788889999"
APP = f"arn:aws:iam::{ACCOUNT}:role/app"
OPS = f"arn:aws:iam::{ACCOUNT}:role/ops"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/other"
PARTNER_ROLE = f"arn:aws:iam::{PARTNER}:role/reader"
STRANGER_ROLE = f"arn:aws:iam::{STRANGER}:role/reader"
MODEL = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
GUARDRAIL = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/abcd1234efgh:1"
OTHER_GUARDRAIL = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:guardrail/zzzz9999yyyy:1"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms"
ALARM = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:bedrock-errors"
LOG_GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bedrock/invocations:*"
OTHER_LOG_GROUP = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/other:*"
INVOKE = "bedrock:InvokeModel"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def named(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "policy": policy(*statements)}


def allow(action: str | list[str] = INVOKE, resource: str = "*", sid: str = "Allow", **extra: Any) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str] = INVOKE, resource: str = "*", sid: str = "Deny", **extra: Any) -> dict:
    return {"Sid": sid, "Effect": "Deny", "Action": action, "Resource": resource, **extra}


def invoke(principal: str = APP, **kwargs: Any) -> SimulationRequest:
    """bedrock:InvokeModel on a foundation model (AWS-owned, no account in its ARN: the caller's account)."""
    kwargs.setdefault("resource_account", principal.split(":")[4])
    return SimulationRequest(principal=principal, action=INVOKE, resource=MODEL, **kwargs)


INVOKE_ANYTHING = [named("invoke", allow())]
WITH_GUARDRAIL = {"bedrock:GuardrailIdentifier": GUARDRAIL}

# --- Condition operators -----------------------------------------------------------------------------
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
# "If the key that you specify in a policy condition is not present in the request context, the values do
# not match and the condition is false. If the policy condition requires that the key is not matched, such
# as StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
REQUIRE_GUARDRAIL = [
    named("invoke", allow(Condition={"StringEquals": {"bedrock:GuardrailIdentifier": GUARDRAIL}}))
]
DENY_WITHOUT_GUARDRAIL = [
    named(
        "invoke",
        allow(sid="Invoke"),
        deny(
            sid="DenyWithoutGuardrail",
            Condition={"StringNotEquals": {"bedrock:GuardrailIdentifier": GUARDRAIL}},
        ),
    )
]
# The bug shape: an Allow meant to *require* the guardrail, written with a negated operator.
ALLOW_UNLESS_OTHER_GUARDRAIL = [
    named(
        "invoke",
        allow(sid="Buggy", Condition={"StringNotEquals": {"bedrock:GuardrailIdentifier": OTHER_GUARDRAIL}}),
    )
]

# --- VPC endpoint policies with named principals ----------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html : an endpoint policy does not
# grant access; a request through the endpoint must be allowed by it and by the identity/resource policies.
# Principals: "*" for everyone, or (interface endpoints) named AWS principals; gateway endpoints need "*" with
# aws:PrincipalArn, which is what the harness rewrites a named principal into.
ENDPOINT_APP_ONLY = named(
    "runtime", {"Effect": "Allow", "Principal": {"AWS": APP}, "Action": INVOKE, "Resource": "*"}
)
ENDPOINT_APP_AND_PARTNER = named(
    "runtime",
    {
        "Sid": "AppAndPartner",
        "Effect": "Allow",
        "Principal": {"AWS": [APP, f"arn:aws:iam::{PARTNER}:root"]},
        "Action": INVOKE,
        "Resource": "*",
    },
)
PATHED_APP = f"arn:aws:iam::{ACCOUNT}:role/teams/app"
ENDPOINT_PATHED_APP = named(
    "runtime", {"Effect": "Allow", "Principal": {"AWS": PATHED_APP}, "Action": INVOKE, "Resource": "*"}
)
# A pre-existing condition on another key is ANDed with the principal.
ENDPOINT_APP_FROM_VPCE = named(
    "runtime",
    {
        "Sid": "AppFromVpce",
        "Effect": "Allow",
        "Principal": {"AWS": APP},
        "Action": INVOKE,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
    },
)
# A pre-existing condition with the *same* operator and key: principal app AND aws:PrincipalArn = ops can
# never both hold, so nobody is allowed. Merging the principal into that value list would allow both.
ENDPOINT_CONTRADICTION = named(
    "runtime",
    {
        "Sid": "Contradiction",
        "Effect": "Allow",
        "Principal": {"AWS": APP},
        "Action": INVOKE,
        "Resource": "*",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": OPS}},
    },
)
ENDPOINT_DENY_OTHER = named(
    "runtime",
    {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": INVOKE, "Resource": "*"},
    {"Sid": "NotOther", "Effect": "Deny", "Principal": {"AWS": [OTHER]}, "Action": INVOKE, "Resource": "*"},
)

# --- Identity + resource policies: KMS key policies and same/cross-account --------------------------------
# https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
# (#key-policy-default-allow-root-enable-iam)
# "Unless the key policy explicitly allows it, you cannot use IAM policies to allow access to a KMS key."
DECRYPT = "kms:Decrypt"
KEY_POLICY_TRUSTS_ACCOUNT = policy(
    {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
)
KEY_POLICY_OPS_ONLY = policy(
    {"Sid": "OpsOnly", "Effect": "Allow", "Principal": {"AWS": OPS}, "Action": "kms:*", "Resource": "*"}
)
IDENTITY_DECRYPT = [named("decrypt", allow(DECRYPT, KEY, sid="Decrypt"))]

# --- SCPs and RCPs ---------------------------------------------------------------------------------------
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
# An explicit Deny in any SCP overrides every Allow; every level of the hierarchy must allow the action.
FULL_ACCESS = named("FullAWSAccess", allow("*", sid="FullAWSAccess"))
SCP_DENY_INVOKE = [
    {"orgIdentifier": "r-root", "policies": [FULL_ACCESS]},
    {
        "orgIdentifier": "ou-workloads",
        "policies": [FULL_ACCESS, named("NoBedrock", deny("bedrock:*", sid="NoBedrock"))],
    },
]
SCP_NO_ALLOW_AT_OU = [
    {"orgIdentifier": "r-root", "policies": [FULL_ACCESS]},
    {"orgIdentifier": "ou-workloads", "policies": [named("OnlyS3", allow("s3:*", sid="OnlyS3"))]},
]
# https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
RCP_SECURE_TRANSPORT = [
    {
        "orgIdentifier": "r-root",
        "policies": [
            named(
                "EnforceSecureTransport",
                {
                    "Sid": "EnforceSecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "kms:*",
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
                },
            )
        ],
    }
]

# --- A service principal through a resource policy --------------------------------------------------------
# https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html (CloudWatch alarms publishing
# to a topic) and https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html : the topic policy
# allows the cloudwatch.amazonaws.com service principal, limited with aws:SourceAccount and aws:SourceArn.
TOPIC_POLICY = policy(
    {
        "Sid": "CloudWatchAlarms",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC,
        "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:*"},
        },
    }
)


def publish(source_arn: str | None, source_account: str = ACCOUNT) -> SimulationRequest:
    context = {} if source_arn is None else {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account}
    return SimulationRequest(
        principal="cloudwatch.amazonaws.com",
        action="sns:Publish",
        resource=TOPIC,
        context=context,
        resource_policy=TOPIC_POLICY,
    )


# --- Wildcard resources -----------------------------------------------------------------------------------
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html : the
# log-group resource type is arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}, which CDK
# grants write as "log-group:NAME:*".
WRITE_LOGS = [named("logs", allow(["logs:CreateLogStream", "logs:PutLogEvents"], LOG_GROUP, sid="WriteLogs"))]

CASES: dict[str, SimulationRequest] = {
    # condition operators
    "equals_present": invoke(context=WITH_GUARDRAIL, identity_policies=REQUIRE_GUARDRAIL),
    "equals_other_value": invoke(
        context={"bedrock:GuardrailIdentifier": OTHER_GUARDRAIL}, identity_policies=REQUIRE_GUARDRAIL
    ),
    "equals_absent": invoke(identity_policies=REQUIRE_GUARDRAIL),
    "deny_not_equals_absent": invoke(identity_policies=DENY_WITHOUT_GUARDRAIL),
    "deny_not_equals_present": invoke(context=WITH_GUARDRAIL, identity_policies=DENY_WITHOUT_GUARDRAIL),
    "allow_not_equals_absent": invoke(identity_policies=ALLOW_UNLESS_OTHER_GUARDRAIL),
    "allow_not_equals_that_value": invoke(
        context={"bedrock:GuardrailIdentifier": OTHER_GUARDRAIL},
        identity_policies=ALLOW_UNLESS_OTHER_GUARDRAIL,
    ),
    # VPC endpoint policies
    "endpoint_named_role": invoke(
        identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_APP_ONLY]
    ),
    "endpoint_other_role": invoke(
        OTHER, identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_APP_ONLY]
    ),
    "endpoint_without_identity_allow": invoke(vpc_endpoint_policies=[ENDPOINT_APP_ONLY]),
    "endpoint_account_principal": invoke(
        PARTNER_ROLE, identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_APP_AND_PARTNER]
    ),
    "endpoint_role_in_mixed_list": invoke(
        identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_APP_AND_PARTNER]
    ),
    "endpoint_stranger_in_mixed_list": invoke(
        STRANGER_ROLE, identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_APP_AND_PARTNER]
    ),
    "endpoint_existing_condition_met": invoke(
        context={"aws:SourceVpce": "vpce-0123456789abcdef0"},
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[ENDPOINT_APP_FROM_VPCE],
    ),
    "endpoint_existing_condition_unmet": invoke(
        context={"aws:SourceVpce": "vpce-0fedcba9876543210"},
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[ENDPOINT_APP_FROM_VPCE],
    ),
    "endpoint_contradiction_app": invoke(
        identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_CONTRADICTION]
    ),
    "endpoint_contradiction_ops": invoke(
        OPS, identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_CONTRADICTION]
    ),
    "endpoint_deny_named_other": invoke(
        OTHER, identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_DENY_OTHER]
    ),
    "endpoint_deny_named_app": invoke(
        identity_policies=INVOKE_ANYTHING, vpc_endpoint_policies=[ENDPOINT_DENY_OTHER]
    ),
    "endpoint_assumed_role_session": invoke(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session-1",
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[ENDPOINT_APP_ONLY],
    ),
    # No Sid: statements keep their 1-based positions although the first is split in two (role + account).
    "endpoint_split_keeps_positions": invoke(
        OPS,
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[
            named(
                "runtime",
                {"Effect": "Allow", "Principal": {"AWS": [APP, ACCOUNT]}, "Action": INVOKE, "Resource": "*"},
                {"Effect": "Deny", "Principal": {"AWS": OPS}, "Action": INVOKE, "Resource": "*"},
            )
        ],
    ),
    # A session's ARN has no role path: name the pathed role in aws:PrincipalArn yourself.
    "endpoint_pathed_role_session": invoke(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session-1",
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[ENDPOINT_PATHED_APP],
    ),
    "endpoint_pathed_role_session_with_arn": invoke(
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/session-1",
        context={"aws:PrincipalArn": PATHED_APP},
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[ENDPOINT_PATHED_APP],
    ),
    "endpoint_service_principal_named": invoke(
        identity_policies=INVOKE_ANYTHING,
        vpc_endpoint_policies=[
            named(
                "runtime",
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": INVOKE,
                    "Resource": "*",
                },
            )
        ],
    ),
    # KMS key policy + identity policy, same account
    "kms_identity_and_root_trust": SimulationRequest(
        principal=APP,
        action=DECRYPT,
        resource=KEY,
        identity_policies=IDENTITY_DECRYPT,
        resource_policy=KEY_POLICY_TRUSTS_ACCOUNT,
    ),
    "kms_root_trust_without_identity": SimulationRequest(
        principal=APP, action=DECRYPT, resource=KEY, resource_policy=KEY_POLICY_TRUSTS_ACCOUNT
    ),
    "kms_identity_without_root_trust": SimulationRequest(
        principal=APP,
        action=DECRYPT,
        resource=KEY,
        identity_policies=IDENTITY_DECRYPT,
        resource_policy=KEY_POLICY_OPS_ONLY,
    ),
    "kms_key_policy_names_role": SimulationRequest(
        principal=OPS, action=DECRYPT, resource=KEY, resource_policy=KEY_POLICY_OPS_ONLY
    ),
    "kms_rcp_denies_plain_http": SimulationRequest(
        principal=APP,
        action=DECRYPT,
        resource=KEY,
        context={"aws:SecureTransport": "false"},
        identity_policies=IDENTITY_DECRYPT,
        resource_policy=KEY_POLICY_TRUSTS_ACCOUNT,
        resource_control_policies=RCP_SECURE_TRANSPORT,
    ),
    "kms_rcp_allows_tls": SimulationRequest(
        principal=APP,
        action=DECRYPT,
        resource=KEY,
        context={"aws:SecureTransport": "true"},
        identity_policies=IDENTITY_DECRYPT,
        resource_policy=KEY_POLICY_TRUSTS_ACCOUNT,
        resource_control_policies=RCP_SECURE_TRANSPORT,
    ),
    # SNS topic policy, same account and cross-account
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    "topic_policy_same_account": SimulationRequest(
        principal=APP,
        action="sns:Publish",
        resource=TOPIC,
        resource_policy=policy(
            {
                "Sid": "App",
                "Effect": "Allow",
                "Principal": {"AWS": APP},
                "Action": "sns:Publish",
                "Resource": TOPIC,
            }
        ),
    ),
    "topic_policy_cross_account_no_identity": SimulationRequest(
        principal=PARTNER_ROLE,
        action="sns:Publish",
        resource=TOPIC,
        resource_policy=policy(
            {
                "Sid": "Partner",
                "Effect": "Allow",
                "Principal": {"AWS": PARTNER_ROLE},
                "Action": "sns:Publish",
                "Resource": TOPIC,
            }
        ),
    ),
    "topic_policy_cross_account_with_identity": SimulationRequest(
        principal=PARTNER_ROLE,
        action="sns:Publish",
        resource=TOPIC,
        identity_policies=[named("publish", allow("sns:Publish", TOPIC, sid="Publish"))],
        resource_policy=policy(
            {
                "Sid": "Partner",
                "Effect": "Allow",
                "Principal": {"AWS": PARTNER_ROLE},
                "Action": "sns:Publish",
                "Resource": TOPIC,
            }
        ),
    ),
    # SCPs
    "scp_deny_overrides_identity": invoke(
        context=WITH_GUARDRAIL, identity_policies=INVOKE_ANYTHING, service_control_policies=SCP_DENY_INVOKE
    ),
    "scp_no_allow_at_one_level": invoke(
        identity_policies=INVOKE_ANYTHING, service_control_policies=SCP_NO_ALLOW_AT_OU
    ),
    "scp_full_access_everywhere": invoke(
        identity_policies=INVOKE_ANYTHING,
        service_control_policies=[
            {"orgIdentifier": "r-root", "policies": [FULL_ACCESS]},
            {"orgIdentifier": "ou-workloads", "policies": [FULL_ACCESS]},
        ],
    ),
    # a service principal
    "service_right_source": publish(ALARM),
    "service_wrong_source_arn": publish(f"arn:aws:cloudwatch:us-east-1:{STRANGER}:alarm:bedrock-errors"),
    "service_wrong_source_account": publish(ALARM, source_account=STRANGER),
    "service_no_source": publish(None),
    "service_with_identity_policy": SimulationRequest(
        principal="cloudwatch.amazonaws.com",
        action="sns:Publish",
        resource=TOPIC,
        identity_policies=[named("publish", allow("sns:Publish", TOPIC))],
        resource_policy=TOPIC_POLICY,
    ),
    # wildcard resources
    "wildcard_granted": SimulationRequest(
        principal=APP, action="logs:PutLogEvents", resource=LOG_GROUP, identity_policies=WRITE_LOGS
    ),
    "wildcard_other_group": SimulationRequest(
        principal=APP, action="logs:PutLogEvents", resource=OTHER_LOG_GROUP, identity_policies=WRITE_LOGS
    ),
    "wildcard_denied": SimulationRequest(
        principal=APP,
        action="logs:PutLogEvents",
        resource=LOG_GROUP,
        identity_policies=[*WRITE_LOGS, named("guard", deny("logs:*", LOG_GROUP, sid="NoLogs"))],
    ),
    # problems the simulator must report, never decide
    "unknown_action": SimulationRequest(
        principal=APP, action="bedrock:InvokeModle", resource=MODEL, resource_account=ACCOUNT
    ),
    "wrong_resource_type": SimulationRequest(
        principal=APP, action=INVOKE, resource=f"arn:aws:s3:::bucket/{ACCOUNT}", resource_account=ACCOUNT
    ),
    "invalid_policy": invoke(identity_policies=[named("bad", allow(Principal="*"))]),
    "misspelt_context_key": invoke(
        context={"bedrock:GuardrailIdentifer": GUARDRAIL}, identity_policies=DENY_WITHOUT_GUARDRAIL
    ),
    "two_values_for_single_valued_key": invoke(
        context={"bedrock:GuardrailIdentifier": [GUARDRAIL, OTHER_GUARDRAIL]},
        identity_policies=REQUIRE_GUARDRAIL,
    ),
    "no_resource_account": SimulationRequest(principal=APP, action=INVOKE, resource=MODEL),
}


@pytest.fixture(scope="module")
def results() -> dict[str, SimulationResult]:
    """Every case, evaluated in one batch."""
    return dict(zip(CASES, simulate(list(CASES.values()), allow_errors=True), strict=True))


def decision(results: dict[str, SimulationResult], case: str) -> str:
    result = results[case]
    assert result.decision == "Error" or not result.errors, result
    return result.decision


def test_string_equals_on_a_present_key_allows(results):
    # reference_policies_elements_condition_operators.html: StringEquals matches the present value exactly.
    assert decision(results, "equals_present") == "Allowed"
    assert decision(results, "equals_other_value") == "ImplicitlyDenied"
    # "If the key ... is not present in the request context, the values do not match".
    assert decision(results, "equals_absent") == "ImplicitlyDenied"


def test_negated_deny_is_true_when_the_key_is_absent(results):
    # reference_policies_elements_condition_operators.html: a negated operator with the key absent is true,
    # so Deny + StringNotEquals bedrock:GuardrailIdentifier denies a request that names no guardrail.
    assert decision(results, "deny_not_equals_absent") == "ExplicitlyDenied"
    assert "identity policy 'invoke' #DenyWithoutGuardrail" in results["deny_not_equals_absent"].explain
    assert decision(results, "deny_not_equals_present") == "Allowed"


def test_negated_allow_is_true_when_the_key_is_absent(results):
    # Same page: the bug shape. An Allow with StringNotEquals on the guardrail key allows requests that name
    # no guardrail at all; only the one value it names is refused.
    assert decision(results, "allow_not_equals_absent") == "Allowed"
    assert "#Buggy" in results["allow_not_equals_absent"].explain
    assert decision(results, "allow_not_equals_that_value") == "ImplicitlyDenied"


def test_endpoint_policy_with_a_named_role(results):
    # vpc-endpoints-access.html: the endpoint policy must allow the request as well as an identity policy.
    assert decision(results, "endpoint_named_role") == "Allowed"
    assert "VPC endpoint policy 'runtime' #1" in results["endpoint_named_role"].explain
    # Another role of the same account is not the named principal.
    assert decision(results, "endpoint_other_role") == "ImplicitlyDenied"
    # The endpoint policy grants nothing by itself.
    assert decision(results, "endpoint_without_identity_allow") == "ImplicitlyDenied"
    # A session of the named role is the role (aws:PrincipalArn of a session is its role's ARN).
    assert decision(results, "endpoint_assumed_role_session") == "Allowed"


def test_endpoint_policy_principal_list_is_an_or(results):
    # reference_policies_elements_principal.html: a list of principals matches any of them; the account's
    # root ARN stands for every principal of that account.
    assert decision(results, "endpoint_role_in_mixed_list") == "Allowed"
    assert decision(results, "endpoint_account_principal") == "Allowed"
    assert decision(results, "endpoint_stranger_in_mixed_list") == "ImplicitlyDenied"
    assert "#AppAndPartner" in results["endpoint_account_principal"].explain


def test_endpoint_rewrite_keeps_existing_conditions(results):
    # reference_policies_multi-value-conditions.html: a statement's condition operators and keys are ANDed
    # (and a statement applies only when its Principal matches too); the values of one key are ORed.
    assert decision(results, "endpoint_existing_condition_met") == "Allowed"
    assert decision(results, "endpoint_existing_condition_unmet") == "ImplicitlyDenied"
    # Principal app AND aws:PrincipalArn = ops: no caller satisfies both.
    assert decision(results, "endpoint_contradiction_app") == "ImplicitlyDenied"
    assert decision(results, "endpoint_contradiction_ops") == "ImplicitlyDenied"


def test_endpoint_deny_with_a_named_principal(results):
    # reference_policies_evaluation-logic.html: an explicit Deny overrides any Allow.
    assert decision(results, "endpoint_deny_named_other") == "ExplicitlyDenied"
    assert "Deny VPC endpoint policy 'runtime' #NotOther" in results["endpoint_deny_named_other"].explain
    assert decision(results, "endpoint_deny_named_app") == "Allowed"


def test_endpoint_rewrite_keeps_statement_identifiers(results):
    # Statement 1 lists a role and an account (two conditions after the rewrite); the Deny stays "#2".
    assert decision(results, "endpoint_split_keeps_positions") == "ExplicitlyDenied"
    assert results["endpoint_split_keeps_positions"].explain.endswith("Deny VPC endpoint policy 'runtime' #2")


def test_principal_arn_of_a_session_is_its_role(results):
    # reference_policies_condition-keys.html#condition-keys-principalarn: for a role session, aws:PrincipalArn
    # is the role's ARN (with its path), which the session ARN does not show: the harness derives
    # arn:aws:iam::ACCOUNT:role/NAME, and a caller passes aws:PrincipalArn for a role with a path.
    assert decision(results, "endpoint_pathed_role_session") == "ImplicitlyDenied"
    assert decision(results, "endpoint_pathed_role_session_with_arn") == "Allowed"


def test_endpoint_principals_without_a_condition_equivalent_are_errors(results):
    result = results["endpoint_service_principal_named"]
    assert result.decision == "Error"
    assert "principal type Service" in result.errors[0]


def test_kms_key_policy_must_enable_iam_policies(results):
    # key-policy-default.html#key-policy-default-allow-root-enable-iam: with the account root in the key
    # policy, IAM policies can grant access; without it they cannot, even in the key's own account.
    assert decision(results, "kms_identity_and_root_trust") == "Allowed"
    assert "Allow identity policy 'decrypt' #Decrypt" in results["kms_identity_and_root_trust"].explain
    assert decision(results, "kms_root_trust_without_identity") == "ImplicitlyDenied"
    assert decision(results, "kms_identity_without_root_trust") == "ImplicitlyDenied"
    # key-policy-overview.html: a key policy that names the role allows it without any IAM policy.
    assert decision(results, "kms_key_policy_names_role") == "Allowed"
    assert "resource policy #OpsOnly" in results["kms_key_policy_names_role"].explain


def test_same_and_cross_account_resource_policies(results):
    # reference_policies_evaluation-logic-cross-account.html: in the same account either the identity or the
    # resource policy may allow; across accounts both must.
    assert decision(results, "topic_policy_same_account") == "Allowed"
    assert decision(results, "topic_policy_cross_account_no_identity") == "ImplicitlyDenied"
    assert decision(results, "topic_policy_cross_account_with_identity") == "Allowed"


def test_scp_deny_overrides_an_identity_allow(results):
    # orgs_manage_policies_scps_evaluation.html: a Deny in any SCP of the path wins; each level must allow.
    assert decision(results, "scp_deny_overrides_identity") == "ExplicitlyDenied"
    assert "SCP ou-workloads 'NoBedrock' #NoBedrock" in results["scp_deny_overrides_identity"].explain
    assert decision(results, "scp_no_allow_at_one_level") == "ImplicitlyDenied"
    assert decision(results, "scp_full_access_everywhere") == "Allowed"


def test_rcp_deny_overrides_key_policy(results):
    # orgs_manage_policies_rcps_evaluation.html: an RCP Deny restricts what the resource policy allows.
    assert decision(results, "kms_rcp_denies_plain_http") == "ExplicitlyDenied"
    assert (
        "RCP r-root 'EnforceSecureTransport' #EnforceSecureTransport"
        in results["kms_rcp_denies_plain_http"].explain
    )
    assert decision(results, "kms_rcp_allows_tls") == "Allowed"


def test_service_principal_publishes_through_the_topic_policy(results):
    # confused-deputy.html: aws:SourceArn / aws:SourceAccount limit which resource the service acts for.
    assert decision(results, "service_right_source") == "Allowed"
    assert "resource policy #CloudWatchAlarms" in results["service_right_source"].explain
    assert decision(results, "service_wrong_source_arn") == "ImplicitlyDenied"
    assert decision(results, "service_wrong_source_account") == "ImplicitlyDenied"
    assert decision(results, "service_no_source") == "ImplicitlyDenied"
    # orgs_manage_policies_scps.html: identity policies and SCPs apply to IAM users and roles, not services.
    assert results["service_with_identity_policy"].decision == "Error"


def test_wildcard_resource_is_normalized(results):
    # list_amazoncloudwatchlogs.html: "log-group:NAME:*" is the log-group resource type as CDK writes it.
    assert decision(results, "wildcard_granted") == "Allowed"
    assert LOG_GROUP in results["wildcard_granted"].explain
    assert decision(results, "wildcard_other_group") == "ImplicitlyDenied"
    assert decision(results, "wildcard_denied") == "ExplicitlyDenied"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_action", "unknown action 'bedrock:InvokeModle'"),
        ("wrong_resource_type", "matches no resource type of bedrock:InvokeModel"),
        ("invalid_policy", "identity policy 'bad'"),
        ("misspelt_context_key", "bedrock:GuardrailIdentifer"),
        ("two_values_for_single_valued_key", "single-valued"),
        ("no_resource_account", "resourceAccount is required"),
    ],
)
def test_problems_are_errors_not_decisions(results, case, message):
    result = results[case]
    assert result.decision == "Error"
    assert any(message in error for error in result.errors), result.errors


def test_simulate_raises_on_errors():
    # service-authorization reference: bedrock has no action "InvokeModle".
    with pytest.raises(SimulationError, match=r"unknown action 'bedrock:InvokeModle'"):
        simulate([CASES["unknown_action"]])


def test_simulator_stays_a_dev_dependency():
    # AGPL-3.0: installed for the tests only, never a dependency of the library or imported by it.
    root = Path(__file__).resolve().parents[1]
    manifest = json.loads((root / "package.json").read_text())
    assert "@cloud-copilot/iam-simulate" in manifest["devDependencies"]
    assert "@cloud-copilot/iam-simulate" not in manifest.get("dependencies", {})
    for path in (root / "secure_bedrock").rglob("*.py"):
        text = path.read_text()
        assert "iam_simulat" not in text, path
        assert "iam-simulate" not in text, path


def test_missing_simulator_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(iam_simulator, "PACKAGE", tmp_path / "absent" / "package.json")
    with pytest.raises(RuntimeError, match=r"make test.*npm ci"):
        simulate([CASES["equals_present"]])
