"""Estimators with standard errors (``thermotheory.estimate``).

Re-exports :mod:`thermotheory.montecarlo.estimators`; see there for the bias and error
control of each estimator.
"""

from .montecarlo.estimators import (
    Estimate,
    Extrapolated,
    Paired,
    TransferEntropyMoments,
    filter_error,
    filter_error_from_pairs,
    filter_rates,
    transfer_entropy_from_pairs,
    transfer_entropy_rate,
    FittedGaussian,
    InformationFlow,
    MediumEntropyFlow,
    entropy_production_rate,
    gaussian_conditional_mutual_information,
    gaussian_entropy,
    gaussian_mutual_information,
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
    "transfer_entropy_from_pairs",
    "transfer_entropy_rate",
    "FittedGaussian",
    "InformationFlow",
    "MediumEntropyFlow",
    "entropy_production_rate",
    "gaussian_conditional_mutual_information",
    "gaussian_entropy",
    "gaussian_mutual_information",
    "heat_rate",
    "information_flow",
    "ksg_mutual_information",
    "per_path",
    "pooled",
    "ratio",
    "SystemEntropyChange",
    "sample_covariance",
]
