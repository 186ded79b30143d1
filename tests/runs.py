"""Runs the tests stand on: one sample quarter ingested and evaluated at a date (`evaluated_sample`), and
the last step of a stand-in run in the manifest and audit tests (`commit_stand_in`): record what it wrote, then
put the staged report folder in place as `yqeval run` does."""

import os
import shutil
from pathlib import Path

from helpers.audit import manifest as mf
from helpers.contract.paths import PROJECT_ROOT
from helpers.evaluate.completion import evaluate_quarter
from helpers.ingest import ingest_quarter
from helpers.plan.reference import load_plan


def commit_stand_in(quarter: str, as_of, data: Path, reports: Path, staging: Path, outputs: list,
                    parameters: dict) -> None:
    record = mf.build_manifest(quarter=quarter, as_of=as_of, data_dir=data, reports_dir=reports,
                               staging_dir=staging, parameters=parameters, outputs=outputs)
    mf.write_manifest(record, staging / "manifest.json")
    shutil.rmtree(reports / quarter, ignore_errors=True)
    os.replace(staging, reports / quarter)


def evaluated_sample(folder: Path, quarter: str, as_of) -> Path:
    """FOLDER/data holding the bundled sample's QUARTER, ingested and evaluated at AS_OF."""
    data = folder / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / quarter, data / "raw" / quarter)
    plan = load_plan(PROJECT_ROOT / "data" / "reference")
    ingest_quarter(quarter, data, plan)
    evaluate_quarter(quarter, as_of=as_of, data_dir=data, plan=plan)
    return data
