"""Symbolic transients of three-state networks (Sylvester's formula) and the shared helpers of the jump forms.

Every symbolic result is checked against an independent numeric computation at random
rates: ``scipy.linalg.expm`` for ``p(t)``, quadrature of ``c . expm(L s) p0`` for the heat
(``c_i = sum_j w_ij ln(w_ij / w_ji)``), the entropy production from those, and the limits
``t -> 0`` (exactly) and ``t -> inf`` (the stationary state, the stationary heat rate).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import sympy as sp

from thermotheory.core import jump_currents as jc
from thermotheory.core import jump_forms as jf
from thermotheory.core import jump_transient as jt
from thermotheory.core.closedform import ClosedForm
from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
from thermotheory.errors import IrreversibleTransition, ModelError, TooLarge

T = sp.Symbol("t", positive=True)
W = sp.symbols("w01 w12 w20 w10 w21 w02", positive=True)
EDGES = [(0, 1), (1, 2), (2, 0), (1, 0), (2, 1), (0, 2)]


def ring() -> MarkovJumpProcess:
    return MarkovJumpProcess(dict(zip(EDGES, W)), states=range(3))


def generator(rates: dict, n: int = 3) -> np.ndarray:
    L = np.zeros((n, n))
    for (i, j), w in rates.items():
        L[j, i] += w
        L[i, i] -= w
    return L


def heat_by_quadrature(rates: dict, p0: np.ndarray, t: float, edges=None) -> float:
    """``int_0^t sum_{i->j} p_i(s) w_ij ln(w_ij / w_ji) ds`` by adaptive quadrature of ``expm``."""
    L = generator(rates)
    c = np.zeros(3)
    for (i, j), w in rates.items():
        if edges is None or (i, j) in edges:
            c[i] += w * math.log(w / rates[(j, i)])
    Q, _ = scipy.integrate.quad(lambda s: c @ (scipy.linalg.expm(L * s) @ p0), 0, t, epsabs=1e-13, epsrel=1e-12)
    return Q


def shannon(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def value(expr, values: dict) -> np.ndarray:
    """A symbolic result (expression, Matrix or ClosedForm) at numbers, as a real float array (imaginary parts ~ 0)."""
    if isinstance(expr, ClosedForm):
        out = np.array(sp.Matrix(expr.evaluate(values)) if isinstance(expr.expr, sp.MatrixBase)
                       else [expr.evaluate(values)], dtype=complex)
    else:
        f = sp.lambdify(sorted(values, key=str), expr, "mpmath")  # faster than subs for long plain forms
        with mpmath.workdps(30):
            r = f(*[mpmath.mpf(values[k]) for k in sorted(values, key=str)])
        out = np.array(r.tolist() if isinstance(r, mpmath.matrix) else [r], dtype=complex)
    out = out.ravel()
    assert np.all(np.abs(out.imag) <= 1e-12 * max(1.0, float(np.abs(out).max())))
    return out.real


def random_point(rng) -> dict:
    return {w: float(rng.uniform(0.2, 3.0)) for w in W}


# -- p(t), q(t), heat and entropy production against numerics at random points -------------------------------------
@pytest.mark.parametrize("form", [None, "rational", "structured"])
def test_three_state_distribution_matches_expm(form):
    rng = np.random.default_rng(11)
    p = jt.distribution(ring(), T, {0: 1}, form=form)
    assert isinstance(p, ClosedForm) == (form == "structured")
    for _ in range(3):
        vals = random_point(rng)
        t = float(rng.uniform(0.1, 3.0))
        rates = {e: vals[w] for e, w in zip(EDGES, W)}
        expected = scipy.linalg.expm(generator(rates) * t)[:, 0]
        np.testing.assert_allclose(value(p, {**vals, T: t}), expected, rtol=1e-10)


def test_three_state_heat_entropy_production_and_time_integral_match_numerics():
    rng = np.random.default_rng(12)
    m = ring()
    p0_exact = [sp.Rational(1, 2), sp.Rational(1, 5), sp.Rational(3, 10)]
    p0 = np.array([float(x) for x in p0_exact])
    q = jt.time_integral(m, T, p0_exact)
    Q_plain = jt.heat(m, T, p0_exact, form="rational")
    Q = jt.heat(m, T, p0_exact)  # structured by default: the occupation times named
    assert isinstance(Q, ClosedForm) and not isinstance(Q_plain, ClosedForm)
    S = jt.entropy_production(m, T, p0_exact)
    S_plain = jt.entropy_production(m, T, p0_exact, form="rational")
    for _ in range(2):
        vals = random_point(rng)
        t = float(rng.uniform(0.1, 3.0))
        rates = {e: vals[w] for e, w in zip(EDGES, W)}
        at = {**vals, T: t}
        L = generator(rates)
        q_num, _ = scipy.integrate.quad_vec(lambda s: scipy.linalg.expm(L * s) @ p0, 0, t, epsabs=1e-13, epsrel=1e-12)
        np.testing.assert_allclose(value(q, at), q_num, rtol=1e-9)
        Qn = heat_by_quadrature(rates, p0, t)
        assert value(Q, at)[0] == pytest.approx(Qn, rel=1e-9, abs=1e-12)
        assert value(Q_plain, at)[0] == pytest.approx(Qn, rel=1e-9, abs=1e-12)
        pt = scipy.linalg.expm(L * t) @ p0
        Sn = shannon(pt) - shannon(p0) + Qn
        assert value(S, at)[0] == pytest.approx(Sn, rel=1e-9, abs=1e-12)
        assert value(S_plain, at)[0] == pytest.approx(Sn, rel=1e-9, abs=1e-12)
        # the existing numeric path agrees as well
        mn = m.numeric(vals)
        assert jt.entropy_production(mn, t, p0) == pytest.approx(Sn, rel=1e-9)


def test_heat_of_a_reservoir_and_of_a_subsystem():
    rng = np.random.default_rng(13)
    m = MarkovJumpProcess(dict(zip(EDGES, W)), states=range(3),
                          reservoirs={(0, 1): "hot", (1, 2): "cold", (2, 0): "cold"})
    hot = jt.heat(m, T, {1: 1}, reservoir="hot")
    cold = jt.heat(m, T, {1: 1}, reservoir="cold")
    total = jt.heat(m, T, {1: 1})
    vals = random_point(rng)
    rates = {e: vals[w] for e, w in zip(EDGES, W)}
    t = 0.7
    p0 = np.array([0.0, 1.0, 0.0])
    at = {**vals, T: t}
    assert value(hot, at)[0] == pytest.approx(heat_by_quadrature(rates, p0, t, {(0, 1), (1, 0)}), rel=1e-9)
    assert value(cold, at)[0] == pytest.approx(heat_by_quadrature(rates, p0, t, {(1, 2), (2, 1), (2, 0), (0, 2)}),
                                               rel=1e-9)
    assert value(total, at)[0] == pytest.approx(value(hot, at)[0] + value(cold, at)[0], rel=1e-10)


def test_complex_eigenvalues_of_a_driven_cycle():
    """A one-way cycle 0 -> 1 -> 2 -> 0 with equal rates has eigenvalues -3k/2 +- i sqrt(3) k/2: Delta is imaginary."""
    k = sp.Symbol("k", positive=True)
    m = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k})
    p = jt.distribution(m, T, [1, 0, 0])
    ps = jt.distribution(m, T, [1, 0, 0], form="structured")  # names the real Delta^2 < 0, not an imaginary Delta
    L = generator({(0, 1): 1.3, (1, 2): 1.3, (2, 0): 1.3})
    for t in (0.3, 1.1, 4.0):
        np.testing.assert_allclose(value(p, {k: 1.3, T: t}), scipy.linalg.expm(L * t)[:, 0], rtol=1e-10)
        np.testing.assert_allclose(value(ps, {k: 1.3, T: t}), scipy.linalg.expm(L * t)[:, 0], rtol=1e-10)
    mixed = {(0, 1): W[0], (1, 2): W[1], (2, 0): W[2], (1, 0): W[3]}  # 2 -> 1, 0 -> 2 missing: not reversible
    m2 = MarkovJumpProcess(mixed)
    p2 = jt.distribution(m2, T, {2: 1}, form="structured")
    vals = {W[0]: 0.4, W[1]: 2.5, W[2]: 0.3, W[3]: 1.7}
    L2 = generator({e: vals[w] for e, w in mixed.items()})
    np.testing.assert_allclose(value(p2, {**vals, T: 0.9}), scipy.linalg.expm(L2 * 0.9)[:, 2], rtol=1e-10)
    with pytest.raises(IrreversibleTransition):
        jt.entropy_production(m2, T, {2: 1})


def test_symbolic_initial_distribution():
    x = sp.Symbol("x", positive=True)
    p = jt.distribution(ring(), T, {0: x, 2: 1 - x})
    vals = {w: v for w, v in zip(W, (0.5, 1.5, 2.0, 0.8, 0.3, 1.1))}
    rates = {e: vals[w] for e, w in zip(EDGES, W)}
    expected = scipy.linalg.expm(generator(rates) * 1.3) @ np.array([0.35, 0.0, 0.65])
    np.testing.assert_allclose(value(p, {**vals, x: 0.35, T: 1.3}), expected, rtol=1e-10)


# -- equal eigenvalues ----------------------------------------------------------------------------------------------
def test_equal_eigenvalues_give_the_exact_limit():
    k = sp.Symbol("k", positive=True)
    m = MarkovJumpProcess({e: k for e in EDGES})  # L = k (J - 3 I): eigenvalues 0, -3k, -3k
    p = jt.distribution(m, T, {0: 1})
    hand = sp.Matrix([1 + 2 * sp.exp(-3 * k * T), 1 - sp.exp(-3 * k * T), 1 - sp.exp(-3 * k * T)]) / 3
    assert sp.simplify(p - hand) == sp.zeros(3, 1)
    q = jt.time_integral(m, T, {0: 1})
    assert sp.simplify(q[0] - (T / 3 + 2 * (1 - sp.exp(-3 * k * T)) / (9 * k))) == 0
    assert not any(isinstance(d, sp.Symbol) and d.name == "Delta" for d, _ in
                   jt.distribution(m, T, {0: 1}, form="structured").definitions)
    # numeric rates with a symbolic time: the same exact branch, no 0/0
    mn = MarkovJumpProcess({e: 2.0 for e in EDGES})
    pn = jt.distribution(mn, T, [0.2, 0.3, 0.5])
    expected = scipy.linalg.expm(generator({e: 2.0 for e in EDGES}) * 0.4) @ np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(value(pn, {T: 0.4}), expected, rtol=1e-12)


def test_nearly_equal_eigenvalues_stay_accurate():
    """Rates close to the degenerate point: the cosh / sinh(Delta t)/Delta form has no cancellation to lose."""
    eps = 1e-7
    rates = {e: 1.0 + (eps if e == (0, 1) else 0.0) for e in EDGES}
    m = MarkovJumpProcess({e: sp.Float(v, 30) for e, v in rates.items()})
    p = jt.distribution(m, T, [1, 0, 0])
    np.testing.assert_allclose(value(p, {T: 0.8}), scipy.linalg.expm(generator(rates) * 0.8)[:, 0], rtol=1e-9)


# -- limits ---------------------------------------------------------------------------------------------------------
def test_limits_t_to_zero_and_infinity():
    m = ring()
    p0 = [sp.Rational(1, 4), sp.Rational(1, 4), sp.Rational(1, 2)]
    p = jt.distribution(m, T, p0)
    q = jt.time_integral(m, T, p0)
    Q = jt.heat(m, T, p0, form="rational")
    S = jt.entropy_production(m, T, p0, form="rational")
    assert sp.simplify(p.subs(T, 0) - sp.Matrix(p0)) == sp.zeros(3, 1)
    assert sp.simplify(q.subs(T, 0)) == sp.zeros(3, 1)
    assert sp.simplify(Q.subs(T, 0)) == 0
    assert sp.simplify(S.subs(T, 0)) == 0
    rng = np.random.default_rng(14)
    vals = random_point(rng)
    mn = m.numeric(vals)
    pi = jf.stationary_distribution(mn)
    np.testing.assert_allclose(value(p, {**vals, T: 200.0}), pi, rtol=1e-10)
    # the heat grows at the stationary heat rate; the entropy production at the stationary rate
    slope_Q = (value(Q, {**vals, T: 80.0})[0] - value(Q, {**vals, T: 60.0})[0]) / 20
    assert slope_Q == pytest.approx(jf.heat_rate(mn), rel=1e-9)
    slope_S = (value(S, {**vals, T: 80.0})[0] - value(S, {**vals, T: 60.0})[0]) / 20
    assert slope_S == pytest.approx(jf.entropy_production_rate(mn), rel=1e-9)


# -- relaxation rate, refusals ----------------------------------------------------------------------------------------
def test_relaxation_rate_of_three_states():
    a, b, c, d = sp.symbols("a b c d", positive=True)
    chain = MarkovJumpProcess({(0, 1): a, (1, 0): b, (1, 2): c, (2, 1): d})
    r = jt.relaxation_rate(chain)
    assert jt.relaxation_rate(chain) is r  # cached on the model
    vals = {a: 0.7, b: 1.9, c: 0.4, d: 2.2}
    L = generator({(0, 1): 0.7, (1, 0): 1.9, (1, 2): 0.4, (2, 1): 2.2})
    slowest = -np.sort(np.linalg.eigvals(L).real)[-2]
    assert float(r.subs(vals)) == pytest.approx(slowest, rel=1e-12)
    # a ring obeying Kolmogorov's criterion (w02 fixed by the others): real eigenvalues
    db = ring().subs({W[5]: W[0] * W[1] * W[2] / (W[3] * W[4])})
    rv = {w: v for w, v in zip(W[:5], (0.6, 1.2, 2.0, 0.9, 0.5))}
    rv_rates = {e: float(w.subs(rv)) if isinstance(w, sp.Expr) else w
                for e, w in zip(EDGES, list(W[:5]) + [W[0] * W[1] * W[2] / (W[3] * W[4])])}
    Ldb = generator(rv_rates)
    assert float(jt.relaxation_rate(db).subs(rv)) == pytest.approx(-np.sort(np.linalg.eigvals(Ldb).real)[-2],
                                                                  rel=1e-10)
    with pytest.raises(TooLarge, match="numeric"):
        jt.relaxation_rate(ring())  # a driven ring: possibly complex eigenvalues


def test_refusals_past_three_states_and_for_the_three_state_scgf():
    four = MarkovJumpProcess({(0, 1): W[0], (1, 2): W[1], (2, 3): W[2], (3, 0): W[3], (1, 0): W[4], (0, 3): W[5]})
    for f in (jt.distribution, jt.time_integral, jt.heat):
        with pytest.raises(TooLarge, match="substitute numbers"):
            f(four, T, {0: 1})
    with pytest.raises(TooLarge, match="substitute numbers"):
        jc.current_scgf(ring(), JumpCurrent({(0, 1): 1, (1, 0): -1}), sp.Symbol("s"))
    with pytest.raises(ModelError):
        jt.distribution(ring(), -T, {0: 1})
    with pytest.raises(ModelError):
        jt.heat(ring(), T, {0: 1}, form="pretty")


# -- the shared helpers (one copy each, in jump_forms) ----------------------------------------------------------------
def test_bordered_solve_against_a_least_squares_solve():
    rng = np.random.default_rng(15)
    rates = {(i, j): float(rng.uniform(0.1, 5.0)) for i in range(5) for j in range(5) if i != j and rng.random() < 0.7}
    rates.update({(i, (i + 1) % 5): 1.0 for i in range(5)})  # ergodic
    m = MarkovJumpProcess(rates, states=range(5))
    b = rng.normal(size=5)
    b[1:] -= 0  # any right-hand side
    x = jf._bordered_solve(m, b)
    L = generator(rates, 5)
    A = np.vstack([np.ones(5), L[1:]])
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(jf._dense_generator(m), L, atol=1e-14)
    np.testing.assert_allclose(jf._sparse_generator(m).toarray(), L, atol=1e-14)


def test_shannon_and_time_checks():
    p = np.array([0.2, 0.0, 0.8])
    assert jf._shannon(p) == pytest.approx(-(0.2 * math.log(0.2) + 0.8 * math.log(0.8)), rel=1e-15)
    x = sp.Symbol("x", positive=True)
    assert sp.simplify(jf._shannon([x, 0, 1 - x]) + x * sp.log(x) + (1 - x) * sp.log(1 - x)) == 0
    assert jf._check_time(2) == 2.0 and jf._check_time(T) == T
    for bad in (-1.0, True, float("nan"), float("inf"), "soon", 1j):
        with pytest.raises(ModelError):
            jf._check_time(bad)


def test_entropy_production_propagates_once(monkeypatch):
    m = MarkovJumpProcess({(0, 1): 2.0, (1, 2): 1.0, (2, 0): 0.5, (1, 0): 1.0, (2, 1): 3.0, (0, 2): 0.7})
    calls = []
    real = jt._numeric_distribution
    monkeypatch.setattr(jt, "_numeric_distribution", lambda *a: calls.append(1) or real(*a))
    jt.entropy_production(m, 1.0, [1, 0, 0])
    assert len(calls) == 1
