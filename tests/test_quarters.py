import datetime as dt

import pytest

from helpers.plan.quarters import find_quarter, parse_quarter, quarter_end, quarter_label, quarter_start


@pytest.mark.parametrize("text", ["2019Q4", "2019-Q4", "2019q4", "2019年第四季度", "2019年四季度", "2019年第4季度",
                                  "２０１９年第四季度", "2019年4季度", "2019.Q4", "2019年Q4", "2019年度第四季度",
                                  "2019年10-12月", " 2019Q4 "])
def test_spellings_of_one_quarter(text):
    assert parse_quarter(text) == "2019Q4"


@pytest.mark.parametrize("text", ["2019Q5", "2019年第五季度", "2019年11-12月", "2019年10-11月", "第四季度", "Q4", "", None,
                                  "2019年10月"])
def test_not_a_quarter(text):
    assert parse_quarter(text) is None


def test_found_inside_names_and_dates():
    assert find_quarter("符离镇_2020Q1.xlsx") == "2020Q1"
    assert find_quarter("符离镇进展填报表（2020年第一季度）") == "2020Q1"
    assert find_quarter("附件2") is None
    assert quarter_start("2019Q4") == dt.date(2019, 10, 1) and quarter_end("2019Q4") == dt.date(2019, 12, 31)
    assert quarter_end("2020Q1") == dt.date(2020, 3, 31) and quarter_label("2020Q1") == "2020年第一季度"
