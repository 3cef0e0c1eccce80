"""The fast Gillespie paths (issue 26, speed): the ``key + u`` picker, tail tiles, block seeding.

Every Monte Carlo estimate is compared with an independent computation done here (a matrix
exponential, a hand formula for two states, the generator's null space) with |z| <= 4, the
standard error taken from the independent paths.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla

from thermotheory.montecarlo.gillespie import SUM_ENTRIES, _edge_lists, gillespie, jump_tables

Z_MAX = 4.0


def _z(samples: np.ndarray, expected: float) -> float:
    return float((samples.mean() - expected) / (samples.std(ddof=1) / math.sqrt(samples.size)))


def _generator(W: np.ndarray) -> np.ndarray:
    """``dp/dt = L p`` for the rates ``W[i, j]`` of ``i -> j``."""
    W = np.array(W, float)
    np.fill_diagonal(W, 0.0)
    return W.T - np.diag(W.sum(axis=1))


def _transient(W: np.ndarray, p0: np.ndarray, t: float, steps: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """``p(t)`` by expm and ``int_0^t p(s) ds`` by the augmented matrix exponential."""
    L = _generator(W)
    n = L.shape[0]
    A = np.zeros((2 * n, 2 * n))
    A[:n, :n] = L
    A[n:, :n] = np.eye(n)
    v = sla.expm(A * t) @ np.concatenate([p0, np.zeros(n)])
    return v[:n], v[n:]


def test_two_state_jumps_occupation_and_end_state_against_hand_formulas():
    """0 -> 1 at a, 1 -> 0 at b from state 0: int_0^t p_0 = b t / s + a (1 - e^{-s t}) / s^2, s = a + b; the jumps
    0 -> 1 have mean a int p_0, the end state is 1 with probability a (1 - e^{-s t}) / s."""
    a, b, t = 1.7, 0.6, 3.0
    s = a + b
    occ0 = b * t / s + a * (1 - math.exp(-s * t)) / s**2
    p1 = a * (1 - math.exp(-s * t)) / s
    rec = gillespie(np.array([[0.0, a], [b, 0.0]]), t, 6000, seed=21)
    assert jump_tables(*_edge_lists(np.array([[0.0, a], [b, 0.0]]))).picker == "sum"
    assert abs(_z(rec.occupation[:, 0], occ0)) < Z_MAX
    up = rec.counts[:, 0, list(zip(rec.src, rec.dst)).index((0, 1))]
    assert abs(_z(up.astype(float), a * occ0)) < Z_MAX
    assert abs(_z((rec.end == 1).astype(float), p1)) < Z_MAX
    assert np.allclose(rec.occupation.sum(axis=1), t)
    # the jumps alternate: 0 -> 1 exceeds 1 -> 0 by one exactly when the path ends in 1
    down = rec.counts[:, 0, list(zip(rec.src, rec.dst)).index((1, 0))]
    assert np.array_equal(up - down, (rec.end == 1).astype(int))


@pytest.mark.parametrize("seed", [0, 1])
def test_degree_two_network_with_a_one_way_state_and_a_rare_jump_against_expm(seed):
    """Out-degrees 2, 1 and 2 (one probability 1e-3): occupations, end states and jump counts against expm."""
    W = np.array([[0.0, 2.0, 0.5, 0.0],
                  [0.0, 0.0, 3.0, 0.0],
                  [1.0, 0.0, 0.0, 1e-3 / (1 - 1e-3)],  # 2 -> 3: probability 1e-3 among 2's jumps
                  [0.0, 0.0, 0.7, 0.0]])
    assert jump_tables(*_edge_lists(W)).picker == "sum"
    t = 2.5
    p0 = np.array([0.5, 0.2, 0.3, 0.0])
    pt, occ = _transient(W, p0, t)
    rec = gillespie(W, t, 8000, seed=seed, initial=p0)
    for i in range(4):
        if pt[i] > 0.05:  # the rare state's mean has too few nonzero samples for a Gaussian z (tested below)
            assert abs(_z((rec.end == i).astype(float), pt[i])) < Z_MAX
        if occ[i] > 0.05:
            assert abs(_z(rec.occupation[:, i], occ[i])) < Z_MAX
    for e, (i, j) in enumerate(zip(rec.src, rec.dst)):
        if W[i, j] * occ[i] > 0.05:
            assert abs(_z(rec.counts[:, 0, e].astype(float), W[i, j] * occ[i])) < Z_MAX
    # the rare jump: its count against a Poisson mean (pooled over paths)
    e = list(zip(rec.src, rec.dst)).index((2, 3))
    mean = W[2, 3] * occ[2] * rec.paths
    assert abs(rec.counts[:, 0, e].sum() - mean) < Z_MAX * math.sqrt(mean) + 1


def test_split_of_every_state_against_its_rates():
    """Jumps out of each state of a random degree-2 ring split as the rates say (binomial z per state)."""
    rng = np.random.default_rng(3)
    n = 7
    W = np.zeros((n, n))
    for i in range(n):
        W[i, (i + 1) % n] = rng.uniform(0.1, 3.0)
        W[i, (i - 1) % n] = rng.uniform(0.1, 3.0)
    rec = gillespie(W, 30.0, 512, seed=4, burn_in=3.0)
    tot = rec.totals().sum(axis=0)
    for i in range(n):
        fwd = list(zip(rec.src, rec.dst)).index((i, (i + 1) % n))
        bwd = list(zip(rec.src, rec.dst)).index((i, (i - 1) % n))
        k, m = tot[fwd], tot[fwd] + tot[bwd]
        q = W[i, (i + 1) % n] / (W[i, (i + 1) % n] + W[i, (i - 1) % n])
        assert abs(k - m * q) < Z_MAX * math.sqrt(m * q * (1 - q))


def test_key_plus_uniform_stays_in_the_state_and_splits_at_the_probability():
    """For every state of a network at the SUM_ENTRIES limit, int(key + u) is the state's slot 0 or 1, for u at
    0, just below 1 and around the first transition's probability c (including c below 2**-40 and c = 1)."""
    n = (SUM_ENTRIES - 2) // 2
    rng = np.random.default_rng(5)
    src = np.concatenate([np.arange(n), np.arange(n - 1)])
    dst = np.concatenate([(np.arange(n) + 1) % n, np.arange(1, n) - 1])
    dst[n:] = np.where(dst[n:] == src[n:], (src[n:] + 2) % n, dst[n:])
    w = rng.uniform(0.01, 5.0, src.size)
    w[5] = 1e-14 * w[n + 5]  # a first transition of probability ~1e-14 (clamped at 2**-40)
    tb = jump_tables(n, src, dst, w)
    assert tb.picker == "sum" and tb.bins == 2 * n
    entries = np.arange(tb.table.size)
    t = tb.carry_state
    probs = {}
    for s_, d_, r in zip(src, dst, w):
        probs.setdefault(s_, []).append((d_, r))
    below_one = np.nextafter(1.0, 0.0)
    for e in entries:
        key = tb.table[e]
        state = t[e]
        outs = sorted(probs[state])
        c = outs[0][1] / sum(r for _, r in outs) if len(outs) == 2 else 1.0
        for u in (0.0, below_one, max(c - 1e-9, 0.0), min(c + 1e-9, below_one)):
            slot = int(key + u)
            assert slot in (2 * state, 2 * state + 1)
            if len(outs) == 2 and 1e-9 < c < 1 - 1e-9:
                assert slot == 2 * state + int(u >= c)
            assert tb.carry_state[slot] == outs[min(slot - 2 * state, len(outs) - 1)][0]
    too_big = 2 * (SUM_ENTRIES // 2)
    ring = np.arange(too_big)
    assert jump_tables(too_big, ring, (ring + 1) % too_big, np.ones(too_big)).picker == "scan"


@pytest.mark.parametrize("W", [
    np.array([[0.0, 1.3], [0.4, 0.0]]),  # sum picker
    np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.5], [3.0, 0.0, 0.0, 0.0]]),  # degree 1
    np.array([[0.0, 1.0, 2.0, 0.5], [1.0, 0.0, 0.3, 0.0], [0.2, 0.1, 0.0, 0.0], [0.4, 0.0, 0.0, 0.0]]),  # scan
    np.ones((6, 6)) * 0.7,  # alias
])
def test_records_bit_identical_at_odd_chunk_sizes(W):
    kw = dict(seed=8, burn_in=0.7, windows=2, keep=5, initial=np.full(W.shape[0], 1.0 / W.shape[0]))
    a = gillespie(W, 9.0, 333, **kw)
    for chunk in (1, 65, 193, 10**6):
        b = gillespie(W, 9.0, 333, chunk_paths=chunk, **kw)
        for name in ("counts", "occupation", "start", "end"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), (chunk, name)
        assert a.jumps == b.jumps
        for (ta, sa), (tb, sb) in zip(a.trajectories, b.trajectories):
            assert np.array_equal(ta, tb) and np.array_equal(sa, sb)


