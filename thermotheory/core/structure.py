"""Structure of a drift matrix: irreducible blocks and Routh–Hurwitz stability.

A variable ``i`` *depends on* ``j`` when ``A[i, j] != 0``. The strongly connected
components of this dependency graph are the irreducible diagonal blocks of ``A``
after a permutation that makes it block lower triangular; :func:`blocks` returns them
with every block after the blocks it depends on. Structured solves (Lyapunov,
Routh–Hurwitz) then work block by block.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import budget

__all__ = ["blocks", "routh_hurwitz", "hurwitz_conditions", "numeric_stability", "stability_tolerance"]


def blocks(A: sp.MatrixBase) -> list[list[int]]:
    """Irreducible blocks of ``A``, each listed after the blocks it depends on.

    Examples
    --------
    >>> import sympy as sp
    >>> blocks(sp.Matrix([[-1, 0, 0], [1, -1, 1], [0, 1, -1]]))
    [[0], [1, 2]]
    """
    n = A.shape[0]
    succ = [[j for j in range(n) if j != i and A[i, j] != 0] for i in range(n)]
    # Tarjan's algorithm, iterative; it emits a component after all components it reaches.
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, pos = work.pop()
            if pos == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for k in range(pos, len(succ[node])):
                nxt = succ[node][k]
                if nxt not in index:
                    work.append((node, k + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def hurwitz_conditions(block: sp.MatrixBase) -> list[sp.Expr]:
    """Expressions that must all be positive for ``block`` to be Hurwitz (Routh–Hurwitz).

    For the characteristic polynomial ``s^n + a_1 s^{n-1} + ... + a_n`` these are the
    leading principal minors of the Hurwitz matrix, together with ``a_n``.

    Examples
    --------
    >>> import sympy as sp
    >>> k, g = sp.symbols("k gamma", positive=True)
    >>> hurwitz_conditions(sp.Matrix([[0, 1], [-k, -g]]))
    [gamma, gamma*k]
    """
    n = block.shape[0]
    if n == 1:
        return [budget.factor(-block[0, 0])]
    coeffs = block.charpoly().all_coeffs()  # leading coefficient 1
    a = [sp.expand(c) for c in coeffs]

    def coef(k: int) -> sp.Expr:
        return a[k] if 0 <= k <= n else sp.Integer(0)

    H = sp.Matrix(n, n, lambda i, j: coef(2 * j - i + 1))
    return [budget.factor(H[:k, :k].det(method="berkowitz")) for k in range(1, n + 1)]


def _sign(expr: sp.Expr) -> bool | None:
    """True if provably positive, False if provably not positive, None if undecided."""
    for form in (expr, budget.factor(expr), sp.simplify(expr)):
        if form.is_positive:
            return True
        if form.is_nonpositive:
            return False
    return None


def routh_hurwitz(A: sp.MatrixBase, max_block: int = 4) -> tuple[bool | None, list[sp.Expr]]:
    """Decide whether ``A`` is Hurwitz from the Routh–Hurwitz conditions of its blocks.

    Returns
    -------
    (verdict, undecided)
        ``verdict`` is True, False or None; ``undecided`` lists the conditions
        (expressions that must be positive) that could not be decided.

    Examples
    --------
    >>> import sympy as sp
    >>> k = sp.Symbol("k", real=True)
    >>> routh_hurwitz(sp.Matrix([[-1, 0], [1, k]]))
    (None, [-k])
    """
    undecided: list[sp.Expr] = []
    for blk in blocks(A):
        if len(blk) > max_block:
            undecided.append(sp.Symbol(f"<block of {len(blk)} variables>"))
            continue
        for cond in hurwitz_conditions(A.extract(blk, blk)):
            verdict = _sign(cond)
            if verdict is False:
                return False, [cond]
            if verdict is None:
                undecided.append(cond)
    return (None if undecided else True), undecided


def stability_tolerance(A: np.ndarray) -> float:
    """Round-off scale of the eigenvalues of ``A``: real parts within it are indistinguishable from 0.

    Never below the smallest normal float: a subnormal rate (``-2e-320``) is no rate at all,
    and dividing by it overflows without any floating-point error being raised.
    """
    n = A.shape[0]
    tiny = np.finfo(float).tiny
    return max(64.0 * n * np.finfo(float).eps * max(float(np.linalg.norm(A, 2)), tiny), tiny)


def numeric_stability(A: np.ndarray) -> tuple[bool, complex, float]:
    """Whether a float drift matrix is Hurwitz beyond round-off.

    Returns ``(stable, worst, tol)``: ``worst`` is the eigenvalue with the largest real
    part and ``tol`` the round-off scale. A real part within ``tol`` of zero (a graph
    Laplacian's conserved mode computed as ``-1e-17``) counts as not stable: there is no
    stationary state to speak of.
    """
    ev = np.linalg.eigvals(A)
    worst = complex(ev[np.argmax(ev.real)])
    tol = stability_tolerance(A)
    return bool(worst.real < -tol), worst, tol
