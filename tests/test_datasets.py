"""The data contract (helpers.contract.datasets, docs/datasets.md): every processed file is declared, written and
read only through the contract, and every yes/no column is spelled one way."""

import ast
import shutil
from pathlib import Path

import pandas as pd
import pytest

from helpers.contract import datasets as D
from helpers.contract.paths import PROJECT_ROOT
from helpers.evaluate.completion import evaluate_quarter
from helpers.ingest import ingest_quarter

SRC = PROJECT_ROOT / "src" / "helpers"
# data/reference/incentives.csv (the reward rules) shares its name with the processed estimate
REFERENCE_NAMES = {("rules.py", "incentives.csv")}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def literal_names(source: str) -> list[tuple[int, str]]:
    """(line, processed file name) for every string in the code (not a docstring) that is, or ends in, the
    file name of a dataset: what a module writes to open a processed file by its name."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    files = {d.file for d in D.DATASETS.values()}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value.strip()
            for f in files:
                if text == f or text.endswith("/" + f):
                    found.append((node.lineno, f))
    return sorted(found)


def test_no_module_but_the_contract_names_a_processed_file():
    offenders = [f"{p.name}:{line}: {name}" for p in sorted(SRC.rglob("*.py")) if p.name != "datasets.py"
                 for line, name in literal_names(p.read_text(encoding="utf-8"))
                 if (p.name, name) not in REFERENCE_NAMES]
    assert not offenders, "经由 helpers.contract.datasets 读写 data/processed 中的文件：\n" + "\n".join(offenders)


def test_the_check_sees_a_file_named_in_code():
    code = ('"""Writes completion.csv."""\nimport pandas as pd\n'
            'def f(folder):\n    """reads rejects.csv"""\n    return pd.read_csv(folder / "rejects.csv")\n'
            'x = "processed/2019Q4/flags.csv"\ny = "退回的数据行见 rejects.csv"\n')
    assert literal_names(code) == [(5, "rejects.csv"), (6, "flags.csv")]


def test_booleans_are_written_one_way_and_read_back(tmp_path):
    df = pd.DataFrame({"quarter": ["2019Q4"] * 3, "unit": ["甲", "乙", "丙"], "late": [True, False, True],
                       "files": [1, 0, 2]})
    D.write(df, tmp_path, D.REPORTING)
    text = D.path(tmp_path, D.REPORTING).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == ",".join(D.REPORTING.columns)
    assert [line.split(",")[6] for line in text.splitlines()[1:]] == ["true", "false", "true"]
    back = D.read(tmp_path, D.REPORTING)
    assert D.is_true(back["late"]).tolist() == [True, False, True]
    assert back["files"].tolist() == [1.0, 0.0, 2.0]  # numeric columns come back as numbers
    assert D.read(tmp_path, D.CARRIED, missing_ok=True).columns.tolist() == list(D.CARRIED.columns)
    with pytest.raises(FileNotFoundError):
        D.read(tmp_path, D.CARRIED)


@pytest.fixture(scope="module")
def sample_processed(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("contract") / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw")
    shutil.copytree(PROJECT_ROOT / "data" / "reference", data / "reference")
    for q in ("2019Q4", "2020Q1"):
        ingest_quarter(q, data)
        evaluate_quarter(q, data_dir=data)
    return data / "processed" / "2020Q1"


def test_every_processed_file_is_declared_with_its_columns(sample_processed):
    written = sorted(p.name for p in sample_processed.iterdir())
    assert written == sorted(d.file for d in D.DATASETS.values())
    for ds in D.DATASETS.values():
        if ds.is_json:
            assert set(D.read_json(sample_processed, ds)) >= {"quarter", "files", "totals"}
            continue
        header = D.path(sample_processed, ds).read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.split(",") == list(ds.columns), ds.name


def test_every_yes_no_column_says_true_or_false(sample_processed):
    seen = 0
    for ds in D.DATASETS.values():
        for col in ds.boolean:
            values = set(D.read(sample_processed, ds)[col])
            assert values <= {D.TRUE, D.FALSE}, (ds.name, col, values)
            seen += bool(values)
    assert seen == 3  # submissions.approximate, reporting.late, incentives.ceiling all hold values


def test_rejects_and_flags_carry_a_kind_beside_their_words(sample_processed):
    from helpers.contract import vocabulary as W

    rejects = D.read(sample_processed, D.REJECTS)
    assert set(rejects["kind"]) <= set(W.REJECT_KINDS)
    conflicts = rejects[rejects["kind"] == W.REJECT_CONFLICT]
    assert len(conflicts) and conflicts["reason"].str.startswith(W.CONFLICT).all()  # the words stay
    assert D.conflicted(rejects) == set(zip(conflicts["unit"], conflicts["indicator"], strict=True))
    assert (rejects.loc[rejects["kind"] == W.REJECT_FILE, "source_row"] == "").all()
    not_reporter = rejects[rejects["kind"] == W.REJECT_NOT_REPORTER]
    assert len(not_reporter) and not_reporter["reason"].str.contains("不是此指标的填报单位").all()
    flags = D.read(sample_processed, D.FLAGS)
    assert set(flags["kind"]) <= set(W.FLAG_KINDS) and "" not in set(flags["kind"])
    # an older rejects.csv without the column is still read (by the first word, the one place that does)
    legacy = rejects.drop(columns="kind")
    assert D.conflicted(legacy) == D.conflicted(rejects)


def test_the_words_are_defined_once():
    from helpers import ingest
    from helpers.contract import vocabulary as W
    from helpers.evaluate import completion
    from helpers.report import charts, notices

    assert charts.LIGHTS == W.LIGHTS and list(charts.LIGHTS) == list(W.LIGHTS)
    assert completion.LIGHTS is W.LIGHTS and completion.STATUSES is W.STATUSES
    assert ingest.CONFLICT == completion.CONFLICT == W.CONFLICT and notices.RETURNED == W.RETURNED
    assert set(W.LIGHTS) == set(W.STATUSES)
    for p in sorted(SRC.rglob("*.py")):
        if p.name == "vocabulary.py":
            continue
        text = p.read_text(encoding="utf-8")
        for word in (W.CONFLICT, W.RETURNED, W.SAMPLE_MARK, W.OVERDUE, W.FAR_BEHIND, W.CARRIED, W.MISSING, W.PENDING):
            assert f'= "{word}"' not in text, f"{p.name} defines {word} again: import it from helpers.contract.vocabulary"
