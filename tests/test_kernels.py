"""Warm kernels: a notebook executed in a kernel warmed ahead of time is the notebook executed cold.

The pipeline's own equivalence (a warm run's files equal a cold run's, byte for byte) is checked in
test_reproducible.py; here are the pieces, on a two-cell notebook.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.run import kernels

PROBE = "helpers.plan.quarters"  # not imported when a kernel starts; the notebook's second cell imports it


def _notebook(path):
    nb = new_notebook(cells=[
        new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        new_code_cell(f"import sys\nprint({PROBE!r} in sys.modules, sorted(n for n in dir() if not n.startswith('_')))"),
        new_code_cell("from helpers.plan import quarters\nprint(quarters.validate('2019q4'))"),
        new_code_cell("print(get_ipython().history_manager.hist_file)"),
    ])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, str(path))
    return path


def test_imported_modules_reads_import_statements_in_order():
    nb = new_notebook(cells=[
        new_markdown_cell("import nothing_from_markdown"),
        new_code_cell("import pandas as pd\nimport a.b, c"),
        new_code_cell("from helpers.report import charts, sections\nfrom x.y import *\nfrom . import local"),
        new_code_cell("%matplotlib inline\nimport from_a_magic_cell"),
        new_code_cell("def f():\n    import inside_function\nimport pandas"),
    ])
    assert kernels.imported_modules(nb) == [
        "pandas", "a.b", "c", "helpers.report", "helpers.report.charts", "helpers.report.sections", "x.y", "inside_function"]


def test_imported_modules_of_the_report_notebook_include_its_chart_module():
    from helpers.contract.paths import PROJECT_ROOT

    modules = kernels.imported_modules(PROJECT_ROOT / "notebooks" / "03_report.ipynb")
    assert {"helpers.report.charts", "helpers.report.sections", "pandas"} & set(modules) >= {"helpers.report.charts", "helpers.report.sections"}


def test_warm_code_imports_and_binds_no_name(tmp_path):
    """Run the warm-up statement in a fresh interpreter: modules loaded, namespace untouched, failures quiet."""
    code = kernels.warm_code(["json", "no_such_module_yqeval", "helpers.plan.quarters"])
    script = (f"before = set(globals())\n{code}\n"
              "print(sorted(set(globals()) - before - {'before'}), 'helpers.plan.quarters' in __import__('sys').modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True"


@pytest.mark.slow
def test_a_warm_kernel_runs_the_notebook_as_a_cold_one_would(tmp_path):
    import papermill as pm

    source = _notebook(tmp_path / "probe.ipynb")
    with kernels.WarmKernels([source, source], cwd=tmp_path, ahead=1) as pool:
        warm = []
        for i in range(2):
            out = tmp_path / f"warm_{i}.ipynb"
            kernel = pool.take(i)
            pm.execute_notebook(str(source), str(out), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                                km=kernel.km)
            pool.release(kernel)
            warm.append(nbformat.read(str(out), as_version=4))
        kms = [k.km for k in pool._kernels.values()]
    cold_path = tmp_path / "cold.ipynb"
    pm.execute_notebook(str(source), str(cold_path), kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    cold = nbformat.read(str(cold_path), as_version=4)

    def outputs(nb):
        return [(c.execution_count, json.dumps(c.outputs, sort_keys=True)) for c in nb.cells if c.cell_type == "code"]

    for nb in warm:
        # warmed: the probe module was loaded before the notebook's first cell, by the warm-up alone
        probe = nb.cells[1].outputs[0]["text"]
        assert probe.startswith("True [") and "'x'" in probe
        assert "MODULES" not in probe and "'importlib'" not in probe and "'m'" not in probe
        assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == [1, 2, 3, 4]
        assert nb.cells[2].outputs[0]["text"] == "2019Q4\n"
        assert nb.cells[3].outputs[0]["text"] == ":memory:\n"  # the analyst's IPython history stays untouched
    assert cold.cells[1].outputs[0]["text"].startswith("False [")
    # apart from that probe, the executed notebooks are the same
    assert outputs(warm[0])[2:] == outputs(cold)[2:]
    assert [nb.cells[1].outputs[0]["text"].replace("True", "False") for nb in warm] == [cold.cells[1].outputs[0]["text"]] * 2
    # the engine shut each kernel down after its notebook, as papermill does with its own kernels
    assert all(not km.has_kernel for km in kms)


@pytest.mark.slow
def test_kernels_never_taken_are_shut_down(tmp_path):
    source = _notebook(tmp_path / "probe.ipynb")
    with kernels.WarmKernels([source, source, source], cwd=tmp_path, ahead=2) as pool:
        pool.start(0)
        pool.start(1)
        kms = [k.km for k in pool._kernels.values()]
        assert len(kms) == 2 and all(km.has_kernel for km in kms)
    assert all(not km.has_kernel for km in kms)


@pytest.mark.slow
def test_a_kernel_that_dies_while_warming_is_given_up_quickly(tmp_path):
    """It used to be handed to papermill after a 120 s wait; now take() returns None (papermill then
    starts its own kernel and names the failing cell) within seconds, and nothing is left running."""
    import time

    (tmp_path / "yq_dies_on_import.py").write_text("import os\nos._exit(1)\n", encoding="utf-8")
    nb = new_notebook(cells=[new_code_cell("import yq_dies_on_import")])
    nbformat.write(nb, str(tmp_path / "dies.ipynb"))
    with kernels.WarmKernels([tmp_path / "dies.ipynb"], cwd=tmp_path, ahead=0) as pool:
        t0 = time.monotonic()
        assert pool.take(0) is None
        assert time.monotonic() - t0 < 30
        km = pool._kernels[0].km
    assert not km.has_kernel


@pytest.mark.slow
def test_a_kernel_whose_start_fails_halfway_is_shut_down(tmp_path):
    pool = kernels.WarmKernels([tmp_path / "missing.ipynb"], cwd=tmp_path)
    with pytest.raises(FileNotFoundError):
        pool.start(0)
    km = pool._kernels[0].km
    assert km.has_kernel
    pool.close()
    assert not km.has_kernel
