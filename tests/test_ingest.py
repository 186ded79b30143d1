"""Ingest on real files written by real writers: every format, every layout, every reject of docs/submissions.md.

Every run goes through `ingest`, which also asserts the count invariant of every file and that nothing
under data/raw changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import cli
from helpers.contract.outputs import read_csv
from helpers.ingest import REJECT_COLUMNS, SUBMISSION_COLUMNS, ingest_files, ingest_quarter

from .filewriters import (
    COL,
    HEADER,
    Formula,
    form,
    line,
    non_empty_rows,
    write_csv,
    write_ods,
    write_xls,
    write_xlsx,
    write_xlsx_openpyxl,
)

Q = "2019Q4"
INSTRUCTIONS = [["填报说明"], ["1. 请在“进展填报表”中填写，不要修改表头。"], ["2. 累计完成值：自2019年10月12日起的累计数。"]]
GOOD_LINES = [
    line("T01", "1,234.5", seq=1, measure="万元"),
    line("T02", "１２", seq=2, status="推进中"),
    line("T03A", "约3", seq=3),
    line("T14", 17, denominator=20, seq=4),
    line("T08", None, status="已完成", narrative="已推广", evidence="合作协议3份", seq=5),
    line("T10", None, status="进行中", seq=6),
    line("T11A", "无", seq=7),
    line("T04", None, name="省级电商示范镇", measure="个", seq=8),  # untouched template row: 未填写
]
GOOD_VALUES = {"T01": 1234.5, "T02": 12.0, "T03A": 3.0, "T14": 17.0, "T11A": 0.0}


def tree_hash(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def check_counts(result) -> None:
    """The invariant: every non-empty row of a file's table is accepted, rejected or skipped, once."""
    subs, rejs = result.submissions, result.rejects
    for entry in result.log["files"]:
        assert entry["accepted"] + entry["rejected"] + entry["skipped"] == entry["rows"], entry
        assert sum(entry["skipped_by_reason"].values()) == entry["skipped"], entry
        assert (subs["source_file"] == entry["file"]).sum() == entry["accepted"], entry
        mine = rejs[rejs["source_file"] == entry["file"]]
        assert mine["source_row"].notna().sum() == entry["rejected"], entry
        assert mine["source_row"].isna().sum() == (entry["status"] == "rejected"), entry
    totals = result.log["totals"]
    assert totals["accepted"] == len(subs)
    assert len(rejs) == totals["rejected"] + totals["files_rejected"]
    assert totals["accepted"] + totals["rejected"] + totals["skipped"] == totals["rows"]


@pytest.fixture
def data(tmp_path) -> Path:
    (tmp_path / "raw" / Q).mkdir(parents=True)
    return tmp_path


def ingest(data: Path, files: dict, plan, quarter: str = Q):
    """Write {name: writer(path)} into raw/QUARTER, ingest, check the invariants, return the result."""
    raw = data / "raw" / quarter
    raw.mkdir(parents=True, exist_ok=True)
    for name, writer in files.items():
        writer(raw / name)
    before = tree_hash(data / "raw")
    result = ingest_quarter(quarter, data, plan=plan)
    assert tree_hash(data / "raw") == before, "ingest changed data/raw"
    check_counts(result)
    return result


def entry(result, name: str) -> dict:
    return next(e for e in result.log["files"] if e["file"] == name)


def values(result) -> dict:
    subs = result.submissions
    return {r.indicator: (None if pd.isna(r.value) else r.value) for r in subs.itertuples()}


def reason_of(result, row: int) -> str:
    rej = result.rejects[result.rejects["source_row"] == row]
    assert len(rej) == 1, result.rejects.to_string()
    return rej.iloc[0]["reason"]


# ---------------------------------------------------------------- formats and layouts


def _xlsx(rows):
    return lambda p: write_xlsx(p, {"填报说明": INSTRUCTIONS, "进展填报表": rows})


