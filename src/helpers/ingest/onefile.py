"""One file → its outcome: its bytes read safely, its sheets read in the worker (`sandbox`), the table
located, who and when, its rows. Never raises: any failure is a file-level reject that names the file
(docs/submissions.md; docs/limits.md for the limits and the isolated reader). Each step returns what it
found; the file's entry is rebuilt from it, so an entry returned for a failed file holds what was learnt
before the failure.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import replace
from pathlib import Path

from helpers.contract import vocabulary as W
from helpers.ingest.form import SKIP_FILE
from helpers.ingest.identity import (
    UnknownUnit,
    collect_meta,
    is_sample,
    resolve_date,
    resolve_quarter,
    resolve_unit,
    unit_named_by,
)
from helpers.ingest.limits import Limits
from helpers.ingest.listing import misnamed
from helpers.ingest.locate import classify_rows, count_rows, find_table, other_table_warnings
from helpers.ingest.readers import FileRejected, read_file
from helpers.ingest.records import FileEntry, FileOutcome, RejectRow, counted
from helpers.ingest.rows import nothing_read, read_rows
from helpers.ingest.sandbox import IsolatedReader
from helpers.plan.reference import Plan


def ingest_file(path: Path, name: str, quarter: str, plan: Plan, max_bytes: int | None,
                reader: IsolatedReader | None = None) -> FileOutcome:
    """One file → its outcome. Never raises: any failure is a file-level reject.

    reader: the worker that reads the file (`sandbox`); None reads it in this process."""
    entry = FileEntry(file=name).warn(misnamed(path, name))
    try:
        data = read_submission(path, max_bytes)
        entry = replace(entry, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        limits = reader.limits if reader is not None else Limits.from_params(
            plan.params.replace(max_file_mb=max_bytes / 1048576) if max_bytes else plan.params)
        sheets, notes = reader.read(name, data) if reader is not None else read_file(name, data, limits)
        del data
        entry = entry.warn(*notes)
    except Exception as exc:  # nothing inside could be read (corrupt, encrypted, empty, not a table)
        # the file name may still say who sent it: the unit then reads 文件被退回, not 未报送
        return rejected(replace(entry, unit=unit_named_by(name, plan)), quarter, exc)
    try:
        table = find_table(sheets)
        entry = replace(entry, sheet=table.sheet.name).warn(*other_table_warnings(sheets, table))
        entry = replace(entry, rows=count_rows(table))
        kinds = classify_rows(table)
        meta = collect_meta(table, kinds)
        entry = replace(entry, unit=resolve_unit(meta["unit"], plan, name))
        found, warning = resolve_quarter(meta["quarter"], quarter, name)
        entry = replace(entry, quarter=found, sample=is_sample(table)).warn(warning)
        day, warning = resolve_date(meta["reported_on"])
        entry = replace(entry, reported_on=day).warn(warning)
        read = read_rows(table, kinds, quarter, name, entry.unit, day, plan)
        entry = entry.warn(*read.warnings)
        empty = nothing_read(kinds, read)
        if empty:  # the unit sent a form with nothing in it
            raise FileRejected(empty)
        return counted(entry, read.accepted, read.rejects, read.skipped)
    except UnknownUnit as exc:  # listed in 报送情况 with its closest names (docs/plan_life.md)
        entry = replace(entry, unit_written=exc.written, candidates=tuple(exc.candidates), close_unit=exc.close_unit)
        return rejected(entry, quarter, exc)
    except Exception as exc:  # a bad file never stops the run
        return rejected(replace(entry, unit=entry.unit or unit_named_by(name, plan)), quarter, exc)


def rejected(entry: FileEntry, quarter: str, exc: Exception) -> FileOutcome:
    """The outcome of a file returned as a whole: one line in rejects.csv, every row it has skipped."""
    reason, detail = file_reason(exc)
    entry = replace(entry, status="rejected", reason=reason, detail=detail[:300] if detail else entry.detail)
    row = RejectRow(quarter, entry.file, entry.sheet, None, entry.unit, "", "", reason, W.REJECT_FILE)
    return counted(entry, (), (row,), {SKIP_FILE: entry.rows} if entry.rows else {})


def file_reason(exc: Exception) -> tuple[str, str]:
    """(a file-level reject's reason in Chinese, the detail for the log or ''). A FileRejected says it;
    anything else is a fault of this program on this file, said so. A library's own (English) words go to
    the log's "detail" only, never to rejects.csv or the report."""
    detail = getattr(exc, "detail", "") if isinstance(exc, FileRejected) else f"{type(exc).__name__}: {exc}"
    detail = str(detail) if detail else ""
    if isinstance(exc, FileRejected):
        return str(exc), detail
    if isinstance(exc, MemoryError):
        return "读取此文件时内存不足，已跳过：请在 Excel 或 WPS 中打开核对后另存为 .xlsx 重新报送", detail
    return "读取或解析此文件时程序出错，已跳过：请把此文件交开发人员检查", detail


def read_submission(path: Path, max_bytes: int | None) -> bytes:
    """The file's bytes: opened without following a symbolic link, and only if it is a regular file
    (the folder may have changed since it was listed); never more than max_bytes + 1 bytes are read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:  # permissions, a file that vanished, a link put in its place: this file only
        raise FileRejected(f"无法读取文件：{_os_reason(exc)}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FileRejected("不是普通文件，未读取")
        if max_bytes is not None and st.st_size > max_bytes:
            raise FileRejected(f"文件过大（{_mb(st.st_size)}，上限 {_mb(max_bytes)}，参数 max_file_mb），"
                               "请删去无关的工作表或图片后重新报送")
        try:
            return fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        except OSError as exc:
            raise FileRejected(f"无法读取文件：{_os_reason(exc)}") from None


def _mb(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.1f} KB"


def _os_reason(exc: OSError) -> str:
    words = {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "文件已不存在",
             errno.ELOOP: "是符号链接", errno.EIO: "磁盘读取错误", errno.EISDIR: "是文件夹"}
    return words.get(exc.errno, f"系统错误（错误码 {exc.errno}）")
