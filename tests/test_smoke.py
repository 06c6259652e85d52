"""Smoke tests for the command-line surface shared by every command."""

from gdcli import __version__


def test_version(cli):
    r = cli("--version")
    assert r.exit_code == 0
    assert r.stdout.strip() == f"gdcli {__version__}"


def test_grad_seed_example(cli_json):
    doc = cli_json("grad", "2*w0**2 + 3*w1**2", "--at", "w0=3,w1=4")
    assert doc["value"] == 66
    assert doc["gradient"] == [12, 24]
    assert doc["partials"] == ["4*w0", "6*w1"]
