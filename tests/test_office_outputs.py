"""What the office sends on (docs/outputs.md): its 评估意见, the report as .docx, the Excel 汇总表, notices.

Fast tests build small documents directly; the slow ones share one run of the sample quarter with a
commentary file (and verify's re-run of it, which is the second run for byte identity).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from helpers.contract.paths import PROJECT_ROOT
from helpers.plan.params import Params
from helpers.report import commentary, docx_report, figures, notices

Q = "2019Q4"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

DRAFTED = """# 2019Q4 评估意见
<!-- 说明：这一段不应出现在报告中 -->
## 总体评价

全区工作总体有序推进，
但网络销售额滞后。

## 存在问题

- 部分乡镇<script>alert(1)</script>未按时报送
- 示范村建设偏慢

## 下一步工作建议

1. 督促滞后单位制定整改计划
2. 下季度初开展专项督查

## 单位意见

### 大营镇

请大营镇核对指标代码后补报。

### 夹沟镇

夹沟镇得分偏低，请说明原因。
"""


# ---------------------------------------------------------------- commentary (fast)


def test_commentary_sections_units_lists_and_notes():
    c = commentary.parse(DRAFTED)
    assert list(c.sections) == ["总体评价", "存在问题", "下一步工作建议"]
    assert c.sections["总体评价"][0].items == ["全区工作总体有序推进，但网络销售额滞后。"]
    assert c.sections["存在问题"][0].kind == "ul" and len(c.sections["存在问题"][0].items) == 2
    assert c.sections["下一步工作建议"][0].kind == "ol"
    assert list(c.units) == ["大营镇", "夹沟镇"]
    assert "这一段不应出现" not in repr(c)  # <!-- notes --> never reach the report


def test_commentary_html_is_escaped_and_marked_as_the_office_s_opinion():
    out = commentary.section_html(commentary.parse(DRAFTED), "某区电子商务发展工作领导小组办公室")
    assert "<script>" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert out.startswith('<section class="commentary"><h2>评估意见</h2>')
    assert "某区电子商务发展工作领导小组办公室的评估意见" in out
    assert "<h3>（四）单位意见</h3>" in out and "<h4>大营镇</h4>" in out
    assert commentary.unit_html(commentary.parse(DRAFTED), "夹沟镇").count("<p>") == 1
    assert commentary.unit_html(commentary.parse(DRAFTED), "符离镇") == ""


def test_no_file_or_only_notes_gives_no_section(tmp_path):
    assert commentary.load(tmp_path, Q) is None
    commentary.path(tmp_path, Q).parent.mkdir(parents=True)
    commentary.path(tmp_path, Q).write_text("## 总体评价\n\n<!-- 请填写 -->\n## 存在问题\n", encoding="utf-8")
    assert commentary.load(tmp_path, Q) is None


def test_the_commentary_folder_is_data_not_code():
    """Editing data/commentary/<quarter>.md must leave a run `dirty: false`."""
    from helpers.audit.manifest import code_revision

    if code_revision() is None:
        pytest.skip("not a git checkout")
    probe = PROJECT_ROOT / "data" / "commentary" / "_probe_9999Q9.md"
    made = not probe.parent.exists()
    probe.parent.mkdir(exist_ok=True)
    try:
        probe.write_text("## 总体评价\n\n测试\n", encoding="utf-8")
        assert not any("commentary" in f for f in code_revision()["changed_files"])
    finally:
        probe.unlink()
        if made:
            probe.parent.rmdir()


# ---------------------------------------------------------------- numbers (fast)


@pytest.mark.parametrize("x, text", [(10644.5, "1.06亿元"), (15000, "1.5亿元"), (644.5, "644.5万元"),
                                     (9000, "9000万元"), (10000, "1亿元"), (float("nan"), "—")])
def test_amounts_in_sentences(x, text):
    assert figures.amount(x) == text


def test_counts_and_rates():
    assert figures.count(12, "个") == "12个" and figures.count(1250, "人") == "1,250人"
    assert figures.rate(0.7096) == "71.0%"


# ---------------------------------------------------------------- docx (fast)

SMALL_HTML = """<main class="report"><section class="cover"><h1>某区评估报告</h1><p class="subtitle">2019年第四季度</p>
<dl><div><dt>报告期</dt><dd>2019Q4</dd></div></dl></section>
<nav class="toc"><p class="toc-title">目录</p><ol><li class="toc-h2"><a href="#a">一、总体情况</a></li></ol></nav>
<h2>一、总体情况</h2><p>全区网络销售额新增1.06亿元。</p>
<table class="report-table"><caption>主要指标</caption><colgroup><col style="width:60%"><col style="width:40%"></colgroup>
<thead><tr><th class="text">指标</th><th class="num">完成率</th></tr></thead>
<tbody><tr><td class="text">网络销售额</td><td class="num">71.0%</td></tr>
<tr><td class="text">示范村</td><td class="status"><span class="light" style="color:#f2b134">▲</span> 滞后</td></tr></tbody></table>
<img class="chart" style="width:300px" src="data:image/png;base64,{png}">
<h3>（一）乡镇</h3><ul><li>第一条</li></ul></main>"""


def _png() -> str:
    import base64

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def test_docx_has_headings_fonts_a4_page_numbers_header_rows_and_images():
    import docx

    data = docx_report.html_to_docx(SMALL_HTML.replace("{png}", _png()), title="t", author="办公室",
                                    when=dt.date(2019, 12, 31))
    d = docx.Document(io.BytesIO(data))
    styles = [p.style.name for p in d.paragraphs if p.text.strip()]
    assert "Title" in styles and "Heading 1" in styles and "Heading 2" in styles and "Caption" in styles
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == ["一、总体情况"]
    assert any("1.06亿元" in p.text for p in d.paragraphs)
    s = d.sections[0]
    assert abs(s.page_width.cm - 21.0) < 0.01 and abs(s.page_height.cm - 29.7) < 0.01
    assert "PAGE" in s.footer._element.xml
    assert len(d.tables) == 1 and d.tables[0].cell(2, 1).text.strip() == "▲ 滞后"
    assert d.tables[0].rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    assert len(d.inline_shapes) == 1
    runs = list(d.element.body.iter(f"{W}r")) + list(s.footer._element.iter(f"{W}r"))
    assert len(runs) > 20 and all(r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") for r in runs)
    assert {r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") for r in runs} <= {"宋体", "黑体"}
    assert 'TOC \\o' in d.element.xml
    assert d.core_properties.created == dt.datetime(2019, 12, 31, tzinfo=d.core_properties.created.tzinfo)


def test_docx_bytes_are_the_same_every_time():
    import time

    html = SMALL_HTML.replace("{png}", _png())
    a = docx_report.html_to_docx(html, title="t", author="a", when=dt.date(2019, 12, 31))
    time.sleep(2.1)  # zip entries carry a 2-second clock: python-docx alone would differ now
    b = docx_report.html_to_docx(html, title="t", author="a", when=dt.date(2019, 12, 31))
    assert a == b
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(a)).infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_notice_hints_and_deadline():
    assert "重新计算" in notices.hint("单元格为公式，无缓存值")
    assert "指标代码" in notices.hint("指标代码“T18”不在指标目录中（T01…T17）")
    assert notices.hint("莫名其妙") == notices.DEFAULT_HINT
    params = Params(late_report_days=10)
    assert notices.deadline(Q, dt.date(2019, 12, 31), params) == dt.date(2020, 1, 15)
    assert notices.deadline(Q, dt.date(2020, 1, 20), params.replace(resubmit_days=3)) == dt.date(2020, 1, 23)


# ---------------------------------------------------------------- one sample run with commentary (slow)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from helpers.run.pipeline import run_quarter
    from helpers.run.verification import verify

    root = tmp_path_factory.mktemp("office")
    data = root / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw", ignore=shutil.ignore_patterns(".gitkeep"))
    shutil.rmtree(data / "raw" / "2020Q1", ignore_errors=True)
    result = run_quarter(Q, data_dir=data, reports_dir=root / "reports", progress=None)
    # `yqeval commentary` drafts from the findings; the office then edits it
    from helpers.cli import main

    assert main(["commentary", Q, "--data", str(data)]) == 0
    draft = commentary.path(data, Q).read_text(encoding="utf-8")
    assert main(["commentary", Q, "--data", str(data)]) == 1  # never overwrites
    assert commentary.path(data, Q).read_text(encoding="utf-8") == draft
    commentary.path(data, Q).write_text(DRAFTED, encoding="utf-8")
    result = run_quarter(Q, data_dir=data, reports_dir=root / "reports", progress=None)
    copy = root / "rerun"

    def recording_runner(quarter, **kwargs):
        out = run_quarter(quarter, warm=False, **kwargs)
        shutil.copytree(kwargs["reports_dir"], copy)
        return out

    lines: list[str] = []
    code = verify(result.manifest, runner=recording_runner, out=lines.append)
    return {"root": root, "data": data, "result": result, "draft": draft, "rerun": copy / Q,
            "verify": (code, "\n".join(lines))}


def _docx(office) -> Path:
    return office["result"].pdf.with_suffix(".docx")


def _xlsx(office) -> Path:
    return next(office["result"].folder.glob("*汇总表_2019Q4.xlsx"))


@pytest.mark.slow
def test_the_draft_is_prefilled_from_the_findings(office):
    d = office["draft"]
    for heading in ("## 总体评价", "## 存在问题", "## 下一步工作建议", "## 单位意见", "### 大营镇"):
        assert heading in d
    assert "亿元" in d and "严重滞后" in d and "苗安乡" in d  # behind, lowest, not reported
    assert "退回" in d  # 大营镇's rejected row


@pytest.mark.slow
def test_commentary_appears_after_the_overview_in_html_pdf_and_docx(office):
    import docx
    from pypdf import PdfReader

    html = office["result"].html.read_text(encoding="utf-8")
    i, j, k = html.index("一、总体情况</h2>"), html.index("评估意见</h2>"), html.index("二、任务完成情况</h2>")
    assert i < j < k
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "说明：这一段" not in html
    pdf = "".join(p.extract_text() for p in PdfReader(office["result"].pdf).pages).replace(" ", "")
    assert "督促滞后单位制定整改计划" in pdf and "办公室的评估意见" in pdf
    heads = [p.text for p in docx.Document(_docx(office)).paragraphs if p.style.name.startswith("Heading")]
    assert heads.index("一、总体情况") < heads.index("评估意见") < heads.index("二、任务完成情况")
    assert "（四）单位意见" in heads and "大营镇" in heads


@pytest.mark.slow
def test_commentary_is_an_input_of_the_manifest_and_verify_names_a_change(office):
    from helpers.audit.manifest import load_manifest
    from helpers.run.verification import check_inputs

    m = load_manifest(office["result"].manifest)
    rec = [r for r in m["inputs"] if r["path"] == "commentary/2019Q4.md"]
    assert len(rec) == 1 and rec[0]["sha256"] == __import__("hashlib").sha256(DRAFTED.encode()).hexdigest()
    code, text = office["verify"]
    assert code == 0, text
    path = commentary.path(office["data"], Q)
    try:
        path.write_text(DRAFTED.replace("偏低", "较低"), encoding="utf-8")
        changed = [c for c in check_inputs(m, office["data"]) if c.status != "一致"]
        assert [(c.name, c.status) for c in changed] == [("commentary/2019Q4.md", "已改变")]
    finally:
        path.write_text(DRAFTED, encoding="utf-8")


@pytest.mark.slow
def test_docx_xlsx_and_notices_are_listed_and_byte_identical_across_runs(office):
    from helpers.audit.manifest import load_manifest

    outputs = {r["path"] for r in load_manifest(office["result"].manifest)["outputs"]}
    folder = office["result"].folder
    made = [_docx(office), _xlsx(office), *sorted((folder / notices.FOLDER).glob("*.docx"))]
    assert len(made) >= 3
    for p in made:
        name = f"reports/{Q}/{p.relative_to(folder).as_posix()}"
        assert name in outputs, name
        assert p.read_bytes() == (office["rerun"] / p.relative_to(folder)).read_bytes(), name


@pytest.mark.slow
def test_the_workbook_holds_numbers_formats_fills_frozen_headers_and_filters(office):
    import openpyxl

    wb = openpyxl.load_workbook(_xlsx(office))
    # the sample plan has reward rules (incentives.csv), so the estimate has its sheet too
    assert wb.sheetnames == ["任务完成情况", "单位完成情况", "综合得分", "报送情况", "数据核查", "奖补测算"]
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(ws.column_dimensions[c].width >= 6 for c in "ABC")
    ws = wb["任务完成情况"]
    head = [c.value for c in ws[1]]
    t01 = next(r for r in ws.iter_rows(min_row=2) if r[head.index("全区完成")].value == 10644.5)
    assert t01[head.index("全区完成")].data_type == "n" and t01[head.index("全区完成")].number_format == "#,##0.0"
    assert t01[head.index("完成率")].number_format == "0.0%" and isinstance(t01[head.index("完成率")].value, float)
    assert t01[head.index("状态")].fill.fgColor.rgb.endswith("FFEB9C")  # 滞后: the yellow light
    units = wb["单位完成情况"]
    uhead = [c.value for c in units[1]]
    rates = [r[uhead.index("完成率")] for r in units.iter_rows(min_row=2) if r[uhead.index("完成率")].value is not None]
    assert rates and all(c.data_type == "n" for c in rates)
    checks = [r[0].value for r in wb["数据核查"].iter_rows(min_row=2)]
    assert "未采用（退回）" in checks and any(str(v).startswith("核查提示") for v in checks)


@pytest.mark.slow
def test_incentives_sheet_when_the_calculation_exists(office):
    import openpyxl

    from helpers.plan.reference import load_plan
    from helpers.report import sections as report
    from helpers.report import workbook

    data = office["data"]
    (data / "processed" / Q / "incentives.csv").write_text("单位,综合得分,奖补金额（万元）\n符离镇,0.75,12.5\n",
                                                           encoding="utf-8-sig")
    try:
        plan = load_plan(PROJECT_ROOT / "data" / "reference")
        out = workbook.write_workbook(report.load(data, Q), plan, data, office["root"] / "w.xlsx", title="t")
        ws = openpyxl.load_workbook(out)["奖补测算"]
        assert ws["C2"].value == 12.5 and ws["C2"].number_format == "#,##0.0" and ws["B2"].number_format == "0.0%"
    finally:
        (data / "processed" / Q / "incentives.csv").unlink()


@pytest.mark.slow
def test_a_notice_names_file_sheet_row_value_reason_fix_and_deadline(office):
    import docx

    path = office["result"].folder / notices.FOLDER / f"大营镇_{notices.FOLDER}_{Q}.docx"
    d = docx.Document(path)
    text = "\n".join(p.text for p in d.paragraphs)
    assert "退回补报通知" in text and "大营镇：" in text and "2020年1月15日前" in text
    cells = [c.text for row in d.tables[0].rows for c in row.cells]
    for expected in ("大营镇_2019Q4.xlsx", "进展填报表", "18", "T18", "不在指标目录", "指标代码"):
        assert any(expected in c for c in cells), expected


@pytest.mark.slow
def test_the_unit_s_paragraph_is_on_its_scorecard(office):
    from helpers.report import scorecards
    from helpers.run import cards

    ctx = cards.card_context(office["data"], Q)
    assert "请大营镇核对指标代码后补报。" in scorecards.card_html(ctx, "大营镇")
    assert "办公室评估意见" not in scorecards.card_html(ctx, "符离镇")


@pytest.mark.slow
def test_no_english_word_on_the_leaders_pages(office):
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(office["result"].pdf).pages)
    for word in ("days", "months", "true", "True", "False", "NaN", "nan%"):
        assert word not in text, word


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is only for checking, not set up")
def test_libreoffice_converts_the_docx_and_opens_the_xlsx(office, tmp_path):
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for src in (_docx(office), _xlsx(office)):
        done = subprocess.run(["soffice", "--headless", profile, "--convert-to", "pdf", "--outdir", str(tmp_path),
                               str(src)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"{src.stem}.pdf").stat().st_size > 10_000
    from pypdf import PdfReader

    pages = PdfReader(tmp_path / f"{_docx(office).stem}.pdf").pages
    text = "".join(p.extract_text() for p in pages).replace(" ", "")
    for heading in ("一、总体情况", "评估意见", "二、任务完成情况", "三、各单位完成情况", "六、数据核查", "附录"):
        assert heading in text, heading
    assert len(pages) >= 10


# ---------------------------------------------------------------- tables and the heat map (fast)


def test_heat_map_tells_not_assigned_from_not_reported_and_names_indicators():
    import pandas as pd

    from helpers.report import charts

    charts.setup_style()
    rates = pd.DataFrame({"T01": [0.5, float("nan")], "T02": [float("nan"), 1.0]}, index=["甲镇", "乙镇"])
    rates.attrs["assigned"] = pd.DataFrame({"T01": [True, True], "T02": [False, True]}, index=rates.index)
    rates.attrs["names"] = {"T01": "年网销额超1000万元农村电商经营主体", "T02": "电商示范村"}
    fig = charts.rate_heatmap(rates)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["未报送", "未分配该指标（不考核）"]
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks[0] == "T01\n年网销额\n超1000万\n元农村…" and ticks[1] == "T02\n电商示范\n村"  # numbers stay whole
    white = [p for p in fig.axes[0].patches if p.get_facecolor()[:3] == (1.0, 1.0, 1.0)]
    assert len(white) == 1  # 甲镇 × T02 only; 乙镇 × T01 stays hatched (未报送)


def test_rate_matrix_records_who_was_given_each_indicator(plan):
    import pandas as pd

    from helpers.report import sections as report

    class RD:
        whole = plan.district
        completion = pd.DataFrame({"scope": ["符离镇", "符离镇", "芦岭镇"], "indicator": ["T02", "T03A", "T02"],
                                   "target": [4.0, float("nan"), 3.0], "rate": [1.0, float("nan"), float("nan")]})

    m = report.rate_matrix(RD, plan)
    assert bool(m.attrs["assigned"].loc["芦岭镇", "T02"]) and pd.isna(m.loc["芦岭镇", "T02"])
    assert m.attrs["names"]["T02"] == plan.indicators["T02"].name


def test_measure_goes_in_its_own_column(plan):
    from helpers.report import sections as report

    ind = plan.indicators
    assert report.measure(ind["T01"]) == ind["T01"].unit
    assert report.measure(next(i for i in ind.values() if i.kind == "ratio")) == "%"
    assert report.fmt_value(10644.5, "amount", "") == "10,644.5"


def test_a_unit_whose_misnamed_file_was_returned_gets_a_notice():
    """A file that names no registered unit but is close to one unit alone counts as returned to that unit
    (文件被退回（单位名称无法识别）): the unit is sent a notice naming the file and how to name itself."""
    import types

    import pandas as pd

    reason = "表内“填报单位”（第2行）的单位“曹村乡”未登记，最接近的登记名称：曹村镇、顺河镇"
    rd = types.SimpleNamespace(
        reporting=pd.DataFrame({"unit": ["曹村镇", "顺河镇"], "status": [notices.UNIDENTIFIED, "按时"]}),
        rejects=pd.DataFrame({"quarter": [Q], "source_file": ["曹村乡_2020Q3.xlsx"], "source_sheet": [""],
                              "source_row": [""], "unit": [""], "indicator": [""], "raw_value": ["曹村乡"],
                              "reason": [reason]}),
        log={"files": [{"file": "曹村乡_2020Q3.xlsx", "status": "rejected", "unit": "", "close_unit": "曹村镇"}]})
    assert notices.units_with_returns(rd) == ["曹村镇"]
    listed = notices.items(rd, "曹村镇")
    assert list(listed["文件"]) == ["曹村乡_2020Q3.xlsx"] and list(listed["行"]) == ["整个文件"]
    assert "登记名称" in listed["更正方法"].iloc[0]  # not the 计量单位 hint that "单位" alone would pick
    assert notices.items(rd, "顺河镇").empty


def test_a_numbered_list_goes_on_from_the_number_the_office_wrote():
    text = "## 下一步工作建议\n\n1. 督办滞后任务\n- 子项一\n- 子项二\n2. 加强数据报送\n3. 开展专项督查\n"
    blocks = commentary.parse(text).sections["下一步工作建议"]
    assert [(b.kind, b.start, b.items) for b in blocks] == [
        ("ol", 1, ["督办滞后任务"]), ("ul", 1, ["子项一", "子项二"]), ("ol", 2, ["加强数据报送", "开展专项督查"])]
    out = commentary.section_html(commentary.parse(text), "办公室")
    assert "<ol><li>督办滞后任务</li></ol>" in out and '<ol start="2"><li>加强数据报送</li>' in out
    import datetime as dt
    import io

    from docx import Document

    from helpers.report import docx_report

    doc = Document(io.BytesIO(docx_report.html_to_docx(f"<html><body><main>{out}</main></body></html>", title="t",
                                                       author="a", when=dt.date(2020, 1, 1))))
    lines = [p.text for p in doc.paragraphs]
    assert "1. 督办滞后任务" in lines and "2. 加强数据报送" in lines and "3. 开展专项督查" in lines
