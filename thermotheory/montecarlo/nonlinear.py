"""Monte Carlo estimators of stationary quantities of a nonlinear SDE, from simulated paths.

States are sampled after a burn-in of ten slowest relaxation times of the linear-noise
approximation (which only sets the time scales here). Entropies and mutual informations are
those of the Gaussian with the sampled covariance (what the linear-noise approximation
predicts; the non-Gaussian part of the state is not measured); heat rates, information flows
and the entropy production rate are Stratonovich sums over recorded paths, with errors from
independent paths. One function per quantity, taking its roles and the run's settings and
returning ``(Estimate, dt used, recorded duration)``; the estimator table points at them.
Nothing here calls a closed form.
"""

from __future__ import annotations

from ..errors import ModelError
from .uncertainty import Estimate
from . import paths as path_estimators
from . import samples
from .simulate import simulate
from .stationary import Run
from .transient import _rates

__all__ = ["entropy", "mutual_information", "conditional_mutual_information", "heat_rate", "information_flow",
           "entropy_production_rate", "estimate", "DEFAULT_PATHS", "DURATION", "BURN_IN", "STEPS_PER_FAST"]

#: Default paths, recorded duration and burn-in (slowest times), steps per fastest time.
DEFAULT_PATHS = 2048
DURATION = 10.0
BURN_IN = 10.0
STEPS_PER_FAST = 50


def _settings(model, dt, duration, method):
    """``(dt, recorded duration, scheme, slowest time)`` of a run on ``model``: the defaults from its time scales."""
    fast, slow = _rates(model)
    return dt or fast / STEPS_PER_FAST, duration or DURATION * slow, "heun" if method == "exact" else method, slow


def _states(model, paths, seed, dt, duration, method):
    """``(states after the burn-in and the duration, dt, duration)``."""
    dt, duration, method, slow = _settings(model, dt, duration, method)
    tr = simulate(model, t_end=dt, dt=dt, paths=paths, seed=seed, method=method, burn_in=BURN_IN * slow + duration)
    return tr.states[-1], dt, duration


def _paths(model, paths, seed, dt, duration, method):
    """``(recorded paths after the burn-in, dt, duration)``."""
    dt, duration, method, slow = _settings(model, dt, duration, method)
    # whole steps: simulate refuses a t_end that is not one
    tr = simulate(model, t_end=round(duration / dt) * dt or duration, dt=dt, paths=paths, seed=seed,
                  method=method, burn_in=BURN_IN * slow)
    return tr, dt, duration


def entropy(model, X=None, *, paths: int, seed: int = 0, dt: float | None = None, duration: float | None = None,
            method: str = "exact"):
    """Entropy of the Gaussian with the sampled covariance of ``X`` (default: the whole state)."""
    states, dt, duration = _states(model, paths, seed, dt, duration, method)
    x = list(range(model.dimension)) if X is None else model.indices(X)
    return samples.gaussian_entropy(states, x), dt, duration


def mutual_information(model, X, Y, *, paths: int, seed: int = 0, dt: float | None = None,
                       duration: float | None = None, method: str = "exact"):
    """Mutual information of the Gaussian with the sampled covariance, between ``X`` and ``Y``."""
    states, dt, duration = _states(model, paths, seed, dt, duration, method)
    return samples.gaussian_mutual_information(states, model.indices(X), model.indices(Y)), dt, duration


def conditional_mutual_information(model, X, Y, Z, *, paths: int, seed: int = 0, dt: float | None = None,
                                   duration: float | None = None, method: str = "exact"):
    """Conditional mutual information of the Gaussian with the sampled covariance."""
    states, dt, duration = _states(model, paths, seed, dt, duration, method)
    return (samples.gaussian_conditional_mutual_information(states, model.indices(X), model.indices(Y),
                                                            model.indices(Z)), dt, duration)


def heat_rate(model, subsystem, *, paths: int, seed: int = 0, dt: float | None = None,
              duration: float | None = None, method: str = "exact"):
    """Heat rate of ``subsystem``: a Stratonovich sum over recorded paths."""
    tr, dt, duration = _paths(model, paths, seed, dt, duration, method)
    return path_estimators.heat_rate(tr, model, subsystem), dt, duration


def information_flow(model, subsystem, *, paths: int, seed: int = 0, dt: float | None = None,
                     duration: float | None = None, method: str = "exact"):
    """Information flow into ``subsystem``, over recorded paths."""
    tr, dt, duration = _paths(model, paths, seed, dt, duration, method)
    return path_estimators.information_flow(tr, model, subsystem), dt, duration


def entropy_production_rate(model, subsystem=None, *, paths: int, seed: int = 0, dt: float | None = None,
                            duration: float | None = None, method: str = "exact"):
    """Total entropy production rate: the heat of the whole state per unit time (a subsystem's is refused)."""
    if subsystem is not None:
        raise ModelError("the entropy production rate of a subsystem of a nonlinear SDE has no estimator; "
                         "estimate its heat rate and information flow")
    tr, dt, duration = _paths(model, paths, seed, dt, duration, method)
    heat = path_estimators.heat(tr, model)
    return Estimate(heat.value / duration, heat.stderr / duration, heat.n, heat.dof), dt, duration


def estimate(model, bound, run: Run):
    """Deprecated: the estimator of ``bound`` is the function of its quantity here (``heat_rate(model,
    subsystem, paths=..., ...)``), which the estimator table points at."""
    import warnings

    warnings.warn("thermotheory.montecarlo.nonlinear.estimate is deprecated; call the quantity's function "
                  "(thermotheory.montecarlo.nonlinear.heat_rate(model, subsystem, paths=...), ...) or "
                  "tt.estimate(model, bound)", DeprecationWarning, stacklevel=2)
    fn = {f.__name__: f for f in (entropy, mutual_information, conditional_mutual_information, heat_rate,
                                  information_flow, entropy_production_rate)}.get(bound.name)
    if fn is None:
        raise ModelError(f"no Monte Carlo estimator of {bound.name} for a nonlinear SDE")
    return fn(model, **bound.arguments, paths=run.paths, seed=run.seed, dt=run.dt, duration=run.duration,
              method=run.method)
