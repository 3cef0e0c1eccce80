"""verify_all, Derivation checks and the command line on worker processes and on a Dask cluster.

The checks are independent (check ``i`` has the seed ``seed + i``), so the table must be
the same, every field of every record and the estimates bit for bit, whether the checks
run in this process, in worker processes (fresh interpreters: a plain script needs no
``if __name__ == "__main__":`` guard) or on the workers of a Dask cluster.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory import workers as W
from tests.helpers import record_calls
from thermotheory.cli import main
from thermotheory.errors import InvalidWorkers, ModelError, SchedulerUnreachable
from thermotheory.montecarlo.estimators import Estimator
from thermotheory.verify import AUTO_WORKERS_SECONDS, auto_workers
from tests.test_budget import hang_guard
from tests.conftest import FREE_PORT

ROOT = Path(__file__).resolve().parents[1]
v, r = sp.symbols("v r", real=True)
a, b = sp.symbols("a_w b_w", real=True)
g = sp.Symbol("g", positive=True)
PATHS = 256

#: The line that the README shows for verify_all on worker processes (the test takes the README's own line once
#: it has one).
README_LINE = 'print(tt.verify_all(model, values, workers=2))                     # checks shared out among 2 processes'

needs_two_cpus = pytest.mark.skipif(W.cpu_count() < 2, reason="one CPU: nothing to share out")


def _model():
    return tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})


def _swept():
    return tt.LinearSDE({v: -v, r: g * v - r}, {v: 1, r: 1})


def _fields(table):
    """Every field of every record, floats as their exact hex (bit for bit; a NaN equals itself)."""
    return [tuple(x.hex() if isinstance(x, float) else x for x in dataclasses.astuple(rec)) for rec in table]


@pytest.fixture(scope="module")
def serial():
    return tt.verify_all(_model(), paths=PATHS, seed=3, workers=1)


@pytest.fixture(scope="module")
def pool():
    """Two worker processes that the tests below share (each start imports thermotheory: about a second)."""
    with W.Pool(2) as workers:
        yield workers


def test_serial_is_the_default_and_the_table_checks_every_quantity(serial):
    assert len(serial) == 15 and serial.passed
    assert [r.seed for r in serial] == list(range(3, 3 + 15))  # check i has the seed seed + i
    assert _fields(tt.verify_all(_model(), paths=PATHS, seed=3)) == _fields(serial)


@needs_two_cpus
def test_two_worker_processes_give_the_same_records_bit_for_bit(serial):
    parallel = tt.verify_all(_model(), paths=PATHS, seed=3, workers=2)
    assert _fields(parallel) == _fields(serial) and parallel == serial
    # a number by hand: A S + S A^T + 2 I = 0 for A = [[-1, 0], [1, -1]] gives S_vv = 1, S_vr = 1/2, S_rr = 3/2,
    # and the mutual information is -1/2 ln(1 - rho^2) with rho^2 = (1/4) / (3/2) = 1/6
    mi = next(rec for rec in serial if rec.quantity.startswith("mutual_information"))
    assert mi.theory == pytest.approx(-0.5 * np.log(1 - 1 / 6), rel=1e-12)


@needs_two_cpus
def test_a_pool_lends_its_processes_to_several_calls(serial, pool):
    table = tt.verify_all(_model(), paths=PATHS, seed=3, workers=pool)
    procs = list(pool._procs)
    assert W.run_tasks(operator.add, [(1, 2), (3, 4)], workers=pool) == [3, 7]
    assert pool._procs == procs and len(procs) == 2  # the same two processes served both calls
    assert _fields(table) == _fields(serial)
    with W.Pool(2) as other:
        assert other.map(operator.mul, [(2, 3), (4, 5), (6, 7)]) == [6, 20, 42]
        mine = list(other._procs)
    assert all(p.poll() is not None for p in mine)  # ended with the pool


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_dask_cluster_gives_the_same_records(serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None,
                                  scheduler_kwargs=FREE_PORT) as cluster:
        table = tt.verify_all(_model(), paths=PATHS, seed=3, scheduler=cluster.scheduler_address)
        with distributed.Client(cluster, set_as_default=False) as client:  # a client given: left open
            one = tt.verify(_model(), tt.heat_rate, r, paths=PATHS, seed=11, scheduler=client)
            assert client.status == "running"
    assert _fields(table) == _fields(serial)
    assert _fields([one]) == _fields([tt.verify(_model(), tt.heat_rate, r, paths=PATHS, seed=11)])


def test_a_value_does_not_depend_on_what_was_computed_before_it():
    """The cause of records that differed in a worker: a heat rate whose terms cancel (the heat rate of an
    autonomous v is 0) solved the covariance in extended precision, and the information flow computed after it
    took that solve (-0.2) where a fresh process takes the float one (-0.19999999999999996)."""
    fresh = tt.LinearSDE({a: -a, b: a - b}, {a: 1, b: 1})  # names of this test alone: no cache shared
    first = float(tt.information_flow(fresh, subsystem=a))
    x, y = sp.symbols("x_w y_w", real=True)
    after = tt.LinearSDE({x: -x, y: x - y}, {x: 1, y: 1})
    assert tt.heat_rate(after, x) == 0 and tt.efficiency(after, y) > 0
    assert float(tt.information_flow(after, subsystem=x)).hex() == first.hex()
    assert first == pytest.approx(-0.2, rel=1e-14)  # -<f_a d_a ln p(b | a)>: -1/5 by hand for this model


@needs_two_cpus
def test_an_error_in_a_worker_is_the_error_of_a_serial_run(pool):
    with pytest.raises(ModelError) as here:
        tt.verify_all(_model(), paths=PATHS, dt=10.0, workers=1)  # a step far too coarse for a rate
    with pytest.raises(ModelError) as there:
        tt.verify_all(_model(), paths=PATHS, dt=10.0, workers=pool)
    assert type(there.value) is type(here.value) and str(there.value) == str(here.value)
    assert W.run_tasks(operator.add, [(1, 1), (2, 2)], workers=pool) == [2, 4]  # the pool still serves


def _warns(x: int) -> int:
    warnings.warn(f"task {x}", UserWarning, stacklevel=1)
    return x * x


@needs_two_cpus
def test_a_warning_in_a_worker_is_raised_here(pool):
    with pytest.warns(UserWarning) as caught:
        out = W.run_tasks(_warns, [(2,), (3,)], workers=pool)
    assert out == [4, 9] and sorted(str(w.message) for w in caught) == ["task 2", "task 3"]


@needs_two_cpus
def test_tasks_that_cannot_reach_a_worker_run_here_with_a_warning(pool):
    with pytest.warns(UserWarning, match="do not pickle"):
        out = W.run_tasks(lambda x, y: x + y, [(1, 2), (3, 4)], workers=pool, what="test")
    assert out == [3, 7]
    assert W.run_tasks(operator.sub, [(5, 3), (9, 1)], workers=pool) == [2, 8]


@pytest.mark.parametrize("workers", [0, -1, 2.5, True, "2", [2]])
def test_workers_must_be_a_positive_whole_number(workers, monkeypatch):
    work = record_calls(monkeypatch, [(sys.modules["thermotheory.verify"], "_plan"), (Estimator, "measure"),
                                      (W.Pool, "__init__"), (W.Pool, "_start"), (subprocess, "Popen")])
    for call in (functools.partial(tt.verify, _model(), tt.heat_rate, r, paths=PATHS),
                 functools.partial(tt.verify_all, _model(), paths=PATHS),
                 functools.partial(tt.sweep, _swept(), tt.heat_rate, r, parameter=g, grid=[1.0], paths=PATHS)):
        with pytest.raises(InvalidWorkers, match="workers: expected a positive whole number"):
            call(workers=workers)
        assert work == []  # refused before anything runs: no closed form, no run, no pool, no process
    assert issubclass(InvalidWorkers, ModelError)
    tt.verify(_model(), tt.heat_rate, r, paths=PATHS, workers=1)
    assert "measure" in work  # (the recording sees the work of a check that is not refused)


def test_a_scheduler_that_does_not_answer_is_refused_quickly(monkeypatch):
    monkeypatch.setattr(W, "CONNECT_TIMEOUT", 1.0)
    timeouts: list = []
    connect = socket.create_connection

    def recorded(address, *args, **kwargs):
        timeouts.append(kwargs.get("timeout", args[0] if args else None))
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", recorded)
    for address in ("tcp://127.0.0.1:1", "127.0.0.1:1", "not an address", "tcp://no-such-host.invalid:8786"):
        timeouts.clear()
        with hang_guard(120), pytest.raises(SchedulerUnreachable, match=r"no Dask scheduler answered .* within 1 s"):
            tt.verify_all(_model(), paths=PATHS, scheduler=address)
        # quickly: every attempt to reach the scheduler waits at most the configured timeout (1 s)
        assert timeouts == ([] if address == "not an address" else [1.0])
    with pytest.raises(SchedulerUnreachable):
        tt.verify(_model(), tt.heat_rate, r, paths=PATHS, scheduler="tcp://127.0.0.1:1")
    for bad in (42, "", ["tcp://127.0.0.1:1"]):
        with pytest.raises(InvalidWorkers, match="scheduler: expected a Dask scheduler address"):
            tt.verify_all(_model(), paths=PATHS, scheduler=bad)
    with pytest.raises(InvalidWorkers, match="not both"):
        tt.verify_all(_model(), paths=PATHS, workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InvalidWorkers, match="same thing"):
        tt.sweep(_swept(), tt.heat_rate, r, parameter=g, grid=[1.0], workers=2, processes=2)


def test_workers_none_shares_out_only_runs_long_enough_to_repay_the_start():
    cpus = W.cpu_count()
    assert auto_workers(None, None, 15, {}) == 1  # the default test suite's small calls stay in this process
    assert auto_workers(None, None, 15, {"rtol": 0.01}) == 1
    assert auto_workers(None, None, 15, {"budget": AUTO_WORKERS_SECONDS / 16}) == 1
    assert auto_workers(None, None, 15, {"budget": AUTO_WORKERS_SECONDS / 15}) == min(cpus, 15)
    assert auto_workers(None, None, 1, {"budget": 60}) == 1  # one check: one task
    assert auto_workers(3, None, 15, {"budget": 60}) == 3 and auto_workers(None, "tcp://x:1", 15, {}) is None


def _run_cli(*argv):
    import io

    buf = io.StringIO()
    return main(list(argv), out=buf), buf.getvalue()


@needs_two_cpus
def test_the_command_line_gives_the_same_table_with_workers():
    one = _run_cli("verify", "trapped", "--paths", "300", "--quiet", "--workers", "1")
    two = _run_cli("verify", "trapped", "--paths", "300", "--quiet", "--workers", "2")
    assert one == two and one[0] == 0 and "passed, 0 failed" in one[1]


@pytest.mark.parametrize("argv, message", [
    (("--workers", "0"), "--workers: expected a positive whole number"),
    (("--workers", "-2"), "--workers: expected a positive whole number"),
    (("--scheduler", "tcp://127.0.0.1:1"), "no Dask scheduler answered at 'tcp://127.0.0.1:1'"),
    (("--workers", "2", "--scheduler", "tcp://127.0.0.1:1"), "not both"),
])
def test_the_command_line_refuses_bad_workers_and_schedulers(capsys, argv, message):
    code, text = _run_cli("verify", "decoder", "--quiet", *argv)
    err = capsys.readouterr().err
    assert code == 2 and text == "" and message in err and "Traceback" not in err


def _readme_script(line: str) -> str:
    """The README's model and values lines, then ``line``: a plain script (no ``__main__`` guard)."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    first = next(blk for blk in blocks if "tt.LinearSDE(" in blk)
    setup = [ln for ln in first.splitlines() if re.match(r"(import |from |\w[\w, ]* = )", ln)]
    values = next(ln for blk in blocks for ln in blk.splitlines() if ln.startswith("values = "))
    script = "\n".join([*setup, values, line]) + "\n"
    assert "model = tt.LinearSDE(" in script and "__name__" not in script
    return script


