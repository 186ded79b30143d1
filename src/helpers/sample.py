"""Synthetic submissions (示例数据，非真实统计) for four quarters, 2019Q4 to 2020Q3.

The scenario is declared in the tables below and drawn from a seed, so the same seed writes the same
bytes. Read it top to bottom:

- NUMBERS: how each summed indicator moves per unit: what a unit has by 2019Q4, what it adds in 2020Q1.
- OVERRIDES: the storyline — named units whose numbers are set, not drawn (符离镇's sales, the far-behind
  乡, the demo towns, the bureaus' own indicators).
- QUALITATIVE / MILESTONES: the share of units done by each quarter.
- PLANTED: the problems every section of the report should have something to show for.
- FORMATS / ALIAS_HEADER_UNITS: which units send .csv (GBK), .xls, .ods, or renamed headers.
- LATER_*: the plan's later quarters (2020Q2, 2020Q3), drawn on top of 2020Q1 so the first two
  quarters' files stay as they were: units drop out and come back, send late, send files under a
  wrong name, a unit corrects its cumulative figure downward (the district falls), a jump.

`scenario_table(seed)` is the resulting table (one row per quarter, unit and indicator, as the unit
means it); `sample_files(seed)` the files; `expected_counts(seed)` what ingest should make of them,
derived from the generator's own knowledge.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pandas as pd

from helpers.contract.outputs import write_bytes
from helpers.contract.paths import raw_dir, reference_dir
from helpers.plan.quarters import quarter_end, quarter_label
from helpers.plan.reference import Indicator, Plan, load_plan
from helpers.plan.templates import (
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    Form,
    FormRow,
    blank_form,
    document_time,
    form_grid,
    instruction_lines,
    safe_filename,
    xlsx_bytes,
)

SAMPLE_NOTE = "（示例数据，非真实统计）"
QUARTERS = ("2019Q4", "2020Q1", "2020Q2", "2020Q3")
SIGNATURE = "填报人：示例填报人    联系电话：0557-0000000（示例）"

# ---------------------------------------------------------------- the scenario

# code: (per unit by 2019Q4, per unit added in 2020Q1). (lo, hi): uniform, one decimal; list: a choice.
NUMBERS: dict[str, tuple] = {
    "T01": ((120.0, 300.0), (40.0, 140.0)),  # 万元; district ≈ 74% in Q4, above target in Q1
    "T02": ([3, 3, 4, 4, 5, 5], [0, 1, 1, 2]),  # 个; each 乡镇 ≥ 4
    "T03A": ([0, 1, 1, 1], [0, 0, 1]),  # 示范村; district 25
    "T03B": ([0, 1, 1, 1, 1], [0, 1]),  # 示范点
    "T04": ([0], [0]),  # 示范镇, 力争 towns below
    "T05": ([0], [0]),  # 超1000万元主体
    "T06": ([0], [0]),  # 超100万元品牌
    "T11A": ([1, 2, 2, 3, 4], [1, 1, 2, 3]),  # 产销对接活动（场）
}
VILLAGES = (8, 20)  # 行政村数 of a 乡镇 (基数 of T14, T15)
RATIO_SHORT = {  # code: (villages not yet covered by 2019Q4, by 2020Q1)
    "T14": ([0, 0, 1, 2, 3], [0, 0, 0, 1]),
    "T15": ([0, 0, 0, 1], [0]),
}

# (unit, code): (2019Q4, 2020Q1) — cumulative numbers set by the story, not drawn.
OVERRIDES: dict[tuple[str, str], tuple[float, float]] = {
    ("符离镇", "T01"): (5200, 12000),  # 符离集烧鸡 online; Q1 written "1.2亿元"
    ("大店镇", "T01"): (260, 350),  # Q4 written "约260左右"
    ("北杨寨乡", "T02"): (1, 2),  # far behind the ≥4 of each 乡镇
    ("解集乡", "T02"): (1, 3),
    ("灰古镇", "T02"): (5, 4),  # cumulative falls: a registration cancelled
    ("北杨寨乡", "T03A"): (0, 0),
    ("北杨寨乡", "T03B"): (0, 0),
    ("符离镇", "T04"): (1, 1),  # two provincial demo towns: district target met on time
    ("永安镇", "T04"): (1, 1),  # 大泽乡镇 芦岭镇 夹沟镇 miss their 力争 target; 大店镇 makes it late
    ("大店镇", "T04"): (0, 1),
    ("符离镇", "T05"): (1, 1),  # three >1000万元 entities on time; 西二铺乡 misses its 力争 target
    ("城东街道", "T05"): (1, 1),
    ("桃园镇", "T05"): (1, 1),
    ("永安镇", "T05"): (0, 1),
    ("符离镇", "T06"): (1, 1),  # brands: 2 of 3 by 2019Q4, 4 by 2020Q1 (逾期完成)
    ("桃园镇", "T06"): (1, 1),
    ("永安镇", "T06"): (0, 1),
    ("夹沟镇", "T06"): (0, 1),
    ("区农业农村局", "T07A"): (12, 16),  # 三品一标: behind in Q4, target reached late
    ("区人力资源社会保障局", "T09B"): (620, 1150),
    ("区商务局", "T11A"): (6, 11),
    ("区交通运输局", "T13A"): (480, 640),  # 公里: 80% in Q4, reached late
    ("区商务局", "T16"): (380, 760),  # 专项资金使用（万元）
}

# code: (share of reporters done by 2019Q4, by 2020Q1); done means 已完成 with evidence.
QUALITATIVE = {"T07B": (0.0, 1.0), "T08": (0.3, 0.85), "T10": (0.5, 0.9), "T11B": (0.6, 0.92),
               "T12": (0.4, 0.8), "T13B": (0.0, 1.0)}
MILESTONES = {"T09A": (1.0, 1.0), "T17": (0.0, 1.0)}  # T09A due 2019-10-31, T17 due 2020-03-31

# ---- the later quarters (2020Q2, 2020Q3): what each adds on top of the quarter before
LATER_NUMBERS: dict[str, tuple] = {  # code: (added in 2020Q2, added in 2020Q3); else nothing added
    "T01": ((20.0, 80.0), (20.0, 80.0)),
    "T02": ([0, 0, 1], [0, 1]),
    "T03A": ([0], [0, 0, 1]),
    "T05": ([0], [0, 1, 1, 1, 1, 1]),  # 2020Q3: towns count their 100万元 brands as 1000万元 entities → district jump
    "T11A": ([0, 1], [0, 1]),
}
LATER_OVERRIDES: dict[tuple[str, str], tuple[float, float]] = {  # (unit, code): (2020Q2, 2020Q3)
    ("符离镇", "T01"): (12000, 9000),  # absent in 2020Q2; back in 2020Q3 correcting 1.2亿 to 9,000万元 (线上部分)
    ("区农业农村局", "T07A"): (17, 18),
    ("区人力资源社会保障局", "T09B"): (1400, 1650),
    ("区商务局", "T11A"): (14, 18),
    ("区交通运输局", "T13A"): (700, 760),
    ("区商务局", "T16"): (900, 1000),
}
LATER_RATIO_SHORT = {"T14": ([0, 0, 1], [0]), "T15": ([0], [0])}  # villages still not covered (never more)


@dataclass(frozen=True)
class Planted:
    """A problem put into the sample on purpose, and where ingest should put it."""

    quarter: str
    unit: str
    kind: str  # a key of _PLANTERS
    indicator: str = ""
    written: object = None  # what the unit typed, where that is the problem
    outcome: str = "accepted"  # accepted / rejected / missing / conflict (both rows rejected)


PLANTED: tuple[Planted, ...] = (
    Planted("2019Q4", "苗安乡", "未报送", outcome="missing"),
    Planted("2020Q1", "苗安乡", "未报送", outcome="missing"),
    Planted("2019Q4", "褚兰镇", "迟报", written="2020-01-17"),
    Planted("2020Q1", "栏杆镇", "迟报", written="2020-04-20"),
    Planted("2019Q4", "大店镇", "约数", "T01", written="约260左右"),
    Planted("2020Q1", "符离镇", "亿元", "T01", written="1.2亿元"),
    Planted("2020Q1", "区人力资源社会保障局", "千分位", "T09B", written="1,150"),
    Planted("2019Q4", "栏杆镇", "状态写法", "T10", written="进行中"),
    Planted("2020Q1", "芦岭镇", "状态写法", "T11B", written="完成"),
    Planted("2019Q4", "蒿沟镇", "缺少佐证", "T08"),
    Planted("2020Q1", "区交通运输局", "缺少佐证", "T13B"),
    Planted("2020Q1", "灰古镇", "累计值下降", "T02"),
    Planted("2020Q1", "时村镇", "数据冲突", "T02", outcome="conflict"),
    Planted("2019Q4", "大营镇", "未知指标", "T18", written="农村电商公共服务中心运营", outcome="rejected"),
    Planted("2020Q1", "顺河镇", "负数", "T11A", written=-2, outcome="rejected"),
    Planted("2020Q1", "城东街道", "非填报指标", "T02", written=2, outcome="rejected"),
    # the later quarters: six units drop out in 2020Q2 (符离镇 among them), three send under a wrong name
    *(Planted("2020Q2", u, "未报送", outcome="missing") for u in ("符离镇", "苗安乡", "桃园镇", "蕲县镇", "大营镇",
                                                               "区交通运输局")),
    Planted("2020Q2", "芦岭镇", "改名", written="芦岭乡", outcome="unidentified"),  # one close name: 芦岭镇
    Planted("2020Q2", "西二铺乡", "改名", written="西二铺镇", outcome="unidentified"),  # one close name
    Planted("2020Q2", "永安镇", "改名", written="永安乡", outcome="unidentified"),  # close to 永安镇 and 苗安乡
    Planted("2020Q2", "大店镇", "文字数值", "T01", written="待统计", outcome="rejected"),
    Planted("2020Q2", "解集乡", "迟报", written="2020-07-24"),
    # 2020Q3: 苗安乡 sends its first file, 符离镇 comes back late with a lower figure, 桃园镇 still absent
    Planted("2020Q3", "桃园镇", "未报送", outcome="missing"),
    Planted("2020Q3", "支河乡", "未报送", outcome="missing"),
    Planted("2020Q3", "符离镇", "迟报", written="2020-10-22"),
    Planted("2020Q3", "符离镇", "累计值下降", "T01"),
    Planted("2020Q3", "褚兰镇", "迟报", written="2020-10-16"),
    Planted("2020Q3", "曹村镇", "改名", written="曹村乡", outcome="unidentified"),
)

STATUS_SPELLINGS = {"进行中": "推进中", "完成": "已完成"}  # accepted spellings (docs/submissions.md)
FORMATS = {"杨庄乡": "csv", "支河乡": "csv", "三里湾街道": "csv", "解集乡": "xls", "桃沟乡": "xls",
           "东关街道": "xls", "区人力资源社会保障局": "xls", "区文化和旅游局": "ods"}  # else xlsx
ALIAS_HEADER_UNITS = ("桃沟乡",)  # a unit that retyped the header with accepted aliases, in its own order
ALIAS_COLUMNS = ["指标代码", "指标名称", "累计完成值", "基数", "进展状态", "进展情况", "存在问题", "下步打算",
                 "佐证材料", "计量单位", "目标值"]
ALIAS_LABELS = {"指标代码": "代码", "指标名称": "指标", "累计完成值": "完成值", "基数": "行政村数",
                "进展状态": "状态", "进展情况": "工作进展", "存在问题": "问题", "下步打算": "下一步打算",
                "佐证材料": "证明材料"}

PROGRESS = {
    "T01": "依托村级电商服务站和直播带货推动农产品上行，累计新增网络销售额{v}万元",
    "T02": "指导返乡青年、合作社注册网店，累计新培育电商经营主体{v}个",
    "T03A": "按示范村标准培育，累计认定电商示范村{v}个",
    "T03B": "累计建成电商示范点{v}个",
    "T04": "已获评省级电商示范镇{v}个",
    "T05": "年网销额超1000万元的经营主体{v}个",
    "T06": "年网销额超100万元的名优品牌{v}个",
    "T07A": "累计认证“三品一标”农产品{v}个",
    "T07B": "推进区域公用品牌培育和农产品质量安全追溯体系建设",
    "T08": "推广“电商企业+基地+专业合作社+农户”模式，对接合作社和种植基地",
    "T09A": "农村电商已纳入就业技能培训工种目录",
    "T09B": "累计开展电商技能培训，合格{v}人",
    "T10": "对照电商扶贫问题清单逐项整改",
    "T11A": "累计组织产销对接活动{v}场",
    "T11B": "组织贫困村农产品入驻电商平台，拓展销售渠道",
    "T12": "推动特色产业与电子商务融合发展",
    "T13A": "累计完成农村公路扩面延伸{v}公里",
    "T13B": "推进农村综合运输服务站点建设",
    "T14": "{v}个行政村已通快递",
    "T15": "{v}个行政村已实现光纤和4G网络覆盖",
    "T16": "省级电子商务发展专项资金累计拨付使用{v}万元",
    "T17": "组织开展方案任务落实情况评估",
}
# The optional basis indicators of the reward rules (docs/incentives.md), drawn like NUMBERS. Most units
# report them; the units in BASIS_LEFT_OUT send their forms without those rows: 区商务局 has no exporter
# figure in 2019Q4 (a basis nobody reported), 解集乡 none in 2020Q1 (its 2019Q4 values are carried).
BASIS_NUMBERS: dict[str, tuple] = {
    "J01": ([0, 1, 1, 2, 3], [0, 1, 1, 2]),  # 网点 with ≥ 5万元 uplink sales
    "J02": ([0], [0]),  # 省级示范村 among T03A: the named units below
    "J03": ((20.0, 90.0), (10.0, 40.0)),  # 万元 sold in stable cooperation with bases and co-operatives
    "J04": ([1, 2, 2, 3, 4], [0, 1, 1, 2]),  # 网点 serving uplink sales
    "J05": ((5.0, 40.0), (5.0, 25.0)),  # 万元 bought from poor villages and households
}
BASIS_OVERRIDES: dict[tuple[str, str], tuple[float, float]] = {
    ("符离镇", "J02"): (1, 1), ("永安镇", "J02"): (1, 1), ("大店镇", "J02"): (0, 1),
    ("区商务局", "J06"): (0, 1),  # 2019Q4 left out
}
BASIS_LEFT_OUT: dict[tuple[str, str], tuple[str, ...]] = {
    ("2019Q4", "区商务局"): ("J06",),
    ("2019Q4", "北杨寨乡"): ("J01", "J02", "J03", "J04", "J05"),
    ("2020Q1", "北杨寨乡"): ("J01", "J02", "J03", "J04", "J05"),
    ("2020Q1", "解集乡"): ("J01", "J02", "J03", "J04", "J05"),
}
NUMBERS.update(BASIS_NUMBERS)
OVERRIDES.update(BASIS_OVERRIDES)
PROGRESS.update({
    "J01": "农产品上行年网络销售额达到5万元以上的网点{v}个",
    "J02": "已获评省级电商示范村{v}个",
    "J03": "电商企业与基地、合作社稳定购销协作，网络销售额{v}万元",
    "J04": "开展上行服务并形成网络销售的网点{v}个",
    "J05": "电商经营主体收购贫困村、贫困户农村产品{v}万元",
    "J06": "年在线出口交易额50万美元以上的农村电商企业{v}家",
})

PROBLEMS = ("物流配送成本偏高", "电商专业人才不足", "农产品标准化程度低", "品牌影响力不强", "无", "")
NEXT_STEPS = ("加强电商技能培训", "完善村级物流网点", "加大品牌培育力度", "持续跟踪推进", "组织产销对接活动")


# ---------------------------------------------------------------- drawing the numbers


def _rng(seed: int, *parts: str) -> random.Random:
    return random.Random("|".join([str(seed), *parts]))


def _draw(rng: random.Random, spec) -> float:
    if isinstance(spec, tuple):
        return round(rng.uniform(*spec), 1)
    return rng.choice(spec)


def _number_series(seed: int, unit: str, code: str) -> tuple[float, ...]:
    """Cumulative values of a summed indicator for a unit, one per quarter of QUARTERS."""
    if (unit, code) in OVERRIDES:
        early = OVERRIDES[(unit, code)]
    else:
        rng = _rng(seed, unit, code)
        q4, added = NUMBERS[code]
        first = _draw(rng, q4)
        early = (first, round(first + _draw(rng, added), 1))
    return early + _later_numbers(seed, unit, code, early[-1])


def _later_numbers(seed: int, unit: str, code: str, last: float) -> tuple[float, ...]:
    """The later quarters' cumulative values, each drawn on top of the one before."""
    if (unit, code) in LATER_OVERRIDES:
        return LATER_OVERRIDES[(unit, code)]
    out = []
    for quarter, spec in zip(QUARTERS[2:], LATER_NUMBERS.get(code, ([0], [0])), strict=True):
        last = round(last + _draw(_rng(seed, unit, code, quarter), spec), 1)
        out.append(last)
    return tuple(out)


