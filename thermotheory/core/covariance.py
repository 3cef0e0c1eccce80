r"""Stationary and transient moments of a linear SDE.

Stationary covariance: :math:`A S + S A^T + 2D = 0`; transient:
:math:`\dot S = A S + S A^T + 2D`, :math:`\dot m = A m + b`.

Symbolic models are solved block by block along the irreducible blocks of ``A``
(a chain ``v -> r -> w`` is solved entry by entry); numeric models with scipy's
Bartels–Stewart solver, whose relative residual is checked.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg as sla
import sympy as sp

from ..errors import ConditioningWarning, IllConditioned, ModelError, NotStable, TooLarge
from . import budget, structure
from .checks import as_expression, check_initial
from ._backend import NumOps, SymOps, _fraction_free_det, model_matrices, ops_for, relative_residual, tidy
from .model import LinearSDE, numeric_stability

__all__ = ["stationary_mean", "stationary_covariance", "covariance", "mean", "require_stable", "switching_times",
           "noise_integral"]

#: Largest number of unknowns of one symbolic block Sylvester solve (a block of six variables).
MAX_SYMBOLIC_UNKNOWNS = 21


def require_stable(model: LinearSDE) -> None:
    """Raise :class:`NotStable` unless the drift matrix is (or may be) Hurwitz.

    Numeric models are checked by their eigenvalues; symbolic models only fail when a
    Routh–Hurwitz condition is provably violated.
    """
    if model.is_numeric:
        if not model.is_stable():  # cached: the eigenvalues are computed again only to say why not
            _, worst, tol = numeric_stability(model._arrays[0])
            if abs(worst.real) <= tol:
                raise NotStable(
                    f"the drift matrix has the eigenvalue {worst:.6g}, whose real part is zero to within round-off "
                    f"(|Re| <= {tol:.2g}): a conserved or marginal mode, so there is no stationary state"
                )
            raise NotStable(
                "the drift matrix is not stable (Hurwitz): it has the eigenvalue "
                f"{worst:.6g} with non-negative real part, so there is no stationary state"
            )
        return
    verdict, conds = model._routh_hurwitz()
    if verdict is False:
        raise NotStable(
            f"the drift matrix is not stable (Hurwitz): the Routh–Hurwitz condition {conds[0]} > 0 is violated"
        )


def _ops_matrices(model, need_b: bool = True):
    ops = ops_for(model)
    return (ops,) + model_matrices(model, ops, need_b)


def stationary_mean(model: LinearSDE) -> Any:
    r"""Stationary mean :math:`m = -A^{-1} b`.

    Returns
    -------
    sympy.ImmutableMatrix or numpy.ndarray
        Column of means (sympy) for symbolic models, a 1-D float array otherwise.

    Raises
    ------
    NotStable
        When the drift matrix is not Hurwitz.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, stationary_mean
    >>> x = sp.Symbol("x", real=True)
    >>> k, F = sp.symbols("k F", positive=True)
    >>> stationary_mean(LinearSDE({x: -k * x + F}, {x: 1}))
    Matrix([[F/k]])
    """
    require_stable(model)
    if "mean" not in model._cache:
        ops, A, b, _ = _ops_matrices(model)
        if ops is NumOps:
            m = np.linalg.solve(A, -b).reshape(-1)
            m.setflags(write=False)
        else:
            m = sp.zeros(model.dimension, 1) if b.is_zero_matrix else ops.finish_matrix(A.LUsolve(-b))
            m = sp.ImmutableMatrix(m)
        model._cache["mean"] = m
    return model._cache["mean"]


def stationary_covariance(model: LinearSDE) -> Any:
    r"""Stationary covariance :math:`S`, the solution of :math:`A S + S A^T + 2D = 0`.

    Returns
    -------
    sympy.ImmutableMatrix or numpy.ndarray
        Symbolic matrix with simplified entries, or a read-only float array.

    Raises
    ------
    NotStable
        When the drift matrix is not Hurwitz (no stationary state).
    TooLarge
        When a symbolic irreducible block is too large to solve; substitute numbers.

    Notes
    -----
    A protocol ``b(t)`` does not change the covariance, so for a model driven in time
    this is the long-time limit of the transient covariance. Symbolic: solved along the irreducible blocks of ``A`` in dependency order, each a
    small Sylvester equation. Numeric: scipy's ``solve_continuous_lyapunov``; a relative
    residual above 1e-8 raises ``ModelError`` rather than returning an inaccurate answer.

    Examples
    --------
    The variance of a 1-D OU process is ``D tau``:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, stationary_covariance
    >>> x = sp.Symbol("x", real=True)
    >>> tau, D = sp.symbols("tau D", positive=True)
    >>> stationary_covariance(LinearSDE({x: -x / tau}, {x: D}))
    Matrix([[D*tau]])
    """
    if not model.is_numeric:
        _check_symbolic_size(model.A, 2 * model.D)
    require_stable(model)
    if "cov" not in model._cache:
        ops, A, _, D = _ops_matrices(model, need_b=False)
        if ops is NumOps:
            model._cache["cov"] = S = _numeric_lyapunov(A, 2 * D)
            model._cache["digits_lost"] = check_conditioning(A, S)
        else:
            model._cache["cov"] = sp.ImmutableMatrix(_symbolic_lyapunov(A, 2 * D))
    return model._cache["cov"]


def _numeric_lyapunov(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Solve ``A S + S A^T + Q = 0``, check the residual and the digits left."""
    S = sla.solve_continuous_lyapunov(A, -Q)
    S = (S + S.T) / 2
    res = relative_residual(A, S, Q)
    if not np.isfinite(res) or res > 1e-8:
        raise ModelError(f"the Lyapunov solve is inaccurate (relative residual {res:.2e}); the model is ill-conditioned")
    S.setflags(write=False)
    return S


#: Digits (of about 16) that may be lost before a numeric result warns, and before it is refused.
WARN_DIGITS_LOST, REFUSE_DIGITS_LOST = 8.0, 13.0


