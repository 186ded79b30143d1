"""Who sent a file and for when: the unit, the quarter and the 填报日期, from the table's columns, the
"key：value" cells around it and the file's name; and whether it is sample data (docs/submissions.md,
谁、哪一期; docs/plan_life.md for a unit that is not registered).

Where two places disagree the file is returned, naming each (never a winner by place); a quarter that
is not the folder's is returned; a date that cannot be read, or two that differ, is left empty with a
warning.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

from helpers.contract import values as V
from helpers.contract import vocabulary as W
from helpers.ingest.form import (
    DATA,
    FIELD_NAMES,
    KEY_RE,
    META_KEYS,
    SKIP_NOTE,
    SKIP_TITLE,
    WHO_AND_WHEN,
    header_key,
)
from helpers.ingest.locate import Table, cell
from helpers.ingest.readers import FileRejected, Row
from helpers.plan.quarters import find_quarter, parse_quarter
from helpers.plan.reference import Plan, name_key

Sources = list[tuple[str, object]]  # (where it was written, the raw value) of one fact


def meta_cells(row: Row) -> list[tuple[str, object]]:
    """(field, value) pairs of "key：value" cells: '填报单位：甲镇  报告期：2019年第四季度' in one cell,
    or '填报单位：' / '填报单位' followed by the value in the next non-empty cell."""
    pairs: list[tuple[str, object]] = []
    cells = [c for c in row if not V.is_blank(c)]
    for i, value_cell in enumerate(cells):
        if not isinstance(value_cell, str):
            continue
        text = value_cell.strip()
        bare = header_key(text)
        if bare in META_KEYS and not KEY_RE.search(text):  # key alone, value in the next cell
            if i + 1 < len(cells) and not _is_key(cells[i + 1]):
                pairs.append((META_KEYS[bare], cells[i + 1]))
            continue
        matches = list(KEY_RE.finditer(text))
        for j, m in enumerate(matches):
            end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
            value: object = text[m.end():end].strip().strip(";；,，、").strip()
            if m.group(1) not in META_KEYS:
                continue
            if value == "" and j + 1 == len(matches) and i + 1 < len(cells) and not _is_key(cells[i + 1]):
                value = cells[i + 1]
            if not V.is_blank(value):
                pairs.append((META_KEYS[m.group(1)], value))
    return pairs


def _is_key(value: object) -> bool:
    return isinstance(value, str) and (bool(KEY_RE.search(value)) or header_key(value) in META_KEYS)


def collect_meta(table: Table, kinds: dict[int, str]) -> dict[str, Sources]:
    """field → [(source label, raw value)] from columns and from key：value cells outside the table."""
    meta: dict[str, Sources] = {fld: [] for fld in WHO_AND_WHEN}
    for index, kind in kinds.items():
        row = table.sheet.rows[index]
        if kind == DATA:
            for fld in meta:
                if fld in table.columns:
                    value = cell(row, table.columns[fld])
                    if not V.is_blank(value):
                        meta[fld].append((f"表内“{FIELD_NAMES[fld]}”列（第{index + 1}行）", value))
        elif kind in (SKIP_TITLE, SKIP_NOTE):
            for fld, value in meta_cells(row):
                meta[fld].append((f"表内“{FIELD_NAMES[fld]}”（第{index + 1}行）", value))
    return meta


def is_sample(table: Table) -> bool:
    """Whether the title rows above the header carry the sample mark (synthetic inputs say so)."""
    return any(W.SAMPLE_MARK in V.cell_text(value) for row in table.sheet.rows[: table.header]
               for value in row if value is not None)


def _distinct(sources: Sources, key) -> dict:
    """canonical value → first (source, raw) that gave it."""
    out: dict = {}
    for source, raw in sources:
        out.setdefault(key(raw), (source, raw))
    return out


def _disagree(what: str, found: dict) -> FileRejected:
    named = "；".join(f"{source}为“{V.cell_text(raw)}”" for source, raw in found.values())
    return FileRejected(f"{what}不一致：{named}")


def filename_parts(name: str) -> tuple[str | None, str | None]:
    """'甲镇_2019Q4.xlsx' → ('甲镇', '2019Q4'); the unit is the part before the first '_'."""
    stem = Path(name).stem
    unit = stem.split("_")[0].strip() if stem.strip() else None
    return unit or None, find_quarter(stem)


def unit_named_by(name: str, plan: Plan) -> str:
    """The registered unit a file's name gives ('甲镇_2019Q4.xlsx', '甲镇进展表.xlsx'), or ''."""
    registry = plan.registry
    from_name, _ = filename_parts(name)
    unit = registry.resolve(from_name) if from_name else None
    if unit is None:
        found = registry.find_in(Path(name).stem)
        unit = registry.resolve(found) if found else None
    return unit.name if unit is not None else ""


