"""The package's own imports, read from its source: one-way layers, no cycles, no UI library in the maths.

The arrows run cli -> experiments -> commands -> engine -> expr, with render beside commands (SPEC §1). Every
import counts, including the ones inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gdcli"
# Lower layers never import higher ones; render sits beside commands but never imports it.
LAYER = {"__main__": 6, "cli": 5, "experiments": 4, "commands": 3, "render": 3, "engine": 2, "expr": 1,
         "errors": 0, "__init__": 0}
UI_LIBRARIES = {"typer", "rich", "click", "yaml"}
MAX_LINES = 400
MAX_LOOSE_ENGINE_MODULES = 4


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> list[tuple[str, bool]]:
    """(imported module, at module level) for every import in the file; `from a import b` names a.b if b is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in known else base, id(node) in top))
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: {m for m, _ in imports_of(path, known) if m in known and m != name} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), or a module importing itself."""
    index, low, stack, on_stack, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYER["__init__"] if len(parts) == 1 else LAYER[parts[1]]


def layer_violations(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for src, targets in edges.items():
        for dst in targets:
            top_src, top_dst = (src.split(".") + [""])[1], (dst.split(".") + [""])[1]
            if layer(dst) > layer(src):
                bad.append(f"{src} -> {dst}: a lower layer imports a higher one")
            elif top_src == "render" and top_dst == "commands":
                bad.append(f"{src} -> {dst}: render sits beside commands and never imports them")
            elif top_src == "cli" and top_dst == "experiments" and src != "gdcli.cli.run":
                bad.append(f"{src} -> {dst}: only gdcli.cli.run may import experiments")
    return bad


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_arrows_run_one_way():
    assert layer_violations(graph()) == []


def test_the_checks_catch_what_they_look_for():
    """The checkers themselves fail on a cycle, on experiments -> cli and on engine -> commands."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_violations({"gdcli.experiments.runner": {"gdcli.cli.common"}})
    assert layer_violations({"gdcli.engine.optim.sweep": {"gdcli.commands.descend"}})
    assert layer_violations({"gdcli.render.fit": {"gdcli.commands.fit"}})
    assert layer_violations({"gdcli.cli.grad": {"gdcli.experiments.schema"}})
    assert not layer_violations({"gdcli.cli.run": {"gdcli.experiments.runner"}})


@pytest.mark.parametrize("name, path", [(n, p) for n, p in modules().items() if n.startswith(("gdcli.engine", "gdcli.expr"))])
def test_the_maths_imports_no_ui_library(name, path):
    known = set(modules())
    for imported, module_level in imports_of(path, known):
        root = imported.split(".")[0]
        assert root not in UI_LIBRARIES, f"{name} imports {imported}"
        assert not (root == "matplotlib" and module_level), f"{name} imports matplotlib at module level"
        assert not imported.startswith(("gdcli.render", "gdcli.cli", "gdcli.commands", "gdcli.experiments")), \
            f"{name} imports {imported}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def test_engine_lives_in_topic_folders():
    loose = [p.name for p in (PACKAGE / "engine").glob("*.py") if p.name != "__init__.py"]
    assert len(loose) <= MAX_LOOSE_ENGINE_MODULES, loose
    topics = [p.name for p in (PACKAGE / "engine").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert {"calculus", "optim", "convex", "learn", "chaos"} <= set(topics)


def test_topic_packages_export_their_entry_points():
    """The library entry points the README names are importable from the topic packages."""
    from gdcli.engine.calculus import gradient_at, hessian_at
    from gdcli.engine.chaos import fractal
    from gdcli.engine.convex import decide_convexity
    from gdcli.engine.learn import fit
    from gdcli.engine.optim import descend

    assert all(callable(f) for f in (gradient_at, hessian_at, fractal, decide_convexity, fit, descend))
    import gdcli.engine.calculus as calculus

    with pytest.raises(AttributeError):
        calculus.no_such_function  # noqa: B018
