"""``SecureBedrockLandingZone``: the composition of the library's constructs.

It owns no logic of its own beyond wiring: every resource comes from a construct module, and
every argument is passed through to the construct that uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct, IValidation

from secure_bedrock import limits
from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    is_token,
    require_amount,
    require_bool,
    require_construct,
    require_int_range,
    require_interface,
    require_key,
    require_list,
    require_principal,
    require_subnet_selection,
    require_type,
)
from secure_bedrock.access import BedrockAdministrator, BedrockAuditor, BedrockInvokerRole
from secure_bedrock.audit import BedrockAuditTrail
from secure_bedrock.budgets import (
    DEFAULT_THRESHOLDS,
    BedrockBudgets,
    TeamBudget,
    validate_budget_emails,
    validate_thresholds_percent,
)
from secure_bedrock.guardrail import (
    BedrockGuardrail,
    GuardrailPolicy,
    validate_cross_region,
    validate_previous_version,
)
from secure_bedrock.invocation_logging import ModelInvocationLogging
from secure_bedrock.models import BedrockModel
from secure_bedrock.monitoring import (
    AlarmThresholds,
    BedrockMonitoring,
    validate_subscribers,
    validate_tpm_quotas,
)
from secure_bedrock.network import SIX_YEARS, BedrockEndpointService, BedrockPrivateNetwork, _NetworkArguments
from secure_bedrock.storage import (
    DEFAULT_TRANSITION_DAYS,
    MAX_RETENTION_DAYS,
    SIX_YEARS_IN_DAYS,
    ObjectLock,
    require_object_lock,
)
from secure_bedrock.teams import BedrockTeam, TeamSpec, validate_team_specs

#: The kinds of data model invocation logging can record.
INVOCATION_LOG_DATA_TYPES: tuple[str, ...] = ("text", "image", "embedding", "video", "audio")


@jsii.implements(IValidation)
class _StackFitsCloudFormation:
    """At synth: the landing zone's stack holds at most 500 resources (CloudFormation's quota), with
    an error that says what grows it, before CDK's own TooManyResourcesInStack."""

    def __init__(self, zone: SecureBedrockLandingZone, teams: int) -> None:
        self._zone = zone
        self._teams = teams

    def validate(self) -> list[str]:
        stack = Stack.of(self._zone)
        count = sum(
            1 for node in stack.node.find_all() if isinstance(node, CfnResource) and Stack.of(node) is stack
        )
        if count <= limits.STACK_RESOURCES.maximum:
            return []
        return [
            f"teams: the stack '{stack.stack_name}' would hold {count} resources, more than CloudFormation's "
            f"{limits.STACK_RESOURCES.maximum}; with {self._teams} teams, each team's profiles and role add "
            "resources. Define some teams with BedrockTeam in stacks of their own, or use fewer models per team"
        ]


