"""What a change does to security, from two synthesized cloud assemblies, offline: the pull request's
comment.

``cdk diff --security-only`` needs credentials and a deployed stack, and shows IAM and security-group
changes only. This compares two assemblies (the base branch's and the pull request's) and reports, in
Markdown:

* **access**: the access-matrix rows (:mod:`stacks.documents.access_matrix`) whose decision changed,
  evaluated by the independent IAM engine on each side ("team research: InvokeModel without the
  guardrail: ImplicitlyDenied -> Allowed"), for the reference stack;
* **IAM statements** added and removed, per policy, each marked as widening (an Allow added, a Deny
  removed) or narrowing access;
* **resource policies** (endpoint, key, bucket, topic and queue policies, role trust) the same way;
* **network**: security-group rules added and removed;
* **data at risk**: keys, buckets, log groups, the trail and the guardrail replaced or no longer
  retained (:func:`replacement_risks`, from CloudFormation's create-only properties).

    python -m stacks.documents.security_diff BASE_ASSEMBLY HEAD_ASSEMBLY [--output security-diff.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What each stateful type holds, for the message.
STATEFUL: dict[str, str] = {
    "AWS::KMS::Key": "a key: everything encrypted with the old key is unreadable once it is deleted",
    "AWS::S3::Bucket": "an evidence bucket: invocation logs, audit logs or access logs",
    "AWS::Logs::LogGroup": "a log group: invocation or audit records and their retention",
    "AWS::CloudTrail::Trail": "the audit trail: a gap in Bedrock data events while it is recreated",
    "AWS::Bedrock::Guardrail": "the guardrail: a new id, so every policy and client naming it changes",
}
#: Replaced on purpose: each guardrail change publishes a new, immutable version; old ones are retained.
RETAINED_ONLY = frozenset({"AWS::Bedrock::GuardrailVersion"})
RETAIN = "Retain"

#: Identity policies: the property that holds the document (a list of documents for a role's inline ones).
IDENTITY_POLICIES = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::IAM::Role": "Policies",
}
#: Resource policies and who they guard.
RESOURCE_POLICIES = {
    "AWS::EC2::VPCEndpoint": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::IAM::Role": "AssumeRolePolicyDocument",
}
RULES = {"AWS::EC2::SecurityGroupIngress": "ingress", "AWS::EC2::SecurityGroupEgress": "egress"}


def _path(resource: Mapping[str, Any]) -> str:
    """The construct path (``cdk synth`` records it; an in-process synth may not)."""
    return str(resource.get("Metadata", {}).get("aws:cdk:path", "?"))


def _where(logical_id: str, resource: Mapping[str, Any]) -> str:
    path = resource.get("Metadata", {}).get("aws:cdk:path")
    return f"{path} ({logical_id})" if path else logical_id


def _create_only(resource_type: str, region: str = "us-east-1") -> list[str]:
    """Top-level properties whose change makes CloudFormation replace the resource (cfn-lint's schemas)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    return sorted(path.split("/")[2] for path in schema.get("createOnlyProperties", []))


def replacement_risks(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Every way ``current`` would replace or stop retaining a stateful resource of ``baseline``."""
    risks: list[str] = []
    now = current.get("Resources", {})
    for logical_id, before in sorted(baseline.get("Resources", {}).items()):
        kind = before["Type"]
        if kind not in STATEFUL:
            continue
        where = f"{logical_id} ({kind} at {_path(before)}), {STATEFUL[kind]}"
        after = now.get(logical_id)
        if after is None or after["Type"] != kind:
            risks.append(
                f"{where}: its logical id is gone, so CloudFormation would create a new, empty resource "
                "and delete (or, retained, orphan) the old one. Keep the construct id and path, or see "
                "docs/upgrading.md"
            )
            continue
        for name in _create_only(kind):
            old, new = before.get("Properties", {}).get(name), after.get("Properties", {}).get(name)
            if old != new:
                risks.append(
                    f"{where}: create-only property {name} changes from {old!r} to {new!r}, which replaces "
                    "the resource. Keep the value, or see docs/upgrading.md"
                )
    for logical_id, resource in sorted(now.items()):
        if resource["Type"] in STATEFUL or resource["Type"] in RETAINED_ONLY:
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                if resource.get(policy) != RETAIN:
                    risks.append(
                        f"{logical_id} ({resource['Type']} at {_path(resource)}): {policy} is "
                        f"{resource.get(policy)!r}, so a delete or a replacement destroys it. Stateful "
                        "resources are retained by default; keep removal_policy=RemovalPolicy.RETAIN"
                    )
    return risks


def _canonical(value: Any) -> Any:
    """A statement with lists of strings sorted and one-element lists unwrapped, so equal meanings compare equal."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        if all(isinstance(item, str) for item in items):
            items = sorted(set(items))
            return items[0] if len(items) == 1 else items
        return items
    return value


def _text(statement: Mapping[str, Any]) -> str:
    return json.dumps(_canonical({k: v for k, v in statement.items() if k != "Sid"}), sort_keys=True)


def _statements(document: Any) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        return []
    statements = document.get("Statement", [])
    return [
        s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, Mapping)
    ]


def _resolver(template: Mapping[str, Any], stack_name: str) -> Any:
    """Statements with intrinsic functions resolved to the values a deployment in the access matrix's
    account and region gives (:mod:`stacks.documents.deployed`), so both sides compare as ARNs; a
    value that cannot be resolved stays as the template has it."""
    from stacks.documents.access_matrix import ACCOUNT, REGION
    from stacks.documents.deployed import Deployed

    deployed = Deployed(template, account=ACCOUNT, region=REGION, stack_name=stack_name)

    def resolve(statement: Mapping[str, Any]) -> Mapping[str, Any]:
        try:
            resolved: Mapping[str, Any] = deployed.resolve(statement)
        except (KeyError, ValueError, TypeError):
            return statement
        return resolved

    return resolve


def policies(
    template: Mapping[str, Any], kinds: Mapping[str, str], stack_name: str = "Stack"
) -> dict[str, dict[str, Mapping[str, Any]]]:
    """``"<construct path> (<logical id>) <property>"`` -> {statement text: statement} for every policy
    of ``kinds``, statements resolved to deployed values."""
    resolve = _resolver(template, stack_name)
    found: dict[str, dict[str, Mapping[str, Any]]] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        prop = kinds.get(resource.get("Type", ""))
        if prop is None:
            continue
        value = resource.get("Properties", {}).get(prop)
        documents = (
            [(f"{prop}[{p.get('PolicyName', i)}]", p.get("PolicyDocument")) for i, p in enumerate(value)]
            if prop == "Policies" and isinstance(value, list)
            else [(prop, value)]
        )
        for name, document in documents:
            statements = [resolve(s) for s in _statements(document)]
            if statements:
                found[f"{_where(logical_id, resource)} {name}"] = {_text(s): s for s in statements}
    return found


def _as_set(value: Any) -> set[str] | None:
    """A statement field as a set of strings (a principal map as ``type:value``), or None when it is not one."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return set(value)
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        members: set[str] = set()
        for key, inner in value.items():
            inner_set = _as_set(inner)
            if inner_set is None:
                return None
            members |= {f"{key}:{item}" for item in inner_set}
        return members
    return None


#: Fields whose larger set grants more: more principals, actions or resources.
_GRANTING = ("Principal", "Action", "Resource")


@dataclass
class Changed:
    """One statement (same Sid on both sides) whose fields changed."""

    sid: str
    effect: str
    fields: dict[str, tuple[Any, Any]]

    @property
    def direction(self) -> str:
        """``widens``, ``narrows`` or ``changes``: an Allow whose principals, actions or resources only
        grew (and whose conditions did not change) widens; only shrank, narrows; a Deny the other way."""
        grew = shrank = False
        for name, (old, new) in self.fields.items():
            before, after = _as_set(old), _as_set(new)
            if name not in _GRANTING or before is None or after is None:
                return "changes"
            grew |= after > before
            shrank |= after < before
            if not (after >= before or after <= before):
                return "changes"
        if grew == shrank:
            return "changes"
        wider = grew if self.effect == "Allow" else shrank
        return "widens" if wider else "narrows"


@dataclass
class PolicyChange:
    """The statements of one policy that one side has and the other lacks, and the ones that changed."""

    policy: str
    added: list[Mapping[str, Any]] = field(default_factory=list)
    removed: list[Mapping[str, Any]] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)

    @property
    def widens(self) -> bool:
        """An Allow added, a Deny removed, or a statement that widens."""
        return (
            any(s.get("Effect") == "Allow" for s in self.added)
            or any(s.get("Effect") == "Deny" for s in self.removed)
            or any(c.direction == "widens" for c in self.changed)
        )


def policy_changes(
    base: Mapping[str, Any], head: Mapping[str, Any], kinds: Mapping[str, str], stack_name: str = "Stack"
) -> list[PolicyChange]:
    before, after = policies(base, kinds, stack_name), policies(head, kinds, stack_name)
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, {}), after.get(key, {})
        added = [new[text] for text in sorted(set(new) - set(old))]
        removed = [old[text] for text in sorted(set(old) - set(new))]
        change = PolicyChange(key)
        by_sid = {str(s["Sid"]): s for s in removed if s.get("Sid")}
        for statement in added:
            previous = by_sid.pop(str(statement.get("Sid", "")), None) if statement.get("Sid") else None
            if previous is None:
                change.added.append(statement)
                continue
            fields = {
                name: (previous.get(name), statement.get(name))
                for name in sorted(set(previous) | set(statement))
                if name != "Sid" and _canonical(previous.get(name)) != _canonical(statement.get(name))
            }
            change.changed.append(Changed(str(statement["Sid"]), str(statement.get("Effect")), fields))
        change.removed = [s for s in removed if not s.get("Sid") or str(s["Sid"]) in by_sid]
        if change.added or change.removed or change.changed:
            changes.append(change)
    return changes


def rule_changes(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[str]:
    """Security-group rules (standalone and inline) one side has and the other lacks."""

    def rules(template: Mapping[str, Any]) -> set[str]:
        found = set()
        for logical_id, resource in template.get("Resources", {}).items():
            kind = resource.get("Type", "")
            properties = resource.get("Properties", {})
            if kind in RULES:
                found.add(f"{RULES[kind]} {_text(properties)} ({_where(logical_id, resource)})")
            elif kind == "AWS::EC2::SecurityGroup":
                for direction, prop in (
                    ("ingress", "SecurityGroupIngress"),
                    ("egress", "SecurityGroupEgress"),
                ):
                    for rule in properties.get(prop, []) or []:
                        found.add(f"{direction} {_text(rule)} ({_where(logical_id, resource)})")
        return found

    before, after = rules(base), rules(head)
    return [f"added: {rule}" for rule in sorted(after - before)] + [
        f"removed: {rule}" for rule in sorted(before - after)
    ]


@dataclass(frozen=True)
class RowChange:
    """An access-matrix row whose decision differs between the two sides."""

    row_id: str
    who: str
    does: str
    before: str
    after: str


def access_changes(
    base: Mapping[str, Any], head: Mapping[str, Any], stack_name: str
) -> tuple[list[RowChange], list[str]]:
    """The reference rows evaluated on each side; the rows whose decision changed, and notes (rows that
    exist on one side only, or a side whose rows cannot be built)."""
    from stacks.documents.access_matrix import ACCOUNT, REGION, evaluate_rows, reference_rows
    from stacks.documents.deployed import Deployed

    decided: list[dict[str, tuple[str, str, str]]] = []
    notes: list[str] = []
    for side, template in (("base", base), ("head", head)):
        try:
            rows = reference_rows(Deployed(template, account=ACCOUNT, region=REGION, stack_name=stack_name))
        except (ValueError, KeyError, LookupError) as error:
            notes.append(f"the access matrix cannot be built on the {side} side: {error}")
            return [], notes
        decided.append({e.row.id: (e.row.who, e.row.does, e.result.decision) for e in evaluate_rows(rows)})
    before, after = decided
    for row_id in sorted(set(before) ^ set(after)):
        notes.append(f"row `{row_id}` exists on the {'base' if row_id in before else 'head'} side only")
    changes = [
        RowChange(row_id, after[row_id][0], after[row_id][1], before[row_id][2], after[row_id][2])
        for row_id in sorted(set(before) & set(after))
        if before[row_id][2] != after[row_id][2]
    ]
    return changes, notes


def templates(assembly: Path) -> dict[str, dict[str, Any]]:
    """The stack templates of a cloud assembly, by stack name."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") == "aws:cloudformation:stack":
            name = artifact.get("displayName", artifact_id)
            found[name] = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
    return found


