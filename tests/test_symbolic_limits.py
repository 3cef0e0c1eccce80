"""Past the old symbolic limits where a closed form exists (issue #12), and refusals elsewhere.

Every closed form is compared with the numeric engine (scipy's Lyapunov, expm, CARE) at
random parameter points, evaluated with mpmath (``tt.evaluate``) so that the divided
differences of close rates lose no digits.
"""

from __future__ import annotations


import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.core.expm import expm_symbolic
from tests.helpers import record_calls  # noqa: F401  (test_budget_calibration imports it from here too)
from tests.test_budget import hang_guard

#: What a symbolic Lyapunov solve eliminates with: the library's solve entry points (in every module that
#: imported them by name) and sympy's eliminations underneath. A refusal "at once" calls none of them.
LYAPUNOV_ELIMINATIONS = [
    ("thermotheory.core.lyapunov", "lyapunov_symbolic"), ("thermotheory.core.lyapunov", "lyapunov_recurrence"),
    ("thermotheory.core.lyapunov", "_sylvester"), ("thermotheory.core.lyapunov", "_sylvester_linear"),
    ("thermotheory.core.lyapunov", "_solve_block"), ("thermotheory.core.lyapunov", "_solve_sparse"),
    ("thermotheory.core.lyapunov", "solve_fraction_free"), ("thermotheory.core.state", "lyapunov_symbolic"),
    ("thermotheory.core.moments", "lyapunov_symbolic"), ("thermotheory.core.filtering", "lyapunov_symbolic"),
    ("thermotheory.core.thermo", "lyapunov_symbolic"),
    ("sympy.polys.matrices.domainmatrix.DomainMatrix", "solve_den"),
    ("sympy.matrices.matrixbase.MatrixBase", "LUsolve"),
]


pos = lambda names: sp.symbols(names, positive=True)  # noqa: E731
real = lambda names: sp.symbols(names, real=True)  # noqa: E731
t = sp.Symbol("t", positive=True)


def _points(model, seed, count=3, lo=0.5, hi=2.0):
    """Random positive parameter points where the numeric model is stable."""
    rng = np.random.default_rng(seed)
    found = 0
    for _ in range(50):
        vals = {p: float(rng.uniform(lo, hi)) for p in model.parameters}
        if np.max(np.linalg.eigvals(model.subs(vals).arrays()[0]).real) < -1e-3:
            found += 1
            yield vals
            if found == count:
                return
    assert found, "no stable point found"


def _as_array(value):
    return np.array(value.tolist(), dtype=float)


# ---------------------------------------------------------------------------- stationary


def coupled_neurons():
    """Signal v drives x1; x1 and x2 excite and inhibit each other; a synapse w learns from x1 and feeds back."""
    v, x1, x2, w = real("v x1 x2 w")
    tv, t1, t2, tw, g, c12, c21, eta, f, Dv, D1, D2, Dw = pos("tau_v tau_1 tau_2 tau_w g c12 c21 eta f D_v D_1 D_2 D_w")
    return tt.LinearSDE({v: -v / tv, x1: (g * v + c12 * x2 - f * w - x1) / t1, x2: (c21 * x1 - x2) / t2,
                         w: (eta * x1 - w) / tw}, {v: Dv, x1: D1, x2: D2, w: Dw})


def neurons_in_a_loop():
    """A four-variable irreducible block: the second neuron also inhibits the signal."""
    v, x1, x2, w = real("v x1 x2 w")
    tau, tw, c, eta, f, h, D = pos("tau tau_w c eta f h D")
    return tt.LinearSDE({v: -(v + h * x2) / tau, x1: (v - c * x2 - f * w - x1) / tau, x2: (c * x1 - x2) / tau,
                         w: (eta * x1 - w) / tw}, {v: D, x1: D, x2: D, w: D})


def particle_and_neuron():
    """A neuron n reading the velocity of an underdamped particle."""
    x, v, n = real("x v n")
    k, m, gam, g, tau, T, Dn = pos("k m gamma g tau T D_n")
    return tt.LinearSDE({x: v, v: -k * x / m - gam * v / m, n: (g * v - n) / tau}, {v: gam * T / m**2, n: Dn})


