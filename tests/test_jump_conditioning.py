"""Digits lost by the numeric stationary quantities of a jump process near stall (issue #25).

Each value is compared with an independent computation in 60-digit arithmetic written here: the
stationary distribution from mpmath's LU solve of the bordered generator (not the engine's GTH
elimination), the quantities from their definitions, Hill's cycle current of a ring, and the
tight-coupling limit of the pump.
"""

from __future__ import annotations

import re
import warnings

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import jump_currents as jc
from thermotheory.core import jump_efficiency as je
from thermotheory.core import jump_forms as jf
from thermotheory.errors import ConditioningWarning, IllConditioned, UndefinedEfficiency
from thermotheory.models import pump

DPS = 60


def mp_stationary(model) -> list:
    """The stationary distribution at DPS digits: mpmath LU solve of ``L p = 0`` with ``sum p = 1``."""
    n = model.n
    with mp.workdps(DPS):
        L = mp.zeros(n, n)
        for (i, j), w in model._rates.items():
            x = mp.mpf(float(w))
            L[j, i] += x
            L[i, i] -= x
        for i in range(n):
            L[0, i] = mp.mpf(1)
        b = mp.zeros(n, 1)
        b[0] = mp.mpf(1)
        return list(mp.lu_solve(L, b))


def mp_flows(model, reservoir) -> mp.mpf:
    """``sum p_i w_ij F_ij`` over the jumps of ``reservoir`` (declared flows, else ln(w_ij / w_ji))."""
    p = mp_stationary(model)
    k = model.reservoir_names.index(reservoir)
    with mp.workdps(DPS):
        total = mp.mpf(0)
        for e, r in zip(model.edges, model.reservoir_edges()):
            if r != k:
                continue
            i, j = e
            w = mp.mpf(float(model._rates[e]))
            F = mp.mpf(float(model._flows[e])) if e in model._flows else mp.log(w / mp.mpf(float(model._rates[(j, i)])))
            total += p[i] * w * F
        return total


def pump_at(gap: float, dmu_atp: float = 20.0) -> tt.MarkovJumpProcess:
    """The slip-free pump ``gap`` below stall (Delta_mu_ion = Delta_mu_ATP - gap), rates of order 1."""
    vals = {"k_1": 1.0, "k_2": 2.0, "k_3": 0.5, "k_4": 1.5, "Delta_mu_ATP": dmu_atp, "Delta_mu_ion": dmu_atp - gap}
    return pump.ion_pump().numeric(vals)


@pytest.mark.parametrize("gap", [1e-2, 1e-6, 1e-9, 1e-10])
def test_pump_efficiency_near_stall_is_the_ratio_of_the_affinities(gap):
    model = pump_at(gap)
    eta = je.conversion_efficiency(model, "atp", "ions")
    tight = (20.0 - gap) / 20.0  # the slip-free pump: eta = Delta_mu_ion / Delta_mu_ATP exactly
    assert eta == pytest.approx(tight, rel=1e-13, abs=0)
    with mp.workdps(DPS):
        reference = -mp_flows(model, "ions") / mp_flows(model, "atp")
    assert eta == pytest.approx(float(reference), rel=1e-13, abs=0)


def test_pump_closer_to_stall_than_the_zero_flow_tolerance_is_refused_by_name():
    with pytest.raises(UndefinedEfficiency, match="is zero"):
        je.conversion_efficiency(pump_at(1e-14), "atp", "ions")


def test_pump_of_the_issue_gives_the_exact_efficiency():
    vals = {"k_1": 1.0, "k_2": 1.0, "k_3": 1.0, "k_4": 1.0, "Delta_mu_ATP": 20.0, "Delta_mu_ion": 20.0 * (1 - 1e-6)}
    model = pump.ion_pump().numeric(vals)
    assert je.conversion_efficiency(model, "atp", "ions") == pytest.approx(1 - 1e-6, rel=1e-13, abs=0)


def test_pump_flows_current_and_entropy_production_near_stall_match_60_digits():
    model = pump_at(1e-8)
    p = mp_stationary(model)
    with mp.workdps(DPS):
        i, j = model.index("E_2PNa"), model.index("E_2P")
        J = p[i] * mp.mpf(float(model._rates[(i, j)])) - p[j] * mp.mpf(float(model._rates[(j, i)]))
        s_atp, s_ion = mp_flows(model, "atp"), mp_flows(model, "ions")
    assert jf.probability_current(model, "E_2PNa", "E_2P") == pytest.approx(float(J), rel=1e-12, abs=0)
    assert jc.current_mean_rate(model, pump.ion_current()) == pytest.approx(float(J), rel=1e-12, abs=0)
    assert jf.heat_rate(model, reservoir="atp") == pytest.approx(float(s_atp), rel=1e-12, abs=0)
    assert jf.heat_rate(model, reservoir="ions") == pytest.approx(float(s_ion), rel=1e-12, abs=0)
    # total entropy production: the sum of the flows (here the medium's jumps carry none), J * A with A = 1e-8
    assert jf.entropy_production_rate(model) == pytest.approx(float(s_atp + s_ion), rel=1e-9, abs=0)


