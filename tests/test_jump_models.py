"""The seed models of the jump kind (ion channel, bipartite sensor and receptor, binary and cascade synapses).

Every published closed form is compared with an independent numeric computation on a
generator built here with numpy from the rates written out by hand (null space, matrix
exponential, quadrature of the entropy production), at random parameter points; the
engine's closed forms (the registry's jump kind) are compared with the published ones.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate as si
import scipy.linalg as sl
import sympy as sp

import thermotheory as tt
from thermotheory.errors import ModelError
from thermotheory.models import ion_channel as K
from thermotheory.models import memory as M
from thermotheory.models import receptor as R

RNG = np.random.default_rng(20261205)


def _generator(W: np.ndarray) -> np.ndarray:
    return W.T - np.diag(W.sum(axis=1))


def _stationary(W: np.ndarray) -> np.ndarray:
    p = sl.null_space(_generator(W))[:, 0]
    return p / p.sum()


def _num(expr, values) -> float:
    """A closed form (an expression or a structured ClosedForm) at numbers."""
    if isinstance(expr, tt.ClosedForm):
        return float(expr.evaluate(values))
    return float(sp.sympify(expr).subs(values))


def _engine_has(name: str, model) -> bool:
    """Whether the registry has a closed form of ``name`` for the jump kind yet (the engine lands separately)."""
    return "jump" in getattr(getattr(tt, name), "closed_forms", {})


# ---------------------------------------------------------------------------------------------- the ion channel

def _channel_rates(a: float, b: float) -> np.ndarray:
    W = np.zeros((5, 5))
    for k in range(4):
        W[k, k + 1] = (4 - k) * a
        W[k + 1, k] = (k + 1) * b
    return W


@pytest.mark.parametrize("seed", range(3))
def test_channel_stationary_binomial_and_relaxation(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0.05, 3.0, 2)
    W = _channel_rates(a, b)
    p = _stationary(W)
    vals = {K.alpha: a, K.beta: b}
    q = K.channel_quantities()
    for k in range(4):
        assert _num(q[f"occupancy_{k}"], vals) == pytest.approx(p[k], rel=1e-10)
    assert _num(q["open_probability"], vals) == pytest.approx(p[4], rel=1e-10)
    assert _num(q["entropy"], vals) == pytest.approx(-np.sum(p * np.log(p)), rel=1e-10)
    ev = np.sort(-np.linalg.eigvals(_generator(W)).real)
    assert ev[1] == pytest.approx(_num(q["relaxation_rate"], vals), rel=1e-9)
    assert np.allclose(ev, np.arange(5) * (a + b), rtol=1e-8, atol=1e-10)
    assert _num(q["mean_open_time"], vals) == pytest.approx(1 / W[4].sum())
    # the builder's rates are the chain written out above
    assert np.allclose(K.potassium_channel().numeric(vals).rate_array(), W)


def test_channel_occupancies_print_in_order_of_open_gates():
    """pi_0 .. pi_4 in order (the open state pi_4 last), each described in a sentence."""
    q = K.channel_quantities()
    keys = list(q.keys())
    order = [keys.index(f"occupancy_{k}") for k in range(4)] + [keys.index("open_probability")]
    assert order == sorted(order) and order[-1] - order[0] == 4
    assert q.quantity("occupancy_0").description == "stationary probability that no gate is open"
    assert q.quantity("occupancy_2").description == "stationary probability that 2 gates are open"


@pytest.mark.parametrize("seed", range(3))
def test_channel_step_relaxation(seed):
    rng = np.random.default_rng(10 + seed)
    a, b, n0 = rng.uniform(0.1, 2.0), rng.uniform(0.1, 2.0), rng.uniform(0.05, 0.95)
    t_end = rng.uniform(0.2, 3.0)
    W = _channel_rates(a, b)
    L = _generator(W)
    p0 = np.array([math.comb(4, k) * n0**k * (1 - n0) ** (4 - k) for k in range(5)])
    vals = {K.alpha: a, K.beta: b, K.n_0: n0, K.t: t_end}
    q = K.step_quantities()
    pt = sl.expm(L * t_end) @ p0
    assert _num(q["open_probability"], vals) == pytest.approx(pt[4], rel=1e-9)

    lam, V = np.linalg.eig(L)  # the chain is reversible: real spectrum, diagonalisable
    c0 = np.linalg.solve(V, p0)

    def rates(s):  # entropy production rate and heat rate (entropy flow into the medium) at time s
        p = np.real(V @ (np.exp(lam * s) * c0))
        ep = heat = 0.0
        for i in range(5):
            for j in range(5):
                if W[i, j] > 0:
                    ep += W[i, j] * p[i] * np.log(W[i, j] * p[i] / (W[j, i] * p[j]))
                    heat += W[i, j] * p[i] * np.log(W[i, j] / W[j, i])
        return ep, heat

    ep = si.quad(lambda s: rates(s)[0], 0, t_end, epsabs=1e-12, epsrel=1e-10)[0]
    heat = si.quad(lambda s: rates(s)[1], 0, t_end, epsabs=1e-12, epsrel=1e-10)[0]
    assert _num(q["entropy_production"], vals) == pytest.approx(ep, rel=1e-7, abs=1e-11)
    assert _num(q["heat"], vals) == pytest.approx(heat, rel=1e-7, abs=1e-11)
    # the whole relaxation: the integral to a long time
    long = si.quad(lambda s: rates(s)[0], 0, 60 / (a + b), limit=200)[0]
    assert _num(q["total_cost"], vals) == pytest.approx(long, rel=1e-6)


def test_hh_rates_are_the_squid_axons():
    a, b = K.hh_rates(-65.0)  # at rest: alpha_n = 0.1 / (e - 1), beta_n = 0.125 (Hodgkin & Huxley 1952)
    assert a == pytest.approx(0.1 / (math.e - 1), rel=1e-12)
    assert b == pytest.approx(0.125, rel=1e-12)
    near = K.hh_rates(np.array([-55.0 - 1e-6, -55.0, -55.0 + 1e-6]))[0]
    assert np.allclose(near, 0.1, rtol=1e-6)  # the removable singularity
    with pytest.raises(ModelError):
        K.hh_rates(float("nan"))


def test_channel_bad_input():
    for bad in (0, -1, 2.5, True, "4"):
        with pytest.raises(ModelError):
            K.potassium_channel(gates=bad)


@pytest.mark.skipif(not _engine_has("entropy_production_rate", None), reason="jump closed forms not registered")
def test_channel_engine_agrees():
    vals = {K.alpha: 0.37, K.beta: 1.21}
    model = K.potassium_channel()
    own = K.channel_quantities()
    assert float(tt.evaluate(tt.entropy(model), vals)) == pytest.approx(_num(own["entropy"], vals), rel=1e-10)
    assert abs(float(tt.evaluate(tt.entropy_production_rate(model), vals))) < 1e-12


# ---------------------------------------------------------------------------------------------- the sensor

def _sensor_rates(a0, b0, a1, b1, g) -> np.ndarray:
    # states (0,0), (0,1), (1,0), (1,1)
    W = np.zeros((4, 4))
    W[0, 2] = W[2, 0] = W[1, 3] = W[3, 1] = g
    W[0, 1], W[1, 0], W[2, 3], W[3, 2] = a0, b0, a1, b1
    return W


def _sensor_numbers(W):
    """Mutual information, learning rate and heat rate of y, by hand from the stationary state."""
    states = [(0, 0), (0, 1), (1, 0), (1, 1)]
    p = _stationary(W)
    P = p.reshape(2, 2)
    px, py = P.sum(1), P.sum(0)
    info = sum(P[i, j] * np.log(P[i, j] / (px[i] * py[j])) for i in range(2) for j in range(2))
    learn = heat = 0.0
    for i, (xi, yi) in enumerate(states):
        for j, (xj, yj) in enumerate(states):
            if W[i, j] > 0 and xi == xj:  # a jump of the sensor
                J = W[i, j] * p[i] - W[j, i] * p[j]
                learn += 0.5 * J * np.log(P[xi, yj] / P[xi, yi])  # p(y'|x)/p(y|x); each pair counted twice
                heat += 0.5 * J * np.log(W[i, j] / W[j, i])
    return info, learn, heat


@pytest.mark.parametrize("seed", range(4))
def test_sensor_forms_against_null_space(seed):
    rng = np.random.default_rng(100 + seed)
    a0, b0, a1, b1, g = rng.uniform(0.1, 3.0, 5)
    info, learn, heat = _sensor_numbers(_sensor_rates(a0, b0, a1, b1, g))
    f = R.sensor_forms(a0, b0, a1, b1, g)
    assert float(f["information"]) == pytest.approx(info, rel=1e-9)
    assert float(f["information_flow"]) == pytest.approx(learn, rel=1e-9)
    assert float(f["heat_rate"]) == pytest.approx(heat, rel=1e-9)
    # second law for the sensor: l_y <= Phi_y whatever the sign
    assert float(f["information_flow"]) <= float(f["heat_rate"]) + 1e-12
    assert np.allclose(R.two_state_sensor(a0, b0, a1, b1, g).rate_array(), _sensor_rates(a0, b0, a1, b1, g))


@pytest.mark.parametrize("seed", range(3))
def test_atp_sensor_compact_forms(seed):
    rng = np.random.default_rng(200 + seed)
    g, kk, dmu = rng.uniform(0.05, 3.0), rng.uniform(0.1, 5.0), rng.uniform(0.1, 6.0)
    vals = {R.gamma: g, R.k: kk, R.Delta_mu: dmu}
    km = kk * np.exp(-dmu)
    info, learn, heat = _sensor_numbers(_sensor_rates(km, kk, kk, km, g))
    q = R.sensor_quantities()
    assert _num(q["information"], vals) == pytest.approx(info, rel=1e-9)
    assert _num(q["information_flow"], vals) == pytest.approx(learn, rel=1e-9)
    assert _num(q["heat_rate"], vals) == pytest.approx(heat, rel=1e-9)
    assert _num(q["entropy_production_rate"], vals) == pytest.approx(heat, rel=1e-9)  # the signal's flips: none
    assert _num(q["efficiency"], vals) == pytest.approx(learn / heat, rel=1e-9)
    assert 0 < _num(q["efficiency"], vals) < 1
    assert np.allclose(R.sensor().numeric(vals).rate_array(), _sensor_rates(km, kk, kk, km, g))


def test_atp_sensor_limits():
    q = R.sensor_quantities()
    assert sp.limit(q["efficiency"], R.gamma, 0) == 1  # a slow signal is sensed at no extra cost...
    assert sp.limit(q["information_flow"], R.gamma, 0) == 0  # ...but nothing is learnt per unit time
    assert sp.limit(q["information"].explicit(), R.Delta_mu, 0) == 0  # no drive, no information
    # the sensor learns most when the signal is neither too slow nor too fast
    f = sp.lambdify(R.gamma, q["information_flow"].subs({R.k: 1.0, R.Delta_mu: 3.0}))
    grid = np.logspace(-3, 3, 61)
    vals = f(grid)
    assert 0 < np.argmax(vals) < len(grid) - 1


@pytest.mark.parametrize("seed", range(3))
def test_receptor_against_null_space(seed):
    rng = np.random.default_rng(300 + seed)
    g, kk, c0, c1, w = rng.uniform(0.1, 3.0, 5)
    vals = {R.gamma: g, R.k: kk, R.c_0: c0, R.c_1: c1, R.omega: w}
    info, learn, heat = _sensor_numbers(_sensor_rates(kk * c0, w, kk * c1, w, g))
    q = R.receptor_quantities()
    assert _num(q["information"], vals) == pytest.approx(info, rel=1e-9)
    assert _num(q["information_flow"], vals) == pytest.approx(learn, rel=1e-9)
    assert _num(q["heat_rate"], vals) == pytest.approx(heat, rel=1e-9)
    assert _num(q["efficiency"], vals) <= 1


@pytest.mark.skipif(not _engine_has("information_flow", None), reason="jump closed forms not registered")
@pytest.mark.parametrize("build, forms", [(R.sensor, R.sensor_quantities), (R.receptor, R.receptor_quantities)])
def test_sensor_engine_agrees(build, forms):
    model = build()
    own = forms()
    rng = np.random.default_rng(7)
    vals = {s: float(rng.uniform(0.2, 2.5)) for s in model.parameters}
    bound = {"information": tt.mutual_information.of("x", "y"), "information_flow": tt.information_flow.of("y"),
             "heat_rate": tt.heat_rate.of("y"), "efficiency": tt.efficiency.of("y"),
             "entropy_production_rate": tt.entropy_production_rate.of()}
    numeric = model.numeric(vals)
    for name, b in bound.items():
        assert float(b.closed_form(numeric)) == pytest.approx(_num(own[name], vals), rel=1e-8), name


# ---------------------------------------------------------------------------------------------- synaptic memory

def _cascade_rates(n, r, f, x, reverse=0.0):
    """The cascade of Fusi, Drew & Abbott (2005) written out: states w1..wn, s1..sn."""
    qs = [x ** (i - 1) for i in range(1, n)] + [x ** (n - 1) / (1 - x)]
    ps = [x**i / (1 - x) for i in range(1, n)]
    W = np.zeros((2 * n, 2 * n))

    def add(i, j, rate):
        W[i, j] += rate
        W[j, i] += reverse * rate

    for i in range(n):
        add(i, n, r * f * qs[i])  # w_i -> s_1 on potentiation
        add(n + i, 0, r * (1 - f) * qs[i])  # s_i -> w_1 on depression
        if i < n - 1:
            add(n + i, n + i + 1, r * f * ps[i])  # deeper on potentiation
            add(i, i + 1, r * (1 - f) * ps[i])
    return W


@pytest.mark.parametrize("n", [2, 3, 5])
def test_cascade_uniform_occupancy_and_initial_signal(n):
    rng = np.random.default_rng(400 + n)
    r, x = rng.uniform(0.2, 3.0), rng.uniform(0.1, 0.5)
    W = _cascade_rates(n, r, 0.5, x)
    vals = {M.r: r, M.f: 0.5, M.x: x}
    assert np.allclose(M.cascade(n).numeric(vals).rate_array(), W)
    p = _stationary(W)
    q = M.cascade_quantities(n)
    assert np.allclose(p, _num(q["occupancy"], vals), rtol=1e-9)
    # one potentiation (depression) on the stationary state, written out by hand
    qs = [x ** (i - 1) for i in range(1, n)] + [x ** (n - 1) / (1 - x)]
    strong_after_pot = p[n:].sum() + sum(p[i] * qs[i] for i in range(n))
    strong_after_dep = p[n:].sum() - sum(p[n + i] * qs[i] for i in range(n))
    assert _num(q["initial_signal"], vals) == pytest.approx(strong_after_pot - strong_after_dep, rel=1e-10)
    curves = M.memory_curves(M.cascade(n), [0.0], vals)
    assert curves["signal"][0] == pytest.approx(strong_after_pot - strong_after_dep, rel=1e-9)
    h = lambda s: -s * np.log(s) - (1 - s) * np.log(1 - s)  # noqa: E731
    assert _num(q["initial_information"], vals) == pytest.approx(curves["strength_information"][0], rel=1e-9)
    assert _num(q["initial_information"], vals) == pytest.approx(
        np.log(2) - h((1 + strong_after_pot - strong_after_dep) / 2), rel=1e-9)


def test_cascade_with_general_f_and_reverse_rates():
    r, f, x, dmu = 1.3, 0.3, 0.4, 1.7
    vals = {M.r: r, M.f: f, M.x: x, M.Delta_mu: dmu}
    assert np.allclose(M.cascade(4, reverse=True).numeric(vals).rate_array(),
                       _cascade_rates(4, r, f, x, np.exp(-dmu)))
    # the memory signal decays more slowly than the binary synapse's with the same initial signal
    cas = M.memory_curves(M.cascade(4), [0.0, 20.0], {M.r: 1.0, M.f: 0.5, M.x: 0.5})
    s0 = cas["signal"][0]
    binary = M.binary_quantities()["signal"].subs({M.q: s0, M.r: 1.0, M.t: 20.0})
    assert cas["signal"][1] > 10 * float(binary)


def test_cascade_signal_against_expm():
    n, r, x = 3, 0.7, 0.5
    W = _cascade_rates(n, r, 0.5, x)
    L = _generator(W)
    p = _stationary(W)
    qs = [1.0, 0.5, 0.5]
    ps = [1.0, 0.5]
    pot = p.copy()
    for i in range(n):  # one potentiation: w_i -> s_1 with q_i, s_i -> s_{i+1} with p_i
        pot[i] -= p[i] * qs[i]
        pot[n] += p[i] * qs[i]
    for i in range(n - 1):
        pot[n + i] -= p[n + i] * ps[i]
        pot[n + i + 1] += p[n + i] * ps[i]
    times = [0.5, 3.0, 12.0]
    out = M.memory_curves(M.cascade(n), times, {M.r: r, M.f: 0.5, M.x: x})
    for k, s in enumerate(times):
        strong = (sl.expm(L * s) @ pot)[n:].sum()
        assert out["signal"][k] == pytest.approx(2 * (strong - 0.5), rel=1e-9)  # symmetric: S = 2 (P - 1/2)


@pytest.mark.parametrize("seed", range(3))
def test_binary_synapse_memory(seed):
    rng = np.random.default_rng(500 + seed)
    r, q, t = rng.uniform(0.2, 3.0), rng.uniform(0.05, 1.0), rng.uniform(0.0, 3.0)
    vals = {M.r: r, M.f: 0.5, M.q: q, M.t: t}
    d = M.binary_quantities()
    L = _generator(np.array([[0.0, q * r * 0.5], [q * r * 0.5, 0.0]]))
    E = sl.expm(L * t)
    pot, dep = E @ np.array([0.5 * (1 - q), 0.5 + 0.5 * q]), E @ np.array([0.5 + 0.5 * q, 0.5 * (1 - q)])
    assert _num(d["signal"], vals) == pytest.approx(pot[1] - dep[1], rel=1e-9)
    mix = (pot + dep) / 2
    info = 0.5 * np.sum(pot * np.log(pot / mix)) + 0.5 * np.sum(dep * np.log(dep / mix))
    assert _num(d["information"], vals) == pytest.approx(info, rel=1e-9)
    assert _num(d["forgetting_cost"], vals) == pytest.approx(info, rel=1e-9)  # f = 1/2: stored = still to dissipate
    out = M.memory_curves(M.binary_synapse(), [t], {M.r: r, M.f: 0.5, M.q: q})
    assert out["information"][0] == pytest.approx(info, rel=1e-9)


def test_binary_entropy_production_any_f():
    r, f, q, t = 1.1, 0.27, 0.6, 0.8
    a, b = q * r * f, q * r * (1 - f)
    L = _generator(np.array([[0.0, a], [b, 0.0]]))
    p0 = np.array([(1 - f) * (1 - q), f + q * (1 - f)])

    def sigma(s):
        p = sl.expm(L * s) @ p0
        J = a * p[0] - b * p[1]
        return J * np.log(a * p[0] / (b * p[1]))

    ep = si.quad(sigma, 0, t, epsabs=1e-13)[0]
    d = M.binary_quantities()
    assert _num(d["entropy_production"], {M.r: r, M.f: f, M.q: q, M.t: t}) == pytest.approx(ep, rel=1e-7)


def test_binary_entropy_production_is_the_fall_of_the_relative_entropy():
    """Printed as an author writes it, :math:`D(P_s(0) \\| \\pi) - D(P_s(t) \\| \\pi)` with the probabilities of the
    strong state named (issue #24: two lines of logarithms before); checked against the relative entropies computed
    here from the propagated distribution, from a moment after the potentiation to well past the memory's lifetime."""
    d = M.binary_quantities()
    form = d["entropy_production"]
    assert form.latex(where=False) == r"D(P_{\mathrm{s}}(0) \| \pi) - D(P_{\mathrm{s}}(t) \| \pi)"
    r, f, q = 0.9, 0.35, 0.45
    a, b = q * r * f, q * r * (1 - f)
    L = _generator(np.array([[0.0, a], [b, 0.0]]))
    pi = np.array([1 - f, f])
    p0 = np.array([(1 - f) * (1 - q), f + q * (1 - f)])
    for t in (1e-6, 0.4, 2.5, 60.0):
        pt = sl.expm(L * t) @ p0
        fall = np.sum(p0 * np.log(p0 / pi)) - np.sum(pt * np.log(pt / pi))
        assert _num(form, {M.r: r, M.f: f, M.q: q, M.t: t}) == pytest.approx(fall, rel=1e-10, abs=1e-14)


def test_memory_bad_input():
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ModelError):
            M.cascade(bad)
    with pytest.raises(ModelError):
        M.cascade(1)  # the binary synapse has its own builder
    with pytest.raises(ModelError):
        M.memory_curves(K.potassium_channel(), [1.0], {K.alpha: 1.0, K.beta: 1.0})
    with pytest.raises(ModelError):
        M.memory_curves(M.binary_synapse(), [1.0], {M.r: 1.0, M.f: 0.5})  # q missing
    with pytest.raises(ModelError):
        M.memory_curves(M.cascade(3), [1.0], {M.r: 1.0, M.f: 0.5, M.x: 0.7})  # probabilities above 1


