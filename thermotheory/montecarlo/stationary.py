"""Monte Carlo estimators of stationary quantities of a linear model: one function per quantity.

Each estimator (``entropy(model, X, *, paths, seed, dt, duration, method)``, ``heat_rate(model,
subsystem, ...)``, ...) takes the numeric model, the quantity's roles and the run's settings,
simulates the model from its stationary state (after a burn-in), accumulates block statistics
(:mod:`~thermotheory.montecarlo.blocks`) and returns ``(Estimate, dt used, recorded duration)``:
an :class:`~thermotheory.montecarlo.uncertainty.Estimate` with a jackknife error over blocks of
independent paths. The estimator table (:mod:`.estimators`) points at these functions. Nothing
here calls a closed form. The three method families, which share the simulation through helpers:

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

import math
import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..core.feedback import feedback_array
from ..errors import ModelError
from . import blocks
from .paths import time_scales
from .regression import filter_error_from_moments, filter_rates, transfer_entropy_from_moments
from .simulate import observe, sharing, simulate

__all__ = ["Run", "entropy", "mutual_information", "conditional_mutual_information", "heat_rate",
           "information_flow", "entropy_production_rate", "efficiency", "transfer_entropy_rate", "filter_error",
           "static_step", "pilot_step", "regression_step", "estimate", "method_of", "DEFAULT_PATHS",
           "DEFAULT_DURATION", "BURN_IN", "RATE_ORDER", "MAX_TE_PER_STEP", "PILOT"]

#: Richardson order of the path-integral rate estimators (the bias left is of order dt^(order+1)).
RATE_ORDER = 2
#: Largest transfer entropy per step (nats) before the step of a regression estimate is refined.
MAX_TE_PER_STEP = 0.02
#: Default sizes: independent paths (a multiple of the simulation's block of paths; the jackknife
#: groups are blocks) and recorded duration in slowest relaxation times, per method family.
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


def static_step(A: np.ndarray, scheme: str) -> float:
    """Step between recorded states of a static check: the slowest relaxation time (exact), a quarter otherwise."""
    slow = time_scales(A)[1]
    return slow if scheme == "exact" else slow / 4


def _family(method: str):
    """Mark an estimator with its method family (its ``method`` attribute)."""
    def mark(fn):
        fn.method = method
        fn.splits_blocks = True  # its simulation runs through observe: verify(..., workers=) shares its blocks out
        return fn
    return mark


def _observed(model, observers, paths, seed, method, dt, duration, burn):
    # whole steps: simulate refuses a t_end that is not one. The factories are partials of classes (they pickle):
    # within verify(..., workers=) the blocks of paths are simulated by worker processes, the same numbers
    settings = dict(t_end=round(duration / dt) * dt or duration, dt=dt, paths=paths, seed=seed, method=method,
                    burn_in=burn)
    if sharing():
        return observe(model, **settings, observers=observers)
    return simulate(model, **settings, record=False, observers=observers).observed


def _logdet(cov, idx):
    return 0.0 if not idx else float(np.linalg.slogdet(cov[np.ix_(idx, idx)])[1])


# -- static: the covariance of states one slowest time apart ----------------------------------------------------

def _static(model, stat_of_cov, paths, seed, duration, method):
    """Jackknife estimate of ``stat_of_cov(sampled covariance)``: ``(Estimate, step, duration)``."""
    A = model.arrays()[0]
    n = model.dimension
    slow = time_scales(A)[1]
    duration = duration or DEFAULT_DURATION["static"] * slow
    step = static_step(A, method)
    duration = max(duration, step)
    observed = _observed(model, {"m": partial(blocks.LagMoments, n, 1)}, paths, seed, method, step, duration,
                         BURN_IN["static"] * slow)

    def stat(total):
        return stat_of_cov(blocks.Moments(total, n, 1).density()[1])

    return blocks.jackknife(observed["m"], stat, paths), step, duration


def _group(model, X):
    return list(range(model.dimension)) if X is None else model.indices(X)


@_family("static")
def entropy(model, X=None, *, paths: int, seed: int = 0, dt: float | None = None, duration: float | None = None,
            method: str = "exact"):
    """Stationary differential entropy of ``X`` (default: the whole state): ``(Estimate, step, duration)``."""
    x = _group(model, X)
    return _static(model, lambda cov: 0.5 * (len(x) * np.log(2 * np.pi * np.e) + _logdet(cov, x)), paths, seed,
                   duration, method)


@_family("static")
def mutual_information(model, X, Y, *, paths: int, seed: int = 0, dt: float | None = None,
                       duration: float | None = None, method: str = "exact"):
    """Stationary mutual information between ``X`` and ``Y``: ``(Estimate, step, duration)``."""
    x, y = model.indices(X), model.indices(Y)
    return _static(model, lambda cov: 0.5 * (_logdet(cov, x) + _logdet(cov, y) - _logdet(cov, x + y)), paths, seed,
                   duration, method)


@_family("static")
def conditional_mutual_information(model, X, Y, Z, *, paths: int, seed: int = 0, dt: float | None = None,
                                   duration: float | None = None, method: str = "exact"):
    """Stationary mutual information between ``X`` and ``Y`` given ``Z``: ``(Estimate, step, duration)``."""
    x, y, z = model.indices(X), model.indices(Y), model.indices(Z)

    def stat(cov):
        return 0.5 * (_logdet(cov, x + z) + _logdet(cov, y + z) - _logdet(cov, z) - _logdet(cov, x + y + z))

    return _static(model, stat, paths, seed, duration, method)


# -- rate: Stratonovich sums at steps dt, 2 dt, 4 dt, 8 dt, Richardson-extrapolated ------------------------------

class _Rates:
    """The simulated moments of a rate estimate and its path sums (heat, information flow) on a subsystem."""

    def __init__(self, model, subsystem, paths, seed, dt, duration, method):
        A, b, D = model.arrays()
        n = model.dimension
        fast, slow = time_scales(A)
        self.duration = duration or DEFAULT_DURATION["rate"] * slow
        self.step = step = dt or fast / 20
        self.idx = idx = list(range(n)) if subsystem is None else model.indices(subsystem)
        self.levels = RATE_ORDER + 2
        self.observed = _observed(model, {"m": partial(blocks.LagMoments, n, self.levels)}, paths, seed, method, step,
                                  self.duration, BURN_IN["rate"] * slow)
        self.hs = [step * 2**lev for lev in range(self.levels)]
        self.fb = feedback_array(model)
        # entropy pumping of a linear feedback
        self.pump = 0.0 if self.fb is None else -float(np.trace(self.fb[np.ix_(idx, idx)]))
        self.arrays, self.parity, self.n, self.paths = (A, b, D), model.parity, n, paths

    def moments(self, total):
        return blocks.Moments(total, self.n, self.levels)

    def heat(self, mom):
        A, b, D = self.arrays
        return blocks.richardson([blocks.heat_sum(mom, lev, A, b, D, self.parity, self.idx, h, self.fb)
                                  / (mom.pairs(lev) * h) for lev, h in enumerate(self.hs)], RATE_ORDER)

    def flow(self, mom):
        mean, cov = mom.density()
        return blocks.richardson([blocks.flow_sum(mom, lev, mean, cov, self.idx) / (mom.pairs(lev) * h)
                                  for lev, h in enumerate(self.hs)], RATE_ORDER)

    def estimate(self, stat):
        return blocks.jackknife(self.observed["m"], lambda total: stat(self.moments(total)), self.paths), \
            self.step, self.duration


@_family("rate")
def heat_rate(model, subsystem=None, *, paths: int, seed: int = 0, dt: float | None = None,
              duration: float | None = None, method: str = "exact"):
    """Stationary heat rate of ``subsystem`` (entropy flow into its medium): ``(Estimate, dt, duration)``."""
    r = _Rates(model, subsystem, paths, seed, dt, duration, method)
    return r.estimate(r.heat)


@_family("rate")
def information_flow(model, subsystem, *, paths: int, seed: int = 0, dt: float | None = None,
                     duration: float | None = None, method: str = "exact"):
    """Stationary information flow into ``subsystem``: ``(Estimate, dt, duration)``."""
    r = _Rates(model, subsystem, paths, seed, dt, duration, method)
    return r.estimate(r.flow)


@_family("rate")
def efficiency(model, subsystem, *, paths: int, seed: int = 0, dt: float | None = None,
               duration: float | None = None, method: str = "exact"):
    """Sensing efficiency of ``subsystem``: information flow over heat rate plus a feedback's pumping."""
    r = _Rates(model, subsystem, paths, seed, dt, duration, method)

    def stat(mom):  # over the Munakata-Rosinberg bound: heat plus pumping
        (vf, bf), (vh, bh) = r.flow(mom), r.heat(mom)
        vh += r.pump
        return vf / vh, (bf - vf / vh * bh) / vh

    return r.estimate(stat)


