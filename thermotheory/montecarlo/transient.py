"""Monte Carlo estimators of transient quantities: from an initial Gaussian state, at or over ``[0, t]``.

Entropies and mutual informations of the state at time ``t``, the heat released over
``[0, t]`` and the entropy produced over ``[0, t]`` are estimated from paths started in the
initial Gaussian state (of a linear model, with or without a protocol on ``b(t)``, ``A(t)``
or ``D(t)``, or of a nonlinear SDE); the work done by a protocol on an energy ``U(z, s)`` is
summed along the same paths. Per path the estimator keeps the heat (a Stratonovich sum), the initial and
the final state; a statistic of their sums over groups of paths gets a jackknife error.
Nothing here calls a closed form.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..core.feedback import feedback_array
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

    if isinstance(model, LinearSDE) and model.is_modulated:
        A = model.matrices_at(np.linspace(0.0, at, 33))[0]
        ev = np.abs(np.linalg.eigvals(A).real).ravel()
        ev = ev[ev > 0]
        return (math.inf, math.inf) if ev.size == 0 else (1 / ev.max(), 1 / ev.min())
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
    modulated = isinstance(model, LinearSDE) and model.is_modulated
    fast = _rates(model, t if modulated else start.mean)[0]
    steps = max(int(math.ceil(t / min(fast / 20, t / STEPS))), 1) if run.dt is None else int(math.ceil(t / run.dt))
    dt = t / steps
    linear = isinstance(model, LinearSDE)
    name = bound.name
    need_heat = name in ("heat", "entropy_production")
    fb = feedback_array(model) if linear else None
    pumping = 0.0 if fb is None else -float(np.trace(fb))  # a constant of the model (linear feedback)
    need_work = name == "work"
    subsystem = args.get("subsystem")
    idx = list(range(n)) if subsystem is None else model.indices(subsystem)
    observers = {}
    if need_heat and modulated:
        observers["q"] = lambda: ModulatedEntropyFlow(model, idx, dt)
    elif need_heat and linear:
        A, b, D = model.arrays(allow_protocol=True)  # b(t) is read through drive() under a protocol
        drive = b if model.is_autonomous else model.drive
        observers["q"] = lambda: MediumEntropyFlow(A, drive, D, model.parity, idx, dt, per_time=False, feedback=fb)
    keep_all = need_heat and not linear
    if keep_all and run.paths * (steps + 1) * n > MAX_RECORDED:
        raise ModelError(f"a transient heat check of a nonlinear SDE records every step: {run.paths} paths x "
                         f"{steps + 1} steps is too much; give fewer paths= or a larger dt=")
    if need_work:
        if not linear or model.time is None:
            raise ModelError("work: a Monte Carlo check needs a linear model with a protocol (time=)")
        observers["w"] = lambda: WorkObserver(model, args["energy"], dt, steps)
    method = run.method if linear and not modulated else ("heun" if run.method == "exact" else run.method)
    tr = simulate(model, t_end=t, dt=dt, paths=run.paths, seed=run.seed, method=method, initial=start,
                  record_every=1 if keep_all else steps, observers=observers or None)
    z0, zt = tr.states[0], tr.states[-1]
    if need_heat:
        q = tr.observed["q"] if linear else _nonlinear_heat(tr, model, subsystem, per_time=False)
    elif need_work:
        q = tr.observed["w"]
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
        if name in ("heat", "work"):
            return total[0] / total[-1]
        if name == "entropy_production":  # heat, change of the state's entropy, and a feedback's entropy pumping
            return (total[0] / total[-1] + entropy(moments(total, 1), list(range(n)))
                    - entropy(moments(total, 0), list(range(n))) + pumping * t)
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


class ModulatedEntropyFlow:
    """Per-path entropy flow into the medium under ``A(t)``, ``b(t)``, ``D(t)``: Stratonovich midpoint sums.

    Each step uses the matrices at its midpoint time, ``f_irr,Y(z_mid)^T D_YY^+ (dz_Y - f_rev,Y(z_mid) dt)``,
    so a protocol that jumps on a step boundary is read on the right side of the jump.
    """

    def __init__(self, model, idx, dt: float) -> None:
        self.model, self.idx, self.dt = model, list(idx), dt
        self.E = np.asarray(model.parity, float)
        self.total: Any = 0.0
        self.steps = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        A, b, D = (x[0] for x in self.model.matrices_at([(self.steps + 0.5) * self.dt]))
        E, idx = self.E, self.idx
        A_irr = (A + E[:, None] * A * E[None, :]) / 2
        b_irr = (b + E * b) / 2
        Dp = np.linalg.pinv(D[np.ix_(idx, idx)], hermitian=True)
        mid = (z_old + z_new) / 2
        f_irr = mid @ A_irr[idx].T + b_irr[idx]
        dz = z_new[:, idx] - z_old[:, idx] - (mid @ (A - A_irr)[idx].T + (b - b_irr)[idx]) * self.dt
        self.total = self.total + ((f_irr @ Dp) * dz).sum(axis=1)
        self.steps += 1

    def result(self) -> np.ndarray:
        return np.asarray(self.total)


class WorkObserver:
    """Per-path work of a protocol on the energy ``U(z, s) = z^T K z / 2 + h^T z + u_0``.

    On each step the energy's change at the midpoint state between the protocol just after
    the step's start and just before its end; a jump on a step boundary (and at ``0`` and at
    ``t``, from the protocol's value there) at the state at that time.
    """

    def __init__(self, model, energy, dt: float, steps: int) -> None:
        from ..core.driven import _energy_parts

        K, h, u0 = _energy_parts(model, energy)
        if (K.free_symbols | h.free_symbols | sp.sympify(u0).free_symbols) - {model.time}:
            raise ModelError("work: the energy has free parameters; substitute numbers (the model is numeric)")
        n = model.dimension
        f = sp.lambdify(model.time, [sp.sympify(e).rewrite(sp.Piecewise) for e in list(K) + list(h) + [u0]],
                        modules="numpy")
        times = np.arange(steps + 1) * dt
        delta = 1e-9 * dt

        def at(ts):
            vals = [np.broadcast_to(np.asarray(v, float), ts.shape) for v in f(ts)]
            arr = np.stack(vals, axis=-1)
            return arr[:, :n * n].reshape(-1, n, n), arr[:, n * n:n * n + n], arr[:, -1]

        self.plus = at(times + delta)  # just after each grid time
        self.minus = at(times - delta)  # just before
        self.exact = at(times[[0, -1]])
        self.steps, self.n_steps = 0, steps
        self.total: Any = 0.0

    @staticmethod
    def _U(parts, k, z):
        K, h, u0 = parts[0][k], parts[1][k], parts[2][k]
        return 0.5 * np.einsum("pi,ij,pj->p", z, K, z) + z @ h + u0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        k = self.steps
        if k == 0:
            self.total = self._U(self.plus, 0, z_old) - self._U(self.exact, 0, z_old)
        else:
            self.total = self.total + self._U(self.plus, k, z_old) - self._U(self.minus, k, z_old)
        mid = (z_old + z_new) / 2
        self.total = self.total + self._U(self.minus, k + 1, mid) - self._U(self.plus, k, mid)
        self.steps += 1
        if self.steps == self.n_steps:
            self.total = self.total + self._U(self.exact, 1, z_new) - self._U(self.minus, k + 1, z_new)

    def result(self) -> np.ndarray:
        return np.asarray(self.total)
