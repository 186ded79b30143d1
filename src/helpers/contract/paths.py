"""Where things live. The project root is found from this file, so commands work from any folder."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

PACKAGE_HOME = Path(__file__).resolve().parents[2]  # the folder holding the helpers package: a worker's PYTHONPATH
PROJECT_ROOT = PACKAGE_HOME.parent

MAX_NAME_CHARS = 60
_UNSAFE = re.compile(r"[^\w\-（）()·]+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


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


# Set by a run while it stages data/processed ("<data dir>\n<staging folder>", `runstate`): what the run
# writes and reads as DATA/processed goes to the staging folder until the run commits.
PROCESSED_STAGING_ENV = "YQEVAL_PROCESSED_STAGING"


def processed_root(data_dir: str | Path) -> Path:
    staged = os.environ.get(PROCESSED_STAGING_ENV)
    if staged:
        data, _, stage = staged.partition("\n")
        if stage and Path(data_dir).resolve() == Path(data):
            return Path(stage)
    return Path(data_dir) / "processed"


def processed_dir(data_dir: str | Path, quarter: str) -> Path:
    return processed_root(data_dir) / quarter


def resolve_data_dir(data_dir: str | Path) -> Path:
    """A notebook's data_dir parameter as a folder.

    Relative paths resolve against the working directory when the folder is there (papermill runs
    the notebooks from the data folder's parent, so the injected parameter is just "data"), else
    against the project root (JupyterLab runs them from notebooks/).
    """
    path = Path(data_dir)
    if path.is_absolute():
        return path
    if (Path.cwd() / path).is_dir():
        return (Path.cwd() / path).resolve()
    return (PROJECT_ROOT / path).resolve()


def readable_name(name: str) -> str:
    """A file name as text that any CSV or JSON file can hold.

    Python gives a name whose bytes are not UTF-8 with "surrogate escapes" for those bytes (a zip made
    on Chinese Windows keeps its names in GBK). Such a name is decoded as GB18030, which is what the
    sender saw; bytes that are not GB18030 either are shown as \\xNN. A UTF-8 name is returned as is.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def safe_name(unit: str) -> str:
    """A file name for a unit that is valid on Linux, macOS and Windows, whatever the name holds.

    Letters (Chinese included), digits, '-', '_', brackets and '·' stay; every other run of
    characters becomes '_'. A name that had to change, or is too long, gets a short hash so two
    different units never share a file.
    """
    text = unicodedata.normalize("NFKC", str(unit)).strip()
    clean = _UNSAFE.sub("_", text).strip("_.") or "unit"
    changed = clean != text or clean.upper() in _WINDOWS_RESERVED or len(clean) > MAX_NAME_CHARS
    if changed:
        digest = hashlib.sha256(str(unit).encode("utf-8")).hexdigest()[:8]
        clean = f"{clean[:MAX_NAME_CHARS]}_{digest}"
    return clean
