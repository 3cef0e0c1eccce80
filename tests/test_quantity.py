"""First-class quantities: the registry, binding roles, notation, and one verify call for every kind of model."""

import pickle
import warnings

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import gaussian, thermo
from thermotheory.models.lattice import LatticeField
from thermotheory.quantity import QUANTITIES, model_kind

v, r = sp.symbols("v r", real=True)
CHAIN = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})


def test_every_registered_quantity_is_complete():
    import thermotheory.registry  # noqa: F401

    assert len(QUANTITIES) >= 11
    for name, q in QUANTITIES.items():
        assert q.name == name and q.kind in ("static", "rate", "transient")
        assert q.units and q.reference and q.description and q.symbol
        assert tt.lookup_quantity(name) is q and tt.lookup_quantity(q.function) is q
        assert pickle.loads(pickle.dumps(q)) is q
        # the notation fills with any variable names and leaves no empty subscript
        filled = q.of(*["x"] * sum(1 for role in q.roles if not role.optional and role.what == "variables"),
                      **{role.name: 1.0 for role in q.roles if not role.optional and role.what != "variables"})
        assert "{}" not in filled.latex()


def test_a_quantity_is_called_like_its_function():
    assert tt.heat_rate(CHAIN, r) == thermo.heat_rate(CHAIN, r)
    assert tt.mutual_information(CHAIN, v, r) == gaussian.mutual_information(CHAIN, v, r)
    assert tt.lookup_quantity(thermo.heat_rate) is tt.heat_rate
    assert tt.lookup_quantity("information_flow") is tt.information_flow
    with pytest.raises(tt.ModelError, match="does not know"):
        tt.lookup_quantity("nope")
    with pytest.raises(AttributeError, match="immutable"):
        tt.heat_rate.units = "J"


def test_binding_roles():
    b = tt.heat_rate.of(r)
    assert b == tt.heat_rate.of(subsystem=r) and hash(b) == hash(tt.heat_rate.of("r"))
    assert b.label == "heat_rate(r)" and b.latex() == r"\Phi_{r}" and b.kind == "rate"
    assert b.closed_form(CHAIN) == pytest.approx(float(thermo.heat_rate(CHAIN, r)))
    with pytest.warns(DeprecationWarning, match="subsystem"):
        assert tt.information_flow.of(into=r) == tt.information_flow.of(r)
    with pytest.raises(tt.ModelError, match="given twice"):
        tt.heat_rate.of(r, subsystem=r)
    with pytest.raises(tt.ModelError, match="not one of its roles"):
        tt.heat_rate.of(nope=r)
    with pytest.raises(tt.ModelError, match="missing X"):
        tt.mutual_information.of(Y=r)
    transient = tt.entropy.of(r, t=2, initial={v: 1, r: 1})
    assert transient.kind == "transient" and transient.regime == "transient" and transient.latex() == "H_{2}(r)"
    assert tt.entropy.of(r).regime == "stationary"
    # regions of a lattice, by flat index; the whole field
    assert tt.mutual_information.of([0, 1], [3, 4]).latex() == r"I(\{0, 1\}; \{3, 4\})"
    assert tt.entropy.of(list(range(8))).latex() == r"H(\{0, \ldots, 7\})" and tt.entropy.of().latex() == "H"


def test_model_kinds_and_closed_forms_on_a_lattice():
    field = LatticeField(8, m2=0.5, eps=0.5)
    assert model_kind(field) == "lattice" and model_kind(CHAIN) == "linear"
    with pytest.raises(tt.ModelError, match="expected a model"):
        model_kind(3)
    assert tt.entropy(field) == pytest.approx(field.entropy())
    assert tt.mutual_information(field, [0, 1], [3, 4]) == pytest.approx(field.mutual_information([0, 1], [3, 4]))
    # a region's entropy from its dense covariance against the sum over momenta of the whole ring
    assert tt.entropy(field, list(range(8))) == pytest.approx(field.entropy(), rel=1e-10)
    with pytest.raises(tt.ModelError, match="not defined for a LatticeField"):
        tt.heat_rate(field, [0])
    sde = tt.SDE({v: -v**3}, {v: 1})
    with pytest.raises(tt.ModelError, match="linear-noise approximation"):
        tt.entropy(sde, v)


@pytest.mark.parametrize("model, quantity, args, kwargs", [
    (CHAIN, tt.heat_rate, (r,), {}),  # stationary
    (CHAIN, tt.heat, (), {"t": 1.0, "initial": {v: 2.0, r: 0.5}}),  # transient, over [0, 1]
    (CHAIN, tt.entropy_production, (), {"t": 0.5, "initial": {v: 2.0, r: 0.5}, "initial_mean": [1.0, -1.0]}),
    (CHAIN, tt.mutual_information, (v, r), {"t": 0.7, "initial": {v: 2.0, r: 0.5}}),  # of the state at t
    (tt.SDE({v: -v - 0.1 * v**3, r: v - r}, {v: 0.05, r: 0.05}), tt.heat_rate, (r,), {}),  # nonlinear, weak noise
    (LatticeField(8, m2=0.5, eps=0.5), tt.mutual_information, ([0, 1], [3, 4]), {}),  # lattice
    (LatticeField(6, m2=1.0, eps=0.8), tt.entropy_production_rate, (), {}),
])
def test_one_call_verifies_every_kind(model, quantity, args, kwargs):
    rec = tt.verify(model, quantity, *args, seed=5, paths=2048, **kwargs)
    assert rec.passed, rec
    assert rec.approximation == ("linear-noise approximation" if isinstance(model, tt.SDE) else "")


