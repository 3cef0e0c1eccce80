"""Correctness III: driven protocols (work at the end time, work accuracy, D(t) >= 0, initial variances,
Heaviside steps of b(t), numeric phases of symbolic protocols, the sensor's transient heat).

Every reference value is computed independently here (scipy moment ODEs or hand formulas).
"""

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import thermotheory as tt
from thermotheory import LinearSDE
from thermotheory.core.driven import mean_energy
from thermotheory.errors import InvalidDiffusion, ModelError
from tests.test_budget import hang_guard

x = sp.Symbol("x", real=True)
s = sp.Symbol("s")


def _trap_moments(lam, t, S0, dlam=None):
    """Variance of dx = -lam(s) x ds + sqrt(2) dW and int_0^t dlam/ds <x^2>/2 ds, by scipy (DOP853)."""
    def rhs(u, y):
        out = [-2 * lam(u) * y[0] + 2.0, 0.0]
        if dlam is not None:
            out[1] = dlam(u) * y[0] / 2
        return out

    sol = solve_ivp(rhs, (0.0, t), [S0, 0.0], method="DOP853", rtol=1e-12, atol=1e-14)
    return sol.y[0, -1], sol.y[1, -1]


# -- item 1: the jump at the end time --------------------------------------------------------------
def test_work_counts_the_jump_at_a_random_float_end_time():
    rng = np.random.default_rng(20240531)
    for tf in [2.6585943025699073, *rng.uniform(0.5, 3.0, 7)]:
        tf = float(tf)
        lam = sp.Piecewise((1.0, s <= 0), (1 + s, s < tf), (5.0, True))
        model = LinearSDE({x: -lam * x}, {x: 1}, time=s)
        got = tt.work(model, tf, {x: 1.0}, lam * x**2 / 2)
        S_t, smooth = _trap_moments(lambda u: 1 + u, tf, 1.0, dlam=lambda u: 1.0)
        expected = smooth + (5.0 - (1 + tf)) * S_t / 2  # the jump at t, from the branch 1 + t to 5
        assert got == pytest.approx(expected, rel=1e-9), tf


# -- item 2: no spurious jumps; the first law to the ODE tolerance ---------------------------------
@pytest.mark.parametrize("lam_expr, dlam, t", [
    (1 + s, lambda u: 1.0, 3.7),
    (1 + sp.sin(2 * s) / 2, lambda u: np.cos(2 * u), 60.0),
])
def test_work_matches_heat_and_energy_balance(lam_expr, dlam, t):
    model = LinearSDE({x: -lam_expr * x}, {x: 1}, time=s)  # gamma = T = 1
    energy = lam_expr * x**2 / 2
    w = tt.work(model, t, {x: 1.0}, energy)
    q = tt.heat(model, t, {x: 1.0})  # entropy into the medium; T = 1, so also the heat in energy units
    dU = mean_energy(model, t, {x: 1.0}, energy) - 0.5
    assert w == pytest.approx(dU + q, rel=1e-10, abs=1e-12)  # first law: dU = W - Q
    lam = sp.lambdify(s, lam_expr, "numpy")
    _, expected = _trap_moments(lam, t, 1.0, dlam=dlam)
    assert w == pytest.approx(expected, rel=1e-10)


def test_work_of_a_continuous_protocol_adds_no_jump_at_a_kink():
    # continuous at the kink s = 1: nothing must be added there or at s = 0
    lam_expr = sp.Piecewise((1 + s, s < 1), (3 - s, True))
    model = LinearSDE({x: -lam_expr * x}, {x: 1}, time=s)
    w = tt.work(model, 1.75, {x: 1.0}, lam_expr * x**2 / 2)
    _, expected = _trap_moments(lambda u: 1 + u if u < 1 else 3 - u, 1.75, 1.0,
                                dlam=lambda u: 1.0 if u < 1 else -1.0)
    assert w == pytest.approx(expected, rel=1e-9)


