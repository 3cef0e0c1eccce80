"""Estimators from iid samples: covariance, Gaussian entropy and mutual information (batch means), KSG.

The plug-in Gaussian mutual information is biased upwards by about ``k_X k_Y / (2 N)`` nats
for N samples; the standard error comes from ``batches`` batch means (``batches - 1``
degrees of freedom).
"""

from __future__ import annotations


from collections.abc import Sequence

import numpy as np
from scipy.special import digamma

from ..errors import ModelError
from .uncertainty import Estimate

__all__ = ["sample_covariance", "gaussian_entropy", "gaussian_mutual_information",
           "gaussian_conditional_mutual_information", "ksg_mutual_information"]


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
