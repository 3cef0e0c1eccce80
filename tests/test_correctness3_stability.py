"""Stationary closed forms of a model whose stability sympy cannot decide check it at evaluation.

``{x: k x, y: x - g y}`` with ``k`` real: sympy cannot tell the sign of ``k``, so every
stationary closed form holds only where ``k < 0``. At ``k = 1`` the mutual information's
formula is real (and negative, -0.458 at g = 3): it must be refused, not returned.
"""

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import ClosedForm
from thermotheory.errors import NotStable

x, y = sp.symbols("x y", real=True)
k = sp.Symbol("k", real=True)
g = sp.Symbol("g", positive=True)
MODEL = tt.LinearSDE({x: k * x, y: x - g * y}, {x: 1, y: 1})

QUANTITIES = {
    "entropy": lambda m: tt.entropy(m),
    "mutual_information": lambda m: tt.mutual_information(m, x, y),
    "mutual_information_structured": lambda m: tt.mutual_information(m, x, y, form="structured"),
    "entropy_production_rate": lambda m: tt.entropy_production_rate(m),
    "heat_rate": lambda m: tt.heat_rate(m, subsystem=y),
    "information_flow": lambda m: tt.information_flow(m, subsystem=y),
    "transfer_entropy_rate": lambda m: tt.transfer_entropy_rate(m, x, y),
}


@pytest.mark.parametrize("name", sorted(QUANTITIES))
def test_undecided_stability_is_checked_when_evaluated(name):
    assert MODEL.is_stable() is None
    form = QUANTITIES[name](MODEL)
    assert isinstance(form, ClosedForm) and form.hurwitz
    with pytest.raises(NotStable):
        tt.evaluate(form, {k: 1, g: 3})
    with pytest.raises(NotStable):
        form.lambdify([k, g])(1.0, 3.0)
    # where the drift is stable, the value is the numeric engine's on the substituted model
    values = {k: -0.7, g: 3}
    expected = QUANTITIES[name](MODEL.subs(values))
    assert float(tt.evaluate(form, values)) == pytest.approx(float(expected), rel=1e-10, abs=1e-14)


def test_the_refused_value_would_have_been_real_and_wrong():
    """Without the check the formula gives a real number at k = 1: a negative mutual information."""
    form = tt.mutual_information(MODEL, x, y)
    raw = complex(form.expr.subs({k: 1, g: 3}).evalf())
    assert raw.imag == 0 and raw.real < 0


def test_decided_and_transient_forms_are_unchanged():
    a = sp.Symbol("a", positive=True)
    stable = tt.LinearSDE({x: -a * x, y: x - g * y}, {x: 1, y: 1})
    assert not isinstance(tt.mutual_information(stable, x, y), ClosedForm)
    # an independent check of the stable model's mutual information: scipy at a point
    A = np.array([[-1.3, 0.0], [1.0, -2.0]])
    S = scipy.linalg.solve_continuous_lyapunov(A, -2 * np.eye(2))
    mi = 0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S))
    assert float(tt.evaluate(tt.mutual_information(stable, x, y), {a: 1.3, g: 2})) == pytest.approx(mi, rel=1e-12)


def test_the_stationary_covariance_of_an_undecided_model_checks_the_drift():
    """At k = 1 the covariance formula has a negative variance (-1): refused, not returned."""
    S = tt.stationary_covariance(MODEL)
    assert isinstance(S, ClosedForm) and S.hurwitz
    assert float(S.expr.subs({k: 1, g: 3})[0, 0]) < 0  # what the bare formula would give
    with pytest.raises(NotStable):
        tt.evaluate(S, {k: 1, g: 3})
    A = np.array([[-0.7, 0.0], [1.0, -3.0]])
    expected = scipy.linalg.solve_continuous_lyapunov(A, -2 * np.eye(2))
    got = np.array(tt.evaluate(S, {k: -0.7, g: 3}).tolist(), dtype=float)
    assert np.allclose(got, expected, rtol=1e-12, atol=0)
    # decided and numeric models still get the plain matrix
    a = sp.Symbol("a", positive=True)
    assert isinstance(tt.stationary_covariance(tt.LinearSDE({x: -a * x}, {x: 1})), sp.MatrixBase)


def test_a_drift_whose_balancing_meets_a_nan_is_refused_without_a_raw_warning():
    """Found by the slow fuzz test (150 numeric models): a singular drift with entries 1e-122 and 1e-12 made scipy's
    balancing cast a NaN in the permutation it returns (unused here) and warn ``invalid value encountered in cast``
    beside the named refusal."""
    import warnings

    A = np.zeros((4, 4))
    A[0, 1], A[1, 3] = 4.845447775344073e-122, 1e-12
    model = tt.LinearSDE.from_matrices(A, np.eye(4), b=np.zeros(4), variables=["z0", "z1", "z2", "z3"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NotStable, match="conserved or marginal mode"):
            tt.stationary_mean(model)


def test_a_covariance_near_the_largest_float_is_computed_without_a_raw_warning():
    """Found by the slow fuzz test: a drift of -1.26e-249 has the stationary variance 1/1.26e-249 = 7.95e248, a float;
    the check of the solve's residual squared it in a Frobenius norm and warned ``overflow encountered in dot``."""
    import warnings

    a = 1.2573112888021952e-249
    model = tt.LinearSDE.from_matrices([[-a]], [[1.0]], b=[0.0], variables=["z0"], parity=[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S = tt.stationary_covariance(model)
    assert np.isclose(float(np.asarray(S)[0, 0]), 1 / a, rtol=1e-12)
