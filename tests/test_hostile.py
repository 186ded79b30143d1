"""Hostile files and faults (issue 19): every file of a corpus generated here (tests/hostile.py) is one
file-level reject with a Chinese reason naming the limit; what is not a submission is listed as not
read; outputs neutralise formulas; runs are staged, locked, interruptible and leave nothing half done.
docs/limits.md is the contract."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from helpers import cli
from helpers.audit.manifest import input_records
from helpers.contract.outputs import read_csv
from helpers.contract.paths import PROJECT_ROOT
from helpers.ingest import ingest_quarter
from helpers.run import runstate

from . import hostile
from .filewriters import COL, form, line, write_csv, write_xlsx
from .test_ingest import Q, check_counts, entry, ingest, tree_hash

GOOD = "芦岭镇_2019Q4.xlsx"
# words a Chinese reason may carry: format and program names, parameter names, member paths
_ALLOWED = re.compile(r"(?<![A-Za-z])(?:(?:max|reader)_[a-z_]+|[A-Za-z0-9_/\[\].]*\.(?:xml|rels|xlsx|xls|ods|csv|docx|doc)|"
                      r"Excel|WPS|XML|HTML|CSV|NUL|DOCTYPE|PDF|Word|OpenDocument|Office|PowerPoint|zip|"
                      r"KB|MB|GB|XFD\d+|A1|UTF|GBK)(?![A-Za-z])")


def chinese_only(reason: str) -> bool:
    """A reason an analyst reads: Chinese, with no English words beyond names of formats and limits."""
    return bool(re.search(r"[\u4e00-\u9fff]", reason)) and not re.search(r"[A-Za-z]{3,}", _ALLOWED.sub("", reason))


@pytest.fixture
def data(tmp_path) -> Path:
    (tmp_path / "raw" / Q).mkdir(parents=True)
    return tmp_path


def good(path: Path) -> Path:
    return write_xlsx(path, {"表": form([line("T01", 5)], unit="芦岭镇")})


# ---------------------------------------------------------------- every file of the corpus


@pytest.mark.parametrize("name", sorted(hostile.CORPUS))
def test_a_hostile_file_is_one_file_level_reject_in_chinese(data, plan, name):
    writer, words = hostile.CORPUS[name]
    result = ingest(data, {name: writer, GOOD: good}, plan)  # also: counts add up, data/raw unchanged
    mine = result.rejects[result.rejects["source_file"] == name]
    assert len(mine) == 1 and pd.isna(mine.iloc[0]["source_row"]), mine.to_string()
    reason = mine.iloc[0]["reason"]
    assert all(word in reason for word in words), reason
    assert chinese_only(reason), reason
    assert entry(result, name)["status"] == "rejected"
    assert list(result.submissions["unit"]) == ["芦岭镇"]  # the other file is read as usual


def test_a_spreadsheet_under_the_wrong_extension_is_read_with_a_warning(data, plan):
    result = ingest(data, {"符离镇_2019Q4.xls": lambda p: write_xlsx(p, {"表": form([line("T01", 7)])})}, plan)
    assert list(result.submissions["value"]) == [7.0]
    assert any("扩展名为 .xls" in w and "已按实际格式读取" in w for w in entry(result, "符离镇_2019Q4.xls")["warnings"])


def test_a_hostile_file_with_a_name_that_is_not_utf8_is_one_reject_under_a_readable_name(data, plan):
    raw = data / "raw" / Q
    name = os.fsdecode("符离镇_2019Q4".encode("gbk") + b".xlsx")
    hostile.far_cell(raw / name)
    result = ingest_quarter(Q, data, plan=plan)
    check_counts(result)
    assert list(result.rejects["source_file"]) == ["符离镇_2019Q4.xlsx"]
    assert result.rejects.iloc[0]["unit"] == "符离镇" and "max_cells" in result.rejects.iloc[0]["reason"]


def test_a_reader_that_takes_too_long_costs_one_file(data, plan):
    slow = dataclasses.replace(plan, params=plan.params.replace(reader_seconds=0.05))
    result = ingest(data, {"行数过多.xlsx": hostile.many_cells_xlsx, GOOD: good}, slow)
    reasons = dict(zip(result.rejects["source_file"], result.rejects["reason"], strict=True))
    assert "reader_seconds" in reasons["行数过多.xlsx"] and chinese_only(reasons["行数过多.xlsx"])


def test_limits_are_parameters(data, plan):
    strict = dataclasses.replace(plan, params=plan.params.replace(max_cells=50))
    rows = form([line("T01", 5)] + [[None] * 12 for _ in range(10)] + [[None] * 11 + ["远处"]], unit="芦岭镇")
    result = ingest(data, {GOOD: lambda p: write_xlsx(p, {"表": rows})}, strict)
    assert "max_cells" in result.rejects.iloc[0]["reason"] and "50" in result.rejects.iloc[0]["reason"]
    with pytest.raises(ValueError, match="max_cells 应为正数"):
        ingest_quarter(Q, data, plan=dataclasses.replace(plan, params=plan.params.replace(max_cells="很多")))


# ---------------------------------------------------------------- what is not a submission


def test_only_regular_files_directly_in_the_quarter_folder_are_submissions(data, plan, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    secret = outside / "secret.xlsx"
    write_xlsx(secret, {"表": form([line("T01", 99)])})  # a valid form: if the link were followed it would be read
    fifo = outside / "fifo.xlsx"
    os.mkfifo(fifo)  # if anything opened this through the link, the test would hang
    raw = data / "raw" / Q
    good(raw / GOOD)
    os.symlink(secret, raw / "符离镇_2019Q4.xlsx")
    os.symlink(fifo, raw / "管道链接.xlsx")
    os.mkfifo(raw / "管道.xlsx")
    (raw / "子文件夹").mkdir()
    good(raw / "子文件夹" / "芦岭镇_2019Q4.xlsx")  # read on main as a duplicate of the real one
    for name in ("~$芦岭镇_2019Q4.xlsx", "Thumbs.db", ".隐藏.xlsx", "desktop.ini"):
        (raw / name).write_bytes(b"x")
    result = ingest_quarter(Q, data, plan=plan)
    check_counts(result)
    assert [e["file"] for e in result.log["files"]] == [GOOD]
    reasons = {item["file"]: item["reason"] for item in result.log["not_read"]}
    assert set(reasons) == {"符离镇_2019Q4.xlsx", "管道链接.xlsx", "管道.xlsx", "子文件夹", "~$芦岭镇_2019Q4.xlsx",
                            "Thumbs.db", ".隐藏.xlsx", "desktop.ini"}
    assert "符号链接" in reasons["符离镇_2019Q4.xlsx"] and "子文件夹" in reasons["子文件夹"]
    assert "不是普通文件" in reasons["管道.xlsx"] and "锁文件" in reasons["~$芦岭镇_2019Q4.xlsx"]
    assert all(chinese_only(r) for r in reasons.values())
    assert result.log["ignored"] == sorted(reasons) and result.log["totals"]["files_ignored"] == 8
    assert len(result.submissions) == 1 and result.rejects.empty
    assert "未读取：子文件夹（子文件夹，其中的文件未读取" in result.summary()
    # the manifest's inputs are the same files, by the same rule
    assert [r["path"] for r in input_records(data, Q)] == [f"raw/{Q}/{GOOD}"]
    secret_sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    written = "".join(p.read_text(encoding="utf-8-sig") for p in (data / "processed" / Q).iterdir())
    assert secret_sha not in written and "secret" not in written


# ---------------------------------------------------------------- memory and time at the limits


_MEASURE = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from helpers.ingest import ingest_files
    from helpers.plan.reference import load_plan
    t = time.perf_counter()
    result = ingest_files(sys.argv[2:], "2019Q4", load_plan(sys.argv[1]))
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                      "rejects": dict(zip(result.rejects["source_file"], result.rejects["reason"]))}))
""")


