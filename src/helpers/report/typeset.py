"""The report's PDF with Typst: the report HTML (render.notebook_to_html) read as a tree and set as a Typst
document in report.css's print look, then compiled by the Typst compiler in the `typst` wheel.

Why (measured, docs/benchmarks.md): WeasyPrint lays out the 15–22 pages of a district report in about 3.6
CPU-s, the largest step of `yqeval run`; Typst sets the same pages in a few tenths of a second. The HTML stays
the one source of the report (screen, PDF, .docx all read it); this module only translates it.

What is translated (docs/outputs.md, "PDF"): the cover (a page of its own, no number; the next page is 第 1 页),
the contents where the notebook put them (entries with dotted leaders and page numbers, linked), h2/h3 as the
numbered sections of the contents and the PDF's bookmarks (h4–h6 and h1 outside the cover are not listed),
paragraphs with bold, italic, code, links and line breaks, lists, quotes, preformatted text, html_table's tables
(column widths, caption kept with the table, header repeated on every page, short tables never split, zebra
rows, the status lights) and any other table (pandas' own, markdown tables: column spans and row spans kept),
charts (the PNG that charts.show makes for print; an image too tall for a page is scaled to fit), the office's
commentary and notes. An element it does not know is read for its text, so nothing an office writes is lost.
Only data: URIs are drawn: an image that names a file or an address is left out (the report is self-contained,
and no input makes the renderer read outside its folder).

Page: A4, margins 22/18/20 mm, "第 n 页 / 共 N 页" at the foot (N counts the pages after the cover), the sample
mark at the top right of every page after the cover when the report is made from sample data. Fonts: Noto
Serif CJK SC for the text, Noto Sans CJK SC for headings, tables and the page furniture, both embedded (subset);
system fonts are ignored, so no other face is ever picked. The PDF has no creation date: the same HTML gives
the same bytes.

The card PDFs (cardpdf.py) use the same tree and literals.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import struct
import subprocess
import tempfile
import threading
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/local/share/fonts")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # newlines, tabs and other controls print as a space
_SPACES = re.compile(r"[ \t\r\n\f]+")
BLUE, DARK, GREY, LINE, HEAD_BG, ZEBRA, RED = "#2b4c7e", "#1f3a60", "#555555", "#b8c2cc", "#e8eef5", "#f7f9fb", "#a50f15"
TEXT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72  # A4 less the side margins
MAX_IMAGE_HEIGHT_MM = 225  # a chart taller than this (page less margins, a heading and a caption) is scaled down
PX_PT = 0.75  # a CSS pixel


# ---------------------------------------------------------------- HTML → a small tree


class Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children = tag, attrs, []

    def cls(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find(self, tag: str) -> list[Node]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag:
                    out.append(c)
                out += c.find(tag)
        return out


class _Tree(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    SKIP = {"script", "style", "template", "noscript", "head"}  # never content of a page

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html_text: str) -> Node:
    tree = _Tree()
    tree.feed(html_text)
    tree.close()
    return tree.root


def lit(text: str) -> str:
    """A Typst string literal (code mode): only backslash and quote are special."""
    text = _CONTROL.sub(" ", text.replace("\\", "\\\\").replace('"', '\\"'))
    return f'"{text}"'


# ---------------------------------------------------------------- inline content

# set within a paragraph (an <img> among blocks is a block of its own; inside a <p> _inline draws it in the line)
INLINE = {"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "i", "ins", "kbd",
          "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "u", "var", "wbr",
          "font", "label", "tt"}
_COLOR = re.compile(r"color:\s*(#[0-9a-fA-F]{6})")
_CODE = '#text(font: "Noto Sans CJK SC", size: 0.92em, fill: rgb("#333333"))[{}]'
# an inline element → the Typst function its content goes into ({} is the content, already Typst markup)
_WRAP = {
    **dict.fromkeys(("b", "strong"), "#strong[{}]"), **dict.fromkeys(("i", "em", "cite", "dfn", "var"), "#emph[{}]"),
    **dict.fromkeys(("code", "kbd", "samp", "tt"), _CODE), **dict.fromkeys(("s", "strike", "del"), "#strike[{}]"),
    **dict.fromkeys(("u", "ins"), "#underline[{}]"), "sup": "#super[{}]", "sub": "#sub[{}]",
    "mark": "#highlight[{}]", "small": "#text(size: 0.85em)[{}]", "q": '#"“"{}#"”"',
}


class _Doc:
    """One translation: the images it wrote and whether it has seen the contents."""

    def __init__(self, folder: Path | None, placeholders: bool = False):
        self.folder, self.images, self.placeholders = folder, 0, placeholders
        self.toc_done = False


def _inline(node: Node | str, doc: _Doc, pre: bool = False) -> str:
    if isinstance(node, str):
        text = node if pre else _SPACES.sub(" ", node)
        if pre and "\n" in text:
            return " #linebreak() ".join(f"#{lit(line)}" if line else "" for line in text.split("\n"))
        return f"#{lit(text)}" if text else ""
    tag, cls = node.tag, node.cls()
    if tag in _Tree.SKIP:
        return ""
    inner = "".join(_inline(c, doc, pre) for c in node.children)
    if tag == "br":
        return " #linebreak() "
    if tag == "img":
        return _image(node, doc, inline=True)
    if tag == "span" and "light" in cls:
        m = _COLOR.search(node.attrs.get("style", ""))
        weight = ', weight: "bold"' if "light-grey" in cls else ""
        return f"#text(fill: rgb({lit(m.group(1) if m else '#000000')}){weight}, size: 1.05em, {lit(node.text())})"
    if not inner:
        return ""
    if tag in _WRAP:
        return _WRAP[tag].format(inner)
    if tag == "a":
        href = node.attrs.get("href", "")
        if re.match(r"(?i)(https?|mailto):", href):  # shown as text; the address stays clickable
            return f"#link({lit(href)})[{inner}]"
        return inner  # internal anchors: the contents link by itself
    return inner


def _inline_run(nodes: list[Node | str], doc: _Doc) -> str:
    """Inline content as one paragraph's: spaces at its start and end dropped, as a browser does."""
    nodes = list(nodes)
    while nodes and isinstance(nodes[0], str) and not nodes[0].strip():
        nodes.pop(0)
    while nodes and isinstance(nodes[-1], str) and not nodes[-1].strip():
        nodes.pop()
    if nodes and isinstance(nodes[0], str):
        nodes[0] = nodes[0].lstrip()
    if nodes and isinstance(nodes[-1], str):
        nodes[-1] = nodes[-1].rstrip()
    return "".join(_inline(c, doc) for c in nodes).strip()


