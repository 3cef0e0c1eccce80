"""Protocols: the times where a driven model's ``b(t)``, ``A(t)`` or ``D(t)`` switches."""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from .model import LinearSDE
from .state import ModelCache

__all__ = ["switching_times", "switch_points"]


def switch_points(model: LinearSDE, extra: Iterable[sp.Expr] = ()) -> list[sp.Expr]:
    """Times (sympy expressions, possibly symbolic) where the protocol of ``model`` may jump or kink.

    Read from the ``Heaviside`` arguments and ``Piecewise`` conditions of ``b(t)``, ``A(t)``,
    ``D(t)`` and of the expressions ``extra`` (an energy function, say); unordered when
    symbolic.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> t1 = sp.Symbol("t1", positive=True)
    >>> switch_points(LinearSDE({x: -sp.Piecewise((1, s < t1), (2, True)) * x}, {x: 1}, time=s))
    [t1]
    """
    if model.time is None:
        return []
    extra = tuple(sp.sympify(e) for e in extra)
    # a transient quantity asks at every time it is evaluated at: the roots are solved once per model and extra
    return list(_SWITCH_POINTS.get(model, extra, lambda: _switch_points(model, extra)))


#: The switch points of a model (a tuple of sympy expressions), per tuple of ``extra`` expressions.
_SWITCH_POINTS = ModelCache()


def _switch_points(model: LinearSDE, extra: tuple[sp.Expr, ...]) -> tuple[sp.Expr, ...]:
    """Uncached :func:`switch_points`."""
    tau = model.time
    found: list[sp.Expr] = []
    exprs = list(model.b) + list(extra)
    if model.is_modulated:
        exprs += list(model.A) + list(model.D)
    for e in exprs:
        e = sp.sympify(e)
        if tau not in e.free_symbols:
            continue
        cands = [h.args[0] for h in e.atoms(sp.Heaviside)]
        for pw in e.atoms(sp.Piecewise):
            for _, cond in pw.args:
                cands += [r.lhs - r.rhs for r in cond.atoms(sp.core.relational.Relational)]
        for c in cands:
            if tau not in c.free_symbols:
                continue
            try:
                roots = sp.solve(sp.Eq(c, 0), tau)
            except NotImplementedError:
                continue
            for r in roots:
                if r.is_real is not False and r not in found:
                    found.append(r)
    return tuple(found)


def switching_times(model: LinearSDE, t_end: float, extra: Iterable[sp.Expr] = ()) -> list[float]:
    """Times in ``(0, t_end)`` where a numeric protocol ``b(t)``, ``A(t)`` or ``D(t)`` may jump or kink.

    Read from the protocol's ``Heaviside`` arguments and ``Piecewise`` conditions (see
    :func:`switch_points`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> switching_times(LinearSDE({x: -x + sp.Heaviside(s - 1)}, {x: 1}, time=s), 5.0)
    [1.0]
    """
    found = {float(r) for r in switch_points(model, extra) if not r.free_symbols and r.is_real}
    return sorted(x for x in found if 0 < x < t_end)
