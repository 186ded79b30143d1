"""Ingest: the quarter's submission files as received → submissions.csv, rejects.csv, ingest_log.json.

The rules are in docs/submissions.md. In short: find the table, learn who and when the file
is from, turn every row into exactly one of accepted / rejected / skipped, then settle duplicates
across all files (equal → one, different → 数据冲突 for all of them; never a winner by order).

What the log counts, per file ("rows"): the non-empty rows of the sheet that holds the table, from
row 1 to the last row — title and "key：value" rows above the header, the header row, data rows and
note/signature rows below. Each is counted once as accepted, rejected or skipped (by reason), so
accepted + rejected + skipped == rows for every file. A file rejected as a whole has accepted = 0,
rejected = 0 and all its rows skipped as "文件被拒收" (0 rows if it could not be read at all); its
one line in rejects.csv has an empty source_row. Hence rejects.csv has Σ rejected + (files rejected)
lines. Other sheets (an instructions sheet) are not counted.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import datasets as D
from . import values as V
from . import vocabulary as W
from .limits import Limits
from .paths import processed_dir, raw_dir, readable_name, reference_dir
from .quarterfiles import quarter_files
from .quarters import find_quarter, parse_quarter
from .readers import FileRejected, Row, Sheet, column_letters, read_file
from .reference import Indicator, Plan, load_plan, name_key, nfkc
from .sandbox import IsolatedReader

SUBMISSION_COLUMNS = list(D.SUBMISSIONS.columns)  # the contract (helpers.datasets, docs/datasets.md)
REJECT_COLUMNS = list(D.REJECTS.columns)
CONFLICT = W.CONFLICT
SAMPLE_MARK = W.SAMPLE_MARK  # synthetic inputs say so in their title rows
NOT_REPORTER = "该单位不是此指标的填报单位"

SKIP_TITLE = "标题/说明"
SKIP_HEADER = "表头"
SKIP_NOTE = "注释/签名"
SKIP_TOTAL = "合计"
SKIP_EMPTY = "未填写"
SKIP_DUPLICATE = "重复（已合并）"
SKIP_FILE = "文件被拒收"

# canonical header → field, and the other spellings accepted (docs/submissions.md)
HEADERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "指标代码": ("code", ("代码", "指标编号")),
    "指标名称": ("name", ("指标", "任务名称")),
    "累计完成值": ("value", ("累计完成", "完成值", "完成数")),
    "基数": ("denominator", ("总数", "行政村数")),
    "进展状态": ("status", ("状态", "完成状态")),
    "进展情况": ("narrative", ("工作进展", "进展")),
    "存在问题": ("problems", ("问题",)),
    "下步打算": ("next_steps", ("下一步打算", "下步计划")),
    "佐证材料": ("evidence", ("证明材料", "附件")),
    "计量单位": ("measure", ()),
    "目标值": ("target", ()),
    "序号": ("seq", ()),
    "填报单位": ("unit", ()),
    "报告期": ("quarter", ()),
    "填报日期": ("reported_on", ()),
}
HEADER_INDEX = {name: fld for canon, (fld, others) in HEADERS.items() for name in (canon, *others)}
FIELD_NAMES = {fld: canon for canon, (fld, _) in HEADERS.items()}
TEXT_FIELDS = ("narrative", "problems", "next_steps", "evidence")

# "key：value" cells above or below the table; the note keys only end a value written before them
META_KEYS = {"填报单位": "unit", "报送单位": "unit", "单位名称": "unit", "报告期": "quarter",
             "报告期间": "quarter", "填报日期": "reported_on", "报送日期": "reported_on",
             "填报时间": "reported_on"}
NOTE_KEYS = ("填报人", "填表人", "联系人", "联系电话", "电话", "手机", "审核人", "负责人", "单位负责人",
             "分管领导", "制表人", "制表", "签字", "签名", "盖章")
_KEY_ALTERNATION = "|".join(sorted((*META_KEYS, *NOTE_KEYS), key=len, reverse=True))
_KEY_RE = re.compile(rf"({_KEY_ALTERNATION})\s*(?:[（(][^）)]*[）)])?\s*[:：]")
_NOTE_RE = re.compile(rf"^(?:(?:注|备注|附注|说明|填报说明)(?:[:：0-9一二三四五六七八九十、.．（(]|$)|注意|"
                      rf"(?:{_KEY_ALTERNATION}))")
_TOTAL_RE = re.compile(r"^(?:合计|总计|小计|全镇合计|汇总)$")
_BRACKETS_RE = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")
SOURCE_LABELS = {"column": "表内“{key}”列", "cell": "表内“{key}”", "filename": "文件名"}


# ---------------------------------------------------------------- result


@dataclass
class IngestResult:
    quarter: str
    submissions: pd.DataFrame
    rejects: pd.DataFrame
    log: dict
    written: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        t = self.log["totals"]
        skipped = "，".join(f"{k} {v}" for k, v in t["skipped_by_reason"].items())
        lines = [
            f"{self.quarter} 报送文件 {t['files']} 个：读取 {t['files_ok']} 个，整体拒收 {t['files_rejected']} 个"
            + (f"，忽略 {t['files_ignored']} 个" if t["files_ignored"] else ""),
            f"数据行：接收 {t['accepted']}，拒收 {t['rejected']}，跳过 {t['skipped']}"
            + (f"（{skipped}）" if skipped else ""),
        ]
        not_read = self.log.get("not_read", [])
        lines += [f"未读取：{item['file']}（{item['reason']}）" for item in not_read[:10]]
        if len(not_read) > 10:
            lines.append(f"另有 {len(not_read) - 10} 个未读取的条目，见 ingest_log.json 的 not_read")
        conflicts = len(D.conflict_rows(self.rejects))
        if conflicts:
            lines.append(f"其中数据冲突 {conflicts} 行，须人工核实")
        if self.written:  # no absolute path: the summary is shown in executed notebooks, which must reproduce
            lines.append(f"已写出：processed/{self.quarter}/ 下的 " + "、".join(p.name for p in self.written))
        return "\n".join(lines)


@dataclass
class FileOutcome:
    """One file's rows, before duplicates across files are settled."""
    entry: dict
    accepted: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


