"""Estimators with standard errors, computed from samples and trajectories.

None of these calls a closed form of thermotheory: densities are fitted to the samples
(empirical mean and covariance), and heat and information flow are path integrals of
the model's drift along simulated paths.

Bias and error control
----------------------
- Static quantities (covariance, Gaussian entropy and mutual information) use iid
  samples; the standard error comes from ``batches`` batch means. The plug-in Gaussian
  mutual information is biased upwards by about ``k_X k_Y / (2 N)`` nats for N samples.
- Rates use per-path time averages over independent paths, so the standard error is the
  spread over paths divided by ``sqrt(paths)``. The Stratonovich (midpoint) heat and the
  forward-difference information flow have a bias of order ``dt / tau`` relative to the
  value (tau the fastest relaxation time): keep ``dt`` well below the fastest time scale.
  Their error falls as ``1 / sqrt(paths * duration)``.
  :class:`Extrapolated` cancels that bias order by order (Richardson extrapolation along
  the same paths) and can estimate what remains from one more, coarser step.
- Every :class:`Estimate` carries its degrees of freedom: ``batches - 1`` for batch means,
  ``paths - 1`` for per-path means. :meth:`Estimate.z` converts the t statistic with those
  degrees of freedom to the normal deviate with the same tail probability, so a test
  ``|z| <= z_max`` has the nominal false-failure rate of a standard normal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy import stats
from scipy.special import digamma, ndtri_exp

from ..errors import ModelError

__all__ = [
    "Estimate",
    "normal_equivalent_z",
    "per_path",
    "pooled",
    "ratio",
    "sample_covariance",
    "gaussian_entropy",
    "gaussian_mutual_information",
    "gaussian_conditional_mutual_information",
    "ksg_mutual_information",
    "MediumEntropyFlow",
    "InformationFlow",
    "SystemEntropyChange",
    "TransferEntropyMoments",
    "transfer_entropy_rate",
    "filter_error",
    "transfer_entropy_from_pairs",
    "filter_error_from_pairs",
    "filter_rates",
    "time_scales",
    "transfer_entropy_observer",
    "Paired",
    "Extrapolated",
    "FittedGaussian",
    "heat_rate",
    "information_flow",
    "entropy_production_rate",
]


def normal_equivalent_z(t: float, dof: float) -> float:
    """The standard normal deviate with the same tail probability as ``t`` under Student's t with ``dof``.

    ``sign(t) * Phi^-1(1 - F_dof(|t|))``, computed from log tail probabilities so that it
    stays finite far in the tail; ``dof = inf`` returns ``t``. A t statistic from 20 batch
    means (``dof = 19``) of 4 has the tail of a normal 3.36.

    Examples
    --------
    >>> round(normal_equivalent_z(4.0, 19), 4)
    3.3647
    >>> normal_equivalent_z(-2.5, float("inf"))
    -2.5
    """
    t, dof = float(t), float(dof)
    if not dof > 0:
        raise ModelError(f"dof: expected positive degrees of freedom but found {dof}")
    if math.isinf(dof) or math.isnan(t) or t == 0:
        return t
    return math.copysign(float(-ndtri_exp(stats.t.logsf(abs(t), dof))), t)


def _satterthwaite(parts: Sequence[tuple[float, float]]) -> float:
    """Welch–Satterthwaite degrees of freedom of a sum of variances ``(variance, dof)``."""
    total = sum(v for v, _ in parts)
    denom = sum(v * v / d for v, d in parts if v > 0 and not math.isinf(d))
    return math.inf if denom == 0 else total * total / denom


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error, the number of independent units behind it and its degrees of freedom.

    ``dof`` (default infinite: a normal error) says how well ``stderr`` itself is known:
    ``batches - 1`` for batch means, ``paths - 1`` for a mean over paths.

    Examples
    --------
    >>> e = Estimate(1.02, 0.01, 100)
    >>> round(e.z(1.0), 6)
    2.0
    >>> round(Estimate(1.04, 0.01, 20000, dof=19).z(1.0), 4)  # t = 4 from 20 batch means
    3.3647
    """

    value: Any
    stderr: Any
    n: int
    dof: float = math.inf

    def t(self, theory: float) -> float:
        """The studentised difference ``(value - theory) / stderr``."""
        if self.stderr == 0:
            return 0.0 if self.value == theory else math.copysign(math.inf, self.value - theory)
        return float((self.value - theory) / self.stderr)

    def z(self, theory: float) -> float:
        """The z-score: :meth:`t` converted to the normal deviate with the same tail probability.

        With ``dof`` degrees of freedom ``(value - theory) / stderr`` follows Student's t, not
        a normal; see :func:`normal_equivalent_z`. For an infinite ``dof`` it is ``t`` itself.
        """
        return normal_equivalent_z(self.t(theory), self.dof)


