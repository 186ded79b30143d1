"""The floor of benchmark (a): n papermill executions of an empty notebook, then one one-page HTML→PDF.

Imported by run.py (in-process measurement) and run on its own as the floor command, each in a fresh
interpreter, against `yqeval run`:

    .venv/bin/python benchmarks/floor.py 3 /tmp/floor

It imports only what the floor uses (papermill, nbformat, helpers.report.render), so the command is charged
for nothing `yqeval run` would not also pay.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

EMPTY_PAGE = ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><style>{css}</style></head>"
              "<body><main class=\"report\"><h2>一页</h2><p>这是一页用于测量渲染下限的中文文字。</p></main>"
              "<div id=\"report-end\"></div></body></html>")


def empty_notebook(path: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("", metadata={"tags": ["parameters"]})])
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, str(path))
    return path


def bench_floor(workdir: Path, n_notebooks: int = 3) -> dict:
    """n papermill executions of an empty notebook in this process, plus one one-page HTML→PDF."""
    import papermill as pm

    from helpers.report import render

    workdir.mkdir(parents=True, exist_ok=True)
    source = empty_notebook(workdir / "empty.ipynb")
    t0 = time.perf_counter()
    for i in range(n_notebooks):
        pm.execute_notebook(str(source), str(workdir / f"empty_{i}.ipynb"), kernel_name="python3",
                            progress_bar=False, cwd=str(workdir))
    t1 = time.perf_counter()
    render.html_to_pdf(EMPTY_PAGE.format(css=render.report_css()), workdir / "one_page.pdf")
    t2 = time.perf_counter()
    return {"notebooks": n_notebooks, "papermill_s": round(t1 - t0, 2), "pdf_s": round(t2 - t1, 2),
            "seconds": round(t2 - t0, 2)}


if __name__ == "__main__":
    print(json.dumps(bench_floor(Path(sys.argv[2]), int(sys.argv[1]))))
