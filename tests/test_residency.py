"""Data residency: every approved model's routing and the guardrail's profile held to a set of regions
at synth, per kind of model reference, with the way back inside in the error."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack

from secure_bedrock import BedrockModels, GuardrailOptions, SecureBedrockLandingZone
from secure_bedrock.residency import Residency, regions_of


def zone(region: str, residency: object, models: list, **kwargs: object) -> SecureBedrockLandingZone:
    stack = Stack(App(), "Zone", env=Environment(region=region))
    return SecureBedrockLandingZone(stack, "LandingZone", models=models, residency=residency, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("region", "residency", "model"),
    [
        ("us-east-1", ["us-east-1"], BedrockModels.AMAZON_NOVA_PRO),  # in-region
        ("us-east-1", "us", BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5),  # geographic
        ("eu-central-1", "eu", BedrockModels.EU_AMAZON_NOVA_PRO),
        ("us-east-1", ["us-east-1", "us-east-2", "us-west-2"], BedrockModels.US_AMAZON_NOVA_PRO),
    ],
)
def test_models_that_stay_inside_are_accepted(region: str, residency: object, model: object) -> None:
    created = zone(region, residency, [model])
    assert created.residency is not None
    assert region in created.residency.regions


@pytest.mark.parametrize(
    ("region", "residency", "model", "message"),
    [
        (
            "us-east-1",
            ["us-east-1", "us-east-2"],
            BedrockModels.US_AMAZON_NOVA_PRO,
            r"models\[0\]: 'us.amazon.nova-pro-v1:0' called from us-east-1 may be served in us-west-2, outside "
            r"us-east-1, us-east-2; use 'amazon.nova-pro-v1:0' \(in-region, where Bedrock offers it on demand\) "
            r"instead",
        ),
        (
            "us-east-1",
            "us",
            BedrockModels.GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5,
            r"models\[0\]: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' called from us-east-1 may be "
            r"served in any commercial region \(a global profile\), outside the 'us' geography; use "
            r".*'us.anthropic.claude-sonnet-4-5-20250929-v1:0' instead",
        ),
        (
            "eu-central-1",
            ["eu-central-1"],
            BedrockModels.EU_ANTHROPIC_CLAUDE_HAIKU_4_5,
            r"models\[0\]: 'eu.anthropic.claude-haiku-4-5.*' called from eu-central-1 may be served in eu-",
        ),
        (
            "us-east-1",
            "eu",
            BedrockModels.AMAZON_NOVA_PRO,
            r"residency: the stack's region us-east-1 is outside the 'eu' geography; deploy the landing zone "
            r"to one of eu-central-1",
        ),
    ],
)
def test_a_model_routing_outside_is_refused_with_the_way_back(
    region: str, residency: object, model: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        zone(region, residency, [model])


def test_a_guardrail_profile_is_held_to_the_residency_too() -> None:
    inside = GuardrailOptions(
        cross_region_profile="us.guardrail.v1:0", cross_region_destinations=["us-east-2"]
    )
    zone("us-east-1", "us", [BedrockModels.AMAZON_NOVA_PRO], guardrail=inside)
    outside = GuardrailOptions(
        cross_region_profile="us.guardrail.v1:0", cross_region_destinations=["us-east-2", "us-west-2"]
    )
    with pytest.raises(
        ValueError,
        match=r"guardrail.cross_region_destinations: the guardrail profile evaluates content in us-west-2, outside "
        r"us-east-1, us-east-2",
    ):
        zone("us-east-1", ["us-east-1", "us-east-2"], [BedrockModels.AMAZON_NOVA_PRO], guardrail=outside)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("europe", r"residency: 'europe' is not a geography; use one of us, us-gov, eu"),
        ("euu", r"residency: 'euu' is not a geography \(did you mean 'eu'\?\)"),
        ([], r"residency: name at least one region"),
        (["eu-west-9"], r"residency\[0\]: 'eu-west-9' is not an AWS region name"),
        (3, r"residency must be a geography such as 'eu' or a list of region names"),
    ],
)
def test_a_wrong_residency_is_refused(value: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        Residency.of(value)  # type: ignore[arg-type]


def test_geographies_are_the_regions_aws_cdk_lib_knows() -> None:
    assert regions_of("us") == {"us-east-1", "us-east-2", "us-west-1", "us-west-2"}
    assert "us-gov-west-1" in regions_of("us-gov")
    assert not any("gov" in region for region in regions_of("us"))
    assert {"eu-central-1", "eu-west-1", "eu-west-2", "eu-central-2"} <= regions_of("eu")
    assert regions_of("jp") == {"ap-northeast-1", "ap-northeast-3"}
    # Every geographic profile of the catalog stays inside its own geography (and the caller's own
    # region, which a request may be served in) from each source region.
    for model in BedrockModels.all():
        geography = getattr(model, "geography", None)
        if geography in ("us", "eu", "jp", "au", "apac", "ca"):
            for source, destinations in model.routes.items():  # type: ignore[attr-defined]
                assert set(destinations) <= regions_of(geography) | {source}, (model.model_id, source)
