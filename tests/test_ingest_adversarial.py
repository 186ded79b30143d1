"""Ingest against files as other writers and other people make them: the cases test_ingest.py does not
cover, each one a defect found by trying it (docs/submissions.md is the contract)."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from .filewriters import HEADER, form, line, write_csv, write_xlsx
from .test_ingest import Q, entry, ingest, reason_of, values


@pytest.fixture
def data(tmp_path) -> Path:
    (tmp_path / "raw" / Q).mkdir(parents=True)
    return tmp_path


def _sheet(book, name: str, rows: list[list]):
    sheet = book.create_sheet(name)
    for row in rows:
        sheet.append(row)
    return sheet


# ---------------------------------------------------------------- finding the table


def test_a_two_row_header_with_merged_cells_keeps_every_column(data, plan):
    """序号, 指标代码 and 进展状态 merged down two rows, "完成情况" merged across 累计完成值 and 基数 below it:
    the values under the second header row were read as empty and the rows skipped as 未填写."""
    def write(path):
        book = xlsxwriter.Workbook(str(path))
        s = book.add_worksheet("进展填报表")
        s.merge_range(0, 0, 0, 4, "埇桥区农村电商工作进展填报表")
        s.write(1, 0, "填报单位：符离镇")
        s.merge_range(2, 0, 3, 0, "序号")
        s.merge_range(2, 1, 3, 1, "指标代码")
        s.merge_range(2, 2, 2, 3, "完成情况")
        s.write_row(3, 2, ["累计完成值", "基数"])
        s.merge_range(2, 4, 3, 4, "进展状态")
        s.write_row(4, 0, [1, "T01", 5])
        s.write_row(5, 0, [2, "T14", 17, 20])
        s.write_row(6, 0, [3, "T08", None, None, "已完成"])
        book.close()
    result = ingest(data, {"符离镇_2019Q4.xlsx": write}, plan)
    e = entry(result, "符离镇_2019Q4.xlsx")
    assert e["skipped_by_reason"] == {"标题/说明": 2, "表头": 2}
    assert values(result) == {"T01": 5, "T14": 17, "T08": None}
    subs = result.submissions.set_index("indicator")
    assert subs.loc["T14", "denominator"] == 20 and subs.loc["T08", "status"] == "已完成"


def test_a_header_split_over_two_rows_where_neither_row_is_a_header_alone(data, plan):
    rows = [["填报单位：符离镇"], ["指标代码", "完成情况", None], [None, "累计完成值", "进展状态"],
            ["T01", 5, None], ["T10", None, "推进中"]]
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T01": 5, "T10": None}
    assert entry(result, "符离镇_2019Q4.xlsx")["skipped_by_reason"] == {"标题/说明": 1, "表头": 2}


def test_a_hidden_sheet_of_drop_down_lists_is_not_the_table(data, plan):
    """A hidden first sheet listing 指标代码 / 指标名称 / 进展状态 for the drop-downs was taken for the table,
    its list rows accepted as the unit's statuses."""
    def write(path):
        book = openpyxl.Workbook()
        lists = book.active
        lists.title = "lists"
        for row in (["指标代码", "指标名称", "进展状态"], ["T01", "农村产品网络销售额新增", "未启动"],
                    ["T02", "新培育工商注册电商经营主体", "推进中"], ["T03A", "电商示范村", "已完成"]):
            lists.append(row)
        lists.sheet_state = "hidden"
        _sheet(book, "进展填报表", form([line("T01", 5), line("T02", 4)]))
        book.save(path)
    result = ingest(data, {"符离镇_2019Q4.xlsx": write}, plan)
    assert entry(result, "符离镇_2019Q4.xlsx")["sheet"] == "进展填报表"
    assert values(result) == {"T01": 5, "T02": 4}
    assert entry(result, "符离镇_2019Q4.xlsx")["warnings"] == []  # a hidden list sheet is no second table


def test_an_instructions_sheet_showing_the_header_alone_is_not_the_table(data, plan):
    instructions = [["填报说明"], ["请按下列表头填写，不要改动："], ["指标代码", "累计完成值", "进展状态"],
                    ["注：累计完成值为2019年10月12日以来的累计数。"]]
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(
        p, {"填报说明": instructions, "进展填报表": form([line("T01", 5)])})}, plan)
    assert entry(result, "符离镇_2019Q4.xlsx")["sheet"] == "进展填报表"
    assert values(result) == {"T01": 5}


