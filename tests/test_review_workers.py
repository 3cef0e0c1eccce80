"""Review of one check split across workers (issue #25): the cases the first tests left out.

Runs split by a runner that runs its ranges here, one after the other (what a worker does with
them), so that no process starts: paths that cross the simulator's chunks of blocks, a model of
more than four variables (chunks of 16 blocks), a Gillespie network large enough for blocks of 64
paths, a stationary jump run counted in two windows. Each split run must be the whole run bit for
bit, and each whole run must agree with an independent number (a Lyapunov solve, a Poisson
current). Also: a quantity's written form keeps the stability check of a model of undecided
stability, and ``rtol=`` within a budget that the pilots used up says so instead of naming
``rtol=inf`` as reachable.
"""

from __future__ import annotations

import functools
import importlib
import math
import random
import re
import types

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import ClosedForm
from thermotheory.errors import NotStable, TooLarge
from thermotheory.montecarlo import gillespie as G
from thermotheory.montecarlo.blocks import LagMoments, Moments
from thermotheory.montecarlo.jump import stationary_run
from thermotheory.montecarlo.simulate import observe, shared_blocks, simulate
from thermotheory.montecarlo.uncertainty import Estimate

V = importlib.import_module("thermotheory.verify")


class _Here:
    """A runner that runs the ranges here, one after the other, and counts the ranges it was given."""

    remote, cpu = False, 0.0

    def __init__(self, parts: int) -> None:
        self.parts = parts
        self.ranges: list = []

    def map(self, function, tasks):
        self.ranges.append([task[-1] for task in tasks])
        return [function(*task) for task in tasks]


@pytest.mark.parametrize("n, paths, parts", [(2, 4200, 3), (2, 4200, 7), (5, 2100, 3)])
def test_a_run_split_across_the_chunks_of_blocks_is_the_whole_run(n, paths, parts):
    # a chain x_0 -> x_1 -> ... (A lower bidiagonal, D = 1): 4200 paths are 66 blocks, two chunks of 32 and
    # one of 2 in the whole run, ranges that start inside a chunk when split; five variables: chunks of 16
    A = -np.eye(n) + np.eye(n, k=-1)
    m = tt.LinearSDE.from_matrices(A, np.ones(n))
    kw = dict(t_end=2.0, dt=0.05, paths=paths, seed=6, burn_in=5.0)
    factory = {"m": functools.partial(LagMoments, n, 2)}
    runner = _Here(parts)
    with shared_blocks(runner):
        split = observe(m, **kw, observers=factory)
    whole = simulate(m, **kw, record=False, observers=factory).observed
    n_blocks = -(-paths // 64)
    assert len(runner.ranges) == 1 and len(runner.ranges[0]) == parts  # it was split
    assert runner.ranges[0][0][0] == 0 and runner.ranges[0][-1][1] == n_blocks
    assert np.array_equal(split["m"], whole["m"])
    # independent: the stationary covariance solves A S + S A^T + 2 D = 0
    S = scipy.linalg.solve_continuous_lyapunov(A, -2 * np.eye(n))
    _, cov = Moments.from_blocks(whole["m"], n, 2).density()
    assert np.allclose(cov, S, atol=0.12 * S.max())


def _ring(n: int, forward: float = 2.0, backward: float = 1.0) -> tuple:
    """A ring of ``n`` states, the same rates everywhere: the net current of a path is a difference of Poisson
    counts, with mean (forward - backward) t and variance (forward + backward) t whatever the state."""
    src = np.concatenate([np.arange(n), np.arange(n)])
    dst = np.concatenate([(np.arange(n) + 1) % n, (np.arange(n) - 1) % n])
    w = np.concatenate([np.full(n, forward), np.full(n, backward)])
    return n, src, dst, w


def _net_current_z(counts: np.ndarray, src, dst, n, duration, forward=2.0, backward=1.0) -> float:
    sign = np.where(dst == (src + 1) % n, 1.0, -1.0)
    net = (counts.sum(axis=1) * sign).sum(axis=1)  # per path, all windows
    mean, var = (forward - backward) * duration, (forward + backward) * duration
    return (net.mean() - mean) / math.sqrt(var / net.size)


def test_ranges_of_a_large_network_in_blocks_of_64_give_the_whole_run():
    rates = _ring(2200)  # 4400 bins: blocks of 64 paths, ranges of whole blocks of 256
    n, src, dst, _ = rates
    assert G.JUMP_BLOCK * G.jump_tables(*rates).bins > G.MAX_CHUNK_BINS // 4
    kw = dict(duration=0.5, paths=700, seed=5, burn_in=0.1, occupation=False, windows=2)
    whole = G.gillespie(rates, **kw)
    parts = [G.gillespie(rates, **kw, path_range=rng) for rng in ((0, 256), (256, 512), (512, 700))]
    for name in ("counts", "start", "end"):
        assert np.array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(whole, name))
    assert sum(p.jumps for p in parts) == whole.jumps
    assert abs(_net_current_z(whole.counts, src, dst, n, 0.5)) <= 4


