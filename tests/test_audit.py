"""verify explains what changed inside an input, covers the cards, and refuses a tampered manifest.

A light pipeline (real ingest of three sample files, a small 'report' listing the ingest log's digests, the
real manifest) stands in for `yqeval run`, so these tests take seconds; one card is rendered for real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import openpyxl
import pytest

from helpers.audit import changes as audit_diff
from helpers.audit import manifest as mf
from helpers.contract.paths import PROJECT_ROOT
from helpers.ingest import ingest_quarter
from helpers.plan import quarters
from helpers.run import verification as vf

from .runs import commit_stand_in

QUARTER = "2019Q4"
FILES = ["符离镇_2019Q4.xlsx", "三里湾街道_2019Q4.csv", "区商务局_2019Q4.xlsx"]
TARGET = f"raw/{QUARTER}/符离镇_2019Q4.xlsx"


def light_run(quarter, as_of=None, data_dir="data", reports_dir="reports", progress=None):
    """Ingest every quarter up to QUARTER for real; the 'report' lists each file's digest like the appendix."""
    data, reports = Path(data_dir), Path(reports_dir)
    outputs = []
    for q in quarters.present(data, quarter):
        outputs += ingest_quarter(q, data).written
    staging = reports / f".{quarter}.staging"
    staging.mkdir(parents=True)
    log = json.loads((data / "processed" / quarter / "ingest_log.json").read_text(encoding="utf-8"))
    lines = [f"<p>{f['file']} {f['sha256'][:16]} {f['accepted']}</p>" for f in log["files"]]
    (staging / "报告.html").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outputs.append(staging / "报告.html")
    commit_stand_in(quarter, as_of or quarters.quarter_end(quarter), data, reports, staging, outputs,
                    {"quarter": quarter})


