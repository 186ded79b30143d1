"""奖补资金测算 (docs/incentives.md): the rules as data, the optional basis indicators, the estimate,
incentives.csv and the report section. Expected figures are worked out by hand in each test."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pandas as pd
import pytest

from helpers.contract.paths import PROJECT_ROOT
from helpers.evaluate import incentives
from helpers.evaluate.completion import evaluate_quarter
from helpers.ingest import ingest_quarter
from helpers.plan.reference import DISTRICT, ReferenceDataError, load_plan
from helpers.plan.templates import BASIS_HINT, blank_form, instruction_lines
from helpers.report import sections as report

from .conftest import SEED
from .frames import qd

RULES_HEADER = "rule,name,words,basis,amount,rate,limit,currency,responsible,funds\n"
# a second plan's rules: each kind of rule once, and one basis (J06) that nobody reports
SCENARIO_RULES = RULES_HEADER + "\n".join([
    "A,示范镇,每个示范镇15万元。,T04,15,,定额,万元,区商务局、区财政局,T16",
    "B,品牌,每个品牌30万元以内。,T06,30,,分档,万元,区商务局,T16",
    "C,协作,网络销售额5%内。,J03,,5%,以内,万元,区商务局,T16",
    "D,培训,1200元/人。,T09B,1200,,定额,元,区人力资源社会保障局,T16",
    "E,出口,100万元以内。,J06,100,,分档,万元,区商务局,T16",
    "F,区级示范村,不超过3万元。,T03A-J02,3,,不超过,万元,区商务局,T16",
]) + "\n"
HRSS = "区人力资源社会保障局"


@pytest.fixture
def scenario_plan(ref_copy):
    (ref_copy / "incentives.csv").write_text(SCENARIO_RULES, encoding="utf-8")
    return load_plan(ref_copy)


def _history():
    q4 = qd("2019Q4", [
        {"unit": "符离镇", "indicator": "T04", "value": 1}, {"unit": "永安镇", "indicator": "T04", "value": 1},
        {"unit": "符离镇", "indicator": "T06", "value": 2},
        {"unit": "符离镇", "indicator": "J03", "value": 100},
        {"unit": "永安镇", "indicator": "J03", "value": 40, "approximate": "true"},
        {"unit": HRSS, "indicator": "T09B", "value": 620},
        {"unit": "符离镇", "indicator": "T03A", "value": 3}, {"unit": "符离镇", "indicator": "J02", "value": 1},
        {"unit": "永安镇", "indicator": "T03A", "value": 1},
        {"unit": "区商务局", "indicator": "T16", "value": 200},
    ])
    q1 = qd("2020Q1", [  # 永安镇 sends no T04 and no J03 this quarter: its 2019Q4 values are carried
        {"unit": "符离镇", "indicator": "T04", "value": 1}, {"unit": "大店镇", "indicator": "T04", "value": 1},
        {"unit": "符离镇", "indicator": "T06", "value": 3},
        {"unit": "符离镇", "indicator": "J03", "value": 150},
        {"unit": HRSS, "indicator": "T09B", "value": 1150},
        {"unit": "符离镇", "indicator": "T03A", "value": 4}, {"unit": "符离镇", "indicator": "J02", "value": 2},
        {"unit": "永安镇", "indicator": "T03A", "value": 2},
        {"unit": "区商务局", "indicator": "T16", "value": 250},
    ])
    return {"2019Q4": q4, "2020Q1": q1}


def _district(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["scope"] == DISTRICT].set_index("rule")


def test_hand_computed_scenario(scenario_plan):
    plan = scenario_plan
    history = _history()
    q4 = _district(incentives.incentives_frame(history, "2019Q4", dt.date(2019, 12, 31), plan))
    frame = incentives.incentives_frame(history, "2020Q1", dt.date(2020, 3, 31), plan)
    d = _district(frame)
    # by hand, 2019Q4: A 2 towns × 15 = 30; B 2 × 30 = 60; C (100 + 40) × 5% = 7; D 620 × 1200元 = 74.4万元;
    # F 符离镇 3 − 1 = 2, 永安镇 1 − 0 (J02 not reported: nothing subtracted) = 1 → 3 × 3 = 9
    assert q4["estimate_wan"].to_dict() == pytest.approx(
        {"A": 30, "B": 60, "C": 7, "D": 74.4, "E": float("nan"), "F": 9}, nan_ok=True)
    # 2020Q1: A 符离镇 1 + 大店镇 1 + 永安镇 1 carried = 3 → 45; B 3 × 30 = 90; C 150 + 40 carried = 190 →
    # 9.5; D 1150 × 1200元 = 138万元; F (4 − 2) + (2 − 0) = 4 → 12
    expected = {"A": 45, "B": 90, "C": 9.5, "D": 138, "F": 12}
    for rule, wan in expected.items():
        assert d.loc[rule, "estimate_wan"] == pytest.approx(wan), rule
    # what is new this quarter: the change against 2019Q4
    new = {"A": 15, "B": 30, "C": 2.5, "D": 63.6, "F": 3}
    for rule, wan in new.items():
        assert d.loc[rule, "new_wan"] == pytest.approx(wan), rule
    assert d.loc["D", "basis_value"] == 1150 and d.loc["D", "amount_per_item"] == 1200
    assert d.loc["C", "rate"] == pytest.approx(0.05) and pd.isna(d.loc["C", "amount_per_item"])
    assert d.loc["A", "ceiling"] == "false" and d.loc["B", "ceiling"] == "true" and d.loc["F", "ceiling"] == "true"
    # a basis nobody reported: 未报, no number, never 0
    assert pd.isna(d.loc["E", "basis_value"]) and pd.isna(d.loc["E", "estimate_wan"])
    assert d.loc["E", "note"] == incentives.NOT_REPORTED
    # the notes say what stands behind each figure: carried, approximate, not reported
    assert "沿用上期1个单位" in d.loc["A", "note"] and "不含未报单位24个" in d.loc["A", "note"]
    assert "含估算" in d.loc["C", "note"]
    units = frame[frame["scope"] != DISTRICT].set_index(["rule", "scope"])
    assert units.loc[("A", "永安镇"), "note"] == "T04沿用上期（2019Q4）"
    assert units.loc[("A", "永安镇"), "estimate_wan"] == 15
    assert "J02未报，按0扣减" in units.loc[("F", "永安镇"), "note"]
    assert units.loc[("A", "北杨寨乡"), "note"] == "未报" and pd.isna(units.loc[("A", "北杨寨乡"), "estimate_wan"])
    assert units.loc[("D", HRSS), "estimate_wan"] == pytest.approx(138)


def test_section_says_upper_bound_and_never_zero_for_unreported(scenario_plan):
    plan = scenario_plan
    frame = incentives.incentives_frame(_history(), "2020Q1", dt.date(2020, 3, 31), plan)
    text = "".join(incentives.sentences(frame, plan, dt.date(2020, 3, 31), {"T16": 250.0}))
    # total by hand: 45 + 90 + 9.5 + 138 + 12 = 294.5; new 15 + 30 + 2.5 + 63.6 + 3 = 114.1
    assert "合计上限294.5万元" in text and "本季度新增114.1万元" in text
    assert "测算值是上限，不是资金安排决定" in text
    assert "1项条款的测算依据尚无单位报送（出口）" in text
    assert "累计250万元" in text and "测算上限比已使用资金多44.5万元" in text
    table = incentives.report_table(frame, plan).set_index("条款")
    assert table.loc["出口", "测算上限"] == "未报" and table.loc["出口", "本季度新增"] == "—"
    assert table.loc["出口", "测算依据"] == "J06：未报"
    assert table.loc["培训", "测算上限"] == "138万元" and table.loc["培训", "方案原文"] == "“1200元/人。”"
    assert table.loc["合计", "测算上限"] == "294.5万元"
    assert table.loc["品牌", "标准"] == "≤30万元/个" and table.loc["示范镇", "标准"] == "15万元/个（定额）"
    matrix = incentives.basis_matrix(frame, plan).set_index("单位")
    assert matrix.loc["永安镇", "T04（个）"] == "1*" and matrix.loc["北杨寨乡", "T04（个）"] == "未报"
    assert matrix.loc[HRSS, "T09B（人）"] == "1,150"


def test_a_plan_without_rules_has_no_estimate_and_no_section(ref_copy, tmp_path):
    (ref_copy / "incentives.csv").unlink()
    plan = load_plan(ref_copy)
    assert plan.incentives == []
    folder = tmp_path / "processed"
    (folder / "incentives.csv").parent.mkdir(parents=True)
    (folder / "incentives.csv").write_text("stale", encoding="utf-8")
    assert incentives.write_quarter(_history(), "2020Q1", dt.date(2020, 3, 31), plan, folder) is None
    assert not (folder / "incentives.csv").exists()
    assert incentives.read(folder) is None


def test_rules_quote_the_plan_and_name_known_indicators(plan):
    seed = re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))
    assert len(plan.incentives) == 11
    for rule in plan.incentives:
        assert rule.words and re.sub(r"\s+", "", rule.words) in seed, rule.rule
        assert all(code in plan.catalogue for _, code in rule.terms)
        assert rule.funds in plan.indicators  # the money used, against which the total is set
    by_basis = {r.basis: r for r in plan.incentives}
    assert by_basis["T09B"].estimate(620) == pytest.approx(74.4) and not by_basis["T09B"].ceiling
    assert by_basis["T05"].amount == 100 and by_basis["T05"].ceiling


def test_basis_indicators_are_outside_the_annex_tasks(plan):
    assert plan.basis and not set(plan.basis) & set(plan.indicators)
    for ind in plan.basis.values():
        assert ind.basis and ind.kind == "info" and ind.district_target is None and ind.task == 0
        assert not ind.unit_targets and not ind.scored
    form = blank_form(plan, "符离镇", "2020Q2")
    rows = {r.code: r for r in form.rows}
    basis = [c for c in rows if c in plan.basis]
    assert basis and all(rows[c].target is None and rows[c].hint == BASIS_HINT for c in basis)
    assert list(rows)[-len(basis):] == basis  # after the annex tasks' rows
    lines = dict(instruction_lines(plan, form))
    assert all(BASIS_HINT in lines[c] for c in basis)


@pytest.mark.parametrize("line,pattern", [
    ("X1,坏,文字,T99,1,,定额,万元,区商务局,T16", r"incentives\.csv 第13行.*T99.*不在指标目录中"),
    ("X1,坏,文字,T04,1,5%,定额,万元,区商务局,T16", r"第13行.*只填写一个"),
    ("X1,坏,文字,T04,1,,最多,万元,区商务局,T16", r"第13行.*标准性质“最多”"),
    ("X1,坏,文字,T04,,5%,以内,万元,区商务局,T16", r"第13行.*T04 的计量单位“个”应为货币单位“万元”"),
    ("X1,坏,文字,T04,1,,定额,万元,火星局,T16", r"第13行.*火星局.*未登记"),
    ("R01,坏,文字,T04,1,,定额,万元,区商务局,T16", r"第13行.*R01.*重复"),
])
def test_broken_rules_are_named(ref_copy, line, pattern):
    with (ref_copy / "incentives.csv").open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    with pytest.raises(ReferenceDataError, match=pattern):
        load_plan(ref_copy)


def test_a_basis_indicator_takes_no_target(ref_copy):
    with (ref_copy / "unit_targets.csv").open("a", encoding="utf-8") as fh:
        fh.write("J01,符离镇,1,否\n")
    with pytest.raises(ReferenceDataError, match=r"unit_targets\.csv.*J01.*不设目标"):
        load_plan(ref_copy)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    data = tmp_path_factory.mktemp("incentives") / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw")
    for q in ("2019Q4", "2020Q1"):
        ingest_quarter(q, data)
        evaluate_quarter(q, data_dir=data)
    return data


def test_sample_basis_is_read_like_any_value_and_never_scored(sample, plan):
    subs = pd.read_csv(sample / "processed" / "2019Q4" / "submissions.csv", encoding="utf-8-sig", dtype=str)
    basis = subs[subs["indicator"].isin(plan.basis)]
    townships = set(plan.catalogue["J01"].reporters)
    assert len(set(basis[basis["indicator"] == "J01"]["unit"])) >= 0.9 * len(townships) - 1  # most units
    for name in ("completion", "trend", "flags"):
        df = pd.read_csv(sample / "processed" / "2019Q4" / f"{name}.csv", encoding="utf-8-sig", dtype=str)
        assert not set(df["indicator"]) & set(plan.basis), name


def test_sample_estimate(sample, plan):
    path = sample / "processed" / "2019Q4" / "incentives.csv"
    q4 = _district(incentives.read(path.parent))
    t09b = next(r.rule for r in plan.incentives if r.basis == "T09B")
    # 区人力资源社会保障局 reports 620 qualified trainees; 620 × 1200元 = 744,000元 = 74.4万元
    assert q4.loc[t09b, "basis_value"] == 620 and q4.loc[t09b, "estimate_wan"] == pytest.approx(74.4)
    j06 = next(r.rule for r in plan.incentives if r.basis == "J06")
    assert q4.loc[j06, "note"] == "未报" and pd.isna(q4.loc[j06, "estimate_wan"])  # 区商务局 sent none in 2019Q4
    q1 = incentives.read(sample / "processed" / "2020Q1").set_index(["rule", "scope"])
    j01 = next(r.rule for r in plan.incentives if r.basis == "J01")
    assert q1.loc[(j01, "解集乡"), "note"] == "J01沿用上期（2019Q4）"  # 解集乡 left the basis out in 2020Q1
    assert q1.loc[(t09b, DISTRICT), "new_wan"] == pytest.approx((1150 - 620) * 1200 / 10000)


def test_sample_section_html(sample, plan, ref_copy):
    rd = report.load(sample, "2019Q4")
    (ref_copy / "incentives.csv").unlink()
    assert report.incentives_html(rd, load_plan(ref_copy), sample) == ""  # a plan with no rules: no section
    section = report.incentives_html(rd, plan, sample)
    assert "七、奖补资金测算（上限）" in section and "测算值是上限，不是资金安排决定" in section
    assert "74.4万元" in section and "T09B：620人" in section
    assert "区人力资源社会保障局" in section and "1200元/人（定额）" in section  # who stands behind it


def test_ingest_checks_a_basis_value_like_any_value(plan):
    from helpers.ingest import NOT_REPORTER, RowReject, parse_row

    row = parse_row({"code": "j01", "value": "3", "status": ""}, "符离镇", plan)
    assert (row["indicator"], row["value"]) == ("J01", 3)
    assert parse_row({"name": plan.basis["J03"].name, "value": "1.2亿元"}, "符离镇", plan)["value"] == 12000
    with pytest.raises(RowReject, match="负"):
        parse_row({"code": "J01", "value": -2}, "符离镇", plan)
    with pytest.raises(RowReject, match=NOT_REPORTER):
        parse_row({"code": "J06", "value": 1}, "符离镇", plan)  # only 区商务局 reports exporters


def test_a_conflicted_basis_is_not_used_and_the_earlier_value_is_carried(scenario_plan):
    history = _history()
    q1 = history["2020Q1"]
    q1.rejects = pd.DataFrame([{"unit": "符离镇", "indicator": "J03", "reason": "数据冲突：符离镇 J03 …"}])
    q1.submissions = q1.submissions[~((q1.submissions["unit"] == "符离镇") & (q1.submissions["indicator"] == "J03"))]
    frame = incentives.incentives_frame(history, "2020Q1", dt.date(2020, 3, 31), scenario_plan)
    units = frame.set_index(["rule", "scope"])
    # 符离镇's 2019Q4 100 and 永安镇's 2019Q4 40, both carried: (100 + 40) × 5% = 7, nothing new
    assert units.loc[("C", "符离镇"), "note"] == "J03数据冲突；J03沿用上期（2019Q4）"
    assert units.loc[("C", DISTRICT), "estimate_wan"] == pytest.approx(7)
    assert units.loc[("C", DISTRICT), "new_wan"] == pytest.approx(0)
