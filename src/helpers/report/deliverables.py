"""What `yqeval run` writes for the office beside the HTML and PDF (docs/outputs.md): the report as
.docx, the Excel 汇总表 and the 退回补报通知, all from the same processed data and report HTML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def summary_name(report_name: str) -> str:
    """'…评估报告_2019Q4' → '…评估汇总表_2019Q4'."""
    stem, _, quarter = report_name.rpartition("_")
    stem = stem[:-2] if stem.endswith("报告") else stem
    return f"{stem}汇总表_{quarter}"


def write_deliverables(html_path: Path, folder: Path, data_dir: Path, quarter: str, name: str,
                       title: str, compiled: dt.date | None = None) -> list[Path]:
    """The .docx beside the HTML, the 汇总表 .xlsx and the notices under folder; returns the paths.
    compiled: the run's 编制日期 when it was given one (`--compiled`): the notices are dated on it."""
    from helpers.contract.paths import reference_dir
    from helpers.plan.reference import load_plan
    from helpers.report import docx_report, notices, workbook
    from helpers.report import sections as report

    plan = load_plan(reference_dir(data_dir))
    rd = report.load(data_dir, quarter)
    author = str(plan.params.organization or "")
    out = [docx_report.write_report_docx(html_path, folder / f"{name}.docx", title=title, author=author,
                                         when=rd.as_of)]
    summary = summary_name(name)
    out.append(workbook.write_workbook(rd, plan, data_dir, folder / f"{summary}.xlsx", title=summary))
    out += notices.write_notices(rd, plan, folder / notices.FOLDER, compiled)
    return out
