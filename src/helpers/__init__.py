"""埇桥区农村电商优化升级工作评估 — the evaluation workbook's package.

Data flows raw → processed → reports:
  reference  the plan as data (units, tasks, indicators, parameters), validated on load
  ingest     data/raw/<quarter>/ submissions → data/processed/<quarter>/ submissions.csv, rejects.csv
  completion completion, pace and status against the plan → completion.csv
  render     executed notebooks → self-contained HTML and PDF reports
"""

__version__ = "0.1.0"
