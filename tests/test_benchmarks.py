"""Smoke test: the benchmark script runs end to end at its smallest size, so it never rots.

No timing is asserted; only that every figure is produced and written.
"""

import importlib.util
import json

from helpers.contract.paths import PROJECT_ROOT


def _load_run():
    spec = importlib.util.spec_from_file_location("bench_run", PROJECT_ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmarks_run_at_smoke_size(tmp_path, capsys):
    run = _load_run()
    out = tmp_path / "results.json"
    assert run.main(["--small", "--out", str(out), "--workdir", str(tmp_path / "work")]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["floor"]["notebooks"] == 1 and results["floor"]["seconds"] > 0
    assert results["scorecards_pool"]["cards"] == 2 and results["scorecards_serial"]["cards"] == 2
    assert results["ingest"]["files"] == results["ingest"]["files_ok"] == 10
    scale = results["scale"]
    assert scale["township_units"] == 40 and scale["quarters"] == 2 and scale["indicators"] == 22
    assert scale["completion_rows"] > 0 and scale["process_peak_rss_mb"] > 0
    assert scale["ingest_sample_files"] == 4
    printed = capsys.readouterr().out
    assert "(a)" in printed and "(d)" in printed and "机器" in printed


def test_synthetic_reference_has_every_township_as_reporter(tmp_path):
    run = _load_run()
    from helpers.plan.reference import load_plan

    plan = load_plan(run.synth_province.make_reference(tmp_path / "ref", 60, 4))
    towns = plan.registry.of_kind("镇", "乡")
    assert len(towns) == 60
    assert set(towns) <= set(plan.indicators["T01"].reporters)
