"""The Monte Carlo checks are calibrated: for correct closed forms ``z`` is standard normal.

Many seeds of :func:`thermotheory.verify` on a sensor of a fluctuating signal (the README's
model), with few paths so that each check is quick. The error is a jackknife over blocks of
paths (the mutual information from 16 blocks: a t statistic with 15 degrees of freedom; the
rates from 7, whose tails are far heavier than a normal's unless converted); the rates use
the coarsest step that verify accepts, a tenth of the fastest relaxation time, where an
uncorrected step-size bias would show as a shifted mean. The information flow and the
efficiency fit their density to the same paths, so the jackknife must carry the fit's error.
"""

import numpy as np
import pytest
import sympy as sp
from scipy import stats

import thermotheory as tt

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
SENSOR = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
VALUES = {tau: 1, tau_r: 0.2, lam: 3, D_v: 1, D_r: 0.5}
FAST = 0.2  # the fastest relaxation time, tau_r
COARSEST = {"dt": FAST / 10, "duration": 5.0, "paths": 400}
CHECKS = {  # name: (quantity, args, keyword arguments, seeds)
    "mutual_information": (tt.mutual_information, (v, r), {"paths": 1000}, 800),
    "heat_rate": (tt.heat_rate, (r,), COARSEST, 800),
    "information_flow": (tt.information_flow, (), {"subsystem": r, **COARSEST}, 160),
    "efficiency": (tt.efficiency, (r,), COARSEST, 160),
}


def calibration_z(name):
    quantity, args, kwargs, seeds = CHECKS[name]
    model = SENSOR.subs(VALUES)
    return np.array([tt.verify(model, quantity, *args, seed=1000 + s, **kwargs).z for s in range(seeds)])


def test_t_to_z_conversion_matches_scipy():
    from thermotheory.montecarlo.estimators import normal_equivalent_z

    for t, dof in [(0.5, 4), (2.0, 19), (-4.0, 19), (7.0, 2), (3.0, 99)]:
        expected = np.sign(t) * stats.norm.isf(stats.t.sf(abs(t), dof))
        assert normal_equivalent_z(t, dof) == pytest.approx(expected, rel=1e-12)
    assert normal_equivalent_z(-3.0, np.inf) == -3.0 and normal_equivalent_z(0.0, 4) == 0.0
    assert normal_equivalent_z(1e4, 19) == pytest.approx(-stats.norm.ppf(stats.t.sf(1e4, 19)), rel=1e-10)
    with pytest.raises(tt.ModelError, match="dof"):
        normal_equivalent_z(1.0, 0)


def test_z_uses_the_t_distribution_of_the_jackknife_over_blocks():
    from thermotheory.montecarlo.simulate import BLOCK

    model = SENSOR.subs(VALUES)
    for quantity, args, paths, kwargs in [(tt.mutual_information, (v, r), 1000, {}),
                                           (tt.heat_rate, (r,), 300, {"duration": 2.0})]:
        rec = tt.verify(model, quantity, *args, paths=paths, seed=3, **kwargs)
        blocks = -(-paths // BLOCK)
        assert rec.dof <= blocks - 1  # the jackknife over blocks
        t = (rec.estimate - rec.theory) / rec.stderr
        assert rec.z == pytest.approx(np.sign(t) * stats.norm.isf(stats.t.sf(abs(t), rec.dof)), rel=1e-10)
        assert abs(rec.z) < abs(t)


@pytest.mark.slow
def test_z_is_standard_normal_for_correct_closed_forms():
    z = {name: calibration_z(name) for name in CHECKS}
    for name, zs in z.items():
        n = zs.size
        assert np.all(np.isfinite(zs)), name
        assert abs(zs.mean()) <= 3.5 / np.sqrt(n), (name, zs.mean())  # no bias left
        assert abs(zs.var(ddof=1) - 1) <= 3 * np.sqrt(2 / n), (name, zs.var(ddof=1))
        assert stats.kstest(zs, "norm").pvalue > 1e-3, name
    nominal = 2 * stats.norm.sf(2)  # 4.55 %
    heavy = {name: float(np.mean(np.abs(zs) > 2)) for name, zs in z.items() if zs.size >= 500}
    for name, rate in heavy.items():
        assert nominal / 2 <= rate <= 2 * nominal, (name, rate)
    everything = np.concatenate(list(z.values()))
    assert nominal / 2 <= np.mean(np.abs(everything) > 2) <= 2 * nominal
    assert np.mean(np.abs(everything) > 4) <= 2e-3  # nominal 6e-5: none expected in 1920 checks
