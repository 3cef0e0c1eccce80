r"""The presentation pass: a closed form in its most readable equivalent, never a different value.

:func:`compact` tries a fixed set of rewritings and keeps the smallest candidate by
:func:`size`; every candidate is first checked equal to the input at random points of
the parameters (drawn within their declared assumptions, evaluated with mpmath at 30
digits), so a rewriting that is wrong somewhere (a log combined across a sign, a root
split on a branch) is dropped, not printed. The strategies:

- factor and cancel; collect a polynomial over each parameter with factored coefficients
  (``g^2 s_v^2 t_n t_v + s_n^2 t_n^2 + 2 s_n^2 t_n t_v + s_n^2 t_v^2`` becomes
  ``g^2 s_v^2 t_n t_v + s_n^2 (t_n + t_v)^2``), numerator and denominator separately;
- combine logarithms into one, or split them, and take powers out of them
  (``log((1 + x)^a)`` becomes ``a log(1 + x)``);
- ``log(A/B)`` with ``A - B`` simpler as ``log(1 + (A - B)/B)``;
- a difference with a square root multiplied by its conjugate, products of roots merged,
  and leading minus signs moved into a sum;
- declared dimensionless groups (:func:`dimensionless`), a rate as its scale times a
  function of the groups;
- a radicand written as a perfect square plus a term (its terms grouped by a symbol); a radicand that stands
  bare beside its root written as the root squared, and the terms it stands in factored in the root;
- a hyperbolic or trigonometric function of twice an argument written through the argument where that cancels
  (``\cosh 2\kappa - 1`` as ``2 \sinh^2 \kappa``);
- a root difference ``-a + sqrt(a^2 + b)`` over its natural scale, ``a (sqrt(1 + b/a^2) - 1)``
  (the scale then cancels against the rest of the form);
- polynomial factors anywhere collected; scalar factors pulled out of numerators; pairs of
  negated factors flipped (no ``-a - b`` over ``-c - d``);
- what a theorist writes by hand (issue #24): exponentials with one sign of exponent per
  rate, the one that reads shorter (``(e^a - 1)^2 e^{-2a}`` as ``(1 - e^{-a})^2``, no
  ``e^{2t/\tau}`` multiplied through every term); common factors pulled out of sums and terms
  sharing a factor grouped; perfect squares completed (``1/a + 1/b - 2/\sqrt{ab}`` as
  ``(1/\sqrt a - 1/\sqrt b)^2``); ``-c \ln(1/x)`` as ``c \ln x``; one fraction split into
  pieces over their own denominators; a numerator that is a denominator factor plus a
  little as ``1 + R/P``; a constant's rational factor pulled out (``(1 - \ln 2)/2``);
  terms that share a factor and differ only in exponentials grouped, their exponentials
  factored (``t - \gamma (1 - e^{-x})/k``, ``(1 - e^{-x})(3 - e^{-x})``); a sum written as the
  multiple of it the form has elsewhere (``-(1 - n) \ln(1 - n)``, ``4 (1 - n)``, not ``4 - 4 n``);
- no fraction nested in a numerator (#24): a term brought over its denominator, a monomial taken into a sum whose
  terms it cancels, a radicand brought over one denominator and the denominator's root taken out
  (``\frac{\sqrt{a + b c} - \sqrt{d}}{2 \sqrt{b}}``, not
  ``\frac{\sqrt{\frac{a}{b} + c}}{2} - \frac{\sqrt{d}}{2 \sqrt{b}}``);
  determinants (and other scalars) of named matrices are compacted around as opaque symbols;
- and, once the best form is chosen, the dressing of what is printed: ``sqrt(a) sqrt(b)``
  as ``sqrt(a b)`` where the assumptions allow it (all but one radicand nonnegative), and every sum
  printed with a positive term first where there is one (``(sqrt(w_2) - sqrt(w_1))^2``); the
  printer puts a positive constant first (``1 + \rho``) and a negative one last (``e^{x} - 1``).

:func:`size` is the measure, what a reader sees (:func:`reading`): the estimated printed
width of the LaTeX (the line, and all its material side by side), plus a penalty for each
fraction nested in a numerator or denominator (the numerator's twice the denominator's) or under a root standing
in a numerator, for each sum led by a minus sign and for each
sum whose terms all share a symbolic factor left inside (:func:`shared_factors`:
``\gamma u_1 - \gamma u_0`` reads longer than ``\gamma (u_1 - u_0)``), each group of terms differing
only in exponentials left apart (:func:`uncollected_exponentials`) and each sum printed unlike a
multiple of it elsewhere (:func:`unmatched_sums`); then ``count_ops`` and the length of the LaTeX.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, partial
from typing import Any, NamedTuple

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.utilities.iterables import sift

from ..errors import ModelError
from .checks import as_expression
from .closedform import ClosedForm, MeantName, latex_of, theorist_order
from .layout import latex_width

__all__ = ["compact", "size", "reading", "Reading", "nested_fractions", "rooted_fractions", "leading_minus",
           "shared_factors", "unmatched_sums", "uncollected_exponentials",
           "equal_at_random_points", "proved_positive", "one_form_per_sum", "same_sums", "sum_key",
           "composite_candidates", "through_composite",
           "dimensionless", "Units", "Dimensions", "held_replace", "positive_sums",
           "within_domain", "current_domain", "domain_of"]

#: Passes over the strategies per round of :func:`compact` (each keeps the best rewriting; they stop when none helps).
PASSES_PER_ROUND = 3
#: Expressions larger than this (operations) get only the cheap strategies.
EXPENSIVE_ABOVE = 600
#: Expressions in more symbols than this get only the cheap strategies (factoring them takes seconds).
EXPENSIVE_SYMBOLS = 24
#: Polynomials with more symbols or terms than these are factored but not collected symbol by symbol.
COLLECT_SYMBOLS, COLLECT_TERMS = 12, 60
#: Largest predicted number of monomials (:func:`thermotheory.core.budget.term_bound`) of the one quotient
#: that combining an expression's logarithms would form; past it :func:`compact` returns the input unchanged
#: (a sum of 40 logarithms of small polynomials would multiply them all out, for minutes).
COMPACT_TERMS = 4000

#: Dimensions of parameters: symbol -> {base dimension: exponent}, e.g. ``{tau: {"time": 1}}``.
Dimensions = Mapping[sp.Symbol, Mapping[str, Any]]


#: Points (of estimated printed width) added for each fraction nested in a denominator.
NESTED_FRACTION_PT = 40.0
#: Points added for each fraction nested in a numerator (issue #24: target 0). A hand brings the term over its
#: denominator, ``\frac{k (D_v + D_x g_1 g_2)}{D_y g_1 g_2 g_3}``, not
#: ``\frac{k (\frac{D_v}{g_1 g_2} + D_x)}{D_y g_3}``: more than the width that writing the denominator's factors
#: twice adds (about 55 pt on information_rates' sigma).
NESTED_NUMERATOR_PT = 80.0
#: Points added for each fraction under a root standing in a numerator (:func:`rooted_fractions`; not one of
#: ``\sqrt{1 + \frac{a}{b}}``): half a nested fraction, so that ``\frac{\sqrt{a + b c} - \sqrt{d}}{2 \sqrt{b}}`` is
#: chosen over ``\frac{\sqrt{\frac{a}{b} + c}}{2} - \frac{\sqrt{d}}{2 \sqrt{b}}``.
ROOTED_FRACTION_PT = 20.0
#: Points added for each sum printed with a leading minus sign.
LEADING_MINUS_PT = 12.0
#: Points added for each sum whose terms all share a symbolic factor (``\gamma u_1 - \gamma u_0``): a little more than
#: the width of the pair of parentheses pulling the factor out adds (9 pt), so that the form with the factor pulled
#: out (``\gamma (u_1 - u_0)``, ``k (1 - e^{-x})``) is chosen wherever it is no longer but for its brackets.
SHARED_FACTOR_PT = 10.0
#: Points added for each sum printed where a multiple of it is printed too (``n - 1`` beside ``\ln(1 - n)``,
#: ``4 - 4 n`` beside ``1 - n``: :func:`unmatched_sums`): more than a leading minus and its sign (12 + 13 pt), so
#: that ``-n \ln n - (1 - n) \ln(1 - n)`` is chosen over ``(n - 1) \ln(1 - n) - n \ln n``.
UNMATCHED_SUM_PT = 30.0

#: LaTeX commands whose brace group is an argument (a root, a function, a script): a fraction there is not nested.
_ARGUMENT_COMMANDS = (r"\sqrt", r"\ln", r"\log", r"\exp", r"\sin", r"\cos", r"\tan", r"\sinh", r"\cosh", r"\tanh",
                      r"\arcsin", r"\arccos", r"\arctan", r"\det", r"\operatorname", r"\mathrm", r"\text", r"\hat",
                      r"\bar", r"\tilde", r"\mathbf")


def _brace_group(tex: str, i: int) -> tuple[str, int]:
    """The brace group (or single token) at ``tex[i:]`` after spaces: its content and the index past it."""
    n = len(tex)
    while i < n and tex[i] == " ":
        i += 1
    if i >= n:
        return "", n
    if tex[i] == "{":
        depth, j = 0, i
        while j < n:
            if tex[j] == "\\":
                j += 2
                continue
            depth += tex[j] == "{"
            depth -= tex[j] == "}"
            if depth == 0:
                return tex[i + 1:j], j + 1
            j += 1
        return tex[i + 1:], n
    if tex[i] == "\\":
        j = i + 1
        while j < n and tex[j].isalpha():
            j += 1
        return tex[i:max(j, i + 2)], max(j, i + 2)
    return tex[i], i + 1


def _fractions(tex: str, where: str | None) -> tuple[int, int, int]:
    """Fractions of ``tex`` nested in a numerator, in a denominator, and under a root standing in a numerator
    (``where``: the part ``tex`` stands in: ``"num"``, ``"den"``, ``"root"`` or None)."""
    num = den = rooted = 0
    i, n = 0, len(tex)
    while i < n:
        ch = tex[i]
        if ch in "^_":
            arg, i = _brace_group(tex, i + 1)
            a, b, c = _fractions(arg, None)
            num, den, rooted = num + a, den + b, rooted + c
            continue
        if ch == "{":
            arg, i = _brace_group(tex, i)
            a, b, c = _fractions(arg, where)
            num, den, rooted = num + a, den + b, rooted + c
            continue
        if ch != "\\":
            i += 1
            continue
        j = i + 1
        while j < n and tex[j].isalpha():
            j += 1
        cmd = tex[i:max(j, i + 2)]
        i = max(j, i + 2)
        if cmd in (r"\frac", r"\dfrac", r"\tfrac"):
            top, i = _brace_group(tex, i)
            bottom, i = _brace_group(tex, i)
            if not _DERIVATIVE.match(top):  # d/ds, a derivative operator, is no fraction
                num += where == "num"
                den += where == "den"
                rooted += where == "root"
            for part, kind in ((top, "num"), (bottom, "den")):
                a, b, c = _fractions(part, kind)
                num, den, rooted = num + a, den + b, rooted + c
        elif cmd in _ARGUMENT_COMMANDS:
            k = i
            while k < n and tex[k] == " ":
                k += 1
            if k < n and tex[k] == "[":  # \sqrt[4]{...}
                k = tex.find("]", k) + 1 or n
            if cmd == r"\operatorname" and k < n and tex[k] == "{":  # \operatorname{arcosh}: a name, then an argument
                _, k = _brace_group(tex, k)
                i = k
            if k < n and tex[k] == "^" and cmd != r"\sqrt":  # \ln^{2}{\left(\frac{a}{b}\right)}: power, argument
                power, k = _brace_group(tex, k + 1)
                a, b, c = _fractions(power, None)
                num, den, rooted = num + a, den + b, rooted + c
                i = k
                while k < n and tex[k] == " ":
                    k += 1
            if tex.startswith(r"\frac{", k):  # \ln \frac{a}{b}: the argument one fraction, printed without brackets
                top, i = _brace_group(tex, k + len(r"\frac"))
                bottom, i = _brace_group(tex, i)
                for part in (top, bottom):
                    a, b, c = _fractions(part, None)
                    num, den, rooted = num + a, den + b, rooted + c
            elif k < n and tex[k] == "{":
                arg, i = _brace_group(tex, k)
                # a root in a numerator stacks its radicand's fractions there too (\frac{\sqrt{a/b + c}}{2}), but for
                # one over its natural scale (\sqrt{1 + \frac{b}{a^2}}: the hand's idiom)
                stacked = cmd == r"\sqrt" and where in ("num", "root") and not _one_plus_fraction(arg)
                a, b, c = _fractions(arg, "root" if stacked else None)
                num, den, rooted = num + a, den + b, rooted + c
    return num, den, rooted


_ONE_PLUS = re.compile(r"^\s*\d+\s*[+-]\s*\\frac")


def _one_plus_fraction(tex: str) -> bool:
    r"""Whether ``tex`` is a number plus or minus one fraction (``1 + \frac{b}{a^{2}}``)."""
    m = _ONE_PLUS.match(tex)
    if not m:
        return False
    _, i = _brace_group(tex, m.end())
    _, i = _brace_group(tex, i)
    return not tex[i:].strip()


#: The numerator of a derivative operator (``\frac{d}{d s}``, ``\frac{\partial^{2}}{\partial x^{2}}``).
_DERIVATIVE = re.compile(r"^\s*(d|\\partial)(\^\{?\d+\}?)?\s*$")


def _latex_text(tex: Any, what: str) -> str:
    """``tex`` if it is a string of LaTeX, else a :class:`~thermotheory.errors.ModelError` naming ``what`` asked."""
    if not isinstance(tex, str):
        raise ModelError(f"{what}: expected a LaTeX string but found {type(tex).__name__} {tex!r:.60}")
    return tex


def nested_fractions(tex: str) -> tuple[int, int]:
    r"""Fractions printed inside the numerator, and inside the denominator, of another fraction.

    A fraction inside an argument (a root, a logarithm, an exponent) does not count: it
    reads as the argument's own; nor does a derivative operator (``\frac{d}{d s}``).

    Examples
    --------
    >>> nested_fractions(r"\frac{- \frac{a}{2} + b}{c}")
    (1, 0)
    >>> nested_fractions(r"\frac{\ln{\left(1 + \frac{a}{b} \right)}}{2} + \frac{\sqrt{a}}{1 + \frac{1}{c}}")
    (0, 1)
    """
    num, den, _ = _fractions(_latex_text(tex, "nested_fractions"), None)
    return num, den


def rooted_fractions(tex: str) -> int:
    r"""Fractions printed under a root that stands in the numerator of another fraction.

    ``\frac{\sqrt{\frac{a}{b} + c}}{2}`` stacks three levels as a fraction nested in the
    numerator does; a hand writes ``\frac{\sqrt{a + b c}}{2 \sqrt{b}}``. A root on the line
    (``\sqrt{\frac{a}{b} + c}``, or one in a denominator) does not count, nor a radicand over its natural
    scale, one plus a fraction (``\frac{\gamma (\sqrt{1 + \frac{a}{b}} - 1)}{2}``, the hand's idiom).

    Examples
    --------
    >>> rooted_fractions(r"\frac{\sqrt{\frac{a}{b} + c}}{2} + \frac{\sqrt{1 + \frac{a}{b}} - 1}{2}")
    1
    >>> rooted_fractions(r"\frac{\sqrt{a + b c}}{2 \sqrt{b}}")
    0
    """
    return _fractions(_latex_text(tex, "rooted_fractions"), None)[2]


_LEADING_MINUS = re.compile(r"(?:^|(?<![\^_])\{|\\left\(|\\left\[)\s*-(?!\s*\\infty)")


def leading_minus(tex: str) -> int:
    r"""How many sums (or the whole form) are printed starting with a minus sign (exponents are not counted).

    Examples
    --------
    >>> leading_minus(r"\frac{- a + \sqrt{b}}{\left(- c + d\right)^{2}} e^{- t}")
    2
    """
    return len(_LEADING_MINUS.findall(_latex_text(tex, "leading_minus")))


class Reading(NamedTuple):
    """What a reader sees of a printed closed form (:func:`reading`)."""

    #: Estimated printed width (pt, 10 pt display type) of the LaTeX on one line.
    width: float
    #: Estimated width of all its material side by side (each fraction's numerator and denominator added).
    ink: float
    #: Fractions nested in a numerator.
    nested_numerator: int
    #: Fractions nested in a denominator.
    nested_denominator: int
    #: Sums printed with a leading minus sign.
    leading_minus: int
    #: Characters of the LaTeX.
    chars: int
    #: Sums whose terms all share a symbolic factor left inside (:func:`shared_factors`).
    shared_factors: int = 0
    #: Sums printed in another orientation or scale than a multiple of them elsewhere (:func:`unmatched_sums`).
    unmatched_sums: int = 0
    #: Groups of terms that share a symbolic factor and differ only in exponentials (:func:`uncollected_exponentials`).
    uncollected_exponentials: int = 0
    #: Sums over a number with a term that number divides, left uncancelled (:func:`_uncancelled_numbers`).
    uncancelled_numbers: int = 0
    #: Fractions under a root standing in a numerator (:func:`rooted_fractions`).
    rooted_fractions: int = 0

    @property
    def score(self) -> float:
        """The mean of width and ink, with the penalties: :data:`NESTED_NUMERATOR_PT` per fraction nested in a
        numerator, :data:`NESTED_FRACTION_PT` per one in a denominator, :data:`ROOTED_FRACTION_PT` per fraction under a
        root in a numerator,
        :data:`LEADING_MINUS_PT` per leading minus, :data:`SHARED_FACTOR_PT` per sum with a factor left in,
        :data:`UNMATCHED_SUM_PT` per sum printed unlike a multiple of it elsewhere, :data:`SHARED_FACTOR_PT` per
        group of terms differing only in exponentials left apart and per sum over a number with a term it divides
        (``\\frac{2 u \\ln a + (1 - 2 u) \\ln b}{2}``, :func:`_uncancelled_numbers`)."""
        return ((self.width + self.ink) / 2 + NESTED_NUMERATOR_PT * self.nested_numerator
                + NESTED_FRACTION_PT * self.nested_denominator + ROOTED_FRACTION_PT * self.rooted_fractions
                + LEADING_MINUS_PT * self.leading_minus + SHARED_FACTOR_PT * self.shared_factors
                + UNMATCHED_SUM_PT * self.unmatched_sums + SHARED_FACTOR_PT * self.uncollected_exponentials
                + SHARED_FACTOR_PT * self.uncancelled_numbers)


def reading(expr: Any) -> Reading:
    r"""The printed form of a closed form as a reader sees it: its LaTeX width and what makes it read longer.

    Nested fractions, sums led by a minus sign, sums with a factor all their terms share left
    inside (:class:`Reading`).

    The LaTeX is the pages' (:func:`~thermotheory.core.closedform.latex_of`) of the form as
    :func:`compact` would print it (sums led by a positive term where one exists), an exponent's
    fraction stacked (the pages set it with a solidus: the same glyphs, but the rewritings' descent
    was tuned on the stacked width).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> r = reading((-a / 2 + b) / c)
    >>> r.nested_numerator, r.leading_minus
    (1, 0)
    >>> reading((b - a) / (2 * c)).score < r.score
    True
    """
    if isinstance(expr, ClosedForm):
        return _reading(_ordered(expr.expr))
    return _reading(_ordered(_read(expr, "reading")))


def _read(expr: Any, what: str) -> sp.Basic:
    """A public measure's argument as a sympy object: sympy objects as they are, numbers read, anything else (a
    string, None, a list) refused by name (:func:`~thermotheory.core.checks.as_expression`)."""
    return expr if isinstance(expr, sp.Basic) else as_expression(expr, what)


@lru_cache(maxsize=8192)
def _reading(expr: sp.Basic) -> Reading:
    # an exponent's fraction measured stacked, as sympy sets it: the rewritings' descent was tuned on that measure
    # (measured with the page's solidus, e^{(a + b)/c} reads wider than e^{a/c} e^{b/c}, and the descent, taking
    # that step first, ended wider: the synapse page's heat after a ramp, 170 glyphs -> 181)
    tex = latex_of(expr, solidus=False)
    num, den, rooted = _fractions(tex, None)
    return Reading(latex_width(tex), latex_width(tex.replace(r"\frac", "")), num, den, leading_minus(tex), len(tex),
                   shared_factors(expr), unmatched_sums(expr), uncollected_exponentials(expr),
                   _uncancelled_numbers(expr), rooted)


def _uncancelled_numbers(expr: sp.Basic) -> int:
    r"""How many sums of ``expr`` stand over a number that divides one of their terms' coefficients, uncancelled.

    A hand writes ``u \ln a + \frac{1}{2} (1 - 2 u) \ln b``, not ``\frac{2 u \ln a + (1 - 2 u) \ln b}{2}``.

    Examples
    --------
    >>> import sympy as sp
    >>> u, a, b = sp.symbols("u a b", positive=True)
    >>> s = 2 * u * sp.log(a) + (1 - 2 * u) * sp.log(b)
    >>> _uncancelled_numbers(sp.Mul(sp.Rational(1, 2), s, evaluate=False)), _uncancelled_numbers(s / 2)
    (1, 0)
    """
    count = 0
    for x in sp.preorder_traversal(expr):
        if not isinstance(x, sp.Mul):
            continue
        q = sp.Mul(*[f for f in x.args if f.is_Rational]).q
        above = [f for f in x.args if not f.is_number and not (f.is_Pow and f.exp.is_negative)]
        if q == 1 or len(above) != 1 or not isinstance(above[0], sp.Add):  # the numerator: one sum, nothing else
            continue
        count += any(t.as_coeff_Mul()[0].is_Integer and t.as_coeff_Mul()[0] % q == 0 for t in above[0].args)
    return count


def _numerator_factors(term: sp.Basic) -> set:
    """The symbolic factors of a term that stand in its numerator: bases with a positive numeric power."""
    out = set()
    for f in sp.Mul.make_args(term):
        if f.is_number:
            continue
        base, k = (f.base, f.exp) if f.is_Pow and f.exp.is_number else (f, sp.Integer(1))
        if k.is_positive:
            out.add(base)
    return out


def shared_factors(expr: Any) -> int:
    r"""How many sums of ``expr`` have a symbolic factor in every term, left inside (``\gamma u_1 - \gamma u_0``).

    A factor counts where it multiplies every term (a base with a positive power in each:
    ``n^3`` and ``n^4`` share ``n``); numbers do not count, nor do common denominators.

    Examples
    --------
    >>> import sympy as sp
    >>> g, u0, u1, k, x = sp.symbols("gamma u_0 u_1 k x", positive=True)
    >>> shared_factors(g * u1 - g * u0), shared_factors(g * (u1 - u0))
    (1, 0)
    >>> shared_factors(x + sp.log(k - k * sp.exp(-x))), shared_factors(2 * x + 2 * k)
    (1, 0)
    """
    count = 0
    for x in sp.preorder_traversal(_read(expr, "shared_factors")):
        if not isinstance(x, sp.Add) or len(x.args) < 2:
            continue
        common = None
        for t in x.args:
            common = _numerator_factors(t) if common is None else common & _numerator_factors(t)
            if not common:
                break
        count += bool(common)
    return count


@lru_cache(maxsize=8192)
def _sum_groups(expr: sp.Basic) -> dict[sp.Expr, dict[sp.Rational, sp.Expr]]:
    """The sums of ``expr`` that are rational multiples of one another, by their primitive part up to sign:
    ``n - 1``, ``1 - n`` and ``4 - 4 n`` are one group, each sum under its factor over the group's key (``-1``,
    ``1``, ``4``). Groups of one form are left out."""
    alike: dict[tuple, list] = {}  # multiples have the same symbols and as many terms: only those are compared
    for x in sp.preorder_traversal(expr):
        if not isinstance(x, sp.Add) or len(x.args) < 2 or not x.free_symbols:
            continue
        if type(x) is not sp.Add:  # a sum held for printing (led by a positive term): its value's group
            x = sp.Add(*x.args)
        same = alike.setdefault((frozenset(x.free_symbols), len(x.args)), [])
        if x not in same:
            same.append(x)
    groups: dict[sp.Expr, dict[sp.Rational, sp.Expr]] = {}
    for same in alike.values():
        if len(same) < 2:
            continue
        for x in same:
            prim, c = sum_key(x)
            groups.setdefault(prim, {}).setdefault(c, x)
    return {k: forms for k, forms in groups.items() if len(forms) > 1}


def unmatched_sums(expr: Any) -> int:
    r"""How many sums of ``expr`` are printed unlike a multiple of them elsewhere in it: ``n - 1`` beside ``1 - n``.

    A reader compares ``(n - 1) \ln(1 - n)`` with itself; the hand writes ``-(1 - n) \ln(1 - n)``,
    and ``4 (1 - n)`` beside ``\ln(1 - n)``, not ``4 - 4 n``. Each group of sums that are
    rational multiples of one another counts its forms less one.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", positive=True)
    >>> unmatched_sums((n - 1) * sp.log(1 - n)), unmatched_sums(sp.Mul(-1, 1 - n, sp.log(1 - n)))
    (1, 0)
    """
    return sum(len(forms) - 1 for forms in _sum_groups(_read(expr, "unmatched_sums")).values())


#: Sums of more monomials than this are not compared across forms by :func:`one_form_per_sum` (expanding costs more
#: than a reader would gain).
SAME_SUM_TERMS = 40
#: A form whose printed width would grow by more than this fraction keeps its own sums (:func:`same_sums`).
SAME_SUM_GROWTH = 0.05


def _monomial(t: sp.Basic) -> bool:
    """Whether ``t`` is a number times powers of symbols (``3 a^2``, ``\\sqrt{w}``, ``1 / t``)."""
    return all(f.is_Number or f.is_Symbol or (f.is_Pow and f.base.is_Symbol and f.exp.is_Rational)
               for f in sp.Mul.make_args(t))


def _polynomial_sums(e: sp.Basic):
    """The sums of ``e`` whose terms are monomials in its symbols (roots and inverse powers included: ``\\sqrt{w_2} -
    \\sqrt{w_1}``), as they stand and small enough to expand."""
    from . import budget

    for x in sp.preorder_traversal(e):
        if (isinstance(x, sp.Add) and len(x.args) > 1 and x.free_symbols
                and (x.is_polynomial(*x.free_symbols) or all(_monomial(t) for t in x.args))
                and budget.term_bound(x) <= SAME_SUM_TERMS):
            yield x


def _parts(form: Any) -> list:
    """The expressions a shown form prints: a closed form's expression and definitions, a matrix's entries."""
    if isinstance(form, ClosedForm):
        return [p for x in (form.expr, *(v for _, v in form.definitions)) for p in _parts(x)]
    if isinstance(form, sp.MatrixBase):
        return list(form)
    return [form] if isinstance(form, sp.Basic) else []


def sum_key(x: sp.Expr) -> tuple[sp.Expr, sp.Rational]:
    """``(p, c)`` with ``x = c p`` expanded, ``p`` the primitive part of ``x`` or of ``-x`` (the one first in sympy's
    sort order, whatever the order of ``x``'s terms): the sums of one key are rational multiples of one another
    (``n - 1``, ``1 - n`` and ``4 - 4 n``: ``-1``, ``1``, ``4``).

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n")
    >>> sum_key(4 - 4 * n), sum_key(n - 1)
    ((1 - n, 4), (1 - n, -1))
    """
    x = _read(x, "sum_key")
    c, prim = sp.expand(sp.Add(*x.args) if isinstance(x, sp.Add) else x).as_content_primitive()
    if sp.default_sort_key(-prim) < sp.default_sort_key(prim):
        c, prim = -c, -prim
    return prim, c


def one_form_per_sum(forms: Sequence[Any]) -> dict:
    r"""One printed form for each sum that several forms (or one form twice) write differently.

    Two forms of a page that share a polynomial, collected one way here and another there
    (``D_y \gamma_v^2 \gamma_x^2 + \kappa_y^2 (D_v \kappa_x^2 + D_x \gamma_v^2)`` beside
    ``D_v \kappa_x^2 \kappa_y^2 + \gamma_v^2 (D_x \kappa_y^2 + D_y \gamma_x^2)``), make a reader
    expand both to see that they agree; so do ``(\sqrt{w_1} - \sqrt{w_2})^2`` beside
    ``(\sqrt{w_2} - \sqrt{w_1})^2``, and ``4 - 4 n`` beside ``1 - n``. Sums are grouped by their
    expansion up to a rational factor (:func:`sum_key`). Each group is written as one sum: its
    orientation is that of a sum inside a function's argument (``\ln(1 - n)``, which is not changed), else the one
    the page prints most often as a factor to an odd power (each other would put a sign in front), else
    the one printed most often (the first met among equals); its form is the one of that value that
    reads shortest (:func:`size`; the first met among equals). A sum of another
    value is mapped to that number times the kept sum, held unevaluated; :func:`same_sums` puts the
    number into the product or power the sum stands in, and leaves the sum as it is elsewhere (the
    argument of a function, a term of a sum). Apply the map with :func:`same_sums`.

    Parameters
    ----------
    forms : sequence of sympy expressions, closed forms or matrices
        The forms shown together (a page, a report).

    Returns
    -------
    dict
        Each other form of a sum -> the one kept, or ``Mul(c, kept, evaluate=False)`` for ``c``
        times it; empty when every sum is written one way.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> p, q = a * (b + c) + b * c, b * (a + c) + a * c
    >>> one_form_per_sum([sp.sqrt(p), sp.log(q)]) == {q: p}
    True
    >>> one_form_per_sum([sp.log(1 - a), (a - 1) ** 2 * b]) == {a - 1: sp.Mul(-1, 1 - a, evaluate=False)}
    True
    """
    if isinstance(forms, (str, sp.Basic, ClosedForm)) or not isinstance(forms, Iterable):
        raise ModelError(f"one_form_per_sum: expected a sequence of forms but found {type(forms).__name__} "
                         f"{forms!r:.60}")
    groups: dict[sp.Expr, dict[sp.Rational, list]] = {}  # primitive part -> factor -> the forms of that value
    seen: dict[sp.Expr, int] = {}  # how often each form is printed
    fixed: set = set()  # the sums a function takes (ln(1 - n)): a number cannot leave them, they set the value kept
    odd: dict[sp.Expr, Any] = {}  # how often each stands as a factor to an odd power (where a sign would go in front)
    for form in forms:
        for part in _parts(form):
            fixed |= _inside_functions(part)
            for x, weight in _odd_factors(part):
                odd[x] = odd.get(x, 0) + weight
            for x in _polynomial_sums(part):
                seen[x] = seen.get(x, 0) + 1
                if seen[x] == 1:
                    prim, c = sum_key(x)
                    groups.setdefault(prim, {}).setdefault(c, []).append(x)
            for x in _positive_logs(part):
                seen[x] = seen.get(x, 0) + 1
                if seen[x] == 1:
                    key, c = _log_key(x)
                    groups.setdefault(key, {}).setdefault(c, []).append(x)
    options: list[dict[int, dict]] = []  # each group: its swap for each orientation it may take
    chosen: list[int] = []
    for by_value in groups.values():
        if sum(len(same) for same in by_value.values()) < 2:
            continue

        def weight(sign: int) -> tuple:
            same = [x for c, xs in by_value.items() if c * sign > 0 for x in xs]
            return any(x in fixed for x in same), sum(odd.get(x, 0) for x in same), sum(seen[x] for x in same)

        signs = list(dict.fromkeys(1 if c > 0 else -1 for c in by_value))  # (dict: the order met)
        # the orientation a function takes, else the one printed most often as a factor to an odd power (each other
        # would put a sign in front), else most often (the first met among equals)
        best = max(signs, key=weight)
        if any(x in fixed for xs in by_value.values() for x in xs):
            signs = [best]  # (a function's argument is never changed: its orientation only)
        options.append({sign: _group_swap(by_value, sign) for sign in signs})
        chosen.append(best)
    _fewer_signs(options, chosen, [p for form in forms for p in _parts(form)])
    swap: dict = {}
    for group, sign in zip(options, chosen):
        swap.update(group[sign])
    return swap


def positive_sums(forms: Sequence[Any], values: Mapping[sp.Symbol, Any]) -> dict:
    r"""A swap (apply it with :func:`same_sums`) that writes each difference of two monomials standing as a factor to
    an odd power in the orientation it has positive at ``values``, as an author writes a difference whose sign the
    model's regime fixes: :math:`T_h - T_c` for an engine run with :math:`T_h > T_c` (the heat engine's report printed
    :math:`\frac12 (T_c - T_h) \ln\frac{w_2}{w_1}`); and the longer sums a product holds as factors, negative at
    ``values`` and even in number, together (:func:`_negative_pairs`: an engine's efficiency, numerator and
    denominator positive). A difference that is a function's argument, or stands only
    inside one (an exponent), is never turned, nor one whose value at ``values`` is unknown or zero. Where a turned
    difference would put a sign in front of a form, :func:`same_sums` turns a logarithm of a positive argument beside
    it (within the current domain, :func:`within_domain`): the binary synapse's heat,
    :math:`q (1 - e^{-q r t}) (f - 1) \ln\frac{f}{1 - f}`, reads :math:`q (1 - f) (1 - e^{-q r t}) \ln\frac{1 - f}{f}`.

    Parameters
    ----------
    forms : sequence of sympy expressions, closed forms or matrices
    values : mapping symbol -> number
        A point of the parameters where the model is in its regime (a report's default values).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.closedform import latex_of
    >>> Th, Tc, w, a = sp.symbols("T_h T_c w a", positive=True)
    >>> work = (Tc - Th) * sp.log(w) / 2 + a
    >>> latex_of(same_sums(work, positive_sums([work], {Th: 2, Tc: 1, w: 3, a: 1})))
    'a - \\frac{\\left(T_{h} - T_{c}\\right) \\ln w}{2}'
    """
    if isinstance(forms, (str, sp.Basic, ClosedForm)) or not isinstance(forms, Iterable):
        raise ModelError(f"positive_sums: expected a sequence of forms but found {type(forms).__name__} {forms!r:.60}")
    if not isinstance(values, Mapping):
        raise ModelError(f"positive_sums: expected a mapping symbol -> number but found {type(values).__name__}")
    point = {s: sp.nsimplify(v) if isinstance(v, float) else sp.sympify(v) for s, v in values.items()}
    held = {s for form in forms for part in _parts(form) for s in part.free_symbols}
    other = sorted(str(k) for k in point if k not in held and any(str(s) == str(k) for s in held))
    if other:  # (never matched: the point would silently orient nothing)
        raise ModelError(f"positive_sums: the point's symbols {', '.join(other)} are not the forms' (the same names "
                         "with other assumptions: give the model's own symbols)")
    parts = [(part, _negative_differences(part, point)) for form in forms for part in _parts(form)]
    swap = {x: sp.Mul(-1, sp.Add(*[-t for t in x.args]), evaluate=False) for _, found in parts for x in found}
    pairs: dict = {}  # (each turned with the differences inside it turned too: the swap replaces the outer sum)
    for part, differences in parts:
        for x in _negative_pairs(part, point, differences):
            pairs[x] = sp.Mul(-1, sp.Add(*[-t for t in x.args]).xreplace(swap), evaluate=False)
    return {**pairs, **swap}


def _negative_differences(part: sp.Basic, point: Mapping) -> list:
    r"""The differences of two monomials that stand in ``part`` as a factor to an odd power outside any function
    (inside one too, ``f - 1`` in ``(f - 1) \ln\frac{f}{1 - f}``, but not only there: ``e^{(t_w - 2 t)/\tau}``
    keeps its exponent), negative at ``point``, and are not themselves a function's argument
    (:func:`positive_sums`)."""
    out = []
    arguments = _function_arguments(part)
    outside = part.xreplace({g: sp.Dummy() for g in part.atoms(sp.Function)})
    for x, _ in _odd_factors(outside):
        if _monomial_difference(x) and x.free_symbols and x not in arguments and x not in out:
            value = x.xreplace(point)
            if value.is_number and value.is_negative:
                out.append(x)
    return out


def _monomial_difference(x: sp.Basic) -> bool:
    """Whether ``x`` is a sum of two monomials (:func:`_monomial`): what :func:`_negative_differences` turns alone."""
    return isinstance(x, sp.Add) and len(x.args) == 2 and all(_monomial(t) for t in x.args)


def _negative_pairs(part: sp.Basic, point: Mapping, differences: Sequence[sp.Basic]) -> list:
    r"""The sums of more than two monomials, or of terms that are not monomials, that stand as factors to odd powers
    of a product in ``part`` (its numerator or its denominator; not a function's argument) where the sum factors
    negative at ``point`` are all turned and are even in number: turned together, their signs cancel
    (:func:`positive_sums`). A difference of two monomials counts as turned where :func:`_negative_differences` turns
    it (``differences``: its result for ``part``); a product with a negative sum that stays (a function's argument, a
    difference only inside a function) turns none. The heat engine's efficiency, :math:`\eta = -W / Q_h`, printed its
    numerator and its denominator each negative for an engine; its numerator is minus a multiple of the power, its
    denominator of the heat taken from the hot bath."""
    out: list = []
    arguments = _function_arguments(part)
    for m in sp.preorder_traversal(part):
        if not isinstance(m, sp.Mul):
            continue
        sums = [b for b in map(_odd_base, m.args) if isinstance(b, sp.Add) and b.free_symbols]
        values = [b.xreplace(point) for b in sums]
        if not all(v.is_number and v.is_nonzero for v in values):
            continue  # (a sign unknown at the point, or zero: no orientation is the regime's)
        negative = [b for b, v in zip(sums, values) if v.is_negative]
        pairs = [b for b in negative if b not in arguments and not _monomial_difference(b)]
        stays = [b for b in negative if b not in pairs and b not in differences]
        if stays or len(negative) < 2 or len(negative) % 2:
            continue
        out += [b for b in pairs if b not in out]
    return out


def _double_negatives(e: sp.Basic) -> int:
    """The terms of the sums of ``e`` printed with a minus sign in front and a difference among their factors to an
    odd power (``- \\frac12 (T_c - T_h) \\ln(w_1/w_2)``): two signs a hand would cancel."""
    count = 0
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Add):
            for t in x.args:
                if t.could_extract_minus_sign() and any(
                        isinstance(b, sp.Add) and any(a.could_extract_minus_sign() for a in b.args)
                        for b in map(_odd_base, sp.Mul.make_args(t))):
                    count += 1
    return count


def _group_swap(by_value: Mapping, sign: int) -> dict:
    """The swap that writes a group of sums (factor -> forms of that value) in the orientation ``sign``: its form of
    content one that reads shortest (min keeps the first of equals), else a multiple brought to it."""
    kept = min(by_value.get(sp.Integer(sign)) or [sp.Mul(sign / c, x) for c, xs in by_value.items()
                                                    if c * sign > 0 for x in xs], key=size)
    return {x: kept if c == sign else sp.Mul(c / sign, kept, evaluate=False)
            for c, same in by_value.items() for x in same if x != kept}


def _fewer_signs(options: list[dict[int, dict]], chosen: list[int], parts: list) -> None:
    """For each group that may take either orientation, the one that leaves fewer of the forms it touches in the other
    orientation (a swap refused there), then fewer terms subtracted with a difference in them (``- (T_c - T_h)``, a
    sign a hand cancels), then fewer minus signs, the other groups as chosen (``chosen`` updated in place; the first
    choice kept among equals): ``(...)^2 - \\frac12 (T_c - T_h) \\ln(w_1/w_2)`` is not kept where
    ``\\frac12 (T_c - T_h) \\ln(w_2/w_1) + (...)^2`` reads the same without a sign to cancel."""
    for k, group in enumerate(options):
        if len(group) < 2:
            continue
        members = {x for swap in group.values() for x in (*swap, *(_held_multiple(v)[1] for v in swap.values()))}
        touched = [p for p in parts if any(x in members for x in sp.preorder_traversal(p))]

        def signs(sign: int) -> tuple[int, int]:
            # first the forms left in the other orientation (a swap refused there), then the minus signs printed
            swap: dict = {}
            for j, other in enumerate(options):
                swap.update(other[sign if j == k else chosen[j]])
            out = [same_sums(p, swap) for p in touched]
            left = sum(any(x in group[sign] for x in sp.preorder_traversal(q)) for q in out)
            return left, sum(map(_double_negatives, out)), sum(latex_of(q).count("-") for q in out)

        chosen[k] = min(sorted(group, key=lambda g: g != chosen[k]), key=signs)


def _inside_functions(e: sp.Basic) -> set:
    """The sums that stand anywhere inside a function's argument (``4 - 5 x`` in ``\\ln((4 - 5 x)/(10 (1 - x)))``):
    the page fix does not change them, so they set the orientation of their group."""
    return {y for x in sp.preorder_traversal(e) if isinstance(x, sp.Function) for a in x.args
            for y in sp.preorder_traversal(a) if isinstance(y, sp.Add)}


def _positive_logs(e: sp.Basic):
    """The logarithms of ``e`` whose argument is proved positive (:func:`proved_positive`): only there is
    ``\\ln(1/a) = -\\ln a`` (on the negative real axis the two differ by ``2 \\pi i``)."""
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.log) and x.args[0].free_symbols and proved_positive(x.args[0]):
            yield x


def _log_key(x: sp.log) -> tuple[tuple, sp.Integer]:
    """``(key, c)`` with ``x = c \\ln a``: ``\\ln(w_1/w_2)`` and ``\\ln(w_2/w_1)`` have one key, ``c = 1`` and
    ``-1``."""
    a = sp.cancel(x.args[0])
    inverse = sp.cancel(1 / a)
    if sp.default_sort_key(inverse) < sp.default_sort_key(a):
        return ("log", inverse), sp.Integer(-1)
    return ("log", a), sp.Integer(1)


def _odd_factors(e: sp.Basic):
    """``(factor, weight)`` for the sums and logarithms of ``e`` that stand to an odd power in a product or alone:
    weight 1 where it is the only one of its product (``(b - a)^3``: turned, it would put a sign in front), 1/2 where
    the product has others (two of them turned together keep its sign)."""

    in_products: set = set()  # (preorder meets a product before its factors)
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Mul):
            found = [b for b in map(_odd_base, x.args) if b is not None]
            in_products.update(x.args)
            for b in found:
                yield b, sp.Integer(1) if len(found) == 1 else sp.Rational(1, 2)
        elif isinstance(x, sp.Pow) and x not in in_products and _odd_base(x) is not None:
            yield x.base, sp.Integer(1)


def _odd_base(f: sp.Basic) -> sp.Basic | None:
    """The sum or logarithm ``f`` is, or is the base of to an odd power (None for anything else)."""
    if isinstance(f, (sp.Add, sp.log)):
        return f
    if isinstance(f, sp.Pow) and isinstance(f.base, (sp.Add, sp.log)) and f.exp.is_integer and f.exp.is_odd:
        return f.base
    return None


def _held_multiple(v: sp.Basic) -> tuple[sp.Rational, sp.Basic]:
    """``(c, kept)`` for a swap's value ``c kept`` held unevaluated (:func:`one_form_per_sum`), ``(1, v)`` for others.

    The contract of a swap map: a value that is a number times a sum or a logarithm, held unevaluated, stands for
    that multiple of the sum, and is put where the number can go (:func:`_swapped`); a map whose value is such a
    product for another reason (``{log(x^2): 2 log(x)}``) is read the same way, which keeps its value."""
    if isinstance(v, sp.Mul) and len(v.args) == 2 and v.args[0].is_Rational and isinstance(v.args[1],
                                                                                         (sp.Add, sp.log)):
        return v.args[0], v.args[1]
    return sp.Integer(1), v


def _swapped(e: sp.Basic, swap: Mapping) -> sp.Basic:
    """``e`` with each key of ``swap`` replaced, top-down, the nodes above a replaced one rebuilt without evaluation
    (``sqrt(D (a + b))`` stays one root; ``xreplace`` would split it). A multiple of a kept sum is taken where its
    number can go: into the coefficient of a product, or into an even power (``(a - b)^2 = (b - a)^2``)."""
    if e in swap:
        c, kept = _held_multiple(swap[e])
        return kept if c == 1 else e  # a multiple standing alone (a function's argument, a term): kept as it is
    if e.is_Atom or not e.args:
        return e
    if e.is_Pow and e.exp.is_Integer and e.base in swap:
        c, kept = _held_multiple(swap[e.base])
        return sp.Pow(kept, e.exp, evaluate=False) if c ** e.exp == 1 else _rebuilt(e, (e.base, e.exp))
    if e.is_Add:  # a term that is a multiple of a kept one: the number in front of it (ln(a/b) as -ln(b/a))
        terms = []
        for a in e.args:
            c, kept = _held_multiple(swap[a]) if a in swap else (sp.Integer(1), None)
            terms.append(sp.Mul(c, kept, evaluate=False) if c != 1 else _swapped(a, swap))
        return _rebuilt(e, tuple(terms))
    if e.is_Mul:
        coeff, args = sp.Integer(1), []
        for a in e.args:
            base, k = (a.base, a.exp) if a.is_Pow and a.exp.is_Integer else (a, sp.Integer(1))
            c, kept = _held_multiple(swap[base]) if base in swap else (sp.Integer(1), None)
            if c != 1:
                coeff *= c ** k
                args.append(kept if k == 1 else sp.Pow(kept, k, evaluate=False))
            elif a.is_Number:
                coeff *= a
            else:
                args.append(_swapped(a, swap))
        if coeff == 1 and len(args) == len(e.args):
            return _rebuilt(e, tuple(args))
        if coeff != 1:
            args.insert(0, coeff)
        if len(args) == 1:
            return args[0]
        return sp.Mul(*args, evaluate=False)
    return _rebuilt(e, tuple(_swapped(a, swap) for a in e.args))


def _rebuilt(e: sp.Basic, args: tuple) -> sp.Basic:
    """``e`` with the arguments ``args``, not evaluated (``e`` itself where they are its own)."""
    if args == e.args:
        return e
    try:
        return e.func(*args, evaluate=False)
    except TypeError:  # a node that takes no ``evaluate``
        return e.func(*args)


def held_replace(e: Any, mapping: Mapping, within_sums: bool = False) -> Any:
    r"""``e.xreplace(mapping)`` as it prints: the nodes above a replaced part rebuilt without evaluation (a number
    kept outside its sum, :math:`\frac{C_1 - a}{2}`, not :math:`\frac{C_1}{2} - \frac{a}{2}`) and every sum led by
    a positive term where it has one (a name sorts first: :math:`a^2 - a C_1`, not :math:`- C_1 a + a^2`).
    With ``within_sums``, a sum of ``mapping`` is also replaced where its terms are some of a larger sum's
    (:math:`c + a + b` with :math:`a + b \to C_1^2` is :math:`c + C_1^2`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, C = sp.symbols("a b C_1", positive=True)
    >>> from thermotheory.core.closedform import latex_of
    >>> half = sp.Mul(sp.Rational(1, 2), sp.sqrt(a + b) - a, evaluate=False)  # (as the pass holds it)
    >>> latex_of(half.xreplace({sp.sqrt(a + b): C})), latex_of(held_replace(half, {sp.sqrt(a + b): C}))
    ('\\frac{C_{1}}{2} - \\frac{a}{2}', '\\frac{C_{1} - a}{2}')
    >>> held_replace(2, {a: b})
    2
    """
    if not isinstance(mapping, Mapping):
        raise ModelError(f"held_replace: expected a mapping but found {type(mapping).__name__} {mapping!r:.60}")
    if not isinstance(within_sums, bool):
        raise ModelError(f"held_replace: within_sums must be True or False but is {within_sums!r:.60}")
    if not isinstance(e, sp.Basic):
        return e

    sums = [(set(k.args), v) for k, v in mapping.items() if isinstance(k, sp.Add)] if within_sums else []

    def walk(x: sp.Basic) -> sp.Basic:
        if x in mapping:
            return mapping[x]
        if x.is_Atom or not x.args:
            return x
        if isinstance(x, sp.Add):
            inside = next(((terms, v) for terms, v in sums if terms < set(x.args)), None)
            if inside is not None:  # (the sum's terms among a larger sum's)
                return _rebuilt(x, (inside[1], *(walk(a) for a in x.args if a not in inside[0])))
        return _rebuilt(x, tuple(walk(a) for a in x.args))

    out = walk(e)
    return e if out is e else _ordered(out)


def same_sums(form: Any, swap: Mapping) -> Any:
    r"""``form`` with its sums written as :func:`one_form_per_sum` chose; a form that the swap would print more than
    :data:`SAME_SUM_GROWTH` wider (a number multiplied into a swapped sum), or with more sums led by a minus sign (a
    sign taken out of a sum, and not into a logarithm of a quotient beside it, :math:`-(1 - f) \ln\frac{f}{1 - f}`
    as :math:`(1 - f) \ln\frac{1 - f}{f}`) or printed unlike a multiple of them beside them
    (:func:`unmatched_sums`), keeps its own sums; each group of sums (all written as one kept sum) is taken or left
    alone by itself.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> p, q = a * (b + c) + b * c, b * (a + c) + a * c
    >>> same_sums(sp.log(q) / 2, one_form_per_sum([sp.sqrt(p), sp.log(q)]))
    log(a*(b + c) + b*c)/2
    """
    if not isinstance(swap, Mapping):
        raise ModelError(f"same_sums: expected the map of one_form_per_sum but found {type(swap).__name__} "
                         f"{swap!r:.60}")
    if not swap:
        return form
    if isinstance(form, ClosedForm):
        return ClosedForm(same_sums(form.expr, swap),
                          [(n, same_sums(v, swap)) for n, v in form.definitions], form.names, form.hurwitz)
    if isinstance(form, sp.MatrixBase):
        return form.applyfunc(lambda e: same_sums(e, swap))
    if not isinstance(form, sp.Basic):
        return form
    present = set(sp.preorder_traversal(form))
    by_kept: dict = {}  # one group of sums at a time: a group refused leaves the others to be made
    for x, v in swap.items():
        if x in present:
            by_kept.setdefault(_held_multiple(v)[1], {})[x] = v
    width = reading(form).width

    def taken(base: sp.Basic, swap: Mapping) -> sp.Basic | None:
        # (a sign taken out of a term: its sum led by a positive term again)
        cand = _ordered(_swapped(base, swap))
        after = reading(cand)
        was = reading(base)
        if after.leading_minus > was.leading_minus:  # (a sign put in front: taken into a logarithm beside it)
            into_log = _ordered(_log_signs(cand))
            into_log_reading = reading(into_log)
            if into_log_reading.leading_minus < after.leading_minus:
                cand, after = into_log, into_log_reading
        ok = (after.width <= (1 + SAME_SUM_GROWTH) * width and after.leading_minus <= was.leading_minus
              and after.unmatched_sums <= was.unmatched_sums)  # (nor a sum unlike one in a function beside it)
        return cand if ok and cand != base else None

    new, refused = form, False
    for group in by_kept.values():
        cand = taken(new, group)
        new, refused = (cand, refused) if cand is not None else (new, True)
    if refused and len(by_kept) > 1:  # signs that cancel only together: (a - b)(c - n) as (b - a)(n - c)
        together = taken(form, {x: v for group in by_kept.values() for x, v in group.items()})
        if together is not None and size(together)[0] <= size(new)[0]:  # (as read: not the operations' count, which
            new = together                                                 # a turned sum's minus signs raise)
    return new


def size(expr: Any) -> tuple[float, int, int]:
    """The measure :func:`compact` minimises: ``(score of what a reader sees, operations, characters of the LaTeX)``.

    The score (:attr:`Reading.score`) is the estimated printed width plus a penalty for each
    nested fraction, each sum led by a minus sign and each sum with a factor all its terms
    share left inside (:func:`reading`). Operations are
    sympy's ``count_ops`` with a subtraction or a negation counted twice; they, and the
    length of the LaTeX, decide between forms that read the same.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> size(sp.log(a * b)) < size(sp.log(a) + sp.log(b))
    True
    """
    if isinstance(expr, ClosedForm):
        r = reading(expr)
        return round(r.score, 6), expr.count_ops(), r.chars
    return _size(sp.sympify(expr))


@lru_cache(maxsize=16384)
def _size(expr: sp.Basic) -> tuple[float, int, int]:
    r = reading(expr)
    return round(r.score, 6), _weighted_ops(expr), r.chars


def _operations_size(expr: Any) -> tuple[float, int, int]:
    """A cheap stand-in for :func:`size` on big forms: the weighted operations, with the same ordering of fields."""
    ops = expr.count_ops() if isinstance(expr, ClosedForm) else _weighted_ops(sp.sympify(expr))
    return float(ops), int(ops), 0


def _weighted_ops(expr: sp.Basic) -> int:
    ops = sp.count_ops(expr, visual=True)
    weighted = ops.subs({sp.Symbol("NEG"): 2, sp.Symbol("SUB"): 2}).subs({s: 1 for s in ops.free_symbols})
    return int(weighted)


#: Magnitude bands the random points cycle through, so that small, order-one and large values are all tried.
_BANDS = ((30, 97), (97, 291), (291, 2910))


def _sample(symbols: Sequence[sp.Symbol], rng, k: int = 0, drawn: bool = False) -> dict[sp.Symbol, Any]:
    """Point ``k``: the magnitude of symbol ``i`` from band ``(k + i) % 3`` (0.3-1, 1-3, 3-30), so that a difference
    of two symbols takes both signs over the points (``2 a - c``: one band for all left it positive at nearly every
    point, and a rewriting that took it for positive passed the check); real symbols alternate in sign. With
    ``drawn``, each symbol's band is drawn at random (within a domain: two symbols below 1 are never both so in the
    cycle of bands)."""
    out = {}
    for i, s in enumerate(symbols):
        lo, hi = _BANDS[rng.randrange(len(_BANDS)) if drawn else (k + i) % len(_BANDS)]
        if s.is_integer:
            base = 1 if s.is_positive else (0 if s.is_nonnegative else -3)
            out[s] = sp.Integer(rng.randint(base, base + 6))
            continue
        mag = sp.Rational(rng.randint(lo, hi), 97)
        if s.is_positive or s.is_nonnegative:
            out[s] = mag
        elif s.is_negative or s.is_nonpositive:
            out[s] = -mag
        else:
            negative = ((k + i) % 2 == 1) != (rng.random() < 0.25)
            out[s] = -mag if negative else mag
    return out


def _value(expr: sp.Expr, point: Mapping[sp.Symbol, Any]) -> Any:
    """``expr`` at ``point`` to 30 digits (None where it is undefined), remembered: :func:`compact` checks each
    candidate against the same original form at the same points."""
    try:
        return _value_at(expr, tuple(point.items()))
    except TypeError:  # not hashable
        return _value_at.__wrapped__(expr, tuple(point.items()))


def _evaluated(e: sp.Basic) -> sp.Basic:
    """``e`` rebuilt bottom-up with evaluation (a product or sum held unevaluated for printing, or wrapped in an
    ``UnevaluatedExpr``, becomes its value; a Sum or an integral is rebuilt, not done)."""
    if e.is_Atom or not e.args:
        return e
    if isinstance(e, sp.UnevaluatedExpr):  # (the wrapper of a factor printed in parentheses)
        return _evaluated(e.args[0])
    try:
        return e.func(*(_evaluated(a) for a in e.args))
    except (TypeError, ValueError):
        return e


@lru_cache(maxsize=8192)
def _value_at(expr: sp.Expr, point: tuple) -> Any:
    with mpmath.workdps(30):
        try:
            at = expr.xreplace(dict(point))
            v = sp.N(at, 30)
            if v.is_number and not v.is_Number and not v.has(sp.I):  # a product held unevaluated for printing (a
                v = sp.N(_evaluated(at), 30)  # structured form's 1/tau (snr/(1 + rho)))
        except (ZeroDivisionError, ValueError, TypeError, RecursionError):  # (a Sum whose limit is not a whole
            return None  # number at the point: sympy's evalf recurses without end)
        if not v.is_number or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return None
        try:
            return complex(v) if not v.is_real else mpmath.mpf(str(v))
        except (TypeError, ValueError):
            return None


def equal_at_random_points(a: Any, b: Any, points: int = 6, seed: int = 0) -> bool:
    """Whether two expressions agree to 20 digits at random points within the symbols' assumptions.

    Points where either side is undefined are skipped; no defined point counts as
    unequal (a candidate that cannot be checked is not kept).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> equal_at_random_points(sp.log(x**2), 2 * sp.log(x))
    True
    >>> equal_at_random_points(sp.sqrt(x**2 - 2*x + 1), x - 1)
    False
    """
    a, b = sp.sympify(a), sp.sympify(b)
    checked = 0
    for point in _points(a.free_symbols | b.free_symbols, points, seed):
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None:
            continue
        if not _agree(va, vb):
            return False
        checked += 1
        if checked >= points:
            return True
    return checked > 0


def _agree(va: Any, vb: Any) -> bool:
    """Whether two values of :func:`_value` agree: to 20 digits, or 12 where either is complex (evaluated in floats)."""
    if isinstance(va, complex) or isinstance(vb, complex):
        va, vb = complex(va), complex(vb)
        return abs(va - vb) <= 1e-12 * max(abs(va), abs(vb), 1e-30)
    return abs(va - vb) <= mpmath.mpf(10) ** -20 * max(abs(va), abs(vb), mpmath.mpf(10) ** -30)


def _points(symbols: Iterable[sp.Symbol], points: int, seed: int):
    """The points :func:`equal_at_random_points` tries, four for each one it needs (:func:`_sample`); within a
    domain (:func:`within_domain`), those where every condition on these symbols is positive, drawn from up to
    :data:`DOMAIN_DRAWS` times as many."""
    import random

    ordered = sorted(symbols, key=lambda s: s.name)
    held = set(ordered)
    conditions = tuple(c for c in _DOMAIN.get() if c.free_symbols <= held)
    if conditions:
        yield from (dict(p) for p in _domain_points(tuple(ordered), points, seed, conditions))  # (copies: cached)
        return
    rng = random.Random(seed)
    for k in range(4 * points):
        yield _sample(ordered, rng, k)


@lru_cache(maxsize=1024)
def _domain_points(ordered: tuple, points: int, seed: int, conditions: tuple) -> tuple[dict, ...]:
    """The points of :func:`_points` within a domain: of up to :data:`DOMAIN_DRAWS` times as many drawn, those where
    every condition is positive (remembered: the checks of one form ask for the same points again and again)."""
    import random

    rng = random.Random(seed)
    kept: list[dict] = []
    for k in range(DOMAIN_DRAWS * 4 * points):
        point = _sample(ordered, rng, k, drawn=True)
        if all(_positive_at(c, point) for c in conditions):
            kept.append(point)
            if len(kept) >= 4 * points:
                break
    return tuple(kept)


def _positive_at(condition: sp.Expr, point: Mapping[sp.Symbol, Any]) -> bool:
    v = _value(condition, point)
    return v is not None and not isinstance(v, complex) and v > 0


# -- the domain of a model -------------------------------------------------------------

#: How many points :func:`_points` draws, at most, for each one it keeps within a domain.
DOMAIN_DRAWS = 16

_DOMAIN: ContextVar[tuple[sp.Expr, ...]] = ContextVar("thermotheory_presentation_domain", default=())


def _domain_conditions(positive: Any) -> tuple[sp.Expr, ...]:
    if isinstance(positive, (str, bytes, sp.Basic)) or not isinstance(positive, Iterable):
        raise ModelError(f"within_domain: expected a sequence of expressions that are positive on the domain but "
                         f"found {positive!r}")
    out = []
    for c in positive:
        if isinstance(c, bool) or not isinstance(c, (sp.Expr, int, float)):
            raise ModelError(f"within_domain: a condition must be a real expression (positive on the domain) but "
                             f"found {c!r}")
        c = _open_sign(sp.sympify(c))
        if c.free_symbols:
            out.append(c)
        elif not (c.is_extended_real and c.is_positive):
            raise ModelError(f"within_domain: the condition {c} > 0 holds nowhere")
    return tuple(out)


def _open_sign(c: sp.Expr) -> sp.Expr:
    r"""``c`` without the factors positive by their symbols' assumptions (a sum's common factor taken out first), a
    reciprocal factor as its base, and an even power as 1: the part whose sign is open (``q r (1 - f)`` is ``1 - f``,
    ``f r x / (1 - x)`` is ``1 - x``, ``f r + r (1 - f) e^{-\mu}`` is ``f e^{\mu} - f + 1``)."""
    kept = []
    for f in sp.Mul.make_args(sp.gcd_terms(c)):
        if f.is_positive:
            continue
        if f.is_Pow and f.exp.is_Integer:
            if f.exp % 2 == 0:
                continue
            f = f.base
        kept.append(f)
    return sp.Mul(*kept)


def _fewest(conditions: Sequence[sp.Expr]) -> tuple[sp.Expr, ...]:
    r"""``conditions`` without repeats and without those the simpler ones imply (:func:`_implied`), in their order:
    a cascade's rates give ``1 - f`` and ``1 - x``, not also ``(1 - f)(1 - x)`` and ``f + (1 - f) e^{-\mu}``."""
    unique = list(dict.fromkeys(conditions))
    kept: list[sp.Expr] = []
    for c in sorted(unique, key=lambda c: (sp.count_ops(c), sp.default_sort_key(c))):
        if not _implied(c, kept):
            kept.append(c)
    return tuple(c for c in unique if c in kept)


def _implied(c: sp.Expr, known: Sequence[sp.Expr]) -> bool:
    r"""Whether ``c > 0`` follows from the symbols' assumptions and ``k > 0`` for every ``k`` of ``known``: ``c`` one
    of them, or positive by assumption, or a product (an odd power) or sum of such, or one of them plus such."""
    if c.is_positive or c in known:
        return True
    if c.is_Mul or c.is_Add:
        if all(_implied(a, known) for a in c.args):
            return True
    if c.is_Add:  # one of them plus terms implied so: f e^{\mu} - f + 1 is (1 - f) + f e^{\mu}
        for k in known:
            rest = sp.expand(c - k) if k.is_Add else None
            if rest is not None and len(sp.Add.make_args(rest)) < len(c.args) and _implied(rest, known):
                return True  # (the rest shorter than c: the recursion ends)
        return False
    if c.is_Pow and c.exp.is_Integer:
        return c.exp % 2 == 0 or _implied(c.base, known)
    return False


@contextmanager
def within_domain(positive: Iterable[Any]) -> Iterator[tuple[sp.Expr, ...]]:
    r"""Within the block, the presentation pass takes its random points where every expression of ``positive`` is
    positive: the domain of a model, beyond what its symbols' assumptions say.

    A binary synapse potentiates at the rate :math:`q r f` and depresses at :math:`q r (1 - f)`, so :math:`f < 1`,
    while a symbol can only be declared positive. Checked at points with :math:`f > 1` as well, a rewriting that
    holds for :math:`f < 1` alone, :math:`\ln(1/f - 1) = -\ln(f / (1 - f))`, was refused, and the heat printed 60
    glyphs where a hand writes 24. Within a domain the forms :func:`compact` returns are equal on it (not
    necessarily beyond it). Nested blocks add their conditions; a model gives its own (``model.domain()``,
    :func:`domain_of`), and the pages and reports of a model compact its forms within them.

    Parameters
    ----------
    positive : iterable of sympy expressions
        Expressions positive wherever the model is defined. A number must be positive (and adds nothing).

    Examples
    --------
    >>> import sympy as sp
    >>> f = sp.Symbol("f", positive=True)
    >>> with within_domain([1 - f]):
    ...     equal_at_random_points(sp.log(1 / f - 1), -sp.log(f / (1 - f)))
    True
    >>> equal_at_random_points(sp.log(1 / f - 1), -sp.log(f / (1 - f)))
    False
    """
    conditions = _domain_conditions(positive)
    token = _DOMAIN.set(_fewest(_DOMAIN.get() + conditions))
    try:
        yield _DOMAIN.get()
    finally:
        _DOMAIN.reset(token)


def domain_of(*models: Any) -> tuple[sp.Expr, ...]:
    """The conditions of the domains of ``models`` together (each model's ``domain()``; none for an object without
    one, or ``None``), for :func:`within_domain`.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import MarkovJumpProcess
    >>> f = sp.Symbol("f", positive=True)
    >>> domain_of(MarkovJumpProcess({("w", "s"): f, ("s", "w"): 1 - f}), None)
    (1 - f,)
    """
    out: dict = {}
    for m in models:
        domain = getattr(m, "domain", None)
        if callable(domain):
            out.update(dict.fromkeys(domain()))
    return tuple(out)


def current_domain() -> tuple[sp.Expr, ...]:
    """The conditions of the enclosing :func:`within_domain` blocks (none outside them).

    Examples
    --------
    >>> import sympy as sp
    >>> f = sp.Symbol("f", positive=True)
    >>> with within_domain([1 - f]):
    ...     current_domain()
    (1 - f,)
    >>> current_domain()
    ()
    """
    return _DOMAIN.get()


def _has_a_value(expr: sp.Expr, seed: int = 0) -> bool:
    """Whether ``expr`` has a numeric value at one of the points :func:`equal_at_random_points` tries (not so with an
    undefined function applied, ``c(t)``: every candidate would be refused)."""
    return any(_value(expr, point) is not None for point in _points(expr.free_symbols, 6, seed))


# -- strategies ------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _factor(e: sp.Expr) -> sp.Expr:
    """``e`` over one denominator, cancelled and factored (remembered: the passes of :func:`compact` and the forms of a
    page ask for the same ones again)."""
    from . import budget

    return budget.factor(sp.cancel(sp.together(e)))


@lru_cache(maxsize=4096)
def _collect_poly(p: sp.Expr) -> sp.Expr:
    """The smallest of ``p`` collected over one of its symbols with factored coefficients."""
    factor = _factored  # the same coefficients come back for each symbol, and in the polynomials of other forms
    p = sp.expand(p)
    if not p.is_Add:
        return factor(p)
    best = factor(p)
    if len(p.free_symbols) > COLLECT_SYMBOLS or len(p.args) > COLLECT_TERMS:
        return best  # collecting over each of many symbols costs minutes; factoring alone is kept
    for s in sorted(p.free_symbols, key=lambda s: s.name):
        cand = sp.collect(p, s, func=factor)
        if size(cand) < size(best):
            best = cand
        # and the terms that share a factor: p = s*q + r, with q and r factored
        q, r = sp.div(p, s) if p.is_polynomial(s) else (None, None)
        if q is not None and q != 0 and r != 0:
            rest = factor(r)
            for cand in (s * factor(q) + rest,
                         # a perfect square plus a term: s^2 t_n^2 + 2 s^2 t_n t_v + s^2 t_v^2 - 4 g^2 t_n t_v as
                         # s^2 (t_n + t_v)^2 - 4 g^2 t_n t_v (the terms with s collected, the others factored)
                         sp.collect(sp.expand(s * q), s, func=factor) + rest):
                if size(cand) < size(best):
                    best = cand
    # a perfect-square part: terms that factor together once one term is set aside
    terms = list(p.args)
    if 3 <= len(terms) <= 12:
        for t in terms:
            rest = factor(sp.Add(*[u for u in terms if u is not t]))
            cand = t + rest
            if size(cand) < size(best):
                best = cand
    return best


@lru_cache(maxsize=16384)
def _factored(e: sp.Expr) -> sp.Expr:
    """:func:`~thermotheory.core.budget.factor` (reproducible, so a stored result is the one a new call gives)."""
    from . import budget

    return budget.factor(e)


def _collected(e: sp.Expr) -> sp.Expr:
    """Numerator and denominator each collected (:func:`_collect_poly`), factor by factor."""
    num, den = sp.fraction(sp.cancel(sp.together(e)))

    def part(x: sp.Expr) -> sp.Expr:
        factors = sp.Mul.make_args(sp.factor_terms(x))
        return sp.Mul(*[_collect_poly(f) if f.is_Add else f for f in factors])

    return part(num) / part(den)


def _logs_into_one(e: sp.Expr, argument: Callable[[sp.Expr], sp.Expr], deep: bool = True) -> sp.Expr:
    """``sum c_i log(a_i)`` (rational ``c_i``, each ``a_i`` proved positive) as ``c log(argument(prod a_i^(c_i / c)))``,
    ``c`` the common rational factor of the ``c_i``, the other terms of the sum as they are; a product of a sum with
    logs is multiplied out first (``deep``: inside its factors too). ``e`` itself where fewer than two logs join."""
    if e.is_Mul and any(a.is_Add and a.has(sp.log) for a in e.args):
        e = sp.expand(e) if deep else sp.expand(e, deep=False)
    if not e.is_Add:
        return e
    logs, rest = [], []
    for t in e.args:
        coeff, body = t.as_coeff_Mul()
        if isinstance(body, sp.log) and coeff.is_Rational:
            logs.append((coeff, body.args[0]))
        else:
            rest.append(t)
    if len(logs) < 2 or not all(proved_positive(a) for _, a in logs):
        return e  # log(a) + log(b) = log(a b) needs a, b > 0
    c = sp.gcd_list([abs(k) for k, _ in logs])
    if not c or c == 0:
        return e
    return sp.Add(*rest) + c * sp.log(argument(sp.Mul(*[a ** (k / c) for k, a in logs])))


def _logs_combined(e: sp.Expr) -> sp.Expr:
    """``sum c_i log(a_i)`` as ``c log(prod a_i^(c_i / c))``, ``c`` the common rational factor of the ``c_i``, the
    argument cancelled (:func:`_logs_into_one`)."""
    return _logs_into_one(e, lambda a: sp.cancel(sp.together(a)))


def _logs_apart(e: sp.Expr) -> sp.Expr:
    r"""A quotient whose numerator is a sum of logarithms and other terms written as two: the logarithms over the
    denominator, joined (:func:`_logs_joined`), plus the rest over it, factored (:func:`_factor`):
    ``\frac{T \ln a - T \ln s_0 + R}{2 T}`` as ``\frac{1}{2} \ln \frac{a}{s_0} + \frac{R}{2 T}`` (an entropy
    production is a change of entropy plus a heat). ``e`` itself where it is no such quotient."""

    def apart(m: sp.Expr) -> sp.Expr:
        sums = [f for f in m.args if isinstance(f, sp.Add) and f.has(sp.log)]
        if len(sums) != 1:
            return m
        total = sums[0]
        logs = [t for t in total.args if t.has(sp.log)]
        if len(logs) == len(total.args):
            return m
        scale = sp.Mul(*[f for f in m.args if f is not total])
        rest = sp.Add(*[t for t in total.args if not t.has(sp.log)])
        parts = [_factor(scale * rest), sp.factor_terms(scale * rest)]
        if rest.has(sp.exp):  # (over the exponentials as they stand: 1 - e^{-x}, not (e^{x} - 1) e^{-x})
            parts.append(scale * _exp_factored(sp.expand(rest)))
        return _logs_joined(sp.expand(scale * sp.Add(*logs), deep=False)) + min(parts, key=size)

    return e.replace(lambda x: isinstance(x, sp.Mul), apart)


def _logs_joined(e: sp.Expr) -> sp.Expr:
    r"""The logarithms of a sum joined into one (:func:`_logs_into_one`), their argument over one denominator but not
    multiplied out (:func:`_logs_combined` cancels it), the other terms as they are: ``\frac{1}{2} (\ln(2 \pi e
    \sigma^2) + \ln(1 + \frac{v}{\sigma^2}))`` as ``\frac{1}{2} \ln(2 \pi e (\sigma^2 + v))``, a Gaussian's
    entropy."""
    return _logs_into_one(e, _together_held, deep=False)


def _together_held(e: sp.Expr) -> sp.Expr:
    """``e`` over one denominator, each exponential held as a name (``together`` alone writes ``1 - e^{-x}`` as
    ``(e^{x} - 1) e^{-x}``)."""
    held = {x: sp.Dummy() for x in e.atoms(sp.exp)}
    return sp.together(e.xreplace(held)).xreplace({v: k for k, v in held.items()})


def _logs_collected(e: sp.Expr) -> sp.Expr:
    """Terms that share a logarithm collected over it, each coefficient factored: ``4 n^3 (1 - n) ln 4 + 4 n (1 - n)^3
    ln 4`` as ``4 n (1 - n) (2 n^2 - 2 n + 1) ln 4`` (``e`` itself where no two terms share one)."""
    if not isinstance(e, sp.Expr):
        return e
    e = _log_sums_spread(e)
    if not e.is_Add:
        return e
    counts: dict[sp.Basic, int] = {}
    for t in e.args:
        for f in sp.Mul.make_args(t):
            if isinstance(f, sp.log):
                counts[f] = counts.get(f, 0) + 1
    shared = sorted((f for f, k in counts.items() if k > 1), key=sp.default_sort_key)
    if not shared:
        return e
    return sp.collect(e, shared, func=_factor)


def _reciprocal_logs(e: sp.Expr) -> sp.Expr:
    r"""Two logarithms of reciprocal arguments written as one, then the terms that share it collected
    (:func:`_logs_collected`): :math:`T (a + b) \ln\frac{w_2}{w_1} + (a + b) \ln\frac{w_1}{w_2}` is :math:`(T - 1)
    (a + b) \ln\frac{w_2}{w_1}`. Of the two ways (either log written as minus the other) the shorter; ``e`` itself
    where no two logs have reciprocal arguments. Where an argument can be negative within the symbols' assumptions
    the two logs differ by :math:`2 \pi i` there, and :func:`compact`'s check refuses the rewriting (the binary
    synapse's heat, :math:`\ln\frac{f}{1 - f}` beside :math:`\ln\frac{1 - f}{f}` with ``f`` only positive)."""
    if not isinstance(e, sp.Expr):
        return e
    logs = sorted({a for a in sp.preorder_traversal(e) if isinstance(a, sp.log)}, key=sp.default_sort_key)
    for i, a in enumerate(logs):
        for b in logs[i + 1:]:
            if sp.cancel(a.args[0] * b.args[0]) == 1:
                return min((_logs_collected(sp.expand(e.xreplace(m), deep=False, log=False))
                            for m in ({b: -a}, {a: -b})), key=size)
    return e


def _log_sums_spread(e: sp.Expr) -> sp.Expr:
    """A product with a sum of logs among its factors multiplied out one level (``c (a \\ln x + b \\ln y)`` as ``a c
    \\ln x + b c \\ln y``), so that its logs stand as terms; anything else as it is."""
    if e.is_Mul and any(a.is_Add and a.has(sp.log) for a in e.args):
        return sp.expand(e, deep=False, mul=True, multinomial=False, power_exp=False, power_base=False, log=False)
    return e


def _logs_split(e: sp.Expr) -> sp.Expr:
    return sp.expand_log(e)  # by the symbols' assumptions only: log(x*y) splits when x, y > 0


#: The most operations (``count_ops``) a form may have for :func:`_log_numbers_out` to expand it (and at most
#: ``COLLECT_TERMS`` terms once expanded, :func:`~thermotheory.core.budget.term_bound`).
LOG_NUMBERS_OPS = 200

#: The largest numerator or denominator of a log's numeric factor that :func:`_log_numbers_out` splits into primes.
LOG_NUMBERS_FACTOR = 10**6


def _log_numbers_out(e: sp.Expr) -> sp.Expr:
    r"""The numbers a logarithm's argument holds as a factor taken out (``\ln\frac{1 + S}{2}`` as ``\ln(1 + S) -
    \ln 2``), the form expanded and its logs' coefficients gathered, each cancelled: where the weights of the logs of
    a number add to a number, the constant terms cancel. The information a binary synapse keeps,
    ``\frac12 (1 - S) \ln\frac{1 - S}{2} + \frac12 (1 + S) \ln\frac{1 + S}{2} + \ln 2``, is
    ``\frac{(1 - S) \ln(1 - S) + (1 + S) \ln(1 + S)}{2}``. A form of more than :data:`LOG_NUMBERS_OPS` operations
    comes back as it is (expanding it would take long).

    Examples
    --------
    >>> S = sp.Symbol("S", positive=True)
    >>> _log_numbers_out(sp.log(2) + (1 + S) / 2 * sp.log((1 + S) / 2) + (1 - S) / 2 * sp.log((1 - S) / 2))
    ((1 - S)*log(1 - S) + (S + 1)*log(S + 1))/2
    """
    def split(x: sp.Expr) -> sp.Expr:
        c, rest = x.args[0].as_content_primitive()
        if not (c.is_Rational and c.is_positive and c != 1) or max(c.p, c.q) > LOG_NUMBERS_FACTOR:
            return x  # (a number too large to split into primes at once stays in its log)
        primes = [(sp.Integer(b), k) for b, k in sp.factorint(c.p).items()] + \
            [(sp.Integer(b), -k) for b, k in sp.factorint(c.q).items()]
        return sp.Add(*[k * sp.log(b) for b, k in primes]) + sp.log(rest)  # (ln 10 as ln 2 + ln 5: numbers meet)

    from . import budget

    if not e.has(sp.log) or sp.count_ops(e) > LOG_NUMBERS_OPS:
        return e
    out = e.replace(lambda x: isinstance(x, sp.log) and x.args[0].is_number is False, split)
    if out == e or budget.term_bound(out) > COLLECT_TERMS:  # (a power of a sum would multiply out: minutes)
        return e
    out = sp.expand(out)
    logs = sorted(out.atoms(sp.log), key=sp.default_sort_key)
    parts = sp.collect(out, logs, evaluate=False)
    total = sp.Integer(0)
    for key, coeff in parts.items():
        coeff = sp.factor_terms(sp.cancel(sp.together(coeff)))
        total += coeff * key
    return sp.factor_terms(total)


def _log1p(e: sp.Expr) -> sp.Expr:
    """``log(A/B)`` as ``log(1 + (A - B)/B)`` with the fraction compacted."""

    def rewrite(arg: sp.Expr) -> sp.Expr:
        num, den = sp.fraction(sp.cancel(sp.together(arg)))
        if den == 1:
            return sp.log(arg)
        inner = _best_rational(sp.cancel((num - den) / den))
        return sp.log(1 + inner)

    return _logs_combined(e).replace(lambda x: isinstance(x, sp.log), lambda x: rewrite(x.args[0]))


def _best_rational(e: sp.Expr) -> sp.Expr:
    cands = [e, _factor(e)]
    try:
        cands.append(_collected(e))
    except (sp.PolynomialError, ValueError):
        pass
    return min(cands, key=size)


def _powers_out_of_logs(e: sp.Expr) -> sp.Expr:
    """``log(x**a)`` as ``a*log(x)`` (``x`` positive at every checked point)."""
    return e.replace(lambda x: isinstance(x, sp.log) and x.args[0].is_Pow and x.args[0].base.is_positive
                     and x.args[0].exp.is_real,
                     lambda x: x.args[0].exp * sp.log(x.args[0].base))


def _powers_into_logs(e: sp.Expr) -> sp.Expr:
    r"""A fraction :math:`1/q` before a logarithm taken into its argument as the :math:`q`-th root of each of its
    factors, where each factor's power over ``q`` is a whole number for all but roots of the others: the synapse's
    memory time :math:`\frac{1}{2} \tau_w \ln \frac{\lambda^2 s_\mu^2 (1 - e^{-t_w/\tau_w})^2}{\sigma_w^2 (e^{2 I} -
    1)}` is :math:`\tau_w \ln \frac{\lambda s_\mu (1 - e^{-t_w/\tau_w})}{\sigma_w \sqrt{e^{2 I} - 1}}`, as by hand.
    A factor is taken as it stands (its square's root is itself): sound where the factors are positive, as the
    logarithm's argument asks and the check at random points confirms.

    Examples
    --------
    >>> a, b = sp.symbols("a b", positive=True)
    >>> _powers_into_logs(sp.log(a**2 * (1 + b)**2 / b) / 2)
    log(a*(b + 1)/sqrt(b))
    """
    def target(x: sp.Basic) -> bool:
        if not isinstance(x, sp.Mul):
            return False
        c = x.as_coeff_Mul()[0]
        return c.is_Rational and c.q > 1 and sum(isinstance(f, sp.log) for f in x.args) == 1

    def rewrite(x: sp.Mul) -> sp.Expr:
        c, rest = x.as_coeff_Mul()
        log = next(f for f in x.args if isinstance(f, sp.log))
        whole = 0
        factors = []
        for f in sp.Mul.make_args(log.args[0]):
            base, k = f.as_base_exp()
            if isinstance(f, sp.exp) or base == sp.E:  # (an exponential: its exponent over q)
                whole, factors = whole + 1, [*factors, sp.exp(sp.log(f).expand(force=True) / c.q)]
                continue
            if not k.is_Rational:
                return x
            whole += (k / c.q).is_integer
            factors.append(sp.Pow(base, k / c.q))
        if whole < len(factors) - 1 or whole == 0:  # (roots of more than one factor read no shorter)
            return x
        return c.p * (rest / log) * sp.log(sp.Mul(*factors))

    return e.replace(target, rewrite)


def _roots_merged(e: sp.Expr) -> sp.Expr:
    return sp.powsimp(e, combine="base")  # sqrt(a) sqrt(b) = sqrt(a b) only where the assumptions allow


#: The most terms a sum with a root may have for :func:`_conjugate` to multiply it out (the root and up to three more:
#: a Kalman filter's error :math:`\sqrt{T_2 (T_1 \kappa^2 + T_2 (k + \kappa)^2)} - T_2 k - T_2 \kappa`).
CONJUGATE_TERMS = 4


def _conjugate(e: sp.Expr) -> sp.Expr:
    """A sum ``a + c*sqrt(b)`` whose terms may cancel (``a`` a sum of up to ``CONJUGATE_TERMS - 1`` terms),
    multiplied out by its conjugate: ``(a^2 - c^2 b)/(a - c sqrt(b))``.

    Only where ``a`` holds no root or other fractional power, nor ``c sqrt(b)`` a second one: squaring then leaves
    a rational numerator (with roots on both sides, factoring the result over their algebraic extension took
    minutes).
    """
    e = sp.powsimp(e, combine="base")

    def fractional(t: sp.Basic) -> int:
        return sum(1 for p in sp.preorder_traversal(t) if isinstance(p, sp.Pow) and p.exp.is_Rational
                   and not p.exp.is_integer)

    def rooted(x: sp.Expr) -> list:
        """The terms of the sum ``x`` that hold a square root as a factor."""
        return [t for t in x.args
                if any(isinstance(f, sp.Pow) and f.exp == sp.Rational(1, 2) for f in sp.Mul.make_args(t))]

    def is_root_sum(x: Any) -> bool:
        if not isinstance(x, sp.Add) or len(x.args) > CONJUGATE_TERMS:
            return False
        roots = rooted(x)
        # (one root, or a product of roots a positive factor split off: \sqrt{T_2} \sqrt{T_1 \kappa^2 + \dots})
        return len(roots) == 1 and fractional(roots[0] ** 2) == 0 and fractional(x - roots[0]) == 0

    def rewrite(x: sp.Expr) -> sp.Expr:
        (root,) = rooted(x)
        other = sp.factor_terms(x - root)  # (T_2 (k + \kappa), as the form groups it elsewhere)
        # the conjugate must vanish nowhere the sum is defined (a sum of terms that cancel: the conjugate adds them),
        # else the form would be 0/0 where they are equal (sqrt(1 + t (2 + k t)) + 1 + k t at k = 1)
        if not (proved_positive(root - other) or proved_positive(other - root)):
            return x
        num = _best_rational(sp.expand(other**2 - root**2))
        return -num / (root - other) if num != 0 else x

    out = e.replace(is_root_sum, rewrite)
    return out if out == e else min((out, _factor(out)), key=size)


def _exponentials(e: sp.Expr) -> sp.Expr:
    """Products of exponentials multiplied out and combined (``(a + b e^x) e^{-x}`` as ``a e^{-x} + b``)."""
    if not e.has(sp.exp):
        return e

    def spread(m: sp.Expr) -> sp.Expr:
        if not any(isinstance(f, sp.exp) for f in m.args):
            return m
        out = sp.powsimp(sp.expand(m, deep=False), combine="exp")
        return sp.factor_terms(out)

    return e.replace(lambda x: isinstance(x, sp.Mul), spread)


def _exp_sums_multiplied(e: sp.Expr) -> sp.Expr:
    r"""The sum factors of a product that hold the same exponentials multiplied out into one sum, the exponentials
    combined, where terms cancel (the product has no more terms than its longest factor): ``(1 - e^{-x}) (1 +
    e^{-x})`` as ``1 - e^{-2x}`` (what factoring leaves of a relaxation); ``(1 - e^{-x}) (3 - e^{-x})`` stays."""
    if not e.has(sp.exp):
        return e

    def multiplied(m: sp.Expr) -> sp.Expr:
        sums = [f for f in m.args if _has_exp_sum(f)]
        if len(sums) < 2:
            return m
        groups: dict[frozenset, list[sp.Expr]] = {}
        for f in sums:
            groups.setdefault(frozenset(x.args[0] for x in f.atoms(sp.exp)), []).append(f)
        rest = [f for f in m.args if f not in sums]
        for group in groups.values():
            product = sp.powsimp(sp.expand(sp.Mul(*group)), combine="exp") if len(group) > 1 else None
            if product is None or len(sp.Add.make_args(product)) > max(len(f.args) for f in group):
                rest += group
            else:
                rest.append(product)
        return sp.Mul(*rest)

    return e.replace(lambda x: isinstance(x, sp.Mul), multiplied)


def _signs(e: sp.Expr) -> sp.Expr:
    """A leading minus sign moved into a sum factor, where that sum then has fewer negative terms."""

    def flip(m: sp.Expr) -> sp.Expr:
        coeff, rest = m.as_coeff_Mul()
        if coeff >= 0:
            return m
        factors = list(sp.Mul.make_args(rest))
        for i, f in enumerate(factors):
            for g, sgn in ((f, 1), (f.base if f.is_Pow and f.exp.is_integer and f.exp.is_odd else None, f.exp if f.is_Pow else 1)):
                if g is None or not g.is_Add:
                    continue
                neg = sum(1 for t in g.args if t.could_extract_minus_sign())
                if 2 * neg > len(g.args) or (2 * neg == len(g.args) and g.args[0].could_extract_minus_sign()):
                    new = (-g) ** sgn if f.is_Pow else -g
                    return -coeff * sp.Mul(*(factors[:i] + [new] + factors[i + 1:]))
        return m

    return e.replace(lambda x: isinstance(x, sp.Mul), flip)


def _is_root(f: sp.Basic) -> bool:
    return isinstance(f, sp.Pow) and f.exp == sp.Rational(1, 2)


def _natural_scale(e: sp.Expr) -> sp.Expr:
    """A sum ``A + c sqrt(R)`` (``A`` one term) over its natural scale: ``A (1 + sign(c/A) sqrt(R c^2/A^2))``.

    ``-a + sqrt(a^2 + b)`` becomes ``a (sqrt(1 + b/a^2) - 1)``; the scale ``a`` then cancels
    against the rest of the form where it can. Needs the sign of ``c/A`` (from the assumptions).
    """

    def split(x: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr] | None:
        if not isinstance(x, sp.Add) or len(x.args) != 2:
            return None
        rooted = [t for t in x.args if any(_is_root(f) for f in sp.Mul.make_args(t))]
        if len(rooted) != 1:
            return None
        (term,) = rooted
        scale = x - term
        if scale.is_Add or scale.has(sp.Pow) and any(_is_root(f) for f in sp.preorder_traversal(scale)):
            return None
        roots = [f for f in sp.Mul.make_args(term) if _is_root(f)]
        if sum(1 for f in roots if not f.base.is_nonnegative) > 1:
            return None  # sqrt(a) sqrt(b) = sqrt(a b) needs all but one of them nonnegative
        c = sp.Mul(*[f for f in sp.Mul.make_args(term) if not _is_root(f)])
        return scale, c, sp.Mul(*[f.base for f in roots])

    def rewrite(x: sp.Expr) -> sp.Expr:
        scale, c, radicand = split(x)
        q = sp.cancel(c / scale)
        sign = 1 if q.is_positive else (-1 if q.is_negative else None)
        if sign is None:
            return x
        inner = sp.cancel(q**2 * radicand)
        inner = min((inner, sp.expand(inner)), key=lambda r: size(sp.sqrt(r)))
        if scale.could_extract_minus_sign():
            return sp.Mul(-scale, -sign * sp.sqrt(inner) - 1)
        return sp.Mul(scale, 1 + sign * sp.sqrt(inner))

    return e.replace(lambda x: split(x) is not None, rewrite)


def _radicands(e: sp.Expr) -> sp.Expr:
    """Polynomial radicands (and bases of other fractional powers) in their shortest form (:func:`_best_rational`)."""

    def is_target(x: sp.Basic) -> bool:
        return _rooted_sum(x) and x.base.is_polynomial(*x.base.free_symbols)

    return e.replace(is_target, lambda x: sp.Pow(_best_rational(x.base), x.exp))


def _root_contents(e: sp.Expr) -> sp.Expr:
    r"""The positive monomial every term of a root's radicand shares, taken out of the root.

    ``\sqrt{D \sqrt{D_y} + D_y^{3/2} g}`` is ``D_y^{1/4} \sqrt{D + D_y g}``: the powers of a positive
    symbol that stand in every term leave the root, so that they can cancel against the rest of the form
    (the full-history transfer entropy's ``D_y^{3/4}`` below the bar). Sound for positive symbols only.
    """

    def content(b: sp.Expr) -> sp.Expr:
        terms = [t.as_powers_dict() for t in b.args]
        c = sp.Integer(1)
        for s in sorted(b.free_symbols, key=sp.default_sort_key):
            if s.is_positive:
                least = min(sp.sympify(t.get(s, 0)) for t in terms)
                if least.is_Rational and least > 0:
                    c *= s**least
        return c

    def out(p: sp.Pow) -> sp.Expr:
        c = content(p.base)
        return p if c == 1 else c**p.exp * sp.Pow(sp.expand(p.base / c), p.exp)

    return e.replace(_rooted_sum, out)


def _roots_absorbed(e: sp.Expr) -> sp.Expr:
    r"""The root of a positive symbol that stands beside the root of a sum holding it, taken into that root: each
    root of a sum :math:`\sqrt{X}` whose terms hold :math:`s` written :math:`\sqrt{s} \sqrt{X / s}`, ``X / s``
    term by term, where the form holds a half-odd power of ``s`` as a factor; then the form over one denominator and
    its common factors taken out, kept where ``s`` is left inside the roots only (they are then written on their
    natural scale; a form that keeps ``s`` outside them as well would print two scales). The two-temperature
    filter's transfer entropy rate
    :math:`\frac{\sqrt{T_1 \kappa^2 + T_2 (k + \kappa)^2}}{2 \sqrt{T_2} \gamma} - \frac{k + \kappa}{2 \gamma}`
    is :math:`\frac{\sqrt{(k + \kappa)^2 + T_1 \kappa^2 / T_2} - k - \kappa}{2 \gamma}`, as by hand. Of the
    symbols that qualify, the one that prints shortest; ``e`` where none does. Sound for positive symbols only.

    Examples
    --------
    >>> a, b, T = sp.symbols("a b T", positive=True)
    >>> _roots_absorbed(sp.sqrt(a + T * b) / sp.sqrt(T) - b)
    -b + sqrt(b + a/T)
    """
    halves = {f.base for f in sp.preorder_traversal(e) if isinstance(f, sp.Pow) and isinstance(f.base, sp.Symbol)
              and f.base.is_positive and f.exp.is_Rational and f.exp.q == 2}
    found = []
    for sym in sorted(halves, key=sp.default_sort_key):
        held: dict = {}  # (the new roots held whole: over one denominator, their radicands would be joined again)

        def into(x: sp.Pow, sym: sp.Symbol = sym) -> sp.Expr:
            if not (x.exp.q == 2 and sym in x.base.free_symbols):
                return x
            inner = sp.Pow(sp.Add(*[t / sym for t in sp.Add.make_args(x.base)]), x.exp)
            stand = held.setdefault(inner, sp.Dummy(positive=True))
            return sym**x.exp * stand

        moved = sp.factor_terms(sp.together(e.replace(_rooted_sum, into)))
        if held and sym not in moved.free_symbols:  # (the parameter left in the roots only: their natural scale)
            found.append(moved.xreplace({d: r for r, d in held.items()}))
    return min(found, key=lambda x: size(x)[0]) if found else e


def _rooted_sum(x: sp.Basic) -> bool:
    """Whether ``x`` is a fractional power of a sum (a root, or its reciprocal)."""
    return isinstance(x, sp.Pow) and x.exp.is_Rational and not x.exp.is_integer and isinstance(x.base, sp.Add)


def _radicands_squared(e: sp.Expr) -> sp.Expr:
    r"""A sum that is the radicand of a root the form also holds, written as that root squared, and the terms it
    stands in factored in the root: the cascade's transfer entropy rate's denominator
    :math:`(\gamma^2 + R) S - \gamma S^2 = S (\gamma^2 + R - \gamma S)`, where the radicand :math:`S^2` stood
    written out beside :math:`S`. The first root (in the form's order) whose radicand stands bare is taken; the
    other roots are held whole while the terms are factored, and the form's terms are factored one by one (a
    term beside them is not brought over their denominator)."""
    for root in (x for x in sp.preorder_traversal(e) if _is_root(x) and isinstance(x.base, sp.Add)):
        # (stand-ins with no assumptions: a positive one would let sympy take |S^2| as S^2 where the radicand is
        # negative, a different value the random points might not catch)
        s = sp.Dummy("S")
        body = e.xreplace({root: s, 1 / root: 1 / s})
        if not body.has(root.base):
            continue
        body = body.xreplace({root.base: s**2})
        held = {x: sp.Dummy() for x in sp.preorder_traversal(body) if _rooted_sum(x)}
        body = body.xreplace(held)
        factored = sp.Add(*[t.replace(lambda x: isinstance(x, sp.Add) and x.has(s), sp.factor)
                            for t in sp.Add.make_args(body)])
        return factored.xreplace({v: k for k, v in held.items()}).xreplace({s: root})
    return e


#: A function of twice an argument written through the argument (the ways tried, in turn, for all of them at once).
_DOUBLE_ANGLES: dict[type, tuple[Callable[[sp.Expr], sp.Expr], ...]] = {
    sp.cosh: (lambda x: 1 + 2 * sp.sinh(x) ** 2, lambda x: 2 * sp.cosh(x) ** 2 - 1),
    sp.cos: (lambda x: 1 - 2 * sp.sin(x) ** 2, lambda x: 2 * sp.cos(x) ** 2 - 1),
    sp.sinh: (lambda x: 2 * sp.sinh(x) * sp.cosh(x),),
    sp.sin: (lambda x: 2 * sp.sin(x) * sp.cos(x),),
}


def _double_angles(e: sp.Expr) -> sp.Expr:
    r"""A hyperbolic or trigonometric function of twice an argument written through the argument, where the form then
    cancels to fewer glyphs: the lattice page's block-spin mass
    :math:`\frac{\lambda (\cosh 2\kappa - 1)}{a^2 \cosh\kappa} = \frac{2 \lambda \sinh^2\kappa}{a^2 \cosh\kappa}`."""
    targets = [f for f in sp.preorder_traversal(e) if type(f) in _DOUBLE_ANGLES
               and f.args[0].as_coeff_Mul()[0].is_Integer and f.args[0].as_coeff_Mul()[0] % 2 == 0]
    if not targets:
        return e
    best = e
    for k in range(2):
        ways = {f: _DOUBLE_ANGLES[type(f)][min(k, len(_DOUBLE_ANGLES[type(f)]) - 1)](f.args[0] / 2) for f in targets}
        candidate = _factor(e.xreplace(ways))
        if size(candidate) < size(best):
            best = candidate
    return best


def _half_angles(e: sp.Expr) -> sp.Expr:
    r"""An inverse hyperbolic cosine of one plus a positive term written through the inverse sine of its root, the half
    angle, as a hand writes a lattice's inverse correlation length: :math:`\operatorname{arcosh}(1 + \frac{a^2 m^2}{2
    \lambda}) = 2 \operatorname{arsinh} \frac{a m}{2 \sqrt{\lambda}}` (:func:`compact` keeps it where it reads shorter).
    (Not yet ``\cosh y - 1`` as ``2 \sinh^2(y/2)``: printed ``\frac{4 \lambda \sinh^2(a / (2 \xi))}{a^2}``, the
    function inside the fraction, it reads no shorter than the lattice's mass as it is.)

    Examples
    --------
    >>> a, m, lam = sp.symbols("a m lambda", positive=True)
    >>> _half_angles(sp.acosh(1 + a**2 * m**2 / (2 * lam)))
    2*asinh(a*m/(2*sqrt(lambda)))
    """
    def arcosh(x: sp.Expr) -> sp.Expr:
        y = x.args[0] - 1
        return 2 * sp.asinh(sp.sqrt(y / 2)) if y.is_positive else x

    return e.replace(lambda x: isinstance(x, sp.acosh), arcosh)


def _polynomial_factors(e: sp.Expr) -> sp.Expr:
    """Every sum that is a polynomial (inside roots, beside roots, in either part of a fraction) collected."""
    from . import budget

    def is_target(x: sp.Basic) -> bool:
        if not isinstance(x, sp.Add) or len(x.args) < 2 or not x.free_symbols:
            return False
        if not x.is_polynomial(*x.free_symbols):
            return False
        return budget.term_bound(x) <= COLLECT_TERMS

    def rewrite(x: sp.Expr) -> sp.Expr:
        cands = [x, _collect_poly(x)]
        if _negative_led(x):  # -(a + b) collected as a + b, the sign left for the product to take out
            cands.append(-_collect_poly(-x))
        return min(cands, key=size)

    return e.replace(is_target, rewrite)


def _has_fraction(x: sp.Basic) -> bool:
    """Whether the sum ``x`` has a term printed as a fraction (a rational coefficient or a negative power)."""
    if not isinstance(x, sp.Add):
        return False
    for t in x.args:
        coeff, rest = t.as_coeff_Mul()
        if (coeff.is_Rational and coeff.q != 1) or any(f.is_Pow and f.exp.is_negative for f in sp.Mul.make_args(rest)):
            return True
    return False


def _numerators(e: sp.Expr) -> sp.Expr:
    """Scalar factors pulled out of sums: ``-x/2 - y/2`` as ``-(x + y)/2`` (the 2 joins the denominator)."""

    def scalar(x: sp.Basic) -> bool:
        return _has_fraction(x) and any(t.as_coeff_Mul()[0].q != 1 for t in x.args if t.as_coeff_Mul()[0].is_Rational)

    return e.replace(scalar, lambda x: sp.factor_terms(x, clear=True))


def _fractions_joined(e: sp.Expr) -> sp.Expr:
    """Fractions inside a numerator or a denominator joined into it: ``(a/b + c)/d`` as ``(a + b c)/(b d)``."""

    def nested(x: sp.Basic) -> bool:
        if not isinstance(x, sp.Mul):
            return False
        parts = sp.fraction(x)
        return any(_has_fraction(f) for part in parts for f in sp.Mul.make_args(part))

    def rewrite(x: sp.Expr) -> sp.Expr:
        n, d = sp.fraction(x)
        n1, n2 = sp.fraction(sp.together(n))
        d1, d2 = sp.fraction(sp.together(d))
        return sp.factor_terms(n1 * d2) / sp.factor_terms(n2 * d1)

    return e.replace(nested, rewrite)


def _spread(e: sp.Expr) -> sp.Expr:
    """A product of one sum and monomials spread over the sum's terms: ``(a/2 - b)/c`` as ``a/(2c) - b/c``."""

    def one_sum(x: sp.Basic) -> bool:
        return isinstance(x, sp.Mul) and sum(1 for f in x.args if f.is_Add) == 1

    def rewrite(x: sp.Expr) -> sp.Expr:
        total = next(f for f in x.args if f.is_Add)
        rest = sp.Mul(*[f for f in x.args if f is not total])
        return sp.Add(*[t * rest for t in total.args])

    return e.replace(one_sum, rewrite)


def _divides(d: dict, big: dict) -> bool:
    """Whether the product of powers ``d`` (base -> exponent) divides ``big``."""
    return all(b in big and (k == big[b] or (k.is_number and big[b].is_number and k <= big[b])) for b, k in d.items())


def _denominators_joined(e: sp.Expr, equal: bool = False) -> sp.Expr:
    r"""Terms of a sum whose symbolic denominator divides another term's joined over the larger one (with ``equal``,
    only terms over one and the same denominator).

    ``\frac{a}{2 \sqrt{b}} - \frac{c}{2 \sqrt{b}}`` becomes ``\frac{a - c}{2 \sqrt{b}}``, and
    ``\frac{A k^2}{D g_1 g_2 g_3} + \frac{B k^2}{D g_3}`` becomes ``\frac{k^2 (A + B g_1 g_2)}{D g_1 g_2 g_3}`` (the
    numbers and factors the numerators share pulled out of the joined numerator). With ``equal``, ``\frac{\sqrt{R}}{2
    \sqrt{T} \gamma} - \frac{k}{2 \gamma} - \frac{\kappa}{2 \gamma}`` becomes ``\frac{\sqrt{R}}{2 \sqrt{T} \gamma} -
    \frac{k + \kappa}{2 \gamma}``, where joining all three over the largest reads longer.
    """

    def join(x: sp.Expr) -> sp.Expr:
        parts = []
        for t in x.args:
            c, m = t.as_coeff_Mul()
            n, d = sp.fraction(m)
            parts.append((c * n, d, sp.Mul(d).as_powers_dict() if d != 1 else {}))
        order = sorted(range(len(parts)), key=lambda i: -len(parts[i][2]))
        groups: list[tuple[dict, sp.Expr, list[int]]] = []  # (largest denominator's powers, it, members)
        for i in order:
            n, d, powers = parts[i]
            home = next((g for g in groups if powers and (powers == g[0] if equal else _divides(powers, g[0]))), None)
            if home is None:
                groups.append((powers, d, [i]))
            else:
                home[2].append(i)
        if all(len(g[2]) < 2 for g in groups if g[0]):
            return x
        out = []
        for powers, big, members in groups:
            if len(members) < 2 or big == 1:
                out.extend(parts[i][0] / parts[i][1] for i in members)
                continue
            top = sp.Add(*[parts[i][0] * sp.Mul(*[b**(k - parts[i][2].get(b, 0)) for b, k in powers.items()])
                           for i in members])  # each numerator times the factors its denominator lacks
            out.append(sp.factor_terms(top) / big)
        return sp.Add(*out)

    return e.replace(lambda x: isinstance(x, sp.Add), join)


def _radicands_joined(e: sp.Expr) -> sp.Expr:
    r"""A root whose radicand holds fractions, the radicand over one denominator and the denominator's root taken out;
    then terms over the same denominator joined (:func:`_denominators_joined`).

    ``\frac{\sqrt{\frac{a}{b} + c}}{2} - \frac{\sqrt{d}}{2 \sqrt{b}}`` becomes
    ``\frac{\sqrt{a + b c} - \sqrt{d}}{2 \sqrt{b}}``, for a denominator its assumptions make positive only
    (``\sqrt{a/b} = \sqrt{a}/\sqrt{b}`` fails for ``b < 0``, and random points may miss that branch).
    """

    def target(x: sp.Basic) -> bool:
        return isinstance(x, sp.Pow) and abs(x.exp) == sp.S.Half and _has_fraction(x.base)

    def rewrite(x: sp.Expr) -> sp.Expr:
        parts = [sp.fraction(t) for t in sp.Add.make_args(x.base)]
        powers: dict[sp.Expr, sp.Expr] = {}  # the least common denominator: each base to its largest power
        for _, d in parts:
            for f in sp.Mul.make_args(d):
                b, k = f.as_base_exp()
                if k.is_number and (b not in powers or k > powers[b]):
                    powers[b] = k
        d = sp.Mul(*[b**k for b, k in powers.items()])
        if not d.is_positive:  # sqrt(a/d + c) = sqrt(a + c d)/sqrt(d) holds for d > 0 only (a random point may miss
            return x           # the other branch: the assumptions decide, not the check)
        root = sp.sqrt(sp.factor_terms(sp.Add(*[n * d / dn for n, dn in parts]))) / sp.sqrt(d)
        return root if x.exp.is_positive else 1 / root

    return _denominators_joined(e.replace(target, rewrite))


def _monomials_in(e: sp.Expr) -> sp.Expr:
    r"""A product of monomials and one sum with the monomials that cancel a denominator of every term taken in.

    ``\frac{s^2 \tau (\frac{1}{\tau} - \frac{s^2 d}{\tau D})}{N}`` becomes ``\frac{s^2 (1 - \frac{s^2 d}{D})}{N}``.
    """

    def target(x: sp.Basic) -> bool:
        return isinstance(x, sp.Mul) and sum(1 for f in x.args if f.is_Add and _has_fraction(f)) == 1

    def rewrite(x: sp.Expr) -> sp.Expr:
        total = next(f for f in x.args if f.is_Add and _has_fraction(f))
        rest = [f for f in x.args if f is not total]
        dens = [set(sp.Mul.make_args(sp.fraction(t)[1])) for t in total.args]
        common = set.intersection(*dens) if dens else set()
        bases = {g.base if g.is_Pow else g for g in common}
        taken = [f for f in rest if not f.is_number and not (f.is_Pow and f.exp.is_negative)
                 and (f.base if f.is_Pow else f) in bases]  # factors above the bar that a denominator of each has
        if not taken:
            return x
        m = sp.Mul(*taken)
        return sp.Mul(*[f for f in rest if f not in taken]) * sp.Add(*[sp.cancel(m * t) for t in total.args])

    return e.replace(target, rewrite)


def _negative_led(g: sp.Expr) -> bool:
    """Whether the sum ``g`` has more negative than positive terms (or as many, and a negative one first)."""
    neg = sum(1 for t in g.args if t.could_extract_minus_sign())
    return 2 * neg > len(g.args) or (2 * neg == len(g.args) and g.as_ordered_terms()[0].could_extract_minus_sign())


@lru_cache(maxsize=8192)
def _sign_pairs(e: sp.Expr) -> sp.Expr:
    """In a product, every factor that is a sum led by minus signs (to an odd power) negated, the sign kept in front.

    ``x / ((-a - b) (-c - d))`` becomes ``x / ((a + b) (c + d))``; a sign left over stays in front.
    """

    def flip(m: sp.Expr) -> sp.Expr:
        factors = list(sp.Mul.make_args(m))
        sign, out, changed = 1, [], 0
        for f in factors:
            base, k = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
            if base.is_Add and k.is_integer and k.is_odd and _negative_led(base):
                out.append((-base) ** k)
                sign, changed = -sign, changed + 1
            else:
                out.append(f)
        coeff = sp.Mul(*[f for f in out if f.is_number])
        if (sign < 0) != bool(coeff.is_negative):  # a sign left over: taken into a balanced factor (a - b)
            for i, f in enumerate(out):
                base, k = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
                if base.is_Add and k.is_integer and k.is_odd and 2 * sum(
                        1 for t in base.args if t.could_extract_minus_sign()) == len(base.args):
                    out[i] = (-base) ** k
                    sign, changed = -sign, changed + 1
                    break
        if not changed:
            return m
        return sign * sp.Mul(*out)

    return e.replace(lambda x: isinstance(x, sp.Mul), flip)


class _Sum(sp.Add):
    """A sum printed with a positive term first where it has one (``sqrt(b) - a``, not ``- a + sqrt(b)``).

    The order is the printer's (:func:`~thermotheory.core.closedform.theorist_order`: a positive
    constant first, a negative one last), then a positive term first.
    """

    #: Read by the printer (:class:`~thermotheory.core.closedform._Printer`): lead with a positive term.
    positive_first = True

    def as_ordered_terms(self, order: Any = None, data: bool = False) -> Any:
        out = sp.Add(*self.args).as_ordered_terms(order=order, data=data)
        terms = theorist_order(list(out[0] if data else out), positive_first=True)
        return (terms, out[1]) if data else terms


def _unevaluated(e: sp.Basic, fn: Callable[[sp.Basic], sp.Basic]) -> sp.Basic:
    """``fn`` applied to every node of ``e``, bottom-up, the nodes above a changed one rebuilt without evaluation.

    (sympy's ``replace`` evaluates them again: ``2 (b - a)`` would become ``2 b - 2 a``, a merged root split.)
    """
    if e.is_Atom or not e.args:
        return fn(e)
    return fn(_rebuilt(e, tuple(_unevaluated(a, fn) for a in e.args)))


def _ordered(e: sp.Basic) -> sp.Basic:
    """``e`` with every sum led by a minus sign (in sympy's order) printed with a positive term first."""

    def needs(x: sp.Basic) -> bool:
        if type(x) is not sp.Add:
            return False
        negative = [t.could_extract_minus_sign() for t in x.args]
        if not any(negative) or all(negative):
            return False
        terms = theorist_order(x.as_ordered_terms())  # as the printer orders them
        return terms[0].could_extract_minus_sign() and not all(t.could_extract_minus_sign() for t in terms)

    if not isinstance(e, sp.Basic) or not any(needs(x) for x in sp.preorder_traversal(e)):
        return e
    return _unevaluated(e, lambda x: _Sum(*x.args, evaluate=False) if needs(x) else x)


def _merged_roots(e: sp.Basic) -> sp.Basic:
    """``sqrt(a) sqrt(b)`` printed as ``sqrt(a b)`` where all but one of the radicands are nonnegative.

    sympy splits such a root again whenever the expression is rebuilt; the merged root is
    held unevaluated, for printing.
    """

    def merge(m: sp.Basic) -> sp.Basic:
        if not isinstance(m, sp.Mul):
            return m
        factors = list(m.args)
        # roots above the fraction bar, then below it (1/(sqrt(T) sqrt(k)) as 1/sqrt(T k))
        for exp in (sp.Rational(1, 2), sp.Rational(-1, 2)):
            roots = [f for f in factors if isinstance(f, sp.Pow) and f.exp == exp]
            if len(roots) < 2 or sum(1 for f in roots if not f.base.is_nonnegative) > 1:
                continue
            root = sp.Pow(sp.Mul(*[f.base for f in roots]), sp.Rational(1, 2), evaluate=False)
            factors = [f for f in factors if f not in roots] + [root if exp > 0 else sp.Pow(root, -1, evaluate=False)]
        return m if len(factors) == len(m.args) else sp.Mul(*factors, evaluate=False)

    return _unevaluated(e, merge)


def _decays_from_one(e: sp.Basic) -> sp.Basic:
    r"""An even power of a decaying exponential less a constant written as the constant less it.

    ``(e^{-t/\tau} - 1)^2`` becomes ``(1 - e^{-t/\tau})^2``, as ``1 - e^{-t/\tau}`` is written elsewhere.
    """

    def flip(x: sp.Basic) -> sp.Basic:
        if not (isinstance(x, sp.Pow) and x.exp.is_Integer and x.exp.is_even and isinstance(x.base, sp.Add)
                and len(x.base.args) == 2):
            return x
        consts = [t for t in x.base.args if t.is_Number]
        if len(consts) != 1 or not consts[0].is_negative:
            return x
        (other,) = [t for t in x.base.args if t is not consts[0]]
        decaying = [f for f in sp.Mul.make_args(other) if isinstance(f, sp.exp)]
        if other.could_extract_minus_sign() or len(decaying) != 1 or not decaying[0].args[0].could_extract_minus_sign():
            return x
        return sp.Pow(-x.base, x.exp, evaluate=False)

    return _unevaluated(e, flip)


def _decays_turned(e: sp.Basic) -> sp.Basic:
    r"""A decaying exponential less a number (a number less a growing one), to an odd power, turned where its sign
    can go: ``t + g (e^{-x} - 1)/k`` as ``t - g (1 - e^{-x})/k`` (in a term of a sum, or a product led by a minus
    sign; :func:`_turned_to_read`).

    The even powers are :func:`_decays_from_one`'s.
    """

    def turned(m: sp.Basic, in_sum: bool) -> sp.Basic:
        if not isinstance(m, sp.Mul):
            return m
        if not (in_sum or m.could_extract_minus_sign()):
            return _turned_in_pairs(m)
        sign, factors = _decay_oriented(m)
        if sign == 1 and factors == list(sp.Mul.make_args(m)):
            return m
        if sum(1 for f in factors if not f.is_number) < 2:
            return m  # a number times one sum would be multiplied out
        return sp.Mul(*factors) if sign == 1 else -sp.Mul(*factors)

    def fn(x: sp.Basic) -> sp.Basic:
        if isinstance(x, sp.Add):
            terms = [turned(t, True) for t in x.args]
            return x.func(*terms, evaluate=False) if terms != list(x.args) else x
        return x

    return turned(_unevaluated(e, fn), False)


def _turned_in_pairs(m: sp.Mul) -> sp.Mul:
    r"""A product whose sign cannot go, with its decays turned (:func:`_decay_oriented`) where another sum factor
    takes the sign they leave: ``(e^{-x} - 1) (T - m s_0)`` as ``(1 - e^{-x}) (m s_0 - T)``; else ``m``."""
    sign, factors = _decay_oriented(m)
    if sign == 1:
        return m
    for i, f in enumerate(factors):
        if isinstance(f, sp.Add) and f in m.args and not _turned_to_read(-f):
            return sp.Mul(*factors[:i], -f, *factors[i + 1:])
    return m


def _dressed(e: sp.Basic) -> sp.Basic:
    """The printed dress of a chosen form: roots merged (:func:`_merged_roots`), one less a decaying exponential
    under an even power (:func:`_decays_from_one`), sums led by a positive term."""
    return _ordered(_decays_from_one(_merged_roots(e)))


#: Most distinct exponents (``x`` of ``e^{c x}``, ``c`` rational) :func:`_exp_signs` rewrites (2**n sign choices).
EXP_BODIES = 3
#: Sums with more terms than this are not searched for common factors or squares (:func:`_common_factors`,
#: :func:`_complete_squares`): the search is over pairs and groups of terms.
GROUP_TERMS = 8


def _exp_bodies(e: sp.Expr) -> tuple[sp.Expr, dict[sp.Expr, sp.Rational]] | None:
    """``e`` with every exponential split over the monomials of its exponent, and the unit of each monomial.

    ``e^{-2 (t + a)}`` becomes ``e^{-2 t} e^{-2 a}``; the unit of a monomial ``x`` is the greatest
    common divisor of the rational ``c`` of its ``e^{c x}``. None where an exponent has a
    coefficient that is not rational.
    """
    e = e.replace(lambda x: isinstance(x, sp.exp), lambda x: sp.exp(sp.expand(x.args[0])))
    e = sp.expand_power_exp(e)
    coeffs: dict[sp.Expr, list] = {}
    for x in e.atoms(sp.exp):
        c, body = x.args[0].as_coeff_Mul()
        if not c.is_Rational or c == 0:
            return None
        coeffs.setdefault(body, []).append(abs(c))
    return e, {b: (sp.gcd_list(cs) if len(cs) > 1 else cs[0]) for b, cs in coeffs.items()}


def _opaque(e: sp.Expr, keep: Callable[[sp.Basic], bool]) -> tuple[sp.Expr, dict]:
    """``e`` with every function application (a log, ...) replaced by a dummy, and the map back."""
    back: dict = {}

    def hide(x: sp.Basic) -> sp.Basic:
        d = sp.Dummy(f"F{len(back)}")  # (one name each: see _exponentials_as_powers)
        back[d] = x
        return d

    return e.replace(lambda x: isinstance(x, sp.Function) and not keep(x), hide), back


def _exponentials_as_powers(e: sp.Expr, bodies: list, units: Mapping, signs: Sequence[int]) -> tuple[sp.Expr, list]:
    """``e`` with each ``exp(c * unit * body)`` written as a power of one positive dummy per body, the dummy
    standing for ``exp(sign * unit * body)``; and the dummies, in the order of ``bodies``."""
    # one name each: sympy's polynomials order their generators by name, and dummies of one name by the order of a
    # set, that is by their hash, which holds a random base index: factor's signs (a - b)^2 or (b - a)^2 varied by run
    dummies = [sp.Dummy(f"u{i}", positive=True) for i in range(len(bodies))]

    def power(x: sp.Expr) -> sp.Expr:
        c, body = x.args[0].as_coeff_Mul()
        i = bodies.index(body)
        return dummies[i] ** (c / (signs[i] * units[body]))

    return e.replace(lambda x: isinstance(x, sp.exp), power), dummies


@lru_cache(maxsize=4096)
def _exp_signs(e: sp.Expr) -> sp.Expr:
    r"""Exponentials with one sign of exponent per rate, the sign that reads shorter; then cancelled and factored.

    Each exponential ``e^{c x}`` (split over the monomials of its exponent) is written as a
    power of ``u = e^{\pm g x}`` (``g`` the common divisor of the ``c`` of ``x``), the form is
    cancelled and factored as a rational function of the ``u`` (logarithms held whole), and
    the shortest of the sign choices is kept: ``(e^{a} - 1)^2 e^{-2a}`` becomes
    ``(1 - e^{-a})^2``, ``e^{2a} - 2 e^{a} + 1`` becomes ``(e^{a} - 1)^2``.
    """
    if not e.has(sp.exp):
        return e
    split = _exp_bodies(e)
    if split is None or not split[1] or len(split[1]) > EXP_BODIES:
        return e
    e2, units = split
    if all(x.args[0].could_extract_minus_sign() for x in e2.atoms(sp.exp)):
        return e  # every rate already decays: the reading a theorist keeps (factoring is the "factor" strategy's)
    bodies = sorted(units, key=sp.default_sort_key)
    forms = []
    for signs in itertools.product((-1, 1), repeat=len(bodies)):
        z, dummies = _exponentials_as_powers(e2, bodies, units, signs)
        if z.has(sp.exp):
            continue
        back = {d: sp.exp(s * units[b] * b) for d, s, b in zip(dummies, signs, bodies)}
        held, restore = _opaque(z, lambda x: False)
        try:
            forms.append(_sign_pairs(sp.factor(held).xreplace(restore).xreplace(back)))
        except (sp.PolynomialError, ValueError, TypeError, NotImplementedError, ZeroDivisionError):
            continue
    if not forms:
        return e
    chosen = min(forms, key=size)  # the sign choice that reads shortest; then its common factors pulled out
    return min((e, chosen, _common_factors(chosen)), key=size)


def _grouped_sum(s: sp.Expr) -> sp.Expr:
    """The shortest of the sum ``s`` and ``s`` with the terms that share a factor grouped (``a x + b x + c``)."""
    terms = list(s.args)
    if len(terms) < 3 or len(terms) > GROUP_TERMS:
        return s
    where: dict[sp.Expr, set] = {}
    for k, t in enumerate(terms):
        for f in sp.Mul.make_args(t):
            if not f.is_number:
                where.setdefault(f.base if f.is_Pow else f, set()).add(k)
    best, best_size, seen = s, _weighted_ops(s), set()  # operations: cheap, and a shared factor is one fewer
    for ks in where.values():
        ks = frozenset(ks)
        if len(ks) < 2 or len(ks) == len(terms) or ks in seen:
            continue
        seen.add(ks)
        inner = _factors_pulled([terms[k] for k in ks])
        cand = sp.Add(inner, *[terms[k] for k in range(len(terms)) if k not in ks])
        c = _weighted_ops(cand)
        if c < best_size:
            best, best_size = cand, c
    return best


def _factors_pulled(terms: Sequence[sp.Expr]) -> sp.Expr:
    """The sum of ``terms`` with their common factor pulled out (``factor_terms``), but for a denominator that
    would leave a fraction inside a numerator: then only the numerators' common factor is.

    ``k^2 a/((b + c)(b + d)) + k^2 e/(b + d)`` is ``k^2 (a/((b + c)(b + d)) + e/(b + d))``, not
    ``k^2 (a/(b + c) + e)/(b + d)``.
    """
    pulled = sp.factor_terms(sp.Add(*terms))
    n, d = sp.fraction(pulled)
    if d == 1 or not any(_has_fraction(f) for f in sp.Mul.make_args(n)):
        return pulled
    common: dict | None = None
    for t in terms:
        powers: dict = {}
        for f in sp.Mul.make_args(sp.fraction(t)[0]):
            if not f.is_number:
                b, x = f.as_base_exp()
                powers[b] = powers.get(b, 0) + x
        common = powers if common is None else {
            b: min(x, powers[b]) for b, x in common.items()
            if b in powers and x.is_Rational and x > 0 and powers[b].is_Rational and powers[b] > 0}
    factor = sp.Mul(*[b**x for b, x in (common or {}).items()])
    if factor == 1:
        return sp.Add(*terms)
    return factor * sp.Add(*[t / factor for t in terms])


#: The functions a hand collects the terms of a sum by: exponentials, and the bounded cosine and sine, which are
#: written taken from their bound as decays are (``2 \lambda (1 - \cos k)``, not ``2 \lambda - 2 \lambda \cos k``).
COLLECTED = (sp.exp, sp.cos, sp.sin)


def _exp_split(term: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """A term as its number, its other factors (the monomial ``m``) and its exponentials (and cosines and sines,
    :data:`COLLECTED`): ``-3 g e^{-x}/k`` as ``(-3, g/k, e^{-x})``."""
    c, rest = term.as_coeff_Mul()
    exps, others = [], []
    for f in sp.Mul.make_args(rest):
        (exps if isinstance(f, COLLECTED) else others).append(f)
    return c, sp.Mul(*others), sp.Mul(*exps)


def _exp_groups(s: sp.Expr) -> dict[sp.Expr, list[tuple[int, sp.Expr, sp.Expr]]]:
    """The terms of the sum ``s`` that share their monomial and differ in their exponentials, by monomial:
    ``g e^{-x}/k - g/k + t`` has the group ``g/k: [e^{-x}, -1]``. Each term as (index, number, exponentials)."""
    groups: dict[sp.Expr, list] = {}
    for k, t in enumerate(s.args):
        c, m, f = _exp_split(t)
        groups.setdefault(m, []).append((k, c, f))
    return {m: g for m, g in groups.items() if len(g) > 1 and len({f for _, _, f in g}) > 1}


def uncollected_exponentials(expr: Any) -> int:
    r"""How many groups of terms of a sum share a symbolic factor and differ only in exponentials, left apart.

    ``\gamma e^{-x}/k - \gamma/k + t`` has one (``\gamma/k``: the hand writes ``t - (\gamma/k)(1 - e^{-x})``),
    and so has ``a^2 m^2 - 2 \lambda \cos k + 2 \lambda`` (cosines and sines count as exponentials do,
    :data:`COLLECTED`: ``a^2 m^2 + 2 \lambda (1 - \cos k)``);
    a factor every term of the sum has is not counted here (:func:`shared_factors` counts it).

    Examples
    --------
    >>> import sympy as sp
    >>> g, k, t = sp.symbols("gamma k t", positive=True)
    >>> x = sp.exp(-k * t / g)
    >>> uncollected_exponentials(g * x / k - g / k + t), uncollected_exponentials(t - g * (1 - x) / k)
    (1, 0)
    """
    expr = _read(expr, "uncollected_exponentials")
    if not expr.has(*COLLECTED):
        return 0
    count = 0
    for x in _outside_exponents(expr):  # (an exponent's terms are the exponential's factors: e^{a + k - k \sin b})
        if isinstance(x, sp.Add) and len(x.args) > 2 and x.has(*COLLECTED):
            count += sum(1 for m, g in _exp_groups(x).items() if m.free_symbols and len(g) < len(x.args))
    return count


def _outside_exponents(e: sp.Basic) -> Iterator[sp.Basic]:
    """The sub-expressions of ``e``, ``e`` first, not descending into an exponential's exponent."""
    yield e
    if not isinstance(e, sp.exp):
        for a in e.args:
            yield from _outside_exponents(a)


def _turned_to_read(base: sp.Expr) -> bool:
    r"""Whether the sum ``base``, a number and exponentials of one kind, reads better negated: a decaying exponential
    is written taken from the number (``3 - e^{-x}``, not ``e^{-x} - 3``), a growing one less it (``e^{x} - 1``); a
    cosine or a sine, bounded as a decay is, taken from the number too (``3 - \cos k_1 - \cos k_2``)."""
    consts = [t for t in base.args if t.is_Number]
    others = [t for t in base.args if not t.is_Number]
    if len(consts) != 1 or not others:
        return False
    kinds = set()
    for t in others:
        signs = {-1 if not isinstance(g, sp.exp) or g.args[0].could_extract_minus_sign() else 1
                 for g in sp.Mul.make_args(t) if isinstance(g, COLLECTED)}
        kinds.add(signs.pop() if len(signs) == 1 else None)
    if len(kinds) != 1 or None in kinds:
        return False
    negative = [t.could_extract_minus_sign() for t in others]
    if kinds == {-1}:
        return consts[0].is_negative and not any(negative)
    return consts[0].is_positive and all(negative)


def _decay_oriented(e: sp.Expr) -> tuple[int, list[sp.Expr]]:
    """The factors of ``e``, the sums of a number and exponentials turned to read as a theorist writes them
    (:func:`_turned_to_read`: ``e^{-x} - 3`` as ``3 - e^{-x}``, ``1 - e^{x}`` as ``e^{x} - 1``), and the sign that
    turning leaves over (kept apart: ``-1`` times one sum would multiply out)."""
    sign, out = 1, []
    for f in sp.Mul.make_args(e):
        base, k = (f.base, f.exp) if f.is_Pow and f.exp.is_Integer else (f, sp.Integer(1))
        if base.is_Add and _turned_to_read(base):
            out.append((-base) ** k)
            sign = -sign if k.is_odd else sign
            continue
        out.append(f)
    return sign, out


def _exp_factored(inner: sp.Expr) -> sp.Expr:
    """A polynomial in exponentials factored over the exponentials as they stand (each rate with its one sign):
    ``4 e^{-x} - 3 - e^{-2x}`` as ``-(e^{-x} - 1)(e^{-x} - 3)``; the sum itself where it does not factor."""
    split = _exp_bodies(inner)
    if split is None or not split[1] or len(split[1]) > EXP_BODIES:
        return inner
    e2, units = split
    bodies = sorted(units, key=sp.default_sort_key)
    signs = []
    for b in bodies:
        seen = {x.args[0].as_coeff_Mul()[0] > 0 for x in e2.atoms(sp.exp) if x.args[0].as_coeff_Mul()[1] == b}
        if len(seen) != 1:
            return inner  # a rate with both signs: not a polynomial
        signs.append(1 if seen.pop() else -1)
    z, dummies = _exponentials_as_powers(e2, bodies, units, signs)
    if z.has(sp.exp):
        return inner
    held, restore = _opaque(z, lambda x: False)
    f = sp.factor(held)
    if not (f.is_Mul and any(a.is_Add or (a.is_Pow and a.base.is_Add) for a in f.args)) or f.is_Add:
        return inner
    back = {d: sp.exp(s * units[b] * b) for d, s, b in zip(dummies, signs, bodies)}
    return f.xreplace(restore).xreplace(back)


#: Most groups of a sum (:func:`_exp_grouped`) grouped one at a time as well as all together.
EXP_GROUPS = 4


@lru_cache(maxsize=4096)
def _exp_grouped(s: sp.Expr) -> sp.Expr:
    """The sum ``s`` with its terms that share a monomial and differ in exponentials grouped, the shortest reading.

    ``g e^{-x}/k - g/k + t`` becomes ``t - g (1 - e^{-x})/k``; ``4 g e^{-x} - 3 g - g e^{-2x} + 2 k t`` becomes
    ``2 k t - g (1 - e^{-x})(3 - e^{-x})``; the exponentials of a group factored where they factor.
    """
    groups = _exp_groups(s)
    if not groups:
        return s
    terms = list(s.args)

    def grouped(m: sp.Expr, g: list) -> sp.Expr:
        sign, factors = _decay_oriented(_exp_factored(sp.Add(*[c * f for _, c, f in g])))
        return sp.Mul(sign, m, *factors)

    def rebuilt(chosen: list) -> sp.Expr:
        used = {k for m in chosen for k, _, _ in groups[m]}
        return sp.Add(*[grouped(m, groups[m]) for m in chosen], *[t for k, t in enumerate(terms) if k not in used])

    keys = list(groups)
    cands = [rebuilt(keys)] + ([rebuilt([m]) for m in keys] if 1 < len(keys) <= EXP_GROUPS else [])
    return min([s, *cands], key=size)


def _exp_groups_collected(e: sp.Expr) -> sp.Expr:
    """Every sum with its terms that differ only in exponentials grouped (:func:`_exp_grouped`)."""
    if not e.has(*COLLECTED):
        return e
    return e.replace(lambda x: isinstance(x, sp.Add) and len(x.args) > 2 and bool(_exp_groups(x)), _exp_grouped)


#: Most sum factors of one product :func:`_exps_distributed` tries to carry an exponential into (each a candidate).
DISTRIBUTE_SUMS = 4


def _has_exp_sum(f: sp.Basic) -> bool:
    return isinstance(f, sp.Add) and f.has(sp.exp)


def _carried(b: sp.Expr, e: sp.Expr) -> list[sp.Expr]:
    """``e^{b} e`` written without a separate ``e^{b}`` where it can be: merged with an exponential factor of
    ``e`` (``e^{a} e^{b} = e^{a + b}``, nothing where ``a + b = 0``), or carried into a sum factor of ``e`` that holds
    exponentials, term by term; the candidates, the plain product last."""
    if b == 0:
        return [e]
    out: list[sp.Expr] = []
    if isinstance(e, sp.Add):
        carried = _termwise(b, e)
        forms = [carried, _exp_groups_collected(carried)]
        collected = _by_exponentials(carried)
        if _exp_load(collected)[0] < _exp_load(carried)[0]:  # (only where an exponential then stands once)
            forms.append(collected)
        return [min(forms, key=size), sp.Mul(sp.exp(b), e)]
    factors = list(sp.Mul.make_args(e))
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if exps:
        rest = [f for f in factors if f is not exps[0]]
        return [sp.Mul(*rest, sp.exp(sp.factor_terms(sp.expand(exps[0].args[0] + b))))]
    for f in [f for f in factors if _has_exp_sum(f)][:DISTRIBUTE_SUMS]:
        rest = [g for g in factors if g is not f]
        out.append(sp.Mul(*rest, _termwise(b, f)))
    for f in [f for f in factors if f.is_Pow and f.exp.is_Integer and f.exp > 1 and _has_exp_sum(f.base)]:
        rest = [g for g in factors if g is not f]
        out.append(sp.Mul(*rest, _termwise(b / f.exp, f.base) ** f.exp))
    return out + [sp.Mul(sp.exp(b), e)]


def _by_exponentials(s: sp.Expr) -> sp.Expr:
    r"""The sum ``s`` collected by its exponentials, each once with the sum of what it multiplies: ``T - T e^{-x} + m
    s_0 e^{-x}`` as ``T + (m s_0 - T) e^{-x}``, as a hand writes a relaxation from ``m s_0`` to ``T`` (a candidate of
    :func:`_carried` where it prints fewer exponentials)."""
    exps = sorted(s.atoms(sp.exp), key=sp.default_sort_key)
    return sp.collect(s, exps) if exps and isinstance(s, sp.Add) else s


def _termwise(b: sp.Expr, s: sp.Expr) -> sp.Expr:
    """``e^{b} s`` for a sum ``s``: ``e^{b}`` carried into each term, the shortest reading of each
    (:func:`_carried`)."""
    return sp.Add(*[min(_carried(b, t), key=size) for t in s.args])


def _exp_carried_in(m: sp.Basic, depth: int = 0) -> sp.Basic:
    """The product ``m`` with its exponential factors carried into its sum factors (:func:`_carried`), the shortest.

    Several exponential factors are one exponential of their summed exponents (``e^{-a} e^{-2t}``), whose parts may
    go into different sums: what is left outside after one is carried in is carried again (at most
    :data:`EXP_BODIES` times)."""
    if not isinstance(m, sp.Mul):
        return m
    exps = [f for f in m.args if isinstance(f, sp.exp)]
    if not exps:
        return m
    rest = [f for f in m.args if not isinstance(f, sp.exp)]
    parts = sp.Add.make_args(sp.expand(sp.Add(*[f.args[0] for f in exps])))
    cands = [m]
    # the part of the exponent carried in, the rest left out: any part of an exponent of at most EXP_BODIES terms,
    # else the whole (the parts of -(k_1 + ... + k_n) t: 2^n choices)
    subsets = ([c for k in range(1, len(parts) + 1) for c in itertools.combinations(parts, k)]
               if len(parts) <= EXP_BODIES else [parts])
    for chosen in subsets:
        b, left = sp.Add(*chosen), sp.exp(sp.factor_terms(sp.Add(*[p for p in parts if p not in chosen])))
        for f in rest:
            base, n = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
            if not (n.is_Integer and n != 0 and _has_exp_sum(base)):
                continue
            others = [g for g in rest if g is not f]
            for carried in _carried(b / n, base)[:-1]:
                cands.append(sp.Mul(*others, left, carried ** n))
    load = _exp_load(m)  # (carried in only where an exponential cancels or a growing one goes: not for width alone)
    kept = [c for c in cands[1:] if _exp_load(c) < load]
    if depth < EXP_BODIES:  # (an exponential left outside, carried into another sum)
        kept = [_exp_carried_in(c, depth + 1) if isinstance(c, sp.Mul) and any(isinstance(f, sp.exp) for f in c.args)
                else c for c in kept]
    best = min([m] + kept, key=size)
    near = [c for c in [m] + kept if size(c)[0] <= (1 + EXP_TIE) * size(best)[0]]
    return min(near, key=lambda c: (_growing(c), size(c)))


#: Forms whose printed width is within this share of the narrowest are read as alike when exponentials are carried
#: in: the one with fewer growing exponentials is kept (a hand writes decays, ``e^{-2t}``, not ``e^{2t - a}``).
EXP_TIE = 0.02


def _growing(e: sp.Basic) -> int:
    """The exponentials of ``e`` whose exponent has a term without a minus sign (``e^{2t - a}`` grows in ``t``)."""
    return sum(1 for x in sp.preorder_traversal(e) if isinstance(x, sp.exp)
               and any(not p.could_extract_minus_sign() for p in sp.Add.make_args(sp.expand(x.args[0]))))


def _exp_load(e: sp.Basic) -> tuple[int, int]:
    """The exponentials ``e`` prints, and how many of them grow (an exponent without a leading minus)."""
    exps = [x for x in sp.preorder_traversal(e) if isinstance(x, sp.exp)]
    return len(exps), sum(1 for x in exps if not x.args[0].could_extract_minus_sign())


def _exps_distributed(e: sp.Expr) -> sp.Expr:
    r"""Exponential factors carried into the sums they multiply or divide, as a hand writes a relaxation: each
    exponent merged with those inside (cancelled where they sum to nothing), term by term, the shortest reading
    of each. ``(\tau e^{t} - a)^2 e^{-2t}`` becomes ``(\tau - a e^{-t})^2``; the synapse's learning efficiency
    after a ramp loses its growing ``e^{(2t + \tau_r)/\tau_w}`` from numerator and denominator."""
    if not e.has(sp.exp):
        return e
    return e.replace(lambda x: isinstance(x, sp.Mul) and any(isinstance(f, sp.exp) for f in x.args), _exp_carried_in)


def _common_factors(e: sp.Expr) -> sp.Expr:
    """Common factors pulled out of every sum (``factor_terms``), and inside it the terms sharing a factor grouped.

    ``g^2 u^2 e^{-x}/k - g^2 u^2/k + g t u^2`` becomes ``g u^2 (t + g (e^{-x} - 1)/k)``.
    """

    return e.replace(lambda x: isinstance(x, sp.Add), _common_factor_of)


@lru_cache(maxsize=8192)
def _common_factor_of(x: sp.Expr) -> sp.Expr:
    """The sum ``x`` with its common factor pulled out and the terms sharing a factor grouped (:func:`_common_factors`)."""
    pulled = sp.factor_terms(x)
    if pulled.is_Add:
        return _grouped_sum(pulled)
    if pulled.is_Mul:
        return sp.Mul(*[_grouped_sum(a) if a.is_Add else a for a in pulled.args])
    return pulled


def _complete_squares(e: sp.Expr) -> sp.Expr:
    """``p^2 + q^2 - 2 p q`` (any other terms aside) as ``(p - q)^2`` in every sum; ``p, q`` the roots of two positive terms.

    ``1/a + 1/b - 2/(sqrt(a) sqrt(b))`` becomes ``(1/sqrt(a) - 1/sqrt(b))^2``.
    """

    def rewrite(s: sp.Expr) -> sp.Expr:
        terms = list(s.args)
        if len(terms) < 3 or len(terms) > GROUP_TERMS:
            return s
        for i, j in itertools.combinations(range(len(terms)), 2):
            a, b = terms[i], terms[j]
            if not (a.is_positive and b.is_positive):
                continue
            p, q = sp.sqrt(a), sp.sqrt(b)
            if any(_is_root(f) and f.base.is_Add for x in (p, q) for f in sp.Mul.make_args(x)):
                continue  # a root of a sum is no simpler than the square
            for k in range(len(terms)):
                if k in (i, j):
                    continue
                for sign in (1, -1):
                    if sp.expand(terms[k] - 2 * sign * p * q) == 0:
                        rest = [terms[m] for m in range(len(terms)) if m not in (i, j, k)]
                        return sp.Add((p + sign * q) ** 2, *rest)
        return s

    return e.replace(lambda x: isinstance(x, sp.Add), rewrite)


def proved_positive(e: Any) -> bool:
    r"""Whether ``e`` is positive for every value its symbols' assumptions allow (True only when proved).

    Sympy's own assumptions, and beyond them: an exponential of a positive (negative) exponent is one plus
    (one over one plus) a positive number, so ``e^{2 I} - 1`` and ``1 - e^{-t/\tau}`` are positive for
    positive ``I``, ``t``, ``\tau``. Used where a rewriting holds for a positive argument only (``-\ln A =
    \ln(1/A)`` fails on the negative real axis, where the random-point check may not look). Within a domain
    (:func:`within_domain`) each of its conditions counts as positive where ``e`` holds it as a sum: ``f/(1 - f)``
    is positive for a binary synapse, whose domain says ``1 - f > 0``.

    Examples
    --------
    >>> import sympy as sp
    >>> t, tau = sp.symbols("t tau", positive=True)
    >>> proved_positive(1 - sp.exp(-t / tau)), proved_positive(t - 1), proved_positive(sp.Symbol("z") + 2)
    (True, False, False)
    >>> f = sp.Symbol("f", positive=True)
    >>> with within_domain([1 - f]):
    ...     proved_positive(f / (1 - f)), proved_positive(f / (f - 1))
    (True, False)
    >>> proved_positive(f / (1 - f))
    False
    """
    e = _read(e, "proved_positive")
    if e.is_positive:
        return True
    if e.is_positive is False:
        return False
    domain = _domain_dummies(e)
    if domain:  # (within a domain: each condition a positive number of its own, 1 - f in f/(1 - f))
        e = e.xreplace(domain)
        if e.is_positive:
            return True
    exps = {x for x in e.atoms(sp.exp) if x.args[0].is_positive or x.args[0].is_negative}
    if not exps:
        return False
    swap = {}
    for x in exps:  # e^p = 1 + y with y > 0 for p > 0; e^{-p} = 1/(1 + y)
        y = sp.Dummy(positive=True)
        swap[x] = 1 + y if x.args[0].is_positive else 1 / (1 + y)
    try:
        swapped = sp.together(e.xreplace(swap))
        if sp.factor_terms(swapped).is_positive:
            return True
        # (T (1 + y) + m s_0 - T)/(1 + y): multiplied out, every term positive
        return bool(sp.count_ops(swapped) <= PROOF_OPS and sp.cancel(swapped).is_positive)
    except (sp.PolynomialError, TypeError, ValueError):
        return False


def _domain_dummies(e: sp.Expr) -> dict:
    """For each condition of the enclosing domain (:func:`within_domain`) that ``e`` holds as a sum, itself or its
    negative (``f - 1`` of ``-f/(f - 1)``): that sum -> a positive dummy, or minus one."""
    domain = current_domain()
    if not domain:
        return {}
    out: dict = {}
    present = {x for x in sp.preorder_traversal(e) if isinstance(x, sp.Add)}
    for c in domain:
        if not isinstance(c, sp.Add):
            continue
        y = sp.Dummy(positive=True)
        if c in present:
            out[c] = y
        if -c in present:
            out[-c] = -y
    return out


#: Most operations of a form :func:`proved_positive` multiplies out over one denominator to find its terms' signs.
PROOF_OPS = 60


def _log_signs(e: sp.Expr) -> sp.Expr:
    """``-c log(A)`` as ``c log(1/A)`` where ``A`` is a quotient: ``-log(1/x)/2`` becomes ``log(x)/2``.

    Only for ``A`` proved positive (:func:`proved_positive`): on the negative real axis ``log(1/A)`` is
    ``-log(A) + 2 pi i``. An ``A`` without a denominator is left (``-n ln n`` is how a hand writes it).
    """

    def flip(m: sp.Expr) -> sp.Expr:
        c, rest = m.as_coeff_Mul()
        if not (c.is_Rational and c < 0):
            return m
        factors = sp.Mul.make_args(rest)
        logs = [f for f in factors if isinstance(f, sp.log)]
        if len(logs) != 1 or sp.fraction(logs[0].args[0])[1] == 1 or not proved_positive(logs[0].args[0]):
            return m
        other = sp.Mul(*[f for f in factors if f is not logs[0]])
        return -c * other * sp.log(1 / logs[0].args[0])  # a product's powers negated, nothing multiplied out

    return e.replace(lambda x: isinstance(x, sp.Mul), flip)


def _function_arguments(e: sp.Expr) -> set:
    """The sums that stand as the argument of a function in ``e`` (``1 - n`` in ``ln(1 - n)``): written as they are,
    a sign or a number taken out of them would stay inside the function."""
    return {a for x in sp.preorder_traversal(e) if isinstance(x, sp.Function) for a in x.args if isinstance(a, sp.Add)}


def _matching(forms: Mapping[sp.Rational, sp.Expr], c0: sp.Rational, fixed: set) -> dict:
    """The swaps that write each form of a group as the multiple of ``forms[c0]`` it is (functions' arguments kept)."""
    canonical = forms[c0]
    return {x: sp.Mul(c / c0, canonical, evaluate=False) for c, x in forms.items()
            if x is not canonical and x not in fixed}


def _matched_sums(e: sp.Expr) -> sp.Expr:
    """Sums that are multiples of one another written as one of them times a number (:func:`unmatched_sums`).

    ``(n - 1) ln(1 - n)`` becomes ``-(1 - n) ln(1 - n)``, ``(4 - 4 n) ln(1 - n)`` becomes
    ``4 (1 - n) ln(1 - n)``; of the forms of a group, the one that reads shortest is kept (a sum
    that is a function's argument is not rewritten).
    """
    groups = [forms for forms in _sum_groups(e).values() if len(forms) > 1]
    if not groups or e.is_Add and any(e in forms.values() for forms in groups):
        return e  # (the whole sum is not rewritten as a multiple of itself)
    fixed = _function_arguments(e)
    best, best_size = e, size(e)
    for forms in groups:
        for c0 in forms:
            swap = _matching(forms, c0, fixed)
            if not swap:
                continue
            cand = e.xreplace(swap)
            c = size(cand)
            if c < best_size:
                best, best_size = cand, c
    return best


@lru_cache(maxsize=8192)
def _matched_all(e: sp.Expr) -> sp.Expr:
    """Every group of sums that are multiples of one another written as one form times numbers, all groups at once
    and nothing measured (:func:`_matched_sums`): ``(f - 1)(q - 1) ln(1 - q)`` as ``(1 - f)(1 - q) ln(1 - q)``.

    The form kept is a function's argument where one is, else the most frequent. Tried on every
    rewriting :func:`compact` considers.
    """
    groups = [forms for forms in _sum_groups(e).values() if len(forms) > 1]
    if not groups or e.is_Add and any(e in forms.values() for forms in groups):
        return e
    fixed = _function_arguments(e)
    counts: dict[sp.Expr, int] = {}
    for x in sp.preorder_traversal(e):
        if isinstance(x, sp.Add):
            counts[x] = counts.get(x, 0) + 1
    swap: dict = {}
    for forms in groups:
        c0 = max(forms, key=lambda c: (forms[c] in fixed, counts.get(forms[c], 0), -abs(c)))
        swap.update(_matching(forms, c0, fixed))
    return e.xreplace(swap) if swap else e


def _powers_apart(e: sp.Expr) -> sp.Expr:
    r"""A fraction whose numerator, expanded, is collected over the powers of one of its symbols, each part over the
    denominator cancelled: the smallest over the symbols. A covariance entry reads as a sum over the noise sources,
    as an author writes it: the tracking synapse's :math:`\Sigma_{x w} = \kappa \big(\frac{g^2 \sigma_v^2 \tau_v
    (\dots)}{(\tau_n + \tau_v)(\tau_n + \tau_w)(\tau_v + \tau_w)} + \frac{\sigma_n^2 \tau_n}{\tau_n + \tau_w}\big)`,
    not one fraction whose numerator mixes the sources. ``e`` itself where it is no such fraction (or its numerator has
    more than :data:`COLLECT_TERMS` terms, or it holds a function: a relaxation's exponentials are grouped by the
    strategies for them, a hand does not split them over a power of a rate)."""
    if not isinstance(e, sp.Expr) or e.has(sp.Function):
        return e
    n, d = sp.fraction(sp.together(e))
    if d == 1 or d.is_number:
        return e
    expanded = sp.expand(n)
    if not expanded.is_Add or len(expanded.args) > COLLECT_TERMS:
        return e
    # (over the symbols the denominator does not hold, a noise strength: over a rate it would split the terms that
    # the denominator's factors cancel)
    apart = sorted(expanded.free_symbols - d.free_symbols, key=sp.default_sort_key)
    if len(apart) > COLLECT_SYMBOLS:
        return e
    collected = [sp.collect(expanded, s, evaluate=False) for s in apart]
    sums = [sp.Add(*[_factor(p * c / d) for p, c in parts.items()]) for parts in collected if len(parts) > 1]
    # (and with the factor the parts' numerators share pulled out over them: the BCM synapse's kappa (2 r_0 - theta))
    return min(sums + [_factors_pulled(list(x.args)) for x in sums if x.is_Add], key=size, default=e)


#: How many times :func:`_terms_cancelled` splits a piece that is still a sum over a sum.
SPLIT_DEPTH = 2


def _terms_cancelled(e: sp.Expr) -> sp.Expr:
    """A fraction whose numerator is a sum written as a sum of fractions, each cancelled.

    ``-(t_1 t_3 (a - b) L + 2 (t_1 + t_3) d)/(2 t_1 t_3 (t_1 + t_3))`` becomes
    ``(b - a) L/(2 (t_1 + t_3)) - d/(t_1 t_3)``: each piece over its own, shorter denominator.
    """

    def target(x: sp.Basic) -> bool:
        if not isinstance(x, sp.Mul):
            return False
        n, d = sp.fraction(x)
        return d != 1 and n.as_coeff_Mul()[1].is_Add

    def rewrite(x: sp.Expr, depth: int = 0) -> sp.Expr:
        n, d = sp.fraction(x)
        c, total = n.as_coeff_Mul()
        if len(total.args) > GROUP_TERMS:
            return x
        held, restore = _opaque(sp.Add(*[c * t / d for t in total.args], evaluate=False), lambda f: False)
        pieces = []
        for piece in held.args:  # (logs whole)
            tried = [_sign_pairs(sp.factor(piece).xreplace(restore))]
            if depth < SPLIT_DEPTH and target(piece):  # a piece still a sum over a sum: split in turn
                split = rewrite(piece.xreplace(restore), depth + 1)
                # (only into parts over different denominators: parts over one would print as a sum over it that
                # no later pass joins back)
                if len({sp.fraction(p)[1].as_content_primitive()[1] for p in sp.Add.make_args(split)}) > 1:
                    tried.append(split)
            pieces.append(min(tried, key=size))
        return sp.Add(*pieces)

    return e.replace(target, rewrite)


def _one_plus(e: sp.Expr) -> sp.Expr:
    """A fraction ``N/(P Q)`` whose numerator is a product ``P`` of denominator factors plus a little, as ``(1 + R/P)/Q``.

    ``k (t (r + s + 1) + r + 1)/((t + 1)(t + r)(r + 1))`` becomes
    ``k (1 + s t/((t + 1)(r + 1)))/(t + r)``: the part that is one, and the correction.
    """
    n, d = sp.fraction(e)
    sums = [f for f in sp.Mul.make_args(n) if f.is_Add]
    dens = [f for f in sp.Mul.make_args(d) if f.is_Add]
    if len(sums) != 1 or not dens or len(dens) > 4:
        return e
    (total,) = sums
    expanded = sp.expand(total)
    if not expanded.is_Add or len(expanded.args) > COLLECT_TERMS:
        return e
    best, best_size = e, size(e)
    for r in range(1, len(dens) + 1):
        for part in itertools.combinations(dens, r):
            p = sp.Mul(*part)
            rest = sp.expand(expanded - sp.expand(p))
            if rest == 0 or (rest.is_Add and 2 * len(rest.args) > len(expanded.args)):
                continue
            outside = sp.Mul(*[f for f in sp.Mul.make_args(n) if f is not total]) / sp.Mul(
                *[f for f in sp.Mul.make_args(d) if f not in part])
            cand = sp.Mul(outside, 1 + sp.factor(rest) / p, evaluate=False) if not outside.is_Number else \
                outside * (1 + sp.factor(rest) / p)
            c = size(cand)
            if c < best_size:
                best, best_size = cand, c
    return best


#: The most terms a sum may have, expanded, for :func:`_over_numerator` to divide it by a sum of the numerator.
DIVIDE_TERMS = 80
#: The fewest terms the numerator's sum must have, expanded, for :func:`_over_numerator` to divide by it: a long
#: sum multiplied out again in the denominator (the tracking synapse's, 16 terms), not a short one that a quotient
#: of products shows as plainly (the receptor's occupancies, the decoder's entropy production in groups).
DIVIDE_MIN_TERMS = 6
#: How much smaller (a fraction of :func:`size`'s score) a quotient written over a divided sum must read to be
#: offered: the decoder's entropy production, a product over a product, reads the same either way and stays one
#: fraction; the tracking synapse's efficiency, whose denominator multiplied out a long sum of its numerator, reads
#: a quarter shorter.
DIVIDE_GAIN = 0.15


#: The most sums a numerator may hold for :func:`_sums_into_denominator` to try each choice of them.
SUMS_INTO_DENOMINATOR = 4


def _sums_into_denominator(e: sp.Expr) -> sp.Expr:
    r"""A quotient whose numerator holds sums that the terms of its denominator's sum hold, each such term divided by
    them: ``N F_1 F_2 / (m (a F_1 + b F_2))`` as ``\frac{N}{m} (\frac{a}{F_2} + \frac{b}{F_1})^{-1}``, by the sums
    of the numerator, each choice of them tried (at most :data:`SUMS_INTO_DENOMINATOR`), whichever prints shortest.
    Kinetic proofreading's cost :math:`n_{\mathrm{ATP}}` printed each of the numerator's two sums again in the
    denominator's terms; by hand they divide out. ``e`` where the denominator holds no one sum or the numerator no
    sum.

    Examples
    --------
    >>> a, b, c, x, y = sp.symbols("a b c x y", positive=True)
    >>> _sums_into_denominator((1 + x) * (1 + y) * c / (a * (1 + x) + b * (1 + y)))
    c/(a/(y + 1) + b/(x + 1))
    """
    n, d = sp.fraction(e)
    sums = [f for f in sp.Mul.make_args(n) if f.is_Add]
    held = [f for f in sp.Mul.make_args(d) if f.is_Add]
    if not sums or len(sums) > SUMS_INTO_DENOMINATOR or len(held) != 1 or len(held[0].args) > GROUP_TERMS:
        return e
    rest = d / held[0]
    found = []
    for k in range(1, len(sums) + 1):
        for chosen in itertools.combinations(sums, k):
            by = sp.Mul(*chosen)
            if all(sp.gcd(t, by) == 1 for t in held[0].args):  # (no term holds any of them: nothing divides out)
                continue
            terms = [sp.cancel(t / by) for t in held[0].args]
            found.append((n / by) / (rest * sp.Add(*terms)))
    return min(found, key=lambda x: size(x)[0]) if found else e


def _over_numerator(e: sp.Expr) -> sp.Expr:
    r"""A quotient whose denominator holds its numerator, written over it: ``N/(c N + R)`` as ``(c + R/N)^{-1}``.

    The learning efficiency ``\sigma^2 L/(\lambda^2 s^2 (1 - e^{-2t/\tau}) + \sigma^2 L)``, with ``L`` a long
    logarithm, prints ``L`` twice; ``(1 + \lambda^2 s^2 (1 - e^{-2t/\tau})/(\sigma^2 L))^{-1}`` once, as an author
    writes ``\eta = (1 + Q/I)^{-1}``. A term of the denominator that is a number ``c`` times the numerator is
    taken whole; else a sum ``S`` of the numerator may divide a sum of the denominator, ``D_k = q S + r`` with ``q``
    one monomial (the tracking synapse's efficiency, ``\dots (\hat\kappa^2 \hat\tau_w + r/S)^{-1}``).

    Examples
    --------
    >>> a, b, c, x = sp.symbols("a b c x", positive=True)
    >>> _over_numerator(a * sp.log(x) / (b + a * sp.log(x)))
    1/(1 + b/(a*log(x)))
    >>> s = a * b + b * c + c * a + a + b + 1
    >>> _over_numerator(s / (x * sp.expand(a * s + 1)))
    1/(x*(a + 1/(a*b + a*c + a + b*c + b + 1)))
    """
    n, d = sp.fraction(e)
    if not d.free_symbols or n.is_Number:
        return e
    if d.is_Add:
        ratios = [t / n for t in d.args]
        c = sp.Add(*[q for q in ratios if q.is_Number])
        if c != 0:
            rest = sp.Add(*[t for t, q in zip(d.args, ratios) if not q.is_Number])
            return 1 / (c + rest / n)
    best, best_size = e, size(e)[0] * (1 - DIVIDE_GAIN)
    for s in (f for f in sp.Mul.make_args(n) if f.is_Add):
        for dk in (f for f in sp.Mul.make_args(d) if f.is_Add):
            split = _divided(dk, s)
            if split is None:
                continue
            q, r = split
            cand = (n / s) / (d / dk) / (q + r / s)
            c = size(cand)[0]
            if c < best_size:
                best, best_size = cand, c
    return best


def _divided(dk: sp.Expr, s: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``dk`` as ``q s + r`` with ``q`` one monomial and ``r`` not zero (the division by ``s`` leading with each of
    the symbols in turn, the shortest rest kept), or None: no such monomial, ``s`` too short to be worth it
    (:data:`DIVIDE_MIN_TERMS`), or sums too long to divide (:data:`DIVIDE_TERMS`)."""
    dx, sx = sp.expand(dk), sp.expand(s)
    if not (dx.is_Add and sx.is_Add) or len(dx.args) > DIVIDE_TERMS or not DIVIDE_MIN_TERMS <= len(sx.args) <= \
            DIVIDE_TERMS:
        return None
    gens = sorted(dx.free_symbols | sx.free_symbols, key=sp.default_sort_key)
    try:
        if not (dx.is_polynomial(*gens) and sx.is_polynomial(*gens)):
            return None
        found = None
        for lead in gens:
            q, r = sp.div(dx, sx, lead, *[g for g in gens if g != lead])
            if q != 0 and r != 0 and not q.is_Add and (found is None or sp.count_ops(r) < sp.count_ops(found[1])):
                found = (q, sp.factor(r))
        return found
    except sp.PolynomialError:
        return None


def _number(e: sp.Expr) -> sp.Expr:
    """A constant (no symbols) with its rational factor pulled out of a sum: ``1/2 - log(2)/2`` as ``(1 - log(2))/2``."""
    if not e.is_Add:
        return e
    pulled = sp.factor_terms(e, clear=True)
    if pulled != e and size(_ordered(pulled)) < size(e) and equal_at_random_points(pulled, e):
        return pulled
    return e


STRATEGIES: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
    ("factor", _factor),
    ("collect", _collected),
    ("logs combined", _logs_combined),
    ("logs split", _logs_split),
    ("logs collected", _logs_collected),
    ("logs apart", _logs_apart),
    ("logs joined", _logs_joined),
    ("reciprocal logs", _reciprocal_logs),
    ("powers apart", _powers_apart),
    ("log(1 + x)", _log1p),
    ("numbers out of logs", _log_numbers_out),
    ("powers out of logs", _powers_out_of_logs),
    ("powers into logs", _powers_into_logs),
    ("roots merged", _roots_merged),
    ("conjugate", _conjugate),
    ("signs", _signs),
    ("sign pairs", _sign_pairs),
    ("exponentials", _exponentials),
    ("exponential sums multiplied", _exp_sums_multiplied),
    ("natural scale", _natural_scale),
    ("radicands", _radicands),
    ("radicands squared", _radicands_squared),
    ("double angles", _double_angles),
    ("half angles", _half_angles),
    ("root contents", _root_contents),
    ("roots absorbed", _roots_absorbed),
    ("polynomial factors", _polynomial_factors),
    ("numerators", _numerators),
    ("fractions joined", _fractions_joined),
    ("spread", _spread),
    ("exponential signs", _exp_signs),
    ("common factors", _common_factors),
    ("complete squares", _complete_squares),
    ("log signs", _log_signs),
    ("terms cancelled", _terms_cancelled),
    ("one plus", _one_plus),
    ("over the numerator", _over_numerator),
    ("sums into the denominator", _sums_into_denominator),
    ("matched sums", _matched_sums),
    ("exponential groups", _exp_groups_collected),
    ("radicands joined", _radicands_joined),
    ("denominators joined", _denominators_joined),
    ("equal denominators joined", partial(_denominators_joined, equal=True)),
    ("monomials in", _monomials_in),
)
CHEAP = ("logs combined", "logs split", "powers out of logs", "roots merged", "signs", "sign pairs", "exponentials",
         "natural scale", "root contents", "numerators", "fractions joined",
         "spread", "log signs")


def _rational_parts(e: sp.Expr, fn: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    """Apply ``fn`` to the rational sub-expressions inside logs and sums of logs, and to ``e``."""
    if e.has(sp.log):
        return e.replace(lambda x: isinstance(x, sp.log), lambda x: sp.log(fn(x.args[0])))
    return fn(e)


def compact(expr: Any, rounds: int = 2, seed: int = 0) -> Any:
    """The most readable equivalent of a closed form: the smallest of several rewritings, each checked equal.

    Parameters
    ----------
    expr : sympy expression, :class:`~thermotheory.core.closedform.ClosedForm`, number
        A ClosedForm has its expression and each definition compacted; numbers and
        floats pass unchanged.
    rounds : int
        Up to :data:`PASSES_PER_ROUND` passes over the strategies per round; each pass
        tries every rewriting of the best form so far and keeps the smallest that checks
        equal; the passes stop when none is smaller.
    seed : int
        Seed of the random points of the equality check.

    Returns
    -------
    The same kind of object, never larger by :func:`size`, equal at random points.
    An expression whose logarithms, combined into one, would have a quotient of more
    than :data:`COMPACT_TERMS` monomials (predicted by
    :func:`thermotheory.core.budget.term_bound`, nothing expanded) comes back unchanged:
    the rewritings would take minutes.

    Examples
    --------
    >>> import sympy as sp
    >>> tn, tv = sp.symbols("tau_n tau_v", positive=True)
    >>> compact(-sp.log(tn) / 2 + sp.log(tn + tv) / 2)
    log(1 + tau_v/tau_n)/2
    >>> x, s = sp.symbols("x s", positive=True)
    >>> compact(sp.log((x**2 / s**2 + 1) ** (s**2)))
    s**2*log(1 + x**2/s**2)
    """
    try:
        return _compact_cached(expr, rounds, seed, _DOMAIN.get())
    except TypeError:  # not hashable (a dict, a mutable Matrix): no cache
        return _compact(expr, rounds, seed)


@lru_cache(maxsize=2048)
def _compact_cached(expr: Any, rounds: int, seed: int, domain: tuple) -> Any:
    return _compact(expr, rounds, seed)  # (domain: the key, _points reads it)


#: How much narrower (a fraction of its printed width) a rewritten branch of a piecewise form must print to be kept.
BRANCH_GAIN = 0.1

#: What a rewriting may raise on a form it does not apply to: the form is then left as it is.
_REWRITE_ERRORS = (sp.PolynomialError, ValueError, TypeError, NotImplementedError, ZeroDivisionError, AttributeError,
                  RecursionError)


def _monomial_of(e: sp.Expr) -> tuple[sp.Rational, dict]:
    """The number and the powers of symbols that ``e`` (a sum: each of its terms, :func:`sympy.factor_terms`) holds as
    factors: ``(c, {symbol: exponent})``, ``c`` positive."""
    coeff, factors = sp.factor_terms(e).as_coeff_mul()
    powers: dict = {}
    for f in factors:
        base, exp = f.as_base_exp()
        if isinstance(base, sp.Symbol) and exp.is_Rational:
            powers[base] = powers.get(base, 0) + exp
    return (abs(coeff) if coeff.is_Rational else sp.Integer(1)), powers


def _factor_out_of_branches(expr: sp.Piecewise, rounds: int = 2, seed: int = 0) -> sp.Expr:
    r"""A piecewise form with the factor its branches share (powers of symbols, each of one sign in every branch
    that is not zero, and a number with them; a number alone stays) put in front, where that prints narrower: the
    learning ramp's heat ``\frac{\lambda^2 s_\mu^2 \tau_w}{2 \sigma_w^2 \tau_r^2} \begin{cases} \dots
    \end{cases}``, the factor written once, not in each branch. Else ``expr``.

    Examples
    --------
    >>> a, t, T = sp.symbols("a t T", positive=True)
    >>> _factor_out_of_branches(sp.Piecewise((a**2 * t / T, t < T), (a**2 * (2 * T - t) / T, True)))
    a**2*Piecewise((t, T > t), (2*T - t, True))/T
    """
    values = [e for e, _ in expr.args if e != 0]
    if len(values) < 2 or any(e.has(sp.Piecewise) for e in values):
        return expr
    monomials = [_monomial_of(e) for e in values]
    common = set.intersection(*(set(p) for _, p in monomials))
    powers = {}
    for sym in common:
        exps = [p[sym] for _, p in monomials]
        if all(x > 0 for x in exps):
            powers[sym] = min(exps)
        elif all(x < 0 for x in exps):
            powers[sym] = max(exps)
    if not powers:  # (a number alone stays in its branches: \frac{1}{2} \ln(\dots) as a sum beside it writes it)
        return expr
    number = sp.Rational(sp.igcd(*[c.p for c, _ in monomials]), sp.ilcm(*[c.q for c, _ in monomials]))
    factor = number * sp.Mul(*[s ** k for s, k in powers.items()])
    branches = []
    for e, c in expr.args:
        # the branch as it was, over the factor: rewritten only where that reads clearly shorter, as any branch is
        plain = sp.factor_terms(sp.cancel(e / factor))
        branches.append((e if e == 0 else _clearly_shorter(plain, compact(plain, rounds, seed)), c))
    out = factor * sp.Piecewise(*branches)
    return out if size(out)[0] < size(expr)[0] and equal_at_random_points(out, expr, seed=seed) else expr


def _gaussian_standardised(expr: sp.Integral) -> sp.Expr:
    r"""An average over a normal variable of mean :math:`\mu` and variance :math:`v` written over the standard normal
    variable, as a theorist writes a Gaussian average: :math:`\int \frac{e^{-(z - \mu)^2 / (2 v)}}{\sqrt{2 \pi v}}
    f(z)\, dz = \int \frac{e^{-s^2/2}}{\sqrt{2 \pi}} f(\mu + s \sqrt{v})\, ds` (the perceptron's probability of a
    correct label, whose variance stood three times); the new variable is ``s`` where the integrand does not use
    it. ``expr`` itself for any other integral (limits other than the whole line, an exponent not of that shape, a
    variance not positive, several variables).

    Examples
    --------
    >>> z, m = sp.symbols("z mu", real=True)
    >>> v = sp.Symbol("v", positive=True)
    >>> weight = sp.exp(-(z - m)**2 / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    >>> _gaussian_standardised(sp.Integral(weight * z**2, (z, -sp.oo, sp.oo)))
    Integral(sqrt(2)*(mu + s*sqrt(v))**2*exp(-s**2/2)/(2*sqrt(pi)), (s, -oo, oo))
    """
    if len(expr.limits) != 1 or len(expr.limits[0]) != 3 or tuple(expr.limits[0][1:]) != (-sp.oo, sp.oo):
        return expr
    z = expr.limits[0][0]
    f = expr.function
    weights = [g for g in sp.Mul.make_args(f) if isinstance(g, sp.exp) and g.has(z)]
    if len(weights) != 1:
        return expr
    try:
        poly = sp.Poly(sp.expand(weights[0].args[0]), z)
    except sp.PolynomialError:
        return expr
    if poly.degree() != 2:
        return expr
    c2, c1, c0 = poly.all_coeffs()
    var = sp.factor(-1 / (2 * c2))
    mean = sp.factor(c1 * var)
    # (a density's mean and variance: a function a model leaves unknown, c(t), is taken as real)
    unknown = {g: sp.Dummy(real=True) for g in f.atoms(AppliedUndef)}
    if not (var.xreplace(unknown).is_positive and mean.xreplace(unknown).is_real):
        return expr
    if sp.simplify(c0 + mean**2 / (2 * var)) != 0:
        return expr
    taken = {str(x) for x in f.free_symbols}
    s = next(sp.Symbol(n, real=True) for n in ("s", "u", "y", "z_0", "z_1") if n not in taken)
    rest = (f / weights[0]).subs(z, mean + sp.sqrt(var) * s) * sp.sqrt(var)
    return sp.Integral(sp.exp(-s**2 / 2) * rest, (s, -sp.oo, sp.oo))


def _clearly_shorter(given: sp.Expr, rewritten: sp.Expr) -> sp.Expr:
    r"""``rewritten`` where it prints narrower than ``given`` by :data:`BRANCH_GAIN`, else ``given``. The branches
    of a piecewise form are most often a protocol as its author wrote it (the heat engine's interpolation
    ``\sqrt{w_2} - (s - t_1)(\sqrt{w_2} - \sqrt{w_1})/t_3``): replaced by a form that reads shorter
    (the learning ramp's six exponentials, three), not by one of about the same width with its signs moved."""
    return rewritten if size(rewritten)[0] < (1 - BRANCH_GAIN) * size(given)[0] else given


def _compact(expr: Any, rounds: int = 2, seed: int = 0) -> Any:
    """Uncached :func:`compact`."""
    if isinstance(expr, ClosedForm):
        defs = [(n, v.applyfunc(lambda e: compact(e, rounds, seed)) if isinstance(v, sp.MatrixBase)
                 else compact(v, rounds, seed)) for n, v in expr.definitions]
        return ClosedForm(compact(expr.expr, rounds, seed), defs, expr.names, expr.hurwitz)
    if isinstance(expr, Mapping):
        return {k: compact(v, rounds, seed) for k, v in expr.items()}
    if isinstance(expr, (int, float)) or not isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: compact(e, rounds, seed))
    if expr.is_Atom:
        return expr
    if isinstance(expr, sp.Integral):  # the integrand on its own, the limits as they are (the lattice's 2-d integral)
        standard = _gaussian_standardised(expr)
        if standard is not expr and size(standard)[0] < size(expr)[0]:
            expr = standard
        inner = _clearly_shorter(expr.function, compact(expr.function, rounds, seed))
        return _ordered(expr if inner is expr.function else sp.Integral(inner, *expr.limits))  # (sums led by a
        # positive term, as the rewritings leave every form)
    if isinstance(expr, sp.Piecewise):  # each branch on its own (the rewritings see a Piecewise as one opaque whole)
        branches = sp.Piecewise(*[(_clearly_shorter(e, compact(e, rounds, seed)), c) for e, c in expr.args])
        return _factor_out_of_branches(branches, rounds, seed)
    if isinstance(expr, sp.Mul) and expr.has(sp.Piecewise):
        # nu^2 sigma_T^2 q(t): the factors holding a piecewise compacted as above, the rest on its own (the
        # rewritings of the whole mixed the factor into the branches and left a branch of six terms)
        pieces, rest = sift(expr.args, lambda f: f.has(sp.Piecewise), binary=True)
        return sp.Mul(compact(sp.Mul(*rest), rounds, seed), *[compact(f, rounds, seed) for f in pieces])
    if not expr.free_symbols:
        return _number(expr)
    if expr.has(sp.MatrixSymbol):  # determinants of named blocks: compacted as opaque scalars, then put back
        hidden, restore = _matrix_scalars_hidden(expr)
        if hidden.has(sp.MatrixSymbol):  # a matrix left (a product of blocks): in the shape it is meant to have
            return expr
        return _ordered(compact(hidden, rounds, seed).xreplace(restore))  # (rebuilt: its sums led by a positive term)
    if _combined_log_terms(expr) > COMPACT_TERMS:  # the size guard: rewriting would take minutes
        return expr
    best = expr
    big = _weighted_ops(expr) > EXPENSIVE_ABOVE or len(expr.free_symbols) > EXPENSIVE_SYMBOLS
    # a big form is measured by its operations: printing each candidate's LaTeX took minutes (a cascade's report)
    measure = _operations_size if big else size
    if not _has_a_value(expr, seed):  # no rewriting could be checked equal (an undefined function, c(t)): the
        ordered = _ordered(expr)  # sums led by a positive term only, which changes no value by construction
        return ordered if measure(ordered) <= measure(expr) else expr
    for _ in range(PASSES_PER_ROUND * rounds):
        # steepest descent: every rewriting of the best so far, the smallest that checks equal is kept
        # (taking the first improvement would let one that expands a square shut out a better one)
        found: dict[sp.Basic, tuple] = {}
        has_log = best.has(sp.log)
        for name, fn in STRATEGIES:
            if big and name not in CHEAP:
                continue
            # (without a log, the rational parts of the form are the form itself: the second variant would repeat
            # the first, candidate for candidate)
            for variant in (fn, lambda e, fn=fn: _rational_parts(e, fn)) if has_log else (fn,):
                try:
                    cand = variant(best)
                    # a rewriting that leaves a factor negated, with it turned (not tried on big forms: slow)
                    cands = [cand] if big else [cand, _sign_pairs(cand), _matched_all(cand)]
                except _REWRITE_ERRORS:
                    continue
                for cand in cands:
                    if cand is not None and cand != best and cand not in found:
                        found[cand] = measure(cand)
        current = measure(best)
        improved = False
        for cand in sorted((c for c in found if found[c] < current), key=found.__getitem__):
            if equal_at_random_points(cand, expr, seed=seed):
                best, improved = cand, True
                break
        if not improved:
            break
    if not big and best.has(sp.exp):  # exponentials carried into the sums they multiply, where that reads shorter
        try:  # (a last step: as a strategy it led the descent away from better forms)
            carried = _exps_distributed(best)
            grouped = _exp_groups_collected(carried)  # (then the terms that share a decay grouped again)
            carried = min((carried, grouped, _common_factors(grouped)), key=measure)
        except _REWRITE_ERRORS:  # (as the strategies: an exponential inside another's exponent, ...)
            carried = best
        if carried != best and measure(carried) < measure(best) and equal_at_random_points(carried, expr, seed=seed):
            best = carried
    dressed = _dressed(best)  # what is printed: roots merged, sums led by a positive term
    if dressed != best and measure(dressed) <= measure(best) and equal_at_random_points(dressed, expr, seed=seed):
        best = dressed
    if not big and best.has(*COLLECTED):  # 1 - e^{-x} where the sign can go (a reading no longer, however many signs)
        turned = _ordered(_decays_turned(best))
        if (turned != best and reading(turned).score <= reading(best).score + 1e-6 and measure(turned) <= measure(expr)
                and equal_at_random_points(turned, expr, seed=seed)):
            best = turned
    if not big and best.has(sp.log):  # (once the decays are turned, 1 - e^{-x} squared: its root is itself)
        into = _powers_into_logs(best)
        if into != best and measure(into) < measure(best) and equal_at_random_points(into, expr, seed=seed):
            best = into
    return best


def composite_candidates(forms: Sequence[Any]) -> list[sp.Expr]:
    """The sums of two symbols, each to the first power at most in one of them, that ``forms`` print (``2 r_0 -
    \\theta``, ``\\tau_n + \\tau_v``): what :func:`through_composite` tries, in the order met."""
    if isinstance(forms, (str, sp.Basic, ClosedForm)) or not isinstance(forms, Iterable):
        raise ModelError(f"composite_candidates: expected a sequence of forms but found {type(forms).__name__} "
                         f"{forms!r:.60}")
    out: list[sp.Expr] = []
    for form in forms:
        for part in _parts(form):
            for x in sp.preorder_traversal(part):
                if (isinstance(x, sp.Add) and len(x.args) == 2 and len(x.free_symbols) == 2
                        and x.is_polynomial(*x.free_symbols)):
                    x = sp.Add(*x.args)  # (a sum held for printing: its value)
                    if x not in out:
                        out.append(x)
    return out


def through_composite(expr: Any, candidates: Sequence[sp.Expr], symbol: sp.Symbol, shorter: bool = True, *,
                      taken: Iterable[sp.Symbol] | None = None) -> tuple[sp.Expr, sp.Expr] | None:
    r"""``expr`` written in one parameter through which it depends on several: ``(composite, reduced)``.

    A linear-noise model's forms depend on its rate ``r_0`` and threshold ``\theta`` only through
    the slope ``\kappa (2 r_0 - \theta)``; expanded, each is a wall of monomials in all of them. For
    each candidate sum ``s`` (:func:`composite_candidates`) in which a symbol ``x`` stands to the first
    power with a number in front, ``x`` is solved for from ``s = symbol``; where the other symbols of
    ``s`` then leave ``expr``, ``s`` is the composite, and a symbol that only goes with it is taken into
    it. The reduced form is compacted (:func:`compact`, and collected where that is too big to try
    everything) and kept only where it reads shorter (:func:`size`) and equals ``expr`` at random points
    with ``symbol`` set to the composite.

    Parameters
    ----------
    expr : sympy expression
    candidates : sequence of sympy sums
    symbol : Symbol
        What stands for the composite in ``reduced`` (give it the composite's sign: ``real=True``).
    shorter : bool
        With False, the reduced form as found (not compacted, not compared): whether ``expr`` depends
        through a candidate at all.
    taken : iterable of Symbols, optional
        The only symbols that may be taken into the composite (by default any that goes only with it): a block
        writes all its parts through one composite, ``\kappa (2 r_0 - \theta)``, not a part through
        ``g \kappa (2 r_0 - \theta)`` because ``g`` goes only with it there.

    Returns
    -------
    tuple or None
        ``(composite, reduced)``, or None where no candidate is one or none reads shorter.

    Examples
    --------
    >>> import sympy as sp
    >>> k, r, th, a = sp.symbols("kappa r_0 theta a", positive=True)
    >>> s = sp.Symbol("s", real=True)
    >>> through_composite(sp.expand(k**2 * (2 * r - th) ** 2 * (1 + a) + a), [2 * r - th], s)
    (kappa*(2*r_0 - theta), a*s**2 + a + s**2)
    """
    expr = _read(expr, "through_composite")
    if not isinstance(symbol, sp.Symbol):
        raise ModelError(f"through_composite: expected a Symbol for the composite but found {symbol!r:.60}")
    if taken is not None:
        items = list(taken) if isinstance(taken, Iterable) and not isinstance(taken, (str, sp.Basic)) else None
        if items is None or not all(isinstance(y, sp.Symbol) for y in items):
            raise ModelError(f"through_composite: taken must be an iterable of Symbols but is {taken!r:.60}")
        taken = frozenset(items)
    try:
        found = _depends_through(expr, tuple(_read(c, "through_composite") for c in candidates), taken)
    except TypeError:  # (not hashable)
        found = _depends_through.__wrapped__(expr, tuple(candidates), taken)
    if found is None:
        return None
    composite, reduced = found
    reduced = reduced.xreplace({_COMPOSITE: symbol})
    return _shorter(expr, composite, reduced, symbol) if shorter else (composite, reduced)


#: What stands for the composite while :func:`through_composite` looks for it.
_COMPOSITE = sp.Dummy("u", real=True)


@lru_cache(maxsize=256)
def _depends_through(expr: sp.Expr, candidates: tuple, taken: frozenset | None = None
                     ) -> tuple[sp.Expr, sp.Expr] | None:
    """``(composite, expr in _COMPOSITE)`` for the first candidate ``expr`` depends through (remembered: a block looks
    for its composites, then writes each result in them); only symbols of ``taken`` taken into it, where given."""
    syms = expr.free_symbols
    u = _COMPOSITE
    for s in candidates:
        if not (isinstance(s, sp.Add) and s.free_symbols <= syms):
            continue
        for x in sorted(s.free_symbols, key=sp.default_sort_key):
            c = s.coeff(x)
            if not (s.is_polynomial(x) and sp.degree(s, x) == 1 and c.is_number and c != 0):
                continue
            if not _constant_along(expr, s, x, c):  # (a numeric test first: cancelling a wall takes a second)
                continue
            reduced = _cancelled(expr.xreplace({x: (u - (s - c * x)) / c}))
            if reduced.free_symbols & (s.free_symbols - {x}) or x in reduced.free_symbols:
                continue
            composite = s
            for y in sorted((reduced.free_symbols - {u}) & (taken if taken is not None else reduced.free_symbols),
                            key=sp.default_sort_key):  # a factor only seen with it
                if not isinstance(y, sp.Symbol):  # (a named matrix, det Sigma: no factor of a sum)
                    continue
                further = _cancelled(reduced.xreplace({u: u / y}))
                if y not in further.free_symbols:
                    composite, reduced = y * composite, further
            return composite, reduced
    return None


def _constant_along(expr: sp.Expr, s: sp.Expr, x: sp.Symbol, c: sp.Expr) -> bool:
    """Whether ``expr`` keeps its value at a random point when the other symbols of ``s`` change and ``x`` moves to
    keep ``s`` (a necessary condition for ``expr`` to depend on them through ``s`` only; True where it cannot tell)."""
    rest = s - c * x
    for point in _points(expr.free_symbols, 1, 1):
        moved = {y: v * sp.Rational(37, 29) if y in rest.free_symbols else v for y, v in point.items()}
        moved[x] = point[x] + (rest.xreplace(point) - rest.xreplace(moved)) / c
        before, after = _value(expr, point), _value(expr, moved)
        if before is None or after is None:
            continue
        return _agree(before, after)
    return True


def _cancelled(e: sp.Expr) -> sp.Expr:
    """``e`` with its rational parts (inside logs too) over one denominator and cancelled."""
    return _rational_parts(e, lambda a: sp.cancel(sp.together(a)))


def _shorter(expr: sp.Expr, composite: sp.Expr, reduced: sp.Expr, symbol: sp.Symbol
             ) -> tuple[sp.Expr, sp.Expr] | None:
    """``(composite, reduced)`` compacted, where it reads shorter than ``expr`` and has its value (else None)."""
    best = compact(reduced)
    try:
        collected = _rational_parts(reduced, _collected)
        if size(collected) < size(best):
            best = collected
    except (sp.PolynomialError, ValueError, TypeError):
        pass
    if size(best) >= size(expr) or not equal_at_random_points(best.xreplace({symbol: composite}), expr):
        return None
    return composite, best


def _matrix_scalars_hidden(expr: sp.Expr) -> tuple[sp.Expr, dict]:
    r"""``expr`` with each scalar of a named matrix (``\det \Sigma``, a trace, an entry) as an opaque symbol (no
    assumptions, so that no rewriting relies on a sign; the equality check samples it with either sign), and the
    map that puts them back."""
    from sympy.matrices.expressions.matexpr import MatrixElement

    found = [x for x in sp.preorder_traversal(expr) if isinstance(x, (sp.Determinant, sp.Trace, MatrixElement))]
    hide, restore = {}, {}
    for x in found:
        if x in hide:
            continue
        k = len(hide)
        # a dummy: it never meets a symbol of the same name, the user's or one made elsewhere
        hide[x] = sp.Dummy((r"\det M_{%d}" if isinstance(x, sp.Determinant) else r"M_{%d}") % k)
        restore[hide[x]] = x
    return expr.xreplace(hide), restore


def _checked_dimensions(dimensions: Any) -> dict[sp.Symbol, dict[str, sp.Rational]]:
    """``dimensions`` with every exponent a sympy Rational, or a ModelError saying what was expected."""
    import numbers

    if not isinstance(dimensions, Mapping):
        raise ModelError(f"dimensionless: dimensions: expected a mapping symbol -> {{base: exponent}} but found "
                         f"{dimensions!r}")
    out: dict[sp.Symbol, dict[str, sp.Rational]] = {}
    for sym, dim in dimensions.items():
        if not isinstance(sym, sp.Symbol):
            raise ModelError(f"dimensionless: dimensions: expected Symbols as keys but found {sym!r}")
        if not isinstance(dim, Mapping):
            raise ModelError(f"dimensionless: the dimension of {sym}: expected a mapping {{base: exponent}} (e.g. "
                             f"{{'time': 1}}, or {{}} for a pure number) but found {dim!r}")
        checked = {}
        for base, k in dim.items():
            if not isinstance(base, str):
                raise ModelError(f"dimensionless: the dimension of {sym}: expected base names (str) but found {base!r}")
            if isinstance(k, sp.Rational):
                checked[base] = k
            elif isinstance(k, numbers.Rational) and not isinstance(k, bool):
                checked[base] = sp.Rational(int(k.numerator), int(k.denominator))
            elif isinstance(k, numbers.Real) and not isinstance(k, bool) and mpmath.isfinite(float(k)):
                checked[base] = sp.nsimplify(float(k), rational=True)
            else:
                raise ModelError(f"dimensionless: the dimension of {sym}: the exponent of {base!r} must be a rational "
                                 f"number but found {k!r}")
        out[sym] = checked
    return out


def _combined_log_terms(e: sp.Expr) -> int:
    """Predicted monomials of the argument of the one logarithm :func:`_logs_combined` would form (0 for < 2 logs)."""
    from . import budget

    terms = sp.Add.make_args(_log_sums_spread(e))
    factors = []
    for t in terms:
        coeff, body = t.as_coeff_Mul()
        if isinstance(body, sp.log):
            factors.append(body.args[0] if coeff >= 0 else 1 / body.args[0])
    logs = len(factors)
    if logs < 2:
        return 0
    return budget.term_bound(sp.Mul(*factors, evaluate=False))


def dimensionless(expr: Any, dimensions: Dimensions, scales: Sequence[sp.Symbol],
                  groups: Mapping[sp.Symbol, Any] | None = None,
                  names: Mapping[sp.Symbol, str] | None = None) -> ClosedForm:
    r"""A closed form as its scale times a function of dimensionless groups, the groups defined.

    Parameters
    ----------
    expr : sympy expression
        Dimensionally homogeneous in the declared dimensions.
    dimensions : mapping symbol -> {base: exponent}
        The physical dimension of every parameter of ``expr`` (``{}`` for a pure number).
    scales : sequence of Symbol
        Reference parameters (a time, an amplitude, ...) that span the dimensions of the
        others: the scale factor is a monomial in these.
    groups : mapping Symbol -> expression, optional
        Named dimensionless groups, each a monomial with one parameter that is not a
        scale (``{rho: tau_n / tau_v, snr: g**2 * sigma_v**2 / sigma_n**2}``); a group
        whose parameter does not occur in ``expr`` is left out. Any other parameter ``p``
        that is not a scale gets the group ``p`` over the monomial of scales with its
        dimension, shown as :math:`\hat{p}`.
    names : mapping Symbol -> str, optional
        LaTeX for the groups' symbols.

    Returns
    -------
    ClosedForm
        ``scale * f(groups)``, with the groups as its definitions (so it evaluates in the
        original parameters).

    Raises
    ------
    ModelError
        When a parameter has no declared dimension, a dimension is not a mapping from a
        base name to a rational exponent (text, None, NaN, a Symbol or a bool are refused),
        a scale is not a Symbol, a group is not dimensionless, or the expression is not
        homogeneous (the scales do not factor out).

    Examples
    --------
    >>> import sympy as sp
    >>> tn, tv = sp.symbols("tau_n tau_v", positive=True)
    >>> rho = sp.Symbol("rho", positive=True)
    >>> f = dimensionless(1 / (tn + tv), {tn: {"time": 1}, tv: {"time": 1}}, [tv], {rho: tn / tv})
    >>> f.latex(where=False)
    '\\frac{1}{\\tau_{v}} \\frac{1}{1 + \\rho}'
    >>> f.expr.doit()
    1/(tau_v*(rho + 1))
    """
    from . import budget
    from .checks import as_expression

    expr = as_expression(expr, "dimensionless: the expression")
    dimensions = _checked_dimensions(dimensions)
    if isinstance(scales, (str, sp.Basic)) or not isinstance(scales, Sequence):
        raise ModelError(f"dimensionless: scales: expected a sequence of Symbols but found {scales!r}")
    if any(not isinstance(s, sp.Symbol) for s in scales):
        raise ModelError(f"dimensionless: scales: expected Symbols but found {list(scales)!r}")
    if groups is not None and (not isinstance(groups, Mapping) or any(not isinstance(k, sp.Symbol) for k in groups)):
        raise ModelError(f"dimensionless: groups: expected a mapping from Symbol to expression but found {groups!r}")
    if groups is not None:
        groups = {k: as_expression(g, f"dimensionless: the group {k}") for k, g in groups.items()}
    params = sorted(expr.free_symbols, key=lambda s: s.name)
    missing = [p.name for p in params if p not in dimensions]
    if missing:
        raise ModelError(f"dimensionless: no dimension declared for {missing}")
    scales = [s for s in scales]
    bases = sorted({b for d in dimensions.values() for b in d})

    def dim_of(e: sp.Expr) -> dict[str, Any]:
        out = {b: sp.Integer(0) for b in bases}
        for factor, power in sp.Mul(e).as_powers_dict().items():
            if factor.is_number:
                continue
            if factor not in dimensions:
                raise ModelError(f"dimensionless: no dimension declared for {factor}")
            for b, k in dimensions[factor].items():
                out[b] += sp.sympify(k) * power
        return out

    basis = sp.Matrix([[dim_of(s)[b] for b in bases] for s in scales]) if scales else sp.zeros(0, len(bases))

    def scale_monomial(target: dict[str, Any]) -> sp.Expr:
        vec = sp.Matrix([[target[b] for b in bases]])
        if all(v == 0 for v in vec):
            return sp.Integer(1)
        exps = sp.symbols(f"_e0:{len(scales)}")
        sol = sp.solve(list(basis.T * sp.Matrix(exps) - vec.T), exps, dict=True) if scales else []
        if not sol:
            raise ModelError(f"dimensionless: the scales {[s.name for s in scales]} do not span the dimension "
                             f"{ {b: v for b, v in target.items() if v != 0} }")
        return sp.Mul(*[s ** sol[0].get(e, 0) for s, e in zip(scales, exps)])

    out_groups: dict[sp.Symbol, sp.Expr] = {}
    latex_names: dict[sp.Symbol, str] = {n: sp.latex(n) for n in (groups or {})}
    latex_names.update(names or {})
    subs: dict[sp.Symbol, sp.Expr] = {}
    for name, g in (groups or {}).items():
        g = sp.sympify(g)
        free = [p for p in g.free_symbols if p not in scales]
        if len(free) != 1 or free[0] not in expr.free_symbols:
            continue  # not about this expression, or not a group under these scales
        if any(v != 0 for v in dim_of(g).values()):
            raise ModelError(f"dimensionless: the group {name} = {g} is not dimensionless")
        (p,) = free
        k = sp.Mul(g).as_powers_dict()[p]
        if not p.is_positive and not (sp.sympify(k).is_integer and sp.sympify(k) % 2 == 1):
            raise ModelError(f"dimensionless: the group {name} = {g} fixes {p} only up to its sign; declare {p} "
                             "positive or use a group with an odd power of it")
        subs[p] = sp.powsimp(sp.expand_power_base((name * p**k / g) ** (1 / k), force=True), force=True)
        out_groups[name] = g
    for p in params:
        if p in scales or p in subs:
            continue
        mono = scale_monomial(dim_of(p))
        if mono == 1 and not any(v != 0 for v in dim_of(p).values()):
            continue  # a pure number: its own group
        hat = sp.Symbol(f"hat_{p.name}", positive=True if p.is_positive else None, real=True)
        out_groups[hat] = p / mono
        latex_names[hat] = _hat(latex_of(p))
        subs[p] = hat * mono
    sub = expr.xreplace(subs)
    f = sub.xreplace({s: 1 for s in scales})
    if f == 0:
        return ClosedForm(sp.Integer(0))
    scale = budget.factor(sp.cancel(sp.together(sub / f)))
    monomial = all(f.is_number or f in scales or (f.is_Pow and f.base in scales and f.exp.is_number)
                   for f in sp.Mul.make_args(scale))
    if scale.free_symbols - set(scales) or not monomial:
        raise ModelError(f"dimensionless: {expr} is not homogeneous in the declared dimensions (the scales "
                         f"{[s.name for s in scales]} do not factor out)")
    candidates = [compact(f)]
    if not f.has(sp.log):
        candidates.append(compact(sp.cancel(f)))
    f = min(candidates, key=size)
    # the scale printed in front of the dimensionless function (sympy would fold it into the fraction)
    out = f if scale == 1 else scale * f if f.is_Number else _scaled(scale, f)  # sigma_w^2, not sigma_w^2 * 1
    used = {n: _merged_roots(g) for n, g in out_groups.items() if n in out.free_symbols}  # \hat{u} = u/\sqrt{T k}
    return ClosedForm(out, list(used.items()), {n: _group_name(latex_names[n], g) for n, g in used.items()})


def _group_name(tex: str, value: Any) -> MeantName:
    r"""A dimensionless group's name said in words for a page's glossary, its formula the one piece of math
    (``dimensionless group $k t / \gamma$`` for :math:`\hat t`: a glossary's math is read as the group's value)."""
    num, den = sp.fraction(value)
    inline = latex_of(value) if den == 1 else (f"{latex_of(num)} / " + (f"({latex_of(den)})" if den.is_Mul or den.is_Add
                                                                         else latex_of(den)))
    return MeantName(tex, f"dimensionless group ${inline}$", "--")


def _hat(tex: str) -> str:
    r"""The LaTeX of a parameter's own group: a hat on the letter, its subscript kept outside.

    Examples
    --------
    >>> _hat(r"\tau_{w}"), _hat("T_{2}"), _hat(r"\kappa")
    ('\\hat{\\tau}_{w}', '\\hat{T}_{2}', '\\hat{\\kappa}')
    """
    match = re.fullmatch(r"(\\?[A-Za-z]+)(_.+)", tex)
    return rf"\hat{{{match.group(1)}}}{match.group(2)}" if match else rf"\hat{{{tex}}}"


def _scaled(scale: sp.Expr, f: sp.Expr) -> sp.Expr:
    r"""``scale * f`` held for printing as an author writes it: a number of ``f`` without a denominator in front
    (``2 T^{2} \hat{u}^{2} (\dots)``, not ``T^{2} \cdot 2 \hat{u}^{2} (\dots)``), and a scale of half powers
    under one root (``\sqrt{\frac{T}{k}}``, not ``\frac{\sqrt{T}}{\sqrt{k}}``)."""
    powers = sp.Mul(scale).as_powers_dict()
    if len(powers) > 1 and all(e.is_Rational and e.q == 2 for e in powers.values()):
        scale = sp.Pow(scale ** 2, sp.Rational(1, 2), evaluate=False)
    c, rest = f.as_coeff_Mul()
    if c in (1, -1) and rest.is_Mul:  # an integer its sums share, in front as the printer writes it (2 (t - 1))
        content, primitive = rest.as_content_primitive()
        if content.is_Integer and content > 1 and primitive.is_Mul:
            c, rest = c * content, primitive
    if c.is_Rational and c not in (1, -1) and rest.is_Mul and sp.fraction(rest)[1] == 1:
        return c * sp.UnevaluatedExpr(scale) * sp.UnevaluatedExpr(rest)
    return sp.UnevaluatedExpr(scale) * sp.UnevaluatedExpr(f)


class Units:
    r"""The physical dimensions of a model's parameters, its reference scales and its named groups.

    Calling it on a closed form gives :func:`dimensionless` of it.

    Examples
    --------
    >>> import sympy as sp
    >>> tn, tv = sp.symbols("tau_n tau_v", positive=True)
    >>> rho = sp.Symbol("rho", positive=True)
    >>> units = Units({tn: {"time": 1}, tv: {"time": 1}}, [tv], {rho: tn / tv})
    >>> units(tn / (tn + tv)).expr
    rho/(rho + 1)
    """

    def __init__(self, dimensions: Dimensions, scales: Sequence[sp.Symbol],
                 groups: Mapping[sp.Symbol, Any] | None = None, names: Mapping[sp.Symbol, str] | None = None):
        self.dimensions = dict(dimensions)
        self.scales = tuple(scales)
        self.groups = dict(groups or {})
        self.names = dict(names or {})

    def __call__(self, expr: Any, scales: Sequence[sp.Symbol] | None = None) -> ClosedForm:
        """``expr`` in the groups, with ``scales`` (default: the declared ones) outside."""
        return dimensionless(expr, self.dimensions, self.scales if scales is None else scales, self.groups,
                             self.names)
