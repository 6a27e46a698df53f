"""Bedrock model references: foundation models and cross-region inference profiles.

A model reference knows the id that callers pass as ``modelId`` (and that CloudWatch uses as the
``ModelId`` dimension) and produces exactly the ARNs that IAM and VPC-endpoint policies must name
to let a caller invoke it:

* a foundation model invoked in-region: its ARN in the stack's region;
* a geographic cross-region inference profile (``us.``, ``eu.``, ``apac.``, ``jp.``, ``au.``,
  ``ca.``, ``us-gov.``): the profile ARN in the stack's region plus the foundation-model ARN in
  every region the profile routes to from there;
* a global inference profile (``global.``): the profile ARN plus the foundation-model ARN in the
  stack's region and the region-less foundation-model ARN that global routing is authorized on.

AWS: "When you specify an inference profile in the Resource field ... you must also specify the
foundation model in each Region associated with it" (Bedrock user guide, inference-profiles-prereq).

The catalog below holds the profiles' routing as published in the Bedrock user guide ("Supported
Regions and models for inference profiles"). A geographic profile's destinations never change (AWS
publishes new profiles instead); anything missing is one line away with
:meth:`CrossRegionInferenceProfile.of` or :class:`FoundationModel`.
"""

from __future__ import annotations

import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Annotations, ArnFormat, Stack
from constructs import IConstruct

from secure_bedrock._validation import (
    is_token,
    require_non_empty,
    require_region,
    require_type,
    require_unique,
)

#: The non-ARN form of a foundation-model identifier, from botocore's ``bedrock`` service model
#: (shape ``GetFoundationModelIdentifier``); the tests check that the two agree.
FOUNDATION_MODEL_ID_PATTERN = re.compile(
    r"^[a-z0-9-]{1,63}\.[a-z0-9-]{1,63}(\.?[a-z0-9-]{1,63})?(:[a-z0-9-]{1,63}){0,2}\Z"
)
#: An application inference profile's ARN (what callers pass as ``modelId``).
APPLICATION_PROFILE_ARN_PATTERN = re.compile(
    r"^arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/[a-z0-9]{1,64}\Z", re.ASCII
)

#: Prefixes of system-defined cross-region inference profiles.
GEOGRAPHIES: tuple[str, ...] = ("us", "eu", "apac", "jp", "au", "ca", "us-gov", "global")
GLOBAL = "global"

_GEOGRAPHIC_PROFILE_ID = re.compile(r"^(?P<geo>[a-z]+(-gov)?)\.(?P<model>.+)$")


@dataclass(frozen=True)
class ModelArns:
    """The ARNs a policy must name so that a caller can invoke one model reference.

    ``profile_arns`` are what callers name directly (empty for an in-region foundation model);
    ``foundation_model_arns`` are the models the request may be served by. IAM policies can tie
    the second group to the first with the ``bedrock:InferenceProfileArn`` condition.
    """

    profile_arns: tuple[str, ...]
    foundation_model_arns: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        """Profile ARNs first, then foundation-model ARNs."""
        return self.profile_arns + self.foundation_model_arns


class BedrockModel(ABC):
    """A model that callers can invoke: the base of :class:`FoundationModel` and the profiles."""

    @property
    @abstractmethod
    def model_id(self) -> str:
        """What callers pass as ``modelId``; also the ``ModelId`` dimension of ``AWS/Bedrock`` metrics."""

    @property
    @abstractmethod
    def foundation_model(self) -> FoundationModel:
        """The foundation model that serves the requests."""

    @abstractmethod
    def destination_regions(self, source_region: str) -> tuple[str, ...]:
        """The regions a request made in ``source_region`` may be served in (empty: any commercial region)."""

    @abstractmethod
    def arns(self, scope: IConstruct) -> ModelArns:
        """The ARNs to name in a policy for callers in ``scope``'s stack (its account and region)."""

    def __str__(self) -> str:
        return self.model_id