def _text(node: Node, doc: _Doc) -> str:
    """A block's inline content (a paragraph, a heading, a cell)."""
    return _inline_run(node.children, doc)


# ---------------------------------------------------------------- images


def _image_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """Pixel width and height of a PNG or JPEG (read from its header), None when not known."""
    if kind == "png" and data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if kind == "jpg":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + length
    return None


UNDRAWN = "（此处的图片无法在 PDF 中显示，请见 HTML 报告）"


def _readable(data: bytes, kind: str) -> bool:
    """Whether Typst can draw the image: a raster whose structure Pillow verifies, an SVG that parses as XML."""
    if not data:
        return False
    try:
        if kind == "svg":
            from xml.etree import ElementTree

            ElementTree.fromstring(data)
            return True
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        return True
    except Exception:  # noqa: BLE001 - whatever the decoder says, the image is not drawn
        return False


_DATA_URI = re.compile(r"data:image/(png|jpeg|jpg|gif|svg\+xml);base64,(.*)", re.S | re.I)


def _image(node: Node, doc: _Doc, inline: bool = False) -> str:
    """An <img> with a data: URI (the PNG charts.show makes for print); the screen-only SVG copy is skipped."""
    if "chart-screen" in node.cls() or doc.folder is None:
        return ""
    m = _DATA_URI.match(node.attrs.get("src", "").strip())
    if not m:
        return ""  # a file or an address: never read (the report is self-contained)
    kind = {"jpeg": "jpg", "svg+xml": "svg"}.get(m.group(1).lower(), m.group(1).lower())
    try:
        data = base64.b64decode(re.sub(r"\s+", "", m.group(2)), validate=True)
    except ValueError:
        data = b""
    if doc.placeholders or not _readable(data, kind):  # an image Typst cannot draw would fail the whole PDF
        return f"#text(size: 9pt, fill: rgb({lit(GREY)}), {lit(UNDRAWN)})"
    doc.images += 1
    name = f"img{doc.images}.{kind}"
    (doc.folder / name).write_bytes(data)
    px = re.search(r"width:\s*(\d+(?:\.\d+)?)px", node.attrs.get("style", ""))
    size = _image_size(data, kind)
    width_pt = float(px.group(1)) * PX_PT if px else (size[0] * PX_PT if size else TEXT_WIDTH_PT)
    width_pt = min(width_pt, TEXT_WIDTH_PT)
    if size and size[0] > 0:
        max_h_pt = MAX_IMAGE_HEIGHT_MM / 25.4 * 72
        if width_pt * size[1] / size[0] > max_h_pt:
            width_pt = max_h_pt * size[0] / size[1]
    image = f"image({lit(name)}, width: {width_pt:.1f}pt)"
    if inline:
        return f"#box({image})"
    return f"#block(above: 2mm, below: 4mm, breakable: false, width: 100%, align(center, {image}))"


