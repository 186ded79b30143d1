"""What a run read from each input, and what changed inside an input since (docs/audit.md).

A run records, per raw file, what ingest made of it: the unit and sheet, every accepted row (row number,
indicator, value and the text the unit typed) and every rejected row. `yqeval verify` reads a file whose
bytes changed again with the same ingest and compares the two, so an auditor reads "内容未变（仅文件字节
不同）" for a file that was only re-saved, and "甲镇 T01 累计完成值：记录 12000 → 现在 13000" for a forged
number, with the file, sheet and row.

The record lives in the manifest (inputs[].content), not only in data/processed: processed files are
rewritten by every later run (a run of the next quarter re-reads this one from the raw files as they are
then), and an auditor may hold only reports/QUARTER/. Narrative texts are kept as a short digest: enough to
say that they changed, without copying every paragraph into the manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from helpers.contract import datasets as D

UNCHANGED = "内容未变（仅文件字节不同）"
NOT_READ = "读入时不读取此文件（锁定文件、说明文件等），运行时和现在都没有从中读入数据"
TEXT_FIELDS = ("narrative", "problems", "next_steps", "evidence")
# accepted-row fields kept in the record, in this order; empty ones are left out
ROW_FIELDS = ("row", "indicator", "value", "raw_value", "denominator", "raw_denominator", "status",
              "approximate", "texts")
FIELD_LABELS = {"value": "累计完成值", "raw_value": "原文", "denominator": "基数", "raw_denominator": "基数原文",
                "status": "进展状态", "approximate": "约数", "texts": "文字说明（进展情况、存在问题、下步打算、佐证材料）"}
STATUS_LABELS = {"ok": "已读取", "rejected": "整份退回"}


# ---------------------------------------------------------------- what a run read, per file


def _read_csv(path: Path) -> list[dict[str, str]] | None:
    import csv

    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def _texts_digest(row: dict[str, str]) -> str:
    joined = "\x1f".join(row.get(f, "") for f in TEXT_FIELDS)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12] if joined.strip("\x1f") else ""


def _accepted(row: dict[str, str]) -> dict:
    out: dict = {"row": int(row["source_row"]) if row.get("source_row", "").isdigit() else None}
    for f in ROW_FIELDS[1:]:
        value = _texts_digest(row) if f == "texts" else row.get(f, "")
        if f == "approximate":
            value = "是" if value.lower() == "true" else ""
        if value:
            out[f] = value
    for f in ("value", "denominator"):  # the text is kept only where it says more than the number
        if out.get("raw_" + f) == out.get(f):
            out.pop("raw_" + f, None)
    if row.get("unit"):
        out["unit"] = row["unit"]
    return out


def _rejected(row: dict[str, str]) -> dict:
    out: dict = {"row": int(row["source_row"]) if row.get("source_row", "").isdigit() else None}
    for f in ("unit", "indicator", "raw_value", "reason"):
        if row.get(f):
            out[f] = row[f]
    return out


def file_contents(processed: Path) -> dict[str, dict]:
    """source_file → {unit, sheet, status, accepted: [...], rejected: [...]} from one quarter's processed
    folder (submissions.csv, rejects.csv, ingest_log.json as ingest writes them); {} if they are not there."""
    subs, rejects = _read_csv(D.path(processed, D.SUBMISSIONS)), _read_csv(D.path(processed, D.REJECTS))
    if subs is None or rejects is None or (subs and "source_file" not in subs[0]):
        return {}
    try:
        log = D.read_json(processed, D.INGEST_LOG)
        files = [f for f in log.get("files", []) if isinstance(f, dict) and "file" in f]
    except (OSError, ValueError, AttributeError):
        files = []
    out: dict[str, dict] = {}
    for entry in files:
        out[entry["file"]] = {"unit": entry.get("unit", ""), "sheet": entry.get("sheet", ""),
                              "status": entry.get("status", ""), "accepted": [], "rejected": []}
    blank = {"unit": "", "sheet": "", "status": "", "accepted": [], "rejected": []}
    for row in subs:
        out.setdefault(row["source_file"], json.loads(json.dumps(blank)))["accepted"].append(_accepted(row))
    for row in rejects:
        out.setdefault(row["source_file"], json.loads(json.dumps(blank)))["rejected"].append(_rejected(row))
    for content in out.values():
        unit = content["unit"]
        for row in content["accepted"]:  # a file speaks for one unit: say it once, not on every row
            if row.get("unit") == unit:
                row.pop("unit")
        content["accepted"].sort(key=lambda r: (r["row"] is None, r["row"] or 0, r.get("indicator", "")))
        content["rejected"].sort(key=lambda r: (r["row"] is None, r["row"] or 0, r.get("reason", "")))
    return out


# ---------------------------------------------------------------- what changed


@dataclass
class FileDiff:
    """One input file: what changed in what ingest made of it (empty lists: the same)."""

    name: str
    lines: list[str] = field(default_factory=list)
    moved: int = 0  # rows whose values are the same but whose row number changed
    not_read: bool = False  # a file ingest does not read (a lock file, a note): no data either time

    @property
    def unchanged(self) -> bool:
        return not self.lines and not self.moved

    def summary(self) -> str:
        if self.not_read and self.unchanged:
            return NOT_READ
        if self.unchanged:
            return UNCHANGED
        parts = []
        if self.lines:
            parts.append(f"读入的数据有 {len(self.lines)} 处改变")
        if self.moved:
            parts.append(f"{self.moved} 行数值未变、仅行号改变")
        return "，".join(parts)

    def short(self) -> str:
        """The summary without the rows that only moved: what an output's difference is put down to."""
        if self.lines:
            return f"读入的数据有 {len(self.lines)} 处改变"
        return self.summary() if self.unchanged else "读入的数据数值未变，仅行号改变"


