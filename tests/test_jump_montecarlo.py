"""Gillespie simulation and Monte Carlo estimators of Markov jump processes (issue 26).

Every estimate is compared with an independent numeric computation done here (the null
space of the generator, a matrix exponential, the tilted generator's eigenvalue), never with
the package's closed forms, except in the end-to-end ``tt.verify`` tests, which are the point.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla

import thermotheory as tt
from thermotheory.errors import (IrreversibleTransition, ModelError, NotAModel, NotBipartite, NotErgodic,
                                 UnknownState)
from thermotheory.montecarlo import jump as mj
from thermotheory.montecarlo.gillespie import SCAN_DEGREE, gillespie, jump_tables

Z_MAX = 4.0


# -- independent numerics ------------------------------------------------------------------------------------------

def generator(W: np.ndarray) -> np.ndarray:
    L = W.T.copy()
    np.fill_diagonal(L, 0.0)
    L -= np.diag(W.sum(axis=1) - np.diag(W))
    return L


def null_space_p(W: np.ndarray) -> np.ndarray:
    ns = sla.null_space(generator(W))
    assert ns.shape[1] == 1
    p = ns[:, 0] / ns[:, 0].sum()
    return p


def shannon(p) -> float:
    p = np.asarray(p, float)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def tilted_cumulants(W: np.ndarray, D: np.ndarray, h: float = 1e-3) -> tuple[float, float]:
    """Mean and variance rate of the current with weights D: derivatives of the tilted generator's top eigenvalue."""
    def lam(s):
        Ls = (W * np.exp(s * D)).T  # Ls[j, i] = w_ij exp(s d_ij)
        np.fill_diagonal(Ls, 0.0)
        Ls -= np.diag(W.sum(axis=1) - np.diag(W))
        return float(np.max(np.linalg.eigvals(Ls).real))
    l0, lp, lm = lam(0.0), lam(h), lam(-h)
    lp2, lm2 = lam(2 * h), lam(-2 * h)
    first = (-lp2 + 8 * lp - 8 * lm + lm2) / (12 * h)
    second = (-lp2 + 16 * lp - 30 * l0 + 16 * lm - lm2) / (12 * h * h)
    return first, second


def model_arrays(m):
    return m.rate_array(), m.entropy_flow_array()


# -- models ----------------------------------------------------------------------------------------------------------

def two_state(k=2.0, q=1.0):
    return tt.MarkovJumpProcess({(0, 1): k, (1, 0): q})


def ring(rng=None):
    """A driven 3-state ring with random rates."""
    rng = rng or np.random.default_rng(7)
    r = rng.uniform(0.5, 2.5, size=6)
    return tt.MarkovJumpProcess({(0, 1): r[0], (1, 2): r[1], (2, 0): r[2], (1, 0): r[3], (2, 1): r[4], (0, 2): r[5]})


def sensor(seed=3):
    """A 4-state bipartite sensor (x: signal, y: sensor) with random rates."""
    rng = np.random.default_rng(seed)
    a, b, c, d, e, f, g, h = rng.uniform(0.3, 3.0, size=8)
    rates = {((0, 0), (1, 0)): a, ((1, 0), (0, 0)): b, ((0, 1), (1, 1)): a, ((1, 1), (0, 1)): b,
             ((0, 0), (0, 1)): c, ((0, 1), (0, 0)): d, ((1, 1), (1, 0)): e, ((1, 0), (1, 1)): f}
    return tt.MarkovJumpProcess(rates)


