"""Transfer entropy rate and filter error from paths: regressions of the target's increments on filters of its past.

The features are exponential filters of the target's (and source's) past at the drift's
relaxation rates (:func:`filter_rates`); Gram matrices at steps ``dt`` and ``2 dt`` give the
estimates and their step-size correction, with batch-means errors over independent paths.
"""

from __future__ import annotations


from collections.abc import Sequence

import numpy as np

from ..errors import ModelError
from .uncertainty import Estimate
from .observers import Paired
from .paths import _model_arrays, _run_on, time_scales

__all__ = ["TransferEntropyMoments", "transfer_entropy_from_moments", "transfer_entropy_from_pairs",
           "filter_error_from_moments", "filter_error_from_pairs", "filter_rates", "transfer_entropy_observer",
           "transfer_entropy_rate", "filter_error"]


class TransferEntropyMoments:
    """Per-path regression moments for the transfer entropy rate from ``source`` to ``target``.

    Features of the target's past: a constant, ``y_t`` and exponential filters
    ``f_k <- exp(-kappa_k dt) f_k + (1 - exp(-kappa_k dt)) y`` for a grid of rates
    (the steady optimal filter of a linear model is a combination of such filters; a
    complex rate, for oscillating modes, gives the real and imaginary parts as two features);
    then the source's present ``x_t``. Accumulates, per path, the Gram matrix of
    ``[features, x_t, dy]`` after a warm-up of ``warmup`` steps.
    """

    def __init__(self, source: Sequence[int], target: Sequence[int], kappas: Sequence[complex], dt: float,
                 warmup: int) -> None:
        self.x, self.y = list(source), list(target)
        kappas = np.asarray(kappas, complex)
        self.complex = np.abs(kappas.imag) > 0  # damped oscillating filters: real and imaginary parts
        self.decay = np.exp(-kappas * dt) if self.complex.any() else np.exp(-kappas.real * dt)
        self.dt, self.warmup = dt, warmup
        self.filters: np.ndarray | None = None
        self.gram: np.ndarray | float = 0.0
        self.steps = 0

    def step(self, z_old: np.ndarray, z_new: np.ndarray) -> None:
        y_old = z_old[:, self.y]
        if self.filters is None:
            self.filters = np.repeat(y_old[:, None, :], self.decay.size, axis=1)
        self.filters = self.decay[None, :, None] * self.filters + (1 - self.decay)[None, :, None] * y_old[:, None, :]
        self.steps += 1
        if self.steps <= self.warmup:
            return
        P = z_old.shape[0]
        feats = self.filters.real.reshape(P, -1)
        if self.complex.any():
            feats = np.concatenate([feats, self.filters[:, self.complex].imag.reshape(P, -1)], axis=1)
        cols = [np.ones((P, 1)), y_old, feats, z_old[:, self.x], z_new[:, self.y] - y_old]
        row = np.concatenate(cols, axis=1)
        self.gram = self.gram + row[:, :, None] * row[:, None, :]

    def result(self) -> np.ndarray:
        if self.steps <= self.warmup:
            raise ModelError(f"no samples after the warm-up of {self.warmup} steps: simulate for longer")
        return np.asarray(self.gram)


def transfer_entropy_from_moments(gram: np.ndarray, n_source: int, n_target: int, dt: float) -> float:
    """Transfer entropy rate from summed regression moments (see :class:`TransferEntropyMoments`).

    ``1/2 ln(det Var(dy | past of y) / det Var(dy | past of y, x_t)) / dt``, the residual
    covariances from least squares on the Gram matrix.
    """
    k = gram.shape[0] - n_target
    feats_without = [i for i in range(k) if i < k - n_source]

    def residual(cols):
        G = gram[np.ix_(cols, cols)]
        C = gram[np.ix_(cols, range(k, k + n_target))]
        beta = np.linalg.lstsq(G, C, rcond=None)[0]
        return gram[k:, k:] - C.T @ beta

    without, with_x = residual(feats_without), residual(list(range(k)))
    return 0.5 * (np.linalg.slogdet(without)[1] - np.linalg.slogdet(with_x)[1]) / dt


def _paired_batches(stat, grams_fine: np.ndarray, grams_coarse: np.ndarray, batches: int) -> Estimate:
    """``stat(fine, coarse)`` on all paths, with its error from ``batches`` batches of independent paths."""
    parts = [stat(f, c) for f, c in zip(np.array_split(grams_fine, batches), np.array_split(grams_coarse, batches))]
    return Estimate(stat(grams_fine, grams_coarse), float(np.std(parts, ddof=1) / np.sqrt(batches)),
                    grams_fine.shape[0], batches - 1)


def filter_error_from_moments(gram: np.ndarray, n_source: int, n_target: int) -> np.ndarray:
    """Error covariance of the best linear estimate of the source's present from the target's past."""
    k = gram.shape[0] - n_target
    feats, src = list(range(k - n_source)), list(range(k - n_source, k))
    G = gram[np.ix_(feats, feats)]
    C = gram[np.ix_(feats, src)]
    resid = gram[np.ix_(src, src)] - C.T @ np.linalg.lstsq(G, C, rcond=None)[0]
    return resid / gram[0, 0]  # gram[0, 0] counts the samples (constant feature)


