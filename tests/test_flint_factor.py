"""The factorisation by python-flint gives exactly the expression ``sympy.factor`` gives.

The derivation pages are compared byte for byte with the committed ones, so the faster path must
not change one printed character: each case below is compared with sympy's own ``factor`` by
structural equality (``==``), not merely at random points.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from thermotheory.core import budget
from thermotheory.core._flint_factor import available, flint_factor

needs_flint = pytest.mark.skipif(not available(), reason="python-flint 0.7 or later is not installed")

x, y, z, t = sp.symbols("x y z t")
a, b = sp.symbols("a b", positive=True)
GENERATORS = [x, y, z, t, a, b, sp.sqrt(a), sp.log(1 + b), sp.exp(-a * t)]


def _random_polynomial(rng: np.random.Generator, gens: list, rational: bool) -> sp.Expr:
    terms = []
    for _ in range(int(rng.integers(1, 4))):
        c = sp.Integer(int(rng.integers(-6, 7)) or 1)
        if rational:
            c = c / int(rng.integers(1, 5))
        monomial = sp.Mul(*[g ** int(rng.integers(0, 3)) for g in gens])
        terms.append(c * monomial)
    return sp.Add(*terms)


def _random_case(rng: np.random.Generator) -> sp.Expr:
    gens = [GENERATORS[i] for i in rng.choice(len(GENERATORS), size=int(rng.integers(2, 4)), replace=False)]
    rational = bool(rng.integers(0, 2))
    num = sp.Mul(*[_random_polynomial(rng, gens, rational) ** int(rng.integers(1, 3)) for _ in range(2)])
    den = _random_polynomial(rng, gens, False) if rng.integers(0, 2) else sp.Integer(int(rng.integers(1, 9)))
    return sp.expand(num) / sp.expand(den) if rng.integers(0, 2) else sp.expand(num / den)


@needs_flint
@pytest.mark.parametrize("seed", range(4))
def test_random_products_factor_to_sympys_expression(seed):
    rng = np.random.default_rng(seed)
    taken = 0
    for _ in range(25):
        e = _random_case(rng)
        fast = flint_factor(e)
        if fast is not None:
            taken += 1
            assert fast == sp.factor(e), e
        assert budget.factor(e) == sp.factor(e), e
    assert taken >= 15  # the FLINT path is the one tested, not the fallback


@needs_flint
def test_forms_of_the_pages_factor_to_sympys_expression():
    """Forms of the kind the presentation pass factors: a jump sensor's rates, covariances with sums in
    logs and roots over the page's parameters."""
    w = sp.symbols("w0:8", positive=True)
    g, s_n, s_v, t_n, t_v = sp.symbols("g sigma_n sigma_v tau_n tau_v", positive=True)
    cases = [
        sp.expand((w[0] * w[2] + w[1] * w[3]) * (w[4] - w[5] * w[6]) ** 2) / (w[7] * (w[0] + w[1])),
        (g * s_v ** 2 * t_v - 2 * s_n ** 2 * t_n) / (t_n + t_v) - g * s_v ** 2 / 2,
        sp.expand(s_n ** 2 * (t_n + t_v) ** 2 - 4 * g ** 2 * s_v ** 2 * t_n * t_v),
        (g * s_v - s_n) / t_n,
        sp.expand((w[0] - w[1]) ** 3 * sp.log(w[2] + w[3]) * (w[4] + 2 * w[5])) / 6,
    ]
    for e in cases:
        fast = flint_factor(e)
        assert fast is not None, e
        assert fast == sp.factor(e), e


def test_what_flint_does_not_factor_is_left_to_sympy():
    """A root of a sum, a sum of terms, a matrix and a string are not FLINT's; budget.factor still answers
    sympy's expression wherever one is asked."""
    for e in (sp.sqrt(x + y) * (x ** 2 - y ** 2), sp.Sum(x * t, (t, 1, 3)), sp.Matrix([x]), "x"):
        assert flint_factor(e) is None
    for e in (sp.sqrt(x + y) * (x ** 2 - y ** 2), sp.Float(0.5) * (x ** 2 - y ** 2), sp.Integer(12),
              sp.Rational(-3, 4), sp.sqrt(2) * (x ** 2 - 2 * x * y + y ** 2)):
        assert budget.factor(e) == sp.factor(e)


def test_big_coefficients_that_flint_refuses_are_factored_by_sympy():
    """python-flint 0.9 raises OverflowError sorting factors of equal multiplicity with a coefficient of 2^31 or
    more; budget.factor answers sympy's factorisation instead of the raw error."""
    for e in (sp.expand((x + 3 ** 20 * y) * (x - y)), sp.expand((x / 3 ** 20 + y) * (x - y)),
              sp.expand((2 ** 40 * x - z) * (y + 2 ** 35 * t) * (x - y))):
        assert budget.factor(e) == sp.factor(e)