def sensor_numbers(m):
    """Stationary p, and per state pair the quantities of the bipartite sensor, by hand from the null space."""
    W, F = model_arrays(m)
    p = null_space_p(W)
    S = m.states
    flux = p[:, None] * W
    J = flux - flux.T
    py = np.zeros(2)
    for i, s in enumerate(S):
        py[s[1]] += p[i]
    px = np.zeros(2)
    for i, s in enumerate(S):
        px[s[0]] += p[i]
    out = {"p": p, "heat_y": 0.0, "flow_y": 0.0, "heat_x": 0.0, "flow_x": 0.0, "sigma": 0.0, "sigma_y": 0.0}
    for i in range(4):
        for j in range(4):
            if W[i, j] == 0:
                continue
            xs_i, ys_i = S[i]
            xs_j, ys_j = S[j]
            out["sigma"] += flux[i, j] * F[i, j]
            if ys_i != ys_j:  # a y-jump at fixed x
                out["heat_y"] += flux[i, j] * F[i, j]
                out["flow_y"] += flux[i, j] * (math.log(p[j] / py[ys_j]) - math.log(p[i] / py[ys_i]))
                out["sigma_y"] += flux[i, j] * (F[i, j] + math.log(p[i] / p[j]))
            else:
                out["heat_x"] += flux[i, j] * F[i, j]
                out["flow_x"] += flux[i, j] * (math.log(p[j] / px[xs_j]) - math.log(p[i] / px[xs_i]))
    out["H"] = shannon(p)
    out["Hx"], out["Hy"] = shannon(px), shannon(py)
    out["I"] = out["Hx"] + out["Hy"] - out["H"]
    del J
    return out


def transient_numbers(m, p0, t):
    """p(t), mean heat over [0, t] and entropy produced, from one augmented matrix exponential."""
    W, F = model_arrays(m)
    n = W.shape[0]
    A = np.zeros((n + 1, n + 1))
    A[:n, :n] = generator(W)
    A[n, :n] = (W * F).sum(axis=1)  # dQ/dt = sum_i p_i sum_j w_ij F_ij
    v = sla.expm(A * t) @ np.r_[p0, 0.0]
    pt, Q = v[:n], v[n]
    return pt, Q, Q + shannon(pt) - shannon(p0)


# -- the simulator -----------------------------------------------------------------------------------------------------

def test_reproducible_under_chunking_scan_and_alias():
    rng = np.random.default_rng(0)
    for W in (two_state().rate_array(), ring().rate_array(), rng.uniform(0.2, 2.0, (6, 6))):
        a = gillespie(W, 7.0, 300, seed=11, burn_in=1.5, windows=3, keep=3)
        b = gillespie(W, 7.0, 300, seed=11, burn_in=1.5, windows=3, keep=3, chunk_paths=64)
        c = gillespie(W, 7.0, 300, seed=11, burn_in=1.5, windows=3, keep=3, chunk_paths=130)
        for other in (b, c):
            for name in ("counts", "occupation", "start", "end"):
                assert np.array_equal(getattr(a, name), getattr(other, name)), name
            for (ta, sa), (tb, sb) in zip(a.trajectories, other.trajectories):
                assert np.array_equal(ta, tb) and np.array_equal(sa, sb)
        d = gillespie(W, 7.0, 300, seed=12, burn_in=1.5, windows=3)
        assert not np.array_equal(a.counts, d.counts)  # another seed, other paths
    assert jump_tables(6, *np.nonzero(np.ones((6, 6)) - np.eye(6)), np.ones(30)).alias  # degree 5 > SCAN_DEGREE
    assert SCAN_DEGREE < 5


def test_records_are_consistent_with_trajectories():
    W = ring().rate_array()
    rec = gillespie(W, 6.0, 70, seed=2, burn_in=2.0, windows=2, keep=70)
    assert np.allclose(rec.occupation.sum(axis=1), 6.0)
    for k, (times, states) in enumerate(rec.trajectories):
        assert states[0] == rec.start[k] and states[-1] == rec.end[k]
        assert np.all(np.diff(times) > 0) and (times.size == 0 or (times[0] > 0 and times[-1] < 6.0))
        # occupation and counts rebuilt from the trajectory
        edges = np.zeros((2, len(rec.src)), int)
        occ = np.zeros(3)
        bounds = np.r_[0.0, times, 6.0]
        for m in range(states.size):
            occ[states[m]] += bounds[m + 1] - bounds[m]
        for m in range(times.size):
            e = np.flatnonzero((rec.src == states[m]) & (rec.dst == states[m + 1]))[0]
            edges[int(times[m] >= 3.0), e] += 1
        assert np.allclose(occ, rec.occupation[k])
        assert np.array_equal(edges, rec.counts[k])