def filter_error_from_pairs(grams_fine: np.ndarray, grams_coarse: np.ndarray, n_source: int, n_target: int,
                            batches: int = 20) -> Estimate:
    """Filter error variance of one hidden variable from per-path moments, Richardson-extrapolated in ``dt``."""
    if n_source != 1:
        raise ModelError("the filter error is estimated for one hidden variable at a time")

    def fe(fine, coarse):
        return float(2 * filter_error_from_moments(fine.sum(0), 1, n_target)[0, 0]
                     - filter_error_from_moments(coarse.sum(0), 1, n_target)[0, 0])

    return _paired_batches(fe, grams_fine, grams_coarse, batches)


def transfer_entropy_from_pairs(grams_fine: np.ndarray, grams_coarse: np.ndarray, n_source: int, n_target: int,
                                dt: float, batches: int = 20) -> Estimate:
    """Transfer entropy rate from per-path moments at steps ``dt`` and ``2 dt``, Richardson-extrapolated.

    The standard error comes from batches of independent paths.
    """
    def te(fine, coarse):
        return (2 * transfer_entropy_from_moments(fine.sum(0), n_source, n_target, dt)
                - transfer_entropy_from_moments(coarse.sum(0), n_source, n_target, 2 * dt))

    return _paired_batches(te, grams_fine, grams_coarse, batches)


def filter_rates(A: np.ndarray) -> np.ndarray:
    """Rates of the exponential filters used as features of a target's past.

    A geometric grid from 0.2 / (slowest relaxation time) to 5 / (fastest), together with
    the drift's own relaxation rates (its open-loop modes), and its complex rates when
    it has oscillating modes (then the array is complex).
    """
    fast, slow = time_scales(A, "the regression estimators")
    ev = -np.linalg.eigvals(np.asarray(A, float))
    rates = ev.real
    real = np.unique(np.round(np.concatenate([np.geomspace(0.2 / slow, 5 / fast, 8), rates[rates > 0]]), 12))
    oscillating = np.unique(np.round(ev[(ev.imag > 1e-9 * np.abs(ev)) & (ev.real > 0)], 12))
    return np.concatenate([real, oscillating]) if oscillating.size else real


def transfer_entropy_observer(source: Sequence[int], target: Sequence[int], A: np.ndarray, dt: float,
                              warmup: int) -> Paired:
    """Regression moments of the target's past at steps ``dt`` and ``2 dt`` (warm-ups of ``warmup`` and half)."""
    kappas = filter_rates(A)
    return Paired(lambda h: TransferEntropyMoments(source, target, kappas, h, warmup if h == dt else warmup // 2), dt)


def _moment_pairs(traj, model, source, target, warmup_time: float | None):
    A = _model_arrays(model)[0]
    src, tgt = model.indices(source), model.indices(target)
    steps = len(traj.times) - 1
    slow = time_scales(A, "the regression estimators")[1]
    warm = int(np.ceil((5 * slow if warmup_time is None else warmup_time) / traj.dt))
    if warm >= steps // 2:
        raise ModelError(f"the paths are too short: {steps} steps for a warm-up of {warm}; record for longer")
    g = _run_on(traj, transfer_entropy_observer(src, tgt, A, traj.dt, warm))
    return g, src, tgt


def transfer_entropy_rate(traj, model, source, target, warmup_time: float | None = None,
                          batches: int = 20) -> Estimate:
    """Transfer entropy rate from ``source`` to ``target`` from recorded stationary paths.

    Least squares of the target's increments on features of its past (see
    :class:`TransferEntropyMoments`), with and without the source's present,
    Richardson-extrapolated from steps ``dt`` and ``2 dt``. Keep the transfer entropy per
    step (rate x dt) below about 0.02 nats; the error comes from batches of paths.

    Examples
    --------
    >>> import thermotheory as tt
    >>> from thermotheory.montecarlo.regression import transfer_entropy_rate
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> tr = tt.simulate(m, t_end=30.0, dt=0.01, paths=400, seed=2, burn_in=10.0)
    >>> e = transfer_entropy_rate(tr, m, "z0", "z1")
    >>> bool(abs(e.z(tt.transfer_entropy_rate(m, "z0", "z1"))) <= 4)
    True
    """
    g, src, tgt = _moment_pairs(traj, model, source, target, warmup_time)
    return transfer_entropy_from_pairs(g[:, 0], g[:, 1], len(src), len(tgt), traj.dt, batches)


def filter_error(traj, model, hidden, observed, warmup_time: float | None = None, batches: int = 20) -> Estimate:
    """Error variance of the best estimate of one ``hidden`` variable from the ``observed`` paths.

    The residual variance of the hidden variable regressed on features of the observed
    past, Richardson-extrapolated in ``dt``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> from thermotheory.montecarlo.regression import filter_error
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> tr = tt.simulate(m, t_end=30.0, dt=0.01, paths=400, seed=2, burn_in=10.0)
    >>> e = filter_error(tr, m, "z0", "z1")
    >>> bool(abs(e.z(tt.filter_error(m, "z0", "z1"))) <= 4)
    True
    """
    g, src, tgt = _moment_pairs(traj, model, hidden, observed, warmup_time)
    return filter_error_from_pairs(g[:, 0], g[:, 1], len(src), len(tgt), batches)
