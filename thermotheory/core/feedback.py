r"""Feedback forces on odd variables: which part of the drift is not the bath's.

A velocity-dependent feedback force (cold damping: :math:`F_{fb} = -\gamma' v`) is odd
under time reversal like friction, so the parity split of the drift counts it as
friction from the bath, and a cold-damped particle looks like an equilibrium particle at
a lower temperature. Declaring it (``LinearSDE(..., feedback={v: -gamma_p * v})``)
separates it: the bath's irreversible drift is the parity-irreversible part of
:math:`A - A_{fb}`, and the feedback adds the *entropy pumping* rate
:math:`\dot S_{pump} = -\operatorname{tr}(A_{fb})`, :math:`-\langle \partial_v F_{fb}\rangle / m`
for one velocity (Kim & Qian 2004; Munakata & Rosinberg 2014).

This module validates the declaration and gives the numeric and symbolic feedback
matrices; :mod:`~thermotheory.core.thermo` and the Monte Carlo rate estimators use them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..errors import InvalidParity, ModelError, NonlinearDrift, UnknownVariable
from .checks import as_expression

__all__ = ["feedback_matrix", "feedback_array", "check_part_of_drift", "check_bath_friction"]


def feedback_matrix(variables: tuple[sp.Symbol, ...], parity: tuple[int, ...], feedback: Any,
                    A: sp.MatrixBase, b: sp.MatrixBase, time: sp.Symbol | None = None) -> sp.ImmutableMatrix | None:
    """Validate a feedback declaration and return its coefficient matrix ``A_fb`` (None for no feedback).

    Parameters
    ----------
    variables, parity
        The model's state variables and parities.
    feedback : mapping Symbol -> expression, or None
        The feedback force (per unit mass, as it enters the drift) on each odd variable:
        a part of that variable's drift, linear in the state variables, no constant term.
    A, b : sympy matrices
        The model's drift matrix and constant drift (the feedback's parameters must be
        among theirs: a feedback force is part of the drift, not added to it).
    time : Symbol, optional
        The model's symbol of time; the feedback may not depend on it.

    Returns
    -------
    sympy ImmutableMatrix or None
        ``A_fb`` of shape ``(n, n)``, nonzero only in the rows of odd variables; None when
        nothing (or only zero) is declared.

    Raises
    ------
    UnknownVariable, InvalidParity, NonlinearDrift, ModelError
        For a key that is not a state variable, an even variable, a term that is not
        linear in the state, a constant term, symbols absent from the drift, or a term
        that is not a part of the drift (:func:`check_part_of_drift`).

    Examples
    --------
    >>> import sympy as sp
    >>> v = sp.Symbol("v", real=True)
    >>> g, gp = sp.symbols("gamma gamma_p", positive=True)
    >>> feedback_matrix((v,), (-1,), {v: -gp * v}, sp.Matrix([[-g - gp]]), sp.Matrix([0]))
    Matrix([[-gamma_p]])
    """
    if feedback is None:
        return None
    if not isinstance(feedback, Mapping):
        raise ModelError(f"feedback: expected a mapping from odd state variable to its feedback force but found "
                         f"{feedback!r}")
    n = len(variables)
    names = ", ".join(v.name for v in variables)
    allowed = (A.free_symbols | b.free_symbols) - set(variables)
    F = sp.zeros(n, n)
    for key, force in feedback.items():
        if isinstance(key, str):
            key = next((v for v in variables if v.name == key), key)
        if key not in variables:
            raise UnknownVariable(f"feedback: {key!r} is not a state variable (variables: {names})")
        i = variables.index(key)
        if parity[i] != -1:
            raise InvalidParity(
                f"feedback on {key}: a feedback force is declared on odd (velocity-like) variables only; on an even "
                f"variable {key} every force is balanced by the bath's friction (overdamped), so the drift already "
                "counts it right: leave it undeclared"
            )
        expr = as_expression(force, f"the feedback on {key}")
        if time is not None and time in expr.free_symbols:
            raise ModelError(f"feedback on {key}: the feedback force may not depend on time {time}")
        extra = expr.free_symbols - set(variables) - allowed
        if extra:
            raise ModelError(
                f"feedback on {key}: the symbols {sorted(s.name for s in extra)} do not appear in the drift; the "
                "feedback declares which part of the drift is a feedback force, so its terms must be in the drift"
            )
        for term in sp.Add.make_args(sp.expand_mul(expr)):
            if term == 0:
                continue
            coeff, dep = term.as_independent(*variables, as_Add=False)
            if dep == 1:
                raise ModelError(
                    f"feedback on {key}: the constant term {term} is not a feedback force (a constant force is "
                    "reversible and needs no declaration)"
                )
            if dep not in variables:
                raise NonlinearDrift(f"feedback on {key}: the term {term} is not linear in the state variables")
            F[i, variables.index(dep)] += coeff
    for i in range(n):
        for j in range(n):
            if F[i, j] != 0:
                check_part_of_drift(variables[i], variables[j], A[i, j], F[i, j])
    F = sp.ImmutableMatrix(F.applyfunc(sp.factor_terms))
    return None if F.is_zero_matrix else F


def check_part_of_drift(var: sp.Symbol, dep: sp.Symbol, drift: Any, force: Any) -> None:
    r"""Refuse a feedback coefficient that is not a part of the drift coefficient it declares.

    The feedback declares which part of the drift is not the bath's, so the drift less the
    feedback must be what is left of the drift's own terms. Both coefficients (of ``dep``
    in the drift of ``var``) are expanded into terms, each a number times a product of
    parameters; for every term :math:`c_f\,p` of the feedback the drift must hold a term
    :math:`c_a\,p` with the same product ``p`` and :math:`0 < c_f / c_a \le 1`: the
    feedback takes all or a part of that term, never more, never with the other sign (a
    number splits like a term without parameters: drift ``-3 v``, feedback ``-2 v``).

    Raises
    ------
    ModelError
        When a term of the feedback is not (a part of) a term of the drift: drift ``-q``
        with feedback ``-5 q`` would leave the bath an anti-friction ``+4 q``.

    Examples
    --------
    >>> import sympy as sp
    >>> q = sp.Symbol("q", real=True)
    >>> g, gp = sp.symbols("gamma gamma_p", positive=True)
    >>> check_part_of_drift(q, q, -g - gp, -gp)
    >>> check_part_of_drift(q, q, sp.Integer(-1), sp.Integer(-5))
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: feedback on q: the term -5 (of q) is not a part of the drift's coefficient -1 of q; the feedback declares which part of the drift is a feedback force, so each of its terms must be (a part of, with the same sign) a term of the drift
    """
    have = sp.expand(sp.sympify(drift)).as_coefficients_dict()
    for mono, cf in sp.expand(sp.sympify(force)).as_coefficients_dict().items():
        ca = have.get(mono, 0)
        ratio = cf / ca if ca != 0 else None
        if ratio is None or not (ratio > 0 and ratio <= 1 + 1e-12):
            raise ModelError(
                f"feedback on {var}: the term {cf * mono} (of {dep}) is not a part of the drift's coefficient "
                f"{drift} of {dep}; the feedback declares which part of the drift is a feedback force, so each of its "
                "terms must be (a part of, with the same sign) a term of the drift"
            )


def check_bath_friction(variables: tuple[sp.Symbol, ...], A: sp.MatrixBase, F: sp.MatrixBase | None,
                        D: sp.MatrixBase) -> None:
    r"""Refuse a feedback that takes the whole friction of a variable the bath still kicks.

    The bath of an odd variable ``v`` is what is left of its own drift coefficient once
    the feedback is taken out, :math:`A_{vv} - A^{fb}_{vv}`; with noise :math:`D_{vv} > 0`
    and no friction left the bath would be infinitely hot (its temperature is
    :math:`D_{vv}/\gamma`), and the heat it receives has no meaning.

    Raises
    ------
    ModelError
        When a noisy variable's own drift coefficient is all feedback.

    Examples
    --------
    >>> import sympy as sp
    >>> v = sp.Symbol("v", real=True)
    >>> check_bath_friction((v,), sp.Matrix([[-3]]), sp.Matrix([[-2]]), sp.Matrix([[1]]))
    >>> check_bath_friction((v,), sp.Matrix([[-1]]), sp.Matrix([[-1]]), sp.Matrix([[1]]))
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: feedback on v: the feedback takes the whole friction -1 of v, but v has noise (D = 1): its bath would have no friction and an infinite temperature; declare only the controller's part of the friction as feedback
    """
    if F is None:
        return
    for i, var in enumerate(variables):
        if F[i, i] == 0 or D[i, i] == 0:
            continue
        if sp.expand(A[i, i] - F[i, i]) == 0:
            raise ModelError(
                f"feedback on {var}: the feedback takes the whole friction {A[i, i]} of {var}, but {var} has noise "
                f"(D = {D[i, i]}): its bath would have no friction and an infinite temperature; declare only the "
                "controller's part of the friction as feedback"
            )


def feedback_array(model: Any) -> np.ndarray | None:
    """The feedback matrix ``A_fb`` of a numeric model as a float array, or None without feedback.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> v = sp.Symbol("v", real=True)
    >>> m = LinearSDE({v: -3 * v}, {v: 1}, parity={v: -1}, feedback={v: -2 * v})
    >>> feedback_array(m).tolist()
    [[-2.0]]
    """
    F = model.feedback
    if F is None:
        return None
    if model.parameters:
        raise ModelError(f"the model has free parameters {[p.name for p in model.parameters]}; substitute values "
                         "with subs()")
    arr = np.array(np.asarray(F.evalf(), dtype=float), dtype=float)
    arr.setflags(write=False)
    return arr
