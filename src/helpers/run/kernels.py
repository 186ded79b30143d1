"""Warm kernels for `yqeval run`: a notebook's kernel starts, and imports what the notebook imports,
while the notebook before it is still running.

Every papermill execution first pays for a kernel start (≈0.9 s on the benchmark machine) and then
for the notebook's imports (pandas, matplotlib, seaborn: up to a second) before its first real
cell. Run one after another, the three notebooks of a quarter pay that three times on one core
while the second core idles. `WarmKernels` starts the kernel of the next notebook(s) ahead of
time; a background thread waits for it to be ready and imports, silently, the modules the
notebook's own code cells import. papermill then executes the notebook in that kernel, handed to its
own engine as `pm.execute_notebook(..., km=kernel.km)`; `WarmKernels.release` shuts it down afterwards,
as papermill does with a kernel it starts itself (it leaves a kernel it was handed running).

Warming changes nothing a reader or an auditor can see: it only fills `sys.modules`. The warm-up
runs with `silent=True` (no history, no execution count, no output) and binds no name in the
notebook's namespace, so an executed notebook is the same, byte for byte, with or without it.
A module that fails to import is skipped quietly: the notebook's own cell reports the error.

`WarmKernels(shared=True)` (what `yqeval run` uses) starts ONE kernel for all the notebooks instead:
it imports what any of them imports, records the kernel's fresh state (`freshkernel.snapshot`), and
before each later notebook puts that state back and resets IPython (`freshkernel.restore`: namespace,
execution counter, pandas options, rcParams, warnings filters…), silently, outside the notebook. Each
notebook then runs as in a fresh kernel, and the run pays for one kernel start and one set of imports
instead of three on a 2-core machine. If the reset fails, the kernel is shut down and papermill starts
its own kernels for the rest.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Nothing heavy at import: `yqeval run` starts its first kernel before it imports nbformat and
# papermill (≈3 s from a fresh process), so that the two overlap.
READY_TIMEOUT = 120  # seconds to wait for a kernel to start and finish importing
PROJECT_KERNEL = "yqeval"  # the notebooks' kernelspec; scripts/setup.sh registers it in .venv
PROJECT_KERNEL_DISPLAY = "Python (yqeval)"


class KernelSpecError(RuntimeError):
    """The project's kernel name is taken by a kernel of another Python environment."""


def ensure_kernel(name: str = PROJECT_KERNEL) -> str:
    """The project's named kernel, registered in this environment (sys.prefix) if Jupyter cannot find it.

    `make setup` registers it; a plain `pip install -e .` does not, so the first run does. A kernel of
    that name that runs another environment's Python (an old checkout's .venv, registered with
    --user, which Jupyter finds first) would run the notebooks with other packages than the ones the
    manifest records: that is an error naming both, not a silent switch.
    """
    import sys

    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        spec = None
    if spec is None:
        from ipykernel.kernelspec import install

        install(kernel_name=name, display_name=PROJECT_KERNEL_DISPLAY, prefix=sys.prefix)
        return name
    exe = spec.argv[0] if spec.argv else ""
    here = Path(sys.executable).absolute()
    if exe in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        return name  # jupyter_client runs these with sys.executable
    if Path(exe).absolute().parent != here.parent:
        raise KernelSpecError(
            f"Jupyter 内核 {name}（{spec.resource_dir}）使用的是另一个 Python 环境 {exe}，而不是当前的 {here}："
            f"请删除该内核目录，或在本项目中重新运行 make setup")
    return name


@contextlib.contextmanager
def private_ipython_dir() -> Iterator[Path]:
    """IPYTHONDIR, while the block runs, is a temporary folder removed afterwards (docs/audit.md).

    A kernel's IPython creates its profile (profile_default/ with startup/, security/, log/, pid/) in
    IPYTHONDIR, ~/.ipython by default, and runs the startup files and kernel configuration it finds
    there: the run's kernels, the warm ones and papermill's own, inherit this environment, so they
    leave nothing in the analyst's HOME and no personal IPython setup runs in the workbook. Their
    history is in memory (`--HistoryManager.hist_file=:memory:`, as nbclient does), never a file.
    """
    folder = tempfile.mkdtemp(prefix="yqeval-ipython-")
    _MADE_DIRS.append(folder)
    before = os.environ.get("IPYTHONDIR")
    os.environ["IPYTHONDIR"] = folder
    try:
        yield Path(folder)
    finally:
        if before is None:
            os.environ.pop("IPYTHONDIR", None)
        else:
            os.environ["IPYTHONDIR"] = before
        shutil.rmtree(folder, ignore_errors=True)


_MADE_DIRS: list[str] = []  # every private_ipython_dir folder this process made


