r"""Mean rate, variance rate (diffusion coefficient) and uncertainty ratio of a current.

For a stationary model :math:`dz = (A z + b)\,dt + \sqrt{2D}\,dW` with mean ``m`` and
covariance ``S``, write :math:`y = z - m` and the current
:math:`J = \int (G z + g_0)^T \circ dz + \int h(z)\,dt` in Itô form,

.. math:: dJ = \phi(y)\,dt + (G y + g_1)^T \sqrt{2D}\,dW, \qquad
          \phi(y) = \tfrac12 y^T \Phi y + p^T y + \phi_0,

with :math:`g_1 = G m + g_0`, :math:`\Phi = G^T A + A^T G + H`,
:math:`p = A^T g_1 + H m + c` and :math:`\phi_0 = \operatorname{tr}(G D) + h(m)`
(the Stratonovich correction is :math:`\operatorname{tr}(G D)`).

Mean rate
    :math:`\bar J = \langle \phi \rangle = \operatorname{tr}(G^T A S) + \operatorname{tr}(G D)
    + \tfrac12 \operatorname{tr}(H S) + h(m)`.
Variance rate
    The Poisson equation :math:`L \chi = \bar J - \phi` of the generator has the quadratic
    solution :math:`\chi = \tfrac12 y^T X y + k^T y` with :math:`A^T X + X A + \Phi = 0`
    (a Lyapunov equation) and :math:`k = -A^{-T} p`; then
    :math:`J_t - \bar J t = \chi(y_0) - \chi(y_t) + \int (M y + v)^T \sqrt{2D}\,dW`, with
    :math:`M = G + X` and :math:`v = -A^{-T}(H m + c)`, so

    .. math:: 2 D_J = \lim_{t\to\infty} \frac{\operatorname{Var} J_t}{t}
              = 2 \operatorname{tr}(M^T D M S) + 2 v^T D v .

    This is the Green–Kubo integral of the current's autocorrelation in closed form.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from .._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp

from ...errors import ModelError, TooLarge
from .. import budget
from ..checks import guarded
from ..state import covariance_matrix, stationary_mean
from ..model import LinearSDE
from ..thermo import entropy_production_rate
from .current import Current

__all__ = ["current_mean_rate", "current_variance_rate", "uncertainty_ratio", "MAX_SYMBOLIC_VARIABLES"]

#: Largest model whose variance rate is solved symbolically (the Lyapunov equation for ``X``
#: has ``n (n + 1) / 2`` unknowns); larger symbolic models are refused: substitute numbers.
MAX_SYMBOLIC_VARIABLES = 4


class _Pieces:
    """The model's stationary state and the current's matrices, as floats or as sympy matrices."""

    def __init__(self, model: LinearSDE, current: Current) -> None:
        if not isinstance(current, Current):
            raise ModelError(f"current: expected a Current but found {type(current).__name__}")
        current.check_model(model)
        if not model.is_autonomous:
            raise ModelError(f"the drift depends on time {model.time}, so there is no stationary state; write the "
                             "model in a frame where it is stationary (a dragged trap in the trap's frame)")
        self.n = n = model.dimension
        self.numeric = model.is_numeric and current.is_numeric
        S = covariance_matrix(model)
        m = stationary_mean(model)
        if self.numeric:
            self.A, b, self.D = (np.asarray(M, dtype=float) for M in model.arrays())
            self.S = np.asarray(S, dtype=float)
            self.m = np.asarray(m, dtype=float).reshape(-1)
            self.G, self.g0, self.H, self.c, self.c0 = current.arrays()
        else:
            self.A, self.D = sp.Matrix(model.A), sp.Matrix(model.D)
            self.S = sp.Matrix(np.asarray(S, float).tolist()) if isinstance(S, np.ndarray) else sp.Matrix(S)
            self.m = sp.Matrix(np.asarray(m, float).reshape(-1).tolist() if isinstance(m, np.ndarray) else m)
            self.m = self.m.reshape(n, 1)
            self.G, self.g0, self.H, self.c = (sp.Matrix(M) for M in (current.G, current.g0, current.H, current.c))
            self.c0 = current.c0

    def mean_scale(self) -> float:
        """Size of the terms of the mean rate before cancellations (numeric), for its round-off."""
        nrm = np.linalg.norm
        return float(nrm(self.G) * (nrm(self.A) * nrm(self.S) + nrm(self.D)) + nrm(self.G) * nrm(self.m)
                     * nrm(self.A) * nrm(self.m) + nrm(self.H) * (nrm(self.S) + nrm(self.m) ** 2) / 2
                     + nrm(self.c) * nrm(self.m) + abs(self.c0))

    def entropy_scale(self, parity) -> float:
        """Size of the terms of the entropy production rate before cancellations (numeric)."""
        nrm = np.linalg.norm
        Dp = np.linalg.pinv(self.D, hermitian=True)
        return float(nrm(Dp) * (nrm(self.A) ** 2 * (nrm(self.S) + nrm(self.m) ** 2)) + nrm(self.A))

    # -- the Itô form ----------------------------------------------------------------------
    def mean_terms(self) -> list[Any]:
        """The terms of the mean rate: tr(G^T A S), tr(G D), tr(H S)/2, h(m)."""
        G, A, S, D, H, m, c, c0 = self.G, self.A, self.S, self.D, self.H, self.m, self.c, self.c0
        if self.numeric:
            return [float(np.trace(G.T @ A @ S)), float(np.trace(G @ D)), float(np.trace(H @ S)) / 2,
                    float(m @ H @ m) / 2 + float(c @ m) + c0]
        return [(G.T * A * S).trace(), (G * D).trace(), (H * S).trace() / 2,
                (m.T * H * m)[0, 0] / 2 + (c.T * m)[0, 0] + c0]


def _tidy(expr: Any) -> Any:
    """A compact canonical symbolic form (cancelled and factored)."""
    expr = sp.sympify(expr)
    return expr if expr.is_Number else budget.factor(sp.cancel(sp.together(expr)))


def _round_off(values: list[float], n: int) -> float:
    """Size of the round-off of a sum of float terms: below it a result is 0."""
    return 256 * n * np.finfo(float).eps * sum(abs(v) for v in values)


@guarded
def current_mean_rate(model: LinearSDE, current: Current) -> Any:
    r"""Stationary mean rate :math:`\bar J = \lim_{t\to\infty} \langle J_t \rangle / t` of a current.

    .. math:: \bar J = \operatorname{tr}(G^T A S) + \operatorname{tr}(G D)
              + \tfrac12 \operatorname{tr}(H S) + \tfrac12 m^T H m + c^T m + c_0

    (the Itô drift of :math:`J` averaged over the stationary density; only the part of
    ``G`` antisymmetric in the state contributes, since
    :math:`\operatorname{tr}(G^T A S) + \operatorname{tr}(G D)
    = \tfrac12 \operatorname{tr}[G (S A^T - A S)]`).

    Parameters
    ----------
    model : LinearSDE
        A stationary model (stable drift, no protocol).
    current : Current
        Written for the model's variables.

    Returns
    -------
    sympy expression or float
        Per unit time, in the units of the current (nats for heat and entropy currents).
        A float within round-off of zero is returned as 0.0.

    Raises
    ------
    NotStable
        When the model has no stationary state.
    ModelError
        When the current is written for other variables.

    References
    ----------
    Seifert, Rep. Prog. Phys. 75, 126001 (2012), section 4 (stochastic energetics of currents).

    Examples
    --------
    The heat current of a sensor ``x`` of an OU signal ``v`` has the mean rate of :func:`~thermotheory.heat_rate`:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> v, x = sp.symbols("v x", real=True)
    >>> m = LinearSDE({v: -v, x: v - x}, {v: 1, x: 1})
    >>> current_mean_rate(m, Current.heat(m, x))
    0.5
    """
    P = _Pieces(model, current)
    terms = P.mean_terms()
    if P.numeric:
        value = float(sum(terms))
        return 0.0 if abs(value) <= _round_off([P.mean_scale()], P.n) else value
    return _tidy(sum(terms))


def _lyapunov_transposed(P: _Pieces, Phi: Any) -> Any:
    """``X`` with ``A^T X + X A + Phi = 0`` (float, residual checked; or symbolic, fraction-free)."""
    A = P.A
    if P.numeric:
        X = sla.solve_continuous_lyapunov(A.T, -Phi)
        X = (X + X.T) / 2
        res = A.T @ X + X @ A + Phi
        scale = 2 * sla.norm(A) * sla.norm(X) + sla.norm(Phi)
        if scale > 0 and (not np.isfinite(sla.norm(res)) or sla.norm(res) > 1e-8 * scale):
            raise ModelError(f"the Lyapunov solve of the variance rate is inaccurate (relative residual "
                             f"{sla.norm(res) / scale:.2e}); the model is ill-conditioned")
        return X
    return symbolic_lyapunov_transposed(A, Phi)


def symbolic_lyapunov_transposed(A: sp.Matrix, Phi: sp.Matrix) -> sp.Matrix:
    r"""Solve :math:`A^T X + X A + \Phi = 0` for symmetric ``X`` exactly (a linear system over the fraction field).

    Raises
    ------
    TooLarge
        Above :data:`MAX_SYMBOLIC_VARIABLES` variables.
    ModelError
        When the equation has no unique solution (two eigenvalues of ``A`` sum to zero).

    Examples
    --------
    >>> import sympy as sp
    >>> k = sp.Symbol("k", positive=True)
    >>> symbolic_lyapunov_transposed(sp.Matrix([[-k]]), sp.Matrix([[2]]))
    Matrix([[1/k]])
    """
    n = A.shape[0]
    if n > MAX_SYMBOLIC_VARIABLES:
        raise TooLarge(f"the symbolic variance rate of a current is solved for at most {MAX_SYMBOLIC_VARIABLES} "
                       f"variables, but the model has {n}; substitute numbers (model.subs(values)) for a float answer")
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    unknowns = [sp.Dummy(f"x{i}{j}") for i, j in pairs]
    X = sp.zeros(n, n)
    for (i, j), u in zip(pairs, unknowns):
        X[i, j] = X[j, i] = u
    R = A.T * X + X * A + Phi
    M, rhs = sp.linear_eq_to_matrix([sp.expand(R[i, j]) for i, j in pairs], unknowns)
    sol = _solve_exact(M, rhs)
    if sol is None:
        raise ModelError("the variance rate's Lyapunov equation has no unique solution: two eigenvalues of the drift "
                         "sum to zero (a conserved or marginal mode)")
    out = sp.zeros(n, n)
    for (i, j), val in zip(pairs, sol):
        out[i, j] = out[j, i] = val
    return out


def _solve_exact(M: sp.Matrix, rhs: sp.Matrix) -> list[Any] | None:
    """The unique solution of ``M x = rhs`` as cancelled quotients, or None when ``M`` is singular."""
    from sympy.polys.matrices import DomainMatrix

    aug = sp.Matrix(M).row_join(sp.Matrix(rhs))
    if any(e.has(sp.Float) for e in aug):
        aug = aug.applyfunc(lambda e: e.xreplace({f: sp.Rational(f) for f in e.atoms(sp.Float)}))
    dM = DomainMatrix.from_Matrix(aug)
    if dM.domain.is_EX or dM.domain.is_EXRAW:
        try:
            x = sp.Matrix(M).LUsolve(sp.Matrix(rhs))
        except (ValueError, ZeroDivisionError):
            return None
        return [sp.cancel(e) for e in x]
    F = dM.to_field()
    rref, pivots = F.rref()
    k = M.shape[1]
    if tuple(pivots) != tuple(range(k)):
        return None
    dense = rref.to_Matrix()
    return [sp.cancel(dense[i, k]) for i in range(k)]


@guarded
def current_variance_rate(model: LinearSDE, current: Current) -> Any:
    r"""Stationary variance rate :math:`2 D_J = \lim_{t\to\infty} \operatorname{Var}(J_t) / t` of a current.

    .. math:: 2 D_J = 2 \operatorname{tr}\left[(G + X)^T D (G + X) S\right] + 2 v^T D v,

    with :math:`A^T X + X A + G^T A + A^T G + H = 0` and :math:`v = -A^{-T}(H m + c)`:
    the Green–Kubo integral of the current's autocorrelation, reduced to one Lyapunov
    equation through the quadratic solution of the generator's Poisson equation (see
    :mod:`thermotheory.core.currents.rates`). ``D_J`` is the current's diffusion
    coefficient.

    Parameters
    ----------
    model : LinearSDE
        A stationary model.
    current : Current

    Returns
    -------
    sympy expression or float
        In the current's units squared per unit time; 0 for a gradient current (a
        boundary term).

    Raises
    ------
    NotStable
        When the model has no stationary state.
    TooLarge
        For a symbolic model of more than :data:`MAX_SYMBOLIC_VARIABLES` variables.

    References
    ----------
    Gingrich, Horowitz, Perunov & England, PRL 116, 120601 (2016) (current fluctuations
    of diffusions); the Poisson-equation (martingale) form of the Green–Kubo integral.

    Examples
    --------
    The integral of an OU process with relaxation time ``tau`` and diffusion ``D``:
    :math:`\operatorname{Var}\int_0^t x\,ds \simeq 2 D \tau^2 t`.

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> tau, D = sp.symbols("tau D", positive=True)
    >>> ou = LinearSDE({x: -x / tau}, {x: D})
    >>> current_variance_rate(ou, Current.time_integral(ou, x))
    2*D*tau**2
    """
    P = _Pieces(model, current)
    A, D, S, m, G, H, c = P.A, P.D, P.S, P.m, P.G, P.H, P.c
    if P.numeric:
        Phi = G.T @ A + A.T @ G + H
        X = _lyapunov_transposed(P, Phi)
        M = G + X
        v = -np.linalg.solve(A.T, H @ m + c)
        terms = [2 * float(np.trace(M.T @ D @ M @ S)), 2 * float(v @ D @ v)]
        value = sum(terms)
        scale = (2 * (np.linalg.norm(G) + np.linalg.norm(X)) ** 2 * np.linalg.norm(D) * np.linalg.norm(S)
                 + abs(terms[1]))
        tol = _round_off([scale], P.n)
        if value < -tol:
            raise ModelError(f"the variance rate came out negative ({value:.3g}): the model is too ill-conditioned")
        return 0.0 if abs(value) <= tol else float(value)
    Phi = G.T * A + A.T * G + H
    X = _lyapunov_transposed(P, Phi)
    M = G + X
    v = -(A.T).LUsolve(H * m + c)
    return _tidy(2 * (M.T * D * M * S).trace() + 2 * (v.T * D * v)[0, 0])


def _is_zero(value: Any) -> bool:
    if isinstance(value, float):
        return value == 0.0
    value = sp.sympify(value)
    return bool(value.is_zero) or sp.simplify(value).is_zero is True


@guarded
def uncertainty_ratio(model: LinearSDE, current: Current, entropy_rate: Any = None) -> Any:
    r"""The thermodynamic uncertainty ratio of a current, :math:`\mathcal{Q} = \dfrac{2 D_J\, \Sigma}{2 \bar J^2}`.

    The thermodynamic uncertainty relation (TUR) reads

    .. math:: \frac{\operatorname{Var} J_t}{\langle J_t \rangle^2} \ge \frac{2}{\Sigma t}
              \quad (t \to \infty) \iff \mathcal{Q} = \frac{2 D_J\, \Sigma}{2 \bar J^2} \ge 1,

    with :math:`2 D_J` the variance rate (:func:`current_variance_rate`), :math:`\bar J`
    the mean rate (:func:`current_mean_rate`) and :math:`\Sigma` the entropy production
    rate (:func:`~thermotheory.entropy_production_rate`). The ratio is defined so that
    the TUR reads ``ratio >= 1``: its inverse is the precision of the current relative to
    the best its dissipation allows. It is proven for every current of an overdamped (all
    even) diffusion; with odd variables (inertia, a magnetic field) it is not guaranteed
    (violations are known for underdamped dynamics), so the ratio is returned as it is.

    Parameters
    ----------
    model : LinearSDE
    current : Current
        Odd under time reversal (:meth:`Current.is_odd`): a time-symmetric observable
        such as :math:`\int x\,dt` is not bounded by the TUR.
    entropy_rate : number or expression, optional
        The entropy production rate to use instead of the model's own; needed when the
        model is written in a moving frame (a dragged trap, whose frame hides the
        dragging: :math:`\Sigma = \gamma u^2 / T`). The parity check of the current is
        then skipped: the caller vouches for the pair.

    Returns
    -------
    sympy expression or float

    Raises
    ------
    ModelError
        When the current is even under time reversal, when its mean rate is zero, or when
        the entropy production is zero (detailed balance: every current then has zero
        mean and the bound says nothing).

    References
    ----------
    Barato & Seifert, PRL 114, 158101 (2015); Gingrich, Horowitz, Perunov & England,
    PRL 116, 120601 (2016).

    Examples
    --------
    The work done dragging a trap (stiffness ``k``, speed ``u``, friction ``gamma``,
    temperature ``T``) is Gaussian and saturates the bound:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> y = sp.Symbol("y", real=True)
    >>> k, gamma, T, u = sp.symbols("k gamma T u", positive=True)
    >>> frame = LinearSDE({y: -k * y / gamma - u}, {y: T / gamma})
    >>> uncertainty_ratio(frame, Current.work(frame, k, u) , entropy_rate=gamma * u**2 / T)
    1
    """
    if entropy_rate is None and isinstance(current, Current) and isinstance(model, LinearSDE):
        current.check_model(model)
        if not current.is_odd(model.parity):
            raise ModelError(
                f"the current {current.symbol} is not odd under time reversal (a time-symmetric observable such as "
                "the time integral of an even variable): the thermodynamic uncertainty relation does not bound it"
            )
    mean = current_mean_rate(model, current)
    if _is_zero(mean):
        raise ModelError(f"the mean rate of {current.symbol} is zero, so its relative fluctuations are infinite and "
                         "the uncertainty ratio is undefined")
    if entropy_rate is None:
        sigma = entropy_production_rate(model)
        if isinstance(sigma, float):  # within round-off of zero at detailed balance
            P = _Pieces(model, current)
            sigma = 0.0 if abs(sigma) <= _round_off([P.entropy_scale(model.parity)], P.n) else sigma
    else:
        from ..checks import as_expression

        sigma = as_expression(entropy_rate, "entropy_rate")
        if sigma.is_number:
            sigma = float(sigma)
            if not sigma >= 0:
                raise ModelError(f"entropy_rate: expected a non-negative rate but found {sigma}")
    if _is_zero(sigma):
        raise ModelError("the entropy production rate is zero (detailed balance): the uncertainty ratio is undefined")
    var = current_variance_rate(model, current)
    if isinstance(mean, float) and isinstance(var, float) and isinstance(sigma, float):
        return float(var * sigma / (2 * mean**2))
    return _tidy(sp.sympify(var) * sp.sympify(sigma) / (2 * sp.sympify(mean) ** 2))
