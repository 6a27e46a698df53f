"""secure-bedrock: AWS CDK constructs for secure, HIPAA-ready Amazon Bedrock landing zones."""

from secure_bedrock.acknowledgements import acknowledge
from secure_bedrock.landing_zone import SecureBedrockLandingZone
from secure_bedrock.models import (
    GEOGRAPHIES,
    BedrockModel,
    BedrockModels,
    CrossRegionInferenceProfile,
    FoundationModel,
    ModelArns,
)
from secure_bedrock.network import DEFAULT_SERVICES, BedrockEndpointService, BedrockPrivateNetwork

__all__ = [
    "DEFAULT_SERVICES",
    "GEOGRAPHIES",
    "BedrockEndpointService",
    "BedrockModel",
    "BedrockModels",
    "BedrockPrivateNetwork",
    "CrossRegionInferenceProfile",
    "FoundationModel",
    "ModelArns",
    "SecureBedrockLandingZone",
    "acknowledge",
]
