"""Pictures (issue 15): the format by extension, grad/hessian/convex plots, descend sweeps and animations, the
fractal's trajectory; each drawn into a temporary folder, opened, and where possible read back from the artists."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

PNG = b"\x89PNG\r\n\x1a\n"


def picture(path, least=(300, 200)):
    """Open a PNG: it has a sensible size and is not blank (many colours, a good share of non-white pixels)."""
    from PIL import Image

    with Image.open(path) as im:
        assert im.size[0] >= least[0] and im.size[1] >= least[1], im.size
        rgb = np.asarray(im.convert("RGB"), dtype=int)
    inked = np.mean(np.any(rgb < 235, axis=-1))
    colours = len(np.unique(rgb.reshape(-1, 3)[::7], axis=0))
    assert inked > 0.03 and colours > 20, (inked, colours)
    return rgb


def lines(ax, gid):
    return [ln for ln in ax.get_lines() if ln.get_gid() == gid]


def close(fig):
    from gdcli.render.output import pyplot

    pyplot().close(fig)


# -- the format comes from the extension -------------------------------------------------------------------

@pytest.mark.parametrize("ext, magic", [(".png", PNG), (".svg", b"<svg"), (".pdf", b"%PDF")])
def test_the_extension_picks_the_format_for_every_plot(cli, tmp_path, ext, magic):
    runs = [("grad", "x**3", "--at", "1", "--plot"),
            ("hessian", "exp(x)*y**2", "--at", "0,1", "--plot"),
            ("convex", "x**2", "--plot"),
            ("descend", "x**2", "--start", "1", "--steps", "5", "--plot"),
            ("gradcheck", "exp(x)*sin(y)", "--at", "1,2", "--plot"),
            ("fractal", "--points", "5000", "--resolution", "80", "--out"),
            ("fit", "--generate", "2*x + 1", "--n", "20", "--model", "w*x + b", "--epochs", "5", "--plot")]
    for args in runs:
        out = tmp_path / f"{args[0]}{ext}"
        r = cli(*args, out)
        assert r.exit_code == 0, r.stderr
        data = out.read_bytes()
        assert magic in data[:400], (args[0], data[:40])
    assert magic in (tmp_path / f"fit_data{ext}").read_bytes()[:400]  # fit's second picture, same format


@pytest.mark.parametrize("args, message", [
    (("grad", "x**2", "--at", "1", "--plot", "p.jpg"), "--plot must name a .png, .svg, .pdf file"),
    (("grad", "x**2", "--at", "1", "--plot", "p"), "the extension picks the format"),
    (("descend", "x**2", "--start", "1", "--plot", "p.gif"), "descend --animate"),
    (("descend", "x**2", "--start", "1", "--animate", "p.png"), "--animate must name a .gif file"),
    (("descend", "x*y*z", "--start", "1,1,1", "--animate", "p.gif"), "one or two variables"),
    (("gradcheck", "x**2", "--at", "1", "--plot", "p.bmp"), "--plot must name"),
    (("fractal", "--out", "p.tiff"), "--out must name"),
    (("grad", "x**2", "--at", "1", "--levels", "1,2"), "give --plot FILE too"),
    (("grad", "x**2", "--at", "1", "--plot", "p.png", "--levels", "1,2"), "a function of one variable does not have"),
    (("grad", "x*y", "--at", "1,1", "--plot", "p.png", "--levels", "1,nan"), "--levels"),
    (("grad", "w*x*y*z", "--at", "1,1,1,1", "--plot", "p.png"), "one to three variables"),
    (("hessian", "x*y*z", "--at", "1,1,1", "--plot", "p.png"), "one or two variables"),
    (("convex", "x**2", "--chord", "-1,2"), "give --plot FILE too"),
    (("convex", "x**2", "--plot", "p.png", "--chord", "1,1"), "two different x values"),
    (("convex", "x**2", "--plot", "p.png", "--chord", "0,1", "--alpha", "1.5"), "strictly between 0 and 1"),
    (("convex", "x**2", "--plot", "p.png", "--alpha", "0.5"), "give --chord A,B too"),
])
def test_bad_picture_options_are_one_line_exit_2_before_any_work(cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    r = cli(*args)
    assert r.exit_code == 2, r.stdout
    assert r.stderr.startswith("error:") and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []


# -- grad --------------------------------------------------------------------------------------------------

def _grad(expression, at, levels=None, **kw):
    from gdcli.commands.grad import GradOptions, compute
    from gdcli.expr import compile_expression
    from gdcli.render.calculus_plots import grad_figure

    r = compute(GradOptions(expression, at=at, **kw))
    return r, grad_figure(r, compile_expression(expression), levels)


def test_grad_tangent_slope_and_the_step_read_back_from_the_figure(cli, tmp_path):
    r, fig = _grad("x**3", "1.5", step="0.4")
    ax = fig.axes[0]
    (tangent,) = lines(ax, "tangent")
    x, y = tangent.get_data()
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(3 * 1.5 ** 2)  # f'(x) = 3x², closed form
    assert np.interp(1.5, x, y) == pytest.approx(1.5 ** 3)  # through the point
    (pred,), (act,) = lines(ax, "predicted"), lines(ax, "actual")
    assert pred.get_xdata()[0] == pytest.approx(1.9) and act.get_xdata()[0] == pytest.approx(1.9)
    assert pred.get_ydata()[1] == pytest.approx(1.5 ** 3 + 6.75 * 0.4)  # f + f'δ
    assert act.get_ydata()[1] == pytest.approx(1.9 ** 3)  # f(x + δ)
    close(fig)
    out = tmp_path / "g.png"
    r = cli("grad", "x**3", "--at", "1.5", "--step", "0.4", "--plot", out)
    assert r.exit_code == 0 and r.stdout.endswith(f"plot: {out}\n")
    picture(out)


def test_grad_two_variables_surface_arrow_field_and_levels(cli, tmp_path):
    r, fig = _grad("sqrt(w0**2 + w1**2)", "3,4", levels=[1, 2, 5])
    surface, field = fig.axes[0], fig.axes[1]
    (arrow,) = [ln for ln in surface.get_lines() if ln.get_gid() == "minus-gradient"]
    tail, tip = np.array(arrow.get_data_3d()).T
    assert tail.tolist() == [3.0, 4.0, 5.0]
    d = tip - tail
    # −∇f = −(0.6, 0.8) in the plane and f falls by ‖∇f‖² = 1 per unit t along it
    assert d / np.linalg.norm(d) == pytest.approx(np.array([-0.6, -0.8, -1.0]) / math.sqrt(2))
    (q,) = [c for c in field.collections if c.get_gid() == "field"]
    P = q.get_offsets()
    f = lambda p: np.hypot(p[:, 0], p[:, 1])  # noqa: E731
    h = 1e-6
    fd = np.column_stack([(f(P + [h, 0]) - f(P - [h, 0])) / (2 * h), (f(P + [0, h]) - f(P - [0, h])) / (2 * h)])
    fd /= np.linalg.norm(fd, axis=1)[:, None]  # the field's arrows point along ∇f (finite differences)
    assert np.column_stack([q.U, q.V]) == pytest.approx(fd, abs=1e-5)
    (grad_arrow,) = [t for t in field.texts if t.get_gid() == "gradient"]
    v = np.subtract(grad_arrow.xy, grad_arrow.xyann)
    assert v / np.linalg.norm(v) == pytest.approx([0.6, 0.8])
    levels = [c.levels.tolist() for c in field.collections if hasattr(c, "levels")]
    assert [1.0, 2.0, 5.0] in levels
    assert field.get_aspect() == 1.0
    close(fig)
    out = tmp_path / "g2.png"
    assert cli("grad", "sqrt(w0**2 + w1**2)", "--at", "3,4", "--plot", out, "--levels", "1,2,5").exit_code == 0
    picture(out, (800, 400))


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_grad_pictures_at_extreme_scales(scale):
    """1e300: the field keeps every arrow (no overflow in the norms); 1e-300: f is drawn in units of 1e-300."""
    r, fig = _grad(f"{scale:g}*(x**2 + y**2)", "1,1")
    (q,) = [c for c in fig.axes[1].collections if c.get_gid() == "field"]
    assert len(q.U) == 15 * 15 - 0 and np.all(np.isfinite(q.U))  # the grid misses the origin: no zero vector
    close(fig)
    r, fig = _grad(f"{scale:g}*x**3", "1", step="0.3")
    ax = fig.axes[0]
    (tangent,) = lines(ax, "tangent")
    x, y = tangent.get_data()
    label = ax.get_ylabel()
    assert label == "f" if scale > 1 else label == "f (× 1e-299)"  # f reaches 2.2³·1e-300 on the window
    unit = 1.0 if scale > 1 else 1e-299
    assert (y[-1] - y[0]) / (x[-1] - x[0]) * unit == pytest.approx(3 * scale)
    lo, hi = ax.get_ylim()
    assert hi - lo > 0.5 * 2.2 ** 3 * scale / unit  # the axis spans the curve, not a collapsed ±0.05
    close(fig)


# -- hessian -----------------------------------------------------------------------------------------------

def _hessian(expression, at, **kw):
    from gdcli.commands.hessian import HessianOptions, compute
    from gdcli.expr import compile_expression
    from gdcli.render.calculus_plots import hessian_figure

    r = compute(HessianOptions(expression, at=at, **kw))
    return r, hessian_figure(r, compile_expression(expression))


def test_hessian_one_variable_taylor_models_are_the_closed_forms(cli, tmp_path):
    r, fig = _hessian("exp(x)", "0")
    ax = fig.axes[0]
    (t1,), (t2,) = lines(ax, "first-order"), lines(ax, "second-order")
    x = t1.get_xdata()
    assert t1.get_ydata() == pytest.approx(1 + x)
    assert t2.get_ydata() == pytest.approx(1 + x + x ** 2 / 2)
    close(fig)
    out = tmp_path / "h.png"
    assert cli("hessian", "exp(x)", "--at", "0", "--plot", out).exit_code == 0
    picture(out)


def test_hessian_two_variables_quadratic_model_matches_a_quadratic_and_touches_others(cli, tmp_path):
    quad = "w0**2 + 3*w0*w1 + 5*w1**2 - w0"
    r, fig = _hessian(quad, "1,2")
    left, right = fig.axes[:2]
    (t2,) = lines(right, "second-order")
    (fline,) = [ln for ln in right.get_lines() if ln.get_label() == "f"]
    assert t2.get_ydata() == pytest.approx(fline.get_ydata())  # f is its own second-order model
    assert left.get_aspect() == 1.0
    close(fig)
    r, fig = _hessian("sin(w0)*cos(w1)", "0.5,0.3")
    (t2,) = lines(fig.axes[1], "second-order")
    (fline,) = [ln for ln in fig.axes[1].get_lines() if ln.get_label() == "f"]
    t, gap = t2.get_xdata(), np.abs(t2.get_ydata() - fline.get_ydata())
    near, far = gap[np.abs(t) < 0.02].max(), gap[np.abs(t) > 0.5].max()
    assert near < 1e-5 < far  # third order: tiny near the point, visible away from it
    close(fig)
    out = tmp_path / "h2.svg"
    assert cli("hessian", "sin(w0)*cos(w1)", "--at", "0.5,0.3", "--plot", out).exit_code == 0
    assert b"<svg" in out.read_bytes()[:400]


# -- convex ------------------------------------------------------------------------------------------------

def _convex(expression, chord=None, tangent=None):
    from gdcli.commands.convex import ConvexOptions, _decide
    from gdcli.engine.convex.domain import make_domain
    from gdcli.render.convex_plot import convex_figure

    expr, r = _decide(ConvexOptions(expression))
    return convex_figure(r, expr, make_domain(expr, None), chord, tangent)


def test_convex_chord_end_points_and_c_d_from_the_artists():
    from gdcli.render.convex_plot import Chord

    fig = _convex("x**2", Chord(-1.0, 2.0, 0.3), tangent=0.5)  # Fig 3.16, the convex half
    ax = fig.axes[0]
    (chord,) = lines(ax, "chord")
    assert np.column_stack(chord.get_data()).tolist() == [[-1.0, 1.0], [2.0, 4.0]]
    point = {n: tuple(lines(ax, f"point-{n}")[0].get_xydata()[0]) for n in "ABCD"}
    assert point["C"] == pytest.approx((1.1, 0.3 * 1 + 0.7 * 4)) and point["D"] == pytest.approx((1.1, 1.21))
    assert "lies above D" in ax.get_title()
    (tangent,) = lines(ax, "tangent")
    x, y = tangent.get_data()
    assert (y[-1] - y[0]) / (x[-1] - x[0]) == pytest.approx(1.0)  # 2x at 0.5
    assert "above the tangent" in ax.get_title()
    close(fig)
    fig = _convex("x**3", Chord(-2.0, 1.0, 0.3), tangent=-1.0)  # the nonconvex half, and Fig 3.17's right curve
    ax = fig.axes[0]
    point = {n: lines(ax, f"point-{n}")[0].get_xydata()[0] for n in "CD"}
    assert point["C"][1] == pytest.approx(0.3 * -8 + 0.7 * 1) and point["D"][1] == pytest.approx(0.1 ** 3)
    assert "lies below D" in ax.get_title() and "dips below the tangent" in ax.get_title()
    assert ax.collections  # the region where the curve is below its tangent is shaded
    close(fig)


def test_convex_cli_chord_picture_and_a_three_variable_plot_keeps_the_verdict(cli, cli_json, tmp_path):
    out = tmp_path / "chord.png"
    r = cli("convex", "x**2", "--plot", out, "--chord", "-1,2", "--alpha", "0.3", "--tangent", "0.5")
    assert r.exit_code == 0 and "plot:" in r.stdout
    picture(out)
    r = cli("convex", "x*y*z", "--plot", tmp_path / "p.png")
    assert r.exit_code == 0 and "verdict: neither" in r.stdout
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("note: no picture") and "3" in r.stderr
    assert not (tmp_path / "p.png").exists()
    doc = cli_json("convex", "x*y*z", "--plot", tmp_path / "p.png")
    assert doc["verdict"] == "neither" and doc["plot"] is None and "one or two variables" in doc["plot_note"]
    doc = cli_json("convex", "log(x)", "--plot", tmp_path / "l.png", "--chord", "-1,2")
    assert doc["verdict"] == "strictly-concave" and "outside the domain" in doc["plot_note"]


# -- descend -----------------------------------------------------------------------------------------------

def _descend(expression, start, lr, **kw):
    from gdcli.commands.descend import DescendOptions, compute
    from gdcli.expr import compile_expression
    from gdcli.render.descend_files import figure

    res = compute(DescendOptions(expression, start, lr=lr, **kw))
    return res, figure(res.descent, compile_expression(expression))


def test_descend_paths_equal_axes_markers_minimum_and_overlap():
    res, fig = _descend("w0**2 + 4*w1**2", "3,1", "0.05,0.05,0.1", steps=80)
    ax = fig.axes[1]
    assert ax.get_aspect() == 1.0
    paths = [ln for ln in ax.get_lines() if ln.get_label().startswith("gd")]
    assert len(paths) == 3
    styles = {(ln.get_linestyle(), ln.get_marker(), ln.get_linewidth()) for ln in paths}
    assert len(styles) == 3  # identical runs stay distinguishable: style, marker and width differ
    xy = [tuple(ln.get_xydata()[0]) for ln in ax.get_lines() if ln.get_marker() == "o" and ln.get_linestyle() == "None"]
    assert (3.0, 1.0) in xy  # a start marker
    ends = [tuple(ln.get_xydata()[0]) for ln in ax.get_lines() if ln.get_marker() == "s" and ln.get_linestyle() == "None"]
    assert len(ends) == 3
    stars = [ln for ln in ax.get_lines() if ln.get_marker() == "*"]
    assert stars and stars[0].get_xydata()[0] == pytest.approx([0.0, 0.0])  # the quadratic's minimiser
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels.count("gd lr=0.05") == 2 and {"start", "end", "minimum"} <= set(labels)
    close(fig)


def test_descend_sweep_keeps_figs_2_7_and_2_8_readable_from_one_sweep(cli, tmp_path):
    res, fig = _descend("x**2", "1", "0.01,0.1,0.8,1.01", steps=300)
    loss, stay, leave = fig.axes
    assert [ln.get_label() for ln in stay.get_lines() if ln.get_label().startswith("gd")] == \
        ["gd lr=0.01", "gd lr=0.1", "gd lr=0.8"]
    lo, hi = stay.get_ylim()
    assert -1.2 < lo < -0.5 and 1 <= hi < 1.2  # Fig 2.7's scale, not the diverging run's
    assert [ln.get_label() for ln in leave.get_lines() if ln.get_label().startswith("gd")] == ["gd lr=1.01"]
    diverging_max = max(abs(v) for v in leave.get_lines()[0].get_ydata())
    assert diverging_max == pytest.approx(1.02 ** 300, rel=1e-6)  # |1 − lr·2|^k, closed form
    assert loss.get_ylim()[1] < 10  # the loss axis spans the staying runs ...
    assert any(ln.get_marker() == "^" for ln in loss.get_lines())  # ... and marks where lr = 1.01 leaves it
    close(fig)
    out = tmp_path / "sweep.png"
    assert cli("descend", "x**2", "--start", "1", "--lr", "0.01,0.1,0.8,1.01", "--steps", "300", "--plot", out).exit_code == 0
    picture(out, (1200, 300))


def test_symlog_ticks_do_not_collide():
    """A run that grows over 100+ decades: the tick labels on its own panel never overlap."""
    res, fig = _descend("x**2", "1", "0.1,1.5", steps=200)  # x_k = (−2)^k: 60 decades
    ax = fig.axes[2]
    assert ax.get_yscale() == "symlog"
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in ax.get_yticklabels() if t.get_text() and t.get_visible()]
    lo, hi = ax.get_ylim()
    assert 3 <= len(boxes) <= 15
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    close(fig)


def test_descend_animation_frames_stride_and_motion(cli, tmp_path):
    from PIL import Image

    out = tmp_path / "a.gif"
    r = cli("descend", "w0**2 + 10*w1**2", "--start", "3,1", "--lr", "0.02,0.09", "--steps", "1000", "--animate", out,
            "--json")
    assert r.exit_code == 0, r.stderr
    a = json.loads(r.stdout)["animation"]
    steps = a["steps"]
    assert a["stride"] == math.ceil(steps / 119) and a["frames"] == math.ceil(steps / a["stride"]) + 1 <= 120
    with Image.open(out) as im:
        assert im.n_frames == a["frames"] and im.size[0] >= 400
        im.seek(0)
        first = np.asarray(im.convert("RGB"), dtype=int)
        im.seek(im.n_frames - 1)
        last = np.asarray(im.convert("RGB"), dtype=int)
    assert np.mean(np.any(first != last, axis=-1)) > 0.005  # the paths grew between the first and last frame
    r = cli("descend", "x**2", "--start", "1", "--lr", "0.1,1.01", "--steps", "20", "--animate", tmp_path / "b.gif")
    assert r.exit_code == 0 and "21 frames, one frame per step up to k = 20" in r.stdout


def test_frame_plan_caps_frames():
    from gdcli.render.descend_anim import MAX_FRAMES, frame_plan

    for longest in (0, 1, 5, 119, 120, 121, 1000, 10 ** 6):
        frames, stride = frame_plan(longest)
        assert frames <= MAX_FRAMES and (frames - 1) * stride >= longest and (frames - 2) * stride < longest or longest == 0


# -- fractal -----------------------------------------------------------------------------------------------

def test_fractal_start_trajectory_colour_bar_and_legend(cli_json, tmp_path):
    from gdcli.commands.fractal import FractalOptions, compute
    from gdcli.render.fractal import figure

    r = compute(FractalOptions(lr=[0.65], points=20000, resolution=120, out=None, start="3,0"))
    fig = figure(r)
    ax = fig.axes[0]
    (path,) = lines(ax, "trajectory")
    xy = path.get_xydata()
    assert xy[0].tolist() == [3.0, 0.0] and len(xy) == r.trajectory_steps + 1 == r.panels[0].burn_in + 1
    w = r.panels[0].window
    assert w.w1[0] <= xy[-1, 0] <= w.w1[1] and w.w2[0] <= xy[-1, 1] <= w.w2[1]  # it reached the attractor
    assert len(fig.axes) == 2 and "iterates per pixel" in fig.axes[1].get_ylabel()  # the colour bar
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "minimum w*" in labels and any(t.startswith("SGD from (3, 0)") for t in labels)
    close(fig)
    doc = cli_json("fractal", "--lr", "5e-4", "--start", "0,0", "--points", "20000", "--resolution", "100",
                   "--out", tmp_path / "f.png")
    assert doc["start"] == [0.0, 0.0] and doc["trajectory_steps"] == doc["panels"][0]["burn_in"]
    picture(tmp_path / "f.png")


def test_fractal_of_two_samples_gets_a_window_not_a_point(cli_json, tmp_path):
    data = tmp_path / "two.csv"
    data.write_text("1,0,1\n1,0.5,2\n")  # two samples: SGD fits both exactly, the attractor is one point
    doc = cli_json("fractal", "--data", data, "--points", "20000", "--resolution", "100", "--out", tmp_path / "t.png")
    w = doc["panels"][0]["window"]
    assert w["w1"][1] - w["w1"][0] >= 0.1 and w["w2"][1] - w["w2"][0] >= 0.1
    assert w["w1"][0] < 1 < w["w1"][1] and w["w2"][0] < 2 < w["w2"][1]  # around the minimum (1, 2)
    picture(tmp_path / "t.png")


def test_widened_windows():
    from gdcli.engine.chaos.game import Window, widened

    assert widened(Window((0.0, 4.0), (0.0, 3.0))) == Window((0.0, 4.0), (0.0, 3.0))  # a normal window is kept
    thin = widened(Window((0.0, 4.0), (1.0, 1.0)))  # zero height
    assert thin.w1 == (0.0, 4.0) and thin.w2 == pytest.approx((0.8, 1.2))
    point = widened(Window((1e300, 1e300), (-2.0, -2.0)))
    assert point.w1[1] - point.w1[0] == pytest.approx(1e299) and point.w2[1] - point.w2[0] == pytest.approx(1e299)
    tiny = widened(Window((1e-300, 2e-300), (0.0, 1e-300)))
    assert tiny.w1[1] > tiny.w1[0] and tiny.w2[1] > tiny.w2[0]


# -- matplotlib only when a picture is asked for -----------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["descend", "w0**2 + w1**2", "--start", "1,1", "--steps", "5"],
    ["convex", "x**2"],
    ["grad", "x*y", "--at", "1,2", "--step", "0.1,0.1"],
    ["hessian", "exp(x)", "--at", "0"],
])
def test_no_matplotlib_without_a_picture(args):
    import os
    import subprocess
    import sys

    code = ("import runpy, sys; sys.argv = ['gdcli', *sys.argv[1:]]\n"
            "try: runpy.run_module('gdcli', run_name='__main__')\n"
            "except SystemExit as e: code = e.code\n"
            "print('MPL', 'matplotlib' in sys.modules, file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code, *args, "--json"], capture_output=True, text=True,
                       env=os.environ, timeout=120)
    json.loads(p.stdout)
    assert p.stderr.strip().splitlines()[-1] == "MPL False", p.stderr


def test_the_readme_pictures_exist_and_come_from_the_script():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    shown = re.findall(r'<img src="(docs/[^"]+\.png)"', (root / "README.md").read_text(encoding="utf-8"))
    script = (root / "scripts" / "docs_pictures.py").read_text(encoding="utf-8")
    assert len(shown) == 3
    for rel in shown:
        assert f'"{Path(rel).name}"' in script
        picture(root / rel, (400, 250))


# -- grad, three variables: the level surface (Figs 3.8, 3.9) ----------------------------------------------

def _surface_lines(fig):
    """The 3-D wire lines of the level surfaces: (N, 3) vertex arrays, one per line."""
    (ax,) = fig.axes
    return [np.column_stack(line.get_data_3d()) for line in ax.lines if len(line.get_data_3d()[0]) > 1]


@pytest.mark.parametrize("expression, at, radius, axis_free", [
    ("x**2 + y**2 + z**2", "1,2,2", 3.0, None),  # Fig 3.8: the sphere of radius 3 through (1, 2, 2)
    ("x**2 + y**2 + 0*z", "1,2,2", math.sqrt(5), 2),  # Fig 3.9: the cylinder of radius √5 about the z axis
])
def test_a_function_of_three_variables_draws_its_level_surface_with_the_normal_gradient(expression, at, radius,
                                                                                         axis_free):
    r, fig = _grad(expression, at)
    lines = _surface_lines(fig)
    assert len(lines) >= 10  # slices across x and across z
    P = np.concatenate(lines)
    dist = np.linalg.norm(P if axis_free is None else P[:, :2], axis=1)
    assert np.abs(dist - radius).max() < 0.05 * radius  # every vertex on the level surface (grid interpolation)
    if axis_free is not None:  # a cylinder: the wire runs along its axis, well beyond the point's height
        assert np.ptp(P[:, axis_free]) > 2 * radius
    (ax,) = fig.axes
    arrows = [c for c in ax.collections if c.get_gid() == "gradient"]
    assert len(arrows) == 1
    tip, tail = np.asarray(arrows[0]._segments3d)[0]  # a 3-D quiver's first segments are its shafts, tip first
    np.testing.assert_allclose(tail, [1, 2, 2])
    g = np.asarray(r.gradient, dtype=float)
    np.testing.assert_allclose((tip - tail) / np.linalg.norm(tip - tail), g / np.linalg.norm(g), atol=1e-12)
    normals = [c for c in ax.collections if c.get_gid() == "field"]
    assert len(normals) == 1
    segs = np.asarray(normals[0]._segments3d)
    assert len(segs) >= 3 * 10  # at least ten arrows, each a shaft and two head strokes
    for tip, tail in segs[: len(segs) // 3]:  # on the surface, pointing along the radius, outward
        radial = tail.copy()
        if axis_free is not None:
            radial[axis_free] = 0
        assert abs(np.linalg.norm(radial) - radius) < 0.05 * radius
        assert np.dot((tip - tail) / np.linalg.norm(tip - tail), radial / np.linalg.norm(radial)) > 0.98
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == f"level surface f = {r.value:g}" and "∇f at (1, 2, 2)" in labels[1]


def test_levels_draw_several_level_surfaces_and_skip_the_unreached(tmp_path):
    r, fig = _grad("x**2 + y**2 + z**2", "1,2,2", levels=[1, 4, 1e6])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "level surface f = 1" in labels and "level surface f = 4" in labels
    assert not any("1e+06" in s or "1000000" in s for s in labels)  # not reached in the cube: not drawn
    radii = {round(float(np.linalg.norm(line, axis=1).mean()), 1) for line in _surface_lines(fig)}
    assert radii == {1.0, 2.0}


def test_level_surface_of_a_function_undefined_in_part_of_the_cube(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("grad", "sqrt(x) + y**2 + z**2", "--at", "1,1,1", "--plot", "s.png")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
