"""The leaders' report on the sample quarter: what issue 5 asks a reader and an offline intranet to get."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers.contract.paths import PROJECT_ROOT
from helpers.report import sections as report
from helpers.run import pipeline

Q = "2019Q4"
PLANT = "<script>alert(1)</script>缺少人手"
pytestmark = pytest.mark.slow


def _plant_narrative(raw: Path) -> None:
    """Write a script tag into 三里湾街道's 存在问题 (it lags on T12, so the report quotes it)."""
    path = raw / Q / "三里湾街道_2019Q4.csv"
    text = path.read_bytes().decode("gbk")
    old = "推进中,推动特色产业与电子商务融合发展,,"
    assert old in text
    path.write_bytes(text.replace(old, f"推进中,推动特色产业与电子商务融合发展,{PLANT},").encode("gbk"))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    shutil.copytree(PROJECT_ROOT / "data" / "raw", root / "data" / "raw")
    _plant_narrative(root / "data" / "raw")
    lines: list[str] = []
    (root / "home").mkdir()  # an empty HOME: what the run writes outside its folders shows there
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(root / "home"))
        result = pipeline.run_quarter(Q, data_dir=root / "data", reports_dir=root / "reports",
                                      progress=lines.append)
    return root, result, lines


@pytest.fixture(scope="module")
def pdf_text(run) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(run[1].pdf).pages)


@pytest.fixture(scope="module")
def html_text(run) -> str:
    return run[1].html.read_text(encoding="utf-8")


def test_both_files_named_for_the_quarter(run):
    _, result, lines = run
    assert result.pdf.name == "埇桥区农村电商优化升级工作评估报告_2019Q4.pdf" and result.pdf.stat().st_size > 50_000
    assert result.html.name == "埇桥区农村电商优化升级工作评估报告_2019Q4.html"
    assert [p.name for p in result.notebooks] == list(pipeline.NOTEBOOKS) and all(p.exists() for p in result.notebooks)
    assert any("03_report" in line for line in lines) and any("PDF" in line for line in lines)
    done = next(line for line in lines if line.startswith("完成"))  # every file the office works with is named
    for name in (result.pdf.name, result.html.name, "埇桥区农村电商优化升级工作评估报告_2019Q4.docx",
                 "埇桥区农村电商优化升级工作评估汇总表_2019Q4.xlsx", "退回补报通知/（1 份）"):
        assert name in done, done


def test_pdf_text_has_title_tasks_townships_and_page_numbers(run, pdf_text, plan):
    flat = re.sub(r"\s+", "", pdf_text)
    assert "埇桥区农村电商优化升级工作评估报告" in flat
    assert "示例数据" in flat and "目录" in flat
    for code in plan.indicators:
        assert code in flat, code
    for town in plan.registry.of_kind("镇", "乡"):
        assert town in flat, town
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", pdf_text)
    for section in ("一、总体情况", "二、任务完成情况", "三、各单位完成情况", "四、报送情况", "五、趋势", "六、数据核查", "附录"):
        assert section in flat, section
    # the headline sentence states the district figure against its target
    assert "为目标1.5亿元的" in flat  # docs/outputs.md: 1亿元 or more in 亿元 in sentences


def test_pdf_embeds_simplified_chinese_fonts_only(run):
    out = subprocess.run(["pdffonts", str(run[1].pdf)], capture_output=True, text=True, check=True).stdout
    fonts = out.splitlines()[2:]
    # named by PostScript name (Typst: NotoSansCJKsc-Regular; WeasyPrint wrote Noto-Sans-CJK-SC)
    assert any(re.search(r"Noto-?Sans-?CJK-?SC", f, re.I) and " yes " in f for f in fonts), out
    assert not any(re.search(r"CJK-?JP|CJKjp", f) for f in fonts), out
    assert all(f.split()[-5] == "yes" for f in fonts if f.strip()), out  # every font embedded


def test_manifest_records_every_font_face_the_pdf_embeds(run):
    out = subprocess.run(["pdffonts", str(run[1].pdf)], capture_output=True, text=True, check=True).stdout
    embedded = sorted({re.sub(r"-Identity-[HV]$", "", line.split()[0].split("+", 1)[-1])  # Typst adds the CMap
                       for line in out.splitlines()[2:] if line.strip()})
    manifest = json.loads(run[1].manifest.read_text(encoding="utf-8"))
    fonts = manifest["environment"]["fonts"]
    assert len(embedded) >= 3 and [f["face"] for f in fonts] == embedded, (out, fonts)
    assert all(f["path"] and f["sha256"] for f in fonts)
    assert manifest["environment"]["packages"]["beautifulsoup4"] and manifest["environment"]["packages"]["soupsieve"]


def test_html_is_self_contained_and_escapes_narratives(html_text):
    assert "<script" not in html_text.lower()
    assert not re.search(r"<link[^>]+href=\"https?:", html_text)
    assert not re.search(r"src=\"https?:", html_text)
    assert "In [" not in html_text and "Out[" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;缺少人手" in html_text
    assert '<html lang="zh-CN"' in html_text


