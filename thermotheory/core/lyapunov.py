r"""Stationary Lyapunov equations ``A S + S A^T + Q = 0``, numeric and symbolic, and their conditioning.

Numeric: scipy's Bartels–Stewart solver with its relative residual checked
(:func:`lyapunov_numeric`), and the number of digits a stationary result may lose
(:func:`digits_lost`, :func:`check_conditioning`). Symbolic: solved block by block along the
irreducible blocks of ``A`` (a chain ``v -> r -> w`` entry by entry), each block pair one
sparse Sylvester system whose size is predicted and refused at once when too large
(:func:`check_symbolic_size`), then eliminated fraction-free over the polynomials in the
parameters.
"""

from __future__ import annotations

import warnings

import numpy as np
from ._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp

from ..errors import ConditioningWarning, IllConditioned, ModelError, TooLarge
from . import budget, structure
from .budget import NUMERIC_PATH
from ._backend import relative_residual, tidy
from .checks import user_stacklevel

__all__ = ["lyapunov_numeric", "lyapunov_general", "lyapunov_symbolic", "check_symbolic_size", "digits_lost",
           "check_conditioning", "solve_fraction_free", "lyapunov_digits", "correlation_digits", "lyapunov_precise",
           "MAX_PRECISE_VARIABLES", "PRECISE_DIGITS", "MAX_REFINED_VARIABLES",
           "REFINED_TOLERANCE", "Dyadic", "lyapunov_refined", "refined_solve", "WARN_DIGITS_LOST", "REFUSE_DIGITS_LOST",
           "MAX_SYMBOLIC_BLOCK", "MAX_PREDICTED_TERMS", "lyapunov_recurrence"]

#: Largest number of unknowns of one symbolic block Sylvester solve (a block of six variables).
MAX_SYMBOLIC_UNKNOWNS = 21