@pytest.mark.parametrize("n, dense", [(3, False), (5, True)])
def test_stationary_fluxes_per_edge(n, dense):
    """Jumps per unit time along each transition against p_i w_ij (scan and alias pickers)."""
    rng = np.random.default_rng(n)
    W = rng.uniform(0.3, 2.0, (n, n)) * (1 if dense else (rng.random((n, n)) < 0.8))
    np.fill_diagonal(W, 0.0)
    W = np.maximum(W, W.T * 0.5)  # reversible
    p = null_space_p(W)
    rec = gillespie(W, 40.0, 2048, seed=5, burn_in=20.0)
    rates = rec.totals() / rec.duration
    se = rates.std(axis=0, ddof=1) / math.sqrt(rec.paths)
    z = (rates.mean(axis=0) - p[rec.src] * W[rec.src, rec.dst]) / se
    assert np.abs(z).max() < Z_MAX + 0.5  # the largest of up to 20 z's


def test_absorbing_state_and_distribution_start():
    """0 -> 1 at rate k, 1 absorbing: time spent in 0 over [0, t] has mean (1 - exp(-k t)) / k from state 0."""
    k, t = 1.5, 2.0
    W = np.array([[0.0, k], [0.0, 0.0]])
    rec = gillespie(W, t, 4096, seed=3, initial=[0.25, 0.75])
    occ0 = rec.occupation[:, 0]
    # a quarter of the paths start in 0
    expected = 0.25 * (1 - math.exp(-k * t)) / k
    assert abs(occ0.mean() - expected) < Z_MAX * occ0.std(ddof=1) / math.sqrt(rec.paths)
    assert rec.counts.sum() <= rec.paths and np.all(rec.end[rec.start == 1] == 1)


def test_estimate_from_a_symbolic_model_at_values():
    import sympy as sp

    k = sp.Symbol("k", positive=True)
    m = tt.MarkovJumpProcess({(0, 1): k, (1, 0): 1})
    with pytest.raises(ModelError, match="free parameters"):
        mj.occupation(m, paths=64)
    p0, p1 = mj.occupation(m.numeric({k: 3.0}), paths=512, seed=4)
    assert abs(p1.z(0.75)) < Z_MAX and abs(p0.value + p1.value - 1) < 1e-12


# -- stationary estimators ---------------------------------------------------------------------------------------

def test_two_state_occupation_entropy_and_current():
    m = two_state(2.0, 0.5)
    p = null_space_p(m.rate_array())
    p0, p1 = mj.occupation(m, paths=1024, seed=1)
    assert abs(p0.z(p[0])) < Z_MAX and abs(p1.z(p[1])) < Z_MAX
    e, dt, dur = mj.entropy(m, paths=1024, seed=1)
    assert dt == 0.0 and dur > 0 and abs(e.z(shannon(p))) < Z_MAX
    J = tt.JumpCurrent({(0, 1): 1.0})  # net jumps 0 -> 1: mean 0, variance rate 2 p0 w01
    mean, _, _ = mj.current_mean_rate(m, J, paths=1024, seed=2)
    var, _, _ = mj.current_variance_rate(m, J, paths=4096, seed=2)
    assert abs(mean.z(0.0)) < Z_MAX
    _, second = tilted_cumulants(m.rate_array(), J.weights_array(m))
    assert abs(var.z(second)) < Z_MAX


def test_ring_current_statistics_against_the_tilted_generator():
    m = ring()
    W = m.rate_array()
    D = tt.JumpCurrent({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0}).weights_array(m)  # the cycle, counted 3 times
    first, second = tilted_cumulants(W, D)
    p = null_space_p(W)
    assert abs(first - np.sum(p[:, None] * W * D)) < 1e-6  # the numerics agree among themselves
    J = tt.JumpCurrent({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0})
    mean, _, _ = mj.current_mean_rate(m, J, paths=2048, seed=3)
    var, _, dur = mj.current_variance_rate(m, J, paths=4096, seed=3)
    assert abs(mean.z(first)) < Z_MAX and abs(var.z(second)) < Z_MAX
    assert var.stderr < 0.05 * second  # a useful precision, not a vacuous pass
    # entropy production = heat rate (local detailed balance) = J_cycle * affinity
    sigma, _, _ = mj.entropy_production_rate(m, paths=2048, seed=4)
    heat, _, _ = mj.heat_rate(m, paths=2048, seed=4)
    affinity = math.log(W[0, 1] * W[1, 2] * W[2, 0] / (W[1, 0] * W[2, 1] * W[0, 2]))
    cycle = p[0] * W[0, 1] - p[1] * W[1, 0]
    assert abs(sigma.z(cycle * affinity)) < Z_MAX and abs(heat.z(cycle * affinity)) < Z_MAX
    ratio, _, _ = mj.uncertainty_ratio(m, J, paths=4096, seed=5)
    assert abs(ratio.z(second * cycle * affinity / (2 * first**2))) < Z_MAX
    fixed, _, _ = mj.uncertainty_ratio(m, J, cycle * affinity, paths=4096, seed=5)
    assert abs(fixed.z(second * cycle * affinity / (2 * first**2))) < Z_MAX


