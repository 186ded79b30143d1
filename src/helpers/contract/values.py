"""Cell values of a submission, parsed: numbers written as text, money units, statuses, milestones, dates.

Pure functions. A value that cannot be accepted raises Reject with a Chinese reason that names the
value; an empty cell is missing (None), never 0.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

STATUSES = ("未启动", "推进中", "已完成")
_STATUS_WORDS = {"未启动": "未启动", "未开始": "未启动", "推进中": "推进中", "进行中": "推进中",
                 "已完成": "已完成", "完成": "已完成"}
_MILESTONE_WORDS = {"是": 1.0, "已完成": 1.0, "完成": 1.0, "1": 1.0,
                    "否": 0.0, "未完成": 0.0, "0": 0.0}
ZERO_WORDS = ("无",)

# The units a number may carry in its cell, and what one of them is worth in the indicator's unit.
# Key: the indicator's unit; value: {unit written in the cell: factor}.
CONVERSIONS: dict[str, dict[str, float]] = {
    "万元": {"万元": 1.0, "万": 1.0, "元": 1e-4, "千元": 0.1, "亿元": 1e4},
    # 元/万元/亿元 convert both ways (docs/plans.md): 16.5万元 is 165000 元, 3500万元 is 0.35 亿元.
    "元": {"元": 1.0, "千元": 1e3, "万元": 1e4, "万": 1e4, "亿元": 1e8},
    "亿元": {"亿元": 1.0, "万元": 1e-4, "万": 1e-4, "千元": 1e-5, "元": 1e-8},
    "个": {"个": 1.0, "家": 1.0, "项": 1.0, "村": 1.0},
    "人": {"人": 1.0, "名": 1.0},
    "场": {"场": 1.0, "次": 1.0},
    "公里": {"公里": 1.0, "千米": 1.0, "KM": 1.0, "米": 1e-3},
    "%": {"%": 1.0},
}
BASE_CONVERSIONS = {unit: dict(table) for unit, table in CONVERSIONS.items()}


def _cell_units() -> list[str]:
    # Longest first, so 万元 is not read as 元.
    return sorted({u for table in CONVERSIONS.values() for u in table} | {"亿", "万"}, key=len, reverse=True)


_CELL_UNITS = _cell_units()


def use_measures(extra: dict[str, dict[str, float]], own_units: set[str] = frozenset()) -> None:
    """The conversions of the plan in use: the common ones above, the plan's measures.csv, and each
    indicator's own unit read as itself (a plan counting 人次 reads "2600人次"). Replaces, never
    accumulates, so one plan's measures do not leak into the next."""
    global _CELL_UNITS
    table = {unit: dict(t) for unit, t in BASE_CONVERSIONS.items()}
    for unit in sorted(u for u in own_units if u):
        table.setdefault(unit, {}).setdefault(unit, 1.0)
    for unit, t in extra.items():
        table.setdefault(unit, {unit: 1.0}).update(t)
    CONVERSIONS.clear()
    CONVERSIONS.update(table)
    _CELL_UNITS = _cell_units()

COUNT_UNIT = "个"  # numerator and denominator of a ratio are counts (行政村数)

EXCEL_ERRORS = ("#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!")
_ERROR_RE = re.compile(r"^#(?:[A-Z]+[/0-9]*[!?]|N/A)$")
_APPROX_PREFIX = ("大约", "约")
_APPROX_SUFFIX = ("左右",)
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PLAIN_RE = re.compile(r"^(?:\d+(?:\.\d*)?|\.\d+)(?:E[+-]?\d+)?$", re.I)
_MINUS = ("-", "\u2212", "\u2013", "\u2014\u2014")


class Reject(ValueError):
    """A cell value that cannot be accepted; str(exc) is the reason in Chinese."""


