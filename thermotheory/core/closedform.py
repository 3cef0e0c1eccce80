r"""Structured closed forms: a short expression and the named definitions it is written in.

A large symbolic result is unreadable as one quotient, however fast it is computed: the
mutual information between a signal and three heterogeneous neurons is a quotient of
about 26,600 operations. A careful author writes it instead as

.. math:: I(v; x) = \frac12 \ln\frac{\Sigma_{vv} \det\Sigma_{x}}{\det\Sigma},
          \quad\text{where } \Sigma_{v x_1} = \dots

:class:`ClosedForm` is that object: an expression in the parameters and in named
intermediate quantities (scalar entries such as :math:`\Sigma_{v x_1}` and matrices such
as :math:`\Sigma_x`), and the ordered definitions of those names, each in the parameters
and in names defined before it. It renders in Jupyter and as LaTeX ("where ..."),
evaluates at any precision (:meth:`ClosedForm.evaluate`, or :func:`thermotheory.evaluate`),
compiles to numpy (:meth:`ClosedForm.lambdify`), and expands to the one cancelled quotient
(:meth:`ClosedForm.rational`) or its factored form (:meth:`ClosedForm.factored`) on
request. Determinants and inverses are expanded fraction-free over the polynomials in
the parameters, so the cancellation happens at the polynomial level.

Every closed-form function of the package takes ``form=``:

``"structured"``
    a :class:`ClosedForm` (quantities without a natural structure, such as the
    Riccati-based filter error, come with no definitions);
``"rational"``
    one cancelled quotient (for an information, the logarithm of one quotient);
``"factored"``
    the rational form with numerator and denominator factored;
``None`` (default)
    ``"factored"`` when the quotient is small, ``"structured"`` when its expansion would
    exceed :data:`STRUCTURED_ABOVE` monomials (:func:`choose_form`): a guard on what is
    computed, not on what is printed.

The form a page prints is chosen by how it reads: :func:`printed_size` measures the LaTeX
a reader sees (the expression, and each definition not already on the page) and
:func:`shortest` keeps the smallest of several equal candidates, such as the compacted
structured form and the compacted quotient
(:meth:`thermotheory.derivation.Derivation.readable`).

Numeric models (no free parameters) return a float whatever ``form`` says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.latex import LatexPrinter
from sympy.printing.conventions import split_super_sub

from ..errors import ModelError, NotStable
from .mpeval import MAX_DPS, check_dps  # noqa: F401  (re-exported)
from .mpeval import evaluate_expression as _evaluate
from .width import TEXT_WIDTH, _group, latex_width

__all__ = ["ClosedForm", "FORMS", "check_form", "check_dps", "choose_form", "apply_form", "generically_singular",
           "CovarianceNames", "STRUCTURED_ABOVE", "stability_requirement", "latex_of", "printed_size", "shortest",
           "QUOTIENT_TRIED_BELOW", "FamilyName", "FAMILY_SUM_MIN", "MeantName", "definition_rows", "MAX_LINES",
           "too_long", "needed_definitions", "stationary_rows",
           "lyapunov_rows"]

#: The values ``form=`` accepts.
FORMS = ("structured", "rational", "factored")

#: Expansion bound (monomials of the Leibniz expansion of the largest determinant, see
#: :func:`thermotheory.core.budget.expansion_bound`) above which ``form=None`` computes the
#: structured form only: the 2-neuron heterogeneous population (largest bound 228) is computed
#: as one factored quotient, the 3-neuron one (8,016) in structured form. It decides what is
#: cheap to compute, not what is printed: a page prints the shorter form by
#: :func:`printed_size` (:func:`shortest`).
STRUCTURED_ABOVE = 2.0e3

#: Predicted monomials (:func:`thermotheory.core.budget.closed_form_bound`) of a structured form's
#: one quotient above which a page does not try that quotient as the form to print: a quotient
#: that large never reads shorter than its structured form, and factoring and compacting it would
#: take seconds (the presentation pass leaves expressions of about this size unchanged).
QUOTIENT_TRIED_BELOW = 4.0e3


def check_form(form: Any) -> str | None:
    """Validate a ``form=`` argument.

    Examples
    --------
    >>> check_form("rational")
    'rational'
    >>> check_form("short")
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: form: expected one of 'structured', 'rational', 'factored' or None but found 'short'
    """
    if form is None or (isinstance(form, str) and form in FORMS):
        return form
    raise ModelError(f"form: expected one of {', '.join(repr(f) for f in FORMS)} or None but found {form!r}")


def choose_form(form: str | None, matrices: Iterable[sp.MatrixBase]) -> str:
    """The form to return: ``form`` itself, or for ``None`` the one that suits the size.

    ``None`` gives ``"structured"`` when the largest determinant among ``matrices`` (the
    covariance blocks the quantity needs) has an expansion bound above
    :data:`STRUCTURED_ABOVE`, and ``"factored"`` otherwise.

    Raises
    ------
    TooLarge
        When ``form`` is ``"rational"`` or ``"factored"`` and the one quotient those need
        would be too large to compute in seconds: the expansion bounds of all the
        determinants together exceed :data:`thermotheory.core.budget.MAX_QUOTIENT`
        (:func:`thermotheory.core.budget.check_quotient`), predicted before anything is
        expanded. The structured form has no such limit.
    """
    from . import budget

    matrices = [sp.Matrix(M) for M in matrices]
    if form is not None:
        if form in ("rational", "factored"):
            budget.check_quotient(matrices, f"the {form} form")
        return form
    bound = max((budget.expansion_bound(M) for M in matrices if M.rows > 1), default=0.0)
    return "structured" if bound > STRUCTURED_ABOVE else "factored"


def stability_requirement(model: Any) -> tuple[sp.ImmutableMatrix, ...]:
    """The drift matrix a closed form of ``model``'s stationary state must carry: ``(A,)`` or ``()``.

    A symbolic model whose stability sympy cannot decide (``is_stable()`` is None) has
    stationary closed forms that hold only where its drift matrix is Hurwitz; the
    :class:`ClosedForm` carries the matrix and checks it at every evaluation. Decided
    models (and numeric ones) need nothing.
    """
    try:
        if getattr(model, "is_numeric", True) or model.is_stable() is not None:
            return ()
    except ModelError:  # a protocol A(t): no stationary state to require
        return ()
    return (sp.ImmutableMatrix(model.A),)


def _is_name(obj: Any) -> bool:
    return isinstance(obj, (sp.Symbol, sp.MatrixSymbol))


class FamilyName(str):
    r"""The LaTeX of one member of a family of defined names, with the family's defining formula.

    A structured closed form names the parts it is built of (the spanning-tree sums
    :math:`Z_{w_1}, \ldots, Z_{s_3}` of a jump process). Where their values are too long for a
    page (tens of lines of monomials), the page prints the family once by its definition in
    terms of the model, as an author would, instead of each value (:func:`definition_rows`). A sum over every
    member (at least :data:`FAMILY_SUM_MIN`) prints as :math:`\sum_i` in the generic name (:func:`latex_of`).
    It is a ``str`` (the member's LaTeX) wherever a name is used.

    Parameters
    ----------
    tex : str
        LaTeX of this member (``Z_{w_{1}}``).
    generic : str
        LaTeX of the family's name with its index letter (``Z_{i}``).
    letter : str
        The index letter (``i``).
    index : str
        LaTeX of this member's index (``w_{1}``).
    formula : str
        LaTeX of the family's defining formula in the index letter.
    meaning : str
        The family in words, for a page's glossary (LaTeX text).

    Examples
    --------
    >>> z = FamilyName("Z_{a}", "Z_{i}", "i", "a", r"\sum_{T \in \mathcal{T}_{i}} w_T", "tree sums")
    >>> z, z.generic
    ('Z_{a}', 'Z_{i}')
    """

    generic: str
    letter: str
    index: str
    formula: str
    meaning: str

    def __new__(cls, tex: str, generic: str, letter: str, index: str, formula: str, meaning: str = "") -> FamilyName:
        for what, value in (("tex", tex), ("generic", generic), ("letter", letter), ("index", index),
                            ("formula", formula), ("meaning", meaning)):
            if not isinstance(value, str):
                raise ModelError(f"FamilyName: {what} must be a LaTeX string but is {type(value).__name__} {value!r}")
        if not letter or "{" + letter + "}" not in generic:
            raise ModelError(f"FamilyName: the generic name {generic!r} must hold its index letter {letter!r} as "
                             f"{{{letter}}} (Z_{{i}})")
        obj = super().__new__(cls, tex)
        obj.generic, obj.letter, obj.index, obj.formula, obj.meaning = generic, letter, index, formula, meaning
        return obj

    def __reduce__(self) -> tuple:
        return (FamilyName, (str(self), self.generic, self.letter, self.index, self.formula, self.meaning))

    def primed(self) -> FamilyName:
        """This member with a prime, of the primed family (a name that two merged closed forms define differently).

        Examples
        --------
        >>> z = FamilyName("Z_{a}", "Z_{i}", "i", "a", "w_i").primed()
        >>> z, z.generic
        ("{Z_{a}}'", "{Z_{i}}'")
        """
        return FamilyName(f"{{{self}}}'", f"{{{self.generic}}}'", self.letter, self.index, self.formula, self.meaning)


class ResultName(str):
    r"""The LaTeX of the label of a result printed above, standing for it in a later form (a ``str`` wherever a name
    is used): the printer sets it after the factors it is multiplied by, as an author writes a coefficient before the
    quantity, ``2 T \langle W \rangle(t)`` (sympy sorts by the symbol's name).

    Examples
    --------
    >>> w, T = sp.Symbol("w"), sp.Symbol("T", positive=True)
    >>> latex_of(2 * T * w, symbol_names={w: ResultName(r"\langle W \rangle(t)")})
    '2 T \\langle W \\rangle(t)'
    """


class MeantName(str):
    r"""The LaTeX of a defined name with what it means, for a page's glossary.

    A closed form written through named parts (the relative entropies :math:`D(p_0 \| \pi)` and
    :math:`D(p(t) \| \pi)` whose fall is the entropy a synapse produces while forgetting) is read only where each
    name is said in words: a page or report that prints the form lists the name in its glossary with this meaning
    (names of one meaning in one row). It is a ``str`` (the name's LaTeX) wherever a name is used.

    Parameters
    ----------
    tex : str
        LaTeX of the name (``D(p_{0} \| \pi)``).
    meaning : str
        The name in words (LaTeX text), not empty.
    units : str, optional
        Its units (``nats``; ``--`` for a pure number).

    Examples
    --------
    >>> d = MeantName(r"D(p_{0} \| \pi)", "relative entropy to the stationary state", "nats")
    >>> d, d.meaning, d.units
    ('D(p_{0} \\| \\pi)', 'relative entropy to the stationary state', 'nats')
    """

    meaning: str
    units: str

    def __new__(cls, tex: str, meaning: str, units: str = "") -> MeantName:
        for what, value in (("tex", tex), ("meaning", meaning), ("units", units)):
            if not isinstance(value, str):
                raise ModelError(f"MeantName: {what} must be a string but is {type(value).__name__} {value!r:.60}")
        if not tex.strip() or not meaning.strip():
            raise ModelError(f"MeantName: a name and its meaning must not be empty (given {tex!r}, {meaning!r})")
        obj = super().__new__(cls, tex)
        obj.meaning, obj.units = meaning, units
        return obj

    def __reduce__(self) -> tuple:
        return (MeantName, (str(self), self.meaning, self.units))


#: Most indices a family's row lists (:func:`definition_rows`); past it, the first two, ``\ldots`` and the last.
FAMILY_INDICES = 8

#: Fewest members of a family (:class:`FamilyName`) whose sum prints as :math:`\sum_i` over the family (two terms
#: read as well written out: :math:`Z_a + Z_b`).
FAMILY_SUM_MIN = 3


#: Printed lines past which a form is too long for a page: a composite parameter is tried for it
#: (:func:`~thermotheory.export.derivation.quantity_lines`), and a family of such definitions prints its formula
#: (:func:`definition_rows`).
MAX_LINES = 3


def too_long(form: Any, width: float = TEXT_WIDTH, **settings: Any) -> bool:
    """Whether a plain closed form (not a matrix) would print on more than :data:`MAX_LINES` lines of ``width``
    (``settings``: those of :func:`latex_of`, a form's names).

    Examples
    --------
    >>> import sympy as sp
    >>> too_long(sp.Symbol("a")), too_long(sp.Add(*sp.symbols("a_1:200")))
    (False, True)
    """
    return (isinstance(form, sp.Expr) and not isinstance(form, sp.MatrixBase)
            and latex_width(latex_of(form, **settings)) > MAX_LINES * width)


def definition_rows(definitions: Sequence[tuple[Any, Any]], names: Mapping[Any, str],
                    too_long: Callable[[Any], bool]) -> list[tuple[Any, Any]]:
    r"""The rows of a "where" block: ``(name, value)`` per definition, except that the members of a family
    (:class:`FamilyName`) whose values are ``too_long`` give one row ``(generic, formula)`` (LaTeX strings) at
    the place of the first, the formula followed by the members' indices.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, Za, Zb = sp.symbols("a b Z_a Z_b", positive=True)
    >>> names = {s: FamilyName(f"Z_{{{s.name[-1]}}}", "Z_{i}", "i", s.name[-1], "w_i") for s in (Za, Zb)}
    >>> definition_rows([(Za, a), (Zb, a + b)], names, lambda v: True)
    [('Z_{i}', 'w_i, \\quad i = a, b')]
    >>> definition_rows([(Za, a), (Zb, a + b)], names, lambda v: False)
    [(Z_a, a), (Z_b, a + b)]
    """
    if not callable(too_long):
        raise ModelError(f"definition_rows: too_long must be a function of a value but is {too_long!r}")
    families: dict[tuple[str, str], tuple[str, list[str]]] = {}
    rows: list[tuple[Any, Any]] = []
    for name, value in definitions:
        tex = names.get(name)
        if isinstance(tex, FamilyName) and too_long(value):
            key = (tex.generic, tex.formula)
            if key not in families:
                families[key] = (tex.letter, [])
                rows.append(key)
            families[key][1].append(tex.index)
            continue
        rows.append((name, value))
    for key, (letter, indices) in families.items():
        if len(indices) > FAMILY_INDICES:  # the first two and the last: the row fits a page
            indices = [*indices[:2], r"\ldots", indices[-1]]
        rows[rows.index(key)] = (key[0], rf"{key[1]}, \quad {letter} = {', '.join(indices)}")
    return rows


class ClosedForm:
    """An expression with an ordered set of named definitions.

    Parameters
    ----------
    expr : sympy expression
        In the parameters and the defined names (Symbols for scalars, MatrixSymbols
        for matrices).
    definitions : sequence of (name, value)
        Each value (an expression, or an explicit Matrix for a MatrixSymbol) is written in
        the parameters and in names defined before it.
    names : mapping name -> str, optional
        LaTeX for each defined name (default: sympy's rendering of the name).
    hurwitz : sequence of square sympy matrices, optional
        Matrices that must be Hurwitz (every eigenvalue with negative real part) for the
        closed form to hold: the drift matrix of a model whose stability sympy could not
        decide (:func:`stability_requirement`). :meth:`evaluate` and :meth:`lambdify`
        check them at the values and raise :class:`~thermotheory.errors.NotStable` where
        they are not.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> r = sp.Symbol("r")
    >>> f = ClosedForm(sp.log(1 + r) / 2, [(r, a / b)], {r: "r"})
    >>> f
    ClosedForm(log(r + 1)/2, where r = a/b)
    >>> f.rational()
    log((a + b)/b)/2
    >>> float(f.evaluate({a: 1, b: 2}))
    0.2027325540540822
    >>> f.latex()
    '\\\\frac{1}{2} \\\\ln{\\\\left(1 + r \\\\right)}, \\\\quad \\\\text{where } r = \\\\frac{a}{b}'
    """

    __slots__ = ("_expr", "_definitions", "_names", "_hurwitz")

    def __init__(self, expr: Any, definitions: Iterable[tuple[Any, Any]] = (), names: Mapping[Any, str] | None = None,
                 hurwitz: Iterable[Any] = ()):
        defs = []
        seen: set[Any] = set()
        for name, value in definitions:
            if not _is_name(name):
                raise ModelError(f"a definition's name must be a Symbol or a MatrixSymbol but found {name!r}")
            if name in seen:
                raise ModelError(f"{name} is defined twice")
            if isinstance(name, sp.MatrixSymbol):
                value = sp.ImmutableMatrix(value)
                if value.shape != name.shape:
                    raise ModelError(f"{name} is {name.shape[0]}x{name.shape[1]} but its value is "
                                     f"{value.shape[0]}x{value.shape[1]}")
            else:
                value = sp.sympify(value)
            seen.add(name)
            defs.append((name, value))
        object.__setattr__(self, "_expr", sp.sympify(expr))
        object.__setattr__(self, "_definitions", tuple(defs))
        object.__setattr__(self, "_names", dict(names or {}))
        mats = []
        for M in hurwitz:
            M = sp.ImmutableMatrix(M)
            if M.rows != M.cols:
                raise ModelError(f"hurwitz: expected square matrices but found one of shape {M.shape}")
            if M not in mats:
                mats.append(M)
        object.__setattr__(self, "_hurwitz", tuple(mats))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("a ClosedForm is immutable")

    def __reduce__(self) -> tuple:  # pickled (records sent back by worker processes) and rebuilt through __init__
        return (type(self), (self._expr, self._definitions, self._names, self._hurwitz))

    # -- what it is -----------------------------------------------------------------
    @property
    def expr(self) -> sp.Expr:
        """The top-level expression, in the parameters and the defined names."""
        return self._expr

    @property
    def definitions(self) -> tuple[tuple[Any, Any], ...]:
        """The ordered ``(name, value)`` pairs."""
        return self._definitions

    @property
    def names(self) -> dict[Any, str]:
        """LaTeX for each defined name."""
        return dict(self._names)

    @property
    def hurwitz(self) -> tuple[sp.ImmutableMatrix, ...]:
        """The matrices that must be Hurwitz where the closed form holds (empty when stability is decided)."""
        return self._hurwitz

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """The parameters: free symbols of the expression and the definitions, less the defined names."""
        defined = {n for n, _ in self._definitions}
        out: set[sp.Symbol] = set()
        for e in [self._expr] + [v for _, v in self._definitions]:
            out |= {s for s in e.free_symbols if s not in defined and not isinstance(s, sp.MatrixSymbol)}
        return out

    def count_ops(self) -> int:
        """Operations of the expression and of every definition (sympy ``count_ops``), the size a reader sees."""
        return int(sp.count_ops(self._expr)) + sum(int(sp.count_ops(v)) for _, v in self._definitions)

    def __float__(self) -> float:
        """The value when no parameter is left (after :meth:`subs`); a TypeError otherwise, as for sympy."""
        if self.free_symbols:
            raise TypeError(f"cannot convert a closed form with free parameters "
                            f"{sorted(s.name for s in self.free_symbols)} to float")
        return float(self.evaluate({}, dps=20))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ClosedForm) and self._expr == other._expr
                and self._definitions == other._definitions and self._hurwitz == other._hurwitz)

    def __hash__(self) -> int:
        return hash((self._expr, self._definitions, self._hurwitz))

    def __repr__(self) -> str:
        if not self._definitions:
            return f"ClosedForm({self._expr})"
        defs = ", ".join(f"{n} = {v.tolist() if isinstance(v, sp.MatrixBase) else v}" for n, v in self._definitions)
        return f"ClosedForm({self._expr}, where {defs})"

    def __str__(self) -> str:
        if not self._definitions:
            return str(self._expr)
        width = max(len(str(n)) for n, _ in self._definitions)
        lines = [str(self._expr), "  where"]
        for n, v in self._definitions:
            shown = v.tolist() if isinstance(v, sp.MatrixBase) else v
            lines.append(f"    {str(n):<{width}} = {shown}")
        return "\n".join(lines)

    # -- arithmetic: definitions are merged ---------------------------------------------
    def _merge(self, other: Any) -> tuple[Any, list[tuple[Any, Any]], dict[Any, str], tuple[Any, ...]]:
        r"""``other``'s expression, the merged definitions, LaTeX names and Hurwitz matrices.

        A definition of ``other`` with the name of one of ``self`` (or of a parameter of
        ``self``) but another value (the covariance entry :math:`\Sigma_{v x_1}` of two
        different models) is renamed with a prime in ``other``'s expression and later
        definitions, so both values are kept; one with the same value is shared.
        """
        defs = list(self._definitions)
        names = dict(self._names)
        if not isinstance(other, ClosedForm):
            return sp.sympify(other), defs, names, self._hurwitz
        mine = dict(defs)
        own = {n.name for n, _ in defs} | {s.name for s in self.free_symbols}
        taken = own | {s.name for s in other.free_symbols} | {n.name for n, _ in other._definitions}
        renamed: dict[Any, Any] = {}
        for name, value in other._definitions:
            value = value.xreplace(renamed) if renamed else value
            if name in mine and mine[name] == value:
                continue
            if name.name in own:
                new = _fresh(name, taken)
                taken.add(new.name)
                renamed[name] = new
                tex = other._names.get(name, latex_of(name))
                names[new] = tex.primed() if isinstance(tex, FamilyName) else f"{{{tex}}}'"
                defs.append((new, value))
                continue
            defs.append((name, value))
            if name in other._names:
                names[name] = other._names[name]
        expr = other._expr.xreplace(renamed) if renamed else other._expr
        hurwitz = self._hurwitz + tuple(M for M in other._hurwitz if M not in self._hurwitz)
        return expr, defs, names, hurwitz

    def _binary(self, other: Any, op: Callable[[Any, Any], Any], reflected: bool = False) -> ClosedForm:
        if isinstance(other, bool) or not isinstance(other, (ClosedForm, sp.Basic, int, float)):
            return NotImplemented
        rhs, defs, names, hurwitz = self._merge(other)
        expr = op(rhs, self._expr) if reflected else op(self._expr, rhs)
        return ClosedForm(expr, defs, names, hurwitz)

    def __add__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a + b)

    def __radd__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a + b, reflected=True)

    def __sub__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a - b)

    def __rsub__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a - b, reflected=True)

    def __mul__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a * b)

    def __rmul__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a * b, reflected=True)

    def __truediv__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a / b)

    def __rtruediv__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a / b, reflected=True)

    def __pow__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a**b)

    def __neg__(self) -> ClosedForm:
        return ClosedForm(-self._expr, self._definitions, self._names, self._hurwitz)

    def subs(self, values: Mapping[Any, Any]) -> ClosedForm:
        """Substitute values (numbers or expressions) for parameters in the expression and every definition.

        Keys are parameters (Symbols or their names). Values are checked as for
        :meth:`thermotheory.LinearSDE.subs` and :func:`thermotheory.evaluate`: text, booleans,
        NaN, infinities and complex numbers are refused, and so is a value that contradicts
        its Symbol's assumptions (the closed form was derived under them).

        Raises
        ------
        ModelError
            For a bad value, or a key that is neither a Symbol nor a name (names of no
            parameter are ignored, as by :func:`thermotheory.evaluate`).
        NotStable
            When the values make a required drift matrix (:attr:`hurwitz`) provably not Hurwitz.
        """
        from .checks import check_value

        if not isinstance(values, Mapping):
            raise ModelError(f"subs: expected a mapping from parameter (Symbol or name) to value but found {values!r}")
        free = self.free_symbols
        by_name = {s.name: s for s in free}
        checked: dict[Any, Any] = {}
        for key, val in values.items():
            if isinstance(key, str) and key not in by_name:
                check_value(val, None, f"subs: {key}")
            if isinstance(key, str):
                if key not in by_name:
                    continue  # as evaluate: a name the closed form does not depend on is ignored (its value is checked)
                key = by_name[key]
            if not isinstance(key, sp.Symbol):
                raise ModelError(f"subs: expected a parameter (a Symbol or its name) as key but found {key!r}")
            checked[key] = check_value(val, key, f"subs: {key}")
        defs = [(n, v.subs(checked)) for n, v in self._definitions]
        hurwitz = []
        for M in self._hurwitz:
            M = M.subs(checked)
            verdict = _hurwitz_verdict(M)
            if verdict is False:
                raise NotStable(f"subs: at these values the drift matrix {M.tolist()} is not stable (Hurwitz), so the "
                                "closed form (of a stationary state) does not hold")
            if verdict is None:
                hurwitz.append(M)
        return ClosedForm(self._expr.subs(checked), defs, self._names, hurwitz)

    def evalf(self, n: int = 15, **options: Any) -> Any:
        """The explicit expression evaluated numerically, as sympy's ``evalf`` (after :meth:`subs` of numbers).

        A required drift matrix (:attr:`hurwitz`) that has become numeric is checked first.

        Raises
        ------
        NotStable
            When a required drift matrix is numeric and not Hurwitz.
        """
        for M in self._hurwitz:
            if not M.free_symbols and _hurwitz_verdict(M) is False:
                raise NotStable(f"the closed form describes a stationary state, but its drift matrix {M.tolist()} "
                                "is not stable (Hurwitz)")
        return self.explicit().evalf(n, **options)

    # -- expansion ---------------------------------------------------------------------
    def explicit(self) -> sp.Expr:
        """The expression with every definition substituted, determinants and inverses expanded, not cancelled."""
        env: dict[Any, Any] = {}
        for name, value in self._definitions:
            env[name] = _expand(value, env)
        return _expand(self._expr, env)

    def rational(self) -> sp.Expr:
        """One cancelled quotient (inside each logarithm for an information); may raise :class:`TooLarge`.

        The size of the expansion is predicted from the definitions before anything is
        expanded (:func:`thermotheory.core.budget.closed_form_bound`), and a quotient
        above :data:`thermotheory.core.budget.MAX_QUOTIENT` is refused at once. The
        :attr:`hurwitz` requirement is not part of the quotient: evaluate the structured
        form where stability is in doubt.
        """
        from . import budget

        budget.check_closed_form(self, "ClosedForm.rational")
        return _cancelled(self.explicit())

    def factored(self) -> sp.Expr:
        """The rational form with numerator and denominator factored."""
        from ._backend import tidy

        return tidy(self.rational())

    def as_form(self, form: str | None) -> Any:
        """This closed form in ``form`` (see :data:`FORMS`); ``None`` or ``"structured"`` returns it unchanged."""
        form = check_form(form)
        if form in (None, "structured"):
            return self
        return self.rational() if form == "rational" else self.factored()

    # -- numbers -------------------------------------------------------------------------
    def evaluate(self, values: Mapping[Any, Any] | None = None, dps: int = 30) -> Any:
        """Evaluate at ``dps`` digits: the definitions in order, then the expression (mpmath).

        The values are the parameters' (keys may be Symbols or their names), read as by
        :func:`thermotheory.evaluate`, whose checks they pass. ``dps`` is a positive int.

        Raises
        ------
        ModelError
            For a bad ``dps`` or value (see :func:`thermotheory.evaluate`).
        NotStable
            When a required drift matrix (:attr:`hurwitz`) is not Hurwitz at the values:
            the stationary state the closed form describes does not exist there.
        """
        import mpmath

        dps = check_dps(dps)
        if values is not None and not isinstance(values, Mapping):
            raise ModelError(f"values: expected a mapping from Symbol (or name) to number but found {values!r}")
        values = dict(values or {})
        self._check_hurwitz_at(values, _evaluate)
        env: dict[Any, Any] = {}
        extra = max(10, dps // 2)
        with mpmath.workdps(dps + extra):
            for name, value in self._definitions:
                env[name] = self._number(value, values, env, dps + extra, _evaluate)
            out = self._number(self._expr, values, env, dps + extra, _evaluate)
        with mpmath.workdps(dps):
            return +out if not isinstance(out, mpmath.matrix) else out

    def _check_hurwitz_at(self, values: dict, _evaluate: Callable) -> None:
        """Raise NotStable when a required drift matrix is not Hurwitz at ``values``."""
        for M in self._hurwitz:
            params = M.free_symbols
            by_name = {s.name: s for s in params}
            known = {}
            for k, v in values.items():
                key = by_name.get(k) if isinstance(k, str) else k
                if key in params:
                    known[key] = sp.Float(_evaluate(key, {key: v}, dps=30), 30)
            verdict = _hurwitz_verdict(M.xreplace(known))
            if verdict is False:
                raise NotStable(
                    "the closed form describes a stationary state, which exists only where the drift matrix is stable "
                    f"(Hurwitz), and the drift matrix {M.tolist()} is not stable at these values (the model's stability "
                    "could not be decided symbolically, so it is checked at each evaluation)")

    def _number(self, value: Any, values: dict, env: dict, dps: int, _evaluate: Callable) -> Any:
        import mpmath

        if isinstance(value, sp.MatrixBase):
            return mpmath.matrix([[self._number(e, values, env, dps, _evaluate) for e in value.row(i)]
                                  for i in range(value.rows)])
        local = {n: _mp_to_sympy(v, dps) for n, v in env.items() if not isinstance(v, mpmath.matrix)}
        mats = {n: sp.ImmutableMatrix(v.rows, v.cols, [_mp_to_sympy(x, dps) for x in v])
                for n, v in env.items() if isinstance(v, mpmath.matrix)}
        expr = value.xreplace(mats).doit() if mats else value
        expr = expr.xreplace(local)
        return _evaluate(expr, values, dps=dps)

    def lambdify(self, args: Sequence[sp.Symbol | str]) -> Callable[..., Any]:
        """A numpy function of ``args`` (the parameters), broadcasting over arrays.

        The definitions are evaluated in order on arrays; determinants and inverses of the
        defined matrices use numpy's stacked linear algebra, so a grid of parameter values
        costs one vectorised pass.

        ``args`` are Symbols or their names; it must hold every parameter, and may hold
        other Symbols (ignored), but a name that is no parameter's is refused. The
        compiled function checks its arguments as :meth:`evaluate` does: real, finite
        numbers (no text, booleans, NaN or complex values) within each Symbol's
        assumptions (a positive Symbol gets positive values), with every required drift
        matrix (:attr:`hurwitz`) stable; it raises the same named errors, and refuses a
        result that is not finite rather than returning it.

        Raises
        ------
        ModelError
            For an argument list that misses a parameter, holds something that is not a
            Symbol or a name, or names no parameter.

        Examples
        --------
        >>> import sympy as sp
        >>> a = sp.Symbol("a", positive=True)
        >>> M = sp.MatrixSymbol("M", 2, 2)
        >>> f = ClosedForm(sp.log(sp.Determinant(M)), [(M, sp.Matrix([[a, 1], [1, a]]))]).lambdify([a])
        >>> [round(float(x), 6) for x in f(np.array([2.0, 3.0]))]
        [1.098612, 2.079442]
        """
        if isinstance(args, (str, sp.Basic)) or not isinstance(args, Iterable):
            args = [args]
        free = self.free_symbols
        for M in self._hurwitz:
            free = free | M.free_symbols
        by_name = {s.name: s for s in free}
        resolved = []
        for a in args:
            if isinstance(a, str):
                if a not in by_name:
                    raise ModelError(f"lambdify: {a!r} is not a parameter of this closed form (parameters: "
                                     f"{sorted(by_name)})")
                a = by_name[a]
            elif not isinstance(a, sp.Symbol):
                raise ModelError(f"lambdify: expected Symbols or their names as arguments but found {a!r}")
            if a in resolved:
                raise ModelError(f"lambdify: {a} is given twice")
            resolved.append(a)
        args = tuple(resolved)
        missing = sorted(s.name for s in free if s not in args)
        if missing:
            raise ModelError(f"lambdify: no argument given for {missing}" + (
                " (the parameters of the drift matrix are needed to check its stability)" if self._hurwitz else ""))
        steps: list[tuple[Any, _NumpyStep]] = []
        known = list(args)
        for name, value in self._definitions:
            steps.append((name, _NumpyStep(value, known)))
            known.append(name)
        final = _NumpyStep(self._expr, known)
        hurwitz = [_NumpyStep(M, list(args)) for M in self._hurwitz]

        def f(*vals: Any) -> Any:
            if len(vals) != len(args):
                raise ModelError(f"expected {len(args)} values ({', '.join(a.name for a in args)}) but found "
                                 f"{len(vals)}")
            checked = [_numpy_argument(a, v) for a, v in zip(args, vals)]
            arrays = np.broadcast_arrays(*checked) if vals else []
            shape = arrays[0].shape if vals else ()
            lookup: dict[Any, Any] = dict(zip(args, arrays))
            for M, step in zip(self._hurwitz, hurwitz):
                with np.errstate(all="ignore"):
                    A = step(lookup, shape)
                bad = ~_numpy_hurwitz(A)
                if np.any(bad):
                    at = ", ".join(f"{a} = {np.asarray(v)[bad].flat[0]:.6g}" for a, v in lookup.items())
                    raise NotStable(
                        "the closed form describes a stationary state, which exists only where the drift matrix is "
                        f"stable (Hurwitz), and the drift matrix {M.tolist()} is not stable at {at}")
            with np.errstate(all="ignore"):
                for name, step in steps:
                    lookup[name] = step(lookup, shape)
                out = final(lookup, shape)
            if not np.all(np.isfinite(out)):
                bad = ~np.isfinite(np.asarray(out))
                at = ", ".join(f"{a} = {np.asarray(lookup[a])[bad].flat[0]:.6g}" for a in args) if np.ndim(out) else \
                    ", ".join(f"{a} = {float(lookup[a]):.6g}" for a in args)
                raise ModelError(f"the closed form is undefined or infinite at {at} (a division by zero or a 0/0); "
                                 "use evaluate() at nearby values, or substitute the numbers into the model")
            return float(out) if shape == () and np.ndim(out) == 0 else out

        return f

    # -- display -------------------------------------------------------------------------
    def _latex_settings(self) -> dict[str, Any]:
        return {"symbol_names": dict(self._names)}

    def latex(self, where: bool = True, **settings: Any) -> str:
        r"""LaTeX: the expression, then ``\text{where }`` and the definitions, on one line.

        With ``where=False`` the expression alone. Use :meth:`latex_lines` for one
        definition per line (an ``aligned`` block).
        """
        kw = {**self._latex_settings(), **settings}
        head = latex_of(self._expr, **kw)
        if not where or not self._definitions:
            return head
        defs = ", \\quad ".join(" = ".join(self._row_tex(n, v, kw)) for n, v in self._rows(kw))
        return f"{head}, \\quad \\text{{where }} {defs}"

    def latex_lines(self, lhs: str | None = None, too_long: Callable[[Any], bool] | None = None,
                    **settings: Any) -> list[str]:
        """The expression and each definition as separate ``&``-aligned lines.

        A family of definitions (:class:`FamilyName`) whose values are ``too_long`` (by default: over
        :data:`MAX_LINES` lines of a page, :func:`too_long`) is one line, its defining formula
        (:func:`definition_rows`).
        """
        kw = {**self._latex_settings(), **settings}
        first = (f"{lhs} &= " if lhs else "&") + latex_of(self._expr, **kw)
        lines = [first]
        if self._definitions:
            lines.append(r"&\text{where}")
        for n, v in self._rows(kw, too_long):
            name, value = self._row_tex(n, v, kw)
            lines.append(f"{name} &= {value}")
        return lines

    def _rows(self, kw: dict, longer: Callable[[Any], bool] | None = None) -> list[tuple[Any, Any]]:
        """The rows of the "where" block (:func:`definition_rows`; by default :func:`too_long`, with this form's
        names)."""
        return definition_rows(self._definitions, self._names, longer or (lambda v: too_long(v, **kw)))

    @staticmethod
    def _row_tex(name: Any, value: Any, kw: dict) -> tuple[str, str]:
        if isinstance(name, str):  # a family's row: LaTeX already
            return name, value
        return latex_of(name, **kw), latex_of(value, **kw)

    def _repr_latex_(self) -> str:
        return "$\\displaystyle \\begin{aligned} " + r" \\ ".join(self.latex_lines()) + r" \end{aligned}$"


#: A symbol named for the difference of a Greek quantity: ``Delta_mu``, ``Delta_mu_ATP``, ``Delta_phi_1``.
_DIFFERENCE = re.compile(r"^Delta_(alpha|beta|gamma|epsilon|theta|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|phi|chi|psi|"
                         r"omega|Phi|Psi|Omega)(?:_([A-Za-z0-9]+))?$")


def _is_constant(term: Any) -> bool:
    """Whether ``term`` is a plain number (an integer, a rational or a float), the constant of a sum."""
    return bool(getattr(term, "is_Rational", False) or getattr(term, "is_Float", False))


def _polynomial_order(terms: Sequence[Any]) -> bool:
    """Whether ``terms`` hold two powers of one symbol (``x^2 - x``): a polynomial, written by falling powers."""
    powers: dict[Any, set] = {}
    for t in terms:
        for f in sp.Mul.make_args(t):
            base, k = f.as_base_exp() if f.is_Pow else (f, sp.Integer(1))
            if base.is_Symbol and k.is_Integer and k > 0:
                powers.setdefault(base, set()).add(int(k))
    return any(len(ks) > 1 for ks in powers.values())


#: A stand-in for the symbol a family of terms differs by (:func:`_renamed_in_order`).
_HOLE = sp.Dummy("hole")


def _natural_key(sym: Any) -> tuple:
    """A symbol's name as a hand orders indices: ``t_2`` before ``t_10``, ``T_c`` before ``T_h``."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", sym.name) if p)


def _renamed_in_order(terms: list) -> list:
    r"""The terms of a sum, those that are one term with one symbol renamed (``\frac{1}{t_3}``, ``\frac{1}{t_1}``;
    ``e^{-t/\tau_2}``, ``e^{-t/\tau_1}``) in the order of that symbol, where they stand: sympy orders reciprocals and
    exponents by falling powers, ``\frac{1}{t_3} + \frac{1}{t_1}``; a hand writes ``\frac{1}{t_1} + \frac{1}{t_3}``.

    Examples
    --------
    >>> t1, t3, x = sp.symbols("t_1 t_3 x", positive=True)
    >>> _renamed_in_order([1 / t3, x, 1 / t1])
    [1/t_1, x, 1/t_3]
    >>> _renamed_in_order([1 / t3, -1 / t1])  # (a sign apart: no family)
    [1/t_3, -1/t_1]
    """
    if not 2 <= len(terms) <= 12:
        return terms
    symbols = [sorted((s for s in t.free_symbols if type(s) is sp.Symbol), key=sp.default_sort_key)
               if not (t.is_number or t.is_Symbol) else [] for t in terms]  # (bare symbols: sympy's order by name)
    # (only terms of one shape, every symbol a hole, can be one another renamed: a first sort, one xreplace a term)
    shapes: dict = {}
    for i, (t, syms) in enumerate(zip(terms, symbols)):
        if syms:  # (not a matrix's name: det \Sigma has no scalar stand-in)
            shapes.setdefault(t.xreplace({s: _HOLE for s in syms}), []).append(i)
    families: dict = {}
    for same in shapes.values():
        for i in same if len(same) > 1 else ():
            for s in symbols[i]:
                families.setdefault(terms[i].xreplace({s: _HOLE}), []).append((i, s))
    out, used = list(terms), set()
    # (the largest family first, then the one that starts first: the same order in every run)
    for members in sorted(families.values(), key=lambda m: (-len(m), m[0][0], sp.default_sort_key(m[0][1]))):
        members = [(i, s) for i, s in members if i not in used]
        if len(members) < 2 or len({s for _, s in members}) < len(members):
            continue
        places = sorted(i for i, _ in members)
        for i, (j, _) in zip(places, sorted(members, key=lambda m: _natural_key(m[1]))):
            out[i] = terms[j]
        used.update(places)
    return out


def _is_time(x: Any) -> bool:
    """Whether ``x`` is the time, a symbol named ``t``."""
    return isinstance(x, sp.Symbol) and x.name == "t"


def theorist_order(terms: Sequence[Any], positive_first: bool = False, running: Any = None) -> list[Any]:
    r"""The terms of a sum in the order a theorist writes them: a positive constant first, a negative one last.

    The other terms keep their order (sympy's), except that with ``running`` (the variable a form runs along: the
    time, a protocol's ``s``) the terms free of it come first, led by a positive one, where one is positive:
    ``\sqrt{w_1} + \frac{s (\sqrt{w_2} - \sqrt{w_1})}{t_1}``, ``\lambda_i - c - c^2 s``, the start and then its
    change, as a hand writes it. With
    ``positive_first``, a sum that would still start with a minus sign is led by its first positive term instead
    (where it has one): ``-a + \sqrt{b}`` as ``\sqrt{b} - a``. The printer of the pages (:func:`latex_of`) writes
    every sum in this order.

    Examples
    --------
    >>> import sympy as sp
    >>> rho, x = sp.symbols("rho x", positive=True)
    >>> theorist_order([rho, sp.Integer(1)])
    [1, rho]
    >>> theorist_order([sp.Integer(-1), sp.exp(x)])
    [exp(x), -1]
    >>> theorist_order([-x, sp.sqrt(rho)], positive_first=True)
    [sqrt(rho), -x]
    >>> t = sp.Symbol("t", positive=True)
    >>> theorist_order([x * t, rho], running=t)
    [rho, t*x]
    """
    if isinstance(terms, (str, sp.Basic)) or not isinstance(terms, Sequence):
        raise ModelError(f"theorist_order: expected the terms of a sum (a sequence) but found {terms!r}")
    if not all(isinstance(t, sp.Basic) for t in terms):
        raise ModelError(f"theorist_order: expected sympy terms but found {list(terms)!r}")
    if running is not None and not isinstance(running, sp.Symbol):
        raise ModelError(f"theorist_order: the running variable must be a Symbol but is {running!r}")
    terms = _renamed_in_order(list(terms))
    positive = [t for t in terms if _is_constant(t) and t > 0]
    negative = [t for t in terms if _is_constant(t) and t < 0]
    rest = [t for t in terms if not _is_constant(t) or t == 0]
    if running is not None:  # the start, then its change along the running variable
        start = sorted((t for t in rest if running not in t.free_symbols), key=lambda t: t.could_extract_minus_sign())
        if start and len(start) < len(rest) and not start[0].could_extract_minus_sign():
            rest = start + [t for t in rest if running in t.free_symbols]
    out = positive + rest + negative if positive and not _polynomial_order(rest) else rest + positive + negative
    if positive_first and out and out[0].could_extract_minus_sign():
        k = next((i for i, t in enumerate(out) if not t.could_extract_minus_sign()), 0)
        out = [out[k]] + out[:k] + out[k + 1:]
    return out


#: The functions printed without parentheses around an argument of one token, as a logarithm is (``\cos k_{1}``,
#: ``\sinh \kappa``).
_BARE_FUNCTIONS = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sinh, sp.cosh, sp.tanh, sp.coth)

#: The LaTeX of an atom a logarithm is printed of without parentheses (``\ln 2``, ``\ln \tau_{n}``, ``\ln n(t)``):
#: one token, a letter or a command, with its sub- and superscripts, and at most a token in parentheses after it (a
#: function of time, as a hand writes ``\ln n(t)``); no space outside braces, no operator.
_GROUP = r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"
_TOKEN = rf"(?:(?:\\[A-Za-z]+)+(?:{_GROUP})*|[A-Za-z0-9.]+)(?:[_^](?:{_GROUP}|[A-Za-z0-9]|\\[A-Za-z]+))*"
_BARE_ARGUMENT = re.compile(rf"^{_TOKEN}(?:\({_TOKEN}\))?$")


def _one_fraction(tex: str) -> bool:
    r"""Whether the LaTeX ``tex`` is one stacked fraction, ``\frac{...}{...}`` and nothing beside it.

    Examples
    --------
    >>> _one_fraction(r"\frac{a}{b}"), _one_fraction(r"\frac{a}{b} + \frac{c}{d}"), _one_fraction(r"\frac{\{a\}}{b}")
    (True, False, True)
    """
    if not tex.startswith(r"\frac"):
        return False
    i = len(r"\frac")
    for _ in range(2):  # the numerator's group, then the denominator's, each closed
        if not tex.startswith("{", i):
            return False
        inner, end = _group(tex, i)
        if len(inner) != end - i - 2:  # (a group left open runs to the end)
            return False
        i = end
    return i == len(tex)


def _word_subscript(name: str) -> tuple[str, str] | None:
    r"""``(base, word)`` for a symbol name whose one subscript is a word of two or more letters that LaTeX has no
    symbol for (``k_on``, ``gamma_fb``, ``I_th``), else None (``T_h``, ``x_12``, ``n_infty``, ``x_mu``, ``a_b_c``).

    Examples
    --------
    >>> _word_subscript("gamma_fb"), _word_subscript("T_h"), _word_subscript("n_infty")
    (('gamma', 'fb'), None, None)
    """
    base, sup, sub = split_super_sub(name)
    if sup or len(sub) != 1 or len(sub[0]) < 2 or not sub[0].isalpha() or not base:
        return None
    if sp.latex(sp.Symbol(sub[0])) != sub[0] or sub[0] in ("infty", "inf", "oo"):  # Greek, hbar, infinity
        return None
    return base, sub[0]


#: LaTeX of sub-expressions already printed, by (settings, expression); cleared when it holds _PRINTED_MAX.
_PRINTED: dict = {}
_PRINTED_MAX = 50_000  # (about 35 MB at most: some 700 bytes an entry with the forms it keeps)


def _families(names: Mapping[Any, Any]) -> list[tuple[sp.Symbol, list[Any]]]:
    """The families (:class:`FamilyName`) of at least :data:`FAMILY_SUM_MIN` members among ``names`` (Symbol ->
    LaTeX) whose members share their assumptions: ``(index, members)``, the index a Symbol that ``names`` maps to
    the family's generic name (added to it), the members in sympy's order (not the mapping's: the printer's memory
    of printed parts is keyed by the names as a set)."""
    found: dict[tuple[str, str], list[Any]] = {}
    for name, tex in names.items():
        if isinstance(tex, FamilyName) and isinstance(name, sp.Symbol):
            found.setdefault((tex.generic, tex.formula), []).append(name)
    out = []
    for (generic, formula), members in found.items():
        if len(members) < FAMILY_SUM_MIN or len({frozenset(m.assumptions0.items()) for m in members}) != 1:
            continue
        members.sort(key=sp.default_sort_key)
        first = names[members[0]]
        # (named after the first member: it sorts among a product's factors where the members do)
        index = sp.Symbol(f"{members[0].name}:{first.letter}", **members[0].assumptions0)
        names[index] = FamilyName(generic, generic, first.letter, first.letter, formula, first.meaning)
        out.append((index, members))
    return out


def _running_variable(expr: Any) -> sp.Symbol | None:
    r"""The variable a piecewise form runs along: the one symbol every relation of its conditions compares (``s``
    in ``s \leq 0``, ``s < t_f``), or, where that is not one, the left side of its first relation (``s`` in ``s <
    t_1``); None where its conditions compare no symbol.

    Examples
    --------
    >>> s, t1 = sp.symbols("s t_1", positive=True)
    >>> _running_variable(sp.Piecewise((s, s < t1), (t1, True)))
    s
    """
    relations = [r for _, c in expr.args for r in sp.preorder_traversal(c) if isinstance(r, sp.Rel)]
    if not relations:
        return None
    common = set.intersection(*[r.free_symbols for r in relations])
    if len(common) == 1 and isinstance(next(iter(common)), sp.Symbol):
        return common.pop()
    first = relations[0].lhs
    return first if isinstance(first, sp.Symbol) else None


def _plain_factor(factor: Any) -> bool:
    r"""Whether ``factor`` prints as a plain factor in front of a sum over a family: a number or a power of a
    symbol (``\frac{1}{Z}``, ``2 k``), not a sum or a function (``\ln x \sum_i`` would read as a log of the sum)."""
    base = factor.as_base_exp()[0]
    return bool(factor.is_Number or isinstance(base, (sp.Symbol, sp.NumberSymbol)))


def _settings_key(settings: Mapping[str, Any]) -> Any:
    """A hashable image of a printer's settings (None where one cannot be made: nothing is remembered then)."""
    items = []
    for k, v in sorted(settings.items()):
        if isinstance(v, Mapping):  # (a family's member prints otherwise than the same LaTeX as a plain name)
            v = frozenset((n, (t, t.generic, t.formula, t.letter) if isinstance(t, FamilyName) else t)
                          for n, t in v.items())
        try:
            hash(v)
        except TypeError:
            return None
        items.append((k, v))
    return tuple(items)


#: The break between the rows of a piecewise result set in display style: room for the fractions to stand apart.
CASES_GAP = r" \\[2ex] "


def _keeps_display_level(expr: Any) -> bool:
    r"""Whether the parts of ``expr``, itself at the display's level, are there too: the terms of a sum and the
    factors of a product that prints no fraction (``\begin{cases} \dots \end{cases} + \frac{1}{2} \ln(2 \pi e)``);
    not a numerator, a root, an exponent or a function's argument."""
    if isinstance(expr, sp.Mul) and sum(isinstance(f, sp.Piecewise) for f in expr.args) == 1:
        return True  # (a factor the branches share, in front of the cases: :meth:`_Printer._cases_last`)
    return isinstance(expr, sp.Add) or (isinstance(expr, sp.Mul) and sp.fraction(expr, exact=True)[1] == 1)


class _Printer(LatexPrinter):
    r"""sympy's LaTeX printer as a physicist writes: ``\ln`` for the natural log, ``\det \Sigma`` for a determinant.

    A sum is written with its positive constant first and its negative constant last
    (``1 + \rho``, ``e^{x} - 1``, :func:`theorist_order`); the logarithm of a positive number
    or of a symbol without parentheses (``\ln 2``, ``\ln \tau_{n}``; with them where it is not
    the last factor of a product: ``\left(\ln a\right) b``), of anything else with them. A fraction times one
    function application with parentheses prints the fraction first: ``\frac{1}{2} \ln{\left(1 + x \right)}``,
    also beside a sum or with a tall argument: ``\frac{1}{2} \left(1 - 2 u\right) \ln{\left(\dots\right)}``. An
    integer every term of a sum in a denominator or a product shares goes in front (``\frac{1}{5 \left(1 -
    x\right)}``, :func:`_content_out`), and sums less a number are turned in pairs (``\frac{6 - 5 x}{10 \left(1 -
    x\right)}``, :func:`_numbers_first`); a sum standing alone is printed as it is (``2 x + 2 y``).
    """

    _default_settings = {**LatexPrinter._default_settings, "ln_notation": True, "solidus": True,
                         "fold_frac_powers": True,  # (D_y^{3/2}, as a hand writes a rational power)
                         "inv_trig_style": "full"}  # (\arcsin x, \operatorname{arcosh} x: not a programmer's acosh)

    def __init__(self, settings: Any = None) -> None:
        super().__init__(settings)
        key = _settings_key(self._settings)
        self._printed_key = None if key is None else (type(self), key)
        self._level = False  # whether the part printed now sits at the display's level (set by doprint)
        self._here = False  # the same, for the node whose printing method runs now
        # where the part printed now sets its fractions with a solidus: "" nowhere, "exponent" in an exponent (all),
        # "nested" in a fraction's numerator or denominator (those that read plainly so, :meth:`_solidus_fraction`)
        self._solidus = ""
        # the kind of the node whose printing method runs now, and of the node that asked for it (a fraction set with
        # a solidus only where nothing stands beside it: :meth:`_solidus_here`)
        self._kind: type | None = None
        self._caller: type | None = None
        self._bare_tail: set = set()  # the factors of the product printed now that only functions follow
        names = self._settings["symbol_names"] = dict(self._settings.get("symbol_names") or {})  # (the index added)
        self._running: sp.Symbol | None = None  # the variable a piecewise form runs along, in its branches
        self._summing = False  # whether the part printed now is the summand of a sum over a family
        self._families = _families(names)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        """sympy's dispatch, remembered for each sub-expression printed without keywords under the same settings:
        the presentation pass prints thousands of candidate forms that share most of their factors (not a part
        that holds a piecewise set in display style: it prints otherwise elsewhere)."""
        here, node = self._level, self._here
        kind, caller = self._kind, self._caller
        self._caller, self._kind = kind, type(expr) if isinstance(expr, sp.Basic) else None
        try:
            if here and isinstance(expr, sp.Basic) and expr.has(sp.Piecewise):  # (prints as its place asks)
                self._here, self._level = here, _keeps_display_level(expr)
                return super()._print(expr, **kwargs)
            self._here = self._level = False
            return self._remembered(expr, **kwargs)
        finally:
            self._level, self._here = here, node
            self._kind, self._caller = kind, caller

    def _reprint(self, expr: Any) -> str:
        """Print ``expr``, an equal rewriting of the node printed now, in that node's place (its caller's)."""
        kind, self._kind = self._kind, self._caller
        try:
            return self._print(expr)
        finally:
            self._kind = kind

    def _solidus_here(self) -> bool:
        r"""Whether a quotient printed now may take a solidus: set, and asked for by a sum (a term), a function (its
        argument) or a power (its base in brackets, a root): ``a / b`` beside another factor would read as ``a / (b
        \dots)``."""
        return bool(self._solidus) and self._caller is not None and issubclass(self._caller, (sp.Add, sp.Pow,
                                                                                                sp.Function))

    def _remembered(self, expr: Any, **kwargs: Any) -> str:
        if kwargs or self._printed_key is None or not isinstance(expr, sp.Basic) or expr.is_Number:
            return super()._print(expr, **kwargs)
        key = (self._printed_key, expr) if not self._solidus else (self._printed_key, self._solidus_here(), expr)
        try:
            return _PRINTED[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable part
            return super()._print(expr)
        tex = super()._print(expr)
        if len(_PRINTED) >= _PRINTED_MAX:
            _PRINTED.clear()
        _PRINTED[key] = tex
        return tex

    def doprint(self, expr: Any) -> str:
        r"""The LaTeX of ``expr``; a piecewise form at its top level prints each branch in display style.

        ``cases`` sets its branches in text style: fractions shrink to the size of an index. A piecewise result
        a page prints (a heat, an efficiency), or a term or a factor of it outside any fraction
        (:func:`_keeps_display_level`), is set as the display around it is (what mathtools' ``dcases`` does, here
        with amsmath alone), the rows apart by :data:`CASES_GAP`; one inside a fraction, a root or a function
        keeps text style, wherever else the same piecewise stands.
        """
        self._level = True
        try:
            return super().doprint(expr)
        finally:
            self._level = self._here = False

    def _print_Piecewise(self, expr: Any) -> str:
        running = _running_variable(expr)
        if running is None or running == self._running:
            return self._print_branches(expr)
        saved = self._printed_key, self._running
        self._running = running
        if saved[0] is not None:  # (what prints along a variable is remembered apart)
            self._printed_key = (*saved[0], "running", running)
        try:
            return self._print_branches(expr)
        finally:
            self._printed_key, self._running = saved

    def _print_branches(self, expr: Any) -> str:
        """The piecewise form's branches and conditions (display style at a display's level)."""
        display = self._here
        tex = super()._print_Piecewise(expr)
        if not display or r"\frac" not in tex:
            return tex
        rows = []
        for e, c in expr.args:
            value = self._print(e)
            lead = r"\displaystyle " if r"\frac" in value else ""
            when = r"\text{otherwise}" if c == sp.true else rf"\text{{for}}\: {self._print(c)}"
            rows.append(f"{lead}{value} & {when}")
        return r"\begin{cases} " + CASES_GAP.join(rows) + r" \end{cases}"

    def _family_sum(self, expr: Any) -> tuple[sp.Symbol, sp.Expr, sp.Expr] | None:
        """``(index, summand, rest)`` where the sum ``expr`` is ``rest`` (terms that hold no member) plus one summand
        over all members of a family of names (:class:`FamilyName`, at least :data:`FAMILY_SUM_MIN`), each term
        holding one member; the summand in the family's generic name. None for any other sum."""
        if not isinstance(expr, sp.Add):
            return None
        for generic, members in self._families:
            if len(expr.args) < len(members):
                continue
            wanted, parts, rest = set(members), {}, []
            for term in expr.args:
                held = term.free_symbols & wanted
                if len(held) > 1:
                    break
                if held:
                    member = held.pop()
                    parts.setdefault(member, []).append(term.xreplace({member: generic}))
                else:
                    rest.append(term)
            else:
                summands = {sp.Add(*terms) for terms in parts.values()}
                if len(parts) == len(members) and len(summands) == 1:
                    summand = summands.pop()
                    letter = self._settings["symbol_names"][generic].letter
                    if summand.has(sp.I) or any(x.name == letter for x in summand.free_symbols):
                        return None  # (the index letter would mean two things: i, or \sum_i Z_i i)
                    return generic, summand, sp.Add(*rest)
        return None

    def _print_family_sum(self, generic: sp.Symbol, summand: Any, rest: Any = sp.S.Zero,
                          before: Any = sp.S.One) -> str:
        r"""``rest + before \sum_{i} summand``: the terms outside the sum first (a sum reads to the end of the
        line), a sign and a number of the summand in front of the sum, a summed sum in brackets."""
        if rest != 0:
            tail = self._print_family_sum(generic, summand, before=before)
            if rest.could_extract_minus_sign() and not tail.startswith("- "):  # \sum_i Z_i - 3, not -3 + \sum_i Z_i
                return tail + " - " + self._print(-rest)
            return self._print(rest) + (" - " + tail[2:] if tail.startswith("- ") else " + " + tail)
        number, summand = summand.as_coeff_Mul()  # (a number every term holds goes in front: \frac{1}{2} \sum_i Z_i)
        coefficient, before = before.as_coeff_Mul()  # (``before`` is a product of powers: no sum to spread it over)
        number *= coefficient
        sign = "- " if number < 0 else ""
        letter = self._settings["symbol_names"][generic].letter
        saved = self._printed_key, self._summing
        self._summing = True  # (no sum over a family inside the summand: two indices would read as one)
        if saved[0] is not None:
            self._printed_key = (*saved[0], "summing")
        try:
            tex = self._print(summand)
        finally:
            self._printed_key, self._summing = saved
        if isinstance(summand, sp.Add):
            tex = rf"\left({tex}\right)"
        front = self._print(abs(number) * before) + " " if abs(number) * before != 1 else ""
        return rf"{sign}{front}\sum_{{{letter}}} {tex}"

    def _print_Add(self, expr: Any, order: Any = None) -> str:
        if (order or self.order) in ("none", "old"):
            return super()._print_Add(expr, order)
        family = None if self._summing else self._family_sum(expr)
        if family is not None:  # \sum_i Z_i, not Z_{w_1} + Z_{w_2} + \dots + Z_{s_3}
            return self._print_family_sum(*family)
        terms = self._as_ordered_terms(expr, order=order)
        if not getattr(expr, "keep_order", False):  # (a sum that orders its terms itself: names of results first)
            terms = theorist_order(terms, positive_first=getattr(expr, "positive_first", False),
                                   running=self._running or next((x for x in expr.free_symbols if _is_time(x)),
                                                                 None))
        if self._families and not self._summing:  # a term summed over a family last: the sum reads to the end
            summed = [t for t in terms if any(isinstance(f, sp.Add) and self._family_sum(f) is not None
                                              for f in sp.Mul.make_args(t))]
            others = [t for t in terms if t not in summed]
            if summed and others:  # (unless that leads with a minus where the sum could lead: k \sum_i Z_i - m)
                lead_minus = others[0].could_extract_minus_sign() and not summed[0].could_extract_minus_sign()
                terms = summed + others if lead_minus else others + summed
        tex = ""
        for i, term in enumerate(terms):  # sympy's loop, over the terms in this order
            if i > 0 and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            elif i > 0:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            elif i > 0 and term_tex.startswith("-"):  # a held product that prints its own minus: a - b, not a + - b
                tex, term_tex = tex[:-3] + (" + " if tex.endswith(" - ") else " - "), term_tex[1:].lstrip()
            tex += term_tex
        return tex

    def _bare_argument(self, expr: Any) -> str | None:
        r"""The LaTeX of the argument of ``expr`` when it is a function printed without parentheses (a log, a
        trigonometric or hyperbolic function of one token: ``\ln 2``, ``\cos k_{1}``, ``\sinh \kappa``), else None."""
        if isinstance(expr, sp.UnevaluatedExpr):
            expr = expr.args[0]
        if isinstance(expr, sp.log):
            if not self._settings["ln_notation"]:
                return None
        elif not isinstance(expr, _BARE_FUNCTIONS):
            return None
        arg = expr.args[0]
        if not (isinstance(arg, (sp.Symbol, sp.NumberSymbol)) or (arg.is_Integer and arg > 0)
                or (arg.is_Float and arg > 0)):
            return None
        tex = self._print(arg)
        return tex if _BARE_ARGUMENT.match(tex) else None

    def _print_Function(self, expr: Any, exp: str | None = None) -> str:
        if exp is not None and not exp.isdigit() and isinstance(expr, _BARE_FUNCTIONS):
            return rf"\left({self._print_Function(expr)}\right)^{{{exp}}}"  # (\sin^{-1} x reads as the arcsine)
        arg = self._bare_argument(expr) if isinstance(expr, _BARE_FUNCTIONS) else None
        if arg is None:
            return super()._print_Function(expr, exp)
        name = "\\" + type(expr).__name__  # \cos^{2} k_{1}, as a hand writes a power of a function
        return f"{name}^{{{exp}}} {arg}" if exp is not None else f"{name} {arg}"

    def _print_log(self, expr: Any, exp: str | None = None) -> str:
        r"""``\ln 2``, ``\ln{\left(1 + x \right)}``; a power as of any function, ``\ln^{2}{\left(\frac{w_2}{w_1}
        \right)}`` (sympy's ``\ln{\left(\frac{w_2}{w_1} \right)}^{2}`` reads as the log of a square)."""
        arg = self._bare_argument(expr)
        if exp is not None and not exp.isdigit():  # (\ln^{-1} x would read as an inverse function)
            tex = self._print_log(expr)
            return rf"\left({tex}\right)^{{{exp}}}"
        if arg is None:
            arg = self._fraction_argument(expr)
        if arg is None:
            tex = super()._print_log(expr)
            name = r"\ln" if tex.startswith(r"\ln") else r"\log"
            return tex if exp is None else rf"{name}^{{{exp}}}" + tex.removeprefix(name)
        return rf"\ln^{{{exp}}} {arg}" if exp is not None else rf"\ln {arg}"

    def _fraction_argument(self, expr: Any) -> str | None:
        r"""The LaTeX of the argument of a logarithm that prints as one stacked fraction, as a hand writes a log of a
        quotient without parentheses (``\ln \frac{w_2}{w_1}``); None for any other argument, and with a solidus
        (``\ln(a / b)``: ``\ln a / b`` would read as a quotient). A product that such a log does not end keeps it in
        brackets (:meth:`_needs_mul_brackets`: ``\ln \frac{a}{b} c`` would read as the log of the product); so does a
        log inside a fraction (``\frac{\ln(\frac{a + b}{c + d})}{x}``: a fraction stacked in a numerator). Without
        the setting ``solidus`` (what the presentation pass measures: :func:`~thermotheory.core.presentation.reading`)
        the parentheses stay, as sympy sets them: the form a page prints is chosen as before, and printed without
        them."""
        if not (isinstance(expr, sp.log) and self._settings["ln_notation"] and self._settings["solidus"]) or \
                self._solidus:  # (in a fraction's numerator or denominator, or an exponent: a fraction in a fraction)
            return None
        tex = self._print(expr.args[0])
        return tex if _one_fraction(tex) else None

    def _print_ExpBase(self, expr: Any, exp: str | None = None) -> str:
        r"""``e^{-2 \gamma t / m}``: a fraction in an exponent with a solidus, as journals set it (``e^{- \frac{2
        \gamma t}{m}}`` set the fraction in script size and raised the line it stands in). Setting ``solidus``:
        False stacks it as sympy does (what the presentation pass measures, :func:`~thermotheory.core.presentation.
        reading`)."""
        if not self._settings["solidus"]:
            return super()._print_ExpBase(expr, exp)
        with self._with_solidus("exponent"):
            tex = rf"e^{{{self._print(expr.args[0])}}}"
        return self._do_exponent(tex, exp)

    @contextmanager
    def _with_solidus(self, where: str) -> Iterator[None]:
        r"""Print the fractions met inside with a solidus (with the setting ``solidus``; ``where`` is "" for no
        change): in an exponent (``"exponent"``), and in a fraction's numerator and denominator (``"nested"``), where
        a stacked fraction sets its own in script size: ``\frac{a}{1 + \sqrt{1 + b / c}}``, as journals set a
        fraction within a fraction. An exponent's rule holds inside it."""
        if not (where and self._settings["solidus"]) or self._solidus in (where, "exponent"):
            yield
            return
        saved = self._printed_key, self._solidus
        self._solidus = where
        if saved[0] is not None:  # (what prints with a solidus is remembered apart)
            self._printed_key = (*saved[0], "solidus", where)
        try:
            yield
        finally:
            self._printed_key, self._solidus = saved

    def _solidus_fraction(self, expr: Any) -> str | None:
        r"""In an exponent, a quotient as ``a / b``: a sum above in brackets, a product or a sum below in brackets
        (``t / (2 \tau)``, not ``t / 2 \tau``); None where ``expr`` has no denominator. Within a fraction
        (``"nested"``) only where it reads plainly, with no sum below (``g^2 \sigma_v^2 \tau_v / (\sigma_n^2
        \tau_n)``, ``(1 + e^{-x}) / 2``; ``(a + b) / (c + d)`` is stacked)."""
        if expr.could_extract_minus_sign():
            inner = self._solidus_fraction(-expr)
            if inner is None:
                return None
            return inner[2:] if inner.startswith("- ") else "- " + inner  # (two signs cancel: never "- - ")
        if expr.has(sp.log, sp.Piecewise, sp.Sum, sp.Integral, sp.Product, sp.Determinant, sp.Derivative, sp.Limit,
                    *_BARE_FUNCTIONS):
            return None  # (t \ln 2 / \tau would read as t \ln(2/\tau): stacked, as sympy sets it)
        expr = _content_out(expr) or expr  # z^2 / (2 (1 + a)), not z^2 / (2 + 2 a)
        above, below, sign = [], [], ""
        for f in sp.Mul.make_args(expr):
            base, power = f.as_base_exp()
            if f.is_Rational:
                above += [sp.Integer(f.p)] if f.p != 1 else []
                below += [sp.Integer(f.q)] if f.q != 1 else []
            elif power.is_negative and not isinstance(f, sp.exp):  # (e^{-u} stays above: k e^{-t/\tau})
                below.append(base if power == -1 else sp.Pow(base, -power))
            elif isinstance(f, sp.Add) and 2 * sum(t.could_extract_minus_sign() for t in f.args) > len(f.args):
                above.append(-f)  # - (x + y) / t, not (- x - y) / t
                sign = "" if sign else "- "
            else:
                above.append(f)
        if not below:
            return None
        if self._solidus == "nested" and (sign or any(f.as_base_exp()[0].is_Add for f in below)):
            return None
        # (unevaluated: 2 (\tau_r - t) stays a product, as the form has it)
        num, den = (sp.Mul(*fs, evaluate=False) if len(fs) > 1 else fs[0] if fs else sp.Integer(1)
                    for fs in (above, below))
        top, bottom = self._print(num), self._print(den)
        if isinstance(num, sp.Add):
            top = rf"\left({top}\right)"
        held_quotient = (den.is_Pow and den.exp.is_negative) or (den.is_Rational and not den.is_Integer)
        if isinstance(den, (sp.Add, sp.Mul)) or held_quotient or bottom.startswith("-"):  # (a held 1/2 below)
            bottom = rf"\left({bottom}\right)"
        return f"{sign}{top} / {bottom}"

    def _print_Mul(self, expr: Any) -> str:
        joined = _roots_joined(expr)  # 1/\sqrt{2 \pi}, not \sqrt{2}/(2 \sqrt{\pi}) (stacked or with a solidus)
        if joined is not None:
            return self._reprint(joined)
        if self._solidus_here():
            folded = self._solidus_fraction(expr)
            if folded is not None:
                return folded
        cases = self._cases_last(expr)  # \frac{a}{b} \begin{cases} \dots \end{cases}: the factors, then the cases
        if cases is not None:
            return cases
        # \frac{1}{Z} \sum_i Z_i \ln(Z / Z_i): the sum last, what it multiplies first
        summed = self._factor_summed(expr)
        if summed is not None:
            return summed
        # an integer every term of a factor's sum shares, in front: 1/(5 (1 - x)), not 1/(5 - 5 x)
        content = _content_out(expr)
        if content is not None:
            return self._reprint(content)
        turned = _numbers_first(expr)  # (5 x - 6)/(10 (x - 1)) as (6 - 5 x)/(10 (1 - x))
        if turned is not None:
            return self._reprint(turned)
        # a fraction times a product with a function application, as a hand writes it: \frac{1}{2} \ln(...),
        # \frac{1}{2} (1 - 2 u) \ln(...)
        if isinstance(expr, sp.Mul) and len(expr.args) >= 2:
            c, rest = expr.args[0], expr.args[1:]
            if c.is_Rational and c.q != 1 and self._fraction_first(rest):
                level, self._level = self._level, self._here  # (the fraction in front: the rest stands where it is)
                try:
                    body = self._print(sp.Mul(*rest))
                finally:
                    self._level = level
                tex = rf"\frac{{{abs(c.p)}}}{{{c.q}}} {body}"
                return "- " + tex if c < 0 else tex
        entries_last = self._entries_last(expr)
        if entries_last is not None:
            return entries_last
        time_last = self._time_last(expr)
        if time_last is not None:
            return time_last
        reciprocal = self._reciprocal_after(expr)
        if reciprocal is not None:
            return reciprocal
        pi_e = self._pi_before_e(expr)
        if pi_e is not None:
            return pi_e
        # bare functions that only bare functions follow stand side by side: \sinh \kappa \sinh{\left(\dots\right)}
        # (a log keeps its brackets there: \left(\ln a\right) \ln b)
        tail, self._bare_tail = self._bare_tail, set()
        parts = sp.fraction(expr, exact=True) if expr.has(*_BARE_FUNCTIONS) else ()
        for part in parts:  # (numerator and denominator, each printed as a product)
            for f in reversed(part.as_ordered_factors()):
                if not isinstance(f.as_base_exp()[0], _BARE_FUNCTIONS):
                    break
                self._bare_tail.add(f)
        try:
            plain = _plain_decays(expr, self._settings["symbol_names"])
            with self._with_solidus("nested" if sp.fraction(plain, exact=True)[1] != 1 else ""):  # (a fraction's parts)
                tex = super()._print_Mul(plain)
            # a sign put in front of a held product whose first factor prints its own: two signs cancel
            return tex[4:] if tex.startswith("- - ") else tex
        finally:
            self._bare_tail = tail

    def _reads_on(self, factor: Any) -> bool:
        r"""Whether ``factor``, or the base of a power of it, is a function printed without brackets round its
        argument (``\ln a``, ``\ln^{2} a``, ``\ln \frac{a}{b}``, ``\cos k``): what follows it in a product would read
        as part of its argument."""
        base = factor.as_base_exp()[0]
        return self._bare_argument(base) is not None or self._fraction_argument(base) is not None

    def _cases_last(self, expr: Any) -> str | None:
        r"""A product of one piecewise form and factors that hold none, printed as an author writes a factor the
        branches share: the factors (a fraction standing on its own), then the cases, which their brace delimits:
        ``\frac{\lambda^{2} s_{\mu}^{2}}{2 \sigma_{w}^{2}} \begin{cases} \dots \end{cases}`` (the cases in brackets
        inside the fraction's numerator before); None for any other product."""
        if not isinstance(expr, sp.Mul) or not self._here:  # (at the display's level only: not in an exponent or
            return None  # a function's argument, where nothing closes the cases on the right)
        pieces = [f for f in expr.args if isinstance(f, sp.Piecewise)]
        if len(pieces) != 1:
            return None
        rest = sp.Mul(*[f for f in expr.args if f is not pieces[0]])
        if rest.has(sp.Piecewise) or any(self._reads_on(f) for f in sp.Mul.make_args(rest)):
            return None  # (\ln a \begin{cases} would read as the log of the cases)
        level, self._level = self._level, False  # (the factors in text: only the cases stand at the display's level)
        try:
            head = "- " if rest == -1 else "" if rest == 1 else self._print(rest)
        finally:
            self._level = level
        if isinstance(rest, sp.Add):
            head = rf"\left({head}\right)"
        cases = self._print(pieces[0])
        return f"{head} {cases}" if head and not head.endswith(" ") else f"{head}{cases}"

    def _factor_summed(self, expr: Any) -> str | None:
        r"""A product of a sum over a family (:meth:`_family_sum`) and factors that hold none of its members,
        printed as an author writes it, the factors before the sum: ``\frac{1}{Z} \sum_{i} Z_{i} \ln(Z / Z_i)``
        (a sum in front of a factor would seem to sum it too); None for any other product."""
        if not self._families or self._summing or not isinstance(expr, sp.Mul):
            return None
        sums = [(f, self._family_sum(f)) for f in expr.args if isinstance(f, sp.Add)]
        sums = [(f, found) for f, found in sums if found is not None]
        if len(sums) != 1:
            return None
        factor, (generic, summand, rest_terms) = sums[0]
        if rest_terms != 0:  # (a sum beside other terms times factors: printed as sympy prints a product)
            return None
        rest = sp.Mul(*[f for f in expr.args if f is not factor])
        members = next(m for g, m in self._families if g == generic)
        if rest.free_symbols & set(members) or not all(_plain_factor(f) for f in sp.Mul.make_args(rest)):
            return None  # (a sum or a function in front would need brackets: printed as any product, the sum bracketed)
        return self._print_family_sum(generic, summand, before=rest)

    def _pi_before_e(self, expr: Any) -> str | None:
        r"""A product holding :math:`\pi` and :math:`e` written as a hand writes a Gaussian's entropy, ``2 \pi e
        \sigma^{2}`` (sympy sorts ``e`` first): numbers, then :math:`\pi e`, then the rest, over its denominator;
        None for any other product."""
        if not (isinstance(expr, sp.Mul) and sp.pi in expr.args and sp.E in expr.args):
            return None
        if expr.could_extract_minus_sign():
            return "- " + self._reprint(-expr)
        num, den = sp.fraction(expr, exact=True)
        if sp.E not in sp.Mul.make_args(num) or sp.pi not in sp.Mul.make_args(num):
            return None
        others = [f for f in num.as_ordered_factors() if f not in (sp.pi, sp.E)]
        numbers = [f for f in others if f.is_number]
        with self._with_solidus("nested" if den != 1 else ""):
            top = self._factors_tex(numbers + [sp.pi, sp.E] + [f for f in others if not f.is_number])
            return top if den == 1 else rf"\frac{{{top}}}{{{self._print(den)}}}"

    def _factors_tex(self, factors: list) -> str:
        """Factors side by side, each in brackets where a product needs them (a sum, a piecewise)."""
        out = ""
        for i, f in enumerate(factors):
            tex = self._print(f)
            if self._needs_mul_brackets(f, first=i == 0, last=i == len(factors) - 1):
                tex = rf"\left({tex}\right)"
            # two numbers side by side read as one (2 3^{x}): a dot between them, as sympy writes
            out += ("" if not out else r" \cdot " if out[-1].isdigit() and tex[:1].isdigit() else " ") + tex
        return out

    def _entries_last(self, expr: Any) -> str | None:
        r"""A product whose numerator holds an entry of a named matrix (:func:`_entry`, a covariance entry
        :math:`\Sigma_{x w}`) beside other symbols, printed with the entries last, as an author writes a coefficient
        before the quantity it multiplies: ``2 \kappa \Sigma_{x w}``, ``g^{2} \Sigma_{v v}`` (sympy sorts by name,
        ``\Sigma_{x w} \kappa``), determinants after the entries; None for any other product."""
        names = self._settings["symbol_names"]

        def quantity(sym: Any) -> bool:  # (an earlier result's label too: 2 T \langle W \rangle(t))
            return _entry(sym) or isinstance(names.get(sym), ResultName)

        if not isinstance(expr, sp.Mul) or not any(quantity(s) for s in expr.free_symbols):
            return None
        led = [f for f in expr.args if isinstance(names.get(f), ResultName) and names[f][:1].isdigit()]
        if led:  # (a label led by a number after its factor, apart: \frac{\sigma_n^4}{g^2}\, 2 D[Q_x])
            rest, sign = sp.factor_terms(expr / led[0]), ""
            if rest.could_extract_minus_sign():
                rest, sign = -rest, "- "
            if rest == 1:
                return sign + names[led[0]]
            head = self._print(rest)
            if isinstance(rest, sp.Add) or self._needs_mul_brackets(rest, first=True, last=False):
                head = rf"\left({head}\right)"  # ((T + \gamma)\, 2 D[Q]: not T + \gamma times it)
            return rf"{sign}{head}\, {names[led[0]]}" if not head[-1:].isdigit() else None

        def arranged(factors: list, den: Any) -> list | None:
            entries = [f for f in factors if quantity(f.as_base_exp()[0])]
            determinants = [f for f in factors if isinstance(f.as_base_exp()[0], sp.Determinant)]
            others = [f for f in factors if f not in entries and f not in determinants]
            if not entries or not any(f.free_symbols for f in others) or any(quantity(s) for s in den.free_symbols):
                return None
            return others + entries + determinants

        return self._reordered(expr, arranged)

    def _time_last(self, expr: Any) -> str | None:
        r"""A product of a sum and the time :math:`t` printed with the time after the sum, as a rate times a time is
        written: ``e^{- \left(\alpha + \beta\right) t}`` (sympy sorts the symbol first: ``t \left(\alpha +
        \beta\right)``), ``\left(\alpha + \beta\right) t e^{- \gamma t}``; None for any other product (``2 \gamma
        t`` prints so already)."""
        if not isinstance(expr, sp.Mul) or not any(_is_time(f) for f in expr.args) or not any(
                isinstance(f, sp.Add) for f in expr.args):  # (cheap first: sympy's fraction asks of exponents)
            return None

        def arranged(factors: list, den: Any) -> list | None:
            times = [f for f in factors if _is_time(f)]
            if not times or not any(isinstance(f, sp.Add) for f in factors):
                return None
            others = [f for f in factors if not _is_time(f)]
            after = max(i for i, f in enumerate(others) if isinstance(f, sp.Add)) + 1  # (right after the sum)
            return others[:after] + times + others[after:]

        return self._reordered(expr, arranged)

    def _reordered(self, expr: Any, arranged: Callable[[list, Any], list | None]) -> str | None:
        """A product printed with its numerator's factors in the order ``arranged(factors, denominator)`` gives, over
        its denominator (None where that declines); a minus sign the product can give goes in front first."""
        if expr.could_extract_minus_sign():
            positive = -expr
            inner = self._reordered(positive, arranged) if isinstance(positive, sp.Mul) else None
            return None if inner is None else "- " + inner
        num, den = sp.fraction(expr, exact=True)
        order = arranged(num.as_ordered_factors() if isinstance(num, sp.Mul) else [num], den)
        if order is None:
            return None
        with self._with_solidus("nested" if den != 1 else ""):
            top = self._factors_tex(order)
            return top if den == 1 else rf"\frac{{{top}}}{{{self._print(den)}}}"

    def _reciprocal_after(self, expr: Any) -> str | None:
        r"""A product with the reciprocal of a sum that holds a fraction (:func:`_holds_fraction`), printed as the
        rest of the product and then the reciprocal as a power: ``\frac{a}{b} \left(c + \frac{r}{s}\right)^{-1}``
        (in the denominator, the inner fraction would shrink to text size); None for any other product."""
        if not isinstance(expr, sp.Mul):
            return None
        powers = [f for f in expr.args if isinstance(f, sp.Pow) and f.exp == -1 and _holds_fraction(f.base)]
        if not powers:
            return None
        rest = sp.Mul(*[f for f in expr.args if f not in powers])
        if any(self._reads_on(f) for f in sp.Mul.make_args(rest)):
            return None  # (\ln a \left(\dots\right)^{-1} would read as the log of the product)
        tail = " ".join(self._print(f) for f in powers)
        if rest == 1:
            return tail
        if rest == -1:
            return "- " + tail
        head = self._print(rest)
        # a sum, a piecewise, a sum over an index (whose symbols the power after it would fall under) in brackets
        bracket = isinstance(rest, sp.Add) or self._needs_mul_brackets(rest, first=True, last=False)
        return rf"\left({head}\right) {tail}" if bracket else f"{head} {tail}"

    def _fraction_first(self, factors: Sequence[Any]) -> bool:
        r"""Whether a fraction times ``factors`` is printed with the fraction in front.

        One function application with parentheses alone (``\frac{1}{2} \ln(1 + x)``); or one beside other
        factors, none of them in a denominator, where the product is tall or bracketed: the function's argument
        holds a fraction, or another factor is a sum (``\frac{1}{2} (1 - 2 u) \ln(\dots)``). ``\frac{x \ln(1 +
        x)}{2}`` stays one fraction; an exponential or a bare log (``\ln 2``) is no such function.
        """
        funcs = [f for f in factors if isinstance(f, sp.Function) and not isinstance(f, (sp.exp, AppliedUndef))
                 and self._bare_argument(f) is None]
        if len(funcs) != 1:
            return False
        if len(factors) == 1:
            return True
        others = [f for f in factors if f is not funcs[0]]
        if any(f.is_number or (f.is_Pow and not (f.exp.is_Integer and f.exp > 0)) for f in others):
            return False  # a number, a denominator or a root of its own
        tall = any(isinstance(a, sp.Pow) and a.exp.is_negative for a in sp.preorder_traversal(funcs[0].args[0]))
        return tall or any(isinstance(f.as_base_exp()[0], sp.Add) for f in others)

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        base = expr.base if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0 else expr
        if not last and self._bare_argument(base) is not None and expr not in self._bare_tail:
            return True  # \ln a b would read as \ln(a b), \ln^{2} a b too; \sin a \cos b reads as it is
        if not last and self._fraction_argument(base) is not None:
            return True  # (\ln \frac{a}{b} c would read as \ln(a c / b))
        if not first and isinstance(expr, sp.Mul) and self._print(expr).startswith("-"):
            # a product among the factors of a held one, printing a minus in front of itself (its sign need not be
            # its value's: Mul(Mul(-1, a), Mul(-3, b)) prints - a (- 3 b)): 2 (- a (- 3 b)), not 2 - a (- 3 b)
            return True
        return super()._needs_mul_brackets(expr, first=first, last=last)

    def _print_Abs(self, expr: Any, exp: str | None = None) -> str:
        # |r| as a hand writes it (sympy's \left|{r}\right| reads like a determinant's bars); tall content gets
        # growing bars
        inner = self._print(expr.args[0])
        bare = re.fullmatch(_TOKEN, inner) and r"\frac" not in inner
        tex = f"|{inner}|" if bare else rf"\left\lvert {inner} \right\rvert"
        return rf"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Determinant(self, expr: Any, exp: str | None = None) -> str:
        arg = expr.arg
        inner = self._print(arg)
        if not isinstance(arg, (sp.MatrixSymbol, sp.MatrixBase)):  # a product or sum of matrices
            inner = rf"\left({inner}\right)"
        tex = rf"\det {inner}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp is not None else tex

    def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
        # a difference of a Greek quantity, named "Delta_mu" or "Delta_mu_ATP": one symbol, \Delta\mu_{\mathrm{ATP}}
        if expr in self._settings["symbol_names"]:
            return super()._print_Symbol(expr, style)
        match = _DIFFERENCE.match(expr.name)
        if match is None:
            word = _word_subscript(expr.name)
            if word is not None:  # a subscript that is a word is a label, set upright: k_{\mathrm{on}}
                return rf"{super()._print_Symbol(sp.Symbol(word[0]), style)}_{{\mathrm{{{word[1]}}}}}"
            return super()._print_Symbol(expr, style)
        greek, sub = match.groups()
        tex = rf"\Delta\{greek}"
        if sub:
            tex += "_{" + (rf"\mathrm{{{sub}}}" if len(sub) > 1 and sub.isalpha() else super()._print_Symbol(
                sp.Symbol(sub))) + "}"
        return tex

    def _print_Derivative(self, expr: Any) -> str:
        # a protocol's rate of change in its one time: sigma'(s), not a fraction d/ds sigma(s) (nested in quotients)
        f = expr.expr
        if isinstance(f, AppliedUndef) and len(f.args) == 1 and len(expr.variable_count) == 1:
            var, n = expr.variable_count[0]
            if var == f.args[0] and n in (1, 2, 3):
                tex, name = self._print(f), self._print(sp.Symbol(f.func.__name__))
                if tex.startswith(name):
                    return name + "'" * int(n) + tex[len(name):]
        return super()._print_Derivative(expr)

    def _print_Pow(self, expr: Any) -> str:
        if expr.exp.is_Rational and expr.exp.is_negative and sp.fraction(expr, exact=True)[1] == 1:
            # a held (-1)^{-2}, (c/c)^{-2}: as it is (sympy prints a negative rational power as the fraction it makes,
            # here this power again, for ever)
            return rf"\left({self._print(expr.base)}\right)^{{{self._print(expr.exp)}}}"
        if expr.exp.is_negative and self._solidus_here():  # 1/\tau in an exponent
            folded = self._solidus_fraction(expr)
            if folded is not None:
                return folded
        if isinstance(expr.base, sp.Determinant) and expr.exp.is_Integer and expr.exp > 0:
            return self._print_Determinant(expr.base, self._print(expr.exp))
        if expr.exp == -1 and _holds_fraction(expr.base):  # (1 + \frac{a}{b})^{-1}: the fraction at full size
            return rf"\left({self._print(expr.base)}\right)^{{-1}}"
        if expr.exp.is_Integer and expr.exp > 0:  # (2 + 2 x)^2 as 4 (1 + x)^2
            content = _content_out(expr)
            if content is not None:
                return self._reprint(content)
        return super()._print_Pow(expr)


def _roots_joined(expr: Any) -> Any:
    r"""``expr`` with its number written as a hand writes a Gaussian's normalisation, one root of an integer times
    :math:`\pi`: ``\frac{1}{\sqrt{2 \pi}}`` (sympy: ``\frac{\sqrt{2}}{2 \sqrt{\pi}}``), ``2 \sqrt{2 \pi}``; the root a
    positive symbol of that name, to be printed. None where the product has no root of an integer beside one of
    :math:`\pi`, or its number is not an integer or the reciprocal of one times that root.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> _roots_joined(sp.sqrt(2) * x / (2 * sp.sqrt(sp.pi))), _roots_joined(- sp.sqrt(8 * sp.pi) * x)
    (x/\sqrt{2 \pi}, -2*\sqrt{2 \pi}*x)
    >>> [_roots_joined(e) for e in (sp.sqrt(2) * x / 2, sp.sqrt(sp.pi) * x, 3 * sp.sqrt(6) * x / sp.sqrt(sp.pi))]
    [None, None, None]
    """
    if not isinstance(expr, sp.Mul):
        return None
    numbers = [f for f in expr.args if f.is_number]
    if any(f.has(sp.Float) for f in numbers):
        return None  # (a float stays as it was given)
    roots = [f for f in numbers if f.is_Pow and f.base.is_Integer and f.exp in (sp.S.Half, -sp.S.Half)]
    pis = [f for f in numbers if f.is_Pow and f.base is sp.pi and f.exp in (sp.S.Half, -sp.S.Half)]
    if not roots or len(pis) != 1:
        return None
    k = sp.Mul(*numbers)
    n = 1 if pis[0].exp > 0 else -1
    r = sp.nsimplify(k ** 2 / sp.pi ** n)  # k^2 = r \pi^n
    if not r.is_Rational or r <= 0:
        return None
    s = r if n > 0 else 1 / r  # k = c (q \pi)^{n/2}, q the square-free part of s
    q = sp.Integer(1)
    for p, e in sp.factorint(s.p * s.q).items():
        q *= p ** (e % 2)
    c = sp.nsimplify(k / sp.sqrt(q * sp.pi) ** n)
    if q == 1 or not c.is_Rational or not (abs(c.q) == 1 if n > 0 else abs(c.p) == 1):
        return None  # (18 x / \sqrt{6 \pi} is no hand's form of 3 \sqrt{6} x / \sqrt{\pi})
    root = sp.Symbol(rf"\sqrt{{{q} \pi}}", positive=True)
    return c * root ** n * sp.Mul(*[f for f in expr.args if not f.is_number])


def _entry(sym: Any) -> bool:
    """Whether ``sym`` is the symbol of an entry of a named matrix (``Sigma[x,w]``: :class:`CovarianceNames`)."""
    return isinstance(sym, sp.Symbol) and "[" in sym.name


def _holds_fraction(base: Any) -> bool:
    r"""Whether ``base`` is a sum with a term that prints a fraction over a long denominator (a sum, a function):
    its reciprocal prints as ``\left(1 + \frac{a}{b + c}\right)^{-1}``, as an author writes an efficiency
    ``(1 + Q/I)^{-1}``; as ``\frac{1}{1 + \frac{a}{b + c}}`` the inner fraction would shrink to text size, and a
    fraction inside it (a log's argument) to an index's. A fraction over a product of symbols is one an author
    clears (``\frac{A}{a^4 (m^2 + \frac{B}{a^2})}``, the lattice's integrand, is ``\frac{A}{a^2 (a^2 m^2 + B)}``):
    it prints as before.

    Examples
    --------
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> _holds_fraction(1 + a / (b + c)), _holds_fraction(1 + a / sp.log(b)), _holds_fraction(1 + a * b)
    (True, True, False)
    >>> _holds_fraction(1 + a / b), _holds_fraction(1 + sp.log(a / (b + c))), _holds_fraction(1 + a / 2)
    (False, False, False)
    >>> _holds_fraction(1 + sp.sqrt(1 + a / (b + c))), _holds_fraction(1 + (1 + a / (b + c)) ** 2)
    (False, True)
    """
    return isinstance(base, sp.Add) and any(_prints_fraction(t) for t in base.args)


def _prints_fraction(e: Any) -> bool:
    r"""Whether ``e`` prints a fraction over a sum or a function outside any function's argument, root and exponent
    (``a (1 + \frac{1}{b + c})``; not ``\frac{x}{2}`` or ``\frac{x}{b}``, nor ``\sqrt{1 + \frac{a}{b + c}}``: a
    root's argument reads as its own)."""
    if isinstance(e, sp.Pow):
        if e.exp.is_negative:
            return not isinstance(e.base, sp.Symbol) and bool(e.base.free_symbols)
        return bool(e.exp.is_Integer) and _prints_fraction(e.base)
    if isinstance(e, (sp.Add, sp.Mul)):
        return any(_prints_fraction(f) for f in e.args)
    return False


def _plain_decays(expr: Any, named: Any = ()) -> Any:
    r"""``expr`` with the symbols of each symbolic exponent replaced by dummies of their names, without assumptions.

    sympy's product printer asks, for every factor with a negative exponent that is not a number
    (``e^{-k t / \gamma}``, ``x^{-a}``), whether that exponent is constant, which simplifies it:
    about half the printing time of a transient form. An exponent of symbols without assumptions
    has no sign, so its factor goes to the numerator at once, where sympy puts it in the end (an
    exponent with free symbols is not constant), as it does any other symbolic exponent. The
    dummies keep the names, so the factors sort and print as before (and, unlike plain symbols
    of the same names, never meet a symbol made elsewhere). Only exponents made of symbols and
    rational numbers are handed over: a function application (whose printing may depend on
    assumptions: ``\ln x``), a constant such as ``\pi`` or ``i`` (which sorts differently beside
    a dummy), a dummy or a symbol given its own LaTeX name (``named``) leaves the exponent as it
    is. Printing only.
    """
    if not isinstance(expr, sp.Mul):
        return expr
    args, changed = [], False
    for f in expr.args:
        if f.is_Pow or isinstance(f, sp.exp):
            base, e = f.as_base_exp()
            if (not e.is_Number and e.free_symbols and not e.atoms(sp.Function)
                    and all((type(a) is sp.Symbol and a not in named) or a.is_Rational for a in e.atoms())):
                plain = e.xreplace({s: sp.Dummy(s.name) for s in e.free_symbols})
                f = sp.exp(plain, evaluate=False) if isinstance(f, sp.exp) else sp.Pow(base, plain, evaluate=False)
                changed = True
        args.append(f)
    return sp.Mul(*args, evaluate=False) if changed else expr


def _content_out(expr: Any) -> Any:
    r"""A product (or a power) with the integer content of each sum factor (to an integer power) moved into its
    coefficient, or None where no factor has one: ``1/(5 - 5 x)`` as ``(1/5) (1 - x)^{-1}``, printed
    ``\frac{1}{5 \left(1 - x\right)}``. Printing only; a product that would multiply out again (a number times one
    sum) is left as it is."""
    if not isinstance(expr, (sp.Mul, sp.Pow)):
        return None
    coeff, out, changed = sp.Integer(1), [], False
    for f in sp.Mul.make_args(expr):
        base, k = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
        if isinstance(base, sp.Add) and k.is_Integer and k != 0 and not all(t.is_zero for t in base.args):
            # (a held sum of zeros has no content: sympy's primitive divides by it)
            g = base.primitive()[0]  # the content of its coefficients: 5 for 5 - 5 x, 1/2 for x/2 + y/2
            if g.is_Integer and g > 1:
                coeff *= sp.Integer(g) ** k
                out.append(sp.Pow(base.func(*[t / g for t in base.args], evaluate=False), k, evaluate=k == 1))
                changed = True
                continue
        out.append(f)
    if not changed:
        return None
    rebuilt = sp.Mul(coeff, *out)
    return rebuilt if isinstance(rebuilt, sp.Mul) else None


def _constant_last(s: Any) -> bool:
    """Whether the sum ``s`` is printed as terms less a number (``5 x - 6``, ``x - 1``): one negative number, every
    other term without a minus sign."""
    if not isinstance(s, sp.Add):
        return False
    numbers = [t for t in s.args if t.is_Number]
    return (len(numbers) == 1 and numbers[0].is_negative
            and not any(t.could_extract_minus_sign() for t in s.args if t is not numbers[0]))


def _turned(f: Any) -> Any:
    """``-f`` written with its numbers first (``6 - 5 x`` for ``5 x - 6``), for a factor that is such a sum to an odd
    power, or a sum whose every term has one such factor; None for any other factor."""
    base, k = (f.base, f.exp) if f.is_Pow else (f, sp.Integer(1))
    if not (isinstance(base, sp.Add) and k.is_Integer and k.is_odd) or base.is_number:
        return None  # a number (sqrt(5) - 3) stays a number, printed as it is
    if _constant_last(base):
        return sp.Pow(sp.Add(*[-t for t in base.args]), k)
    terms = []
    for t in base.args:
        factors = list(sp.Mul.make_args(t))
        i = next((i for i, g in enumerate(factors) if not g.is_number and _constant_last(g.as_base_exp()[0])
                  and g.as_base_exp()[1].is_Integer and g.as_base_exp()[1].is_odd), None)
        if i is None:
            return None
        factors[i] = _turned(factors[i])
        terms.append(sp.Mul(*factors))
    return sp.Pow(sp.Add(*terms), k)


def _numbers_first(expr: Any) -> Any:
    r"""A product with its factors ``a x - c`` (terms less a number) turned to ``c - a x`` in pairs, or None where
    none turns: ``\frac{5 x - 6}{10 (x - 1)}`` as ``\frac{6 - 5 x}{10 (1 - x)}``, ``u_1 (2 u_0 - 1) / (u_0 (2 u_1 -
    1))`` as ``u_1 (1 - 2 u_0) / (u_0 (1 - 2 u_1))``; an odd number of them all turned where the product has a
    minus sign to take (``- y (x - 1)`` as ``y (1 - x)``). The value is the same."""
    if not isinstance(expr, sp.Mul):
        return None
    others = [(i, f) for i, f in enumerate(expr.args) if not f.is_number]
    turned = {i: _turned(f) for i, f in others}
    turned = {i: t for i, t in turned.items() if t is not None}
    if not turned:
        return None
    coeff = sp.Mul(*[f for f in expr.args if f.is_number])  # every number factor together (-1, sqrt(2), pi, ...)
    if len(turned) % 2 and not coeff.is_negative:
        return None
    # each turned factor is minus the one it replaces: (-1)^(number turned) goes to the coefficient, once
    rebuilt = sp.Mul(sp.S.NegativeOne ** len(turned) * coeff, *[turned.get(i, f) for i, f in others])
    return rebuilt if isinstance(rebuilt, sp.Mul) else None


def latex_of(expr: Any, **settings: Any) -> str:
    r"""LaTeX of a sympy object as the pages of this package print it: ``\ln`` (not ``\log``), ``\det \Sigma``.

    ``settings`` are :func:`sympy.latex`'s (``symbol_names`` maps Symbols and MatrixSymbols to their LaTeX).

    Examples
    --------
    >>> import sympy as sp
    >>> S = sp.MatrixSymbol("Sigma", 2, 2)
    >>> latex_of(sp.log(sp.Determinant(S)) / 2)
    '\\frac{1}{2} \\ln{\\left(\\det \\Sigma \\right)}'
    >>> latex_of(sp.Symbol("S_1"), symbol_names={sp.Symbol("S_1"): r"\Sigma_{v v}"})
    '\\Sigma_{v v}'

    A sum over a whole family of names (:class:`FamilyName`) is written over the family's index:

    >>> Z = sp.symbols("Z_1:4", positive=True)
    >>> latex_of(sum(Z) / 2, symbol_names={z: FamilyName(f"Z_{{{j}}}", "Z_{i}", "i", str(j), "w_i")
    ...                                     for j, z in enumerate(Z, 1)})
    '\\frac{1}{2} \\sum_{i} Z_{i}'
    """
    return _Printer(settings).doprint(expr)


def needed_definitions(expr: Any, definitions: Iterable[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """The ``(name, value)`` pairs of ``definitions`` that ``expr`` needs, directly or through the values of others,
    in their given order: what a closed form made of ``expr`` must define.

    Parameters
    ----------
    expr : sympy expression
    definitions : iterable of (Symbol or MatrixSymbol, value) pairs

    Raises
    ------
    ModelError
        For ``definitions`` that are not pairs of a name and a value.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c, x = sp.symbols("a b c x")
    >>> needed_definitions(a + x, [(c, x), (b, x**2), (a, b + 1)])
    [(b, x**2), (a, b + 1)]
    """
    try:
        pairs = [(name, value) for name, value in definitions]
    except (TypeError, ValueError):
        raise ModelError(f"needed_definitions: expected (name, value) pairs but found {definitions!r:.80}") from None
    values = dict(pairs)
    needed, todo = set(), list(sp.sympify(expr).free_symbols)  # (a MatrixSymbol is its own free symbol: det A)
    while todo:
        sym = todo.pop()
        if sym in values and sym not in needed:
            needed.add(sym)
            todo += list(getattr(values[sym], "free_symbols", ()))
    return [(name, value) for name, value in pairs if name in needed]


def printed_size(value: Any, shown: Iterable[Any] = ()) -> int:
    r"""The size of a closed form as a reader sees it: the glyphs of its LaTeX (:func:`latex_of`).

    A :class:`ClosedForm` counts its expression and each of its definitions whose name is
    not in ``shown`` (the names a page has already defined, which it prints once); numbers
    and plain expressions count their LaTeX. Each command (``\\frac``, ``\\sigma``) is one
    glyph; bracket sizing (``\\left``), display style, row breaks, spacing and braces are none. It measures what is
    printed, not the operations sympy counts: expanded powers, repeated factors and long
    names all cost.

    Parameters
    ----------
    value : sympy expression, ClosedForm or number
    shown : iterable of Symbols and MatrixSymbols
        Names already defined where the value is printed (not counted again).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> printed_size(a / b), printed_size(sp.expand((a + b) ** 3)) > printed_size((a + b) ** 3)
    (3, True)
    >>> r = sp.Symbol("r")
    >>> f = ClosedForm(sp.log(r), [(r, a / b)])
    >>> printed_size(f) - printed_size(f, shown=[r])
    5
    """
    if isinstance(value, ClosedForm):
        skip = set(shown)
        kw = value._latex_settings()
        total = tex_glyphs(latex_of(value.expr, **kw))
        for name, v in value.definitions:
            if name not in skip:
                total += tex_glyphs(latex_of(name, **kw)) + 1 + tex_glyphs(latex_of(v, **kw))
        return total
    return tex_glyphs(latex_of(sp.sympify(value)))


#: What LaTeX prints no glyph for: sizing commands, display style, row breaks, spacing, braces and blanks.
_INVISIBLE = re.compile(r"\\left|\\right|\\displaystyle|\\\\(?:\[[^\]]*\])?|\\[,;:! ]")
_COMMAND = re.compile(r"\\[A-Za-z]+")
_BLANK = re.compile(r"[{}\s]")


def tex_glyphs(tex: str) -> int:
    r"""Glyphs a reader sees in the LaTeX ``tex``, roughly: every command one glyph; brackets' sizing, display style,
    row breaks and spacing none (the measure of :func:`printed_size`, on a string: a page's printed lines).

    Examples
    --------
    >>> tex_glyphs(r"\frac{1}{2} \ln{\left(1 + x \right)}")
    9
    """
    if not isinstance(tex, str):
        raise ModelError(f"tex_glyphs: expected a LaTeX string but found {type(tex).__name__} {tex!r:.80}")
    return len(_BLANK.sub("", _COMMAND.sub("x", _INVISIBLE.sub("", tex))))



def shortest(candidates: Sequence[Any], shown: Iterable[Any] = ()) -> Any:
    r"""The candidate of least :func:`printed_size` (the first of equal ones): the form a reader gets.

    The candidates are forms of one closed form (a structured form and its quotient, each
    after the presentation pass); checking that they are equal is the caller's part.

    Raises
    ------
    ModelError
        When there is no candidate.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> shortest([sp.expand((a + b) ** 2), (a + b) ** 2])
    (a + b)**2
    """
    candidates = list(candidates)
    if not candidates:
        raise ModelError("shortest: expected at least one candidate form")
    shown = list(shown)
    return min(candidates, key=lambda c: printed_size(c, shown))


def _fresh(name: Any, taken: set[str]) -> Any:
    """A copy of the Symbol or MatrixSymbol ``name`` with primes added until its name is not ``taken``."""
    label = name.name + "'"
    while label in taken:
        label += "'"
    if isinstance(name, sp.MatrixSymbol):
        return sp.MatrixSymbol(label, *name.shape)
    return sp.Symbol(label, **name.assumptions0)


def _hurwitz_verdict(M: sp.MatrixBase) -> bool | None:
    """Whether ``M`` is Hurwitz: decided from the eigenvalues when numeric, by Routh–Hurwitz when symbolic."""
    from .structure import numeric_stability, routh_hurwitz

    if not M.free_symbols:
        try:
            A = np.array(M.evalf(30).tolist(), dtype=float)
        except (TypeError, ValueError):  # complex entries
            return False
        if not np.all(np.isfinite(A)):
            return False
        return numeric_stability(A)[0] if A.size else True
    return routh_hurwitz(sp.Matrix(M))[0]


def _numpy_hurwitz(A: np.ndarray) -> np.ndarray:
    """Elementwise over stacked matrices ``A[..., n, n]``: Hurwitz beyond round-off (the tolerance of the numeric engine)."""
    from .structure import stability_tolerance

    A = np.asarray(A, dtype=float)
    n = A.shape[-1]
    flat = A.reshape((-1, n, n))
    ok = np.all(np.isfinite(flat), axis=(1, 2))
    out = np.zeros(flat.shape[0], dtype=bool)
    for i in np.flatnonzero(ok):  # eigenvalues per point: a few small matrices
        ev = np.linalg.eigvals(flat[i])
        out[i] = bool(ev.real.max() < -stability_tolerance(flat[i]))
    return out.reshape(A.shape[:-2])


def _numpy_argument(symbol: sp.Symbol, value: Any) -> np.ndarray:
    """A float array of values for ``symbol``: real, finite and within its assumptions, or a ModelError."""
    from .checks import ASSUMPTION_WORDS

    if isinstance(value, (str, bytes)):
        raise ModelError(f"{symbol}: expected a number or an array of numbers but found the string {value!r}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise ModelError(f"{symbol}: expected a number or an array of numbers but found {value!r}") from None
    if raw.dtype.kind == "b":
        raise ModelError(f"{symbol}: expected numbers but found booleans ({value!r})")
    if raw.dtype.kind == "c":
        if np.any(raw.imag != 0):
            raise ModelError(f"{symbol}: expected real values but found {value!r}")
        raw = raw.real
    if raw.dtype.kind not in "iuf":
        if raw.dtype.kind == "O":
            try:
                raw = np.array([float(_real_scalar(symbol, x)) for x in raw.ravel()], dtype=float).reshape(raw.shape)
            except (TypeError, ValueError):
                raise ModelError(f"{symbol}: expected real numbers but found {value!r}") from None
        else:
            raise ModelError(f"{symbol}: expected a number or an array of numbers but found {value!r}")
    arr = np.asarray(raw, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{symbol}: expected finite values but found {arr[~np.isfinite(arr)].flat[0]}")
    tests = {
        "positive": lambda x: x > 0, "nonnegative": lambda x: x >= 0, "negative": lambda x: x < 0,
        "nonpositive": lambda x: x <= 0, "nonzero": lambda x: x != 0, "integer": lambda x: x == np.round(x),
    }
    for key, ok in tests.items():
        if getattr(symbol, "is_" + key) is True and not np.all(ok(arr)):
            bad = arr[~ok(arr)].flat[0]
            raise ModelError(
                f"{symbol} = {bad:.8g} is outside its declared assumptions: {symbol} is {ASSUMPTION_WORDS[key]} (the "
                "closed form was derived under that assumption and does not hold here)")
    return arr


def _real_scalar(symbol: sp.Symbol, x: Any) -> float:
    if isinstance(x, (bool, np.bool_, str, bytes)):
        raise ModelError(f"{symbol}: expected a real number but found {x!r}")
    if isinstance(x, complex) and x.imag != 0:
        raise ModelError(f"{symbol}: expected a real number but found {x!r}")
    return float(x.real) if isinstance(x, complex) else float(x)


def apply_form(value: Any, form: str | None) -> Any:
    """Bring a result without a natural structure to ``form``: floats pass, ``"structured"`` wraps it.

    For a symbolic expression, ``"structured"`` gives a :class:`ClosedForm` with no
    definitions, ``"rational"`` one cancelled quotient, ``"factored"`` (and ``None``) the
    expression as the engine tidied it.
    """
    form = check_form(form)
    if not isinstance(value, sp.Basic) or isinstance(value, sp.MatrixBase):
        return value
    if form == "structured":
        return ClosedForm(value)
    if form == "rational":
        return _cancelled(value)
    return value


def _mp_to_sympy(x: Any, dps: int) -> sp.Expr:
    import mpmath

    if isinstance(x, mpmath.mpc):
        return sp.Float(x.real, dps) + sp.I * sp.Float(x.imag, dps)
    return sp.Float(x, dps)


def _expand(e: Any, env: Mapping[Any, Any]) -> Any:
    """``e`` with defined names replaced by their explicit values; matrix operations carried out fraction-free."""
    from ._backend import SymOps

    if isinstance(e, sp.MatrixBase):
        return sp.Matrix(e.rows, e.cols, [_expand(x, env) for x in e])
    if e in env:
        return env[e]
    if isinstance(e, sp.MatrixSymbol):
        raise ModelError(f"{e} is used before it is defined")
    if not e.args:
        return e
    if isinstance(e, sp.Determinant):
        M = sp.Matrix(_expand(e.arg, env))
        return SymOps.det(M) if M.rows > 1 else M[0, 0]
    if isinstance(e, sp.Inverse):
        return SymOps.inv(sp.Matrix(_expand(e.arg, env)))
    if isinstance(e, sp.Transpose):
        return sp.Matrix(_expand(e.arg, env)).T
    if isinstance(e, sp.Trace):
        return sp.Matrix(_expand(e.arg, env)).trace()
    if isinstance(e, MatrixElement):
        return sp.Matrix(_expand(e.parent, env))[int(e.i), int(e.j)]
    if isinstance(e, (sp.MatMul, sp.MatAdd)):
        parts = [_expand(a, env) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out * p if isinstance(e, sp.MatMul) else out + p
        return out
    return e.func(*[_expand(a, env) for a in e.args])


def _cancelled(e: sp.Expr) -> sp.Expr:
    """One cancelled quotient; inside logarithms (and over sums containing them) piece by piece."""
    e = sp.sympify(e)
    if e.is_Number or e.is_Symbol:
        return e
    if isinstance(e, sp.log):
        return sp.log(_cancelled(e.args[0]))
    if e.has(sp.log) and (e.is_Add or e.is_Mul):
        return e.func(*[_cancelled(a) for a in e.args])
    return sp.cancel(sp.together(e))


def generically_singular(M: sp.MatrixBase, points: int = 2, seed: int = 0) -> bool:
    """Whether a symbolic matrix is singular for all parameter values, judged at random points.

    Its determinant is a rational function of the parameters: identically zero (perfectly
    correlated noise, a variable without variance) it vanishes at every point, otherwise at
    almost none. The matrix is evaluated in floats at ``points`` random points (positive
    symbols in [0.5, 2], others in [-2, 2]) and called singular when its condition number
    exceeds 1e12 at all of them; no exact determinant is formed.
    """
    M = sp.Matrix(M)
    symbols = sorted(set().union(*[e.free_symbols for e in M]), key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    f = sp.lambdify(symbols, M, modules="numpy")
    for _ in range(points):
        vals = [rng.uniform(0.5, 2.0) if s.is_positive or s.is_nonnegative else rng.uniform(-2.0, 2.0) for s in symbols]
        with np.errstate(all="ignore"):
            try:
                A = np.array(f(*vals), dtype=float)
            except (ZeroDivisionError, TypeError, ValueError):
                return False
            if not np.all(np.isfinite(A)) or np.linalg.cond(A) < 1e12:
                return False
    return True


class _NumpyStep:
    """One expression (scalar, or an explicit matrix) evaluated on arrays of the names known before it."""

    def __init__(self, value: Any, known: list[Any]):
        self.matrix = isinstance(value, sp.MatrixBase)
        self.shape = value.shape if self.matrix else ()
        self.scalar_names = [k for k in known if isinstance(k, sp.Symbol)]
        # matrix-valued pieces (a determinant, a trace, an element) become placeholders computed by numpy
        self.lifted: list[tuple[sp.Dummy, Any]] = []
        flat = [self._lift(x) for x in (list(value) if self.matrix else [value])]
        args = self.scalar_names + [d for d, _ in self.lifted]
        self.fns = [sp.lambdify(args, x, modules="numpy") for x in flat]

    def _lift(self, e: Any) -> Any:
        if isinstance(e, (sp.Determinant, sp.Trace, MatrixElement)):
            d = sp.Dummy()
            self.lifted.append((d, e))
            return d
        if not getattr(e, "args", ()):
            return e
        return e.func(*[self._lift(a) for a in e.args])

    def __call__(self, lookup: Mapping[Any, Any], shape: tuple[int, ...]) -> Any:
        extra = [_numpy_matrix_value(e, lookup, shape) for _, e in self.lifted]
        args = [lookup[k] for k in self.scalar_names] + extra
        vals = [np.broadcast_to(np.asarray(f(*args), dtype=float), shape) for f in self.fns]
        if not self.matrix:
            return vals[0]
        return np.stack(vals, axis=-1).reshape(shape + tuple(self.shape))


def _numpy_matrix_value(e: Any, lookup: Mapping[Any, Any], shape: tuple[int, ...]) -> Any:
    """A matrix expression on stacked arrays of shape ``shape + (k, k)``."""
    if isinstance(e, sp.MatrixSymbol):
        return lookup[e]
    if isinstance(e, sp.MatrixBase):
        return np.broadcast_to(np.array(e.tolist(), dtype=float), shape + e.shape)
    if isinstance(e, sp.Determinant):
        return np.linalg.det(_numpy_matrix_value(e.arg, lookup, shape))
    if isinstance(e, sp.Inverse):
        return np.linalg.inv(_numpy_matrix_value(e.arg, lookup, shape))
    if isinstance(e, sp.Transpose):
        return np.swapaxes(_numpy_matrix_value(e.arg, lookup, shape), -1, -2)
    if isinstance(e, sp.Trace):
        return np.trace(_numpy_matrix_value(e.arg, lookup, shape), axis1=-2, axis2=-1)
    if isinstance(e, MatrixElement):
        return _numpy_matrix_value(e.parent, lookup, shape)[..., int(e.i), int(e.j)]
    if isinstance(e, sp.MatMul):
        out = None
        for a in e.args:
            v = _numpy_matrix_value(a, lookup, shape) if not a.is_Number else float(a)
            out = v if out is None else (out * v if np.ndim(v) == 0 or np.ndim(out) == 0 else out @ v)
        return out
    if isinstance(e, sp.MatAdd):
        return sum(_numpy_matrix_value(a, lookup, shape) for a in e.args)
    raise ModelError(f"lambdify: cannot evaluate the matrix expression {e}")


def _monomial(value: Any) -> bool:
    r"""Whether ``value`` is a number or a product of powers of parameters (:math:`\sigma_v^2`, :math:`T/m`):
    a covariance entry so plain that naming it would only hide it (and keep terms like
    :math:`\Sigma_{v v} - \sigma_v^2` that are 0).

    Examples
    --------
    >>> import sympy as sp
    >>> s, m = sp.symbols("sigma m", positive=True)
    >>> _monomial(s**2), _monomial(2 * s / m), _monomial(s + m), _monomial(sp.exp(s))
    (True, True, False, False)
    """
    factors = sp.Mul.make_args(sp.sympify(value))
    return all(f.is_Number or f.is_Symbol or (f.is_Pow and f.base.is_Symbol and f.exp.is_Rational)
               for f in factors)


def lyapunov_rows(A: sp.MatrixBase, D: sp.MatrixBase) -> dict[tuple[int, int], tuple[dict[tuple[int, int], Any], Any]]:
    r"""The rows of the stationary Lyapunov equation :math:`A \Sigma + \Sigma A^T + 2 D = 0`, each entry through the
    other entries its row holds: for :math:`j \le k`,

    .. math:: \Sigma_{j k} = -\frac{\sum_{m \ne j} A_{j m} \Sigma_{m k} + \sum_{m \ne k} A_{k m} \Sigma_{j m}
              + 2 D_{j k}}{A_{j j} + A_{k k}},

    ``{(j, k): ({(a, b): c}, d)}`` (``a <= b``: the entry :math:`\Sigma_{a b}` with its coefficient ``c``, ``d`` the
    constant) for each entry whose :math:`A_{j j} + A_{k k}` has one sign for all parameters (it cannot vanish;
    :class:`CovarianceNames` ``rows``). An author writes
    the decoder population's :math:`\Sigma_{x_1 x_2} = (g_1 \tau_2 \Sigma_{v x_2} + g_2 \tau_1 \Sigma_{v x_1}) /
    (\tau_1 + \tau_2)` so, and :math:`\Sigma_{x x} = g \Sigma_{v x} + \sigma_n^2` on the diagonal.

    Examples
    --------
    >>> import sympy as sp
    >>> k, t, s = sp.symbols("kappa tau_w sigma_w", positive=True)
    >>> rows = lyapunov_rows(sp.Matrix([[-1, 0], [k / t, -1 / t]]), sp.diag(1, s**2 / t))
    >>> rows[(1, 1)], rows[(0, 1)]
    (({(0, 1): kappa}, sigma_w**2), ({(0, 0): kappa/(tau_w + 1)}, 0))
    """
    if not (isinstance(A, sp.MatrixBase) and isinstance(D, sp.MatrixBase) and A.is_square and A.shape == D.shape):
        raise ModelError(f"lyapunov_rows: expected a square drift matrix A and a diffusion matrix D of its shape but "
                         f"found {type(A).__name__} {getattr(A, 'shape', '')} and {type(D).__name__} "
                         f"{getattr(D, 'shape', '')}")
    n = A.rows
    out: dict[tuple[int, int], tuple[dict[tuple[int, int], Any], Any]] = {}
    for j in range(n):
        for k in range(j, n):
            scale = sp.cancel(A[j, j] + A[k, k])
            if not (scale.is_positive or scale.is_negative):  # (a scale that may vanish where the model is stable,
                continue  # a - c of a drift -a, -c: the row's form would divide by zero there)
            terms: dict[tuple[int, int], Any] = {}
            for m in range(n):  # (A Sigma)_{jk} and (Sigma A^T)_{jk}, the entry's own terms left out
                if m != j and A[j, m] != 0:
                    key = (min(m, k), max(m, k))
                    terms[key] = terms.get(key, 0) + A[j, m]
                if m != k and A[k, m] != 0:
                    key = (min(j, m), max(j, m))
                    terms[key] = terms.get(key, 0) + A[k, m]
            coeffs = {key: sp.factor(-c / scale) for key, c in terms.items()}
            out[(j, k)] = ({key: c for key, c in coeffs.items() if c != 0}, sp.factor(-2 * D[j, k] / scale))
    return out


def stationary_rows(A: sp.MatrixBase, D: sp.MatrixBase) -> dict[int, tuple[dict[int, Any], Any]]:
    r"""The diagonal rows of the stationary Lyapunov equation (:func:`lyapunov_rows`), each diagonal entry through the
    other entries of its row: :math:`\Sigma_{k k} = \sum_{m \ne k} c_{k m} \Sigma_{k m} + d_k`,
    :math:`c_{k m} = -A_{k m} / A_{k k}`, :math:`d_k = -D_{k k} / A_{k k}`; ``{k: ({m: c_km}, d_k)}`` for each row whose
    :math:`A_{k k}` has one sign (:class:`CovarianceNames` ``rows`` takes this shape too).

    Examples
    --------
    >>> import sympy as sp
    >>> k, t, s = sp.symbols("kappa tau_w sigma_w", positive=True)
    >>> stationary_rows(sp.Matrix([[-1, 0], [k / t, -1 / t]]), sp.diag(1, s**2 / t))
    {0: ({}, 1), 1: ({0: kappa}, sigma_w**2)}
    """
    return {j: ({a + b - j: c for (a, b), c in coeffs.items()}, const)
            for (j, k), (coeffs, const) in lyapunov_rows(A, D).items() if j == k}


def _checked_rows(rows: Any, n: int) -> dict[tuple[int, int], tuple[dict[tuple[int, int], Any], Any]]:
    """``rows`` of :class:`CovarianceNames` as a dict of the shape :func:`lyapunov_rows` gives (an entry ``(j, k)``,
    ``j <= k``, of the ``n`` variables: coefficients of other entries, and a constant); the diagonal shape of
    :func:`stationary_rows` (a row ``k``: coefficients of the other entries of row ``k``) read as that; a wrong one
    refused."""
    if not rows:
        return {}
    if not isinstance(rows, Mapping):
        raise ModelError(f"CovarianceNames: rows must be a mapping entry -> (coefficients, constant) but is "
                         f"{rows!r:.60}")

    def index(i: Any) -> bool:
        return isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n

    def pair(p: Any) -> bool:
        return isinstance(p, tuple) and len(p) == 2 and index(p[0]) and index(p[1]) and p[0] <= p[1]

    out = {}
    for key, row in rows.items():
        ok = (index(key) or pair(key)) and isinstance(row, tuple) and len(row) == 2 and isinstance(row[0], Mapping)
        if ok and index(key):  # (a diagonal row k: the other entries (k, m) by m)
            ok = all(index(m) and m != key for m in row[0])
            if ok:
                key, row = (key, key), ({(min(key, m), max(key, m)): c for m, c in row[0].items()}, row[1])
        elif ok:
            ok = all(pair(p) and p != key for p in row[0])
        if not ok:
            raise ModelError(f"CovarianceNames: row {key!r:.20} must be (coefficients of other entries of the {n} "
                             f"variables, constant), as lyapunov_rows or stationary_rows gives, but is {row!r:.60}")
        out[key] = row
    return out


def _after_their_names(defs: list) -> list:
    """``defs`` in their order, but for a definition that uses a name defined later: it moves after it."""
    out, pending = [], list(defs)
    while pending:
        names = {n for n, _ in pending}
        ready = next((d for d in pending if not (getattr(d[1], "free_symbols", set()) & (names - {d[0]}))), None)
        if ready is None:  # (a cycle: cannot happen, an entry whose row names one being defined keeps its value)
            return defs
        out.append(ready)
        pending.remove(ready)
    return out


#: The most terms a structured form's numerator may have for :meth:`CovarianceNames._rows_in` to split it.
ROWS_IN_TERMS = 60


def _rows_taken(part: Any, rows: Mapping[Any, Any]) -> Any:
    """``part`` with each entry of ``rows`` (name -> its definition through its row) written so where that prints
    shorter, one at a time (common factors pulled out, or multiplied out over one denominator where terms cancel);
    ``part`` itself where none does."""
    out = part
    for name, value in rows.items():
        if name in out.free_symbols:
            put = out.xreplace({name: value})
            candidate = min((sp.factor_terms(put), sp.factor_terms(sp.together(sp.expand(put)))), key=printed_size)
            if printed_size(candidate) < printed_size(out):
                out = candidate
    return out


def _equal_numbers(a: Any, b: Any, points: int = 3) -> bool:
    """Whether ``a`` and ``b`` agree at random positive rational points (exact arithmetic)."""
    symbols = sorted(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols, key=str)
    rng = np.random.default_rng(1)
    for _ in range(points):
        at = {x: sp.Rational(int(rng.integers(30, 300)), 97) for x in symbols}
        try:
            if sp.simplify(sp.sympify(a).xreplace(at) - sp.sympify(b).xreplace(at)) != 0:
                return False
        except (TypeError, ValueError, ZeroDivisionError):
            return False
    return True


class CovarianceNames:
    r"""Named symbols for the entries and blocks of a covariance matrix, collecting their definitions.

    Entries are :math:`\Sigma_{ab}` (``a, b`` the variables' names), the block of several
    variables is the matrix :math:`\Sigma_{(a, b, c)}` (the covariance of that vector),
    the whole matrix :math:`\Sigma`; zero entries stay 0, and an entry that is a number or a product of powers
    of parameters (:math:`\sigma_v^2`) is that product (naming it would only hide it).

    Parameters
    ----------
    variables : sequence of Symbol
        The model's variables, in order.
    S : sympy Matrix
        The explicit covariance.
    label : str
        The letter (``"Sigma"``; a transient state may use ``"Sigma(t)"``).
    hurwitz : sequence of matrices, optional
        Matrices that must be Hurwitz for ``S`` to be the covariance (the drift matrix of a
        model whose stability is undecided, :func:`stability_requirement`); every
        :meth:`closed` form carries them.
    rows : mapping, optional
        For a stationary covariance, the rows of its Lyapunov equation (:func:`lyapunov_rows`,
        or the diagonal ones of :func:`stationary_rows`): a :meth:`closed` form defines an entry
        through the other entries of its row where it names them anyway and that prints shorter
        (:math:`\Sigma_{w w} = \kappa \Sigma_{x w} + \sigma_w^2`, :math:`\Sigma_{x_1 x_2} =
        (g_1 \tau_2 \Sigma_{v x_2} + g_2 \tau_1 \Sigma_{v x_1}) / (\tau_1 + \tau_2)`, as an
        author writes them).
    """

    def __init__(self, variables: Sequence[sp.Symbol], S: sp.MatrixBase, label: str = "Sigma",
                 latex_label: str = r"\Sigma", hurwitz: Iterable[Any] = (),
                 rows: Mapping[Any, tuple[Mapping[Any, Any], Any]] | None = None):
        from ._backend import tidy

        self._tidy = tidy
        self.variables = list(variables)
        self.S = sp.Matrix(S)
        self.label, self.latex_label = label, latex_label
        self._entries: dict[tuple[int, int], Any] = {}
        self._blocks: dict[tuple[tuple[int, ...], tuple[int, ...]], Any] = {}
        self._defs: list[tuple[Any, Any]] = []
        self._names: dict[Any, str] = {}
        self.n = self.S.rows
        self.hurwitz = tuple(hurwitz)
        self._recurrence: tuple[dict, dict] | None = None
        self._rows = _checked_rows(rows, self.n)
        self._through: dict = {}  # the entries defined through their rows -> their definitions
        self._pending: set[tuple[int, int]] = set()  # the entries being defined (their rows being tried)

    @classmethod
    def from_recurrence(cls, variables: Sequence[sp.Symbol], entries: Mapping[tuple[int, int], Any],
                        placeholders: Mapping[Any, tuple[int, int]], label: str = "Sigma",
                        latex_label: str = r"\Sigma", hurwitz: Iterable[Any] = ()) -> "CovarianceNames":
        r"""Names for a covariance known only by the entries a quantity needs, each in terms of earlier ones.

        ``entries`` and ``placeholders`` as returned by
        :func:`~thermotheory.core.lyapunov.lyapunov_recurrence`: an entry's definition uses
        the names of the entries it depends on (defined first), so no entry is ever
        expanded; entries not listed are 0.

        Examples
        --------
        >>> import sympy as sp
        >>> x, y = sp.symbols("x y", real=True)
        >>> a = sp.Symbol("a", positive=True)
        >>> u = sp.Dummy()
        >>> names = CovarianceNames.from_recurrence([x, y], {(0, 0): a + 1, (1, 1): u + a}, {u: (0, 0)})
        >>> cf = names.closed(names.entry(1, 1))
        >>> [str(n) for n, _ in cf.definitions], float(cf.evaluate({a: 1}))
        (['Sigma[x,x]', 'Sigma[y,y]'], 3.0)
        """
        variables = list(variables)
        out = cls(variables, sp.zeros(len(variables), len(variables)), label, latex_label, hurwitz)
        out._recurrence = (dict(entries), dict(placeholders))
        return out

    def _value(self, i: int, j: int) -> Any:
        """The definition of entry ``(i, j)`` (``i <= j``): explicit, or in terms of the names of earlier entries."""
        if self._recurrence is None:
            return self.S[i, j]
        entries, placeholders = self._recurrence
        value = sp.sympify(entries.get((i, j), 0))
        used = value.free_symbols & set(placeholders)
        return value.xreplace({d: self.entry(*placeholders[d]) for d in used}) if used else value

    def singular(self, rows: Sequence[int]) -> bool:
        """Whether the covariance block of ``rows`` is singular for all parameter values (at random points)."""
        rows = list(rows)
        if self._recurrence is None:
            B = self.S.extract(rows, rows)
            return B[0, 0] == 0 if len(rows) == 1 else generically_singular(B)
        if len(rows) == 1:
            return self._value(rows[0], rows[0]) == 0
        M = self.matrix(rows)
        steps = [(name, value) for name, value in self._defs if not isinstance(value, sp.MatrixBase)]
        # (the parameters of the definitions and of entries written as their monomial value, _monomial)
        params = sorted(set().union(M.free_symbols, *[v.free_symbols for _, v in steps]) - {n for n, _ in steps},
                        key=str)
        rng = np.random.default_rng(0)
        for _ in range(2):
            vals = {p: rng.uniform(0.5, 2.0) if p.is_positive or p.is_nonnegative else rng.uniform(-2.0, 2.0)
                    for p in params}
            for name, value in steps:
                vals[name] = complex(value.xreplace(vals).evalf()).real
            with np.errstate(all="ignore"):
                B = np.array(M.xreplace(vals).tolist(), dtype=float)
                if not np.all(np.isfinite(B)) or np.linalg.cond(B) < 1e12:
                    return False
        return True

    def _var_latex(self, i: int) -> str:
        return latex_of(self.variables[i])

    def entry(self, i: int, j: int) -> Any:
        """The symbol of entry ``(i, j)`` (0 for a zero entry); defined on first use (an entry of a stationary
        covariance through its row where that prints shorter: ``rows``)."""
        i, j = min(i, j), max(i, j)
        if (i, j) not in self._entries:
            value = self._value(i, j)
            if value == 0:
                self._entries[(i, j)] = sp.Integer(0)
            elif _monomial(value):  # sigma_v^2: the entry is its value, as an author writes it (no name to define)
                self._entries[(i, j)] = self._tidy(value)
            else:
                self._pending.add((i, j))  # (an entry its row names that names it in turn is not taken through it)
                try:
                    through = self._row_form(i, j) if self._recurrence is None else None
                finally:
                    self._pending.discard((i, j))
                if through is not None:  # (its row's entries are defined by now: they come first)
                    value = through
                a, b = self.variables[i].name, self.variables[j].name
                sym = sp.Symbol(f"{self.label}[{a},{b}]", real=True, positive=True if i == j else None)
                self._entries[(i, j)] = sym
                self._defs.append((sym, self._tidy(value)))
                if through is not None:
                    self._through[sym] = self._defs[-1][1]
                self._names[sym] = f"{self.latex_label}_{{{self._var_latex(i)} {self._var_latex(j)}}}"
        return self._entries[(i, j)]

    def matrix(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> sp.Matrix:
        """The explicit matrix of entry symbols of a block."""
        cols = rows if cols is None else cols
        return sp.Matrix(len(rows), len(cols), lambda a, b: self.entry(rows[a], cols[b]))

    def block(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> Any:
        """A named matrix for a block (the entry itself for a 1x1 block)."""
        rows = tuple(rows)
        cols = rows if cols is None else tuple(cols)
        if len(rows) == len(cols) == 1:
            return self.entry(rows[0], cols[0])
        key = (rows, cols)
        if key not in self._blocks:
            value = self.matrix(rows, cols)  # entries defined first
            if rows == cols == tuple(range(self.n)):
                name, tex = self.label, self.latex_label
            else:
                tag = ",".join(self.variables[i].name for i in rows)
                ttag = "(" + ", ".join(self._var_latex(i) for i in rows) + ")"
                if cols != rows:
                    tag += ";" + ",".join(self.variables[i].name for i in cols)
                    ttag += ", (" + ", ".join(self._var_latex(i) for i in cols) + ")"
                name, tex = f"{self.label}({tag})", f"{self.latex_label}_{{{ttag}}}"
            M = sp.MatrixSymbol(name, len(rows), len(cols))
            self._blocks[key] = M
            self._defs.append((M, value))
            self._names[M] = tex
        return self._blocks[key]

    def det(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> Any:
        """The determinant of a block (the entry for a 1x1 block, 1 for an empty one)."""
        rows = list(rows)
        if not rows:
            return sp.Integer(1)
        B = self.block(rows, cols)
        return B if not isinstance(B, sp.MatrixSymbol) else sp.Determinant(B)

    def precision_entry(self, i: int, j: int) -> Any:
        r"""Entry ``(i, j)`` of :math:`\Sigma^{-1}` as a ratio of determinants (cofactor over determinant)."""
        every = list(range(self.n))
        rows = [k for k in every if k != j]
        cols = [k for k in every if k != i]
        sign = (-1) ** (i + j)
        return sign * self.det(rows, cols) / self.det(every)

    def closed(self, expr: Any) -> ClosedForm:
        r"""A :class:`ClosedForm` of ``expr`` with the definitions used so far; an entry defined through its row is
        written so in ``expr`` where that prints shorter, part by part (:meth:`_rows_in`)."""
        expr = self._rows_in(sp.sympify(expr))
        need = set(expr.free_symbols)
        keep = []
        for name, value in reversed(self._defs):
            if name in need:
                keep.append((name, value))
                need |= value.free_symbols
        # the entries in the order of the variables, then the matrices built from them
        position = {sym: key for key, sym in self._entries.items()}
        if self._recurrence is None:
            keep.sort(key=lambda d: (0, position[d[0]]) if d[0] in position else (1, self._defs.index(d)))
            keep = _after_their_names(keep)  # (an entry through its row after the row's entries it names)
        else:  # each entry after the entries its definition uses
            keep.sort(key=lambda d: self._defs.index(d))
        return ClosedForm(expr, keep, {n: t for n, t in self._names.items() if n in dict(keep)}, self.hurwitz)

    def _rows_in(self, expr: Any) -> Any:
        r"""``expr`` with the entries defined through their rows written so where that prints shorter, each part of
        it on its own: a fraction's numerator split by the denominators its terms cancel to (the total entropy
        production's parts are the subsystems' heat rates). The synapse's heat rate :math:`(\Sigma_{w w} - 2 \kappa
        \Sigma_{x w} + \kappa^2 \Sigma_{x x} - \sigma_w^2) / (\sigma_w^2 \tau_w)` with :math:`\Sigma_{w w} =
        \kappa \Sigma_{x w} + \sigma_w^2` is :math:`\kappa (\kappa \Sigma_{x x} - \Sigma_{x w}) / (\sigma_w^2
        \tau_w)`, as by hand. ``expr`` itself where no part reads shorter."""
        rows = {n: v for n, v in self._through.items() if n in expr.free_symbols}
        if not rows or expr.has(sp.MatrixSymbol):
            return expr
        num, den = sp.fraction(sp.together(expr))
        terms = sp.Add.make_args(sp.expand(num))
        if len(terms) > ROWS_IN_TERMS:  # (each term cancelled on its own: seconds for a large form)
            return expr
        groups: dict = {}
        for t in terms:
            part = sp.cancel(t / den)
            groups.setdefault(sp.fraction(part)[1], []).append(part)
        # a term over a divisor of a larger part's denominator joins that part (-1/tau_w, of sigma_w^2 tau_w's)
        order = sorted(groups, key=lambda d: -len(sp.Mul.make_args(d)))
        for k, d in enumerate(order):
            into = next((e for e in order[:k] if e in groups and sp.fraction(sp.cancel(e / d))[1] == 1), None)
            if into is not None:
                groups[into] += groups.pop(d)
        parts = [sp.factor_terms(sp.together(sp.Add(*cs))) for cs in groups.values()]
        written = [_rows_taken(p, rows) for p in parts]
        if all(w is p for w, p in zip(written, parts)):
            return expr
        return sp.Add(*written)

    def _row_form(self, i: int, j: int) -> Any:
        """Entry ``(i, j)`` (``i <= j``) through the other entries of its row (:func:`lyapunov_rows`; an entry that is
        0 or a monomial as its value, the others by their names, defined first), checked equal to the explicit entry at
        random points; None where the row is unknown, names an entry being defined (whose row names this one), or
        the explicit entry prints no longer."""
        if (i, j) not in self._rows:
            return None
        coeffs, const = self._rows[(i, j)]
        values = {p: self.S[p] for p in coeffs}
        held = {p: sp.Dummy() for p, v in values.items() if v != 0}  # (named below only if the row form is taken)
        if any(p in self._pending and not _monomial(values[p]) for p in held):
            return None
        form = const + sp.Add(*[coeffs[p] * d for p, d in held.items()])
        if not _equal_numbers(form.xreplace({d: values[p] for p, d in held.items()}), self.S[i, j]):
            return None
        # (measured with a one-glyph stand-in for each name)
        shown = form.xreplace({d: values[p] if _monomial(values[p]) else sp.Symbol("S") for p, d in held.items()})
        if printed_size(shown) >= printed_size(self.S[i, j]):
            return None
        return form.xreplace({d: self.entry(*p) for p, d in held.items()})
