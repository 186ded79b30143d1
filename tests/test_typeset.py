"""The report HTML set as a PDF by Typst (helpers.report.typeset): what an office writes arrives as text, images only
from the page itself, tables that span pages keep their header, nothing is lost, the same HTML gives the same bytes."""

import base64
import io
import re
import struct
import zlib

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from helpers.report import tables, typeset
from helpers.report.layout import TOC_MARKER, cover_html
from helpers.report.render import _postprocess


def _page(body: str, title: str = "测试报告") -> str:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f'<style>p {{ color: red }}</style></head><body><main class="report">{body}</main></body></html>')


def _pdf(body: str) -> PdfReader:
    return PdfReader(io.BytesIO(typeset.pdf_bytes(_page(body))))


def _text(reader: PdfReader) -> str:
    return "\n".join(p.extract_text() for p in reader.pages)


def _png(width: int, height: int) -> bytes:
    """A grey PNG of the given size (no Pillow needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _img(data: bytes, style: str = "") -> str:
    return f'<img class="chart" alt="" style="{style}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _images(reader: PdfReader) -> int:
    return sum(len(p.images) for p in reader.pages)


def test_what_an_office_writes_is_set_as_text_never_as_markup():
    hostile = ['#read("/etc/passwd")', '#import "x.typ": *', "] [ $x^2$ \\ *粗* _斜_ @ref &lt;lbl&gt;", '"引号" `代码`',
               "#{1 + 1}", "&lt;b&gt;不是格式&lt;/b&gt;"]
    body = "".join(f"<p>{h}</p>" for h in hostile)
    body += f'<table><caption>{hostile[0]}</caption><tr><th>{hostile[2]}</th></tr><tr><td>{hostile[4]}</td></tr></table>'
    text = _text(_pdf(body))
    for h in hostile:
        shown = h.replace("&lt;", "<").replace("&gt;", ">")
        assert re.sub(r"\s+", "", shown) in re.sub(r"\s+", "", text), (shown, text)
    assert "root:" not in text  # nothing was read


def test_elements_it_does_not_know_keep_their_text():
    body = ("<details><summary>摘要一句</summary><custom-tag>自定义元素里的话</custom-tag></details>"
            "<center><font color=red>旧式标签</font></center><article><section><div>层层包裹的段落</div></section></article>"
            "<ul><li>第一项<ul><li>嵌套的一项</li></ul></li><li><p>段落中的项</p></li></ul><ol start=\"3\"><li>第三条</li></ol>"
            "<blockquote><p>引用的话</p></blockquote><pre>第一行\n  第二行</pre><dl><dt>术语</dt><dd>解释</dd></dl>"
            "<p>带<strong>粗体</strong>、<em>斜体</em>、<code>T01</code>、<a href=\"https://example.com\">链接</a>、"
            "上标<sup>2</sup>和<br>换行</p><hr><figure><figcaption>图的说明</figcaption></figure>")
    text = _text(_pdf(body))
    for words in ("摘要一句", "自定义元素里的话", "旧式标签", "层层包裹的段落", "第一项", "嵌套的一项", "段落中的项",
                  "第三条", "引用的话", "第一行", "第二行", "术语", "解释", "粗体", "斜体", "T01", "链接", "换行", "图的说明"):
        assert words in text, (words, text)
    assert re.search(r"3\.\s*第三条", text)  # an ordered list keeps its start
    assert "color: red" not in text  # the style sheet is not content


def test_only_images_in_the_page_itself_are_drawn():
    png = _png(40, 20)
    body = (_img(png) + '<img src="/etc/hostname"><img src="file:///etc/passwd"><img src="../../secret.png">'
            '<img src="https://example.com/x.png"><img src="data:image/png;base64,@@@not base64">')
    reader = _pdf(body)
    assert _images(reader) == 1


def test_a_chart_is_as_wide_as_its_width_and_a_tall_one_fits_the_page():
    src = typeset.typst_source(_page(_img(_png(605, 300), "width:605px")), folder=None)
    assert "image(" not in src  # no folder: images left out (nothing written anywhere)
    tall = _pdf("<p>正文。</p>" + _img(_png(200, 4000), "width:600px"))
    assert len(tall.pages) == 1 and _images(tall) == 1  # scaled into the page, not cut at its foot or split
    assert round(float(tall.pages[0].mediabox.height)) == 842  # A4


def test_a_long_table_repeats_its_header_and_a_short_one_is_not_split():
    frame = pd.DataFrame({"unit": [f"单位{i:03d}" for i in range(120)], "value": [i * 1.5 for i in range(120)]})
    long_table = tables.html_table(frame, columns={"unit": "单位名称", "value": "完成值"}, status_col=None,
                                   caption="各单位完成值")
    reader = _pdf(long_table)
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in reader.pages]
    assert len(pages) >= 3 and all("单位名称" in p and "完成值" in p for p in pages)
    assert "单位000" in pages[0] and "单位119" in pages[-1]
    short = tables.html_table(frame.head(8), columns={"unit": "短表单位", "value": "短表数值"}, status_col=None)
    assert 'class="report-table short"' in short
    filler = "".join(f"<p>填充段落第{i}段，用来把短表推到页面底部附近。</p>" for i in range(38))
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in _pdf(filler + short).pages]
    holding = [i for i, p in enumerate(pages) if "单位000" in p or "单位007" in p]
    assert len(set(holding)) == 1 and "单位000" in pages[holding[0]] and "单位007" in pages[holding[0]]


def test_a_pandas_table_with_spans_keeps_every_cell():
    frame = pd.DataFrame([[1, 2, 3, 4]], columns=pd.MultiIndex.from_tuples(
        [("本期", "计划"), ("本期", "实际"), ("累计", "计划"), ("累计", "实际")]), index=["蒿沟乡"])
    text = _text(_pdf(frame.to_html()))
    for words in ("本期", "累计", "计划", "实际", "蒿沟乡"):
        assert words in text


def test_cover_contents_and_bookmarks():
    body = (cover_html("某县工作评估报告", "2024年第一季度", {"编制单位": "某办公室"}, sample=True) + TOC_MARKER
            + "<h2>一、总体情况</h2><p>正文。</p><h3>（一）细项</h3><p>细项正文。</p><h4>不进目录的小标题</h4>")
    html = _postprocess(body)  # the contents list as render makes it
    reader = PdfReader(io.BytesIO(typeset.pdf_bytes(_page(html))))
    pages = [p.extract_text() for p in reader.pages]
    assert "某县工作评估报告" in pages[0] and "第" not in pages[0].replace("第一季度", "")
    assert "目录" in pages[1] and re.search(r"一、总体情况 ?(\. ?){5,}2", pages[1]) and "不进目录" not in pages[1]
    assert "第 1 页 / 共 2 页" in pages[1] and "第 2 页 / 共 2 页" in pages[2]
    assert all("示例数据" in p for p in pages[1:])  # the sample mark at the top of every page after the cover
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles == ["一、总体情况"] and [o.title for o in reader.outline[1]] == ["（一）细项"]
    # HTML without a contents list gets one after the cover
    bare = PdfReader(io.BytesIO(typeset.pdf_bytes(_page(body.replace(TOC_MARKER, "")))))
    assert "目录" not in bare.pages[0].extract_text() and "目录" in bare.pages[1].extract_text()


def test_the_same_html_gives_the_same_bytes_and_no_date():
    page = _page("<h2>一、总体情况</h2>" + _img(_png(30, 30)) + "<p>全区完成 1.06亿元。</p>")
    a, b = typeset.pdf_bytes(page), typeset.pdf_bytes(page)
    assert a == b and b"/CreationDate" not in a and b"/ModDate" not in a
    assert PdfReader(io.BytesIO(a)).metadata.title == "测试报告"


# ---------------------------------------------------------------- any HTML sets (hypothesis)


_WORDS = st.text(alphabet=st.sampled_from(list('#$*_[]{}()<>@\\"\'`~=+-/%&;:.,!?| \n\t元万亿单位完成率①Ａ\u3000\u200b\ufeff')),
                 max_size=12)
_TAGS = ["p", "div", "span", "strong", "em", "code", "a", "ul", "ol", "li", "table", "tr", "td", "th", "thead", "tbody",
         "caption", "h2", "h3", "h4", "h1", "pre", "blockquote", "br", "img", "dl", "dt", "dd", "section", "nav",
         "sup", "sub", "font", "x-unknown", "col", "colgroup", "hr", "figure", "figcaption", "details", "summary"]
_ATTRS = st.sampled_from(["", ' class="num"', ' class="na"', ' class="short"', ' class="cover"', ' class="toc"',
                          ' class="light light-red" style="color:#a50f15"', ' colspan="3"', ' rowspan="2"',
                          ' colspan="x"', ' start="7"', ' start="99999999999999999999"', ' style="width:33%"',
                          ' style="width:99999999999%"', ' style="width:0.00001%"', ' style="width:9999px"',
                          ' style="width:1.2.3%"', ' style="width:.px"',
                          ' src="/etc/passwd"', ' src="data:image/png;base64,AAAA"', ' href="javascript:x"'])


def _html(depth: int):
    leaf = _WORDS.map(lambda t: t.replace("&", "&amp;").replace("<", "&lt;"))
    if depth == 0:
        return leaf
    child = st.lists(st.one_of(leaf, st.deferred(lambda: _html(depth - 1))), max_size=4).map("".join)
    return st.tuples(st.sampled_from(_TAGS), _ATTRS, child).map(lambda t: f"<{t[0]}{t[1]}>{t[2]}</{t[0]}>")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_html(3), min_size=1, max_size=4).map("".join))
def test_any_html_is_set_without_an_error(body):
    pdf = typeset.pdf_bytes(_page(body))
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) >= 1


def test_a_wide_pandas_table_fits_its_figures_in_their_cells(tmp_path):
    """30 columns of three-digit figures (pandas' own table): smaller type and padding, so every figure is
    a word of its own inside the page, not run into its neighbours."""
    import subprocess

    import numpy as np

    frame = pd.DataFrame(np.arange(20 * 30).reshape(20, 30) + 100, columns=[f"列{i}" for i in range(30)])
    pdf = tmp_path / "wide.pdf"
    pdf.write_bytes(typeset.pdf_bytes(_page(frame.to_html())))
    words = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    boxes = [(round(float(y)), float(a), float(b), w) for a, y, b, w in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)<', words)]
    assert {str(v) for v in range(100, 700)} <= {w for *_, w in boxes}  # each figure its own word
    assert max(b for _, _, b, _ in boxes) <= 595 - 18 / 25.4 * 72 + 1  # within the right margin
    rows: dict[int, list] = {}
    for y, a, b, w in boxes:
        rows.setdefault(y, []).append((a, b, w))
    for line in rows.values():  # on a line, no figure runs into the next one
        line.sort()
        assert all(b <= a2 + 0.2 for (_, b, _), (a2, _, _) in zip(line, line[1:], strict=False)), line
    heights = [float(b) - float(a) for a, b, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(\d+)<',
                                                          words) if float(a) < 780]  # the page number aside
    assert heights and max(heights) < 8.5  # set smaller than the 9 pt of a table that fits (≈ 12 pt boxes)


def test_numbers_in_attributes_are_set_within_typst_s_range():
    """A list numbered from a 20-digit number and columns of absurd widths (Typst's integers are 64-bit; 1e+11%
    is no Typst length): the page is still set."""
    body = ('<ol start="99999999999999999999"><li>第一条</li></ol><table><colgroup><col style="width:99999999999%">'
            '<col style="width:0.00001%"></colgroup><tr><td>甲</td><td>乙</td></tr></table>'
            '<table><colgroup><col style="width:1.2.3%"><col style="width:.%"></colgroup><tr><td>丙</td><td>丁</td></tr>'
            '</table>' + _img(_png(10, 10), "width:.px"))
    text = _text(_pdf(body))
    assert all(w in text for w in ("第一条", "甲", "乙", "丙", "丁"))


def test_an_image_that_cannot_be_drawn_is_said_so_and_the_pdf_is_made(monkeypatch):
    """A corrupt image (truncated PNG, GIF, JPEG) failed the whole PDF in Typst: it is left out with a line
    saying so; a good one beside it is drawn. If Typst still refuses one, the PDF is set without images."""
    good = _img(_png(20, 20))
    bad = "".join(f'<img src="data:image/{k};base64,{v}">' for k, v in
                  (("png", "AAAA"), ("gif", "R0lGODlh"), ("jpeg", "/9j/4AAQ"), ("svg+xml", "PHN2Zz4=")))
    reader = _pdf(good + bad)
    assert _images(reader) == 1 and re.sub(r"\s", "", _text(reader)).count("无法在PDF中显示") == 4
    monkeypatch.setattr(typeset, "_readable", lambda data, kind: True)  # as if the check had passed them
    reader = _pdf(good + bad)
    assert _images(reader) == 0 and re.sub(r"\s", "", _text(reader)).count("无法在PDF中显示") == 5
