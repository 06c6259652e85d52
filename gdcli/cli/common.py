"""What every command shares: options declared once, options built from defaults/YAML/flags, errors to exit codes."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from gdcli.commands.common import build_options
from gdcli.errors import GdcliError, safe_text

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


def issues_url() -> str:
    """The issue tracker declared in pyproject.toml ([project.urls] Issues), read from the installed metadata."""
    from importlib import metadata

    try:
        for entry in metadata.metadata("gdcli").get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("issues", "bug tracker", "tracker"):
                return url.strip()
    except metadata.PackageNotFoundError:
        pass
    return "the gdcli issue tracker (see pyproject.toml)"


def cannot_write(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else "<stdout>"
    return f"error: cannot write {safe_text(str(name))}: {exc.strerror or exc}"


def check_writable_folder(folder: Path) -> None:
    """Make the output folder and write a probe file in it, so that a file in the way, a read-only file system
    or a missing permission is one line (exit 2) before any work is done."""
    import tempfile

    from gdcli.errors import OutputError

    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except FileExistsError:
        raise OutputError(f"cannot write {folder}: a file of that name is in the way") from None
    except OSError as exc:
        raise OutputError(f"cannot write {folder}: {exc.strerror or exc}") from None


def quiet_stdout() -> None:
    """After the reader of our stdout went away: send what is left to /dev/null so the exit is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


@contextlib.contextmanager
def exit_codes():
    """The one place errors become exit codes (SPEC §4)."""
    try:
        yield
    except typer.Exit:
        raise
    except GdcliError as exc:
        _flush_quietly()
        print(exc.render(), file=sys.stderr)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise typer.Exit(130) from None
    except BrokenPipeError:  # the reader closed the pipe (`| head -1`): a normal end
        quiet_stdout()
        raise typer.Exit(0) from None
    except SystemExit as exc:  # Rich turns a closed pipe into SystemExit(1) after silencing stdout
        if isinstance(exc.__context__, BrokenPipeError):
            raise typer.Exit(0) from None
        raise
    except OSError as exc:
        if exc.errno in WRITE_ERRNOS:
            print(cannot_write(exc), file=sys.stderr)
            raise typer.Exit(2) from None
        _internal(exc)
    except MemoryError:
        print("error: out of memory: ask for less (fewer points, samples or rows)", file=sys.stderr)
        raise typer.Exit(2) from None
    except Exception as exc:  # a bug: say so briefly, the traceback only with --debug
        _internal(exc)


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        quiet_stdout()


def _internal(exc: Exception):
    if DEBUG["on"]:
        traceback.print_exc()
    where = traceback.extract_tb(exc.__traceback__)[-1]
    print(f"internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno}); "
          f"please report it at {issues_url()}" + ("" if DEBUG["on"] else " (rerun with --debug for the traceback)"),
          file=sys.stderr)
    raise typer.Exit(3) from None


# Errors that mean the place we write to cannot take the file: the environment, not a bug (exit 2).
WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.EDQUOT,
                errno.EFBIG, errno.ENAMETOOLONG}


def _usage_line(exc) -> str:
    """Click's usage errors as the one line the README promises."""
    from typer._click import exceptions as click_exceptions

    if isinstance(exc, click_exceptions.NoSuchOption):
        import difflib

        best = difflib.get_close_matches(exc.option_name, list(exc.possibilities or ()), n=1, cutoff=0)
        hint = f" (did you mean {best[0]}?)" if best else ""
        command = f"; see {exc.ctx.command_path} --help" if exc.ctx is not None and not hint else ""
        return f"error: no such option {safe_text(exc.option_name)}{hint}{command}"
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    message = " ".join(message.split()).rstrip(".")
    message = message[:1].lower() + message[1:]
    where = f" (see {exc.ctx.command_path} --help)" if getattr(exc, "ctx", None) is not None else ""
    return f"error: {safe_text(message)}{where}"


def _take_debug(args: list[str]) -> tuple[list[str], bool]:
    """`--debug` is accepted anywhere before `--`, after the subcommand too."""
    cut = args.index("--") if "--" in args else len(args)
    head = [a for a in args[:cut] if a != "--debug"]
    return head + args[cut:], len(head) != cut


class Group(typer.core.TyperGroup):
    """The app's group: one-line usage errors (exit 2), `--debug` anywhere, a closed pipe is a normal end (exit 0),
    and stdout that cannot be written (/dev/full) is exit 2 with one line."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer._click import exceptions as click_exceptions

        args, debug = _take_debug(list(sys.argv[1:] if args is None else args))
        if debug:
            DEBUG["on"] = True
        try:
            try:
                rv = super().main(args, prog_name or "gdcli", complete_var, standalone_mode=False, **extra)
                code = rv if type(rv) is int else 0
            except click_exceptions.ClickException as exc:
                print(_usage_line(exc), file=sys.stderr)
                code = exc.exit_code
            except typer.Abort:
                print("interrupted", file=sys.stderr)
                code = 130
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_stdout()
            code = 0
        except OSError as exc:
            if exc.errno not in WRITE_ERRNOS:
                raise
            quiet_stdout()
            print(cannot_write(exc), file=sys.stderr)
            code = 2
        if standalone_mode:
            sys.exit(code)
        return code


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
