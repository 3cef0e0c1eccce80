"""Arbitrary-precision evaluation and LaTeX export."""

import mpmath
import numpy as np
import pytest
import sympy as sp

import thermotheory as tt

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
POINT = {tau: "1.3", tau_r: "0.45", lam: "2.2", D_v: "0.8", D_r: "0.35"}


@pytest.mark.parametrize(
    "quantity",
    [
        lambda m: tt.mutual_information(m, v, r),
        lambda m: tt.entropy_production_rate(m),
        lambda m: tt.information_flow(m, subsystem=r),
        lambda m: tt.efficiency(m, r),
        lambda m: tt.filter_error(m, v, r),
        lambda m: tt.transfer_entropy_rate(m, v, r),
    ],
)
def test_mpmath_agrees_with_float_path_and_with_itself(quantity):
    expr = quantity(SENSOR)
    floats = {k: float(val) for k, val in POINT.items()}
    as_float = quantity(SENSOR.subs(floats))
    at30 = tt.evaluate(expr, POINT, dps=30)
    assert float(at30) == pytest.approx(as_float, rel=1e-12)
    at50 = tt.evaluate(expr, POINT, dps=50)
    at80 = tt.evaluate(expr, POINT, dps=80)
    with mpmath.workdps(80):
        assert abs(at50 - at80) <= mpmath.mpf(10) ** -40 * abs(at80)


def mpmath_lyapunov(A, Q, dps):
    """Solve A S + S A^T + Q = 0 by a Kronecker linear system in mpmath (independent oracle)."""
    n = A.rows
    with mpmath.workdps(dps):
        K = mpmath.zeros(n * n, n * n)
        for i in range(n):
            for j in range(n):
                for k in range(n):
                    K[i * n + j, k * n + j] += A[i, k]
                    K[i * n + j, i * n + k] += A[j, k]
        rhs = mpmath.matrix([-Q[i, j] for i in range(n) for j in range(n)])
        sol = mpmath.lu_solve(K, rhs)
        return mpmath.matrix([[sol[i * n + j] for j in range(n)] for i in range(n)])


def test_closed_form_covariance_against_mpmath_oracle_at_50_digits():
    x = sp.Symbol("w", real=True)
    kap, tau_w, D_w = sp.symbols("kappa tau_w D_w", positive=True)
    m = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r, x: (kap * r - x) / tau_w}, {v: D_v, r: D_r, x: D_w})
    point = {**POINT, kap: "0.7", tau_w: "3.1", D_w: "0.2"}
    S = tt.evaluate(tt.stationary_covariance(m), point, dps=50)
    with mpmath.workdps(50):
        vals = {k: mpmath.mpf(val) for k, val in point.items()}
        A = mpmath.matrix([[mpmath.mpf(sp.N(e.subs(vals), 60)) for e in row] for row in m.A.tolist()])
        Q = mpmath.matrix([[2 * mpmath.mpf(sp.N(e.subs(vals), 60)) for e in row] for row in m.D.tolist()])
        ref = mpmath_lyapunov(A, Q, 50)
        assert mpmath.mnorm(S - ref, 1) <= mpmath.mpf(10) ** -40 * mpmath.mnorm(ref, 1)


def test_value_kinds():
    x = sp.Symbol("x", positive=True)
    from fractions import Fraction

    expr = x / 3
    for val in (1, 1.0, "1", Fraction(1, 1), sp.Integer(1), mpmath.mpf(1), np.float64(1.0)):
        got = tt.evaluate(expr, {x: val}, dps=40)
        with mpmath.workdps(40):
            assert abs(got - mpmath.mpf(1) / 3) < mpmath.mpf(10) ** -39
    with mpmath.workdps(40):  # a decimal string is read at the working precision
        assert abs(tt.evaluate(x, {x: "0.1"}, dps=40) - mpmath.mpf(1) / 10) < mpmath.mpf(10) ** -39
    assert tt.evaluate(expr, {"x": 3}) == 1


def test_imaginary_roundoff_is_dropped():
    k = sp.Symbol("k", positive=True)
    expr = sp.cosh(sp.sqrt(1 - 4 * k))  # imaginary argument for k > 1/4
    val = tt.evaluate(expr, {k: 1}, dps=30)
    assert isinstance(val, mpmath.mpf)
    with mpmath.workdps(30):
        assert abs(val - mpmath.cos(mpmath.sqrt(3))) < mpmath.mpf(10) ** -28


def test_errors():
    x = sp.Symbol("x")
    with pytest.raises(tt.ModelError, match=r"no value given for \['x'\]"):
        tt.evaluate(x + 1, {})
    with pytest.raises(tt.ModelError, match="dps"):
        tt.evaluate(x, {x: 1}, dps=0)
    with pytest.raises(tt.ModelError, match="expected a number"):
        tt.evaluate(x, {x: [1, 2]})


def test_latex_of_a_closed_form_and_a_matrix():
    assert tt.latex(tt.mutual_information(SENSOR, v, r)).startswith(r"\frac{1}{2} \ln{")
    assert r"\tau" in tt.latex(tt.stationary_covariance(SENSOR))
