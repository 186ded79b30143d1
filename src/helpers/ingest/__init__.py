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

from helpers import public_names
from helpers.contract import vocabulary as W

CONFLICT = W.CONFLICT
SAMPLE_MARK = W.SAMPLE_MARK  # synthetic inputs say so in their title rows

# public name → the module of this package that defines it, imported on first use: the readers' worker
# process (sandbox) imports this package for the readers only, not pandas and the steps (≈0.4 s a start)
_PUBLIC = {
    "NOT_REPORTER": "rows", "REJECT_COLUMNS": "records", "SUBMISSION_COLUMNS": "records", "FileEntry": "records",
    "FileOutcome": "records", "IngestLog": "records", "IngestResult": "records", "RowReject": "rows",
    "close_unit": "identity", "filename_parts": "identity", "indicator_code": "rows", "ingest_file": "onefile",
    "ingest_files": "quarter", "ingest_quarter": "quarter", "list_submission_files": "listing",
    "parse_row": "rows", "settle_duplicates": "settle",
}
__all__ = sorted(["CONFLICT", "SAMPLE_MARK", *_PUBLIC])
__getattr__ = public_names(__name__, _PUBLIC)
