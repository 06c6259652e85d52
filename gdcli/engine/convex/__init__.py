"""Convexity: the proof cascade (Hessian, f'', composition rules), domains, and verified counterexamples."""

from gdcli.engine import lazy_exports

__getattr__ = lazy_exports(__name__, {
    "decide_convexity": "proof", "satisfies": "proof", "make_domain": "domain", "curvature_by_rules": "rules",
})