# ---------------------------------------------------------------------------------------------- catalog and CLI

JUMP_ENTRIES = ("ion_channel", "ion_channel_step", "atp_sensor", "receptor", "binary_synapse", "cascade_synapse",
                "proofreading")


@pytest.mark.skipif(not _engine_has("entropy_production", None), reason="jump closed forms not registered")
@pytest.mark.parametrize("name", JUMP_ENTRIES)
def test_catalog_own_forms_equal_the_engines(name):
    """Each published closed form of an entry is the engine's closed form of the quantity it names, at its defaults."""
    from thermotheory.catalog import entry

    item = entry(name)
    assert item.kind == "jump"
    values = item.values()
    model = item.model().numeric(item.model_values(values))
    for key in item.quantities:
        engine = float(item.bound(key, values).closed_form(model))
        assert item.closed_form(key, values) == pytest.approx(engine, rel=1e-8, abs=1e-12), key


def test_catalog_sensor_entries_are_the_numbers_of_the_network():
    from thermotheory.catalog import entry

    for name, rates in (("atp_sensor", lambda v: (v[R.k] * np.exp(-v[R.Delta_mu]), v[R.k], v[R.k],
                                                  v[R.k] * np.exp(-v[R.Delta_mu]), v[R.gamma])),
                        ("receptor", lambda v: (v[R.k] * v[R.c_0], v[R.omega], v[R.k] * v[R.c_1], v[R.omega],
                                                v[R.gamma]))):
        item = entry(name)
        values = item.values({"gamma": 0.8})
        info, learn, heat = _sensor_numbers(_sensor_rates(*rates(values)))
        assert item.closed_form("mutual_information", values) == pytest.approx(info, rel=1e-9)
        assert item.closed_form("information_flow", values) == pytest.approx(learn, rel=1e-9)
        assert item.closed_form("heat_rate", values) == pytest.approx(heat, rel=1e-9)
        assert item.closed_form("efficiency", values) == pytest.approx(learn / heat, rel=1e-9)


