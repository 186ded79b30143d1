"""Across the plan's life (docs/plan_life.md): hand-computed scenarios over four quarters.

Every expected figure is worked out by hand below from the rows given, the plan (T01 target 15,000万元
and T02 each 乡镇 4个, both due 2019-12-31; T05 district target 3个) and params.yaml (late_report_days
10, jump_ratio 5, jump_floor 个 5), never read from the code's output.

The story (T01 农村产品网络销售额, 万元, cumulative):

    unit        2019Q4   2020Q1          2020Q2                 2020Q3
    符离镇       6000     9000            file returned          4000 (corrected down)
    芦岭镇       3000     — (no file)     5000                   5200, file dated 2020-10-20 (late)
    朱仙庄镇     1000     2000            2500                   2600
"""

import dataclasses
import datetime as dt

import numpy as np
import pytest

from helpers.evaluate.completion import (
    DONE_LATE,
    MISSING,
    OVERDUE,
    PENDING,
    RETURNED,
    UNIDENTIFIED,
    evaluate,
)
from helpers.ingest import close_unit
from helpers.plan.reference import DISTRICT
from helpers.report import sections as report

from .frames import qd

D = dt.date
FILE = {"status": "ok", "reported_on": ""}


def r(unit, code, value):
    return dict(unit=unit, indicator=code, value=value, source_file=f"{unit}.xlsx")


def f(unit, reported_on, status="ok", **kw):
    return {"file": f"{unit}.xlsx", "unit": unit, "status": status, "reported_on": reported_on, **kw}


def history():
    q4 = qd("2019Q4", [r("符离镇", "T01", 6000), r("芦岭镇", "T01", 3000), r("朱仙庄镇", "T01", 1000),
                       r("芦岭镇", "T02", 5), r("符离镇", "T05", 1)],
            files=[f("符离镇", "2020-01-05"), f("芦岭镇", "2020-01-06"), f("朱仙庄镇", "2020-01-07")])
    q1 = qd("2020Q1", [r("符离镇", "T01", 9000), r("朱仙庄镇", "T01", 2000), r("符离镇", "T05", 1),
                       r("朱仙庄镇", "T05", 1)],
            files=[f("符离镇", "2020-04-05"), f("朱仙庄镇", "2020-04-06")])
    q2 = qd("2020Q2", [r("芦岭镇", "T01", 5000), r("朱仙庄镇", "T01", 2500), r("朱仙庄镇", "T05", 12)],
            rejects=[("符离镇", "", "读取或解析时出错")],
            files=[f("符离镇", "", status="rejected", reason="文件已损坏"), f("芦岭镇", "2020-07-03"),
                   f("朱仙庄镇", "2020-07-04")])
    q3 = qd("2020Q3", [r("符离镇", "T01", 4000), r("芦岭镇", "T01", 5200), r("朱仙庄镇", "T01", 2600)],
            files=[f("符离镇", "2020-10-04"), f("芦岭镇", "2020-10-20"), f("朱仙庄镇", "2020-10-05")])
    return {"2019Q4": q4, "2020Q1": q1, "2020Q2": q2, "2020Q3": q3}


def row(ev, scope, code):
    df = ev.completion
    hit = df[(df["scope"] == scope) & (df["indicator"] == code)]
    assert len(hit) == 1
    return hit.iloc[0]


def trend(ev, quarter, code):
    t = ev.trend
    return t[(t["quarter"] == quarter) & (t["indicator"] == code)].iloc[0]


def with_params(plan, **params):
    return dataclasses.replace(plan, params=plan.params.replace(**params))


# ---------------------------------------------------------------- a unit missing in the middle quarter


def test_missing_unit_is_carried_into_the_district_figure(plan):
    ev = evaluate(history(), "2020Q1", plan=plan)
    # 符离镇 9000 + 芦岭镇 3000 carried from 2019Q4 + 朱仙庄镇 2000 = 14000
    d = row(ev, DISTRICT, "T01")
    assert d.actual == 14000 and d.rate == pytest.approx(14000 / 15000)
    assert "沿用上期1个单位：芦岭镇（2019Q4）" in d["flags"]
    # reported only: 9000 + 2000 = 11000
    assert trend(ev, "2020Q1", "T01").reported_actual == 11000
    assert trend(ev, "2020Q1", "T01").carried_units == 1
    carried = ev.carried[ev.carried["indicator"] == "T01"]
    assert carried[["unit", "value", "carried_from"]].values.tolist() == [["芦岭镇", 3000, "2019Q4"]]


