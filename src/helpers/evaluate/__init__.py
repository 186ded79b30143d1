"""Evaluation (docs/evaluation.md, docs/plan_life.md, docs/incentives.md): the processed
submissions of a quarter and the quarters before it → completion, pace (序时进度), status,
scores, reporting states, flags, trend; the reward rules' estimate. Pure functions of data in
and data out; `evaluate_quarter` is the edge that reads and writes data/processed/<quarter>/.

May import: helpers.contract, helpers.plan.
"""

from helpers import public_names

# public name → the module of this package that defines it (a module's own name: the module itself)
_PUBLIC = {
    "evaluate_quarter": "completion"
}
__all__ = sorted(_PUBLIC)
__getattr__ = public_names(__name__, _PUBLIC)
