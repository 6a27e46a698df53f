"""docs/constructs.md is true of the code: its examples synthesize and pass every pack, its tables match.

Every ```python block of the guide runs in its own stack (called ``stack`` in the guide) of one app with
cdk.json's feature flags; the app is synthesized once, with the four cdk-nag packs and the Bedrock rules
registered, and must have no unacknowledged finding. Every argument table is compared with
``inspect.signature`` of what its heading names, so the guide cannot drift from the code.
"""

from __future__ import annotations

import inspect
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnResource, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

import secure_bedrock
from secure_bedrock.compliance import register_compliance_packs
from tests.conftest import FEATURE_FLAGS, compliance_report

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "constructs.md"
CANARY = "GuideCanary"
PLUGINS = {"AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321", "Bedrock"}
#: Names a table's default column may use besides the public API.
DEFAULT_NAMESPACE: dict[str, Any] = {
    **{name: getattr(secure_bedrock, name) for name in secure_bedrock.__all__},
    "Duration": Duration,
    "RemovalPolicy": RemovalPolicy,
    "logs": logs,
}
HEADING = re.compile(r"^(#{1,6}) (.+)$")
CODE_SPAN = re.compile(r"`([^`]+)`")
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
#: A list item that documents a name: ``- `Name`: ...`` or ``- `Name(arguments)`: ...``.
LIST_ENTRY = re.compile(r"^- `([^`(]+)")


@dataclass
class Example:
    """One ```python block: where it is and the code."""

    section: str
    line: int
    code: str


@dataclass
class Section:
    """The lines under one heading, up to the next heading."""

    title: str
    line: int
    lines: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        """The API name the heading is about: its first code span, if any."""
        spans = CODE_SPAN.findall(self.title)
        return spans[0] if spans else None


def parse_guide(text: str) -> list[Section]:
    """The guide's sections, each with its examples; headings inside code blocks are code."""
    sections = [Section(title="", line=1)]
    in_code: Example | None = None
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("```"):
            if not fenced:
                fenced = True
                if line.strip() == "```python":
                    in_code = Example(section=sections[-1].title, line=number + 1, code="")
            else:
                fenced = False
                if in_code is not None:
                    sections[-1].examples.append(in_code)
                    in_code = None
        elif in_code is not None:
            in_code.code += line + "\n"
        elif not fenced and (heading := HEADING.match(line)):
            sections.append(Section(title=heading.group(2), line=number))
            continue
        sections[-1].lines.append(line)
    assert not fenced, "the guide has an unclosed code block"
    return sections


SECTIONS = parse_guide(GUIDE.read_text())
EXAMPLES = [example for section in SECTIONS for example in section.examples]


def cells(row: str) -> list[str]:
    """A Markdown table row's cells, with escaped pipes (inside code spans) unescaped."""
    return [cell.strip().replace("\\|", "|") for cell in UNESCAPED_PIPE.split(row.strip()[1:-1])]


def argument_table(section: Section) -> list[list[str]] | None:
    """The rows of the section's ``| argument | type | default | ...`` (or ``| field | ...``) table."""
    rows = [line for line in section.lines if line.startswith("|")]
    if not rows or cells(rows[0])[:3] not in (["argument", "type", "default"], ["field", "type", "default"]):
        return None
    return [cells(row) for row in rows[2:]]


def resolve(name: str) -> Any:
    """``secure_bedrock.<name>``, following dots (``CrossRegionInferenceProfile.of``)."""
    value: Any = secure_bedrock
    for part in name.split("."):
        value = getattr(value, part)
    return value