def test_carrying_never_rewards_the_unit(plan):
    ev = evaluate(history(), "2020Q1", plan=plan)
    # 芦岭镇 sent nothing: its own T02 (target 4, 5 in 2019Q4) is 未报送 and scores 0, though the district
    # T02 holds its 5 (carried): district T02 = 5 (芦岭镇 only, nobody else reported T02)
    assert row(ev, "芦岭镇", "T02").status == MISSING
    assert row(ev, "芦岭镇", "T01").status == MISSING
    assert row(ev, DISTRICT, "T02").actual == 5
    s = ev.scores.set_index("scope").loc["芦岭镇"]
    assert s.score == 0 and s.missing == s.indicators
    assert ev.reporting.set_index("unit").loc["芦岭镇", "status"] == MISSING


def test_carry_forward_can_be_turned_off(plan):
    ev = evaluate(history(), "2020Q1", plan=with_params(plan, carry_forward=False))
    # 9000 + 2000 = 11000, and the flag says a unit is left out
    d = row(ev, DISTRICT, "T01")
    assert d.actual == 11000 and "沿用上期" not in d["flags"] and "不含未报送单位" in d["flags"]
    assert ev.carried.empty


# ---------------------------------------------------------------- time: days overdue, first done


def test_days_overdue_and_the_quarter_first_done(plan):
    ev1 = evaluate(history(), "2020Q1", plan=plan)
    # 14000 < 15000 and the deadline 2019-12-31 has passed: 逾期未完成, 31 (Jan) + 29 (Feb 2020) + 31 (Mar) = 91 days
    assert row(ev1, DISTRICT, "T01").status == OVERDUE
    assert trend(ev1, "2020Q1", "T01").days_overdue == 91
    ev2 = evaluate(history(), "2020Q2", plan=plan)
    # 2020Q2: 符离镇's file returned → its 9000 (2020Q1) carried; 5000 + 2500 + 9000 = 16500 ≥ 15000, reached in
    # 2020Q2, after the deadline → 逾期完成, first done 2020Q2, no days overdue
    d = row(ev2, DISTRICT, "T01")
    assert d.actual == 16500 and d.status == DONE_LATE
    t = trend(ev2, "2020Q2", "T01")
    assert t.first_done == "2020Q2" and np.isnan(t.days_overdue)
    # the increment (本季度新增): 16500 − 14000 = 2500; reported only: 5000 + 2500 = 7500
    assert t.increment == 2500 and t.reported_actual == 7500
    assert trend(ev2, "2020Q1", "T01").increment == 14000 - 10000
    # the plan's first quarter starts from nothing: 6000 + 3000 + 1000
    assert trend(ev2, "2019Q4", "T01").increment == 10000
    assert ev2.reporting.set_index("unit").loc["符离镇", "status"] == RETURNED


def test_summary_counts_done_late_apart(plan):
    ev = evaluate(history(), "2020Q2", plan=plan)
    rd = report.ReportData(ev.quarter, ev.as_of, ev.completion, ev.scores, ev.reporting, ev.flags, ev.trend,
                           ev.cells.assign(problems=""), ev.cells.iloc[:0], {}, False, whole=ev.whole,
                           carried=ev.carried)
    sentences = report.key_sentences(rd, plan)
    d = ev.district()
    late = int((d["status"] == DONE_LATE).sum())
    assert late >= 1  # T01 at least (above)
    assert f"{late}项逾期完成" in sentences[1] and "按时完成或按序时推进" in sentences[1]
    # the first sentence says the figure holds a carried value, and the reported-only sum (5000 + 2500),
    # written as offices write amounts in a sentence (docs/outputs.md): 7500万元
    assert "含1个单位沿用上期的累计值" in sentences[0] and "7500万元" in sentences[0]


