"""Scorecard PDFs with Typst, and where they are made (this process, local processes, a Dask cluster).

Why Typst and not WeasyPrint for the cards (measured, docs/benchmarks.md): a two-page card costs WeasyPrint
about 0.3 CPU-s to lay out and 0.2 to write (0.5 a card; rendering many cards as one document and splitting
it saves only the writing), where the Typst compiler (PyPI `typst`, the compiler is in the wheel) makes the
same card in a few hundredths of a second. The card's HTML stays the one source: `typst_source` translates
the small set of elements `scorecards.card_body` writes (headings, paragraphs, the figures row and
html_table's tables with their widths and lights) into Typst markup in the report's look: A4, the same
margins, Noto Sans/Serif CJK SC (embedded, subset), "第 n 页 / 共 N 页" at the foot. The PDF's date is the
evaluation date, so two runs give the same bytes.

Where: `render_pdfs(docs, workers, scheduler)` renders here (workers ≤ 1), in a pool of local processes,
or, given a Dask scheduler address, on that cluster: each task takes a chunk of cards' HTML and returns the
PDFs as bytes, so workers need the project and the fonts installed but no shared disk (README).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from helpers.report.typeset import Node, font_paths, lit, parse

POOL_MIN = 64  # fewer cards are made here: starting the pool's workers (≈3 s) costs more than it saves
CHUNK = 25  # cards per task: few enough to spread a batch, many enough that a task's overhead is small
BLUE, DARK, GREY, LINE, HEAD_BG, ZEBRA, KPI_BG = "#2b4c7e", "#1f3a60", "#555555", "#b8c2cc", "#e8eef5", "#f7f9fb", "#f3f6fa"
RED = "#a50f15"


# The tree, the string literals and the fonts are the report's (typeset.py); the card's elements are set here.


def _inline(node: Node | str) -> str:
    """Content of a paragraph or cell: text, and the coloured light spans html_table writes."""
    if isinstance(node, str):
        return f"#{lit(node)}" if node else ""
    if node.tag == "span" and "light" in node.cls():
        m = re.search(r"color:\s*(#[0-9a-fA-F]{6})", node.attrs.get("style", ""))
        weight = ', weight: "bold"' if "light-grey" in node.cls() else ""
        return f"#text(fill: rgb({lit(m.group(1) if m else '#000000')}){weight}, size: 1.05em, {lit(node.text())})"
    return "".join(_inline(c) for c in node.children)


def _content(node: Node) -> str:
    return "[" + _inline(node) + "]"  # text sits in string literals: ] # $ * _ need no escaping


def _table(node: Node) -> str:
    widths = [re.search(r"width:\s*(\d+(?:\.\d+)?)%", c.attrs.get("style", "")) for c in node.find("col")]
    heads = node.find("th")
    cols = [f"{float(m.group(1)):g}%" if m else "1fr" for m in widths] or ["1fr"] * max(1, len(heads))
    narrative = "narrative" in node.cls()
    out = []
    caption = node.find("caption")
    if caption:
        out.append(f"#block(above: 1mm, below: 1.5mm, sticky: true, text(size: 10pt, weight: \"bold\", "
                   f"{lit(caption[0].text())}))")
    cells = [f"table.header({', '.join(_content(h) for h in heads)})"] if heads else []
    for tr in (r for body in node.find("tbody") for r in body.find("tr")):
        for td in tr.find("td"):
            c = td.cls()
            align = "center" if "na" in c else ("right" if "num" in c else "left")
            body = f"text(fill: luma(136), {_content(td)})" if "na" in c else _content(td)
            cells.append(f"table.cell(align: {align}, {body})")
    size = "8pt" if narrative else "8.5pt"
    out.append(f"#text(size: {size}, table(columns: ({', '.join(cols)},), {', '.join(cells)}))")
    return "\n".join(out)


def _kpis(node: Node) -> str:
    cells = []
    for td in node.find("td"):
        spans = td.find("span")
        value = next((s.text() for s in spans if "kpi-value" in s.cls()), "")
        label = next((s.text() for s in spans if "kpi-label" in s.cls()), "")
        cells.append(f"[#text(size: 13pt, weight: \"bold\", fill: rgb({lit(DARK)}), {lit(value)}) \\ "
                     f"#text(size: 8pt, fill: rgb({lit(GREY)}), {lit(label)})]")
    return (f"#block(below: 3mm, table(columns: (1fr,) * {max(1, len(cells))}, align: center, inset: 1.5mm, "
            f"fill: rgb({lit(KPI_BG)}), stroke: 0.5pt + rgb(\"#d5dde6\"), {', '.join(cells)}))")


def _blocks(node: Node) -> list[str]:
    out = []
    for c in node.children:
        if isinstance(c, str):
            if c.strip():
                out.append(f"#par({lit(c.strip())})")
            continue
        cls = c.cls()
        if c.tag == "header":
            out += _header(c)
        elif c.tag == "table":
            out.append(_kpis(c) if "kpis" in cls else _table(c))
        elif c.tag == "h2":
            out.append(f"#heading(level: 2, {lit(c.text())})")
        elif c.tag == "h1":
            out.append(f"#heading(level: 1, {lit(c.text())})")
        elif c.tag == "p":
            style = "text(size: 9pt, fill: rgb(\"#555555\"))" if "none" in cls else ""
            out.append(f"#par({style}{_content(c)})" if style else f"#par({_content(c)})")
        elif c.tag in ("ul", "ol"):
            items = ", ".join(_content(li) for li in c.find("li"))
            out.append(f"#{'list' if c.tag == 'ul' else 'enum'}({items})")
        else:  # main, div, section: their children in order
            out += _blocks(c)
    return out


def _header(node: Node) -> list[str]:
    parts = []
    for c in node.children:
        if not isinstance(c, Node):
            continue
        cls = c.cls()
        if "card-kicker" in cls:
            parts.append(f"#block(below: 2mm, text(size: 9pt, fill: rgb({lit(GREY)}), {lit(c.text())}))")
        elif c.tag == "h1":
            parts.append(f"#block(above: 2mm, below: 2mm, text(size: 18pt, weight: \"bold\", fill: rgb({lit(DARK)}), "
                         f"{lit(c.text())}))")
        elif "card-meta" in cls:
            parts.append(f"#block(below: 1mm, text(size: 9pt, fill: rgb(\"#333333\"), {lit(c.text())}))")
        elif "sample-mark" in cls:
            parts.append(f"#block(above: 1.5mm, stroke: 1.5pt + rgb({lit(RED)}), inset: (x: 2mm, y: 0.5mm), "
                         f"text(size: 9pt, fill: rgb({lit(RED)}), tracking: 0.1em, {lit(c.text())}))")
    body = "\n".join(parts)
    return [f"#block(width: 100%, stroke: (bottom: 2pt + rgb({lit(BLUE)})), inset: (bottom: 2mm), below: 3mm)[\n{body}\n]"]


PREAMBLE = """#set document(title: {title})
#set page(paper: "a4", margin: (top: 22mm, bottom: 20mm, x: 18mm),
  header: {header},
  footer: context align(center, text(size: 9pt, fill: rgb("#555555"),
    "第 " + str(counter(page).get().first()) + " 页 / 共 " + str(counter(page).final().first()) + " 页")))