@_family("rate")
def entropy_production_rate(model, subsystem=None, *, paths: int, seed: int = 0, dt: float | None = None,
                            duration: float | None = None, method: str = "exact"):
    """Stationary entropy production rate, total or of ``subsystem`` (its heat and pumping minus its flow)."""
    r = _Rates(model, subsystem, paths, seed, dt, duration, method)

    def partial(mom):
        (vh, bh), (vf, bf) = r.heat(mom), r.flow(mom)
        return vh + r.pump - vf, bh - bf

    def total(mom):
        vh, bh = r.heat(mom)
        mean, cov = mom.density()
        return vh + r.pump + blocks.system_entropy_sum(mom, mean, cov) / (mom.pairs(0) * r.step), bh

    return r.estimate(total if subsystem is None else partial)


# -- regression: the target's increments on exponential filters of the paths --------------------------------------

def _regression(model, stat_of_grams, src, tgt, paths, seed, dt, duration, method):
    """Jackknife estimate of ``2 E(dt) - E(2 dt)`` from the regression Gram matrices: ``(Estimate, dt, duration)``."""
    A = model.arrays()[0]
    fast, slow = time_scales(A)
    duration = duration or DEFAULT_DURATION["regression"] * slow
    step = dt or fast / 50
    warm = int(np.ceil(5 * slow / step))
    kappas = filter_rates(A)
    observers = {"g": partial(blocks.RegressionMoments, src, tgt, kappas, step, warm)}
    # the filters of the target's past warm up for 5 slow times before the measured duration
    rows = _observed(model, observers, paths, seed, method, step, duration + warm * step,
                     BURN_IN["regression"] * slow)["g"]
    k = int(round(math.sqrt(rows.shape[1] / 2)))

    def stat(t):
        return stat_of_grams(t[:k * k].reshape(k, k), t[k * k:].reshape(k, k), step)

    return blocks.jackknife(rows, stat, paths), step, duration