def ring(size):
    """``size`` units in a ring with a shared rate, one inhibitory link closing the loop."""
    z = sp.symbols(f"z0:{size}", real=True)
    a, k, D = pos("a k D")
    drift = {z[i]: -a * z[i] + (z[i - 1] if i else -k * z[size - 1]) for i in range(size)}
    return tt.LinearSDE(drift, {zz: D for zz in z})


def chain_with_feedback(size):
    """A chain z0 -> ... -> z_{size-1} with gain g and negative feedback k from the last unit to the first."""
    z = sp.symbols(f"z0:{size}", real=True)
    a, g, k, D = pos("a g k D")
    drift = {z[0]: -a * z[0] - k * z[size - 1]}
    for i in range(1, size):
        drift[z[i]] = g * z[i - 1] - a * z[i]
    return tt.LinearSDE(drift, {zz: D for zz in z})


STATIONARY = {
    "coupled_neurons": coupled_neurons,  # irreducible block of 3 behind the signal
    "neurons_in_a_loop": neurons_in_a_loop,  # irreducible block of 4
    "particle_and_neuron": particle_and_neuron,
    "ring_of_five": lambda: ring(5),
    "ring_of_six": lambda: ring(6),  # 21 unknowns, the old limit was 10
    "chain_of_five_with_feedback": lambda: chain_with_feedback(5),
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "neurons_in_a_loop" else n
                                  for n in sorted(STATIONARY)])  # the block of four takes about 5-10 s
