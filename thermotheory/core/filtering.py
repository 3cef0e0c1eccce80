r"""Optimal filtering and transfer entropy for linear SDEs.

The hidden variables ``H`` (everything not observed) are estimated from the paths of
the observed ``Y``. The steady Kalman–Bucy error covariance ``P`` solves the
continuous algebraic Riccati equation

.. math:: A_{HH} P + P A_{HH}^T + 2D_{HH}
          - (P A_{YH}^T + 2D_{HY})(2D_{YY})^{-1}(A_{YH} P + 2D_{YH}) = 0 .
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from ._lazy import scipy_linalg as sla  # imported on first use (import time, issue #25)
import sympy as sp

from ..errors import ModelError, NotStable, TooLarge
from . import budget
from ._backend import NumOps, model_matrices, ops_for, tidy
from .lyapunov import lyapunov_symbolic
from .model import LinearSDE, VariableSpec
from .checks import guarded
from .state import ModelCache
from .closedform import apply_form, check_form

__all__ = ["filter_error", "transfer_entropy_rate", "has_noiseless_marginal_modes"]

#: Steady filter errors per model, by (observed, filtered hidden) indices: solved once while the model lives.
_RICCATI = ModelCache()


def has_noiseless_marginal_modes(model: LinearSDE, observed: VariableSpec) -> bool:
    """Whether the unobserved variables have a mode with Re(eigenvalue) >= 0 that no noise reaches.

    Such a mode (the position of a particle whose velocity is observed) is not
    stabilisable: the filter learns it exactly, but only algebraically slowly (its error
    decays like 1/t), so finite-window estimates of the stationary filter error and
    transfer entropy rate stay above their limits. Numeric models only (PBH test).

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE
    >>> osc = LinearSDE.from_matrices([[0.0, 1.0], [-1.0, -1.0]], [0.0, 1.0], variables=["x", "v"])
    >>> has_noiseless_marginal_modes(osc, "v")
    True
    """
    A, _, D = model_matrices(model, NumOps, need_b=False)
    Y = model.indices(observed)
    H = [i for i in range(model.dimension) if i not in Y]
    a, q = A[np.ix_(H, H)], D[np.ix_(H, H)]
    scale = max(float(np.max(np.abs(a), initial=0.0)), 1e-300)
    for lam in np.linalg.eigvals(a):
        if lam.real >= -1e-9 * scale:
            M = np.hstack([a - lam * np.eye(len(H)), q])
            if np.linalg.matrix_rank(M, tol=1e-9 * scale) < len(H):
                return True
    return False


def _ancestors(model: LinearSDE, A, ops, start) -> list[int]:
    """``start`` and every variable that drives it through the drift (the smallest autonomous subsystem).

    The paths of an autonomous subsystem have a law of their own (its drift and diffusion
    blocks), so variables outside it can be left out of every filter on it.
    """
    n = model.dimension
    if ops is NumOps:  # the same closure, one row block at a time
        nonzero = np.asarray(A) != 0
        keep = np.zeros(n, dtype=bool)
        keep[list(start)] = True
        frontier = keep.copy()
        while frontier.any():
            frontier = nonzero[frontier].any(axis=0) & ~keep
            keep |= frontier
        return np.flatnonzero(keep).tolist()
    else:
        drives = [[j for j in range(n) if not sp.sympify(A[i, j]).is_zero] for i in range(n)]
    keep, todo = set(start), list(start)
    while todo:
        for j in drives[todo.pop()]:
            if j not in keep:
                keep.add(j)
                todo.append(j)
    return sorted(keep)


def _riccati(model: LinearSDE, observed: VariableSpec, about: VariableSpec = ()):
    """Steady filter error of the unobserved variables that drive ``about`` or the observed ones.

    Returns (ops, H, Y, P, A, D) with ``H`` those unobserved variables (indices).
    """
    ops = ops_for(model)
    A, _, D = model_matrices(model, ops)
    n = model.dimension
    Y = model.indices(observed)
    if len(set(range(n)) - set(Y)) == 0:
        raise ModelError("every variable is observed: there is nothing to filter")
    S = _ancestors(model, A, ops, list(Y) + model.indices(about) if about else Y)
    H = [i for i in S if i not in Y]
    if not H:
        raise ModelError("every variable is observed: there is nothing to filter")
    P = _RICCATI.get(model, (tuple(Y), tuple(H)), lambda: _solve_riccati(model, ops, A, D, Y, H))
    return ops, H, Y, P, A, D


def _solve_riccati(model: LinearSDE, ops, A, D, Y: list[int], H: list[int]):
    """The steady filter error of the hidden variables ``H`` given the paths of ``Y`` (indices)."""
    a, c = ops.block(A, H, H), ops.block(A, Y, H)
    q, r, s = 2 * ops.block(D, H, H), 2 * ops.block(D, Y, Y), 2 * ops.block(D, H, Y)
    if ops is NumOps:
        if np.linalg.eigvalsh(r)[0] <= 1e-14 * max(np.max(np.abs(r)), 1e-300):
            raise ModelError("the observed variables need noise of their own (D_YY positive definite) to be filtered")
        try:
            P = _numeric_riccati(a, c, q, r, s)
        except (np.linalg.LinAlgError, ValueError) as exc:
            if isinstance(exc, ModelError):
                raise
            raise ModelError(f"the filter Riccati problem could not be solved numerically ({exc})") from None
    else:
        P = _symbolic_riccati(a, c, q, r, s, model, H)
    return P


def _check_detectable(a, c, eigenvalues=None):
    """Refuse a hidden mode that neither decays nor shows in the observations (PBH test).

    ``eigenvalues`` of ``a`` when already known (from a Schur form), else computed.
    """
    k = a.shape[0]
    scale = max(sla.norm(a), sla.norm(c), 1e-300)
    for lam in np.linalg.eigvals(a) if eigenvalues is None else eigenvalues:
        if lam.real >= -1e-9 * scale:
            M = np.vstack([a - lam * np.eye(k), c])
            if np.linalg.matrix_rank(M, tol=1e-9 * scale) < k:
                raise NotStable(
                    f"a hidden mode (eigenvalue {complex(lam):.3g}) is neither observed nor stable: its filter "
                    "error never settles"
                )


def _driven_basis(a, q):
    """Orthonormal bases (T1, T2) of the hidden space, T2 spanning the modes that no noise
    reaches and that do not grow (Re(eigenvalue) <= 0); span(T1) is invariant under ``a``.

    The filter learns the T2 modes exactly in the long run (their error decays, or like
    1/t when marginal), so the steady error vanishes on them and the Riccati equation is
    solved on T1 alone, where its stabilising solution exists.
    """
    k = a.shape[0]
    scale = max(sla.norm(a), 1e-300)
    U, sv, _ = np.linalg.svd(q)
    V = U[:, sv > 1e-12 * max(sv[0] if sv.size else 0.0, 1e-300)] if sv.size and sv[0] > 0 else np.zeros((k, 0))
    while 0 < V.shape[1] < k:  # the controllable (noise-driven) subspace: a Krylov space of q
        W = a @ V
        W -= V @ (V.T @ W)
        Uw, sw, _ = np.linalg.svd(W, full_matrices=False)
        new = Uw[:, sw > 1e-10 * scale]
        if new.shape[1] == 0:
            break
        V = np.linalg.qr(np.hstack([V, new]))[0]
    if V.shape[1] == k:
        return np.eye(k), np.zeros((k, 0))
    full = np.linalg.qr(np.hstack([V, np.eye(k)]))[0] if V.shape[1] else np.eye(k)
    N = full[:, V.shape[1]:k] if V.shape[1] else np.eye(k)
    S, Z, sdim = sla.schur(N.T @ a @ N, output="real", sort=lambda re, im: re > 1e-9 * scale)
    return np.hstack([V, N @ Z[:, :sdim]]), N @ Z[:, sdim:]


def _numeric_riccati(a, c, q, r, s):
    ri = np.linalg.inv(r)
    if not np.any(c):
        # No observation of the hidden part: the error obeys a Lyapunov equation.
        a_cl = a
        Q = q - s @ ri @ s.T
        if np.max(np.linalg.eigvals(a_cl).real) >= 0:
            raise NotStable("the hidden variables are neither observed nor stable: the filter error grows without bound")
        P = sla.solve_continuous_lyapunov(a_cl, -Q)
    else:
        # Remove the correlation of hidden and observed noise: a_e = a when the noise is bipartite.
        a_e, q_e = a - s @ ri @ c, q - s @ ri @ s.T
        q_e = (q_e + q_e.T) / 2
        first = _schur_or_none(a_e)
        _check_detectable(a, c, _quasi_eigenvalues(first[0]) if first is not None and not np.any(s) else None)
        P = _newton_from_zero(a_e, c, q_e, ri, first)
        T1 = np.zeros((a.shape[0], 0)) if P is not None else _driven_basis(a_e, q_e)[0]
        if P is None:
            # a_e not stable (or Newton's method from zero did not settle): solve on the noise-driven part
            P = np.zeros_like(a, dtype=float)
        if T1.shape[1]:
            a1, c1, q1 = T1.T @ a_e @ T1, c @ T1, T1.T @ q_e @ T1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", RuntimeWarning)
                    try:
                        P1 = sla.solve_continuous_are(a1.T, c1.T, (q1 + q1.T) / 2, r)
                    except (RuntimeWarning, FloatingPointError):
                        # scipy's balancing breaks down (NaN scales) when the observation is tiny
                        # next to the drift (a coupling of 1e-100); the residual is checked below
                        P1 = sla.solve_continuous_are(a1.T, c1.T, (q1 + q1.T) / 2, r, balanced=False)
            except (np.linalg.LinAlgError, ValueError, RuntimeWarning, FloatingPointError) as exc:
                raise ModelError(f"the filter Riccati equation has no stabilising solution ({exc})") from None
            P1 = _newton_refine(a1, c1, q1, ri, P1)
            closed = a1 - P1 @ c1.T @ ri @ c1
            if np.max(np.linalg.eigvals(closed).real) >= 0:
                raise NotStable("a hidden mode is neither observed nor stable: the filter error grows without bound")
            P = T1 @ P1 @ T1.T
    P = (P + P.T) / 2
    R = a @ P + P @ a.T + q - (P @ c.T + s) @ ri @ (c @ P + s.T)
    scale = 2 * sla.norm(a) * sla.norm(P) + sla.norm(q) + sla.norm(P @ c.T + s) ** 2 * sla.norm(ri)
    if sla.norm(R) > 1e-8 * max(scale, 1e-300):
        raise ModelError(f"the filter Riccati solve is inaccurate (relative residual {sla.norm(R) / scale:.2e})")
    P.setflags(write=False)
    return P


def _schur_or_none(a):
    """The real Schur form ``(T, Z)`` of ``a``, or None when LAPACK fails."""
    try:
        return sla.schur(a, output="real")
    except (np.linalg.LinAlgError, ValueError):
        return None


def _quasi_eigenvalues(T) -> np.ndarray:
    """Eigenvalues of a real Schur (quasi-triangular) form, from its 1x1 and 2x2 diagonal blocks."""
    ev = np.diag(T).astype(complex)
    for i in np.flatnonzero(np.diag(T, -1) != 0):
        ev[i:i + 2] = np.linalg.eigvals(T[i:i + 2, i:i + 2])
    return ev


def _newton_from_zero(a, c, q, ri, first, max_steps: int = 40):
    """The stabilising solution of ``a P + P a^T + q - P c^T ri c P = 0`` by Newton–Kleinman from ``P = 0``.

    Used when ``a`` is stable with a margin (then ``P = 0`` is a stabilising start and every
    iterate stays stabilising): each step is one Lyapunov solve with the closed-loop drift,
    about a tenth of the cost of scipy's Riccati solve (a QZ decomposition of twice the size), and
    converges quadratically to the same solution. ``first`` is the Schur form of ``a``. None
    (the caller then uses scipy's solver) when ``a`` is not stable with a margin, a closed loop
    loses it, or the residual does not fall to round-off.
    """
    if first is None:
        return None
    G = c.T @ ri @ c
    G = (G + G.T) / 2

    def residual(X):
        return a @ X + X @ a.T + q - X @ G @ X

    def relative(R, X):
        nx = sla.norm(X)
        return sla.norm(R) / max(2 * sla.norm(a) * nx + sla.norm(q) + sla.norm(G) * nx ** 2, 1e-300)

    P, R, rel = np.zeros_like(a, dtype=float), q, np.inf
    schur = first
    for step in range(max_steps):
        if schur is None:
            return None
        T, Z = schur
        margin = np.sqrt(np.finfo(float).eps) * sla.norm(T)
        if np.max(np.diag(T)) >= -margin:  # real parts of the closed loop's eigenvalues (standardised blocks)
            return None
        F = Z.T @ (-R) @ Z
        trsyl = sla.get_lapack_funcs("trsyl", (T, F))
        Y, scale, info = trsyl(T, T, F, tranb="T")
        if info != 0 or not np.isfinite(scale) or scale == 0:
            return None
        X = Z @ (Y * scale) @ Z.T
        trial = P + (X + X.T) / 2
        if not np.all(np.isfinite(trial)):
            return None
        R_trial = residual(trial)
        rel_trial = relative(R_trial, trial)
        if rel_trial >= rel:  # no more progress: round-off reached
            break
        P, R, rel = trial, R_trial, rel_trial
        if rel <= 4 * np.finfo(float).eps:
            break
        schur = _schur_or_none(a - P @ G)
    return P if rel <= 1e-12 else None


def _newton_refine(a, c, q, ri, P, steps: int = 2):
    """Newton–Kleinman steps on ``a P + P a^T + q - P c^T ri c P = 0`` from scipy's solution.

    Each step solves one Lyapunov equation with the closed-loop drift. It restores the
    digits that the Schur method loses when a hidden mode is barely observed (a coupling
    1e-12 of the drift's scale), and keeps a step only when it lowers the residual.
    """
    def residual(X):
        return a @ X + X @ a.T + q - X @ c.T @ ri @ c @ X

    R = residual(P)
    for _ in range(steps):
        closed = a - P @ c.T @ ri @ c
        try:
            with warnings.catch_warnings():
                # scipy perturbs a closed loop with an eigenvalue pair summing to zero and warns:
                # no refinement step is meaningful then, scipy's solution is kept
                warnings.simplefilter("error", RuntimeWarning)
                X = sla.solve_continuous_lyapunov(closed, -R)
        except (np.linalg.LinAlgError, ValueError, RuntimeWarning):
            break
        trial = P + (X + X.T) / 2
        R_trial = residual(trial)
        if not np.all(np.isfinite(trial)) or sla.norm(R_trial) >= sla.norm(R):
            break
        P, R = trial, R_trial
    return P


def _symbolic_riccati(a, c, q, r, s, model, H):
    """Steady filter error of a symbolic model with one or two unobserved variables.

    As in the numeric path, the correlation of hidden and observed noise is removed first
    (``a_e = a - s r^-1 c``, ``q_e = q - s r^-1 s^T``) and the equation solved on the
    noise-driven hidden variables only (those that receive noise, and those they drive): the
    error vanishes on the rest, noiseless modes that must not grow. One driven variable: the
    root of a quadratic. Two, seen through one observed variable: :func:`_riccati_2x2`.
    """
    k = len(H)
    if k > 2:
        raise TooLarge(
            f"a symbolic Riccati solve with {k} hidden variables is not attempted (one or two are); "
            "substitute numbers with model.subs(values)"
        )
    ri = r.inv() if r.shape[0] > 1 else sp.Matrix([[1 / r[0, 0]]])
    a_e = (a - s * ri * c).applyfunc(sp.cancel)
    q_e = (q - s * ri * s.T).applyfunc(sp.cancel)
    driven = _noise_driven(a_e, q_e)
    rest = [i for i in range(k) if i not in driven]
    for i in rest:
        diag = a_e[i, i]
        if diag.is_negative:
            continue
        if diag.is_zero:
            if sp.Matrix.vstack(a_e, c).rank(simplify=True) < k:
                raise NotStable(
                    f"the hidden variable {model.variables[H[i]]} is neither observed nor stable: its filter "
                    "error never settles"
                )
            continue
        if diag.is_positive:
            raise NotStable(f"the hidden variable {model.variables[H[i]]} grows without noise and is not stable")
        raise TooLarge(
            f"the noiseless hidden variable {model.variables[H[i]]} has a rate {diag} of undecided sign; "
            "substitute numbers with model.subs(values)"
        )
    P = sp.zeros(k, k)
    if len(driven) == 1:
        i = driven[0]
        P[i, i] = _riccati_1x1(a_e[i, i], c[:, i], q_e[i, i], ri, model, H[i])
    elif len(driven) == 2:
        P = _riccati_2x2(a_e, c, q_e, ri, model)
    return P


def _noise_driven(a, q) -> list[int]:
    """Hidden variables that receive noise, and every variable they drive through ``a``."""
    k = a.shape[0]
    keep = [i for i in range(k) if not sp.sympify(q[i, i]).is_zero]
    todo = list(keep)
    while todo:
        i = todo.pop()
        for j in range(k):
            if j not in keep and not sp.sympify(a[j, i]).is_zero:
                keep.append(j)
                todo.append(j)
    return sorted(keep)


def _riccati_1x1(a, c, q, ri, model, h):
    """``2 a P + q - P^2 c^T r^-1 c = 0``, the stabilising root."""
    alpha = sp.cancel((c.T * ri * c)[0, 0])
    if alpha == 0:
        if sp.sympify(a).is_nonnegative:
            raise ModelError(f"the hidden variable {model.variables[h]} is neither observed nor stable")
        return tidy(-q / (2 * a))
    # alpha P^2 - 2 a P - q = 0; the stabilising root makes a - alpha P < 0.
    root = (a + sp.sqrt(budget.factor(a**2 + alpha * q))) / alpha
    return sp.simplify(root) if sp.count_ops(root) < 80 else root


def _riccati_2x2(a, c, q, ri, model):
    r"""Stabilising solution of ``a P + P a^T + q - P c^T r^-1 c P = 0`` for two hidden variables.

    With one observed variable ``c^T r^-1 c = rho g g^T``. The closed-loop drift
    ``F = a - rho k g^T`` (``k = P g``) has the stable eigenvalues of the Hamiltonian
    ``[[a^T, -rho g g^T], [-q, -a]]``, whose characteristic polynomial is
    ``s^4 + c_2 s^2 + c_0``: so ``det F = sqrt(c_0)`` and ``tr F = -sqrt(2 sqrt(c_0) - c_2)``,
    two equations linear in ``k`` (``det F = det a - rho g^T adj(a) k``). Then ``P`` solves the
    linear equations ``P g = k`` and ``a P + P a^T + q = rho k k^T``. The result is checked
    against the Riccati equation at a random point.
    """
    if c.rows != 1:
        raise TooLarge(
            "a symbolic Riccati solve for two hidden variables seen through more than one observed variable "
            "is not attempted; substitute numbers with model.subs(values)"
        )
    if sp.cancel(a.det()) == 0 and sp.Matrix.vstack(a, c).rank(simplify=True) < 2:
        raise NotStable("a hidden mode (eigenvalue 0) is neither observed nor stable: its filter error never settles")
    rho = sp.cancel(ri[0, 0])
    g = c.T
    G = (rho * g * g.T).applyfunc(sp.cancel)
    if G.is_zero_matrix:
        return lyapunov_symbolic(a, q).applyfunc(tidy)
    budget.check_expansion(a.row_join(q).row_join(G), "the filter's Riccati equation")
    Ham = sp.Matrix.vstack(sp.Matrix.hstack(a.T, -G), sp.Matrix.hstack(-q, -a))
    x = sp.Dummy("x")
    coeffs = sp.Poly(Ham.charpoly(x).as_expr(x), x).all_coeffs()  # x^4 + 0 x^3 + c2 x^2 + 0 x + c0
    c2, c0 = budget.factor(sp.cancel(coeffs[2])), budget.factor(sp.cancel(coeffs[4]))
    det_F = sp.sqrt(c0)
    tr_F = -sp.sqrt(2 * det_F - c2)
    k = sp.Matrix(sp.symbols("_k0:2", cls=sp.Dummy))
    adj = a.adjugate()
    eqs = [a.trace() - rho * (g.T * k)[0, 0] - tr_F, a.det() - rho * (g.T * adj * k)[0, 0] - det_F]
    M, rhs = sp.linear_eq_to_matrix([sp.expand(e) for e in eqs], list(k))
    if sp.cancel(M.det()) == 0:
        raise TooLarge("the filter's Riccati equation has no closed form along this route; "
                       "substitute numbers with model.subs(values)")
    kv = M.LUsolve(rhs).applyfunc(sp.cancel)
    p = sp.symbols("_p0:3", cls=sp.Dummy)
    P = sp.Matrix([[p[0], p[1]], [p[1], p[2]]])
    gain = P * g - kv
    lyap = a * P + P * a.T + q - rho * kv * kv.T
    eqs = [gain[0], gain[1], lyap[0, 0], lyap[0, 1], lyap[1, 1]]
    sol = None
    for rows in ([0, 1, 2], [0, 1, 4], [0, 1, 3], [0, 2, 4], [1, 2, 4], [2, 3, 4]):
        M, rhs = sp.linear_eq_to_matrix([sp.expand(eqs[i]) for i in rows], list(p))
        if sp.cancel(M.det()) != 0:
            sol = M.LUsolve(rhs)
            break
    if sol is None:
        raise TooLarge("the filter's Riccati equation has no closed form along this route; "
                       "substitute numbers with model.subs(values)")
    out = P.xreplace({pi: _tidy_radical(v) for pi, v in zip(p, sol)})
    _verify_riccati(out, a, G, q, model)
    return out


def _tidy_radical(e):
    """Cancel an expression with square roots, keeping it small."""
    e = sp.cancel(sp.together(e))
    return sp.simplify(e) if sp.count_ops(e) < 120 else e


def _verify_riccati(P, a, G, q, model, tries: int = 4):
    """Check the closed form at random points: the residual vanishes, ``P >= 0`` and ``a - P G`` is stable.

    Points where the model is not a well-posed filter (a growing hidden mode) are skipped;
    no verified point raises TooLarge rather than returning an unchecked root.
    """
    rng = np.random.default_rng(12)
    syms = sorted(set().union(*[e.free_symbols for e in list(a) + list(G) + list(q)]), key=lambda z: z.name)
    for _ in range(tries):
        point = {z: sp.Rational(int(rng.integers(50, 200)), 100) for z in syms}
        try:
            Pn = np.array(P.xreplace(point).evalf(30).tolist(), dtype=complex)
            an, Gn, qn = (np.array(M.xreplace(point).evalf(30).tolist(), dtype=float) for M in (a, G, q))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not np.all(np.isfinite(Pn)) or np.max(np.abs(Pn.imag)) > 1e-12 * max(np.max(np.abs(Pn)), 1.0):
            continue
        Pn = Pn.real
        R = an @ Pn + Pn @ an.T + qn - Pn @ Gn @ Pn
        scale = 2 * np.linalg.norm(an) * np.linalg.norm(Pn) + np.linalg.norm(qn) + np.linalg.norm(Gn) * np.linalg.norm(Pn) ** 2
        if np.linalg.norm(R) > 1e-9 * max(scale, 1e-300):
            continue
        if np.max(np.linalg.eigvals(an - Pn @ Gn).real) >= 0 or np.linalg.eigvalsh((Pn + Pn.T) / 2)[0] < -1e-10 * np.max(np.abs(Pn)):
            continue
        return
    raise TooLarge("the closed form of the filter's Riccati equation could not be verified at a random point; "
                   "substitute numbers with model.subs(values)")


@guarded
def filter_error(model: LinearSDE, hidden: VariableSpec, observed: VariableSpec, form: str | None = None) -> Any:
    r"""Steady error covariance of the optimal (Kalman–Bucy) estimate of ``hidden`` from the paths of ``observed``.

    All variables not observed are filtered jointly; the block of ``hidden`` is returned
    (a scalar for one hidden variable).

    Parameters
    ----------
    model : LinearSDE
    hidden, observed : Symbol, name or sequence (disjoint)

    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic scalar result (the Riccati solution has no named
        intermediates: ``"structured"`` wraps it in a ClosedForm with no definitions).

    Returns
    -------
    sympy expression / Matrix, or float / ndarray

    Raises
    ------
    ModelError
        When the observed variables have no noise of their own, or the unobserved part
        is neither observed nor stable.
    TooLarge
        For a symbolic model with more than one unobserved variable.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, filter_error
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> round(filter_error(m, v, r), 12)  # 2 (sqrt(2) - 1)
    0.828427124746
    """
    form = check_form(form)
    hid = model.indices(hidden)
    ops, H, Y, P, _, _ = _riccati(model, observed, hidden)
    if set(hid) & set(Y):
        raise ModelError("the hidden and observed variables must be disjoint")
    pos = [H.index(i) for i in hid]
    block = ops.block(P, pos, pos)
    if len(pos) == 1:
        return apply_form(ops.finish(block[0, 0]), form)
    return ops.finish_matrix(block)


@guarded
def transfer_entropy_rate(model: LinearSDE, source: VariableSpec, target: VariableSpec,
                          form: str | None = None) -> Any:
    r"""Transfer entropy rate from ``source`` to ``target`` in the stationary state, nats per unit time.

    :math:`T_{X\to Y} = \lim_{dt\to0} I(X_t; Y_{t+dt} \mid Y_{\le t})/dt`. With ``H`` the
    unobserved variables, ``P`` their filter error given the target's paths and
    :math:`P_{|X}` the same also given :math:`X_t`:

    .. math:: T_{X\to Y} = \tfrac14 \operatorname{tr}\left[D_{YY}^{-1} A_{YH}
              (P - P_{|X}) A_{YH}^T\right], \qquad P - P_{|X} = P_{HX} P_{XX}^{-1} P_{XH}

    For one hidden signal and a linear sensor this is Duncan's
    :math:`c^2 P / (4 D_Y)`. ``form`` shapes a symbolic result as for :func:`filter_error`.

    Notes
    -----
    When an unobserved variable has a mode that neither decays nor receives noise (the
    position of a particle whose velocity is the target), the filter learns it only as
    ``1/t``; the value returned is the limit, which finite-window estimates approach
    slowly (:func:`has_noiseless_marginal_modes` tells). The Riccati equation is solved on
    the noise-driven part of the hidden variables (the error vanishes on noiseless modes that
    do not grow), variables that drive neither the source nor the target are left out, and
    :math:`P_{XX}^{-1}` is a pseudo-inverse where the filter knows a source direction exactly.
    A hidden mode that neither decays nor shows in the target raises
    :class:`~thermotheory.errors.NotStable`.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, transfer_entropy_rate
    >>> v, r = sp.symbols("v r", real=True)
    >>> round(transfer_entropy_rate(LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), v, r), 12)
    0.207106781187
    """
    form = check_form(form)
    X = model.indices(source)
    ops, H, Y, P, A, D = _riccati(model, target, source)
    if set(X) & set(Y):
        raise ModelError("the source and target must be disjoint")
    pos = [H.index(i) for i in X]
    A_YH = ops.block(A, Y, H)
    D_YY = ops.block(D, Y, Y)
    dP = None
    if sorted(pos) == list(range(len(H))):
        dP = P  # the source is every hidden variable: knowing it leaves no error
    else:
        P_HX = ops.block(P, range(len(H)), pos)
        P_XX = ops.block(P, pos, pos)
        if ops is not NumOps:
            dP = P_HX * ops.inv(P_XX) * P_HX.T
    if ops is NumOps:
        if dP is not P:
            # P_XX is singular where the filter knows a source direction exactly (a noiseless
            # mode): P_HX vanishes there too, and the pseudo-inverse is the Gaussian conditioning.
            w, U = np.linalg.eigh((P_XX + P_XX.T) / 2)
            keep = w > 1e-12 * max(float(np.max(np.abs(P), initial=0.0)), 1e-300)
            G = P_HX @ U[:, keep]
            dP = G @ (G.T / w[keep, None])
        try:
            return float(np.trace(np.linalg.solve(D_YY, A_YH @ dP @ A_YH.T)) / 4)
        except np.linalg.LinAlgError as exc:
            raise ModelError(f"the transfer entropy rate could not be computed ({exc})") from None
    return apply_form(ops.finish((ops.inv(D_YY) * A_YH * dP * A_YH.T).trace() / 4), form)
