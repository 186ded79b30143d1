"""Executed notebook → HTML + PDF: only outputs, escaped, self-contained, SC fonts, deterministic."""

import copy
import re
import shutil
import subprocess
import textwrap
import uuid

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pypdf import PdfReader

from helpers.report import render

TITLE = "埇桥区农村电商优化升级工作评估报告"
PLANTED = "<script>alert(1)</script>"
STDERR_TEXT = "这是写到stderr的警告"

pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")


def _code(src: str, **kw):
    return new_code_cell(textwrap.dedent(src).strip(), **kw)


def _notebook():
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        _code("quarter = '2019Q3'", metadata={"tags": ["parameters"]}),
        _code(
            f"""
            import sys, warnings
            import numpy as np, pandas as pd
            from IPython.display import HTML, display
            from helpers.report import charts, render, tables
            charts.setup_style()
            display(HTML(render.cover_html({TITLE!r}, f'{{quarter}} 季度', {{'报告期': quarter, '编制单位': '区商务局'}}, sample=True)))
            """
        ),
        new_markdown_cell(render.TOC_MARKER),
        new_markdown_cell("## 一、总体情况\n\n网络销售额新增 **4,500** 万元 / 15,000 万元。"),
        _code(
            f"""
            df = pd.DataFrame({{
                'unit': ['蒿沟乡', '朱仙庄镇', '三八街道'] * 12,
                'actual': np.arange(36) * 1234.5,
                'rate': np.linspace(0, 1.2, 36),
                'status': ['已完成', '滞后', '严重滞后', '未报送'] * 9,
                'narrative': [{PLANTED!r}] + ['推进农村电商公共服务体系建设，完善县乡村三级物流配送体系。'] * 35,
            }})
            display(HTML(tables.html_table(df, columns={{'unit': '单位', 'actual': '完成值', 'rate': '完成率',
                    'status': '状态', 'narrative': '进展情况'}}, status_col='status', caption='表 1 各单位完成情况')))
            print({STDERR_TEXT!r}, file=sys.stderr)
            warnings.warn('deprecated thing')
            """
        ),
        new_markdown_cell("### （一）状态分布"),
        _code("charts.show(charts.status_counts_bar(df['status'].value_counts()))\ndf['rate'].sum()"),
        new_markdown_cell("## 二、趋势"),
        _code("print('正文输出')"),
    ]
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nb")
    src = folder / "report.ipynb"
    nbformat.write(_notebook(), src)
    out = folder / "report.out.ipynb"
    pm.execute_notebook(
        str(src),
        str(out),
        parameters={"quarter": "2019Q4"},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(folder),
    )
    return out


