"""The result of a Monte Carlo estimate: a value, its standard error and the degrees of freedom of that error.

:class:`Estimate` and the elementary estimators built on independent paths (:func:`per_path`,
:func:`ratio`, :func:`pooled`). This module imports nothing of the simulation (nor does
:mod:`thermotheory.montecarlo` on its own), so that any module above ``montecarlo`` (a
model's own estimator, a derivation's check) can hold an estimate without simulating.
(It was ``thermotheory.result``, whose names still work there, with a ``DeprecationWarning``, for one
release.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy.special import ndtri_exp

from ..errors import ModelError

__all__ = ["Estimate", "normal_equivalent_z", "per_path", "ratio", "pooled"]


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
    from scipy import stats  # scipy.stats takes 0.2 s to import: only when a z is asked for

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
