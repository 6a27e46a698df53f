"""The organization picture: checked in, current, well-formed, and drawn from the organization stack's
template (not by hand).

Uses the session's one synth of the reference app, whose organization stack is the template ``make docs``
draws (``stacks.documents.organization.organization_template`` synthesizes the same stack alone); every
other template here is a copy of it, edited as a change to the settings or the construct would edit it.
The expectations are read from the template independently of the renderer.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from stacks.documents.architecture import PAD_X, text_width
from stacks.documents.organization import reference_organization
from stacks.documents.organization_picture import render_organization_svg

SVG_PATH = Path(__file__).resolve().parents[1] / "docs" / "organization.svg"
SVG = "{http://www.w3.org/2000/svg}"
POLICY = "AWS::Organizations::Policy"


@pytest.fixture(scope="module")
def template(reference_assembly: Any) -> dict[str, Any]:
    """The organization stack as ``make synth`` writes it."""
    path = Path(reference_assembly.directory) / f"{reference_organization().stack_name}.template.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


@pytest.fixture(scope="module")
def svg(template: dict[str, Any]) -> str:
    return render_organization_svg(template)


def policies(template: dict[str, Any], policy_type: str) -> dict[str, dict[str, Any]]:
    """The Organizations policies of one type: logical id -> Properties."""
    return {
        lid: r["Properties"]
        for lid, r in template["Resources"].items()
        if r["Type"] == POLICY and r["Properties"]["Type"] == policy_type
    }


def scp(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The first SCP of the reference organization stack (the one holding the residency statement)."""
    lid, properties = next(iter(policies(template, "SERVICE_CONTROL_POLICY").items()))
    return lid, properties


def text_of(element: ET.Element) -> str:
    """The text of every <text> element under ``element``, joined with spaces."""
    return " ".join("".join(t.itertext()) for t in element.iter(f"{SVG}text"))


def labels(svg: str) -> list[str]:
    """The text of every <text> element."""
    return ["".join(element.itertext()) for element in ET.fromstring(svg).iter(f"{SVG}text")]


def target_groups(svg: str) -> dict[str, ET.Element]:
    """Target id -> the group that draws it (its frame, member account box and sections)."""
    return {g.get("data-target", ""): g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("data-target")}


def sections(group: ET.Element) -> dict[str, str]:
    """Policy logical id -> the text of its section in a target's member account box."""
    return {g.get("data-resource", ""): text_of(g) for g in group.iter(f"{SVG}g") if g.get("data-resource")}


def management(svg: str) -> dict[str, str]:
    """Logical id -> the text of the management account's box that stands for it."""
    (group,) = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if g.get("data-account") == "management"]
    found: dict[str, str] = {}
    for box in group.iter(f"{SVG}g"):
        for lid in box.get("data-resource", "").split():
            found[lid] = text_of(box)
    return found


def attached(template: dict[str, Any]) -> dict[str, set[str]]:
    """Target id -> the logical ids of the policies attached to it."""
    found: dict[str, set[str]] = {}
    for lid, resource in template["Resources"].items():
        if resource["Type"] == POLICY:
            for target in resource["Properties"]["TargetIds"]:
                found.setdefault(target, set()).add(lid)
    return found


def test_checked_in_picture_is_current(svg: str) -> None:
    assert SVG_PATH.exists(), "docs/organization.svg is missing: run make docs"
    assert SVG_PATH.read_text(encoding="ascii") == svg, "docs/organization.svg is stale: run make docs"


def test_is_well_formed_self_contained_svg(svg: str) -> None:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert 800 <= width <= 1012, "GitHub's markdown column is about 1012 px wide: keep text legible"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert (title.text or "").strip()
    assert root.get("font-family", "").endswith("sans-serif")
    assert svg.isascii(), "non-ASCII text must be character references, whatever the platform encoding"
    assert not re.search(r"<(image|script|foreignObject|style)\b|href=|url\((?!#)", svg), "nothing external"


def test_text_fits_in_its_box(svg: str) -> None:
    """Measured with the renderer's own metrics: no line is wider than its box's inside."""
    root = ET.fromstring(svg)
    checked = 0
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        if not group.get("data-resource") or rect is None:
            continue
        inside = int(rect.get("width", "0")) - 2 * PAD_X
        for element in group.findall(f"{SVG}text"):
            text = "".join(element.itertext())
            width = text_width(
                text, int(element.get("font-size", "0")), bold=element.get("font-weight") == "bold"
            )
            assert width <= inside, f"{text!r} is {width:.0f} px wide, its box {inside} px"
            checked += 1
    assert checked > 30


def test_every_target_is_drawn_with_the_policies_attached_to_it(template: dict[str, Any], svg: str) -> None:
    expected = attached(template)
    assert expected, "the reference organization stack attaches its policies somewhere"
    groups = target_groups(svg)
    # Only the targets of the template: no other account (a log archive, say) is drawn.
    assert set(groups) == set(expected)
    for target, lids in expected.items():
        assert target in text_of(groups[target])
        assert set(sections(groups[target])) == lids, f"{target}: wrong policies in its member account box"
        assert "Member account" in text_of(groups[target])


