"""The start-up shortcut in `common` (no pydantic for absent or plain-string options) keeps typer's coercion intact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer
from typer.testing import CliRunner

import gdcli.cli.common  # noqa: F401 - installs the shortcut


def _app(seen: dict) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def probe(
        text: Annotated[Optional[str], typer.Argument()] = None,
        seed: Annotated[Optional[int], typer.Option()] = None,
        lr: Annotated[Optional[List[float]], typer.Option()] = None,
        steps: Annotated[Optional[int], typer.Option(min=1)] = None,
        out: Annotated[Optional[Path], typer.Option()] = None,
        flag: Annotated[Optional[bool], typer.Option("--flag")] = None,
    ):
        seen.update(text=text, seed=seed, lr=lr, steps=steps, out=out, flag=flag)

    @app.command()
    def other():  # two commands, so typer keeps `probe` as a subcommand
        pass

    return app


def test_values_are_still_coerced():
    seen: dict = {}
    r = CliRunner().invoke(_app(seen), ["probe", "x**2", "--seed", "7", "--lr", "0.1", "--lr", "1e-2", "--steps", "3",
                                        "--out", "a/b.png", "--flag"])
    assert r.exit_code == 0, r.output
    assert seen == {"text": "x**2", "seed": 7, "lr": [0.1, 0.01], "steps": 3, "out": Path("a/b.png"), "flag": True}


def test_absent_values_stay_none():
    seen: dict = {}
    r = CliRunner().invoke(_app(seen), ["probe"])
    assert r.exit_code == 0, r.output
    assert seen["seed"] is None and seen["text"] is None and not seen["lr"] and seen["flag"] is None


def test_bad_values_are_still_refused():
    for args in (["--seed", "seven"], ["--steps", "0"], ["--lr", "fast"]):
        r = CliRunner().invoke(_app({}), ["probe", *args])
        assert r.exit_code == 2, (args, r.output)