def _compact(value: Any) -> str:
    return json.dumps(_canonical(value), sort_keys=True)


def _statement_lines(change: PolicyChange) -> list[str]:
    lines = [f"- {'**widens**' if change.widens else 'narrows or changes'} `{change.policy}`"]
    for statement in change.added:
        sid = f" `{statement['Sid']}`" if statement.get("Sid") else ""
        lines.append(f"  - added{sid}: `{_text(statement)}`")
    for statement in change.removed:
        sid = f" `{statement['Sid']}`" if statement.get("Sid") else ""
        lines.append(f"  - removed{sid}: `{_text(statement)}`")
    for changed in change.changed:
        direction = f"**{changed.direction}**" if changed.direction == "widens" else changed.direction
        lines.append(f"  - {direction} `{changed.sid}` ({changed.effect}):")
        for name, (old, new) in changed.fields.items():
            before, after = _as_set(old), _as_set(new)
            if before is not None and after is not None:
                parts = [f"+ `{item}`" for item in sorted(after - before)]
                parts += [f"- `{item}`" for item in sorted(before - after)]
                lines.append(f"    - {name}: {', '.join(parts)}")
            else:
                lines.append(f"    - {name}: `{_compact(old)}` -> `{_compact(new)}`")
    return lines


def render(
    base: Mapping[str, Mapping[str, Any]],
    head: Mapping[str, Mapping[str, Any]],
    *,
    matrix_stack: str | None = "SecureBedrockHipaa",
) -> str:
    """The Markdown comment for every stack of either side."""
    out = ["## Security diff", ""]
    total = 0
    for name in sorted(set(base) | set(head)):
        before, after = base.get(name, {"Resources": {}}), head.get(name, {"Resources": {}})
        sections: list[tuple[str, list[str]]] = []
        if matrix_stack is not None and name == matrix_stack and name in base and name in head:
            rows, notes = access_changes(before, after, name)
            sections.append(
                (
                    "Access (access-matrix rows whose decision changed)",
                    [
                        f"- **{row.row_id}**: {row.who}: {row.does}: {row.before} -> **{row.after}**"
                        for row in rows
                    ]
                    + [f"- note: {note}" for note in notes],
                )
            )
        identity = policy_changes(before, after, IDENTITY_POLICIES, name)
        sections.append(("IAM statements", [line for c in identity for line in _statement_lines(c)]))
        resource = policy_changes(before, after, RESOURCE_POLICIES, name)
        sections.append(("Resource policies", [line for c in resource for line in _statement_lines(c)]))
        sections.append(("Network", [f"- {rule}" for rule in rule_changes(before, after)]))
        sections.append(("Data at risk", [f"- {risk}" for risk in replacement_risks(before, after)]))
        changed = [(title, lines) for title, lines in sections if lines]
        total += sum(len(lines) for _, lines in changed)
        if not changed:
            continue
        out += [f"### {name}", ""]
        for title, lines in changed:
            out += [f"#### {title}", "", *lines, ""]
    if total == 0:
        out += ["No change to access, policies, network rules or retained data.", ""]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stacks.documents.security_diff", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("base", type=Path, help="the base branch's cloud assembly (cdk.out)")
    parser.add_argument("head", type=Path, help="the change's cloud assembly (cdk.out)")
    parser.add_argument("--output", "-o", type=Path, help="the Markdown file to write. Default: stdout")
    args = parser.parse_args(argv)
    for side in (args.base, args.head):
        if not (side / "manifest.json").is_file():
            print(f"{side}: not a cloud assembly (no manifest.json); synthesize it first", file=sys.stderr)
            return 2
    text = render(templates(args.base), templates(args.head))
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
