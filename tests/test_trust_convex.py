"""Issue 12 §5 and the scaling property: convexity proofs for B&V ch. 3 / CVXPY atoms, checked against second
differences of the closed form written here in NumPy; and verdicts that transform correctly under scaling by
any factor between 1e-250 and 1e250 of either sign (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
relu = lambda t: np.maximum(t, 0)  # noqa: E731

# (expression, domain, verdict, method, the closed form on points (m, n), a box to check it on)
PROOFS = [
    ("x**2/y", "y>0", "convex", "rules", lambda x, y: x**2 / y, [(-3, 3), (0.1, 3)]),
    ("abs(x)**3", None, "convex", "rules", lambda x: np.abs(x) ** 3, [(-2, 2)]),
    ("abs(x-y)**1.5", None, "convex", "rules", lambda x, y: np.abs(x - y) ** 1.5, [(-2, 2), (-2, 2)]),
    ("relu(x)**2", None, "convex", "rules", lambda x: relu(x) ** 2, [(-2, 2)]),
    ("relu(x+y)**3", None, "convex", "rules", lambda x, y: relu(x + y) ** 3, [(-2, 2), (-2, 2)]),
    ("exp(x)*exp(y)", None, "convex", "rules", lambda x, y: np.exp(x) * np.exp(y), [(-2, 2), (-2, 2)]),
    ("log(exp(x)+exp(y))", None, "convex", "rules", lambda x, y: np.logaddexp(x, y), [(-3, 3), (-3, 3)]),
    ("sqrt(x*y)", "x>0, y>0", "concave", "rules", lambda x, y: np.sqrt(x * y), [(0.1, 3), (0.1, 3)]),
    ("(x*y)**0.5", "x>0, y>0", "concave", "rules", lambda x, y: (x * y) ** 0.5, [(0.1, 3), (0.1, 3)]),
    ("(x*y*z)**(1/3)", "x>0, y>0, z>0", "concave", "rules", lambda x, y, z: np.cbrt(x * y * z),
     [(0.1, 3)] * 3),
    ("1/(x*y)", "x>0, y>0", "convex", "rules", lambda x, y: 1 / (x * y), [(0.2, 3), (0.2, 3)]),
    ("x*log(x)", None, "strictly-convex", "second-derivative", lambda x: x * np.log(x), [(0.05, 3)]),
    ("x*log(x) + y*log(y)", None, "strictly-convex", "separable", lambda x, y: x * np.log(x) + y * np.log(y),
     [(0.05, 3), (0.05, 3)]),
    ("log(sigmoid(x))", None, "strictly-concave", "second-derivative", lambda x: np.log(sig(x)), [(-5, 5)]),
    ("log(sigmoid(x - 2*y))", None, "concave", "rules", lambda x, y: np.log(sig(x - 2 * y)), [(-3, 3), (-3, 3)]),
    ("softplus(x)", None, "strictly-convex", "second-derivative", lambda x: np.logaddexp(0, x), [(-5, 5)]),
    ("x**2 + exp(y) + z**4", None, "strictly-convex", "separable", lambda x, y, z: x**2 + np.exp(y) + z**4,
     [(-2, 2)] * 3),
    ("-x**2 + log(y)", None, "strictly-concave", "separable", lambda x, y: -x**2 + np.log(y), [(-2, 2), (0.1, 3)]),
]


def second_difference_extremes(f, box, rng, m=300, h=1e-4):
    """Smallest and largest second difference of f along random unit directions at random points of the box."""
    lo, hi = np.array(box, dtype=float).T
    X = rng.uniform(lo + 2 * h, hi - 2 * h, (m, len(box)))
    D = rng.normal(size=X.shape)
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        q = (f(*(X + h * D).T) - 2 * f(*X.T) + f(*(X - h * D).T)) / h**2
    q = q[np.isfinite(q)]
    return q.min(), q.max()


@pytest.mark.parametrize("expression, domain, verdict, method, f, box", PROOFS, ids=[p[0] for p in PROOFS])
def test_short_proofs_are_made_and_the_closed_form_agrees(cli_json, expression, domain, verdict, method, f, box):
    doc = cli_json("convex", expression, *(["--domain", domain] if domain else []))
    assert (doc["verdict"], doc["proved"], doc["method"]) == (verdict, True, method)
    low, high = second_difference_extremes(f, box, np.random.default_rng(0))
    if "convex" in verdict:
        assert low > -1e-4 * max(1.0, abs(high))
    else:
        assert high < 1e-4 * max(1.0, abs(low))


@pytest.mark.parametrize("expression, domain, verdict", [
    ("x**2/y", "y<0", "concave"),  # quad-over-lin flips on v < 0: the rule must not claim convex there
    ("x*y", "x>0, y>0", "neither"),  # a product of positive affine functions with Σp = 2 > 1 is no geometric mean
    ("x**2*y**2", None, None),  # no rule: sampling, never a wrong proof
    ("x*abs(x)", None, "neither"),  # |x|·x is not |x|^2: odd, so neither
    ("sigmoid(x)", None, "neither"),
])
def test_where_a_rule_does_not_apply_the_answer_stays_honest(cli_json, expression, domain, verdict):
    doc = cli_json("convex", expression, *(["--domain", domain] if domain else []))
    if verdict is None:
        assert not doc["proved"] and doc["verdict"] in ("neither", "not-convex", "not-concave", "unknown")
    else:
        assert doc["verdict"] == verdict or (not doc["proved"] and doc["verdict"] in ("not-convex", "not-concave"))
        assert doc["verdict"] != "convex" or verdict == "convex"


# -- scaling: c·f for c = ±10^u, u in [-250, 250] ------------------------------------------------------------

BASES = [  # (expression, its verdict, its Hessian's definiteness at (0.5, 0.25))
    ("x**2 + 3*x*y + 5*y**2", "strictly-convex", "positive-definite"),
    ("x**2 - y**2", "neither", "indefinite"),
    ("(x + y)**2", "convex", "positive-semidefinite"),
    ("x**4 + y**2", "strictly-convex", "positive-definite"),
]
MIRROR = {"strictly-convex": "strictly-concave", "convex": "concave", "neither": "neither",
          "positive-definite": "negative-definite", "positive-semidefinite": "negative-semidefinite",
          "indefinite": "indefinite"}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.sampled_from(BASES), exponent=st.floats(-250, 250), mantissa=st.floats(1, 9.99),
       negative=st.booleans())
def test_verdicts_and_definiteness_transform_under_scaling(cli_json, base, exponent, mantissa, negative):
    text, verdict, kind = base
    c = (-1 if negative else 1) * mantissa * 10.0**exponent
    scaled = f"{c!r}*({text})"
    want_verdict = MIRROR[verdict] if negative else verdict
    want_kind = MIRROR[kind] if negative else kind
    assert cli_json("convex", scaled)["verdict"] == want_verdict
    doc = cli_json("hessian", scaled, "--at", "0.5,0.25")
    assert doc["definiteness"] == want_kind and doc["definiteness_exact"] is True
