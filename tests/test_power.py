"""Monte Carlo power: the fast stepper and the block estimators give the same numbers as the step-by-step
ones, whatever the chunking; verify's budget= and rtol=; small errors are caught."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.montecarlo import blocks
from thermotheory.montecarlo import estimators as est
from thermotheory.montecarlo.simulate import BLOCK, _modal_form, step_matrices
from thermotheory.verify import MIN_BUDGET_PATHS

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
README = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
A = np.array([[-1.0, 0.0], [15.0, -5.0]])
D = np.diag([1.0, 0.5])
NUMERIC = tt.LinearSDE.from_matrices(A, D)
DT = 0.01


def observers(density):
    b = np.zeros(2)
    return {
        "moments": lambda: blocks.LagMoments(2, levels=4),
        "regression": lambda: blocks.RegressionMoments([0], [1], est.filter_rates(A), DT, 50),
        "heat": lambda: est.Extrapolated(lambda h: est.MediumEntropyFlow(A, b, D, [1, 1], [1], h), DT, 2,
                                         residual=True),
        "flow": lambda: est.Extrapolated(lambda h: est.InformationFlow(density, [1], h), DT, 2, residual=True),
        "te": lambda: est.transfer_entropy_observer([0], [1], A, DT, 50),
    }


@pytest.fixture(scope="module")
def runs():
    density = est.FittedGaussian(np.random.default_rng(0).multivariate_normal([0, 0], [[1, 2.5], [2.5, 7]], 5000))
    out = {chunk: tt.simulate(NUMERIC, t_end=2.56, dt=DT, paths=5 * BLOCK - 7, seed=4, burn_in=1.05,
                              chunk_paths=chunk, observers=observers(density), record_every=4)
           for chunk in (BLOCK, 2 * BLOCK, 64 * BLOCK)}
    return density, out


def test_block_statistics_do_not_depend_on_the_chunking(runs):
    _, out = runs
    first, *rest = out.values()
    for other in rest:
        np.testing.assert_array_equal(first.states, other.states)
        for name in ("moments", "regression"):  # block observers: bit for bit
            np.testing.assert_array_equal(first.observed[name], other.observed[name])
        for name in ("heat", "flow", "te"):  # step observers do BLAS products over the chunk's paths
            np.testing.assert_allclose(first.observed[name], other.observed[name], rtol=1e-12, atol=1e-12)
    assert first.observed["moments"].shape[0] == 5  # one row per block, the padded block included
    assert first.observed["heat"].shape[0] == 5 * BLOCK - 7  # per-path observers: one row per path


def test_block_estimators_equal_the_step_by_step_ones(runs):
    density, out = runs
    tr = out[BLOCK]
    hs = [DT * 2**k for k in range(4)]
    # the block sums include the padded paths of the last block, the step-by-step observers do not
    assert blocks.Moments.from_blocks(tr.observed["moments"], 2, 4).paths == 5 * BLOCK
    # so compare on a run whose path count is a whole number of blocks
    whole = tt.simulate(NUMERIC, t_end=2.56, dt=DT, paths=4 * BLOCK, seed=4, burn_in=1.05, record=False,
                        observers=observers(density))
    mom = blocks.Moments.from_blocks(whole.observed["moments"], 2, 4)
    heat = blocks.richardson([blocks.heat_sum(mom, k, A, np.zeros(2), D, [1, 1], [1], h) / (mom.pairs(k) * h)
                              for k, h in enumerate(hs)], 2)
    flow = blocks.richardson([blocks.flow_sum(mom, k, density.mean, density.cov, [1]) / (mom.pairs(k) * h)
                              for k, h in enumerate(hs)], 2)
    np.testing.assert_allclose(heat, whole.observed["heat"].mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(flow, whole.observed["flow"].mean(axis=0), rtol=1e-9)
    g = whole.observed["te"]
    old = est.transfer_entropy_from_pairs(g[:, 0], g[:, 1], 1, 1, DT)
    new = blocks.regression_estimate(whole.observed["regression"], 1, 1, DT, whole.paths)
    assert new.value == pytest.approx(old.value, rel=1e-7)  # a difference of log-determinants: rounding grows
    mean, cov = mom.density()
    states = tt.simulate(NUMERIC, t_end=2.56, dt=DT, paths=4 * BLOCK, seed=4, burn_in=1.05).states[:-1]
    np.testing.assert_allclose(mean, states.reshape(-1, 2).mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(cov, np.cov(states.reshape(-1, 2), rowvar=False), rtol=1e-9)


@pytest.mark.parametrize("drift, kind", [
    ([[-1.0, 0.0], [2.0, -3.0]], "diagonal"),
    ([[-0.3, 2.0], [-2.0, -0.5]], "rotating"),
    ([[-1.0, 1.0], [0.0, -1.0]], "dense"),  # a Jordan block: not diagonalisable
])
def test_every_form_of_the_one_step_map_samples_the_transient_covariance(drift, kind):
    drift = np.array(drift)
    F = step_matrices(drift, np.zeros(2), np.eye(2), 0.05, "exact")[0]
    assert (_modal_form(F) is None) == (kind == "dense")
    if kind == "rotating":
        assert _modal_form(F)[4] == 1
    m = tt.LinearSDE.from_matrices(drift, [1.0, 0.5], b=[0.3, -0.2])
    tr = tt.simulate(m, t_end=1.0, dt=0.05, paths=40 * BLOCK, seed=7, record_every=20,
                     initial=tt.Gaussian([1.0, 0.0], np.eye(2) * 0.1))
    e = tt.estimate.sample_covariance(tr.states[-1])
    theory = tt.covariance(m, 1.0, np.eye(2) * 0.1)
    assert np.all(np.abs((e.value - theory) / e.stderr) <= 4)


def test_float32_paths_have_the_same_law():
    m = tt.LinearSDE.from_matrices(A, D, b=[0.5, 0.0])
    tr = tt.simulate(m, t_end=0.5, dt=DT, paths=40 * BLOCK, seed=2, dtype="float32", record_every=50)
    assert tr.states.dtype == np.float32
    e = tt.estimate.sample_covariance(tr.states[-1].astype(float))
    theory = tt.covariance(m, 0.5, np.zeros((2, 2)))
    assert np.all(np.abs((e.value - theory) / e.stderr) <= 4)
    with pytest.raises(tt.ModelError, match="dtype"):
        tt.simulate(NUMERIC, t_end=1.0, dt=DT, paths=4, dtype="int64")


@pytest.mark.parametrize("settings, message", [
    ({"budget": -1.0}, "^budget: "), ({"budget": 0}, "^budget: "), ({"budget": float("nan")}, "^budget: "),
    ({"budget": "10"}, "^budget: "), ({"budget": True}, "^budget: "),
    ({"rtol": 0}, "^rtol: "), ({"rtol": -0.01}, "^rtol: "), ({"rtol": float("inf")}, "^rtol: "),
    ({"paths": 4096, "budget": 5.0}, "^paths: give either"), ({"paths": 4096, "rtol": 0.01}, "^paths: give either"),
])
def test_budget_and_rtol_are_refused_when_they_make_no_sense(settings, message):
    for quantity, args in [(tt.mutual_information, (v, r)), (tt.heat_rate, (r,))]:
        with pytest.raises(tt.ModelError, match=message):
            tt.verify(SENSOR, quantity, *args, values=README, **settings)
    with pytest.raises(tt.ModelError, match=message):
        tt.verify_all(SENSOR, README, **settings)


def test_rtol_sizes_the_run_to_the_error_asked_for():
    rec = tt.verify(SENSOR, tt.mutual_information, v, r, values=README, rtol=0.002, seed=3)
    assert rec.passed and rec.paths >= MIN_BUDGET_PATHS
    assert rec.stderr / rec.theory <= 2 * 0.002  # sized from a pilot's error: within a factor of two
    coarse = tt.verify(SENSOR, tt.mutual_information, v, r, values=README, rtol=0.02, seed=3)
    assert coarse.stderr > 3 * rec.stderr  # ten times the error asked for: far less work


def test_budget_gives_a_reproducible_record():
    rec = tt.verify(SENSOR, tt.heat_rate, r, values=README, budget=1.0, seed=5)
    assert rec.passed and rec.paths >= MIN_BUDGET_PATHS and rec.dof >= 31
    again = tt.verify(SENSOR, tt.heat_rate, r, values=README, paths=rec.paths, duration=rec.duration, seed=5)
    assert (again.estimate, again.stderr) == (rec.estimate, rec.stderr)


def test_default_verify_catches_two_percent_errors(monkeypatch):
    from thermotheory.core import gaussian, thermo

    right = tt.verify(SENSOR, tt.mutual_information, v, r, values=README, seed=2)
    assert right.passed
    original = gaussian._info_from_dets
    monkeypatch.setattr(gaussian, "_info_from_dets", lambda *a: 1.02 * original(*a))
    wrong = tt.verify(SENSOR, tt.mutual_information, v, r, values=README, seed=2)
    assert not wrong.passed and wrong.estimate == right.estimate  # the estimator never used the closed form
    original_terms = thermo._medium_terms

    def off_by_two_percent(*a):
        ops, idx, D_, S, quad, tr_irr = original_terms(*a)
        return ops, idx, D_, S, 1.02 * quad, tr_irr

    monkeypatch.setattr(thermo, "_medium_terms", off_by_two_percent)
    assert not tt.verify(SENSOR, tt.heat_rate, r, values=README, seed=3).passed