def ring(forward, backward) -> tt.MarkovJumpProcess:
    n = len(forward)
    rates = {}
    for i in range(n):
        rates[(i, (i + 1) % n)] = forward[i]
        rates[((i + 1) % n, i)] = backward[i]
    return tt.MarkovJumpProcess(rates)


def hill_current(forward, backward):
    """Hill's cycle current of a ring, (prod w+ - prod w-) / sum_i Z_i, at DPS digits (the floats read exactly)."""
    n = len(forward)
    with mp.workdps(DPS):
        fw = [mp.mpf(x) for x in forward]
        bw = [mp.mpf(x) for x in backward]
        total = mp.mpf(0)
        for i in range(n):
            for j in range(n):
                back = mp.fprod(bw[(i + m - 1) % n] for m in range(1, j + 1))
                ahead = mp.fprod(fw[(i + m) % n] for m in range(j + 1, n))
                total += back * ahead
        return (mp.fprod(fw) - mp.fprod(bw)) / total


@pytest.mark.parametrize("affinity", [1e-5, 1e-9, 1e-13])
def test_three_state_cycle_near_equilibrium_with_huge_rate_ratios(affinity):
    forward = [1e6, 1.0, 3e-4]
    backward = [1.0, 2e3, float(1e6 * 3e-4 / 2e3 / np.exp(affinity))]
    model = ring(forward, backward)
    J = hill_current(forward, backward)
    with mp.workdps(DPS):
        A = mp.log(mp.fprod(mp.mpf(x) for x in forward) / mp.fprod(mp.mpf(x) for x in backward))
        sigma = J * A
    assert jf.probability_current(model, 0, 1) == pytest.approx(float(J), rel=1e-12, abs=0)
    assert [c[2] for c in jf.cycle_decomposition(model)] == pytest.approx([float(J)], rel=1e-12, abs=0)
    assert jf.entropy_production_rate(model) == pytest.approx(float(sigma), rel=1e-12, abs=0)
    assert jf.heat_rate(model) == pytest.approx(float(sigma), rel=1e-12, abs=0)  # stationary: heat = entropy production


def test_three_state_cycle_against_the_symbolic_engine_at_the_same_numbers():
    forward = [1e6, 1.0, 3e-4]
    backward = [1.0, 2e3, float(1e6 * 3e-4 / 2e3 / np.exp(1e-10))]
    k = sp.symbols("k0:3", positive=True)
    q = sp.symbols("q0:3", positive=True)
    symbolic = ring(list(k), list(q))
    form = jf.probability_current(symbolic, 0, 1, form="rational")
    values = {**{s: sp.Float(x, DPS) for s, x in zip(k, forward)}, **{s: sp.Float(x, DPS) for s, x in zip(q, backward)}}
    exact = sp.N(form.subs(values), 40)
    assert jf.probability_current(ring(forward, backward), 0, 1) == pytest.approx(float(exact), rel=1e-12, abs=0)


def test_information_flow_of_a_sensor_near_equilibrium():
    eps = 1e-9  # the y-jumps almost obey detailed balance with the x-jumps: a tiny cycle affinity
    rates = {((0, 0), (1, 0)): 1e4, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1e4, ((1, 1), (0, 1)): 1.0 + eps,
             ((0, 0), (0, 1)): 0.2, ((0, 1), (0, 0)): 2.0, ((1, 1), (1, 0)): 0.2, ((1, 0), (1, 1)): 2.0}
    model = tt.MarkovJumpProcess(rates)
    p = mp_stationary(model)
    with mp.workdps(DPS):
        py = {}
        for s, x in zip(model.states, p):
            py[s[1]] = py.get(s[1], 0) + x
        l_y = mp.mpf(0)
        for (i, j), w in model._rates.items():
            a, b = model.states[i], model.states[j]
            if a[1] != b[1]:
                l_y += p[i] * mp.mpf(float(w)) * (mp.log(p[j] / py[b[1]]) - mp.log(p[i] / py[a[1]]))
    assert jf.information_flow(model, "y") == pytest.approx(float(l_y), rel=1e-10, abs=0)
    assert jf.information_flow(model, "x") == pytest.approx(-float(l_y), rel=1e-10, abs=0)