def test_bipartite_sensor_against_the_null_space():
    m = sensor()
    ref = sensor_numbers(m)
    kw = dict(paths=4096, seed=6)
    checks = [
        (mj.entropy(m, **kw), ref["H"]),
        (mj.entropy(m, "y", **kw), ref["Hy"]),
        (mj.mutual_information(m, "x", "y", **kw), ref["I"]),
        (mj.entropy_production_rate(m, **kw), ref["sigma"]),
        (mj.entropy_production_rate(m, "y", **kw), ref["sigma_y"]),
        (mj.heat_rate(m, "y", **kw), ref["heat_y"]),
        (mj.heat_rate(m, "x", **kw), ref["heat_x"]),
        (mj.information_flow(m, "y", **kw), ref["flow_y"]),
        (mj.information_flow(m, "x", **kw), ref["flow_x"]),
        (mj.efficiency(m, "y", **kw), ref["flow_y"] / ref["heat_y"]),
    ]
    for (est, dt, dur), value in checks:
        assert abs(est.z(value)) < Z_MAX, (est, value)
        assert est.stderr > 0 and dt == 0.0
    assert abs(ref["flow_x"] + ref["flow_y"]) < 1e-12  # the hand numbers obey the sum rule
    assert abs(ref["sigma_y"] - (ref["heat_y"] - ref["flow_y"])) < 1e-12


