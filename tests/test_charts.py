import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager
from matplotlib.colors import to_rgb

from helpers.report import charts

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def style():
    return charts.setup_style()


def _counts():
    return pd.Series({"序时推进": 7, "已完成": 5, "滞后": 3, "严重滞后": 2, "未报送": 1, "数据冲突": 1})


def _rates():
    rng = np.random.default_rng(0)
    units = ["蒿沟乡", "朱仙庄镇", "符离镇", "三八街道"]
    rates = pd.DataFrame(
        rng.uniform(0, 1.4, (4, 5)), index=units, columns=["1.1", "1.2", "2.1", "3.1", "4.2"]
    )
    rates.iloc[1, 2] = np.nan
    return rates


def _scores():
    return pd.DataFrame(
        {
            "unit": ["蒿沟乡", "朱仙庄镇", "三八街道"],
            "score": [0.8, 0.55, 0.9],
            "peer_group": ["乡镇", "乡镇", "街道"],
        }
    )


def _trend():
    rows = [
        {
            "quarter": q,
            "indicator": code,
            "name": name,
            "actual": target * 0.3 * (k + 1),
            "target": target,
            "rate": 0.3 * (k + 1),
        }
        for code, name, target in [("1", "网络销售额新增（万元）", 15000), ("9", "村级服务站覆盖率", 1)]
        for k, q in enumerate(["2019Q4", "2020Q1"])
    ]
    return pd.DataFrame(rows)


CHARTS = {
    "status": lambda: charts.status_counts_bar(_counts()),
    "heatmap": lambda: charts.rate_heatmap(_rates()),
    "ranking": lambda: charts.score_ranking(_scores()),
    "trend": lambda: charts.trend_chart(_trend()),
}


def test_font_is_the_simplified_chinese_face(style):
    assert style == charts.CJK_FONT
    path = font_manager.findfont(
        font_manager.FontProperties(family=charts.CJK_FONT), fallback_to_default=False
    )
    assert "sc" in path.lower() and "jp" not in path.lower()


@pytest.mark.parametrize("name", CHARTS)
def test_chinese_labels_without_missing_glyphs(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = CHARTS[name]()
        svg = charts.to_svg(fig)
        charts.to_png(fig, dpi=50)
    problems = [str(w.message) for w in caught if "Glyph" in str(w.message) or "findfont" in str(w.message)]
    assert problems == []
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    titles = [ax.get_title() for ax in axes] + [fig._suptitle.get_text() if fig._suptitle else ""]
    assert any(CJK.search(t) for t in titles)
    assert all(CJK.search(ax.get_xlabel()) and CJK.search(ax.get_ylabel()) for ax in axes)
    legends = [ax.get_legend() for ax in axes] + list(fig.legends)
    legend_texts = [t.get_text() for lg in legends if lg for t in lg.get_texts()]
    assert legend_texts and all(CJK.search(t) for t in legend_texts)
    assert "<text" not in svg  # text drawn as paths: no font needed to view the SVG


@pytest.mark.parametrize("name", CHARTS)
def test_svg_and_png_are_deterministic(name):
    first = charts.to_svg(CHARTS[name]())
    second = charts.to_svg(CHARTS[name]())
    assert first == second
    assert "<dc:date>" not in first
    assert charts.to_png(CHARTS[name](), dpi=50) == charts.to_png(CHARTS[name](), dpi=50)


def test_charts_fit_the_page_width():
    for make in CHARTS.values():
        assert make().get_figwidth() <= 16.5 / 2.54


def test_status_palette_lights_differ_in_lightness():
    assert set(charts.LIGHTS) == set(charts.STATUS_COLORS) == set(charts.STATUS_ORDER)
    assert {charts.LIGHTS[s] for s in ("已完成", "逾期完成", "序时推进")} == {"绿"}
    assert {charts.LIGHTS[s] for s in ("滞后", "未达成(力争)")} == {"黄"}
    assert {charts.LIGHTS[s] for s in ("严重滞后", "逾期未完成")} == {"红"}
    assert {charts.LIGHTS[s] for s in ("未报送", "数据冲突")} == {"灰"}

    def lightness(hex_colour):  # CIE L* from relative luminance
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(hex_colour))
        y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y

    green, yellow, red = (lightness(charts.LIGHT_COLORS[k]) for k in ("绿", "黄", "红"))
    assert yellow - green >= 15 and green - red >= 15


def test_status_bar_orders_statuses_as_the_spec():
    fig = charts.status_counts_bar(_counts())
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["已完成", "序时推进", "滞后", "严重滞后", "未报送", "数据冲突"]
