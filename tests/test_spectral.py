"""Full-history transfer entropy, mutual-information rate and KL rate against independent computations.

References here never call the closed forms they check: discrete-time Kalman recursions of
the exactly sampled model (scipy), QUADPACK's infinite-interval quadrature of the spectral
integrals in their textbook (unpaired, unwhitened) form, published closed forms, the entropy
production rate (a Lyapunov computation), and the sum rule linking the spectral and the
filter computations. Monte Carlo checks use fixed seeds and |z| <= 4.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
from scipy.integrate import quad
import sympy as sp

import thermotheory as tt
from thermotheory.core.filtering import transfer_entropy_rate as present_transfer_entropy_rate
from thermotheory.core.spectral import full_history_transfer_entropy_rate, kl_divergence_rate, mutual_information_rate
from thermotheory.montecarlo.spectral import (estimate_full_history_transfer_entropy_rate, estimate_kl_divergence_rate,
                                              estimate_mutual_information_rate)
from thermotheory.errors import ModelError, NotStable

v, x, y, s, w = sp.symbols("v x y s w", real=True)
a, b, c, d, e = sp.symbols("a b c d e", positive=True)
D_v, D_x, D_y = sp.symbols("D_v D_x D_y", positive=True)
UNIT = {a: 1, b: 1, c: 1, d: 1, e: 1, D_v: 1, D_x: 1, D_y: 1}


def cascade():
    """``v -> x -> y``: dv = -a v + noise, dx = (b v - c x) + noise, dy = (d x - e y) + noise."""
    return tt.LinearSDE({v: -a * v, x: b * v - c * x, y: d * x - e * y}, {v: D_v, x: D_x, y: D_y})


def unit_cascade():
    return tt.LinearSDE.from_matrices([[-1.0, 0, 0], [1, -1, 0], [0, 1, -1]], [1.0, 1, 1], variables=["v", "x", "y"])


def random_system(rng, n, parity=None):
    while True:
        A = rng.normal(size=(n, n))
        if np.max(np.linalg.eigvals(A).real) < -0.2:
            break
    D = np.diag(rng.uniform(0.3, 2.0, n))
    return tt.LinearSDE.from_matrices(A, D, variables=[f"z{i}" for i in range(n)], parity=parity)


def mechanical(rng, k=2, force=True):
    """Positions (even, noiseless, dx = v dt) and velocities (odd, noisy) with a non-conservative force."""
    while True:
        K = rng.normal(size=(k, k)) + 2 * np.eye(k)
        G = np.diag(rng.uniform(0.5, 2.0, k))
        A = np.block([[np.zeros((k, k)), np.eye(k)], [-K, -G]])
        if np.max(np.linalg.eigvals(A).real) < -0.05:
            break
    D = np.diag(np.r_[np.zeros(k), rng.uniform(0.3, 2.0, k)])
    bvec = np.r_[np.zeros(k), rng.normal(size=k) if force else np.zeros(k)]
    names = [f"x{i}" for i in range(k)] + [f"v{i}" for i in range(k)]
    return tt.LinearSDE.from_matrices(A, D, b=bvec, variables=names, parity=[1] * k + [-1] * k)


# -- independent references -------------------------------------------------------------------------
def discrete_history_te(A, D, X, Y, h):
    """Transfer entropy per unit time of the exactly sampled model (step h), full pasts: discrete Kalman recursions."""
    Sigma = sla.solve_continuous_lyapunov(A, -2 * D)
    F = sla.expm(A * h)
    Q = Sigma - F @ Sigma @ F.T

    def innovation(O):
        P = Sigma.copy()
        for _ in range(20000):
            prior = F @ P @ F.T + Q
            R = prior[np.ix_(O, O)]
            new = prior - prior[:, O] @ np.linalg.solve(R, prior[O, :])
            if np.max(np.abs(new - P)) < 1e-15:
                break
            P = new
        return R

    joint = innovation(X + Y)
    k = len(X)
    return 0.5 * (np.linalg.slogdet(innovation(Y))[1] - np.linalg.slogdet(joint[k:, k:])[1]) / h


def richardson3(f, h):
    """Second-order Richardson extrapolation from steps h, h/2, h/4."""
    f1, f2, f4 = f(h), f(h / 2), f(h / 4)
    r1, r2 = 2 * f2 - f1, 2 * f4 - f2
    return (4 * r2 - r1) / 3


def spectrum(A, D, omega, rows):
    M = np.linalg.inv(1j * omega * np.eye(A.shape[0]) - A)[rows]
    return M @ (2 * D) @ M.conj().T


def quad_mutual_information_rate(A, D, X, Y):
    """-1/(4 pi) int ln(det S_ZZ / (det S_XX det S_YY)) over the whole line, by QUADPACK's infinite-interval rule."""
    k = len(X)

    def f(omega):
        S = spectrum(A, D, omega, X + Y)
        return -np.log((np.linalg.det(S) / (np.linalg.det(S[:k, :k]) * np.linalg.det(S[k:, k:]))).real)

    total = sum(quad(f, lo, hi, limit=500, epsabs=1e-13, epsrel=1e-12)[0] for lo, hi in ((-np.inf, 0), (0, np.inf)))
    return total / (4 * np.pi)


