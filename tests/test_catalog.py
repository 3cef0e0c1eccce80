"""The catalog: every seed model as an entry of bound quantities, its closed forms against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import thermotheory as tt
from thermotheory import catalog
from thermotheory.catalog import CATALOG, check_value, entry, parameter, s_0
from thermotheory.models import decoder as B
from thermotheory.models import lattice as E
from thermotheory.models import particle as P
from thermotheory.models import perceptron as D
from thermotheory.models import synapse as C

KINDS = {
    "free_particle": ("linear", "stationary"), "trapped": ("linear", "stationary"),
    "dragged_trap": ("linear", "transient"), "relaxation": ("linear", "transient"),
    "underdamped_trap": ("linear", "stationary"), "gyrator": ("linear", "stationary"),
    "decoder": ("linear", "stationary"), "population": ("linear", "stationary"),
    "heterogeneous": ("linear", "stationary"), "tracking": ("linear", "stationary"),
    "learning_step": ("nonlinear", "transient"), "learning_ramp": ("nonlinear", "transient"),
    "learning_pulse": ("nonlinear", "transient"), "storing": ("linear", "transient"),
    "bcm": ("nonlinear", "stationary"), "one_weight": ("linear", "transient"),
    "many_weights": ("linear", "transient"), "lattice_1d": ("lattice", "stationary"),
    "lattice_2d": ("lattice", "stationary"), "lattice_3d": ("lattice", "stationary"),
    "lattice_nonreciprocal": ("lattice", "stationary"), "decoder_currents": ("linear", "stationary"),
    "cascade": ("linear", "stationary"), "cold_damping": ("linear", "stationary"),
    "optimal_protocol": ("linear", "transient"), "heat_engine": ("linear", "transient"),
    "ion_channel": ("jump", "stationary"), "ion_channel_step": ("jump", "transient"),
    "atp_sensor": ("jump", "stationary"), "receptor": ("jump", "stationary"),
    "binary_synapse": ("jump", "transient"), "cascade_synapse": ("jump", "stationary"),
    "proofreading": ("jump", "stationary"), "ion_pump": ("jump", "stationary"),
}


def test_every_seed_model_is_in_the_catalog():
    assert set(CATALOG) == set(KINDS)
    for old in ("decoder", "tracking", "gyrator", "underdamped_trap"):  # the names of before stay
        assert old in CATALOG


@pytest.mark.parametrize("name", CATALOG)
def test_an_entry_is_a_model_and_bound_quantities(name):
    item = entry(name)
    assert (item.kind, item.regime) == KINDS[name]
    assert item.quantities and all(isinstance(b, tt.BoundQuantity) for b in item.quantities.values())
    for sym, value in item.defaults.items():
        assert check_value(sym, value, name) == value  # defaults within the symbols' assumptions
    for key in item.theory:
        assert key in item.quantities
    for key, b in item.quantities.items():
        assert b.regime == item.regime
        assert item.notation(key) and "()" not in item.notation(key) and "(; )" not in item.notation(key)
        value = item.closed_form(key, item.values())
        assert isinstance(value, float) and math.isfinite(value), (key, value)


def test_transient_quantities_are_bound_at_the_values():
    item = entry("relaxation")
    b = item.bound("heat", item.values({"t": 0.5, "s_0": 3.0}))
    assert b.arguments["t"] == 0.5 and b.arguments["initial"] == {P.v: 3.0}
    assert item.quantities["heat"].arguments["t"] == P.t  # the stored quantity stays symbolic
    assert item.model_values(item.values()) == {P.m: 1.0, P.gamma: 1.0, P.T: 1.0}


def test_regions_of_a_lattice_are_named_in_the_notation():
    item = entry("lattice_1d")
    assert item.notation("entropy") == "H(A)" and item.notation("mutual_information") == "I(A; B)"
    assert list(item.regions().values()) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert entry("decoder").notation("heat_rate") == tt.heat_rate.of(B.x).latex()


def test_unknown_names_are_refused():
    with pytest.raises(tt.ModelError, match="unknown model 'nope'"):
        entry("nope")
    with pytest.raises(tt.ModelError, match="unknown quantity 'nope' of model 'decoder'"):
        entry("decoder").closed_form("nope")
    with pytest.raises(tt.ModelError, match="unknown parameter 'nope'"):
        parameter(entry("lattice_1d"), "nope")
    with pytest.raises(tt.ModelError, match="declared positive"):
        entry("lattice_1d").values({"lambda": -1})


# --- closed forms against independent computations ------------------------------------------------------------

def _learning_ode(h, tau_w, t_end, c0=0.0):
    """``c(t)`` of ``tau_w c' = -c + h(t)`` and ``int c'^2`` (the heat per lambda^2 s_mu^2 tau_w / sigma_w^2)."""
    def rhs(s, y):
        dc = (-y[0] + h(s)) / tau_w
        return [dc, dc * dc]

    sol = solve_ivp(rhs, (0.0, t_end), [c0, 0.0], rtol=1e-11, atol=1e-13, max_step=0.01)
    return sol.y[0, -1], sol.y[1, -1]


PROTOCOLS = {"step": lambda p: (lambda s: 1.0), "ramp": lambda p: (lambda s: min(s / p[C.tau_r], 1.0)),
             "pulse": lambda p: (lambda s: 1.0 if s < p[C.t_w] else 0.0)}


@pytest.mark.parametrize("kind", ["step", "ramp", "pulse"])
def test_learning_closed_forms_against_an_ode_of_the_mean(kind):
    """Given mu the weight keeps its equilibrium spread and its mean is lambda mu c(t), so (averaged over mu)
    I = 1/2 ln(1 + lambda^2 c^2 s_mu^2 / sigma_w^2), H(w_t) = 1/2 ln(2 pi e (sigma_w^2 + lambda^2 c^2 s_mu^2)) and
    the heat is (lambda^2 s_mu^2 tau_w / sigma_w^2) int c'^2."""
    item = entry(f"learning_{kind}")
    rng = np.random.default_rng(7)
    for _ in range(3):
        values = {s: float(rng.uniform(0.4, 2.5)) for s in item.defaults}
        p = values
        c, ic2 = _learning_ode(PROTOCOLS[kind](p), p[C.tau_w], p[C.t])
        spread = (p[C.lam] * c * p[C.s_mu]) ** 2
        expect = {"mutual_information": 0.5 * math.log(1 + spread / p[C.sigma_w] ** 2),
                  "entropy": 0.5 * math.log(2 * math.pi * math.e * (p[C.sigma_w] ** 2 + spread)),
                  "heat": (p[C.lam] * p[C.s_mu]) ** 2 * p[C.tau_w] / p[C.sigma_w] ** 2 * ic2}
        for key, ref in expect.items():
            assert item.closed_form(key, values) == pytest.approx(ref, rel=1e-7), (kind, key)


