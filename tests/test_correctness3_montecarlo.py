"""Correctness III, Monte Carlo and lattice: bad settings end in named errors, quickly, never a wrong number.

verify's ``theory=`` (NaN, infinities, complex numbers, text), an ``rtol`` that cannot be
reached (relative to 0, or far beyond the time allowed), simulate's ``t_end`` that is not a
whole number of steps, and lattices (or samples of them) too large for memory.
"""

from __future__ import annotations

import math
import re
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

import thermotheory as tt
from thermotheory.errors import TooLarge
from thermotheory.montecarlo import simulate as simulate_module
from thermotheory.montecarlo.estimators import Estimator
from thermotheory.models import lattice as lattice_module
from thermotheory.models.lattice import LatticeField
from tests.helpers import record_calls
import importlib

verify_module = importlib.import_module("thermotheory.verify")

v, r = sp.symbols("v r", real=True)
COUPLED = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
x, y = sp.symbols("x y", real=True)
INDEPENDENT = tt.LinearSDE({x: -x, y: -2 * y}, {x: 1, y: 1})
OU = tt.LinearSDE.from_matrices([[-1.0]], [1.0])


def _mutual_information_by_lyapunov(A, D) -> float:
    """MI between the two variables of a stationary OU process, from scipy's Lyapunov solve (no closed forms)."""
    S = sla.solve_continuous_lyapunov(np.asarray(A, float), -2 * np.asarray(D, float))
    return 0.5 * math.log(S[0, 0] * S[1, 1] / np.linalg.det(S))


# -- item 1: theory= that is not a finite real number ------------------------------------------------
@pytest.mark.parametrize("theory", [float("nan"), math.inf, -math.inf, np.float64("nan"), sp.nan, sp.oo, sp.zoo,
                                    1 + 2j, sp.I, "text", "0.09", "__import__('os')", True])
def test_verify_refuses_a_theory_that_is_not_a_finite_real_number(theory, monkeypatch):
    def no_simulation(*args, **kwargs):
        raise AssertionError("verify simulated before refusing theory=")

    monkeypatch.setattr("thermotheory.montecarlo.stationary.simulate", no_simulation)
    with pytest.raises(tt.ModelError, match="^theory: "):
        tt.verify(COUPLED, tt.mutual_information, v, r, paths=256, seed=1, theory=theory)


def test_verify_still_checks_a_given_finite_theory():
    # the mutual information of the chain from scipy's Lyapunov solve, given as a closed form of our own
    reference = _mutual_information_by_lyapunov([[-1, 0], [1, -1]], np.eye(2))
    rec = tt.verify(COUPLED, tt.mutual_information, v, r, paths=512, seed=1, theory=np.float64(reference))
    assert rec.approximation == "given" and rec.theory == pytest.approx(reference, rel=1e-12) and rec.passed
    tau = sp.Symbol("tau", positive=True)  # a symbolic theory, evaluated at values=
    model = tt.LinearSDE({v: -v / tau, r: v - r}, {v: 1, r: 1})
    rec = tt.verify(model, tt.mutual_information, v, r, values={tau: 1}, paths=512, seed=1,
                    theory=sp.Float(reference) * tau)
    assert rec.theory == pytest.approx(reference, rel=1e-12)


# -- item 2: an rtol that cannot be reached ------------------------------------------------------------
def _record_runs(monkeypatch) -> list[tuple[bool, int]]:
    """Record every run of an estimator as ``(a pilot run?, paths)``: the pilots run inside ``verify._pilots``."""
    runs: list[tuple[bool, int]] = []
    piloting = []
    measure, pilots = Estimator.measure, verify_module._pilots

    def recorded_measure(self, model, bound, run):
        runs.append((bool(piloting), run.paths))
        return measure(self, model, bound, run)

    def recorded_pilots(*args, **kwargs):
        piloting.append(True)
        try:
            return pilots(*args, **kwargs)
        finally:
            piloting.pop()

    monkeypatch.setattr(Estimator, "measure", recorded_measure)
    monkeypatch.setattr(verify_module, "_pilots", recorded_pilots)
    return runs


def test_rtol_relative_to_a_quantity_that_is_zero_is_refused_at_once(monkeypatch):
    assert _mutual_information_by_lyapunov([[-1, 0], [0, -2]], np.eye(2)) == pytest.approx(0, abs=1e-15)
    for settings in ({"rtol": 0.01}, {"rtol": 0.01, "budget": 0.5}):
        runs = _record_runs(monkeypatch)
        with pytest.raises(tt.ModelError, match="^rtol: .*cannot be told from 0"):
            tt.verify(INDEPENDENT, tt.mutual_information, x, y, seed=1, **settings)
        # refused from the pilots: no main run (before: two minutes of MAX_RTOL_SECONDS, then a record)
        assert runs and all(pilot for pilot, _ in runs)


