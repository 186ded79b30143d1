"""What keeps a run's outputs in step whatever happens to it (docs/limits.md, "运行中断与并发"):

- one run at a time per data folder: `run_lock` takes an exclusive lock on DATA/.yqeval.lock (released by the kernel when the process ends, even by SIGKILL); a
  second run, `yqeval ingest` or `yqeval evaluate` refuses with a Chinese line naming the first one's
  process;
- data/processed is staged like the report: while a run works, every processed folder it writes goes
  to DATA/processed/.<quarter>.staging-<pid>-<x>/ (`staged_processed`, read through `paths.processed_dir`
  by this process and the notebooks' kernels alike); only when the report is complete is a journal
  written and both swapped in (`commit`); a run killed before the journal leaves the previous
  processed data and report untouched, one killed during the swap is completed by the next run
  (`recover`), so processed data and reports are both the previous run's or both the new one's;
- `recover` also removes what killed runs left (staging and .old folders whose process is gone).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from helpers.contract.paths import PROCESSED_STAGING_ENV

LOCK_NAME = ".yqeval.lock"
_STAGING_RE = re.compile(r"^\.(?P<q>\d{4}Q[1-4])\.(?:staging|old)-(?P<pid>\d+)-")


class Busy(RuntimeError):
    """Another run holds the data folder."""


@contextlib.contextmanager
def run_lock(data_dir: Path, what: str = "运行") -> Iterator[None]:
    import fcntl

    if not Path(data_dir).is_dir():  # nothing to protect; the command reports the missing folder itself
        yield
        return
    path = Path(data_dir) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "未知"
            raise Busy(f"数据目录 {data_dir} 正被另一个 yqeval 运行使用（进程 {holder}），请等它结束后再{what}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def staging_name(quarter: str, kind: str = "staging") -> str:
    return f".{quarter}.{kind}-{os.getpid()}-"


@contextlib.contextmanager
def staged_processed(data_dir: Path, stage: Path) -> Iterator[None]:
    """While inside, paths.processed_dir(DATA, q) is STAGE/q in this process and in the kernels it starts."""
    previous = os.environ.get(PROCESSED_STAGING_ENV)
    os.environ[PROCESSED_STAGING_ENV] = f"{Path(data_dir).resolve()}\n{Path(stage).resolve()}"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PROCESSED_STAGING_ENV, None)
        else:
            os.environ[PROCESSED_STAGING_ENV] = previous


def _journal(data_dir: Path, quarter: str) -> Path:
    return Path(data_dir) / "processed" / f".{quarter}.commit.json"


def swap(staging: Path, final: Path) -> bool:
    """Replace final by staging (two renames; the old folder is removed afterwards). True when the
    old folder had scorecards (units/) that went with it."""
    old = final.with_name(f".{final.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    had_cards = (old / "units").is_dir()
    shutil.rmtree(old, ignore_errors=True)
    return had_cards


def commit(data_dir: Path, quarter: str, stage: Path, report_staging: Path, final: Path) -> bool:
    """Swap the staged processed folders and the staged report in, journaled so that `recover` can finish
    it after a kill. Returns whether old scorecards were removed with the old report."""
    journal = _journal(data_dir, quarter)
    record = {"processed_staging": str(stage), "report_staging": str(report_staging), "final": str(final),
              "quarters": sorted(p.name for p in stage.iterdir() if p.is_dir())}
    from helpers.contract.outputs import write_json

    write_json(record, journal)
    return _finish(Path(data_dir), record, journal)


def _carry_over(old: Path, new: Path) -> None:
    """Files of the old processed folder that the run did not write (an earlier quarter's evaluation,
    when this run only re-ingested it) stay, as they did when runs wrote in place."""
    if not old.is_dir() or old.is_symlink():
        return
    for path in old.iterdir():
        target = new / path.name
        if path.is_file() and not path.is_symlink() and not target.exists():
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)


def _finish(data_dir: Path, record: dict, journal: Path) -> bool:
    stage = Path(record["processed_staging"])
    for q in record["quarters"]:
        if (stage / q).is_dir():
            _carry_over(data_dir / "processed" / q, stage / q)
            swap(stage / q, data_dir / "processed" / q)
    had_cards = False
    if Path(record["report_staging"]).is_dir():
        had_cards = swap(Path(record["report_staging"]), Path(record["final"]))
    shutil.rmtree(stage, ignore_errors=True)
    journal.unlink(missing_ok=True)
    return had_cards


def recover(data_dir: Path, reports_dir: Path) -> list[str]:
    """Finish a commit a kill interrupted, and remove staging and .old folders of runs that are gone.
    Call with the run lock held. Returns what was done, in Chinese, for the progress lines."""
    done = []
    processed = Path(data_dir) / "processed"
    for journal in sorted(processed.glob(".*.commit.json")):
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            _finish(Path(data_dir), record, journal)
            done.append(f"已完成上次被中断的 {journal.name[1:7]} 结果替换")
        except (OSError, ValueError, KeyError, TypeError):
            journal.unlink(missing_ok=True)
    for folder in (processed, Path(reports_dir)):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            m = _STAGING_RE.match(entry.name)
            if m and entry.is_dir() and not entry.is_symlink() and not _alive(int(m.group("pid"))):
                shutil.rmtree(entry, ignore_errors=True)
                done.append(f"已删除上次中断的运行留下的 {entry}")
    return done
