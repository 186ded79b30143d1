"""Scorecards: three units' cards from a tmp copy of the sample quarter (a 乡镇 with strive targets, a 街道
whose narrative carries a planted <script>, a bureau asked for by its alias), rendered to HTML and PDF."""

import re
import shutil

import pytest
from pypdf import PdfReader

from helpers.contract.paths import PROJECT_ROOT, safe_name
from helpers.report import scorecards
from helpers.run import cards as batch

QUARTER = "2019Q4"
PLANTED = "<script>alert(1)</script>"
STREET_FILE = "三里湾街道_2019Q4.csv"  # a CSV submission (GBK), easy to edit
ASKED = ["符离镇", "三里湾街道", "区交通局"]  # 区交通局 is an alias of 区交通运输局
CANONICAL = ["符离镇", "三里湾街道", "区交通运输局"]


@pytest.fixture(scope="module")
def cards(tmp_path_factory):
    root = tmp_path_factory.mktemp("cards")
    raw = root / "data" / "raw" / QUARTER
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / QUARTER, raw)
    path = raw / STREET_FILE
    text = path.read_bytes().decode("gbk")
    assert "推动特色产业" in text
    path.write_bytes(text.replace("推动特色产业", PLANTED + "推动特色产业", 1).encode("gbk"))
    result = batch.run_scorecards(QUARTER, units=ASKED, data_dir=root / "data",
                                       reports_dir=root / "reports", workers=1, progress=None)
    return result


def _pdf_text(path) -> tuple[str, int]:
    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_aliases_resolve_and_files_are_named_for_the_registered_unit(cards):
    assert list(cards.files) == CANONICAL
    for unit, (html_path, pdf_path) in cards.files.items():
        assert html_path.name == f"{unit}.html" and pdf_path.name == f"{unit}.pdf"
        assert html_path.parent == cards.folder and cards.folder.parts[-2:] == (QUARTER, "units")


@pytest.mark.parametrize("unit", CANONICAL)
def test_pdf_has_the_unit_its_indicators_rank_and_page_numbers(cards, plan, unit):
    text, pages = _pdf_text(cards.files[unit][1])
    compact = re.sub(r"\s+", "", text)
    assert unit in compact
    for ind in plan.indicators_for(unit):
        assert ind.code in compact, ind.code
    assert "第1页" in compact
    assert ("排第" in compact) or ("不参加综合得分排名" in compact)
    assert pages <= 2


def test_township_card_shows_rank_among_peers_and_strive_targets(cards):
    html = cards.files["符离镇"][0].read_text(encoding="utf-8")
    assert re.search(r"在 25 个乡镇中排第 \d+ 名", html)
    assert "力争目标" in html
    assert "序时进度" in html and "light" in html


def test_bureau_card_shows_the_tasks_it_leads(cards):
    html = cards.files["区交通运输局"][0].read_text(encoding="utf-8")
    assert "牵头任务（按全区数评价）" in html
    assert "T14 行政村通快递率" in html  # task 14 is led by the bureau, reported by the townships


def test_narrative_is_escaped(cards):
    html = cards.files["三里湾街道"][0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()


def test_safe_names():
    assert safe_name("符离镇") == "符离镇"
    odd = ["a/b", "a\\b", "x:y*?", "<con>", "CON", "..", "", "  空 格  ", "名" * 200, "a\nb"]
    names = [safe_name(n) for n in odd]
    for name in names:
        assert name and not re.search(r'[\\/:*?"<>|\s]', name) and not name.startswith(".")
        assert len(name.encode("utf-8")) <= 255
    assert safe_name("CON") != "CON"
    assert len(set(names)) == len(names)
    stems = batch.unique_file_names(["a/b", "a:b", "A_B"])
    assert len({s.lower() for s in stems.values()}) == 3


def test_unknown_unit_is_refused_with_a_suggestion(plan):
    with pytest.raises(ValueError, match="符离镇"):
        scorecards.resolve_units(plan, ["符离"])  # 符离 is not registered; 符离镇 is suggested
    with pytest.raises(ValueError, match="未登记"):
        scorecards.resolve_units(plan, ["不存在的局"])
    assert scorecards.resolve_units(plan, ["符离集镇", "符离镇"]) == ["符离镇"]
    assert len(scorecards.resolve_units(plan, None)) == len(plan.reporters())


def test_a_row_that_was_returned_says_so_on_the_card(tmp_path):
    """A township sent its form but its T01 value (待统计) was not used: T01 is 未报送 (the value is missing,
    docs/evaluation.md), and the card's note says the row was returned, which the new-user test found missing."""
    import openpyxl

    raw = tmp_path / "data" / "raw" / QUARTER
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / QUARTER, raw)
    path = raw / "符离镇_2019Q4.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = next(ws for ws in book.worksheets if any(c.value == "指标代码" for row in ws.iter_rows() for c in row))
    header = next(row for row in sheet.iter_rows() if any(c.value == "指标代码" for c in row))
    code_col = next(c.column for c in header if c.value == "指标代码")
    value_col = next(c.column for c in header if c.value == "累计完成值")
    t01 = next(r for r in range(header[0].row + 1, sheet.max_row + 1) if sheet.cell(r, code_col).value == "T01")
    sheet.cell(t01, value_col).value = "待统计"
    book.save(path)
    ctx = batch.card_context(tmp_path / "data", QUARTER, progress=None)
    table = scorecards.indicator_table(ctx, "符离镇")
    mine = table["指标"].str.startswith("T01 ")
    assert table.loc[mine, "状态"].tolist() == ["未报送"]
    assert scorecards.RETURNED_ROW in table.loc[mine, "备注"].iloc[0]
    assert not table.loc[~mine, "备注"].str.contains("退回").any()
    assert "T01" in scorecards.rejects_table(ctx, "符离镇")["指标"].tolist()
