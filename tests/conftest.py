import shutil
from pathlib import Path

import pytest

from helpers.contract.paths import PROJECT_ROOT
from helpers.plan.reference import load_plan

SEED = PROJECT_ROOT / "data" / "reference" / "seed" / "埇政办秘〔2019〕38号.txt"


@pytest.fixture(scope="session")
def plan():
    return load_plan(PROJECT_ROOT / "data" / "reference")


@pytest.fixture
def ref_copy(tmp_path) -> Path:
    """An editable copy of data/reference."""
    dst = tmp_path / "reference"
    shutil.copytree(PROJECT_ROOT / "data" / "reference", dst, ignore=shutil.ignore_patterns("seed"))
    return dst