def quad_kl_rate(A, D, O, parity):
    """Whittle's 1/(4 pi) int [tr(S_R^-1 S) - k] over the whole line (not paired), S_R = E S^T E."""
    E = np.diag([float(parity[i]) for i in O])

    def f(omega):
        S = spectrum(A, D, omega, O)
        return np.trace(np.linalg.solve(E @ S.T @ E, S)).real - len(O)

    total = sum(quad(f, lo, hi, limit=500, epsabs=1e-13, epsrel=1e-12)[0] for lo, hi in ((-np.inf, 0), (0, np.inf)))
    return total / (4 * np.pi)


# -- the full-history transfer entropy ------------------------------------------------------------
def test_cascade_numbers_of_the_issue():
    m = unit_cascade()
    full = full_history_transfer_entropy_rate(m, "v", "y")
    present = present_transfer_entropy_rate(m, "v", "y")
    assert round(full, 4) == 0.0641 and round(present, 4) == 0.0373
    # through the hidden intermediate only the whole past of v helps: x given (v, y) paths has error 2 (sqrt 2 - 1)
    P_both = tt.filter_error(m, "x", ["v", "y"])
    assert P_both == pytest.approx(2 * (np.sqrt(2) - 1), rel=1e-12)
    assert full == pytest.approx((tt.filter_error(m, ["v", "x"], "y")[1, 1] - P_both) / 4, rel=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_full_history_te_matches_discrete_time_kalman_recursions(seed):
    rng = np.random.default_rng(seed)
    m = random_system(rng, 4)
    A, _, D = m.arrays()
    X, Y = [0, 3], [1]
    ref = richardson3(lambda h: discrete_history_te(A, D, X, Y, h), 0.02)
    got = full_history_transfer_entropy_rate(m, ["z0", "z3"], "z1")
    assert got == pytest.approx(ref, rel=2e-4, abs=1e-7)


def test_full_history_te_with_correlated_noise_matches_discrete_recursions():
    A = np.array([[-1.0, 0.3, 0.0], [0.8, -1.2, 0.2], [0.0, 0.9, -0.7]])
    D = np.array([[1.0, 0.0, 0.3], [0.0, 0.6, 0.0], [0.3, 0.0, 0.8]])  # hidden z1 ... target z2 share noise with z0
    m = tt.LinearSDE.from_matrices(A, D, variables=["z0", "z1", "z2"])
    ref = richardson3(lambda h: discrete_history_te(A, D, [0], [2], h), 0.02)
    assert full_history_transfer_entropy_rate(m, "z0", "z2") == pytest.approx(ref, rel=2e-4)


@pytest.mark.parametrize("seed", range(6))
def test_full_history_te_is_at_least_the_present_source_te(seed):
    rng = np.random.default_rng(100 + seed)
    m = random_system(rng, 4)
    full = full_history_transfer_entropy_rate(m, "z0", "z2")
    assert full >= present_transfer_entropy_rate(m, "z0", "z2") - 1e-12
    assert full >= 0.0


def test_full_and_present_te_agree_when_the_source_is_every_driver():
    m = unit_cascade()
    assert full_history_transfer_entropy_rate(m, ["v", "x"], "y") == pytest.approx(
        present_transfer_entropy_rate(m, ["v", "x"], "y"), rel=1e-12)
    assert full_history_transfer_entropy_rate(m, "y", "v") == 0.0  # v is autonomous


def test_symbolic_full_history_te_of_the_cascade():
    expr = full_history_transfer_entropy_rate(cascade(), v, y)
    assert expr.free_symbols <= {a, b, c, d, e, D_v, D_x, D_y}
    assert float(expr.subs(UNIT)) == pytest.approx(full_history_transfer_entropy_rate(unit_cascade(), "v", "y"),
                                                   rel=1e-12)
    rng = np.random.default_rng(7)
    point = {p: float(u) for p, u in zip((a, b, c, d, e, D_v, D_x, D_y), rng.uniform(0.4, 2.5, 8))}
    A, _, D = cascade().subs(point).arrays()
    ref = richardson3(lambda h: discrete_history_te(A, D, [0], [2], h), 0.01)
    assert float(expr.subs(point)) == pytest.approx(ref, rel=2e-4)


# -- the mutual-information rate -------------------------------------------------------------------------
def test_tostevin_ten_wolde_closed_form():
    lam, g, mu, D_s = sp.symbols("lambda g mu D_s", positive=True)
    m = tt.LinearSDE({s: -lam * s, x: g * s - mu * x}, {s: D_s, x: D_x})
    expr = mutual_information_rate(m, s, x)
    published = lam / 2 * (sp.sqrt(1 + g**2 * D_s / (D_x * lam**2)) - 1)
    assert sp.simplify(expr - published) == 0
    point = {lam: 1.3, g: 0.7, mu: 2.1, D_s: 0.9, D_x: 0.4}
    assert mutual_information_rate(m.subs(point), s, x) == pytest.approx(float(published.subs(point)), rel=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_mutual_information_rate_is_the_sum_of_the_two_full_history_te(seed):
    # independent noise in X and Y: I(X; Y) = T(X -> Y) + T(Y -> X), a quadrature against two Riccati solves
    rng = np.random.default_rng(200 + seed)
    m = random_system(rng, 4)
    X, Y = ["z0", "z3"], ["z1"]
    total = full_history_transfer_entropy_rate(m, X, Y) + full_history_transfer_entropy_rate(m, Y, X)
    assert mutual_information_rate(m, X, Y) == pytest.approx(total, rel=1e-8)


def test_mutual_information_rate_against_quadpack():
    rng = np.random.default_rng(11)
    m = random_system(rng, 3)
    A, _, D = m.arrays()
    assert mutual_information_rate(m, "z0", ["z1", "z2"]) == pytest.approx(
        quad_mutual_information_rate(A, D, [0], [1, 2]), rel=1e-8)


def test_symbolic_mutual_information_rate_of_the_cascade():
    expr = mutual_information_rate(cascade(), v, y)
    assert float(expr.subs(UNIT)) == pytest.approx(0.0641230972321587, rel=1e-12)
    point = {a: 0.7, b: 1.9, c: 1.3, d: 0.6, e: 2.2, D_v: 0.5, D_x: 1.7, D_y: 0.8}
    A, _, D = cascade().subs(point).arrays()
    assert float(expr.subs(point)) == pytest.approx(quad_mutual_information_rate(A, D, [0], [2]), rel=1e-9)


def test_infinite_mutual_information_rates_are_refused():
    # correlated white noises
    m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [0.0, -2.0]], [[1.0, 0.5], [0.5, 1.0]], variables=["p", "q"])
    with pytest.raises(ModelError, match="infinite"):
        mutual_information_rate(m, "p", "q")
    # noiseless readouts p -> q of a signal h: each path fixes the others
    smooth = tt.LinearSDE.from_matrices([[-1.0, 0, 0], [1.0, -1, 0], [0, 1.0, -1]], [1.0, 0.0, 0.0],
                                        variables=["h", "p", "q"])
    for X, Y in (("h", "q"), ("p", "q"), ("h", "p")):
        with pytest.raises(ModelError, match="infinite"):
            mutual_information_rate(smooth, X, Y)
    # with noise of its own the second readout sees the smooth p through white noise: finite
    noisy = tt.LinearSDE.from_matrices([[-1.0, 0, 0], [1.0, -1, 0], [0, 1.0, -1]], [1.0, 0.0, 0.5],
                                       variables=["h", "p", "q"])
    A, _, D = noisy.arrays()
    assert mutual_information_rate(noisy, "p", "q") == pytest.approx(quad_mutual_information_rate(A, D, [1], [2]),
                                                                     rel=1e-8)


