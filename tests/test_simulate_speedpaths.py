"""simulate's fast paths for large records: the records in base pages, their pages mapped ahead by the drawing
thread, and the choice of that thread from the load of the other processes. The records are the same numbers
on every path (default, one thread, two threads; first and later calls) and those of a plain numpy recursion."""

import math
import os
import sys
import threading
import time

import numpy as np
import pytest
import scipy.linalg as sla

import thermotheory as tt
from thermotheory.montecarlo import simulate as sim
from thermotheory.montecarlo.simulate import BLOCK, TILE

SENSOR = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [15.0, -5.0]]), [1.0, 2.5])  # the README sensor
OSCILLATOR = tt.LinearSDE.from_matrices(np.array([[-0.2, 1.0], [-1.0, -0.3]]), [0.5, 0.5])
STARTED = time.monotonic()
LINUX = sys.platform.startswith("linux")


def big(model=SENSOR, **kw):
    """A run whose records (21 x 20,000 x 2 float64, 6.7 MB) are above BASE_PAGES_FROM."""
    base = dict(t_end=0.2, dt=0.01, paths=20_000, seed=5)
    base.update(kw)
    return tt.simulate(model, **base)


def plain_recursion(model, t_end, dt, paths, seed):
    """The exact scheme z' = F z + c + G xi in plain numpy, with each block's normals drawn as simulate draws them."""
    A, b, D = model.arrays()
    n, steps = A.shape[0], int(round(t_end / dt))
    F = sla.expm(A * dt)
    c = np.linalg.solve(A, (F - np.eye(n)) @ b)
    S = sla.solve_continuous_lyapunov(A, -2 * D)  # stationary covariance; the noise of a step is S - F S F^T
    G = np.linalg.cholesky(S - F @ S @ F.T)
    blocks = -(-paths // BLOCK)
    out = np.empty((steps + 1, blocks * BLOCK, n))
    z = np.broadcast_to(np.linalg.solve(A, -b), (blocks * BLOCK, n)).copy()
    out[0] = z
    xi = np.empty((blocks, n, steps, BLOCK))
    for j, seq in enumerate(np.random.SeedSequence(seed).spawn(blocks)):
        rng = np.random.Generator(np.random.SFC64(seq))
        for k in range(0, steps, TILE):
            tile = np.empty((n, TILE, BLOCK))
            rng.standard_normal(out=tile)
            xi[j, :, k:k + TILE] = tile[:, :min(TILE, steps - k)]
    for k in range(steps):
        noise = xi[:, :, k, :].transpose(0, 2, 1).reshape(-1, n)
        z = z @ F.T + c + noise @ G.T
        out[k + 1] = z
    return out[:, :paths]


@pytest.mark.parametrize("model", [SENSOR, OSCILLATOR], ids=["sensor", "oscillator"])
def test_large_records_are_those_of_a_plain_recursion(model):
    tr = big(model, t_end=0.7, paths=3000, threads=2, chunk_paths=8 * BLOCK)  # 71 x 3000 x 2: 3.4 MB, and 6 chunks
    rec = big(model, t_end=0.7, paths=6000, threads=2, chunk_paths=8 * BLOCK)  # 6.8 MB: base pages, mapped ahead
    assert rec.states.nbytes >= sim.BASE_PAGES_FROM > tr.states.nbytes
    want = plain_recursion(model, 0.7, 0.01, 6000, 5)
    np.testing.assert_allclose(rec.states, want, rtol=1e-9, atol=1e-9)
    # each block has its own generator: the first 3000 paths are the same numbers in both runs
    np.testing.assert_array_equal(rec.states[:, :3000], tr.states)


def test_records_are_the_same_numbers_on_every_path_and_call():
    first = big(threads=None)
    for threads in (1, 2, None, 2, 1):
        np.testing.assert_array_equal(big(threads=threads).states, first.states)
    for threads in (1, 2):  # many small chunks: the drawing thread maps each chunk's pages while the last is stored
        np.testing.assert_array_equal(big(threads=threads, chunk_paths=BLOCK).states, first.states)
    every = big(threads=2, record_every=4, paths=60_000)  # 6 x 60,000 x 2: above the limit too
    np.testing.assert_array_equal(every.states[:, :20_000], first.states[::4])
    end = big(threads=2, record="end", paths=300_000, t_end=0.05)  # 1 x 300,000 x 2: 4.8 MB
    np.testing.assert_array_equal(end.states[0, :20_000], big(t_end=0.05, threads=1).states[-1])


def test_a_range_of_blocks_of_a_large_run_is_the_whole_runs_slice():
    whole = big(paths=40_000, threads=1, record_every=2)
    part = big(paths=40_000, threads=2, blocks=(100, 500), chunk_paths=7 * BLOCK)  # 21 x 25,600 x 2, ragged chunks
    assert part.states.nbytes >= sim.BASE_PAGES_FROM
    np.testing.assert_array_equal(part.states[::2], whole.states[:, 100 * BLOCK:500 * BLOCK])
    last = big(paths=40_000 - 7, threads=2, blocks=(300, 625), chunk_paths=64 * BLOCK)  # up to the padded last block
    assert last.states.nbytes >= sim.BASE_PAGES_FROM
    np.testing.assert_array_equal(last.states, big(paths=40_000 - 7, threads=1).states[:, 300 * BLOCK:])


def _mapping(address: int) -> dict | None:
    """The /proc/self/smaps entry (its VmFlags, and Rss in kB) of the mapping that holds ``address``, or None."""
    entry = None
    with open("/proc/self/smaps") as fh:
        for line in fh:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):  # the first line of a mapping: lo-hi perms ...
                if entry is not None:
                    return entry
                lo, hi = (int(x, 16) for x in head.split("-"))
                entry = {} if lo <= address < hi else None
            elif entry is not None and head == "Rss:":
                entry["rss"] = int(line.split()[1])
            elif entry is not None and head == "VmFlags:":
                entry["flags"] = line.split()[1:]
    return entry


