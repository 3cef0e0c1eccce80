"""Time to ``import thermotheory``, as a ratio against importing what it is built on, in the same run.

Each import runs in a fresh interpreter (``python -c``), best of ``--repeat`` runs, and is
printed against two references measured alternately in the same loop:

- ``import sympy, numpy, scipy`` (the issue's reference: scipy's submodules load lazily);
- the same plus ``scipy.linalg``, which the engine needs for every numeric solve.

Target (issue #25): at most 1.2x the first reference.

Run: python benchmarks/bench_import.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

CASES = {
    "sympy, numpy, scipy": "import sympy, numpy, scipy",
    "... + scipy.linalg": "import sympy, numpy, scipy, scipy.linalg",
    "thermotheory": "import thermotheory",
}
TARGET = 1.2


def _once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    best = {name: float("inf") for name in CASES}
    for _ in range(args.repeat):  # alternate, so a load change hits every case alike
        for name, code in CASES.items():
            best[name] = min(best[name], _once(code))
    base = best["sympy, numpy, scipy"]
    for name, seconds in best.items():
        print(f"{name:>22}: {seconds:6.3f} s  ({seconds / base:4.2f}x the first reference)")
    ratio = best["thermotheory"] / base
    print(f"import thermotheory / import sympy, numpy, scipy = {ratio:.2f} (target <= {TARGET}); "
          f"against the reference with scipy.linalg: {best['thermotheory'] / best['... + scipy.linalg']:.2f}")
    return best


if __name__ == "__main__":
    main()
