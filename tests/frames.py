"""Small processed-data frames for evaluation tests, shaped exactly as ingest writes them."""

import pandas as pd

from helpers.evaluate.completion import QuarterData
from helpers.ingest import SUBMISSION_COLUMNS


def qd(quarter, rows, rejects=(), files=None) -> QuarterData:
    """A quarter's processed data from row dicts (unit, indicator, value, …); every unit sent one file on
    2020-01-05 unless files (ingest_log entries) say otherwise."""
    subs = pd.DataFrame([{"quarter": quarter, "approximate": "False", "status": "", "evidence": "", **r}
                         for r in rows], columns=SUBMISSION_COLUMNS)
    for col in ("value", "denominator"):
        subs[col] = pd.to_numeric(subs[col])
    subs = subs.fillna({c: "" for c in SUBMISSION_COLUMNS if c not in ("value", "denominator")})
    rej = pd.DataFrame(list(rejects), columns=["unit", "indicator", "reason"])
    log = {"files": files if files is not None else [
        {"unit": u, "status": "ok", "reported_on": "2020-01-05"} for u in sorted({r["unit"] for r in rows})]}
    return QuarterData(quarter, subs, rej, log)
