"""Scoped IAM for people: the auditor who reads the evidence and nothing else."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from constructs import Construct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock.acknowledgements import acknowledge_wildcard_resources
from secure_bedrock.audit import BedrockAuditTrail
from secure_bedrock.invocation_logging import ModelInvocationLogging


class BedrockAuditor(Construct):
    """Read-only access to the invocation logs and the audit trail, as a managed policy and optionally a role.

    The policy reads the evidence buckets and log groups and decrypts through S3 and CloudWatch
    Logs only; it cannot invoke models, change configuration or delete anything. The library gives
    decrypt on the invocation-log key to no other person.

    Attributes: ``policy`` (attach it to an IAM Identity Center permission set or your own role),
    ``role`` (``None`` unless ``assumed_by`` is given).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        invocation_logging: ModelInvocationLogging | None = None,
        audit_trail: BedrockAuditTrail | None = None,
        assumed_by: iam.IPrincipal | None = None,
    ) -> None:
        """
        :param invocation_logging: the invocation logs to read. Default: none.
        :param audit_trail: the trail to read. Default: none.
        :param assumed_by: who may assume the auditor role (an account, a role, a SAML provider);
            never ``*``. Default: no role, only the managed policy.
        """
        if invocation_logging is None and audit_trail is None:
            raise ValueError(
                "invocation_logging, audit_trail: give at least one, or the auditor can read nothing"
            )
        if invocation_logging is not None and not isinstance(invocation_logging, ModelInvocationLogging):
            raise TypeError(
                f"invocation_logging must be a ModelInvocationLogging, got {invocation_logging!r}"
            )
        if audit_trail is not None and not isinstance(audit_trail, BedrockAuditTrail):
            raise TypeError(f"audit_trail must be a BedrockAuditTrail, got {audit_trail!r}")
        if assumed_by is not None:
            if not hasattr(assumed_by, "policy_fragment"):
                raise TypeError(f"assumed_by must be an iam.IPrincipal, got {assumed_by!r}")
            if isinstance(assumed_by, iam.AnyPrincipal) or "*" in str(
                assumed_by.policy_fragment.principal_json
            ):
                raise ValueError(
                    "assumed_by: '*' would let anyone read PHI; name an account, role or identity provider"
                )
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)

        statements: list[iam.PolicyStatement] = []
        if invocation_logging is not None:
            statements += invocation_logging.read_statements()
        if audit_trail is not None:
            statements += audit_trail.read_statements()
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="secure-bedrock auditor: read Bedrock invocation logs and the audit trail, nothing else",
            statements=statements,
        )
        acknowledge_wildcard_resources(
            self.policy,
            [resource for statement in statements for resource in statement.resources],
            "Read-only access to the objects of one evidence bucket (or its AWSLogs/ACCOUNT/ folder); the "
            "wildcard covers log objects whose names S3 and CloudTrail choose, and nothing outside the bucket.",
        )
        self.role: iam.Role | None = None
        if assumed_by is not None:
            self.role = iam.Role(
                self,
                "Resource",
                description="secure-bedrock auditor: reads Bedrock evidence",
                assumed_by=assumed_by,
                managed_policies=[self.policy],
            )
