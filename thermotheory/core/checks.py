"""Input checks shared by every entry point: one place that says what a valid value is.

Models, substitutions, evaluation, the command line and the Monte Carlo front ends all
read user values through these functions, so a NaN, an infinity, a complex number, a
string where an expression belongs, or a value outside a symbol's declared assumptions
(a negative time constant) is refused with the same clear :class:`ModelError` wherever
it enters.
"""

from __future__ import annotations

import abc
import functools
import numbers
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import sympy as sp

from ..errors import IllConditioned, ModelError, NotAModel

__all__ = ["as_expression", "check_value", "check_against_assumptions", "violated_assumption", "real_number",
           "check_finite_array", "check_distinct_names", "check_square_array", "check_finite_result", "guarded",
           "check_initial", "user_stacklevel", "check_model", "LinearModel", "NON_FINITE", "ASSUMPTION_WORDS"]

#: Assumptions of a Symbol that a value must not contradict, in the order they are tested, with their wording.
ASSUMPTION_WORDS = {
    "positive": "positive",
    "nonnegative": "non-negative",
    "negative": "negative",
    "nonpositive": "non-positive",
    "nonzero": "non-zero",
    "integer": "an integer",
    "real": "real",
}

#: The sympy atoms that make an expression undefined or infinite.
NON_FINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


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
    if expr.has(*NON_FINITE):
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
    key = violated_assumption(symbol, value)
    if key is not None:
        name = what or str(symbol)
        raise ModelError(f"{name} = {value} contradicts its declared assumptions: {symbol} is {ASSUMPTION_WORDS[key]}")


def violated_assumption(symbol: sp.Symbol, value: Any) -> str | None:
    """The first assumption declared on ``symbol`` that ``value`` provably breaks (``"positive"``, ...), or None.

    ``value`` is a sympy expression or a real number (a float or an mpmath number is
    read exactly; a whole one as an integer). The callers word the refusal.

    Examples
    --------
    >>> import sympy as sp
    >>> violated_assumption(sp.Symbol("N", integer=True, positive=True), 2.5)
    'integer'
    >>> violated_assumption(sp.Symbol("tau", positive=True), 0.5) is None
    True
    """
    if not isinstance(value, sp.Basic):
        value = sp.Integer(int(value)) if value == int(value) else sp.Float(value)
    for key in ASSUMPTION_WORDS:
        if getattr(symbol, "is_" + key) is True and getattr(value, "is_" + key) is False:
            return key
    return None


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
    if arr is None:
        raise ModelError(f"{name}: expected an array of real numbers but found None")
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


def real_number(name: str, value: Any) -> float:
    """A setting as a finite real float: booleans, text, complex numbers and arrays are refused.

    Examples
    --------
    >>> real_number("dt", 0.5)
    0.5
    >>> real_number("dt", "0.5")
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: dt: expected a real number but found '0.5'
    """
    bad = isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)) or np.ndim(value) != 0
    try:
        out = float(value) if not bad else np.nan
    except (TypeError, ValueError):
        bad = True
    if bad:
        raise ModelError(f"{name}: expected a real number but found {value!r}")
    if not np.isfinite(out):
        raise ModelError(f"{name}: expected a finite number but found {value!r}")
    return out


def check_square_array(name: str, arr: Any, n: int | None = None) -> np.ndarray:
    """A finite real ``(n, n)`` float array (any ``n >= 1`` when ``n`` is None), or a ModelError.

    Examples
    --------
    >>> check_square_array("cov", [[1.0, 0.0]])
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: cov: expected a square (n, n) matrix but found shape (1, 2)
    """
    out = check_finite_array(name, arr)
    want = "(n, n)" if n is None else f"({n}, {n})"
    if out.ndim != 2 or out.shape[0] != out.shape[1] or out.shape[0] == 0 or (n is not None and out.shape[0] != n):
        raise ModelError(f"{name}: expected a square {want} matrix but found shape {out.shape}")
    return out


def check_finite_result(what: str, value: Any) -> None:
    """Refuse a result that holds a NaN or an infinity (a float, an array, or a sympy expression).

    Examples
    --------
    >>> check_finite_result("entropy", float("nan"))
    Traceback (most recent call last):
    ...
    thermotheory.errors.IllConditioned: entropy: the result is not a finite number (nan): the model or the inputs exceed what double precision can represent
    """
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        if value.has(*NON_FINITE):
            raise ModelError(f"{what}: the closed form is undefined (it contains {value.atoms(*NON_FINITE) or 'oo'}) "
                             "for this model")
        return
    if isinstance(value, (numbers.Number, np.number, np.ndarray)):
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            shown = value if arr.ndim == 0 else arr[~np.isfinite(arr)][0]
            raise IllConditioned(f"{what}: the result is not a finite number ({shown}): the model or the inputs "
                                 "exceed what double precision can represent")


