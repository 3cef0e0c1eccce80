r"""The matrix exponential ``exp(A t)`` of a symbolic drift, and transient expressions collected by function of ``t``.

Block by block along the irreducible blocks of ``A`` (:func:`expm_symbolic`): closed forms
for coupled blocks of one to three variables, Parlett's recurrence below the diagonal.
Transient results are sums of exponentials (and ``cosh``, ``sinh``, powers) of ``t`` whose
coefficients are cancelled one by one (:func:`collect_matrix`).
"""

from __future__ import annotations

import sympy as sp

from ..errors import TooLarge
from . import budget, structure
from .budget import NUMERIC_PATH
from ._backend import SymOps, _fraction_free_det, tidy

__all__ = ["expm_symbolic", "collect_matrix"]


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
            f"in a {n}-variable drift is not attempted; {NUMERIC_PATH}"
        )
    perm = [i for b in order for i in b]
    T = A.extract(perm, perm)
    try:
        F = _triangular_expm(T, t) if biggest == 1 else _parlett(T, [len(b) for b in order], t)
    except _SharedRate:
        if biggest > 1:
            raise TooLarge(
                f"a symbolic matrix exponential of a {n}-variable drift whose coupled blocks share a rate is not "
                f"attempted; {NUMERIC_PATH}"
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
            f"{budget.MAX_TERMS}); {NUMERIC_PATH}"
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
                f"factor into distinct linear and quadratic factors (Cardano's roots) is not attempted; {NUMERIC_PATH}"
            )
        c = fp.all_coeffs()
        if fp.degree() == 1:
            lam.append(tidy(-c[1] / c[0]))
        else:
            mu = sp.cancel(-c[1] / (2 * c[0]))
            root = sp.sqrt(budget.factor(sp.cancel(mu**2 - c[2] / c[0])))
            lam += [mu + root, mu - root]
    if len(lam) != 3 or any(sp.cancel(a - b) == 0 for i, a in enumerate(lam) for b in lam[i + 1:]):
        raise TooLarge(f"a symbolic 3x3 block with a repeated eigenvalue is not attempted; {NUMERIC_PATH}")
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
            raise TooLarge(f"a symbolic matrix exponential that is not a sum of exponentials in t; {NUMERIC_PATH}")
        key = sp.powsimp(dep.xreplace(back))
        if isinstance(key, sp.exp):
            key = sp.exp(sp.expand(key.args[0]))
        groups.setdefault(key, []).append(coeff)
    return groups


def collect_matrix(M: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    """Each entry of a transient matrix as a combination of functions of ``t`` (see :func:`_collect_time`).

    Small entries are tidied whole (the shape the closed forms had before), larger ones
    keep one cancelled coefficient per function of ``t``.

    Examples
    --------
    >>> import sympy as sp
    >>> a, t = sp.symbols("a t", positive=True)
    >>> collect_matrix(sp.Matrix([[sp.exp(-a * t) * (a + a**2) / a]]), t)
    Matrix([[(a + 1)*exp(-a*t)]])
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
