"""Real processes: `python -m gdcli`, what grad/hessian import, and one JSON document on stdout."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SEED = "2*w0**2 + 3*w1**2"


def gdcli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gdcli", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_python_m_gdcli_json_is_one_document():
    r = gdcli("grad", SEED, "--at", "w0=3,w1=4", "--step", "0.0003,0.0004", "--json")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    doc, end = json.JSONDecoder().raw_decode(r.stdout)
    assert r.stdout[end:].strip() == ""  # nothing after the one document
    assert doc["value"] == 66 and doc["step"]["actual_change"] == pytest.approx(0.01320066, rel=1e-9)


def test_hessian_json_is_one_document():
    r = gdcli("hessian", "w0**2 + 2*w0*w1 + 3*w1**2", "--at", "0,0", "--step", "0.1,0.1", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["classification"] == "minimum" and doc["taylor"]["error_second"] == pytest.approx(0, abs=1e-14)


def test_refusal_in_a_real_process_has_no_side_effect(tmp_path):
    r = gdcli("grad", "__import__('os').system('touch CANARY')", "--at", "1", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == "" and r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


_PROBE = """
import sys
from gdcli.cli.app import main
sys.argv = ["gdcli", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print("HEAVY", sorted(m for m in ("torch", "matplotlib", "pydantic") if m in sys.modules), code, file=sys.stderr)
"""


@pytest.mark.parametrize("args", [
    ["grad", SEED, "--at", "3,4", "--direction", "1,1", "--step", "0.0003,0.0004", "--method", "numeric"],
    ["hessian", "w0**2 + 2*w0*w1 + 3*w1**2", "--at", "0,0", "--step", "0.1,0.1", "--json"],
])
def test_grad_and_hessian_never_import_torch_or_matplotlib(args):
    r = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120)
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("HEAVY") and last.endswith(" 0"), r.stderr  # the probe ran and the command succeeded
    assert "torch" not in last and "matplotlib" not in last, last


def test_help_lists_the_commands_that_exist():
    r = gdcli("--help")
    assert r.returncode == 0
    assert "grad" in r.stdout and "hessian" in r.stdout
    assert gdcli("--version").stdout.startswith("gdcli ")


@pytest.mark.parametrize("command", ["grad", "hessian"])
def test_command_help_has_an_example(cli, command):
    r = cli(command, "--help")
    assert r.exit_code == 0 and "Example" in r.stdout and f"gdcli {command} " in r.stdout
