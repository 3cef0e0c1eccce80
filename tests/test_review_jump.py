"""Review checks of the jump-process numerics (issue #26) against independent computations.

Each test computes its reference without the code under test: scipy's ``expm`` and quadrature
for the transient, a relabelled or reordered model for the filter, plain float rates for a model
given sympy numbers, and a hand-written generator for the pump.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import sympy as sp
from scipy.integrate import quad_vec

import thermotheory as tt
from thermotheory.core import jump_efficiency as je
from thermotheory.core import jump_filter as jf
from thermotheory.core import jump_transient as jt
from thermotheory.models import pump as P


def _generator(n: int, rates: dict) -> np.ndarray:
    L = np.zeros((n, n))
    for (i, j), w in rates.items():
        L[j, i] += w
        L[i, i] -= w
    return L


def _value(x, at: dict) -> np.ndarray:
    if isinstance(x, tt.ClosedForm):
        x = x.subs(at).explicit()
        return np.array(sp.N(x), dtype=float).ravel()
    f = sp.lambdify(list(at), x, "numpy")
    return np.array(f(*[complex(v) for v in at.values()]), dtype=complex).real.ravel()  # Delta may be imaginary


@pytest.mark.parametrize("edges", [
    [(0, 1), (1, 0), (1, 2), (2, 1), (2, 0)],  # a ring with one reverse missing
    [(0, 1), (1, 2), (2, 1)],  # a transient state (0) and one closed class
], ids=["ring5", "transient_state"])
@pytest.mark.parametrize("form", [pytest.param(None, marks=pytest.mark.slow), "structured"])
def test_three_state_transient_with_missing_reverses_against_expm(edges, form):
    w = sp.symbols(f"w0:{len(edges)}", positive=True)
    t = sp.Symbol("t", positive=True)
    model = tt.MarkovJumpProcess(dict(zip(edges, w)))
    p0 = [sp.Rational(1, 5), sp.Rational(1, 2), sp.Rational(3, 10)]
    p = jt.distribution(model, t, p0, form=form)
    q = jt.time_integral(model, t, p0, form=form)
    rng = np.random.default_rng(26)
    for _ in range(2):
        vals = rng.uniform(0.2, 3.0, len(edges)).tolist()
        tv = float(rng.uniform(0.1, 2.0))
        L = _generator(3, {e: float(v) for e, v in zip(edges, vals)})
        start = np.array([0.2, 0.5, 0.3])
        at = {**dict(zip(w, vals)), t: tv}
        expected_q = quad_vec(lambda s: scipy.linalg.expm(L * s) @ start, 0.0, tv, epsabs=1e-13, epsrel=1e-11)[0]
        np.testing.assert_allclose(_value(p, at), scipy.linalg.expm(L * tv) @ start, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(_value(q, at), expected_q, rtol=1e-9, atol=1e-12)


def _sensor_rates() -> dict:
    return {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 2.0, ((0, 1), (1, 1)): 0.5, ((1, 1), (0, 1)): 1.5,
            ((0, 0), (0, 1)): 0.3, ((0, 1), (0, 0)): 3.0, ((1, 0), (1, 1)): 4.0, ((1, 1), (1, 0)): 0.6}


def test_transfer_entropy_does_not_depend_on_labels_or_order():
    r = _sensor_rates()
    base = jf.transfer_entropy_rate(tt.MarkovJumpProcess(r), "x", "y")
    assert base > 0
    swapped = {(a[::-1], b[::-1]): v for (a, b), v in r.items()}  # states (y, x), subsystems named so
    reordered = sorted({s for k in r for s in k}, reverse=True)
    named = {(("on" if a[0] else "off", a[1]), ("on" if b[0] else "off", b[1])): v for (a, b), v in r.items()}
    exact = {k: sp.Rational(v).limit_denominator(10) for k, v in r.items()}  # the same rates as sympy numbers
    for model in (tt.MarkovJumpProcess(swapped, subsystems=["y", "x"]), tt.MarkovJumpProcess(r, states=reordered),
                  tt.MarkovJumpProcess(named), tt.MarkovJumpProcess(exact)):
        assert jf.transfer_entropy_rate(model, "x", "y") == pytest.approx(base, rel=1e-9)


def test_efficiency_of_sympy_number_rates_equals_that_of_floats():
    exact = {(0, 1): 1, (1, 0): sp.exp(-2), (1, 2): sp.Integer(1), (2, 1): sp.E, (2, 0): sp.Rational(1),
             (0, 2): sp.Float(0.5)}
    floats = {k: float(v) for k, v in exact.items()}
    res = {(0, 1): "atp", (1, 2): "ions", (2, 0): "medium"}
    a, b = tt.MarkovJumpProcess(exact, reservoirs=res), tt.MarkovJumpProcess(floats, reservoirs=res)
    # one cycle, tightly coupled: the ratio of the affinities, 1 / 2, both ways
    assert je.conversion_efficiency(a, "atp", "ions") == pytest.approx(0.5, rel=1e-12)
    assert je.conversion_efficiency(b, "atp", "ions") == pytest.approx(0.5, rel=1e-12)
    fa, fb = je.reservoir_flows(a), je.reservoir_flows(b)
    assert fa == pytest.approx(fb, rel=1e-12)


def test_pump_transient_entropy_production_is_that_of_local_detailed_balance():
    # the pump's rates obey local detailed balance with its declared flows: over a transient its entropy
    # production is H(p(t)) - H(p0) + sum_ij q_i w_ij ln(w_ij / w_ji), at least 0. (It was off by Delta_mu_ion
    # times the change of p(E_2PNa), and negative here, when the rates put the ions' free energy on E_2PNa.)
    atp, ion = 10.0, 9.0
    vals = {P.k_1: 0.01, P.k_2: 0.01, P.k_3: 1.0, P.k_4: 0.01, P.Delta_mu_ATP: atp, P.Delta_mu_ion: ion}
    k1, k2, k3, k4 = 0.01, 0.01, 1.0, 0.01
    rates = {(0, 1): k1, (1, 0): k1, (1, 2): k2, (2, 1): k2 * math.exp(-atp), (2, 3): k3,
             (3, 2): k3 * math.exp(ion), (3, 0): k4, (0, 3): k4}
    L = np.zeros((4, 4))  # dp/dt = L p
    for (i, j), w in rates.items():
        L[j, i] += w
        L[i, i] -= w
    p0, t = np.array([0.0, 0.0, 1.0, 0.0]), 10.0
    M = np.zeros((8, 8))  # Van Loan: expm of [[L, 1], [0, 0]] t gives p(t) and the occupation times q(t)
    M[:4, :4], M[:4, 4:] = L, np.eye(4)
    E = scipy.linalg.expm(M * t)
    pt, q = E[:4, :4] @ p0, E[:4, 4:] @ p0

    def shannon(p):
        return -sum(x * math.log(x) for x in p if x > 0)

    ldb = shannon(pt) - shannon(p0) + sum(q[i] * w * math.log(w / rates[(j, i)]) for (i, j), w in rates.items())
    assert ldb > 0
    declared = jt.entropy_production(P.ion_pump().numeric(vals), t, {"E_2PNa": 1})
    assert declared == pytest.approx(ldb, rel=1e-7, abs=1e-12)
