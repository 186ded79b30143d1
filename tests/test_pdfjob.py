"""The report's PDF made in a worker process beside the other outputs (helpers.report.pdfjob), and the import
`yqeval run` leaves out (helpers.contract.startup)."""

import shutil
import subprocess
import sys
import textwrap

import pytest

from helpers.contract.paths import PROJECT_ROOT
from helpers.report import pdfjob, render
from helpers.run import pipeline

PAGE = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>'
        '<main class="report"><h2>一、总体情况</h2><p>全区 22 项指标，已完成 3 项。</p></main></body></html>')


def _job_module(tmp_path, body: str) -> str:
    (tmp_path / "pdfjob_stand_in.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return str(tmp_path)


def test_the_worker_makes_the_same_pdf_as_this_process(tmp_path):
    page = PAGE.format(css=render.report_css())
    with pdfjob.PdfWorker() as worker:
        worker.submit(page, tmp_path / "报告.pdf")
        assert worker.result() == tmp_path / "报告.pdf"
    assert (tmp_path / "报告.pdf").read_bytes() == render.pdf_bytes(page)
    assert worker.proc is None  # closed by the with block


def test_an_error_in_the_worker_is_one_chinese_line_naming_the_pdf(tmp_path):
    path = _job_module(tmp_path, """
        def boom(html_text, pdf_path):
            raise ValueError("layout failed")
        """)
    worker = pdfjob.PdfWorker(job="pdfjob_stand_in:boom", extra_path=(path,))
    worker.submit("<p>x</p>", tmp_path / "报告.pdf")
    with pytest.raises(pdfjob.PdfError) as caught:
        worker.result()
    worker.close()
    assert str(caught.value) == "生成 PDF 报告 报告.pdf 时出错：ValueError: layout failed"
    assert not (tmp_path / "报告.pdf").exists()


def test_a_worker_that_dies_is_reported_and_a_closed_worker_leaves_no_process(tmp_path):
    path = _job_module(tmp_path, """
        import os

        def die(html_text, pdf_path):
            os._exit(3)
        """)
    worker = pdfjob.PdfWorker(job="pdfjob_stand_in:die", extra_path=(path,))
    worker.submit("<p>x</p>", tmp_path / "报告.pdf")
    with pytest.raises(pdfjob.PdfError, match="工作进程意外退出（退出码 3），未能生成 报告.pdf"):
        worker.result()
    worker.close()
    idle = pdfjob.PdfWorker(job="pdfjob_stand_in:die", extra_path=(path,))  # never given a page
    proc = idle.proc
    idle.close()
    assert proc.poll() is not None and idle.proc is None


def test_a_run_whose_pdf_fails_fails_cleanly_in_chinese(tmp_path, monkeypatch):
    """The other outputs were written meanwhile; the run still fails as a whole: no report folder, the
    staging folder kept as .2019Q4.failed without a PDF, HTML, .docx or manifest that could pass for a report."""
    path = _job_module(tmp_path, """
        def boom(html_text, pdf_path):
            raise RuntimeError("排版失败")
        """)
    monkeypatch.setattr(pipeline, "_pdf_worker",
                        lambda: pdfjob.PdfWorker(job="pdfjob_stand_in:boom", extra_path=(path,)))
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / "2019Q4", data / "raw" / "2019Q4")
    with pytest.raises(pipeline.RunError) as caught:
        pipeline.run_quarter("2019Q4", data_dir=data, reports_dir=tmp_path / "reports", progress=None)
    assert "生成 PDF 报告" in str(caught.value) and "时出错：RuntimeError: 排版失败" in str(caught.value)
    failed = tmp_path / "reports" / ".2019Q4.failed"
    assert not (tmp_path / "reports" / "2019Q4").exists() and (failed / "notebooks" / "03_report.ipynb").exists()
    left = {p.suffix for p in failed.iterdir() if p.is_file()}
    assert not left & {".pdf", ".html", ".docx", ".xlsx"} and not (failed / "manifest.json").exists()
    assert not (data / "processed" / "2019Q4").exists()  # the processed data was staged, not committed


def test_trimmed_imports_leave_out_the_iri_checker_and_notebooks_still_validate():
    code = textwrap.dedent(f"""
        import sys
        from helpers.contract.startup import trim_imports
        trim_imports()
        import nbformat
        nb = nbformat.read({str(PROJECT_ROOT / 'notebooks' / '03_report.ipynb')!r}, as_version=4)
        nbformat.validate(nb)
        bad = nbformat.from_dict({{**nb, "cells": [{{"cell_type": "code"}}]}})
        try:
            nbformat.validate(bad)
        except nbformat.ValidationError:
            print("invalid refused")
        print("rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is not None)
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["invalid", "refused", "False"]
