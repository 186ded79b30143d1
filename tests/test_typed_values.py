"""Typed values parsed once (issue 18): the frozen parameters object built from params.yaml's SCHEMA,
the Quarter and evaluation date parsed at the edge, 03_report held to the date 02 evaluated at, lead
rows told from the plan, not from prose, and scorecards re-reading a raw file newer than its output."""

import dataclasses
import datetime as dt
import os
import pickle
import re
import shutil
import time

import pytest

from helpers.contract.datasets import SUBMISSIONS, read
from helpers.contract.paths import PROJECT_ROOT, processed_dir
from helpers.plan import params as P
from helpers.plan.quarters import Period, Quarter, as_of_date, parse_date
from helpers.plan.reference import load_plan
from helpers.report import scorecards
from helpers.report import sections as report
from helpers.run import cards, pipeline

from .runs import evaluated_sample

Q = "2019Q4"

# ---------------------------------------------------------------- the parameters object


def test_params_is_frozen_and_refuses_unknown_keys(plan):
    p = plan.params
    assert isinstance(p, P.Params) and dataclasses.is_dataclass(p)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.jump_ratio = 8
    with pytest.raises(TypeError):
        P.Params(jump_ratios=8)  # a typo is no field
    with pytest.raises(TypeError):
        p.replace(severe_lag_point=0.2)
    with pytest.raises(AttributeError):
        _ = p.severe_lag_point
    with pytest.raises(TypeError):  # no mapping view: attributes only
        _ = p["severe_lag_point"]
    with pytest.raises(TypeError):
        p.jump_floor["万元"] = 1  # the nested table is read-only too
    assert p.replace(jump_ratio=8).jump_ratio == 8 and p.jump_ratio != 8  # a copy, the plan's unchanged


def test_every_default_is_the_schema_line_and_the_fields_are_its_keys():
    assert [f.name for f in dataclasses.fields(P.Params)] == [p.key for p in P.SCHEMA]
    for line in P.SCHEMA:
        assert getattr(P.DEFAULTS, line.key) == line.default, line.key
    assert P.DEFAULTS.late_report_days == 10 and P.DEFAULTS.resubmit_days == 5


def test_a_nested_table_is_a_frozen_object_of_its_own_lines():
    schema = P.SCHEMA + (P.Param("group", P.table(P.Param("a", P.integer(0), 3, "甲"),
                                                   P.Param("b", P.mapping(P.number()), {}, "乙")), None, "组"),)
    cls = P._params_class("WithGroup", schema)
    built = P.build(P.validate({"group": {"a": 5}}, schema=schema), schema, cls)
    assert built.group.a == 5 and dict(built.group.b) == {} and cls().group.a == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.group.a = 6
    with pytest.raises(TypeError):
        P.build({"group": {"c": 1}}, schema, cls)


def test_params_are_built_once_from_the_file_with_its_values(ref_copy):
    path = ref_copy / "params.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "resubmit_days: 9\n", encoding="utf-8")
    p = load_plan(ref_copy).params
    assert p.resubmit_days == 9 and p.late_report_days == 10
    assert isinstance(p.plan_start, dt.date) and p.organization
    # read by attribute only: no mapping view through which a default could be repeated
    assert [f.name for f in dataclasses.fields(p)] == [x.key for x in P.SCHEMA]
    with pytest.raises(TypeError):
        p["resubmit_days"]  # noqa: B018
    assert not hasattr(p, "get")


