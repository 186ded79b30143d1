"""The package's folders are the data flow (docs/layout.md): each sub-package of helpers imports only the
steps its docstring allows, and the notebooks and the command line import only public names."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
import types

import pytest

from helpers.contract.paths import PROJECT_ROOT

SRC = PROJECT_ROOT / "src" / "helpers"
STEPS = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())
TOP_LEVEL = {"__init__.py", "cli.py", "sample.py"}


def allowed(step: str) -> set[str]:
    doc = ast.get_docstring(ast.parse((SRC / step / "__init__.py").read_text(encoding="utf-8"))) or ""
    m = re.search(r"^May import: (.*)\.$", doc, re.M)
    assert m, f"helpers.{step}'s docstring has no line 'May import: ….'"
    return set() if m.group(1).startswith("nothing") else {x.strip().removeprefix("helpers.") for x in m.group(1).split(",")}


def imports(tree: ast.AST, module: str, is_pkg: bool) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_pkg else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                out.append((node.lineno, ".".join(base + ([node.module] if node.module else []))))
            else:
                out.append((node.lineno, node.module or ""))
    return [(n, m) for n, m in out if m == "helpers" or m.startswith("helpers.")]


def test_the_top_level_holds_only_the_steps_the_cli_and_the_sample():
    loose = {p.name for p in SRC.iterdir() if p.is_file() and p.suffix == ".py"}
    assert loose == TOP_LEVEL
    assert set(STEPS) >= {"contract", "plan", "ingest", "evaluate", "report", "audit", "run"}


@pytest.mark.parametrize("step", STEPS)
def test_a_step_imports_only_what_its_docstring_allows(step):
    ok = allowed(step) | {step}
    bad = []
    for path in sorted((SRC / step).rglob("*.py")):
        module = ".".join(("helpers", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        for line, name in imports(ast.parse(path.read_text(encoding="utf-8")), module, path.name == "__init__.py"):
            other = name.split(".")[1] if "." in name else ""
            if other != "" and other not in ok:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {name}")
    assert not bad, f"helpers.{step} may import only {sorted(ok)}:\n" + "\n".join(bad)


def test_the_steps_have_no_cycle():
    order = ["contract", "plan", "ingest", "evaluate", "report", "audit", "run"]
    for step in STEPS:
        for dep in allowed(step):
            assert order.index(dep) < order.index(step), f"helpers.{step} may not import helpers.{dep}, a later step"


def _public_imports(source: str) -> list[tuple[str, str]]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names if a.name.startswith("helpers")]
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("helpers")):
            out += [("." * node.level + (node.module or ""), a.name) for a in node.names]
    return out


def _notebook_sources():
    for nb in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        yield nb.name, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    yield "cli.py", (SRC / "cli.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name,source", list(_notebook_sources()), ids=lambda x: x if x.endswith(("py", "ipynb")) else "")
def test_notebooks_and_the_cli_import_only_public_names(name, source):
    found = _public_imports(source)
    assert found, f"{name} imports nothing from helpers?"
    for module, attr in found:
        parts = module.split(".")
        if len(parts) == 2 and f"{parts[1]}.py" in TOP_LEVEL:  # helpers.sample: a module of its own
            continue
        assert len(parts) == 2 and parts[0] == "helpers" and parts[1] in STEPS and attr, (
            f"{name}: import {attr} from {module}: import a public name of a step (from helpers.<step> import name)")
        package = importlib.import_module(module)
        assert attr in package.__all__, f"{name}: {attr} is not a public name of {module}"


@pytest.mark.parametrize("step", STEPS)
def test_every_public_name_resolves(step):
    package = importlib.import_module(f"helpers.{step}")
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    for name in modules:  # once a module is imported, its name on the package is the module
        importlib.import_module(f"helpers.{step}.{name}")
    for attr in package.__all__:
        obj = getattr(package, attr)
        public = getattr(package, "_PUBLIC", {}).get(attr)
        if public is None or public != attr:  # a function or class, not a module
            assert not isinstance(obj, types.ModuleType), (
                f"helpers.{step}.{attr} is a module, hiding the public name of that name")
            assert public is None or obj is getattr(importlib.import_module(f"helpers.{step}.{public}"), attr)
        else:
            assert obj is importlib.import_module(f"helpers.{step}.{attr}")
            assert not callable(getattr(obj, attr, None)), (
                f"helpers.{step}.{attr}: a module whose function has its name; the package would give the module")
    with pytest.raises(AttributeError):
        package.no_such_name  # noqa: B018
