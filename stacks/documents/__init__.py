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

    return {
        DOCS / "architecture.svg": render_architecture_svg(template),
        DOCS / "hipaa-controls.md": render_control_map(template, stack),
        DOCS / "access-matrix.md": matrix_for(template, stack.stack_name, byo_template).markdown,
    }
