"""Monte Carlo estimators of transient quantities: from an initial Gaussian state, at or over ``[0, t]``.

Entropies and mutual informations of the state at time ``t``, the heat released over
``[0, t]`` and the entropy produced over ``[0, t]`` are estimated from paths started in the
initial Gaussian state (of a linear model, with or without a protocol ``b(t)``, or of a
nonlinear SDE). Per path the estimator keeps the heat (a Stratonovich sum), the initial and
the final state; a statistic of their sums over groups of paths gets a jackknife error.
Nothing here calls a closed form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError
from . import blocks
from .observers import MediumEntropyFlow
from .paths import _nonlinear_heat
from .simulate import Gaussian, simulate
from .stationary import Run

__all__ = ["estimate", "initial_gaussian", "DEFAULT_PATHS", "STEPS", "MAX_RECORDED"]

#: Default number of independent paths of a transient check.
DEFAULT_PATHS = 8192
#: Default number of integration steps over ``[0, t]`` (fewer when the fastest time is longer).
STEPS = 400
#: Most recorded numbers (paths x records x variables) a nonlinear transient check keeps.
MAX_RECORDED = 5e7


def _number(name: str, value: Any) -> float:
    try:
        x = float(sp.sympify(value))
    except (TypeError, ValueError, sp.SympifyError):
        raise ModelError(f"{name}: a Monte Carlo check needs a number but found {value!r}") from None
    if not math.isfinite(x):
        raise ModelError(f"{name}: expected a finite number but found {value!r}")
    return x


def initial_gaussian(model, initial: Any, initial_mean: Any = None) -> Gaussian:
    """The initial state of a transient quantity (a covariance, a mapping of variances, or a Gaussian) as a Gaussian."""
    n = model.dimension
    if isinstance(initial, Gaussian):
        return initial
    if isinstance(initial, Mapping):
        cov = np.zeros((n, n))
        for key, val in initial.items():
            i = model.index(key)
            cov[i, i] = _number(f"initial[{key}]", val)
    else:
        try:
            cov = np.array(sp.Matrix(initial).tolist() if isinstance(initial, sp.MatrixBase) else initial, float)
        except (TypeError, ValueError):
            raise ModelError(f"initial: expected a covariance matrix or a mapping of variances but found "
                             f"{initial!r:.80}") from None
        if cov.ndim == 1 and cov.size == n:
            cov = np.diag(cov)
    if cov.shape != (n, n):
        raise ModelError(f"initial: expected an ({n}, {n}) covariance but found shape {cov.shape}")
    mean = np.zeros(n)
    if isinstance(initial_mean, Mapping):
        for key, val in initial_mean.items():
            mean[model.index(key)] = _number(f"initial_mean[{key}]", val)
    elif initial_mean is not None:
        mean = np.array(initial_mean, float).reshape(-1)
        if mean.shape != (n,):
            raise ModelError(f"initial_mean: expected {n} entries but found {mean.size}")
    return Gaussian(mean, cov)


def _rates(model, at=None) -> tuple[float, float]:
    """Fastest and slowest relaxation times: of the drift matrix of a linear model; of a nonlinear SDE's
    drift linearised at ``at`` (a state), or at its stable fixed point (the linear-noise approximation)."""
    from ..core.model import LinearSDE

    if isinstance(model, LinearSDE):
        A = np.array(model.A.evalf(), float)
    elif at is not None:
        drift = sp.Matrix([model.drift[v] for v in model.variables])
        J = drift.jacobian(model.variables).replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.Integer(0))
        A = np.array(J.subs(dict(zip(model.variables, at))).evalf(), float)
    else:
        from ..core.lna import linear_noise_approximation

        A = linear_noise_approximation(model).arrays()[0]
    ev = np.abs(np.linalg.eigvals(A).real)
    ev = ev[ev > 0]
    if ev.size == 0:
        return math.inf, math.inf
    return 1 / ev.max(), 1 / ev.min()


def estimate(model, bound, run: Run):
    """Estimate the transient quantity ``bound`` on the numeric ``model`` (linear or nonlinear).

    Returns ``(Estimate, dt used, t)``.
    """
    from ..core.model import LinearSDE

    args = bound.arguments
    if "t" not in args or "initial" not in args:
        raise ModelError(f"{bound.name}: a transient check needs t= and initial=")
    t = _number("t", args["t"])
    if not t > 0:
        raise ModelError(f"t: expected a positive duration but found {t}")
    start = initial_gaussian(model, args["initial"], args.get("initial_mean"))
    n = model.dimension
    fast = _rates(model, start.mean)[0]
    steps = max(int(math.ceil(t / min(fast / 20, t / STEPS))), 1) if run.dt is None else int(math.ceil(t / run.dt))
    dt = t / steps
    linear = isinstance(model, LinearSDE)
    name = bound.name
    need_heat = name in ("heat", "entropy_production")
    subsystem = args.get("subsystem")
    idx = list(range(n)) if subsystem is None else model.indices(subsystem)
    observers = {}
    if need_heat and linear:
        A, b, D = model.arrays(allow_protocol=True)  # b(t) is read through drive() under a protocol
        drive = b if model.is_autonomous else model.drive
        observers["q"] = lambda: MediumEntropyFlow(A, drive, D, model.parity, idx, dt, per_time=False)
    keep_all = need_heat and not linear
    if keep_all and run.paths * (steps + 1) * n > MAX_RECORDED:
        raise ModelError(f"a transient heat check of a nonlinear SDE records every step: {run.paths} paths x "
                         f"{steps + 1} steps is too much; give fewer paths= or a larger dt=")
    method = run.method if linear else ("heun" if run.method == "exact" else run.method)
    tr = simulate(model, t_end=t, dt=dt, paths=run.paths, seed=run.seed, method=method, initial=start,
                  record_every=1 if keep_all else steps, observers=observers or None)
    z0, zt = tr.states[0], tr.states[-1]
    if need_heat:
        q = tr.observed["q"] if linear else _nonlinear_heat(tr, model, subsystem, per_time=False)
    else:
        q = np.zeros(run.paths)
    rows = np.column_stack([q, z0, np.einsum("pi,pj->pij", z0, z0).reshape(run.paths, -1), zt,
                            np.einsum("pi,pj->pij", zt, zt).reshape(run.paths, -1), np.ones(run.paths)])

    def moments(total, at):
        off = 1 + at * (n + n * n)
        N = total[-1]
        mean = total[off:off + n] / N
        second = total[off + n:off + n + n * n].reshape(n, n) / N
        return second - np.outer(mean, mean)

    def entropy(cov, group):
        if not group:
            return 0.0
        sign, logdet = np.linalg.slogdet(cov[np.ix_(group, group)])
        if sign <= 0:
            raise ModelError("the sampled covariance is singular: the initial state or the model leaves a variable "
                             "without spread")
        return 0.5 * (len(group) * math.log(2 * math.pi * math.e) + logdet)

    def groups(*roles):
        return [model.indices(args[r]) for r in roles]

    def stat(total):
        if name == "heat":
            return total[0] / total[-1]
        if name == "entropy_production":
            return total[0] / total[-1] + entropy(moments(total, 1), list(range(n))) - entropy(moments(total, 0),
                                                                                              list(range(n)))
        cov = moments(total, 1)
        if name == "entropy":
            (x,) = groups("X")
            return entropy(cov, x)
        if name == "mutual_information":
            x, y = groups("X", "Y")
            return entropy(cov, x) + entropy(cov, y) - entropy(cov, x + y)
        if name == "conditional_mutual_information":
            x, y, z = groups("X", "Y", "Z")
            return entropy(cov, x + z) + entropy(cov, y + z) - entropy(cov, z) - entropy(cov, x + y + z)
        raise ModelError(f"no transient Monte Carlo estimator of {name}")

    return blocks.jackknife(rows, stat, run.paths), dt, t
