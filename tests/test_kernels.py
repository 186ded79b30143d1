"""Warm kernels: a notebook executed in a kernel warmed ahead of time is the notebook executed cold.

The pipeline's own equivalence (a warm run's files equal a cold run's, byte for byte) is checked in
test_reproducible.py; here are the pieces, on a two-cell notebook.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

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
    # a name a package imports on first use (helpers.ingest.ingest_quarter) loads its module too
    code = kernels.warm_code(["json", "no_such_module_yqeval", "helpers.plan.quarters", "helpers.ingest.ingest_quarter",
                              "helpers.ingest.no_such_name"])
    script = (f"before = set(globals())\n{code}\nimport sys as _s\n"
              "print(sorted(set(globals()) - before - {'before', '_s'}), 'helpers.plan.quarters' in _s.modules, "
              "'helpers.ingest.quarter' in _s.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True True"


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
    # and stopped the clients papermill made of them: no heartbeat thread is left to hold the process at exit
    from jupyter_client.channels import HBChannel

    assert not [t for t in threading.enumerate() if isinstance(t, HBChannel) and t.is_alive()]


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


def _leaky(path):
    """A notebook that changes what a later notebook in the same kernel could see."""
    nb = new_notebook(cells=[
        new_code_cell("leak = 'from the first notebook'\n1 + 1"),  # a name, and Out[2] / _ in the output cache
        new_code_cell("import os, warnings\nimport pandas as pd\nimport matplotlib\nimport matplotlib.pyplot as plt\n"
                      "pd.set_option('display.max_rows', 7)\nmatplotlib.rcParams['lines.linewidth'] = 9.5\n"
                      "plt.figure()\nwarnings.simplefilter('error')\nos.environ['YQ_LEAK'] = '1'\nos.chdir('/')"),
    ])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, str(path))
    return path


def _looker(path):
    """A notebook that prints what it finds: in a fresh kernel, none of the first notebook's changes."""
    nb = new_notebook(cells=[
        new_code_cell("TMP = ''", metadata={"tags": ["parameters"]}),
        new_code_cell("import os, sys, warnings\nimport pandas as pd\nimport matplotlib\nimport matplotlib.pyplot as plt\n"
                      "print('leak' in dir(), len(Out), sorted(n for n in dir() if not n.startswith('_')))\n"
                      "print(pd.get_option('display.max_rows'), matplotlib.rcParams['lines.linewidth'], plt.get_fignums())\n"
                      "print(os.environ.get('YQ_LEAK'), os.getcwd() == TMP, [f[0] for f in warnings.filters].count('error'))"),
        new_code_cell("warnings.warn('shown in every fresh kernel')"),
        new_code_cell("In[-1]"),  # the input history starts again
    ])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, str(path))
    return path


@pytest.mark.slow
def test_a_shared_kernel_runs_each_notebook_as_a_fresh_kernel_would(tmp_path):
    """One kernel, three notebooks: the looker, after a notebook that set a variable, a pandas option, an
    rcParam, a figure, a warnings filter, an environment variable and the working folder, prints what it
    prints in a kernel of its own; its warning is shown again; execution counts start at 1 every time."""
    import papermill as pm

    leaky, looker = _leaky(tmp_path / "leaky.ipynb"), _looker(tmp_path / "looker.ipynb")
    params = {"TMP": str(tmp_path)}
    order = [looker, leaky, looker]
    shared = []
    with kernels.WarmKernels(order, cwd=tmp_path, shared=True) as pool:
        for i, source in enumerate(order):
            out = tmp_path / f"shared_{i}.ipynb"
            kernel = pool.take(i)
            assert kernel is not None, "the shared kernel was given up"
            assert kernel.km is pool._kernels[0].km  # the same kernel every time
            km = kernel.km
            pm.execute_notebook(str(source), str(out), kernel_name="python3", progress_bar=False,
                                cwd=str(tmp_path), km=kernel.km, parameters=params if source == looker else None)
            pool.release(kernel)
            assert kernel.km.has_kernel == (i < 2)  # kept for the next notebook, shut down after the last
            shared.append(nbformat.read(str(out), as_version=4))
    cold_path = tmp_path / "cold.ipynb"
    pm.execute_notebook(str(looker), str(cold_path), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                        parameters=params)
    cold = nbformat.read(str(cold_path), as_version=4)

    def counts(nb):
        return [c.execution_count for c in nb.cells if c.cell_type == "code"]

    def outputs(nb):  # but the warning's, which names the kernel's process id in its file name
        return [json.dumps(c.outputs, sort_keys=True) for i, c in enumerate(nb.cells) if c.cell_type == "code" and i != 3]

    assert counts(shared[1]) == [1, 2]
    assert shared[1].cells[0].outputs[0]["data"]["text/plain"] == "2"
    for nb in (shared[0], shared[2], cold):
        assert counts(nb) == [1, 2, 3, 4, 5]  # the injected parameters cell is 1
        text = nb.cells[2].outputs[0]["text"]
        assert text.startswith("False 0 ["), text
        assert text.splitlines()[1] == "60 1.5 []"  # pandas' and matplotlib's defaults, no figure open
        assert text.splitlines()[2].startswith("None True ")  # and the filters are a fresh kernel's (below)
        warned = nb.cells[3].outputs[0]  # the warning is shown, not raised, not swallowed
        assert warned["name"] == "stderr" and "UserWarning: shown in every fresh kernel" in warned["text"]
    assert outputs(shared[2]) == outputs(cold) == outputs(shared[0])
    assert not km.has_kernel


@pytest.mark.slow
def test_a_shared_kernel_whose_reset_fails_gives_way_to_cold_kernels(tmp_path):
    """The reset needs the recorded fresh state; without it take() shuts the kernel down and returns None
    (papermill then starts a kernel of its own), and keeps returning None for the rest."""
    source = _notebook(tmp_path / "probe.ipynb")
    with kernels.WarmKernels([source, source, source], cwd=tmp_path, shared=True) as pool:
        kernel = pool.take(0)
        assert kernel is not None and kernel.keep
        kernels._silent(kernel.km, "from helpers.run import freshkernel\nfreshkernel._FRESH = None")
        assert pool.take(1) is None
        assert not kernel.km.has_kernel
        assert pool.take(2) is None
        assert list(pool._kernels) == [0]


def test_the_kernels_ipython_folder_is_a_temporary_one_removed_after(tmp_path, monkeypatch):
    """docs/audit.md: a run's kernels keep their IPython profile in a temporary folder, not ~/.ipython."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "analyst-ipython"))
    source = _notebook(tmp_path / "probe.ipynb")
    seen = tmp_path / "seen.txt"
    with kernels.private_ipython_dir() as folder:
        assert folder.is_dir() and folder != tmp_path / "analyst-ipython"
        with kernels.WarmKernels([source], cwd=tmp_path) as pool:
            kernel = pool.take(0)
            code = (f"ip = get_ipython(); open({str(seen)!r}, 'w').write("
                    "ip.profile_dir.location + '\\n' + str(ip.history_manager.hist_file))")
            assert kernels._silent(kernel.km, code)["status"] == "ok"
    location, hist_file = seen.read_text().splitlines()
    assert location == str(folder / "profile_default") and hist_file == ":memory:"
    assert not folder.exists()  # removed with everything the kernel's IPython put there
    assert not (tmp_path / "analyst-ipython").exists()  # the analyst's folder was never touched
    assert os.environ["IPYTHONDIR"] == str(tmp_path / "analyst-ipython")
