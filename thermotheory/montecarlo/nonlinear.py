"""Monte Carlo estimators of stationary quantities of a nonlinear SDE, from simulated paths.

States are sampled after a burn-in of ten slowest relaxation times of the linear-noise
approximation (which only sets the time scales here). Entropies and mutual informations are
those of the Gaussian with the sampled covariance (what the linear-noise approximation
predicts; the non-Gaussian part of the state is not measured); heat rates, information flows
and the entropy production rate are Stratonovich sums over recorded paths, with errors from
independent paths. Nothing here calls a closed form.
"""

from __future__ import annotations

from .uncertainty import Estimate
from . import paths, samples
from .simulate import simulate
from .stationary import Run
from .transient import _rates

__all__ = ["estimate", "DEFAULT_PATHS", "DURATION", "BURN_IN", "STEPS_PER_FAST"]

#: Default paths, recorded duration and burn-in (slowest times), steps per fastest time.
DEFAULT_PATHS = 2048
DURATION = 10.0
BURN_IN = 10.0
STEPS_PER_FAST = 50


def estimate(model, bound, run: Run):
    """Estimate the stationary quantity ``bound`` on the numeric nonlinear SDE ``model``.

    Returns ``(Estimate, dt used, recorded duration)``.
    """
    from ..errors import ModelError

    fast, slow = _rates(model)
    dt = run.dt or fast / STEPS_PER_FAST
    duration = run.duration or DURATION * slow
    method = "heun" if run.method == "exact" else run.method
    args, name = bound.arguments, bound.name
    if name in ("entropy", "mutual_information", "conditional_mutual_information"):
        tr = simulate(model, t_end=dt, dt=dt, paths=run.paths, seed=run.seed, method=method,
                      burn_in=BURN_IN * slow + duration)
        states = tr.states[-1]
        idx = [model.indices(args[r]) for r in ("X", "Y", "Z") if r in args]
        if name == "entropy":
            return samples.gaussian_entropy(states, idx[0]), dt, duration
        if name == "mutual_information":
            return samples.gaussian_mutual_information(states, idx[0], idx[1]), dt, duration
        return samples.gaussian_conditional_mutual_information(states, *idx), dt, duration
    if name not in ("heat_rate", "information_flow", "entropy_production_rate"):
        raise ModelError(f"no Monte Carlo estimator of {name} for a nonlinear SDE")
    # whole steps: simulate refuses a t_end that is not one
    tr = simulate(model, t_end=round(duration / dt) * dt or duration, dt=dt, paths=run.paths, seed=run.seed,
                  method=method, burn_in=BURN_IN * slow)
    if name == "heat_rate":
        return paths.heat_rate(tr, model, args["subsystem"]), dt, duration
    if name == "information_flow":
        return paths.information_flow(tr, model, args["subsystem"]), dt, duration
    if args.get("subsystem") is not None:
        raise ModelError("the entropy production rate of a subsystem of a nonlinear SDE has no estimator; "
                         "estimate its heat rate and information flow")
    heat = paths.heat(tr, model)
    return Estimate(heat.value / duration, heat.stderr / duration, heat.n, heat.dof), dt, duration
