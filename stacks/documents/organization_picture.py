"""The organization picture: the management account's guardrail and Organizations policies, the roots,
OUs and accounts they are attached to, and what each policy stops in a member account there, drawn from
the organization stack's synthesized CloudFormation template.

Generated for the same reasons as the architecture picture (:mod:`stacks.documents.architecture`, whose
text metrics, boxes and colours this module reuses): an SCP statement added, a region or a model
approved, an OU attached, and ``make docs`` redraws it; a test fails when the checked-in copy differs.
Every label is read from the template: policy names, kinds and sizes, the statements' Sids, actions,
resources and conditions, the targets' ids, the guardrail, its key and its resource policy.

Layout: the organization (its id, from the ``aws:PrincipalOrgID`` conditions) frames the management
account on the left (guardrail, key, policies) and one frame per target on the right, each with a
"member account" box holding one section per policy attached there. An arrow per (policy, target),
in the policy kind's colour and labelled with the kind, ends at that policy's section.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from secure_bedrock import limits
from stacks.documents.architecture import (
    AUDIT,
    BORDER,
    FONT_FAMILY,
    GAP,
    GOVERNANCE,
    INK,
    KEY_STROKE,
    MUTED,
    PAD_Y,
    PRIVATE,
    WHITE,
    WIDTH,
    Box,
    Canvas,
    Line,
    Placed,
    Resources,
    as_list,
    attributes,
    construct_names,
    draw_box,
    draw_label,
    draw_lines,
    draw_path,
    encryption_keys,
    guardrail_box,
    key_box,
    note,
    of_type,
    place,
    plural,
    props,
    refs,
    render_value,
    shorten,
    statements,
    text_element,
    text_width,
    tooltip_texts,
)

POLICY_TYPE = "AWS::Organizations::Policy"
#: The fill of the account and target frames: GitHub's neutral canvas tint.
ACCOUNT_FILL = "#f6f8fa"
#: The fill of the organization frame.
ORGANIZATION_FILL = "#fbfcfd"


@dataclass(frozen=True)
class Kind:
    """An Organizations policy type as the picture draws it: its words, colour and size limit."""

    policy_type: str
    title: str
    short: str
    color: str
    marker: str
    limit: limits.Limit | None = None


#: The policy types this stack attaches, in the order the picture lists them; any other type is drawn
#: with :func:`kind_of`'s neutral kind.
KINDS = (
    Kind(
        "SERVICE_CONTROL_POLICY",
        "Service control policy",
        "SCP",
        PRIVATE.color,
        "scp",
        limits.SERVICE_CONTROL_POLICY,
    ),
    Kind(
        "RESOURCE_CONTROL_POLICY",
        "Resource control policy",
        "RCP",
        AUDIT.color,
        "rcp",
        limits.RESOURCE_CONTROL_POLICY,
    ),
    Kind("BEDROCK_POLICY", "Bedrock policy", "Bedrock policy", GOVERNANCE.color, "bedrock"),
)
KIND_ORDER = {kind.policy_type: index for index, kind in enumerate(KINDS)}

ACCOUNT_ID = re.compile(r"^\d{12}$")
TITLE = (
    "The secure-bedrock organization: the management account's guardrail and policies, and the roots, OUs "
    "and accounts they are attached to, generated from its CloudFormation template"
)

# --------------------------------------------------------------------------------------------------
# Reading the template
# --------------------------------------------------------------------------------------------------


def kind_of(resources: Resources, policy: str) -> Kind:
    """The kind of an ``AWS::Organizations::Policy`` (a neutral one for types the picture does not know)."""
    policy_type = render_value(props(resources, policy).get("Type", ""))
    for kind in KINDS:
        if kind.policy_type == policy_type:
            return kind
    words = policy_type.replace("_", " ").capitalize() or "Organizations policy"
    return Kind(
        policy_type, words, words.lower(), BORDER, "other-" + re.sub(r"[^a-z0-9]+", "-", policy_type.lower())
    )


def policies(resources: Resources) -> list[str]:
    """The Organizations policies: SCPs, then RCPs, then Bedrock policies (then others), each by name."""
    return sorted(
        of_type(resources, POLICY_TYPE),
        key=lambda lid: (
            KIND_ORDER.get(kind_of(resources, lid).policy_type, len(KINDS)),
            policy_name(resources, lid),
            lid,
        ),
    )


def policy_name(resources: Resources, policy: str) -> str:
    """A policy's name, as the Organizations console lists it."""
    return render_value(props(resources, policy).get("Name", policy))


