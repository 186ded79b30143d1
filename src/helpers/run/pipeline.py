"""`yqeval run`: one quarter from raw submissions to the leaders' report.

Steps: re-ingest earlier quarters (the evaluation needs their history), execute the three notebooks
with papermill in this process (01_ingest → 02_evaluate → 03_report), render the report notebook to
HTML and PDF, write manifest.json, then swap the finished folder into reports/QUARTER/. Meanwhile the
next notebooks' kernels start and import their modules (`kernels`), and the renderer loads its
templates and fonts in a thread (`render.warm_up`): the parent only waits on its kernels otherwise. Everything
is built in a staging folder first, so a failed run never leaves half a report where the last good
one stood.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from helpers.contract.outputs import umask
from helpers.contract.paths import PROJECT_ROOT, processed_dir
from helpers.plan import quarters
from helpers.run import kernels, runstate

NOTEBOOKS = ("01_ingest.ipynb", "02_evaluate.ipynb", "03_report.ipynb")
KERNEL = kernels.PROJECT_KERNEL


class RunError(RuntimeError):
    """A step failed; the message names the notebook and the cell."""


class MissingInput(RunError):
    """What the run needs is not there (exit code 2, like a usage error)."""


@dataclass
class RunResult:
    quarter: str
    as_of: dt.date
    folder: Path
    html: Path
    pdf: Path
    notebooks: list[Path]
    manifest: Path
    seconds: dict[str, float] = field(default_factory=dict)


def report_title(data_dir: str | Path | None = None) -> str:
    """The plan's report title (plan.yaml report_title, or 行政区 + 主题 + 评估报告)."""
    from helpers.contract.paths import reference_dir
    from helpers.plan.reference import load_plan

    return load_plan(reference_dir(data_dir)).words.report_title


def report_name(quarter: str, data_dir: str | Path | None = None) -> str:
    return f"{report_title(data_dir)}_{quarter}"


def earlier_quarters(data_dir: Path, quarter: str) -> list[str]:
    return quarters.present(data_dir, quarter, inclusive=False)


def stale(data_dir: str | Path, quarter: str) -> bool:
    """The one rule for processed data out of date (docs/datasets.md): QUARTER's ingest output is
    missing, or an entry of data/raw/QUARTER (or that folder itself, which changes when a file is added,
    renamed or removed) is newer than it. A run re-reads every earlier quarter regardless (it rebuilds
    and records everything); what reuses processed data outside a run (scorecards) asks this."""
    from helpers.contract import datasets as D

    try:
        made = D.path(processed_dir(data_dir, quarter), D.SUBMISSIONS).stat().st_mtime_ns
    except FileNotFoundError:
        return True
    raw = Path(data_dir) / "raw" / quarter
    if not raw.is_dir():
        return False
    with os.scandir(raw) as entries:
        newest = max([raw.stat().st_mtime_ns, *(e.stat(follow_symlinks=False).st_mtime_ns for e in entries)])
    return newest > made


def evaluation_stale(data_dir: str | Path, quarter: str) -> bool:
    """QUARTER's evaluation (completion.csv) is missing, or older than the ingest output of a quarter up to it."""
    from helpers.contract import datasets as D

    try:
        made = D.path(processed_dir(data_dir, quarter), D.COMPLETION).stat().st_mtime_ns
    except FileNotFoundError:
        return True
    inputs = (D.path(processed_dir(data_dir, q), D.SUBMISSIONS) for q in quarters.present(data_dir, quarter, stage="processed"))
    return any(p.stat().st_mtime_ns > made for p in inputs)


