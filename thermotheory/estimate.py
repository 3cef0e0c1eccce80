"""Estimators with standard errors (``thermotheory.estimate``).

Called, ``tt.estimate(model, tt.heat_rate.of(r), paths=..., seed=...)`` makes the estimate
that :func:`tt.verify <thermotheory.verify>` makes (the estimator table's row for the model's
kind, its default paths, step and bias treatment) and returns the
:class:`~thermotheory.montecarlo.uncertainty.Estimate` (see :func:`thermotheory.verify.estimate`).
As a module it re-exports the estimators of :mod:`thermotheory.montecarlo.estimators`; see
there for the bias and error control of each estimator.
"""

import sys as _sys
import types as _types

from .verify import estimate as _estimate

from .montecarlo.estimators import (
    Estimate,
    Extrapolated,
    Paired,
    TransferEntropyMoments,
    filter_error,
    filter_error_from_pairs,
    filter_rates,
    time_scales,
    transfer_entropy_observer,
    transfer_entropy_from_pairs,
    transfer_entropy_rate,
    FittedGaussian,
    InformationFlow,
    MediumEntropyFlow,
    entropy_production_rate,
    gaussian_conditional_mutual_information,
    gaussian_entropy,
    gaussian_mutual_information,
    heat,
    heat_rate,
    information_flow,
    ksg_mutual_information,
    per_path,
    pooled,
    ratio,
    SystemEntropyChange,
    sample_covariance,
)

__all__ = [
    "Estimate",
    "Extrapolated",
    "Paired",
    "TransferEntropyMoments",
    "filter_error",
    "filter_error_from_pairs",
    "filter_rates",
    "time_scales",
    "transfer_entropy_observer",
    "transfer_entropy_from_pairs",
    "transfer_entropy_rate",
    "FittedGaussian",
    "InformationFlow",
    "MediumEntropyFlow",
    "entropy_production_rate",
    "gaussian_conditional_mutual_information",
    "gaussian_entropy",
    "gaussian_mutual_information",
    "heat",
    "heat_rate",
    "information_flow",
    "ksg_mutual_information",
    "per_path",
    "pooled",
    "ratio",
    "SystemEntropyChange",
    "sample_covariance",
]


class _CallableModule(_types.ModuleType):
    """``thermotheory.estimate``: a module that is also the function :func:`thermotheory.verify.estimate`."""

    def __call__(self, *args, **kwargs):
        return _estimate(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
