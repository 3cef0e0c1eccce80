"""Speed of the Markov jump process closed forms (issue #26), printed as times and ratios in one run.

Symbolic: against a plain sympy matrix-tree computation (the principal minors of -L with
sympy's ``Matrix.det``, then p_i = Z_i / sum Z) in the same process. Numeric: against one
scipy sparse solve of the same generator. Targets: a 6-state ring with 12 symbolic rates,
stationary distribution and entropy production, under 0.2 s; a 10-state symbolic network
(a 2 x 5 bipartite grid), structured, under 2 s; the 4-state sensor's learning rate under
1 s; a symbolic network past the budget refused with TooLarge within 1 s; a 10^4-state
numeric grid's stationary state, entropy production and subsystem flows under 1 s.
(J2 appends the Gillespie section at the end.)

Run: python benchmarks/bench_jump.py
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sps
import sympy as sp
from scipy.sparse.linalg import spsolve

import thermotheory as tt
from thermotheory.core import jump_forms as jf


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def ring_rates(n: int) -> dict:
    k = sp.symbols(f"k0:{n}", positive=True)
    q = sp.symbols(f"q0:{n}", positive=True)
    rates = {(i, (i + 1) % n): k[i] for i in range(n)}
    rates.update({((i + 1) % n, i): q[i] for i in range(n)})
    return rates


def grid_rates(nx: int, ny: int, symbolic: bool, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    names = iter(sp.symbols("c0:100000", positive=True)) if symbolic else None
    rates = {}
    for x in range(nx):
        for y in range(ny):
            for dx, dy in ((1, 0), (0, 1)):
                X, Y = x + dx, y + dy
                if X < nx and Y < ny:
                    for a, b in (((x, y), (X, Y)), ((X, Y), (x, y))):
                        rates[(a, b)] = next(names) if symbolic else float(rng.uniform(0.2, 3.0))
    return rates


def plain_matrix_tree(rates: dict) -> list:
    """The reference: principal minors of -L by sympy's Matrix.det, p_i = Z_i / sum Z."""
    states = sorted({s for e in rates for s in e})
    idx = {s: i for i, s in enumerate(states)}
    n = len(states)
    L = sp.zeros(n, n)
    for (a, b), w in rates.items():
        L[idx[b], idx[a]] += w
        L[idx[a], idx[a]] -= w
    Z = [(-L).minor_submatrix(i, i).det(method="berkowitz") for i in range(n)]
    total = sp.Add(*Z)
    return [z / total for z in Z]


def fresh(rates: dict, **kw):
    return tt.MarkovJumpProcess(rates, **kw)  # a new model each time: nothing cached


def symbolic() -> None:
    print("symbolic (best of 3; a new model each time)")
    rates = ring_rates(6)
    t_ref, _ = timed(lambda: plain_matrix_tree(rates))

    def ring():
        m = fresh(rates)
        return jf.stationary_distribution(m), tt.entropy_production_rate(m)

    t_ring, _ = timed(ring)
    print(f"  6-state ring, 12 rates: stationary + EP {t_ring:.3f} s (target < 0.2 s); plain sympy matrix-tree "
          f"{t_ref:.3f} s: ratio {t_ring / t_ref:.1f}x (target < 10x)")

    grid = grid_rates(2, 5, symbolic=True)

    def ladder():
        m = fresh(grid)
        return jf.stationary_distribution(m), tt.entropy_production_rate(m), tt.information_flow(m, "y")

    t_grid, (p, sigma, l_y) = timed(ladder, repeat=1)
    print(f"  2 x 5 bipartite grid, 26 rates: stationary + EP + learning rate {t_grid:.3f} s (target < 2 s), "
          f"structured: {type(p).__name__}, {sigma.count_ops() if hasattr(sigma, 'count_ops') else '-'} ops")

    w = sp.symbols("w0:8", positive=True)
    keys = [((0, 0), (1, 0)), ((1, 0), (0, 0)), ((0, 1), (1, 1)), ((1, 1), (0, 1)),
            ((0, 0), (0, 1)), ((0, 1), (0, 0)), ((1, 1), (1, 0)), ((1, 0), (1, 1))]
    t_sensor, l = timed(lambda: tt.information_flow(fresh(dict(zip(keys, w))), "y"))
    print(f"  4-state sensor's learning rate: {t_sensor:.3f} s (target < 1 s), {sp.count_ops(l)} ops")

    from thermotheory.models import receptor

    start = time.perf_counter()  # the first call: the presentation pass is not yet cached
    written = tt.information_flow(receptor.sensor(), "y")
    t_written = time.perf_counter() - start
    print(f"  the BHS sensor's learning rate as written, first call: {t_written:.3f} s (target < 1 s): {written}")

    big = grid_rates(6, 6, symbolic=True)

    def refuse():
        try:
            tt.entropy_production_rate(fresh(big))
        except tt.TooLarge:
            return True
        return False

    t_refuse, refused = timed(refuse, repeat=1)
    print(f"  6 x 6 symbolic grid: refused with TooLarge {refused} in {t_refuse:.3f} s (target < 1 s)")


