"""Model references produce exactly the ARNs that IAM and endpoint policies need."""

from __future__ import annotations

import re

import botocore.session
import pytest
from aws_cdk import Stack

from secure_bedrock import BedrockModels, CrossRegionInferenceProfile, FoundationModel
from secure_bedrock.models import FOUNDATION_MODEL_ID_PATTERN, GEOGRAPHIES
from tests.conftest import resolve

BEDROCK = botocore.session.get_session().get_service_model("bedrock")
# The plain-id alternative of botocore's GetFoundationModelIdentifier pattern (the part after the ARN form).
BOTOCORE_MODEL_ID = re.compile(
    "^(?:"
    + BEDROCK.shape_for("GetFoundationModelIdentifier").metadata["pattern"].split(")|(", 1)[1].rstrip(")")
    + ")$"
)
BOTOCORE_PROFILE_ID = re.compile("^(?:" + BEDROCK.shape_for("InferenceProfileId").metadata["pattern"] + ")$")

SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def arns(stack: Stack, values: tuple[str, ...]) -> set[str]:
    return {resolve(stack, value) for value in values}


def fm(region: str, model: str = SONNET) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


def profile(profile_id: str, region: str = "us-east-1") -> dict:
    return {
        "Fn::Join": [
            "",
            [f"arn:aws:bedrock:{region}:", {"Ref": "AWS::AccountId"}, f":inference-profile/{profile_id}"],
        ]
    }


VALID_IDS = [
    "amazon.titan-embed-text-v2:0",
    "anthropic.claude-3-sonnet-20240229-v1:0:28k",
    "meta.llama3-3-70b-instruct-v1:0",
    "cohere.embed-english-v3",
    "openai.gpt-oss-120b-1:0",
    "amazon.nova-2-lite-v1:0",
]
INVALID_IDS = [
    "",
    "anthropic",
    "Anthropic.Claude",
    "anthropic.claude v1",
    "anthropic..claude",
    "a.b:c:d:e",
    "x" * 70 + ".y",
]


@pytest.mark.parametrize("model_id", VALID_IDS + INVALID_IDS)
def test_model_id_pattern_agrees_with_botocore(model_id: str) -> None:
    assert bool(FOUNDATION_MODEL_ID_PATTERN.match(model_id)) == bool(BOTOCORE_MODEL_ID.match(model_id))


@pytest.mark.parametrize("model_id", VALID_IDS)
def test_foundation_model_accepts_any_valid_id(model_id: str) -> None:
    assert FoundationModel(model_id).model_id == model_id


def test_catalog_profile_ids_match_botocore_and_route_back_to_their_source() -> None:
    profiles = [m for m in BedrockModels.all() if isinstance(m, CrossRegionInferenceProfile)]
    assert len(profiles) >= 15
    for model in profiles:
        assert BOTOCORE_PROFILE_ID.match(model.model_id), model.model_id
        for source in model.source_regions:
            destinations = model.destination_regions(source)
            assert (destinations == ()) == model.is_global
            assert model.is_global or source in destinations


def test_geographic_profile_names_profile_and_every_destination(stack: Stack) -> None:
    result = BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5.arns(stack)
    assert [resolve(stack, a) for a in result.profile_arns] == [profile(f"us.{SONNET}")]
    assert arns(stack, result.foundation_model_arns) == {fm("us-east-1"), fm("us-east-2"), fm("us-west-2")}


def test_destinations_depend_on_the_source_region(make_stack) -> None:
    stack = make_stack(region="us-west-1")
    result = BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5.arns(stack)
    assert arns(stack, result.foundation_model_arns) == {
        fm(r) for r in ("us-east-1", "us-east-2", "us-west-1", "us-west-2")
    }