def test_the_first_paths_do_not_depend_on_how_many_are_run():
    """Block b is seeded by its own words: 64 and 300 paths share their first 64."""
    W = np.array([[0.0, 2.0, 0.0, 1.0], [1.0, 0.0, 3.0, 0.0], [0.0, 1.0, 0.0, 2.0], [2.0, 0.0, 1.0, 0.0]])
    a = gillespie(W, 5.0, 64, seed=3)
    b = gillespie(W, 5.0, 300, seed=3)
    assert np.array_equal(a.counts, b.counts[:64]) and np.array_equal(a.occupation, b.occupation[:64])
    assert not np.array_equal(b.counts[:64], b.counts[64:128])


@pytest.mark.parametrize("duration", [0.05, 60.0])
def test_tail_tiles_short_and_long_runs_against_the_stationary_state(duration):
    """A slow state (exit rate 0.05) beside fast ones: the long-tile schedule, built on the least exit rate, is
    all tail tiles for a short run and long tiles for a long one; occupations from the stationary start against
    the null space."""
    W = np.array([[0.0, 4.0, 0.05], [3.0, 0.0, 2.0], [0.0, 0.05, 0.0]])
    L = _generator(W)
    p = sla.null_space(L)[:, 0]
    p /= p.sum()
    rec = gillespie(W, duration, 3000, seed=11, initial=p)
    for i in range(3):
        assert abs(_z(rec.occupation[:, i] / duration, p[i])) < Z_MAX
    assert rec.jumps >= rec.counts.sum()
    fast = np.array([[0.0, 4.0], [3.0, 0.0]])  # least exit rate 3: many long tiles before the tail
    rec = gillespie(fast, duration, 256, seed=2, initial=[3 / 7, 4 / 7])
    assert abs(_z(rec.occupation[:, 0] / duration, 3 / 7)) < Z_MAX
    assert rec.jumps <= 1.25 * rec.counts.sum() + 64 * 16 * 4


