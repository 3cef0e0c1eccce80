r"""LaTeX that fits the page: long closed forms broken over lines, or through "where" definitions.

The documents this package writes (derivation pages, reports) are ``article`` pages with
2 cm margins: a text block of about 483 pt. :func:`fit_lines` lays a closed form out as
lines of an ``align`` environment no wider than :data:`TEXT_WIDTH` by an estimate of
the typeset width (:func:`latex_width`): a sum is packed term by term onto lines that
start with ``+`` or ``-`` (a term ``p (s_1 + s_2)`` that would leave its label alone on a
line is broken inside its bracket, ``p \bigg( s_1 \\ + s_2 \bigg)``); anything else
too wide has its widest sums named (:math:`C_1, C_2, \dots`) and defined after it, each
definition broken the same way.
The estimate errs on the wide side; the tests compile every document with pdflatex and
fail on any overfull line.

It sits in ``core`` because a closed form (:func:`thermotheory.latex` with ``width``) and a
model (:mod:`thermotheory.core.display`) are laid out with it; :mod:`thermotheory.export.layout`
re-exports it, with :func:`~thermotheory.export.layout.tex_text` for plain text.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections import Counter
from collections.abc import Callable
from typing import Any

import sympy as sp

from .closedform import MAX_LINES, ClosedForm, definition_rows, latex_of, too_long
from .width import TEXT_WIDTH, _group, _matrix_width, latex_width  # noqa: F401  (re-exported)
from ..errors import InvalidExport

__all__ = ["TEXT_WIDTH", "latex_width", "fit_lines", "fit_parts", "align_rows", "new_namer", "checked_width",
           "checked_value", "MAX_LINES", "too_long"]


def checked_width(width: Any) -> float:
    """``width`` (pt) as a float if it is a positive finite real number; anything else is refused.

    Examples
    --------
    >>> checked_width(200)
    200.0
    >>> checked_width(-1)
    Traceback (most recent call last):
    ...
    thermotheory.errors.InvalidExport: the width must be a positive finite number of points but is -1
    """
    ok = isinstance(width, numbers.Real) and not isinstance(width, bool)
    if ok:
        w = float(width)
        ok = math.isfinite(w) and w > 0
    if not ok:
        raise InvalidExport(f"the width must be a positive finite number of points but is {width!r}")
    return w


def checked_value(value: Any, what: str = "closed form") -> Any:
    """A closed form to print: a ClosedForm, a sympy expression or matrix, or a number.

    Text (which sympy would read as symbols), ``None``, booleans, containers and NaN are
    refused: printing them would show something that is not a closed form.

    Examples
    --------
    >>> checked_value(2)
    2
    >>> checked_value("x + y")
    Traceback (most recent call last):
    ...
    thermotheory.errors.InvalidExport: the closed form must be a sympy expression, a matrix or a number but is str 'x + y'
    """
    if isinstance(value, ClosedForm):
        return value
    bad = InvalidExport(f"the {what} must be a sympy expression, a matrix or a number but is "
                        f"{type(value).__name__} {value!r}")
    if value is None or isinstance(value, (str, bytes, bool)):
        raise bad
    if isinstance(value, sp.MatrixBase):
        out = value
    else:
        try:
            out = sp.sympify(value, strict=True)
        except (sp.SympifyError, TypeError, ValueError):
            raise bad from None
        if not isinstance(out, sp.Expr):
            raise bad
    if out.has(sp.nan):
        raise InvalidExport(f"the {what} {out} is undefined (it contains NaN)")
    return out


def _signed_terms(expr: sp.Expr, settings: dict[str, Any]) -> list[str]:
    """The terms of a sum in printing order, each with its sign (``+ a``, ``- b``; the first bare)."""
    out = []
    for k, term in enumerate(expr.as_ordered_terms()):
        if term.could_extract_minus_sign():
            out.append("- " + latex_of(-term, **settings))
        else:
            out.append(("+ " if k else "") + latex_of(term, **settings))
    return out


def _pack(first: str, pieces: list[str], lead: float, width: float) -> list[str]:
    """Greedy lines: ``first`` then pieces appended while they fit; continuation lines start ``&\\quad``."""
    lines = []
    cur, cur_w = first, lead + latex_width(first)
    for p in pieces:
        pw = latex_width(p)
        if cur and cur_w + pw > width and cur.strip() not in ("", "&="):
            lines.append(cur)
            cur, cur_w = r"&\quad " + p, 10.0 + 30.0 + pw
        else:
            cur, cur_w = cur + " " + p, cur_w + pw
    lines.append(cur)
    return lines


class _Namer:
    def __init__(self, taken: set[str], letters: str = "CKZQGRHJ", symbols: frozenset = frozenset(),
                 printed: frozenset = frozenset()):
        letter = next((c for c in letters if c not in taken), None)
        self.letter = letter if letter is not None else r"\mathcal{C}"
        # the names of the document's symbols, and the LaTeX of what it prints: a preferred name is none of them
        self.symbols, self.printed = symbols, set(printed)
        self.count = 0
        self.named: dict[sp.Expr, sp.Symbol] = {}  # the values named so far, so that one value has one name
        #: Rewrites a form to a shorter equal one (a page's presentation pass; by default sympy's factor).
        self.shorten: Callable[[sp.Expr], sp.Expr] = sp.factor

    def __call__(self) -> sp.Symbol:
        self.count += 1
        return sp.Symbol(f"{self.letter}_{self.count}")

    def fork(self) -> "_Namer":
        """An independent copy: names taken from it leave this namer as it is (a trial layout); :meth:`take` adopts
        what it named."""
        other = copy.copy(self)
        other.named, other.printed = dict(self.named), set(self.printed)
        return other

    def take(self, other: "_Namer") -> None:
        """Adopt the names a fork (:meth:`fork`) of this namer has given since."""
        self.__dict__.update(other.__dict__)

    def name(self, value: sp.Expr, defs: list, shown: sp.Expr | None = None,
             preferred: sp.Symbol | None = None) -> sp.Symbol:
        """The document's name of ``value``: the one it already has, else a new one with its definition added to
        ``defs`` (``C_1`` and ``C_2`` never stand for one value), written as ``shown`` (equal to it) if given.
        A new name is ``preferred`` where that names no symbol of the document and no other value."""
        if value not in self.named:
            free = (isinstance(preferred, sp.Symbol) and preferred.name not in self.symbols
                    and latex_of(preferred) not in self.printed
                    and all(n.name != preferred.name for n in self.named.values()))
            self.named[value] = preferred if free else self()
            defs.append((latex_of(self.named[value]), value if shown is None else shown))
        return self.named[value]


def new_namer(values: Any, letters: str = "CKZQGRHJ") -> _Namer:
    """Names ``C_1, C_2, ...`` (another letter if a parameter starts with C) for the definitions of one document.

    ``letters`` are the letters tried in turn (the first that starts no symbol's name among ``values``).
    """
    taken, symbols, printed = set(), set(), set()
    for v in values:
        expr = v.expr if isinstance(v, ClosedForm) else v
        free = set(getattr(expr, "free_symbols", set()))
        if isinstance(v, ClosedForm):
            free |= v.free_symbols | {n for n, _ in v.definitions}
            printed |= {str(t) for t in v.names.values()}
        names = {s.name for s in free if getattr(s, "name", "")}
        taken |= {n[0] for n in names}
        symbols |= names
    return _Namer(taken, letters, frozenset(symbols), frozenset(printed))


#: A sum inside a function's argument that is the widest sum of a form is named in its place where it takes at
#: least this share of the argument's width.
INNER_SHARE = 0.5


#: A root of a sum that stands this many times in a form is a candidate to name whole (:func:`_widest_sum`).
REPEATED_ROOT = 2


def _root_of_sum(a: sp.Basic) -> bool:
    """Whether ``a`` is a square root of a sum (or its reciprocal)."""
    return isinstance(a, sp.Pow) and isinstance(a.base, sp.Add) and a.exp in (sp.S.Half, -sp.S.Half)


def named_as(value: sp.Expr, name: sp.Expr) -> dict:
    r"""The replacement that writes ``value`` as ``name`` in a form: for a root of a sum, its reciprocal too
    (``1/\sqrt{S}`` is ``1/C_1``: sympy holds it as a power of its own, which replacing the root misses).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, C = sp.symbols("a b C_1", positive=True)
    >>> (sp.sqrt(a + b) + 1 / sp.sqrt(a + b)).xreplace(named_as(sp.sqrt(a + b), C))
    C_1 + 1/C_1
    """
    if _root_of_sum(value) and value.exp == sp.S.Half:
        return {value: name, 1 / value: 1 / name}
    return {value: name}


def _widest_sum(expr: sp.Expr) -> sp.Expr | None:
    r"""The sum of ``expr`` to name first: the widest, except that where it is a function's whole argument, the
    widest sum inside it that takes most of its width (:data:`INNER_SHARE`): ``\frac12 \ln(1 + a / C_1)`` reads
    whole where ``\frac12 \ln C_1``, the logarithm's argument named, hides what it is. A root of a sum that
    stands :data:`REPEATED_ROOT` times or more (counted with its reciprocal, :func:`named_as`) is named whole where
    its width times its count exceeds the widest sum's: the information rates' :math:`\sqrt{D_x \kappa_y^2 + D_y
    \gamma_x^2}`, four times in one quotient, is one name, not two sums named around four roots."""
    def width(a: sp.Expr) -> float:
        return latex_width(latex_of(a))

    sums = [a for a in sp.preorder_traversal(expr) if isinstance(a, sp.Add) and a is not expr]
    if not sums:
        return None
    best = max(sums, key=width)
    roots = Counter(sp.sqrt(a.base) for a in sp.preorder_traversal(expr) if _root_of_sum(a) and a is not expr)
    repeated = [r for r, n in roots.items() if n >= REPEATED_ROOT]
    if repeated:  # (a root standing several times is named whole, as an author names a rate: Omega = sqrt(...))
        root = max(repeated, key=lambda r: (width(r) * roots[r], sp.default_sort_key(r)))
        if width(root) * roots[root] > width(best):
            return root
    arguments = {a for f in sp.preorder_traversal(expr) if isinstance(f, sp.Function) for a in f.args}
    if best in arguments:
        inner = [a for a in sp.preorder_traversal(best) if isinstance(a, sp.Add) and a is not best]
        if inner:
            widest = max(inner, key=width)
            if width(widest) >= INNER_SHARE * width(best):
                return widest
    return best


#: Most terms of the rest of a division by a sibling sum that :func:`_through_sibling` shortens.
SHORTEN_TERMS = 40


def _through_sibling(inner: sp.Expr, expr: sp.Expr, width: float, namer: _Namer, defs: list,
                     settings) -> tuple[sp.Expr | None, sp.Expr | None]:
    r"""``inner`` written through another sum of ``expr`` that it holds a multiple of, and that sum, as a careful
    author names them: a quotient :math:`N / (q N + R)` with a monomial ``q`` (the BCM synapse's learning rate)
    prints :math:`C_1 / C_2` with :math:`C_2 = q C_1 + R`, ``N`` named once, not two walls. ``N`` is named
    here; ``(None, None)`` where no sibling sum shortens ``inner`` by a quarter (exact polynomial division:
    the form is equal by construction, ``R`` shortened by the namer's ``shorten``). Only a sibling at least half a
    line wide is taken (one a page names anyway: a short sum named for this would be a definition more to read).
    """
    if not inner.is_polynomial():
        return None, None
    wide = latex_width(latex_of(inner, **settings))
    probe = sp.Dummy("C")
    for other in sorted({a for a in sp.preorder_traversal(expr) if isinstance(a, sp.Add) and a is not expr
                         and a != inner and not inner.has(a) and not a.has(inner) and a.is_polynomial()
                         and latex_width(latex_of(a, **settings)) >= width / 2}, key=sp.default_sort_key):
        gens = sorted(inner.free_symbols | other.free_symbols, key=sp.default_sort_key)
        try:
            q, rest = sp.div(sp.Poly(inner, *gens), sp.Poly(other, *gens))
        except (sp.PolynomialError, sp.GeneratorsNeeded):
            continue
        if q.is_zero or len(q.terms()) != 1 or rest.is_zero:
            continue
        rest = rest.as_expr()
        if len(sp.Add.make_args(rest)) <= SHORTEN_TERMS:  # (factoring a wall of monomials takes minutes)
            rest = min((rest, namer.shorten(rest)), key=lambda r: latex_width(latex_of(r, **settings)))
        shown = q.as_expr() * probe + rest  # (the printed width with the sibling named)
        if latex_width(latex_of(shown, **settings)) < 0.75 * wide:
            return q.as_expr() * namer.name(other, defs) + rest, other
    return None, None


#: A label's line that holds terms narrower than this share of the line, the next term not fitting beside them,
#: counts as the label standing alone: that term is broken inside its bracket (:func:`_bracketed`).
LONE_LABEL = 0.1
#: The widest factor (a share of the line) a term is broken behind (:func:`_bracketed`): a wide one, a long root,
#: would push the bracket's first term to the end of the line; its sum is named instead.
SHORT_FACTOR = 0.25


def _bracketed(term: sp.Expr, first: bool, settings, most: float = math.inf) -> list[str] | None:
    r"""The pieces of a term ``p S`` (``S`` a sum, ``p`` what multiplies or divides it) written as an author breaks
    it over lines: ``p \bigg( s_1``, ``+ s_2``, ..., ``+ s_n \bigg)``, each piece a term of ``S``; its sign leads the
    first piece (``first``: no ``+``); a sum of negative terms is written with its sign in front, ``- p \bigg( a +
    b \bigg)``. None where ``term`` is not such a product, or ``p`` prints wider than ``most``."""
    sign = "- " if term.could_extract_minus_sign() else ("" if first else "+ ")
    body = -term if sign == "- " else term
    numerator, _ = sp.fraction(body)
    sums = [f for f in sp.Mul.make_args(numerator) if isinstance(f, sp.Add)]
    if len(sums) != 1:
        return None
    outside = body / sums[0]  # (what multiplies or divides the sum: exact, by sympy)
    inside = sums[0]
    if all(t.could_extract_minus_sign() for t in inside.args):  # - p (a + b), not p ( - a - b )
        inside = sp.Add(*[-t for t in inside.args])
        sign = ("" if first else "+ ") if sign == "- " else "- "
    if any(isinstance(f, sp.Function) and not isinstance(f, sp.exp) for f in sp.preorder_traversal(outside)):
        return None  # (\ln x \bigg( ... \bigg) would read as the logarithm of the product)
    factor = latex_of(outside, **settings)
    if latex_width(factor) > most:
        return None
    inner = _signed_terms(inside, settings)
    tall = any(r"\frac" in p or r"\sqrt" in p for p in inner)
    left, right = (r"\bigg(", r"\bigg)") if tall else (r"\Big(", r"\Big)")
    pieces = [f"{sign}{'' if factor == '1' else factor + ' '}{left} {inner[0]}", *inner[1:]]
    pieces[-1] += f" {right}"
    return pieces


def _fit_expr(lhs: str, expr: Any, width: float, namer: _Namer, defs: list[tuple[str, Any]], settings) -> list[str]:
    tex = latex_of(expr, **settings)
    lead = latex_width(lhs) + 10.0
    if lead + latex_width(tex) <= width:
        return [f"{lhs} &= {tex}"]
    if isinstance(expr, sp.Add):
        pieces: list[str] = []
        for piece, term in zip(_signed_terms(expr, settings), expr.as_ordered_terms()):
            beside = sum(latex_width(p) for p in pieces)  # (the terms beside the label so far)
            room = width - lead - latex_width(f"{lhs} &=") - beside
            if lhs and latex_width(piece) > room and beside < LONE_LABEL * width:
                # the label would stand alone on its line (or with a short term): broken inside the bracket instead
                broken = _bracketed(term, not pieces, settings, SHORT_FACTOR * width)
                if broken is not None and latex_width(broken[0]) <= room and all(
                        latex_width(p) + 40.0 <= width for p in broken):
                    pieces += broken
                    continue
            if latex_width(piece) + 40.0 > width:  # one term too wide: name its widest sum
                inner = _widest_sum(term)
                if inner is not None:
                    term = term.xreplace(named_as(inner, namer.name(inner, defs)))
                sign = "- " if term.could_extract_minus_sign() else "+ "
                piece = (sign if pieces or sign == "- " else "") + latex_of(-term if sign == "- " else term,
                                                                            **settings)
            pieces.append(piece)
        return _pack(f"{lhs} &=", pieces, lead, width)
    for _ in range(12):  # name the widest sums until the rest fits
        inner = _widest_sum(expr)
        if inner is None:
            break
        shown, sibling = (None, None) if inner in namer.named else _through_sibling(inner, expr, width, namer, defs,
                                                                                      settings)
        expr = expr.xreplace(named_as(inner, namer.name(inner, defs, shown)))
        if sibling is not None:  # named for inner's definition: named here too
            expr = expr.xreplace({sibling: namer.name(sibling, defs)})
        tex = latex_of(expr, **settings)
        if lead + latex_width(tex) <= width:
            break
    return [f"{lhs} &= {tex}"]


def fit_lines(lhs: str, value: Any, width: float = TEXT_WIDTH, namer: Any = None,
              names: dict | None = None) -> list[str]:
    r"""``lhs = value`` as lines of an ``align`` environment, each within ``width`` (estimated pt).

    Parameters
    ----------
    lhs : str
        LaTeX of the left-hand side.
    value : sympy expression, ClosedForm, Matrix or number
        A ClosedForm's definitions follow it under ``\text{where}``.
    width : float
        Estimated width (pt) a line may take.
    namer : optional
        The source of names for introduced definitions (:func:`new_namer`); share one
        between the closed forms of one document so that no name is used twice.
    names : mapping, optional
        LaTeX of named Symbols and MatrixSymbols (a ClosedForm's own names are added).

    Returns
    -------
    list of str
        Lines without the trailing ``\\``.

    Examples
    --------
    >>> import sympy as sp
    >>> a = sp.symbols("a_1:40")
    >>> lines = fit_lines("S", sp.Add(*a))
    >>> len(lines) > 1 and all(latex_width(l) < TEXT_WIDTH for l in lines)
    True
    """
    lines, where = fit_parts(lhs, value, width, namer, names)
    return lines + ([r"&\text{where}"] + where if where else [])


def fit_parts(lhs: str, value: Any, width: float = TEXT_WIDTH, namer: Any = None,
              names: dict | None = None) -> tuple[list[str], list[str]]:
    r""":func:`fit_lines` in two parts: the lines of ``lhs = value``, and those of its definitions.

    The definitions (a ClosedForm's, and the sums named to fit the page) come without the
    ``\text{where}`` line, so that a page can gather those of all its results under one.

    Examples
    --------
    >>> import sympy as sp
    >>> S = sp.Symbol("S_1")
    >>> fit_parts("I", sp.log(S), names={S: r"\Sigma_{v v}"})
    (['I &= \\ln \\Sigma_{v v}'], [])
    """
    width = checked_width(width)
    if not isinstance(lhs, str):
        raise InvalidExport(f"the left-hand side must be a LaTeX string but is {type(lhs).__name__} {lhs!r}")
    settings: dict[str, Any] = {"symbol_names": dict(names or {})}
    definitions: list[tuple[str, Any]] = []
    if isinstance(value, ClosedForm):
        settings["symbol_names"].update(value.names)
        # a family of definitions too long for the page: its formula, a line as it is (name None)
        definitions = [(None, f"{n} &= {v}") if isinstance(n, str) else (latex_of(n, **settings), v)
                       for n, v in definition_rows(value.definitions, value.names, lambda v: too_long(v, width))]
        value = value.expr
    value = checked_value(value)
    if namer is None:
        namer = new_namer([value] + [v for _, v in definitions])
    extra: list[tuple[str, Any]] = []
    lines = _fit_expr(lhs, value, width, namer, extra, settings)
    where: list[str] = []
    pending = extra + definitions
    while pending:
        name, v = pending.pop(0)
        more: list[tuple[str, Any]] = []
        if name is None:
            where.append(v)
        elif isinstance(v, sp.MatrixBase):
            where.append(f"{name} &= {latex_of(v, **settings)}")
        else:
            where += _fit_expr(name, v, width, namer, more, settings)
        pending = more + pending
    return lines, where


#: Lines of an ``align`` environment that are no equation: they take no number.
_UNNUMBERED = (r"&\text{where}", r"&\text{with}")


def align_rows(lines: list[str]) -> str:
    r"""Lines of an ``align`` environment joined by ``\\``: ``\text{where}`` (and ``\text{with}``) lines, and the
    lines of a broken equation but its last, marked ``\notag`` so that each equation has one number.

    Examples
    --------
    >>> print(align_rows(["a &= b + c", r"&\quad + d", r"&\text{where}", "b &= 1"]))
    a &= b + c \notag \\
    &\quad + d \\
    &\text{where} \notag \\
    b &= 1
    """
    out = []
    for k, line in enumerate(lines):
        follows = lines[k + 1].lstrip() if k + 1 < len(lines) else ""
        if line.strip() in _UNNUMBERED or follows.startswith(r"&\quad"):
            line += r" \notag"
        out.append(line)
    return " \\\\\n".join(out)
