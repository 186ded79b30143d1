"""What `yqeval run` leaves out of its imports (docs/benchmarks.md, The district run).

nbformat validates notebooks with jsonschema, and jsonschema, on import, registers a checker for every
string format whose optional package is installed. JupyterLab's jupyter-events installs
`rfc3987_syntax` (IRI formats), whose grammar takes about 0.9 CPU-s to build, on every import of
nbformat, papermill or nbconvert. The notebook schema has no IRI formats, so the checker is never used:
marking the package as absent before the first import makes jsonschema skip it (its import is guarded
by `except ImportError`), and notebooks validate exactly as before.
"""

from __future__ import annotations

import sys

UNUSED = ("rfc3987_syntax",)


def trim_imports() -> None:
    """Mark UNUSED as not installed for this process, unless something has already imported it."""
    for name in UNUSED:
        sys.modules.setdefault(name, None)
