"""Correctness III: ill-conditioned but well-posed stationary states, model validation.

The references are computed here in mpmath at 50 digits, independently of the library:
the Lyapunov equation ``A S + S A^T + 2D = 0`` solved as a dense ``n^2 x n^2`` linear
system, and the rates from their defining formulas (docs/quantities.md, all variables
even, ``b = 0``):

- entropy production ``tr(A^T D^-1 A S) + tr A``,
- heat rate of ``Y``: ``tr[D_YY^-1 (A S A^T)_YY] + tr A_YY``,
- information flow into ``Y``: ``-tr A_YY - tr[(D S^-1)_YY]``,
- partial entropy production ``Phi_Y - l_Y``.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.errors import IllConditioned, ModelError, NotAModel, NotStable


def _reference(A, D, Y, dps=50):
    """``(stable, S, EP, heat_Y, flow_Y)`` of the exact float matrices, in ``dps``-digit arithmetic."""
    n = len(A)
    with mp.workdps(dps):
        Am = mp.matrix([[mp.mpf(float(x)) for x in row] for row in A])
        Dm = mp.matrix([[mp.mpf(float(x)) for x in row] for row in D])
        stable = max(mp.re(e) for e in mp.eig(Am, left=False, right=False)) < 0
        M = mp.zeros(n * n, n * n)
        rhs = mp.zeros(n * n, 1)
        for i in range(n):
            for j in range(n):
                r = i * n + j
                rhs[r] = -2 * Dm[i, j]
                for k in range(n):
                    M[r, k * n + j] += Am[i, k]
                    M[r, i * n + k] += Am[j, k]
        s = mp.lu_solve(M, rhs)
        S = mp.matrix(n, n)
        for i in range(n):
            for j in range(n):
                S[i, j] = s[i * n + j]
        Di = mp.inverse(Dm)
        ep = sum((Am.T * Di * Am * S)[i, i] for i in range(n)) + sum(Am[i, i] for i in range(n))
        ASA = Am * S * Am.T
        DY = mp.matrix([[Dm[i, j] for j in Y] for i in Y])
        heat = sum((mp.inverse(DY) * mp.matrix([[ASA[i, j] for j in Y] for i in Y]))[k, k] for k in range(len(Y)))
        heat += sum(Am[i, i] for i in Y)
        DP = Dm * mp.inverse(S)
        flow = -sum(Am[i, i] for i in Y) - sum(DP[i, i] for i in Y)
        return stable, np.array(S.tolist(), dtype=float), float(ep), float(heat), float(flow)


# -- 1b: time scales 1e-6 and 1e6 ---------------------------------------------------------------------------------
def test_time_scales_far_apart_give_the_heat_and_flow_of_the_fast_variable():
    A = np.array([[-1e-6, 0.0], [1.0, -1e6]])
    model = tt.LinearSDE.from_matrices(A, np.eye(2))
    _, S, ep, heat1, flow1 = _reference(A, np.eye(2), [1])
    _, _, _, heat0, flow0 = _reference(A, np.eye(2), [0])
    assert heat1 == pytest.approx(1e-6, rel=1e-6)  # the physics: heat and flow of the fast variable ~ the EP
    # no ConditioningWarning (warnings are errors here): the numbers are right, not noise
    assert np.allclose(tt.stationary_covariance(model), S, rtol=1e-14, atol=0)
    assert tt.entropy_production_rate(model) == pytest.approx(ep, rel=1e-12)
    assert tt.heat_rate(model, "z1") == pytest.approx(heat1, rel=1e-12)
    assert tt.information_flow(model, "z1") == pytest.approx(flow1, rel=1e-12)
    assert tt.information_flow(model, "z0") == pytest.approx(flow0, rel=1e-12)
    assert tt.heat_rate(model, "z0") == pytest.approx(heat0, abs=1e-30)  # exactly 0: the slow variable is free
    # partial entropy productions add up to the total (Phi_Y - l_Y)
    sub = tt.entropy_production_rate(model, "z0"), tt.entropy_production_rate(model, "z1")
    assert sub[0] == pytest.approx(heat0 - flow0, rel=1e-9)
    assert sub[1] == pytest.approx(heat1 - flow1, abs=1e-16)  # 2e-18: below the round-off of the model's floats
    assert sum(sub) == pytest.approx(ep, rel=1e-9)


@pytest.mark.parametrize("fast, slow", [(1e5, 1e-5), (1e6, 1e-4), (1e4, 1e-6)])
def test_time_scales_far_apart_at_several_points(fast, slow):
    A = np.array([[-slow, 0.0], [1.0, -fast]])
    D = np.diag([1.0, 2.0])
    model = tt.LinearSDE.from_matrices(A, D)
    _, _, ep, heat1, flow1 = _reference(A, D, [1])
    assert tt.entropy_production_rate(model) == pytest.approx(ep, rel=1e-12)
    assert tt.heat_rate(model, "z1") == pytest.approx(heat1, rel=1e-12)
    assert tt.information_flow(model, "z1") == pytest.approx(flow1, rel=1e-12)


# -- 1a: strongly non-normal drifts ---------------------------------------------------------------------------------
def _non_normal(seed, log_cond):
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    W, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    V = U @ np.diag(np.logspace(0, -log_cond, 4)) @ W
    return V @ np.diag([-1.0, -2.0, -3.0, -4.0]) @ np.linalg.inv(V)


@pytest.mark.parametrize("seed", [0, 2, 4, 7])
def test_non_normal_drift_rates_match_extended_precision(seed):
    A = _non_normal(seed, 5)  # eigenvector condition 1e5: the float rates lost 8 or 9 digits without a warning
    model = tt.LinearSDE.from_matrices(A, np.eye(4))
    stable, _, ep, heat, flow = _reference(A, np.eye(4), [0])
    assert stable
    assert tt.entropy_production_rate(model) == pytest.approx(ep, rel=1e-12)
    assert tt.heat_rate(model, "z0") == pytest.approx(heat, rel=1e-12)
    assert tt.information_flow(model, "z0") == pytest.approx(flow, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 3, 5, 9, 11])
def test_very_non_normal_drift_is_right_or_refused(seed):
    # eigenvector condition 1e10: the float matrix's eigenvalues can be far from -1..-4 (even unstable)
    A = _non_normal(seed, 10)
    model = tt.LinearSDE.from_matrices(A, np.eye(4))
    stable, S, ep, heat, _ = _reference(A, np.eye(4), [0])
    try:
        got = tt.entropy_production_rate(model), tt.heat_rate(model, "z0")
    except NotStable:
        assert not stable  # refused as unstable only when the exact float matrix is unstable
        return
    except IllConditioned:
        return
    assert stable
    assert got[0] == pytest.approx(ep, rel=1e-10)
    assert got[1] == pytest.approx(heat, rel=1e-10)


def test_unstable_in_exact_arithmetic_is_not_stable():
    A = _non_normal(9, 10)  # floating point calls it stable; exactly it has an eigenvalue with Re > 0
    stable, *_ = _reference(A, np.eye(4), [0])
    assert not stable and np.all(np.linalg.eigvals(A).real < 0)
    with pytest.raises(NotStable, match="exact arithmetic"):
        tt.entropy_production_rate(tt.LinearSDE.from_matrices(A, np.eye(4)))


def test_triangular_drift_with_huge_couplings():
    A = np.triu(np.full((4, 4), 1e3), 1) + np.diag([-1.0, -2.0, -3.0, -4.0])
    model = tt.LinearSDE.from_matrices(A, np.eye(4))
    _, _, ep, heat, flow = _reference(A, np.eye(4), [0])
    assert tt.entropy_production_rate(model) == pytest.approx(ep, rel=1e-12)
    assert tt.heat_rate(model, "z0") == pytest.approx(heat, rel=1e-12)
    assert tt.information_flow(model, "z0") == pytest.approx(flow, rel=1e-10)


def test_lyapunov_digits_see_non_normality_but_not_units():
    from thermotheory.core.lyapunov import lyapunov_digits

    assert lyapunov_digits(_non_normal(0, 5)) > 8  # the old estimate (time-scale spread 4) said 0.6
    assert lyapunov_digits(np.array([[-1.0, 0.0], [1e8, -2.0]])) < 1  # non-normal only by a change of units


# -- 4: a feedback force that is not a part of the drift ---------------------------------------------------------
q = sp.Symbol("q", real=True)
g, gp = sp.symbols("gamma gamma_p", positive=True)


@pytest.mark.parametrize("drift, feedback", [
    (-q, -5 * q),                 # more than the drift: the bath would push (anti-friction +4 q)
    (-q, q),                      # the other sign
    (-g * gp * q, -gp * q),       # a term the drift does not have
    (-(g + gp) * q, -2 * gp * q),  # twice a term of the drift
])
def test_feedback_that_is_not_a_part_of_the_drift_is_refused(drift, feedback):
    with pytest.raises(ModelError, match="not a part of the drift"):
        tt.LinearSDE({q: drift}, {q: 1}, parity={q: -1}, feedback={q: feedback})


def test_feedback_that_is_a_part_of_the_drift_is_accepted():
    # cold damping at gain 2 on top of friction 1 (m = T = 1): heat -g g'/(g + g') = -2/3, pumping g' = 2
    m = tt.LinearSDE({q: -3 * q}, {q: 1}, parity={q: -1}, feedback={q: -2 * q})
    assert tt.heat_rate(m, q) == pytest.approx(-2 / 3, rel=1e-12)
    sym = tt.LinearSDE({q: -(g + gp) * q}, {q: 1}, parity={q: -1}, feedback={q: -gp * q})
    assert tt.heat_rate(sym.subs({g: 1, gp: 2}), q) == pytest.approx(-2 / 3, rel=1e-12)
    with pytest.raises(ModelError, match="not a part of the drift"):
        sym.subs({g: -5, gp: 2})  # the drift +3 q would leave the bath an anti-friction


# -- 2: a substitution that makes the drift undefined -----------------------------------------------------------
def test_subs_with_a_zero_time_constant_is_refused():
    v, r = sp.symbols("v r", real=True)
    tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
    sensor = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
    with pytest.raises(ModelError, match="undefined or infinite"):
        sensor.subs({tau: 0})
    with pytest.raises(ModelError, match="undefined or infinite"):
        sensor.subs({"tau_r": 0, "tau": 1})
    ok = sensor.subs({tau: 1, tau_r: 1, lam: 1, D_v: 1, D_r: 1})
    assert tt.heat_rate(ok, r) == pytest.approx(0.5, rel=1e-12)  # S = [[1, 1/2], [1/2, 3/2]]: 1 - 1 + 3/2 - 1


# -- 3: a quantity asked of something that is not a model -------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda x: tt.stationary_covariance(x),
    lambda x: tt.stationary_mean(x),
    lambda x: tt.entropy(x, "z0"),
    lambda x: tt.mutual_information(x, "z0", "z1"),
    lambda x: tt.entropy_production_rate(x),
    lambda x: tt.heat_rate(x, "z0"),
    lambda x: tt.information_flow(x, "z0"),
    lambda x: tt.efficiency(x, "z0"),
    lambda x: tt.transfer_entropy_rate(x, "z0", "z1"),
    lambda x: tt.entropy_pumping_rate(x),
])
@pytest.mark.parametrize("thing", [{}, {"A": [[-1.0]]}, np.eye(2), None, "model"])
def test_a_quantity_of_something_that_is_not_a_model_is_refused(call, thing):
    with pytest.raises(NotAModel, match="expected a (model \\(LinearSDE|LinearSDE)") as info:
        call(thing)
    assert isinstance(info.value, TypeError) and isinstance(info.value, ModelError)


def _reference_sym(A, D, Y, dps=50):
    """``(heat_Y, flow_Y, EP)`` in ``dps`` digits: the Lyapunov equation as a dense system in the ``n(n+1)/2``
    entries ``S_ij, i <= j``, eliminated (Gauss, partial pivoting) on numpy object arrays of mpmath numbers."""
    n = len(A)
    with mp.workdps(dps):
        Am = np.array([[mp.mpf(float(x)) for x in row] for row in A], dtype=object)
        Dm = np.array([[mp.mpf(float(x)) for x in row] for row in D], dtype=object)
        cells = [(i, j) for i in range(n) for j in range(i, n)]
        key = {c: k for k, c in enumerate(cells)}
        N = len(cells)
        M = np.array([[mp.mpf(0)] * (N + 1) for _ in range(N)], dtype=object)
        for r, (i, j) in enumerate(cells):
            M[r, N] = -2 * Dm[i, j]
            for k in range(n):
                M[r, key[tuple(sorted((k, j)))]] += Am[i, k]
                M[r, key[tuple(sorted((i, k)))]] += Am[j, k]
        for col in range(N):
            piv = col + max(range(N - col), key=lambda t: abs(M[col + t, col]))
            M[[col, piv]] = M[[piv, col]]
            f = M[col + 1:, col] / M[col, col]
            M[col + 1:, col:] -= np.outer(f, M[col, col:])
        x = [mp.mpf(0)] * N
        for r in range(N - 1, -1, -1):
            x[r] = (M[r, N] - sum(M[r, c] * x[c] for c in range(r + 1, N))) / M[r, r]
        S = mp.matrix(n, n)
        for (i, j), v in zip(cells, x):
            S[i, j] = S[j, i] = v
        Amat, Dmat = mp.matrix(Am.tolist()), mp.matrix(Dm.tolist())
        ASA = Amat * S * Amat.T
        DY = mp.matrix([[Dmat[i, j] for j in Y] for i in Y])
        heat = sum((mp.inverse(DY) * mp.matrix([[ASA[i, j] for j in Y] for i in Y]))[k, k] for k in range(len(Y)))
        heat += sum(Amat[i, i] for i in Y)
        DP = Dmat * mp.inverse(S)
        flow = -sum(Amat[i, i] for i in Y) - sum(DP[i, i] for i in Y)
        ep = sum((Amat.T * mp.inverse(Dmat) * Amat * S)[i, i] for i in range(n))
        ep += sum(Amat[i, i] for i in range(n))
        return float(heat), float(flow), float(ep)


def _block_model(n_rest):
    import scipy.linalg

    return scipy.linalg.block_diag(np.array([[-1e-6, 0.0], [1.0, -1e6]]), -np.eye(n_rest))


def test_a_twelve_variable_model_with_time_scales_far_apart_gives_the_fast_heat_and_flow():
    """Beyond the extended-precision size the float S is refined with exact residuals: 1e-6, not 0.0 or a refusal."""
    A = _block_model(10)
    m = tt.LinearSDE.from_matrices(A, np.eye(12))
    heat, flow, ep = _reference_sym(A, np.eye(12), [1])
    assert heat == pytest.approx(1e-6, rel=1e-6) and flow == pytest.approx(1e-6, rel=1e-6)
    fast = m.variables[1]
    assert tt.heat_rate(m, fast) == pytest.approx(heat, rel=1e-9)
    assert tt.information_flow(m, fast) == pytest.approx(flow, rel=1e-9)
    assert tt.entropy_production_rate(m) == pytest.approx(ep, rel=1e-9)
    from thermotheory.core.state import stationary_state

    assert stationary_state(m).solved_precisely and stationary_state(m).digits_lost < 8  # no warning


def test_a_twelve_variable_equilibrium_far_from_unit_scales_has_rates_zero():
    """np.diag([-1e5, -1e-4, -1, ...]) with D = I is in detailed balance: every rate is exactly 0, not refused."""
    m = tt.LinearSDE.from_matrices(np.diag([-1e5, -1e-4] + [-1.0] * 10), np.eye(12))
    assert tt.entropy_production_rate(m) == 0.0
    for v in m.variables[:3]:
        assert tt.heat_rate(m, v) == 0.0
        assert tt.information_flow(m, v) == 0.0
        assert tt.entropy_production_rate(m, v) == 0.0


@pytest.mark.parametrize("seed", [3, pytest.param(8, marks=pytest.mark.slow)])
def test_a_random_multiscale_non_normal_model_of_fifteen_variables_matches_mpmath(seed):
    n = 15
    rng = np.random.default_rng(seed)
    V = np.eye(n) + 0.3 * rng.normal(size=(n, n))
    A = V @ np.diag(-np.logspace(-3, 3, n)) @ np.linalg.inv(V)
    m = tt.LinearSDE.from_matrices(A, np.eye(n))
    heat, flow, ep = _reference_sym(A, np.eye(n), [0], dps=40)
    assert tt.heat_rate(m, m.variables[0]) == pytest.approx(heat, rel=1e-10)
    assert tt.information_flow(m, m.variables[0]) == pytest.approx(flow, rel=1e-10)
    assert tt.entropy_production_rate(m) == pytest.approx(ep, rel=1e-10)


def test_a_large_model_whose_rate_is_round_off_is_refused():
    """Beyond the refined size (60 variables) the float rate of the 1e-6/1e6 pair is noise: refused, not 0.0."""
    from thermotheory.core.lyapunov import MAX_REFINED_VARIABLES
    from thermotheory.errors import ConditioningWarning

    A = _block_model(MAX_REFINED_VARIABLES)
    m = tt.LinearSDE.from_matrices(A, np.eye(len(A)))
    fast = m.variables[1]
    with pytest.warns(ConditioningWarning):
        for f in (lambda: tt.heat_rate(m, subsystem=fast), lambda: tt.information_flow(m, subsystem=fast),
                  lambda: tt.entropy_production_rate(m)):
            with pytest.raises(IllConditioned, match="no correct digit"):
                f()
    # a model in detailed balance of that size is not refused: its rates are exactly 0
    eq = tt.LinearSDE.from_matrices(np.diag([-1e5, -1e-4] + [-1.0] * MAX_REFINED_VARIABLES),
                                    np.eye(MAX_REFINED_VARIABLES + 2))
    with pytest.warns(ConditioningWarning):
        assert tt.entropy_production_rate(eq) == 0.0
        assert tt.heat_rate(eq, eq.variables[0]) == 0.0
        assert tt.information_flow(eq, eq.variables[1]) == 0.0
