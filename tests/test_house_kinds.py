"""The house plan's model kinds (issue #23): linearize, one closed-form convention, verify_all from the table."""

import importlib

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.lattice import LatticeField
from thermotheory.montecarlo.estimators import ESTIMATORS

v, r = sp.symbols("v r", real=True)
CHAIN = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
WELL = tt.SDE({v: -v - 0.1 * v**3, r: v - r}, {v: 0.05, r: 0.05})


def test_linearize_is_the_linear_noise_approximation():
    x = sp.Symbol("x", real=True)
    sde = tt.SDE({x: x - x**3}, {x: sp.Rational(1, 10) * (1 + x**2)})
    assert sde.linearize(at={x: 1}) == tt.linear_noise_approximation(sde, at={x: 1})
    assert WELL.linearize() == tt.linear_noise_approximation(WELL)


def test_every_kind_has_its_closed_form_with_one_convention():
    # the linear form is the engine's; the nonlinear one is the linear form on the linearisation (a hand LNA:
    # J = [[-1, 0], [1, -1]] at 0, the chain's drift, and the heat rate in nats does not change when every
    # diffusion is scaled by 0.05, so both are the chain's 1/2); the lattice one is the field's own FFT form
    for kind, model, expected in (("linear", CHAIN, 0.5), ("nonlinear", WELL, 0.5)):
        assert tt.heat_rate.closed_forms[kind](model, r) == pytest.approx(expected)
    field = LatticeField(8, m2=0.5, eps=0.5)
    assert tt.entropy.closed_forms["lattice"](field) == pytest.approx(field.entropy())
    assert tt.heat_rate.of(r).closed_form(WELL, approximate=True) == pytest.approx(0.5)
    with pytest.raises(tt.ModelError, match="linear-noise approximation"):
        tt.heat_rate(WELL, r)  # a direct call still refuses the approximation


def test_verify_all_checks_the_table_rows_of_the_kind():
    table = tt.verify_all(CHAIN, paths=128)
    checked = {rec.quantity.split("(")[0] for rec in table}
    rows = {name for (name, kind, regime), row in ESTIMATORS.items()
            if kind == "linear" and regime == "stationary" and row.checks is not None}
    assert checked == rows
    assert [rec.seed for rec in table] == list(range(len(table)))
    with pytest.raises(tt.ModelError, match="verify_all"):
        tt.verify_all(WELL)


@pytest.mark.parametrize("model, bound", [(CHAIN, tt.heat_rate.of(r)), (CHAIN, tt.mutual_information.of(v, r)),
                                          (WELL, tt.heat_rate.of(r))])
def test_estimate_is_the_estimate_inside_verify(model, bound):
    e = tt.estimate(model, bound, paths=256, seed=3)
    rec = tt.verify(model, bound, paths=256, seed=3)
    assert (e.value, e.stderr) == (rec.estimate, rec.stderr)


@pytest.mark.parametrize("old, name", [("thermotheory.montecarlo.verify", "verify"),
                                       ("thermotheory.montecarlo.sweep", "sweep")])
def test_the_old_verify_and_sweep_modules_warn(old, name):
    module = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=f"thermotheory.{name}"):
        fn = getattr(module, name)
    assert fn is getattr(tt, name)


@pytest.mark.parametrize("at, match", [("abc", "expected a mapping"), ({"x": float("nan")}, "finite"),
                                       ({"x": "1"}, "string"), ({"x": 0.5}, "not a fixed point")])
def test_linearize_refuses_a_bad_fixed_point(at, match):
    x = sp.Symbol("x", real=True)
    with pytest.raises(tt.ModelError, match=match):
        tt.SDE({x: x - x**3}, {x: 1}).linearize(at=at)


@pytest.mark.parametrize("values, match", [(3, "expected a mapping"), ({"k": float("nan")}, "finite"),
                                           (None, "free parameters")])
def test_numeric_refuses_bad_values(values, match):
    x, k = sp.Symbol("x", real=True), sp.Symbol("k", positive=True)
    with pytest.raises(tt.ModelError, match=match):
        tt.LinearSDE({x: -k * x}, {x: 1}).numeric(values)
    assert tt.LinearSDE({x: -k * x}, {x: 1}).numeric({"k": 2}).A == sp.Matrix([[-2]])
