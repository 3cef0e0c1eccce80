"""Transfer entropy rate and sensory capacity of a bipartite jump process (thermotheory.core.jump_filter).

The numeric closed form (the stationary law of the Wonham filter on a grid) is checked against
the Monte Carlo estimator that runs the filter along Gillespie paths, against an independent
renewal computation where every informative jump resets the filter (quadrature of an ODE),
against the fast-signal limit (a hand formula), for grid convergence, for C <= 1 at random
points, and for its named refusals.
"""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import thermotheory as tt
from thermotheory.core import jump_filter as jf
from thermotheory.core import jump_forms
from thermotheory.core.jump import MarkovJumpProcess
from thermotheory.errors import IllConditioned, ModelError, NoClosedForm, NotAModel, NotBipartite, NotErgodic, \
    UnknownState
from thermotheory.models import receptor as rc
from thermotheory.montecarlo import jump_filter as mc

RECEPTOR = {"gamma": 0.5, "k": 1.0, "c_0": 0.5, "c_1": 3.0, "omega": 1.0}


def _three_state_sensor(g01=0.8, g10=1.2):
    """A binary signal and a sensor with three levels that climbs faster when x = 1 (a ring with a back jump)."""
    r = {}
    for y in range(3):
        r[((0, y), (1, y))] = g01
        r[((1, y), (0, y))] = g10
    up = {0: (0.4, 2.5), 1: (0.6, 1.8)}  # (x = 0, x = 1) rates of y -> y + 1
    for y in range(2):
        for x in range(2):
            r[((x, y), (x, y + 1))] = up[y][x]
            r[((x, y + 1), (x, y))] = 1.0
    for x in range(2):
        r[((x, 2), (x, 0))] = 0.7 + 0.5 * x
    return MarkovJumpProcess(r)


def _reset_sensor(k01, k10, c, r):
    """y: 0 -> 1 only when x = 1 (the filter is reset to x = 1), 1 -> 0 at rate r whatever x."""
    rates = {((0, 0), (1, 0)): k01, ((1, 0), (0, 0)): k10, ((0, 1), (1, 1)): k01, ((1, 1), (0, 1)): k10,
             ((1, 0), (1, 1)): c, ((1, 1), (1, 0)): r, ((0, 1), (0, 0)): r}
    return MarkovJumpProcess(rates)


def _renewal_rate(k01, k10, c, r, nodes=40):
    """The transfer entropy rate of the reset sensor by renewal theory (no grid, no filter law).

    After each jump y 0 -> 1 the filter is p = P(x = 1) = 1; while y = 1 (an Exp(r) time tau) it
    relaxes to p0 = pi + (1 - pi) exp(-kappa tau); in y = 0 it follows
    dp/dt = k01 (1 - p) - k10 p - c p (1 - p) until the jump (hazard c p), gaining c p ln(1/p)
    per unit time. Rate = E[gain per cycle] / E[cycle length] (Gauss-Laguerre over tau).
    """
    kappa = k01 + k10
    pi = k01 / kappa

    def cycle(p0):
        def rhs(t, z):
            p, logS = z[0], z[1]
            S = math.exp(logS)
            return [k01 * (1 - p) - k10 * p - c * p * (1 - p), -c * p, S * c * p * math.log(1 / p), S]

        end = 50.0 / min(c * pi * k01 / (k01 + k10 + c), kappa) + 50.0
        sol = solve_ivp(rhs, (0.0, end), [p0, 0.0, 0.0, 0.0], rtol=1e-10, atol=1e-13, method="LSODA")
        return sol.y[2, -1], sol.y[3, -1]

    x, w = np.polynomial.laguerre.laggauss(nodes)
    gains, times = zip(*(cycle(pi + (1 - pi) * math.exp(-kappa * xi / r)) for xi in x))
    return float(np.dot(w, gains)) / (1.0 / r + float(np.dot(w, times)))


# -- against the Monte Carlo estimator -------------------------------------------------------------------------------

def test_receptor_matches_monte_carlo_through_verify():
    record = tt.verify(rc.receptor(), tt.transfer_entropy_rate.of("x", "y"), values=RECEPTOR, paths=4096, seed=3)
    assert record.passed, record
    numeric = rc.receptor().numeric(RECEPTOR)
    assert record.theory == pytest.approx(jf.transfer_entropy_rate(numeric, "x", "y"), rel=1e-12)
    assert record.stderr < 0.02 * record.theory  # the check has power


