"""Parameter sweeps of Monte Carlo checks, in parallel processes or on a Dask cluster.

:func:`sweep` runs :func:`~thermotheory.verify` at each value of one parameter. The
checks are independent (each has its own seed, ``seed + i``), so the result does not
depend on where they run: in this process, in worker processes of this machine, or on
the workers of a Dask cluster whose scheduler address is given.

The worker processes of this machine (:mod:`thermotheory.workers`, shared with
:func:`~thermotheory.verify_all`) are fresh Python interpreters that import
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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp

from .core.model import LinearSDE
from .errors import InvalidWorkers, ModelError
from .verify import VerificationTable, verify
from .workers import check_workers, cpu_count, run_tasks

__all__ = ["sweep"]


def _one(task: tuple) -> Any:
    model, quantity, args, values, paths, seed, z_max, options, label = task
    rec = verify(model, quantity, *args, values=values, paths=paths, seed=seed, z_max=z_max, **options)
    return dataclasses.replace(rec, quantity=f"{rec.quantity} at {label}")


def _cpu_count() -> int:
    """The CPUs this process may use (see :func:`thermotheory.workers.cpu_count`)."""
    return cpu_count()


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
    workers: int | None = None,
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
    processes, workers : int, optional
        Worker processes on this machine (two names for the same setting, as in
        :func:`~thermotheory.verify_all`: give one; default: the number of CPUs this process
        may use, at most one per check); 1 runs in this process. The workers are fresh
        interpreters that never import ``__main__``: the call works from a plain script
        without an ``if __name__ == "__main__":`` guard, and from a notebook
        (:mod:`thermotheory.workers`). Not a positive whole number:
        :class:`~thermotheory.errors.InvalidWorkers`.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``"tcp://host:8786"``) or client: the checks run on its
        workers instead (needs ``dask.distributed``; not with ``processes``/``workers``). One
        that does not answer within :data:`~thermotheory.workers.CONNECT_TIMEOUT` seconds:
        :class:`~thermotheory.errors.SchedulerUnreachable`.

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
    if processes is not None and workers is not None:
        raise InvalidWorkers("sweep: workers= and processes= name the same thing; give one of them")
    if processes is not None:
        workers, name = processes, "processes"
    else:
        name = "workers"
    count = check_workers(workers, name)
    if scheduler is None:
        count = min(count or _cpu_count(), len(tasks))
    return VerificationTable(run_tasks(_one, [(t,) for t in tasks], workers=count if scheduler is None else workers,
                                       scheduler=scheduler, what="sweep", stacklevel=2))