def test_an_instructions_sheet_listing_header_synonyms_is_not_a_repeated_column(data, plan):
    """A row naming 累计完成值 and its synonym 完成值 is not a header (no 指标代码): no "出现两次" reject."""
    instructions = [["填报说明"], ["累计完成值", "完成值", "完成数", "均可"]]
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(
        p, {"填报说明": instructions, "进展填报表": form([line("T01", 5)])})}, plan)
    assert entry(result, "符离镇_2019Q4.xlsx")["status"] == "ok" and values(result) == {"T01": 5}


# ---------------------------------------------------------------- formulas


def test_xlsxwriter_formula_saved_without_a_value_is_not_zero(data, plan):
    """xlsxwriter stores 0 as the result of a formula given no value (and flags the book for recalculation):
    read as 0, an unknown value became a zero."""
    def write(path):
        book = xlsxwriter.Workbook(str(path))
        s = book.add_worksheet("表")
        for r, row in enumerate(form([line("T01"), line("T02"), line("T03A")], notes=False)):
            for c, cell in enumerate(row):
                if cell is not None:
                    s.write(r, c, cell)
        col = HEADER.index("累计完成值")
        s.write_formula(4, col, "=100+20", None, 120)
        s.write_formula(5, col, "=SUM(1,2)")  # no value: xlsxwriter saves 0
        s.write_formula(6, col, "=7-4", None, 3)
        book.close()
    result = ingest(data, {"符离镇_2019Q4.xlsx": write}, plan)
    assert values(result) == {"T01": 120, "T03A": 3}
    reason = reason_of(result, 6)
    assert "F6" in reason and "=SUM(1,2)" in reason and "没有保存计算结果" in reason


# ---------------------------------------------------------------- forms with nothing in them


@pytest.mark.parametrize("lines, words", [
    ([], ["只有表头"]),
    ([line("T01", None, seq=1), line("T02", None, seq=2), [3]], ["没有填写任何数据", "3 行"]),
])
def test_a_form_with_nothing_filled_in_is_a_file_reject(data, plan, lines, words):
    """Read as a file without a row, it counted as sent (按时) in the reporting table though the unit sent
    nothing; it is an empty file, returned to the unit (docs/submissions.md: empty → one file-level reject)."""
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": form(lines)}),
                           "芦岭镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": form([line("T01", 5)], "芦岭镇")})},
                    plan)
    e = entry(result, "符离镇_2019Q4.xlsx")
    assert e["status"] == "rejected" and e["unit"] == "符离镇"
    assert e["skipped_by_reason"] == {"文件被拒收": e["rows"]}
    rej = result.rejects[result.rejects["source_file"] == "符离镇_2019Q4.xlsx"].iloc[0]["reason"]
    assert all(w in rej for w in words), rej
    assert list(result.submissions["unit"]) == ["芦岭镇"]


# ---------------------------------------------------------------- values


def test_a_unit_of_measure_that_only_describes_the_catalogue_unit_is_not_a_reject(data, plan):
    """计量单位 is informational (docs/submissions.md): '个（家）', '人次', 'km' rejected good numbers as 无法换算."""
    rows = form([line("T01", 5, measure="万元（人民币）"), line("T02", 4, measure="个（家）"),
                 line("T03A", 2, measure="个/村"), line("T11A", 3, measure="场次"),
                 line("T05", 350000, measure="元"), line("T06", 2, measure="公里")])
    bureau = form([line("T13A", 600, measure="km")], unit="区交通局")
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": rows}),
                           "区交通局_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": bureau})}, plan)
    assert values(result) == {"T01": 5, "T02": 4, "T03A": 2, "T11A": 3, "T05": 350000, "T06": 2, "T13A": 600}
    assert result.rejects.empty
    noted = " ".join(entry(result, "符离镇_2019Q4.xlsx")["warnings"])
    assert "第9行" in noted and "第10行" in noted and "第5行" not in noted and "第6行" not in noted


def test_a_ratio_typed_as_a_rate_is_a_reject_not_a_fraction_of_a_village(data, plan):
    """0.85 in a cell formatted 85% was accepted as 0.85 villages out of 20 (a 4% rate)."""
    rows = form([line("T14", 0.85, denominator=20), line("T15", 18, denominator=20)])
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T15": 18}
    assert "0.85" in reason_of(result, 5) and "不是整数" in reason_of(result, 5)


# ---------------------------------------------------------------- layout words


def test_total_rows_with_a_colon_or_brackets_and_a_stamp_mark_after_the_unit(data, plan):
    """'合计：' and '合计（万元）' were data rows rejected for lacking an indicator; '符离镇（盖章）' an unknown unit."""
    rows = form([line("T01", 5, seq=1), line("T02", 4, seq=2), ["合计：", None, None, None, None, 9],
                 [None, None, "合计（万元）", None, None, 5]], unit="符离镇（盖章）")
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    e = entry(result, "a.xlsx")
    assert e["unit"] == "符离镇" and e["skipped_by_reason"]["合计"] == 2
    assert values(result) == {"T01": 5, "T02": 4} and result.rejects.empty


