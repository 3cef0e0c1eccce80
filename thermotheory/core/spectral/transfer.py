r"""The full-history transfer entropy rate (Schreiber's definition) of a linear SDE.

Two transfer entropy rates are in the package, and they differ when the source acts on
the target through a variable that neither of them is:

- :func:`~thermotheory.transfer_entropy_rate`, the *present-source* rate
  :math:`\lim_{dt \to 0} I(X_t; Y_{t+dt} \mid Y_{\le t}) / dt`: what the source's present
  value adds to the target's own past;
- :func:`full_history_transfer_entropy_rate`, Schreiber's rate
  :math:`\lim_{dt \to 0} I(X_{\le t}; Y_{t+dt} \mid Y_{\le t}) / dt`: what the source's whole
  past adds. It is never smaller (the source's present is part of its past).

By Duncan's theorem each is a difference of two filter errors of the target's drift. With
:math:`f_Y = A_{Y\cdot} z` the target's drift and :math:`P_{|O}` the steady Kalman–Bucy
error of the unobserved variables given the paths of :math:`O`,

.. math:: T^{\mathrm{path}}_{X \to Y} = \tfrac14 \operatorname{tr}\, D_{YY}^{-1}
          \left[A_{YH} P_{|Y} A_{YH}^T - A_{YH'} P_{|X \cup Y} A_{YH'}^T\right],

``H`` and ``H'`` the variables outside ``Y`` and outside ``X`` and ``Y`` that drive ``Y``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ...errors import ModelError
from .._backend import NumOps
from ..checks import guarded
from ..closedform import apply_form, check_form
from ..filtering import filter_error
from ..model import LinearSDE, VariableSpec
from ._spectra import stationary_arrays, variable_sets

__all__ = ["full_history_transfer_entropy_rate"]


def _positive_definite(M, ops) -> bool | None:
    """True, False, or None (undecided, symbolic)."""
    if ops is NumOps:
        return bool(M.shape[0] and np.linalg.eigvalsh((M + M.T) / 2)[0] > 1e-14 * max(np.max(np.abs(M)), 1e-300))
    minors = [sp.cancel(M[:k, :k].det()) for k in range(1, M.shape[0] + 1)]
    if all(m.is_positive for m in minors):
        return True
    if any(m.is_zero or m.is_negative for m in minors):
        return False
    return None


def _duncan(model: LinearSDE, ops, A, D, Y: list[int], observed: list[int]):
    r""":math:`\tfrac14 \operatorname{tr} D_{YY}^{-1} A_{YH} P A_{YH}^T`: Duncan's information rate between the
    target's increments and everything its drift depends on, given the paths of ``observed`` (``P`` the
    steady filter error of the unobserved drivers ``H`` of the target)."""
    n = model.dimension
    symbolic = ops is not NumOps
    H = [j for j in range(n) if j not in observed
         and any((not sp.sympify(A[i, j]).is_zero) if symbolic else A[i, j] != 0 for i in Y)]
    if not H:
        return 0.0 if not symbolic else sp.Integer(0)
    variables = model.variables
    P = filter_error(model, [variables[j] for j in H], [variables[j] for j in observed])
    A_YH = ops.block(A, Y, H)
    D_YY = ops.block(D, Y, Y)
    if symbolic:
        P = sp.Matrix([[P]]) if not isinstance(P, sp.MatrixBase) else sp.Matrix(P)
        return (ops.inv(D_YY) * A_YH * P * A_YH.T).trace() / 4
    P = np.atleast_2d(np.asarray(P, float))
    return float(np.trace(np.linalg.solve(D_YY, A_YH @ P @ A_YH.T)) / 4)


@guarded
def full_history_transfer_entropy_rate(model: LinearSDE, source: VariableSpec, target: VariableSpec,
                                       form: str | None = None) -> Any:
    r"""Schreiber's transfer entropy rate from the whole past of ``source`` to ``target``, nats per unit time.

    .. math:: T^{\mathrm{path}}_{X \to Y} = \lim_{dt \to 0} \frac{1}{dt}
              I(X_{\le t}; Y_{t+dt} \mid Y_{\le t})
              = \tfrac14 \operatorname{tr}\, D_{YY}^{-1}\left[
              A_{YH} P_{|Y} A_{YH}^T - A_{YH'} P_{|X\cup Y} A_{YH'}^T\right]

    in the stationary state: Duncan's formula applied to the target's drift, filtered once
    from the target's paths alone (error :math:`P_{|Y}` of the variables ``H`` that drive
    it) and once from the paths of both (error :math:`P_{|X\cup Y}` of the rest ``H'``).
    It is at least the present-source rate :func:`~thermotheory.transfer_entropy_rate`, and
    equal to it when the source is every variable that drives the target. With independent
    noise in source and target, the two directions add up to the mutual-information rate of
    their paths: :math:`T^{\mathrm{path}}_{X\to Y} + T^{\mathrm{path}}_{Y\to X} = \dot I(X; Y)`
    (:func:`~thermotheory.core.spectral.mutual_information_rate`).

    Parameters
    ----------
    model : LinearSDE
        With a stationary state (stable drift, no protocol).
    source, target : Symbol, name or sequence
        Disjoint variable sets; each needs noise of its own (``D_XX``, ``D_YY`` positive definite).
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result (:func:`~thermotheory.core.closedform.apply_form`).

    Returns
    -------
    sympy expression or float

    Raises
    ------
    ModelError
        For overlapping or empty sets, a target without noise (the rate is infinite) or a
        source without noise (its smooth path is not filtered here).
    NotStable
        When there is no stationary state, or the filter error never settles.
    TooLarge
        For a symbolic model whose filters have more than two hidden variables.

    Examples
    --------
    The cascade ``v -> x -> y`` at unit rates and noise: the whole past of ``v`` tells the
    target more than ``v``'s present does (0.0373 nats per unit time).

    >>> import thermotheory as tt
    >>> from thermotheory.core.spectral import full_history_transfer_entropy_rate
    >>> m = tt.LinearSDE.from_matrices([[-1, 0, 0], [1, -1, 0], [0, 1, -1]], [1, 1, 1], variables=["v", "x", "y"])
    >>> round(full_history_transfer_entropy_rate(m, "v", "y"), 6)
    0.064123

    References
    ----------
    T. Schreiber, Phys. Rev. Lett. 85, 461 (2000); T. E. Duncan, SIAM J. Appl. Math. 19,
    215 (1970).
    """
    form = check_form(form)
    ops, A, _, D = stationary_arrays(model, "the full-history transfer entropy rate")
    X, Y = variable_sets(model, (source, target), ("source", "target"))
    names = [model.variables[i].name for i in Y]
    if _positive_definite(ops.block(D, Y, Y), ops) is False:
        raise ModelError(f"the full-history transfer entropy rate into {names} is infinite: the target has no noise "
                         "of its own (D_YY is singular), so a finite past fixes its increments")
    if _positive_definite(ops.block(D, X, X), ops) is False:
        raise ModelError(
            f"the full-history transfer entropy rate needs a source with noise of its own, but "
            f"{[model.variables[i].name for i in X]} has none (D_XX is singular): the path of a noiseless source "
            "is smooth and its filter is not of the Kalman-Bucy kind computed here")
    J_Y = _duncan(model, ops, A, D, Y, sorted(Y))
    J_XY = _duncan(model, ops, A, D, Y, sorted(X + Y))
    if ops is NumOps:
        value = J_Y - J_XY
        return 0.0 if abs(value) <= 64 * np.finfo(float).eps * (abs(J_Y) + abs(J_XY)) else float(value)
    return apply_form(ops.finish(J_Y - J_XY), form)