def test_mutual_information_rate_of_independent_paths_is_zero():
    m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [0.0, -2.0]], [1.0, 0.5], variables=["p", "q"])
    assert mutual_information_rate(m, "p", "q") == pytest.approx(0.0, abs=1e-14)


# -- the KL rate of partial observation -----------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_kl_rate_with_everything_observed_is_the_entropy_production(seed):
    rng = np.random.default_rng(300 + seed)
    m = random_system(rng, 3)
    assert kl_divergence_rate(m) == pytest.approx(tt.entropy_production_rate(m), rel=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_kl_rate_of_underdamped_systems_is_the_entropy_production(seed):
    rng = np.random.default_rng(400 + seed)
    m = mechanical(rng)
    ep = tt.entropy_production_rate(m)
    # all observed: the positions are functionals of the velocities' paths; either set alone suffices
    assert kl_divergence_rate(m) == pytest.approx(ep, rel=1e-7)
    assert kl_divergence_rate(m, ["v0", "v1"]) == pytest.approx(ep, rel=1e-7)
    assert kl_divergence_rate(m, ["x0", "x1"]) == pytest.approx(ep, rel=1e-7)
    # one particle alone is a functional of one scalar Gaussian process: reversible
    assert kl_divergence_rate(m, ["x0", "v0"]) == pytest.approx(0.0, abs=1e-12)


def test_kl_rate_with_odd_means_is_the_entropy_production():
    F, g = sp.symbols("F gamma", positive=True)
    # a velocity dragged by a constant force, seen through an even sensor
    dragged = tt.LinearSDE({w: -g * w + F, x: w - x}, {w: D_v, x: D_x}, parity={w: -1})
    assert sp.simplify(kl_divergence_rate(dragged) - tt.entropy_production_rate(dragged)) == 0
    num = dragged.subs({F: 0.7, g: 1.3, D_v: 0.8, D_x: 0.5})
    assert kl_divergence_rate(num) == pytest.approx(tt.entropy_production_rate(num), rel=1e-9)
    # an odd noiseless variable driven by an even one: its mean shows only together with it
    osc = tt.LinearSDE({x: -w - g * x + F, w: x}, {x: D_x}, parity={w: -1})
    assert sp.simplify(kl_divergence_rate(osc) - F**2 / D_x) == 0
    assert sp.simplify(tt.entropy_production_rate(osc) - F**2 / D_x) == 0
    assert kl_divergence_rate(osc.subs({F: 0.7, g: 1.2, D_x: 0.5}), x) == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_partial_kl_rates_are_lower_bounds_that_grow_with_what_is_observed(seed):
    rng = np.random.default_rng(500 + seed)
    m = random_system(rng, 4)
    ep = tt.entropy_production_rate(m)
    chain = [kl_divergence_rate(m, [f"z{i}" for i in range(k)]) for k in (1, 2, 3, 4)]
    assert chain[0] == 0.0  # a scalar stationary Gaussian process is reversible
    assert all(lo <= hi * (1 + 1e-9) + 1e-12 for lo, hi in zip(chain, chain[1:]))
    assert chain[-1] == pytest.approx(ep, rel=1e-8)


def test_kl_rate_against_quadpack():
    rng = np.random.default_rng(13)
    m = random_system(rng, 4, parity=[1, -1, 1, 1])
    A, _, D = m.arrays()
    O = [0, 1, 3]
    assert kl_divergence_rate(m, ["z0", "z1", "z3"]) == pytest.approx(quad_kl_rate(A, D, O, m.parity), rel=1e-8)


def test_symbolic_kl_rates_of_the_cascade():
    m = cascade()
    # sensor v -> x: both observed, the two-variable system is Markov and the rate is its entropy production
    two = tt.LinearSDE({v: -a * v, x: b * v - c * x}, {v: D_v, x: D_x})
    assert sp.simplify(kl_divergence_rate(two) - tt.entropy_production_rate(two)) == 0
    assert sp.simplify(kl_divergence_rate(m, [v, x]) - b**2 * D_v / (D_x * (a + c))) == 0
    for O in ([x, y], [v, y]):
        expr = kl_divergence_rate(m, O)
        point = {a: 0.7, b: 1.9, c: 1.3, d: 0.6, e: 2.2, D_v: 0.5, D_x: 1.7, D_y: 0.8}
        num = m.subs(point)
        A, _, D = num.arrays()
        ref = quad_kl_rate(A, D, num.indices(O), num.parity)
        assert float(expr.subs(point)) == pytest.approx(ref, rel=1e-9)
        # finite where rates coincide (no partial-fraction poles)
        assert float(expr.subs(UNIT)) == pytest.approx(kl_divergence_rate(unit_cascade(), [str(q) for q in O]),
                                                        rel=1e-10)


def test_infinite_kl_rates_are_refused():
    # a noiseless variable relaxing towards an observed one: irreversible with no noise
    relax = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 0.0], variables=["p", "q"])
    with pytest.raises(ModelError, match="irreversible"):
        kl_divergence_rate(relax)
    # a noiseless variable driven by an observed noisy one and a hidden one (decided at high frequency)
    mixed = tt.LinearSDE.from_matrices([[-1.0, 0, 0], [0.5, -1, 0], [1.0, 1.0, -1]], [1.0, 1.0, 0.0],
                                       variables=["h", "p", "q"])
    with pytest.raises(ModelError, match="infinite"):
        kl_divergence_rate(mixed, ["p", "q"])


