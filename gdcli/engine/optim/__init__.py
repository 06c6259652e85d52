"""Optimisers as pure (init, update) transforms, the descent loop as a generator, regimes and learning-rate sweeps."""

from gdcli.engine import lazy_exports

__getattr__ = lazy_exports(__name__, {
    "make": "transforms", "OPTIMIZERS": "transforms", "iterate": "descent", "Settings": "descent",
    "descend": "sweep", "curvature": "regime", "gd_regime": "regime",
})