def test_sparse_symbolic_blocks_match_scipy(name):
    model = STATIONARY[name]()
    with hang_guard(300):  # fails on a hang only, never on a slow machine
        S = tt.stationary_covariance(model)
    for vals in _points(model, seed=len(name)):
        A, _, D = model.subs(vals).arrays()
        ref = sla.solve_continuous_lyapunov(A, -2 * D)
        np.testing.assert_allclose(_as_array(tt.evaluate(S, vals)), ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


@pytest.mark.slow
def test_the_sparse_solve_agrees_with_the_numeric_engine_through_subs():
    model = ring(6)
    S = tt.stationary_covariance(model)
    for vals in _points(model, seed=7, count=2):
        np.testing.assert_allclose(_as_array(S.subs(vals).evalf(30)), tt.stationary_covariance(model.subs(vals)),
                                   rtol=1e-9)


def _ring_with_own_rates(size):
    z = sp.symbols(f"y0:{size}", real=True)
    a = sp.symbols(f"a0:{size}", positive=True)
    return tt.LinearSDE({z[i]: -a[i] * z[i] + z[(i + 1) % size] for i in range(size)}, {zz: 1 for zz in z})


def _dense(size):
    z = sp.symbols(f"x0:{size}", real=True)
    a = sp.symbols(f"a0:{size * size}", real=True)
    return tt.LinearSDE({z[i]: sum(a[size * i + j] * z[j] for j in range(size)) for i in range(size)},
                        {zz: 1 for zz in z})


def _neurons_in_a_loop_with_own_parameters():
    v, x1, x2, w = real("v x1 x2 w")
    tv, t1, t2, tw, c12, c21, eta, f, h, Dv, D1, D2, Dw = pos("tau_v tau_1 tau_2 tau_w c12 c21 eta f h D_v D_1 D_2 D_w")
    return tt.LinearSDE({v: -(v + h * x2) / tv, x1: (v - c12 * x2 - f * w - x1) / t1, x2: (c21 * x1 - x2) / t2,
                         w: (eta * x1 - w) / tw}, {v: Dv, x1: D1, x2: D2, w: Dw})


REFUSED_STATIONARY = {
    "dense_four": lambda: _dense(4),
    "dense_six": lambda: _dense(6),
    "ring_of_five_with_own_rates": lambda: _ring_with_own_rates(5),
    "ring_of_six_with_own_rates": lambda: _ring_with_own_rates(6),
    "ring_of_eight": lambda: ring(8),  # ring(7) answers in about 10 s (tests/test_budget_calibration.py)
    "four_neurons_with_thirteen_parameters": lambda: _neurons_in_a_loop_with_own_parameters(),
}


@pytest.mark.parametrize("name", sorted(REFUSED_STATIONARY))
def test_too_large_blocks_are_refused_at_once_naming_the_numeric_path(name, monkeypatch):
    model = REFUSED_STATIONARY[name]()
    eliminations = record_calls(monkeypatch, LYAPUNOV_ELIMINATIONS)
    with hang_guard(120), pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
        tt.stationary_covariance(model)
    assert eliminations == []  # refused before any elimination


def test_the_recording_sees_the_eliminations_of_a_solve_that_is_not_refused(monkeypatch):
    """The control of the refusals above: the same recording sees the work of a small solve."""
    eliminations = record_calls(monkeypatch, LYAPUNOV_ELIMINATIONS)
    tt.stationary_covariance(ring(3))
    assert "thermotheory.core.lyapunov._solve_sparse" in eliminations
    work = record_calls(monkeypatch, [("thermotheory.core.expm", "_solve_parlett")])
    expm_symbolic(sp.Matrix(ring_of_three_and_reader().A), t)
    assert work


# ---------------------------------------------------------------------------- exp(At) and transients


def chain(size):
    z = sp.symbols(f"x0:{size}", real=True)
    r = sp.symbols(f"r0:{size}", positive=True)
    g = sp.symbols(f"g1:{size}", positive=True)
    drift = {z[0]: -r[0] * z[0]}
    for i in range(1, size):
        drift[z[i]] = g[i - 1] * z[i - 1] - r[i] * z[i]
    return tt.LinearSDE(drift, {zz: 1 for zz in z})


def branching_triangle():
    """A triangular drift with two paths from z0 to z3 (z0 -> z1 -> z3 and z0 -> z2 -> z3)."""
    z = real("z0:4")
    r = pos("r0:4")
    a, b, c, d = pos("a b c d")
    return tt.LinearSDE({z[0]: -r[0] * z[0], z[1]: a * z[0] - r[1] * z[1], z[2]: b * z[0] - r[2] * z[2],
                         z[3]: c * z[1] + d * z[2] - r[3] * z[3]}, {zz: 1 for zz in z})


def two_oscillators():
    x, v, y, u = real("x v y u")
    k, g, q, h, c = pos("k gamma q h c")
    return tt.LinearSDE({x: v, v: -k * x - g * v, y: u, u: -q * y - h * u + c * v}, {v: g, u: h})


def ring_of_three_and_reader():
    """A 3x3 block whose characteristic polynomial factors, read by a downstream unit."""
    z = real("z0:4")
    a, k, b, g = pos("a k b g")
    return tt.LinearSDE({z[0]: -a * z[0] + k * z[2], z[1]: -a * z[1] + k * z[0], z[2]: -a * z[2] + k * z[1],
                         z[3]: g * z[1] - b * z[3]}, {zz: 1 for zz in z})


EXPM = {
    "chain_of_eight": lambda: chain(8),
    "branching_triangle": branching_triangle,
    "particle_and_neuron": particle_and_neuron,
    "two_oscillators": two_oscillators,
    "ring_of_three_and_reader": ring_of_three_and_reader,
}


@pytest.mark.parametrize("name", sorted(EXPM))
def test_symbolic_matrix_exponential_matches_scipy(name):
    model = EXPM[name]()
    A = sp.Matrix(model.A)
    E = expm_symbolic(A, t)
    rng = np.random.default_rng(len(name))
    for vals in _points(model, seed=len(name)):
        tv = float(rng.uniform(0.1, 3.0))
        got = _as_array(tt.evaluate(E, {**vals, t: tv}))
        ref = sla.expm(model.subs(vals).arrays()[0] * tv)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


TRANSIENT = {
    "chain_of_three": lambda: chain(3),
    "particle_and_neuron": particle_and_neuron,
    "ring_of_three": lambda: tt.LinearSDE(
        {z: e for z, e in zip(real("z0:3"), sp.Matrix(ring_of_three_and_reader().A)[:3, :3] * sp.Matrix(real("z0:3")))},
        {z: 1 for z in real("z0:3")}),
}


@pytest.mark.parametrize("name", sorted(TRANSIENT))
def test_symbolic_transient_covariance_matches_the_numeric_engine(name):
    model = TRANSIENT[name]()
    n = model.dimension
    S0 = sp.diag(*[sp.Rational(k + 1, 5) for k in range(n)])
    St = tt.covariance(model, t, S0)
    rng = np.random.default_rng(3)
    for vals in _points(model, seed=11, count=2):
        tv = float(rng.uniform(0.1, 3.0))
        got = _as_array(tt.evaluate(St, {**vals, t: tv}))
        ref = tt.covariance(model.subs(vals), tv, np.array(S0, dtype=float))
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max())


