r"""Transient closed forms of a Markov jump process: ``p(t)``, heat and entropy production over ``[0, t]``.

``p(t) = exp(L t) p(0)``: numeric models by ``scipy.linalg.expm`` (small) or
``scipy.sparse.linalg.expm_multiply`` (large), symbolic two-state models exactly
(:math:`p(t) = \pi + e^{-(w_{01} + w_{10}) t}(p(0) - \pi)`); a symbolic network of more
states is refused with :class:`~thermotheory.errors.TooLarge` (its eigenvalues are roots of a
cubic or worse). The time integral :math:`q = \int_0^t p(s)\,ds` solves :math:`L q = p(t) - p(0)`,
:math:`\sum_i q_i = t` (an ergodic generator has the one null vector :math:`\pi`), so the heat
over ``[0, t]`` is :math:`Q_Y(t) = \sum_{Y\text{-jumps}} q_i w_{ij} F_{ij}` and the entropy
production :math:`\Delta S_{tot} = H(p(t)) - H(p(0)) + Q(t)`, as for the linear kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, TooLarge
from .checks import check_value
from . import jump_forms as forms

__all__ = ["initial_distribution", "distribution", "time_integral", "heat", "entropy_production", "entropy",
           "mutual_information", "relaxation_rate", "MAX_SYMBOLIC_TRANSIENT_STATES"]

#: Most states of a symbolic model whose transient distribution is given in closed form.
MAX_SYMBOLIC_TRANSIENT_STATES = 2


#: The initial distribution, checked (a probability vector or a mapping state -> probability): it lives
#: with the stationary forms, which check a given distribution the same way.
initial_distribution = forms.initial_distribution


def _time(t: Any) -> Any:
    if isinstance(t, (bool, np.bool_)):
        raise ModelError(f"t: expected a duration >= 0 but found {t!r}")
    value = check_value(t, what="t")
    if value.is_negative:
        raise ModelError(f"t: expected a duration >= 0 but found {value}")
    return float(value) if value.is_number else value


def _symbolic(model: Any, t: Any, p0: Any) -> bool:
    return not model.is_numeric or not isinstance(t, float) or not isinstance(p0, np.ndarray)


def _check_symbolic_size(model: Any, what: str) -> None:
    if model.n > MAX_SYMBOLIC_TRANSIENT_STATES:
        raise TooLarge(f"{what}: a symbolic transient of a {model.n}-state network has no closed form in general "
                       f"(given for at most {MAX_SYMBOLIC_TRANSIENT_STATES} states); substitute numbers for the "
                       "rates and the time (model.numeric(values), a float t)")


def distribution(model: Any, t: Any, initial: Any) -> Any:
    r"""The distribution :math:`p(t) = e^{L t} p(0)` over ``model.states``.

    Returns
    -------
    numpy array (numeric model, time and initial state) or sympy Matrix (n, 1)

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> a, b, t = sp.symbols("a b t", positive=True)
    >>> p = distribution(MarkovJumpProcess({(0, 1): a, (1, 0): b}), t, [1, 0])
    >>> sp.simplify(p[0] - (b + a * sp.exp(-(a + b) * t)) / (a + b))
    0
    """
    forms._check_model(model, "distribution")
    t = _time(t)
    p0 = initial_distribution(model, initial)
    if not _symbolic(model, t, p0):
        return _numeric_distribution(model, t, p0)
    _check_symbolic_size(model, "distribution")
    p0 = sp.Matrix(p0)
    if model.n == 1:
        return p0
    a, b = model.rate(0, 1), model.rate(1, 0)
    k = a + b
    pi = sp.Matrix([b / k, a / k])
    return pi + sp.exp(-k * t) * (p0 - pi)


def _numeric_distribution(model: Any, t: float, p0: np.ndarray) -> np.ndarray:
    import scipy.sparse as sps

    n = model.n
    src, dst, w = model.edge_arrays()
    out = np.bincount(src, weights=w, minlength=n)
    if n <= 300:
        from scipy.linalg import expm

        L = np.zeros((n, n))
        L[dst, src] = w
        L[np.arange(n), np.arange(n)] -= out
        p = expm(L * t) @ p0
    else:
        from scipy.sparse.linalg import expm_multiply

        L = sps.csr_matrix((np.concatenate([w, -out]), (np.concatenate([dst, np.arange(n)]),
                                                         np.concatenate([src, np.arange(n)]))), shape=(n, n))
        p = expm_multiply(L * t, p0)
    p = np.clip(p, 0.0, None)
    return p / p.sum()


def time_integral(model: Any, t: Any, initial: Any) -> Any:
    r"""The expected occupation times :math:`q = \int_0^t p(s)\,ds` over ``[0, t]``.

    Solves :math:`L q = p(t) - p(0)`, :math:`\sum_i q_i = t`.

    Raises
    ------
    NotErgodic
        For a network with several closed classes (the system is then not determined).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> q = time_integral(MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}), 2.0, [1, 0])
    >>> round(float(q.sum()), 12)
    2.0
    """
    forms._check_model(model, "time_integral")
    forms.check_ergodic(model)
    t = _time(t)
    p0 = initial_distribution(model, initial)
    pt = distribution(model, t, initial)
    n = model.n
    if isinstance(pt, np.ndarray) and isinstance(p0, np.ndarray):
        src, dst, w = model.edge_arrays()
        out = np.bincount(src, weights=w, minlength=n)
        import scipy.sparse as sps
        from scipy.sparse.linalg import spsolve

        keep = dst != 0
        rows = np.concatenate([dst[keep], np.arange(1, n), np.zeros(n, dtype=np.int64)])
        cols = np.concatenate([src[keep], np.arange(1, n), np.arange(n)])
        vals = np.concatenate([w[keep], -out[1:], np.ones(n)])
        A = sps.csc_matrix((vals, (rows, cols)), shape=(n, n))
        rhs = pt - p0
        rhs[0] = t
        q = np.linalg.solve(A.toarray(), rhs) if n <= 400 else spsolve(A, rhs)
        return q
    L = model.generator()
    A = L.copy()
    A[0, :] = sp.ones(1, n)
    rhs = sp.Matrix(pt) - sp.Matrix(p0)
    rhs[0] = t
    return sp.simplify(A.LUsolve(rhs))


def heat(model: Any, t: Any, initial: Any, subsystem: Any = None, reservoir: str | None = None) -> Any:
    r"""Heat released into the medium over ``[0, t]`` from ``initial``, as entropy (Q/T), of a subsystem, a reservoir or all.

    .. math:: Q_Y(t) = \sum_{Y\text{-jumps}\ i \to j} w_{ij} F_{ij} \int_0^t p_i(s)\, ds

    Examples
    --------
    >>> import math
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> Q = heat(m, 50.0, [1, 0])   # relaxation to equilibrium: ln(p_1/p_0) flows out ...
    >>> abs(Q - (math.log(2) * 2 / 3)) < 1e-9   # ... weighted by the final occupation of state 1
    True
    """
    forms._check_model(model, "heat")
    mask = forms._subset(model, subsystem, reservoir, "heat")
    q = time_integral(model, t, initial)
    if isinstance(q, np.ndarray):
        src, dst, w = model.edge_arrays()
        flows = np.zeros(len(w))
        for k in np.flatnonzero(mask):
            flows[k] = float(model.entropy_flow(int(src[k]), int(dst[k])))
        return float((q[src[mask]] * w[mask] * flows[mask]).sum())
    total = sp.Integer(0)
    for k, (i, j) in enumerate(model.edges):
        if mask[k]:
            total += q[i] * model.rate(i, j) * model.entropy_flow(i, j)
    return sp.simplify(total)


def _shannon(p: Any) -> Any:
    if isinstance(p, np.ndarray):
        x = p[p > 0]
        return float(-(x * np.log(x)).sum())
    return -sp.Add(*[v * sp.log(v) for v in p if v != 0])


def entropy_production(model: Any, t: Any, initial: Any) -> Any:
    r"""Total entropy produced over ``[0, t]`` from ``initial``: :math:`H(p(t)) - H(p(0)) + Q(t)`.

    Raises
    ------
    IrreversibleTransition
        For a jump without its reverse.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> entropy_production(m, 3.0, [0.5, 0.5]) > 0
    True
    """
    forms._check_model(model, "entropy_production")
    forms._check_reversible(model, "entropy_production")
    p0 = initial_distribution(model, initial)
    pt = distribution(model, t, initial)
    Q = heat(model, t, initial)
    out = _shannon(pt) - _shannon(p0) + Q
    return out if isinstance(out, float) else sp.simplify(out)


def entropy(model: Any, X: Any, t: Any, initial: Any) -> Any:
    """Shannon entropy (nats) of the distribution at time ``t`` from ``initial`` (of its marginal on ``X``)."""
    return forms.entropy(model, X, p=distribution(model, t, initial))


def mutual_information(model: Any, X: Any, Y: Any, t: Any, initial: Any) -> Any:
    """Mutual information between components ``X`` and ``Y`` at time ``t`` from ``initial`` (nats)."""
    return forms.mutual_information(model, X, Y, p=distribution(model, t, initial))


def relaxation_rate(model: Any) -> Any:
    r"""The slowest relaxation rate towards the stationary state: minus the real part of ``L``'s second eigenvalue.

    Symbolic for two states (:math:`w_{01} + w_{10}`); numeric otherwise (dense eigenvalues).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> round(relaxation_rate(MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})), 12)
    3.0
    """
    forms._check_model(model, "relaxation_rate")
    forms.check_ergodic(model)
    if model.n == 2 and not model.is_numeric:
        return model.rate(0, 1) + model.rate(1, 0)
    if not model.is_numeric:
        _check_symbolic_size(model, "relaxation_rate")
    model._require_dense("relaxation_rate")
    W = model.rate_array()
    L = W.T - np.diag(W.sum(axis=1))
    ev = np.sort(np.linalg.eigvals(L).real)[::-1]
    if len(ev) < 2:
        raise ModelError("relaxation_rate: a one-state model does not relax")
    return float(-ev[1])
