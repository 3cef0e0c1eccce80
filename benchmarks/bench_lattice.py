"""The lattice field's FFT path against scipy's dense Lyapunov solver, on growing lattices.

For each size: the time to get the stationary covariance (dense: ``solve_continuous_lyapunov``
on the ``N x N`` drift; FFT: the whole two-point function) and the entropy, and the ratio
dense / FFT. Then the largest lattice each handles within 10 s, extrapolated from the
measured growth (``N^3`` dense, ``N log N`` FFT) and, for the FFT, checked by a run.

Run: python benchmarks/bench_lattice.py
"""

from __future__ import annotations

import time

import numpy as np
import scipy.linalg as sla

from thermotheory.models.lattice import LatticeField


def dense_time(f: LatticeField) -> float:
    A = f.linear_sde(max_sites=10**5).arrays()[0]
    t0 = time.perf_counter()
    S = sla.solve_continuous_lyapunov(A, -2 * f.gamma * np.eye(f.sites))
    np.linalg.slogdet(S)
    return time.perf_counter() - t0


def fft_time(f: LatticeField) -> float:
    t0 = time.perf_counter()
    f.correlation()
    f.entropy()
    return time.perf_counter() - t0


def main() -> None:
    print(f"{'lattice':>12} {'sites':>9} {'dense s':>9} {'FFT s':>9} {'dense/FFT':>10}")
    last = None
    for L in (8, 12, 16, 24, 32):
        f = LatticeField(L, 2, m2=0.5, lam=1.0)
        td, tf = dense_time(f), fft_time(f)
        last = (f.sites, td)
        print(f"{f'{L}x{L}':>12} {f.sites:9d} {td:9.3f} {tf:9.5f} {td / tf:10.0f}")
    for L in (256, 1024, 2048):
        f = LatticeField(L, 2, m2=0.5, lam=1.0)
        print(f"{f'{L}x{L}':>12} {f.sites:9d} {'-':>9} {fft_time(f):9.3f}")
    n_dense = int(last[0] * (10.0 / last[1]) ** (1 / 3))
    L_fft = 2048
    while True:
        t = fft_time(LatticeField(L_fft * 2, 2, m2=0.5, lam=1.0)) if L_fft < 8192 else 99.0
        if t > 10.0 or L_fft >= 8192:
            break
        L_fft *= 2
    print(f"largest in 10 s: dense about {n_dense} sites (extrapolated as N^3); "
          f"FFT at least {L_fft}x{L_fft} = {L_fft**2} sites (run)")


if __name__ == "__main__":
    main()