def test_catalog_step_entries_start_where_they_say():
    from thermotheory.catalog import entry

    item = entry("ion_channel_step")
    values = item.values({"n_0": 0.2, "t": 0.0001})
    start = item.bound("heat", values).arguments["initial"]
    assert start == pytest.approx({k: math.comb(4, k) * 0.2**k * 0.8 ** (4 - k) for k in range(5)})
    assert abs(item.closed_form("entropy_production", values)) < 1e-3  # nothing produced yet
    syn = entry("binary_synapse")
    start = syn.bound("heat", syn.values({"q": 0.3, "f": 0.4})).arguments["initial"]
    assert start == pytest.approx({"w": 0.6 * 0.7, "s": 0.4 + 0.3 * 0.6})


def test_cli_derive_prints_the_published_forms():
    import contextlib
    import io

    from thermotheory.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["derive", "atp_sensor", "efficiency"])
    assert code == 0
    printed = sp.sympify(buf.getvalue().split(" = ", 1)[1],
                         locals={s.name: s for s in R.sensor().parameters})
    assert sp.simplify(printed - sp.log((R.gamma + R.k) / (R.gamma + R.k * sp.exp(-R.Delta_mu))) / R.Delta_mu) == 0


# ---------------------------------------------------------------------------------------------- kinetic proofreading

