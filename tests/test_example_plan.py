"""A second plan, written only as data (examples/桐川县), end to end: templates → ingest → evaluate →
report → scorecards → verify. Its report must read as its own: title, 文号, counts, words, figures."""

import subprocess

import openpyxl
import pandas as pd
import pytest

from helpers.contract.outputs import read_csv
from helpers.plan import templates
from helpers.plan.reference import load_plan
from helpers.run import pipeline, verification
from helpers.run.cards import run_scorecards

from .example_plan import QUARTERS, write_example


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("tongchuan")
    data, reports = root / "data", root / "reports"
    ref = write_example(data)
    result = pipeline.run_quarter(QUARTERS[-1], data_dir=data, reports_dir=reports, progress=None)
    return {"root": root, "data": data, "reports": reports, "ref": ref, "result": result}


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_templates_speak_the_plans_words(run, tmp_path):
    plan = load_plan(run["ref"])
    paths = templates.write_templates("2021Q3", tmp_path, plan)
    assert len(paths) == 11  # 8 乡镇 and 3 县直部门 report; 县财政局 only cooperates
    wb = openpyxl.load_workbook(tmp_path / "青石镇_2021Q3.xlsx")
    text = "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "桐川县电子商务进农村提质增效工作进展填报表（2021年第三季度）" in text
    assert "2021年4月15日方案印发以来" in text and "2019" not in text
    assert "季末后7日内，即 2021-10-07 前报送县商务局电商股" in text  # params.yaml late_report_days: 7
    assert "请于季末后7日内报送" in text and "区电商办" not in text and "埇桥" not in text


def test_units_of_measure_prefixes_and_ratios_of_amounts(run):
    subs = read_csv(run["data"] / "processed" / "2021Q3" / "submissions.csv")
    rejects = read_csv(run["data"] / "processed" / "2021Q3" / "rejects.csv")
    assert rejects.empty, rejects.to_dict("records")
    got = {(r["unit"], r["indicator"]): r for r in subs.to_dict("records")}
    assert got[("青石镇", "C02")]["value"] == "340"  # "340人次"
    assert got[("县交通运输局", "C03")]["value"] == "610"  # "610000米", 填报单位 江淮省云州市桐川县交通运输局
    assert got[("云岭镇", "C05B")]["value"] == "910.5"  # a share of sales: not a whole number, accepted
    q2 = read_csv(run["data"] / "processed" / "2021Q2" / "submissions.csv")
    assert {(r["unit"], r["indicator"]): r["value"] for r in q2.to_dict("records")}[("柳溪镇", "C04")] == "60"


def test_cross_check_only_where_it_means_something(run):
    flags = read_csv(run["data"] / "processed" / "2021Q3" / "flags.csv")
    mismatch = flags[flags["flag"] == "县级数据不一致"]
    assert set(mismatch["indicator"]) == {"C01"}  # 县商务局 reports the total; 县文旅局's 直播 count is its own
    assert set(mismatch["scope"]) == {"全县", "县商务局"}
    comp = read_csv(run["data"] / "processed" / "2021Q3" / "completion.csv", numeric=["actual"])
    d = comp[comp["scope"] == "全县"].set_index("indicator")
    # 东坪乡 sent nothing in 2021Q3: its 2021Q2 cumulative values are carried (沿用上期): 2 live shows, 1300万元
    towns_live = 7 + 6 + 5 + 5 + 4 + 4 + 3 + 2
    assert d.loc["C05A", "actual"] == towns_live + 10  # separate: the bureau's 10 are added
    assert d.loc["C01", "actual"] == 3800 + 3300 + 3000 + 2600 + 2300 + 2100 + 1800 + 1300
    assert "沿用上期1个单位：东坪乡（2021Q2）" in d.loc["C01", "flags"]
    assert "全区" not in set(comp["scope"])


def test_report_reads_as_its_own(run):
    result = run["result"]
    assert result.pdf.name == "桐川县电子商务进农村提质增效工作评估报告_2021Q3.pdf"
    text = _pdf_text(result.pdf)
    flat = "".join(text.split())
    for expected in ("桐川县电子商务进农村提质增效工作评估报告", "《桐川县电子商务进农村提质增效工作方案》（桐政办〔2021〕7号）",
                     "桐川县电子商务工作领导小组办公室", "10项任务完成情况", "全县完成", "县直部门牵头任务",
                     "县级数据不一致",
                     # 7 towns 18,900 + 东坪乡's carried 1,300 = 20,200万元 = 2.02亿元 of 20,000 (2亿元): 101.0%
                     "全县农村电商网络零售额2.02亿元，为目标2亿元的101.0%", "只计已报送单位为1.89亿元",
                     "主要指标完成情况（全县）", "2021-04-15",
                     # the measure stands in its own 计量单位 column: 610000米 = 610公里; 120+"600000美元"(60)+40+
                     # 210+110+90 … = 410万美元; trainees 340+320+310+300+300+280+260 = 2,110 + 东坪乡's carried 110
                     "农村物流配送线路公里610", "跨境电商出口额万美元410", "电商技能培训人次2,220（含沿用上期1个单位）"):
        assert expected in flat, expected
    for foreign in ("埇桥", "全区", "街道", "区直", "区级", "15,000", "17项", "2019-10-12", "符离", "T01"):
        assert foreign not in flat, foreign
    # the rules table uses params.yaml's 25 points, not the first plan's 30
    assert "序时进度−25个百分点" in flat and "30个百分点" not in flat


