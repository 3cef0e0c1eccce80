"""A Definition's own units reach the page's glossary (before, only a checked quantity's did)."""

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.derivation import Definition, Derivation
from thermotheory.errors import ModelError
from thermotheory.export.derivation import glossary_rows

x = sp.Symbol("x", real=True)
lam = sp.Symbol("lambda", positive=True)
MODEL = tt.LinearSDE({x: -lam * x}, {x: 1})


def _units(definition):
    rows = glossary_rows([(MODEL, Derivation(MODEL, [(definition.name, definition, sp.log(lam) / 2)]))])
    return {symbols: units for symbols, _, units in rows}


def test_definition_units_are_printed():
    assert _units(Definition("free_energy", r"\Delta F", "free-energy difference", units="energy")) == \
        {r"$\Delta F$": "energy"}


def test_definition_without_units_falls_back_to_its_check():
    checked = Definition("h", r"H_x", "entropy of x", check=tt.entropy.of(x))
    assert _units(checked) == {"$H_x$": tt.entropy.units}
    assert _units(Definition("h", r"H_x", "entropy of x", check=tt.entropy.of(x), units="bits")) == {"$H_x$": "bits"}
    assert _units(Definition("c", "c", "a constant")) == {"$c$": ""}


@pytest.mark.parametrize("units", [1, None, ("energy",)])
def test_definition_units_must_be_text(units):
    with pytest.raises(ModelError, match="units must be text"):
        Definition("free_energy", r"\Delta F", units=units)