def normalize_notebook(path: Path) -> None:
    """Drop what varies from run to run (timestamps, durations, random cell ids); keep the parameters."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration"):
        pm.pop(key, None)
    for key in ("input_path", "output_path"):
        if pm.get(key):
            pm[key] = Path(pm[key]).name
    pm["environment_variables"] = {}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
        cell.metadata.pop("execution", None)
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for key in ("start_time", "end_time", "duration"):
                cpm.pop(key, None)
    nbformat.write(nb, path)


def execute(notebook: str, out: Path, parameters: dict, cwd: Path, kernel=None) -> None:
    """Execute one notebook with papermill; on failure raise RunError naming the cell.

    kernel: a `kernels.WarmKernel` started for this notebook, or None for papermill's own kernel.
    """
    import papermill as pm

    source = PROJECT_ROOT / "notebooks" / notebook
    warm = {} if kernel is None else {"km": kernel.km}  # papermill's own engine, in the kernel started ahead
    try:
        # written once, when it has run (or failed at a cell), not at every cell's start and end: papermill
        # would write the growing notebook about twice a cell (0.4 s for the report's, docs/benchmarks.md)
        pm.execute_notebook(str(source), str(out), parameters=parameters, kernel_name=KERNEL,
                            progress_bar=False, cwd=str(cwd), language="python", request_save_on_cell_execute=False,
                            **warm)
    except pm.PapermillExecutionError as exc:
        raise RunError(f"笔记本 {notebook} 第 {exc.exec_count} 个单元格出错：{exc.ename}: {exc.evalue}\n"
                       f"（已执行的笔记本保存在 {out}，可在 JupyterLab 中打开查看）") from None
    finally:
        kernels.WarmKernels.release(kernel)  # papermill leaves a kernel it was handed running (kept if shared)
    normalize_notebook(out)


def _say(progress: Callable[[str], None] | None, text: str) -> None:
    if progress:
        progress(text)


def run_quarter(quarter: str, as_of: dt.date | None = None, data_dir: str | Path = "data",
                reports_dir: str | Path = "reports", progress: Callable[[str], None] | None = print,
                warm: bool = True, ahead: int = 2, compiled: dt.date | None = None,
                shared: bool = True, shown_reports: str | None = None) -> RunResult:
    """warm: start the notebooks' kernel (and its imports) before they run (`kernels`), and load the
    renderer meanwhile; shared: ONE kernel runs the three notebooks, reset between them so that each runs
    as in a fresh kernel (`freshkernel`); shared=False: a kernel per notebook, started `ahead` notebooks
    ahead (2: all three kernels start at once).
    compiled: the compiling date (编制日期) reporting is judged on, passed to 02_evaluate only when given.
    shown_reports: how the report's appendix names its folder (default `shown_folder`; verify gives the
    recorded name, so a re-run elsewhere prints what the run printed).
    warm=False runs papermill's own kernel per notebook, one after another. Outputs are identical.

    The kernels start before this process imports pandas, nbformat and papermill (about 3 s from a
    fresh `yqeval run`), so those imports and the kernels' start overlap."""
    period = quarters.Period.parse(quarter, as_of)  # the CLI's text (or a caller's values), parsed once here
    quarter, as_of = period.quarter, period.as_of
    data = Path(data_dir).resolve()
    reports = Path(reports_dir).resolve()
    if not (data / "raw" / quarter).is_dir():
        raise MissingInput(f"没有找到 {data / 'raw' / quarter}：请把本季度的报送文件放在这里")
    if reports.exists() and not reports.is_dir():
        raise MissingInput(f"报告目录 {reports} 是一个文件，不是文件夹：请用 --reports 指定一个文件夹")
    try:
        # the kernels' IPython folder is a temporary one, not ~/.ipython (kernels.private_ipython_dir)
        with runstate.run_lock(data), kernels.private_ipython_dir():
            for line in runstate.recover(data, reports):
                _say(progress, f"[准备] {line}")
            return _run_locked(quarter, as_of, data, reports, progress, warm, ahead, compiled, shared, shown_reports)
    except runstate.Busy as exc:
        raise RunError(str(exc)) from None


def shown_folder(folder: Path, base: Path) -> str:
    """How the report's appendix names a folder: relative to the folder the notebooks run in (the data
    folder's parent, where the data folder is named by its name), or its absolute path when it lies elsewhere."""
    try:
        return folder.relative_to(base).as_posix()
    except ValueError:
        return folder.as_posix()