@_family("regression")
def transfer_entropy_rate(model, source, target, *, paths: int, seed: int = 0, dt: float | None = None,
                          duration: float | None = None, method: str = "exact"):
    """Stationary transfer entropy rate from ``source`` to ``target``: ``(Estimate, dt, duration)``."""
    src, tgt = model.indices(source), model.indices(target)

    def stat(fine, coarse, step):
        return (2 * transfer_entropy_from_moments(fine, len(src), len(tgt), step)
                - transfer_entropy_from_moments(coarse, len(src), len(tgt), 2 * step))

    return _regression(model, stat, src, tgt, paths, seed, dt, duration, method)


@_family("regression")
def filter_error(model, hidden, observed, *, paths: int, seed: int = 0, dt: float | None = None,
                 duration: float | None = None, method: str = "exact"):
    """Steady error of the optimal estimate of one ``hidden`` variable from the paths of ``observed``."""
    src, tgt = model.indices(hidden), model.indices(observed)
    if len(src) != 1:
        raise ModelError("verify checks the filter error of one hidden variable at a time")

    def stat(fine, coarse, step):
        return float(2 * filter_error_from_moments(fine, 1, len(tgt))[0, 0]
                     - filter_error_from_moments(coarse, 1, len(tgt))[0, 0])

    return _regression(model, stat, src, tgt, paths, seed, dt, duration, method)


def pilot_step(model, source, target, *, seed: int = 0, method: str = "exact") -> float:
    """The step of a regression check from ``source`` to ``target``: 1/50 of the fastest time, refined by a
    pilot run while the transfer entropy per step exceeds :data:`MAX_TE_PER_STEP` (an informative target is
    filtered faster than the drift relaxes)."""
    fast, slow = time_scales(model.arrays()[0])
    step = fast / 50
    pilot, _, _ = transfer_entropy_rate(model, source, target, paths=PILOT[0], seed=seed + 104729, dt=step,
                                        duration=PILOT[1] * slow, method=method)
    if pilot.value * step > MAX_TE_PER_STEP:
        step = MAX_TE_PER_STEP / pilot.value
    return step


def regression_step(model, bound, run: Run) -> float:
    """:func:`pilot_step` of a bound regression quantity, whose two roles are the signal and the filtered
    variables (``source, target`` of a transfer entropy, ``hidden, observed`` of a filter error)."""
    source, target = bound.quantity.positional(bound.arguments)[:2]
    return pilot_step(model, source, target, seed=run.seed, method=run.method)


# -- deprecated: the estimate switched on the quantity's name ----------------------------------------------------

def _estimator_named(name: str):
    fn = globals().get(name)
    if not callable(fn) or getattr(fn, "method", None) is None:
        raise ModelError(f"no stationary Monte Carlo estimator of {name!r} for a linear model")
    return fn


def method_of(name: str) -> str:
    """Deprecated: the method family of a quantity's estimator is its table row's ``sizing``."""
    warnings.warn("thermotheory.montecarlo.stationary.method_of is deprecated; use "
                  "thermotheory.montecarlo.estimators.estimator_for(quantity, 'linear', 'stationary').sizing",
                  DeprecationWarning, stacklevel=2)
    return _estimator_named(name).method


def estimate(model, bound, run: Run):
    """Deprecated: the estimator of ``bound`` is the function of its quantity here (``heat_rate(model, subsystem,
    paths=..., ...)``), which the estimator table points at."""
    warnings.warn("thermotheory.montecarlo.stationary.estimate is deprecated; call the quantity's function "
                  "(thermotheory.montecarlo.stationary.heat_rate(model, subsystem, paths=...), ...) or "
                  "tt.estimate(model, bound)", DeprecationWarning, stacklevel=2)
    fn = _estimator_named(bound.name)
    return fn(model, **bound.arguments, paths=run.paths, seed=run.seed, dt=run.dt or run.te_step,
              duration=run.duration, method=run.method)


def __getattr__(attr: str) -> Any:
    if attr == "METHODS":  # deprecated: the method family of each estimator here, by the quantity's name
        warnings.warn("thermotheory.montecarlo.stationary.METHODS is deprecated; the method family of an "
                      "estimator is its table row's sizing (thermotheory.montecarlo.estimators.estimator_for)",
                      DeprecationWarning, stacklevel=2)
        return {fn.__name__: fn.method for fn in (entropy, mutual_information, conditional_mutual_information,
                                                 entropy_production_rate, heat_rate, information_flow, efficiency,
                                                 transfer_entropy_rate, filter_error)}
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
