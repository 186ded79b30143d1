"""Found by a new user's 县级市 plan (澜州市): the district-fall check leaves shares alone, the 数据不一致 note
names its 计量单位, and 元 amounts are written in 万元/亿元 (docs/plan_life.md 区级核查, docs/outputs.md)."""

import dataclasses

from helpers.evaluate import completion as C
from helpers.plan.reference import DISTRICT
from helpers.report import figures

from .frames import qd


def r(unit, code, value, denominator=None):
    return dict(unit=unit, indicator=code, value=value, denominator=denominator, source_file=f"{unit}.xlsx")


def test_a_falling_share_is_no_district_fall_but_a_falling_sum_is(plan):
    # T14 行政村通快递率 (ratio): 14/20 = 70% → 14/22 = 63.6% (more villages counted); T01 (amount) 9000 → 8000
    q4 = qd("2019Q4", [r("符离镇", "T14", 8, 10), r("芦岭镇", "T14", 6, 10), r("符离镇", "T01", 6000),
                       r("芦岭镇", "T01", 3000)])
    q1 = qd("2020Q1", [r("符离镇", "T14", 8, 12), r("芦岭镇", "T14", 6, 10), r("符离镇", "T01", 5000),
                       r("芦岭镇", "T01", 3000)])
    ev = C.evaluate({"2019Q4": q4, "2020Q1": q1}, "2020Q1", plan=plan)
    falls = ev.flags[(ev.flags["scope"] == DISTRICT) & (ev.flags["flag"] == f"{DISTRICT}累计值下降")]
    assert falls["indicator"].tolist() == ["T01"]
    assert ev.district().set_index("indicator").loc["T14", "actual"] < 0.7  # the share did fall


def test_the_mismatch_note_names_the_unit_of_measure_and_the_detail_stays_numbers(plan):
    t01 = dataclasses.replace(plan.indicators["T01"], unit="元",
                              reporters=(*plan.indicators["T01"].reporters, "区商务局"))
    p = dataclasses.replace(plan, indicators={**plan.indicators, "T01": t01})
    q = qd("2019Q4", [r("符离镇", "T01", 6000), r("芦岭镇", "T01", 2800), r("区商务局", "T01", 10000)])
    ev = C.evaluate({"2019Q4": q}, "2019Q4", plan=p)
    note = ev.district().set_index("indicator").loc["T01", "flags"]
    assert "部门报10000元，乡镇街道合计8800元" in note
    detail = ev.flags[(ev.flags["kind"] == "mismatch") & (ev.flags["scope"] == DISTRICT)]["detail"].tolist()
    assert detail == ["部门报10000，乡镇街道合计8800"]


def test_yuan_amounts_are_written_in_wan_and_yi():
    assert figures.amount(85000, "元") == "8.5万元"
    assert figures.amount(300000, "元") == "30万元"
    assert figures.amount(250_000_000, "元") == "2.5亿元"
    assert figures.amount(9800, "元") == "9,800元"
    assert figures.amount(644.5, "万元") == "644.5万元"  # 万元 as before


def test_a_notice_is_dated_the_compiling_date_and_signed_by_the_receiver(plan):
    import datetime as dt
    import types

    import pandas as pd

    from helpers.report import notices

    rd = types.SimpleNamespace(
        quarter="2019Q4", as_of=dt.date(2019, 12, 31),  # the default evaluation date: the quarter's end
        reporting=pd.DataFrame({"unit": ["大营镇"], "status": [notices.RETURNED]}),
        rejects=pd.DataFrame({"quarter": ["2019Q4"], "source_file": ["大营镇_2019Q4.xlsx"], "source_sheet": [""],
                              "source_row": [""], "unit": ["大营镇"], "indicator": [""], "raw_value": [""],
                              "reason": ["文件已损坏"]}),
        log={"files": [{"file": "大营镇_2019Q4.xlsx", "status": "rejected", "unit": "大营镇"}]})
    n = notices.notice_text(rd, "大营镇", plan)
    # 2019-12-31 + late_report_days 10: the run judged reporting on 2020-01-10; the 补报 deadline 5 days on
    assert n["date"] == "2020年1月10日" and n["deadline"] == dt.date(2020, 1, 15)
    assert plan.words.receiver == "区电商办" != plan.words.compiler  # the bundled plan.yaml names its receiver
    assert n["sign"] == "区电商办" and "重新报送区电商办" in n["body"][1]
    own = dataclasses.replace(plan, info=dataclasses.replace(plan.words, receiver=plan.words.compiler))
    assert notices.notice_text(rd, "大营镇", own)["sign"] == plan.params.organization  # none given: 编制单位
    # a run given a 编制日期 (--compiled) dates its notices on it; the 补报 deadline is resubmit_days after it,
    # or after the reporting deadline while that is still to come
    late = notices.notice_text(rd, "大营镇", plan, compiled=dt.date(2020, 1, 20))
    assert late["date"] == "2020年1月20日" and late["deadline"] == dt.date(2020, 1, 25) and "2020年1月25日前" in late["body"][1]
    early = notices.notice_text(rd, "大营镇", plan, compiled=dt.date(2020, 1, 5))
    assert early["date"] == "2020年1月5日" and early["deadline"] == dt.date(2020, 1, 15)


def test_the_run_s_compiling_date_reaches_its_notices(tmp_path):
    """yqeval run --compiled D: write_deliverables (the run's step after the report) dates the notices on D."""
    import datetime as dt

    from docx import Document

    from helpers.report.deliverables import write_deliverables

    from .runs import evaluated_sample

    data = evaluated_sample(tmp_path, "2019Q4", dt.date(2019, 12, 31))
    html = tmp_path / "r.html"
    html.write_text("<html><body><main><p>报告</p></main></body></html>", encoding="utf-8")
    for compiled, date in ((None, "2020年1月10日"), (dt.date(2020, 1, 20), "2020年1月20日")):
        folder = tmp_path / f"out_{compiled}"
        written = write_deliverables(html, folder, data, "2019Q4", "报告_2019Q4", title="报告", compiled=compiled)
        notices = [p for p in written if p.parent.name == "退回补报通知"]
        assert notices
        for p in notices:
            assert date in [x.text for x in Document(str(p)).paragraphs]


def test_an_indicator_named_with_the_whole_is_not_prefixed_twice():
    """A plan's indicator named 全县新建… (plan init keeps the annex's words) reads 全县新建…, not 全县全县新建…"""
    import types

    from helpers.report import sections

    rd = types.SimpleNamespace(whole="全县")
    assert sections.whole_name(rd, "全县新建村级数字化服务站") == "全县新建村级数字化服务站"
    assert sections.whole_name(rd, "新建村级数字化服务站") == "全县新建村级数字化服务站"