def _with_bias(value: float, stderr: float, n: int, dof: float, bias: float) -> Estimate:
    """An estimate whose standard error also holds an estimated bias ``bias`` (in quadrature, as known)."""
    se = float(np.hypot(stderr, bias))
    return Estimate(value, se, n, _satterthwaite([(stderr**2, dof), (bias**2, math.inf)]))


def per_path(values: np.ndarray, bias: np.ndarray | None = None) -> Estimate:
    """Mean over independent paths with the standard error of the mean (``paths - 1`` degrees of freedom).

    ``bias``, when given, holds per-path estimates of the mean's remaining bias (for
    example the second column of :class:`Extrapolated` with ``residual=True``): the size
    of their mean is added in quadrature to the standard error.

    Examples
    --------
    >>> import numpy as np
    >>> per_path(np.array([1.0, 2.0, 3.0])).value
    2.0
    >>> per_path(np.array([1.0, 2.0, 3.0]), bias=np.full(3, 0.75)).stderr  # hypot(0.577..., 0.75)
    0.9464847243000456
    """
    values = np.asarray(values, float)
    if values.size < 2:
        raise ModelError("a standard error needs at least two independent paths")
    se = float(values.std(ddof=1) / np.sqrt(values.size))
    b = 0.0 if bias is None else float(np.mean(bias))
    return _with_bias(float(values.mean()), se, int(values.size), values.size - 1, b)


def ratio(num: np.ndarray, den: np.ndarray, num_bias: np.ndarray | None = None,
          den_bias: np.ndarray | None = None) -> Estimate:
    """Ratio of two per-path means, with a delta-method standard error from the paired values.

    ``num_bias`` and ``den_bias``, when given, are per-path estimates of the bias of each
    mean (see :func:`per_path`); the ratio's bias to first order is added in quadrature.

    Examples
    --------
    >>> import numpy as np
    >>> round(ratio(np.array([1.0, 1.2, 0.8]), np.array([2.0, 2.0, 2.0])).value, 12)
    0.5
    """
    num, den = np.asarray(num, float), np.asarray(den, float)
    r = num.mean() / den.mean()
    resid = num - r * den
    se = float(resid.std(ddof=1) / (abs(den.mean()) * np.sqrt(num.size)))
    bn = 0.0 if num_bias is None else float(np.mean(num_bias))
    bd = 0.0 if den_bias is None else float(np.mean(den_bias))
    return _with_bias(float(r), se, int(num.size), num.size - 1, (bn - r * bd) / den.mean())


def pooled(estimates: Sequence[Estimate]) -> Estimate:
    """Combine estimates made on the same paths with independently fitted densities.

    The value is their mean; the standard error adds the paths' error to the spread
    between the fits (the density's own sampling error), so neither is left out. The
    degrees of freedom combine the estimates' own and the fits' ``k - 1`` (Welch–Satterthwaite).

    Examples
    --------
    >>> e = pooled([Estimate(1.0, 0.1, 50), Estimate(1.2, 0.1, 50)])
    >>> round(e.value, 12), round(e.stderr, 6)
    (1.1, 0.141421)
    """
    vals = np.array([e.value for e in estimates], float)
    path_se = float(np.mean([e.stderr for e in estimates]))
    spread = float(vals.std(ddof=1) / np.sqrt(vals.size)) if vals.size > 1 else 0.0
    dof = _satterthwaite([(path_se**2, min(e.dof for e in estimates)), (spread**2, vals.size - 1)])
    return Estimate(float(vals.mean()), float(np.hypot(path_se, spread)), estimates[0].n, dof)


def _batched(samples: np.ndarray, batches: int, stat) -> Estimate:
    samples = np.asarray(samples, float)
    if samples.ndim != 2:
        raise ModelError(f"samples: expected an (N, n) array but found shape {samples.shape}")
    N = samples.shape[0]
    if batches < 2 or N < 2 * batches:
        raise ModelError(f"need at least {2 * batches} samples for {batches} batches but found {N}")
    value = stat(samples)
    parts = np.array([stat(chunk) for chunk in np.array_split(samples, batches)])
    return Estimate(value, parts.std(axis=0, ddof=1) / np.sqrt(batches), N, batches - 1)


def sample_covariance(samples: np.ndarray, batches: int = 20) -> Estimate:
    """Covariance matrix of iid samples (rows), with batch-means standard errors per entry.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((20000, 2))
    >>> bool(abs(sample_covariance(x).value[0, 0] - 1) < 0.05)
    True
    """
    return _batched(samples, batches, lambda s: np.cov(s, rowvar=False).reshape(s.shape[1], s.shape[1]))


