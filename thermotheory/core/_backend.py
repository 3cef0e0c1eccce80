"""Matrix operations shared by the symbolic (sympy) and numeric (numpy) paths.

Each closed form is written once against these operations; ``ops_for(model)`` picks
the sympy path for models with free parameters and the float path otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from ._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp
from sympy.core import random as _sympy_random

from ..errors import ModelError, SingularCovariance
from . import _factors, budget

_factors.install()  # sympy's Factors from a dict without sympifying it: the same results, a tenth faster pages

# sympy derives an assumption (is_positive, ...) by trying the facts that imply it in a shuffled order, from a random
# generator seeded by the operating system at import. Where its handlers disagree the answer then depends on the
# run: a catalog report printed (a - b)^2 in some runs and (b - a)^2 in others. Seeding that generator (it serves
# nothing else) makes every run of the same script derive and print the same forms. Within one process its state
# still depends on the queries asked before, so a form can depend on what ran before it (as sympy's own can).
if hasattr(_sympy_random, "_assumptions_rng"):  # (sympy 1.12 and later)
    _sympy_random._assumptions_rng.seed(0)


def tidy(expr: sp.Expr) -> sp.Expr:
    """Bring a closed form to a compact canonical shape without open-ended simplification."""
    expr = sp.sympify(expr)
    return _tidy(expr) if isinstance(expr, sp.Basic) else expr


@lru_cache(maxsize=4096)
def _tidy(expr: sp.Expr) -> sp.Expr:
    """:func:`tidy`, remembered: the same entries recur (a model's covariance for each quantity, each check)."""
    if expr.is_Number:
        return expr
    if isinstance(expr, sp.log):
        return sp.log(tidy(expr.args[0]))
    if expr.is_Mul and any(isinstance(a, sp.log) for a in expr.args):
        return sp.Mul(*[tidy(a) for a in expr.args])
    if expr.is_Add and any(a.has(sp.log) for a in expr.args):
        return sp.Add(*[tidy(a) for a in expr.args])
    out = budget.factor(sp.cancel(sp.together(expr)))
    if sp.count_ops(out) < 60:
        simpler = sp.simplify(out)
        if sp.count_ops(simpler) < sp.count_ops(out):
            out = simpler
    return out


class SymOps:
    """Operations on sympy matrices."""

    symbolic = True

    @staticmethod
    def asmat(M):
        return sp.Matrix(M)

    @staticmethod
    def block(M, rows, cols):
        return M.extract(list(rows), list(cols))

    @staticmethod
    def inv(M):
        if M.shape == (1, 1):
            return sp.Matrix([[1 / M[0, 0]]])
        budget.check_expansion(M, "a symbolic matrix inverse")
        N, row_dens = _cleared(M)
        adj, det = N.adj_det()
        if det == N.domain.zero:
            raise ZeroDivisionError("singular matrix")
        d = N.domain.to_sympy(det)
        A = adj.to_Matrix()
        return sp.Matrix(M.rows, M.cols, lambda i, j: A[i, j] * row_dens[j] / d)

    @staticmethod
    def pinv(M):
        n = M.shape[0]
        if all(M[i, j] == 0 for i in range(n) for j in range(n) if i != j):
            return sp.diag(*[0 if M[i, i] == 0 else 1 / M[i, i] for i in range(n)])
        return M.pinv().applyfunc(sp.cancel)

    @staticmethod
    def det(M):
        budget.check_expansion(M, "a symbolic determinant")
        return sp.cancel(_fraction_free_det(M))

    @staticmethod
    def logdet(M, what="covariance"):
        budget.check_expansion(M, f"the determinant of the {what}")
        d = budget.factor(_fraction_free_det(M))
        if d == 0:
            raise SingularCovariance(f"the {what} is singular (determinant 0)")
        return sp.log(d)

    @staticmethod
    def log(x):
        return sp.log(x)

    @staticmethod
    def trace(M):
        return sp.cancel(M.trace())

    @staticmethod
    def eye(n):
        return sp.eye(n)

    @staticmethod
    def is_zero(M):
        return all(sp.simplify(e) == 0 for e in M)

    @staticmethod
    def finish(expr):
        return tidy(expr)

    @staticmethod
    def finish_matrix(M):
        return sp.ImmutableMatrix(M.applyfunc(tidy))


def _cleared(M: sp.MatrixBase):
    """``M`` with each row multiplied by the lcm of its denominators, as a polynomial DomainMatrix.

    Returns ``(N, dens)`` with ``M = diag(dens)^-1 N``: elimination on ``N`` is fraction-free
    (no nested quotients, no gcd at every step), the cost that makes ``Matrix.inv`` take
    minutes on covariances with a few parameters.
    """
    from sympy.polys.matrices import DomainMatrix

    rows, dens = [], []
    for i in range(M.rows):
        parts = [sp.fraction(sp.together(e)) for e in M.row(i)]
        lcm = sp.lcm([d for _, d in parts]) if len(parts) > 1 else parts[0][1]
        dens.append(lcm)
        rows.append([sp.cancel(n * lcm / d) for n, d in parts])
    return DomainMatrix.from_Matrix(sp.Matrix(rows)), dens


def ground_types() -> str:
    """The integer arithmetic under sympy's polynomials: ``"flint"`` (python-flint), ``"gmpy"`` or ``"python"``.

    sympy picks python-flint when it is installed (``pip install thermotheory[fast]``);
    ``SYMPY_GROUND_TYPES=python`` set before the first import turns it off. Every result
    is the same either way; only the time of large exact computations changes.

    Examples
    --------
    >>> ground_types() in ("flint", "gmpy", "python")
    True
    """
    from sympy.external.gmpy import GROUND_TYPES

    return str(GROUND_TYPES)


def field_matrix(M: sp.MatrixBase):
    """``M`` as a DomainMatrix over the field of rational functions of its parameters (``QQ(params)``).

    Arithmetic there cancels at the polynomial level at every step (sympy's sparse
    polynomials, with python-flint integers when it is installed), so determinants and
    ratios of determinants come out as one cancelled quotient without ``sympy.cancel``
    on expressions. Returns None when the entries are not rational functions of the
    parameters (a root or an exponential of one): the caller then works on expressions.
    """
    from sympy.polys.matrices import DomainMatrix

    M = sp.Matrix(M)
    if any(e.has(sp.Float) for e in M):
        # floats as their exact binary values: over the reals nothing would cancel (a quotient of
        # degree 28 for a 3x3 block, and sympy then hangs deciding its sign); the value is unchanged
        M = M.applyfunc(lambda e: e.xreplace({f: sp.Rational(f) for f in e.atoms(sp.Float)}))
    dM = DomainMatrix.from_Matrix(M)
    if dM.domain.is_EX or dM.domain.is_EXRAW:
        return None
    return dM.to_field()


def det_ratio(M: sp.MatrixBase, plus, minus, what: str):
    """``prod det M[g, g] (g in plus) / prod det M[g, g] (g in minus)`` as one cancelled quotient.

    Over the fraction field (:func:`field_matrix`), each block's size checked first by
    the budget. Returns ``(ratio, singular)``, ``singular`` True when a determinant is 0;
    None when the entries are not rational functions.
    """
    F = field_matrix(M)
    if F is None:
        return None
    K = F.domain
    out = K.one
    singular = False
    for groups, up in ((plus, True), (minus, False)):
        for g in groups:
            if not g:
                continue
            block = sp.Matrix(M).extract(list(g), list(g))
            if block.rows > 1:
                budget.check_expansion(block, f"the determinant of the covariance of {what}")
            d = F.extract(list(g), list(g)).det()
            if d == K.zero:
                singular = True
                continue
            out = out * d if up else out / d
    return K.to_sympy(out), singular


def precision_entries(M: sp.MatrixBase, pairs, what: str):
    """Entries ``(i, j)`` of ``M^{-1}`` as cancelled quotients, by cofactors over the fraction field.

    Only the requested entries are computed (a subsystem's block of the precision
    matrix needs a few cofactors, not the whole inverse). Returns a dict, or None when
    the entries are not rational functions of the parameters.

    Raises
    ------
    SingularCovariance
        When ``det M`` is 0.
    """
    F = field_matrix(M)
    if F is None:
        return None
    budget.check_expansion(sp.Matrix(M), f"the inverse of the {what}")
    K = F.domain
    det = F.det()
    if det == K.zero:
        raise SingularCovariance(f"the {what} is singular (determinant 0)")
    n = M.rows
    out = {}
    for i, j in pairs:
        rows = [k for k in range(n) if k != j]
        cols = [k for k in range(n) if k != i]
        cof = F.extract(rows, cols).det() if n > 1 else K.one
        out[(i, j)] = K.to_sympy(cof / det if (i + j) % 2 == 0 else -cof / det)
    return out


def _fraction_free_det(M: sp.MatrixBase) -> sp.Expr:
    """``det(M)`` by fraction-free elimination over the polynomials in the parameters."""
    if M.shape == (1, 1):
        return sp.cancel(M[0, 0])
    N, dens = _cleared(M)
    return sp.cancel(N.domain.to_sympy(N.det()) / sp.Mul(*dens))


class NumOps:
    """Operations on float arrays."""

    symbolic = False

    @staticmethod
    def asmat(M):
        return np.asarray(M, dtype=float)

    @staticmethod
    def block(M, rows, cols):
        return M[np.ix_(list(rows), list(cols))]

    @staticmethod
    def inv(M):
        return np.linalg.inv(M)

    @staticmethod
    def pinv(M):
        if np.count_nonzero(M - np.diag(np.diag(M))) == 0:
            d = np.diag(M)
            return np.diag(np.divide(1.0, d, out=np.zeros_like(d), where=d != 0))
        return np.linalg.pinv(M, hermitian=True)

    @staticmethod
    def det(M):
        return float(np.linalg.det(M))

    @staticmethod
    def logdet(M, what="covariance"):
        sign, val = np.linalg.slogdet(M)
        if sign <= 0 or not np.isfinite(val):
            raise SingularCovariance(f"the {what} is singular or not positive definite")
        return float(val)

    @staticmethod
    def log(x):
        return float(np.log(x))

    @staticmethod
    def trace(M):
        return float(np.trace(M))

    @staticmethod
    def eye(n):
        return np.eye(n)

    @staticmethod
    def is_zero(M, scale=1.0):
        return bool(np.max(np.abs(M), initial=0.0) <= 1e-9 * max(scale, 1e-300))

    @staticmethod
    def finish(expr):
        return float(expr)

    @staticmethod
    def finish_matrix(M):
        out = np.array(M, dtype=float)
        out.setflags(write=False)
        return out


def ops_for(model) -> type[SymOps] | type[NumOps]:
    """The operations matching the model: floats when it has no free parameters."""
    return NumOps if model.is_numeric else SymOps


def model_matrices(model, ops, need_b: bool = True):
    """``(A, b, D)`` of the model in the backend's matrix type (b as a column).

    With ``need_b=False`` a model whose drift depends on time is accepted and ``b`` is
    returned as None; otherwise such a model raises :class:`ModelError` (it has no
    stationary state).
    """
    if not model.is_autonomous:
        if need_b:
            raise ModelError(
                f"the drift depends on time {model.time}, so there is no stationary state; use the transient "
                "closed forms (mean, covariance, heat, entropy_production) at a time t"
            )
        if ops is NumOps:
            A, _, D = model.arrays(allow_protocol=True)
            return A, None, D
        return sp.Matrix(model.A), None, sp.Matrix(model.D)
    if ops is NumOps:
        A, b, D = model.arrays()
        return A, b.reshape(-1, 1), D
    return sp.Matrix(model.A), sp.Matrix(model.b), sp.Matrix(model.D)


def as_vector(column: Any) -> Any:
    """A mean as a vector of shape ``(n,)``: a read-only float array, or a 1-D sympy array.

    Examples
    --------
    >>> import sympy as sp
    >>> as_vector(sp.Matrix([sp.Symbol("a"), 1]))
    [a, 1]
    """
    if isinstance(column, (sp.MatrixBase, sp.NDimArray)) or (isinstance(column, (list, tuple)) and any(
            isinstance(e, sp.Basic) for e in column)):
        return sp.ImmutableDenseNDimArray(list(column))
    out = np.array(column, dtype=float).reshape(-1)
    out.setflags(write=False)
    return out


def relative_residual(A: np.ndarray, S: np.ndarray, Q: np.ndarray) -> float:
    """``|A S + S A^T + Q| / (2 |A| |S| + |Q|)`` in the Frobenius norm, each norm taken over its largest entry (a
    covariance of 1e249, a drift of 1e-249: the sum of squares would overflow); ``inf`` where the residual itself
    overflows (the caller refuses the solve as ill-conditioned).

    Examples
    --------
    >>> relative_residual(np.array([[-1e-249]]), np.array([[5e248]]), np.array([[1.0]]))
    0.0
    """
    with np.errstate(over="ignore", invalid="ignore"):
        R = A @ S + S @ A.T + Q
        scale = 2 * _norm(A) * _norm(S) + _norm(Q)
        if not np.all(np.isfinite(R)) or not np.isfinite(scale):
            return float("inf")
        return float(_norm(R) / scale) if scale > 0 else 0.0


def _norm(M: np.ndarray) -> float:
    """The Frobenius norm of ``M`` over its largest entry: no square overflows (nor underflows to zero)."""
    top = float(np.max(np.abs(M))) if M.size else 0.0
    return top * float(sla.norm(M / top)) if top > 0 and np.isfinite(top) else top