def lyapunov_numeric(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Solve ``A S + S A^T + Q = 0`` for a Hurwitz ``A``; symmetric, read-only, its relative residual checked.

    Raises
    ------
    ModelError
        When the relative residual exceeds 1e-8 (an ill-conditioned model).

    Examples
    --------
    >>> import numpy as np
    >>> lyapunov_numeric(np.array([[-2.0]]), np.array([[2.0]])).tolist()
    [[0.5]]
    """
    S = sla.solve_continuous_lyapunov(A, -Q)
    S = (S + S.T) / 2
    res = relative_residual(A, S, Q)
    if not np.isfinite(res) or res > 1e-8:
        raise ModelError(f"the Lyapunov solve is inaccurate (relative residual {res:.2e}); the model is ill-conditioned")
    S.setflags(write=False)
    return S


#: Digits (of about 16) that may be lost before a numeric result warns, and before it is refused.
WARN_DIGITS_LOST, REFUSE_DIGITS_LOST = 8.0, 13.0


def lyapunov_digits(A: np.ndarray) -> float:
    r"""Decimal digits the Lyapunov solve ``A S + S A^T + Q = 0`` may lose: ``log10`` of its condition number.

    The condition number of the Lyapunov operator :math:`L(S) = A S + S A^T` on symmetric
    matrices is :math:`\|L\|\,\|L^{-1}\| \le 2\|A\|_2 \|H\|_2` with
    :math:`A H + H A^T + I = 0` (:math:`L^{-1}` is a positive map, so its norm is reached
    at the identity; Hewer & Kenney 1988). It holds both the spread of the time scales
    (:math:`\|H\| \ge 1/(2\min|\mathrm{Re}\,\lambda|)`) and the non-normality of ``A`` (a
    badly conditioned eigenvector basis). ``A`` is balanced first (a diagonal similarity,
    a change of units), so the number does not depend on the units of the variables.

    Examples
    --------
    >>> import numpy as np
    >>> round(lyapunov_digits(np.diag([-1e6, -1e-6])), 6)
    12.0
    >>> round(lyapunov_digits(np.array([[-1.0, 0.0], [1e8, -2.0]])), 1)  # non-normal only by its units
    0.6
    """
    A = np.asarray(A, dtype=float)
    try:
        B, _ = sla.matrix_balance(A, permute=False)
        ev = np.linalg.eigvals(B)
        slowest = float(np.min(np.abs(ev.real)))
        spread = float(np.max(np.abs(ev))) / slowest if slowest > 0 else np.inf
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # scipy perturbs a near-singular problem: kappa is huge
            H = sla.solve_continuous_lyapunov(B, -np.eye(B.shape[0]))
            kappa = 2.0 * float(np.linalg.norm(B, 2)) * float(np.linalg.norm(H, 2))
    except (np.linalg.LinAlgError, ValueError):
        return float("inf")
    if not np.isfinite(kappa):
        return float("inf")
    return float(np.log10(max(kappa, spread, 1.0)))


def correlation_digits(S: np.ndarray) -> float:
    """Digits an entropy or a mutual information may lose: ``log10`` of the condition of the correlation matrix."""
    d = np.sqrt(np.clip(np.diag(S), 0.0, None))
    keep = d > 0
    corr_cond = 1.0
    if np.count_nonzero(keep) > 1:
        R = S[np.ix_(keep, keep)] / np.outer(d[keep], d[keep])
        w = np.linalg.eigvalsh((R + R.T) / 2)
        corr_cond = float(w[-1] / w[0]) if w[0] > 0 else np.inf
    return float(np.log10(max(corr_cond, 1.0)))


def digits_lost(A: np.ndarray, S: np.ndarray) -> float:
    r"""Decimal digits a stationary result may lose to ill-conditioning, ``log10`` of a condition number.

    The product of two scale-free numbers: the condition number of the Lyapunov solve
    (:func:`lyapunov_digits`: the spread of the drift's time scales and the
    non-normality of the drift) and the condition number of the stationary correlation
    matrix (how much an entropy or a mutual information amplifies an error in the
    covariance). Both are independent of the units of the variables.

    Examples
    --------
    >>> import numpy as np
    >>> round(digits_lost(np.diag([-1e6, -1e-6]), np.diag([1e-6, 1e6])), 6)
    12.0
    """
    return lyapunov_digits(A) + correlation_digits(S)


def check_conditioning(A: np.ndarray, S: np.ndarray, solve_digits: float | None = None) -> float:
    """Warn (ConditioningWarning) or refuse (IllConditioned) when too many digits may be lost.

    ``solve_digits`` replaces the digits lost by the Lyapunov solve (:func:`lyapunov_digits`):
    0 when ``S`` was solved in extended precision (:func:`lyapunov_precise`).
    """
    lost = (lyapunov_digits(A) if solve_digits is None else solve_digits) + correlation_digits(S)
    if lost >= REFUSE_DIGITS_LOST:
        raise IllConditioned(
            f"the stationary state is too ill-conditioned for floating point: about {lost:.0f} of 16 digits may be "
            "lost (time scales spread too far, a strongly non-normal drift, or variables almost perfectly "
            "correlated); rescale or simplify the model, or evaluate the symbolic closed form with "
            "evaluate(..., dps=50)"
        )
    if lost >= WARN_DIGITS_LOST:
        warnings.warn(
            f"ill-conditioned stationary state: about {lost:.0f} of 16 digits may be lost; "
            "check with the symbolic closed form at higher precision (evaluate(..., dps=50))",
            ConditioningWarning,
            stacklevel=user_stacklevel(),
        )
    return lost


#: Largest model (variables) whose ill-conditioned stationary state is solved in extended precision.
MAX_PRECISE_VARIABLES = 10
#: Digits lost by the float Lyapunov solve from which the stationary state is solved in extended precision.
PRECISE_DIGITS = 6.0


def _mp_matrix(M: np.ndarray):
    import mpmath as mp

    M = np.atleast_2d(np.asarray(M, dtype=float))
    return mp.matrix([[mp.mpf(float(x)) for x in row] for row in M])


def _lyapunov_mp_solve(A, Q, n: int):
    """``A S + S A^T + Q = 0`` for mpmath matrices, as a linear system in the ``n(n+1)/2`` entries ``S_ij, i <= j``."""
    import mpmath as mp

    cells = [(i, j) for i in range(n) for j in range(i, n)]
    index = {c: k for k, c in enumerate(cells)}
    key = lambda i, j: index[(i, j) if i <= j else (j, i)]  # noqa: E731
    N = len(cells)
    M = mp.zeros(N, N)
    rhs = mp.zeros(N, 1)
    for r, (i, j) in enumerate(cells):
        rhs[r] = -Q[i, j]
        for k in range(n):
            if A[i, k]:
                M[r, key(k, j)] += A[i, k]
            if A[j, k]:
                M[r, key(i, k)] += A[j, k]
    x = mp.lu_solve(M, rhs)
    S = mp.zeros(n, n)
    for r, (i, j) in enumerate(cells):
        S[i, j] = S[j, i] = x[r]
    return S


def lyapunov_precise(A: np.ndarray, Q: np.ndarray, digits: float):
    r"""Solve ``A S + S A^T + Q = 0`` in extended precision (mpmath) for the exact float ``A``, ``Q``.

    For a stationary state that the float solve would get wrong (:func:`lyapunov_digits`
    at least :data:`PRECISE_DIGITS`) and a model of at most
    :data:`MAX_PRECISE_VARIABLES` variables. The floats are read as the exact numbers they
    are; the equation is solved as a linear system at ``40 + 2 digits`` decimal digits
    and again at 20 more, and the two must agree. The stability of ``A`` is decided on
    its eigenvalues at that precision: a drift whose eigenvalues are so ill-conditioned
    that floating point calls it stable when it is not is refused.

    Returns
    -------
    (S, dps, error)
        The solution as an mpmath matrix, the precision it was solved at, and a bound on
        its relative error (the difference of the two solves over ``max |S|``).

    Raises
    ------
    NotStable
        When ``A`` has an eigenvalue with non-negative real part in exact arithmetic.
    IllConditioned
        When the two solves do not agree to 20 digits.

    Examples
    --------
    >>> import numpy as np
    >>> S, dps, err = lyapunov_precise(np.array([[-1e-6, 0.0], [1.0, -1e6]]), 2 * np.eye(2), 12.0)
    >>> float(S[1, 1])  # (1 + S_01) / 1e6 with S_01 = 1e6 / (1e6 + 1e-6), in exact arithmetic
    1.999999999999e-06
    """
    import mpmath as mp

    from ..errors import NotStable

    n = A.shape[0]
    if not np.isfinite(digits):
        digits = 40.0
    dps = int(40 + 2 * min(float(digits), 60.0))
    with mp.workdps(dps):
        Am, Qm = _mp_matrix(A), _mp_matrix(Q)
        ev = [Am[0, 0]] if n == 1 else list(mp.eig(Am, left=False, right=False))
        worst = max(ev, key=lambda e: mp.re(e))
        if mp.re(worst) >= 0:
            raise NotStable(
                f"the drift matrix is not stable: in exact arithmetic it has the eigenvalue "
                f"{complex(worst):.6g} with non-negative real part, although floating point puts its "
                "eigenvalues in the left half-plane (they are too ill-conditioned for floating point: the "
                "eigenvectors are nearly parallel); there is no stationary state"
            )
        S1 = _lyapunov_mp_solve(Am, Qm, n)
    with mp.workdps(dps + 20):
        S2 = _lyapunov_mp_solve(_mp_matrix(A), _mp_matrix(Q), n)
        scale = max(abs(x) for x in S2)
        err = max(abs(x - y) for x, y in zip(S1, S2)) / scale if scale else mp.mpf(0)
    if err > mp.mpf(10) ** -20:
        raise IllConditioned(
            f"the stationary covariance cannot be solved even in {dps}-digit arithmetic (two precisions agree "
            f"only to {float(err):.1e}); the model is too ill-conditioned"
        )
    return S2, dps + 20, max(float(err), 10.0 ** -(dps - 5))


#: Largest model (variables) whose ill-conditioned stationary state is refined iteratively (exact residuals).
MAX_REFINED_VARIABLES = 60
#: Relative size (to ``sqrt(S_ii S_jj)``) of the last correction at which the refinement has converged.
REFINED_TOLERANCE = 1e-30


class Dyadic:
    """An exact matrix of dyadic rationals: Python integers ``M`` (an object array) times ``2**e``.

    Any float is such a number, so float matrices (and mpmath numbers) are read exactly, and
    sums and products of them are exact (Python integers do not round); numpy's object
    arrays keep the O(n^3) products fast.

    Examples
    --------
    >>> import numpy as np
    >>> x = Dyadic.of(np.array([[0.1, 3.0]]))
    >>> y = x @ Dyadic.of(np.array([[10.0], [1.0]]))
    >>> y.to_float().tolist(), bool((y - Dyadic.of(np.array([[4.0]]))).to_float()[0, 0] > 0)  # 0.1 is above 1/10
    ([[4.0]], True)
    """

    __slots__ = ("M", "e")

    def __init__(self, M: np.ndarray, e: int) -> None:
        self.M, self.e = M, int(e)

    @classmethod
    def of(cls, x) -> "Dyadic":
        """The exact value of a float array (or of an object array of mpmath numbers)."""
        x = np.asarray(x)
        if x.dtype == object:  # mpmath numbers: exact (mantissa, exponent) pairs
            pairs = [((-1) ** v._mpf_[0] * v._mpf_[1], v._mpf_[2]) if v else (0, 0) for v in x.ravel()]
            e = min((ex for man, ex in pairs if man), default=0)
            M = np.array([man << (ex - e) if man else 0 for man, ex in pairs], dtype=object).reshape(x.shape)
            return cls(M, e)
        x = np.asarray(x, dtype=float)
        f, E = np.frexp(x)
        mant = (f * 2.0 ** 53).astype(np.int64).astype(object)
        shift = E.astype(np.int64) - 53
        e = int(shift[x != 0].min()) if np.any(x != 0) else 0
        shift[x == 0] = e
        return cls(mant * np.array([1 << int(s - e) for s in shift.ravel()], dtype=object).reshape(x.shape), e)

    def _align(self, other: "Dyadic"):
        e = min(self.e, other.e)
        return self.M * (1 << (self.e - e)), other.M * (1 << (other.e - e)), e

    def __add__(self, other: "Dyadic") -> "Dyadic":
        a, b, e = self._align(other)
        return Dyadic(a + b, e)

    def __sub__(self, other: "Dyadic") -> "Dyadic":
        a, b, e = self._align(other)
        return Dyadic(a - b, e)

    def __matmul__(self, other: "Dyadic") -> "Dyadic":
        return Dyadic(self.M @ other.M, self.e + other.e)

    @property
    def T(self) -> "Dyadic":
        return Dyadic(self.M.T, self.e)

    def take(self, rows, cols) -> "Dyadic":
        """The block ``[rows][:, cols]``."""
        return Dyadic(self.M[np.ix_(list(rows), list(cols))], self.e)

    def to_float(self) -> np.ndarray:
        """The nearest floats (to within an ulp)."""
        def one(m: int) -> float:
            s = max(abs(m).bit_length() - 64, 0)
            with np.errstate(over="ignore"):
                return float(np.ldexp(float(m >> s) if m >= 0 else -float((-m) >> s), self.e + s))
        return np.array([one(int(m)) for m in self.M.ravel()], dtype=float).reshape(self.M.shape)

    def to_mpf(self) -> np.ndarray:
        """An object array of mpmath numbers, rounded to the working precision."""
        import mpmath as mp

        return np.array([mp.mpf((int(m), self.e)) for m in self.M.ravel()], dtype=object).reshape(self.M.shape)


def lyapunov_refined(A: np.ndarray, Q: np.ndarray, S0: np.ndarray | None = None,
                     max_steps: int = 12) -> tuple[Dyadic, np.ndarray, float] | None:
    r"""Refine a float solution of ``A S + S A^T + Q = 0`` iteratively, with residuals in exact arithmetic.

    For a model too large for :func:`lyapunov_precise` (up to :data:`MAX_REFINED_VARIABLES`
    variables): the residual :math:`R = A S + S A^T + Q` of the current ``S`` is computed
    exactly (:class:`Dyadic`: ``A``, ``Q`` and ``S`` are exact binary fractions), the
    correction :math:`A\,\delta S + \delta S A^T + R = 0` is solved in floats, and ``S``
    (kept exactly, a sum of the float corrections) gains as many digits per step as the
    float solve keeps. It stops when the correction falls below :data:`REFINED_TOLERANCE`
    of :math:`\sqrt{S_{ii} S_{jj}}` entry by entry.

    Returns
    -------
    (S, S_float, error) or None
        The refined solution, exact (:class:`Dyadic`) and rounded to floats, and the size of
        its last correction (relative, entry by entry); None when the corrections do not
        shrink (a problem too ill-conditioned for floats to correct).

    Examples
    --------
    >>> import numpy as np
    >>> S, Sf, err = lyapunov_refined(np.array([[-1e-6, 0.0], [1.0, -1e6]]), 2 * np.eye(2))
    >>> float(S.to_mpf()[1, 1]), err < 1e-30  # as lyapunov_precise
    (1.999999999999e-06, True)
    """
    import scipy.linalg as sla

    A = np.asarray(A, dtype=float)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        S0 = sla.solve_continuous_lyapunov(A, -Q) if S0 is None else np.asarray(S0, dtype=float)
        S0 = (S0 + S0.T) / 2
        if not np.all(np.isfinite(S0)):
            return None
        Ax, Qx, Sx = Dyadic.of(A), Dyadic.of(Q), Dyadic.of(S0)
        d = np.sqrt(np.abs(np.diag(S0)))
        scale = np.outer(d, d)
        if not np.all(scale > 0):
            return None
        previous = np.inf
        for _ in range(max_steps):
            AS = Ax @ Sx
            R = (AS + AS.T + Qx).to_float()
            if not np.any(R):
                return Sx, Sx.to_float(), 0.0
            dS = sla.solve_continuous_lyapunov(A, -R)
            dS = (dS + dS.T) / 2
            size = float(np.max(np.abs(dS) / scale))
            if not np.isfinite(size) or size > 0.5 * previous:
                return None
            Sx = Sx + Dyadic.of(dS)
            if size <= REFINED_TOLERANCE:
                return Sx, Sx.to_float(), size
            previous = size
    return None


def refined_solve(M: np.ndarray, Mx: Dyadic, B: Dyadic, max_steps: int = 12) -> tuple[Dyadic, float] | None:
    """Solve ``M X = B`` (``M`` exact in ``Mx``, its floats in ``M``) by iterative refinement with exact residuals.

    Returns the exact sum of the float corrections and the relative size of the last one,
    or None when the corrections do not shrink.

    Examples
    --------
    >>> import numpy as np
    >>> X, err = refined_solve(np.array([[3.0]]), Dyadic.of(np.array([[3.0]])), Dyadic.of(np.array([[1.0]])))
    >>> err < 1e-30, float((Dyadic.of(np.array([[3.0]])) @ X).to_mpf()[0, 0]) == 1.0
    (True, True)
    """
    lu = sla.lu_factor(M)
    X = sla.lu_solve(lu, B.to_float())
    Xx = Dyadic.of(X)
    previous = np.inf
    for _ in range(max_steps):
        R = (B - Mx @ Xx).to_float()
        if not np.any(R):
            return Xx, 0.0
        dX = sla.lu_solve(lu, R)
        size = float(np.max(np.abs(dX)) / max(np.max(np.abs(X)), np.finfo(float).tiny))
        if not np.isfinite(size) or size > 0.5 * previous:
            return None
        Xx = Xx + Dyadic.of(dX)
        if size <= REFINED_TOLERANCE:
            return Xx, size
        previous = size
    return None


def lyapunov_general(A: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Solve ``A X + X A^T + Q = 0`` for any ``A`` with no eigenvalue pair summing to zero (stable or not).

    Examples
    --------
    >>> import numpy as np
    >>> lyapunov_general(np.array([[1.0]]), np.array([[2.0]])).tolist()
    [[-1.0]]
    """
    X = sla.solve_continuous_lyapunov(A, -Q)
    res = relative_residual(A, X, Q)
    if not np.isfinite(res) or res > 1e-8:
        raise ModelError(
            f"the Lyapunov solve is inaccurate (relative residual {res:.2e}); the drift matrix is (nearly) singular"
        )
    return (X + X.T) / 2


def check_symbolic_size(A: sp.Matrix, Q: sp.Matrix | None = None) -> None:
    """Refuse (TooLarge) at once a symbolic Lyapunov solve predicted too large, before any elimination.

    Each irreducible diagonal block of ``A`` must have at most :data:`MAX_SYMBOLIC_BLOCK`
    variables, and its vectorised Lyapunov system (only the unknowns that the sparse drift
    actually couples) a predicted expansion within the budget: see :func:`_predict_block`.
    A triangular drift (all blocks single variables, a chain) has the sizes of its entries
    predicted instead: see :func:`_predict_triangular`.
    """
    for blk in structure.blocks(A):
        size = len(blk)
        if size == 1:
            continue
        if size > MAX_SYMBOLIC_BLOCK:
            raise TooLarge(
                f"a symbolic Lyapunov solve with an irreducible block of {size} variables "
                f"({size * (size + 1) // 2} unknowns) exceeds the limit of {MAX_SYMBOLIC_BLOCK} variables; "
                f"{NUMERIC_PATH}"
            )
        Ab = A.extract(blk, blk)
        rhs = None if Q is None else Q.extract(blk, blk)
        _predict_block(Ab, Ab, rhs, True, "the stationary covariance")
    if Q is not None:
        _predict_triangular(A, Q)


def _predict_triangular(A: sp.Matrix, Q: sp.Matrix) -> None:
    """Refuse at once the solve of a triangular drift (all blocks single variables) whose entries grow too large.

    Each entry is the sum that :func:`_sylvester` hands to :func:`_finish`; the monomials of
    its numerator over the lcm of the factored denominators are bounded as :func:`_finish`
    bounds them, with the numerators of the earlier entries replaced by their own bounds,
    so nothing is solved, and refused above ``budget.MAX_TERMS``. A chain of five variables
    (largest bound 2,520; the whole covariance answers in about 12 s) passes, one of six
    (88,704; minutes) is refused in a hundredth of a second.
    """
    order = structure.blocks(A)
    if any(len(blk) > 1 for blk in order):
        return
    n = A.shape[0]
    idx = [blk[0] for blk in order]
    deps = [[k for k in range(n) if k != i and A[i, k] != 0] for i in idx]
    info: dict[tuple[int, int], tuple[int, dict]] = {}  # (i, j) -> (numerator bound, factored denominator)

    def fac(e: sp.Expr) -> dict:
        return _factors(sp.fraction(sp.together(e))[1])

    for p, i in enumerate(idx):
        for q in range(p + 1):
            j = idx[q]
            coeff: dict = {}
            if Q[i, j] != 0:
                coeff[None] = Q[i, j]
            for k in deps[p]:
                key = (min(k, j), max(k, j))
                if key in info:
                    coeff[key] = coeff.get(key, 0) + A[i, k]
            for k in deps[q]:
                key = (min(i, k), max(i, k))
                if key in info:
                    coeff[key] = coeff.get(key, 0) + A[j, k]
            coeff = {key: c for key, c in coeff.items() if c != 0}
            if not coeff:
                continue
            scale = -1 / (A[i, i] + A[j, j])
            parts = [(c * scale, *((1, {}) if key is None else info[key])) for key, c in coeff.items()]
            common = _lcm_factors(f for _, _, f in parts)
            size = sum(len(sp.Add.make_args(sp.expand(sp.fraction(sp.together(c))[0])))
                       * nb * _cofactor_bound(common, f) for c, nb, f in parts)
            if size > budget.MAX_TERMS:
                raise TooLarge(
                    f"the stationary covariance: the exact entry ({i}, {j}) of a symbolic solve along a triangular "
                    f"drift is predicted to have up to {size} monomials (limit {budget.MAX_TERMS}) before it is "
                    f"cancelled; solving and cancelling it would take minutes; {NUMERIC_PATH}"
                )
            den = dict(common)
            for b, e in fac(scale).items():
                den[b] = den.get(b, 0) + e
            info[(j, i) if j < i else (i, j)] = (size, den)


#: Largest irreducible block (variables) of a symbolic Lyapunov solve: a guard on the cost of the
#: prediction itself (its ``n(n+1)/2`` unknowns); below it the predicted sizes decide.
MAX_SYMBOLIC_BLOCK = 10
#: Largest predicted number of monomials of one block's exact solution (its Cramer numerators
#: and denominators, before cancellation); the block's solve and its cancellation then take seconds.
#: Calibrated (``benchmarks/bench_symbolic.py --calibrate``, loaded machine): a ring of seven with a
#: shared rate (18,648) answers in about 10 s; four neurons with 13 parameters (20,016) take 54 s,
#: a ring of five with its own rates (100,390) 57 s: refused.
MAX_PREDICTED_TERMS = 19000
#: Sparse-permanent states explored before a system is called dense (and refused).
_MAX_PERMANENT_STATES = 20000


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
            f"(limit {budget.MAX_EXPANSION:.3g}) would take minutes; {NUMERIC_PATH}"
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
            f"minutes; {NUMERIC_PATH}"
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


def lyapunov_symbolic(A: sp.Matrix, Q: sp.Matrix) -> sp.Matrix:
    """Solve ``A S + S A^T + Q = 0`` (Q symmetric) block by block along the structure of ``A``.

    Call :func:`check_symbolic_size` first to refuse at once a solve predicted too large.

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


def lyapunov_recurrence(A: sp.Matrix, Q: sp.Matrix, needed) -> tuple[dict, dict]:
    r"""The entries of the solution of ``A S + S A^T + Q = 0`` that ``needed`` depends on, each in terms of earlier ones.

    Solves only the block pairs (along the irreducible blocks of ``A``, as
    :func:`lyapunov_symbolic`) that the entries ``needed`` (pairs ``(i, j)``) depend on, and
    leaves each entry written with placeholders for the entries solved before it (the
    recurrence of a chain, :math:`S_{ij} = (c_i S_{i-1,j} + c_j S_{i,j-1} + Q_{ij})/(k_i + k_j)`),
    without substituting: the cost is that of the block eliminations only, predicted and
    refused per block as in :func:`check_symbolic_size`, never that of the expanded entries.

    Returns
    -------
    (entries, placeholders)
        ``{(i, j): expression}`` for ``i <= j`` (entries not listed are 0), in dependency
        order, and ``{Dummy: (i, j)}`` for the placeholders the expressions use.

    Raises
    ------
    TooLarge
        When a block the needed entries depend on is predicted too large.

    Examples
    --------
    >>> import sympy as sp
    >>> k0, k1, c = sp.symbols("k0 k1 c", positive=True)
    >>> entries, ph = lyapunov_recurrence(sp.Matrix([[-k0, 0], [c, -k1]]), 2 * sp.eye(2), [(1, 1)])
    >>> entries[(1, 1)].xreplace({d: sp.Symbol(f"S{ph[d]}") for d in ph})
    (S(0, 1)*c + 1)/k1
    """
    n = A.shape[0]
    order = structure.blocks(A)
    pos = {i: k for k, blk in enumerate(order) for i in blk}
    deps = [sorted({pos[j] for i in blk for j in range(n) if j not in blk and A[i, j] != 0}) for blk in order]
    want: set[tuple[int, int]] = set()
    stack = [(max(pos[i], pos[j]), min(pos[i], pos[j])) for i, j in needed]
    while stack:
        p, q = stack.pop()
        if (p, q) in want:
            continue
        want.add((p, q))
        stack += [(max(k, q), min(k, q)) for k in deps[p]] + [(max(p, k), min(p, k)) for k in deps[q]]
    for p in sorted({p for pair in want for p in pair}):  # only the blocks needed are predicted
        check_symbolic_size(A.extract(order[p], order[p]), Q.extract(order[p], order[p]))
    entries: dict[tuple[int, int], sp.Expr] = {}
    placeholder: dict[tuple[int, int], sp.Dummy] = {}

    def known(i: int, j: int) -> sp.Expr:
        key = (min(i, j), max(i, j))
        if entries.get(key, 0) == 0:
            return sp.Integer(0)
        if key not in placeholder:
            placeholder[key] = sp.Dummy(f"S{key[0]}_{key[1]}")
        return placeholder[key]

    for p, I in enumerate(order):
        for q in range(p + 1):
            if (p, q) not in want:
                continue
            J = order[q]
            R = sp.Matrix(Q.extract(I, J))
            for k in deps[p]:
                R += A.extract(I, order[k]) * sp.Matrix(len(order[k]), len(J), lambda a, c: known(order[k][a], J[c]))
            for k in deps[q]:
                R += sp.Matrix(len(I), len(order[k]), lambda a, c: known(I[a], order[k][c])) * A.extract(J, order[k]).T
            X = _sylvester_linear(A.extract(I, I), A.extract(J, J), R, p == q, set(placeholder.values()))
            for a, i in enumerate(I):
                for c, j in enumerate(J):
                    key = (min(i, j), max(i, j))
                    if key not in entries or X[a, c] != 0:
                        entries[key] = X[a, c]
    return entries, {d: key for key, d in placeholder.items()}


def _sylvester_linear(Aii: sp.Matrix, Ajj: sp.Matrix, R: sp.Matrix, symmetric: bool, unknowns: set) -> sp.Matrix:
    """Solve ``Aii X + X Ajj^T + R = 0``, ``R`` linear in the placeholders ``unknowns``, leaving them unsubstituted."""
    ni, nj = R.shape
    if ni == nj == 1:
        value = -R[0, 0] / (Aii[0, 0] + Ajj[0, 0])
        budget.check_terms([value], "the stationary covariance")
        return sp.Matrix([[tidy(value)]])
    used = sorted(set().union(*[e.free_symbols for e in R]) & unknowns, key=lambda u: u.name)
    parts = _split_linear(R, used)
    cells, sol = _solve_block(Aii, Ajj, parts, used, symmetric)
    X = sp.zeros(ni, nj)
    for r, (a, c) in enumerate(cells):
        v = tidy(sol[r, 0]) + sp.Add(*[tidy(sol[r, t + 1]) * u for t, u in enumerate(used)])
        X[a, c] = v
        if symmetric:
            X[c, a] = v
    return X


def _solve_block(Aii: sp.Matrix, Ajj: sp.Matrix, parts: list[sp.Matrix], used: list, symmetric: bool):
    """The unknown cells of one block pair and their solution, one column per part of ``R`` (:func:`_split_linear`).

    Column 0 solves for the constant part ``R0``, column ``t + 1`` for the coefficient of the
    placeholder ``used[t]``; the size is predicted (and refused) before the solve.
    """
    cells, rows = _predict_block(Aii, Ajj, parts[0] if not used else None, symmetric, "the stationary covariance")
    k = len(cells)
    M = sp.zeros(k, k)
    for i, row in enumerate(rows):
        for j, v in row.items():
            M[i, j] = v
    rhs = sp.Matrix(k, len(parts), lambda i, t: -parts[t][cells[i]])
    return cells, _solve_sparse(M, rhs, "the stationary covariance")


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
    used = sorted(set().union(*[e.free_symbols for e in R]) & set(values), key=lambda u: u.name)
    parts = _split_linear(R, used)
    if ni == nj == 1:
        # -(R0 + sum_t R_t u_t) / (a_ii + a_jj), bounded and cancelled over the lcm of the factored
        # denominators of the earlier entries (_finish): term_bound of the substituted sum cross-multiplies
        # every denominator and overestimates a chain's entries about 30-fold.
        scale = -1 / (Aii[0, 0] + Ajj[0, 0])
        pairs = [(parts[0][0, 0] * scale, sp.Integer(1))] + [(p[0, 0] * scale, values[u])
                                                                for p, u in zip(parts[1:], used)]
        return sp.Matrix([[_finish(pairs, dens)]])
    cells, sol = _solve_block(Aii, Ajj, parts, used, symmetric)
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


def _lcm_factors(factorisations) -> dict[sp.Expr, int]:
    """The least common multiple of factored denominators (``{base: exponent}`` each, :func:`_factors`)."""
    common: dict[sp.Expr, int] = {}
    for f in factorisations:
        for b, e in f.items():
            common[b] = max(common.get(b, 0), e)
    return common


def _cofactor_bound(common: dict[sp.Expr, int], f: dict[sp.Expr, int]) -> int:
    """A bound on the monomials of ``common / f`` (what a numerator over ``f`` is multiplied by), as a product."""
    rest = 1
    for b, e in common.items():
        if e > f.get(b, 0):
            rest *= budget.term_bound(b ** (e - f.get(b, 0))) - 1
    return rest


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
    for c, v in pairs:
        n, d = sp.fraction(v)
        split.append((c, n, _factors(d)))
    common = _lcm_factors(f for _, _, f in split)
    size = sum(budget.term_bound(c) * (budget.term_bound(n) - 1) * _cofactor_bound(common, f) for c, n, f in split)
    if size > budget.MAX_TERMS:
        raise TooLarge(
            f"the stationary covariance: an exact entry has up to {size} monomials (limit {budget.MAX_TERMS}) "
            f"before it is cancelled; cancelling and printing it would take minutes; {NUMERIC_PATH}"
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