def _logdet_cov(s: np.ndarray, idx: Sequence[int]) -> float:
    if not idx:
        return 0.0
    C = np.atleast_2d(np.cov(s[:, list(idx)], rowvar=False))
    sign, val = np.linalg.slogdet(C)
    if sign <= 0:
        raise ModelError("the sample covariance is singular")
    return float(val)


def gaussian_entropy(samples: np.ndarray, idx: Sequence[int] | None = None, batches: int = 20) -> Estimate:
    """Entropy (nats) of the Gaussian fitted to the samples' columns ``idx``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((20000, 1))
    >>> e = gaussian_entropy(x)
    >>> bool(abs(e.value - 0.5 * np.log(2 * np.pi * np.e)) < 4 * e.stderr)
    True
    """
    idx = list(range(np.shape(samples)[1])) if idx is None else list(idx)
    k = len(idx)
    return _batched(samples, batches, lambda s: 0.5 * (k * np.log(2 * np.pi * np.e) + _logdet_cov(s, idx)))


def gaussian_mutual_information(samples: np.ndarray, x: Sequence[int], y: Sequence[int], batches: int = 20) -> Estimate:
    """Mutual information (nats) of the Gaussian fitted to the samples, between columns ``x`` and ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.standard_normal(50000)
    >>> s = np.column_stack([a, a + rng.standard_normal(50000)])
    >>> e = gaussian_mutual_information(s, [0], [1])  # exact: ln(2)/2
    >>> bool(abs(e.value - np.log(2) / 2) < 4 * e.stderr)
    True
    """
    x, y = list(x), list(y)
    return _batched(samples, batches, lambda s: 0.5 * (_logdet_cov(s, x) + _logdet_cov(s, y) - _logdet_cov(s, x + y)))


def gaussian_conditional_mutual_information(
    samples: np.ndarray, x: Sequence[int], y: Sequence[int], z: Sequence[int], batches: int = 20
) -> Estimate:
    """Conditional mutual information I(X;Y|Z) (nats) of the Gaussian fitted to the samples.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.random.default_rng(0).standard_normal((20000, 3))
    >>> e = gaussian_conditional_mutual_information(s, [0], [1], [2])
    >>> bool(abs(e.value) < 4 * e.stderr + 1e-3)
    True
    """
    x, y, z = list(x), list(y), list(z)
    return _batched(
        samples,
        batches,
        lambda s: 0.5 * (_logdet_cov(s, x + z) + _logdet_cov(s, y + z) - _logdet_cov(s, z) - _logdet_cov(s, x + y + z)),
    )


def _ksg(s: np.ndarray, x: list[int], y: list[int], k: int) -> float:
    from scipy.spatial import cKDTree

    xs, ys = s[:, x], s[:, y]
    joint = np.column_stack([xs, ys])
    N = s.shape[0]
    eps = cKDTree(joint).query(joint, k=k + 1, p=np.inf)[0][:, -1]
    radius = np.nextafter(eps, 0)  # strictly closer than the k-th neighbour
    nx = cKDTree(xs).query_ball_point(xs, radius, p=np.inf, return_length=True) - 1
    ny = cKDTree(ys).query_ball_point(ys, radius, p=np.inf, return_length=True) - 1
    return float(digamma(k) + digamma(N) - np.mean(digamma(nx + 1) + digamma(ny + 1)))


def ksg_mutual_information(
    samples: np.ndarray, x: Sequence[int], y: Sequence[int], k: int = 3, batches: int = 10
) -> Estimate:
    """Non-parametric mutual information (nats): Kraskov–Stögbauer–Grassberger estimator 1.

    ``I = psi(k) + psi(N) - <psi(n_x + 1) + psi(n_y + 1)>`` with max-norm neighbour
    counts from KD-trees. Its bias shrinks with N and is small for smooth densities;
    the standard error comes from batch means (each batch has its own, larger bias, so
    the error bar is conservative).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> a = rng.standard_normal(20000)
    >>> s = np.column_stack([a, a + rng.standard_normal(20000)])
    >>> e = ksg_mutual_information(s, [0], [1])
    >>> bool(abs(e.value - np.log(2) / 2) < 0.02)
    True
    """
    if k < 1:
        raise ModelError(f"k: expected a positive number of neighbours but found {k}")
    x, y = list(x), list(y)
    return _batched(samples, batches, lambda s: _ksg(s, x, y, k))