# ---------------------------------------------------------------- entry points


def ingest_quarter(quarter: str, data_dir: str | Path = "data", plan: Plan | None = None) -> IngestResult:
    """Read DATA_DIR/raw/QUARTER/, write DATA_DIR/processed/QUARTER/{submissions,rejects}.csv and ingest_log.json."""
    quarter = _valid_quarter(quarter)
    plan = plan or load_plan(reference_dir(data_dir))
    folder = raw_dir(data_dir, quarter)
    if not folder.is_dir():
        raise ValueError(f"没有找到报送文件夹：{folder}")
    paths, not_read = quarter_files(folder)
    result = ingest_files(paths, quarter, plan, base=folder)
    result.log["ignored"] = [item["file"] for item in not_read]
    result.log["not_read"] = not_read
    result.log["totals"]["files_ignored"] = len(not_read)
    out = processed_dir(data_dir, quarter)
    result.written = [
        D.write(result.submissions, out, D.SUBMISSIONS),
        D.write(result.rejects, out, D.REJECTS),
        D.write_json(result.log, out, D.INGEST_LOG),
    ]
    return result


def ingest_files(paths: Iterable[str | Path], quarter: str, plan: Plan, base: str | Path | None = None) -> IngestResult:
    """Ingest the given files (no writing). Names in the outputs are relative to `base`, else the file name."""
    quarter = _valid_quarter(quarter)
    named = sorted((_display_name(Path(p), base), Path(p)) for p in paths)
    limits = Limits.from_params(plan.params)
    with IsolatedReader(limits) as reader:  # one worker process reads every file (sandbox)
        outcomes = [ingest_file(path, name, quarter, plan, limits.max_bytes, reader=reader) for name, path in named]
    settle_duplicates(outcomes)
    return _assemble(quarter, plan, outcomes)


def list_submission_files(folder: Path) -> tuple[list[Path], list[str]]:
    """(files to read, names not read): the one rule of `quarterfiles.quarter_files`."""
    files, not_read = quarter_files(folder)
    return files, [item["file"] for item in not_read]


def _display_name(path: Path, base: str | Path | None) -> str:
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


def _valid_quarter(quarter: str) -> str:
    q = parse_quarter(quarter)
    if q is None:
        raise ValueError(f"报告期“{quarter}”无法识别，请写作 2019Q4")
    return q


# ---------------------------------------------------------------- one file


def ingest_file(path: Path, name: str, quarter: str, plan: Plan, max_bytes: int | None,
                reader: IsolatedReader | None = None) -> FileOutcome:
    """One file → its outcome. Never raises: any failure is a file-level reject.

    reader: the worker that reads the file (`sandbox`); None reads it in this process."""
    entry = {"file": name, "sha256": "", "size": 0, "unit": "",
             "quarter": "", "reported_on": "", "sheet": "", "status": "ok", "reason": "", "rows": 0,
             "accepted": 0, "rejected": 0, "skipped": 0, "skipped_by_reason": {}, "warnings": []}
    outcome = FileOutcome(entry)
    if readable_name(path.name) != path.name:
        entry["warnings"].append(f"文件名不是 UTF-8 编码，已按 GB18030 读作“{Path(name).name}”：请用此名称重新保存文件")
    try:
        data = read_submission(path, max_bytes)
        entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        limits = reader.limits if reader is not None else Limits.from_params(
            {**plan.params, "max_file_mb": max_bytes / 1048576 if max_bytes else plan.params.get("max_file_mb", 20)})
        sheets, notes = reader.read(name, data) if reader is not None else read_file(name, data, limits)
        del data
        entry["warnings"] += notes
    except Exception as exc:  # nothing inside could be read (corrupt, encrypted, empty, not a table)
        # the file name may still say who sent it: the unit then reads 文件被退回, not 未报送
        entry["unit"] = _unit_named_by(name, plan)
        _reject_file(outcome, quarter, _reason(exc, entry))
        _count(outcome)
        return outcome
    try:
        parse_file(outcome, sheets, quarter, plan)
    except UnknownUnit as exc:  # listed in 报送情况 with its closest names (docs/plan_life.md)
        entry.update(unit_written=exc.written, candidates=exc.candidates, close_unit=exc.close_unit)
        _reject_file(outcome, quarter, _reason(exc, entry))
    except Exception as exc:  # a bad file never stops the run
        entry["unit"] = entry["unit"] or _unit_named_by(name, plan)
        _reject_file(outcome, quarter, _reason(exc, entry))
    _count(outcome)
    return outcome


def _reason(exc: Exception, entry: dict) -> str:
    """A file-level reject's reason, in Chinese: a FileRejected says it; anything else is a fault of this
    program on this file, said so. A library's own (English) words go to the log's "detail" only, never
    to rejects.csv or the report."""
    detail = getattr(exc, "detail", "") if isinstance(exc, FileRejected) else f"{type(exc).__name__}: {exc}"
    if detail:
        entry["detail"] = str(detail)[:300]
    if isinstance(exc, FileRejected):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "读取此文件时内存不足，已跳过：请在 Excel 或 WPS 中打开核对后另存为 .xlsx 重新报送"
    return "读取或解析此文件时程序出错，已跳过：请把此文件交开发人员检查"


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


def _unit_named_by(name: str, plan: Plan) -> str:
    """The registered unit a file's name gives ('甲镇_2019Q4.xlsx', '甲镇进展表.xlsx'), or ''."""
    registry = plan.registry
    from_name, _ = filename_parts(name)
    unit = registry.resolve(from_name) if from_name else None
    if unit is None:
        found = registry.find_in(Path(name).stem)
        unit = registry.resolve(found) if found else None
    return unit.name if unit is not None else ""


