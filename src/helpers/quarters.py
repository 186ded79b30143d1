"""Reporting quarters: spellings units use, and their dates."""

from __future__ import annotations

import datetime as dt
import re

from .reference import nfkc

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER = r"(\d{4})(?:年度?)?[-_. ]?Q([1-4])"  # 2019Q4 2019-Q4 2019.Q4 2019年Q4
_CN_QUARTER = r"(\d{4})年?度?第?([一二三四1-4])季度"  # 2019年第四季度 2019年四季度 2019年度第4季度
_MONTHS = r"(\d{4})年(\d{1,2})[-—–~至到](\d{1,2})月"  # 2019年10-12月, when the months are one quarter


def parse_quarter(text: object) -> str | None:
    """'2019Q4', '2019-Q4', '2019年第四季度', '2019年四季度', '2019年第4季度' (and 2019.Q4, 2019年Q4,
    2019年度第四季度, 2019年10-12月) → '2019Q4'; anything else → None."""
    if text is None:
        return None
    s = nfkc(str(text)).upper()
    for pattern in (_QUARTER, _CN_QUARTER + "?", _MONTHS):
        if re.fullmatch(pattern, s):
            return find_quarter(s)
    return None


def find_quarter(text: str) -> str | None:
    """A quarter written anywhere inside a longer text (a file name, a title)."""
    s = nfkc(text).upper()
    m = re.search(_QUARTER, s) or re.search(_CN_QUARTER, s)
    if m:
        return f"{m.group(1)}Q{_CN_DIGITS[m.group(2)]}"
    m = re.search(_MONTHS, s)
    if m:
        first, last = int(m.group(2)), int(m.group(3))
        if 1 <= first <= 12 and last == first + 2 and first % 3 == 1:
            return f"{m.group(1)}Q{(first - 1) // 3 + 1}"
    return None


def quarter_start(quarter: str) -> dt.date:
    year, q = int(quarter[:4]), int(quarter[5])
    return dt.date(year, 3 * q - 2, 1)


def quarter_end(quarter: str) -> dt.date:
    year, q = int(quarter[:4]), int(quarter[5])
    nxt = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return nxt - dt.timedelta(days=1)


def quarter_label(quarter: str) -> str:
    """'2019Q4' → '2019年第四季度'."""
    return f"{quarter[:4]}年第{'一二三四'[int(quarter[5]) - 1]}季度"


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def present(data_dir, upto: str, inclusive: bool = True, stage: str = "raw") -> list[str]:
    """The quarters with a folder under DATA/<stage>/ (raw submissions, or processed data with its
    submissions.csv), oldest first, up to UPTO. The one definition every step uses."""
    from pathlib import Path

    from . import datasets
    from .paths import processed_root

    root = processed_root(data_dir) if stage == "processed" else Path(data_dir) / stage
    if not root.is_dir():
        return []
    names = (p.name for p in root.iterdir() if p.is_dir() and parse_quarter(p.name) == p.name
             and (stage == "raw" or datasets.exists(p, datasets.SUBMISSIONS)))
    return sorted(q for q in names if q < upto or (inclusive and q == upto))


def validate(quarter: str) -> str:
    q = parse_quarter(quarter)
    if q is None:
        raise ValueError(f"报告期“{quarter}”无法识别，请写作 2019Q4")
    return q
