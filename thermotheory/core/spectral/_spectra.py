r"""Spectral densities of a stationary linear SDE, and integrals over frequency.

The stationary process of ``dz = (A z + b) dt + sqrt(2D) dW`` has the spectral density matrix

.. math:: S(\omega) = (i\omega - A)^{-1}\, 2D\, (-i\omega - A^T)^{-1},
          \qquad \int_{-\infty}^{\infty} S(\omega)\, \frac{d\omega}{2\pi} = \Sigma ,

Hermitian at each :math:`\omega`, with :math:`S(-\omega) = S(\omega)^T`. Numeric integrals
over :math:`\omega \in [0, \infty)` run on :math:`\theta = \arctan(\omega / c)` by adaptive
Gauss–Kronrod quadrature (``c`` the geometric mean of the slowest and fastest rates).
Symbolic integrals use :math:`s = i\omega`: every integrand here is an even rational
function of :math:`s`, hence a rational function of :math:`u = \omega^2`, integrated through
the roots of its factors (:func:`log_ratio_integral`, :func:`rational_integral`).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ...errors import ModelError, NotStable, TooLarge
from .. import budget
from .._backend import NumOps, model_matrices, ops_for
from ..model import LinearSDE, VariableSpec

__all__ = ["stationary_arrays", "variable_sets", "redundant", "density", "frequency_integral", "mp_density",
           "tail_vanishes", "symbolic_density", "even_in_u", "log_ratio_integral", "rational_integral",
           "check_at_points", "S_SYMBOL", "U_SYMBOL"]

#: The Laplace variable ``s = i omega`` and ``u = omega^2`` of the symbolic integrals.
S_SYMBOL = sp.Dummy("s")
U_SYMBOL = sp.Dummy("u", nonnegative=True)


def stationary_arrays(model: LinearSDE, what: str):
    """``(ops, A, b, D)`` of a model with a stationary state (``b`` a column); refuses protocols and unstable drifts."""
    if not isinstance(model, LinearSDE):
        raise ModelError(f"{what}: expected a LinearSDE but found {type(model).__name__}")
    ops = ops_for(model)
    A, b, D = model_matrices(model, ops)
    stable = model.is_stable()
    if stable is False:
        if ops is NumOps:
            ev = np.linalg.eigvals(A)
            worst = complex(ev[np.argmax(ev.real)])
            raise NotStable(f"{what} needs a stationary state, but the drift matrix has the eigenvalue {worst:.6g} "
                            "with non-negative real part")
        raise NotStable(f"{what} needs a stationary state, but the drift matrix is not stable (Hurwitz)")
    return ops, A, b, D


def variable_sets(model: LinearSDE, specs: Sequence[VariableSpec], names: Sequence[str]) -> list[list[int]]:
    """Indices of each variable set; refuses an empty set and sets that share a variable."""
    out = []
    for spec, name in zip(specs, names):
        idx = model.indices(spec)
        if not idx:
            raise ModelError(f"{name}: expected at least one variable but found none")
        out.append(idx)
    for a in range(len(out)):
        for c in range(a + 1, len(out)):
            common = set(out[a]) & set(out[c])
            if common:
                raise ModelError(f"{names[a]} and {names[c]} must be disjoint, but both hold "
                                 f"{[model.variables[i].name for i in sorted(common)]}")
    return out


def _nonzero(x: Any, symbolic: bool) -> bool:
    return bool(x != 0) if not symbolic else not bool(sp.sympify(x).is_zero)


def redundant(model: LinearSDE, idx: Sequence[int], A, D) -> tuple[list[int], list[int]]:
    """Split ``idx`` into the variables kept and those whose paths the kept ones determine.

    A variable without noise whose drift involves only variables of ``idx`` is a causal
    linear functional of their paths (a position whose velocity is in the set): its path
    adds nothing to a path information or a path divergence, and keeping it would make the
    spectral density of the set singular at every frequency. Returns ``(kept, dropped)``.
    """
    symbolic = ops_for(model) is not NumOps
    n = model.dimension
    inside = set(idx)
    dropped = []
    for i in idx:
        noiseless = not any(_nonzero(D[i, j], symbolic) for j in range(n))
        if noiseless and all(j in inside for j in range(n) if _nonzero(A[i, j], symbolic)):
            dropped.append(i)
    return [i for i in idx if i not in dropped], dropped


def density(A: np.ndarray, D2: np.ndarray, omega: float, rows: Sequence[int]) -> np.ndarray:
    """``S(omega)`` restricted to ``rows``, with ``D2 = 2 D`` (numeric)."""
    M = np.linalg.inv(1j * omega * np.eye(A.shape[0]) - A)[list(rows)]
    return M @ D2 @ M.conj().T


def rate_scale(A: np.ndarray) -> tuple[float, np.ndarray]:
    """The geometric mean of the slowest and fastest rates of ``A``, and the rates (moduli of its eigenvalues)."""
    rates = np.abs(np.linalg.eigvals(A))
    rates = rates[rates > 0]
    return float(np.sqrt(rates.max() * rates.min())), rates


def frequency_integral(f: Callable[[float], float], A: np.ndarray, what: str) -> float:
    r""":math:`\int_0^\infty f(\omega)\, d\omega` by adaptive quadrature in :math:`\theta = \arctan(\omega/c)`.

    The interval is split at the angles of the drift's rates; the result is refused
    (:class:`~thermotheory.errors.ModelError`) when the quadrature does not converge.
    """
    c, rates = rate_scale(A)
    points = sorted({float(np.arctan(r / c)) for r in rates} - {0.0})

    def g(theta: float) -> float:
        cos = np.cos(theta)
        return f(c * np.tan(theta)) * c / (cos * cos)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is judged from ier and the error estimate below
        import scipy.integrate as si  # 0.2 s to import: only where a spectrum is integrated

        out = si.quad(g, 0.0, np.pi / 2, points=points or None, limit=400, epsabs=1e-15 * c, epsrel=1e-11,
                      full_output=1)
    value, err = float(out[0]), float(out[1])
    if not np.isfinite(value) or (len(out) > 3 and err > 1e-7 * max(abs(value), 1e-9 * c)):
        raise ModelError(f"{what}: the integral over frequency did not converge (estimate {value:.6g}, error "
                         f"{err:.2g}); the spectral density may be singular at some frequency")
    return value


def mp_density(A: np.ndarray, D2: np.ndarray, omega: Any, rows: Sequence[int]) -> mpmath.matrix:
    """``S(omega)`` restricted to ``rows`` in mpmath arithmetic (the float entries taken exactly)."""
    n = A.shape[0]
    M = mpmath.matrix(n, n)
    for i in range(n):
        for j in range(n):
            M[i, j] = -mpmath.mpf(float(A[i, j])) + (1j * omega if i == j else 0)
    inv = M ** -1
    k = len(rows)
    Q = mpmath.matrix(k, n)
    for a, i in enumerate(rows):
        for j in range(n):
            Q[a, j] = inv[i, j]
    Dm = mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in D2])
    return Q * Dm * Q.H


def tail_vanishes(g: Callable[[Any], Any], A: np.ndarray, dps: int = 60) -> bool:
    """Whether the even rational integrand ``g(omega)`` (an mpmath function) vanishes as ``omega -> inf``.

    A rational function of :math:`\\omega^2` either tends to a non-zero constant (its
    integral diverges) or falls at least like :math:`\\omega^{-2}`: evaluated at
    :math:`10^6 c` and :math:`10^{10} c` with ``dps`` digits, the second value is then
    :math:`10^{-8}` of the first.
    """
    c, _ = rate_scale(A)
    with mpmath.workdps(dps):
        near, far = abs(g(mpmath.mpf(c) * 10**6)), abs(g(mpmath.mpf(c) * 10**10))
        return bool(far <= 1e-4 * near + mpmath.mpf(10) ** (-dps // 2))


# -- symbolic ----------------------------------------------------------------------------------
def symbolic_density(A: sp.Matrix, D: sp.Matrix, rows: Sequence[int]) -> sp.Matrix:
    """``S`` restricted to ``rows`` as a rational matrix in ``s = i omega``, up to a common even scalar factor.

    Returns :math:`N(s) = \\operatorname{adj}(s - A)_{rows}\\, 2D\\, \\operatorname{adj}(-s - A)_{rows}^T`;
    :math:`S = N / (\\chi(s)\\chi(-s))` with :math:`\\chi` the characteristic polynomial. The
    quantities here are invariant under a common scalar factor that is even in ``s``.
    """
    s = S_SYMBOL
    n = A.shape[0]
    budget.check_expansion(s * sp.eye(n) - A, "the spectral density (adjugate of s - A)")
    adj = (s * sp.eye(n) - A).adjugate()
    R = adj.extract(list(rows), list(range(n)))
    return (R * (2 * D) * R.subs(s, -s).T).applyfunc(sp.expand)


def even_in_u(expr: sp.Expr) -> tuple[sp.Poly, sp.Poly]:
    """A rational function of ``s`` that is even, as ``(P, Q)`` polynomials in ``u = omega^2 = -s^2``."""
    s, u = S_SYMBOL, U_SYMBOL
    num, den = sp.fraction(sp.cancel(sp.together(expr)))

    def convert(p: sp.Expr) -> sp.Poly:
        poly = sp.Poly(sp.expand(p), s)
        out = sp.Integer(0)
        for (k,), coeff in poly.terms():
            if k % 2:
                raise ModelError("internal: an integrand over frequency is not even")  # pragma: no cover
            out += coeff * (-u) ** (k // 2)
        return sp.Poly(sp.expand(out), u)

    return convert(num), convert(den)


def _factors(p: sp.Poly) -> tuple[sp.Expr, list[tuple[sp.Poly, int]]]:
    """``(constant, [(monic factor in u, multiplicity)])`` of a polynomial in ``u`` over the parameters."""
    u = U_SYMBOL
    coeff, facs = sp.factor_list(p.as_expr(), u)
    const = coeff
    out = []
    for f, m in facs:
        fp = sp.Poly(f, u)
        if fp.degree() == 0:
            const *= f**m
            continue
        lc = fp.LC()
        const *= lc**m
        out.append((sp.Poly(sp.cancel(f / lc), u), m))
    return const, out


def _root_sum(f: sp.Poly) -> sp.Expr:
    r""":math:`\sum_k a_k` with :math:`f(u) = \prod_k (u + a_k^2)`, :math:`\operatorname{Re} a_k \ge 0` (monic ``f``).

    Degree 1, :math:`u + \alpha`: :math:`\sqrt\alpha`. Degree 2, :math:`u^2 + \beta u + \gamma`:
    :math:`a_1 + a_2 = \sqrt{\beta + 2\sqrt\gamma}` (``a_1 a_2 = sqrt(gamma)`` for a conjugate
    pair or two positive roots).
    """
    c = f.all_coeffs()
    if f.degree() == 1:
        return sp.sqrt(c[1])
    if f.degree() == 2:
        return sp.sqrt(c[1] + 2 * sp.sqrt(c[2]))
    raise TooLarge(f"a factor of degree {f.degree()} in omega^2 has no closed form along this route; "
                   "substitute numbers with model.subs(values)")


def log_ratio_integral(P: sp.Poly, Q: sp.Poly, what: str) -> sp.Expr:
    r""":math:`\int_{-\infty}^{\infty} \ln(P(\omega^2) / Q(\omega^2))\, d\omega
    = 2\pi (\sum a_k - \sum b_k)`, the roots of ``P`` and ``Q`` as in :func:`_root_sum`.

    Needs ``P / Q -> 1`` as :math:`\omega \to \infty`; otherwise the integral diverges and
    :class:`~thermotheory.errors.ModelError` says so (naming ``what``).
    """
    cp, fp = _factors(P)
    cq, fq = _factors(Q)
    if P.degree() != Q.degree() or sp.cancel(cp / cq) != 1:
        raise ModelError(f"{what} is infinite: the coherence does not vanish at high frequency")
    total = sum((m * _root_sum(f) for f, m in fp), sp.Integer(0)) - sum((m * _root_sum(f) for f, m in fq),
                                                                        sp.Integer(0))
    return 2 * sp.pi * total


@functools.lru_cache(maxsize=None)
def _companion_variances(n: int) -> tuple[tuple[sp.Symbol, ...], tuple[sp.Expr, ...]]:
    r"""Variances of :math:`y, \dot y, \ldots, y^{(n-1)}` for :math:`A(d/dt)\, y = \xi` (unit white noise).

    ``A(s) = s^n + c_{n-1} s^{n-1} + ... + c_0``; they are
    :math:`\int \omega^{2j} |A(i\omega)|^{-2} d\omega / 2\pi`, the diagonal of the stationary
    covariance of the companion form (a Lyapunov equation solved once per ``n``).
    """
    c = sp.symbols(f"c0:{n}", cls=sp.Dummy)
    F = sp.zeros(n, n)
    for k in range(n - 1):
        F[k, k + 1] = 1
    for k in range(n):
        F[n - 1, k] = -c[k]
    cells = {(i, j): sp.Dummy(f"v{i}{j}") for i in range(n) for j in range(i, n)}
    V = sp.Matrix(n, n, lambda i, j: cells[(min(i, j), max(i, j))])
    noise = sp.zeros(n, n)
    noise[n - 1, n - 1] = 1
    eqs = F * V + V * F.T + noise
    sol = sp.solve([eqs[i, j] for i in range(n) for j in range(i, n)], list(cells.values()), dict=True)[0]
    return c, tuple(budget.factor(sol[cells[(j, j)]]) for j in range(n))


#: Largest degree in omega^2 of a symbolic integrand's denominator that is integrated.
MAX_RATIONAL_DEGREE = 8


def rational_integral(P: sp.Poly, Q: sp.Poly, what: str) -> sp.Expr:
    r""":math:`\int_{-\infty}^{\infty} P(\omega^2) / Q(\omega^2)\, d\omega` for :math:`\deg P < \deg Q`.

    With :math:`Q = q \prod_k (u + a_k^2)` (:math:`\operatorname{Re} a_k > 0`) and
    :math:`A(s) = \prod_k (s + a_k)`, Hurwitz, :math:`Q(\omega^2) = q |A(i\omega)|^2` and
    :math:`\int \omega^{2j} |A(i\omega)|^{-2} d\omega = 2\pi \operatorname{var}(y^{(j)})` for
    :math:`A(d/dt) y = \xi`, read off one Lyapunov equation (:func:`_companion_variances`).
    The coefficients of :math:`A` come from the factors of :math:`Q`: :math:`s + \sqrt\alpha`
    for :math:`u + \alpha`, :math:`s^2 + \sqrt{\beta + 2\sqrt\gamma}\, s + \sqrt\gamma` for
    :math:`u^2 + \beta u + \gamma`. The result is rational in these radicals with Hurwitz
    determinants as denominators, so it stays finite where two rates coincide (where partial
    fractions would divide by their difference). A numerator of degree at least that of the
    denominator, or a pole at :math:`\omega = 0`, makes the integral diverge
    (:class:`~thermotheory.errors.ModelError`).
    """
    s = S_SYMBOL
    if P.is_zero:
        return sp.Integer(0)
    if P.degree() >= Q.degree():
        raise ModelError(f"{what} is infinite: its integrand does not vanish at high frequency")
    if sp.simplify(Q.eval(0)) == 0:
        raise ModelError(f"{what} is infinite: its integrand has a pole at zero frequency")
    if Q.degree() > MAX_RATIONAL_DEGREE:
        raise TooLarge(f"{what}: an integrand of degree {Q.degree()} in omega^2 is not integrated symbolically "
                       f"(at most {MAX_RATIONAL_DEGREE}); substitute numbers with model.subs(values)")
    const, facs = _factors(Q)
    radicals: dict[sp.Symbol, sp.Expr] = {}

    def radical(expr: sp.Expr) -> sp.Symbol:
        r = sp.Dummy("r", positive=True)
        radicals[r] = expr
        return r

    A_s = sp.Integer(1)
    for f, m in facs:
        c = f.all_coeffs()
        if f.degree() == 1:
            piece = s + radical(sp.sqrt(c[1]))
        elif f.degree() == 2:
            piece = s**2 + radical(sp.sqrt(c[1] + 2 * sp.sqrt(c[2]))) * s + radical(sp.sqrt(c[2]))
        else:
            raise TooLarge(f"{what}: a factor of degree {f.degree()} in omega^2 has no closed form along this "
                           "route; substitute numbers with model.subs(values)")
        A_s *= piece**m
    coeffs = sp.Poly(sp.expand(A_s), s).all_coeffs()[::-1]  # c_0, c_1, ..., c_n (= 1)
    n = len(coeffs) - 1
    c, variances = _companion_variances(n)
    at = dict(zip(c, coeffs[:n]))
    p = P.all_coeffs()[::-1]
    total = sum((p[j] * variances[j].xreplace(at) for j in range(len(p))), sp.Integer(0))
    total = budget.factor(sp.cancel(sp.together(total)))
    return (2 * sp.pi * total / const).xreplace(radicals)


def _point_values(model: LinearSDE, rng: np.random.Generator) -> dict:
    """Random rational values of the model's parameters, positive (within their assumptions)."""
    return {p: sp.Rational(int(rng.integers(40, 260)), 100) * (-1 if p.is_negative else 1) for p in model.parameters}


def check_at_points(expr: sp.Expr, model: LinearSDE, numeric: Callable[[LinearSDE], float], what: str,
                    tries: int = 6) -> None:
    """Check a symbolic closed form against the numeric computation at random parameter points.

    Points where the substituted model has no stationary state are skipped; a disagreement
    beyond ``1e-8`` (relative) raises :class:`~thermotheory.errors.TooLarge` (the closed form
    took a wrong branch), and so does finding no usable point.
    """
    rng = np.random.default_rng(2009)
    for _ in range(tries):
        point = _point_values(model, rng)
        try:
            sub = model.subs(point)
            if not sub.is_stable():
                continue
            expected = numeric(sub)
        except (ModelError, ZeroDivisionError):
            continue
        got = complex(sp.N(expr.xreplace(point), 30))
        if abs(got.imag) <= 1e-10 * max(abs(got), 1.0) and abs(got.real - expected) <= 1e-8 * max(abs(expected), 1e-12):
            return
        raise TooLarge(f"{what}: the closed form disagrees with the numeric integral at a random point "
                       f"({got} against {expected}); substitute numbers with model.subs(values)")
    raise TooLarge(f"{what}: the closed form could not be checked at a random point; substitute numbers with "
                   "model.subs(values)")
