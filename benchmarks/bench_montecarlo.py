"""Monte Carlo speed, printed as ratios against reference runs in the same process.

1. ``tt.simulate`` of the README sensor, 100,000 paths x 100 steps, float64, storing every step,
   every 10th, only the end, or nothing: (paths x steps x variables) per second over numpy's
   standard-normal rate (``default_rng().standard_normal((paths, 2))`` per step) measured in
   the same run, best of 3 (target >= 0.8), by default (a second thread shares the drawing where a
   CPU is free), with the second thread forced (``threads=2``) and without it (``threads=1``), and
   the memory each store takes (``simulate_memory``, one tile of normals with ``threads=1``, three
   otherwise). The normals drawn per path against those used (the stream's order: a short last
   tile still passes through the first variables' numbers before the last variable's) are printed
   too. Storing every step writes 160 MB of fresh memory per run: the records are kept in base pages
   and the drawing thread maps each chunk's pages ahead of the stores (``MADV_POPULATE_WRITE`` through
   ctypes, without the GIL and without writing to them; before, a zero written on each page). The states are stepped
   slot-major (each step's paths in a row), so each kept step is written once, straight into the
   records by one product ``w^T V^T`` (no copy of the tile between); the calling thread draws its share
   of the next tile between steps (its steps hold the GIL, which the drawing thread needs between
   draws); the blocks' seed sequences are made in the drawing thread, and the one-step map of a model
   run again is remembered. CPU per run (``threads=1``, every step, load 5-7 on the 2 CPUs): 0.43 s
   before these, 0.35-0.36 s after; the records are the same bits. With numpy's transparent huge
   pages, the first run of each round (the default case) mapped them at ~3 ms each on this virtual
   machine (huge pages freed two seconds earlier have been handed back to the host: free page
   reporting), 0.3 s more than the later runs, which found the huge pages of the run just before
   still in place; base pages cost about 0.07 s of CPU per run, the same on every run (the later runs
   of a round give back the 0.05 s that the warm huge pages had saved them). The default
   now takes this process's own share out of the load average before it decides on the second
   thread (a round of runs kept two threads busy and so turned the default to one thread).
   Then the throughput of the three methods without a record (see bench_power.py for 2 to 8
   variables and float32).
2. Speed-up over a per-path loop in the style of common SDE packages (a Python loop over
   paths calling an Euler step; target >= 100x).
3. Time to verify the mutual information of the two-variable sensor to 1% relative
   standard error.
4. The perceptron's learning simulation (N = 1000 weights, P = 500 patterns): weight-steps
   per second over numpy's raw standard-normal rate (it draws one normal per weight-step).

Run: python benchmarks/bench_montecarlo.py
"""

from __future__ import annotations

import os
import time

import numpy as np
import sympy as sp

import thermotheory as tt


def sensor():
    return tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [2.0, -3.0]]), [1.0, 0.5])


def raw_normal_rate(shape: tuple[int, int], steps: int) -> float:
    """numpy's standard-normal draws per second, in blocks of ``shape``: the reference rate."""
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for _ in range(steps):
        rng.standard_normal(shape)
    return shape[0] * shape[1] * steps / (time.perf_counter() - t0)