class SecureBedrockLandingZone(Construct):
    """A secure Bedrock landing zone: the private path to the approved models, and the evidence of their use.

    Attributes: ``network`` (:class:`BedrockPrivateNetwork`), ``invocation_logging``
    (:class:`ModelInvocationLogging`), ``audit_trail`` (:class:`BedrockAuditTrail` or ``None``),
    ``auditor`` (:class:`BedrockAuditor`), ``guardrail``, ``invoker``, ``administrator``, ``teams``,
    ``monitoring`` (:class:`BedrockMonitoring`), ``budgets`` (:class:`BedrockBudgets` or ``None``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        models: Sequence[BedrockModel],
        allowed_principals: Sequence[iam.IPrincipal] | None = None,
        endpoint_services: Sequence[BedrockEndpointService] | None = None,
        mantle_models: Sequence[str] = (),
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        vpc_cidr: str = "10.0.0.0/16",
        max_azs: int = 2,
        allowed_cidrs: Sequence[str] | None = None,
        allowed_security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        flow_log_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = SIX_YEARS,
        evidence_retention_days: int = SIX_YEARS_IN_DAYS,
        object_lock: ObjectLock | None = None,
        invocation_log_data_types: Sequence[str] = INVOCATION_LOG_DATA_TYPES,
        invocation_log_key: kms.IKey | None = None,
        adopt_existing_logging: bool = False,
        create_audit_trail: bool = True,
        audit_key: kms.IKey | None = None,
        auditor_principal: iam.IPrincipal | None = None,
        guardrail_policy: GuardrailPolicy | None = None,
        guardrail_cross_region_profile: str | None = None,
        guardrail_cross_region_destinations: Sequence[str] = (),
        enforce_guardrail_in_account: bool = True,
        guardrail_previous_version: str | None = None,
        invoker_principal: iam.IPrincipal | None = None,
        administrator_principal: iam.IPrincipal | None = None,
        teams: Sequence[TeamSpec] = (),
        alarm_topic: sns.ITopic | None = None,
        alarm_emails: Sequence[str] = (),
        alarm_https_endpoints: Sequence[str] = (),
        alarm_thresholds: AlarmThresholds | None = None,
        tpm_quotas: Mapping[str, int] | None = None,
        monthly_budget_usd: float | None = None,
        budget_thresholds_percent: Sequence[float] = DEFAULT_THRESHOLDS,
        budget_emails: Sequence[str] = (),
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param models: the approved models (see :class:`BedrockModels`).
        :param allowed_principals: who may use the Bedrock endpoints. Default: this account's principals.
        :param endpoint_services: Bedrock endpoints besides ``bedrock-runtime``.
            Default: the control plane.
        :param mantle_models: with the ``bedrock-mantle`` endpoint, the models allowed through it, by
            Mantle's own ids. Default: none.
        :param vpc: your VPC. Default: a new hardened VPC with isolated subnets only.
        :param vpc_subnets: subnets for the endpoints and the invocation-logging handler. Default:
            one isolated/private subnet per AZ.
        :param vpc_cidr: the new VPC's range. Default: ``10.0.0.0/16``.
        :param max_azs: the new VPC's availability zones (2-6). Default: 2.
        :param allowed_cidrs: client networks admitted to the endpoints. Default: the VPC CIDR.
        :param allowed_security_groups: client security groups admitted to the endpoints. Default: none.
        :param flow_log_encryption_key: key for the VPC flow logs. Default: a new customer-managed key.
        :param log_retention: retention of the landing zone's log groups. Default: six years.
        :param evidence_retention_days: days the evidence buckets keep each object. Default: 2192.
        :param object_lock: WORM retention for the evidence buckets. Default: none.
        :param invocation_log_data_types: what invocation logging records, from
            :data:`INVOCATION_LOG_DATA_TYPES` (without ``text`` the Bedrock rules report a finding).
            Default: all of them.
        :param invocation_log_key: key for the invocation logs (PHI). Default: a new key for them alone.
        :param adopt_existing_logging: take over a model invocation logging configuration someone else set
            in the account and region (saved, and put back when the stack is deleted). Default: ``False``:
            the deploy stops and says what is configured.
        :param create_audit_trail: create the Bedrock audit trail; turn off where an organization
            trail already records Bedrock data events. Default: ``True``.
        :param audit_key: key for the audit trail. Default: a new key for it alone.
        :param auditor_principal: who may assume the auditor role. Default: no role, only the
            auditor's managed policy.
        :param guardrail_policy: what the landing zone's guardrail checks.
            Default: ``GuardrailPolicy.hipaa()``.
        :param guardrail_cross_region_profile: a guardrail profile id such as ``us.guardrail.v1:0``.
            Default: none (the guardrail runs in this region).
        :param guardrail_cross_region_destinations: the regions that profile routes to (ApplyGuardrail
            is granted on the profile in each). Default: this region only.
        :param enforce_guardrail_in_account: also apply the guardrail to every model call of the
            account and region, evaluating all of each request (comprehensive guarding: callers cannot
            exempt parts of a prompt with guardrail input tags). One per account and region.
            Default: ``True``.
        :param guardrail_previous_version: during a guardrail change, the version number callers passed
            before it (the stack output ``GuardrailVersion``): the roles accept it beside the new one
            until it is removed (docs/upgrading.md, "Changing the guardrail"). Default: none.
        :param invoker_principal: who may assume the invoker role (all approved models, under the
            guardrail, through the runtime endpoint only). Default: no invoker role.
        :param administrator_principal: who may assume the administrator role. Default: no administrator role.
        :param teams: application teams, each with tagged application inference profiles and its own
            invoker role. Default: none.
        :param alarm_topic: where alarms and budgets notify. Default: a new KMS-encrypted topic.
        :param alarm_emails: addresses subscribed to the new topic. Default: none.
        :param alarm_https_endpoints: HTTPS endpoints subscribed to the new topic. Default: none.
        :param alarm_thresholds: Default: :class:`AlarmThresholds` defaults.
        :param tpm_quotas: tokens-per-minute quota per approved model id, for quota alarms. Default: none.
        :param monthly_budget_usd: the account's monthly Bedrock budget. Default: no budgets (team
            budgets need it too).
        :param budget_thresholds_percent: ACTUAL-spend notification thresholds. Default: 50, 80, 100.
        :param budget_emails: addresses notified by the budgets directly. Default: none.
        :param removal_policy: for keys, buckets, log groups, the trail and the guardrail. Default: ``RETAIN``.
        """
        # Every argument is checked here, under its own name, before anything is created.
        require_construct(scope, construct_id)
        checked = _NetworkArguments.check(
            scope,
            models=models,
            allowed_principals=allowed_principals,
            services=endpoint_services,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            vpc_cidr=vpc_cidr,
            max_azs=max_azs,
            allowed_cidrs=allowed_cidrs,
            allowed_security_groups=allowed_security_groups,
            allow_apply_guardrail=True,
            allow_count_tokens=False,
            flow_log_encryption_key=flow_log_encryption_key,
            flow_log_retention=log_retention,
            removal_policy=removal_policy,
            mantle_models=mantle_models,
            names={"services": "endpoint_services", "flow_log_retention": "log_retention"},
        )
        if endpoint_services is not None and BedrockEndpointService.CONTROL not in endpoint_services:
            raise ValueError(
                "endpoint_services: the invocation-logging handler reaches Bedrock's control plane through the "
                "'bedrock' endpoint; add BedrockEndpointService.CONTROL"
            )
        # The invocation-logging handler runs in the same subnets (the isolated ones by default).
        require_subnet_selection(
            "vpc_subnets", vpc_subnets, vpc, default_type=ec2.SubnetType.PRIVATE_ISOLATED if vpc else None
        )
        data_types = require_list(
            "invocation_log_data_types", invocation_log_data_types, "a list of data types"
        )
        for index, data_type in enumerate(data_types):
            if not isinstance(data_type, str) or data_type not in INVOCATION_LOG_DATA_TYPES:
                raise ValueError(
                    f"invocation_log_data_types[{index}]: {data_type!r} is not a data type; "
                    f"use some of {', '.join(INVOCATION_LOG_DATA_TYPES)}"
                )
        if not data_types:
            raise ValueError("invocation_log_data_types: name at least one; log at least 'text'")
        require_int_range(
            "evidence_retention_days",
            evidence_retention_days,
            DEFAULT_TRANSITION_DAYS + 1,
            MAX_RETENTION_DAYS,
            f"evidence moves to colder storage after {DEFAULT_TRANSITION_DAYS} days, so keep it longer",
        )
        if object_lock is not None:
            require_object_lock("object_lock", object_lock)
            if not is_token(evidence_retention_days) and object_lock.days > evidence_retention_days:
                raise ValueError(
                    f"object_lock: {object_lock.days} days of lock is longer than evidence_retention_days "
                    f"({evidence_retention_days}); lock objects for at most as long as they are kept"
                )
        require_key("invocation_log_key", invocation_log_key)
        require_bool("adopt_existing_logging", adopt_existing_logging)
        require_bool("create_audit_trail", create_audit_trail)
        require_key("audit_key", audit_key)
        if auditor_principal is not None:
            require_principal("auditor_principal", auditor_principal, "would let anyone read PHI")
        if guardrail_policy is not None:
            require_type("guardrail_policy", guardrail_policy, GuardrailPolicy, "a GuardrailPolicy")
            guardrail_policy.validate("guardrail_policy")
        validate_cross_region(
            guardrail_policy or GuardrailPolicy.hipaa(),
            "guardrail_cross_region_profile",
            guardrail_cross_region_profile,
            "guardrail_cross_region_destinations",
            guardrail_cross_region_destinations,
        )
        require_bool("enforce_guardrail_in_account", enforce_guardrail_in_account)
        validate_previous_version("guardrail_previous_version", guardrail_previous_version)
        for argument, principal in (
            ("invoker_principal", invoker_principal),
            ("administrator_principal", administrator_principal),
        ):
            if principal is not None:
                require_principal(argument, principal, "would let anyone assume the role")
        approved = {model.model_id for model in checked.models}
        validate_team_specs("teams", teams, approved)
        if monthly_budget_usd is None and any(team.monthly_budget_usd is not None for team in teams):
            raise ValueError(
                "monthly_budget_usd: team budgets need the account budget too; set monthly_budget_usd"
            )
        require_interface("alarm_topic", alarm_topic, "topic_arn", "an sns.ITopic", optional=True)
        validate_subscribers("alarm_emails", alarm_emails, "alarm_https_endpoints", alarm_https_endpoints)
        if alarm_topic is not None and (alarm_emails or alarm_https_endpoints):
            raise ValueError(
                "alarm_emails, alarm_https_endpoints: apply to a new topic only; subscribe your alarm_topic yourself"
            )
        if alarm_thresholds is not None:
            require_type("alarm_thresholds", alarm_thresholds, AlarmThresholds, "an AlarmThresholds")
            alarm_thresholds.validate("alarm_thresholds")
        validate_tpm_quotas("tpm_quotas", tpm_quotas, approved)
        if monthly_budget_usd is not None:
            require_amount("monthly_budget_usd", monthly_budget_usd)
        validate_thresholds_percent("budget_thresholds_percent", budget_thresholds_percent)
        validate_budget_emails("budget_emails", budget_emails)

        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self.network = BedrockPrivateNetwork(
            self,
            "Network",
            models=models,
            allowed_principals=allowed_principals,
            services=endpoint_services,
            mantle_models=mantle_models,
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            vpc_cidr=vpc_cidr,
            max_azs=max_azs,
            allowed_cidrs=allowed_cidrs,
            allowed_security_groups=allowed_security_groups,
            flow_log_encryption_key=flow_log_encryption_key,
            flow_log_retention=log_retention,
            removal_policy=removal_policy,
        )
        self.audit_trail: BedrockAuditTrail | None = None
        if create_audit_trail:
            self.audit_trail = BedrockAuditTrail(
                self,
                "AuditTrail",
                encryption_key=audit_key,
                retention_days=evidence_retention_days,
                log_retention=log_retention,
                object_lock=object_lock,
                removal_policy=removal_policy,
            )
        self.invocation_logging = ModelInvocationLogging(
            self,
            "InvocationLogging",
            network=self.network,
            vpc_subnets=vpc_subnets,
            encryption_key=invocation_log_key,
            # One access-log bucket records access to both evidence buckets.
            server_access_logs_bucket=self.audit_trail.bucket.access_logs_bucket
            if self.audit_trail and self.audit_trail.bucket
            else None,
            text="text" in data_types,
            image="image" in data_types,
            embedding="embedding" in data_types,
            video="video" in data_types,
            audio="audio" in data_types,
            retention_days=evidence_retention_days,
            log_retention=log_retention,
            object_lock=object_lock,
            adopt_existing=adopt_existing_logging,
            removal_policy=removal_policy,
        )
        if self.audit_trail is not None:
            # Who read (or wrote) which invocation-log object: the PHI itself.
            self.audit_trail.record_object_access(
                self.invocation_logging.bucket.bucket, "the model invocation logs (PHI)"
            )

        self.auditor = BedrockAuditor(
            self,
            "Auditor",
            invocation_logging=self.invocation_logging,
            audit_trail=self.audit_trail,
            network=self.network,
            assumed_by=auditor_principal,
        )

        self.guardrail = BedrockGuardrail(
            self,
            "Guardrail",
            policy=guardrail_policy or GuardrailPolicy.hipaa(),
            cross_region_profile=guardrail_cross_region_profile,
            cross_region_destinations=guardrail_cross_region_destinations,
            enforce_in_account=enforce_guardrail_in_account,
            previous_version=guardrail_previous_version,
            removal_policy=removal_policy,
        )
        # A cross-region guardrail runs in its profile's destination regions; the endpoint must admit them.
        self.network.allow_guardrail_profiles(self.guardrail.profile_arns)
        runtime_vpce = self.network.runtime_endpoint.vpc_endpoint_id
        self.invoker: BedrockInvokerRole | None = None
        if invoker_principal is not None:
            self.invoker = BedrockInvokerRole(
                self,
                "Invoker",
                assumed_by=invoker_principal,
                models=self.network.models,
                guardrail=self.guardrail,
                source_vpce=runtime_vpce,
            )
        self.administrator: BedrockAdministrator | None = None
        if administrator_principal is not None:
            self.administrator = BedrockAdministrator(
                self,
                "Administrator",
                assumed_by=administrator_principal,
                invocation_logging=self.invocation_logging,
                guardrail=self.guardrail,
                models=self.network.models,
            )
        self.teams: dict[str, BedrockTeam] = {}
        teams_scope = Construct(self, "Teams") if teams else self
        for team in teams:
            created = BedrockTeam(
                teams_scope,
                team.name,
                name=team.name,
                cost_center=team.cost_center,
                models=team.models,
                assumed_by=team.assumed_by or iam.AccountRootPrincipal(),
                guardrail=self.guardrail,
                source_vpce=runtime_vpce,
            )
            self.network.allow_models(
                f"Team{team.name.replace('-', '').capitalize()}Profiles", created.models
            )
            self.teams[team.name] = created

        self.monitoring = BedrockMonitoring(
            self,
            "Monitoring",
            models=self.network.models,
            topic=alarm_topic,
            email_subscribers=alarm_emails,
            https_subscribers=alarm_https_endpoints,
            guardrail=self.guardrail,
            invocation_logging=self.invocation_logging,
            teams=list(self.teams.values()),
            tpm_quotas=tpm_quotas,
            thresholds=alarm_thresholds,
            removal_policy=removal_policy,
        )
        self.node.add_validation(_StackFitsCloudFormation(self, len(teams)))
        self.budgets: BedrockBudgets | None = None
        if monthly_budget_usd is not None:
            self.budgets = BedrockBudgets(
                self,
                "Budgets",
                monthly_limit_usd=monthly_budget_usd,
                topic=self.monitoring.topic,
                thresholds_percent=budget_thresholds_percent,
                email_subscribers=budget_emails,
                teams=[
                    TeamBudget(
                        team=self.teams[team.name],
                        monthly_limit_usd=team.monthly_budget_usd,
                        hard_stop=team.hard_stop,
                    )
                    for team in teams
                    if team.monthly_budget_usd is not None
                ],
            )
