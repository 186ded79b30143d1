"""退回补报通知: one notice per unit with a returned file or rejected rows (docs/outputs.md).

Each notice names, for every item the evaluation could not use, the file, sheet, row and value, why
it was not used and how to correct it, with the 补报 deadline; the office signs and sends it. Written
as .docx (the same builder as the report's Word copy) under reports/<quarter>/退回补报通知/, one file
per unit, deterministically. Rows whose unit could not be told (a file naming no unit) have no
addressee: they stay in the report's 数据核查 section and the 汇总表.

Date: the run's compiling date (编制日期: `--compiled D` where the run was given one, else the later of the
evaluation date and the reporting deadline, quarter end + late_report_days). Deadline: the later of that
date and the reporting deadline, plus `resubmit_days` (params.yaml; its default is in
helpers.plan.params.SCHEMA).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from helpers.contract import vocabulary as W
from helpers.contract.paths import safe_name
from helpers.plan import quarters
from helpers.plan.params import Params, leader_reason

FOLDER = "退回补报通知"
RETURNED = W.RETURNED
UNIDENTIFIED = W.UNIDENTIFIED

# How to correct an item, by what its reason says (first match wins); the reasons are ingest's words.
HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("数据冲突",), "同一指标只保留一个数值：核对后删除重复或矛盾的行，各表填写一致。"),
    (("未登记",), "“填报单位”写本单位的登记名称（即本通知的收文单位），文件按“单位名称_季度.xlsx”命名后重新报送。"),
    (("无缓存值", "公式"), "用 Excel 或 WPS 打开文件、重新计算并保存（或把公式粘贴为数值）后报送。"),
    (("只有表头", "没有任何数据", "没有填写任何数据", "没有任何内容"), "在填报模板中填写本季度的累计完成值后报送。"),
    (("无法读取文件",), "文件已损坏或格式不受支持：请另存为 .xlsx 后重新报送。"),
    (("没有找到填报表的表头", "出现两次"), "请使用本季度下发的填报模板，不要增删或改名表头各列。"),
    (("无法确定填报单位",), "在表内“填报单位”处填写本单位全称，或按“单位名称_季度.xlsx”命名文件。"),
    (("报告期",), "报告期写作“年份Q季度”或“某年第某季度”（与文件名中的季度写法相同），并与报送的季度一致。"),
    (("不在指标目录", "无法识别指标"), "按填报模板中的指标代码和名称填写，不要新增或改写指标。"),
    (("不是此指标的填报单位",), "该指标不由本单位填报：请删除该行；如有异议请与办公室联系。"),
    (("为负数",), "累计值不能为负：请填写自方案印发以来的累计完成值。"),
    (("逻辑值", "日期或时间"), "该单元格应为数字：请把单元格格式改为“常规”或“数值”后重新填写。"),
    (("单位", "换算"), "按模板的计量单位填写纯数字（如万元、个），不要带单位或文字。"),
    (("基数",), "比率指标须同时填写累计完成值和基数（如行政村总数），均为整数。"),
    (("进展状态",), "进展状态从下拉框中选择（已完成/推进中/未启动）。"),
    (("里程碑",), "里程碑指标的完成值填写“是”或“否”。"),
    (("填报日期",), "填报日期写作“年-月-日”（四位年份，如报送当天的日期）或“某年某月某日”。"),
    (("不是数字", "不是有效数字", "不是整数"), "该栏只填阿拉伯数字：没有发生请填 0，不要空着（空着按未填写计）。"),
)
DEFAULT_HINT = "请按填报说明更正后重新报送。"


def hint(reason: str) -> str:
    for words, text in HINTS:
        if any(w in str(reason) for w in words):
            return text
    return DEFAULT_HINT


def deadline(quarter: str, issued_on: dt.date, params: Params) -> dt.date:
    """补报截止: resubmit_days after the notice's date, never before the quarter's own reporting deadline
    has passed (a notice issued inside the reporting window gives the window and then resubmit_days)."""
    due = quarters.reporting_deadline(quarter, params)
    return max(issued_on, due) + dt.timedelta(days=params.resubmit_days)


def units_with_returns(rd) -> list[str]:
    """Units with a returned file or a rejected row: the reporting table's order, then any others."""
    returned = (set(rd.reporting.loc[rd.reporting["status"].isin([RETURNED, UNIDENTIFIED]), "unit"])
                if len(rd.reporting) else set())
    rejected = set(u for u in rd.rejects["unit"] if u) if len(rd.rejects) else set()
    wanted = returned | rejected
    order = [u for u in rd.reporting["unit"] if u in wanted] if len(rd.reporting) else []
    return order + sorted(wanted - set(order))


