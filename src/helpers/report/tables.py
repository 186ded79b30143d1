"""HTML tables for the report: escaped text, formatted numbers, status lights; no pandas Styler.

    display(HTML(html_table(df, columns={"unit": "单位", "rate": "完成率"}, status_col="status")))

Columns of numeric dtype are right-aligned with thousands separators; columns named like rates
(rate, expected, share, score, *_rate, *_share) show as percentages (0.735 → 73.5%). Missing values
show as "—". Every text cell is HTML-escaped; line breaks in text become <br>.
"""

from __future__ import annotations

import html
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime

import pandas as pd

from helpers.report.charts import LIGHT_COLORS, LIGHT_NAMES, LIGHTS

NA = "—"
_TAGS = re.compile(r"<[^>]+>")
SHAPES: dict[str, str] = {"绿": "●", "黄": "▲", "红": "■", "灰": "○"}
LIGHT_CLASSES: dict[str, str] = {"绿": "green", "黄": "yellow", "红": "red", "灰": "grey"}
PERCENT_NAMES = {"rate", "expected", "share", "score", "reporting_rate", "capped_rate"}

Format = str | Callable[[object], str]


def light(status: object) -> str:
    """The coloured shape for a status word ("" for a word that has no light)."""
    key = LIGHTS.get(str(status).strip()) if _present(status) else None
    if key is None:
        return ""
    return (
        f'<span class="light light-{LIGHT_CLASSES[key]}" style="color:{LIGHT_COLORS[key]}" '
        f'title="{LIGHT_NAMES[key]}">{SHAPES[key]}</span>'
    )


def status_cell(status: object) -> str:
    """Light followed by the escaped status word."""
    if not _present(status):
        return NA
    shape = light(status)
    word = html.escape(str(status))
    return f"{shape}\u2009{word}" if shape else word


def format_value(value: object, fmt: Format | None = None) -> str:
    """One cell as escaped HTML text. fmt: 'pct', 'pct0', 'int', 'num', 'text', a '{:...}' format, or a callable."""
    if not _present(value):
        return NA
    if callable(fmt):
        return _escape(fmt(value))
    if fmt in (None, "text"):
        return _escape(_plain(value))
    number = _to_number(value)
    if number is None:
        return _escape(_plain(value))
    if fmt == "pct":
        return f"{number * 100:,.1f}%"
    if fmt == "pct0":
        return f"{number * 100:,.0f}%"
    if fmt == "int":
        return f"{number:,.0f}"
    if fmt == "num":
        return _number(number)
    return _escape(fmt.format(number))


SHORT_ROWS = 12  # tables up to this many rows move whole to the next page rather than leave a stub


def html_table(
    df: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, Format] | None = None,
    status_col: str | None = None,
    caption: str | None = None,
    numeric: Iterable[str] | None = None,
    widths: Mapping[str, str] | None = None,
    css_class: str = "report-table",
) -> str:
    """Render df as an HTML table.

    columns: source column → header, in display order (default: all columns, named as they are).
    formats: source column → format (see format_value); defaults by dtype and name.
    status_col: the column shown as light + status word.
    numeric: columns to right-align (default: those with a numeric format).
    widths: source column → CSS width (e.g. "30%") for long text columns.
    """
    columns = dict(columns) if columns is not None else {c: str(c) for c in df.columns}
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"html_table: no such columns {missing}")
    fmts = {c: _default_format(c, df[c]) for c in columns}
    fmts.update({c: f for c, f in (formats or {}).items() if c in columns})
    right = set(numeric) if numeric is not None else {c for c, f in fmts.items() if f not in (None, "text")}
    widths = widths or {}

    def cls(col) -> str:
        if col == status_col:
            return "status"
        return "num" if col in right else "text"

    body = [[status_cell(v) if c == status_col else format_value(v, fmts[c]) for c, v in zip(columns, row, strict=True)]
            for row in df[list(columns)].itertuples(index=False, name=None)]
    widths = column_widths(columns, body, {c for c in columns if cls(c) != "text"}, widths)
    classes = css_class + (" short" if len(df) <= SHORT_ROWS else "")  # a short table is not split over pages
    out = [f'<table class="{html.escape(classes)}">']
    if caption:
        out.append(f"<caption>{_escape(caption)}</caption>")
    out.append("<colgroup>")
    out += [f'<col style="width:{html.escape(widths[c])}">' for c in columns]
    out.append("</colgroup>")
    out.append("<thead><tr>")
    out += [f'<th class="{cls(c)}" scope="col">{_escape(h)}</th>' for c, h in columns.items()]
    out.append("</tr></thead>")
    out.append("<tbody>")
    for texts in body:
        cells = [f'<td class="{cls(c)}{" na" if t == NA else ""}">{t}</td>' for c, t in zip(columns, texts, strict=True)]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


SHORT_WORD = 8  # display units: a text column whose every value is this short never wraps inside one
LINE_UNITS = 100  # display units (a Chinese character is 2) across a full-width table at the report's size
_NUMBER_HEAD = re.compile(r"[−+-]?\d[\d,]*(?:\.\d+)?%?")
# letters, digits and the marks between them that offer no line break: a file name's "_2022Q2.xlsx", a digest
_LATIN_RUN = re.compile(r"[A-Za-z0-9_.%]{9,}")