class LinearModel(abc.ABC):
    """The kind of model the linear closed forms take: :class:`~thermotheory.LinearSDE` registers itself here.

    :func:`check_model` asks ``isinstance(model, LinearModel)``, so that this module, below the
    model, imports no model.
    """

    __slots__ = ()


def check_model(model: Any, what: str) -> None:
    """Refuse anything but a :class:`~thermotheory.LinearSDE` where a quantity of a model is asked.

    :func:`guarded` calls it for every closed form whose first argument is ``model``, so a
    dict, a matrix or a nonlinear SDE gets one clear error instead of an AttributeError
    from deep inside.

    Raises
    ------
    NotAModel
        A ModelError that is also a TypeError, saying what was expected and what came.

    Examples
    --------
    >>> check_model({"x": 1}, "stationary_covariance")
    Traceback (most recent call last):
    ...
    thermotheory.errors.NotAModel: stationary_covariance: expected a LinearSDE (build one with LinearSDE(drift, diffusion) or LinearSDE.from_matrices(A, D)) but found dict {'x': 1}
    """
    if isinstance(model, LinearModel):
        return
    shown = repr(model)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    hint = " (linearize it first: SDE.linearize(), or linear_noise_approximation)" if type(model).__name__ == "SDE" else ""
    raise NotAModel(f"{what}: expected a LinearSDE (build one with LinearSDE(drift, diffusion) or "
                    f"LinearSDE.from_matrices(A, D)) but found {type(model).__name__} {shown}{hint}")


_F = TypeVar("_F", bound=Callable[..., Any])


def guarded(fn: _F) -> _F:
    """Run a closed form with floating-point overflow and invalid operations as errors, and refuse a NaN result.

    A numeric entry point wrapped by it never returns a NaN or an infinity and never
    lets numpy's ``RuntimeWarning`` through with a meaningless number: an overflow, an
    invalid operation (``inf - inf``, ``0 * inf``) or a non-finite result raises
    :class:`~thermotheory.errors.IllConditioned` naming the function. Underflow is
    harmless (a tiny number becomes 0) and passes.

    Examples
    --------
    >>> @guarded
    ... def square(x):
    ...     return np.float64(x) ** 2
    >>> square(1e200)
    Traceback (most recent call last):
    ...
    thermotheory.errors.IllConditioned: square: a floating-point overflow or invalid operation (overflow encountered in scalar power): the model or the inputs exceed what double precision can represent
    """

    import inspect

    params = list(inspect.signature(fn).parameters)
    takes_model = bool(params) and params[0] == "model"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if takes_model:
            check_model(args[0] if args else kwargs.get("model"), fn.__name__)
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                out = fn(*args, **kwargs)
        except FloatingPointError as exc:
            raise IllConditioned(f"{fn.__name__}: a floating-point overflow or invalid operation ({exc}): the model "
                                 "or the inputs exceed what double precision can represent") from None
        check_finite_result(fn.__name__, out)
        return out

    return wrapper  # type: ignore[return-value]


def check_initial(initial: Any, numeric: bool, what: str) -> None:
    """Refuse an initial covariance or mean whose entries are not finite real numbers (before any shape checks).

    A mapping (variable -> value) has each value checked like a parameter value; an
    array or nested list of a numeric model must convert to finite floats. Symbolic
    models accept expressions (their entries are checked when the matrix is built).

    Examples
    --------
    >>> check_initial({"x": 1j}, True, "initial covariance")
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: initial covariance of x: expected a real value but found 1.0*I
    """
    if initial is None:
        return
    if isinstance(initial, dict):
        for key, val in initial.items():
            check_value(val, what=f"{what} of {key}")
        return
    if isinstance(initial, (str, bytes)):
        raise ModelError(f"{what}: expected numbers but found the string {initial!r}")
    if numeric and not isinstance(initial, sp.MatrixBase):
        check_finite_array(what, initial)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` of :func:`warnings.warn` that names the first caller outside the package.

    Called by the function that warns: however many of the package's wrappers and helpers
    lie between the user's call and the warning, the warning points at the user's line.

    Examples
    --------
    >>> import warnings
    >>> def warn_here():
    ...     warnings.warn("look", UserWarning, stacklevel=user_stacklevel())
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_here()
    >>> caught[0].filename.startswith(_PACKAGE)
    False
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
        level += 1
    return level
