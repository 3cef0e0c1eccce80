"""Protocols on the drift matrix and the noise (issue #16, item 1): thermotheory.core.driven.

Checked against moment equations written here independently (scipy solve_ivp, Radau), the
published closed forms of Schmiedl & Seifert (PRL 98, 108301, 2007; EPL 81, 20003, 2008),
limits (a slow protocol does the free-energy difference as work), the first law, and by
Monte Carlo through tt.verify.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

import thermotheory as tt
from thermotheory.core import driven
from thermotheory.core.moments import mean as mean_fn
from thermotheory.errors import ModelError

x, y, s = sp.symbols("x y s", real=True)
work_q = tt.lookup_quantity("work")


# -- independent moment equations ----------------------------------------------------------
def _independent(Af, bf, Df, t, S0, m0, edges=()):
    """Mean, covariance and heat (all even variables, diagonal D) by Radau, restarted at ``edges``."""
    n = len(m0)

    def rhs(u, yv):
        A, b, D = Af(u), bf(u), Df(u)
        m, S = yv[:n], yv[n:n + n * n].reshape(n, n)
        f2 = A @ S @ A.T + np.outer(A @ m + b, A @ m + b)
        dq = sum(f2[i, i] / D[i, i] + A[i, i] for i in range(n))
        return np.concatenate([A @ m + b, (A @ S + S @ A.T + 2 * D).ravel(), [dq]])

    yv = np.concatenate([m0, np.asarray(S0, float).ravel(), [0.0]])
    pts = [0.0, *edges, t]
    for lo, hi in zip(pts[:-1], pts[1:]):
        yv = solve_ivp(rhs, (lo, hi), yv, method="Radau", rtol=1e-11, atol=1e-13).y[:, -1]
    return yv[:n], yv[n:n + n * n].reshape(n, n), yv[-1]


def test_smooth_protocol_on_A_b_D_matches_independent_odes():
    rng = np.random.default_rng(16)
    for _ in range(2):
        a, c, g, w = rng.uniform(0.5, 2.0, 4)
        A = sp.Matrix([[-a * (1 + sp.sin(w * s) / 2), c * sp.cos(s)], [g, -(1 + s / 4)]])
        T2 = sp.Piecewise((1, s < 0.7), (1 + c, True))  # a bath whose temperature steps
        model = tt.LinearSDE({x: (A * sp.Matrix([x, y]))[0] + sp.sin(s), y: (A * sp.Matrix([x, y]))[1]},
                             {x: 1 + s / 3, y: T2}, time=s)
        assert model.is_modulated
        S0, m0 = np.array([[1.3, 0.2], [0.2, 0.8]]), np.array([0.4, -0.3])
        Af = sp.lambdify(s, A, "numpy")
        m, S, q = _independent(lambda u: np.array(Af(u), float), lambda u: np.array([np.sin(u), 0.0]),
                               lambda u: np.diag([1 + u / 3, 1.0 if u < 0.7 else 1 + c]), 2.5, S0, m0, edges=(0.7,))
        assert np.allclose(mean_fn(model, 2.5, m0), m, rtol=1e-8, atol=1e-10)
        assert np.allclose(tt.covariance(model, 2.5, S0), S, rtol=1e-8, atol=1e-10)
        assert tt.heat(model, 2.5, S0, m0) == pytest.approx(q, rel=1e-7, abs=1e-9)
        dH = 0.5 * (np.linalg.slogdet(S)[1] - np.linalg.slogdet(S0)[1])
        assert tt.entropy_production(model, 2.5, S0, m0) == pytest.approx(q + dH, rel=1e-7, abs=1e-9)


def _stepped_trap(k1, k2, T1, T2, t1):
    lam = sp.Piecewise((k1, s < t1), (k2, True))
    return tt.LinearSDE({x: -lam * x}, {x: sp.Piecewise((T1, s < t1), (T2, True))}, time=s), lam


def test_piecewise_constant_phases_equal_the_odes_and_the_symbolic_form():
    model, lam = _stepped_trap(1.5, 0.4, 0.7, 1.8, 0.9)
    S, m, q, w = driven._run(model, 3.0, {x: 0.6}, {x: 0.5}, heat_of="all", energy=lam * x**2 / 2)
    S2, m2, q2, w2 = driven._by_ode(model, 3.0, np.array([[0.6]]), np.array([0.5]), [0], lam * x**2 / 2)
    assert np.allclose(S, S2, rtol=1e-9) and np.allclose(m, m2, rtol=1e-9)
    assert q == pytest.approx(q2, rel=1e-8) and w == pytest.approx(w2, rel=1e-8)
    k1, k2, T1, T2, t1 = sp.symbols("k1 k2 T1 T2 t1", positive=True)
    sym, slam = _stepped_trap(k1, k2, T1, T2, t1)
    tt_ = sp.Symbol("t", positive=True)
    vals = {k1: 1.5, k2: 0.4, T1: 0.7, T2: 1.8, t1: 0.9}
    Q = tt.heat(sym, t1 + tt_, {x: sp.Rational(3, 5)}, {x: sp.Rational(1, 2)})
    W = driven.work(sym, t1 + tt_, {x: sp.Rational(3, 5)}, slam * x**2 / 2, {x: sp.Rational(1, 2)})
    assert float(Q.subs(vals).subs(tt_, 2.1)) == pytest.approx(q, rel=1e-10)
    assert float(W.subs(vals).subs(tt_, 2.1)) == pytest.approx(w, rel=1e-10)
    # first law at each temperature: Delta<U> = W - (T1 Q_1 + T2 Q_2)
    Q1 = tt.heat(model, 0.9, {x: 0.6}, {x: 0.5})
    U0 = 1.5 * (0.6 + 0.25) / 2
    U1 = driven.mean_energy(model, 3.0, {x: 0.6}, lam * x**2 / 2, {x: 0.5})
    assert U1 - U0 == pytest.approx(w - 0.7 * Q1 - 1.8 * (q - Q1), rel=1e-9)


# -- Schmiedl & Seifert 2007, case 2 ---------------------------------------------------------
def _ss2007(li, lf, tf):
    """Their c and mean work W* (k_B T = gamma = 1), from the paper's closed form."""
    c = (-1 - lf * tf + np.sqrt(1 + 2 * li * tf + li * lf * tf**2)) / (tf * (2 + lf * tf))
    W = c**2 * tf / li - np.log(1 + c * tf) + lf * (1 + c * tf) ** 2 / (2 * li) - 0.5
    return c, W


