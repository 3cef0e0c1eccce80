"""Monte Carlo estimators of stationary quantities of a linear model, by the quantity's name.

Each estimator simulates the numeric model from its stationary state (after a burn-in),
accumulates block statistics (:mod:`~thermotheory.montecarlo.blocks`) and returns an
:class:`~thermotheory.montecarlo.uncertainty.Estimate` with a jackknife error over blocks of
independent paths. Nothing here calls a closed form. The three methods:

``static``
    Entropies and mutual informations: plug-in log-determinants of the covariance of
    states one slowest relaxation time apart.
``rate``
    Heat rate, information flow, entropy production and efficiency: Stratonovich sums over
    consecutive states at steps ``dt, 2 dt, 4 dt, 8 dt``, Richardson-extrapolated. A
    declared feedback force (``LinearSDE(feedback=...)``) is left out of the bath's
    friction in the heat sums, and its entropy pumping (a constant of a linear feedback,
    ``-tr A_fb`` over the subsystem) joins the entropy production and the efficiency's
    denominator.
``regression``
    Transfer entropy rate and filter error: regressions of the target's increments on
    exponential filters of the paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.feedback import feedback_array
from ..errors import ModelError
from . import blocks
from .paths import time_scales
from .regression import filter_rates
from .simulate import simulate

__all__ = ["Run", "METHODS", "method_of", "estimate", "static_step", "regression_step", "DEFAULT_PATHS",
           "DEFAULT_DURATION", "BURN_IN", "RATE_ORDER", "MAX_TE_PER_STEP", "PILOT"]

#: Estimation method per quantity name.
METHODS = {
    "entropy": "static", "mutual_information": "static", "conditional_mutual_information": "static",
    "entropy_production_rate": "rate", "heat_rate": "rate", "information_flow": "rate", "efficiency": "rate",
    "transfer_entropy_rate": "regression", "filter_error": "regression",
}
#: Richardson order of the path-integral rate estimators (the bias left is of order dt^(order+1)).
RATE_ORDER = 2
#: Largest transfer entropy per step (nats) before the step of a regression estimate is refined.
MAX_TE_PER_STEP = 0.02
#: Default sizes: independent paths (a multiple of the simulation's block of paths; the jackknife
#: groups are blocks) and recorded duration in slowest relaxation times, per method.
DEFAULT_PATHS = {"static": 4096, "rate": 2048, "regression": 1024}
DEFAULT_DURATION = {"static": 100.0, "rate": 40.0, "regression": 20.0}
#: Burn-in before recording, in slowest relaxation times (regressions add 5 more for their filters).
BURN_IN = {"static": 20.0, "rate": 10.0, "regression": 5.0}
#: The pilot run of budget= and rtol= (and of the regression step): paths and duration (slowest times).
PILOT = (512, 10.0)


@dataclass(frozen=True)
class Run:
    """Settings of one Monte Carlo run: paths, seed, step and recorded duration (None: the default), scheme."""

    paths: int
    seed: int = 0
    dt: float | None = None
    duration: float | None = None
    method: str = "exact"
    te_step: float | None = None

    def replace(self, **changes: Any) -> "Run":
        from dataclasses import replace

        return replace(self, **changes)


def method_of(name: str) -> str:
    """The estimation method (``static``, ``rate`` or ``regression``) of the quantity called ``name``."""
    if name not in METHODS:
        raise ModelError(f"no stationary Monte Carlo estimator of {name!r} for a linear model")
    return METHODS[name]


def static_step(A: np.ndarray, scheme: str) -> float:
    """Step between recorded states of a static check: the slowest relaxation time (exact), a quarter otherwise."""
    slow = time_scales(A)[1]
    return slow if scheme == "exact" else slow / 4


def _observed(model, observers, run: Run, dt, duration, burn):
    # whole steps: simulate refuses a t_end that is not one
    tr = simulate(model, t_end=round(duration / dt) * dt or duration, dt=dt, paths=run.paths, seed=run.seed,
                  method=run.method, burn_in=burn, record=False, observers=observers)
    return tr.observed


def _logdet(cov, idx):
    return 0.0 if not idx else float(np.linalg.slogdet(cov[np.ix_(idx, idx)])[1])


def estimate(model, bound, run: Run):
    """One Monte Carlo estimate of the stationary quantity ``bound`` on the numeric linear ``model``.

    Returns ``(Estimate, dt used, recorded duration)``.
    """
    name, args = bound.name, bound.arguments
    A, b, D = model.arrays()
    parity, n = model.parity, model.dimension
    fast, slow = time_scales(A)
    method = method_of(name)
    duration = run.duration or DEFAULT_DURATION[method] * slow
    if method == "static":
        step = static_step(A, run.method)
        duration = max(duration, step)
        observed = _observed(model, {"m": lambda: blocks.LagMoments(n, 1)}, run, step, duration, BURN_IN[method] * slow)
        roles = {"entropy": ("X",), "mutual_information": ("X", "Y"),
                 "conditional_mutual_information": ("X", "Y", "Z")}[name]
        groups = [model.indices(args[r]) for r in roles]

        def stat(total):
            cov = blocks.Moments(total, n, 1).density()[1]
            if name == "entropy":
                k = len(groups[0])
                return 0.5 * (k * np.log(2 * np.pi * np.e) + _logdet(cov, groups[0]))
            if name == "mutual_information":
                x, y = groups
                return 0.5 * (_logdet(cov, x) + _logdet(cov, y) - _logdet(cov, x + y))
            x, y, z = groups
            return 0.5 * (_logdet(cov, x + z) + _logdet(cov, y + z) - _logdet(cov, z) - _logdet(cov, x + y + z))

        return blocks.jackknife(observed["m"], stat, run.paths), step, duration
    if method == "rate":
        step = run.dt or fast / 20
        target = args.get("subsystem")
        idx = list(range(n)) if target is None else model.indices(target)
        levels = RATE_ORDER + 2
        observed = _observed(model, {"m": lambda: blocks.LagMoments(n, levels)}, run, step, duration,
                             BURN_IN[method] * slow)
        hs = [step * 2**lev for lev in range(levels)]
        fb = feedback_array(model)
        pump = 0.0 if fb is None else -float(np.trace(fb[np.ix_(idx, idx)]))  # entropy pumping of a linear feedback

        def heat(mom):
            return blocks.richardson([blocks.heat_sum(mom, lev, A, b, D, parity, idx, h, fb) / (mom.pairs(lev) * h)
                                      for lev, h in enumerate(hs)], RATE_ORDER)

        def flow(mom):
            mean, cov = mom.density()
            return blocks.richardson([blocks.flow_sum(mom, lev, mean, cov, idx) / (mom.pairs(lev) * h)
                                      for lev, h in enumerate(hs)], RATE_ORDER)

        def stat(total):
            mom = blocks.Moments(total, n, levels)
            if name == "information_flow":
                return flow(mom)
            if name == "heat_rate":
                return heat(mom)
            if name == "efficiency":  # over the Munakata-Rosinberg bound: heat plus pumping
                (vf, bf), (vh, bh) = flow(mom), heat(mom)
                vh += pump
                return vf / vh, (bf - vf / vh * bh) / vh
            if target is not None:  # entropy production of a subsystem: its heat (and pumping) minus its flow
                (vh, bh), (vf, bf) = heat(mom), flow(mom)
                return vh + pump - vf, bh - bf
            vh, bh = heat(mom)
            mean, cov = mom.density()
            return vh + pump + blocks.system_entropy_sum(mom, mean, cov) / (mom.pairs(0) * step), bh

        return blocks.jackknife(observed["m"], stat, run.paths), step, duration
    if name == "filter_error" and len(model.indices(args["hidden"])) != 1:
        raise ModelError("verify checks the filter error of one hidden variable at a time")
    source, target = ("hidden", "observed") if name == "filter_error" else ("source", "target")
    src, tgt = model.indices(args[source]), model.indices(args[target])
    step = run.dt or run.te_step or fast / 50
    warm = int(np.ceil(5 * slow / step))
    kappas = filter_rates(A)
    observers = {"g": lambda: blocks.RegressionMoments(src, tgt, kappas, step, warm)}
    # the filters of the target's past warm up for 5 slow times before the measured duration
    observed = _observed(model, observers, run, step, duration + warm * step, BURN_IN[method] * slow)
    which = "transfer_entropy" if name == "transfer_entropy_rate" else "filter_error"
    return blocks.regression_estimate(observed["g"], len(src), len(tgt), step, run.paths, which), step, duration


def regression_step(model, bound, run: Run) -> float:
    """The step of a regression check: 1/50 of the fastest time, refined by a pilot run while the
    transfer entropy per step exceeds :data:`MAX_TE_PER_STEP` (an informative target is filtered
    faster than the drift relaxes)."""
    from ..quantity import quantity

    A = model.arrays()[0]
    fast, slow = time_scales(A)
    step = fast / 50
    args = bound.arguments
    source, target = (args["hidden"], args["observed"]) if bound.name == "filter_error" else (args["source"],
                                                                                             args["target"])
    pilot_bound = quantity("transfer_entropy_rate").of(source, target)
    pilot, _, _ = estimate(model, pilot_bound, Run(PILOT[0], run.seed + 104729, step, PILOT[1] * slow, run.method))
    if pilot.value * step > MAX_TE_PER_STEP:
        step = MAX_TE_PER_STEP / pilot.value
    return step