def documented_parameters(target: Any) -> list[inspect.Parameter]:
    """What a table must list: keyword arguments of a construct, fields of a dataclass, a function's
    arguments (not a ``**`` catch-all such as the landing zone's deprecated flat arguments, which the
    text describes)."""
    if isinstance(target, type):
        parameters = [
            parameter
            for parameter in list(inspect.signature(vars(target)["__init__"]).parameters.values())[1:]
            if parameter.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        if issubclass(target, Construct):
            assert [p.name for p in parameters[:2]] == ["scope", "construct_id"]
            return parameters[2:]
        return parameters
    return list(inspect.signature(target).parameters.values())


def section_named(name: str) -> Section | None:
    return next((section for section in SECTIONS if section.name == name), None)


PUBLIC_CONSTRUCTS = [
    name
    for name in secure_bedrock.__all__
    if isinstance(getattr(secure_bedrock, name), type)
    and issubclass(getattr(secure_bedrock, name), Construct)
]
TABLE_SECTIONS = [section for section in SECTIONS if argument_table(section) is not None]


# --- the guide covers the code --------------------------------------------------------------------


def test_the_guide_is_parsed() -> None:
    assert "SecureBedrockLandingZone" in PUBLIC_CONSTRUCTS
    assert len(EXAMPLES) >= len(PUBLIC_CONSTRUCTS)
    assert len(TABLE_SECTIONS) >= len(PUBLIC_CONSTRUCTS)


def test_every_link_within_the_guide_has_a_heading() -> None:
    # GitHub's anchors: lower case, punctuation other than '-' and '_' dropped, spaces as '-'.
    anchors = {re.sub(r"[^\w\- ]", "", section.title.lower()).replace(" ", "-") for section in SECTIONS}
    links = set(re.findall(r"\]\(#([^)]+)\)", GUIDE.read_text()))
    assert links, "the guide's index links to its sections"
    assert links - anchors == set()


@pytest.mark.parametrize("name", PUBLIC_CONSTRUCTS)
def test_every_public_construct_has_a_section_an_example_and_an_argument_table(name: str) -> None:
    section = section_named(name)
    assert section is not None, f"docs/constructs.md has no heading for {name}"
    assert section.examples, f"the {name} section has no ```python example"
    assert argument_table(section) is not None, f"the {name} section has no argument table"


def test_every_public_name_has_a_heading_or_an_entry() -> None:
    documented = {span.split(".")[0] for section in SECTIONS for span in CODE_SPAN.findall(section.title)}
    documented |= {
        entry.group(1).split(".")[0]
        for section in SECTIONS
        for line in section.lines
        if (entry := LIST_ENTRY.match(line))
    }
    assert set(secure_bedrock.__all__) - documented == set()


def test_every_heading_names_something_public() -> None:
    for section in SECTIONS:
        for span in CODE_SPAN.findall(section.title):
            assert span.split(".")[0] in secure_bedrock.__all__, f"line {section.line}: {span} is not public"
            resolve(span)


def _comparable(value: Any) -> Any:
    """A value as ``==`` can compare it: a ``Duration`` (jsii, no equality) as its seconds."""
    return ("Duration", value.to_seconds()) if isinstance(value, Duration) else value


@pytest.mark.parametrize("section", TABLE_SECTIONS, ids=lambda section: section.name)
def test_argument_table_matches_the_signature(section: Section) -> None:
    assert section.name is not None, f"line {section.line}: a table under a heading that names nothing"
    parameters = documented_parameters(resolve(section.name))
    rows = argument_table(section)
    assert rows is not None
    where = f"docs/constructs.md:{section.line} ({section.name})"
    documented = [CODE_SPAN.findall(row[0])[0] for row in rows]
    assert documented == [p.name for p in parameters], f"{where}: the table's arguments differ from the code"
    for row, parameter in zip(rows, parameters, strict=True):
        annotation = parameter.annotation
        if not isinstance(annotation, str):
            annotation = inspect.formatannotation(annotation)
        assert CODE_SPAN.findall(row[1]) == [annotation], f"{where}: type of {parameter.name}"
        default = row[2]
        if parameter.default is inspect.Parameter.empty:
            assert default.startswith("required"), f"{where}: {parameter.name} is required"
            continue
        assert default.startswith("`"), f"{where}: the default of {parameter.name} must start with the code's"
        written = CODE_SPAN.findall(default)[0]
        assert _comparable(eval(written, dict(DEFAULT_NAMESPACE))) == _comparable(parameter.default), (
            f"{where}: the default of {parameter.name} is {parameter.default!r}, the guide says {written}"
        )


# --- the examples ----------------------------------------------------------------------------------


@dataclass
class GuideApp:
    """The app that ran every example, and the compliance report of its one synth."""

    app: App
    stacks: dict[str, Example]
    report: list[dict[str, Any]]


def stack_name(index: int, example: Example) -> str:
    return f"Guide{index:02d}" + re.sub(r"[^A-Za-z0-9]", "", example.section)[:40]


@pytest.fixture(scope="module")
def guide_app(tmp_path_factory: pytest.TempPathFactory) -> GuideApp:
    """Every example in one app, synthesized once with the compliance packs registered."""
    app = App(
        outdir=str(tmp_path_factory.mktemp("guide")),
        context={**FEATURE_FLAGS, "@aws-cdk/core:validationReportJson": True},
    )
    stacks: dict[str, Example] = {}
    # Examples that need a scratch folder (a Lambda handler) get one under pytest's tmp directory.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("examples")))
        for index, example in enumerate(EXAMPLES, start=1):
            stack = Stack(app, stack_name(index, example), env=Environment(region="us-east-1"))
            # Line numbers of tracebacks are the guide's.
            code = compile("\n" * (example.line - 1) + example.code, str(GUIDE), "exec")
            try:
                exec(code, {"stack": stack})
            except Exception as error:
                raise AssertionError(
                    f"the example at docs/constructs.md:{example.line} ({example.section}) failed: {error!r}"
                ) from error
            if not any(isinstance(child, CfnResource) for child in stack.node.find_all()):
                # Nothing to deploy (models, policies, rule packs): CloudFormation refuses an empty template.
                app.node.try_remove_child(stack.node.id)
            else:
                stacks[stack.stack_name] = example
    # The control: a plain bucket and a log group kept one day, which every pack reports. The report
    # lists only the packs that found something, so this proves that each one ran over this app.
    canary = Stack(app, CANARY, env=Environment(region="us-east-1"))
    s3.CfnBucket(canary, "PlainBucket")
    logs.CfnLogGroup(canary, "ShortLivedLogs", retention_in_days=1)
    register_compliance_packs(app)
    return GuideApp(app=app, stacks=stacks, report=compliance_report(app))


def test_every_example_synthesizes_and_passes_every_pack(guide_app: GuideApp) -> None:
    canary_reported_by = {
        plugin["summary"]["pluginName"]
        for plugin in guide_app.report
        for violation in plugin["violations"]
        for resource in violation["violatingResources"]
        if resource["constructPath"].startswith(f"{CANARY}/")
    }
    assert PLUGINS - canary_reported_by == set(), (
        f"these packs did not run: {sorted(PLUGINS - canary_reported_by)}"
    )
    findings = []
    for plugin in guide_app.report:
        for violation in plugin["violations"]:
            for resource in violation["violatingResources"]:
                path = resource["constructPath"]
                if path.split("/")[0] == CANARY:
                    continue
                example = guide_app.stacks.get(path.split("/")[0])
                where = f"docs/constructs.md:{example.line}" if example else "?"
                findings.append(f"{where} {violation['ruleName']} at {path}")
    assert findings == [], "unacknowledged findings:\n" + "\n".join(findings)
    assert len(guide_app.stacks) >= len(PUBLIC_CONSTRUCTS)
    for name in guide_app.stacks:
        assert (Path(guide_app.app.outdir) / f"{name}.template.json").exists(), f"{name} was not synthesized"
