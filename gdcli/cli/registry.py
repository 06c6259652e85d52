"""The commands the YAML runner can run, by name, as their CLI modules (imported only when used)."""

from __future__ import annotations

import importlib

COMMANDS = {
    "grad": "gdcli.cli.grad",
    "hessian": "gdcli.cli.hessian",
    "gradcheck": "gdcli.cli.gradcheck",
    "convex": "gdcli.cli.convex",
    "descend": "gdcli.cli.descend",
    "fractal": "gdcli.cli.fractal",
    "fit": "gdcli.cli.fit",
}


def command_module(name: str):
    return importlib.import_module(COMMANDS[name])
