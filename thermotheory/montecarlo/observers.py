"""Streaming path observers: per-path Stratonovich heat, system entropy change, information flow.

Each observer has ``step(z_old, z_new)`` (arrays of shape (paths, n)) and ``result()`` (one
number per path), so it runs inside :func:`~thermotheory.montecarlo.simulate.simulate` without
storing paths, or over recorded trajectories. :class:`Extrapolated` cancels the step-size bias
of an observer order by order (Richardson extrapolation along the same paths).
"""

from __future__ import annotations


from collections.abc import Sequence

import numpy as np

from ..errors import ModelError

__all__ = ["MediumEntropyFlow", "SystemEntropyChange", "FittedGaussian", "InformationFlow", "Paired", "Extrapolated"]


class MediumEntropyFlow:
    """Per-path entropy flow into the medium caused by the variables ``idx``, per unit time.

    Stratonovich (midpoint) sum of ``f_irr,Y(z_mid)^T D_YY^+ (dz_Y - f_rev,Y(z_mid) dt)``
    over the steps, divided by the elapsed time (or, with ``per_time=False``, the total
    over the steps). Summed over all variables this is the entropy production rate in
    the steady state.

    Parameters
    ----------
    A, D : (n, n) arrays
    b : (n,) array, or a callable mapping an array of times to ``(len(times), n)`` values
        The constant drift, or a protocol ``b(t)`` (for example ``model.drive``), read at
        each step's midpoint; time 0 is the first step.
    parity : sequence of +-1
    idx : sequence of int
        The variables whose heat is summed.
    dt : float
        The step between consecutive states.
    per_time : bool
        Divide by the elapsed time (a rate) or not (the heat over the whole path).
    feedback : (n, n) array, optional
        A declared feedback force's matrix (``LinearSDE(feedback=...)``): left out of the
        bath's friction, so the sum is the heat given to the bath.
    """

    def __init__(self, A, b, D, parity, idx: Sequence[int], dt: float, per_time: bool = True,
                 feedback: np.ndarray | None = None) -> None:
        A, D = np.asarray(A, float), np.asarray(D, float)
        self.E = np.asarray(parity, float)
        E = np.diag(self.E)
        A_bath = A if feedback is None else A - np.asarray(feedback, float)  # feedback is not the bath's friction
        A_irr = (A_bath + E @ A_bath @ E) / 2
        idx = list(idx)
        self.Ai, self.Ar = A_irr[idx], (A - A_irr)[idx]
        self.drive = b if callable(b) else None
        if self.drive is None:
            b = np.asarray(b, float)
            b_irr = (b + E @ b) / 2
            self.bi, self.br = b_irr[idx], (b - b_irr)[idx]
        D_YY = D[np.ix_(idx, idx)]
        self.Dp = np.linalg.pinv(D_YY, hermitian=True)
        self.idx, self.dt, self.per_time = idx, dt, per_time
        self.total: np.ndarray | float = 0.0
        self.steps = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        if self.drive is not None:
            b = self.drive([(self.steps + 0.5) * self.dt])[0]
            b_irr = (b + self.E * b) / 2
            self.bi, self.br = b_irr[self.idx], (b - b_irr)[self.idx]
        mid = (z_old + z_new) / 2
        f_irr = mid @ self.Ai.T + self.bi
        dz = z_new[:, self.idx] - z_old[:, self.idx] - (mid @ self.Ar.T + self.br) * self.dt
        self.total = self.total + ((f_irr @ self.Dp) * dz).sum(axis=1)
        self.steps += 1

    def result(self) -> np.ndarray:
        return np.asarray(self.total) / (self.steps * self.dt if self.per_time else 1.0)


class SystemEntropyChange:
    """Per-path change of the system entropy ``-ln p(z)`` between the first and last state, per unit time."""

    def __init__(self, density: "FittedGaussian", dt: float) -> None:
        self.density, self.dt = density, dt
        self.first: np.ndarray | None = None
        self.last: np.ndarray | None = None
        self.steps = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        if self.first is None:
            self.first = z_old.copy()
        self.last = z_new
        self.steps += 1

    def result(self) -> np.ndarray:
        return (self.density.log_density(self.first) - self.density.log_density(self.last)) / (self.steps * self.dt)


class FittedGaussian:
    """A Gaussian density fitted to samples: ``log p`` and marginal ``log p`` as quadratic forms."""

    def __init__(self, samples: np.ndarray) -> None:
        samples = np.asarray(samples, float)
        self.mean = samples.mean(axis=0)
        self.cov = np.atleast_2d(np.cov(samples, rowvar=False))
        self.precision = np.linalg.inv(self.cov)

    def log_density(self, Z: np.ndarray) -> np.ndarray:
        """``ln p(z)`` for states of shape (paths, n)."""
        d = np.atleast_2d(Z) - self.mean
        return -0.5 * (((d @ self.precision) * d).sum(axis=1) + np.linalg.slogdet(2 * np.pi * self.cov)[1])

    def marginal_precision(self, idx: Sequence[int]) -> np.ndarray:
        return np.linalg.inv(self.cov[np.ix_(list(idx), list(idx))])