def _reject_file(outcome: FileOutcome, quarter: str, reason: str, raw_value: str = "") -> None:
    entry = outcome.entry
    entry.update(status="rejected", reason=reason)
    outcome.accepted.clear()
    outcome.rejects[:] = [_reject_row(quarter, entry["file"], entry["sheet"], None, entry["unit"], "",
                                      raw_value, reason, W.REJECT_FILE)]
    outcome.skipped = Counter({SKIP_FILE: entry["rows"]} if entry["rows"] else {})


def _count(outcome: FileOutcome) -> None:
    entry = outcome.entry
    entry["accepted"] = len(outcome.accepted)
    entry["rejected"] = sum(1 for r in outcome.rejects if r["source_row"] is not None)
    entry["skipped_by_reason"] = dict(sorted(outcome.skipped.items()))
    entry["skipped"] = sum(outcome.skipped.values())


@dataclass
class Table:
    sheet: Sheet
    header: int  # 0-based row index of the header (its first row)
    columns: dict[str, int]  # field → 0-based column
    header_end: int = -1  # its last row: a header may span two rows; -1: the same as header

    def __post_init__(self) -> None:
        if self.header_end < self.header:
            self.header_end = self.header


def parse_file(outcome: FileOutcome, sheets: list[Sheet], quarter: str, plan: Plan) -> None:
    entry = outcome.entry
    if not any(_non_empty(row) for sheet in sheets for row in sheet.rows):
        raise FileRejected("文件中没有任何内容")
    table = find_table(sheets)
    entry["sheet"] = table.sheet.name
    for other in other_tables(sheets, table):
        entry["warnings"].append(f"工作表“{other.sheet.name}”也有填报表（表头下有数据），未读取：每个文件只读取"
                                 f"第一张填报表（“{table.sheet.name}”），请核实后单独报送")
    entry["rows"] = sum(1 for row in table.sheet.rows if _non_empty(row))
    kinds = classify_rows(table)
    meta = collect_meta(table, kinds)
    entry["unit"] = resolve_unit(meta["unit"], plan, entry["file"])
    entry["quarter"], warning = resolve_quarter(meta["quarter"], quarter, entry["file"])
    if warning:
        entry["warnings"].append(warning)
    entry["sample"] = any(SAMPLE_MARK in V.cell_text(cell) for row in table.sheet.rows[: table.header]
                          for cell in row if cell is not None)
    entry["reported_on"], warning = resolve_date(meta["reported_on"])
    if warning:
        entry["warnings"].append(warning)
    stray: dict[int, list[tuple[int, str]]] = {}  # column without a header → (row, text) of data rows
    for index, kind in kinds.items():
        if kind != "data":
            outcome.skipped[kind] += 1
            continue
        cells = {fld: _cell(table.sheet.rows[index], col) for fld, col in table.columns.items()}
        where = (entry["file"], table.sheet.name, index + 1)
        try:
            row = parse_row(cells, entry["unit"], plan)
        except V.Reject as exc:
            outcome.rejects.append(_reject_row(quarter, *where, entry["unit"], getattr(exc, "code", ""),
                                               getattr(exc, "raw", ""), str(exc),
                                               getattr(exc, "kind", W.REJECT_ROW)))
            continue
        if row is None:
            outcome.skipped[SKIP_EMPTY] += 1
            continue
        entry["warnings"] += [f"第{index + 1}行：{note}" for note in row.pop("notes")]
        for col, cell in _outside_header(table, index):
            stray.setdefault(col, []).append((index + 1, V.cell_text(cell)))
        row.update(quarter=quarter, unit=entry["unit"], reported_on=entry["reported_on"], source_file=where[0],
                   source_sheet=where[1], source_row=where[2])
        outcome.accepted.append(row)
    for col, cells in sorted(stray.items()):  # one warning per column, not one per row
        rows = "、".join(str(r) for r, _ in cells[:5]) + ("等" if len(cells) > 5 else "")
        entry["warnings"].append(f"第{column_letters(col)}列没有表头，第{rows}行在该列的内容（如“{cells[0][1]}”）未读取")
    if not outcome.accepted and not outcome.rejects:  # the unit sent a form with nothing in it
        if "data" not in kinds.values():
            raise FileRejected("表格只有表头，没有任何数据行")
        raise FileRejected(f"表格中没有填写任何数据：{outcome.skipped[SKIP_EMPTY]} 行的累计完成值、基数和进展状态均为空")


def _outside_header(table: Table, index: int) -> list[tuple[int, object]]:
    """(column, cell) of a data row in columns with no header at all (a row shifted right, a value
    typed past the last column): not read, and said so in the log."""
    headed = {col for r in table.sheet.rows[table.header: table.header_end + 1]
              for col, cell in enumerate(r) if not V.is_blank(cell)}
    return [(col, cell) for col, cell in enumerate(table.sheet.rows[index])
            if col not in headed and not V.is_blank(cell)]


def _non_empty(row: Row) -> bool:
    return any(not V.is_blank(c) for c in row)


def _cell(row: Row, col: int) -> object:
    return row[col] if col < len(row) else None


# ---------------------------------------------------------------- the table


def header_key(cell: object) -> str:
    """'累计完成值\\n（万元）' → '累计完成值'; '*指标代码' → '指标代码'; full-width and spaces tolerated."""
    if not isinstance(cell, str):
        return ""
    text = _BRACKETS_RE.sub("", V.clean_text(cell))
    return text.strip("*★:：")


def header_fields(row: Row) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """(field → column of the names the row holds, [(field, first column, repeated column)])."""
    columns: dict[str, int] = {}
    repeats: list[tuple[str, int, int]] = []
    for col, cell in enumerate(row):
        fld = HEADER_INDEX.get(header_key(cell))
        if fld is None:
            continue
        if fld in columns:
            repeats.append((fld, columns[fld], col))
        else:
            columns[fld] = col
    return columns, repeats


