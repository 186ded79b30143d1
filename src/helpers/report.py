"""The report's content: section tables and sentences built from a quarter's processed data.

Pure functions of data frames (plus the plan); the notebook 03_report only lays them out. Numbers
stay numbers here; formatting (percentages, lights) happens in tables.html_table.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import figures, quarters
from .completion import (
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
    QuarterOutputs,
)
from .outputs import read_csv
from .paths import processed_dir, raw_dir
from .reference import DISTRICT, Plan

HEADLINE = ("T01", "T02", "T03A", "T03B", "T04", "T05", "T06", "T07A", "T13A", "T14", "T15")
TREND_HEADLINE = ("T01", "T02", "T03A", "T05", "T13A", "T14")
LAGGING = (FAR_BEHIND, OVERDUE, BEHIND, STRIVE_MISSED)
SAMPLE_MARK = "示例数据"


@dataclass
class ReportData(QuarterOutputs):
    submissions: pd.DataFrame
    rejects: pd.DataFrame
    log: dict
    sample: bool


def load(data_dir: str | Path, quarter: str) -> ReportData:
    """Read what ingest and evaluate wrote for QUARTER."""
    folder = processed_dir(data_dir, quarter)
    comp = read_csv(folder / "completion.csv", numeric=["target", "actual", "rate", "expected"])
    scores = read_csv(folder / "scores.csv", numeric=["indicators", "missing", "score", "rank", "peers"])
    reporting = read_csv(folder / "reporting.csv", numeric=["files", "days_after_quarter_end"])
    reporting["late"] = reporting["late"].isin(["True", "true", "1"])
    trend = read_csv(folder / "trend.csv", numeric=["target", "actual", "rate", "expected"])
    subs = read_csv(folder / "submissions.csv", numeric=["value", "denominator"])
    log = json.loads((folder / "ingest_log.json").read_text(encoding="utf-8"))
    as_of = dt.date.fromisoformat(comp["as_of"].iloc[0]) if len(comp) else quarters.quarter_end(quarter)
    return ReportData(quarter, as_of, comp, scores, reporting, read_csv(folder / "flags.csv"), trend, subs,
                      read_csv(folder / "rejects.csv"), log, is_sample(data_dir, quarter, log))


def is_sample(data_dir: str | Path, quarter: str, log: dict) -> bool:
    """Synthetic inputs say so: in a file's title rows (ingest records it) or a note in the quarter's folder."""
    if any(f.get("sample") for f in log.get("files", [])):
        return True
    note = raw_dir(data_dir, quarter) / "README.md"
    return note.exists() and SAMPLE_MARK in note.read_text(encoding="utf-8", errors="replace")


def district(rd: ReportData) -> pd.DataFrame:
    return rd.completion[rd.completion["scope"] == DISTRICT].copy()


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


def headline_table(rd: ReportData, plan: Plan, codes=HEADLINE) -> pd.DataFrame:
    d = district(rd).set_index("indicator")
    rows = []
    for code in codes:
        ind, r = plan.indicators[code], d.loc[code]
        rows.append({"指标": f"{ind.name}", "计量单位": measure(ind), "全区完成": fmt_value(r["actual"], ind.kind, ""),
                     "目标": fmt_value(r["target"], ind.kind, ""), "完成率": r["rate"],
                     "序时进度": r["expected"], "状态": r["status"]})
    return pd.DataFrame(rows)


def status_counts(rd: ReportData, scope: str = DISTRICT) -> pd.Series:
    s = rd.completion[(rd.completion["scope"] == scope) & (rd.completion["status"] != "")]["status"]
    counts = s.value_counts()
    return pd.Series({k: int(counts.get(k, 0)) for k in STATUSES if counts.get(k, 0)}, dtype=int)


def reporting_summary(rd: ReportData) -> dict:
    rep = rd.reporting
    owed = len(rep)
    received = int((~rep["status"].isin([MISSING, "文件被退回"])).sum())
    return {"owed": owed, "received": received, "rate": received / owed if owed else np.nan,
            "on_time": rep[rep["status"] == "按时"]["unit"].tolist(),
            "late": int(rep["late"].sum()), "missing": rep[rep["status"] == MISSING]["unit"].tolist(),
            "returned": rep[rep["status"] == "文件被退回"]["unit"].tolist(),
            "late_units": rep[rep["late"]]["unit"].tolist()}


def key_sentences(rd: ReportData, plan: Plan) -> list[str]:
    """Three to five sentences a leader reads first, generated from the data."""
    d = district(rd).set_index("indicator")
    out = []
    t01 = d.loc["T01"]
    unreported = [f for f in str(t01["flags"]).split("；") if f.startswith("不含未报送")]
    out.append(f"截至{rd.as_of.year}年{rd.as_of.month}月{rd.as_of.day}日，全区农村产品网络销售额新增"
               f"{figures.amount(t01['actual'])}，为目标{figures.amount(t01['target'])}的{t01['rate']:.1%}，"
               f"状态为“{t01['status']}”"
               + (f"（{unreported[0]}）" if unreported else "") + "。")
    scored = d[d["status"] != ""]
    green = scored["status"].isin([DONE, DONE_LATE, ON_PACE]).sum()
    red = scored["status"].isin([FAR_BEHIND, OVERDUE]).sum()
    out.append(f"纳入考核的{len(scored)}项全区指标中，{green}项已完成或按序时推进，"
               f"{red}项严重滞后或逾期未完成。")
    worst = scored[scored["status"].isin([OVERDUE, FAR_BEHIND])].sort_values("rate").head(3)
    if len(worst):
        names = "、".join(f"{plan.indicators[c].name}（{r:.0%}）" for c, r in zip(worst.index, worst["rate"],
                                                                            strict=True) if r == r)
        if names:
            out.append(f"差距最大的是{names}。")
    sc = rd.scores[rd.scores["peer_group"] == "乡镇"].sort_values(["score", "scope"], ascending=[True, True])
    if len(sc) >= 3:
        out.append(f"乡镇综合得分最低的是{'、'.join(sc['scope'].head(3))}，"
                   f"最高的是{'、'.join(sc.sort_values(['score', 'scope'], ascending=[False, True])['scope'].head(3))}。")
    rs = reporting_summary(rd)
    text = f"本季度应报送{rs['owed']}个单位，实际报送{rs['received']}个"
    if rs["missing"]:
        text += f"，未报送{len(rs['missing'])}个（{'、'.join(rs['missing'])}）"
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
                     "计量单位": measure(ind), "全区完成": actual, "目标": target_text, "完成率": r["rate"], "序时进度": r["expected"],
                     "状态": r["status"] or "不考核", "牵头单位": task.lead})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- 各单位完成情况


def rate_matrix(rd: ReportData, plan: Plan, groups=("乡镇", "街道")) -> pd.DataFrame:
    """Units × scored indicators, rates as fractions (NaN where nothing was reported)."""
    units = plan.registry.units
    c = rd.completion
    c = c[(c["scope"] != DISTRICT) & c["scope"].map(lambda u: u in units and units[u].peer_group in groups)]
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
    c = c[(c["scope"] != DISTRICT) & c["target"].notna() & c["status"].isin(LAGGING)]
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
        role = "牵头（全区数）" if "牵头任务" in str(r.flags) else "本单位填报"
        rows.append({"单位": r.scope, "任务": ind.task, "指标": f"{r.indicator} {ind.name}", "角色": role,
                     "计量单位": measure(ind), "完成": fmt_value(r.actual, ind.kind, ""),
                     "完成率": r.rate, "状态": r.status or "不考核"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- 报送情况, 趋势, 核查


def reporting_table(rd: ReportData, exceptions_only: bool = False) -> pd.DataFrame:
    """Each unit's submission; with exceptions_only, the units not on time (late, missing, returned)."""
    rep = rd.reporting
    if exceptions_only:
        rep = rep[rep["status"] != "按时"]
    return pd.DataFrame({"单位": rep["unit"], "类型": rep["kind"], "文件数": rep["files"].astype(int),
                         "填报日期": rep["reported_on"].replace("", "—"),
                         "季末后天数": rep["days_after_quarter_end"], "报送情况": rep["status"]})