def test_heat_rate_per_reservoir():
    rates = {(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.5, (2, 1): 0.5, (2, 0): 1.0, (0, 2): 0.7}
    m = tt.MarkovJumpProcess(rates, reservoirs={(0, 1): "hot", (1, 2): "cold", (2, 0): "cold"})
    W, F = model_arrays(m)
    p = null_space_p(W)
    hot = p[0] * W[0, 1] * F[0, 1] + p[1] * W[1, 0] * F[1, 0]
    e, _, _ = mj.heat_rate(m, reservoir="hot", paths=2048, seed=8)
    assert abs(e.z(hot)) < Z_MAX
    total, _, _ = mj.heat_rate(m, paths=2048, seed=8)
    assert abs(total.z(float(np.sum(p[:, None] * W * F)))) < Z_MAX


# -- transient estimators ----------------------------------------------------------------------------------------

def test_transient_heat_entropy_production_and_entropy():
    m = ring()
    p0 = np.array([0.7, 0.3, 0.0])
    t = 0.8
    pt, Q, S = transient_numbers(m, p0, t)
    kw = dict(paths=8192, seed=9)
    q, dt, dur = mj.heat(m, t, p0, **kw)
    assert dur == t and abs(q.z(Q)) < Z_MAX
    s, _, _ = mj.entropy_production(m, t, {0: 0.7, 1: 0.3}, **kw)
    assert abs(s.z(S)) < Z_MAX
    h, _, _ = mj.entropy(m, None, t, p0, **kw)
    assert abs(h.z(shannon(pt))) < Z_MAX


def test_transient_mutual_information_of_the_sensor():
    m = sensor()
    p0 = np.array([0.4, 0.1, 0.1, 0.4])  # states in the model's order
    t = 0.6
    pt, _, _ = transient_numbers(m, p0, t)
    S = m.states
    px = np.array([sum(pt[i] for i in range(4) if S[i][0] == v) for v in (0, 1)])
    py = np.array([sum(pt[i] for i in range(4) if S[i][1] == v) for v in (0, 1)])
    mi = shannon(px) + shannon(py) - shannon(pt)
    e, _, _ = mj.mutual_information(m, "x", "y", t, p0, paths=8192, seed=10)
    assert abs(e.z(mi)) < Z_MAX
    heat_y = mj.heat(m, t, p0, None, "y", paths=8192, seed=10)[0]
    W, F = model_arrays(m)
    n = 4
    A = np.zeros((n + 1, n + 1))
    A[:n, :n] = generator(W)
    ymask = np.array([[S[i][1] != S[j][1] for j in range(n)] for i in range(n)])
    A[n, :n] = (W * F * ymask).sum(axis=1)
    assert abs(heat_y.z((sla.expm(A * t) @ np.r_[p0, 0.0])[n])) < Z_MAX


# -- bad input ---------------------------------------------------------------------------------------------------------

def test_bad_input_is_named():
    m = two_state()
    with pytest.raises(NotAModel):
        mj.entropy(tt.LinearSDE.from_matrices([[-1.0]], [1.0]), paths=64)
    with pytest.raises(ModelError, match="dt"):
        mj.entropy(m, paths=64, dt=0.1)
    with pytest.raises(ModelError, match="method"):
        mj.entropy(m, paths=64, method="euler")
    with pytest.raises(ModelError, match="initial"):
        mj.heat(m, 1.0, [0.5, 0.6], paths=64)
    with pytest.raises(ModelError, match="initial"):
        mj.heat(m, 1.0, "state 0", paths=64)
    with pytest.raises(UnknownState):
        mj.heat(m, 1.0, {7: 1.0}, paths=64)
    with pytest.raises(ModelError, match="t:"):
        mj.heat(m, -1.0, [1.0, 0.0], paths=64)
    with pytest.raises(ModelError, match="initial_mean"):
        mj.heat(m, 1.0, [1.0, 0.0], [0.0], paths=64)
    with pytest.raises(ModelError, match="duration"):
        mj.entropy(m, paths=64, duration=-1.0)
    with pytest.raises(ModelError, match="current"):
        mj.current_mean_rate(m, "J", paths=64)
    with pytest.raises(NotErgodic):
        mj.entropy(tt.MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0, (2, 3): 1.0, (3, 2): 1.0}), paths=64)
    one_way = tt.MarkovJumpProcess({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0})
    with pytest.raises(IrreversibleTransition):
        mj.entropy_production_rate(one_way, paths=64)
    joint = tt.MarkovJumpProcess({((0, 0), (1, 1)): 1.0, ((1, 1), (0, 0)): 1.0, ((0, 0), (1, 0)): 1.0,
                                  ((1, 0), (0, 0)): 1.0, ((1, 0), (1, 1)): 1.0, ((1, 1), (1, 0)): 1.0})
    with pytest.raises(NotBipartite):
        mj.information_flow(joint, "y", paths=64)
    with pytest.raises(ModelError, match="another subsystem"):
        mj.information_flow(sensor(), ["x", "y"], paths=64)
    with pytest.raises(ModelError, match="reservoir"):
        mj.heat_rate(m, reservoir="bath", paths=64)


@pytest.mark.parametrize("kwargs, match", [
    (dict(rates=[[0.0, 1.0], [1.0]]), "rates"),
    (dict(rates=np.ones((2, 3))), "square"),
    (dict(rates=[[0.0, -1.0], [1.0, 0.0]]), ">= 0"),
    (dict(rates=[[0.0, np.inf], [1.0, 0.0]]), "finite"),
    (dict(rates="W"), "rates"),
    (dict(duration=0.0), "duration"),
    (dict(duration=float("nan")), "duration"),
    (dict(paths=0), "paths"),
    (dict(paths=2.5), "paths"),
    (dict(seed=None), "seed"),
    (dict(seed=-1), "seed"),
    (dict(initial=5), "initial"),
    (dict(initial=[1.0, 1.0]), "initial"),
    (dict(windows=0), "windows"),
    (dict(keep=-1), "keep"),
    (dict(burn_in=-1.0), "burn_in"),
])
def test_simulator_bad_arguments(kwargs, match):
    args = dict(rates=[[0.0, 1.0], [1.0, 0.0]], duration=1.0, paths=8, seed=0)
    args.update(kwargs)
    rates = args.pop("rates")
    with pytest.raises(ModelError, match=match):
        gillespie(rates, **args)


