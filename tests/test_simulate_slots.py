"""simulate's slot-major stepping: without block observers the states of a tile are stepped with each slot's paths
in a row and written to the records in their final layout. The records must be those of the block-major stepping
(the layout block observers read) bit for bit, for every kind of one-step map, record and chunking; the records'
pages are mapped ahead without writing to them, and each block's seed sequence is the one ``spawn`` makes."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.montecarlo import simulate as sim
from thermotheory.montecarlo.observers import MediumEntropyFlow
from thermotheory.montecarlo.simulate import BLOCK, Gaussian

x, y, t = sp.symbols("x y t", real=True)
MODELS = {
    "sensor": tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [15.0, -5.0]]), [1.0, 2.5]),  # modal basis V != I
    "diagonal": tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [0.0, -2.0]]), [1.0, 0.5]),  # V = I: plain copies
    "rotating": tt.LinearSDE.from_matrices(np.array([[-0.5, 2.0, 0.0], [-2.0, -0.5, 0.0], [1.0, 0.0, -1.0]]),
                                           [1.0, 1.0, 0.3]),  # a complex pair: 2x2 rotations
    "defective": tt.LinearSDE.from_matrices(np.array([[-1.0, 1.0], [0.0, -1.0]]), [1.0, 1.0]),  # dense F
    "constant drive": tt.LinearSDE({x: -x + 1, y: x - 2 * y + 0.5}, {x: 1, y: 1}),  # c through a row of ones
    "protocol": tt.LinearSDE({x: -x + sp.sin(3 * t), y: x - 2 * y}, {x: 1, y: 1}, time=t),  # c per step
}


class BlockReader:
    """A block observer that reads nothing: its presence makes simulate step block-major, as before."""

    per_block = True

    def block(self, w: np.ndarray, V: np.ndarray) -> None:
        self.shape = w.shape

    def result(self) -> np.ndarray:
        return np.zeros(1)


def both(model, **kw):
    """The records of a run stepped slot-major (no observers) and block-major (a block observer present)."""
    slots = tt.simulate(model, **kw)
    blocks = tt.simulate(model, observers={"reader": BlockReader}, **kw)
    return slots, blocks


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("store", [dict(record=True), dict(record_every=7), dict(record="end")],
                         ids=["every", "every 7th", "end"])
def test_slot_major_records_are_the_block_major_ones_bit_for_bit(name, store):
    kw = dict(t_end=1.5, dt=0.01, paths=3 * BLOCK + 17, seed=11, chunk_paths=2 * BLOCK, **store)  # a ragged chunk
    for threads in (1, 2):
        slots, blocks = both(MODELS[name], threads=threads, **kw)
        assert slots.states.shape == blocks.states.shape and np.isfinite(slots.states).all()
        np.testing.assert_array_equal(slots.states, blocks.states)


@pytest.mark.parametrize("kw", [
    dict(burn_in=0.64, record_every=4),  # a burn-in that ends on a tile boundary
    dict(burn_in=0.37),
    dict(dtype="float32", record_every=3),
    dict(initial=Gaussian([0.5, -1.0], [[1.0, 0.3], [0.3, 2.0]]), blocks=(1, 4)),
    dict(method="heun", chunk_paths=BLOCK),
], ids=["burn-in on a tile edge", "burn-in", "float32", "Gaussian start, a range of blocks", "heun, 1-block chunks"])
def test_slot_major_records_match_with_burn_in_precision_start_and_ranges(kw):
    slots, blocks = both(MODELS["sensor"], t_end=1.3, dt=0.01, paths=5 * BLOCK - 3, seed=2, threads=2, **kw)
    assert slots.states.dtype == blocks.states.dtype
    np.testing.assert_array_equal(slots.states, blocks.states)


def test_stepwise_observers_see_the_same_states_on_both_layouts():
    model = MODELS["rotating"]
    A, b, D = model.arrays()
    heat = {"heat": lambda: MediumEntropyFlow(A, b, D, model.parity, [0, 2], 0.01)}
    kw = dict(t_end=1.0, dt=0.01, paths=2 * BLOCK + 5, seed=3, record_every=5, burn_in=0.2)
    slots = tt.simulate(model, observers=heat, **kw)
    blocks = tt.simulate(model, observers={**heat, "reader": BlockReader}, **kw)
    np.testing.assert_array_equal(slots.observed["heat"], blocks.observed["heat"])
    np.testing.assert_array_equal(slots.states, blocks.states)
    # and the heat is that of the records, summed step by step outside simulate
    full = tt.simulate(model, t_end=1.0, dt=0.01, paths=2 * BLOCK + 5, seed=3, burn_in=0.2)
    obs = heat["heat"]()
    for k in range(full.states.shape[0] - 1):
        obs.step(full.states[k], full.states[k + 1])
    np.testing.assert_allclose(slots.observed["heat"], obs.result(), rtol=1e-12, atol=1e-12)


def test_an_overflow_is_refused_on_either_path():
    grow = tt.LinearSDE.from_matrices(np.array([[400.0]]), [1.0])
    for observers in (None, {"reader": BlockReader}):  # slot-major, block-major
        # numpy warns of the overflow as it happens; simulate then refuses at the end of the tile
        with pytest.raises(tt.ModelError, match="left the floating-point range by t = 1.92"), \
                pytest.warns(RuntimeWarning):
            tt.simulate(grow, t_end=3.0, dt=0.01, paths=BLOCK, seed=0, record="end", observers=observers)


def test_block_seeds_are_the_children_that_spawn_makes():
    for seed in (0, 5, 2**70 + 3, [7, 8, 9]):
        children = np.random.SeedSequence(seed).spawn(70)
        seeds = sim._BlockSeeds(seed)
        for j in (0, 1, 63, 69):
            assert np.array_equal(seeds[j].generate_state(4), children[j].generate_state(4))
            a = sim.generator(seeds[j]).standard_normal(5)
            assert np.array_equal(a, sim.generator(children[j]).standard_normal(5))


@pytest.mark.skipif(sim._libc_madvise() is None, reason="madvise through libc is Linux's")
def test_pages_are_mapped_by_touching_where_the_kernel_refuses_to_populate(monkeypatch):
    rows, paths, n = 12, 30_000, 2
    monkeypatch.setattr(sim, "_POPULATE", [True])
    calls = []

    def refuse(address, length, advice):
        calls.append(advice)
        return -1  # EINVAL on a kernel before 5.14

    monkeypatch.setattr(sim, "_libc_madvise", lambda: refuse)
    rec = sim._record_array((rows, paths, n), np.float64)
    rec[:, :1000] = np.nan
    rec[:, 2000:] = np.nan
    sim._fault_in(rec, 1000, 2000)
    assert calls == [sim.MADV_POPULATE_WRITE] and sim._POPULATE == [False]  # tried once, then touched
    assert not np.any(rec[:, 1000:2000]) and np.isnan(rec[:, :1000]).all() and np.isnan(rec[:, 2000:]).all()
    rec[:, 1000:2000] = 1.0
    sim._fault_in(rec, 2000, 2100)  # later chunks touch without asking again, inside their stripe only
    assert calls == [sim.MADV_POPULATE_WRITE] and (rec[:, 1000:2000] == 1.0).all() and np.isnan(rec[:, 2100:]).all()


def test_only_the_records_own_mapping_is_populated():
    rec = sim._record_array((21, 20_000, 2), np.float64)
    assert sim._in_own_mapping(rec) is (not rec.flags.owndata)  # a mapping of its own where the platform has one
    assert sim._in_own_mapping(rec[3:5]) is (not rec.flags.owndata)
    assert not sim._in_own_mapping(np.empty((21, 20_000, 2)))
    assert not sim._in_own_mapping(rec[:, ::2])  # not C-ordered: touched instead


def test_the_one_step_map_of_a_model_run_again_is_remembered(monkeypatch):
    made = []
    original = sim.step_matrices

    def counted(*args):
        made.append(args[-2:])
        return original(*args)

    monkeypatch.setattr(sim, "step_matrices", counted)
    monkeypatch.setattr(sim, "_STEP_CACHE", {})
    model = MODELS["sensor"]
    first = tt.simulate(model, t_end=0.3, dt=0.01, paths=BLOCK, seed=1)
    again = tt.simulate(model, t_end=0.5, dt=0.01, paths=2 * BLOCK, seed=1)
    assert made == [(0.01, "exact")]  # the same model and step: made once
    np.testing.assert_array_equal(again.states[:31, :BLOCK], first.states)
    tt.simulate(model, t_end=0.3, dt=0.02, paths=BLOCK, seed=1)
    tt.simulate(model, t_end=0.3, dt=0.01, paths=BLOCK, seed=1, method="heun")
    tt.simulate(MODELS["diagonal"], t_end=0.3, dt=0.01, paths=BLOCK, seed=1)
    assert made == [(0.01, "exact"), (0.02, "exact"), (0.01, "heun"), (0.01, "exact")]
    F, c, G = next(iter(sim._STEP_CACHE.values()))
    assert not (F.flags.writeable or c.flags.writeable or G.flags.writeable)  # shared: nobody may change them
    for k in range(20):
        tt.simulate(model, t_end=0.01 * (k + 3), dt=0.01 * (k + 3), paths=BLOCK, seed=1, method="euler")
    assert len(sim._STEP_CACHE) == 16


def _feeds(model, nb: int, steps: int):
    """A threaded and a plain feed of the same run of ``nb`` blocks (one chunk)."""
    A, b, D = model.arrays()
    engine = sim._LinearEngine(*sim.step_matrices(A, b, D, 0.01, "exact"), np.float64)
    args = ([range(0, nb)], sim._BlockSeeds(3), None, model, A, b, engine, steps)
    return sim._NoiseFeed(*args, threaded=True), sim._NoiseFeed(*args, threaded=False)


def test_the_calling_thread_draws_its_blocks_of_the_next_tile_between_steps():
    import time

    threaded, plain = _feeds(MODELS["sensor"], 6, 2 * sim.TILE)
    try:
        np.testing.assert_array_equal(threaded.next(), plain.next())  # the start states
        first = threaded.next().copy()
        np.testing.assert_array_equal(first, plain.next())
        waited = 0.0
        while threaded.filled.qsize() == 0 and waited < 30:  # the next tile, the other thread's blocks drawn
            time.sleep(0.01)
            waited += 0.01
        threaded.pause()  # takes it
        item, rest = threaded.pending
        mine = len(rest[0])
        assert mine == 6 - rest[1] and mine > 0
        for i in range(mine):
            threaded.pause()  # one block each
            assert len(threaded.pending[1][0]) == mine - 1 - i
        threaded.pause()  # nothing left to draw: nothing happens
        second = threaded.next()
        assert threaded.pending is None
        np.testing.assert_array_equal(second, plain.next())  # the same numbers, each generator in its order
    finally:
        threaded.close()


def test_the_steps_pause_every_few_steps_and_give_the_same_states():
    A, b, D = MODELS["rotating"].arrays()
    engine = sim._LinearEngine(*sim.step_matrices(A, b, D, 0.01, "exact"), np.float64)
    nb, n = 3, 3
    xi = engine.noise_buffer(nb)
    xi[:, :n] = np.random.default_rng(0).standard_normal((nb, n, sim.TILE, BLOCK))
    outs = []
    for pause in (None, lambda: calls.append(1)):
        calls = []
        w = np.empty((nb, n, sim.TILE + 1, BLOCK))
        slots = np.empty((sim.TILE + 1, n, nb, BLOCK))
        slots[0] = 0.5
        engine.advance(xi, w, np.empty((nb, n, BLOCK)), 0, 50, slots, pause)
        outs.append(slots[:51].copy())
        assert len(calls) == (50 // sim.PAUSE_EVERY if pause else 0)
    np.testing.assert_array_equal(outs[0], outs[1])


_KERNEL_SCRIPT = r"""
import numpy as np, thermotheory as tt

