"""Completion, pace (序时进度) and status against the plan (docs/evaluation.md).

Pure functions: processed submissions and rejects in, data frames out. I/O lives at the edges
(`load_history`, `evaluate_quarter`). Rates and 序时进度 are fractions (0.5 = 50%).

Missing is never zero: a unit that owes a value and has none is 未报送, and a district sum is the
sum over the units that did report (its flags say how many did not).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.contract import datasets as D
from helpers.contract import vocabulary as W
from helpers.contract.paths import processed_dir, reference_dir
from helpers.contract.vocabulary import (  # noqa: F401  status words (docs/evaluation.md), lights, reporting states: defined once
    BEHIND,
    CARRIED,
    CONFLICT,
    DONE,
    DONE_LATE,
    FAR_BEHIND,
    LIGHTS,
    MISSING,
    NOT_RECEIVED,
    ON_PACE,
    OVERDUE,
    PENDING,
    QUAL_DONE,
    QUAL_ONGOING,
    RETURNED,
    STATUSES,
    STRIVE_MISSED,
    UNIDENTIFIED,
)
from helpers.plan import quarters
from helpers.plan.reference import DISTRICT, Indicator, Plan, load_plan

CUMULATIVE = ("count", "amount", "ratio", "info")  # values that only add up over the plan's life (info: a count or amount with no target)
DONE_STAYS = ("qualitative", "milestone")  # once done (with evidence) stays done when the unit sends no row (docs/plan_life.md)

# the contract's columns (helpers.contract.datasets, docs/datasets.md)
COMPLETION_COLUMNS, SCORE_COLUMNS = list(D.COMPLETION.columns), list(D.SCORES.columns)
REPORTING_COLUMNS, FLAG_COLUMNS = list(D.REPORTING.columns), list(D.FLAGS.columns)
TREND_COLUMNS, CARRIED_COLUMNS = list(D.TREND.columns), list(D.CARRIED.columns)
EPS = 1e-9


# ---------------------------------------------------------------- pace and status


def _months_done(day: dt.date, start: dt.date) -> int:
    """Whole calendar months from the start month up to day: the start month is month 1, and a month
    counts once its last day is reached (31 Dec 2019 is the 3rd month of a plan issued in Oct 2019)."""
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return (day.year * 12 + day.month) - (start.year * 12 + start.month) + int(month_end)


def pace(as_of: dt.date, deadline: dt.date, start: dt.date, rule: str = "days") -> float:
    """序时进度 e = clamp((d − start) ÷ (deadline − start), 0, 1), in days or in whole months."""
    if as_of < start:
        return 0.0
    if rule == "months":
        elapsed, total = _months_done(as_of, start), _months_done(deadline, start)
    else:
        elapsed, total = (as_of - start).days, (deadline - start).days
    if total <= 0:
        return 1.0 if elapsed >= 0 else 0.0
    return float(min(1.0, max(0.0, elapsed / total)))


def status_for(rate: float | None, expected: float, deadline_passed: bool, *, reached_late: bool = False,
               strive: bool = False, state: str = "ok", severe: float = 0.30) -> str:
    """The status table of docs/evaluation.md for one indicator of one unit (or the district)."""
    if state == "conflict":
        return CONFLICT
    if state == "missing" or rate is None or (isinstance(rate, float) and np.isnan(rate)):
        return MISSING
    if rate >= 1 - EPS:
        return DONE_LATE if reached_late else DONE
    if deadline_passed:
        return STRIVE_MISSED if strive else OVERDUE
    if rate >= expected - EPS:
        return ON_PACE
    if rate >= expected - severe - EPS:
        return BEHIND
    return FAR_BEHIND


# ---------------------------------------------------------------- inputs


@dataclass
class QuarterData:
    """What ingest wrote for one quarter."""

    quarter: str
    submissions: pd.DataFrame
    rejects: pd.DataFrame
    log: dict = field(default_factory=dict)


def load_quarter(data_dir: str | Path, quarter: str) -> QuarterData:
    folder = processed_dir(data_dir, quarter)
    subs = D.read(folder, D.SUBMISSIONS)
    rejects = D.read(folder, D.REJECTS, missing_ok=True)
    log = D.read_json(folder, D.INGEST_LOG, missing_ok=True)
    return QuarterData(quarter, subs, rejects, log)


def load_history(data_dir: str | Path, quarter: str) -> dict[str, QuarterData]:
    """This quarter's processed data and every earlier quarter's that is present, oldest first.

    An earlier quarter whose raw folder is there but was never ingested is an error, not a gap.
    """
    wanted = quarters.present(data_dir, quarter, stage="processed")
    if quarter not in wanted:
        raise FileNotFoundError(f"没有 {quarter} 的处理结果：请先运行 yqeval ingest {quarter}")
    not_ingested = sorted(set(quarters.present(data_dir, quarter)) - set(wanted))
    if not_ingested:
        raise FileNotFoundError(f"{'、'.join(not_ingested)} 的报送文件尚未读取：请先运行 yqeval ingest，"
                                f"或用 yqeval run {quarter} 一并处理")
    return {q: load_quarter(data_dir, q) for q in wanted}


# ---------------------------------------------------------------- one quarter's cells


@dataclass
class Grid:
    """The (indicator, unit that owes it) rows of a plan, in the plan's order, with what depends on the
    plan alone: kind, target and strive mark (`unit_targets`). The same for every quarter, so evaluate
    builds it once; rows are matched to submissions by integer keys, not by merging text columns."""

    indicator: np.ndarray
    unit: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    strive: np.ndarray
    units: list[str]  # the units that owe something, in first-seen order (key = indicator no. × len + unit no.)
    codes: dict[str, int]  # indicator code → its number
    keys: pd.Index  # the rows' integer keys

    def __len__(self) -> int:
        return len(self.indicator)

    def key_of(self, indicator, unit) -> np.ndarray:
        """The integer key of each (indicator, unit) pair given; -1 where either is not in the grid."""
        ic = pd.Categorical(indicator, categories=list(self.codes)).codes.astype(np.int64)
        uc = pd.Categorical(unit, categories=self.units).codes.astype(np.int64)
        return np.where((ic >= 0) & (uc >= 0), ic * len(self.units) + uc, -1)

    def positions(self, indicator, unit) -> np.ndarray:
        """The (first) grid row of each (indicator, unit) pair given; -1 where it owes nothing."""
        key = self.key_of(indicator, unit)
        first = ~self.keys.duplicated()
        rows = np.flatnonzero(first)
        pos = self.keys[first].get_indexer(key)
        return np.where((key >= 0) & (pos >= 0), rows[np.maximum(pos, 0)] if len(rows) else -1, -1)


def grid(plan: Plan) -> Grid:
    """The plan's cells grid (one pass over indicators and reporters; `unit_targets` for every row)."""
    indicators, units, kinds, targets, strive = [], [], [], [], []
    unit_no: dict[str, int] = {}
    codes = {code: i for i, code in enumerate(plan.indicators)}
    keys = []
    for code, ind in plan.indicators.items():
        own = ind.unit_targets
        sole = ind.single_reporter if ind.kind != "info" else None
        sole_target = ind.district_target if ind.district_target is not None else 1.0
        for unit in ind.reporters:
            indicators.append(code)
            units.append(unit)
            kinds.append(ind.kind)
            ut = own.get(unit)
            if ut is not None:
                targets.append(ut.target)
                strive.append(ut.strive)
            elif sole == unit:
                targets.append(sole_target)
                strive.append(False)
            else:
                targets.append(np.nan)
                strive.append(False)
            keys.append((codes[code], unit_no.setdefault(unit, len(unit_no))))
    n_units = max(1, len(unit_no))
    key = np.array([i * n_units + u for i, u in keys], dtype=np.int64)
    obj = lambda xs: np.array(xs, dtype=object)  # noqa: E731
    return Grid(obj(indicators), obj(units), obj(kinds), np.array(targets, dtype=float), np.array(strive, dtype=bool),
                list(unit_no), codes, pd.Index(key))


