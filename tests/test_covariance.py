"""Stationary and transient moments against scipy and direct ODE integration."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from scipy.integrate import solve_ivp

import thermotheory as tt
from thermotheory.core import structure
from thermotheory.core.moments import mean

from .helpers import scipy_covariance, stable_systems

x, v, r, w = sp.symbols("x v r w", real=True)
tau, tau_r, tau_w, lam, kap, D_v, D_r, D_w = sp.symbols("tau tau_r tau_w lambda kappa D_v D_r D_w", positive=True)


def test_ou_variance_is_D_tau():
    m = tt.LinearSDE({x: -x / tau}, {x: D_v})
    assert sp.simplify(tt.stationary_covariance(m)[0, 0] - D_v * tau) == 0


def chain():
    return tt.LinearSDE(
        {v: -v / tau, r: (lam * v - r) / tau_r, w: (kap * r - w) / tau_w}, {v: D_v, r: D_r, w: D_w}
    )


def random_point(rng, model):
    return {p: sp.Rational(int(rng.integers(1, 40)), int(rng.integers(1, 20))) for p in model.parameters}


@pytest.mark.parametrize("seed", range(4))
def test_symbolic_chain_covariance_matches_scipy_at_random_points(seed):
    rng = np.random.default_rng(seed)
    m = chain()
    S = tt.stationary_covariance(m)
    point = random_point(rng, m)
    A = np.array(m.A.subs(point).evalf(), dtype=float)
    D = np.array(m.D.subs(point).evalf(), dtype=float)
    np.testing.assert_allclose(np.array(S.subs(point).evalf(), dtype=float), scipy_covariance(A, D), rtol=1e-11)


@pytest.mark.parametrize("seed", range(3))
def test_symbolic_coupled_block_matches_scipy(seed):
    # underdamped particle (a 2x2 irreducible block) read out by a sensor r
    k, g, T = sp.symbols("k gamma T", positive=True)
    m = tt.LinearSDE({x: v, v: -k * x - g * v, r: (lam * v - r) / tau_r}, {v: g * T, r: D_r}, parity={v: -1})
    S = tt.stationary_covariance(m)
    point = random_point(np.random.default_rng(seed), m)
    A = np.array(m.A.subs(point).evalf(), dtype=float)
    D = np.array(m.D.subs(point).evalf(), dtype=float)
    ref = scipy_covariance(A, D)
    np.testing.assert_allclose(np.array(S.subs(point).evalf(), dtype=float), ref, rtol=1e-11, atol=1e-13 * np.abs(ref).max())


@given(stable_systems())
def test_numeric_covariance_solves_lyapunov(system):
    A, D = system
    S = tt.stationary_covariance(tt.LinearSDE.from_matrices(A, D))
    np.testing.assert_allclose(S, S.T)
    np.testing.assert_allclose(A @ S + S @ A.T, -2 * D, atol=1e-9 * (1 + np.abs(S).max()))


def test_stationary_mean():
    F, k = sp.symbols("F k", positive=True)
    m = tt.LinearSDE({x: F - k * x, v: x - v}, {x: 1, v: 1})
    assert tt.stationary_mean(m) == sp.Array([F / k, F / k])
    num = tt.LinearSDE.from_matrices([[-2.0, 0.0], [1.0, -1.0]], [1.0, 1.0], b=[1.0, 0.0])
    np.testing.assert_allclose(tt.stationary_mean(num), [0.5, 0.5])


def test_means_are_vectors_of_one_shape_symbolic_or_numeric():
    F, k = sp.symbols("F k", positive=True)
    t = sp.Symbol("t", positive=True)
    sym = tt.LinearSDE({x: F - k * x, v: x - v}, {x: 1, v: 1})
    num = sym.subs({F: 2, k: 4})
    for m in (sym, num):
        for value in (tt.stationary_mean(m), mean(m, t if m is sym else 0.7, [1, 0])):
            assert value.shape == (2,) and len(value) == 2
    # the symbolic vector at the point is the numeric one, entry by entry
    for got, want in ((tt.stationary_mean(sym), tt.stationary_mean(num)), (mean(sym, t, [1, 0]), mean(num, 0.7, [1, 0]))):
        vals = [float(e.subs({F: 2, k: 4, t: 0.7})) for e in got]
        np.testing.assert_allclose(vals, want, rtol=1e-12)
    assert not tt.stationary_mean(num).flags.writeable
    assert tt.evaluate(tt.stationary_mean(sym), {F: 2, k: 4}).rows == 2


def test_unstable_numeric_model_raises_not_stable():
    m = tt.LinearSDE.from_matrices([[0.5, 0.0], [1.0, -1.0]], [1.0, 1.0])
    with pytest.raises(tt.NotStable, match="eigenvalue 0.5"):
        tt.stationary_covariance(m)
    with pytest.raises(tt.NotStable):
        tt.mutual_information(m, "z0", "z1")


def test_provably_unstable_symbolic_model_raises_not_stable():
    k = sp.Symbol("k", positive=True)
    m = tt.LinearSDE({x: v, v: k * x - v}, {v: 1})  # inverted trap
    with pytest.raises(tt.NotStable, match="Routh"):
        tt.stationary_covariance(m)


def test_undecidable_symbolic_stability_still_computes():
    k = sp.Symbol("k", real=True)
    m = tt.LinearSDE({x: -k * x}, {x: 1})
    assert m.is_stable() is None
    S = tt.stationary_covariance(m)  # a ClosedForm that checks the drift where it is evaluated
    assert S.hurwitz and sp.simplify(S.expr[0, 0] - 1 / k) == 0


def test_symbolic_block_too_large_is_refused_quickly():
    syms = sp.symbols("a0:5", positive=True)
    zs = sp.symbols("y0:5", real=True)
    # a ring of five variables: one irreducible block of 15 unknowns
    drift = {zs[i]: -syms[i] * zs[i] + zs[(i + 1) % 5] for i in range(5)}
    m = tt.LinearSDE(drift, {z: 1 for z in zs})
    with pytest.raises(tt.TooLarge, match="substitute numbers"):
        tt.stationary_covariance(m)


def test_blocks_follow_dependencies():
    A = sp.Matrix([[-1, 0, 0, 0], [0, -1, 1, 0], [1, 1, -1, 0], [0, 0, 1, -1]])
    order = structure.blocks(A)
    assert order == [[0], [1, 2], [3]]


@pytest.mark.parametrize("seed", range(6))
def test_routh_hurwitz_agrees_with_eigenvalues(seed):
    rng = np.random.default_rng(seed)
    a = sp.symbols("a0:9", real=True)
    M = sp.Matrix(3, 3, a)
    vals = {s: sp.Rational(int(rng.integers(-30, 30)), 10) for s in a}
    conds = structure.hurwitz_conditions(M)
    rh = all(float(c.subs(vals)) > 0 for c in conds)
    eig = np.max(np.linalg.eigvals(np.array(M.subs(vals), dtype=float)).real) < 0
    assert rh == eig


def integrate_covariance(A, D, S0, t):
    n = A.shape[0]
    sol = solve_ivp(lambda _, s: (A @ s.reshape(n, n) + s.reshape(n, n) @ A.T + 2 * D).ravel(),
                    (0, t), S0.ravel(), rtol=1e-11, atol=1e-13)
    return sol.y[:, -1].reshape(n, n)


@given(stable_systems(n_max=4))
def test_transient_covariance_matches_ode(system):
    A, D = system
    n = A.shape[0]
    S0 = np.eye(n) * 0.3
    got = tt.covariance(tt.LinearSDE.from_matrices(A, D), 0.8, S0)
    np.testing.assert_allclose(got, integrate_covariance(A, D, S0, 0.8), rtol=1e-7, atol=1e-9)


def test_transient_covariance_of_unstable_model():
    A = np.array([[0.3]])
    got = tt.covariance(tt.LinearSDE.from_matrices(A, [1.0]), 2.0, [[0.0]])
    # int_0^2 e^{0.6 s} 2 ds
    assert got[0, 0] == pytest.approx(2 * (np.exp(1.2) - 1) / 0.6, rel=1e-12)


@pytest.mark.parametrize("model_kind", ["triangular", "coupled"])
def test_symbolic_transient_matches_numeric(model_kind):
    t = sp.Symbol("t", positive=True)
    if model_kind == "triangular":
        m = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
        point = {tau: 2, tau_r: sp.Rational(1, 3), lam: 3, D_v: 1, D_r: sp.Rational(1, 2)}
    else:
        k, g = sp.symbols("k gamma", positive=True)
        m = tt.LinearSDE({x: v, v: -k * x - g * v}, {v: g}, parity={v: -1})
        point = {k: 3, g: sp.Rational(1, 2)}
    S0 = sp.Matrix([[sp.Rational(1, 5), sp.Rational(1, 10)], [sp.Rational(1, 10), sp.Rational(1, 2)]])
    sym = tt.covariance(m, t, S0)
    got = np.array(sym.subs(point).subs(t, sp.Rational(7, 10)).evalf(30), dtype=complex)
    assert np.max(np.abs(got.imag)) < 1e-20
    A = np.array(m.A.subs(point), dtype=float)
    D = np.array(m.D.subs(point), dtype=float)
    np.testing.assert_allclose(got.real, integrate_covariance(A, D, np.array(S0, dtype=float), 0.7), rtol=1e-8)


def test_symbolic_transient_refuses_large_coupled_drift():
    t = sp.Symbol("t", positive=True)
    k = sp.Symbol("k", positive=True)
    w = sp.Symbol("w", real=True)
    # an irreducible block of four variables: no symbolic exp(At)
    m = tt.LinearSDE({x: v, v: -k * x - v + r, r: v - r + w, w: r - w}, {v: 1, r: 1, w: 1})
    with pytest.raises(tt.TooLarge):
        tt.covariance(m, t, sp.eye(4))


def test_transient_mean():
    A = np.array([[-1.0, 0.5], [0.0, -2.0]])
    b = np.array([1.0, -1.0])
    m = tt.LinearSDE.from_matrices(A, [1.0, 1.0], b=b)
    sol = solve_ivp(lambda _, y: A @ y + b, (0, 1.3), [0.2, 0.4], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mean(m, 1.3, [0.2, 0.4]), sol.y[:, -1], rtol=1e-9)


@pytest.mark.parametrize(
    "t, initial, message",
    [(-1.0, [[1.0]], "t >= 0"), (1.0, None, "initial covariance"), (1.0, [[1.0, 0.0]], "shape"),
     (1.0, [[-1.0]], "positive semi-definite")],
)
def test_transient_bad_input(t, initial, message):
    m = tt.LinearSDE.from_matrices([[-1.0]], [1.0])
    with pytest.raises(tt.ModelError, match=message):
        tt.covariance(m, t, initial)


def test_lyapunov_residual_is_checked(monkeypatch):
    # a solver returning a wrong answer must not pass silently
    from thermotheory.core import lyapunov as cov
    from thermotheory.core import state

    monkeypatch.setattr(cov.sla, "solve_continuous_lyapunov", lambda a, q: np.eye(a.shape[0]) * 7.0)
    # the stationary state solves through its shared Schur decomposition: break that solver too
    monkeypatch.setattr(state, "_schur_lyapunov", lambda R, U, Q: (np.eye(R.shape[0]) * 7.0, 0))
    with pytest.raises(tt.ModelError, match="residual"):
        tt.stationary_covariance(tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0]))
    with pytest.raises(tt.ModelError, match="residual"):
        cov.lyapunov_numeric(np.array([[-1.0, 0.0], [1.0, -1.0]]), 2 * np.eye(2))


def test_transient_covariance_at_long_times_reaches_the_stationary_state():
    m = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [2.0, -1.5]]), [1.0, 0.4])
    np.testing.assert_allclose(tt.covariance(m, 200.0, np.eye(2)), scipy_covariance(*m.arrays()[::2]), rtol=1e-12)
