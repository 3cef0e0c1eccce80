"""The symbolic budget: big symbolic problems answer correctly or are refused at once, never hang."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.core import budget
from thermotheory.core._backend import SymOps


@contextmanager
def hang_guard(seconds: int):
    """Fail (rather than hang the suite) if the block runs for more than ``seconds``."""
    def on_alarm(*_):
        raise AssertionError(f"the symbolic call ran for more than {seconds} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _chain(n):
    z = sp.symbols(f"x0:{n}", real=True)
    g = sp.symbols(f"g1:{n}", positive=True)
    tau = sp.symbols(f"tau0:{n}", positive=True)
    d = sp.symbols(f"d0:{n}", positive=True)
    drift = {z[0]: -z[0] / tau[0]}
    for i in range(1, n):
        drift[z[i]] = (g[i - 1] * z[i - 1] - z[i]) / tau[i]
    return tt.LinearSDE(drift, {z[i]: d[i] for i in range(n)})


def _random_point(model, rng):
    return {p: float(rng.uniform(0.5, 2.0)) for p in model.parameters}


def test_a_six_variable_chain_is_refused_quickly():
    with hang_guard(60):
        with pytest.raises(tt.TooLarge, match="monomials"):
            tt.stationary_covariance(_chain(6))


def test_a_dense_symbolic_three_by_three_drift_is_solved_exactly():
    z = sp.symbols("x0:3", real=True)
    a = sp.symbols("a0:9", real=True)
    d = sp.symbols("d0:3", positive=True)
    m = tt.LinearSDE({z[i]: sum(a[3 * i + j] * z[j] for j in range(3)) for i in range(3)},
                     {z[i]: d[i] for i in range(3)})
    with hang_guard(120):
        S = tt.stationary_covariance(m)
    rng = np.random.default_rng(5)
    checked = 0
    while checked < 3:
        A = rng.normal(size=(3, 3)) - 2.5 * np.eye(3)
        if np.max(np.linalg.eigvals(A).real) >= -0.1:
            continue
        Dv = rng.uniform(0.5, 2.0, size=3)
        vals = {**{a[k]: A.flat[k] for k in range(9)}, **{d[i]: Dv[i] for i in range(3)}}
        got = np.array(S.subs(vals).evalf(), dtype=float)
        ref = sla.solve_continuous_lyapunov(A, -2 * np.diag(Dv))
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12)
        checked += 1


def test_the_flow_of_a_coupled_three_variable_block_is_exact():
    """A feedback loop x -> v -> r -> x: its information flow used to take minutes."""
    x, v, r = sp.symbols("x v r", real=True)
    k, gam, lam, tau, T, Dr, c = sp.symbols("k gamma lambda tau T D_r c", positive=True)
    m = tt.LinearSDE({x: -x / tau + c * r, v: -gam * v + k * x, r: lam * v - r}, {x: T, v: gam * T, r: Dr})
    with hang_guard(120):
        flow = tt.information_flow(m, subsystem=r)
    rng = np.random.default_rng(2)
    for _ in range(3):
        vals = _random_point(m, rng)
        vals[c] = 0.2 * vals[c]  # a weak loop gain keeps the loop stable
        numeric = m.subs(vals)
        assert float(flow.subs(vals)) == pytest.approx(tt.information_flow(numeric, subsystem=r), rel=1e-9)


def test_expansion_bound_bounds_the_monomials_of_a_determinant():
    rng = np.random.default_rng(0)
    syms = sp.symbols("p0:6")
    for _ in range(10):
        M = sp.Matrix(3, 3, lambda i, j: sum(syms[k] for k in rng.choice(6, size=rng.integers(0, 3), replace=False)))
        det = sp.expand(M.det())
        terms = 0 if det == 0 else len(sp.Add.make_args(det))
        assert terms <= budget.expansion_bound(M)


def test_term_bound_bounds_numerator_and_denominator():
    a, b, c = sp.symbols("a b c")
    rng = np.random.default_rng(1)
    atoms = [a, b, c, a + b, b - c, a * c + 1]
    for _ in range(20):
        e = sp.Integer(1)
        for _ in range(3):
            e = e * atoms[rng.integers(6)] + atoms[rng.integers(6)] / atoms[rng.integers(6)]
        num, den = sp.fraction(sp.cancel(sp.together(e)))
        count = len(sp.Add.make_args(sp.expand(num))) + len(sp.Add.make_args(sp.expand(den)))
        assert count <= budget.term_bound(e)


def test_an_elimination_with_too_large_an_expansion_is_refused_before_it_starts():
    syms = sp.symbols("p0:64")
    M = sp.Matrix(8, 8, lambda i, j: syms[8 * i + j] + syms[(8 * i + j + 1) % 64])  # dense, two terms each
    assert budget.expansion_bound(M) > budget.MAX_EXPANSION
    with hang_guard(30):
        with pytest.raises(tt.TooLarge, match="monomials"):
            budget.check_expansion(M, "a test elimination")
        with pytest.raises(tt.TooLarge):
            SymOps.inv(M)


def test_a_singular_fraction_free_solve_is_a_named_error():
    from thermotheory.core.lyapunov import solve_fraction_free

    a, b = sp.symbols("a b", positive=True)
    M = sp.Matrix([[a, b], [2 * a, 2 * b]])
    with pytest.raises(tt.ModelError, match="singular"):
        solve_fraction_free(M, sp.Matrix([1, 1]), "a test solve")
    # and a regular one against sympy's own solve
    M = sp.Matrix([[a, b], [1, a + b]])
    sol = solve_fraction_free(M, sp.Matrix([1, 2]), "a test solve")
    ref = M.LUsolve(sp.Matrix([1, 2]))
    assert all(sp.cancel(x - y) == 0 for x, y in zip(sol, ref))


def test_a_result_with_too_many_terms_is_refused():
    syms = sp.symbols("q0:12")
    big = sp.Mul(*[sum(syms[k:k + 4]) for k in range(6)])  # 4^6 monomials when expanded
    with pytest.raises(tt.TooLarge, match="monomials"):
        budget.check_terms([big], "a test result")


def test_factor_is_sympy_factor_with_reproducible_choices_and_leaves_the_generator_alone():
    from sympy.core import random as sympy_random

    a = sp.symbols("a0:9", real=True)
    A = sp.Matrix(3, 3, a)
    c = A.charpoly().all_coeffs()
    hurwitz = sp.expand(c[1] * c[2] - c[3])  # the 9-parameter condition whose factorisation once took minutes
    before = sympy_random.rng.getstate()
    out = budget.factor(hurwitz)
    assert sympy_random.rng.getstate() == before
    assert sp.expand(out - hurwitz) == 0
    assert budget.factor(hurwitz) == out
