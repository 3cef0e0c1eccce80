"""The LaTeX printer remembers sub-expressions it printed (issue 25: the presentation pass prints thousands of candidate
forms sharing most of their factors), by settings and printer: a name given in one call never leaks into another."""

from __future__ import annotations

import sympy as sp

from thermotheory.core import closedform as C
from thermotheory.core.closedform import latex_of
from thermotheory.core.display import _written_tex


def test_the_same_expression_under_other_settings_prints_by_those_settings():
    x, y = sp.symbols("x y", positive=True)
    e = sp.log(1 + x) / (x + y)
    plain = latex_of(e)
    named = latex_of(e, symbol_names={x: r"\Sigma_{v v}"})
    assert r"\Sigma_{v v}" in named and r"\Sigma" not in plain
    assert latex_of(e) == plain  # after the named call, the plain one is unchanged
    assert latex_of(sp.log(1 + x), symbol_names={x: "q"}) == r"\ln{\left(1 + q \right)}"


def test_the_written_printer_keeps_its_own_forms():
    """The drift printer (a subclass, coefficient first) and the pages' printer print one product each their way,
    in either order of calls."""
    k, kappa, x = sp.symbols("k kappa x_1", positive=True)
    e = (k + kappa) * x
    for _ in range(2):
        assert latex_of(e) == r"x_{1} \left(k + \kappa\right)"
        assert _written_tex(e, frozenset({x})) == r"\left(k + \kappa\right) x_{1}"


def test_remembered_printing_equals_a_fresh_printer(monkeypatch):
    """Every form printed with the memory equals the same form printed by a printer that remembers nothing."""
    a, b, c = sp.symbols("a b c", positive=True)
    forms = [sp.sqrt(a * b + c) / (2 * (1 - a)), (a - b) ** 2 * sp.exp(-c / a), sp.log(a / b) - sp.log(1 + c) / 3,
             (1 - sp.exp(-a)) * (b - c) / (a + b)]
    remembered = [latex_of(f) for f in forms + forms]
    monkeypatch.setattr(C, "_PRINTED_MAX", 0)  # cleared before every store: nothing is ever found
    C._PRINTED.clear()
    fresh = [latex_of(f) for f in forms + forms]
    assert remembered == fresh


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(C, "_PRINTED_MAX", 5)
    C._PRINTED.clear()
    for i in range(40):
        latex_of(sp.Symbol(f"z_{i}") + 1)
    assert len(C._PRINTED) <= 5
