"""Parameter sweeps of Monte Carlo checks, in parallel processes or on a Dask cluster.

:func:`sweep` runs :func:`~thermotheory.verify` at each value of one parameter. The
checks are independent (each has its own seed, ``seed + i``), so the result does not
depend on where they run: in this process, in worker processes of this machine, or on
the workers of a Dask cluster whose scheduler address is given.

The worker processes of this machine are fresh Python interpreters that import
``thermotheory`` and receive the pickled checks on a pipe. Unlike a ``multiprocessing``
pool started by "spawn" or "forkserver", they never import the caller's ``__main__``, so a
plain script without an ``if __name__ == "__main__":`` guard is not run again in each
worker; unlike "fork", they do not copy a process that may have threads running (a
notebook kernel, a Dask client, BLAS). Checks that refer to something defined in
``__main__`` (a function of the script or notebook), which no other process can import, run
in this process with a warning.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import queue
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any

import sympy as sp

from .core.model import LinearSDE
from .errors import ModelError
from .verify import VerificationTable, verify

__all__ = ["sweep"]


def _one(task: tuple) -> Any:
    model, quantity, args, values, paths, seed, z_max, options, label = task
    rec = verify(model, quantity, *args, values=values, paths=paths, seed=seed, z_max=z_max, **options)
    return dataclasses.replace(rec, quantity=f"{rec.quantity} at {label}")


def _cpu_count() -> int:
    """The CPUs this process may use (its affinity where the platform tells it), at least 1."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


# The worker: the parent's sys.path (so that it imports the same thermotheory and the modules
# beside the caller's script), then the loop that answers pickled checks.
_WORKER = "import sys; sys.path[:] = {path!r}; from thermotheory.sweep import _serve; _serve()"


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes | None:
    """One message, or None at the end of the stream (the other side closed it or died)."""
    head = stream.read(8)
    if len(head) < 8:
        return None
    size = int.from_bytes(head, "little")
    data = stream.read(size)
    return data if len(data) == size else None