def content(resources: Resources, policy: str) -> Mapping[str, Any]:
    """A policy's document: CloudFormation takes it as an object or as a JSON string."""
    value = props(resources, policy).get("Content")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def target_ids(resources: Resources, policy: str) -> list[str]:
    """The roots, OUs and accounts a policy is attached to."""
    return [render_value(target) for target in as_list(props(resources, policy).get("TargetIds"))]


def targets(resources: Resources) -> dict[str, list[str]]:
    """Each target id -> the policies attached to it (in :func:`policies` order): roots, OUs, accounts."""
    found: dict[str, list[str]] = {}
    for policy in policies(resources):
        for target in target_ids(resources, policy):
            if policy not in found.setdefault(target, []):
                found[target].append(policy)
    return dict(sorted(found.items(), key=lambda item: (target_rank(item[0]), item[0])))


def target_rank(target: str) -> int:
    """Roots first, then OUs, then accounts, then anything else (a parameter)."""
    if target.startswith("r-"):
        return 0
    if target.startswith("ou-"):
        return 1
    return 2 if ACCOUNT_ID.match(target) else 3


def target_title(target: str) -> str:
    """``OU ou-ab12-cdefgh34``, ``Root r-ab12``, ``Account 123456789012``."""
    return ("Root", "OU", "Account", "Target")[target_rank(target)] + f" {target}"


def member_caption(target: str) -> str:
    """What the member account box stands for under ``target``."""
    if target_rank(target) == 2:
        return "this account"
    return f"every account under this {target_title(target).split(' ')[0]}"


def condition_values(value: Any, key: str) -> set[str]:
    """Every value tested against the condition key ``key`` anywhere in ``value``."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for name, inner in value.items():
            if str(name).lower() == key.lower() and not isinstance(inner, Mapping):
                found |= {render_value(v) for v in as_list(inner)}
            else:
                found |= condition_values(inner, key)
    elif isinstance(value, list):
        for inner in value:
            found |= condition_values(inner, key)
    return found


def organization_ids(resources: Resources) -> list[str]:
    """The organization ids that the template's policies test with ``aws:PrincipalOrgID``."""
    found: set[str] = set()
    for resource in resources.values():
        found |= condition_values(resource.get("Properties") or {}, "aws:PrincipalOrgID")
    return sorted(found)


# --------------------------------------------------------------------------------------------------
# A statement in one line: what it denies (or allows), on what, under which conditions
# --------------------------------------------------------------------------------------------------


def action_phrase(statement: Mapping[str, Any]) -> str:
    """``every bedrock and bedrock-mantle action``, ``bedrock:InvokeModel, CountTokens``, ``17 actions
    (8 ec2, 4 kms, 5 logs)``; ``every action but ...`` for ``NotAction``."""
    negated = "Action" not in statement and "NotAction" in statement
    actions = sorted({render_value(a) for a in as_list(statement.get("NotAction" if negated else "Action"))})
    services = sorted({action.split(":", 1)[0] for action in actions})
    if "*" in actions:
        phrase = "every action"
    elif actions and all(action.endswith(":*") for action in actions):
        phrase = f"every {' and '.join(services)} action"
    elif len(actions) <= 4:
        ordered = [render_value(a) for a in as_list(statement.get("NotAction" if negated else "Action"))]
        by_service: dict[str, list[str]] = {}
        for action in ordered:
            service, _, name = action.partition(":")
            by_service.setdefault(service, []).append(name)
        phrase = "; ".join(f"{service}:{', '.join(names)}" for service, names in by_service.items())
    elif len(services) == 1:
        phrase = f"{len(actions)} {services[0]} actions"
    else:
        counts = Counter(action.split(":", 1)[0] for action in actions)
        detail = ", ".join(f"{count} {service}" for service, count in sorted(counts.items()))
        phrase = f"{len(actions)} actions ({detail})"
    return f"every action but {phrase}" if negated else phrase


def arn_resource_type(arn: str) -> str:
    """``foundation model`` for ``arn:aws:bedrock:*::foundation-model/x``; the ARN itself if it has none."""
    parts = arn.split(":", 5)
    return parts[5].split("/", 1)[0].replace("-", " ") if len(parts) == 6 and "/" in parts[5] else arn