def _villages(seed: int, unit: str) -> int:
    return _rng(seed, unit, "行政村数").randint(*VILLAGES)


def _ratio_series(seed: int, unit: str, code: str) -> tuple[tuple[int, int], ...]:
    """(numerator, denominator) per quarter of QUARTERS; coverage never shrinks."""
    villages = _villages(seed, unit)
    rng = _rng(seed, unit, code)
    short_q4, short_q1 = (rng.choice(spec) for spec in RATIO_SHORT[code])
    shorts = [short_q4, min(short_q4, short_q1)]
    for quarter, spec in zip(QUARTERS[2:], LATER_RATIO_SHORT[code], strict=True):
        shorts.append(min(shorts[-1], _rng(seed, unit, code, quarter).choice(spec)))
    return tuple((villages - short, villages) for short in shorts)


def _done_series(seed: int, unit: str, code: str, shares: tuple[float, float]) -> tuple[bool, ...]:
    """Whether a qualitative/milestone row is done by each quarter (done stays done; the later quarters
    keep 2020Q1's share)."""
    u = _rng(seed, unit, code).random()
    return (u < shares[0], *(u < shares[1] for _ in QUARTERS[1:]))


@dataclass
class Cell:
    """What a unit means to report for one indicator in one quarter."""

    value: float | None = None
    denominator: float | None = None
    status: str = "推进中"
    evidence: str = ""


