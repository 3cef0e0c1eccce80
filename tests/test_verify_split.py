"""One check's Monte Carlo shared out: ``verify(..., workers=N)`` and ``scheduler=`` split the paths of the run.

The paths of a run are simulated in blocks of 64, each with its own generator, so a run split
into contiguous ranges of blocks (``simulate(..., blocks=(b0, b1))``), simulated in worker
processes and put back together gives the same numbers as one run here: the records must be the
same bit for bit for 1, 2 and 3 workers and on a Dask cluster. Checks whose estimator does not
run through :func:`~thermotheory.montecarlo.simulate.observe` (transient, nonlinear, ...) run in
one process, with the same record, and a check inside a worker process never splits again.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory import workers as W
from thermotheory.errors import InvalidWorkers, ModelError
from thermotheory.montecarlo.blocks import LagMoments
from thermotheory.montecarlo.gillespie import gillespie
from thermotheory.montecarlo.simulate import block_ranges, observe, shared_blocks, simulate
from .conftest import FREE_PORT

v, r = sp.symbols("v r", real=True)
PATHS = 300  # five blocks of 64 paths, the last one padded
needs_two_cpus = pytest.mark.skipif(W.cpu_count() < 2, reason="one CPU: nothing to share out")


def _model():
    return tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})


def _fields(records):
    """Every field of every record, floats as their exact hex (bit for bit)."""
    return [tuple(x.hex() if isinstance(x, float) else x for x in dataclasses.astuple(rec)) for rec in records]


class _Spy:
    """Counts the ranges that Splitter.map hands to its workers, and the Splitters made."""

    def __init__(self, monkeypatch):
        self.ranges, self.made = [], 0
        original_map, original_init = W.Splitter.map, W.Splitter.__init__
        spy = self

        def map_(self, function, tasks):
            spy.ranges.append([task[-1] for task in tasks])
            return original_map(self, function, tasks)

        def init(self, *args, **kwargs):
            spy.made += 1
            original_init(self, *args, **kwargs)

        monkeypatch.setattr(W.Splitter, "map", map_)
        monkeypatch.setattr(W.Splitter, "__init__", init)


@pytest.fixture(scope="module")
def pools():
    """Pools of two and three worker processes that the tests share (each start imports thermotheory)."""
    with W.Pool(2) as two, W.Pool(3) as three:
        yield {2: two, 3: three}


CHECKS = [
    pytest.param(tt.heat_rate, (r,), {}, id="rate"),
    pytest.param(tt.mutual_information, (v, r), {}, id="static"),
    pytest.param(tt.transfer_entropy_rate, (v, r), {}, id="regression"),
    pytest.param(tt.entropy_production_rate, (), {"subsystem": r}, id="partial-entropy-production"),
]


@needs_two_cpus
@pytest.mark.parametrize("quantity, args, options", CHECKS)
def test_one_check_gives_the_same_record_with_one_two_and_three_workers(quantity, args, options, pools,
                                                                        monkeypatch):
    serial = tt.verify(_model(), quantity, *args, paths=PATHS, seed=7, **options)
    spy = _Spy(monkeypatch)
    split = {n: tt.verify(_model(), quantity, *args, paths=PATHS, seed=7, workers=pools[n], **options)
             for n in (2, 3)}
    one = tt.verify(_model(), quantity, *args, paths=PATHS, seed=7, workers=1, **options)
    for rec in (split[2], split[3], one):
        assert _fields([rec]) == _fields([serial]) and rec == serial
    # the main run was split into 2 and 3 ranges of the 5 blocks (the regression's pilot of 512 paths too)
    main = [ranges for ranges in spy.ranges if ranges[-1][1] == 5]
    assert main == [[(0, 2), (2, 5)], [(0, 2), (2, 3), (3, 5)]]
    assert serial.passed  # |z| <= 4 against the closed form


@needs_two_cpus
def test_workers_as_a_number_starts_and_ends_its_own_processes(monkeypatch):
    serial = tt.verify(_model(), tt.heat_rate, r, paths=PATHS, seed=2)
    started = []
    original = W.Pool._start

    def start(self):
        original(self)
        started.append(list(self._procs))

    monkeypatch.setattr(W.Pool, "_start", start)
    rec = tt.verify(_model(), tt.heat_rate, r, paths=PATHS, seed=2, workers=2)
    assert _fields([rec]) == _fields([serial])
    assert len(started) == 1 and len(started[0]) == 2
    assert all(p.poll() is not None for p in started[0])  # ended with the check


def test_ranges_of_blocks_give_the_whole_run_bit_for_bit():
    m = _model()
    kw = dict(t_end=1.0, dt=0.05, paths=PATHS, seed=4, burn_in=0.5)
    whole = simulate(m, **kw, observers={"m": functools.partial(LagMoments, 2, 2)})
    parts = [simulate(m, **kw, blocks=rng, observers={"m": functools.partial(LagMoments, 2, 2)})
             for rng in block_ranges(5, 3)]
    assert np.array_equal(np.concatenate([p.states for p in parts], axis=1), whole.states)
    assert np.array_equal(np.concatenate([p.observed["m"] for p in parts]), whole.observed["m"])
    assert [p.paths for p in parts] == [128, 64, PATHS - 192]  # the padding of the last block is dropped
    # an independent check of the numbers: the stationary variance of v (A = -1, D = 1) is 1
    assert abs(whole.states[-1, :, 0].var() - 1) < 0.3
    # a nonlinear SDE (its own kernel) and a step-wise observer split the same way
    x = sp.Symbol("x", real=True)
    sde = tt.SDE({x: -x - x**3}, {x: 1})
    whole = simulate(sde, t_end=0.5, dt=0.05, paths=130, seed=1, method="euler")
    parts = [simulate(sde, t_end=0.5, dt=0.05, paths=130, seed=1, method="euler", blocks=rng)
             for rng in ((0, 1), (1, 3))]
    assert np.array_equal(np.concatenate([p.states for p in parts], axis=1), whole.states)


class _Here:
    """A runner that runs the ranges here, one after the other (what a worker would do)."""

    parts, remote, cpu = 4, False, 0.0

    def __init__(self):
        self.calls = 0

    def map(self, function, tasks):
        self.calls += 1
        return [function(*task) for task in tasks]


def test_observers_that_do_not_pickle_stay_in_this_process():
    m = _model()
    kw = dict(t_end=1.0, dt=0.05, paths=PATHS, seed=3)
    runner = _Here()
    with shared_blocks(runner):
        split = observe(m, **kw, observers={"m": functools.partial(LagMoments, 2, 1)})
        here = observe(m, **kw, observers={"m": lambda: LagMoments(2, 1)})  # a lambda: no other process takes it
        single = observe(m, **{**kw, "paths": 64}, observers={"m": functools.partial(LagMoments, 2, 1)})
    assert runner.calls == 1  # only the first was handed to the runner
    whole = simulate(m, **kw, record=False, observers={"m": functools.partial(LagMoments, 2, 1)}).observed["m"]
    assert np.array_equal(split["m"], whole) and np.array_equal(here["m"], whole)
    assert single["m"].shape[0] == 1 and runner.cpu >= 0


@needs_two_cpus
def test_checks_that_do_not_split_run_in_one_process_with_the_same_record(pools, monkeypatch):
    m = _model()
    transient = dict(t=1.0, initial={v: 2.0, r: 0.5}, paths=256, seed=1)
    serial = tt.verify(m, tt.heat, **transient)
    spy = _Spy(monkeypatch)
    assert _fields([tt.verify(m, tt.heat, **transient, workers=pools[2])]) == _fields([serial])
    assert spy.made == 0  # transient: no splitter at all
    # a nonlinear SDE: its estimator simulates step by step, in this process
    x = sp.Symbol("x", real=True)
    sde = tt.SDE({x: -x - x**3}, {x: 1})
    nonlinear = tt.verify(sde, tt.entropy, x, paths=128, seed=2, workers=pools[2])
    assert _fields([nonlinear]) == _fields([tt.verify(sde, tt.entropy, x, paths=128, seed=2)])
    assert spy.made == 0 and spy.ranges == []
    # inside a worker process a check never splits again (verify_all shares out whole checks)
    monkeypatch.setattr(W, "IN_WORKER", True)
    assert _fields([tt.verify(m, tt.heat_rate, r, paths=PATHS, seed=1, workers=pools[2])]) == \
        _fields([tt.verify(m, tt.heat_rate, r, paths=PATHS, seed=1)])
    assert spy.made == 0


def _check_in_a_worker(seed: int):
    """What a worker of verify_all runs, with workers= given: a Splitter made there would fail the test."""
    original = W.Splitter.__init__

    def refuse(self, *args, **kwargs):
        raise AssertionError("a check split its blocks inside a worker process")

    W.Splitter.__init__ = refuse
    try:
        return tt.verify(_model(), tt.heat_rate, r, paths=PATHS, seed=seed, workers=2), W.IN_WORKER
    finally:
        W.Splitter.__init__ = original


@needs_two_cpus
def test_a_check_in_a_worker_process_does_not_split_twice(pools):
    rec, in_worker = pools[2].map(_check_in_a_worker, [(5,)])[0]
    assert in_worker is True
    assert _fields([rec]) == _fields([tt.verify(_model(), tt.heat_rate, r, paths=PATHS, seed=5)])


@needs_two_cpus
def test_a_budget_with_workers_counts_their_cpu(pools):
    rec = tt.verify(_model(), tt.heat_rate, r, budget=0.5, seed=1, workers=pools[2])
    assert rec.planned is not None and rec.spent is not None and rec.spent > 0
    assert rec.paths % 64 == 0 and abs(rec.z) <= 4  # sized by the pilots here, checked against the closed form


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_dask_cluster_splits_one_check_with_the_same_record(monkeypatch):
    distributed = pytest.importorskip("distributed")
    m = _model()
    serial = tt.verify(m, tt.mutual_information, v, r, paths=PATHS, seed=9)
    transient = dict(t=1.0, initial={v: 2.0, r: 0.5}, paths=128, seed=1)
    spy = _Spy(monkeypatch)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None,
                                  scheduler_kwargs=FREE_PORT) as cluster:
        rec = tt.verify(m, tt.mutual_information, v, r, paths=PATHS, seed=9, scheduler=cluster.scheduler_address)
        whole = tt.verify(m, tt.heat, **transient, scheduler=cluster.scheduler_address)  # runs on one worker
    assert _fields([rec]) == _fields([serial])
    assert spy.ranges == [[(0, 2), (2, 5)]]
    assert _fields([whole]) == _fields([tt.verify(m, tt.heat, **transient)])


@pytest.mark.parametrize("workers", [0, -2, 1.5, True, "3", [2]])
def test_bad_workers_are_refused_with_a_named_error(workers, monkeypatch):
    spy = _Spy(monkeypatch)
    with pytest.raises(InvalidWorkers, match="workers: expected a positive whole number"):
        tt.verify(_model(), tt.heat_rate, r, paths=PATHS, workers=workers)
    assert spy.made == 0
    with pytest.raises(InvalidWorkers, match="not both"):
        tt.verify(_model(), tt.heat_rate, r, paths=PATHS, workers=2, scheduler="tcp://127.0.0.1:1")


@pytest.mark.parametrize("blocks", [(0, 0), (3, 2), (0, 6), (-1, 2), (0.5, 2), "0:2", (True, 2), (1,), None])
def test_simulate_refuses_a_range_of_blocks_outside_the_run(blocks):
    kw = dict(t_end=0.5, dt=0.05, paths=PATHS, seed=0, record=False)
    if blocks is None:
        assert simulate(_model(), **kw, blocks=blocks).states.shape[1] == PATHS
        return
    with pytest.raises(ModelError, match=r"blocks: expected a range \(b0, b1\)"):
        simulate(_model(), **kw, blocks=blocks)


# -- the jump kind: a stationary Gillespie run split into ranges of whole blocks of 256 paths ----------------------

def _sensor():
    """A 4-state bipartite sensor (x: signal, y: sensor) whose signal's rates depend on the sensor."""
    rates = {((0, 0), (1, 0)): 1.3, ((1, 0), (0, 0)): 0.6, ((0, 1), (1, 1)): 0.4, ((1, 1), (0, 1)): 2.1,
             ((0, 0), (0, 1)): 2.0, ((0, 1), (0, 0)): 0.5, ((1, 1), (1, 0)): 1.5, ((1, 0), (1, 1)): 0.4}
    return tt.MarkovJumpProcess(rates)