def remove_private_dirs() -> None:
    """Remove every folder private_ipython_dir made, again, once the kernels are killed (cli._kill_children
    after a Ctrl-C): a kernel interrupted while it started may write its profile after the block's own
    clean-up, and a Ctrl-C that ends the process at once skips that clean-up."""
    for folder in list(_MADE_DIRS):
        shutil.rmtree(folder, ignore_errors=True)


def imported_modules(nb: dict | str | Path) -> list[str]:
    """Absolute module names the notebook's code cells import, in order of first appearance.

    `import a.b as c` gives "a.b"; `from a.b import c` gives "a.b" and "a.b.c", since c may be a
    submodule that importing a.b does not load (`from helpers import charts`); when c is a plain
    name, the warm-up's attempt to import "a.b.c" fails quietly. Relative and star imports, and
    cells that are not plain Python (magics), are skipped.
    """
    if not isinstance(nb, dict):  # a path: the .ipynb JSON (nbformat 4), read without nbformat
        nb = json.loads(Path(nb).read_text(encoding="utf-8"))
    seen: dict[str, None] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    seen.setdefault(alias.name, None)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                seen.setdefault(node.module, None)
                for alias in node.names:
                    if alias.name != "*":
                        seen.setdefault(f"{node.module}.{alias.name}", None)
    return list(seen)


def warm_code(modules: list[str], snapshot: bool = False) -> str:
    """One statement that imports the modules and leaves no name behind in the user namespace;
    snapshot: then records the kernel's fresh state (`freshkernel.snapshot`), for a shared kernel.

    "package.name" that is no module (`from helpers.ingest import ingest_quarter`) is looked up on the
    package, so a package that imports its modules on first use (helpers.public_names) loads that one."""
    body = ("import importlib\nfor m in MODULES:\n    try:\n        importlib.import_module(m)\n    except Exception:\n"
            "        try:\n            p, _, n = m.rpartition('.')\n            getattr(importlib.import_module(p), n)\n"
            "        except Exception:\n            pass\n")
    if snapshot:
        body += "from helpers.run import freshkernel\nfreshkernel.snapshot()\n"
    return f"exec({body!r}, {{'MODULES': {list(modules)!r}}})"


RESET_CODE = "exec('from helpers.run import freshkernel\\nfreshkernel.restore()', {})"  # binds no name either


@dataclass
class WarmKernel:
    """A started kernel (jupyter_client AsyncKernelManager) and the thread that warms it."""

    notebook: Path
    km: object
    modules: list[str]
    thread: threading.Thread | None = None
    error: BaseException | None = field(default=None, repr=False)
    shared: bool = False  # one kernel for all the notebooks: it records its fresh state when warmed
    keep: bool = False  # release() leaves it running: a later notebook runs in it
    clients: list = field(default_factory=list, repr=False)  # the clients papermill made of km (see _recording)

    def stop_clients(self) -> None:
        """Stop the channels of the clients papermill made: it leaves a handed-in kernel's client running, and
        each one's heartbeat thread would hold the process at exit until it wakes (up to 1 s, zmq's term)."""
        clients, self.clients[:] = list(self.clients), []
        for kc in clients:
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001 - already stopped, or the kernel is gone
                pass

    def wait(self, timeout: float = READY_TIMEOUT) -> None:
        """Block until the kernel is ready and its imports are done, or the warm-up gave up."""
        if self.thread is not None:
            self.thread.join(timeout)
            if not self.thread.is_alive():
                self.thread = None

    def _warm(self) -> None:
        try:
            _silent(self.km, warm_code(self.modules, snapshot=self.shared), wait_ready=True,
                    what="预热")
        except BaseException as exc:  # noqa: BLE001 - WarmKernels.take() falls back to a cold kernel
            self.error = exc


def _recording(km, clients: list) -> None:
    """km.client() as before, each client it makes also appended to clients (WarmKernel.stop_clients)."""
    make = km.client

    def client(**kwargs):
        kc = make(**kwargs)
        clients.append(kc)
        return kc

    km.client = client


def _silent(km, code: str, wait_ready: bool = False, what: str = "预热") -> dict:
    """Execute code in km's kernel silently (no history, no count, no output); the execute_reply's content."""
    import queue
    import time

    from jupyter_client import BlockingKernelClient

    kc = BlockingKernelClient()
    kc.load_connection_info(km.get_connection_info())
    kc.start_channels()
    try:
        if wait_ready:
            kc.wait_for_ready(timeout=READY_TIMEOUT)
        msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                reply = kc.get_shell_msg(timeout=0.5)
            except queue.Empty:
                if not kc.is_alive():  # the heartbeat stopped: the kernel died while importing
                    raise RuntimeError(f"内核在{what}时退出") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]
        raise TimeoutError(f"内核{what}超过 {READY_TIMEOUT} 秒")
    finally:
        kc.stop_channels()


