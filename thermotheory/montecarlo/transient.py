"""Monte Carlo estimators of transient quantities: from an initial Gaussian state, at or over ``[0, t]``.

One function per quantity (``heat(model, t, initial, initial_mean, subsystem, *, paths, seed, dt,
...)``, ...), taking the quantity's roles and the run's settings and returning
``(Estimate, dt used, t)``; the estimator table (:mod:`.estimators`) points at them.

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
from ..errors import ModelError, TooLarge
from . import blocks
from .observers import MediumEntropyFlow
from .paths import _nonlinear_heat
from .simulate import Gaussian, simulate
from .stationary import Run

__all__ = ["entropy", "mutual_information", "conditional_mutual_information", "heat", "entropy_production",
           "work", "estimate", "initial_gaussian", "DEFAULT_PATHS", "STEPS", "MAX_RECORDED"]

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


class _Paths:
    """Paths from the initial Gaussian state over ``[0, t]``: per path the heat (or the work, or 0), the
    initial and the final state and their squares, as rows for a jackknife over groups of paths."""

    def __init__(self, model, what: str, t, initial, initial_mean, subsystem, paths, seed, dt, method,
                 heat: bool = False, energy: Any = None, work: bool = False) -> None:
        from ..core.model import LinearSDE

        if t is None or initial is None:
            raise ModelError(f"{what}: a transient check needs t= and initial=")
        t = _number("t", t)
        if not t > 0:
            raise ModelError(f"t: expected a positive duration but found {t}")
        start = initial_gaussian(model, initial, initial_mean)
        n = model.dimension
        modulated = isinstance(model, LinearSDE) and model.is_modulated
        fast = _rates(model, t if modulated else start.mean)[0]
        steps = max(int(math.ceil(t / min(fast / 20, t / STEPS))), 1) if dt is None else int(math.ceil(t / dt))
        dt = t / steps
        linear = isinstance(model, LinearSDE)
        fb = feedback_array(model) if linear else None
        self.pumping = 0.0 if fb is None else -float(np.trace(fb))  # a constant of the model (linear feedback)
        idx = list(range(n)) if subsystem is None else model.indices(subsystem)
        observers = {}
        if heat and modulated:
            observers["q"] = lambda: ModulatedEntropyFlow(model, idx, dt)
        elif heat and linear:
            A, b, D = model.arrays(allow_protocol=True)  # b(t) is read through drive() under a protocol
            drive = b if model.is_autonomous else model.drive
            observers["q"] = lambda: MediumEntropyFlow(A, drive, D, model.parity, idx, dt, per_time=False,
                                                       feedback=fb)
        keep_all = heat and not linear
        if keep_all and paths * (steps + 1) * n > MAX_RECORDED:
            raise TooLarge(f"a transient heat check of a nonlinear SDE records every step: {paths} paths x "
                           f"{steps + 1} steps is too much; give fewer paths= or a larger dt=")
        if work:
            if not linear or model.time is None:
                raise ModelError("work: a Monte Carlo check needs a linear model with a protocol (time=)")
            observers["w"] = lambda: WorkObserver(model, energy, dt, steps)
        method = method if linear and not modulated else ("heun" if method == "exact" else method)
        tr = simulate(model, t_end=t, dt=dt, paths=paths, seed=seed, method=method, initial=start,
                      record_every=1 if keep_all else steps, observers=observers or None)
        z0, zt = tr.states[0], tr.states[-1]
        if heat:
            q = tr.observed["q"] if linear else _nonlinear_heat(tr, model, subsystem, per_time=False)
        elif work:
            q = tr.observed["w"]
        else:
            q = np.zeros(paths)
        self.rows = np.column_stack([q, z0, np.einsum("pi,pj->pij", z0, z0).reshape(paths, -1), zt,
                                     np.einsum("pi,pj->pij", zt, zt).reshape(paths, -1), np.ones(paths)])
        self.model, self.n, self.t, self.dt, self.paths = model, n, t, dt, paths

    def moments(self, total, at):
        """The sampled covariance of the initial (``at=0``) or the final (``at=1``) state."""
        n = self.n
        off = 1 + at * (n + n * n)
        N = total[-1]
        mean = total[off:off + n] / N
        second = total[off + n:off + n + n * n].reshape(n, n) / N
        return second - np.outer(mean, mean)

    def group(self, X):
        return list(range(self.n)) if X is None else self.model.indices(X)

    def estimate(self, stat):
        return blocks.jackknife(self.rows, stat, self.paths), self.dt, self.t


def _entropy_of(cov, group):
    if not group:
        return 0.0
    sign, logdet = np.linalg.slogdet(cov[np.ix_(group, group)])
    if sign <= 0:
        raise ModelError("the sampled covariance is singular: the initial state or the model leaves a variable "
                         "without spread")
    return 0.5 * (len(group) * math.log(2 * math.pi * math.e) + logdet)


def _mean_per_path(total):
    return total[0] / total[-1]


def entropy(model, X=None, t=None, initial=None, *, paths: int, seed: int = 0, dt: float | None = None,
            duration: float | None = None, method: str = "exact"):
    """Entropy of ``X`` (default: the whole state) at ``t`` from ``initial``: ``(Estimate, dt used, t)``."""
    p = _Paths(model, "entropy", t, initial, None, None, paths, seed, dt, method)
    x = p.group(X)
    return p.estimate(lambda total: _entropy_of(p.moments(total, 1), x))


def mutual_information(model, X, Y, t=None, initial=None, *, paths: int, seed: int = 0, dt: float | None = None,
                       duration: float | None = None, method: str = "exact"):
    """Mutual information between ``X`` and ``Y`` at ``t`` from ``initial``: ``(Estimate, dt used, t)``."""
    p = _Paths(model, "mutual_information", t, initial, None, None, paths, seed, dt, method)
    x, y = model.indices(X), model.indices(Y)

    def stat(total):
        cov = p.moments(total, 1)
        return _entropy_of(cov, x) + _entropy_of(cov, y) - _entropy_of(cov, x + y)

    return p.estimate(stat)


def conditional_mutual_information(model, X, Y, Z, t=None, initial=None, *, paths: int, seed: int = 0,
                                   dt: float | None = None, duration: float | None = None, method: str = "exact"):
    """Mutual information between ``X`` and ``Y`` given ``Z`` at ``t`` from ``initial``."""
    p = _Paths(model, "conditional_mutual_information", t, initial, None, None, paths, seed, dt, method)
    x, y, z = model.indices(X), model.indices(Y), model.indices(Z)

    def stat(total):
        cov = p.moments(total, 1)
        return _entropy_of(cov, x + z) + _entropy_of(cov, y + z) - _entropy_of(cov, z) - _entropy_of(cov, x + y + z)

    return p.estimate(stat)


def heat(model, t=None, initial=None, initial_mean=None, subsystem=None, *, paths: int, seed: int = 0,
         dt: float | None = None, duration: float | None = None, method: str = "exact"):
    """Heat released by ``subsystem`` (default: all) over ``[0, t]`` from ``initial``: ``(Estimate, dt used, t)``."""
    p = _Paths(model, "heat", t, initial, initial_mean, subsystem, paths, seed, dt, method, heat=True)
    return p.estimate(_mean_per_path)


def entropy_production(model, t=None, initial=None, initial_mean=None, *, paths: int, seed: int = 0,
                       dt: float | None = None, duration: float | None = None, method: str = "exact"):
    """Entropy produced over ``[0, t]`` from ``initial``: the heat, the change of the state's entropy and a
    feedback's entropy pumping. ``(Estimate, dt used, t)``."""
    p = _Paths(model, "entropy_production", t, initial, initial_mean, None, paths, seed, dt, method, heat=True)
    every = list(range(p.n))

    def stat(total):
        return (total[0] / total[-1] + _entropy_of(p.moments(total, 1), every)
                - _entropy_of(p.moments(total, 0), every) + p.pumping * p.t)

    return p.estimate(stat)


