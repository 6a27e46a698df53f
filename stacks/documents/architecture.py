"""The architecture picture of a landing zone, drawn from its synthesized CloudFormation template.

Why generated: a hand-drawn diagram drifts from the code the first time someone adds an endpoint or a
team. This one is redrawn by ``make docs`` from the template the reference environment synthesizes,
and a test fails when the checked-in copy differs. Why hand-written SVG: no graphviz (or any other
renderer) is installed where the docs are built, and a fixed layout with integer coordinates keeps the
output byte-for-byte deterministic.

The picture has four lanes, one per path through the landing zone: (1) the private path to the models,
(2) model invocation logging, (3) the audit trail and network evidence, (4) governance (guardrail,
alarms, budgets). Every box names the resources it stands for in a ``data-resource`` attribute and in a
tooltip with their construct paths (the logical ids' stems when the template has no path metadata).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from secure_bedrock.residency import RESIDENCY_METADATA

Resource = Mapping[str, Any]
Resources = Mapping[str, Resource]

#: The viewBox width: GitHub's markdown column scales it down only slightly, so 10-12 px text stays legible.
WIDTH = 980
FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
INK = "#1f2328"
MUTED = "#57606a"
BORDER = "#8c959f"
WHITE = "#ffffff"
KEY_FILL = "#fff8c5"
KEY_STROKE = "#9a6700"
PAD_X = 8
PAD_Y = 6
GAP = 10

#: The library's custom resource that sets the account's model invocation logging configuration.
LOGGING_RESOURCE_TYPE = "Custom::BedrockModelInvocationLogging"
INVOKE_ACTIONS = frozenset({"bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream", "bedrock:*"})
#: Property subtrees that mention keys without being encrypted by them (policies name keys as resources).
POLICY_PROPERTIES = frozenset({"PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument", "Policies"})
HASH_SUFFIX = re.compile(r"[0-9A-F]{8}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$|^\$\{AWS::Region\}$")
CREATED_BY = re.compile(r"^(?:secure-bedrock: )?(?P<purpose>.*?)(?: \(created by (?P<path>[^)]*)\))?$")


@dataclass(frozen=True)
class Lane:
    """One path through the landing zone: a band of the picture with its own arrow colour."""

    number: int
    title: str
    caption: str
    color: str
    tint: str

    @property
    def marker(self) -> str:
        """The id of this lane's arrowhead, so arrows keep their lane's colour to the tip."""
        return f"arrow{self.number}"


PRIVATE = Lane(
    1,
    "Private path",
    "Clients, endpoint security group, PrivateLink endpoints, and what the runtime endpoint lets through",
    "#0969da",
    "#f3f8ff",
)
LOGGING = Lane(
    2,
    "Model invocation logging",
    "What Bedrock records of each model call (prompts and responses: PHI), and where it goes",
    "#1a7f37",
    "#f2fbf4",
)
AUDIT = Lane(
    3,
    "Audit trail and network evidence",
    "Who called what, from where: CloudTrail, VPC flow logs, S3 server access logs",
    "#8250df",
    "#f9f5ff",
)
GOVERNANCE = Lane(
    4,
    "Governance",
    "The guardrail that invoke permissions name; alarms and budgets, and the topic they notify",
    "#bc4c00",
    "#fff7f0",
)
LANES = (PRIVATE, LOGGING, AUDIT, GOVERNANCE)

# --------------------------------------------------------------------------------------------------
# Text metrics: SVG has no layout engine, so widths are estimated from Helvetica's (= Arial's) advance
# widths, with slack for wider fallback fonts, to keep every label inside its box.
# --------------------------------------------------------------------------------------------------
_ASCII = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
_ADVANCES = (
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278)
    + (556,) * 10
    + (278, 278, 584, 584, 584, 556, 1015)
    + (667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833)
    + (722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611)
    + (278, 278, 278, 469, 556, 333)
    + (556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833)
    + (556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500)
    + (334, 260, 334, 584)
)
CHAR_WIDTHS: dict[str, int] = {**dict(zip(_ASCII, _ADVANCES, strict=True)), "\u00b7": 278}
FONT_SLACK = 1.1
ELLIPSIS = "\u2026"


def text_width(text: str, size: int, *, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` in pixels (generous, so that text fits in any listed font)."""
    units = sum(CHAR_WIDTHS.get(char, 1000) for char in text)
    return units / 1000 * size * FONT_SLACK * (1.08 if bold else 1.0)


def shorten(text: str, width: float, size: int, *, bold: bool = False) -> str:
    """``text`` cut to ``width``: middle path segments become an ellipsis first, then the tail is cut."""
    if text_width(text, size, bold=bold) <= width:
        return text
    segments = text.split("/")
    candidates = [
        "/".join([*segments[:start], ELLIPSIS, *segments[start + dropped :]])
        for dropped in range(1, len(segments) - 1)
        for start in range(1, len(segments) - dropped)
    ]
    fitting = [c for c in candidates if text_width(c, size, bold=bold) <= width]
    if fitting:
        # The candidate that keeps the most text; the first such one, for determinism.
        return max(fitting, key=len)
    while text and text_width(text + ELLIPSIS, size, bold=bold) > width:
        text = text[:-1]
    return text + ELLIPSIS


def wrap(text: str, width: float, size: int, *, bold: bool = False) -> list[str]:
    """Greedy word wrap at spaces; a single word wider than ``width`` is shortened, never split."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold=bold) > width:
            lines.append(current)
            candidate = word
        current = candidate
    lines.append(current)
    return [shorten(line, width, size, bold=bold) for line in lines]


# --------------------------------------------------------------------------------------------------
# Reading the template
# --------------------------------------------------------------------------------------------------
def as_list(value: Any) -> list[Any]:
    """CloudFormation lets most list properties be a single value; this reads both."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def props(resources: Resources, logical_id: str) -> Mapping[str, Any]:
    """A resource's ``Properties`` (empty for resources that have none)."""
    value = resources[logical_id].get("Properties") or {}
    return value if isinstance(value, Mapping) else {}


def of_type(resources: Resources, *types: str) -> list[str]:
    """Logical ids of the resources of ``types``, sorted, so that the layout never depends on dict order."""
    return sorted(lid for lid, resource in resources.items() if resource.get("Type") in types)


