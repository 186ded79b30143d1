"""What every step of the workbook shares, and nothing else (docs/datasets.md).

  paths       where things live (the project, a quarter's raw and processed folders)
  datasets    every processed dataset: file, columns, types, the one boolean encoding
  vocabulary  the workbook's words: statuses and lights, reporting states, reject and flag kinds
  values      cell values as units write them (numbers as text, money units, dates)
  outputs     deterministic CSV and JSON writing
  startup     what a fresh interpreter of the workbook skips importing (the command, the PDF worker)

May import: nothing else in helpers.
"""

from helpers import public_names

# public name → the module of this package that defines it (a module's own name: the module itself)
_PUBLIC = {
    "datasets": "datasets", "processed_dir": "paths", "reference_dir": "paths", "resolve_data_dir": "paths",
    "trim_imports": "startup"
}
__all__ = sorted(_PUBLIC)
__getattr__ = public_names(__name__, _PUBLIC)