# ---------------------------------------------------------------- district credibility


def test_a_district_fall_names_the_unit_behind_it(plan):
    ev = evaluate(history(), "2020Q3", plan=plan)
    # 2020Q3 with 芦岭镇's late file counted (default run): 4000 + 5200 + 2600 = 11800 < 16500 of 2020Q2
    d = row(ev, DISTRICT, "T01")
    assert d.actual == 11800
    f = ev.flags[(ev.flags["scope"] == DISTRICT) & (ev.flags["flag"] == "全区累计值下降")]
    assert len(f) == 1
    # 符离镇 fell from 9000 (carried in 2020Q2) to 4000; 芦岭镇 and 朱仙庄镇 rose
    assert f.iloc[0]["detail"] == "全区累计11800，低于2020Q2的16500；下降来自：符离镇（9000→4000）"
    # still ≥ 100% once, but now 11800/15000 < 100% and past the deadline: 逾期未完成
    assert d.status == OVERDUE


def test_a_district_jump(plan):
    ev = evaluate(history(), "2020Q2", plan=plan)
    # T05: 2020Q1 符离镇 1 + 朱仙庄镇 1 = 2; 2020Q2 朱仙庄镇 12 + 符离镇 1 carried = 13 > 5 × 2, and 13 − 2 = 11 > 5
    f = ev.flags[(ev.flags["scope"] == DISTRICT) & (ev.flags["flag"] == "全区环比异常增长")]
    assert f["indicator"].tolist() == ["T05"]
    assert f.iloc[0]["detail"] == "全区由2020Q1的2增至13（超过5倍且增量超过5）"


# ---------------------------------------------------------------- a late file and the compiling date


def test_late_file_counts_in_the_default_run(plan):
    ev = evaluate(history(), "2020Q3", plan=plan)
    rep = ev.reporting.set_index("unit")
    # 2020-10-20 is 20 days after 2020-09-30, more than 10: 迟报
    assert rep.loc["芦岭镇", "status"] == "迟报" and rep.loc["芦岭镇", "days_after_quarter_end"] == 20
    # a unit that owes a file and never sent one is 未报送 on the default compiling date (the deadline)
    assert rep.loc["褚兰镇", "status"] == MISSING


def test_before_the_deadline_units_are_pending(plan):
    ev = evaluate(history(), "2020Q3", plan=plan, compiled=D(2020, 10, 8))
    rep = ev.reporting.set_index("unit")
    # on 2020-10-08 (before the deadline 2020-10-10) 芦岭镇's file dated 2020-10-20 has not arrived: 待报送
    assert rep.loc["芦岭镇", "status"] == PENDING and rep.loc["褚兰镇", "status"] == PENDING
    assert rep.loc["符离镇", "status"] == "按时"
    # and the district carries 芦岭镇's 5000 of 2020Q2: 4000 + 5000 + 2600 = 11600
    assert row(ev, DISTRICT, "T01").actual == 11600
    # the deadline day itself is still on time: no file yet is 待报送 (docs/plan_life.md); the day after, 未报送
    ev = evaluate(history(), "2020Q3", plan=plan, compiled=D(2020, 10, 10))
    assert ev.reporting.set_index("unit").loc["褚兰镇", "status"] == PENDING
    ev = evaluate(history(), "2020Q3", plan=plan, compiled=D(2020, 10, 11))
    assert ev.reporting.set_index("unit").loc["褚兰镇", "status"] == MISSING


# ---------------------------------------------------------------- a misnamed file


def test_close_names(plan):
    # 芦岭乡 is close to 芦岭镇 alone; 永安乡 is as close to 永安镇 as to 苗安乡: no single match
    assert close_unit("芦岭乡", plan) == "芦岭镇"
    assert close_unit("永安乡", plan) == ""