def test_well_conditioned_network_stays_on_the_float_path_without_warning():
    model = ring([2.0, 3.0, 1.0], [1.0, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = jf.probability_current(model, 0, 1)
        sigma = jf.entropy_production_rate(model)
    assert not any(isinstance(key, tuple) and key[0] == "precise" for key in model.cache)
    assert J == pytest.approx(float(hill_current([2.0, 3.0, 1.0], [1.0, 1.0, 2.0])), rel=1e-14, abs=0)
    assert sigma == pytest.approx(J * np.log(6.0 / 2.0), rel=1e-13, abs=0)


def test_large_well_conditioned_ring_does_not_warn():
    n = 60
    model = ring([2.0] * n, [1.0] * n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = jf.probability_current(model, 0, 1)
        sigma = jf.entropy_production_rate(model)
    assert J == pytest.approx(1.0 / n, rel=1e-12, abs=0)  # uniform stationary state: J = (2 - 1) / n
    assert sigma == pytest.approx(J * n * np.log(2.0), rel=1e-12, abs=0)


def big_ring_near_stall(affinity: float, n: int = 60) -> tuple[tt.MarkovJumpProcess, list, list]:
    forward = [1.0] * n
    backward = [1.0] * (n - 1) + [float(np.exp(-affinity))]
    return ring(forward, backward), forward, backward


def test_large_network_near_stall_warns_with_the_digits_lost():
    model, forward, backward = big_ring_near_stall(1e-7)  # about 9 digits cancel in each current
    assert model.n > jf.MAX_PRECISE_STATES
    with pytest.warns(ConditioningWarning, match=r"about \d+ of 16 digits") as caught:
        J = jf.probability_current(model, 0, 1)
    lost = int(re.search(r"about (\d+) of 16", str(caught[0].message)).group(1))
    assert 8 <= lost < 13
    exact = float(hill_current(forward, backward))
    assert abs(J - exact) <= 10.0 ** (lost - 16 + 1) * abs(exact)  # the error is within the digits announced


def test_large_network_at_stall_is_refused_by_name():
    model, _, _ = big_ring_near_stall(1e-14)
    with pytest.raises(IllConditioned, match=r"of its 16 digits may be lost"):
        jf.probability_current(model, 0, 1)
    with pytest.raises(IllConditioned, match="MAX_PRECISE_STATES"):
        jf.entropy_production_rate(model)


def test_a_bridge_carries_exactly_no_current():
    # a 3-state cycle with a dangling state 3 attached to state 0: the pair (0, 3) is a bridge
    rates = {(0, 1): 2.0, (1, 2): 3.0, (2, 0): 1.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 2.0, (0, 3): 0.7, (3, 0): 1.3}
    model = tt.MarkovJumpProcess(rates)
    currents = jf.probability_currents(model)
    assert currents[(0, 3)] == 0.0
    p = mp_stationary(model)
    with mp.workdps(DPS):
        J01 = p[0] * 2 - p[1] * 1
    assert currents[(0, 1)] == pytest.approx(float(J01), rel=1e-13, abs=0)


def test_stationary_distribution_of_a_stiff_network_is_accurate_entrywise():
    model = pump_at(1e-6)
    p = jf.stationary_distribution(model)
    reference = [float(x) for x in mp_stationary(model)]
    assert p == pytest.approx(reference, rel=1e-14, abs=0)


def mp_scgf(model, current, s) -> mp.mpf:
    """The largest eigenvalue of the tilted generator at DPS digits (mpmath's eigenvalues)."""
    n = model.n
    d = current._resolved(model)
    L = mp.zeros(n, n)
    for (i, j), w in model._rates.items():
        x = mp.mpf(float(w))
        L[j, i] += x * mp.exp(s * mp.mpf(float(d.get((i, j), 0))))
        L[i, i] -= x
    return max(mp.eig(L, left=False, right=False), key=lambda z: mp.re(z)).real


@pytest.mark.parametrize("gap", [1e-2, 1e-8])
def test_variance_rate_of_the_stiff_pump_is_the_scgf_curvature(gap):
    model = pump_at(gap)
    current = pump.ion_current()
    with mp.workdps(DPS):
        h = mp.mpf(10) ** -12
        curvature = (mp_scgf(model, current, h) - 2 * mp_scgf(model, current, 0) + mp_scgf(model, current, -h)) / h**2
    assert jc.current_variance_rate(model, current) == pytest.approx(float(curvature), rel=1e-12, abs=0)


def test_bridges_are_those_networkx_finds():
    nx = pytest.importorskip("networkx")
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(2, 12))
        rates = {}
        for i in range(n):
            for j in range(i + 1, n):
                if rng.random() < 0.3:
                    rates[(i, j)] = rates[(j, i)] = 1.0
        if not rates:
            continue
        model = tt.MarkovJumpProcess(rates)
        G = nx.Graph(list(model.edges))
        cut = {frozenset(e) for e in nx.bridges(G)}
        expected = [frozenset(e) in cut for e in model.edges]
        assert jf._bridges(model).tolist() == expected
        fresh = tt.MarkovJumpProcess(rates)
        assert [jf._is_bridge(fresh, k) for k in range(len(fresh.edges))] == expected


# -- detailed balance of a large network; the bridges found once ------------------------------------------------
def balanced_ring(n: int, seed: int = 1):
    """A random ring whose last backward rate closes the cycle with affinity zero (to rounding)."""
    rng = np.random.default_rng(seed)
    forward = list(rng.uniform(1, 3, n))
    backward = list(rng.uniform(1, 3, n))
    affinity = float(np.sum(np.log(np.array(forward) / np.array(backward))))
    backward[-1] = float(backward[-1] * np.exp(affinity))
    return forward, backward


def test_large_ring_in_detailed_balance_has_exactly_zero_currents_and_entropy_production():
    forward, backward = balanced_ring(60)
    model = ring(forward, backward)
    assert model.n > jf.MAX_PRECISE_STATES
    with mp.workdps(DPS):  # the ring's affinity is zero to a few rounding errors
        A = mp.fsum(mp.log(mp.mpf(a) / mp.mpf(b)) for a, b in zip(forward, backward))
        assert abs(A) < 1e-13
    silent = warnings.catch_warnings()
    with silent:
        warnings.simplefilter("error")
        assert jf.entropy_production_rate(model) == 0.0
        assert jf.heat_rate(ring(forward, backward)) == 0.0
        assert jf.probability_current(ring(forward, backward), 0, 1) == 0.0
        assert set(jf.probability_currents(ring(forward, backward)).values()) == {0.0}


@pytest.mark.parametrize("affinity, fate", [(1e-7, "warn"), (1e-12, "refuse")])
def test_large_ring_near_but_not_at_detailed_balance_still_warns_or_refuses(affinity, fate):
    forward, backward = balanced_ring(60)
    backward[-1] = float(backward[-1] * np.exp(-affinity))
    if fate == "warn":
        with pytest.warns(ConditioningWarning):
            J = jf.probability_current(ring(forward, backward), 0, 1)
        exact = float(hill_current(forward, backward))
        assert J != 0.0 and abs(J - exact) <= 1e-3 * abs(exact)
    else:
        for f in (lambda m: jf.probability_current(m, 0, 1), jf.entropy_production_rate, jf.heat_rate):
            with pytest.raises(IllConditioned):
                f(ring(forward, backward))


def test_currents_of_a_large_chain_near_equilibrium_find_the_bridges_once(monkeypatch):
    rng = np.random.default_rng(0)
    rates = {}
    for i in range(299):
        rates[(i, i + 1)] = float(rng.uniform(1, 3))
        rates[(i + 1, i)] = float(rng.uniform(1, 3))
    model = tt.MarkovJumpProcess(rates)  # a chain: every pair a bridge, every current exactly zero
    calls = []
    real = jf._is_bridge
    monkeypatch.setattr(jf, "_is_bridge", lambda m, k: calls.append(k) or real(m, k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConditioningWarning)
        currents = jf.probability_currents(model)
    assert set(currents.values()) == {0.0}
    assert len(calls) <= 1  # one search (Tarjan) for all the flagged pairs, not one per pair


@pytest.mark.parametrize("n", [17, 40])
def test_entropy_production_of_a_moderately_conditioned_ring_stays_on_the_float_path(monkeypatch, n):
    # a few digits cancel between the one-way fluxes, but every pair gives J X >= 0: the float sum pair by pair
    # keeps its digits, with no extended-precision solve
    rng = np.random.default_rng(0)
    forward, backward = list(rng.uniform(1, 3, n)), list(rng.uniform(1, 3, n))
    model = ring(forward, backward)

    def refuse(*args, **kwargs):
        raise AssertionError("the extended-precision path was taken")

    monkeypatch.setattr(jf, "_precise_value", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sigma = jf.entropy_production_rate(model)
    monkeypatch.undo()
    p = mp_stationary(model)
    with mp.workdps(DPS):
        total = mp.mpf(0)
        for i in range(n):
            j = (i + 1) % n
            a, b = p[i] * mp.mpf(forward[i]), p[j] * mp.mpf(backward[i])
            total += (a - b) * mp.log(a / b)
    assert sigma == pytest.approx(float(total), rel=1e-12, abs=0)
