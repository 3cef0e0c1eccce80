"""The order in which tools/run_derivations.py starts the derivation scripts: the longest first."""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _runner():
    spec = importlib.util.spec_from_file_location("run_derivations_under_test", ROOT / "tools" / "run_derivations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _makespan(order: list[str], seconds: dict[str, float], jobs: int) -> float:
    """When the last of ``order`` ends, each started on the first of ``jobs`` free workers (a hand simulation)."""
    free = [0.0] * jobs
    for name in order:
        k = free.index(min(free))
        free[k] += seconds[name]
    return max(free)


def test_every_derivation_script_has_a_time_and_the_longest_starts_first():
    runner = _runner()
    scripts = sorted((ROOT / "derivations").glob("*.py"))
    assert {p.stem for p in scripts} == set(runner.SECONDS), "list each script of derivations/ in SECONDS"
    order = [p.stem for p in runner.longest_first(scripts)]
    times = [runner.SECONDS[name] for name in order]
    assert times == sorted(times, reverse=True)
    assert order[0] == max(runner.SECONDS, key=runner.SECONDS.get)


def test_a_script_not_listed_starts_first_and_ties_keep_the_order_by_name(tmp_path):
    runner = _runner()
    paths = [tmp_path / f"{n}.py" for n in ("b_new", "cold_damping", "a_new", "synapse")]
    assert [p.stem for p in runner.longest_first(paths)] == ["a_new", "b_new", "synapse", "cold_damping"]


def test_longest_first_with_two_jobs_ends_no_later_than_the_order_by_name_and_near_the_best():
    runner = _runner()
    seconds = runner.SECONDS
    by_name = sorted(seconds)
    ours = [p.stem for p in runner.longest_first([Path(f"{n}.py") for n in seconds])]
    span = _makespan(ours, seconds, 2)
    assert span <= _makespan(by_name, seconds, 2)
    # the best split of the scripts over two workers, by brute force over the subsets
    total = sum(seconds.values())
    names = list(seconds)
    best = min(max(sum(seconds[n] for n in subset), total - sum(seconds[n] for n in subset))
               for r in range(len(names) + 1) for subset in itertools.combinations(names, r))
    assert span <= 4 / 3 * best  # Graham's bound for longest-first; in practice within a few seconds


def test_the_runner_starts_the_longest_script_first(tmp_path):
    """With one job at a time the results come in the order the scripts start: the synapse's before cold damping's."""
    folder = tmp_path / "derivations"
    folder.mkdir()
    for name in ("cold_damping", "synapse"):
        (folder / f"{name}.py").write_text("print('ran')\n")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "run_derivations.py"), "--jobs", "1", "--quiet",
                           str(folder)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    finished = re.findall(r"^ok\s+(\S+)\.py", done.stdout, flags=re.M)
    assert finished == ["synapse", "cold_damping"], done.stdout
