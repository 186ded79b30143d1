"""Evaluation workbook for a county or district 工作方案 (the plan is data: data/reference) — the package.

Its sub-packages are the steps of the data flow, raw → processed → reports (docs/layout.md):

  contract  what every step shares: where things live, the processed datasets and their columns,
            the workbook's words (statuses, lights, reject and flag kinds), cell values, deterministic writing
  plan      the plan as data: plan.yaml, units, tasks, indicators, reward rules, parameters, quarters,
            and the forms sent to units
  ingest    data/raw/<quarter>/ → submissions.csv, rejects.csv, ingest_log.json
  evaluate  processed submissions → completion, pace, status, scores, the reward estimate
  report    processed data → the leaders' report (HTML, PDF, .docx), 汇总表, notices, scorecards
  audit     what a run read and wrote (manifest.json), and what changed inside an input since
  run       running the steps: `yqeval run`, the run's lock and journal, warm kernels, scorecards in
            batch, reminders, verify

A step imports only the steps before it (each sub-package's docstring says which, and
tests/test_layout.py holds them to it); the notebooks and the command line (helpers.cli) import only
the names a sub-package lists in its `__all__`. helpers.sample makes the synthetic sample quarters.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__version__ = "0.1.0"


def public_names(package: str, names: dict[str, str]) -> Callable[[str], object]:
    """A sub-package's module `__getattr__`: NAME → the module of the package that defines it, imported on
    first use, so importing a step (for one function) does not import all its modules (PDF engines,
    charts). A name mapped to itself is a public module of the package."""

    def __getattr__(name: str) -> object:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{names[name]}")
        return module if names[name] == name else getattr(module, name)

    return __getattr__