def trend_frame(rd: ReportData, plan: Plan, codes=TREND_HEADLINE) -> pd.DataFrame:
    t = rd.trend[rd.trend["indicator"].isin(codes)].copy()
    return t[["quarter", "indicator", "name", "actual", "target", "rate"]].reset_index(drop=True)


def trend_table(rd: ReportData, plan: Plan, codes=TREND_HEADLINE) -> pd.DataFrame:
    t = trend_frame(rd, plan, codes)
    t["value"] = [fmt_value(a, plan.indicators[c].kind, "")
                  for a, c in zip(t["actual"], t["indicator"], strict=True)]
    wide = t.pivot_table(index="indicator", columns="quarter", values="value", aggfunc="first")
    wide = wide.reindex([c for c in codes if c in wide.index])
    wide.insert(0, "指标", [plan.indicators[c].name for c in wide.index])
    wide.insert(1, "计量单位", [measure(plan.indicators[c]) for c in wide.index])
    return wide.reset_index(drop=True)


def flags_table(rd: ReportData, plan: Plan) -> pd.DataFrame:
    f = rd.flags
    return pd.DataFrame({"单位": f["scope"], "指标": [f"{c} {plan.indicators[c].name}" for c in f["indicator"]],
                         "核查提示": f["flag"], "说明": f["detail"]})