def readme_simulate(repeats: int = 3) -> None:
    """tt.simulate of the README sensor against numpy's normal rate, best of ``repeats`` (interleaved)."""
    from thermotheory.montecarlo.simulate import simulate_memory

    v, r = sp.symbols("v r", real=True)
    tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
    model = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
    values = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
    numeric = model.subs(values)
    paths, steps, n, dt = 100_000, 100, 2, 0.01
    stores = {"every step": dict(record=True), "every 10th": dict(record_every=10), "the end": dict(record="end"),
              "nothing": dict(record=False)}
    cases = [(name, threads) for name in stores for threads in (None, 2, 1)]
    best = {case: float("inf") for case in cases}
    cpu = {case: float("inf") for case in cases}
    raw = 0.0
    tt.simulate(numeric, t_end=0.5, dt=dt, paths=1000, seed=1)  # warm up
    for _ in range(repeats):
        raw = max(raw, raw_normal_rate((paths, n), steps))
        for name, threads in cases:
            t0, c0 = time.perf_counter(), time.process_time()
            tr = tt.simulate(numeric, t_end=steps * dt, dt=dt, paths=paths, seed=1, threads=threads, **stores[name])
            best[(name, threads)] = min(best[(name, threads)], time.perf_counter() - t0)
            cpu[(name, threads)] = min(cpu[(name, threads)], time.process_time() - c0)
            del tr
    from thermotheory.montecarlo.simulate import _idle_cpu, _own_load

    print(f"tt.simulate, README sensor, {paths:,} paths x {steps} steps, float64 (numpy's normal rate "
          f"{raw / 1e6:.1f} M/s, best of {repeats}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs, "
          f"{_own_load():.2f} of it this process's, so the default draws in a second thread: "
          f"{'yes' if _idle_cpu() else 'no'}):")
    for name, threads in cases:
        store = stores[name]
        rate = paths * steps * n / best[(name, threads)]
        mem = simulate_memory(n, steps, paths, record=store.get("record", True),
                              record_every=store.get("record_every", 1), threads=threads)
        how = "default  " if threads is None else f"threads={threads}"
        print(f"  store {name:<10} {how}: {best[(name, threads)]:.3f} s = {rate / raw:.2f} x numpy's normal rate "
              f"[target >= 0.8] (CPU {cpu[(name, threads)]:.3f} s); memory {mem / 2**20:.1f} MiB")
    from thermotheory.montecarlo.simulate import TILE

    whole, rest = divmod(steps, TILE)
    drawn = whole * n * TILE + ((n - 1) * TILE + rest if rest else 0)
    print(f"  normals drawn per path: {drawn} for {n * steps} used ({drawn / (n * steps) - 1:.0%} more, fixed by the "
          "stream's order; a run of a whole number of tiles draws none more)")


def throughput() -> None:
    m = sensor()
    paths, steps, n = 100_000, 200, 2
    raw = raw_normal_rate((paths, n), steps)
    for method in ("exact", "euler", "heun"):
        t0 = time.perf_counter()
        tt.simulate(m, t_end=steps * 0.01, dt=0.01, paths=paths, seed=1, method=method, record=False)
        rate = paths * steps * n / (time.perf_counter() - t0)
        print(f"throughput {method:<5}: {rate / 1e6:7.1f} M/s = {rate / raw:.2f} x numpy's raw normal rate "
              f"({raw / 1e6:.1f} M/s)  [target >= {0.8 if method == 'exact' else 0.5}]")


def per_path_loop() -> None:
    m = sensor()
    A, b, D = m.arrays()
    G = np.sqrt(2 * np.diag(D) * 0.01)
    paths, steps = 200, 200
    rng = np.random.default_rng(0)

    def euler_step(z, dt):
        return z + (A @ z + b) * dt + G * rng.standard_normal(2)

    t0 = time.perf_counter()
    for _ in range(paths):
        z = np.zeros(2)
        for _ in range(steps):
            z = euler_step(z, 0.01)
    loop = paths * steps / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    tt.simulate(m, t_end=steps * 0.01, dt=0.01, paths=100_000, seed=1, method="euler", record=False)
    ours = 100_000 * steps / (time.perf_counter() - t0)
    print(f"per-path Python loop: {loop:,.0f} path-steps/s; simulate: {ours:,.0f}; speed-up {ours / loop:,.0f}x "
          "[target >= 100x]")


def verify_mi_to_one_percent() -> None:
    v, r = sp.symbols("v r", real=True)
    m = tt.LinearSDE({v: -v, r: 2 * v - 3 * r}, {v: 1, r: sp.Rational(1, 2)})
    t0 = time.perf_counter()
    paths = 20000
    while True:
        rec = tt.verify(m, tt.mutual_information, v, r, paths=paths, seed=3)
        if rec.stderr / rec.theory <= 0.01:
            break
        paths *= 2
    print(f"verify mutual information to {100 * rec.stderr / rec.theory:.2f}% relative error: "
          f"{time.perf_counter() - t0:.2f} s ({paths} paths, z = {rec.z:+.2f})")


def perceptron_learning() -> None:
    from thermotheory.models import perceptron

    N, R, steps = 1000, 200, 500
    raw = raw_normal_rate((R, N), steps)
    t0 = time.perf_counter()
    perceptron.simulate_learning(N, 0.5, 1.0, time=steps * 0.01, dt=0.01, realizations=R, seed=0)
    rate = R * N * steps / (time.perf_counter() - t0)
    print(f"perceptron learning, N = {N}: {rate / 1e6:.1f} M weight-steps/s = {rate / raw:.2f} x numpy's raw "
          f"normal rate ({raw / 1e6:.1f} M/s)")


if __name__ == "__main__":
    readme_simulate()
    throughput()
    per_path_loop()
    verify_mi_to_one_percent()
    perceptron_learning()
