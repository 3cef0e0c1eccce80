"""Monte Carlo speed, printed as ratios against reference runs in the same process.

1. Throughput of a 2-variable linear model with 100,000 paths, as
   (paths x steps x variables) per second over numpy's raw standard-normal rate
   (target >= 0.8 for the exact method; see bench_power.py for 2 to 8 variables and float32).
2. Speed-up over a per-path loop in the style of common SDE packages (a Python loop over
   paths calling an Euler step; target >= 100x).
3. Time to verify the mutual information of the two-variable sensor to 1% relative
   standard error.
4. The perceptron's learning simulation (N = 1000 weights, P = 500 patterns): weight-steps
   per second over numpy's raw standard-normal rate (it draws one normal per weight-step).

Run: python benchmarks/bench_montecarlo.py
"""

from __future__ import annotations

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
    throughput()
    per_path_loop()
    verify_mi_to_one_percent()
    perceptron_learning()
