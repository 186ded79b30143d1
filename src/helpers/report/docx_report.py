"""The report as a Word document (.docx), built from the finished report HTML, deterministically.

The .docx is made from the same HTML the PDF is made from (helpers.report.render), so every section, sentence,
table and chart the notebook shows — including sections added later — is in it, in the same order.
python-docx writes it (docs/outputs.md says why this library): Word heading styles (标题 1–3, so Word
or WPS builds a table of contents and the office can restyle it as a 公文), an East-Asian font named on
every run of text (w:eastAsia), A4 pages with page numbers, tables whose header row repeats on each
page, charts as PNG images. Same HTML, same bytes: fixed document properties and zip timestamps.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from helpers.contract.outputs import write_bytes

BODY_FONT = "宋体"  # East-Asian fonts every Chinese Windows/WPS has; LibreOffice substitutes Noto CJK
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_PT, TABLE_PT, CAPTION_PT = 10.5, 9, 9
HEADINGS = {"h2": ("Heading 1", 16), "h3": ("Heading 2", 14), "h4": ("Heading 3", 12)}
PAGE_W, PAGE_H, MARGIN = Cm(21.0), Cm(29.7), Cm(2.2)
TEXT_WIDTH_CM = 21.0 - 2 * 2.2
MAX_IMAGE_CM = 20.0  # of 24.7 cm of text height
CELL_MARGIN_TWIPS = 57  # 0.1 cm each side (Word's default 0.19 cm wraps "100.0%" in narrow columns)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_COLOR = re.compile(r"color:\s*#([0-9a-fA-F]{6})")
_WIDTH_PCT = re.compile(r"width:\s*([\d.]+)%")
_WIDTH_PX = re.compile(r"width:\s*([\d.]+)px")


# ---------------------------------------------------------------- fonts and small XML pieces


def set_fonts(rpr_owner, east: str = BODY_FONT, latin: str = LATIN_FONT) -> None:
    """Name the Latin and the East-Asian font of a run or a style (w:rFonts ascii/hAnsi/eastAsia/cs)."""
    rpr = rpr_owner.get_or_add_rPr() if hasattr(rpr_owner, "get_or_add_rPr") else rpr_owner._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):  # theme fonts would override the names below
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east)
    fonts.set(qn("w:cs"), latin)


def _run(paragraph, text: str, *, east: str = BODY_FONT, bold: bool | None = None, size: float | None = None,
         color: str | None = None):
    run = paragraph.add_run(text)
    set_fonts(run._r, east)
    if bold is not None:
        run.bold = bold
    if size is not None:
        run.font.size = Pt(size)
    if color:
        run.font.color.rgb = RGBColor.from_string(color.upper())
    return run


def _field(paragraph, instruction: str, shown: str = "1", east: str = BODY_FONT) -> None:
    """A Word field (PAGE, TOC …) with a result shown until Word updates it."""
    def char(kind: str):
        r = _run(paragraph, "", east=east)
        fc = OxmlElement("w:fldChar")
        fc.set(qn("w:fldCharType"), kind)
        r._r.append(fc)

    char("begin")
    r = _run(paragraph, "", east=east)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    r._r.append(instr)
    char("separate")
    _run(paragraph, shown, east=east)
    char("end")


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    trpr.append(cant)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _keep_with_next(paragraph) -> None:
    paragraph.paragraph_format.keep_with_next = True


# ---------------------------------------------------------------- the document


class Builder:
    """A python-docx Document set up as the office's report: A4, fonts, styles, page numbers."""

    def __init__(self, title: str, author: str, when: dt.date):
        self.doc = Document()
        self._setup_page()
        self._setup_styles()
        self._setup_properties(title, author, when)

    def _setup_page(self) -> None:
        s = self.doc.sections[0]
        s.orientation = WD_ORIENT.PORTRAIT
        s.page_width, s.page_height = PAGE_W, PAGE_H
        s.left_margin = s.right_margin = MARGIN
        s.top_margin = s.bottom_margin = Cm(2.5)
        s.footer_distance = Cm(1.2)
        p = s.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, "— ", size=9)
        _field(p, "PAGE")
        _run(p, " —", size=9)
        for r in p.runs:
            r.font.size = Pt(9)

    def _setup_styles(self) -> None:
        st = self.doc.styles
        normal = st["Normal"]
        normal.font.size = Pt(BODY_PT)
        set_fonts(normal.element, BODY_FONT)
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.25
        for name, size in [*HEADINGS.values(), ("Title", 22)]:
            style = st[name]
            style.font.size = Pt(size)
            style.font.bold = True
            style.font.color.rgb = RGBColor(0, 0, 0)
            set_fonts(style.element, HEADING_FONT)
            style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
            style.paragraph_format.space_after = Pt(6)
            style.paragraph_format.keep_with_next = True
        for name in ("Subtitle", "Caption", "TOC Heading", "List Bullet", "List Number", "Header", "Footer"):
            set_fonts(st[name].element, HEADING_FONT if name in ("TOC Heading", "Caption") else BODY_FONT)
        cap = st["Caption"]
        cap.font.size = Pt(CAPTION_PT)
        cap.font.bold = True
        cap.font.italic = False
        cap.font.color.rgb = RGBColor(0, 0, 0)
        cap.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cap.paragraph_format.keep_with_next = True
        cap.paragraph_format.space_before = Pt(6)

    def _setup_properties(self, title: str, author: str, when: dt.date) -> None:
        cp = self.doc.core_properties
        fixed = dt.datetime(when.year, when.month, when.day)
        cp.title, cp.author, cp.last_modified_by = title, author, author
        cp.created = cp.modified = fixed
        cp.last_printed = fixed
        cp.revision = 1
        cp.comments = ""
        cp.keywords = ""
        cp.subject = ""

    def header_mark(self, text: str) -> None:
        p = self.doc.sections[0].header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, text, size=9, color="C00000")

    # -------------------------------------------------------- content

    def paragraph(self, text: str = "", style: str | None = None, **kw):
        p = self.doc.add_paragraph(style=style)
        if text:
            _run(p, text, east=HEADING_FONT if style in ("Title", "Subtitle") else BODY_FONT, **kw)
        return p

    def heading(self, text: str, level: int):
        style = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3"}[level]
        p = self.doc.add_paragraph(style=style)
        _run(p, text, east=HEADING_FONT)
        return p

    def page_break(self) -> None:
        _run(self.doc.add_paragraph(), "").add_break(WD_BREAK.PAGE)

    def image(self, png: bytes, width_px: float | None = None) -> None:
        from PIL import Image

        width_cm = TEXT_WIDTH_CM if not width_px else min(TEXT_WIDTH_CM, width_px / 96 * 2.54)
        w, h = Image.open(io.BytesIO(png)).size
        if w and width_cm * h / w > MAX_IMAGE_CM:  # a tall chart still shares its page with its heading
            width_cm = MAX_IMAGE_CM * w / h
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run()
        set_fonts(run._r)
        run.add_picture(io.BytesIO(png), width=Cm(width_cm))

    def table(self, header: list[str], rows: list[list], widths: list[float] | None = None,
              caption: str | None = None, numeric: list[bool] | None = None) -> None:
        """rows: lists of cells, each a text or a list of (text, colour) pieces."""
        if caption:
            self.paragraph(caption, style="Caption")
        n = len(header)
        t = self.doc.add_table(rows=1, cols=n)
        t.style = self.doc.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        widths = widths or [100 / n] * n
        total = sum(widths) or 1
        cms = [TEXT_WIDTH_CM * w / total for w in widths]
        numeric = numeric or [False] * n
        _repeat_header(t.rows[0])
        widths_emu = [Cm(c) for c in cms]
        for i, (cell, text) in enumerate(zip(t.rows[0].cells, header, strict=True)):
            cell.width = widths_emu[i]
            _shade(cell, "EDEDED")
            self._cell(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for row in rows:
            for i, (cell, value) in enumerate(zip(t.add_row().cells, row[:n], strict=False)):
                cell.width = widths_emu[i]
                self._cell(cell, value, align=WD_ALIGN_PARAGRAPH.RIGHT if numeric[i] else None)
        tblpr = t._tbl.tblPr
        width = OxmlElement("w:tblW")
        width.set(qn("w:w"), str(int(TEXT_WIDTH_CM * 567)))
        width.set(qn("w:type"), "dxa")
        for old in tblpr.findall(qn("w:tblW")):
            tblpr.remove(old)
        tblpr.append(width)
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tblpr.append(layout)
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            m = OxmlElement(f"w:{side}")
            m.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
            m.set(qn("w:type"), "dxa")
            margins.append(m)
        tblpr.append(margins)
        grid = t._tbl.tblGrid
        for i, col in enumerate(grid.findall(qn("w:gridCol"))):
            col.set(qn("w:w"), str(int(cms[i] * 567)))
        self.doc.add_paragraph().paragraph_format.space_after = Pt(2)

    def _cell(self, cell, value, bold: bool = False, align=None) -> None:
        p = cell.paragraphs[0]
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        if align is not None:
            p.alignment = align
        pieces = value if isinstance(value, list) else [(str(value), None)]
        for text, color in pieces:
            if text == "\n":
                p = cell.add_paragraph()
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.line_spacing = 1.0
                if align is not None:
                    p.alignment = align
                continue
            _run(p, text, size=TABLE_PT, bold=bold or None, color=color)

    def toc(self, entries: list[tuple[int, str]]) -> None:
        """目录: a Word TOC field over the heading styles, showing the entries until Word updates it."""
        self.paragraph("目录", style="TOC Heading")
        paras = []
        for level, text in entries or [(1, "")]:
            p = self.doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.8 * (level - 1))
            p.paragraph_format.space_after = Pt(2)
            if not paras:
                _field_begin(p, 'TOC \\o "1-3" \\h \\z \\u')
            _run(p, text)
            paras.append(p)
        _field_end(paras[-1])

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.doc.save(buf)
        return deterministic_zip(buf.getvalue())


