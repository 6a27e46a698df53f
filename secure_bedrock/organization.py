"""Organization guardrails for Bedrock: service control policies that hold whatever a member
account's administrators do, from the same approved models and residency as the account landing zone.

Deploy :class:`BedrockOrganizationGuardrails` in the management account (or the delegated
administrator for Organizations policies), with service control policies enabled in the
organization. Each policy is a Deny list (the ``FullAWSAccess`` SCP stays attached):

* ``DenyBedrockOutsideResidency``: every Bedrock and Bedrock Mantle action outside the residency's
  regions. SCPs evaluate a cross-region request in its *destination* region, and a request through a
  profile that reaches a denied region fails, so every approved model is checked at synth to stay
  inside from every source region; global profiles (``aws:RequestedRegion`` ``unspecified``) are
  denied with the rest;
* ``DenyUnapprovedModels``: invoking (and counting tokens of) anything but the approved models'
  foundation-model and inference-profile ARNs, in any account and region, and the organization's
  application inference profiles (whose calls are also authorized on their foundation models);
* ``DenyMantle`` (``regulated``): the ``bedrock-mantle`` endpoint, whose calls model invocation
  logging does not record;
* ``ProtectInvocationLogging`` and ``ProtectGuardrails``: changing or deleting the invocation-logging
  setting, the guardrails and the account's enforced guardrail, except by the deployment principals;
* ``ProtectLandingZone`` and ``ProtectLandingZoneTag``: deleting or changing the landing zone's
  endpoints, their security groups, its keys and log groups (every resource a
  :class:`SecureBedrockLandingZone` tags with :data:`LANDING_ZONE_TAG`), and adding or removing that
  tag, except by the deployment principals;
* ``ProtectModelAccess``: model access changes (Marketplace subscriptions, model agreements and
  entitlements, the use-case form), except by the model-access principals. These actions name no
  model (their resource is ``*``), so the approved-model list cannot scope them: the model-access
  principals are trusted to subscribe to approved models only, and calls to any other stay denied.

Statements are packed, in that order, into as few policies as the 5,120-character limit allows.

With ``organization_id``, a **resource control policy** (``EvidencePerimeter``) keeps the members' S3
buckets and KMS keys, the evidence and its keys among them, out of reach of any principal outside the
organization, however a bucket or key policy is widened; AWS services acting for the account
(CloudTrail delivering, Bedrock logging) are not outside principals and stay allowed.

With ``guardrail`` (a :class:`BedrockGuardrail` of the management account's stack), the Organizations
**Bedrock policy** enforces it on every model call of the member accounts in its region, evaluating all
of each request, and the guardrail gets the resource-based policy that lets the organization's
principals apply it (AWS requires both). AWS warns that a malformed identifier makes every Bedrock call
of the organization fail, so the identifier is built only from the guardrail's own ARN and published
version, in the policy's own stack: never a string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import jsii
from aws_cdk import Annotations, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_organizations as organizations
from constructs import Construct, IValidation

from secure_bedrock import actions, limits
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_bool,
    require_construct,
    require_list,
    require_type,
    require_unique,
)
from secure_bedrock.acknowledgements import skip_checkov
from secure_bedrock.encryption import organization_decrypts_through
from secure_bedrock.guardrail import BedrockGuardrail
from secure_bedrock.models import (
    ApplicationInferenceProfileModel,
    BedrockModel,
    CrossRegionInferenceProfile,
    require_models,
)
from secure_bedrock.residency import Residency, check_residency

#: An organization root, an OU or an account: what an SCP attaches to.
TARGET_ID_PATTERN = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|\d{12})\Z")
#: An organization's id (``aws:PrincipalOrgID``).
ORGANIZATION_ID_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}\Z")
#: What the resource control policy guards: the evidence's buckets and keys (RCPs apply to S3, STS, KMS,
#: SQS and Secrets Manager).
PERIMETER_ACTIONS: tuple[str, ...] = ("s3:*", "kms:*")
#: The tag a landing zone puts on what the organization protects (its endpoints and their security groups,
#: keys and log groups); its value is the landing zone's stack name. SCPs scope by ``aws:ResourceTag``.
LANDING_ZONE_TAG = "secure-bedrock:landing-zone"
#: The resource types that carry :data:`LANDING_ZONE_TAG`.
PROTECTED_RESOURCE_TYPES: tuple[str, ...] = (
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::FlowLog",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
)
#: The tag of the landing zone's own automation roles, which the SCP lets do, besides the deployment
#: roles, the one thing each exists for: :data:`LOGGING_WRITER` (the logging handler's role) sets the
#: invocation-logging configuration, :data:`BUDGET_HARD_STOP` (the budgets action role) attaches and
#: detaches the deny-invoke policy on team roles. Only the deployment roles may put it on a role or
#: pass such a role to a service.
EVIDENCE_WRITER_TAG = "secure-bedrock:evidence-writer"
LOGGING_WRITER = "invocation-logging"
BUDGET_HARD_STOP = "budget-hard-stop"
#: Changes to a tagged resource that would open the network path or lose the evidence or its keys.
LANDING_ZONE_PROTECTED_ACTIONS: tuple[str, ...] = (
    "ec2:DeleteVpcEndpoints",
    "ec2:ModifyVpcEndpoint",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:DeleteSecurityGroup",
    "ec2:DeleteFlowLogs",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:PutKeyPolicy",
    "logs:DeleteLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteRetentionPolicy",
    "logs:AssociateKmsKey",
    "logs:DisassociateKmsKey",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "lambda:DeleteFunction",
    "lambda:AddPermission",
)
#: Adding or removing a tag (``aws:TagKeys``): the protection follows :data:`LANDING_ZONE_TAG`.
TAGGING_ACTIONS: tuple[str, ...] = (
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "kms:TagResource",
    "kms:UntagResource",
    "logs:TagResource",
    "logs:UntagResource",
    "logs:TagLogGroup",
    "logs:UntagLogGroup",
    "iam:TagRole",
    "iam:UntagRole",
    "lambda:TagResource",
    "lambda:UntagResource",
)
#: Model access: Marketplace subscriptions (third-party models), agreements, entitlements, the use-case form.
MODEL_ACCESS_CHANGE_ACTIONS: tuple[str, ...] = (
    "aws-marketplace:Subscribe",
    "aws-marketplace:Unsubscribe",
    "bedrock:PutFoundationModelEntitlement",
    "bedrock:CreateFoundationModelAgreement",
    "bedrock:DeleteFoundationModelAgreement",
    "bedrock:PutUseCaseForModelAccess",
)
#: Guardrail changes that would take the organization's protection away.
GUARDRAIL_PROTECTED_ACTIONS: tuple[str, ...] = (
    "bedrock:UpdateGuardrail",
    "bedrock:DeleteGuardrail",
    "bedrock:PutEnforcedGuardrailConfiguration",
    "bedrock:DeleteEnforcedGuardrailConfiguration",
)


#: A guardrail's ARN (its id: 12 lower-case letters or digits), without a version.
GUARDRAIL_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:bedrock:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):guardrail/[a-z0-9]{12}\Z"
)
#: A KMS key's ARN (single- or multi-Region key id).
KEY_ARN_PATTERN = re.compile(
    r"^arn:aws[a-z-]*:kms:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):key/"
    r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\Z"
)


@dataclass(frozen=True)
class OrganizationGuardrail:
    """The organization's guardrail, as a member account sees it: what its callers need to be granted
    when the Organizations Bedrock policy enforces it on their model calls (``bedrock:ApplyGuardrail``
    on the guardrail, ``kms:Decrypt`` on its key through Bedrock; the management account's stack
    outputs both). Pass it as ``GuardrailOptions(organization_guardrail=...)``.
    """

    guardrail_arn: str
    """The guardrail's ARN, without a version (the output ``OrganizationGuardrailArn``)."""
    key_arn: str
    """The ARN of the key that encrypts it (the output ``OrganizationGuardrailKeyArn``)."""

    def __post_init__(self) -> None:
        require_type("organization_guardrail.guardrail_arn", self.guardrail_arn, str, "a guardrail ARN")
        guardrail = GUARDRAIL_ARN_PATTERN.match(self.guardrail_arn)
        if guardrail is None:
            raise ValueError(
                f"organization_guardrail.guardrail_arn: {self.guardrail_arn!r} is not a guardrail ARN without a "
                "version, e.g. 'arn:aws:bedrock:us-east-1:111122223333:guardrail/abcdefghij12' (the management "
                "stack's output OrganizationGuardrailArn)"
            )
        require_type("organization_guardrail.key_arn", self.key_arn, str, "a KMS key ARN")
        key = KEY_ARN_PATTERN.match(self.key_arn)
        if key is None:
            raise ValueError(
                f"organization_guardrail.key_arn: {self.key_arn!r} is not a KMS key ARN, e.g. "
                "'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' (the management "
                "stack's output OrganizationGuardrailKeyArn)"
            )
        if key.groups()[:2] != guardrail.groups():
            raise ValueError(
                f"organization_guardrail.key_arn: {self.key_arn!r} is not in the guardrail's account and region "
                f"({guardrail.group(2)}, {guardrail.group(1)}); give the key that encrypts the guardrail"
            )

    @property
    def region(self) -> str:
        """The region the guardrail (and the Bedrock policy that enforces it) is in."""
        match = GUARDRAIL_ARN_PATTERN.match(self.guardrail_arn)
        assert match is not None  # checked when made
        return match.group(1)

    def statements(self, *, source_vpce: str | None = None) -> list[iam.PolicyStatement]:
        """``ApplyGuardrail`` on the guardrail (through ``source_vpce`` when given, like the account's own
        guardrail) and ``kms:Decrypt`` on its key through Bedrock in its region."""
        return [
            iam.PolicyStatement(
                sid="ApplyTheOrganizationGuardrail",
                actions=list(actions.APPLY_GUARDRAIL_ACTIONS),
                resources=[self.guardrail_arn],
                conditions={"StringEquals": {"aws:SourceVpce": source_vpce}} if source_vpce else None,
            ),
            iam.PolicyStatement(
                sid="UseTheOrganizationGuardrailKey",
                actions=["kms:Decrypt"],
                resources=[self.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"bedrock.{self.region}.amazonaws.com"}},
            ),
        ]


