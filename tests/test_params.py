"""params.yaml is checked strictly (docs/params.md): typos, wrong types and out-of-range values are
Chinese errors naming the file, the key and what is allowed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from helpers import cli
from helpers.contract.paths import PROJECT_ROOT
from helpers.plan import params as P
from helpers.plan.reference import ReferenceDataError, load_params, load_plan


def _write(ref, text: str) -> None:
    (ref / "params.yaml").write_text(text, encoding="utf-8")


def _replace(ref, old: str, new: str) -> None:
    path = ref / "params.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(ref) -> str:
    with pytest.raises(ReferenceDataError) as exc:
        load_params(ref)
    message = str(exc.value)
    assert str(ref / "params.yaml") in message  # the file is named
    return message


def test_the_committed_params_validate_with_their_values():
    params = load_params(PROJECT_ROOT / "data" / "reference")
    assert [f.name for f in dataclasses.fields(params)] == [p.key for p in P.SCHEMA]  # schema order, nothing else
    assert isinstance(params.plan_start, dt.date)
    assert params.pace_rule in ("days", "months")
    assert 0 < params.severe_lag_points <= 1
    assert params.jump_floor and all(isinstance(v, int | float) for v in params.jump_floor.values())


def test_a_typo_is_caught_with_its_key_named_and_the_right_one_suggested(ref_copy):
    _replace(ref_copy, "severe_lag_points: 0.30", "severe_lag_point: 0.50")
    message = _error(ref_copy)
    assert "未知的参数 severe_lag_point" in message
    assert "是否为 severe_lag_points" in message
    for p in P.SCHEMA:  # what is allowed
        assert p.key in message


def test_a_wrong_type_names_the_key_and_what_is_allowed(ref_copy):
    _replace(ref_copy, "late_report_days: 10", "late_report_days: 十天")
    message = _error(ref_copy)
    assert "参数 late_report_days 的值“十天”不符合要求" in message
    assert "整数" in message and "0" in message and "366" in message
    assert "invalid literal" not in message


@pytest.mark.parametrize("old, new, key, allowed", [
    ("severe_lag_points: 0.30", "severe_lag_points: 1.5", "severe_lag_points", "不大于 1"),
    ("severe_lag_points: 0.30", "severe_lag_points: 0", "severe_lag_points", "大于 0"),
    ("late_report_days: 10", "late_report_days: -3", "late_report_days", "不小于 0"),
    ("late_report_days: 10", "late_report_days: 10.5", "late_report_days", "整数"),
    ("jump_ratio: 5", "jump_ratio: 1", "jump_ratio", "大于 1"),
    ("jump_ratio: 5", "jump_ratio: yes", "jump_ratio", "数字"),
    ("pace_rule: days", "pace_rule: weeks", "pace_rule", "days 或 months"),
    ("plan_start: 2019-10-12", "plan_start: 2019-13-45", "plan_start", "YYYY-MM-DD"),
    ("max_file_mb: 20", "max_file_mb: \"20\"", "max_file_mb", "数字"),
    ("  万元: 100", "  万元: -1", "jump_floor", "不小于 0"),
    ("bureau_tolerance: 0.01", "bureau_tolerance: 2", "bureau_tolerance", "不大于 1"),
])
def test_out_of_range_and_wrong_values(ref_copy, old, new, key, allowed):
    _replace(ref_copy, old, new)
    message = _error(ref_copy)
    assert f"参数 {key} 的值" in message and allowed in message, message


def test_every_problem_at_once_and_missing_required_keys(ref_copy):
    _write(ref_copy, "pace_rule: weeks\nlate_report_dayz: 3\n")
    message = _error(ref_copy)
    assert "参数 pace_rule" in message
    assert "未知的参数 late_report_dayz（是否为 late_report_days？）" in message
    # plan_start and organization may be left out: they come from plan.yaml's issued and compiler
    assert "plan_start" not in message.split("可用的参数")[0] and "缺少参数" not in message
    assert re.search(r"有 2 处错误", message), message


def test_plan_start_and_organization_come_from_plan_yaml_when_params_leave_them_out(ref_copy):
    import yaml

    _write(ref_copy, "pace_rule: days\n")
    info = yaml.safe_load((ref_copy / "plan.yaml").read_text(encoding="utf-8"))
    params = load_plan(ref_copy).params
    assert params.plan_start == info["issued"] and params.organization == info["compiler"]


def test_a_key_written_twice_and_broken_yaml(ref_copy):
    (ref_copy / "params.yaml").write_text(
        (ref_copy / "params.yaml").read_text(encoding="utf-8") + "jump_ratio: 8\n", encoding="utf-8")
    message = _error(ref_copy)
    assert "jump_ratio 写了两次" in message
    _write(ref_copy, "pace_rule: [days\n")
    assert "YAML 格式错误" in _error(ref_copy)
    _write(ref_copy, "- a\n- b\n")
    assert "参数名: 值" in _error(ref_copy)


def test_defaults_fill_optional_keys_only(ref_copy):
    _write(ref_copy, "plan_start: 2020-01-15\norganization: 某办公室\n")
    params = load_params(ref_copy)
    assert params.plan_start == dt.date(2020, 1, 15) and params.organization == "某办公室"
    assert params.severe_lag_points == 0.30 and params.pace_rule == "days"


def test_a_new_key_is_one_line_and_nested_groups_check_key_by_key():
    schema = P.SCHEMA + (
        P.Param("max_rows", P.integer(1, 100_000), 5000, "单个文件的行数上限"),
        P.Param("plan", P.table(P.Param("title", P.text(), P.REQUIRED, "方案名称"),
                                P.Param("issued", P.date(), P.REQUIRED, "印发日期")), {}, "方案信息"),
    )
    base = {"plan_start": "2019-10-12", "organization": "某办"}
    ok = P.validate({**base, "plan": {"title": "方案", "issued": "2019-10-12"}}, "x.yaml", schema)
    assert ok["max_rows"] == 5000 and ok["plan"] == {"title": "方案", "issued": dt.date(2019, 10, 12)}
    with pytest.raises(P.ParamsError) as exc:
        P.validate({**base, "max_rows": 0, "plan": {"titel": "方案", "issued": "2019-10-12"}}, "x.yaml", schema)
    message = str(exc.value)
    assert "参数 max_rows 的值“0”" in message and "不小于 1" in message
    assert "未知的参数 plan.titel（是否为 plan.title？）" in message and "缺少参数 plan.title" in message


def test_the_cli_prints_the_key_and_exits_2(ref_copy, capsys):
    _replace(ref_copy, "severe_lag_points: 0.30", "severe_lag_point: 0.50")
    code = cli.main(["--reference", str(ref_copy), "plan"])
    err = capsys.readouterr().err
    assert code == 2
    assert "severe_lag_point" in err and "params.yaml" in err
    with pytest.raises(ReferenceDataError):
        load_plan(ref_copy)