@dataclass(frozen=True)
class CellError:
    """An Excel error value (#DIV/0!, #REF!, …) found in the file, and its cell ('F5')."""
    code: str
    ref: str = ""

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class UncachedFormula:
    """A formula cell saved without its computed value (the file was never opened and saved in Excel)."""
    formula: str
    ref: str = ""

    def __str__(self) -> str:
        return f"={self.formula}"


@dataclass(frozen=True)
class Number:
    value: float
    approximate: bool = False
    unit: str = ""  # the unit written in the cell, '' if none


# ---------------------------------------------------------------- cells as text


def is_blank(cell: object) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and not cell.strip()


def clean_text(cell: object) -> str:
    """Full-width to half-width, all whitespace (spaces, line breaks) removed."""
    return "".join(unicodedata.normalize("NFKC", str(cell)).split())


def cell_text(cell: object) -> str:
    """How a cell is shown in a message or in rejects.csv: 12.0 → '12', a date → '2020-01-08'."""
    if is_blank(cell):
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return f"{cell:.10g}" if math.isfinite(cell) else str(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ") if cell.time() != dt.time() else cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def excel_error(cell: object) -> str | None:
    """The Excel error code a cell holds (as an error value or as text), else None."""
    if isinstance(cell, CellError):
        return cell.code
    if isinstance(cell, str):
        text = clean_text(cell).upper()
        if text in EXCEL_ERRORS or _ERROR_RE.match(text):
            return text
    return None


def _check_special(cell: object, what: str) -> None:
    where = f"（单元格 {cell.ref}）" if isinstance(cell, CellError | UncachedFormula) and cell.ref else ""
    if isinstance(cell, UncachedFormula):
        raise Reject(f"{what}{where}是公式“{cell}”但没有保存计算结果，请在 Excel 或 WPS 中打开、重新计算并保存后再报送")
    code = excel_error(cell)
    if code:
        raise Reject(f"{what}{where}是 Excel 错误值“{code}”（公式出错），请改正后填写数值")


# ---------------------------------------------------------------- numbers


def parse_number(cell: object, what: str = "累计完成值") -> Number | None:
    """A number as written in a cell: None if empty; Reject if it is not a non-negative number.

    Accepts numbers and text such as '1,234.5', '１２３', '约300', '300左右', '1.2亿元', '85%', '无'.
    `what` names the column in the reason.
    """
    if is_blank(cell):
        return None
    _check_special(cell, what)
    if isinstance(cell, bool):
        raise Reject(f"{what}“{cell_text(cell)}”是逻辑值，不是数字")
    if isinstance(cell, dt.date | dt.time | dt.timedelta):
        raise Reject(f"{what}“{cell_text(cell)}”是日期或时间，不是数字（请检查单元格格式）")
    if isinstance(cell, int | float):
        return _finite(float(cell), cell_text(cell), what, Number(float(cell)))
    return _parse_text(str(cell), what)


def _finite(value: float, raw: str, what: str, number: Number) -> Number:
    if not math.isfinite(value):
        raise Reject(f"{what}“{raw}”不是有效数字")
    if value < 0:
        raise Reject(f"{what}“{raw}”为负数，累计值不能为负")
    return number


def _parse_text(raw: str, what: str) -> Number:
    text = clean_text(raw).replace("，", ",").replace("。", ".")
    shown = raw.strip()
    approximate = False
    for prefix in _APPROX_PREFIX:
        if text.startswith(prefix):
            text, approximate = text[len(prefix):], True
            break
    for suffix in _APPROX_SUFFIX:
        if text.endswith(suffix):
            text, approximate = text[: -len(suffix)], True
    if text in ZERO_WORDS:
        return Number(0.0, approximate)
    unit = next((u for u in _CELL_UNITS if text.upper().endswith(u)), "")
    digits = text[: len(text) - len(unit)] if unit else text
    negative = digits.startswith(_MINUS)
    if negative:
        digits = digits.lstrip("".join(_MINUS))
    if _THOUSANDS_RE.match(digits):
        digits = digits.replace(",", "")
    if not _PLAIN_RE.match(digits):
        raise Reject(_not_a_number(shown, what))
    value = float(digits)
    if negative and value != 0:
        raise Reject(f"{what}“{shown}”为负数，累计值不能为负")
    unit = {"亿": "亿元"}.get(unit, unit)
    return _finite(value, shown, what, Number(value, approximate, unit))


def _not_a_number(shown: str, what: str) -> str:
    status = parse_status_word(shown)
    if status:
        return f"{what}“{shown}”不是数字（进展状态请填在“进展状态”栏）"
    if clean_text(shown) in ("/", "-", "—", "——", "\\", "N/A", "NA"):
        return f"{what}“{shown}”不是数字：没有发生请填 0 或“无”，不要空着（空着按未填写计）"
    return f"{what}“{shown}”不是数字"


_MEASURE_BRACKETS_RE = re.compile(r"[(（【\[][^)）】\]]*[)）】\]]")


def measure_unit(cell: object) -> str:
    """The unit a 计量单位 cell names, as a number's cell unit: '万元（人民币）' → '万元', 'km' → 'KM',
    '元' → '元'; '' for a note that names no unit this module converts ('个/村', '人次', '—')."""
    if is_blank(cell):
        return ""
    text = _MEASURE_BRACKETS_RE.sub("", clean_text(cell))
    for unit in (text, text.upper()):
        if unit in _CELL_UNITS:
            return {"亿": "亿元"}.get(unit, unit)
    return ""


def convert(number: Number, to_unit: str, what: str = "累计完成值", raw: str = "") -> float:
    """The number in the indicator's unit: '1.2亿元' → 12000 (万元), '350000元' → 35 (万元)."""
    if not number.unit or number.unit == to_unit:
        return number.value
    factor = CONVERSIONS.get(to_unit, {}).get(number.unit)
    if factor is None and number.unit == "万" and to_unit in CONVERSIONS and to_unit != "%":
        factor = 1e4  # 1.2万 (人) = 12000 人
    if factor is None:
        target = f"该指标的计量单位为“{to_unit}”" if to_unit else "该指标没有计量单位"
        raise Reject(f"{what}“{raw or f'{number.value:g}{number.unit}'}”的单位“{number.unit}”无法换算（{target}）")
    return _tidy(number.value * factor)


def _tidy(value: float) -> float:
    """Drop binary noise from a unit conversion: 1.2 * 1e4 → 12000.0, not 11999.999999999998."""
    return float(f"{value:.12g}")


def parse_value(cell: object, unit: str, what: str = "累计完成值") -> tuple[float | None, bool]:
    """(value in the indicator's unit or None if empty, approximate)."""
    number = parse_number(cell, what)
    if number is None:
        return None, False
    return convert(number, unit, what, cell_text(cell)), number.approximate


def parse_ratio(numerator: object, denominator: object, whole: bool = True,
                unit: str = COUNT_UNIT) -> tuple[float | None, float | None, bool]:
    """(numerator, denominator, approximate) of a ratio indicator; both are counts (行政村数).

    A percentage in 累计完成值 ('85%') is taken as a share of 基数 only where that gives a whole
    number of villages (85% of 20 = 17); otherwise it is a reject. A numerator without 基数, or a
    numerator above it, is a reject. With whole=False (indicators.csv ratio_of: amount) the parts are
    amounts in UNIT (a share of sales): any non-negative number, converted like any amount.
    """
    unit = unit if not whole else COUNT_UNIT
    den_number = parse_number(denominator, "基数")
    den = None if den_number is None else convert(den_number, unit, "基数", cell_text(denominator))
    if whole:
        _whole(den, "基数", cell_text(denominator))
    num_number = parse_number(numerator)
    if num_number is None:
        return None, den, den_number.approximate if den_number else False
    approximate = num_number.approximate or bool(den_number and den_number.approximate)
    raw = cell_text(numerator)
    if den is None:
        raise Reject(f"比率指标缺少基数{'（行政村数）' if whole else ''}：累计完成值“{raw}”没有对应的基数")
    if den == 0:
        raise Reject(f"比率指标的基数为 0：累计完成值“{raw}”，基数“{cell_text(denominator)}”")
    if num_number.unit == "%":
        share = num_number.value / 100 * den
        if not whole:
            share = _tidy(share)
        elif abs(share - round(share)) > 1e-6:
            raise Reject(f"比率指标的累计完成值应填写行政村数（分子）；“{raw}”×基数 {den:g} = {share:g}，"
                         "不是整数，无法换算")
        num = float(round(share)) if whole else share
    else:
        num = convert(num_number, unit, "累计完成值", raw)
        if whole:
            _whole(num, "累计完成值", raw)
    if num > den:
        raise Reject(f"比率指标的分子大于基数：累计完成值“{raw}”> 基数“{cell_text(denominator)}”")
    return num, den, approximate


def _whole(count: float | None, what: str, raw: str) -> None:
    """Both parts of a ratio count villages: 0.85 is a rate typed into a count (85% formatted as a number)."""
    if count is not None and abs(count - round(count)) > 1e-9:
        raise Reject(f"比率指标的{what}“{raw}”不是整数：应填写行政村个数（如通快递行政村数），不是比率")


# ---------------------------------------------------------------- statuses and milestones


def parse_status_word(cell: object) -> str | None:
    """未启动 / 推进中 / 已完成 for a recognised word (进行中 → 推进中, 完成 → 已完成), else None."""
    if is_blank(cell) or not isinstance(cell, str):
        return None
    return _STATUS_WORDS.get(clean_text(cell))


def parse_status(cell: object) -> str | None:
    """The status of a row: None if empty; Reject for a word that is not a status."""
    if is_blank(cell):
        return None
    _check_special(cell, "进展状态")
    status = parse_status_word(cell)
    if status is None:
        raise Reject(f"进展状态“{cell_text(cell)}”无法识别，应为 {'/'.join(STATUSES)}")
    return status


def parse_milestone(cell: object, status: str | None) -> float | None:
    """1.0 done / 0.0 not done, from 是/否 (also 已完成/完成/未完成/1/0) or, if empty, from the status."""
    if is_blank(cell):
        if status is None:
            return None
        return 1.0 if status == "已完成" else 0.0
    _check_special(cell, "累计完成值")
    if isinstance(cell, bool):
        done = float(cell)
    elif isinstance(cell, int | float) and float(cell) in (0.0, 1.0):
        done = float(cell)
    else:
        done = _MILESTONE_WORDS.get(clean_text(cell)) if isinstance(cell, str) else None
        if done is None:
            raise Reject(f"里程碑指标的累计完成值“{cell_text(cell)}”无法识别，应为“是”或“否”")
    if status is not None and (done == 1.0) != (status == "已完成"):
        raise Reject(f"累计完成值“{cell_text(cell)}”与进展状态“{status}”矛盾")
    return done


# ---------------------------------------------------------------- dates

_DATE_RES = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]?\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(cell: object) -> dt.date | None:
    """A 填报日期: an Excel date, '2020-01-08', '2020年1月8日', '2020/1/8' or an Excel day number."""
    if is_blank(cell):
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if 36526 <= cell < 54789:  # 2000-01-01 … 2049-12-31 as Excel day numbers
            return _EXCEL_EPOCH + dt.timedelta(days=int(cell))
        raise Reject(f"填报日期“{cell_text(cell)}”无法识别")
    text = clean_text(cell)
    for pattern in _DATE_RES:
        m = pattern.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise Reject(f"填报日期“{cell_text(cell)}”无法识别，应写作 2020-01-08 或 2020年1月8日")
