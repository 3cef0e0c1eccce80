r"""Scale invariance of closed forms: the rescalings that leave a form unchanged, and the form in invariant groups.

An information measure of a linear-Gaussian model does not change when a variable is measured in other
units: with :math:`y \to c\,y`, the coupling into :math:`y` scales as :math:`c`, its noise strength as
:math:`c^2`, and a transfer entropy rate keeps its value. Written in all its parameters, such a form
repeats the combinations that carry it (:math:`\kappa_y^2 / D_y` under every root of the cascade's rate);
written in them, as an author writes a coupling in units of the noise
(:math:`\hat\kappa_y = \kappa_y \sqrt{D_x / D_y}`), it loses the parameters that only set units.

:func:`scale_symmetries` finds the rescalings :math:`p \to c^{w_p} p` that leave every form of a list
unchanged (the weights :math:`w` in small rationals), from the logarithmic derivatives of the forms at
random points (a null space), each confirmed by evaluating the forms rescaled at 30 digits.
:func:`in_groups` writes forms through them: the parameters of ``fixed`` set to 1 and every other
parameter the rescaling moves replaced by its invariant group, :math:`\hat q = q \prod_p p^{e_p}`.
Both are exact rewritings: ``f(q) = g(\hat q)`` where ``g`` is ``f`` with the fixed parameters at 1.

Examples
--------
>>> import sympy as sp
>>> k, D = sp.symbols("kappa D", positive=True)
>>> scale_symmetries([k**2 / D])
[{D: 2, kappa: 1}]
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache, partial
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from sympy.core.function import AppliedUndef

from ..errors import ModelError
from .closedform import ClosedForm, latex_of
from .layout import latex_width
from .presentation import (EXPENSIVE_ABOVE, _hat, _points, _weighted_ops, compact, current_domain,
                           equal_at_random_points, size)
from .width import TEXT_WIDTH

__all__ = ["scale_symmetries", "in_groups", "group_symbols", "fixed_choices", "grouped_forms", "group_rows",
           "MAX_DENOMINATOR", "GROUPS_GAIN", "GROUPS_WIDTH", "GROUPS_SYMBOLS", "CHOICES_TRIED"]

#: Largest denominator of a rescaling's weight (a root of a root: 4).
MAX_DENOMINATOR = 4
#: Random points at which the logarithmic derivatives are taken, beyond the number of parameters.
EXTRA_POINTS = 3
#: Relative step of the central difference that gives a logarithmic derivative (at 40 digits: about 20 good).
_STEP = mpmath.mpf(10) ** -12
#: The factors of the rescalings by which a symmetry found is confirmed (one near 1, two far from it).
_FACTORS = (sp.Rational(37, 23), sp.Rational(1, 1000), sp.Integer(1000))


def _forms(forms: Any, what: str) -> list[sp.Expr]:
    if isinstance(forms, (str, sp.Basic, ClosedForm)) or not isinstance(forms, Sequence):
        raise ModelError(f"{what}: expected a sequence of closed forms but found {type(forms).__name__} {forms!r:.60}")
    out = []
    for f in forms:
        expr = f.expr if isinstance(f, ClosedForm) else f
        if isinstance(f, ClosedForm) and f.definitions:
            raise ModelError(f"{what}: a closed form with definitions ({f.definitions[0][0]}, ...) is not supported; "
                             "give its expression with the definitions substituted")
        if isinstance(expr, sp.MatrixBase) or not isinstance(expr, sp.Basic) or not isinstance(sp.sympify(expr),
                                                                                               sp.Expr):
            raise ModelError(f"{what}: expected sympy expressions but found {type(f).__name__} {f!r:.60}")
        out.append(sp.sympify(expr))
    return out


#: What evaluating a lambdified form at a point may raise where it has no value there.
_EVALUATION_ERRORS = (ZeroDivisionError, ValueError, TypeError, OverflowError, AttributeError, NameError,
                      RuntimeError)


def _log_gradient(fn: Any, point: list, k: int) -> list:
    """``(p_i d f / d p_i) / f`` at ``point`` for each parameter (central differences at 40 digits); None where the
    form has no finite, nonzero real value there."""
    with mpmath.workdps(40):
        args = [mpmath.mpf(p) for p in point]
        try:
            f0 = fn(*args)
        except _EVALUATION_ERRORS:
            return None
        if not isinstance(f0, mpmath.mpf) or not mpmath.isfinite(f0) or f0 == 0:
            return None
        out = []
        for i in range(k):
            up, down = list(args), list(args)
            up[i], down[i] = args[i] * mpmath.exp(_STEP), args[i] * mpmath.exp(-_STEP)
            try:
                d = (fn(*up) - fn(*down)) / (2 * _STEP)
            except _EVALUATION_ERRORS:
                return None
            if not isinstance(d, mpmath.mpf):
                return None
            out.append(float(d / f0))
        return out


def _null_space(rows: list[list[float]], k: int) -> np.ndarray:
    """An orthonormal basis (rows) of the vectors ``w`` with ``rows @ w = 0``."""
    if not rows:
        return np.eye(k)
    a = np.array(rows, dtype=float)
    _, s, vt = np.linalg.svd(a)
    tol = 1e-9 * max(1.0, float(s[0]) if len(s) else 1.0)
    rank = int(np.sum(s > tol))
    return vt[rank:]


def _rational_basis(basis: np.ndarray, symbols: list[sp.Symbol]) -> list[dict[sp.Symbol, sp.Rational]] | None:
    """The null space's basis in reduced row echelon form with small rational entries (None where an entry is not
    one: not a rescaling by a power)."""
    if not len(basis):
        return []
    # (row echelon in floats, pivots on the largest entries first, then rounded)
    a = np.array(basis, dtype=float)
    rows, cols = a.shape
    r = 0
    for c in range(cols):
        if r == rows:
            break
        p = r + int(np.argmax(np.abs(a[r:, c])))
        if abs(a[p, c]) < 1e-7:
            continue
        a[[r, p]] = a[[p, r]]
        a[r] = a[r] / a[r, c]
        for i in range(rows):
            if i != r:
                a[i] = a[i] - a[i, c] * a[r]
        r += 1
    out = []
    for row in a[:r]:
        weights = next((w for w in map(partial(_small_rationals, symbols),
                                       (row / x for x in row if abs(x) > 1e-7)) if w is not None), None)
        if weights is None:
            return None
        scale = math.lcm(*[int(w.q) for w in weights.values()]) if weights else 1
        out.append({s: w * scale for s, w in weights.items()})  # (whole numbers where they can be)
    return out


def _small_rationals(symbols: list[sp.Symbol], row: np.ndarray) -> dict[sp.Symbol, sp.Rational] | None:
    """``row`` as rationals with denominators up to :data:`MAX_DENOMINATOR` (None where an entry is not one)."""
    weights = {}
    for s, x in zip(symbols, row):
        q = Fraction(float(x)).limit_denominator(MAX_DENOMINATOR)
        if abs(float(q) - x) > 1e-6:
            return None
        if q != 0:
            weights[s] = sp.Rational(q.numerator, q.denominator)
    return weights


def _invariant(forms: list[sp.Expr], weights: Mapping[sp.Symbol, sp.Rational]) -> bool:
    r"""Whether every form keeps its value (30 digits, at random points) when rescaled by ``weights``, by each of
    :data:`_FACTORS` (a parameter whose effect only shows far from the points sampled, ``\tanh(100 b)``, moves then)."""
    for factor in _FACTORS:
        moved = {s: s * factor ** w for s, w in weights.items()}
        if not all(equal_at_random_points(f, f.xreplace(moved), points=2, seed=7) for f in forms):
            return False
    return True


def scale_symmetries(forms: Sequence[Any]) -> list[dict[sp.Symbol, sp.Rational]]:
    r"""The rescalings :math:`p \to c^{w_p} p` of positive parameters that leave every form unchanged: a basis, each
    a mapping symbol -> weight (in reduced row echelon form over the symbols in name order; weights are rationals
    with denominators up to :data:`MAX_DENOMINATOR`).

    Only symbols declared positive are rescaled (a sign would not survive :math:`c^{1/2}`); a form with another
    symbol keeps it fixed. Forms that are not elementary (an integral, a sum, a limit, a piecewise form, an undefined
    function) are not looked at: none is returned for them. Each rescaling found is confirmed at random points (30
    digits); none is returned where the numbers do not settle on one.

    Parameters
    ----------
    forms : sequence of sympy expressions (or ClosedForms without definitions)

    Returns
    -------
    list of dict

    Raises
    ------
    ModelError
        For a form that is not a scalar sympy expression.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, D = sp.symbols("a b D", positive=True)
    >>> scale_symmetries([sp.log(1 + a**2 / D), b])
    [{D: 2, a: 1}]
    """
    exprs = _forms(forms, "scale_symmetries")
    if any(f.has(*_NOT_ELEMENTARY) for f in exprs):
        return []
    symbols = sorted({s for f in exprs for s in f.free_symbols if s.is_positive}, key=lambda s: s.name)
    if not symbols:
        return []
    k = len(symbols)
    rows = []
    for f in exprs:
        if not f.free_symbols & set(symbols):
            continue
        others = sorted(f.free_symbols - set(symbols), key=lambda s: s.name)
        try:
            fn = sp.lambdify(symbols + others, f, "mpmath")
        except (TypeError, ValueError, SyntaxError, NameError):
            return []
        got = 0
        for point in _points(symbols + others, k + EXTRA_POINTS, 3):
            values = [mpmath.mpf(point[s].p) / point[s].q for s in symbols + others]
            fixed = lambda *args, _v=values: fn(*args, *_v[k:])  # noqa: E731  (the other symbols held)
            g = _log_gradient(fixed, values[:k], k)
            if g is None:
                continue
            rows.append(g)
            got += 1
            if got >= k + EXTRA_POINTS:
                break
        if not got:
            return []
    basis = _rational_basis(_null_space(rows, k), symbols)
    if not basis:
        return []
    return basis if all(_invariant(exprs, w) for w in basis) else []


def group_symbols(symmetries: Sequence[Mapping[sp.Symbol, Any]], fixed: Sequence[sp.Symbol]
                  ) -> dict[sp.Symbol, sp.Expr]:
    r"""The invariant group of each parameter the rescalings move, other than ``fixed``: ``q -> q \prod_p p^{e_p}``
    over the fixed parameters, the product that makes it invariant.

    Raises
    ------
    ModelError
        Where ``fixed`` is not one parameter per rescaling, or the rescalings do not move them independently (no
        choice of units sets them all to 1).

    Examples
    --------
    >>> import sympy as sp
    >>> k, D = sp.symbols("kappa D", positive=True)
    >>> group_symbols([{k: 1, D: 2}], [D])
    {kappa: kappa/sqrt(D)}
    """
    fixed = list(fixed)
    moving = sorted({q for s in symmetries for q, x in s.items() if x != 0}, key=lambda q: str(q))
    if any(not (isinstance(q, sp.Symbol) and q.is_positive) for q in moving):
        raise ModelError(f"group_symbols: a rescaling moves {[str(q) for q in moving if not q.is_positive]}, which "
                         "are not declared positive (c^w q keeps its sign only for a positive q)")
    if len(fixed) != len(symmetries) or len(set(fixed)) != len(fixed):
        raise ModelError(f"group_symbols: expected one parameter to fix per rescaling ({len(symmetries)}) but found "
                         f"{fixed!r}")
    w = sp.Matrix([[sp.sympify(s.get(p, 0)) for s in symmetries] for p in fixed])  # (fixed x symmetries)
    if w.det() == 0:
        raise ModelError(f"group_symbols: the rescalings do not move {fixed!r} independently: they cannot all be set "
                         "to 1")
    inverse = w.inv()
    moved = sorted({q for s in symmetries for q, x in s.items() if x != 0} - set(fixed), key=lambda s: s.name)
    out = {}
    for q in moved:
        wq = sp.Matrix([[sp.sympify(s.get(q, 0)) for s in symmetries]])  # (1 x symmetries)
        # q * prod p^e invariant: w_q + e . W_fixed = 0 (each symmetry's column)
        e = -(wq * inverse)
        out[q] = _held_group(q, {p: e[0, i] for i, p in enumerate(fixed)})
    return out


def _held_group(q: sp.Symbol, powers: Mapping[sp.Symbol, Any]) -> sp.Expr:
    r"""``q`` times the product of ``powers`` as an author writes it: the half powers under one root,
    :math:`\kappa_x \sqrt{D_v / D_x}` (sympy would print :math:`\frac{\sqrt{D_v} \kappa_x}{\sqrt{D_x}}`)."""
    whole_part = {p: sp.sign(x) * sp.floor(abs(x)) for p, x in powers.items()}  # (toward zero: -1/2 is 0 - 1/2)
    whole = sp.Mul(*[p ** w for p, w in whole_part.items()])
    halves = sp.Mul(*[p ** (2 * (x - whole_part[p])) for p, x in powers.items()])
    if (sp.fraction(halves)[0] == 1 or sp.fraction(halves)[1] == 1
            or any(abs(x - whole_part[p]) not in (0, sp.S.Half) for p, x in powers.items())):
        return sp.Mul(q, *[p ** x for p, x in powers.items()])
    return sp.Mul(q * whole, sp.Pow(halves, sp.S.Half, evaluate=False), evaluate=False)


def in_groups(form: Any, symmetries: Sequence[Mapping[sp.Symbol, Any]], fixed: Sequence[sp.Symbol]
              ) -> ClosedForm:
    r"""``form`` written in the invariant groups of the parameters (:func:`group_symbols`): the parameters of ``fixed``
    set to 1 and each other parameter the rescalings move written as its group, :math:`\hat q` (a definition of the
    ClosedForm returned). ``form`` must be unchanged by every rescaling (:func:`scale_symmetries` of it).

    Raises
    ------
    ModelError
        Where ``form`` changes under a rescaling (it is not a function of the groups), or as
        :func:`group_symbols`.

    Examples
    --------
    >>> import sympy as sp
    >>> k, D, g = sp.symbols("kappa D gamma", positive=True)
    >>> f = in_groups(sp.log(1 + k**2 / (D * g)), [{k: 1, D: 2}], [D])
    >>> f.latex(where=False), f.definitions
    ('\\ln{\\left(1 + \\frac{\\hat{\\kappa}^{2}}{\\gamma} \\right)}', ((kappahat, kappa/sqrt(D)),))
    """
    expr = _forms([form], "in_groups")[0]
    groups = group_symbols(symmetries, fixed)
    if not all(_invariant([expr], s) for s in symmetries):
        raise ModelError(f"in_groups: the form {expr!s:.80} changes under a rescaling of its parameters: it is not a "
                         "function of the invariant groups")
    return _through_groups(expr, groups, fixed)


def _through_groups(expr: sp.Expr, groups: Mapping[sp.Symbol, sp.Expr], fixed: Sequence[sp.Symbol]) -> ClosedForm:
    """:func:`in_groups` of a form known to be unchanged by the rescalings, their groups (:func:`group_symbols`)
    given."""
    hats = {q: _hat_symbol(q) for q in groups}
    taken = {s.name for s in expr.free_symbols}
    clash = [h.name for h in hats.values() if h.name in taken] + [h.name for i, h in enumerate(hats.values())
                                                                  if h in list(hats.values())[:i]]
    if clash:
        raise ModelError(f"in_groups: the group symbols {clash} would be named as symbols the form holds or as each "
                         "other")
    reduced = expr.xreplace({p: sp.Integer(1) for p in fixed}).xreplace(hats)
    used = [(hats[q], groups[q]) for q in groups if hats[q] in reduced.free_symbols]
    return ClosedForm(reduced, used, {h: _hat(latex_of(q)) for q, h in hats.items() if h in reduced.free_symbols})


def _hat_symbol(q: sp.Symbol) -> sp.Symbol:
    r"""The symbol of ``q``'s invariant group, named so that sympy prints it with a hat (``kappahat_x``:
    :math:`\hat\kappa_x`; a ClosedForm's names say so where sympy's name would not)."""
    head, _, rest = q.name.partition("_")
    return sp.Symbol(f"{head}hat{'_' + rest if rest else ''}", positive=True)


def fixed_choices(symmetries: Sequence[Mapping[sp.Symbol, Any]], most: int = 64) -> list[tuple[sp.Symbol, ...]]:
    """The sets of parameters, one per rescaling, that can all be set to 1 (at most ``most``), those of the largest
    weights first (a noise strength, :math:`c^2`, before a coupling, :math:`c`)."""
    if isinstance(symmetries, (str, Mapping)) or not isinstance(symmetries, Sequence) or not all(
            isinstance(s, Mapping) for s in symmetries):
        raise ModelError(f"fixed_choices: expected a sequence of rescalings (symbol -> weight) but found "
                         f"{symmetries!r:.60}")
    moved = sorted({q for s in symmetries for q, x in s.items() if x != 0}, key=lambda s: s.name)
    out = []
    for choice in itertools.combinations(moved, len(symmetries)):
        w = sp.Matrix([[sp.sympify(s.get(p, 0)) for s in symmetries] for p in choice])
        if w.det() != 0:
            out.append(choice)
        if len(out) >= most:
            break
    return sorted(out, key=lambda c: (-sum(abs(sp.sympify(s.get(p, 0))) for s in symmetries for p in c),
                                      [p.name for p in c]))


#: A block's forms are written in invariant groups only where that shortens them, the groups' definitions counted,
#: by at least this share of their printed size.
GROUPS_GAIN = 0.1
#: A block is written in groups only where one of its forms prints wider than this share of the page's text (the
#: rest of the line holds its label): one that fits its line reads as well in the model's own parameters.
GROUPS_WIDTH = 0.85
#: Most parameters of a form that :func:`grouped_forms` writes in groups: one in more would come out of the
#: presentation pass's cheap path (past its ``EXPENSIVE_SYMBOLS``) into its full one, minutes a form.
GROUPS_SYMBOLS = 12
#: How many choices of the parameters set to 1 (:func:`fixed_choices`, largest weights first) are tried.
CHOICES_TRIED = 2


#: What a form may not hold to be looked at (:func:`grouped_forms`): evaluating it at the points a rescaling is found
#: from would take minutes (a lattice's integral over the Brillouin zone), or it has no value there.
_NOT_ELEMENTARY = (sp.Integral, sp.Sum, sp.Product, sp.Derivative, sp.Limit, AppliedUndef, sp.Piecewise,
                   sp.DiracDelta, sp.exp_polar)


def _plain(form: Any) -> bool:
    """Whether ``form`` is an elementary scalar expression in positive parameters (a ClosedForm without definitions
    counts)."""
    expr = form.expr if isinstance(form, ClosedForm) and not form.definitions else form
    return (isinstance(expr, sp.Expr) and not isinstance(expr, sp.MatrixBase) and not expr.is_number
            and any(s.is_positive for s in expr.free_symbols) and not expr.has(*_NOT_ELEMENTARY))


def _wide(expr: sp.Expr) -> bool:
    """Whether ``expr`` prints wider than :data:`GROUPS_WIDTH` of the page's text (it would be named or broken)."""
    return latex_width(latex_of(expr)) > GROUPS_WIDTH * TEXT_WIDTH


