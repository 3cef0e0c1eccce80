"""Evaluation of closed forms at any precision (mpmath) and LaTeX rendering."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError
from .closedform import ClosedForm, latex_of
from .display import model_latex
from .layout import fit_lines
from .model import StateModel
from .mpeval import (  # noqa: F401  (the engine of evaluate; its private names stay importable from here)
    _check_denominators, _checked, _closed_form, _compiled, _realify, _to_mpf, _value, evaluate_expression)

__all__ = ["evaluate", "latex"]


def evaluate(expr: Any, values: Mapping[sp.Symbol | str, Any] | None = None, dps: int = 30) -> Any:
    """Evaluate a closed form with mpmath at ``dps`` significant digits.

    Parameters
    ----------
    expr : sympy expression, Matrix, 1-D array (a mean), :class:`~thermotheory.core.closedform.ClosedForm` (or a number)
    values : mapping from Symbol (or its name) to number
        Numbers may be int, float (taken exactly as its binary value), str (read at
        the working precision, so ``"0.1"`` is one tenth), ``fractions.Fraction``,
        sympy numbers or mpmath numbers.
    dps : int
        Decimal digits of working precision: a positive int (not a bool).

    Returns
    -------
    mpmath.mpf (or mpmath.matrix for a Matrix, a column for a 1-D array)
        A result whose imaginary part vanishes to working precision is returned as real.

    Raises
    ------
    ModelError
        When a free symbol of ``expr`` has no value, a value is not finite, or a value
        contradicts its Symbol's assumptions (a negative value for a ``positive`` time
        constant: the closed form was derived for positive ones), or the result is NaN or
        not real (a closed form of this package is real wherever it holds: a complex value
        at real parameters means the values lie outside where it was derived, for a model
        whose stability could not be decided typically where its drift is unstable).
    NotStable
        For a :class:`~thermotheory.core.closedform.ClosedForm` that carries a drift matrix
        (its model's stability was undecided) not stable at these values.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import evaluate
    >>> x = sp.Symbol("x", positive=True)
    >>> evaluate(sp.log(1 + x) / 2, {x: "0.5"}, dps=20)
    mpf('0.20273255405408219')
    """
    if isinstance(expr, ClosedForm):  # each checks dps and values as the other does
        return expr.evaluate(values, dps=dps)
    return evaluate_expression(expr, values, dps=dps)


def latex(obj: Any, width: float | None = None) -> str:
    r"""LaTeX for a closed form, a matrix or a model (its system of SDEs, in an ``aligned`` block).

    A model is a :class:`~thermotheory.LinearSDE` or a nonlinear :class:`~thermotheory.SDE`
    (:func:`thermotheory.core.display.model_latex`).

    With ``width`` (a positive finite number of pt, else a ModelError; the documents written by this package have about 440 pt), a closed
    form too wide for one line comes back as an ``aligned`` block broken to fit
    (:func:`thermotheory.core.layout.fit_lines`: a sum term by term, a quotient through
    named sums defined under "where"); by default it is one line.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import latex
    >>> latex(sp.log(sp.Symbol("tau_r")) / 2)
    '\\frac{\\ln \\tau_{r}}{2}'
    """
    if width is not None:
        if isinstance(width, (bool, np.bool_)) or not isinstance(width, (int, float, np.integer, np.floating, Fraction,
                                                                           sp.Rational, sp.Float)):
            raise ModelError(f"width: expected a positive number of points (pt) or None but found {width!r}")
        if not np.isfinite(float(width)) or float(width) <= 0:
            raise ModelError(f"width: expected a positive finite number of points (pt) but found {width!r}")
        width = float(width)
    if isinstance(obj, StateModel) or (not isinstance(obj, ClosedForm)  # a ClosedForm has latex_lines too
                                       and callable(getattr(type(obj), "latex_lines", None))):  # a model of any kind
        return model_latex(obj)
    if width is not None and not isinstance(obj, sp.MatrixBase):
        lines = fit_lines("", obj if isinstance(obj, ClosedForm) else _closed_form(obj, finite=False), width)
        if len(lines) == 1:
            return lines[0].split("&= ", 1)[1]
        lines[0] = "&" + lines[0].split("&=", 1)[1]
        return r"\begin{aligned} " + r" \\ ".join(lines) + r" \end{aligned}"
    if isinstance(obj, ClosedForm):
        return obj.latex()
    return latex_of(_closed_form(obj, finite=False))


