r"""Stationary closed forms of a Markov jump process: distribution, currents, entropy production, information.

The stationary distribution comes from the matrix-tree theorem: the weight of state ``i`` is
the sum, over the spanning trees of the network directed towards ``i``, of the product of
their rates (Hill, Schnakenberg), :math:`p_i = Z_i / Z` with :math:`Z = \sum_i Z_i`. Symbolic
models get these sums exactly, as polynomials in the rates (enumerated with networkx's spanning
trees, multiplied in sympy's sparse polynomial ring, so that the net currents
:math:`J_{ij} = (Z_i w_{ij} - Z_j w_{ji}) / Z` cancel to their short numerators); past
:data:`PLAIN_TERMS` tree products the results are :class:`~thermotheory.core.closedform.ClosedForm`\ s
with the :math:`Z_i` as named definitions, and past :data:`MAX_TREE_TERMS` a
:class:`~thermotheory.errors.TooLarge` is raised at once. Numeric models are solved with
``scipy.sparse`` (ten thousand states in tens of milliseconds).

Conditioning (issue #25). Near stall or equilibrium a numeric current is a small difference of
large one-way fluxes :math:`p_i w_{ij} - p_j w_{ji}`, and a stiff network's float solve leaves
its small :math:`p_i` with few correct digits. Each numeric stationary quantity (currents,
entropy production, heat and reservoir flows, information flow, mean rates, and what derives
from them: efficiencies) estimates the digits it lost: the relative error of each :math:`p_i`
(measured against the subtraction-free GTH elimination for small networks, estimated from the
solve's residual and the spread of :math:`p` for large ones) carried through the sum, over the
size of the result. Below :data:`PRECISE_DIGITS` the float result is returned as it was; a
network of at most :data:`MAX_PRECISE_STATES` states is otherwise solved again in extended
precision (mpmath, GTH, the floats read exactly, the precision raised until the quantity keeps
25 digits), so its result is right to the last digit; a larger network warns
(:class:`~thermotheory.errors.ConditioningWarning`, with the number of digits) past 8 digits lost
and refuses (:class:`~thermotheory.errors.IllConditioned`) past 13, the linear engine's
thresholds. A pair of states whose removal disconnects the network carries no net current,
exactly.

Conventions: ``k_B = 1``, nats, rates per unit time; the entropy flow of a jump ``i -> j`` is
the model's ``entropy_flow(i, j)`` (local detailed balance ``ln(w_ij / w_ji)`` by default). The
entropy production rate is :math:`\sigma = \sum_{i<j} J_{ij} \ln(p_i w_{ij} / (p_j w_{ji}))`
with the declared flows in place of :math:`\ln(w_{ij}/w_{ji})` (Schnakenberg); the partial rate
of a subsystem ``Y`` of a bipartite model sums the jumps of ``Y`` only (Horowitz & Esposito,
PRX 2014), :math:`\sigma_Y = \Phi_Y - l_Y \ge 0`, with the heat rate :math:`\Phi_Y` (entropy
flow into the medium from the jumps of ``Y``) and the information flow (learning rate)
:math:`l_Y = \sum_{Y\text{-jumps}} J \ln[p(x \mid y') / p(x \mid y)]`, ``x`` the other components:
the rate at which the jumps of ``Y`` increase :math:`I(X; Y)`, as for the linear kind.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..errors import (ConditioningWarning, IllConditioned, InvalidProbability, IrreversibleTransition, ModelError,
                      NotBipartite, NotErgodic, TooLarge)
from .checks import check_value, user_stacklevel
from .closedform import ClosedForm, FamilyName, check_form, latex_of, needed_definitions
from .layout import latex_width
from .lyapunov import REFUSE_DIGITS_LOST, WARN_DIGITS_LOST

__all__ = ["stationary_distribution", "state_probability", "probability_current", "probability_currents",
           "entropy_production_rate", "heat_rate", "information_flow", "efficiency", "entropy", "mutual_information",
           "cycle_decomposition", "closed_classes", "check_ergodic", "kinetic_weights",
           "PLAIN_TERMS", "MAX_TREE_TERMS", "PRECISE_DIGITS", "MAX_PRECISE_STATES"]

#: Tree products (over all states) up to which symbolic results are plain expressions; past it, structured.
PLAIN_TERMS = 64
#: Most tree products (spanning trees times states) a symbolic stationary distribution may have.
MAX_TREE_TERMS = 60_000
#: The spanning-tree sum of a state ``i`` (the family of the named ``Z_i`` of a structured result), in LaTeX, with
#: ``{rate}`` the model's rate label (:attr:`~thermotheory.core.jump.MarkovJumpProcess.rate_symbol`).
TREE_SUM = r"\sum_{{T \in \mathcal{{T}}_{{i}}}} \prod_{{(a \to b) \in T}} {rate}_{{a \to b}}"
#: The spanning-tree sums in words (a page's glossary).
TREE_SUM_MEANING = (r"weight of the state $i$ in the stationary state, $p_i = Z_i / Z$ with $Z = \sum_i Z_i$ "
                    r"(matrix-tree theorem): the sum over the spanning trees $T \in \mathcal{{T}}_i$ of the network, "
                    r"each edge directed towards $i$, of the product of the rates ${rate}_{{a \to b}}$ of their jumps")
#: Monomials of a current's cancelled numerator up to which it may be printed (if no wider than the named form).
_SHORT_NUMERATOR = 24
#: Relative residual of a numeric stationary solve beyond which it is refused (IllConditioned).
RESIDUAL_TOLERANCE = 1e-8


def _check_time(t: Any, what: str = "t") -> Any:
    """A duration ``t >= 0``: a float for a number, the sympy expression otherwise (ModelError for anything else)."""
    if isinstance(t, (bool, np.bool_)):
        raise ModelError(f"{what}: expected a duration >= 0 but found {t!r}")
    value = check_value(t, what=what)
    if value.is_negative:
        raise ModelError(f"{what}: expected a duration >= 0 but found {value}")
    return float(value) if value.is_number else value


def _check_model(model: Any, what: str) -> None:
    if getattr(type(model), "kind", None) != "jump":
        from ..errors import NotAModel
        raise NotAModel(f"{what}: expected a MarkovJumpProcess but found {type(model).__name__}")


# -- the graph: closed classes, ergodicity ---------------------------------------------------------------------------
def closed_classes(model: Any) -> list[tuple[int, ...]]:
    """The closed communicating classes of the network (state indices), each a stationary state's support.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> closed_classes(MarkovJumpProcess({(0, 1): 1, (1, 0): 1, (1, 2): 1}))
    [(2,)]
    """
    _check_model(model, "closed_classes")
    if "closed" not in model.cache:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = model.n
        e = np.array(model.edges, dtype=np.int64).reshape(-1, 2)
        G = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n)).tocsr()
        _, label = connected_components(G, directed=True, connection="strong")
        leaves = np.zeros(label.max() + 1, dtype=bool)
        leaves[:] = True
        out = label[e[:, 0]] != label[e[:, 1]]
        leaves[label[e[out, 0]]] = False
        classes = [tuple(int(i) for i in np.flatnonzero(label == c)) for c in np.flatnonzero(leaves)]
        model.cache["closed"] = sorted(classes)
    return list(model.cache["closed"])


def check_ergodic(model: Any) -> None:
    """Refuse a network with several closed classes (several stationary states) with NotErgodic naming them.

    Raises
    ------
    NotErgodic

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> check_ergodic(MarkovJumpProcess({(0, 1): 1, (2, 3): 1}))
    Traceback (most recent call last):
    ...
    thermotheory.errors.NotErgodic: the network has 2 closed classes of states, {1} and {3}, so several stationary states: connect them by transitions (or study each class as a model of its own)
    """
    classes = closed_classes(model)
    if len(classes) > 1:
        S = model.states

        def show(c):
            names = ", ".join(repr(S[i]) for i in c[:6])
            return "{" + names + (", ..." if len(c) > 6 else "") + "}"

        listed = ", ".join(show(c) for c in classes[:5]) + (", ..." if len(classes) > 5 else "")
        listed = " and ".join(listed.rsplit(", ", 1)) if len(classes) <= 5 else listed
        raise NotErgodic(f"the network has {len(classes)} closed classes of states, {listed}, so several "
                         "stationary states: connect them by transitions (or study each class as a model of its own)")


@dataclass
class _Edges:
    """The transitions as arrays, with the index of each one's reverse (-1 where it has none)."""

    src: np.ndarray
    dst: np.ndarray
    rev: np.ndarray


def _edges(model: Any) -> _Edges:
    if "edges_rev" not in model.cache:
        n = model.n
        e = np.array(model.edges, dtype=np.int64).reshape(-1, 2)
        code = e[:, 0] * n + e[:, 1]  # sorted, as edges are
        back = e[:, 1] * n + e[:, 0]
        pos = np.searchsorted(code, back)
        pos = np.minimum(pos, len(code) - 1)
        rev = np.where(code[pos] == back, pos, -1)
        model.cache["edges_rev"] = _Edges(e[:, 0].copy(), e[:, 1].copy(), rev)
    return model.cache["edges_rev"]


def _check_reversible(model: Any, what: str) -> None:
    E = _edges(model)
    bad = np.flatnonzero(E.rev < 0)
    if bad.size:
        S = model.states
        k = bad[0]
        raise IrreversibleTransition(
            f"{what}: the jump {S[E.src[k]]!r} -> {S[E.dst[k]]!r} has no reverse, so the entropy production is "
            f"infinite ({bad.size} such jump{'s' if bad.size > 1 else ''}); add the reverse rates (however small)")


# -- numeric generator, bordered solve, stationary state -----------------------------------------------------------
def _dense_generator(model: Any, weights: np.ndarray | None = None) -> np.ndarray:
    """The generator ``L`` densely: ``L[j, i] = w_ij`` (or ``weights``, per transition) off the diagonal."""
    n = model.n
    src, dst, w = model.edge_arrays()
    L = np.zeros((n, n))
    L[dst, src] = w if weights is None else weights
    L[np.arange(n), np.arange(n)] -= np.bincount(src, weights=w, minlength=n)
    return L