def _numeric_status(ind: Indicator, unit: str, value: float) -> str:
    ut = ind.unit_targets.get(unit)
    target = ut.target if ut else (ind.district_target if ind.single_reporter == unit else None)
    if target is not None and ind.kind != "info" and value >= target:
        return "已完成"
    return "未启动" if value == 0 and ut is None else "推进中"


def _evidence(unit: str, ind: Indicator) -> str:
    return f"{unit}{ind.name}工作台账、相关文件及现场照片（示例）"


def _cells(seed: int, unit: str, ind: Indicator) -> tuple[Cell, ...]:
    """The indicator's quarters for a unit, one cell per quarter of QUARTERS."""
    if ind.kind == "ratio":
        pairs = _ratio_series(seed, unit, ind.code)
        cells = [Cell(n, d, "已完成" if n == d else "推进中") for n, d in pairs]
    elif ind.kind in ("qualitative", "milestone"):
        shares = (QUALITATIVE | MILESTONES)[ind.code]
        done = _done_series(seed, unit, ind.code, shares)
        cells = [Cell(status="已完成" if d else "推进中") for d in done]
    else:
        values = _number_series(seed, unit, ind.code)
        cells = [Cell(v, None, _numeric_status(ind, unit, v)) for v in values]
    for cell in cells:
        if cell.status == "已完成":
            cell.evidence = _evidence(unit, ind)
    return tuple(cells)


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _narrative(seed: int, quarter: str, unit: str, ind: Indicator, cell: Cell) -> tuple[str, str, str]:
    rng = _rng(seed, quarter, unit, ind.code, "文字")
    progress = PROGRESS[ind.code].format(v=_fmt(cell.value))
    if cell.value == 0 and ind.kind != "ratio":
        progress = f"{ind.name}正在培育，尚未达到认定标准"
    if cell.status == "已完成":
        progress += "，已完成"
    problems = "无" if cell.status == "已完成" else rng.choice(PROBLEMS)
    return progress, problems, rng.choice(NEXT_STEPS)


