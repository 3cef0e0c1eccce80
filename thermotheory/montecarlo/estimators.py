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

(The implementations live in :mod:`thermotheory.result` (the :class:`Estimate` type),
:mod:`.samples` (iid samples), :mod:`.observers` (streaming path observers), :mod:`.paths`
(recorded paths) and :mod:`.regression` (transfer entropy and filter error); this module
gathers them.)
"""

from __future__ import annotations

from ..result import Estimate, _satterthwaite, _with_bias, normal_equivalent_z, per_path, pooled, ratio
from .observers import Extrapolated, FittedGaussian, InformationFlow, MediumEntropyFlow, Paired, SystemEntropyChange
from .paths import (_is_nonlinear, _model_arrays, _nonlinear_heat, _run_on, entropy_production_rate, heat, heat_rate,
                    information_flow, time_scales)
from .regression import (TransferEntropyMoments, _moment_pairs, _paired_batches, filter_error,
                         filter_error_from_moments, filter_error_from_pairs, filter_rates, transfer_entropy_from_moments,
                         transfer_entropy_from_pairs, transfer_entropy_observer, transfer_entropy_rate)
from .samples import (_batched, _ksg, _logdet_cov, gaussian_conditional_mutual_information, gaussian_entropy,
                      gaussian_mutual_information, ksg_mutual_information, sample_covariance)

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
