"""Running the steps (docs/limits.md, docs/audit.md): `yqeval run` (pipeline: history ingest,
the three notebooks, render, deliverables), the run's lock and journal (runstate), warm kernels
(kernels; one kernel for the three notebooks, reset between them: freshkernel), scorecards in batch
(cards), reminders, and the auditor's verify, which re-runs a quarter.

May import: helpers.contract, helpers.plan, helpers.ingest, helpers.evaluate, helpers.report, helpers.audit.
"""

from helpers import public_names

# public name → the module of this package that defines it (a module's own name: the module itself)
_PUBLIC = {
    "Busy": "runstate", "card_context": "cards", "command_hint": "reminders", "ensure_processed": "cards", "main_run": "pipeline",
    "run_lock": "runstate", "run_reminders": "reminders", "run_scorecards": "cards", "verify": "verification"
}
__all__ = sorted(_PUBLIC)
__getattr__ = public_names(__name__, _PUBLIC)
