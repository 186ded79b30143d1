"""Same inputs, same outputs: the sample quarter run twice gives byte-identical files; verify catches a change.

Slow: each run executes the three notebooks and renders the PDF. One pair of runs is shared by all tests.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from helpers.contract.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

QUARTER = "2020Q1"  # the later sample quarter: its run re-ingests 2019Q4 too, so both are covered
NEEDED = ("2019Q4", QUARTER)
LEFTOVER = "data/processed/2019Q4/completion.csv"  # left by an earlier run of 2019Q4, not by this one


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _sample_raw(dst: Path) -> None:
    """data/raw of the project when the sample is there, else a fresh sample written into dst only."""
    src = PROJECT_ROOT / "data" / "raw"
    if all((src / q).is_dir() for q in NEEDED):
        shutil.copytree(src, dst / "raw", ignore=shutil.ignore_patterns(".gitkeep"))
        return
    sample = pytest.importorskip("helpers.sample")
    sample.write_sample(dst)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run A with run_quarter (warm kernels); run B is verify's own re-run of A (cold kernels), kept by
    a recording runner.

    Two runs from identical copies of the raw files in two separate folders, and at the same time
    `yqeval verify` on an untouched run, for the price of two runs.
    """
    pytest.importorskip("helpers.run.pipeline")
    if not (PROJECT_ROOT / "notebooks" / "01_ingest.ipynb").exists():
        pytest.skip("notebooks/01_ingest.ipynb is not there yet")
    from helpers.run.pipeline import run_quarter
    from helpers.run.verification import verify

    root_a, root_b = tmp_path_factory.mktemp("run_a"), tmp_path_factory.mktemp("run_b")
    _sample_raw(root_a / "data")
    # an analyst ran the earlier quarter before: its evaluation files stay, but this run did not write them
    leftover = root_a / LEFTOVER
    leftover.parent.mkdir(parents=True)
    leftover.write_text("left by an earlier `yqeval run 2019Q4`", encoding="utf-8")
    before = hashes(root_a / "data" / "raw")
    from unittest import mock

    from helpers.run import kernels

    taken = []  # run A's notebooks: in which kernel each ran (None: papermill's own)
    take = kernels.WarmKernels._take_shared

    def recording_take(pool, i):
        kernel = take(pool, i)
        taken.append(None if kernel is None else kernel.km)
        return kernel

    with mock.patch.object(kernels.WarmKernels, "_take_shared", recording_take):
        run_quarter(QUARTER, data_dir=root_a / "data", reports_dir=root_a / "reports", progress=None)
    after = hashes(root_a / "data" / "raw")

    def recording_runner(quarter, **kwargs):
        # run B without warm kernels: the comparison also proves warming changes no output byte
        result = run_quarter(quarter, warm=False, **kwargs)
        shutil.copytree(kwargs["data_dir"], root_b / "data")
        shutil.copytree(kwargs["reports_dir"], root_b / "reports")
        return result

    lines: list[str] = []
    code = verify(root_a / "reports" / QUARTER / "manifest.json", runner=recording_runner, out=lines.append)
    return {"a": root_a, "b": root_b, "raw_before": before, "raw_after": after, "taken": taken,
            "verify_code": code, "verify_text": "\n".join(lines)}


def _outputs(root: Path) -> dict[str, str]:
    """Every file a run wrote (hidden leftovers included), except the manifest with its created_at."""
    files = {f"data/processed/{k}": v for k, v in hashes(root / "data" / "processed").items()}
    files |= {f"reports/{k}": v for k, v in hashes(root / "reports").items()}
    return {k: v for k, v in files.items() if not k.endswith("/manifest.json") and k != LEFTOVER}


def _manifest(root: Path) -> dict:
    return json.loads((root / "reports" / QUARTER / "manifest.json").read_text(encoding="utf-8"))


def test_the_manifest_records_only_what_the_run_wrote(runs):
    assert LEFTOVER not in {r["path"] for r in _manifest(runs["a"])["outputs"]}
    assert (runs["a"] / LEFTOVER).exists()


def test_two_runs_give_byte_identical_outputs(runs):
    a, b = _outputs(runs["a"]), _outputs(runs["b"])
    assert sorted(a) == sorted(b)
    assert {Path(name).suffix for name in a} >= {".csv", ".json", ".html", ".pdf", ".ipynb"}
    assert {f"data/processed/{q}/ingest_log.json" for q in NEEDED} <= set(a)
    differing = [name for name in sorted(a) if a[name] != b[name]]
    assert not differing, f"these outputs differ between two runs of the same inputs: {differing}"


def test_verify_passes_on_an_untouched_run(runs):
    assert runs["verify_code"] == 0, runs["verify_text"]
    assert "结论：可复现" in runs["verify_text"]


