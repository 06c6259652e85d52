"""The Typer app: registers one thin module per command; `gdcli --version`, `--debug`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from gdcli import __version__
from gdcli.cli import common
from gdcli.cli.convex import convex
from gdcli.cli.critical import critical
from gdcli.cli.descend import descend
from gdcli.cli.fractal import fractal
from gdcli.cli.fit import fit
from gdcli.cli.grad import grad
from gdcli.cli.gradcheck import gradcheck
from gdcli.cli.hessian import hessian
from gdcli.cli.run import run
from gdcli.cli.taylor import taylor

app = typer.Typer(
    name="gdcli",
    help="A command-line laboratory for gradients and optimisation.\n\nExample: gdcli grad \"2*w0**2 + 3*w1**2\" --at w0=3,w1=4",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=common.Group,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# One line per command; each module holds the command function and its options dataclass.
app.command("grad", cls=common.ExpressionCommand)(grad)
app.command("hessian", cls=common.ExpressionCommand)(hessian)
app.command("descend", cls=common.ExpressionCommand)(descend)
app.command("fit")(fit)
app.command("convex", cls=common.ExpressionCommand)(convex)
app.command("gradcheck", cls=common.ExpressionCommand)(gradcheck)
app.command("critical", cls=common.ExpressionCommand)(critical)
app.command("taylor", cls=common.ExpressionCommand)(taylor)
app.command("fractal")(fractal)
app.command("run")(run)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gdcli {__version__}")
        raise typer.Exit()


@app.callback()


def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for internal errors.")] = False,
):
    """A command-line laboratory for gradients and optimisation."""
    if debug:
        common.DEBUG["on"] = True


def main() -> None:
    app()
