"""The mathematics, one folder per topic: pure functions returning frozen result dataclasses. No printing, no CLI.

- calculus/  derivatives, Hessians, finite differences, kinks, gradient checks
- optim/     optimisers as (init, update) transforms, the descent loop, regimes, learning-rate sweeps
- convex/    the convexity proof cascade, composition rules, domains, witnesses
- learn/     data, models and losses, training, derivative-free searches
- chaos/     the SGD fractal: the problem, the chaos game, the density panels

Each topic package names its entry points and imports them only when first used (see `lazy_exports`).
"""

from __future__ import annotations

import importlib


def lazy_exports(package: str, exports: dict[str, str]):
    """A module `__getattr__` that imports `package.<module>` on first use of one of its public names.

    Importing a topic package stays cheap (torch, scipy and friends load only with the function that needs them).
    """

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    return __getattr__