@pytest.mark.parametrize("numbers", [
    ["甲", "乙", "丙", "丁", 1, 2, 3, 4, 5, 6, 7, 8],
    ["栏次", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"],
])
def test_a_column_number_row_under_the_header_is_part_of_it(data, plan, numbers):
    """The 栏次 row of official forms (甲 乙 … 1 2 3 …) was read as data and rejected (指标代码“乙”)."""
    rows = form([numbers, line("T01", 5), line("T02", 4)])
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert result.rejects.empty and values(result) == {"T01": 5, "T02": 4}
    assert entry(result, "符离镇_2019Q4.xlsx")["skipped_by_reason"]["表头"] == 2


def test_indicator_codes_without_the_leading_zero(data, plan):
    rows = form([line("T1", 5), line("t3a", 2), line("Ｔ２", 4), line("T18", 1)])
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T01": 5, "T03A": 2, "T02": 4}
    assert "T18" in reason_of(result, 8) and "不在指标目录" in reason_of(result, 8)


# ---------------------------------------------------------------- CSV


def test_csv_whose_title_line_has_a_semicolon_and_no_comma(data, plan):
    """The delimiter was guessed from the first line alone: a hand-typed title with ';' split every row on ';'."""
    text = "填报单位：符离镇;报告期：2019Q4\r\n指标代码,累计完成值,进展情况\r\nT01,5,\"一;二\"\r\nT02,4,x\r\n"
    result = ingest(data, {"a.csv": lambda p: p.write_bytes(text.encode("gbk"))}, plan)
    e = entry(result, "a.csv")
    assert (e["status"], e["unit"], e["quarter"]) == ("ok", "符离镇", Q)
    assert values(result) == {"T01": 5, "T02": 4}
    assert result.submissions.set_index("indicator").loc["T01", "narrative"] == "一;二"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_quoted_commas_quotes_line_breaks_and_characters_outside_gbk(data, plan, encoding):
    narrative = '埇桥区𠀀，"示范村",已建成\n第二行'
    rows = form([line("T01", 5, narrative=narrative), line("T02", 4)], unit="埇桥区符离镇人民政府")
    result = ingest(data, {"符离镇_2019Q4.csv": lambda p: write_csv(p, rows, encoding)}, plan)
    assert values(result) == {"T01": 5, "T02": 4}
    assert result.submissions.set_index("indicator").loc["T01", "narrative"] == narrative


def test_a_gbk_csv_with_a_stray_utf8_bom_is_read(data, plan):
    """Some editors put a UTF-8 byte-order mark before text they save as GBK: the mark is dropped, the text read."""
    text = "填报单位：符离镇\r\n报告期：2019Q4\r\n指标代码,累计完成值,进展情况\r\nT01,5,已建成示范村\r\nT02,4,x\r\n"
    result = ingest(data, {"符离镇_2019Q4.csv": lambda p: p.write_bytes(b"\xef\xbb\xbf" + text.encode("gbk"))}, plan)
    e = entry(result, "符离镇_2019Q4.csv")
    assert (e["status"], e["unit"], e["quarter"]) == ("ok", "符离镇", Q)
    assert values(result) == {"T01": 5, "T02": 4}
    assert result.submissions.set_index("indicator").loc["T01", "narrative"] == "已建成示范村"


def test_a_second_filled_sheet_is_not_read_but_named_in_the_log(data, plan):
    """One table per file (the first), but a second filled table must not vanish unseen."""
    def write(path):
        book = openpyxl.Workbook()
        _sheet(book, "表1", form([line("T01", 100)]))
        _sheet(book, "表2", form([line("T02", 5)]))
        del book[book.sheetnames[0]]
        book.save(path)
    result = ingest(data, {"符离镇_2019Q4.xlsx": write}, plan)
    e = entry(result, "符离镇_2019Q4.xlsx")
    assert e["sheet"] == "表1" and values(result) == {"T01": 100}
    assert any("“表2”也有填报表" in w for w in e["warnings"])


# ---------------------------------------------------------------- a second writer's files (review, issue 3)


def test_a_file_name_in_gbk_bytes_is_read_and_named_readably(data, plan):
    """A zip made on Chinese Windows, unpacked on Linux: the name's bytes are GBK. Writing the outputs
    crashed (UnicodeEncodeError) and the whole quarter was lost."""
    import os

    raw = data / "raw" / Q
    gbk = os.fsdecode("灰古镇_2019Q4.xlsx".encode("gbk"))
    write_xlsx(raw / gbk, {"表": form([line("T01", 7)], unit=None, quarter=None)})
    result = ingest(data, {"芦岭镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": form([line("T01", 5)], unit="芦岭镇")})},
                    plan)
    e = entry(result, "灰古镇_2019Q4.xlsx")
    assert e["status"] == "ok" and e["unit"] == "灰古镇"
    assert any("不是 UTF-8" in w for w in e["warnings"])
    assert sorted(result.submissions["unit"]) == ["灰古镇", "芦岭镇"]
    assert "灰古镇_2019Q4.xlsx" in (data / "processed" / Q / "submissions.csv").read_text(encoding="utf-8-sig")


