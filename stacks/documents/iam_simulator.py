"""Offline IAM decisions: a typed front to ``scripts/iam_simulate.mjs`` (``@cloud-copilot/iam-simulate``).

The simulator is an npm *dev* dependency (AGPL-3.0), installed by ``npm ci`` (``make test`` runs it); the
library package ``secure_bedrock`` never imports it. :func:`simulate` sends every request to one Node
process and returns one :class:`SimulationResult` per request, in order.

Policies are plain dicts (the JSON a template holds). Named policies are ``{"name": ..., "policy": {...}}``;
SCP and RCP levels are ``{"orgIdentifier": "r-root" | "ou-..." | ACCOUNT, "policies": [named policies]}``,
root first, account last. As in AWS, every SCP level must allow the action, so pass FullAWSAccess (or your
allow list) at each level; the simulator adds the default RCPFullAWSAccess itself. The script's header
documents what it adds: ``aws:PrincipalArn``/``aws:PrincipalAccount`` in the context of AWS principals, the
rewrite of named principals in VPC endpoint policies into ``"*"`` plus conditions, the normalization of
wildcard-resource results, and the input problems it reports as errors rather than deciding anyway.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast

ROOT: Final = Path(__file__).resolve().parents[2]
SCRIPT: Final = ROOT / "scripts" / "iam_simulate.mjs"
PACKAGE: Final = ROOT / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
BUNDLED_NODE: Final = ROOT / ".tools" / "node" / "bin" / "node"

DECISIONS: Final[frozenset[str]] = frozenset({"Allowed", "ExplicitlyDenied", "ImplicitlyDenied", "Error"})

NamedPolicy = Mapping[str, Any]
"""``{"name": str, "policy": <policy document>}``."""
OrgPolicies = Mapping[str, Any]
"""One level of an organization: ``{"orgIdentifier": str, "policies": [NamedPolicy, ...]}``."""
ContextValue = str | Sequence[str]


@dataclass(frozen=True)
class SimulationRequest:
    """One request to authorize, with every policy that applies to it."""

    principal: str
    """A role/user/root, assumed-role or federated-user ARN, or a service principal (``*.amazonaws.com``)."""
    action: str
    """``service:Action``, checked against the IAM service reference data."""
    resource: str
    """The resource ARN in the form the Service Authorization Reference lists for the action, or ``"*"``."""
    resource_account: str | None = None
    """The resource's account; ``None``: the ARN's account (for ``"*"``, the principal's). Required for ARNs
    without one: an S3 bucket's owner; for AWS-owned resources without resource policies (Bedrock foundation
    models), the caller's account, so that identity policies alone can allow, as in AWS."""
    context: Mapping[str, ContextValue] = field(default_factory=dict)
    identity_policies: Sequence[NamedPolicy] = ()
    resource_policy: Mapping[str, Any] | None = None
    vpc_endpoint_policies: Sequence[NamedPolicy] = ()
    service_control_policies: Sequence[OrgPolicies] = ()
    resource_control_policies: Sequence[OrgPolicies] = ()
    permission_boundaries: Sequence[NamedPolicy] | None = None
    allow_ignored_context_keys: bool = False
    """Accept context keys the action does not have (the simulator drops them); otherwise they are errors."""

    def to_json(self) -> dict[str, Any]:
        """The request as ``scripts/iam_simulate.mjs`` reads it."""
        return {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "resourceAccount": self.resource_account,
            "context": {
                key: value if isinstance(value, str) else list(value) for key, value in self.context.items()
            },
            "identityPolicies": list(self.identity_policies),
            "resourcePolicy": self.resource_policy,
            "vpcEndpointPolicies": list(self.vpc_endpoint_policies),
            "serviceControlPolicies": list(self.service_control_policies),
            "resourceControlPolicies": list(self.resource_control_policies),
            "permissionBoundaries": None
            if self.permission_boundaries is None
            else list(self.permission_boundaries),
            "allowIgnoredContextKeys": self.allow_ignored_context_keys,
        }

    def describe(self) -> str:
        """Who does what to which resource, for messages."""
        return f"{self.principal} {self.action} {self.resource}"


