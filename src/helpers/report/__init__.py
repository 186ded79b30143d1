"""What leaders and units read (docs/outputs.md): the report's sections, tables and charts,
the HTML and PDF (render), the .docx, the Excel 汇总表, 退回补报通知, the office's commentary,
single-unit scorecards and their PDFs. Reads processed data through helpers.contract.

May import: helpers.contract, helpers.plan, helpers.evaluate.
"""

from helpers import public_names

# public name → the module of this package that defines it (a module's own name: the module itself)
_PUBLIC = {
    "charts": "charts", "commentary": "commentary", "html_table": "tables", "scorecards": "scorecards",
    "sections": "sections", "write_draft": "commentary"
}
__all__ = sorted(_PUBLIC)
__getattr__ = public_names(__name__, _PUBLIC)
