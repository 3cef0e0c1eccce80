"""Estimators from recorded paths: heat, heat rate, entropy production rate and information flow.

Rates are per-path time averages over independent paths (standard error: the spread over
paths over ``sqrt(paths)``). The Stratonovich (midpoint) heat and the forward-difference
information flow have a bias of order ``dt / tau`` relative to the value (``tau`` the fastest
relaxation time): keep ``dt`` well below the fastest time scale.
"""

from __future__ import annotations

import numpy as np

from ..core._compat import deprecated_keywords
from ..errors import ModelError
from .uncertainty import Estimate, per_path
from .observers import FittedGaussian, InformationFlow, MediumEntropyFlow, SystemEntropyChange

__all__ = ["heat", "heat_rate", "entropy_production_rate", "information_flow", "time_scales"]


def _run_on(traj, observer) -> np.ndarray:
    if traj.record_every != 1:
        raise ModelError("path integrals need every step: simulate with record_every=1")
    if np.isnan(traj.states).any():
        raise ModelError("the trajectories hold unrecorded states")
    for k in range(len(traj.times) - 1):
        observer.step(traj.states[k], traj.states[k + 1])
    return observer.result()


def _is_nonlinear(model) -> bool:
    from ..core.sde import SDE

    return isinstance(model, SDE)


def _nonlinear_heat(traj, model, Y, per_time: bool) -> np.ndarray:
    """Per-path Stratonovich heat of ``Y`` for a nonlinear SDE with additive noise and even variables.

    ``sum_k sum_{i in Y} f_i(z_mid) (z_i(t_k+1) - z_i(t_k)) / D_i`` over the recorded steps
    (the records need not be every integration step; the midpoint rule's bias is of order
    the record spacing over the fastest time scale).
    """
    if not model.is_numeric:
        raise ModelError("estimators need a numeric model: substitute values first")
    if not model.additive:
        raise ModelError("the heat estimator for a nonlinear SDE needs additive (state-independent) noise")
    idx = list(range(model.dimension)) if Y is None else model.indices(Y)
    if any(model.parity[i] != 1 for i in idx):
        raise ModelError("the heat estimator for a nonlinear SDE needs even (+1 parity) variables")
    f, Dfun = model.compile()
    states = traj.states
    if np.isnan(states).any():
        raise ModelError("the trajectories hold unrecorded states")
    D = Dfun(states[0])[0][idx]
    if np.any(D <= 0):
        raise ModelError("every variable whose heat is estimated needs noise (a positive diffusion)")
    total = np.zeros(states.shape[1])
    for k in range(len(traj.times) - 1):
        mid = (states[k] + states[k + 1]) / 2
        total += ((f(mid)[:, idx] / D) * (states[k + 1][:, idx] - states[k][:, idx])).sum(axis=1)
    return total / (traj.times[-1] - traj.times[0]) if per_time else total


def _model_arrays(model):
    if not model.is_numeric:
        raise ModelError("estimators need a numeric model: substitute values first")
    A, b, D = model.arrays()
    return A, b, D


@deprecated_keywords("montecarlo.paths.heat")
def heat(traj, model, subsystem=None) -> Estimate:
    """Heat released into the medium over the recorded paths (as entropy, Q/T), from their start.

    The Stratonovich sum of :class:`MediumEntropyFlow` without dividing by time, so it
    measures the heat of a transient or of a protocol ``b(t)`` (time 0 is the first
    record). ``subsystem`` (default: all variables) picks the variables. For a nonlinear
    :class:`~thermotheory.SDE` (additive noise, even variables) the sum is
    ``sum f_i(z_mid) dz_i / D_i`` over the recorded steps.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, Gaussian, simulate
    >>> from thermotheory.montecarlo.paths import heat
    >>> x, s = sp.symbols("x s", real=True)
    >>> trap = LinearSDE({x: -(x - s)}, {x: 1}, time=s)  # dragged at unit speed
    >>> tr = simulate(trap, t_end=2.0, dt=0.01, paths=2000, seed=0, initial=Gaussian([0.0], [[1.0]]))
    >>> e = heat(tr, trap)  # the closed form: t - 3/2 + 2 exp(-t) - exp(-2t) / 2 = 0.76159
    >>> bool(abs(e.value - 0.76159) < 4 * e.stderr)
    True
    """
    if not model.is_numeric:
        raise ModelError("estimators need a numeric model: substitute values first")
    if _is_nonlinear(model):
        return per_path(_nonlinear_heat(traj, model, subsystem, per_time=False))
    A, _, D = model.arrays(allow_protocol=True)
    b = model.drive if not model.is_autonomous else model.arrays()[1]
    idx = range(model.dimension) if subsystem is None else model.indices(subsystem)
    return per_path(_run_on(traj, MediumEntropyFlow(A, b, D, model.parity, idx, traj.dt, per_time=False)))