def scenario_table(seed: int = 2019, plan: Plan | None = None) -> pd.DataFrame:
    """Every reporting unit's intended report, per quarter and indicator, before any planted problem."""
    plan = plan or load_plan()
    rows = []
    for unit in plan.reporters():
        for ind in plan.indicators_for(unit):
            for quarter, cell in zip(QUARTERS, _cells(seed, unit, ind), strict=True):
                if ind.code in BASIS_LEFT_OUT.get((quarter, unit), ()):
                    continue
                progress, problems, next_steps = _narrative(seed, quarter, unit, ind, cell)
                rows.append({"quarter": quarter, "unit": unit, "indicator": ind.code, "kind": ind.kind,
                             "value": cell.value, "denominator": cell.denominator, "status": cell.status,
                             "progress": progress, "problems": problems, "next_steps": next_steps,
                             "evidence": cell.evidence})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- files


@dataclass
class SampleFile:
    quarter: str
    unit: str
    fmt: str  # xlsx / csv / xls / ods
    form: Form
    rejected: list[str] = field(default_factory=list)  # codes of rows ingest must reject
    name: str = ""
    returned: bool = False  # ingest must return the whole file (a unit name it cannot identify)

    def __post_init__(self):
        self.name = self.name or safe_filename(self.unit, self.quarter, self.fmt)

    def expected(self) -> dict[str, int]:
        """Rows ingest should accept, reject and skip: every non-empty row of the table's sheet."""
        grid = form_grid(self.form)
        data = sum(g.kind == "data" for g in grid)
        skipped = sum(g.kind != "data" and any(c not in (None, "") for c in g.cells) for g in grid)
        if self.returned:  # every row skipped as 文件被拒收
            return {"accepted": 0, "rejected": 0, "skipped": data + skipped}
        return {"accepted": data - len(self.rejected), "rejected": len(self.rejected), "skipped": skipped}


