"""Sample submissions of the fictitious 桐川县 plan (examples/桐川县/reference), for two quarters.

Generated at test time rather than shipped: the example is the plan folder, and what units send back
follows from it (blank_form makes each unit's form from the plan's own catalogue), so the story below
names only values. Planted: 县商务局's 2021Q3 total differs from the towns' sum (县级数据不一致);
县文化和旅游局 reports its own 直播 count (separate: added, never compared); 石门乡 is late in 2021Q2;
东坪乡 sends nothing in 2021Q3; 县交通运输局 writes its name with the county and its length in 米;
values typed with their unit ("180人次", "600000美元").
"""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers.contract.paths import PROJECT_ROOT
from helpers.plan.reference import load_plan
from helpers.plan.templates import blank_form, safe_filename, xlsx_bytes

EXAMPLE = PROJECT_ROOT / "examples" / "桐川县" / "reference"
QUARTERS = ("2021Q2", "2021Q3")
TOWNS = ("青石镇", "柳溪镇", "云岭镇", "白沙镇", "金河镇", "松林镇", "石门乡", "东坪乡")
KEY_TOWNS = TOWNS[:3]

RETAIL = {"2021Q2": (3200, 2800, 2500, 2100, 1900, 1700, 1500, 1300),  # 17000
          "2021Q3": (3800, 3300, 3000, 2600, 2300, 2100, 1800, 1600)}  # 20500
BUREAU_RETAIL = {"2021Q2": 17000, "2021Q3": 21000}  # Q3: 21000 vs 20500 → 县级数据不一致
TRAINED = {"2021Q2": (180, 150, 160, 120, 140, 130, 100, 110), "2021Q3": (340, 320, 310, 300, 300, 280, 260, 250)}
ROADS = {"2021Q2": "420", "2021Q3": "610000米"}  # 610 公里
EXPORT = {"2021Q2": (120, "600000美元", 40), "2021Q3": (210, 110, 90)}  # 万美元
LIVE = {"2021Q2": (5, 4, 4, 3, 3, 3, 2, 2), "2021Q3": (7, 6, 5, 5, 4, 4, 3, 3)}
BUREAU_LIVE = {"2021Q2": 8, "2021Q3": 10}
FARM_SHARE = {"2021Q2": ((1100.5, 3200), (850, 2800), (700.25, 2500)),
              "2021Q3": ((1300, 3800), (1000, 3300), (910.5, 3000))}
VILLAGES = (12, 11, 10, 9, 8, 8, 7, 6)
EXPRESS = {"2021Q2": (10, 9, 8, 9, 7, 6, 5, 6), "2021Q3": VILLAGES}
SHOPS = {"2021Q2": 35, "2021Q3": 52}
LATE = {("2021Q2", "石门乡"): "2021-07-12"}
MISSING = {("2021Q3", "东坪乡")}
WRITTEN_NAME = {"县交通运输局": "江淮省云州市桐川县交通运输局"}


def _values(quarter: str, unit: str) -> dict[str, dict]:
    q = quarter
    if unit in TOWNS:
        i = TOWNS.index(unit)
        v = {"C01": {"value": RETAIL[q][i]},
             "C02": {"value": f"{TRAINED[q][i]}人次" if i == 0 else TRAINED[q][i]},
             "C05A": {"value": LIVE[q][i]},
             "C06": {"value": EXPRESS[q][i], "denominator": VILLAGES[i], "status": "推进中"},
             "C08": ({"status": "已完成", "evidence": f"{unit}电商人才培养方案（示例）"} if i % 2 == 0
                     else {"status": "推进中", "progress": "制定培养计划"})}
        if unit in KEY_TOWNS:
            j = KEY_TOWNS.index(unit)
            v["C04"] = {"value": EXPORT[q][j]}
            v["C05B"] = {"value": FARM_SHARE[q][j][0], "denominator": FARM_SHARE[q][j][1]}
        return v
    if unit == "县商务局":
        return {"C01": {"value": BUREAU_RETAIL[q]},
                "C07": {"status": "已完成", "value": "是", "evidence": "中心挂牌文件（示例）"},
                "C10": {"status": "未启动" if q == "2021Q2" else "推进中"}}
    if unit == "县交通运输局":
        return {"C03": {"value": ROADS[q]}}
    if unit == "县文化和旅游局":
        return {"C05A": {"value": BUREAU_LIVE[q]}, "C09": {"value": SHOPS[q]}}
    return {}


def write_example(data: Path) -> Path:
    """DATA/reference (a copy of the example plan) and DATA/raw/<quarter>/ for both quarters."""
    shutil.copytree(EXAMPLE, data / "reference")
    plan = load_plan(data / "reference")
    for quarter in QUARTERS:
        folder = data / "raw" / quarter
        folder.mkdir(parents=True)
        for unit in plan.reporters():
            if (quarter, unit) in MISSING:
                continue
            form = blank_form(plan, unit, quarter)
            form.reported_on = LATE.get((quarter, unit), f"{quarter[:4]}-{int(quarter[-1]) * 3 + 1:02d}-05")
            values = _values(quarter, unit)
            for row in form.rows:
                for key, value in values.get(row.code, {}).items():
                    setattr(row, key, value)
                if row.status is None and row.value is not None:
                    row.status = "推进中"
            name = safe_filename(unit, quarter)
            form.unit = WRITTEN_NAME.get(unit, unit)
            (folder / name).write_bytes(xlsx_bytes(plan, form))
    return data / "reference"