def resource_phrase(statement: Mapping[str, Any]) -> str:
    """Which resources: nothing for ``*``; for ``NotResource``, how many ARNs are exempt, by type."""
    if "NotResource" in statement:
        arns = [render_value(arn) for arn in as_list(statement.get("NotResource"))]
        any_of = sorted({arn_resource_type(arn) for arn in arns if arn.endswith("/*")})
        named = Counter(arn_resource_type(arn) for arn in arns if not arn.endswith("/*"))
        parts = [plural(count, kind) for kind, count in sorted(named.items())]
        parts += [f"any {kind}" for kind in any_of]
        return f"on all but {plural(len(arns), 'approved ARN')} ({', '.join(parts)})"
    arns = [render_value(arn) for arn in as_list(statement.get("Resource", "*"))]
    if arns == ["*"] or not arns:
        return ""
    if len(arns) == 1:
        return f"on {arns[0]}"
    return f"on {plural(len(arns), 'resource')}"


def principal_names(arns: Sequence[str]) -> str:
    """``roles cdk-hnb659fds-cfn-exec-role-*, stacksets-exec-*`` from principal ARN patterns."""
    grouped: dict[str, list[str]] = {}
    for arn in arns:
        parts = arn.split(":", 5)
        if len(parts) == 6 and "/" in parts[5]:
            kind, name = parts[5].split("/", 1)
            account = parts[4]
            grouped.setdefault(kind, []).append(name if account in ("*", "") else f"{name} of {account}")
        else:
            grouped.setdefault("", []).append(arn)
    return "; ".join(
        f"{kind}s {', '.join(names)}" if kind and len(names) > 1 else f"{kind} {', '.join(names)}".strip()
        for kind, names in grouped.items()
    )


#: Condition keys whose phrase reads best last (the exemptions): ``..., except by roles ...``.
EXEMPTIONS = ("aws:principalarn", "aws:principalisawsservice")


def condition_phrase(operator: str, key: str, values: Sequence[str]) -> str:
    """One condition in words: ``outside us-east-1, us-west-2``, ``except by roles ...``."""
    base = operator.split(":", 1)[-1].removesuffix("IfExists")
    negative = "Not" in base
    listed = ", ".join(values)
    name = key.lower()
    if name == "aws:requestedregion":
        return f"{'outside' if negative else 'only in'} {listed}"
    if name == "aws:principalarn":
        return f"{'except by' if negative else 'only by'} {principal_names(values)}"
    if name == "aws:principalorgid":
        return f"by principals {'outside' if negative else 'of'} organization {listed}"
    if name == "aws:principalisawsservice" and base == "Bool":
        return "AWS services exempt" if values == ["false"] else "only AWS services"
    if name.startswith("aws:resourcetag/") and base == "Null":
        tag = key.split("/", 1)[1]
        return f"on resources tagged {tag}" if values == ["false"] else f"on resources not tagged {tag}"
    if name == "aws:tagkeys":
        return f"{'unless the request names only' if negative else 'when the request names'} the tag key {listed}"
    if name == "kms:viaservice":
        return f"{'except through' if negative else 'through'} {listed}"
    return f"when {key} {operator} {listed}"


def condition_phrases(statement: Mapping[str, Any]) -> list[str]:
    """Every condition of a statement in words, scoping ones first and exemptions last."""
    found: list[tuple[bool, str, str, str]] = []
    for operator, block in (statement.get("Condition") or {}).items():
        if isinstance(block, Mapping):
            for key, value in block.items():
                phrase = condition_phrase(str(operator), str(key), [render_value(v) for v in as_list(value)])
                found.append((str(key).lower() in EXEMPTIONS, str(key).lower(), str(operator), phrase))
    return [("; " if exemption else " ") + phrase for exemption, *_, phrase in sorted(found)]


def summary(statement: Mapping[str, Any]) -> str:
    """A statement in one sentence: ``denies every bedrock action outside us-east-1, us-west-2``."""
    verb = "denies" if statement.get("Effect") == "Deny" else "allows"
    head = " ".join(part for part in (verb, action_phrase(statement), resource_phrase(statement)) if part)
    return head + "".join(condition_phrases(statement))