# -- item 3: a diffusion that turns negative ---------------------------------------------------------
@pytest.mark.parametrize("D", [
    1 - s,
    sp.Piecewise((1, s < 1), (-1, True)),
    1 - 2 * sp.Heaviside(s - 1),
    1 - sp.Rational(3, 2) * sp.exp(-50 * (s - 2) ** 2),  # dips below zero only near s = 2
])
def test_negative_diffusion_during_the_protocol_is_refused(D):
    model = LinearSDE({x: -x}, {x: D}, time=s)
    for call in (lambda: tt.covariance(model, 3.0, {x: 1.0}), lambda: tt.heat(model, 3.0, {x: 1.0}),
                 lambda: tt.work(model, 3.0, {x: 1.0}, x**2 / 2)):
        with pytest.raises(InvalidDiffusion):
            call()


def test_negative_diffusion_in_a_symbolic_phase_is_refused():
    a = sp.Symbol("a", positive=True)
    with pytest.raises(InvalidDiffusion):
        tt.covariance(LinearSDE({x: -x}, {x: sp.Piecewise((a, s < 1), (-a, True))}, time=s), 3, {x: 1})


def test_positive_smooth_diffusion_is_still_accepted():
    model = LinearSDE({x: -x}, {x: 1 + s / 2}, time=s)
    sol = solve_ivp(lambda u, y: [-2 * y[0] + 2 * (1 + u / 2)], (0, 2.0), [1.0], rtol=1e-12, atol=1e-14)
    assert float(tt.covariance(model, 2.0, {x: 1.0})[0, 0]) == pytest.approx(sol.y[0, -1], rel=1e-9)


# -- item 4: a negative initial variance -------------------------------------------------------------
@pytest.mark.parametrize("model", [
    LinearSDE({x: -(1 + s) * x}, {x: 1}, time=s),
    LinearSDE({x: -x}, {x: 1}),
    LinearSDE({x: -x + s}, {x: 1}, time=s),
])
def test_negative_initial_variance_is_refused(model):
    for initial in ({x: -1.0}, [[-1.0]]):
        for call in (tt.covariance, tt.heat):
            with pytest.raises(ModelError, match="initial covariance"):
                call(model, 1.0, initial)


def test_negative_symbolic_initial_variance_is_refused():
    k = sp.Symbol("k", positive=True)
    model = LinearSDE({x: -sp.Piecewise((1, s < 1), (k, True)) * x}, {x: 1}, time=s)
    with pytest.raises(ModelError, match="initial covariance"):
        tt.covariance(model, 2, {x: -k})


# -- item 5: Heaviside steps of b(t), symbolic --------------------------------------------------------
def test_heaviside_steps_of_the_drive_give_the_heat_quickly(monkeypatch):
    from thermotheory.core import phases

    kappa = sp.Symbol("kappa", positive=True)
    step_h = 1 + sp.Heaviside(s - sp.Rational(1, 2)) - sp.Heaviside(s - sp.Rational(3, 2))
    step_p = sp.Piecewise((1, s < sp.Rational(1, 2)), (2, s < sp.Rational(3, 2)), (1, True))
    by_phases = []
    original = phases.heat

    def recorded(model, *args, **kwargs):
        by_phases.append(model)
        return original(model, *args, **kwargs)

    monkeypatch.setattr(phases, "heat", recorded)
    heaviside = LinearSDE({x: -kappa * (x - step_h)}, {x: 1}, time=s)
    with hang_guard(300):  # fails on a hang only, never on a slow machine
        q_h = tt.heat(heaviside, 2, {x: 1})
    # quickly: solved phase by phase, not as one integral of the squared mean over [0, t] (minutes)
    assert by_phases == [heaviside]
    q_p = tt.heat(LinearSDE({x: -kappa * (x - step_p)}, {x: 1}, time=s), 2, {x: 1})
    assert sp.simplify(q_h - q_p) == 0
    # independently: mean and variance ODEs, heat rate kappa^2 <(x - c)^2> - kappa (D = T = 1)
    kv = 1.3

    def rhs(u, y):
        c = 1.0 + (u >= 0.5) - (u >= 1.5)
        m, S = y[0], y[1]
        return [-kv * (m - c), -2 * kv * S + 2, kv**2 * (S + (m - c) ** 2) - kv]

    y = [0.0, 1.0, 0.0]
    for lo, hi in [(0, 0.5), (0.5, 1.5), (1.5, 2.0)]:
        y = solve_ivp(rhs, (lo, hi), y, first_step=1e-4, method="DOP853", rtol=1e-12, atol=1e-14).y[:, -1]
    assert float(q_h.subs(kappa, kv)) == pytest.approx(y[2], rel=1e-9)


