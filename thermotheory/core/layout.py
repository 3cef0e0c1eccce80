r"""LaTeX that fits the page: long closed forms broken over lines, or through "where" definitions.

The documents this package writes (derivation pages, reports) are ``article`` pages with
2 cm margins: a text block of about 483 pt. :func:`fit_lines` lays a closed form out as
lines of an ``align`` environment no wider than :data:`TEXT_WIDTH` by an estimate of
the typeset width (:func:`latex_width`): a sum is packed term by term onto lines that
start with ``+`` or ``-``; anything else too wide has its widest sums named
(:math:`C_1, C_2, \dots`) and defined after it, each definition broken the same way.
The estimate errs on the wide side; the tests compile every document with pdflatex and
fail on any overfull line.

It sits in ``core`` because a closed form (:func:`thermotheory.latex` with ``width``) and a
model (:mod:`thermotheory.core.display`) are laid out with it; :mod:`thermotheory.export.layout`
re-exports it, with :func:`~thermotheory.export.layout.tex_text` for plain text.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from typing import Any

import sympy as sp

from .closedform import ClosedForm, definition_rows, latex_of
from ..errors import InvalidExport

__all__ = ["TEXT_WIDTH", "latex_width", "fit_lines", "fit_parts", "align_rows", "new_namer", "checked_width",
           "checked_value", "MAX_LINES", "too_long"]

#: Width (pt) a display line may take: the 483 pt text block less room for the equation number.
TEXT_WIDTH = 440.0

_GLYPH = 5.6      # an italic letter or a digit at 10 pt, with its share of spacing
_BINOP = 13.0     # a binary operator with the spaces around it
_SCRIPT = 0.72    # sub- and superscripts
_COMMAND_WIDTHS = {
    r"\left": 0.0, r"\right": 0.0, r"\,": 1.7, r"\;": 2.8, r"\quad": 10.0, r"\qquad": 20.0, r"\!": -1.7,
    r"\cdot": 7.8, r"\times": 13.0, r"\to": 13.0, r"\mid": 8.0, r"\ldots": 13.0, r"\cdots": 13.0,
    r"\infty": 10.0, r"\notag": 0.0, r"\partial": 6.0, r"\pi": 6.0, r"\langle": 4.0, r"\rangle": 4.0,
}
_NAMED_OPERATORS = {r"\log": 16.0, r"\ln": 12.0, r"\exp": 18.0, r"\det": 16.0, r"\lim": 15.0,
                    r"\sin": 16.0, r"\cos": 17.0, r"\operatorname": 0.0, r"\mathrm": 0.0}


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


def _group(s: str, i: int) -> tuple[str, int]:
    """The brace group starting at ``s[i] == '{'`` (or one token) and the index after it."""
    if i >= len(s):
        return "", i
    if s[i] != "{":
        if s[i] == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", s[i:])
            return m.group(0), i + len(m.group(0))
        return s[i], i + 1
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{" and (j == 0 or s[j - 1] != "\\"):
            depth += 1
        elif s[j] == "}" and s[j - 1] != "\\":
            depth -= 1
            if depth == 0:
                return s[i + 1:j], j + 1
    return s[i + 1:], len(s)


def _matrix_width(body: str, scale: float) -> float:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    cols: list[float] = []
    for r in rows:
        for k, cell in enumerate(r.split("&")):
            w = latex_width(cell, scale)
            if k < len(cols):
                cols[k] = max(cols[k], w)
            else:
                cols.append(w)
    return sum(cols) + 10.0 * scale * max(len(cols) - 1, 0) + 12.0 * scale


def latex_width(tex: str, scale: float = 1.0) -> float:
    r"""An estimate (pt, 10 pt type, display style) of the width of a LaTeX math string.

    Fractions take the wider of numerator and denominator (nested ones smaller), scripts
    0.72 of their base size, matrices the sum of their widest columns.

    Examples
    --------
    >>> latex_width(r"\frac{a + b}{c}") < latex_width("a + b + c")
    True
    """
    if not isinstance(tex, str):
        raise InvalidExport(f"expected a LaTeX string but found {type(tex).__name__} {tex!r}")
    w = 0.0
    i = 0
    n = len(tex)
    while i < n:
        ch = tex[i]
        if ch in " \n\t":
            i += 1
            continue
        if ch in "{}":
            i += 1
            continue
        if ch in "_^":
            arg, i = _group(tex, i + 1)
            w += latex_width(arg, scale * _SCRIPT)
            continue
        if ch == "&":
            i += 1
            continue
        if ch == "\\":
            m = re.match(r"\\[A-Za-z]+|\\.", tex[i:], flags=re.S)
            cmd = m.group(0) if m else "\\"  # a lone backslash at the end: broken TeX, counted as one character
            i += len(cmd)
            if cmd in (r"\frac", r"\dfrac", r"\tfrac"):
                num, i = _group(tex, i)
                den, i = _group(tex, i)
                inner = scale * (0.75 if scale < 1 or cmd == r"\tfrac" else 1.0)
                w += max(latex_width(num, inner), latex_width(den, inner)) + 3.0 * scale
            elif cmd == r"\sqrt":
                if i < n and tex[i] == "[":
                    j = tex.index("]", i)
                    i = j + 1
                arg, i = _group(tex, i)
                w += latex_width(arg, scale) + 9.0 * scale
            elif cmd == r"\begin":
                env, i = _group(tex, i)
                end = tex.find(r"\end{" + env + "}", i)
                end = n if end < 0 else end
                body = tex[i:end]
                i = end + len(r"\end{" + env + "}")
                if "matrix" in env:
                    w += _matrix_width(body, scale)
                else:
                    w += max((latex_width(line, scale) for line in re.split(r"\\\\", body)), default=0.0)
            elif cmd in (r"\text", r"\mathrm", r"\operatorname", r"\mathbf", r"\mathcal", r"\boldsymbol",
                         r"\hat", r"\bar", r"\tilde", r"\mathit"):
                arg, i = _group(tex, i)
                per = 5.0 if cmd == r"\text" else _GLYPH
                w += (len(arg) * per * scale if cmd in (r"\text", r"\mathrm", r"\operatorname")
                      else latex_width(arg, scale)) + (3.0 * scale if cmd == r"\operatorname" else 0.0)
            elif cmd in _COMMAND_WIDTHS:
                w += _COMMAND_WIDTHS[cmd] * scale
            elif cmd in _NAMED_OPERATORS:
                w += _NAMED_OPERATORS[cmd] * scale
            elif cmd in (r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg"):
                continue
            else:  # a Greek letter or another symbol
                w += _GLYPH * 1.1 * scale
            continue
        if ch in "+-=<>":
            w += (_BINOP if scale == 1.0 else 8.0) * scale
        elif ch in "()[]|":
            w += 4.5 * scale
        elif ch in ",;":
            w += 4.5 * scale
        else:
            w += _GLYPH * scale
        i += 1
    return w


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
    def __init__(self, taken: set[str], letters: str = "CKZQGRHJ"):
        letter = next((c for c in letters if c not in taken), None)
        self.letter = letter if letter is not None else r"\mathcal{C}"
        self.count = 0
        self.named: dict[sp.Expr, sp.Symbol] = {}  # the values named so far, so that one value has one name
        #: Rewrites a form to a shorter equal one (a page's presentation pass; by default sympy's factor).
        self.shorten: Callable[[sp.Expr], sp.Expr] = sp.factor

    def __call__(self) -> sp.Symbol:
        self.count += 1
        return sp.Symbol(f"{self.letter}_{self.count}")

    def name(self, value: sp.Expr, defs: list, shown: sp.Expr | None = None) -> sp.Symbol:
        """The document's name of ``value``: the one it already has, else a new one with its definition added to
        ``defs`` (``C_1`` and ``C_2`` never stand for one value), written as ``shown`` (equal to it) if given."""
        if value not in self.named:
            self.named[value] = self()
            defs.append((latex_of(self.named[value]), value if shown is None else shown))
        return self.named[value]


def new_namer(values: Any, letters: str = "CKZQGRHJ") -> _Namer:
    """Names ``C_1, C_2, ...`` (another letter if a parameter starts with C) for the definitions of one document.

    ``letters`` are the letters tried in turn (the first that starts no symbol's name among ``values``).
    """
    taken = set()
    for v in values:
        expr = v.expr if isinstance(v, ClosedForm) else v
        free = set(getattr(expr, "free_symbols", set()))
        if isinstance(v, ClosedForm):
            free |= v.free_symbols | {n for n, _ in v.definitions}
        taken |= {s.name[0] for s in free if getattr(s, "name", "")}
    return _Namer(taken, letters)


#: A sum inside a function's argument that is the widest sum of a form is named in its place where it takes at
#: least this share of the argument's width.
INNER_SHARE = 0.5


def _widest_sum(expr: sp.Expr) -> sp.Expr | None:
    r"""The sum of ``expr`` to name first: the widest, except that where it is a function's whole argument, the
    widest sum inside it that takes most of its width (:data:`INNER_SHARE`): ``\frac12 \ln(1 + a / C_1)`` reads
    whole where ``\frac12 \ln C_1``, the logarithm's argument named, hides what it is."""
    def width(a: sp.Expr) -> float:
        return latex_width(latex_of(a))

    sums = [a for a in sp.preorder_traversal(expr) if isinstance(a, sp.Add) and a is not expr]
    if not sums:
        return None
    best = max(sums, key=width)
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


def _fit_expr(lhs: str, expr: Any, width: float, namer: _Namer, defs: list[tuple[str, Any]], settings) -> list[str]:
    tex = latex_of(expr, **settings)
    lead = latex_width(lhs) + 10.0
    if lead + latex_width(tex) <= width:
        return [f"{lhs} &= {tex}"]
    if isinstance(expr, sp.Add):
        pieces = []
        for piece, term in zip(_signed_terms(expr, settings), expr.as_ordered_terms()):
            if latex_width(piece) + 40.0 > width:  # one term too wide: name its widest sum
                inner = _widest_sum(term)
                if inner is not None:
                    term = term.xreplace({inner: namer.name(inner, defs)})
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
        expr = expr.xreplace({inner: namer.name(inner, defs, shown)})
        if sibling is not None:  # named for inner's definition: named here too
            expr = expr.xreplace({sibling: namer.name(sibling, defs)})
        tex = latex_of(expr, **settings)
        if lead + latex_width(tex) <= width:
            break
    return [f"{lhs} &= {tex}"]


#: Printed lines past which a form is too long for a page: a composite parameter is tried for it
#: (:func:`~thermotheory.export.derivation.quantity_lines`), and a family of such definitions prints its formula
#: (:func:`~thermotheory.core.closedform.definition_rows`).
MAX_LINES = 3


def too_long(form: Any, width: float = TEXT_WIDTH) -> bool:
    """Whether a plain closed form (not a matrix) would print on more than :data:`MAX_LINES` lines of ``width``.

    Examples
    --------
    >>> import sympy as sp
    >>> too_long(sp.Symbol("a")), too_long(sp.Add(*sp.symbols("a_1:200")))
    (False, True)
    """
    return (isinstance(form, sp.Expr) and not isinstance(form, sp.MatrixBase)
            and latex_width(latex_of(form)) > MAX_LINES * width)


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
