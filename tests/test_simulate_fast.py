"""simulate on the fast stepper: what is stored (every step, every k-th, only the end) is the same
numbers whatever the chunking or the drawing thread; memory is stated and refused before allocating;
the stepper samples the exact Ornstein-Uhlenbeck transition."""

import threading
import tracemalloc

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.errors import ModelError, TooLarge
from thermotheory.montecarlo import simulate as sim
from thermotheory.montecarlo.simulate import BLOCK, TILE, Gaussian, simulate_memory

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
README_MODEL = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
README_VALUES = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
SENSOR = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [3.0, -5.0]]), [1.0, 0.5])
MODELS = {
    "sensor": SENSOR,  # real modes, a modal basis that is not the identity
    "oscillator": tt.LinearSDE.from_matrices(np.array([[-0.2, 1.0], [-1.0, -0.3]]), [0.5, 0.5]),  # rotations
    "diagonal": tt.LinearSDE.from_matrices(np.diag([-1.0, -2.0, -0.5]), [1.0, 0.3, 0.2]),  # identity basis
    "jordan": tt.LinearSDE.from_matrices(np.array([[-1.0, 1.0], [0.0, -1.0]]), [1.0, 1.0]),  # dense stepper
    "driven": tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [3.0, -5.0]]), [1.0, 0.5], b=[0.7, -0.2]),
}


def run(model, **kw):
    base = dict(t_end=1.5, dt=0.01, paths=3 * BLOCK - 5, seed=11)  # 150 steps: two whole tiles and a short one
    base.update(kw)
    return tt.simulate(model, **base)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_kth_and_the_end_are_the_full_record_sliced(name):
    model = MODELS[name]
    for burn_in in (0.0, 0.64, 0.3):  # none, ending on a tile boundary, inside a tile
        full = run(model, burn_in=burn_in, chunk_paths=BLOCK, threads=1)
        assert full.states.shape == (151, 3 * BLOCK - 5, model.dimension)
        for k in (1, 3, 7, 64, 150):
            part = run(model, burn_in=burn_in, record_every=k, chunk_paths=2 * BLOCK, threads=2)
            np.testing.assert_array_equal(part.states, full.states[::k])
            np.testing.assert_array_equal(part.times, full.times[::k])
            assert part.record_every == k
        end = run(model, burn_in=burn_in, record="end", chunk_paths=64 * BLOCK)
        assert end.states.shape == (1, 3 * BLOCK - 5, model.dimension)
        np.testing.assert_array_equal(end.states[0], full.states[-1])
        assert end.times.tolist() == [1.5]


def test_threads_and_chunks_give_the_same_numbers_from_a_gaussian_start():
    start = Gaussian(mean=[0.5, -1.0], cov=[[1.0, 0.3], [0.3, 2.0]])  # drawn from each block's generator first
    one = run(SENSOR, initial=start, threads=1, chunk_paths=BLOCK)
    two = run(SENSOR, initial=start, threads=2, chunk_paths=3 * BLOCK)
    np.testing.assert_array_equal(one.states, two.states)
    for dtype in ("float32",):
        a = run(SENSOR, threads=1, dtype=dtype, chunk_paths=BLOCK)
        b = run(SENSOR, threads=2, dtype=dtype, record="end")
        assert a.states.dtype == np.float32
        np.testing.assert_array_equal(a.states[-1], b.states[0])


def test_observers_see_the_same_paths_with_any_store():
    class Sum:
        per_block = False

        def __init__(self):
            self.total = None

        def step(self, old, new):
            self.total = new.copy() if self.total is None else self.total + new

        def result(self):
            return self.total[:, 1]

    full = run(SENSOR, threads=1, observers={"s": Sum})
    for kw in (dict(record=False), dict(record="end", threads=2), dict(record_every=5, chunk_paths=BLOCK)):
        other = run(SENSOR, observers={"s": Sum}, **kw)
        np.testing.assert_array_equal(other.observed["s"], full.observed["s"])
    np.testing.assert_allclose(full.observed["s"], full.states[1:, :, 1].sum(axis=0), rtol=1e-12)


