r"""Statistics of a counting current of a Markov jump process, from its tilted generator.

A :class:`~thermotheory.core.jump.JumpCurrent` adds ``d_ij`` at each jump ``i -> j``. Its
scaled cumulant generating function :math:`\lambda(s) = \lim_t t^{-1} \ln \langle e^{s J_t}\rangle`
is the largest eigenvalue of the tilted generator :math:`L_s[j, i] = w_{ij} e^{s d_{ij}}`
(:math:`i \ne j`, the diagonal unchanged). Its derivatives at ``s = 0`` are the mean rate
:math:`\lambda'(0) = \sum_{i \to j} p_i w_{ij} d_{ij}` and the variance rate (twice the
diffusion coefficient)

.. math:: \lambda''(0) = \sum_{i \to j} p_i w_{ij} d_{ij}^2 + 2 \sum_{i \to j} w_{ij} d_{ij} r_i,
          \qquad L r = \lambda'(0)\, p - L_1 p,\quad \textstyle\sum_i r_i = 0

(second-order perturbation of the Perron eigenvalue, :math:`L_1[j, i] = w_{ij} d_{ij}`).
Numeric models: sparse solves and eigenvalues; symbolic ones: the mean rate from the
spanning-tree sums, the variance rate by an exact solve in the rates' fraction field (up to
:data:`MAX_SYMBOLIC_VARIANCE_STATES` states) and the SCGF of a two-state network in closed form.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, TooLarge
from . import budget
from .checks import check_value
from . import jump_forms as forms

__all__ = ["current_mean_rate", "current_variance_rate", "current_scgf", "uncertainty_ratio", "tilted_generator",
           "MAX_SYMBOLIC_VARIANCE_STATES"]

#: Most states of a symbolic model whose variance rate is solved exactly.
MAX_SYMBOLIC_VARIANCE_STATES = 6


def _check_current(model: Any, current: Any, what: str) -> dict:
    forms._check_model(model, what)
    if type(current).__name__ != "JumpCurrent" or not hasattr(current, "_resolved"):
        raise ModelError(f"{what}: expected a JumpCurrent (thermotheory.JumpCurrent) for a Markov jump process but "
                         f"found {type(current).__name__}")
    return current._resolved(model)


def tilted_generator(model: Any, current: Any, s: Any) -> sp.Matrix:
    r"""The tilted generator :math:`L_s`: ``L_s[j, i] = w_ij exp(s d_ij)`` off the diagonal, ``L[i, i]`` on it.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
    >>> a, b, s = sp.symbols("a b s", positive=True)
    >>> tilted_generator(MarkovJumpProcess({(0, 1): a, (1, 0): b}), JumpCurrent({(0, 1): 1}), s)
    Matrix([
    [       -a, b*exp(-s)],
    [a*exp(s),        -b]])
    """
    d = _check_current(model, current, "tilted_generator")
    s = sp.sympify(s)
    L = model.generator()
    for i, j in model.edges:
        L[j, i] = model.rate(i, j) * sp.exp(s * d.get((i, j), 0))
    return L


def _weights(model: Any, d: dict) -> np.ndarray:
    return np.array([float(d.get(e, 0)) for e in model.edges], dtype=float)


def current_mean_rate(model: Any, current: Any, form: str | None = None) -> Any:
    r"""Stationary mean rate :math:`\bar J = \sum_{i \to j} p_i w_{ij} d_{ij}` of a counting current.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
    >>> k, q = sp.symbols("k q", positive=True)
    >>> ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    >>> sp.simplify(current_mean_rate(ring, JumpCurrent({(0, 1): 1})) - (k - q) / 3)
    0
    """
    d = _check_current(model, current, "current_mean_rate")
    if model.is_numeric and current.is_numeric:
        return forms._mean_rate(model, _weights(model, d))
    if model.is_numeric:
        p = forms._numeric_p(model)
        return sp.Add(*[sp.Float(p[i]) * model.rate(i, j) * d.get((i, j), 0) for i, j in model.edges])
    K = forms._kinetic(model)
    N = forms._Names(model, K, forms._structured(K, form))
    Z = N.total()
    total = sp.Integer(0)
    done = set()
    for i, j in model.edges:
        if (min(i, j), max(i, j)) in done:
            continue
        done.add((min(i, j), max(i, j)))
        dij, dji = sp.sympify(d.get((i, j), 0)), sp.sympify(d.get((j, i), 0))
        if (j, i) in model._rates and sp.expand(dij + dji) == 0:  # antisymmetric: the net current
            if dij != 0 and K.current_numerator(i, j):
                total += N.current(i, j) * dij
        else:
            total += N.Z(i) * model.rate(i, j) * dij
            if (j, i) in model._rates:
                total += N.Z(j) * model.rate(j, i) * dji
    return N.result(total / Z)


def _numeric_variance(model: Any, d: dict) -> float:
    n = model.n
    p = forms._numeric_p(model)
    if model.cache.get("solve_digits", 0.0) >= forms.PRECISE_DIGITS:  # a stiff network: the float solve loses digits
        return _precise_variance(model, d)
    src, dst, w = model.edge_arrays()
    dd = _weights(model, d)
    f = p[src] * w
    J = float((f * dd).sum())
    rhs = J * p - np.bincount(dst, weights=f * dd, minlength=n)
    rhs[0] = 0.0
    r = forms._bordered_solve(model, rhs)
    return float((f * dd**2).sum() + 2 * (w * dd * r[src]).sum())


def _precise_variance(model: Any, d: dict) -> float:
    """The variance rate of a small stiff network in extended precision: two mpmath solves that must agree."""
    import mpmath as mp

    from ..errors import IllConditioned

    n = model.n
    E = forms._edges(model)
    values = []
    for dps in (forms.PRECISE_DPS + 20, forms.PRECISE_DPS + 40):
        S = forms._precise_state(model, dps)
        with mp.workdps(dps):
            dd = [mp.mpf(float(d.get(e, 0))) for e in model.edges]
            J = mp.fsum(f * x for f, x in zip(S.f, dd))
            A = mp.zeros(n, n)
            rhs = mp.matrix([J * x for x in S.p])
            for k, (i, j) in enumerate(model.edges):
                A[j, i] += S.w[k]
                A[i, i] -= S.w[k]
                rhs[j] -= S.f[k] * dd[k]
            for i in range(n):
                A[0, i] = mp.mpf(1)
            rhs[0] = mp.mpf(0)
            r = mp.lu_solve(A, rhs)
            values.append(mp.fsum(f * x**2 for f, x in zip(S.f, dd))
                          + 2 * mp.fsum(S.w[k] * dd[k] * r[int(E.src[k])] for k in range(len(dd))))
    with mp.workdps(forms.PRECISE_DPS + 40):
        a, b = values
        if abs(a - b) > abs(b) * mp.mpf(10) ** -20:
            raise IllConditioned("current_variance_rate: the variance rate cannot be solved even in "
                                 f"{forms.PRECISE_DPS + 40}-digit arithmetic (two precisions disagree); the network is "
                                 "too ill-conditioned")
        return float(b)


def current_variance_rate(model: Any, current: Any, form: str | None = None) -> Any:
    r"""Variance rate :math:`\lim_t \mathrm{Var}(J_t)/t = \lambda''(0)` (twice the diffusion coefficient).

    Raises
    ------
    TooLarge
        For a symbolic model of more than :data:`MAX_SYMBOLIC_VARIANCE_STATES` states.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
    >>> a, b = sp.symbols("a b", positive=True)
    >>> v = current_variance_rate(MarkovJumpProcess({(0, 1): a, (1, 0): b}), JumpCurrent({(0, 1): 1, (1, 0): 1}))
    >>> sp.factor(v)
    4*a*b*(a**2 + b**2)/(a + b)**3
    """
    d = _check_current(model, current, "current_variance_rate")
    if model.is_numeric and current.is_numeric:
        return _numeric_variance(model, d)
    n = model.n
    if n > MAX_SYMBOLIC_VARIANCE_STATES:
        raise TooLarge(f"current_variance_rate: the exact solve is given for symbolic models of at most "
                       f"{MAX_SYMBOLIC_VARIANCE_STATES} states (this one has {n}); substitute numbers "
                       "(model.numeric(values))")
    return _symbolic_variance(model, d)


def _symbolic_variance(model: Any, d: dict) -> sp.Expr:
    r"""The variance rate from the characteristic polynomial :math:`P(\lambda, s) = \det(\lambda - L_s)` (Koza 1999).

    With :math:`P = \sum_k C_k(s) \lambda^k` and :math:`C_0(0) = 0`, implicit differentiation of
    :math:`P(\lambda(s), s) = 0` gives :math:`\lambda' = -C_0'/C_1` and
    :math:`\lambda'' = -(C_0'' + 2 C_1' \lambda' + 2 C_2 \lambda'^2)/C_1`; the determinant is
    expanded exactly in the rates' polynomial ring, with :math:`e^{s d}` to second order in ``s``.
    """
    from sympy.polys.domains import QQ, RR
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.polyutils import parallel_dict_from_expr
    from sympy.polys.rings import ring as make_ring

    forms.check_ergodic(model)
    n = model.n
    edges = model.edges
    exprs = [model.rate(i, j) for i, j in edges] + [sp.sympify(d.get(e, 0)) for e in edges]
    dicts, gens = parallel_dict_from_expr(exprs)
    s_, lam_ = sp.Dummy("s"), sp.Dummy("lambda")
    gens = tuple(gens) + (s_, lam_)
    coeffs = [c for dd in dicts for c in dd.values()]
    domain = RR if any(getattr(c, "is_Float", False) for c in coeffs) else QQ
    R, *g = make_ring(gens, domain)
    S, LAM = g[-2], g[-1]

    def elem(dd):
        return R.from_dict({m + (0, 0): domain.convert(c) for m, c in dd.items()}) if dd else R.zero

    m = len(edges)
    M = [[R.zero] * n for _ in range(n)]
    for k, (i, j) in enumerate(edges):
        w, dk = elem(dicts[k]), elem(dicts[m + k])
        M[j][i] -= w * (1 + S * dk + S**2 * dk**2 / 2)
        M[i][i] += w
    for i in range(n):
        M[i][i] += LAM
    P = DomainMatrix(M, (n, n), R.to_domain()).det()
    parts: dict[tuple[int, int], Any] = {}
    for mono, c in P.items():
        key = (mono[-2], mono[-1])  # powers of s and lambda
        if key in ((1, 0), (2, 0), (0, 1), (1, 1), (0, 2)):
            parts[key] = parts.get(key, R.zero) + R({mono[:-2] + (0, 0): c})
    C0s, C0ss = parts.get((1, 0), R.zero), 2 * parts.get((2, 0), R.zero)
    C1, C1s, C2 = parts.get((0, 1), R.zero), parts.get((1, 1), R.zero), parts.get((0, 2), R.zero)
    num = -(C0ss * C1**2 - 2 * C1s * C0s * C1 + 2 * C2 * C0s**2)
    den = C1**3
    num, den = num.cancel(den)
    return budget.factor(num.as_expr() / den.as_expr()) if n <= 3 else num.as_expr() / den.as_expr()


def current_scgf(model: Any, current: Any, s: Any) -> Any:
    r"""Scaled cumulant generating function :math:`\lambda(s)`: the largest eigenvalue of the tilted generator.

    Symbolic for two-state networks
    (:math:`\lambda = [\operatorname{tr} L_s + \sqrt{(\operatorname{tr} L_s)^2 - 4 \det L_s}]/2`); numeric
    otherwise. A float eigenvalue is right to about ``1e-16`` times the rates, so near ``s = 0``
    (where :math:`\lambda(s) \approx s \bar J` vanishes: exactly 0 at ``s = 0``), near stall or for
    stiff rates it loses digits: a network of at most
    :data:`~thermotheory.core.jump_forms.MAX_PRECISE_STATES` states is then solved again in
    extended precision (Newton's method on the Perron eigenpair, mpmath); a larger one warns
    (:class:`~thermotheory.errors.ConditioningWarning`) past 8 digits lost and refuses past 13.

    Raises
    ------
    TooLarge
        For a symbolic model (or ``s``) of more than two states: no closed form in general.
    IllConditioned
        For a network of more than ``MAX_PRECISE_STATES`` states whose eigenvalue loses 13 digits
        or more (a small ``|s|``: use :func:`current_mean_rate` and :func:`current_variance_rate`).

    Examples
    --------
    >>> from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0})
    >>> round(current_scgf(m, JumpCurrent({(0, 1): 1, (1, 0): 1}), 0.0), 12)
    0.0
    """
    d = _check_current(model, current, "current_scgf")
    s_val = check_value(s, what="s")
    forms.check_ergodic(model)
    if model.is_numeric and current.is_numeric and s_val.is_number:
        sv = float(s_val)
        _, _, w = model.edge_arrays()
        with np.errstate(over="ignore"):
            tilted = w * np.exp(sv * _weights(model, d))
        if not np.all(np.isfinite(tilted)):
            raise ModelError(f"current_scgf: exp(s d) overflows at s = {sv:g}; use a smaller |s|")
        if sv == 0 or not np.any(_weights(model, d)):
            return 0.0  # L_0 = L: the Perron eigenvalue of an ergodic generator is 0, exactly
        if model.n <= 600:
            value = float(np.linalg.eigvals(forms._dense_generator(model, tilted)).real.max())
        else:
            from scipy.sparse.linalg import eigs

            L = forms._sparse_generator(model, tilted)
            value = float(eigs(L, k=1, which="LR", return_eigenvectors=False).real.max())
        return _checked_scgf(model, d, sv, tilted, value)
    if model.n > 2:
        raise TooLarge(f"current_scgf: the largest eigenvalue of a symbolic {model.n}-state tilted generator has no "
                       f"closed form in general (a root of a polynomial of degree {model.n}; given for two states); "
                       "substitute numbers (model.numeric(values), a float s)")
    Ls = tilted_generator(model, current, s_val)
    tr, det = Ls.trace(), Ls.det()
    return sp.simplify((tr + sp.sqrt(tr**2 - 4 * det)) / 2)


_SCGF_REASON = ("the eigenvalue is small against the rates, near s = 0 (where it vanishes), near stall or for stiff "
                "rates; its error is about 1e-16 times the largest rate")


def _checked_scgf(model: Any, d: dict, s: float, tilted: np.ndarray, value: float) -> float:
    r"""The float SCGF ``value``, its digits lost checked (:func:`thermotheory.core.jump_forms._checked`).

    A float eigenvalue solver leaves an absolute error of about ``eps`` times the tilted generator's
    norm (twice the largest exit rate and the largest tilted rate): near ``s = 0``, where
    :math:`\lambda(s) \approx s \bar J` vanishes, or near stall, the relative error is large. A
    network of at most ``MAX_PRECISE_STATES`` states is then solved again in extended precision
    (:func:`_precise_scgf`); a larger one warns or refuses.
    """
    src, _, w = model.edge_arrays()
    out = np.bincount(src, weights=w, minlength=model.n)
    norm = float(out.max()) + float(np.bincount(src, weights=tilted, minlength=model.n).max())
    error = forms._EPS * norm
    return forms._checked(model, "current_scgf", value, error, lambda: _precise_scgf(model, d, s, tilted),
                          subject="scaled cumulant generating function", reason=_SCGF_REASON,
                          advice="a larger |s| (current_mean_rate and current_variance_rate give the slope and "
                                 "curvature at s = 0)")


def _precise_scgf(model: Any, d: dict, s: float, tilted: np.ndarray) -> float:
    r"""The Perron eigenvalue of the tilted generator in extended precision: Newton's method from the float eigenpair.

    The unknowns :math:`(x, \lambda)` solve :math:`L_s x = \lambda x`, :math:`\sum_i x_i = 1`
    (Jacobian :math:`[[L_s - \lambda, -x], [\mathbf 1^T, 0]]`, an mpmath LU solve per step), with
    the rates read exactly and :math:`e^{s d}` evaluated at the working precision: ``PRECISE_DPS``
    digits plus those the eigenvalue cancels (the log of the norm over :math:`|\lambda|`). The
    float eigenpair is already right to about 16 digits, so Newton's quadratic convergence stops
    after two or three steps, when a step is below ``1e-20`` (relative: the next one would be
    below the working precision) or at the working precision's floor. The Perron vector is
    positive on the closed class and zero on the transient states (nothing flows back to them).
    """
    import mpmath as mp

    from ..errors import IllConditioned

    n = model.n
    src, dst, w = model.edge_arrays()
    dd = _weights(model, d)
    ev, vec = np.linalg.eig(forms._dense_generator(model, tilted))
    k = int(np.argmax(ev.real))
    lam0 = float(ev[k].real)
    closed = forms._closed_states(model)
    x0 = np.zeros(n)
    x0[closed] = np.abs(vec[closed, k].real)
    x0 = x0 / x0.sum()
    norm = 2 * float(np.bincount(src, weights=np.maximum(w, tilted), minlength=n).max())
    cancel = max(0.0, math.log10(norm / abs(lam0))) if lam0 else 16.0
    dps = min(forms.PRECISE_DPS + int(math.ceil(cancel)), forms.MAX_PRECISE_DPS)
    with mp.workdps(dps):
        L = mp.zeros(n, n)
        for a, b, x, y in zip(src.tolist(), dst.tolist(), w.tolist(), dd.tolist()):
            r = mp.mpf(x)
            L[b, a] += r * mp.exp(mp.mpf(s) * mp.mpf(y))
            L[a, a] -= r
        lam, x = mp.mpf(lam0), [mp.mpf(float(v)) for v in x0]
        floor = mp.mpf(10) ** (-dps + 5)
        quad = mp.mpf(10) ** -20
        LU, last = None, None
        for _ in range(50):
            if LU is None:  # the Jacobian, factored once and kept while the steps shrink fast (the chord method)
                J = mp.zeros(n + 1, n + 1)
                for i in range(n):
                    for j in range(n):
                        J[i, j] = L[i, j]
                    J[i, i] -= lam
                    J[i, n] = -x[i]
                    J[n, i] = mp.mpf(1)
                LU = mp.mp.LU_decomp(J)
            F = mp.zeros(n + 1, 1)
            for i in range(n):
                F[i] = -(mp.fdot([L[i, j] for j in range(n)], x) - lam * x[i])
            F[n] = -(mp.fsum(x) - 1)
            step = mp.mp.U_solve(LU[0], mp.mp.L_solve(LU[0], F, LU[1]))
            x = [x[i] + step[i] for i in range(n)]
            lam += step[n]
            dx = max(abs(step[i]) for i in range(n))
            dlam = abs(step[n])
            if (dlam <= quad * abs(lam) and dx <= quad) or (dlam <= floor * norm and dx <= floor):
                break
            size = max(dx, dlam / norm)
            if last is not None and size > last * mp.mpf(10) ** -8:
                LU = None  # slow: a Newton step from here
            last = size
        else:
            lam = None
        if lam is None or min(x[c] for c in closed) <= 0:
            raise IllConditioned("current_scgf: Newton's method in extended precision did not converge to the "
                                 "Perron eigenvalue of the tilted generator; the network is too ill-conditioned")
        return float(lam)


def uncertainty_ratio(model: Any, current: Any, entropy_rate: Any = None) -> Any:
    r"""Thermodynamic uncertainty ratio :math:`\mathcal Q = \lambda''(0)\, \sigma / (2 \bar J^2)`, at least 1.

    ``entropy_rate`` replaces the model's entropy production rate :math:`\sigma`.

    Raises
    ------
    ModelError
        When the mean rate is zero (the ratio is undefined).

    Examples
    --------
    >>> from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
    >>> ring = MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> uncertainty_ratio(ring, JumpCurrent({(0, 1): 1})) >= 1
    True
    """
    mean = current_mean_rate(model, current)
    var = current_variance_rate(model, current)
    sigma = forms.entropy_production_rate(model) if entropy_rate is None else check_value(entropy_rate,
                                                                                          what="entropy_rate")
    if isinstance(mean, float) and not getattr(sigma, "free_symbols", None):
        if mean == 0:
            raise ModelError("uncertainty_ratio: the current's mean rate is zero, so the ratio is undefined")
        return float(var * float(sigma) / (2 * mean**2))
    mexpr = mean.rational() if hasattr(mean, "rational") else mean
    if sp.simplify(mexpr) == 0:
        raise ModelError("uncertainty_ratio: the current's mean rate is zero, so the ratio is undefined")
    sexpr = sigma.rational() if hasattr(sigma, "rational") else sigma
    return var * sexpr / (2 * mexpr**2)
