"""What every command shares: options declared once, options built from defaults/YAML/flags, errors to exit codes."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from gdcli.commands.common import build_options
from gdcli.errors import GdcliError

ISSUES_URL = "https://github.com/gdcli/gdcli/issues"
DEBUG = {"on": bool(os.environ.get("GDCLI_DEBUG"))}


# -- options declared once ---------------------------------------------------------------------------------
Json = Annotated[Optional[bool], typer.Option("--json", help="Print one JSON document on stdout and nothing else there.", show_default=False)]
Config = Annotated[Optional[Path], typer.Option("--config", help="Read options from a YAML file; flags given here override it.", show_default=False)]
Vars = Annotated[Optional[str], typer.Option("--vars", help="Variable order, e.g. w1,w0 (default: natural sort).", show_default=False)]
At = Annotated[Optional[str], typer.Option("--at", help="The point: w0=3,w1=4, or 3,4 in variable order.", show_default=False)]
Seed = Annotated[Optional[int], typer.Option("--seed", help="Random seed (default 0).", show_default=False)]
Plot = Annotated[Optional[Path], typer.Option("--plot", help="Write a picture to this file; the extension picks the format: .png, .svg or .pdf.", show_default=False)]
Levels = Annotated[Optional[str], typer.Option("--levels", metavar="L1,L2,...", help="Contour levels of a two-variable --plot, e.g. 1,2,5 (default: spread over the window).", show_default=False)]
Expr = Annotated[Optional[str], typer.Argument(help="The expression, e.g. \"2*w0**2 + 3*w1**2\".", show_default=False)]
# The optimisers' hyper-parameters, shared by descend and fit (gdcli/engine/optim/transforms.py).
Momentum = Annotated[Optional[float], typer.Option(help="Momentum β for momentum and nesterov (default 0.9).", show_default=False)]
Beta1 = Annotated[Optional[float], typer.Option(help="Adam's β1 (default 0.9).", show_default=False)]
Beta2 = Annotated[Optional[float], typer.Option(help="Adam's β2 (default 0.999).", show_default=False)]
TimeLimit = Annotated[Optional[float], typer.Option("--time-limit", metavar="SECONDS", help="Seconds of symbolic work (SymPy) allowed; past it a step falls back to numbers with a note, or stops with exit 2 naming it (default 5).", show_default=False)]
RmspropAlpha = Annotated[Optional[float], typer.Option("--rmsprop-alpha", help="RMSprop's decay α of the mean of squared gradients, as torch.optim.RMSprop's alpha (default 0.99).", show_default=False)]
Eps = Annotated[Optional[float], typer.Option(help="ε of adagrad, rmsprop and adam (default 1e-8).", show_default=False)]

class ExpressionCommand(typer.core.TyperCommand):
    """A command whose expression may start with a minus: `gdcli convex "-log(x)"` works without `--`.

    Click reads any token that starts with '-' as an option. A single-dash token that names no option of this
    command (and is not the value of the option before it) is taken as the expression and moved behind `--`.
    Double-dash typos (`--lrr`) still get Click's "No such option ... did you mean" error.
    """

    def parse_args(self, ctx, args):
        params = self.get_params(ctx)  # includes --help/-h, which Click adds
        names = {o for p in params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}
        takes_value = {o for p in params if getattr(p, "param_type_name", "") == "option" and not p.is_flag
                       for o in p.opts}
        kept, moved, after_option = [], [], False
        for i, token in enumerate(args):
            if token == "--":
                kept += args[i:]
                break
            if (not after_option and token.startswith("-") and not token.startswith("--") and len(token) > 1
                    and token not in names):
                moved.append(token)
            else:
                kept.append(token)
            after_option = token in takes_value
        if moved:
            if "--" not in kept:
                kept.append("--")
            cut = kept.index("--") + 1
            kept[cut:cut] = moved
        return super().parse_args(ctx, kept)


@contextlib.contextmanager


def exit_codes():
    """The one place errors become exit codes (SPEC §4)."""
    try:
        yield
    except typer.Exit:
        raise
    except GdcliError as exc:
        sys.stdout.flush()
        print(exc.render(), file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug: say so briefly, the traceback only with --debug
        if DEBUG["on"]:
            traceback.print_exc()
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno}); "
              f"please report it at {ISSUES_URL}" + ("" if DEBUG["on"] else " (rerun with --debug for the traceback)"),
              file=sys.stderr)
        raise typer.Exit(3) from None


def say_picture(result, plot, json) -> None:
    """`plot: FILE` under the tables once a picture given by flag was written."""
    if result is not None and plot is not None and not json:
        typer.echo(f"plot: {plot}")


def run(cls, command: str, config: Path | None, given: dict, compute: Callable, document: Callable, render: Callable):
    """Build options, compute, then print JSON or the tables; returns the result for a command to act on."""
    with exit_codes():
        opts = build_options(cls, config, given, command)
        result = compute(opts)
        if getattr(opts, "json", False):
            from gdcli.render.output import emit_json

            emit_json(document(result))
        else:
            from gdcli.render.output import console

            render(result, console())
        return result
