"""Rollout to whole organizational units with CloudFormation StackSets: service-managed, deploying
automatically to every account that joins the OU, with failure tolerance and concurrency set.

The StackSet template comes from cdklabs' ``cdk-stacksets`` (a CDK stack synthesized as a StackSet
template, its file assets copied to a bucket per target region), not from a construct of our own:

* :class:`StackSetAssetBucket` (in the StackSet's administrator account, one stack per target region):
  the bucket ``<prefix>-<region>`` the member accounts read the baseline's Lambda code from. Only the
  organization's principals may read it (``aws:PrincipalOrgID``), through S3 only may they decrypt it;
  it is versioned, SSE-KMS, TLS-only and retained like evidence.
* :class:`BaselineStackSet`: one StackSet **per region** (a StackSet deploys one template unchanged to
  all its regions, and the landing zone is region-specific: cross-region inference profiles route to
  concrete regions, checked at synth against the residency), each built by a ``baseline`` callback
  into a region-specific :class:`RegionalStackSetStack`. Service-managed permissions (the organization's
  ``stacksets-exec-*`` roles), automatic deployment to new accounts with stacks retained when an account
  leaves (its evidence stays), ``CAPABILITY_NAMED_IAM``, managed execution, and operation preferences
  (failure tolerance, maximum concurrency) as a percentage of the accounts.

What ``cdk-stacksets`` adds to the administrator's stack, a ``BucketDeployment`` per asset bucket
(a deploy-time function that copies the Lambda code from the CDK bootstrap bucket), is hardened here:
its role may use the asset key only through S3 and only by the asset key's alias, its log group is
KMS-encrypted with a retention, and each remaining finding is acknowledged on it with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import cdk_stacksets
from aws_cdk import Aws, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct, IConstruct

from secure_bedrock._feature_flags import use_secure_feature_flags
from secure_bedrock._validation import (
    ACCOUNT_ID_PATTERN,
    is_token,
    require_bool,
    require_construct,
    require_int_range,
    require_interface,
    require_list,
    require_region,
    require_removal_policy,
    require_type,
    require_unique,
)
from secure_bedrock.acknowledgements import acknowledge, acknowledge_wildcard_resources, skip_checkov
from secure_bedrock.encryption import allow_cloudwatch_logs, create_key, organization_decrypts_through
from secure_bedrock.functions import dead_letter_queue
from secure_bedrock.organization import require_organization_id
from secure_bedrock.storage import MAX_RETENTION_DAYS, SIX_YEARS_IN_DAYS, SecureLogBucket

#: How long CloudFormation waits for a copy request's answer: the copy function's 15 minutes, and 5 more.
COPY_SERVICE_TIMEOUT_SECONDS = 20 * 60
#: The asset key's alias in each region: the copying function's role names the key by it.
ASSET_KEY_ALIAS = "alias/secure-bedrock-stackset-assets"
#: An asset bucket prefix: the bucket's name is ``<prefix>-<region>`` (at most 63 characters).
ASSET_BUCKET_PREFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,46}[a-z0-9]\Z")
#: An organizational unit's id (``ou-``) or the organization's root (``r-``).
ORGANIZATIONAL_UNIT_PATTERN = re.compile(r"^(?:ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})\Z")
#: A StackSet's name, and a stack's.
STACK_SET_NAME_PATTERN = STACK_NAME_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,127}\Z")


def asset_bucket_name(prefix: str, region: str) -> str:
    """The asset bucket of ``region``: ``cdk-stacksets`` names it ``<prefix>-<region>`` in the template."""
    return f"{prefix}-{region}"


def require_asset_bucket_prefix(argument: str, prefix: Any) -> str:
    """``prefix`` if it makes a valid bucket name with every region appended; else ``ValueError``."""
    checked: str = require_type(
        argument, prefix, str, "a bucket-name prefix such as 'secure-bedrock-stackset-assets-111122223333'"
    )
    if not ASSET_BUCKET_PREFIX_PATTERN.match(prefix) or "--" in prefix:
        raise ValueError(
            f"{argument}: {prefix!r} must be 3-48 lower-case letters, digits and single hyphens, starting and "
            "ending with a letter or digit (the buckets are named <prefix>-<region>, at most 63 characters); "
            "e.g. 'secure-bedrock-stackset-assets-111122223333'"
        )
    return checked


def require_organizational_units(argument: str, values: Any) -> list[str]:
    """A non-empty list of distinct OU (or root) ids; else ``ValueError``."""
    units = require_list(argument, values, "a list of organizational unit ids such as 'ou-ab12-cdefgh34'")
    if not units:
        raise ValueError(f"{argument}: name at least one organizational unit (ou-...) or the root (r-...)")
    for index, unit in enumerate(units):
        require_type(
            f"{argument}[{index}]", unit, str, "an organizational unit id such as 'ou-ab12-cdefgh34'"
        )
        if not is_token(unit) and not ORGANIZATIONAL_UNIT_PATTERN.match(unit):
            raise ValueError(
                f"{argument}[{index}]: {unit!r} is not an organizational unit id; use e.g. 'ou-ab12-cdefgh34' "
                "(or the root, 'r-ab12'); a StackSet deploys to accounts through their OUs"
            )
    require_unique(argument, units)
    return units


def require_stack_name(argument: str, value: Any) -> str:
    """``value`` if it is a CloudFormation stack name; else ``ValueError``."""
    name: str = require_type(argument, value, str, "a stack name such as 'SecureBedrockHipaa'")
    if not STACK_NAME_PATTERN.match(name):
        raise ValueError(
            f"{argument}: {name!r} is not a CloudFormation stack name; use letters, digits and '-', "
            "starting with a letter, at most 128 characters"
        )
    return name


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class StackSetAssetBucket(Construct):
    """The bucket the member accounts read a StackSet's Lambda code from, in one region of the StackSet's
    administrator account (the stack's region, which must be concrete).

    Attributes: ``bucket`` (:class:`SecureLogBucket`) and ``encryption_key`` (alias :data:`ASSET_KEY_ALIAS`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_prefix: str,
        organization_id: str,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param bucket_prefix: the bucket's name before ``-<region>``: the ``asset_bucket_prefix`` of
            :class:`BaselineStackSet`.
        :param organization_id: the organization (``o-...``) whose principals may read the code.
        :param removal_policy: what happens to the bucket and key when they leave the stack. Default:
            ``RETAIN`` (a StackSet that deploys to a new account later reads the code from here).
        """
        require_construct(scope, construct_id)
        require_asset_bucket_prefix("bucket_prefix", bucket_prefix)
        require_organization_id("organization_id", organization_id)
        require_removal_policy("removal_policy", removal_policy)
        region = Stack.of(scope).region
        if is_token(region):
            raise ValueError(
                f"scope: the stack {Stack.of(scope).node.path!r} has no concrete region; the asset bucket is "
                "named by its region, so give the stack env=Environment(region=...)"
            )
        super().__init__(scope, construct_id)
        use_secure_feature_flags(self)
        self.encryption_key = create_key(
            self,
            "Key",
            purpose="the Lambda code a StackSet deploys to member accounts",
            removal_policy=removal_policy,
        )
        self.encryption_key.add_alias(ASSET_KEY_ALIAS)
        # Member accounts' CloudFormation and Lambda read the code with the caller's credentials, through S3.
        self.encryption_key.add_to_resource_policy(
            organization_decrypts_through("OrganizationDecryptsCodeThroughS3", organization_id, "s3", region)
        )
        skip_checkov(
            self.encryption_key,
            "CKV_AWS_33",
            "The '*' principal is bounded by aws:PrincipalOrgID (this organization only) and kms:ViaService "
            "(through S3 only), for Decrypt alone: the member accounts that create the baseline's functions, "
            "whose account ids the administrator account cannot list (accounts join the OUs later).",
        )
        self.bucket = SecureLogBucket(
            self,
            "Bucket",
            encryption_key=self.encryption_key,
            bucket_name=asset_bucket_name(bucket_prefix, region),
            # Kept as long as S3 allows: a StackSet deploys to an account that joins the OU years later
            # from the code it was last updated with.
            retention_days=MAX_RETENTION_DAYS,
            removal_policy=removal_policy,
        )
        self.bucket.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OrganizationReadsCode",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[self.bucket.bucket.arn_for_objects("*")],
                conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            )
        )


class RegionalStackSetStack(cdk_stacksets.StackSetStack):
    """A StackSet's template for one region: the stack's ``region`` is that region at synth, so that
    region-specific constructs (the landing zone's residency and inference-profile checks, service
    endpoint names) synthesize; the account stays ``AWS::AccountId``, one template for every account."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: str,
        asset_bucket_prefix: str,
        asset_bucket: s3.IBucket,
        stack_name: str | None = None,
    ) -> None:
        """
        :param region: the region the template is deployed to.
        :param asset_bucket_prefix: the template reads its file assets from ``<prefix>-<region>``.
        :param asset_bucket: that bucket (in the administrator's account), where the assets are copied.
        :param stack_name: the name its resources are named by. Default: the construct's unique id.
        """
        require_construct(scope, construct_id)
        require_type("region", region, str, "a region name such as 'us-east-1'")
        require_region("region", region)
        require_asset_bucket_prefix("asset_bucket_prefix", asset_bucket_prefix)
        require_interface("asset_bucket", asset_bucket, "bucket_name", "an s3.IBucket")
        if stack_name is not None:
            require_stack_name("stack_name", stack_name)
        self._stack_set_region = region
        self._stack_set_stack_name = stack_name
        super().__init__(
            scope, construct_id, asset_bucket_prefix=asset_bucket_prefix, asset_buckets=[asset_bucket]
        )

    @property
    def region(self) -> str:
        """The region this template is deployed to."""
        return self._stack_set_region

    @property
    def stack_name(self) -> str:
        """The name the baseline's resources are named by (SSM parameters, say): the given one, so that a
        member's landing zone reads the same whether a stage or a StackSet deployed it. CloudFormation
        names the instances ``StackSet-<StackSet name>-<id>``."""
        return self._stack_set_stack_name or super().stack_name


class BaselineStackSet(Construct):
    """The member-account baseline as one service-managed StackSet per region, deployed to organizational
    units and automatically to every account that joins them.

    Attributes: ``stacks`` (region → :class:`RegionalStackSetStack`, the templates) and
    ``stack_sets`` (region → ``cdk_stacksets.StackSet``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        baseline: Callable[[Stack], object],
        regions: Sequence[str],
        organizational_units: Sequence[str],
        asset_bucket_prefix: str,
        stack_set_name: str = "secure-bedrock-baseline",
        baseline_stack_name: str | None = None,
        failure_tolerance_percentage: int = 10,
        max_concurrent_percentage: int = 25,
        auto_deploy: bool = True,
        retain_stacks_on_account_removal: bool = True,
        delegated_admin: bool = False,
        excluded_accounts: Sequence[str] = (),
        description: str = "secure-bedrock: the Bedrock landing zone of every member account",
    ) -> None:
        """
        :param baseline: builds the baseline into the stack it is given (once per region); the stack's
            ``region`` is concrete, its account ``AWS::AccountId``.
        :param regions: the regions to deploy to: one StackSet each.
        :param organizational_units: the OUs (or the root) whose accounts get the baseline.
        :param asset_bucket_prefix: the buckets the Lambda code is copied to are ``<prefix>-<region>``
            (:class:`StackSetAssetBucket` in each region, deployed first).
        :param stack_set_name: the StackSets are named ``<stack_set_name>-<region>``.
        :param baseline_stack_name: the name the baseline's stack has at synth (what its resource names and
            SSM parameters are built from). Default: the construct's unique id.
        :param failure_tolerance_percentage: the share of accounts, per region, whose deployment may
            fail before the operation stops. Default: 10.
        :param max_concurrent_percentage: the share of accounts deployed at once. Default: 25; it must be
            at least the failure tolerance.
        :param auto_deploy: deploy to accounts that join the OUs. Default: ``True``.
        :param retain_stacks_on_account_removal: keep an account's stack (and its evidence) when it leaves
            the OUs. Default: ``True``.
        :param delegated_admin: the stack is deployed to a delegated StackSets administrator account, not
            the management account. Default: ``False``.
        :param excluded_accounts: accounts of the OUs the StackSets leave out (``AccountFilterType:
            DIFFERENCE``): those that get the baseline another way (a CDK stage), where a second landing
            zone would collide with the first's named resources and account-wide settings. Default: none.
        """
        require_construct(scope, construct_id)
        if not callable(baseline):
            raise ValueError(
                f"baseline: {baseline!r} is not callable; pass a function that builds the baseline into the "
                "stack it is given, e.g. lambda stack: SecureBedrockLandingZone(stack, 'LandingZone', ...)"
            )
        region_list = require_list("regions", regions, "a list of region names such as 'us-east-1'")
        if not region_list:
            raise ValueError("regions: name at least one region to deploy the baseline to")
        for index, region in enumerate(region_list):
            require_type(f"regions[{index}]", region, str, "a region name such as 'us-east-1'")
            require_region(f"regions[{index}]", region)
        require_unique("regions", region_list)
        units = require_organizational_units("organizational_units", organizational_units)
        require_asset_bucket_prefix("asset_bucket_prefix", asset_bucket_prefix)
        for region in region_list:
            if len(asset_bucket_name(asset_bucket_prefix, region)) > 63:
                raise ValueError(
                    f"asset_bucket_prefix: {asset_bucket_prefix!r} is too long for {region}: the bucket "
                    f"{asset_bucket_name(asset_bucket_prefix, region)!r} passes S3's 63 characters; shorten it"
                )
        require_type("stack_set_name", stack_set_name, str, "a name such as 'secure-bedrock-baseline'")
        longest = max(len(region) for region in region_list)
        if not STACK_SET_NAME_PATTERN.match(stack_set_name) or len(stack_set_name) + 1 + longest > 128:
            raise ValueError(
                f"stack_set_name: {stack_set_name!r} must start with a letter and hold only letters, digits and "
                f"hyphens, at most {127 - longest} characters (the StackSets are named <name>-<region>)"
            )
        require_int_range(
            "failure_tolerance_percentage",
            failure_tolerance_percentage,
            0,
            100,
            "a share of the accounts, 0-100",
        )
        require_int_range(
            "max_concurrent_percentage", max_concurrent_percentage, 1, 100, "a share of the accounts, 1-100"
        )
        if max_concurrent_percentage < failure_tolerance_percentage:
            raise ValueError(
                f"max_concurrent_percentage: {max_concurrent_percentage} is below failure_tolerance_percentage "
                f"({failure_tolerance_percentage}); StackSets needs at least as many accounts at once as may fail"
            )
        for argument, value in (
            ("auto_deploy", auto_deploy),
            ("retain_stacks_on_account_removal", retain_stacks_on_account_removal),
            ("delegated_admin", delegated_admin),
        ):
            require_bool(argument, value)
        require_type("description", description, str, "a description of the StackSet")
        excluded = require_list("excluded_accounts", excluded_accounts, "a list of 12-digit account ids")
        for index, account in enumerate(excluded):
            if not isinstance(account, str) or not ACCOUNT_ID_PATTERN.match(account):
                raise ValueError(
                    f"excluded_accounts[{index}]: {account!r} is not a 12-digit account id; use e.g. '555566667777'"
                )
        require_unique("excluded_accounts", excluded)
        if baseline_stack_name is not None:
            require_stack_name("baseline_stack_name", baseline_stack_name)
        parent = Stack.of(scope)
        if is_token(parent.region):
            raise ValueError(
                f"scope: the stack {parent.node.path!r} has no concrete region; give it "
                "env=Environment(account=..., region=...): the StackSet's administrator account and region"
            )
        super().__init__(scope, construct_id)
        self.stacks: dict[str, RegionalStackSetStack] = {}
        self.stack_sets: dict[str, cdk_stacksets.StackSet] = {}
        for region in region_list:
            bucket = s3.Bucket.from_bucket_name(
                self, f"AssetBucket-{region}", asset_bucket_name(asset_bucket_prefix, region)
            )
            stack = RegionalStackSetStack(
                self,
                f"Baseline-{region}",
                region=region,
                asset_bucket_prefix=asset_bucket_prefix,
                asset_bucket=bucket,
                stack_name=baseline_stack_name,
            )
            baseline(stack)
            self.stacks[region] = stack
            self.stack_sets[region] = cdk_stacksets.StackSet(
                self,
                f"StackSet-{region}",
                stack_set_name=f"{stack_set_name}-{region}",
                description=description,
                template=cdk_stacksets.StackSetTemplate.from_stack_set_stack(stack),
                target=cdk_stacksets.StackSetTarget.from_organizational_units(
                    regions=[region], organizational_units=units, exclude_accounts=excluded or None
                ),
                deployment_type=cdk_stacksets.DeploymentType.service_managed(
                    auto_deploy_enabled=auto_deploy,
                    auto_deploy_retain_stacks=retain_stacks_on_account_removal,
                    delegated_admin=delegated_admin,
                ),
                managed_execution=True,
                operation_preferences=cdk_stacksets.OperationPreferences(
                    failure_tolerance_percentage=failure_tolerance_percentage,
                    max_concurrent_percentage=max_concurrent_percentage,
                ),
                capabilities=[cdk_stacksets.Capability.NAMED_IAM],
            )
        AssetCopyHardening.of(parent).cover(region_list, asset_bucket_prefix)
        # cdk-stacksets leaves the StackSets free to start before the code is in the asset buckets: a first
        # deploy (or an update with new code) would create members' functions from objects not yet there.
        copies = [c for c in parent.node.find_all() if isinstance(c, s3_deployment.BucketDeployment)]
        hardening = AssetCopyHardening.of(parent)
        for copy in copies:
            request = copy.node.try_find_child("CustomResource")
            if hardening.log_group is not None and request is not None:
                # Its first run must find its log group (the function's role may not create one); only
                # the request waits: the function's layer is part of the same construct.
                request.node.add_dependency(hardening.log_group)
            cfn_request = request.node.default_child if request is not None else None
            if isinstance(cfn_request, CfnResource):
                # A function that dies without answering holds the stack for an hour by default; the copy
                # itself has 15 minutes (the function's timeout).
                cfn_request.add_property_override("ServiceTimeout", COPY_SERVICE_TIMEOUT_SECONDS)
        for stack_set in self.stack_sets.values():
            for copy in copies:
                stack_set.node.add_dependency(copy)


class AssetCopyHardening(Construct):
    """What the administrator's stack needs beside the ``BucketDeployment`` function that ``cdk-stacksets``
    adds to it (one per stack, shared by its asset copies): the permission to encrypt with each region's
    asset key, a KMS-encrypted log group kept six years and a dead-letter queue, its own log permissions
    instead of the AWS-managed policy; and the findings that remain, acknowledged on it with their reasons.
    """

    ID = "StackSetAssetCopies"
    MADE_BY = (
        "cdk-stacksets creates this aws-cdk-lib BucketDeployment function to copy the baseline's Lambda code "
        "from the CDK bootstrap bucket to the asset buckets of this account; it runs only when this stack "
        "deploys. "
    )
    COPIES = MADE_BY + (
        "aws-cdk-lib grants it read on the bootstrap bucket and read-write on each asset bucket with "
        "action groups and object wildcards; every statement names its buckets."
    )

    @classmethod
    def of(cls, stack: Stack) -> AssetCopyHardening:
        """The stack's hardening, created on first use."""
        found = stack.node.try_find_child(cls.ID)
        return found if isinstance(found, AssetCopyHardening) else cls(stack, cls.ID)

    def __init__(self, scope: Stack, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._stack = scope
        self._regions: set[str] = set()
        self.log_group: logs.CfnLogGroup | None = None
        """The copy function's log group, once hardened."""
        self.encryption_key = create_key(
            self, "Key", purpose="the log and dead-letter queue of the StackSet asset copies"
        )

    def cover(self, regions: Sequence[str], asset_bucket_prefix: str) -> None:
        """Harden the stack's asset copies for the asset buckets ``<asset_bucket_prefix>-<region>``."""
        deployments = [
            child
            for child in self._stack.node.find_all()
            if isinstance(child, s3_deployment.BucketDeployment)
        ]
        if not deployments:
            return  # a baseline without file assets copies nothing
        role = deployments[0].handler_role
        function = role.node.scope
        cfn_function = function.node.default_child if function is not None else None
        if function is None or not isinstance(cfn_function, lambda_.CfnFunction):
            raise RuntimeError("cdk-stacksets' asset copy function was not found where aws-cdk-lib puts it")
        if not self._regions:
            self._harden(function, cfn_function, role)
            # cdk-stacksets warns (on the stack, without an id) that it cannot add bucket-policy grants to the
            # imported asset buckets.
            acknowledge(
                self._stack,
                "Annotation::warning-annotation",
                "The asset buckets are in this account (StackSetAssetBucket stacks): the copy function's own IAM "
                "policy grants what it does, and the buckets' policies deny none of it (TLS, their default key).",
            )
            # The bootstrap bucket's objects, as aws-cdk-lib's grant names them.
            policy = role.node.try_find_child("DefaultPolicy")
            document = policy.document.to_json() if isinstance(policy, iam.Policy) else {}
            sources = {
                resource
                for statement in self._stack.resolve(document).get("Statement", [])
                for resource in _as_list(statement.get("Resource"))
                if isinstance(resource, str)
                and resource.startswith("arn:aws:s3:::")
                and resource.endswith("/*")
            }
            acknowledge_wildcard_resources(role, sorted(sources), self.COPIES)
        for region in sorted(set(regions) - self._regions):
            # The asset buckets are SSE-KMS: each copy needs a data key of that region's asset key (in another
            # stack), only through S3 and only for that bucket. With S3 Bucket Keys the encryption context is
            # the bucket's ARN: known at synth, unlike an alias condition (an alias takes minutes to count for
            # authorization after it is made, and whoever may repoint it would choose the key).
            bucket = asset_bucket_name(asset_bucket_prefix, region)
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    sid=f"EncryptAssets{region.replace('-', '')}",
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=[f"arn:{Aws.PARTITION}:kms:{region}:{self._stack.account}:key/*"],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": f"s3.{region}.amazonaws.com",
                            "kms:EncryptionContext:aws:s3:arn": f"arn:{Aws.PARTITION}:s3:::{bucket}",
                        },
                    },
                )
            )
            acknowledge_wildcard_resources(
                role,
                [
                    f"arn:aws:s3:::{asset_bucket_name(asset_bucket_prefix, region)}/*",
                    f"arn:{Aws.PARTITION}:kms:{region}:{self._stack.account}:key/*",
                ],
                self.COPIES
                + " The key statement is limited to use through S3 for that asset bucket (its encryption context).",
            )
            self._regions.add(region)

    def _harden(self, function: IConstruct, cfn_function: lambda_.CfnFunction, role: iam.IRole) -> None:
        key = self.encryption_key
        log_group = function.node.try_find_child("LogGroup")
        cfn_log_group = log_group.node.default_child if log_group is not None else None
        if not isinstance(cfn_log_group, logs.CfnLogGroup):
            raise RuntimeError(
                "cdk-stacksets' asset copy function has no log group where aws-cdk-lib puts it"
            )
        self.log_group = cfn_log_group
        stack = self._stack
        # CloudFormation names the function <stack name>-<logical id>-<suffix>; the key encrypts only its logs.
        allow_cloudwatch_logs(key, self, f"/aws/lambda/{stack.stack_name}-*")
        cfn_log_group.kms_key_id = key.key_arn
        cfn_log_group.retention_in_days = SIX_YEARS_IN_DAYS
        cfn_log_group.apply_removal_policy(RemovalPolicy.RETAIN)
        cfn_log_group.node.add_dependency(key)
        # Its own log permissions, on its log group only, instead of AWSLambdaBasicExecutionRole (the log
        # group is named after the function, so the ARN is a pattern: a reference would be circular).
        cfn_role = role.node.default_child
        if isinstance(cfn_role, iam.CfnRole):
            cfn_role.managed_policy_arns = []
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="WriteOwnLog",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    f"arn:{Aws.PARTITION}:logs:{stack.region}:{stack.account}:log-group:/aws/lambda/"
                    f"{stack.stack_name}-*:log-stream:*"
                ],
            )
        )
        # CloudFormation invokes a custom resource's function asynchronously: failed events go to a queue.
        dead_letters = dead_letter_queue(self, "DeadLetterQueue", encryption_key=key)
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SendDeadLetters", actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="EncryptDeadLetters",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"sqs.{stack.region}.amazonaws.com"}},
            )
        )
        cfn_function.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
            target_arn=dead_letters.queue_arn
        )
        acknowledge_wildcard_resources(
            role,
            [
                f"arn:{Aws.PARTITION}:logs:{stack.region}:{stack.account}:log-group:/aws/lambda/"
                f"{stack.stack_name}-*:log-stream:*"
            ],
            self.MADE_BY + "Its log group is named after the function, whose name CloudFormation generates "
            "from this stack's name; the streams of that group are what it writes.",
        )
        self._acknowledge(function, role)

    @staticmethod
    def _acknowledge(function: IConstruct, role: iam.IRole) -> None:
        made_by = AssetCopyHardening.MADE_BY
        for pack in ("HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321"):
            acknowledge(
                function,
                f"{pack}::{pack}-LambdaInsideVPC",
                made_by
                + "It talks only to S3 and KMS of this account over TLS; the administrator account has "
                "no VPC of the landing zone to place it in.",
            )
            acknowledge(
                role,
                f"{pack}::{pack}-IAMNoInlinePolicy",
                made_by + "Its only policy is the one aws-cdk-lib generates for it (the two buckets, the "
                "asset keys through S3 for those buckets, its own log and queue); it is attached to this role alone.",
            )
        for pack in ("HIPAA.Security", "NIST.800.53.R5"):
            acknowledge(
                function,
                f"{pack}::{pack}-LambdaConcurrency",
                made_by + "Reserving concurrency could fail the deploy in an account whose unreserved "
                "concurrency is at its minimum; it runs once per deploy, so it cannot starve others.",
            )
        skip_checkov(
            function,
            "CKV_AWS_117",
            made_by + "It talks only to S3 and KMS of this account over TLS; the administrator account has "
            "no VPC of the landing zone to place it in.",
        )
        skip_checkov(
            function,
            "CKV_AWS_115",
            made_by
            + "It runs once per deploy, so it cannot starve others; a reservation could fail the deploy.",
        )
        skip_checkov(
            function,
            "CKV_AWS_173",
            made_by
            + "Its only environment variable is AWS_CA_BUNDLE, a file path aws-cdk-lib sets: no secret.",
        )
        acknowledge(
            function,
            "AwsSolutions::AwsSolutions-L1",
            made_by
            + "aws-cdk-lib pins its handler to the runtime it tests the handler and its AWS CLI layer with.",
        )
        for finding in (
            "Action::s3:GetBucket*",
            "Action::s3:GetObject*",
            "Action::s3:List*",
            "Action::s3:Abort*",
            "Action::s3:DeleteObject*",
        ):
            acknowledge(role, f"AwsSolutions::AwsSolutions-IAM5[{finding}]", AssetCopyHardening.COPIES)
