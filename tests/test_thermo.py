"""Entropy production, heat and information flow against independent computations."""

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp
from hypothesis import given
from scipy.integrate import quad_vec

import thermotheory as tt

from .helpers import FokkerPlanckGrid, covariance_constructions, scipy_covariance, stable_systems

v, r, x, y = sp.symbols("v r x y", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)


def sensor():
    return tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})


# -- the Fokker–Planck current on a grid --------------------------------------------------
GRID_CASES = [
    # (A, b, D, parity)
    (np.array([[-1.0, 0.0], [2.0, -3.0]]), None, np.diag([1.0, 0.5]), (1, 1)),  # sensor
    (np.array([[-1.0, 0.7], [-0.4, -2.0]]), np.array([0.3, -0.2]), np.diag([0.6, 1.4]), (1, 1)),  # feedback
    (np.array([[-0.5, 1.2], [-1.5, -0.8]]), None, np.diag([0.7, 0.9]), (1, -1)),  # with an odd variable
]


@pytest.mark.parametrize("case", range(len(GRID_CASES)))
def test_quantities_match_fokker_planck_quadrature(case):
    A, b, D, parity = GRID_CASES[case]
    grid = FokkerPlanckGrid(A, b, D, parity)
    m = tt.LinearSDE.from_matrices(A, D, b=b, variables=[x, y], parity=parity)
    assert tt.entropy_production_rate(m) == pytest.approx(grid.total_entropy_production(), rel=1e-4, abs=1e-6)
    for i, var in enumerate((x, y)):
        assert tt.entropy_production_rate(m, subsystem=var) == pytest.approx(
            grid.partial_entropy_production(i), rel=1e-4, abs=1e-6)
        assert tt.heat_rate(m, var) == pytest.approx(grid.heat_rate(i), rel=1e-4, abs=1e-6)
        assert tt.information_flow(m, subsystem=var) == pytest.approx(grid.information_flow(i), rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_symbolic_sensor_quantities_match_quadrature_at_random_points(seed):
    rng = np.random.default_rng(seed)
    model = sensor()
    vals = dict(zip((tau, tau_r, lam, D_v, D_r), (float(u) for u in rng.uniform(0.3, 2.0, 5))))
    num = model.subs(vals)
    A, _, D = num.arrays()
    grid = FokkerPlanckGrid(A, None, D)
    exprs = {
        "pi": tt.entropy_production_rate(model),
        "sigma_r": tt.entropy_production_rate(model, subsystem=r),
        "heat_r": tt.heat_rate(model, r),
        "flow_r": tt.information_flow(model, subsystem=r),
    }
    refs = {"pi": grid.total_entropy_production(), "sigma_r": grid.partial_entropy_production(1),
            "heat_r": grid.heat_rate(1), "flow_r": grid.information_flow(1)}
    for key, expr in exprs.items():
        assert float(expr.subs(vals)) == pytest.approx(refs[key], rel=1e-4), key


def test_sensor_efficiency_closed_form_is_below_one():
    eta = tt.efficiency(sensor(), r)
    # efficiency = D_r tau (tau + tau_r) / (D_r (tau + tau_r)^2 + D_v lambda^2 tau^2): below 1
    gap = sp.factor(sp.cancel(1 - eta))
    assert gap.is_positive
    assert tt.information_flow(sensor(), subsystem=r).is_positive


# -- constructions with known answers ---------------------------------------------------
@given(covariance_constructions())
def test_entropy_production_of_a_known_construction(construction):
    A, D, Sigma, Omega = construction
    m = tt.LinearSDE.from_matrices(A, D)
    np.testing.assert_allclose(tt.stationary_covariance(m), Sigma, rtol=1e-8, atol=1e-10)
    expected = np.trace(Omega.T @ np.linalg.inv(D) @ Omega @ np.linalg.inv(Sigma))
    assert tt.entropy_production_rate(m) == pytest.approx(expected, rel=1e-7, abs=1e-10)


@given(covariance_constructions(antisymmetric=False))
def test_detailed_balance_produces_no_entropy(construction):
    A, D, Sigma, _ = construction
    m = tt.LinearSDE.from_matrices(A, D)
    scale = np.trace(D @ np.linalg.inv(Sigma))
    assert abs(tt.entropy_production_rate(m)) <= 1e-9 * scale
    for var in m.variables:
        assert abs(tt.entropy_production_rate(m, subsystem=var)) <= 1e-9 * scale


# -- laws on random systems -------------------------------------------------------------
@given(stable_systems(n_min=2, n_max=5))
def test_second_law_and_sum_rules(system):
    A, D = system
    m = tt.LinearSDE.from_matrices(A, D)
    z = m.variables
    n = len(z)
    k = n // 2
    X, Y = list(z[:k]), list(z[k:])
    total = tt.entropy_production_rate(m)
    s_x, s_y = tt.entropy_production_rate(m, subsystem=X), tt.entropy_production_rate(m, subsystem=Y)
    scale = 1 + abs(total) + np.trace(D @ np.linalg.inv(scipy_covariance(A, D)))
    assert s_x >= -1e-9 * scale and s_y >= -1e-9 * scale
    assert s_x + s_y == pytest.approx(total, rel=1e-8, abs=1e-9 * scale)
    l_x, l_y = tt.information_flow(m, subsystem=X), tt.information_flow(m, subsystem=Y)
    assert l_x + l_y == pytest.approx(0, abs=1e-8 * scale)
    h_x, h_y = tt.heat_rate(m, X), tt.heat_rate(m, Y)
    assert l_y <= h_y + 1e-9 * scale and l_x <= h_x + 1e-9 * scale
    assert s_y == pytest.approx(h_y - l_y, rel=1e-8, abs=1e-9 * scale)
    # stationary first law: total entropy production = total entropy flow to the medium
    assert total == pytest.approx(h_x + h_y, rel=1e-8, abs=1e-9 * scale)


# -- underdamped particles --------------------------------------------------------------
def test_underdamped_oscillator_in_equilibrium_produces_nothing():
    k, g, mass, T = sp.symbols("k gamma m T", positive=True)
    osc = tt.LinearSDE({x: v, v: -k * x / mass - g * v / mass}, {v: g * T / mass**2}, parity={v: -1})
    assert tt.entropy_production_rate(osc) == 0
    assert tt.heat_rate(osc, v) == 0
    assert tt.heat_rate(osc, x) == 0


def test_underdamped_oscillator_with_even_velocity_is_refused():
    k = sp.Symbol("k", positive=True)
    wrong = tt.LinearSDE({x: v, v: -k * x - v}, {v: 1})  # v left even: dx = v dt is then irreversible
    with pytest.raises(tt.ModelError, match="infinite"):
        tt.entropy_production_rate(wrong)


def gyrator(k1, k2, kc, g1, g2, T1, T2):
    x1, v1, x2, v2 = sp.symbols("x1 v1 x2 v2", real=True)
    drift = {x1: v1, v1: -k1 * x1 - kc * (x1 - x2) - g1 * v1, x2: v2, v2: -k2 * x2 - kc * (x2 - x1) - g2 * v2}
    return tt.LinearSDE(drift, {v1: g1 * T1, v2: g2 * T2}, parity={v1: -1, v2: -1}), (x1, v1, x2, v2)


@pytest.mark.parametrize("temps", [(1.0, 1.0), (1.0, 3.0), (2.5, 0.4)])
def test_two_particles_at_two_temperatures(temps):
    T1, T2 = temps
    params = dict(k1=1.0, k2=2.0, kc=0.7, g1=0.5, g2=1.3)
    m, (x1, v1, x2, v2) = gyrator(T1=T1, T2=T2, **params)
    A, _, D = m.arrays()
    S = scipy_covariance(A, D)
    # heat flow into bath i: friction power minus noise power, gamma_i (<v_i^2> - T_i)
    q1 = params["g1"] * (S[1, 1] - T1)
    q2 = params["g2"] * (S[3, 3] - T2)
    assert q1 + q2 == pytest.approx(0, abs=1e-12)  # energy is conserved in the steady state
    expected = q1 / T1 + q2 / T2
    got = tt.entropy_production_rate(m)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-13)
    assert tt.heat_rate(m, [x1, v1]) == pytest.approx(q1 / T1, rel=1e-9, abs=1e-13)
    if T1 == T2:
        assert abs(got) < 1e-12
    else:
        assert got > 1e-3


