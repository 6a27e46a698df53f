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
  setting, the guardrails and the account's enforced guardrail, except by the deployment principals.

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

from aws_cdk import Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from aws_cdk import aws_organizations as organizations
from constructs import Construct

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
#: Guardrail changes that would take the organization's protection away.
GUARDRAIL_PROTECTED_ACTIONS: tuple[str, ...] = (
    "bedrock:UpdateGuardrail",
    "bedrock:DeleteGuardrail",
    "bedrock:PutEnforcedGuardrailConfiguration",
    "bedrock:DeleteEnforcedGuardrailConfiguration",
)


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
) -> list[iam.PolicyStatement]:
    """The SCP statements, in the order they are packed (see the module's documentation)."""
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
            actions=[*actions.INVOKE_ACTIONS, *actions.COUNT_TOKENS_ACTIONS],
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
            conditions=unless_deployment,
        ),
        iam.PolicyStatement(
            sid="ProtectGuardrails",
            effect=iam.Effect.DENY,
            actions=list(GUARDRAIL_PROTECTED_ACTIONS),
            resources=["*"],
            conditions=unless_deployment,
        ),
    ]
    return statements


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


def _document(statements: Sequence[iam.PolicyStatement]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [s.to_statement_json() for s in statements]}


def pack_scps(statements: Sequence[iam.PolicyStatement]) -> list[list[iam.PolicyStatement]]:
    """``statements`` in order, in as few SCPs as 5,120 characters allow (deterministic: first fit).

    :raises ValueError: if one statement alone is too large.
    """
    packed: list[list[iam.PolicyStatement]] = [[]]
    for statement in statements:
        if packed[-1] and _size([*packed[-1], statement]) > limits.SERVICE_CONTROL_POLICY.maximum:
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
        guardrail: BedrockGuardrail | None = None,
        organization_id: str | None = None,
    ) -> None:
        """
        :param models: the approved models (the same list as the account landing zones').
        :param residency: where data may be processed: a geography (``"eu"``), region names, or a
            :class:`Residency`; every model must stay inside it from every region of it it is called from.
        :param target_ids: the roots (``r-…``), OUs (``ou-…``) or accounts the policies attach to.
        :param deployment_principals: ARN patterns of the principals that deploy the landing zones
            (e.g. CloudFormation's StackSet execution role in every account:
            ``arn:aws:iam::*:role/stacksets-exec-*``): only they may change invocation logging and
            guardrails.
        :param regulated: deny the ``bedrock-mantle`` endpoint altogether (its calls escape model
            invocation logging). Default: ``True``.
        :param guardrail: a guardrail of this (the management account's) stack to enforce on every
            model call of the targets in its region, with the Organizations Bedrock policy. Default: none.
        :param organization_id: the organization (``o-…``): with it, a resource control policy keeps the
            targets' buckets and keys from principals outside it, and its principals may apply
            ``guardrail`` (required with it). Default: no RCP.
        """
        require_construct(scope, construct_id)
        checked = require_models("models", models)
        residency = residency if isinstance(residency, Residency) else Residency.of(residency)
        for region in sorted(residency.regions):
            callable_here = [
                m for m in checked if not isinstance(m, CrossRegionInferenceProfile) or region in m.routes
            ]
            check_residency(residency, region, callable_here)
        targets = require_list("target_ids", target_ids, "a list of root, OU or account ids")
        if not targets:
            raise ValueError("target_ids: name at least one root (r-...), OU (ou-...) or account id")
        for index, target in enumerate(targets):
            require_type(f"target_ids[{index}]", target, str, "a root, OU or account id")
            if not TARGET_ID_PATTERN.match(target):
                raise ValueError(
                    f"target_ids[{index}]: {target!r} is not a root (r-ab12), OU (ou-ab12-cdefgh34) or account id"
                )
        require_unique("target_ids", targets)
        principals = require_list(
            "deployment_principals", deployment_principals, "a list of principal ARN patterns"
        )
        if not principals:
            raise ValueError(
                "deployment_principals: name the role that deploys the landing zones (e.g. "
                "'arn:aws:iam::*:role/stacksets-exec-*'), or nobody could update invocation logging or guardrails"
            )
        for index, principal in enumerate(principals):
            require_type(f"deployment_principals[{index}]", principal, str, "an ARN pattern")
            if not re.match(r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\*):\S+\Z", principal):
                raise ValueError(
                    f"deployment_principals[{index}]: {principal!r} is not a principal ARN pattern; use e.g. "
                    "'arn:aws:iam::*:role/stacksets-exec-*'"
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
        if (guardrail is not None or organization_id is not None) and not (
            isinstance(organization_id, str) and ORGANIZATION_ID_PATTERN.match(organization_id)
        ):
            why = "; the guardrail's resource policy lets only that organization's principals apply it"
            raise ValueError(
                f"organization_id: {organization_id!r} is not an organization id (o-ab12cd34ef)"
                + (why if guardrail is not None else "")
            )
        self.statements = organization_statements(checked, residency, principals, regulated=regulated)
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
        region = Stack.of(guardrail).region
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
        # The policy names the published version: it is attached only once the version and the
        # resource policy exist.
        self.bedrock_policy.node.add_dependency(self.guardrail_policy)
        self.bedrock_policy.node.add_dependency(guardrail.version)