def grouped_forms(forms: Mapping[str, Any]) -> dict[str, Any]:
    r"""A block's forms, each written in the invariant groups of its parameters where that reads shorter.

    The forms that some rescaling of their parameters leaves unchanged (:func:`scale_symmetries`) are
    written through the rescalings they all share (:func:`in_groups`, compacted), the parameters set to 1
    chosen among :data:`CHOICES_TRIED` choices (those of the largest weights first: the noise strengths
    of a linear-Gaussian model). A form keeps its grouped form where that prints shorter (:func:`size`),
    and the block takes the groups only where one of its forms is too wide for its line (:data:`GROUPS_WIDTH`) and
    its printed size, the groups' definitions counted, falls by :data:`GROUPS_GAIN` or more: the cascade's rates in
    :math:`\hat\kappa_x = \kappa_x \sqrt{D_v / D_x}` and :math:`\hat\kappa_y = \kappa_y \sqrt{D_x / D_y}`.
    Every other form is returned as given, and so is a wall of monomials too big for the presentation pass to
    rewrite (over :data:`~thermotheory.core.presentation.EXPENSIVE_ABOVE` operations): in groups it would stay a wall,
    and the page names its composites and sums (the BCM synapse's :math:`\kappa_{\mathrm{eff}}`).

    Parameters
    ----------
    forms : mapping name -> closed form

    Returns
    -------
    dict
        name -> the form as given, or a ClosedForm in the groups, their definitions attached.

    Examples
    --------
    >>> from thermotheory.core.presentation import compact
    >>> from thermotheory.models import cascade
    >>> model = cascade.cascade()
    >>> forms = {name: compact(q.closed_form(model)) for name, q in cascade.cascade_quantities().items()}
    >>> shown = grouped_forms(forms)["kl_divergence_rate_xy"]
    >>> shown.expr
    (kappahat_y**2/(gamma_x + gamma_y))*(kappahat_x**2/((gamma_v + gamma_x)*(gamma_v + gamma_y)) + 1)
    >>> shown.definitions
    ((kappahat_x, kappa_x*sqrt(D_v/D_x)), (kappahat_y, kappa_y*sqrt(D_x/D_y)))
    """
    if not isinstance(forms, Mapping):
        raise ModelError(f"grouped_forms: expected a mapping name -> closed form but found {type(forms).__name__}")
    out = dict(forms)
    exprs = {n: (f.expr if isinstance(f, ClosedForm) else f) for n, f in forms.items() if _plain(f)}
    exprs = {n: e for n, e in exprs.items()
             if _weighted_ops(e) <= EXPENSIVE_ABOVE and len(e.free_symbols) <= GROUPS_SYMBOLS}
    invariant = {n: e for n, e in exprs.items() if _symmetries(e)}
    if not any(_wide(e) for e in invariant.values()):
        return out
    symmetries = _symmetries(*invariant.values())
    if not symmetries:
        return out
    before = sum(size(e)[0] for e in invariant.values())
    best: tuple[float, dict] | None = None
    for fixed in fixed_choices(symmetries)[:CHOICES_TRIED]:
        groups = group_symbols(symmetries, fixed)  # (the forms are unchanged by them: scale_symmetries confirmed it)
        chosen: dict[str, ClosedForm] = {}
        total, used = 0.0, {}
        for n, e in invariant.items():
            twin = next((m for m in chosen if invariant[m].free_symbols == e.free_symbols
                         and equal_at_random_points(invariant[m], e)), None)
            if twin is not None:  # one value, one printed form (a page writes the second as equal to the first)
                chosen[n] = chosen[twin]
                total += size(chosen[twin])[0]
                continue
            try:
                g = _through_groups(e, groups, fixed)
            except ModelError:  # (a group's symbol would clash: this choice is not taken)
                chosen = {}
                break
            c = compact(g.expr)
            if size(c)[0] >= size(e)[0]:
                total += size(e)[0]
                continue
            total += size(c)[0]
            defs = [(h, v) for h, v in g.definitions if h in c.free_symbols]
            used.update(defs)
            given = forms[n] if isinstance(forms[n], ClosedForm) else None
            names = {**(given.names if given is not None else {}), **{h: g.names[h] for h, _ in defs}}
            chosen[n] = ClosedForm(c, defs, names, given.hurwitz if given is not None else ())
        total += sum(size(v)[0] + size(h)[0] for h, v in used.items())
        if chosen and total <= (1 - GROUPS_GAIN) * before and (best is None or total < best[0]):
            best = (total, chosen)
    if best is not None and not _printed(forms) & {latex_of(h) for f in best[1].values() for h, _ in f.definitions}:
        out.update(best[1])  # (not where a group's symbol prints as one the block prints already)
    return out


