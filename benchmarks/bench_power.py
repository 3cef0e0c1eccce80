"""Monte Carlo power: the smallest error in a closed form that ``verify`` catches, and the raw throughput.

Printed (all times are CPU seconds of this process, on one core: BLAS is limited to one thread):

1. Throughput of the exact stepper on 2, 4 and 8 variables (float64 and float32), as
   (paths x steps x variables) per second over numpy's raw standard-normal rate, measured
   alternately in the same process: against ``numpy.random.default_rng`` (PCG64, the
   reference; target >= 0.8) and against the SFC64 generator that ``simulate`` draws from
   (what the stepper itself costs on top of its random numbers).
2. Power, for each quantity of the README's sensor (tau = 1, tau_r = 0.2, lambda = 3,
   D_v = 1, D_r = 0.5) and of a weakly coupled sensor (lambda = 0.3): ``verify`` with
   ``budget=10`` seconds, and the smallest relative error of the closed form it detects
   9 times out of 10 (|z| > 4): ``(t* + 1.28) stderr / |theory|``, ``t*`` the t value whose
   normal equivalent is 4 at the record's degrees of freedom (both signs of the error). The z
   of the correct closed form is shown next to it. Targets: 1% (README sensor), 3% (weak).
   ``--seeds K`` also counts, over K seeds, how often an error of that size is caught.
3. The transfer-entropy check of the README (stiff) sensor at verify's defaults (target < 5 s).
4. ``thermotheory verify --all`` over every catalog model (wall time; target < 60 s).
5. Budget adherence: for each quantity of the README sensor at small budgets, the CPU spent over
   ``budget=`` (target <= 1 where the smallest valid run fits) and over the plan that the pilots'
   cost fit made (``record.spent / record.planned``, near 1).

Run: nice -n 5 python benchmarks/bench_power.py [--quick] [--seeds K]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402
from scipy import optimize, stats  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory.montecarlo.estimators import normal_equivalent_z  # noqa: E402

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
README = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
WEAK = {**README, lam: 0.3}
QUANTITIES = [
    ("entropy(r)", tt.entropy, (r,), {}),
    ("mutual_information(v, r)", tt.mutual_information, (v, r), {}),
    ("entropy_production_rate()", tt.entropy_production_rate, (), {}),
    ("entropy_production_rate(subsystem=r)", tt.entropy_production_rate, (), {"subsystem": r}),
    ("heat_rate(r)", tt.heat_rate, (r,), {}),
    ("information_flow(subsystem=r)", tt.information_flow, (), {"subsystem": r}),
    ("efficiency(r)", tt.efficiency, (r,), {}),
    ("transfer_entropy_rate(v, r)", tt.transfer_entropy_rate, (v, r), {}),
    ("filter_error(v, r)", tt.filter_error, (v, r), {}),
]


def _raw(gen: np.random.Generator, dtype, total: int) -> float:
    buf = np.empty((2, 128, 64), dtype)
    t0 = time.process_time()
    done = 0
    while done < total:
        gen.standard_normal(out=buf, dtype=dtype)
        done += buf.size
    return done / (time.process_time() - t0)


def throughput(rounds: int) -> None:
    print("1. throughput of the exact stepper (median of alternating runs; CPU time)")
    for n in (2, 4, 8):
        rng = np.random.default_rng(n)
        A = -np.diag(np.linspace(1.0, 3.0, n)) + 0.3 * np.tril(rng.standard_normal((n, n)), -1)
        model = tt.LinearSDE.from_matrices(A, np.linspace(0.5, 1.0, n))
        paths, steps = 8192, 1024 // n
        work = paths * steps * n
        for dtype in ("float64", "float32"):
            ours, pcg, sfc = [], [], []
            for _ in range(rounds):
                pcg.append(_raw(np.random.default_rng(0), np.dtype(dtype).type, work))
                sfc.append(_raw(np.random.Generator(np.random.SFC64(0)), np.dtype(dtype).type, work))
                t0 = time.process_time()
                tt.simulate(model, t_end=steps * 0.01, dt=0.01, paths=paths, seed=1, record=False, dtype=dtype)
                ours.append(work / (time.process_time() - t0))
            ours_, pcg_, sfc_ = np.median(ours), np.median(pcg), np.median(sfc)
            print(f"   n = {n}, {dtype}: {ours_ / 1e6:6.1f} M/s = {ours_ / pcg_:.2f} x numpy's default normal rate "
                  f"({pcg_ / 1e6:.0f} M/s) [target >= 0.8]; {ours_ / sfc_:.2f} x SFC64's ({sfc_ / 1e6:.0f} M/s)")


def detectable(rec) -> float:
    """Smallest relative error caught 9 times out of 10 at |z| > z_max, from the record's error and dof."""
    def excess(t):
        return abs(normal_equivalent_z(t, rec.dof)) - rec.z_max

    t_star = optimize.brentq(excess, rec.z_max * 0.5, rec.z_max * 20) if np.isfinite(rec.dof) else rec.z_max
    return (t_star + stats.norm.ppf(0.9)) * rec.stderr / abs(rec.theory)


