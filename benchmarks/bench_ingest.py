"""How fast ingest reads a quarter: n synthetic .xlsx submissions (xlsxwriter) across the real units.

    .venv/bin/python benchmarks/bench_ingest.py          # 1,000 files
    .venv/bin/python benchmarks/bench_ingest.py 200      # another count

Files for one unit repeat with the same values, so duplicates merge (重复（已合并）) rather than conflict.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

from helpers.ingest import ingest_files
from helpers.plan.reference import load_plan

HEADER = ["序号", "指标代码", "指标名称", "计量单位", "目标值", "累计完成值", "基数", "进展状态", "进展情况",
          "存在问题", "下步打算", "佐证材料"]


def _value(kind: str, unit_index: int, code_index: int) -> tuple[object, object, str]:
    if kind == "ratio":
        return 10 + unit_index % 5, 20, "推进中"
    if kind == "milestone":
        return "是", None, "已完成"
    if kind == "qualitative":
        return None, None, "推进中"
    return float(unit_index * 3 + code_index), None, "推进中"


def write_submission(path: Path, plan, unit: str, unit_index: int, quarter_label: str) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("填报说明")
    sheet.write(0, 0, "请在“进展填报表”工作表中填写，不要修改表头。")
    sheet = book.add_worksheet("进展填报表")
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, "埇桥区农村电商优化升级工作进展填报表")
    sheet.write(1, 0, f"填报单位：{unit}")
    sheet.write(1, 6, f"报告期：{quarter_label}")
    sheet.write_row(2, 0, HEADER)
    row = 3
    for code_index, ind in enumerate(plan.indicators_for(unit)):
        value, denominator, status = _value(ind.kind, unit_index, code_index)
        sheet.write_row(row, 0, [row - 2, ind.code, ind.name, ind.unit, "", value, denominator, status,
                                 "按计划推进", "", "继续推进", "台账"])
        row += 1
    sheet.write(row + 1, 0, "注：累计完成值为 2019年10月12日以来的累计数。")
    sheet.write(row + 2, 0, "填报人：张三    联系电话：0557-0000000")
    book.close()


def make_files(n_files: int, folder: Path, quarter_label: str = "2019年第四季度") -> list[Path]:
    plan = load_plan()
    units = plan.reporters()
    paths = []
    for i in range(n_files):
        unit = units[i % len(units)]
        path = folder / f"{unit}_2019Q4_{i:04d}.xlsx"
        write_submission(path, plan, unit, units.index(unit), quarter_label)
        paths.append(path)
    return paths


def run(n_files: int, workdir: Path) -> dict:
    """Write n files under workdir, time ingest_files over them, return the figures."""
    folder = Path(workdir) / "raw" / "2019Q4"
    folder.mkdir(parents=True, exist_ok=True)
    paths = make_files(n_files, folder)
    plan = load_plan()
    start = time.perf_counter()
    result = ingest_files(paths, "2019Q4", plan, base=folder)
    seconds = time.perf_counter() - start
    totals = result.log["totals"]
    return {"files": n_files, "seconds": round(seconds, 3), "files_per_second": round(n_files / seconds, 1),
            "files_ok": totals["files_ok"], "accepted": totals["accepted"], "rejected": totals["rejected"],
            "skipped": totals["skipped"]}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(n, Path(tmp)), ensure_ascii=False))