def statement_lines(document: Mapping[str, Any]) -> list[Line]:
    """One entry per statement: its Sid (bold), then what it does."""
    lines: list[Line] = []
    for index, statement in enumerate(statements(document), start=1):
        lines.append(Line(render_value(statement.get("Sid") or f"statement {index}"), 10, True))
        lines.append(Line(summary(statement), 10))
    return lines or [note("no statements")]


# --------------------------------------------------------------------------------------------------
# The Bedrock policy: which guardrail it enforces, where, on what
# --------------------------------------------------------------------------------------------------


def assigned(value: Any) -> Any:
    """The value of an Organizations policy operator (``{"@@assign": value}``), or the value itself."""
    if isinstance(value, Mapping) and "@@assign" in value:
        return value["@@assign"]
    return value


@dataclass(frozen=True)
class Enforcement:
    """One guardrail that a Bedrock policy enforces in one region."""

    region: str
    guardrail: str
    version: str
    models: str
    guarding: str


def guardrail_label(resources: Resources, identifier: Any) -> tuple[str, str]:
    """The guardrail (its name when the template has it) and version an identifier names."""
    named = refs(identifier)
    guardrails = [lid for lid in of_type(resources, "AWS::Bedrock::Guardrail") if lid in named]
    versions = [lid for lid in of_type(resources, "AWS::Bedrock::GuardrailVersion") if lid in named]
    if guardrails:
        name = ", ".join(render_value(props(resources, g).get("Name", g)) for g in guardrails)
    else:
        name = render_value(identifier).rsplit("/", 1)[-1]
    if versions:
        return name, "its published version"
    text = render_value(identifier)
    return name, (f"version {text.rsplit(':', 1)[-1]}" if text.count(":") > 5 else "its working draft")


def enforcements(policy_content: Mapping[str, Any], resources: Resources) -> list[Enforcement]:
    """The guardrails a Bedrock policy's ``guardrail_inference`` section enforces, region by region."""
    found = []
    inference = (policy_content.get("bedrock") or {}).get("guardrail_inference") or {}
    for region, configs in sorted(inference.items()):
        for _, config in sorted((configs or {}).items()):
            if not isinstance(config, Mapping):
                continue
            guardrail, version = guardrail_label(resources, assigned(config.get("identifier")))
            models = ", ".join(
                render_value(m)
                for m in as_list(assigned((config.get("model_enforcement") or {}).get("included_models")))
            )
            guarding = " \u00b7 ".join(
                f"{part}: {render_value(assigned(value))}"
                for part, value in sorted((config.get("selective_content_guarding") or {}).items())
            )
            found.append(Enforcement(str(region), guardrail, version, models or "all", guarding))
    return found


def enforcement_lines(enforced: Sequence[Enforcement]) -> list[Line]:
    """What a Bedrock policy makes every model call in the member account go through."""
    lines: list[Line] = []
    for entry in enforced:
        lines.append(Line(f"in {entry.region}", 10, True))
        lines.append(Line(f"enforces guardrail {entry.guardrail} ({entry.version}) on every model call", 10))
        lines.append(
            note(f"models: {entry.models}" + (f" \u00b7 {entry.guarding}" if entry.guarding else ""))
        )
    return lines or [note("enforces no guardrail")]


# --------------------------------------------------------------------------------------------------
# Boxes
# --------------------------------------------------------------------------------------------------


def policy_box(resources: Resources, policy: str) -> Box:
    """A policy in the management account: kind, name, size against its limit, description, targets."""
    kind = kind_of(resources, policy)
    document = content(resources, policy)
    lines = [Line(kind.title, 12, True, kind.color), Line(policy_name(resources, policy), 10)]
    if kind.limit is not None:
        size = limits.policy_size(document, kind.limit, resources)
        count = plural(len(statements(document)), "statement")
        lines.append(note(f"{count} \u00b7 {size:,} of {kind.limit.maximum:,} {kind.limit.unit}"))
        if size > kind.limit.maximum:
            lines.append(
                Line(f"over the {kind.limit.name} limit: AWS refuses it", 10, True, GOVERNANCE.color)
            )
    elif kind.policy_type == "BEDROCK_POLICY":
        regions = sorted({entry.region for entry in enforcements(document, resources)})
        lines.append(note(f"guardrail enforced in {', '.join(regions) or 'no region'}"))
    description = render_value(props(resources, policy).get("Description", ""))
    if description:
        lines.append(note(description.removeprefix("secure-bedrock: ")))
    if not target_ids(resources, policy):
        lines.append(Line("attached to no root, OU or account", 10, False, GOVERNANCE.color))
    return Box(tuple(lines), (policy,), stroke=kind.color)


