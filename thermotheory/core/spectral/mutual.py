r"""The mutual-information rate between the paths of two sets of variables (Tostevin & ten Wolde).

For jointly stationary Gaussian processes ``X`` and ``Y`` with spectral densities
:math:`S_{XX}, S_{YY}, S_{XY}` the mutual information of their paths over a time ``T``
grows like :math:`\dot I\, T`, with

.. math:: \dot I(X; Y) = -\frac{1}{4\pi} \int_{-\infty}^{\infty}
          \ln \frac{\det S_{ZZ}(\omega)}{\det S_{XX}(\omega) \det S_{YY}(\omega)}\, d\omega,
          \qquad Z = X \cup Y,

which for scalars is :math:`-\frac{1}{4\pi}\int \ln(1 - |S_{XY}|^2 / (S_{XX} S_{YY}))\, d\omega`.
For a linear SDE the ratio is rational in :math:`\omega^2`, and the integral is a sum of
square roots of the roots of its numerator and denominator; numerically it is integrated
by quadrature. The rate is finite when the coherence vanishes at high frequency (two
variables with independent noise of their own); it is infinite when one path fixes the
other (a noiseless readout of a smooth signal, or correlated white noises).
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ...errors import ModelError
from .. import budget
from .._backend import NumOps
from ..checks import guarded
from ..closedform import apply_form, check_form
from ..model import LinearSDE, VariableSpec
from ._spectra import (check_at_points, density, even_in_u, frequency_integral, log_ratio_integral, mp_density,
                       redundant, stationary_arrays, symbolic_density, tail_vanishes, variable_sets)

__all__ = ["mutual_information_rate"]

_WHAT = "the mutual information rate"


def _integrand(A: np.ndarray, D2: np.ndarray, X: list[int], Y: list[int]):
    r""":math:`-\ln\det(1 - C(\omega))` from the singular values of the whitened cross-spectrum."""
    k = len(X)
    rows = X + Y

    def f(omega: float) -> float:
        S = density(A, D2, omega, rows)
        try:
            LX = np.linalg.cholesky(S[:k, :k])
            LY = np.linalg.cholesky(S[k:, k:])
        except np.linalg.LinAlgError:
            raise ModelError(f"{_WHAT}: the spectral density of X or of Y is singular at omega = {omega:.6g} "
                             "(a variable of a set is a fixed combination of the others there)") from None
        W = np.linalg.solve(LX, S[:k, k:])
        W = np.linalg.solve(LY, W.conj().T)
        sigma2 = np.minimum(np.linalg.svd(W, compute_uv=False) ** 2, 1 - np.finfo(float).eps)
        return float(-np.sum(np.log1p(-sigma2)))

    return f


def _numeric(A: np.ndarray, D: np.ndarray, X: list[int], Y: list[int]) -> float:
    D2 = 2 * np.asarray(D, float)
    k = len(X)

    def loss(omega):  # 1 - det S_ZZ / (det S_XX det S_YY), in mpmath
        S = mp_density(A, D2, omega, X + Y)
        return 1 - mpmath.det(S) / (mpmath.det(S[:k, :k]) * mpmath.det(S[k:, k:]))

    if not tail_vanishes(loss, A):
        raise ModelError(f"{_WHAT} is infinite: the coherence of X and Y does not vanish at high frequency (one path "
                         "fixes the other there, as for correlated white noises or a noiseless readout of a smooth "
                         "signal)")
    return frequency_integral(_integrand(A, D2, X, Y), A, _WHAT) / (2 * np.pi)


def _symbolic(A: sp.Matrix, D: sp.Matrix, X: list[int], Y: list[int]) -> sp.Expr:
    k = len(X)
    N = symbolic_density(A, D, X + Y)
    budget.check_expansion(N, _WHAT + " (spectral determinants)")
    ratio = sp.cancel(N.det(method="berkowitz") / (N[:k, :k].det(method="berkowitz")
                                                  * N[k:, k:].det(method="berkowitz")))
    P, Q = even_in_u(ratio)
    return -log_ratio_integral(P, Q, _WHAT) / (4 * sp.pi)


@guarded
def mutual_information_rate(model: LinearSDE, X: VariableSpec, Y: VariableSpec, form: str | None = None) -> Any:
    r"""Mutual-information rate between the stationary paths of ``X`` and ``Y``, nats per unit time.

    .. math:: \dot I(X; Y) = \lim_{T\to\infty} \frac{1}{T} I(X_{[0,T]}; Y_{[0,T]})
              = -\frac{1}{4\pi} \int_{-\infty}^{\infty}
              \ln \frac{\det S_{ZZ}(\omega)}{\det S_{XX}(\omega)\det S_{YY}(\omega)}\, d\omega

    (Tostevin & ten Wolde's spectral formula; for scalars the integrand is
    :math:`\ln(1 - |S_{XY}|^2 / (S_{XX} S_{YY}))`), with
    :math:`S(\omega) = (i\omega - A)^{-1} 2D (-i\omega - A^T)^{-1}`. For an Ornstein–Uhlenbeck
    signal (rate :math:`\lambda`, diffusion :math:`D_s`) read by a sensor
    :math:`dx = (g s - \mu x) dt + \sqrt{2 D_x} dW` it is
    :math:`\tfrac12(\sqrt{\lambda^2 + g^2 D_s / D_x} - \lambda)`, whatever :math:`\mu`.
    With independent noise of their own in ``X`` and ``Y`` it equals the sum of the two
    full-history transfer entropy rates
    (:func:`~thermotheory.core.spectral.full_history_transfer_entropy_rate`).

    Parameters
    ----------
    model : LinearSDE
        With a stationary state.
    X, Y : Symbol, name or sequence
        Disjoint variable sets. A variable without noise whose drift involves only
        variables of its own set is a functional of their paths and is left out.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result.

    Returns
    -------
    sympy expression or float
        Symbolic: a sum of square roots of the roots of the spectral ratio's numerator and
        denominator (in :math:`\omega^2`), checked against the numeric integral at random
        points. Numeric: adaptive quadrature.

    Raises
    ------
    ModelError
        When the rate is infinite (the coherence of ``X`` and ``Y`` does not vanish at high
        frequency: correlated white noises, or a noiseless readout of a smooth signal), or
        for overlapping sets.
    NotStable
        Without a stationary state.
    TooLarge
        For a symbolic ratio with an irreducible factor of degree above two in :math:`\omega^2`.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> from thermotheory.core.spectral import mutual_information_rate
    >>> s, x = sp.symbols("s x", real=True)
    >>> lam, g, D_s, D_x = sp.symbols("lambda g D_s D_x", positive=True)
    >>> m = LinearSDE({s: -lam * s, x: g * s - x}, {s: D_s, x: D_x})
    >>> mutual_information_rate(m, s, x)
    -lambda/2 + sqrt(D_s*g**2 + D_x*lambda**2)/(2*sqrt(D_x))

    References
    ----------
    F. Tostevin and P. R. ten Wolde, Phys. Rev. Lett. 102, 218101 (2009).
    """
    form = check_form(form)
    ops, A, _, D = stationary_arrays(model, _WHAT)
    Xi, Yi = variable_sets(model, (X, Y), ("X", "Y"))
    Xk, _ = redundant(model, Xi, A, D)
    Yk, _ = redundant(model, Yi, A, D)
    if not Xk or not Yk:  # a set with no noise reaching it is constant in the stationary state
        return 0.0 if ops is NumOps else sp.Integer(0)
    if ops is NumOps:
        return max(_numeric(A, D, Xk, Yk), 0.0)
    value = _symbolic(A, D, Xk, Yk)
    check_at_points(value, model, lambda m: mutual_information_rate(m, X, Y), _WHAT)
    return apply_form(value, form)
