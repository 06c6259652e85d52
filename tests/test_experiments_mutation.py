"""The seed experiments' checks can fail: change a coefficient of the expression by +37% and the experiment must fail.

For each file in experiments/ whose expression (or `generate:` function) has a numeric literal, the first
coefficient (a literal that is not an exponent; an exponent only when there is nothing else) is multiplied by
1.37 in every run, and the experiment is run in-process. A file whose claim a coefficient legitimately cannot
change says so in a `# mutation-immune: <reason>` comment; it must then still pass, so the comment cannot hide a
check that merely fails to look.
"""

import dataclasses
import re
from pathlib import Path

import pytest

from gdcli.experiments.runner import run_all
from gdcli.experiments.schema import expand_paths, load_experiment

ROOT = Path(__file__).resolve().parents[1]
FILES = expand_paths([str(ROOT / "experiments")])
SUBJECTS = ("expression", "generate")
# A number standing alone: not part of a name (w0, x1) and not the tail of another number.
LITERAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?(?![\w.])")


def _literals(text: str) -> list[re.Match]:
    return list(LITERAL.finditer(text))


def _is_exponent(text: str, m: re.Match) -> bool:
    before = text[:m.start()].rstrip()
    return before.endswith("**") or before.endswith("^")


def mutate(text: str) -> str | None:
    """`text` with its first non-exponent literal (else its first literal) times 1.37; None if it has none.

    A zero is skipped: 1.37·0 is no change."""
    found = [m for m in _literals(text) if float(m.group(0)) != 0]
    if not found:
        return None
    m = next((m for m in found if not _is_exponent(text, m)), found[0])
    return f"{text[:m.start()]}{float(m.group(0)) * 1.37!r}{text[m.end():]}"


def _mutate_values(values: dict) -> tuple[dict, bool]:
    out, changed = dict(values), False
    for key in SUBJECTS:
        v = values.get(key)
        if isinstance(v, str) and mutate(v) is not None:
            out[key], changed = mutate(v), True
        elif isinstance(v, list) and any(isinstance(e, str) and mutate(e) is not None for e in v):
            out[key] = [mutate(e) if isinstance(e, str) and mutate(e) is not None else e for e in v]
            changed = True
    return out, changed


def mutated(exp):
    """The experiment with the coefficient changed in its common options and in every run; None if no literal."""
    options, changed = _mutate_values(exp.options)
    runs = []
    for run in exp.runs:
        new, c = _mutate_values(run)
        runs.append(new)
        changed |= c
    return dataclasses.replace(exp, options=options, runs=runs) if changed else None


def immune(path: Path) -> str | None:
    m = re.search(r"^# mutation-immune: (.+)$", path.read_text(encoding="utf-8"), re.M)
    return m.group(1).strip() if m else None


def test_mutate_changes_one_coefficient():
    assert mutate("2*w0**2 + 3*w1**2") == "2.74*w0**2 + 3*w1**2"
    assert mutate("x**2 - x + 2") == "x**2 - x + 2.74"  # the constant, not the exponent
    assert mutate("x**4") == "x**5.48"  # only an exponent: that one
    assert mutate("2 + 5e5*w**2") == "2.74 + 5e5*w**2"
    assert mutate("1.5*x + 2.73") == f"{1.5 * 1.37!r}*x + 2.73"
    assert mutate("max(0, 1 + 2*w0)") == "max(0, 1.37 + 2*w0)"
    assert mutate("x1 - x2") is None and mutate("max(0, z)") is None and mutate("relu(x)") is None and mutate("sigmoid(w1*x1)") is None


@pytest.mark.slow
def test_changed_coefficients_make_the_experiments_fail(tmp_path):
    caught, survived, immune_ok, considered = [], [], [], 0
    for path in FILES:
        exp = load_experiment(path)
        bad = mutated(exp)
        if bad is None:
            continue
        considered += 1
        (result,), _ = run_all([bad], tmp_path / "mutants" / path.stem)
        reason = immune(path)
        if reason:
            assert result.status == "passed", f"{path.name} claims immunity ({reason}) but its mutant fails"
            immune_ok.append(path.name)
        elif result.status == "passed":
            survived.append(path.name)
        else:
            caught.append(path.name)
    assert not survived, f"mutants that pass every check: {survived}"
    assert considered >= 30
    assert len(caught) >= 0.8 * considered, (len(caught), considered, immune_ok)


@pytest.mark.parametrize("path", [p for p in FILES if immune(p)], ids=lambda p: p.name)
def test_immunity_has_a_reason(path):
    assert len(immune(path)) > 30  # a sentence a reader can check, not a bare flag


def test_the_coverage_table_lists_every_inventory_id_and_file():
    text = (ROOT / "experiments" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (S(\d)-(\d\d)) \| ([^|]*) \|", text, re.M)
    ids = [r[0] for r in rows]
    counts = {"0": range(1, 22), "1": range(22, 40), "2": range(40, 54), "3": range(54, 76), "4": range(76, 85)}
    assert ids == [f"S{seed}-{n:02d}" for seed, ns in counts.items() for n in ns]  # all 84, in order, once each
    named = {name.strip() for r in rows for name in r[3].split(",") if name.strip() not in ("—", "")}
    on_disk = {p.stem for p in FILES}
    assert named <= on_disk, named - on_disk  # every file the table names exists
    assert on_disk <= named, on_disk - named  # and every experiment answers some row