def section_box(resources: Resources, policy: str) -> Box:
    """What ``policy`` does in a member account: its statements, or the guardrail it enforces."""
    kind = kind_of(resources, policy)
    document = content(resources, policy)
    title = (Line(kind.title, 11, True, kind.color), Line(policy_name(resources, policy), 10, False, MUTED))
    if kind.policy_type == "BEDROCK_POLICY":
        body = enforcement_lines(enforcements(document, resources))
    elif statements(document):
        body = statement_lines(document)
    else:
        body = [note("content not summarized here")]
    return Box((*title, *body), (policy,), stroke=kind.color)


def resource_policy_lines(resources: Resources, guardrail: str) -> tuple[list[Line], list[str]]:
    """The guardrail's resource policy (who may apply it), and the policy's logical ids."""
    lines: list[Line] = []
    found = []
    for lid in of_type(resources, "AWS::Bedrock::ResourcePolicy"):
        if guardrail in refs(props(resources, lid).get("ResourceArn")):
            found.append(lid)
            lines.append(Line("resource policy", 10, True))
            # The policy is the guardrail's own: its statements' Resource is the guardrail.
            lines += [
                Line(summary({k: v for k, v in s.items() if k != "Resource"}), 10)
                for s in statements(props(resources, lid).get("PolicyDocument"))
            ]
    return lines, found


def key_policy_lines(resources: Resources, key: str) -> list[Line]:
    """The key policy's statements for principals beyond the account (the organization's)."""
    lines = []
    for statement in statements(props(resources, key).get("KeyPolicy")):
        if statement.get("Effect") == "Allow" and condition_values(statement, "aws:PrincipalOrgID"):
            lines.append(note(summary(statement)))
    return lines


# --------------------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------------------
ORG_X = 12
MGMT_X, MGMT_W = 28, 380
BOX_X, BOX_W = MGMT_X + 12, MGMT_W - 24
TARGET_X = 530
TARGET_W = WIDTH - 28 - TARGET_X
MEMBER_X, MEMBER_W = TARGET_X + 12, TARGET_W - 24
SECTION_X, SECTION_W = MEMBER_X + 10, MEMBER_W - 20
#: Vertical gap between a guardrail and its key, long enough to show the dashed 'encrypted with' line.
KEY_GAP = 18


@dataclass
class Column:
    """Boxes placed one under the other from ``y``, and the texts between them."""

    canvas: Canvas
    x: int
    w: int
    y: int
    placed: list[Placed]

    def box(self, box: Box, gap: int = GAP) -> Placed:
        """Place ``box`` at the cursor and move the cursor below it."""
        placed = place(box, self.x, self.y, self.w)
        self.placed.append(placed)
        self.y = placed.bottom + gap
        return placed

    def lines(self, lines: Sequence[Line], gap: int = 4) -> None:
        """Lines of text at the cursor."""
        self.y = draw_lines(self.canvas, self.x, self.y, lines) + gap


def frame(
    canvas: Canvas, x: int, y: int, w: int, h: int, fill: str, stroke: str, *, dashed: bool = False
) -> None:
    """A rounded frame (an account, a target, the organization)."""
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    canvas.add(f"<rect {attributes(x=x, y=y, width=w, height=h, rx=8, fill=fill, stroke=stroke)}{dash}/>")