def test_rtol_far_beyond_the_time_allowed_is_refused_from_the_pilot(monkeypatch):
    runs = _record_runs(monkeypatch)
    with pytest.raises(TooLarge, match=r"^rtol: a relative standard error of 1e-09 .* about rtol=") as err:
        tt.verify(COUPLED, tt.mutual_information, v, r, seed=1, rtol=1e-9)
    assert "120 s" in str(err.value)  # the time allowed to rtol= alone
    assert runs and all(pilot for pilot, _ in runs)  # the pilots ran, the main run never started
    runs.clear()
    with pytest.raises(TooLarge, match="budget=0.2 s"):
        tt.verify(COUPLED, tt.mutual_information, v, r, seed=1, rtol=1e-6, budget=0.2)
    assert runs and all(pilot for pilot, _ in runs)


def test_a_run_cut_at_the_time_allowed_says_that_rtol_was_not_reached(monkeypatch):
    monkeypatch.setattr(verify_module, "RTOL_REFUSE_FACTOR", math.inf)  # run instead of refusing
    monkeypatch.setattr(verify_module, "MAX_RTOL_SECONDS", 0.05)
    with pytest.warns(verify_module.TargetNotReached, match="short of rtol=0.0001"):
        rec = tt.verify(COUPLED, tt.mutual_information, v, r, seed=1, rtol=1e-4)
    assert rec.rtol == 1e-4 and rec.rtol_reached is False
    assert rec.stderr / abs(rec.estimate) > 1e-4  # indeed not reached
    assert "rtol 0.0001 not reached" in str(rec)


def test_a_reachable_rtol_is_reached_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = tt.verify(COUPLED, tt.mutual_information, v, r, seed=1, rtol=0.03)
    assert rec.rtol == 0.03 and rec.rtol_reached is True and rec.passed
    assert rec.stderr / rec.estimate <= 2 * 0.03  # sized from the pilot's error: within a factor of two
    plain = tt.verify(COUPLED, tt.mutual_information, v, r, seed=1, paths=256)
    assert plain.rtol is None and plain.rtol_reached is None


@pytest.mark.parametrize("seed", [None, "1", 1.5, -1, True, np.random.default_rng(0)])
def test_verify_refuses_a_seed_that_is_not_a_non_negative_integer(seed):
    with pytest.raises(tt.ModelError, match="^seed: "):
        tt.verify(COUPLED, tt.mutual_information, v, r, paths=256, seed=seed)
    with pytest.raises(tt.ModelError, match="^seed: "):  # sized runs offset the seed: a raw TypeError before
        tt.verify(COUPLED, tt.mutual_information, v, r, rtol=0.05, seed=seed)
    with pytest.raises(tt.ModelError, match="^seed: "):
        tt.verify_all(COUPLED, paths=256, seed=seed)


# -- item 3: t_end that is not a whole number of steps -------------------------------------------------
def test_simulate_refuses_a_t_end_between_steps_and_suggests_a_step():
    with pytest.raises(tt.ModelError, match=r"^t_end: 0\.025 is not a whole number of steps dt = 0\.01") as err:
        tt.simulate(OU, t_end=0.025, dt=0.01, paths=4, seed=0)
    suggested = float(re.search(r"use dt = ([0-9.e+-]+) \(3 steps\)", str(err.value)).group(1))
    tr = tt.simulate(OU, t_end=0.025, dt=suggested, paths=4, seed=0)
    assert len(tr.times) == 4 and tr.times[-1] == 0.025


@pytest.mark.parametrize("t_end, dt, steps", [(1.0, 0.1, 10), (0.3, 0.1, 3), (0.7, 0.1, 7), (2.56, 0.01, 256),
                                              (1e-6, 1e-7, 10)])
def test_decimal_steps_are_whole_numbers_and_the_times_end_at_t_end(t_end, dt, steps):
    tr = tt.simulate(OU, t_end=t_end, dt=dt, paths=4, seed=0)
    assert tr.states.shape[0] == steps + 1 and tr.times[-1] == t_end  # exactly (0.3 / 0.1 = 2.9999999999999996)
    np.testing.assert_allclose(tr.times, np.linspace(0, t_end, steps + 1), rtol=1e-14, atol=0)
    again = tt.simulate(OU, t_end=t_end, dt=dt, paths=4, seed=0, record_every=steps)
    assert again.times.tolist() == [0.0, t_end]
    np.testing.assert_array_equal(again.states[-1], tr.states[-1])


def test_the_paths_end_at_t_end():
    # exact scheme from a fixed start: the mean at t_end is x0 exp(-t_end); 0.25 = 5 steps of 0.05
    tr = tt.simulate(OU, t_end=0.25, dt=0.05, paths=20000, seed=3, initial=[2.0])
    mean, err = tr.states[-1, :, 0].mean(), tr.states[-1, :, 0].std() / math.sqrt(20000)
    assert abs(mean - 2 * math.exp(-0.25)) < 4 * err


def test_verify_with_a_duration_between_steps_still_runs():
    rec = tt.verify(COUPLED, tt.heat_rate, r, dt=0.01, duration=1.234, paths=128, seed=2)
    assert math.isfinite(rec.estimate) and rec.duration == 1.234


