"""``needed_definitions``: the definitions an expression needs, down the chain (one walk for the structured jump
forms, the Derivation's written-out terms and the pages' ``through_earlier``)."""

from __future__ import annotations

import pytest
import sympy as sp

from thermotheory.core.closedform import ClosedForm, needed_definitions
from thermotheory.errors import ModelError

a, b, c, x, y = sp.symbols("a b c x y", positive=True)


def test_the_definitions_needed_down_the_chain_in_their_order():
    defs = [(c, x), (b, x**2), (a, b + y)]
    assert needed_definitions(a + x, defs) == [(b, x**2), (a, b + y)]
    assert needed_definitions(c * b, defs) == [(c, x), (b, x**2)]
    assert needed_definitions(x + y, defs) == [] and needed_definitions(1, defs) == []
    # a matrix is needed through its determinant, and the entries it is built of with it
    S = sp.MatrixSymbol("Sigma", 2, 2)
    matrix = [(c, x + 1), (S, sp.Matrix([[c, 0], [0, y]])), (b, y)]
    assert needed_definitions(sp.log(sp.Determinant(S)), matrix) == matrix[:2]
    # the closed form built of what is needed evaluates as the one with every definition
    full = ClosedForm(sp.log(sp.Determinant(S)) + a, matrix + [(a, b * c)])
    pruned = ClosedForm(full.expr, needed_definitions(full.expr, full.definitions))
    assert float(pruned.evaluate({x: 0.5, y: 2.0})) == pytest.approx(float(full.evaluate({x: 0.5, y: 2.0})))


@pytest.mark.parametrize("bad", [None, 3, [a, b], [(a, b, c)]])
def test_definitions_that_are_not_pairs_are_refused_by_name(bad):
    with pytest.raises(ModelError, match="needed_definitions"):
        needed_definitions(a, bad)
