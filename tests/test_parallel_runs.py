"""Parallel runs: sweep's worker processes from a plain script, and the derivation runner.

``tt.sweep`` used to start a "spawn" process pool, whose workers import the caller's
``__main__`` again: the README's sweep line pasted into a script without an
``if __name__ == "__main__":`` guard re-ran the script in every worker and failed with
``BrokenProcessPool``. The workers are now fresh interpreters that never import
``__main__``; these tests run the README's own lines as such a script.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.errors import ModelError
import importlib

sweep_module = importlib.import_module("thermotheory.sweep")

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "tools" / "run_derivations.py"

v, r = sp.symbols("v r", real=True)
g = sp.Symbol("g", positive=True)


def _model(cls=tt.LinearSDE):
    return cls({v: -v, r: g * v - r}, {v: 1, r: 1})


def _readme_sweep_script() -> str:
    """The README's model lines and its sweep line (with the comment above it), as a plain script."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    first = next(b for b in blocks if "tt.LinearSDE(" in b)
    setup = [line for line in first.splitlines() if re.match(r"(import |from |\w[\w, ]* = )", line)]
    block = next(b for b in blocks if "tt.sweep(" in b).splitlines()
    end = next(i for i, line in enumerate(block) if "tt.sweep(" in line)
    start = end
    while start > 0 and block[start - 1].lstrip().startswith("#"):
        start -= 1
    script = "\n".join([*setup, *block[start:end + 1]]) + "\n"
    assert "model = tt.LinearSDE(" in script and "__name__" not in script
    return script


def test_the_readme_sweep_runs_from_a_plain_script(tmp_path, monkeypatch, capsys):
    if sweep_module._cpu_count() < 2:
        pytest.skip("one CPU: sweep runs in this process, so there are no worker processes to test")
    script = _readme_sweep_script()
    path = tmp_path / "readme_sweep.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("heat_rate(r) at lambda=")]
    assert [row.split()[2] for row in rows] == ["lambda=1", "lambda=2", "lambda=3"]
    assert all(row.endswith("pass") for row in rows) and "3 passed, 0 failed" in done.stdout
    # the same lines in this process, serially: the same table (the same seeds give the same paths)
    monkeypatch.setattr(tt, "sweep", functools.partial(tt.sweep, processes=1))
    exec(compile(script, str(path), "exec"), {"__name__": "readme_sweep"})
    assert capsys.readouterr().out == done.stdout


def test_worker_processes_give_the_serial_records_bit_for_bit():
    kw = dict(parameter=g, grid=[0.5, 1.0, 2.0], paths=300, seed=7)
    serial = tt.sweep(_model(), tt.heat_rate, r, processes=1, **kw)
    parallel = tt.sweep(_model(), tt.heat_rate, r, processes=2, **kw)
    assert [(p.quantity, p.theory, p.estimate, p.stderr, p.seed) for p in parallel] == \
        [(s.quantity, s.theory, s.estimate, s.stderr, s.seed) for s in serial]
    # the numbers, by hand: Sigma_vv = 1, Sigma_vr = g/2, Sigma_rr = 1 + g^2/2 (Lyapunov), and the heat rate of r
    # is <f_r^2>/D_r + <d f_r/d r> = (g^2 Sigma_vv - 2 g Sigma_vr + Sigma_rr) - 1 = g^2/2 for f_r = g v - r
    assert [s.theory for s in serial] == pytest.approx([x**2 / 2 for x in kw["grid"]], rel=1e-12)


def test_an_error_in_a_worker_is_the_error_of_a_serial_run():
    kw = dict(parameter=g, grid=[0.5, 1.0], paths=300, dt=10.0)  # a step far too coarse for a rate
    with pytest.raises(ModelError) as serial:
        tt.sweep(_model(), tt.heat_rate, r, processes=1, **kw)
    with pytest.raises(ModelError) as parallel:
        tt.sweep(_model(), tt.heat_rate, r, processes=2, **kw)
    assert type(parallel.value) is type(serial.value) and str(parallel.value) == str(serial.value)