@deprecated_keywords("montecarlo.paths.heat_rate")
def heat_rate(traj, model, subsystem) -> Estimate:
    """Heat rate of ``subsystem`` (entropy flow into the medium per unit time) from recorded stationary paths.

    Works for a :class:`~thermotheory.LinearSDE` and for a nonlinear
    :class:`~thermotheory.SDE` with additive noise and even variables (see :func:`heat`).

    Examples
    --------
    >>> from thermotheory import LinearSDE, simulate
    >>> from thermotheory.montecarlo.paths import heat_rate
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> tr = simulate(m, t_end=5.0, dt=0.01, paths=200, seed=0, burn_in=5.0)
    >>> e = heat_rate(tr, m, "z0")  # equilibrium: zero within its error
    >>> bool(abs(e.value) < 4 * e.stderr)
    True
    """
    if _is_nonlinear(model):
        return per_path(_nonlinear_heat(traj, model, subsystem, per_time=True))
    A, b, D = _model_arrays(model)
    return per_path(_run_on(traj, MediumEntropyFlow(A, b, D, model.parity, model.indices(subsystem), traj.dt)))


def entropy_production_rate(traj, model, density: FittedGaussian | None = None) -> Estimate:
    """Entropy production rate from recorded stationary paths: Stratonovich heat plus system entropy change.

    Per path, the entropy flow into the medium of all variables plus the change of
    ``-ln p(z)`` between the first and last state, divided by the duration; ``p`` is a
    Gaussian fitted to all recorded states unless given.

    Examples
    --------
    >>> from thermotheory import LinearSDE, simulate
    >>> from thermotheory.montecarlo.paths import entropy_production_rate
    >>> m = LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> tr = simulate(m, t_end=20.0, dt=0.01, paths=200, seed=0, burn_in=10.0)
    >>> e = entropy_production_rate(tr, m)  # the closed form gives 0.5
    >>> bool(abs(e.value - 0.5) < 4 * e.stderr)
    True
    """
    A, b, D = _model_arrays(model)
    if density is None:
        density = FittedGaussian(traj.states.reshape(-1, traj.states.shape[-1]))
    medium = _run_on(traj, MediumEntropyFlow(A, b, D, model.parity, range(model.dimension), traj.dt))
    return per_path(medium + _run_on(traj, SystemEntropyChange(density, traj.dt)))


@deprecated_keywords("montecarlo.paths.information_flow")
def information_flow(traj, model, subsystem, density: FittedGaussian | None = None) -> Estimate:
    """Information flow into ``subsystem`` from recorded stationary paths.

    The density ``p`` is a Gaussian fitted to all recorded states unless given.

    Examples
    --------
    >>> from thermotheory import LinearSDE, simulate
    >>> from thermotheory.montecarlo.paths import information_flow
    >>> m = LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> tr = simulate(m, t_end=20.0, dt=0.01, paths=200, seed=0, burn_in=10.0)
    >>> e = information_flow(tr, m, "z1")  # the closed form gives 0.2
    >>> bool(abs(e.value - 0.2) < 4 * e.stderr)
    True
    """
    if density is None:
        density = FittedGaussian(traj.states.reshape(-1, traj.states.shape[-1]))
    return per_path(_run_on(traj, InformationFlow(density, model.indices(subsystem), traj.dt)))


def time_scales(A: np.ndarray, needed_by: str = "Monte Carlo checks of stationary quantities") -> tuple[float, float]:
    """Fastest and slowest relaxation times of a stable drift matrix, from its eigenvalues."""
    ev = np.linalg.eigvals(np.asarray(A, float))
    if np.max(ev.real) >= 0:
        raise ModelError(f"{needed_by} need a stable drift matrix")
    return float(1 / np.max(np.abs(ev))), float(1 / np.min(-ev.real))