def numeric() -> None:
    print("numeric")
    rates = grid_rates(100, 100, symbolic=False)
    model = tt.MarkovJumpProcess(rates)
    src, dst, w = model.edge_arrays()
    n = model.n

    def reference():
        out = np.bincount(src, weights=w, minlength=n)
        keep = dst != 0
        rows = np.concatenate([dst[keep], np.arange(1, n), np.zeros(n, dtype=np.int64)])
        cols = np.concatenate([src[keep], np.arange(1, n), np.arange(n)])
        vals = np.concatenate([w[keep], -out[1:], np.ones(n)])
        b = np.zeros(n)
        b[0] = 1.0
        return spsolve(sps.csc_matrix((vals, (rows, cols)), shape=(n, n)), b)

    t_ref, _ = timed(reference)

    def everything():
        m = tt.MarkovJumpProcess(rates)
        return (jf.stationary_distribution(m), tt.entropy_production_rate(m), tt.entropy_production_rate(m, "y"),
                tt.heat_rate(m, "y"), tt.information_flow(m, "y"))

    t_build, _ = timed(lambda: tt.MarkovJumpProcess(rates))

    def closed_forms():
        m = tt.MarkovJumpProcess.__new__(tt.MarkovJumpProcess)
        m.__setstate__(model.__getstate__())  # the same model, caches empty
        return (jf.stationary_distribution(m), tt.entropy_production_rate(m), tt.entropy_production_rate(m, "y"),
                tt.heat_rate(m, "y"), tt.information_flow(m, "y"))

    t_forms, _ = timed(closed_forms)
    print(f"  100 x 100 grid (10^4 states): stationary + EP + sigma_y + Phi_y + l_y {t_forms:.3f} s (target < 1 s); "
          f"one scipy sparse solve {t_ref:.3f} s: ratio {t_forms / t_ref:.1f}x; building the model from its "
          f"{len(rates)} rates {t_build:.3f} s")
    del everything


def conditioning() -> None:
    """Issue #25: the cost of the digits-lost check and of the extended-precision solve near stall."""
    from thermotheory.core import jump_efficiency as je
    from thermotheory.models import pump

    print("conditioning (a new model each time, best of 5)")

    def at(atp, ion):
        values = {"k_1": 1.0, "k_2": 2.0, "k_3": 0.5, "k_4": 1.5, "Delta_mu_ATP": atp, "Delta_mu_ion": ion}
        return pump.ion_pump().numeric(values)

    def efficiency(model):
        def run():
            m = tt.MarkovJumpProcess.__new__(tt.MarkovJumpProcess)
            m.__setstate__(model.__getstate__())  # the same model, caches empty
            return je.conversion_efficiency(m, "atp", "ions")
        return timed(run, repeat=5)

    t_far, eta_far = efficiency(at(2.0, 1.0))
    t_near, eta_near = efficiency(at(20.0, 20.0 - 1e-6))
    print(f"  pump efficiency at dmu = (2, 1) (well conditioned: the float path) {t_far * 1e3:.2f} ms, "
          f"eta = {eta_far:.15f} (exact 0.5); at dmu = (20, 20 - 1e-6) (stiff, near stall: extended precision) "
          f"{t_near * 1e3:.2f} ms, ratio {t_near / t_far:.1f}x, eta = {eta_near:.15f} (exact {(20.0 - 1e-6) / 20.0:.15f})")
    n = 40
    rates = {(i, (i + 1) % n): 1.0 for i in range(n)}
    rates.update({((i + 1) % n, i): 1.0 for i in range(n)})
    rates[(0, n - 1)] = float(np.exp(-1e-9))
    t_ring, J = timed(lambda: jf.probability_current(tt.MarkovJumpProcess(rates), 0, 1), repeat=5)
    print(f"  {n}-state ring 1e-9 from equilibrium, its current in extended precision: {t_ring * 1e3:.1f} ms, "
          f"J = {J:.6e}")


