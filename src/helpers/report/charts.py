"""Charts for the evaluation report: Chinese labels, status colours, deterministic SVG.

Every chart function takes a DataFrame/Series and returns a matplotlib Figure built without pyplot
(so notebooks never show it twice); `show(fig)` displays it as SVG with text drawn as paths, which
needs no font to view and renders identically in the HTML and the PDF.
"""

from __future__ import annotations

import base64
import io
import math
import os
import re
import tempfile
import warnings
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from helpers.contract import vocabulary as W

CJK_FONT = "Noto Sans CJK SC"
CM = 1 / 2.54
PAGE_WIDTH = 16 * CM  # inches: A4 text width with 2 cm margins is 17 cm; keep a little air
SVG_HASHSALT = "yqeval"
PRINT_DPI = 200

# Light → colour. Yellow lightest, green mid, red darkest: the three lights stay apart in grey-scale
# print (CIE L* ≈ 77 / 58 / 33); grey is told apart by its hollow shape in tables and hatching in charts.
LIGHT_COLORS: dict[str, str] = {"绿": "#2ca25f", "黄": "#f2b134", "红": "#a50f15", "灰": "#969696"}
LIGHT_NAMES: dict[str, str] = {"绿": "绿灯", "黄": "黄灯", "红": "红灯", "灰": "灰灯"}

# Status words of docs/evaluation.md in report order, with their light.
LIGHTS: dict[str, str] = dict(W.LIGHTS)  # defined once, in helpers.contract.vocabulary
STATUS_ORDER: list[str] = list(LIGHTS)
STATUS_COLORS: dict[str, str] = {status: LIGHT_COLORS[light] for status, light in LIGHTS.items()}

_RC = {
    "axes.unicode_minus": False,
    "svg.fonttype": "path",
    "svg.hashsalt": SVG_HASHSALT,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "figure.figsize": (PAGE_WIDTH, 8 * CM),
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.title_fontsize": 8,
    "hatch.color": "#7f7f7f",
}
_SVG_METADATA = {"Date": None, "Creator": None}


# ---------------------------------------------------------------------------------------------- style
def setup_style() -> str:
    """Seaborn theme with the Simplified-Chinese Noto face; returns the font family in use."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    family = _register_cjk_font()
    sns.set_theme(context="paper", style="whitegrid", font=family, rc=_RC)
    return family


def _register_cjk_font() -> str:
    """Make "Noto Sans CJK SC" known to matplotlib.

    matplotlib 3.10 reads only the first face of a .ttc collection, which in Debian's
    NotoSansCJK-*.ttc is the JP face (Japanese glyph forms). We copy the SC faces out of the
    collection once into matplotlib's cache folder and register them.
    """
    if _has_family(CJK_FONT):
        return CJK_FONT
    for path in _extract_sc_faces():
        font_manager.fontManager.addfont(str(path))
    if _has_family(CJK_FONT):
        return CJK_FONT
    fallback = "Noto Sans CJK JP"
    if _has_family(fallback):
        warnings.warn(f"{CJK_FONT} not found; charts use {fallback} glyph forms", stacklevel=3)
        return fallback
    warnings.warn("no CJK font found: install fonts-noto-cjk; Chinese text will show as boxes", stacklevel=3)
    return "DejaVu Sans"


def _has_family(name: str) -> bool:
    return any(f.name == name for f in font_manager.fontManager.ttflist)


def _extract_sc_faces() -> list[Path]:
    from fontTools.ttLib import TTCollection, TTFont

    cache = Path(mpl.get_cachedir()) / "yqeval-fonts"
    collections = sorted(
        {
            f.fname
            for f in font_manager.fontManager.ttflist
            if f.fname.lower().endswith(".ttc") and f.name.startswith("Noto Sans CJK")
        }
    )
    out = []
    for ttc in collections:
        with TTCollection(ttc, lazy=True) as coll:
            names = [(face["name"].getDebugName(1), face["name"].getDebugName(6)) for face in coll.fonts]
        for index, (family, psname) in enumerate(names):
            if family != CJK_FONT:
                continue
            target = cache / f"{psname}.otf"
            if not target.exists():
                cache.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
                os.close(fd)
                try:
                    with TTFont(ttc, fontNumber=index, lazy=True) as font:
                        font.save(tmp)
                    os.replace(tmp, target)
                finally:
                    Path(tmp).unlink(missing_ok=True)
            out.append(target)
    return out


# ------------------------------------------------------------------------------------------- output
def to_svg(fig: Figure) -> str:
    """SVG markup of fig, byte-identical for identical figures (no date, fixed ids, text as paths)."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": SVG_HASHSALT}):
        fig.savefig(buf, format="svg", metadata=_SVG_METADATA)
    return buf.getvalue()


