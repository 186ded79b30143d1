"""Scorecards in batch (`yqeval scorecards`): bring the quarter's processed data up to date, build every
card from one context (helpers.report.scorecards), lay out their PDFs here, in local processes or on a Dask
cluster, and record them in the quarter's manifest (docs/audit.md).

    yqeval scorecards 2019Q4                     # every reporting unit
    yqeval scorecards 2019Q4 --units 甲集镇 区交通局   # aliases resolve through the registry
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from helpers.audit.manifest import record_scorecards
from helpers.contract.outputs import write_bytes
from helpers.contract.paths import processed_dir, raw_dir, reference_dir, safe_name
from helpers.evaluate import evaluate_quarter
from helpers.ingest import ingest_quarter
from helpers.plan import quarters
from helpers.plan.reference import Plan, load_plan
from helpers.report import scorecards as S
from helpers.run.pipeline import evaluation_stale, stale


def ensure_processed(data_dir: str | Path, quarter: str, plan: Plan | None = None,
                     progress: Callable[[str], None] | None = None) -> bool:
    """Bring QUARTER's processed data up to date: re-ingest every quarter up to it that the pipeline's
    rule finds stale (`pipeline.stale`: missing, or a raw file newer than it), then evaluate QUARTER if
    anything was re-read or its evaluation is stale. Returns True when it had to run.
    """
    data_dir = Path(data_dir)
    todo = [q for q in quarters.present(data_dir, quarter) if stale(data_dir, q)]
    if not todo and not evaluation_stale(data_dir, quarter):
        return False
    plan = plan or load_plan(reference_dir(data_dir))
    for q in todo:
        _say(progress, f"[准备] 读取 {q} 的报送文件")
        ingest_quarter(q, data_dir, plan)
    _say(progress, f"[准备] 评估 {quarter}")
    evaluate_quarter(quarter, data_dir=data_dir, plan=plan)
    return True


def card_context(data_dir: str | Path, quarter: str, as_of: dt.date | str | None = None, plan: Plan | None = None,
                 progress: Callable[[str], None] | None = None) -> S.CardContext:
    """The cards' context of QUARTER, its processed data first brought up to date (`ensure_processed`)."""
    data_dir = Path(data_dir)
    plan = plan or load_plan(reference_dir(data_dir))
    ensure_processed(data_dir, quarters.validate(quarter), plan, progress)
    return S.load_context(data_dir, quarter, as_of, plan)


@dataclass
class ScorecardResult:
    quarter: str
    folder: Path
    files: dict[str, tuple[Path, Path]] = field(default_factory=dict)  # unit → (html, pdf)
    seconds: dict[str, float] = field(default_factory=dict)


def run_scorecards(quarter: str, units: Iterable[str] | None = None, as_of: dt.date | str | None = None,
                   data_dir: str | Path = "data", reports_dir: str | Path = "reports", workers: int = 2,
                   progress: Callable[[str], None] | None = print, record: bool = True,
                   scheduler: str | None = None) -> ScorecardResult:
    """Write reports/QUARTER/units/<unit>.html and .pdf for every reporting unit (or the units given);
    record: add them to reports/QUARTER/manifest.json. scheduler: a Dask scheduler's address
    (tcp://host:8786) to render the PDFs on that cluster instead of `workers` local processes."""
    t0 = time.perf_counter()
    quarter = quarters.validate(quarter)
    data_dir = Path(data_dir)
    if not raw_dir(data_dir, quarter).is_dir() and not processed_dir(data_dir, quarter).is_dir():
        raise FileNotFoundError(f"没有找到 {raw_dir(data_dir, quarter)}：请把本季度的报送文件放在这里")
    plan = load_plan(reference_dir(data_dir))
    names = S.resolve_units(plan, units)
    ctx = card_context(data_dir, quarter, as_of, plan, progress)
    result = ScorecardResult(quarter, Path(reports_dir) / quarter / "units")
    result.seconds["load"] = time.perf_counter() - t0
    t = time.perf_counter()
    docs = [S.card_html(ctx, u) for u in names]
    result.seconds["html"] = time.perf_counter() - t
    _say(progress, f"[评估卡] {len(names)} 个单位，生成 PDF …")
    t = time.perf_counter()
    files = unique_file_names(names)
    for i, (unit, doc, pdf) in enumerate(zip(names, docs, S._pdfs(docs, workers, scheduler=scheduler, when=ctx.as_of),
                                              strict=True), start=1):
        stem = result.folder / files[unit]
        html_path = write_bytes(stem.with_suffix(".html"), doc.encode("utf-8"))
        pdf_path = write_bytes(stem.with_suffix(".pdf"), pdf)
        result.files[unit] = (html_path, pdf_path)
        _say(progress, f"  [{i}/{len(names)}] {unit} → {pdf_path.name}")
    result.seconds["pdf"] = time.perf_counter() - t
    if record:  # the cards are outputs an auditor checks: the quarter's manifest lists them (docs/audit.md)
        record_scorecards(quarter, data_dir=data_dir, reports_dir=reports_dir, units=names if units else None,
                          as_of=as_of, written=[p for pair in result.files.values() for p in pair])
    result.seconds["total"] = time.perf_counter() - t0
    _say(progress, f"完成（{result.seconds['total']:.1f} 秒）：{result.folder}")
    return result


def unique_file_names(units: list[str]) -> dict[str, str]:
    """unit → safe file stem, distinct even where two names clean to the same text."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for unit in units:
        stem = safe_name(unit)
        if stem.lower() in seen:
            stem = f"{stem}_{hashlib.sha256(unit.encode('utf-8')).hexdigest()[:8]}"
        seen.add(stem.lower())
        out[unit] = stem
    return out


def _say(progress: Callable[[str], None] | None, text: str) -> None:
    if progress:
        progress(text)
