"""Numbers as Chinese offices write them in sentences (docs/outputs.md): 1亿元 or more in 亿元 (1.06亿元),
less in 万元 (644.5万元); counts with their measure (12个); rates with one decimal (71.0%)."""

from __future__ import annotations

import math

YI = 10000  # 万元 in one 亿元


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount(x: float | None, unit: str = "万元") -> str:
    """An amount in a sentence: 10644.5 (万元) → 1.06亿元; 644.5 → 644.5万元; 9000 → 9000万元;
    in 元: 85000 → 8.5万元, 300000000 → 3亿元, 9800 → 9,800元."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if unit == "元":  # 元 as offices write it: 8.5万元 from 10,000元, 1.2亿元 from 1亿元 (docs/outputs.md)
        if abs(x) >= YI * YI:
            return f"{_trim(f'{x / (YI * YI):.2f}')}亿元"
        if abs(x) >= YI:
            return f"{_trim(f'{x / YI:.1f}')}万元"
        return count(x, unit)
    if unit != "万元":
        return count(x, unit)
    if abs(x) >= YI:
        return f"{_trim(f'{x / YI:.2f}')}亿元"
    return f"{_trim(f'{x:.1f}')}万元"


def count(x: float | None, measure: str = "") -> str:
    """A count with its measure: 12个, 480公里, 1,250人."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else _trim(f"{x:,.1f}")
    return f"{text}{measure}"


def rate(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.1%}"
