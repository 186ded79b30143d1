"""What the office must chase: the units that owe a file and have no accepted one, and what a run left
to act on (docs/plan_life.md).

    yqeval reminders 2020Q2                   # on the reporting deadline (quarter end + late_report_days)
    yqeval reminders 2020Q2 --as-of 2020-07-05  # before it: units with nothing yet are 待报送

The list is printed in the terminal and written as an .xlsx an office can send on. Contacts come from
units.csv (columns 联系人 and 联系电话, both optional), shown where present.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path

import pandas as pd

from helpers.contract import datasets as D
from helpers.contract.outputs import write_bytes
from helpers.contract.paths import processed_dir, reference_dir
from helpers.evaluate import completion as C
from helpers.plan import quarters
from helpers.plan.reference import Plan, load_plan

CONTACT_COLUMNS = ("联系人", "联系电话")
COLUMNS = ["序号", "单位", "类型", "报送情况", "问题", "报送截止日期", *CONTACT_COLUMNS]


def contacts(ref_dir: Path) -> dict[str, dict[str, str]]:
    """unit → {联系人, 联系电话} from units.csv where those columns are there and filled."""
    path = Path(ref_dir) / "units.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for row in rows:
        found = {k: (row.get(k) or "").strip() for k in CONTACT_COLUMNS}
        if any(found.values()):
            out[(row.get("name") or "").strip()] = found
    return out


def _problem(status: str, unit: str, data: C.QuarterData, deadline: dt.date, day: dt.date) -> str:
    """What is wrong, in words a unit understands."""
    if status == C.PENDING:
        return f"截至{day.isoformat()}尚未收到报送文件，请于{deadline.isoformat()}前报送"
    if status == C.MISSING:
        return "报送截止日期已过，仍未收到报送文件"
    files = [f for f in data.log.get("files", [])
             if f.get("unit") == unit or (not f.get("unit") and f.get("close_unit") == unit)]
    reasons = [f"文件“{f.get('file', '')}”：{f.get('reason', '')}" for f in files if f.get("status") != "ok"]
    if status == C.UNIDENTIFIED:
        return "；".join(reasons) + f"。如为本单位文件，请在“填报单位”中写“{unit}”后重新报送"
    return ("；".join(reasons) or "报送的文件无法采用") + "。请修改后重新报送"


def chase_list(data: C.QuarterData, plan: Plan, quarter: str, day: dt.date | None = None,
               ref_dir: Path | None = None) -> pd.DataFrame:
    """The units that owe a file and have no accepted one on DAY. With no DAY: on the reporting deadline,
    every file in the folder counted (a late one has arrived by now)."""
    deadline = C.reporting_deadline(quarter, plan)
    rep = C.reporting_table(data, plan, quarter, compiled=day)
    seen = C.received_by(data, day)
    day = day or deadline
    owe = rep[rep["status"].isin(C.NOT_RECEIVED)]
    book = contacts(ref_dir) if ref_dir is not None else {}
    rows = []
    for i, r in enumerate(owe.itertuples(), start=1):
        who = book.get(r.unit, {})
        # on the deadline day itself nothing is overdue yet (docs/plan_life.md): 待报送, not 截止日期已过
        status = C.PENDING if r.status == C.MISSING and day <= deadline else r.status
        rows.append({"序号": i, "单位": r.unit, "类型": r.kind, "报送情况": status,
                     "问题": _problem(status, r.unit, seen, deadline, day),
                     "报送截止日期": deadline.isoformat(), **{k: who.get(k, "") for k in CONTACT_COLUMNS}})
    df = pd.DataFrame(rows, columns=COLUMNS)
    if not any(df[k].astype(str).str.len().any() for k in CONTACT_COLUMNS):
        df = df.drop(columns=list(CONTACT_COLUMNS))  # no contacts in units.csv: no empty columns
    return df


def xlsx_bytes(df: pd.DataFrame, title: str, when: dt.date) -> bytes:
    """The list as a one-sheet workbook; the document time is pinned to WHEN (same inputs, same bytes)."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": title, "created": dt.datetime.combine(when, dt.time())})
    ws = wb.add_worksheet("催报名单")
    head = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDE6F0", "text_wrap": True})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws.write(0, 0, title, head)
    widths = {"序号": 6, "单位": 16, "类型": 8, "报送情况": 18, "问题": 60, "报送截止日期": 14, "联系人": 10, "联系电话": 16}
    for c, name in enumerate(df.columns):
        ws.set_column(c, c, widths.get(name, 12))
        ws.write(2, c, name, bold)
    for r, row in enumerate(df.itertuples(index=False), start=3):
        for c, value in enumerate(row):
            ws.write(r, c, value, cell)
    if df.empty:
        ws.write(3, 0, "所有应报单位均已报送可采用的文件。")
    wb.close()
    return buffer.getvalue()


