"""The plan as data, tied to the seed document and to docs/indicators.md."""

import csv
import io
import re

import pytest

from helpers import cli
from helpers.plan.reference import ReferenceDataError, load_plan, name_key

from .conftest import SEED


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def annex() -> str:
    text = SEED.read_text(encoding="utf-8")
    return _squash(text[text.rindex("具体任务分解表"):])


def test_seventeen_tasks_with_the_annex_deadlines(plan, annex):
    dates = re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日前", annex)
    assert len(dates) == 17 == len(plan.tasks)
    for (y, m, d), task in zip(dates, plan.tasks.values(), strict=True):
        assert task.deadline.isoformat() == f"{int(y):04d}-{int(m):02d}-{int(d):02d}"
    assert list(plan.tasks) == list(range(1, 18))


def test_task_text_and_units_are_the_annex_words(plan, annex):
    for task in plan.tasks.values():
        assert _squash(task.text) in annex, task.number
        for field in (task.lead, task.cooperating):
            # the annex separates groups with "，" where the table uses "、"
            assert re.sub("、", "", field) in re.sub("[、，]", "", annex), (task.number, field)


def test_townships_times_four_is_the_district_target(plan):
    townships = plan.registry.of_kind("镇", "乡")
    assert len(townships) == 25
    t02 = plan.indicators["T02"]
    assert t02.district_target == 100
    each = [t.target for u, t in t02.unit_targets.items() if u in townships]
    assert len(each) == 25 and sum(each) == 100


def test_registry_has_every_unit_of_units_md(plan):
    reg = plan.registry
    assert len(reg.of_kind("镇")) == 17 and len(reg.of_kind("乡")) == 8 and len(reg.of_kind("街道")) == 11
    assert reg.resolve("大泽乡镇").kind == "镇"
    for written, unit in [("符离集镇", "符离镇"), ("苗庵乡", "苗安乡"), ("顺河乡", "顺河镇"), ("蒿沟乡", "蒿沟镇"),
                          ("北杨寨行管区", "北杨寨乡"), ("埇桥区交通运输局", "区交通运输局"),
                          ("交通运输局", "区交通运输局"), ("区人社局", "区人力资源社会保障局"),
                          ("三八街道办事处", "三八街道"), ("埇桥区符离镇人民政府", "符离镇"),
                          ("汴河街道", "汴河街道"), ("邮政宿州分公司", "中国邮政集团公司宿州市分公司营业局"),
                          ("区农委", "区农业农村局"), ("区金融监管局", "区地方金融监管局")]:
        assert reg.resolve(written).name == unit, written
    assert reg.resolve("不存在镇") is None
    assert "西二铺乡" in reg.suggest("西二铺")


def test_every_place_the_plan_names_is_registered(plan, annex):
    named = re.findall(r"[\u4e00-\u9fa5]{2,3}[镇乡]", "大泽乡镇、永安镇、大店镇、芦岭镇、夹沟镇、符离镇、西二铺乡、桃园镇")
    for name in named + ["城东街道", "三八街道", "汴河街道"]:
        assert plan.registry.resolve(name) is not None, name
    strive = {code: sorted(u for u, t in plan.indicators[code].unit_targets.items() if t.strive)
              for code in ("T04", "T05", "T06")}
    assert strive["T04"] == sorted(["大泽乡镇", "永安镇", "大店镇", "芦岭镇", "夹沟镇", "符离镇"])
    assert strive["T05"] == sorted(["西二铺乡", "城东街道", "符离镇"])
    assert strive["T06"] == sorted(["符离镇", "桃园镇", "永安镇"])


def test_catalogue_matches_indicators_md(plan):
    expected = {
        "T01": ("amount", 15000, "2019-12-31", 28), "T02": ("count", 100, "2019-12-31", 27),
        "T03A": ("count", 25, "2019-12-31", 27), "T03B": ("count", 5, "2019-12-31", 27),
        "T04": ("count", 2, "2019-12-31", 27), "T05": ("count", 3, "2019-12-31", 28),
        "T06": ("count", 3, "2019-12-31", 27), "T07A": ("count", 15, "2019-12-31", 1),
        "T07B": ("qualitative", 1, "2019-12-31", 1), "T08": ("qualitative", None, "2019-12-31", 25),
        "T09A": ("milestone", 1, "2019-10-31", 1), "T09B": ("info", None, "2019-10-31", 1),
        "T10": ("qualitative", None, "2019-12-31", 28), "T11A": ("info", None, "2019-10-31", 28),
        "T11B": ("qualitative", None, "2019-10-31", 28), "T12": ("qualitative", None, "2019-12-31", 37),
        "T13A": ("amount", 600, "2019-12-31", 1), "T13B": ("qualitative", 1, "2019-12-31", 1),
        "T14": ("ratio", 1, "2019-12-31", 25), "T15": ("ratio", 1, "2019-12-31", 25),
        "T16": ("info", None, "2019-12-31", 1), "T17": ("milestone", 1, "2020-03-31", 1),
    }
    assert list(plan.indicators) == list(expected)
    for code, (kind, target, deadline, n) in expected.items():
        ind = plan.indicators[code]
        assert (ind.kind, ind.district_target, ind.deadline.isoformat(), len(ind.reporters)) == (
            kind, target, deadline, n), code
        assert ind.deadline == plan.tasks[ind.task].deadline, code
    assert set(plan.indicators["T12"].unit_targets) == set(plan.indicators["T12"].reporters)
    assert "区商务局" in plan.indicators["T10"].unit_targets
    assert len(plan.reporters()) == 41


