"""Every sentence in docs/ that states how an AWS service behaves carries its source (issue 13).

Three checks, none of which reaches the network:

- every link to AWS documentation in ``docs/*.md`` is a well-formed https address of an English AWS page,
  not a placeholder, a tracking link or a regional mirror;
- no page repeats a claim AWS has since changed (cost-allocation tags are no longer "not retroactive");
- in the hand-written pages, every paragraph, list item or table row that states one of the AWS facts
  below carries a link to AWS documentation. The list names the facts the pages state today; a rule that
  matches nothing fails too, so a reworded page updates the list instead of silently escaping it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
ALL_PAGES = sorted(DOCS.glob("*.md"))
#: The hand-written pages of the citation pass (access-matrix.md and hipaa-controls.md are generated).
HAND_WRITTEN = (
    "evidence.md",
    "access.md",
    "operations.md",
    "deploy.md",
    "network.md",
    "compliance.md",
    "architecture.md",
)
AWS_HOSTS = {"docs.aws.amazon.com", "aws.amazon.com"}
#: Any address that names an AWS documentation or marketing host, linked or bare.
AWS_ADDRESS = re.compile(r"[a-z]+://[^\s)<>\]]*(?:aws\.amazon\.com|amazonaws\.cn)[^\s)<>\]]*", re.IGNORECASE)
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
PLACEHOLDER = re.compile(r"TODO|TBD|XXX|FIXME|example\.com|\.\.\.|…|[{}<>]", re.IGNORECASE)
#: A locale prefix (``/de_de/``) in a docs path: cite the English page.
LOCALE = re.compile(r"^/[a-z]{2}_[a-z]{2}/")
LIST_ITEM = re.compile(r"^(- |\d+\. )")

#: Claims AWS has changed since the pages were first written; none may come back.
RETIRED_CLAIMS = ("not retroactive",)

#: Each rule: substrings (case-insensitive) that, found together in one paragraph, list item or table row
#: of a hand-written page, mark a statement of AWS behaviour, which must then link to AWS documentation.
RULES: tuple[tuple[str, ...], ...] = (
    ("object lock", "existing"),  # S3 allows it on versioned buckets; CloudFormation replaces the bucket
    ("server-access-log destination",),  # SSE-S3 is the only destination encryption the S3 guide supports
    ("model access page",),  # retired; models are enabled by default
    ("cost allocation tags",),  # activation takes up to 24 hours; backfill from the management account
    ("backfill",),
    ("up to 24 hours",),
    ("4,096",),  # CloudFormation custom resource response body
    ("servicetimeout",),  # CloudFormation custom resource timeout
    ("asynchronously",),  # CloudFormation invokes a Lambda-backed custom resource asynchronously
    ("6,144",),  # IAM managed policy size
    ("10,240",),  # IAM inline policies of a role
    ("2,048",),  # IAM trust policy
    ("20,480",),  # VPC endpoint policy, S3 bucket policy
    ("32,768",),  # KMS key policy
    ("30,720",),  # SNS topic policy
    ("at most 60",),  # security-group rules
    ("aws:sourcevpce",),  # the global condition key
    ("inferenceprofilearn",),  # set on the foundation-model authorization of a profile call
    ("bedrock-mantle:model",),  # the Mantle condition key
    ("authorize converse",),  # InvokeModel* actions also authorize Converse*
    ("negated",),  # a negated condition operator is true when the key is absent
    ("per account and region",),  # invocation logging and guardrail enforcement are singletons
    ("no resource for it",),  # CloudFormation has no invocation-logging resource
    ("100 kb",),  # invocation-log bodies over 100 KB go to S3
    ("count as neither",),  # throttled calls are neither invocations nor errors
    ("best-effort",),  # EventBridge delivery of CloudTrail events
    ("recursive events",),  # CloudTrail's own deliveries as data events
    ("root included",),  # Object Lock compliance mode
    ("unmanageable",),  # KMS default key policy
    ("hipaa-eligible",),  # the BAA
)


def units(text: str) -> Iterator[str]:
    """The paragraphs, list items and table rows of a page, code blocks left out."""
    in_code = False
    for block in text.split("\n\n"):
        lines = block.split("\n")
        if lines[0].startswith("```") or in_code:
            in_code = (block.count("```") % 2 == 1) != in_code
            continue
        current: list[str] = []
        for line in lines:
            if line.startswith("|"):
                if current:
                    yield "\n".join(current)
                    current = []
                yield line
                continue
            if LIST_ITEM.match(line) and current:
                yield "\n".join(current)
                current = []
            current.append(line)
        if current:
            yield "\n".join(current)


def aws_links(text: str) -> list[str]:
    return [url for _, url in MARKDOWN_LINK.findall(text) if urlsplit(url).hostname in AWS_HOSTS]


def address_problem(url: str) -> str | None:
    """Why ``url`` is not a citable AWS documentation address, or ``None``."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "not https"
    if parts.hostname not in AWS_HOSTS:
        return f"host {parts.hostname!r} (cite docs.aws.amazon.com or aws.amazon.com, not a mirror)"
    if PLACEHOLDER.search(url):
        return "a placeholder"
    if parts.query:
        return "a query string (tracking or search link)"
    if LOCALE.match(parts.path):
        return "a translated page (cite the English one)"
    if parts.hostname == "docs.aws.amazon.com" and not parts.path.endswith(".html"):
        return "not a documentation page (.html)"
    if parts.hostname == "aws.amazon.com" and not parts.path.endswith("/"):
        return "not an aws.amazon.com page (ends with /)"
    return None


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda page: page.name)
def test_aws_links_are_well_formed(page: Path) -> None:
    text = page.read_text()
    problems = [f"{url}: {why}" for url in AWS_ADDRESS.findall(text) if (why := address_problem(url))]
    empty = [label for label, url in MARKDOWN_LINK.findall(text) if url and not label.strip()]
    assert not problems, f"{page.name}: " + "; ".join(problems)
    assert not empty, f"{page.name}: links without text: {empty}"


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda page: page.name)
def test_no_retired_claim(page: Path) -> None:
    text = " ".join(page.read_text().lower().split())
    found = [claim for claim in RETIRED_CLAIMS if claim in text]
    assert not found, f"{page.name} still says {found}; see the AWS page that superseded it"


def _unsourced() -> dict[tuple[str, ...], list[str]]:
    """For each rule, the units that state it, and among them those without an AWS link."""
    matched: dict[tuple[str, ...], list[str]] = {rule: [] for rule in RULES}
    for name in HAND_WRITTEN:
        for unit in units((DOCS / name).read_text()):
            flat = " ".join(unit.lower().split())
            for rule in RULES:
                if all(part in flat for part in rule):
                    matched[rule].append(f"{name}: {unit[:100]!r}" if not aws_links(unit) else "")
    return matched


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: "+".join(rule))
def test_aws_fact_carries_its_source(rule: tuple[str, ...]) -> None:
    matched = _unsourced()[rule]
    assert matched, f"no hand-written page states {rule} any more: update RULES in this test"
    missing = [unit for unit in matched if unit]
    assert not missing, "stated without a link to AWS documentation:\n" + "\n".join(missing)


def test_the_hand_written_pages_exist() -> None:
    assert all((DOCS / name).is_file() for name in HAND_WRITTEN)
