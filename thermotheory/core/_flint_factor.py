r"""Multivariate factorisation by python-flint, giving exactly what ``sympy.factor`` gives.

sympy factors a polynomial in several variables in pure Python (Wang's algorithm over its dense
recursive representation), even when python-flint supplies its integers. FLINT factors the same
polynomial in C. :func:`flint_factor` follows ``sympy.factor``'s own steps (bring the expression over
one denominator, factor each base of the product as a polynomial in its generators, keep the
numerical coefficient in front) and hands the polynomials over the integers or rationals to FLINT.
Both normalise each irreducible factor to be primitive with a positive leading coefficient in the
lexicographic order of the same generators, and a factorisation is unique up to order, so the
product built here is the very expression sympy builds (``tests/test_flint_factor.py`` checks it on
random products and on the forms of the derivation pages).

Anything else (a non-integer power of a sum, coefficients that are not rational, a base with its
own ``_eval_factor``, python-flint missing or older than 0.7) answers ``None``, and the caller uses
sympy.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp
from sympy.core.mul import _keep_coeff

__all__ = ["flint_factor", "available"]


@lru_cache(maxsize=1)
def available() -> bool:
    """Whether python-flint with multivariate integer polynomials (0.7 or later) is installed.

    Examples
    --------
    >>> available() in (True, False)
    True
    """
    try:
        import flint
    except ImportError:
        return False
    ctx = getattr(flint, "fmpz_mpoly_ctx", None)
    return ctx is not None and hasattr(ctx, "get")


def _integer_factor_list(poly: sp.Poly) -> tuple[sp.Integer, list[tuple[sp.Expr, int]]]:
    """The integer content and the irreducible factors (as expressions) of a Poly over ZZ, by FLINT."""
    import flint

    names = tuple(f"x{i}" for i in range(len(poly.gens)))
    ctx = flint.fmpz_mpoly_ctx.get(names, "lex")
    p = ctx.from_dict({m: int(c) for m, c in poly.as_dict().items()})
    content, factors = p.factor()  # (python-flint 0.9 raises OverflowError sorting factors with big coefficients)
    out = [(sp.Poly.from_dict({m: int(c) for m, c in f.to_dict().items()}, *poly.gens, domain=sp.ZZ).as_expr(),
            int(k)) for f, k in factors]
    return sp.Integer(int(content)), out


def _factor_list(base: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Expr, int]]] | None:
    """The coefficient and the factors of one base of a product, or None where FLINT does not apply."""
    try:
        poly = sp.Poly(base)
    except (sp.PolynomialError, sp.GeneratorsNeeded, sp.CoercionFailed):
        return None
    if poly.domain not in (sp.ZZ, sp.QQ):
        return None
    if len(poly.gens) < 2:  # one variable: sympy's own path already uses FLINT where it is installed
        c, fs = poly.factor_list()
        return c, [(f.as_expr(), k) for f, k in fs]
    den = sp.S.One
    if poly.domain == sp.QQ:
        den, poly = poly.clear_denoms(convert=True)
    try:
        c, fs = _integer_factor_list(poly)
    except (OverflowError, ValueError):  # FLINT's bindings refuse some big coefficients: sympy factors them
        return None
    return c / den, fs


def flint_factor(expr: Any) -> sp.Expr | None:
    """``sympy.factor(expr)``, with the polynomials of several variables factored by FLINT; None where it
    does not apply (the caller then calls sympy).

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> e = sp.expand((x - y) * (x + 2 * y) ** 2) / 3
    >>> flint_factor(e) == sp.factor(e) if available() else True
    True
    """
    if not available() or not isinstance(expr, sp.Expr) or not expr.is_commutative:
        return None
    coeff, factors = sp.S.One, []
    for arg in sp.Mul.make_args(sp.together(expr)):
        if hasattr(arg, "_eval_factor"):
            return None
        if arg.is_Number:
            coeff *= arg
            continue
        base, exponent = arg.args if arg.is_Pow and arg.base is not sp.E else (arg, sp.S.One)
        if base.is_Number or not exponent.is_Integer:
            return None
        listed = _factor_list(base)
        if listed is None:
            return None
        c, fs = listed
        if c is not sp.S.One:
            coeff *= c ** exponent
        factors.extend((f, k * exponent) for f, k in fs)
    return _keep_coeff(coeff, sp.Mul(*[f ** k for f, k in factors]))
