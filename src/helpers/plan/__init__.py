"""The plan as data (docs/plans.md, docs/params.md): plan.yaml, the unit registry, tasks,
indicators, reward rules and parameters, checked on load; reporting quarters; `plan init` and
`plan check`; the prefilled forms sent to units (templates).

May import: helpers.contract.
"""

from helpers import public_names

# public name → the module of this package that defines it (a module's own name: the module itself)
_PUBLIC = {
    "Period": "quarters", "check_plan": "planinit", "init_plan": "planinit", "load_plan": "reference",
    "parse_date": "quarters", "quarters": "quarters", "reference": "reference", "write_templates":
    "templates"
}
__all__ = sorted(_PUBLIC)
__getattr__ = public_names(__name__, _PUBLIC)