_STAMP_RE = re.compile(r"[（(【\[]\s*(?:盖章|公章|签章|章)\s*[）)】\]]")


def resolve_unit(sources: Sources, plan: Plan, name: str) -> str:
    """The registered unit the file is from; an UnknownUnit for a name not registered, a FileRejected
    where two places name different units."""
    registry = plan.registry
    sources = [(source, _STAMP_RE.sub("", raw).strip() if isinstance(raw, str) else raw)
               for source, raw in sources]  # 甲镇（盖章）: the stamp goes there, not part of the name
    for source, raw in sources:
        if registry.resolve(V.cell_text(raw)) is None:
            raise UnknownUnit(V.cell_text(raw), _unknown_unit(V.cell_text(raw), source, plan), plan)
    from_name, _ = filename_parts(name)
    if from_name and registry.resolve(from_name) is None:
        from_name = registry.find_in(Path(name).stem) or from_name  # 甲镇进展填报表（四季度）.xlsx
    if from_name and registry.resolve(from_name) is not None:
        sources = [*sources, ("文件名", from_name)]
    elif not sources:
        shown = from_name or Path(name).stem
        raise UnknownUnit(shown, "无法确定填报单位：表内没有“填报单位”，" + _unknown_unit(shown, "文件名", plan), plan)
    found = _distinct(sources, lambda raw: registry.resolve(V.cell_text(raw)).name)
    if len(found) > 1:
        raise _disagree("填报单位", found)
    return next(iter(found))




class UnknownUnit(FileRejected):
    """A file whose unit is not registered: the name written, the closest registered names, and the
    one unit it is close to when exactly one is (that unit then reads 文件被退回（单位名称无法识别）)."""

    def __init__(self, written: str, reason: str, plan: Plan):
        super().__init__(reason)
        self.written = written
        self.candidates = plan.registry.suggest(written)
        self.close_unit = close_unit(written, plan)


def close_unit(written: str, plan: Plan) -> str:
    """The one registered unit whose name (or an alias) is close to WRITTEN, or '' (none, or several)."""
    key = name_key(written)
    if not key:
        return ""
    registry = plan.registry
    cutoff = plan.params.unit_close_match  # similarity of two names' keys from which a name is "close"
    names = [(n, n) for n in registry.units] + list(registry.aliases.items())
    close = {canonical for other, canonical in names
             if difflib.SequenceMatcher(None, key, name_key(other)).ratio() >= cutoff}
    return close.pop() if len(close) == 1 else ""


def _unknown_unit(name: str, source: str, plan: Plan) -> str:
    close = plan.registry.suggest(name)
    hint = f"，最接近的登记名称：{'、'.join(close)}" if close else ""
    return f"{source}的单位“{name}”未登记{hint}"


def _quarter_of(raw: object) -> str | None:
    text = V.cell_text(raw)
    return parse_quarter(text) or find_quarter(text)


def resolve_quarter(sources: Sources, folder_quarter: str, name: str) -> tuple[str, str]:
    """(quarter, warning). With no quarter in the table or the file name, the analyst's folder decides."""
    for source, raw in sources:
        if _quarter_of(raw) is None:
            raise FileRejected(f"{source}的报告期“{V.cell_text(raw)}”无法识别（应写作 2019Q4 或 2019年第四季度）")
    _, from_name = filename_parts(name)
    if from_name:
        sources = [*sources, ("文件名", from_name)]
    if not sources:
        return folder_quarter, f"表内和文件名中都没有报告期，按所在文件夹的报告期 {folder_quarter} 处理"
    found = _distinct(sources, _quarter_of)
    if len(found) > 1:
        raise _disagree("报告期", found)
    quarter = next(iter(found))
    if quarter != folder_quarter:
        raise FileRejected(f"报告期为 {quarter}，与所在文件夹的报告期 {folder_quarter} 不符")
    return quarter, ""


def resolve_date(sources: Sources) -> tuple[str, str]:
    """(ISO 填报日期 or '', a warning or ''). A date that cannot be read, or two that differ, is left empty."""
    dates: dict[dt.date, tuple[str, object]] = {}
    for source, raw in sources:
        try:
            day = V.parse_date(raw)
        except V.Reject as exc:
            return "", f"{source}：{exc}"
        if day is not None:
            dates.setdefault(day, (source, raw))
    if len(dates) > 1:
        return "", str(_disagree("填报日期", dates)) + "，填报日期留空"
    return (next(iter(dates)).isoformat(), "") if dates else ("", "")
