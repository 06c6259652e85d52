"""Draw the README's pictures under docs/ with gdcli itself: `.venv/bin/python scripts/docs_pictures.py`.

Each picture is what the command writes, shrunk to at most WIDTH pixels wide and stored as a palette PNG so
that the repository stays small. Re-run it after changing a picture; commit the three PNGs it writes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
WIDTH = 900
PICTURES = {
    # Figs 3.5 and 3.7: the surface with −∇f on it; the heat map with the gradient field and chosen levels.
    "grad-field.png": ["grad", "sqrt(w0**2 + w1**2)", "--at", "3,4", "--levels", "1,2,5"],
    # Figs 2.7 and 2.8 from one sweep: the runs that stay on their own scale, lr 1.01 in its own panel.
    "descend-sweep.png": ["descend", "x**2", "--start", "1", "--lr", "0.01,0.1,0.8,1.01", "--steps", "300"],
    # Figs 3.16 and 3.17: x³'s chord with C below D, and the tangent the curve dips below.
    "convex-chord.png": ["convex", "x**3", "--chord", "-2,1", "--alpha", "0.3", "--tangent", "-1"],
}


def main() -> int:
    from PIL import Image

    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in PICTURES.items():
            raw = Path(tmp) / name
            subprocess.run([sys.executable, "-m", "gdcli", *args, "--plot", str(raw)], check=True,
                           stdout=subprocess.DEVNULL)
            with Image.open(raw) as im:
                im = im.convert("RGB")
                if im.width > WIDTH:
                    im = im.resize((WIDTH, round(im.height * WIDTH / im.width)), Image.Resampling.LANCZOS)
                im.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(DOCS / name, optimize=True)
            print(f"wrote {(DOCS / name).relative_to(ROOT)} ({(DOCS / name).stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
