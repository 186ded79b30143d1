"""evaluate's columnar paths (helpers.evaluate.completion: the cells grid, quarters joined row by row) give what
the merges on (unit, indicator) give: checked on a small synthetic province with duplicate rows,
unknown units, conflicts, gaps and carried values (docs/benchmarks.md, the 15,000-unit evaluate)."""

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

from helpers.contract import datasets as D
from helpers.contract import vocabulary as W
from helpers.contract.paths import PROJECT_ROOT
from helpers.evaluate import completion as C
from helpers.plan.reference import load_plan


def _synth():
    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("synth_province", PROJECT_ROOT / "benchmarks" / "synth_province.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    synth = _synth()
    plan = load_plan(synth.make_reference(tmp_path_factory.mktemp("ref") / "reference", 60, 4))
    qs = synth.quarter_list("2019Q4", 4)
    history = synth.make_history(plan, qs, missing=0.15)
    last = history[qs[-1]]
    subs = last.submissions
    extra = subs.iloc[:5].assign(value=subs["value"].iloc[:5] + 1)  # a unit's second row: the first counts
    stranger = subs.iloc[:2].assign(unit="不在名录的单位")
    subs = pd.concat([subs, extra, stranger], ignore_index=True)
    some = subs.iloc[[10, 40, 70]]
    rejects = pd.DataFrame({"quarter": qs[-1], "source_file": "x.xlsx", "source_sheet": "进展填报表", "source_row": "9",
                            "unit": some["unit"].to_numpy(), "indicator": some["indicator"].to_numpy(),
                            "raw_value": "1", "reason": "数据冲突", "kind": W.REJECT_CONFLICT})
    history[qs[-1]] = C.QuarterData(qs[-1], subs, rejects, last.log)
    return plan, history, qs


def _cells_by_merge(data, plan):
    """cells() as it was written with merges (the reference the grid must match)."""
    base = pd.DataFrame([(code, unit) for code, ind in plan.indicators.items() for unit in ind.reporters],
                        columns=["indicator", "unit"])
    keep = ["unit", "indicator", "value", "denominator", "status", "evidence", "approximate"]
    subs = data.submissions.reindex(columns=keep).drop_duplicates(["unit", "indicator"])
    out = base.merge(subs, on=["indicator", "unit"], how="left")
    conflicts = D.conflicted(data.rejects) if len(data.rejects) else set()
    kinds = out["indicator"].map({c: i.kind for c, i in plan.indicators.items()})
    has_value = out["value"].notna()
    has_status = out["status"].fillna("").astype(str).str.len() > 0
    present = np.where(kinds.isin(["qualitative", "milestone"]), has_status | has_value, has_value)
    in_conflict = np.array([(u, c) in conflicts for u, c in zip(out["unit"], out["indicator"], strict=True)])
    out["state"] = np.where(in_conflict, "conflict", np.where(present, "ok", "missing"))
    out["kind"] = kinds
    for col in ("status", "evidence", "approximate"):
        out[col] = out[col].fillna("").astype(str)
    return out


def test_cells_on_the_grid_are_the_merged_cells(province):
    plan, history, qs = province
    data = history[qs[-1]]
    got, want = C.cells(data, plan), _cells_by_merge(data, plan)
    pd.testing.assert_frame_equal(got, want)
    assert (got["state"] == "conflict").sum() == 3
    first = data.submissions.iloc[0]
    row = got[(got["unit"] == first["unit"]) & (got["indicator"] == first["indicator"])]
    assert row["value"].iloc[0] == first["value"]  # the first of two rows, not the second


def test_unit_targets_of_any_rows_are_those_of_their_grid_rows(province):
    plan, history, qs = province
    c = C.cells(history[qs[0]], plan)
    whole = C.unit_targets(c, plan)
    some = c.iloc[::7].iloc[::-1]  # other rows, another order: looked up by key
    part = C.unit_targets(some, plan)
    pd.testing.assert_frame_equal(part, whole.loc[some.index])
    assert whole["target"].notna().any() and not whole["strive"].isna().any()


def test_evaluate_row_by_row_is_evaluate_by_merges(province, monkeypatch):
    plan, history, qs = province
    fast = C.evaluate(history, qs[-1], plan=plan)
    assert len(fast.carried) and len(fast.flags)
    monkeypatch.setattr(C, "_aligned", lambda rates: False)  # every join by merge on (unit, indicator)
    slow = C.evaluate(history, qs[-1], plan=plan)
    for name in ("completion", "scores", "reporting", "flags", "trend", "carried"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)


def test_unit_statuses_are_the_status_table_row_by_row(province):
    plan, history, qs = province
    ev = C.evaluate(history, qs[-1], plan=plan)
    comp = ev.completion[ev.completion["scope"] != plan.district].set_index(["scope", "indicator"])
    cells = ev.cells.set_index(["unit", "indicator"])
    start, rule, severe = plan.params.plan_start, plan.params.pace_rule, plan.params.severe_lag_points
    checked = 0
    for (unit, code), r in cells[cells["target"].notna()].iterrows():
        ind = plan.indicators[code]
        if ind.kind == "info":
            continue
        expected = C.pace(ev.as_of, ind.deadline, start, rule)
        rate = None if r["rate"] != r["rate"] else r["rate"]
        want = C.status_for(rate, expected, ev.as_of > ind.deadline, strive=bool(r["strive"]), state=r["state"],
                            severe=severe, reached_late=comp.at[(unit, code), "status"] == C.DONE_LATE)
        assert comp.at[(unit, code), "status"] == want, (unit, code)
        checked += 1
    assert checked > 50
