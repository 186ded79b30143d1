"""The office's own judgement (评估意见): one Markdown file per quarter, data/commentary/<quarter>.md.

The analyst writes and keeps it (docs/outputs.md); `yqeval commentary QUARTER` drafts it from what
the evaluation found and never overwrites it. The report shows it after 总体情况, marked as the
office's opinion; a unit's paragraph appears on that unit's scorecard. Without a file there is no
section at all. The file is data, not code: it is hashed as an input in manifest.json, and editing it
leaves a run `dirty: false`.

The Markdown is deliberately small: `## 标题` opens a section (总体评价, 存在问题, 下一步工作建议, and
单位意见, under which `### 单位名称` opens a unit's paragraph); a blank line separates paragraphs;
lines starting with "- " (or "1. ") are list items; `<!-- … -->` is a note to the analyst that never
reaches the report. Everything else is text, escaped like every submitted text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ("总体评价", "存在问题", "下一步工作建议")
UNITS_SECTION = "单位意见"
TITLE = "评估意见"
FOLDER = "commentary"

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+)[.、)）]\s*(.*)$")


@dataclass
class Block:
    kind: str  # "p", "ul" or "ol"
    items: list[str]
    start: int = 1  # an "ol" goes on from the number the office wrote ("2." after a bullet list)


@dataclass
class Commentary:
    """Sections in the file's order (title → blocks) and units' paragraphs (unit → blocks)."""

    sections: dict[str, list[Block]] = field(default_factory=dict)
    units: dict[str, list[Block]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sections or self.units)


def path(data_dir: str | Path, quarter: str) -> Path:
    return Path(data_dir) / FOLDER / f"{quarter}.md"


def _blocks(lines: list[str]) -> list[Block]:
    out: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(Block("p", ["".join(s.strip() for s in para)]))
            para.clear()

    for line in lines:
        if not line.strip():
            flush()
            continue
        m = _BULLET.match(line) or _NUMBERED.match(line)
        if m:
            flush()
            kind = "ul" if _BULLET.match(line) else "ol"
            text = m.group(m.lastindex).strip()
            if out and out[-1].kind == kind:
                out[-1].items.append(text)
            else:
                number = int(m.group(1)) if kind == "ol" and m.group(1).isdigit() else 1
                out.append(Block(kind, [text], start=number if 0 < number < 10_000 else 1))
            continue
        if out and out[-1].kind in ("ul", "ol") and line.startswith(("  ", "\t")) and not para:
            out[-1].items[-1] += line.strip()  # a list item continued on an indented line
            continue
        para.append(line)
    flush()
    return [b for b in out if any(i for i in b.items)]


def parse(text: str) -> Commentary:
    """Sections by `##` heading; under 单位意见, units by `###`. A `#` title line is ignored."""
    text = _COMMENT.sub("", text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    c = Commentary()
    current: list[str] | None = None
    section, unit = None, None
    parts: list[tuple[str | None, str | None, list[str]]] = []
    for line in text.split("\n"):
        m = _HEADING.match(line)
        if m:
            level, title = len(m.group(1)), m.group(2)
            if level == 1:
                current = None
                continue
            if level == 2:
                section, unit = title, None
            elif section == UNITS_SECTION:
                unit = title
            else:  # a sub-heading inside a section stays as a paragraph of its own
                if current is not None:
                    current += ["", title, ""]
                continue
            current = []
            parts.append((section, unit, current))
            continue
        if current is not None:
            current.append(line)
        elif line.strip():  # text before any section heading: part of 总体评价
            section, unit = SECTIONS[0], None
            current = [line]
            parts.append((section, unit, current))
    for sec, un, lines in parts:
        blocks = _blocks(lines)
        if not blocks:
            continue
        if sec == UNITS_SECTION and un:
            c.units.setdefault(un, []).extend(blocks)
        elif sec != UNITS_SECTION:
            c.sections.setdefault(sec, []).extend(blocks)
    return c


def load(data_dir: str | Path, quarter: str) -> Commentary | None:
    """The quarter's commentary, or None when there is no file (or nothing but headings and notes)."""
    p = path(data_dir, quarter)
    if not p.is_file():
        return None
    c = parse(p.read_text(encoding="utf-8", errors="replace"))
    return c or None


# ---------------------------------------------------------------- HTML for the report and the cards