@pytest.mark.skipif(not LINUX, reason="base pages and /proc/self/smaps are Linux's")
def test_large_records_are_in_base_pages_and_small_ones_as_numpy_makes_them():
    rec = sim._record_array((21, 20_000, 2), np.float64)
    assert rec.shape == (21, 20_000, 2) and rec.dtype == np.float64 and rec.flags.writeable
    assert "nh" in _mapping(rec.ctypes.data)["flags"]  # MADV_NOHUGEPAGE
    small = sim._record_array((3, 1000, 2), np.float32)
    assert small.flags.owndata and small.dtype == np.float32
    empty = sim._record_array((0, 20_000, 2), np.float64)
    assert empty.shape == (0, 20_000, 2)


@pytest.mark.skipif(not LINUX, reason="/proc/self/smaps is Linux's")
def test_fault_in_maps_exactly_the_pages_of_a_chunks_records_and_writes_nothing_else():
    rows, paths, n = 40, 30_000, 2
    rec = sim._record_array((rows, paths, n), np.float64)
    page = os.sysconf("SC_PAGE_SIZE")
    before = _mapping(rec.ctypes.data)["rss"]
    lo, hi = 5000, 7100
    sim._fault_in(rec, lo, hi)
    pages = set()
    for row in range(rows):  # the pages that the bytes of each row's stripe lie on, by hand
        first = rec.ctypes.data + (row * paths + lo) * n * 8
        last = rec.ctypes.data + (row * paths + hi) * n * 8 - 1
        pages.update(range(first // page, last // page + 1))
    assert _mapping(rec.ctypes.data)["rss"] - before == len(pages) * page // 1024
    assert not np.any(rec[:, lo:hi])  # fresh memory reads as zeros; the written zeros change nothing
    rec[:, :lo] = np.nan
    rec[:, hi:] = np.nan
    sim._fault_in(rec, lo, hi)  # writes only inside the stripe
    assert np.isnan(rec[:, :lo]).all() and np.isnan(rec[:, hi:]).all()


def test_the_records_memory_is_freed_with_them():
    if not LINUX:
        pytest.skip("/proc/self/maps is Linux's")
    rec = sim._record_array((21, 20_000, 2), np.float64)
    address = rec.ctypes.data
    rec[...] = 1.0
    del rec
    entry = _mapping(address)
    assert entry is None or "nh" not in entry["flags"]  # unmapped (or the address reused by another mapping)


class FakeClock:
    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def monotonic(self) -> float:
        return self.wall

    def process_time(self) -> float:
        return self.cpu


def test_own_load_follows_the_kernels_one_minute_average(monkeypatch):
    clock = FakeClock(1000.0, 50.0)
    monkeypatch.setattr(sim, "time", clock)
    monkeypatch.setattr(sim, "_cpu_count", lambda: 2)
    monkeypatch.setattr(sim, "_OWN_LOAD", [1000.0, 50.0, 0.0])  # a process idle so far
    share = 0.0
    for _ in range(24):  # two minutes of two busy threads, looked at every 5 s: the kernel's recursion
        clock.wall += 5.0
        clock.cpu += 10.0
        share = share * math.exp(-5 / 60) + 2 * (1 - math.exp(-5 / 60))
        assert sim._own_load() == pytest.approx(share, rel=1e-12)
    assert sim._own_load() == pytest.approx(2 * (1 - math.exp(-2)), rel=1e-12)
    clock.wall += 60.0  # a minute idle
    assert sim._own_load() == pytest.approx(share * math.exp(-1), rel=1e-12)


@pytest.mark.parametrize("load, own, idle", [(2.0, 2.0, True), (2.0, 1.9, True), (2.0, 1.0, False),
                                             (0.2, 0.0, True), (0.6, 0.0, False), (1.4, 0.0, False)])
def test_a_second_thread_is_used_where_the_other_processes_leave_a_cpu(monkeypatch, load, own, idle):
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(sim, "_cpu_count", lambda: 2)
    monkeypatch.setattr(sim, "_own_load", lambda: own)
    assert sim._idle_cpu() is idle
    monkeypatch.setattr(sim, "_cpu_count", lambda: 1)
    assert sim._idle_cpu() is False


def test_process_age_is_at_least_the_time_since_this_module_was_loaded():
    if not LINUX:
        pytest.skip("/proc is Linux's")
    age = sim._process_age()
    assert time.monotonic() - STARTED - 0.05 <= age < time.monotonic() + 1  # the process started before this module


def test_each_chunks_pages_are_mapped_before_its_states_are_stored(monkeypatch):
    calls = []

    def poison(records, lo, hi):  # as _fault_in, but writing NaN over the whole stripe: any left would show
        calls.append((lo, hi))
        threads[lo] = threading.current_thread() is threading.main_thread()
        records[:, lo:hi] = np.nan

    threads = {}

    want = big(threads=1, chunk_paths=3 * BLOCK).states
    monkeypatch.setattr(sim, "_fault_in", poison)
    got = big(threads=2, chunk_paths=3 * BLOCK).states
    np.testing.assert_array_equal(got, want)
    chunks = -(-20_000 // (3 * BLOCK))
    # each chunk once: the first by the calling thread while the other starts, the others by the drawing thread
    assert sorted(calls) == [(3 * BLOCK * i, min(20_000, 3 * BLOCK * (i + 1))) for i in range(chunks)]
    assert threads == {3 * BLOCK * i: i == 0 for i in range(chunks)}
    calls.clear()
    big(threads=1)  # in the calling thread the stores map the pages themselves
    big(threads=2, paths=3000)  # 3.4 MB of records: numpy's array, as it comes
    assert calls == []


@pytest.mark.parametrize("age", [30.0, 0.0])
def test_own_load_starts_from_the_process_start_or_from_the_first_look(monkeypatch, age):
    clock = FakeClock(500.0, 30.0)  # 30 s of CPU so far: one busy thread over 30 s
    monkeypatch.setattr(sim, "time", clock)
    monkeypatch.setattr(sim, "_cpu_count", lambda: 2)
    monkeypatch.setattr(sim, "_process_age", lambda: age)
    monkeypatch.setattr(sim, "_OWN_LOAD", [])
    first = sim._own_load()
    if age:  # one thread busy since the start, 30 s ago
        assert first == pytest.approx(1 - math.exp(-0.5), rel=1e-12)
    else:  # start unknown: nothing counted before this look
        assert first == 0.0
    clock.wall += 60.0
    clock.cpu += 120.0  # then two busy threads for a minute
    assert sim._own_load() == pytest.approx(first * math.exp(-1) + 2 * (1 - math.exp(-1)), rel=1e-12)
