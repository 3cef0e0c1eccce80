"""Currents under a declared feedback force, and two conventions the docs state.

- The bath's heat of a cold-damped oscillator as a current (``Current.heat`` of a model
  with ``feedback=``): its mean rate against the published bath heat, its variance rate
  and SCGF against the spectral (Szegő) formula of the quadratic functional it reduces to,
  and Monte Carlo through ``tt.verify``.
- The KL divergence rate of fully observed paths is the entropy production rate without
  feedback, and not with it (cold damping: KL rate 0, entropy production with pumping).
- The parity of an active Ornstein–Uhlenbeck force: even and odd conventions give
  different entropy production rates, each against its hand-derived closed form.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import quad

import thermotheory as tt
from thermotheory.core.currents import Current, current_mean_rate, current_scgf, current_variance_rate
from thermotheory.montecarlo.currents import estimate_uncertainty_ratio

# the cold-damped oscillator: m dv = (-k x - gamma v - gamma' v) dt + sqrt(2 gamma T) dW, feedback -gamma' v
x, v = sp.symbols("x v", real=True)
m, k, T, gamma, gp = sp.symbols("m k T gamma gamma_fb", positive=True)
COLD = tt.LinearSDE({x: v, v: (-k * x - gamma * v - gp * v) / m}, {v: gamma * T / m**2}, parity={v: -1},
                    feedback={v: -gp * v / m})
POINTS = [{m: 1.0, k: 1.0, T: 1.0, gamma: 1.0, gp: 1.5}, {m: 2.0, k: 3.0, T: 1.3, gamma: 0.7, gp: 0.4}]


def velocity_spectrum(p):
    r"""Power spectrum of ``v``, :math:`2\gamma T \omega^2 / ((m\omega^2 - k)^2 + (\gamma + \gamma')^2 \omega^2)`."""
    return lambda w: 2 * p[gamma] * p[T] * w**2 / ((p[m] * w**2 - p[k]) ** 2 + (p[gamma] + p[gp]) ** 2 * w**2)


def szego_scgf(p, s):
    r"""SCGF of the bath heat from the spectral formula of a quadratic functional (independent of the package).

    The bath receives :math:`-\int v \circ (m\,dv + k x\,dt + \gamma' v\,dt) = -\Delta E - \gamma' \int v^2 dt`
    (the work of friction and noise, with its sign reversed); over ``T`` and without the boundary term
    :math:`\Delta E` it is :math:`a \int v^2 dt` with :math:`a = -\gamma'/T`, whose SCGF is
    :math:`-\frac{1}{4\pi}\int \ln(1 - 2 a s S_v(\omega))\,d\omega`.
    """
    a, S = -p[gp] / p[T], velocity_spectrum(p)
    val, _ = quad(lambda w: np.log1p(-2 * a * s * S(w)), -np.inf, np.inf, limit=400, epsabs=1e-13, epsrel=1e-11)
    return -val / (4 * np.pi)


def hand_scgf(p, s):
    r""":math:`\lambda(s) = (\Gamma - \sqrt{\Gamma^2 + 4\gamma\gamma' s}) / (2m)`, :math:`\Gamma = \gamma + \gamma'`.

    From the Szegő integral with :math:`\int \ln\frac{(m\omega^2-k)^2 + B^2\omega^2}{(m\omega^2-k)^2
    + C^2\omega^2}\,d\omega = 2\pi (B - C)/m`.
    """
    G = p[gamma] + p[gp]
    return (G - np.sqrt(G**2 + 4 * p[gamma] * p[gp] * s)) / (2 * p[m])


# -- 1. the bath's heat under feedback as a current -----------------------------------------
def test_bath_heat_current_of_cold_damping_is_the_work_of_the_bath_forces():
    Q = Current.heat(COLD, v)
    g, h = Q.expressions()
    # -(1/T) v o (m dv + k x dt + gamma' v dt): the feedback -gamma' v is in the reversible part
    assert sp.simplify(g[v] + m * v / T) == 0 and g[x] == 0
    assert sp.expand(h + (k * x * v + gp * v**2) / T) == 0
    assert Current.heat(COLD).expressions() == (g, h)  # x has no noise and no irreversible drift


def test_bath_heat_current_mean_rate_is_the_published_bath_heat():
    Q = Current.heat(COLD, v)
    published = -gamma * gp / (m * (gamma + gp))  # entropy flow into the bath (heat / T) per unit time
    assert sp.simplify(current_mean_rate(COLD, Q) - published) == 0
    assert sp.simplify(current_mean_rate(COLD, Q) - tt.heat_rate(COLD, v)) == 0
    for p in POINTS:
        assert current_mean_rate(COLD.subs(p), Q.subs(p)) == pytest.approx(float(published.subs(p)), rel=1e-12)


@pytest.mark.parametrize("p", POINTS)
def test_bath_heat_variance_rate_matches_the_spectral_formula(p):
    # 2 D_Q = (gamma'/T)^2 * 2 int C_vv(t)^2 dt over the real line = (gamma'/T)^2 / pi * int S_v(w)^2 dw
    S = velocity_spectrum(p)
    integral, _ = quad(lambda w: S(w) ** 2, -np.inf, np.inf, limit=400, epsabs=1e-13, epsrel=1e-11)
    spectral = (p[gp] / p[T]) ** 2 * integral / np.pi
    num, Q = COLD.subs(p), Current.heat(COLD, v).subs(p)
    assert current_variance_rate(num, Q) == pytest.approx(spectral, rel=1e-8)
    assert float(current_variance_rate(COLD, Current.heat(COLD, v)).subs(p)) == pytest.approx(spectral, rel=1e-8)


@pytest.mark.parametrize("p", POINTS)
def test_bath_heat_scgf_derivatives_and_value(p):
    num, Q = COLD.subs(p), Current.heat(COLD, v).subs(p)
    h = 1e-3
    lam = [current_scgf(num, Q, j * h) for j in (-2, -1, 0, 1, 2)]
    d1 = (-lam[4] + 8 * lam[3] - 8 * lam[1] + lam[0]) / (12 * h)
    d2 = (-lam[4] + 16 * lam[3] - 30 * lam[2] + 16 * lam[1] - lam[0]) / (12 * h**2)
    assert d1 == pytest.approx(current_mean_rate(num, Q), rel=1e-7)
    assert d2 == pytest.approx(current_variance_rate(num, Q), rel=1e-5)
    for s in (0.3, -0.3):
        assert current_scgf(num, Q, s) == pytest.approx(szego_scgf(p, s), rel=1e-8)
        assert current_scgf(num, Q, s) == pytest.approx(hand_scgf(p, s), rel=1e-10)
    s = sp.Symbol("s", real=True)
    symbolic = current_scgf(COLD, Current.heat(COLD, v), s)
    assert float(symbolic.subs(p).subs(s, 0.3)) == pytest.approx(hand_scgf(p, 0.3), rel=1e-10)


def test_entropy_production_current_under_feedback_includes_the_pumping():
    ep = Current.entropy_production(COLD)
    assert sp.simplify(current_mean_rate(COLD, ep) - gp**2 / (m * (gamma + gp))) == 0  # heat + pumping gamma'/m
    assert sp.simplify(current_mean_rate(COLD, ep) - tt.entropy_production_rate(COLD)) == 0
    p = POINTS[1]
    assert current_variance_rate(COLD.subs(p), ep.subs(p)) == pytest.approx(
        current_variance_rate(COLD.subs(p), Current.heat(COLD).subs(p)), rel=1e-9)


def test_bath_heat_under_feedback_is_verified_by_monte_carlo():
    Q = Current.heat(COLD, v)
    p = POINTS[0]
    for q in (tt.registry.current_mean_rate, tt.registry.current_variance_rate):
        rec = tt.verify(COLD, q.of(Q), values=p, seed=11, paths=512)
        assert rec.passed and abs(rec.z) <= 4, rec
    # and a wrong variance rate (the feedback counted as friction: the undeclared model's heat) is caught
    undeclared = tt.LinearSDE(dict(COLD.drift), {v: gamma * T / m**2}, parity={v: -1})
    wrong = current_variance_rate(undeclared.subs(p), Current.heat(undeclared, v).subs(p))
    rec = tt.verify(COLD, tt.registry.current_variance_rate.of(Q), values=p, seed=11, paths=512, theory=wrong)
    assert not rec.passed


def test_uncertainty_ratio_estimator_counts_the_entropy_pumping():
    # a constant force F displaces the oscillator; the integral of x has mean rate F / k
    F = 0.8
    p = POINTS[0]
    pushed = tt.LinearSDE({x: v, v: (-k * x - gamma * v - gp * v + F) / m}, {v: gamma * T / m**2},
                          parity={v: -1}, feedback={v: -gp * v / m}).subs(p)
    J = Current.time_integral(pushed, x)
    sigma = p[gp] ** 2 / (p[m] * (p[gamma] + p[gp]))  # bath heat + pumping (Munakata & Rosinberg)
    expected = current_variance_rate(pushed, J) * sigma / (2 * (F / p[k]) ** 2)
    e, _, _ = estimate_uncertainty_ratio(pushed, J, paths=512, seed=5)
    assert abs(e.z(expected)) <= 4, e


# -- 2. the KL rate of fully observed paths and the entropy production under feedback -------
def test_kl_rate_is_the_entropy_production_without_feedback_but_not_with_it():
    from thermotheory.core.spectral import kl_divergence_rate

    # cold damping: the paths are an equilibrium oscillator's, the entropy production is heat + pumping
    for p in POINTS:
        num = COLD.subs(p)
        assert kl_divergence_rate(num) == pytest.approx(0.0, abs=1e-12)
        sigma = p[gp] ** 2 / (p[m] * (p[gamma] + p[gp]))  # Munakata & Rosinberg: Phi + gamma'/m
        assert tt.entropy_production_rate(num) == pytest.approx(sigma, rel=1e-12)
        assert tt.heat_rate(num, v) + tt.entropy_pumping_rate(num) == pytest.approx(sigma, rel=1e-12)
    assert kl_divergence_rate(COLD) == 0
    doc = COLD.subs({m: 1.0, k: 1.0, T: 1.0, gamma: 1.0, gp: 0.5})  # the figures docs/quantities.md gives
    assert (kl_divergence_rate(doc), tt.entropy_production_rate(doc)) == pytest.approx((0.0, 1 / 6), abs=1e-12)
    assert (tt.heat_rate(doc, v), tt.entropy_pumping_rate(doc)) == pytest.approx((-1 / 3, 1 / 2), rel=1e-12)
    # two oscillators at two temperatures: without feedback the full KL rate is the entropy production;
    # with a declared feedback on v1 it is the entropy production of the same drift, feedback counted as friction
    x1, v1, x2, v2 = sp.symbols("x1 v1 x2 v2", real=True)
    drift = {x1: v1, v1: -x1 - 1.7 * v1 + 0.5 * x2, x2: v2, v2: -x2 - 0.8 * v2 + 0.5 * x1}
    noise, parity = {v1: 1.0, v2: 0.3}, {v1: -1, v2: -1}
    plain = tt.LinearSDE(drift, noise, parity=parity)
    fed = tt.LinearSDE(drift, noise, parity=parity, feedback={v1: -0.7 * v1})
    assert kl_divergence_rate(plain) == pytest.approx(tt.entropy_production_rate(plain), rel=1e-8)
    assert kl_divergence_rate(plain) > 0.01
    assert kl_divergence_rate(fed) == pytest.approx(kl_divergence_rate(plain), rel=1e-12)
    assert tt.entropy_production_rate(fed) > 10 * kl_divergence_rate(fed)


# -- 3. the parity of an active Ornstein-Uhlenbeck force ------------------------------------
def test_active_force_parity_conventions_give_the_hand_derived_entropy_production():
    from thermotheory.core.spectral import kl_divergence_rate

    xa, f = sp.symbols("x f", real=True)
    ka, tau_a, D_x, D_a = sp.symbols("k tau_a D_x D_a", positive=True)
    drift, noise = {xa: -ka * xa + f, f: -f / tau_a}, {xa: D_x, f: D_a}
    even = tt.LinearSDE(drift, noise)                    # f even under time reversal (the default)
    odd = tt.LinearSDE(drift, noise, parity={f: -1})     # f odd, like a velocity
    # even: the power of the active force over D_x, <f o dx/dt> / D_x; odd: the trap's part, k <x f> / D_x
    S_xf = D_a * tau_a**2 / (1 + ka * tau_a)
    pi_even, pi_odd = D_a * tau_a / (D_x * (1 + ka * tau_a)), ka * S_xf / D_x
    assert sp.simplify(tt.entropy_production_rate(even) - pi_even) == 0
    assert sp.simplify(tt.entropy_production_rate(odd) - pi_odd) == 0
    assert sp.simplify(pi_odd / pi_even - ka * tau_a) == 0  # they differ unless k tau_a = 1
    point = {ka: 0.5, tau_a: 1.2, D_x: 0.3, D_a: 2.0}
    for model, hand in ((even, pi_even), (odd, pi_odd)):
        num = model.subs(point)
        # numerically, and as the KL rate of the fully recorded (x, f) under the same parity
        assert tt.entropy_production_rate(num) == pytest.approx(float(hand.subs(point)), rel=1e-12)
        assert kl_divergence_rate(num) == pytest.approx(float(hand.subs(point)), rel=1e-8)
        assert kl_divergence_rate(num, xa) == 0.0  # the position alone is a reversible scalar Gaussian process
