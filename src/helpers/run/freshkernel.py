"""One kernel for several notebooks, each run as in a fresh kernel: what a notebook can leave behind.

Runs INSIDE the kernel (`kernels.WarmKernels(shared=True)` executes it silently: no history, no execution
count, no output, no name bound in the notebook's namespace). `snapshot()` records, once the kernel has
started and imported the notebooks' modules, the state a fresh kernel starts the notebook with;
`restore()`, between two notebooks, puts it back and resets IPython as a new session:

- the user namespace, the output cache (`Out`, `_`) and the history, and the execution counter, which
  starts at 1 again (`InteractiveShell.reset(new_session=True)`);
- pandas options (01_ingest sets display.max_rows and display.max_colwidth: a later DataFrame would be
  printed otherwise), matplotlib's rcParams (03_report's `charts.setup_style` sets a seaborn theme and the
  CJK font) and its open figures, NumPy's print options;
- warnings filters, and the "already shown" registries (a warning shown once in one notebook is
  shown again in the next, as in a fresh kernel);
- environment variables (`charts.setup_style` sets SOURCE_DATE_EPOCH), the working folder, sys.path.

Modules stay imported (that is the point: `sys.modules` is what a warm kernel saves); what a module
caches is keyed by its inputs' paths and stamps (`plan.reference._load_plan_cached`), so a later notebook
never reads an earlier one's data through a cache.
"""

from __future__ import annotations

import os
import sys
import warnings

_FRESH: dict | None = None
_PRELOAD = ("pandas", "matplotlib.pyplot")  # so that their fresh state is recorded before any notebook runs


def snapshot() -> None:
    """Record the kernel's state now, as the fresh state `restore` returns to."""
    global _FRESH
    import importlib

    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - not installed: nothing of it to restore
            pass
    _FRESH = state()


def state() -> dict:
    """What a notebook can change that a later one would see (compared by the tests)."""
    out = {"cwd": os.getcwd(), "environ": dict(os.environ), "path": list(sys.path),
           "warnings": list(warnings.filters)}
    pd = sys.modules.get("pandas")
    if pd is not None:
        out["pandas"] = _pandas_options(pd)
    mpl = sys.modules.get("matplotlib")
    if mpl is not None:
        out["rcParams"] = dict(dict.items(mpl.rcParams))  # as stored: no validation, no deprecation warning
    np = sys.modules.get("numpy")
    if np is not None:
        out["numpy"] = np.get_printoptions()
    return out


def _pandas_options(pd) -> dict:
    from pandas._config import config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated options warn when read
        return {key: config._get_option(key, silent=True) for key in sorted(config._registered_options)}


def restore() -> None:
    """Put back the state `snapshot` recorded and start a new IPython session (counter at 1)."""
    if _FRESH is None:
        raise RuntimeError("freshkernel.restore() before snapshot()")
    fresh = _FRESH
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd = sys.modules.get("pandas")
        if pd is not None and "pandas" in fresh:
            now = _pandas_options(pd)
            for key, value in fresh["pandas"].items():
                if key in now and now[key] != value:
                    pd.set_option(key, value)
        mpl = sys.modules.get("matplotlib")
        if mpl is not None and "rcParams" in fresh:
            if dict(dict.items(mpl.rcParams)) != fresh["rcParams"]:
                dict.clear(mpl.rcParams)
                dict.update(mpl.rcParams, fresh["rcParams"])  # the recorded values, validated when first set
        np = sys.modules.get("numpy")
        if np is not None and "numpy" in fresh and np.get_printoptions() != fresh["numpy"]:
            np.set_printoptions(**fresh["numpy"])
    if dict(os.environ) != fresh["environ"]:
        os.environ.clear()
        os.environ.update(fresh["environ"])
    os.chdir(fresh["cwd"])
    sys.path[:] = fresh["path"]
    # adding a filter bumps the filters' version, which empties every module's registry of warnings
    # already shown; then the recorded filters replace the list
    warnings.simplefilter("default", append=True)
    warnings.filters[:] = fresh["warnings"]
    warnings.onceregistry.clear()
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # namespace, Out/_ cache, history session; execution_count = 1