class BlockReader:  # a block observer: the states are then stepped block-major
    per_block = True
    def block(self, w, V): pass
    def result(self): return np.zeros(1)

n = 8
A = -np.eye(n) + 3.0 * np.diag(np.ones(n - 1), -1) - 0.5 * np.diag(np.arange(n))
m = tt.LinearSDE.from_matrices(A, [1.0] * n)
for paths in (129, 333):
    kw = dict(t_end=0.5, dt=0.01, paths=paths, seed=3, threads=1, record="end", burn_in=0.3)
    runs = [tt.simulate(m, chunk_paths=c, **kw).states for c in (64, 128, 1024)]
    runs.append(tt.simulate(m, observers={"r": BlockReader}, **kw).states)
    assert all(np.array_equal(runs[0], r) for r in runs[1:]), [float(np.abs(runs[0] - r).max()) for r in runs]
print("ok")
"""


@pytest.mark.parametrize("kernel", ["", "Zen"])
def test_records_do_not_depend_on_the_chunks_or_the_blas_kernel(kernel):
    # OpenBLAS's Zen kernel (AMD Zen 1-3) rounds a product differently with its number of rows: one product per
    # slot over the chunk's paths made the records depend on chunk_paths and on the stepping layout (8 variables,
    # a ragged last block); one product per block of paths does not
    import os
    import subprocess
    import sys

    env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
    run = subprocess.run([sys.executable, "-c", _KERNEL_SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]
