"""奖补资金测算: what the results reported so far would cost under the plan's reward rules.

The rules are data (data/reference/incentives.csv, docs/incentives.md): each names its basis (an
indicator code, or a difference of codes such as "A-B"), an amount per item or a rate, and whether
that amount is fixed or a ceiling. The estimate is an upper bound, never a decision.

Pure functions of the processed submissions of a quarter and the quarters before it; `write_quarter`
is the edge that writes data/processed/<quarter>/incentives.csv. A basis nobody reported is 未报 (no
number), never 0元.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.contract import datasets as D
from helpers.contract import vocabulary as W
from helpers.plan.reference import Plan
from helpers.plan.rules import CURRENCIES, FIXED, LIMITS, RULE_COLUMNS, RULES_FILE, Rule, load_rules  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = list(D.INCENTIVES.columns)  # the contract (helpers.contract.datasets, docs/datasets.md)
NOT_REPORTED, ESTIMATED = "未报", "含估算"
CARRIED, CONFLICT = W.CARRIED, W.CONFLICT


# ---------------------------------------------------------------- values per unit


@dataclass(frozen=True)
class Value:
    value: float
    quarter: str  # the quarter it was reported in (earlier than the current one: carried)
    approximate: bool


def _values(submissions: pd.DataFrame, codes: set[str]) -> dict[tuple[str, str], tuple[float, bool]]:
    s = submissions
    if not len(s):
        return {}
    s = s[s["indicator"].isin(codes) & s["value"].notna()]
    approx = s.get("approximate")
    flags = approx.isin(["True", "true", "1", "是"]) if approx is not None else [False] * len(s)
    return {(u, c): (float(v), bool(a)) for u, c, v, a in zip(s["unit"], s["indicator"], s["value"], flags,
                                                             strict=True)}


def _conflicts(rejects: pd.DataFrame) -> set[tuple[str, str]]:
    return D.conflicted(rejects)


def latest_values(history: dict, quarter: str, codes: set[str]) -> tuple[dict[tuple[str, str], Value], set]:
    """Each (unit, code)'s value in QUARTER, else its latest earlier one (cumulative: carried forward).

    history maps quarter → an object with .submissions and .rejects (completion.QuarterData)."""
    out: dict[tuple[str, str], Value] = {}
    conflicts: set = set()
    for q in sorted(q for q in history if q <= quarter):
        for key, (value, approx) in _values(history[q].submissions, codes).items():
            out[key] = Value(value, q, approx)
        if q == quarter:
            conflicts = _conflicts(history[q].rejects)
    return out, conflicts


# ---------------------------------------------------------------- the estimate


def _unit_basis(rule: Rule, unit: str, values: dict, conflicts: set, quarter: str) -> tuple[float | None, list, bool]:
    """(basis value, notes, carried) of one unit; None when a term it needs is not reported."""
    total, notes, carried = 0.0, [], False
    for sign, code in rule.terms:
        v = values.get((unit, code))
        if (unit, code) in conflicts:
            notes.append(f"{code}{CONFLICT}")  # ingest keeps neither row: the earlier value, if any, is carried
            if v is not None and v.quarter == quarter:
                v = None
        if v is None:
            if sign > 0:
                return None, notes + [NOT_REPORTED], carried
            notes.append(f"{code}未报，按0扣减")  # subtracting nothing keeps the estimate an upper bound
            continue
        if v.quarter < quarter:
            carried = True
            notes.append(f"{code}{CARRIED}（{v.quarter}）")
        if v.approximate:
            notes.append(f"{code}{ESTIMATED}（约数）")
        total += sign * v.value
    if total < 0:
        notes.append("扣减后为负，按0计")
        total = 0.0
    return total, notes, carried


def _scope_units(rule: Rule, plan: Plan) -> list[str]:
    owed = {u for sign, code in rule.terms if sign > 0 for u in plan.catalogue[code].reporters}
    return [u for u in plan.registry.units if u in owed]


def estimate(history: dict, quarter: str, plan: Plan) -> list[dict]:
    """Rows of incentives.csv (without as_of and new_wan) for QUARTER: per rule the district, then each unit."""
    codes = {code for r in plan.incentives for _, code in r.terms}
    values, conflicts = latest_values(history, quarter, codes)
    rows = []
    for rule in plan.incentives:
        unit_rows, reported, missing, carried, approx = [], [], 0, 0, False
        for unit in _scope_units(rule, plan):
            basis, notes, was_carried = _unit_basis(rule, unit, values, conflicts, quarter)
            if basis is None:
                missing += 1
            else:
                reported.append(basis)
                carried += was_carried
                approx = approx or any(ESTIMATED in n for n in notes)
            unit_rows.append(_row(quarter, unit, rule, basis, "；".join(dict.fromkeys(notes))))
        if reported:
            notes = [f"不含未报单位{missing}个"] if missing else []
            notes += [f"{CARRIED}{carried}个单位"] if carried else []
            notes += [ESTIMATED] if approx else []
            rows.append(_row(quarter, plan.district, rule, sum(reported), "；".join(notes)))
        else:
            rows.append(_row(quarter, plan.district, rule, None, NOT_REPORTED))
        rows += unit_rows
    return rows


def _row(quarter: str, scope: str, rule: Rule, basis: float | None, note: str) -> dict:
    return {"quarter": quarter, "scope": scope, "rule": rule.rule, "basis_indicator": rule.basis,
            "basis_value": basis, "amount_per_item": rule.amount, "rate": rule.rate, "currency": rule.currency,
            "ceiling": "true" if rule.ceiling else "false",
            "estimate_wan": None if basis is None else round(rule.estimate(basis), 6), "note": note}


def incentives_frame(history: dict, quarter: str, as_of: dt.date, plan: Plan) -> pd.DataFrame:
    """incentives.csv for QUARTER; new_wan is the change against the quarter before (cumulative bases)."""
    import pandas as pd

    rows = estimate(history, quarter, plan)
    earlier = sorted(q for q in history if q < quarter)
    before = {(r["scope"], r["rule"]): r["estimate_wan"] for r in estimate(history, earlier[-1], plan)} if earlier else {}
    for r in rows:
        now, prev = r["estimate_wan"], before.get((r["scope"], r["rule"]))
        r["new_wan"] = None if now is None else round(now - (prev or 0.0), 6)
        r["as_of"] = as_of.isoformat()
    df = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("basis_value", "amount_per_item", "rate", "estimate_wan", "new_wan"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


def write_quarter(history: dict, quarter: str, as_of: dt.date, plan: Plan, folder: Path) -> Path | None:
    """Write folder/incentives.csv; a plan without reward rules writes nothing (and removes a stale file)."""
    if not plan.incentives:
        D.path(folder, D.INCENTIVES).unlink(missing_ok=True)
        return None
    return D.write(incentives_frame(history, quarter, as_of, plan), folder, D.INCENTIVES)


# ---------------------------------------------------------------- the report section


def read(folder: Path) -> pd.DataFrame | None:
    """incentives.csv as written, or None when the quarter has none (the plan has no reward rules)."""
    if not D.exists(folder, D.INCENTIVES):
        return None
    return D.read(folder, D.INCENTIVES)


def _wan(x: float) -> str:
    if x is None or x != x:
        return NOT_REPORTED
    return f"{x:,.2f}".rstrip("0").rstrip(".") + "万元"


def _count(x: float, unit: str) -> str:
    text = f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"
    return f"{text}{unit}"


def _basis_label(rule: Rule, plan: Plan) -> str:
    parts = []
    for sign, code in rule.terms:
        ind = plan.catalogue[code]
        parts.append(("减 " if sign < 0 else "") + f"{code} {ind.name}")
    return "，".join(parts)


def _basis_codes(rule: Rule) -> str:
    return "".join((" 减 " if sign < 0 else "") + code for sign, code in rule.terms)


def _basis_unit(rule: Rule, plan: Plan) -> str:
    return plan.catalogue[rule.terms[0][1]].unit


def basis_matrix(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """Who stands behind each basis: one row per unit that owes one, one column per rule's basis (its
    codes), the cumulative number the unit reported; 未报 where it reported none, * where carried."""
    import pandas as pd

    units = frame[frame["scope"] != plan.district]
    order = {u: i for i, u in enumerate(plan.registry.units)}
    names = sorted(set(units["scope"]), key=lambda u: order.get(u, len(order)))
    columns = {}
    for rule in plan.incentives:
        mine = units[units["rule"] == rule.rule].set_index("scope")
        unit = _basis_unit(rule, plan)
        cells = []
        for name in names:
            if name not in mine.index:
                cells.append("")
                continue
            v, note = mine.loc[name, "basis_value"], str(mine.loc[name, "note"])
            cells.append(NOT_REPORTED if v != v else _count(v, "") + ("*" if CARRIED in note else ""))
        columns[f"{_basis_codes(rule)}（{unit}）"] = cells
    return pd.DataFrame({"单位": names, **columns})


def responsible_sentence(plan: Plan) -> str:
    """Which units answer for which rules (incentives.csv, responsible)."""
    groups: dict[str, list[str]] = {}
    for rule in plan.incentives:
        groups.setdefault(rule.responsible, []).append(rule.name)
    parts = [f"{'、'.join(names)}由{who}负责" for who, names in groups.items()]
    return "按方案，" + "；".join(parts) + "。"


def report_table(frame: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The section's table: per rule the plan's words, the basis, the standard, the estimate, what is new;
    and a total row over the rules that could be estimated."""
    import pandas as pd

    d = frame[frame["scope"] == plan.district].set_index("rule")
    rows = []
    for rule in plan.incentives:
        if rule.rule not in d.index:
            continue
        r = d.loc[rule.rule]
        value = r["basis_value"]
        basis = NOT_REPORTED if value != value else _count(value, _basis_unit(rule, plan))
        note = str(r["note"]) if r["note"] != NOT_REPORTED else ""
        rows.append({"条款": rule.name, "方案原文": f"“{rule.words}”",
                     "测算依据": f"{_basis_codes(rule)}：{basis}" + (f"（{note}）" if note else ""),
                     "标准": rule.standard(_basis_unit(rule, plan)), "测算上限": _wan(r["estimate_wan"]),
                     "本季度新增": _wan(r["new_wan"]) if value == value else "—"})
    known = d[d["estimate_wan"].notna()]
    rows.append({"条款": "合计", "方案原文": "", "测算依据": f"{len(known)}项条款可测算，未报的不计入", "标准": "",
                 "测算上限": _wan(float(known["estimate_wan"].sum())),
                 "本季度新增": _wan(float(known["new_wan"].sum()))})
    return pd.DataFrame(rows, columns=["条款", "方案原文", "测算依据", "标准", "测算上限", "本季度新增"])