def _trap(protocol):
    return tt.LinearSDE({x: -protocol * x}, {x: 1}, time=s)


def _optimal(li, lf, tf, c):
    inner = (li - c * (1 + c * s)) / (1 + c * s) ** 2
    return sp.Piecewise((li, s <= 0), (inner, s < tf), (lf, True))


@pytest.mark.parametrize("li, lf, tf", [(1.0, 2.0, 1.0), (2.0, 0.5, 0.3), (1.0, 5.0, 4.0)])
def test_schmiedl_seifert_2007_optimal_work_and_its_jumps(li, lf, tf):
    c, W_star = _ss2007(li, lf, tf)
    lam = _optimal(li, lf, tf, c)
    W = driven.work(_trap(lam), tf, {x: 1 / li}, lam * x**2 / 2)
    assert W == pytest.approx(W_star, rel=1e-8)
    # independent: minimise over the final variance the work of sqrt(w) linear in time
    f = lambda wf: lf * wf / 2 - 0.5 - 0.5 * np.log(wf * li) + (np.sqrt(wf) - np.sqrt(1 / li)) ** 2 / tf
    assert minimize_scalar(f, bounds=(1e-6, 100), method="bounded", options={"xatol": 1e-12}).fun == \
        pytest.approx(W_star, rel=1e-7)
    # the jumps: at 0+ and at tf- the protocol differs from lambda_i and lambda_f
    assert float(lam.subs(s, 1e-12)) != pytest.approx(li) and float(lam.subs(s, tf - 1e-12)) != pytest.approx(lf)
    # it beats the linear protocol, and a perturbation of it
    lin = sp.Piecewise((li, s <= 0), (li + (lf - li) * s / tf, s < tf), (lf, True))
    assert driven.work(_trap(lin), tf, {x: 1 / li}, lin * x**2 / 2) > W_star + 1e-4
    bump = lam + sp.Piecewise((0, s <= 0), (0.2 * sp.sin(sp.pi * s / tf), s < tf), (0, True))
    assert driven.work(_trap(bump), tf, {x: 1 / li}, bump * x**2 / 2) > W_star


def test_slow_protocol_does_the_free_energy_difference():
    li, lf = 1.0, 3.0
    dF = 0.5 * np.log(lf / li)
    for tf, tol in ((200.0, 5e-3), (2000.0, 5e-4)):
        _, W_star = _ss2007(li, lf, tf)
        assert W_star == pytest.approx(dF, abs=tol)
        lin = sp.Piecewise((li + (lf - li) * s / tf, s < tf), (lf, True))
        W = driven.work(_trap(lin), tf, {x: 1 / li}, lin * x**2 / 2)
        assert dF < W < dF + 2 * tol


# -- Schmiedl & Seifert 2008: the engine ---------------------------------------------------------
def _engine(Th, Tc, w1, w2, t1, t3):
    def phase(wa, wb, T, start, dur):
        sw = sp.sqrt(wa) + (sp.sqrt(wb) - sp.sqrt(wa)) * (s - start) / dur
        return (2 * T - 2 * sw * (sp.sqrt(wb) - sp.sqrt(wa)) / dur) / (2 * sw**2)

    end = phase(w2, w1, Tc, t1, t3).subs(s, t1 + t3)
    lam = sp.Piecewise((end, s <= 0), (phase(w1, w2, Th, 0, t1), s < t1), (phase(w2, w1, Tc, t1, t3), s < t1 + t3),
                       (end, True))
    T = sp.Piecewise((Th, s < t1), (Tc, True))
    return tt.LinearSDE({x: -lam * x}, {x: T}, time=s), lam


