"""Quarterly 进展填报表 templates: one Excel file per reporting unit, ready to fill.

A form is described once (`Form`: who, when, one `FormRow` per indicator) and laid out once as a
grid of typed cells (`form_grid`). The .xlsx writer here adds formats, the 进展状态 dropdown and sheet
protection; the sample-data writers (sample.py) reuse the same grid for .csv, .xls and .ods, so
every format carries the same table that ingest reads (docs/submissions.md).

Files are byte-reproducible: the document timestamps are pinned to the quarter's end and xlsxwriter
stamps the zip entries with a constant date.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from helpers.contract.outputs import write_bytes
from helpers.contract.paths import safe_name
from helpers.plan.quarters import quarter_end, quarter_label, reporting_deadline
from helpers.plan.reference import Indicator, Plan, load_plan

COLUMNS = ["指标代码", "指标名称", "计量单位", "目标值", "累计完成值", "基数", "进展状态",
           "进展情况", "存在问题", "下步打算", "佐证材料"]
LOCKED_COLUMNS = ("指标代码", "指标名称", "计量单位", "目标值")
STATUSES = ("未启动", "推进中", "已完成")
INSTRUCTIONS_SHEET = "填报说明"
DATA_SHEET = "进展填报表"
# The form's title, note and instructions take the plan's words (plan.yaml, indicators.csv, params.yaml).
SIGNATURE = "填报人：            联系电话："
QUALITATIVE_HINT = "定性指标：在“进展状态”中选择，填写进展情况；已完成的须在“佐证材料”列明材料名称。累计完成值不填。"
MILESTONE_HINT = "里程碑指标：完成后在“进展状态”选“已完成”，在“进展情况”写明完成日期，并填写佐证材料。累计完成值不填。"
RATIO_HINT = "比率指标：“累计完成值”填{num}，“基数”填{den}（{who}{basis}）。"
BASIS_HINT = "奖补资金测算依据：不属于附件任务，不考核；请填累计数，没有发生填 0。"
NUMERALS = "①②③④⑤⑥⑦⑧⑨"


def _days(plan: Plan) -> int:
    return plan.params.late_report_days


def _ratios(plan: Plan) -> list[Indicator]:
    return [ind for ind in plan.indicators.values() if ind.kind == "ratio"]


def ratio_basis(plan: Plan) -> str:
    """What 基数 holds in the plan's words: 行政村数 → 行政村总数; several ratios of different bases → 分母."""
    dens = list(dict.fromkeys(ind.denominator for ind in _ratios(plan)))
    if len(dens) != 1:
        return "分母"
    return dens[0][:-1] + "总数" if dens[0].endswith("数") else dens[0]


def _ratio_who(plan: Plan, ind: Indicator | None = None) -> str:
    inds = [ind] if ind is not None else _ratios(plan)
    townships = all(plan.registry.units[u].is_township for i in inds for u in i.reporters)
    return "本乡镇" if townships else "本单位"


def form_title(plan: Plan) -> str:
    return plan.words.template_title


def form_note(plan: Plan) -> str:
    """The note under the table: counted since the plan's date of issue, due N days after the quarter."""
    items = [f"累计完成值为{plan.words.issued_text}方案印发以来的累计数，请填数字"]
    if _ratios(plan):
        items.append(f"比率指标在“累计完成值”填分子、在“基数”填{ratio_basis(plan)}")
    items += ["进展状态为“已完成”的须填写佐证材料", f"请于季末后{_days(plan)}日内报送。"]
    return "注：" + "；".join(f"{i}.{t}" for i, t in enumerate(items, start=1))


def measure_note(plan: Plan) -> str:
    """计量单位 line of the instructions: plan.yaml measure_note, else each unit with its indicators."""
    if plan.words.measure_note:
        return plan.words.measure_note
    by_unit: dict[str, list[str]] = {}
    for ind in plan.indicators.values():
        if ind.unit and ind.kind != "ratio":
            by_unit.setdefault(ind.unit, []).append(ind.name)
    parts = [f"{u}（{'、'.join(names)}）" for u, names in by_unit.items()]
    if _ratios(plan):
        parts.append("%（比率，填分子和分母）")
    return "、".join(parts) + "。"


# ---------------------------------------------------------------- the form as data


@dataclass
class FormRow:
    """One indicator row of the table; value cells empty in a blank template."""

    code: str
    name: str
    unit: str
    target: object  # number, text such as "完成" or "1（力争）", or None
    kind: str = "count"
    value: object = None  # a number, or text exactly as a person typed it ("1.2亿元")
    denominator: object = None
    status: str | None = None
    progress: str = ""
    problems: str = ""
    next_steps: str = ""
    evidence: str = ""
    hint: str = ""

    def cells(self, columns: list[str] = COLUMNS) -> list:
        """The row's cells in the order of the given canonical columns."""
        by_column = dict(zip(COLUMNS, [self.code, self.name, self.unit, self.target, self.value, self.denominator,
                                       self.status, self.progress, self.problems, self.next_steps,
                                       self.evidence], strict=True))
        return [by_column[c] for c in columns]