def test_a_file_that_cannot_be_opened_is_one_file_reject(data, plan, monkeypatch):
    """read_bytes sat outside the try: a file without read permission stopped the run. The reason is
    Chinese (issue 19: no English system text in a reject reason)."""
    import os

    real = os.open

    def denied(path, *args, **kwargs):  # denied to ingest only: the test's own hashing of data/raw still reads it
        if Path(path).name.startswith("符离镇") and sys._getframe(1).f_globals.get("__name__", "").startswith("helpers.ingest"):
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": form([line("T01", 7)])}),
                           "芦岭镇_2019Q4.xlsx": lambda p: write_xlsx(p, {"表": form([line("T01", 5)], unit="芦岭镇")})},
                    plan)
    e = entry(result, "符离镇_2019Q4.xlsx")
    assert e["status"] == "rejected" and "无法读取文件" in e["reason"] and "没有读取权限" in e["reason"]
    assert list(result.submissions["unit"]) == ["芦岭镇"]


@pytest.mark.parametrize("names", [("a.xlsx", "b.xlsx"), ("b.xlsx", "a.xlsx")])
def test_equal_duplicates_merge_without_a_winner_by_file_order(data, plan, names):
    """Two files, same 已完成 for T08, evidence in one only: the result depended on which name sorted first."""
    with_evidence, without = names
    result = ingest(data, {
        with_evidence: lambda p: write_xlsx(p, {"表": form([line("T08", status="已完成", evidence="推广方案.pdf",
                                                                  narrative="已推广")])}),
        without: lambda p: write_xlsx(p, {"表": form([line("T08", status="已完成", narrative="基本完成推广")])}),
    }, plan)
    assert len(result.submissions) == 1
    row = result.submissions.iloc[0]
    assert row["evidence"] == "推广方案.pdf" and row["narrative"] == "基本完成推广；已推广"
    assert sum(e["skipped_by_reason"].get("重复（已合并）", 0) for e in result.log["files"]) == 1


def test_conflicting_duplicates_show_what_each_unit_wrote(data, plan):
    result = ingest(data, {
        "a.xlsx": lambda p: write_xlsx(p, {"表": form([line("T01", "1.2亿元")])}),
        "b.xlsx": lambda p: write_xlsx(p, {"表": form([line("T01", "约5,000万元")])}),
    }, plan)
    assert sorted(result.rejects["raw_value"]) == ["1.2亿元", "约5,000万元"]
    assert all("数据冲突" in r for r in result.rejects["reason"])


def test_a_row_with_words_but_no_value_is_a_reject_keeping_its_words(data, plan):
    """Only 进展情况/存在问题/佐证材料 filled: it was skipped as 未填写 and its words were lost."""
    rows = form([line("T01", None, narrative="正在统计", evidence="统计表"), line("T02", 4),
                 line("T04", None, denominator=3)])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T02": 4}
    rej = result.rejects.set_index("source_row")
    assert rej.loc[5, "indicator"] == "T01" and "正在统计" in rej.loc[5, "raw_value"] and "统计表" in rej.loc[5, "raw_value"]
    assert "按未报送处理" in rej.loc[5, "reason"]
    assert rej.loc[7, "indicator"] == "T04" and "不是比率指标" in rej.loc[7, "reason"]


def test_values_read_but_not_used_are_named_in_the_log(data, plan):
    """基数 on a count indicator, and a value typed past the last headed column, vanished silently."""
    stray = line("T03A", 2)
    stray.append("推进中")  # column M: no header above it
    rows = form([line("T02", 4, denominator=25), stray])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T02": 4, "T03A": 2}
    warnings = entry(result, "a.xlsx")["warnings"]
    assert any(w.startswith("第5行") and "基数“25”未读取" in w for w in warnings), warnings
    assert any(w.startswith("第M列没有表头，第6行") and "推进中" in w for w in warnings), warnings


