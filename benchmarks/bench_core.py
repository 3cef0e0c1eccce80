"""Speed of the core engine, printed as ratios against reference runs in the same process.

A numeric closed form on a model of at most ``thermotheory.core._threads.SMALL_PROBLEM`` variables runs with one
BLAS thread (on few cores OpenBLAS's threads spin-wait on matrices of a few hundred rows, and the n = 200 row
varied from 5.6x to 9x with two); the reference solve runs with the threads the environment gives, as a user's
would. Unless ``OPENBLAS_NUM_THREADS`` is set, the n = 200 and n = 1000 rows are run once more in a child process
with one BLAS thread throughout (reference included).

Run: python benchmarks/bench_core.py [n ...]
"""

from __future__ import annotations

import time

import numpy as np
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def numeric(n: int) -> None:
    rng = np.random.default_rng(0)
    A = -np.eye(n) + 0.3 / np.sqrt(n) * rng.standard_normal((n, n))
    d = rng.uniform(0.5, 1.5, n)
    half = n // 2
    X, Y = [f"z{i}" for i in range(half)], [f"z{i}" for i in range(half, n)]

    def everything():
        m = tt.LinearSDE.from_matrices(A, d)
        tt.mutual_information(m, X, Y)
        tt.entropy_production_rate(m)
        tt.entropy_production_rate(m, subsystem=Y)
        tt.heat_rate(m, Y)
        tt.information_flow(m, subsystem=Y)
        tt.transfer_entropy_rate(m, X, Y)

    repeat = 5 if n <= 200 else 2
    build = best_of(lambda: tt.LinearSDE.from_matrices(A, d), repeat)
    reference = best_of(lambda: sla.solve_continuous_lyapunov(A, -2 * np.diag(d)), repeat)
    total = best_of(everything, repeat=min(repeat, 3))
    target = f"   (target <= {TARGET:.0f} x: {'met' if total / reference <= TARGET else 'NOT met'})" if n >= 200 else ""
    print(f"n={n:4d}  build {build * 1e3:8.2f} ms   all quantities {total:7.3f} s   "
          f"= {total / reference:6.1f} x one raw scipy Lyapunov solve ({reference * 1e3:.1f} ms){target}")


#: All stationary quantities of a numeric model within this many raw scipy Lyapunov solves (n = 200 and 1000):
#: one balanced Schur decomposition of A is shared by the conditioning estimate and the covariance solve, and the
#: filter's Riccati equation is solved by Newton–Kleinman steps from zero when the hidden drift is stable.
TARGET = 5.0


def symbolic() -> None:
    v, r = sp.symbols("v r", real=True)
    tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)

    def derive():
        m = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
        tt.mutual_information(m, v, r)
        tt.entropy_production_rate(m)
        tt.entropy_production_rate(m, subsystem=r)
        tt.heat_rate(m, r)
        tt.information_flow(m, subsystem=r)
        tt.efficiency(m, r)
        tt.filter_error(m, v, r)
        tt.transfer_entropy_rate(m, v, r)

    print(f"symbolic sensor, every quantity derived: {best_of(derive, repeat=3):.2f} s")


if __name__ == "__main__":
    import os
    import subprocess
    import sys

    sizes = [int(a) for a in sys.argv[1:]] or [10, 50, 200, 1000]
    print(f"BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    for n in sizes:
        numeric(n)
    if len(sys.argv) == 1:
        symbolic()
        if "OPENBLAS_NUM_THREADS" not in os.environ:
            print("with one BLAS thread:")
            env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
            out = subprocess.run([sys.executable, __file__, "200", "1000"], env=env, capture_output=True, text=True)
            print("".join(line + "\n" for line in out.stdout.splitlines() if line.startswith("n=")), end="")
