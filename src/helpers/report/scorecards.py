"""Per-unit scorecards (单位评估卡): one or two A4 pages about one reporting unit.

The batch (`yqeval scorecards`, bringing the data up to date first) is helpers.run.cards. The quarter's data is read once (`load_context`); each card is a pure function of that context
(`card_html`), so the batch costs one Python process, not one kernel per unit. notebooks/04_scorecard
shows one card from the same function. PDFs come from Typst (helpers.report.cardpdf), in a pool of local
processes or on a Dask cluster (`--scheduler`).
"""

from __future__ import annotations

import datetime as dt
import html
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.contract import vocabulary as W
from helpers.contract.paths import reference_dir
from helpers.evaluate import completion as C
from helpers.plan import quarters
from helpers.plan.params import leader_reason
from helpers.plan.reference import Plan, load_plan
from helpers.report import sections as report
from helpers.report.layout import END_ID, report_css
from helpers.report.tables import html_table

PCT = {"完成率": "pct", "序时进度": "pct"}
RETURNED_ROW = "该行被退回，见“未采用的数据”"  # a row the unit sent whose value was not used
_NONE = np.array([], dtype=np.intp)  # no rows: the positions of a unit a frame does not name

# Card rules on top of report.css. The card is nearly all tables, so its few sentences use the sans face
# of the tables too: one CJK face fewer to subset and embed (0.6 s instead of 0.9 s per PDF).
CARD_CSS = """
.scorecard { font-family: "Noto Sans CJK SC", sans-serif; }
.scorecard .card-head { border-bottom: 2pt solid #2b4c7e; padding-bottom: 2mm; margin-bottom: 3mm; }
.scorecard .card-kicker { font-family: "Noto Sans CJK SC", sans-serif; color: #555; font-size: 9pt; margin: 0; }
.scorecard .card-head h1 { font-size: 18pt; margin: 1mm 0 1mm; color: #1f3a60; }
.scorecard .card-meta { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; color: #333; margin: 0; }
.scorecard .card-head .sample-mark { margin: 1.5mm 0 0; font-size: 9pt; padding: 0.5mm 2mm; letter-spacing: 0.1em; }
.scorecard h2 { font-size: 11.5pt; margin: 4mm 0 1.5mm; padding-bottom: 0.5mm; border-bottom-width: 1pt; }
.scorecard p { margin: 0 0 1.5mm; }
.scorecard table { font-size: 8.5pt; margin: 1mm 0 2.5mm; }
.scorecard th, .scorecard td { padding: 0.8mm 1.4mm; }
.scorecard table.kpis { margin: 0 0 2mm; }
.scorecard table.kpis td { width: 25%; text-align: center; background: #f3f6fa; border-color: #d5dde6; }
.scorecard .kpi-value { display: block; font-family: "Noto Sans CJK SC", sans-serif; font-size: 13pt;
  font-weight: bold; color: #1f3a60; line-height: 1.3; }
.scorecard .kpi-label { display: block; font-size: 8pt; color: #555; }
.scorecard .none { color: #555; font-size: 9pt; }
.scorecard table.narrative { font-size: 8pt; }
.scorecard td.text { overflow-wrap: break-word; }
"""


# ---------------------------------------------------------------- names


def resolve_units(plan: Plan, names: Iterable[str] | None) -> list[str]:
    """Registered names for the given spellings (aliases too), in the order given; default: every reporter."""
    if not names:
        return plan.reporters()
    out, unknown = [], []
    for name in names:
        unit = plan.registry.resolve(name)
        if unit is None:
            hint = "、".join(plan.registry.suggest(name))
            unknown.append(f"“{name}”" + (f"（是否为：{hint}）" if hint else ""))
        elif unit.name not in out:
            out.append(unit.name)
    if unknown:
        raise ValueError(f"未登记的单位：{'；'.join(unknown)}")
    return out


# ---------------------------------------------------------------- the quarter's data, read once


