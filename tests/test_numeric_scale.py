"""Numeric scale: every stationary quantity of a numeric model from one shared Schur decomposition.

The results are compared with an independent scipy computation written here (one
``solve_continuous_lyapunov`` and the formulas of docs/quantities.md; the filter from
``solve_continuous_are``), and the shared decomposition is counted. No timing is asserted
(benchmarks/bench_core.py prints the ratios).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

import thermotheory as tt
from thermotheory.core import filtering
from thermotheory.core import state as state_mod
from thermotheory.core.lyapunov import correlation_digits, lyapunov_digits


def _random_model(n: int, seed: int):
    rng = np.random.default_rng(seed)
    A = -np.eye(n) + 0.3 / np.sqrt(n) * rng.standard_normal((n, n))
    d = rng.uniform(0.5, 1.5, n)
    b = rng.standard_normal(n)
    return A, d, b


def _reference(A, d, b, X, Y):
    """Every stationary quantity by scipy and the formulas of docs/quantities.md (all variables even)."""
    D = np.diag(d)
    S = sla.solve_continuous_lyapunov(A, -2 * D)
    P = np.linalg.inv(S)
    m = -np.linalg.solve(A, b)
    ld = lambda M: np.linalg.slogdet(M)[1]  # noqa: E731
    XY = X + Y
    AY = A[Y, :]
    quad_Y = np.trace(np.linalg.solve(D[np.ix_(Y, Y)], AY @ S @ AY.T))
    tr_YY = np.trace(A[np.ix_(Y, Y)])
    noise_Y = np.trace(D[np.ix_(Y, Y)] @ P[np.ix_(Y, Y)])
    # the filter of the hidden X from the paths of Y (X and Y are every variable)
    a, c = A[np.ix_(X, X)], A[np.ix_(Y, X)]
    Pf = sla.solve_continuous_are(a.T, c.T, 2 * D[np.ix_(X, X)], 2 * D[np.ix_(Y, Y)])
    return {
        "mean": m,
        "covariance": S,
        "precision": P,
        "entropy": 0.5 * (len(X) * np.log(2 * np.pi * np.e) + ld(S[np.ix_(X, X)])),
        "mi": 0.5 * (ld(S[np.ix_(X, X)]) + ld(S[np.ix_(Y, Y)]) - ld(S[np.ix_(XY, XY)])),
        "ep": np.trace(A.T @ np.linalg.solve(D, A @ S)) + 2 * np.trace(A) + np.trace(D @ P),
        "ep_sub": quad_Y + 2 * tr_YY + noise_Y,
        "heat": quad_Y + tr_YY,
        "flow": -tr_YY - noise_Y,
        "filter": Pf,
        "te": 0.25 * np.trace(np.linalg.solve(D[np.ix_(Y, Y)], c @ Pf @ c.T)),
        "digits": lyapunov_digits(A) + correlation_digits(S),
        "terms": {"ep": abs(np.trace(D @ P)) * 4, "ep_sub": abs(quad_Y) + 2 * abs(tr_YY) + abs(noise_Y),
                  "heat": abs(quad_Y) + abs(tr_YY), "flow": abs(tr_YY) + abs(noise_Y)},
    }


@pytest.mark.parametrize("n, seed", [(5, 101), (30, 202)])
def test_every_stationary_quantity_matches_an_independent_scipy_computation(n, seed):
    A, d, b = _random_model(n, seed)
    names = [f"z{i}" for i in range(n)]
    X, Y = list(range(n // 2)), list(range(n // 2, n))
    ref = _reference(A, d, b, X, Y)
    m = tt.LinearSDE.from_matrices(A, d, b=b)
    xs, ys = [names[i] for i in X], [names[i] for i in Y]
    state = state_mod.stationary_state(m)
    np.testing.assert_allclose(state.mean, ref["mean"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tt.stationary_covariance(m), ref["covariance"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(state.precision, ref["precision"], rtol=1e-10, atol=1e-12)
    assert state.digits_lost == pytest.approx(ref["digits"], rel=1e-10)
    assert tt.entropy(m, xs) == pytest.approx(ref["entropy"], rel=1e-10)
    assert tt.mutual_information(m, xs, ys) == pytest.approx(ref["mi"], rel=1e-10)
    got = {
        "ep": tt.entropy_production_rate(m),
        "ep_sub": tt.entropy_production_rate(m, subsystem=ys),
        "heat": tt.heat_rate(m, ys),
        "flow": tt.information_flow(m, subsystem=ys),
    }
    for key, value in got.items():  # relative to the value, or to its terms where they cancel
        assert value == pytest.approx(ref[key], rel=1e-10, abs=1e-13 * ref["terms"][key]), key
    np.testing.assert_allclose(tt.filter_error(m, xs, ys), ref["filter"], rtol=1e-10, atol=1e-13)
    assert tt.transfer_entropy_rate(m, xs, ys) == pytest.approx(ref["te"], rel=1e-10)


def test_the_schur_decomposition_is_computed_once_per_model(monkeypatch):
    """One balanced Schur decomposition of A serves the conditioning and the covariance; the old
    separate routes (lyapunov_digits and lyapunov_numeric, two Schur decompositions) are not taken."""
    calls = []
    original = state_mod._balanced_schur

    def counted(A):
        calls.append(A.shape)
        return original(A)

    def unused(*args, **kwargs):
        raise AssertionError("a second decomposition of A")

    monkeypatch.setattr(state_mod, "_balanced_schur", counted)
    monkeypatch.setattr(state_mod, "lyapunov_digits", unused)
    monkeypatch.setattr(state_mod, "lyapunov_numeric", unused)
    n = 24
    A, d, b = _random_model(n, 303)
    m = tt.LinearSDE.from_matrices(A, d, b=b)
    X, Y = [f"z{i}" for i in range(n // 2)], [f"z{i}" for i in range(n // 2, n)]
    tt.stationary_covariance(m)
    tt.mutual_information(m, X, Y)
    tt.entropy_production_rate(m)
    tt.entropy_production_rate(m, subsystem=Y)
    tt.heat_rate(m, Y)
    tt.information_flow(m, subsystem=Y)
    tt.efficiency(m, Y)
    tt.transfer_entropy_rate(m, X, Y)
    assert state_mod.stationary_state(m).digits_lost >= 0
    assert calls == [(n, n)]


def test_a_stable_hidden_drift_is_filtered_without_scipys_riccati_solver(monkeypatch):
    """Newton–Kleinman from zero (a stable hidden drift): scipy's QZ-based Riccati solve is not needed."""
    def unused(*args, **kwargs):
        raise AssertionError("solve_continuous_are called")

    A, d, b = _random_model(12, 404)
    ref = _reference(A, d, b, list(range(6)), list(range(6, 12)))
    monkeypatch.setattr(filtering.sla, "solve_continuous_are", unused)
    m = tt.LinearSDE.from_matrices(A, d)
    got = tt.transfer_entropy_rate(m, [f"z{i}" for i in range(6)], [f"z{i}" for i in range(6, 12)])
    assert got == pytest.approx(ref["te"], rel=1e-10)


def test_an_unstable_hidden_drift_still_takes_scipys_riccati_solver():
    """The hidden variable alone grows (a_HH = +0.5) but the feedback through the observed one stabilises
    the system: no stabilising start at zero, so the filter is scipy's Riccati solution as before."""
    A = np.array([[0.5, -2.0], [1.0, -1.0]])
    d = np.array([0.7, 0.4])
    m = tt.LinearSDE.from_matrices(A, d, variables=["x", "y"])
    P = sla.solve_continuous_are(np.array([[0.5]]), np.array([[1.0]]), np.array([[1.4]]), np.array([[0.8]]))
    assert tt.filter_error(m, "x", "y") == pytest.approx(P[0, 0], rel=1e-10)
    assert tt.transfer_entropy_rate(m, "x", "y") == pytest.approx(P[0, 0] / (4 * 0.4), rel=1e-10)