@pytest.mark.parametrize("seed", range(3))
def test_proofreading_against_null_space(seed):
    from thermotheory.models import proofreading as H

    rng = np.random.default_rng(600 + seed)
    kon, kap, dlt, mm, ll, ww = rng.uniform(0.1, 3.0, 6)
    # states E, R, R*, W, W*; the product is made on a fraction w/(l+w) of the jumps out of R* (W*)
    W = np.zeros((5, 5))
    W[0, 1] = W[0, 3] = kon
    W[1, 0], W[3, 0] = kap, kap * np.exp(dlt)
    W[1, 2] = W[3, 4] = mm
    W[2, 0], W[4, 0] = ll + ww, ll * np.exp(dlt) + ww
    vals = {H.k_on: kon, H.kappa: kap, H.Delta: dlt, H.m: mm, H.l: ll, H.w: ww}
    assert np.allclose(H.proofreading().numeric(vals).rate_array(), W)
    p = _stationary(W)
    d = H.proofreading_quantities()
    right, wrong = ww * p[2], ww * p[4]
    assert _num(d["free_enzyme"], vals) == pytest.approx(p[0], rel=1e-9)
    assert _num(d["right_flux"], vals) == pytest.approx(right, rel=1e-9)
    assert _num(d["wrong_flux"], vals) == pytest.approx(wrong, rel=1e-9)
    assert _num(d["error"], vals) == pytest.approx(wrong / right, rel=1e-9)
    assert _num(d["activations_per_product"], vals) == pytest.approx(mm * (p[1] + p[3]) / (right + wrong), rel=1e-9)
    # proofreading beats one discrimination step only in its regime; it never beats the square
    assert _num(d["error"], vals) >= np.exp(-2 * dlt) * (1 - 1e-12)