def test_schmiedl_seifert_2008_efficiency_at_maximum_power():
    Th, Tc, w1, w2 = 1.0, 0.4, 1.0, 2.5
    dS, Airr = 0.5 * np.log(w2 / w1), (np.sqrt(w2) - np.sqrt(w1)) ** 2
    tau = 4 * Airr / ((Th - Tc) * dS)  # the period's halves at maximum power

    def power_and_efficiency(t1, t3):
        model, lam = _engine(Th, Tc, w1, w2, t1, t3)
        W = driven.work(model, t1 + t3, {x: w1}, lam * x**2 / 2)
        Qh = -Th * tt.heat(model, t1, {x: w1})
        assert W == pytest.approx(-(Th - Tc) * dS + Airr * (1 / t1 + 1 / t3), rel=1e-7)
        assert Qh == pytest.approx(Th * dS - Airr / t1, rel=1e-7)
        # the cycle closes: the variance is back to w1
        assert tt.covariance(model, t1 + t3, {x: w1})[0, 0] == pytest.approx(w1, rel=1e-8)
        return -W / (t1 + t3), -W / Qh

    P, eta = power_and_efficiency(tau, tau)
    eta_C = 1 - Tc / Th
    assert eta == pytest.approx(eta_C / (2 - eta_C / 2), rel=1e-7)
    assert P == pytest.approx((Th - Tc) ** 2 * dS**2 / (16 * Airr), rel=1e-7)
    for t1, t3 in ((0.8 * tau, tau), (tau, 1.25 * tau), (1.2 * tau, 1.2 * tau)):
        assert power_and_efficiency(t1, t3)[0] < P


# -- refusals -------------------------------------------------------------------------------
def test_stationary_quantities_and_bad_input_are_refused():
    k = sp.Symbol("k", positive=True)
    for model in (tt.LinearSDE({x: -(1 + s) * x}, {x: 1}, time=s), tt.LinearSDE({x: -k * x}, {x: 1 + s}, time=s)):
        for f in (tt.stationary_covariance, tt.stationary_mean, tt.entropy_production_rate,
                  lambda m: tt.heat_rate(m, x), lambda m: tt.entropy(m, [x])):
            with pytest.raises(ModelError, match="no stationary state"):
                f(model)
    smooth = tt.LinearSDE({x: -k * (1 + s) * x}, {x: 1}, time=s)
    with pytest.raises(ModelError, match="piecewise-constant"):
        tt.covariance(smooth, 1, {x: 1})
    num = tt.LinearSDE({x: -(1 + s) * x}, {x: 1}, time=s)
    with pytest.raises(ModelError, match="quadratic"):
        driven.work(num, 1.0, {x: 1}, x**3)
    with pytest.raises(ModelError, match="neither parameters"):
        driven.work(num, 1.0, {x: 1}, sp.Symbol("q") * x**2)
    with pytest.raises(ModelError, match="exact"):
        tt.simulate(num, t_end=1.0, dt=0.1, paths=4, method="exact")


# -- Monte Carlo --------------------------------------------------------------------------
def test_verify_heat_work_and_entropy_production_of_the_optimal_protocol():
    li, lf, tf = 1.0, 3.0, 0.8
    c, _ = _ss2007(li, lf, tf)
    lam = _optimal(li, lf, tf, c)
    model = tt.LinearSDE({x: -lam * x}, {x: sp.Piecewise((1, s < tf / 2), (1.5, True))}, time=s)
    for q in (tt.heat.of(tf, {x: 1 / li}), tt.entropy_production.of(tf, {x: 1 / li}),
              work_q.of(tf, {x: 1 / li}, energy=lam * x**2 / 2)):
        check = tt.verify(model, q, seed=5)
        assert check.passed, check
        assert abs(check.z) <= 4


def test_a_final_jump_at_a_switching_time_known_to_fifteen_digits_counts_once():
    # the protocol switches at t_f (a float); sympy may hand the switching time back a hair below t_f,
    # and the work must not count the final jump both there and at t = t_f
    s_, x_ = sp.symbols("s x", real=True)
    tf = 0.6881476509230491
    lam = sp.Piecewise((1 + s_, s_ < tf), (3, True))
    trap = tt.LinearSDE({x_: -lam * x_}, {x_: 1}, time=s_)
    at_end = driven.work(trap, tf, {x_: 1.0}, lam * x_**2 / 2)
    just_after = driven.work(trap, tf * (1 + 1e-7), {x_: 1.0}, lam * x_**2 / 2)
    assert at_end == pytest.approx(just_after, abs=1e-5)