# -- item 6: a numeric phase in a symbolic protocol ---------------------------------------------------
def test_numeric_first_phase_of_a_symbolic_protocol():
    k, v = sp.symbols("k v", positive=True)
    lam = sp.Piecewise((1, s < sp.Rational(1, 2)), (k, True))
    model = LinearSDE({x: -lam * x}, {x: 1}, time=s)
    S = tt.covariance(model, 2, {x: v})[0, 0]
    q = tt.heat(model, 2, {x: v})
    w = tt.work(model, 2, {x: v}, lam * x**2 / 2)
    assert not any(isinstance(a, sp.Float) for a in sp.preorder_traversal(S))  # exact, no floats
    kv, vv = 3.0, 0.7
    lamf = lambda u: 1.0 if u < 0.5 else kv  # noqa: E731

    def rhs(u, y):
        return [-2 * lamf(u) * y[0] + 2, lamf(u) ** 2 * y[0] - lamf(u)]

    y = solve_ivp(rhs, (0, 0.5), [vv, 0.0], rtol=1e-12, atol=1e-14).y[:, -1]
    y = solve_ivp(rhs, (0.5, 2), y, rtol=1e-12, atol=1e-14).y[:, -1]
    vals = {k: kv, v: vv}
    assert float(S.subs(vals)) == pytest.approx(y[0], rel=1e-9)
    assert float(q.subs(vals)) == pytest.approx(y[1], rel=1e-9)
    # the only jump is at s = 1/2, from 1 to k, at the variance reached then
    S_half = 1 + (vv - 1) * np.exp(-1.0)
    assert float(w.subs(vals)) == pytest.approx((kv - 1) * S_half / 2, rel=1e-12)


# -- item 7: the README sensor's symbolic transient heat ---------------------------------------------
def test_sensor_transient_heat_is_computed():
    v_, r_ = sp.symbols("v r", real=True)
    tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
    t = sp.Symbol("t", positive=True)
    model = LinearSDE({v_: -v_ / tau, r_: (lam * v_ - r_) / tau_r}, {v_: D_v, r_: D_r})
    q = tt.heat(model, t, {v_: 1, r_: 2})
    vals = {tau: 1.3, tau_r: 0.4, lam: 2.1, D_v: 0.7, D_r: 0.35, t: 1.7}
    A = np.array([[-1 / 1.3, 0], [2.1 / 0.4, -1 / 0.4]])
    D = np.diag([0.7, 0.35])
    Dinv = np.linalg.inv(D)

    def rhs(u, y):
        S = y[:4].reshape(2, 2)
        return np.concatenate([(A @ S + S @ A.T + 2 * D).ravel(), [np.trace(Dinv @ A @ S @ A.T) + np.trace(A)]])

    y = solve_ivp(rhs, (0, 1.7), [1, 0, 0, 2, 0], method="DOP853", rtol=1e-12, atol=1e-14).y[:, -1]
    assert float(q.subs(vals)) == pytest.approx(y[-1], rel=1e-9)
