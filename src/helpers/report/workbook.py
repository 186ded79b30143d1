"""The Excel 汇总表 of a quarter (docs/outputs.md): the numbers the office sends on, as numbers.

Sheets 任务完成情况, 单位完成情况, 综合得分, 报送情况, 数据核查 and, when the quarter has an incentives
calculation (data/processed/<quarter>/incentives.csv), 奖补测算. Each sheet has a frozen header row,
an autofilter, column widths that fit the text, 万元 with one decimal and rates as percentages; status
cells carry their light's colour as fill. Amounts, counts and rates are written as numbers, never as
text. Written by xlsxwriter with fixed document properties, so the same data gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata
from pathlib import Path

import pandas as pd

from helpers.contract import datasets as D
from helpers.contract.outputs import read_csv, write_bytes
from helpers.contract.paths import processed_dir
from helpers.plan.params import leader_reason
from helpers.plan.reference import Plan
from helpers.report.charts import LIGHTS

# Pale fills of the lights (Excel's own good / neutral / bad tints), dark text stays readable on them.
FILLS = {"绿": "#C6EFCE", "黄": "#FFEB9C", "红": "#FFC7CE", "灰": "#EDEDED"}
AMOUNT_FORMAT, COUNT_FORMAT, PCT_FORMAT, DEC_FORMAT = "#,##0.0", "#,##0", "0.0%", "#,##0.0##"
MIN_WIDTH, MAX_WIDTH = 6, 60


def text_width(text: object) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and not (isinstance(x, float) and math.isnan(x))


def value_format(kind: str, unit: str) -> str:
    """The number format of an indicator's values: % for ratios, one decimal for 万元, else integers."""
    if kind == "ratio":
        return PCT_FORMAT
    if unit == "万元":
        return AMOUNT_FORMAT
    return COUNT_FORMAT


class Sheet:
    """One table: header, rows of values, a number format per column (or per cell), status column."""

    def __init__(self, name: str, header: list[str], rows: list[list], formats: dict | None = None,
                 status: str | None = None, cell_formats: dict | None = None):
        self.name, self.header, self.rows = name, header, rows
        self.formats = formats or {}
        self.status = status
        self.cell_formats = cell_formats or {}  # (row index, column name) → number format


def _write(book, sheet: Sheet) -> None:
    ws = book.add_worksheet(sheet.name)
    head = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True,
                            "align": "center", "valign": "vcenter", "font_name": "宋体", "font_size": 10})
    cache: dict[tuple, object] = {}

    def fmt(num: str | None, light: str | None):
        key = (num, light)
        if key not in cache:
            props = {"border": 1, "font_name": "宋体", "font_size": 10, "valign": "top"}
            if num:
                props["num_format"] = num
            if light:
                props["bg_color"] = FILLS[light]
            cache[key] = book.add_format(props)
        return cache[key]

    widths = [text_width(h) for h in sheet.header]
    ws.write_row(0, 0, sheet.header, head)
    for r, row in enumerate(sheet.rows, start=1):
        light = None
        if sheet.status in sheet.header:
            light = LIGHTS.get(str(row[sheet.header.index(sheet.status)]))
        for c, value in enumerate(row):
            col = sheet.header[c]
            num = sheet.cell_formats.get((r - 1, col), sheet.formats.get(col))
            f = fmt(num if _is_number(value) else None, light if col == sheet.status else None)
            if _is_number(value):
                ws.write_number(r, c, float(value), f)
                shown = _shown_number(float(value), num)
            elif value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                ws.write_blank(r, c, None, f)
                shown = ""
            else:
                ws.write_string(r, c, str(value), f)
                shown = str(value)
            widths[c] = max(widths[c], text_width(shown))
    for c, w in enumerate(widths):
        ws.set_column(c, c, max(MIN_WIDTH, min(MAX_WIDTH, w + 2)))
    ws.set_row(0, 30)
    ws.freeze_panes(1, 0)
    ws.set_landscape()  # printed: A4 across, one page wide, the header row on every page
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.header) - 1)


def _shown_number(x: float, num: str | None) -> str:
    if num == PCT_FORMAT:
        return f"{x:.1%}"
    if num == AMOUNT_FORMAT:
        return f"{x:,.1f}"
    return f"{x:,.0f}" if x == round(x) else f"{x:,.3f}"