def draw_management(
    canvas: Canvas, resources: Resources, names: Mapping[str, str], y: int
) -> tuple[dict[str, Placed], int]:
    """The management account: guardrails with their keys, then the policies. Returns the policies'
    boxes by logical id, and the y below the frame."""
    inner = Canvas(tooltips=canvas.tooltips)
    column = Column(inner, BOX_X, BOX_W, y + 8, [])
    column.lines([Line("Management account", 13, True), note("deploys this stack: guardrail, key, policies")])
    column.y += 4
    encrypted = encryption_keys(resources)
    drawn_keys: set[str] = set()
    for guardrail in of_type(resources, "AWS::Bedrock::Guardrail"):
        base = guardrail_box(resources, guardrail, encrypted, names)
        extra, policy_ids = resource_policy_lines(resources, guardrail)
        key = encrypted.get(guardrail)
        placed = column.box(
            Box((*base.lines, *extra), (*base.resources, *policy_ids), stroke=base.stroke),
            KEY_GAP if key else GAP,
        )
        if key and key not in drawn_keys:
            drawn_keys.add(key)
            key_placed = column.box(key_box_with_policy(resources, key, names))
            link_x = placed.x + 24
            draw_path(inner, [(link_x, key_placed.y), (link_x, placed.bottom)], KEY_STROKE, dashed=True)
    for key in of_type(resources, "AWS::KMS::Key"):
        if key not in drawn_keys:
            column.box(key_box_with_policy(resources, key, names))
    column.lines([Line("Organizations policies", 11, True, INK)])
    placed_policies = {policy: column.box(policy_box(resources, policy)) for policy in policies(resources)}
    if not placed_policies:
        column.lines([note("none in this template")])
    bottom = column.y - GAP + 12
    canvas.add(f"<g {attributes(data_account='management')}>")
    frame(canvas, MGMT_X, y, MGMT_W, bottom - y, ACCOUNT_FILL, BORDER)
    canvas.parts += inner.parts
    for placed in column.placed:
        draw_box(canvas, placed)
    canvas.add("</g>")
    return placed_policies, bottom


def key_box_with_policy(resources: Resources, key: str, names: Mapping[str, str]) -> Box:
    """The architecture picture's key box, with what its policy grants the organization."""
    base = key_box(resources, key, names, ())
    return Box(
        (*base.lines, *key_policy_lines(resources, key)), base.resources, fill=base.fill, stroke=base.stroke
    )


def draw_target(
    canvas: Canvas, resources: Resources, target: str, attached: Sequence[str], y: int
) -> tuple[dict[str, Placed], int]:
    """A root, OU or account, with its member account box and one section per policy attached.
    Returns the sections by policy, and the y below the frame."""
    inner = Canvas(tooltips=canvas.tooltips)
    header = Column(inner, TARGET_X + 12, TARGET_W - 24, y + 8, [])
    count = f"{len(attached)} {'policy' if len(attached) == 1 else 'policies'} of this stack attached"
    header.lines([Line(target_title(target), 13, True), note(count)])
    member_top = header.y + 2
    column = Column(inner, SECTION_X, SECTION_W, member_top + 8, [])
    column.lines(
        [
            Line("Member account", 12, True),
            note(f"{member_caption(target)}: what each policy denies or enforces there"),
        ]
    )
    sections = {policy: column.box(section_box(resources, policy)) for policy in attached}
    member_bottom = column.y - GAP + 10
    bottom = member_bottom + 12
    canvas.add(f"<g {attributes(data_target=target)}>")
    frame(canvas, TARGET_X, y, TARGET_W, bottom - y, ACCOUNT_FILL, BORDER)
    frame(canvas, MEMBER_X, member_top, MEMBER_W, member_bottom - member_top, WHITE, BORDER, dashed=True)
    canvas.parts += inner.parts
    for placed in column.placed:
        draw_box(canvas, placed)
    canvas.add("</g>")
    return sections, bottom