def _printed(forms: Mapping[str, Any]) -> set[str]:
    """The LaTeX of every symbol and named part the forms print."""
    out: set[str] = set()
    for f in forms.values():
        if isinstance(f, ClosedForm):
            out |= {f.names.get(n) or latex_of(n) for n, _ in f.definitions} | set(f.names.values())
        out |= {latex_of(s) for s in getattr(f, "free_symbols", ()) if isinstance(s, sp.Symbol)}
    return out


def _symmetries(*exprs: sp.Expr) -> list:
    """:func:`scale_symmetries` of ``exprs``, remembered (a page asks for each block's forms several times)."""
    try:
        return _symmetries_cached(exprs, current_domain())
    except TypeError:  # (not hashable)
        return scale_symmetries(list(exprs))


@lru_cache(maxsize=512)
def _symmetries_cached(exprs: tuple, domain: tuple) -> list:
    return scale_symmetries(list(exprs))  # (domain: the key; the checks read it, within_domain)


def group_rows(forms: Sequence[Any], rows: Sequence[tuple[str, str, str]] = ()) -> list[tuple[str, str, str]]:
    r"""Glossary rows ``(symbol, meaning, units)`` of the invariant groups (:func:`grouped_forms`) that ``forms``
    define, one per group, in the order met; none for a symbol that a row of ``rows`` (the page's glossary) has.

    Examples
    --------
    >>> import sympy as sp
    >>> k, D, g = sp.symbols("kappa D gamma", positive=True)
    >>> group_rows([in_groups(sp.log(1 + k**2 / (D * g)), [{k: 1, D: 2}], [D])])[0][0]
    '$\\hat{\\kappa}$'
    """
    if isinstance(forms, (str, sp.Basic, ClosedForm)) or not isinstance(forms, Sequence):
        raise ModelError(f"group_rows: expected a sequence of closed forms but found {type(forms).__name__}")
    given = {row[0] for row in rows}
    out: dict[str, tuple[str, str, str]] = {}
    for f in forms:
        if not isinstance(f, ClosedForm):
            continue
        for h, value in f.definitions:
            q = _grouped_parameter(h, value)
            if q is None:
                continue
            tex = f.names.get(h) or latex_of(h)
            if f"${tex}$" in given:
                continue
            fixed = sorted((s for s in value.free_symbols if s != q), key=lambda s: s.name)
            at_one = " = ".join(latex_of(s) for s in fixed) + " = 1"
            out.setdefault(tex, (f"${tex}$", f"${latex_of(q)}$ in the units in which ${at_one}$, "
                                             f"${latex_of(value)}$: the closed forms do not change with those units "
                                             f"and depend on ${latex_of(q)}$ only through it",
                                 f"those of ${latex_of(q)}$ at ${at_one}$"))
    return list(out.values())


def _grouped_parameter(h: Any, value: Any) -> sp.Symbol | None:
    """The parameter whose invariant group ``h = value`` is (:func:`in_groups`), or None for another definition."""
    if not (isinstance(h, sp.Symbol) and isinstance(value, sp.Expr)):
        return None
    q = next((s for s in value.free_symbols if _hat_symbol(s) == h), None)
    return q if q is not None and value.is_Mul and q in value.args else None
