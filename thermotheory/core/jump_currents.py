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

from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, TooLarge
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
            num = K.current_numerator(i, j)
            if num and dij != 0:
                total += K.expr(num) * dij
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
    return sp.factor(num.as_expr() / den.as_expr()) if n <= 3 else num.as_expr() / den.as_expr()


def current_scgf(model: Any, current: Any, s: Any) -> Any:
    r"""Scaled cumulant generating function :math:`\lambda(s)`: the largest eigenvalue of the tilted generator.

    Symbolic for two-state networks
    (:math:`\lambda = [\operatorname{tr} L_s + \sqrt{(\operatorname{tr} L_s)^2 - 4 \det L_s}]/2`); numeric
    otherwise.

    Raises
    ------
    TooLarge
        For a symbolic model (or ``s``) of more than two states: no closed form in general.

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
        if model.n <= 600:
            return float(np.linalg.eigvals(forms._dense_generator(model, tilted)).real.max())
        from scipy.sparse.linalg import eigs

        L = forms._sparse_generator(model, tilted)
        return float(eigs(L, k=1, which="LR", return_eigenvectors=False).real.max())
    if model.n > 2:
        raise TooLarge(f"current_scgf: the largest eigenvalue of a symbolic {model.n}-state tilted generator has no "
                       f"closed form in general (a root of a polynomial of degree {model.n}; given for two states); "
                       "substitute numbers (model.numeric(values), a float s)")
    Ls = tilted_generator(model, current, s_val)
    tr, det = Ls.trace(), Ls.det()
    return sp.simplify((tr + sp.sqrt(tr**2 - 4 * det)) / 2)


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