def approved_model_arns(models: Sequence[BedrockModel], partition: str = "aws") -> list[str]:
    """The ARNs the approved models are invoked on, in any account and region (an SCP applies to many):
    each foundation model (region-less global ARNs included: ``*`` matches the empty region), each
    system inference profile, and the organization's application inference profiles."""
    arns = set()
    for model in models:
        while isinstance(model, ApplicationInferenceProfileModel):
            model = model.source
        arns.add(f"arn:{partition}:bedrock:*::foundation-model/{model.foundation_model.model_id}")
        if isinstance(model, CrossRegionInferenceProfile):
            arns.add(f"arn:{partition}:bedrock:*:*:inference-profile/{model.model_id}")
    arns.add(f"arn:{partition}:bedrock:*:*:application-inference-profile/*")
    return sorted(arns)


def organization_statements(
    models: Sequence[BedrockModel],
    residency: Residency,
    deployment_principals: Sequence[str],
    *,
    regulated: bool = True,
    model_access_principals: Sequence[str] | None = None,
    bootstrap_principals: Sequence[str] = (),
) -> list[iam.PolicyStatement]:
    """The SCP statements, in the order they are packed (see the module's documentation).
    ``model_access_principals`` default to ``deployment_principals``."""
    statements = [
        iam.PolicyStatement(
            sid="DenyBedrockOutsideResidency",
            effect=iam.Effect.DENY,
            actions=["bedrock:*", "bedrock-mantle:*"],
            resources=["*"],
            conditions={"StringNotEquals": {"aws:RequestedRegion": sorted(residency.regions)}},
        ),
        iam.PolicyStatement(
            sid="DenyUnapprovedModels",
            effect=iam.Effect.DENY,
            actions=[
                *actions.INVOKE_ACTIONS,
                *actions.COUNT_TOKENS_ACTIONS,
            ],
            not_resources=approved_model_arns(models),
        ),
    ]
    if regulated:
        statements.append(
            iam.PolicyStatement(
                sid="DenyMantle", effect=iam.Effect.DENY, actions=["bedrock-mantle:*"], resources=["*"]
            )
        )
    unless_deployment = {"ArnNotLike": {"aws:PrincipalArn": sorted(deployment_principals)}}
    statements += [
        iam.PolicyStatement(
            sid="ProtectInvocationLogging",
            effect=iam.Effect.DENY,
            actions=list(actions.LOGGING_CONFIGURATION_WRITE_ACTIONS),
            resources=["*"],
            # ...or the landing zone's logging handler (its role carries the evidence-writer tag).
            conditions={
                **unless_deployment,
                "StringNotEquals": {f"aws:PrincipalTag/{EVIDENCE_WRITER_TAG}": LOGGING_WRITER},
            },
        ),
        iam.PolicyStatement(
            sid="ProtectGuardrails",
            effect=iam.Effect.DENY,
            actions=list(GUARDRAIL_PROTECTED_ACTIONS),
            resources=["*"],
            conditions=unless_deployment,
        ),
        iam.PolicyStatement(
            sid="ProtectLandingZone",
            effect=iam.Effect.DENY,
            actions=list(LANDING_ZONE_PROTECTED_ACTIONS),
            resources=["*"],
            conditions={**unless_deployment, "Null": {f"aws:ResourceTag/{LANDING_ZONE_TAG}": "false"}},
        ),
        iam.PolicyStatement(
            # Attaching managed policies to the landing zone's roles: only the deployment roles, and the
            # budgets action role of a hard stop (the deny-invoke policy on a team role over budget).
            sid="ProtectLandingZoneRoleAttachments",
            effect=iam.Effect.DENY,
            actions=["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            resources=["*"],
            conditions={
                **unless_deployment,
                "Null": {f"aws:ResourceTag/{LANDING_ZONE_TAG}": "false"},
                "StringNotEquals": {f"aws:PrincipalTag/{EVIDENCE_WRITER_TAG}": BUDGET_HARD_STOP},
            },
        ),
        iam.PolicyStatement(
            sid="ProtectLandingZoneTag",
            effect=iam.Effect.DENY,
            actions=list(TAGGING_ACTIONS),
            resources=["*"],
            conditions={
                **unless_deployment,
                "ForAnyValue:StringEquals": {"aws:TagKeys": [EVIDENCE_WRITER_TAG, LANDING_ZONE_TAG]},
            },
        ),
        iam.PolicyStatement(
            sid="ProtectEvidenceWriter",
            effect=iam.Effect.DENY,
            actions=["iam:PassRole"],
            resources=["*"],
            conditions={**unless_deployment, "Null": {f"aws:ResourceTag/{EVIDENCE_WRITER_TAG}": "false"}},
        ),
        *_protect_deployment_roles(deployment_principals, bootstrap_principals),
        iam.PolicyStatement(
            sid="ProtectModelAccess",
            effect=iam.Effect.DENY,
            actions=list(MODEL_ACCESS_CHANGE_ACTIONS),
            resources=["*"],
            conditions={
                "ArnNotLike": {
                    "aws:PrincipalArn": sorted(
                        deployment_principals if model_access_principals is None else model_access_principals
                    )
                }
            },
        ),
    ]
    return statements


#: What would make a role one of the deployment roles the SCP exempts: creating one by that name, or
#: changing who may assume it and what it may do.
DEPLOYMENT_ROLE_CHANGE_ACTIONS: tuple[str, ...] = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
)