@pytest.mark.parametrize("model, quantity, args, kwargs, factor", [
    (CHAIN, tt.heat, (), {"t": 1.0, "initial": {v: 2.0, r: 0.5}}, 1.25),  # a noisy path integral
    (CHAIN, tt.mutual_information, (v, r), {"t": 0.7, "initial": {v: 2.0, r: 0.5}}, 1.25),
    (LatticeField(8, m2=0.5), tt.entropy, ([0, 1, 2],), {}, 1.05),
])
def test_verify_catches_a_wrong_theory_of_every_kind(model, quantity, args, kwargs, factor):
    right = tt.verify(model, quantity, *args, seed=5, paths=8192, **kwargs)
    wrong = tt.verify(model, quantity, *args, seed=5, paths=8192, theory=factor * right.theory, **kwargs)
    assert right.passed and not wrong.passed and wrong.approximation == "given"


def test_a_bound_quantity_is_verified_as_it_is():
    q = tt.heat.of(t=1.0, initial={v: 2.0, r: 0.5}, subsystem=r)
    rec = tt.verify(CHAIN, q, seed=2, paths=2048)
    assert rec.passed and rec.quantity == q.label
    with pytest.raises(tt.ModelError, match="bound already"):
        tt.verify(CHAIN, q, r)


def test_verify_says_what_it_cannot_check():
    field = LatticeField(4)
    with pytest.raises(tt.ModelError, match="no Monte Carlo estimator of conditional_mutual_information"):
        tt.verify(field, tt.conditional_mutual_information, [0], [1], [2])
    sized = tt.verify(CHAIN, tt.heat, t=1.0, initial={v: 1.0, r: 1.0}, budget=0.5)  # a transient: in paths alone
    assert sized.spent is not None and sized.paths >= 2048
    with pytest.raises(tt.ModelError, match="^t: expected a number"):
        tt.verify(CHAIN, tt.heat, t=sp.Symbol("T"), initial={v: 1.0, r: 1.0})


def test_a_transient_check_whose_symbolic_form_is_too_large_carries_its_number():
    tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
    sensor = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
    values = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
    with pytest.raises(tt.TooLarge):
        tt.heat(sensor, 1.0, {v: 2, r: 0.5})
    rec = tt.verify(sensor, tt.heat, t=1.0, initial={v: 2, r: 0.5}, values=values, seed=1, paths=2048)
    assert rec.passed and rec.expression == rec.theory == pytest.approx(
        tt.heat(sensor.subs(values), 1.0, {v: 2, r: 0.5}))


def test_bad_inputs_of_the_new_objects_raise_named_errors():
    from thermotheory.montecarlo.uncertainty import Estimate

    q = tt.heat_rate.of(r)
    with pytest.raises(tt.ModelError, match="named twice"):
        tt.Derivation(CHAIN, [("a", q, 1.0), ("a", q, 2.0)])
    with pytest.raises(tt.ModelError, match="expected a bound quantity or a Definition"):
        tt.Derivation(CHAIN, [("a", "heat_rate", 1.0)])
    with pytest.raises(tt.ModelError, match="spans several models"):
        tt.Derivation(None, [("a", q, 1.0)]).verify()
    with pytest.raises(tt.ModelError, match="^z_max: "):
        tt.VerificationRecord.of_estimate("q", 1.0, Estimate(1.0, 0.1, 10), z_max=float("nan"))
    nan = tt.VerificationRecord.of_estimate("q", 1.0, Estimate(float("nan"), 0.1, 10))
    assert not nan.passed  # a NaN estimate never passes
    with pytest.raises(tt.ModelError, match="values: a lattice field is numeric"):
        tt.verify(LatticeField(4), tt.entropy, [0], values={"m2": 1.0})
    with pytest.raises(tt.ModelError, match="expected at most"):
        tt.heat_rate.of(r, v)
    with pytest.raises(tt.ModelError, match="kind"):
        tt.Quantity("x", thermo.heat_rate, symbol="x", roles=(), kind="nope", units="", reference="",
                    description="")


def test_form_is_refused_by_name_where_a_closed_form_has_one_form_only():
    """closed_form(form=...) on a quantity without that option is a named error (it was a raw TypeError)."""
    import sympy as sp

    v = sp.Symbol("v", real=True)
    model = tt.LinearSDE({v: -v}, {v: 1})
    current = tt.Current({v: 1})
    with pytest.raises(tt.ModelError, match="one form only"):
        tt.current_mean_rate.of(current).closed_form(model, form="structured")
