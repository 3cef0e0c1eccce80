r"""LaTeX of a model: its system of SDEs, one line per state variable.

``dz_i = f_i(z)\, dt + \sqrt{2 D_i}\, dW_i``, with odd variables marked. Renders a
:class:`~thermotheory.LinearSDE` (its drift ``A z + b``, diagonal or correlated noise) and a
nonlinear :class:`~thermotheory.SDE` (any drift, state-dependent diffusion).

Each equation is written as an author writes it (issue #24), by one rule for every model: the
drift in the form that reads shortest (:func:`written_drift`: a common factor pulled out,
``\frac{k}{\gamma} \left(t u - x\right)`` or ``\frac{g v - x}{\tau_{n}}``, a single term without
brackets, the terms of each state variable collected, ``\left(\gamma + \gamma_{fb}\right) v``, and each
state variable written last in its term, after its coefficient, ``\left(k + \kappa\right) x_{1}``),
chosen by the presentation pass's measure among forms checked equal at random points;
the noise amplitude with the square factors of ``D`` taken out of the root where the symbols'
assumptions allow it (:func:`noise_amplitude`: ``\sigma_{v} \sqrt{\frac{2}{\tau_{v}}}``,
``\frac{\sqrt{2 T \gamma}}{m}``), none for ``D = 0``. A correlated noise is written
``(\sqrt{2D}\, dW)_z`` with its matrix.

It sits below the model classes: a kind of model renders itself through its ``latex_lines``
method, which calls :func:`linear_lines` or :func:`nonlinear_lines` here (so this module imports no
model). :mod:`thermotheory.export.model_latex` re-exports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sympy as sp

from ..errors import InvalidDiffusion, InvalidExport, ModelError
from .checks import as_expression
from .closedform import _Printer, latex_of
from .layout import (TEXT_WIDTH, _pack, _signed_terms, _widest_sum, checked_width, fit_lines, latex_width, named_as,
                     new_namer)
from .presentation import (Reading, _ordered, compact, equal_at_random_points, leading_minus, nested_fractions,
                           shared_factors)

__all__ = ["model_latex", "model_latex_lines", "MAX_LATEX_VARIABLES", "field_lines", "written_drift", "noise_amplitude",
           "Written"]

#: Largest number of state variables rendered (one line each).
MAX_LATEX_VARIABLES = 30

#: Forms of a drift whose printed size (:func:`~thermotheory.core.presentation.reading`'s score) differs by no more
#: than this (pt, less than a thin space) read alike: the preferred one is kept (:func:`written_drift`).
TIE_PT = 1.0

#: Letters of the names given to sums named in a model's equations (others than the closed forms' C, K, ...).
_MODEL_LETTERS = "FHJRQ"

#: Letters a protocol is named by (a piecewise function of time in a model's coefficients): the first that names
#: nothing of the model's.
PROTOCOL_LETTERS = ("h", "u", "f")


def protocols(exprs: Sequence[Any], time: sp.Symbol | None,
              variables: Sequence[sp.Symbol] = ()) -> dict[sp.Piecewise, sp.Expr]:
    r"""Each piecewise function of time (or of state variables) among ``exprs``, named as an author names a protocol:
    ``h(t)``.

    A model driven by a ramp holds its protocol as a ``Piecewise`` of time in its coefficients (a model simulated
    with a clock, of its clock variable ``c``); written in the equation, the cases shrink to the size of an index
    inside the drift's fraction. Named, the equation reads ``\frac{\lambda \mu h(t) - w}{\tau_{w}}`` and the
    protocol is defined under "where". One protocol is ``h(t)``; several are ``h_{1}(t), h_{2}(t), ...`` in the
    order they stand in ``exprs``; the arguments are the time and the state variables it depends on. The letter is
    the first of :data:`PROTOCOL_LETTERS` that starts no name of the model's (its symbols and functions). A
    piecewise form of parameters alone is no protocol: it is left as it is.

    Parameters
    ----------
    exprs : sequence of sympy expressions
        The model's coefficients (drift and diffusion entries).
    time : sympy.Symbol or None
        The model's symbol of time, if it has one.
    variables : sequence of sympy.Symbol, optional
        The model's state variables.

    Returns
    -------
    dict
        Each protocol (a ``Piecewise``) -> its name, a :class:`ProtocolName` (a real symbol printed ``h(t)``, so that
        the drift is rewritten and checked at random points as with any parameter).

    Examples
    --------
    >>> import sympy as sp
    >>> t, tau = sp.symbols("t tau", positive=True)
    >>> ramp = sp.Piecewise((t / tau, t < tau), (1, True))
    >>> named = protocols([2 * ramp], t)
    >>> named
    {Piecewise((t/tau, t < tau), (1, True)): h(t)}
    >>> latex_of(3 * named[ramp])
    '3 h(t)'
    """
    carriers = ([time] if time is not None else []) + [v for v in variables if v != time]
    exprs = [sp.sympify(e) for e in exprs]
    found: dict[sp.Piecewise, str] = {}
    for e in exprs:
        nodes = sp.preorder_traversal(e)
        for node in nodes:
            if isinstance(node, sp.Piecewise):
                args = [c.name for c in carriers if c in node.free_symbols]
                if args:  # (the outermost only: a piecewise inside a protocol is part of its definition)
                    found.setdefault(node, ", ".join(args))
                    nodes.skip()
    if not found:
        return {}
    used = {getattr(a, "name", "") for e in exprs for a in e.atoms(sp.Symbol)} | {c.name for c in carriers}
    used |= {type(f).__name__ for e in exprs for f in e.atoms(sp.Function)}
    initials = {n.split("_")[0] for n in used if n}
    letter = next((c for c in PROTOCOL_LETTERS if c not in initials), PROTOCOL_LETTERS[0] + "_p")
    if len(found) == 1:
        (pw, args), = found.items()
        return {pw: ProtocolName(f"{letter}({args})", real=True)}
    return {pw: ProtocolName(f"{letter}_{k}({args})", real=True) for k, (pw, args) in enumerate(found.items(), 1)}


class ProtocolName(sp.Symbol):
    r"""The name of a protocol in a model's equations: a real symbol named ``"h(t)"``, ``"h_1(t)"`` or ``"h(c, t)"``,
    printed as a function is, ``h(t)``, ``h_{1}(t)``, ``h(c, t)`` (:func:`protocols`).

    Examples
    --------
    >>> latex_of(ProtocolName("h_2(tau)"))
    'h_{2}(\\tau)'
    """

    def sort_key(self, order: Any = None) -> tuple:
        """Sorted as a function of time is: after the symbols of a product (``\\lambda \\mu h(t)``)."""
        return (4, 0, type(self).__name__), (1, (self.name,)), sp.S.One.sort_key(), sp.S.One

    def _latex(self, printer: Any) -> str:
        head, _, args = self.name.partition("(")
        inner = ", ".join(printer._print(sp.Symbol(a)) for a in args.rstrip(")").split(", "))
        return f"{printer._print(sp.Symbol(head))}({inner})"


def _zero(x: sp.Expr) -> bool:
    """Whether an entry is zero (a float 0.0 as well: sympy no longer calls ``Float(0.0) == 0``)."""
    return bool(sp.sympify(x).is_zero)


class Written(NamedTuple):
    """A piece of an equation as printed: the expression it has the value of, and its LaTeX."""

    #: The value of what is printed (a drift, or a noise amplitude ``sqrt(2 D)``).
    expr: sp.Expr
    #: Its LaTeX.
    tex: str


def _square_parts(n: int) -> tuple[int, int]:
    """``(a, m)`` with ``n = a^2 m`` and ``m`` free of squares (``n`` a positive integer)."""
    a, m = 1, 1
    for p, k in sp.factorint(n).items():
        a *= p ** (k // 2)
        m *= p ** (k % 2)
    return a, m


def noise_amplitude(d: Any) -> Written | None:
    r"""The noise amplitude :math:`\sqrt{2 D}` of a diffusion ``d`` as an author writes it; None for ``d = 0``.

    ``D`` is written as a product (its common factors pulled out of a sum); every factor whose
    base is positive by its assumptions (or is a positive number) has its square part taken out
    of the root: ``\sigma_v^2/\tau_v`` gives ``\sigma_{v} \sqrt{\frac{2}{\tau_{v}}}``,
    ``T \gamma/m^2`` gives ``\frac{\sqrt{2 T \gamma}}{m}``. A base that may be negative (a
    real state variable) stays under the root. A number is printed as its root, simplified
    (``D = 1/2`` gives ``1``).

    Examples
    --------
    >>> import sympy as sp
    >>> s, tau = sp.symbols("sigma tau", positive=True)
    >>> noise_amplitude(s**2 / tau).tex
    '\\sigma \\sqrt{\\frac{2}{\\tau}}'
    >>> noise_amplitude(sp.Rational(1, 2)).tex, noise_amplitude(0)
    ('1', None)
    """
    d = as_expression(d, "the noise intensity")
    if _zero(d):
        return None
    if d.is_negative:
        raise InvalidDiffusion(f"a noise intensity must not be negative, but D = {d}: its amplitude sqrt(2 D) would "
                               "be imaginary")
    if d.is_number:
        amp = sp.sqrt(2 * d)
        if d.is_Rational or _zero(amp - 1):
            return Written(amp, latex_of(amp))
        # a decimal: its root would print fifteen digits; "2 \cdot" as "2 0.3" would read as 20.3
        return Written(amp, r"\sqrt{2}" if _zero(d - 1) else rf"\sqrt{{2 \cdot {latex_of(d)}}}")
    d = sp.factor_terms(d)
    coeff, rest = d.as_coeff_Mul()
    out, inside = [], []
    for f in sp.Mul.make_args(rest):
        base, e = f.as_base_exp()
        if e.is_Integer and abs(e) >= 2 and base.is_positive:
            q = int(e) // 2 if e > 0 else -(int(-e) // 2)
            out.append(base ** q)
            inside.append(base ** (e - 2 * q))
        else:
            inside.append(f)
    n = 2 * coeff
    if n.is_Rational and n > 0:
        (a, p), (b, q) = _square_parts(int(n.p)), _square_parts(int(n.q))
        out.append(sp.Rational(a, b))
        n = sp.Rational(p, q)
    outside = sp.Mul(*out)
    body = sp.Mul(*inside)
    # a number times a sum is held unevaluated (sympy would multiply the number into the sum)
    radicand = sp.Mul(n, body, evaluate=False) if body.is_Add and n != 1 else n * body
    amp = outside * sp.sqrt(n * body)
    if _zero(radicand - 1):
        return Written(amp, latex_of(outside))
    if radicand.is_number and not radicand.has(sp.Float):  # a number's root first: \sqrt{2} k, \frac{\sqrt{2} \sigma}{m}
        return Written(amp, latex_of(outside * sp.Pow(radicand, sp.Rational(1, 2), evaluate=False)))
    root = rf"\sqrt{{{latex_of(radicand)}}}"
    num, den = sp.fraction(outside)
    head = "" if _zero(num - 1) else latex_of(num) + " "
    tex = head + root if _zero(den - 1) else rf"\frac{{{head}{root}}}{{{latex_of(den)}}}"
    return Written(amp, tex)


def _noise(d: sp.Expr, v: sp.Symbol) -> str:
    r"""``+ a\, dW_v`` for a diffusion ``d``, ``a`` its amplitude :math:`\sqrt{2D}` (:func:`noise_amplitude`).

    None for ``d = 0``; no amplitude for ``a = 1``.
    """
    amp = noise_amplitude(d)
    if amp is None:
        return ""
    lead = "" if _zero(amp.expr - 1) else amp.tex + r"\, "
    return rf" + {lead}dW_{{{latex_of(v)}}}"


class _WrittenPrinter(_Printer):
    r"""The pages' printer (:func:`~thermotheory.core.closedform.latex_of`) with each product of a drift written
    coefficient first, state variables last: ``\left(k + \kappa\right) x_{1}``, ``\gamma V``, ``\frac{k x}{m}``.

    Setting ``variables``: the state variables (a frozenset of Symbols). A product whose denominator holds no
    state variable is written as its factors free of them (in the printer's order), then the others; anything
    else is printed as :func:`~thermotheory.core.closedform.latex_of` prints it.
    """

    _default_settings = {**_Printer._default_settings, "variables": frozenset()}

    def _print_Mul(self, expr: Any) -> str:
        variables = self._settings["variables"]
        if not variables or not (expr.free_symbols & variables) or not isinstance(expr, sp.Mul):
            return super()._print_Mul(expr)
        if expr.could_extract_minus_sign():
            positive = -expr
            if isinstance(positive, sp.Mul):
                return "- " + self._print_Mul(positive)
            return super()._print_Mul(expr)
        num, den = sp.fraction(expr, exact=True)
        if den.free_symbols & variables:
            return super()._print_Mul(expr)
        factors = num.as_ordered_factors() if isinstance(num, sp.Mul) else [num]
        coeff = [f for f in factors if not (f.free_symbols & variables) and not isinstance(f, ProtocolName)]
        rest = [f for f in factors if f not in coeff]  # (a protocol after the state variables: \mu h(c))
        if not coeff or not rest:
            return super()._print_Mul(expr)
        top = self._factors_tex(coeff + rest)
        return top if den == 1 else rf"\frac{{{top}}}{{{self._print(den)}}}"


def _written_tex(expr: Any, variables: frozenset) -> str:
    r"""LaTeX of a drift (or a piece of one) as the pages print it, each state variable after its coefficient
    (:class:`_WrittenPrinter`)."""
    return _WrittenPrinter({"variables": frozenset(variables)}).doprint(expr)


def _coefficient_split(term: sp.Expr, variables: frozenset) -> tuple[sp.Expr, sp.Expr] | None:
    """A product as (its coefficient, free of the state variables and of sums; the rest), or None where there is
    nothing to split: the coefficient a fraction with a symbol above and below (``k/\\gamma``), the rest not 1."""
    if not isinstance(term, sp.Mul):
        return None
    coeff = [f for f in term.args if not (f.free_symbols & variables) and not f.as_base_exp()[0].is_Add]
    rest = [f for f in term.args if f not in coeff]
    if not coeff or not rest:
        return None
    c = sp.Mul(*coeff)
    num, den = sp.fraction(c)
    if num.is_number or den.is_number:
        return None
    return c, sp.Mul(*rest)


def _split_term_tex(term: sp.Expr, variables: frozenset) -> str:
    """LaTeX of one term with its coefficient written before the state variables (``\\frac{k}{\\gamma} x``)."""
    split = _coefficient_split(term, variables)
    if split is None:
        return _written_tex(term, variables)
    c, rest = split
    rest_tex = _written_tex(rest, variables)
    if rest.is_Add:
        rest_tex = rf"\left({rest_tex}\right)"
    return f"{latex_of(c)} {rest_tex}"


def _split_tex(expr: sp.Expr, variables: frozenset) -> str:
    """LaTeX of a drift with each term's coefficient written before its state variables."""
    terms = expr.as_ordered_terms() if expr.is_Add else [expr]
    pieces = []
    for k, t in enumerate(terms):
        negative = t.could_extract_minus_sign()
        body = _split_term_tex(-t if negative else t, variables)
        pieces.append(("- " if negative else ("+ " if k else "")) + body)
    return " ".join(pieces)


def _monomial(term: sp.Expr, variables: frozenset) -> sp.Expr:
    """The state variables' part of a term of a sum: the product of its factors that are powers of them."""
    return sp.Mul(*[f for f in sp.Mul.make_args(term) if f.as_base_exp()[0] in variables])


def _uncollected(expr: sp.Expr, variables: Any) -> int:
    r"""How many monomials of the state variables stand in more than one term of a sum of ``expr``, not collected.

    ``\gamma v + \gamma_{fb} v + k x`` repeats ``v``: one; its collected form
    ``\left(\gamma + \gamma_{fb}\right) v + k x`` none, nor ``x - x^{3}`` (two powers of ``x``).
    :func:`written_drift` counts each as a factor left inside a sum
    (:data:`~thermotheory.core.presentation.SHARED_FACTOR_PT`), so that an author's collected form wins where it
    is no longer but for its brackets.

    Examples
    --------
    >>> import sympy as sp
    >>> x, v = sp.symbols("x v", real=True)
    >>> g, h, k = sp.symbols("gamma gamma_fb k", positive=True)
    >>> _uncollected(g * v + h * v + k * x, [x, v]), _uncollected((g + h) * v + k * x, [x, v])
    (1, 0)
    """
    variables = frozenset(variables)
    count = 0
    for node in sp.preorder_traversal(sp.sympify(expr)):
        if not isinstance(node, sp.Add):
            continue
        seen: set = set()
        repeated: set = set()
        for t in node.args:
            mono = _monomial(t, variables)
            if mono == 1:
                continue
            (repeated if mono in seen else seen).add(mono)
        count += len(repeated)
    return count


def _score(expr: sp.Expr, tex: str, variables: frozenset = frozenset()) -> float:
    """What a reader sees of ``tex`` (the LaTeX of ``expr``): :attr:`~thermotheory.core.presentation.Reading.score`,
    with a monomial of the state variables left in two terms of a sum counted as a factor left inside
    (:func:`_uncollected`), and so a number every term of the drift's sum shares (:func:`_shared_number`)."""
    num, den = nested_fractions(tex)
    return Reading(latex_width(tex), latex_width(tex.replace(r"\frac", "")), num, den, leading_minus(tex), len(tex),
                   shared_factors(expr) + _uncollected(expr, variables) + _shared_number(expr)).score


def _shared_number(drift: sp.Expr) -> int:
    r"""1 where ``drift`` is a sum whose terms all share a rational factor other than 1 (``2 v - 2 x_1``: an author
    writes :math:`2 (v - x_1)`), else 0. A shared symbol is :func:`~thermotheory.core.presentation.shared_factors`'
    (a polynomial drift, :math:`x - x^3`, keeps its terms); inner sums are the presentation pass's.

    Examples
    --------
    >>> import sympy as sp
    >>> v, x = sp.symbols("v x", real=True)
    >>> _shared_number(2 * v - 2 * x), _shared_number(x - x**3), _shared_number(sp.Mul(2, v - x, evaluate=False))
    (1, 0, 0)
    """
    if not isinstance(drift, sp.Add) or drift.has(sp.Float):
        return 0
    content, _ = drift.as_content_primitive()
    return int(content.is_Rational and abs(content) != 1)


def written_drift(drift: Any, variables: Any = ()) -> Written:
    r"""A drift as an author writes it: the form that reads shortest among equal candidates.

    The candidates are the drift as given, expanded, with its common factor pulled out
    (:func:`sympy.factor_terms`), collected over the state variables (with and without the
    factor common to the collected terms pulled out), and the presentation pass's form
    (:func:`~thermotheory.core.presentation.compact`); each is printed as the pages print it,
    every state variable last in its term, after its coefficient
    (``\left(k + \kappa\right) x_{1}``, :class:`_WrittenPrinter`), and with each coefficient
    written as a fraction before the state variables (``\frac{k}{\gamma} \left(t u - x\right)``).
    A candidate not equal to the drift at random points
    (:func:`~thermotheory.core.presentation.equal_at_random_points`) is dropped; the one that
    reads shortest (:func:`~thermotheory.core.presentation.reading`'s score, a monomial of the
    state variables left in two terms of one sum counting as a factor left inside:
    :func:`_uncollected`) is kept. No constant is named: the state variables stay in sight.

    Examples
    --------
    >>> import sympy as sp
    >>> v, x = sp.symbols("v x", real=True)
    >>> g, tau = sp.symbols("g tau_n", positive=True)
    >>> written_drift(g * v / tau - x / tau, [v, x]).tex
    '\\frac{g v - x}{\\tau_{n}}'
    """
    drift = _plain(as_expression(drift, "the drift"))
    if isinstance(variables, (str, sp.Basic)) or not all(isinstance(v, sp.Symbol) for v in variables):
        raise ModelError(f"written_drift: variables: expected a sequence of Symbols but found {variables!r}")
    variables = frozenset(variables)
    expanded = sp.expand(drift)
    cands = []  # in the order preferred among forms that read alike: factored first
    # a sum or integral over an index (a lattice's directions) cannot be checked at points: the drift as given;
    # decimal coefficients (a numeric model) have no factor an author would pull out: as given, or expanded
    if not drift.is_Atom and not drift.has(sp.Sum, sp.Integral, sp.Float):
        cands += [_plain(compact(drift)), sp.factor_terms(expanded)]
        if variables:
            collected = sp.collect(expanded, sorted(variables, key=sp.default_sort_key), func=sp.factor_terms)
            # each state variable's coefficient collected, and the factor common to them pulled out:
            # -[(\gamma + \gamma_{fb}) v + k x]/m where the expanded drift repeats v
            cands += [sp.factor_terms(collected), collected]
    cands += [drift] if drift.has(sp.Sum, sp.Integral) else [drift, expanded]
    scored = []
    seen = set()
    for cand in cands:
        if cand in seen:
            continue
        seen.add(cand)
        if cand is not drift and cand != expanded and not equal_at_random_points(cand, drift):
            continue
        shown = _ordered(cand)
        # alike, the coefficients before the variables
        for tex in (_split_tex(shown, variables), _written_tex(shown, variables)):
            scored.append((_score(cand, tex, variables), len(scored), Written(cand, tex)))
    least = min(s for s, _, _ in scored)
    # (among forms that read alike, one with a state variable left in two terms never wins: the lattice's
    # \epsilon \phi_{i - 1} + \phi_{i - 1} beside (1 + \epsilon) \phi_{i - 1})
    return min((_uncollected(w.expr, variables), k, w) for s, k, w in scored if s <= least + TIE_PT)[2]


def _plain(e: sp.Expr) -> sp.Expr:
    """``e`` with the sums held for printing (led by a positive term) made sympy's own again, for evaluation."""
    if not isinstance(e, sp.Basic):
        return e
    return e.replace(lambda x: isinstance(x, sp.Add) and type(x) is not sp.Add, lambda x: sp.Add(*x.args))


def _odd(parity: int) -> str:
    return r" \quad (\text{odd})" if parity == -1 else ""


def _name(value: sp.Expr, namer: Any, defs: list) -> sp.Symbol:
    """The name of ``value`` among the definitions ``defs`` (a new one, appended, if it has none yet)."""
    for name, known in defs:
        if known == value:
            return name
    name = namer()
    defs.append((name, value))
    return name


def _name_sums(expr: sp.Expr, room: float, namer: Any, defs: list) -> sp.Expr:
    """``expr`` with its widest sums named (definitions appended to ``defs``) until its LaTeX fits ``room``."""
    for _ in range(12):
        if latex_width(latex_of(expr)) <= room:
            break
        inner = _widest_sum(expr)
        if inner is None:
            break
        expr = expr.xreplace(named_as(inner, _name(inner, namer, defs)))
    return expr


def _drift_dt(written: Written) -> str:
    r"""``\left(a + b\right) dt`` for a sum, ``t\, dt`` for one term (a product, a fraction: no brackets)."""
    if written.expr.is_Add:
        return rf"\left({written.tex}\right) dt"
    return rf"{written.tex}\, dt"


def _equation(v: sp.Symbol, drift: sp.Expr, noise: str | tuple[sp.Expr, sp.Symbol], odd: str, width: float,
              namer: Any, defs: list, variables: Any = ()) -> list[str]:
    r"""``dv &= drift\, dt + noise`` on one line if it fits ``width``, else broken term by term.

    The drift is written as an author writes it (:func:`written_drift`: a sum in brackets, one
    term bare), the noise with its amplitude simplified (:func:`noise_amplitude`). A drift too
    wide is written ``\Bigl( t_1 + t_2 ... \Bigr)\, dt`` over continuation lines; a single
    term (or a diffusion) too wide for a line has its widest sums named, defined under "where".
    """
    lhs = f"d{latex_of(v)}"
    noise_tex = noise if isinstance(noise, str) else _noise(*noise)
    one = rf"{lhs} &= {_drift_dt(written_drift(drift, variables))}{noise_tex}{odd}"
    if latex_width(one) <= width:
        return [one]
    room = width - 60.0  # a continuation line's indent and the brackets
    terms = list(drift.as_ordered_terms()) if isinstance(drift, sp.Add) else [drift]
    terms = [_name_sums(t, room, namer, defs) for t in terms]
    pieces = _signed_terms(sp.Add(*terms, evaluate=False), {}) if len(terms) > 1 else [latex_of(terms[0])]
    pieces[0] = r"\Bigl(" + pieces[0]
    pieces[-1] += r"\Bigr)\, dt"
    if not isinstance(noise, str) and latex_width(noise_tex) > room:
        noise_tex = _noise(_name(sp.sympify(noise[0]), namer, defs), noise[1])
    if noise_tex:
        pieces.append(noise_tex.strip())
    if odd:
        pieces[-1] += odd
    return _pack(f"{lhs} &=", pieces, latex_width(lhs) + 10.0, width)


def _matrix_lines(name: str, M: sp.Matrix, z: Any, width: float) -> list[str]:
    r"""``name &= M`` if it fits ``width``, else its nonzero entries of the upper triangle as components ``name_{ab} = m``."""
    whole = f"{name} &= {latex_of(M)}"
    if latex_width(whole) <= width:
        return [whole]
    items = [f"{name}_{{{latex_of(z[i])} {latex_of(z[j])}}} = {latex_of(M[i, j])}"
             for i in range(M.rows) for j in range(i, M.cols) if not _zero(M[i, j])]
    lines, cur = [], "&"
    for item in items:
        sep = "" if cur == "&" else r",\quad "
        if cur != "&" and latex_width(cur + sep + item) + 10.0 > width:
            lines.append(cur + ",")
            cur, sep = "&", ""
        cur += sep + item
    lines.append(cur)
    return lines


def linear_lines(model: Any, width: float) -> list[str]:
    """The ``aligned`` lines of a :class:`~thermotheory.LinearSDE` (its drift ``A z + b``, its noise ``D``).

    What ``LinearSDE.latex_lines`` returns; the checks are :func:`model_latex_lines`'s.
    """
    A, b, D = model.A, model.b, model.D
    named = protocols(list(A) + list(b) + list(D), model.time, model.variables)
    if named:
        A, b, D = (M.xreplace(named) for M in (A, b, D))
    z = model.variables
    n = model.dimension
    namer = new_namer(list(A) + list(b) + list(D), _MODEL_LETTERS)
    defs: list[tuple[str, Any]] = [(name, pw) for pw, name in named.items()]
    lines = []
    correlated = False
    for i, v in enumerate(z):
        drift = sp.expand(sum((A[i, j] * z[j] for j in range(n)), b[i]))
        noise: str | tuple = ""
        if any(not _zero(D[i, j]) for j in range(n)):
            if all(_zero(D[i, j]) for j in range(n) if j != i):
                noise = (D[i, i], v)
            else:
                correlated = True
                noise = rf" + \left(\sqrt{{2D}}\, dW\right)_{{{latex_of(v)}}}"
        lines += _equation(v, drift, noise, _odd(model.parity[i]), width, namer, defs, z)
    if correlated:  # the correlated noise's matrix, which the lines above name but do not show
        lines += [r"&\text{with}"] + _matrix_lines("D", D, z, width)
    return lines + _where(defs, width, namer)


def nonlinear_lines(model: Any, width: float) -> list[str]:
    """The ``aligned`` lines of a nonlinear :class:`~thermotheory.SDE` (any drift, state-dependent diffusion).

    What ``SDE.latex_lines`` returns; the checks are :func:`model_latex_lines`'s.
    """
    drift, diffusion = model.drift, model.diffusion
    named = protocols(list(drift.values()) + list(diffusion.values()), getattr(model, "time", None), model.variables)
    if named:
        drift = {v: sp.sympify(e).xreplace(named) for v, e in drift.items()}
        diffusion = {v: sp.sympify(e).xreplace(named) for v, e in diffusion.items()}
    namer = new_namer(list(drift.values()) + list(diffusion.values()), _MODEL_LETTERS)
    defs: list[tuple[str, Any]] = [(name, pw) for pw, name in named.items()]
    lines = []
    for v, p in zip(model.variables, model.parity):
        lines += _equation(v, sp.sympify(drift[v]), (diffusion[v], v), _odd(p), width, namer, defs,
                           model.variables)
    return lines + _where(defs, width, namer)


def field_lines(field: Any, width: float) -> list[str]:
    r"""The ``aligned`` lines of a field on a lattice: the Langevin equation of one site, its couplings included.

    ``field`` has ``site`` (the site's variable), ``drift`` (its drift: a sympy expression
    in the site's variable, its neighbours' and parameters, with a sum over the lattice
    directions) and ``diffusion`` (:math:`D`, the noise being :math:`\sqrt{2D}\, dW`),
    as :class:`~thermotheory.core.lattice.LatticeEquation` has. A drift too wide for a line
    is broken term by term, as a model's equations are (:func:`linear_lines`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.lattice import LatticeEquation
    >>> print(field_lines(LatticeEquation(1, 1, 1, 1, 1, 0), 440.0)[0])
    d\phi_{i} &= \left(\phi_{i + 1} + \phi_{i - 1} - 3 \phi_{i}\right) dt + \sqrt{2}\, dW_{i}
    """
    width = checked_width(width)
    drift = sp.sympify(field.drift)
    namer = new_namer([drift], _MODEL_LETTERS)
    defs: list[tuple[str, Any]] = []
    noise = _noise(field.diffusion, field.site).replace(rf"dW_{{{latex_of(field.site)}}}", r"dW_{i}")
    lines = _equation(field.site, drift, noise, "", width, namer, defs, getattr(field, "neighbours", (field.site,)))
    return lines + _where(defs, width, namer)


def _where(defs: list[tuple[str, Any]], width: float, namer: Any) -> list[str]:
    """The definitions of the sums named in the equations, under "where", each fitted to ``width``."""
    if not defs:
        return []
    lines = [r"&\text{where}"]
    for name, value in defs:
        lines += fit_lines(latex_of(name), value, width, namer)
    return lines


def model_latex_lines(model: Any, width: float = TEXT_WIDTH, avoid: Sequence[str] = ()) -> list[str]:
    r"""``aligned`` lines, one equation per state variable: ``dz &= (f(z)) dt + \sqrt{2 D}\, dW_z``.

    An equation wider than ``width`` is broken term by term over continuation lines (a
    term too wide on its own has its widest sums named and defined under "where"); a
    correlated noise's matrix follows the equations, as a matrix or, too wide for that,
    entry by entry.

    Parameters
    ----------
    model : LinearSDE or SDE
    width : float
        Estimated width (pt) a line may take (:func:`~thermotheory.core.layout.latex_width`);
        the documents written by this package have :data:`~thermotheory.core.layout.TEXT_WIDTH`.
    avoid : sequence of str, optional
        Notations (LaTeX) printed beside the model on the same page: a model that labels
        things of its own (a jump process's rates) picks labels other than these.

    Returns
    -------
    list of str

    Raises
    ------
    ModelError
        For something that is not a model (:class:`~thermotheory.errors.InvalidExport`), a
        width that is not a positive finite number, or a model of more than
        :data:`MAX_LATEX_VARIABLES` variables.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import SDE
    >>> x = sp.Symbol("x", real=True)
    >>> model_latex_lines(SDE({x: x - x**3}, {x: 1}))
    ['dx &= \\left(x - x^{3}\\right) dt + \\sqrt{2}\\, dW_{x}']
    """
    if not callable(getattr(type(model), "latex_lines", None)):  # a kind of model renders itself
        raise InvalidExport(f"expected a LinearSDE or an SDE but found {type(model).__name__}")
    width = checked_width(width)
    n = model.dimension
    if n > MAX_LATEX_VARIABLES:
        raise ModelError(f"the model has {n} variables; LaTeX is rendered for at most {MAX_LATEX_VARIABLES}")
    if avoid and callable(getattr(model, "rate_label", None)):  # a model that labels its rates
        return model.latex_lines(width, avoid=list(avoid))
    return model.latex_lines(width)


def model_latex(model: Any, width: float = TEXT_WIDTH, avoid: Sequence[str] = ()) -> str:
    r"""The model's system of SDEs as one ``aligned`` block (no math delimiters), fitted to ``width`` (pt).

    See :func:`model_latex_lines`.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> k = sp.Symbol("k", positive=True)
    >>> model_latex(LinearSDE({x: -k * x}, {x: 1}))
    '\\begin{aligned} dx &= - k x\\, dt + \\sqrt{2}\\, dW_{x} \\end{aligned}'
    """
    return r"\begin{aligned} " + r" \\ ".join(model_latex_lines(model, width, avoid)) + r" \end{aligned}"