def basis_legend(plan: Plan) -> str:
    """The codes of the bases, named: J01 农产品…网点；T05 …"""
    seen = dict.fromkeys(code for r in plan.incentives for _, code in r.terms)
    return "测算依据代码：" + "；".join(f"{c} {plan.catalogue[c].name}" for c in seen) + "。"


def funds_used(rd_completion: pd.DataFrame, plan: Plan) -> dict[str, float]:
    """The district figure of each funds indicator the rules name (NaN when not reported)."""
    codes = sorted({r.funds for r in plan.incentives if r.funds})
    d = rd_completion[rd_completion["scope"] == plan.district].set_index("indicator")["actual"]
    return {c: float(d.get(c, float("nan"))) for c in codes}


def sentences(frame: pd.DataFrame, plan: Plan, as_of: dt.date, funds: dict[str, float]) -> list[str]:
    """What the section says before its table: what the figures are, the total, the funds used, what is new."""
    d = frame[frame["scope"] == plan.district]
    known = d[d["estimate_wan"].notna()]
    total, new = float(known["estimate_wan"].sum()), float(known["new_wan"].sum())
    out = [f"本节按方案正文规定的奖补标准，用截至{as_of.year}年{as_of.month}月{as_of.day}日各单位报送的累计数测算"
           f"奖补资金。测算值是上限，不是资金安排决定：标准为“以内”“不超过”或“分档”的按最高标准计，"
           f"实际奖补以评定、审核和批准的结果为准。"]
    out.append(f"{len(known)}项条款可以测算，合计上限{_wan(total)}，其中本季度新增{_wan(new)}。")
    unreported = [r.name for r in plan.incentives if r.rule in set(d[d["estimate_wan"].isna()]["rule"])]
    if unreported:
        out.append(f"{len(unreported)}项条款的测算依据尚无单位报送（{'、'.join(unreported)}），显示为“未报”，未计入合计，"
                   f"不代表不需要资金。")
    for code, used in funds.items():
        ind = plan.catalogue[code]
        who = ind.single_reporter or ind.reporters_text
        if used == used:
            gap = total - used
            compare = (f"测算上限比已使用资金多{_wan(gap)}" if gap > 0 else f"已使用资金比测算上限多{_wan(-gap)}")
            out.append(f"{who}报告{ind.name}（{code}）累计{_wan(used)}；{compare}。")
        else:
            out.append(f"{who}本季度未报告{ind.name}（{code}），无法与测算上限对照。")
    return out


__all__ = ["COLUMNS", "NOT_REPORTED", "Rule", "basis_legend", "basis_matrix", "estimate", "funds_used",
           "incentives_frame", "load_rules", "read", "report_table", "responsible_sentence", "sentences",
           "write_quarter"]
