"""Every `gdcli ...` command shown in README.md runs, in-process, with the exit code the README shows.

A command is any line of a fenced code block that starts with `gdcli ` (or `$ gdcli `). It must exit 0, unless
the README shows its output and that output has an `error:` line (then 2), or the line ends with a comment
`# exit N`. Output shown under a `$ gdcli ...` line must appear in what the command prints (a line ending in
`...` is matched up to the dots). Commands whose subcommand is not registered yet are skipped, so examples of
commands still being built do not break the suite, and are checked as soon as the command lands.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from gdcli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
EXIT_COMMENT = re.compile(r"#\s*exit\s+(\d+)\s*$")


def readme_commands() -> list[tuple[str, int, list[str]]]:
    """(command line, expected exit code, output lines shown under it) for each example in the README."""
    examples = []
    for block in FENCE.findall(README.read_text(encoding="utf-8")):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            text = line.strip()
            prompt = text.startswith("$ ")
            text = text[2:] if prompt else text
            if not text.startswith("gdcli ") and text != "gdcli":
                continue
            shown = []
            if prompt:  # output follows until the next prompt
                for out in lines[i + 1:]:
                    if out.strip().startswith("$ "):
                        break
                    shown.append(out.rstrip())
            m = EXIT_COMMENT.search(text)
            code = int(m.group(1)) if m else (2 if any(s.startswith("error:") for s in shown) else 0)
            examples.append((text, code, [s for s in shown if s.strip()]))
    return examples


EXAMPLES = readme_commands()


def registered() -> set[str]:
    return set(typer.main.get_command(app).commands)


def test_readme_has_examples_for_every_registered_command():
    shown = {shlex.split(text, comments=True)[1] for text, _, _ in EXAMPLES if len(shlex.split(text, comments=True)) > 1}
    missing = registered() - shown
    assert not missing, f"README.md has no example for: {', '.join(sorted(missing))}"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A scratch folder that sees the repository's files (experiments/, data) but takes any new ones."""
    for entry in ROOT.iterdir():
        if entry.name not in (".git", ".venv", "results") and not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("text, code, shown", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_readme_example_runs(cli, workdir, text, code, shown):
    argv = shlex.split(text, comments=True)[1:]
    command = next((a for a in argv if not a.startswith("-")), None)
    if command is not None and command not in registered():
        pytest.skip(f"`gdcli {command}` is not registered yet")
    result = cli(*argv)
    output = result.stdout + result.stderr
    assert result.exit_code == code, f"{text}\nexit {result.exit_code}\n{output}"
    assert "Traceback" not in output
    for line in shown:
        want = line[:-3].rstrip() if line.endswith("...") else line
        assert want.strip() in output, f"README shows {line!r}; the command printed:\n{output}"


PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


@pytest.mark.parametrize("code", PYTHON_BLOCK.findall(README.read_text(encoding="utf-8")))
def test_readme_python_examples_run(code):
    """The library examples run as written, and print what their `# ...` comments on print lines say."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    promised = [line.split("#", 1)[1].strip() for line in code.splitlines() if line.startswith("print(") and "#" in line]
    for want in promised:
        assert want in p.stdout, f"README promises {want!r}; printed {p.stdout!r}"