def _is_header(columns: dict[str, int]) -> bool:
    identifies = "code" in columns or "name" in columns
    reports = "value" in columns or "status" in columns
    return identifies and reports


def _repeated(repeats: list[tuple[str, int, int]]) -> FileRejected:
    fld, first, again = repeats[0]
    return FileRejected(f"表头中“{FIELD_NAMES[fld]}”出现两次（第 {first + 1} 列和第 {again + 1} 列），无法确定使用哪一列")


# a header row's neighbour that is part of a two-row header adds table columns, never who/when columns
_SPAN_FIELDS = {fld for fld in FIELD_NAMES if fld not in ("unit", "quarter", "reported_on")}


def _header_part(row: Row, columns: dict[str, int]) -> dict[str, int]:
    """The columns a neighbouring row adds to a header (a two-row header with merged cells: 序号, 指标代码
    and 进展状态 merged down, "完成情况" across 累计完成值 and 基数 below it), else {}.

    It joins when all its cells are text, it names at least one table column not yet found, and each such
    column is one the header row leaves unnamed."""
    cells = [c for c in row if not V.is_blank(c)]
    if not cells or not all(isinstance(c, str) for c in cells):
        return {}
    found, repeats = header_fields(row)
    if repeats:
        return {}
    taken = set(columns.values())
    extra = {fld: col for fld, col in found.items() if fld in _SPAN_FIELDS}
    if not extra or any(fld in columns or col in taken for fld, col in extra.items()):
        return {}
    return extra


def _table_in(sheet: Sheet) -> Table | None:
    rows = sheet.rows
    for index, row in enumerate(rows):
        columns, repeats = header_fields(row)
        if not columns:
            continue
        first = last = index
        if not _is_header(columns):  # a header whose names are split over this row and the next
            below = _header_part(rows[index + 1], columns) if index + 1 < len(rows) else {}
            if not _is_header({**columns, **below}):
                continue
            columns, last = {**columns, **below}, index + 1
        else:
            below = _header_part(rows[index + 1], columns) if index + 1 < len(rows) else {}
            if below:
                columns, last = {**columns, **below}, index + 1
        if repeats:
            raise _repeated(repeats)
        above = _header_part(rows[index - 1], columns) if index > 0 else {}
        if above:
            columns, first = {**columns, **above}, index - 1
        while last + 1 < len(rows) and _column_numbers(rows[last + 1]):
            last += 1
        return Table(sheet, first, columns, last)
    return None


_COLUMN_LABELS = set("甲乙丙丁戊己庚辛壬癸") | {"栏次"}


def _column_numbers(row: Row) -> bool:
    """The 栏次 row official forms put under the header: '栏次', 甲 乙 丙 …, then 1 2 3 … in order."""
    cells = [c for c in row if not V.is_blank(c)]
    numbers = []
    for cell in cells:
        text = V.clean_text(cell) if isinstance(cell, str) else V.cell_text(cell)
        if text in _COLUMN_LABELS:
            continue
        if not text.isdigit():
            return False
        numbers.append(int(text))
    if not cells or (numbers and numbers != list(range(numbers[0], numbers[0] + len(numbers)))):
        return False
    return len(numbers) >= 3 or len(cells) - len(numbers) >= 2


def _has_rows_below(table: Table) -> bool:
    return any(_non_empty(row) and not is_note(row) for row in table.sheet.rows[table.header_end + 1:])


_INSTRUCTIONS_RE = re.compile(r"说明|示例|样例|范例|样表|填表|须知|instruction|example|sample|readme", re.I)
_FILLED_FIELDS = ("value", "status", "denominator", *TEXT_FIELDS)


def _has_filled_rows(table: Table) -> bool:
    """Rows under the header with something a unit fills in (not only the template's codes and names)."""
    cols = [table.columns[f] for f in _FILLED_FIELDS if f in table.columns]
    return any(not is_note(row) and any(not V.is_blank(_cell(row, c)) for c in cols)
               for row in table.sheet.rows[table.header_end + 1:])


def find_table(sheets: list[Sheet]) -> Table:
    """The first sheet whose header row matches (docs/submissions.md); a hidden sheet only if no visible one
    has a header (hidden sheets hold drop-down lists). Where several sheets match, the table a unit filled in wins over the
    furniture around it, in this order:
      1. the first sheet with filled rows that is not an instructions sheet by its name (填报说明,
         示例 …: an instructions sheet may show the header with an example row);
      2. the first with filled rows (an untouched copy of the template before the filled one is
         not the submission);
      3. the first with rows under its header (only the template's codes and names);
      4. the first header with nothing under it.
    """
    tables = [t for t in (_table_in(s) for s in sheets if s.visible) if t is not None]
    if not tables:  # a hidden sheet only when no visible one has a header: hidden sheets hold drop-down lists
        tables = [t for t in (_table_in(s) for s in sheets if not s.visible) if t is not None]
    if not tables:
        raise FileRejected("没有找到填报表的表头：需要“指标代码”（或“指标名称”）以及“累计完成值”（或“进展状态”）列")
    filled = [t for t in tables if _has_rows_below(t) and _has_filled_rows(t)]
    for candidates in ([t for t in filled if not _INSTRUCTIONS_RE.search(t.sheet.name)], filled,
                       [t for t in tables if _has_rows_below(t)], tables):
        if candidates:
            return candidates[0]
    raise AssertionError("unreachable")


def other_tables(sheets: list[Sheet], chosen: Table) -> list[Table]:
    """Further sheets that also hold a filled table: not read (one table per file), but never unseen."""
    others = (_table_in(sheet) for sheet in sheets if sheet.visible and sheet is not chosen.sheet)
    return [t for t in others if t is not None and _has_rows_below(t) and _has_filled_rows(t)]