#set text(font: ("Noto Sans CJK SC", "Noto Serif CJK SC"), size: 10.5pt, lang: "zh", region: "cn", fill: rgb("#1a1a1a"),
  top-edge: "ascender", bottom-edge: "descender")
#set par(leading: 0.6em, spacing: 1.5mm, justify: true)
#show heading.where(level: 2): it => block(above: 5mm, below: 1.5mm, sticky: true, width: 100%,
  stroke: (bottom: 1pt + rgb("{blue}")), inset: (bottom: 0.5mm), text(size: 11.5pt, weight: "bold", fill: rgb("{dark}"), it.body))
#set table(stroke: 0.5pt + rgb("{line}"), inset: (x: 1.4mm, y: 1mm),
  fill: (_, y) => if y == 0 {{ rgb("{head}") }} else if calc.even(y) {{ rgb("{zebra}") }})
#show table.cell.where(y: 0): it => align(center + horizon, text(weight: "bold", it))
#show table: it => block(above: 1.5mm, below: 3mm, it)
#show table: set par(leading: 0.4em, justify: false)
"""


def typst_source(html_text: str) -> str:
    """The card's HTML (scorecards.card_html) as a Typst document in the report's look."""
    root = parse(html_text)
    title = root.find("title")
    mains = root.find("main") or root.find("body") or [root]
    marks = [p for p in root.find("p") if "sample-mark" in p.cls()]
    header = (f"align(right, text(size: 9pt, fill: rgb({lit(RED)}), {lit(marks[0].text())}))" if marks else "none")
    pre = PREAMBLE.format(title=lit(title[0].text() if title else ""), header=header, blue=BLUE, dark=DARK,
                          line=LINE, head=HEAD_BG, zebra=ZEBRA)
    return pre + "\n".join(b for m in mains for b in _blocks(m)) + "\n"


# ---------------------------------------------------------------- compiling


def pdf_bytes(html_text: str, when: dt.date | None = None) -> bytes:
    """One card's PDF. when: the date written into the PDF (the evaluation date), never the clock."""
    import typst

    day = when or dt.date(2000, 1, 1)
    stamp = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
    src = typst_source(html_text).encode("utf-8")
    paths = list(font_paths())
    return typst.compile(src, font_paths=paths, ignore_system_fonts=bool(paths), timestamp=stamp)


def render_chunk(docs: list[str], when: dt.date | None = None) -> list[bytes]:
    """A task: several cards' HTML → their PDFs (bytes, so the caller writes them; no shared disk)."""
    return [pdf_bytes(d, when) for d in docs]


def chunks(docs: list[str], size: int = CHUNK) -> list[list[str]]:
    return [docs[i:i + size] for i in range(0, len(docs), size)]


def render_pdfs(docs: list[str], workers: int = 2, scheduler: str | None = None, when: dt.date | None = None,
                start_method: str | None = None) -> Iterable[bytes]:
    """Every card's PDF, in the order given: here, in local processes, or on a Dask cluster (scheduler address)."""
    if scheduler:
        return render_on_dask(docs, scheduler, when)
    if workers <= 1 or len(docs) < 2 or (len(docs) < POOL_MIN and not start_method):
        return render_chunk(docs, when)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(CHUNK, -(-len(docs) // (workers * 4))))
    from helpers.report.scorecards import _start_method

    ctx = mp.get_context(start_method or _start_method())
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return [pdf for part in pool.map(render_chunk, chunks(docs, size), [when] * len(docs)) for pdf in part]


def render_on_dask(docs: list[str], scheduler: str, when: dt.date | None = None) -> list[bytes]:
    """Send the cards to a Dask distributed scheduler (tcp://host:8786): one task per chunk, PDFs come back as bytes."""
    from distributed import Client

    with Client(scheduler, set_as_default=False) as client:
        parts = chunks(docs)
        futures = client.map(render_chunk, parts, when=when, key=[f"yqeval-card-{i}" for i in range(len(parts))],
                             pure=False)
        return [pdf for part in client.gather(futures) for pdf in part]
