"""simulate's noise stream, checked from outside: the records are the paths of z' = F z + c + G xi driven by
the normals of each block's own SFC64 generator in the documented order (a tile of n variables x TILE
steps x BLOCK paths, the last tile only as far as the stream needs), rebuilt here with numpy alone; no
more normals are drawn than that order needs; the memory stated counts one tile of normals with
threads=1 and three where a second thread may draw ahead."""

import numpy as np
import pytest

import thermotheory as tt
from thermotheory.errors import ModelError, TooLarge
from thermotheory.montecarlo import simulate as sim
from thermotheory.montecarlo.simulate import BLOCK, TILE, simulate_memory

A = np.array([[-1.0, 0.0], [3.0, -5.0]])
D = np.diag([1.0, 0.5])
MODELS = {
    "undriven": (A, D, np.zeros(2)),  # c = 0: no constant row under the normals
    "driven": (A, D, np.array([0.7, -0.2])),  # c != 0: the constant enters with the noise
    "one variable": (np.array([[-2.0]]), np.array([[0.3]]), np.array([0.4])),
    "rotating": (np.array([[-0.2, 1.0], [-1.0, -0.3]]), np.diag([0.5, 0.5]), np.zeros(2)),
}


def euler_paths(A, D, b, dt, steps, paths, seed, start):
    """Euler-Maruyama paths from the documented stream, with numpy only (no thermotheory code)."""
    n = A.shape[0]
    F, c, G = np.eye(n) + A * dt, b * dt, np.linalg.cholesky(2 * D * dt)
    blocks = -(-paths // BLOCK)
    out = np.empty((steps + 1, blocks * BLOCK, n))
    for j, seq in enumerate(np.random.SeedSequence(seed).spawn(blocks)):
        rng = np.random.Generator(np.random.SFC64(seq))
        z = np.tile(np.asarray(start, float), (BLOCK, 1))  # (BLOCK, n)
        out[0, j * BLOCK:(j + 1) * BLOCK] = z
        k = 0
        while k < steps:
            tile = min(TILE, steps - k)
            xi = np.empty((n, TILE, BLOCK))
            if tile == TILE:
                xi[:] = rng.standard_normal((n, TILE, BLOCK))
            else:  # the stream of a short tile: every variable but the last in full, then the last as far as used
                if n > 1:
                    xi[:n - 1] = rng.standard_normal((n - 1, TILE, BLOCK))
                xi[n - 1, :tile] = rng.standard_normal((tile, BLOCK))
            for s in range(tile):
                z = z @ F.T + c + xi[:, s, :].T @ G.T
                out[k + s + 1, j * BLOCK:(j + 1) * BLOCK] = z
            k += tile
    return out[:, :paths]


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("steps", [TILE + 9, 2 * TILE, 30])
def test_records_are_the_paths_of_the_documented_stream(name, steps):
    A_, D_, b_ = MODELS[name]
    n = A_.shape[0]
    model = tt.LinearSDE.from_matrices(A_, D_, b=b_)
    start = np.linspace(0.5, -0.5, n)
    paths, dt = 2 * BLOCK - 7, 0.01
    expected = euler_paths(A_, D_, b_, dt, steps, paths, 13, start)
    for threads, chunk in ((1, BLOCK), (2, 2 * BLOCK), (None, None)):
        tr = tt.simulate(model, t_end=steps * dt, dt=dt, paths=paths, seed=13, method="euler", initial=start,
                         threads=threads, chunk_paths=chunk)
        np.testing.assert_allclose(tr.states, expected, rtol=1e-10, atol=1e-12)


def test_a_fixed_start_gives_the_same_records_whatever_the_chunking_and_the_store():
    A_, D_, b_ = MODELS["driven"]
    model = tt.LinearSDE.from_matrices(A_, D_, b=b_)
    kw = dict(t_end=1.0, dt=0.01, paths=5 * BLOCK - 3, seed=4, initial=[0.3, -1.2])
    full = tt.simulate(model, threads=1, chunk_paths=BLOCK, **kw)
    assert np.all(full.states[0] == [0.3, -1.2])
    for threads, chunk in ((2, 2 * BLOCK), (1, 3 * BLOCK), (None, 64 * BLOCK)):
        np.testing.assert_array_equal(tt.simulate(model, threads=threads, chunk_paths=chunk, **kw).states,
                                      full.states)
        np.testing.assert_array_equal(
            tt.simulate(model, threads=threads, chunk_paths=chunk, record_every=7, **kw).states, full.states[::7])
        np.testing.assert_array_equal(
            tt.simulate(model, threads=threads, chunk_paths=chunk, record="end", **kw).states[0], full.states[-1])


class _Counting:
    """A generator that counts the normals drawn from it."""

    drawn = 0

    def __init__(self, rng):
        self.rng = rng

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        _Counting.drawn += out.size if out is not None else int(np.prod(size))
        return self.rng.standard_normal(size, dtype=dtype, out=out)


@pytest.mark.parametrize("steps", [TILE - 1, TILE, TILE + 36, 3 * TILE + 1])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_no_more_normals_are_drawn_than_the_stream_needs(monkeypatch, steps, n):
    original = sim.generator
    monkeypatch.setattr(sim, "generator", lambda seq: _Counting(original(seq)))
    _Counting.drawn = 0
    model = tt.LinearSDE.from_matrices(-np.eye(n) - 0.3 * np.eye(n, k=1), np.eye(n))
    paths = 3 * BLOCK - 10
    tt.simulate(model, t_end=steps * 0.01, dt=0.01, paths=paths, seed=2, threads=1, record=False)
    whole, rest = divmod(steps, TILE)
    # each whole tile: n x TILE x BLOCK; a short last tile: the first n - 1 variables in full (the stream
    # passes through them before the last variable's numbers), the last only for the steps it has
    per_block = whole * n * TILE * BLOCK + (((n - 1) * TILE + rest) * BLOCK if rest else 0)
    assert _Counting.drawn == 3 * per_block
    assert per_block >= n * steps * BLOCK


def test_memory_counts_one_tile_of_normals_with_one_thread():
    for n, steps, paths in ((2, 100, 100_000), (3, 10, 5 * BLOCK), (6, 70, 20 * BLOCK)):
        blocks = min((32 if n <= 4 else 16), -(-paths // BLOCK))
        tile_bytes = blocks * (n + 1) * TILE * BLOCK * 8  # normals and the constant row, float64
        three, one = simulate_memory(n, steps, paths), simulate_memory(n, steps, paths, threads=1)
        assert three - one == 2 * tile_bytes
        assert simulate_memory(n, steps, paths, threads=2) == three
        # the record itself: (steps + 1) records x paths x n float64
        assert one - simulate_memory(n, steps, paths, threads=1, record=False) == (steps + 1) * paths * n * 8


def test_a_run_that_fits_with_one_thread_is_not_refused():
    model = tt.LinearSDE.from_matrices(A, D)
    kw = dict(t_end=0.5, dt=0.01, paths=40 * BLOCK, seed=0)
    one = simulate_memory(2, 50, 40 * BLOCK, threads=1)
    assert one < simulate_memory(2, 50, 40 * BLOCK)
    tr = tt.simulate(model, threads=1, max_memory=one, **kw)
    assert tr.states.shape == (51, 40 * BLOCK, 2)
    with pytest.raises(TooLarge, match="max_memory"):
        tt.simulate(model, threads=2, max_memory=one, **kw)


@pytest.mark.parametrize("threads", [0, 3, True, "2", 1.5])
def test_memory_refuses_a_bad_thread_count(threads):
    with pytest.raises(ModelError, match="threads"):
        simulate_memory(2, 10, 100, threads=threads)


def test_the_drawing_shared_between_two_threads_gives_the_same_numbers(monkeypatch):
    # whatever share of each tile the second thread draws, chunk by chunk, the records do not change
    A_, D_, b_ = MODELS["driven"]
    model = tt.LinearSDE.from_matrices(A_, D_, b=b_)
    kw = dict(t_end=(2 * TILE + 3) * 0.01, dt=0.01, paths=12 * BLOCK - 1, seed=8, chunk_paths=3 * BLOCK)
    plain = tt.simulate(model, threads=1, **kw)
    pick = np.random.default_rng(0)
    shares = []
    original = sim._NoiseFeed.next

    def next_with_any_share(self):
        item = original(self)
        if self.threaded:
            self.share = int(pick.integers(0, self.nb + 1))
            shares.append(self.share)
        return item

    monkeypatch.setattr(sim._NoiseFeed, "next", next_with_any_share)
    shared = tt.simulate(model, threads=2, **kw)
    np.testing.assert_array_equal(shared.states, plain.states)
    assert len(set(shares)) > 2
    gaussian = sim.Gaussian(mean=[0.1, 0.2], cov=[[1.0, 0.2], [0.2, 0.5]])
    np.testing.assert_array_equal(tt.simulate(model, threads=2, initial=gaussian, **kw).states,
                                  tt.simulate(model, threads=1, initial=gaussian, **kw).states)