def classify_rows(table: Table) -> dict[int, str]:
    """0-based index of every non-empty row of the table's sheet → 'data' or a skip reason."""
    kinds: dict[int, str] = {}
    for index, row in enumerate(table.sheet.rows):
        if not _non_empty(row):
            continue
        if index < table.header:
            kinds[index] = SKIP_TITLE
        elif index <= table.header_end:
            kinds[index] = SKIP_HEADER
        elif is_note(row):
            kinds[index] = SKIP_NOTE
        elif is_total(row, table.columns):
            kinds[index] = SKIP_TOTAL
        else:
            kinds[index] = "data"
    return kinds


def is_note(row: Row) -> bool:
    """注：…, 说明…, 填报人：… 联系电话：…, 填报单位（盖章）：… — judged by the row's first non-empty cell."""
    first = next((c for c in row if not V.is_blank(c)), None)
    return isinstance(first, str) and bool(_NOTE_RE.match(V.clean_text(first)))


def is_total(row: Row, columns: dict[str, int]) -> bool:
    """A 合计 row: the word in the code, name or 序号 column, and no indicator there (a row with 合计
    in 序号 but T01 in 指标代码 is T01's data row, not a total)."""
    found = False
    for fld in ("seq", "code", "name"):
        if fld in columns:
            cell = _cell(row, columns[fld])
            if isinstance(cell, str) and _TOTAL_RE.match(_BRACKETS_RE.sub("", V.clean_text(cell)).rstrip(":：")):
                found = True
            elif fld in ("code", "name") and re.search(r"\w", V.cell_text(cell)):  # "/" or "—" is no indicator
                return False
    return found


# ---------------------------------------------------------------- who and when


def meta_cells(row: Row) -> list[tuple[str, object]]:
    """(field, value) pairs of "key：value" cells: '填报单位：甲镇  报告期：2019年第四季度' in one cell,
    or '填报单位：' / '填报单位' followed by the value in the next non-empty cell."""
    pairs: list[tuple[str, object]] = []
    cells = [c for c in row if not V.is_blank(c)]
    for i, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        text = cell.strip()
        bare = header_key(text)
        if bare in META_KEYS and not _KEY_RE.search(text):  # key alone, value in the next cell
            if i + 1 < len(cells) and not _is_key(cells[i + 1]):
                pairs.append((META_KEYS[bare], cells[i + 1]))
            continue
        matches = list(_KEY_RE.finditer(text))
        for j, m in enumerate(matches):
            end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
            value: object = text[m.end():end].strip().strip(";；,，、").strip()
            if m.group(1) not in META_KEYS:
                continue
            if value == "" and j + 1 == len(matches) and i + 1 < len(cells) and not _is_key(cells[i + 1]):
                value = cells[i + 1]
            if not V.is_blank(value):
                pairs.append((META_KEYS[m.group(1)], value))
    return pairs


def _is_key(cell: object) -> bool:
    return isinstance(cell, str) and (bool(_KEY_RE.search(cell)) or header_key(cell) in META_KEYS)


def collect_meta(table: Table, kinds: dict[int, str]) -> dict[str, list[tuple[str, object]]]:
    """field → [(source label, raw value)] from columns and from key：value cells outside the table."""
    meta: dict[str, list[tuple[str, object]]] = {"unit": [], "quarter": [], "reported_on": []}
    for index, kind in kinds.items():
        row = table.sheet.rows[index]
        if kind == "data":
            for fld in meta:
                if fld in table.columns:
                    cell = _cell(row, table.columns[fld])
                    if not V.is_blank(cell):
                        meta[fld].append((f"表内“{FIELD_NAMES[fld]}”列（第{index + 1}行）", cell))
        elif kind in (SKIP_TITLE, SKIP_NOTE):
            for fld, value in meta_cells(row):
                meta[fld].append((f"表内“{FIELD_NAMES[fld]}”（第{index + 1}行）", value))
    return meta


def _distinct(sources: list[tuple[str, object]], key) -> dict:
    """canonical value → first (source, raw) that gave it."""
    out: dict = {}
    for source, raw in sources:
        out.setdefault(key(raw), (source, raw))
    return out


def _disagree(what: str, found: dict) -> FileRejected:
    named = "；".join(f"{source}为“{V.cell_text(raw)}”" for source, raw in found.values())
    return FileRejected(f"{what}不一致：{named}")


def filename_parts(name: str) -> tuple[str | None, str | None]:
    """'甲镇_2019Q4.xlsx' → ('甲镇', '2019Q4'); the unit is the part before the first '_'."""
    stem = Path(name).stem
    unit = stem.split("_")[0].strip() if stem.strip() else None
    return unit or None, find_quarter(stem)


_STAMP_RE = re.compile(r"[（(【\[]\s*(?:盖章|公章|签章|章)\s*[）)】\]]")


def resolve_unit(sources: list[tuple[str, object]], plan: Plan, name: str) -> str:
    registry = plan.registry
    sources = [(source, _STAMP_RE.sub("", raw).strip() if isinstance(raw, str) else raw)
               for source, raw in sources]  # 甲镇（盖章）: the stamp goes there, not part of the name
    for source, raw in sources:
        if registry.resolve(V.cell_text(raw)) is None:
            raise UnknownUnit(V.cell_text(raw), _unknown_unit(V.cell_text(raw), source, plan), plan)
    from_name, _ = filename_parts(name)
    if from_name and registry.resolve(from_name) is None:
        from_name = registry.find_in(Path(name).stem) or from_name  # 甲镇进展填报表（四季度）.xlsx
    if from_name and registry.resolve(from_name) is not None:
        sources = [*sources, ("文件名", from_name)]
    elif not sources:
        shown = from_name or Path(name).stem
        raise UnknownUnit(shown, "无法确定填报单位：表内没有“填报单位”，" + _unknown_unit(shown, "文件名", plan), plan)
    found = _distinct(sources, lambda raw: registry.resolve(V.cell_text(raw)).name)
    if len(found) > 1:
        raise _disagree("填报单位", found)
    return next(iter(found))