def test_storing_closed_forms_against_an_ode_of_the_mean():
    item = entry("storing")
    rng = np.random.default_rng(3)
    for _ in range(3):
        p = {s: float(rng.uniform(0.4, 2.5)) for s in item.defaults}
        written, _ = _learning_ode(lambda s: 1.0, p[C.tau_w], p[C.t_w])
        c, ic2 = _learning_ode(lambda s: 0.0, p[C.tau_w], p[C.t], c0=written)
        spread = (p[C.lam] * c * p[C.s_mu]) ** 2
        info = 0.5 * math.log(1 + spread / p[C.sigma_w] ** 2)
        assert item.closed_form("mutual_information", p) == pytest.approx(info, rel=1e-8)
        heat = (p[C.lam] * p[C.s_mu]) ** 2 * p[C.tau_w] / p[C.sigma_w] ** 2 * ic2
        assert item.closed_form("heat", p) == pytest.approx(heat, rel=1e-7)


def test_perceptron_closed_forms_against_an_ode_of_the_mean():
    one = entry("one_weight")
    p = {D.nu: 1.7, D.tau: 2.5, D.sigma_T: -1.0, D.t: 3.2}
    _, ic2 = _learning_ode(lambda s: min(s / p[D.tau], 1.0), 1.0, p[D.t])
    assert one.closed_form("heat", p) == pytest.approx(p[D.nu] ** 2 * ic2, rel=1e-7)  # sigma_T^2 = 1
    assert one.closed_form("entropy", p) == pytest.approx(0.5 * math.log(2 * math.pi * math.e), rel=1e-12)
    many = entry("many_weights")
    p = {D.alpha: 0.7, D.nu: 1.3, D.t: 1.4}
    c, ic2 = _learning_ode(lambda s: 1.0, 1.0, p[D.t])
    assert many.closed_form("heat", p) == pytest.approx(p[D.alpha] * p[D.nu] ** 2 * ic2, rel=1e-7)
    ref = 0.5 * math.log(2 * math.pi * math.e * (1 + p[D.alpha] * (p[D.nu] * c) ** 2))
    assert many.closed_form("entropy", p) == pytest.approx(ref, rel=1e-10)


