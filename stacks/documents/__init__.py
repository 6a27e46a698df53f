"""Documents generated from the synthesized reference environment, so they cannot drift from the code.

``python -m stacks.documents`` (``make docs``) rewrites them; ``--check`` fails when a checked-in
copy is stale. The tests render the same documents from the session's one synth and compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import Stack

DOCS = Path(__file__).resolve().parents[2] / "docs"


def render_documents(
    template: Mapping[str, Any], stack: Stack, byo_template: Mapping[str, Any]
) -> dict[Path, str]:
    """Every generated document of the reference environment: path under docs/ -> content.

    :param byo_template: the bring-your-own example's template (the access matrix's own-role rows).
    """
    from stacks.documents.access_matrix import matrix_for
    from stacks.documents.architecture import render_architecture_svg
    from stacks.documents.control_map import render_control_map
    from stacks.documents.organization import organization_template
    from stacks.documents.organization_picture import render_organization_svg

    return {
        DOCS / "architecture.svg": render_architecture_svg(template),
        DOCS / "hipaa-controls.md": render_control_map(template, stack),
        DOCS / "access-matrix.md": matrix_for(template, stack.stack_name, byo_template).markdown,
        DOCS / "organization.svg": render_organization_svg(organization_template()),
        **render_settings_reference(),
        **render_rollout(),
    }


def render_rollout() -> dict[Path, str]:
    """docs/examples/ci/rollout.yml, from cdk.json's settings (none without the organization block)."""
    from stacks.documents.organization import reference_settings
    from stacks.documents.rollout import render_rollout_workflow

    settings = reference_settings()
    return {DOCS / "examples" / "ci" / "rollout.yml": render_rollout_workflow(settings)}


#: The markers around the generated table in docs/settings.md.
TABLE_START = "<!-- the table is generated from stacks/settings_schema.py by `make docs` -->\n"
TABLE_END = "<!-- end of the generated table -->\n"


def render_settings_reference() -> dict[Path, str]:
    """docs/settings.schema.json and docs/settings.md with its table, both from the settings' models."""
    from stacks.settings_schema import render_schema, render_table

    guide = (DOCS / "settings.md").read_text()
    before, rest = guide.split(TABLE_START, 1)
    _, after = rest.split(TABLE_END, 1)
    return {
        DOCS / "settings.schema.json": render_schema(),
        DOCS / "settings.md": before + TABLE_START + render_table() + TABLE_END + after,
    }