def test_proofreading_limits():
    from thermotheory.models import proofreading as H

    d = H.proofreading_quantities()
    assert sp.simplify(sp.limit(sp.limit(d["error"], H.m, 0), H.w, 0) - d["error_limit"]) == 0
    no_proofreading = sp.limit(sp.limit(d["error"], H.l, 0), H.m, 0)  # no discard route: one step
    assert sp.simplify(no_proofreading - d["error_equilibrium"]) == 0


@pytest.mark.skipif(not _engine_has("current_mean_rate", None), reason="jump closed forms not registered")
def test_proofreading_product_currents_engine():
    from thermotheory.models import proofreading as H

    vals = {H.k_on: 1.3, H.kappa: 0.7, H.Delta: 1.1, H.m: 0.4, H.l: 2.0, H.w: 0.3}
    model = H.proofreading().numeric(vals)
    d = H.proofreading_quantities()
    right, wrong = H.product_currents()
    assert float(tt.current_mean_rate(model, right.subs(vals))) == pytest.approx(_num(d["right_flux"], vals), rel=1e-9)
    assert float(tt.current_mean_rate(model, wrong.subs(vals))) == pytest.approx(_num(d["wrong_flux"], vals), rel=1e-9)


# ---------------------------------------------------------------------------------------------- Monte Carlo

