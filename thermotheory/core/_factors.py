"""sympy's ``Factors`` built from a dictionary without turning the dictionary into a sympy ``Dict`` first.

``sympy.core.exprtools.Factors.__init__`` begins ``factors in (None, S.One)``. Given a dictionary (as ``Factors.mul``,
``normal``, ``gcd`` and ``quo`` give it, thousands of times in each ``together``, ``factor_terms`` and
``gcd_terms``), the comparison with ``S.One`` sympifies the whole dictionary into a sorted ``Dict`` only to find it
unequal. That was about a tenth of the CPU time of a derivation page (sympy 1.14; issue #25).

:func:`install` wraps ``Factors.__init__`` so that a plain dictionary arrives as a dictionary that declines
sympification (sympy's own ``CantSympify`` mixin, made for this). The comparisons then answer False at once, as they
did after the conversion, and ``__init__`` takes the same branch: it copies the dictionary into a plain one and
tidies its powers of -1 and ``I``. For every dictionary sympy accepts nothing else changes, and every result is the
same object as before: ``tests/test_sympy_factors.py`` compares them with sympy's own ``__init__`` on random sums and
quotients, and the derivation pages are byte for byte the same. (A dictionary sympy refuses, with a list for an
exponent, may now pass.)
"""

from __future__ import annotations

import functools
from typing import Any

from sympy.core import exprtools
from sympy.core.sympify import CantSympify


class _Unsympifiable(dict, CantSympify):
    """A dictionary that sympy's comparisons decline at once (``S.One == d`` is False, as for any dictionary)."""

    __slots__ = ()


def install() -> None:
    """Wrap ``Factors.__init__`` once (idempotent). The wrapped form keeps sympy's signature and docstring.

    Examples
    --------
    >>> import sympy as sp
    >>> from sympy.core.exprtools import Factors
    >>> install()
    >>> x = sp.Symbol("x")
    >>> f = Factors({x: sp.Integer(2), sp.S.NegativeOne: sp.Integer(3)})
    >>> f.factors == {x: 2, sp.S.NegativeOne: 1}, type(f.factors) is dict
    (True, True)
    """
    init = exprtools.Factors.__init__
    if getattr(init, "_thermotheory", False):
        return

    @functools.wraps(init)
    def __init__(self: Any, factors: Any = None) -> None:
        if type(factors) is dict:
            factors = _Unsympifiable(factors)
        init(self, factors)

    __init__._thermotheory = True  # type: ignore[attr-defined]
    exprtools.Factors.__init__ = __init__