# -- streaming path integrals -------------------------------------------------------------
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
    """

    def __init__(self, A, b, D, parity, idx: Sequence[int], dt: float, per_time: bool = True) -> None:
        A, D = np.asarray(A, float), np.asarray(D, float)
        self.E = np.asarray(parity, float)
        E = np.diag(self.E)
        A_irr = (A + E @ A @ E) / 2
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


def heat(traj, model, Y=None) -> Estimate:
    """Heat released into the medium over the recorded paths (as entropy, Q/T), from their start.

    The Stratonovich sum of :class:`MediumEntropyFlow` without dividing by time, so it
    measures the heat of a transient or of a protocol ``b(t)`` (time 0 is the first
    record). ``Y`` (default: all variables) picks the subsystem. For a nonlinear
    :class:`~thermotheory.SDE` (additive noise, even variables) the sum is
    ``sum f_i(z_mid) dz_i / D_i`` over the recorded steps.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, Gaussian, simulate
    >>> from thermotheory.estimate import heat
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
        return per_path(_nonlinear_heat(traj, model, Y, per_time=False))
    A, _, D = model._arrays
    b = model.drive if not model.is_autonomous else model.arrays()[1]
    idx = range(model.dimension) if Y is None else model.indices(Y)
    return per_path(_run_on(traj, MediumEntropyFlow(A, b, D, model.parity, idx, traj.dt, per_time=False)))


def heat_rate(traj, model, Y) -> Estimate:
    """Heat rate of ``Y`` (entropy flow into the medium per unit time) from recorded stationary paths.

    Works for a :class:`~thermotheory.LinearSDE` and for a nonlinear
    :class:`~thermotheory.SDE` with additive noise and even variables (see :func:`heat`).

    Examples
    --------
    >>> from thermotheory import LinearSDE, simulate
    >>> from thermotheory.estimate import heat_rate
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> tr = simulate(m, t_end=5.0, dt=0.01, paths=200, seed=0, burn_in=5.0)
    >>> e = heat_rate(tr, m, "z0")  # equilibrium: zero within its error
    >>> bool(abs(e.value) < 4 * e.stderr)
    True
    """
    if _is_nonlinear(model):
        return per_path(_nonlinear_heat(traj, model, Y, per_time=True))
    A, b, D = _model_arrays(model)
    return per_path(_run_on(traj, MediumEntropyFlow(A, b, D, model.parity, model.indices(Y), traj.dt)))


def entropy_production_rate(traj, model, density: FittedGaussian | None = None) -> Estimate:
    """Entropy production rate from recorded stationary paths: Stratonovich heat plus system entropy change.

    Per path, the entropy flow into the medium of all variables plus the change of
    ``-ln p(z)`` between the first and last state, divided by the duration; ``p`` is a
    Gaussian fitted to all recorded states unless given.

    Examples
    --------
    >>> from thermotheory import LinearSDE, simulate
    >>> from thermotheory.estimate import entropy_production_rate
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


def information_flow(traj, model, into, density: FittedGaussian | None = None) -> Estimate:
    """Information flow into ``into`` from recorded stationary paths.

    The density ``p`` is a Gaussian fitted to all recorded states unless given.

    Examples
    --------
    >>> from thermotheory import LinearSDE, simulate
    >>> from thermotheory.estimate import information_flow
    >>> m = LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> tr = simulate(m, t_end=20.0, dt=0.01, paths=200, seed=0, burn_in=10.0)
    >>> e = information_flow(tr, m, "z1")  # the closed form gives 0.2
    >>> bool(abs(e.value - 0.2) < 4 * e.stderr)
    True
    """
    if density is None:
        density = FittedGaussian(traj.states.reshape(-1, traj.states.shape[-1]))
    return per_path(_run_on(traj, InformationFlow(density, model.indices(into), traj.dt)))


def time_scales(A: np.ndarray, needed_by: str = "Monte Carlo checks of stationary quantities") -> tuple[float, float]:
    """Fastest and slowest relaxation times of a stable drift matrix, from its eigenvalues."""
    ev = np.linalg.eigvals(np.asarray(A, float))
    if np.max(ev.real) >= 0:
        raise ModelError(f"{needed_by} need a stable drift matrix")
    return float(1 / np.max(np.abs(ev))), float(1 / np.min(-ev.real))


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
    >>> from thermotheory.estimate import transfer_entropy_rate
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
    >>> from thermotheory.estimate import filter_error
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    >>> tr = tt.simulate(m, t_end=30.0, dt=0.01, paths=400, seed=2, burn_in=10.0)
    >>> e = filter_error(tr, m, "z0", "z1")
    >>> bool(abs(e.z(tt.filter_error(m, "z0", "z1"))) <= 4)
    True
    """
    g, src, tgt = _moment_pairs(traj, model, hidden, observed, warmup_time)
    return filter_error_from_pairs(g[:, 0], g[:, 1], len(src), len(tgt), batches)
