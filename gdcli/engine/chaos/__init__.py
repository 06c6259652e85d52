"""The SGD fractal of §2.7.7: the least-squares problem as affine maps, the chaos game, the density panels."""

from gdcli.engine import lazy_exports

__getattr__ = lazy_exports(__name__, {"fractal": "panels", "problem": "problem", "sgd_maps": "problem"})