def _where(sheet: str, row) -> str:
    at = f"第{row}行" if row is not None else "（整份文件）"
    return (f"“{sheet}”表" if sheet else "") + at


def _shown(row: dict, f: str) -> str:
    value = row.get(f, "")
    if f in ("value", "denominator"):
        raw = row.get("raw_" + f, "")
        value = value or "空"
        return f"{value}（原文“{raw}”）" if raw and raw != value else value
    return value or "空"


def _accepted_key(row: dict, unit: str) -> tuple[str, str]:
    return row.get("unit", unit), row.get("indicator", "")


def _describe(row: dict) -> str:
    parts = []
    if row.get("value") or row.get("raw_value"):
        parts.append(f"累计完成值 {_shown(row, 'value')}")
    if row.get("denominator"):
        parts.append(f"基数 {_shown(row, 'denominator')}")
    if row.get("status"):
        parts.append(f"进展状态 {row['status']}")
    return "，".join(parts) or "无数值"


def diff_file(name: str, recorded: dict | None, now: dict | None) -> FileDiff:
    """Compare what ingest made of one file at the run (recorded) with what it makes of it now."""
    out = FileDiff(name)
    recorded = recorded or {"unit": "", "sheet": "", "status": "", "accepted": [], "rejected": []}
    now = now or {"unit": "", "sheet": "", "status": "", "accepted": [], "rejected": []}
    for key, label in (("status", "读取结果"), ("unit", "填报单位"), ("sheet", "工作表")):
        old, new = recorded.get(key, ""), now.get(key, "")
        if old != new:
            old = STATUS_LABELS.get(old, old) if key == "status" else old
            new = STATUS_LABELS.get(new, new) if key == "status" else new
            out.lines.append(f"{label}：记录 {old or '无'} → 现在 {new or '无'}")
    old_unit, new_unit = recorded.get("unit", ""), now.get("unit", "")
    old_sheet, new_sheet = recorded.get("sheet", ""), now.get("sheet", "")
    old_rows = {_accepted_key(r, old_unit): r for r in recorded.get("accepted", [])}
    new_rows = {_accepted_key(r, new_unit): r for r in now.get("accepted", [])}
    for key in sorted(old_rows.keys() | new_rows.keys()):
        unit, code = key
        old, new = old_rows.get(key), new_rows.get(key)
        if old is None:
            out.lines.append(f"新增：{unit} {code} {_describe(new)}（{_where(new_sheet, new.get('row'))}）")
        elif new is None:
            out.lines.append(f"删除：{unit} {code} 记录为 {_describe(old)}（原{_where(old_sheet, old.get('row'))}），"
                             "现在文件中没有这一行")
        else:
            changes = []
            for f in ("value", "denominator", "status", "approximate", "texts"):
                if old.get(f, "") != new.get(f, "") or (f in ("value", "denominator")
                                                         and old.get("raw_" + f, "") != new.get("raw_" + f, "")):
                    if f == "texts":
                        changes.append(f"{FIELD_LABELS[f]}已改变")
                    else:
                        changes.append(f"{FIELD_LABELS[f]}：记录 {_shown(old, f)} → 现在 {_shown(new, f)}")
            moved = old.get("row") != new.get("row")
            if changes:
                at = _where(new_sheet, new.get("row"))
                if moved:
                    at += f"，原第{old.get('row')}行"
                out.lines.append(f"修改：{unit} {code} " + "；".join(changes) + f"（{at}）")
            elif moved:
                out.moved += 1
    old_rej = Counter(_reject_key(r) for r in recorded.get("rejected", []))
    new_rej = Counter(_reject_key(r) for r in now.get("rejected", []))
    rows_now = {_reject_key(r): r.get("row") for r in now.get("rejected", [])}
    rows_then = {_reject_key(r): r.get("row") for r in recorded.get("rejected", [])}
    for key in sorted((new_rej - old_rej).elements()):
        out.lines.append(f"新增退回：{_reject_text(key)}（{_where(new_sheet, rows_now[key])}）")
    for key in sorted((old_rej - new_rej).elements()):
        out.lines.append(f"不再退回：{_reject_text(key)}（原{_where(old_sheet, rows_then[key])}）")
    return out


def _reject_key(row: dict) -> tuple[str, str, str, str]:
    return row.get("unit", ""), row.get("indicator", ""), row.get("raw_value", ""), row.get("reason", "")


def _reject_text(key: tuple[str, str, str, str]) -> str:
    unit, code, raw, reason = key
    head = " ".join(x for x in (unit, code) if x)
    value = f"“{raw}”" if raw else ""
    return "".join(x for x in (head + " " if head else "", value, "：" if value else "", reason))


def diff_quarter(recorded: dict[str, dict | None], now: dict[str, dict]) -> dict[str, FileDiff]:
    """source_file → FileDiff for every file recorded or read now (recorded None: nothing was recorded)."""
    return {name: diff_file(name, recorded.get(name), now.get(name))
            for name in sorted(recorded.keys() | now.keys())}
