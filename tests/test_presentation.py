"""The presentation pass (compact) and dimensionless groups: readable, and never a different value."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.presentation import Units, compact, dimensionless, equal_at_random_points, size
from thermotheory.errors import ModelError
from thermotheory.models import decoder as B
from thermotheory.models import particle as P
from thermotheory.models import synapse as S


def _values(symbols, seed):
    rng = np.random.default_rng(seed)
    return {s: float(rng.uniform(0.3, 3.0)) for s in sorted(symbols, key=lambda s: s.name)}


def _same_value(a, b, seeds=range(3)):
    for seed in seeds:
        vals = _values(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols, 100 + seed)
        x, y = float(tt.evaluate(a, vals)), float(tt.evaluate(b, vals))
        assert x == pytest.approx(y, rel=1e-12, abs=1e-14)


# The closed forms are derived once per test process, when a test first needs them, not at collection: every
# pytest-xdist worker collects every file, so a module-level derivation here cost each worker seconds.
neuron_quantities = lru_cache(maxsize=None)(B.neuron_quantities)
large_population_limits = lru_cache(maxsize=None)(B.large_population_limits)
ramp_efficiency = lru_cache(maxsize=None)(S.ramp_efficiency)
tracking_quantities = lru_cache(maxsize=None)(S.tracking_quantities)


@lru_cache(maxsize=None)
def quantities() -> dict:
    return {**neuron_quantities(), **{"limit_" + k: v for k, v in large_population_limits().items()},
            **{"ramp_" + k: v for k, v in ramp_efficiency().items()}}


#: The names of :func:`quantities`, written out so that collection derives nothing
#: (test_the_parametrized_names_are_every_quantity keeps the list whole).
NAMES = ("decoder_optimality", "decoding_error", "efficiency", "entropy_production", "heat_rate", "information",
         "information_flow", "kalman_error", "sensory_capacity", "total_entropy_production", "transfer_entropy_rate",
         *("limit_" + k for k in ("decoder_optimality", "decoding_error", "efficiency", "heat_rate_per_neuron",
                                  "information", "information_flow", "kalman_error", "sensory_capacity",
                                  "transfer_entropy_rate_per_sqrt_neuron")),
         *("ramp_" + k for k in ("efficiency", "heat", "slow_limit", "step_limit")))


def test_the_parametrized_names_are_every_quantity():
    assert sorted(NAMES) == sorted(quantities())


@pytest.mark.parametrize("name", sorted(NAMES))
def test_compact_keeps_the_value_and_never_grows(name):
    expr = quantities()[name]
    out = compact(expr)
    assert size(out) <= size(expr)
    if sp.sympify(expr).free_symbols:
        _same_value(out, expr)


def test_the_issue_examples_read_as_an_author_would_print_them():
    tn, tv, sn, g, sv = B.tau_n, B.tau_v, B.sigma_n, B.g, B.sigma_v
    assert compact(large_population_limits()["information"]) == sp.log(1 + tv / tn) / 2
    flow = compact(neuron_quantities()["information_flow"])
    assert sn**2 * (tn + tv) ** 2 in sp.Add.make_args(sp.fraction(flow)[1])
    cap = compact(neuron_quantities()["sensory_capacity"])
    assert not cap.could_extract_minus_sign()
    step = compact(ramp_efficiency()["step_limit"])
    assert not any(isinstance(a.args[0], sp.Pow) for a in step.atoms(sp.log))
    assert size(step) < size(ramp_efficiency()["step_limit"])


def test_the_random_point_check_rejects_a_wrong_rewrite():
    x = sp.Symbol("x", real=True)
    p = sp.Symbol("p", positive=True)
    assert not equal_at_random_points(sp.sqrt(x**2), x)
    assert equal_at_random_points(sp.sqrt(p**2), p)
    assert not equal_at_random_points(sp.log(x**2), 2 * sp.log(x))


def test_compact_of_closed_forms_and_containers():
    g_ = sp.symbols("g_1:3", positive=True)
    t_ = sp.symbols("tau_1:3", positive=True)
    s_ = sp.symbols("sigma_1:3", positive=True)
    m = B.heterogeneous_population(g_, t_, s_)
    info = tt.mutual_information(m, B.v, list(m.variables[1:]), form="structured")
    out = compact(info)
    assert isinstance(out, tt.ClosedForm) and out.count_ops() <= info.count_ops()
    vals = _values(info.free_symbols, 3)
    assert float(out.evaluate(vals)) == pytest.approx(float(info.evaluate(vals)), rel=1e-12)
    assert compact(1.5) == 1.5
    assert set(compact({"a": B.g + B.g}).values()) == {2 * B.g}


def test_decoder_in_dimensionless_groups():
    heat = B.UNITS(neuron_quantities()["heat_rate"])
    assert heat.expr.doit() == B.snr / (B.tau_v * (B.rho + 1))
    assert heat.latex(where=False).startswith(r"\frac{1}{\tau_{v}} \frac{")
    for name, expr in neuron_quantities().items():
        out = B.UNITS(expr)
        assert out.free_symbols <= expr.free_symbols | {B.tau_v}
        vals = _values(expr.free_symbols, 5)
        assert float(out.evaluate(vals)) == pytest.approx(float(tt.evaluate(expr, vals)), rel=1e-11), name


def test_synapse_and_particle_in_groups():
    for expr in tracking_quantities().values():
        out = S.UNITS(expr)
        vals = _values(expr.free_symbols | out.free_symbols, 6)
        assert float(out.evaluate(vals)) == pytest.approx(float(tt.evaluate(expr, vals)), rel=1e-10)
    step = S.UNITS(ramp_efficiency()["heat"], S.LEARNING_SCALES)
    assert {n.name for n, _ in step.definitions} == {"hat_lambda", "hat_tau_r"}
    rate = P.UNITS(P.dragging_rate())
    assert rate.definitions[0][1] == P.u / sp.sqrt(P.T / P.m)


def test_dimensionless_refusals():
    a, b, c = sp.symbols("a b c", positive=True)
    dims = {a: {"time": 1}, b: {"time": 1}}
    with pytest.raises(ModelError, match="no dimension declared"):
        dimensionless(a + c, dims, [a])
    with pytest.raises(ModelError, match="not homogeneous"):
        dimensionless(a + a**2, dims, [a])
    with pytest.raises(ModelError, match="not dimensionless"):
        dimensionless(a / b, dims, [b], {sp.Symbol("r"): a})
    with pytest.raises(ModelError, match="do not span"):
        dimensionless(a, {a: {"time": 1}}, [])
    units = Units(dims, [b])
    assert units(a / (a + b)).free_symbols == {a, b}


def test_rewritings_valid_only_for_positive_arguments_are_not_made():
    x, y = sp.symbols("x y", real=True)
    p = sp.Symbol("p", positive=True)
    assert compact(sp.sqrt(5 - x) * sp.sqrt(5 - y)) == sp.sqrt(5 - x) * sp.sqrt(5 - y)
    assert compact(sp.log((5 - p) ** 2)) == sp.log((5 - p) ** 2)
    s, snr = sp.symbols("s snr", positive=True)
    with pytest.raises(ModelError, match="only up to its sign"):
        dimensionless(x * s, {x: {"L": 1}, s: {"L": 1}}, [s], {snr: x**2 / s**2})