def digits_lost(A: np.ndarray, S: np.ndarray) -> float:
    r"""Decimal digits a stationary result may lose to ill-conditioning, ``log10`` of a condition number.

    The product of two scale-free numbers: the spread of the drift's time scales,
    :math:`\max|\lambda| / \min|\mathrm{Re}\,\lambda|` (the condition of the Lyapunov
    solve), and the condition number of the stationary correlation matrix (how much an
    entropy or a mutual information amplifies an error in the covariance). Both are
    independent of the units of the variables.

    Examples
    --------
    >>> import numpy as np
    >>> round(digits_lost(np.diag([-1e6, -1e-6]), np.diag([1e-6, 1e6])), 6)
    12.0
    """
    ev = np.linalg.eigvals(A)
    slowest = float(np.min(np.abs(ev.real)))
    spread = float(np.max(np.abs(ev))) / slowest if slowest > 0 else np.inf
    d = np.sqrt(np.clip(np.diag(S), 0.0, None))
    keep = d > 0
    corr_cond = 1.0
    if np.count_nonzero(keep) > 1:
        R = S[np.ix_(keep, keep)] / np.outer(d[keep], d[keep])
        w = np.linalg.eigvalsh((R + R.T) / 2)
        corr_cond = float(w[-1] / w[0]) if w[0] > 0 else np.inf
    return float(np.log10(max(spread, 1.0)) + np.log10(max(corr_cond, 1.0)))


def check_conditioning(A: np.ndarray, S: np.ndarray) -> float:
    """Warn (ConditioningWarning) or refuse (IllConditioned) when too many digits may be lost."""
    lost = digits_lost(A, S)
    if lost >= REFUSE_DIGITS_LOST:
        raise IllConditioned(
            f"the stationary state is too ill-conditioned for floating point: about {lost:.0f} of 16 digits may be "
            "lost (time scales spread too far, or variables almost perfectly correlated); rescale or simplify "
            "the model, or evaluate the symbolic closed form with evaluate(..., dps=50)"
        )
    if lost >= WARN_DIGITS_LOST:
        warnings.warn(
            f"ill-conditioned stationary state: about {lost:.0f} of 16 digits may be lost; "
            "check with the symbolic closed form at higher precision (evaluate(..., dps=50))",
            ConditioningWarning,
            stacklevel=5,
        )
    return lost