@dataclass
class Form:
    """One unit's 进展填报表 for one quarter."""

    unit: str
    quarter: str
    rows: list[FormRow]
    reported_on: str = ""  # 填报日期, filled by the unit
    quarter_text: str = ""  # 报告期 as written, if not the plain 2019Q4 (e.g. 2019年第四季度)
    title_note: str = ""  # e.g. "（示例数据，非真实统计）"
    heading: str = ""  # the plan's form title (plan.yaml), set by blank_form
    note: str = ""  # the note under the table (form_note), set by blank_form
    signature: str = SIGNATURE
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))  # canonical names, in sheet order
    labels: dict[str, str] = field(default_factory=dict)  # header written for a column, if not canonical

    @property
    def headers(self) -> list[str]:
        return [self.labels.get(c, c) for c in self.columns]

    @property
    def title(self) -> str:
        return f"{self.heading}（{quarter_label(self.quarter)}）{self.title_note}"


@dataclass(frozen=True)
class GridRow:
    """A row of the data sheet: kind is title, meta, header, data or note."""

    kind: str
    cells: list


def form_grid(form: Form) -> list[GridRow]:
    """The data sheet, top to bottom: title, the key：value cells, header, indicator rows, notes."""
    width = len(form.headers)
    meta = [""] * width
    meta[0], meta[4], meta[8] = f"填报单位：{form.unit}", f"报告期：{form.quarter_text or form.quarter}", f"填报日期：{form.reported_on}"
    grid = [GridRow("title", [form.title] + [""] * (width - 1)),
            GridRow("meta", meta),
            GridRow("header", list(form.headers))]
    grid += [GridRow("data", row.cells(form.columns)) for row in form.rows]
    grid += [GridRow("note", [form.note] + [""] * (width - 1)),
             GridRow("note", [form.signature] + [""] * (width - 1))]
    return grid


def target_of(ind: Indicator, unit: str) -> object:
    """The unit's own target; else the district target if the unit is the sole reporter; else None."""
    ut = ind.unit_targets.get(unit)
    if ut is not None:
        value = _target_value(ind, ut.target)
        return f"{value}（力争）" if ut.strive else value
    if ind.single_reporter == unit and ind.district_target is not None:
        return _target_value(ind, ind.district_target)
    return None


def _target_value(ind: Indicator, target: float) -> object:
    if ind.kind in ("milestone", "qualitative"):
        return "完成"
    if ind.kind == "ratio":
        return f"{target:.0%}"
    return int(target) if float(target).is_integer() else target


def hint_of(ind: Indicator, plan: Plan | None = None) -> str:
    if ind.basis:
        return BASIS_HINT
    if ind.kind == "qualitative":
        return QUALITATIVE_HINT
    if ind.kind == "milestone":
        return MILESTONE_HINT
    if ind.kind == "ratio":
        basis = ind.denominator[:-1] + "总数" if ind.denominator.endswith("数") else ind.denominator
        who = _ratio_who(plan, ind) if plan is not None else "本单位"
        return RATIO_HINT.format(num=ind.numerator, den=ind.denominator, who=who, basis=basis)
    return ""


def template_rows(plan: Plan, unit: str) -> list[FormRow]:
    return [FormRow(code=ind.code, name=ind.name, unit=ind.unit or "—", target=target_of(ind, unit),
                    kind=ind.kind, hint=hint_of(ind, plan))
            for ind in plan.indicators_for(unit)]


def blank_form(plan: Plan, unit: str, quarter: str) -> Form:
    return Form(unit=unit, quarter=quarter, rows=template_rows(plan, unit), heading=form_title(plan),
                note=form_note(plan))


def safe_filename(unit: str, quarter: str, ext: str = "xlsx") -> str:
    """'<单位>_<报告期>.<ext>', the unit made safe as scorecards make it (two units never share a file)."""
    return f"{safe_name(unit)}_{quarter}.{ext}"


def document_time(quarter: str) -> dt.datetime:
    """The pinned created/modified time of every file made for a quarter: its last day, 00:00."""
    end = quarter_end(quarter)
    return dt.datetime(end.year, end.month, end.day)


# ---------------------------------------------------------------- instructions