if __name__ == "__main__":
    symbolic()
    numeric()
    conditioning()


# -- Gillespie simulation (engineer J2; thermotheory.montecarlo.gillespie) ---------------------------------------------
def _gillespie_from(path: str):
    """``gillespie`` of another copy of the module (e.g. ``git show HEAD:thermotheory/montecarlo/gillespie.py``)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("thermotheory.montecarlo._gillespie_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its relative imports resolve inside thermotheory.montecarlo
    spec.loader.exec_module(module)
    return module.gillespie


def gillespie_speed(paths: int = 100_000, duration: float = 40.0, repeats: int = 5,
                    baseline: str | None = None) -> None:
    """Gillespie paths of a 4-state network against numpy drawing the random numbers they use.

    The reference is the time numpy takes to draw two numbers per jump made (one uniform and
    one standard exponential, SFC64, in batches of 2^20), in the same process; each time is the
    least CPU time of ``repeats`` interleaved runs (the least disturbed by other processes).
    Target: the simulation within 3x of the reference. ``baseline``: the path of another copy
    of ``gillespie.py``, timed in the same runs (the ratio before a change).
    """
    from thermotheory.montecarlo.gillespie import gillespie

    W = np.array([[0.0, 2.0, 0.0, 1.0], [1.0, 0.0, 3.0, 0.0], [0.0, 1.0, 0.0, 2.0], [2.0, 0.0, 1.0, 0.0]])
    runs = {"now": gillespie}
    if baseline:
        runs["baseline"] = _gillespie_from(baseline)
    for run in runs.values():
        run(W, 1.0, 1024, seed=0)  # warm-up
    rng = np.random.Generator(np.random.SFC64(0))
    full = {name: [] for name in runs}
    counts = {name: [] for name in runs}
    ref = []
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.process_time()
            rec = run(W, duration, paths, seed=1)
            full[name].append(time.process_time() - t0)
            t0 = time.process_time()
            run(W, duration, paths, seed=1, occupation=False)
            counts[name].append(time.process_time() - t0)
            if name == "now":
                made, drawn = int(rec.counts.sum()), rec.jumps
        t0 = time.process_time()
        for start in range(0, made, 1 << 20):
            size = min(1 << 20, made - start)
            rng.random(size)
            rng.standard_exponential(size)
        ref.append(time.process_time() - t0)
    draw = min(ref)
    print(f"gillespie: {paths} paths x {made / paths:.0f} jumps of a 4-state network; drawing 2 numbers per jump "
          f"takes {draw:.3f} s (best of {repeats})")
    for name in runs:
        sim, bare = min(full[name]), min(counts[name])
        print(f"  {name}: {sim:.3f} s with the occupations, {bare:.3f} s counting jumps only: ratios {sim / draw:.2f} "
              f"and {bare / draw:.2f}  [target <= 3]" + (f" ({drawn / made:.3f} jumps drawn per jump made)"
                                                          if name == "now" else ""))


if __name__ == "__main__":
    import sys

    gillespie_speed(baseline=sys.argv[1] if len(sys.argv) > 1 else None)
