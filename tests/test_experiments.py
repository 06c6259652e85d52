"""The main job: every seed experiment in experiments/ passes its checks, and the results hold the plots."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_seed_experiment_passes(cli, tmp_path):
    out = tmp_path / "results"
    r = cli("run", ROOT / "experiments", "--out", out, "--jobs", "2", "--json")
    doc = json.loads(r.stdout)
    failed = {e["name"]: e["error"] or [c for c in e["checks"] if not c["passed"]]
              for e in doc["experiments"] if e["status"] != "passed"}
    assert not failed
    assert r.exit_code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["experiments"]) == len(list((ROOT / "experiments").glob("*.yaml")))
    pngs = sorted(p.relative_to(out).parts[0] for p in out.rglob("*.png"))
    for name in ("seed003-lr-regimes", "seed003-fractal-fig-2-12", "seed002-step-size-sweep"):
        assert name in pngs
