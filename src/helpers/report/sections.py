"""The report's content: section tables and sentences built from a quarter's processed data.

Pure functions of data frames (plus the plan); the notebook 03_report only lays them out. Numbers
stay numbers here; formatting (percentages, lights) happens in tables.html_table.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.contract import datasets as D
from helpers.contract import vocabulary as W
from helpers.contract.paths import processed_dir, raw_dir, reference_dir
from helpers.evaluate.completion import (
    BEHIND,
    CARRIED,
    CARRIED_COLUMNS,
    CONFLICT,
    DONE,
    DONE_LATE,
    FAR_BEHIND,
    MISSING,
    NOT_RECEIVED,
    ON_PACE,
    OVERDUE,
    PENDING,
    RETURNED,
    STATUSES,
    STRIVE_MISSED,
    UNIDENTIFIED,
    QuarterOutputs,
)
from helpers.plan import quarters
from helpers.plan.params import DEFAULTS as DEFAULT_PARAMS
from helpers.plan.params import leader_reason
from helpers.plan.reference import DISTRICT, Plan, load_plan
from helpers.report import figures

# The indicators that head the report and its trend are the plan's (plan.yaml headline / trend / lead).
LAGGING = (FAR_BEHIND, OVERDUE, BEHIND, STRIVE_MISSED)
SAMPLE_MARK = W.SAMPLE_MARK


@dataclass
class ReportData(QuarterOutputs):
    submissions: pd.DataFrame
    rejects: pd.DataFrame
    log: dict
    sample: bool
    whole: str = DISTRICT  # the scope of the plan's totals: 全区, 全县 …
    carried: pd.DataFrame | None = None  # carried.csv: values carried into the district figures


class EvaluationDateMismatch(ValueError):
    """The report was asked for one evaluation date, the processed data was evaluated at another."""


def load(data_dir: str | Path, quarter: str, plan: Plan | None = None, as_of: dt.date | None = None) -> ReportData:
    """Read what ingest and evaluate wrote for QUARTER.

    as_of: the evaluation date the report is for (03_report's parameter): completion.csv must have been
    evaluated at that date, else EvaluationDateMismatch in Chinese. None: the date the evaluation wrote."""
    plan = plan or load_plan(reference_dir(data_dir))
    quarter = quarters.Quarter(quarter)
    folder = processed_dir(data_dir, quarter)
    comp = D.read(folder, D.COMPLETION)
    scores = D.read(folder, D.SCORES)
    reporting = D.read(folder, D.REPORTING)
    reporting["late"] = D.is_true(reporting["late"])
    trend = D.read(folder, D.TREND)
    subs = D.read(folder, D.SUBMISSIONS)
    log = D.read_json(folder, D.INGEST_LOG)
    written = dt.date.fromisoformat(comp["as_of"].iloc[0]) if len(comp) else None
    if as_of is not None and written is not None and as_of != written:
        raise EvaluationDateMismatch(
            f"评估日期不一致：报告的评估日期为 {as_of}，而 {D.path(folder, D.COMPLETION)} 是按 {written} 评估的"
            f"（02_evaluate 以另一个评估日期运行过）。请用同一个评估日期重新运行：yqeval run {quarter} --as-of {as_of}")
    as_of = as_of or written or quarters.as_of_date(quarter)
    carried = D.read(folder, D.CARRIED, missing_ok=True)
    return ReportData(quarter, as_of, comp, scores, reporting, D.read(folder, D.FLAGS), trend, subs,
                      D.read(folder, D.REJECTS), log, is_sample(data_dir, quarter, log), plan.district,
                      carried)


def is_sample(data_dir: str | Path, quarter: str, log: dict) -> bool:
    """Synthetic inputs say so: in a file's title rows (ingest records it) or a note in the quarter's folder."""
    if any(f.get("sample") for f in log.get("files", [])):
        return True
    note = raw_dir(data_dir, quarter) / "README.md"
    return note.exists() and SAMPLE_MARK in note.read_text(encoding="utf-8", errors="replace")


def district(rd: ReportData) -> pd.DataFrame:
    return rd.completion[rd.completion["scope"] == rd.whole].copy()


def whole_name(rd: ReportData, name: str) -> str:
    """"全县" + an indicator's name, once: a name that already starts with it (全县新建…) is not prefixed again."""
    return name if name.startswith(rd.whole) else f"{rd.whole}{name}"


def fmt_number(x: float, unit: str = "") -> str:
    if x is None or x != x:
        return "—"
    text = f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"
    return f"{text}{unit}" if unit else text


def measure(ind) -> str:
    """The unit of measure a table shows in its 计量单位 column (docs/outputs.md), so cells hold numbers."""
    if ind.kind == "ratio":
        return "%"
    if ind.kind in ("milestone", "qualitative"):
        return "个单位" if len(ind.reporters) > 1 else "—"
    return ind.unit or "—"


def say_value(x: float, ind) -> str:
    """A figure in a sentence as offices write it (docs/outputs.md): 1.06亿元, 644.5万元, 12个, 71.0%."""
    if ind.kind in ("amount", "count", "info"):
        return figures.amount(x, ind.unit)
    return fmt_value(x, ind.kind, ind.unit)


def fmt_value(x: float, kind: str, unit: str) -> str:
    """An actual or target as a reader expects it: 9,000万元, 93.3%, 是/否 or 完成数."""
    if x is None or x != x:
        return "—"
    if kind == "ratio":
        return f"{x:.1%}"
    if kind in ("milestone", "qualitative"):
        return "已完成" if x >= 1 else "未完成"
    return fmt_number(x, unit)


# ---------------------------------------------------------------- 总体情况


def headline_table(rd: ReportData, plan: Plan, codes=None) -> pd.DataFrame:
    d = district(rd).set_index("indicator")
    rows = []
    for code in codes or plan.words.headline:
        ind, r = plan.indicators[code], d.loc[code]
        rows.append({"指标": f"{ind.name}", "计量单位": measure(ind),
                     f"{rd.whole}完成": fmt_value(r["actual"], ind.kind, "") + carried_mark(rd, code),
                     "目标": fmt_value(r["target"], ind.kind, ""), "完成率": r["rate"],
                     "序时进度": r["expected"], "状态": r["status"]})
    return pd.DataFrame(rows)


def _carried(rd: ReportData) -> pd.DataFrame:
    return rd.carried if rd.carried is not None else pd.DataFrame(columns=CARRIED_COLUMNS)


def carried_mark(rd: ReportData, code: str) -> str:
    """'（含沿用上期3个单位）' after a district figure that holds carried values, else ''."""
    c = _carried(rd)
    n = int((c["indicator"] == code).sum())
    return f"（含{CARRIED}{n}个单位）" if n else ""


def reported_only(rd: ReportData, code: str) -> float:
    """The district figure of the reporting units alone (no carried values)."""
    t = rd.trend[(rd.trend["quarter"] == rd.quarter) & (rd.trend["indicator"] == code)]
    return float(t["reported_actual"].iloc[0]) if len(t) and "reported_actual" in t else np.nan


def carried_sentences(rd: ReportData, plan: Plan) -> list[str]:
    """How many units' values the district figures carry, from which quarter, and who they are."""
    c = _carried(rd)
    if c.empty:
        return [f"{f.flag}：{plan.indicators[f.indicator].name}，{f.detail}。" for f in rd.flags[
            (rd.flags["scope"] == rd.whole) & rd.flags["kind"].isin(W.DISTRICT_FLAGS)].itertuples()]
    status = rd.reporting.set_index("unit")["status"].to_dict()
    units = list(dict.fromkeys(c["unit"]))
    who = "、".join(f"{u}（{status.get(u, '本期无数据') if status.get(u) in NOT_RECEIVED else '部分指标未报、被退回或冲突'}，"
                   f"沿用{'、'.join(sorted(set(c[c['unit'] == u]['carried_from'])))}）" for u in units)
    out = [f"本期有{len(units)}个单位没有可采用的数据，{rd.whole}数按规则沿用其最近一期的累计值（表中标“{CARRIED}”）："
           f"{who}。这些单位本身仍按未报送计，不因沿用而得分。"]
    for f in rd.flags[(rd.flags["scope"] == rd.whole) & rd.flags["kind"].isin(W.DISTRICT_FLAGS)].itertuples():
        out.append(f"{f.flag}：{plan.indicators[f.indicator].name}，{f.detail}。")
    code = plan.words.lead  # the figure the summary opens with (plan.yaml lead)
    if code and code in set(c["indicator"]):
        ind = plan.indicators[code]
        out.append(f"如只计已报送单位，{whole_name(rd, ind.name)}为{say_value(reported_only(rd, code), ind)}。")
    return out


def carried_table(rd: ReportData, plan: Plan) -> pd.DataFrame:
    """One line per unit whose values were carried: its reporting status, the quarter carried, the indicators."""
    c = _carried(rd)
    status = rd.reporting.set_index("unit")["status"].to_dict()
    rows = []
    for unit in dict.fromkeys(c["unit"]):
        mine = c[c["unit"] == unit]
        rows.append({"单位": unit, "本期报送情况": status.get(unit, ""),
                     "沿用报告期": "、".join(sorted(set(mine["carried_from"]))),
                     "沿用的指标": "、".join(mine["indicator"])})
    return pd.DataFrame(rows, columns=["单位", "本期报送情况", "沿用报告期", "沿用的指标"])


def status_counts(rd: ReportData, scope: str | None = None) -> pd.Series:
    scope = scope or rd.whole
    s = rd.completion[(rd.completion["scope"] == scope) & (rd.completion["status"] != "")]["status"]
    counts = s.value_counts()
    return pd.Series({k: int(counts.get(k, 0)) for k in STATUSES if counts.get(k, 0)}, dtype=int)


def reporting_summary(rd: ReportData) -> dict:
    rep = rd.reporting
    owed = len(rep)
    received = int((~rep["status"].isin(NOT_RECEIVED)).sum())
    return {"owed": owed, "received": received, "rate": received / owed if owed else np.nan,
            "on_time": rep[rep["status"] == W.ON_TIME]["unit"].tolist(),
            "late": int(rep["late"].sum()), "missing": rep[rep["status"] == MISSING]["unit"].tolist(),
            "returned": rep[rep["status"] == RETURNED]["unit"].tolist(),
            "unidentified": rep[rep["status"] == UNIDENTIFIED]["unit"].tolist(),
            "pending": rep[rep["status"] == PENDING]["unit"].tolist(),
            "late_units": rep[rep["late"]]["unit"].tolist()}


def _ends_sentence(rd: ReportData, sc: pd.DataFrame) -> str:
    """The lowest and the highest townships by score; units tied with others are said to be tied, and a
    unit is never named both lowest and highest."""
    status = rd.reporting.set_index("unit")["status"].to_dict()
    sc = sc.sort_values(["score", "scope"], ascending=[True, True])

    def named(units) -> str:
        return "、".join(u + (f"（{status[u]}）" if status.get(u) in NOT_RECEIVED else "") for u in units)

    top, bottom = sc["score"].max(), sc["score"].min()
    if top == bottom:
        return f"乡镇综合得分均为{top:.1%}。"
    best = sc[sc["score"] == top]["scope"].tolist()
    high = (f"{len(best)}个单位并列最高（{top:.1%}）" if len(best) > 3 else f"最高的是{named(best)}")
    worst = sc[sc["score"] == bottom]["scope"].tolist()
    if len(worst) > 3:
        low = f"{len(worst)}个单位并列最低（{bottom:.1%}），包括{named(worst[:3])}等"
    else:
        low = f"最低的是{named(sc[sc['score'] < top]['scope'].head(3))}"
    return f"乡镇综合得分{low}，{high}。"


def key_sentences(rd: ReportData, plan: Plan) -> list[str]:
    """Three to five sentences a leader reads first, generated from the data."""
    d = district(rd).set_index("indicator")
    out = []
    lead = plan.words.lead
    if lead:  # plan.yaml lead: the indicator the summary opens with
        r, ind = d.loc[lead], plan.indicators[lead]
        notes = [f for f in str(r["flags"]).split("；") if f.startswith("不含未报送")][:1]
        carried = int((_carried(rd)["indicator"] == lead).sum())
        if carried:
            notes.append(f"含{carried}个单位{CARRIED}的累计值，只计已报送单位为"
                         f"{say_value(reported_only(rd, lead), ind)}")
        rate = f"{r['rate']:.1%}" if r["rate"] == r["rate"] else "—"
        out.append(f"截至{rd.as_of.year}年{rd.as_of.month}月{rd.as_of.day}日，{whole_name(rd, ind.name)}"
                   f"{say_value(r['actual'], ind)}，为目标{say_value(r['target'], ind)}"
                   f"的{rate}，状态为“{r['status']}”" + (f"（{'；'.join(notes)}）" if notes else "") + "。")
    scored = d[d["status"] != ""]
    green = scored["status"].isin([DONE, ON_PACE]).sum()
    late_done = scored["status"].isin([DONE_LATE]).sum()
    red = scored["status"].isin([FAR_BEHIND, OVERDUE]).sum()
    # every other status that occurs (滞后, 未报送 …) is named too: the counts add up to the number of indicators
    counts = scored["status"].value_counts()
    others = [s for s in [*STATUSES, *sorted(set(counts.index) - set(STATUSES))]
              if s in counts and s not in (DONE, ON_PACE, DONE_LATE, FAR_BEHIND, OVERDUE)]
    out.append(f"纳入考核的{len(scored)}项{rd.whole}指标中，{green}项按时完成或按序时推进，"
               + (f"{late_done}项逾期完成，" if late_done else "")
               + "".join(f"{int(counts[s])}项{s}，" for s in others)
               + f"{red}项严重滞后或逾期未完成。")
    worst = scored[scored["status"].isin([OVERDUE, FAR_BEHIND])].sort_values("rate").head(3)
    if len(worst):
        names = "、".join(f"{plan.indicators[c].name}（{r:.0%}）" for c, r in zip(worst.index, worst["rate"],
                                                                            strict=True) if r == r)
        if names:
            out.append(f"差距最大的是{names}。")
    sc = rd.scores[rd.scores["peer_group"] == "乡镇"].sort_values(["score", "scope"], ascending=[True, True])
    if len(sc) >= 3:
        out.append(_ends_sentence(rd, sc))
    rs = reporting_summary(rd)
    text = f"本季度应报送{rs['owed']}个单位，实际报送{rs['received']}个"
    if rs["missing"]:
        text += f"，未报送{len(rs['missing'])}个（{'、'.join(rs['missing'])}）"
    if rs["pending"]:
        text += f"，待报送{len(rs['pending'])}个"
    returned = rs["returned"] + rs["unidentified"]
    if returned:
        text += f"，文件被退回{len(returned)}个（{'、'.join(returned)}）"
    if rs["late"]:
        text += f"，迟报{rs['late']}个"
    out.append(text + "。")
    return out[:5]


# ---------------------------------------------------------------- 任务完成情况


def task_table(rd: ReportData, plan: Plan) -> pd.DataFrame:
    d = district(rd).set_index("indicator")
    rows = []
    for code, ind in plan.indicators.items():
        r = d.loc[code]
        task = plan.tasks[ind.task]
        target = r["target"]
        if ind.kind == "qualitative" and len(ind.reporters) > 1:
            actual, target_text = fmt_number(r["actual"]), fmt_number(target)
        else:
            actual = fmt_value(r["actual"], ind.kind, "")
            target_text = fmt_value(target, ind.kind, "") if target == target else "—"
        rows.append({"序号": ind.task, "指标": f"{code} {ind.name}（时限{ind.deadline:%Y-%m-%d}）",
                     "计量单位": measure(ind), f"{rd.whole}完成": actual + carried_mark(rd, code), "目标": target_text,
                     "完成率": r["rate"], "序时进度": r["expected"], "状态": r["status"] or "不考核",
                     TIME_COLUMN: time_note(rd, code), "牵头单位": task.lead})
    return pd.DataFrame(rows)


TIME_COLUMN = "逾期/首次完成"


def time_note(rd: ReportData, code: str) -> str:
    """'逾期182天' for a task past its deadline and not done; '2020Q1' (first reached) for a done one."""
    t = rd.trend[(rd.trend["quarter"] == rd.quarter) & (rd.trend["indicator"] == code)]
    if not len(t) or "days_overdue" not in t:
        return ""
    r = t.iloc[0]
    if r["days_overdue"] == r["days_overdue"]:
        return f"逾期{int(r['days_overdue'])}天"
    return str(r.get("first_done", "") or "")


# ---------------------------------------------------------------- 各单位完成情况


def rate_matrix(rd: ReportData, plan: Plan, groups=("乡镇", "街道")) -> pd.DataFrame:
    """Units × scored indicators, rates as fractions (NaN where nothing was reported)."""
    units = plan.registry.units
    c = rd.completion
    c = c[(c["scope"] != rd.whole) & c["scope"].map(lambda u: u in units and units[u].peer_group in groups)]
    c = c[c["target"].notna()]
    m = c.pivot_table(index="scope", columns="indicator", values="rate", aggfunc="first", dropna=False)
    order = [u for u in units if u in m.index]
    cols = [code for code in plan.indicators if code in m.columns]
    out = m.reindex(index=order, columns=cols)
    # for charts.rate_heatmap: a unit with no target for an indicator was not given it (不考核), unlike
    # one that has a target and no value (未报送); and the indicators' names under their codes
    given = c.assign(_t=True).pivot_table(index="scope", columns="indicator", values="_t", aggfunc="first")
    out.attrs["assigned"] = given.reindex(index=order, columns=cols).fillna(False).astype(bool)
    out.attrs["names"] = {code: plan.indicators[code].name for code in cols}
    return out


def ranking(rd: ReportData, group: str) -> pd.DataFrame:
    s = rd.scores[rd.scores["peer_group"] == group].sort_values(["rank", "scope"])
    return pd.DataFrame({"名次": s["rank"].astype(int), "单位": s["scope"], "综合得分": s["score"],
                         "考核指标数": s["indicators"].astype(int), "未报送或冲突": s["missing"].astype(int)})


def lagging_units(rd: ReportData, plan: Plan, limit: int = 40) -> pd.DataFrame:
    """Units behind on their own targets, with what they said stands in the way (存在问题)."""
    c = rd.completion
    c = c[(c["scope"] != rd.whole) & c["target"].notna() & c["status"].isin(LAGGING)]
    subs = rd.submissions.set_index(["unit", "indicator"])
    rows = []
    for r in c.itertuples():
        ind = plan.indicators[r.indicator]
        problem = subs["problems"].get((r.scope, r.indicator), "") if len(subs) else ""
        rows.append({"单位": r.scope, "指标": f"{r.indicator} {ind.name}", "计量单位": measure(ind),
                     "完成": fmt_value(r.actual, ind.kind, ""),
                     "完成率": r.rate, "状态": r.status, "存在问题（单位填报）": problem or "（未填写）"})
    df = pd.DataFrame(rows, columns=["单位", "指标", "计量单位", "完成", "完成率", "状态", "存在问题（单位填报）"])
    severity = {s: i for i, s in enumerate([OVERDUE, FAR_BEHIND, STRIVE_MISSED, BEHIND])}
    df["_k"] = df["状态"].map(severity)
    return df.sort_values(["_k", "完成率", "单位"]).drop(columns="_k").head(limit).reset_index(drop=True)


def bureau_table(rd: ReportData, plan: Plan) -> pd.DataFrame:
    """Each bureau's own indicators and the tasks it leads (district figure)."""
    units = plan.registry.units
    c = rd.completion
    c = c[c["scope"].map(lambda u: u in units and units[u].peer_group == "部门")]
    rows = []
    for r in c.itertuples():
        ind = plan.indicators[r.indicator]
        role = f"牵头（{rd.whole}数）" if r.indicator in plan.led_indicators(r.scope) else "本单位填报"
        rows.append({"单位": r.scope, "任务": ind.task, "指标": f"{r.indicator} {ind.name}", "角色": role,
                     "计量单位": measure(ind), "完成": fmt_value(r.actual, ind.kind, ""),
                     "完成率": r.rate, "状态": r.status or "不考核"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- 报送情况, 趋势, 核查


def reporting_table(rd: ReportData, exceptions_only: bool = False) -> pd.DataFrame:
    """Each unit's submission; with exceptions_only, the units not on time (late, missing, returned)."""
    rep = rd.reporting
    if exceptions_only:
        rep = rep[rep["status"] != W.ON_TIME]
    return pd.DataFrame({"单位": rep["unit"], "类型": rep["kind"], "文件数": rep["files"].astype(int),
                         "填报日期": rep["reported_on"].replace("", "—"),
                         "季末后天数": rep["days_after_quarter_end"], "报送情况": rep["status"]})


def trend_frame(rd: ReportData, plan: Plan, codes=None) -> pd.DataFrame:
    t = rd.trend[rd.trend["indicator"].isin(codes or plan.words.trend)].copy()
    t = t[["quarter", "indicator", "name", "actual", "target", "rate"]].reset_index(drop=True)
    t.attrs["percent"] = sorted(c for c in set(t["indicator"]) if plan.indicators[c].kind == "ratio")
    return t


def trend_table(rd: ReportData, plan: Plan, codes=None) -> pd.DataFrame:
    """Cumulative value per quarter, each quarter's increment (本季度新增) beside it, and a mark where the
    figure carries earlier values."""
    codes = codes or plan.words.trend
    t = trend_frame(rd, plan, codes)
    full = rd.trend.set_index(["quarter", "indicator"])
    t["value"] = [fmt_value(a, plan.indicators[c].kind, "")
                  + _increment_text(full, q, c, plan) for a, c, q in zip(t["actual"], t["indicator"], t["quarter"],
                                                                         strict=True)]
    wide = t.pivot_table(index="indicator", columns="quarter", values="value", aggfunc="first")
    wide = wide.reindex([c for c in codes if c in wide.index])
    wide.insert(0, "指标", [plan.indicators[c].name for c in wide.index])
    wide.insert(1, "计量单位", [measure(plan.indicators[c]) for c in wide.index])
    return wide.reset_index(drop=True)


def _increment_text(full: pd.DataFrame, quarter: str, code: str, plan: Plan) -> str:
    if "increment" not in full:
        return ""
    r = full.loc[(quarter, code)]
    ind = plan.indicators[code]
    inc = r["increment"]
    parts = []
    if inc == inc:
        sign = "+" if inc >= 0 else "−"
        parts.append(f"新增{sign}{abs(inc) * 100:.1f}个百分点" if ind.kind == "ratio"
                     else f"新增{sign}{fmt_number(abs(inc))}")
    n = r.get("carried_units", 0)
    if n == n and n:
        parts.append(f"含{CARRIED}{int(n)}个单位")
    return f"（{'，'.join(parts)}）" if parts else ""


def flags_table(rd: ReportData, plan: Plan) -> pd.DataFrame:
    f = rd.flags
    return pd.DataFrame({"单位": f["scope"], "指标": [f"{c} {plan.indicators[c].name}" for c in f["indicator"]],
                         "核查提示": f["flag"], "说明": f["detail"]})


def rejects_table(rd: ReportData) -> pd.DataFrame:
    r = rd.rejects
    return pd.DataFrame({"文件": r["source_file"], "工作表": r["source_sheet"], "行": r["source_row"],
                         "单位": r["unit"], "指标": r["indicator"], "原值": r["raw_value"],
                         "原因": [leader_reason(t) for t in r["reason"]]})  # no params.yaml key on the page


def ingest_warnings(rd: ReportData) -> pd.DataFrame:
    """What ingest noticed in files it used (a second table, an unreadable 填报日期, the folder's quarter)."""
    rows = [{"文件": f.get("file", ""), "单位": f.get("unit") or "—", "提示": w}
            for f in rd.log.get("files", []) for w in f.get("warnings", [])]
    return pd.DataFrame(rows, columns=["文件", "单位", "提示"])


def not_read_files(rd: ReportData) -> pd.DataFrame:
    """What lay in the quarter's folder and was not read (a symlink, a lock file, a folder), with why."""
    rows = [{"条目": item.get("file", ""), "原因": item.get("reason", "")} for item in rd.log.get("not_read", [])]
    return pd.DataFrame(rows, columns=["条目", "原因"])


HASH_SHOWN = 16  # hex digits of each file's SHA-256 in the report; manifest.json keeps all 64


def input_files(rd: ReportData) -> pd.DataFrame:
    """One line per received file. The digest is cut to its first 16 hex digits (64 bits: enough to
    tell files apart by eye and to find one in manifest.json), so each row fits on one line; the
    full 64 digits wrapped over two lines and took the appendix to three pages."""
    column = f"SHA-256（前{HASH_SHOWN}位）"
    outcome = {"ok": "已读取", "rejected": "退回"}
    rows = [{"文件": f.get("file", ""), "单位": f.get("unit") or "—",
             "结果": outcome.get(f.get("status", ""), f.get("status", "")),
             "接收/退回/略过": f"{f.get('accepted', 0)}/{f.get('rejected', 0)}/{f.get('skipped', 0)}",
             column: (f.get("sha256") or "")[:HASH_SHOWN]} for f in rd.log.get("files", [])]
    return pd.DataFrame(rows, columns=["文件", "单位", "结果", "接收/退回/略过", column])


def method_text(plan: Plan) -> list[str]:
    p = plan.params
    rule = "天数" if p.pace_rule == "days" else "月数"
    return [
        "完成率 = 累计完成值 ÷ 目标值（比率指标为 Σ分子 ÷ Σ分母 ÷ 目标比率）；表中显示未封顶的完成率，"
        "仅在计算单位综合得分时按 100% 封顶。",
        f"序时进度 = （评估日期 − 方案印发日期 {p.plan_start}）÷（时限 − 方案印发日期），按{rule}计算，"
        f"限定在 0～100% 之间。",
        f"低于序时进度不超过 {p.severe_lag_points * 100:g} 个百分点为“滞后”，超过为“严重滞后”；时限已过仍未完成为"
        f"“逾期未完成”，力争目标时限已过未达成为“未达成(力争)”。",
        "定性指标仅在状态为“已完成”且提供佐证材料时计为完成；未提供佐证的“已完成”按“推进中”计，并提示“缺少佐证”。",
        f"{plan.district}数为已报送单位之和，未报送单位不计为零，而在备注中注明“不含未报送单位”；单位综合得分中未报送或"
        "数据冲突的指标按 0 计。",
        f"以前报送过、本期没有可采用数据的单位（未报送、文件被退回、该行被退回、数据冲突），{plan.district}数沿用其最近一期的"
        f"累计值并标“沿用上期”；该单位本期仍按未报送计。{plan.district}累计值低于上期或异常增长时提示核查。"
        if p.carry_forward else f"{plan.district}数不沿用未报送单位的上期累计值（参数 carry_forward 为 false）。",
        f"填报日期晚于季末 {p.late_report_days} 天以上为迟报。累计值低于上期、环比增长超过 {p.jump_ratio} 倍"
        f"等情况只作提示，不改变填报值。",
    ]


def status_rules(plan: Plan | None = None) -> pd.DataFrame:
    severe = (plan.params if plan is not None else DEFAULT_PARAMS).severe_lag_points
    points = f"{severe * 100:g}个百分点"
    rules = [
        (DONE, "完成率 ≥ 100%，且在时限内达到"), (DONE_LATE, "完成率 ≥ 100%，首次达到的报告期晚于时限"),
        (ON_PACE, "完成率 ≥ 序时进度，未过时限"), (BEHIND, f"序时进度 − {points} ≤ 完成率 < 序时进度"),
        (FAR_BEHIND, f"完成率 < 序时进度 − {points}，未过时限"), (OVERDUE, "已过时限，完成率 < 100%"),
        (STRIVE_MISSED, "力争目标时限已过仍未达成"), (MISSING, "应报未报或缺少数值"),
        (CONFLICT, "同一单位同一指标报送了不同数值"),
    ]
    return pd.DataFrame(rules, columns=["状态", "规则"])


# ---------------------------------------------------------------- HTML pieces for the notebook


def cover_html(rd: ReportData, plan: Plan, title: str | None = None) -> str:
    """The cover: title, period, evaluation date, organisation, basis, and a 示例数据 mark for samples."""
    from helpers.report.layout import cover_html as render_cover

    title = title or plan.words.report_title
    d = rd.as_of
    meta = {"报告期": f"{quarters.quarter_label(rd.quarter)}（{rd.quarter}）",
            "评估日期": f"{d.year}年{d.month}月{d.day}日",
            "编制单位": str(plan.params.organization or ""),
            "评估依据": plan.words.basis}
    if rd.sample:
        meta["数据说明"] = "示例数据：由程序生成，不是真实统计"
    return render_cover(title, quarters.quarter_label(rd.quarter), meta, sample=rd.sample)


def paragraphs_html(sentences: list[str]) -> str:
    return "".join(f"<p>{html.escape(s)}</p>" for s in sentences)


def reporting_sentences(rs: dict) -> list[str]:
    out = [f"应报送单位{rs['owed']}个，实际报送{rs['received']}个，报送率{rs['rate']:.1%}。"]
    if rs["on_time"]:
        out.append(f"按时报送（{len(rs['on_time'])}个）：{'、'.join(rs['on_time'])}。")
    out.append(f"未报送：{'、'.join(rs['missing'])}。" if rs["missing"] else "所有应报单位均已报送。")
    if rs["late_units"]:
        out.append(f"迟报（季末后超过规定天数）：{'、'.join(rs['late_units'])}。")
    if rs["returned"]:
        out.append(f"报送文件无法采用、已退回：{'、'.join(rs['returned'])}。")
    if rs.get("unidentified"):
        out.append(f"文件因单位名称无法识别被退回（按名称最接近的单位计）：{'、'.join(rs['unidentified'])}。")
    if rs.get("pending"):
        out.append(f"尚未到报送截止日、还未收到文件（待报送）：{'、'.join(rs['pending'])}。")
    return out


def unidentified_files(rd: ReportData) -> pd.DataFrame:
    """Files that name no registered unit: what they say, the closest registered names, and whom they count for."""
    rows = []
    status = rd.reporting.set_index("unit")["status"].to_dict()
    for f in rd.log.get("files", []):
        if f.get("status") != "rejected" or f.get("unit") or "unit_written" not in f:
            continue
        close = f.get("close_unit") or ""
        if close and status.get(close) == UNIDENTIFIED:
            done = f"记为{close}“{UNIDENTIFIED}”"
        elif close:
            done = f"最接近{close}，但该单位已有可采用的文件，未计入"
        else:
            done = "接近的登记名称不止一个或没有，未计入任何单位"
        rows.append({"文件": f.get("file", ""), "表内单位名称": f.get("unit_written", ""),
                     "最接近的登记名称": "、".join(f.get("candidates", [])) or "—", "处理": done})
    return pd.DataFrame(rows, columns=["文件", "表内单位名称", "最接近的登记名称", "处理"])


def key_value_frame(items: dict) -> pd.DataFrame:
    return pd.DataFrame({"项目": list(items), "内容": [str(v) for v in items.values()]})


# ---------------------------------------------------------------- 奖补资金测算（上限）


INCENTIVES_TITLE = "奖补资金测算（上限）"


def incentives_html(rd: ReportData, plan: Plan, data_dir: str | Path, number: str = "七") -> str:
    """The section 奖补资金测算（上限） (docs/incentives.md), or "" for a plan without reward rules."""
    from helpers.evaluate import incentives
    from helpers.report.tables import html_table

    frame = incentives.read(processed_dir(data_dir, rd.quarter))
    if frame is None or not plan.incentives:
        return ""
    funds = incentives.funds_used(rd.completion, plan)
    matrix = incentives.basis_matrix(frame, plan)
    return "\n".join([
        f"<h2>{html.escape(number)}、{INCENTIVES_TITLE}</h2>",
        paragraphs_html(incentives.sentences(frame, plan, rd.as_of, funds)),
        html_table(incentives.report_table(frame, plan), caption="按方案奖补标准测算的资金上限（不是资金安排决定）",
                   widths={"条款": "11%", "方案原文": "39%", "测算依据": "17%", "标准": "11%", "测算上限": "11%",
                           "本季度新增": "11%"}),
        paragraphs_html([incentives.responsible_sentence(plan), incentives.basis_legend(plan)]),
        html_table(matrix, caption="测算依据的报送单位（累计数；“未报”为该单位未报送，*为本季度未报、沿用上期）",
                   numeric=[c for c in matrix.columns if c != "单位"]),
    ])


# ---------------------------------------------------------------- the plan's words for headings


NUMERALS = "一二三四五六七八九十"


def plan_words(rd: ReportData, plan: Plan) -> dict[str, str]:
    """Headings' words, from the plan: 乡镇、街道 (the kinds it has), 17 项任务, 区直部门, 全区, 区级数据不一致."""
    local = plan.kinds_present("乡镇", "街道")
    return {"local": "、".join(local), "tasks": f"{len(plan.tasks)} 项任务", "bureaus": plan.words.bureaus,
            "whole": rd.whole, "whole_done": f"{rd.whole}完成", "mismatch": f"{plan.words.level_adj}数据不一致"}


def ranked_groups(rd: ReportData, plan: Plan) -> list[str]:
    """The peer groups (乡镇, 街道) that have units with a score: only they get a ranking table."""
    present = set(rd.scores["peer_group"]) if len(rd.scores) else set()
    return [g for g in plan.kinds_present("乡镇", "街道") if g in present]


def rated_groups(rd: ReportData, plan: Plan) -> list[str]:
    """The peer groups (乡镇, 街道) with own targets, i.e. rows in the rate heatmap."""
    units = plan.registry.units
    m = rate_matrix(rd, plan)
    present = {units[u].peer_group for u in m.index}
    return [g for g in ("乡镇", "街道") if g in present]


def unit_sections(rd: ReportData, plan: Plan) -> dict[str, str]:
    """The sub-sections of 各单位完成情况 the plan has, numbered in order; a plan without 街道 has no
    街道 ranking, one without department tasks no department section (empty sections are left out)."""
    w = plan_words(rd, plan)
    present = plan.kinds_present()
    titles = {}
    rated = rated_groups(rd, plan)
    if rated:
        titles["rates"] = f"{'、'.join(rated)}指标完成率"
    if ranked_groups(rd, plan):
        titles["ranking"] = "综合得分排名"
    titles["lagging"] = "滞后事项及原因"
    if "部门" in present and len(bureau_table(rd, plan)):
        titles["bureaus"] = f"{w['bureaus']}牵头任务"
    return {key: f"（{NUMERALS[i]}）{text}" for i, (key, text) in enumerate(titles.items())}


def task_intro(rd: ReportData, plan: Plan) -> str:
    w = plan_words(rd, plan)
    return (f"方案附件《具体任务分解表》{w['tasks']}逐项对照。“{w['whole_done']}”为已报送单位之和"
            + ("（比率指标为分子之和 ÷ 分母之和）" if any(i.kind == "ratio" for i in plan.indicators.values()) else "")
            + ("；本期没有可采用数据的单位沿用其最近一期累计值，标“沿用上期”" if plan.params.carry_forward
               else "")
            + "。“逾期/首次完成”列为已过时限未完成的逾期天数，或首次达到目标的报告期。")


def heading_html(text: str, level: int = 3) -> str:
    return f"<h{level}>{html.escape(text)}</h{level}>"