def test_report_content_matches_processed_data(run, plan):
    root, result, _ = run
    rd = report.load(root / "data", Q)
    assert rd.sample
    t01 = report.district(rd).set_index("indicator").loc["T01"]
    text = result.html.read_text(encoding="utf-8")
    assert f"{t01['actual']:,.1f}".rstrip("0").rstrip(".") in text  # e.g. 10,644.5万元
    missing = report.reporting_summary(rd)["missing"]
    assert missing and all(unit in text for unit in missing)


def test_a_failed_run_leaves_the_last_good_report(run, monkeypatch):
    root, result, _ = run
    before = {p: p.read_bytes() for p in result.folder.rglob("*") if p.is_file()}

    def broken(*args, **kwargs):
        raise RuntimeError("渲染失败（测试）")

    monkeypatch.setattr("helpers.report.render.render_report", broken)
    with pytest.raises(RuntimeError):
        pipeline.run_quarter(Q, data_dir=root / "data", reports_dir=root / "reports", progress=None)
    after = {p: p.read_bytes() for p in result.folder.rglob("*") if p.is_file()}
    assert after == before
    assert (root / "reports" / f".{Q}.failed" / "notebooks" / "03_report.ipynb").exists()


def test_ingest_warnings_reach_the_report():
    rd = report.ReportData("2019Q4", None, *[None] * 7, log={"files": [
        {"file": "符离镇_2019Q4.xlsx", "unit": "符离镇", "warnings": ["工作表“表2”也有填报表…"]},
        {"file": "芦岭镇_2019Q4.xlsx", "unit": "芦岭镇", "warnings": []}]}, sample=False)
    w = report.ingest_warnings(rd)
    assert w.values.tolist() == [["符离镇_2019Q4.xlsx", "符离镇", "工作表“表2”也有填报表…"]]


def test_input_files_table_is_in_chinese_with_short_digests():
    from types import SimpleNamespace

    from helpers.report import sections as report

    rd = SimpleNamespace(log={"files": [
        {"file": "a.xlsx", "unit": "符离镇", "status": "ok", "accepted": 3, "rejected": 1, "skipped": 5, "sha256": "ab" * 32},
        {"file": "b.pdf", "unit": "", "status": "rejected", "sha256": "cd" * 32}]})
    table = report.input_files(rd)
    assert list(table["结果"]) == ["已读取", "退回"] and list(table["单位"]) == ["符离镇", "—"]
    digests = table[f"SHA-256（前{report.HASH_SHOWN}位）"]
    assert list(digests) == ["ab" * 8, "cd" * 8]
    assert list(table["接收/退回/略过"]) == ["3/1/5", "0/0/0"]


def test_incentive_estimate_section_in_the_pdf(pdf_text):
    """Issue 14: 奖补资金测算（上限）, with the T09B line (620 trainees × 1200元) and the plain upper-bound words."""
    text = re.sub(r"\s+", "", pdf_text)
    section = text[text.rindex("七、奖补资金测算（上限）"):text.rindex("附录")]
    assert "测算值是上限，不是资金安排决定" in section
    assert re.search(r"电商培训合格者补贴.*?T09B：620人.*?1200元/人（定额）74\.4万元", section)
    assert "跨境电商出口奖励" in section and "J06：未报" in section


def test_tied_scores_are_said_tied_and_no_unit_is_both_lowest_and_highest():
    import types

    import pandas as pd

    from helpers.report import sections as report

    rd = types.SimpleNamespace(reporting=pd.DataFrame({"unit": ["甲镇"], "status": ["未报送"]}))
    sc = pd.DataFrame({"scope": ["甲镇", "乙乡", "丙乡", "丁镇", "戊镇", "己镇", "庚镇"],
                       "score": [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]})
    text = report._ends_sentence(rd, sc)
    assert text == "乡镇综合得分最低的是甲镇（未报送）、庚镇，5个单位并列最高（100.0%）。"
    sc["score"] = 1.0
    assert report._ends_sentence(rd, sc) == "乡镇综合得分均为100.0%。"


def test_a_run_writes_nothing_in_home_but_the_font_caches(run):
    """docs/audit.md: the run had HOME pointed at an empty folder. Matplotlib's font list and the chart
    fonts it extracts may be there (and fontconfig's cache); no IPython history of the cells executed, no
    IPython profile, no Jupyter runtime or connection file."""
    home = run[0] / "home"
    found = sorted(p.relative_to(home).as_posix() for p in home.rglob("*"))
    assert not [p for p in found if p.endswith("history.sqlite")]
    caches = (".cache/matplotlib", ".cache/fontconfig", ".config/matplotlib")
    stray = [p for p in found if p not in (".cache", ".config") and not any(p == c or p.startswith(c + "/") for c in caches)]
    assert stray == []