def test_particle_transients_against_hand_formulas():
    item = entry("relaxation")
    m, gamma, T, s0, t = 1.3, 0.7, 0.9, 2.2, 0.8
    values = {P.m: m, P.gamma: gamma, P.T: T, s_0: s0, P.t: t}
    var = T / m + (s0 - T / m) * math.exp(-2 * gamma * t / m)
    heat = m * (s0 - var) / (2 * T)  # the kinetic energy lost, as entropy
    assert item.closed_form("heat", values) == pytest.approx(heat, rel=1e-10)
    assert item.closed_form("entropy", values) == pytest.approx(0.5 * math.log(2 * math.pi * math.e * var), rel=1e-10)
    assert item.closed_form("entropy_production", values) == pytest.approx(heat + 0.5 * math.log(var / s0), rel=1e-10)
    drag = entry("dragged_trap")
    t = 2.0  # k = gamma = T = u = 1: heat t - 3/2 + 2 e^-t - e^-2t / 2 (work less the energy stored in the lag)
    assert drag.closed_form("heat", drag.values()) == pytest.approx(t - 1.5 + 2 * math.exp(-t) - math.exp(-2 * t) / 2)


def test_population_equals_three_neurons_in_full():
    item = entry("population")
    values = item.values({"tau_n": 0.7, "g": 1.4})
    num = {k: v for k, v in values.items() if k != B.N}
    full = B.heterogeneous_population([num[B.g]] * 3, [num[B.tau_n]] * 3, [num[B.sigma_n]] * 3).subs(
        {B.tau_v: num[B.tau_v], B.sigma_v: num[B.sigma_v]})
    xs = list(full.variables[1:])
    assert item.closed_form("mutual_information", values) == pytest.approx(tt.mutual_information(full, B.v, xs))
    assert item.closed_form("heat_rate", values) == pytest.approx(tt.heat_rate(full, xs))
    assert item.closed_form("information_flow", values) == pytest.approx(tt.information_flow(full, xs))


@pytest.mark.parametrize("name", ["lattice_1d", "lattice_2d", "lattice_nonreciprocal"])
def test_lattice_closed_forms_equal_the_dense_model(name):
    item = entry(name)
    values = item.values({"m": 0.8, "lambda": 1.3})
    field = item.model(values)
    dense = field.linear_sde(max_sites=64)
    A, B_ = item.regions().values()
    names = list(dense.variables)
    a, b = [[names[i] for i in field.flat_indices(r)] for r in (A, B_)]
    assert item.closed_form("entropy", values) == pytest.approx(tt.entropy(dense, a), rel=1e-9)
    assert item.closed_form("mutual_information", values) == pytest.approx(tt.mutual_information(dense, a, b),
                                                                           rel=1e-7)
    if "entropy_production_rate" in item.quantities:
        assert item.closed_form("entropy_production_rate", values) == pytest.approx(
            tt.entropy_production_rate(dense), rel=1e-8)


def test_a_nonlinear_entry_is_derived_from_its_linear_noise_approximation():
    item = entry("bcm")
    assert item.approximation("heat_rate") == "linear-noise approximation"
    values = item.values()
    lna = C.bcm_linear_noise().subs(item.model_values(values))
    assert item.closed_form("heat_rate", values) == pytest.approx(tt.heat_rate(lna, C.w))
    assert entry("learning_ramp").approximation("heat") == "the model's own closed form"