def _take(col: pd.Series, pos: np.ndarray) -> pd.Series:
    """col's values at positions pos, NaN where pos is -1 (what a left merge gives an unmatched row)."""
    n = len(pos)
    found = pos >= 0
    if not len(col) or not found.any():
        return pd.Series(np.nan, index=range(n), dtype=object if col.dtype == object else float)
    taken = pd.Series(col.to_numpy()[np.where(found, pos, 0)], index=range(n))
    return taken if found.all() else taken.where(found)


def cells(data: QuarterData, plan: Plan, grid_: Grid | None = None) -> pd.DataFrame:
    """One row per (indicator, unit that owes it): state ok / missing / conflict and the reported values.

    A unit's first row for an indicator counts (as a left merge on the de-duplicated submissions)."""
    g = grid_ if grid_ is not None else grid(plan)
    n = len(g)
    subs = data.submissions
    keep = ["value", "denominator", "status", "evidence", "approximate"]
    pos = np.full(n, -1, dtype=np.int64)
    if len(subs) and "unit" in subs and "indicator" in subs:
        key = g.key_of(subs["indicator"], subs["unit"])
        rows = np.flatnonzero(~pd.Series(key).duplicated().to_numpy() & (key >= 0))
        pos = pd.Index(key[rows]).get_indexer(g.keys.to_numpy())  # each grid row's submission row, or -1
        pos = np.where(pos >= 0, rows[np.maximum(pos, 0)] if len(rows) else -1, -1)
    out = pd.DataFrame({"indicator": g.indicator, "unit": g.unit})
    for col in keep:
        out[col] = _take(subs[col] if col in subs else pd.Series(np.nan, index=subs.index), pos)
    for col in ("status", "evidence", "approximate"):
        out[col] = out[col].fillna("").astype(str)
    in_conflict = np.zeros(n, dtype=bool)
    rej = data.rejects
    if len(rej):
        conflicts = D.conflicted(rej)
        if conflicts:
            units_, codes_ = zip(*sorted(conflicts, key=str), strict=True)
            in_conflict = np.isin(g.keys.to_numpy(), g.key_of(list(codes_), list(units_)))
    kinds = g.kind
    has_value = out["value"].notna().to_numpy()
    has_status = (out["status"] != "").to_numpy()
    present = np.where(kinds == "qualitative", has_status | has_value,
                       np.where(kinds == "milestone", has_value | has_status, has_value))
    state = np.full(n, "ok", dtype=object)  # three shared strings, not a new one per row (memory)
    state[~present] = "missing"
    state[in_conflict] = "conflict"
    out["state"] = state
    out["kind"] = kinds
    return out


def achieved(cells_df: pd.DataFrame) -> pd.Series:
    """The comparable actual of each cell: the value, a ratio's quotient, or 1/0 for done/not done."""
    kind = cells_df["kind"]
    value = cells_df["value"].astype(float)
    den = cells_df["denominator"].astype(float)
    ratio = np.where(den > 0, value / den.where(den > 0), np.nan)
    status = cells_df["status"]
    said_done = (status == QUAL_DONE).to_numpy()
    qual_done = np.zeros(len(cells_df), dtype=bool)
    qual_done[said_done] = [e.strip() != "" for e in cells_df["evidence"].to_numpy(dtype=object)[said_done]]
    qual_done = pd.Series(qual_done, index=cells_df.index)
    qual = np.where(cells_df["state"] == "ok", qual_done.astype(float), np.nan)
    milestone = np.where(value.notna(), (value >= 1 - EPS).astype(float),
                         np.where(status == QUAL_DONE, 1.0, np.where(status != "", 0.0, np.nan)))
    out = np.select([kind == "ratio", kind == "qualitative", kind == "milestone"], [ratio, qual, milestone],
                    default=value)
    return pd.Series(out, index=cells_df.index, dtype=float).where(cells_df["state"] == "ok")


# ---------------------------------------------------------------- district figures


def _is_bureau(plan: Plan, unit: str) -> bool:
    return plan.registry.units[unit].kind in ("部门", "其他")


def _mismatch(plan: Plan) -> str:
    """区级数据不一致 / 县级数据不一致: a department's figure disagrees with the towns' (docs/plans.md)."""
    return f"{plan.words.level_adj}数据不一致"


def _local_words(plan: Plan) -> str:
    """乡镇街道 / 乡镇: the units whose figures add up to the plan's total."""
    return "".join(plan.kinds_present("乡镇", "街道")) or "各单位"