# ---------------------------------------------------------------- tables


def _cell_style(cell: Node, head: bool, frame: bool = False) -> tuple[str, str]:
    """(alignment, body) of a table cell: numbers right and on one line, — in grey and centred; a table
    printed by pandas (class dataframe) right-aligned throughout, as report.css sets it."""
    cls = cell.cls()
    body = _text(cell, _Doc(None))
    if head:
        return "center + horizon", f"[{body}]"
    if frame:
        return "right", f"[{body}]"
    if "na" in cls:
        return "center", f"text(fill: luma(136))[{body}]"
    if "num" in cls:
        return "right", f"box[{body}]"  # white-space: nowrap
    if "status" in cls:
        return "left", f"box[{body}]"
    return "left", f"[{body}]"


def _rows(node: Node) -> tuple[list[Node], list[Node]]:
    """(header rows, body rows) of a table, captions and nested tables aside."""
    head, body = [], []

    def walk(n: Node, in_head: bool):
        for c in n.children:
            if not isinstance(c, Node) or c.tag == "table":
                continue
            if c.tag == "tr":
                (head if in_head else body).append(c)
            elif c.tag in ("thead", "tbody", "tfoot"):
                walk(c, c.tag == "thead")

    walk(node, False)
    if not head and body and all(isinstance(c, Node) and c.tag == "th" for c in body[0].children if isinstance(c, Node)):
        head = [body.pop(0)]  # a table written without <thead> whose first row is headings
    return head, body


def _span(cell: Node, name: str) -> int:
    try:
        return max(1, min(int(cell.attrs.get(name, "1")), 1000))
    except ValueError:
        return 1