def _reported_on(seed: int, quarter: str, unit: str) -> str:
    """On time: 2 to 10 days after the quarter's end."""
    day = quarter_end(quarter) + dt.timedelta(days=_rng(seed, quarter, unit, "填报日期").randint(2, 10))
    return day.isoformat()


def _form(plan: Plan, table: pd.DataFrame, seed: int, quarter: str, unit: str) -> Form:
    form = blank_form(plan, unit, quarter)
    form.title_note, form.signature = SAMPLE_NOTE, SIGNATURE
    form.reported_on = _reported_on(seed, quarter, unit)
    mine = table[(table["quarter"] == quarter) & (table["unit"] == unit)].set_index("indicator")
    form.rows = [row for row in form.rows if row.code in mine.index]  # BASIS_LEFT_OUT rows are not sent
    for row in form.rows:
        _fill(row, mine.loc[row.code])
    if FORMATS.get(unit) == "csv":  # retyped by hand: the quarter spelled out
        form.quarter_text = quarter_label(quarter)
    if unit in ALIAS_HEADER_UNITS:
        form.columns, form.labels = list(ALIAS_COLUMNS), dict(ALIAS_LABELS)
    return form


def _fill(row: FormRow, entry: pd.Series) -> None:
    row.value = _plain(entry["value"])
    row.denominator = _plain(entry["denominator"])
    row.status = entry["status"]
    row.progress, row.problems = entry["progress"], entry["problems"]
    row.next_steps, row.evidence = entry["next_steps"], entry["evidence"]


