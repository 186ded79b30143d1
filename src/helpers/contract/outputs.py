"""Writing processed data: deterministic CSV (UTF-8 with BOM, for Excel on Chinese Windows) and JSON."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is read: `yqeval run` imports this module before
    import pandas as pd  # it starts its kernels, and pandas costs half a second there


def write_csv(df: pd.DataFrame, path: str | Path, columns: list[str] | None = None) -> Path:
    """Write df as UTF-8-with-BOM CSV, columns in the given order, '\\n' line ends, atomically.

    Text that a spreadsheet would run as a formula is neutralised (`neutralise`); numbers stay numbers."""
    path = Path(path)
    if columns is not None:
        df = df.reindex(columns=columns)
    text_columns = [c for c in df.columns if df[c].dtype == object]
    if text_columns:
        df = df.copy()
        for col in text_columns:
            df[col] = df[col].map(neutralise)
    text = df.to_csv(index=False, lineterminator="\n", float_format=_float_format)
    return write_text(path, text, encoding="utf-8-sig")


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"): = + - @ at the start, or a
# tab or carriage return before them; Excel in a Chinese locale also takes the full-width ＝ ＋ － ＠.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def _needs_quote(text: str) -> bool:
    if text.startswith("'"):  # a quote written by a person stays, so that reading back is exact
        return _needs_quote(text[1:])
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(value):
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(…)", "@SUM(…)", "-1+cmd|…"),
    prefixed with a single quote (OWASP's rule); numbers, and text that is just a number ("-5"),
    unchanged. `unneutralise` undoes it exactly. docs/limits.md"""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def unneutralise(value):
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def _float_format(x: float) -> str:  # pandas passes floats only
    return f"{x:.6f}".rstrip("0").rstrip(".") if x == x else ""


def write_json(obj, path: str | Path) -> Path:
    text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n"
    try:
        return write_text(Path(path), text)
    except UnicodeEncodeError:  # a file name whose bytes are not UTF-8: escaped, so it reads back the same
        return write_text(Path(path), json.dumps(obj, ensure_ascii=True, indent=2, default=str) + "\n")


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))


def umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_bytes(path: Path, data: bytes) -> Path:
    """Write via a temporary file and rename, so a failed run never leaves half a file.

    The file gets the permissions a plain open() would give (mkstemp's are owner-only), so
    colleagues and auditors on a shared machine can read what a run wrote.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def shared_strings(values):
    """The same text values, each distinct one a single object (a unit's name, a file name or a status
    repeats on thousands of rows: one pointer each instead of one string each; docs/benchmarks.md)."""
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return uniques.take(codes)


def read_csv(path: str | Path, numeric: list[str] | tuple[str, ...] = (), **kwargs) -> pd.DataFrame:
    """Read a processed CSV back, keeping text as text (codes like 001 stay 001).

    Columns named in numeric become floats, an empty cell becoming NaN (missing, never 0).
    """
    import pandas as pd

    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False, **kwargs)
    for col in df.columns:
        if df[col].dtype == object and df[col].str.startswith("'").any():
            df[col] = df[col].map(unneutralise)
        if df[col].dtype == object and len(df) > 1:
            df[col] = shared_strings(df[col].to_numpy())
    for col in numeric:
        if col in df:
            df[col] = pd.to_numeric(df[col].where(df[col] != "", None), errors="coerce")
    return df