@pytest.fixture
def project(tmp_path) -> Path:
    raw = tmp_path / "data" / "raw" / QUARTER
    raw.mkdir(parents=True)
    for name in FILES:
        shutil.copy2(PROJECT_ROOT / "data" / "raw" / QUARTER / name, raw / name)
    light_run(QUARTER, data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    return tmp_path


def _manifest_path(project: Path) -> Path:
    return project / "reports" / QUARTER / "manifest.json"


def _verify(project: Path, **kwargs) -> tuple[int, str]:
    lines: list[str] = []
    code = vf.verify(_manifest_path(project), runner=light_run, out=lines.append, **kwargs)
    return code, "\n".join(lines)


def _edit(path: Path, change) -> None:
    """Open the workbook as a unit would, change it (or not), save it again with openpyxl."""
    wb = openpyxl.load_workbook(path)
    change(wb["进展填报表"])
    wb.save(path)


# ---------------------------------------------------------------- the record


def test_manifest_records_what_ingest_made_of_each_input(project):
    m = json.loads(_manifest_path(project).read_text(encoding="utf-8"))
    content = next(r for r in m["inputs"] if r["path"] == TARGET)["content"]
    assert content["unit"] == "符离镇" and content["sheet"] == "进展填报表" and content["status"] == "ok"
    t01 = next(r for r in content["accepted"] if r["indicator"] == "T01")
    assert t01["row"] == 4 and t01["value"] == "5200" and "raw_value" not in t01  # the same text as the number
    assert m["created_at"].endswith("+08:00")


def test_submissions_keep_the_text_the_unit_typed(project):
    path = project / "data" / "raw" / QUARTER / "符离镇_2019Q4.xlsx"
    _edit(path, lambda ws: setattr(ws["E4"], "value", "0.52亿元"))
    result = ingest_quarter(QUARTER, project / "data")
    row = result.submissions.set_index("indicator").loc["T01"]
    assert row["value"] == 5200 and row["raw_value"] == "0.52亿元"
    text = (project / "data" / "processed" / QUARTER / "submissions.csv").read_text(encoding="utf-8-sig")
    assert "5200,0.52亿元," in text


# ---------------------------------------------------------------- what changed inside an input


def test_a_resaved_input_with_the_same_content_is_named_as_such(project):
    path = project / "data" / TARGET
    before = path.read_bytes()
    _edit(path, lambda ws: None)
    assert path.read_bytes() != before
    code, text = _verify(project)
    assert code == 1, text  # the exit codes stay: a changed input is not "reproducible"
    assert f"{TARGET}：{audit_diff.UNCHANGED}" in text, text
    rows = {line.split()[1]: line for line in text.splitlines() if line.startswith(("一致", "不一致", "缺失"))}
    assert rows[f"data/processed/{QUARTER}/submissions.csv"].startswith("一致"), text
    log = rows[f"data/processed/{QUARTER}/ingest_log.json"]
    assert log.startswith("不一致") and "内容未变" in log and "摘要和大小换回记录值后一致" in log, log
    assert "摘要和大小换回记录值后一致" in rows[f"reports/{QUARTER}/报告.html"], text
    assert f"{TARGET}（已改变）：{audit_diff.UNCHANGED}" in text.splitlines()[-1]


def test_a_changed_number_is_named_with_its_old_and_new_value_and_row(project):
    _edit(project / "data" / TARGET, lambda ws: setattr(ws["E4"], "value", 6200))
    code, text = _verify(project)
    assert code == 1, text
    assert "修改：符离镇 T01 累计完成值：记录 5200 → 现在 6200（“进展填报表”表第4行）" in text, text
    assert f"{TARGET}：读入的数据有 1 处改变" in text
    row = next(line for line in text.splitlines() if f"data/processed/{QUARTER}/submissions.csv" in line)
    assert row.startswith("不一致") and f"输入 {TARGET} 已改变：读入的数据有 1 处改变" in row, row


def test_a_converted_value_shows_the_words_the_unit_typed(project):
    _edit(project / "data" / TARGET, lambda ws: setattr(ws["E4"], "value", "1.2亿元"))
    code, text = _verify(project)
    assert code == 1 and "累计完成值：记录 5200 → 现在 12000（原文“1.2亿元”）" in text, text


def test_a_removed_row_is_named_and_the_rows_below_only_moved(project):
    import pandas as pd

    recorded = pd.read_csv(project / "data" / "processed" / QUARTER / "submissions.csv", encoding="utf-8-sig")
    below = int(((recorded["source_file"] == TARGET.rsplit("/", 1)[1]) & (recorded["source_row"] > 7)).sum())
    _edit(project / "data" / TARGET, lambda ws: ws.delete_rows(7))  # T03B
    code, text = _verify(project)
    assert code == 1, text
    assert "删除：符离镇 T03B 记录为 累计完成值 0，进展状态 推进中（原“进展填报表”表第7行），现在文件中没有这一行" in text, text
    assert below >= 10 and f"另有 {below} 行数值未变、行号改变" in text, text


def test_an_added_row_is_named(project):
    path = project / "data" / TARGET
    original = path.read_bytes()
    _edit(path, lambda ws: ws.delete_rows(7))
    light_run(QUARTER, data_dir=project / "data", reports_dir=project / "reports")  # the run saw no T03B
    path.write_bytes(original)
    code, text = _verify(project)
    assert code == 1, text
    assert "新增：符离镇 T03B 累计完成值 0，进展状态 推进中（“进展填报表”表第7行）" in text, text


def test_a_new_reject_and_a_changed_status_are_named(project):
    def change(ws):
        ws["E5"].value = "已完成"  # words where T02's number belongs
        ws["G6"].value = "推进中"
    _edit(project / "data" / TARGET, change)
    code, text = _verify(project)
    assert code == 1
    assert "删除：符离镇 T02" in text and "新增退回：符离镇 T02 “累计完成值=已完成；进展状态=已完成”" in text, text
    assert "修改：符离镇 T03A 进展状态：记录 已完成 → 现在 推进中（“进展填报表”表第6行）" in text, text


def test_a_missing_input_lists_what_it_gave(project):
    (project / "data" / TARGET).unlink()
    code, text = _verify(project)
    assert code == 1 and f"{TARGET}：读入的数据有" in text and "删除：符离镇 T15" in text, text


def test_untouched_inputs_need_no_explanation(project):
    code, text = _verify(project)
    assert code == 0, text
    assert "重新读取后" not in text


def test_diff_of_identical_records_is_unchanged():
    record = {"unit": "甲", "sheet": "表", "status": "ok", "accepted": [{"row": 4, "indicator": "T01", "value": "1"}],
              "rejected": [{"row": 9, "indicator": "T02", "raw_value": "x", "reason": "不是数字"}]}
    assert audit_diff.diff_file("a.xlsx", record, json.loads(json.dumps(record))).unchanged
    moved = json.loads(json.dumps(record))
    moved["rejected"][0]["row"] = 10
    assert audit_diff.diff_file("a.xlsx", record, moved).unchanged  # a reject is the same reject one row lower


# ---------------------------------------------------------------- scorecards are outputs


@pytest.mark.slow  # renders the card's PDF three times (about 10 s)
def test_scorecards_are_in_the_manifest_and_a_changed_card_fails_verify(project):
    from helpers.run.cards import run_scorecards

    result = run_scorecards(QUARTER, units=["符离集镇"], data_dir=project / "data", reports_dir=project / "reports",
                            workers=1, progress=None)
    m = json.loads(_manifest_path(project).read_text(encoding="utf-8"))
    assert m["scorecards"][0]["units"] == ["符离镇"] and m["scorecards"][0]["created_at"].endswith("+08:00")
    names = {r["path"]: r["sha256"] for r in m["outputs"]}
    html, pdf = result.files["符离镇"]
    for path in (html, pdf):
        assert names[f"reports/{QUARTER}/units/{path.name}"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert f"data/processed/{QUARTER}/completion.csv" in names  # the cards' own evaluation wrote it
    code, text = _verify(project)
    assert code == 0, text
    html.write_text(html.read_text(encoding="utf-8").replace("符离镇", "符离镇（改）", 1), encoding="utf-8")
    code, text = _verify(project)
    assert code == 1, text
    row = next(line for line in text.splitlines() if f"reports/{QUARTER}/units/符离镇.html" in line)
    assert row.startswith("不一致"), text
    assert next(line for line in text.splitlines() if "units/符离镇.pdf" in line).startswith("一致")


def test_cards_without_a_run_get_a_manifest_of_their_own(tmp_path):
    raw = tmp_path / "data" / "raw" / QUARTER
    raw.mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "data" / "raw" / QUARTER / FILES[0], raw / FILES[0])
    from helpers.run.cards import run_scorecards

    run_scorecards(QUARTER, units=["符离镇"], data_dir=tmp_path / "data", reports_dir=tmp_path / "reports",
                   workers=1, progress=None)
    m = json.loads((tmp_path / "reports" / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    paths = [r["path"] for r in m["outputs"]]
    assert f"reports/{QUARTER}/units/符离镇.pdf" in paths and f"data/processed/{QUARTER}/submissions.csv" in paths
    assert [r["path"] for r in m["inputs"]] == [f"raw/{QUARTER}/{FILES[0]}"]


# ---------------------------------------------------------------- a tampered manifest is refused


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


TAMPERED = [
    ("inputs[0].path", lambda m: m["inputs"][0].update(path="raw/2019Q4/../../../../outside.txt")),
    ("inputs[0].path", lambda m: m["inputs"][0].update(path="../outside.txt")),
    ("inputs[0].path", lambda m: m["inputs"][0].update(path="/etc/shadow")),
    ("inputs[0].path", lambda m: m["inputs"][0].update(path="processed/2019Q4/x.csv")),
    ("reference[0].name", lambda m: m["reference"][0].update(name="../../../etc/passwd")),
    ("outputs[0].path", lambda m: m["outputs"][0].update(path="/etc/passwd")),
    ("outputs[0].path", lambda m: m["outputs"][0].update(path="reports/2019Q4/../../../outside.txt")),
    ("parameters.data_dir", lambda m: m["parameters"].update(data_dir="/")),
    ("parameters.data_dir", lambda m: m["parameters"].update(data_dir="data/../../..")),
    ("parameters.reference_dir", lambda m: m["parameters"].update(reference_dir="/etc")),
    ("quarter", lambda m: m.update(quarter="../2019Q4")),
]


@pytest.mark.parametrize(("field", "tamper"), TAMPERED)
def test_a_tampered_path_is_refused_with_exit_2_naming_the_field(project, field, tamper):
    path = _manifest_path(project)
    m = json.loads(path.read_text(encoding="utf-8"))
    tamper(m)
    path.write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    before = _tree(project)
    calls = []
    lines: list[str] = []
    code = vf.verify(path, runner=lambda *a, **k: calls.append(a), out=lines.append)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("拒绝核验") and f"清单字段 {field} " in lines[0], lines
    assert not calls and _tree(project) == before and not (project.parent / "outside.txt").exists()


def test_the_command_line_refuses_too(project, capsys):
    from helpers.cli import main

    path = _manifest_path(project)
    m = json.loads(path.read_text(encoding="utf-8"))
    m["inputs"][0]["path"] = "../../etc/passwd"
    path.write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    assert main(["verify", str(path)]) == 2
    out = capsys.readouterr().out
    assert "清单字段 inputs[0].path 的值“../../etc/passwd”不被接受" in out and "Traceback" not in out


def test_a_symlinked_input_is_not_followed(project, tmp_path_factory):
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    secret.write_text("not evidence", encoding="utf-8")
    target = project / "data" / TARGET
    target.unlink()
    target.symlink_to(secret)
    seen = []

    def runner(quarter, **kwargs):
        seen.extend(p.name for p in (kwargs["data_dir"] / "raw" / QUARTER).iterdir())
        light_run(quarter, **kwargs)

    lines: list[str] = []
    code = vf.verify(_manifest_path(project), runner=runner, out=lines.append)
    text = "\n".join(lines)
    assert code == 1 and vf.NOT_REGULAR in text, text
    assert Path(TARGET).name not in seen


def test_the_auditors_data_folder_is_taken_as_given(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("copy") / "data"
    shutil.copytree(project / "data" / "raw", elsewhere / "raw")
    path = _manifest_path(project)
    m = json.loads(path.read_text(encoding="utf-8"))
    m["parameters"]["data_dir"] = "/nowhere/data"
    path.write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    assert _verify(project)[0] == 2
    code, text = _verify(project, data_dir=elsewhere)
    assert code == 0 and f"数据目录：{elsewhere}" in text, text


def test_created_at_is_china_standard_time():
    stamp = dt.datetime.fromisoformat(mf.now_text())
    assert stamp.utcoffset() == dt.timedelta(hours=8)


def test_a_changed_lock_file_is_not_an_input_and_verify_still_passes(tmp_path):
    """A lock file, a link and a sub-folder are not submissions (one rule for ingest and the manifest):
    the manifest lists them as not read, verify lays them out again, and a lock file's bytes don't count."""
    raw = tmp_path / "data" / "raw" / QUARTER
    raw.mkdir(parents=True)
    shutil.copy2(PROJECT_ROOT / "data" / "raw" / QUARTER / FILES[0], raw / FILES[0])
    (raw / f"~${FILES[0]}").write_bytes(b"lock 1")
    (raw / "旧版").mkdir()
    os.symlink(raw / FILES[0], raw / "快捷方式.xlsx")
    light_run(QUARTER, data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    m = json.loads(_manifest_path(tmp_path).read_text(encoding="utf-8"))
    assert [r["path"] for r in m["inputs"]] == [f"raw/{QUARTER}/{FILES[0]}"]
    assert sorted(r["path"] for r in m["not_read"]) == sorted(
        f"raw/{QUARTER}/{n}" for n in (f"~${FILES[0]}", "旧版", "快捷方式.xlsx"))
    (raw / f"~${FILES[0]}").write_bytes(b"lock 2")
    code, text = _verify(tmp_path)
    assert code == 0, text


def test_cards_beside_an_unreadable_manifest_say_so(project):
    _manifest_path(project).write_text("{不是 JSON", encoding="utf-8")
    with pytest.raises(ValueError, match="评估卡已写出，但无法记入清单"):
        mf.record_scorecards(QUARTER, data_dir=project / "data", reports_dir=project / "reports", units=None,
                             as_of=None)


def test_cards_record_only_what_this_quarter_s_rerun_makes(tmp_path):
    """An earlier quarter's own evaluation files (left by its own run) are not outputs of this quarter's
    cards: verify's re-run of this quarter never makes them."""
    raw = tmp_path / "data" / "raw"
    for q in ("2019Q4", "2020Q1"):
        (raw / q).mkdir(parents=True)
        shutil.copy2(PROJECT_ROOT / "data" / "raw" / q / f"符离镇_{q}.xlsx", raw / q / f"符离镇_{q}.xlsx")
    light_run("2020Q1", data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    stale = tmp_path / "data" / "processed" / "2019Q4" / "completion.csv"  # as 2019Q4's own run left it
    stale.write_text("quarter\n2019Q4\n", encoding="utf-8")
    mine = tmp_path / "data" / "processed" / "2020Q1" / "completion.csv"  # this quarter's, read by the cards
    mine.write_text("quarter\n2020Q1\n", encoding="utf-8")
    path = mf.record_scorecards("2020Q1", data_dir=tmp_path / "data", reports_dir=tmp_path / "reports",
                                units=None, as_of=None)
    outputs = {r["path"] for r in json.loads(path.read_text(encoding="utf-8"))["outputs"]}
    assert "data/processed/2020Q1/completion.csv" in outputs
    assert "data/processed/2019Q4/completion.csv" not in outputs
    assert "data/processed/2019Q4/submissions.csv" in outputs  # the run re-read 2019Q4: its output


def test_data_beside_the_code_does_not_make_a_run_dirty():
    for path in ("data/.yqeval.lock", "鹤原/.yqeval.lock", "鹤原/raw/2022Q2/石桥镇.xlsx",
                 "鹤原/processed/2022Q2/completion.csv", "鹤原/reference/plan.yaml",
                 "data/processed/.2019Q4.staging-1-x/a.csv"):
        assert mf._run_data(path), path
    for path in ("src/helpers/report.py", "notebooks/03_report.ipynb", "README.md"):
        assert not mf._run_data(path), path
