"""Symbolic budgets that refuse only what cannot be done (structured forms need only the entries they use)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from tests.test_budget import hang_guard
from tests.helpers import record_calls
from tests.test_symbolic_limits import LYAPUNOV_ELIMINATIONS

#: The eliminations of a structured form, which solves only the entries it uses (lyapunov_recurrence predicts
#: each block's size before it eliminates anything).
BLOCK_ELIMINATIONS = [target for target in LYAPUNOV_ELIMINATIONS if target[1] != "lyapunov_recurrence"]
#: The whole symbolic covariance, which a structured form never solves.
WHOLE_SOLVES = [target for target in LYAPUNOV_ELIMINATIONS if target[1] == "lyapunov_symbolic"]


def _chain(n, noise=None):
    """z0 -> z1 -> ... -> z_{n-1}: drift -k0 z0 and c_i z_{i-1} - k_i z_i, symbolic positive rates."""
    z = sp.symbols(f"z0:{n}", real=True)
    k = sp.symbols(f"k0:{n}", positive=True)
    c = sp.symbols(f"c1:{n}", positive=True)
    drift = {z[0]: -k[0] * z[0]}
    for i in range(1, n):
        drift[z[i]] = c[i - 1] * z[i - 1] - k[i] * z[i]
    return tt.LinearSDE(drift, noise(z) if noise else {zz: 1 for zz in z}), z


def _scipy_info(model, vals, X, Y, Z=None):
    """I(X; Y | Z) from scipy's Lyapunov solve at numbers (an independent computation)."""
    Z = Z or []
    A, _, D = model.subs(vals).arrays()
    S = sla.solve_continuous_lyapunov(A, -2 * D)
    ld = lambda g: np.linalg.slogdet(S[np.ix_(g, g)])[1] if g else 0.0  # noqa: E731
    return 0.5 * (ld(X + Z) + ld(Y + Z) - ld(Z) - ld(X + Y + Z))


def test_the_six_chain_mutual_information_of_its_ends_answers_in_structured_form(monkeypatch):
    model, z = _chain(6)
    whole = record_calls(monkeypatch, WHOLE_SOLVES)
    entries = record_calls(monkeypatch, [("thermotheory.core.lyapunov", "lyapunov_recurrence")])
    with hang_guard(240):  # fails on a hang only, never on a slow machine
        info = tt.mutual_information(model, z[0], z[5], form="structured")
    assert isinstance(info, tt.ClosedForm)
    # only the entries used, as a recurrence: the whole covariance (refused for this chain) is never solved
    assert entries and whole == []
    rng = np.random.default_rng(11)
    for _ in range(3):
        vals = {p: float(rng.uniform(0.5, 2.0)) for p in model.parameters}
        assert float(info.evaluate(vals)) == pytest.approx(_scipy_info(model, vals, [0], [5]), rel=1e-9)


def test_a_chain_with_symbolic_noise_answers_the_conditional_information_in_structured_form():
    d = sp.symbols("d0:6", positive=True)
    model, z = _chain(6, noise=lambda z: {z[i]: d[i] for i in range(6)})
    with hang_guard(60):
        info = tt.conditional_mutual_information(model, z[0], z[5], z[2], form="structured")
    rng = np.random.default_rng(3)
    for _ in range(2):
        vals = {p: float(rng.uniform(0.5, 2.0)) for p in model.parameters}
        assert float(info.evaluate(vals)) == pytest.approx(_scipy_info(model, vals, [0], [5], [2]), rel=1e-8)


def test_a_dense_block_is_still_refused_at_once_in_structured_form(monkeypatch):
    z = sp.symbols("x0:4", real=True)
    a = sp.symbols("a0:16", real=True)
    model = tt.LinearSDE({z[i]: sum(a[4 * i + j] * z[j] for j in range(4)) for i in range(4)}, {zz: 1 for zz in z})
    eliminations = record_calls(monkeypatch, BLOCK_ELIMINATIONS)
    with hang_guard(120):
        with pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
            tt.mutual_information(model, z[0], z[3], form="structured")
    assert eliminations == []  # predicted too large before any elimination


def test_other_forms_of_the_six_chain_are_still_refused_quickly():
    model, z = _chain(6)
    with hang_guard(60):
        with pytest.raises(tt.TooLarge):
            tt.mutual_information(model, z[0], z[5], form="rational")


# ------------------------------------------------------------------ calibration (issue "Every core")


def _ring_shared(n):
    """A ring of ``n`` units with one shared rate, closed by an inhibitory link (bench_symbolic's "ring shared")."""
    z = sp.symbols(f"z0:{n}", real=True)
    a, k, D = sp.symbols("a k D", positive=True)
    return tt.LinearSDE({z[i]: -a * z[i] + (z[i - 1] if i else -k * z[n - 1]) for i in range(n)}, {zz: D for zz in z})


