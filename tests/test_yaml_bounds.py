"""Issue 13, part 2: YAML is bounded (expansion, depth, size, encodings, odd files) and strict (YAML 1.2 core,
option values checked up front by the command's own code, every error of every file at once)."""

from __future__ import annotations

import os

import pytest

from gdcli.commands.yamlio import MAX_NODES, loads_yaml
from gdcli.errors import ConfigError

GRAD = "name: g\ncommand: grad\nexpression: x\nat: 1\n"


def write(folder, name, data):
    path = folder / name
    (path.write_bytes if isinstance(data, bytes) else path.write_text)(data)
    return path


def run_error(cli, tmp_path, path) -> str:
    r = cli("run", path, "--out", tmp_path / "out")
    assert r.exit_code == 2, r.stdout
    assert not (tmp_path / "out").exists()
    return r.stderr


def alias_bomb(levels: int = 7, width: int = 7) -> str:
    """levels × width aliases (49 by default, under the alias cap) that expand to width**levels values."""
    lines = ["a0: &a0 [" + ", ".join(["1"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_under_the_alias_cap_is_refused_by_its_expanded_size(cli, tmp_path):
    text = alias_bomb()
    assert text.count("*") == 42 and len(text) < 1200
    sizes = [8]  # a0: the list and its 7 items; a_k: the list and 7 copies of a_(k-1)
    for _ in range(6):
        sizes.append(1 + 7 * sizes[-1])
    total = 1 + 7 + sum(sizes)  # the mapping, its 7 keys, the 7 lists
    with pytest.raises(ConfigError) as err:
        loads_yaml(text, "bomb.yaml")
    assert f"the aliases expand to {total:,} values, more than {MAX_NODES:,}" in err.value.message
    f = write(tmp_path, "bomb.yaml", GRAD + text)
    assert "bomb.yaml:1:1: the aliases expand to" in run_error(cli, tmp_path, f)


def test_the_expanded_size_is_counted_exactly():
    # 3 levels of width 3: a0 has 1 + 3 nodes, a1 1 + 3·4, a2 1 + 3·13; keys 3; the mapping 1.
    text = alias_bomb(3, 3)
    from gdcli.commands import yamlio

    limit = yamlio.MAX_NODES
    try:
        yamlio.MAX_NODES = 1 + 3 + 4 + 13 + 40 - 1
        with pytest.raises(ConfigError, match="expand to 61 values"):
            loads_yaml(text)
        yamlio.MAX_NODES = 61
        assert len(loads_yaml(text)["a2"]) == 3
    finally:
        yamlio.MAX_NODES = limit


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n"])
def test_an_alias_inside_its_own_value_is_refused(text):
    with pytest.raises(ConfigError, match="1:4: an alias refers to the value that contains it"):
        loads_yaml(text)


def test_deep_nesting_is_refused_with_its_position(cli, tmp_path):
    f = write(tmp_path, "deep.yaml", GRAD + "sweep: " + "[" * 20000 + "]" * 20000 + "\n")
    err = run_error(cli, tmp_path, f)
    assert "deep.yaml:5:" in err and "nested more than 100 levels deep" in err
    assert len(err.splitlines()) == 2


@pytest.mark.parametrize("data,where,what", [
    ("name: g\ncommand: grad\nexpression: caf\xe9\n".encode("latin-1"), ":3:16:", "not UTF-8 text: byte 0xe9"),
    (GRAD.encode("utf-16"), ":1:1:", "(it looks like UTF-16)"),
    (bytes(range(256)) * 4, ":2:118:", "not UTF-8 text: byte 0x80"),  # byte 10 ends line 1
])
def test_a_file_that_is_not_utf8_is_refused_with_its_position(cli, tmp_path, data, where, what):
    f = write(tmp_path, "enc.yaml", data)
    err = run_error(cli, tmp_path, f)
    assert f"enc.yaml{where}" in err and what in err


def test_utf8_with_a_byte_order_mark_is_fine(cli, tmp_path):
    f = write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + GRAD.encode())
    assert cli("run", f, "--out", tmp_path / "out").exit_code == 0


def test_huge_integers_and_huge_files_are_refused(cli, tmp_path):
    f = write(tmp_path, "int.yaml", GRAD + "seed: " + "9" * 5000 + "\n")
    assert "int.yaml:5:7: an integer of 5,000 digits is too long (at most 100)" in run_error(cli, tmp_path, f)
    f.unlink()
    f = write(tmp_path, "big.yaml", GRAD + "description: '" + "x" * 1_100_000 + "'\n")
    assert "big.yaml: 1,100,058 bytes is too large for a YAML file (at most 1,000,000)" in run_error(cli, tmp_path, f)


def test_fifos_folders_and_symlink_loops_are_one_line_each(cli, tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")  # opening it would block: it must be refused before
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    r = cli("run", tmp_path, "--out", tmp_path / "out")
    assert r.exit_code == 2
    lines = r.stderr.splitlines()
    assert f"error: {tmp_path / 'pipe.yaml'}: not a regular file (a FIFO, socket or device); give a YAML file" in lines
    assert f"error: {tmp_path / 'folder.yaml'}: is a folder, not a YAML file" in lines
    assert f"error: {tmp_path / 'loop1.yaml'}: cannot read (Too many levels of symbolic links)" in lines
    for name in ("pipe.yaml", "folder.yaml", "loop2.yaml"):
        assert cli("run", tmp_path / name, "--out", tmp_path / "out").exit_code == 2


@pytest.mark.parametrize("text,value", [
    ("010", 10), ("0o17", 15), ("0x1F", 31), ("-7", -7), ("1_000", 1000), ("1:30", "1:30"),
    ("2001-12-14", "2001-12-14"), ("yes", "yes"), ("True", True), ("1e3", 1000.0), (".inf", float("inf")),
])
def test_yaml_12_core_schema(text, value):
    assert loads_yaml(f"v: {text}\n")["v"] == value
    assert type(loads_yaml(f"v: {text}\n")["v"]) is type(value)


@pytest.mark.parametrize("line,message", [
    ("steps: true", "'steps' expects int, got True (quote it if you mean the text)"),
    ("steps: 1:30", "'steps' expects int, got '1:30'"),
    ("steps: 2001-12-14", "'steps' expects int, got '2001-12-14'"),
    ("lr: true", "lr: True is not a number"),
])
def test_yaml_11_leftovers_are_not_numbers(cli, tmp_path, line, message):
    f = write(tmp_path, "d.yaml", f"name: d\ncommand: descend\nexpression: x**2\nstart: 1\n{line}\n")
    err = run_error(cli, tmp_path, f)
    assert f"d.yaml:5:1: {message}" in err


def test_option_values_are_checked_up_front_every_error_of_every_file(cli, tmp_path):
    write(tmp_path, "a.yaml", "name: a\ncommand: descend\nexpression: x**2\nstart: 1\noptimizer: adma\n")
    write(tmp_path, "b.yaml", "name: b\ncommand: fit\ngenerate: 2*x\nmodel: poly:abc\n")
    write(tmp_path, "c.yaml", "name: c\ncommand: descend\nexpression: x**2\nstart: 1\nlr: fast\n")
    write(tmp_path, "d.yaml", "name: d\ncommand: descend\nexpression: x**2\nstart: 1\nlr: [0.1, 0.2, -1]\n"
                              "expect:\n  - {run: 0, stauts: converged}\n")
    write(tmp_path, "e.yaml", "name: e\ncommand: fractal\npoints: 100\nsweep:\n  - {colormap: Blues}\n"
                              "  - {colormap: Bluez}\n")
    write(tmp_path, "f.yaml", "name: f\ncommand: fit\ngenerate: 2*x\noptimizer: adma\n")
    write(tmp_path, "g.yaml", "name: g\ncommand: fit\ngenerate: 2*x\nlr: [0.1, -1]\n")
    err = run_error(cli, tmp_path, tmp_path)
    lines = [line.removeprefix(f"error: {tmp_path}/") for line in err.splitlines()]
    assert "a.yaml:5:1: optimizer must be one of gd, momentum, nesterov, adagrad, rmsprop, adam, newton; got 'adma'; " \
           "did you mean 'adam'?" in lines
    assert "b.yaml:4:1: model poly:K needs an integer degree; got 'poly:abc'" in lines
    assert any(line.startswith("c.yaml:5:1: lr: ") and "fast" in line for line in lines)
    assert "d.yaml:5:1: lr must be a positive number; got -1" in lines  # descend takes a list of rates itself
    assert "g.yaml:4:1: lr must be > 0 (in the sweep point {'lr': -1})" in lines  # fit's lr is one rate: a sweep
    assert "d.yaml:7:5: expect: path 'runs[0].stauts': no field 'stauts' under runs[0]; did you mean 'status'?" in lines
    assert any(line.startswith("e.yaml:4:1: colormap: unknown colormap 'Bluez'") for line in lines)
    assert "f.yaml:4:1: optimizer must be one of gd, momentum, nesterov, adagrad, rmsprop, adam, newton, " \
           "random-search, random-local-search; got 'adma'; did you mean 'adam'?" in lines
    assert lines[-1] == "8 errors in 7 files; nothing was run"
    assert "--" not in err  # YAML keys, never CLI flags


def test_a_sweep_of_millions_of_runs_is_refused_before_it_is_built(cli, tmp_path):
    f = write(tmp_path, "s.yaml", "name: s\ncommand: grad\nexpression: x*y\nat: 1,2\n"
                                  "sweep:\n  method: &m [symbolic, autodiff, numeric, symbolic, autodiff, numeric, symbolic, "
                                  "autodiff, numeric, symbolic]\n  direction: *m\n  step: *m\n  vars: *m\n  at: *m\n"
                                  "  json: *m\n")
    err = run_error(cli, tmp_path, f)
    assert "s.yaml:5:1: the sweep has 1,000,000 runs; at most 10,000 fit in one experiment" in err


def test_a_check_path_that_names_nothing_is_a_validation_error(cli, tmp_path):
    f = write(tmp_path, "c.yaml", GRAD + "expect:\n  - {path: valeu, equals: 1}\n  - {path: value, equals: 1}\n")
    err = run_error(cli, tmp_path, f)
    assert "c.yaml:6:5: expect: path 'valeu': no field 'valeu'; did you mean 'value'?" in err
    assert "c.yaml:7" not in err


@pytest.mark.parametrize("command,line,message", [
    ("convex\nexpression: x**2", "expect: konvex", "expect must be one of affine, strictly-convex, convex"),
    ("convex\nexpression: x**2", "samples: 5", "samples must be between 10 and 10000000; got 5"),
    ("gradcheck\nexpression: x**2\nat: 1", "method: centre", "method must be one of"),
    ("grad\nexpression: x**2\nat: 1", "method: symbolik", "method must be one of symbolic"),
    ("fractal", "resolution: 100000", "resolution must be at most 8000"),
])
def test_each_commands_own_checks_run_up_front(cli, tmp_path, command, line, message):
    f = write(tmp_path, "v.yaml", f"name: v\ncommand: {command}\n{line}\n")
    err = run_error(cli, tmp_path, f)
    at = 2 + command.count("\n") + 1
    assert f"v.yaml:{at}:1: {message}" in err and "--" not in err
