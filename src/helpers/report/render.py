"""Executed notebook → one self-contained HTML report → A4 PDF (Typst, `typeset`), deterministically.

The notebook marks its cover with an element of class "cover" (see `cover_html`) and may place the
table of contents with an element whose id is "toc" (see `TOC_MARKER`); without one, the contents
follow the cover. Only outputs appear: no code, prompts, stderr, errors or scripts.
"""

from __future__ import annotations

import base64
import copy
import functools
import html
import threading
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup, Tag

from helpers.contract.outputs import write_bytes
from helpers.report.layout import END_ID, TOC_MARKER, cover_html, report_css  # noqa: F401  (re-exported)

# nbconvert's classic-template wrappers around every cell and output; unwrapped so that the report
# is a flat flow of headings, paragraphs, tables and images (page-break rules then apply cleanly).
_WRAPPER_CLASSES = {
    "cell",
    "inner_cell",
    "text_cell_render",
    "output_wrapper",
    "output",
    "output_area",
    "output_subarea",
}
_DROP_TAGS = ("script", "style", "link", "iframe", "object", "embed", "noscript", "template", "base", "meta")
_DROP_MIMES = ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json")


# ------------------------------------------------------------------------------------ notebook side
# ------------------------------------------------------------------------------------------- HTML
def notebook_to_html(nb, title: str, lang: str = "zh-CN") -> str:
    """One self-contained HTML document of an executed notebook's outputs (node or path)."""
    if not isinstance(nb, nbformat.NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    body = _export_body(_clean_notebook(nb))
    body = _postprocess(body)
    css = report_css()
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{css}</style>\n</head>\n"
        f'<body>\n<main class="report">\n{body}\n</main>\n<div id="{END_ID}"></div>\n</body>\n</html>\n'
    )


def _clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Copy of nb with only what a reader should see, and nothing that varies between runs."""
    nb = copy.deepcopy(nb)
    nb.metadata = nbformat.NotebookNode(
        {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    )
    cells = []
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "raw" or "remove-cell" in tags:
            continue
        cell.id = f"c{i}"  # papermill's random ids would otherwise reach the HTML
        cell.metadata = nbformat.NotebookNode({})
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = (
                [] if "remove-output" in tags else [o for o in map(_clean_output, cell.outputs) if o]
            )
        cells.append(cell)
    nb.cells = cells
    return nb


def _clean_output(out):
    """The output as the report shows it, or None to drop it."""
    kind = out.get("output_type")
    if kind == "error" or (kind == "stream" and out.get("name") != "stdout"):
        return None
    if kind not in ("display_data", "execute_result"):
        return out
    data = {k: v for k, v in out.get("data", {}).items() if k not in _DROP_MIMES}
    if "text/html" not in data and ("image/svg+xml" in data or "image/png" in data):
        data = {"text/html": _images_html(data, out.get("metadata", {}))}
    if set(data) <= {"text/plain"} and kind == "execute_result":
        return None  # a stray last expression (e.g. "<Figure size …>") is not report content
    if not data:
        return None
    out = copy.deepcopy(out)
    out.data = nbformat.NotebookNode(data)
    out.metadata = nbformat.NotebookNode({})
    if kind == "execute_result":
        out.execution_count = None
    return out


def _images_html(data: dict, metadata: dict) -> str:
    """<img> elements for an image output: SVG for screens, PNG (if any) for print.

    An <img> keeps each SVG's ids to itself and scales with max-width; WeasyPrint draws SVG slowly,
    so when a PNG comes along (charts.show) the PDF uses that and the screen the SVG.
    """
    svg, png = data.get("image/svg+xml"), data.get("image/png")
    imgs = []
    if svg is not None:
        svg = "".join(svg) if isinstance(svg, list) else svg
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        imgs.append(f'<img class="chart{" chart-screen" if png else ""}" alt="" src="{uri}">')
    if png is not None:
        png = "".join(png) if isinstance(png, list) else png
        width = (metadata.get("image/png") or {}).get("width")
        style = f' style="width:{int(width)}px"' if isinstance(width, int | float) else ""
        uri = "data:image/png;base64," + png.strip().replace("\n", "")
        imgs.append(f'<img class="chart{" chart-print" if svg else ""}" alt=""{style} src="{uri}">')
    return "".join(imgs)


@functools.lru_cache(maxsize=1)
def _exporter():
    """One HTMLExporter per process: it compiles its Jinja templates once (≈0.25 s)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
        default_preprocessors=[],  # _clean_notebook does their job; each one re-validates the notebook (≈0.1 s)
    )


