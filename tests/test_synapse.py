"""Plastic synapses: closed forms against ODE solves and numeric formulas, and Monte Carlo."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.montecarlo import estimators as estimate  # the per-path estimators
from thermotheory.errors import ModelError, NotStable
from thermotheory.models import decoder as B
from thermotheory.models import synapse as C
from .helpers import learning_moments, scipy_covariance

TRACK = (B.tau_v, B.sigma_v, B.tau_n, B.sigma_n, B.g, C.kappa, C.tau_w, C.sigma_w)
LEARN = (C.lam, C.s_mu, C.tau_w, C.sigma_w, C.tau_r)


def point(rng, params):
    return {p: float(rng.uniform(0.4, 2.5)) for p in params}


def numeric(model, vals):
    return model.subs({p: vals[p] for p in model.parameters})


def at(expr, vals, **extra):
    return float(sp.sympify(expr).subs({**vals, **{getattr(C, k): v for k, v in extra.items()}}))


@pytest.fixture(scope="module")
def track():
    return C.tracking_quantities()


@pytest.fixture(scope="module")
def step():
    return C.learning_quantities("step")


@pytest.fixture(scope="module")
def ramp():
    return C.learning_quantities("ramp")


@pytest.fixture(scope="module")
def store():
    return C.storage_quantities()


@pytest.mark.parametrize("seed", range(3))
def test_tracking_against_numeric_formulas(track, seed):
    vals = point(np.random.default_rng(seed), TRACK)
    A, b, D = numeric(C.tracking(), vals).arrays()
    S = scipy_covariance(A, D)
    q = {k: at(e, vals) for k, e in track.items()}
    mi = lambda i, j: 0.5 * np.log(S[i, i] * S[j, j] / (S[i, i] * S[j, j] - S[i, j] ** 2))  # noqa: E731
    assert q["information_vw"] == pytest.approx(mi(0, 2), rel=1e-10)
    assert q["information_vx"] == pytest.approx(mi(0, 1), rel=1e-10)
    assert q["information_vw"] < q["information_vx"]  # data processing
    assert q["heat_rate"] == pytest.approx((A @ S @ A.T)[2, 2] / D[2, 2] + A[2, 2], rel=1e-10)
    assert q["information_flow"] == pytest.approx(-A[2, 2] - D[2, 2] * np.linalg.inv(S)[2, 2], rel=1e-10)
    assert 0 < q["efficiency"] < 1
    A0 = A.copy()
    A0[1, 0] = 0.0
    S0 = scipy_covariance(A0, D)
    assert q["heat_rate_no_signal"] == pytest.approx((A0 @ S0 @ A0.T)[2, 2] / D[2, 2] + A0[2, 2], rel=1e-10)
    assert q["heat_rate_no_signal"] > 0


def test_tracking_by_monte_carlo(track):
    vals = point(np.random.default_rng(7), TRACK)
    model = numeric(C.tracking(), vals)
    for quantity, args, opts in [(tt.mutual_information, (C.v, C.w), {}), (tt.heat_rate, (C.w,), {}),
                                 (tt.information_flow, (), {"subsystem": C.w})]:
        rec = tt.verify(model, quantity, *args, seed=3, **opts)
        assert rec.passed, rec
    # no signal in the neuron (g = 0): the synapse still dissipates, at the closed-form rate
    silent = numeric(C.tracking(), {**vals, B.g: 0.0})
    tr = tt.simulate(silent, t_end=20.0, dt=0.01, paths=1000, seed=8, burn_in=10.0)
    heat = estimate.heat_rate(tr, silent, C.w)
    assert abs(heat.z(at(track["heat_rate_no_signal"], vals))) <= 4 and heat.value > 10 * heat.stderr


@pytest.mark.parametrize("seed", range(3))
def test_learning_against_moment_odes(step, ramp, seed):
    vals = point(np.random.default_rng(20 + seed), LEARN)
    args = (vals[C.lam], vals[C.s_mu], vals[C.tau_w], vals[C.sigma_w])
    tr = vals[C.tau_r]
    for kind, q, h in [("step", step, lambda s: 1.0), ("ramp", ramp, lambda s: min(s / tr, 1.0))]:
        for T in (0.5 * tr, 1.7 * tr):
            ref = learning_moments(*args, h, T, breaks=(tr,))
            for key in ("information", "entropy_change", "heat"):
                assert at(q[key], vals, t=T) == pytest.approx(ref[key], rel=1e-8), (kind, key, T)
            assert at(q["gain"], vals, t=T) * vals[C.s_mu] ** 2 == pytest.approx(ref["S"][0, 1], rel=1e-8)
            assert 0 < at(q["efficiency"], vals, t=T) < 1


@pytest.mark.parametrize("kind,T", [("step", 1.5), ("ramp", 1.0), ("ramp", 3.0)])
def test_learning_by_monte_carlo(step, ramp, kind, T):
    vals = {C.lam: 1.5, C.s_mu: 1.0, C.sigma_w: 0.8, C.tau_w: 1.0, C.tau_r: 2.0}
    q = step if kind == "step" else ramp
    sde = numeric(C.learning_sde(kind), vals)
    tr = tt.simulate(sde, t_end=T, dt=0.002, paths=8000, seed=11, method="heun",
                     initial=tt.Gaussian([0, 0, 0], np.diag([1.0, 0.64, 0.0])))
    info = estimate.gaussian_mutual_information(tr.states[-1], [0], [1])
    assert abs(info.z(at(q["information"], vals, t=T))) <= 4
    heat = estimate.heat(tr, sde, C.w)
    assert abs(heat.z(at(q["heat"], vals, t=T))) <= 4
    H1, H0 = estimate.gaussian_entropy(tr.states[-1], [1]), estimate.gaussian_entropy(tr.states[0], [1])
    assert abs(H1.value - H0.value - at(q["entropy_change"], vals, t=T)) <= 4 * np.hypot(H1.stderr, H0.stderr)


def test_slow_learning_is_more_efficient(step):
    out = C.ramp_efficiency()
    assert out["slow_limit"] == 1
    rng = np.random.default_rng(5)
    for _ in range(3):
        vals = point(rng, LEARN)
        a = vals[C.lam] ** 2 * vals[C.s_mu] ** 2 / vals[C.sigma_w] ** 2
        step_eff = at(step["efficiency_final"], vals)
        assert step_eff == pytest.approx(np.log1p(a) / (np.log1p(a) + a), rel=1e-12)
        assert step_eff < 0.5  # ln(1 + a) < a
        assert at(out["step_limit"], vals) == pytest.approx(step_eff, rel=1e-10)
        effs = [at(out["efficiency"], vals, tau_r=tr) for tr in (0.01, 0.1, 1.0, 10.0, 100.0, 1e4)]
        assert effs[0] == pytest.approx(step_eff, rel=1e-2)
        assert all(np.diff(effs) > 0) and effs[-1] > 0.99


def test_storage_forgetting_and_holding(store):
    rng = np.random.default_rng(9)
    vals = point(rng, LEARN)
    tw = 1.3
    vals[C.t_w] = tw
    args = (vals[C.lam], vals[C.s_mu], vals[C.tau_w], vals[C.sigma_w])
    pulse = lambda s: 1.0 if s < tw else 0.0  # noqa: E731
    for T in (0.4, 2.0):
        ref = learning_moments(*args, pulse, tw + T, breaks=(tw,))
        written = learning_moments(*args, pulse, tw)
        assert at(store["information"], vals, t=T) == pytest.approx(ref["information"], rel=1e-8)
        assert at(store["heat_forgetting"], vals, t=T) == pytest.approx(ref["heat"] - written["heat"], rel=1e-8)
    assert at(store["write_cost"], vals) == pytest.approx(learning_moments(*args, pulse, tw)["heat"], rel=1e-8)
    hold = learning_moments(*args, lambda s: 1.0, tw + 5.0)["heat"] - learning_moments(*args, lambda s: 1.0, tw)["heat"]
    assert at(store["hold_cost"], vals, t=5.0) == pytest.approx(hold, rel=1e-7)
    # the memory lifetime: the information has fallen to the threshold
    written_info = at(store["information"], vals, t=0.0)
    vals[C.I_th] = written_info / 3
    life = at(store["lifetime"], vals)
    assert life > 0 and at(store["information"], vals, t=life) == pytest.approx(written_info / 3, rel=1e-10)
    assert at(store["hold_to_write"], vals) == pytest.approx(1 / np.expm1(2 * tw / vals[C.tau_w]), rel=1e-12)
    assert at(store["heat_forgetting_total"], vals) == pytest.approx(
        at(store["heat_forgetting"], vals, t=60 * vals[C.tau_w]), rel=1e-9)


def test_storage_by_monte_carlo(store):
    vals = {C.lam: 1.5, C.s_mu: 1.0, C.sigma_w: 0.8, C.tau_w: 1.0, C.t_w: 1.0}
    sde = numeric(C.learning_sde("pulse"), vals)
    tr = tt.simulate(sde, t_end=2.0, dt=0.002, paths=8000, seed=12, method="heun",
                     initial=tt.Gaussian([0, 0, 0], np.diag([1.0, 0.64, 0.0])))
    info = estimate.gaussian_mutual_information(tr.states[-1], [0], [1])
    assert abs(info.z(at(store["information"], vals, t=1.0))) <= 4
    k = int(round(1.0 / 0.002))
    after = tt.Trajectories(tr.times[k:] - tr.times[k], tr.states[k:], tr.variables, tr.dt, tr.method, tr.seed, 1)
    heat = estimate.heat(after, sde, C.w)
    assert abs(heat.z(at(store["heat_forgetting"], vals, t=1.0))) <= 4
    # holding: the drive stays on; the heat from t_w on is the hold cost
    step = numeric(C.learning_sde("step"), vals)
    tr = tt.simulate(step, t_end=2.0, dt=0.002, paths=8000, seed=14, method="heun",
                     initial=tt.Gaussian([0, 0, 0], np.diag([1.0, 0.64, 0.0])))
    held = tt.Trajectories(tr.times[k:] - tr.times[k], tr.states[k:], tr.variables, tr.dt, tr.method, tr.seed, 1)
    hold = estimate.heat(held, step, C.w)
    assert abs(hold.z(at(store["hold_cost"], vals, t=1.0))) <= 4
    write = estimate.heat(tt.Trajectories(tr.times[:k + 1], tr.states[:k + 1], tr.variables, tr.dt, tr.method,
                                          tr.seed, 1), step, C.w)
    assert abs(write.z(at(store["write_cost"], vals))) <= 4 and write.value > 4 * hold.value


def test_protocol_errors():
    with pytest.raises(ModelError, match="protocol"):
        C.protocol("sine")
    with pytest.raises(ModelError, match="protocol"):
        C.learning_quantities("sine")


BCM = {B.tau_v: 1.0, B.tau_n: 0.5, B.g: 1.0, C.r_0: 2.0, C.theta: 1.0, C.kappa: 0.5, C.tau_w: 1.0, C.sigma_w: 0.3}


def test_bcm_linear_noise_is_the_jacobian_at_the_fixed_point():
    vals = {**BCM, B.sigma_v: 0.3, B.sigma_n: 0.2}
    sde, lna = C.bcm_synapse().subs(vals), C.bcm_linear_noise().subs(vals)
    f, _ = sde.compile()
    A, b, D = lna.arrays()
    z0 = np.array([0.0, 2.0, 0.5 * 2.0 * (2.0 - 1.0)])
    assert np.allclose(f(z0[None])[0], 0.0)
    assert np.allclose(np.linalg.solve(A, -b), z0)
    eps = 1e-6
    J = np.column_stack([(f((z0 + eps * e)[None])[0] - f((z0 - eps * e)[None])[0]) / (2 * eps) for e in np.eye(3)])
    assert np.allclose(A, J, atol=1e-8)
    assert np.allclose(np.diag(D), [0.09, 0.08, 0.09])


@pytest.mark.parametrize("noise,agrees", [((0.2, 0.1), True), ((1.0, 0.6), False)])
def test_bcm_against_its_linear_noise_approximation(noise, agrees):
    vals = {**BCM, B.sigma_v: noise[0], B.sigma_n: noise[1]}
    sde, lna = C.bcm_synapse().subs(vals), C.bcm_linear_noise().subs(vals)
    tr = tt.simulate(sde, t_end=10.0, dt=0.005, paths=3000, seed=5, method="heun", burn_in=8.0)
    heat_w = estimate.heat_rate(tr, sde, C.w)
    total = estimate.heat_rate(tr, sde, [B.v, B.x, C.w])
    z_heat, z_total = heat_w.z(tt.heat_rate(lna, C.w)), total.z(tt.entropy_production_rate(lna))
    if agrees:  # weak nonlinearity: the approximation is within the Monte Carlo error
        assert abs(z_heat) <= 4 and abs(z_total) <= 4
        info = estimate.gaussian_mutual_information(tr.states[-1], [0], [2])
        assert abs(info.z(tt.mutual_information(lna, B.v, C.w))) <= 4
    else:  # strong nonlinearity: the quadratic term adds dissipation the approximation misses
        assert z_heat > 4 and z_total > 4


def test_linear_noise_approximation_of_a_linear_model_is_exact():
    x, y = sp.symbols("x y", real=True)
    a = sp.Symbol("a", positive=True)
    sde = tt.SDE({x: -a * x + 1, y: x - y}, {x: 1, y: 2})
    lna = tt.linear_noise_approximation(sde)
    assert lna == tt.LinearSDE({x: -a * x + 1, y: x - y}, {x: 1, y: 2})


def test_linear_noise_approximation_errors():
    x = sp.Symbol("x", real=True)
    well = tt.SDE({x: x - x**3}, {x: 1})
    with pytest.raises(ModelError, match="fixed points"):
        tt.linear_noise_approximation(well)
    with pytest.raises(NotStable):
        tt.linear_noise_approximation(well, at={x: 0})
    with pytest.raises(ModelError, match="not a fixed point"):
        tt.linear_noise_approximation(well, at={x: 2})
    assert tt.linear_noise_approximation(well, at={x: -1}).drift == {x: -2 * x - 2}
    with pytest.raises(ModelError, match="expected an SDE"):
        tt.linear_noise_approximation(tt.LinearSDE({x: -x}, {x: 1}))


def test_nonlinear_heat_estimator_refuses_what_it_cannot_measure():
    x, v = sp.symbols("x v", real=True)
    mult = tt.SDE({x: -x}, {x: 1 + x**2}, convention="ito")
    tr = tt.simulate(mult, t_end=0.1, dt=0.01, paths=4, seed=0, method="euler")
    with pytest.raises(ModelError, match="additive"):
        estimate.heat(tr, mult)
    odd = tt.SDE({x: v, v: -x - v}, {v: 1}, parity={v: -1})
    tr = tt.simulate(odd, t_end=0.1, dt=0.01, paths=4, seed=0, method="heun")
    with pytest.raises(ModelError, match="even"):
        estimate.heat(tr, odd, v)
    with pytest.raises(ModelError, match="noise"):
        estimate.heat(tr, tt.SDE({x: v, v: -x - v}, {v: 1}), x)
