"""Data residency: the regions where prompts, responses and guardrail evaluations may be processed.

A cross-region inference profile sends a request to any region it routes to from the caller's
region; a global profile to any commercial region; a cross-region guardrail profile evaluates in its
destination regions. :func:`check_residency` holds every approved model and the guardrail to a set
of regions at synth: a model that would route outside is an error that names the regions it would
reach and the approved alternatives that stay inside (the catalog's other profiles of the same
foundation model, or the model in-region).

The set is given as region names or a geography: ``us`` (``us-*`` but GovCloud), ``us-gov``, ``eu``
(``eu-*``), ``ca`` (``ca-*``), ``apac`` (``ap-*``), ``jp`` (Tokyo and Osaka) and ``au`` (Sydney and
Melbourne), matched against the regions aws-cdk-lib knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from secure_bedrock._validation import did_you_mean, known_regions, require_region, require_type
from secure_bedrock.models import (
    ApplicationInferenceProfileModel,
    BedrockModel,
    BedrockModels,
    CrossRegionInferenceProfile,
)

#: Geographies whose regions are not all named by one prefix: the AWS regions in that country.
_COUNTRY_REGIONS = {
    "jp": ("ap-northeast-1", "ap-northeast-3"),  # Tokyo, Osaka
    "au": ("ap-southeast-2", "ap-southeast-4"),  # Sydney, Melbourne
}
#: Geographies named by the prefix of their regions' names.
_PREFIXES = {"us": "us-", "us-gov": "us-gov-", "eu": "eu-", "ca": "ca-", "apac": "ap-"}
GEOGRAPHIES_OF_RESIDENCY: tuple[str, ...] = (*_PREFIXES, *_COUNTRY_REGIONS)


def regions_of(geography: str) -> frozenset[str]:
    """The regions of a geography (see the module's documentation)."""
    if geography in _COUNTRY_REGIONS:
        return frozenset(_COUNTRY_REGIONS[geography])
    prefix = _PREFIXES[geography]
    return frozenset(
        region
        for region in known_regions()
        if region.startswith(prefix)
        and (geography == "us-gov" or "-gov-" not in region)
        and "-iso" not in region
    )


#: The template metadata key where a landing zone records its residency (``described_as``, ``regions``).
RESIDENCY_METADATA = "secure-bedrock:residency"


@dataclass(frozen=True)
class Residency:
    """The regions data may be processed in. Build it with :meth:`of`."""

    regions: frozenset[str]
    described_as: str

    @classmethod
    def of(cls, value: str | Sequence[str], *, argument: str = "residency") -> Residency:
        """From a geography (``"eu"``) or a list of region names (``["eu-central-1", "eu-west-1"]``).

        :raises ValueError: naming ``argument``, for an unknown geography or region, or an empty list.
        """
        if isinstance(value, str):
            if value not in GEOGRAPHIES_OF_RESIDENCY:
                raise ValueError(
                    f"{argument}: {value!r} is not a geography{did_you_mean(value, GEOGRAPHIES_OF_RESIDENCY)}; "
                    f"use one of {', '.join(GEOGRAPHIES_OF_RESIDENCY)}, or a list of region names"
                )
            return cls(regions_of(value), f"the {value!r} geography")
        require_type(argument, value, (list, tuple), "a geography such as 'eu' or a list of region names")
        if not value:
            raise ValueError(f"{argument}: name at least one region, or a geography such as 'eu'")
        regions = [require_region(f"{argument}[{index}]", region) for index, region in enumerate(value)]
        return cls(frozenset(regions), ", ".join(sorted(regions)))

    def outside(self, regions: Iterable[str]) -> list[str]:
        """The regions of ``regions`` outside the residency, sorted."""
        return sorted(set(regions) - self.regions)


def _reach(model: BedrockModel, region: str) -> tuple[str, ...] | None:
    """The regions a call from ``region`` may be served in; ``None`` for any commercial region."""
    while isinstance(model, ApplicationInferenceProfileModel):
        model = model.source
    destinations = model.destination_regions(region)
    return destinations or None


def alternatives(model: BedrockModel, region: str, residency: Residency) -> list[str]:
    """The catalog's references to the same foundation model that a caller in ``region`` can use and
    that stay inside ``residency`` (the in-region model first, when ``region`` is inside)."""
    foundation = model.foundation_model.model_id
    found = []
    if region in residency.regions:
        found.append(foundation)
    for other in BedrockModels.all():
        if (
            not isinstance(other, CrossRegionInferenceProfile)
            or other.foundation_model.model_id != foundation
        ):
            continue
        if region not in other.routes:
            continue
        reach = _reach(other, region)
        if reach is not None and not residency.outside(reach):
            found.append(other.model_id)
    return found


def check_residency(
    residency: Residency,
    region: str,
    models: Sequence[BedrockModel],
    *,
    models_argument: str = "models",
    guardrail_destinations: Sequence[str] = (),
    guardrail_argument: str = "guardrail.cross_region_destinations",
    residency_argument: str = "residency",
) -> None:
    """Raise ``ValueError`` when the stack's region, a model's routing or the guardrail's profile would
    process data outside ``residency``, naming what reaches where and the way back inside."""
    if region not in residency.regions:
        raise ValueError(
            f"{residency_argument}: the stack's region {region} is outside {residency.described_as}; deploy "
            f"the landing zone to one of {', '.join(sorted(residency.regions))}"
        )
    for index, model in enumerate(models):
        try:
            reach = _reach(model, region)
        except ValueError as error:  # a profile that cannot be called from the region at all
            raise ValueError(f"{models_argument}[{index}]: {error}") from None
        outside = ["any commercial region (a global profile)"] if reach is None else residency.outside(reach)
        if not outside:
            continue
        inside = alternatives(model, region, residency)
        named = [
            f"{a!r} (in-region, where Bedrock offers it on demand)"
            if "." not in a.split(".", 1)[1] and a == model.foundation_model.model_id
            else repr(a)
            for a in inside
        ]
        way_out = (
            f"use {' or '.join(named)} instead"
            if inside
            else "no catalog profile of this model stays inside; remove it, or define the profile AWS "
            "publishes for your geography with CrossRegionInferenceProfile.of"
        )
        raise ValueError(
            f"{models_argument}[{index}]: {model.model_id!r} called from {region} may be served in "
            f"{', '.join(outside)}, outside {residency.described_as}; {way_out}"
        )
    outside = residency.outside(guardrail_destinations)
    if outside:
        raise ValueError(
            f"{guardrail_argument}: the guardrail profile evaluates content in {', '.join(outside)}, outside "
            f"{residency.described_as}; use a guardrail profile of the residency's geography, or none (the "
            "guardrail then runs in the stack's region)"
        )
