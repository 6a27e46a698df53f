"""The compliance findings of a synthesized app as SARIF 2.1.0, where code scanning shows them.

aws-cdk-lib writes every validation plugin's findings (the four cdk-nag packs, the Bedrock rules) to
``policy-validation-report.json`` in the cloud assembly when the app's context sets
``@aws-cdk/core:validationReportJson`` (the reference ``cdk.json`` does). :func:`sarif_from_assembly`
turns that report into one SARIF run per plugin: each result has the rule id, its level, the
construct path (a logical location) and, where the synth recorded it, the file and line of Python
that created the construct. Creation sites are recorded when the synth runs with ``CDK_DEBUG=true``
(aws-cdk-lib keeps each construct's creation stack) and ``JSII_HOST_STACK_TRACES=1`` (jsii passes the
Python frames along); without them the results carry construct paths only.

The output is deterministic: results in a fixed order, file URIs relative to ``root``, no times and
no absolute paths, so the same commit gives the same bytes.

    python -m secure_bedrock.report cdk.out --output findings.sarif [--root .] [--merge checkov.sarif]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

#: The report aws-cdk-lib writes into the cloud assembly.
REPORT_FILE = "policy-validation-report.json"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: aws-cdk-lib's severities as SARIF levels.
LEVELS = {"error": "error", "fatal": "error", "warning": "warning", "info": "note", "note": "note"}
#: A frame of a creation stack as aws-cdk-lib renders it: ``function (file:line)`` or ``file:line``.
_FRAME = re.compile(
    r"\((?P<file>[^()]+?):(?P<line>\d+)(?::\d+)?\)$|^(?P<bare>[^ ()]+?):(?P<bare_line>\d+)(?::\d+)?$"
)


def sarif_from_assembly(assembly: Path, *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of the findings in the cloud assembly directory ``assembly``.

    :param root: the directory file URIs are relative to (the repository). Default: the current
        directory. Frames outside it (aws-cdk-lib, installed packages) are never a result's location.
    :raises ValueError: when the assembly has no validation report, naming the context key to set.
    """
    assembly = Path(assembly)
    report_path = assembly / REPORT_FILE
    if not report_path.is_file():
        raise ValueError(
            f"assembly: {str(assembly)!r} has no {REPORT_FILE}; synthesize with the context "
            "'@aws-cdk/core:validationReportJson': true (and at least one validation plugin, e.g. "
            "secure_bedrock.compliance.register_compliance_packs(app))"
        )
    report = json.loads(report_path.read_text())
    sites = creation_sites(assembly, (root or Path.cwd()).resolve())
    runs = [_run(plugin, sites) for plugin in report.get("pluginReports", [])]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": sorted(runs, key=_tool_name)}


def _tool_name(run: Mapping[str, Any]) -> str:
    return str(run["tool"]["driver"]["name"])