def test_a_misnamed_file_returns_the_close_unit(plan):
    h = history()
    q2 = h["2020Q2"]
    q2.log["files"].append({"file": "褚兰乡.xlsx", "unit": "", "status": "rejected", "reported_on": "",
                            "unit_written": "褚兰乡", "candidates": ["褚兰镇"], "close_unit": "褚兰镇",
                            "reason": "表内“填报单位”的单位“褚兰乡”未登记"})
    ev = evaluate(h, "2020Q2", plan=plan)
    rep = ev.reporting.set_index("unit")
    assert rep.loc["褚兰镇", "status"] == UNIDENTIFIED and rep.loc["褚兰镇", "files"] == 1
    # its own indicators stay 未报送
    assert row(ev, "褚兰镇", "T02").status == MISSING


def test_misnamed_file_through_ingest(tmp_path, plan):
    from helpers.ingest import ingest_files

    from .filewriters import form, line, write_xlsx

    path = write_xlsx(tmp_path / "芦岭乡_2020Q2.xlsx",
                      {"进展填报表": form([line("T01", 100)], unit="芦岭乡", quarter="2020年第二季度")})
    result = ingest_files([path], "2020Q2", plan, base=tmp_path)
    entry = result.log["files"][0]
    assert entry["status"] == "rejected" and entry["unit"] == ""
    assert entry["unit_written"] == "芦岭乡" and entry["close_unit"] == "芦岭镇"
    assert entry["candidates"][0] == "芦岭镇"


# ---------------------------------------------------------------- reminders


def test_reminders_list_and_contacts(tmp_path, plan):
    from helpers.run.reminders import chase_list

    h = history()
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "units.csv").write_text("name,kind,code,联系人,联系电话\n褚兰镇,镇,103,王五,0557-1234567\n",
                                   encoding="utf-8")
    df = chase_list(h["2020Q2"], plan, "2020Q2", None, ref).set_index("单位")
    # 符离镇: file returned; 褚兰镇 and the others: nothing; 芦岭镇 and 朱仙庄镇 sent on time
    assert df.loc["符离镇", "报送情况"] == RETURNED and "文件已损坏" in df.loc["符离镇", "问题"]
    # the default list is the deadline day's (2020-07-10), still on time: 待报送, never 截止日期已过
    assert df.loc["褚兰镇", "报送情况"] == PENDING and df.loc["褚兰镇", "联系电话"] == "0557-1234567"
    assert "已过" not in df.loc["褚兰镇", "问题"] and "2020-07-10前报送" in df.loc["褚兰镇", "问题"]
    after = chase_list(h["2020Q2"], plan, "2020Q2", D(2020, 7, 11), ref).set_index("单位")
    assert after.loc["褚兰镇", "报送情况"] == MISSING and "截止日期已过" in after.loc["褚兰镇", "问题"]
    assert "芦岭镇" not in df.index and "朱仙庄镇" not in df.index
    # 2020-06-30 + 10 days
    assert set(df["报送截止日期"]) == {"2020-07-10"}
    early = chase_list(h["2020Q2"], plan, "2020Q2", D(2020, 7, 3), ref).set_index("单位")
    # on 2020-07-03 朱仙庄镇's file (dated 2020-07-04) has not come: 待报送
    assert early.loc["朱仙庄镇", "报送情况"] == PENDING and "芦岭镇" not in early.index


# ---------------------------------------------------------------- the sample's 2020Q2 and 2020Q3


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    import shutil

    from helpers.contract.paths import PROJECT_ROOT
    from helpers.evaluate.completion import evaluate_quarter
    from helpers.ingest import ingest_quarter

    data = tmp_path_factory.mktemp("life") / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw")
    for q in ("2019Q4", "2020Q1", "2020Q2", "2020Q3"):
        ingest_quarter(q, data)
        evaluate_quarter(q, data_dir=data)
    return data