def refs(value: Any) -> set[str]:
    """Every logical id that ``value`` points at with ``Ref`` or ``Fn::GetAtt`` (pseudo parameters excluded)."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and not inner.startswith("AWS::"):
                found.add(inner)
            elif key == "Fn::GetAtt" and isinstance(inner, list) and inner:
                found.add(str(inner[0]))
            else:
                found |= refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= refs(inner)
    return found


def render_value(value: Any) -> str:
    """A property value as text: intrinsic functions become ``${...}`` placeholders, as in ``Fn::Sub``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, list):
        return ", ".join(render_value(inner) for inner in value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return "${" + str(argument) + "}"
        if function == "Fn::GetAtt":
            return "${" + ".".join(str(part) for part in as_list(argument)) + "}"
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            return str(argument[0]).join(render_value(part) for part in as_list(argument[1]))
        if function == "Fn::Sub":
            return render_value(as_list(argument)[0])
    return "${...}"


def tags(resources: Resources, logical_id: str) -> dict[str, str]:
    """A resource's tags as a dict (CloudFormation writes them as a list of Key/Value pairs)."""
    found: dict[str, str] = {}
    for tag in as_list(props(resources, logical_id).get("Tags")):
        if isinstance(tag, Mapping) and isinstance(tag.get("Key"), str):
            found[str(tag["Key"])] = render_value(tag.get("Value"))
    return found


def statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document."""
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def allows_invoke(statement: Mapping[str, Any]) -> bool:
    """Whether ``statement`` is about invoking models (either effect)."""
    return bool(INVOKE_ACTIONS & {str(action) for action in as_list(statement.get("Action"))})


def raw_construct_name(logical_id: str, resource: Resource) -> str:
    """The construct path below the stack (from path metadata), else the logical id without its hash."""
    path = (resource.get("Metadata") or {}).get("aws:cdk:path")
    if isinstance(path, str):
        segments = path.split("/")[1:]
        while segments and segments[-1] in ("Resource", "Default"):
            segments.pop()
        return "/".join(segments) or logical_id
    return HASH_SUFFIX.sub("", logical_id) or logical_id


def common_prefix(names: Sequence[str]) -> str:
    """The longest prefix of all ``names`` that ends at a construct boundary (``/`` or a capital)."""
    if len(names) < 2:
        return ""
    # Character-wise on purpose: logical ids have no separators; the loop backs off to a boundary.
    prefix = os.path.commonprefix(list(names))  # noqa: RUF071
    while prefix and not all(
        len(name) > len(prefix) and name[len(prefix)] in "/ABCDEFGHIJKLMNOPQRSTUVWXYZ" for name in names
    ):
        prefix = prefix[:-1]
    return prefix


def construct_names(resources: Resources) -> dict[str, str]:
    """Short construct names: the landing zone's own prefix (``LandingZone``) is the same everywhere, so it goes."""
    raw = {lid: raw_construct_name(lid, resource) for lid, resource in resources.items()}
    anchors = [
        raw[lid]
        for lid in of_type(resources, "AWS::KMS::Key", "AWS::EC2::VPCEndpoint", "AWS::Bedrock::Guardrail")
    ]
    prefix = common_prefix(anchors)
    return {
        lid: name[len(prefix) :].lstrip("/") if prefix and name.startswith(prefix) else name
        for lid, name in raw.items()
    }


def endpoint_service(resources: Resources, logical_id: str) -> str:
    """The short service name of a VPC endpoint (``bedrock-runtime``) from its ServiceName, even an Fn::Join."""
    parts = render_value(props(resources, logical_id).get("ServiceName")).split(".")
    for index, part in enumerate(parts):
        if REGION.match(part) and index + 1 < len(parts):
            return ".".join(parts[index + 1 :])
    return parts[-1]


def endpoint_region(resources: Resources) -> str:
    """The region the endpoints are in, when the template names it, for the Bedrock container's title."""
    for lid in of_type(resources, "AWS::EC2::VPCEndpoint"):
        for part in render_value(props(resources, lid).get("ServiceName")).split("."):
            if REGION.match(part) and not part.startswith("$"):
                return part
    return "this region"


def is_interface(resources: Resources, logical_id: str) -> bool:
    """Interface (PrivateLink) endpoint, as opposed to a gateway endpoint (CloudFormation's default type)."""
    return props(resources, logical_id).get("VpcEndpointType") == "Interface"


def ordered_endpoints(resources: Resources) -> list[str]:
    """Interface endpoints, the runtime endpoint (the invoke path) first, then by service name."""
    interfaces = [lid for lid in of_type(resources, "AWS::EC2::VPCEndpoint") if is_interface(resources, lid)]
    return sorted(
        interfaces,
        key=lambda lid: (
            endpoint_service(resources, lid) != "bedrock-runtime",
            endpoint_service(resources, lid),
            lid,
        ),
    )


def runtime_endpoints(resources: Resources) -> list[str]:
    """The ``bedrock-runtime`` interface endpoints: their policies are the approved-model allow-list."""
    return [
        lid for lid in ordered_endpoints(resources) if endpoint_service(resources, lid) == "bedrock-runtime"
    ]


def kms_references(value: Any, keys: set[str]) -> set[str]:
    """Keys referenced under a property whose name mentions KMS (KmsKeyId, KMSMasterKeyID, KmsKeyArn...)."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for name, inner in value.items():
            if name in POLICY_PROPERTIES:
                continue
            found |= refs(inner) & keys if "kms" in str(name).lower() else kms_references(inner, keys)
    elif isinstance(value, list):
        for inner in value:
            found |= kms_references(inner, keys)
    return found


def encryption_keys(resources: Resources) -> dict[str, str]:
    """Resource logical id -> the customer-managed key (logical id) that encrypts it."""
    keys = set(of_type(resources, "AWS::KMS::Key"))
    found: dict[str, str] = {}
    for lid in sorted(resources):
        if lid not in keys:
            for key in sorted(kms_references(props(resources, lid), keys))[:1]:
                found[lid] = key
    return found


def key_purpose(resources: Resources, key: str, names: Mapping[str, str]) -> str:
    """What a key protects: its alias, else the purpose its description states, else its construct name."""
    for alias in of_type(resources, "AWS::KMS::Alias"):
        if key in refs(props(resources, alias).get("TargetKeyId")):
            return render_value(props(resources, alias).get("AliasName"))
    match = CREATED_BY.match(render_value(props(resources, key).get("Description", "")))
    purpose = match.group("purpose") if match else ""
    return purpose or names[key]


def key_origin(resources: Resources, key: str, names: Mapping[str, str]) -> str:
    """The construct that created a key: from path metadata, else the path its description names."""
    resource = resources[key]
    if isinstance((resource.get("Metadata") or {}).get("aws:cdk:path"), str):
        return raw_construct_name(key, resource)
    match = CREATED_BY.match(render_value(props(resources, key).get("Description", "")))
    if match and match.group("path"):
        return "/".join(match.group("path").split("/")[1:]) or match.group("path")
    return names[key]


def key_short_name(resources: Resources, key: str, names: Mapping[str, str]) -> str:
    """A key's purpose without parentheses, for the one-line 'encrypted with' note of other boxes."""
    return key_purpose(resources, key, names).split(" (")[0]


# --------------------------------------------------------------------------------------------------
# The content of boxes
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """One line of text in a box: long lines wrap at spaces, long words are shortened."""

    text: str
    size: int = 11
    bold: bool = False
    color: str = INK

    @property
    def height(self) -> int:
        """Line advance: font size plus leading."""
        return self.size + 4


def heading(text: str) -> Line:
    """A box's first line."""
    return Line(text, 12, True)


def note(text: str) -> Line:
    """Secondary information (names, paths, counts)."""
    return Line(text, 10, False, MUTED)


@dataclass(frozen=True)
class Box:
    """A rectangle standing for some template resources (``resources``, for tests and tooltips)."""

    lines: tuple[Line, ...]
    resources: tuple[str, ...] = ()
    fill: str = WHITE
    stroke: str = BORDER
    dashed: bool = False


@dataclass(frozen=True)
class Placed:
    """A box at its final position, with its lines fitted to its width."""

    box: Box
    lines: tuple[Line, ...]
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        """The right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> int:
        """The bottom edge."""
        return self.y + self.h

    @property
    def middle(self) -> int:
        """The vertical centre, where arrows attach."""
        return self.y + self.h // 2


def fit(lines: Sequence[Line], width: int) -> tuple[Line, ...]:
    """``lines`` wrapped to ``width``."""
    return tuple(
        Line(part, line.size, line.bold, line.color)
        for line in lines
        for part in wrap(line.text, width, line.size, bold=line.bold)
    )


def box_height(lines: Sequence[Line]) -> int:
    """The height a box needs for its (fitted) lines."""
    return 2 * PAD_Y + sum(line.height for line in lines)


def place(box: Box, x: int, y: int, w: int) -> Placed:
    """``box`` at (x, y), ``w`` wide, as tall as its wrapped lines need."""
    lines = fit(box.lines, w - 2 * PAD_X)
    return Placed(box, lines, x, y, w, box_height(lines))


def measure(box: Box, w: int) -> int:
    """The height ``box`` will have at width ``w`` (to lay out before drawing)."""
    return place(box, 0, 0, w).h


# --------------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------------
@dataclass
class Canvas:
    """The SVG elements drawn so far, in painting order."""

    parts: list[str] = field(default_factory=list)
    tooltips: Mapping[str, str] = field(default_factory=dict)

    def add(self, element: str) -> None:
        """Append one element."""
        self.parts.append(element)


def attributes(**values: str | int) -> str:
    """XML attributes, quoted and escaped, in the given order (``_`` becomes ``-``)."""
    return " ".join(
        f"{name.rstrip('_').replace('_', '-')}={quoteattr(str(value))}" for name, value in values.items()
    )


def text_element(x: int, y: int, line: Line, *, anchor: str = "start") -> str:
    """One ``<text>`` element whose baseline is at ``y``."""
    extra = {"font-weight": "bold"} if line.bold else {}
    anchor_attr = {"text-anchor": anchor} if anchor != "start" else {}
    attrs = attributes(x=x, y=y, font_size=line.size, fill=line.color)
    more = "".join(f" {name}={quoteattr(value)}" for name, value in {**extra, **anchor_attr}.items())
    return f"<text {attrs}{more}>{escape(line.text)}</text>"


def draw_lines(canvas: Canvas, x: int, y: int, lines: Sequence[Line]) -> int:
    """Lines from (x, y) downwards; returns the y below the last one."""
    for line in lines:
        canvas.add(text_element(x, y + line.size, line))
        y += line.height
    return y


def draw_box(canvas: Canvas, placed: Placed) -> None:
    """A box: a rounded rectangle, its lines, and a tooltip naming the resources it stands for."""
    box = placed.box
    group = f' data-resource="{" ".join(box.resources)}"' if box.resources else ""
    canvas.add(f"<g{group}>")
    tooltip = "; ".join(canvas.tooltips.get(lid, lid) for lid in box.resources)
    if tooltip:
        canvas.add(f"<title>{escape(tooltip)}</title>")
    dash = ' stroke-dasharray="5 3"' if box.dashed else ""
    rect = attributes(
        x=placed.x, y=placed.y, width=placed.w, height=placed.h, rx=6, fill=box.fill, stroke=box.stroke
    )
    canvas.add(f"<rect {rect}{dash}/>")
    draw_lines(canvas, placed.x + PAD_X, placed.y + PAD_Y, placed.lines)
    canvas.add("</g>")


def draw_path(
    canvas: Canvas, points: Sequence[tuple[int, int]], color: str, *, marker: str = "", dashed: bool = False
) -> None:
    """A polyline, with an arrowhead when ``marker`` names one."""
    d = " ".join(f"{'M' if index == 0 else 'L'}{x} {y}" for index, (x, y) in enumerate(points))
    extra = f' marker-end="url(#{marker})"' if marker else ""
    extra += ' stroke-dasharray="4 3"' if dashed else ""
    canvas.add(f"<path {attributes(d=d, fill='none', stroke=color, stroke_width='1.6')}{extra}/>")


def draw_label(canvas: Canvas, x: int, y: int, text: str, color: str) -> None:
    """A small label centred at (x, y) on a white patch, so that it reads over lines."""
    line = Line(text, 10, False, color)
    width = int(text_width(text, 10)) + 6
    canvas.add(f"<rect {attributes(x=x - width // 2, y=y - 8, width=width, height=13, fill=WHITE, rx=3)}/>")
    canvas.add(text_element(x, y + 2, line, anchor="middle"))


def route(source: Placed, target: Placed, *, converge: bool = False) -> list[tuple[int, int]]:
    """From ``source``'s right edge to ``target``'s left edge: straight when they overlap, else an elbow.

    ``converge``: several sources share the target, so every arrow ends at its middle, one arrowhead.
    """
    top, bottom = max(source.y, target.y), min(source.bottom, target.bottom)
    if converge and source.y <= target.middle <= source.bottom:
        return [(source.right, target.middle), (target.x, target.middle)]
    if not converge and bottom - top >= 12:
        y = (top + bottom) // 2
        return [(source.right, y), (target.x, y)]
    # Converging arrows bend early, leaving their shared last segment long enough for a label.
    elbow = source.right + (target.x - source.right) // (3 if converge else 2)
    return [
        (source.right, source.middle),
        (elbow, source.middle),
        (elbow, target.middle),
        (target.x, target.middle),
    ]


def arrow(
    canvas: Canvas, source: Placed, target: Placed, lane: Lane, label: str = "", *, converge: bool = False
) -> None:
    """A flow arrow in ``lane``'s colour, with an optional label on its last segment."""
    points = route(source, target, converge=converge)
    draw_path(canvas, points, lane.color, marker=lane.marker)
    if label:
        # On the last segment: arrows that converge on one target share it, so their labels coincide.
        (x1, y1), (x2, _) = points[-2], points[-1]
        draw_label(canvas, (x1 + x2) // 2, y1 - 8, label, lane.color)


def key_link(canvas: Canvas, key: Placed, target: Placed) -> None:
    """The dashed 'encrypts' line from a key to what it protects."""
    draw_path(canvas, list(reversed(route(target, key))), KEY_STROKE, dashed=True)


def lane_frame(canvas: Canvas, lane: Lane, y: int, height: int) -> None:
    """A lane's tinted band with its number, title and caption."""
    canvas.add(
        f"<rect {attributes(x=12, y=y, width=WIDTH - 24, height=height, rx=10, fill=lane.tint, stroke=lane.color)}/>"
    )
    canvas.add(text_element(26, y + 21, Line(f"{lane.number}  {lane.title}", 14, True, lane.color)))
    title_width = int(text_width(f"{lane.number}  {lane.title}", 14, bold=True))
    caption = shorten(lane.caption, WIDTH - 70 - title_width, 11)
    canvas.add(text_element(40 + title_width, y + 21, Line(caption, 11, False, MUTED)))


# --------------------------------------------------------------------------------------------------
# Lane 1: the private path
# --------------------------------------------------------------------------------------------------
def vpc_summary(resources: Resources) -> str:
    """The VPC's range, subnet kinds and the absence of internet routes, from the template."""
    vpcs = of_type(resources, "AWS::EC2::VPC")
    if not vpcs:
        return "Your VPC (imported)"
    cidrs = ", ".join(sorted(render_value(props(resources, lid).get("CidrBlock")) for lid in vpcs))
    kinds = Counter(
        tags(resources, lid).get("aws-cdk:subnet-type", "").lower() or "other"
        for lid in of_type(resources, "AWS::EC2::Subnet")
    )
    subnets = ", ".join(f"{count} {kind} subnets" for kind, count in sorted(kinds.items()))
    gateways = of_type(resources, "AWS::EC2::InternetGateway", "AWS::EC2::NatGateway")
    internet = "internet or NAT gateway present" if gateways else "no internet or NAT gateway"
    return f"VPC {cidrs} \u00b7 {subnets or 'no subnets'} \u00b7 {internet}"


def clients_box(resources: Resources) -> Box:
    """Where callers run: the VPC's subnets."""
    subnets = of_type(resources, "AWS::EC2::Subnet")
    where = f"{len(subnets)} subnets of this VPC" if subnets else "your VPC's subnets"
    return Box(
        (heading("Clients"), Line(f"apps and functions in {where}"), note("call Bedrock over HTTPS")),
        tuple(subnets),
    )


def rule_peer(rule: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """Who a security-group rule admits: a CIDR, or a named security group."""
    for key in ("CidrIp", "CidrIpv6", "DestinationPrefixListId", "SourcePrefixListId"):
        if key in rule:
            return render_value(rule[key])
    group = sorted(refs(rule.get("SourceSecurityGroupId")) | refs(rule.get("DestinationSecurityGroupId")))
    return (
        f"group {names.get(group[0], group[0])}" if group else render_value(rule.get("SourceSecurityGroupId"))
    )


def rule_text(rule: Mapping[str, Any], names: Mapping[str, str], preposition: str) -> str:
    """A security-group rule in one phrase: ``TCP 443 from 10.0.0.0/16``."""
    low, high = render_value(rule.get("FromPort")), render_value(rule.get("ToPort"))
    ports = low if low == high else f"{low}-{high}"
    return f"{render_value(rule.get('IpProtocol')).upper()} {ports} {preposition} {rule_peer(rule, names)}"


def ingress_rules(resources: Resources, group: str) -> list[Mapping[str, Any]]:
    """A group's ingress rules, inline and as separate resources (``connections.allow_from`` writes those)."""
    rules = [
        r for r in as_list(props(resources, group).get("SecurityGroupIngress")) if isinstance(r, Mapping)
    ]
    for lid in of_type(resources, "AWS::EC2::SecurityGroupIngress"):
        if group in refs(props(resources, lid).get("GroupId")):
            rules.append(props(resources, lid))
    return rules


def egress_text(resources: Resources, group: str, names: Mapping[str, str]) -> str:
    """A group's egress: CDK writes a rule to 255.255.255.255/32 to mean 'none'."""
    rules = [r for r in as_list(props(resources, group).get("SecurityGroupEgress")) if isinstance(r, Mapping)]
    rules += [
        props(resources, lid)
        for lid in of_type(resources, "AWS::EC2::SecurityGroupEgress")
        if group in refs(props(resources, lid).get("GroupId"))
    ]
    if not rules:
        return "out: all (default)"
    real = [rule for rule in rules if rule.get("CidrIp") != "255.255.255.255/32"]
    return "out: " + ("; ".join(sorted(rule_text(rule, names, "to") for rule in real)) or "none")


def endpoint_groups(resources: Resources) -> list[str]:
    """The security groups of the interface endpoints."""
    groups: set[str] = set()
    for lid in ordered_endpoints(resources):
        groups |= refs(props(resources, lid).get("SecurityGroupIds"))
    return sorted(groups)


def security_group_box(resources: Resources, group: str, names: Mapping[str, str]) -> Box:
    """The endpoints' security group: what it admits on which port, and that it sends nothing."""
    rules = sorted(rule_text(rule, names, "from") for rule in ingress_rules(resources, group))
    lines = [heading("Endpoint security group"), *(Line(f"in: {rule}") for rule in rules)]
    return Box((*lines, Line(egress_text(resources, group, names))), (group,))


def policy_summary(resources: Resources, endpoint: str) -> str:
    """An endpoint policy in a few words: how many statements allow and deny."""
    found = statements(props(resources, endpoint).get("PolicyDocument"))
    if not found:
        return "policy: none (full access)"
    effects = Counter(str(s.get("Effect", "Allow")) for s in found)
    return "policy: " + ", ".join(f"{count} {effect}" for effect, count in sorted(effects.items()))


def endpoint_box(resources: Resources, endpoint: str, lane: Lane) -> Box:
    """One interface endpoint, labelled with its service."""
    dns = "private DNS" if props(resources, endpoint).get("PrivateDnsEnabled") else "no private DNS"
    lines = (
        Line(endpoint_service(resources, endpoint), 12, True, lane.color),
        note(f"{policy_summary(resources, endpoint)} \u00b7 {dns}"),
    )
    return Box(lines, (endpoint,), stroke=lane.color)


def gateway_box(resources: Resources, endpoint: str) -> Box:
    """A gateway endpoint: off the Bedrock path, but how in-VPC functions reach S3."""
    tables = len(as_list(props(resources, endpoint).get("RouteTableIds")))
    return Box(
        (
            Line(f"{endpoint_service(resources, endpoint)} (gateway endpoint)", 11, True),
            note(f"{tables} route tables \u00b7 {policy_summary(resources, endpoint)}"),
        ),
        (endpoint,),
        dashed=True,
    )


@dataclass(frozen=True)
class ApprovedModels:
    """What the runtime endpoint policies let through: system profiles, foundation models and their regions."""

    profiles: tuple[str, ...]
    foundation_models: tuple[tuple[str, tuple[str, ...]], ...]
    application_profiles: tuple[str, ...]


def approved_models(resources: Resources) -> ApprovedModels:
    """The allow-list of the ``bedrock-runtime`` endpoint policies, read from their invoke statements."""
    profiles: set[str] = set()
    regions: dict[str, set[str]] = {}
    applications: set[str] = set()
    app_types = set(of_type(resources, "AWS::Bedrock::ApplicationInferenceProfile"))
    for endpoint in runtime_endpoints(resources):
        for statement in statements(props(resources, endpoint).get("PolicyDocument")):
            if statement.get("Effect") != "Allow" or not allows_invoke(statement):
                continue
            for resource in as_list(statement.get("Resource")):
                applications |= refs(resource) & app_types
                arn = render_value(resource)
                if arn.endswith(":application-inference-profile/*"):
                    # Every application profile of the account (one statement for all teams).
                    applications |= app_types
                elif ":inference-profile/" in arn:
                    profiles.add(arn.split(":inference-profile/", 1)[1])
                elif ":foundation-model/" in arn:
                    region = arn.split(":")[3] if arn.count(":") >= 5 else ""
                    regions.setdefault(arn.split(":foundation-model/", 1)[1], set()).add(
                        region or "any (global)"
                    )
    foundation = tuple((model, tuple(sorted(found))) for model, found in sorted(regions.items()))
    return ApprovedModels(tuple(sorted(profiles)), foundation, tuple(sorted(applications)))


def teams(resources: Resources) -> dict[str, list[str]]:
    """Application inference profiles by the ``team`` tag they carry for cost allocation."""
    found: dict[str, list[str]] = {}
    for lid in of_type(resources, "AWS::Bedrock::ApplicationInferenceProfile"):
        found.setdefault(tags(resources, lid).get("team", "untagged"), []).append(lid)
    return dict(sorted(found.items()))


def profile_name(resources: Resources, profile: str) -> str:
    """An application inference profile's name, the label callers see in the console and the CUR."""
    return render_value(props(resources, profile).get("InferenceProfileName", profile))


def model_boxes(resources: Resources, models: ApprovedModels) -> list[Box]:
    """The approved system profiles and foundation models, as the runtime endpoint policy lists them."""
    boxes = []
    if models.profiles:
        boxes.append(Box((heading("Cross-region inference profiles"), *(Line(p) for p in models.profiles))))
    if models.foundation_models:
        lines = [heading("Foundation models \u00b7 regions allowed")]
        for model, regions in models.foundation_models:
            lines += [Line(model), note("in " + ", ".join(regions))]
        boxes.append(Box(tuple(lines)))
    if not runtime_endpoints(resources):
        boxes.append(
            Box((heading("No bedrock-runtime endpoint"), note("nothing restricts which models are called")))
        )
    elif not boxes:
        boxes.append(
            Box((heading("No model allow-list"), note("the runtime endpoint policy names no models")))
        )
    return boxes


def team_box(resources: Resources, team: str, profiles: Sequence[str], allowed: set[str]) -> Box:
    """One team: its cost centre and its application inference profiles (flagged if the endpoint refuses them)."""
    centers = sorted({tags(resources, lid).get("cost-center", "") for lid in profiles} - {""})
    title = f"team {team}" + (f" \u00b7 cost center {', '.join(centers)}" if centers else "")
    lines = [Line(title, 11, True)]
    for lid in profiles:
        lines.append(Line(profile_name(resources, lid), 10))
        if lid not in allowed:
            lines.append(Line("not allowed by the runtime endpoint policy", 10, False, GOVERNANCE.color))
    return Box(tuple(lines), tuple(profiles))


@dataclass(frozen=True)
class Role:
    """A role people or applications assume, with what its policies say about invoking models."""

    logical_id: str
    label: str
    invoke: str
    conditions: str


def role_statements(resources: Resources, role: str) -> list[Mapping[str, Any]]:
    """The statements of a role's inline policies and of the customer-managed policies attached to it."""
    found = [
        s
        for policy in as_list(props(resources, role).get("Policies"))
        if isinstance(policy, Mapping)
        for s in statements(policy.get("PolicyDocument"))
    ]
    for lid in of_type(resources, "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        if role in refs(props(resources, lid).get("Roles")):
            found += statements(props(resources, lid).get("PolicyDocument"))
    return found


def trusted_by_people(resources: Resources, role: str) -> bool:
    """Whether a role trusts accounts, roles or federated users (not a service): a caller's role."""
    for statement in statements(props(resources, role).get("AssumeRolePolicyDocument")):
        principal = statement.get("Principal")
        if isinstance(principal, Mapping) and ({"AWS", "Federated"} & set(principal)):
            return True
    return False


def plural(count: int, noun: str) -> str:
    """``1 model``, ``2 models``, ``2 regexes``."""
    suffix = "es" if noun.endswith(("s", "x", "ch", "sh")) else "s"
    return f"{count} {noun}{'' if count == 1 else suffix}"


def invoke_reach(resources: Resources, allowed: Sequence[Mapping[str, Any]]) -> str:
    """What a role's invoke statements reach: application profiles, system profiles, foundation models."""
    app_types = set(of_type(resources, "AWS::Bedrock::ApplicationInferenceProfile"))
    applications: set[str] = set()
    profiles: set[str] = set()
    models: set[str] = set()
    for statement in allowed:
        for resource in as_list(statement.get("Resource")):
            applications |= refs(resource) & app_types
            arn = render_value(resource)
            if ":inference-profile/" in arn:
                profiles.add(arn)
            elif ":foundation-model/" in arn or arn == "*":
                models.add(arn.rsplit("/", 1)[-1])
    found = ((applications, "app profile"), (profiles, "profile"), (models, "model"))
    parts = [plural(len(s), name) for s, name in found if s]
    return "invoke: " + ", ".join(parts)


CONDITION_WORDS = (("bedrock:GuardrailIdentifier", "guardrail"), ("aws:SourceVpce", "runtime VPCE"))


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    """The condition keys a statement tests, whatever the operator."""
    blocks = (statement.get("Condition") or {}).values()
    return {str(name) for block in blocks if isinstance(block, Mapping) for name in block}


def role_facts(resources: Resources, role: str, names: Mapping[str, str]) -> Role:
    """What a caller's role may do with models, from its policies."""
    found = role_statements(resources, role)
    allowed = [s for s in found if s.get("Effect") == "Allow" and allows_invoke(s)]
    denied_all = any(s.get("Effect") == "Deny" and allows_invoke(s) and not s.get("Condition") for s in found)
    app_types = set(of_type(resources, "AWS::Bedrock::ApplicationInferenceProfile"))
    team_names = sorted(
        {tags(resources, p).get("team", "") for s in allowed for p in refs(s.get("Resource")) & app_types}
        - {""}
    )
    label = f"Team {', '.join(team_names)}" if team_names else names[role]
    if denied_all or not allowed:
        return Role(role, label, "invoke: denied" if denied_all else "invoke: none", "")
    needs = [text for key, text in CONDITION_WORDS if all(key in condition_keys(s) for s in allowed)]
    return Role(
        role,
        label,
        invoke_reach(resources, allowed),
        "only with " + " + ".join(needs) if needs else "no guardrail or VPCE condition",
    )


def caller_roles(resources: Resources, names: Mapping[str, str]) -> list[Role]:
    """The roles callers assume, teams' roles last, each once."""
    roles = [
        role_facts(resources, lid, names)
        for lid in of_type(resources, "AWS::IAM::Role")
        if trusted_by_people(resources, lid)
    ]
    return sorted(roles, key=lambda role: (role.label.startswith("Team "), role.label, role.logical_id))


def role_box(role: Role, lane: Lane) -> Box:
    """A caller's role and what it may invoke."""
    lines = [Line(role.label, 11, True), Line(role.invoke, 10)]
    if role.conditions:
        lines.append(note(role.conditions))
    return Box(tuple(lines), (role.logical_id,), stroke=lane.color)


@dataclass(frozen=True)
class VpcLayout:
    """The boxes inside the VPC boundary, at their places."""

    client: Placed
    groups: list[Placed]
    endpoints: list[Placed]
    gateways: list[Placed]
    top: int
    bottom: int

    @property
    def boxes(self) -> list[Placed]:
        """Every box inside the VPC, in drawing order."""
        return [self.client, *self.groups, *self.endpoints, *self.gateways]


VPC_X, VPC_W = 28, 544
CLIENT_X, CLIENT_W = 44, 140
GROUP_X, GROUP_W = 214, 150
ENDPOINT_X, ENDPOINT_W = 396, 160
BEDROCK_X = 606


def layout_vpc(resources: Resources, names: Mapping[str, str], top: int) -> VpcLayout:
    """Clients, security groups and endpoints in three columns, centred on the interface endpoints."""
    column_top = top + 30
    endpoints = stack(
        [endpoint_box(resources, lid, PRIVATE) for lid in ordered_endpoints(resources)],
        ENDPOINT_X,
        column_top,
        ENDPOINT_W,
    )
    endpoints_bottom = endpoints[-1].bottom if endpoints else column_top
    centre = (column_top + endpoints_bottom) // 2
    groups = [security_group_box(resources, group, names) for group in endpoint_groups(resources)]
    placed_groups = stack(groups, GROUP_X, centre - stack_height(groups, GROUP_W) // 2, GROUP_W)
    client = clients_box(resources)
    placed_client = place(client, CLIENT_X, centre - measure(client, CLIENT_W) // 2, CLIENT_W)
    gateway_ids = [
        lid for lid in of_type(resources, "AWS::EC2::VPCEndpoint") if not is_interface(resources, lid)
    ]
    gateways = stack(
        [gateway_box(resources, lid) for lid in gateway_ids],
        ENDPOINT_X,
        endpoints_bottom + GAP + 6,
        ENDPOINT_W,
    )
    bottom = max(p.bottom for p in [placed_client, *placed_groups, *endpoints, *gateways]) + 14
    return VpcLayout(placed_client, placed_groups, endpoints, gateways, top, bottom)


def draw_vpc(canvas: Canvas, resources: Resources, layout: VpcLayout) -> None:
    """The dashed VPC boundary, its boxes, and the arrows from clients through the group to the endpoints."""
    lane = PRIVATE
    frame = attributes(
        x=VPC_X,
        y=layout.top,
        width=VPC_W,
        height=layout.bottom - layout.top,
        rx=8,
        fill=WHITE,
        stroke=lane.color,
    )
    canvas.add(f'<rect {frame} stroke-dasharray="6 4" fill-opacity="0.6"/>')
    summary = shorten(vpc_summary(resources), VPC_W - 20, 11, bold=True)
    canvas.add(text_element(VPC_X + 10, layout.top + 18, Line(summary, 11, True, lane.color)))
    for placed in layout.boxes:
        draw_box(canvas, placed)
    # Without an endpoint security group (none in the template), clients reach the endpoints directly.
    hops = layout.groups or [layout.client]
    for hop in layout.groups:
        arrow(canvas, layout.client, hop, lane)
    for hop in hops:
        for endpoint in layout.endpoints:
            arrow(canvas, hop, endpoint, lane)


def draw_private_lane(canvas: Canvas, resources: Resources, names: Mapping[str, str], y: int) -> int:
    """Lane 1: clients -> endpoint security group -> interface endpoints -> Bedrock and the approved models."""
    inner = Canvas(tooltips=canvas.tooltips)
    layout = layout_vpc(resources, names, y + 36)
    draw_vpc(inner, resources, layout)
    roles_bottom = draw_roles(inner, resources, names, VPC_X, layout.bottom + 12, VPC_W)
    bedrock_bottom = draw_bedrock(
        inner, resources, BEDROCK_X, y + 36, WIDTH - 24 - BEDROCK_X, layout.endpoints
    )
    height = max(roles_bottom, bedrock_bottom) + 12 - y
    lane_frame(canvas, PRIVATE, y, height)
    canvas.parts += inner.parts
    return y + height


def draw_roles(
    canvas: Canvas, resources: Resources, names: Mapping[str, str], x: int, y: int, width: int
) -> int:
    """The callers' roles in balanced rows of at most three, under the VPC."""
    roles = caller_roles(resources, names)
    caption = shorten(
        "IAM roles that callers assume, and what each may invoke (from its policies)", width, 11, bold=True
    )
    canvas.add(text_element(x, y + 11, Line(caption, 11, True, PRIVATE.color)))
    y += 18
    # Balanced rows of at most three: four roles make two rows of two, not three and one.
    rows = max(1, -(-len(roles) // 3))
    columns = max(1, -(-len(roles) // rows))
    w = (width - (columns - 1) * 8) // columns
    bottom = y
    for row_start in range(0, len(roles), columns):
        row = [role_box(role, PRIVATE) for role in roles[row_start : row_start + columns]]
        h = max(measure(box, w) for box in row)
        for index, box in enumerate(row):
            placed = place(box, x + index * (w + 8), y, w)
            draw_box(canvas, Placed(placed.box, placed.lines, placed.x, placed.y, placed.w, h))
        y += h + 8
        bottom = y - 8
    if not roles:
        canvas.add(text_element(x, y + 11, note("none in this template")))
        bottom = y + 16
    return bottom


def draw_bedrock(
    canvas: Canvas, resources: Resources, x: int, y: int, w: int, endpoints: Sequence[Placed]
) -> int:
    """The AWS-managed side: Bedrock in the region, the approved models and the teams' application profiles."""
    lane = PRIVATE
    models = approved_models(resources)
    inner = Canvas(tooltips=canvas.tooltips)
    cursor = draw_lines(
        inner,
        x + 12,
        y + 8,
        [
            Line(f"Amazon Bedrock \u00b7 {endpoint_region(resources)}", 13, True, lane.color),
            note("AWS-managed, outside the VPC; runtime endpoint policy allows:"),
        ],
    )
    placed = stack(model_boxes(resources, models), x + 12, cursor + 4, w - 24)
    cursor = (placed[-1].bottom if placed else cursor) + 8
    team_map = teams(resources)
    if team_map:
        cursor = draw_lines(
            inner, x + 12, cursor, [note("Team application inference profiles (tags team, cost-center):")]
        )
        team_boxes = [
            team_box(resources, team, profiles, set(models.application_profiles))
            for team, profiles in team_map.items()
        ]
        placed += stack(team_boxes, x + 12, cursor + 2, w - 24)
        cursor = placed[-1].bottom
    bottom = max(cursor + 12, max((e.bottom for e in endpoints), default=y) + 12)
    canvas.add(
        f"<rect {attributes(x=x, y=y, width=w, height=bottom - y, rx=8, fill=WHITE, stroke=lane.color)}/>"
    )
    canvas.parts += inner.parts
    for box in placed:
        draw_box(canvas, box)
    frame = Placed(Box(()), (), x, y, w, bottom - y)
    for endpoint in endpoints:
        label = (
            "invoke" if endpoint_service(resources, endpoint.box.resources[0]) == "bedrock-runtime" else ""
        )
        arrow(canvas, endpoint, frame, lane, label)
    return bottom


def stack(boxes: Sequence[Box], x: int, y: int, w: int) -> list[Placed]:
    """Boxes one under the other."""
    placed = []
    for box in boxes:
        placed.append(place(box, x, y, w))
        y = placed[-1].bottom + GAP
    return placed


def stack_height(boxes: Sequence[Box], w: int) -> int:
    """The height of ``stack(boxes, ...)``."""
    return sum(measure(box, w) for box in boxes) + GAP * max(len(boxes) - 1, 0)


# --------------------------------------------------------------------------------------------------
# Lanes 2-4: rows of sources -> targets, each row with the key that encrypts its targets
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """Sources (left) flowing into targets (middle); the key that encrypts them on the right."""

    sources: tuple[Box, ...]
    targets: tuple[Box, ...]
    arrows: tuple[tuple[int, int, str], ...]
    key: str | None = None


SOURCE_X, SOURCE_W = 28, 300
TARGET_X, TARGET_W = 388, 330
KEY_X = 756
KEY_W = WIDTH - 28 - KEY_X


def kms_line(
    resources: Resources, lid: str, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> list[Line]:
    """'encrypted with ...' for a resource under a customer-managed key, nothing otherwise."""
    key = encrypted.get(lid)
    return [Line(f"KMS: {key_short_name(resources, key, names)}", 10, False, KEY_STROKE)] if key else []


def retention_text(resources: Resources, lid: str) -> str:
    """How long a log group or bucket keeps data."""
    days = props(resources, lid).get("RetentionInDays")
    if days is not None:
        return f"kept {render_value(days)} days"
    rules = as_list((props(resources, lid).get("LifecycleConfiguration") or {}).get("Rules"))
    expiry = sorted(
        {
            render_value(r.get("ExpirationInDays"))
            for r in rules
            if isinstance(r, Mapping) and "ExpirationInDays" in r
        }
    )
    return f"objects expire after {', '.join(expiry)} days" if expiry else "kept indefinitely"


def log_group_box(
    resources: Resources, lid: str, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> Box:
    """A CloudWatch Logs log group: its name, retention and key."""
    name = render_value(props(resources, lid).get("LogGroupName", names[lid]))
    lines = [heading("CloudWatch log group"), Line(name, 10), note(retention_text(resources, lid))]
    return Box((*lines, *kms_line(resources, lid, encrypted, names)), (lid,))


def bucket_box(
    resources: Resources, lid: str, encrypted: Mapping[str, str], names: Mapping[str, str], detail: str = ""
) -> Box:
    """An S3 bucket: its construct, what is in it, versioning, retention and encryption."""
    versioned = (props(resources, lid).get("VersioningConfiguration") or {}).get("Status") == "Enabled"
    locked = "Object Lock \u00b7 " if props(resources, lid).get("ObjectLockEnabled") else ""
    facts = f"{locked}{'versioned' if versioned else 'unversioned'} \u00b7 {retention_text(resources, lid)}"
    lines = [heading(f"S3 bucket {names[lid]}"), *([Line(detail, 10)] if detail else []), note(facts)]
    encryption = (
        []
        if lid in encrypted
        else [Line(f"encryption: {bucket_encryption(resources, lid)}", 10, False, KEY_STROKE)]
    )
    return Box((*lines, *kms_line(resources, lid, encrypted, names), *encryption), (lid,))


def bucket_encryption(resources: Resources, lid: str) -> str:
    """The default encryption a bucket declares (SSE-S3 where a KMS key cannot be used)."""
    rules = as_list(
        (props(resources, lid).get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
    )
    algorithms = sorted(
        {
            render_value((r.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm"))
            for r in rules
            if isinstance(r, Mapping)
        }
    )
    names = {"AES256": "SSE-S3 (AES256)", "aws:kms": "SSE-KMS, AWS-managed key"}
    return ", ".join(names.get(a, a) for a in algorithms) or "none declared"


def find_log_group(resources: Resources, reference: Any) -> list[str]:
    """Log groups named by ``reference``: a Ref/GetAtt, or the literal LogGroupName Bedrock is given."""
    groups = of_type(resources, "AWS::Logs::LogGroup")
    by_ref = sorted(refs(reference) & set(groups))
    if by_ref:
        return by_ref
    name = render_value(reference)
    return [lid for lid in groups if render_value(props(resources, lid).get("LogGroupName")) == name]


def logging_rows(resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]) -> list[Row]:
    """Lane 2: the invocation-logging setting and where Bedrock delivers what it records."""
    return [
        logging_row(resources, lid, encrypted, names) for lid in of_type(resources, LOGGING_RESOURCE_TYPE)
    ]


def logging_destinations(
    resources: Resources, config: Mapping[str, Any]
) -> tuple[list[str], dict[str, list[str]]]:
    """The log groups and the buckets (with their key prefixes) a logging configuration delivers to."""
    cloudwatch = config.get("cloudWatchConfig") or {}
    groups = find_log_group(resources, cloudwatch.get("logGroupName"))
    prefixes: dict[str, list[str]] = {}
    for section in (config.get("s3Config") or {}, cloudwatch.get("largeDataDeliveryS3Config") or {}):
        for bucket in sorted(refs(section.get("bucketName"))):
            prefixes.setdefault(bucket, []).append(render_value(section.get("keyPrefix", "")) + "/")
    return groups, dict(sorted(prefixes.items()))


def logging_row(
    resources: Resources, lid: str, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> Row:
    """One logging configuration (a custom resource, as CloudFormation has none) and its destinations."""
    config = props(resources, lid).get("LoggingConfig") or {}
    groups, prefixes = logging_destinations(resources, config)
    kinds = [
        key.removesuffix("DataDeliveryEnabled")
        for key, value in sorted(config.items())
        if key.endswith("DataDeliveryEnabled") and value is True
    ]
    recorded = Line("records " + (", ".join(kinds) or "nothing") + ": prompts and responses")
    source = Box(
        (heading("Bedrock model invocation logging"), recorded, *handler_lines(resources, lid, names)),
        (lid,),
        stroke=LOGGING.color,
    )
    targets = [log_group_box(resources, g, encrypted, names) for g in groups]
    targets += [
        bucket_box(resources, b, encrypted, names, "prefixes " + ", ".join(p)) for b, p in prefixes.items()
    ]
    arrows = tuple((0, index, "logs" if index < len(groups) else "objects") for index in range(len(targets)))
    return Row((source,), tuple(targets), arrows, row_key(encrypted, [*groups, *prefixes]))


def handler_lines(resources: Resources, lid: str, names: Mapping[str, str]) -> list[Line]:
    """How the custom resource runs: its type, and its handler's network placement."""
    lines = [note(f"set by {resources[lid].get('Type')} ({names[lid]})")]
    for function in sorted(
        refs(props(resources, lid).get("ServiceToken")) & set(of_type(resources, "AWS::Lambda::Function"))
    ):
        where = "in the VPC" if props(resources, function).get("VpcConfig") else "outside any VPC"
        lines.append(note(f"handler: Lambda {names[function]}, {where}"))
    return lines


def row_key(encrypted: Mapping[str, str], lids: Sequence[str]) -> str | None:
    """The key that encrypts most of a row's resources (ties: the first by logical id)."""
    counts = Counter(encrypted[lid] for lid in lids if lid in encrypted)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0] if counts else None


def data_event_types(resources: Resources, trail: str) -> tuple[bool, list[str]]:
    """Whether a trail records management events, and the Bedrock resource types of its data events."""
    management = False
    types: list[str] = []
    for selector in as_list(props(resources, trail).get("AdvancedEventSelectors")):
        fields = {
            str(f.get("Field")): [render_value(v) for v in as_list(f.get("Equals"))]
            for f in as_list(selector.get("FieldSelectors"))
            if isinstance(f, Mapping)
        }
        management |= fields.get("eventCategory") == ["Management"]
        types += [t.removeprefix("AWS::Bedrock::") for t in fields.get("resources.type", [])]
    if props(resources, trail).get("EventSelectors") and not types:
        management = True
    return management, types


def trail_box(
    resources: Resources, trail: str, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> Box:
    """The CloudTrail trail: scope, validation and the Bedrock data events it records."""
    p = props(resources, trail)
    scope = "multi-region" if p.get("IsMultiRegionTrail") else "this region"
    validation = "log-file validation" if p.get("EnableLogFileValidation") else "no log-file validation"
    management, types = data_event_types(resources, trail)
    lines = [heading("CloudTrail trail"), Line(f"{scope} \u00b7 {validation}")]
    lines.append(
        Line(
            ("management events" if management else "no management events")
            + (f" + {len(types)} Bedrock data event types:" if types else "")
        )
    )
    if types:
        lines.append(note(", ".join(types)))
    return Box((*lines, *kms_line(resources, trail, encrypted, names)), (trail,), stroke=AUDIT.color)


def audit_rows(resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]) -> list[Row]:
    """Lane 3: the trail, the VPC flow logs, and the S3 server access logs of the evidence buckets."""
    return [
        *trail_rows(resources, encrypted, names),
        *flow_log_rows(resources, encrypted, names),
        *access_log_rows(resources, encrypted, names),
    ]


def fan_out(source: Box, targets: Sequence[Box], key: str | None, label: str = "") -> Row:
    """A row with one source flowing into each of ``targets``."""
    return Row((source,), tuple(targets), tuple((0, index, label) for index in range(len(targets))), key)


def trail_rows(resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]) -> list[Row]:
    """Each trail, delivering to its bucket and its log group."""
    rows = []
    for trail in of_type(resources, "AWS::CloudTrail::Trail"):
        p = props(resources, trail)
        buckets = sorted(refs(p.get("S3BucketName")))
        group_arn = p.get("CloudWatchLogsLogGroupArn")
        groups = find_log_group(resources, group_arn) if group_arn else []
        targets = [bucket_box(resources, b, encrypted, names) for b in buckets]
        targets += [log_group_box(resources, g, encrypted, names) for g in groups]
        source = trail_box(resources, trail, encrypted, names)
        rows.append(fan_out(source, targets, row_key(encrypted, [trail, *buckets, *groups])))
    return rows


def flow_log_rows(resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]) -> list[Row]:
    """Each flow log, delivering to its log group."""
    rows = []
    for flow_log in of_type(resources, "AWS::EC2::FlowLog"):
        p = props(resources, flow_log)
        groups = find_log_group(resources, p.get("LogGroupName") or p.get("LogDestination"))
        traffic = render_value(p.get("TrafficType", "ALL")).lower()
        what = f"{traffic} traffic of the {render_value(p.get('ResourceType', 'VPC'))}"
        source = Box((heading("VPC flow logs"), Line(what)), (flow_log,), stroke=AUDIT.color)
        targets = [log_group_box(resources, g, encrypted, names) for g in groups]
        rows.append(fan_out(source, targets, row_key(encrypted, groups)))
    return rows


def access_log_rows(
    resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> list[Row]:
    """Buckets that receive other buckets' S3 server access logs, with the buckets they log."""
    logged: dict[str, list[str]] = {}
    for bucket in of_type(resources, "AWS::S3::Bucket"):
        for target in sorted(
            refs((props(resources, bucket).get("LoggingConfiguration") or {}).get("DestinationBucketName"))
        ):
            logged.setdefault(target, []).append(bucket)
    rows = []
    for target, sources in sorted(logged.items()):
        source = Box(
            (heading("S3 server access logs"), Line("of " + ", ".join(names[s] for s in sources))),
            (),
            stroke=AUDIT.color,
        )
        rows.append(
            Row(
                (source,),
                (bucket_box(resources, target, encrypted, names),),
                ((0, 0, ""),),
                row_key(encrypted, [target]),
            )
        )
    return rows


def guardrail_box(
    resources: Resources, guardrail: str, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> Box:
    """A guardrail: name, published versions, what it filters, its key."""
    p = props(resources, guardrail)
    versions = [
        v
        for v in of_type(resources, "AWS::Bedrock::GuardrailVersion")
        if guardrail in refs(props(resources, v).get("GuardrailIdentifier"))
    ]
    enforced = [
        e
        for e in of_type(resources, "AWS::Bedrock::EnforcedGuardrailConfiguration")
        if guardrail in refs(props(resources, e))
    ]
    content = len(as_list((p.get("ContentPolicyConfig") or {}).get("FiltersConfig")))
    topics = len(as_list((p.get("TopicPolicyConfig") or {}).get("TopicsConfig")))
    sensitive = p.get("SensitiveInformationPolicyConfig") or {}
    pii, regexes = (
        len(as_list(sensitive.get("PiiEntitiesConfig"))),
        len(as_list(sensitive.get("RegexesConfig"))),
    )
    lines = [heading("Bedrock guardrail"), Line(render_value(p.get("Name", names[guardrail])), 10)]
    lines.append(
        note(
            f"{len(versions)} published version{'s' if len(versions) != 1 else ''}"
            + (" \u00b7 enforced account-wide" if enforced else "")
        )
    )
    lines.append(
        Line(
            f"{plural(content, 'content filter')} \u00b7 {plural(topics, 'denied topic')} \u00b7 "
            f"{plural(pii, 'PII type')} \u00b7 {plural(regexes, 'regex')}",
            10,
        )
    )
    return Box(
        (*lines, *kms_line(resources, guardrail, encrypted, names)),
        (guardrail, *versions, *enforced),
        stroke=GOVERNANCE.color,
    )


def guardrail_condition_lines(bound: int, roles: int) -> list[Line]:
    """How many callers' roles may invoke only with the guardrail named in the request."""
    if not roles:
        return [
            Line("no caller roles in this template"),
            note("grant_invoke(..., guardrail=...) adds the condition"),
        ]
    return [
        Line(f"{bound} of {plural(roles, 'caller role')} may invoke only when"),
        Line("the request names this guardrail version"),
        note("(condition bedrock:GuardrailIdentifier)"),
    ]


def guardrail_rows(resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]) -> list[Row]:
    """Lane 4, first rows: the roles whose invoke permissions name the guardrail, and the guardrail."""
    rows = []
    roles = caller_roles(resources, names)
    for guardrail in of_type(resources, "AWS::Bedrock::Guardrail"):
        bound = [role.logical_id for role in roles if "guardrail" in role.conditions]
        source = Box(
            (
                heading("Invoke permissions"),
                *guardrail_condition_lines(len(bound), len(roles)),
            ),
            tuple(bound),
            stroke=GOVERNANCE.color,
        )
        target = guardrail_box(resources, guardrail, encrypted, names)
        rows.append(Row((source,), (target,), ((0, 0, "require"),), row_key(encrypted, [guardrail])))
    return rows


def alarm_namespace(resources: Resources, alarm: str) -> str:
    """An alarm's metric namespace, also for metric-math (anomaly band) alarms."""
    p = props(resources, alarm)
    if "Namespace" in p:
        return render_value(p["Namespace"])
    for metric in as_list(p.get("Metrics")):
        namespace = (
            ((metric.get("MetricStat") or {}).get("Metric") or {}).get("Namespace")
            if isinstance(metric, Mapping)
            else None
        )
        if namespace:
            return render_value(namespace)
    return "metric math"


def alarms_box(resources: Resources, topic: str) -> Box | None:
    """The alarms that notify ``topic``, counted by namespace (there are dozens: one box, not one each)."""
    alarms = [
        a
        for a in of_type(resources, "AWS::CloudWatch::Alarm")
        if topic in refs(props(resources, a).get("AlarmActions"))
    ]
    if not alarms:
        return None
    namespaces = Counter(alarm_namespace(resources, a) for a in alarms)
    anomaly = sum(1 for a in alarms if props(resources, a).get("ThresholdMetricId"))
    dashboards = len(of_type(resources, "AWS::CloudWatch::Dashboard"))
    lines = [
        heading(f"{len(alarms)} CloudWatch alarms"),
        *(Line(f"{count} on {ns}", 10) for ns, count in sorted(namespaces.items())),
    ]
    lines.append(
        note(
            f"{anomaly} on anomaly-detection bands \u00b7 {dashboards} dashboard{'s' if dashboards != 1 else ''}"
        )
    )
    return Box(tuple(lines), tuple(alarms), stroke=GOVERNANCE.color)


def budgets_box(resources: Resources, topic: str, names: Mapping[str, str]) -> Box | None:
    """The budgets that notify ``topic``, each with its limit, and any budget actions (hard stops)."""
    budgets = [
        b
        for b in of_type(resources, "AWS::Budgets::Budget")
        if topic in refs(props(resources, b).get("NotificationsWithSubscribers"))
    ]
    if not budgets:
        return None
    lines = [heading(f"{len(budgets)} AWS Budgets")]
    for budget in budgets:
        spec = props(resources, budget).get("Budget") or {}
        limit = spec.get("BudgetLimit") or {}
        name = render_value(spec.get("BudgetName", names_fallback(budget)))
        period = PERIODS.get(render_value(spec.get("TimeUnit")), render_value(spec.get("TimeUnit")))
        amount = f"{render_value(limit.get('Amount'))} {render_value(limit.get('Unit', ''))}".strip()
        lines.append(Line(f"{name}: {amount}/{period}", 10))
    actions = of_type(resources, "AWS::Budgets::BudgetsAction")
    for action in actions:
        lines.append(note(budget_action_text(resources, action, names)))
    return Box(tuple(lines), (*budgets, *actions), stroke=GOVERNANCE.color)


#: Budget periods as the picture words them.
PERIODS = {"DAILY": "day", "MONTHLY": "month", "QUARTERLY": "quarter", "ANNUALLY": "year"}


def budget_action_text(resources: Resources, action: str, names: Mapping[str, str]) -> str:
    """A budget action in one line: the threshold, the budget, and the policy it attaches to which roles."""
    p = props(resources, action)
    threshold = render_value((p.get("ActionThreshold") or {}).get("Value"))
    definition = (p.get("Definition") or {}).get("IamActionDefinition") or {}
    policies = sorted(refs(definition.get("PolicyArn")))
    roles = sorted(refs(definition.get("Roles")))
    labels = {role.logical_id: role.label for role in caller_roles(resources, names)}
    target = ", ".join(labels.get(role, names.get(role, role)) for role in roles) or "its targets"
    what = (
        f"attach {', '.join(names.get(p, p) for p in policies)} to {target}"
        if policies
        else render_value(p.get("ActionType"))
    )
    return f"hard stop at {threshold}% of {render_value(p.get('BudgetName'))}: {what}"


def names_fallback(lid: str) -> str:
    """A logical id without its hash, for resources that have no name property."""
    return HASH_SUFFIX.sub("", lid)


def topic_box(
    resources: Resources, topic: str, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> Box:
    """The alarm topic: its name, subscriptions and key."""
    p = props(resources, topic)
    subscriptions = [
        s
        for s in of_type(resources, "AWS::SNS::Subscription")
        if topic in refs(props(resources, s).get("TopicArn"))
    ]
    count = len(subscriptions) + len(as_list(p.get("Subscription")))
    lines = [
        heading("SNS topic"),
        Line(render_value(p.get("DisplayName") or p.get("TopicName") or names[topic]), 10),
        note(f"{plural(count, 'subscription')} in the template"),
    ]
    return Box(
        (*lines, *kms_line(resources, topic, encrypted, names)),
        (topic, *subscriptions),
        stroke=GOVERNANCE.color,
    )


def notification_rows(
    resources: Resources, encrypted: Mapping[str, str], names: Mapping[str, str]
) -> list[Row]:
    """Lane 4: alarms and budgets -> the topic they notify."""
    rows = []
    for topic in of_type(resources, "AWS::SNS::Topic"):
        sources = [
            box
            for box in (alarms_box(resources, topic), budgets_box(resources, topic, names))
            if box is not None
        ]
        if sources:
            arrows = tuple((index, 0, "notify") for index in range(len(sources)))
            rows.append(
                Row(
                    tuple(sources),
                    (topic_box(resources, topic, encrypted, names),),
                    arrows,
                    row_key(encrypted, [topic]),
                )
            )
    return rows


def resource_kind(resources: Resources, lid: str) -> str:
    """A resource type in words: ``AWS::Logs::LogGroup`` -> ``log group``."""
    name = str(resources[lid].get("Type", "")).split("::")[-1]
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def key_box(resources: Resources, key: str, names: Mapping[str, str], hidden: Sequence[str]) -> Box:
    """A customer-managed key: what it protects, who created it, rotation, and what else it encrypts."""
    p = props(resources, key)
    period = p.get("RotationPeriodInDays")
    rotation = (
        (f"rotates every {period} days" if period else "rotates yearly")
        if p.get("EnableKeyRotation")
        else "no rotation"
    )
    lines = [
        Line(f"KMS key \u00b7 {rotation}", 11, True, KEY_STROKE),
        Line(key_purpose(resources, key, names)),
        note(f"created by {key_origin(resources, key, names)}"),
    ]
    if hidden:
        kinds = Counter(resource_kind(resources, lid) for lid in hidden)
        lines.append(
            note("also encrypts " + ", ".join(plural(count, kind) for kind, count in sorted(kinds.items())))
        )
    return Box(tuple(lines), (key,), fill=KEY_FILL, stroke=KEY_STROKE)


@dataclass(frozen=True)
class RowLayout:
    """A row's boxes at their places."""

    sources: list[Placed]
    targets: list[Placed]
    key: Placed | None
    bottom: int


def layout_row(row: Row, key: Box | None, y: int) -> RowLayout:
    """Sources, targets and key in three columns, each centred on the row's tallest column."""
    columns = [
        (row.sources, SOURCE_X, SOURCE_W),
        (row.targets, TARGET_X, TARGET_W),
        ((key,) if key else (), KEY_X, KEY_W),
    ]
    height = max(stack_height(boxes, w) for boxes, _, w in columns)
    placed = [stack(boxes, x, y + (height - stack_height(boxes, w)) // 2, w) for boxes, x, w in columns]
    return RowLayout(placed[0], placed[1], placed[2][0] if placed[2] else None, y + height)


def draw_row(canvas: Canvas, lane: Lane, layout: RowLayout, row: Row, encrypted: Mapping[str, str]) -> None:
    """A row's boxes, its flow arrows and the dashed lines from its key to what the key encrypts."""
    for placed in [*layout.sources, *layout.targets, *([layout.key] if layout.key else [])]:
        draw_box(canvas, placed)
    inbound = Counter(target for _, target, _ in row.arrows)
    labelled: set[int] = set()
    for source_index, target_index, label in row.arrows:
        # Arrows into one target share their last segment: label it once.
        text = "" if target_index in labelled else label
        labelled.add(target_index)
        converge = inbound[target_index] > 1
        arrow(
            canvas, layout.sources[source_index], layout.targets[target_index], lane, text, converge=converge
        )
    if layout.key is not None:
        for placed in layout.targets:
            if any(encrypted.get(lid) == row.key for lid in placed.box.resources):
                key_link(canvas, layout.key, placed)


def draw_flow_lane(
    canvas: Canvas,
    lane: Lane,
    rows: Sequence[Row],
    keys: Mapping[str, Box],
    encrypted: Mapping[str, str],
    y: int,
) -> int:
    """A lane of rows; returns the y below it."""
    inner = Canvas(tooltips=canvas.tooltips)
    cursor = y + 36
    for row in rows:
        layout = layout_row(row, keys.get(row.key) if row.key else None, cursor)
        draw_row(inner, lane, layout, row, encrypted)
        cursor = layout.bottom + 16
    if not rows:
        cursor = draw_lines(inner, 28, cursor, [note("nothing of this kind in the template")]) + 12
    lane_frame(canvas, lane, y, cursor - 4 - y)
    canvas.parts += inner.parts
    return cursor - 4


# --------------------------------------------------------------------------------------------------
# The whole picture
# --------------------------------------------------------------------------------------------------
def shown_resources(rows: Sequence[Row]) -> set[str]:
    """Every resource some box in the rows stands for."""
    return {lid for row in rows for box in (*row.sources, *row.targets) for lid in box.resources}


def key_boxes(
    resources: Resources, rows: Sequence[Row], encrypted: Mapping[str, str], names: Mapping[str, str]
) -> dict[str, Box]:
    """One box per key, noting what it encrypts that no box shows."""
    shown = shown_resources(rows)
    boxes = {}
    for key in of_type(resources, "AWS::KMS::Key"):
        hidden = [lid for lid, k in sorted(encrypted.items()) if k == key and lid not in shown]
        boxes[key] = key_box(resources, key, names, hidden)
    return boxes


def orphan_key_rows(resources: Resources, rows: Sequence[Row]) -> list[Row]:
    """Rows for keys that encrypt nothing drawn, so that every key in the template is in the picture."""
    placed = {row.key for row in rows}
    return [Row((), (), (), key) for key in of_type(resources, "AWS::KMS::Key") if key not in placed]


def defs() -> str:
    """Arrowheads, one per lane colour."""
    markers = "".join(
        f'<marker id="{lane.marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0 0L10 5L0 10z" fill="{lane.color}"/></marker>'
        for lane in LANES
    )
    return f"<defs>{markers}</defs>"


def residency_text(template: Mapping[str, Any]) -> str | None:
    """What the landing zone's residency says, from the template's metadata (``None``: no residency)."""
    recorded = (template.get("Metadata") or {}).get(RESIDENCY_METADATA)
    if not isinstance(recorded, Mapping):
        return None
    regions = ", ".join(recorded.get("regions", []))
    return (
        f"Data residency: {recorded.get('described_as')} ({regions}); every approved model's routing and the "
        "guardrail profile are checked against it at synth"
    )


def draw_header(canvas: Canvas, template: Mapping[str, Any], count: int) -> int:
    """Title, provenance, residency and legend; returns the y below them."""
    description = render_value(template.get("Description", "Amazon Bedrock landing zone"))
    canvas.add(text_element(16, 30, Line(shorten(description, WIDTH - 32, 18, bold=True), 18, True)))
    provenance = f"Generated by make docs from the synthesized CloudFormation template ({count} resources). Hover a box for its constructs."
    canvas.add(text_element(16, 50, note(provenance)))
    top = 70
    residency = residency_text(template)
    if residency is not None:
        # Bold text renders wider than measured in some viewers: wrap with room to spare.
        for index, line in enumerate(wrap(residency, (WIDTH - 32) * 0.85, 12, bold=True)):
            canvas.add(text_element(16, 70 + 16 * index, Line(line, 12, True, INK)))
            top = 70 + 16 * index + 20
    x = 16
    for lane in LANES:
        draw_path(canvas, [(x, top), (x + 26, top)], lane.color, marker=lane.marker)
        canvas.add(text_element(x + 32, top + 4, Line(f"{lane.number} {lane.title.lower()}", 11, False, INK)))
        x += 32 + int(text_width(f"{lane.number} {lane.title.lower()}", 11)) + 18
    draw_path(canvas, [(x, top), (x + 26, top)], KEY_STROKE, dashed=True)
    canvas.add(text_element(x + 32, top + 4, Line("encrypted with (customer-managed KMS key)", 11)))
    return top + 18


def tooltip_texts(resources: Resources, names: Mapping[str, str]) -> dict[str, str]:
    """Each resource's tooltip: construct name, type and logical id."""
    return {lid: f"{names[lid]} ({resource.get('Type')}, {lid})" for lid, resource in resources.items()}


def render_architecture_svg(template: Mapping[str, Any]) -> str:
    """The architecture picture of the landing zone in ``template`` (a synthesized CloudFormation template).

    Deterministic: the same template gives the same bytes (sorted iteration, integer coordinates, no
    dates), and the text is ASCII with character references, whatever the platform's encoding.
    """
    resources: Resources = template.get("Resources") or {}
    names = construct_names(resources)
    encrypted = encryption_keys(resources)
    canvas = Canvas(tooltips=tooltip_texts(resources, names))
    y = draw_header(canvas, template, len(resources))
    y = draw_private_lane(canvas, resources, names, y + 4) + 12
    flow_lanes = [
        (LOGGING, logging_rows(resources, encrypted, names)),
        (AUDIT, audit_rows(resources, encrypted, names)),
        (
            GOVERNANCE,
            guardrail_rows(resources, encrypted, names) + notification_rows(resources, encrypted, names),
        ),
    ]
    all_rows = [row for _, rows in flow_lanes for row in rows]
    flow_lanes[-1] = (GOVERNANCE, flow_lanes[-1][1] + orphan_key_rows(resources, all_rows))
    keys = key_boxes(resources, all_rows, encrypted, names)
    for lane, rows in flow_lanes:
        y = draw_flow_lane(canvas, lane, rows, keys, encrypted, y) + 12
    return document(canvas, y + 4)


def document(canvas: Canvas, height: int) -> str:
    """The SVG document around the drawn elements."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" {attributes(width=WIDTH, height=height, viewBox=f"0 0 {WIDTH} {height}")} '
        f'font-family="{FONT_FAMILY}" role="img" aria-labelledby="title">'
    )
    body = "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            head,
            '<title id="title">Architecture of the secure-bedrock landing zone, generated from its CloudFormation template</title>',
            defs(),
            f"<rect {attributes(x=0, y=0, width=WIDTH, height=height, fill=WHITE)}/>",
            *canvas.parts,
            "</svg>",
            "",
        ]
    )
    return body.encode("ascii", "xmlcharrefreplace").decode("ascii")
