r"""The cost of a symbolic computation, predicted before it starts.

A symbolic closed form either answers in seconds or is refused at once with
:class:`~thermotheory.errors.TooLarge`; it never runs for minutes. The measure is the
number of monomials: a structural upper bound on the monomials of an expression's
numerator and denominator (:func:`term_bound`, computed without expanding anything),
and for a determinant, an inverse or a linear solve the permanent of those bounds
(:func:`expansion_bound`), which bounds the monomials of the Leibniz expansion.
Polynomial gcds and factorisations, the expensive steps, grow with this count.

The limits below are calibrated so that each refused step would have taken tens of
seconds to minutes on a laptop core, and every accepted one a few seconds at most.
"""

from __future__ import annotations

from math import comb

import numpy as np
import sympy as sp

from ..errors import TooLarge
from ._flint_factor import flint_factor

__all__ = ["term_bound", "expansion_bound", "check_expansion", "check_terms", "factor", "check_quotient",
           "closed_form_bound", "check_closed_form", "MAX_EXPANSION", "MAX_TERMS", "MAX_QUOTIENT", "NUMERIC_PATH"]

#: Largest permanent of term bounds a symbolic determinant, inverse or solve may have.
MAX_EXPANSION = 2.0e5
#: Largest number of monomials (numerator and denominator) a result may have before it is tidied.
MAX_TERMS = 4000
#: Largest sum of the expansion bounds of the determinants that one cancelled quotient (``form="rational"``
#: or ``"factored"``, :meth:`ClosedForm.rational`) is built from. The 3-neuron heterogeneous population's
#: mutual information (bounds 2 + 3,264 + 8,016) takes about 30 s; the 4-neuron one (2 + 131,856 + 374,160)
#: ran for more than 6 minutes without an answer. (Entries with exponentials, as in transient forms, are
#: overestimated: a 2x2 transient information with a bound of 26,000 takes a second.)
MAX_QUOTIENT = 1.0e5

#: The way out named by a refusal of a symbolic Lyapunov solve or matrix exponential.
NUMERIC_PATH = ("substitute numbers with model.subs(values) (the numeric engine has no such limit), "
                "or split the question into smaller subsystems")

_ADVICE = ("substitute numbers for some parameters with subs() (the numeric engine has no such limit), "
           "or split the question into smaller subsystems")