def items(rd, unit: str) -> pd.DataFrame:
    """The unit's rejected rows as the notice lists them."""
    # a file that named no registered unit, counted as returned to the one unit it is close to
    # (文件被退回（单位名称无法识别）, docs/plan_life.md), is that unit's to correct too
    status = rd.reporting.set_index("unit")["status"].to_dict() if len(rd.reporting) else {}
    theirs = {f.get("file") for f in (rd.log or {}).get("files", []) if status.get(unit) == UNIDENTIFIED
              and f.get("close_unit") == unit and f.get("status") == "rejected" and not f.get("unit")}
    r = (rd.rejects[(rd.rejects["unit"] == unit) | rd.rejects["source_file"].isin(theirs)]
         if len(rd.rejects) else rd.rejects)
    rows = []
    for x in r.itertuples():
        row = str(x.source_row or "").strip()
        rows.append({"文件": x.source_file, "工作表": x.source_sheet or "—",
                     "行": row.split(".")[0] if row else "整个文件",
                     "填报值": x.raw_value or "—", "原因": leader_reason(x.reason), "更正方法": hint(x.reason)})
    return pd.DataFrame(rows, columns=["文件", "工作表", "行", "填报值", "原因", "更正方法"])


def _date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def issued(rd, plan, compiled: dt.date | None = None) -> dt.date:
    """The notice's date: the run's compiling date — the 编制日期 it was given (`--compiled`), else the later of
    the evaluation date and the reporting deadline (a run with no 编制日期 judges reporting on the deadline,
    docs/plan_life.md): never the quarter's end, before the returned file could have arrived (docs/outputs.md)."""
    if compiled is not None:
        return compiled
    return max(rd.as_of, quarters.reporting_deadline(rd.quarter, plan.params))


def sender(plan) -> str:
    """Who signs the notice and receives the corrected file: plan.yaml receiver where the plan gives one,
    else the 编制单位 (docs/outputs.md)."""
    w = plan.words
    if w.receiver and w.receiver != w.compiler:
        return str(w.receiver)
    return str(plan.params.organization or w.receiver or "")


def notice_text(rd, unit: str, plan, compiled: dt.date | None = None) -> dict:
    """The notice's parts: title, addressee, body sentences, the table, signature and date."""
    on = issued(rd, plan, compiled)
    due = deadline(rd.quarter, on, plan.params)
    who = sender(plan)
    its = items(rd, unit)
    whole = int((its["行"] == "整个文件").sum())
    rows = len(its) - whole
    what = []
    if whole:
        what.append(f"{whole}份文件被退回")
    if rows:
        what.append(f"{rows}行数据未能采用")
    if not what:
        what.append("报送文件被退回")
    body = [f"你单位报送的{quarters.quarter_label(rd.quarter)}工作进展填报材料经核查，{'、'.join(what)}，"
            f"详见下表。",
            f"请按“更正方法”逐项更正，于{_date(due)}前将更正后的完整填报文件重新报送"
            f"{who or '办公室'}。逾期未补报的，相关指标按“未报送”计。"]
    return {"title": "退回补报通知", "to": f"{unit}：", "body": body, "table": its,
            "sign": who, "date": _date(on), "issued": on, "deadline": due}


def notice_docx(rd, unit: str, plan, compiled: dt.date | None = None) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from helpers.report.docx_report import Builder

    n = notice_text(rd, unit, plan, compiled)
    b = Builder(f"{n['title']}（{unit}）", n["sign"], n["issued"])
    p = b.paragraph(n["title"], style="Title")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    b.paragraph(n["to"], bold=True)
    for s in n["body"]:
        p = b.paragraph(s)
        p.paragraph_format.first_line_indent = b.doc.styles["Normal"].font.size * 2
    t = n["table"]
    b.table(list(t.columns), [[str(v) for v in row] for row in t.itertuples(index=False)],
            widths=[18, 10, 8, 10, 27, 27], caption="需更正的事项")
    b.paragraph()
    for text in (n["sign"], n["date"]):
        p = b.paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return b.to_bytes()


def write_notices(rd, plan, folder: str | Path, compiled: dt.date | None = None) -> list[Path]:
    """One .docx per unit with returns, named after the unit; nothing (no folder) when there are none.
    compiled: the run's 编制日期, when it was given one (the notices' date)."""
    from helpers.contract.outputs import write_bytes

    out = []
    for unit in units_with_returns(rd):
        path = Path(folder) / f"{safe_name(unit)}_{FOLDER}_{rd.quarter}.docx"
        out.append(write_bytes(path, notice_docx(rd, unit, plan, compiled)))
    return out
