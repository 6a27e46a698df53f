"""secure-bedrock: AWS CDK constructs for secure, HIPAA-ready Amazon Bedrock landing zones."""

from secure_bedrock.access import (
    BedrockAdministrator,
    BedrockAuditor,
    BedrockInvokerRole,
    grant_invoke,
    invoke_statements,
)
from secure_bedrock.acknowledgements import acknowledge, acknowledge_wildcard_resources
from secure_bedrock.archive import ArchiveDestination, EvidenceArchive, EvidenceReplication
from secure_bedrock.audit import BEDROCK_DATA_EVENT_TYPES, BedrockAuditTrail
from secure_bedrock.bedrock_rules import BedrockChecks
from secure_bedrock.budgets import BedrockBudgets, BedrockTeamBudgets, TeamBudget
from secure_bedrock.functions import HardenedFunction
from secure_bedrock.guardrail import (
    PII_TYPES,
    BedrockGuardrail,
    ContentFilter,
    DeniedTopic,
    GuardrailPolicy,
    GuardrailReference,
    PiiEntity,
    RegexFilter,
)
from secure_bedrock.invocation_logging import ModelInvocationLogging
from secure_bedrock.landing_zone import (
    INVOCATION_LOG_DATA_TYPES,
    LandingZoneOptions,
    SecureBedrockLandingZone,
)
from secure_bedrock.models import (
    GEOGRAPHIES,
    ApplicationInferenceProfileModel,
    BedrockModel,
    BedrockModels,
    CrossRegionInferenceProfile,
    FoundationModel,
    ModelArns,
)
from secure_bedrock.monitoring import AlarmThresholds, BedrockMonitoring
from secure_bedrock.network import (
    DEFAULT_SERVICES,
    BedrockEndpointService,
    BedrockPrivateNetwork,
    add_encrypted_flow_logs,
)
from secure_bedrock.options import (
    AccessOptions,
    EvidenceOptions,
    GuardrailOptions,
    NetworkOptions,
    OperationsOptions,
)
from secure_bedrock.organization import (
    LANDING_ZONE_TAG,
    BedrockOrganizationGuardrails,
    OrganizationGuardrail,
)
from secure_bedrock.residency import Residency
from secure_bedrock.rollout import BaselineStackSet, RegionalStackSetStack, StackSetAssetBucket
from secure_bedrock.safe_harbor import (
    SAFE_HARBOR_IDENTIFIERS,
    SafeHarborIdentifier,
    SafeHarborRegex,
    check_portable_pattern,
)
from secure_bedrock.storage import ObjectLock, SecureLogBucket
from secure_bedrock.team_stacks import (
    TEAMS_PER_STACK,
    BedrockTeams,
    LandingZoneReference,
    team_batches,
)
from secure_bedrock.teams import BedrockTeam, TeamSpec

__all__ = [
    "BEDROCK_DATA_EVENT_TYPES",
    "DEFAULT_SERVICES",
    "GEOGRAPHIES",
    "INVOCATION_LOG_DATA_TYPES",
    "LANDING_ZONE_TAG",
    "PII_TYPES",
    "SAFE_HARBOR_IDENTIFIERS",
    "TEAMS_PER_STACK",
    "AccessOptions",
    "AlarmThresholds",
    "ApplicationInferenceProfileModel",
    "ArchiveDestination",
    "BaselineStackSet",
    "BedrockAdministrator",
    "BedrockAuditTrail",
    "BedrockAuditor",
    "BedrockBudgets",
    "BedrockChecks",
    "BedrockEndpointService",
    "BedrockGuardrail",
    "BedrockInvokerRole",
    "BedrockModel",
    "BedrockModels",
    "BedrockMonitoring",
    "BedrockOrganizationGuardrails",
    "BedrockPrivateNetwork",
    "BedrockTeam",
    "BedrockTeamBudgets",
    "BedrockTeams",
    "ContentFilter",
    "CrossRegionInferenceProfile",
    "DeniedTopic",
    "EvidenceArchive",
    "EvidenceOptions",
    "EvidenceReplication",
    "FoundationModel",
    "GuardrailOptions",
    "GuardrailPolicy",
    "GuardrailReference",
    "HardenedFunction",
    "LandingZoneOptions",
    "LandingZoneReference",
    "ModelArns",
    "ModelInvocationLogging",
    "NetworkOptions",
    "ObjectLock",
    "OperationsOptions",
    "OrganizationGuardrail",
    "PiiEntity",
    "RegexFilter",
    "RegionalStackSetStack",
    "Residency",
    "SafeHarborIdentifier",
    "SafeHarborRegex",
    "SecureBedrockLandingZone",
    "SecureLogBucket",
    "StackSetAssetBucket",
    "TeamBudget",
    "TeamSpec",
    "acknowledge",
    "acknowledge_wildcard_resources",
    "add_encrypted_flow_logs",
    "check_portable_pattern",
    "grant_invoke",
    "invoke_statements",
    "team_batches",
]