@pytest.mark.slow
def test_bombs_at_the_size_limit_stay_under_1_gb_and_60_s(tmp_path):
    files = [hostile.zip_bomb_at_limit(tmp_path / "炸弹.xlsx"), hostile.xls_far_cell(tmp_path / "远端.xls"),
             hostile.many_cells_xlsx(tmp_path / "行数过多.xlsx"), hostile.many_shared_strings(tmp_path / "字符串.xlsx"),
             hostile.ods_repeat_bomb(tmp_path / "重复.ods"), hostile.csv_giant_line(tmp_path / "长行.csv", 19)]
    assert 18 * hostile.MB < files[0].stat().st_size <= 20 * hostile.MB  # at the 20 MB limit
    for path in files:
        done = subprocess.run([sys.executable, "-c", _MEASURE, str(PROJECT_ROOT / "data" / "reference"), str(path)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        out = json.loads(done.stdout)
        assert out["seconds"] < 60 and out["self_mb"] < 1024 and out["children_mb"] < 1024, (path.name, out)
        assert out["self_mb"] + out["children_mb"] < 1024, (path.name, out)
        assert list(out["rejects"]) == [path.name] and chinese_only(out["rejects"][path.name]), out


# ---------------------------------------------------------------- outputs a spreadsheet opens


def test_csv_outputs_neutralise_formulas_and_keep_numbers(data, plan):
    first = line("T01", 5, narrative="@SUM(A1)")
    first[COL["下步打算"]] = '=HYPERLINK("http://example.com","点我")'  # reached submissions.csv live on main
    rows = form([first, line("T02", "=1+2"), line("T03A", -3)], unit="芦岭镇")
    result = ingest(data, {"=cmd|' -C calc'!A0.csv": lambda p: write_csv(p, rows)}, plan)
    out = data / "processed" / Q
    text = (out / "submissions.csv").read_text(encoding="utf-8-sig") + (out / "rejects.csv").read_text(encoding="utf-8-sig")
    for cell in re.findall(r'(?:^|,)("(?:[^"]|"")*"|[^,\n]*)', text, flags=re.M):
        cell = cell[1:-1].replace('""', '"') if cell.startswith('"') else cell
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        assert not (cell.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", cell)), cell
    assert "'=cmd|" in text and "'@SUM(A1)" in text and "'=1+2" in text and "'=HYPERLINK" in text
    subs = read_csv(out / "submissions.csv", numeric=["value"])  # read back exactly as written
    assert subs.loc[0, "narrative"] == "@SUM(A1)" and subs.loc[0, "source_file"].startswith("=cmd")
    assert subs.loc[0, "next_steps"].startswith("=HYPERLINK(")
    assert subs.loc[0, "value"] == 5.0
    rejects = read_csv(out / "rejects.csv")
    assert set(rejects["raw_value"]) >= {"=1+2", "-3"}  # -3 is a number: written as is
    assert ",-3," in text
    assert result.submissions.loc[0, "narrative"] == "@SUM(A1)"


# ---------------------------------------------------------------- runs: lock, staging, recovery


def test_a_second_run_on_the_same_data_folder_refuses_with_a_clear_line(data, plan, capsys):
    from helpers.run.pipeline import RunError, run_quarter

    with runstate.run_lock(data):
        with pytest.raises(RunError, match=f"正被另一个 yqeval 运行使用（进程 {os.getpid()}）"):
            run_quarter(Q, data_dir=data, reports_dir=data / "reports", progress=None)
        assert cli.main(["ingest", Q, "--data", str(data)]) == 1
    assert "请等它结束后再读取" in capsys.readouterr().err
    assert not (data / "reports").exists() or not any((data / "reports").iterdir())


def test_stale_staging_folders_are_removed_and_an_interrupted_commit_is_finished(tmp_path):
    data, reports = tmp_path / "data", tmp_path / "reports"
    (data / "processed" / Q).mkdir(parents=True)
    (data / "processed" / Q / "submissions.csv").write_text("old")
    (reports / Q).mkdir(parents=True)
    (reports / Q / "报告.html").write_text("old")
    dead = 2 ** 22 + 12345  # above the kernel's pid_max default: no such process
    for folder in (reports, data / "processed"):
        (folder / f".{Q}.staging-{dead}-abc").mkdir()
    alive = reports / f".{Q}.staging-{os.getpid()}-abc"
    alive.mkdir()
    # a run killed after it journaled its commit, between the renames: processed swapped, report not yet
    stage = data / "processed" / f".{Q}.staging-{dead}-xyz"
    (stage / Q).mkdir(parents=True)
    (stage / Q / "submissions.csv").write_text("new")
    report_staging = reports / f".{Q}.staging-{dead}-xyz"
    report_staging.mkdir()
    (report_staging / "报告.html").write_text("new")
    (data / "processed" / f".{Q}.commit.json").write_text(json.dumps(
        {"processed_staging": str(stage), "report_staging": str(report_staging), "final": str(reports / Q),
         "quarters": [Q]}), encoding="utf-8")
    with runstate.run_lock(data):
        done = runstate.recover(data, reports)
    assert (data / "processed" / Q / "submissions.csv").read_text() == "new"
    assert (reports / Q / "报告.html").read_text() == "new"
    assert sorted(p.name for p in reports.iterdir()) == sorted([Q, alive.name])  # a live run's folder stays
    assert sorted(p.name for p in (data / "processed").iterdir()) == [Q]
    assert any("中断" in line for line in done)


# ---------------------------------------------------------------- the command line


def test_exit_codes_and_one_chinese_line(tmp_path, capsys, monkeypatch):
    assert cli.main(["ingest", Q, "--data", str(tmp_path / "nowhere")]) == 2
    assert cli.main(["run", Q, "--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "没有找到" in err and "Traceback" not in err
    data = tmp_path / "data"
    (data / "raw" / Q).mkdir(parents=True)
    (tmp_path / "afile").write_text("x")
    assert cli.main(["run", Q, "--data", str(data), "--reports", str(tmp_path / "afile")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "afile" in err and "是一个文件" in err
    good(data / "raw" / Q / GOOD)
    import errno

    from helpers.contract import outputs

    def full(path, data_bytes):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(outputs, "write_bytes", full)
    assert cli.main(["ingest", Q, "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "磁盘空间已满" in err and "submissions.csv" in err and "No space" not in err


@pytest.mark.slow
def test_ctrl_c_ends_a_run_within_seconds_with_one_line_and_no_kernel(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw")
    mark = uuid.uuid4().hex
    (tmp_path / "tmp").mkdir()  # the run's temporary folders (docs/audit.md) are looked for here afterwards
    env = dict(os.environ, YQEVAL_TEST_MARK=mark, TMPDIR=str(tmp_path / "tmp"), PYTHONUNBUFFERED="1")
    for when in ("start-up", "03_report"):  # during start-up (imports, kernels starting), and while a notebook runs
        proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", "2019Q4", "--data", str(data),
                                 "--reports", str(tmp_path / "reports")], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, start_new_session=True, cwd=tmp_path)
        if when == "start-up":
            time.sleep(1.0)
        else:  # the progress line says the report notebook has started (a whole run takes a few seconds now)
            line = b"-"
            while line and when not in line.decode():  # ends at that line, or when the output does
                line = proc.stdout.readline()
            time.sleep(0.3)
        start = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole process group
        _, err = proc.communicate(timeout=60)
        assert time.monotonic() - start < 10
        assert proc.returncode == 130 and err.decode().strip() == cli.INTERRUPTED, err.decode()[-2000:]
        time.sleep(0.5)
        assert _marked(mark) == [], "a kernel or worker was left running"
        assert not list((tmp_path / "tmp").glob("yqeval-ipython-*")), "the kernels' IPython folder was left"
    assert not (tmp_path / "reports" / "2019Q4").exists()  # nothing that looks finished
    assert not list((data / "processed").glob("2019Q4/*"))


def _marked(mark: str) -> list[int]:
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if mark.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                    out.append(int(pid))
            except OSError:
                pass
    return out


# ---------------------------------------------------------------- one full run with the corpus mixed in


def _tree(root: Path, skip: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip]
        for name in filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.mark.slow
def test_a_run_with_the_corpus_mixed_into_the_sample_finishes_with_a_report(tmp_path, tmp_path_factory):
    import shutil

    from helpers.run.pipeline import run_quarter

    data, reports = tmp_path / "data", tmp_path / "reports"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw", ignore=shutil.ignore_patterns(".gitkeep"))
    raw = data / "raw" / "2019Q4"
    corpus = {name: w for name, (w, _) in hostile.CORPUS.items() if name not in ("行数过多.xlsx", "共享字符串.xlsx")}
    for name, writer in corpus.items():
        writer(raw / name)
    outside = tmp_path_factory.mktemp("outside") / "别处.xlsx"
    good(outside)
    os.symlink(outside, raw / "链接.xlsx")
    (raw / "子文件夹").mkdir()
    good(raw / "子文件夹" / GOOD)
    (raw / "~$符离镇.xlsx").write_bytes(b"lock")
    before_raw = tree_hash(data / "raw")
    skip = (".venv", ".git", ".pytest_cache", "__pycache__", ".ruff_cache")
    before_project = _tree(PROJECT_ROOT, skip)
    result = run_quarter("2019Q4", data_dir=data, reports_dir=reports, progress=None)
    assert result.pdf.stat().st_size > 10_000 and result.html.exists()
    assert tree_hash(data / "raw") == before_raw, "the run changed data/raw"
    assert _tree(PROJECT_ROOT, skip) == before_project, "the run wrote inside the project"
    rejects = read_csv(data / "processed" / "2019Q4" / "rejects.csv")
    files = rejects[rejects["source_row"] == ""]
    for name in corpus:
        mine = files[files["source_file"] == name]
        assert len(mine) == 1 and chinese_only(mine.iloc[0]["reason"]), (name, mine.to_string())
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    inputs = {rec["path"] for rec in manifest["inputs"]}
    assert "raw/2019Q4/链接.xlsx" not in inputs and "raw/2019Q4/~$符离镇.xlsx" not in inputs
    assert not any("子文件夹" in p for p in inputs) and f"raw/2019Q4/{next(iter(corpus))}" in inputs
    html = result.html.read_text(encoding="utf-8")
    assert "维度炸弹.xlsx" in html  # the returned file is in the report's data check
    assert sorted(p.name for p in reports.iterdir()) == ["2019Q4"]
    assert sorted(p.name for p in (data / "processed").iterdir() if p.name.startswith(".")) == []


@pytest.mark.slow
def test_a_killed_run_leaves_processed_data_and_report_of_the_previous_run(tmp_path):
    import shutil

    from helpers.run.pipeline import run_quarter

    data, reports = tmp_path / "data", tmp_path / "reports"
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw", ignore=shutil.ignore_patterns(".gitkeep"))
    run_quarter("2019Q4", data_dir=data, reports_dir=reports, progress=None)
    before = (tree_hash(data / "processed" / "2019Q4"), tree_hash(reports / "2019Q4"))
    next(iter(sorted((data / "raw" / "2019Q4").glob("*.xlsx")))).unlink()  # the next run would differ
    proc = subprocess.Popen([sys.executable, "-m", "helpers.cli", "run", "2019Q4", "--data", str(data),
                             "--reports", str(reports)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=tmp_path)
    deadline = time.monotonic() + 120
    while not list((data / "processed").glob(".2019Q4.staging-*/2019Q4/submissions.csv")):  # notebook 01 wrote
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (tree_hash(data / "processed" / "2019Q4"), tree_hash(reports / "2019Q4")) == before
    assert list(reports.glob(".2019Q4.staging-*")) and list((data / "processed").glob(".2019Q4.staging-*"))
    with runstate.run_lock(data):  # the lock died with the process; the next run clears what it left
        runstate.recover(data, reports)
    assert sorted(p.name for p in reports.iterdir()) == ["2019Q4"]
    assert not [p for p in (data / "processed").iterdir() if p.name.startswith(".2019Q4")]


def test_a_failed_runs_folder_keeps_no_finished_looking_report(tmp_path):
    from helpers.run.pipeline import _unfinish

    (tmp_path / "notebooks").mkdir()
    for name in ("报告.html", "报告.pdf", "manifest.json", "notebooks/03_report.ipynb"):
        (tmp_path / name).write_text("x")
    _unfinish(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == ["notebooks",
                                                                                      "notebooks/03_report.ipynb"]


def test_excel_outputs_keep_formula_text_as_text(tmp_path):
    """What a unit typed (or named a file) reaches the office's workbooks as text, never as a live formula."""
    import datetime as dt
    import io

    import openpyxl
    import pandas as pd

    from helpers.run import reminders

    evil = '=HYPERLINK("http://example.invalid","点我")'
    df = pd.DataFrame({"序号": [1], "单位": ["某乡"], "问题": [evil], "联系电话": ["@SUM(1+1)"]})
    book = openpyxl.load_workbook(io.BytesIO(reminders.xlsx_bytes(df, "催报名单", dt.date(2020, 7, 10))))
    cells = {c.value: c.data_type for row in book.active.iter_rows() for c in row if c.value is not None}
    assert cells[evil] == "s" and cells["@SUM(1+1)"] == "s"  # stored as strings, not formulas ("f")