def test_absorbing_states_with_the_sum_picker():
    """0 -> 1 (rate 2) or 0 -> 2 (rate 1), both absorbing: P(end = 1) = 2/3 (1 - e^{-3t}), time in 0 (1 - e^{-3t})/3."""
    W = np.array([[0.0, 2.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert jump_tables(*_edge_lists(W)).picker == "sum"
    t = 0.4
    rec = gillespie(W, t, 5000, seed=6)
    f = 1 - math.exp(-3 * t)
    assert abs(_z((rec.end == 1).astype(float), 2 / 3 * f)) < Z_MAX
    assert abs(_z(rec.occupation[:, 0], f / 3)) < Z_MAX
    assert rec.counts.sum(axis=(1, 2)).max() <= 1 and np.all(np.isfinite(rec.occupation))


def test_windows_with_an_absorbing_state():
    """0 -> 1 at rate k, 1 absorbing, [0, t] in two windows: the jump falls in the first with probability
    1 - e^{-k t/2}, in the second with e^{-k t/2} - e^{-k t} (a jump at inf, once absorbed, used to fail the cast)."""
    k, t = 0.8, 3.0
    rec = gillespie(np.array([[0.0, k], [0.0, 0.0]]), t, 4000, seed=9, windows=2)
    first, second = rec.counts[:, 0, 0].astype(float), rec.counts[:, 1, 0].astype(float)
    assert abs(_z(first, 1 - math.exp(-k * t / 2))) < Z_MAX
    assert abs(_z(second, math.exp(-k * t / 2) - math.exp(-k * t))) < Z_MAX
    assert np.all(first + second <= 1)


def test_a_network_without_transitions():
    """No rate at all: every path stays where it starts, counts nothing, and spends the whole window there."""
    rec = gillespie(np.zeros((3, 3)), 2.0, 10, seed=0, burn_in=0.5, windows=2, keep=2, initial=[0.2, 0.3, 0.5])
    assert rec.counts.size == 0 and np.array_equal(rec.start, rec.end)
    assert np.allclose(rec.occupation[np.arange(10), rec.start], 2.0) and np.allclose(rec.occupation.sum(axis=1), 2.0)
    assert all(times.size == 0 for times, _ in rec.trajectories)
