"""The README's two jobs on every core, against issue #25's targets on the 2-core machine.

- The main job (``python tools/run_derivations.py``: every derivation script, several at a time, pages to a
  temporary folder): its wall time (target under 4 minutes) and the speed-up over the same scripts one after the
  other, the sum of their own times in the same run (the runner prints it).
- The default test suite (``python -m pytest -q``, one worker per core): its wall time (target under 5 minutes) and
  the CPU time of the run over its wall time (how many cores it kept busy).

Each job runs once, in a child process, as a user runs it; the machine should be otherwise quiet. With more cores
the main job is bounded by its longest script (the synapse's, about 80 s here) and the suite by its largest work
unit (the shared derivations', about 170 s of CPU).

Run: python benchmarks/bench_jobs.py [--skip-main] [--skip-suite] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Targets of issue #25 on 2 cores, seconds.
MAIN_TARGET, SUITE_TARGET = 240.0, 300.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], env: dict | None = None) -> tuple[float, float, str, int]:
    """(wall seconds, CPU seconds of the child and its descendants, output, exit status) of one command."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, _children_cpu() - cpu0, out.stdout + out.stderr, out.returncode


def _verdict(wall: float, target: float) -> str:
    return "met" if wall < target else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-main", action="store_true", help="do not run the derivation scripts")
    parser.add_argument("--skip-suite", action="store_true", help="do not run the test suite")
    parser.add_argument("--jobs", type=int, default=None, help="scripts at a time (default: one per core)")
    args = parser.parse_args(argv)
    status = 0
    print(f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    if not args.skip_main:
        with tempfile.TemporaryDirectory() as out:
            env = dict(os.environ, THERMOTHEORY_OUT=out)
            command = [sys.executable, "tools/run_derivations.py", "--quiet"]
            if args.jobs:
                command += ["--jobs", str(args.jobs)]
            wall, cpu, text, code = run(command, env)
        serial = re.search(r"the scripts' times add up to ([0-9.]+) s", text)
        speedup = f"; the scripts one after the other: {float(serial.group(1)):.0f} s, speed-up " \
                  f"{float(serial.group(1)) / wall:.2f}x" if serial else ""
        print(f"main job: {wall:.0f} s wall, {cpu:.0f} s CPU (target < {MAIN_TARGET:.0f} s: "
              f"{_verdict(wall, MAIN_TARGET)}){speedup}" + ("" if code == 0 else f"; FAILED (exit {code})"))
        status |= code != 0
    if not args.skip_suite:
        wall, cpu, text, code = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        summary = next((line for line in reversed(text.splitlines()) if " in " in line and "passed" in line), "")
        print(f"test suite: {wall:.0f} s wall, {cpu:.0f} s CPU, {cpu / wall:.2f} cores busy (target < "
              f"{SUITE_TARGET:.0f} s: {_verdict(wall, SUITE_TARGET)}); {summary.strip('= ')}"
              + ("" if code == 0 else f"; FAILED (exit {code})"))
        status |= code != 0
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
