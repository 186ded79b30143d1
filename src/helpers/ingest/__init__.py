"""Ingest: the quarter's submission files as received → submissions.csv, rejects.csv, ingest_log.json.

The rules are in docs/submissions.md. In short: find the table, learn who and when the file is from,
turn every row into exactly one of accepted / rejected / skipped, then settle duplicates across all
files (equal → one, different → 数据冲突 for all of them; never a winner by order). One module a job:

- `listing`: which files of the quarter are read, under what name (the rule is `quarterfiles`);
- `onefile`: one file → its outcome, never raising (its bytes, its sheets, then the steps below);
- `form`: the form's words (headers, "key：value" keys, skip reasons);
- `locate`: the sheet that holds the table, its header, what each row is;
- `identity`: who and when — unit, quarter, 填报日期 — from the sheet and the file name;
- `rows`: one data row → accepted, rejected with its reason, or 未填写, and its notes;
- `settle`: duplicates and conflicts between files and rows;
- `records`: the typed records (a file's outcome, the log entries, the result) and their serialisation;
- `quarter`: the quarter's files through all of it, written through the contract (`helpers.contract.datasets`).

Per-file outcomes are frozen records, returned by each step, never changed in place.

Reading a file is here too: which files are read (`quarterfiles`), the checks before any reader
sees a file (`limits`), the readers (`readers`), run in a worker process (`sandbox`).

May import: helpers.contract, helpers.plan.
"""

from helpers.contract import vocabulary as W
from helpers.ingest.identity import close_unit, filename_parts
from helpers.ingest.listing import list_submission_files
from helpers.ingest.onefile import ingest_file
from helpers.ingest.quarter import ingest_files, ingest_quarter
from helpers.ingest.records import (
    REJECT_COLUMNS,
    SUBMISSION_COLUMNS,
    FileEntry,
    FileOutcome,
    IngestLog,
    IngestResult,
)
from helpers.ingest.rows import NOT_REPORTER, RowReject, indicator_code, parse_row
from helpers.ingest.settle import settle_duplicates

CONFLICT = W.CONFLICT
SAMPLE_MARK = W.SAMPLE_MARK  # synthetic inputs say so in their title rows

__all__ = [
    "CONFLICT", "NOT_REPORTER", "REJECT_COLUMNS", "SAMPLE_MARK", "SUBMISSION_COLUMNS", "FileEntry", "FileOutcome",
    "IngestLog", "IngestResult", "RowReject", "close_unit", "filename_parts", "indicator_code", "ingest_file",
    "ingest_files", "ingest_quarter", "list_submission_files", "parse_row", "settle_duplicates",
]
