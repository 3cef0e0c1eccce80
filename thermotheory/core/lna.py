"""Linear-noise approximation: a nonlinear :class:`~thermotheory.SDE` linearised at a fixed point.

The drift is expanded to first order around a stable fixed point ``z*`` of the
deterministic dynamics (``f(z*) = 0``) and the diffusion is frozen at ``z*``:

.. math:: dz = J (z - z^*)\\, dt + \\sqrt{2 D(z^*)}\\, dW, \\qquad J_{ij} = \\partial f_i / \\partial z_j \\,(z^*).

The result is a :class:`~thermotheory.LinearSDE`, so every closed form of the engine
applies to it. It is exact for a linear drift with additive noise and accurate when the
fluctuations are small compared with the scale on which the drift bends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, NotStable
from .model import LinearSDE
from .sde import SDE

__all__ = ["linear_noise_approximation", "fixed_points"]


def fixed_points(model: SDE) -> list[dict[sp.Symbol, Any]]:
    """The fixed points of the deterministic drift ``f(z) = 0``.

    Solved by sympy (symbolic or numeric models with polynomial or otherwise solvable
    drifts); only real solutions are kept.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import SDE
    >>> x = sp.Symbol("x", real=True)
    >>> sorted(p[x] for p in fixed_points(SDE({x: x - x**3}, {x: 1})))
    [-1, 0, 1]
    """
    if not isinstance(model, SDE):
        raise ModelError(f"expected an SDE but found {type(model).__name__}")
    variables = model.variables
    try:
        sols = sp.solve(list(model.drift.values()), list(variables), dict=True)
    except NotImplementedError as exc:  # pragma: no cover - depends on sympy's solvers
        raise ModelError(f"sympy cannot solve f(z) = 0 for this drift: pass the fixed point as at={{...}} ({exc})")
    out = []
    for sol in sols:
        if len(sol) != len(variables):
            continue  # a continuum of fixed points: no isolated point to expand around
        if all(sp.sympify(val).is_real is not False for val in sol.values()):
            out.append({var: sp.simplify(sol[var]) for var in variables})
    return out


def linear_noise_approximation(model: SDE, at: Mapping[sp.Symbol | str, Any] | None = None) -> LinearSDE:
    r"""Linearise a nonlinear SDE around a fixed point of its drift (linear-noise approximation).

    Parameters
    ----------
    model : SDE
        Symbolic or numeric. Its diffusion may depend on the state (it is evaluated at
        the fixed point, the Itô reading).
    at : mapping variable -> value, optional
        The fixed point. Default: the only fixed point of the drift, or, when there are
        several, the only one whose Jacobian is stable (numeric models).

    Returns
    -------
    LinearSDE
        ``dz = J (z - z*) dt + sqrt(2 D(z*)) dW`` in the model's own variables, with the
        model's parities; its stationary mean is ``z*``.

    Raises
    ------
    ModelError
        When ``at`` is not a fixed point, or no unique fixed point can be chosen.
    NotStable
        When a numeric model's Jacobian at the fixed point is not stable.

    Examples
    --------
    A particle in a double well, linearised in its right-hand well:

    >>> import sympy as sp
    >>> from thermotheory import SDE, stationary_covariance
    >>> x = sp.Symbol("x", real=True)
    >>> lna = linear_noise_approximation(SDE({x: x - x**3}, {x: sp.Rational(1, 10)}), at={x: 1})
    >>> lna.drift
    {x: 2 - 2*x}
    >>> stationary_covariance(lna)
    array([[0.05]])
    """
    if not isinstance(model, SDE):
        raise ModelError(f"expected an SDE but found {type(model).__name__}")
    variables = model.variables
    f = sp.Matrix(list(model.drift.values()))
    if at is None:
        points = fixed_points(model)
        if len(points) > 1 and model.is_numeric:
            points = [p for p in points if _is_stable(f.jacobian(variables).xreplace(p))]
        if len(points) != 1:
            raise ModelError(
                f"the drift has {len(points)} {'stable ' if model.is_numeric else ''}fixed points: "
                "choose one with at={...}"
            )
        point = points[0]
    else:
        point = {variables[model.index(k)]: sp.sympify(val) for k, val in at.items()}
        missing = [v.name for v in variables if v not in point]
        if missing:
            raise ModelError(f"at: give a value for every state variable; missing {missing}")
        residual = f.xreplace(point).applyfunc(sp.simplify)
        if any(_nonzero(r) for r in residual):
            raise ModelError(f"at: {point} is not a fixed point of the drift (f = {list(residual)})")
    J = f.jacobian(variables).xreplace(point).applyfunc(sp.simplify)
    if model.is_numeric and not _is_stable(J):
        raise NotStable(f"the drift's Jacobian at the fixed point {point} is not stable")
    z = sp.Matrix(variables)
    zs = sp.Matrix([point[v] for v in variables])
    drift = J * (z - zs)
    diffusion = {v: sp.simplify(d.xreplace(point)) for v, d in model.diffusion.items()}
    for v, d in diffusion.items():
        if d.is_negative:
            raise ModelError(f"the diffusion of {v} is negative at the fixed point: {d}")
    return LinearSDE({v: sp.expand(e) for v, e in zip(variables, drift)}, diffusion,
                     parity=dict(zip(variables, model.parity)))


def _nonzero(expr: sp.Expr) -> bool:
    if expr.free_symbols:
        return not expr.equals(0)
    return abs(complex(expr)) > 1e-12


def _is_stable(J: sp.Matrix) -> bool:
    try:
        M = np.array(J.evalf(), dtype=float)
    except TypeError:
        return True  # symbolic: LinearSDE and the engine check stability when needed
    return bool(np.all(np.linalg.eigvals(M).real < 0))
