r"""The stationary state of a linear SDE, computed once per model and shared by every quantity.

The stationary Gaussian state has mean :math:`m = -A^{-1} b` and covariance :math:`S`, the
solution of :math:`A S + S A^T + 2D = 0` (:mod:`thermotheory.core.lyapunov`). Every
stationary quantity (entropies, heat rates, flows, filters) reads it from
:func:`stationary_state`, which keeps one :class:`StationaryState` per model for as long
as the model lives: the model itself stays immutable, and no other module writes into it.

:class:`ModelCache` is the per-model memo behind it (weakly keyed by the model), for any
module that derives something expensive from a model (the filter's Riccati solutions).
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
from ._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp

from ..errors import ModelError, NotStable, SingularCovariance
from .checks import check_model
from .closedform import ClosedForm, stability_requirement
from ._backend import NumOps, as_vector, model_matrices, ops_for, relative_residual
from .lyapunov import (MAX_PRECISE_VARIABLES, MAX_REFINED_VARIABLES, PRECISE_DIGITS, REFUSE_DIGITS_LOST,
                       check_conditioning, check_symbolic_size, correlation_digits, lyapunov_digits, lyapunov_numeric,
                       lyapunov_precise, lyapunov_refined, lyapunov_symbolic)
from .model import LinearSDE, numeric_stability, stability_tolerance

__all__ = ["StationaryState", "stationary_state", "stationary_mean", "stationary_covariance", "covariance_matrix", "require_stable",
           "ModelCache"]

_T = TypeVar("_T")


class ModelCache:
    """Values derived from models, each kept while its model lives.

    Keyed weakly by the model (models compare and hash by value, so two equal models share
    their values) and then by a key of the caller's choice. A value is computed outside
    the lock; when two threads race, the first value stored wins.

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> cache = ModelCache()
    >>> m = LinearSDE.from_matrices(np.array([[-2.0]]), [1.0])
    >>> cache.get(m, "rate", lambda: 2.0), cache.get(m, "rate", lambda: 3.0)
    (2.0, 2.0)
    """

    def __init__(self) -> None:
        self._data: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, model: Any, key: Hashable, compute: Callable[[], _T]) -> _T:
        """The value stored for ``(model, key)``, computed by ``compute()`` the first time."""
        with self._lock:
            entry = self._data.get(model)
            if entry is not None and key in entry:
                return entry[key]
        value = compute()
        with self._lock:
            return self._data.setdefault(model, {}).setdefault(key, value)

    def __len__(self) -> int:
        return len(self._data)


def require_stable(model: LinearSDE) -> None:
    """Raise :class:`NotStable` unless the drift matrix is (or may be) Hurwitz.

    Numeric models are checked by their eigenvalues; symbolic models only fail when a
    Routh–Hurwitz condition is provably violated.

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> require_stable(LinearSDE.from_matrices(np.array([[0.5]]), [1.0]))
    Traceback (most recent call last):
    ...
    thermotheory.errors.NotStable: the drift matrix is not stable (Hurwitz): it has the eigenvalue 0.5+0j with non-negative real part, so there is no stationary state
    """
    if model.is_numeric:
        if not model.is_stable():  # cached: the eigenvalues are computed again only to say why not
            A = model.arrays(allow_protocol=True).A
            if _stable_in_exact_arithmetic(A):
                return
            _, worst, tol = numeric_stability(A)
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
    verdict, conds = model.stability_conditions()
    if verdict is False:
        raise NotStable(
            f"the drift matrix is not stable (Hurwitz): the Routh–Hurwitz condition {conds[0]} > 0 is violated"
        )


def _stable_in_exact_arithmetic(A: np.ndarray) -> bool:
    """True when floating point calls ``A`` unstable but its eigenvalues are too ill-conditioned to tell, and
    in extended precision the exact float matrix is Hurwitz (small models only)."""
    import mpmath as mp
    import scipy.linalg as sla

    n = A.shape[0]
    if n > MAX_PRECISE_VARIABLES:
        return False
    ev, yl, xr = sla.eig(A, left=True, right=True)
    s = np.abs(np.sum(yl.conj() * xr, axis=0)) / (np.linalg.norm(yl, axis=0) * np.linalg.norm(xr, axis=0))
    with np.errstate(divide="ignore"):
        radius = n * np.finfo(float).eps * np.linalg.norm(A, 2) / s  # first-order perturbation of each eigenvalue
    if not np.any(ev.real >= 0) or np.all(ev.real[ev.real >= 0] > radius[ev.real >= 0]):
        return False  # unstable beyond doubt
    with mp.workdps(80):
        Am = mp.matrix([[mp.mpf(float(x)) for x in row] for row in A])
        exact = [Am[0, 0]] if n == 1 else list(mp.eig(Am, left=False, right=False))
        # a real part within round-off of zero stays a conserved mode (NotStable), as in numeric_stability
        return bool(max(mp.re(e) for e in exact) < -stability_tolerance(A))


def _balanced_schur(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(scale, B, R, U)``: ``A`` balanced by a diagonal similarity of powers of two, ``B = T^-1 A T`` with
    ``T = diag(scale)``, and the real Schur form ``B = U R U^T``.

    The one O(n^3) decomposition of a numeric model's stationary state: the conditioning
    (:meth:`StationaryState.solve_digits`) and the covariance solve both read it.
    """
    with np.errstate(invalid="ignore"):  # (scipy casts the unused permutation, NaN for some singular A, to int)
        B, (scale, _) = sla.matrix_balance(A, permute=False, separate=True)
    if not (np.all(np.isfinite(scale)) and np.all(np.isfinite(B))):
        raise np.linalg.LinAlgError("balancing the drift matrix gave a scale that is not finite")
    R, U = sla.schur(B, output="real")
    return scale, B, R, U


