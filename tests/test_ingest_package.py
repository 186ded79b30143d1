"""The ingest sub-package (helpers/ingest/): one job a module, what it may import, and its pure steps —
who and when from a sheet and a file name, rows, duplicates settled between files, the typed records and
their serialisation to ingest_log.json. The files-on-disk cases are in test_ingest.py."""

from __future__ import annotations

import dataclasses
import json

import pytest

from helpers.contract.paths import PROJECT_ROOT
from helpers.ingest import identity, locate, rows, settle
from helpers.ingest.onefile import ingest_file
from helpers.ingest.readers import FileRejected, Sheet
from helpers.ingest.records import FileEntry, FileOutcome, IngestLog, RejectRow, Submission, counted

from .filewriters import form, line, write_csv

PACKAGE = PROJECT_ROOT / "src" / "helpers" / "ingest"
Q = "2019Q4"
# the steps ingest.py was split into (docs/submissions.md); what they may import is checked for every
# sub-package by tests/test_layout.py
STEPS = ("__init__", "listing", "onefile", "form", "locate", "identity", "rows", "settle", "records", "quarter")


def test_each_step_is_its_own_small_module():
    for name in STEPS:
        text = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 300, f"{name}.py: {len(text.splitlines())} lines, one job a module"


def _table(lines, **kw) -> locate.Table:
    return locate.find_table([Sheet("填报说明", [["填报说明"], ["请在下一张表中填写"]]), Sheet("表", form(lines, **kw))])


def test_the_table_and_its_rows_are_found():
    table = _table([line("T01", 5), line("T02", None), ["合计", None, None, None, None, 5]])
    assert table.sheet.name == "表" and table.columns["code"] == 1 and table.columns["value"] == 5
    kinds = locate.classify_rows(table)
    assert list(kinds.values()) == ["标题/说明", "标题/说明", "表头", "data", "data", "合计", "注释/签名", "注释/签名"]
    with pytest.raises(FileRejected, match="没有任何内容"):
        locate.find_table([Sheet("空", [[None, ""]])])


def test_who_and_when_from_the_sheet_and_the_file_name(plan):
    assert identity.filename_parts("符离镇_2019Q4.xlsx") == ("符离镇", "2019Q4")
    assert identity.filename_parts("进展表.xlsx") == ("进展表", None)
    assert identity.meta_cells(["填报单位：芦岭镇  报告期：2019年第四季度"]) == [("unit", "芦岭镇"),
                                                                          ("quarter", "2019年第四季度")]
    table = _table([line("T01", 5)])
    meta = identity.collect_meta(table, locate.classify_rows(table))
    assert [v for _, v in meta["unit"]] == ["符离镇"] and meta["reported_on"] == []
    assert identity.resolve_unit(meta["unit"], plan, "符离镇_2019Q4.xlsx") == "符离镇"
    assert identity.resolve_quarter(meta["quarter"], Q, "符离镇_2019Q4.xlsx") == (Q, "")
    with pytest.raises(FileRejected, match="填报单位不一致.*符离镇.*芦岭镇"):  # sheet and name disagree
        identity.resolve_unit(meta["unit"], plan, "芦岭镇_2019Q4.xlsx")
    with pytest.raises(FileRejected, match="与所在文件夹的报告期 2020Q1 不符"):
        identity.resolve_quarter(meta["quarter"], "2020Q1", "符离镇.xlsx")
    # nothing in the sheet: the name decides the unit, the folder the quarter (said in a warning)
    assert identity.resolve_unit([], plan, "芦岭镇_2019Q4.xlsx") == "芦岭镇"
    quarter, warning = identity.resolve_quarter([], Q, "芦岭镇.xlsx")
    assert quarter == Q and "按所在文件夹的报告期" in warning
    with pytest.raises(identity.UnknownUnit) as unknown:
        identity.resolve_unit([("表内“填报单位”", "芦岭乡")], plan, "x.xlsx")
    assert unknown.value.close_unit == "芦岭镇" and "芦岭镇" in unknown.value.candidates
    assert identity.resolve_date([("a", "2020-01-05"), ("b", "2020年1月5日")]) == ("2020-01-05", "")
    day, warning = identity.resolve_date([("a", "2020-01-05"), ("b", "2020-01-06")])
    assert day == "" and "填报日期不一致" in warning