def draw_arrows(
    canvas: Canvas,
    resources: Resources,
    sources: Mapping[str, Placed],
    sections: Sequence[Mapping[str, Placed]],
) -> None:
    """One arrow per (policy, target), from the policy to its section there, labelled with its kind.

    Each policy has its own vertical track in the gap between the columns, so that arrows of different
    policies never share a segment; a policy attached to several targets fans out along its track.
    """
    gutter = TARGET_X - (MGMT_X + MGMT_W)
    step = max(2, min(12, (gutter - 100) // max(len(sources), 1)))
    for index, (policy, source) in enumerate(sources.items()):
        kind = kind_of(resources, policy)
        track = MGMT_X + MGMT_W + 14 + index * step
        for placed in sections:
            section = placed.get(policy)
            if section is None:
                continue
            y = section.y + PAD_Y + 8
            points = [(source.right, source.middle), (track, source.middle), (track, y), (section.x, y)]
            draw_path(canvas, points, kind.color, marker=kind.marker)
            draw_label(canvas, (track + TARGET_X) // 2, y - 8, kind.short, kind.color)


def defs(kinds: Sequence[Kind]) -> str:
    """Arrowheads, one per policy kind's colour."""
    markers = "".join(
        f'<marker id="{kind.marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0 0L10 5L0 10z" fill="{kind.color}"/></marker>'
        for kind in kinds
    )
    return f"<defs>{markers}</defs>"


def used_kinds(resources: Resources) -> list[Kind]:
    """The kinds of the template's policies, each once, in the picture's order."""
    found: dict[str, Kind] = {}
    for policy in policies(resources):
        kind = kind_of(resources, policy)
        found.setdefault(kind.marker, kind)
    return list(found.values())


def draw_header(canvas: Canvas, template: Mapping[str, Any], resources: Resources) -> int:
    """Title, provenance and legend; returns the y below them."""
    description = render_value(template.get("Description", "Amazon Bedrock organization policies"))
    canvas.add(text_element(16, 30, Line(shorten(description, WIDTH - 32, 18, bold=True), 18, True)))
    provenance = (
        "Generated by make docs from the organization stack's synthesized CloudFormation template "
        f"({len(resources)} resources). Hover a box for its resources."
    )
    canvas.add(text_element(16, 50, note(shorten(provenance, WIDTH - 32, 10))))
    entries: list[tuple[str, Kind | None]] = [
        (kind.title if kind.short == kind.title else f"{kind.short}: {kind.title.lower()}", kind)
        for kind in used_kinds(resources)
    ]
    entries.append(("encrypted with (customer-managed KMS key)", None))
    x, y = 16, 70
    for label, kind in entries:
        width = 32 + int(text_width(label, 11)) + 18
        if x > 16 and x + width - 18 > WIDTH - 16:
            x, y = 16, y + 18
        if kind is None:
            draw_path(canvas, [(x, y), (x + 26, y)], KEY_STROKE, dashed=True)
        else:
            draw_path(canvas, [(x, y), (x + 26, y)], kind.color, marker=kind.marker)
        canvas.add(text_element(x + 32, y + 4, Line(label, 11)))
        x += width
    return y + 18


def render_organization_svg(template: Mapping[str, Any]) -> str:
    """The organization picture of ``template`` (the organization stack's synthesized template).

    Deterministic: the same template gives the same bytes (sorted iteration, integer coordinates, no
    dates), and the text is ASCII with character references, whatever the platform's encoding.
    """
    resources: Resources = template.get("Resources") or {}
    names = construct_names(resources)
    canvas = Canvas(tooltips=tooltip_texts(resources, names))
    top = draw_header(canvas, template, resources) + 4
    inner = Canvas(tooltips=canvas.tooltips)
    organizations = organization_ids(resources)
    title = f"Organization {', '.join(organizations)}" if organizations else "Organization"
    inner.add(text_element(ORG_X + 14, top + 21, Line(title, 14, True)))
    content_top = top + 34
    sources, management_bottom = draw_management(inner, resources, names, content_top)
    y = content_top
    sections: list[dict[str, Placed]] = []
    for target, attached in targets(resources).items():
        placed, y = draw_target(inner, resources, target, attached, y)
        sections.append(placed)
        y += 14
    if not sections:
        inner.add(text_element(TARGET_X, content_top + 14, note("the policies are attached to no target")))
        y = content_top + 30
    draw_arrows(inner, resources, sources, sections)
    bottom = max(management_bottom + 14, y) + 2
    frame(canvas, ORG_X, top, WIDTH - 2 * ORG_X, bottom - top, ORGANIZATION_FILL, BORDER)
    canvas.parts += inner.parts
    return document(canvas, bottom + 12, used_kinds(resources))


def document(canvas: Canvas, height: int, kinds: Sequence[Kind]) -> str:
    """The SVG document around the drawn elements."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" {attributes(width=WIDTH, height=height, viewBox=f"0 0 {WIDTH} {height}")} '
        f'font-family="{FONT_FAMILY}" role="img" aria-labelledby="title">'
    )
    body = "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            head,
            f'<title id="title">{escape(TITLE)}</title>',
            defs(kinds),
            f"<rect {attributes(x=0, y=0, width=WIDTH, height=height, fill=WHITE)}/>",
            *canvas.parts,
            "</svg>",
            "",
        ]
    )
    return body.encode("ascii", "xmlcharrefreplace").decode("ascii")