def instruction_lines(plan: Plan, form: Form) -> list[tuple[str, str]]:
    """(heading, text) pairs of the 填报说明 sheet. Column names appear quoted, never as a header row."""
    days, words = _days(plan), plan.words
    deadline = reporting_deadline(form.quarter, plan.params)
    money = list(dict.fromkeys(i.unit for i in plan.indicators.values() if i.kind in ("amount", "info")
                               and "元" in i.unit))
    money_text = f"金额以“计量单位”为准（{'、'.join(money)}）" if money else "按“计量单位”填写"
    ratios = _ratios(plan)
    lines = [
        (f"{form.heading or words.template_title}填报说明", ""),
        ("报送对象", f"{form.unit}"),
        ("报告期", f"{form.quarter}（{quarter_label(form.quarter)}）"),
        ("报送时限", f"季末后{days}日内，即 {deadline.isoformat()} 前报送{words.receiver}；逾期按迟报统计。"),
        ("文件命名", f"“单位名称_{form.quarter}.xlsx”，请勿改动表头和“指标代码”。"),
        ("“填报单位”“报告期”", f"已预填，请勿修改；“填报日期”请在冒号后填写，如 填报日期：{deadline - dt.timedelta(days=min(2, days))}。"),
        ("“指标代码”“指标名称”“计量单位”“目标值”", "已锁定，按指标目录预填，不需填写。"),
        ("“累计完成值”", f"自{words.issued_text}方案印发以来的累计数，只填数字（如 1234.5），"
                      f"{money_text}；没有发生填 0，不要空着。"),
        ("“基数”", f"仅比率指标（{words.ratio_note or '、'.join(i.name for i in ratios)}）填写：{_ratio_who(plan)}{ratio_basis(plan)}；"
                 "其余指标不填。"),
        ("“进展状态”", f"下拉选择：{' / '.join(STATUSES)}。"),
        ("“进展情况”“存在问题”“下步打算”", "简要文字说明本季度工作进展、困难和下一步措施。"),
        ("“佐证材料”", "进展状态为“已完成”的，必须列明佐证材料（文件名称、文号或照片说明），"
                    "并随表报送；无佐证的按“推进中”统计，并标注“缺少佐证”。"),
        ("计量单位", measure_note(plan)),
        ("定性和里程碑指标", "不填“累计完成值”，以“进展状态”和佐证材料为准。"),
        ("本单位填报的指标", ""),
    ]
    if not ratios:  # a plan without ratios has no 基数 to explain
        lines = [line for line in lines if line[0] != "“基数”"]
    lines += [(ind.code, _indicator_line(ind, form.unit)) for ind in plan.indicators_for(form.unit)]
    return lines


def _indicator_line(ind: Indicator, unit: str) -> str:
    target = target_of(ind, unit)
    target = "" if target is None else f"，目标 {target}"
    unit = f"（{ind.unit}）" if ind.unit else ""
    if ind.basis:
        return f"{ind.name}{unit}，{BASIS_HINT}"
    return f"{ind.name}{unit}{target}，时限 {ind.deadline.isoformat()}"


# ---------------------------------------------------------------- xlsx


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
        cell = {**base, "border": 1, "text_wrap": True}
        self.title = wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.meta = wb.add_format({**base, "locked": True})
        self.meta_open = wb.add_format({**base, "locked": False})
        self.header = wb.add_format({**cell, "bold": True, "align": "center", "bg_color": "#D9E1F2"})
        self.locked = wb.add_format({**cell, "bg_color": "#F2F2F2"})
        self.open = wb.add_format({**cell, "locked": False})
        self.shaded = wb.add_format({**cell, "bg_color": "#BFBFBF"})  # not to be filled
        self.note = wb.add_format({**base, "text_wrap": True, "font_size": 10})
        self.note_open = wb.add_format({**base, "font_size": 10, "locked": False})
        self.heading = wb.add_format({**base, "bold": True, "text_wrap": True, "border": 1})
        self.text = wb.add_format({**base, "text_wrap": True, "border": 1})
        self.author = ""  # the hints' author: the office units report to (plan.yaml receiver)


