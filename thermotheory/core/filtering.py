r"""Optimal filtering and transfer entropy for linear SDEs.

The hidden variables ``H`` (everything not observed) are estimated from the paths of
the observed ``Y``. The steady Kalman–Bucy error covariance ``P`` solves the
continuous algebraic Riccati equation

.. math:: A_{HH} P + P A_{HH}^T + 2D_{HH}
          - (P A_{YH}^T + 2D_{HY})(2D_{YY})^{-1}(A_{YH} P + 2D_{YH}) = 0 .
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sla
import sympy as sp

from ..errors import ModelError, TooLarge
from ._backend import NumOps, model_matrices, ops_for, tidy
from .model import LinearSDE, VariableSpec

__all__ = ["filter_error", "transfer_entropy_rate", "has_noiseless_marginal_modes"]


def has_noiseless_marginal_modes(model: LinearSDE, observed: VariableSpec) -> bool:
    """Whether the unobserved variables have a mode with Re(eigenvalue) >= 0 that no noise reaches.

    Such a mode (the position of a particle whose velocity is observed) is not
    stabilisable: the filter learns it exactly, but only algebraically slowly (its error
    decays like 1/t), so finite-window estimates of the stationary filter error and
    transfer entropy rate stay above their limits. Numeric models only (PBH test).

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> osc = LinearSDE.from_matrices([[0.0, 1.0], [-1.0, -1.0]], [0.0, 1.0], variables=["x", "v"])
    >>> has_noiseless_marginal_modes(osc, "v")
    True
    """
    A, _, D = model_matrices(model, NumOps, need_b=False)
    Y = model.indices(observed)
    H = [i for i in range(model.dimension) if i not in Y]
    a, q = A[np.ix_(H, H)], D[np.ix_(H, H)]
    scale = max(float(np.max(np.abs(a), initial=0.0)), 1e-300)
    for lam in np.linalg.eigvals(a):
        if lam.real >= -1e-9 * scale:
            M = np.hstack([a - lam * np.eye(len(H)), q])
            if np.linalg.matrix_rank(M, tol=1e-9 * scale) < len(H):
                return True
    return False


def _riccati(model: LinearSDE, observed: VariableSpec):
    """Steady filter error of all unobserved variables; returns (ops, H, Y, P, A, D)."""
    ops = ops_for(model)
    A, _, D = model_matrices(model, ops)
    n = model.dimension
    Y = model.indices(observed)
    H = [i for i in range(n) if i not in Y]
    if not H:
        raise ModelError("every variable is observed: there is nothing to filter")
    key = ("riccati", tuple(Y))
    if key in model._cache:
        return ops, H, Y, model._cache[key], A, D
    a, c = ops.block(A, H, H), ops.block(A, Y, H)
    q, r, s = 2 * ops.block(D, H, H), 2 * ops.block(D, Y, Y), 2 * ops.block(D, H, Y)
    if ops is NumOps:
        if np.linalg.eigvalsh(r)[0] <= 1e-14 * max(np.max(np.abs(r)), 1e-300):
            raise ModelError("the observed variables need noise of their own (D_YY positive definite) to be filtered")
        P = _numeric_riccati(a, c, q, r, s)
    else:
        P = _symbolic_riccati(a, c, q, r, s, model, H)
    model._cache[key] = P
    return ops, H, Y, P, A, D


def _numeric_riccati(a, c, q, r, s):
    ri = np.linalg.inv(r)
    if not np.any(c):
        # No observation of the hidden part: the error obeys a Lyapunov equation.
        a_cl = a
        Q = q - s @ ri @ s.T
        if np.max(np.linalg.eigvals(a_cl).real) >= 0:
            raise ModelError("the hidden variables are neither observed nor stable: the filter error grows without bound")
        P = sla.solve_continuous_lyapunov(a_cl, -Q)
    else:
        try:
            P = sla.solve_continuous_are(a.T, c.T, q, r, s=s)
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise ModelError(f"the filter Riccati equation has no stabilising solution ({exc})") from None
    P = (P + P.T) / 2
    R = a @ P + P @ a.T + q - (P @ c.T + s) @ ri @ (c @ P + s.T)
    scale = 2 * sla.norm(a) * sla.norm(P) + sla.norm(q) + sla.norm(P @ c.T + s) ** 2 * sla.norm(ri)
    if sla.norm(R) > 1e-8 * max(scale, 1e-300):
        raise ModelError(f"the filter Riccati solve is inaccurate (relative residual {sla.norm(R) / scale:.2e})")
    P.setflags(write=False)
    return P


def _symbolic_riccati(a, c, q, r, s, model, H):
    if len(H) != 1:
        raise TooLarge(
            f"a symbolic Riccati solve with {len(H)} hidden variables is not attempted (one is); "
            "substitute numbers with subs()"
        )
    ri = r.inv() if r.shape[0] > 1 else sp.Matrix([[1 / r[0, 0]]])
    alpha = sp.cancel((c.T * ri * c)[0, 0])
    beta = sp.cancel(a[0, 0] - (s * ri * c)[0, 0])
    gamma = sp.cancel(q[0, 0] - (s * ri * s.T)[0, 0])
    if alpha == 0:
        if beta.is_nonnegative:
            raise ModelError(f"the hidden variable {model.variables[H[0]]} is neither observed nor stable")
        return sp.Matrix([[tidy(-gamma / (2 * beta))]])
    # alpha P^2 - 2 beta P - gamma = 0; the stabilising root makes beta - alpha P < 0.
    root = (beta + sp.sqrt(sp.factor(beta**2 + alpha * gamma))) / alpha
    return sp.Matrix([[sp.simplify(root) if sp.count_ops(root) < 80 else root]])


def filter_error(model: LinearSDE, hidden: VariableSpec, observed: VariableSpec) -> Any:
    r"""Steady error covariance of the optimal (Kalman–Bucy) estimate of ``hidden`` from the paths of ``observed``.

    All variables not observed are filtered jointly; the block of ``hidden`` is returned
    (a scalar for one hidden variable).

    Parameters
    ----------
    model : LinearSDE
    hidden, observed : Symbol, name or sequence (disjoint)

    Returns
    -------
    sympy expression / Matrix, or float / ndarray

    Raises
    ------
    ModelError
        When the observed variables have no noise of their own, or the unobserved part
        is neither observed nor stable.
    TooLarge
        For a symbolic model with more than one unobserved variable.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, filter_error
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> round(filter_error(m, v, r), 12)  # 2 (sqrt(2) - 1)
    0.828427124746
    """
    ops, H, Y, P, _, _ = _riccati(model, observed)
    hid = model.indices(hidden)
    if set(hid) & set(Y):
        raise ModelError("the hidden and observed variables must be disjoint")
    pos = [H.index(i) for i in hid]
    block = ops.block(P, pos, pos)
    if len(pos) == 1:
        return ops.finish(block[0, 0])
    return ops.finish_matrix(block)


def transfer_entropy_rate(model: LinearSDE, source: VariableSpec, target: VariableSpec) -> Any:
    r"""Transfer entropy rate from ``source`` to ``target`` in the stationary state, nats per unit time.

    :math:`T_{X\to Y} = \lim_{dt\to0} I(X_t; Y_{t+dt} \mid Y_{\le t})/dt`. With ``H`` the
    unobserved variables, ``P`` their filter error given the target's paths and
    :math:`P_{|X}` the same also given :math:`X_t`:

    .. math:: T_{X\to Y} = \tfrac14 \operatorname{tr}\left[D_{YY}^{-1} A_{YH}
              (P - P_{|X}) A_{YH}^T\right], \qquad P - P_{|X} = P_{HX} P_{XX}^{-1} P_{XH}

    For one hidden signal and a linear sensor this is Duncan's
    :math:`c^2 P / (4 D_Y)`.

    Notes
    -----
    When an unobserved variable has a mode that neither decays nor receives noise (the
    position of a particle whose velocity is the target), the filter learns it only as
    ``1/t``; the value returned is the limit, which finite-window estimates approach
    slowly (:func:`has_noiseless_marginal_modes` tells).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, transfer_entropy_rate
    >>> v, r = sp.symbols("v r", real=True)
    >>> round(transfer_entropy_rate(LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), v, r), 12)
    0.207106781187
    """
    ops, H, Y, P, A, D = _riccati(model, target)
    X = model.indices(source)
    if set(X) & set(Y):
        raise ModelError("the source and target must be disjoint")
    pos = [H.index(i) for i in X]
    P_HX = ops.block(P, range(len(H)), pos)
    P_XX = ops.block(P, pos, pos)
    A_YH = ops.block(A, Y, H)
    D_YY = ops.block(D, Y, Y)
    if ops is NumOps:
        dP = P_HX @ np.linalg.solve(P_XX, P_HX.T)
        return float(np.trace(np.linalg.solve(D_YY, A_YH @ dP @ A_YH.T)) / 4)
    dP = P_HX * ops.inv(P_XX) * P_HX.T
    return ops.finish((ops.inv(D_YY) * A_YH * dP * A_YH.T).trace() / 4)