CLOSE_MATCH = 0.6  # similarity of two names' keys from which a registered name is a "close match"


class UnknownUnit(FileRejected):
    """A file whose unit is not registered: the name written, the closest registered names, and the
    one unit it is close to when exactly one is (that unit then reads 文件被退回（单位名称无法识别）)."""

    def __init__(self, written: str, reason: str, plan: Plan):
        super().__init__(reason)
        self.written = written
        self.candidates = plan.registry.suggest(written)
        self.close_unit = close_unit(written, plan)


def close_unit(written: str, plan: Plan) -> str:
    """The one registered unit whose name (or an alias) is close to WRITTEN, or '' (none, or several)."""
    import difflib

    key = name_key(written)
    if not key:
        return ""
    registry = plan.registry
    cutoff = float(plan.params.get("unit_close_match", CLOSE_MATCH))
    names = [(n, n) for n in registry.units] + list(registry.aliases.items())
    close = {canonical for other, canonical in names
             if difflib.SequenceMatcher(None, key, name_key(other)).ratio() >= cutoff}
    return close.pop() if len(close) == 1 else ""


def _unknown_unit(name: str, source: str, plan: Plan) -> str:
    close = plan.registry.suggest(name)
    hint = f"，最接近的登记名称：{'、'.join(close)}" if close else ""
    return f"{source}的单位“{name}”未登记{hint}"


def _quarter_of(raw: object) -> str | None:
    text = V.cell_text(raw)
    return parse_quarter(text) or find_quarter(text)


def resolve_quarter(sources: list[tuple[str, object]], folder_quarter: str, name: str) -> tuple[str, str]:
    """(quarter, warning). With no quarter in the table or the file name, the analyst's folder decides."""
    for source, raw in sources:
        if _quarter_of(raw) is None:
            raise FileRejected(f"{source}的报告期“{V.cell_text(raw)}”无法识别（应写作 2019Q4 或 2019年第四季度）")
    _, from_name = filename_parts(name)
    if from_name:
        sources = [*sources, ("文件名", from_name)]
    if not sources:
        return folder_quarter, f"表内和文件名中都没有报告期，按所在文件夹的报告期 {folder_quarter} 处理"
    found = _distinct(sources, _quarter_of)
    if len(found) > 1:
        raise _disagree("报告期", found)
    quarter = next(iter(found))
    if quarter != folder_quarter:
        raise FileRejected(f"报告期为 {quarter}，与所在文件夹的报告期 {folder_quarter} 不符")
    return quarter, ""


def resolve_date(sources: list[tuple[str, object]]) -> tuple[str, str]:
    """(ISO 填报日期 or '', a warning or ''). A date that cannot be read, or two that differ, is left empty."""
    dates: dict[dt.date, tuple[str, object]] = {}
    for source, raw in sources:
        try:
            day = V.parse_date(raw)
        except V.Reject as exc:
            return "", f"{source}：{exc}"
        if day is not None:
            dates.setdefault(day, (source, raw))
    if len(dates) > 1:
        return "", str(_disagree("填报日期", dates)) + "，填报日期留空"
    return (next(iter(dates)).isoformat(), "") if dates else ("", "")


# ---------------------------------------------------------------- one row


class RowReject(V.Reject):
    """A rejected row, with the indicator (if known) and the raw value to show."""

    def __init__(self, reason: str, code: str = "", raw: str = "", kind: str = W.REJECT_ROW):
        super().__init__(reason)
        self.code, self.raw, self.kind = code, raw, kind


_CODE_RE = re.compile(r"^([A-Z]{1,4})(\d{1,3})([A-Z]?)$")


def _code_key(code: str) -> tuple | str:
    m = _CODE_RE.match(code)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else code


def indicator_code(cell: object, codes=None) -> str:
    """'ｔ０１' → 'T01', 't3a' → 'T03A', 'T1' → 'T01'; with the catalogue's codes, 'x5b' → 'X05B' when the
    plan writes X05B (letters, then the number with or without its leading zeros); anything else
    upper-cased as written."""
    text = nfkc(V.cell_text(cell)).upper()
    m = _CODE_RE.match(text)
    if not m:
        return text
    if codes is not None:
        key = _code_key(text)
        return next((c for c in codes if _code_key(c) == key), text)
    return f"{m.group(1)}{int(m.group(2)):02d}{m.group(3)}"


def identify(cells: dict[str, object], plan: Plan) -> Indicator | None:
    """The indicator from 指标代码 (ｔ０１, t01 → T01), else from 指标名称; None if neither is given."""
    code, name = cells.get("code"), cells.get("name")
    if not V.is_blank(code):
        ind = plan.catalogue.get(indicator_code(code, plan.catalogue))
        if ind is None:
            first, last = next(iter(plan.indicators)), next(reversed(plan.indicators))
            raise RowReject(f"指标代码“{V.cell_text(code)}”不在指标目录中（{first}…{last}）", raw=V.cell_text(code))
        return ind
    if not V.is_blank(name):
        ind = plan.indicator_by_name(V.cell_text(name))
        if ind is None:
            raise RowReject(f"指标名称“{V.cell_text(name)}”不在指标目录中，请填写指标代码", raw=V.cell_text(name))
        return ind
    return None


def _reported(cells: dict[str, object], ratio: bool) -> bool:
    fields = ("value", "status", "denominator") if ratio else ("value", "status")
    return any(not V.is_blank(cells.get(f)) for f in fields)