def test_name_key_never_strips_xiang_or_zhen():
    assert name_key("大泽乡镇") == "大泽乡镇"
    assert name_key("大泽乡镇人民政府") == "大泽乡镇"
    assert name_key("埇桥区大泽乡镇", ("埇桥区",)) == "大泽乡镇"  # the plan's prefixes (plan.yaml) are passed in


def _run_cli(args, capsys):
    code = cli.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_plan_prints_the_annex(capsys):
    code, out, _ = _run_cli(["plan"], capsys)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["序号", "工作任务", "牵头责任单位", "配合单位", "时限要求"]
    assert len(rows) == 18
    assert rows[1][0] == "1" and rows[1][4] == "2019-12-31" and "1.5亿元" in rows[1][1]
    assert rows[9][4] == "2019-10-31" and rows[17][4] == "2020-03-31"
    assert rows[2][2] == "各乡镇人民政府、三八、汴河街道办事处、区商务局"


def test_cli_indicators_prints_the_catalogue(capsys):
    code, out, _ = _run_cli(["indicators"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["code"] for r in rows][:3] == ["T01", "T02", "T03A"] and len(rows) == 22
    t01 = rows[0]
    assert (t01["task"], t01["unit"], t01["kind"], t01["district_target"], t01["deadline"]) == (
        "1", "万元", "amount", "15000", "2019-12-31")
    assert "城东街道" in t01["reporters"] and "埇桥街道" not in t01["reporters"]
    t14 = next(r for r in rows if r["code"] == "T14")
    assert t14["district_target"] == "100%"


def test_adding_an_alias_is_a_data_change(ref_copy):
    assert load_plan(ref_copy).registry.resolve("符离集镇政府") is None
    with (ref_copy / "aliases.csv").open("a", encoding="utf-8") as fh:
        fh.write("符离集镇政府,符离镇\n")
    assert load_plan(ref_copy).registry.resolve("符离集镇政府").name == "符离镇"


def test_duplicate_indicator_code_names_file_and_row(ref_copy):
    path = ref_copy / "indicators.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1])  # T01 again, as the last row (after the optional basis indicators)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=rf"indicators\.csv 第{len(lines)}行.*T01.*重复"):
        load_plan(ref_copy)


@pytest.mark.parametrize("file,line,pattern", [
    ("indicators.csv", "T99,99,不存在,个,count,1,2019-12-31,区商务局,,,", r"不存在的任务 99"),
    ("unit_targets.csv", "T01,火星镇,1,否", r"火星镇.*未登记"),
    ("aliases.csv", "某某镇,火星镇", r"未登记的单位“火星镇”"),
    ("unit_targets.csv", "T07A,符离镇,1,否", r"不是指标 T07A 的填报单位"),
])
def test_broken_reference_rows_are_named(ref_copy, file, line, pattern):
    with (ref_copy / file).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
    with pytest.raises(ReferenceDataError, match=file.replace(".", r"\.") + r" 第\d+行：.*" + pattern):
        load_plan(ref_copy)


def test_cli_reports_a_broken_reference_in_one_line(ref_copy, capsys):
    with (ref_copy / "units.csv").open("a", encoding="utf-8") as fh:
        fh.write("符离镇,镇,100\n")
    code, _, err = _run_cli(["--reference", str(ref_copy), "plan"], capsys)
    assert code == 2 and "units.csv 第54行" in err and "重复" in err


def test_reference_option_reaches_every_step_and_is_not_left_behind(ref_copy, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("YQEVAL_REFERENCE", raising=False)
    (tmp_path / "raw" / "2019Q4").mkdir(parents=True)
    (ref_copy / "units.csv").unlink()
    code, _, err = _run_cli(["--reference", str(ref_copy), "ingest", "2019Q4", "--data", str(tmp_path)], capsys)
    assert code == 2 and "units.csv" in err
    import os
    assert "YQEVAL_REFERENCE" not in os.environ


def test_one_unit_s_qualitative_task_without_a_target_is_to_be_done(ref_copy):
    """A qualitative or milestone task of a single unit needs no written target: it is done or not."""
    import csv

    path = ref_copy / "indicators.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8-sig")))
    single = next(r for r in rows if r["kind"] == "qualitative" and "、" not in r["reporters"]
                  and not r["reporters"].startswith("各"))
    single["district_target"] = ""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert load_plan(ref_copy).indicators[single["code"].upper()].district_target == 1.0


def test_the_command_ends_at_once_with_its_output_and_exit_code_whole():
    """As a command, yqeval ends the process without the interpreter's teardown (helpers.cli.main): what it
    printed is all there, through a pipe, and the exit code is the command's."""
    import subprocess
    import sys
    from pathlib import Path

    yqeval = str(Path(sys.executable).with_name("yqeval"))
    done = subprocess.run([yqeval, "indicators"], capture_output=True, text=True, timeout=60)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert done.returncode == 0 and len(rows) == 22 and done.stdout.endswith("\n")
    bad = subprocess.run([yqeval, "run", "1999Q9"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "1999Q9" in bad.stderr
    # called from Python, main() returns (the caller's interpreter goes on)
    from helpers import cli

    assert cli.main(["indicators"]) == 0


def test_usage_and_help_are_chinese(capsys):
    """An argument error prints the usage line in Chinese (it printed argparse's English "usage:")."""
    import pytest

    from helpers import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["run"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith("用法：yqeval run") and "usage" not in err and "参数错误" in err
    with pytest.raises(SystemExit):
        cli.main(["run", "-h"])
    out = capsys.readouterr().out
    assert "位置参数：" in out and "选项：" in out and "显示本帮助并退出" in out
    assert not any(w in out for w in ("usage:", "positional arguments", "options:", "show this help"))