def power(budget: float, seeds: int, quantities) -> None:
    print(f"2. smallest relative error detected 9 times out of 10 by verify(budget={budget:g} s)")
    for title, values, target in (("README sensor", README, 0.01), ("weak sensor (lambda = 0.3)", WEAK, 0.03)):
        print(f"   {title}: target {100 * target:g}%")
        for label, fn, args, kwargs in quantities:
            t0 = time.process_time()
            rec = tt.verify(SENSOR, fn, *args, values=values, budget=budget, seed=11, **kwargs)
            cpu = time.process_time() - t0
            eps = detectable(rec)
            line = (f"     {label:<38} {100 * eps:6.3f}%  {'met' if eps <= target else 'NOT met':<7} "
                    f"(z of the correct form {rec.z:+.2f}, {rec.paths} paths x {rec.duration:.3g}, "
                    f"dof {rec.dof:.0f}, {cpu:.1f} s; planned {rec.planned:.2f} s, spent {rec.spent:.2f} s)")
            if seeds:
                caught = 0
                for k in range(seeds):
                    other = tt.verify(SENSOR, fn, *args, values=values, budget=budget, seed=100 + k, **kwargs)
                    for sign in (1, -1):
                        theory = other.theory * (1 + sign * eps)
                        t = (other.estimate - theory) / other.stderr
                        caught += abs(normal_equivalent_z(t, other.dof)) > other.z_max
                line += f"; caught {caught} of {2 * seeds}"
            print(line, flush=True)


def budget_adherence(budgets) -> None:
    """CPU spent over budget= for each quantity of the README sensor, and the plan's error (spent / planned).

    Target: spent / budget <= 1 where the smallest valid run fits in the budget (the transfer
    entropy and the filter error of the stiff sensor need about 1 s at least: below that the
    check spends that and warns, BudgetExceeded); spent / planned near 1 (the pilots' cost fit).
    """
    import warnings

    from thermotheory.verify import BudgetExceeded

    print("5. budget adherence: CPU spent / budget (and spent / planned) per quantity of the README sensor")
    for budget in budgets:
        cells, ratios = [], []
        for label, fn, args, kwargs in QUANTITIES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", BudgetExceeded)
                rec = tt.verify(SENSOR, fn, *args, values=README, budget=budget, seed=11, **kwargs)
            ratios.append(rec.spent / budget)
            cells.append(f"{label} {rec.spent / budget:.2f} ({rec.spent / rec.planned:.2f})")
        worst = max(ratios)
        print(f"   budget={budget:g} s: worst spent/budget {worst:.2f} [target <= 1, or the smallest run]; "
              + "; ".join(cells), flush=True)


def stiff_transfer_entropy() -> None:
    t0 = time.process_time()
    w0 = time.perf_counter()
    rec = tt.verify(SENSOR, tt.transfer_entropy_rate, v, r, values=README)
    print(f"3. transfer entropy check of the stiff sensor at the defaults: {time.process_time() - t0:.2f} s CPU "
          f"({time.perf_counter() - w0:.2f} s wall) [target < 5 s]; {rec}")


def verify_all_catalog() -> None:
    w0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "thermotheory", "verify", "--all", "--quiet"], capture_output=True,
                          text=True)
    wall = time.perf_counter() - w0
    lines = [line for line in proc.stdout.splitlines() if "passed," in line]
    print(f"4. thermotheory verify --all: {wall:.1f} s wall [target < 60 s], exit {proc.returncode}; "
          f"{'; '.join(lines)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="budget 2 s and fewer rounds (a smoke run)")
    parser.add_argument("--seeds", type=int, default=0, help="also count detections over this many seeds")
    parser.add_argument("--budget", type=float, default=10.0)
    args = parser.parse_args()
    throughput(3 if args.quick else 7)
    power(2.0 if args.quick else args.budget, args.seeds, QUANTITIES)
    stiff_transfer_entropy()
    verify_all_catalog()
    budget_adherence((0.3, 1.0) if args.quick else (0.3, 1.0, 3.0))


if __name__ == "__main__":
    main()