def _field_begin(paragraph, instruction: str) -> None:
    r = _run(paragraph, "")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), "begin")
    r._r.append(fc)
    r = _run(paragraph, "")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    r._r.append(instr)
    r = _run(paragraph, "")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), "separate")
    r._r.append(fc)


def _field_end(paragraph) -> None:
    r = _run(paragraph, "")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), "end")
    r._r.append(fc)


def deterministic_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and fixed attributes (python-docx stamps the
    time of saving on each entry, so two saves a second apart would differ)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 0
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- HTML → document


def _pieces(node) -> list[tuple[str, str | None]]:
    """A cell's or paragraph's inline content as (text, colour) pieces; "\\n" for a line break."""
    out: list[tuple[str, str | None]] = []

    def walk(n, color=None):
        if isinstance(n, NavigableString):
            text = re.sub(r"\s*\n\s*", "", str(n)) if "\n" in str(n) else str(n)
            if text:
                out.append((text, color))
            return
        if not isinstance(n, Tag):
            return
        if n.name == "br":
            out.append(("\n", None))
            return
        m = _COLOR.search(n.get("style", ""))
        for child in n.children:
            walk(child, m.group(1) if m else color)

    walk(node)
    return out


def _plain(pieces) -> str:
    return "".join(t for t, _ in pieces if t != "\n")