def test_simulator_takes_a_numeric_model_only():
    import sympy as sp

    k = sp.Symbol("k", positive=True)
    m = tt.MarkovJumpProcess({(0, 1): k, (1, 0): 1})
    with pytest.raises(ModelError, match="free parameters"):
        gillespie(m, 1.0, 8)
    a = gillespie(m.numeric({k: 2.0}), 3.0, 64, seed=1)
    b = gillespie(m.numeric({k: 2.0}).rate_array(), 3.0, 64, seed=1)  # the model and its rate array: same paths
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.occupation, b.occupation)


def test_simulator_refuses_runs_too_large():
    with pytest.raises(tt.errors.TooLarge):
        gillespie([[0.0, 1e9], [1e9, 0.0]], 1e6, 10**5, seed=0)


def test_declared_entropy_flow_of_a_one_way_jump():
    """A one-way ring with a declared entropy flow per jump: the heat is defined, the entropy production is not."""
    k, f = 1.7, 0.8
    m = tt.MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k}, entropy_flow={(0, 1): f, (1, 2): f, (2, 0): f})
    e, _, _ = mj.heat_rate(m, paths=1024, seed=12)
    assert abs(e.z(3 * (k / 3) * f)) < Z_MAX  # three links, each crossed at rate k p = k / 3
    for fn, args in ((mj.entropy_production_rate, ()), (mj.entropy_production, (1.0, [1.0, 0.0, 0.0]))):
        with pytest.raises(IrreversibleTransition):
            fn(m, *args, paths=64)


# -- through tt.verify: the table's rows against the closed forms ---------------------------------------------------

def _symbolic_sensor():
    import sympy as sp

    a, b, c, d, e, f = sp.symbols("a b c d e f", positive=True)
    rates = {((0, 0), (1, 0)): a, ((1, 0), (0, 0)): b, ((0, 1), (1, 1)): a, ((1, 1), (0, 1)): b,
             ((0, 0), (0, 1)): c, ((0, 1), (0, 0)): d, ((1, 1), (1, 0)): e, ((1, 0), (1, 1)): f}
    values = {"a": 0.7, "b": 1.3, "c": 0.4, "d": 2.1, "e": 0.5, "f": 1.9}
    return tt.MarkovJumpProcess(rates), values


BOUNDS = {"heat_rate": lambda: tt.heat_rate.of("y"), "information_flow": lambda: tt.information_flow.of("y"),
          "entropy_production_rate": lambda: tt.entropy_production_rate.of(),
          "partial_entropy_production_rate": lambda: tt.entropy_production_rate.of(subsystem="y"),
          "efficiency": lambda: tt.efficiency.of("y"), "mutual_information": lambda: tt.mutual_information.of("x", "y"),
          "entropy": lambda: tt.entropy.of("y")}


@pytest.mark.parametrize("bound", list(BOUNDS.values()), ids=list(BOUNDS))
def test_verify_a_jump_model(bound):
    m, values = _symbolic_sensor()
    rec = tt.verify(m, bound(), values=values, seed=1)
    assert rec.passed and rec.stderr > 0 and rec.paths == mj.DEFAULT_PATHS["stationary"], rec


def test_verify_a_jump_model_transient_and_currents():
    m, values = _symbolic_sensor()
    p0 = {(0, 0): 0.5, (1, 1): 0.5}
    for bound in (tt.heat.of(t=0.7, initial=p0), tt.entropy_production.of(t=0.7, initial=p0)):
        rec = tt.verify(m, bound, values=values, seed=2)
        assert rec.passed and rec.paths == mj.DEFAULT_PATHS["transient"], rec
    flips = {((0, 0), (1, 0)): 1, ((1, 0), (0, 0)): 1, ((0, 1), (1, 1)): 1, ((1, 1), (0, 1)): 1}
    J = tt.JumpCurrent(flips)  # every jump of x counts 1: a current with a mean and a spread
    numeric = m.numeric(values)  # (the symbolic variance rate takes seconds to derive; its number does not)
    for q in (tt.current_mean_rate, tt.current_variance_rate):
        rec = tt.verify(numeric, q.of(J), seed=3)
        assert rec.passed and rec.theory > 0.1, rec
    # a wrong closed form fails: the check can fail
    wrong = tt.verify(m, tt.heat_rate.of("y"), values=values, seed=1,
                      theory=1.1 * tt.heat_rate.of("y").closed_form(numeric))
    assert not wrong.passed