def _has_jump_estimators() -> bool:
    from thermotheory.montecarlo.estimators import ESTIMATORS

    return any(key[1] == "jump" for key in ESTIMATORS)


needs_gillespie = pytest.mark.skipif(not _has_jump_estimators(), reason="no Monte Carlo estimators of the jump kind")


@needs_gillespie
def test_sensor_published_forms_by_monte_carlo():
    point = {R.gamma: 0.5, R.k: 2.0, R.Delta_mu: 2.0}
    table = R.sensor_quantities().verify(values=point, seed=3, paths=256,
                                         names=["information", "information_flow", "heat_rate"])
    assert len(list(table)) == 3 and table.passed, str(table)


@needs_gillespie
def test_channel_step_by_monte_carlo():
    depolarised = dict(zip((K.alpha, K.beta), K.hh_rates(-20.0)))
    n0, t_end = 0.3177, 5.0
    start = {k: float(p) for k, p in K.binomial_start(n0).items()}
    q = K.step_quantities()
    rec = tt.verify(K.potassium_channel(), tt.entropy_production.of(t=t_end, initial=start), values=depolarised,
                    theory=_num(q["entropy_production"], {**depolarised, K.n_0: n0, K.t: t_end}), seed=5, paths=1024)
    assert rec.passed, str(rec)