_EXPORT_LOCK = threading.Lock()
# a one-line page in the report's style (its fonts): what a PDF warm-up lays out
EMPTY_REPORT = f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{report_css()}</style></head>' \
               '<body><main class="report"><p>预热 0123</p></main></body></html>'


def _export_body(nb: nbformat.NotebookNode) -> str:
    with _EXPORT_LOCK:  # the exporter keeps per-call state; warm_up() may be using it in a thread
        body, _resources = _exporter().from_notebook_node(nb)
    return body


def warm_up(html: bool = True, pdf: bool = True) -> None:
    """Load what rendering needs (nbconvert's templates; the Typst compiler and the CJK fonts) by
    rendering a throw-away one-line report; nothing is written.

    `yqeval run` calls this in a background thread while the notebooks execute (the parent process
    only waits on its kernels meanwhile), so the loading is not paid after them; with pdf=False only
    the HTML side (the PDF is then made by `pdfjob`'s worker, which warms itself up).
    """
    try:
        page = EMPTY_REPORT
        if html:
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("预热")])
            page = notebook_to_html(nb, "预热")
        if pdf:
            pdf_bytes(page)
    except Exception:  # noqa: BLE001 - the real render will raise the same error where it is read
        pass


def _postprocess(body: str) -> str:
    soup = BeautifulSoup(body, "html.parser")
    for tag in soup.find_all(list(_DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all("a", class_="anchor-link"):
        tag.decompose()
    for tag in soup.find_all("div"):
        if _WRAPPER_CLASSES & set(tag.get("class") or []):
            tag.unwrap()
    marker = soup.find(id="toc")
    for tag in soup.find_all(True):
        for attr in list(tag.attrs):
            if attr == "id" or attr.lower().startswith("on") or attr in ("scoped", "border"):
                del tag[attr]
            elif attr in ("href", "src") and tag[attr].strip().lower().startswith("javascript:"):
                del tag[attr]
    headings = []
    for n, tag in enumerate(soup.find_all(["h2", "h3"]), start=1):
        tag["id"] = f"sec-{n}"
        headings.append((tag.name, f"sec-{n}", tag.get_text(" ", strip=True)))
    if headings:
        _place_toc(soup, marker, _toc(soup, headings))
    return str(soup).strip()


def _toc(soup: BeautifulSoup, headings: list[tuple[str, str, str]]) -> Tag:
    nav = soup.new_tag("nav", attrs={"class": "toc"})
    heading = soup.new_tag("p", attrs={"class": "toc-title"})
    heading.string = "目录"
    nav.append(heading)
    ol = soup.new_tag("ol")
    for level, anchor, text in headings:
        li = soup.new_tag("li", attrs={"class": f"toc-{level}"})
        a = soup.new_tag("a", href=f"#{anchor}")
        a.string = text
        li.append(a)
        ol.append(li)
    nav.append(ol)
    return nav


def _place_toc(soup: BeautifulSoup, marker: Tag | None, nav: Tag) -> None:
    if marker is not None:
        marker.replace_with(nav)
        return
    cover = soup.find(class_="cover")
    if cover is not None:
        cover.insert_after(nav)
    else:
        soup.insert(0, nav)


# -------------------------------------------------------------------------------------------- PDF
def pdf_bytes(html_text: str) -> bytes:
    """The A4 PDF of a report HTML, set by Typst (`typeset`; fonts subset and embedded; no creation date)."""
    from helpers.report import typeset

    return typeset.pdf_bytes(html_text)


def html_to_pdf(html_text: str, pdf_path: str | Path) -> Path:
    """Write the PDF atomically: on any failure the previous file at pdf_path stays as it was."""
    return write_bytes(Path(pdf_path), pdf_bytes(html_text))


def render_report(
    executed_nb_path: str | Path, out_html: str | Path, out_pdf: str | Path, title: str, pdf_worker=None
) -> tuple[Path, Path]:
    """Executed notebook → HTML and PDF. Both are produced in memory before either file is replaced.

    pdf_worker: a `pdfjob.PdfWorker`; the HTML is written and the PDF handed to the worker, which writes
    it meanwhile (its result() waits for it and says in Chinese what went wrong)."""
    html_text = notebook_to_html(executed_nb_path, title)
    if pdf_worker is not None:
        out_html = write_bytes(Path(out_html), html_text.encode("utf-8"))
        pdf_worker.submit(html_text, Path(out_pdf))
        return out_html, Path(out_pdf)
    pdf = pdf_bytes(html_text)
    out_html = write_bytes(Path(out_html), html_text.encode("utf-8"))
    out_pdf = write_bytes(Path(out_pdf), pdf)
    return out_html, out_pdf