class WarmKernels:
    """Kernels for a sequence of notebooks, each started `ahead` notebooks before its turn.

        with WarmKernels(paths, cwd=...) as kernels:
            for i, path in enumerate(paths):
                kernel = kernels.take(i)
                papermill.execute_notebook(path, out, km=kernel.km, ...)
                kernels.release(kernel)

    Kernels that were started but never taken (a notebook failed) are shut down on exit.
    shared=True: one kernel (index 0) runs every notebook, reset between them (`freshkernel`); ahead
    does not apply, and release() shuts it down after the last notebook only.
    """

    def __init__(self, notebooks: list[Path], cwd: Path, kernel_name: str = "python3", ahead: int = 1,
                 shared: bool = False):
        self.notebooks = [Path(p) for p in notebooks]
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        self.ahead = max(0, ahead)
        self.shared = shared
        self._kernels: dict[int, WarmKernel] = {}
        self._given_up = False  # shared: its kernel failed; papermill's own kernels run the rest

    def __enter__(self) -> WarmKernels:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, i: int) -> None:
        """Start kernel i (and warm it in the background) if it is not started yet."""
        if self.shared and (i > 0 or self._given_up):
            i = 0
        if i in self._kernels or i >= len(self.notebooks) or self._given_up:
            return
        from jupyter_client import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=self.kernel_name)
        kernel = WarmKernel(self.notebooks[i], km, [], shared=self.shared)
        _recording(km, kernel.clients)
        self._kernels[i] = kernel  # from here on close() shuts it down, whatever fails next
        # an in-memory history, as nbclient gives the kernels it starts itself: a notebook's cells
        # must not land in the analyst's ~/.ipython history, and three kernels must not share its file
        run_sync(km.start_kernel)(cwd=str(self.cwd), extra_arguments=["--HistoryManager.hist_file=:memory:"])
        notebooks = self.notebooks if self.shared else [self.notebooks[i]]
        kernel.modules = list(dict.fromkeys(m for nb in notebooks for m in imported_modules(nb)))
        kernel.thread = threading.Thread(target=kernel._warm, name=f"warm-{i}", daemon=True)
        kernel.thread.start()

    def take(self, i: int) -> WarmKernel | None:
        """Kernel i, ready and warm, or None when its warm-up failed (the kernel died or hung): the
        caller then lets papermill start a kernel of its own, which reports any error at its cell.
        Starts the kernels of the next `ahead` notebooks meanwhile."""
        from jupyter_core.utils import run_sync

        if self.shared:
            return self._take_shared(i)
        for j in range(i, i + self.ahead + 1):
            self.start(j)
        kernel = self._kernels[i]
        kernel.wait()
        if kernel.thread is not None or kernel.error is not None or not run_sync(kernel.km.is_alive)():
            self._shutdown(kernel)
            return None
        return kernel

    def _take_shared(self, i: int) -> WarmKernel | None:
        """The one kernel, fresh for notebook i: warmed for the first, reset (silently) for the others."""
        from jupyter_core.utils import run_sync

        self.start(0)
        kernel = None if self._given_up else self._kernels[0]
        if kernel is None:
            return None
        kernel.wait()
        ok = kernel.thread is None and kernel.error is None and run_sync(kernel.km.is_alive)()
        if ok and i > 0:
            try:
                ok = _silent(kernel.km, RESET_CODE, what="重置").get("status") == "ok"
            except Exception:  # noqa: BLE001 - died or hung: papermill's own kernel instead
                ok = False
        if not ok:
            self._given_up = True
            self._shutdown(kernel)
            return None
        kernel.keep = i < len(self.notebooks) - 1
        return kernel

    def close(self) -> None:
        """Shut down every kernel still running: never taken, or taken but not (yet) released."""
        for kernel in self._kernels.values():
            kernel.wait(timeout=10)
            self._shutdown(kernel)
        self._kernels.clear()

    @staticmethod
    def release(kernel: WarmKernel | None) -> None:
        """A taken kernel whose notebook has run (or failed): its clients stopped, and shut down now, not at
        the end of the run (unless a later notebook runs in it)."""
        if kernel is None:
            return
        kernel.stop_clients()
        if not kernel.keep:
            WarmKernels._shutdown(kernel)

    @staticmethod
    def _shutdown(kernel: WarmKernel) -> None:
        from jupyter_core.utils import run_sync

        kernel.stop_clients()
        try:
            if kernel.km.has_kernel:
                run_sync(kernel.km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001 - already gone
            pass