def _schur_eigenvalues(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Real parts and moduli of the eigenvalues of a (standardised) real Schur form ``R``."""
    re = np.diag(R).copy()
    im2 = np.zeros_like(re)
    sub = np.diag(R, -1)
    for i in np.flatnonzero(sub != 0):  # a 2x2 block [[a, b], [c, a]]: eigenvalues a +- i sqrt(-b c)
        a, b, c, d = R[i, i], R[i, i + 1], R[i + 1, i], R[i + 1, i + 1]
        ev = np.linalg.eigvals(np.array([[a, b], [c, d]]))
        re[i], re[i + 1] = ev.real
        im2[i], im2[i + 1] = ev.imag ** 2
    return re, np.sqrt(re ** 2 + im2)


def _schur_lyapunov(R: np.ndarray, U: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, int]:
    """Solve ``B X + X B^T + Q = 0`` from the Schur form ``B = U R U^T`` (Bartels–Stewart, as scipy's
    ``solve_continuous_lyapunov``); returns ``(X, info)`` with LAPACK's ``trsyl`` info (1: perturbed)."""
    F = U.T @ (-Q) @ U
    trsyl = sla.get_lapack_funcs("trsyl", (R, F))
    Y, scale, info = trsyl(R, R, F, tranb="T")
    if info < 0:
        raise ValueError(f"trsyl: illegal value in argument {-info}")
    Y *= scale
    return U @ Y @ U.T, info


class StationaryState:
    r"""The stationary Gaussian state of one model: its mean, covariance, precision and conditioning.

    Get it with :func:`stationary_state` (one per model, shared). Immutable: each part is
    computed the first time it is asked for and then kept, so a symbolic mean never waits
    for a symbolic covariance it does not need.

    Attributes
    ----------
    mean : (n,) float array or 1-D sympy array
        :math:`m = -A^{-1} b` (not defined when ``b`` is a protocol ``b(t)``).
    covariance : (n, n) float array or sympy ImmutableMatrix
        :math:`S` with :math:`A S + S A^T + 2D = 0` (for a protocol, the long-time covariance).
    precision : (n, n) float array or sympy Matrix
        :math:`S^{-1}`.
    digits_lost : float
        Decimal digits a numeric result may lose to ill-conditioning
        (:func:`~thermotheory.core.lyapunov.digits_lost`); 0.0 for a symbolic model.

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> state = stationary_state(LinearSDE.from_matrices(np.array([[-2.0]]), [1.0], b=[4.0]))
    >>> state.mean.tolist(), state.covariance.tolist(), state.precision.tolist()
    ([2.0], [[0.5]], [[2.0]])
    """

    __slots__ = ("_ops", "_A", "_b", "_D", "_time", "_parts")

    def __init__(self, model: LinearSDE) -> None:
        # the matrices, not the model: a state kept in the model-keyed cache must not keep its model alive
        ops = ops_for(model)
        A, _, D = model_matrices(model, ops, need_b=False)
        b = model_matrices(model, ops)[1] if model.is_autonomous else None
        set_ = object.__setattr__
        set_(self, "_ops", ops)
        set_(self, "_A", A)
        set_(self, "_b", b)
        set_(self, "_D", D)
        set_(self, "_time", model.time)
        set_(self, "_parts", {})

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("StationaryState is immutable")

    def _part(self, name: str, compute: Callable[[], Any]) -> Any:
        if name not in self._parts:
            self._parts.setdefault(name, compute())
        return self._parts[name]

    @property
    def numeric(self) -> bool:
        """True for a model without free parameters (float arrays), False for a symbolic one."""
        return self._ops is NumOps

    @property
    def covariance(self) -> Any:
        """The stationary covariance (read-only float array, or sympy ImmutableMatrix)."""
        return self._part("covariance", self._covariance)

    def _shared_schur(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The balanced Schur decomposition of ``A`` (:func:`_balanced_schur`), computed once per model;
        None when LAPACK fails (the solves then go through scipy as a fallback)."""
        def compute():
            try:
                return _balanced_schur(np.asarray(self._A, dtype=float))
            except (np.linalg.LinAlgError, ValueError):
                return None
        return self._part("schur", compute)

    def schur_stable(self) -> bool:
        """Whether the numeric drift matrix is Hurwitz beyond round-off
        (:func:`~thermotheory.core.structure.numeric_stability`'s rule), read from the eigenvalues on the diagonal
        of the shared Schur form; False when that decomposition failed (the caller asks the eigenvalues then)."""
        def compute() -> bool:
            shared = self._shared_schur()
            if shared is None:
                return False
            re, _ = _schur_eigenvalues(shared[2])
            worst = float(np.max(re))
            return bool(np.isfinite(worst) and worst < -stability_tolerance(np.asarray(self._A, dtype=float)))
        return self._part("schur_stable", compute)

    def solve_digits(self) -> float:
        """Digits the float Lyapunov solve may lose (:func:`~thermotheory.core.lyapunov.lyapunov_digits`), from
        the shared Schur decomposition; numeric models only.

        Examples
        --------
        >>> import numpy as np
        >>> from thermotheory import LinearSDE
        >>> round(stationary_state(LinearSDE.from_matrices(np.diag([-1e6, -1e-6]), [1.0, 1.0])).solve_digits(), 6)
        12.0
        """
        return self._part("solve_digits", self._solve_digits)

    def _solve_digits(self) -> float:
        # lyapunov_digits(A) with its Schur decomposition shared with the covariance solve
        shared = self._shared_schur()
        if shared is None:
            return lyapunov_digits(self._A)
        _, B, R, U = shared
        try:
            re, modulus = _schur_eigenvalues(R)
            slowest = float(np.min(np.abs(re)))
            spread = float(np.max(modulus)) / slowest if slowest > 0 else np.inf
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                # B H + H B^T + I = 0 in the Schur basis (U^T I U = I): |H|_2 = |U^T H U|_2
                n = B.shape[0]
                trsyl = sla.get_lapack_funcs("trsyl", (R,))
                Y, scale, info = trsyl(R, R, -np.eye(n), tranb="T")
                if info < 0:
                    raise ValueError(f"trsyl: illegal value in argument {-info}")
                kappa = 2.0 * float(np.linalg.norm(B, 2)) * float(np.linalg.norm(Y * scale, 2))
        except (np.linalg.LinAlgError, ValueError):
            return float("inf")
        if not np.isfinite(kappa):
            return float("inf")
        return float(np.log10(max(kappa, spread, 1.0)))

    def _float_solve(self) -> np.ndarray:
        """:func:`~thermotheory.core.lyapunov.lyapunov_numeric` through the shared Schur decomposition."""
        shared = self._shared_schur()
        Q = 2 * self._D
        if shared is None:
            return lyapunov_numeric(self._A, Q)
        scale, _, R, U = shared
        T = np.outer(scale, scale)  # powers of two: the scaling is exact
        X, info = _schur_lyapunov(R, U, Q / T)
        if info == 1:
            warnings.warn('Input "a" has an eigenvalue pair whose sum is very close to or exactly zero. The solution '
                          'is obtained via perturbing the coefficients.', RuntimeWarning, stacklevel=2)
        S = X * T
        S = (S + S.T) / 2
        res = relative_residual(self._A, S, Q)
        if not np.isfinite(res) or res > 1e-8:
            raise ModelError(f"the Lyapunov solve is inaccurate (relative residual {res:.2e}); the model is "
                             "ill-conditioned")
        S.setflags(write=False)
        return S

    def _covariance(self) -> Any:
        if self._ops is NumOps:
            solve = self.solve_digits()
            if solve >= PRECISE_DIGITS and self._A.shape[0] <= MAX_PRECISE_VARIABLES:
                # the float solve would lose digits (time scales far apart, a non-normal drift): solve the
                # exact float problem in extended precision and round once; only the correlations remain
                precise = self._part("precise", lambda: lyapunov_precise(self._A, 2 * self._D, solve))
                self._parts["covariance_precise"] = True
                S = np.array([[float(x) for x in precise[0].tolist()[i]] for i in range(self._A.shape[0])])
                S.setflags(write=False)
                # the entries are right to the last digit and the rates are computed in extended precision:
                # only a correlation matrix too near singular for floats (entropies, informations) is refused
                lost = correlation_digits(S)
                if lost >= REFUSE_DIGITS_LOST:
                    check_conditioning(self._A, S, solve_digits=0.0)
                self._parts.setdefault("digits_lost", lost)
                return S
            if solve >= PRECISE_DIGITS and self._A.shape[0] <= MAX_REFINED_VARIABLES:
                # too large for the extended-precision solve: the float solve refined with exact residuals
                refined = self.refined_covariance()
                if refined is not None:
                    self._parts["covariance_precise"] = True
                    S = refined[1]
                    lost = correlation_digits(S)
                    if lost >= REFUSE_DIGITS_LOST:
                        check_conditioning(self._A, S, solve_digits=0.0)
                    self._parts.setdefault("digits_lost", lost)
                    return S
            S = self._float_solve()
            self._parts.setdefault("digits_lost", check_conditioning(self._A, S, solve_digits=solve))
            return S
        check_symbolic_size(self._A, 2 * self._D)
        return sp.ImmutableMatrix(lyapunov_symbolic(self._A, 2 * self._D))

    @property
    def solved_precisely(self) -> bool:
        """True when the covariance was solved in extended precision or refined iteratively (the float solve
        would have lost digits); not when a rate alone asked for an extended-precision solve (a rate whose
        terms cancel), so that no value depends on what was computed before it."""
        _ = self.covariance
        return self._parts.get("covariance_precise", False)

    def refined_covariance(self) -> tuple[Any, np.ndarray, float] | None:
        """The covariance refined iteratively with exact residuals: ``(S, S_float, error)`` as from
        :func:`~thermotheory.core.lyapunov.lyapunov_refined`.

        None for a symbolic model, one of at most ``MAX_PRECISE_VARIABLES`` variables (solved in
        extended precision instead, :meth:`precise_covariance`) or of more than
        ``MAX_REFINED_VARIABLES``, or when the refinement does not converge. Refined once per model.

        Examples
        --------
        >>> import numpy as np
        >>> from thermotheory import LinearSDE
        >>> A = np.diag([-1e5, -1e-4] + [-1.0] * 10)
        >>> S, Sf, err = stationary_state(LinearSDE.from_matrices(A, np.eye(12))).refined_covariance()
        >>> import mpmath
        >>> with mpmath.workdps(40):
        ...     abs(S.to_mpf()[0, 0] * 100000 - 1) < 1e-30, err < 1e-30  # 1/1e5 to 30 digits, not its float
        (True, True)
        """
        n = self._A.shape[0] if self._ops is NumOps else 0
        if not MAX_PRECISE_VARIABLES < n <= MAX_REFINED_VARIABLES:
            return None
        return self._part("refined", lambda: lyapunov_refined(self._A, 2 * self._D))

    def precise_covariance(self) -> tuple[Any, int, float] | None:
        """The covariance in extended precision: ``(S, dps, error)`` as from :func:`lyapunov_precise`.

        None for a symbolic model or one of more than ``MAX_PRECISE_VARIABLES`` variables.
        Solved once per model (and already when the float solve would lose digits).
        """
        if self._ops is not NumOps or self._A.shape[0] > MAX_PRECISE_VARIABLES:
            return None
        return self._part("precise", lambda: lyapunov_precise(self._A, 2 * self._D, self.solve_digits()))

    @property
    def digits_lost(self) -> float:
        """Digits of about 16 that a numeric stationary result may lose; 0.0 for a symbolic model."""
        if self._ops is not NumOps:
            return 0.0
        _ = self.covariance
        return self._parts["digits_lost"]

    @property
    def mean(self) -> Any:
        """The stationary mean, shape ``(n,)``: a read-only float array or a 1-D sympy array."""
        return self._part("mean", self._mean)

    def _mean(self) -> Any:
        if self._b is None:
            raise ModelError(
                f"the drift depends on time {self._time}, so there is no stationary state; use the transient "
                "closed forms (mean, covariance, heat, entropy_production) at a time t"
            )
        if self._ops is NumOps:
            return as_vector(np.linalg.solve(self._A, -self._b))
        n = self._A.rows
        if self._b.is_zero_matrix:
            return as_vector(sp.zeros(n, 1))
        return as_vector(self._ops.finish_matrix(self._A.LUsolve(-self._b)))

    @property
    def precision(self) -> Any:
        """The inverse of the stationary covariance; SingularCovariance when it has none."""
        return self._part("precision", self._precision)

    def _precision(self) -> Any:
        S = self._ops.asmat(self.covariance)
        try:
            P = self._ops.inv(S)
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError):
            raise SingularCovariance("the stationary covariance is singular; the density has no gradient") from None
        if self._ops is NumOps:
            P.setflags(write=False)
        return P


_STATES = ModelCache()
_CHECKED = ModelCache()


def stationary_state(model: LinearSDE) -> StationaryState:
    """The model's stationary state, made once and shared while the model lives.

    Raises
    ------
    NotStable
        When the drift matrix is not Hurwitz (no stationary state).

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> m = LinearSDE.from_matrices(np.array([[-1.0]]), [1.0])
    >>> stationary_state(m) is stationary_state(m)
    True
    """
    check_model(model, "stationary_state")
    if model.is_numeric and not model.is_modulated:  # stable as the shared Schur form says: no eigenvalue solve
        state = _STATES.get(model, "stationary", lambda: StationaryState(model))
        if not state.schur_stable():
            require_stable(model)  # says why from the eigenvalues (or finds the drift stable after all)
        return state
    require_stable(model)
    return _STATES.get(model, "stationary", lambda: StationaryState(model))


def stationary_mean(model: LinearSDE) -> Any:
    r"""Stationary mean :math:`m = -A^{-1} b`, a vector of shape ``(n,)``.

    Returns
    -------
    numpy.ndarray or sympy.ImmutableDenseNDimArray
        A read-only 1-D float array for a numeric model, a 1-D sympy array for a symbolic
        one (``sympy.Matrix(m)`` gives the column). Both index as ``m[i]``.

    Raises
    ------
    NotStable
        When the drift matrix is not Hurwitz.
    ModelError
        When the constant drift is a protocol ``b(t)``.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, stationary_mean
    >>> x = sp.Symbol("x", real=True)
    >>> k, F = sp.symbols("k F", positive=True)
    >>> stationary_mean(LinearSDE({x: -k * x + F}, {x: 1}))
    [F/k]
    """
    check_model(model, "stationary_mean")
    return stationary_state(model).mean


def stationary_covariance(model: LinearSDE) -> Any:
    r"""Stationary covariance :math:`S`, the solution of :math:`A S + S A^T + 2D = 0`.

    Returns
    -------
    sympy.ImmutableMatrix or numpy.ndarray
        Symbolic matrix with simplified entries, or a read-only float array. For a symbolic
        model whose stability sympy cannot decide (``{x: k*x}`` with ``k`` real), a
        :class:`~thermotheory.core.closedform.ClosedForm` of the matrix that carries the drift
        and refuses (``NotStable``) to evaluate where it is unstable.

    Raises
    ------
    NotStable
        When the drift matrix is not Hurwitz (no stationary state).
    TooLarge
        When a symbolic irreducible block is too large to solve; substitute numbers.

    Notes
    -----
    A protocol ``b(t)`` does not change the covariance, so for a model driven in time
    this is the long-time limit of the transient covariance. Symbolic: solved along the
    irreducible blocks of ``A`` in dependency order, each a small Sylvester equation
    (:mod:`thermotheory.core.lyapunov`). Numeric: scipy's ``solve_continuous_lyapunov``; a
    relative residual above 1e-8 raises ``ModelError`` rather than returning an inaccurate
    answer.

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
    S = covariance_matrix(model)
    required = () if model.is_numeric else stability_requirement(model)
    return ClosedForm(S, hurwitz=required) if required else S


def covariance_matrix(model: LinearSDE) -> Any:
    """The stationary covariance as a matrix whatever the model's stability verdict (for the engine's own use).

    :func:`stationary_covariance` without the stability-carrying wrapper: the closed forms
    built on it carry the requirement themselves.
    """
    check_model(model, "stationary_covariance")
    if not model.is_numeric:
        # refused at once when too large, before the stability check (Routh–Hurwitz conditions of a
        # dense symbolic block take longer than the refusal); passed once per model
        _CHECKED.get(model, "symbolic size", lambda: check_symbolic_size(model.A, 2 * model.D) or True)
    return stationary_state(model).covariance