WRITERS = {
    "xlsx": lambda rows: _xlsx(rows),
    "openpyxl.xlsx": lambda rows: lambda p: write_xlsx_openpyxl(p, {"说明": INSTRUCTIONS, "表": rows}),
    "xls": lambda rows: lambda p: write_xls(p, {"填报说明": INSTRUCTIONS, "进展填报表": rows}),
    "ods": lambda rows: lambda p: write_ods(p, {"填报说明": INSTRUCTIONS, "进展填报表": rows}),
    "utf8.csv": lambda rows: lambda p: write_csv(p, rows, "utf-8"),
    "bom.csv": lambda rows: lambda p: write_csv(p, rows, "utf-8-sig"),
    "gbk.csv": lambda rows: lambda p: write_csv(p, rows, "gbk"),
}


@pytest.mark.parametrize("kind", WRITERS)
def test_every_format_gives_the_same_rows(data, plan, kind):
    rows = form(GOOD_LINES)
    suffix = "." + kind.split(".")[-1]
    name = f"符离镇_2019Q4{suffix}"
    result = ingest(data, {name: WRITERS[kind](rows)}, plan)
    e = entry(result, name)
    assert e["status"] == "ok" and e["unit"] == "符离镇" and e["quarter"] == Q
    assert e["rows"] == non_empty_rows(rows)
    assert e["skipped_by_reason"] == {"未填写": 1, "标题/说明": 2, "表头": 1, "注释/签名": 2}
    assert e["accepted"] == 7 and e["rejected"] == 0
    got = values(result)
    assert {k: got[k] for k in GOOD_VALUES} == GOOD_VALUES
    subs = result.submissions.set_index("indicator")
    assert subs.loc["T14", "denominator"] == 20
    assert subs.loc["T03A", "approximate"] == "true" and subs.loc["T01", "approximate"] == "false"
    assert subs.loc["T10", "status"] == "推进中"
    assert subs.loc["T08", "status"] == "已完成" and subs.loc["T08", "evidence"] == "合作协议3份"
    assert subs.loc["T01", "source_row"] == 5  # title, meta, blank, header → first data row is Excel row 5


def test_merged_title_and_meta_cells_above_the_header(data, plan):
    rows = form(GOOD_LINES[:2])
    merges = {"进展填报表": [(0, 0, 0, len(HEADER) - 1), (1, 0, 1, 2)]}
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"进展填报表": rows}, merges)}, plan)
    assert entry(result, "a.xlsx")["unit"] == "符离镇"
    assert set(values(result)) == {"T01", "T02"}


def test_header_synonyms_spaces_line_breaks_full_width_and_any_order(data, plan):
    header = ["附件", "完成值\n（万元）", "指 标\n编 号", "总数", "状　态", "任务名称", "工作进展", "问题",
              "下步计划", "*计量单位"]
    rows = [["标题"], header,
            [None, "1.2亿元", "T01", None, None, None, "进展顺利", "资金不足", "加大投入"],
            [None, 18, "T14", 20, "推进中"],
            ["台账", None, None, None, "已完成", "推广“电商企业+基地+专业合作社+农户”模式"]]
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"Sheet1": rows})}, plan)
    subs = result.submissions.set_index("indicator")
    assert subs.loc["T01", "value"] == 12000
    assert subs.loc["T01", "narrative"] == "进展顺利" and subs.loc["T01", "problems"] == "资金不足"
    assert subs.loc["T01", "next_steps"] == "加大投入"
    assert subs.loc["T14", "denominator"] == 20
    assert subs.loc["T08", "status"] == "已完成" and subs.loc["T08", "evidence"] == "台账"


