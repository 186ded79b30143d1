"""Duplicates across files and rows: the same unit and indicator given more than once (docs/submissions.md,
重复). Equal copies are one row; copies that differ are all rejected as 数据冲突. Never a winner by file
order or time. The outcomes given are not changed: new ones are returned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from helpers.contract import vocabulary as W
from helpers.ingest.form import SKIP_DUPLICATE, TEXT_FIELDS
from helpers.ingest.records import FileOutcome, RejectRow, Submission, counted


def fingerprint(row: Submission) -> tuple:
    """What two copies must share to be equal: the value, the base and the status."""
    def num(x):
        return None if x is None else round(float(x), 9)
    return num(row.value), num(row.denominator), row.status


def describe(row: Submission) -> str:
    """A row's figure as the conflict's reason shows it: '12', '17/20', '基数 20', '已完成' or '空'."""
    parts = []
    if row.value is not None:
        parts.append(f"{row.value:g}" + (f"/{row.denominator:g}" if row.denominator is not None else ""))
    elif row.denominator is not None:
        parts.append(f"基数 {row.denominator:g}")
    if row.status:
        parts.append(row.status)
    return "，".join(parts) or "空"


def _where(row: Submission) -> str:
    sheet = f"“{row.source_sheet}”表" if row.source_sheet else ""
    return f"{row.source_file} {sheet}第{row.source_row}行"


def merged(copies: list[Submission]) -> Submission:
    """Equal copies as one row. It must not depend on which file sorts first, so its texts are every
    copy's distinct texts joined in sorted order (evidence given in either copy counts), and it is
    approximate if any copy was. Its source columns name the first copy."""
    texts = {fld: "；".join(sorted({getattr(r, fld) for r in copies if getattr(r, fld)})) for fld in TEXT_FIELDS}
    return replace(copies[0], **texts, approximate=any(r.approximate for r in copies))


def conflict(row: Submission, copies: list[Submission]) -> RejectRow:
    """ROW rejected as 数据冲突 against the other COPIES, each named with what the unit wrote."""
    others = "；".join(f"{_where(o)}为 {describe(o)}" for o in copies if o is not row)
    reason = (f"{W.CONFLICT}：{row.unit} {row.indicator} 本行为 {describe(row)}，而 {others}；"
              "同一单位同一指标数值不同，请核实后删除错误的一份")
    return RejectRow(row.quarter, row.source_file, row.source_sheet, row.source_row, row.unit, row.indicator,
                     row.raw or describe(row), reason, W.REJECT_CONFLICT)


def settle_duplicates(outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """Same unit + indicator more than once: equal → one row, the others skipped as 重复（已合并）;
    different → reject every one of them as 数据冲突, each showing what the unit wrote.

    "Equal" is the same value, base and status. The log counts a merged copy where its file is."""
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (unit, indicator) → [(file, row)]
    for i, outcome in enumerate(outcomes):
        for j, row in enumerate(outcome.accepted):
            groups.setdefault((row.unit, row.indicator), []).append((i, j))
    kept: dict[tuple[int, int], Submission] = {}  # a row replaced by the merged copies
    dropped: set[tuple[int, int]] = set()
    duplicates: Counter = Counter()  # file → copies merged away
    conflicts: dict[int, list[RejectRow]] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        copies = [outcomes[i].accepted[j] for i, j in members]
        if len({fingerprint(r) for r in copies}) == 1:
            kept[members[0]] = merged(copies)
            dropped.update(members[1:])
            duplicates.update(i for i, _ in members[1:])
            continue
        dropped.update(members)
        for (i, _), row in zip(members, copies, strict=True):
            conflicts.setdefault(i, []).append(conflict(row, copies))
    settled = []
    for i, outcome in enumerate(outcomes):
        accepted = [kept.get((i, j), row) for j, row in enumerate(outcome.accepted) if (i, j) not in dropped]
        skipped = Counter(dict(outcome.entry.skipped_by_reason))
        if duplicates[i]:
            skipped[SKIP_DUPLICATE] += duplicates[i]
        settled.append(counted(outcome.entry, accepted, outcome.rejects + tuple(conflicts.get(i, ())), skipped))
    return settled
