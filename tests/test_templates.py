"""Fill-in templates: one per reporting unit, protected, with a status dropdown, reproducible bytes,
and — filled in as a person would — read back by ingest without loss."""

import importlib.util
import math
import re

import openpyxl
import pytest

from helpers.plan import templates
from helpers.plan.templates import (
    COLUMNS,
    DATA_SHEET,
    INSTRUCTIONS_SHEET,
    STATUSES,
    safe_filename,
    write_templates,
)

QUARTER = "2019Q4"
UNIT = "符离镇"


@pytest.fixture(scope="module")
def written(plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("templates")
    return write_templates(QUARTER, out, plan=plan)


def _data_sheet(path):
    wb = openpyxl.load_workbook(path)
    return wb, wb[DATA_SHEET]


def _header_row(ws) -> int:
    for row in ws.iter_rows():
        if [c.value for c in row[: len(COLUMNS)]] == COLUMNS:
            return row[0].row
    raise AssertionError("no header row")


def test_one_file_per_reporting_unit(plan, written):
    assert len(written) == len(plan.reporters()) == 41
    assert sorted(p.name for p in written) == sorted(safe_filename(u, QUARTER) for u in plan.reporters())


def test_file_names_are_safe():
    assert safe_filename("区商务局", QUARTER) == "区商务局_2019Q4.xlsx"
    name = safe_filename('a/b\\c:d*e?"f<g>h|i j', QUARTER, "csv")
    assert not re.search(r'[\\/:*?"<>|\s]', name) and name.endswith("_2019Q4.csv")


def test_instructions_sheet_first_then_the_table(written):
    wb = openpyxl.load_workbook(written[0])
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, DATA_SHEET]
    text = " ".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    for word in (*STATUSES, "佐证材料", "季末后10日内", "万元", "公里"):
        assert word in text


def test_prefilled_rows_carry_the_catalogue(plan, tmp_path):
    path = write_templates(QUARTER, tmp_path, plan=plan, units=[UNIT])[0]
    _, ws = _data_sheet(path)
    header = _header_row(ws)
    rows = [[c.value for c in r[: len(COLUMNS)]] for r in ws.iter_rows(min_row=header + 1)
            if r[0].value and not str(r[0].value).startswith(("注", "填报人"))]
    expected = plan.indicators_for(UNIT)
    assert [r[0] for r in rows] == [ind.code for ind in expected]
    for row, ind in zip(rows, expected, strict=True):
        assert row[1] == ind.name
        assert row[4] is None and row[5] is None  # value cells left to fill
    cells = [str(c.value) for r in ws.iter_rows(max_row=header - 1) for c in r if c.value]
    assert f"填报单位：{UNIT}" in cells and f"报告期：{QUARTER}" in cells and "填报日期：" in cells
    below = [str(r[0].value) for r in ws.iter_rows(min_row=header + 1 + len(rows)) if r[0].value]
    assert any(text.startswith("注：") for text in below)


def test_targets_follow_unit_then_sole_reporter(plan):
    t02 = plan.indicators["T02"]
    assert templates.target_of(t02, UNIT) == int(t02.unit_targets[UNIT].target)
    assert "力争" in str(templates.target_of(plan.indicators["T04"], UNIT))
    t13a = plan.indicators["T13A"]
    assert templates.target_of(t13a, t13a.reporters[0]) == t13a.district_target
    assert templates.target_of(plan.indicators["T01"], UNIT) is None


def test_status_dropdown_and_protection(written):
    _, ws = _data_sheet(written[0])
    assert ws.protection.sheet
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and all(s in lists[0].formula1 for s in STATUSES)
    header = _header_row(ws)
    first = ws.cell(header + 1, 1)
    col = {name: i + 1 for i, name in enumerate(COLUMNS)}
    assert str(lists[0].sqref).startswith(ws.cell(header + 1, col["进展状态"]).coordinate)
    for name in ("指标代码", "指标名称", "计量单位", "目标值"):
        assert ws.cell(first.row, col[name]).protection.locked
    for name in ("累计完成值", "进展状态", "进展情况", "佐证材料"):
        assert not ws.cell(first.row, col[name]).protection.locked


def test_same_call_writes_the_same_bytes(plan, tmp_path):
    a = write_templates(QUARTER, tmp_path / "a", plan=plan)
    b = write_templates(QUARTER, tmp_path / "b", plan=plan)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


# ---------------------------------------------------------------- round trip through ingest

needs_ingest = pytest.mark.skipif(importlib.util.find_spec("helpers.ingest") is None,
                                  reason="helpers.ingest not written yet")


def _fill_like_a_person(path, plan, unit):
    """Type values into the unlocked cells with openpyxl; return what was typed, by indicator."""
    wb, ws = _data_sheet(path)
    header = _header_row(ws)
    col = {name: i + 1 for i, name in enumerate(COLUMNS)}
    typed = {}
    for n, row in enumerate(ws.iter_rows(min_row=header + 1), start=1):
        code = row[0].value
        if code not in plan.indicators:
            continue
        ind = plan.indicators[code]
        value = {"ratio": 9, "amount": 123.5}.get(ind.kind, 3) if ind.is_numeric else None
        status = "推进中" if n % 2 else "已完成"
        entry = {"value": value, "denominator": 12 if ind.kind == "ratio" else None, "status": status,
                 "evidence": f"{code}台账" if status == "已完成" else ""}
        if ind.kind == "milestone":  # read from the status: done 1, not done 0 (docs/indicators.md)
            entry["read_as"] = 1.0 if status == "已完成" else 0.0
        ws.cell(row[0].row, col["累计完成值"], value)
        ws.cell(row[0].row, col["基数"], entry["denominator"])
        ws.cell(row[0].row, col["进展状态"], status)
        ws.cell(row[0].row, col["进展情况"], f"{code}进展")
        ws.cell(row[0].row, col["佐证材料"], entry["evidence"] or None)
        typed[code] = entry
    for row in ws.iter_rows(max_row=header - 1):
        for cell in row:
            if str(cell.value or "").startswith("填报日期："):
                cell.value = "填报日期：2020-01-08"
    wb.save(path)
    return typed


def _number(x):
    return None if x is None or x == "" or (isinstance(x, float) and math.isnan(x)) else float(x)


@needs_ingest
@pytest.mark.parametrize("unit", [UNIT, "区商务局", "城东街道"])
def test_filled_template_round_trips_through_ingest(plan, tmp_path, unit):
    from helpers.ingest import ingest_files

    path = write_templates(QUARTER, tmp_path, plan=plan, units=[unit])[0]
    typed = _fill_like_a_person(path, plan, unit)
    result = ingest_files([path], QUARTER, plan)
    assert result.rejects.empty, result.rejects.to_dict("records")
    subs = result.submissions.set_index("indicator")
    assert sorted(subs.index) == sorted(typed)
    assert set(subs["unit"]) == {unit}
    for code, entry in typed.items():
        got = subs.loc[code]
        assert _number(got["value"]) == entry.get("read_as", _number(entry["value"])), code
        assert _number(got["denominator"]) == _number(entry["denominator"]), code
        assert got["status"] == entry["status"], code
        assert (got["evidence"] or "") == entry["evidence"], code