def _foundation_model_arn(scope: IConstruct, model_id: str, region: str | None) -> str:
    return Stack.of(scope).format_arn(
        service="bedrock",
        region=region,
        account="",
        resource="foundation-model",
        resource_name=model_id,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


@dataclass(frozen=True)
class FoundationModel(BedrockModel):
    """A foundation model invoked on demand in the stack's own region, e.g. ``amazon.titan-embed-text-v2:0``.

    Use this for models that have no inference profile, or to keep requests in one region. Any
    valid foundation-model id is accepted, so this is also the escape hatch for new models.

    :param id: the foundation-model id.
    """

    id: str

    def __post_init__(self) -> None:
        validate_foundation_model_id("model_id", self.id)

    @property
    def model_id(self) -> str:
        return self.id

    @property
    def foundation_model(self) -> FoundationModel:
        return self

    def destination_regions(self, source_region: str) -> tuple[str, ...]:
        return (source_region,)

    def arns(self, scope: IConstruct) -> ModelArns:
        return ModelArns(
            profile_arns=(), foundation_model_arns=(_foundation_model_arn(scope, self.id, None),)
        )

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class CrossRegionInferenceProfile(BedrockModel):
    """A system-defined cross-region inference profile, e.g. ``us.anthropic.claude-sonnet-4-5-20250929-v1:0``.

    Prefer :meth:`of` (or the :class:`BedrockModels` catalog) to the constructor.

    :param geography: the profile's prefix: one of :data:`GEOGRAPHIES`.
    :param model: the foundation model behind the profile.
    :param routes: for each source region the profile can be called from, the regions it may send
        the request to. Empty destinations mean any commercial region (global profiles).
    """

    geography: str
    model: FoundationModel
    routes: Mapping[str, tuple[str, ...]] = field(hash=False)

    def __post_init__(self) -> None:
        if self.geography not in GEOGRAPHIES:
            raise ValueError(
                f"geography: {self.geography!r} is not a cross-region inference profile prefix; "
                f"use one of {', '.join(GEOGRAPHIES)}"
            )
        if not self.routes:
            raise ValueError(
                f"routes of {self.model_id}: name at least one source region the profile is called from"
            )
        for source, destinations in self.routes.items():
            require_region(f"routes of {self.model_id}", source)
            for region in destinations:
                require_region(f"routes[{source!r}] of {self.model_id}", region)
            if self.geography == GLOBAL and destinations:
                raise ValueError(
                    f"routes[{source!r}] of {self.model_id}: global profiles route to any region; pass ()"
                )
            if self.geography != GLOBAL and not destinations:
                raise ValueError(
                    f"routes[{source!r}] of {self.model_id}: name the regions this profile routes to"
                )

    @classmethod
    def of(
        cls,
        profile_id: str,
        *,
        source_regions: Iterable[str],
        destination_regions: Iterable[str] = (),
    ) -> CrossRegionInferenceProfile:
        """A profile from its id and published routing.

        Each source region is also a destination (AWS serves a request in its own region where it
        can), so ``destination_regions`` lists the shared set.

        :param profile_id: e.g. ``eu.anthropic.claude-sonnet-4-5-20250929-v1:0``.
        :param source_regions: the regions the profile can be called from.
        :param destination_regions: the regions it routes to. Default: none, for global profiles.
        """
        geography, model = split_profile_id("profile_id", profile_id)
        sources = _literal_regions("source_regions", source_regions)
        require_non_empty(
            "source_regions", sources, "name at least one source region the profile is called from"
        )
        shared = _literal_regions("destination_regions", destination_regions)
        if geography == GLOBAL and shared:
            raise ValueError(
                f"destination_regions: profile_id {profile_id!r} is a global profile, which routes to any commercial "
                "region; leave destination_regions empty"
            )
        routes: dict[str, tuple[str, ...]] = {}
        for source in sources:
            routes[source] = () if geography == GLOBAL else tuple(sorted({*shared, source}))
        return cls(geography=geography, model=model, routes=routes)

    @property
    def model_id(self) -> str:
        return f"{self.geography}.{self.model.id}"

    @property
    def foundation_model(self) -> FoundationModel:
        return self.model

    @property
    def is_global(self) -> bool:
        """True for ``global.`` profiles, which may route to any commercial region."""
        return self.geography == GLOBAL

    @property
    def source_regions(self) -> tuple[str, ...]:
        """The regions this profile can be called from."""
        return tuple(self.routes)

    def destination_regions(self, source_region: str) -> tuple[str, ...]:
        if source_region not in self.routes:
            raise ValueError(
                f"model {self.model_id!r} cannot be called from {source_region}; it is available from "
                f"{', '.join(self.routes)}. Deploy the stack to one of those regions or choose another profile"
            )
        return self.routes[source_region]

    def arns(self, scope: IConstruct) -> ModelArns:
        stack = Stack.of(scope)
        region = stack.region
        if is_token(region):
            raise ValueError(
                f"model {self.model_id!r} is a cross-region inference profile, whose ARNs depend on the "
                "region: give the stack a concrete region (env=Environment(region='us-east-1'))"
            )
        destinations = self.destination_regions(region)
        profile_arn = stack.format_arn(
            service="bedrock",
            resource="inference-profile",
            resource_name=self.model_id,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        if self.is_global:
            # Global routing is authorized on the source region's ARN and the region-less ARN.
            regions: Sequence[str] = (region, "")
        else:
            regions = destinations
        return ModelArns(
            profile_arns=(profile_arn,),
            foundation_model_arns=tuple(_foundation_model_arn(scope, self.model.id, r) for r in regions),
        )


class ApplicationInferenceProfileModel(BedrockModel):
    """An application inference profile (a tagged copy of a model or profile, for cost allocation).

    Callers pass its ARN as ``modelId``. Its ARNs are the application profile's and its source's
    foundation models (in every region the source routes to), which IAM ties to the application
    profile; the source system profile itself is not named, so it cannot be called directly.

    :param arn: the application inference profile's ARN (usually a ``GetAtt``).
    :param source: the model or system profile it was copied from.
    """

    def __init__(self, arn: str, source: BedrockModel) -> None:
        require_type("arn", arn, str, "an application inference profile ARN (usually a GetAtt)")
        if not is_token(arn) and not APPLICATION_PROFILE_ARN_PATTERN.match(arn):
            raise ValueError(
                f"arn: {arn!r} is not an application inference profile ARN; use e.g. the profile's "
                "attr_inference_profile_arn or 'arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123'"
            )
        require_type("source", source, BedrockModel, "a BedrockModel")
        self.arn = arn
        self.source = source

    @property
    def model_id(self) -> str:
        return self.arn

    @property
    def foundation_model(self) -> FoundationModel:
        return self.source.foundation_model

    def destination_regions(self, source_region: str) -> tuple[str, ...]:
        return self.source.destination_regions(source_region)

    def arns(self, scope: IConstruct) -> ModelArns:
        # Only the application profile: naming the source system profile too would let callers
        # bypass the tagged copy (and its cost attribution) by calling the system profile directly.
        return ModelArns(
            profile_arns=(self.arn,), foundation_model_arns=self.source.arns(scope).foundation_model_arns
        )


def validate_foundation_model_id(argument: str, value: str) -> str:
    """Return ``value`` if it is a foundation-model id, else raise naming ``argument``."""
    require_type(argument, value, str, "a model id string such as 'amazon.nova-pro-v1:0'")
    if value.split(".", 1)[0] in GEOGRAPHIES:
        raise ValueError(
            f"{argument}: {value!r} is an inference profile id, not a foundation-model id; "
            "use BedrockModels.resolve() or CrossRegionInferenceProfile.of()"
        )
    if not FOUNDATION_MODEL_ID_PATTERN.match(value):
        raise ValueError(
            f"{argument}: {value!r} is not a Bedrock model id; ids look like 'provider.model-name-v1:0' "
            "(lower case letters, digits and '-', e.g. 'anthropic.claude-sonnet-4-5-20250929-v1:0')"
        )
    meant = _misspelt(value)
    if meant is not None:
        raise ValueError(
            f"{argument}: {value!r} is not a model Bedrock knows (did you mean {meant!r}?); use the id as "
            "Bedrock spells it (aws bedrock list-foundation-models)"
        )
    return value


def catalog_foundation_ids() -> frozenset[str]:
    """The foundation-model ids of the catalog (empty while the catalog itself is being built)."""
    catalog = globals().get("BedrockModels")
    if catalog is None:
        return frozenset()
    return frozenset(model.foundation_model.model_id for model in catalog.all())


def catalog_regions(model_id: str) -> frozenset[str]:
    """The regions the catalog's geographic profiles serve foundation model ``model_id`` in (empty when the
    catalog has no geographic profile for it, which says nothing about where it is served)."""
    catalog = globals().get("BedrockModels")
    if catalog is None:
        return frozenset()
    regions: set[str] = set()
    for model in catalog.all():
        if (
            isinstance(model, CrossRegionInferenceProfile)
            and model.foundation_model.model_id == model_id
            and not model.is_global
        ):
            regions.update(region for targets in model.routes.values() for region in targets)
    return frozenset(regions)


def _words(model_id: str) -> list[str]:
    """The words of a model id, without its numbers: ``anthropic.claude-sonnet-4-5-2025-v1:0`` gives
    ``anthropic, claude, sonnet, v``."""
    return [word for word in re.split(r"[-.:0-9]+", model_id) if word]


def _edits(a: str, b: str) -> int:
    """The Levenshtein distance of two short words."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _misspelt(value: str) -> str | None:
    """The catalog id ``value`` looks like a misspelling of: its words (numbers aside) are a catalog
    id's but for one word a slip away (``sonet`` for ``sonnet``, ``pr`` for ``pro``). Ids whose words
    are all a catalog id's (another date or version: ``claude-3-5-sonnet-20240620``, ``titan-embed-text-v1``)
    or that extend a catalog id (``amazon.nova-pro-v1:0:300k``) are other models, not typos."""
    typed = _words(value)
    candidates: list[tuple[float, str]] = []
    for known in sorted(catalog_foundation_ids()):
        if value == known or value.startswith(known):
            return None
        words = _words(known)[: len(typed)]
        if len(words) != len(typed):
            continue
        slips = [(a, b) for a, b in zip(typed, words, strict=True) if a != b]
        if len(slips) == 1 and _edits(*slips[0]) <= max(1, len(slips[0][1]) // 4):
            candidates.append((difflib.SequenceMatcher(None, value, known[: len(value)]).ratio(), known))
    return max(candidates)[1] if candidates else None


def _literal_regions(argument: str, values: Iterable[str]) -> tuple[str, ...]:
    """``values`` as a tuple of literal region names, each checked by index; routing needs them literal."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise TypeError(
            f"{argument} must be a list of region names, got {values!r} ({type(values).__name__})"
        )
    regions = tuple(values)
    for index, region in enumerate(regions):
        require_region(f"{argument}[{index}]", region)
        if is_token(region):
            raise ValueError(
                f"{argument}[{index}]: a deploy-time value cannot key a routing table; name the region, e.g. 'us-east-1'"
            )
    require_unique(argument, regions)
    return regions


def _served_by(model: BedrockModel) -> BedrockModel:
    """The model whose routing decides where ``model`` can be called from."""
    while isinstance(model, ApplicationInferenceProfileModel):
        model = model.source
    return model


def _from_aws_cdk_lib(argument: str, model: Any) -> Any:
    """aws-cdk-lib's ``aws_bedrock.FoundationModel`` (``FoundationModel.from_foundation_model_id``) as
    this library's model: the catalog entry for its id, or a :class:`FoundationModel`. Anything else is
    returned as it is (and checked by the caller)."""
    from aws_cdk import aws_bedrock

    if isinstance(model, aws_bedrock.FoundationModel):
        return BedrockModels.resolve(model.model_id, argument=argument)
    return model


def require_models(
    argument: str, models: Sequence[BedrockModel], *, scope: IConstruct | None = None, fix: str = ""
) -> tuple[BedrockModel, ...]:
    """Return ``models`` if it is a non-empty list of distinct model references, each callable from
    ``scope``'s region (when ``scope`` is given); raise naming ``argument[index]`` otherwise."""
    require_non_empty(
        argument, models, fix or "name at least one approved model, e.g. BedrockModels.US_AMAZON_NOVA_PRO"
    )
    models = [_from_aws_cdk_lib(f"{argument}[{index}]", model) for index, model in enumerate(models)]
    for index, model in enumerate(models):
        require_type(f"{argument}[{index}]", model, BedrockModel, "a BedrockModel (see BedrockModels)")
    require_unique(argument, [m.model_id for m in models])
    if scope is not None:
        catalog = catalog_foundation_ids()
        for index, model in enumerate(models):
            if model.foundation_model.model_id not in catalog:
                Annotations.of(scope).add_warning_v2(
                    "secure-bedrock:model-not-in-catalog",
                    f"{argument}[{index}]: {model.foundation_model.model_id!r} is not in the library's catalog: "
                    "check that Bedrock has it in this region (aws bedrock list-foundation-models), or the "
                    "deploy succeeds and every call fails",
                )
        region = Stack.of(scope).region
        for index, model in enumerate(models):
            routed = _served_by(model)
            if isinstance(routed, FoundationModel) and not is_token(region):
                served_in = catalog_regions(routed.model_id)
                if served_in and region not in served_in:
                    Annotations.of(scope).add_warning_v2(
                        "secure-bedrock:model-not-in-region",
                        f"{argument}[{index}]: the catalog's profiles serve {routed.model_id!r} in "
                        f"{', '.join(sorted(served_in))}, not in {region}: check that Bedrock offers it there "
                        "(aws bedrock list-foundation-models), or choose a cross-region profile callable from "
                        f"{region}",
                    )
            if not isinstance(routed, CrossRegionInferenceProfile):
                continue
            if is_token(region):
                raise ValueError(
                    f"{argument}[{index}]: {model.model_id!r} is a cross-region inference profile, whose ARNs "
                    "depend on the region: give the stack a concrete region (env=Environment(region='us-east-1'))"
                )
            if region not in routed.routes:
                raise ValueError(
                    f"{argument}[{index}]: model {model.model_id!r} cannot be called from {region}; it is available "
                    f"from {', '.join(routed.routes)}. Deploy the stack to one of those regions or choose another profile"
                )
    return tuple(models)


def split_profile_id(argument: str, value: str) -> tuple[str, FoundationModel]:
    """Split ``us.anthropic.claude-...`` into its geography and foundation model."""
    require_type(argument, value, str, "an inference profile id string")
    match = _GEOGRAPHIC_PROFILE_ID.match(value)
    if not match or match.group("geo") not in GEOGRAPHIES:
        raise ValueError(
            f"{argument}: {value!r} is not a cross-region inference profile id; ids start with one of "
            f"{', '.join(g + '.' for g in GEOGRAPHIES)} followed by a foundation-model id"
        )
    try:
        model = FoundationModel(match.group("model"))
    except ValueError:
        raise ValueError(
            f"{argument}: {value!r} is not a cross-region inference profile id; after the "
            f"'{match.group('geo')}.' prefix comes a foundation-model id like 'anthropic.claude-sonnet-4-5-20250929-v1:0'"
        ) from None
    return match.group("geo"), model


# Region groups as published in the user guide's inference-profile tables.
_US3 = ("us-east-1", "us-east-2", "us-west-2")
_EU6 = ("eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3")
_EU4 = ("eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3")
_AP8 = (
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-4",
)
_GLOBAL_SONNET_4_5_SOURCES = (
    "af-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
_GLOBAL_HAIKU_4_5_SOURCES = tuple(
    sorted({*_GLOBAL_SONNET_4_5_SOURCES} - {"af-south-1", "ca-west-1"} | {"me-south-1"})
)

_SONNET_4_5 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
_HAIKU_4_5 = "anthropic.claude-haiku-4-5-20251001-v1:0"
_SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0"
_CLAUDE_SOURCES_US = ("ca-central-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2")
_CLAUDE_SOURCES_EU = (*_EU6, "eu-central-2", "eu-west-2")
_NOVA_SOURCES_EU = ("eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3")


class BedrockModels:
    """A small catalog of models and inference profiles, with :meth:`resolve` for ids from settings.

    Prefer geographic profiles (``US_…``, ``EU_…``) for regulated data: they keep requests inside
    one geography, whereas ``GLOBAL_…`` profiles may serve them in any commercial region.
    """

    # Foundation models invoked in-region.
    AMAZON_TITAN_EMBED_TEXT_V2 = FoundationModel("amazon.titan-embed-text-v2:0")
    AMAZON_NOVA_PRO = FoundationModel("amazon.nova-pro-v1:0")
    AMAZON_NOVA_LITE = FoundationModel("amazon.nova-lite-v1:0")
    AMAZON_NOVA_MICRO = FoundationModel("amazon.nova-micro-v1:0")
    COHERE_EMBED_ENGLISH_V3 = FoundationModel("cohere.embed-english-v3")
    COHERE_EMBED_MULTILINGUAL_V3 = FoundationModel("cohere.embed-multilingual-v3")

    # Anthropic Claude Sonnet 4.5.
    US_ANTHROPIC_CLAUDE_SONNET_4_5 = CrossRegionInferenceProfile.of(
        f"us.{_SONNET_4_5}", source_regions=_CLAUDE_SOURCES_US, destination_regions=_US3
    )
    EU_ANTHROPIC_CLAUDE_SONNET_4_5 = CrossRegionInferenceProfile.of(
        f"eu.{_SONNET_4_5}", source_regions=_CLAUDE_SOURCES_EU, destination_regions=_EU6
    )
    JP_ANTHROPIC_CLAUDE_SONNET_4_5 = CrossRegionInferenceProfile.of(
        f"jp.{_SONNET_4_5}",
        source_regions=("ap-northeast-1", "ap-northeast-3"),
        destination_regions=("ap-northeast-1", "ap-northeast-3"),
    )
    AU_ANTHROPIC_CLAUDE_SONNET_4_5 = CrossRegionInferenceProfile.of(
        f"au.{_SONNET_4_5}",
        source_regions=("ap-southeast-2", "ap-southeast-4"),
        destination_regions=("ap-southeast-2", "ap-southeast-4"),
    )
    GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5 = CrossRegionInferenceProfile.of(
        f"global.{_SONNET_4_5}", source_regions=_GLOBAL_SONNET_4_5_SOURCES
    )

    # Anthropic Claude Haiku 4.5.
    US_ANTHROPIC_CLAUDE_HAIKU_4_5 = CrossRegionInferenceProfile.of(
        f"us.{_HAIKU_4_5}", source_regions=_CLAUDE_SOURCES_US, destination_regions=_US3
    )
    EU_ANTHROPIC_CLAUDE_HAIKU_4_5 = CrossRegionInferenceProfile.of(
        f"eu.{_HAIKU_4_5}", source_regions=_CLAUDE_SOURCES_EU, destination_regions=_EU6
    )
    GLOBAL_ANTHROPIC_CLAUDE_HAIKU_4_5 = CrossRegionInferenceProfile.of(
        f"global.{_HAIKU_4_5}", source_regions=_GLOBAL_HAIKU_4_5_SOURCES
    )

    # Anthropic Claude Sonnet 4.
    US_ANTHROPIC_CLAUDE_SONNET_4 = CrossRegionInferenceProfile.of(
        f"us.{_SONNET_4}", source_regions=(*_US3, "us-west-1"), destination_regions=_US3
    )
    EU_ANTHROPIC_CLAUDE_SONNET_4 = CrossRegionInferenceProfile.of(
        f"eu.{_SONNET_4}", source_regions=(*_EU6, "il-central-1"), destination_regions=_EU6
    )
    APAC_ANTHROPIC_CLAUDE_SONNET_4 = CrossRegionInferenceProfile.of(
        f"apac.{_SONNET_4}", source_regions=_AP8, destination_regions=_AP8
    )
    GLOBAL_ANTHROPIC_CLAUDE_SONNET_4 = CrossRegionInferenceProfile.of(
        f"global.{_SONNET_4}",
        source_regions=("ap-northeast-1", "eu-west-1", "us-east-1", "us-east-2", "us-west-2"),
    )

    # Anthropic Claude 3.5 Haiku.
    US_ANTHROPIC_CLAUDE_3_5_HAIKU = CrossRegionInferenceProfile.of(
        "us.anthropic.claude-3-5-haiku-20241022-v1:0", source_regions=_US3, destination_regions=_US3
    )

    # Amazon Nova.
    US_AMAZON_NOVA_PRO = CrossRegionInferenceProfile.of(
        "us.amazon.nova-pro-v1:0", source_regions=(*_US3, "us-west-1"), destination_regions=_US3
    )
    US_AMAZON_NOVA_LITE = CrossRegionInferenceProfile.of(
        "us.amazon.nova-lite-v1:0", source_regions=(*_US3, "us-west-1"), destination_regions=_US3
    )
    US_AMAZON_NOVA_MICRO = CrossRegionInferenceProfile.of(
        "us.amazon.nova-micro-v1:0", source_regions=_US3, destination_regions=_US3
    )
    EU_AMAZON_NOVA_PRO = CrossRegionInferenceProfile.of(
        "eu.amazon.nova-pro-v1:0", source_regions=_NOVA_SOURCES_EU, destination_regions=_EU4
    )
    EU_AMAZON_NOVA_LITE = CrossRegionInferenceProfile.of(
        "eu.amazon.nova-lite-v1:0", source_regions=_NOVA_SOURCES_EU, destination_regions=_EU4
    )
    EU_AMAZON_NOVA_MICRO = CrossRegionInferenceProfile.of(
        "eu.amazon.nova-micro-v1:0", source_regions=_NOVA_SOURCES_EU, destination_regions=_EU4
    )

    # Meta Llama.
    US_META_LLAMA_3_3_70B_INSTRUCT = CrossRegionInferenceProfile.of(
        "us.meta.llama3-3-70b-instruct-v1:0", source_regions=_US3, destination_regions=_US3
    )

    @classmethod
    def all(cls) -> tuple[BedrockModel, ...]:
        """Every model reference in the catalog."""
        return tuple(value for value in vars(cls).values() if isinstance(value, BedrockModel))

    @classmethod
    def resolve(cls, model_id: str, *, argument: str = "model_id") -> BedrockModel:
        """The catalog entry for ``model_id``, or a :class:`FoundationModel` for any other valid model id.

        Inference-profile ids must be in the catalog, because their routing cannot be derived from
        the id; define others with :meth:`CrossRegionInferenceProfile.of`.

        :param model_id: a foundation-model or inference-profile id.
        :param argument: the name to use in error messages.
        """
        require_type(argument, model_id, str, "a model id string such as 'us.amazon.nova-pro-v1:0'")
        for model in cls.all():
            if model.model_id == model_id:
                return model
        prefix = model_id.split(".", 1)[0]
        if prefix in GEOGRAPHIES:
            split_profile_id(argument, model_id)
            known = sorted(m.model_id for m in cls.all() if isinstance(m, CrossRegionInferenceProfile))
            raise ValueError(
                f"{argument}: inference profile {model_id!r} is not in the catalog, so its destination regions "
                "are unknown; define it with CrossRegionInferenceProfile.of(profile_id, source_regions=..., "
                f"destination_regions=...) or use one of: {', '.join(known)}"
            )
        return FoundationModel(validate_foundation_model_id(argument, model_id))
