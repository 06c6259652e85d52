"""The `convex` verdict as text and a witness table (its picture: render/convex_plot.py)."""

from __future__ import annotations

from rich.table import Table

from gdcli.render.output import fmt, fmt_vec

COLOR = {"affine": "cyan", "strictly-convex": "green", "convex": "green", "strictly-concave": "cyan",
         "concave": "cyan", "neither": "red", "not-convex": "red", "not-concave": "red", "unknown": "yellow"}


def _pt(v) -> str:
    return fmt(v[0], 10) if len(v) == 1 else fmt_vec(v, 10)


def _witness_table(w, variables) -> Table:
    if w.kind == "hessian":
        t = Table()
        t.title = f"Hessian witness: {w.breaks} fails here"
        t.add_column("")
        t.add_column("value", justify="right")
        t.add_row("point x", _pt(w.point))
        t.add_row("eigenvalue λ", fmt(w.eigenvalue, 10))
        t.add_row("eigenvector v", fmt_vec(w.eigenvector, 6))
        t.add_row("(f(x+hv) − 2f(x) + f(x−hv)) / h²", fmt(w.second_difference, 8))
        t.caption = f"re-verified: {w.verified}"
        return t
    side = "below" if w.gap > 0 else "above"
    t = Table()
    t.title = f"Jensen witness: {w.breaks} fails (C lies {side} D)"
    t.add_column("point")
    t.add_column(variables[0] if len(variables) == 1 else "(" + ", ".join(variables) + ")", justify="right")
    t.add_column("f", justify="right")
    t.add_row("A = (a, f(a))", _pt(w.a), fmt(w.f_a, 10))
    t.add_row("B = (b, f(b))", _pt(w.b), fmt(w.f_b, 10))
    t.add_row(f"C = {fmt(w.alpha)}A + {fmt(1 - w.alpha)}B (secant)", _pt(w.mix), fmt(w.secant, 10))
    t.add_row("D = (same x, f) on the curve", _pt(w.mix), fmt(w.f_mix, 10))
    op = ">" if w.gap > 0 else "<"
    t.caption = f"f(αa+(1−α)b) {op} αf(a)+(1−α)f(b) by {fmt(abs(w.gap), 8)}; re-verified in {w.verified}"
    return t


def render_convex(r, console, expect=None) -> None:
    color = COLOR.get(r.verdict, "white")
    how = "proved" if r.proved else "sampled"
    console.print(f"f = {r.expression}   on {', '.join(r.domain)}")
    console.print(f"verdict: [bold {color}]{r.verdict}[/]   ({how}, by {r.method})")
    console.print(f"convex: {_flag(r.convex)}   concave: {_flag(r.concave)}")
    console.print(f"reason: {r.reason}")
    for note in r.restrictions:
        console.print(f"restriction: {note}")
    if r.eigenvalues_exact:
        console.print("Hessian eigenvalues: " + ", ".join(
            e if e == fmt(v, 8) else fmt(v, 8) if len(e) > 24 else f"{e} ≈ {fmt(v, 8)}"
            for e, v in zip(r.eigenvalues_exact, r.eigenvalues)))
    for note in r.notes:
        console.print(f"note: {note}")
    if r.trace:
        console.print("rules:")
        for line in r.trace:
            console.print(f"  {line}")
    if r.sampling is not None:
        s = r.sampling
        console.print(f"sampled (seed {r.seed}): {s.points} points, {s.triples} Jensen triples; "
                      f"violations of convexity {s.convexity_violations}, of concavity {s.concavity_violations}")
    for w in (r.witness, r.not_concave_witness):
        if w is not None:
            t = _witness_table(w, r.variables)
            title, caption, t.title, t.caption = t.title, t.caption, None, None
            console.print(title)
            console.print(t)
            console.print(caption)
    if r.interrupted:
        console.print("[yellow]interrupted: the result above is partial[/]")
    if expect is not None:
        mark = "[green]holds[/]" if expect["met"] else "[red]does not hold[/]"
        console.print(f"expected {expect['expected']}: {mark}")


def _flag(v) -> str:
    return "unknown" if v is None else ("yes" if v else "no")