def _run_locked(quarter: str, as_of: dt.date, data: Path, reports: Path, progress, warm: bool,
                ahead: int, compiled: dt.date | None = None, shared: bool = True,
                shown_reports: str | None = None) -> RunResult:
    """run_quarter with the data folder locked: everything is staged, then committed (`runstate`)."""
    orphans = sorted(set(quarters.present(data, quarter, stage="processed")) - set(quarters.present(data, quarter)))
    if orphans:  # the evaluation would read them, but no raw file stands behind them for an auditor
        raise RunError(f"{'、'.join(str(processed_dir(data, q)) for q in orphans)} 没有对应的原始报送文件夹 "
                       f"data/raw/<季度>：评估会读到无法复核的数据。请补回原始文件，或移走这些处理结果后再运行")
    try:
        kernels.ensure_kernel(KERNEL)  # the notebooks' named kernel, in this environment
    except kernels.KernelSpecError as exc:
        raise RunError(str(exc)) from None
    reports.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=runstate.staging_name(quarter), dir=reports))
    os.chmod(staging, 0o777 & ~umask())  # mkdtemp's folder is owner-only; the report is for others
    # processed data is staged too, in the data folder (a rename cannot cross file systems)
    (data / "processed").mkdir(exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=runstate.staging_name(quarter), dir=data / "processed"))
    os.chmod(stage, 0o777 & ~umask())
    seconds: dict[str, float] = {}
    pdf_worker = None  # the report's PDF is made in a process of its own (`pdfjob`), beside the other outputs
    try:
        t0 = time.perf_counter()
        with contextlib.ExitStack() as stack:
            stack.enter_context(runstate.staged_processed(data, stage))
            # the first kernel starts now, so it boots while this process imports and re-reads earlier quarters
            pool = (stack.enter_context(kernels.WarmKernels([PROJECT_ROOT / "notebooks" / n for n in NOTEBOOKS],
                                                            cwd=data.parent, kernel_name=KERNEL, ahead=ahead,
                                                            shared=shared))
                    if warm else None)
            if pool is not None:
                pool.start(0)
            pdf_worker = _pdf_worker() if warm else None
            warming = _warm_renderer(pdf=pdf_worker is None) if warm else None
            from helpers import ingest

            history = earlier_quarters(data, quarter)
            written: list[Path] = []
            for q in history:
                _say(progress, f"[准备] 重新读取上期报送 {q}（评估需要历史数据）")
                written += ingest.ingest_quarter(q, data).written
            seconds["history"] = time.perf_counter() - t0
            nb_dir = staging / "notebooks"
            nb_dir.mkdir()
            # papermill runs from the data folder's parent, so the recorded parameter is a bare name and
            # an auditor's re-run in another folder executes (and records) exactly the same notebook
            params = {"quarter": str(quarter), "as_of": as_of.isoformat(), "data_dir": data.name,
                      "output_dir": shown_reports or shown_folder(reports / quarter, data.parent)}
            if compiled is not None:  # recorded in the manifest; a default run's parameters stay as they were
                params["compiled"] = compiled.isoformat()
            executed = []
            for i, notebook in enumerate(NOTEBOOKS, start=1):
                _say(progress, f"[{i}/{len(NOTEBOOKS) + 1}] 执行 {notebook} …")
                t = time.perf_counter()
                wanted = {k: v for k, v in params.items() if k != "output_dir" or notebook.startswith("03")}
                if not notebook.startswith("02"):
                    wanted.pop("compiled", None)
                if notebook.startswith("01"):
                    wanted.pop("as_of")
                out = nb_dir / notebook
                execute(notebook, out, wanted, cwd=data.parent, kernel=pool.take(i - 1) if pool else None)
                executed.append(out)
                seconds[notebook] = time.perf_counter() - t
        _say(progress, f"[{len(NOTEBOOKS) + 1}/{len(NOTEBOOKS) + 1}] 生成 HTML 和 PDF 报告 …")
        t = time.perf_counter()
        if warming is not None:
            warming.join()
        from helpers.audit import manifest
        from helpers.report import render

        name = report_name(quarter, data)
        html, pdf = staging / f"{name}.html", staging / f"{name}.pdf"
        title = f"{report_title(data)}（{quarters.quarter_label(quarter)}）"
        # with a worker, it lays out the PDF while this process writes the rest
        render.render_report(executed[-1], html, pdf, title=title, pdf_worker=pdf_worker)
        from helpers.report.deliverables import (
            write_deliverables,  # .docx, 汇总表 .xlsx, 退回补报通知 (docs/outputs.md)
        )

        with runstate.staged_processed(data, stage):  # both read this run's processed data, still staged
            delivered = write_deliverables(html, staging, data, quarter, name, title=title, compiled=compiled)
            if pdf_worker is not None:
                try:
                    pdf_worker.result()
                except pdf_worker.Error as exc:
                    raise RunError(str(exc)) from None
                pdf_worker.close()
            seconds["render"] = time.perf_counter() - t
            # what this run wrote: earlier quarters' ingest outputs, this quarter's processed files, the report
            outputs = sorted(written) + sorted(p for p in (stage / quarter).glob("*") if p.is_file())
            outputs += sorted(p for p in staging.rglob("*") if p.is_file())
            record = manifest.build_manifest(quarter=quarter, as_of=as_of, data_dir=data, reports_dir=reports,
                                             staging_dir=staging, parameters=params, outputs=outputs)
        record["outputs"] = _unstaged(record["outputs"], stage, data)
        manifest.write_manifest(record, staging / "manifest.json")
        final = reports / quarter
        if runstate.commit(data, quarter, stage, staging, final):
            from helpers.run.reminders import command_hint

            _say(progress, f"提示：原有的单位评估卡已随旧报告删除，请运行 {command_hint('scorecards', quarter, data, reports)} 重新生成")
    except BaseException as exc:
        if pdf_worker is not None:  # before the staging folder moves: no PDF may land in it afterwards
            pdf_worker.close()
        failed = reports / f".{quarter}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        shutil.rmtree(stage, ignore_errors=True)
        if staging.exists():
            _unfinish(staging)
            os.replace(staging, failed)
        if not isinstance(exc, KeyboardInterrupt):  # Ctrl-C: the command line says it, in one line
            _say(progress, f"运行失败：上一次的报告和处理结果（如有）保持不变；本次的中间结果在 {failed}")
        if isinstance(exc, RunError):  # its message names the executed notebook, which has just moved
            raise RunError(str(exc).replace(str(staging), str(failed))) from None
        raise
    seconds["total"] = time.perf_counter() - t0
    result = RunResult(quarter, as_of, final, final / html.name, final / pdf.name,
                       [final / "notebooks" / n for n in NOTEBOOKS], final / "manifest.json", seconds)
    # the report, then what the office edits and sends: its Word copy, the 汇总表, the notices (docs/outputs.md),
    # named where they are now (they were written in the staging folder)
    office = [str(final / p.name) for p in delivered if p.parent == staging]
    folders = sorted({p.parent.name for p in delivered if p.parent != staging})
    office += [f"{final / f}/（{sum(p.parent.name == f for p in delivered)} 份）" for f in folders]
    _say(progress, f"完成（{seconds['total']:.1f} 秒）：\n  {result.pdf}\n  {result.html}"
         + "".join(f"\n  {p}" for p in office))
    if progress:  # what the analyst must act on (docs/plan_life.md)
        from helpers.run.reminders import run_actions

        _say(progress, run_actions(data, quarter, reports))
    return result


