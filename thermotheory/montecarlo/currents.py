r"""Monte Carlo estimators of a current's mean rate, variance rate and uncertainty ratio.

Independent stationary paths of duration ``T`` are simulated (after a burn-in), and the
current is summed along each in the Stratonovich sense: the increment part at the
midpoint of each step, :math:`g(\tfrac{z_k + z_{k+1}}{2})^T (z_{k+1} - z_k)`, the rate
part by the trapezoid rule. Nothing here calls a closed form of the package: the sums
use only the model's drift, diffusion and parities and the current's matrices.

- Each path gives :math:`J` over its first and second half, :math:`J_1` and :math:`J_2`.
  The mean rate is :math:`\langle J_1 + J_2 \rangle / T`. The variance rate is
  :math:`[\operatorname{Var} J_1 + \operatorname{Var} J_2 + 4 \operatorname{Cov}(J_1, J_2)] / T
  = [2 \operatorname{Var} J_T - 2 \operatorname{Var} J_{T/2}] / T`: the boundary term of
  :math:`\operatorname{Var} J_t = 2 D_J t + B + \ldots` cancels, leaving an error that
  decays like :math:`e^{-T / (2\tau)}` (``tau`` the slowest relaxation time) instead of
  :math:`B / T`.
- The sums are made at the steps ``dt, 2 dt, 4 dt, 8 dt`` along the same paths and each
  statistic is extrapolated to ``dt -> 0`` (Richardson, order 2), its remaining bias
  estimated from the coarsest step and added to the error.
- Standard errors: delete-one-group jackknife over groups of independent paths.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core.currents.current import Current
from ..core.feedback import feedback_array
from ..core.model import LinearSDE
from ..errors import ModelError
from .uncertainty import Estimate
from .blocks import jackknife, richardson
from .paths import time_scales
from .simulate import simulate

__all__ = ["estimate_current_mean_rate", "estimate_current_variance_rate", "estimate_uncertainty_ratio",
           "CurrentSums", "LEVELS", "ORDER", "DURATION", "BURN_IN", "STEP"]

#: Richardson order of the extrapolation in the step, and the number of steps used (one more
#: than needed, to estimate the bias left).
ORDER = 2
LEVELS = ORDER + 2
#: Default recorded duration and burn-in, in slowest relaxation times; default step, in fastest.
DURATION, BURN_IN, STEP = 20.0, 10.0, 1 / 20


class CurrentSums:
    """Observer for :func:`~thermotheory.simulate`: per path, currents over each half of the run, at steps ``2^l dt``.

    A block observer (``block(w, V)``) of the linear engine. ``result()`` has one row per
    path: for each current, for each level ``l`` of ``levels``, the sums over the first
    and the second half.

    Parameters
    ----------
    currents : sequence of ``(G, g0, H, c, c0)`` float arrays
    dt : float
        Step between consecutive states.
    steps : int
        Recorded steps; a multiple of ``2^levels`` so that the halves fall on every level's grid.
    levels : int
    """

    per_block = False

    def __init__(self, currents: Sequence[tuple], dt: float, steps: int, levels: int = LEVELS) -> None:
        if steps % (1 << levels):
            raise ModelError(f"steps: expected a multiple of {1 << levels} but found {steps}")
        self.currents = [tuple(np.asarray(x, float) for x in cur[:4]) + (float(cur[4]),) for cur in currents]
        self.dt, self.steps, self.levels = float(dt), int(steps), int(levels)
        self.half = self.steps // 2
        self.count = 0
        self.acc: np.ndarray | None = None
        self.carry: list[tuple[int, np.ndarray] | None] = [None] * self.levels

    def _increments(self, cur, states: np.ndarray, h: float) -> np.ndarray:
        """Current summed over consecutive states (blocks, n, k, B): (blocks, k - 1, B)."""
        G, g0, H, c, c0 = cur
        z0, z1 = states[:, :, :-1, :], states[:, :, 1:, :]
        out = np.zeros((states.shape[0], states.shape[2] - 1, states.shape[3]))
        if np.any(G) or np.any(g0):
            mid = (z0 + z1) / 2
            g = np.einsum("ij,xjkb->xikb", G, mid) + g0[None, :, None, None]
            out += np.einsum("xikb,xikb->xkb", g, z1 - z0)
        if np.any(H) or np.any(c) or c0:
            hz = 0.5 * np.einsum("xikb,ij,xjkb->xkb", states, H, states) if np.any(H) else 0.0
            hz = hz + np.einsum("i,xikb->xkb", c, states) + c0
            out += (hz[:, :-1, :] + hz[:, 1:, :]) * (h / 2)
        return out

    def block(self, w: np.ndarray, V: np.ndarray) -> None:
        nb, n, m1, B = w.shape
        z = np.matmul(V, np.ascontiguousarray(w, dtype=float).reshape(nb, n, m1 * B)).reshape(nb, n, m1, B)
        if self.acc is None:
            self.acc = np.zeros((len(self.currents), self.levels, 2, nb, B))
        for lev in range(self.levels):
            step = 1 << lev
            start = (-self.count) % step
            idx = self.count + start + step * np.arange(len(range(start, m1, step)))
            sel = z[:, :, start::step, :]
            prev = self.carry[lev]
            if prev is not None and prev[0] < (idx[0] if idx.size else math.inf):
                sel = np.concatenate([prev[1][:, :, None, :], sel], axis=2)
                idx = np.concatenate([[prev[0]], idx])
            if idx.size:
                self.carry[lev] = (int(idx[-1]), sel[:, :, -1, :].copy())
            if idx.size < 2:
                continue
            second = idx[1:] > self.half  # a pair ending after the middle belongs to the second half
            for k, cur in enumerate(self.currents):
                inc = self._increments(cur, sel, step * self.dt)
                self.acc[k, lev, 0] += inc[:, ~second, :].sum(axis=1)
                self.acc[k, lev, 1] += inc[:, second, :].sum(axis=1)
        self.count += m1 - 1

    def result(self) -> np.ndarray:
        if self.acc is None or self.count != self.steps:
            raise ModelError(f"the observer saw {self.count} of {self.steps} steps")
        k, L, _, nb, B = self.acc.shape
        return self.acc.transpose(3, 4, 0, 1, 2).reshape(nb * B, k * L * 2)


def _checked(model: LinearSDE, current: Current, paths: int, seed: int, dt: float | None,
             duration: float | None, method: str):

    if not isinstance(current, Current):
        raise ModelError(f"current: expected a Current but found {type(current).__name__}")
    current.check_model(model)
    if not model.is_numeric or not current.is_numeric:
        raise ModelError("estimators need a numeric model and current: substitute values first "
                         "(model.subs(values), current.subs(values))")
    if not model.is_autonomous:
        raise ModelError(f"the drift depends on time {model.time}: the estimators need a stationary model")
    if isinstance(paths, bool) or not isinstance(paths, (int, np.integer)) or paths < 2:
        raise ModelError(f"paths: expected a whole number of paths, at least 2, but found {paths!r}")
    for name, val in (("dt", dt), ("duration", duration)):
        if val is not None and not (isinstance(val, (int, float)) and not isinstance(val, bool)
                                    and math.isfinite(val) and val > 0):
            raise ModelError(f"{name}: expected a positive finite time (or None for the default) but found {val!r}")
    A = model.arrays()[0]
    fast, slow = time_scales(A, "the current estimators")
    step = float(dt) if dt is not None else STEP * fast
    unit = 1 << LEVELS
    steps = max(unit, int(math.ceil((duration if duration is not None else DURATION * slow) / step / unit)) * unit)
    return step, steps, BURN_IN * slow


def _sums(model: LinearSDE, currents: Sequence[Current], paths: int, seed: int, step: float, steps: int,
          burn: float, method: str) -> np.ndarray:

    mats = [cur.arrays() for cur in currents]
    tr = simulate(model, t_end=steps * step, dt=step, paths=int(paths), seed=seed, method=method, burn_in=burn,
                  record=False, observers={"J": lambda: CurrentSums(mats, step, steps)})
    rows = tr.observed["J"]
    if rows.shape[0] != paths:
        raise ModelError(f"expected {paths} rows of sums but found {rows.shape[0]}")
    return rows


def _moments(rows: np.ndarray, n_currents: int) -> np.ndarray:
    """Per path: 1, then J1, J2, J1^2, J2^2 and J1 J2 for each current and level (the jackknife sums these rows)."""
    J = rows.reshape(rows.shape[0], n_currents, LEVELS, 2)
    J1, J2 = J[..., 0], J[..., 1]
    parts = [np.ones((rows.shape[0], 1))]
    for arr in (J1, J2, J1 * J1, J2 * J2, J1 * J2):
        parts.append(arr.reshape(rows.shape[0], -1))
    return np.concatenate(parts, axis=1)


class _Stats:
    """Mean and variance rates at each level, from summed moments."""

    def __init__(self, total: np.ndarray, n_currents: int, T: float) -> None:
        N = total[0]
        k = n_currents * LEVELS
        s1, s2, s11, s22, s12 = (total[1 + i * k:1 + (i + 1) * k].reshape(n_currents, LEVELS) for i in range(5))
        m1, m2 = s1 / N, s2 / N
        self.mean = (m1 + m2) / T
        v1 = (s11 - N * m1**2) / (N - 1)
        v2 = (s22 - N * m2**2) / (N - 1)
        c12 = (s12 - N * m1 * m2) / (N - 1)
        self.var = (v1 + v2 + 4 * c12) / T


def _extrapolated(values: np.ndarray) -> tuple[float, float]:

    return richardson(list(values), ORDER)


def _jackknife(rows: np.ndarray, stat, paths: int):

    return jackknife(rows, stat, paths)


def estimate_current_mean_rate(model: LinearSDE, current: Current, paths: int, seed: int, dt: float | None = None,
                               duration: float | None = None, method: str = "exact") -> tuple[Estimate, float, float]:
    r"""Monte Carlo estimate of a current's mean rate, from independent stationary paths.

    Parameters
    ----------
    model : LinearSDE
        Numeric and stationary.
    current : Current
        Numeric, written for the model's variables.
    paths : int
        Independent paths (the jackknife groups them).
    seed : int
    dt : float, optional
        Simulation step (default 1/20 of the fastest relaxation time).
    duration : float, optional
        Recorded time per path (default 20 slowest relaxation times; rounded up to whole
        groups of 16 steps).
    method : {"exact", "euler", "heun"}
        The simulation scheme.

    Returns
    -------
    (Estimate, float, float)
        The estimate (its error includes the extrapolation's remaining bias), the step
        and the recorded duration.

    Examples
    --------
    >>> from thermotheory import LinearSDE
    >>> m = LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> e, step, T = estimate_current_mean_rate(m, Current.heat(m, "z1"), paths=256, seed=1)
    >>> bool(abs(e.z(0.5)) <= 4)  # the heat rate of the sensor z1 is 1/2
    True
    """
    step, steps, burn = _checked(model, current, paths, seed, dt, duration, method)
    T = steps * step
    rows = _moments(_sums(model, [current], paths, seed, step, steps, burn, method), 1)
    return _jackknife(rows, lambda t: _extrapolated(_Stats(t, 1, T).mean[0]), paths), step, T


def estimate_current_variance_rate(model: LinearSDE, current: Current, paths: int, seed: int,
                                   dt: float | None = None, duration: float | None = None,
                                   method: str = "exact") -> tuple[Estimate, float, float]:
    r"""Monte Carlo estimate of a current's variance rate :math:`2 D_J = \lim \operatorname{Var}(J_t)/t`.

    Batch means over long independent stationary paths (module docstring): the variance
    of the current over each path and over its halves, so that the boundary term
    cancels, extrapolated in the step.

    Parameters
    ----------
    model, current, paths, seed, dt, duration, method
        As for :func:`estimate_current_mean_rate`.

    Returns
    -------
    (Estimate, float, float)
        The estimate, the step and the recorded duration.

    Examples
    --------
    The integral of an OU process, :math:`2 D \tau^2 = 2`:

    >>> from thermotheory import LinearSDE
    >>> ou = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> e, step, T = estimate_current_variance_rate(ou, Current.time_integral(ou, "z0"), paths=512, seed=3)
    >>> bool(abs(e.z(2.0)) <= 4)
    True
    """
    step, steps, burn = _checked(model, current, paths, seed, dt, duration, method)
    T = steps * step
    rows = _moments(_sums(model, [current], paths, seed, step, steps, burn, method), 1)
    return _jackknife(rows, lambda t: _extrapolated(_Stats(t, 1, T).var[0]), paths), step, T


def estimate_uncertainty_ratio(model: LinearSDE, current: Current, paths: int, seed: int, dt: float | None = None,
                               duration: float | None = None, method: str = "exact",
                               entropy_rate: Any = None) -> tuple[Estimate, float, float]:
    r"""Monte Carlo estimate of the uncertainty ratio :math:`2 D_J \Sigma / (2 \bar J^2)`.

    Mean and variance rate of the current as in :func:`estimate_current_variance_rate`;
    the entropy production rate :math:`\Sigma` is the mean rate of the medium's entropy
    flow (:meth:`Current.heat` of all variables, plus the constant entropy pumping of a
    declared feedback force) on the same paths, unless
    ``entropy_rate`` is given (a number: the rate of a model written in a moving frame).
    The error of the ratio comes from the jackknife over the same groups of paths.

    Returns
    -------
    (Estimate, float, float)

    Examples
    --------
    >>> from thermotheory import LinearSDE
    >>> m = LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> e, _, _ = estimate_uncertainty_ratio(m, Current.heat(m, "z1"), paths=256, seed=2)
    >>> bool(e.value > 1 - 4 * e.stderr)  # the bound: ratio >= 1
    True
    """
    step, steps, burn = _checked(model, current, paths, seed, dt, duration, method)
    T = steps * step
    currents = [current] if entropy_rate is not None else [current, _entropy_flow(model)]
    if entropy_rate is not None:
        sigma = float(entropy_rate)
        if not (math.isfinite(sigma) and sigma > 0):
            raise ModelError(f"entropy_rate: expected a positive finite rate but found {entropy_rate!r}")
    rows = _moments(_sums(model, currents, paths, seed, step, steps, burn, method), len(currents))

    def stat(t):
        st = _Stats(t, len(currents), T)
        mean, bm = _extrapolated(st.mean[0])
        var, bv = _extrapolated(st.var[0])
        if entropy_rate is not None:
            sig, bs = sigma, 0.0
        else:
            sig, bs = _extrapolated(st.mean[1])
        value = var * sig / (2 * mean**2)
        bias = value * math.sqrt((bv / var) ** 2 + (bs / sig) ** 2 + (2 * bm / mean) ** 2) if var and sig else 0.0
        return value, bias

    return _jackknife(rows, stat, paths), step, T


def _entropy_flow(model: LinearSDE) -> Current:
    """The medium's entropy flow of all variables, plus a declared feedback's entropy pumping as a constant rate."""
    heat = Current.heat(model)
    fb = feedback_array(model)
    if fb is None:
        return heat
    pump = -float(np.trace(fb))  # a constant of a linear feedback force
    return Current(heat.variables, heat.G, heat.g0, heat.H, heat.c, heat.c0 + pump, heat.symbol)
