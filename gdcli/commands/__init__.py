"""One module per command, free of any front end: its options dataclass, `compute(options)` and `document(result)`.

Both front ends drive them: `cli/` (flags -> options -> compute -> render) and `experiments/` (a YAML file ->
options -> compute -> checks). A module may also offer `artifacts(result, options, folder)`, the files the YAML
runner writes for it.
"""

from __future__ import annotations

import importlib

COMMANDS = ("grad", "hessian", "gradcheck", "convex", "descend", "fractal", "fit", "critical", "taylor")


def command_module(name: str):
    """The command's module, imported on first use (fit's is the only one that may pull in torch)."""
    return importlib.import_module(f"gdcli.commands.{name}")