def test_scorecards_and_verify(run, capsys):
    cards = run_scorecards(QUARTERS[-1], units=["县交通局", "青石镇"], data_dir=run["data"],
                           reports_dir=run["reports"], workers=1, progress=None)
    pdfs = sorted((run["reports"] / QUARTERS[-1] / "units").glob("*.pdf"))
    assert [p.name for p in pdfs] == ["县交通运输局.pdf", "青石镇.pdf"], cards
    card = "".join(_pdf_text(pdfs[0]).split())
    assert "桐川县电子商务进农村提质增效工作单位评估卡" in card and "牵头任务（按全县数评价）" in card
    assert "埇桥" not in card and "全区" not in card
    assert verification.verify(run["result"].manifest) == 0, capsys.readouterr().out


def test_trend_chart_axis_follows_the_kind(run):
    from helpers.report import sections as report

    plan = load_plan(run["ref"])
    rd = report.load(run["data"], "2021Q3", plan)
    frame = report.trend_frame(rd, plan)
    assert frame.attrs["percent"] == ["C06"]  # the count C02 (target 2600) and amounts are not percent axes
    assert isinstance(frame, pd.DataFrame) and set(frame["indicator"]) == {"C01", "C02", "C03", "C06"}


def test_a_share_is_flagged_only_when_it_exceeds_the_total(run):
    import dataclasses

    from helpers.evaluate import completion as C

    plan = load_plan(run["ref"])
    history = C.load_history(run["data"], "2021Q3")

    def mismatch(bureau):
        p = dataclasses.replace(plan, indicators={**plan.indicators,
                                                  "C01": dataclasses.replace(plan.indicators["C01"], bureau=bureau)})
        ev = C.evaluate(history, "2021Q3", plan=p)
        return ev.flags[ev.flags["flag"] == "县级数据不一致"]["detail"].tolist(), ev.district().set_index(
            "indicator").loc["C01", "actual"]

    towns = 18900 + 1300  # seven towns' 2021Q3 figures and 东坪乡's 2021Q2 value carried forward
    details, actual = mismatch("share")  # 县商务局's 21000 is more than the towns' 20200: cannot be a part of it
    assert details and details[0].startswith("部门报其中21000") and actual == towns
    details, actual = mismatch("separate")  # its own count: added, never compared
    assert details == [] and actual == towns + 21000


def test_the_summary_workbook_speaks_the_county_s_words(run):
    """The 汇总表 of a county plan: its task sheet holds the 全县 rows under 全县完成; 全县 is no unit."""
    import openpyxl

    xlsx = next(run["result"].pdf.parent.glob("*汇总表_2021Q3.xlsx"))
    wb = openpyxl.load_workbook(xlsx)
    tasks = wb["任务完成情况"]
    head = [c.value for c in tasks[1]]
    assert "全县完成" in head and "全区完成" not in head
    plan = load_plan(run["ref"])
    assert tasks.max_row - 1 == len(plan.indicators)  # one row per indicator of the plan
    units = wb["单位完成情况"]
    assert "全县" not in {row[0].value for row in units.iter_rows(min_row=2)}


def test_the_appendix_names_the_report_folder_given_and_verify_replays_it(run, tmp_path, capsys):
    """--reports outside the folder the notebooks run in: the appendix prints that folder (it printed
    reports/<季度> whatever was given), and verify, re-running in a temporary folder, prints the same bytes."""
    elsewhere = tmp_path / "交付" / "reports"
    result = pipeline.run_quarter(QUARTERS[-1], data_dir=run["data"], reports_dir=elsewhere, progress=None)
    html = result.html.read_text(encoding="utf-8")
    shown = (elsewhere / QUARTERS[-1]).resolve().as_posix()
    assert f"<td class=\"text\">{shown}</td>" in html and f">reports/{QUARTERS[-1]}<" not in html
    assert pipeline.shown_folder(run["data"].parent / "reports" / "2021Q3", run["data"].parent) == "reports/2021Q3"
    # the auditor names the data folder (it lies outside the manifest's project: docs/audit.md)
    assert verification.verify(result.manifest, data_dir=run["data"], reference=run["ref"]) == 0, capsys.readouterr().out


def test_the_templates_command_takes_the_plan_of_the_data_folder_and_names_it(run, tmp_path, capsys):
    from helpers.cli import main

    assert run["ref"] == run["data"] / "reference"
    assert main(["templates", "2021Q3", "--data", str(run["data"]), "--out", str(tmp_path / "forms")]) == 0
    said = capsys.readouterr().out
    assert "《桐川县电子商务进农村提质增效工作方案》" in said and str(run["ref"]) in said and "11 份" in said
    assert (tmp_path / "forms" / "青石镇_2021Q3.xlsx").exists()