def parse_row(cells: dict[str, object], unit: str, plan: Plan) -> dict | None:
    """A data row → the normalized submission fields, or None if nothing was filled in (未填写).

    Raises a Reject (RowReject) naming the value.
    """
    texts = {f: V.cell_text(cells.get(f)) for f in TEXT_FIELDS}
    if not _reported(cells, ratio=True):  # nothing in 累计完成值, 基数 or 进展状态
        if not any(texts.values()):
            return None  # an untouched (template) row
        ind = identify(cells, plan)
        words = "；".join(f"{LABELS[f]}={t}" for f, t in texts.items() if t)
        if ind is not None and unit not in ind.reporters:
            raise RowReject(f"{NOT_REPORTER}：{unit} 不填报 {ind.code}（{ind.name}）", ind.code, words,
                            W.REJECT_NOT_REPORTER)
        raise RowReject("累计完成值和进展状态均为空，只填写了文字说明：该指标按未报送处理，请补填累计完成值"
                        "（没有发生填 0）或进展状态", ind.code if ind else "", words)
    ind = identify(cells, plan)
    if ind is None:
        raise RowReject("无法识别指标：指标代码和指标名称均为空", raw=_raw(cells, "value"))
    if not _reported(cells, ind.kind == "ratio"):  # only 基数 filled, for an indicator that has none
        raise RowReject(f"{ind.code} 不是比率指标，不需要基数；本行只填写了基数“{_raw(cells, 'denominator')}”，"
                        "累计完成值和进展状态均为空", ind.code, f"基数={_raw(cells, 'denominator')}")
    if unit not in ind.reporters:
        raise RowReject(f"{NOT_REPORTER}：{unit} 不填报 {ind.code}（{ind.name}）", ind.code, _raw(cells, "value"),
                        W.REJECT_NOT_REPORTER)
    try:
        fields = _values_for(ind, cells)
    except V.Reject as exc:
        raise RowReject(str(exc), ind.code, _raw_for(ind, cells)) from None
    # raw_value / raw_denominator: the text the unit typed ("1.2亿元") beside the converted number, so a
    # figure can be traced to the words in the file (docs/audit.md)
    raw_texts = {"raw_value": _raw(cells, "value"),
                 "raw_denominator": _raw(cells, "denominator") if ind.kind == "ratio" else ""}
    return {"indicator": ind.code, **fields, **raw_texts, **texts, "raw": _raw_for(ind, cells),
            "notes": _row_notes(ind, cells)}


LABELS = {"narrative": "进展情况", "problems": "存在问题", "next_steps": "下步打算", "evidence": "佐证材料"}


def _row_notes(ind: Indicator, cells: dict[str, object]) -> list[str]:
    """What the row holds that ingest read but did not use: said in the log and the report, never silent."""
    notes = []
    measure = V.measure_unit(cells.get("measure"))
    if measure and ind.kind in ("count", "amount", "info") and measure != ind.unit:
        notes.append(f"计量单位栏为“{V.cell_text(cells.get('measure'))}”，指标目录为“{ind.unit}”："
                     f"按指标目录的单位读取（{ind.code}），请核实")
    if ind.kind != "ratio" and not V.is_blank(cells.get("denominator")):
        notes.append(f"{ind.code} 不是比率指标，基数“{_raw(cells, 'denominator')}”未读取")
    return notes


def _raw(cells: dict[str, object], fld: str) -> str:
    return V.cell_text(cells.get(fld))


def _raw_for(ind: Indicator, cells: dict[str, object]) -> str:
    parts = [("累计完成值", "value"), ("进展状态", "status")]
    if ind.kind == "ratio":
        parts.insert(1, ("基数", "denominator"))
    shown = [(label, _raw(cells, f)) for label, f in parts]
    shown = [(label, text) for label, text in shown if text]
    if len(shown) == 1 and shown[0][0] == "累计完成值":
        return shown[0][1]
    return "；".join(f"{label}={text}" for label, text in shown)


def _values_for(ind: Indicator, cells: dict[str, object]) -> dict:
    """value, denominator, status, approximate of a row, by the indicator's kind."""
    status = V.parse_status(cells.get("status"))
    value = denominator = None
    approximate = False
    if ind.kind == "ratio":
        value, denominator, approximate = V.parse_ratio(cells.get("value"), cells.get("denominator"),
                                                        whole=ind.ratio_of != "amount", unit=ind.unit)
    elif ind.kind == "milestone":
        value = V.parse_milestone(cells.get("value"), status)
    elif ind.kind == "qualitative":
        if status is None:
            shown = _raw(cells, "value")
            extra = (f"（累计完成值栏填写了“{shown}”，定性指标的状态请填在“进展状态”栏）"
                     if V.parse_status_word(shown) else f"（累计完成值为“{shown}”）" if shown else "")
            raise V.Reject(f"定性指标的进展状态为空，应为 {'/'.join(V.STATUSES)}{extra}")
        value, approximate = _optional_number(cells.get("value"))
    else:
        value, approximate = _number_in_unit(ind, cells)
    return {"value": value, "denominator": denominator, "status": status or "", "approximate": approximate}


def _number_in_unit(ind: Indicator, cells: dict[str, object]) -> tuple[float | None, bool]:
    """count / amount / info: the value in the indicator's unit. A unit written in the value cell
    ("1.2亿元") converts; the 计量单位 column is informational and never trusted over the catalogue
    (docs/submissions.md): a bare number is in the catalogue's unit, and a 计量单位 that names another unit
    is a note on the row (`_row_notes`), not a conversion."""
    raw = cells.get("value")
    number = V.parse_number(raw)
    if number is None:
        return None, False
    return V.convert(number, ind.unit, "累计完成值", V.cell_text(raw)), number.approximate


def _optional_number(cell: object) -> tuple[float | None, bool]:
    """A qualitative row may carry a count in 累计完成值; text there is not a reject (the status decides)."""
    try:
        number = V.parse_number(cell)
    except V.Reject:
        return None, False
    return (None, False) if number is None else (number.value, number.approximate)