def work(model, t=None, initial=None, energy=None, initial_mean=None, *, paths: int, seed: int = 0,
         dt: float | None = None, duration: float | None = None, method: str = "exact"):
    """Work done by a protocol on ``energy`` over ``[0, t]`` from ``initial``: ``(Estimate, dt used, t)``."""
    p = _Paths(model, "work", t, initial, initial_mean, None, paths, seed, dt, method, energy=energy, work=True)
    return p.estimate(_mean_per_path)


def estimate(model, bound, run: Run):
    """Deprecated: the estimator of ``bound`` is the function of its quantity here (``heat(model, t, initial,
    paths=..., ...)``), which the estimator table points at."""
    import warnings

    warnings.warn("thermotheory.montecarlo.transient.estimate is deprecated; call the quantity's function "
                  "(thermotheory.montecarlo.transient.heat(model, t, initial, paths=...), ...) or "
                  "tt.estimate(model, bound)", DeprecationWarning, stacklevel=2)
    fn = {f.__name__: f for f in (entropy, mutual_information, conditional_mutual_information, heat,
                                  entropy_production, work)}.get(bound.name)
    if fn is None:
        raise ModelError(f"no transient Monte Carlo estimator of {bound.name}")
    return fn(model, **bound.arguments, paths=run.paths, seed=run.seed, dt=run.dt, duration=run.duration,
              method=run.method)


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
