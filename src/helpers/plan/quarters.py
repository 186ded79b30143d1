"""Reporting quarters: spellings units use, and their dates.

A quarter and the evaluation date are parsed once, at the edge (a CLI argument, a notebook's
parameter), into typed values that flow through the run: `Quarter` ('2019Q4', with its year, number,
start, end, label and previous()) and `Period` (the quarter and its evaluation date). `as_of_date` is
the one place the default evaluation date (the quarter's last day) is decided.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from helpers.plan.reference import nfkc

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


class Quarter(str):
    """A reporting quarter, always written '2019Q4' (so it is the same text in every file name, CSV
    cell and JSON value it reaches), with its dates. Built from any spelling `parse_quarter` knows;
    anything else is a ValueError in Chinese. Immutable; ordered as time runs (2019Q4 < 2020Q1);
    Quarter(str(q)) == q."""

    __slots__ = ()

    def __new__(cls, text: object) -> Quarter:
        if type(text) is cls:
            return text
        q = _canonical(text) if isinstance(text, str) else parse_quarter(text)
        if q is None:
            raise ValueError(f"报告期“{text}”无法识别，请写作 2019Q4")
        return super().__new__(cls, q)

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        """The quarter a day falls in."""
        return cls(f"{day.year}Q{(day.month - 1) // 3 + 1}")

    @property
    def year(self) -> int:
        return int(self[:4])

    @property
    def number(self) -> int:
        return int(self[5])

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        nxt = dt.date(self.year + (self.number == 4), 1 if self.number == 4 else 3 * self.number + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """'2019Q4' → '2019年第四季度'."""
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"

    def previous(self) -> Quarter:
        return Quarter(f"{self.year - 1}Q4" if self.number == 1 else f"{self.year}Q{self.number - 1}")

    def next(self) -> Quarter:
        return Quarter(f"{self.year + 1}Q1" if self.number == 4 else f"{self.year}Q{self.number + 1}")


@functools.lru_cache(maxsize=512)
def _canonical(text: str) -> str | None:
    return parse_quarter(text)  # cached: plain '2019Q4' texts from data frames are many, and few distinct


def parse_date(text: object, what: str = "评估日期") -> dt.date | None:
    """A date given at the edge (a date, 'YYYY-MM-DD', or ''/None for none); else a ValueError in Chinese."""
    if text is None or isinstance(text, dt.date) and not isinstance(text, dt.datetime):
        return text
    if isinstance(text, str):
        if not text.strip():
            return None
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            pass
    raise ValueError(f"{what}“{text}”无法识别，请写作 YYYY-MM-DD（如 2020-01-10）")


def as_of_date(quarter: object, as_of: object = None) -> dt.date:
    """The evaluation date: the one given, else the quarter's last day (the one place of that default)."""
    return parse_date(as_of) or Quarter(quarter).end


@dataclass(frozen=True)
class Period:
    """What a run evaluates: the quarter and the evaluation date beside it."""

    quarter: Quarter
    as_of: dt.date

    @classmethod
    def parse(cls, quarter: object, as_of: object = None) -> Period:
        """The edge: a CLI argument or notebook parameters (text) → typed values, parsed once here."""
        q = Quarter(quarter)
        return cls(q, as_of_date(q, as_of))


def reporting_deadline(quarter: object, params) -> dt.date:
    """The last day a unit's file counts as on time: the quarter's end + params.late_report_days
    (docs/plan_life.md). The one place of that rule: evaluation, reminders, notices and forms ask here."""
    return Quarter(quarter).end + dt.timedelta(days=params.late_report_days)


def quarter_start(quarter: str) -> dt.date:
    return Quarter(quarter).start


def quarter_end(quarter: str) -> dt.date:
    return Quarter(quarter).end


def quarter_label(quarter: str) -> str:
    """'2019Q4' → '2019年第四季度'."""
    return Quarter(quarter).label


def quarter_of(day: dt.date) -> str:
    return Quarter.of(day)


def present(data_dir, upto: str, inclusive: bool = True, stage: str = "raw") -> list[str]:
    """The quarters with a folder under DATA/<stage>/ (raw submissions, or processed data with its
    submissions.csv), oldest first, up to UPTO. The one definition every step uses."""
    from pathlib import Path

    from helpers.contract import datasets
    from helpers.contract.paths import processed_root

    root = processed_root(data_dir) if stage == "processed" else Path(data_dir) / stage
    if not root.is_dir():
        return []
    names = (p.name for p in root.iterdir() if p.is_dir() and parse_quarter(p.name) == p.name
             and (stage == "raw" or datasets.exists(p, datasets.SUBMISSIONS)))
    return sorted(q for q in names if q < upto or (inclusive and q == upto))


def validate(quarter: str) -> Quarter:
    """The quarter as a `Quarter` (an unknown spelling is a ValueError in Chinese)."""
    return Quarter(quarter)