def _reject_row(quarter: str, file: str, sheet: str, row: int | None, unit: str, indicator: str,
                raw_value: str, reason: str, kind: str) -> dict:
    return {"quarter": quarter, "source_file": file, "source_sheet": sheet, "source_row": row, "unit": unit,
            "indicator": indicator, "raw_value": raw_value, "reason": reason, "kind": kind}


# ---------------------------------------------------------------- duplicates across files


def _fingerprint(row: dict) -> tuple:
    def num(x):
        return None if x is None else round(float(x), 9)
    return num(row["value"]), num(row["denominator"]), row["status"]


def _describe(row: dict) -> str:
    parts = []
    if row["value"] is not None:
        parts.append(f"{row['value']:g}" + (f"/{row['denominator']:g}" if row["denominator"] is not None else ""))
    elif row["denominator"] is not None:
        parts.append(f"基数 {row['denominator']:g}")
    if row["status"]:
        parts.append(row["status"])
    return "，".join(parts) or "空"


def _where(row: dict) -> str:
    sheet = f"“{row['source_sheet']}”表" if row["source_sheet"] else ""
    return f"{row['source_file']} {sheet}第{row['source_row']}行"


def settle_duplicates(outcomes: list[FileOutcome]) -> None:
    """Same unit + indicator more than once: equal → one row, the others skipped as 重复（已合并）;
    different → reject every one of them as 数据冲突, each showing what the unit wrote.

    "Equal" is the same value, base and status. The merged row must not depend on which file sorts
    first (docs/submissions.md: no winner by file order or time), so its texts are every copy's distinct
    texts joined in sorted order (evidence given in either copy counts), and it is approximate if any
    copy was. Its source columns name the first copy by file name; the log counts the other.
    """
    groups: dict[tuple[str, str], list[tuple[FileOutcome, dict]]] = {}
    for outcome in outcomes:
        for row in outcome.accepted:
            groups.setdefault((row["unit"], row["indicator"]), []).append((outcome, row))
    for (unit, code), members in groups.items():
        if len(members) < 2:
            continue
        if len({_fingerprint(row) for _, row in members}) == 1:
            kept = members[0][1]
            for fld in TEXT_FIELDS:
                kept[fld] = "；".join(sorted({row[fld] for _, row in members if row[fld]}))
            kept["approximate"] = any(row["approximate"] for _, row in members)
            for outcome, row in members[1:]:
                outcome.accepted.remove(row)
                outcome.skipped[SKIP_DUPLICATE] += 1
            continue
        for outcome, row in members:
            others = "；".join(f"{_where(o)}为 {_describe(o)}" for _, o in members if o is not row)
            reason = (f"{CONFLICT}：{unit} {code} 本行为 {_describe(row)}，而 {others}；"
                      "同一单位同一指标数值不同，请核实后删除错误的一份")
            outcome.accepted.remove(row)
            outcome.rejects.append(_reject_row(row["quarter"], row["source_file"], row["source_sheet"],
                                               row["source_row"], unit, code, row.get("raw") or _describe(row),
                                               reason, W.REJECT_CONFLICT))
    for outcome in outcomes:
        _count(outcome)


# ---------------------------------------------------------------- assembling the outputs


def _assemble(quarter: str, plan: Plan, outcomes: list[FileOutcome]) -> IngestResult:
    unit_order = {name: i for i, name in enumerate(plan.registry.units)}
    code_order = {code: i for i, code in enumerate(plan.catalogue)}
    accepted = [row for o in outcomes for row in o.accepted]
    accepted.sort(key=lambda r: (unit_order.get(r["unit"], len(unit_order)), code_order[r["indicator"]],
                                 r["source_file"], r["source_row"]))
    rejects = [row for o in outcomes for row in o.rejects]
    rejects.sort(key=lambda r: (r["source_file"], -1 if r["source_row"] is None else r["source_row"], r["reason"]))
    submissions = pd.DataFrame(accepted, columns=SUBMISSION_COLUMNS)
    submissions["value"] = pd.to_numeric(submissions["value"], errors="coerce").astype(float)
    submissions["denominator"] = pd.to_numeric(submissions["denominator"], errors="coerce").astype(float)
    submissions["approximate"] = submissions["approximate"].map({True: D.TRUE, False: D.FALSE})
    submissions["source_row"] = submissions["source_row"].astype("Int64")
    rejects_df = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    rejects_df["source_row"] = rejects_df["source_row"].astype("Int64")
    return IngestResult(quarter, submissions.reset_index(drop=True), rejects_df.reset_index(drop=True),
                        _log(quarter, outcomes))


def _log(quarter: str, outcomes: list[FileOutcome]) -> dict:
    files = [o.entry for o in outcomes]
    skipped: Counter = Counter()
    for entry in files:
        skipped.update(entry["skipped_by_reason"])
    totals = {
        "files": len(files),
        "files_ok": sum(1 for e in files if e["status"] == "ok"),
        "files_rejected": sum(1 for e in files if e["status"] == "rejected"),
        "files_ignored": 0,
        "rows": sum(e["rows"] for e in files),
        "accepted": sum(e["accepted"] for e in files),
        "rejected": sum(e["rejected"] for e in files),
        "skipped": sum(e["skipped"] for e in files),
        "skipped_by_reason": dict(sorted(skipped.items())),
        "units": sorted({e["unit"] for e in files if e["status"] == "ok"}),
    }
    return {"quarter": quarter, "counting": COUNTING, "files": files, "ignored": [], "totals": totals}


COUNTING = ("rows = 表格所在工作表的非空行数（表头上方的标题/说明行、表头、数据行、表格下方的注释行）；"
            "每个文件 accepted + rejected + skipped == rows；整份拒收的文件其各行计入 skipped“文件被拒收”，"
            "在 rejects.csv 中记一行（source_row 为空）")
