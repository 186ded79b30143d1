"""Evaluation: hand-computed cases for pace, every status, district figures, flags and scores."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.evaluate.completion import (
    BEHIND,
    CONFLICT,
    DONE,
    DONE_LATE,
    FAR_BEHIND,
    MISSING,
    ON_PACE,
    OVERDUE,
    STATUSES,
    STRIVE_MISSED,
    evaluate,
    pace,
    status_for,
)
from helpers.plan.reference import DISTRICT

from .frames import qd

D = dt.date
START, DEADLINE = D(2019, 10, 12), D(2019, 12, 31)  # 80 days apart



def row(ev, scope, code):
    df = ev.completion
    hit = df[(df["scope"] == scope) & (df["indicator"] == code)]
    assert len(hit) == 1, (scope, code, len(hit))
    return hit.iloc[0]


# ------------------------------------------------------------------ pace


@pytest.mark.parametrize("as_of,expected", [
    (D(2019, 10, 1), 0.0), (START, 0.0), (D(2019, 11, 21), 0.5), (DEADLINE, 1.0), (D(2020, 3, 31), 1.0)])
def test_pace_in_days(as_of, expected):
    assert pace(as_of, DEADLINE, START) == pytest.approx(expected)


def test_pace_in_months_and_for_a_later_deadline():
    assert pace(D(2019, 12, 31), D(2020, 3, 31), START) == pytest.approx(80 / 171)
    # months: whole calendar months, October being month 1; on 12 Dec two are complete of the three to 31 Dec
    assert pace(D(2019, 12, 12), DEADLINE, START, "months") == pytest.approx(2 / 3)
    assert pace(D(2019, 12, 31), D(2020, 3, 31), START, "months") == pytest.approx(3 / 6)


# ------------------------------------------------------------------ status table


@pytest.mark.parametrize("kwargs,expected", [
    (dict(rate=1.0, expected=1.0, deadline_passed=False), DONE),
    (dict(rate=1.2, expected=1.0, deadline_passed=True), DONE),
    (dict(rate=1.0, expected=1.0, deadline_passed=True, reached_late=True), DONE_LATE),
    (dict(rate=0.5, expected=0.5, deadline_passed=False), ON_PACE),
    (dict(rate=0.2, expected=0.5, deadline_passed=False), BEHIND),  # exactly 30 points behind
    (dict(rate=0.19, expected=0.5, deadline_passed=False), FAR_BEHIND),
    (dict(rate=0.99, expected=1.0, deadline_passed=True), OVERDUE),
    (dict(rate=0.0, expected=1.0, deadline_passed=True, strive=True), STRIVE_MISSED),
    (dict(rate=0.0, expected=1.0, deadline_passed=False, strive=True), FAR_BEHIND),
    (dict(rate=None, expected=1.0, deadline_passed=False, state="missing"), MISSING),
    (dict(rate=2.0, expected=1.0, deadline_passed=False, state="conflict"), CONFLICT),
])
def test_status_table(kwargs, expected):
    assert status_for(**kwargs) == expected


# ------------------------------------------------------------------ a quarter by hand

Q4_ROWS = [
    dict(unit="符离镇", indicator="T01", value=6000), dict(unit="芦岭镇", indicator="T01", value=3000),
    dict(unit="符离镇", indicator="T02", value=3), dict(unit="芦岭镇", indicator="T02", value=4),
    dict(unit="朱仙庄镇", indicator="T02", value=2), dict(unit="三八街道", indicator="T02", value=7),
    dict(unit="符离镇", indicator="T14", value=18, denominator=20),
    dict(unit="芦岭镇", indicator="T14", value=10, denominator=10),
    dict(unit="符离镇", indicator="T08", status="已完成", evidence="合作协议3份"),
    dict(unit="芦岭镇", indicator="T08", status="已完成", evidence=""),
    dict(unit="区农业农村局", indicator="T07A", value=12),
    dict(unit="区农业农村局", indicator="T07B", status="已完成", evidence="追溯平台截图"),
    dict(unit="区人力资源社会保障局", indicator="T09A", value=1),
    dict(unit="区商务局", indicator="T17", value=0),
    dict(unit="区商务局", indicator="T11A", value=30),
    dict(unit="符离镇", indicator="T11A", value=10), dict(unit="芦岭镇", indicator="T11A", value=12),
    dict(unit="大泽乡镇", indicator="T04", value=0),
]
Q1_ROWS = [
    dict(unit="符离镇", indicator="T01", value=5500), dict(unit="芦岭镇", indicator="T01", value=30000),
    dict(unit="符离镇", indicator="T02", value=5), dict(unit="芦岭镇", indicator="T02", value=4),
    dict(unit="朱仙庄镇", indicator="T02", value=2),
    dict(unit="区商务局", indicator="T17", value=1), dict(unit="区人力资源社会保障局", indicator="T09A", value=1),
    dict(unit="大泽乡镇", indicator="T04", value=0),
]


@pytest.fixture(scope="module")
def q4(plan):
    return evaluate({"2019Q4": qd("2019Q4", Q4_ROWS)}, "2019Q4", plan=plan)


@pytest.fixture(scope="module")
def q1(plan):
    history = {"2019Q4": qd("2019Q4", Q4_ROWS),
               "2020Q1": qd("2020Q1", Q1_ROWS, rejects=[("苗安乡", "T02", "数据冲突：与另一文件不同")])}
    return evaluate(history, "2020Q1", plan=plan)


def test_district_sum_over_reporters_with_missing_named(q4):
    r = row(q4, DISTRICT, "T01")
    assert (r.target, r.actual, r.expected) == (15000, 9000, 1.0)
    assert r.rate == pytest.approx(0.6)
    assert r.status == FAR_BEHIND  # 60% < 100% − 30 points, deadline not passed on 31 Dec
    assert "不含未报送单位26个" in r["flags"]


def test_as_of_inside_the_quarter_changes_the_pace(plan):
    ev = evaluate({"2019Q4": qd("2019Q4", Q4_ROWS)}, "2019Q4", as_of=D(2019, 11, 30), plan=plan)
    r = row(ev, DISTRICT, "T01")
    assert r.expected == pytest.approx(49 / 80)
    assert r.status == BEHIND  # 60% is under 61.25% but within 30 points of it
    assert ev.completion["as_of"].unique().tolist() == ["2019-11-30"]


def test_unit_targets_and_contributions(q4):
    assert (row(q4, "符离镇", "T02").status, row(q4, "符离镇", "T02").rate) == (BEHIND, 0.75)
    assert row(q4, "芦岭镇", "T02").status == DONE
    assert row(q4, "朱仙庄镇", "T02").status == FAR_BEHIND
    assert row(q4, "蒿沟镇", "T02").status == MISSING
    sanba = row(q4, "三八街道", "T02")  # no unit target: value and share, unscored
    assert sanba.status == "" and np.isnan(sanba.rate) and "占全区43.8%" in sanba["flags"]
    assert row(q4, DISTRICT, "T02").actual == 16


def test_ratio_is_a_ratio_of_sums(q4):
    assert row(q4, DISTRICT, "T14").actual == pytest.approx(28 / 30)
    assert row(q4, "符离镇", "T14").rate == pytest.approx(0.9)
    assert row(q4, "芦岭镇", "T14").status == DONE


def test_qualitative_needs_evidence(q4):
    assert row(q4, "符离镇", "T08").status == DONE
    no_proof = row(q4, "芦岭镇", "T08")
    assert no_proof.rate == 0 and no_proof.status == FAR_BEHIND and "缺少佐证" in no_proof["flags"]
    d = row(q4, DISTRICT, "T08")  # 1 of the 25 townships done with evidence
    assert (d.actual, d.target) == (1, 25)


def test_milestones_and_the_deadline_inside_the_quarter(q4, q1):
    # T09A is due 31 Oct; first done in the quarter ending 31 Dec: reached after the deadline
    assert row(q4, DISTRICT, "T09A").status == DONE_LATE
    t17 = row(q4, DISTRICT, "T17")
    assert t17.expected == pytest.approx(80 / 171) and t17.status == FAR_BEHIND
    assert row(q1, DISTRICT, "T17").status == DONE  # done in the quarter ending on its deadline


def test_history_gives_late_completion_and_overdue(q1):
    assert row(q1, "符离镇", "T02").status == DONE_LATE
    assert row(q1, "芦岭镇", "T02").status == DONE
    assert row(q1, "朱仙庄镇", "T02").status == OVERDUE
    assert row(q1, "大泽乡镇", "T04").status == STRIVE_MISSED
    assert row(q1, "苗安乡", "T02").status == CONFLICT
    assert row(q1, DISTRICT, "T01").status == DONE_LATE  # 35500 ≥ 15000, first in 2020Q1


def test_credibility_flags(q1, q4):
    f = q1.flags
    down = f[(f["scope"] == "符离镇") & (f["indicator"] == "T01")]
    assert down["flag"].tolist() == ["累计值下降"] and "6000" in down["detail"].iloc[0]
    jump = f[(f["scope"] == "芦岭镇") & (f["indicator"] == "T01")]
    assert jump["flag"].tolist() == ["环比异常增长"]
    assert "累计值下降" in row(q1, "符离镇", "T01")["flags"]
    bureau = q4.flags[q4.flags["flag"] == "区级数据不一致"]
    assert bureau[["scope", "indicator"]].values.tolist() == [[DISTRICT, "T11A"], ["区商务局", "T11A"]]
    assert "30" in bureau["detail"].iloc[0]
    assert row(q4, DISTRICT, "T11A").actual == 22
    assert row(q4, DISTRICT, "T11A")["flags"].count("区级数据不一致") == 1
    assert "区级数据不一致" in row(q4, "区商务局", "T11A")["flags"]


def test_lead_bureaus_answer_for_the_district_figure(q4):
    lead = row(q4, "区商务局", "T01")
    assert lead.actual == 9000 and lead.status == FAR_BEHIND and "牵头任务" in lead["flags"]
    assert set(q4.completion[q4.completion["scope"] == "区商务局"]["indicator"]) >= {
        "T01", "T02", "T05", "T06", "T14", "T10", "T11A", "T11B", "T16", "T17"}
    assert len(q4.completion[(q4.completion["scope"] == "区经济和信息化局")]) == 1


def test_unit_score_is_the_mean_of_capped_rates(q4):
    s = q4.scores.set_index("scope")
    assert s.loc["区农业农村局", "score"] == pytest.approx((12 / 15 + 1) / 2)
    assert s.loc["区农业农村局", "indicators"] == 2
    # 芦岭镇 owes T02 T03A T03B T04(力争) T08 T10 T11B T12 T14 T15: T02 and T14 are 100%, T08 is 0
    # (no evidence), the seven it did not report count 0 → 2/10
    assert s.loc["芦岭镇", "indicators"] == 10
    assert s.loc["芦岭镇", "score"] == pytest.approx(2 / 10)
    assert s.loc["芦岭镇", "missing"] == 7


def test_reporting_rate_and_lateness(plan):
    files = [{"unit": "符离镇", "status": "ok", "reported_on": "2020-01-10"},
             {"unit": "芦岭镇", "status": "ok", "reported_on": "2020-01-11"},
             {"unit": "朱仙庄镇", "status": "rejected", "reported_on": ""}]
    ev = evaluate({"2019Q4": qd("2019Q4", Q4_ROWS[:2], files=files)}, "2019Q4", plan=plan)
    rep = ev.reporting.set_index("unit")
    assert rep.loc["符离镇", "status"] == "按时" and not rep.loc["符离镇", "late"]
    assert rep.loc["芦岭镇", "status"] == "迟报" and rep.loc["芦岭镇", "days_after_quarter_end"] == 11
    assert rep.loc["朱仙庄镇", "status"] == "文件被退回"
    assert rep.loc["蒿沟镇", "status"] == MISSING
    assert len(rep) == 41


def test_trend_has_every_quarter(q1):
    t = q1.trend[q1.trend["indicator"] == "T01"]
    assert t["quarter"].tolist() == ["2019Q4", "2020Q1"]
    assert t["actual"].tolist() == [9000, 35500]


# ------------------------------------------------------------------ properties

units = ["符离镇", "芦岭镇", "朱仙庄镇", "三八街道", "城东街道"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(units), st.integers(0, 50000)), unique_by=lambda t: t[0]),
       st.dates(D(2019, 10, 1), D(2020, 6, 30)))
def test_properties(plan, values, as_of):
    rows = [dict(unit=u, indicator="T01", value=v) for u, v in values]
    rows += [dict(unit=u, indicator="T02", value=v % 9) for u, v in values if u != "城东街道"]
    ev = evaluate({"2019Q4": qd("2019Q4", rows)}, "2019Q4", as_of=as_of, plan=plan)
    c = ev.completion
    assert (c["rate"].dropna() >= 0).all()
    assert (c["expected"].between(0, 1)).all()
    assert set(c["status"]) <= set(STATUSES) | {""}
    d = row(ev, DISTRICT, "T01")
    total = sum(v for _, v in values)
    assert (d.actual == total) if values else np.isnan(d.actual)
    assert len(c) == len(c.drop_duplicates(["scope", "indicator"]))