def _table(node: Node, doc: _Doc) -> str:
    head, body = _rows(node)
    cells_of = [[c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")] for tr in head + body]
    ncols = max([sum(_span(c, "colspan") for c in row) for row in cells_of] + [1])
    widths = [re.search(r"width:\s*(\d+(?:\.\d+)?)%", c.attrs.get("style", "")) for c in node.find("col")]
    if len(widths) == ncols and all(widths):
        # at most 100%, three decimals: never a form Typst cannot read (1e+11%)
        cols = ", ".join(f"{round(min(float(m.group(1)), 100.0), 3):g}%" for m in widths)
    else:
        cols = ", ".join(["auto"] * ncols)
    out = []
    caption = next((c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None)
    if caption is not None:
        out.append(f"#block(above: 2mm, below: 1.5mm, sticky: true, text(font: \"Noto Sans CJK SC\", size: 10pt, "
                   f"weight: \"bold\")[{_text(caption, doc)}])")
    header, rows = [], []
    for i, cells in enumerate(cells_of):
        in_head = i < len(head)
        for c in cells:
            align, content = _cell_style(c, in_head, frame="dataframe" in node.cls())
            if c.tag == "th" and not in_head:
                content = f"strong({content})"
            spans = "".join(f", {k}: {_span(c, k)}" for k in ("colspan", "rowspan") if _span(c, k) > 1)
            (header if in_head else rows).append(f"table.cell(align: {align}{spans}, {content})")
    parts = ([f"table.header({', '.join(header)})"] if header else []) + rows
    body_cells = ", ".join(parts)
    fill = (f"fill: (_, y) => if y < {len(head)} {{ rgb({lit(HEAD_BG)}) }} "
            f"else if calc.odd(y - {len(head)}) {{ rgb({lit(ZEBRA)}) }},")
    wide = ncols > 14  # a wide table (pandas' own, many quarters): smaller type and padding, so figures fit
    inset = "inset: (x: 0.7mm, y: 0.8mm), " if wide else ""
    table = f"table(columns: ({cols},), {inset}{fill} {body_cells})"
    if wide:  # a show rule of its own, as the preamble's sets tables' type with one
        table = f"{{ show table: set text(size: {7 if ncols <= 20 else 6}pt); {table} }}"
    breakable = "false" if "short" in node.cls() else "true"
    out.append(f"#block(above: 2mm, below: 5mm, breakable: {breakable}, width: 100%, {table})")
    return "\n".join(out)


# ---------------------------------------------------------------- blocks

HEADING = {"h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 4}
_NOTE_CLASSES = {"note", "source", "none", "commentary-note"}


def _blocks(node: Node, doc: _Doc) -> list[str]:
    out: list[str] = []
    run: list[Node | str] = []  # inline content between blocks, set as one paragraph

    def flush():
        if any(isinstance(c, Node) or c.strip() for c in run):
            text = _inline_run(run, doc)
            if text:
                out.append(f"#par[{text}]")
        run.clear()

    for c in node.children:
        if isinstance(c, str) or c.tag in INLINE:
            run.append(c)
            continue
        flush()
        out += _block(c, doc)
    flush()
    return out


def _block(c: Node, doc: _Doc) -> list[str]:
    tag, cls = c.tag, c.cls()
    if tag in _Tree.SKIP:
        return []
    if tag == "section" and "cover" in cls:
        return [_cover(c, doc)]
    if tag == "nav" and "toc" in cls:
        return [_toc(doc)]
    if tag == "table":
        return [_table(c, doc)]
    if tag == "img":
        image = _image(c, doc)
        return [image] if image else []
    if tag in HEADING:
        return [f"#heading(level: {HEADING[tag]}, outlined: {'true' if HEADING[tag] <= 2 else 'false'})"
                f"[{_text(c, doc)}]"]
    if tag == "h1":
        return [f"#block(above: 6mm, below: 6mm, sticky: true, text(font: \"Noto Sans CJK SC\", size: 20pt, "
                f"weight: \"bold\")[{_text(c, doc)}])"]
    if tag == "p":
        if _NOTE_CLASSES & cls:
            stroke = f"stroke: (left: 2pt + rgb({lit(BLUE)})), inset: (left: 2mm), " if "commentary-note" in cls else ""
            return [f"#block({stroke}below: 2.5mm, text(size: 9pt, fill: rgb({lit(GREY)}))[{_text(c, doc)}])"]
        return [f"#par[{_text(c, doc)}]"]
    if tag in ("ul", "ol"):
        items = [li for li in c.children if isinstance(li, Node) and li.tag == "li"]
        if not items:
            return []
        body = ", ".join("[" + "\n".join(_blocks(li, doc)) + "]" for li in items)
        if tag == "ol":
            start = c.attrs.get("start", "1")
            start = min(int(start), 1_000_000) if start.isdigit() else 1  # Typst's integers are 64-bit
            return [f"#enum(start: {start}, {body})"]
        return [f"#list({body})"]
    if tag == "pre":
        return [f"#block(below: 2.5mm, text(font: \"Noto Sans CJK SC\", size: 9pt)[{_inline(c, doc, pre=True)}])"]
    if tag == "blockquote":
        inner = "\n".join(_blocks(c, doc))
        return [f"#block(stroke: (left: 2pt + rgb({lit(LINE)})), inset: (left: 3mm, y: 1mm), below: 2.5mm)[\n{inner}\n]"]
    if tag == "hr":
        return ["#line(length: 100%, stroke: 0.5pt + rgb(\"#b8c2cc\"))"]
    if tag == "dl":
        return [_dl(c, doc, size="10.5pt")]
    if "page-break" in cls:
        return ["#pagebreak(weak: true)"]
    if tag == "figcaption":
        return [f"#align(center, text(font: \"Noto Sans CJK SC\", size: 9pt, fill: rgb({lit(GREY)}))"
                f"[{_text(c, doc)}])"]
    return _blocks(c, doc)  # main, div, section, figure, article, details …: their content in order


def _dl(node: Node, doc: _Doc, size: str) -> str:
    cells = []
    for term in node.find("dt"):
        cells.append(f"align(right, text(fill: rgb({lit(GREY)}))[{_text(term, doc)}])")
        dd = _next_dd(node, term)
        cells.append(f"[{_text(dd, doc)}]" if dd is not None else "[]")
    if not cells:
        return ""
    return (f"#block(text(size: {size}, grid(columns: (auto, auto), column-gutter: 6mm, row-gutter: 3mm, "
            f"{', '.join(cells)})))")


def _next_dd(root: Node, term: Node) -> Node | None:
    """The <dd> after a <dt> (in the same <div>, or the next sibling when there are none)."""
    seen = False
    for n in _walk(root):
        if n is term:
            seen = True
        elif seen and n.tag == "dd":
            return n
        elif seen and n.tag == "dt":
            return None
    return None


def _walk(node: Node):
    for c in node.children:
        if isinstance(c, Node):
            yield c
            yield from _walk(c)


def _cover(node: Node, doc: _Doc) -> str:
    parts = []
    for c in node.children:
        if not isinstance(c, Node):
            continue
        if c.tag == "h1":
            parts.append(f"#block(below: 10mm, text(font: \"Noto Sans CJK SC\", size: 24pt, weight: \"bold\")"
                         f"[{_text(c, doc)}])")
        elif "subtitle" in c.cls():
            parts.append(f"#block(below: 30mm, text(font: \"Noto Sans CJK SC\", size: 15pt)[{_text(c, doc)}])")
        elif c.tag == "dl":
            parts.append(_dl(c, doc, size="12pt"))
        elif "sample-mark" in c.cls():
            parts.append(f"#block(above: 15mm, stroke: 1.5pt + rgb({lit(RED)}), inset: (x: 5mm, y: 1.5mm), "
                         f"text(font: \"Noto Sans CJK SC\", size: 14pt, fill: rgb({lit(RED)}), tracking: 0.3em)"
                         f"[{_text(c, doc)}])")
        else:
            parts += _block(c, doc)
    body = "\n".join(p for p in parts if p)
    return (f"#page(header: none, footer: none)[\n#set par(justify: false)\n#v(55mm)\n#align(center)[\n{body}\n]\n]\n"
            "#counter(page).update(1)")


def _toc(doc: _Doc) -> str:
    if doc.toc_done:
        return ""
    doc.toc_done = True
    return ("#block(below: 5mm, width: 100%, align(center, text(font: \"Noto Sans CJK SC\", size: 15pt, "
            "weight: \"bold\", \"目录\")))\n#outline(title: none, depth: 2, indent: 2em)\n#pagebreak(weak: true)")


PREAMBLE = """#set document(title: {title}, date: none)
#set page(paper: "a4", margin: (top: 22mm, bottom: 20mm, x: 18mm),
  header: {header},
  footer: context align(center, text(font: "Noto Sans CJK SC", size: 9pt, fill: rgb("{grey}"),
    "第 " + str(counter(page).get().first()) + " 页 / 共 " + str(counter(page).final().first()) + " 页")))
#set text(font: ("Noto Serif CJK SC", "Noto Sans CJK SC"), size: 10.5pt, lang: "zh", region: "cn", fill: rgb("#1a1a1a"),
  top-edge: "ascender", bottom-edge: "descender")
#set par(leading: 0.6em, spacing: 2.5mm, justify: true)
#set list(indent: 1em)
#set enum(indent: 1em)
#show heading: set text(font: "Noto Sans CJK SC", weight: "bold", fill: rgb("{dark}"))
#show heading: set par(justify: false)
#show heading.where(level: 1): it => block(above: 8mm, below: 3mm, sticky: true, width: 100%,
  stroke: (bottom: 1.5pt + rgb("{blue}")), inset: (bottom: 1mm), text(size: 15pt, it.body))
#show heading.where(level: 2): it => block(above: 5mm, below: 2mm, sticky: true, text(size: 12.5pt, it.body))
#show heading.where(level: 3): it => block(above: 4mm, below: 2mm, sticky: true, text(size: 11pt, fill: rgb("#1a1a1a"), it.body))
#show heading.where(level: 4): it => block(above: 3mm, below: 1mm, sticky: true, text(size: 10.5pt, fill: rgb("#1a1a1a"), it.body))
#show outline.entry: set text(font: "Noto Sans CJK SC", size: 10.5pt)
#show outline.entry.where(level: 2): set text(size: 10pt)
#show outline.entry: set block(above: 2.4mm)
#set table(stroke: 0.5pt + rgb("{line}"), inset: (x: 1.8mm, y: 1.2mm), align: left)
#show table: set text(font: "Noto Sans CJK SC", size: 9pt)
#show table: set par(leading: 0.45em, justify: false)
#show table.cell.where(y: 0): set text(weight: "bold")
#set table.cell(breakable: false)
"""


def typst_source(html_text: str, folder: Path | None = None, placeholders: bool = False) -> str:
    """The report HTML as a Typst document; its images are written into folder (None: images left out;
    placeholders: each image replaced by a line saying so)."""
    root = parse(html_text)
    doc = _Doc(folder, placeholders)
    title = root.find("title")
    marks = [p for p in root.find("p") if "sample-mark" in p.cls()]
    header = (f"align(right, text(font: \"Noto Sans CJK SC\", size: 9pt, fill: rgb({lit(RED)}), {lit(marks[0].text())}))"
              if marks else "none")
    pre = PREAMBLE.format(title=lit(title[0].text().strip() if title else ""), header=header, blue=BLUE, dark=DARK,
                          grey=GREY, line=LINE)
    mains = root.find("main") or root.find("body") or [root]
    body = [b for m in mains[:1] for b in _blocks(m, doc) if b]
    if not doc.toc_done and any(b.startswith("#heading(") for b in body):  # no marker: contents after the cover
        at = next((i + 1 for i, b in enumerate(body) if b.startswith("#page(header: none")), 0)
        body.insert(at, _toc(doc))
    return pre + "\n".join(body) + "\n"


# ---------------------------------------------------------------- compiling


@lru_cache(maxsize=1)
def font_paths() -> tuple[str, ...]:
    """Folders holding the Noto CJK fonts (fontconfig's answer first, then the usual Debian places)."""
    found = []
    try:
        out = subprocess.run(["fc-list", "Noto Sans CJK SC", "file"], capture_output=True, text=True, timeout=20)
        found = sorted({str(Path(line.split(":")[0]).parent) for line in out.stdout.splitlines() if line.strip()})
    except (OSError, subprocess.SubprocessError):
        pass
    return tuple(dict.fromkeys([*found, *(d for d in FONT_DIRS if Path(d).is_dir())]))


_COMPILER_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _compiler():
    """One Typst compiler per process: it reads the fonts' tables once (≈0.1 s) and keeps them. Where the Noto CJK
    folders are known (fontconfig, Debian's places) only they are read, so no other face is ever picked; where
    they are not (Windows without fontconfig), Typst looks for the system's fonts itself."""
    import typst

    paths = list(font_paths())
    return typst.Compiler(font_paths=paths, ignore_system_fonts=bool(paths))


def compile_pdf(source: str, root: Path | None = None) -> bytes:
    """A Typst document (its files under root) as PDF bytes; TypstError names what Typst could not set."""
    with _COMPILER_LOCK:  # the compiler keeps state between calls; a warm-up may be using it in a thread
        return _compiler().compile(source.encode("utf-8"), root=str(root) if root else None)


def pdf_bytes(html_text: str) -> bytes:
    """The A4 PDF of a report HTML (fonts subset and embedded; no creation date: deterministic)."""
    folder = Path(tempfile.mkdtemp(prefix="yqeval-typst-"))
    try:
        try:
            return compile_pdf(typst_source(html_text, folder), root=folder)
        except Exception as exc:  # an image Typst still cannot read: the report without images, each said so
            if type(exc).__name__ != "TypstError":
                raise
            try:
                return compile_pdf(typst_source(html_text, folder, placeholders=True), root=folder)
            except Exception:  # noqa: BLE001 - not the images: Typst's first word is the one to show
                raise exc from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