def test_manifest_lists_every_input_and_output_with_its_hash(runs):
    m = _manifest(runs["a"])
    assert {r["path"]: r["sha256"] for r in m["outputs"]} == _outputs(runs["a"])
    assert {r["path"]: r["sha256"] for r in m["inputs"]} == {f"raw/{k}": v for k, v in runs["raw_before"].items()
                                                             if "/" in k and k.split("/")[0] <= QUARTER}
    other = _manifest(runs["b"])
    assert m["outputs"] == other["outputs"] and m["inputs"] == other["inputs"]
    assert m["parameters"]["notebook"] == other["parameters"]["notebook"]


def test_executed_notebooks_carry_their_parameters(runs):
    for name in ("02_evaluate.ipynb", "03_report.ipynb"):
        nb = json.loads((runs["a"] / "reports" / QUARTER / "notebooks" / name).read_text(encoding="utf-8"))
        params = nb["metadata"]["papermill"]["parameters"]
        assert params["quarter"] == QUARTER and params["as_of"] == "2020-03-31"


def test_one_kernel_runs_the_three_notebooks_each_counting_from_1(runs):
    """Run A executed its notebooks in one shared kernel (reset between them, `freshkernel`), run B in
    three cold ones; their notebooks are byte-identical (test_two_runs_give_byte_identical_outputs)."""
    from helpers.run.pipeline import NOTEBOOKS

    assert len(runs["taken"]) == len(NOTEBOOKS) and runs["taken"][0] is not None
    assert all(km is runs["taken"][0] for km in runs["taken"])  # never given up for a cold kernel
    assert not runs["taken"][0].has_kernel  # and shut down after the last notebook
    for root in (runs["a"], runs["b"]):
        for name in NOTEBOOKS:
            nb = json.loads((root / "reports" / QUARTER / "notebooks" / name).read_text(encoding="utf-8"))
            counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
            assert counts == list(range(1, len(counts) + 1)), (root.name, name, counts)


def test_a_run_never_writes_into_data_raw(runs):
    assert runs["raw_after"] == runs["raw_before"]


def test_verify_names_a_raw_file_changed_after_the_run(runs, capsys):
    from helpers.cli import main

    target = sorted((runs["a"] / "data" / "raw" / QUARTER).glob("*.xlsx"))[0]
    name = f"raw/{QUARTER}/{target.name}"
    original = target.read_bytes()
    try:
        _add_one_to_a_number(target)
        code = main(["verify", str(runs["a"] / "reports" / QUARTER / "manifest.json")])
    finally:
        target.write_bytes(original)
    text = capsys.readouterr().out
    assert code == 1, text
    assert any(line.strip().startswith("已改变") and name in line for line in text.splitlines()), text
    assert f"{name}（已改变）" in text.splitlines()[-1]
    rows = [line for line in text.splitlines() if line.startswith(("一致", "不一致", "缺失"))]
    # the earlier quarter's processed data does not depend on the changed file and re-runs identically
    assert all(r.startswith("一致") for r in rows if "data/processed/2019Q4/" in r), text
    assert any(r.startswith("不一致") and f"输入 {name} 已改变" in r for r in rows), text


def _add_one_to_a_number(path: Path) -> None:
    """Edit the workbook as a unit would: one reported figure changed, saved again."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.value += 1
                    wb.save(path)
                    return
    raise AssertionError(f"{path.name} has no number to change")


def test_verify_tells_a_resaved_file_from_a_changed_one(runs, capsys):
    """Opened and saved again with openpyxl: new bytes, same content. verify says so, finds the processed
    data unchanged, and attributes the report's differences to the digests it lists."""
    from helpers.audit.changes import UNCHANGED
    from helpers.cli import main

    target = sorted((runs["a"] / "data" / "raw" / QUARTER).glob("*.xlsx"))[0]
    name = f"raw/{QUARTER}/{target.name}"
    original = target.read_bytes()
    try:
        import openpyxl

        openpyxl.load_workbook(target).save(target)
        assert target.read_bytes() != original
        code = main(["verify", str(runs["a"] / "reports" / QUARTER / "manifest.json")])
    finally:
        target.write_bytes(original)
    text = capsys.readouterr().out
    assert code == 1, text  # a changed input is never "reproducible"
    assert f"{name}：{UNCHANGED}" in text, text
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith(("一致", "不一致", "缺失"))}
    assert rows[f"data/processed/{QUARTER}/submissions.csv"].startswith("一致"), text
    assert rows[f"data/processed/{QUARTER}/rejects.csv"].startswith("一致"), text
    differing = [line for line in rows.values() if line.startswith("不一致")]
    assert differing and all(f"输入 {name} 已改变，但{UNCHANGED}" in line for line in differing), text
    assert "摘要和大小换回记录值后一致" in rows[f"data/processed/{QUARTER}/ingest_log.json"], text
