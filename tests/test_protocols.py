"""Protocols b(t): model checks, transient mean and heat against independent solves and Monte Carlo."""

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import thermotheory as tt
from thermotheory.montecarlo import estimators as estimate  # the per-path estimators
from thermotheory.core.moments import mean
from thermotheory.core.protocols import switching_times
from thermotheory.errors import ModelError

x, y, s = sp.symbols("x y s", real=True)
k, g, u, T = sp.symbols("k gamma u T", positive=True)
t = sp.Symbol("t", positive=True)


def dragged():
    return tt.LinearSDE({x: -k / g * (x - u * s)}, {x: T / g}, time=s)


def ramped_pair(numeric=True):
    """A sensor y of a driven x; the drive ramps up to 1 by time 1.5, then stays."""
    ramp = sp.Piecewise((s / sp.Rational(3, 2), s < sp.Rational(3, 2)), (1, True))
    m = tt.LinearSDE({x: -x + 2 * ramp, y: x - 3 * y / 2}, {x: 1, y: sp.Rational(1, 2)}, time=s)
    return m


def ode_moments(model, t_end, m0, S0):
    """Mean and covariance by integrating dm/dt = A m + b(t), dS/dt = A S + S A^T + 2D."""
    A, D = model.A, model.D
    A = np.array(A.tolist(), float)
    D = np.array(D.tolist(), float)
    n = A.shape[0]

    def rhs(tau, yv):
        m = yv[:n]
        S = yv[n:].reshape(n, n)
        return np.concatenate([A @ m + model.drive([tau])[0], (A @ S + S @ A.T + 2 * D).ravel()])

    edges = [0.0] + switching_times(model, t_end) + [t_end]
    yv = np.concatenate([m0, np.asarray(S0, float).ravel()])
    for lo, hi in zip(edges[:-1], edges[1:]):
        yv = solve_ivp(rhs, (lo, hi), yv, method="Radau", rtol=1e-12, atol=1e-13).y[:, -1]
    return yv[:n], yv[n:].reshape(n, n)


# -- the model ---------------------------------------------------------------------------
def test_time_is_not_a_parameter_and_blocks_stationary_quantities():
    m = dragged()
    assert m.time == s and not m.is_autonomous
    assert s not in m.parameters
    num = m.subs({k: 1, g: 1, u: 2, T: 1})
    assert num.is_numeric
    assert num.drive([0.0, 1.5]).ravel().tolist() == [0.0, 3.0]
    with pytest.raises(ModelError, match="depends on time"):
        num.arrays()
    for f in (tt.stationary_mean, tt.entropy_production_rate):
        with pytest.raises(ModelError, match="no stationary state"):
            f(num)
    with pytest.raises(ModelError, match="no stationary state"):
        tt.heat_rate(num, x)
    # the covariance is not changed by the protocol
    assert tt.stationary_covariance(num)[0, 0] == pytest.approx(1.0)


def test_a_modulated_model_has_no_stationary_state_and_a_bad_time_symbol_is_refused():
    # A(t) and D(t) are protocols too (issue 16): such a model is built, and refuses stationary questions
    for modulated in (tt.LinearSDE({x: -(1 + s) * x}, {x: 1}, time=s), tt.LinearSDE({x: -x}, {x: 1 + s}, time=s)):
        assert modulated.is_modulated
        with pytest.raises(ModelError, match="stationary"):
            tt.stationary_covariance(modulated)
    with pytest.raises(ModelError, match="state variable"):
        tt.LinearSDE({x: -x}, {x: 1}, time=x)
    with pytest.raises(ModelError, match="Symbol"):
        tt.LinearSDE({x: -x}, {x: 1}, time="s")
    # a time symbol the drift does not use leaves the model autonomous
    assert tt.LinearSDE({x: -x + 1}, {x: 1}, time=s).is_autonomous


def test_switching_times_are_read_from_heaviside_and_piecewise():
    m = tt.LinearSDE({x: -x + sp.Heaviside(s - 2) + sp.Piecewise((1, s < 1), (0, True))}, {x: 1}, time=s)
    assert switching_times(m, 5.0) == [1.0, 2.0]
    assert switching_times(m, 1.5) == [1.0]


def test_simulation_refuses_burn_in_under_a_protocol():
    with pytest.raises(ModelError, match="burn_in"):
        tt.simulate(dragged(), 1.0, 0.1, 10, values={k: 1, g: 1, u: 1, T: 1}, burn_in=1.0)