def _table(b: Builder, table: Tag) -> None:
    caption = table.find("caption")
    header_cells = table.select("thead th") or (table.find("tr").find_all(["th", "td"]) if table.find("tr") else [])
    header = [_plain(_pieces(th)) for th in header_cells]
    widths = []
    for col in table.select("colgroup col"):
        m = _WIDTH_PCT.search(col.get("style", ""))
        widths.append(float(m.group(1)) if m else 0)
    if len(widths) != len(header) or not all(widths):
        widths = None
    numeric = [("num" in (th.get("class") or [])) for th in header_cells]
    body_rows = table.select("tbody tr") if table.find("tbody") else table.find_all("tr")[1:]
    rows = []
    for tr in body_rows:
        rows.append([_pieces(td) for td in tr.find_all(["td", "th"])])
    b.table(header, rows, widths, caption=_plain(_pieces(caption)) if caption else None, numeric=numeric)


def _image(b: Builder, img: Tag) -> None:
    src = img.get("src", "")
    if not src.startswith("data:image/png;base64,"):
        return  # SVG copies are for screens; every chart has its PNG
    m = _WIDTH_PX.search(img.get("style", ""))
    b.image(base64.b64decode(src.split(",", 1)[1]), float(m.group(1)) if m else None)


def _cover(b: Builder, cover: Tag) -> None:
    for _ in range(4):
        b.paragraph()
    h1 = cover.find("h1")
    if h1 is not None:
        p = b.paragraph(h1.get_text(strip=True), style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = cover.find(class_="subtitle")
    if sub is not None:
        p = b.paragraph(sub.get_text(strip=True), size=16)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(3):
        b.paragraph()
    for div in cover.select("dl > div"):
        dt_, dd = div.find("dt"), div.find("dd")
        p = b.paragraph()
        p.paragraph_format.left_indent = Cm(2.5)
        _run(p, f"{dt_.get_text(strip=True)}：", east=HEADING_FONT, bold=True, size=12)
        _run(p, dd.get_text(strip=True), size=12)
    mark = cover.find(class_="sample-mark")
    if mark is not None:  # the PDF repeats it at the top of every page: so does the document's header
        b.header_mark(mark.get_text(strip=True))
    for el in cover.find_all(["p"], recursive=False):
        if not {"subtitle", "sample-mark"} & set(el.get("class") or []):
            p = b.paragraph(el.get_text(" ", strip=True), size=12)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    b.page_break()


def _block(b: Builder, node) -> None:
    if isinstance(node, NavigableString):
        if str(node).strip():
            b.paragraph(str(node).strip())
        return
    if not isinstance(node, Tag):
        return
    name, classes = node.name, set(node.get("class") or [])
    if "cover" in classes:
        _cover(b, node)
    elif name == "nav" and "toc" in classes:
        entries = [(2 if "toc-h3" in (li.get("class") or []) else 1, li.get_text(strip=True))
                   for li in node.find_all("li")]
        b.toc(entries)
        b.page_break()
    elif name in HEADINGS:
        b.heading(node.get_text(" ", strip=True), {"h2": 1, "h3": 2, "h4": 3}[name])
    elif name == "h1":
        b.paragraph(node.get_text(" ", strip=True), style="Title")
    elif name == "p":
        pieces = _pieces(node)
        if _plain(pieces).strip():
            p = b.doc.add_paragraph()
            if "commentary-note" in classes:
                _run(p, _plain(pieces), size=9, color="595959")
            else:
                for text, color in pieces:
                    if text == "\n":
                        _run(p, "").add_break()
                    else:
                        _run(p, text, color=color)
    elif name in ("ul", "ol"):
        first = node.get("start", "1")
        for i, li in enumerate(node.find_all("li", recursive=False), start=int(first) if first.isdigit() else 1):
            p = b.doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.74)
            p.paragraph_format.first_line_indent = Cm(-0.5)
            _run(p, ("• " if name == "ul" else f"{i}. ") + _plain(_pieces(li)))
    elif name == "table":
        _table(b, node)
    elif name == "img":
        _image(b, node)
    elif name in ("pre", "blockquote"):
        b.paragraph(node.get_text())
    else:  # section, div, main, figure …: their children in order
        for child in node.children:
            _block(b, child)


def html_to_docx(html_text: str, *, title: str, author: str, when: dt.date) -> bytes:
    """The report HTML (helpers.report.render) as .docx bytes."""
    soup = BeautifulSoup(html_text, "html.parser")
    root = soup.find("main") or soup.body or soup
    b = Builder(title, author, when)
    for child in root.children:
        _block(b, child)
    return b.to_bytes()


def write_report_docx(html_path: str | Path, docx_path: str | Path, *, title: str, author: str,
                      when: dt.date) -> Path:
    html_text = Path(html_path).read_text(encoding="utf-8")
    return write_bytes(Path(docx_path), html_to_docx(html_text, title=title, author=author, when=when))