def test_every_scp_statement_is_summarized_in_each_target(template: dict[str, Any], svg: str) -> None:
    lid, properties = scp(template)
    sids = [statement["Sid"] for statement in properties["Content"]["Statement"]]
    assert {"DenyBedrockOutsideResidency", "DenyUnapprovedModels", "DenyMantle"} <= set(sids)
    text = labels(svg)
    for target in properties["TargetIds"]:
        section = sections(target_groups(svg)[target])[lid]
        for sid in sids:
            assert sid in text, f"no line for {sid}"
            assert sid in section, f"{sid} is not in {target}'s SCP section"


def test_residency_regions_and_model_count_are_read_from_the_statements(
    template: dict[str, Any], svg: str
) -> None:
    lid, properties = scp(template)
    by_sid = {s["Sid"]: s for s in properties["Content"]["Statement"]}
    regions = by_sid["DenyBedrockOutsideResidency"]["Condition"]["StringNotEquals"]["aws:RequestedRegion"]
    approved = by_sid["DenyUnapprovedModels"]["NotResource"]
    exempt = by_sid["ProtectGuardrails"]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    for target in properties["TargetIds"]:
        section = sections(target_groups(svg)[target])[lid]
        residency = section.split("DenyBedrockOutsideResidency", 1)[1].split("DenyUnapprovedModels", 1)[0]
        for region in regions:
            assert region in residency, f"{region} is not among the allowed regions: {residency!r}"
        assert f"all but {len(approved)} approved ARNs" in section
        for arn in exempt:
            assert arn.rsplit("/", 1)[1] in section, f"exempt principal {arn} not named"


def test_policy_sizes_are_measured_against_the_limit(template: dict[str, Any], svg: str) -> None:
    boxes = management(svg)
    for policy_type in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
        for lid, properties in policies(template, policy_type).items():
            # No intrinsic in these documents: AWS counts the compact JSON's characters.
            size = len(json.dumps(properties["Content"], separators=(",", ":")))
            assert properties["Name"] in boxes[lid]
            assert f"{size:,} of 5,120 characters" in boxes[lid], boxes[lid]


def test_rcp_perimeter_and_bedrock_policy_region_are_shown(template: dict[str, Any], svg: str) -> None:
    groups = target_groups(svg)
    for lid, properties in policies(template, "RESOURCE_CONTROL_POLICY").items():
        (statement,) = properties["Content"]["Statement"]
        organization = statement["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalOrgID"]
        for target in properties["TargetIds"]:
            assert f"outside organization {organization}" in sections(groups[target])[lid]
        assert f"Organization {organization}" in labels(svg)
    for lid, properties in policies(template, "BEDROCK_POLICY").items():
        regions = list(properties["Content"]["bedrock"]["guardrail_inference"])
        assert regions
        for target in properties["TargetIds"]:
            for region in regions:
                assert f"in {region}" in sections(groups[target])[lid]


def test_guardrail_and_its_key_are_in_the_management_account(template: dict[str, Any], svg: str) -> None:
    boxes = management(svg)
    resources = template["Resources"]
    for lid, resource in resources.items():
        if resource["Type"] in ("AWS::Bedrock::Guardrail", "AWS::KMS::Key", "AWS::Bedrock::ResourcePolicy"):
            assert lid in boxes, f"{lid} is not drawn in the management account"
    (guardrail,) = [r for r in resources.values() if r["Type"] == "AWS::Bedrock::Guardrail"]
    assert guardrail["Properties"]["Name"] in " ".join(boxes.values())


def test_a_second_target_and_a_removed_statement_change_the_picture(
    template: dict[str, Any], svg: str
) -> None:
    lid, properties = scp(template)
    changed = copy.deepcopy(template)
    changed_scp = changed["Resources"][lid]["Properties"]
    changed_scp["TargetIds"].append("ou-zz99-newteam1")
    changed_scp["Content"]["Statement"] = [
        s for s in changed_scp["Content"]["Statement"] if s["Sid"] != "DenyMantle"
    ]
    after = render_organization_svg(changed)
    assert after != svg
    assert "ou-zz99-newteam1" not in target_groups(svg)
    groups = target_groups(after)
    assert set(sections(groups["ou-zz99-newteam1"])) == {lid}, "the new OU gets the SCP, and only it"
    assert "DenyMantle" in labels(svg)
    assert "DenyMantle" not in labels(after)
    count = len(properties["Content"]["Statement"])
    assert f"{count} statements" in management(svg)[lid]
    assert f"{count - 1} statements" in management(after)[lid]
    # One SCP arrow per target (the legend draws one more).
    assert after.count('marker-end="url(#scp)"') == svg.count('marker-end="url(#scp)"') + 1


def test_rendering_is_deterministic(template: dict[str, Any], svg: str) -> None:
    assert render_organization_svg(template) == svg
    reordered = {**template, "Resources": dict(reversed(list(template["Resources"].items())))}
    assert render_organization_svg(reordered) == svg, (
        "the picture must not depend on the template's key order"
    )
