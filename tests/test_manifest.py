"""The manifest and `yqeval verify`, on small synthetic folders with a fake pipeline (fast)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from helpers.audit import manifest as mf
from helpers.contract.paths import PROJECT_ROOT
from helpers.run import verification as vf

from .runs import commit_stand_in


def _digest(folder: Path) -> str:
    lines = [f"{p.relative_to(folder).as_posix()},{hashlib.sha256(p.read_bytes()).hexdigest()}"
             for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")]
    return "\n".join(lines) + "\n"


class FakePipeline:
    """Writes processed data from the raw files and a 'report', then the manifest, like run_quarter."""

    def __init__(self, noise: str | None = None, skip: str | None = None):
        self.noise, self.skip, self.calls = noise, skip, []

    def __call__(self, quarter, as_of=None, data_dir="data", reports_dir="reports", progress=print):
        self.calls.append((quarter, as_of, Path(data_dir), Path(reports_dir)))
        data, reports = Path(data_dir), Path(reports_dir)
        as_of = as_of or dt.date(2019, 12, 31)
        outputs = []
        for q in sorted(p.name for p in (data / "raw").iterdir() if p.is_dir() and p.name <= quarter):
            out = data / "processed" / q / "submissions.csv"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_digest(data / "raw" / q), encoding="utf-8-sig")
            outputs.append(out)
        staging = reports / f".{quarter}.staging"
        (staging / "notebooks").mkdir(parents=True)
        files = {"报告.html": f"<p>{quarter} 截至 {as_of}</p>\n",
                 "notebooks/01_ingest.ipynb": json.dumps({"data_dir": data.name}) + "\n"}
        if self.noise is not None:
            files["noise.txt"] = self.noise
        for name, text in files.items():
            if name != self.skip:
                (staging / name).write_text(text, encoding="utf-8")
                outputs.append(staging / name)
        commit_stand_in(quarter, as_of, data, reports, staging, outputs, {"quarter": quarter, "as_of": as_of})


@pytest.fixture
def project(tmp_path) -> Path:
    """tmp/data/raw with two quarters (and a hidden file and a later quarter), already run once."""
    data = tmp_path / "data"
    for q, names in {"2019Q4": ["符离镇.csv", "区商务局.csv"], "2020Q1": ["符离镇.csv"],
                     "2020Q2": ["later.csv"]}.items():
        (data / "raw" / q).mkdir(parents=True)
        for name in names:
            (data / "raw" / q / name).write_text(f"{q},{name}\n", encoding="utf-8")
    (data / "raw" / "2019Q4" / ".~lock.x#").write_text("lock")
    FakePipeline()("2020Q1", as_of=dt.date(2020, 3, 20), data_dir=data, reports_dir=tmp_path / "reports",
                   progress=None)
    return tmp_path


def _manifest(project: Path) -> dict:
    return json.loads((project / "reports" / "2020Q1" / "manifest.json").read_text(encoding="utf-8"))


def _verify(project: Path, runner) -> tuple[int, str]:
    lines: list[str] = []
    code = vf.verify(project / "reports" / "2020Q1" / "manifest.json", runner=runner, out=lines.append)
    return code, "\n".join(lines)


# ---------------------------------------------------------------- build_manifest


def test_manifest_keys_in_a_fixed_order(project):
    m = _manifest(project)
    assert list(m) == ["schema_version", "quarter", "as_of", "parameters", "inputs", "not_read", "reference",
                       "environment", "code", "outputs", "created_at"]
    assert m["quarter"] == "2020Q1" and m["as_of"] == "2020-03-20"


def test_inputs_are_every_visible_raw_file_up_to_the_quarter(project):
    inputs = _manifest(project)["inputs"]
    assert [r["path"] for r in inputs] == ["raw/2019Q4/区商务局.csv", "raw/2019Q4/符离镇.csv",
                                           "raw/2020Q1/符离镇.csv"]
    raw = project / "data" / "raw" / "2019Q4" / "符离镇.csv"
    assert inputs[1] == {"path": "raw/2019Q4/符离镇.csv", "size": raw.stat().st_size,
                         "sha256": hashlib.sha256(raw.read_bytes()).hexdigest()}


def test_outputs_are_named_as_after_the_swap(project):
    m = _manifest(project)
    assert [r["path"] for r in m["outputs"]] == [
        "data/processed/2019Q4/submissions.csv", "data/processed/2020Q1/submissions.csv",
        "reports/2020Q1/notebooks/01_ingest.ipynb", "reports/2020Q1/报告.html"]
    html = project / "reports" / "2020Q1" / "报告.html"
    assert m["outputs"][-1]["sha256"] == hashlib.sha256(html.read_bytes()).hexdigest()


def test_output_name_maps_staging_data_and_reports():
    roots = {"quarter": "2019Q4", "data_dir": Path("/x/data"), "reports_dir": Path("/x/reports"),
             "staging_dir": Path("/x/reports/.2019Q4.staging-ab")}
    assert mf.output_name(Path("/x/reports/.2019Q4.staging-ab/a.pdf"), **roots) == "reports/2019Q4/a.pdf"
    assert mf.output_name(Path("/x/reports/2019Q4/b.html"), **roots) == "reports/2019Q4/b.html"
    assert mf.output_name(Path("/x/data/processed/2019Q3/c.csv"), **roots) == "data/processed/2019Q3/c.csv"


def test_parameters_hold_the_plan_params_with_iso_dates(project):
    p = _manifest(project)["parameters"]
    assert p["quarter"] == "2020Q1" and p["as_of"] == "2020-03-20"
    assert p["data_dir"] == str((project / "data").resolve())  # outside the project: absolute
    assert p["plan"]["plan_start"] == "2019-10-12"
    assert p["plan"]["jump_floor"]["万元"] == 100
    assert p["notebook"] == {"quarter": "2020Q1", "as_of": "2020-03-20"}


def test_data_dir_inside_the_project_is_recorded_relative():
    assert mf._project_relative(PROJECT_ROOT / "data") == "data"


def test_reference_files_and_environment_are_recorded(project):
    m = _manifest(project)
    names = [r["name"] for r in m["reference"]]
    assert "params.yaml" in names and "units.csv" in names
    packages = m["environment"]["packages"]
    assert packages["pandas"] and packages["typst"] and "xlrd" in packages
    assert m["environment"]["python"].count(".") == 2


def test_code_revision_names_the_commit():
    code = mf.code_revision()
    assert code is not None and len(code["commit"]) == 40 and isinstance(code["dirty"], bool)
    assert not any(f.startswith(("reports/", "data/processed/", "data/raw/")) for f in code["changed_files"])


def test_manifest_json_is_utf8_with_chinese_as_is(project):
    text = (project / "reports" / "2020Q1" / "manifest.json").read_text(encoding="utf-8")
    assert "符离镇" in text and "\\u" not in text


def test_only_created_at_changes_between_two_builds(project):
    data, reports = project / "data", project / "reports"
    kwargs = {"quarter": "2020Q1", "as_of": dt.date(2020, 3, 20), "data_dir": data, "reports_dir": reports,
              "staging_dir": reports / "2020Q1", "outputs": sorted((reports / "2020Q1").rglob("*.html"))}
    a, b = mf.build_manifest(**kwargs), mf.build_manifest(**kwargs)
    a.pop("created_at"), b.pop("created_at")
    assert a == b


# ---------------------------------------------------------------- verify


def test_verify_passes_when_everything_matches(project):
    fake = FakePipeline()
    code, text = _verify(project, fake)
    assert code == 0, text
    assert "结论：可复现" in text and "不一致" not in text
    quarter, as_of, data_dir, _ = fake.calls[0]
    assert (quarter, as_of, data_dir.name) == ("2020Q1", dt.date(2020, 3, 20), "data")
    assert not data_dir.exists()  # the temporary folder is gone


def test_verify_names_a_changed_raw_file(project):
    (project / "data" / "raw" / "2019Q4" / "符离镇.csv").write_text("改过了\n", encoding="utf-8")
    code, text = _verify(project, FakePipeline())
    assert code == 1
    assert "已改变" in text and "raw/2019Q4/符离镇.csv" in text
    row = next(line for line in text.splitlines() if "data/processed/2019Q4/submissions.csv" in line)
    assert row.startswith("不一致") and "输入 raw/2019Q4/符离镇.csv 已改变" in row
    row = next(line for line in text.splitlines() if "data/processed/2020Q1/submissions.csv" in line)
    assert row.startswith("一致")  # 2020Q1's processed data does not depend on 2019Q4's raw files


def test_verify_names_a_missing_raw_file(project):
    (project / "data" / "raw" / "2020Q1" / "符离镇.csv").unlink()
    code, text = _verify(project, FakePipeline())
    assert code == 1 and "缺失" in text and "raw/2020Q1/符离镇.csv" in text


def test_verify_reports_an_output_that_differs_for_no_known_reason(project, monkeypatch):
    monkeypatch.setattr(vf, "environment_differences", lambda *_: [])
    monkeypatch.setattr(vf, "code_differences", lambda *_: [])
    FakePipeline(noise="run 1\n")("2020Q1", as_of=dt.date(2020, 3, 20), data_dir=project / "data",
                                  reports_dir=project / "reports", progress=None)
    code, text = _verify(project, FakePipeline(noise="run 2\n"))
    assert code == 1
    row = next(line for line in text.splitlines() if "reports/2020Q1/noise.txt" in line)
    assert row.startswith("不一致") and "原因不明" in row


def test_verify_reports_an_output_the_rerun_did_not_write(project):
    code, text = _verify(project, FakePipeline(skip="报告.html"))
    assert code == 1
    row = next(line for line in text.splitlines() if "reports/2020Q1/报告.html" in line)
    assert row.startswith("缺失")


def test_verify_mentions_raw_files_added_after_the_run(project):
    (project / "data" / "raw" / "2020Q1" / "补报.csv").write_text("x\n", encoding="utf-8")
    code, text = _verify(project, FakePipeline())
    assert code == 0 and "raw/2020Q1/补报.csv" in text


def test_verify_returns_2_when_the_rerun_fails(project):
    def broken(*_args, **_kwargs):
        raise RuntimeError("笔记本出错")

    code, text = _verify(project, broken)
    assert code == 2 and "重新运行失败" in text and "笔记本出错" in text


def test_verify_returns_2_for_an_unreadable_manifest(tmp_path):
    lines: list[str] = []
    assert vf.verify(tmp_path / "manifest.json", runner=FakePipeline(), out=lines.append) == 2
    assert "无法读取清单" in lines[0]


def test_verify_never_writes_into_data_raw(project):
    raw = project / "data" / "raw"
    before = _digest(raw)
    _verify(project, FakePipeline())
    assert _digest(raw) == before


# ---------------------------------------------------------------- explanations and the table


def test_environment_differences_name_the_package():
    now = mf.environment()
    old = json.loads(json.dumps(now))
    old["packages"]["pandas"] = "1.0.0"
    diffs = vf.environment_differences(old, now)
    assert diffs == [f"软件包 pandas 版本不同：记录 1.0.0，当前 {now['packages']['pandas']}"]


def test_code_differences():
    clean = {"commit": "a" * 40, "dirty": False, "changed_files": []}
    assert vf.code_differences(clean, clean) == []
    other = {"commit": "b" * 40, "dirty": True, "changed_files": ["src/helpers/x.py"]}
    diffs = vf.code_differences(clean, other)
    assert any("代码版本不同" in d for d in diffs) and any("src/helpers/x.py" in d for d in diffs)
    assert "运行时代码有未提交的改动" in vf.code_differences(other, other | {"dirty": False})[0]
    assert vf.code_differences(None, clean) == ["清单未记录代码版本（运行时不在 git 仓库中）"]


def test_path_only_difference(tmp_path):
    f = tmp_path / "nb.ipynb"
    f.write_text('{"data_dir": "/tmp/yqeval-verify-x/data"}', encoding="utf-8")
    recorded = hashlib.sha256(b'{"data_dir": "/srv/data"}').hexdigest()
    assert vf.path_only_difference(recorded, f, [("/tmp/yqeval-verify-x/data", "/srv/data")])
    assert not vf.path_only_difference(recorded, f, [])


def test_table_columns_line_up_with_chinese_text():
    lines = vf.format_table([vf.Check("a.csv", "一致"), vf.Check("报告.pdf", "不一致", "原因")])
    starts = [vf._width(line[: line.index(name)]) for line, name in zip(lines, ["文件", "a.csv", "报告.pdf"],
                                                                          strict=True)]
    assert len(set(starts)) == 1


def test_plan_and_reports_folders_inside_the_project_are_not_code():
    """README's 五步 step 5 keeps 澜州/ and 澜州报告/ in the project: only code changes make a run dirty."""
    import shutil
    import uuid

    if mf.code_revision() is None:
        pytest.skip("not a git checkout")
    tag = uuid.uuid4().hex[:8]
    plan, reports = PROJECT_ROOT / f"澜州{tag}", PROJECT_ROOT / f"澜州{tag}报告"
    new_code = PROJECT_ROOT / "src" / "helpers" / f"new_{tag}.py"
    try:
        for path in (plan / "reference" / "plan.yaml", plan / "raw" / "2022Q2" / "a.xlsx",
                     plan / "notes.txt", reports / "2022Q2" / "report.html", reports / "2022Q2" / "manifest.json",
                     reports / "reminders" / "a.txt", PROJECT_ROOT / f"笔记{tag}.txt"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x", encoding="utf-8")
        code = mf.code_revision(plan, reports)
        assert not any(tag in f for f in code["changed_files"]), code["changed_files"]
        # with relative folders too, as `--data 澜州 --reports 澜州报告` gives them
        rel = mf.code_revision(plan.relative_to(PROJECT_ROOT), reports.relative_to(PROJECT_ROOT))
        assert not any(tag in f for f in rel["changed_files"])
        new_code.write_text("x = 1\n", encoding="utf-8")
        code = mf.code_revision(plan, reports)
        assert code["dirty"] and f"src/helpers/new_{tag}.py" in code["changed_files"]
        assert [f for f in code["changed_files"] if tag in f] == [f"src/helpers/new_{tag}.py"]
    finally:
        shutil.rmtree(plan, ignore_errors=True)
        shutil.rmtree(reports, ignore_errors=True)
        new_code.unlink(missing_ok=True)
        (PROJECT_ROOT / f"笔记{tag}.txt").unlink(missing_ok=True)


def test_only_code_paths_count_when_untracked():
    folders = mf._inside_project([mf.PROJECT_ROOT / "澜州", mf.PROJECT_ROOT / "澜州报告", "/elsewhere"])
    assert folders == ["澜州/", "澜州报告/"]
    assert not mf._is_code_change("?? 澜州报告/2022Q2/report.html", folders)
    assert not mf._is_code_change(" M 澜州报告/2022Q2/report.html", folders)  # even if committed
    assert not mf._is_code_change("?? 笔记.txt", folders)
    for line in ("?? src/helpers/x.py", "?? notebooks/04.ipynb", "?? requirements-dev.txt", "?? Makefile",
                 "?? scripts/a.sh", " M README.md", "R  docs/a.md -> docs/b.md", " D tests/test_x.py"):
        assert mf._is_code_change(line, folders), line