def _protect_deployment_roles(
    deployment_principals: Sequence[str], bootstrap_principals: Sequence[str]
) -> list[iam.PolicyStatement]:
    """``ProtectDeploymentRoles``: the statements above exempt the deployment roles by name, so nobody
    else may create a role of such a name, or change one's trust or permissions, except the deployment
    and bootstrap principals (StackSets' execution roles are created by its service-linked role, which
    no SCP restricts; CDK's, by whoever bootstraps the account)."""
    roles = sorted(p for p in deployment_principals if ":iam::" in p and ":role/" in p)
    if not roles:
        return []
    return [
        iam.PolicyStatement(
            sid="ProtectDeploymentRoles",
            effect=iam.Effect.DENY,
            actions=list(DEPLOYMENT_ROLE_CHANGE_ACTIONS),
            resources=roles,
            conditions={
                "ArnNotLike": {"aws:PrincipalArn": sorted({*deployment_principals, *bootstrap_principals})}
            },
        )
    ]


def perimeter_document(organization_id: str) -> dict[str, object]:
    """The resource control policy: S3 and KMS in the members accept no principal from outside
    ``organization_id``; AWS services (``aws:PrincipalIsAWSService``) are exempt, as in AWS's data
    perimeter examples, so that CloudTrail and Bedrock can still deliver evidence."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EvidencePerimeter",
                "Effect": "Deny",
                "Principal": "*",
                "Action": list(PERIMETER_ACTIONS),
                "Resource": "*",
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": organization_id},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            }
        ],
    }


def check_organization_residency(
    residency: Residency,
    models: Sequence[BedrockModel],
    *,
    models_argument: str = "models",
    residency_argument: str = "residency",
) -> None:
    """Raise ``ValueError`` when an approved model, called from any region of ``residency`` it can be
    called from, would reach a region outside it (the SCP would then fail the call)."""
    for region in sorted(residency.regions):
        callable_here = [
            m for m in models if not isinstance(m, CrossRegionInferenceProfile) or region in m.routes
        ]
        check_residency(
            residency,
            region,
            callable_here,
            models_argument=models_argument,
            residency_argument=residency_argument,
        )


def require_target_ids(argument: str, value: Sequence[str]) -> list[str]:
    """``value``: a non-empty list of distinct roots (``r-…``), OUs (``ou-…``) or account ids."""
    targets = require_list(argument, value, "a list of root, OU or account ids")
    if not targets:
        raise ValueError(f"{argument}: name at least one root (r-...), OU (ou-...) or account id")
    for index, target in enumerate(targets):
        require_target_id(f"{argument}[{index}]", target)
    require_unique(argument, targets)
    return targets


def require_target_id(argument: str, value: object) -> str:
    """``value`` if it is a root (``r-…``), an OU (``ou-…``) or an account id."""
    require_type(argument, value, str, "a root, OU or account id")
    assert isinstance(value, str)
    if not TARGET_ID_PATTERN.match(value):
        raise ValueError(f"{argument}: {value!r} is not a root (r-ab12), OU (ou-ab12-cdefgh34) or account id")
    return value


def require_organization_id(argument: str, value: object, why: str = "") -> str:
    """``value`` if it is an organization id (``o-`` and 10 to 32 lower-case letters or digits)."""
    if not (isinstance(value, str) and ORGANIZATION_ID_PATTERN.match(value)):
        raise ValueError(f"{argument}: {value!r} is not an organization id (o-ab12cd34ef){why}")
    return value


def require_principal_patterns(argument: str, value: Sequence[str], without: str) -> list[str]:
    """``value``: a non-empty list of principal ARN patterns (``*`` allowed in the account and name);
    ``without`` says what an empty list would break."""
    principals = require_list(argument, value, "a list of principal ARN patterns")
    if not principals:
        raise ValueError(
            f"{argument}: name at least one principal ARN pattern (e.g. 'arn:aws:iam::*:role/stacksets-exec-*'), "
            + without
        )
    for index, principal in enumerate(principals):
        require_principal_pattern(f"{argument}[{index}]", principal)
    require_unique(argument, principals)
    return principals


#: A principal ARN pattern: an IAM or STS ARN whose account and name may hold ``*``.
PRINCIPAL_PATTERN = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):\S+\Z")


def require_principal_pattern(argument: str, value: object) -> str:
    """``value`` if it is a principal ARN pattern such as ``arn:aws:iam::*:role/stacksets-exec-*``."""
    require_type(argument, value, str, "an ARN pattern")
    assert isinstance(value, str)
    if not PRINCIPAL_PATTERN.match(value):
        raise ValueError(
            f"{argument}: {value!r} is not a principal ARN pattern; use e.g. 'arn:aws:iam::*:role/stacksets-exec-*'"
        )
    return value


def _document(statements: Sequence[iam.PolicyStatement]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [s.to_statement_json() for s in statements]}


def pack_scps(statements: Sequence[iam.PolicyStatement]) -> list[list[iam.PolicyStatement]]:
    """``statements`` in order, in as few SCPs as 5,120 characters allow, each filled to 80 % of them so
    that longer principal patterns or models fit later (deterministic: first fit).

    :raises ValueError: if one statement alone is too large.
    """
    packed: list[list[iam.PolicyStatement]] = [[]]
    for statement in statements:
        if (
            packed[-1]
            and _size([*packed[-1], statement]) > limits.SERVICE_CONTROL_POLICY.maximum * limits.ROOM
        ):
            packed.append([])
        packed[-1].append(statement)
        if _size(packed[-1]) > limits.SERVICE_CONTROL_POLICY.maximum:
            raise ValueError(
                f"models: the statement {statement.sid} alone takes {_size([statement]):,} characters, more than "
                f"an SCP holds ({limits.SERVICE_CONTROL_POLICY.maximum:,}); approve fewer models"
            )
    return packed


def _size(statements: Sequence[iam.PolicyStatement]) -> int:
    return limits.text_size(
        json.dumps(_document(statements), separators=(",", ":")), limits.SERVICE_CONTROL_POLICY
    )


@jsii.implements(IValidation)
class _NoAutomatedReasoning:
    """At synth: the organization's guardrail has no automated-reasoning policy, which the Bedrock policy
    type does not support (checked when the app is synthesized, so a later change is caught too)."""

    def __init__(self, guardrail: BedrockGuardrail) -> None:
        self._guardrail = guardrail

    def validate(self) -> list[str]:
        if self._guardrail.guardrail.automated_reasoning_policy_config is None:
            return []
        return [
            f"guardrail: {self._guardrail.node.path!r} has an automated-reasoning policy, which the Organizations "
            "Bedrock policy does not support; enforce a guardrail without one (keep automated reasoning on a "
            "guardrail the applications apply themselves)"
        ]


class BedrockOrganizationGuardrails(Construct):
    """Service control policies for Bedrock, attached to the organization's roots, OUs or accounts.

    Attributes: ``statements`` (the SCP statements), ``policies`` (``CfnPolicy``, one per 5,120
    characters), ``residency``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Sequence[BedrockModel],
        residency: Residency | str | Sequence[str],
        target_ids: Sequence[str],
        deployment_principals: Sequence[str],
        regulated: bool = True,
        model_access_principals: Sequence[str] | None = None,
        guardrail: BedrockGuardrail | None = None,
        organization_id: str | None = None,
        bootstrap_principals: Sequence[str] = (),
    ) -> None:
        """
        :param models: the approved models (the same list as the account landing zones').
        :param residency: where data may be processed: a geography (``"eu"``), region names, or a
            :class:`Residency`; every model must stay inside it from every region of it it is called from.
        :param target_ids: the roots (``r-…``), OUs (``ou-…``) or accounts the policies attach to.
        :param deployment_principals: ARN patterns of the principals that deploy the landing zones
            (e.g. CloudFormation's StackSet execution role in every account:
            ``arn:aws:iam::*:role/stacksets-exec-*``): only they may change invocation logging, the
            guardrails, and the landing zones' endpoints, keys and log groups.
        :param regulated: deny the ``bedrock-mantle`` endpoint altogether (its calls escape model
            invocation logging). Default: ``True``.
        :param model_access_principals: ARN patterns of the principals that may change model access
            (Marketplace subscriptions, model agreements and entitlements). Default: the deployment
            principals.
        :param guardrail: a guardrail of this (the management account's) stack to enforce on every
            model call of the targets in its region, with the Organizations Bedrock policy. Default: none.
        :param organization_id: the organization (``o-…``): with it, a resource control policy keeps the
            targets' buckets and keys from principals outside it, and its principals may apply
            ``guardrail`` (required with it). Default: no RCP.
        :param bootstrap_principals: ARN patterns of the principals that bootstrap CDK in the member
            accounts (creating ``cdk-hnb659fds-cfn-exec-role-*``), besides the deployment principals: the
            only others that may create or change a role named like a deployment role. Default: none.
        """
        require_construct(scope, construct_id)
        checked = require_models("models", models)
        residency = residency if isinstance(residency, Residency) else Residency.of(residency)
        check_organization_residency(residency, checked)
        targets = require_target_ids("target_ids", target_ids)
        principals = require_principal_patterns(
            "deployment_principals",
            deployment_principals,
            "or nobody could update invocation logging, guardrails or the landing zones",
        )
        access_principals = (
            None
            if model_access_principals is None
            else require_principal_patterns(
                "model_access_principals", model_access_principals, "or nobody could change model access"
            )
        )
        bootstrappers = (
            require_principal_patterns("bootstrap_principals", bootstrap_principals, "")
            if bootstrap_principals
            else []
        )
        require_bool("regulated", regulated)
        if guardrail is not None:
            require_type("guardrail", guardrail, BedrockGuardrail, "a BedrockGuardrail")
            if is_token(Stack.of(scope).region):
                raise ValueError(
                    "guardrail: the Bedrock policy is per region; give the stack its region "
                    "(env=Environment(region='us-east-1'))"
                )
            if Stack.of(guardrail) is not Stack.of(scope):
                raise ValueError(
                    f"guardrail: {guardrail.node.path!r} is in another stack; the Bedrock policy needs a guardrail "
                    "owned by the management account, defined in this stack, so that its identifier is its own ARN "
                    "and published version"
                )
        if guardrail is not None or organization_id is not None:
            why = "; the guardrail's resource policy lets only that organization's principals apply it"
            require_organization_id("organization_id", organization_id, why if guardrail is not None else "")
        self.statements = organization_statements(
            checked,
            residency,
            principals,
            regulated=regulated,
            model_access_principals=access_principals,
            bootstrap_principals=bootstrappers,
        )
        packed = pack_scps(self.statements)
        if len(packed) + 1 > limits.SCPS_PER_TARGET.maximum:
            raise ValueError(
                f"models: the policies need {len(packed)} SCPs, and a target takes {limits.SCPS_PER_TARGET.maximum} "
                "with FullAWSAccess; approve fewer models"
            )
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self.residency = residency
        stack_name = Stack.of(self).stack_name
        prefix = "secure-bedrock" if is_token(stack_name) else f"secure-bedrock-{stack_name}"[:100]
        self.policies = [
            organizations.CfnPolicy(
                self,
                "Policy" if number == 1 else f"Policy{number}",
                name=f"{prefix}-{number}",
                type="SERVICE_CONTROL_POLICY",
                description="secure-bedrock: Bedrock residency, approved models, and the evidence's protection",
                content=_document(statements),
                target_ids=list(targets),
            )
            for number, statements in enumerate(packed, 1)
        ]
        self.perimeter: organizations.CfnPolicy | None = None
        if organization_id is not None:
            self.perimeter = organizations.CfnPolicy(
                self,
                "EvidencePerimeter",
                name=f"{prefix}-evidence-perimeter",
                type="RESOURCE_CONTROL_POLICY",
                description="secure-bedrock: no principal outside the organization reaches the members' buckets and keys",
                content=perimeter_document(organization_id),
                target_ids=list(targets),
            )
        self.bedrock_policy: organizations.CfnPolicy | None = None
        self.guardrail_policy: bedrock.CfnResourcePolicy | None = None
        if guardrail is not None and organization_id is not None:
            self._enforce(guardrail, organization_id, list(targets), prefix)

    def _enforce(
        self, guardrail: BedrockGuardrail, organization_id: str, targets: list[str], prefix: str
    ) -> None:
        """The guardrail's resource policy for the organization, and the Bedrock policy that enforces it."""
        self.node.add_validation(_NoAutomatedReasoning(guardrail))
        region = Stack.of(guardrail).region
        # Callers of the member accounts use the guardrail's key through Bedrock (kms:Decrypt, as the
        # guardrail's users do); cross-account, the key policy must admit them as well as their own policies.
        added = guardrail.encryption_key.add_to_resource_policy(
            organization_decrypts_through(
                "OrganizationUsesTheGuardrailThroughBedrock", organization_id, "bedrock", region
            )
        )
        if added.statement_added:
            skip_checkov(
                guardrail.encryption_key,
                "CKV_AWS_33",
                "The '*' principal is bounded by aws:PrincipalOrgID (this organization only) and kms:ViaService "
                "(through Bedrock only), for Decrypt alone: the member accounts' callers of the enforced guardrail, "
                "whose account ids the management account cannot list.",
            )
        else:
            Annotations.of(self).add_warning_v2(
                "secure-bedrock:organization-guardrail-key",
                "guardrail: its key is imported, so its policy is yours to change: let the organization's principals "
                f"(aws:PrincipalOrgID {organization_id}) kms:Decrypt through bedrock.{region}.amazonaws.com, or "
                "every member account's model call fails on the enforced guardrail",
            )
        self.guardrail_policy = bedrock.CfnResourcePolicy(
            self,
            "GuardrailPolicy",
            resource_arn=guardrail.guardrail_arn,
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "OrganizationAppliesTheGuardrail",
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": list(actions.APPLY_GUARDRAIL_ACTIONS),
                        "Resource": guardrail.guardrail_arn,
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
                    }
                ],
            },
        )
        self.bedrock_policy = organizations.CfnPolicy(
            self,
            "BedrockPolicy",
            name=f"{prefix}-guardrail",
            type="BEDROCK_POLICY",
            description="secure-bedrock: the organization's guardrail on every model call of the member accounts",
            content={
                "bedrock": {
                    "guardrail_inference": {
                        region: {
                            "secure_bedrock": {
                                "identifier": {"@@assign": guardrail.guardrail_version_arn},
                                "selective_content_guarding": {
                                    "system": {"@@assign": "comprehensive"},
                                    "messages": {"@@assign": "comprehensive"},
                                },
                                "model_enforcement": {"included_models": {"@@assign": ["ALL"]}},
                            }
                        }
                    }
                }
            },
            target_ids=targets,
        )
        # The policy is attached only once the resource policy exists (and the published version, which
        # its identifier references).
        self.bedrock_policy.node.add_dependency(self.guardrail_policy)