def generic_flows(m, names):
    """Information flow into, heat rate and partial entropy production of the components ``names`` (by hand)."""
    W, F = model_arrays(m)
    p = null_space_p(W)
    S = m.states
    pos = [m.subsystems.index(s) for s in names]
    key = [tuple(s[c] for c in pos) for s in S]
    marg = {}
    for i, k in enumerate(key):
        marg[k] = marg.get(k, 0.0) + p[i]
    flow = heat = partial = 0.0
    for i in range(len(S)):
        for j in range(len(S)):
            if W[i, j] == 0 or key[i] == key[j]:
                continue
            f = p[i] * W[i, j]
            flow += f * (math.log(p[j] / marg[key[j]]) - math.log(p[i] / marg[key[i]]))
            heat += f * F[i, j]
            partial += f * (F[i, j] + math.log(p[i] / p[j]))
    return flow, heat, partial


def test_three_units_information_flow_into_a_unit_and_a_pair():
    """Three binary units, each flipping at rates that depend on the others (bipartite: one unit per jump)."""
    rng = np.random.default_rng(11)
    rates = {}
    for s in [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)]:
        for unit in range(3):
            t = list(s)
            t[unit] = 1 - t[unit]
            rates[(s, tuple(t))] = float(rng.uniform(0.3, 2.5))
    m = tt.MarkovJumpProcess(rates)
    assert m.subsystems == ("x1", "x2", "x3") and m.is_bipartite
    for names in (["x1"], ["x2", "x3"]):
        flow, heat, partial = generic_flows(m, names)
        spec = names[0] if len(names) == 1 else tuple(names)
        kw = dict(paths=2048, seed=13)
        assert abs(mj.information_flow(m, spec, **kw)[0].z(flow)) < Z_MAX
        assert abs(mj.heat_rate(m, spec, **kw)[0].z(heat)) < Z_MAX
        assert abs(mj.entropy_production_rate(m, spec, **kw)[0].z(partial)) < Z_MAX
    mi = mj.mutual_information(m, "x1", ("x2", "x3"), paths=2048, seed=14)[0]
    W = m.rate_array()
    p = null_space_p(W)
    S = m.states
    p1 = np.array([sum(p[i] for i in range(8) if S[i][0] == v) for v in (0, 1)])
    p23 = np.array([sum(p[i] for i in range(8) if S[i][1:] == v) for v in [(0, 0), (0, 1), (1, 0), (1, 1)]])
    assert abs(mi.z(shannon(p1) + shannon(p23) - shannon(p))) < Z_MAX


def test_the_checks_of_the_jump_rows_pass_through_verify():
    """What verify_all checks on a bipartite jump model: each row's instances, verified one by one."""
    from thermotheory.montecarlo.estimators import ESTIMATORS

    m, values = _symbolic_sensor()
    numeric = m.numeric(values)
    checks = sorted((order, name, args, kw) for (name, kind, regime), row in ESTIMATORS.items()
                    if kind == "jump" and regime == "stationary" and row.checks is not None
                    for order, args, kw in row.checks(numeric))
    names = {name for _, name, _, _ in checks}
    assert names == {"entropy", "mutual_information", "entropy_production_rate", "heat_rate", "information_flow",
                     "efficiency"}
    ref = sensor_numbers(numeric)
    dissipating = (ref["heat_x"] > 1e-12) + (ref["heat_y"] > 1e-12)  # the efficiency only where the heat flows out
    # entropies (state, x, y), I(x; y), sigma (total, x, y), heat rates, information flows, efficiencies
    assert len(checks) == 3 + 1 + 3 + 2 + 2 + dissipating
    for i, (_, name, args, kw) in enumerate(checks):
        rec = tt.verify(m, name, *args, values=values, paths=1024, seed=20 + i, **kw)
        assert rec.passed, rec
    plain = ring()  # plain states: the entropy and the total entropy production only
    assert sorted(name for (name, kind, regime), row in ESTIMATORS.items() if kind == "jump" and row.checks
                  for _ in row.checks(plain)) == ["entropy", "entropy_production_rate"]