def _readme_line() -> str:
    lines = [ln for ln in (ROOT / "README.md").read_text().splitlines() if "verify_all(" in ln and "workers=" in ln]
    return lines[0] if lines else README_LINE


def _run_script(script: str, folder: Path) -> str:
    path = folder / "readme_verify.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr  # a re-run of __main__ in a worker would fail here
    assert "Traceback" not in done.stderr and "readme_verify" not in done.stderr
    return done.stdout


@needs_two_cpus
def test_the_readme_workers_line_runs_from_a_plain_script(tmp_path):
    """The README's line, with fewer paths (the default test suite stays fast; the slow test runs it as is)."""
    line = _readme_line()
    assert "workers=2" in line
    out = _run_script(_readme_script(line.replace("workers=2", f"workers=2, paths={PATHS}")), tmp_path)
    rows = [ln for ln in out.splitlines() if ln.endswith(("pass", "FAIL"))]
    assert len(rows) == 15 and "15 passed, 0 failed" in out and "transfer_entropy_rate(" in out


@pytest.mark.slow
@needs_two_cpus
def test_the_readme_workers_line_as_it_stands(tmp_path, monkeypatch, capsys):
    script = _readme_script(_readme_line())
    out = _run_script(script, tmp_path)
    assert "15 passed, 0 failed" in out
    # the same lines in this process, one check after the other: the same table
    monkeypatch.setattr(tt, "verify_all", functools.partial(tt.verify_all, workers=1))
    exec(compile(script, "readme_verify.py", "exec"), {"__name__": "readme_verify"})
    assert capsys.readouterr().out == out


