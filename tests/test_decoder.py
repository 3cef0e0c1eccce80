"""Decoding neurons: closed forms against independent solves, the full N-neuron model and Monte Carlo."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.errors import ModelError
from thermotheory.models import decoder as B
from .helpers import FokkerPlanckGrid, riccati_by_integration, scipy_covariance

PARAMS = (B.tau_v, B.sigma_v, B.tau_n, B.sigma_n, B.g)


def random_point(rng):
    return {p: float(rng.uniform(0.3, 3.0)) for p in PARAMS}


@pytest.fixture(scope="module")
def one():
    return B.neuron_quantities()


@pytest.fixture(scope="module")
def pop():
    return B.population_quantities()


@pytest.mark.parametrize("seed", range(4))
def test_one_neuron_against_independent_computations(one, seed):
    vals = random_point(np.random.default_rng(seed))
    q = {key: float(expr.subs(vals)) for key, expr in one.items()}
    A = np.array([[-1 / vals[B.tau_v], 0], [vals[B.g] / vals[B.tau_n], -1 / vals[B.tau_n]]])
    D = np.diag([vals[B.sigma_v] ** 2 / vals[B.tau_v], vals[B.sigma_n] ** 2 / vals[B.tau_n]])
    S = scipy_covariance(A, D)
    assert q["information"] == pytest.approx(0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S)), rel=1e-10)
    assert q["decoding_error"] == pytest.approx(S[0, 0] - S[0, 1] ** 2 / S[1, 1], rel=1e-10)
    grid = FokkerPlanckGrid(A, np.zeros(2), D)
    assert q["heat_rate"] == pytest.approx(grid.heat_rate(1), rel=1e-4)
    assert q["information_flow"] == pytest.approx(grid.information_flow(1), rel=1e-4)
    assert q["entropy_production"] == pytest.approx(grid.partial_entropy_production(1), rel=1e-4)
    P = riccati_by_integration(A[:1, :1], A[1:, :1], 2 * D[:1, :1], 2 * D[1:, 1:])[0, 0]
    assert q["kalman_error"] == pytest.approx(P, rel=1e-6)
    assert q["transfer_entropy_rate"] == pytest.approx(A[1, 0] ** 2 * P / (4 * D[1, 1]), rel=1e-6)
    # the bounds: second law, sensory capacity, optimal decoder
    assert 0 < q["efficiency"] <= 1 and 0 < q["sensory_capacity"] <= 1 + 1e-12
    assert 0 < q["decoder_optimality"] <= 1 + 1e-12


@pytest.mark.parametrize("n", [1, 2, 4])
def test_population_in_symbolic_n_matches_the_full_model(pop, n):
    rng = np.random.default_rng(10 + n)
    vals = random_point(rng)
    full = B.heterogeneous_population([B.g] * n, [B.tau_n] * n, [B.sigma_n] * n).subs(vals)
    xs = list(full.variables[1:])
    q = {key: float(expr.subs(vals).subs(B.N, n)) for key, expr in pop.items()}
    assert q["information"] == pytest.approx(tt.mutual_information(full, "v", xs), rel=1e-9)
    assert q["heat_rate"] == pytest.approx(sum(tt.heat_rate(full, xi) for xi in xs), rel=1e-9)
    assert q["information_flow"] == pytest.approx(tt.information_flow(full, subsystem=xs), rel=1e-9)
    assert q["entropy_production"] == pytest.approx(tt.entropy_production_rate(full, subsystem=xs), rel=1e-9)
    assert q["kalman_error"] == pytest.approx(tt.filter_error(full, "v", xs), rel=1e-7)
    assert q["transfer_entropy_rate"] == pytest.approx(tt.transfer_entropy_rate(full, "v", xs), rel=1e-7)
    S = tt.stationary_covariance(full)
    assert q["decoding_error"] == pytest.approx(
        S[0, 0] - S[0, 1:] @ np.linalg.solve(S[1:, 1:], S[1:, 0]), rel=1e-9)


def test_information_saturates_while_the_cost_grows_linearly(pop):
    lim = B.large_population_limits()
    assert sp.simplify(lim["information"] - sp.log(1 + B.tau_v / B.tau_n) / 2) == 0
    assert sp.simplify(lim["heat_rate_per_neuron"] - B.neuron_quantities()["heat_rate"]) == 0
    assert lim["efficiency"] == 0
    vals = random_point(np.random.default_rng(7))
    big = float(pop["information"].subs(vals).subs(B.N, 10**8))
    assert big == pytest.approx(float(lim["information"].subs(vals)), rel=1e-6)
    infos = [float(pop["information"].subs(vals).subs(B.N, n)) for n in (1, 2, 4, 8)]
    assert all(a < b for a, b in zip(infos, infos[1:]))
    assert sp.simplify(pop["heat_rate"] / B.N - lim["heat_rate_per_neuron"]) == 0


def test_one_neuron_by_monte_carlo():
    vals = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}
    table = tt.verify_all(B.one_neuron(), values=vals, seed=21, paths=400, duration=10.0)
    assert table.passed, str(table)


def test_population_of_three_by_monte_carlo(pop):
    """The full model of three neurons is simulated; the closed forms in N are evaluated at N = 3."""
    vals = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 1.0, B.g: 1.0}
    full = B.heterogeneous_population([B.g] * 3, [B.tau_n] * 3, [B.sigma_n] * 3).subs(vals)
    xs = list(full.variables[1:])
    tr = tt.simulate(full, t_end=1.0, dt=0.05, paths=20000, seed=4, burn_in=10.0, record_every=20)
    est = tt.estimate.gaussian_mutual_information(tr.states[-1], [0], [1, 2, 3])
    assert abs(est.z(float(pop["information"].subs(vals).subs(B.N, 3)))) <= 4
    tr = tt.simulate(full, t_end=10.0, dt=0.005, paths=400, seed=5, burn_in=5.0)
    heat = sum(tt.montecarlo.estimators.heat_rate(tr, full, xi).value for xi in xs)
    est = tt.montecarlo.estimators.heat_rate(tr, full, xs)
    assert abs(est.z(float(pop["heat_rate"].subs(vals).subs(B.N, 3)))) <= 4
    assert est.value == pytest.approx(heat, rel=1e-9)


def test_heterogeneous_population_reduces_to_the_identical_one():
    vals = random_point(np.random.default_rng(3))
    same = B.heterogeneous_population([B.g] * 2, [B.tau_n] * 2, [B.sigma_n] * 2)
    assert same.parameters == (B.g, B.sigma_n, B.sigma_v, B.tau_n, B.tau_v)
    mixed = B.heterogeneous_population([1.0, 2.5], [0.3, 1.2], [0.8, 0.5]).subs(
        {B.tau_v: vals[B.tau_v], B.sigma_v: vals[B.sigma_v]})
    # a second neuron always adds information, and the second law holds for the pair
    two = tt.mutual_information(mixed, "v", ["x_1", "x_2"])
    assert two > max(tt.mutual_information(mixed, "v", "x_1"), tt.mutual_information(mixed, "v", "x_2"))
    assert tt.information_flow(mixed, subsystem=["x_1", "x_2"]) <= tt.heat_rate(mixed, ["x_1", "x_2"])
    with pytest.raises(ModelError, match="same"):
        B.heterogeneous_population([1.0], [1.0, 2.0], [1.0])
    with pytest.raises(ModelError, match="positive"):
        B.heterogeneous_population([1.0], [-1.0], [1.0])
    with pytest.raises(ModelError, match="positive integer"):
        B.population(2.5)


def test_energy_cost_units():
    out = B.energy_cost(40.0, temperature_kT=1.0)
    assert out == {"kT_per_time": 40.0, "ATP_per_time": 2.0}
    cost = B.energy_cost(B.neuron_quantities()["heat_rate"])
    assert sp.simplify(cost["ATP_per_time"] * B.ATP_KT - cost["kT_per_time"]) == 0


def test_tradeoff_curves_and_the_optimal_time_constant():
    vals = {B.tau_v: 1.0, B.sigma_v: 1.0, B.sigma_n: 1.0, B.g: 2.0}
    grid = np.geomspace(0.01, 100, 30)
    out = B.tradeoff(vals, B.tau_n, grid)
    # faster neurons know more, decode better and cost more
    assert np.all(np.diff(out["information"]) < 0) and np.all(np.diff(out["heat_rate"]) < 0)
    assert np.all(np.diff(out["decoding_error"]) > 0)
    assert np.all((out["efficiency"] > 0) & (out["efficiency"] <= 1))
    tau, cap = B.optimum(vals)
    # at the optimum the neuron is the Kalman-Bucy filter: capacity 1, decoder optimality 1
    q = B.neuron_quantities()
    at = {**vals, B.tau_n: tau}
    assert cap == pytest.approx(1.0, abs=1e-9)
    assert float(q["decoder_optimality"].subs(at)) == pytest.approx(1.0, abs=1e-6)
    # a maximum: lower on both sides, evaluated at 30 digits
    for side in (0.99, 1.01):
        assert tt.evaluate(q["sensory_capacity"], {**vals, B.tau_n: tau * side}, dps=30) < cap - 1e-7
    with pytest.raises(ModelError, match="no interior maximum"):
        B.optimum(vals, objective="efficiency")
    with pytest.raises(ModelError, match="objective"):
        B.optimum(vals, objective="beauty")
    with pytest.raises(ModelError, match="missing"):
        B.tradeoff({B.tau_v: 1.0}, B.tau_n, grid)


def test_heterogeneous_pair_and_decoding_error_by_monte_carlo():
    vals = {B.tau_v: 1.0, B.sigma_v: 1.0}
    pair = B.heterogeneous_population([1.0, 2.0], [0.3, 0.8], [0.7, 1.0]).subs(vals)
    table = tt.verify_all(pair, seed=31, paths=400, duration=10.0)
    assert table.passed, str(table)
    # decoding error var(v | x) of one neuron from sampled stationary states
    point = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}
    one = B.one_neuron().subs(point)
    tr = tt.simulate(one, t_end=1.0, dt=0.05, paths=20000, seed=6, burn_in=10.0, record_every=20)
    v_, x_ = tr.states[-1, :, 0], tr.states[-1, :, 1]
    beta = np.polyfit(x_, v_, 1)
    residual = (v_ - np.polyval(beta, x_)) ** 2 * len(v_) / (len(v_) - 2)
    est = tt.estimate.per_path(residual)
    assert abs(est.z(float(B.neuron_quantities()["decoding_error"].subs(point)))) <= 4


def test_the_varied_parameter_is_spelled_parameter_as_in_sweep():
    vals = {B.tau_v: 1.0, B.sigma_v: 1.0, B.sigma_n: 1.0, B.g: 2.0}
    new = B.tradeoff(vals, parameter=B.tau_n, grid=[0.2, 0.5])
    with pytest.warns(DeprecationWarning, match="vary= is deprecated.*use parameter="):
        old = B.tradeoff(vals, vary=B.tau_n, grid=[0.2, 0.5])
    for key in new:
        np.testing.assert_array_equal(old[key], new[key])
    with pytest.warns(DeprecationWarning, match="vary="):
        assert B.optimum(vals, vary=B.tau_n) == B.optimum(vals, parameter=B.tau_n)
    with pytest.raises(ModelError, match="not both"):
        B.optimum(vals, parameter=B.tau_n, vary=B.tau_n)
