"""Simulation: reproducibility, declared orders, initial conditions, moments against closed forms."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.montecarlo.simulate import WEAK_ORDER, step_matrices

v, r = sp.symbols("v r", real=True)
SENSOR = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [2.0, -3.0]]), [1.0, 0.5], variables=[v, r])


def test_same_seed_same_paths_whatever_the_chunking():
    a = tt.simulate(SENSOR, t_end=0.64, dt=0.01, paths=2500, seed=3, chunk_paths=1024)
    b = tt.simulate(SENSOR, t_end=0.64, dt=0.01, paths=2500, seed=3, chunk_paths=8192, record_every=4)
    np.testing.assert_array_equal(a.states[::4], b.states)
    c = tt.simulate(SENSOR, t_end=0.64, dt=0.01, paths=2500, seed=4)
    assert not np.allclose(a.states[-1], c.states[-1])
    assert a.seed == 3 and a.method == "exact" and a.paths == 2500


def test_observers_see_every_step_and_match_recorded_paths():
    class Count:
        def __init__(self):
            self.total, self.steps = 0.0, 0

        def step(self, z_old, z_new):
            self.total = self.total + (z_new[:, 1] - z_old[:, 1])
            self.steps += 1

        def result(self):
            return np.full_like(self.total, self.steps) if np.ndim(self.total) else np.array([self.steps])

    tr = tt.simulate(SENSOR, t_end=0.5, dt=0.01, paths=3000, seed=1, observers={"n": Count}, burn_in=0.2)
    assert np.all(tr.observed["n"] == 50)
    assert tr.observed["n"].shape == (3000,)


def discrete_variance_at(F, c, G, t_steps, S0):
    """Covariance after t_steps of the scheme, by its exact moment recursion (no sampling)."""
    S = S0
    for _ in range(t_steps):
        S = F @ S @ F.T + G @ G.T
    return S


@pytest.mark.parametrize("method", ["euler", "heun"])
def test_weak_order_is_measured(method):
    A, b, D = SENSOR.arrays()
    t = 1.0
    exact = tt.covariance(SENSOR, t, np.zeros((2, 2)))
    errors, steps = [], [20, 40, 80, 160]
    for k in steps:
        F, c, G = step_matrices(A, b, D, t / k, method)
        errors.append(np.abs(discrete_variance_at(F, c, G, k, np.zeros((2, 2))) - exact).max())
    slope = -np.polyfit(np.log(steps), np.log(errors), 1)[0]
    assert slope == pytest.approx(WEAK_ORDER[method], abs=0.15)


def test_exact_scheme_has_no_discretisation_error():
    A, b, D = SENSOR.arrays()
    F, c, G = step_matrices(A, b, D, 0.25, "exact")
    S = discrete_variance_at(F, c, G, 4, np.zeros((2, 2)))
    np.testing.assert_allclose(S, tt.covariance(SENSOR, 1.0, np.zeros((2, 2))), rtol=1e-12)


@pytest.mark.parametrize("method", ["exact", "heun"])
def test_sampled_covariance_matches_closed_form(method):
    tr = tt.simulate(SENSOR, t_end=0.8, dt=0.02, paths=40000, seed=11, method=method, record_every=40)
    est = tt.estimate.sample_covariance(tr.states[-1])
    theory = tt.covariance(SENSOR, 0.8, np.zeros((2, 2)))
    z = (est.value - theory) / est.stderr
    assert np.all(np.abs(z) <= 4), z


def test_initial_conditions():
    g = tt.Gaussian(mean=[1.0, -1.0], cov=[[0.5, 0.1], [0.1, 0.2]])
    tr = tt.simulate(SENSOR, t_end=0.01, dt=0.01, paths=40000, seed=2, initial=g)
    est = tt.estimate.sample_covariance(tr.states[0])
    assert np.all(np.abs((est.value - np.array(g.cov)) / est.stderr) <= 4)
    fixed = tt.simulate(SENSOR, t_end=0.01, dt=0.01, paths=10, seed=2, initial={v: 2.0})
    np.testing.assert_array_equal(fixed.states[0], np.tile([2.0, 0.0], (10, 1)))
    shifted = tt.LinearSDE.from_matrices([[-2.0]], [0.0], b=[1.0])
    assert tt.simulate(shifted, t_end=0.1, dt=0.1, paths=3, seed=0).states[0, 0, 0] == 0.5  # the fixed point


def test_symbolic_model_with_values_and_trajectory_access():
    tau, D = sp.symbols("tau D", positive=True)
    m = tt.LinearSDE({v: -v / tau}, {v: D})
    tr = tt.simulate(m, t_end=0.1, dt=0.05, paths=5, seed=0, values={tau: 1, D: 1})
    assert tr[v].shape == (3, 5) and tr["v"].shape == (3, 5)
    with pytest.raises(tt.UnknownVariable, match="not a state variable"):
        tr["q"]
    with pytest.raises(tt.ModelError, match="values="):
        tt.simulate(m, t_end=1.0, dt=0.1, paths=2)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"dt": 0.0}, "dt"), ({"paths": 0}, "paths"), ({"method": "rk4"}, "method"), ({"record_every": 0}, "record_every"),
     ({"burn_in": -1.0}, "burn_in"), ({"paths": 10**9}, "GiB")],
)
def test_bad_arguments(kwargs, message):
    args = {"t_end": 1.0, "dt": 0.1, "paths": 4, "seed": 0, **kwargs}
    with pytest.raises(tt.ModelError, match=message):
        tt.simulate(SENSOR, **args)


def test_progress_bar(capsys):
    tt.simulate(SENSOR, t_end=0.2, dt=0.01, paths=10, seed=0, progress=True)
    assert "100%" in capsys.readouterr().err