def test_readme_trajectories_run_as_shown():
    paths = tt.simulate(README_MODEL, t_end=10, dt=0.01, paths=1000, seed=1, values=README_VALUES)
    assert paths.states.shape == (1001, 1000, 2) and paths.times[-1] == pytest.approx(10.0)
    assert paths[r].shape == (1001, 1000)
    end = tt.simulate(README_MODEL, t_end=10, dt=0.01, paths=1000, seed=1, values=README_VALUES, record="end")
    np.testing.assert_array_equal(end.states[0], paths.states[-1])


def test_memory_is_stated_and_counts_the_record():
    n, steps, paths = 3, 200, 5000
    full = simulate_memory(n, steps, paths)
    end = simulate_memory(n, steps, paths, record="end")
    none = simulate_memory(n, steps, paths, record=False)
    # the records are the difference: (steps + 1) x paths x n float64, or paths x n for the end
    assert full - none == (steps + 1) * paths * n * 8
    assert end - none == paths * n * 8
    assert simulate_memory(n, steps, paths, record_every=10) - none == (steps // 10 + 1) * paths * n * 8
    assert simulate_memory(n, steps, paths, dtype="float32") * 2 == full
    tr = tt.simulate(SENSOR, t_end=2.0, dt=0.01, paths=paths, seed=0)
    assert tr.states.nbytes <= simulate_memory(2, 200, paths) - simulate_memory(2, 200, paths, record=False)


def test_a_run_above_the_limit_is_refused_before_allocating(monkeypatch):
    work = []
    for name in ("step_matrices", "_LinearEngine", "_record_array"):  # a run's one-step matrices, stepper, records
        original = getattr(sim, name)

        def recorded(*args, _original=original, _name=name, **kwargs):
            work.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(sim, name, recorded)
    tracemalloc.start()
    with pytest.raises(TooLarge, match="needs about .* GiB .*record='end'"):
        # 1e4 steps of 1e7 paths: 160 GB of records, far fewer normals than MAX_DRAWS
        tt.simulate(SENSOR, t_end=1e4, dt=1.0, paths=10**7, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert work == [] and peak < 50 * 2**20  # refused from the count, before anything is built or drawn
    assert issubclass(TooLarge, ModelError)
    need = simulate_memory(2, 100, 1000)
    tt.simulate(SENSOR, t_end=1.0, dt=0.01, paths=1000, seed=0, max_memory=need)  # exactly enough
    with pytest.raises(TooLarge, match="max_memory"):
        tt.simulate(SENSOR, t_end=1.0, dt=0.01, paths=1000, seed=0, max_memory=need - 1)
    # only the end fits where the whole record does not
    tt.simulate(SENSOR, t_end=1.0, dt=0.01, paths=1000, seed=0, max_memory=need - 1, record="end")


def test_a_run_beyond_the_available_memory_is_refused_whatever_max_memory(monkeypatch):
    monkeypatch.setattr(sim, "_available_memory", lambda: 10**6)
    with pytest.raises(TooLarge, match="swap"):
        tt.simulate(SENSOR, t_end=1.0, dt=0.01, paths=1000, seed=0, max_memory=10**12)


@pytest.mark.parametrize("kw, match", [
    (dict(record="all"), "record"), (dict(record=2), "record"), (dict(record=None), "record"),
    (dict(record="end", record_every=5), "record_every"), (dict(max_memory=0), "max_memory"),
    (dict(max_memory=float("nan")), "max_memory"), (dict(max_memory="1GB"), "max_memory"),
    (dict(max_memory=True), "max_memory"), (dict(threads=3), "threads"), (dict(threads=True), "threads"),
    (dict(threads=1.5), "threads"),
])
def test_bad_store_memory_and_thread_arguments_are_named(kw, match):
    with pytest.raises(ModelError, match=match):
        tt.simulate(SENSOR, t_end=1.0, dt=0.01, paths=100, seed=0, **kw)


def _drawing_threads():
    return [t for t in threading.enumerate() if t.name == "thermotheory-normals"]


def test_errors_of_the_drawing_thread_and_of_the_integration_end_both():
    with pytest.raises(ModelError, match="initial Gaussian"):
        run(SENSOR, threads=2, initial=Gaussian(mean=[0.0, 0.0], cov=[[1.0, 0.0], [0.0, -1.0]]))
    growing = tt.LinearSDE.from_matrices(np.array([[50.0]]), [1.0])
    with pytest.raises(ModelError, match="floating-point range"), pytest.warns(RuntimeWarning):
        tt.simulate(growing, t_end=100.0, dt=0.1, paths=4 * BLOCK, seed=0, threads=2, chunk_paths=BLOCK)
    assert not _drawing_threads()


def _ou_transition(A, b, D, t, z0):
    """Exact mean and covariance after time t from z0, by Van Loan's block exponential (independent of simulate)."""
    n = A.shape[0]
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n], M[:n, n:], M[n:, n:] = -A, 2 * D, A.T
    E = sla.expm(M * t)
    F = E[n:, n:].T
    Q = F @ E[:n, n:]
    aug = np.zeros((n + 1, n + 1))
    aug[:n, :n], aug[:n, n] = A, b
    mean = (sla.expm(aug * t) @ np.r_[z0, 1.0])[:n]
    return mean, (Q + Q.T) / 2


@pytest.mark.parametrize("steps, threads", [(1, 1), (1, 2), (130, 2), (130, 1)])
def test_the_stepper_samples_the_exact_transition(steps, threads):
    A = np.array([[-1.0, 0.0], [3.0, -5.0]])
    b = np.array([0.7, -0.2])
    D = np.diag([1.0, 0.5])
    model = tt.LinearSDE.from_matrices(A, D, b=b)
    z0 = np.array([2.0, -1.0])
    t = 1.3
    paths = 40 * BLOCK
    tr = tt.simulate(model, t_end=t, dt=t / steps, paths=paths, seed=5, initial=z0, record="end", threads=threads)
    mean, cov = _ou_transition(A, b, D, t, z0)
    z = tr.states[0]
    batches = z.reshape(40, BLOCK, 2)  # independent blocks of paths: standard errors from their spread
    m_b = batches.mean(axis=1)
    c_b = np.stack([np.cov(x.T) for x in batches])
    zm = (m_b.mean(axis=0) - mean) / (m_b.std(axis=0, ddof=1) / np.sqrt(40))
    zc = (c_b.mean(axis=0) - cov) / (c_b.std(axis=0, ddof=1) / np.sqrt(40))
    assert np.all(np.abs(zm) <= 4), zm
    assert np.all(np.abs(zc) <= 4), zc


def test_a_short_last_tile_uses_the_same_normals():
    # the last tile draws only the steps it needs of the last variable: a run one tile longer
    # takes the same normals for the steps they share
    short = run(SENSOR, t_end=(TILE + 5) * 0.01, threads=1)
    longer = run(SENSOR, t_end=2 * TILE * 0.01, threads=1)
    np.testing.assert_array_equal(short.states, longer.states[:TILE + 6])


def test_large_models_draw_in_the_calling_thread(monkeypatch):
    tripled = simulate_memory(2, 150, 3 * BLOCK, record=False)
    started = []
    original = sim._NoiseFeed.__init__

    def spy(self, *args):
        original(self, *args)
        started.append(self.threaded)

    monkeypatch.setattr(sim._NoiseFeed, "__init__", spy)
    two = run(SENSOR, threads=2)
    monkeypatch.setattr(sim, "MAX_FEED_BYTES", 1)  # every tile of normals counts as large
    one = run(SENSOR, threads=2)
    assert started == [True, False]
    np.testing.assert_array_equal(one.states, two.states)
    # one tile of normals (3 rows: two variables and the constant) instead of three
    assert tripled - simulate_memory(2, 150, 3 * BLOCK, record=False) == 2 * 3 * 3 * TILE * BLOCK * 8
