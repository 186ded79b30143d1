"""Defects a new user found running their own plan (issue E): an empty quarter folder, reasons and hints
in the run's closing summary and on the report page, the manifest's code revision. docs/plan_life.md,
docs/limits.md, docs/audit.md are the contract."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from helpers.contract import datasets as D
from helpers.contract import vocabulary as W
from helpers.contract.outputs import read_csv
from helpers.contract.paths import PROJECT_ROOT
from helpers.plan.params import SCHEMA, leader_reason
from helpers.run import reminders

from . import hostile

Q = "2020Q4"


def _plan_folder(tmp_path: Path) -> tuple[Path, Path]:
    data, reports = tmp_path / "澜州", tmp_path / "澜州报告"
    shutil.copytree(PROJECT_ROOT / "data" / "reference", data / "reference")
    (data / "raw" / Q).mkdir(parents=True)
    return data, reports


def _run(data: Path, reports: Path) -> tuple[object, str]:
    from helpers.run.pipeline import run_quarter

    said: list[str] = []
    result = run_quarter(Q, data_dir=data, reports_dir=reports, progress=said.append)
    return result, "\n".join(said)


@pytest.mark.slow
def test_a_run_on_an_empty_quarter_folder_reports_every_unit_missing(tmp_path):
    data, reports = _plan_folder(tmp_path)
    result, said = _run(data, reports)
    processed = data / "processed" / Q
    log = json.loads((processed / "ingest_log.json").read_text(encoding="utf-8"))
    assert log["files"] == [] and log["totals"]["files"] == 0
    for ds in (D.SUBMISSIONS, D.REJECTS):  # empty, with the contract's columns
        frame = read_csv(D.path(processed, ds))
        assert len(frame) == 0 and list(frame.columns) == list(ds.columns), ds.name
    reporting = read_csv(D.path(processed, D.REPORTING))
    assert len(reporting) > 10 and set(reporting["status"]) == {W.MISSING}
    completion = read_csv(D.path(processed, D.COMPLETION))
    assert len(completion) > 0 and list(completion.columns) == list(D.COMPLETION.columns)
    assert result.pdf.stat().st_size > 10_000
    html = result.html.read_text(encoding="utf-8")
    assert html.count(W.MISSING) >= len(reporting)
    names = {p.suffix for p in result.folder.iterdir()}
    assert {".pdf", ".html", ".docx", ".xlsx", ".json"} <= names  # the deliverables too
    # the closing hint names this plan's folders, so following it does not write into the bundled reports/
    hint = next(line for line in said.splitlines() if "yqeval reminders" in line)
    assert f"--data {data}" in hint and f"--reports {reports}" in hint, hint
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["inputs"] == [] and manifest["not_read"] == []


@pytest.mark.slow
def test_what_was_not_read_is_named_in_the_summary_and_the_report_and_limits_in_chinese(tmp_path):
    data, reports = _plan_folder(tmp_path)
    raw = data / "raw" / Q
    outside = tmp_path / "别处.xlsx"
    outside.write_bytes(b"x")
    os.symlink(outside, raw / "链接.xlsx")
    (raw / "~$符离镇.xlsx").write_bytes(b"lock")
    (raw / "子文件夹").mkdir()
    hostile.dimension_bomb(raw / "维度炸弹.xlsx")
    result, said = _run(data, reports)
    log = json.loads((data / "processed" / Q / "ingest_log.json").read_text(encoding="utf-8"))
    assert sorted(item["file"] for item in log["not_read"]) == sorted(["链接.xlsx", "~$符离镇.xlsx", "子文件夹"])
    html = result.html.read_text(encoding="utf-8")
    for item in log["not_read"]:
        assert f"{item['file']}：{item['reason']}" in said, said
        assert item["file"] in html and item["reason"] in html
    assert "未读取的条目 3 个" in said and "未读取的条目" in html
    # the analyst's rejects.csv keeps the parameter's key; the leaders' page names the limit in Chinese
    rejects = read_csv(data / "processed" / Q / "rejects.csv")
    assert "max_cells" in rejects.loc[rejects["source_file"] == "维度炸弹.xlsx", "reason"].iloc[0]
    assert "维度炸弹.xlsx" in html and "max_cells" not in html and "max_" not in html
    doc = next(p.doc for p in SCHEMA if p.key == "max_cells")
    assert f"方案参数“{doc}”" in html


def test_leader_reason_names_every_limit_in_chinese():
    keys = ["max_file_mb", "max_unpacked_mb", "max_compression_ratio", "max_cells", "max_field_kb",
            "max_xml_depth", "max_zip_members", "reader_memory_mb", "reader_seconds"]
    docs = {p.key: p.doc for p in SCHEMA}
    for key in keys:
        shown = leader_reason(f"文件过大（上限 20 MB，参数 {key}），拒收")
        assert key not in shown and f"方案参数“{docs[key]}”" in shown, shown
    assert (leader_reason("部件压缩比过高（参数 max_compression_ratio：72.0 KB 解压出 7.1 MB），拒收")
            == f"部件压缩比过高（方案参数“{docs['max_compression_ratio']}”：72.0 KB 解压出 7.1 MB），拒收")
    assert leader_reason("超过（参数 max_cells 的 3 倍）") == f"超过（方案参数“{docs['max_cells']}”的 3 倍）"
    assert leader_reason("（params.yaml 参数 max_cells）") == f"（方案参数“{docs['max_cells']}”）"
    assert leader_reason("累计完成值为空") == "累计完成值为空"


def test_command_hints_repeat_the_folders_the_run_was_given(tmp_path, monkeypatch):
    data, reports = tmp_path / "澜州", tmp_path / "澜州 报告"
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.delenv("YQEVAL_REFERENCE", raising=False)
    assert reminders.command_hint("reminders", Q, PROJECT_ROOT / "data", PROJECT_ROOT / "reports") == \
        f"yqeval reminders {Q}"
    hint = reminders.command_hint("scorecards", Q, data, reports)
    assert hint == f"yqeval scorecards {Q} --data {data} --reports '{reports}'"
    monkeypatch.setenv("YQEVAL_REFERENCE", str(tmp_path / "方案"))
    assert reminders.command_hint("run", Q, data).endswith(f"--data {data} --reference {tmp_path / '方案'}")
    monkeypatch.setenv("YQEVAL_REFERENCE", str(data / "reference"))  # the data folder's own: not repeated
    assert "--reference" not in reminders.command_hint("run", Q, data)