# -- bad input ------------------------------------------------------------------------------------------
def test_bad_input_is_refused_with_model_errors():
    m = unit_cascade()
    with pytest.raises(ModelError, match="disjoint"):
        mutual_information_rate(m, ["v", "x"], "x")
    with pytest.raises(ModelError, match="disjoint"):
        full_history_transfer_entropy_rate(m, "y", "y")
    unstable = tt.LinearSDE.from_matrices([[0.5, 0.0], [1.0, -1.0]], [1.0, 1.0], variables=["p", "q"])
    for fn, args in ((mutual_information_rate, ("p", "q")), (kl_divergence_rate, ()),
                     (full_history_transfer_entropy_rate, ("p", "q"))):
        with pytest.raises(NotStable):
            fn(unstable, *args)
    silent = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 0.0], variables=["p", "q"])
    with pytest.raises(ModelError, match="infinite"):
        full_history_transfer_entropy_rate(silent, "p", "q")
    with pytest.raises(ModelError, match="noise of its own"):
        full_history_transfer_entropy_rate(silent, "q", "p")
    with pytest.raises(ModelError, match="numeric model"):
        estimate_mutual_information_rate(cascade(), v, y, paths=256, seed=0)
    with pytest.raises(ModelError, match="paths"):
        estimate_kl_divergence_rate(m, paths=10, seed=0)
    with pytest.raises(ModelError, match="dt"):
        estimate_full_history_transfer_entropy_rate(m, "v", "y", paths=256, seed=0, dt=-1.0)
    with pytest.raises(ModelError, match="unknown variable|not a state variable|no variable"):
        kl_divergence_rate(m, "nope")