# -- transient totals -------------------------------------------------------------------
def heat_flow_by_quadrature(A, b, D, parity, S0, m0, t):
    """int_0^t Phi(s) ds with S(s), m(s) from scipy's expm and adaptive quadrature."""
    n = A.shape[0]
    E = np.diag(parity).astype(float)
    A_irr, b_irr = (A + E @ A @ E) / 2, (b + E @ b) / 2
    Dp = np.linalg.pinv(D)
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n], M[:n, n:], M[n:, n:] = -A, 2 * D, A.T

    def phi(s):
        Ex = sla.expm(M * s)
        F = Ex[n:, n:].T
        S = F @ S0 @ F.T + F @ Ex[:n, n:]
        aug = np.zeros((n + 1, n + 1))
        aug[:n, :n], aug[:n, n] = A, b
        mean = (sla.expm(aug * s) @ np.append(m0, 1.0))[:n]
        c = A_irr @ mean + b_irr
        return np.trace(Dp @ (A_irr @ S @ A_irr.T + np.outer(c, c))) + np.trace(A_irr)

    return quad_vec(phi, 0, t, epsabs=1e-12, epsrel=1e-11)[0], scipy_state(A, D, S0, t)


def scipy_state(A, D, S0, t):
    n = A.shape[0]
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n], M[:n, n:], M[n:, n:] = -A, 2 * D, A.T
    Ex = sla.expm(M * t)
    F = Ex[n:, n:].T
    return F @ S0 @ F.T + F @ Ex[:n, n:]