def test_rows_of_a_table_are_accepted_rejected_or_skipped(plan):
    table = _table([line("T01", "1,234.5", measure="万元"), line("T02", -3), line("T04", None), line("ZZ9", 1)])
    kinds = locate.classify_rows(table)
    read = rows.read_rows(table, kinds, Q, "符离镇_2019Q4.xlsx", "符离镇", "2020-01-05", plan)
    assert [(s.indicator, s.value, s.source_row, s.reported_on) for s in read.accepted] == [
        ("T01", 1234.5, 5, "2020-01-05")]
    assert [(r.source_row, r.indicator) for r in read.rejects] == [(6, "T02"), (8, "")]
    assert "负" in read.rejects[0].reason and "不在指标目录中" in read.rejects[1].reason
    assert read.skipped == {"标题/说明": 2, "表头": 1, "未填写": 1, "注释/签名": 2}
    assert rows.nothing_read(kinds, read) == ""
    untouched = _table([line("T04", None), line("T05", None)])  # the template as sent, nothing filled in
    kinds = locate.classify_rows(untouched)
    empty = rows.read_rows(untouched, kinds, Q, "a.xlsx", "符离镇", "", plan)
    assert rows.nothing_read(kinds, empty) == "表格中没有填写任何数据：2 行的累计完成值、基数和进展状态均为空"


def _row(file: str, value: float | None, status: str = "", evidence: str = "", row: int = 5) -> Submission:
    return Submission(Q, "符离镇", "T01", value, "" if value is None else f"{value:g}", None, "", status, False,
                      "", "", "", evidence, "", file, "表", row)


def _outcome(file: str, *accepted: Submission) -> FileOutcome:
    return counted(FileEntry(file=file, unit="符离镇", quarter=Q, sheet="表", rows=len(accepted)), accepted)


def test_settle_rejects_both_copies_of_a_conflict_and_changes_neither_outcome_given():
    a, b = _outcome("a.xlsx", _row("a.xlsx", 12)), _outcome("b.xlsx", _row("b.xlsx", 15, row=7))
    before = [dataclasses.replace(a), dataclasses.replace(b)]
    out = settle.settle_duplicates([a, b])
    assert [a, b] == before  # returned, not mutated
    assert [o.accepted for o in out] == [(), ()]
    reasons = [o.rejects[0].reason for o in out]
    assert reasons[0].startswith("数据冲突：符离镇 T01 本行为 12，而 b.xlsx “表”表第7行为 15")
    assert "a.xlsx “表”表第5行为 12" in reasons[1]
    assert {o.rejects[0].kind for o in out} == {"conflict"} and [o.rejects[0].raw_value for o in out] == ["12", "15"]
    assert [(o.entry.accepted, o.entry.rejected) for o in out] == [(0, 1), (0, 1)]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_settle_merges_equal_copies_whatever_the_file_order(order):
    files = [_outcome("a.xlsx", _row("a.xlsx", None, "已完成", evidence="协议.pdf")),
             _outcome("b.xlsx", _row("b.xlsx", None, "已完成"))]
    out = settle.settle_duplicates([files[i] for i in order])
    kept = [s for o in out for s in o.accepted]
    assert len(kept) == 1 and kept[0].evidence == "协议.pdf" and kept[0].status == "已完成"
    merged_away = [o.entry for o in out if not o.accepted][0]
    assert dict(merged_away.skipped_by_reason) == {"重复（已合并）": 1} and merged_away.accepted == 0


