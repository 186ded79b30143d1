import numpy as np
import pandas as pd

from helpers.report.charts import LIGHT_COLORS, LIGHTS
from helpers.report.tables import SHAPES, format_value, html_table, light, status_cell


def test_text_cells_are_escaped():
    df = pd.DataFrame({"narrative": ["<script>alert(1)</script>", 'a & "b"\n第二行']})
    out = html_table(df, columns={"narrative": "进展<情况>"})
    assert "<script" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "a &amp; &quot;b&quot;<br>第二行" in out
    assert "进展&lt;情况&gt;" in out


def test_numbers_percentages_and_missing():
    df = pd.DataFrame(
        {
            "unit": ["甲", "乙"],
            "actual": [12345.0, np.nan],
            "target": [15000, 200],
            "rate": [0.735, 1.2],
            "n": ["1234", ""],
        }
    )
    out = html_table(df, formats={"n": "int"})
    assert '<td class="num">12,345</td>' in out
    assert '<td class="num">15,000</td>' in out
    assert '<td class="num">73.5%</td>' in out
    assert '<td class="num">120.0%</td>' in out
    assert '<td class="num">1,234</td>' in out  # numeric text from a CSV read as str
    assert out.count("—") == 2
    assert '<th class="text" scope="col">unit</th>' in out and '<th class="num" scope="col">rate</th>' in out
    assert out.startswith('<table class="report-table short">') and "<thead>" in out and "<tbody>" in out


def test_only_short_tables_are_kept_whole_on_one_page():
    from helpers.report.tables import SHORT_ROWS

    short = html_table(pd.DataFrame({"单位": ["符离镇"] * SHORT_ROWS}))
    long = html_table(pd.DataFrame({"单位": ["符离镇"] * (SHORT_ROWS + 1)}))
    assert short.startswith('<table class="report-table short">')
    assert long.startswith('<table class="report-table">')
    from helpers.report.layout import report_css

    assert "table.short { break-inside: avoid; }" in report_css()


def test_format_value():
    assert format_value(1234.5, "num") == "1,234.5"
    assert format_value(0.12345, "pct") == "12.3%"
    assert format_value(0.5, "pct0") == "50%"
    assert format_value(2.0, "{:.2f}") == "2.00"
    assert (
        format_value(None) == "—" and format_value(float("nan"), "pct") == "—" and format_value(pd.NA) == "—"
    )
    assert format_value(pd.Timestamp("2019-12-31")) == "2019-12-31"
    assert format_value("<b>", lambda v: f"[{v}]") == "[&lt;b&gt;]"


def test_columns_order_caption_and_widths():
    df = pd.DataFrame({"a": [1], "b": ["x"], "c": [2]})
    out = html_table(df, columns={"c": "丙", "b": "乙"}, caption="表 1 <示例>", widths={"b": "40%"})
    assert out.index("丙") < out.index("乙") and ">a<" not in out
    assert "<caption>表 1 &lt;示例&gt;</caption>" in out
    assert '<col style="width:40%">' in out


def test_lights_have_distinct_shapes_and_the_palette_colours():
    assert len(set(SHAPES.values())) == 4
    for status, key in LIGHTS.items():
        mark = light(status)
        assert SHAPES[key] in mark and LIGHT_COLORS[key] in mark
    assert light("推进中") == "" and light(None) == ""
    assert (
        "●" in light("已完成")
        and "▲" in light("滞后")
        and "■" in light("逾期未完成")
        and "○" in light("未报送")
    )


def test_status_cell_in_table():
    df = pd.DataFrame({"status": ["严重滞后", "<i>x</i>", None]})
    out = html_table(df, columns={"status": "状态"}, status_col="status")
    assert "■</span>\u2009严重滞后" in out
    assert "&lt;i&gt;x&lt;/i&gt;" in out
    assert status_cell(None) == "—"
    assert 'class="status"' in out


def test_deterministic():
    df = pd.DataFrame({"unit": ["甲"], "rate": [0.5], "status": ["滞后"]})
    assert html_table(df, status_col="status") == html_table(df, status_col="status")


def test_every_column_gets_a_width_from_its_content():
    from helpers.report.tables import column_widths, display_width

    assert display_width("符离镇ab") == 8
    body = [["符离镇", "12,000", "报送文件中“累计完成值”一栏写的是文字“已完成”，不是数字"],
            ["大泽乡镇", "5", "负数"]]
    w = column_widths({"u": "单位", "v": "数值", "r": "原因"}, body, nowrap={"v"})
    pct = {c: float(x.rstrip("%")) for c, x in w.items()}
    assert abs(sum(pct.values()) - 100) < 0.5
    assert pct["r"] > pct["u"] > 0 and pct["v"] > 0
    given = column_widths({"u": "单位", "v": "数值", "r": "原因"}, body, nowrap={"v"}, given={"r": "50%"})
    assert given["r"] == "50%" and abs(sum(float(x.rstrip("%")) for x in given.values()) - 100) < 0.5
    html = __import__("helpers.report.tables", fromlist=["html_table"]).html_table(
        __import__("pandas").DataFrame({"单位": ["符离镇"], "原因": ["x"]}))
    assert html.count("<col style=\"width:") == 2