@pytest.fixture(scope="module")
def rendered(executed, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    html_path, pdf_path = render.render_report(executed, folder / "report.html", folder / "report.pdf", TITLE)
    return html_path, pdf_path


def _pdf_pages(pdf_path) -> list[str]:
    # pypdf keeps the spaces of "第 1 页" (plain pdftotext drops spaces next to CJK; -raw keeps them)
    return [page.extract_text() for page in PdfReader(pdf_path).pages]


def test_html_has_outputs_only(rendered):
    html = rendered[0].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html and f"<title>{TITLE}</title>" in html
    assert "<script" not in html.lower()
    assert not re.search(r"<link\b", html, re.I) and not re.search(r"""(src|href)=["']?https?:""", html, re.I)
    assert "@import" not in html and "url(" not in html
    body = html[html.index("<body>") :]
    for leftover in (
        "In [",
        "Out[",
        "In&nbsp;[",
        "charts.show",
        "import ",
        STDERR_TEXT,
        "deprecated thing",
        "Traceback",
    ):
        assert leftover not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "正文输出" in html  # stdout stays
    assert "<img" in html and "data:image/png;base64," in html  # one PNG serves screen and print
    assert '"Noto Sans CJK SC"' in html and '"Noto Serif CJK SC"' in html
    assert "cell-id" not in html and "papermill" not in html


def test_toc_and_cover(rendered):
    html = rendered[0].read_text(encoding="utf-8")
    assert html.index('class="cover"') < html.index('<nav class="toc">') < html.index('id="sec-1"')
    assert '<a href="#sec-1">一、总体情况</a>' in html and '<a href="#sec-2">（一）状态分布</a>' in html
    assert 'id="report-end"' in html


def test_pdf_text_fonts_and_page_numbers(rendered):
    pages = _pdf_pages(rendered[1])
    assert TITLE in pages[0] and "第" not in pages[0].replace(TITLE, "")  # cover: no page number
    body_pages = len(pages) - 1
    assert f"第 1 页 / 共 {body_pages} 页" in pages[1]
    assert f"第 {body_pages} 页 / 共 {body_pages} 页" in pages[-1]
    assert re.search(r"一、总体情况 ?(\. ?){5,}\d", pages[1])  # TOC entry, dotted leader, its page number
    assert "<script>alert(1)</script>" in "".join(pages)  # shown as text, not run
    assert STDERR_TEXT not in "".join(pages)
    fonts = subprocess.run(["pdffonts", str(rendered[1])], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert any(re.search(r"Noto-?Sans-?CJK-?SC", r, re.I) and " yes " in r for r in rows), fonts
    assert not any(re.search(r"JP|KR|TC|HK", r.split()[0]) for r in rows), fonts


def test_rendering_is_deterministic(executed, rendered, tmp_path):
    # papermill varies cell ids, timestamps and durations between runs: none may reach the output
    nb = nbformat.read(executed, as_version=4)
    varied = copy.deepcopy(nb)
    for cell in varied.cells:
        cell.id = uuid.uuid4().hex[:8]
        cell.metadata.setdefault("papermill", {})["start_time"] = "2030-01-01T00:00:00"
    varied.metadata["papermill"]["duration"] = 99.9
    html = render.notebook_to_html(varied, TITLE)
    assert html == rendered[0].read_text(encoding="utf-8")
    pdf = render.html_to_pdf(html, tmp_path / "again.pdf")
    assert pdf.read_bytes() == rendered[1].read_bytes()


def test_failed_pdf_leaves_the_previous_file(tmp_path, monkeypatch):
    from helpers.report import typeset

    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF last good report")

    def boom(source, root=None):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(typeset, "compile_pdf", boom)
    with pytest.raises(RuntimeError):
        render.html_to_pdf("<html><body><p>新</p></body></html>", target)
    assert target.read_bytes() == b"%PDF last good report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_failed_report_leaves_both_files(executed, tmp_path, monkeypatch):
    html_path, pdf_path = tmp_path / "r.html", tmp_path / "r.pdf"
    html_path.write_text("old html", encoding="utf-8")
    pdf_path.write_bytes(b"old pdf")
    monkeypatch.setattr(render, "pdf_bytes", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no fonts")))
    with pytest.raises(RuntimeError):
        render.render_report(executed, html_path, pdf_path, TITLE)
    assert html_path.read_text(encoding="utf-8") == "old html" and pdf_path.read_bytes() == b"old pdf"


def test_tags_and_stray_results_are_dropped():
    nb = new_notebook()
    nb.cells = [
        new_code_cell("x", metadata={"tags": ["remove-cell"]}),
        new_code_cell("y"),
        new_code_cell("z", metadata={"tags": ["remove-output"]}),
    ]
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>隐藏单元</p>"})]
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}, execution_count=1
        ),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=["Traceback ..."]),
        nbformat.v4.new_output(
            "display_data",
            data={
                "application/javascript": "alert(1)",
                "text/html": '<p onclick="x()">保留</p><script>x()</script>',
            },
        ),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>隐藏输出</p>"})]
    html = render.notebook_to_html(nb, "测试")
    assert "保留" in html and "隐藏" not in html
    assert "Figure size" not in html and "ValueError" not in html and "Traceback" not in html
    assert "<script" not in html and "onclick" not in html and "alert" not in html
