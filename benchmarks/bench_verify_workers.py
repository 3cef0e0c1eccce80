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
4. With ``--split`` (or ``--only-split``): one check, the heat rate of the README sensor's ``r``, with
   enough paths to take about ``--seconds`` (default 10) in one process, timed with
   ``workers=1`` and ``workers=2`` (its blocks of paths split between two worker processes
   started by the call), and with a ``Pool(2)`` started before (the start left out); best of
   ``--split-repeat`` (default 3) each, the ratios, whether the records are the same bit for
   bit, and how the time would scale with more workers (the start, the closed form and the
   estimate from the per-block sums stay in one process).

The load average (what ``uptime`` shows) is printed before and after: on a machine whose
cores are busy with other work, two workers cannot run twice as fast.

Run: python benchmarks/bench_verify_workers.py [--repeat K] [--cli] [--split | --only-split] [--seconds S]
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


def split_speedup(seconds: float, repeat: int) -> None:
    print(f"4. One check split between worker processes: heat_rate(r) of the README sensor, about {seconds:g} s in one "
          "process; wall time, best of each")
    from thermotheory.montecarlo import simulate as simulate_module

    model = SENSOR
    tt.verify(model, tt.heat_rate, r, values=README, paths=128, seed=0)  # the closed form derived (and cached) once
    probe = 8192
    t_probe, _ = timed(lambda: tt.verify(model, tt.heat_rate, r, values=README, paths=probe, seed=1))
    paths = max(256, int(round(probe * seconds / t_probe / 64)) * 64)
    print(f"   {probe} paths took {t_probe:.2f} s: {paths} paths ({paths // 64} blocks of 64)")

    def check(workers):
        return tt.verify(model, tt.heat_rate, r, values=README, paths=paths, seed=1, workers=workers)

    def one_thread():  # one process that draws its normals in the calling thread, as each worker does
        idle = simulate_module._idle_cpu
        simulate_module._idle_cpu = lambda: False
        try:
            return check(1)
        finally:
            simulate_module._idle_cpu = idle

    best, records = {}, {}
    with W.Pool(2) as pool:
        pool.map(operator.add, [(1, 2), (3, 4)])  # both processes started (and thermotheory imported) before timing
        runs = (("workers=1", lambda: check(1)), ("workers=1, 1 thread", one_thread), ("workers=2", lambda: check(2)),
                ("Pool(2), started", lambda: check(pool)))
        for _ in range(repeat):
            for name, run in runs:
                t, records[name] = timed(run)
                best[name] = min(best.get(name, float("inf")), t)
                print(f"   {name:<20} {t:6.2f} s")
    one, thread = best["workers=1"], best["workers=1, 1 thread"]
    same = len({(rec.estimate.hex(), rec.stderr.hex(), rec.z.hex()) for rec in records.values()}) == 1 and \
        all(rec == records["workers=1"] for rec in records.values())
    print(f"   best: workers=1 {one:.2f} s, workers=2 {best['workers=2']:.2f} s -> speed-up "
          f"{one / best['workers=2']:.2f}x; with the pool started before {best['Pool(2), started']:.2f} s -> "
          f"{one / best['Pool(2), started']:.2f}x; the same record bit for bit: {same}")
    print(f"   (one process draws its normals in a second thread when a CPU is free: on 2 cores workers=1 uses both. "
          f"Against one process drawing in its calling thread, {thread:.2f} s, as each worker does: "
          f"{thread / best['workers=2']:.2f}x with the processes started by the call, "
          f"{thread / best['Pool(2), started']:.2f}x with the pool started before; ideal 2x)")
    # CPU seconds, which the load of other work does not inflate as it does the wall time: the serial run's, this
    # process's and each range's (as its worker reported it) in a split run on the pool
    cpu_serial = []
    for _ in range(repeat):
        c0 = time.process_time()
        one_thread()
        cpu_serial.append(time.process_time() - c0)
    ranges, original = [], W.Splitter.map

    def spy(self, function, tasks):
        out = original(self, function, tasks)
        ranges.append([cpu for _, cpu in out])
        return out

    W.Splitter.map = spy
    try:
        with W.Pool(2) as pool:
            pool.map(operator.add, [(1, 2), (3, 4)])
            c0 = time.process_time()
            check(pool)
            cpu_parent = time.process_time() - c0
    finally:
        W.Splitter.map = original
    serial_cpu, parts = min(cpu_serial), ranges[-1]
    with W.Pool(1) as pool1:
        start, _ = timed(lambda: pool1.map(operator.add, [(1, 2)]))
    print(f"   CPU: one process {serial_cpu:.2f} s; split in two: the ranges {parts[0]:.2f} s and {parts[1]:.2f} s "
          f"(sum {sum(parts):.2f} s, {sum(parts) / serial_cpu:.2f}x the serial work), this process {cpu_parent:.2f} s "
          f"(the estimate from the per-block sums, the closed form, the transfers); one worker starts in {start:.2f} s")
    rest = cpu_parent
    per_block = sum(parts) / (paths // 64)
    print(f"   Predicted wall time on N free cores (N workers started by the call, side by side; ranges of equal "
          f"blocks): start + {sum(parts):.1f} s / N + {rest:.2f} s")
    for n in (1, 2, 4, 8, 16):
        wall = serial_cpu if n == 1 else start + per_block * -(-(paths // 64) // n) + rest
        print(f"   {n:>8} workers {wall:>8.2f} s {serial_cpu / wall:>6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="alternate workers=1 and 2 this many times")
    parser.add_argument("--cli", action="store_true", help="also time thermotheory verify --all (about 2 minutes)")
    parser.add_argument("--split", action="store_true", help="also time one check split between 2 workers")
    parser.add_argument("--only-split", action="store_true", help="time only the split check (section 4)")
    parser.add_argument("--seconds", type=float, default=10.0, help="size of the split check on one worker")
    parser.add_argument("--split-repeat", type=int, default=3, help="best of this many runs of the split check")
    args = parser.parse_args()
    print(load())
    if not args.only_split:
        verify_all_speedup(args.repeat)
        scaling()
        if args.cli:
            cli_speedup()
    if args.split or args.only_split:
        split_speedup(args.seconds, args.split_repeat)
    print(load())


if __name__ == "__main__":
    main()
