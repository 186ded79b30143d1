"""The workbook's benchmarks, in one command (`make bench`); `--small` runs them at smoke size.

    .venv/bin/python benchmarks/run.py            # full: ~5 minutes on 2 cores
    .venv/bin/python benchmarks/run.py --small    # seconds; skips the district report
    .venv/bin/python benchmarks/run.py --province-units 15000   # (d) alone, at ten times the province

(a) `run_quarter` of the sample quarter against its floor: the same number of papermill executions of
    an empty notebook plus one WeasyPrint HTML→PDF of a one-page HTML (target ≤ 2×). Measured two
    ways, each `--repeat` times (median; floor and run alternate, as the machine's load drifts):
    in this process after its one-time imports (WeasyPrint, papermill) are paid, so neither side is
    charged for them; and as commands, `yqeval run` against the floor run as a script
    (benchmarks/floor.py, which imports only what the floor uses), each in a fresh interpreter. The in-process run is also timed once with cold
    kernels (`run_quarter(warm=False)`), to show what `helpers.run.kernels` saves.
(b) every unit's scorecard against one district report (target ≤ 3×), with a pool of 2 and serially;
(c) ingest of 1,000 submission files (benchmarks/bench_ingest.py), files per second;
(d) a synthetic province (1,500 township-level units, 100 counties, 8 quarters, the 22 indicators):
    evaluate's time and peak memory (target < 10 s, < 2 GB), measured in a fresh process on the
    submissions as load_history reads them (written as submissions.csv and read back); ingest timed on
    a sample of files of that province and extrapolated.

Results are printed and written to benchmarks/out/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_ingest  # noqa: E402
import synth_province  # noqa: E402
from floor import EMPTY_PAGE, bench_floor, empty_notebook  # noqa: E402

from helpers.contract.paths import PROJECT_ROOT  # noqa: E402

QUARTER = "2019Q4"
FULL = {"repeat": 3, "floor_notebooks": 3, "cards": None, "ingest_files": 1000, "units": 1500, "counties": 100,
        "quarters": 8, "ingest_sample": 120, "district": True,
        "province_cards": True, "tenfold_units": 15000}
SMALL = {"repeat": 1, "floor_notebooks": 1, "cards": ["符离镇", "区商务局"], "ingest_files": 10, "units": 40, "counties": 3,
         "quarters": 2, "ingest_sample": 4, "district": False,
         "province_cards": True, "tenfold_units": None}


# ---------------------------------------------------------------- (a) the district report and its floor


def warm_up_process(workdir: Path) -> None:
    """Pay this process's one-time costs (importing papermill, nbconvert, WeasyPrint; fontconfig and the
    CJK fonts) before anything is timed, so neither the floor nor the run is charged for them."""
    import papermill  # noqa: F401

    from helpers.report import render

    workdir.mkdir(parents=True, exist_ok=True)
    render.html_to_pdf(EMPTY_PAGE.format(css=render.report_css()), workdir / "warm_up.pdf")
    render.notebook_to_html(empty_notebook(workdir / "warm_up.ipynb"), "预热")


def sample_data(workdir: Path) -> Path:
    """A fresh copy of the committed sample quarters (raw files only): never write under data/raw."""
    data = workdir / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(PROJECT_ROOT / "data" / "raw", data / "raw")
    return data


def bench_district(data: Path, reports: Path, quarter: str = QUARTER, warm: bool = True) -> dict:
    from helpers.run.pipeline import run_quarter

    t0 = time.perf_counter()
    result = run_quarter(quarter, data_dir=data, reports_dir=reports, progress=None, warm=warm)
    return {"seconds": round(time.perf_counter() - t0, 2), "warm_kernels": warm,
            "steps": {k: round(v, 2) for k, v in result.seconds.items()}}


STALL = "Kernel is taking too long to finish"  # jupyter_client gave up waiting for a kernel to exit (shutdown_wait_time)


def _timed_command(args: list[str], cwd: Path, stderr: list[str] | None = None) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} exited with {done.returncode}:\n{done.stderr}")
    if stderr is not None:
        stderr.append(done.stderr)
    return round(time.perf_counter() - t0, 2)


def bench_commands(data: Path, reports: Path, workdir: Path, n_notebooks: int, quarter: str = QUARTER) -> dict:
    """As an analyst types them: `yqeval run` against the floor run as a script, each in a fresh
    interpreter (both pay Python's start and their imports)."""
    yqeval = Path(sys.executable).with_name("yqeval")
    floor = _timed_command([sys.executable, str(HERE / "floor.py"), str(n_notebooks), str(workdir / "floor_cmd")],
                           cwd=PROJECT_ROOT)
    run = _timed_command([str(yqeval), "run", quarter, "--data", str(data), "--reports", str(reports)],
                         cwd=PROJECT_ROOT)
    return {"floor_s": floor, "run_s": run}


def bench_peer(data: Path, workdir: Path, quarter: str = QUARTER) -> dict:
    """The do-it-yourself peer, as commands: papermill's CLI on the three notebooks, then nbconvert to HTML
    (and to PDF through xelatex when it is installed; it is not part of the set-up, so usually skipped)."""
    bin_dir = Path(sys.executable).parent
    out = workdir / "peer"
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    errors: list[str] = []
    for nb in ("01_ingest", "02_evaluate", "03_report"):
        params = ["-p", "quarter", quarter, "-p", "data_dir", str(data)]
        if nb.startswith("03"):
            params += ["-p", "output_dir", str(out / "reports")]
        _timed_command([str(bin_dir / "papermill"), str(PROJECT_ROOT / "notebooks" / f"{nb}.ipynb"),
                        str(out / f"{nb}.ipynb"), "-k", "yqeval", *params], cwd=PROJECT_ROOT, stderr=errors)
    _timed_command([str(bin_dir / "jupyter"), "nbconvert", "--to", "html", str(out / "03_report.ipynb")], cwd=out)
    pdf = shutil.which("xelatex") is not None
    if pdf:
        _timed_command([str(bin_dir / "jupyter"), "nbconvert", "--to", "pdf", str(out / "03_report.ipynb")], cwd=out)
    # papermill waits for each kernel to exit; here about one shutdown in eight waits until jupyter_client
    # terminates it (≈ 2.5 s): counted, so a comparison can say how much of the peer's time that was
    return {"seconds": round(time.perf_counter() - t0, 2), "pdf": pdf,
            "kernel_stalls": sum(e.count(STALL) for e in errors)}


def bench_pairs(data: Path, workdir: Path, pairs: int, against: list[str], quarter: str = QUARTER) -> dict:
    """`yqeval run` and the peer, `pairs` times, alternating (the machine's load drifts), and in each pair
    every other `yqeval` command given with --against (another checkout's, to compare side by side)."""
    yqeval = [str(Path(sys.executable).with_name("yqeval")), *against]
    runs: dict[str, list[float]] = {cmd: [] for cmd in yqeval}
    peers, stalls = [], []
    for _ in range(pairs):
        for j, cmd in enumerate(yqeval):
            reports = workdir / f"pairs_reports_{j}"
            runs[cmd].append(_timed_command([cmd, "run", quarter, "--data", str(data), "--reports", str(reports)],
                                            cwd=PROJECT_ROOT))
        peer = bench_peer(data, workdir)
        peers.append(peer["seconds"])
        stalls.append(peer["kernel_stalls"])
    return {"pairs": pairs, "peer_all_s": peers, "peer_s": _median(peers), "peer_kernel_stalls": stalls,
            "runs": [{"command": cmd, "all_s": values, "seconds": _median(values),
                      "ratios": [round(r / p, 2) for r, p in zip(values, peers, strict=True)],
                      "median_ratio": _median([r / p for r, p in zip(values, peers, strict=True)])}
                     for cmd, values in runs.items()]}


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def bench_report(data: Path, reports: Path, workdir: Path, n_notebooks: int, repeat: int,
                 district: bool) -> dict:
    """(a): the floor and the district report, `repeat` times each, alternating (the machine's load
    drifts); medians, with every measurement kept."""
    warm_up_process(workdir / "warm_up")
    floors, runs, cold, commands, peers = [], [], [], [], []
    for i in range(repeat):
        floors.append(bench_floor(workdir / f"floor_{i}", n_notebooks))
        if district:
            runs.append(bench_district(data, reports))
            commands.append(bench_commands(data, reports, workdir, n_notebooks))
            peers.append(bench_peer(data, workdir))
    if district:
        cold.append(bench_district(data, reports, warm=False))
    out = {"floor": {**floors[-1], "seconds": _median([f["seconds"] for f in floors]),
                     "all_s": [f["seconds"] for f in floors]}}
    if district:
        out["district"] = {**runs[-1], "seconds": _median([r["seconds"] for r in runs]),
                           "all_s": [r["seconds"] for r in runs]}
        out["district_cold_kernels"] = cold[0]
        out["commands"] = {"floor_s": _median([c["floor_s"] for c in commands]),
                           "run_s": _median([c["run_s"] for c in commands]), "all": commands}
        out["peer"] = {"seconds": _median([p["seconds"] for p in peers]), "all_s": [p["seconds"] for p in peers],
                       "pdf": peers[-1]["pdf"], "kernel_stalls": [p["kernel_stalls"] for p in peers]}
    return out


# ---------------------------------------------------------------- (b) scorecards


def bench_scorecards(data: Path, reports: Path, units: list[str] | None, workers: int,
                     quarter: str = QUARTER) -> dict:
    from helpers.run.cards import run_scorecards

    t0 = time.perf_counter()
    result = run_scorecards(quarter, units=units, data_dir=data, reports_dir=reports, workers=workers,
                            progress=None)
    seconds = time.perf_counter() - t0
    return {"cards": len(result.files), "workers": workers, "seconds": round(seconds, 2),
            "per_card_s": round(seconds / max(1, len(result.files)), 3),
            "steps": {k: round(v, 2) for k, v in result.seconds.items()}}


# ---------------------------------------------------------------- (d) a synthetic province


def bench_scale(workdir: Path, n_units: int, n_counties: int, n_quarters: int, ingest_sample: int,
                all_cards: bool = False) -> dict:
    """Run in a fresh process (see scale_in_subprocess) so its peak RSS is the province's alone."""
    from helpers.evaluate.completion import evaluate
    from helpers.ingest import ingest_files
    from helpers.plan.reference import load_plan

    ref = synth_province.make_reference(workdir / "reference", n_units, n_counties)
    t0 = time.perf_counter()
    plan = load_plan(ref)
    load_plan_s = time.perf_counter() - t0
    qs = synth_province.quarter_list(QUARTER, n_quarters)
    t0 = time.perf_counter()
    history = synth_province.make_history(plan, qs, via=workdir / "processed")  # as load_history reads them
    history_s = time.perf_counter() - t0
    history_rss_mb = current_rss_mb()
    rows = sum(len(h.submissions) for h in history.values())
    t0 = time.perf_counter()
    ev = evaluate(history, qs[-1], plan=plan)
    evaluate_s = time.perf_counter() - t0
    rss_mb = peak_rss_mb()
    tracemalloc.start()
    evaluate(history, qs[-1], plan=plan)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cards = bench_province_cards(plan, history, qs[-1], ev, workdir / "cards", all_cards)
    ingest = _ingest_sample(workdir / "files", plan, qs[0], ingest_sample, ingest_files)
    reporters = len(plan.reporters())
    files = reporters * n_quarters
    return {
        "township_units": n_units, "counties": n_counties, "quarters": n_quarters, "reporters": reporters,
        "indicators": len(plan.indicators), "submission_rows": rows, "completion_rows": len(ev.completion),
        "load_plan_s": round(load_plan_s, 2), "evaluate_s": round(evaluate_s, 2),
        "evaluate_peak_traced_mb": round(peak / 2**20, 1), "process_peak_rss_mb": round(rss_mb, 1),
        "history_rss_mb": round(history_rss_mb, 1), "history_written_and_read_s": round(history_s, 1),
        "ingest_sample_files": ingest["files"], "ingest_sample_s": ingest["seconds"],
        "ingest_files_per_second": ingest["files_per_second"], "province_files": files,
        "ingest_province_s_extrapolated": round(files / ingest["files_per_second"], 1), **cards,
    }


def card_html_cost(ctx, n: int = 40) -> float:
    """CPU seconds to build one card's HTML, over n units spread through the registry (after one warm-up)."""
    from helpers.report.scorecards import card_html

    units = ctx.plan.reporters()
    chosen = units[::max(1, len(units) // n)][:n]
    card_html(ctx, chosen[0])
    t0 = time.process_time()
    for unit in chosen:
        card_html(ctx, unit)
    return round((time.process_time() - t0) / len(chosen), 4)


def bench_province_cards(plan, history, quarter: str, ev, folder: Path, all_cards: bool) -> dict:
    """Per-card HTML cost at this size; with all_cards, every card's HTML and PDF (pool of 2), written out."""
    from helpers.contract.outputs import write_bytes
    from helpers.report import scorecards
    from helpers.run import cards

    t0 = time.perf_counter()
    ctx = synth_province.card_context(plan, history, quarter, ev)
    out = {"card_context_s": round(time.perf_counter() - t0, 2), "card_html_cpu_s": card_html_cost(ctx)}
    if all_cards:
        units = plan.reporters()
        t0 = time.perf_counter()
        docs = [scorecards.card_html(ctx, u) for u in units]
        html_s = time.perf_counter() - t0
        pdfs = scorecards._pdfs(docs, workers=2, when=ctx.as_of)
        names = cards.unique_file_names(units)
        for unit, doc, pdf in zip(units, docs, pdfs, strict=True):
            write_bytes(folder / f"{names[unit]}.html", doc.encode("utf-8"))
            write_bytes(folder / f"{names[unit]}.pdf", pdf)
        seconds = time.perf_counter() - t0
        out.update({"cards": len(units), "cards_s": round(seconds, 1), "cards_html_s": round(html_s, 1),
                    "cards_per_card_s": round(seconds / len(units), 3)})
    return out


def _proc_status_mb(key: str) -> float | None:
    """A memory line of /proc/self/status in MB (VmRSS: now, VmHWM: peak); None where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def current_rss_mb() -> float:
    """This process's resident memory now (VmRSS; NaN where /proc is not there)."""
    now = _proc_status_mb("VmRSS")
    return float("nan") if now is None else now


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, because Linux carries ru_maxrss across exec: a child
    started from a big parent would report the parent's size."""
    peak = _proc_status_mb("VmHWM")
    if peak is not None:
        return peak
    try:
        import resource  # Unix only: on Windows the peak is not measured
    except ImportError:
        return float("nan")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _ingest_sample(folder: Path, plan, quarter: str, n: int, ingest_files) -> dict:
    """Write n .xlsx files for units of the synthetic province and time ingest over them."""
    folder.mkdir(parents=True, exist_ok=True)
    units = plan.reporters()
    step = max(1, len(units) // max(1, n))
    chosen = units[::step][:n]
    label = f"{quarter[:4]}年第{'一二三四'[int(quarter[-1]) - 1]}季度"
    paths = []
    for i, unit in enumerate(chosen):
        path = folder / f"{unit}_{quarter}.xlsx"
        bench_ingest.write_submission(path, plan, unit, i, label)
        paths.append(path)
    t0 = time.perf_counter()
    ingest_files(paths, quarter, plan, base=folder)
    seconds = time.perf_counter() - t0
    return {"files": len(paths), "seconds": round(seconds, 2), "files_per_second": round(len(paths) / seconds, 1)}


def scale_in_subprocess(workdir: Path, size: dict) -> dict:
    args = [sys.executable, str(Path(__file__).resolve()), "--scale-only", json.dumps(size), "--workdir", str(workdir)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=PROJECT_ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the machine and the report


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(ram, 1), "python": platform.python_version(),
            "platform": platform.platform(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "date": dt.datetime.now().isoformat(timespec="seconds")}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def summary_lines(r: dict) -> list[str]:
    def verdict(x, target):
        return "—" if x is None else ("达标" if x <= target else "未达标")

    m = r["machine"]
    lines = [f"机器：{m['nproc']} 核 {m['cpu']}，内存 {m['ram_gb']} GB，Python {m['python']}，"
             f"开始时负载 {m['load_average_at_start']}"]
    fl, dist = r["floor"], r.get("district")
    if dist:
        x, xc = r["ratios"]["district_vs_floor"], r["ratios"]["commands_run_vs_floor"]
        cold, cmd = r["district_cold_kernels"], r["commands"]
        lines.append(f"(a) 区级报告 run_quarter（进程内，预热内核）{dist['seconds']} s {dist['all_s']}；下限（{fl['notebooks']} 次"
                     f"空笔记本 papermill + 一页 PDF）{fl['seconds']} s {fl['all_s']}；比值 {x}×（目标 ≤ 2×，{verdict(x, 2)}）")
        lines.append(f"    不预热内核 {cold['seconds']} s（{r['ratios']['district_cold_vs_floor']}×）；"
                     f"各步骤 {dist['steps']}")
        lines.append(f"    命令行（新进程，含 Python 启动与导入）：yqeval run {cmd['run_s']} s，下限脚本 {cmd['floor_s']} s；"
                     f"比值 {xc}×（目标 ≤ 2×，{verdict(xc, 2)}）")
        peer, xp = r["peer"], r["ratios"]["commands_run_vs_peer"]
        lines.append(f"    自己动手的同类做法（papermill 命令行跑三个笔记本 + nbconvert HTML"
                     f"{' + xelatex PDF' if peer['pdf'] else '；无 xelatex，未计 PDF'}）{peer['seconds']} s"
                     f"（内核退出超时被终止 {sum(peer.get('kernel_stalls', []))} 次，每次约 2.5 s）；"
                     f"yqeval run 为其 {xp}×（目标 ≤ 0.5×，{verdict(xp, 0.5)}）")
    else:
        lines.append(f"(a) 下限 {fl['seconds']} s（{fl['notebooks']} 次空笔记本）；--small 不运行区级报告，无比值")
    for key in ("scorecards_pool", "scorecards_serial"):
        sc = r.get(key)
        if sc:
            x = r["ratios"].get(f"{key}_vs_district")
            tail = f"；对区级报告 {x}×（目标 ≤ 3×，{verdict(x, 3)}）" if x is not None else ""
            lines.append(f"(b) {sc['cards']} 张评估卡（进程数 {sc['workers']}）{sc['seconds']} s，"
                         f"每张 {sc['per_card_s']} s{tail}")
    ing = r["ingest"]
    lines.append(f"(c) 读取 {ing['files']} 个报送文件 {ing['seconds']} s，{ing['files_per_second']} 个/秒")
    s = r["scale"]
    lines.append(f"(d) 模拟省：{s['township_units']} 个乡镇级单位、{s['counties']} 个县、{s['quarters']} 个季度、"
                 f"{s['indicators']} 项指标（{s['submission_rows']:,} 行报送）：evaluate {s['evaluate_s']} s（目标 < 10 s，"
                 f"{verdict(s['evaluate_s'], 10)}），进程峰值内存 {s['process_peak_rss_mb']} MB（目标 < 2048 MB，"
                 f"{verdict(s['process_peak_rss_mb'], 2048)}），evaluate 分配峰值 {s['evaluate_peak_traced_mb']} MB；"
                 f"load_plan {s['load_plan_s']} s")
    sizes = [(r["card_html_sample"]["units"], r["card_html_sample"]["card_html_cpu_s"]),
             (s["township_units"], s["card_html_cpu_s"])]
    if r.get("scale_tenfold"):
        t = r["scale_tenfold"]
        sizes.append((t["township_units"], t["card_html_cpu_s"]))
        lines.append(f"(d) 十倍：{t['township_units']} 个乡镇级单位（{t['submission_rows']:,} 行）：evaluate {t['evaluate_s']} s"
                     f"（目标 < 10 s，{verdict(t['evaluate_s'], 10)}），进程峰值内存 {t['process_peak_rss_mb']} MB（含按 load_history "
                     f"读入的 8 个季度报送数据，评估前 {t.get('history_rss_mb')} MB；目标 < 1024 MB，"
                     f"{verdict(t['process_peak_rss_mb'], 1024)}），evaluate 分配峰值 {t['evaluate_peak_traced_mb']} MB")
    lines.append("(e) 每张评估卡的 HTML（CPU 秒）：" + "，".join(f"{n} 个单位 {c}" for n, c in sizes)
                 + f"（最大/最小 {ratio(max(c for _, c in sizes), min(c for _, c in sizes))}×，应持平）")
    if s.get("cards"):
        lines.append(f"(f) 模拟省全部 {s['cards']} 张评估卡（HTML + Typst PDF，2 个进程，写出文件）{s['cards_s']} s，"
                     f"每张 {s['cards_per_card_s']} s（目标 1,500 张 ≤ 180 s，"
                     f"{verdict(s['cards_s'] * 1500 / s['cards'], 180)}，按 1,500 张折算 {round(s['cards_s'] * 1500 / s['cards'])} s）")
    lines.append(f"    读取：样本 {s['ingest_sample_files']} 个文件 {s['ingest_files_per_second']} 个/秒，"
                 f"全省 {s['province_files']:,} 个文件推算 {s['ingest_province_s_extrapolated']} s")
    return lines


def run_all(size: dict, workdir: Path, out: Path | None) -> dict:
    results: dict = {"machine": machine(), "size": size, "ratios": {}}
    data, reports = sample_data(workdir), workdir / "reports"
    results.update(bench_report(data, reports, workdir, size["floor_notebooks"], size["repeat"], size["district"]))
    results["scorecards_pool"] = bench_scorecards(data, reports, size["cards"], workers=2)
    results["scorecards_serial"] = bench_scorecards(data, reports, size["cards"], workers=1)
    results["ingest"] = bench_ingest.run(size["ingest_files"], workdir / "ingest")
    from helpers.run.cards import card_context as load_context

    ctx = load_context(data, QUARTER, progress=None)
    results["card_html_sample"] = {"units": len(ctx.plan.reporters()), "card_html_cpu_s": card_html_cost(ctx)}
    results["scale"] = scale_in_subprocess(workdir / "scale", size)
    if size.get("tenfold_units"):
        n = size["tenfold_units"]
        results["scale_tenfold"] = scale_in_subprocess(workdir / "scale10", {
            **size, "units": n, "counties": n // 15, "ingest_sample": 4, "province_cards": False})
    district = results.get("district", {}).get("seconds")
    commands = results.get("commands", {})
    results["ratios"] = {
        "district_vs_floor": ratio(district, results["floor"]["seconds"]),
        "district_cold_vs_floor": ratio(results.get("district_cold_kernels", {}).get("seconds"),
                                        results["floor"]["seconds"]),
        "commands_run_vs_floor": ratio(commands.get("run_s"), commands.get("floor_s")),
        "commands_run_vs_peer": ratio(commands.get("run_s"), results.get("peer", {}).get("seconds")),
        "scorecards_pool_vs_district": ratio(results["scorecards_pool"]["seconds"], district),
        "scorecards_serial_vs_district": ratio(results["scorecards_serial"]["seconds"], district),
    }
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="评估工作簿的性能测量")
    parser.add_argument("--small", action="store_true", help="冒烟测试规模（几秒钟，不运行区级报告）")
    parser.add_argument("--out", default=str(HERE / "out" / "results.json"))
    parser.add_argument("--workdir", default=None, help="临时目录（默认新建并在结束后删除）")
    parser.add_argument("--province-units", type=int, default=None,
                        help="(d) 只测模拟省，乡镇级单位数（如 15000 为十倍规模；县数按每县 15 个）")
    parser.add_argument("--repeat", type=int, default=None, help="(a) 重复次数，取中位数（默认 3；--small 为 1）")
    parser.add_argument("--pairs", type=int, default=None,
                        help="只测区级报告对“自己动手”做法：yqeval run 与 papermill+nbconvert 交替 N 对")
    parser.add_argument("--against", action="append", default=[],
                        help="与 --pairs 同用：每对中再运行这个 yqeval 命令（如另一个检出的 .venv/bin/yqeval）")
    parser.add_argument("--scale-only", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pairs:
        with tempfile.TemporaryDirectory(prefix="yqeval-bench-") as tmp:
            workdir = Path(args.workdir) if args.workdir else Path(tmp)
            result = {"machine": machine(), **bench_pairs(sample_data(workdir), workdir, args.pairs, args.against)}
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    if args.scale_only:  # the child process of scale_in_subprocess
        size = json.loads(args.scale_only)
        result = bench_scale(Path(args.workdir), size["units"], size["counties"], size["quarters"],
                             size["ingest_sample"], size.get("province_cards", False))
        print(json.dumps(result, ensure_ascii=False))
        return 0
    size = SMALL if args.small else FULL
    if args.repeat:
        size = {**size, "repeat": args.repeat}
    if args.province_units:
        # (d) alone: evaluate's time and memory, and the per-card HTML; all the cards only at province size
        size = {**size, "units": args.province_units, "counties": max(1, args.province_units // 15),
                "province_cards": size["province_cards"] and args.province_units <= 1500,
                "ingest_sample": size["ingest_sample"] if args.province_units <= 1500 else 4}
        with tempfile.TemporaryDirectory(prefix="yqeval-bench-") as tmp:
            result = scale_in_subprocess(Path(args.workdir or tmp), size)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    with tempfile.TemporaryDirectory(prefix="yqeval-bench-") as tmp:
        workdir = Path(args.workdir) if args.workdir else Path(tmp)
        results = run_all(size, workdir, Path(args.out) if args.out else None)
    for line in summary_lines(results):
        print(line)
    if args.out:
        print(f"结果：{args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
