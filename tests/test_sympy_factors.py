"""sympy's Factors built from a dictionary without sympifying it (core/_factors.py): the same results, no ``Dict``.

Every result is compared with the one sympy's own ``Factors.__init__`` gives (``__wrapped__``), structurally
(``==`` and ``srepr``), on random sums and products and on the functions that build Factors from dictionaries.
"""

from __future__ import annotations

import random

import pytest
import sympy as sp
from sympy.core import containers, exprtools

import thermotheory  # noqa: F401  (installs the wrapper)
from thermotheory.core import _factors

x, y, z = sp.symbols("x y z")
a, b = sp.symbols("a b", positive=True)


def _random_expr(rng: random.Random) -> sp.Expr:
    atoms = [x, y, z, a, b, sp.I, sp.Integer(2), sp.Rational(3, 4), sp.sqrt(2), x + 1, a - b, sp.exp(-a * x)]
    terms = []
    for _ in range(rng.randint(1, 4)):
        powers = [1, 1, 2, -1, -2, sp.Rational(1, 2)]
        factors = [rng.choice(atoms) ** rng.choice(powers) for _ in range(rng.randint(1, 4))]
        terms.append(rng.choice([1, -1, 2, sp.Rational(-1, 3)]) * sp.Mul(*factors))
    num = sp.Add(*terms)
    return num / (num.subs(x, y) + 1) if rng.random() < 0.5 else num


OPERATIONS = [sp.factor_terms, exprtools.gcd_terms, sp.together, lambda e: sp.cancel(sp.together(e)),
              lambda e: exprtools.Factors(e).as_expr(), lambda e: exprtools.Term(e).as_expr()]


def test_the_wrapper_is_installed_once_and_keeps_sympys_signature():
    init = exprtools.Factors.__init__
    assert getattr(init, "_thermotheory", False) and init.__wrapped__.__name__ == "__init__"
    _factors.install()
    assert exprtools.Factors.__init__ is init  # idempotent: not wrapped twice


@pytest.mark.parametrize("seed", range(6))
def test_results_are_the_same_objects_as_with_sympys_own_init(seed, monkeypatch):
    rng = random.Random(seed)
    exprs = [_random_expr(rng) for _ in range(12)]
    ours = [[op(e) for op in OPERATIONS] for e in exprs]
    sp.core.cache.clear_cache()
    monkeypatch.setattr(exprtools.Factors, "__init__", exprtools.Factors.__init__.__wrapped__)
    theirs = [[op(e) for op in OPERATIONS] for e in exprs]
    assert ours == theirs
    assert [[sp.srepr(r) for r in row] for row in ours] == [[sp.srepr(r) for r in row] for row in theirs]


def test_dictionaries_with_minus_one_and_i_are_tidied_as_before(monkeypatch):
    cases = [{x: 2, sp.S.NegativeOne: 3}, {sp.I: 2, y: 1}, {sp.S.NegativeOne: sp.Rational(1, 2)}, {}, {sp.S.One: 4}]
    ours = [exprtools.Factors(dict(c)) for c in cases]
    monkeypatch.setattr(exprtools.Factors, "__init__", exprtools.Factors.__init__.__wrapped__)
    theirs = [exprtools.Factors(dict(c)) for c in cases]
    assert [f.factors for f in ours] == [f.factors for f in theirs]
    assert all(type(f.factors) is dict for f in ours)


def test_a_dictionary_is_not_sympified(monkeypatch):
    converted = []
    convert = containers._sympy_converter[dict]
    monkeypatch.setitem(containers._sympy_converter, dict, lambda d: converted.append(d) or convert(d))
    exprtools.Factors({x: sp.Integer(2), y: sp.Integer(1)})
    assert converted == []
    monkeypatch.setattr(exprtools.Factors, "__init__", exprtools.Factors.__init__.__wrapped__)
    exprtools.Factors({x: sp.Integer(2), y: sp.Integer(1)})
    assert converted  # sympy's own __init__ turns it into a Dict to compare it with 1
