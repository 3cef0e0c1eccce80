r"""Monte Carlo estimators of the information rates of stationary paths (no closed form is called).

Each ``estimate_<quantity>(model, *roles, paths=, seed=, dt=, duration=, method=)`` simulates
independent stationary paths of a numeric model (:func:`~thermotheory.montecarlo.simulate.simulate`,
streamed through block observers, nothing stored) and returns ``(Estimate, dt used, recorded
duration)``; the standard error is a jackknife over groups of blocks of paths, and the
estimate is Richardson-extrapolated from the steps ``dt`` and ``2 dt`` of the same paths.

``estimate_full_history_transfer_entropy_rate``
    Least squares of the target's increments on a constant, the present values and
    exponential filters of the past of the target, then of the source too (the filter rates
    span the drift's time scales, as for the present-source estimator):
    :math:`\tfrac12 \ln(\det V_{|Y} / \det V_{|X,Y}) / dt`.
``estimate_mutual_information_rate``
    Welch estimates of the spectral density matrix (Hann-windowed segments of
    :data:`SEGMENT_TIMES` slowest relaxation times, bins 2 and up, which the window keeps free
    of the mean) and the Riemann sum of :math:`-\ln \det(\hat S_{ZZ}) + \ln\det \hat S_{XX} +
    \ln\det \hat S_{YY}`, each log-determinant corrected for its complex-Wishart bias
    :math:`\sum_{j<p} \psi(K - j) - p \ln K` (``K`` segments).
``estimate_kl_divergence_rate``
    The same spectra, split into two independent halves of the paths ``a`` and ``b``: the
    integrand :math:`\operatorname{tr}(\hat S_R^{-1} \hat\Delta_a \hat S^{-1} \hat\Delta_b)`
    is then free of the noise bias of a squared estimate; the mean term from the paths'
    means and their spread (long-time covariance :math:`T \operatorname{cov}(\bar z)`).

These estimators live beside the closed forms for now; they import the Monte Carlo layer
only when called.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import digamma

from ..core._backend import NumOps
from ..core.checks import real_number
from ..core.model import LinearSDE, VariableSpec
from ..core.spectral._spectra import redundant, variable_sets
from ..errors import ModelError
from .blocks import jackknife
from .paths import time_scales
from .regression import filter_rates
from .simulate import BLOCK, simulate

__all__ = ["estimate_full_history_transfer_entropy_rate", "estimate_mutual_information_rate",
           "estimate_kl_divergence_rate", "HistoryRegressionMoments", "SpectralMoments", "SEGMENT_TIMES"]

#: Length of a Welch segment, in slowest relaxation times (the window's smoothing of the spectra
#: biases the rates by about 5% at 32 and 0.05% at 128 for a cascade of three unit rates).
SEGMENT_TIMES = 128.0
#: Longest Welch segment, in steps (the step grows to keep segments this short).
MAX_SEGMENT = 16384
#: Memory of the segment buffers of one chunk of paths, in bytes (sets the paths integrated together).
BUFFER_BYTES = 64 * 1024**2


def _numeric(model: LinearSDE, what: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(model, LinearSDE):
        raise ModelError(f"{what}: expected a LinearSDE but found {type(model).__name__}")
    if not model.is_numeric:
        raise ModelError(f"{what}: the estimators need a numeric model; substitute values with model.subs(values)")
    A, b, D = model.arrays()
    return np.asarray(A, float), np.asarray(b, float).reshape(-1), np.asarray(D, float)


def _settings(paths: Any, dt: Any, duration: Any, what: str) -> None:

    if isinstance(paths, (bool, np.bool_)) or not isinstance(paths, (int, np.integer)) or paths < 128:
        raise ModelError(f"{what}: paths: expected a whole number of at least 128 (two blocks of 64 for the "
                         f"jackknife) but found {paths!r}")
    for name, value in (("dt", dt), ("duration", duration)):
        if value is not None and not real_number(name, value) > 0:
            raise ModelError(f"{what}: {name}: expected a positive time but found {value!r}")


def _simulate(model, observers, paths, seed, method, dt, duration, burn, chunk_blocks: int = 8):

    # whole steps: simulate refuses a t_end that is not one
    tr = simulate(model, t_end=round(duration / dt) * dt or duration, dt=dt, paths=paths, seed=seed, method=method,
                  burn_in=burn, record=False, observers=observers, chunk_paths=chunk_blocks * BLOCK)
    return tr.observed


def _modal_rows(w: np.ndarray, V: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """States ``z = V w`` of ``rows`` as floats: (blocks, k, steps + 1, B)."""
    nb, n, m1, B = w.shape
    W = w.reshape(nb, n, m1 * B) if w.flags.c_contiguous else np.ascontiguousarray(w).reshape(nb, n, m1 * B)
    z = np.matmul(np.asarray(V)[list(rows)].astype(w.dtype), W)
    return z.reshape(nb, len(rows), m1, B).astype(float)


# -- the full-history transfer entropy: regressions on filters of both pasts ----------------------
class HistoryRegressionMoments:
    """Per-block Gram matrices of ``[1, y, filters of y, x, filters of x, dy]`` at steps ``dt`` and ``2 dt``.

    The filters ``f <- a f + (1 - a) z`` (``a = exp(-kappa h)``) run over the target ``y`` and
    the source ``x``; a complex rate gives the real and imaginary parts. Samples are
    accumulated after ``warmup`` steps (``warmup // 2`` at ``2 dt``).
    """

    per_block = True

    def __init__(self, source: Sequence[int], target: Sequence[int], kappas: Any, dt: float, warmup: int) -> None:
        self.x, self.y = list(source), list(target)
        kappas = np.asarray(kappas, complex)
        self.kappas = kappas if np.any(np.abs(kappas.imag) > 0) else kappas.real
        self.levels = [_HistoryLevel(self, dt, int(warmup)), _HistoryLevel(self, 2 * dt, int(warmup) // 2)]
        self.count = 0
        self.carry: np.ndarray | None = None

    def block(self, w: np.ndarray, V: np.ndarray) -> None:
        z = _modal_rows(w, V, self.y + self.x)  # rows: target first, then source
        m = z.shape[2] - 1
        self.levels[0].feed(z)
        start = (-self.count) % 2
        sel = z[:, :, start::2, :]
        if start > 0 and self.carry is not None:
            sel = np.concatenate([self.carry[:, :, None, :], sel], axis=2)
        if sel.shape[2] >= 1:
            self.carry = sel[:, :, -1, :].copy()
        if sel.shape[2] >= 2:
            self.levels[1].feed(sel)
        self.count += m

    def result(self) -> np.ndarray:
        if any(level.gram is None for level in self.levels):
            raise ModelError("no samples after the filters' warm-up: simulate for longer")
        nb = self.levels[0].gram.shape[0]
        return np.concatenate([level.gram.reshape(nb, -1) for level in self.levels], axis=1)

    def feature_counts(self) -> tuple[int, int]:
        """Columns of the target-only features and of all features (the increments follow)."""
        nf = self.kappas.size + int(np.sum(np.abs(np.imag(self.kappas)) > 0))
        ny, nx = len(self.y), len(self.x)
        return 1 + ny * (1 + nf), 1 + (ny + nx) * (1 + nf)


class _HistoryLevel:
    def __init__(self, outer: HistoryRegressionMoments, h: float, warmup: int) -> None:
        self.outer, self.warmup = outer, warmup
        self.decay = np.exp(-outer.kappas * h)
        self.filters: np.ndarray | None = None
        self.seen = 0
        self.gram: np.ndarray | None = None

    def feed(self, seq: np.ndarray) -> None:
        """``seq``: (blocks, ny + nx, q + 1, B) consecutive states of this level."""
        outer = self.outer
        ny, nx = len(outer.y), len(outer.x)
        nb, k, q1, B = seq.shape
        q = q1 - 1
        if q < 1:
            return
        if self.filters is None:
            self.filters = np.repeat(seq[:, None, :, 0, :], self.decay.size, axis=1).astype(self.decay.dtype)
        a = self.decay[None, :, None, None]
        drive = (1 - self.decay)[None, :, None, None]
        filt = np.empty((q,) + self.filters.shape, dtype=self.decay.dtype)
        f = self.filters
        for s in range(q):
            f = a * f + drive * seq[:, None, :, s, :]
            filt[s] = f
        self.filters = f
        cplx = np.abs(np.imag(self.decay)) > 0

        def group(rows: slice) -> list[np.ndarray]:
            parts = [seq[:, rows, :q, :]]
            fr = filt[:, :, :, rows, :].transpose(1, 2, 3, 0, 4)  # (nb, nf, rows, q, B)
            parts.append(fr.real.reshape(nb, -1, q, B))
            if cplx.any():
                parts.append(fr[:, cplx].imag.reshape(nb, -1, q, B))
            return parts

        cols = [np.ones((nb, 1, q, B))] + group(slice(0, ny)) + group(slice(ny, ny + nx))
        cols.append(seq[:, :ny, 1:, :] - seq[:, :ny, :q, :])
        X = np.concatenate(cols, axis=1)
        skip = max(0, min(q, self.warmup - self.seen))
        self.seen += q
        if skip >= q:
            return
        M = np.ascontiguousarray(X[:, :, skip:, :]).reshape(nb, X.shape[1], -1)
        g = np.matmul(M, M.transpose(0, 2, 1))
        self.gram = g if self.gram is None else self.gram + g


def _residual_logdet(gram: np.ndarray, cols: int, ny: int) -> float:
    """``ln det`` of the residual covariance of the last ``ny`` columns regressed on the first ``cols``."""
    k = gram.shape[0] - ny
    G = gram[:cols, :cols]
    C = gram[:cols, k:]
    resid = gram[k:, k:] - C.T @ np.linalg.lstsq(G, C, rcond=None)[0]
    sign, logdet = np.linalg.slogdet(resid)
    if sign <= 0:
        raise ModelError("the regression residuals are degenerate: simulate more paths")
    return float(logdet)


def estimate_full_history_transfer_entropy_rate(model: LinearSDE, source: VariableSpec, target: VariableSpec, *,
                                                paths: int, seed: int, dt: float | None = None,
                                                duration: float | None = None, method: str = "exact"):
    r"""Monte Carlo estimate of :func:`~thermotheory.core.spectral.full_history_transfer_entropy_rate`.

    Regressions of the target's increments on the past of the target, then of target and
    source (present values and exponential filters at the drift's rates and a geometric grid
    around them), at steps ``dt`` and ``2 dt``, extrapolated to ``dt -> 0``. Defaults: ``dt``
    1/50 of the fastest relaxation time, ``duration`` 20 slowest times (after a burn-in of 5
    and a filter warm-up of 5). Keep the rate times ``dt`` below about 0.02 nats.

    Returns
    -------
    (Estimate, float, float)
        The estimate (jackknife error over groups of blocks of paths), the step and the
        recorded duration.

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0], variables=["v", "x"])
    >>> e, dt, T = estimate_full_history_transfer_entropy_rate(m, "v", "x", paths=256, seed=1, duration=10.0)
    >>> bool(abs(e.z(0.5 * (2 ** 0.5 - 1))) <= 4)  # (sqrt 2 - 1) / 2
    True
    """

    what = "the full-history transfer entropy estimator"
    A, _, D = _numeric(model, what)
    _settings(paths, dt, duration, what)
    X, Y = variable_sets(model, (source, target), ("source", "target"))
    fast, slow = time_scales(A, what)
    step = float(dt) if dt is not None else fast / 50
    duration = float(duration) if duration is not None else 20 * slow
    warm = int(np.ceil(5 * slow / step))
    kappas = filter_rates(A)
    probe = HistoryRegressionMoments(X, Y, kappas, step, warm)
    own, every = probe.feature_counts()
    ny = len(Y)
    observed = _simulate(model, {"g": lambda: HistoryRegressionMoments(X, Y, kappas, step, warm)}, paths, seed,
                         method, step, duration + warm * step, 5 * slow)
    size = every + ny

    def stat(total: np.ndarray) -> float:
        out = []
        for level, h in enumerate((step, 2 * step)):
            gram = total[level * size * size:(level + 1) * size * size].reshape(size, size)
            out.append(0.5 * (_residual_logdet(gram, own, ny) - _residual_logdet(gram, every, ny)) / h)
        return 2 * out[0] - out[1]

    return jackknife(observed["g"], stat, paths), step, duration


# -- spectra: Welch segments at steps dt and 2 dt, in two halves of the paths ----------------------
class SpectralMoments:
    """Per-block sums of Hann-windowed cross-periodograms of ``rows``, and of the paths' means.

    Segments of ``length`` states (an even number) at the step ``dt`` and, from every other
    state, of ``length / 2`` states at ``2 dt``; for each, the sums of :math:`X_k X_k^H` over
    bins ``k = 2 .. length/2 - 1`` (bins 0 and 1 hold the window's transform of the mean),
    separately for the two halves of each block's paths. ``spectral`` picks the rows (positions
    in ``rows``) whose spectra are kept; the means are of all rows.
    """

    per_block = True

    def __init__(self, rows: Sequence[int], spectral: Sequence[int], length: int) -> None:
        if length % 2 or length < 16:
            raise ModelError(f"a Welch segment needs an even number of at least 16 states, not {length}")
        self.rows, self.spectral, self.L = list(rows), list(spectral), int(length)
        self.windows = [np.hanning(self.L + 1)[:-1], np.hanning(self.L // 2 + 1)[:-1]]
        self.buffer: np.ndarray | None = None
        self.fill = 0
        self.first = True
        self.sums: list[np.ndarray] | None = None
        self.segments = 0
        self.path_sums: np.ndarray | None = None
        self.samples = 0

    @staticmethod
    def bins(length: int) -> int:
        """Bins kept from a segment of ``length`` states: ``2 .. length/2 - 1``."""
        return length // 2 - 2

    def block(self, w: np.ndarray, V: np.ndarray) -> None:
        z = _modal_rows(w, V, self.rows)
        if self.first:
            self.first = False
        else:
            z = z[:, :, 1:, :]
        nb, k, m, B = z.shape
        if self.buffer is None:
            self.buffer = np.empty((nb, k, self.L, B))
            self.path_sums = np.zeros((nb, k, B))
            ks = len(self.spectral)
            self.sums = [np.zeros((nb, 2, self.bins(L), ks, ks), complex) for L in (self.L, self.L // 2)]
        self.path_sums += z.sum(axis=2)
        self.samples += m
        pos = 0
        while pos < m:
            take = min(m - pos, self.L - self.fill)
            self.buffer[:, :, self.fill:self.fill + take, :] = z[:, :, pos:pos + take, :]
            self.fill += take
            pos += take
            if self.fill == self.L:
                self._segment()
                self.fill = 0

    def _segment(self) -> None:
        seg = self.buffer[:, self.spectral]
        half = seg.shape[-1] // 2
        for level, (data, window) in enumerate(((seg, self.windows[0]), (seg[:, :, ::2, :], self.windows[1]))):
            L = data.shape[2]
            F = np.fft.rfft(data * window[None, None, :, None], axis=2)[:, :, 2:L // 2, :]
            for part, sl in enumerate((slice(0, half), slice(half, None))):
                Fp = F[..., sl]
                self.sums[level][:, part] += np.einsum("bifp,bjfp->bfij", Fp, Fp.conj())
        self.segments += 1

    def result(self) -> np.ndarray:
        if self.sums is None or self.segments == 0:
            raise ModelError(f"no complete Welch segment of {self.L} steps was recorded: simulate for longer")
        nb, k, B = self.path_sums.shape
        means = self.path_sums / self.samples  # (nb, k, B)
        first = means.sum(axis=2)
        second = np.einsum("bip,bjp->bij", means, means)
        parts = []
        for S in self.sums:
            parts += [S.real.reshape(nb, -1), S.imag.reshape(nb, -1)]
        count = np.full((nb, 1), float(self.segments * B))  # (segment, path) pairs, both halves
        return np.concatenate(parts + [first, second.reshape(nb, -1), np.full((nb, 1), float(B)), count], axis=1)


class _Spectra:
    """Reads the summed rows of :class:`SpectralMoments`."""

    def __init__(self, total: np.ndarray, k_all: int, k_spec: int, length: int) -> None:
        pos = 0
        self.levels = []
        for L in (length, length // 2):
            nbin = SpectralMoments.bins(L)
            size = 2 * nbin * k_spec * k_spec
            re = total[pos:pos + size].reshape(2, nbin, k_spec, k_spec)
            im = total[pos + size:pos + 2 * size].reshape(2, nbin, k_spec, k_spec)
            self.levels.append(re + 1j * im)
            pos += 2 * size
        self.first = total[pos:pos + k_all]
        self.second = total[pos + k_all:pos + k_all + k_all * k_all].reshape(k_all, k_all)
        self.paths = total[-2]
        self.pairs = total[-1]  # (segment, path) pairs over both halves


def _riemann(values: np.ndarray, segment_time: float) -> float:
    r""":math:`\int_0^{\pi/h} f\, d\omega` from bins ``2 .. M - 1`` (spacing :math:`2\pi/T_{seg}`).

    The two ends, :math:`[0, 1.5\,\Delta\omega]` and the half bin below the Nyquist frequency,
    take the value of their nearest bin.
    """
    dw = 2 * np.pi / segment_time
    return float(dw * (values.sum() + 1.5 * values[0] + 0.5 * values[-1]))


def _wishart_bias(p: int, K: float) -> float:
    r""":math:`E \ln\det \hat S - \ln\det S` for a complex Wishart average of ``K`` samples in ``p`` dimensions."""
    return float(sum(digamma(K - j) for j in range(p)) - p * math.log(K))


def _logdets(S: np.ndarray) -> np.ndarray:
    sign, val = np.linalg.slogdet(S)
    if np.any(sign.real <= 0):
        raise ModelError("an estimated spectral density is singular: simulate more paths or longer")
    return val


def _spectral_setup(A: np.ndarray, dt: Any, duration: Any) -> tuple[float, int, float, float]:
    """``(step, segment length in steps, recorded duration, burn-in)`` of a spectral estimate."""

    fast, slow = time_scales(A, "the spectral estimators")
    T_seg = SEGMENT_TIMES * slow
    step = float(dt) if dt is not None else max(fast / 20, T_seg / MAX_SEGMENT)
    length = max(16, 2 * int(round(T_seg / step / 2)))
    T_seg = length * step
    duration = float(duration) if duration is not None else 2 * T_seg
    if duration < T_seg:
        raise ModelError(f"duration: the spectral estimators need at least one Welch segment of {T_seg:g} "
                         f"({SEGMENT_TIMES:g} slowest relaxation times) but found {duration:g}")
    return step, length, duration, 10 * slow


def _chunk_blocks(rows: int, length: int) -> int:
    """Blocks of paths per chunk so that the segment buffers stay within :data:`BUFFER_BYTES`."""

    return int(max(1, min(8, BUFFER_BYTES // (rows * length * BLOCK * 8))))


def estimate_mutual_information_rate(model: LinearSDE, X: VariableSpec, Y: VariableSpec, *, paths: int, seed: int,
                                     dt: float | None = None, duration: float | None = None, method: str = "exact"):
    r"""Monte Carlo estimate of :func:`~thermotheory.core.spectral.mutual_information_rate` from Welch spectra.

    :math:`\frac{1}{2\pi}\int_0^{\pi/dt} [-\ln\det \hat S_{ZZ} + \ln\det \hat S_{XX} + \ln\det \hat S_{YY}]
    d\omega` over Hann-windowed segments of 128 slowest relaxation times (each log-determinant
    corrected for its complex-Wishart bias), at steps ``dt`` and ``2 dt`` of the same paths,
    extrapolated to ``dt -> 0``. Defaults: ``dt`` 1/20 of the fastest relaxation time (longer
    when a segment would exceed :data:`MAX_SEGMENT` steps), ``duration`` two segments.

    Returns
    -------
    (Estimate, float, float)

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0], variables=["s", "x"])
    >>> e, dt, T = estimate_mutual_information_rate(m, "s", "x", paths=256, seed=3)
    >>> bool(abs(e.z(0.5 * (2 ** 0.5 - 1))) <= 4)  # Tostevin & ten Wolde: (sqrt(1 + g^2 D_s / D_x) - 1) / 2
    True
    """

    what = "the mutual information rate estimator"
    A, _, D = _numeric(model, what)
    _settings(paths, dt, duration, what)
    Xi, Yi = variable_sets(model, (X, Y), ("X", "Y"))
    Xk, _ = redundant(model, Xi, A, D)
    Yk, _ = redundant(model, Yi, A, D)
    if not Xk or not Yk:
        raise ModelError(f"{what}: X or Y has no noise reaching it (a constant in the stationary state)")
    step, length, duration, burn = _spectral_setup(A, dt, duration)
    rows = Xk + Yk
    observed = _simulate(model, {"s": lambda: SpectralMoments(rows, list(range(len(rows))), length)}, paths, seed,
                         method, step, duration, burn, _chunk_blocks(len(rows), length))
    kx, kz = len(Xk), len(rows)

    def stat(total: np.ndarray) -> float:
        spec = _Spectra(total, kz, kz, length)
        K = spec.pairs
        bias = _wishart_bias(kz, K) - _wishart_bias(kx, K) - _wishart_bias(kz - kx, K)
        out = []
        for level, h in enumerate((step, 2 * step)):
            S = spec.levels[level].sum(axis=0) / K
            f = -(_logdets(S) - _logdets(S[:, :kx, :kx]) - _logdets(S[:, kx:, kx:])) + bias
            out.append(_riemann(f, length * step) / (2 * np.pi))
        return 2 * out[0] - out[1]

    return jackknife(observed["s"], stat, paths), step, duration


def estimate_kl_divergence_rate(model: LinearSDE, observed: VariableSpec | None = None, *, paths: int, seed: int,
                                dt: float | None = None, duration: float | None = None, method: str = "exact"):
    r"""Monte Carlo estimate of :func:`~thermotheory.core.spectral.kl_divergence_rate` from Welch spectra.

    The symmetrised Whittle integrand :math:`\operatorname{tr}(\hat S_R^{-1}\hat\Delta_a \hat S^{-1}\hat\Delta_b)`
    (``a``, ``b`` the two halves of the paths, so that the product of the two independent
    estimates of :math:`\Delta = S - E S^T E` is unbiased), integrated over the bins at steps
    ``dt`` and ``2 dt`` and extrapolated to ``dt -> 0``; plus
    :math:`\tfrac12 \Delta \bar m^T \hat S_R(0)^{-1} \Delta \bar m` when an odd observed variable
    has a mean, with :math:`\hat S(0) = T \operatorname{cov}(\bar z)` over paths (its own noise
    bias removed). Defaults as for :func:`estimate_mutual_information_rate`.

    Returns
    -------
    (Estimate, float, float)

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0], variables=["v", "x"])
    >>> e, dt, T = estimate_kl_divergence_rate(m, paths=256, seed=4)
    >>> bool(abs(e.z(0.5)) <= 4)  # every variable observed: the entropy production rate
    True
    """
    from ..core.spectral.reversal import _check_finite_structure

    what = "the KL divergence rate estimator"
    A, _, D = _numeric(model, what)
    _settings(paths, dt, duration, what)
    O = list(range(model.dimension)) if observed is None else variable_sets(model, (observed,), ("observed",))[0]

    kept = _check_finite_structure(model, NumOps, A, D, O)
    dropped = [i for i in O if i not in kept]
    step, length, duration, burn = _spectral_setup(A, dt, duration)
    spectral = [O.index(i) for i in kept]
    res = _simulate(model, {"s": lambda: SpectralMoments(O, spectral, length)}, paths, seed, method, step, duration,
                    burn, _chunk_blocks(len(O), length))
    eps = np.asarray(model.parity, float)
    E = np.diag(eps[kept])
    odd = 1 - eps[O]
    # combinations of the observed variables with no long-time fluctuations: the drifts of the dropped ones
    null = np.array([A[j, O] for j in dropped]).reshape(len(dropped), len(O))
    basis = np.eye(len(O)) if not dropped else np.linalg.svd(null)[2][np.linalg.matrix_rank(null):].T

    def stat(total: np.ndarray) -> float:
        spec = _Spectra(total, len(O), len(kept), length)
        half = spec.pairs / 2
        out = [0.0, 0.0]
        for level, h in enumerate((step, 2 * step) if len(kept) > 1 else ()):
            Sa, Sb = spec.levels[level][0] / half, spec.levels[level][1] / half
            S = (Sa + Sb) / 2
            R = E @ S.transpose(0, 2, 1) @ E
            da = Sa - E @ Sa.transpose(0, 2, 1) @ E
            db = Sb - E @ Sb.transpose(0, 2, 1) @ E
            left = np.linalg.solve(R, da) @ np.linalg.solve(S, db)
            right = np.linalg.solve(R, db) @ np.linalg.solve(S, da)
            g = 0.5 * np.trace(left + right, axis1=1, axis2=2).real
            out[level] = _riemann(g, length * step) / (4 * np.pi)
        value = 2 * out[0] - out[1]
        if np.any(odd > 0):
            P, T = spec.paths, duration
            mean = spec.first / P
            cov = (spec.second - P * np.outer(mean, mean)) / (P - 1)
            dm = basis.T @ (odd * mean)
            EO = np.diag(eps[O])
            R0 = basis.T @ (T * EO @ cov @ EO) @ basis
            Mo = basis.T @ np.diag(odd)
            value += 0.5 * float(dm @ np.linalg.solve(R0, dm))
            value -= 0.5 * float(np.trace(np.linalg.solve(R0, Mo @ (T * cov) @ Mo.T))) / (T * P)
        return value

    return jackknife(res["s"], stat, paths), step, duration
