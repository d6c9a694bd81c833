"""Compare whoosh 2.7.4 with whoosh-reloaded 2.7.5 on the two points that decided our choice.

Run with the interpreter whose environment has the package under test installed, e.g.::

    python -m venv /tmp/w && /tmp/w/bin/pip install whoosh==2.7.4 && /tmp/w/bin/python bench/whoosh_fork.py

It prints (1) how many SyntaxWarning/DeprecationWarning the package's source raises when
compiled by this Python, and (2) whether a writer survives a document that fails to add.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings

import whoosh
from whoosh import fields, index


def compile_warnings() -> int:
    """Return the warnings raised while compiling every module of the installed whoosh."""
    root = os.path.dirname(whoosh.__file__)
    count = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    source = fh.read()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    compile(source, name, "exec")
                count += sum(issubclass(w.category, (SyntaxWarning, DeprecationWarning)) for w in caught)
    return count


def writer_survives_a_bad_document() -> str:
    """Add a document that raises, then a good one; report whether the writer still works."""
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), n=fields.NUMERIC(int))
    ix = index.create_in(tempfile.mkdtemp(), schema)
    writer = ix.writer()
    with contextlib.suppress(ValueError):
        writer.add_document(id="1", n="not a number")
    try:
        writer.add_document(id="2", n=2)
        writer.commit()
    except Exception as exc:  # the 2.7.4 bug surfaces as a bare Exception
        return f"stuck ({exc})"
    return "survives"


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]}, whoosh module {whoosh.versionstring()} from {whoosh.__file__}")
    print(f"compile warnings: {compile_warnings()}")
    print(f"writer after a failing add_document: {writer_survives_a_bad_document()}")
