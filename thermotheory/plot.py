"""Plots of closed forms against Monte Carlo: a theory curve along a parameter with error bars.

Needs matplotlib (``pip install thermotheory[plot]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from .core.closedform import ClosedForm
from .core.model import LinearSDE
from .errors import ModelError
from .sweep import sweep
from .verify import VerificationRecord, VerificationTable
from .quantity import BoundQuantity

__all__ = ["plot_check", "plot_along"]


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - depends on the installation
        raise ModelError("plots need matplotlib: pip install thermotheory[plot]") from None
    return plt


def plot_check(
    model: LinearSDE,
    quantity: Callable[..., Any] | BoundQuantity,
    *args: Any,
    parameter: sp.Symbol | str,
    low: float,
    high: float,
    values: Mapping | None = None,
    points: int = 3,
    paths: int | None = None,
    seed: int = 0,
    processes: int | None = 1,
    scheduler: Any = None,
    ax: Any = None,
    **options: Any,
) -> tuple[Any, VerificationTable]:
    """Plot a closed form along ``parameter`` with Monte Carlo points (4 standard errors).

    Parameters
    ----------
    model : LinearSDE
        With ``parameter`` among its symbols.
    quantity, *args, **options
        A quantity and its roles, or a bound quantity (``tt.heat_rate.of(r)``) and no
        further arguments, as for :func:`~thermotheory.verify`.
    parameter : Symbol or name
    low, high : float
        The range of the parameter.
    values : mapping
        Values of the other parameters.
    points : int
        Monte Carlo points, evenly inside the range (0 for the curve alone).
    paths, seed, processes, scheduler
        As for :func:`~thermotheory.sweep`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    (Axes, VerificationTable)

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import sympy as sp, thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> g = sp.Symbol("g", positive=True)
    >>> m = tt.LinearSDE({v: -v, r: g * v - r}, {v: 1, r: 1})
    >>> ax, table = plot_check(m, tt.heat_rate, r, parameter=g, low=0.5, high=2.0, points=2, paths=300)
    >>> len(ax.lines) >= 1, table.passed
    (True, True)
    >>> ax, table = plot_check(m, tt.heat_rate.of(r), parameter=g, low=0.5, high=2.0, points=0)
    """
    plt = _pyplot()
    (par,) = model.substitution({parameter: 0}, check=False)  # by Symbol or name; unknown names are refused
    if not low < high:
        raise ModelError(f"expected low < high but found {low} and {high}")
    fixed = model.substitution(values or {})
    fixed.pop(par, None)  # the curve and the points set it
    if isinstance(quantity, BoundQuantity):
        if args or options:
            raise ModelError(f"{quantity.label} is bound already: give no further arguments")
        expr = quantity.closed_form(model)
    else:
        expr = quantity(model, *args, **options)
    expr = expr.subs(fixed) if isinstance(expr, ClosedForm) else sp.sympify(expr).subs(fixed)
    if expr.free_symbols - {par}:
        raise ModelError(f"give values for {sorted(s.name for s in expr.free_symbols - {par})}")
    f = expr.lambdify([par]) if isinstance(expr, ClosedForm) else sp.lambdify(par, expr, "numpy")
    grid = np.linspace(low, high, 200)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(grid, np.broadcast_to(f(grid), grid.shape), label="closed form")
    table = VerificationTable()
    if points:
        xs = np.linspace(low, high, points + 2)[1:-1]
        table = sweep(model, quantity, *args, parameter=par, grid=xs, values=fixed, paths=paths, seed=seed,
                      processes=processes, scheduler=scheduler, **options)
        ax.errorbar(xs, [r.estimate for r in table], yerr=[4 * r.stderr for r in table], fmt="o",
                    label="Monte Carlo (4 s.e.)")
    ax.set_xlabel(f"${sp.latex(par)}$")
    ax.legend(fontsize=8)
    return ax, table


def plot_along(
    closed_form: Callable[[np.ndarray], np.ndarray],
    check: Callable[[float, int], VerificationRecord],
    *,
    low: float,
    high: float,
    points: int = 3,
    integer: bool = False,
    xlabel: str = "",
    ax: Any = None,
) -> tuple[Any, VerificationTable]:
    """Plot a closed form along a parameter with Monte Carlo checks at some of its values (4 standard errors).

    The general form of :func:`plot_check`, for models that are rebuilt at each value
    (a lattice field) or quantities whose roles depend on the parameter (a time ``t``):
    the caller gives both the curve and the check.

    Parameters
    ----------
    closed_form : callable
        The closed form as a function of an array of parameter values.
    check : callable
        ``check(value, i)``: a :class:`~thermotheory.VerificationRecord` at one value (``i``
        counts the points, for seeds).
    low, high : float
        The range of the parameter.
    points : int
        Monte Carlo points, evenly inside the range (0 for the curve alone).
    integer : bool
        Whether the parameter takes whole values only: the points are rounded (and repeats dropped).
    xlabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    (Axes, VerificationTable)

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import thermotheory as tt
    >>> from thermotheory.models.lattice import LatticeField
    >>> mi = tt.mutual_information.of([0, 1], [2, 3])
    >>> field = lambda m2: LatticeField(16, m2=float(m2))
    >>> curve = lambda xs: [mi.closed_form(field(x)) for x in xs]
    >>> check = lambda x, i: tt.verify(field(x), mi, paths=1024, seed=i)
    >>> ax, table = plot_along(curve, check, low=0.5, high=2.0, points=2, xlabel="$m^2$")
    >>> len(table), table.passed
    (2, True)
    """
    plt = _pyplot()
    if not low < high:
        raise ModelError(f"expected low < high but found {low} and {high}")
    grid = np.linspace(low, high, 60)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.6))
    ax.plot(grid, np.broadcast_to(np.asarray(closed_form(grid), float), grid.shape), label="closed form")
    table = VerificationTable()
    if points:
        xs = np.linspace(low, high, points + 2)[1:-1]
        if integer:
            xs = np.unique(np.round(xs))
        table = VerificationTable(check(float(x), i) for i, x in enumerate(xs))
        ax.errorbar(xs, [r.estimate for r in table], yerr=[4 * r.stderr for r in table], fmt="o",
                    label="Monte Carlo (4 s.e.)")
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8)
    return ax, table
