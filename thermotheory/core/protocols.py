"""Protocols ``b(t)``: the times where a driven model's constant drift switches."""

from __future__ import annotations

import sympy as sp

from .model import LinearSDE

__all__ = ["switching_times"]


def switching_times(model: LinearSDE, t_end: float) -> list[float]:
    """Times in ``(0, t_end)`` where a numeric protocol ``b(t)`` may jump or kink.

    Read from the protocol's ``Heaviside`` arguments and ``Piecewise`` conditions.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> switching_times(LinearSDE({x: -x + sp.Heaviside(s - 1)}, {x: 1}, time=s), 5.0)
    [1.0]
    """
    tau = model.time
    if tau is None:
        return []
    found: set[float] = set()
    exprs = [e for e in model.b]
    for e in exprs:
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
                if r.is_real and not r.free_symbols:
                    found.add(float(r))
    return sorted(x for x in found if 0 < x < t_end)