@pytest.mark.slow
def test_a_grid_of_a_hundred_states_against_the_null_space():
    """A 10 x 10 bipartite grid with random driven rates: occupation, heat and information flow of each unit."""
    rng = np.random.default_rng(21)
    N = 10
    rates = {}
    for a in range(N):
        for b in range(N):
            if a + 1 < N:
                rates[((a, b), (a + 1, b))], rates[((a + 1, b), (a, b))] = rng.uniform(0.5, 2.0, 2)
            if b + 1 < N:
                rates[((a, b), (a, b + 1))], rates[((a, b + 1), (a, b))] = rng.uniform(0.5, 2.0, 2)
    m = tt.MarkovJumpProcess(rates)
    W = m.rate_array()
    p = null_space_p(W)
    rec = mj.stationary_run(m, paths=2048, seed=22)
    P = rec.occupation / rec.duration
    z = (P.mean(axis=0) - p) / (P.std(axis=0, ddof=1) / math.sqrt(rec.paths))
    assert np.abs(z).max() < Z_MAX + 1.0  # the largest of 100
    for unit in ("x", "y"):
        flow, heat, partial = generic_flows(m, [unit])
        kw = dict(paths=2048, seed=23)
        assert abs(mj.information_flow(m, unit, **kw)[0].z(flow)) < Z_MAX
        assert abs(mj.heat_rate(m, unit, **kw)[0].z(heat)) < Z_MAX
        assert abs(mj.entropy_production_rate(m, unit, **kw)[0].z(partial)) < Z_MAX


def test_verify_all_checks_every_stationary_row_of_a_symbolic_jump_model():
    """verify_all takes a jump model with values (it once accepted only LinearSDE/SDE) and checks its rows."""
    from thermotheory.models import receptor

    model = receptor.sensor()
    values = {p: 1.0 + 0.3 * i for i, p in enumerate(model.parameters)}
    table = tt.verify_all(model, values, paths=1000, seed=5)
    assert table.passed and len(table) >= 10
    shown = str(table)
    assert all(row in shown for row in ("information_flow(y)", "efficiency(y)", "mutual_information(x, y)"))


def test_heat_of_one_reservoir_beside_a_one_way_jump_of_another():
    """The heat rate of reservoir "hot" is defined (the closed form gives it) when a jump of "cold" has no reverse;
    the estimator once refused it (it asked for every transition's entropy flow)."""
    w = {(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.5, (2, 1): 0.5, (2, 0): 1.0}
    m = tt.MarkovJumpProcess(w, reservoirs={(0, 1): "hot", (1, 2): "hot", (2, 0): "cold"})
    L = np.zeros((3, 3))
    for (i, j), r in w.items():
        L[j, i] += r
        L[i, i] -= r
    p = sla.null_space(L)[:, 0]
    p /= p.sum()
    hot = sum((p[i] * w[(i, j)] - p[j] * w[(j, i)]) * math.log(w[(i, j)] / w[(j, i)])
              for i, j in [(0, 1), (1, 2)])
    assert tt.heat_rate(m, "hot") == pytest.approx(hot, rel=1e-10)
    estimate, _, _ = mj.heat_rate(m, reservoir="hot", paths=512, seed=3)
    assert abs(estimate.z(hot)) <= 4
    with pytest.raises(IrreversibleTransition):
        mj.heat_rate(m, reservoir="cold", paths=64, seed=3)


def test_an_entropy_rate_that_is_not_a_number_is_refused_by_name():
    """uncertainty_ratio(entropy_rate="abc") was a raw ValueError, and NaN was taken."""
    ring = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    for bad in ("abc", float("nan")):
        with pytest.raises(ModelError, match="entropy_rate"):
            mj.uncertainty_ratio(ring, tt.JumpCurrent({(0, 1): 1}), entropy_rate=bad, paths=64, seed=0)