def test_the_three_rates_are_registered_quantities():
    from thermotheory import registry

    qs = [registry.full_history_transfer_entropy_rate, registry.mutual_information_rate, registry.kl_divergence_rate]
    assert [q.function for q in qs] == [full_history_transfer_entropy_rate, mutual_information_rate,
                                        kl_divergence_rate]
    for q in qs:
        assert q.kind == "rate" and q.units == "nats per unit time" and q.estimators
    m = unit_cascade()
    assert registry.full_history_transfer_entropy_rate.of("v", "y").latex() == r"T^{\mathrm{path}}_{v \to y}"
    rec = tt.verify(m, registry.full_history_transfer_entropy_rate.of("v", "y"), seed=5, paths=512)
    assert rec.passed, rec


# -- Monte Carlo -----------------------------------------------------------------------------------------
def test_estimate_of_the_full_history_te_of_the_cascade():
    m = unit_cascade()
    est, dt, T = estimate_full_history_transfer_entropy_rate(m, "v", "y", paths=512, seed=5)
    assert dt == pytest.approx(0.02) and T == pytest.approx(20.0)
    assert abs(est.z(full_history_transfer_entropy_rate(m, "v", "y"))) <= 4


def test_estimate_of_the_mutual_information_rate_of_the_cascade():
    m = unit_cascade()
    est, dt, T = estimate_mutual_information_rate(m, "v", "y", paths=512, seed=6)
    assert abs(est.z(mutual_information_rate(m, "v", "y"))) <= 4


