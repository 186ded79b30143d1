"""Real submission files for the ingest tests, each written by a real writer of its format.

A sheet is a list of rows; a row is a list of cells (None = empty). A cell may be a Formula, which the
writers that support formulas store as one (with its cached value where given).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter
import xlwt

HEADER = ["序号", "指标代码", "指标名称", "计量单位", "目标值", "累计完成值", "基数", "进展状态", "进展情况",
          "存在问题", "下步打算", "佐证材料"]
COL = {name: i for i, name in enumerate(HEADER)}


@dataclass(frozen=True)
class Formula:
    text: str  # without the leading '='
    value: object = None  # the cached value; None: saved without one


def line(code: str = "", value: object = None, *, name: str = "", denominator: object = None,
         status: object = None, narrative: str = "", evidence: str = "", measure: str = "",
         seq: object = None) -> list:
    """A data row in the HEADER layout."""
    row: list = [None] * len(HEADER)
    for key, cell in (("序号", seq), ("指标代码", code or None), ("指标名称", name or None),
                      ("计量单位", measure or None), ("累计完成值", value), ("基数", denominator),
                      ("进展状态", status), ("进展情况", narrative or None), ("佐证材料", evidence or None)):
        row[COL[key]] = cell
    return row


def form(lines: list[list], unit: str | None = "符离镇", quarter: str | None = "2019年第四季度",
         notes: bool = True, header: list | None = None) -> list[list]:
    """A 进展填报表 as units fill it: a title, key：value cells, a blank row, the header, the lines, notes."""
    rows: list[list] = [["埇桥区农村电商优化升级工作进展填报表"]]
    meta = []
    if unit is not None:
        meta.append(f"填报单位：{unit}")
    if quarter is not None:
        meta += [None, None, f"报告期：{quarter}"]
    if meta:
        rows.append(meta)
    rows.append([])
    rows.append(header or HEADER)
    rows += lines
    if notes:
        rows += [[], ["注：累计完成值为2019年10月12日以来的累计数。"], ["填报人：张三", None, "联系电话：0557-3000000"]]
    return rows


def non_empty_rows(rows: list[list]) -> int:
    return sum(1 for r in rows if any(c is not None and c != "" for c in r))


# ---------------------------------------------------------------- writers


def write_xlsx(path: Path, sheets: dict[str, list[list]], merges: dict[str, list[tuple]] | None = None) -> Path:
    """xlsxwriter (as WPS and most generators write); a Formula keeps its cached value."""
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                if isinstance(cell, Formula):
                    sheet.write_formula(r, c, "=" + cell.text, None, cell.value)
                elif isinstance(cell, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(cell, dt.time()), date_format)
                else:
                    sheet.write(r, c, cell)
        for first_row, first_col, last_row, last_col in (merges or {}).get(name, []):
            value = rows[first_row][first_col] if first_col < len(rows[first_row]) else None
            sheet.merge_range(first_row, first_col, last_row, last_col, value)
    book.close()
    return path


def write_xlsx_openpyxl(path: Path, sheets: dict[str, list[list]]) -> Path:
    """openpyxl: a Formula is saved without a cached value, as openpyxl always does."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, cell in enumerate(row, start=1):
                if cell is not None:
                    sheet.cell(r, c, "=" + cell.text if isinstance(cell, Formula) else cell)
    book.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    """xlwt: legacy .xls (BIFF8)."""
    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if isinstance(cell, dt.date):
                    sheet.write(r, c, cell, date_style)
                elif cell is not None:
                    sheet.write(r, c, cell)
    book.save(str(path))
    return path


def write_ods(path: Path, sheets: dict[str, list[list]]) -> Path:
    """pandas with odfpy."""
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, rows in sheets.items():
            width = max((len(r) for r in rows), default=1)
            frame = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    """Raw bytes in the given encoding ('utf-8', 'utf-8-sig', 'gbk'), CRLF line ends as Excel writes."""
    def quote(cell) -> str:
        text = "" if cell is None else str(cell)
        return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text
    text = "".join(",".join(quote(c) for c in row) + "\r\n" for row in rows)
    path.write_bytes(text.encode(encoding))
    return path
