"""What ingest returns, as typed records: an accepted row (`Submission`), a rejected one (`RejectRow`), a
file's entry in the log (`FileEntry`), a file's outcome (`FileOutcome`), the log (`IngestLog`) and the
result of a quarter (`IngestResult`); and their serialisation to submissions.csv, rejects.csv and
ingest_log.json (docs/datasets.md). Every record is frozen: a step that changes an outcome returns a new
one (`dataclasses.replace`), never edits the one it was given.

What the log counts, per file ("rows"): the non-empty rows of the sheet that holds the table, from
row 1 to the last row — title and "key：value" rows above the header, the header row, data rows and
note/signature rows below. Each is counted once as accepted, rejected or skipped (by reason), so
accepted + rejected + skipped == rows for every file. A file rejected as a whole has accepted = 0,
rejected = 0 and all its rows skipped as "文件被拒收" (0 rows if it could not be read at all); its
one line in rejects.csv has an empty source_row. Hence rejects.csv has Σ rejected + (files rejected)
lines. Other sheets (an instructions sheet) are not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import pandas as pd

from helpers.contract import datasets as D

SUBMISSION_COLUMNS = list(D.SUBMISSIONS.columns)  # the contract (helpers.contract.datasets, docs/datasets.md)
REJECT_COLUMNS = list(D.REJECTS.columns)

COUNTING = ("rows = 表格所在工作表的非空行数（表头上方的标题/说明行、表头、数据行、表格下方的注释行）；"
            "每个文件 accepted + rejected + skipped == rows；整份拒收的文件其各行计入 skipped“文件被拒收”，"
            "在 rejects.csv 中记一行（source_row 为空）")


@dataclass(frozen=True)
class Submission:
    """An accepted row: a line of submissions.csv, and the text it was read from (`raw`, for a conflict)."""
    quarter: str
    unit: str
    indicator: str
    value: float | None
    raw_value: str
    denominator: float | None
    raw_denominator: str
    status: str
    approximate: bool
    narrative: str
    problems: str
    next_steps: str
    evidence: str
    reported_on: str
    source_file: str
    source_sheet: str
    source_row: int
    raw: str = ""

    def to_row(self) -> dict:
        return {c: getattr(self, c) for c in SUBMISSION_COLUMNS}


@dataclass(frozen=True)
class RejectRow:
    """A line of rejects.csv: a row (source_row its 1-based number) or a whole file (source_row None)."""
    quarter: str
    source_file: str
    source_sheet: str
    source_row: int | None
    unit: str
    indicator: str
    raw_value: str
    reason: str
    kind: str

    def to_row(self) -> dict:
        return {c: getattr(self, c) for c in REJECT_COLUMNS}


_OPTIONAL = ("sample", "unit_written", "candidates", "close_unit", "detail")  # in the log only when known


@dataclass(frozen=True)
class FileEntry:
    """One file's entry in ingest_log.json "files". The counts are those of its outcome (`counted`).

    sample: whether the title rows carry the sample mark (None: the table was not reached);
    unit_written / candidates / close_unit: a unit that is not registered (docs/plan_life.md);
    detail: a library's own words on a file it could not read (the log only, never a page)."""
    file: str
    sha256: str = ""
    size: int = 0
    unit: str = ""
    quarter: str = ""
    reported_on: str = ""
    sheet: str = ""
    status: str = "ok"
    reason: str = ""
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    skipped_by_reason: tuple[tuple[str, int], ...] = ()
    warnings: tuple[str, ...] = ()
    sample: bool | None = None
    unit_written: str | None = None
    candidates: tuple[str, ...] | None = None
    close_unit: str | None = None
    detail: str | None = None

    def warn(self, *texts: str) -> FileEntry:
        """This entry with TEXTS (the empty ones left out) added to its warnings."""
        added = tuple(t for t in texts if t)
        return replace(self, warnings=self.warnings + added) if added else self

    def to_json(self) -> dict:
        out: dict = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _OPTIONAL and value is None:
                continue
            if f.name == "skipped_by_reason":
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, obj: Mapping) -> FileEntry:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in obj.items() if k in known}
        kwargs["skipped_by_reason"] = tuple(sorted(dict(obj.get("skipped_by_reason", {})).items()))
        kwargs["warnings"] = tuple(obj.get("warnings", ()))
        if obj.get("candidates") is not None:
            kwargs["candidates"] = tuple(obj["candidates"])
        return cls(**kwargs)


@dataclass(frozen=True)
class FileOutcome:
    """One file's rows and its log entry (made by `counted`, so the counts agree with the rows)."""
    entry: FileEntry
    accepted: tuple[Submission, ...] = ()
    rejects: tuple[RejectRow, ...] = ()


def counted(entry: FileEntry, accepted: Iterable[Submission] = (), rejects: Iterable[RejectRow] = (),
            skipped: Mapping[str, int] | None = None) -> FileOutcome:
    """The outcome of a file whose rows are ACCEPTED, REJECTS and SKIPPED (reason → count), its entry
    counting them: rejects of the whole file (no source_row) are not rows."""
    accepted, rejects = tuple(accepted), tuple(rejects)
    by_reason = tuple(sorted((k, v) for k, v in Counter(skipped or {}).items() if v))
    entry = replace(entry, accepted=len(accepted), rejected=sum(1 for r in rejects if r.source_row is not None),
                    skipped=sum(v for _, v in by_reason), skipped_by_reason=by_reason)
    return FileOutcome(entry, accepted, rejects)