@needs_gillespie
def test_binary_synapse_forgetting_by_monte_carlo():
    point = {M.r: 1.0, M.f: 0.3, M.q: 0.6}
    start = {key: float(v.subs(point)) for key, v in M.potentiated_start().items()}
    theory = _num(M.binary_quantities()["entropy_production"], {**point, M.t: 1.0})
    rec = tt.verify(M.binary_synapse(), tt.entropy_production.of(t=1.0, initial=start), values=point, theory=theory,
                    seed=2, paths=4096)
    assert rec.passed, str(rec)


@needs_gillespie
def test_proofreading_flux_by_monte_carlo():
    from thermotheory.models import proofreading as H

    point = {H.k_on: 2.0, H.kappa: 1.0, H.Delta: 1.5, H.m: 0.5, H.l: 2.0, H.w: 1.0}
    right, _ = H.product_currents()
    rec = tt.verify(H.proofreading(), tt.current_mean_rate.of(right.subs(point)), values=point,
                    theory=_num(H.proofreading_quantities()["right_flux"], point), seed=3, paths=256)
    assert rec.passed, str(rec)


def test_channel_transient_entropy_against_expm():
    a, b, n0, t_end = 0.9, 0.4, 0.15, 0.7
    p = sl.expm(_generator(_channel_rates(a, b)) * t_end) @ np.array(
        [math.comb(4, k) * n0**k * (1 - n0) ** (4 - k) for k in range(5)])
    q = K.step_quantities()
    assert _num(q["entropy"], {K.alpha: a, K.beta: b, K.n_0: n0, K.t: t_end}) == pytest.approx(
        -np.sum(p * np.log(p)), rel=1e-10)