def test_a_file_entry_round_trips_through_ingest_log_json():
    entry = FileEntry(file="褚兰乡.xlsx", sha256="ab" * 32, size=1234, sheet="表", status="rejected",
                      reason="文件名的单位“褚兰乡”未登记", rows=9, skipped=9,
                      skipped_by_reason=(("文件被拒收", 9),), warnings=("第5行：注意",), sample=False,
                      unit_written="褚兰乡", candidates=("褚兰镇",), close_unit="褚兰镇", detail="KeyError: x")
    obj = json.loads(json.dumps(entry.to_json(), ensure_ascii=False))
    assert list(obj)[-6:] == ["warnings", "sample", "unit_written", "candidates", "close_unit", "detail"]
    assert obj["skipped_by_reason"] == {"文件被拒收": 9} and obj["candidates"] == ["褚兰镇"]
    assert FileEntry.from_json(obj) == entry
    plain = FileEntry(file="a.xlsx")  # what is not known is not written
    assert "sample" not in plain.to_json() and "detail" not in plain.to_json()
    assert FileEntry.from_json(plain.to_json()) == plain
    log = IngestLog(Q, (entry, plain), ({"file": "~$a.xlsx", "reason": "临时锁文件"},))
    back = IngestLog.from_json(json.loads(json.dumps(log.to_json(), ensure_ascii=False)))
    assert back == log and back.to_json() == log.to_json()
    assert log.to_json()["ignored"] == ["~$a.xlsx"] and log.totals()["files_rejected"] == 1
    assert "not_read" not in IngestLog(Q, (plain,)).to_json()  # files given, not a folder
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.status = "ok"


def test_counted_keeps_the_invariant_and_a_file_reject_is_no_row():
    file_reject = RejectRow(Q, "a.xlsx", "", None, "", "", "", "文件中没有任何内容", "file")
    out = counted(FileEntry(file="a.xlsx", rows=3), (), (file_reject,), {"文件被拒收": 3, "合计": 0})
    assert (out.entry.accepted, out.entry.rejected, out.entry.skipped) == (0, 0, 3)
    assert out.entry.skipped_by_reason == (("文件被拒收", 3),)


def test_one_file_is_returned_as_an_outcome_and_never_raises(tmp_path, plan):
    good = write_csv(tmp_path / "芦岭镇_2019Q4.csv", form([line("T01", 7)], unit="芦岭镇"))
    out = ingest_file(good, good.name, Q, plan, 1 << 20)
    e = out.entry
    assert (e.status, e.unit, e.quarter, e.sample, e.accepted) == ("ok", "芦岭镇", Q, False, 1)
    assert e.accepted + e.rejected + e.skipped == e.rows
    missing = ingest_file(tmp_path / "符离镇_2019Q4.xlsx", "符离镇_2019Q4.xlsx", Q, plan, 1 << 20)
    assert missing.entry.status == "rejected" and missing.entry.unit == "符离镇"  # the name still says who
    assert "文件已不存在" in missing.entry.reason and missing.rejects[0].source_row is None


def test_the_readers_worker_starts_without_the_ingest_steps():
    """Each ingest starts one reader process (sandbox); it imports the readers only, not pandas and the
    steps (0.5 s of a 0.8 s ingest of 40 files before the package's names were imported on first use)."""
    import subprocess
    import sys

    from helpers.contract.paths import PACKAGE_HOME

    code = ("import sys; from helpers.ingest.sandbox import worker_main; "
            "print(sorted(m for m in ('pandas', 'numpy', 'helpers.ingest.onefile', 'helpers.ingest.records') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(PACKAGE_HOME), "PATH": "/usr/bin:/bin"}).stdout
    assert out.strip() == "[]"
    import helpers.ingest as ingest

    assert callable(ingest.ingest_quarter) and ingest.REJECT_COLUMNS and "ingest_quarter" in ingest.__all__
