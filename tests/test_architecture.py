"""The architecture picture: checked in, current, well-formed, and drawn from the template (not by hand).

Uses the session's one synth of the reference environment (``reference_template``); every other
template here is a copy of it, edited as a user's change would edit it.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.documents.architecture import render_architecture_svg

SVG_PATH = Path(__file__).resolve().parents[1] / "docs" / "architecture.svg"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def template(reference_template: Template) -> dict[str, Any]:
    return dict(reference_template.to_json())


@pytest.fixture(scope="module")
def svg(template: dict[str, Any]) -> str:
    return render_architecture_svg(template)


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == resource_type}


def labels(svg: str) -> list[str]:
    """The text of every <text> element."""
    return ["".join(element.itertext()) for element in ET.fromstring(svg).iter(f"{SVG}text")]


def boxes(svg: str) -> dict[str, str]:
    """Logical id -> the text of the box that stands for it (its lines joined with spaces)."""
    found: dict[str, str] = {}
    for group in ET.fromstring(svg).iter(f"{SVG}g"):
        text = " ".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))
        for lid in group.get("data-resource", "").split():
            found[lid] = f"{found.get(lid, '')} {text}".strip()
    return found


def service_of(endpoint: dict[str, Any]) -> str:
    """The short service name, read independently of the renderer: the part after the region."""
    name = endpoint["Properties"]["ServiceName"]
    if isinstance(name, dict):  # {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}
        name = "".join(part if isinstance(part, str) else "REGION" for part in name["Fn::Join"][1])
    return str(name).split(".", 3)[3]


def endpoints(template: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for lid, endpoint in sorted(of_type(template, "AWS::EC2::VPCEndpoint").items()):
        yield lid, service_of(endpoint)


def test_checked_in_picture_is_current(svg: str) -> None:
    assert SVG_PATH.exists(), "docs/architecture.svg is missing: run make docs"
    assert SVG_PATH.read_text(encoding="ascii") == svg, "docs/architecture.svg is stale: run make docs"


def test_is_well_formed_self_contained_svg(svg: str) -> None:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert 800 <= width <= 1012, "GitHub's markdown column is about 1012 px wide: keep text legible"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert (title.text or "").strip()
    assert root.get("font-family", "").endswith("sans-serif"), (
        "a font fallback list ending in a generic family"
    )
    assert svg.isascii(), "non-ASCII text must be character references, whatever the platform encoding"
    assert not re.search(r"<(image|script|foreignObject|style)\b|href=|url\((?!#)", svg), "nothing external"


def test_every_vpc_endpoint_is_a_box_labelled_with_its_service(template: dict[str, Any], svg: str) -> None:
    found = boxes(svg)
    services = [service for _, service in endpoints(template)]
    assert {"bedrock-runtime", "bedrock", "s3"} <= set(services)
    for lid, service in endpoints(template):
        assert lid in found, f"no box for endpoint {lid}"
        assert found[lid].split(" ")[0] == service, (
            f"{lid}'s box should open with {service!r}: {found[lid]!r}"
        )


def test_every_team_profile_is_labelled_under_its_team(template: dict[str, Any], svg: str) -> None:
    profiles = of_type(template, "AWS::Bedrock::ApplicationInferenceProfile")
    assert len(profiles) >= 2
    text = labels(svg)
    found = boxes(svg)
    for lid, profile in profiles.items():
        name = profile["Properties"]["InferenceProfileName"]
        team = {t["Key"]: t["Value"] for t in profile["Properties"]["Tags"]}["team"]
        # A name too long for the box keeps its head and ends in an ellipsis.
        shortened = [label for label in text if label.endswith("\u2026") and name.startswith(label[:-1])]
        assert name in text or shortened, f"profile {name} is not labelled"
        assert found[lid].startswith(f"team {team} "), f"profile {name} is not in team {team}'s box"


def test_every_kms_key_is_labelled_by_what_it_protects(template: dict[str, Any], svg: str) -> None:
    keys = of_type(template, "AWS::KMS::Key")
    assert len(keys) >= 5
    found = boxes(svg)
    for lid, key in keys.items():
        match = re.fullmatch(
            r"secure-bedrock: (.*) \(created by [^/]+/(.*)\)", key["Properties"]["Description"]
        )
        assert match, key["Properties"]["Description"]
        purpose, path = match.groups()
        assert lid in found, f"no box for key {lid}"
        assert purpose in found[lid], found[lid]
        assert f"created by {path}" in found[lid], found[lid]


def test_encrypted_stores_name_their_key(template: dict[str, Any], svg: str) -> None:
    found = boxes(svg)
    key_purposes = {
        lid: re.sub(r" \(.*", "", key["Properties"]["Description"].removeprefix("secure-bedrock: "))
        for lid, key in of_type(template, "AWS::KMS::Key").items()
    }
    for lid, group in of_type(template, "AWS::Logs::LogGroup").items():
        if lid in found:
            key = group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
            assert f"KMS: {key_purposes[key]}" in found[lid], found[lid]


def test_removing_an_endpoint_removes_its_box(template: dict[str, Any], svg: str) -> None:
    (lid,) = [lid for lid, service in endpoints(template) if service == "bedrock"]
    changed = copy.deepcopy(template)
    del changed["Resources"][lid]
    after = render_architecture_svg(changed)
    assert "bedrock" in labels(svg)
    assert "bedrock" not in labels(after)
    assert lid in boxes(svg)
    assert lid not in boxes(after)


def test_adding_a_team_adds_its_profile(template: dict[str, Any], svg: str) -> None:
    changed = copy.deepcopy(template)
    resources = changed["Resources"]
    source = next(iter(of_type(template, "AWS::Bedrock::ApplicationInferenceProfile").values()))
    profile = copy.deepcopy(source)
    profile["Properties"]["InferenceProfileName"] = "oncology-us-amazon-nova-pro-v1-0-abc123"
    profile["Properties"]["Tags"] = [
        {"Key": "cost-center", "Value": "CC-3003"},
        {"Key": "team", "Value": "oncology"},
    ]
    resources["LandingZoneTeamsoncologyProfile0123456789ABCDEF"] = profile
    after = render_architecture_svg(changed)
    assert "oncology-us-amazon-nova-pro-v1-0-abc123" not in labels(svg)
    assert "oncology-us-amazon-nova-pro-v1-0-abc123" in labels(after)
    assert "team oncology \u00b7 cost center CC-3003" in labels(after)
    # The endpoint admits every application profile of the account, the new one included.
    assert "not allowed by the runtime endpoint policy" not in labels(after)


def test_a_profile_the_endpoint_refuses_is_flagged(template: dict[str, Any], svg: str) -> None:
    changed = copy.deepcopy(template)
    for lid, service in endpoints(changed):
        if service == "bedrock-runtime":
            document = changed["Resources"][lid]["Properties"]["PolicyDocument"]
            document["Statement"] = [
                s for s in document["Statement"] if s.get("Sid") != "InvokeThisAccountsApplicationProfiles"
            ]
    after = render_architecture_svg(changed)
    # Without that statement the endpoint refuses the teams' profiles: the picture says so rather than hiding it.
    assert "not allowed by the runtime endpoint policy" not in labels(svg)
    assert "not allowed by the runtime endpoint policy" in labels(after)


def test_rendering_is_deterministic(template: dict[str, Any], svg: str) -> None:
    assert render_architecture_svg(template) == svg
    reordered = {**template, "Resources": dict(reversed(list(template["Resources"].items())))}
    assert render_architecture_svg(reordered) == svg, (
        "the picture must not depend on the template's key order"
    )


def test_the_residency_is_stated_from_the_template(template: dict[str, Any], svg: str) -> None:
    from secure_bedrock.residency import RESIDENCY_METADATA

    recorded = template["Metadata"][RESIDENCY_METADATA]
    assert recorded == {
        "described_as": "the 'us' geography",
        "regions": ["us-east-1", "us-east-2", "us-west-1", "us-west-2"],
    }
    text = " ".join(labels(svg))
    assert "Data residency: the 'us' geography (us-east-1, us-east-2, us-west-1, us-west-2)" in text
    # A landing zone without a residency records none, and the picture claims none.
    without = copy.deepcopy(template)
    del without["Metadata"][RESIDENCY_METADATA]
    assert "Data residency" not in " ".join(labels(render_architecture_svg(without)))
    # Another residency is drawn as recorded.
    other = copy.deepcopy(template)
    other["Metadata"][RESIDENCY_METADATA] = {
        "described_as": "us-east-1, us-west-2",
        "regions": ["us-east-1", "us-west-2"],
    }
    assert "Data residency: us-east-1, us-west-2 (us-east-1, us-west-2)" in " ".join(
        labels(render_architecture_svg(other))
    )