def test_sample_2020q2_district_includes_carried_values_and_says_so(sample, plan):
    from helpers.sample import OVERRIDES

    rd = report.load(sample, "2020Q2")
    carried = rd.carried[rd.carried["indicator"] == "T01"].set_index("unit")
    # 符离镇 sent nothing in 2020Q2: its 2020Q1 figure (12000, declared in sample.OVERRIDES) is carried;
    # 大店镇's T01 row was returned ("待统计"): its 2020Q1 350 is carried
    assert carried.loc["符离镇", "value"] == OVERRIDES[("符离镇", "T01")][1] == 12000
    assert carried.loc["大店镇", "value"] == OVERRIDES[("大店镇", "T01")][1] == 350
    assert set(carried["carried_from"]) == {"2020Q1"}
    d = report.district(rd).set_index("indicator").loc["T01"]
    # district = the reporting units' sum + every carried value
    assert d["actual"] == pytest.approx(report.reported_only(rd, "T01") + carried["value"].sum())
    assert d["status"] == DONE_LATE and f"沿用上期{len(carried)}个单位" in d["flags"]
    assert report.headline_table(rd, plan).iloc[0]["全区完成"].endswith(f"（含沿用上期{len(carried)}个单位）")
    text = "".join(report.carried_sentences(rd, plan))
    assert "符离镇（未报送，沿用2020Q1）" in text and "芦岭镇（文件被退回（单位名称无法识别），沿用2020Q1）" in text
    # the three misnamed files: two with a single close name, one (永安乡) close to 永安镇 and 苗安乡
    rep = rd.reporting.set_index("unit")["status"]
    assert rep["芦岭镇"] == UNIDENTIFIED and rep["西二铺乡"] == UNIDENTIFIED and rep["永安镇"] == MISSING
    files = report.unidentified_files(rd).set_index("表内单位名称")
    assert sorted(files.index) == sorted(["芦岭乡", "西二铺镇", "永安乡"])
    assert "苗安乡" in files.loc["永安乡", "最接近的登记名称"] and "未计入" in files.loc["永安乡", "处理"]


def test_sample_scorecard_of_a_misnamed_file(sample, plan):
    from helpers.report import scorecards
    from helpers.run import cards

    ctx = cards.card_context(sample, "2020Q2", plan=plan, progress=None)
    body = scorecards.card_body(ctx, "芦岭镇")
    assert "芦岭乡_2020Q2.xlsx" in body and "本期没有被退回的数据" not in body
    assert UNIDENTIFIED in body and "本期全区数沿用了本单位2020Q1的累计值" in body
    # the unit's own trend shows each quarter's increment over its last reported value
    t = scorecards.trend_table(ctx, "芦岭镇").set_index("指标")
    assert "新增" in t.loc["T02 新培育工商注册电商经营主体", "2020Q1"]


def test_sample_2020q3_district_fall_and_jump(sample):
    rd = report.load(sample, "2020Q3")
    f = rd.flags[rd.flags["scope"] == DISTRICT].set_index("indicator")
    # 符离镇 comes back correcting 12000 to 9000 (sample.LATER_OVERRIDES): the district falls, and says why
    assert f.loc["T01", "flag"] == "全区累计值下降" and "符离镇（12000→9000）" in f.loc["T01", "detail"]
    assert f.loc["T05", "flag"] == "全区环比异常增长"


def test_sample_reminders_xlsx_and_run_actions(sample, tmp_path):
    import openpyxl

    from helpers.run.reminders import run_actions, run_reminders
    from helpers.sample import PLANTED

    lines = []
    path = run_reminders("2020Q2", data_dir=sample, out_dir=tmp_path, progress=lines.append)
    ws = openpyxl.load_workbook(path).active
    units = {ws.cell(r, 2).value for r in range(4, ws.max_row + 1)}
    # 2020Q2: six units planted 未报送, and the three whose file named no known unit
    planted = {p.unit for p in PLANTED if p.quarter == "2020Q2" and p.outcome in ("missing", "unidentified")}
    assert units == planted and len(planted) == 9
    assert "芦岭镇（文件被退回（单位名称无法识别））" in lines[0]
    text = run_actions(sample, "2020Q2")
    # 35 files: 41 reporters − 6 that sent nothing; 3 returned whole (the misnamed); 1 row (大店镇 T01 待统计)
    assert "读取文件 35 个，其中整份退回 3 个" in text and "退回的数据行 1 行" in text
    assert str(sample / "processed" / "2020Q2" / "rejects.csv") in text
    assert "仍未收到可采用文件的单位 9 个" in text
