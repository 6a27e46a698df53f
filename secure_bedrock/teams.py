"""Application teams: per-team application inference profiles (tagged for cost allocation) and invoker roles.

Each team invokes its approved models only through its own application inference profiles, copies
of the approved model or system profile that carry the team's cost-allocation tags, so Bedrock spend
is attributable per team in Cost Explorer and the CUR once the tags are activated in Billing (which
takes up to 24 hours; earlier spend only through a tag backfill from the management account).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import CfnTag, Stack
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_iam as iam
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_amount,
    require_bool,
    require_construct,
    require_list,
    require_principal,
    require_type,
    require_unique,
    require_vpc_endpoint_id,
)
from secure_bedrock.access import BedrockInvokerRole, grant_invoke
from secure_bedrock.guardrail import AnyGuardrail, BedrockGuardrail, GuardrailReference
from secure_bedrock.models import (
    ApplicationInferenceProfileModel,
    BedrockModel,
    CrossRegionInferenceProfile,
    require_models,
)

#: A team name: lower-case letters and digits, single '-' between them, starting with a letter.
TEAM_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
MAX_TEAM_NAME = 31
#: An application inference profile's name: 1-64 of ``([0-9a-zA-Z][ _-]?)+`` (CloudFormation schema).
MAX_PROFILE_NAME = 64
#: A cost-allocation tag value: application inference profiles accept ASCII letters and digits,
#: spaces and ``_ . : / = + - @`` only.
TAG_VALUE_PATTERN = re.compile(r"^[\w .:/=+\-@]{1,256}\Z", re.ASCII)
#: The cost-allocation tag keys on every team resource.
TEAM_TAG = "team"
COST_CENTER_TAG = "cost-center"


@dataclass(frozen=True)
class TeamSpec:
    """What the landing zone needs to set up one team (see :class:`BedrockTeam`)."""

    name: str
    cost_center: str
    models: tuple[BedrockModel, ...]
    assumed_by: iam.IPrincipal | None = None
    monthly_budget_usd: float | None = None
    """The team's monthly Bedrock budget. Default: none."""
    hard_stop: bool = False
    """Deny the team's invoker role all invocations once its budget is exceeded. Default: ``False``."""


def _description(text: str) -> str:
    """``text`` in the characters an application inference profile's description accepts."""
    cleaned = re.sub(r"[^0-9a-zA-Z:. _-]", " ", text)
    return re.sub(r"([ _-])[ _-]+", r"\1", cleaned).strip(" _-")[:200]


def profile_name(stack_name: str, team: str, model: BedrockModel) -> str:
    """The application inference profile's name: readable (team and model), and unique in the
    account and region, because profile names are, through a hash of the stack, team and model.

    Always matches ``([0-9a-zA-Z][ _-]?)+`` in at most 64 characters: separators are single and the
    readable part is cut before the hash.
    """
    digest = hashlib.sha256(f"{stack_name}/{team}/{model.model_id}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^0-9a-zA-Z]+", "-", f"{team}-{model.model_id}").strip("-")
    readable = readable[: MAX_PROFILE_NAME - len(digest) - 1].rstrip("-")
    return f"{readable}-{digest}"


def validate_team_name(argument: str, name: str) -> str:
    """Return ``name`` if it is a team name: lower-case letters, digits and '-', starting with a letter."""
    require_type(argument, name, str, "a team name such as 'claims'")
    if not TEAM_NAME_PATTERN.match(name) or len(name) > MAX_TEAM_NAME:
        raise ValueError(
            f"{argument}: {name!r} must be lower-case letters and digits, starting with a letter, with single '-' "
            f"between them (e.g. 'claims-east'), at most {MAX_TEAM_NAME} characters"
        )
    return name


def validate_cost_center(argument: str, cost_center: str) -> str:
    """Return ``cost_center`` if it can be the value of the ``cost-center`` tag."""
    require_type(argument, cost_center, str, "a cost-centre code such as 'CC-1234'")
    if not TAG_VALUE_PATTERN.match(cost_center):
        raise ValueError(
            f"{argument}: {cost_center!r} must be 1-256 letters, digits, spaces or _ . : / = + - @"
        )
    return cost_center


