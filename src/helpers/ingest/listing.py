"""Which files of a quarter are read, and under what name they are reported.

The rule of what is a submission is `quarterfiles.quarter_files` (docs/limits.md), the one the run
manifest uses too; this module applies it to a quarter's folder and names each file as the outputs
show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from helpers.contract.paths import raw_dir, readable_name
from helpers.ingest.quarterfiles import quarter_files
from helpers.plan.quarters import parse_quarter


def valid_quarter(quarter: str) -> str:
    """QUARTER in its one spelling (2019Q4), or a ValueError saying how to write it."""
    q = parse_quarter(quarter)
    if q is None:
        raise ValueError(f"报告期“{quarter}”无法识别，请写作 2019Q4")
    return q


def quarter_folder(data_dir: str | Path, quarter: str) -> tuple[Path, list[Path], list[dict]]:
    """(DATA_DIR/raw/QUARTER, the submission files there, [{"file", "reason"}] of the entries not read)."""
    folder = raw_dir(data_dir, quarter)
    if not folder.is_dir():
        raise ValueError(f"没有找到报送文件夹：{folder}")
    paths, not_read = quarter_files(folder)
    return folder, paths, not_read


def list_submission_files(folder: Path) -> tuple[list[Path], list[str]]:
    """(files to read, names not read): the one rule of `quarterfiles.quarter_files`."""
    files, not_read = quarter_files(folder)
    return files, [item["file"] for item in not_read]


def display_name(path: Path, base: str | Path | None) -> str:
    """The file's name relative to base, readable: a name whose bytes are not UTF-8 (a zip made on
    Chinese Windows, unpacked on Linux) is decoded as GB18030 rather than left with undecodable bytes
    that no CSV or JSON file can hold."""
    name = path.name
    if base is not None:
        try:
            name = path.resolve().relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            pass
    return readable_name(name)


def named(paths: Iterable[str | Path], base: str | Path | None) -> list[tuple[str, Path]]:
    """(name in the outputs, path) of every file, in name order: the order the files are read in."""
    return sorted((display_name(Path(p), base), Path(p)) for p in paths)


def misnamed(path: Path, name: str) -> str:
    """A warning when the file's name is not UTF-8 (and was read as GB18030), else ''."""
    if readable_name(path.name) != path.name:
        return f"文件名不是 UTF-8 编码，已按 GB18030 读作“{Path(name).name}”：请用此名称重新保存文件"
    return ""
