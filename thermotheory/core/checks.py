"""Input checks shared by every entry point: one place that says what a valid value is.

Models, substitutions, evaluation, the command line and the Monte Carlo front ends all
read user values through these functions, so a NaN, an infinity, a complex number, a
string where an expression belongs, or a value outside a symbol's declared assumptions
(a negative time constant) is refused with the same clear :class:`ModelError` wherever
it enters.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError

__all__ = ["as_expression", "check_value", "check_against_assumptions", "check_finite_array", "check_distinct_names"]

#: Assumptions of a Symbol that a substituted value must not contradict, with their wording.
_ASSUMPTIONS = (
    ("positive", "positive"),
    ("nonnegative", "non-negative"),
    ("negative", "negative"),
    ("nonpositive", "non-positive"),
    ("nonzero", "non-zero"),
    ("integer", "an integer"),
    ("real", "real"),
)

_NON_FINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


def as_expression(value: Any, what: str) -> sp.Expr:
    """A sympy expression from a number or sympy object; strings and other objects are refused.

    Parameters
    ----------
    value : number or sympy expression
    what : str
        What the value is, for the message (``"the drift of x"``).

    Raises
    ------
    ModelError
        For a string (expressions are built from Symbols, not parsed from text), a bool,
        an object sympy cannot read, or an expression containing NaN or an infinity.

    Examples
    --------
    >>> as_expression(0.5, "the diffusion of x")
    0.500000000000000
    >>> as_expression("x + 1", "the drift of x")
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: the drift of x: expected a sympy expression or a number but found the string 'x + 1' (build expressions from sympy Symbols)
    """
    if isinstance(value, str):
        raise ModelError(f"{what}: expected a sympy expression or a number but found the string {value!r} "
                         "(build expressions from sympy Symbols)")
    if isinstance(value, (bool, np.bool_)):
        raise ModelError(f"{what}: expected a number but found {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    try:
        expr = sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError, ValueError):
        raise ModelError(f"{what}: expected a sympy expression or a number but found {value!r}") from None
    if not isinstance(expr, sp.Expr):
        raise ModelError(f"{what}: expected a scalar expression but found {type(value).__name__} {value!r}")
    if expr.has(*_NON_FINITE):
        raise ModelError(f"{what}: expected a finite value but found {expr}")
    if expr.is_extended_real is False or (expr.is_number and abs(sp.im(expr.evalf(15))) > 0):
        raise ModelError(f"{what}: expected a real value but found {expr}")
    return expr


def check_against_assumptions(symbol: sp.Symbol, value: sp.Expr, what: str | None = None) -> None:
    """Refuse a value that provably contradicts an assumption declared on its Symbol.

    A value with free symbols is refused only when the contradiction is certain
    (three-valued logic: an undecided assumption passes).

    Raises
    ------
    ModelError
        For example a negative value for a Symbol declared ``positive=True``.

    Examples
    --------
    >>> import sympy as sp
    >>> check_against_assumptions(sp.Symbol("tau", positive=True), sp.Integer(-1))
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: tau = -1 contradicts its declared assumptions: tau is positive
    """
    for key, word in _ASSUMPTIONS:
        if getattr(symbol, "is_" + key) is True and getattr(value, "is_" + key) is False:
            name = what or str(symbol)
            raise ModelError(f"{name} = {value} contradicts its declared assumptions: {symbol} is {word}")


def check_value(value: Any, symbol: sp.Symbol | None = None, what: str | None = None) -> sp.Expr:
    """A checked value for a parameter: finite, real, and within the Symbol's assumptions.

    Floats that are whole numbers become sympy Integers (so ``2.0`` and ``2`` give the
    same exact closed forms).

    Examples
    --------
    >>> import sympy as sp
    >>> check_value(2.0, sp.Symbol("k", positive=True))
    2
    >>> check_value(float("nan"), sp.Symbol("k"))
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: k: expected a finite value but found nan
    """
    label = what or (str(symbol) if symbol is not None else "value")
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        expr = sp.Integer(int(value))
    else:
        expr = as_expression(value, label)
    if symbol is not None:
        check_against_assumptions(symbol, expr, what)
    return expr


def check_finite_array(name: str, arr: Any) -> np.ndarray:
    """A real float array with finite entries, or a ModelError naming the first bad entry.

    Examples
    --------
    >>> check_finite_array("A", [[1.0, float("inf")]])
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: A: entries must be finite real numbers but A[0, 1] = inf
    """
    raw = np.asarray(arr)
    if raw.dtype.kind == "c":
        if np.any(raw.imag != 0):
            bad = tuple(int(i) for i in np.argwhere(raw.imag != 0)[0])
            raise ModelError(f"{name}: entries must be real numbers but {name}[{', '.join(map(str, bad))}] = {raw[bad]}")
        raw = raw.real
    if raw.dtype.kind == "b":
        raise ModelError(f"{name}: expected numbers but found booleans")
    try:
        out = np.array(raw, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: expected an array of real numbers") from None
    if not np.all(np.isfinite(out)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(out))[0])
        raise ModelError(f"{name}: entries must be finite real numbers but {name}[{', '.join(map(str, bad))}] = "
                         f"{out[bad]}")
    return out


def check_distinct_names(variables: Iterable[sp.Symbol], what: str = "variables") -> None:
    """Refuse two state variables with the same name (Symbols that differ only in assumptions).

    Examples
    --------
    >>> import sympy as sp
    >>> check_distinct_names([sp.Symbol("x"), sp.Symbol("x", real=True)])
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: variables: the name 'x' is used by two different state variables (Symbols with other assumptions); give each variable its own name
    """
    seen: set[str] = set()
    for v in variables:
        if v.name in seen:
            raise ModelError(f"{what}: the name {v.name!r} is used by two different state variables "
                             "(Symbols with other assumptions); give each variable its own name")
        seen.add(v.name)


def is_number(value: Any) -> bool:
    """True for a real Python, numpy or sympy number (not a bool)."""
    return isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(value, bool)