def test_a_curve_is_the_closed_form_along_a_parameter():
    for name, key, vary in (("decoder", "heat_rate", B.tau_n), ("relaxation", "heat", P.t),
                            ("lattice_1d", "mutual_information", E.m)):
        item = entry(name)
        values = item.values()
        xs = np.array([0.6, 1.1, 1.9])
        got = item.curve(key, vary, values)(xs)
        ref = [item.closed_form(key, {**values, vary: x}) for x in xs]
        assert got == pytest.approx(ref, rel=1e-10)


# --- Monte Carlo, one entry of each kind ------------------------------------------------------------------------

@pytest.mark.parametrize("name, key", [("decoder", "information_flow"), ("relaxation", "entropy_production"),
                                       ("learning_ramp", "mutual_information"), ("bcm", "heat_rate"),
                                       ("lattice_2d", "mutual_information"), ("heat_engine", "work"),
                                       ("decoder_currents", "heat_uncertainty_ratio"),
                                       ("cascade", "full_history_transfer_entropy_rate"),
                                       ("cold_damping", "heat_rate")])
def test_an_entry_is_verified_by_monte_carlo(name, key):
    item = entry(name)
    record = item.check(key, seed=11)
    assert record.passed, record
    assert record.paths == (item.paths if isinstance(item.paths, int) else item.paths[key])
    expected = {"bcm": "linear-noise approximation", "learning_ramp": "given", "heat_engine": "given"}.get(name, "")
    assert record.approximation == expected


def test_a_wrong_closed_form_of_an_entry_fails(monkeypatch):
    from thermotheory import catalog

    item = entry("learning_step")
    wrong = catalog.CatalogEntry(item.name, item.description, item.build, item.defaults, item.quantities,
                                 {**item.theory, "heat": lambda: 1.5 * C.learning_quantities("step")["heat"]},
                                 paths=4096)
    monkeypatch.setattr(catalog, "_own", lambda entry_name, key: wrong.theory[key]())
    assert not wrong.check("heat", seed=2).passed


# --- beyond the seeds (issue #16) ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["optimal_protocol", "heat_engine"])
def test_published_protocol_closed_forms_equal_the_moment_equations(name):
    """The Schmiedl-Seifert closed forms (the entries' own) against the engine's moment equations of the model."""
    from thermotheory.core import driven

    item = entry(name)
    rng = np.random.default_rng(16)
    for _ in range(3):
        # two decimals: the engine reads a switching time to 15 digits, and a jump within 1e-9 below t counts twice
        values = {s: round(float(rng.uniform(0.5, 2.5)), 2) for s in item.defaults}
        if name == "heat_engine":  # a hot bath hotter than the cold one, a variance growing on the hot stroke
            values[catalog.T_h] = values[catalog.T_c] + 0.5
            values[catalog.w_2] = values[catalog.w_1] + 1.0
        model = item.model().subs(item.model_values(values))
        for key in item.quantities:
            b = item.bound(key, values)
            a = b.arguments
            if key == "work":
                ref = driven.work(model, a["t"], a["initial"], a["energy"])
            else:
                ref = {"heat": tt.heat, "heat_hot": tt.heat, "entropy_production": tt.entropy_production}[key](
                    model, a["t"], a["initial"])
            assert item.closed_form(key, values) == pytest.approx(float(ref), rel=1e-6, abs=1e-9), (name, key)


def test_optimal_protocol_beats_any_other_rate_and_the_engine_runs_at_the_curzon_ahlborn_like_bound():
    from scipy.optimize import minimize_scalar

    item = entry("optimal_protocol")
    li, lf, tf = 1.3, 3.1, 0.7
    W = item.closed_form("work", {catalog.lambda_i: li, catalog.lambda_f: lf, catalog.t_f: tf})

    def work_of_rate(c):  # mean work of the family lambda(s) = (li - c(1 + c s)) / (1 + c s)^2, with its jumps
        return c * c * tf / li - math.log(1 + c * tf) + lf * (1 + c * tf) ** 2 / (2 * li) - 0.5

    best = minimize_scalar(work_of_rate, bounds=(-1 / tf + 1e-6, 10), method="bounded", options={"xatol": 1e-12})
    assert W == pytest.approx(best.fun, rel=1e-9)
    engine = entry("heat_engine")
    Th, Tc, w1, w2 = 1.0, 0.3, 1.0, 2.2
    tau = 4 * (math.sqrt(w2) - math.sqrt(w1)) ** 2 / ((Th - Tc) * 0.5 * math.log(w2 / w1))  # maximum power
    values = {catalog.T_h: Th, catalog.T_c: Tc, catalog.w_1: w1, catalog.w_2: w2, catalog.t_1: tau, catalog.t_3: tau}
    work_on, heat_hot = engine.closed_form("work", values), engine.closed_form("heat_hot", values)
    eta_c = 1 - Tc / Th
    assert -work_on / (-Th * heat_hot) == pytest.approx(eta_c / (2 - eta_c / 2), rel=1e-10)