def _num_den(expr: sp.Basic, atoms: dict | None = None) -> tuple[int, int]:
    """Upper bounds on the monomials of the numerator and the denominator, over a common denominator.

    ``atoms`` maps names (a defined Symbol) to the bounds of what they stand for.
    """
    if atoms and expr in atoms:
        return atoms[expr]
    if expr.is_Atom:
        return 1, 1
    if atoms is not None:
        return _num_den_with(expr, atoms)
    if expr.is_Add:
        parts = [_num_den(a) for a in expr.args]
        den = 1
        for _, d in parts:
            den *= d
        num = sum(n * (den // d) for n, d in parts)
        return num, den
    if expr.is_Mul:
        num = den = 1
        for a in expr.args:
            n, d = _num_den(a)
            num, den = num * n, den * d
        return num, den
    if expr.is_Pow and expr.args[1].is_Integer:
        (n, d), e = _num_den(expr.args[0]), int(expr.args[1])
        grow = lambda t: comb(t + abs(e) - 1, abs(e)) if t > 1 else 1  # noqa: E731
        return (grow(n), grow(d)) if e > 0 else (grow(d), grow(n))
    out = 1  # a function of the parameters (log, exp, a root): one factor of its own
    for a in expr.args:
        out *= term_bound(a)
    return out, 1


def _num_den_with(expr: sp.Basic, atoms: dict) -> tuple[int, int]:
    """:func:`_num_den` with defined names read from ``atoms``; a determinant of a named matrix by its permanent."""
    if isinstance(expr, sp.Determinant) and expr.arg in atoms:
        return atoms[expr.arg]
    if expr.is_Add or expr.is_Mul:
        parts = [_num_den(a, atoms) for a in expr.args]
        if expr.is_Mul:
            num = den = 1
            for n, d in parts:
                num, den = num * n, den * d
            return num, den
        den = 1
        for _, d in parts:
            den *= d
        return sum(n * (den // d) for n, d in parts), den
    if expr.is_Pow and expr.args[1].is_Integer:
        (n, d), e = _num_den(expr.args[0], atoms), int(expr.args[1])
        grow = lambda t: comb(t + abs(e) - 1, abs(e)) if t > 1 else 1  # noqa: E731
        return (grow(n), grow(d)) if e > 0 else (grow(d), grow(n))
    out = 1
    for a in expr.args:
        n, d = _num_den(a, atoms)
        out *= n + d
    return out, 1


def term_bound(expr: sp.Basic) -> int:
    """An upper bound on the monomials of ``expr``'s numerator plus those of its denominator.

    Over a common denominator, without expanding anything: sums of fractions cross-multiply,
    products multiply, an integer power counts the monomials of the expanded power; a
    function (``log``, ``exp``, a root) counts as one factor times its argument's bound.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c")
    >>> term_bound((a + b) * (a + c))
    5
    >>> term_bound((a + b + c) ** 2 / (a + b))
    8
    """
    n, d = _num_den(sp.sympify(expr))
    return n + d


#: Seed of sympy's random evaluation points inside :func:`factor` (restored afterwards).
FACTOR_SEED = 0


def factor(expr: sp.Expr) -> sp.Expr:
    """``sympy.factor`` with reproducible random choices, so its time and result repeat run to run.

    Polynomials of several variables over the integers or rationals are factored by python-flint
    where it is installed (:mod:`~thermotheory.core._flint_factor`, the same expression two to three times
    faster). Otherwise multivariate factorisation (Wang's algorithm) draws random evaluation points from
    sympy's module-level generator; an unlucky draw turned a 5 s solve into minutes about
    once in fifteen runs. Here the generator is seeded with :data:`FACTOR_SEED` for the
    call and its state restored after, so nothing else that uses it is disturbed.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> factor(a**2 - b**2)
    (a - b)*(a + b)
    """
    from sympy.core import random as sympy_random

    fast = flint_factor(expr)  # the same expression, factored by python-flint where it is installed
    if fast is not None:
        return fast
    state = sympy_random.rng.getstate()
    sympy_random.rng.seed(FACTOR_SEED)
    try:
        return sp.factor(expr)
    finally:
        sympy_random.rng.setstate(state)


def _permanent(W: np.ndarray) -> float:
    """Permanent of a small non-negative matrix (Ryser's formula, exact in floats for our sizes)."""
    n = W.shape[0]
    if n == 0:
        return 1.0
    if n > 20:
        return float("inf")
    total = 0.0
    for subset in range(1, 1 << n):
        cols = [j for j in range(n) if subset >> j & 1]
        total += (-1) ** (n - len(cols)) * float(np.prod(W[:, cols].sum(axis=1)))
    return total


def expansion_bound(M: sp.MatrixBase) -> float:
    """Upper bound on the monomials of ``det(M)``: the permanent of the entries' term bounds.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c, d = sp.symbols("a b c d")
    >>> expansion_bound(sp.Matrix([[a + b, c], [d, a]]))
    3.0
    """
    W = np.array([[0 if e == 0 else term_bound(e) - 1 for e in M.row(i)] for i in range(M.rows)], dtype=float)
    return _permanent(W)


def check_expansion(M: sp.MatrixBase, what: str) -> float:
    """Refuse at once a symbolic determinant, inverse or solve whose expansion bound is too large.

    Raises
    ------
    TooLarge
        With the predicted size, the limit and what to do instead.
    """
    bound = expansion_bound(M)
    if bound > MAX_EXPANSION:
        raise TooLarge(
            f"{what}: a symbolic {M.rows}x{M.cols} elimination whose expansion has up to {bound:.3g} monomials "
            f"(limit {MAX_EXPANSION:.3g}) would take minutes; {_ADVICE}"
        )
    return bound


def check_terms(exprs, what: str) -> int:
    """Refuse a result that has too many monomials to tidy (factor) in seconds.

    Raises
    ------
    TooLarge
        With the size found, the limit and what to do instead.
    """
    total = sum(term_bound(e) for e in exprs)
    if total > MAX_TERMS:
        raise TooLarge(
            f"{what}: the exact result has up to {total} monomials (limit {MAX_TERMS}); printing and simplifying "
            f"it would take minutes and give an unreadable formula; {_ADVICE}"
        )
    return total


def check_quotient(matrices, what: str) -> float:
    """Refuse at once one cancelled quotient of the determinants of ``matrices`` that would take minutes.

    The prediction is the sum of the expansion bounds of the determinants (the term
    bound of a 1x1 block), computed from the entries without expanding anything.

    Raises
    ------
    TooLarge
        When the sum exceeds :data:`MAX_QUOTIENT`, with the predicted size and what to do instead.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b")
    >>> check_quotient([sp.Matrix([[a + b, 1], [1, a]])], "the rational form")
    3.0
    """
    total = 0.0
    for M in matrices:
        M = sp.Matrix(M)
        if M.rows == 0:
            continue
        total += expansion_bound(M) if M.rows > 1 else float(term_bound(M[0, 0]))
    if total > MAX_QUOTIENT:
        raise TooLarge(
            f"{what}: one cancelled quotient of determinants whose expansions have up to {total:.3g} monomials "
            f"(limit {MAX_QUOTIENT:.3g}) would take minutes; ask for form=\"structured\" (the same value, written "
            f"with named covariance entries, which evaluates and lambdifies at any size), or {_ADVICE}"
        )
    return total


def closed_form_bound(form) -> float:
    """Predicted monomials of a :class:`~thermotheory.core.closedform.ClosedForm` expanded into one quotient.

    The definitions are bounded in order, each in terms of the bounds of the names it
    uses (a named matrix by the permanent of its entries' bounds, as
    :func:`expansion_bound`), then the expression; nothing is expanded.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.closedform import ClosedForm
    >>> a, b, r = sp.symbols("a b r")
    >>> closed_form_bound(ClosedForm(r**2, [(r, a + b)]))
    4.0
    """
    atoms: dict = {}
    for name, value in form.definitions:
        if isinstance(value, sp.MatrixBase):
            W = np.array([[0 if e == 0 else sum(_num_den(e, atoms)) - 1 for e in value.row(i)]
                          for i in range(value.rows)], dtype=float)
            atoms[name] = (int(min(_permanent(W), 1e300)), 1) if value.rows == value.cols else (1, 1)
        else:
            atoms[name] = _num_den(value, atoms)
    n, d = _num_den(form.expr, atoms)
    return float(n + d)


def check_closed_form(form, what: str) -> float:
    """Refuse at once expanding ``form`` into one quotient when :func:`closed_form_bound` exceeds :data:`MAX_QUOTIENT`.

    Raises
    ------
    TooLarge
        With the predicted size, the limit and what to do instead.
    """
    bound = closed_form_bound(form)
    if bound > MAX_QUOTIENT:
        raise TooLarge(
            f"{what}: expanding the definitions into one cancelled quotient predicts up to {bound:.3g} monomials "
            f"(limit {MAX_QUOTIENT:.3g}) and would take minutes; keep the structured form (it evaluates and "
            f"lambdifies at any size), or {_ADVICE}"
        )
    return bound
