"""secure-bedrock: AWS CDK constructs for secure, HIPAA-ready Amazon Bedrock landing zones."""

from secure_bedrock.access import BedrockAuditor
from secure_bedrock.acknowledgements import acknowledge, acknowledge_wildcard_resources
from secure_bedrock.audit import BEDROCK_DATA_EVENT_TYPES, BedrockAuditTrail
from secure_bedrock.functions import HardenedFunction
from secure_bedrock.invocation_logging import ModelInvocationLogging
from secure_bedrock.landing_zone import INVOCATION_LOG_DATA_TYPES, SecureBedrockLandingZone
from secure_bedrock.models import (
    GEOGRAPHIES,
    BedrockModel,
    BedrockModels,
    CrossRegionInferenceProfile,
    FoundationModel,
    ModelArns,
)
from secure_bedrock.network import DEFAULT_SERVICES, BedrockEndpointService, BedrockPrivateNetwork
from secure_bedrock.storage import ObjectLock, SecureLogBucket

__all__ = [
    "BEDROCK_DATA_EVENT_TYPES",
    "DEFAULT_SERVICES",
    "GEOGRAPHIES",
    "INVOCATION_LOG_DATA_TYPES",
    "BedrockAuditTrail",
    "BedrockAuditor",
    "BedrockEndpointService",
    "BedrockModel",
    "BedrockModels",
    "BedrockPrivateNetwork",
    "CrossRegionInferenceProfile",
    "FoundationModel",
    "HardenedFunction",
    "ModelArns",
    "ModelInvocationLogging",
    "ObjectLock",
    "SecureBedrockLandingZone",
    "SecureLogBucket",
    "acknowledge",
    "acknowledge_wildcard_resources",
]
