"""Symbolic budgets that refuse only what cannot be done (structured forms need only the entries they use)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from tests.test_budget import hang_guard


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


def test_the_six_chain_mutual_information_of_its_ends_answers_in_structured_form():
    model, z = _chain(6)
    start = time.perf_counter()
    with hang_guard(60):
        info = tt.mutual_information(model, z[0], z[5], form="structured")
    assert time.perf_counter() - start < 20
    assert isinstance(info, tt.ClosedForm)
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


def test_a_dense_block_is_still_refused_within_seconds_in_structured_form():
    z = sp.symbols("x0:4", real=True)
    a = sp.symbols("a0:16", real=True)
    model = tt.LinearSDE({z[i]: sum(a[4 * i + j] * z[j] for j in range(4)) for i in range(4)}, {zz: 1 for zz in z})
    start = time.perf_counter()
    with hang_guard(60):
        with pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
            tt.mutual_information(model, z[0], z[3], form="structured")
    assert time.perf_counter() - start < 10


def test_other_forms_of_the_six_chain_are_still_refused_quickly():
    model, z = _chain(6)
    with hang_guard(60):
        with pytest.raises(tt.TooLarge):
            tt.mutual_information(model, z[0], z[5], form="rational")