def _run(plugin: Mapping[str, Any], sites: Mapping[str, tuple[str, int]]) -> dict[str, Any]:
    summary = plugin.get("summary", {})
    name = str(summary.get("pluginName", "validation"))
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for violation in plugin.get("violations", []):
        rule_id = str(violation.get("ruleName", "unknown"))
        description = str(violation.get("description", rule_id))
        level = LEVELS.get(str(violation.get("severity", "error")).lower(), "warning")
        rule = {
            "id": rule_id,
            "shortDescription": {"text": description.split(" - (")[0][:1000]},
            "fullDescription": {"text": description},
            "defaultConfiguration": {"level": level},
        }
        if violation.get("fix"):
            rule["help"] = {"text": str(violation["fix"])}
        rules.setdefault(rule_id, rule)
        for path in _violating_paths(violation):
            results.append(_result(rule_id, level, description, path, sites.get(path)))
    results.sort(key=lambda r: (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]))
    return {
        "tool": {
            "driver": {
                "name": name,
                "informationUri": "https://github.com/cdklabs/cdk-nag"
                if "." in name or name == "AwsSolutions"
                else "https://docs.aws.amazon.com/cdk/v2/guide/policy-validation-synthesis.html",
                "rules": [rules[rule_id] for rule_id in sorted(rules)],
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }


def _violating_paths(violation: Mapping[str, Any]) -> list[str]:
    paths = {
        str(resource["constructPath"])
        for resource in violation.get("violatingResources", [])
        if resource.get("constructPath") and resource.get("constructPath") != "N/A"
    }
    paths |= {
        str(construct["constructPath"])
        for construct in violation.get("violatingConstructs", [])
        if construct.get("constructPath") and construct.get("constructPath") != "N/A"
    }
    return sorted(paths) or ["(app)"]


def _result(
    rule_id: str, level: str, description: str, path: str, site: tuple[str, int] | None
) -> dict[str, Any]:
    location: dict[str, Any] = {"logicalLocations": [{"fullyQualifiedName": path, "kind": "object"}]}
    if site is not None:
        uri, line = site
        location["physicalLocation"] = {
            "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line},
        }
    return {
        "ruleId": rule_id,
        "level": level,
        "message": {"text": f"{path}: {description}"},
        "locations": [location],
        # Stable across runs and line moves: the rule and the construct path identify a finding.
        "partialFingerprints": {"constructPath/ruleId": f"{path}/{rule_id}"},
    }


def creation_sites(assembly: Path, root: Path) -> dict[str, tuple[str, int]]:
    """For each construct path with a recorded creation stack: the first frame in a file under
    ``root`` (relative POSIX path, line). Frames of installed packages are skipped."""
    stacks: dict[str, list[str]] = {}
    for entries in _metadata(assembly):
        for path, items in entries.items():
            for item in items:
                if item.get("type") == "aws:cdk:creationStack" and isinstance(item.get("data"), list):
                    stacks[path.lstrip("/")] = [str(frame) for frame in item["data"]]
    sites: dict[str, tuple[str, int]] = {}
    for path, frames in stacks.items():
        site = _first_site(frames, root)
        if site is not None:
            sites[path] = site
    # A finding on a resource (Stack/Construct/Resource) points at the nearest recorded ancestor.
    for path in list(stacks):
        parts = path.split("/")
        for depth in range(len(parts) - 1, 0, -1):
            ancestor = "/".join(parts[:depth])
            if path not in sites and ancestor in sites:
                sites[path] = sites[ancestor]
    return sites


def _metadata(assembly: Path) -> Iterable[Mapping[str, list[dict[str, Any]]]]:
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        yield artifact.get("metadata", {})
        extra = artifact.get("additionalMetadataFile")
        if extra and (assembly / extra).is_file():
            yield json.loads((assembly / extra).read_text())


def _first_site(frames: Sequence[str], root: Path) -> tuple[str, int] | None:
    for frame in frames:
        match = _FRAME.search(frame.strip())
        if match is None:
            continue
        file = Path(match.group("file") or match.group("bare"))
        line = int(match.group("line") or match.group("bare_line"))
        try:
            relative = file.resolve().relative_to(root)
        except ValueError:
            continue
        if "site-packages" in relative.parts or relative.parts[:1] in (("node_modules",), (".venv",)):
            continue
        return relative.as_posix(), line
    return None


def merge(log: dict[str, Any], others: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``log`` with the runs of other SARIF logs (checkov writes its own) appended, in tool order."""
    runs = [*log["runs"], *(run for other in others for run in other.get("runs", []))]
    return {**log, "runs": sorted(runs, key=_tool_name)}


def render(log: Mapping[str, Any]) -> str:
    """The log as the bytes written: sorted keys, two-space indent, a final newline."""
    return json.dumps(log, indent=2, sort_keys=True) + "\n"


def count_results(log: Mapping[str, Any], level: str = "error") -> int:
    return sum(1 for run in log["runs"] for result in run["results"] if result.get("level") == level)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m secure_bedrock.report",
        description="Write a synthesized app's findings as SARIF 2.1.0.",
    )
    parser.add_argument("assembly", type=Path, help="the cloud assembly directory (cdk.out)")
    parser.add_argument("--output", "-o", type=Path, help="the SARIF file to write. Default: stdout")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="file URIs are relative to it. Default: ."
    )
    parser.add_argument(
        "--merge",
        type=Path,
        action="append",
        default=[],
        help="another SARIF log to include (e.g. checkov's)",
    )
    args = parser.parse_args(argv)
    try:
        log = sarif_from_assembly(args.assembly, root=args.root)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    log = merge(log, [json.loads(path.read_text()) for path in args.merge])
    text = render(log)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
        print(
            f"{args.output}: {count_results(log)} errors, {count_results(log, 'warning')} warnings in "
            f"{len(log['runs'])} runs",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