@pytest.mark.parametrize(
    "A, b, D, parity",
    [
        (np.array([[-1.0, 0.0], [1.5, -0.7]]), np.zeros(2), np.diag([1.0, 0.3]), (1, 1)),
        (np.array([[0.0, 1.0], [-2.0, -0.5]]), np.array([0.0, 0.8]), np.diag([0.0, 0.5]), (1, -1)),
        (np.array([[-1.0, 0.4], [-0.4, -1.0]]), np.array([0.2, 0.1]), np.diag([0.5, 1.5]), (1, 1)),
    ],
)
def test_entropy_production_over_an_interval_matches_quadrature(A, b, D, parity):
    S0 = np.array([[0.4, 0.1], [0.1, 0.9]])
    m0 = np.array([0.5, -0.3])
    t = 1.7
    m = tt.LinearSDE.from_matrices(A, D, b=b, parity=parity)
    flow, St = heat_flow_by_quadrature(A, b, D, parity, S0, m0, t)
    dH = 0.5 * (np.linalg.slogdet(St)[1] - np.linalg.slogdet(S0)[1])
    assert tt.entropy_production(m, t, S0, initial_mean=m0) == pytest.approx(dH + flow, rel=1e-8, abs=1e-10)


def test_relaxation_to_equilibrium_produces_the_kl_divergence():
    A = np.array([[-1.0, 0.0], [0.8, -2.0]])
    D = np.diag([1.0, 0.5])
    # make it detailed balance: A = -D Sigma^{-1}
    Sigma = np.array([[1.0, 0.3], [0.3, 0.8]])
    A = -D @ np.linalg.inv(Sigma)
    m = tt.LinearSDE.from_matrices(A, D)
    S0 = np.array([[2.0, -0.2], [-0.2, 0.3]])
    k = 2
    kl = 0.5 * (np.trace(np.linalg.solve(Sigma, S0)) - k + np.linalg.slogdet(Sigma)[1] - np.linalg.slogdet(S0)[1])
    assert tt.entropy_production(m, 60.0, S0) == pytest.approx(kl, rel=1e-9)


def test_long_run_slope_is_the_stationary_rate():
    m = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [2.0, -1.5]]), [1.0, 0.4])
    S0 = np.eye(2)
    slope = (tt.entropy_production(m, 41.0, S0) - tt.entropy_production(m, 40.0, S0)) / 1.0
    assert slope == pytest.approx(tt.entropy_production_rate(m), rel=1e-9)


def test_symbolic_transient_entropy_production_matches_numeric():
    t = sp.Symbol("t", positive=True)
    s0 = sp.Symbol("s_0", positive=True)
    m = tt.LinearSDE({v: -v / tau}, {v: D_v})
    total = tt.entropy_production(m, t, {v: s0})
    vals = {tau: sp.Rational(3, 2), D_v: sp.Rational(2, 3), s0: 3}
    got = float(total.subs(vals).subs(t, sp.Rational(5, 4)))
    num = tt.entropy_production(m.subs({tau: vals[tau], D_v: vals[D_v]}), 1.25, [[3.0]])
    assert got == pytest.approx(num, rel=1e-12)
    # t -> infinity: KL of N(0, s0) from N(0, D tau)
    limit = sp.limit(total, t, sp.oo)
    kl = (s0 / (D_v * tau) - 1 - sp.log(s0 / (D_v * tau))) / 2
    assert sp.simplify(limit - kl) == 0


# -- errors ----------------------------------------------------------------------------
def test_subsystem_errors():
    m = tt.LinearSDE.from_matrices(-np.eye(2), np.array([[1.0, 0.3], [0.3, 1.0]]), variables=[x, y])
    with pytest.raises(tt.NotBipartite, match="correlated"):
        tt.heat_rate(m, x)
    with pytest.raises(tt.NotBipartite):
        tt.entropy_production_rate(m, subsystem=x)
    with pytest.raises(tt.ModelError, match="smaller than the whole"):
        tt.information_flow(m, subsystem=[x, y])
    eq = tt.LinearSDE.from_matrices(-np.eye(2), [1.0, 1.0], variables=[x, y])
    with pytest.raises(tt.ModelError, match="efficiency is undefined"):
        tt.efficiency(eq, x)
    unstable = tt.LinearSDE.from_matrices(np.array([[1.0, 0.0], [0.0, -1.0]]), [1.0, 1.0])
    with pytest.raises(tt.NotStable):
        tt.entropy_production_rate(unstable)
