"""A synthetic province for the scale benchmark: a reference folder with many township units, and
processed submissions for several quarters built directly as DataFrames (no files).

The real reference data is copied and units.csv extended: the district's 25 townships stay (tasks and
unit targets name some of them) and synthetic 镇/乡 in further counties are added until there are
N township-level units. The groups (各乡镇 = kind:镇;kind:乡) are kept, so every indicator reported by
"各乡镇" expands to all of them.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.contract import datasets as D
from helpers.contract.paths import PROJECT_ROOT
from helpers.evaluate.completion import QUAL_DONE, QUAL_ONGOING, QuarterData
from helpers.plan import quarters
from helpers.plan.reference import TOWNSHIP_KINDS, Plan

SUBMISSION_COLUMNS = ["quarter", "unit", "indicator", "value", "raw_value", "denominator", "raw_denominator",
                      "status", "approximate", "narrative", "problems", "next_steps", "evidence", "reported_on",
                      "source_file", "source_sheet", "source_row"]


def make_reference(dst: Path, n_units: int = 1500, n_counties: int = 100) -> Path:
    """Copy data/reference to dst with units.csv holding n_units township-level units in n_counties counties."""
    src = PROJECT_ROOT / "data" / "reference"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("seed"), dirs_exist_ok=True)
    with (src / "units.csv").open(encoding="utf-8-sig", newline="") as fh:
        units = list(csv.DictReader(fh))
    towns = [u for u in units if u["kind"] in TOWNSHIP_KINDS]
    others = [u for u in units if u["kind"] not in TOWNSHIP_KINDS]
    extra = max(0, n_units - len(towns))
    per_county = -(-extra // max(1, n_counties - 1))  # the real district is county 1
    synthetic = []
    for i in range(extra):
        county, k = 2 + i // per_county, 1 + i % per_county
        kind = "乡" if k % 4 == 0 else "镇"
        synthetic.append({"name": f"县{county:03d}第{k:02d}{kind}", "kind": kind, "code": f"{county:03d}{k:03d}"})
    with (dst / "units.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["name", "kind", "code"])
        writer.writeheader()
        writer.writerows(towns + synthetic + others)
    return dst


def quarter_list(first: str, n: int) -> list[str]:
    out, q = [], first
    for _ in range(n):
        out.append(q)
        q = quarters.quarter_of(quarters.quarter_end(q) + pd.Timedelta(days=1))
    return out


def make_history(plan: Plan, qs: list[str], seed: int = 7, missing: float = 0.02,
                 via: Path | None = None) -> dict[str, QuarterData]:
    """Processed submissions for every quarter: cumulative values growing each quarter, a few gaps.

    via: a folder; each quarter's submissions are written there as submissions.csv and read back as
    load_history reads them (helpers.datasets), so evaluate gets the frames a real run holds (text
    columns as read, not as generated: the generator's strings take about three times the memory)."""
    rng = np.random.default_rng(seed)
    pairs = [(code, unit, ind.kind) for code, ind in plan.indicators.items() for unit in ind.reporters]
    base = pd.DataFrame(pairs, columns=["indicator", "unit", "kind"])
    n = len(base)
    scale = rng.uniform(0.2, 3.0, n)
    villages = rng.integers(8, 30, n).astype(float)
    history = {}
    for i, q in enumerate(qs):
        growth = (i + 1) / len(qs)
        subs = base[["unit", "indicator"]].copy()
        subs["quarter"] = q
        kind = base["kind"].to_numpy()
        value = np.round(scale * 100 * growth, 1)
        value = np.where(kind == "ratio", np.minimum(villages, np.round(villages * min(1.0, 0.5 + growth))), value)
        value = np.where(kind == "milestone", float(growth >= 0.5), value)
        subs["value"] = np.where(kind == "qualitative", np.nan, value)
        subs["denominator"] = np.where(kind == "ratio", villages, np.nan)
        subs["raw_value"] = [f"{v:g}" if v == v else "" for v in subs["value"]]
        subs["raw_denominator"] = [f"{v:g}" if v == v else "" for v in subs["denominator"]]
        done = rng.random(n) < growth
        subs["status"] = np.where(kind == "qualitative", np.where(done, QUAL_DONE, QUAL_ONGOING), "")
        subs["evidence"] = np.where(done & (rng.random(n) < 0.9), "台账", "")
        subs["approximate"] = np.where(rng.random(n) < 0.01, "True", "False")
        for col in ("narrative", "problems", "next_steps"):
            subs[col] = "按计划推进"
        end = quarters.quarter_end(q)
        subs["reported_on"] = (end + pd.Timedelta(days=5)).isoformat()
        subs["source_file"] = subs["unit"] + f"_{q}.xlsx"
        subs["source_sheet"], subs["source_row"] = "进展填报表", "4"
        subs = subs[rng.random(n) >= missing][SUBMISSION_COLUMNS].reset_index(drop=True)
        if via is not None:  # plain to_csv (no formula guard: generated text has none), read back by D.read
            D.path(via / q, D.SUBMISSIONS).parent.mkdir(parents=True, exist_ok=True)
            subs.to_csv(D.path(via / q, D.SUBMISSIONS), index=False)
            del subs
            subs = D.read(via / q, D.SUBMISSIONS)
        log = {"files": [{"file": f"{u}_{q}.xlsx", "unit": u, "status": "ok",
                          "reported_on": (end + pd.Timedelta(days=int(d))).isoformat()}
                         for u, d in zip(plan.reporters(), rng.integers(1, 20, len(plan.reporters())), strict=True)]}
        rejects = pd.DataFrame(columns=["quarter", "source_file", "source_sheet", "source_row", "unit", "indicator",
                                        "raw_value", "reason"])
        history[q] = QuarterData(q, subs, rejects, log)
    return history


def card_context(plan: Plan, history: dict[str, QuarterData], quarter: str, ev=None):
    """The scorecards' context of the synthetic province's last quarter (as scorecards.load_context
    builds it from the processed files), from the evaluation in memory."""
    from helpers.evaluate.completion import evaluate
    from helpers.report import scorecards
    from helpers.report import sections as report

    as_of = quarters.quarter_end(quarter)
    ev = ev or evaluate(history, quarter, as_of, plan)
    last = history[quarter]
    rd = report.ReportData(quarter, as_of, ev.completion, ev.scores, ev.reporting, ev.flags, ev.trend,
                           last.submissions, last.rejects, last.log, False, carried=ev.carried)
    return scorecards.CardContext(quarter, plan, rd, scorecards.history_cells(history, plan),
                                  scorecards.reporting_history(history, plan))