def test_global_profile_names_source_region_and_regionless_model(make_stack) -> None:
    stack = make_stack(region="eu-west-1")
    result = BedrockModels.GLOBAL_ANTHROPIC_CLAUDE_SONNET_4_5.arns(stack)
    assert [resolve(stack, a) for a in result.profile_arns] == [profile(f"global.{SONNET}", "eu-west-1")]
    assert arns(stack, result.foundation_model_arns) == {
        fm("eu-west-1"),
        f"arn:aws:bedrock:::foundation-model/{SONNET}",
    }


def test_foundation_model_is_in_region_and_works_in_region_agnostic_stacks(make_stack) -> None:
    stack = make_stack(region=None)
    result = BedrockModels.AMAZON_TITAN_EMBED_TEXT_V2.arns(stack)
    assert result.profile_arns == ()
    (arn,) = result.foundation_model_arns
    assert resolve(stack, arn) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                "::foundation-model/amazon.titan-embed-text-v2:0",
            ],
        ]
    }


def test_custom_profile_with_of() -> None:
    custom = CrossRegionInferenceProfile.of(
        "eu.mistral.pixtral-large-2502-v1:0",
        source_regions=["eu-west-1"],
        destination_regions=["eu-central-1"],
    )
    assert custom.model_id == "eu.mistral.pixtral-large-2502-v1:0"
    assert custom.foundation_model.model_id == "mistral.pixtral-large-2502-v1:0"
    assert custom.destination_regions("eu-west-1") == ("eu-central-1", "eu-west-1")


def test_resolve_returns_catalog_entries_and_accepts_any_foundation_model() -> None:
    assert BedrockModels.resolve(f"us.{SONNET}") is BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5
    assert BedrockModels.resolve("writer.palmyra-x5-v1:0") == FoundationModel("writer.palmyra-x5-v1:0")


def test_geographies_cover_the_published_prefixes() -> None:
    assert set(GEOGRAPHIES) == {"us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"}