def xlsx_bytes(plan: Plan, form: Form) -> bytes:
    """The form as an .xlsx file: 填报说明 first, then the protected 进展填报表."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    wb.set_properties({"title": form.title, "subject": f"{form.unit} {form.quarter}",
                       "author": plan.params.organization or "", "created": document_time(form.quarter)})
    fmt = _Formats(wb)
    fmt.author = plan.words.receiver
    _write_instructions(wb.add_worksheet(INSTRUCTIONS_SHEET), fmt, instruction_lines(plan, form))
    _write_data_sheet(wb.add_worksheet(DATA_SHEET), fmt, form)
    wb.close()
    return buffer.getvalue()


def _write_instructions(ws, fmt: _Formats, lines: list[tuple[str, str]]) -> None:
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 90)
    ws.merge_range(0, 0, 0, 1, lines[0][0], fmt.title)
    for r, (heading, text) in enumerate(lines[1:], start=1):
        ws.write_string(r, 0, heading, fmt.heading)
        ws.write_string(r, 1, text, fmt.text)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})


_WIDTHS = {"指标代码": 9, "指标名称": 34, "计量单位": 9, "目标值": 10, "累计完成值": 13, "基数": 9,
           "进展状态": 11, "进展情况": 36, "存在问题": 26, "下步打算": 26, "佐证材料": 30}


def _write_data_sheet(ws, fmt: _Formats, form: Form) -> None:
    grid = form_grid(form)
    width = len(form.headers)
    for c, name in enumerate(form.columns):
        ws.set_column(c, c, _WIDTHS.get(name, 12))
    first_data = next(i for i, g in enumerate(grid) if g.kind == "data")
    for r, grow in enumerate(grid):
        if grow.kind in ("title", "note"):
            _write_wide(ws, r, width, grow, fmt, form)
        elif grow.kind == "meta":
            _write_meta(ws, r, grow.cells, fmt)
        elif grow.kind == "header":
            for c, text in enumerate(grow.cells):
                ws.write_string(r, c, text, fmt.header)
        else:
            _write_data_row(ws, r, form.rows[r - first_data], form.columns, fmt)
    ws.set_row(0, 30)
    ws.freeze_panes(first_data, 2)
    status_col = form.columns.index("进展状态")
    if form.rows:
        ws.data_validation(first_data, status_col, first_data + len(form.rows) - 1, status_col, {
            "validate": "list", "source": list(STATUSES), "input_title": "进展状态",
            "input_message": "请从下拉列表选择：" + "/".join(STATUSES),
            "error_title": "进展状态", "error_message": "只能选择：" + "/".join(STATUSES)})
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                    "format_columns": True, "format_rows": True})


def _write_wide(ws, r: int, width: int, grow: GridRow, fmt: _Formats, form: Form) -> None:
    text = grow.cells[0]
    if grow.kind == "title":
        ws.merge_range(r, 0, r, width - 1, text, fmt.title)
    elif text.startswith("注"):
        ws.merge_range(r, 0, r, width - 1, text, fmt.note)
        ws.set_row(r, 45)
    else:  # the signature line, filled by the unit
        ws.write_string(r, 0, text, fmt.note_open)


def _write_meta(ws, r: int, cells: list, fmt: _Formats) -> None:
    for c, text in enumerate(cells):
        if text:
            ws.write_string(r, c, text, fmt.meta_open if text.startswith("填报日期") else fmt.meta)


def _write_data_row(ws, r: int, row: FormRow, columns: list[str], fmt: _Formats) -> None:
    for c, (name, value) in enumerate(zip(columns, row.cells(columns), strict=True)):
        _write_cell(ws, r, c, value, _cell_format(row, name, fmt))
    if row.hint:
        col = columns.index("基数" if row.kind == "ratio" else "进展状态")
        ws.write_comment(r, col, row.hint, {"author": fmt.author, "x_scale": 2, "y_scale": 1.5})


def _cell_format(row: FormRow, column: str, fmt: _Formats):
    if column in LOCKED_COLUMNS:
        return fmt.locked
    numeric = row.kind in ("count", "amount", "ratio", "info")
    if column == "累计完成值" and not numeric:
        return fmt.shaded
    if column == "基数" and row.kind != "ratio":
        return fmt.shaded
    return fmt.open


def _write_cell(ws, r: int, c: int, value, cell_format) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, cell_format)
    elif isinstance(value, bool):
        ws.write_string(r, c, str(value), cell_format)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, cell_format)
    else:
        ws.write_string(r, c, str(value), cell_format)


def write_form_xlsx(plan: Plan, form: Form, path: str | Path) -> Path:
    return write_bytes(Path(path), xlsx_bytes(plan, form))


# ---------------------------------------------------------------- the command


def write_templates(quarter: str, out_dir: str | Path, plan: Plan | None = None,
                    units: list[str] | None = None) -> list[Path]:
    """One blank .xlsx per reporting unit (or per unit given), named '<单位>_<quarter>.xlsx'."""
    plan = plan or load_plan()
    names = plan.reporters() if units is None else [_resolve(plan, u) for u in units]
    out = Path(out_dir)
    return [write_form_xlsx(plan, blank_form(plan, unit, quarter), out / safe_filename(unit, quarter))
            for unit in names]


def _resolve(plan: Plan, name: str) -> str:
    unit = plan.registry.resolve(name)
    if unit is None or not plan.indicators_for(unit.name):
        hint = "、".join(plan.registry.suggest(name))
        raise ValueError(f"“{name}”不是填报单位" + (f"（是否为：{hint}）" if hint else ""))
    return unit.name


__all__ = ["COLUMNS", "STATUSES", "Form", "FormRow", "GridRow", "blank_form", "form_grid",
           "safe_filename", "template_rows", "write_form_xlsx", "write_templates", "xlsx_bytes"]
