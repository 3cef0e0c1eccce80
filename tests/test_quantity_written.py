"""A quantity called on a symbolic model returns the form a person would write (issue 24, item 7)."""

import random

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import ClosedForm, printed_size
from thermotheory.quantity import as_written

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
PARAMS = (tau, tau_r, lam, D_v, D_r)


def _at(expr, seed):
    rng = random.Random(seed)
    point = {p: rng.uniform(0.2, 3.0) for p in PARAMS}
    return complex(sp.N(expr.subs(point) if not isinstance(expr, ClosedForm) else expr.evaluate(point), 30))


@pytest.mark.parametrize("call", [
    lambda **kw: tt.mutual_information(SENSOR, v, r, **kw),
    lambda **kw: tt.efficiency(SENSOR, r, **kw),
    lambda **kw: tt.information_flow(SENSOR, r, **kw),
    lambda **kw: tt.transfer_entropy_rate(SENSOR, v, r, **kw),
    lambda **kw: tt.filter_error(SENSOR, v, r, **kw),
])
def test_the_written_form_is_the_closed_form_and_no_longer(call):
    written, raw = call(), call(raw=True)
    for seed in range(4):  # the same function of the parameters
        assert _at(written, seed) == pytest.approx(_at(raw, seed), rel=1e-12)
    assert printed_size(written) <= printed_size(raw)


def test_print_shows_the_compact_form_and_raw_gives_sympys():
    written = tt.efficiency(SENSOR, r)
    raw = tt.efficiency(SENSOR, r, raw=True)
    # the complaint: the expanded square in the denominator
    assert "tau**2 + 2*D_r*tau*tau_r" in str(raw)
    assert "(tau + tau_r)**2" in str(written) and "2*D_r*tau*tau_r" not in str(written)
    assert raw == tt.efficiency.of(r).closed_form(SENSOR)  # the bound quantity gives the form as computed


def test_a_form_asked_for_by_name_and_numbers_come_back_as_computed():
    rational = tt.mutual_information(SENSOR, v, r, form="rational")
    assert rational == tt.mutual_information(SENSOR, v, r, form="rational", raw=True)
    structured = tt.mutual_information(SENSOR, v, r, form="structured")
    assert isinstance(structured, ClosedForm)
    numeric = SENSOR.subs({tau: 1, tau_r: 0.5, lam: 2, D_v: 1, D_r: 0.3})
    assert tt.mutual_information(numeric, v, r) == tt.mutual_information(numeric, v, r, raw=True)


def test_as_written_passes_numbers_and_compacts_closed_forms():
    a, b = sp.symbols("a b", positive=True)
    assert as_written(0.25) == 0.25 and as_written(sp.Integer(3)) == 3
    x = sp.Symbol("x")
    form = ClosedForm(sp.log(x), [(x, a**2 + 2 * a * b + b**2)])
    shown = as_written(form)
    assert isinstance(shown, ClosedForm) and shown.definitions[0][1] == (a + b) ** 2
    assert float(shown.evaluate({a: 1, b: 2})) == pytest.approx(float(form.evaluate({a: 1, b: 2})))


def test_a_large_form_comes_back_as_computed_at_once():
    from thermotheory.quantity import AS_WRITTEN_OPS

    xs = sp.symbols("x0:40", positive=True)
    big = sp.log(sum(xs[i] * xs[(i + 1) % 40] + xs[i] ** 2 for i in range(40)))
    assert sp.count_ops(big) > AS_WRITTEN_OPS
    assert as_written(big) is big  # no presentation pass: it would take minutes
    small = sp.log(xs[0] ** 2 + 2 * xs[0] * xs[1] + xs[1] ** 2)
    assert as_written(small) == sp.log((xs[0] + xs[1]) ** 2) or as_written(small) == 2 * sp.log(xs[0] + xs[1])