def validate_team_specs(argument: str, teams: Sequence[TeamSpec], approved: set[str]) -> list[TeamSpec]:
    """Return ``teams`` if each is a complete :class:`TeamSpec` using approved models only.

    Team names must differ in more than '-', which the ids derived from them (statement ids,
    outputs) drop.
    """
    specs = require_list(argument, teams, "a list of TeamSpec")
    for index, team in enumerate(specs):
        item = f"{argument}[{index}]"
        require_type(item, team, TeamSpec, "a TeamSpec")
        validate_team_name(f"{item}.name", team.name)
        validate_cost_center(f"{item}.cost_center", team.cost_center)
        require_models(
            f"{item}.models", team.models, fix=f"give team {team.name!r} at least one approved model"
        )
        for model_index, model in enumerate(team.models):
            if isinstance(model, ApplicationInferenceProfileModel):
                raise ValueError(
                    f"{item}.models[{model_index}]: already an application inference profile; name its source model"
                )
            if model.model_id not in approved:
                raise ValueError(
                    f"{item}.models[{model_index}]: {model.model_id!r} is not an approved model; "
                    "add it to models or remove it from the team"
                )
        if team.assumed_by is not None:
            require_principal(f"{item}.assumed_by", team.assumed_by, "would let anyone assume the role")
        if team.monthly_budget_usd is not None:
            require_amount(f"{item}.monthly_budget_usd", team.monthly_budget_usd)
        require_bool(f"{item}.hard_stop", team.hard_stop)
        if team.hard_stop and team.monthly_budget_usd is None:
            raise ValueError(
                f"{item}.hard_stop: needs monthly_budget_usd; a hard stop acts when the team's budget is exceeded"
            )
    require_unique(argument, [team.name for team in specs])
    seen: dict[str, int] = {}
    for index, team in enumerate(specs):
        key = team.name.replace("-", "")
        if key in seen:
            raise ValueError(
                f"{argument}[{index}].name: {team.name!r} and {argument}[{seen[key]}].name differ only in '-', "
                "which the ids derived from team names drop; rename one"
            )
        seen[key] = index
    return specs


class BedrockTeam(Construct):
    """One application team: a tagged application inference profile per approved model, and its invoker role.

    Attributes: ``profiles`` (``dict[str, CfnApplicationInferenceProfile]`` by source model id),
    ``models`` (the team's invocable models: its application profiles), ``invoker`` (a
    :class:`BedrockInvokerRole`), ``name``, ``cost_center``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        cost_center: str,
        models: Sequence[BedrockModel],
        assumed_by: iam.IPrincipal,
        guardrail: AnyGuardrail | None = None,
        source_vpce: str | None = None,
    ) -> None:
        """
        :param name: the team's name: lower-case letters, digits and '-', up to 31 characters; the
            value of the ``team`` tag.
        :param cost_center: the value of the ``cost-center`` tag.
        :param models: the models the team may use (each gets an application inference profile).
        :param assumed_by: who may assume the team's invoker role; never ``*``.
        :param guardrail: the guardrail every invocation must carry. Default: none.
        :param source_vpce: the VPC endpoint invocations must come through. Default: any path.
        """
        require_construct(scope, construct_id)
        validate_team_name("name", name)
        validate_cost_center("cost_center", cost_center)
        models = require_models(
            "models", models, scope=scope, fix=f"give team {name!r} at least one approved model"
        )
        for index, model in enumerate(models):
            if isinstance(model, ApplicationInferenceProfileModel):
                raise ValueError(
                    f"models[{index}]: already an application inference profile; name its source model"
                )
        require_principal("assumed_by", assumed_by, "would let anyone assume the role")
        if guardrail is not None:
            require_type(
                "guardrail",
                guardrail,
                (BedrockGuardrail, GuardrailReference),
                "a BedrockGuardrail or GuardrailReference",
            )
        if source_vpce is not None:
            require_vpc_endpoint_id("source_vpce", source_vpce)
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self.name = name
        self.cost_center = cost_center

        tags = [CfnTag(key=TEAM_TAG, value=name), CfnTag(key=COST_CENTER_TAG, value=cost_center)]
        stack = Stack.of(self)
        stack_name = stack.stack_name if not is_token(stack.stack_name) else self.node.path
        self.profiles: dict[str, bedrock.CfnApplicationInferenceProfile] = {}
        team_models: list[BedrockModel] = []
        for model in models:
            source_arns = model.arns(self)
            # Copy from the system profile where there is one (keeps its routing), else the model.
            copy_from = (
                source_arns.profile_arns[0]
                if isinstance(model, CrossRegionInferenceProfile)
                else source_arns.foundation_model_arns[0]
            )
            profile = bedrock.CfnApplicationInferenceProfile(
                self,
                # The source model id is the stable part of the construct id.
                "Profile" + hashlib.sha256(model.model_id.encode()).hexdigest()[:8],
                inference_profile_name=profile_name(stack_name, name, model),
                description=_description(f"team {name} cost center {cost_center} model {model.model_id}"),
                model_source=bedrock.CfnApplicationInferenceProfile.InferenceProfileModelSourceProperty(
                    copy_from=copy_from
                ),
                tags=tags,
            )
            self.profiles[model.model_id] = profile
            team_models.append(ApplicationInferenceProfileModel(profile.attr_inference_profile_arn, model))
        self.models: tuple[BedrockModel, ...] = tuple(team_models)
        self.invoker = BedrockInvokerRole(
            self,
            "Invoker",
            assumed_by=assumed_by,
            models=self.models,
            guardrail=guardrail,
            source_vpce=source_vpce,
            description=f"secure-bedrock invoker for team {name}: its application inference profiles only",
        )
        self._guardrail = guardrail
        self._source_vpce = source_vpce

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (a role of the team's application, say) invoke what the team's invoker role
        may: the team's application inference profiles, with the team's guardrail, through its endpoint.
        Spend is attributed to the team (the profiles carry its tags)."""
        return grant_invoke(
            grantee, models=self.models, guardrail=self._guardrail, source_vpce=self._source_vpce
        )
