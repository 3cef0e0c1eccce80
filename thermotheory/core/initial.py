"""The initial state of a transient: its time, covariance and mean, checked.

Read by the transient closed forms (:mod:`thermotheory.core.moments`, :mod:`thermotheory.core.thermo`)
and by the protocol solver (:mod:`thermotheory.core.phases`), which sits below them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError
from ._backend import NumOps
from .checks import as_expression, check_initial
from .model import LinearSDE

__all__ = ["check_time", "initial_covariance", "initial_mean_vector"]


def initial_mean_vector(model: LinearSDE, initial_mean: Any, ops) -> Any:
    """The initial mean (vector or mapping, default zero): an ``(n,)`` array, or a sympy column for ``SymOps``."""
    n = model.dimension
    if initial_mean is None:
        return np.zeros(n) if ops is NumOps else sp.zeros(n, 1)
    check_initial(initial_mean, ops is NumOps, "initial mean")
    if isinstance(initial_mean, dict):
        vec = np.zeros(n) if ops is NumOps else sp.zeros(n, 1)
        for key, val in initial_mean.items():
            vec[model.index(key)] = float(val) if ops is NumOps else sp.sympify(val)
        return vec
    if ops is NumOps:
        vec = np.asarray(initial_mean, dtype=float).reshape(-1)
    else:
        vec = sp.Matrix(list(initial_mean))
    if len(vec) != n:
        raise ModelError(f"initial mean: expected {n} entries but found {len(vec)}")
    return vec


def initial_covariance(model: LinearSDE, initial: Any, ops) -> Any:
    """The initial covariance (matrix or mapping variable -> variance) as a checked matrix of the backend ``ops``."""
    n = model.dimension
    if initial is None:
        raise ModelError("a transient quantity needs the initial covariance: pass initial=...")
    check_initial(initial, ops is NumOps, "initial covariance")
    if isinstance(initial, dict):
        M = ops.asmat(np.zeros((n, n))) if ops is NumOps else sp.zeros(n, n)
        for key, val in initial.items():
            i = model.index(key)
            M[i, i] = float(val) if ops is NumOps else sp.sympify(val)
        _check_variances(model, M, ops)
        return M
    if ops is NumOps:
        if isinstance(initial, sp.MatrixBase):
            if initial.free_symbols:
                raise ModelError("initial covariance has symbols but the model is numeric; substitute numbers")
            initial = np.array(initial.evalf().tolist(), dtype=float)
        M = np.asarray(initial, dtype=float)
    else:
        M = sp.Matrix(initial.tolist() if isinstance(initial, np.ndarray) else initial)
    if M.shape != (n, n):
        raise ModelError(f"initial covariance: expected shape {(n, n)} but found {tuple(M.shape)}")
    if ops is NumOps:
        if np.max(np.abs(M - M.T)) > 1e-12 * max(np.max(np.abs(M)), 1e-300):
            raise ModelError("initial covariance: the matrix is not symmetric")
        if np.linalg.eigvalsh((M + M.T) / 2)[0] < -1e-12 * max(np.max(np.abs(M)), 1e-300):
            raise ModelError("initial covariance: the matrix is not positive semi-definite")
    elif not (M - M.T).is_zero_matrix and any(sp.simplify(e) != 0 for e in M - M.T):
        raise ModelError("initial covariance: the matrix is not symmetric")
    else:
        _check_variances(model, M, ops)
    return M


def _check_variances(model: LinearSDE, M: Any, ops) -> None:
    """Refuse an initial covariance that is not positive semi-definite (symbolically: where decidable)."""
    n = model.dimension
    if ops is NumOps:
        M = np.asarray(M, float)
        if np.linalg.eigvalsh((M + M.T) / 2)[0] < -1e-12 * max(np.max(np.abs(M)), 1e-300):
            raise ModelError("initial covariance: the matrix is not positive semi-definite")
        return
    for i in range(n):
        d = sp.sympify(M[i, i])
        if d.is_extended_real is False or d.is_negative:
            raise ModelError(f"initial covariance: the variance of {model.variables[i]} is {d}, not a "
                             "non-negative number")
    if not M.free_symbols:
        try:
            low = np.linalg.eigvalsh(np.array(M.evalf(), float))[0]
        except (TypeError, ValueError):
            return
        if low < -1e-12 * max(float(np.max(np.abs(np.array(M.evalf(), float)))), 1e-300):
            raise ModelError("initial covariance: the matrix is not positive semi-definite")


def check_time(t: Any, ops) -> Any:
    """A time ``t >= 0``: a finite float for the numeric backend, an expression not provably negative otherwise.

    Text and booleans are refused (``"1"`` is a slip, not a time).
    """
    if isinstance(t, (str, bool, np.bool_)):
        raise ModelError(f"t: expected a time (a number or a sympy expression) but found {type(t).__name__} {t!r}")
    if ops is NumOps:
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise ModelError(f"t: expected a number for a numeric model but found {t!r}") from None
        if not np.isfinite(t) or t < 0:
            raise ModelError(f"t: expected a finite time t >= 0 but found {t}")
        return t
    t = as_expression(t, "t")
    if t.is_negative:
        raise ModelError(f"t: expected t >= 0 but found {t}")
    return t