def test_symbolic_transient_mean_of_a_block_triangular_drift():
    model = particle_and_neuron()
    m0 = [sp.Rational(1, 2), -1, sp.Rational(1, 3)]
    mt = tt.core.moments.mean(model, t, m0)
    rng = np.random.default_rng(5)
    for vals in _points(model, seed=5, count=2):
        tv = float(rng.uniform(0.1, 3.0))
        ref = sla.expm(model.subs(vals).arrays()[0] * tv) @ np.array(m0, dtype=float)
        np.testing.assert_allclose(_as_array(tt.evaluate(mt, {**vals, t: tv})).reshape(-1), ref, rtol=1e-9)


def _non_factoring_cubic():
    return coupled_neurons()  # its block {x1, x2, w} has an irreducible cubic characteristic polynomial


@pytest.mark.parametrize("build", [lambda: ring(4), _non_factoring_cubic, lambda: _dense(3)],
                         ids=["coupled_block_of_four", "irreducible_cubic", "dense_three"])
def test_symbolic_exponential_refuses_what_has_no_usable_closed_form(build, monkeypatch):
    model = build()
    # the work of an exponential once its blocks' eigenvalues are known: Parlett's solves below the diagonal,
    # the Sylvester products of a 3x3 block, sympy's Jordan form, Cardano's roots of a cubic
    work = record_calls(monkeypatch, [("thermotheory.core.expm", "_solve_parlett"),
                                      ("thermotheory.core.expm", "_triangular_expm"),
                                      ("sympy.matrices.matrixbase.MatrixBase", "exp"),
                                      ("sympy.matrices.matrixbase.MatrixBase", "jordan_form"),
                                      ("sympy", "roots"), ("sympy", "solve")])
    with hang_guard(120), pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
        expm_symbolic(sp.Matrix(model.A), t)
    assert work == []  # refused before any closed form is built


# ---------------------------------------------------------------------------- filtering


def test_two_hidden_variables_filter_error_and_transfer_entropy():
    """The neuron sees the particle's velocity; position and velocity are both hidden."""
    model = particle_and_neuron()
    x, v, n = model.variables
    P = tt.filter_error(model, [x, v], n)
    te_v = tt.transfer_entropy_rate(model, v, n)
    for vals in _points(model, seed=21):
        numeric = model.subs(vals)
        np.testing.assert_allclose(_as_array(tt.evaluate(P, vals)), tt.filter_error(numeric, [x, v], n),
                                   rtol=1e-9, atol=1e-14)
        assert float(tt.evaluate(te_v, vals)) == pytest.approx(tt.transfer_entropy_rate(numeric, v, n), rel=1e-9)


def test_two_hidden_variables_agree_with_scipy_care_directly():
    model = particle_and_neuron()
    x, v, n = model.variables
    P = tt.filter_error(model, [x, v], n)
    for vals in _points(model, seed=4, count=2):
        A, _, D = model.subs(vals).arrays()
        a, c, q, r = A[:2, :2], A[2:, :2], 2 * D[:2, :2], 2 * D[2:, 2:]
        # the noise reaches x through v, so scipy's CARE applies directly here
        ref = sla.solve_continuous_are(a.T, c.T, q, r)
        np.testing.assert_allclose(_as_array(tt.evaluate(P, vals)), ref, rtol=1e-8, atol=1e-14)


def _frozen_offset_and_signal():
    """A constant offset x (no drift, no noise: eigenvalue 0) and a signal s, both read by y."""
    x, s, y = real("x s y")
    ts, ty, Ds, Dy = pos("tau_s tau_y D_s D_y")
    return tt.LinearSDE({x: 0, s: -s / ts, y: (x + s - y) / ty}, {s: Ds, y: Dy})


