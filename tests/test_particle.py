"""The Brownian particle models: closed forms against limits, independent formulas and Monte Carlo."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.montecarlo import estimators as estimate  # the per-path estimators
from thermotheory.models import particle as P

POINT = {P.m: 1.3, P.gamma: 0.8, P.T: 1.5, P.k: 2.0, P.u: 0.6, P.kappa: 0.7, P.T1: 2.0, P.T2: 0.5}


def at(expr, **extra):
    return float(sp.sympify(expr).subs({**POINT, **{getattr(P, key): val for key, val in extra.items()}}))


def numeric(model):
    return model.subs({p: POINT[p] for p in model.parameters})


def test_free_velocity_equipartition_and_no_entropy_production():
    model = P.free_velocity()
    assert tt.stationary_covariance(model)[0, 0] == P.T / P.m
    assert tt.entropy_production_rate(model) == 0


@pytest.mark.parametrize("ratio", [0.3, 2.0, 5.0])
def test_relaxation_total_is_the_kl_divergence_and_heat_is_kinetic_energy(ratio):
    s0 = ratio * P.T / P.m
    out = P.relaxation(s0)
    kl = tt.kl_divergence([0.0], [[at(s0)]], [0.0], [[at(P.T / P.m)]])
    assert at(out["entropy_production_total"]) == pytest.approx(kl, rel=1e-12)
    # heat released = kinetic energy lost (energy balance of a free particle)
    assert sp.simplify(out["heat"] - P.m / 2 * (s0 - out["variance"])) == 0
    # the numeric engine at a long time reaches the same limit
    num = tt.entropy_production(numeric(P.free_velocity()), 60.0, [[at(s0)]])
    assert num == pytest.approx(kl, rel=1e-9)
    # and the entropy produced grows with time
    times = [0.1, 0.5, 2.0]
    values = [at(out["entropy_production"], t=tau) for tau in times]
    assert values[0] < values[1] < values[2] <= kl + 1e-12


def test_relaxation_heat_by_monte_carlo():
    model = numeric(P.free_velocity())
    s0 = at(3 * P.T / P.m)
    tr = tt.simulate(model, t_end=1.0, dt=0.002, paths=4000, seed=5, initial=tt.Gaussian([0.0], [[s0]]))
    theory = at(P.relaxation(3 * P.T / P.m)["heat"], t=1.0) / POINT[P.T]
    assert abs(estimate.heat(tr, model).z(theory)) <= 4


def test_dragged_trap_rate_lag_and_jarzynski_in_closed_form():
    assert P.dragging_rate() == P.gamma * P.u**2 / P.T
    mean_w, var_w = P.work_statistics()
    tau = P.gamma / P.k
    assert sp.simplify(mean_w - P.gamma * P.u**2 * (P.t - tau * (1 - sp.exp(-P.t / tau)))) == 0
    assert sp.simplify(var_w - 2 * P.T * mean_w) == 0
    assert P.jarzynski_average() == 1
    lag = sp.limit(tt.core.moments.mean(P.dragged_trap(), P.t)[0] - P.u * P.t, P.t, sp.oo)
    assert sp.simplify(lag + P.gamma * P.u / P.k) == 0


def test_dragged_trap_heat_work_and_jarzynski_by_monte_carlo():
    model = numeric(P.dragged_trap())
    t_end, dt = 2.0, 0.002
    var0 = at(P.T / P.k)
    tr = tt.simulate(model, t_end=t_end, dt=dt, paths=4000, seed=8, initial=tt.Gaussian([0.0], [[var0]]))
    S0 = {P.x: P.T / P.k}
    heat = at(tt.heat(P.dragged_trap(), P.t, S0), t=t_end)
    assert abs(estimate.heat(tr, model).z(heat)) <= 4
    # work from the recorded positions (trapezoid rule), never from the (x, W) model
    k, u = POINT[P.k], POINT[P.u]
    power = -k * u * (tr["x"] - u * tr.times[:, None])
    work = (power[1:] + power[:-1]).sum(axis=0) * dt / 2
    mean_w, var_w = P.work_statistics()
    assert abs(estimate.per_path(work).z(at(mean_w, t=t_end))) <= 4
    centred = (work - work.mean()) ** 2 * len(work) / (len(work) - 1)
    assert abs(estimate.per_path(centred).z(at(var_w, t=t_end))) <= 4
    # Jarzynski: <exp(-W/T)> = exp(-Delta F / T) = 1
    assert abs(estimate.per_path(np.exp(-work / POINT[P.T])).z(1.0)) <= 4


def test_underdamped_trap_is_in_equilibrium():
    model = P.underdamped_trap()
    S = tt.stationary_covariance(model)
    assert S == sp.diag(P.T / P.k, P.T / P.m)  # Boltzmann: equipartition, no x-v correlation
    assert tt.entropy_production_rate(model) == 0


def test_coupled_particles_entropy_production():
    Pi = tt.entropy_production_rate(P.coupled_particles("modes"))
    g, k, kap, m, T1, T2 = P.gamma, P.k, P.kappa, P.m, P.T1, P.T2
    assert sp.simplify(Pi - g * kap**2 * (T1 - T2) ** 2 / (2 * T1 * T2 * (g**2 * (k + kap) + m * kap**2))) == 0
    assert sp.simplify(Pi.subs(T2, T1)) == 0
    rng = np.random.default_rng(4)
    for _ in range(3):
        vals = {p: rng.uniform(0.3, 3.0) for p in (g, k, kap, m, T1, T2)}
        particles = tt.entropy_production_rate(P.coupled_particles().subs(vals))
        assert particles == pytest.approx(float(Pi.subs(vals)), rel=1e-9)
        # per bath: the hot particle gives heat to its bath as negative entropy flow
        parts = [tt.heat_rate(P.coupled_particles().subs(vals), pair) for pair in (["x_1", "v_1"], ["x_2", "v_2"])]
        assert sum(parts) == pytest.approx(particles, rel=1e-9)
        assert parts[0] * vals[T1] == pytest.approx(-parts[1] * vals[T2], rel=1e-9)  # energy conservation


def test_coupled_particles_by_monte_carlo():
    model = numeric(P.coupled_particles())
    table = tt.verify_all(model, seed=3, paths=400, duration=10.0)
    assert table.passed, str(table)


def test_unknown_coordinates_are_refused():
    with pytest.raises(tt.ModelError, match="coordinates"):
        P.coupled_particles("polar")


def test_relaxation_entropy_production_by_monte_carlo():
    """Heat from the paths plus the change of the Gaussian entropy fitted to the states."""
    model = numeric(P.free_velocity())
    s0 = at(3 * P.T / P.m)
    tr = tt.simulate(model, t_end=0.5, dt=0.002, paths=8000, seed=9, initial=tt.Gaussian([0.0], [[s0]]))
    heat = estimate.heat(tr, model)
    dH = estimate.gaussian_entropy(tr.states[-1]).value - estimate.gaussian_entropy(tr.states[0]).value
    dH_err = estimate.gaussian_entropy(tr.states[-1]).stderr + estimate.gaussian_entropy(tr.states[0]).stderr
    theory = at(P.relaxation(3 * P.T / P.m)["entropy_production"], t=0.5)
    assert abs(heat.value + dH - theory) <= 4 * np.hypot(heat.stderr, dH_err)


def test_underdamped_trap_by_monte_carlo():
    table = tt.verify_all(numeric(P.underdamped_trap()), seed=12, paths=400, duration=10.0)
    assert table.passed, str(table)