def _serve() -> None:
    """Worker process: answer each pickled check on stdin with ``("ok", record)`` or an error, until EOF."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything the checks print goes to stderr, never into the replies
    while (data := _receive(sys.stdin.buffer)) is not None:
        try:
            reply = ("ok", _one(pickle.loads(data)))
        except Exception as exc:
            reply = ("error", exc, traceback.format_exc())
        try:
            message = pickle.dumps(reply)
        except Exception:  # an exception that does not pickle: send its traceback
            message = pickle.dumps(("error", None, traceback.format_exc() if reply[0] == "ok" else reply[2]))
        _send(replies, message)


class _WorkerTraceback(Exception):
    """The traceback of an error raised in a worker process (the cause of the error raised here)."""

    def __str__(self) -> str:
        return "\n" + self.args[0]


def _in_processes(payloads: list[bytes], workers: int) -> list[Any]:
    """Run pickled checks in ``workers`` fresh worker processes; the records in the order of the payloads."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for item in enumerate(payloads):
        pending.put(item)
    replies: list[Any] = [None] * len(payloads)
    stop = threading.Event()
    command = [sys.executable, "-c", _WORKER.format(path=list(sys.path))]

    procs: list[subprocess.Popen] = []

    def drive() -> None:  # one worker process, fed one check at a time until none is left
        with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as proc:
            procs.append(proc)
            try:
                while not stop.is_set():
                    try:
                        i, data = pending.get_nowait()
                    except queue.Empty:
                        return
                    try:
                        _send(proc.stdin, data)
                        reply = _receive(proc.stdout)
                    except OSError:  # the worker died while reading
                        reply = None
                    if reply is None:
                        raise BrokenProcessPool(f"a sweep worker process ended abruptly (exit code {proc.wait()}); "
                                                "its error output is above")
                    replies[i] = pickle.loads(reply)
                    if replies[i][0] != "ok":
                        stop.set()
            except BaseException:
                stop.set()
                proc.kill()
                raise

    errors: list[BaseException] = []
    threads = [threading.Thread(target=_catching(drive, errors), daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException:  # KeyboardInterrupt: no worker goes on in the background
        stop.set()
        for proc in list(procs):
            proc.kill()
        raise
    if errors:
        raise errors[0]
    for reply in replies:  # a check's error (ModelError, ...) is raised here as it was raised there
        if reply is not None and reply[0] != "ok":
            _, exc, trace = reply
            if exc is None:
                raise BrokenProcessPool(f"a sweep check failed in a worker process:\n{trace}")
            raise exc from _WorkerTraceback(trace)
    return [reply[1] for reply in replies]


def _catching(run: Callable[[], None], errors: list[BaseException]) -> Callable[[], None]:
    def target() -> None:
        try:
            run()
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
    return target


def sweep(
    model: LinearSDE,
    quantity: Callable[..., Any],
    *args: Any,
    parameter: sp.Symbol | str,
    grid: Sequence[float],
    values: Mapping | None = None,
    paths: int | None = None,
    seed: int = 0,
    z_max: float = 4.0,
    processes: int | None = None,
    scheduler: Any = None,
    **options: Any,
) -> VerificationTable:
    """Verify one closed form at every value of a parameter, in parallel.

    Parameters
    ----------
    model, quantity, *args, **options
        As for :func:`~thermotheory.verify`.
    parameter : Symbol or name
        The parameter that varies.
    grid : sequence of float
        Its values.
    values : mapping, optional
        Values of the other parameters.
    paths, seed, z_max
        As for :func:`~thermotheory.verify`; check ``i`` uses the seed ``seed + i``.
    processes : int, optional
        Worker processes on this machine (default: the number of CPUs this process may
        use, at most one per check); 1 runs in this process. The workers are fresh
        interpreters that never import ``__main__``: the call works from a plain script
        without an ``if __name__ == "__main__":`` guard, and from a notebook.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: the checks run on its
        workers instead (needs ``dask.distributed``).

    Returns
    -------
    VerificationTable
        One record per grid value, in the grid's order (its name ends with ``at NAME=VALUE``).

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> g = sp.Symbol("g", positive=True)
    >>> m = tt.LinearSDE({v: -v, r: g * v - r}, {v: 1, r: 1})
    >>> table = sweep(m, tt.heat_rate, r, parameter=g, grid=[0.5, 1.0], paths=300, processes=1)
    >>> len(table), table.passed
    (2, True)
    """
    (par,) = model.substitution({parameter: 0}, check=False)  # by Symbol or name; unknown names are refused
    grid = [float(x) for x in grid]
    if not grid:
        raise ModelError("grid: expected at least one value")
    base = model.substitution(values or {})
    if par in base:
        raise ModelError(f"values: {par} is the swept parameter; give its values in grid")
    tasks = [(model, quantity, args, {**base, par: x}, paths, seed + i, z_max, options, f"{par.name}={x:g}")
             for i, x in enumerate(grid)]
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - depends on the installation
            raise ModelError("a Dask scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
        client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
        try:
            records = client.gather(client.map(_one, tasks, pure=False))
        finally:
            if client is not scheduler:
                client.close()
        return VerificationTable(records)
    if processes is not None and (isinstance(processes, bool) or not isinstance(processes, int) or processes < 1):
        raise ModelError(f"processes: expected a positive whole number but found {processes!r}")
    workers = min(processes or _cpu_count(), len(tasks))
    payloads = None
    if workers > 1 and sys.executable:
        try:
            payloads = [pickle.dumps(t) for t in tasks]
        except Exception as exc:  # a local function or lambda: no other process can receive it
            _warn_in_process(f"they do not pickle ({exc})")
        else:
            if any(b"__main__" in p for p in payloads):
                _warn_in_process("they refer to something defined in __main__, which worker processes cannot import")
                payloads = None
    if payloads is None:
        return VerificationTable(_one(t) for t in tasks)
    return VerificationTable(_in_processes(payloads, workers))


def _warn_in_process(why: str) -> None:
    warnings.warn(f"sweep: the checks run in this process, not in worker processes: {why}; define the quantity "
                  "in a module to run them in parallel", UserWarning, stacklevel=3)
