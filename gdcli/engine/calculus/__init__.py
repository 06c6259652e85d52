"""Derivatives at a point (symbolic, autodiff, numeric), Hessians and definiteness, kinks, gradient checks,
critical points and Taylor polynomials."""

from gdcli.engine import lazy_exports

__getattr__ = lazy_exports(__name__, {
    "gradient_at": "derivatives", "hessian_at": "derivatives", "definiteness": "derivatives",
    "approx_gradient": "numdiff", "find_kinks": "kinks", "check_gradient": "gradcheck", "step_sweep": "stepsweep",
    "critical_points": "critical", "taylor_polynomial": "taylor",
})