@pytest.mark.slow
@needs_two_cpus
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_readme_workers_line_runs_in_a_notebook(tmp_path):
    """A notebook's ``__main__`` is no file: workers that imported it (multiprocessing's "spawn") could not start."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    script = _readme_script(_readme_line().replace("workers=2", f"workers=2, paths={PATHS}"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(script)])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "15 passed, 0 failed" in text


@needs_two_cpus
def test_a_derivation_shares_its_checks_out_too(pool):
    from thermotheory.models import decoder as B

    d = B.neuron_quantities()
    values = {B.tau_v: 1.0, B.sigma_v: 1.0, B.sigma_n: 0.5, B.g: 1.0, B.tau_n: 0.5}
    names = ["information", "heat_rate", "efficiency"]
    here = d.verify(values, names=names, paths=PATHS, seed=5)
    there = d.verify(values, names=names, paths=PATHS, seed=5, workers=pool)
    assert len(here) == 3 and _fields(there) == _fields(here)


def _closed_form(value: float):
    from thermotheory.core.closedform import ClosedForm

    s, q = sp.symbols("s_w q_w", positive=True)
    return ClosedForm(sp.log(1 + q) / 2, [(q, s * value)], {q: "q"})


def _refuse_to_load():
    raise ValueError("this result does not unpickle")


class _Unloadable:
    def __reduce__(self):
        return (_refuse_to_load, ())


def _unloadable(x: int):
    return _Unloadable()


@needs_two_cpus
def test_results_come_back_whole_or_as_an_error_never_a_hang(pool):
    # a record's closed form may be a ClosedForm (immutable slots): it travels back whole
    assert W.run_tasks(_closed_form, [(2.0,), (3.0,)], workers=pool) == [_closed_form(2.0), _closed_form(3.0)]
    with hang_guard(120), pytest.raises(ValueError, match="does not unpickle"):  # fails on a hang only
        W.run_tasks(_unloadable, [(1,), (2,)], workers=pool)
    assert W.run_tasks(operator.add, [(1, 1), (2, 2)], workers=pool) == [2, 4]  # the pool still serves


def test_simulate_adds_no_drawing_thread_inside_a_worker_process():
    """The workers are plain interpreters (no multiprocessing parent): simulate once took a second thread in each,
    so a pool of one worker per CPU ran twice as many busy threads as CPUs."""
    from thermotheory.montecarlo.simulate import _idle_cpu
    from thermotheory.workers import Pool

    with Pool(1) as pool:
        assert pool.map(_idle_cpu, [()]) == [False]


def test_the_deprecated_montecarlo_sweep_module_points_at_the_new_homes():
    """Its worker names once pointed at thermotheory.sweep, which no longer has them (AttributeError)."""
    import importlib
    import sys

    old = importlib.import_module("thermotheory.montecarlo.sweep")
    homes = {"_serve": "thermotheory.workers", "_WORKER": "thermotheory.workers", "sweep": "thermotheory.sweep"}
    for name, home in homes.items():
        with pytest.warns(DeprecationWarning, match=home):
            assert getattr(old, name) is getattr(sys.modules[home], name)