@pytest.mark.parametrize("processes", [0, -1, 2.5, True, "2"])
def test_processes_must_be_a_positive_whole_number(processes):
    with pytest.raises(ModelError, match="processes: expected a positive whole number"):
        tt.sweep(_model(), tt.heat_rate, r, parameter=g, grid=[0.5, 1.0], paths=300, processes=processes)


def test_checks_that_cannot_reach_a_worker_run_here_with_a_warning(monkeypatch):
    class Local(tt.LinearSDE):  # a local class: it does not pickle
        pass

    kw = dict(parameter=g, grid=[0.5, 1.0], paths=300)
    serial = tt.sweep(_model(), tt.heat_rate, r, processes=1, **kw)
    with pytest.warns(UserWarning, match="do not pickle"):
        here = tt.sweep(_model(Local), tt.heat_rate, r, processes=2, **kw)
    assert [(h.estimate, h.stderr) for h in here] == [(s.estimate, s.stderr) for s in serial]
    # defined in __main__ (a script's or a notebook's own class): it pickles, but no worker can import it
    Local.__module__, Local.__qualname__ = "__main__", "Local"
    monkeypatch.setattr(sys.modules["__main__"], "Local", Local, raising=False)
    with pytest.warns(UserWarning, match="defined in __main__"):
        here = tt.sweep(_model(Local), tt.heat_rate, r, processes=2, **kw)
    assert [(h.estimate, h.stderr) for h in here] == [(s.estimate, s.stderr) for s in serial]


def _scripts(folder: Path, **bodies: str) -> Path:
    folder.mkdir()
    for name, body in bodies.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(body))
    return folder


def _run_all(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), *extra, str(folder)], capture_output=True, text=True,
                          timeout=120)


OK = """\
    import os, pathlib, sys
    out = pathlib.Path(os.environ.get("THERMOTHEORY_OUT", pathlib.Path(__file__).parent / "out"))
    out.mkdir(exist_ok=True)
    (out / (pathlib.Path(__file__).stem + ".txt")).write_text("cwd=" + os.getcwd() + " argv=" + " ".join(sys.argv))
    print("done", pathlib.Path(__file__).stem)
"""


def test_the_runner_runs_every_script_and_writes_what_the_loop_writes(tmp_path):
    folder = _scripts(tmp_path / "derivations", a=OK, b=OK)
    done = _run_all(folder, "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^ok\s+a\.py\s+[\d.]+ s$", done.stdout, flags=re.M), done.stdout
    assert re.search(r"^ok\s+b\.py\s+[\d.]+ s$", done.stdout, flags=re.M), done.stdout
    parallel = {p.name: p.read_text() for p in (folder / "out").iterdir()}
    # the README's loop, `for f in derivations/*.py; do python "$f" || exit 1; done`, from the folder above
    for script in sorted(folder.glob("*.py")):
        (folder / "out" / f"{script.stem}.txt").unlink()
        loop = subprocess.run([sys.executable, str(script.relative_to(tmp_path))], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
        assert loop.returncode == 0, loop.stderr
    assert parallel == {p.name: p.read_text() for p in (folder / "out").iterdir()}
    assert set(parallel) == {"a.txt", "b.txt"}


def test_the_runner_fails_with_the_output_of_the_failing_script(tmp_path):
    folder = _scripts(tmp_path / "derivations", a=OK, b="print('half way')\nraise SystemExit('b is broken')\n")
    done = _run_all(folder, "--jobs", "2")
    assert done.returncode == 1
    assert re.search(r"^ok\s+a\.py", done.stdout, flags=re.M), done.stdout
    assert re.search(r"^FAILED\s+b\.py", done.stdout, flags=re.M), done.stdout
    assert "half way" in done.stdout + done.stderr and "b is broken" in done.stdout + done.stderr
    assert "1 of 2 scripts failed: b.py" in done.stdout + done.stderr


def test_the_runner_refuses_a_bad_jobs_count_and_an_empty_folder(tmp_path):
    folder = _scripts(tmp_path / "derivations", a=OK)
    for jobs in ("0", "-2", "two"):
        done = _run_all(folder, "--jobs", jobs)
        assert done.returncode == 2 and "--jobs" in done.stderr, done.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _run_all(empty)
    assert done.returncode == 2 and "no scripts" in done.stderr, done.stderr
