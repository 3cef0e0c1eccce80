"""Parameter sweeps of Monte Carlo checks, in parallel processes or on a Dask cluster.

:func:`sweep` runs :func:`~thermotheory.verify` at each value of one parameter. The
checks are independent (each has its own seed, ``seed + i``), so the result does not
depend on where they run: in this process, in worker processes of this machine, or on
the workers of a Dask cluster whose scheduler address is given.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import sympy as sp

from ..core.model import LinearSDE
from ..errors import ModelError
from .verify import VerificationTable, verify

__all__ = ["sweep"]


def _one(task: tuple) -> Any:
    model, quantity, args, values, paths, seed, z_max, options, label = task
    rec = verify(model, quantity, *args, values=values, paths=paths, seed=seed, z_max=z_max, **options)
    return dataclasses.replace(rec, quantity=f"{rec.quantity} at {label}")


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
        Worker processes on this machine (default: the number of CPUs, at most one per
        check); 1 runs in this process.
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
    workers = min(processes or os.cpu_count() or 1, len(tasks))
    if workers < 1:
        raise ModelError(f"processes: expected a positive number but found {processes}")
    if workers == 1:
        return VerificationTable(_one(t) for t in tasks)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return VerificationTable(pool.map(_one, tasks))