@pytest.mark.parametrize("parts", [2, 3])
def test_a_stationary_jump_run_in_two_windows_splits_to_the_whole_run(parts):
    n = 3
    m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    kw = dict(paths=1000, seed=3, duration=4.0, windows=2, occupation=False)
    runner = _Here(parts)
    with shared_blocks(runner):
        split = stationary_run(m, **kw)
    whole = stationary_run(m, **kw)
    assert [len(r) for r in runner.ranges] == [parts]
    for name in ("counts", "start", "end"):
        assert np.array_equal(getattr(split, name), getattr(whole, name))
    assert split.counts.shape[1] == 2
    src, dst = whole.src, whole.dst
    assert abs(_net_current_z(whole.counts, src, dst, n, 4.0)) <= 4


def test_the_written_form_of_an_undecided_model_keeps_its_stability_check():
    x, y = sp.symbols("x y", real=True)
    a, D = sp.symbols("a D", positive=True)
    k = sp.Symbol("k", real=True)  # the sign of the feedback decides stability: k < a
    m = tt.LinearSDE({x: -a * x + k * y, y: x - y}, {x: D, y: D})
    for call in (lambda **kw: tt.mutual_information(m, x, y, **kw), lambda **kw: tt.heat_rate(m, y, **kw)):
        written, raw = call(), call(raw=True)
        assert isinstance(written, ClosedForm) and written.hurwitz == raw.hurwitz and written.hurwitz
        rng = random.Random(2)
        for _ in range(3):  # stable points (k < a): the same number, to 30 digits
            point = {a: sp.Rational(rng.randint(500, 3000), 1000), D: sp.Rational(rng.randint(100, 3000), 1000)}
            point[k] = point[a] - sp.Rational(rng.randint(100, 4000), 1000)
            assert abs(complex(written.evaluate(point)) - complex(raw.evaluate(point))) <= 1e-25 * abs(
                complex(raw.evaluate(point)))
        unstable = {a: 1, D: 1, k: 3}  # det(A) = a - k < 0: a saddle
        for form in (written, raw):
            with pytest.raises(NotStable):
                form.evaluate(unstable)


class _FakeRow:
    """An estimator row of the rate family on a fake clock: each run costs fixed + per_path x paths x time."""

    def __init__(self, fixed: float, per_path: float) -> None:
        self.fixed, self.per_path, self.now = fixed, per_path, 0.0

    def clock(self) -> float:
        return self.now

    def measure(self, numeric, bound, run):
        self.now += self.fixed + self.per_path * run.paths * (run.duration + 10.0)
        return Estimate(1.0, 1.0 / math.sqrt(run.paths * run.duration), run.paths, run.paths // 64 - 1), 0.01, \
            run.duration

    def install(self, monkeypatch) -> None:
        row = types.SimpleNamespace(sizing="rate", paths=2048, measure=self.measure)
        monkeypatch.setattr(V, "_clock", self.clock)
        monkeypatch.setattr(V, "estimator_for", lambda q, kind, regime: row)


def _check(**settings):
    v, r = sp.symbols("v r", real=True)
    return V.verify(tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), tt.heat_rate, r, seed=1, **settings)


def test_rtol_within_a_budget_the_pilots_used_up_says_so(monkeypatch):
    # each pilot costs 0.2 s of a budget of 0.1 s: nothing is left for the run, so no rtol is reachable in it
    _FakeRow(fixed=0.2, per_path=1e-7).install(monkeypatch)
    with pytest.raises(TooLarge) as err:
        _check(rtol=0.1, budget=0.1)
    message = str(err.value)
    assert "inf" not in message and "pilot runs" in message and "larger budget=" in message


def test_rtol_refused_within_a_budget_names_one_that_is_reached(monkeypatch):
    _FakeRow(fixed=0.001, per_path=2e-6).install(monkeypatch)
    with pytest.raises(TooLarge) as err:
        _check(rtol=1e-4, budget=1.0)
    reach = float(re.search(r"about rtol=([0-9.e+-]+) is reachable", str(err.value)).group(1))
    assert 1e-4 < reach < 1
    _FakeRow(fixed=0.001, per_path=2e-6).install(monkeypatch)  # the rtol named: sized, not refused
    rec = _check(rtol=1.5 * reach, budget=1.0)
    assert rec.rtol == pytest.approx(1.5 * reach) and rec.spent <= 1.0


def test_a_time_given_as_text_is_refused_by_name():
    # the fuzz found entropy_production(model, "1", ...) a raw TypeError: the feedback pumping term multiplied "1"
    import numpy as np

    import thermotheory as tt
    from thermotheory.errors import ModelError

    m = tt.LinearSDE.from_matrices(-np.eye(2), np.eye(2), variables=["z0", "z1"])
    for bad in ("1", True):
        for q in (tt.entropy_production, tt.heat):
            with pytest.raises(ModelError, match="t: expected a time"):
                q(m, bad, 0.5 * np.eye(2))
    assert tt.entropy_production(m, 1, 0.5 * np.eye(2)) == pytest.approx(tt.entropy_production(m, 1.0, 0.5 * np.eye(2)))
