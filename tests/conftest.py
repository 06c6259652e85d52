"""Shared test helpers: invoke the CLI in-process and parse its JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gdcli.cli.app import app


@pytest.fixture
def cli():
    """cli(*args) -> click Result with .exit_code, .stdout, .stderr."""
    runner = CliRunner()

    def invoke(*args, **kwargs):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return invoke


@pytest.fixture
def cli_json(cli):
    """cli_json(*args) -> the parsed JSON document of a successful `--json` run."""

    def invoke(*args, exit_code=0):
        result = cli(*args, "--json")
        assert result.exit_code == exit_code, result.stderr + result.stdout
        return json.loads(result.stdout)

    return invoke
