r"""Scaled cumulant generating function of a current: the tilted generator's Riccati equation.

:math:`\lambda(s) = \lim_{t\to\infty} t^{-1} \ln \langle e^{s J_t} \rangle`. In the Itô form of
:mod:`~thermotheory.core.currents.rates` the tilted generator is

.. math:: L_s f = L f + s\,(2 D g)\cdot\nabla f + \left(s \phi + s^2 g^T D g\right) f,
          \qquad g = G y + g_1 ,

and it has an eigenfunction :math:`r_s = \exp(\tfrac12 y^T Q y + q^T y)` with

.. math:: \tilde A^T Q + Q \tilde A + 2 Q D Q + s\Phi + 2 s^2 G^T D G = 0,
          \qquad \tilde A = A + 2 s D G

(a continuous algebraic Riccati equation; its stabilising solution, the one for which
the tilted drift :math:`A_s = \tilde A + 2 D Q` is stable, continues :math:`Q = 0` at
:math:`s = 0`), :math:`A_s^T q = -s\,(2 Q D g_1 + p + 2 s G^T D g_1)` and the eigenvalue

.. math:: \lambda(s) = \operatorname{tr}(D Q) + q^T D q + 2 s\, g_1^T D q + s \phi_0 + s^2 g_1^T D g_1 .

It is the SCGF when the boundary weights are integrable: :math:`p\, r_s` (the stationary
start, :math:`S^{-1} - Q \succ 0`) and the left eigenfunction (:math:`S_s^{-1} + Q \succ 0`,
:math:`S_s` the stationary covariance of the tilted drift). Where either fails the
eigenvalue is not the SCGF (the heat of a trapped particle beyond the range of the
extended fluctuation theorem, van Zon & Cohen 2003), and the numeric path refuses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from .._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp

from ...errors import ModelError
from .. import budget
from ..checks import as_expression, guarded
from ..model import LinearSDE
from .current import Current, _is_zero
from .rates import _Pieces, _tidy, current_mean_rate, current_variance_rate

__all__ = ["current_scgf", "OutsideDomain"]


class OutsideDomain(ModelError):
    """The tilted eigenvalue is not the SCGF at this ``s`` (no stabilising solution, or divergent boundary terms)."""


def current_scgf(model: LinearSDE, current: Current, s: Any) -> Any:
    r"""Scaled cumulant generating function :math:`\lambda(s) = \lim t^{-1} \ln \langle e^{s J_t} \rangle`.

    The eigenvalue of the tilted generator, from its Riccati equation (module
    docstring). Its derivatives at ``s = 0`` are the mean rate and the variance rate:
    :math:`\lambda'(0) = \bar J`, :math:`\lambda''(0) = 2 D_J`.

    Closed forms (symbolic model or symbolic ``s``):

    - a linear current (``G = 0``, ``H = 0``) is Gaussian:
      :math:`\lambda(s) = s \bar J + s^2 D_J` exactly, for every ``s``;
    - a one-variable model: the scalar Riccati equation,
      :math:`Q = -(\tilde a + w)/(2d)` with :math:`w = \sqrt{\tilde a^2 - 2 d R}`;
    - a two-variable model with no linear terms (``G m + g0 = 0`` and ``H m + c = 0``, as
      for every heat and entropy current of an all-even model):
      :math:`\lambda = \tfrac12(-\sqrt{-a_2 + 2\sqrt{a_0}} - \operatorname{tr}\tilde A) + s\phi_0`
      from the even characteristic polynomial :math:`\mu^4 + a_2 \mu^2 + a_0` of the
      Riccati equation's Hamiltonian matrix (the sum of its stable eigenvalues is the
      trace of the tilted drift).

    Other symbolic cases are refused; a numeric model gives a float (or an array, for an
    array of ``s``) from the stable invariant subspace of the Hamiltonian matrix, with
    the boundary conditions checked.

    Parameters
    ----------
    model : LinearSDE
        A stationary model.
    current : Current
    s : number, sympy expression or array of numbers
        The counting parameter.

    Returns
    -------
    sympy expression, float or numpy array
        Per unit time. A symbolic form is the tilted eigenvalue; it is the SCGF on the
        interval of ``s`` around 0 where the boundary conditions hold (evaluate it on a
        numeric model to have them checked).

    Raises
    ------
    OutsideDomain
        (numeric) When ``s`` lies outside the interval where the eigenvalue is the SCGF.
    ModelError
        For a symbolic case without a closed form (substitute numbers).

    References
    ----------
    Touchette, Physica A 504, 5 (2018) (tilted generators of diffusions); Kwon, Noh &
    Park, PRE 83, 061145 (2011) (linear diffusions).

    Examples
    --------
    The integral of an OU process is Gaussian:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> s = sp.Symbol("s", real=True)
    >>> tau, D = sp.symbols("tau D", positive=True)
    >>> ou = LinearSDE({x: -x / tau}, {x: D})
    >>> current_scgf(ou, Current.time_integral(ou, x), s)
    D*s**2*tau**2

    The entropy production of a driven model obeys the Gallavotti–Cohen symmetry
    :math:`\lambda(s) = \lambda(-1 - s)`:

    >>> import numpy as np
    >>> m = LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> ep = Current.entropy_production(m)
    >>> bool(np.isclose(current_scgf(m, ep, 0.2), current_scgf(m, ep, -1.2)))
    True
    """
    if isinstance(s, (list, tuple, np.ndarray)):
        arr = np.asarray(s, dtype=float)
        return np.array([current_scgf(model, current, float(x)) for x in arr.ravel()]).reshape(arr.shape)
    s_expr = as_expression(s, "s")
    P = _Pieces(model, current)
    if P.numeric and s_expr.is_number:
        return _numeric_scgf(P, float(s_expr))
    return _symbolic_scgf(model, current, P, s_expr)


def _ito_parts(P: _Pieces, numeric: bool):
    """``g1, Phi, p, phi0`` of the Itô form (see :mod:`~thermotheory.core.currents.rates`)."""
    A, D, m, G, H, c, c0 = P.A, P.D, P.m, P.G, P.H, P.c, P.c0
    if numeric:
        g1 = G @ m + P.g0
        return (g1, G.T @ A + A.T @ G + H, A.T @ g1 + H @ m + c,
                float(np.trace(G @ D)) + float(m @ H @ m) / 2 + float(c @ m) + c0)
    g1 = G * m + P.g0
    return (g1, G.T * A + A.T * G + H, A.T * g1 + H * m + c,
            (G * D).trace() + (m.T * H * m)[0, 0] / 2 + (c.T * m)[0, 0] + c0)


@guarded
def _numeric_scgf(P: _Pieces, s: float) -> float:
    A, D, S, G = P.A, P.D, P.S, P.G
    n = P.n
    g1, Phi, p, phi0 = _ito_parts(P, True)
    if s == 0.0:
        return 0.0
    At = A + 2 * s * D @ G
    R = s * Phi + 2 * s**2 * G.T @ D @ G
    Ham = np.block([[At, 2 * D], [-R, -At.T]])
    scale = max(float(np.linalg.norm(Ham, 1)), np.finfo(float).tiny)
    ev = np.linalg.eigvals(Ham)
    tol = 1e-9 * scale
    if np.min(np.abs(ev.real)) <= tol:
        raise OutsideDomain(f"s = {s:g} lies outside the domain of the SCGF: the tilted generator's Riccati equation "
                            "has no stabilising solution (its Hamiltonian matrix has an eigenvalue on the imaginary "
                            "axis), so <exp(s J_t)> grows faster than exponentially or diverges")
    T, Z, sdim = sla.schur(Ham, output="real", sort="lhp")
    if sdim != n:
        raise OutsideDomain(f"s = {s:g}: the Riccati equation's Hamiltonian has {sdim} stable eigenvalues, not {n}")
    U, V = Z[:n, :n], Z[n:, :n]
    if np.linalg.cond(U) > 1e12:
        raise OutsideDomain(f"s = {s:g}: the Riccati equation has no stabilising solution (a mode of the tilted drift "
                            "is neither driven by noise nor stable)")
    Q = np.linalg.solve(U.T, V.T).T
    Q = (Q + Q.T) / 2
    res = At.T @ Q + Q @ At + 2 * Q @ D @ Q + R
    if np.linalg.norm(res) > 1e-7 * max(scale * (1 + np.linalg.norm(Q)) ** 2, 1.0):
        raise ModelError(f"s = {s:g}: the Riccati solve is inaccurate (residual {np.linalg.norm(res):.2e}); the model "
                         "is ill-conditioned")
    As = At + 2 * D @ Q
    if np.max(np.linalg.eigvals(As).real) >= 0:
        raise OutsideDomain(f"s = {s:g}: the tilted drift is not stable")
    q = -np.linalg.solve(As.T, s * (2 * Q @ D @ g1 + p + 2 * s * G.T @ D @ g1))
    lam = float(np.trace(D @ Q) + q @ D @ q + 2 * s * g1 @ D @ q + s * phi0 + s**2 * g1 @ D @ g1)
    # boundary weights: the stationary start against r_s, and the left eigenfunction
    Ss = sla.solve_continuous_lyapunov(As, -2 * D)
    for name, cov, sign in (("the initial state's weight (S^-1 - Q must be positive definite)", S, -1.0),
                            ("the final state's weight (S_s^-1 + Q must be positive definite)", (Ss + Ss.T) / 2, 1.0)):
        w, vecs = np.linalg.eigh(cov)
        root = vecs * np.sqrt(np.clip(w, 0.0, None))
        k = np.eye(n) + sign * root.T @ Q @ root
        if np.min(np.linalg.eigvalsh((k + k.T) / 2)) <= 1e-10:
            raise OutsideDomain(
                f"s = {s:g}: {name} is not integrable, so the boundary terms of <exp(s J_t)> diverge and the SCGF is "
                "not the tilted eigenvalue here (as for the heat beyond the extended fluctuation theorem)"
            )
    return lam


def _symbolic_scgf(model: LinearSDE, current: Current, P: _Pieces, s: sp.Expr) -> Any:
    if current.is_linear:
        mean = sp.sympify(current_mean_rate(model, current))
        var = sp.sympify(current_variance_rate(model, current))
        return sp.expand(s * mean + s**2 * var / 2) if (mean.is_number and var.is_number) else \
            sp.collect(sp.expand(s * _tidy(mean) + s**2 * _tidy(var) / 2), s, _tidy)
    if P.numeric:  # a numeric model with a symbolic s: work on exact sympy matrices
        P = _SymView(P)
    g1, Phi, p, phi0 = _ito_parts(P, False)
    A, D, G = P.A, P.D, P.G
    At = A + 2 * s * D * G
    R = s * Phi + 2 * s**2 * G.T * D * G
    if P.n == 1:
        a, d, gg = At[0, 0], D[0, 0], g1[0, 0]
        if _is_zero(sp.Matrix([d])):
            raise ModelError("the SCGF of a current of a one-variable model without noise is trivial: the state is "
                             "constant in the stationary state")
        w = sp.sqrt(budget.factor(sp.cancel(a**2 - 2 * d * R[0, 0])))
        Qv = (-a - w) / (2 * d)
        q = s * (2 * Qv * d * gg + p[0, 0] + 2 * s * G[0, 0] * d * gg) / w
        lam = d * Qv + d * q**2 + 2 * s * gg * d * q + s * phi0 + s**2 * d * gg**2
        return _tidy_scgf(lam)
    if P.n == 2 and _zero(g1) and _zero(P.H * P.m + P.c):
        Ham = sp.Matrix(sp.BlockMatrix([[At, 2 * D], [-R, -At.T]]))
        mu = sp.Dummy("mu")
        coeffs = [budget.factor(sp.cancel(e)) for e in Ham.charpoly(mu).all_coeffs()]  # mu^4 + c1 mu^3 + ...
        if not _is_zero(sp.Matrix([coeffs[1], coeffs[3]])):
            raise ModelError("the Riccati equation's Hamiltonian is not even: the SCGF has no closed form here")
        a2, a0 = coeffs[2], coeffs[4]
        lam = (-sp.sqrt(budget.factor(-a2 + 2 * sp.sqrt(a0))) - At.trace()) / 2 + s * phi0
        return _tidy_scgf(lam)
    raise ModelError(
        "the SCGF has a closed form here for linear currents, one-variable models, and two-variable models with no "
        "linear terms (G m + g0 = 0, H m + c = 0); substitute numbers (model.subs(values), current.subs(values)) "
        "for the numeric SCGF"
    )


class _SymView:
    """A numeric :class:`_Pieces` seen as exact sympy matrices (floats as their binary rationals)."""

    def __init__(self, P: _Pieces) -> None:
        def conv(x):
            arr = np.atleast_1d(np.asarray(x, dtype=float))
            M = sp.Matrix(arr.tolist()) if arr.ndim == 2 else sp.Matrix(arr.reshape(-1, 1).tolist())
            return M.applyfunc(sp.Rational)

        self.n = P.n
        self.A, self.D, self.S, self.m = conv(P.A), conv(P.D), conv(P.S), conv(P.m)
        self.G, self.g0, self.H, self.c = conv(P.G), conv(P.g0), conv(P.H), conv(P.c)
        self.c0 = sp.Rational(P.c0)


def _zero(M: sp.MatrixBase) -> bool:
    return _is_zero(M)


def _tidy_scgf(expr: sp.Expr) -> sp.Expr:
    """One quotient with factored radicands (so that a perfect square leaves its root)."""
    roots = lambda e: e.is_Pow and e.exp == sp.Rational(1, 2)  # noqa: E731
    expr = expr.replace(roots, lambda e: sp.sqrt(budget.factor(sp.cancel(e.base))))
    return sp.factor_terms(sp.together(expr))