@dataclass(frozen=True)
class IngestLog:
    """ingest_log.json: the files read, and (for a quarter's folder) the entries that are not submissions."""
    quarter: str
    files: tuple[FileEntry, ...]
    not_read: tuple[Mapping[str, str], ...] | None = None  # [{"file", "reason"}]; None: files were given

    def totals(self) -> dict:
        files = self.files
        skipped: Counter = Counter()
        for e in files:
            skipped.update(dict(e.skipped_by_reason))
        return {
            "files": len(files),
            "files_ok": sum(1 for e in files if e.status == "ok"),
            "files_rejected": sum(1 for e in files if e.status == "rejected"),
            "files_ignored": len(self.not_read or ()),
            "rows": sum(e.rows for e in files),
            "accepted": sum(e.accepted for e in files),
            "rejected": sum(e.rejected for e in files),
            "skipped": sum(e.skipped for e in files),
            "skipped_by_reason": dict(sorted(skipped.items())),
            "units": sorted({e.unit for e in files if e.status == "ok"}),
        }

    def to_json(self) -> dict:
        out = {"quarter": self.quarter, "counting": COUNTING, "files": [e.to_json() for e in self.files],
               "ignored": [item["file"] for item in self.not_read or ()], "totals": self.totals()}
        if self.not_read is not None:
            out["not_read"] = [dict(item) for item in self.not_read]
        return out

    @classmethod
    def from_json(cls, obj: Mapping) -> IngestLog:
        not_read = obj.get("not_read")
        return cls(obj["quarter"], tuple(FileEntry.from_json(e) for e in obj.get("files", [])),
                   None if not_read is None else tuple(dict(item) for item in not_read))


def frames(outcomes: Iterable[FileOutcome], unit_order: list[str], code_order: list[str]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(submissions, rejects) of the outcomes, in the contract's columns: submissions by the registry's
    unit order and the catalogue's indicator order, rejects by file, row and reason."""
    outcomes = list(outcomes)
    units = {name: i for i, name in enumerate(unit_order)}
    codes = {code: i for i, code in enumerate(code_order)}
    accepted = sorted((r for o in outcomes for r in o.accepted),
                      key=lambda r: (units.get(r.unit, len(units)), codes[r.indicator], r.source_file, r.source_row))
    rejects = sorted((r for o in outcomes for r in o.rejects),
                     key=lambda r: (r.source_file, -1 if r.source_row is None else r.source_row, r.reason))
    submissions = pd.DataFrame([r.to_row() for r in accepted], columns=SUBMISSION_COLUMNS)
    submissions["value"] = pd.to_numeric(submissions["value"], errors="coerce").astype(float)
    submissions["denominator"] = pd.to_numeric(submissions["denominator"], errors="coerce").astype(float)
    submissions["approximate"] = submissions["approximate"].map({True: D.TRUE, False: D.FALSE})
    submissions["source_row"] = submissions["source_row"].astype("Int64")
    rejects_df = pd.DataFrame([r.to_row() for r in rejects], columns=REJECT_COLUMNS)
    rejects_df["source_row"] = rejects_df["source_row"].astype("Int64")
    return submissions.reset_index(drop=True), rejects_df.reset_index(drop=True)


@dataclass(frozen=True)
class IngestResult:
    """A quarter's ingest: the two tables, the log as ingest_log.json holds it (`log`, a dict; `record`, the
    typed log it was made from) and the files written (none for `ingest_files`)."""
    quarter: str
    submissions: pd.DataFrame
    rejects: pd.DataFrame
    log: dict
    written: list[Path] = field(default_factory=list)
    record: IngestLog | None = None

    def files_table(self) -> pd.DataFrame:
        """log["files"] as a table, one column per FileEntry field even when the quarter has no file."""
        return pd.DataFrame(self.log["files"], columns=[f.name for f in fields(FileEntry)])

    def summary(self) -> str:
        t = self.log["totals"]
        skipped = "，".join(f"{k} {v}" for k, v in t["skipped_by_reason"].items())
        lines = [
            f"{self.quarter} 报送文件 {t['files']} 个：读取 {t['files_ok']} 个，整体拒收 {t['files_rejected']} 个"
            + (f"，忽略 {t['files_ignored']} 个" if t["files_ignored"] else ""),
            f"数据行：接收 {t['accepted']}，拒收 {t['rejected']}，跳过 {t['skipped']}"
            + (f"（{skipped}）" if skipped else ""),
        ]
        not_read = self.log.get("not_read", [])
        lines += [f"未读取：{item['file']}（{item['reason']}）" for item in not_read[:10]]
        if len(not_read) > 10:
            lines.append(f"另有 {len(not_read) - 10} 个未读取的条目，见 ingest_log.json 的 not_read")
        conflicts = len(D.conflict_rows(self.rejects))
        if conflicts:
            lines.append(f"其中数据冲突 {conflicts} 行，须人工核实")
        if self.written:  # no absolute path: the summary is shown in executed notebooks, which must reproduce
            lines.append(f"已写出：processed/{self.quarter}/ 下的 " + "、".join(p.name for p in self.written))
        return "\n".join(lines)
