"""A finished qualitative or milestone indicator stays done when the unit sends no row for it again
(docs/plan_life.md, 沿用上期): hand-worked on the bundled plan's T10 (qualitative, 区商务局、各乡镇、三八街道、汴河街道)
and T17 (milestone, 区商务局 alone).

    unit        2019Q4                    2020Q1
    符离镇       T10 已完成, 佐证 台账       no T10 row (file sent)      → carried as done
    芦岭镇       T10 已完成, 佐证 台账       T10 推进中                  → taken at its word: not done
    朱仙庄镇     T10 已完成, no 佐证         no T10 row                  → never done with evidence: nothing carried
    区商务局     T17 已完成                  no T17 row                  → carried as done
"""

import dataclasses

import pytest

from helpers.evaluate import completion as C
from helpers.evaluate.completion import MISSING, evaluate
from helpers.plan.reference import DISTRICT

from .frames import qd


def r(unit, code, value=None, status="", evidence=""):
    return dict(unit=unit, indicator=code, value=value, status=status, evidence=evidence,
                source_file=f"{unit}.xlsx")


def history():
    q4 = qd("2019Q4", [r("符离镇", "T10", status="已完成", evidence="台账"), r("芦岭镇", "T10", status="已完成", evidence="台账"),
                       r("朱仙庄镇", "T10", status="已完成"), r("区商务局", "T17", status="已完成", evidence="报告"),
                       r("符离镇", "T01", 6000), r("芦岭镇", "T01", 3000), r("朱仙庄镇", "T01", 1000)])
    q1 = qd("2020Q1", [r("符离镇", "T01", 9000), r("芦岭镇", "T10", status="推进中"), r("芦岭镇", "T01", 3500),
                       r("朱仙庄镇", "T01", 2000), r("区商务局", "T01", 14500)])
    return {"2019Q4": q4, "2020Q1": q1}


def district(ev, code):
    d = ev.completion
    return d[(d["scope"] == DISTRICT) & (d["indicator"] == code)].iloc[0]


@pytest.mark.parametrize("aligned", [True, False])
def test_a_done_qualitative_or_milestone_row_is_carried_as_done(plan, monkeypatch, aligned):
    if not aligned:  # the merge fallback gives the same
        monkeypatch.setattr(C, "_aligned", lambda rates: False)
    ev = evaluate(history(), "2020Q1", plan=plan)
    t10 = district(ev, "T10")
    assert t10.actual == 1 and t10.target == len(plan.indicators["T10"].reporters)
    assert "沿用上期1个单位：符离镇（2019Q4）" in t10["flags"]
    assert district(ev, "T17").actual == 1 and district(ev, "T17").rate == 1
    got = ev.carried[ev.carried["indicator"].isin(["T10", "T17"])]
    assert sorted(got[["indicator", "unit", "carried_from"]].values.tolist()) == [
        ["T10", "符离镇", "2019Q4"], ["T17", "区商务局", "2019Q4"]]
    # the unit itself is not rewarded (as with cumulative values): its own T10 is still 未报送
    own = ev.completion[(ev.completion["scope"] == "符离镇") & (ev.completion["indicator"] == "T10")].iloc[0]
    assert own.status == MISSING


def test_no_carry_when_carry_forward_is_off(plan):
    off = dataclasses.replace(plan, params=plan.params.replace(carry_forward=False))
    ev = evaluate(history(), "2020Q1", plan=off)
    assert district(ev, "T10").actual == 0 and district(ev, "T17").actual != 1
    assert ev.carried[ev.carried["indicator"].isin(["T10", "T17"])].empty