def _unstaged(records: list[dict], stage: Path, data: Path) -> list[dict]:
    """Output records named as the files will be after the commit: data/processed/<q>/…, not the staging folder."""
    prefix = f"data/{stage.relative_to(data).as_posix()}/"
    for rec in records:
        if rec["path"].startswith(prefix):
            rec["path"] = "data/processed/" + rec["path"][len(prefix):]
    return sorted(records, key=lambda rec: rec["path"])


def _unfinish(staging: Path) -> None:
    """A failed run's folder keeps its executed notebooks (to see what failed), never a report or a
    manifest that could pass for a finished run's."""
    for path in staging.iterdir():
        if path.is_file() and (path.suffix.lower() in (".html", ".pdf", ".docx", ".xlsx") or path.name == "manifest.json"):
            path.unlink()


def _pdf_worker():
    """A `pdfjob.PdfWorker`, started now so that it loads Typst and the fonts while the notebooks run."""
    from helpers.report.pdfjob import PdfWorker

    return PdfWorker()


def _warm_renderer(pdf: bool = True) -> threading.Thread:
    """render.warm_up in a thread, importing helpers.report.render there too (nbformat, bs4, nbconvert); with
    pdf=False the HTML side only (the PDF worker warms itself up)."""
    def work() -> None:
        from helpers.report import render

        render.warm_up(pdf=pdf)

    thread = threading.Thread(target=work, name="render-warm-up", daemon=True)
    thread.start()
    return thread


def _swap(staging: Path, final: Path, progress: Callable[[str], None] | None = None) -> None:
    """Replace final by staging with two renames; the old folder is removed only afterwards.

    Scorecards under final/units/ were built from the previous run's data; they go with it (a card
    must never disagree with the report beside it), and the analyst is told to rebuild them.
    """
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    if (old / "units").is_dir():
        _say(progress, f"提示：原有的单位评估卡已随旧报告删除，请运行 yqeval scorecards {final.name} 重新生成")
    shutil.rmtree(old, ignore_errors=True)


def main_run(quarter: str, **kwargs) -> int:
    """Exit code 0: done; 2: what the run needs is missing; 1: the run failed."""
    try:
        run_quarter(quarter, **kwargs)
    except RunError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2 if isinstance(exc, MissingInput) else 1
    return 0
