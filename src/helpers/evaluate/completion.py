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


def cells(data: QuarterData, plan: Plan) -> pd.DataFrame:
    """One row per (indicator, unit that owes it): state ok / missing / conflict and the reported values."""
    base = pd.DataFrame(
        [(code, unit) for code, ind in plan.indicators.items() for unit in ind.reporters],
        columns=["indicator", "unit"])
    subs = data.submissions
    keep = ["unit", "indicator", "value", "denominator", "status", "evidence", "approximate"]
    subs = subs.reindex(columns=keep).drop_duplicates(["unit", "indicator"])
    out = base.merge(subs, on=["indicator", "unit"], how="left")
    conflicts = set()
    rej = data.rejects
    if len(rej):
        conflicts = D.conflicted(rej)
    kinds = out["indicator"].map({c: i.kind for c, i in plan.indicators.items()})
    has_value = out["value"].notna()
    has_status = out["status"].fillna("").astype(str).str.len() > 0
    present = np.where(kinds.isin(["qualitative"]), has_status | has_value,
                       np.where(kinds.isin(["milestone"]), has_value | has_status, has_value))
    state = np.where(present, "ok", "missing")
    in_conflict = np.array([(u, c) in conflicts for u, c in zip(out["unit"], out["indicator"], strict=True)],
                           dtype=bool)
    out["state"] = np.where(in_conflict & ~present, "conflict", state)
    out.loc[in_conflict, "state"] = "conflict"
    out["kind"] = kinds
    for col in ("status", "evidence", "approximate"):
        out[col] = out[col].fillna("").astype(str)
    return out


def achieved(cells_df: pd.DataFrame) -> pd.Series:
    """The comparable actual of each cell: the value, a ratio's quotient, or 1/0 for done/not done."""
    kind = cells_df["kind"]
    value = cells_df["value"].astype(float)
    den = cells_df["denominator"].astype(float)
    ratio = np.where(den > 0, value / den.where(den > 0), np.nan)
    status = cells_df["status"]
    qual_done = (status == QUAL_DONE) & (cells_df["evidence"].str.strip() != "")
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
    # one grouping, not a filter of the whole frame per indicator (it runs twice a quarter with carrying)
    groups = dict(tuple(c.groupby("indicator", sort=False)))
    bureau_names = {n for n, u in plan.registry.units.items() if u.kind in ("部门", "其他")}
    for code, ind in plan.indicators.items():
        sub = groups.get(code, c.iloc[:0])
        ok = sub[sub["state"] == "ok"]
        n_missing = int((sub["state"] == "missing").sum())
        n_conflict = int((sub["state"] == "conflict").sum())
        carried = ok[ok["carried_from"] != ""] if "carried_from" in ok else ok.iloc[:0]
        flags, state, mismatch = [], "ok", ""
        target = ind.district_target
        bureau_own = None
        if len(ind.reporters) == 1:
            state = sub["state"].iloc[0]
            actual = ok["achieved"].iloc[0] if len(ok) else np.nan
        elif ind.kind == "ratio":
            num, den = ok["value"].sum(), ok["denominator"].sum()
            actual = num / den if den > 0 else np.nan
        elif ind.kind in ("qualitative", "milestone"):
            # share of the units that owe it and have done it (with evidence)
            actual = float(ok["achieved"].sum())
            target = float(len(sub))
        else:
            bureaus = ok[ok["unit"].isin(bureau_names)]
            local = ok.drop(bureaus.index)
            actual = float(local["value"].sum()) if len(local) else np.nan
            if len(bureaus):
                bureau_own = float(bureaus["value"].sum())
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
            names = "、".join(f"{u}（{q}）" for u, q in zip(carried["unit"], carried["carried_from"], strict=True))
            flags.append(f"{CARRIED}{len(carried)}个单位：{names}")
        if bureau_own is not None and actual == actual:
            tol = plan.params.bureau_tolerance * max(abs(actual), abs(bureau_own), 1)
            # total: the department reports the whole figure; share: a part of it, so only more is wrong
            gap = bureau_own - actual if ind.bureau == "share" else abs(bureau_own - actual)
            if gap > tol:
                verb = "部门报其中" if ind.bureau == "share" else "部门报"
                mismatch = f"{verb}{bureau_own:g}，{_local_words(plan)}合计{actual:g}"
                flags.append(f"{_mismatch(plan)}：{mismatch}")
        if ind.kind == "info":
            rate = np.nan
        elif target:
            rate = actual / target if actual == actual else np.nan
        else:
            rate = np.nan
        rows.append(dict(indicator=code, target=target, actual=actual, rate=rate, state=state,
                         flags=flags, reported=len(ok) - len(carried), owed=len(sub), carried=len(carried),
                         mismatch=mismatch))  # the 区级数据不一致 detail, kept apart: never parsed back from flags
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- per unit


