"""Run every derivation script, several at a time: the README's main job on every core.

    python tools/run_derivations.py [--jobs N] [--quiet] [FOLDER]

FOLDER defaults to ``derivations/`` beside this folder. Each script runs in its own process,
``python derivations/NAME.py`` from the folder above FOLDER, with this environment: as the
README's loop ``for f in derivations/*.py; do python "$f" || exit 1; done`` runs it, so it
writes the same pages byte for byte; only the order in which the scripts run changes: the
longest first (:data:`SECONDS`, a script not listed there counts as the longest), so that
with a few at a time no long script starts last and runs on alone. As
each script ends, its output is printed in one piece (not interleaved with the others';
``--quiet`` leaves it out), then a line with its result and time. The outputs of the scripts
that failed are printed at the end; the exit status is 1 if any failed (all the others still
run), 2 for a bad command line, else 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

DERIVATIONS = Path(__file__).resolve().parents[1] / "derivations"

#: CPU seconds (user + sys) each script of ``derivations/`` took, run alone on the 2-core machine of the
#: README's timing. Only their order matters: the longest starts first (in the order by name the synapse's
#: script, the longest, started among the last and ran on alone for a minute and a half). Refresh the numbers
#: when a script grows much longer or shorter; a new script not listed here starts first.
SECONDS = {
    "synapse": 102.0,
    "lattice": 54.0,
    "information_rates": 45.0,
    "heat_engine": 35.0,
    "decoder": 30.0,
    "perceptron": 29.0,
    "jump_processes": 20.0,
    "sensor": 18.5,
    "particle": 17.5,
    "two_temperatures": 17.5,
    "currents": 13.5,
    "cold_damping": 3.0,
}


def cpu_count() -> int:
    """The CPUs this process may use (its affinity where the platform tells it), at least 1."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number but found {text!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number but found {text!r}")
    return jobs


def longest_first(scripts: list[Path]) -> list[Path]:
    """The scripts in the order they start: by :data:`SECONDS`, the longest first; those not listed first of all.

    A script not listed (a new one) may be long, so it starts before the listed ones; ties
    keep the order by name.

    Examples
    --------
    >>> [p.name for p in longest_first([Path("cold_damping.py"), Path("new.py"), Path("synapse.py")])]
    ['new.py', 'synapse.py', 'cold_damping.py']
    """
    return sorted(scripts, key=lambda p: (-SECONDS.get(p.stem, float("inf")), p.name))


def run_one(script: Path) -> tuple[Path, int, float, str]:
    """Run one script as the README's loop does; its exit code, wall time in seconds and output."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(Path(script.parent.name) / script.name)], cwd=script.parent.parent,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return script, done.returncode, time.perf_counter() - start, done.stdout.decode(errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DERIVATIONS, help="the scripts' folder")
    parser.add_argument("-j", "--jobs", type=_jobs, default=cpu_count(),
                        help="scripts run at once (default: the number of CPUs, %(default)s here)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print the results only, not each script's output")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    scripts = sorted(p for p in folder.glob("*.py") if not p.name.startswith(".")) if folder.is_dir() else []
    if not scripts:
        parser.error(f"no scripts (*.py) in {args.folder}")
    start = time.perf_counter()
    failed: list[tuple[Path, str]] = []
    total = 0.0
    with ThreadPoolExecutor(max_workers=min(args.jobs, len(scripts))) as pool:
        for future in as_completed([pool.submit(run_one, s) for s in longest_first(scripts)]):
            script, code, seconds, output = future.result()
            total += seconds
            if code == 0:
                if output and not args.quiet:
                    print(output, end="" if output.endswith("\n") else "\n")
                print(f"ok      {script.name}  {seconds:.1f} s", flush=True)
            else:
                failed.append((script, output))
                print(f"FAILED  {script.name}  {seconds:.1f} s (exit code {code})", flush=True)
    for script, output in sorted(failed):
        print(f"\n---- output of {script.name} ----\n{output}", end="" if output.endswith("\n") else "\n")
    wall = time.perf_counter() - start
    if failed:
        print(f"\n{len(failed)} of {len(scripts)} scripts failed: {', '.join(s.name for s, _ in sorted(failed))}")
        return 1
    print(f"{len(scripts)} scripts ok in {wall:.1f} s with {min(args.jobs, len(scripts))} at a time "
          f"(the scripts' times add up to {total:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
