r"""Transient moments of a linear SDE from an initial Gaussian state.

:math:`\dot S = A S + S A^T + 2D`, :math:`\dot m = A m + b(t)`. Numeric: the propagator
and the accumulated noise over ``[0, t]`` (:func:`noise_integral`, Van Loan's block
exponential by doubling), quadrature for a protocol. Symbolic: the stationary state plus
the decay of the initial offset through ``exp(A t)`` (:mod:`thermotheory.core.expm`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp

from ..errors import ModelError, TooLarge
from . import budget
from .budget import NUMERIC_PATH
from ._backend import NumOps, SymOps, as_vector, model_matrices, ops_for, tidy
from .expm import collect_matrix, expm_symbolic
from .initial import _check_variances, check_time, initial_covariance, initial_mean_vector  # noqa: F401
from .lyapunov import lyapunov_symbolic
from .model import LinearSDE
from .phases import PhaseKernels
from . import phases
from .protocols import switching_times

__all__ = ["covariance", "mean", "noise_integral", "covariance_integral", "initial_covariance", "initial_mean_vector", "check_time",
           "MAX_TRANSIENT_PREDICTED"]


def _ops_matrices(model, need_b: bool = True):
    ops = ops_for(model)
    return (ops,) + model_matrices(model, ops, need_b)


def covariance(model: LinearSDE, t: Any, initial: Any) -> Any:
    r"""Transient covariance :math:`S(t)` from the initial covariance :math:`S(0)`.

    .. math:: S(t) = e^{At} S(0) e^{A^T t} + \int_0^t e^{As}\, 2D\, e^{A^T s}\, ds

    Parameters
    ----------
    model : LinearSDE
    t : float or sympy expression
        Time since the start, ``t >= 0``.
    initial : (n, n) matrix, or mapping variable -> variance
        Covariance at time 0 (a mapping gives a diagonal one).

    Returns
    -------
    sympy.ImmutableMatrix or numpy.ndarray

    Notes
    -----
    A protocol on the drift matrix or the diffusion (``A(t)``, ``D(t)``) is solved by
    :mod:`thermotheory.core.driven`: phase by phase when piecewise constant, by the moment
    equations otherwise. Numeric: :func:`noise_integral` (Van Loan's block exponential over a short step, then
    doubled), accurate for any ``t`` and any drift, stable or not. Symbolic:
    :math:`S_\infty + e^{At}(S(0) - S_\infty)e^{A^T t}`, for drifts whose coupled blocks
    are 1x1, or for a coupled drift of two variables; when ``A`` is singular or unstable,
    the noise integral itself by sympy.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, covariance
    >>> x = sp.Symbol("x", real=True)
    >>> t, D = sp.symbols("t D", positive=True)
    >>> covariance(LinearSDE({x: -x}, {x: D}), t, {x: 0})
    Matrix([[D - D*exp(-2*t)]])
    """
    if model.is_modulated:  # a protocol on A(t) or D(t): phase by phase, or the moment equations
        return phases.covariance(model, t, initial, PhaseKernels(covariance, mean))
    ops, A, _, D = _ops_matrices(model, need_b=False)
    t = check_time(t, ops)
    S0 = initial_covariance(model, initial, ops)
    if ops is NumOps:
        # no stationary state is used: S_inf + F (S0 - S_inf) F^T cancels when A is nearly singular
        F, Qt = noise_integral(A, 2 * D, t)
        S = F @ S0 @ F.T + Qt
        S = (S + S.T) / 2
        S.setflags(write=False)
        return S
    E = expm_symbolic(A, t)
    if sp.simplify(A.det()) == 0 or model.stability_conditions()[0] is False:
        # no usable stationary state (a conserved or growing mode): integrate the noise directly
        s = sp.Dummy("s", nonnegative=True)
        Es = expm_symbolic(A, s)
        integrand = (Es * 2 * D * Es.T).applyfunc(lambda e: sp.expand(sp.powsimp(sp.expand(e))))
        S = E * S0 * E.T + integrand.applyfunc(lambda e: sp.integrate(e, (s, 0, t)))
        return sp.ImmutableMatrix(S.applyfunc(lambda e: tidy(sp.simplify(e))))
    Sinf = sp.Matrix(lyapunov_symbolic(A, 2 * D))
    _check_transient_size(E, S0 - Sinf)
    S = Sinf + E * (S0 - Sinf) * E.T
    return sp.ImmutableMatrix(collect_matrix(S, t))


#: Largest predicted size (a product of term bounds, see :func:`_check_transient_size`) of a symbolic
#: transient covariance: a particle read by a neuron (8.6e6) is solved in seconds, a chain of four
#: (2.1e8) would be refused by the term budget only after 10-20 s of expansion.
MAX_TRANSIENT_PREDICTED = 5.0e7


def _check_transient_size(E: sp.Matrix, X: sp.Matrix) -> None:
    """Refuse at once a transient ``E X E^T`` whose entries would expand past the budget.

    The prediction is ``max_ij sum_kl t(E_ik) t(X_kl) t(E_jl)`` with ``t`` the term bound of
    :func:`thermotheory.core.budget.term_bound`: computed in milliseconds from the factors.
    """
    n = E.rows
    tb = [[0 if E[i, k] == 0 else budget.term_bound(E[i, k]) for k in range(n)] for i in range(n)]
    tx = [[0 if X[k, l] == 0 else budget.term_bound(X[k, l]) for l in range(n)] for k in range(n)]
    worst = max(sum(tb[i][k] * tx[k][l] * tb[j][l] for k in range(n) for l in range(n))
                for i in range(n) for j in range(i, n))
    if worst > MAX_TRANSIENT_PREDICTED:
        raise TooLarge(f"the symbolic transient covariance would expand to about {worst:.2g} terms before "
                       f"cancelling (limit {MAX_TRANSIENT_PREDICTED:.2g}); {NUMERIC_PATH}")


def noise_integral(A: np.ndarray, Q: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    r"""The propagator and the accumulated noise of ``dz = A z dt + noise`` over a time ``t``.

    .. math:: F = e^{At}, \qquad Q_t = \int_0^t e^{As}\, Q\, e^{A^T s}\, ds

    Parameters
    ----------
    A : (n, n) array
        Drift matrix; any (stable, unstable, singular or stiff).
    Q : (n, n) array
        Symmetric positive semi-definite noise intensity (``2 D``).
    t : float
        Time, ``t >= 0``.

    Returns
    -------
    F, Q_t : (n, n) arrays
        ``Q_t`` is symmetric.

    Raises
    ------
    ModelError
        When ``F`` or ``Q_t`` overflows (a mode growing too fast for floats).

    Notes
    -----
    Van Loan's block exponential :math:`\exp([[-A, Q], [0, A^T]]\, h)` is used only for
    a short step :math:`h = t / 2^k` with :math:`\|A\|_1 h \le 1/2`, where its growing
    and decaying exponentials cannot cancel; the step is then doubled ``k`` times,
    :math:`F_{2h} = F_h F_h`, :math:`Q_{2h} = F_h Q_h F_h^T + Q_h`, a sum of positive
    semi-definite terms (no cancellation). Van Loan over the whole ``t`` loses all digits
    once :math:`e^{\|A\| t}` approaches :math:`10^{16}`. See C. F. Van Loan, IEEE Trans.
    Autom. Control 23, 395 (1978).

    Examples
    --------
    A growing mode, ``A = 1``: the exact integral is ``Q (e^{2t} - 1) / 2``, here ``e^{80} - 1``:

    >>> import numpy as np
    >>> F, Qt = noise_integral(np.array([[1.0]]), np.array([[2.0]]), 40.0)
    >>> round(float(Qt[0, 0] / np.expm1(80.0)), 12)
    1.0
    """
    n = A.shape[0]
    if t == 0:
        return np.eye(n), np.zeros((n, n))
    size = np.linalg.norm(A, 1) * t
    k = int(np.ceil(np.log2(size / 0.5))) if size > 0.5 else 0
    h = t / 2.0**k
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n] = -A
    M[:n, n:] = Q
    M[n:, n:] = A.T
    E = sla.expm(M * h)
    F = E[n:, n:].T
    Qt = F @ E[:n, n:]
    Qt = (Qt + Qt.T) / 2
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        for _ in range(k):
            Qt = F @ Qt @ F.T + Qt
            Qt = (Qt + Qt.T) / 2
            F = F @ F
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(Qt))):
        raise ModelError(
            f"the transient moments overflow over a time {t:g}: the drift has a mode growing as "
            f"exp({np.max(np.linalg.eigvals(A).real):.6g} t); use a shorter time"
        )
    return F, Qt


def mean(model: LinearSDE, t: Any, initial_mean: Any = None) -> Any:
    r"""Transient mean :math:`m(t) = e^{At} m(0) + \int_0^t e^{A(t-s)} b(s)\, ds`.

    Parameters
    ----------
    model : LinearSDE
        With a constant ``b`` or a protocol ``b(t)`` (see ``LinearSDE(time=...)``).
    t : float or sympy expression
        Time since the start, ``t >= 0``.
    initial_mean : length-n vector or mapping, optional
        Mean at time 0; default zero.

    Returns
    -------
    numpy.ndarray or sympy.ImmutableDenseNDimArray
        A vector of shape ``(n,)`` (as :func:`~thermotheory.stationary_mean`): a read-only
        float array, or a 1-D sympy array (``sympy.Matrix(m)`` gives the column).

    Notes
    -----
    Constant ``b``: an augmented matrix exponential (numeric) or the fixed point plus a
    decaying term (symbolic). A protocol: the convolution integral, by sympy
    (``integrate``) for a symbolic model and by adaptive Gauss–Kronrod quadrature split at
    the protocol's switching times (``Heaviside`` and ``Piecewise`` conditions) for a
    numeric one.

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> from thermotheory.core.moments import mean
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0], b=[2.0])
    >>> round(float(mean(m, 50.0)[0]), 6)
    2.0

    A trap dragged at unit speed: the particle falls behind it by ``1 / k``.

    >>> import sympy as sp
    >>> x, s = sp.symbols("x s", real=True)
    >>> k, t = sp.symbols("k t", positive=True)
    >>> mean(LinearSDE({x: -k * (x - s)}, {x: 1}, time=s), t)
    [t - 1/k + exp(-k*t)/k]
    """
    if model.is_modulated:  # a protocol on A(t) or D(t): phase by phase, or the moment equations
        return phases.mean(model, t, initial_mean, PhaseKernels(covariance, mean))
    ops, A, b, _ = _ops_matrices(model, need_b=False)
    t = check_time(t, ops)
    n = model.dimension
    m0 = initial_mean_vector(model, initial_mean, ops)
    if not model.is_autonomous:
        return _driven_mean(model, ops, A, t, m0)
    if ops is NumOps:
        M = np.zeros((n + 1, n + 1))
        M[:n, :n] = A
        M[:n, n] = b.reshape(-1)
        E = sla.expm(M * t)
        return as_vector(E[:n, :n] @ m0 + E[:n, n])
    E = expm_symbolic(A, t)
    if b.is_zero_matrix:
        return as_vector(collect_matrix(E * m0, t))
    minf = A.LUsolve(-b)
    return as_vector(collect_matrix(minf + E * (m0 - minf), t))


def covariance_integral(model: LinearSDE, t: Any, initial: Any) -> sp.Matrix:
    r"""The time integral of the transient covariance of a symbolic model, :math:`\int_0^t S(s)\, ds`.

    .. math:: \int_0^t S\, ds = S_\infty t + \sum_k C_k \frac{e^{\mu_k t} - 1}{\mu_k}

    with :math:`e^{As}(S(0) - S_\infty)e^{A^T s} = \sum_k C_k e^{\mu_k s}` (the rates
    :math:`\mu_k` are sums of two eigenvalues, nonzero for a stable drift). Term by term,
    without solving a Lyapunov equation with a time-dependent right-hand side (what the
    transient heat needs; that route can be refused as too large for a model whose
    covariance is small).

    Parameters
    ----------
    model : LinearSDE
        Symbolic, constant ``A`` and ``D``.
    t : sympy expression
        Time, ``t >= 0``.
    initial : (n, n) matrix or mapping variable -> variance

    Returns
    -------
    sympy.Matrix

    Raises
    ------
    ModelError
        For a numeric or time-modulated model, or a rate that cannot be shown nonzero.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> k, t = sp.symbols("k t", positive=True)
    >>> sp.simplify(covariance_integral(LinearSDE({x: -k * x}, {x: 1}), t, {x: 0})[0, 0] - (t / k - (1 - sp.exp(-2 * k * t)) / (2 * k**2)))
    0
    """
    if model.is_numeric or model.is_modulated:
        raise ModelError("covariance_integral: expected a symbolic model with constant A and D")
    A, D = sp.Matrix(model.A), sp.Matrix(model.D)
    t = check_time(t, SymOps)
    S0 = sp.Matrix(initial_covariance(model, initial, SymOps))
    Sinf = sp.Matrix(lyapunov_symbolic(A, 2 * D))
    s = sp.Dummy("s", real=True, nonnegative=True)
    Es = expm_symbolic(A, s)
    X0 = (S0 - Sinf).applyfunc(sp.cancel)
    n = model.dimension
    out = sp.zeros(n, n)
    for i in range(n):
        for j in range(i, n):
            e = sum((Es[i, k] * X0[k, l] * Es[j, l] for k in range(n) for l in range(n) if X0[k, l] != 0),
                    sp.Integer(0))
            out[i, j] = out[j, i] = Sinf[i, j] * t + _integrate_exponentials(e, s, t)
    return out


def _integrate_exponentials(expr: sp.Expr, s: sp.Symbol, t: sp.Expr) -> sp.Expr:
    """``int_0^t expr ds`` for a sum of ``c_k exp(mu_k s)`` (``c_k``, ``mu_k`` free of ``s``), term by term."""
    def exponent(part: sp.Expr, term: sp.Expr) -> sp.Expr:
        """The exponent of a product of exponentials (``exp(a s) exp(b s)`` -> ``a s + b s``)."""
        total = sp.Integer(0)
        for f in sp.Mul.make_args(sp.powsimp(part, combine="exp")):
            if isinstance(f, sp.exp):
                total += f.args[0]
            elif isinstance(f, sp.Pow) and isinstance(f.base, sp.exp) and f.exp.is_Integer:
                total += f.exp * f.base.args[0]
            elif s in f.free_symbols:
                raise ModelError(f"covariance_integral: a term {term} is not an exponential in time")
        return total

    by_rate: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        num, den = term.as_numer_denom()
        c_den, d_den = budget.factor(den).as_independent(s, as_Add=False)
        for piece in sp.Add.make_args(sp.expand(num)):
            c_num, d_num = piece.as_independent(s, as_Add=False)
            rate = sp.expand((exponent(d_num, term) - exponent(d_den, term)) / s)
            if s in rate.free_symbols:
                raise ModelError(f"covariance_integral: a term {term} is not an exponential in time")
            by_rate[rate] = by_rate.get(rate, sp.Integer(0)) + c_num / c_den
    total = sp.Integer(0)
    for rate, coeff in by_rate.items():
        coeff = budget.factor(sp.cancel(coeff))
        if coeff == 0:
            continue
        if rate == 0:
            total += coeff * t
        elif sp.simplify(rate).is_zero is False:
            total += coeff * (sp.exp(rate * t) - 1) / rate
        else:
            raise ModelError(f"covariance_integral: the rate {rate} cannot be shown nonzero; substitute numbers")
    return total


def _driven_mean(model: LinearSDE, ops, A, t, m0):
    """Mean under a protocol ``b(t)``: the convolution of ``exp(A (t - s))`` with ``b(s)``."""
    tau = model.time
    if ops is NumOps:
        from scipy.integrate import quad_vec

        def integrand(s: float) -> np.ndarray:
            return sla.expm(A * (t - s)) @ model.drive([s])[0]

        drive = np.zeros(model.dimension)
        if t > 0:
            drive, _ = quad_vec(integrand, 0.0, t, epsabs=1e-13, epsrel=1e-12,
                                points=switching_times(model, t) or None, limit=2000)
        return as_vector(sla.expm(A * t) @ m0 + drive)
    s = sp.Dummy("s", real=True, nonnegative=True)
    bs = sp.Matrix(model.b).xreplace({tau: s}).applyfunc(lambda e: e.rewrite(sp.Piecewise))  # steps: exact integrals
    E = expm_symbolic(A, t - s)
    integrand = (E * bs).applyfunc(lambda e: sp.expand(sp.powsimp(sp.expand(e))))
    drive = integrand.applyfunc(lambda e: sp.integrate(e, (s, 0, t)))
    total = expm_symbolic(A, t) * m0 + drive
    return as_vector(total.applyfunc(lambda e: tidy(sp.simplify(e))))
