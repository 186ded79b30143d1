"""What a run read and wrote (docs/audit.md): the manifest (reports/<quarter>/manifest.json)
with every input's hash and what ingest made of it, and what changed inside an input since.

May import: helpers.contract, helpers.plan, helpers.ingest.
"""

from helpers import public_names

# public name → the module of this package that defines it (a module's own name: the module itself)
_PUBLIC = {

}
__all__ = sorted(_PUBLIC)
__getattr__ = public_names(__name__, _PUBLIC)