def test_a_noiseless_marginal_hidden_mode_is_reduced_away_symbolically_as_numerically():
    model = _frozen_offset_and_signal()
    x, s, y = model.variables
    P = tt.filter_error(model, [x, s], y)
    te = tt.transfer_entropy_rate(model, s, y)
    assert P[0, 0] == 0 and P[0, 1] == 0  # the offset is learned exactly in the long run
    rng = np.random.default_rng(2)
    for _ in range(3):  # the drift has the eigenvalue 0, so any positive point is a valid filter problem
        vals = {p: float(rng.uniform(0.5, 2.0)) for p in model.parameters}
        numeric = model.subs(vals)
        assert tt.core.filtering.has_noiseless_marginal_modes(numeric, y)
        np.testing.assert_allclose(_as_array(tt.evaluate(P, vals)), tt.filter_error(numeric, [x, s], y),
                                   rtol=1e-9, atol=1e-14)
        assert float(tt.evaluate(te, vals)) == pytest.approx(tt.transfer_entropy_rate(numeric, s, y), rel=1e-9)


def test_an_unobservable_hidden_mode_is_not_stable_in_both_engines():
    x, v, n = real("x v n")
    gam, g, tau, T, Dn = pos("gamma g tau T D_n")
    free = tt.LinearSDE({x: v, v: -gam * v, n: (g * v - n) / tau}, {v: gam * T, n: Dn})  # no restoring force
    with pytest.raises(tt.NotStable):
        tt.filter_error(free, [x, v], n)
    with pytest.raises(tt.NotStable):
        tt.filter_error(free.subs({gam: 1, g: 1, tau: 1, T: 1, Dn: 1}), [x, v], n)


def test_three_hidden_variables_are_still_refused_at_once(monkeypatch):
    z = real("z0:4")
    r = pos("r0:4")
    model = tt.LinearSDE({z[0]: -r[0] * z[0], z[1]: z[0] - r[1] * z[1], z[2]: z[1] - r[2] * z[2],
                          z[3]: z[2] - r[3] * z[3]}, {zz: 1 for zz in z})
    work = record_calls(monkeypatch, LYAPUNOV_ELIMINATIONS + [
        ("thermotheory.core.filtering", "_riccati_2x2"), ("thermotheory.core.filtering", "_noise_driven"),
        ("sympy", "solve"), ("sympy", "roots")])
    with hang_guard(120), pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
        tt.filter_error(model, z[0], z[3])
    assert work == []  # refused before any part of the Riccati equation is solved


def test_two_hidden_variables_seen_through_two_observed_ones_are_refused():
    x, v, n1, n2 = real("x v n1 n2")
    k, gam, g1, g2, D1, D2 = pos("k gamma g1 g2 D_1 D_2")
    model = tt.LinearSDE({x: v, v: -k * x - gam * v, n1: g1 * v - n1, n2: g2 * x - n2}, {v: gam, n1: D1, n2: D2})
    with pytest.raises(tt.TooLarge, match=r"model\.subs\(values\)"):
        tt.filter_error(model, [x, v], [n1, n2])


def test_transient_of_a_long_chain_is_refused_at_once(monkeypatch):
    """A chain of four: exp(At) is fine, but E (S0 - S_inf) E^T would expand for seconds before being refused."""
    v_, x_, y_, r_ = sp.symbols("v x y r", real=True)
    a, b, c, d = sp.symbols("a b c d", positive=True)
    t = sp.Symbol("t", positive=True)
    m = tt.LinearSDE({v_: -a * v_, x_: v_ - b * x_, y_: x_ - c * y_, r_: y_ - d * r_}, {v_: 1, x_: 1, y_: 1, r_: 1})
    expansions = record_calls(monkeypatch, [("thermotheory.core.moments", "collect_matrix"),
                                            ("thermotheory.core.expm", "collect_matrix")])
    with hang_guard(120), pytest.raises(tt.TooLarge, match="model.subs"):
        tt.covariance(m, t, sp.eye(4))
    assert expansions == []  # refused from the prediction, before E (S0 - S_inf) E^T is expanded and collected