def test_a_column_without_header_is_one_warning_not_one_per_row(data, plan):
    rows = form([line("T01", 5), line("T02", 4), line("T03A", 2)])
    for r in rows[4:7]:
        r.append("备注")
    warnings = entry(ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan), "a.xlsx")["warnings"]
    assert [w for w in warnings if "没有表头" in w] == ["第M列没有表头，第5、6、7行在该列的内容（如“备注”）未读取"]


def test_a_total_row_with_a_dash_for_its_name_is_still_a_total(data, plan):
    rows = form([line("T01", 5), ["合计", "/", "—", None, None, 5]])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T01": 5} and result.rejects.empty
    assert entry(result, "a.xlsx")["skipped_by_reason"]["合计"] == 1


def test_words_for_an_indicator_the_unit_does_not_report_are_a_not_reporter_reject(data, plan):
    rows = form([line("T01", 5), line("T13A", None, narrative="不涉及")])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert "该单位不是此指标的填报单位" in reason_of(result, 6)


def test_a_hidden_list_sheet_never_beats_the_visible_form(data, plan):
    """Hidden drop-down lists with 指标代码/进展状态 columns were read as the unit's statuses when the
    visible form was untouched."""
    import openpyxl

    def write(path):
        book = openpyxl.Workbook()
        form_sheet = book.active
        form_sheet.title = "进展填报表"
        for row in form([line("T01", None, name="农村产品网络销售额新增", measure="万元")]):
            form_sheet.append(row)
        lists = book.create_sheet("lists")
        for row in [["指标代码", "指标名称", "进展状态"], ["T01", "农村产品网络销售额新增", "未启动"],
                    ["T08", "推广模式", "已完成"]]:
            lists.append(row)
        lists.sheet_state = "hidden"
        book.save(path)

    result = ingest(data, {"符离镇_2019Q4.xlsx": write}, plan)
    assert result.submissions.empty
    e = entry(result, "符离镇_2019Q4.xlsx")
    assert e["status"] == "rejected" and "没有填写任何数据" in e["reason"]


def test_a_total_word_in_the_number_column_does_not_hide_a_data_row(data, plan):
    rows = form([line("T01", 5200, seq="合计"), [None, None, "合计", None, None, 5200]])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"表": rows})}, plan)
    assert values(result) == {"T01": 5200}
    assert entry(result, "a.xlsx")["skipped_by_reason"]["合计"] == 1


def test_an_instructions_sheet_with_an_example_row_is_not_the_submission(data, plan):
    """填报说明 before the form, showing the header with an example value: the example was read as data."""
    example = form([line("T01", 1234.5, narrative="示例：按实际填写")], unit=None, quarter=None, notes=False)
    rows = form([line("T01", 66)])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"填报说明（示例）": example, "进展填报表": rows})}, plan)
    assert values(result) == {"T01": 66}
    e = entry(result, "a.xlsx")
    assert e["sheet"] == "进展填报表" and any("填报说明（示例）" in w for w in e["warnings"])


def test_an_untouched_template_sheet_before_the_filled_copy_is_passed_over(data, plan):
    """A blank copy of the template first, the filled copy second: the file was rejected as empty."""
    blank = form([line("T01", None, name="农村产品网络销售额新增", measure="万元"),
                  line("T02", None, measure="个")])
    filled = form([line("T01", 5200), line("T02", 4)])
    result = ingest(data, {"a.xlsx": lambda p: write_xlsx(p, {"Sheet1": blank, "Sheet2": filled})}, plan)
    assert values(result) == {"T01": 5200, "T02": 4}
    assert entry(result, "a.xlsx")["sheet"] == "Sheet2"


def test_a_corrupt_file_is_returned_to_the_unit_its_name_gives(data, plan):
    """A file nothing could be read from had no unit in rejects.csv, so its sender read 未报送
    rather than 文件被退回."""
    result = ingest(data, {"符离镇_2019Q4.xlsx": lambda p: p.write_bytes(b"not a workbook at all"),
                           "不知是谁.xlsx": lambda p: p.write_bytes(b"")}, plan)
    assert entry(result, "符离镇_2019Q4.xlsx")["unit"] == "符离镇"
    rejects = result.rejects.set_index("source_file")
    assert rejects.loc["符离镇_2019Q4.xlsx", "unit"] == "符离镇"
    assert rejects.loc["不知是谁.xlsx", "unit"] == ""
    assert result.log["totals"]["units"] == []  # returned, not received