class InformationFlow:
    """Per-path information flow into ``idx``: the change of ``ln p(x|y)`` when only ``y`` moves, per unit time.

    ``sum_k [g(x_k, y_{k+1}) - g(x_k, y_k)] / t`` with ``g = ln p(x|y)`` of a density
    fitted beforehand (:class:`FittedGaussian`).
    """

    def __init__(self, density: FittedGaussian, idx: Sequence[int], dt: float) -> None:
        self.m, self.P = density.mean, density.precision
        self.idx = list(idx)
        self.PY = density.marginal_precision(self.idx)
        self.dt = dt
        self.total: np.ndarray | float = 0.0
        self.steps = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        # g(x, y') - g(x, y) for the quadratic g = -d^T P d / 2 + d_Y^T P_Y d_Y / 2, d = z - m:
        # only the Y block of d moves, by e = y' - y.
        d = z_old - self.m
        e = z_new[:, self.idx] - z_old[:, self.idx]
        dy = d[:, self.idx]
        P_Y_rows = self.P[self.idx]
        change = -((d @ P_Y_rows.T) * e).sum(axis=1) - 0.5 * ((e @ self.P[np.ix_(self.idx, self.idx)]) * e).sum(axis=1)
        change += ((dy @ self.PY) * e).sum(axis=1) + 0.5 * ((e @ self.PY) * e).sum(axis=1)
        self.total = self.total + change
        self.steps += 1

    def result(self) -> np.ndarray:
        return np.asarray(self.total) / (self.steps * self.dt)


class Paired:
    """Runs an observer at step ``dt`` (every step) and at ``2 dt`` (every other state) on the same paths.

    ``make(dt)`` builds the observer for a step; the result stacks both results along
    axis 1, for estimators that combine them nonlinearly.
    """

    def __init__(self, make, dt: float) -> None:
        self.fine, self.coarse = make(dt), make(2 * dt)
        self.stash: np.ndarray | None = None
        self.parity = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        self.fine.step(z_old, z_new)
        if self.parity == 0:
            self.stash = z_old
        else:
            self.coarse.step(self.stash, z_new)
        self.parity ^= 1

    def result(self) -> np.ndarray:
        return np.stack([np.asarray(self.fine.result()), np.asarray(self.coarse.result())], axis=1)


class Extrapolated(Paired):
    """Richardson extrapolation of a path-integral observer along the same paths.

    ``make(h)`` is run at the steps ``h = dt, 2 dt, ..., 2^order dt`` (every ``h / dt``-th
    state) and the per-path results are combined to cancel the bias terms in ``dt, ...,
    dt^order``: the default ``order=1`` gives ``2 * fine - coarse``, ``order=2`` gives
    ``(8 f(dt) - 6 f(2 dt) + f(4 dt)) / 3``. The combination barely adds noise, because the
    paths are the same at every step.

    With ``residual=True`` one more, coarser step ``2^(order+1) dt`` gives the same
    extrapolation from ``2 dt``, and the result has two columns: the extrapolated value and
    an estimate of the bias it still has (the term in ``dt^(order+1)``),
    ``(E(dt) - E(2 dt)) / (1 - 2^(order+1))`` (see the ``bias`` of :func:`per_path`).

    Examples
    --------
    >>> import numpy as np
    >>> class Steps:  # a toy observer whose result is 1 + h + h^3: the bias of a step h
    ...     def __init__(self, h): self.h = h
    ...     def step(self, z_old, z_new): pass
    ...     def result(self): return np.array([1 + self.h + self.h ** 3])
    >>> Extrapolated(Steps, 0.1).result().round(12)  # the linear term cancelled, -6 h^3 left
    array([0.994])
    >>> Extrapolated(Steps, 0.1, order=2, residual=True).result().round(12)  # 8 h^3 left, and found
    array([[1.008, 0.008]])
    """

    def __init__(self, make, dt: float, order: int = 1, residual: bool = False) -> None:
        if order < 1:
            raise ModelError(f"order: expected a positive extrapolation order but found {order}")
        self.order, self.residual = int(order), bool(residual)
        self.levels = [make(dt * 2**k) for k in range(self.order + 1 + self.residual)]
        self.fine, self.coarse = self.levels[0], self.levels[1]
        self.stashes: list[np.ndarray | None] = [None] * len(self.levels)
        self.count = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        for k, observer in enumerate(self.levels):
            phase = self.count % (1 << k)
            if phase == 0:
                self.stashes[k] = z_old
            if phase == (1 << k) - 1:
                observer.step(self.stashes[k], z_new)
        self.count += 1

    def result(self) -> np.ndarray:
        table = [np.asarray(o.result(), float) for o in self.levels]
        for m in range(1, self.order + 1):  # Neville's table: column m cancels the term in dt^m
            table = [(2**m * table[k] - table[k + 1]) / (2**m - 1) for k in range(len(table) - 1)]
        if not self.residual:
            return table[0]
        return np.stack([table[0], (table[0] - table[1]) / (1 - 2 ** (self.order + 1))], axis=-1)