@pytest.mark.parametrize(
    ("model_id", "message"),
    [
        ("anthropic", r"models\[2\]: 'anthropic' is not a Bedrock model id"),
        ("Anthropic.Claude-v1", r"models\[2\]: 'Anthropic.Claude-v1' is not a Bedrock model id"),
        (
            "us.acme.unknown-v1:0",
            r"models\[2\]: inference profile 'us.acme.unknown-v1:0' is not in the catalog",
        ),
        ("anthropic.claude_v1", r"models\[2\]: 'anthropic.claude_v1' is not a Bedrock model id"),
        ("us.Bad Id", r"models\[2\]: 'us.Bad Id' is not a cross-region inference profile id"),
        ("eu.claude", r"models\[2\]: 'eu.claude' is not a cross-region inference profile id"),
    ],
)
def test_fails_on_unknown_or_malformed_ids(model_id: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BedrockModels.resolve(model_id, argument="models[2]")


def test_fails_on_non_string_id() -> None:
    with pytest.raises(TypeError, match=r"models\[0\] must be a model id string"):
        BedrockModels.resolve(42, argument="models[0]")  # type: ignore[arg-type]


def test_fails_when_profile_is_called_from_a_region_it_does_not_serve(make_stack) -> None:
    with pytest.raises(
        ValueError, match=r"cannot be called from eu-west-1; it is available from ca-central-1, us-east-1"
    ):
        BedrockModels.US_ANTHROPIC_CLAUDE_SONNET_4_5.arns(make_stack(region="eu-west-1"))


def test_fails_when_profile_is_used_in_a_region_agnostic_stack(make_stack) -> None:
    with pytest.raises(ValueError, match=r"give the stack a concrete region"):
        BedrockModels.US_AMAZON_NOVA_PRO.arns(make_stack(region=None))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"source_regions": ["moon-1"], "destination_regions": ["us-east-1"]},
            r"'moon-1' is not an AWS region",
        ),
        ({"source_regions": [], "destination_regions": ["us-east-1"]}, r"name at least one source region"),
        (
            {"source_regions": ["us-east-1"], "destination_regions": ["nowhere"]},
            r"'nowhere' is not an AWS region",
        ),
    ],
)
def test_fails_on_bad_custom_routing(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CrossRegionInferenceProfile.of("us.acme.model-v1:0", **kwargs)


def test_fails_when_a_profile_id_is_used_as_a_foundation_model() -> None:
    with pytest.raises(ValueError, match=r"model_id: 'us.amazon.nova-pro-v1:0' is an inference profile id"):
        FoundationModel("us.amazon.nova-pro-v1:0")


def test_fails_on_unknown_geography() -> None:
    with pytest.raises(ValueError, match=r"geography: 'mars' is not a cross-region inference profile prefix"):
        CrossRegionInferenceProfile(
            geography="mars", model=FoundationModel("acme.m-v1:0"), routes={"us-east-1": ("us-east-1",)}
        )


# --- found by the property tests (tests/test_properties.py) -----------------------------------------


@pytest.mark.parametrize(
    ("routing", "error", "message"),
    [
        ({"source_regions": "us-east-1"}, TypeError, r"source_regions must be a list of region names"),
        ({"source_regions": 5}, TypeError, r"source_regions must be a list of region names"),
        ({"source_regions": [["us-east-1"]]}, TypeError, r"source_regions\[0\] must be an AWS region name"),
        (
            {"source_regions": ["us-east-1\n"]},
            ValueError,
            r"source_regions\[0\]: 'us-east-1\\n' is not an AWS region",
        ),
        (
            {"source_regions": ["us-east-1", "us-east-1"]},
            ValueError,
            r"source_regions\[1\]: 'us-east-1' repeats",
        ),
        (
            {"destination_regions": "us-west-2"},
            TypeError,
            r"destination_regions must be a list of region names",
        ),
    ],
)
def test_fails_on_routing_that_is_not_a_list_of_region_names(
    routing: dict, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        CrossRegionInferenceProfile.of(
            "us.example.model-v1:0", **{"source_regions": ["us-east-1"], **routing}
        )


def test_fails_on_a_deploy_time_source_region() -> None:
    from aws_cdk import Aws

    with pytest.raises(
        ValueError, match=r"source_regions\[0\]: a deploy-time value cannot key a routing table"
    ):
        CrossRegionInferenceProfile.of("us.example.model-v1:0", source_regions=[Aws.REGION])


def test_fails_on_destinations_for_a_global_profile() -> None:
    with pytest.raises(
        ValueError, match=r"destination_regions: profile_id 'global.example.model-v1:0' is a global"
    ):
        CrossRegionInferenceProfile.of(
            "global.example.model-v1:0", source_regions=["us-east-1"], destination_regions=["us-west-2"]
        )


@pytest.mark.parametrize("model_id", ["amazon.nova-pro-v1:0\n", "amazon.nova-pro-v\u0661:0"])
def test_fails_on_ids_with_a_trailing_newline_or_other_scripts_digits(model_id: str) -> None:
    with pytest.raises(ValueError, match=r"model_id: .* is not a Bedrock model id"):
        FoundationModel(model_id)


def test_fails_on_an_application_profile_arn_that_is_not_one(make_stack) -> None:
    from aws_cdk import Token

    from secure_bedrock import ApplicationInferenceProfileModel

    with pytest.raises(ValueError, match=r"arn: 'abc123' is not an application inference profile ARN"):
        ApplicationInferenceProfileModel("abc123", BedrockModels.US_AMAZON_NOVA_PRO)
    with pytest.raises(TypeError, match=r"arn must be an application inference profile ARN"):
        ApplicationInferenceProfileModel(5, BedrockModels.US_AMAZON_NOVA_PRO)  # type: ignore[arg-type]
    # A deploy-time ARN (the profile's GetAtt) is what callers usually pass.
    ApplicationInferenceProfileModel(Token.as_string({"Ref": "Profile"}), BedrockModels.US_AMAZON_NOVA_PRO)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("anthropic.claude-sonet-4-5", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("amazon.nova-pr-v1:0", "amazon.nova-pro-v1:0"),
        ("amazon.titan-embed-txt-v2:0", "amazon.titan-embed-text-v2:0"),
    ],
)
def test_a_misspelt_model_id_gets_did_you_mean(typed: str, meant: str) -> None:
    for make in (FoundationModel, BedrockModels.resolve):
        with pytest.raises(
            ValueError,
            match=rf"{re.escape(repr(typed))} is not a model Bedrock knows \(did you mean {re.escape(repr(meant))}\?\)",
        ):
            make(typed)


@pytest.mark.parametrize(
    "other_model",
    [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",  # another date and version of a catalog model
        "amazon.titan-embed-text-v1",
        "amazon.nova-pro-v1:0:300k",  # a catalog id, extended
        "amazon.nova-lite-v1:0",  # another word, not a slip
        "cohere.command-r-plus-v1:0",
    ],
)
def test_other_models_are_not_taken_for_typos(other_model: str) -> None:
    assert FoundationModel(other_model).id == other_model


def test_a_model_outside_the_catalog_is_accepted_with_a_warning(stack) -> None:
    from aws_cdk.assertions import Annotations, Match

    from secure_bedrock import BedrockPrivateNetwork

    BedrockPrivateNetwork(stack, "Network", models=[FoundationModel("cohere.command-r-plus-v1:0")])
    Annotations.from_stack(stack).has_warning(
        "*", Match.string_like_regexp("'cohere.command-r-plus-v1:0' is not in the library's catalog")
    )


def test_a_catalog_model_outside_its_known_regions_gets_a_warning() -> None:
    from aws_cdk import App, Environment, Stack
    from aws_cdk.assertions import Annotations, Match

    from secure_bedrock import BedrockPrivateNetwork

    app = App()
    africa = Stack(app, "Africa", env=Environment(region="af-south-1"))
    virginia = Stack(app, "Virginia", env=Environment(region="us-east-1"))
    for stack in (africa, virginia):
        BedrockPrivateNetwork(stack, "Network", models=[BedrockModels.AMAZON_NOVA_PRO])
    Annotations.from_stack(africa).has_warning(
        "*", Match.string_like_regexp(r"serve 'amazon.nova-pro-v1:0' in .*us-east-1.*, not in af-south-1")
    )
    Annotations.from_stack(virginia).has_no_warning("*", Match.string_like_regexp("not in us-east-1"))


@pytest.mark.parametrize(
    ("region", "message"),
    [
        (
            "us-east-9",
            r"'us-east-9' is not an AWS region name \(did you mean 'us-east-\d'\?\).*newer aws-cdk-lib",
        ),
        ("us-est-1", r"'us-est-1' is not an AWS region name \(did you mean"),
        ("mars-1", r"'mars-1' is not an AWS region name; use a name such as 'us-east-1'"),
    ],
)
def test_an_unknown_region_is_refused(region: str, message: str) -> None:
    from secure_bedrock._validation import require_region

    with pytest.raises(ValueError, match=message):
        require_region("region", region)
    assert require_region("region", "eusc-de-east-1") == "eusc-de-east-1"  # every region aws-cdk-lib knows


def test_aws_cdk_libs_own_bedrock_model_objects_are_accepted(stack) -> None:
    from aws_cdk import aws_bedrock as bedrock
    from aws_cdk import aws_iam as iam

    from secure_bedrock import BedrockInvokerRole, BedrockPrivateNetwork

    theirs = bedrock.FoundationModel.from_foundation_model_id(
        stack, "Nova", bedrock.FoundationModelIdentifier.AMAZON_NOVA_PRO_V1_0
    )
    network = BedrockPrivateNetwork(stack, "Network", models=[theirs])
    assert network.models == (BedrockModels.resolve("amazon.nova-pro-v1:0"),)
    role = BedrockInvokerRole(stack, "Invoker", assumed_by=iam.AccountRootPrincipal(), models=[theirs])
    assert role.role is not None
