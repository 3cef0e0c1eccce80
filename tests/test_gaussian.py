"""Entropy and (conditional) mutual information against hand derivations and definitions."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given

import thermotheory as tt

from .helpers import scipy_covariance, stable_systems

v, r, x, w = sp.symbols("v r x w", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)


def sensor():
    return tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})


def hand_sensor_mi(tau, tau_r, lam, D_v, D_r):
    """I(v;r) of the sensor, derived by hand from the three Lyapunov equations."""
    s_vv = D_v * tau
    s_vr = lam * D_v * tau**2 / (tau + tau_r)
    s_rr = lam * s_vr + D_r * tau_r
    return -0.5 * np.log(1 - s_vr**2 / (s_vv * s_rr))


@pytest.mark.parametrize("seed", range(5))
def test_sensor_mutual_information_closed_form(seed):
    rng = np.random.default_rng(seed)
    vals = dict(zip((tau, tau_r, lam, D_v, D_r), rng.uniform(0.2, 3.0, 5)))
    expr = tt.mutual_information(sensor(), v, r)
    got = float(expr.subs(vals))
    assert got == pytest.approx(hand_sensor_mi(*[vals[s] for s in (tau, tau_r, lam, D_v, D_r)]), rel=1e-12)
    # the numeric path agrees
    assert tt.mutual_information(sensor().subs(vals), v, r) == pytest.approx(got, rel=1e-12)


def test_entropy_of_ou_process():
    m = tt.LinearSDE({x: -x / tau}, {x: D_v})
    assert sp.simplify(tt.entropy(m, x) - sp.log(2 * sp.pi * sp.E * D_v * tau) / 2) == 0


def gaussian_entropy(S):
    k = S.shape[0]
    return 0.5 * (k * np.log(2 * np.pi * np.e) + np.linalg.slogdet(S)[1])


@given(stable_systems(n_min=3, n_max=5))
def test_information_identities(system):
    A, D = system
    m = tt.LinearSDE.from_matrices(A, D)
    S = scipy_covariance(A, D)
    z = m.variables
    X, Y, Z = [z[0]], [z[1]], list(z[2:])
    H = lambda idx: gaussian_entropy(S[np.ix_(idx, idx)])  # noqa: E731
    n = len(z)
    assert tt.entropy(m, z) == pytest.approx(H(list(range(n))), rel=1e-9, abs=1e-9)
    mi = tt.mutual_information(m, X, Y)
    assert mi == pytest.approx(H([0]) + H([1]) - H([0, 1]), abs=1e-9)
    assert mi >= -1e-12
    cmi = tt.conditional_mutual_information(m, X, Y, Z)
    rest = list(range(2, n))
    assert cmi == pytest.approx(H([0] + rest) + H([1] + rest) - H(rest) - H(list(range(n))), abs=1e-9)
    assert cmi >= -1e-12
    # chain rule I(X; Y Z) = I(X; Z) + I(X; Y | Z)
    assert tt.mutual_information(m, X, Y + Z) == pytest.approx(tt.mutual_information(m, X, Z) + cmi, abs=1e-9)


def test_data_processing_in_a_chain():
    kap, tau_w = sp.symbols("kappa tau_w", positive=True)
    m = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r, w: (kap * r - w) / tau_w},
                     {v: D_v, r: D_r, w: D_r})
    rng = np.random.default_rng(3)
    for _ in range(3):
        vals = {p: float(rng.uniform(0.2, 3)) for p in m.parameters}
        num = m.subs(vals)
        assert tt.mutual_information(num, v, w) <= tt.mutual_information(num, v, r) + 1e-12


def test_transient_mutual_information_from_independent_start():
    t = sp.Symbol("t", positive=True)
    m = sensor()
    mi_t = tt.mutual_information(m, v, r, t=t, initial={v: D_v * tau, r: D_r * tau_r})
    vals = {tau: 1, tau_r: sp.Rational(1, 2), lam: 2, D_v: 1, D_r: 1}
    assert float(mi_t.subs(vals).subs(t, 0)) == pytest.approx(0, abs=1e-15)
    late = float(mi_t.subs(vals).subs(t, 40))
    assert late == pytest.approx(float(tt.mutual_information(m, v, r).subs(vals)), rel=1e-12)
    num = m.subs(vals)
    S = tt.covariance(num, 0.3, np.diag([1.0, 0.5]))
    expected = 0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S))
    assert tt.mutual_information(num, v, r, t=0.3, initial=np.diag([1.0, 0.5])) == pytest.approx(expected, rel=1e-12)
    assert float(mi_t.subs(vals).subs(t, sp.Rational(3, 10))) == pytest.approx(expected, rel=1e-10)


def test_kl_divergence_against_definition():
    rng = np.random.default_rng(0)
    L = rng.standard_normal((3, 3))
    Sp, Sq = L @ L.T + np.eye(3), np.diag([1.0, 2.0, 0.5])
    mp, mq = rng.standard_normal(3), np.zeros(3)
    samples = rng.multivariate_normal(mp, Sp, size=400_000)

    def logpdf(z, mu, S):
        d = z - mu
        return -0.5 * (np.einsum("ij,jk,ik->i", d, np.linalg.inv(S), d) + np.linalg.slogdet(2 * np.pi * S)[1])

    diff = logpdf(samples, mp, Sp) - logpdf(samples, mq, Sq)
    est, se = diff.mean(), diff.std() / np.sqrt(diff.size)
    assert abs(tt.kl_divergence(mp, Sp, mq, Sq) - est) <= 4 * se


def test_errors():
    m = sensor()
    with pytest.raises(tt.ModelError, match="disjoint"):
        tt.conditional_mutual_information(m, v, r, v)
    with pytest.raises(tt.ModelError, match="at least one"):
        tt.entropy(m, [])
    with pytest.raises(tt.ModelError, match="without t"):
        tt.entropy(m, v, initial=np.eye(2))