def unit_targets(c: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Target and strive mark of each cell: the unit's own target, or the district target of a sole reporter."""
    targets, strive = [], []
    for code, unit in zip(c["indicator"], c["unit"], strict=True):
        ind = plan.indicators[code]
        ut = ind.unit_targets.get(unit)
        if ut is not None:
            targets.append(ut.target)
            strive.append(ut.strive)
        elif ind.single_reporter == unit and ind.kind != "info":
            targets.append(ind.district_target if ind.district_target is not None else 1.0)
            strive.append(False)
        else:
            targets.append(np.nan)
            strive.append(False)
    return pd.DataFrame({"target": targets, "strive": strive}, index=c.index)


@dataclass
class QuarterRates:
    """Rates of one quarter: cells (per unit) and district figures, before statuses."""

    quarter: str
    cells: pd.DataFrame
    district: pd.DataFrame
    reported: pd.DataFrame | None = None  # district figures of the reporting units only (no carrying)
    district_cells: pd.DataFrame | None = None  # the cells the district figure was summed from


def quarter_rates(data: QuarterData, plan: Plan) -> QuarterRates:
    c = cells(data, plan)
    c["achieved"] = achieved(c)
    c = pd.concat([c, unit_targets(c, plan)], axis=1)
    c["rate"] = np.where(c["target"] > 0, c["achieved"] / c["target"], np.nan)
    return QuarterRates(data.quarter, c, district_figures(c, plan))


def carry_forward(rates: list[QuarterRates], plan: Plan) -> pd.DataFrame:
    """Put each unit's latest accepted cumulative value into the district figures of the quarters it has none.

    Sets every quarter's `reported` (the reporting units only), `district_cells` and `district` (with the
    carried values, when the parameter carry_forward is on), in place, and returns the carried values
    (CARRIED_COLUMNS). The units' own cells are never changed: their status and score stay 未报送
    (docs/plan_life.md, Carry forward).
    """
    carry = plan.params.carry_forward
    key = ["unit", "indicator"]
    # (unit, indicator) → the latest accepted value, as a frame: one merge per quarter, not a lookup per cell
    latest: pd.DataFrame | None = None
    carried: list[pd.DataFrame] = []
    for qr in rates:
        c = qr.cells
        qr.reported = qr.district
        dc = c.assign(carried_from="")
        if carry and latest is not None and len(latest):
            lacking = dc.loc[(dc["state"] != "ok") & dc["kind"].isin(CUMULATIVE), key].reset_index()
            m = lacking.merge(latest, on=key, how="inner")
            if len(m):
                idx = m["index"].to_numpy()
                dc.loc[idx, "state"] = "ok"
                for col in ("value", "denominator", "achieved", "carried_from"):
                    dc.loc[idx, col] = m[col].to_numpy()
                carried.append(m.assign(quarter=qr.quarter).rename(columns={"index": "_row"}))
                qr.district = district_figures(dc, plan)
        qr.district_cells = dc
        ok = c.loc[(c["state"] == "ok") & c["kind"].isin(CUMULATIVE), [*key, "value", "denominator", "achieved"]]
        ok = ok.assign(carried_from=qr.quarter)
        latest = ok if latest is None else pd.concat([latest, ok], ignore_index=True).drop_duplicates(
            key, keep="last")
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
    for earlier in history[:-1]:
        prev = earlier.cells[earlier.cells["state"] == "ok"][["unit", "indicator", "value"]]
        m = numeric.merge(prev, on=["unit", "indicator"], suffixes=("", "_prev"))
        for r in m[m["value"] < m["value_prev"] - EPS].itertuples():
            rows.append((current.quarter, r.unit, r.indicator, "累计值下降",
                         f"本期累计{r.value:g}，低于{earlier.quarter}的{r.value_prev:g}", W.FLAG_FALL))
    if len(history) > 1:
        prev_q = history[-2]
        prev = prev_q.cells[prev_q.cells["state"] == "ok"][["unit", "indicator", "value"]]
        m = numeric.merge(prev, on=["unit", "indicator"], suffixes=("", "_prev"))
        # from 0 any rise is "above 5×"; the floor per unit of measure keeps small numbers quiet
        for r in m[m["value"] > ratio * m["value_prev"]].itertuples():
            floor = float(floors.get(plan.indicators[r.indicator].unit, 0) or 0)
            if r.value - r.value_prev > floor:
                rows.append((current.quarter, r.unit, r.indicator, "环比异常增长",
                             f"由{prev_q.quarter}的{r.value_prev:g}增至{r.value:g}（超过{ratio:g}倍且增量超过{floor:g}）",
                             W.FLAG_JUMP))
    if len(history) > 1:
        rows += district_checks(history[-2], current, plan)
    qual = c[(c["kind"].isin(["qualitative"])) & (c["state"] == "ok") & (c["status"] == QUAL_DONE)
             & (c["evidence"].str.strip() == "")]
    for r in qual.itertuples():
        rows.append((current.quarter, r.unit, r.indicator, "缺少佐证", "填报“已完成”但未提供佐证材料，按推进中计",
                     W.FLAG_NO_EVIDENCE))
    for r in c[(c["state"] == "ok") & D.is_true(c["approximate"])].itertuples():
        rows.append((current.quarter, r.unit, r.indicator, "约数", f"填报值为约数（{r.value:g}）", W.FLAG_APPROXIMATE))
    for r in current.district.itertuples():
        if r.mismatch:  # the detail district_figures kept (never split back out of the flag text)
            rows.append((current.quarter, plan.district, r.indicator, _mismatch(plan), r.mismatch, W.FLAG_MISMATCH))
            bureaus = c[(c["indicator"] == r.indicator) & (c["state"] == "ok")
                        & c["unit"].map(lambda u: _is_bureau(plan, u))]
            rows += [(current.quarter, u, r.indicator, _mismatch(plan), r.mismatch, W.FLAG_MISMATCH)
                     for u in bureaus["unit"]]
    df = pd.DataFrame(rows, columns=FLAG_COLUMNS)
    return _sort(df, plan, ["scope", "indicator", "flag"])


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
        was = before.at[r.indicator, "actual"]
        if was != was or r.actual != r.actual:
            continue
        if r.actual < was - EPS:
            causes = _fall_causes(prev.district_cells, current.district_cells, r.indicator, ind)
            rows.append((current.quarter, plan.district, r.indicator, f"{plan.district}累计值下降",
                         f"{plan.district}累计{_g(r.actual, ind)}，低于{prev.quarter}的{_g(was, ind)}；"
                         f"下降来自：{causes or '无法归因到单位'}", W.FLAG_DISTRICT_FALL))
        elif ind.kind != "ratio" and r.actual > ratio * was:
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
    """The last day a file counts as on time: the quarter's end + late_report_days."""
    return quarters.quarter_end(quarter) + dt.timedelta(days=plan.params.late_report_days)


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
    rates = [quarter_rates(current_data if q == quarter else history[q], plan) for q in qs]
    current = rates[-1]
    carried = carry_forward(rates, plan)
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
        first_u = _first_reached(rates, ["unit", "indicator"], "cells")
        d_actual = current.district.set_index("indicator")["actual"]
        for r in current.cells.itertuples():
            ind = plan.indicators[r.indicator]
            expected = paces[r.indicator]
            passed = as_of > ind.deadline
            flags = []
            if r.target == r.target:  # scored: a unit target, or the sole reporter
                status = _status_row(ind, r.rate, r.state, expected, passed,
                                     first_u.get((r.unit, r.indicator)), bool(r.strive), severe, as_of)
                if r.strive:
                    flags.append("力争目标")
            else:  # a contribution to a district total, unscored
                status = {"missing": MISSING, "conflict": CONFLICT}.get(r.state, "")
                total = d_actual.get(r.indicator, np.nan)
                if (r.state == "ok" and len(ind.reporters) > 1 and ind.kind in ("count", "amount", "info")
                        and total and total == total and not _is_bureau(plan, r.unit)):
                    flags.append(f"占{plan.district}{r.achieved / total:.1%}")
            rows.append((current.quarter, as_of.isoformat(), r.unit, r.indicator, r.target, r.achieved,
                         r.rate, expected, status, "；".join(flags)))
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
    return _sort(df, plan, ["scope", "indicator"])


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
    extra = flags.groupby(["scope", "indicator"])["flag"].apply(lambda s: "；".join(dict.fromkeys(s))).to_dict()
    for code, ind in plan.indicators.items():
        own = extra.get((ind.single_reporter, code)) if ind.single_reporter else None
        if own:
            extra[(plan.district, code)] = _merge_flags(extra.get((plan.district, code), ""), own)
    out = completion.copy()
    keys = list(zip(out["scope"], out["indicator"], strict=True))
    add = [extra.get(k, "") for k in keys]
    out["flags"] = [_merge_flags(a, b) for a, b in zip(out["flags"], add, strict=True)]
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

    Judged on the compiling date (default the reporting deadline): before the deadline a unit with
    nothing yet is 待报送, from it on 未报送. A file naming no known unit whose one close match is a
    unit with no accepted file makes that unit 文件被退回（单位名称无法识别） (docs/plan_life.md).
    """
    deadline = reporting_deadline(quarter, plan)
    data = received_by(data, compiled)  # a date given: files dated after it have not arrived yet
    compiled = compiled or deadline  # none given: the default run, everything in the folder has arrived
    files_by_unit: dict[str, list[dict]] = {}
    unidentified: dict[str, list[dict]] = {}
    for f in data.log.get("files", []):
        if f.get("unit"):
            files_by_unit.setdefault(f["unit"], []).append(f)
        elif f.get("close_unit"):
            unidentified.setdefault(f["close_unit"], []).append(f)
    accepted_units = set(data.submissions["unit"]) if len(data.submissions) else set()
    end = quarters.quarter_end(quarter)
    late_days = plan.params.late_report_days
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
        late = bool(days == days and days > late_days)
        if ok_files or unit in accepted_units:
            status = W.LATE if late else (W.ON_TIME if reported_on else W.UNDATED)
        elif files and all(not f.get("unit") for f in files):
            status = UNIDENTIFIED
        elif files:
            status = RETURNED
        else:
            status = PENDING if compiled < deadline else MISSING
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