# -- closed forms against independent computations ---------------------------------------
def test_dragged_trap_mean_lag_and_long_time_heat_rate():
    m = mean(dragged(), t)[0]
    assert sp.simplify(m - (u * t - g * u / k * (1 - sp.exp(-k * t / g)))) == 0
    Q = tt.heat(dragged(), t, {x: T / k})
    rate = sp.limit(sp.diff(Q, t), t, sp.oo)
    assert sp.simplify(rate - g * u**2 / T) == 0  # the steady entropy production gamma u^2 / T


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symbolic_and_numeric_paths_agree_at_random_points(seed):
    rng = np.random.default_rng(seed)
    vals = {k: rng.uniform(0.5, 2), g: rng.uniform(0.5, 2), u: rng.uniform(0.2, 2), T: rng.uniform(0.5, 2)}
    t1 = float(rng.uniform(0.3, 3))
    S0 = {x: sp.Rational(1, 2)}
    sym_mean = float(mean(dragged(), t, {x: 1})[0].subs(vals).subs(t, t1))
    sym_heat = float(tt.heat(dragged(), t, S0, {x: 1}).subs(vals).subs(t, t1))
    num = dragged().subs(vals)
    m_ode, S_ode = ode_moments(num, t1, np.array([1.0]), [[0.5]])
    assert float(mean(num, t1, [1.0])[0]) == pytest.approx(sym_mean, rel=1e-9)
    assert m_ode[0] == pytest.approx(sym_mean, rel=1e-8)
    assert tt.heat(num, t1, [[0.5]], [1.0]) == pytest.approx(sym_heat, rel=1e-8)


def test_numeric_driven_mean_matches_an_ode_solve_through_a_ramp():
    m = ramped_pair()
    for t1 in (0.7, 1.5, 4.0):
        m_ode, _ = ode_moments(m, t1, np.array([0.3, -0.2]), np.eye(2))
        assert np.asarray(mean(m, t1, [0.3, -0.2]), float) == pytest.approx(m_ode, rel=1e-8, abs=1e-10)


def test_driven_heat_agrees_with_the_constant_drift_closed_form():
    """A drive switched on at time 0 (Heaviside(t + 1)) takes the ODE path; the autonomous model the Lyapunov one."""
    A = [[-1.0, 0.0], [1.0, -1.5]]
    driven = tt.LinearSDE({x: -x + 2 * sp.Heaviside(s + 1), y: x - 3 * y / 2}, {x: 1, y: sp.Rational(1, 2)}, time=s)
    const = tt.LinearSDE.from_matrices(A, [1.0, 0.5], b=[2.0, 0.0], variables=[x, y])
    S0 = [[0.5, 0.1], [0.1, 0.8]]
    for Y in (None, x, y):
        assert tt.heat(driven, 2.5, S0, [0.2, 0.0], subsystem=Y) == pytest.approx(
            tt.heat(const, 2.5, S0, [0.2, 0.0], subsystem=Y), rel=1e-8)
    total = tt.entropy_production(driven, 2.5, S0, [0.2, 0.0])
    assert total == pytest.approx(tt.entropy_production(const, 2.5, S0, [0.2, 0.0]), rel=1e-8)


def test_subsystem_heats_add_up_and_the_second_law_holds():
    m = ramped_pair()
    S0 = np.diag([1.0, 0.5])
    parts = [tt.heat(m, 3.0, S0, subsystem=v) for v in (x, y)]
    assert sum(parts) == pytest.approx(tt.heat(m, 3.0, S0), rel=1e-9)
    assert tt.entropy_production(m, 3.0, S0) > 0


# -- Monte Carlo -------------------------------------------------------------------------
def test_mean_and_heat_of_a_ramp_by_monte_carlo():
    m = ramped_pair()
    S0 = np.diag([1.0, 0.5])
    tr = tt.simulate(m, t_end=3.0, dt=0.005, paths=3000, seed=11, initial=tt.Gaussian(np.zeros(2), S0))
    th_mean = np.asarray(mean(m, 3.0), float)
    final = tr.states[-1]
    z_mean = (final.mean(0) - th_mean) / (final.std(0, ddof=1) / np.sqrt(final.shape[0]))
    assert np.all(np.abs(z_mean) <= 4)
    for Y in (None, y):
        est = estimate.heat(tr, m, Y)
        assert abs(est.z(tt.heat(m, 3.0, S0, subsystem=Y))) <= 4


@pytest.mark.parametrize("method", ["euler", "heun"])
def test_approximate_schemes_follow_the_protocol(method):
    m = ramped_pair()
    tr = tt.simulate(m, t_end=2.0, dt=0.002, paths=4000, seed=3, method=method, initial=[0.0, 0.0])
    th = np.asarray(mean(m, 2.0, [0.0, 0.0]), float)
    final = tr.states[-1]
    z = (final.mean(0) - th) / (final.std(0, ddof=1) / np.sqrt(final.shape[0]))
    assert np.all(np.abs(z) <= 4)