def test_key_and_value_in_adjacent_cells_and_a_date_below_the_table(data, plan):
    rows = [["填报单位", "符离镇", None, "报告期:", "2019-Q4"], HEADER, line("T01", 5),
            ["填报日期：", dt.date(2020, 1, 8)]]
    result = ingest(data, {"x.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    e = entry(result, "x.xlsx")
    assert (e["unit"], e["quarter"], e["reported_on"]) == ("符离镇", Q, "2020-01-08")
    assert e["skipped_by_reason"] == {"标题/说明": 1, "表头": 1, "注释/签名": 1}
    assert result.submissions.loc[0, "reported_on"] == "2020-01-08"


def test_an_empty_key_does_not_take_the_next_keys_cell(data, plan):
    rows = [["填报日期：", "填报单位：符离镇", "报告期", "2019Q4"], HEADER, line("T01", 5)]
    result = ingest(data, {"x.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    e = entry(result, "x.xlsx")
    assert (e["unit"], e["quarter"], e["reported_on"], e["warnings"]) == ("符离镇", Q, "", [])


@pytest.mark.parametrize("written", ["2020年1月8日", "2020/1/8", "2020-01-08"])
def test_report_dates_as_text(data, plan, written):
    rows = [[f"填报单位：符离镇 报告期：2019年第四季度 填报日期：{written}"], HEADER, line("T01", 5)]
    result = ingest(data, {"x.csv": lambda p: write_csv(p, rows)}, plan)
    assert entry(result, "x.csv")["reported_on"] == "2020-01-08"


def test_unit_quarter_and_date_as_columns(data, plan):
    header = ["填报单位", "报告期", "填报日期", "指标代码", "累计完成值"]
    rows = [header, ["埇桥区符离镇人民政府", "2019年第4季度", "2020/1/8", "T01", 5],
            ["符离镇", "2019Q4", "2020/1/8", "T02", 4]]
    result = ingest(data, {"汇总.csv": lambda p: write_csv(p, rows, "gbk")}, plan)
    e = entry(result, "汇总.csv")
    assert (e["unit"], e["reported_on"]) == ("符离镇", "2020-01-08")
    assert set(result.submissions["unit"]) == {"符离镇"}


def test_indicator_codes_tolerate_case_and_full_width_and_names_identify(data, plan):
    rows = form([line("ｔ０１", 5), line("t02", 4), line("", 2, name="电商示范村"),
                 line("", 1, name="推广\u201c电商企业+基地+专业合作社+农户\u201d模式", status="推进中")])
    result = ingest(data, {"a.xlsx": _xlsx(rows)}, plan)
    assert set(values(result)) == {"T01", "T02", "T03A", "T08"}


def test_the_unit_of_measure_column_is_never_trusted_over_the_catalogue(data, plan):
    """docs/submissions.md: 计量单位 is "informational; read, never trusted over the catalogue". A bare number
    is in the catalogue's unit; a 计量单位 naming another unit is a note in the log, not a conversion
    (a unit written in the value cell itself still converts)."""
    rows = form([line("T01", 350000, measure="元"), line("T02", 5200, measure="万元"),
                 line("T03A", "3个", measure="元")])
    result = ingest(data, {"a.xlsx": _xlsx(rows)}, plan)
    assert values(result) == {"T01": 350000, "T02": 5200, "T03A": 3}
    assert result.rejects.empty
    warnings = entry(result, "a.xlsx")["warnings"]
    assert any(w.startswith("第5行") and "“元”" in w and "万元" in w for w in warnings), warnings
    assert any(w.startswith("第6行") and "“万元”" in w for w in warnings), warnings


def test_total_rows_and_blank_rows_inside_the_table(data, plan):
    rows = form([line("T01", 5), [], line("T02", 4), [None, None, "合计", None, None, 9]])
    result = ingest(data, {"a.xlsx": _xlsx(rows)}, plan)
    assert entry(result, "a.xlsx")["skipped_by_reason"]["合计"] == 1


def test_milestone_from_status_and_words(data, plan):
    rows = form([line("T09A", None, status="已完成"), line("T09B", "120人")], unit="区人社局")
    result = ingest(data, {"a.xlsx": _xlsx(rows)}, plan)
    assert values(result) == {"T09A": 1.0, "T09B": 120.0}
    assert result.submissions.loc[0, "unit"] == "区人力资源社会保障局"


# ---------------------------------------------------------------- formulas


def test_formula_with_a_cached_value_is_read_by_its_value(data, plan):
    rows = form([line("T01", Formula("100+20.5", 120.5)), line("T02", Formula("SUM(1,2)", 3))])
    assert values(ingest(data, {"a.xlsx": _xlsx(rows)}, plan)) == {"T01": 120.5, "T02": 3}


def test_formula_without_a_cached_value_is_a_reject_naming_the_cell(data, plan):
    rows = form([line("T01", 5), line("T02", Formula("SUM(F5:F5)")), line("T03A", "#DIV/0!")], notes=False)
    name = "a.xlsx"
    result = ingest(data, {name: lambda p: write_xlsx_openpyxl(p, {"表": rows})}, plan)
    assert values(result) == {"T01": 5}
    reason = reason_of(result, 6)
    assert "F6" in reason and "=SUM(F5:F5)" in reason and "没有保存计算结果" in reason
    assert "#DIV/0!" in reason_of(result, 7)  # openpyxl stores it as an error cell (t="e")


# ---------------------------------------------------------------- row rejects


REJECT_CASES = [
    (line("T99", 5), "", ["T99", "不在指标目录"]),
    (line("", 5, name="网络销售额"), "", ["网络销售额", "不在指标目录"]),
    (line("", 5), "", ["指标代码和指标名称均为空"]),
    (line("T13A", 5), "T13A", ["该单位不是此指标的填报单位", "T13A"]),
    (line("T01", "-5"), "T01", ["-5", "负数"]),
    (line("T01", "#REF!"), "T01", ["#REF!"]),
    (line("T01", "3公里"), "T01", ["3公里", "无法换算"]),
    (line("T02", "已完成"), "T02", ["已完成", "不是数字"]),
    (line("T14", 21, denominator=20), "T14", ["21", "20", "大于"]),
    (line("T14", 5), "T14", ["缺少基数"]),
    (line("T14", "85%", denominator=23), "T14", ["85%", "不是整数"]),
    (line("T08", "3", narrative="已推广"), "T08", ["进展状态为空", "3"]),
    (line("T10", None, status="基本完成"), "T10", ["基本完成", "无法识别"]),
    (line("T02", "5公里"), "T02", ["5公里", "无法换算"]),  # a unit in the cell converts or fails; 计量单位 never does
]


def test_every_row_reject_names_its_value(data, plan):
    rows = form([case[0] for case in REJECT_CASES])
    result = ingest(data, {"符离镇_2019Q4.xlsx": _xlsx(rows)}, plan)
    assert result.submissions.empty
    first = 5
    for offset, (_, code, words) in enumerate(REJECT_CASES):
        rej = result.rejects[result.rejects["source_row"] == first + offset].iloc[0]
        assert rej["indicator"] == code and rej["unit"] == "符离镇" and rej["source_sheet"] == "进展填报表"
        for word in words:
            assert word in rej["reason"] + rej["raw_value"], (rej["reason"], words)
    assert entry(result, "符离镇_2019Q4.xlsx")["rejected"] == len(REJECT_CASES)


def test_untouched_rows_are_skipped_as_not_filled(data, plan):
    rows = form([line("T01", None, name="农村产品网络销售额新增", measure="万元", seq=1),
                 line("T14", None, seq=2), line("T13A", None, seq=3), [None, None, None, None, None],
                 line("T02", 4, seq=4)])
    result = ingest(data, {"a.xlsx": _xlsx(rows)}, plan)
    assert entry(result, "a.xlsx")["skipped_by_reason"]["未填写"] == 3
    assert result.rejects.empty and values(result) == {"T02": 4}


# ---------------------------------------------------------------- who and when


def test_unit_in_the_sheet_and_in_the_file_name_disagree(data, plan):
    result = ingest(data, {"芦岭镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES))}, plan)
    rej = result.rejects.iloc[0]
    assert pd.isna(rej["source_row"])
    assert "填报单位不一致" in rej["reason"] and "符离镇" in rej["reason"] and "芦岭镇" in rej["reason"]
    e = entry(result, "芦岭镇_2019Q4.xlsx")
    assert e["status"] == "rejected" and e["skipped_by_reason"] == {"文件被拒收": e["rows"]}


def test_quarter_in_the_sheet_and_in_the_file_name_disagree(data, plan):
    result = ingest(data, {"符离镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES, quarter="2019年第三季度"))}, plan)
    reason = result.rejects.iloc[0]["reason"]
    assert "报告期不一致" in reason and "2019年第三季度" in reason and "2019Q4" in reason


def test_a_file_of_another_quarter_is_rejected(data, plan):
    result = ingest(data, {"符离镇_2019Q3.xlsx": _xlsx(form(GOOD_LINES, quarter="2019年第三季度"))}, plan)
    assert "2019Q3" in result.rejects.iloc[0]["reason"] and "不符" in result.rejects.iloc[0]["reason"]


def test_unknown_unit_suggests_the_closest_names(data, plan):
    result = ingest(data, {"a.xlsx": _xlsx(form(GOOD_LINES, unit="符离乡"))}, plan)
    reason = result.rejects.iloc[0]["reason"]
    assert "符离乡" in reason and "未登记" in reason and "符离镇" in reason


def test_unit_and_quarter_from_the_file_name_alone(data, plan):
    result = ingest(data, {"埇桥区符离镇人民政府_2019年第四季度.xlsx": _xlsx(form(GOOD_LINES, None, None))}, plan)
    assert entry(result, "埇桥区符离镇人民政府_2019年第四季度.xlsx")["unit"] == "符离镇"
    assert len(result.submissions) == 7


def test_no_unit_anywhere(data, plan):
    result = ingest(data, {"附件2_2019Q4.xlsx": _xlsx(form(GOOD_LINES, None, None))}, plan)
    assert "无法确定填报单位" in result.rejects.iloc[0]["reason"]
    assert "附件2" in result.rejects.iloc[0]["reason"]


def test_no_quarter_anywhere_takes_the_folders_with_a_warning(data, plan):
    # the analyst filed it under raw/2019Q4: that is where it belongs, but the log says so
    result = ingest(data, {"符离镇.xlsx": _xlsx(form(GOOD_LINES, quarter=None))}, plan)
    e = entry(result, "符离镇.xlsx")
    assert e["status"] == "ok" and e["quarter"] == Q and len(result.submissions) == 7
    assert any("按所在文件夹的报告期" in w for w in e["warnings"])


def test_unit_found_inside_a_free_file_name(data, plan):
    result = ingest(data, {"大泽乡镇进展填报表（2019年第四季度）.xlsx": _xlsx(form(GOOD_LINES, None, None))}, plan)
    assert entry(result, "大泽乡镇进展填报表（2019年第四季度）.xlsx")["unit"] == "大泽乡镇"
    assert plan.registry.find_in("关于报送商务局四季度进展的函") == "区商务局"
    assert plan.registry.find_in("附件2") is None


def test_a_sample_file_is_marked_in_the_log(data, plan):
    rows = form(GOOD_LINES)
    rows[0] = ["埇桥区农村电商优化升级工作进展填报表（示例数据，非真实统计）"]
    result = ingest(data, {"符离镇_2019Q4.xlsx": _xlsx(rows), "芦岭镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES, "芦岭镇"))},
                    plan)
    assert entry(result, "符离镇_2019Q4.xlsx")["sample"] is True
    assert entry(result, "芦岭镇_2019Q4.xlsx")["sample"] is False


# ---------------------------------------------------------------- duplicates


def test_equal_duplicates_across_files_are_one(data, plan):
    rows = form(GOOD_LINES)
    result = ingest(data, {"符离镇_2019Q4.xlsx": _xlsx(rows), "符离镇_2019Q4(1).csv": lambda p: write_csv(p, rows)},
                    plan)
    assert len(result.submissions) == 7 and result.rejects.empty
    assert set(result.submissions["source_file"]) == {"符离镇_2019Q4(1).csv"}  # the first in name order
    assert entry(result, "符离镇_2019Q4.xlsx")["skipped_by_reason"]["重复（已合并）"] == 7


def test_conflicting_duplicates_are_all_rejected_naming_each_other(data, plan):
    first = form([line("T01", 100), line("T02", 4)])
    second = form([line("T01", 120), line("T02", 4)])
    result = ingest(data, {"a.xlsx": _xlsx(first), "b.xlsx": _xlsx(second)}, plan)
    assert list(result.submissions["indicator"]) == ["T02"]
    conflicts = result.rejects[result.rejects["reason"].str.startswith("数据冲突")]
    assert len(conflicts) == 2 and set(conflicts["source_file"]) == {"a.xlsx", "b.xlsx"}
    a = conflicts[conflicts["source_file"] == "a.xlsx"].iloc[0]["reason"]
    assert "b.xlsx" in a and "100" in a and "120" in a


def test_duplicates_within_one_file(data, plan):
    rows = form([line("T01", 5), line("T01", "5"), line("T02", 1), line("T02", 2)])
    result = ingest(data, {"a.xlsx": _xlsx(rows)}, plan)
    e = entry(result, "a.xlsx")
    assert e["accepted"] == 1 and e["rejected"] == 2 and e["skipped_by_reason"]["重复（已合并）"] == 1
    assert "第8行" in reason_of(result, 7)


# ---------------------------------------------------------------- files that cannot be read


def _fake_encrypted(path: Path) -> None:
    sector = bytearray(b"\x00" * 512)
    sector[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    path.write_bytes(bytes(sector) + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)


@pytest.mark.parametrize("name, writer, words", [
    ("corrupt.xlsx", lambda p: p.write_bytes(b"PK\x03\x04 this is not a workbook"), ["损坏"]),
    ("encrypted.xlsx", _fake_encrypted, ["加密"]),
    ("empty.xlsx", lambda p: p.write_bytes(b""), ["为空"]),
    ("blank.xlsx", lambda p: write_xlsx(p, {"Sheet1": []}), ["没有任何内容"]),
    ("noheader.xlsx", lambda p: write_xlsx(p, {"Sheet1": [["随便写点什么"], [1, 2]]}), ["表头"]),
    ("report.docx", lambda p: p.write_bytes(b"PK\x03\x04docx"), [".docx", "不支持"]),
    ("twice.xlsx", lambda p: write_xlsx(p, {"S": [["指标代码", "完成值", "累计完成值"]]}), ["出现两次"]),
])
def test_a_bad_file_is_one_reject_and_the_others_still_ingest(data, plan, name, writer, words):
    result = ingest(data, {name: writer, "符离镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES))}, plan)
    assert len(result.submissions) == 7
    rej = result.rejects[result.rejects["source_file"] == name]
    assert len(rej) == 1 and pd.isna(rej.iloc[0]["source_row"])
    for word in words:
        assert word in rej.iloc[0]["reason"]


def test_an_oversize_file_is_rejected_without_reading(data, plan):
    small = dataclasses.replace(plan, params=plan.params.replace(max_file_mb=0.001))  # 1,048 bytes
    tiny = [["指标代码", "累计完成值"], ["T01", 5]]
    result = ingest(data, {"符离镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES)),
                           "芦岭镇_2019Q4.csv": lambda p: write_csv(p, tiny)}, small)
    assert list(result.rejects["source_file"]) == ["符离镇_2019Q4.xlsx"]
    assert "文件过大" in result.rejects.iloc[0]["reason"] and "上限 1.0 KB" in result.rejects.iloc[0]["reason"]
    assert list(result.submissions["unit"]) == ["芦岭镇"]


def test_hidden_lock_and_readme_files_are_ignored(data, plan):
    files = {"符离镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES)), "~$符离镇_2019Q4.xlsx": lambda p: p.write_bytes(b"x"),
             ".DS_Store": lambda p: p.write_bytes(b"x"), "README.md": lambda p: p.write_text("说明")}
    result = ingest(data, files, plan)
    assert result.log["ignored"] == [".DS_Store", "README.md", "~$符离镇_2019Q4.xlsx"]
    assert result.log["totals"]["files"] == 1 and result.log["totals"]["files_ignored"] == 3


# ---------------------------------------------------------------- outputs


def test_outputs_are_deterministic_with_the_contract_columns(data, plan):
    files = {"符离镇_2019Q4.xlsx": _xlsx(form(GOOD_LINES)),
             "芦岭镇_2019Q4.csv": lambda p: write_csv(p, form([line("T01", 7), line("T99", 1)], unit="芦岭镇")),
             "bad.xlsx": lambda p: p.write_bytes(b"junk")}
    ingest(data, files, plan)
    out = data / "processed" / Q
    first = {name: (out / name).read_bytes() for name in ("submissions.csv", "rejects.csv", "ingest_log.json")}
    ingest_quarter(Q, data, plan=plan)
    assert first == {name: (out / name).read_bytes() for name in first}
    assert first["submissions.csv"].startswith(b"\xef\xbb\xbf")
    subs, rejs = read_csv(out / "submissions.csv"), read_csv(out / "rejects.csv")
    assert list(subs.columns) == SUBMISSION_COLUMNS and list(rejs.columns) == REJECT_COLUMNS
    assert list(subs["unit"].drop_duplicates()) == ["符离镇", "芦岭镇"]  # registry order
    assert set(subs["approximate"]) == {"true", "false"}
    assert list(rejs["source_file"]) == ["bad.xlsx", "芦岭镇_2019Q4.csv"]
    log = json.loads(first["ingest_log.json"])
    assert [f["file"] for f in log["files"]] == sorted(files)
    assert {"file", "sha256", "size", "unit", "quarter", "reported_on", "sheet", "status", "reason", "rows",
            "accepted", "rejected", "skipped", "skipped_by_reason"} <= set(log["files"][0])
    assert str(dt.date.today().year) + "-" not in first["ingest_log.json"].decode()  # no run time recorded


def test_ingest_files_writes_nothing(tmp_path, plan):
    path = _xlsx(form(GOOD_LINES))(tmp_path / "符离镇_2019Q4.xlsx")
    before = sorted(tmp_path.rglob("*"))
    result = ingest_files([path], Q, plan)
    check_counts(result)
    assert sorted(tmp_path.rglob("*")) == before and len(result.submissions) == 7
    assert "读取 1 个" in result.summary()


def test_cli_ingest_prints_the_summary(data, plan, capsys):
    _xlsx(form(GOOD_LINES))(data / "raw" / Q / "符离镇_2019Q4.xlsx")
    assert cli.main(["ingest", Q, "--data", str(data)]) == 0
    assert "接收 7" in capsys.readouterr().out


def test_a_missing_raw_folder_is_a_plain_error(tmp_path, plan):
    with pytest.raises(ValueError, match="没有找到报送文件夹"):
        ingest_quarter(Q, tmp_path, plan=plan)


def test_col_layout_matches_header():
    assert HEADER[COL["累计完成值"]] == "累计完成值"


def test_column_letters_and_column_index_are_inverses():
    from helpers.ingest.readers import column_index, column_letters

    assert [column_letters(i) for i in (0, 12, 25, 26, 701, 702)] == ["A", "M", "Z", "AA", "ZZ", "AAA"]
    assert all(column_index(column_letters(i)) == i for i in range(800))
