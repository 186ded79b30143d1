"""Where the form is in a file: the sheet that holds the table, its header rows and columns, and what
each row of that sheet is — data, or a title, header, note or total row that is skipped
(docs/submissions.md, 表格).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpers.contract import values as V
from helpers.ingest.form import (
    BRACKETS_RE,
    DATA,
    FIELD_NAMES,
    HEADER_INDEX,
    NOTE_RE,
    SKIP_HEADER,
    SKIP_NOTE,
    SKIP_TITLE,
    SKIP_TOTAL,
    TEXT_FIELDS,
    TOTAL_RE,
    WHO_AND_WHEN,
    header_key,
)
from helpers.ingest.readers import FileRejected, Row, Sheet


@dataclass(frozen=True)
class Table:
    sheet: Sheet
    header: int  # 0-based row index of the header (its first row)
    columns: dict[str, int]  # field → 0-based column
    header_end: int = -1  # its last row: a header may span two rows; -1: the same as header

    def __post_init__(self) -> None:
        if self.header_end < self.header:
            object.__setattr__(self, "header_end", self.header)


def non_empty(row: Row) -> bool:
    return any(not V.is_blank(c) for c in row)


def cell(row: Row, col: int) -> object:
    return row[col] if col < len(row) else None


def count_rows(table: Table) -> int:
    """The non-empty rows of the table's sheet: what the log counts for the file."""
    return sum(1 for row in table.sheet.rows if non_empty(row))


def header_fields(row: Row) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """(field → column of the names the row holds, [(field, first column, repeated column)])."""
    columns: dict[str, int] = {}
    repeats: list[tuple[str, int, int]] = []
    for col, value in enumerate(row):
        fld = HEADER_INDEX.get(header_key(value))
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
_SPAN_FIELDS = {fld for fld in FIELD_NAMES if fld not in WHO_AND_WHEN}


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


def table_in(sheet: Sheet) -> Table | None:
    """The sheet's table: its first row that is (or with a neighbour makes) a header, or None."""
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
    for value in cells:
        text = V.clean_text(value) if isinstance(value, str) else V.cell_text(value)
        if text in _COLUMN_LABELS:
            continue
        if not text.isdigit():
            return False
        numbers.append(int(text))
    if not cells or (numbers and numbers != list(range(numbers[0], numbers[0] + len(numbers)))):
        return False
    return len(numbers) >= 3 or len(cells) - len(numbers) >= 2


def _has_rows_below(table: Table) -> bool:
    return any(non_empty(row) and not is_note(row) for row in table.sheet.rows[table.header_end + 1:])


_INSTRUCTIONS_RE = re.compile(r"说明|示例|样例|范例|样表|填表|须知|instruction|example|sample|readme", re.I)
_FILLED_FIELDS = ("value", "status", "denominator", *TEXT_FIELDS)


def _has_filled_rows(table: Table) -> bool:
    """Rows under the header with something a unit fills in (not only the template's codes and names)."""
    cols = [table.columns[f] for f in _FILLED_FIELDS if f in table.columns]
    return any(not is_note(row) and any(not V.is_blank(cell(row, c)) for c in cols)
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
    if not any(non_empty(row) for sheet in sheets for row in sheet.rows):
        raise FileRejected("文件中没有任何内容")
    tables = [t for t in (table_in(s) for s in sheets if s.visible) if t is not None]
    if not tables:  # a hidden sheet only when no visible one has a header: hidden sheets hold drop-down lists
        tables = [t for t in (table_in(s) for s in sheets if not s.visible) if t is not None]
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
    others = (table_in(sheet) for sheet in sheets if sheet.visible and sheet is not chosen.sheet)
    return [t for t in others if t is not None and _has_rows_below(t) and _has_filled_rows(t)]


def other_table_warnings(sheets: list[Sheet], chosen: Table) -> list[str]:
    """A warning for each further sheet with a filled table (`other_tables`)."""
    return [f"工作表“{other.sheet.name}”也有填报表（表头下有数据），未读取：每个文件只读取"
            f"第一张填报表（“{chosen.sheet.name}”），请核实后单独报送" for other in other_tables(sheets, chosen)]


def classify_rows(table: Table) -> dict[int, str]:
    """0-based index of every non-empty row of the table's sheet → 'data' or a skip reason."""
    kinds: dict[int, str] = {}
    for index, row in enumerate(table.sheet.rows):
        if not non_empty(row):
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
            kinds[index] = DATA
    return kinds


def is_note(row: Row) -> bool:
    """注：…, 说明…, 填报人：… 联系电话：…, 填报单位（盖章）：… — judged by the row's first non-empty cell."""
    first = next((c for c in row if not V.is_blank(c)), None)
    return isinstance(first, str) and bool(NOTE_RE.match(V.clean_text(first)))


def is_total(row: Row, columns: dict[str, int]) -> bool:
    """A 合计 row: the word in the code, name or 序号 column, and no indicator there (a row with 合计
    in 序号 but T01 in 指标代码 is T01's data row, not a total)."""
    found = False
    for fld in ("seq", "code", "name"):
        if fld in columns:
            value = cell(row, columns[fld])
            if isinstance(value, str) and TOTAL_RE.match(BRACKETS_RE.sub("", V.clean_text(value)).rstrip(":：")):
                found = True
            elif fld in ("code", "name") and re.search(r"\w", V.cell_text(value)):  # "/" or "—" is no indicator
                return False
    return found


def outside_header(table: Table, index: int) -> list[tuple[int, object]]:
    """(column, cell) of a data row in columns with no header at all (a row shifted right, a value
    typed past the last column): not read, and said so in the log."""
    headed = {col for r in table.sheet.rows[table.header: table.header_end + 1]
              for col, value in enumerate(r) if not V.is_blank(value)}
    return [(col, value) for col, value in enumerate(table.sheet.rows[index])
            if col not in headed and not V.is_blank(value)]