def test_simulate_refuses_a_run_that_would_take_hours(monkeypatch):
    work = record_calls(monkeypatch, [(simulate_module, name) for name in ("step_matrices", "_LinearEngine",
                                                                           "_record_array")])
    with pytest.raises(TooLarge, match="MAX_DRAWS"):
        tt.simulate(OU, t_end=1e12, dt=1.0, paths=4, seed=0, record=False)
    with pytest.raises(TooLarge, match="burn_in"):
        tt.simulate(OU, t_end=1.0, dt=0.1, paths=4, seed=0, burn_in=1e15)
    with pytest.raises(TooLarge, match="^t_end: "):
        tt.simulate(OU, t_end=1e300, dt=1e-300, paths=4, seed=0)
    assert work == []  # refused from the counts, before any stepper or record is made
    tt.simulate(OU, t_end=1.0, dt=0.1, paths=4, seed=0)
    assert work  # (the recording sees the work of a run that is not refused)


@pytest.mark.parametrize("initial", [{"z0": "a"}, {"z0": 1j}, {"z0": float("nan")}, [1, "a"], [[1], [1, 2]], "ab",
                                     object(), tt.Gaussian("a", [[1.0]]), tt.Gaussian([0.0], [["a"]])])
def test_simulate_refuses_an_initial_state_that_is_not_real_numbers(initial):
    with pytest.raises(tt.ModelError, match="^initial"):
        tt.simulate(OU, t_end=0.1, dt=0.01, paths=4, seed=0, initial=initial)


# -- item 4: lattice sizes --------------------------------------------------------------------------
def test_a_huge_lattice_is_refused_from_its_size_before_allocating():
    tracemalloc.start()
    with pytest.raises(TooLarge, match=r"1e\+15 sites needs about 4\.47e\+07 GiB .* limit of 4 GiB"):
        LatticeField(10**5, d=3)
    with pytest.raises(TooLarge):
        LatticeField(10**400)
    with pytest.raises(TooLarge):
        LatticeField(1e300, d=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2**20  # nothing allocated: a 2^20-site field alone takes 48 MiB


def test_the_lattice_memory_limit_is_the_documented_one():
    limit = 4 * 1024**3  # 4 GiB, 48 bytes a site: a real kernel, two complex FFTs and a real result
    assert lattice_module.MAX_WORKING_BYTES == limit
    largest = max(L for L in range(400, 500) if L**3 * 48 <= limit)
    assert LatticeField(largest, d=3).sites == largest**3
    with pytest.raises(TooLarge):
        LatticeField(largest + 1, d=3)


@pytest.mark.parametrize("L", [0, 1, -3, 2.5, float("nan"), float("inf"), "8", None, True])
def test_lattice_sizes_that_are_not_whole_numbers_of_two_or_more_are_refused(L):
    with pytest.raises(tt.ModelError, match="^L: "):
        LatticeField(L)


@pytest.mark.parametrize("d", [0, 4, -1, 1.5, 2.0, "2", None, True])
def test_lattice_dimensions_other_than_one_to_three_are_refused(d):
    with pytest.raises(tt.ModelError, match="^d: "):
        LatticeField(8, d=d)


def test_too_many_lattice_samples_are_refused_before_allocating():
    field = LatticeField(1000, d=2)  # 10^6 sites: fine on its own
    assert field.correlation().sum() == pytest.approx(1 / field.m2, rel=1e-9)  # the susceptibility 1 / m^2
    with pytest.raises(TooLarge, match="4096 samples"):
        field.sample(4096)
    with pytest.raises(TooLarge, match="Langevin paths"):
        field.langevin(0.1, 0.01, 5000)
    with pytest.raises(TooLarge, match="dense model"):
        field.linear_sde(max_sites=10**7)
    with pytest.raises(TooLarge, match="dense covariance"):
        field.covariance(list(range(10**5)))
    with pytest.raises(TooLarge):  # verify's default 4096 samples of it: a MemoryError before
        tt.verify(field, tt.entropy.of([0, 1]), seed=0)


@pytest.mark.parametrize("seed", ["a", -1, 1.5, None, True])
def test_lattice_samples_refuse_a_bad_seed(seed):
    field = LatticeField(8)
    with pytest.raises(tt.ModelError, match="^seed: "):
        field.sample(4, seed=seed)
    with pytest.raises(tt.ModelError, match="^seed: "):
        field.langevin(0.1, 0.01, 2, seed=seed)


def test_lattice_langevin_refuses_a_t_end_between_steps():
    field = LatticeField(8)
    with pytest.raises(tt.ModelError, match=r"^t_end: 0\.025 is not a whole number of steps dt = 0\.01"):
        field.langevin(0.025, 0.01, 2)
    # 0.3 / 0.1 is 3 steps (2.9999999999999996): from a uniform field c, the mean of the k = 0 mode is
    # c (1 - Gamma dt m^2)^steps under Euler's scheme, 0.729 c after 3 steps (0.81 c after 2, 0.6561 c after 4)
    fields = field.langevin(0.3, 0.1, 4000, seed=5, initial=np.full(8, 2.0))
    means = fields.mean(axis=1)
    assert abs(means.mean() - 2.0 * 0.9**3) < 4 * means.std(ddof=1) / math.sqrt(len(means))
