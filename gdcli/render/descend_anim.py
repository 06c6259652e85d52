"""`descend --animate F.gif`: every run's path drawn step by step over the contours of f (over the curve in 1-D)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdcli.render.descend_files import _label, contour_backdrop, escapes, fs, runs_of, staying_points, xs
from gdcli.render.output import pyplot, save_animation
from gdcli.render.plotting import END, PATH_STYLES, START, exit_point, until_it_leaves
from gdcli.render.progress import progress

MAX_FRAMES = 120  # a GIF of more frames is slow to write and to watch; longer runs are shown every s-th step
FPS = 10


@dataclass(frozen=True)
class Animation:
    path: str
    frames: int
    stride: int  # frame j shows the iterates up to k = j * stride (and the last frame the end of every run)
    steps: int  # the longest run's last k


def frame_plan(longest: int, cap: int = MAX_FRAMES) -> tuple[int, int]:
    """(frames, stride) for runs whose longest has `longest` steps: at most `cap` frames, the last at the end."""
    stride = max(1, math.ceil(longest / max(1, cap - 1)))
    return math.ceil(longest / stride) + 1, stride


def animate(result, path, expr) -> Animation:
    """Write the GIF; one frame per `stride` steps of the longest run, at most MAX_FRAMES."""
    from matplotlib.animation import FuncAnimation

    plt = pyplot()
    runs = runs_of(result)
    n = len(result.variables)
    paths = [xs(r) for r in runs]
    leaving = {id(r): escapes(r) for r in runs}
    longest = max(len(p) for p in paths) - 1
    frames, stride = frame_plan(longest)
    fig, ax = plt.subplots(figsize=(6.4, 5.0) if n == 2 else (6.4, 4.4))
    if n == 1:
        pts = staying_points(result, leaving)
        lo, hi = pts[:, 0].min(), pts[:, 0].max()
        pad = max((hi - lo) * 0.15, 0.5)
        grid = np.linspace(lo - pad, hi + pad, 400)
        with np.errstate(all="ignore"):
            curve = np.asarray(expr.f(grid[:, None]), dtype=float)
        ax.plot(grid, np.where(np.isfinite(curve), curve, np.nan), color="0.35", lw=1.2, label=f"f = {result.expression}"[:60])
        ys = [fs(r) for r in runs]
        seen = np.concatenate([y[np.isfinite(y)] for y, r in zip(ys, runs) if not leaving[id(r)]] or [curve[np.isfinite(curve)]])
        top = max(float(np.nanmax(curve)), float(seen.max()) if seen.size else 0.0)
        bottom = min(float(np.nanmin(curve)), float(seen.min()) if seen.size else 0.0)
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(bottom - 0.05 * (top - bottom + 1e-300), top + 0.05 * (top - bottom + 1e-300))
        ax.set_xlabel(result.variables[0])
        ax.set_ylabel("f")
        tracks = [np.column_stack([p[:, 0], y]) for p, y in zip(paths, ys)]
        lo, hi = np.array([ax.get_xlim()[0], ax.get_ylim()[0]]), np.array([ax.get_xlim()[1], ax.get_ylim()[1]])
    else:
        lo, hi = contour_backdrop(ax, result, expr, leaving, n=160)
        tracks = paths
    lines, heads, exits = [], [], []
    for i, (track, run) in enumerate(zip(tracks, runs)):
        ls, marker = PATH_STYLES[i % len(PATH_STYLES)]
        color = f"C{i % 10}"
        if leaving[id(run)]:  # shown until it leaves the window, then a ▲ where it left
            track, left = until_it_leaves(track, lo, hi)
            tracks[i] = track
            exits.append((len(track) - 1 if left else None, track[-1], color))
        ax.plot(*track[0], mec=color, zorder=5, **START)
        (line,) = ax.plot([], [], ls=ls, marker=marker, ms=3, lw=max(0.9, 2.4 - 0.4 * i), color=color, label=_label(run),
                          zorder=3)
        (head,) = ax.plot([], [], color=color, zorder=6, **END)
        lines.append(line)
        heads.append(head)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.suptitle(f"f = {result.expression}"[:80], fontsize=10)
    title = ax.set_title(f"k = {longest}", fontsize=9)
    note = f"one frame per {stride} steps" if stride > 1 else "every step"
    shown_exits = [(k, ax.plot([], [], marker="^", color=c, ms=9, mec="black", ls="none", clip_on=False, zorder=6)[0], pt)
                   for k, pt, c in exits if k is not None]

    def draw(j):
        k = min(j * stride, longest)
        for track, line, head in zip(tracks, lines, heads):
            shown = track[: k + 1]
            line.set_data(shown[:, 0], shown[:, 1])
            head.set_data([shown[-1, 0]], [shown[-1, 1]])
        for at, marker, pt in shown_exits:
            where = exit_point(pt, lo, hi)
            marker.set_data(([where[0]], [where[1]]) if k >= at else ([], []))
        title.set_text(f"k = {k}  ({note})")
        return [*lines, *heads, title]

    fig.tight_layout()
    anim = FuncAnimation(fig, draw, frames=frames, interval=1000 / FPS, blit=False)
    try:
        with progress("descend: animation frames", total=frames) as bar:
            written = save_animation(anim, path, FPS, tick=lambda i, n: bar.update(advance=1))
    finally:
        plt.close(fig)
    return Animation(str(written), frames, stride, longest)