def test_estimate_of_the_kl_rate_of_partial_observation():
    m = unit_cascade()
    est, _, _ = estimate_kl_divergence_rate(m, ["x", "y"], paths=512, seed=7)
    assert abs(est.z(kl_divergence_rate(m, ["x", "y"]))) <= 4


def test_estimate_of_the_kl_rate_with_an_odd_mean_and_a_functional_variable():
    osc = tt.LinearSDE.from_matrices([[-1.2, -1.0], [1.0, 0.0]], [0.5, 0.0], b=[0.7, 0.0], variables=["x", "w"],
                                     parity=[1, -1])
    est, _, _ = estimate_kl_divergence_rate(osc, paths=512, seed=8)
    assert abs(est.z(kl_divergence_rate(osc))) <= 4  # F^2 / D_x = 0.98, all from the mean of w


@pytest.mark.slow
def test_estimators_tell_the_full_history_te_from_the_present_source_te():
    m = unit_cascade()
    est, _, _ = estimate_full_history_transfer_entropy_rate(m, "v", "y", paths=4096, seed=9)
    assert abs(est.z(full_history_transfer_entropy_rate(m, "v", "y"))) <= 4
    assert abs(est.z(present_transfer_entropy_rate(m, "v", "y"))) > 8


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2))
def test_spectral_estimators_on_random_models(seed):
    rng = np.random.default_rng(600 + seed)
    m = random_system(rng, 3, parity=[1, 1, -1])
    est, _, _ = estimate_mutual_information_rate(m, "z0", ["z1", "z2"], paths=512, seed=seed)
    assert abs(est.z(mutual_information_rate(m, "z0", ["z1", "z2"]))) <= 4
    est, _, _ = estimate_kl_divergence_rate(m, ["z0", "z2"], paths=512, seed=seed)
    assert abs(est.z(kl_divergence_rate(m, ["z0", "z2"]))) <= 4


def test_a_singular_spectral_density_is_refused_by_name():
    # two recorded variables driven by the same noise alone copy one another: sympy's NonInvertibleMatrixError
    # (symbolic) and a ZeroDivisionError (numeric) came out raw
    v, a, b = sp.symbols("v a b", real=True)
    k = sp.Symbol("k", positive=True)
    model = tt.LinearSDE({v: -v, a: v - k * a, b: v - k * b}, {v: 1})
    for m in (model, model.subs({k: 2})):
        with pytest.raises(tt.SingularCovariance, match="singular at every frequency"):
            tt.kl_divergence_rate(m, [a, b])
