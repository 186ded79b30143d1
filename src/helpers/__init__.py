"""Evaluation workbook for a county or district 工作方案 (the plan is data: data/reference) — the package.

Data flows raw → processed → reports:
  reference  the plan as data (units, tasks, indicators, parameters), validated on load
  ingest     data/raw/<quarter>/ submissions → data/processed/<quarter>/ submissions.csv, rejects.csv
  completion completion, pace and status against the plan → completion.csv
  render     executed notebooks → self-contained HTML and PDF reports
"""

__version__ = "0.1.0"
