"""Regenerate (or with ``--check``, verify) the documents derived from the reference environment."""

from __future__ import annotations

import argparse
import sys
import tempfile
from typing import Any

from stacks.app import build_app
from stacks.byo_example import byo_example_template
from stacks.documents import render_documents


def main(argv: list[str] | None = None) -> int:
    """Synthesize the reference environment once and write (or compare) every generated document."""
    parser = argparse.ArgumentParser(prog="python -m stacks.documents", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a checked-in document is stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as outdir, tempfile.TemporaryDirectory() as byo_outdir:
        app, stack = build_app(outdir=outdir)
        template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
        documents = render_documents(template, stack, byo_example_template(byo_outdir))
    stale = [path for path, text in documents.items() if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"{path.name} is stale: run 'make docs' and commit it", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(text := documents[path])
        print(f"wrote {path} ({len(text)} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
