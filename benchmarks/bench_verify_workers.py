"""Speed-up of ``verify_all`` and ``thermotheory verify --all`` with worker processes.

Printed (wall-clock times; BLAS limited to one thread per process, here and in the workers):

1. ``tt.verify_all`` on the README's sensor (tau = 1, tau_r = 0.2, lambda = 3, D_v = 1,
   D_r = 0.5) at its default settings, with ``workers=1`` (in one process) and
   ``workers=2``, each in a fresh interpreter (so that neither finds closed forms or compiled
   code cached by a run before), measured in the same run (``--repeat K`` alternates them K times and takes
   the best of each), the speed-up, and whether the two tables are the same bit for bit.
2. How it would scale with more workers: the two halves of each check timed alone in this
   process (the closed form, derived by the calling process, and the simulation, run by a
   worker), the start of one worker process timed (an interpreter importing
   ``thermotheory``), and the wall time predicted for N workers by the pool's own schedule
   (each worker takes the next simulation when it is free):
   ``max(closed forms, start + makespan(N))``. A check is one task: its blocks of paths are
   not shared out.
3. With ``--cli``: ``thermotheory verify --all --quiet`` with ``--workers 1`` and
   ``--workers 2`` (each about a minute on one core), the speed-up and whether the two
   outputs are the same.

The load average (what ``uptime`` shows) is printed before and after: on a machine whose
cores are busy with other work, two workers cannot run twice as fast.

Run: python benchmarks/bench_verify_workers.py [--repeat K] [--cli]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import heapq  # noqa: E402
import operator  # noqa: E402
import pickle  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory import workers as W  # noqa: E402
from thermotheory.montecarlo.estimators import ESTIMATORS  # noqa: E402
from thermotheory.montecarlo.simulate import _numeric_model  # noqa: E402
from thermotheory.verify import _measure_task, _part  # noqa: E402

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
README = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs ({W.cpu_count()} usable)"


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


_ONE_RUN = """
import pickle, sys, time
import sympy as sp
import thermotheory as tt
v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
model = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
values = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
t0 = time.perf_counter()
table = tt.verify_all(model, values, workers=int(sys.argv[1]))
sys.stdout.buffer.write(pickle.dumps((time.perf_counter() - t0, list(table))))
"""


def verify_all_speedup(repeat: int) -> None:
    print("1. tt.verify_all on the README sensor (default settings), wall time, each run in a fresh interpreter "
          "(after its import; nothing cached from a run before)")
    best = {1: float("inf"), 2: float("inf")}
    tables = {}
    for _ in range(repeat):
        for w in (1, 2):
            done = subprocess.run([sys.executable, "-c", _ONE_RUN, str(w)], capture_output=True, check=True)
            t, tables[w] = pickle.loads(done.stdout)
            best[w] = min(best[w], t)
            print(f"   workers={w}: {t:6.2f} s")
    same = tables[1] == tables[2] and all(
        a.estimate.hex() == b.estimate.hex() and a.stderr.hex() == b.stderr.hex() for a, b in zip(tables[1], tables[2]))
    print(f"   best: workers=1 {best[1]:.2f} s, workers=2 {best[2]:.2f} s -> speed-up {best[1] / best[2]:.2f}x "
          f"(ideal 2x); the same {len(tables[1])} records bit for bit: {same}")


def makespan(times: list[float], n: int) -> float:
    """Wall time of the checks in order on n workers, each taking the next check when it is free."""
    free = [0.0] * n
    for t in times:
        heapq.heapreplace(free, free[0] + t)
    return max(free)


def scaling() -> None:
    print("2. How it scales: the two halves of each check of the README sensor timed alone in this process")
    model = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})  # no closed form cached yet
    sp.core.cache.clear_cache()
    numeric = _numeric_model(model, README)
    rows = [(name, row) for (name, k, regime), row in ESTIMATORS.items()
            if k == "linear" and regime == "stationary" and row.checks is not None]
    checks = sorted(((order, name, row, args, kw) for name, row in rows for order, args, kw in row.checks(numeric)),
                    key=lambda c: c[0])
    derive, simulate = [], []
    print(f"   {'check':<44} {'closed form':>12} {'simulation':>11}")
    for i, (_, name, row, args, kw) in enumerate(checks):
        task = (model, name, args, dict(values=README, seed=i, paths=None, z_max=4.0, **kw))
        t_theory, derived = timed(lambda: _part(*task, "theory"))
        t_measure, _ = timed(lambda: _measure_task(*task))
        derive.append(t_theory)
        simulate.append(t_measure)
        print(f"   {derived[0]:<44} {t_theory:>10.2f} s {t_measure:>9.2f} s")
    with W.Pool(1) as pool:
        start, _ = timed(lambda: pool.map(operator.add, [(1, 2)]))  # an interpreter importing thermotheory
    print(f"   one worker process starts in {start:.2f} s (the workers start side by side)")
    serial = sum(derive) + sum(simulate)
    print(f"   With N workers the simulations run on the workers while this process derives the closed forms: the "
          f"wall time is about max(closed forms {sum(derive):.2f} s, start + the simulations' makespan on N workers), "
          "given N + 1 free cores:")
    print(f"   {'workers':>8} {'predicted wall':>15} {'speed-up':>9}")
    for n in (1, 2, 4, 8, 16):
        wall = serial if n == 1 else max(sum(derive), start + makespan(simulate, n))
        print(f"   {n:>8} {wall:>13.2f} s {serial / wall:>8.2f}x")
    floor = max(sum(derive), start + max(simulate))
    print(f"   A check is one task (its blocks of paths are not shared out): beyond {len(simulate)} workers nothing is "
          f"gained, and the wall time cannot fall below {floor:.2f} s (the closed forms, or the longest simulation "
          f"plus a start), a speed-up of at most {serial / floor:.1f}x for this model. verify --all (every catalog "
          "model) has many more checks, each derived in the worker that runs it, and scales until its longest check.")


def cli_speedup() -> None:
    print("3. thermotheory verify --all --quiet, wall time")
    outs, walls = {}, {}
    for w in (1, 2):
        t, done = timed(lambda: subprocess.run([sys.executable, "-m", "thermotheory", "verify", "--all", "--quiet",
                                                "--workers", str(w)], capture_output=True, text=True))
        walls[w], outs[w] = t, done.stdout
        print(f"   --workers {w}: {t:6.1f} s (exit {done.returncode})")
    print(f"   speed-up {walls[1] / walls[2]:.2f}x (ideal 2x); the same output: {outs[1] == outs[2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="alternate workers=1 and 2 this many times")
    parser.add_argument("--cli", action="store_true", help="also time thermotheory verify --all (about 2 minutes)")
    args = parser.parse_args()
    print(load())
    verify_all_speedup(args.repeat)
    scaling()
    if args.cli:
        cli_speedup()
    print(load())


if __name__ == "__main__":
    main()