def test_a_figure_at_the_start_of_a_text_cell_never_wraps():
    """One long figure among short ones (a target of 15,000 beside 1s) widens its column to fit the figure,
    though text columns otherwise take their 90th-percentile length."""
    from helpers.report.tables import column_widths

    cols = {"a": "指标", "b": "目标"}
    body = [["很长的指标名称很长的指标名称", "1"]] * 19  # the 90th percentile of 20 rows is a short one
    short = column_widths(cols, body + [["x", "1"]], set())
    wide = column_widths(cols, body + [["x", "15,000（含沿用上期3个单位）"]], set())
    assert float(wide["b"].rstrip("%")) > float(short["b"].rstrip("%"))
    # the figure's 6 characters plus padding: at least 8 of the 28 + 8 weight units
    assert float(wide["b"].rstrip("%")) >= 100 * 8 / (28 + 2 + 8) - 0.1


def test_given_widths_still_leave_a_figure_and_a_short_word_on_one_line():
    """A notebook's given widths are a starting point: a target of 300,000 in a column given 8%, or 个单位 in a
    计量单位 column given 6%, gets room for itself (found by a new user's plan), taken from the columns that may
    wrap, which each keep at least their header's longest word; widths that fit are kept as given."""
    from helpers.report.tables import LINE_UNITS, column_widths, display_width

    cols = {"n": "指标", "u": "计量单位", "t": "目标", "s": "牵头单位"}
    given = {"n": "40%", "u": "6%", "t": "8%", "s": "46%"}
    fits = [["农村电商网络零售额", "万元", "24,000", "市商务局"]]
    assert column_widths(cols, fits, set(), given) == given  # nothing needs more: unchanged, byte for byte
    body = fits + [["网店开办补贴发放金额", "个单位", "300,000", "各镇人民政府、各街道办事处"]]
    pct = {c: float(w.rstrip("%")) for c, w in column_widths(cols, body, set(), given).items()}
    assert abs(sum(pct.values()) - 100) < 0.5
    assert pct["t"] >= (display_width("300,000") + 2) * 100 / LINE_UNITS - 0.05
    assert pct["u"] >= (display_width("个单位") + 2) * 100 / LINE_UNITS - 0.05
    assert pct["n"] < 40 and pct["s"] < 46 and min(pct["n"], pct["s"]) >= (8 + 2) * 100 / LINE_UNITS - 0.05


def test_a_column_that_gives_room_keeps_its_own_figures():
    """Widening one column must not narrow another below its own figures (15,000 in 目标 broke that way)."""
    from helpers.report.tables import LINE_UNITS, column_widths, display_width

    cols = {"n": "指标", "u": "计量单位", "t": "目标"}
    given = {"n": "86%", "u": "6%", "t": "8%"}
    body = [["农村产品网络销售额", "个单位", "15,000"]]
    pct = {c: float(w.rstrip("%")) for c, w in column_widths(cols, body, set(), given).items()}
    assert pct["t"] >= (display_width("15,000") + 2) * 100 / LINE_UNITS - 0.05
    assert pct["u"] >= (display_width("个单位") + 2) * 100 / LINE_UNITS - 0.05


def test_a_percentage_gets_room_for_its_wide_sign():
    from helpers.report.tables import LINE_UNITS, column_widths

    cols = {"n": "指标", "t": "目标"}
    pct = {c: float(w.rstrip("%")) for c, w in
           column_widths(cols, [["行政村通快递率", "100.0%"]], set(), {"n": "92%", "t": "8%"}).items()}
    assert pct["t"] >= (len("100.0%") + 1 + 2) * 100 / LINE_UNITS - 0.05  # "%" counts two


def test_a_run_of_letters_and_digits_gets_its_width():
    """The appendix's input files: long file names and units, and a 16-character digest that cannot break; the
    digest column gets room for it (it ran past the table's border with a plan's long unit names)."""
    import re

    from helpers.report.tables import LINE_UNITS

    units = ["县大数据发展和政务服务管理中心", "县农业农村局", "白鹭洲镇", "黄柏岭回族土家族乡", "县交通运输局"] * 3
    frame = pd.DataFrame({"file": [f"{u}_2022Q2.xlsx" for u in units], "unit": units, "result": ["已读取"] * 15,
                          "counts": ["16/0/5"] * 15, "sha": ["b856ff305b869321"] * 15})
    out = html_table(frame, status_col=None)
    widths = [float(w) for w in re.findall(r'<col style="width:([\d.]+)%"', out)]
    assert widths[-1] >= (16 + 2) * 100 / LINE_UNITS  # the digest and the cell's padding
    assert widths[0] >= (len("_2022Q2.xlsx") + 2) * 100 / LINE_UNITS  # a file name's unbreakable end
    assert abs(sum(widths) - 100) < 0.5
