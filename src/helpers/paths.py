"""Where things live. The project root is found from this file, so commands work from any folder."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def reference_dir(data_dir: str | Path | None = None) -> Path:
    """The plan-as-data folder: $YQEVAL_REFERENCE, else DATA/reference if it exists, else the project's."""
    env = os.environ.get("YQEVAL_REFERENCE")
    if env:
        return Path(env)
    if data_dir is not None and (Path(data_dir) / "reference").is_dir():
        return Path(data_dir) / "reference"
    return PROJECT_ROOT / "data" / "reference"


def raw_dir(data_dir: str | Path, quarter: str) -> Path:
    return Path(data_dir) / "raw" / quarter


def processed_dir(data_dir: str | Path, quarter: str) -> Path:
    return Path(data_dir) / "processed" / quarter
