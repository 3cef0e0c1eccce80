"""Size of every closed form of every derivation before and after the presentation pass.

Runs each script in ``derivations/`` (fast Monte Carlo settings, output to a temporary
folder), records the closed forms it exports, and prints sympy's ``count_ops`` of each
before and after :func:`thermotheory.compact`, with the time the pass took. The pass
never makes a closed form longer (it keeps the input when nothing is smaller); the last
line says whether that held for all of them.

Run: python benchmarks/bench_presentation.py [script-name ...]
"""

from __future__ import annotations

import os
import runpy
import sys
import tempfile
import time
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]


def ops(expr) -> int:
    from thermotheory import ClosedForm

    if isinstance(expr, ClosedForm):
        return expr.count_ops()
    if isinstance(expr, sp.MatrixBase):
        return int(sum(sp.count_ops(e) for e in expr))
    return int(sp.count_ops(expr)) if isinstance(expr, sp.Basic) else 0


def main(names: list[str]) -> int:
    import thermotheory.export as export
    from thermotheory import compact

    recorded: list[tuple[str, str, object]] = []
    original = export.write_derivation

    def recording(name, title, model, quantities, out, sections=(), figures=()):
        for key, expr in quantities.items():
            recorded.append((name, key, expr))
        for _, _, sub in sections:
            for key, expr in sub.items():
                recorded.append((name, key, expr))
        return original(name, title, model, quantities, out, sections, figures)

    export.write_derivation = recording
    os.environ["THERMOTHEORY_FAST"] = "1"
    os.environ["THERMOTHEORY_OUT"] = tempfile.mkdtemp()
    scripts = sorted((ROOT / "derivations").glob("*.py"))
    if names:
        scripts = [s for s in scripts if s.stem in names]
    for script in scripts:
        print(f"running {script.name} ...", file=sys.stderr)
        runpy.run_path(str(script), run_name="__main__")
    from thermotheory.core.presentation import _compact_cached

    _compact_cached.cache_clear()  # time the pass itself, not the cache the export filled
    longer = 0
    total_before = total_after = 0
    print(f"{'derivation':<18} {'quantity':<58} {'before':>7} {'after':>7} {'seconds':>8}")
    for page, key, expr in recorded:
        t0 = time.perf_counter()
        out = compact(expr)
        dt = time.perf_counter() - t0
        before, after = ops(expr), ops(out)
        total_before += before
        total_after += after
        longer += after > before
        print(f"{page:<18} {key[:58]:<58} {before:>7} {after:>7} {dt:>8.2f}")
    print(f"\n{len(recorded)} closed forms: {total_before} operations before the pass, {total_after} after; "
          f"{'none' if not longer else longer} got longer")
    return 1 if longer else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