def _plain(x) -> int | float | None:
    if x is None or pd.isna(x):
        return None
    return int(x) if float(x).is_integer() else float(x)


def _row(sf: SampleFile, code: str) -> FormRow:
    return next(r for r in sf.form.rows if r.code == code)


# Each planter changes one file as the problem says and returns any extra file it makes.
def _plant_missing(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    return []  # handled by leaving the unit out


def _plant_late(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    sf.form.reported_on = str(p.written)
    return []


def _plant_written_value(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    _row(sf, p.indicator).value = p.written
    if p.outcome == "rejected":
        sf.rejected.append(p.indicator)
    return []


def _plant_status_word(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    """The status in another accepted spelling; a done row keeps its evidence."""
    row = _row(sf, p.indicator)
    row.status = str(p.written)
    if STATUS_SPELLINGS[row.status] == "已完成" and not row.evidence:
        row.evidence = _evidence(sf.unit, plan.indicators[p.indicator])
    return []


def _plant_no_evidence(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    row = _row(sf, p.indicator)
    row.status, row.evidence = "已完成", ""
    return []


def _plant_numbers_only(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    return []  # the numbers are in OVERRIDES


def _plant_extra_row(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    ind = plan.indicators.get(p.indicator)
    name = ind.name if ind else str(p.written)
    value = p.written if ind else 1
    sf.form.rows.append(FormRow(code=p.indicator, name=name, unit=ind.unit if ind else "个", target=None,
                                value=value, status="推进中", progress=f"{name}有序推进"))
    sf.rejected.append(p.indicator)
    return []


def _plant_wrong_name(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    """The unit writes its name wrong, in the table and in the file name: the file is returned whole."""
    sf.form.unit = str(p.written)
    sf.name = safe_filename(sf.form.unit, sf.quarter, sf.fmt)
    sf.returned = True
    return []


def _plant_conflict(sf: SampleFile, p: Planted, plan: Plan) -> list[SampleFile]:
    """The unit re-sends one indicator in a second file (GBK CSV) with a different value."""
    original = _row(sf, p.indicator)
    value = original.value + 1
    progress = "更正：" + PROGRESS[p.indicator].format(v=_fmt(value))
    again = FormRow(**{**original.__dict__, "value": value, "progress": progress})
    form = Form(unit=sf.unit, quarter=sf.quarter, rows=[again], reported_on=sf.form.reported_on,
                heading=sf.form.heading, note=sf.form.note,
                title_note=SAMPLE_NOTE + "（更正）", signature=SIGNATURE)
    sf.rejected.append(p.indicator)
    fmt = "csv" if sf.fmt != "csv" else "xlsx"
    return [SampleFile(sf.quarter, sf.unit, fmt, form, rejected=[p.indicator])]


_PLANTERS = {
    "未报送": _plant_missing, "迟报": _plant_late, "约数": _plant_written_value, "亿元": _plant_written_value,
    "千分位": _plant_written_value, "负数": _plant_written_value, "状态写法": _plant_status_word,
    "缺少佐证": _plant_no_evidence, "累计值下降": _plant_numbers_only, "数据冲突": _plant_conflict,
    "未知指标": _plant_extra_row, "非填报指标": _plant_extra_row,
    "改名": _plant_wrong_name, "文字数值": _plant_written_value,
}


def missing_units(quarter: str) -> list[str]:
    return [p.unit for p in PLANTED if p.quarter == quarter and p.outcome == "missing"]


def unidentified_units(quarter: str) -> list[str]:
    """Units whose file names a unit ingest cannot identify (returned whole)."""
    return [p.unit for p in PLANTED if p.quarter == quarter and p.outcome == "unidentified"]


def sample_files(seed: int = 2019, plan: Plan | None = None) -> list[SampleFile]:
    """Every file of both sample quarters, with the planted problems in place."""
    plan = plan or load_plan()
    table = scenario_table(seed, plan)
    files: list[SampleFile] = []
    for quarter in QUARTERS:
        for unit in plan.reporters():
            if unit in missing_units(quarter):
                continue
            sf = SampleFile(quarter, unit, FORMATS.get(unit, "xlsx"), _form(plan, table, seed, quarter, unit))
            files.append(sf)
            for p in PLANTED:
                if (p.quarter, p.unit) == (quarter, unit):
                    files += _PLANTERS[p.kind](sf, p, plan)
    return files


def expected_counts(seed: int = 2019, plan: Plan | None = None) -> dict:
    """Per quarter: per file the rows ingest should accept / reject / skip, and the units that sent nothing."""
    out: dict = {q: {"files": {}, "missing": missing_units(q), "unidentified": unidentified_units(q)}
                 for q in QUARTERS}
    for sf in sample_files(seed, plan):
        out[sf.quarter]["files"][sf.name] = sf.expected()
    return out


# ---------------------------------------------------------------- writers


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_bytes(plan: Plan, form: Form) -> bytes:
    """The table as a GBK CSV with CRLF line ends, as Excel on Chinese Windows saves it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for g in form_grid(form):
        writer.writerow([_text(c) for c in g.cells])
    return buffer.getvalue().encode("gbk")


def xls_bytes(plan: Plan, form: Form) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    info = wb.add_sheet(INSTRUCTIONS_SHEET)
    for r, (heading, text) in enumerate(instruction_lines(plan, form)):
        info.write(r, 0, heading)
        info.write(r, 1, text)
    ws = wb.add_sheet(DATA_SHEET)
    for r, g in enumerate(form_grid(form)):
        if g.kind == "title":
            ws.write_merge(r, r, 0, len(g.cells) - 1, g.cells[0])
            continue
        for c, value in enumerate(g.cells):
            if value not in (None, ""):
                ws.write(r, c, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.2"')
_ODS_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                 'manifest:version="1.2">'
                 f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
                 '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                 '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
                 '</manifest:manifest>')


def ods_bytes(plan: Plan, form: Form) -> bytes:
    """The form as OpenDocument (written directly: odfpy's output depends on what ran before it)."""
    tables = [_ods_table(INSTRUCTIONS_SHEET, [list(line) for line in instruction_lines(plan, form)]),
              _ods_table(DATA_SHEET, [g.cells for g in form_grid(form)])]
    content = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODS_NS}>'
               f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body>'
               '</office:document-content>')
    created = document_time(form.quarter).isoformat()
    meta = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {_ODS_NS}><office:meta>'
            f'<meta:generator>yqeval</meta:generator><meta:creation-date>{created}</meta:creation-date>'
            '</office:meta></office:document-meta>')
    parts = [("mimetype", _ODS_MIME), ("META-INF/manifest.xml", _ODS_MANIFEST), ("content.xml", content),
             ("meta.xml", meta)]
    return _zip(parts, document_time(form.quarter))


def _ods_table(name: str, rows: list[list]) -> str:
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
                   for row in rows)
    return f'<table:table table:name="{xml_escape(name)}">{body}</table:table>'


def _ods_cell(value) -> str:
    if value in (None, ""):
        return "<table:table-cell/>"
    text = f"<text:p>{xml_escape(_text(value))}</text:p>"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<table:table-cell office:value-type="float" office:value="{_text(value)}">{text}</table:table-cell>'
    return f'<table:table-cell office:value-type="string">{text}</table:table-cell>'


def _zip(parts: list[tuple[str, str]], when: dt.datetime) -> bytes:
    """A zip with the entries in order, every one stamped `when`; the first (mimetype) stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i, (name, text) in enumerate(parts):
            info = zipfile.ZipInfo(name, when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED if i == 0 else zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return out.getvalue()


_WRITERS = {"xlsx": xlsx_bytes, "csv": csv_bytes, "xls": xls_bytes, "ods": ods_bytes}


def write_sample(data_dir: str | Path = "data", seed: int = 2019, plan: Plan | None = None,
                 force: bool = False) -> list[Path]:
    """Write both sample quarters under DATA_DIR/raw/<quarter>/; the same seed writes the same bytes.

    data/raw holds evidence: a file there with other content (a unit's real submission under the same
    name) is never overwritten unless force is given; the whole call then writes nothing.
    """
    plan = plan or load_plan(reference_dir(data_dir))  # --reference, else DATA_DIR/reference, else the project's
    files = [(raw_dir(data_dir, sf.quarter) / sf.name, _WRITERS[sf.fmt](plan, sf.form))
             for sf in sample_files(seed, plan)]
    clash = [path for path, data in files if path.exists() and path.read_bytes() != data]
    if clash and not force:
        names = "、".join(str(p.relative_to(Path(data_dir) / "raw")) for p in clash[:3])
        raise ValueError(f"{len(clash)} 个同名文件已在 {Path(data_dir) / 'raw'} 中且内容不同（{names}…）："
                         "示例数据不会覆盖已有的报送文件；确需覆盖请加 --force")
    return sorted(write_bytes(path, data) for path, data in files)


__all__ = ["PLANTED", "QUARTERS", "SAMPLE_NOTE", "STATUS_SPELLINGS", "Planted", "SampleFile", "expected_counts",
           "missing_units", "sample_files", "scenario_table", "unidentified_units", "write_sample"]
