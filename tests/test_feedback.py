"""Velocity-dependent feedback (cold damping): bath heat, entropy pumping, Munakata–Rosinberg second law.

Closed forms are checked against independent computations: the Sekimoto heat of each
particle from a scipy Lyapunov solve, the Fokker–Planck entropy production by quadrature
and by the trace of the bath's irreversible velocity, the published cold-damping forms
(Kim & Qian 2004; Munakata & Rosinberg 2014) and the limit of no feedback; Monte Carlo
through ``tt.verify`` with fixed seeds.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.core.thermo import entropy_pumping_rate
from thermotheory.errors import InvalidParity, ModelError, NonlinearDrift, UnknownVariable

x, v, v1, v2 = sp.symbols("x v v1 v2", real=True)
k, m, T, g, gp = sp.symbols("k m T gamma gamma_p", positive=True)


def cold_particle(feedback=True):
    return tt.LinearSDE({v: -(g + gp) * v / m}, {v: g * T / m**2}, parity={v: -1},
                        feedback={v: -gp * v / m} if feedback else None)


def cold_oscillator():
    return tt.LinearSDE({x: v, v: (-k * x - g * v - gp * v) / m}, {v: g * T / m**2}, parity={v: -1},
                        feedback={v: -gp * v / m})


def two_particles(g1, g2, T1, T2, c1, a, b):
    """Two odd velocities: v1 cold-damped at gain c1, v2 pushed by a feedback a*v1; v1 pulled by b*v2 (bath)."""
    return tt.LinearSDE({v1: -(g1 + c1) * v1 + b * v2, v2: -g2 * v2 + a * v1}, {v1: g1 * T1, v2: g2 * T2},
                        parity={v1: -1, v2: -1}, feedback={v1: -c1 * v1, v2: a * v1})


def test_cold_damped_particle_symbolic_heat_pumping_and_entropy_production():
    cold = cold_particle()
    assert sp.simplify(tt.heat_rate(cold, v) + g * gp / (m * (g + gp))) == 0
    assert sp.simplify(entropy_pumping_rate(cold) - gp / m) == 0
    assert sp.simplify(tt.entropy_production_rate(cold) - gp**2 / (m * (g + gp))) == 0
    # the Munakata-Rosinberg second law Phi >= -S_pump, with the gap the entropy production
    gap = sp.simplify(tt.heat_rate(cold, v) + entropy_pumping_rate(cold) - tt.entropy_production_rate(cold))
    assert gap == 0


def test_without_the_declaration_the_engine_sees_equilibrium():
    plain = cold_particle(feedback=False)
    assert sp.simplify(tt.heat_rate(plain, v)) == 0
    assert sp.simplify(tt.entropy_production_rate(plain)) == 0
    assert entropy_pumping_rate(plain) == 0


def test_the_limit_of_no_feedback_is_equilibrium():
    cold = cold_particle()
    for f in (tt.heat_rate(cold, v), tt.entropy_production_rate(cold)):
        assert sp.limit(f, gp, 0) == 0
    # a zero gain declares nothing: the model equals the plain one
    zero = cold.subs({"gamma_p": 0})
    assert zero.feedback is None and zero == cold_particle(feedback=False).subs({"gamma_p": 0})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_particle_numeric_against_quadrature_of_the_fokker_planck_current(seed):
    rng = np.random.default_rng(seed)
    vals = {"gamma": rng.uniform(0.3, 3), "gamma_p": rng.uniform(0.1, 3), "m": rng.uniform(0.5, 2),
            "T": rng.uniform(0.5, 2)}
    model = cold_particle().subs(vals)
    ga, gq, ma, Ta = vals["gamma"], vals["gamma_p"], vals["m"], vals["T"]
    D = ga * Ta / ma**2
    s = float(sla.solve_continuous_lyapunov(np.array([[-(ga + gq) / ma]]), -np.array([[2 * D]]))[0, 0])

    def p(u):
        return np.exp(-u**2 / (2 * s)) / np.sqrt(2 * np.pi * s)

    # Sekimoto heat into the bath over T: (gamma <v^2> - gamma T / m) / T, <v^2> by quadrature
    v2_mean = si.quad(lambda u: u**2 * p(u), -np.inf, np.inf)[0]
    heat = (ga * v2_mean - ga * Ta / ma) / Ta
    # entropy production: the bath's irreversible current J = (-gamma u / m - D d/du) p, int J^2 / (D p)
    # (J / p = (-gamma / m + D / s) u, so J^2 / (D p) = (J / p)^2 p / D)
    sigma = si.quad(lambda u: (-ga * u / ma + D * u / s) ** 2 * p(u) / D, -np.inf, np.inf)[0]
    assert tt.heat_rate(model, v) == pytest.approx(heat, rel=1e-9)
    assert tt.entropy_production_rate(model) == pytest.approx(sigma, rel=1e-9)
    assert tt.entropy_production_rate(model, v) == pytest.approx(sigma, rel=1e-9)
    assert entropy_pumping_rate(model) == pytest.approx(gq / ma, rel=1e-14)


def test_oscillator_reproduces_kim_qian_cold_damping():
    osc = cold_oscillator()
    # heat and entropy production do not depend on the stiffness; T_eff = gamma T / (gamma + gamma')
    assert sp.simplify(tt.heat_rate(osc, v) + g * gp / (m * (g + gp))) == 0
    assert sp.simplify(tt.heat_rate(osc, [x, v]) - tt.heat_rate(osc, v)) == 0
    assert sp.simplify(tt.entropy_production_rate(osc) - gp**2 / (m * (g + gp))) == 0
    S = tt.stationary_covariance(osc)
    assert sp.simplify(S[1, 1] - g * T / (m * (g + gp))) == 0
    assert sp.simplify(S[0, 0] - g * T / (k * (g + gp))) == 0


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_two_particles_against_sekimoto_heat_and_the_bath_velocity(seed):
    rng = np.random.default_rng(seed)
    g1, g2, T1, T2, c1 = rng.uniform(0.5, 2, 5)
    a, b = rng.uniform(-0.8, 0.8, 2)
    model = two_particles(g1, g2, T1, T2, c1, a, b)
    A = np.array([[-(g1 + c1), b], [a, -g2]])
    D = np.diag([g1 * T1, g2 * T2])
    S = sla.solve_continuous_lyapunov(A, -2 * D)
    # Sekimoto: bath friction -gamma_i v_i (and b v2 on v1, odd-odd: the bath's too), heat over T_i
    f_bath = np.array([[-g1, b], [0.0, -g2]])
    heats = [(f_bath[i] @ S @ f_bath[i] / D[i, i] + f_bath[i, i]) for i in range(2)]
    assert tt.heat_rate(model, v1) == pytest.approx(heats[0], rel=1e-9)
    assert tt.heat_rate(model, v2) == pytest.approx(heats[1], rel=1e-9)
    # total entropy production <u^T D^-1 u>, u = (A_bath + D S^-1) z: the Fokker-Planck definition
    M = f_bath + D @ np.linalg.inv(S)
    sigma = float(np.trace(M.T @ np.linalg.inv(D) @ M @ S))
    assert tt.entropy_production_rate(model) == pytest.approx(sigma, rel=1e-9)
    assert entropy_pumping_rate(model) == pytest.approx(c1, rel=1e-12)
    assert entropy_pumping_rate(model, v2) == 0.0
    # per subsystem: sigma_Y = Phi_Y + pump_Y - l_Y >= 0, and the partial rates add up
    parts = [tt.entropy_production_rate(model, y) for y in (v1, v2)]
    for y, part in zip((v1, v2), parts):
        balance = tt.heat_rate(model, y) + entropy_pumping_rate(model, y) - tt.information_flow(model, y)
        assert part == pytest.approx(balance, rel=1e-9, abs=1e-12)
        assert part >= 0
    assert sum(parts) == pytest.approx(sigma, rel=1e-9)
    # the Munakata-Rosinberg second law and the efficiency over its bound
    assert tt.heat_rate(model, [v1, v2]) >= -entropy_pumping_rate(model)
    eta = tt.efficiency(model, v2)
    assert eta == pytest.approx(tt.information_flow(model, v2) / (heats[1] + 0.0), rel=1e-9)
    eta1 = tt.efficiency(model, v1)
    assert eta1 == pytest.approx(tt.information_flow(model, v1) / (heats[0] + c1), rel=1e-9)


def test_models_without_feedback_are_unchanged():
    plain = tt.LinearSDE({x: v, v: -k * x - g * v}, {v: g * T}, parity={v: -1})
    same = tt.LinearSDE({x: v, v: -k * x - g * v}, {v: g * T}, parity={v: -1}, feedback=None)
    assert plain.feedback is None and plain == same and hash(plain) == hash(same)
    declared = tt.LinearSDE({x: v, v: -k * x - g * v}, {v: g * T}, parity={v: -1}, feedback={v: -k * x})
    assert declared != plain and "feedback" in repr(declared)


def test_subs_and_pickle_keep_the_declaration():
    cold = cold_particle()
    num = cold.subs({"gamma": 1, "gamma_p": 2, "m": 1, "T": 1})
    assert num.feedback == sp.Matrix([[-2]])
    back = pickle.loads(pickle.dumps(num))
    assert back == num and back.feedback == num.feedback
    assert tt.heat_rate(num, v) == pytest.approx(-2 / 3, rel=1e-12)


@pytest.mark.parametrize("feedback, error, match", [
    ({x: -gp * x}, InvalidParity, "odd"),
    ({sp.Symbol("w", real=True): -gp * v}, UnknownVariable, "not a state variable"),
    ({v: -gp * v**2}, NonlinearDrift, "not linear"),
    ({v: gp}, ModelError, "constant"),
    ({v: -sp.Symbol("c", positive=True) * v}, ModelError, "do not appear in the drift"),
    ([(v, -gp * v)], ModelError, "mapping"),
])
def test_nonsense_declarations_are_refused(feedback, error, match):
    with pytest.raises(error, match=match):
        tt.LinearSDE({x: v, v: -k * x - (g + gp) * v}, {v: g * T}, parity={v: -1}, feedback=feedback)


def test_a_time_dependent_feedback_is_refused():
    t = sp.Symbol("t", real=True)
    with pytest.raises(ModelError, match="time"):
        tt.LinearSDE({x: v, v: -k * x - (g + gp) * v + t}, {v: g * T}, parity={v: -1}, time=t,
                     feedback={v: -gp * t * v})


def _numeric_oscillator():
    return cold_oscillator().subs({"k": 1.0, "m": 1.0, "T": 1.0, "gamma": 1.0, "gamma_p": 1.5})


@pytest.mark.parametrize("quantity, args", [(tt.heat_rate, (v,)), (tt.entropy_production_rate, ()),
                                            (tt.entropy_production_rate, (v,))])
def test_monte_carlo_checks_the_feedback_rates(quantity, args):
    check = tt.verify(_numeric_oscillator(), quantity, *args, seed=7)
    assert check.passed and abs(check.z) <= 4
    assert check.theory != pytest.approx(0.0, abs=0.1)  # a rate the plain parity split would call zero


def test_monte_carlo_checks_the_efficiency_over_the_munakata_rosinberg_bound():
    model = two_particles(1.0, 1.0, 1.0, 1.0, 0.8, 0.6, 0.3)
    check = tt.verify(model, tt.efficiency, v1, seed=11)
    assert check.passed and abs(check.z) <= 4


def test_transient_heat_and_entropy_production_count_the_bath_and_the_pumping():
    # from the stationary state the totals over [0, t] are the stationary rates times t
    vv, xx = sp.symbols("v_t x_t", real=True)
    osc = tt.LinearSDE({xx: vv, vv: -2.0 * xx - 3.0 * vv}, {vv: 1.0}, parity={vv: -1}, feedback={vv: -2.0 * vv})
    S = np.array(tt.stationary_covariance(osc), float)
    t_end = 5.0
    assert tt.heat(osc, t_end, S) == pytest.approx(t_end * tt.heat_rate(osc, vv), rel=1e-9)
    assert tt.entropy_production(osc, t_end, S) == pytest.approx(t_end * tt.entropy_production_rate(osc), rel=1e-9)
    assert tt.heat_rate(osc, vv) < 0 < tt.entropy_pumping_rate(osc)  # the bath heats the cooled oscillator
    for q in (tt.heat, tt.entropy_production):  # from a non-stationary start, by Monte Carlo
        rec = tt.verify(osc, q, t=2.0, initial={vv: 1.0, xx: 1.0}, seed=3, paths=4096)
        assert rec.passed, rec
    # the bath's heat as a current (tests/test_feedback_currents.py checks its fluctuations)
    assert tt.current_mean_rate(osc, tt.Current.heat(osc, vv)) == pytest.approx(tt.heat_rate(osc, vv), rel=1e-9)


def test_a_feedback_that_takes_the_whole_friction_of_a_noisy_variable_is_refused():
    """No friction left for a bath that still kicks: an infinite temperature (heat 0, EP = pumping was returned)."""
    w = sp.Symbol("w", real=True)
    with pytest.raises(ModelError, match="infinite temperature"):
        tt.LinearSDE({w: -1.0 * w}, {w: 1.0}, parity={w: -1}, feedback={w: -1.0 * w})
    with pytest.raises(ModelError, match="infinite temperature"):
        tt.LinearSDE({x: v, v: -k * x - g * v}, {v: g * T}, parity={v: -1}, feedback={v: -g * v})
    cold = tt.LinearSDE({x: v, v: -k * x - (g + gp) * v}, {v: T}, parity={v: -1}, feedback={v: -gp * v})
    with pytest.raises(ModelError, match="infinite temperature"):
        cold.subs({g: 0})
    assert cold.subs({g: 0, T: 0}).feedback is not None  # no noise left either: nothing to refuse
    # without noise on the variable there is no bath to speak of: accepted
    tt.LinearSDE({x: v, v: -k * x - g * v, w: -w}, {w: 1}, parity={v: -1}, feedback={v: -g * v})