@needs_two_cpus
@pytest.mark.parametrize("quantity, options", [(tt.heat_rate, {"subsystem": "x"}),
                                               (tt.entropy_production_rate, {}), (tt.entropy, {})])
def test_a_jump_check_gives_the_same_record_with_one_two_and_three_workers(quantity, options, pools, monkeypatch):
    m = _sensor()
    serial = tt.verify(m, quantity, paths=1000, seed=4, **options)
    spy = _Spy(monkeypatch)
    for n in (2, 3):
        assert _fields([tt.verify(m, quantity, paths=1000, seed=4, workers=pools[n], **options)]) == _fields([serial])
    assert spy.ranges == [[(0, 512), (512, 1000)], [(0, 256), (256, 768), (768, 1000)]]  # four blocks of 256
    assert serial.passed


def test_ranges_of_a_gillespie_run_give_the_whole_run():
    W_ = np.array([[0.0, 2.0, 0.5], [1.0, 0.0, 1.5], [0.3, 0.7, 0.0]])
    kw = dict(duration=20.0, paths=700, seed=5, burn_in=2.0, windows=2)
    whole = gillespie(W_, **kw)
    parts = [gillespie(W_, **kw, path_range=rng) for rng in ((0, 256), (256, 512), (512, 700))]
    for name in ("counts", "occupation", "start", "end"):
        assert np.array_equal(np.concatenate([getattr(p, name) for p in parts]), getattr(whole, name))
    assert sum(p.jumps for p in parts) == whole.jumps
    # an independent number: the time in each state over all paths is the stationary law of W (its null space)
    G = W_ - np.diag(W_.sum(axis=1))
    p = np.linalg.svd(G.T)[2][-1]
    p /= p.sum()
    assert np.allclose(whole.occupation.sum(axis=0) / (700 * 20.0), p, atol=0.02)
    for bad in ((0, 100), (100, 256), (0, 701), (256, 256), "0:256", (0.0, 256)):
        with pytest.raises(ModelError, match="path_range: expected"):
            gillespie(W_, **kw, path_range=bad)
    with pytest.raises(ModelError, match="keep"):
        gillespie(W_, **kw, keep=3, path_range=(0, 256))
