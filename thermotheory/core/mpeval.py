"""Evaluation of sympy expressions at any precision (mpmath), with the checks of :func:`thermotheory.evaluate`.

The engine below :class:`~thermotheory.core.closedform.ClosedForm` (which evaluates its
definitions with it) and :func:`thermotheory.evaluate` (which dispatches a ClosedForm to its own
:meth:`~thermotheory.core.closedform.ClosedForm.evaluate` and anything else here).
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from ..errors import ModelError
from .checks import ASSUMPTION_WORDS, NON_FINITE, violated_assumption

__all__ = ["evaluate_expression", "check_dps", "MAX_DPS"]

MAX_DPS = 10_000
"""The most decimal digits :func:`check_dps` accepts (mpmath at more takes minutes per operation)."""


def check_dps(dps: Any) -> int:
    """Validate a ``dps=`` argument (decimal digits of working precision): a positive int, not a bool.

    At most :data:`MAX_DPS` digits.

    Examples
    --------
    >>> check_dps(20)
    20
    >>> check_dps(0)
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: dps: expected a positive integer (decimal digits) but found 0
    """
    if isinstance(dps, (bool, np.bool_)) or not isinstance(dps, (int, np.integer)) or dps < 1:
        raise ModelError(f"dps: expected a positive integer (decimal digits) but found {dps!r}")
    if dps > MAX_DPS:
        raise ModelError(f"dps: {dps} decimal digits is more than the {MAX_DPS} this library evaluates at (the "
                         "arithmetic would take minutes and gigabytes); ask for fewer digits")
    return int(dps)


@lru_cache(maxsize=512)
def _compiled(expr: sp.Basic, symbols: tuple[sp.Symbol, ...]):
    return sp.lambdify(symbols, expr, modules="mpmath", cse=True)


def _to_mpf(value: Any) -> Any:
    if isinstance(value, (mpmath.mpf, mpmath.mpc)):
        return value
    if isinstance(value, bool):
        raise ModelError(f"expected a number but found {value!r}")
    if isinstance(value, (int, np.integer)):
        return mpmath.mpf(int(value))
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    if isinstance(value, sp.Rational):
        return mpmath.mpf(int(value.p)) / int(value.q)
    if isinstance(value, sp.Basic):
        if value.free_symbols:
            raise ModelError(f"expected a number but found the expression {value}")
        if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            raise ModelError(f"expected a finite number but found {value}")
        try:
            return mpmath.mpmathify(value.evalf(mpmath.mp.dps + 5))
        except (TypeError, ValueError):
            raise ModelError(f"expected a real number but found {value}") from None
    if isinstance(value, (float, np.floating)):
        return mpmath.mpf(value)
    if isinstance(value, str):
        try:
            return mpmath.mpf(value.strip())
        except (ValueError, TypeError):
            raise ModelError(f"expected a number but found the string {value!r} (text is read only when it is a "
                             "decimal number such as '0.1')") from None
    raise ModelError(f"expected a number but found {value!r}")


def evaluate_expression(expr: Any, values: Mapping[sp.Symbol | str, Any] | None = None, dps: int = 30) -> Any:
    """A sympy expression, Matrix or 1-D array (a mean) evaluated with mpmath at ``dps`` digits.

    :func:`thermotheory.evaluate` for anything but a ClosedForm: the same arguments, checks,
    results and errors (see there).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> evaluate_expression(sp.log(1 + x) / 2, {x: "0.5"}, dps=20)
    mpf('0.20273255405408219')
    """
    dps = check_dps(dps)
    if values is not None and not isinstance(values, Mapping):
        raise ModelError(f"values: expected a mapping from Symbol (or name) to number but found {values!r}")
    values = dict(values or {})
    if isinstance(expr, sp.NDimArray) and expr.rank() == 1:  # a mean: evaluated as its column
        expr = sp.ImmutableMatrix(list(expr))
    expr = _closed_form(expr)
    by_name = {s.name: s for s in expr.free_symbols}
    subs: dict[sp.Symbol, Any] = {}
    for key, val in values.items():
        if isinstance(key, str):
            if key not in by_name:
                continue
            key = by_name[key]
        subs[key] = val
    missing = sorted(s.name for s in expr.free_symbols if s not in subs)
    if missing:
        raise ModelError(f"no value given for {missing}")
    symbols = tuple(sorted(expr.free_symbols, key=lambda s: s.name))
    with mpmath.workdps(dps):
        args = [_checked(s, _value(s, subs[s])) for s in symbols]
        real = all(isinstance(a, mpmath.mpf) for a in args)
        try:
            if isinstance(expr, sp.MatrixBase):
                out = mpmath.matrix(expr.rows, expr.cols)
                for i in range(expr.rows):
                    for j in range(expr.cols):
                        _check_denominators(expr[i, j], symbols, args, dps)
                        out[i, j] = _realify(_compiled(expr[i, j], symbols)(*args), dps, real)
                return out
            _check_denominators(expr, symbols, args, dps)
            return _realify(_compiled(expr, symbols)(*args), dps, real)
        except ZeroDivisionError:
            raise ModelError("the expression is undefined at these values (a division by zero)") from None


def _value(symbol: sp.Symbol, value: Any) -> Any:
    """``value`` as an mpmath number, a refusal naming ``symbol``."""
    try:
        return _to_mpf(value)
    except ModelError as exc:
        raise ModelError(f"{symbol}: {exc}") from None


def _check_denominators(expr: sp.Expr, symbols: tuple, args: list, dps: int) -> None:
    """Refuse values at which a denominator of the closed form vanishes, or so nearly that no digits are left.

    Closed forms derived for distinct rates divide by their differences (``a - b``): at
    ``a = b`` the limit exists but the formula gives 0/0, and near it the cancellation
    eats digits. A denominator below ``10**(5 - dps)`` of the size of its terms is refused
    (naming it) rather than evaluated into a meaningless number.
    """
    bases = {p.base for p in expr.atoms(sp.Pow) if p.exp.is_negative and p.base.free_symbols}
    for base in sorted(bases, key=sp.default_sort_key):
        value = abs(_compiled(base, symbols)(*args))
        terms = sp.Add.make_args(sp.expand(base)) if base.is_Add else (base,)
        scale = sum(abs(_compiled(t, symbols)(*args)) for t in terms) if base.is_Add else value
        if scale > 0 and value <= scale * mpmath.mpf(10) ** (5 - dps):
            shown = str(base) if len(str(base)) <= 60 else "one of its denominators"
            raise ModelError(
                f"the closed form divides by {shown}, which vanishes at these values (a removable singularity, "
                "as at equal rates, or a true pole): evaluate at nearby values, or substitute the numbers into "
                "the model (model.subs) and use the numeric engine")


def _checked(symbol: sp.Symbol, value: Any) -> Any:
    """Refuse a value that is not finite, not real where the symbol is real, or outside its assumptions."""
    if isinstance(value, mpmath.mpc):
        if symbol.is_real and value.imag != 0:
            raise ModelError(f"{symbol} = {value} is not real, but {symbol} is declared real")
        if value.imag == 0:
            value = value.real
    if not mpmath.isfinite(value):
        raise ModelError(f"{symbol}: expected a finite value but found {value}")
    key = violated_assumption(symbol, value) if isinstance(value, mpmath.mpf) else None
    if key is not None:
        raise ModelError(
            f"{symbol} = {mpmath.nstr(value, 8)} is outside its declared assumptions: {symbol} is "
            f"{ASSUMPTION_WORDS[key]} (the closed form was derived under that assumption and does not hold here)"
        )
    return value


def _realify(x: Any, dps: int, real: bool = True) -> Any:
    x = mpmath.mpmathify(x)
    if mpmath.isnan(x):
        raise ModelError("the expression is undefined (NaN) at these values (a 0/0 or inf - inf)")
    if isinstance(x, mpmath.mpc):
        if abs(x.imag) <= mpmath.mpf(10) ** (5 - dps) * max(abs(x.real), 1):
            return +x.real
        if not real:  # complex values given for a Symbol not declared real: a complex answer may be meant
            return +x
        raise ModelError(
            f"the closed form is not real at these values (it evaluates to {mpmath.nstr(x, 8)}): the values lie outside "
            "the region where it was derived (for a model whose stability could not be decided, probably where its "
            "drift is unstable and there is no stationary state; ask for form=\"structured\", which checks it)")
    return +x


def _closed_form(expr: Any, finite: bool = True) -> Any:
    """A sympy expression or immutable Matrix; text, non-expressions and (with ``finite``) NaN or infinities refused."""
    if isinstance(expr, sp.MatrixBase):
        out = sp.ImmutableMatrix(expr)
    else:
        if isinstance(expr, (str, bytes)):
            raise ModelError(f"expected a sympy expression or a number but found the string {expr!r}")
        try:
            out = sp.sympify(expr, strict=True)
        except (sp.SympifyError, TypeError, ValueError):
            raise ModelError(f"expected a sympy expression or a number but found {expr!r}") from None
        if finite and not isinstance(out, sp.Expr):
            raise ModelError(f"expected a scalar expression but found {type(expr).__name__} {expr!r}")
    if finite and out.has(*NON_FINITE):
        raise ModelError(f"the expression {out} is undefined or infinite (it contains NaN or an infinity)")
    return out
