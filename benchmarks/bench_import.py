"""Time to ``import thermotheory``, as a ratio against importing what it is built on, in the same run.

Each import runs in a fresh interpreter (``python -c``), best of ``--repeat`` runs, and is
printed against two references measured alternately in the same loop:

- ``import sympy, numpy, scipy`` (the issue's reference: scipy's submodules load lazily);
- the same plus ``scipy.linalg``, which the engine needs for every numeric solve.

Target (issue #25): at most 1.2x the first reference.

Bytecode: sympy, numpy and scipy are installed with their compiled bytecode (``.pyc``), as pip
installs thermotheory; a checkout run with ``PYTHONDONTWRITEBYTECODE=1`` compiles thermotheory's
sources on every import instead. So by default every case runs with a bytecode cache of its own
(``PYTHONPYCACHEPREFIX``, a temporary folder; nothing is written into the source tree), filled by
one warm-up run per case; ``--source`` measures as the environment is (no cache where it is off).

``--baseline DIR`` also times the ``thermotheory`` package found in ``DIR`` (for instance an
earlier version: ``git archive HEAD thermotheory | tar -x -C DIR``) in the same loop, so a change
is measured before and after in one run.

Run: python benchmarks/bench_import.py [--repeat 7] [--source] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "sympy, numpy, scipy": "import sympy, numpy, scipy",
    "... + scipy.linalg": "import sympy, numpy, scipy, scipy.linalg",
    "thermotheory": "import thermotheory",
}
TARGET = 1.2
#: What ``import thermotheory`` must not load (tests/test_import_lazy.py asserts it).
LAZY = ("thermotheory.montecarlo", "thermotheory.verify", "thermotheory.sweep", "thermotheory.export",
        "thermotheory.catalog", "thermotheory.cli", "matplotlib")


def _once(code: str, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=cwd)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--source", action="store_true",
                        help="no bytecode cache of our own: measure as the environment is")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="a folder holding another thermotheory package to time in the same loop")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if not args.source:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = cache
        cases = {name: (code, ROOT) for name, code in CASES.items()}
        if args.baseline is not None:
            cases["baseline thermotheory"] = ("import thermotheory", args.baseline.resolve())
        if not args.source:
            for code, cwd in cases.values():  # fill the bytecode cache
                _once(code, env, cwd)
        best = {name: float("inf") for name in cases}
        cpu = {name: float("inf") for name in cases}
        for _ in range(args.repeat):  # alternate, so a load change hits every case alike
            for name, (code, cwd) in cases.items():
                wall, used = _once(code, env, cwd)
                best[name], cpu[name] = min(best[name], wall), min(cpu[name], used)
    probe = f"import sys, thermotheory; print(sorted({{m.split('.')[0] if m.startswith('matplotlib') else m for m in sys.modules if m.startswith({LAZY!r})}}))"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, env=env, cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    print(f"bytecode: {'as the environment is' if args.source else 'cached (as installed)'}; best of {args.repeat}")
    for label, times in (("wall-clock", best), ("CPU (user + system; steadier on a loaded machine)", cpu)):
        base, linalg = times["sympy, numpy, scipy"], times["... + scipy.linalg"]
        print(f"{label}:")
        for name, seconds in times.items():
            print(f"  {name:>22}: {seconds:6.3f} s  ({seconds / base:4.2f}x the first reference)")
        print(f"  import thermotheory / import sympy, numpy, scipy = {times['thermotheory'] / base:.2f} "
              f"(target <= {TARGET}); against the reference with scipy.linalg: {times['thermotheory'] / linalg:.2f}")
        if args.baseline is not None:
            print(f"  baseline: {times['baseline thermotheory'] / base:.2f}x the first reference, "
                  f"{times['baseline thermotheory'] / linalg:.2f}x the second")
    print(f"layers loaded by import thermotheory that should load lazily: {loaded}")
    return best


if __name__ == "__main__":
    main()