@dataclass
class CardContext:
    """Everything the cards of one quarter need; read once, shared by all units."""

    quarter: str
    plan: Plan
    rd: report.ReportData
    history: pd.DataFrame  # quarter, unit, indicator, kind, state, achieved, target, rate
    reporting: pd.DataFrame  # every quarter so far: quarter, unit, files, reported_on, days…, late, status
    commentary: object = None  # the office's commentary (helpers.report.commentary), None without a file
    _index: dict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def as_of(self) -> dt.date:
        return self.rd.as_of

    def rows(self, name: str, key: str, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """frame's rows whose column equals key, in frame order: grouped once per (name, column), then a
        look-up, so a card costs the same with 41 units or 15,000 (docs/benchmarks.md)."""
        return frame.iloc[self.positions(name, frame, column).get(key, _NONE)]

    def positions(self, name: str, frame: pd.DataFrame, column: str) -> dict:
        if self._index is None:
            self._index = {}
        hit = self._index.get((name, column))
        if hit is None or hit[0] is not frame:  # keyed on the frame itself: a replaced frame is grouped again
            groups = frame[column].groupby(frame[column], sort=False).indices if len(frame) else {}
            hit = self._index[(name, column)] = (frame, groups)
        return hit[1]

    def cached(self, name: str, build: Callable[[], object]) -> object:
        if self._index is None:
            self._index = {}
        if name not in self._index:
            self._index[name] = build()
        return self._index[name]


def load_context(data_dir: str | Path, quarter: str, as_of: dt.date | str | None = None,
                 plan: Plan | None = None) -> CardContext:
    """Read the quarter's processed data and its history (helpers.run.card_context brings them up to date first)."""
    data_dir = Path(data_dir)
    quarter = quarters.validate(quarter)
    plan = plan or load_plan(reference_dir(data_dir))
    as_of = quarters.as_of_date(quarter, as_of)  # never a date an earlier `evaluate --as-of` left behind
    history = C.load_history(data_dir, quarter)
    rd = report.load(data_dir, quarter, plan)
    if as_of is not None and as_of != rd.as_of:
        rd = _reevaluated(rd, history, quarter, as_of, plan)
    from helpers.report import commentary

    return CardContext(quarter, plan, rd, history_cells(history, plan), reporting_history(history, plan),
                       commentary.load(data_dir, quarter))


def _reevaluated(rd: report.ReportData, history: dict, quarter: str, as_of: dt.date, plan: Plan) -> report.ReportData:
    """The report data at another evaluation date, in memory (processed files stay as they are)."""
    ev = C.evaluate(history, quarter, as_of, plan)
    return report.ReportData(quarter, as_of, ev.completion, ev.scores, ev.reporting, ev.flags, ev.trend,
                             rd.submissions, rd.rejects, rd.log, rd.sample, rd.whole, ev.carried)


def history_cells(history: dict[str, C.QuarterData], plan: Plan) -> pd.DataFrame:
    """Each unit's own value, target and rate per quarter so far (the same rules as the evaluation)."""
    frames = []
    for q, data in history.items():
        c = C.quarter_rates(data, plan).cells
        frames.append(c[["unit", "indicator", "kind", "state", "achieved", "target", "rate"]].assign(quarter=q))
    return pd.concat(frames, ignore_index=True)


def reporting_history(history: dict[str, C.QuarterData], plan: Plan) -> pd.DataFrame:
    return pd.concat([C.reporting_table(data, plan, q) for q, data in history.items()], ignore_index=True)


# ---------------------------------------------------------------- pure builders: one unit's tables


def _unit_rows(ctx: CardContext, unit: str) -> pd.DataFrame:
    return ctx.rows("completion", unit, ctx.rd.completion, "scope")


def _own_rows(ctx: CardContext, unit: str) -> pd.DataFrame:
    """The unit's completion rows without the district rows of the tasks it leads (Plan.led_indicators)."""
    rows = _unit_rows(ctx, unit)
    return rows[~rows["indicator"].isin(ctx.plan.led_indicators(unit))]


def _value_text(x: float, kind: str, unit: str) -> str:
    if kind == "qualitative":
        return "—" if x != x else ("已完成" if x >= 1 else "未完成")
    return report.fmt_value(x, kind, unit)


def indicator_table(ctx: CardContext, unit: str) -> pd.DataFrame:
    """The unit's own indicators: target, value, rate, 序时进度, status and notes. An indicator whose row the unit
    sent but which was not used is 未报送 (docs/evaluation.md: the value is missing); its note says the row was
    returned, so the card does not read as if the unit had sent nothing."""
    returned = set(rejects_table(ctx, unit)["指标"])
    rows = []
    for r in _own_rows(ctx, unit).itertuples():
        ind = ctx.plan.indicators[r.indicator]
        scored = r.target == r.target
        rows.append({"指标": f"{r.indicator} {ind.name}",
                     "目标": _value_text(r.target, ind.kind, ind.unit) if scored else "不考核",
                     "完成": _value_text(r.actual, ind.kind, ind.unit), "完成率": r.rate,
                     "序时进度": r.expected if scored else np.nan, "状态": r.status or "不考核",
                     "备注": "；".join(filter(None, [r.flags, RETURNED_ROW if r.indicator in returned
                                                    and r.status == W.MISSING else ""]))})
    return pd.DataFrame(rows, columns=["指标", "目标", "完成", "完成率", "序时进度", "状态", "备注"])


def score_row(ctx: CardContext, unit: str) -> dict | None:
    hit = ctx.rows("scores", unit, ctx.rd.scores, "scope")
    return hit.iloc[0].to_dict() if len(hit) else None


def rank_text(ctx: CardContext, unit: str) -> str:
    """'综合得分 75.0%，在 25 个乡镇中排第 8 名' or why the unit is not ranked."""
    s = score_row(ctx, unit)
    if s is None:
        return "本单位没有单独考核的指标，不参加综合得分排名"
    text = (f"综合得分 {float(s['score']):.1%}，在 {int(s['peers'])} 个{s['peer_group']}中排第 {int(s['rank'])} 名"
            f"（考核指标 {int(s['indicators'])} 项")
    missing = int(s["missing"])
    return text + (f"，其中未报送或数据冲突 {missing} 项）" if missing else "）")


def own_status_counts(ctx: CardContext, unit: str) -> dict[str, int]:
    """Statuses of the unit's own indicators (not the district figures of the tasks it leads)."""
    rows = _own_rows(ctx, unit)
    rows = rows[rows["status"] != ""]
    counts = rows["status"].value_counts()
    return {s: int(counts[s]) for s in C.STATUSES if s in counts}


def status_summary(ctx: CardContext, unit: str) -> str:
    return "，".join(f"{s}{n}项" for s, n in own_status_counts(ctx, unit).items()) or "无考核指标"


def reporting_record(ctx: CardContext, unit: str) -> pd.DataFrame:
    """On time / late / missing in every quarter so far."""
    rep = ctx.rows("reporting", unit, ctx.reporting, "unit")
    return pd.DataFrame({"报告期": rep["quarter"], "文件数": rep["files"].astype(int),
                         "填报日期": rep["reported_on"].replace("", "—"),
                         "季末后天数": rep["days_after_quarter_end"], "报送情况": rep["status"]}).reset_index(drop=True)


def trend_table(ctx: CardContext, unit: str) -> pd.DataFrame:
    """The unit's own cumulative value per quarter (completion rate in brackets where it has a target),
    and for counts and amounts the quarter's increment over the last value it reported (本季度新增)."""
    h = ctx.rows("history", unit, ctx.history, "unit")
    qs = sorted(h["quarter"].unique())
    rows = []
    for code in dict.fromkeys(h["indicator"]):
        ind = ctx.plan.indicators[code]
        row = {"指标": f"{code} {ind.name}"}
        sub = h[h["indicator"] == code].set_index("quarter")
        last = np.nan
        for q in qs:
            row[q] = _trend_cell(sub.loc[q], ind) if q in sub.index else "—"
            if q in sub.index and sub.loc[q, "state"] == "ok" and ind.kind in ("count", "amount", "info"):
                value = sub.loc[q, "achieved"]
                if last == last and value == value:
                    row[q] += f" 新增{'+' if value >= last else '−'}{report.fmt_number(abs(value - last))}"
                last = value
        rows.append(row)
    return pd.DataFrame(rows, columns=["指标", *qs])


def _trend_cell(r: pd.Series, ind) -> str:
    if r["state"] != "ok":
        return C.CONFLICT if r["state"] == "conflict" else C.MISSING
    text = _value_text(r["achieved"], ind.kind, ind.unit)
    rate = r["rate"]
    if rate == rate and ind.kind not in ("qualitative", "milestone"):
        text += f"（{rate:.0%}）"
    return text


def carried_note(ctx: CardContext, unit: str) -> str:
    """A paragraph saying the district figures carry this unit's earlier values (its own status stays 未报送)."""
    c = ctx.rd.carried
    if c is None or c.empty:
        return ""
    mine = ctx.rows("carried", unit, c, "unit")
    if mine.empty:
        return ""
    text = (f"本期{ctx.rd.whole}数沿用了本单位{'、'.join(sorted(set(mine['carried_from'])))}的累计值（{'、'.join(mine['indicator'])}），"
            "本单位本期仍按未报送计。")
    return f"<p>{html.escape(text)}</p>"


def led_tasks_table(ctx: CardContext, unit: str) -> pd.DataFrame:
    """For a bureau: the tasks it leads, judged by the district figure."""
    whole_done = f"{ctx.rd.whole}完成"
    cols = ["任务", "指标", whole_done, "目标", "完成率", "序时进度", "状态"]
    if ctx.plan.registry.units[unit].peer_group != "部门":
        return pd.DataFrame(columns=cols)
    d = ctx.cached("district", lambda: report.district(ctx.rd).set_index("indicator"))
    rows = []
    for task in ctx.plan.led_tasks(unit):
        for code, ind in ctx.plan.indicators.items():
            if ind.task != task.number or code not in d.index:
                continue
            r = d.loc[code]
            multi_qual = ind.kind == "qualitative" and len(ind.reporters) > 1
            actual = f"{report.fmt_number(r['actual'])}个单位完成" if multi_qual else _value_text(
                r["actual"], ind.kind, ind.unit)
            target = f"{report.fmt_number(r['target'])}个单位" if multi_qual else (
                _value_text(r["target"], ind.kind, ind.unit) if r["target"] == r["target"] else "不考核")
            rows.append({"任务": task.number, "指标": f"{code} {ind.name}", whole_done: actual, "目标": target,
                         "完成率": r["rate"], "序时进度": r["expected"], "状态": r["status"] or "不考核"})
    return pd.DataFrame(rows, columns=cols)


def flags_table(ctx: CardContext, unit: str) -> pd.DataFrame:
    f = ctx.rows("flags", unit, ctx.rd.flags, "scope")
    return pd.DataFrame({"指标": [f"{c} {ctx.plan.indicators[c].name}" for c in f["indicator"]],
                         "核查提示": f["flag"], "说明": f["detail"]})


def unidentified_files(ctx: CardContext, unit: str) -> list[dict]:
    """This quarter's files that named no known unit and whose one close registered name is this unit."""
    by_close = ctx.cached("unidentified", lambda: _unidentified_by_unit(ctx.rd.log.get("files", [])))
    return by_close.get(unit, [])


def _unidentified_by_unit(files: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in files:
        if not f.get("unit") and f.get("close_unit"):
            out.setdefault(f.get("close_unit"), []).append(f)
    return out


def unidentified_text(ctx: CardContext, unit: str) -> str:
    """Which file arrived and why it was returned, for a unit shown 文件被退回（单位名称无法识别）."""
    parts = [f"本期收到文件“{f.get('file', '')}”，表内填报单位写作“{f.get('unit_written', '')}”，不是登记的单位名称，"
             f"已整份退回（最接近的登记名称：{'、'.join(f.get('candidates', [])) or unit}）。"
             f"如确为本单位的文件，请在“填报单位”中写“{unit}”后重新报送。" for f in unidentified_files(ctx, unit)]
    return "".join(parts)


def rejects_table(ctx: CardContext, unit: str) -> pd.DataFrame:
    r = ctx.rd.rejects
    mine = {f.get("file") for f in unidentified_files(ctx, unit)}
    at = [ctx.positions("rejects", r, "unit").get(unit, _NONE)]
    by_file = ctx.positions("rejects", r, "source_file") if mine else {}
    at += [by_file[f] for f in mine if f in by_file]
    r = r.iloc[np.unique(np.concatenate(at))]  # sorted, each row once: the rows in the file's order
    return pd.DataFrame({"文件": r["source_file"], "行": r["source_row"], "指标": r["indicator"],
                         "原值": r["raw_value"], "原因": [leader_reason(t) for t in r["reason"]]})


def narrative_table(ctx: CardContext, unit: str) -> pd.DataFrame:
    """What the unit wrote: progress, problems and next steps (shown escaped by html_table)."""
    s = ctx.rows("submissions", unit, ctx.rd.submissions, "unit")
    blank = {"", "无", "无。", "暂无", "/", "-", "—"}
    keep = [any(str(v).strip() not in blank for v in vals)
            for vals in zip(s["narrative"], s["problems"], s["next_steps"], strict=True)]
    s = s[pd.Series(keep, index=s.index, dtype=bool)]
    return pd.DataFrame({"指标": s["indicator"], "进展情况": s["narrative"], "存在问题": s["problems"],
                         "下步打算": s["next_steps"]}).reset_index(drop=True)


# ---------------------------------------------------------------- pure builders: the card's HTML


def _section(title: str, body: str) -> str:
    return f"<h2>{html.escape(title)}</h2>\n{body}"


def _table_or_none(df: pd.DataFrame, none_text: str, **kw) -> str:
    if df.empty:
        return f'<p class="none">{html.escape(none_text)}</p>'
    return html_table(df, **kw)


def header_html(ctx: CardContext, unit: str) -> str:
    u = ctx.plan.registry.units[unit]
    d = ctx.as_of
    kind = u.kind if u.kind == u.peer_group else f"{u.kind}（{u.peer_group}）"
    sample = f'<p class="sample-mark">{report.SAMPLE_MARK}</p>' if ctx.rd.sample else ""
    meta = (f"类别：{kind}　报告期：{quarters.quarter_label(ctx.quarter)}（{ctx.quarter}）"
            f"　评估日期：{d.year}年{d.month}月{d.day}日")
    return (f'<header class="card-head"><p class="card-kicker">{html.escape(ctx.plan.words.scorecard_title)}</p>'
            f"<h1>{html.escape(unit)}</h1><p class=\"card-meta\">{html.escape(meta)}</p>{sample}</header>")


def kpis_html(ctx: CardContext, unit: str) -> str:
    """Four figures a leader reads first: score, rank, lights, reporting."""
    s = score_row(ctx, unit)
    rep = ctx.rows("rd.reporting", unit, ctx.rd.reporting, "unit")
    counts = own_status_counts(ctx, unit)
    by_light = {light: sum(n for st, n in counts.items() if C.LIGHTS.get(st) == light) for light in "绿黄红灰"}
    items = [
        (f"{float(s['score']):.1%}" if s else "—", "综合得分"),
        (f"第 {int(s['rank'])} / {int(s['peers'])} 名" if s else "不排名", f"{s['peer_group']}排名" if s else "排名"),
        (" ".join(f"{k}{v}" for k, v in by_light.items() if v) or "—", "本单位指标状态灯（项）"),
        (rep["status"].iloc[0] if len(rep) else "—", "本期报送"),
    ]
    cells = "".join(f'<td><span class="kpi-value">{html.escape(v)}</span>'
                    f'<span class="kpi-label">{html.escape(k)}</span></td>' for v, k in items)
    return f'<table class="kpis"><tbody><tr>{cells}</tr></tbody></table>'


def trend_html(ctx: CardContext, unit: str) -> str:
    t = trend_table(ctx, unit)
    if t.shape[1] < 3:  # one quarter only: the table above already holds it
        return f'<p class="none">{html.escape(ctx.quarter)} 是第一个报告期，暂无往期数据可比。</p>'
    return html_table(t, widths={"指标": "34%"})


def card_sections(ctx: CardContext, unit: str) -> list[tuple[str, str]]:
    """(heading, HTML) of each section, in the order a leader reads them."""
    sections = [("本单位指标完成情况", _table_or_none(
        indicator_table(ctx, unit), "本单位没有填报指标。", formats=PCT, status_col="状态",
        widths={"指标": "31%", "目标": "9%", "完成": "11%", "完成率": "8%", "序时进度": "8%", "状态": "13%"}))]
    from helpers.report.commentary import unit_html

    opinion = unit_html(ctx.commentary, unit)
    if opinion:  # the office's paragraph on this unit (data/commentary/<quarter>.md, 单位意见)
        sections.append(("办公室评估意见", opinion))
    led = led_tasks_table(ctx, unit)
    if not led.empty:
        sections.append((f"牵头任务（按{ctx.rd.whole}数评价）", html_table(led, formats=PCT, status_col="状态",
                                                   widths={"任务": "6%", "指标": "32%", "状态": "13%"})))
    returned = unidentified_text(ctx, unit)
    checks = ((f"<p>{html.escape(returned)}</p>" if returned else "")
              + _table_or_none(flags_table(ctx, unit), "本期没有核查提示。", widths={"指标": "30%", "核查提示": "14%"})
              + _table_or_none(rejects_table(ctx, unit), "本期没有被退回的数据。", caption="未采用的数据（退回记录）",
                               widths={"原因": "45%"}))
    sections += [
        ("逐季累计完成情况", trend_html(ctx, unit)),
        ("报送情况", carried_note(ctx, unit) + _table_or_none(reporting_record(ctx, unit), "本单位不需报送。",
                                                            status_col="报送情况")),
        ("数据核查提示与退回记录", checks),
        ("进展、存在问题和下步打算（单位填报）", _table_or_none(
            narrative_table(ctx, unit), "本单位未填写文字说明。", css_class="report-table narrative",
            widths={"指标": "7%", "进展情况": "43%", "存在问题": "25%", "下步打算": "25%"})),
    ]
    return sections


def card_body(ctx: CardContext, unit: str) -> str:
    """The card's content (no <html>/<head>): header, figures and the sections, all text escaped."""
    esc = html.escape
    parts = [header_html(ctx, unit), kpis_html(ctx, unit),
             f"<p>{esc(rank_text(ctx, unit))}。本单位指标状态：{esc(status_summary(ctx, unit))}。</p>"]
    for numeral, (title, body) in zip("一二三四五六七八", card_sections(ctx, unit), strict=False):
        parts.append(_section(f"{numeral}、{title}", body))
    return '<main class="report scorecard">\n' + "\n".join(parts) + "\n</main>"


def card_html(ctx: CardContext, unit: str) -> str:
    """A self-contained HTML document of the card, in the report's look (report.css + card rules)."""
    title = f"{unit} · {ctx.plan.words.scorecard_title}（{ctx.quarter}）"
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>\n{report_css()}\n{CARD_CSS}</style>\n</head>\n"
            f'<body>\n{card_body(ctx, unit)}\n<div id="{END_ID}"></div>\n</body>\n</html>\n')


def card_iframe(ctx: CardContext, unit: str, height_px: int = 1400) -> str:
    """The card for a notebook: an iframe keeps report.css from restyling JupyterLab itself."""
    doc = html.escape(card_html(ctx, unit), quote=True)
    return (f'<div class="scorecard-frame"><iframe srcdoc="{doc}" title="{html.escape(unit)}" '
            f'style="width:100%;height:{height_px}px;border:1px solid #ccc"></iframe></div>')


# ---------------------------------------------------------------- the batch (I/O at the edge)


def _pdf(html_text: str, when: dt.date | None = None) -> bytes:
    """One card's PDF (Typst, helpers.report.cardpdf: the reasons and the measurements are there)."""
    from helpers.report.cardpdf import pdf_bytes

    return pdf_bytes(html_text, when)


def _start_method() -> str | None:
    """How the local pool starts its workers: 'forkserver' on Linux, else the platform's default ('spawn' on
    Windows and macOS). Not 'fork': the Typst compiler keeps threads, and a process forked after it ran can
    hang; a forkserver's workers start from a clean interpreter. The render function pickles, so all work."""
    import multiprocessing as mp

    return "forkserver" if sys.platform.startswith("linux") and "forkserver" in mp.get_all_start_methods() else None


def _pdfs(docs: list[str], workers: int, start_method: str | None = None, scheduler: str | None = None,
          when: dt.date | None = None) -> Iterable[bytes]:
    """The cards' PDFs in order: here, in `workers` local processes, or on the Dask cluster at `scheduler`."""
    from helpers.report.cardpdf import render_pdfs

    return render_pdfs(docs, workers, scheduler, when, start_method)