def blocks_html(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        if b.kind == "p":
            out.append(f"<p>{html.escape(b.items[0])}</p>")
        else:
            items = "".join(f"<li>{html.escape(i)}</li>" for i in b.items)
            start = f' start="{b.start}"' if b.kind == "ol" and b.start != 1 else ""
            out.append(f"<{b.kind}{start}>{items}</{b.kind}>")
    return "".join(out)


def note(organization: str) -> str:
    who = organization or "评估工作办公室"
    return f"本节为{who}的评估意见，由办公室撰写；其余各节由评估数据生成。"


def section_html(c: Commentary, organization: str = "") -> str:
    """The report's 评估意见 section: an h2, the note saying whose opinion it is, an h3 per section."""
    numerals = "一二三四五六七八九十"
    parts = [f'<section class="commentary"><h2>{TITLE}</h2>',
             f'<p class="commentary-note">{html.escape(note(organization))}</p>']
    titles = list(c.sections)
    if c.units:
        titles.append(UNITS_SECTION)
    for i, title in enumerate(titles):
        n = numerals[i] if i < len(numerals) else str(i + 1)
        parts.append(f"<h3>（{n}）{html.escape(title)}</h3>")
        if title == UNITS_SECTION:
            for unit, blocks in c.units.items():
                parts.append(f'<h4>{html.escape(unit)}</h4>{blocks_html(blocks)}')
        else:
            parts.append(blocks_html(c.sections[title]))
    parts.append("</section>")
    return "".join(parts)


def unit_html(c: Commentary | None, unit: str) -> str:
    """The unit's paragraph for its scorecard ("" when the office wrote none for it)."""
    if not c or unit not in c.units:
        return ""
    return f'<div class="commentary">{blocks_html(c.units[unit])}</div>'


def show(data_dir: str | Path, quarter: str, organization: str = "") -> None:
    """Display the 评估意见 section in the report notebook; nothing at all without a file."""
    c = load(data_dir, quarter)
    if c is None:
        return
    from IPython.display import HTML, display

    display(HTML(section_html(c, organization)))


# ---------------------------------------------------------------- the draft


def draft(rd, plan) -> str:
    """A draft pre-filled with what the evaluation found; the analyst rewrites it as the office's view."""
    from helpers.evaluate.completion import FAR_BEHIND, OVERDUE
    from helpers.report import sections as report

    lines = [f"# {rd.quarter} {TITLE}", "",
             "<!-- 本文件由 yqeval commentary 生成草稿，请办公室修改为自己的评估意见后保存；",
             "     以 <!-- 开头的说明不会出现在报告中。删除本文件则报告不含“评估意见”一节。",
             "     “## 单位意见”下每个“### 单位名称”的段落会印在该单位的评估卡上。 -->", ""]
    lines += ["## 总体评价", ""]
    for sentence in report.key_sentences(rd, plan):
        lines += [sentence, ""]

    d = report.district(rd)
    behind = d[d["status"].isin(report.LAGGING)].copy()
    severity = {s: i for i, s in enumerate([OVERDUE, FAR_BEHIND])}
    behind["_k"] = behind["status"].map(lambda s: severity.get(s, 9))
    behind = behind.sort_values(["_k", "rate", "indicator"])
    lines += ["## 存在问题", ""]
    for r in behind.itertuples():
        ind = plan.indicators[r.indicator]
        rate = f"完成率{r.rate:.1%}" if r.rate == r.rate else "完成率无法计算"
        lines.append(f"- {ind.name}：{rate}，状态为“{r.status}”（牵头单位：{plan.tasks[ind.task].lead}）。")
    lowest = _lowest_units(rd)
    if lowest:
        lines.append(f"- 综合得分较低的单位：{'、'.join(f'{u}（{s:.1%}）' for u, s in lowest)}。")
    returned = _returned(rd)
    if returned:
        lines.append(f"- 报送文件或数据被退回的单位：{'、'.join(returned)}，已发退回补报通知。")
    rs = report.reporting_summary(rd)
    if rs["missing"]:
        lines.append(f"- 未报送的单位：{'、'.join(rs['missing'])}。")
    lines += ["", "## 下一步工作建议", "", "<!-- 请写明下一步的工作建议，例如对滞后任务的督办要求。 -->", ""]

    units = list(dict.fromkeys([u for u, _ in lowest] + returned))
    if units:
        lines += ["## 单位意见", ""]
        scores = rd.scores.set_index("scope") if len(rd.scores) else None
        for unit in units:
            facts = []
            if scores is not None and unit in scores.index and scores.loc[unit, "score"] == scores.loc[unit, "score"]:
                s = scores.loc[unit]
                facts.append(f"综合得分{s['score']:.1%}，在{s['peer_group']}中排第{int(s['rank'])}名")
            if unit in rs["missing"]:
                facts.append("本季度未报送")
            n_rejects = int((rd.rejects["unit"] == unit).sum()) if len(rd.rejects) else 0
            if unit in rs["returned"]:
                facts.append("报送文件被退回")
            if n_rejects:
                facts.append(f"{n_rejects}行数据未采用")
            lines += [f"### {unit}", "", "；".join(facts) + "。请按退回补报通知更正后重新报送。"
                      if unit in returned else "；".join(facts) + "。", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _lowest_units(rd, n: int = 3) -> list[tuple[str, float]]:
    """The (at most n) lowest-scoring 乡镇 below the group's best score, as the report's summary names them
    (sections._ends_sentence): a unit at the best score is not "low", and when all tie there are none."""
    sc = rd.scores[rd.scores["peer_group"] == "乡镇"] if len(rd.scores) else rd.scores
    if not len(sc):
        return []
    sc = sc[sc["score"].notna()].sort_values(["score", "scope"])
    sc = sc[sc["score"] < sc["score"].max() - 1e-9] if len(sc) else sc
    return [(u, float(s)) for u, s in zip(sc["scope"].head(n), sc["score"].head(n), strict=True)]


def _returned(rd) -> list[str]:
    """Units with a returned file or a rejected row, in the order of the reporting table."""
    from helpers.report import notices

    return notices.units_with_returns(rd)


def write_draft(data_dir: str | Path, quarter: str) -> tuple[Path, bool]:
    """Write the draft unless a file is there; returns (path, written)."""
    from helpers.contract.outputs import write_text
    from helpers.contract.paths import reference_dir
    from helpers.plan.reference import load_plan
    from helpers.report import sections as report

    p = path(data_dir, quarter)
    if p.exists():
        return p, False
    plan = load_plan(reference_dir(data_dir))
    rd = report.load(data_dir, quarter)
    p.parent.mkdir(parents=True, exist_ok=True)
    write_text(p, draft(rd, plan))
    return p, True
