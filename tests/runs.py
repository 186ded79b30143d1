"""The last step of a stand-in run in the manifest and audit tests: record what it wrote, then put the
staged report folder in place as `yqeval run` does."""

import os
import shutil
from pathlib import Path

from helpers.audit import manifest as mf


def commit_stand_in(quarter: str, as_of, data: Path, reports: Path, staging: Path, outputs: list,
                    parameters: dict) -> None:
    record = mf.build_manifest(quarter=quarter, as_of=as_of, data_dir=data, reports_dir=reports,
                               staging_dir=staging, parameters=parameters, outputs=outputs)
    mf.write_manifest(record, staging / "manifest.json")
    shutil.rmtree(reports / quarter, ignore_errors=True)
    os.replace(staging, reports / quarter)