def to_png(fig: Figure, dpi: int = PRINT_DPI) -> bytes:
    """PNG bytes of fig, byte-identical for identical figures (no metadata).

    Flattened to RGB: an alpha channel becomes a soft mask in the PDF, which some viewers draw
    as a grey box around the chart and which WeasyPrint has to encode separately.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    # Draw once with Agg and encode once: savefig(format="png") followed by a Pillow round trip to
    # drop the alpha channel encoded every chart twice (≈0.3 s for the report's heatmap). The dpi is
    # set on the figure for the draw, as savefig itself does, so the layout engine sees it.
    canvas = FigureCanvasAgg(fig)
    original_dpi = fig.dpi
    fig.dpi = dpi
    try:
        rgba, size = canvas.print_to_buffer()
    finally:
        fig.dpi = original_dpi
    image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)
    flat = Image.new("RGB", size, "white")
    flat.paste(image, mask=image.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, format="png", dpi=(dpi, dpi))
    return out.getvalue()


def show(fig: Figure, svg: bool = False) -> None:
    """Display fig in a notebook as a PNG at PRINT_DPI (sharp in print, one encoding for HTML and PDF).

    svg=True adds an SVG for screens (helpers.report.render then shows the SVG on screen and prints the PNG);
    it is off by default because drawing every chart twice cost the report notebook about a second
    per chart, and WeasyPrint draws SVG slowly.
    """
    from IPython.display import display

    bundle = {"image/png": base64.b64encode(to_png(fig)).decode("ascii")}
    metadata = {"image/png": {"width": round(fig.get_figwidth() * 96)}}  # CSS px
    if svg:
        bundle["image/svg+xml"] = to_svg(fig)
    display(bundle, raw=True, metadata=metadata)


def _figure(height_cm: float, width: float = PAGE_WIDTH) -> Figure:
    return Figure(figsize=(width, height_cm * CM), layout="constrained")


def _thousands(x, _pos=None) -> str:
    return f"{x:,.0f}" if abs(x - round(x)) < 1e-9 else f"{x:,.1f}"


def _capped_percent(x, _pos=None) -> str:
    return f"≥{x * 100:.0f}%" if x >= 1 else f"{x * 100:.0f}%"


def _light_legend(ax, lights: list[str], **kw) -> None:
    handles = [_light_patch(light) for light in LIGHT_COLORS if light in lights]
    ax.legend(handles=handles, title="状态灯", frameon=False, **kw)


def _light_patch(light: str) -> Patch:
    hatch = "///" if light == "灰" else None
    return Patch(
        facecolor=LIGHT_COLORS[light],
        edgecolor="#7f7f7f" if hatch else "none",
        hatch=hatch,
        label=LIGHT_NAMES[light],
    )


# ------------------------------------------------------------------------------------------- charts
def status_counts_bar(counts: pd.Series, title: str = "指标状态分布") -> Figure:
    """Bar per status word (index) with its count, coloured by its light."""
    counts = counts[counts.index.notna()]
    order = [s for s in STATUS_ORDER if s in counts.index] + sorted(
        s for s in counts.index if s not in LIGHTS
    )
    counts = counts.reindex(order).fillna(0).astype(int)
    fig = _figure(7.5)
    ax = fig.add_subplot()
    x = np.arange(len(counts))
    colors = [STATUS_COLORS.get(s, "#d9d9d9") for s in counts.index]
    bars = ax.bar(x, counts.to_numpy(), color=colors, width=0.65, edgecolor="#7f7f7f", linewidth=0.4)
    for bar, status in zip(bars, counts.index, strict=True):
        if LIGHTS.get(status) == "灰":
            bar.set_hatch("///")
    ax.bar_label(bars, fmt="%d", padding=2, fontsize=8)
    ax.set_xticks(x, list(counts.index))
    ax.set_title(title)
    ax.set_xlabel("状态")
    ax.set_ylabel("指标数（个）")
    ax.margins(y=0.15)
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.grid(axis="x", visible=False)
    _light_legend(
        ax,
        sorted({LIGHTS[s] for s in counts.index if s in LIGHTS}),
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    return fig


def rate_heatmap(rates: pd.DataFrame, title: str = "各单位指标完成率", cmap: str = "YlGn") -> Figure:
    """Units (rows) × indicator codes (columns); rates as fractions; NaN = no value (hatched)."""
    n_rows, n_cols = rates.shape
    fig = _figure(3.2 + 0.55 * max(n_rows, 1))
    ax = fig.add_subplot()
    values = rates.astype(float)
    annot = values.map(lambda v: "" if pd.isna(v) else f"{v * 100:.0f}%")
    cell_cm = 12.5 / max(n_cols, 1)
    font = max(4.5, min(8.0, cell_cm * 5.5))
    ax.set_facecolor("#f0f0f0")
    ax.patch.set_hatch("///")
    ax.patch.set_edgecolor("#b0b0b0")
    sns.heatmap(
        values,
        ax=ax,
        cmap=cmap,
        vmin=0,
        vmax=1,
        annot=annot.to_numpy(),
        fmt="",
        annot_kws={"fontsize": font},
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "完成率", "format": FuncFormatter(_capped_percent), "shrink": 0.8},
    )
    # rates.attrs (report.rate_matrix): "assigned" tells a unit not given an indicator (no target: white,
    # 不考核) from one that did not report it (hatched, 未报送); "names" puts short names under the codes
    assigned = rates.attrs.get("assigned")
    names = rates.attrs.get("names") or {}
    unassigned = None
    if assigned is not None:
        unassigned = values.isna() & ~assigned.reindex(index=values.index, columns=values.columns).fillna(False).astype(bool)
        for i, j in zip(*np.nonzero(unassigned.to_numpy()), strict=True):
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor="white", edgecolor="white", linewidth=0.5, zorder=2))
    ax.set_title(title)
    ax.set_xlabel("指标")
    ax.set_ylabel("单位")
    if names:
        ax.set_xticks(np.arange(n_cols) + 0.5, [f"{c}\n{short_label(names.get(c, ''))}" for c in rates.columns])
    ax.tick_params(axis="x", labelrotation=0 if n_cols <= 16 else 90, labelsize=min(8, font + 1) if not names
                   else max(4.5, min(6.0, font - 1)))
    ax.tick_params(axis="y", labelrotation=0)
    missing = values.isna() if unassigned is None else values.isna() & ~unassigned
    handles = []
    if missing.any().any():
        handles.append(Patch(facecolor="#f0f0f0", edgecolor="#b0b0b0", hatch="///",
                             label="无数据" if unassigned is None else "未报送"))
    if unassigned is not None and unassigned.any().any():
        handles.append(Patch(facecolor="white", edgecolor="#b0b0b0", label="未分配该指标（不考核）"))
    if handles:
        fig.legend(handles=handles, loc="outside lower right", frameon=False, ncols=len(handles))
    return fig


def short_label(name: str, width: int = 4, lines: int = 3) -> str:
    """An indicator's name in at most `lines` lines of about `width` Chinese characters, cut with "…".

    Digits and Latin letters count half a character and a number is never split over two lines."""
    tokens = re.findall(r"[A-Za-z0-9.%]+|\S", str(name).strip())
    out: list[str] = []
    line, used = "", 0.0
    for tok in tokens:
        w = len(tok) * (0.5 if tok.isascii() else 1.0)
        if line and used + w > width:
            out.append(line)
            line, used = "", 0.0
            if len(out) == lines:
                last = out[-1]
                out[-1] = (last[:-1] if len(last) > 1 else last) + "…"
                return "\n".join(out)
        line, used = line + tok, used + w
    if line:
        out.append(line)
    return "\n".join(out)


def score_ranking(scores: pd.DataFrame, title: str = "各单位综合得分排名") -> Figure:
    """Horizontal bars of unit scores (0..1), best at the top, coloured by peer group."""
    data = scores.sort_values(["score", "unit"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )
    groups = list(dict.fromkeys(data["peer_group"].fillna("其他")))
    palette = dict(
        zip(groups, sns.color_palette("Blues_r" if len(groups) <= 1 else "deep", len(groups)), strict=True)
    )
    fig = _figure(2.4 + 0.5 * max(len(data), 1))
    ax = fig.add_subplot()
    y = np.arange(len(data))
    colors = [palette[g] for g in data["peer_group"].fillna("其他")]
    bars = ax.barh(y, data["score"].astype(float).to_numpy(), color=colors, height=0.7)
    ax.bar_label(bars, labels=[f"{s * 100:.1f}%" for s in data["score"].astype(float)], padding=2, fontsize=7)
    ax.set_yticks(y, list(data["unit"]))
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_title(title)
    ax.set_xlabel("综合得分（封顶完成率的平均值）")
    ax.set_ylabel("单位")
    ax.grid(axis="y", visible=False)
    ax.legend(
        handles=[Patch(color=palette[g], label=g) for g in groups],
        title="类别",
        frameon=False,
        loc="lower right",
    )
    return fig


def trend_chart(trend: pd.DataFrame, title: str = "主要指标趋势", ncols: int = 2) -> Figure:
    """One small multiple per indicator: actual per quarter (bars, rate on top), target as a line."""
    indicators = list(dict.fromkeys(trend["indicator"]))
    ncols = max(1, min(ncols, len(indicators)))
    nrows = max(1, math.ceil(len(indicators) / ncols))
    fig = _figure(1.5 + 5.2 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    quarters = sorted(trend["quarter"].astype(str).unique())
    bar_color, target_color = "#4c72b0", "#a50f15"
    for ax, code in zip(axes, indicators, strict=False):
        sub = trend[trend["indicator"] == code].assign(quarter=lambda d: d["quarter"].astype(str))
        sub = sub.set_index("quarter").reindex(quarters)
        x = np.arange(len(quarters))
        actual = sub["actual"].astype(float).to_numpy()
        bars = ax.bar(x, np.nan_to_num(actual), color=bar_color, width=0.6)
        rates = sub["rate"].astype(float)
        labels = ["" if pd.isna(r) else f"{r * 100:.0f}%" for r in rates]
        ax.bar_label(bars, labels=labels, label_type="center", color="white", fontsize=7)
        target = sub["target"].astype(float).dropna()
        if len(target):
            ax.axhline(float(target.iloc[-1]), color=target_color, linestyle="--", linewidth=1.2)
        percent = trend.attrs.get("percent")  # report.trend_frame: the ratio indicators, by kind
        is_ratio = code in percent if percent is not None else len(target) and float(target.iloc[-1]) <= 1
        name = str(sub["name"].dropna().iloc[0]) if sub["name"].notna().any() else str(code)
        ax.set_title(_wrap(f"{code} {name}", 18), fontsize=9)
        ax.set_xticks(x, quarters)
        ax.set_xlabel("季度")
        ax.set_ylabel("累计完成值")
        ax.yaxis.set_major_formatter(
            PercentFormatter(1.0, decimals=0) if is_ratio else FuncFormatter(_thousands)
        )
        ax.margins(y=0.18)
        ax.grid(axis="x", visible=False)
    for ax in axes[len(indicators) :]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11, fontweight="bold")
    fig.legend(
        handles=[
            Patch(color=bar_color, label="实际值（柱顶为完成率）"),
            mpl.lines.Line2D([], [], color=target_color, linestyle="--", label="目标值"),
        ],
        loc="outside lower center",
        ncols=2,
        frameon=False,
    )
    return fig


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))
