"""A quarter's ingest: its files (`listing`), each read to an outcome (`onefile`), duplicates settled
across them (`settle`), and the three outputs assembled (`records`) and written through the contract
(`helpers.contract.datasets`): submissions.csv, rejects.csv, ingest_log.json (docs/submissions.md, docs/datasets.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from helpers.contract import datasets as D
from helpers.contract.paths import processed_dir, reference_dir
from helpers.ingest.limits import Limits
from helpers.ingest.listing import named, quarter_folder, valid_quarter
from helpers.ingest.onefile import ingest_file
from helpers.ingest.records import IngestLog, IngestResult, frames
from helpers.ingest.sandbox import IsolatedReader
from helpers.ingest.settle import settle_duplicates
from helpers.plan.reference import Plan, load_plan


def ingest_quarter(quarter: str, data_dir: str | Path = "data", plan: Plan | None = None) -> IngestResult:
    """Read DATA_DIR/raw/QUARTER/, write DATA_DIR/processed/QUARTER/{submissions,rejects}.csv and ingest_log.json."""
    quarter = valid_quarter(quarter)
    plan = plan or load_plan(reference_dir(data_dir))
    folder, paths, not_read = quarter_folder(data_dir, quarter)
    result = _ingest(paths, quarter, plan, folder, tuple(not_read))
    out = processed_dir(data_dir, quarter)
    written = [
        D.write(result.submissions, out, D.SUBMISSIONS),
        D.write(result.rejects, out, D.REJECTS),
        D.write_json(result.log, out, D.INGEST_LOG),
    ]
    return replace(result, written=written)


def ingest_files(paths: Iterable[str | Path], quarter: str, plan: Plan, base: str | Path | None = None) -> IngestResult:
    """Ingest the given files (no writing). Names in the outputs are relative to `base`, else the file name."""
    return _ingest(paths, valid_quarter(quarter), plan, base, None)


def _ingest(paths: Iterable[str | Path], quarter: str, plan: Plan, base: str | Path | None,
            not_read: tuple[dict, ...] | None) -> IngestResult:
    limits = Limits.from_params(plan.params)
    with IsolatedReader(limits) as reader:  # one worker process reads every file (sandbox)
        outcomes = [ingest_file(path, name, quarter, plan, limits.max_bytes, reader=reader)
                    for name, path in named(paths, base)]
    outcomes = settle_duplicates(outcomes)
    submissions, rejects = frames(outcomes, list(plan.registry.units), list(plan.catalogue))
    record = IngestLog(quarter, tuple(o.entry for o in outcomes), not_read)
    return IngestResult(quarter, submissions, rejects, record.to_json(), record=record)