def _sparse_generator(model: Any, weights: np.ndarray | None = None) -> Any:
    """The generator ``L`` as a ``scipy.sparse`` CSR matrix (``weights``, per transition, off the diagonal)."""
    import scipy.sparse as sps

    n = model.n
    src, dst, w = model.edge_arrays()
    out = np.bincount(src, weights=w, minlength=n)
    off = w if weights is None else weights
    return sps.csr_matrix((np.concatenate([off, -out]), (np.concatenate([dst, np.arange(n)]),
                                                         np.concatenate([src, np.arange(n)]))), shape=(n, n))


def _bordered_solve(model: Any, rhs: np.ndarray) -> np.ndarray:
    r"""Solve :math:`(L x)_i = b_i` for the states ``i >= 1`` and :math:`\sum_i x_i = b_0` (numeric, ergodic models).

    The generator's rows are dependent (:math:`\mathbf 1^T L = 0`), so its first row is replaced
    by ones: one copy of the bordered solve behind the stationary distribution, the time integral
    of ``p(t)`` and the variance rate of a current. The rates are scaled by the largest exit
    rate first (the solution does not change); dense below 400 states, ``scipy.sparse`` above.
    """
    from scipy.sparse.linalg import spsolve

    n = model.n
    A, scale = _bordered_matrix(model)
    b = np.array(rhs, dtype=float) / scale
    b[0] = rhs[0]
    return np.linalg.solve(A.toarray(), b) if n <= 400 else spsolve(A, b)


def _bordered_matrix(model: Any) -> tuple[Any, float]:
    """The matrix of :func:`_bordered_solve` (``scipy.sparse`` CSC, rates over ``scale``) and ``scale``."""
    import scipy.sparse as sps

    n = model.n
    src, dst, w = model.edge_arrays()
    out = np.bincount(src, weights=w, minlength=n)
    scale = float(out.max())
    keep = dst != 0
    rows = np.concatenate([dst[keep], np.arange(1, n), np.zeros(n, dtype=np.int64)])
    cols = np.concatenate([src[keep], np.arange(1, n), np.arange(n)])
    vals = np.concatenate([w[keep] / scale, -out[1:] / scale, np.ones(n)])
    return sps.csc_matrix((vals, (rows, cols)), shape=(n, n)), scale


def _numeric_p(model: Any) -> np.ndarray:
    """The stationary distribution of a numeric model (cached), with the relative error of each entry.

    Solved by the bordered float solve; a network of at most :data:`MAX_PRECISE_STATES` states
    whose float solution lost :data:`PRECISE_DIGITS` or more (measured against the
    subtraction-free GTH elimination) or failed its checks is solved again in extended
    precision (:func:`_precise_state`), and the rounded result is used instead. The relative
    error of each entry is kept in ``model.cache["p_error"]`` for the digits-lost estimates.
    """
    if "p" in model.cache:
        return model.cache["p"]
    check_ergodic(model)
    n = model.n
    src, _, w = model.edge_arrays()
    out = np.bincount(src, weights=w, minlength=n)
    b = np.zeros(n)
    b[0] = 1.0
    p = _bordered_solve(model, b)
    r = _sparse_generator(model) @ p
    resid = float(np.abs(r).max()) / max(float(np.abs(out * p).max()), 1e-300)
    small = n <= MAX_PRECISE_STATES
    if not np.all(np.isfinite(p)) or resid > RESIDUAL_TOLERANCE:
        if small:
            model.cache["solve_digits"] = float("inf")
            return _keep_p(model, _precise_p(model), np.full(n, _EPS))
        raise IllConditioned(f"the stationary distribution's linear solve left a relative residual of "
                             f"{resid:.2g}: the rates span too many orders of magnitude for floating point; "
                             "rescale them or use a symbolic model")
    low = float(p.min())
    if low < -1e-9 * float(p.max()):
        if small:
            model.cache["solve_digits"] = float("inf")
            return _keep_p(model, _precise_p(model), np.full(n, _EPS))
        raise IllConditioned(f"the numeric stationary distribution has a negative entry ({low:.2g}): the solve "
                             "lost its digits; rescale the rates")
    p = np.clip(p, 0.0, None)
    p /= p.sum()
    if small:
        err = _p_error_gth(model, p)
        if _digits(float(err.max())) >= PRECISE_DIGITS:
            model.cache["solve_digits"] = _digits(float(err.max()))  # lost by the bordered solve: it is stiff
            return _keep_p(model, _precise_p(model), np.full(n, _EPS))
    else:
        err = _p_error_estimate(model, p, r, out)
    return _keep_p(model, p, err)


def _keep_p(model: Any, p: np.ndarray, err: np.ndarray) -> np.ndarray:
    p.flags.writeable = False
    err.flags.writeable = False
    model.cache["p"] = p
    model.cache["p_error"] = err
    return p


# -- conditioning: digits lost by the numeric stationary quantities, extended precision -------------------------------
#: Digits (of about 16) a numeric stationary quantity may lose before it is recomputed in extended precision
#: (networks of at most :data:`MAX_PRECISE_STATES` states; larger ones warn past ``WARN_DIGITS_LOST`` and refuse
#: past ``REFUSE_DIGITS_LOST``, the thresholds of the linear engine, :mod:`~thermotheory.core.lyapunov`).
PRECISE_DIGITS = 4.0
PRECISE_DIGITS_RATIO = 10.0 ** PRECISE_DIGITS
#: Largest network (states) whose ill-conditioned stationary quantities are recomputed in extended precision.
MAX_PRECISE_STATES = 40
#: Decimal digits of the first extended-precision solve; more where a quantity cancels further.
PRECISE_DPS = 40
#: Most decimal digits an extended-precision solve is given (a quantity cancelling further is zero to that precision).
MAX_PRECISE_DPS = 400
_EPS = float(np.finfo(float).eps)


def _digits(relative_error: float) -> float:
    """Decimal digits lost by a float result with this relative error (0 at the rounding error ``eps``)."""
    if not math.isfinite(relative_error):
        return float("inf")
    return math.log10(max(relative_error / _EPS, 1.0))


def _closed_states(model: Any) -> list[int]:
    return list(closed_classes(model)[0])


def _gth_float(model: Any) -> np.ndarray:
    """The stationary distribution by Grassmann–Taksar–Heyman elimination (float, subtraction-free).

    Each state of the closed class is censored in turn; the exit rates are sums of positive
    terms, never differences, so every entry comes out with a small relative error whatever the
    rates (O'Cinneide 1993). O(n^3): used for small networks only.
    """
    n = model.n
    C = _closed_states(model)
    m = len(C)
    src, dst, w = model.edge_arrays()
    if m <= 16:  # plain Python: faster than numpy's calls on tiny arrays
        pos = {s_: k for k, s_ in enumerate(C)}
        P = [[0.0] * m for _ in range(m)]
        for a, b, x in zip(src.tolist(), dst.tolist(), w.tolist()):
            if a in pos and b in pos:
                P[pos[a]][pos[b]] = x
        x = _gth_lists(P, 1.0, sum)
        total = sum(x)
        p = np.zeros(n)
        p[C] = [v / total for v in x]
        return p
    W = np.zeros((n, n))
    W[src, dst] = w
    P = W[np.ix_(C, C)].copy()
    for k in range(m - 1, 0, -1):
        s_ = P[k, :k].sum()
        P[:k, :k] += np.outer(P[:k, k] / s_, P[k, :k])
    x = np.zeros(m)
    x[0] = 1.0
    for k in range(1, m):
        x[k] = (x[:k] @ P[:k, k]) / P[k, :k].sum()
    p = np.zeros(n)
    p[C] = x / x.sum()
    return p


def _gth_lists(P: list, one: Any, total: Any) -> list:
    """GTH elimination on the rates ``P`` (lists, one closed class; changed in place) in the number type of
    ``one``, summing with ``total`` (``sum``, ``mpmath.fsum``): the unnormalised stationary weights, the first 1."""
    m = len(P)
    for k in range(m - 1, 0, -1):
        rk = P[k]
        exit_rate = total(rk[:k])
        for i in range(k):
            a = P[i][k]
            if a:
                a = a / exit_rate
                row = P[i]
                for j in range(k):
                    if rk[j]:
                        row[j] += a * rk[j]
    x = [one] + [one * 0] * (m - 1)
    for k in range(1, m):
        x[k] = total(x[i] * P[i][k] for i in range(k)) / total(P[k][:k])
    return x


def _p_error_gth(model: Any, p: np.ndarray) -> np.ndarray:
    """The relative error of each entry of the float ``p``: its distance to the GTH solution (at least eps)."""
    q = _gth_float(model)
    live = q > 0
    if live.all():
        return np.maximum(np.abs(p - q) / q, _EPS)
    err = np.full(model.n, _EPS)
    err[live] = np.maximum(np.abs(p[live] - q[live]) / q[live], _EPS)
    err[~live & (p > 0)] = np.inf  # a transient state with weight: cannot be
    return err