def _ring_own_rates(n):
    z = sp.symbols(f"y0:{n}", real=True)
    a = sp.symbols(f"a0:{n}", positive=True)
    return tt.LinearSDE({z[i]: -a[i] * z[i] + z[(i + 1) % n] for i in range(n)}, {zz: 1 for zz in z})


def _check_against_scipy(model, S, seed, count=2):
    """Entries of the symbolic covariance against scipy's Lyapunov solve at random stable points."""
    rng = np.random.default_rng(seed)
    checked = 0
    for _ in range(50):
        vals = {p: float(rng.uniform(0.5, 2.0)) for p in model.parameters}
        A, _, D = model.subs(vals).arrays()
        if np.max(np.linalg.eigvals(A).real) > -1e-3:
            continue
        ref = sla.solve_continuous_lyapunov(A, -2 * D)
        got = np.array(tt.evaluate(S, vals).tolist(), dtype=float)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())
        checked += 1
        if checked == count:
            return
    assert checked, "no stable point found"


def test_a_ring_of_seven_with_a_shared_rate_is_predicted_to_answer():
    """The old block cap (six variables) refused it although it answers in about 10 s."""
    from thermotheory.core.lyapunov import check_symbolic_size

    model = _ring_shared(7)
    with hang_guard(30):
        check_symbolic_size(sp.Matrix(model.A), 2 * sp.Matrix(model.D))  # no TooLarge


@pytest.mark.slow
def test_a_ring_of_seven_with_a_shared_rate_answers_and_matches_scipy():
    model = _ring_shared(7)
    with hang_guard(120):
        S = tt.stationary_covariance(model)
    _check_against_scipy(model, S, seed=7)


def test_an_entry_over_shared_factored_denominators_is_bounded_by_their_lcm():
    """The 1x1 step of the block solve: earlier entries over the same factored denominator.

    Cross-multiplying the denominators (``term_bound`` of the substituted sum) predicted
    thousands of monomials and refused the five-variable chain's covariance; over the lcm
    the entry is small. Checked against the direct sum, cancelled by sympy, at random points.
    """
    from thermotheory.core.lyapunov import _sylvester

    p = sp.symbols("p0:8", positive=True)
    den = sp.Mul(*[(p[i] + p[i + 1]) for i in range(6)])
    us = sp.symbols("u0:6", cls=sp.Dummy)
    values = {u: (p[i] * p[7] + p[i + 1] + 1) / den for i, u in enumerate(us)}
    R = sp.Matrix([[sum((i + 1) * p[7] * u for i, u in enumerate(us)) + p[6]]])
    direct = R[0, 0].xreplace(values) / (2 * p[7] + 2 * p[0])  # X = -R / (a + a) with a = -(p7 + p0)
    assert tt.core.budget.term_bound(direct) > tt.core.budget.MAX_TERMS  # the old prediction refused this
    with hang_guard(30):
        X = _sylvester(sp.Matrix([[-p[7] - p[0]]]), sp.Matrix([[-p[7] - p[0]]]), R, True, values=values)
    rng = np.random.default_rng(4)
    for _ in range(3):
        vals = {s: sp.Rational(int(rng.integers(1, 50)), int(rng.integers(1, 50))) for s in p}
        assert X[0, 0].xreplace(vals) == direct.xreplace(vals)


def test_the_five_variable_chain_covariance_is_predicted_to_answer_and_the_six_refused_at_once(monkeypatch):
    from thermotheory.core.lyapunov import check_symbolic_size

    five, _ = _chain(5)
    check_symbolic_size(sp.Matrix(five.A), 2 * sp.Matrix(five.D))
    six, _ = _chain(6)
    eliminations = record_calls(monkeypatch, LYAPUNOV_ELIMINATIONS + [("thermotheory.core.lyapunov", "_finish")])
    with hang_guard(120):
        with pytest.raises(tt.TooLarge, match=r"monomials.*model\.subs\(values\)"):
            tt.stationary_covariance(six)
    assert eliminations == []  # predicted, nothing solved (it used to take about 25 s)


@pytest.mark.slow
def test_the_five_variable_chain_covariance_answers_and_matches_scipy():
    model, _ = _chain(5)
    with hang_guard(120):
        S = tt.stationary_covariance(model)
    _check_against_scipy(model, S, seed=5)


@pytest.mark.parametrize("build", [lambda: _ring_own_rates(5), lambda: _ring_shared(8)], ids=["ring5_own", "ring8"])
def test_borderline_blocks_are_still_refused_at_once(build, monkeypatch):
    """A ring of five with its own rates answers only in about a minute: refused before any elimination."""
    model = build()
    eliminations = record_calls(monkeypatch, LYAPUNOV_ELIMINATIONS)
    with hang_guard(120):
        with pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
            tt.stationary_covariance(model)
    assert eliminations == []