def test_cascade_rates_the_issue_numbers_and_the_partial_observer_bound():
    item = entry("cascade")
    values = item.values()  # unit rates and noises
    assert round(item.closed_form("full_history_transfer_entropy_rate", values), 4) == 0.0641
    assert round(item.closed_form("transfer_entropy_rate", values), 4) == 0.0373
    rng = np.random.default_rng(5)
    for _ in range(3):
        values = {s: float(rng.uniform(0.4, 2.5)) for s in item.defaults}
        v = {key: item.closed_form(key, values) for key in item.quantities}
        assert v["mutual_information_rate"] == pytest.approx(v["full_history_transfer_entropy_rate"], rel=1e-9)
        assert v["full_history_transfer_entropy_rate"] >= v["transfer_entropy_rate"]
        for key in ("kl_divergence_rate_xy", "kl_divergence_rate_vy"):
            assert 0 <= v[key] <= v["entropy_production_rate"] * (1 + 1e-12)


def test_cold_damping_against_the_published_forms():
    item = entry("cold_damping")
    rng = np.random.default_rng(4)
    for _ in range(3):
        values = {s: float(rng.uniform(0.4, 2.5)) for s in item.defaults}
        m, T, g, gf = values[P.m], values[P.T], values[P.gamma], values[catalog.gamma_fb]
        assert item.closed_form("heat_rate", values) == pytest.approx(-g * gf / (m * (g + gf)), rel=1e-10)
        assert item.closed_form("entropy_pumping_rate", values) == pytest.approx(gf / m, rel=1e-12)
        assert item.closed_form("entropy_production_rate", values) == pytest.approx(gf**2 / (m * (g + gf)), rel=1e-10)
        assert T > 0
    assert item.unchecked() == ("entropy_pumping_rate",)
    assert all(not entry(n).unchecked() for n in ("decoder_currents", "cascade", "heat_engine", "decoder"))


def test_decoder_currents_bound_to_the_symbolic_neuron_take_the_values():
    item = entry("decoder_currents")
    values = item.values({"tau_n": 0.4, "sigma_n": 0.7, "g": 1.5})
    num = B.one_neuron().subs(item.model_values(values))
    assert item.closed_form("heat_mean_rate", values) == pytest.approx(tt.heat_rate(num, B.x), rel=1e-12)
    snr, rho = (1.5 / 0.7) ** 2, 0.4  # g^2 sigma_v^2 / sigma_n^2 and tau_n / tau_v
    ratio = 1 + snr * rho / (1 + rho) ** 2
    assert item.closed_form("heat_uncertainty_ratio", values) == pytest.approx(ratio, rel=1e-10)
    assert item.closed_form("tracking_uncertainty_ratio", values) == pytest.approx(ratio, rel=1e-10)
    assert item.quantities["heat_mean_rate"].arguments["current"].parameters  # the stored current stays symbolic


def test_an_entry_builds_its_symbolic_model_once():
    """Every call of an entry gets the same model object, so closed forms cached on it are derived once."""
    e = entry("decoder")
    assert e.model() is e.model() and entry("decoder").model() is e.model()
    built = []

    def build():
        built.append(1)
        return B.one_neuron()

    counted = catalog.CatalogEntry("counted", "a counted build", build, dict(e.defaults), dict(e.quantities))
    first = counted.closed_form("mutual_information")
    assert counted.closed_form("mutual_information", counted.values()) == pytest.approx(
        e.closed_form("mutual_information", e.values()), rel=1e-12)
    assert counted.kind == "linear" and counted.closed_form("mutual_information") == first and len(built) == 1
    lattice = entry("lattice_1d")  # a numeric entry is built at its values, each time
    assert lattice.model() is not lattice.model()
