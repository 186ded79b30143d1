"""Nothing in src/ or notebooks/ names a particular plan (docs/plans.md): its units, aliases,
indicator codes, date of issue, document number, title or jurisdiction. Sample-data generation
(src/helpers/sample.py) and the tests are the exception. Every plan folder the project ships is
scanned: data/reference and examples/*/reference.

What is scanned is what the code uses and shows: every string literal and name in src/ (docstrings
and comments, which only explain, are left to review) and every cell of the notebooks, markdown too."""

import ast
import json
import re

import pytest

from helpers.contract.paths import PROJECT_ROOT
from helpers.plan.reference import load_plan

EXCEPT = {PROJECT_ROOT / "src" / "helpers" / "sample.py"}
FOLDERS = [PROJECT_ROOT / "data" / "reference", *sorted((PROJECT_ROOT / "examples").glob("*/reference"))]


def _sources() -> dict[str, str]:
    out = {}
    for path in sorted((PROJECT_ROOT / "src").rglob("*")):
        if path in EXCEPT or path.suffix not in (".py", ".css", ".html", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        out[str(path.relative_to(PROJECT_ROOT))] = _code_strings(text) if path.suffix == ".py" else text
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[str(path.relative_to(PROJECT_ROOT))] = "\n".join("".join(c["source"]) for c in nb["cells"])
    return out


def _code_strings(source: str) -> str:
    """The string literals and names of a module, one per line, without its docstrings."""
    tree = ast.parse(source)
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)
                  and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}
    parts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            parts.append(f"{node.lineno}: {node.value}")
        elif isinstance(node, ast.Name):
            parts.append(f"{node.lineno}: {node.id}")
    return "\n".join(parts)


def _names(folder) -> set[str]:
    plan = load_plan(folder)
    info = plan.words
    names = set(plan.registry.units) | set(plan.registry.aliases) | set(plan.indicators)
    names |= {info.jurisdiction, info.document, info.issued.isoformat(), info.issued_text, info.name,
              info.compiler, info.issuer, info.report_title, *info.strip_prefixes}
    if plan.words.jurisdiction[:-1]:
        names.add(info.jurisdiction[:-1])  # 埇桥 without 区
    # a department written without its level word (商务局) is a generic word, not a plan's name
    return {n for n in names if len(n) >= 2}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.parent.name)
def test_no_plan_is_named_in_code_or_notebooks(folder):
    names = _names(folder)
    assert len(names) > 20, names  # the scan really has the plan's names to look for
    hits = []
    for rel, text in _sources().items():
        for name in names:
            pattern = re.escape(name)
            if re.fullmatch(r"[A-Z]+\d+[A-Z]?", name):  # a code: not inside a longer word (T01 in UTF01)
                pattern = rf"(?<![A-Za-z0-9]){pattern}(?![0-9])"
            for m in re.finditer(pattern, text):
                line = text[text.rfind("\n", 0, m.start()) + 1:].split(":", 1)[0] if rel.endswith(".py") else \
                    text.count("\n", 0, m.start()) + 1
                hits.append(f"{rel}:{line}: {name}")
    assert not hits, "\n".join(sorted(hits)[:40])


def test_the_scan_would_catch_a_plan_name():
    source = '"""Docstrings may give examples: T07A."""\nHEADLINE = ("T01", "T13A")\ntitle = f"{x}埇桥区评估报告"\n'
    text = _code_strings(source)
    names = _names(FOLDERS[0])
    found = {n for n in names if n in text}
    assert {"T01", "T13A", "埇桥区", "埇桥"} <= found and "T07A" not in found