def _numeric_lyapunov_general(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Solve ``A X + X A^T + Q = 0`` for any ``A`` with no eigenvalue pair summing to zero."""
    X = sla.solve_continuous_lyapunov(A, -Q)
    res = relative_residual(A, X, Q)
    if not np.isfinite(res) or res > 1e-8:
        raise ModelError(
            f"the Lyapunov solve is inaccurate (relative residual {res:.2e}); the drift matrix is (nearly) singular"
        )
    return (X + X.T) / 2


def _check_symbolic_size(A: sp.Matrix, Q: sp.Matrix | None = None) -> None:
    """Refuse at once a symbolic Lyapunov solve predicted too large, before any elimination.

    Each irreducible diagonal block of ``A`` must have at most :data:`MAX_SYMBOLIC_BLOCK`
    variables, and its vectorised Lyapunov system (only the unknowns that the sparse drift
    actually couples) a predicted expansion within the budget: see :func:`_predict_block`.
    """
    for blk in structure.blocks(A):
        size = len(blk)
        if size == 1:
            continue
        if size > MAX_SYMBOLIC_BLOCK:
            raise TooLarge(
                f"a symbolic Lyapunov solve with an irreducible block of {size} variables "
                f"({size * (size + 1) // 2} unknowns) exceeds the limit of {MAX_SYMBOLIC_BLOCK} variables; "
                f"{_NUMERIC_PATH}"
            )
        Ab = A.extract(blk, blk)
        rhs = None if Q is None else Q.extract(blk, blk)
        _predict_block(Ab, Ab, rhs, True, "the stationary covariance")


#: Largest irreducible block (variables) of a symbolic Lyapunov solve.
MAX_SYMBOLIC_BLOCK = 6
#: Largest predicted number of monomials of one block's exact solution (its Cramer numerators
#: and denominators, before cancellation); the block's solve and its cancellation then take seconds.
MAX_PREDICTED_TERMS = 15000
#: Sparse-permanent states explored before a system is called dense (and refused).
_MAX_PERMANENT_STATES = 20000

_NUMERIC_PATH = ("substitute numbers with model.subs(values) (the numeric engine has no such limit), "
                 "or split the question into smaller subsystems")


def _sylvester_rows(Aii: sp.Matrix, Ajj: sp.Matrix, symmetric: bool):
    """The vectorised system of ``Aii X + X Ajj^T``: its cells and, per cell, the coupled unknowns."""
    ni, nj = Aii.shape[0], Ajj.shape[0]
    cells = [(a, c) for a in range(ni) for c in range(a if symmetric else 0, nj)]
    index = {cell: k for k, cell in enumerate(cells)}
    if symmetric:
        def key(a, c):
            return index[(a, c) if a <= c else (c, a)]
    else:
        def key(a, c):
            return index[(a, c)]
    rows = []
    for a, c in cells:
        row: dict[int, sp.Expr] = {}
        for k in range(ni):
            if Aii[a, k] != 0:
                j = key(k, c)
                row[j] = row.get(j, 0) + Aii[a, k]
        for k in range(nj):
            if Ajj[c, k] != 0:
                j = key(a, k)
                row[j] = row.get(j, 0) + Ajj[c, k]
        rows.append({j: v for j, v in row.items() if v != 0})
    return cells, rows


def _sparse_permanent(W: list[dict[int, float]]) -> float:
    """Permanent of a sparse non-negative matrix given by rows ``{column: weight}``.

    A dynamic programme over the sets of columns used by the rows so far; only reachable
    sets are kept, so a banded or ring-like system costs little. Infinite once more than
    ``_MAX_PERMANENT_STATES`` sets are reachable (a dense system: refused).
    """
    states = {0: 1.0}
    for row in W:
        new: dict[int, float] = {}
        for mask, val in states.items():
            for c, w in row.items():
                bit = 1 << c
                if not mask & bit and w:
                    new[mask | bit] = new.get(mask | bit, 0.0) + val * w
        states = new
        if len(states) > _MAX_PERMANENT_STATES:
            return float("inf")
    return float(sum(states.values()))


def _degree_bound(rows: list[dict[int, sp.Expr]]) -> float:
    """Monomials of a determinant of these rows bounded by degrees: ``prod_p (deg_p + 1)``.

    The degree in a parameter ``p`` is at most the sum over rows of the largest degree of
    ``p`` in that row (numerators over the row's common denominator), and at most the same
    sum over columns. Tighter than the permanent when few parameters recur in many rows (a
    ring with one shared rate).

    Examples
    --------
    >>> import sympy as sp
    >>> a, k = sp.symbols("a k")
    >>> _degree_bound([{0: a, 1: k}, {0: 1, 1: a}])  # a**2 - k: degrees 2 and 1
    6.0
    """
    row_deg: dict[sp.Symbol, int] = {}
    col_deg: dict[int, dict[sp.Symbol, int]] = {}
    for row in rows:
        if not row:
            continue
        num_den = {j: sp.fraction(sp.together(e)) for j, e in row.items()}
        den = sp.lcm([d for _, d in num_den.values()]) if len(num_den) > 1 else next(iter(num_den.values()))[1]
        top: dict[sp.Symbol, int] = {}
        for j, (n, d) in num_den.items():
            poly = sp.cancel(n * den / d)
            col = col_deg.setdefault(j, {})
            for p in poly.free_symbols:
                try:
                    k = int(sp.degree(poly, p))
                except (sp.PolynomialError, TypeError):
                    return float("inf")
                top[p] = max(top.get(p, 0), k)
                col[p] = max(col.get(p, 0), k)
        for p, k in top.items():
            row_deg[p] = row_deg.get(p, 0) + k
    out = 1.0
    for p, k in row_deg.items():
        out *= min(k, sum(col.get(p, 0) for col in col_deg.values())) + 1
    return out


def _predict_block(Aii: sp.Matrix, Ajj: sp.Matrix, R: sp.Matrix | None, symmetric: bool, what: str):
    """Refuse (TooLarge) a block Sylvester solve predicted too large; return its cells and rows.

    Two predictions, each the smaller of a permanent of the entries' term bounds
    (:func:`budget.expansion_bound`, over the sparse pattern) and a degree bound: the
    monomials of the system's determinant (against ``budget.MAX_EXPANSION``), and those of
    the whole solution, determinant plus Cramer numerators, with ``R`` as right-hand side
    (against :data:`MAX_PREDICTED_TERMS`).
    """
    cells, rows = _sylvester_rows(Aii, Ajj, symmetric)
    n = len(cells)
    W = [{j: budget.term_bound(v) - 1 for j, v in row.items()} for row in rows]
    det = min(_sparse_permanent(W), _degree_bound(rows))
    if det > budget.MAX_EXPANSION:
        raise TooLarge(
            f"{what}: a symbolic {n}x{n} Sylvester elimination (an irreducible block of {Aii.shape[0]} variables, "
            f"{sum(len(r) for r in rows)} couplings) whose determinant has up to {det:.3g} monomials "
            f"(limit {budget.MAX_EXPANSION:.3g}) would take minutes; {_NUMERIC_PATH}"
        )
    if R is None or n == 1:
        return cells, rows
    rhs = [R[a, c] for a, c in cells]
    total = _predicted_terms(rows, rhs, det)
    if total > MAX_PREDICTED_TERMS:
        raise TooLarge(
            f"{what}: the exact solution of a symbolic {n}x{n} Sylvester system (an irreducible block of "
            f"{Aii.shape[0]} variables, {sum(len(r) for r in rows)} couplings) is predicted to have up to "
            f"{total:.3g} monomials (limit {MAX_PREDICTED_TERMS:.3g}); solving and simplifying it would take "
            f"minutes; {_NUMERIC_PATH}"
        )
    return cells, rows


def _predicted_terms(rows, rhs, det):
    """Bound on the monomials of a block's solution: ``n`` denominators plus each Cramer numerator.

    Each numerator is the determinant with the right-hand side in place of its column,
    bounded like the determinant (permanent of term bounds, or degrees); the sum stops once
    it passes :data:`MAX_PREDICTED_TERMS`.
    """
    n = len(rows)
    W = [{j: budget.term_bound(v) - 1 for j, v in row.items()} for row in rows]
    total = n * det
    if not any(e != 0 for e in rhs):
        return total
    for k in range(n):
        Wk = [{**{j: w for j, w in row.items() if j != k}, **({k: budget.term_bound(rhs[i])} if rhs[i] != 0 else {})}
              for i, row in enumerate(W)]
        rows_k = [{**{j: v for j, v in row.items() if j != k}, **({k: rhs[i]} if rhs[i] != 0 else {})}
                  for i, row in enumerate(rows)]
        total += min(_sparse_permanent(Wk), _degree_bound(rows_k))
        if total > MAX_PREDICTED_TERMS:
            break
    return total


def _symbolic_lyapunov(A: sp.Matrix, Q: sp.Matrix) -> sp.Matrix:
    """Solve ``A S + S A^T + Q = 0`` (Q symmetric) block by block along the structure of ``A``.

    Each block pair is one sparse Sylvester system. The right-hand side is linear in the
    entries solved earlier; they enter as placeholders (one extra right-hand column each),
    so the fraction-free elimination only sees the drift's coefficients, and are
    substituted in the solution, which is then cancelled once.
    """
    n = A.shape[0]
    order = structure.blocks(A)
    S = sp.zeros(n, n)
    placeholder: dict[tuple[int, int], sp.Dummy] = {}

    def known(i: int, j: int) -> sp.Expr:
        if S[i, j] == 0:
            return sp.Integer(0)
        key = (min(i, j), max(i, j))
        if key not in placeholder:
            placeholder[key] = sp.Dummy(f"S{key[0]}_{key[1]}")
        return placeholder[key]

    value = {}
    pos = {i: k for k, blk in enumerate(order) for i in blk}
    deps = [sorted({pos[j] for i in blk for j in range(n) if j not in blk and A[i, j] != 0}) for blk in order]
    dens: dict[sp.Expr, sp.Expr] = {}
    for p, I in enumerate(order):
        for q in range(p + 1):
            J = order[q]
            # A_II S_IJ + S_IJ A_JJ^T + R = 0 with R from blocks solved earlier.
            R = sp.Matrix(Q.extract(I, J))
            for k in deps[p]:
                R += A.extract(I, order[k]) * sp.Matrix(len(order[k]), len(J), lambda a, c: known(order[k][a], J[c]))
            for k in deps[q]:
                R += sp.Matrix(len(I), len(order[k]), lambda a, c: known(I[a], order[k][c])) * A.extract(J, order[k]).T
            X = _sylvester(A.extract(I, I), A.extract(J, J), R, symmetric=(p == q), values=value, dens=dens)
            for a, i in enumerate(I):
                for c, j in enumerate(J):
                    S[i, j] = S[j, i] = X[a, c]
                    key = (min(i, j), max(i, j))
                    if key in placeholder or X[a, c] != 0:
                        value[placeholder.setdefault(key, sp.Dummy(f"S{key[0]}_{key[1]}"))] = X[a, c]
    return S


def _split_linear(R: sp.Matrix, unknowns: list[sp.Symbol]) -> list[sp.Matrix]:
    """``[R0, R1, ...]`` with ``R = R0 + sum_t R_t u_t`` for ``R`` linear in the placeholders ``u``."""
    if not unknowns:
        return [R]
    parts = [sp.zeros(*R.shape) for _ in range(len(unknowns) + 1)]
    for i in range(R.rows):
        for j in range(R.cols):
            e = sp.expand(R[i, j]) if R[i, j].free_symbols & set(unknowns) else R[i, j]
            coeffs = [e.coeff(u) for u in unknowns]
            parts[0][i, j] = sp.expand(e - sum(cf * u for cf, u in zip(coeffs, unknowns))) if any(coeffs) else e
            for t, cf in enumerate(coeffs):
                parts[t + 1][i, j] = cf
    return parts


def _sylvester(Aii: sp.Matrix, Ajj: sp.Matrix, R: sp.Matrix, symmetric: bool, values: dict | None = None,
               dens: dict | None = None) -> sp.Matrix:
    """Solve ``Aii X + X Ajj^T + R = 0`` for one block pair.

    ``R`` may be linear in placeholders (keys of ``values``) standing for entries solved
    earlier. ``dens`` caches factored denominators across calls.
    """
    values = values or {}
    dens = {} if dens is None else dens
    ni, nj = R.shape
    if ni == nj == 1:
        value = -R[0, 0].xreplace(values) / (Aii[0, 0] + Ajj[0, 0])
        budget.check_terms([value], "the stationary covariance")
        return sp.Matrix([[tidy(value)]])
    used = sorted(set().union(*[e.free_symbols for e in R]) & set(values), key=lambda u: u.name)
    parts = _split_linear(R, used)
    cells, rows = _predict_block(Aii, Ajj, parts[0] if not used else None, symmetric, "the stationary covariance")
    k = len(cells)
    M = sp.zeros(k, k)
    for i, row in enumerate(rows):
        for j, v in row.items():
            M[i, j] = v
    rhs = sp.Matrix(k, len(parts), lambda i, t: -parts[t][cells[i]])
    sol = _solve_sparse(M, rhs, "the stationary covariance")
    X = sp.zeros(ni, nj)
    out = []
    for r, (a, c) in enumerate(cells):
        pairs = [(sol[r, 0], sp.Integer(1))] + [(sol[r, t + 1], values[u]) for t, u in enumerate(used)]
        out.append(_finish(pairs, dens))
    budget.check_terms(out, "the stationary covariance")
    for v, (a, c) in zip(out, cells):
        X[a, c] = v
        if symmetric:
            X[c, a] = v
    return X


#: Monomials (numerator and denominator) below which an entry is tidied (factored, simplified).
_TIDY_TERMS = 150


def _factors(expr: sp.Expr) -> dict[sp.Expr, int]:
    """``{base: exponent}`` of a product (a factored denominator); numbers are left out."""
    out: dict[sp.Expr, int] = {}
    for f in sp.Mul.make_args(expr):
        base, e = f.as_base_exp()
        if base.is_Number:
            continue
        if not (e.is_Integer and e > 0):
            base, e = f, sp.Integer(1)
        out[base] = out.get(base, 0) + int(e)
    return out


def _finish(pairs: list[tuple[sp.Expr, sp.Expr]], dens: dict) -> sp.Expr:
    """``sum_t c_t v_t`` (coefficients ``c_t`` from the solve, ``v_t`` entries solved earlier), cancelled.

    The size of the numerator over the common denominator (the lcm of the factored
    denominators of the ``v_t``) is bounded before anything is expanded, and refused above
    ``budget.MAX_TERMS``. Small entries are tidied (factored); larger ones are returned as
    an expanded numerator over a factored denominator.
    """
    pairs = [(c, v) for c, v in pairs if c != 0 and v != 0]
    if not pairs:
        return sp.Integer(0)
    split = []
    common: dict[sp.Expr, int] = {}
    for c, v in pairs:
        n, d = sp.fraction(v)
        f = _factors(d)
        for b, e in f.items():
            common[b] = max(common.get(b, 0), e)
        split.append((c, n, f))
    size = 0
    for c, n, f in split:
        rest = 1
        for b, e in common.items():
            if e > f.get(b, 0):
                rest *= budget.term_bound(b ** (e - f.get(b, 0))) - 1
        size += budget.term_bound(c) * (budget.term_bound(n) - 1) * rest
    if size > budget.MAX_TERMS:
        raise TooLarge(
            f"the stationary covariance: an exact entry has up to {size} monomials (limit {budget.MAX_TERMS}) "
            f"before it is cancelled; cancelling and printing it would take minutes; {_NUMERIC_PATH}"
        )
    expr = sp.Add(*[c * v for c, v in pairs])
    if size < _TIDY_TERMS:
        return tidy(expr)
    num, den = sp.fraction(sp.cancel(sp.together(expr)))
    if budget.term_bound(num) + budget.term_bound(den) < _TIDY_TERMS:
        return tidy(num / den)
    if den not in dens:
        dens[den] = budget.factor(den) if len(sp.Add.make_args(den)) <= 400 else den
    return sp.expand(num) / dens[den]


def solve_fraction_free(M: sp.Matrix, rhs: sp.Matrix, what: str) -> list[sp.Expr]:
    """Solve ``M x = rhs`` exactly over the polynomials in the parameters; the budget is checked first.

    Fraction-free elimination in sympy's ``DomainMatrix`` (a common denominator, no nested
    fractions, cancellation at the polynomial level) instead of ``LUsolve`` on
    expressions, which builds nested quotients and then spends minutes cancelling them.
    The predicted size is checked before the elimination and the size of the solution
    before it is tidied (:mod:`thermotheory.core.budget`).
    """
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.matrices.exceptions import DMNonInvertibleMatrixError

    budget.check_expansion(M, what)
    k = M.cols
    aug = DomainMatrix.from_Matrix(sp.Matrix(M).row_join(sp.Matrix(rhs)))
    K = aug.domain
    try:
        if K.is_EX or K.is_EXRAW:
            raise NotImplementedError  # functions of the parameters: eliminate on expressions
        num, den = aug[:, :k].solve_den(aug[:, k:])
    except DMNonInvertibleMatrixError:
        raise ModelError(f"{what}: the linear system is singular (two eigenvalues of the drift sum to zero)") from None
    except NotImplementedError:
        sol = list(sp.Matrix(M).LUsolve(sp.Matrix(rhs)))
        budget.check_terms(sol, what)
        return sol
    d = K.to_sympy(den)
    sol = [e / d for e in num.to_Matrix()]
    budget.check_terms(sol, what)
    return sol


def _solve_sparse(M: sp.Matrix, rhs: sp.Matrix, what: str) -> sp.Matrix:
    """Solve ``M X = rhs`` (several right-hand columns) exactly, for a sparse ``M`` already budgeted.

    Each row is cleared of its denominators so that the elimination runs over the
    polynomials in the parameters (sympy's sparse fraction-free ``solve_den``); the size of
    the solution (numerators over the common denominator) is checked before anything is
    cancelled. Entries that are not rational in the parameters (exponentials of a time)
    are eliminated on expressions.
    """
    from sympy.polys.matrices.exceptions import DMNonInvertibleMatrixError

    from ._backend import _cleared

    k = M.cols
    N, _ = _cleared(sp.Matrix(M).row_join(sp.Matrix(rhs)))
    K = N.domain
    try:
        if K.is_EX or K.is_EXRAW or K.is_Field and not K.is_QQ:
            raise NotImplementedError  # functions of the parameters: eliminate on expressions
        num, den = N.to_sparse()[:, :k].solve_den(N.to_sparse()[:, k:])
    except DMNonInvertibleMatrixError:
        raise ModelError(f"{what}: the linear system is singular (two eigenvalues of the drift sum to zero)") from None
    except NotImplementedError:
        sol = sp.Matrix(M).LUsolve(sp.Matrix(rhs))
        budget.check_terms(list(sol), what)
        return sol
    d = K.to_sympy(den)
    sol = num.to_Matrix() / d
    budget.check_terms(list(sol), what)
    return sol


def _initial_matrix(model: LinearSDE, initial: Any, ops) -> Any:
    n = model.dimension
    if initial is None:
        raise ModelError("a transient quantity needs the initial covariance: pass initial=...")
    check_initial(initial, ops is NumOps, "initial covariance")
    if isinstance(initial, dict):
        M = ops.asmat(np.zeros((n, n))) if ops is NumOps else sp.zeros(n, n)
        for key, val in initial.items():
            i = model.index(key)
            M[i, i] = float(val) if ops is NumOps else sp.sympify(val)
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
    return M


def _check_time(t: Any, ops) -> Any:
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


def expm_symbolic(A: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    r"""``exp(A t)`` for a symbolic drift, block by block along its irreducible blocks.

    After the permutation of :func:`structure.blocks` the drift is block lower triangular,
    ``T``. Each diagonal block has its own exponential: a rate ``e^{a t}``; a coupled pair
    the real closed form ``e^{mu t}[cosh(delta t) I + sinh(delta t)/delta (B - mu I)]``
    (``mu = tr(B)/2``, ``delta^2 = mu^2 - det B``); a coupled triple Sylvester's formula
    ``sum_k e^{lambda_k t} prod_{l != k} (B - lambda_l)/(lambda_k - lambda_l)`` when its
    characteristic polynomial factors into linear and quadratic factors over the
    parameters. The blocks below the diagonal follow from ``T F = F T`` (Parlett's
    recurrence): ``T_ii F_ij - F_ij T_jj = sum_{k>j} F_ik T_kj - sum_{k<i} T_ik F_kj``, a small
    Sylvester system with a unique solution when the two blocks share no rate. Anything
    else (a coupled block of four or more, a cubic that does not factor, a rate shared by
    two blocks of a non-triangular drift) raises :class:`TooLarge`.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, t = sp.symbols("a b t", positive=True)
    >>> expm_symbolic(sp.Matrix([[-a, 0], [1, -b]]), t)
    Matrix([
    [                             exp(-a*t),         0],
    [exp(-b*t)/(a - b) + exp(-a*t)/(-a + b), exp(-b*t)]])
    """
    n = A.shape[0]
    order = structure.blocks(A)
    if n == 2 and len(order) == 1:
        return _expm_block(A, t)
    biggest = max(len(b) for b in order)
    if biggest > 3:
        raise TooLarge(
            f"a symbolic matrix exponential with a coupled block of {biggest} variables (more than three) "
            f"in a {n}-variable drift is not attempted; {_NUMERIC_PATH}"
        )
    perm = [i for b in order for i in b]
    T = A.extract(perm, perm)
    try:
        F = _triangular_expm(T, t) if biggest == 1 else _parlett(T, [len(b) for b in order], t)
    except _SharedRate:
        if biggest > 1:
            raise TooLarge(
                f"a symbolic matrix exponential of a {n}-variable drift whose coupled blocks share a rate is not "
                f"attempted; {_NUMERIC_PATH}"
            ) from None
        E = (T * t).exp()  # triangular with a repeated rate: sympy's Jordan form
        F = E.applyfunc(lambda e: sp.simplify(sp.cancel(e)) if sp.count_ops(e) < 80 else sp.cancel(e))
    inv = [0] * n
    for k, i in enumerate(perm):
        inv[i] = k
    return sp.Matrix(n, n, lambda i, j: F[inv[i], inv[j]])


class _SharedRate(Exception):
    """Two diagonal blocks of the drift share a rate: Parlett's recurrence does not apply."""


def _triangular_expm(T: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    r"""``exp(T t)`` of a lower-triangular ``T`` with distinct diagonal rates, as a sum over paths.

    Entry ``(i, j)`` sums, over the chains ``j = p_0 < p_1 < ... < p_m = i`` of nonzero couplings,
    the product of the couplings times the divided difference of ``e^{lambda t}`` at the
    chain's rates: ``sum_k e^{lambda_k t} / prod_{l != k} (lambda_k - lambda_l)`` (the closed form
    of Parlett's recurrence). Each coefficient is a product of factors, so nothing is
    cancelled; the number of chains is budgeted.
    """
    n = T.shape[0]
    lam = [tidy(T[i, i]) for i in range(n)]
    gaps: dict[tuple[int, int], sp.Expr] = {}

    def gap(k: int, l: int) -> sp.Expr:
        if (k, l) not in gaps:
            g = tidy(lam[k] - lam[l])
            if g == 0:
                raise _SharedRate
            gaps[k, l] = g
        return gaps[k, l]

    below = [[i for i in range(j + 1, n) if T[i, j] != 0] for j in range(n)]
    count = [[0] * n for _ in range(n)]  # chains from j to i
    for j in range(n):
        count[j][j] = 1
        for i in range(j + 1, n):
            count[j][i] = sum(count[j][k] for k in range(j, i) if T[i, k] != 0)
    total = sum(sum(row) for row in count)
    if total > budget.MAX_TERMS:
        raise TooLarge(
            f"the symbolic matrix exponential: {total} chains of couplings in a triangular drift (limit "
            f"{budget.MAX_TERMS}); {_NUMERIC_PATH}"
        )
    F = sp.zeros(n, n)
    for j in range(n):
        coeff: dict[int, dict[int, list[sp.Expr]]] = {i: {} for i in range(n)}
        stack = [(j, [j], sp.Integer(1))]
        while stack:
            node, path, weight = stack.pop()
            for k in path:
                term = weight / sp.Mul(*[gap(k, l) for l in path if l != k])
                coeff[node].setdefault(k, []).append(term)
            for nxt in below[node]:
                stack.append((nxt, path + [nxt], weight * T[nxt, node]))
        for i in range(j, n):
            F[i, j] = sp.Add(*[sp.Add(*terms) * sp.exp(lam[k] * t) for k, terms in sorted(coeff[i].items())])
    return F


def _expm_block(B: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    """``exp(B t)`` of one irreducible block of 1, 2 or 3 variables."""
    k = B.shape[0]
    if k == 1:
        return sp.Matrix([[sp.exp(tidy(B[0, 0]) * t)]])
    if k == 2:
        mu = sp.cancel(B.trace() / 2)
        delta2 = budget.factor(sp.cancel(mu**2 - B.det()))
        if delta2 == 0:  # critically damped: a Jordan block
            return sp.exp(mu * t) * (sp.eye(2) + t * (B - mu * sp.eye(2)))
        delta = sp.sqrt(delta2)
        return sp.exp(mu * t) * (sp.cosh(delta * t) * sp.eye(2) + sp.sinh(delta * t) / delta * (B - mu * sp.eye(2)))
    lam = _expressible_eigenvalues(B)
    out = sp.zeros(3, 3)
    for i, li in enumerate(lam):
        Z = sp.eye(3)
        for j, lj in enumerate(lam):
            if j != i:
                Z = Z * (B - lj * sp.eye(3)) / (li - lj)
        out += sp.exp(li * t) * Z.applyfunc(lambda e: tidy(e) if budget.term_bound(e) < 200 else sp.cancel(e))
    return out


def _expressible_eigenvalues(B: sp.Matrix) -> list[sp.Expr]:
    """The three distinct eigenvalues of a 3x3 block when its characteristic polynomial factors.

    A linear factor times a quadratic (or three linear factors) over the parameters gives
    eigenvalues in rational functions and one square root. An irreducible cubic (Cardano's
    nested roots) or a repeated eigenvalue raises TooLarge.
    """
    s = sp.Dummy("s")
    budget.check_expansion(B, "the eigenvalues of a symbolic 3x3 block")
    poly = sp.Poly(sp.cancel(sp.together(B.charpoly(s).as_expr(s))), s)
    num, den = sp.fraction(sp.together(poly.as_expr()))
    factors = [f.as_base_exp() for f in sp.Mul.make_args(budget.factor(num))]
    lam: list[sp.Expr] = []
    for f, mult in factors:
        if not f.has(s):
            continue
        fp = sp.Poly(f, s)
        if fp.degree() > 2 or mult > 1:
            raise TooLarge(
                "a symbolic matrix exponential of a coupled 3x3 block whose characteristic polynomial does not "
                f"factor into distinct linear and quadratic factors (Cardano's roots) is not attempted; {_NUMERIC_PATH}"
            )
        c = fp.all_coeffs()
        if fp.degree() == 1:
            lam.append(tidy(-c[1] / c[0]))
        else:
            mu = sp.cancel(-c[1] / (2 * c[0]))
            root = sp.sqrt(budget.factor(sp.cancel(mu**2 - c[2] / c[0])))
            lam += [mu + root, mu - root]
    if len(lam) != 3 or any(sp.cancel(a - b) == 0 for i, a in enumerate(lam) for b in lam[i + 1:]):
        raise TooLarge(f"a symbolic 3x3 block with a repeated eigenvalue is not attempted; {_NUMERIC_PATH}")
    return lam


def _parlett(T: sp.Matrix, sizes: list[int], t: sp.Expr) -> sp.Matrix:
    """``exp(T t)`` of a block lower-triangular ``T`` (diagonal blocks of ``sizes``) by Parlett's recurrence."""
    starts = [sum(sizes[:k]) for k in range(len(sizes))]
    idx = [list(range(a, a + m)) for a, m in zip(starts, sizes)]
    nb = len(sizes)
    F: dict[tuple[int, int], sp.Matrix] = {}
    for i in range(nb):
        F[i, i] = _expm_block(T.extract(idx[i], idx[i]), t)
    for d in range(1, nb):
        for j in range(nb - d):
            i = j + d
            Tii, Tjj = T.extract(idx[i], idx[i]), T.extract(idx[j], idx[j])
            C = sp.zeros(sizes[i], sizes[j])
            for k in range(j + 1, i + 1):
                Tkj = T.extract(idx[k], idx[j])
                if not Tkj.is_zero_matrix:
                    C += F[i, k] * Tkj
            for k in range(j, i):
                Tik = T.extract(idx[i], idx[k])
                if not Tik.is_zero_matrix:
                    C -= Tik * F[k, j]
            if C.is_zero_matrix:
                F[i, j] = sp.zeros(sizes[i], sizes[j])
                continue
            F[i, j] = _solve_parlett(Tii, Tjj, C, t)
    n = sum(sizes)
    out = sp.zeros(n, n)
    for (i, j), blk in F.items():
        for a, r in enumerate(idx[i]):
            for c, q in enumerate(idx[j]):
                out[r, q] = blk[a, c]
    return out


def _solve_parlett(Tii: sp.Matrix, Tjj: sp.Matrix, C: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    """``X`` with ``Tii X - X Tjj = C``: linear with coefficients free of ``t``, so solved once
    for each function of ``t`` in ``C`` (its coefficients cancelled on their own)."""
    ni, nj = C.shape
    cells = [(a, c) for a in range(ni) for c in range(nj)]
    if ni == nj == 1:
        gap = sp.cancel(Tii[0, 0] - Tjj[0, 0])
        if gap == 0:
            raise _SharedRate
        Minv = sp.Matrix([[1 / gap]])
    else:
        M = sp.zeros(len(cells), len(cells))
        for r, (a, c) in enumerate(cells):
            for k in range(ni):
                if Tii[a, k] != 0:
                    M[r, cells.index((k, c))] += Tii[a, k]
            for k in range(nj):
                if Tjj[k, c] != 0:
                    M[r, cells.index((a, k))] -= Tjj[k, c]
        if sp.cancel(_fraction_free_det(M)) == 0:
            raise _SharedRate
        Minv = SymOps.inv(M)
    parts = [_time_parts(C[a, c], t) for a, c in cells]
    keys = list(dict.fromkeys(k for part in parts for k in part))
    X = sp.zeros(ni, nj)
    coeffs = []
    for key in keys:
        vec = Minv * sp.Matrix([sp.cancel(sp.Add(*part.get(key, []))) for part in parts])
        col = [sp.cancel(sp.together(e)) for e in vec]
        coeffs += col
        for r, (a, c) in enumerate(cells):
            X[a, c] += _tidy_coefficient(col[r]) * key
    budget.check_terms(coeffs, "the symbolic matrix exponential")
    return X


def _tidy_coefficient(c: sp.Expr) -> sp.Expr:
    """Tidy a small coefficient; complex ones (``I``) and large ones are left cancelled."""
    return tidy(c) if budget.term_bound(c) < 200 and not c.has(sp.I) else c


def _time_parts(expr: sp.Expr, t: sp.Expr) -> dict[sp.Expr, list[sp.Expr]]:
    """``{function of t: [coefficient terms]}`` for a combination of exponentials, cosh, sinh
    and powers of ``t`` with coefficients free of ``t`` (TooLarge when it is not one)."""
    expr = sp.sympify(expr)
    tsyms = t.free_symbols
    if not expr.free_symbols & tsyms:
        return {sp.Integer(1): [expr]} if expr != 0 else {}
    atoms = sorted({f for f in expr.atoms(sp.exp, sp.cosh, sp.sinh) if f.free_symbols & tsyms}, key=sp.default_sort_key)
    marks = [sp.Dummy(f"f{k}") for k in range(len(atoms))]
    back = dict(zip(marks, atoms))
    ex = sp.expand(expr.xreplace(dict(zip(atoms, marks))))
    gens = set(marks) | tsyms
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    for term in sp.Add.make_args(ex):
        coeff, dep = term.as_independent(*gens, as_Add=False)
        if sp.fraction(sp.together(dep))[1].free_symbols & gens:
            raise TooLarge(f"a symbolic matrix exponential that is not a sum of exponentials in t; {_NUMERIC_PATH}")
        key = sp.powsimp(dep.xreplace(back))
        if isinstance(key, sp.exp):
            key = sp.exp(sp.expand(key.args[0]))
        groups.setdefault(key, []).append(coeff)
    return groups


def _collect_matrix(M: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    """Each entry of a transient matrix as a combination of functions of ``t`` (see :func:`_collect_time`).

    Small entries are tidied whole (the shape the closed forms had before), larger ones
    keep one cancelled coefficient per function of ``t``.
    """
    def one(e):
        if budget.term_bound(e) < 60:
            return tidy(e)
        return _collect_time(e, t)
    return M.applyfunc(one)


def _collect_time(expr: sp.Expr, t: sp.Expr) -> sp.Expr:
    """A combination of functions of ``t`` (exponentials, cosh, sinh, powers of ``t``) with each
    coefficient cancelled on its own (no common denominator of all the rates is formed)."""
    groups = _time_parts(expr, t)
    budget.check_terms([term for c in groups.values() for term in c], "the transient closed form")
    out = []
    for key, c in groups.items():
        if sum(budget.term_bound(term) for term in c) < _CANCEL_TERMS:
            coeff = _tidy_coefficient(sp.cancel(sp.together(sp.Add(*c))))
        else:  # a sum of many fractions: cancelling it costs seconds per entry; left as a sum of products
            coeff = sp.Add(*c)
        if coeff != 0:
            out.append(coeff * key)
    return sp.Add(*out)


#: Monomials (summed over its terms) below which the coefficient of one function of t is cancelled.
_CANCEL_TERMS = 120


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
    Numeric: :func:`noise_integral` (Van Loan's block exponential over a short step, then
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
    ops, A, _, D = _ops_matrices(model, need_b=False)
    t = _check_time(t, ops)
    S0 = _initial_matrix(model, initial, ops)
    if ops is NumOps:
        # no stationary state is used: S_inf + F (S0 - S_inf) F^T cancels when A is nearly singular
        F, Qt = noise_integral(A, 2 * D, t)
        S = F @ S0 @ F.T + Qt
        S = (S + S.T) / 2
        S.setflags(write=False)
        return S
    E = expm_symbolic(A, t)
    if sp.simplify(A.det()) == 0 or model._routh_hurwitz()[0] is False:
        # no usable stationary state (a conserved or growing mode): integrate the noise directly
        s = sp.Dummy("s", nonnegative=True)
        Es = expm_symbolic(A, s)
        integrand = (Es * 2 * D * Es.T).applyfunc(lambda e: sp.expand(sp.powsimp(sp.expand(e))))
        S = E * S0 * E.T + integrand.applyfunc(lambda e: sp.integrate(e, (s, 0, t)))
        return sp.ImmutableMatrix(S.applyfunc(lambda e: tidy(sp.simplify(e))))
    Sinf = sp.Matrix(_symbolic_lyapunov(A, 2 * D))
    _check_transient_size(E, S0 - Sinf)
    S = Sinf + E * (S0 - Sinf) * E.T
    return sp.ImmutableMatrix(_collect_matrix(S, t))


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
                       f"cancelling (limit {MAX_TRANSIENT_PREDICTED:.2g}); {_NUMERIC_PATH}")


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
    sympy.ImmutableMatrix or numpy.ndarray

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
    >>> from thermotheory.core.covariance import mean
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0], b=[2.0])
    >>> round(float(mean(m, 50.0)[0]), 6)
    2.0

    A trap dragged at unit speed: the particle falls behind it by ``1 / k``.

    >>> import sympy as sp
    >>> x, s = sp.symbols("x s", real=True)
    >>> k, t = sp.symbols("k t", positive=True)
    >>> mean(LinearSDE({x: -k * (x - s)}, {x: 1}, time=s), t)
    Matrix([[t - 1/k + exp(-k*t)/k]])
    """
    ops, A, b, _ = _ops_matrices(model, need_b=False)
    t = _check_time(t, ops)
    n = model.dimension
    m0 = _initial_vector(model, initial_mean, ops)
    if not model.is_autonomous:
        return _driven_mean(model, ops, A, t, m0)
    if ops is NumOps:
        M = np.zeros((n + 1, n + 1))
        M[:n, :n] = A
        M[:n, n] = b.reshape(-1)
        E = sla.expm(M * t)
        return E[:n, :n] @ m0 + E[:n, n]
    E = expm_symbolic(A, t)
    if b.is_zero_matrix:
        return sp.ImmutableMatrix(_collect_matrix(E * m0, t))
    minf = A.LUsolve(-b)
    return sp.ImmutableMatrix(_collect_matrix(minf + E * (m0 - minf), t))


def switching_times(model: LinearSDE, t_end: float) -> list[float]:
    """Times in ``(0, t_end)`` where a numeric protocol ``b(t)`` may jump or kink.

    Read from the protocol's ``Heaviside`` arguments and ``Piecewise`` conditions.
    """
    tau = model.time
    if tau is None:
        return []
    found: set[float] = set()
    exprs = [e for e in model.b]
    for e in exprs:
        cands = [h.args[0] for h in e.atoms(sp.Heaviside)]
        for pw in e.atoms(sp.Piecewise):
            for _, cond in pw.args:
                cands += [r.lhs - r.rhs for r in cond.atoms(sp.core.relational.Relational)]
        for c in cands:
            if tau not in c.free_symbols:
                continue
            try:
                roots = sp.solve(sp.Eq(c, 0), tau)
            except NotImplementedError:
                continue
            for r in roots:
                if r.is_real and not r.free_symbols:
                    found.add(float(r))
    return sorted(x for x in found if 0 < x < t_end)


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
        return sla.expm(A * t) @ m0 + drive
    s = sp.Dummy("s", real=True, nonnegative=True)
    bs = sp.Matrix(model.b).xreplace({tau: s}).applyfunc(lambda e: e.rewrite(sp.Piecewise))  # steps: exact integrals
    E = expm_symbolic(A, t - s)
    integrand = (E * bs).applyfunc(lambda e: sp.expand(sp.powsimp(sp.expand(e))))
    drive = integrand.applyfunc(lambda e: sp.integrate(e, (s, 0, t)))
    total = expm_symbolic(A, t) * m0 + drive
    return sp.ImmutableMatrix(total.applyfunc(lambda e: tidy(sp.simplify(e))))


def _initial_vector(model: LinearSDE, initial_mean: Any, ops) -> Any:
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
