"""Pipeline pieces that need no notebook run: the folder swap, notebook normalisation, history."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.run import pipeline


def test_swap_replaces_the_report_and_says_when_scorecards_go(tmp_path):
    final, staging = tmp_path / "2019Q4", tmp_path / "staging"
    (final / "units").mkdir(parents=True)
    (final / "old.pdf").write_text("old")
    (final / "units" / "符离镇.pdf").write_text("card")
    staging.mkdir()
    (staging / "new.pdf").write_text("new")
    said = []
    pipeline._swap(staging, final, said.append)
    assert sorted(p.name for p in final.iterdir()) == ["new.pdf"]
    assert not staging.exists() and not (tmp_path / ".2019Q4.old").exists()
    assert len(said) == 1 and "yqeval scorecards 2019Q4" in said[0]
    staging.mkdir()
    said.clear()
    pipeline._swap(staging, final, said.append)  # no cards before: nothing to say
    assert said == []


def test_normalize_notebook_drops_what_varies_and_keeps_parameters(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={
        "papermill": {"start_time": "2026-11-28T16:00:00", "end_time": "t", "duration": 1.2, "status": "completed"},
        "execution": {"iopub.execute_input": "2026-11-28T16:00:00"}})],
        metadata={"papermill": {"parameters": {"quarter": "2019Q4"}, "start_time": "s", "end_time": "e",
                                "duration": 3.0, "input_path": "/abs/notebooks/01_ingest.ipynb",
                                "output_path": "/tmp/x/01_ingest.ipynb", "environment_variables": {"A": "1"}}})
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    pipeline.normalize_notebook(path)
    out = nbformat.read(path, as_version=4)
    pm = out.metadata.papermill
    assert pm["parameters"] == {"quarter": "2019Q4"} and pm["input_path"] == "01_ingest.ipynb"
    assert not {"start_time", "end_time", "duration"} & set(pm) and pm["environment_variables"] == {}
    cell = out.cells[0]
    assert cell["id"] == "cell-000" and "execution" not in cell.metadata
    assert cell.metadata.papermill == {"status": "completed"}


def test_earlier_quarters_are_the_raw_folders_before_this_one(tmp_path):
    for name in ("2019Q4", "2020Q1", "2020Q2", "notes", "2019-Q3"):
        (tmp_path / "raw" / name).mkdir(parents=True)
    assert pipeline.earlier_quarters(tmp_path, "2020Q2") == ["2019Q4", "2020Q1"]
    assert pipeline.earlier_quarters(tmp_path, "2019Q4") == []


def test_history_is_what_was_processed_and_a_run_refuses_processed_data_without_raw(tmp_path, plan):
    from helpers.evaluate.completion import load_history
    from helpers.ingest import ingest_quarter
    from helpers.plan.quarters import present

    for q in ("2019Q4", "2020Q1"):
        (tmp_path / "raw" / q).mkdir(parents=True)
    ingest_quarter("2020Q1", tmp_path, plan=plan)
    assert present(tmp_path, "2020Q1") == ["2019Q4", "2020Q1"]
    assert present(tmp_path, "2020Q1", stage="processed") == ["2020Q1"]
    assert present(tmp_path, "2020Q1", inclusive=False) == ["2019Q4"]
    with pytest.raises(FileNotFoundError, match="2019Q4 的报送文件尚未读取"):
        load_history(tmp_path, "2020Q1")
    ingest_quarter("2019Q4", tmp_path, plan=plan)
    assert list(load_history(tmp_path, "2020Q1")) == ["2019Q4", "2020Q1"]
    with pytest.raises(FileNotFoundError, match="没有 2020Q2 的处理结果"):
        load_history(tmp_path, "2020Q2")
    # processed data handed over without its raw folder: evaluate reads it (issue 4: "every earlier quarter
    # present"), but a run, which must be reproducible from raw files, refuses to start
    (tmp_path / "raw" / "2019Q4").rmdir()
    assert list(load_history(tmp_path, "2020Q1")) == ["2019Q4", "2020Q1"]
    with pytest.raises(pipeline.RunError, match="没有对应的原始报送文件夹"):
        pipeline.run_quarter("2020Q1", data_dir=tmp_path, reports_dir=tmp_path / "reports", progress=None)
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


@pytest.mark.slow
def test_a_failing_notebook_names_its_cell_and_where_it_was_kept_and_leaves_no_kernel(tmp_path, monkeypatch):
    import subprocess

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    for name in pipeline.NOTEBOOKS:
        cells = [new_code_cell('quarter = ""\ndata_dir = ""\nas_of = ""\noutput_dir = ""', metadata={"tags": ["parameters"]})]
        if name.startswith("02"):
            cells.append(new_code_cell("raise ValueError('第二步坏了')"))
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        nbformat.write(nb, str(project / "notebooks" / name))
    monkeypatch.setattr(pipeline, "PROJECT_ROOT", project)
    data = tmp_path / "data"
    (data / "raw" / "2019Q4").mkdir(parents=True)
    with pytest.raises(pipeline.RunError) as caught:
        pipeline.run_quarter("2019Q4", data_dir=data, reports_dir=tmp_path / "reports", progress=None)
    message = str(caught.value)
    failed = tmp_path / "reports" / ".2019Q4.failed" / "notebooks" / "02_evaluate.ipynb"
    assert "02_evaluate.ipynb 第 3 个单元格" in message  # [3]: after papermill's injected parameters cell and "第二步坏了" in message
    assert str(failed) in message and failed.exists()
    kernels_left = subprocess.run(["pgrep", "-f", "ipykernel_launcher"], capture_output=True, text=True).stdout
    assert kernels_left.strip() == ""
