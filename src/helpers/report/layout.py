"""The markup contract between the notebooks and the renderer, importable without nbconvert.

A notebook displays `cover_html(...)` for the cover and places `TOC_MARKER` where the contents go;
`helpers.report.render` turns the executed notebook into HTML and PDF around them, and ends the document
with an element of id END_ID (report.css counts the pages up to it). Scorecards use the same CSS.
Kept apart from render.py so that a kernel drawing the report does not import nbconvert/WeasyPrint.
"""

from __future__ import annotations

import html
import re
from importlib import resources

from helpers.contract.vocabulary import SAMPLE_MARK

TOC_MARKER = '<div id="toc"></div>'
END_ID = "report-end"


def cover_html(
    title: str, subtitle: str = "", meta: dict[str, str] | None = None, sample: bool = False
) -> str:
    """Markup for the cover page (display it with IPython.display.HTML in the report's first cell)."""
    parts = ['<section class="cover">', f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        parts.append(f'<p class="subtitle">{html.escape(subtitle)}</p>')
    if meta:
        parts.append("<dl>")
        parts += [
            f"<div><dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd></div>" for k, v in meta.items()
        ]
        parts.append("</dl>")
    if sample:
        parts.append(f'<p class="sample-mark">{SAMPLE_MARK}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def report_css() -> str:
    """report.css without its comments (they explain the file, not the report)."""
    css = resources.files("helpers.report").joinpath("report.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/\n?", "", css, flags=re.S)
    return re.sub(r"\n{3,}", "\n\n", css).lstrip()