def _num(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


# ---------------------------------------------------------------- the sheets


def task_sheet(rd, plan: Plan) -> Sheet:
    d = rd.completion[rd.completion["scope"] == plan.district].set_index("indicator")
    done = f"{plan.district}完成"
    header = ["序号", "指标编号", "指标", "计量单位", "目标", done, "完成率", "序时进度", "状态", "时限",
              "牵头单位", "备注"]
    rows, cell_formats = [], {}
    for code, ind in plan.indicators.items():
        if code not in d.index:
            continue
        r = d.loc[code]
        i = len(rows)
        unit = ind.unit
        if ind.kind in ("milestone", "qualitative") and len(ind.reporters) <= 1:
            target, actual, unit = ("完成" if _num(r["target"]) is not None else None,
                                    ("已完成" if (_num(r["actual"]) or 0) >= 1 else "未完成")
                                    if _num(r["actual"]) is not None else None, "—")
        elif ind.kind in ("milestone", "qualitative"):
            target, actual, unit = _num(r["target"]), _num(r["actual"]), "个单位"
            cell_formats[(i, "目标")] = cell_formats[(i, done)] = COUNT_FORMAT
        else:
            target, actual = _num(r["target"]), _num(r["actual"])
            cell_formats[(i, "目标")] = cell_formats[(i, done)] = value_format(ind.kind, ind.unit)
            unit = "%" if ind.kind == "ratio" else unit
        rows.append([ind.task, code, ind.name, unit, target, actual, _num(r["rate"]), _num(r["expected"]),
                     r["status"] or "不考核", ind.deadline.isoformat(), plan.tasks[ind.task].lead, r["flags"]])
    return Sheet("任务完成情况", header, rows, {"序号": COUNT_FORMAT, "完成率": PCT_FORMAT, "序时进度": PCT_FORMAT},
                 status="状态", cell_formats=cell_formats)


def unit_sheet(rd, plan: Plan) -> Sheet:
    units = plan.registry.units
    c = rd.completion[rd.completion["scope"] != plan.district]
    order = {u: i for i, u in enumerate(units)}
    codes = {code: i for i, code in enumerate(plan.indicators)}
    c = c.assign(_u=c["scope"].map(lambda u: order.get(u, len(order))),
                 _c=c["indicator"].map(lambda x: codes.get(x, len(codes)))).sort_values(["_u", "scope", "_c"])
    header = ["单位", "类型", "指标编号", "指标", "计量单位", "目标", "完成值", "完成率", "序时进度", "状态", "备注"]
    rows, cell_formats = [], {}
    for r in c.itertuples():
        ind = plan.indicators.get(r.indicator)
        if ind is None:
            continue
        i = len(rows)
        if ind.kind in ("milestone", "qualitative"):
            target = "完成" if _num(r.target) is not None else None
            actual = None if _num(r.actual) is None else ("已完成" if r.actual >= 1 else "未完成")
            unit = "—"
        else:
            target, actual = _num(r.target), _num(r.actual)
            cell_formats[(i, "目标")] = cell_formats[(i, "完成值")] = value_format(ind.kind, ind.unit)
            unit = "%" if ind.kind == "ratio" else ind.unit
        group = units[r.scope].peer_group if r.scope in units else ""
        rows.append([r.scope, group, r.indicator, ind.name, unit, target, actual, _num(r.rate), _num(r.expected),
                     r.status or "不考核", r.flags])
    return Sheet("单位完成情况", header, rows, {"完成率": PCT_FORMAT, "序时进度": PCT_FORMAT}, status="状态",
                 cell_formats=cell_formats)


def score_sheet(rd) -> Sheet:
    s = rd.scores.sort_values(["peer_group", "rank", "scope"])
    header = ["单位", "类型", "比较组", "名次", "同组单位数", "综合得分", "考核指标数", "未报送或冲突"]
    rows = [[r.scope, r.kind, r.peer_group, _num(r.rank), _num(r.peers), _num(r.score), _num(r.indicators),
             _num(r.missing)] for r in s.itertuples()]
    return Sheet("综合得分", header, rows, {"名次": COUNT_FORMAT, "同组单位数": COUNT_FORMAT, "综合得分": PCT_FORMAT,
                                         "考核指标数": COUNT_FORMAT, "未报送或冲突": COUNT_FORMAT})


def reporting_sheet(rd) -> Sheet:
    header = ["单位", "类型", "文件数", "填报日期", "季末后天数", "是否迟报", "报送情况"]
    rows = [[r.unit, r.kind, _num(r.files), r.reported_on or None, _num(r.days_after_quarter_end),
             "是" if r.late else "否", r.status] for r in rd.reporting.itertuples()]
    return Sheet("报送情况", header, rows, {"文件数": COUNT_FORMAT, "季末后天数": COUNT_FORMAT}, status="报送情况")


def checks_sheet(rd, plan: Plan) -> Sheet:
    header = ["类别", "单位", "指标", "文件", "工作表", "行", "原值", "说明"]
    rows = []
    for r in rd.rejects.itertuples():
        row = pd.to_numeric(r.source_row, errors="coerce")
        rows.append(["未采用（退回）", r.unit or None, _indicator(plan, r.indicator), r.source_file, r.source_sheet or None,
                     None if pd.isna(row) else float(row), r.raw_value or None, leader_reason(r.reason)])
    for r in rd.flags.itertuples():
        rows.append([f"核查提示：{r.flag}", r.scope, _indicator(plan, r.indicator), None, None, None, None, r.detail])
    return Sheet("数据核查", header, rows, {"行": COUNT_FORMAT})


def _indicator(plan: Plan, code: str) -> str | None:
    if not code:
        return None
    ind = plan.indicators.get(code)
    return f"{code} {ind.name}" if ind else code


INCENTIVE_HEADERS = {  # incentives.csv's columns as the 汇总表 names them
    "quarter": "报告期", "as_of": "评估日期", "scope": "范围", "rule": "条款", "basis_indicator": "测算依据指标",
    "basis_value": "依据数", "amount_per_item": "每项金额", "rate": "比例", "currency": "金额单位",
    "ceiling": "定额或上限", "estimate_wan": "测算上限（万元）", "new_wan": "本季度新增（万元）", "note": "备注",
}


def incentives_sheet(path: Path) -> Sheet | None:
    """奖补测算 from the incentives calculation, numbers as numbers (万元 one decimal, rates %)."""
    if not path.is_file():
        return None
    df = read_csv(path)
    if "ceiling" in df:  # the office reads 上限 / 定额, not true / false (docs/incentives.md)
        df["ceiling"] = df["ceiling"].map(lambda v: {"true": "上限", "false": "定额"}.get(str(v).strip().lower(), v))
    df = df.rename(columns=INCENTIVE_HEADERS)
    header = [str(c) for c in df.columns]
    formats = {}
    numeric = {}
    for col in header:
        values = pd.to_numeric(df[col].replace("", None), errors="coerce")
        filled = df[col].astype(str).str.strip() != ""
        if filled.any() and values[filled].notna().all():
            numeric[col] = values
            low = col.lower()
            if "万元" in col or "amount" in low or "金额" in col or "奖" in col or "补" in col:
                formats[col] = AMOUNT_FORMAT
            elif "率" in col or "rate" in low or "share" in low or "比例" in col or "score" in low or "得分" in col:
                formats[col] = PCT_FORMAT
            else:
                formats[col] = DEC_FORMAT if (values.dropna() % 1 != 0).any() else COUNT_FORMAT
    rows = []
    for i in range(len(df)):
        rows.append([(_num(numeric[c].iloc[i]) if c in numeric else (df[c].iloc[i] or None)) for c in header])
    return Sheet("奖补测算", header, rows, formats)


def sheets(rd, plan: Plan, data_dir: str | Path) -> list[Sheet]:
    out = [task_sheet(rd, plan), unit_sheet(rd, plan), score_sheet(rd), reporting_sheet(rd), checks_sheet(rd, plan)]
    extra = incentives_sheet(D.path(processed_dir(data_dir, rd.quarter), D.INCENTIVES))
    return out + ([extra] if extra is not None else [])


def workbook_bytes(sheet_list: list[Sheet], *, title: str, author: str, when: dt.date) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True, "strings_to_formulas": False,
                                     "strings_to_urls": False})
    fixed = dt.datetime(when.year, when.month, when.day)
    book.set_properties({"title": title, "author": author, "company": author, "created": fixed})
    for s in sheet_list:
        _write(book, s)
    book.close()
    return buf.getvalue()


def write_workbook(rd, plan: Plan, data_dir: str | Path, path: str | Path, *, title: str) -> Path:
    author = str(plan.params.organization or "")
    data = workbook_bytes(sheets(rd, plan, data_dir), title=title, author=author, when=rd.as_of)
    return write_bytes(Path(path), data)
