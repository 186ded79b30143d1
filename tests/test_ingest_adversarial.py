"""Ingest against files as other writers and other people make them: the cases test_ingest.py does not
cover, each one a defect found by trying it (submissions.md is the contract)."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from .filewriters import HEADER, form, line
from .test_ingest import Q, ingest, reason_of, values


@pytest.fixture
def data(tmp_path) -> Path:
    (tmp_path / "raw" / Q).mkdir(parents=True)
    return tmp_path


# ---------------------------------------------------------------- formulas


def test_xlsxwriter_formula_saved_without_a_value_is_not_zero(data, plan):
    """xlsxwriter stores 0 as the result of a formula given no value (and flags the book for recalculation):
    read as 0, an unknown value became a zero."""
    def write(path):
        book = xlsxwriter.Workbook(str(path))
        s = book.add_worksheet("表")
        for r, row in enumerate(form([line("T01"), line("T02"), line("T03A")], notes=False)):
            for c, cell in enumerate(row):
                if cell is not None:
                    s.write(r, c, cell)
        col = HEADER.index("累计完成值")
        s.write_formula(4, col, "=100+20", None, 120)
        s.write_formula(5, col, "=SUM(1,2)")  # no value: xlsxwriter saves 0
        s.write_formula(6, col, "=7-4", None, 3)
        book.close()
    result = ingest(data, {"符离镇_2019Q4.xlsx": write}, plan)
    assert values(result) == {"T01": 120, "T03A": 3}
    reason = reason_of(result, 6)
    assert "F6" in reason and "=SUM(1,2)" in reason and "没有保存计算结果" in reason
