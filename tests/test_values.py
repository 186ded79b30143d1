"""Parsing cell values: numbers as text, units, statuses, milestones, dates."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.contract.values import (
    CellError,
    Reject,
    UncachedFormula,
    cell_text,
    measure_unit,
    parse_date,
    parse_milestone,
    parse_number,
    parse_ratio,
    parse_status,
    parse_value,
)


@pytest.mark.parametrize("cell, unit, value, approximate", [
    ("1,234.5", "万元", 1234.5, False),
    ("１２３", "个", 123, False),
    ("１，２３４．５", "万元", 1234.5, False),
    ("约300", "个", 300, True),
    ("300左右", "人", 300, True),
    ("约 300 个左右", "个", 300, True),
    ("1.2亿元", "万元", 12000, False),
    ("1.2亿", "万元", 12000, False),
    ("350000元", "万元", 35, False),
    ("120万元", "万元", 120, False),
    ("12个", "个", 12, False),
    ("3.5公里", "公里", 3.5, False),
    ("5 场", "场", 5, False),
    ("80人", "人", 80, False),
    ("无", "个", 0, False),
    ("0", "个", 0, False),
    (0, "个", 0, False),
    (12.0, "个", 12, False),
    (7, "人", 7, False),
    ("1e3", "人", 1000, False),
])
def test_numbers_as_units_write_them(cell, unit, value, approximate):
    assert parse_value(cell, unit) == (value, approximate)


@pytest.mark.parametrize("cell", [None, "", "   ", "\n", float("nan")])
def test_an_empty_cell_is_missing_never_zero(cell):
    assert parse_value(cell, "个") == (None, False)


@pytest.mark.parametrize("cell, unit, words", [
    ("-5", "个", ["-5", "负数"]),
    (-3.0, "个", ["-3", "负数"]),
    ("#DIV/0!", "个", ["#DIV/0!", "错误值"]),
    ("#REF!", "万元", ["#REF!"]),
    ("#VALUE!", "万元", ["#VALUE!"]),
    ("#N/A", "万元", ["#N/A"]),
    ("#NAME?", "万元", ["#NAME?"]),
    (CellError("#DIV/0!"), "个", ["#DIV/0!", "错误值"]),
    (UncachedFormula("SUM(F5:F9)"), "个", ["=SUM(F5:F9)", "没有保存计算结果"]),
    ("3公里", "万元", ["3公里", "公里", "万元", "无法换算"]),
    ("85%", "个", ["85%", "无法换算"]),
    ("已完成", "个", ["已完成", "不是数字", "进展状态"]),
    ("正在统计", "万元", ["正在统计", "不是数字"]),
    ("/", "个", ["/", "填 0", "不要空着"]),  # as the form's 填报说明 says
    ("1,5", "个", ["1,5", "不是数字"]),
    (True, "个", ["TRUE", "逻辑值"]),
    (dt.date(2020, 1, 8), "个", ["2020-01-08", "日期"]),
])
def test_rejects_name_the_value(cell, unit, words):
    with pytest.raises(Reject) as exc:
        parse_value(cell, unit)
    for word in words:
        assert word in str(exc.value)


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_and_full_width_digits(n):
    plain = f"{n:,}"
    full = plain.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))
    assert parse_value(plain, "个") == (n, False)
    assert parse_value(full, "个") == (n, False)
    assert parse_value(f"约{plain}", "个") == (n, True)


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False))
def test_money_in_yuan_and_yi_converts_to_wan(d):
    wan = float(d)
    assert parse_value(f"{d}万元", "万元")[0] == pytest.approx(wan)
    assert parse_value(f"{d * 10000}元", "万元")[0] == pytest.approx(wan)
    assert parse_value(f"{d / 10000}亿元", "万元")[0] == pytest.approx(wan)


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_numbers_round_trip_through_their_text(x):
    assert parse_number(repr(x)).value == x
    assert parse_number(x).value == x


@given(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_negative_numbers_are_rejects(x):
    with pytest.raises(Reject, match="负数"):
        parse_number(x)
    with pytest.raises(Reject, match="负数"):
        parse_number(repr(x))


def test_ratio_numerator_and_denominator_are_counts():
    assert parse_ratio(17, 20) == (17, 20, False)
    assert parse_ratio("17个", "20个") == (17, 20, False)
    assert parse_ratio(None, 20) == (None, 20, False)
    assert parse_ratio("约17", 20) == (17, 20, True)


def test_ratio_written_as_a_percent_of_the_denominator():
    assert parse_ratio("85%", 20) == (17, 20, False)
    assert parse_ratio("100%", 23) == (23, 23, False)
    with pytest.raises(Reject, match="85%.*不是整数"):
        parse_ratio("85%", 23)


@pytest.mark.parametrize("num, den, words", [
    (21, 20, ["21", "20", "大于"]),
    (5, None, ["5", "缺少基数"]),
    (5, 0, ["基数为 0"]),
    (5, "#REF!", ["#REF!"]),
    ("-1", 20, ["-1", "负数"]),
    (0.85, 20, ["0.85", "不是整数", "行政村个数"]),  # 85% formatted as a number in a count cell
    (17, 20.5, ["20.5", "基数", "不是整数"]),
])
def test_ratio_rejects(num, den, words):
    with pytest.raises(Reject) as exc:
        parse_ratio(num, den)
    for word in words:
        assert word in str(exc.value)


@pytest.mark.parametrize("cell, status", [
    ("未启动", "未启动"), ("推进中", "推进中"), ("已完成", "已完成"), ("进行中", "推进中"), ("完成", "已完成"),
    (" 已 完成 ", "已完成"), (None, None), ("", None),
])
def test_status_words(cell, status):
    assert parse_status(cell) == status


def test_unknown_status_is_a_reject_naming_it():
    with pytest.raises(Reject, match="基本完成"):
        parse_status("基本完成")


@pytest.mark.parametrize("cell, status, done", [
    ("是", None, 1.0), ("否", None, 0.0), ("已完成", None, 1.0), ("完成", None, 1.0), ("未完成", None, 0.0),
    (1, None, 1.0), (0.0, None, 0.0), ("1", None, 1.0), (True, None, 1.0),
    (None, "已完成", 1.0), (None, "推进中", 0.0), (None, None, None), ("是", "已完成", 1.0),
])
def test_milestones(cell, status, done):
    assert parse_milestone(cell, status) == done


@pytest.mark.parametrize("cell, status, word", [("也许", None, "也许"), (2, None, "2"), ("是", "未启动", "矛盾")])
def test_milestone_rejects(cell, status, word):
    with pytest.raises(Reject, match=word):
        parse_milestone(cell, status)


@pytest.mark.parametrize("cell", [
    dt.date(2020, 1, 8), dt.datetime(2020, 1, 8, 9, 30), "2020-01-08", "2020年1月8日", "2020 年 1 月 8 日",
    "2020/1/8", "2020.1.8", "20200108", 43838.0, "２０２０－０１－０８",
])
def test_dates(cell):
    assert parse_date(cell) == dt.date(2020, 1, 8)


@pytest.mark.parametrize("cell", ["2020-13-01", "一月八日", 12.0])
def test_bad_dates_are_rejects(cell):
    with pytest.raises(Reject, match="填报日期"):
        parse_date(cell)


def test_cell_text_shows_values_as_written():
    assert cell_text(12.0) == "12"
    assert cell_text(1234.5) == "1234.5"
    assert cell_text(dt.date(2020, 1, 8)) == "2020-01-08"
    assert cell_text(None) == ""
    assert cell_text(" 已完成 ") == "已完成"


@pytest.mark.parametrize("written, unit", [
    ("万元（人民币）", "万元"), ("元", "元"), ("km", "KM"), (" 公里 ", "公里"), ("亿", "亿元"), ("％", "%"),
    ("个（家）", "个"), ("个/村", ""), ("人次", ""), ("—", ""), (None, ""),
])
def test_measure_unit_names_a_unit_or_nothing(written, unit):
    assert measure_unit(written) == unit


@pytest.mark.parametrize("cell, unit, value", [
    ("16.5万元", "元", 165000.0),  # the tester's 澜州 T06: 计量单位 元, written in 万元
    ("16.5万", "元", 165000.0),
    ("1.2亿元", "元", 120000000.0),
    ("3千元", "元", 3000.0),
    ("165000元", "元", 165000.0),
    ("3500万元", "亿元", 0.35),
    ("2亿", "亿元", 2.0),
    ("150000000元", "亿元", 1.5),
    ("350000元", "万元", 35.0),
    ("1.2亿元", "万元", 12000.0),
])
def test_yuan_wan_yi_convert_both_ways(cell, unit, value):
    """docs/plans.md: 元/万元/亿元 convert without a measures.csv, whichever of them is the indicator's unit."""
    assert parse_value(cell, unit) == (value, False)