def test_no_parameter_default_is_repeated_at_a_call_site():
    """plan.params is read by attribute, everywhere (ingest included)."""
    offenders = []
    for path in sorted((PROJECT_ROOT / "src" / "helpers").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"plan\.params\.get\(|plan\.params\[", line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    for nb in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        if re.search(r"plan\.params\.get\(|plan\.params\[", nb.read_text(encoding="utf-8")):
            offenders.append(nb.name)
    assert offenders == []


# ---------------------------------------------------------------- the quarter and the date


@pytest.mark.parametrize("text", ["2019Q4", "2019-Q4", "2019年第四季度", "2019年4季度", "2019年10-12月"])
def test_a_quarter_round_trips(text):
    q = Quarter(text)
    assert q == "2019Q4" and Quarter(str(q)) == q and type(str(q)) is str
    assert (q.year, q.number, q.start, q.end, q.label) == (2019, 4, dt.date(2019, 10, 1), dt.date(2019, 12, 31),
                                                           "2019年第四季度")
    assert pickle.loads(pickle.dumps(q)) == q and type(pickle.loads(pickle.dumps(q))) is Quarter
    assert Quarter(q) is q  # parsed once: a Quarter passes through untouched


def test_quarters_order_and_step_across_years():
    qs = [Quarter(t) for t in ("2020Q2", "2019Q4", "2020年第一季度", "2019Q3")]
    assert sorted(qs) == ["2019Q3", "2019Q4", "2020Q1", "2020Q2"]
    assert Quarter("2020Q1").previous() == "2019Q4" and Quarter("2019Q4").next() == "2020Q1"
    assert Quarter("2020Q1").previous().end == dt.date(2019, 12, 31) < Quarter("2020Q1").start
    assert Quarter.of(dt.date(2020, 5, 17)) == "2020Q2" and Quarter("2020Q1").end == dt.date(2020, 3, 31)


@pytest.mark.parametrize("bad", ["2019Q5", "2019", "", None, "第四季度"])
def test_an_unknown_quarter_is_refused_in_chinese(bad):
    with pytest.raises(ValueError, match="无法识别，请写作 2019Q4"):
        Quarter(bad)


def test_the_evaluation_date_defaults_to_the_quarter_end_in_one_place():
    assert as_of_date("2020Q1") == as_of_date("2020Q1", "") == dt.date(2020, 3, 31)
    assert as_of_date("2020Q1", "2020-03-20") == as_of_date("2020Q1", dt.date(2020, 3, 20)) == dt.date(2020, 3, 20)
    period = Period.parse("2019年第四季度", "")
    assert period == Period(Quarter("2019Q4"), dt.date(2019, 12, 31)) and type(period.quarter) is Quarter
    assert parse_date("") is None
    with pytest.raises(ValueError, match="编制日期“2020/01/05”无法识别"):
        parse_date("2020/01/05", "编制日期")


def test_the_reporting_deadline_is_one_rule_for_forms_notices_and_lateness(plan):
    """quarter end + late_report_days, in quarters.reporting_deadline only: the form's 报送时限, the notice's
    deadline and the evaluation's 迟报 all move together when the parameter changes."""
    from helpers.evaluate import completion as C
    from helpers.plan import templates
    from helpers.plan.quarters import reporting_deadline
    from helpers.report import notices

    three = plan.params.replace(late_report_days=3)
    assert reporting_deadline("2019Q4", three) == dt.date(2020, 1, 3)
    assert reporting_deadline("2019Q4", plan.params) == dt.date(2019, 12, 31) + dt.timedelta(plan.params.late_report_days)
    short = dataclasses.replace(plan, params=three)
    unit = plan.reporters()[0]
    lines = dict(templates.instruction_lines(short, templates.blank_form(short, unit, "2019Q4")))
    assert "即 2020-01-03 前报送" in lines["报送时限"]
    assert notices.deadline("2019Q4", dt.date(2019, 12, 31), three) == dt.date(2020, 1, 3) + dt.timedelta(
        three.resubmit_days)
    assert C.reporting_deadline("2019Q4", short) == dt.date(2020, 1, 3)
    offenders = [f"{path.relative_to(PROJECT_ROOT)}:{n}" for path in sorted((PROJECT_ROOT / "src").rglob("*.py"))
                 if path.name != "quarters.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if re.search(r"timedelta\(days=\S*late_report_days", line)]
    assert offenders == []


# ---------------------------------------------------------------- 03_report holds to the date 02 used


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """2019Q4 of the sample, ingested and evaluated at 2020-01-10 (not the quarter's end)."""
    return evaluated_sample(tmp_path_factory.mktemp("asof"), Q, dt.date(2020, 1, 10))


def test_the_report_uses_the_date_it_is_given_or_refuses_in_chinese(evaluated, plan):
    assert report.load(evaluated, Q, plan, as_of=dt.date(2020, 1, 10)).as_of == dt.date(2020, 1, 10)
    assert report.load(evaluated, Q, plan).as_of == dt.date(2020, 1, 10)  # a library caller: what 02 wrote
    with pytest.raises(report.EvaluationDateMismatch) as err:
        report.load(evaluated, Q, plan, as_of=dt.date(2019, 12, 31))
    message = str(err.value)
    assert "评估日期不一致" in message and "2019-12-31" in message and "2020-01-10" in message
    assert "completion.csv" in message and "--as-of 2019-12-31" in message


@pytest.mark.slow
def test_03_report_with_a_mismatching_as_of_fails_in_chinese(evaluated, tmp_path):
    out = tmp_path / "03_report.ipynb"
    with pytest.raises(pipeline.RunError) as err:  # its default as_of is the quarter's end, 2019-12-31
        pipeline.execute("03_report.ipynb", out, {"quarter": Q, "as_of": "", "data_dir": str(evaluated),
                                                  "output_dir": str(tmp_path)}, cwd=evaluated.parent)
    assert "评估日期不一致" in str(err.value) and "2020-01-10" in str(err.value) and "2019-12-31" in str(err.value)


# ---------------------------------------------------------------- lead rows from the plan


def test_lead_rows_are_told_by_the_plan_not_by_the_flags_text(evaluated, plan):
    bureau = "区交通运输局"  # leads task 14, whose T14 the townships report
    led = plan.led_indicators(bureau)
    assert "T14" in led and not led & {i.code for i in plan.indicators_for(bureau)}
    ctx = cards.card_context(evaluated, Q, dt.date(2020, 1, 10), plan, progress=None)
    ctx.rd.completion["flags"] = ""  # no prose left to find them by
    own = set(scorecards._own_rows(ctx, bureau)["indicator"])
    assert own and not own & led
    roles = report.bureau_table(ctx.rd, plan)
    assert set(roles[(roles["单位"] == bureau) & (roles["角色"] == "牵头（全区数）")]["指标"].str[:3]) >= {"T14"}


# ---------------------------------------------------------------- one staleness rule


def test_ensure_processed_rereads_a_raw_file_newer_than_its_output(tmp_path, plan):
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / Q, data / "raw" / Q)
    late = "三里湾街道_2019Q4.csv"
    held = tmp_path / late
    shutil.move(data / "raw" / Q / late, held)  # not arrived yet at the first evaluation
    assert pipeline.stale(data, Q)
    assert cards.ensure_processed(data, Q, plan) is True
    assert "三里湾街道" not in set(read(processed_dir(data, Q), SUBMISSIONS)["unit"])
    assert not pipeline.stale(data, Q) and cards.ensure_processed(data, Q, plan) is False

    time.sleep(0.01)
    shutil.copy(held, data / "raw" / Q / late)  # arrives later: an existing completion.csv must not hide it
    assert os.stat(data / "raw" / Q / late).st_mtime_ns > os.stat(processed_dir(data, Q) / "submissions.csv").st_mtime_ns
    assert pipeline.stale(data, Q)
    assert cards.ensure_processed(data, Q, plan) is True
    assert "三里湾街道" in set(read(processed_dir(data, Q), SUBMISSIONS)["unit"])
    completion = read(processed_dir(data, Q), "completion")
    assert "三里湾街道" in set(completion["scope"])
    assert not pipeline.stale(data, Q) and cards.ensure_processed(data, Q, plan) is False