def _certain_sensor():
    """No state (0, 1): y = 1 only with x = 1, so there the filter is certain (an end cell of the grid)."""
    return MarkovJumpProcess({((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((1, 0), (1, 1)): 2.0,
                              ((1, 1), (1, 0)): 0.8})


@pytest.mark.parametrize("make", [_three_state_sensor, _certain_sensor])
def test_sensors_match_monte_carlo(make):
    m = make()
    sol = jf.filter_solution(m, "x", "y")
    e, _, duration = mc.transfer_entropy_rate(m, "x", "y", paths=2500, seed=11)
    assert duration > 0 and e.stderr < 0.03 * sol.value
    assert abs(e.z(sol.value)) <= 4


def test_monte_carlo_is_reproducible_and_refuses_a_step():
    m = rc.receptor().numeric(RECEPTOR)
    a, _, _ = mc.transfer_entropy_rate(m, "x", "y", paths=64, seed=5, duration=5.0)
    b, _, _ = mc.transfer_entropy_rate(m, "x", "y", paths=64, seed=5, duration=5.0)
    assert a.value == b.value and a.stderr == b.stderr
    with pytest.raises(ModelError, match="dt"):
        mc.transfer_entropy_rate(m, "x", "y", paths=64, dt=0.01)
    with pytest.raises(ModelError, match="paths"):
        mc.transfer_entropy_rate(m, "x", "y", paths=1)


# -- against independent computations and limits ---------------------------------------------------------------------

@pytest.mark.parametrize("params", [(0.7, 1.3, 2.0, 1.5), (0.3, 0.5, 5.0, 0.4)])
def test_reset_sensor_matches_renewal_quadrature(params):
    sol = jf.filter_solution(_reset_sensor(*params), "x", "y")
    reference = _renewal_rate(*params)
    assert abs(sol.value - reference) <= max(2 * sol.error, 2e-4 * reference)


def test_fast_signal_limit():
    """gamma -> inf: the filter rests at p(x | y) = 1/2 and T -> P(y=0) sum_x 1/2 k c_x ln(2 c_x / (c_0 + c_1))."""
    c0, c1, k, w = 0.5, 3.0, 1.0, 1.0
    hat = k * (c0 + c1) / 2
    limit = w / (w + hat) * sum(0.5 * k * c * math.log(k * c / hat) for c in (c0, c1))
    gaps = []
    for gamma in (30.0, 300.0, 3000.0):
        m = rc.receptor().numeric({"gamma": gamma, "k": k, "c_0": c0, "c_1": c1, "omega": w})
        gaps.append(jf.transfer_entropy_rate(m, "x", "y") / limit - 1)
    assert abs(gaps[-1]) < 2e-3
    assert abs(gaps[0]) > abs(gaps[1]) > abs(gaps[2])  # the O(1/gamma) approach


def test_blind_sensor_has_zero_transfer_entropy():
    m = rc.two_state_sensor(1.3, 0.7, 1.3, 0.7).subs({"gamma": 0.9})
    assert jf.transfer_entropy_rate(m, "x", "y") == 0.0
    e, _, _ = mc.transfer_entropy_rate(m, "x", "y", paths=32, seed=0, duration=5.0)
    assert e.value == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(NoClosedForm, match="undefined"):
        jf.sensory_capacity(m)


@pytest.mark.parametrize("make", [lambda: rc.receptor().numeric(RECEPTOR), _three_state_sensor])
def test_filter_law_has_the_stationary_marginals(make):
    """The tower property: the filter's mean over histories ending in y is P(x = 1 | y); its y-marginal is P(y)."""
    m = make()
    sol = jf.filter_solution(m, "x", "y")
    s = jf.signal_sensor(m, "x", "y")
    p1 = 1.0 / (1.0 + np.exp(-sol.centres))
    py = sol.density.sum(axis=1)
    for k, y in enumerate(s.y_values):
        exact_y = float(jump_forms.state_probability(m, {"y": y}))
        exact_x = float(jump_forms.state_probability(m, {"x": s.x_values[1], "y": y})) / exact_y
        assert py[k] == pytest.approx(exact_y, abs=3e-3)
        assert float(sol.density[k] @ p1) / py[k] == pytest.approx(exact_x, abs=5e-3)


# -- grid convergence ------------------------------------------------------------------------------------------------

def test_grid_convergence():
    m = rc.receptor().numeric(RECEPTOR)
    coarse = jf.filter_solution(m, "x", "y", cells=100, rtol=1.0)
    fine = jf.filter_solution(m, "x", "y", cells=800)
    t1, t2, t4 = fine.levels
    order = math.log2(abs(t2 - t1) / abs(t4 - t2))
    assert 0.7 < order < 1.5  # the upwind scheme is first order: the extrapolation assumes it
    assert abs(coarse.value - fine.value) <= coarse.error + fine.error
    assert fine.error < 1e-3 * fine.value
    assert fine.density.sum() == pytest.approx(1.0) and np.all(fine.density >= 0)


def test_unconverged_grid_is_refused(monkeypatch):
    monkeypatch.setattr(jf, "MAX_CELLS", 64)
    with pytest.raises(IllConditioned, match="did not converge"):
        jf.filter_solution(rc.receptor().numeric(RECEPTOR), "x", "y", cells=16, rtol=1e-12, atol=0.0)


# -- sensory capacity ------------------------------------------------------------------------------------------------

def test_sensory_capacity_at_most_one_at_random_points():
    rng = np.random.default_rng(2016)
    for _ in range(4):
        a0, b0, a1, b1, g = np.exp(rng.uniform(-1.5, 1.5, size=5))
        m = rc.two_state_sensor(a0, b0, a1, b1).subs({"gamma": g})
        sol = jf.filter_solution(m, "x", "y")
        learning = float(jump_forms.information_flow(m, "y"))
        assert abs(learning) <= sol.value + sol.error
        assert jf.sensory_capacity(m, "x", "y") == pytest.approx(learning / sol.value)
    m = _three_state_sensor(0.5, 0.9)
    assert abs(float(jump_forms.information_flow(m, "y"))) <= jf.transfer_entropy_rate(m, "x", "y")


def test_receptor_sensory_capacity():
    c = rc.sensory_capacity(values=RECEPTOR)
    m = rc.receptor().numeric(RECEPTOR)
    assert c == pytest.approx(float(jump_forms.information_flow(m, "y")) / jf.transfer_entropy_rate(m), rel=1e-12)
    assert 0 < c < 1
    atp = rc.sensor().numeric({"gamma": 0.3, "k": 2.0, "Delta_mu": 3.0})
    assert 0 < rc.sensory_capacity(atp) < 1
    with pytest.raises(NoClosedForm, match=r"model\.numeric"):
        rc.sensory_capacity()


# -- refusals --------------------------------------------------------------------------------------------------------

def test_symbolic_model_is_refused_with_what_to_do():
    with pytest.raises(NoClosedForm, match=r"model\.numeric\(values\)"):
        tt.transfer_entropy_rate(rc.receptor(), "x", "y")


def test_more_than_two_signal_states_are_refused():
    r = {}
    for y in range(2):
        for x in range(3):
            r[((x, y), ((x + 1) % 3, y))] = 1.0
            r[(((x + 1) % 3, y), (x, y))] = 1.0
    for x in range(3):
        r[((x, 0), (x, 1))] = 1.0 + x
        r[((x, 1), (x, 0))] = 1.0
    m = MarkovJumpProcess(r)
    with pytest.raises(NoClosedForm, match="binary signal"):
        jf.transfer_entropy_rate(m, "x", "y")
    with pytest.raises(NoClosedForm):
        mc.transfer_entropy_rate(m, "x", "y", paths=8)


def test_non_bipartite_model_is_refused():
    r = {((0, 0), (1, 1)): 1.0, ((1, 1), (0, 0)): 1.0, ((0, 0), (0, 1)): 1.0, ((0, 1), (0, 0)): 1.0,
         ((1, 0), (1, 1)): 2.0, ((1, 1), (1, 0)): 1.0, ((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0}
    m = MarkovJumpProcess(r)
    with pytest.raises(NotBipartite):
        jf.transfer_entropy_rate(m, "x", "y")
    with pytest.raises(NotBipartite):
        mc.transfer_entropy_rate(m, "x", "y", paths=8)


def test_other_bad_input_is_refused():
    m = rc.receptor().numeric(RECEPTOR)
    with pytest.raises(UnknownState):
        jf.transfer_entropy_rate(m, "x", "z")
    with pytest.raises(ModelError, match="same subsystem"):
        jf.transfer_entropy_rate(m, "y", "y")
    with pytest.raises(NotAModel):
        jf.transfer_entropy_rate({"x": 1}, "x", "y")
    with pytest.raises(ModelError, match="cells"):
        jf.filter_solution(m, "x", "y", cells=3)
    with pytest.raises(ModelError, match="rtol"):
        jf.filter_solution(m, "x", "y", rtol=-1.0)
    three = MarkovJumpProcess({((0, 0, 0), (1, 0, 0)): 1.0, ((1, 0, 0), (0, 0, 0)): 1.0,
                               ((0, 0, 0), (0, 1, 0)): 1.0, ((0, 1, 0), (0, 0, 0)): 1.0})
    with pytest.raises(NoClosedForm, match="subsystems"):
        jf.transfer_entropy_rate(three, "x1", "x2")
    frozen = rc.two_state_sensor(1.0, 1.0, 2.0, 1.0, flip=0)  # the signal never flips
    with pytest.raises(NotErgodic):
        jf.transfer_entropy_rate(frozen, "x", "y")