def _p_error_estimate(model: Any, p: np.ndarray, r: np.ndarray, out: np.ndarray) -> np.ndarray:
    """An estimate of the relative error of each entry of a large network's float ``p`` (no second solve).

    The bordered solve leaves an absolute error of about ``eps * max(p)`` (so a small entry loses
    ``log10(max p / p_i)`` digits) or more where a state's balance is not met to rounding
    (its residual ``(L p)_i`` against its exit flux).
    """
    err = np.full(model.n, _EPS)
    live = p > 0
    top = float(p.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        src, dst, w = model.edge_arrays()
        inflow = np.bincount(dst, weights=p[src] * w, minlength=model.n)
        balance = np.abs(r) / (out * p + inflow)
    err[live] = np.maximum(_EPS * top / p[live], np.nan_to_num(balance[live], nan=_EPS, posinf=np.inf))
    return err


def _mp_value(x: Any, dps: int) -> Any:
    """A rate or an entropy flow of a numeric model as an mpmath number (floats exactly, sympy numbers to ``dps``)."""
    import mpmath as mp

    if isinstance(x, (int, float, np.integer, np.floating)):
        return mp.mpf(float(x)) if isinstance(x, (float, np.floating)) else mp.mpf(int(x))
    v = sp.sympify(x)
    if v.is_Integer:
        return mp.mpf(int(v))
    return mp.mpf(v.evalf(dps + 10))


class _PreciseState:
    """The stationary state of a numeric model in ``dps``-digit arithmetic (mpmath), by GTH elimination.

    ``p`` (per state), and per transition of ``model.edges``: ``w``, ``f = p_i w_ij``, ``J``
    (the net current ``f_ij - f_ji``, exactly 0 on a bridge) and ``F`` (the entropy flow,
    declared or ``ln(w_ij / w_ji)``; None for a jump without reverse or declared flow). The rates are read exactly (a float is the number it is); GTH subtracts
    nothing, so each ``p_i`` has about ``dps`` correct digits.
    """

    def __init__(self, model: Any, dps: int) -> None:
        import mpmath as mp

        self.dps = dps
        n = model.n
        edges = model.edges
        E = _edges(model)
        C = _closed_states(model)
        pos = {s: k for k, s in enumerate(C)}
        with mp.workdps(dps):
            w = [_mp_value(model._rates[e], dps) for e in edges]
            m = len(C)
            P = [[mp.mpf(0)] * m for _ in range(m)]
            for (i, j), x in zip(edges, w):
                if i in pos and j in pos:
                    P[pos[i]][pos[j]] = x
            x = _gth_lists(P, mp.mpf(1), mp.fsum)
            total = mp.fsum(x)
            p = [mp.mpf(0)] * n
            for s_, k in pos.items():
                p[s_] = x[k] / total
            f = [p[i] * x_ for (i, _), x_ in zip(edges, w)]
            bridge = _bridges(model)
            J = [mp.mpf(0) if bridge[k] else (f[k] - f[E.rev[k]] if E.rev[k] >= 0 else f[k]) for k in range(len(f))]
            F: list = []
            for k, e in enumerate(edges):
                if e in model._flows:
                    F.append(_mp_value(model._flows[e], dps))
                elif E.rev[k] >= 0:
                    F.append(mp.log(w[k] / w[E.rev[k]]))
                else:
                    F.append(None)
        self.p, self.w, self.f, self.F, self.J, self.rev = p, w, f, F, J, E.rev

    def both(self, k: int) -> Any:
        """The one-way fluxes of the transition ``k`` and of its reverse, added."""
        r = self.rev[k]
        return self.f[k] + self.f[r] if r >= 0 else self.f[k]

    def pair(self, k: int, g: Any) -> tuple[Any, Any]:
        """``(term, size)`` of the transition ``k`` in a sum ``sum_e f_e g_e`` with ``g`` antisymmetric: half the net
        current times ``g`` (its reverse gives the other half; the whole for a jump without reverse)."""
        if self.rev[k] < 0:
            return self.f[k] * g, abs(self.f[k] * g)
        return self.J[k] * g / 2, self.both(k) * abs(g) / 2


def _bridges(model: Any) -> np.ndarray:
    """Boolean mask over ``model.edges``: the transitions of pairs whose removal cuts the network in two.

    Such a pair carries no stationary net current (Kirchhoff: nothing flows back), exactly.
    """
    if "bridges" not in model.cache:
        n = model.n
        adj: list[list[int]] = [[] for _ in range(n)]
        for i, j in {(min(i, j), max(i, j)) for i, j in model.edges}:
            adj[i].append(j)
            adj[j].append(i)
        order = [-1] * n  # discovery time
        low = [0] * n
        cut = set()
        clock = 0
        for root in range(n):  # Tarjan's lowlink, iteratively (no recursion limit)
            if order[root] >= 0:
                continue
            order[root] = low[root] = clock
            clock += 1
            stack = [(root, -1, iter(adj[root]))]
            while stack:
                u, parent, it = stack[-1]
                v = next(it, None)
                if v is None:
                    stack.pop()
                    if parent >= 0:
                        low[parent] = min(low[parent], low[u])
                        if low[u] > order[parent]:
                            cut.add((min(u, parent), max(u, parent)))
                elif order[v] < 0:
                    order[v] = low[v] = clock
                    clock += 1
                    stack.append((v, u, iter(adj[v])))
                elif v != parent:
                    low[u] = min(low[u], order[v])
        model.cache["bridges"] = np.array([(min(i, j), max(i, j)) in cut for i, j in model.edges], dtype=bool)
    return model.cache["bridges"]


def _is_bridge(model: Any, k: int) -> bool:
    """Whether the pair of the transition ``k`` is a bridge (see :func:`_bridges`), without finding all the bridges."""
    if "bridges" in model.cache:
        return bool(model.cache["bridges"][k])
    memo = model.cache.setdefault("bridge_of", {})
    i, j = model.edges[k]
    key = (min(i, j), max(i, j))
    if key not in memo:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        e = np.array(model.edges, dtype=np.int64).reshape(-1, 2)
        keep = ~(((e[:, 0] == i) & (e[:, 1] == j)) | ((e[:, 0] == j) & (e[:, 1] == i)))
        G = coo_matrix((np.ones(int(keep.sum())), (e[keep, 0], e[keep, 1])), shape=(model.n, model.n))
        _, label = connected_components(G, directed=False)
        memo[key] = bool(label[i] != label[j])
    return memo[key]


def _detailed_balance(model: Any) -> bool:
    r"""Whether a numeric model is in detailed balance to rounding: every jump has its reverse and every fundamental
    cycle's rate affinity :math:`\sum \ln w_+ - \sum \ln w_-` is zero within the rounding of its terms (a few
    ``eps`` times the sum of their sizes, about ``n eps``: Kolmogorov's criterion, to the resolution of floats).

    Then every stationary net current is exactly zero, and with it every sum of currents times
    flows (the entropy production, a heat rate over jumps closed under reversal).
    """
    if "detailed_balance" not in model.cache:
        E = _edges(model)
        ok = bool((E.rev >= 0).all())
        if ok:
            _, _, w = model.edge_arrays()
            logs = np.log(w)
            pos = _edge_position(model)
            for c in _cycle_basis(model):
                ks = np.array([pos[(u, v)] for u, v in zip(c[:-1], c[1:])], dtype=np.int64)
                up, down = logs[ks], logs[E.rev[ks]]
                scale = float(np.abs(up).sum() + np.abs(down).sum())  # the rounding of the logs: 4 eps of this
                if abs(float(up.sum() - down.sum())) > 4 * _EPS * scale:
                    ok = False
                    break
        model.cache["detailed_balance"] = ok
    return model.cache["detailed_balance"]


def _precise_state(model: Any, dps: int) -> _PreciseState:
    key = ("precise", dps)
    if key not in model.cache:
        model.cache[key] = _PreciseState(model, dps)
    return model.cache[key]


def _precise_p(model: Any) -> np.ndarray:
    import mpmath as mp

    S = _precise_state(model, PRECISE_DPS)
    with mp.workdps(PRECISE_DPS):
        return np.array([float(x) for x in S.p])


def _precise_value(model: Any, terms: Any, state: Any = None) -> float:
    """A stationary quantity ``sum(terms(S))`` in extended precision, the precision raised until it does not cancel.

    ``state(dps)`` gives ``S`` at ``dps`` digits (default: the stationary :class:`_PreciseState`;
    the transient forms pass their own).
    ``terms(S)`` lists the quantity's terms from a :class:`_PreciseState`, each with its size
    (what it cancels from: the one-way fluxes, not the net current). The sum is accepted
    when it keeps 25 digits after cancelling against the sum of the sizes; past
    :data:`MAX_PRECISE_DPS` digits the quantity is zero to that precision and its (tiny) value is
    returned.
    """
    import mpmath as mp

    dps = PRECISE_DPS
    while True:
        S = _precise_state(model, dps) if state is None else state(dps)
        with mp.workdps(dps):
            parts = list(terms(S))
            value = mp.fsum(t for t, _ in parts)
            size = mp.fsum(z for _, z in parts)
            if not value or not size:
                return float(value)
            cancel = float(mp.log10(size / abs(value)))
        if cancel <= dps - 25 or dps >= MAX_PRECISE_DPS:
            return float(value)
        dps = min(max(2 * dps, int(cancel) + 50), MAX_PRECISE_DPS)


def _p_err(model: Any) -> np.ndarray:
    _numeric_p(model)
    return model.cache["p_error"]


def _lost(value: float, error: float) -> float:
    if not math.isfinite(value):
        return float("inf")
    if value == 0:
        return 0.0 if error == 0 else float("inf")
    return _digits(error / abs(value))


def _checked_sum(model: Any, what: str, terms: np.ndarray, errors: np.ndarray, edges: np.ndarray,
                 precise_terms: Any, balanced_zero: bool = False) -> float:
    """``sum(terms)`` (one term per transition ``edges``, each with its absolute error) checked by :func:`_checked`.

    A network too large for extended precision first drops the terms of its bridges (their net
    current is zero: their terms are rounding noise) when the sum has lost digits.
    """
    value = float(terms.sum())
    error = float(errors.sum()) + _EPS * float(np.abs(terms).sum())

    def fallback() -> tuple[float, float]:
        keep = ~_bridges(model)[edges]
        return float(terms[keep].sum()), float(errors[keep].sum()) + _EPS * float(np.abs(terms[keep]).sum())

    return _checked(model, what, value, error, lambda: _precise_value(model, precise_terms), fallback,
                    balanced_zero=balanced_zero)


_STATIONARY_REASON = ("it is a small difference of large one-way fluxes, near stall or equilibrium, or the rates span "
                      "too many orders of magnitude")


def _checked(model: Any, what: str, value: float, error: float, precise: Any, fallback: Any = None,
             subject: str = "stationary value", reason: str = _STATIONARY_REASON, advice: str = "move away from stall",
             balanced_zero: bool = False) -> float:
    """The float ``value`` of a stationary quantity whose absolute error is about ``error``: kept where few digits
    are lost, recomputed in extended precision (``precise()``) for a small network, else warned about or refused.

    ``subject``, ``reason`` and ``advice`` word the messages (the transient forms and the SCGF give their own).
    ``balanced_zero``: the quantity is exactly zero in detailed balance (a sum of net currents times
    anything): a network too large for extended precision in detailed balance
    (:func:`_detailed_balance`) gives 0 instead of a warning or refusal.

    Raises
    ------
    IllConditioned
        For a network past :data:`MAX_PRECISE_STATES` states whose quantity loses ``REFUSE_DIGITS_LOST`` digits.
    """
    lost = _lost(value, error)
    if lost < PRECISE_DIGITS:
        return value
    if model.n <= MAX_PRECISE_STATES:
        return precise()
    if fallback is not None and lost >= WARN_DIGITS_LOST:
        value, error = fallback()
        lost = _lost(value, error)
        if lost < PRECISE_DIGITS:
            return value
    if balanced_zero and lost >= WARN_DIGITS_LOST and _detailed_balance(model):
        return 0.0
    if lost >= REFUSE_DIGITS_LOST:
        shown = "all" if not np.isfinite(lost) or lost >= 16 else f"about {lost:.0f}"
        raise IllConditioned(
            f"{what}: the {subject} is too ill-conditioned for floating point: {shown} of its 16 digits may be "
            f"lost ({reason}); the network has {model.n} states, more than the "
            f"{MAX_PRECISE_STATES} (thermotheory.core.jump_forms.MAX_PRECISE_STATES) solved again in extended "
            f"precision: use a smaller network, a symbolic model, or {advice}")
    if lost >= WARN_DIGITS_LOST:
        warnings.warn(f"{what}: ill-conditioned {subject}: about {lost:.0f} of 16 digits may be lost ({reason}); "
                      "check it with a symbolic model or a smaller network (solved in extended precision)",
                      ConditioningWarning, stacklevel=user_stacklevel())
    return value


# -- symbolic stationary state: spanning-tree sums ------------------------------------------------------------------
class _Kinetic:
    """The spanning-tree sums ``Z_i`` of a symbolic model, as elements of a sparse polynomial ring.

    ``ring`` has the rates' polynomial generators (a symbol, or a non-polynomial part such as
    ``1/tau`` or ``exp(q)``); ``rate[(i, j)]`` is each rate in it; ``Z[i]`` the weight of state
    ``i`` and ``total`` their sum.
    """

    def __init__(self, model: Any) -> None:
        from sympy.polys.polyutils import parallel_dict_from_expr
        from sympy.polys.domains import QQ, RR
        from sympy.polys.rings import ring as make_ring

        check_ergodic(model)
        n = model.n
        edges = model.edges
        exprs = [sp.sympify(model._rates[e]) for e in edges]
        terms = _tree_count(model)
        if terms > MAX_TREE_TERMS:
            raise TooLarge(f"the symbolic stationary distribution has about {terms:,.0f} spanning-tree products "
                           f"(more than {MAX_TREE_TERMS:,}, thermotheory.core.jump_forms.MAX_TREE_TERMS); "
                           "substitute numbers for some rates with model.subs(values), or use model.numeric(values)")
        dicts, gens = parallel_dict_from_expr(exprs)
        gens = tuple(gens)
        coeffs = [c for d in dicts for c in d.values()]
        domain = RR if any(getattr(c, "is_Float", False) for c in coeffs) else QQ
        if not gens:
            gens = (sp.Dummy("one"),)
            dicts = [{(0,): c for _, c in d.items()} for d in dicts]
        R, *_ = make_ring(gens, domain)
        rate = {}
        for e, d in zip(edges, dicts):
            rate[e] = R.from_dict({m: domain.convert(c) for m, c in d.items()})
        self.ring, self.gens, self.rate = R, gens, rate
        self.Z = self._tree_sums(model, rate)
        self.total = sum(self.Z, R.zero)
        self.terms = sum(len(z) for z in self.Z)
        self._expr: dict = {}
        self._numerators: dict = {}

    @staticmethod
    def _tree_sums(model: Any, rate: dict) -> list:
        import networkx as nx

        n = model.n
        R = next(iter(rate.values())).ring
        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_edges_from({(min(i, j), max(i, j)) for i, j in model.edges})
        Z = [R.zero for _ in range(n)]
        closed = set(closed_classes(model)[0])
        trees = nx.SpanningTreeIterator(G) if nx.is_connected(G) else ()
        for T in trees:
            adj: dict[int, list[int]] = {v: [] for v in range(n)}
            for u, v in T.edges():
                adj[u].append(v)
                adj[v].append(u)
            for root in closed:
                # orient the tree towards the root: each other state jumps to its parent
                term = R.one
                stack, seen = [root], {root}
                ok = True
                while stack and ok:
                    u = stack.pop()
                    for v in adj[u]:
                        if v in seen:
                            continue
                        w = rate.get((v, u))
                        if w is None:
                            ok = False
                            break
                        term = term * w
                        seen.add(v)
                        stack.append(v)
                if ok:
                    Z[root] = Z[root] + term
        return Z

    def expr(self, poly: Any, key: Any = None) -> sp.Expr:
        """A ring element as a sympy expression in the rates' parameters (cached under ``key``)."""
        if key is not None and key in self._expr:
            return self._expr[key]
        gens = self.gens
        plain = all(isinstance(g, sp.Symbol) for g in gens)
        to_sympy = poly.ring.domain.to_sympy
        terms = []
        for mono, c in poly.items():
            factors = [g if e == 1 else sp.Pow(g, e) for g, e in zip(gens, mono) if e]
            coeff = to_sympy(c)
            if plain:  # monomials in distinct symbols: already canonical once sorted
                factors.sort(key=sp.default_sort_key)
                if coeff != 1:
                    factors.insert(0, coeff)
                terms.append(sp.Mul._from_args(factors) if len(factors) > 1 else
                             (factors[0] if factors else sp.Integer(1)))
            else:
                terms.append(sp.Mul(coeff, *factors))
        out = sp.Add(*terms)
        if key is not None:
            self._expr[key] = out
        return out

    def current_numerator(self, i: int, j: int) -> Any:
        """``Z_i w_ij - Z_j w_ji`` (the net current ``i -> j`` times ``Z``), cancelled in the ring (cached)."""
        if (i, j) not in self._numerators:
            R = self.ring
            self._numerators[(i, j)] = self.Z[i] * self.rate.get((i, j), R.zero) - self.Z[j] * self.rate.get((j, i),
                                                                                                          R.zero)
        return self._numerators[(i, j)]


def _tree_count(model: Any) -> float:
    """Spanning trees of the undirected network times the states (Kirchhoff's theorem), a bound on the tree products."""
    n = model.n
    Lap = np.zeros((n, n))
    for i, j in {(min(i, j), max(i, j)) for i, j in model.edges}:
        Lap[i, j] = Lap[j, i] = -1
    np.fill_diagonal(Lap, -Lap.sum(axis=1))
    sign, logdet = np.linalg.slogdet(Lap[1:, 1:])
    if sign <= 0:
        return float(n)
    return float(math.exp(min(logdet, 700.0))) * n


def _kinetic(model: Any) -> _Kinetic:
    if "kinetic" not in model.cache:
        model.cache["kinetic"] = _Kinetic(model)
    return model.cache["kinetic"]


class _Names:
    """The named spanning-tree sums of a structured result: ``Z_i`` per state, ``Z`` their sum."""

    def __init__(self, model: Any, K: _Kinetic, structured: bool) -> None:
        self.model, self.K, self.structured = model, K, structured
        taken = {p.name for p in model.parameters}
        self._sym: dict[Any, sp.Symbol] = {}
        self._defs: list[tuple[sp.Symbol, sp.Expr]] = []
        self._latex: dict[sp.Symbol, str] = {}
        self._taken = taken
        # the tree sums' primes: where a parameter is named or printed as a Z_i, every Z_i is primed, so that the
        # page gives the name one meaning and the tree sums stay one family
        printed = {latex_of(p) for p in model.parameters}
        self._primes = ""
        # (a state's label is upright, Z_{\mathrm{a}}: a parameter Z_a still reads as it, and primes the family too)
        italic = [model.state_latex(state, italic=True) for state in model.states]
        while any(f"Z_{i}{self._primes}" in taken or self._Z_tex(i) in printed
                  or f"Z_{{{italic[i]}}}{self._primes}" in printed for i in range(model.n)):
            self._primes += "'"

    def _name(self, key: Any, label: str, tex: str, value: Any, state: str = "") -> sp.Expr:
        if not self.structured:
            return self.K.expr(value, key)
        if key not in self._sym:
            while label in self._taken:
                label += "'"
                tex += "'"
            self._taken.add(label)
            s = sp.Symbol(label, positive=True)
            self._sym[key] = s
            self._defs.append((s, self.K.expr(value, key)))
            if state:  # a spanning-tree sum: one of the family Z_i (a primed name keeps its primes)
                rate = self.model.rate_symbol
                tex = FamilyName(tex, "Z_{i}" + tex[len(f"Z_{{{state}}}"):], "i", state, TREE_SUM.format(rate=rate),
                                 TREE_SUM_MEANING.format(rate=rate))
            self._latex[s] = tex
        return self._sym[key]

    def Z(self, i: int) -> sp.Expr:
        st = self.model.state_latex(self.model.states[i])
        return self._name(("Z", i), f"Z_{i}{self._primes}", self._Z_tex(i), self.K.Z[i], st)

    def _Z_tex(self, i: int) -> str:
        """The LaTeX :meth:`Z` gives the tree sum of state ``i`` (without naming it)."""
        return f"Z_{{{self.model.state_latex(self.model.states[i])}}}{self._primes}"

    def total(self) -> sp.Expr:
        if self.structured:  # Z is the sum of the named Z_i
            return self._sum("Z", list(range(self.model.n)), "Z", "Z")
        return self.K.expr(self.K.total, "total")

    def _sum(self, key: Any, members: list[int], label: str, tex: str) -> sp.Expr:
        if key not in self._sym:
            value = sp.Add(*[self.Z(i) for i in members])
            while label in self._taken:
                label += "'"
                tex += "'"
            self._taken.add(label)
            self._sym[key] = sym = sp.Symbol(label, positive=True)
            self._defs.append((sym, value))
            self._latex[sym] = tex
        return self._sym[key]

    def define(self, key: Any, label: str, tex: str, value: sp.Expr, positive: bool = True) -> sp.Expr:
        """``value`` under a new name (a Symbol shown as ``tex``) in a structured result, else ``value`` itself."""
        if not self.structured:
            return value
        if key not in self._sym:
            while label in self._taken:
                label += "'"
                tex += "'"
            self._taken.add(label)
            self._sym[key] = sym = sp.Symbol(label, positive=True) if positive else sp.Symbol(label)
            self._defs.append((sym, value))
            self._latex[sym] = tex
        return self._sym[key]

    def current(self, i: int, j: int) -> sp.Expr:
        r"""``Z`` times the net current ``i -> j``: the cancelled polynomial
        (:meth:`_Kinetic.current_numerator`), or, in a structured result where that prints wider,
        :math:`Z_i w_{ij} - Z_j w_{ji}` in the named :math:`Z_i` (the cancelled numerator of a large
        network is a wall of monomials; the named form is one line)."""
        num = self.K.current_numerator(i, j)
        if not self.structured or not num:
            return self.K.expr(num)
        rate = self.model._rates
        terms = [(a, sp.sympify(rate[(a, b)]) * s) for a, b, s in ((i, j, 1), (j, i, -1)) if (a, b) in rate]
        if len(num) <= _SHORT_NUMERATOR:  # the narrower: measured with stand-ins, the Z_i named only if it is theirs
            cancelled = self.K.expr(num)
            probes = {a: sp.Dummy(f"Z{a}", positive=True) for a, _ in terms}
            shown = latex_of(sp.Add(*[probes[a] * w for a, w in terms]),
                             symbol_names={probes[a]: self._Z_tex(a) for a in probes})
            if latex_width(latex_of(cancelled)) <= latex_width(shown):
                return cancelled
        return sp.Add(*[self.Z(a) * w for a, w in terms])

    def group(self, key: Any, members: list[int], tex: str) -> sp.Expr:
        if self.structured:
            return self._sum(("G", key), members, f"Z_g{len(self._sym)}", tex)
        R = self.K.ring
        return self.K.expr(sum((self.K.Z[i] for i in members), R.zero))

    def result(self, expr: sp.Expr) -> Any:
        if not self.structured:
            return expr
        defs = needed_definitions(expr, self._defs)  # (those the result needs, and theirs)
        return ClosedForm(expr, defs, {s: t for s, t in self._latex.items() if s in dict(defs)})


def _structured(K: _Kinetic, form: str | None) -> bool:
    form = check_form(form)
    if form == "structured":
        return True
    if form in ("rational", "factored"):
        return False
    return K.terms > PLAIN_TERMS


def kinetic_weights(model: Any) -> list[sp.Expr]:
    r"""The spanning-tree sums :math:`Z_i` of a symbolic model (the stationary :math:`p_i = Z_i / \sum_k Z_k`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> a, b = sp.symbols("a b", positive=True)
    >>> kinetic_weights(MarkovJumpProcess({(0, 1): a, (1, 0): b}))
    [b, a]
    """
    _check_model(model, "kinetic_weights")
    K = _kinetic(model)
    return [K.expr(z) for z in K.Z]


def initial_distribution(model: Any, initial: Any, what: str = "initial") -> Any:
    """The initial distribution as a float array (numeric values) or a sympy Matrix column.

    ``initial`` is a probability vector over ``model.states`` or a mapping ``state -> probability``
    (states left out have probability 0). ``what`` names it in messages.

    Raises
    ------
    InvalidProbability
        For a negative entry, entries that do not sum to 1, or a vector of the wrong length.
    UnknownState
        For a mapping key that is not a state.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> initial_distribution(MarkovJumpProcess({("a", "b"): 1.0, ("b", "a"): 1.0}), {"a": 1})
    array([1., 0.])
    """
    vals = _initial_values(model, initial, what)
    if all(v.is_number for v in vals):
        return np.array([float(v) for v in vals])
    return sp.Matrix(vals)


def _initial_values(model: Any, initial: Any, what: str = "initial") -> list:
    """The checked initial probabilities as sympy numbers or expressions, as given (see initial_distribution)."""
    n = model.n
    if isinstance(initial, Mapping):
        vals = [sp.Integer(0)] * n
        for state, prob in initial.items():
            vals[model.index(state)] = check_value(prob, what=f"the initial probability of {state!r}")
    elif isinstance(initial, (list, tuple, np.ndarray, sp.MatrixBase)):
        flat = list(np.ravel(np.asarray(initial, dtype=object))) if not isinstance(initial, sp.MatrixBase) \
            else list(initial)
        if len(flat) != n:
            raise InvalidProbability(f"{what}: expected {n} probabilities (one per state, in the order of "
                                     f"model.states) but found {len(flat)}")
        vals = [check_value(v, what="an initial probability") for v in flat]
    else:
        raise InvalidProbability(f"{what}: expected a probability vector or a mapping state -> probability but "
                                 f"found {initial!r:.60}")
    if all(v.is_number for v in vals):
        x = np.array([float(v) for v in vals])
        if (x < 0).any():
            raise InvalidProbability(f"{what}: a probability is negative ({x.min():g})")
        if abs(x.sum() - 1) > 1e-9:
            raise InvalidProbability(f"{what}: the probabilities sum to {x.sum():.12g}, not 1")
        return vals
    for v in vals:
        if v.is_negative:
            raise InvalidProbability(f"{what}: the probability {v} is negative")
    total = sp.Add(*vals) - 1
    if total != 0 and sp.cancel(total) != 0 and sp.simplify(total) != 0:  # cancel decides a transient p(t) at once
        raise InvalidProbability(f"{what}: the probabilities sum to {sp.Add(*vals)}, not 1")
    return vals


# -- the stationary distribution -----------------------------------------------------------------------------------
def stationary_distribution(model: Any, form: str | None = None) -> Any:
    r"""The stationary distribution :math:`p_i = Z_i / Z` (matrix-tree theorem), in the order of ``model.states``.

    Parameters
    ----------
    model : MarkovJumpProcess
    form : {None, "structured", "rational"}
        ``"structured"``: a ClosedForm whose expression is the column ``(Z_i / Z)`` with the
        spanning-tree sums ``Z_i`` and ``Z`` as named definitions; ``"rational"``: the plain
        quotients; ``None``: structured past :data:`PLAIN_TERMS` tree products.

    Returns
    -------
    numpy array (numeric model), sympy Matrix (n, 1) or ClosedForm

    Raises
    ------
    NotErgodic
        For a network with several closed classes.
    TooLarge
        For a symbolic network with more than :data:`MAX_TREE_TERMS` tree products.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> a, b = sp.symbols("a b", positive=True)
    >>> stationary_distribution(MarkovJumpProcess({(0, 1): a, (1, 0): b}))
    Matrix([
    [b/(a + b)],
    [a/(a + b)]])
    """
    _check_model(model, "stationary_distribution")
    if model.is_numeric:
        check_form(form)
        return _numeric_p(model).copy()
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    col = sp.Matrix([N.Z(i) / Z for i in range(model.n)])
    if not N.structured:
        return col
    return _matrix_closed_form(N, col)


def _matrix_closed_form(N: _Names, col: sp.Matrix) -> ClosedForm:
    used = set().union(*(e.free_symbols for e in col))
    defs = []
    for s, v in reversed(N._defs):
        if s in used:
            defs.append((s, v))
            used |= v.free_symbols
    defs.reverse()
    return ClosedForm(sp.ImmutableMatrix(col), defs, {s: t for s, t in N._latex.items() if s in dict(defs)})


def state_probability(model: Any, state: Any, form: str | None = None) -> Any:
    """The stationary probability of ``state`` (a state of the model, or a mapping subsystem -> value for a marginal).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> round(state_probability(MarkovJumpProcess({(0, 1): 1.0, (1, 0): 3.0}), 0), 12)
    0.75
    """
    _check_model(model, "state_probability")
    members = _members(model, state)
    if model.is_numeric:
        check_form(form)
        return float(_numeric_p(model)[members].sum())
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    if len(members) == 1:
        return N.result(N.Z(members[0]) / Z)
    return N.result(N.group(("marg", tuple(members)), members, r"Z_{\mathrm{marg}}") / Z)


def _members(model: Any, state: Any) -> list[int]:
    """The states a ``state`` argument stands for: one state, or those with given components (a mapping)."""
    if isinstance(state, Mapping):
        fixed = [(model.component(k), v) for k, v in state.items()]
        if not fixed:
            raise ModelError("state: expected a state or a non-empty mapping subsystem -> value")
        members = [i for i, s in enumerate(model.states) if all(s[c] == v for c, v in fixed)]
        if not members:
            from ..errors import UnknownState
            raise UnknownState(f"state: no state has the components {dict(state)!r}")
        return members
    return [model.index(state)]


# -- currents -------------------------------------------------------------------------------------------------------
def _flux(model: Any) -> np.ndarray:
    """The one-way stationary fluxes ``p_i w_ij`` of the transitions (numeric)."""
    if "flux" not in model.cache:
        p = _numeric_p(model)
        src, _, w = model.edge_arrays()
        f = p[src] * w
        f.flags.writeable = False
        model.cache["flux"] = f
    return model.cache["flux"]


def _mean_rate(model: Any, weights: np.ndarray, what: str = "current_mean_rate") -> float:
    """``sum_e p_src(e) w_e d_e`` over the transitions (float weights ``d``), its digits lost checked."""
    terms = _flux(model) * weights
    err = _p_err(model)
    E = _edges(model)
    errors = np.abs(terms) * (err[E.src] + _EPS)
    keep = np.flatnonzero(weights)

    def precise_terms(S):
        import mpmath as mp

        for k in keep:
            r = E.rev[k]
            d = mp.mpf(float(weights[k]))
            if r < 0:
                yield S.f[k] * d, abs(S.f[k] * d)
                continue
            dr = mp.mpf(float(weights[r]))  # the pair's sum f d + f_r d_r, half from each direction
            odd, even = (d - dr) / 2, (d + dr) / 2
            yield (S.J[k] * odd + S.both(k) * even) / 2, S.both(k) * (abs(odd) + abs(even)) / 2
            if not weights[r]:  # its reverse is not in keep: give its half here
                yield (S.J[k] * odd + S.both(k) * even) / 2, S.both(k) * (abs(odd) + abs(even)) / 2

    return _checked_sum(model, what, terms, errors, np.arange(len(terms)), precise_terms)


def _edge_position(model: Any) -> dict:
    if "edge_position" not in model.cache:
        model.cache["edge_position"] = {e: k for k, e in enumerate(model.edges)}
    return model.cache["edge_position"]


def _current_values(model: Any, pairs: list[tuple[int, int]], what: str) -> list[float]:
    """The net stationary currents ``i -> j`` of a numeric model, each one's digits lost checked (:func:`_checked`)."""
    p = _numeric_p(model)
    err = _p_err(model)
    W = model._rates
    if not pairs:
        return []
    i = np.array([a for a, _ in pairs], dtype=np.int64)
    j = np.array([b for _, b in pairs], dtype=np.int64)
    a = p[i] * np.array([float(W.get(e, 0)) for e in pairs])
    b = p[j] * np.array([float(W.get((y, x), 0)) for x, y in pairs])
    values = a - b
    errors = a * (err[i] + _EPS) + b * (err[j] + _EPS)
    out = [float(v) for v in values]
    bad = np.flatnonzero(~(errors <= PRECISE_DIGITS_RATIO * _EPS * np.abs(values)))
    if bad.size:
        pos = _edge_position(model)
        bridges = _bridges(model) if bad.size > 1 else None  # Tarjan once, not a search per pair
        for m in bad:
            x, y = pairs[m]
            k = pos[(x, y)] if (x, y) in pos else pos.get((y, x))
            if k is None:  # no transition between them
                continue
            if (bridges[k] if bridges is not None else _is_bridge(model, k)):  # a bridge carries no net current
                out[m] = 0.0
                continue
            sign = 1 if (x, y) in pos else -1

            def terms(S, k=k, sign=sign):
                return [(sign * S.J[k], S.both(k))]

            out[m] = _checked(model, what, out[m], float(errors[m]), lambda terms=terms: _precise_value(model, terms),
                              balanced_zero=True)
    return out


def probability_current(model: Any, source: Any, target: Any, form: str | None = None) -> Any:
    r"""The net stationary probability current :math:`J_{ab} = p_a w_{ab} - p_b w_{ba}` from ``source`` to ``target``.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> k, q = sp.symbols("k q", positive=True)
    >>> ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    >>> sp.simplify(probability_current(ring, 0, 1) - (k - q) / 3)
    0
    """
    _check_model(model, "probability_current")
    i, j = model.index(source), model.index(target)
    if i == j:
        raise ModelError(f"probability_current: source and target are the same state {source!r}")
    if model.is_numeric:
        check_form(form)
        return _current_values(model, [(i, j)], "probability_current")[0]
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()  # (first: the Z_i defined in the order of the states)
    return N.result(N.current(i, j) / Z)


def probability_currents(model: Any, form: str | None = None) -> dict[tuple[Any, Any], Any]:
    """The net stationary current of every connected pair of states, ``{(a, b): J_ab}`` (one direction per pair).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> {k: round(v, 12) for k, v in probability_currents(m).items()}
    {(0, 1): 0.333333333333, (0, 2): -0.333333333333, (1, 2): 0.333333333333}
    """
    _check_model(model, "probability_currents")
    S = model.states
    pairs = sorted({(min(i, j), max(i, j)) for i, j in model.edges})
    if model.is_numeric:
        check_form(form)
        return dict(zip([(S[i], S[j]) for i, j in pairs], _current_values(model, pairs, "probability_currents")))
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    out = {}
    for i, j in pairs:
        out[(S[i], S[j])] = N.result(N.current(i, j) / Z)
    return out


# -- cycles ---------------------------------------------------------------------------------------------------------
def _cycle_basis(model: Any) -> list[list[int]]:
    """Fundamental cycles of a BFS spanning tree: each a closed list of states ``[a, b, ..., a]`` starting with its chord."""
    n = model.n
    pairs = sorted({(min(i, j), max(i, j)) for i, j in model.edges})
    adj: dict[int, list[int]] = {v: [] for v in range(n)}
    for i, j in pairs:
        adj[i].append(j)
        adj[j].append(i)
    parent = {0: -1}
    depth = {0: 0}
    order = [0]
    tree = set()
    for u in order:
        for v in adj[u]:
            if v not in parent:
                parent[v], depth[v] = u, depth[u] + 1
                tree.add((min(u, v), max(u, v)))
                order.append(v)
    cycles = []
    for a, b in pairs:
        if (a, b) in tree or a not in parent or b not in parent:
            continue
        # chord a -> b, then back along the tree from b to a
        up_b, up_a = [b], [a]
        x, y = b, a
        while depth[x] > depth[y]:
            x = parent[x]
            up_b.append(x)
        while depth[y] > depth[x]:
            y = parent[y]
            up_a.append(y)
        while x != y:
            x, y = parent[x], parent[y]
            up_b.append(x)
            up_a.append(y)
        path = [a] + up_b + list(reversed(up_a[:-1]))  # a -> b -> ... -> lca -> ... -> a
        cycles.append(path)
    return cycles


def _affinity(model: Any, cycle: list[int]) -> sp.Expr:
    """The cycle's affinity: the sum of the entropy flows along it (``ln(prod w+ / prod w-)`` by default)."""
    num, den, extra = [], [], []
    for u, v in zip(cycle[:-1], cycle[1:]):
        if (u, v) in model._flows:
            extra.append(model._flows[(u, v)])
        else:
            model.entropy_flow(u, v)  # refuses a jump without its reverse
            num.append(sp.sympify(model._rates[(u, v)]))
            den.append(sp.sympify(model._rates[(v, u)]))
    out = sp.Add(*extra)
    if num:
        out += sp.log(sp.Mul(*num) / sp.Mul(*den))
    return out


def cycle_decomposition(model: Any, form: str | None = None) -> list[tuple[tuple, Any, Any]]:
    r"""Schnakenberg's decomposition :math:`\sigma = \sum_C J_C A_C` over a basis of fundamental cycles.

    Returns
    -------
    list of (cycle, affinity, current)
        ``cycle`` the states ``(a, b, ..., a)`` (its first step is the chord that closes it on
        a spanning tree), ``affinity`` :math:`A_C` the sum of the entropy flows around it
        (:math:`\ln \prod w_+ / \prod w_-` by default) and ``current`` :math:`J_C` the
        stationary net current on its chord; floats for a numeric model.

    Raises
    ------
    IrreversibleTransition
        For a jump without its reverse on a cycle (and no declared entropy flow).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> k, q = sp.symbols("k q", positive=True)
    >>> ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    >>> [(c, a) for c, a, J in cycle_decomposition(ring)]
    [((1, 2, 0, 1), log(k**3/q**3))]
    """
    _check_model(model, "cycle_decomposition")
    S = model.states
    cycles = _cycle_basis(model)
    out = []
    if model.is_numeric:
        check_form(form)
        currents = _current_values(model, [(c[0], c[1]) for c in cycles], "cycle_decomposition")
        for c, J in zip(cycles, currents):
            out.append((tuple(S[i] for i in c), float(_affinity(model, c)), J))
        return out
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    for c in cycles:
        a, b = c[0], c[1]
        out.append((tuple(S[i] for i in c), _affinity(model, c), N.result(N.current(a, b) / Z)))
    return out


# -- entropy production, heat, information flow -----------------------------------------------------------------------
def _component_codes(model: Any) -> np.ndarray:
    """(n, k) ints: each state's components, coded per subsystem (cached)."""
    if "codes" not in model.cache:
        k = len(model.subsystems)
        codes = np.zeros((model.n, k), dtype=np.int64)
        for c in range(k):
            seen: dict = {}
            codes[:, c] = [seen.setdefault(s[c], len(seen)) for s in model.states]
        model.cache["codes"] = codes
    return model.cache["codes"]


def _y_jumps(model: Any, subsystem: Any, what: str) -> np.ndarray:
    """Boolean mask over ``model.edges``: the jumps of ``subsystem`` (NotBipartite for a jump that changes it and more)."""
    pos = list(model.components(subsystem))
    codes = _component_codes(model)
    E = _edges(model)
    changed = codes[E.src] != codes[E.dst]
    inside = np.zeros(len(model.subsystems), dtype=bool)
    inside[pos] = True
    mine = changed[:, inside].any(axis=1)
    both = mine & changed[:, ~inside].any(axis=1)
    if both.any():
        S = model.states
        k = int(np.flatnonzero(both)[0])
        i, j = int(E.src[k]), int(E.dst[k])
        names = [model.subsystems[c] for c in pos]
        raise NotBipartite(f"{what}: the jump {S[i]!r} -> {S[j]!r} changes {', '.join(model.changes(i, j))} at once, "
                           f"so the jumps of {', '.join(names)} are not separable (the model is not bipartite with "
                           "respect to this subsystem)")
    return mine


def _numeric_flows(model: Any) -> np.ndarray:
    return model.entropy_flow_edges()  # cached on the model


def _flows_where(model: Any, mask: np.ndarray) -> np.ndarray:
    """The entropy flows of the transitions (numeric), refusing an irreversible one under ``mask`` with no declared flow."""
    src, dst, w = model.edge_arrays()
    E = _edges(model)
    F = np.zeros(len(w))
    ok = E.rev >= 0
    F[ok] = np.log(w[ok] / w[E.rev[ok]])
    declared = np.zeros(len(w), dtype=bool)
    if model._flows:
        pos = {e: k for k, e in enumerate(model.edges)}
        for e, value in model._flows.items():
            if e in pos:
                F[pos[e]] = float(value)
                declared[pos[e]] = True
    bad = mask & ~ok & ~declared
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        model.entropy_flow(int(src[k]), int(dst[k]))  # raises IrreversibleTransition
    return F


def _symbolic_flow(model: Any, i: int, j: int) -> sp.Expr:
    return model.entropy_flow(i, j)


def entropy_production_rate(model: Any, subsystem: Any = None, form: str | None = None) -> Any:
    r"""Stationary entropy production rate, total (Schnakenberg) or of a subsystem (Horowitz–Esposito).

    .. math:: \sigma = \sum_{i<j} J_{ij} \left[F_{ij} + \ln\frac{p_i}{p_j}\right] = \sum_C J_C A_C,
              \qquad \sigma_Y = \sum_{Y\text{-jumps}} J_{ij} \left[F_{ij} + \ln\frac{p_i}{p_j}\right]

    with :math:`F_{ij}` the entropy flow of the jump (:math:`\ln(w_{ij}/w_{ji})` by default);
    the total is written over a cycle basis (:func:`cycle_decomposition`), so a symbolic
    answer has no logarithms of the spanning-tree sums. The partial rates of a bipartite
    model add up to the total, each at least zero.

    Parameters
    ----------
    model : MarkovJumpProcess
    subsystem : str or sequence of str, optional
        A component of tuple states (or several); default: the whole system.
    form : {None, "structured", "rational"}

    Raises
    ------
    IrreversibleTransition
        For a jump without its reverse (the entropy production is infinite).
    NotErgodic, NotBipartite, UnknownState

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> k, q = sp.symbols("k q", positive=True)
    >>> ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    >>> sp.simplify(entropy_production_rate(ring) - (k - q) * sp.log(k**3 / q**3) / 3)
    0
    """
    _check_model(model, "entropy_production_rate")
    _check_reversible(model, "entropy_production_rate")
    if model.is_numeric:
        check_form(form)
        E = _edges(model)
        f = _flux(model)
        p = _numeric_p(model)
        F = _numeric_flows(model)
        mask = np.ones(len(f), dtype=bool) if subsystem is None else _y_jumps(model, subsystem,
                                                                             "entropy_production_rate")
        live = mask & (f > 0)
        terms = f[live] * (F[live] + np.log(p[E.src[live]]) - np.log(p[E.dst[live]]))
        err = _p_err(model)
        i, j = E.src[live], E.dst[live]
        lp = np.abs(np.log(p, where=p > 0, out=np.zeros(len(p))))
        fl = f[live]
        errors = np.abs(terms) * (err[i] + _EPS) + fl * (err[i] + err[j] + _EPS * (np.abs(F[live]) + lp[i] + lp[j]))
        keep = np.flatnonzero(live)

        def precise_terms(S):
            import mpmath as mp

            for k in keep:
                a, b = S.p[E.src[k]], S.p[E.dst[k]]
                if a:
                    yield S.pair(k, S.F[k] + mp.log(a) - mp.log(b))

        balanced = _closed_under_reversal(model, mask)
        if balanced and _lost(float(terms.sum()), float(errors.sum()) + _EPS * float(np.abs(terms).sum())) \
                >= PRECISE_DIGITS:
            # each pair gives J_ij X_ij >= 0: sum it pair by pair, its error |dJ||X| + |J||dX| (not against the
            # one-way fluxes, which the net current's error already carries)
            k = np.flatnonzero(live & (E.src < E.dst))
            r = E.rev[k]
            i, j = E.src[k], E.dst[k]
            X = F[k] + np.log(p[i]) - np.log(p[j])
            J = f[k] - f[r]
            terms = J * X
            dJ = f[k] * (err[i] + _EPS) + f[r] * (err[j] + _EPS)
            dX = err[i] + err[j] + _EPS * (np.abs(F[k]) + lp[i] + lp[j] + np.abs(X))
            errors = dJ * np.abs(X) + np.abs(J) * dX
            keep_pairs = k
        else:
            keep_pairs = keep
        return _checked_sum(model, "entropy_production_rate", terms, errors, keep_pairs, precise_terms,
                            balanced_zero=balanced)
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    if subsystem is None:
        total = sp.Integer(0)
        for c in _cycle_basis(model):
            a, b = c[0], c[1]
            if K.current_numerator(a, b):
                total += N.current(a, b) * _affinity(model, c)
        return N.result(total / Z)
    mask = _y_jumps(model, subsystem, "entropy_production_rate")
    logs = _LogsByCurrent(N)
    for k, (i, j) in enumerate(model.edges):
        if mask[k] and i < j:
            flow = _symbolic_flow(model, i, j)
            arg = N.Z(i) / N.Z(j) * (sp.exp(flow) if (i, j) in model._flows else
                                     sp.sympify(model._rates[(i, j)]) / sp.sympify(model._rates[(j, i)]))
            logs.add(i, j, arg)
    return N.result(logs.total() / Z)


def _subset(model: Any, subsystem: Any, reservoir: Any, what: str) -> np.ndarray:
    if reservoir is not None and subsystem is not None:
        raise ModelError(f"{what}: give a subsystem or a reservoir, not both")
    if reservoir is not None:
        if reservoir not in model.reservoir_names:
            raise ModelError(f"{what}: {reservoir!r} is not a reservoir of the model; its reservoirs are "
                             f"{list(model.reservoir_names)}")
        k = model.reservoir_names.index(reservoir)
        return model.reservoir_edges() == k
    if subsystem is None:
        return np.ones(len(model.edges), dtype=bool)
    return _y_jumps(model, subsystem, what)


def _closed_under_reversal(model: Any, mask: np.ndarray) -> bool:
    """Whether the transitions under ``mask`` all have their reverse under ``mask`` (a sum over them of ``f_e g_e``
    with ``g`` antisymmetric is then a sum of net currents, zero in detailed balance)."""
    rev = _edges(model).rev
    return bool((rev >= 0).all() and (mask == mask[rev]).all())


def heat_rate(model: Any, subsystem: Any = None, reservoir: str | None = None, form: str | None = None) -> Any:
    r"""Stationary heat rate: entropy flow into the medium from the jumps of a subsystem, a reservoir, or all.

    .. math:: \Phi_Y = \sum_{Y\text{-jumps}\ i \to j} p_i w_{ij} F_{ij}

    For a reservoir at temperature ``T`` this is its heat flow divided by ``T`` (``Q/T``).

    Parameters
    ----------
    model : MarkovJumpProcess
    subsystem : str or sequence of str, optional
        A component of the tuple states (the jumps that change it).
    reservoir : str, optional
        A name of ``model.reservoir_names`` (the transitions that exchange with it).
    form : {None, "structured", "rational"}

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> k, q = sp.symbols("k q", positive=True)
    >>> ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    >>> sp.simplify(heat_rate(ring) - (k - q) * sp.log(k / q))
    0
    """
    _check_model(model, "heat_rate")
    mask = _subset(model, subsystem, reservoir, "heat_rate")
    if model.is_numeric:
        check_form(form)
        f = _flux(model)
        F = _flows_where(model, mask)
        live = mask & (f > 0)
        terms = f[live] * F[live]
        err = _p_err(model)
        src = _edges(model).src[live]
        errors = np.abs(terms) * (err[src] + 2 * _EPS)
        keep = np.flatnonzero(live)

        def precise_terms(S):
            return [S.pair(k, S.F[k]) for k in keep if S.F[k] is not None]

        return _checked_sum(model, "heat_rate", terms, errors, keep, precise_terms,
                            balanced_zero=_closed_under_reversal(model, mask))
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    total = sp.Integer(0)
    done = set()
    for k, (i, j) in enumerate(model.edges):
        if not mask[k] or (min(i, j), max(i, j)) in done:
            continue
        done.add((min(i, j), max(i, j)))
        if (j, i) in model._rates:  # a reversible pair: the net current times the flow
            if K.current_numerator(i, j):
                total += N.current(i, j) * _symbolic_flow(model, i, j)
        else:
            flow = _symbolic_flow(model, i, j)
            if flow != 0:
                total += N.Z(i) * K.expr(K.rate[(i, j)]) * flow
    return N.result(total / Z)


def _groups(model: Any, positions: Iterable[int]) -> tuple[np.ndarray, list]:
    """Each state's group (its components at ``positions``) and the groups' keys."""
    positions = tuple(positions)
    keys: dict = {}
    g = np.empty(model.n, dtype=np.int64)
    for k, s in enumerate(model.states):
        key = tuple(s[c] for c in positions)
        g[k] = keys.setdefault(key, len(keys))
    return g, list(keys)


def information_flow(model: Any, subsystem: Any, form: str | None = None) -> Any:
    r"""Stationary information flow into a subsystem ``Y`` (its learning rate), nats per unit time.

    .. math:: l_Y = \sum_{Y\text{-jumps}\ (x, y) \to (x, y')} p(x, y)\, w \,
              \ln\frac{p(x \mid y')}{p(x \mid y)}

    the rate at which the jumps of ``Y`` increase :math:`I(X; Y)` (``X`` the other
    components), as for the linear kind: :math:`l_X + l_Y = 0` in the stationary state and
    :math:`l_Y \le \Phi_Y` (the partial entropy production :math:`\sigma_Y = \Phi_Y - l_Y`
    is at least zero).

    Raises
    ------
    NotBipartite
        For a jump that changes ``Y`` and another component at once.
    ModelError
        For a subsystem that is every component (there is nothing to learn about).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> rates = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...          ((0, 0), (0, 1)): 0.2, ((0, 1), (0, 0)): 2.0, ((1, 1), (1, 0)): 0.2, ((1, 0), (1, 1)): 2.0}
    >>> sensor = MarkovJumpProcess(rates)
    >>> l_y = information_flow(sensor, "y")
    >>> l_y > 0, abs(l_y + information_flow(sensor, "x")) < 1e-12
    (True, True)
    """
    _check_model(model, "information_flow")
    mask = _y_jumps(model, subsystem, "information_flow")
    ypos = model.components(subsystem)
    if len(ypos) == len(model.subsystems):
        raise ModelError("information_flow: the subsystem is every component; name a part of the system")
    gy, keys = _groups(model, ypos)
    if model.is_numeric:
        check_form(form)
        p = _numeric_p(model)
        py = np.bincount(gy, weights=p, minlength=len(keys))
        E = _edges(model)
        f = _flux(model)
        live = mask & (f > 0)
        i, j = E.src[live], E.dst[live]
        cond = lambda s: np.log(p[s]) - np.log(py[gy[s]])  # noqa: E731  ln p(x | y)
        terms = f[live] * (cond(j) - cond(i))
        err = _p_err(model)
        with np.errstate(divide="ignore", invalid="ignore"):
            ey = np.nan_to_num(np.bincount(gy, weights=p * err, minlength=len(keys)) / py)
        ci, cj = cond(i), cond(j)
        g = np.abs(cj - ci)
        errors = f[live] * (g * (err[i] + 2 * _EPS) + err[i] + err[j] + ey[gy[i]] + ey[gy[j]]
                            + _EPS * (np.abs(ci) + np.abs(cj) + np.abs(np.log(py[gy[i]])) + np.abs(np.log(py[gy[j]]))))
        keep = np.flatnonzero(live)

        def precise_terms(S):
            import mpmath as mp

            pys = [mp.mpf(0)] * len(keys)
            for s_, gs in enumerate(gy):
                pys[gs] += S.p[s_]
            for k in keep:
                a, b = int(E.src[k]), int(E.dst[k])
                if S.p[a]:
                    yield S.pair(k, mp.log(S.p[b]) - mp.log(pys[gy[b]]) - mp.log(S.p[a]) + mp.log(pys[gy[a]]))

        return _checked_sum(model, "information_flow", terms, errors, keep, precise_terms)
    K = _kinetic(model)
    N = _Names(model, K, _structured(K, form))
    Z = N.total()
    members: dict[int, list[int]] = {}
    for k, g in enumerate(gy):
        members.setdefault(int(g), []).append(k)
    ynames = [model.subsystems[c] for c in ypos]
    zy = {g: N.group(("y", tuple(ynames), g), m, rf"Z_{{{','.join(ynames)}={_key_tex(model, keys[g])}}}")
          for g, m in members.items()}
    logs = _LogsByCurrent(N)
    for k, (i, j) in enumerate(model.edges):
        if mask[k] and i < j:
            logs.add(i, j, N.Z(j) * zy[int(gy[i])] / (N.Z(i) * zy[int(gy[j])]))
    return N.result(logs.total() / Z)


class _LogsByCurrent:
    """A sum of ``J_e ln(a_e)`` with the terms of one current (up to its sign) collected under one logarithm."""

    def __init__(self, N: _Names) -> None:
        self.N = N
        self.terms: dict = {}

    def add(self, i: int, j: int, arg: sp.Expr) -> None:
        """The term of the current ``i -> j`` times ``ln(arg)``."""
        num = self.N.K.current_numerator(i, j)
        if not num:
            return
        sign = 1 if num.LC > 0 else -1
        key = tuple(sorted((sign * num).items()))
        entry = self.terms.setdefault(key, [(i, j) if sign > 0 else (j, i), []])
        entry[1].append(arg if sign > 0 else 1 / arg)

    def total(self) -> sp.Expr:
        return sp.Add(*[self.N.current(*pair) * sp.log(sp.Mul(*args)) for pair, args in self.terms.values()])


def _key_tex(model: Any, key: tuple) -> str:
    return ",".join(model.state_latex(v) for v in key)


def efficiency(model: Any, subsystem: Any, form: str | None = None) -> Any:
    r"""Sensing (learning) efficiency :math:`\eta_Y = l_Y / \Phi_Y`, at most 1 where ``Y`` dissipates.

    Raises
    ------
    ModelError
        When the heat rate of ``Y`` is zero (the ratio is undefined).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> rates = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...          ((0, 0), (0, 1)): 0.2, ((0, 1), (0, 0)): 2.0, ((1, 1), (1, 0)): 0.2, ((1, 0), (1, 1)): 2.0}
    >>> 0 < efficiency(MarkovJumpProcess(rates), "y") < 1
    True
    """
    _check_model(model, "efficiency")
    structured = not model.is_numeric and _structured(_kinetic(model), form)
    inner = "structured" if structured else ("rational" if not model.is_numeric else None)
    l = information_flow(model, subsystem, form=inner)
    q = heat_rate(model, subsystem, form=inner)
    if model.is_numeric:
        if q == 0:
            raise ModelError("efficiency: the heat rate of the subsystem is zero, so the efficiency is undefined")
        return l / q
    if (q.expr if isinstance(q, ClosedForm) else q) == 0:
        raise ModelError("efficiency: the heat rate of the subsystem is zero, so the efficiency is undefined")
    return l / q


# -- information of a distribution ----------------------------------------------------------------------------------
def _shannon(p: Any) -> Any:
    """Shannon entropy (nats) of a distribution: a float for a float array, else a sympy sum (zero entries dropped)."""
    if isinstance(p, np.ndarray) and p.dtype.kind == "f":
        x = p[p > 0]
        return float(-(x * np.log(x)).sum())
    return -sp.Add(*[q * sp.log(q) for q in p if q != 0])


_entropy_terms = _shannon  # the name the stationary forms (and other modules) used


def entropy(model: Any, X: Any = None, p: Any = None, form: str | None = None) -> Any:
    r"""Shannon entropy (nats) of the stationary distribution, or of its marginal on the components ``X``.

    ``p`` (a probability vector over ``model.states``) replaces the stationary distribution.

    Examples
    --------
    >>> import math
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> abs(entropy(MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0})) - math.log(2)) < 1e-12
    True
    """
    _check_model(model, "entropy")
    positions = None if X is None else model.components(X)
    if p is None and not model.is_numeric:
        K = _kinetic(model)
        N = _Names(model, K, _structured(K, form))
        Z = N.total()
        if positions is None:
            probs = [N.Z(i) / Z for i in range(model.n)]
        else:
            g, keys = _groups(model, positions)
            probs = [N.group(("m", positions, k), [i for i in range(model.n) if g[i] == k],
                             rf"Z_{{{_key_tex(model, keys[k])}}}") / Z for k in range(len(keys))]
        return N.result(_shannon(probs))
    if p is None:
        p = _numeric_p(model)
    else:  # a given distribution is checked as an initial one is (length, signs, sum)
        p = initial_distribution(model, p, "p")
    if isinstance(p, np.ndarray):
        return _shannon(p if positions is None else np.bincount(_groups(model, positions)[0], weights=p))
    probs = list(p)
    if positions is not None:
        g, keys = _groups(model, positions)
        probs = [sp.Add(*[probs[i] for i in range(model.n) if g[i] == k]) for k in range(len(keys))]
    return _shannon(probs)


def mutual_information(model: Any, X: Any, Y: Any, p: Any = None, form: str | None = None) -> Any:
    r"""Mutual information :math:`I(X; Y) = H(X) + H(Y) - H(X, Y)` (nats) between components of the states.

    Raises
    ------
    ModelError
        For ``X`` and ``Y`` that share a component.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> rates = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...          ((0, 0), (0, 1)): 0.2, ((0, 1), (0, 0)): 2.0, ((1, 1), (1, 0)): 0.2, ((1, 0), (1, 1)): 2.0}
    >>> mutual_information(MarkovJumpProcess(rates), "x", "y") > 0
    True
    """
    _check_model(model, "mutual_information")
    a, b = model.components(X), model.components(Y)
    if set(a) & set(b):
        raise ModelError("mutual_information: X and Y share a component; give disjoint subsystems")
    both = tuple(a) + tuple(b)
    if p is None and not model.is_numeric:
        K = _kinetic(model)
        N = _Names(model, K, _structured(K, form))
        Z = N.total()

        def marg(pos, tag):
            g, keys = _groups(model, pos)
            return [N.group((tag, pos, k), [i for i in range(model.n) if g[i] == k],
                            rf"Z_{{{_key_tex(model, keys[k])}}}") / Z for k in range(len(keys))]

        terms = _shannon(marg(a, "m")) + _shannon(marg(b, "m"))
        joint = marg(both, "m") if len(both) < len(model.subsystems) else [N.Z(i) / Z for i in range(model.n)]
        return N.result(terms - _shannon(joint))
    hx = entropy(model, list(_names(model, a)), p)
    hy = entropy(model, list(_names(model, b)), p)
    hxy = entropy(model, list(_names(model, both)), p)
    out = hx + hy - hxy
    if isinstance(out, float):
        return max(out, 0.0) if out > -1e-12 else out
    return out


def _names(model: Any, positions: Iterable[int]) -> list[str]:
    return [model.subsystems[c] for c in positions]
