"""Estimators and the verification harness: calibrated, and able to catch a wrong derivation."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.montecarlo import estimators as estimate  # the per-path estimators
from thermotheory.core.state import ModelCache

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
VALUES = {tau: 1.0, tau_r: 0.5, lam: 2.0, D_v: 1.0, D_r: 0.5}


def correlated_gaussian(rho, n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(n)
    return np.column_stack([a, rho * a + np.sqrt(1 - rho**2) * rng.standard_normal(n)])


@pytest.mark.parametrize("rho", [0.3, 0.8])
def test_ksg_and_gaussian_mi_estimators_are_calibrated(rho):
    s = correlated_gaussian(rho, 20000, seed=int(rho * 10))
    exact = -0.5 * np.log(1 - rho**2)
    g = estimate.gaussian_mutual_information(s, [0], [1])
    assert abs(g.z(exact)) <= 4
    k = estimate.ksg_mutual_information(s, [0], [1])
    assert abs(k.value - exact) <= max(4 * k.stderr, 0.01)


def test_ksg_sees_nonlinear_dependence_that_gaussian_mi_misses():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(10000)
    s = np.column_stack([a, a**2 + 0.1 * rng.standard_normal(10000)])
    assert estimate.gaussian_mutual_information(s, [0], [1]).value < 0.05
    assert estimate.ksg_mutual_information(s, [0], [1]).value > 1.0


@pytest.mark.parametrize(
    "quantity, args, kwargs",
    [
        (tt.entropy, (r,), {}),
        (tt.mutual_information, (v, r), {}),
        (tt.entropy_production_rate, (), {}),
        (tt.entropy_production_rate, (), {"subsystem": r}),
        (tt.heat_rate, (r,), {}),
        (tt.information_flow, (r,), {}),
        (tt.efficiency, (r,), {}),
        (tt.transfer_entropy_rate, (v, r), {}),
        (tt.filter_error, (v, r), {}),
    ],
)
def test_verify_passes_for_correct_closed_forms(quantity, args, kwargs):
    rec = tt.verify(SENSOR, quantity, *args, values=VALUES, seed=5, paths=800 if args or kwargs else 800, **kwargs)
    assert rec.passed, str(rec)
    assert rec.stderr > 0 and np.isfinite(rec.z)
    assert rec.expression.free_symbols  # the symbolic closed form travels with the record


def test_verify_catches_a_wrong_derivation(monkeypatch):
    from thermotheory.core import gaussian, thermo

    # a 5% error in I(v; r) = 0.47 is 0.05 I sqrt(N) / rho = 8.5 standard errors at N = 80000 samples
    right = tt.verify(SENSOR, tt.mutual_information, v, r, values=VALUES, seed=2, paths=80000)
    assert right.passed
    original = gaussian._info_from_dets
    monkeypatch.setattr(gaussian, "_info_from_dets", lambda *a: 1.05 * original(*a))
    wrong = tt.verify(SENSOR, tt.mutual_information, v, r, values=VALUES, seed=2, paths=80000)
    assert not wrong.passed and abs(wrong.z) > 4
    assert wrong.estimate == right.estimate  # the estimator did not use the closed form

    original_terms = thermo._medium_terms

    def off_by_factor(*a):
        ops, idx, D, S, quad, tr_irr = original_terms(*a)
        return ops, idx, D, S, 1.05 * quad, tr_irr

    monkeypatch.setattr(thermo, "_medium_terms", off_by_factor)
    assert not tt.verify(SENSOR, tt.heat_rate, r, values=VALUES, seed=3, paths=800).passed

    from thermotheory.core import filtering

    original_riccati = filtering._numeric_riccati
    monkeypatch.setattr(filtering, "_numeric_riccati", lambda *a: 1.05 * original_riccati(*a))
    # the solutions are kept per model, and models compare by value: an equal sensor solved by an earlier test in
    # this process would hand back the right error (the check passed or failed with the order of the files)
    monkeypatch.setattr(filtering, "_RICCATI", ModelCache())
    assert not tt.verify(SENSOR, tt.filter_error, v, r, values=VALUES, seed=4, paths=800).passed
    assert not tt.verify(SENSOR, tt.transfer_entropy_rate, v, r, values=VALUES, seed=4, paths=800).passed


def test_verify_all_on_a_model_with_an_odd_variable():
    x, u = sp.symbols("x u", real=True)
    m = tt.LinearSDE({x: u, u: -2 * x - u / 2, r: (u - r) / 2}, {u: sp.Rational(1, 2), r: 1}, parity={u: -1})
    table = tt.verify_all(m, paths=600, seed=1, duration=20.0)
    assert table.passed, str(table)
    names = [rec.quantity for rec in table]
    assert "heat_rate(x)" not in names  # x has no noise: no heat of its own
    assert "entropy_production_rate()" in names
    text = str(table)
    assert "passed, 0 failed" in text and "<table>" in table._repr_html_()


def test_verify_errors():
    with pytest.raises(tt.ModelError, match="values="):
        tt.verify(SENSOR, tt.mutual_information, v, r)
    w = sp.Symbol("w", real=True)
    three = tt.LinearSDE({v: -v, w: -w, r: v + w - r}, {v: 1, w: 1, r: 1})
    with pytest.raises(tt.ModelError, match="one hidden variable"):
        tt.verify(three, tt.filter_error, [v, w], r)
    with pytest.raises(tt.ModelError, match="does not know"):
        tt.verify(SENSOR, tt.stationary_covariance, values=VALUES)


@pytest.mark.parametrize(
    "setting, bad",
    [("paths", 0), ("paths", -5), ("paths", 2.5), ("paths", float("nan")), ("paths", float("inf")), ("paths", True),
     ("dt", 0), ("dt", -0.01), ("dt", float("nan")), ("dt", float("inf")),
     ("duration", 0), ("duration", -1.0), ("duration", float("inf")),
     ("z_max", 0), ("z_max", -4.0), ("z_max", float("nan")),
     ("dt", "0.01"), ("duration", "1"), ("z_max", "4"), ("dt", True)],
)
def test_verify_refuses_settings_it_would_otherwise_replace(setting, bad):
    # paths=0, dt=0 and duration=0 once became the defaults silently (``paths or 20000``)
    for quantity, args in [(tt.mutual_information, (v, r)), (tt.heat_rate, (r,))]:
        with pytest.raises(tt.ModelError, match=f"^{setting}: "):
            tt.verify(SENSOR, quantity, *args, values=VALUES, **{setting: bad})
    with pytest.raises(tt.ModelError, match=f"^{setting}: "):
        tt.verify_all(SENSOR, VALUES, **{setting: bad})


def test_verify_refuses_a_step_too_coarse_for_the_rates():
    fast = estimate.time_scales(SENSOR.subs(VALUES).arrays()[0])[0]  # tau_r = 0.5 here
    assert fast == pytest.approx(0.5)
    for quantity, args in [(tt.heat_rate, (r,)), (tt.information_flow, (r,)), (tt.entropy_production_rate, ()),
                           (tt.transfer_entropy_rate, (v, r))]:
        with pytest.raises(tt.ModelError, match="dt: a step of 0.1 is too coarse"):
            tt.verify(SENSOR, quantity, *args, values=VALUES, dt=fast / 5, paths=10)
    rec = tt.verify(SENSOR, tt.heat_rate, r, values=VALUES, dt=fast / 10, paths=200, duration=5.0, seed=1)
    assert rec.dt == fast / 10 and rec.passed  # the coarsest accepted step


def test_estimators_on_recorded_trajectories():
    m = SENSOR.subs(VALUES)
    tr = tt.simulate(m, t_end=10.0, dt=0.005, paths=300, seed=8, burn_in=5.0)
    heat = estimate.heat_rate(tr, m, r)
    assert abs(heat.z(tt.heat_rate(m, r))) <= 4
    flow = estimate.information_flow(tr, m, r)
    assert abs(flow.z(tt.information_flow(m, subsystem=r))) <= 4
    with pytest.raises(tt.ModelError, match="record_every=1"):
        estimate.heat_rate(tt.simulate(m, t_end=1.0, dt=0.01, paths=4, seed=0, record_every=2), m, r)


def test_transient_entropy_production_by_monte_carlo():
    A = np.array([[-1.0, 0.0], [1.5, -0.7]])
    b = np.array([0.2, 0.0])
    D = np.diag([1.0, 0.3])
    m = tt.LinearSDE.from_matrices(A, D, b=b)
    S0, m0, t, dt = np.array([[0.4, 0.1], [0.1, 0.9]]), np.array([0.5, -0.3]), 1.5, 0.005
    flow = {"medium": lambda: estimate.Extrapolated(
        lambda h: estimate.MediumEntropyFlow(A, b, D, m.parity, [0, 1], h), dt)}
    tr = tt.simulate(m, t_end=t, dt=dt, paths=20000, seed=9, initial=tt.Gaussian(m0, S0), observers=flow,
                     record_every=int(round(t / dt)))
    start = estimate.FittedGaussian.__new__(estimate.FittedGaussian)  # the given initial law, not a fit
    start.mean, start.cov, start.precision = m0, S0, np.linalg.inv(S0)
    end = estimate.FittedGaussian(tr.states[-1])
    per_path = tr.observed["medium"] * t + start.log_density(tr.states[0]) - end.log_density(tr.states[-1])
    est = estimate.per_path(per_path)
    assert abs(est.z(tt.entropy_production(m, t, S0, initial_mean=m0))) <= 4


def test_transfer_entropy_and_filter_error_from_recorded_paths():
    A = np.array([[-1.0, 0.3, 0.0], [0.0, -0.6, 0.0], [0.8, 1.1, -1.5]])
    m = tt.LinearSDE.from_matrices(A, np.diag([0.7, 0.4, 0.5]), variables=["a", "b", "y"])
    tr = tt.simulate(m, t_end=40.0, dt=0.0125, paths=400, seed=12, burn_in=15.0)
    te = estimate.transfer_entropy_rate(tr, m, "a", "y")  # one of two hidden variables
    assert abs(te.z(tt.transfer_entropy_rate(m, "a", "y"))) <= 4
    fe = estimate.filter_error(tr, m, "b", "y")
    assert abs(fe.z(tt.filter_error(m, "b", "y"))) <= 4
    short = tt.simulate(m, t_end=1.0, dt=0.0125, paths=10, seed=0)
    with pytest.raises(tt.ModelError, match="too short"):
        estimate.transfer_entropy_rate(short, m, "a", "y")
    with pytest.raises(tt.ModelError, match="one hidden variable"):
        estimate.filter_error(tr, m, ["a", "b"], "y")