def terminal_text(df: pd.DataFrame, title: str) -> str:
    if df.empty:
        return f"{title}\n所有应报单位均已报送可采用的文件，无需催报。"
    lines = [title, f"需催报 {len(df)} 个单位："]
    for r in df.to_dict("records"):
        contact = "　".join(r[k] for k in CONTACT_COLUMNS if r.get(k))
        lines.append(f"  {r['序号']:>2}. {r['单位']}（{r['报送情况']}）{r['问题']}" + (f"　{contact}" if contact else ""))
    return "\n".join(lines)


def run_reminders(quarter: str, as_of: dt.date | None = None, data_dir: str | Path = "data",
                  out_dir: str | Path = "reports/reminders", progress=print) -> Path:
    """Read the quarter's files afresh, list the units to chase, print it and write the .xlsx."""
    from helpers.ingest import ingest_quarter

    quarter = quarters.validate(quarter)
    plan = load_plan(reference_dir(data_dir))
    result = ingest_quarter(quarter, data_dir, plan)
    data = C.QuarterData(quarter, result.submissions, result.rejects, result.log)
    deadline = C.reporting_deadline(quarter, plan)
    df = chase_list(data, plan, quarter, as_of, reference_dir(data_dir))
    day = as_of or deadline
    title = f"{quarters.quarter_label(quarter)}进展报送催报名单（截至{day.isoformat()}，报送截止日期{deadline.isoformat()}）"
    path = write_bytes(Path(out_dir) / f"催报名单_{quarter}_截至{day.isoformat()}.xlsx", xlsx_bytes(df, title, day))
    if progress:
        progress(terminal_text(df, title))
        progress(f"已写出：{path}")
    return path


_SHELL_SPECIAL = set(" \t'\"$`\\;&|<>()*?[]{}!#~")


def command_hint(command: str, quarter: str, data_dir: str | Path, reports_dir: str | Path | None = None) -> str:
    """'yqeval reminders 2020Q4 --data D --reports R --reference P': a command the run tells the analyst to
    type next, with the folders the run was given (the defaults left out), so that following it reads and
    writes the same plan's folders and never the bundled one's (docs/plan_life.md)."""
    parts = ["yqeval", command, quarter]
    data = Path(data_dir).resolve()
    if data != Path("data").resolve():
        parts += ["--data", str(data_dir)]
    if reports_dir is not None and Path(reports_dir).resolve() != Path("reports").resolve():
        parts += ["--reports", str(reports_dir)]
    given = os.environ.get("YQEVAL_REFERENCE")  # what --reference set for the run (cli)
    if given and Path(given).resolve() != (data / "reference").resolve():
        parts += ["--reference", given]
    return " ".join(f"'{p}'" if _SHELL_SPECIAL & set(p) else p for p in parts)


def run_actions(data_dir: str | Path, quarter: str, reports_dir: str | Path | None = None) -> str:
    """What an analyst must act on after `yqeval run`: files read and returned whole, rows rejected,
    units still missing, values carried, with the path of rejects.csv."""
    folder = processed_dir(data_dir, quarter)
    log = D.read_json(folder, D.INGEST_LOG)
    t = log["totals"]
    returned = [f for f in log.get("files", []) if f.get("status") == "rejected"]
    rejected_rows = int(t.get("rejected", 0))
    lines = ["需要处理：", f"  读取文件 {t['files']} 个，其中整份退回 {len(returned)} 个"]
    for f in returned:
        lines.append(f"    {f.get('file', '')}：{f.get('reason', '')}")
    not_read = log.get("not_read", [])  # a symlink, a lock file, a folder: in the folder, never read
    if not_read:
        lines.append(f"  未读取的条目 {len(not_read)} 个（不是报送文件，请核实是否放错）")
        lines += [f"    {item.get('file', '')}：{item.get('reason', '')}" for item in not_read]
    rejects = D.path(folder, D.REJECTS)
    lines.append(f"  退回的数据行 {rejected_rows} 行" + (f"，明细见 {rejects}" if rejected_rows or returned else ""))
    if D.exists(folder, D.REPORTING):
        rep = D.read(folder, D.REPORTING)
        owe = rep[rep["status"].isin(C.NOT_RECEIVED)]
        if len(owe):
            lines.append(f"  仍未收到可采用文件的单位 {len(owe)} 个："
                         + "、".join(f"{u}（{s}）" for u, s in zip(owe["unit"], owe["status"], strict=True)))
            lines.append(f"  催报名单：{command_hint('reminders', quarter, data_dir, reports_dir)}")
        else:
            lines.append("  所有应报单位均已报送")
    if D.exists(folder, D.CARRIED):
        carried = D.read(folder, D.CARRIED)
        if len(carried):
            lines.append(f"  汇总数沿用上期累计值的单位 {carried['unit'].nunique()} 个（报告中标“{C.CARRIED}”）")
    return "\n".join(lines)