def display_width(text: str) -> int:
    """Columns a text takes in print: a Chinese (wide) character counts 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _run_width(text: str) -> int:
    """Columns a run that must stay on one line takes: as display_width, and "%" counts 2 (it is nearly
    twice a digit's width in the report's sans face: 100.0% broke in a column sized for six digits)."""
    return display_width(text) + text.count("%")


def column_widths(columns: Mapping[str, str], body: list[list[str]], nowrap: set,
                  given: Mapping[str, str] | None = None) -> dict[str, str]:
    """CSS widths for every column (the table is laid out with table-layout: fixed, which is fast in
    WeasyPrint and keeps long tables stable across pages): the given ones as a starting point, the rest
    shared out in proportion to their content — the longest value of a column that must not wrap
    (numbers, status), the 90th-percentile length of a text column, at least its header's longest word.
    Then any column whose figures or short words would not fit on one line (given or not) gets room for
    them, taken from the columns that may wrap, each keeping its own figures and its header's longest word."""
    given = dict(given or {})
    fixed = {c: float(w[:-1]) for c, w in given.items() if w.endswith("%")}
    weights: dict[str, float] = {}
    unbroken: dict[str, int] = {}  # the longest run a column must keep on one line
    head_words: dict[str, int] = {}  # the header's longest word
    for i, (col, header) in enumerate(columns.items()):
        lengths = sorted(display_width(html.unescape(_TAGS.sub("", row[i]))) for row in body) or [0]
        if col in nowrap:
            need = lengths[-1]
            unbroken[col] = max(_run_width(html.unescape(_TAGS.sub("", row[i]))) for row in body) if body else 0
        else:  # a text column may wrap, but never inside a figure it starts with (19,397.6（含…）)
            texts = [html.unescape(_TAGS.sub("", row[i])) for row in body]
            heads = [_run_width(m.group(0)) for t in texts if (m := _NUMBER_HEAD.match(t))]
            # nor inside a run of letters and digits, which cannot break (SHA-256 前16位, …_2022Q2.xlsx)
            runs = [_run_width(r) for t in texts for r in _LATIN_RUN.findall(t)]
            # a column of short words (计量单位: 个单位, 人次) keeps each on one line too
            unbroken[col] = max(max(heads, default=0), max(runs, default=0),
                                lengths[-1] if lengths[-1] <= SHORT_WORD else 0)
            need = max(min(lengths[math.ceil(0.9 * (len(lengths) - 1))], 40), unbroken[col])
        head_words[col] = max(display_width(part) for part in re.split(r"[（(/\s]", str(header)) if part) if str(header) else 0
        if col not in given:
            weights[col] = max(need, head_words[col], 4) + 2  # + cell padding
    taken = sum(fixed.values())
    share = max(100.0 - taken, 10.0)
    total = sum(weights.values()) or 1
    pct = {**fixed, **{c: share * w / total for c, w in weights.items()}}
    # a full-width table holds about LINE_UNITS display units of table text
    floors = {c: min(unbroken[c] + 2, 100) * 100 / LINE_UNITS for c in pct if unbroken.get(c)}  # + the cell padding
    short = {c: f - pct[c] for c, f in floors.items() if f > pct[c] + 1e-9}
    need = sum(short.values())
    if need:
        keep = {c: max(max(head_words[c] + 2, 6) * 100 / LINE_UNITS, floors.get(c, 0.0)) for c in pct if c not in short}
        spare = {c: max(pct[c] - keep[c], 0.0) for c in keep if c not in nowrap}
        take = min(need, sum(spare.values()))
        if take > 0:
            for c, v in spare.items():
                pct[c] -= v / sum(spare.values()) * take
            for c, v in short.items():
                pct[c] += v * take / need
    return {c: given[c] if c in given and (c not in pct or abs(pct[c] - fixed.get(c, -1)) < 1e-9)
            else f"{pct[c]:.1f}%" for c in columns}


def _default_format(col: object, series: pd.Series) -> Format | None:
    name = str(col).lower()
    if name in PERCENT_NAMES or name.endswith(("_rate", "_share", "_pct")):
        return "pct"
    if pd.api.types.is_bool_dtype(series):
        return lambda v: "是" if v else "否"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "num"
    return None


def _present(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return not (pd.api.types.is_scalar(value) and pd.isna(value))


def _to_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        return None
    return None if math.isnan(number) else number


def _number(x: float) -> str:
    if abs(x - round(x)) < 1e-9:
        return f"{x:,.0f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _plain(value: object) -> str:
    if isinstance(value, datetime | pd.Timestamp):
        return (
            value.strftime("%Y-%m-%d")
            if (value.hour, value.minute, value.second) == (0, 0, 0)
            else value.isoformat(" ")
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _escape(text: object) -> str:
    return html.escape(str(text), quote=True).replace("\r\n", "\n").replace("\n", "<br>")