@dataclass(frozen=True)
class SimulationResult:
    """The simulator's decision for one request."""

    decision: str
    """``Allowed``, ``ExplicitlyDenied``, ``ImplicitlyDenied``, or ``Error`` (then see :attr:`errors`)."""
    explain: str
    """The decisive statements: effect, policy kind and name, Sid (or 1-based position)."""
    errors: tuple[str, ...]
    ignored_context_keys: tuple[str, ...] = ()
    """Context keys the simulator dropped because the action/resource type does not have them."""

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"


class SimulationError(RuntimeError):
    """Some requests could not be evaluated (unknown action, wrong resource type, invalid policy, ...)."""

    def __init__(self, failures: Sequence[tuple[int, SimulationRequest, SimulationResult]]) -> None:
        lines = [
            f"request {index} ({request.describe()}): {'; '.join(result.errors)}"
            for index, request, result in failures
        ]
        super().__init__(f"{len(failures)} IAM simulation request(s) failed:\n  " + "\n  ".join(lines))
        self.failures = tuple(failures)


def node_executable() -> str:
    """The Node that ``scripts/ensure-node.sh`` installed, else ``node`` on PATH."""
    if BUNDLED_NODE.exists():
        return str(BUNDLED_NODE)
    found = shutil.which("node")
    if found is None:
        raise RuntimeError(
            "Node.js is not installed: run 'make test' (it installs Node 22 when needed) or 'npm ci'"
        )
    return found


def simulate(
    requests: Sequence[SimulationRequest], *, allow_errors: bool = False, timeout: float = 600.0
) -> list[SimulationResult]:
    """Evaluate every request in one Node process; results in request order.

    Raises :class:`SimulationError` when any request's decision is ``Error`` unless ``allow_errors``.
    """
    if not requests:
        return []
    if not PACKAGE.exists():
        raise RuntimeError(
            "@cloud-copilot/iam-simulate is not installed in node_modules/: run 'make test' "
            "(or 'npm ci' in the repository root), which installs the pinned dev dependencies"
        )
    payload = json.dumps({"requests": [request.to_json() for request in requests]}, default=_plain)
    completed = subprocess.run(
        [node_executable(), str(SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        detail = completed.stderr.strip() or completed.stdout[:2000]
        raise RuntimeError(f"{SCRIPT.name} exited with status {completed.returncode}: {detail}")
    try:
        raw = json.loads(completed.stdout)["results"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise RuntimeError(f"{SCRIPT.name} wrote no results: {error}: {completed.stdout[:2000]!r}") from error
    if not isinstance(raw, list) or len(raw) != len(requests):
        raise RuntimeError(f"{SCRIPT.name} returned {len(raw)} results for {len(requests)} requests")
    results = [_result(cast(Mapping[str, Any], item)) for item in raw]
    failures = [
        (index, request, result)
        for index, (request, result) in enumerate(zip(requests, results, strict=True))
        if result.decision == "Error"
    ]
    if failures and not allow_errors:
        raise SimulationError(failures)
    return results


def _plain(value: object) -> object:
    """JSON for the read-only mappings and tuples a policy may be built from."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence | frozenset | set) and not isinstance(value, str | bytes):
        return list(value)
    raise TypeError(f"not JSON: {value!r}")


def _result(item: Mapping[str, Any]) -> SimulationResult:
    decision = item.get("decision")
    if decision not in DECISIONS:
        raise RuntimeError(f"unexpected decision {decision!r} from {SCRIPT.name}")
    return SimulationResult(
        decision=str(decision),
        explain=str(item.get("explain", "")),
        errors=tuple(str(error) for error in item.get("errors", ())),
        ignored_context_keys=tuple(str(key) for key in item.get("ignoredContextKeys", ())),
    )
