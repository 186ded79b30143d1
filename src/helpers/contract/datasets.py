"""The data contract: every dataset the workbook writes to data/processed/<quarter>/ and reads back.

Each dataset has a name, a file name, its columns in order, the columns read back as numbers and the
columns that hold a yes/no, written "true" / "false" (one spelling in every file). Modules read and write
a processed file only through `read`, `write`, `read_json`, `write_json` and `path` here; a test
(tests/test_datasets.py) fails when any other module names a processed file. docs/datasets.md describes
each dataset in the office's words.

This module imports nothing of the project but `outputs` and `vocabulary`, so every stage may import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.contract import outputs
from helpers.contract import vocabulary as W

if TYPE_CHECKING:
    import pandas as pd

TRUE, FALSE = "true", "false"  # the one boolean encoding of every CSV
TRUE_SPELLINGS = ("true", "True", "1", "是")  # read leniently: files written before the one encoding


@dataclass(frozen=True)
class Dataset:
    name: str
    file: str
    columns: tuple[str, ...] = ()  # empty for a JSON dataset
    numeric: tuple[str, ...] = ()
    boolean: tuple[str, ...] = ()

    @property
    def is_json(self) -> bool:
        return self.file.endswith(".json")


def _ds(name: str, columns: str = "", numeric: str = "", boolean: str = "", ext: str = "csv") -> Dataset:
    return Dataset(name, f"{name}.{ext}", tuple(columns.split()), tuple(numeric.split()), tuple(boolean.split()))


SUBMISSIONS = _ds("submissions", "quarter unit indicator value raw_value denominator raw_denominator status "
                  "approximate narrative problems next_steps evidence reported_on source_file source_sheet "
                  "source_row", numeric="value denominator", boolean="approximate")
REJECTS = _ds("rejects", "quarter source_file source_sheet source_row unit indicator raw_value reason kind")
INGEST_LOG = _ds("ingest_log", ext="json")
COMPLETION = _ds("completion", "quarter as_of scope indicator target actual rate expected status flags",
                 numeric="target actual rate expected")
SCORES = _ds("scores", "quarter as_of scope kind peer_group indicators missing score rank peers",
             numeric="indicators missing score rank peers")
REPORTING = _ds("reporting", "quarter unit kind files reported_on days_after_quarter_end late status",
                numeric="files days_after_quarter_end", boolean="late")
FLAGS = _ds("flags", "quarter scope indicator flag detail kind")
TREND = _ds("trend", "quarter as_of indicator name unit target actual rate expected status increment "
            "reported_actual carried_units days_overdue first_done",
            numeric="target actual rate expected increment reported_actual carried_units days_overdue")
CARRIED = _ds("carried", "quarter indicator unit value denominator carried_from", numeric="value denominator")
INCENTIVES = _ds("incentives", "quarter as_of scope rule basis_indicator basis_value amount_per_item rate "
                 "currency ceiling estimate_wan new_wan note",
                 numeric="basis_value amount_per_item rate estimate_wan new_wan", boolean="ceiling")

DATASETS: dict[str, Dataset] = {d.name: d for d in (SUBMISSIONS, REJECTS, INGEST_LOG, COMPLETION, SCORES,
                                                     REPORTING, FLAGS, TREND, CARRIED, INCENTIVES)}
INGEST = (SUBMISSIONS, REJECTS, INGEST_LOG)  # what ingest writes
EVALUATION = (COMPLETION, SCORES, REPORTING, FLAGS, TREND, CARRIED)  # what evaluate writes (and incentives)


def _dataset(ds: Dataset | str) -> Dataset:
    return ds if isinstance(ds, Dataset) else DATASETS[ds]


def path(folder: str | Path, ds: Dataset | str) -> Path:
    """The file of dataset ds in a quarter's processed folder."""
    return Path(folder) / _dataset(ds).file


def exists(folder: str | Path, ds: Dataset | str) -> bool:
    return path(folder, ds).is_file()


def empty(ds: Dataset | str) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=list(_dataset(ds).columns))


def encode_booleans(df: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """Yes/no columns as "true" / "false"; text already written that way, and empty cells, unchanged."""
    cols = [c for c in ds.boolean if c in df.columns]
    if not cols or not len(df):
        return df
    df = df.copy()
    for c in cols:
        df[c] = df[c].map(lambda v: (TRUE if v else FALSE) if isinstance(v, bool) or type(v).__name__ == "bool_"
                          else v)
    return df


def is_true(values) -> pd.Series:
    """A yes/no column read back: True where it says yes in any spelling the workbook ever wrote."""
    return values.isin(TRUE_SPELLINGS)


def write(df: pd.DataFrame, folder: str | Path, ds: Dataset | str) -> Path:
    """Write dataset ds (its columns in order, booleans "true"/"false") into the processed folder."""
    ds = _dataset(ds)
    return outputs.write_csv(encode_booleans(df, ds), path(folder, ds), list(ds.columns))


def read(folder: str | Path, ds: Dataset | str, missing_ok: bool = False) -> pd.DataFrame:
    """Dataset ds as written: text as text, its numeric columns as floats (empty → NaN). With missing_ok,
    a file that is not there reads as an empty frame with the dataset's columns."""
    ds = _dataset(ds)
    p = path(folder, ds)
    if missing_ok and not p.exists():
        return empty(ds)
    return outputs.read_csv(p, numeric=list(ds.numeric))


def write_json(obj, folder: str | Path, ds: Dataset | str) -> Path:
    return outputs.write_json(obj, path(folder, ds))


def read_json(folder: str | Path, ds: Dataset | str, missing_ok: bool = False):
    p = path(folder, ds)
    if missing_ok and not p.exists():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


def conflict_rows(rejects: pd.DataFrame) -> pd.DataFrame:
    """The rejects that are 数据冲突, by their kind. A rejects.csv written before the kind column (an
    earlier version's processed data) is read by the reason's first word, the only time one is read."""
    if not len(rejects):
        return rejects.iloc[:0]
    if "kind" in rejects:
        return rejects[rejects["kind"] == W.REJECT_CONFLICT]
    if "reason" in rejects:
        return rejects[rejects["reason"].astype(str).str.startswith(W.CONFLICT)]
    return rejects.iloc[:0]


def conflicted(rejects: pd.DataFrame) -> set[tuple[str, str]]:
    """(unit, indicator) pairs whose rows were rejected as 数据冲突."""
    hit = conflict_rows(rejects)
    return set(zip(hit["unit"], hit["indicator"], strict=True))
