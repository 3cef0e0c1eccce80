"""The catalog as a table over thermotheory.models, report writing in export (issue #23)."""

from __future__ import annotations

import inspect

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory import catalog, cli
from thermotheory.catalog import CatalogEntry, entry
from thermotheory.export import report
from thermotheory.models import cascade, engine, feedback
from thermotheory.derivation import Definition


class _Jump:
    """A stand-in for a model of a fourth kind: a class attribute ``kind`` and nothing else the CLI knows."""

    kind = "jump"
    parameters = ()


def test_a_fourth_model_kind_is_listed_without_a_key_error(monkeypatch):
    """cli's {"linear": ..., "nonlinear": ..., "lattice": ...}[kind] raised KeyError on a fourth kind."""
    from thermotheory import quantity

    monkeypatch.setattr(quantity, "MODEL_KINDS", (*quantity.MODEL_KINDS, "jump"))  # a kind registered, as a new one is
    item = CatalogEntry("jumps", "a model of a kind the catalog has not met", _Jump, {},
                        {"entropy_production_rate": tt.entropy_production_rate.of()})
    assert cli._kind(item) == "jump, stationary"
    assert item.approximation("entropy_production_rate") == ""  # exact unless the kind says it approximates


@pytest.mark.parametrize("model, label", [(tt.LinearSDE, "LinearSDE"), (tt.SDE, "nonlinear SDE")])
def test_the_kind_label_is_the_model_class_attribute(model, label):
    assert model.kind_label == label


def test_no_branch_on_a_kind_string_in_catalog_or_cli():
    for module in (catalog, cli, report):
        source = inspect.getsource(module)
        assert 'kind == "' not in source and '"nonlinear": "' not in source, module.__name__


def test_report_tex_lives_in_export():
    assert cli.report_tex is report.report_tex
    # what the bcm report says of its approximation: test_latex.py::test_a_report_states_its_approximation, where
    # that report is derived anyway (for its compile); deriving it here too cost about 8 s of CPU


def test_own_closed_forms_are_definitions_that_name_their_quantity():
    item = entry("heat_engine")
    defs = item.definitions
    assert list(defs) == list(item.theory) == list(item.quantities)
    for name, d in defs.items():
        assert isinstance(d, Definition) and d.check is item.quantity(name)
    # the published heat over a cycle: entropy production A/(T_h t_1) + A/(T_c t_3), A = (sqrt w_2 - sqrt w_1)^2
    values = item.values()
    A = (values[engine.w_2] ** 0.5 - values[engine.w_1] ** 0.5) ** 2
    expected = A / (values[engine.T_h] * values[engine.t_1]) + A / (values[engine.T_c] * values[engine.t_3])
    assert item.closed_form("entropy_production", values) == pytest.approx(expected, rel=1e-12)


def test_the_seed_models_come_from_their_modules():
    """The entries build the models of thermotheory.models; the old catalog names still import."""
    assert entry("cascade").model().drift == cascade.cascade().drift
    assert entry("cold_damping").model().drift == feedback.cold_damping().drift
    assert catalog.gamma_fb is feedback.gamma_fb and catalog.T_h is engine.T_h
    assert catalog.optimal_rate(1, 2, 1) == engine.optimal_rate(1, 2, 1)
    # the optimal rate minimises the mean work of the family lambda(s) = (li - c(1 + c s))/(1 + c s)^2 (hand formula)
    c = sp.Symbol("c")
    li, lf, tf = 1, 2, 1
    work = c**2 * tf / li - sp.log(1 + c * tf) + lf * (1 + c * tf) ** 2 / (2 * li) - sp.Rational(1, 2)
    assert abs(float(sp.diff(work, c).subs(c, engine.optimal_rate(li, lf, tf)))) < 1e-12


def test_the_lattice_builder_gives_the_field_at_the_values():
    field = entry("lattice_nonreciprocal").model()
    assert (field.L, field.d, field.eps) == (8, 1, 0.5)


def test_the_closed_form_model_is_the_linear_noise_approximation_of_a_nonlinear_entry():
    """`closed_form` and the report's choice of printed forms both derive from it (one place, not two)."""
    from thermotheory.core.lna import linear_noise_approximation
    from thermotheory.errors import ModelError

    item = entry("bcm")
    lna = item.closed_form_model()
    assert isinstance(lna, tt.LinearSDE) and lna == linear_noise_approximation(item.model())
    values = item.values()
    at = item.closed_form_model(values)
    assert not (set(at.parameters) & set(item.model_values(values)))  # the model's parameters at their values
    assert entry("decoder").closed_form_model() is entry("decoder").model()  # a linear entry: its own model
    with pytest.raises(ModelError, match="closed_form_model: expected a mapping"):
        item.closed_form_model([1.0, 2.0])