def district_figures(c: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """District actual, target and rate of every indicator (docs/evaluation.md, Completion)."""
    rows = []
    # one grouping into row positions, then numpy per indicator: not a filter of the whole frame per
    # indicator, nor a copy of each group (it runs twice a quarter with carrying)
    positions = c.groupby("indicator", sort=False).indices if len(c) else {}
    bureau_names = {n for n, u in plan.registry.units.items() if u.kind in ("部门", "其他")}
    state_all = c["state"].to_numpy(dtype=object)
    is_ok, is_missing, is_conflict = state_all == "ok", state_all == "missing", state_all == "conflict"
    value_all, den_all = c["value"].to_numpy(dtype=float), c["denominator"].to_numpy(dtype=float)
    achieved_all = c["achieved"].to_numpy(dtype=float)
    unit_all = c["unit"].to_numpy(dtype=object)
    is_bureau = c["unit"].isin(bureau_names).to_numpy()
    carried_all = c["carried_from"].to_numpy(dtype=object) if "carried_from" in c else None
    none = np.array([], dtype=np.int64)
    for code, ind in plan.indicators.items():
        at = positions.get(code, none)
        ok = at[is_ok[at]]
        n_missing = int(is_missing[at].sum())
        n_conflict = int(is_conflict[at].sum())
        carried = ok[carried_all[ok] != ""] if carried_all is not None else none
        flags, state, mismatch = [], "ok", ""
        target = ind.district_target
        bureau_own = None
        if len(ind.reporters) == 1:
            state = state_all[at[0]]
            actual = achieved_all[ok[0]] if len(ok) else np.nan
        elif ind.kind == "ratio":
            num, den = _sum(value_all[ok]), _sum(den_all[ok])
            actual = num / den if den > 0 else np.nan
        elif ind.kind in ("qualitative", "milestone"):
            # share of the units that owe it and have done it (with evidence)
            actual = float(_sum(achieved_all[ok]))
            target = float(len(at))
        else:
            bureaus, local = ok[is_bureau[ok]], ok[~is_bureau[ok]]
            actual = float(_sum(value_all[local])) if len(local) else np.nan
            if len(bureaus):
                bureau_own = float(_sum(value_all[bureaus]))
            if not len(local) and bureau_own is not None:
                actual = bureau_own
            elif ind.bureau == "separate" and bureau_own is not None:
                # the department counts its own, apart from the towns': the total adds both, nothing to compare
                actual, bureau_own = actual + bureau_own, None
        if len(ind.reporters) > 1 and not len(ok):
            state = "conflict" if n_conflict and not n_missing else "missing"
        if len(ind.reporters) > 1:
            if n_missing:
                flags.append(f"不含未报送单位{n_missing}个")
            if n_conflict:
                flags.append(f"不含数据冲突单位{n_conflict}个")
        if len(carried):
            names = "、".join(f"{u}（{q}）" for u, q in zip(unit_all[carried], carried_all[carried], strict=True))
            flags.append(f"{CARRIED}{len(carried)}个单位：{names}")
        if bureau_own is not None and actual == actual:
            tol = plan.params.bureau_tolerance * max(abs(actual), abs(bureau_own), 1)
            # total: the department reports the whole figure; share: a part of it, so only more is wrong
            gap = bureau_own - actual if ind.bureau == "share" else abs(bureau_own - actual)
            if gap > tol:
                verb = "部门报其中" if ind.bureau == "share" else "部门报"
                mismatch = f"{verb}{bureau_own:g}，{_local_words(plan)}合计{actual:g}"  # flags.csv detail
                unit = ind.unit or ""  # the note a reader sees names the 计量单位 (docs/plan_life.md, 区级核查)
                flags.append(f"{_mismatch(plan)}：{verb}{bureau_own:g}{unit}，{_local_words(plan)}合计{actual:g}{unit}")
        if ind.kind == "info":
            rate = np.nan
        elif target:
            rate = actual / target if actual == actual else np.nan
        else:
            rate = np.nan
        rows.append(dict(indicator=code, target=target, actual=actual, rate=rate, state=state,
                         flags=flags, reported=len(ok) - len(carried), owed=len(at), carried=len(carried),
                         mismatch=mismatch))  # the 区级数据不一致 detail, kept apart: never parsed back from flags
    return pd.DataFrame(rows)


def _sum(x: np.ndarray) -> float:
    """Series.sum of these values: NaN counts as 0, the same pairwise sum (so the same last digit)."""
    return np.where(np.isnan(x), 0.0, x).sum()


# ---------------------------------------------------------------- per unit


def unit_targets(c: pd.DataFrame, plan: Plan, grid_: Grid | None = None) -> pd.DataFrame:
    """Target and strive mark of each cell: the unit's own target, or the district target of a sole reporter."""
    g = grid_ if grid_ is not None else grid(plan)
    if len(c) == len(g) and np.array_equal(c["indicator"].to_numpy(), g.indicator) and np.array_equal(
            c["unit"].to_numpy(), g.unit):
        targets, strive = g.target, g.strive  # the cells are the grid's rows (as `cells` builds them)
    else:
        pos = g.positions(c["indicator"], c["unit"])
        at = np.maximum(pos, 0)
        targets = np.where(pos >= 0, g.target[at], np.nan) if len(g) else np.full(len(c), np.nan)
        strive = (pos >= 0) & g.strive[at] if len(g) else np.zeros(len(c), dtype=bool)
    return pd.DataFrame({"target": np.array(targets, dtype=float), "strive": np.array(strive, dtype=bool)},
                        index=c.index)


@dataclass
class QuarterRates:
    """Rates of one quarter: cells (per unit) and district figures, before statuses."""

    quarter: str
    cells: pd.DataFrame
    district: pd.DataFrame
    reported: pd.DataFrame | None = None  # district figures of the reporting units only (no carrying)
    district_cells: pd.DataFrame | None = None  # the cells the district figure was summed from (carry_forward
    # keeps them for the last two quarters when the quarters line up: district_checks reads no others)
    grid: Grid | None = None  # the plan's rows the cells were built on (`quarter_rates`)


def _aligned(rates: list[QuarterRates]) -> bool:
    """Every quarter's cells are the rows of one grid, each (indicator, unit) once: then quarters line up
    row by row, and joining them is indexing, not a merge on text columns."""
    g = rates[0].grid if rates else None
    return g is not None and g.keys.is_unique and all(
        qr.grid is g and len(qr.cells) == len(g) for qr in rates)


def quarter_rates(data: QuarterData, plan: Plan, grid_: Grid | None = None) -> QuarterRates:
    g = grid_ if grid_ is not None else grid(plan)
    c = cells(data, plan, g)
    c["achieved"] = achieved(c)
    c = pd.concat([c, unit_targets(c, plan, g)], axis=1)
    c["rate"] = np.where(c["target"] > 0, c["achieved"] / c["target"], np.nan)
    return QuarterRates(data.quarter, c, district_figures(c, plan), grid=g)


def carry_forward(rates: list[QuarterRates], plan: Plan) -> pd.DataFrame:
    """Put each unit's latest accepted cumulative value into the district figures of the quarters it has none;
    a qualitative or milestone indicator whose latest accepted report was done (with evidence) is carried as done.

    Sets every quarter's `reported` (the reporting units only), `district_cells` and `district` (with the
    carried values, when the parameter carry_forward is on), in place, and returns the carried values
    (CARRIED_COLUMNS). The units' own cells are never changed: their status and score stay 未报送
    (docs/plan_life.md, Carry forward).
    """
    carry = plan.params.carry_forward
    key = ["unit", "indicator"]
    if _aligned(rates):
        return _carry_aligned(rates, plan, carry)
    # (unit, indicator) → the latest accepted value, as a frame: one merge per quarter, not a lookup per cell
    latest: pd.DataFrame | None = None
    carried: list[pd.DataFrame] = []
    for qr in rates:
        c = qr.cells
        qr.reported = qr.district
        dc = c.assign(carried_from="")
        if carry and latest is not None and len(latest):
            lacking = dc.loc[(dc["state"] != "ok") & dc["kind"].isin(CUMULATIVE + DONE_STAYS), [*key, "kind"]]
            m = lacking.reset_index().merge(latest, on=key, how="inner")
            m = m[m["kind"].isin(CUMULATIVE) | (m["achieved"] >= 1 - EPS)].drop(columns="kind")
            if len(m):
                idx = m["index"].to_numpy()
                dc.loc[idx, "state"] = "ok"
                for col in ("value", "denominator", "achieved", "carried_from"):
                    dc.loc[idx, col] = m[col].to_numpy()
                carried.append(m.assign(quarter=qr.quarter).rename(columns={"index": "_row"}))
                qr.district = district_figures(dc, plan)
        qr.district_cells = dc
        ok = c.loc[(c["state"] == "ok") & c["kind"].isin(CUMULATIVE + DONE_STAYS),
                   [*key, "value", "denominator", "achieved"]]
        ok = ok.assign(carried_from=qr.quarter)
        latest = ok if latest is None else pd.concat([latest, ok], ignore_index=True).drop_duplicates(
            key, keep="last")
    df = (pd.concat(carried, ignore_index=True)[CARRIED_COLUMNS] if carried
          else pd.DataFrame(columns=CARRIED_COLUMNS))
    return _sort(df, plan, ["quarter", "indicator", "unit"])


# what the district figures and the fall causes read of the cells they were summed from
DISTRICT_CELL_COLUMNS = ["indicator", "unit", "state", "value", "denominator", "achieved"]


def _carry_aligned(rates: list[QuarterRates], plan: Plan, carry: bool) -> pd.DataFrame:
    """carry_forward over quarters whose cells line up row by row: the latest accepted value of every row
    is kept in arrays, and the rows carried into a quarter are those lacking one now that have one."""
    n = len(rates[0].cells)
    have = np.zeros(n, dtype=bool)
    latest = {col: np.full(n, np.nan) for col in ("value", "denominator", "achieved")}
    latest_from = np.full(n, "", dtype=object)
    carried: list[pd.DataFrame] = []
    for i, qr in enumerate(rates):
        c = qr.cells
        qr.reported = qr.district
        cum = c["kind"].isin(CUMULATIVE).to_numpy()
        stays = c["kind"].isin(DONE_STAYS).to_numpy()
        ok = (c["state"] == "ok").to_numpy()
        dc = c[DISTRICT_CELL_COLUMNS].assign(carried_from="")
        done = latest["achieved"] >= 1 - EPS  # a qualitative/milestone row's latest accepted report was 已完成
        take = np.flatnonzero(~ok & have & (cum | (stays & done))) if carry else np.array([], dtype=np.int64)
        if len(take):
            dc.loc[take, "state"] = "ok"
            for col, values in latest.items():
                dc.loc[take, col] = values[take]
            dc.loc[take, "carried_from"] = latest_from[take]
            carried.append(pd.DataFrame({
                "_row": take, "unit": c["unit"].to_numpy()[take], "indicator": c["indicator"].to_numpy()[take],
                **{col: values[take] for col, values in latest.items()}, "carried_from": latest_from[take],
                "quarter": qr.quarter}))
            qr.district = district_figures(dc, plan)
        qr.district_cells = dc
        if i >= 2:  # district_checks compares the last two quarters only: older ones are not kept (memory)
            rates[i - 2].district_cells = None
        now = ok & (cum | stays)
        for col, values in latest.items():
            values[now] = c[col].to_numpy(dtype=float)[now]
        latest_from[now] = qr.quarter
        have |= now
    df = (pd.concat(carried, ignore_index=True)[CARRIED_COLUMNS] if carried
          else pd.DataFrame(columns=CARRIED_COLUMNS))
    return _sort(df, plan, ["quarter", "indicator", "unit"])


def _first_reached(history: list[QuarterRates], key_cols: list[str], frame: str) -> dict:
    """For each key, the first quarter in which its rate reached 100%."""
    first: dict = {}
    for qr in history:
        df = getattr(qr, frame)
        hit = df[df["rate"] >= 1 - EPS]
        for key in zip(*(hit[k] for k in key_cols), strict=True):
            first.setdefault(key if len(key) > 1 else key[0], qr.quarter)
    return first


# ---------------------------------------------------------------- flags


def credibility_flags(history: list[QuarterRates], plan: Plan) -> pd.DataFrame:
    """Checks that flag, never change, a value (docs/evaluation.md, Reporting and credibility)."""
    current = history[-1]
    c = current.cells
    rows = []
    floors = plan.params.jump_floor
    ratio = float(plan.params.jump_ratio)
    numeric = c[c["kind"].isin(["count", "amount", "info", "ratio"]) & (c["state"] == "ok")]
    for earlier, m in _joined(history, numeric, history[:-1]):
        for r in m[m["value"] < m["value_prev"] - EPS].itertuples():
            rows.append((current.quarter, r.unit, r.indicator, "累计值下降",
                         f"本期累计{r.value:g}，低于{earlier.quarter}的{r.value_prev:g}", W.FLAG_FALL))
    for prev_q, m in _joined(history, numeric, history[-2:-1]):
        # from 0 any rise is "above 5×"; the floor per unit of measure keeps small numbers quiet
        for r in m[m["value"] > ratio * m["value_prev"]].itertuples():
            floor = float(floors.get(plan.indicators[r.indicator].unit, 0) or 0)
            if r.value - r.value_prev > floor:
                rows.append((current.quarter, r.unit, r.indicator, "环比异常增长",
                             f"由{prev_q.quarter}的{r.value_prev:g}增至{r.value:g}（超过{ratio:g}倍且增量超过{floor:g}）",
                             W.FLAG_JUMP))
    if len(history) > 1:
        rows += district_checks(history[-2], current, plan)
    qual = c[(c["kind"].isin(["qualitative"])) & (c["state"] == "ok") & (c["status"] == QUAL_DONE)]
    qual = qual[qual["evidence"].str.strip() == ""]
    for r in qual.itertuples():
        rows.append((current.quarter, r.unit, r.indicator, "缺少佐证", "填报“已完成”但未提供佐证材料，按推进中计",
                     W.FLAG_NO_EVIDENCE))
    for r in c[(c["state"] == "ok") & D.is_true(c["approximate"])].itertuples():
        rows.append((current.quarter, r.unit, r.indicator, "约数", f"填报值为约数（{r.value:g}）", W.FLAG_APPROXIMATE))
    for r in current.district.itertuples():
        if r.mismatch:  # the detail district_figures kept (never split back out of the flag text)
            rows.append((current.quarter, plan.district, r.indicator, _mismatch(plan), r.mismatch, W.FLAG_MISMATCH))
            bureaus = c[(c["indicator"] == r.indicator) & (c["state"] == "ok")]
            bureaus = bureaus[bureaus["unit"].map(lambda u: _is_bureau(plan, u)).astype(bool)]
            rows += [(current.quarter, u, r.indicator, _mismatch(plan), r.mismatch, W.FLAG_MISMATCH)
                     for u in bureaus["unit"]]
    df = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    return _sort(df, plan, ["scope", "indicator", "flag"])


def _joined(history: list[QuarterRates], numeric: pd.DataFrame, earlier: list[QuarterRates]):
    """(quarter, rows of numeric with that quarter's accepted value as value_prev), for each earlier quarter:
    an inner merge on (unit, indicator), or, when the quarters line up row by row, the same rows by index."""
    aligned = _aligned(history)
    for qr in earlier:
        ok = qr.cells["state"] == "ok"
        if aligned:
            prev = qr.cells["value"].to_numpy()
            keep = ok.to_numpy()[numeric.index.to_numpy()]
            m = numeric[keep].assign(value_prev=prev[numeric.index.to_numpy()[keep]]).reset_index(drop=True)
        else:
            m = numeric.merge(qr.cells[ok][["unit", "indicator", "value"]], on=["unit", "indicator"],
                              suffixes=("", "_prev"))
        yield qr, m


def district_checks(prev: QuarterRates, current: QuarterRates, plan: Plan) -> list[tuple]:
    """A district cumulative figure below last quarter's (naming the units whose part fell or went
    missing), and a district jump above the jump rule (docs/plan_life.md, District-level credibility)."""
    floors = plan.params.jump_floor
    ratio = float(plan.params.jump_ratio)
    before = prev.district.set_index("indicator")
    rows = []
    for r in current.district.itertuples():
        ind = plan.indicators[r.indicator]
        if ind.kind not in CUMULATIVE or len(ind.reporters) < 2 or r.indicator not in before.index:
            continue
        if ind.kind == "ratio":  # a share can fall (or jump) legitimately: counts and amounts only
            continue
        was = before.at[r.indicator, "actual"]
        if was != was or r.actual != r.actual:
            continue
        if r.actual < was - EPS:
            causes = _fall_causes(prev.district_cells, current.district_cells, r.indicator, ind)
            rows.append((current.quarter, plan.district, r.indicator, f"{plan.district}累计值下降",
                         f"{plan.district}累计{_g(r.actual, ind)}，低于{prev.quarter}的{_g(was, ind)}；"
                         f"下降来自：{causes or '无法归因到单位'}", W.FLAG_DISTRICT_FALL))
        elif r.actual > ratio * was:
            floor = float(floors.get(ind.unit, 0) or 0)
            if r.actual - was > floor:
                rows.append((current.quarter, plan.district, r.indicator, f"{plan.district}环比异常增长",
                             f"{plan.district}由{prev.quarter}的{was:g}增至{r.actual:g}（超过{ratio:g}倍且增量超过{floor:g}）",
                             W.FLAG_DISTRICT_JUMP))
    return rows


def _g(x: float, ind: Indicator) -> str:
    return f"{x:.1%}" if ind.kind == "ratio" else f"{x:g}"


def _fall_causes(prev_cells: pd.DataFrame, cells: pd.DataFrame, code: str, ind: Indicator) -> str:
    """Units whose part of a district sum is lower than last quarter (or gone), largest fall first."""
    def part(df):
        sub = df[df["indicator"] == code]
        val = sub["value"].where(sub["state"] == "ok")
        return dict(zip(sub["unit"], val, strict=True)), dict(zip(sub["unit"], sub["state"], strict=True))

    (was, _), (now, state) = part(prev_cells), part(cells)
    falls = []
    for unit, v in was.items():
        if v != v:
            continue
        n = now.get(unit, np.nan)
        if n != n:
            why = {"conflict": CONFLICT}.get(state.get(unit), "本期无数据")
            falls.append((v, f"{unit}（{why}，上期{v:g}）"))
        elif n < v - EPS:
            falls.append((v - n, f"{unit}（{v:g}→{n:g}）"))
    falls.sort(key=lambda t: -t[0])
    return "、".join(text for _, text in falls)


# ---------------------------------------------------------------- the whole evaluation


@dataclass
class QuarterOutputs:
    """What evaluating a quarter gives: the frames written as completion/scores/reporting/flags/trend.csv.
    Evaluation holds them as computed; report.ReportData as read back from those files."""

    quarter: str
    as_of: dt.date
    completion: pd.DataFrame
    scores: pd.DataFrame
    reporting: pd.DataFrame
    flags: pd.DataFrame
    trend: pd.DataFrame


@dataclass
class Evaluation(QuarterOutputs):
    cells: pd.DataFrame  # the current quarter's per-unit cells (values as reported), for reports
    whole: str = DISTRICT  # the scope of the plan's totals (全区, 全县 …)
    carried: pd.DataFrame | None = None  # CARRIED_COLUMNS: values carried into this quarter's district figures

    def district(self) -> pd.DataFrame:
        return self.completion[self.completion["scope"] == self.whole]

    def summary(self) -> str:
        d = self.district()
        counts = d["status"].value_counts()
        parts = "，".join(f"{s}{counts[s]}项" for s in STATUSES if s in counts)
        rep = self.reporting
        received = int((~rep["status"].isin(NOT_RECEIVED)).sum())
        carried = self.carried if self.carried is not None else pd.DataFrame(columns=CARRIED_COLUMNS)
        text = (f"{self.quarter} 评估（截至 {self.as_of}）：{self.whole} {len(d)} 项指标，{parts}；"
                f"应报 {len(rep)} 个单位，已报 {received} 个，迟报 {int(rep['late'].sum())} 个")
        if len(carried):
            text += f"；{self.whole}数沿用上期 {carried['unit'].nunique()} 个单位的累计值"
        return text + "。"


def _order(plan: Plan) -> dict[str, int]:
    order = {plan.district: -1}
    order.update({name: i for i, name in enumerate(plan.registry.units)})
    return order


def _sort(df: pd.DataFrame, plan: Plan, by: list[str]) -> pd.DataFrame:
    if df.empty:
        return df.reset_index(drop=True)
    unit_order = _order(plan)
    code_order = {c: i for i, c in enumerate(plan.indicators)}
    keys = {"scope": lambda s: s.map(unit_order).fillna(len(unit_order)),
            "unit": lambda s: s.map(unit_order).fillna(len(unit_order)),
            "indicator": lambda s: s.map(code_order).fillna(len(code_order))}
    tmp = df.copy()
    sort_cols = []
    for col in by:
        if col in keys:
            tmp[f"_k_{col}"] = keys[col](tmp[col])
            sort_cols.append(f"_k_{col}")
        sort_cols.append(col)
    return tmp.sort_values(sort_cols, kind="mergesort").drop(
        columns=[c for c in tmp if c.startswith("_k_")]).reset_index(drop=True)


def _status_row(ind: Indicator, rate, state, expected, passed, first_q, strive, severe, as_of: dt.date) -> str:
    if ind.kind == "info":
        return {"missing": MISSING, "conflict": CONFLICT}.get(state, "")
    # the period that first reached 100% ends at its quarter's end, or at the evaluation date when that is
    # earlier: a task done and evaluated by its deadline is never late
    reached_late = first_q is not None and min(quarters.quarter_end(first_q), as_of) > ind.deadline
    return status_for(None if rate != rate else rate, expected, passed, reached_late=reached_late,
                      strive=strive, state=state, severe=severe)


def reporting_deadline(quarter: str, plan: Plan) -> dt.date:
    """The last day a file counts as on time (quarters.reporting_deadline, the one place of the rule)."""
    return quarters.reporting_deadline(quarter, plan.params)


def received_by(data: QuarterData, compiled: dt.date | None) -> QuarterData:
    """The quarter as it stood on a compiling date given: files dated after it have not arrived yet.
    With no date (the default run) every file in the folder counts, a late one as 迟报."""
    if compiled is None:
        return data
    late = {f.get("file") for f in data.log.get("files", [])
            if f.get("reported_on") and f["reported_on"] > compiled.isoformat()}
    if not late:
        return data
    subs = data.submissions[~data.submissions["source_file"].isin(late)]
    rej = data.rejects
    if "source_file" in rej:
        rej = rej[~rej["source_file"].isin(late)]
    log = {**data.log, "files": [f for f in data.log.get("files", []) if f.get("file") not in late]}
    return QuarterData(data.quarter, subs.reset_index(drop=True), rej.reset_index(drop=True), log)


def evaluate(history: dict[str, QuarterData], quarter: str, as_of: dt.date | None = None,
             plan: Plan | None = None, compiled: dt.date | None = None) -> Evaluation:
    """Evaluate QUARTER (with its earlier quarters in history) at AS_OF (default: the quarter's end).

    compiled: the compiling date (编制日期) reporting is judged on; default the reporting deadline.
    """
    plan = plan or load_plan()
    quarter = quarters.Quarter(quarter)
    as_of = quarters.as_of_date(quarter, as_of)
    if as_of < quarter.start:
        raise ValueError(f"评估日期 {as_of} 早于报告期 {quarter} 的开始（{quarter.start}）")
    qs = [q for q in sorted(history) if q <= quarter]
    current_data = received_by(history[quarter], compiled)
    g = grid(plan)  # the same rows every quarter: built once
    rates = [quarter_rates(current_data if q == quarter else history[q], plan, g) for q in qs]
    current = rates[-1]
    carried = carry_forward(rates, plan)
    for qr in rates[:-1]:  # what later steps read of an earlier quarter's cells (first 100%, falls, jumps)
        qr.cells = qr.cells[["indicator", "unit", "kind", "state", "value", "rate"]]
    trend_rows = []
    for i, qr in enumerate(rates):
        q_as_of = as_of if qr.quarter == quarter else quarters.as_of_date(qr.quarter)  # an earlier quarter: its end
        comp = _completion(rates[: i + 1], plan, q_as_of, district_only=qr.quarter != quarter)
        if qr.quarter == quarter:
            completion = comp
        trend_rows += _trend_rows(rates[: i + 1], comp[comp["scope"] == plan.district], plan, q_as_of)
    trend = _sort(pd.DataFrame(trend_rows, columns=TREND_COLUMNS), plan, ["indicator", "quarter"])
    flags = credibility_flags(rates, plan)
    completion = _attach_flags(completion, flags, plan)
    scores = unit_scores(completion, current.cells, plan, quarter, as_of)
    reporting = reporting_table(current_data, plan, quarter, compiled)
    return Evaluation(quarter, as_of, completion, scores, reporting, flags, trend, current.cells,
                      whole=plan.district, carried=carried[carried["quarter"] == quarter].reset_index(drop=True))


def _trend_rows(rates: list[QuarterRates], district: pd.DataFrame, plan: Plan, as_of: dt.date) -> list[tuple]:
    """The district rows of one quarter in the trend: with the quarter's increment (本季度新增), the
    reported-only figure, how many units' values were carried, days overdue and the quarter first done."""
    qr = rates[-1]
    prev = rates[-2].district.set_index("indicator")["actual"] if len(rates) > 1 else None
    first_plan_quarter = quarters.quarter_start(qr.quarter) <= plan.params.plan_start <= quarters.quarter_end(
        qr.quarter)
    reported = qr.reported.set_index("indicator")
    own = qr.district.set_index("indicator")
    first = _first_reached(rates, ["indicator"], "district")
    out = []
    for r in district.itertuples():
        ind = plan.indicators[r.indicator]
        if prev is not None:
            increment = r.actual - prev.get(r.indicator, np.nan)
        else:  # the plan's first quarter starts from nothing; a later first quarter has no base
            increment = r.actual if first_plan_quarter else np.nan
        if (ind.kind in ("qualitative", "milestone") and len(ind.reporters) == 1) or (
                ind.kind == "ratio" and prev is None):  # a ratio does not start from 0
            increment = np.nan
        overdue = (as_of - ind.deadline).days if (as_of > ind.deadline and r.status in (
            OVERDUE, STRIVE_MISSED, MISSING, CONFLICT)) else np.nan
        done = first.get(r.indicator, "") if r.status in (DONE, DONE_LATE) else ""
        out.append((qr.quarter, as_of.isoformat(), r.indicator, ind.name, ind.unit, r.target, r.actual, r.rate,
                    r.expected, r.status, increment, reported.at[r.indicator, "actual"],
                    int(own.at[r.indicator, "carried"]), overdue, done))
    return out


def _completion(rates: list[QuarterRates], plan: Plan, as_of: dt.date, district_only: bool) -> pd.DataFrame:
    current = rates[-1]
    start = plan.params.plan_start
    rule = plan.params.pace_rule
    severe = float(plan.params.severe_lag_points)
    first_d = _first_reached(rates, ["indicator"], "district")
    # 序时进度 depends on the indicator only: once per indicator, not once per row (15,000 units: 1 s)
    paces = {code: pace(as_of, ind.deadline, start, rule) for code, ind in plan.indicators.items()}
    rows = []
    district_status = {}
    for r in current.district.itertuples():
        ind = plan.indicators[r.indicator]
        expected = paces[r.indicator]
        passed = as_of > ind.deadline
        status = _status_row(ind, r.rate, r.state, expected, passed, first_d.get(r.indicator), False, severe,
                             as_of)
        district_status[r.indicator] = (r.target, r.actual, r.rate, expected, status)
        rows.append((current.quarter, as_of.isoformat(), plan.district, r.indicator, r.target, r.actual, r.rate,
                     expected, status, "；".join(r.flags)))
    if not district_only:
        unit_rows = _unit_rows(rates, plan, as_of, paces, severe)
        # units that lead a task but do not report its indicators answer for the district figure
        # (one pass over the tasks and sets of reporters: tuple membership per unit was quadratic in units)
        led = _led_by_unit(plan)
        reporters = {code: set(ind.reporters) for code, ind in plan.indicators.items()}
        for unit in plan.registry.units:
            for task in led.get(unit, ()):
                for code, ind in plan.indicators.items():
                    if ind.task != task.number or unit in reporters[code]:
                        continue
                    target, actual, rate, expected, status = district_status[code]
                    rows.append((current.quarter, as_of.isoformat(), unit, code, target, actual, rate,
                                 expected, status, f"牵头任务（{plan.district}数）"))
    df = pd.DataFrame(rows, columns=COMPLETION_COLUMNS)
    if not district_only:  # the district rows, the units' rows, the leads' rows: as one list of rows would be
        n_d = len(current.district)
        df = pd.concat([df.iloc[:n_d], unit_rows, df.iloc[n_d:]], ignore_index=True).infer_objects()
    return _sort(df, plan, ["scope", "indicator"])


def _first_cells(rates: list[QuarterRates]) -> np.ndarray | None:
    """Per row of the current quarter's cells, the index in rates of the first quarter its rate reached 100%
    (-1: never), when every quarter's cells are the same grid rows (as evaluate builds them); else None."""
    if not _aligned(rates):
        return None
    first = np.full(len(rates[-1].cells), -1, dtype=np.int64)
    for i, qr in enumerate(rates):
        hit = (qr.cells["rate"].to_numpy(dtype=float) >= 1 - EPS) & (first < 0)
        first[hit] = i
    return first


def _unit_rows(rates: list[QuarterRates], plan: Plan, as_of: dt.date, paces: dict, severe: float) -> pd.DataFrame:
    """The completion rows of every unit's cells, column by column (docs/evaluation.md, the status table):
    scored rows (a unit target, or the sole reporter) get their status, contributions to a district total
    only 未报送/数据冲突 and their share of the total."""
    current = rates[-1]
    c = current.cells
    n = len(c)
    first = _first_cells(rates)
    if first is None:  # cells of another shape: look the first quarter up by key
        by_key = _first_reached(rates, ["unit", "indicator"], "cells")
        names = [qr.quarter for qr in rates]
        first = np.array([names.index(by_key[k]) if k in by_key else -1
                          for k in zip(c["unit"], c["indicator"], strict=True)], dtype=np.int64)
    code = c["indicator"]
    inds = plan.indicators
    deadline = code.map({k: np.datetime64(i.deadline, "D") for k, i in inds.items()}).to_numpy(dtype="datetime64[D]")
    expected = code.map(paces).to_numpy(dtype=float)
    passed = np.datetime64(as_of, "D") > deadline
    ends = np.array([np.datetime64(min(quarters.quarter_end(qr.quarter), as_of), "D") for qr in rates],
                    dtype="datetime64[D]")
    reached_late = (first >= 0) & (ends[np.maximum(first, 0)] > deadline)
    kind = c["kind"].to_numpy(dtype=object)
    state = c["state"].to_numpy(dtype=object)
    rate = c["rate"].to_numpy(dtype=float)
    target = c["target"].to_numpy(dtype=float)
    achieved_ = c["achieved"].to_numpy(dtype=float)
    strive = c["strive"].to_numpy(dtype=bool)
    scored = ~np.isnan(target)
    # the status table in order (status_for), the first rule that holds wins: assigned last to first
    status = np.full(n, FAR_BEHIND, dtype=object)
    with np.errstate(invalid="ignore"):
        for rule, word in ((rate >= expected - severe - EPS, BEHIND), (rate >= expected - EPS, ON_PACE),
                           (passed & strive, STRIVE_MISSED), (passed & ~strive, OVERDUE),
                           (rate >= 1 - EPS, None), ((state == "missing") | np.isnan(rate), MISSING),
                           (state == "conflict", CONFLICT)):
            if word is None:  # done: late or in time
                status[rule & reached_late], status[rule & ~reached_late] = DONE_LATE, DONE
            else:
                status[rule] = word
    lost = np.full(n, "", dtype=object)  # info and unscored contributions: only what is lacking
    lost[state == "missing"], lost[state == "conflict"] = MISSING, CONFLICT
    status = np.where(scored & (kind != "info"), status, lost)
    flags = np.full(n, "", dtype=object)
    flags[scored & strive] = "力争目标"
    d_actual = current.district.set_index("indicator")["actual"]
    total = code.map(d_actual.to_dict()).to_numpy(dtype=float)
    shared = code.map({k: len(i.reporters) > 1 and i.kind in ("count", "amount", "info")
                       for k, i in inds.items()}).to_numpy(dtype=bool)
    bureau = c["unit"].map({u: _is_bureau(plan, u) for u in dict.fromkeys(c["unit"])}).to_numpy(dtype=bool)
    share = ~scored & (state == "ok") & shared & ~bureau & (total != 0) & ~np.isnan(total)
    at = np.flatnonzero(share)
    flags[at] = [f"占{plan.district}{a / t:.1%}" for a, t in zip(achieved_[at], total[at], strict=True)]
    return pd.DataFrame({"quarter": current.quarter, "as_of": as_of.isoformat(), "scope": c["unit"].to_numpy(),
                         "indicator": code.to_numpy(), "target": target, "actual": achieved_, "rate": rate,
                         "expected": expected, "status": status, "flags": flags}, index=range(n))[COMPLETION_COLUMNS]


def _led_by_unit(plan: Plan) -> dict[str, list]:
    """unit → the tasks it leads, in task order (Plan.led_tasks for every unit at once)."""
    led: dict[str, list] = {}
    for task in plan.tasks.values():
        for unit in dict.fromkeys(task.lead_units):
            led.setdefault(unit, []).append(task)
    return led


def _attach_flags(completion: pd.DataFrame, flags: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Add each row's check flags; a sole reporter's flags also stand on the district row it makes."""
    if flags.empty:
        return completion
    # a dict, not the Series: Series.get on a MultiIndex costs ~0.1 ms a row (2 s for a province's 21k rows)
    grouped: dict = {}
    for key in zip(flags["scope"], flags["indicator"], flags["flag"], strict=True):
        grouped.setdefault(key[:2], {})[key[2]] = None
    extra = {k: "；".join(v) for k, v in sorted(grouped.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))}
    for code, ind in plan.indicators.items():
        own = extra.get((ind.single_reporter, code)) if ind.single_reporter else None
        if own:
            extra[(plan.district, code)] = _merge_flags(extra.get((plan.district, code), ""), own)
    out = completion.copy()
    # only the rows of scopes with a flag are looked up (a province's 230k rows, a few thousand flagged)
    at = np.flatnonzero(out["scope"].isin({scope for scope, _ in extra}).to_numpy())
    own = out["flags"].to_numpy(dtype=object)
    keys = zip(out["scope"].to_numpy()[at], out["indicator"].to_numpy()[at], strict=True)
    merged = [_merge_flags(a, extra.get(k, "")) for a, k in zip(own[at], keys, strict=True)]
    flags = own.copy()
    flags[at] = merged
    out["flags"] = flags
    return out


def _merge_flags(own: str, extra: str) -> str:
    """Join two '；'-separated flag lists, leaving out a flag whose detail is already there."""
    parts = [p for p in own.split("；") if p]
    for flag in (p for p in extra.split("；") if p):
        if not any(p.split("：", 1)[0] == flag for p in parts):
            parts.append(flag)
    return "；".join(parts)


def unit_scores(completion: pd.DataFrame, cells_df: pd.DataFrame, plan: Plan, quarter: str,
                as_of: dt.date) -> pd.DataFrame:
    """Each unit's overall score: the mean of capped rates over its scored indicators.

    An indicator 未报送 or in 数据冲突 counts 0 (a unit must not score higher by not reporting); the
    number of such indicators is shown beside the score.
    """
    scored = cells_df[cells_df["target"].notna()].copy()
    scored["capped"] = scored["rate"].clip(upper=1.0).fillna(0.0)
    scored["is_missing"] = scored["state"] != "ok"
    g = scored.groupby("unit").agg(indicators=("indicator", "size"), missing=("is_missing", "sum"),
                                   score=("capped", "mean")).reset_index()
    units = plan.registry.units
    g["kind"] = g["unit"].map(lambda u: units[u].kind)
    g["peer_group"] = g["unit"].map(lambda u: units[u].peer_group)
    g["rank"] = g.groupby("peer_group")["score"].rank(ascending=False, method="min").astype(int)
    g["peers"] = g.groupby("peer_group")["unit"].transform("size")
    g["quarter"], g["as_of"] = quarter, as_of.isoformat()
    g = g.rename(columns={"unit": "scope"})
    g["score"] = g["score"].round(6)
    return _sort(g[SCORE_COLUMNS], plan, ["scope"])


def reporting_table(data: QuarterData, plan: Plan, quarter: str, compiled: dt.date | None = None) -> pd.DataFrame:
    """Who owed a file, who sent one, when, and whether it was late (docs/evaluation.md).

    Judged on the compiling date (default the reporting deadline): up to and on the deadline a unit with
    nothing yet is 待报送, after it 未报送 (with no date given: 未报送, the folder is complete). A file naming no known unit whose one close match is a
    unit with no accepted file makes that unit 文件被退回（单位名称无法识别） (docs/plan_life.md).
    """
    deadline = reporting_deadline(quarter, plan)
    data = received_by(data, compiled)  # a date given: files dated after it have not arrived yet
    # a date given: up to and on the deadline day nothing is overdue yet (待报送); none given: the default run,
    # everything in the folder has arrived and a unit with nothing is 未报送
    on_time = compiled is not None and compiled <= deadline
    files_by_unit: dict[str, list[dict]] = {}
    unidentified: dict[str, list[dict]] = {}
    for f in data.log.get("files", []):
        if f.get("unit"):
            files_by_unit.setdefault(f["unit"], []).append(f)
        elif f.get("close_unit"):
            unidentified.setdefault(f["close_unit"], []).append(f)
    accepted_units = set(data.submissions["unit"]) if len(data.submissions) else set()
    end = quarters.quarter_end(quarter)
    rows = []
    for unit in plan.reporters():
        files = files_by_unit.get(unit, []) + unidentified.get(unit, [])
        ok_files = [f for f in files if f.get("status", "ok") == "ok"]
        dates = sorted(f["reported_on"] for f in ok_files if f.get("reported_on"))
        if not dates and unit in accepted_units:
            sub = data.submissions[data.submissions["unit"] == unit]
            dates = sorted(d for d in sub.get("reported_on", pd.Series(dtype=str)) if d)
        reported_on = dates[0] if dates else ""
        days = (dt.date.fromisoformat(reported_on) - end).days if reported_on else np.nan
        late = bool(reported_on) and dt.date.fromisoformat(reported_on) > deadline
        if ok_files or unit in accepted_units:
            status = W.LATE if late else (W.ON_TIME if reported_on else W.UNDATED)
        elif files and all(not f.get("unit") for f in files):
            status = UNIDENTIFIED
        elif files:
            status = RETURNED
        else:
            status = PENDING if on_time else MISSING
        rows.append((quarter, unit, plan.registry.units[unit].kind, len(files), reported_on, days, late, status))
    return pd.DataFrame(rows, columns=REPORTING_COLUMNS)


# ---------------------------------------------------------------- the edges


def evaluate_quarter(quarter: str, as_of: dt.date | None = None, data_dir: str | Path = "data",
                     plan: Plan | None = None, write: bool = True, compiled: dt.date | None = None) -> Evaluation:
    """Read data/processed/ for QUARTER and earlier quarters, evaluate, write completion.csv and friends."""
    plan = plan or load_plan(reference_dir(data_dir))
    history = load_history(data_dir, quarter)
    ev = evaluate(history, quarter, as_of, plan, compiled)
    if write:
        write_evaluation(ev, processed_dir(data_dir, quarter))
        from helpers.evaluate.incentives import (
            write_quarter,  # 奖补资金测算 (docs/incentives.md); nothing without rules
        )

        write_quarter(history, quarter, ev.as_of, plan, processed_dir(data_dir, quarter))
    return ev


def write_evaluation(ev: Evaluation, folder: Path) -> list[Path]:
    return [
        D.write(ev.completion, folder, D.COMPLETION),
        D.write(ev.scores, folder, D.SCORES),
        D.write(ev.reporting, folder, D.REPORTING),
        D.write(ev.flags, folder, D.FLAGS),
        D.write(ev.trend, folder, D.TREND),
        D.write(ev.carried if ev.carried is not None else D.empty(D.CARRIED), folder, D.CARRIED),
    ]