def rejects_table(rd: ReportData) -> pd.DataFrame:
    r = rd.rejects
    return pd.DataFrame({"文件": r["source_file"], "工作表": r["source_sheet"], "行": r["source_row"],
                         "单位": r["unit"], "指标": r["indicator"], "原值": r["raw_value"], "原因": r["reason"]})


def ingest_warnings(rd: ReportData) -> pd.DataFrame:
    """What ingest noticed in files it used (a second table, an unreadable 填报日期, the folder's quarter)."""
    rows = [{"文件": f.get("file", ""), "单位": f.get("unit") or "—", "提示": w}
            for f in rd.log.get("files", []) for w in f.get("warnings", [])]
    return pd.DataFrame(rows, columns=["文件", "单位", "提示"])


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
    rule = "天数" if p.get("pace_rule", "days") == "days" else "月数"
    return [
        "完成率 = 累计完成值 ÷ 目标值（比率指标为 Σ分子 ÷ Σ分母 ÷ 目标比率）；表中显示未封顶的完成率，"
        "仅在计算单位综合得分时按 100% 封顶。",
        f"序时进度 = （评估日期 − 方案印发日期 {p['plan_start']}）÷（时限 − 方案印发日期），按{rule}计算，"
        f"限定在 0～100% 之间。",
        f"低于序时进度不超过 {p['severe_lag_points']:.0%} 个百分点为“滞后”，超过为“严重滞后”；时限已过仍未完成为"
        f"“逾期未完成”，力争目标时限已过未达成为“未达成(力争)”。",
        "定性指标仅在状态为“已完成”且提供佐证材料时计为完成；未提供佐证的“已完成”按“推进中”计，并提示“缺少佐证”。",
        "全区数为已报送单位之和，未报送单位不计为零，而在备注中注明“不含未报送单位”；单位综合得分中未报送或"
        "数据冲突的指标按 0 计。",
        f"填报日期晚于季末 {p['late_report_days']} 天以上为迟报。累计值低于上期、环比增长超过 {p['jump_ratio']} 倍"
        f"等情况只作提示，不改变填报值。",
    ]


def status_rules() -> pd.DataFrame:
    rules = [
        (DONE, "完成率 ≥ 100%，且在时限内达到"), (DONE_LATE, "完成率 ≥ 100%，首次达到的报告期晚于时限"),
        (ON_PACE, "完成率 ≥ 序时进度，未过时限"), (BEHIND, "序时进度 − 30个百分点 ≤ 完成率 < 序时进度"),
        (FAR_BEHIND, "完成率 < 序时进度 − 30个百分点，未过时限"), (OVERDUE, "已过时限，完成率 < 100%"),
        (STRIVE_MISSED, "力争目标时限已过仍未达成"), (MISSING, "应报未报或缺少数值"),
        (CONFLICT, "同一单位同一指标报送了不同数值"),
    ]
    return pd.DataFrame(rules, columns=["状态", "规则"])


# ---------------------------------------------------------------- HTML pieces for the notebook


def cover_html(rd: ReportData, plan: Plan, title: str = "埇桥区农村电商优化升级工作评估报告") -> str:
    """The cover: title, period, evaluation date, organisation, basis, and a 示例数据 mark for samples."""
    from .layout import cover_html as render_cover

    d = rd.as_of
    meta = {"报告期": f"{quarters.quarter_label(rd.quarter)}（{rd.quarter}）",
            "评估日期": f"{d.year}年{d.month}月{d.day}日",
            "编制单位": str(plan.params.get("organization", "")),
            "评估依据": "《埇桥区农村电商优化升级工作方案》（埇政办秘〔2019〕38号）"}
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
    return out


def key_value_frame(items: dict) -> pd.DataFrame:
    return pd.DataFrame({"项目": list(items), "内容": [str(v) for v in items.values()]})
