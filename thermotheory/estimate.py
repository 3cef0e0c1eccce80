"""Estimators with standard errors (``thermotheory.estimate``).

Called, ``tt.estimate(model, tt.heat_rate.of(r), paths=..., seed=...)`` makes the estimate
that :func:`tt.verify <thermotheory.verify>` makes (the estimator table's row for the model's
kind, its default paths, step and bias treatment) and returns the
:class:`~thermotheory.montecarlo.uncertainty.Estimate` (see :func:`thermotheory.verify.estimate`).
As a module it re-exports the estimators of :mod:`thermotheory.montecarlo.estimators`; see
there for the bias and error control of each estimator.

The per-path estimators named after a quantity (``heat``, ``heat_rate``, ``information_flow``,
``entropy_production_rate``, ``transfer_entropy_rate``, ``filter_error``) estimate from
trajectories you simulated yourself, with no extrapolation in the step; reached from here
they are deprecated (a second public path with another bias treatment than ``tt.estimate``):
import them from :mod:`thermotheory.montecarlo.paths` and
:mod:`thermotheory.montecarlo.regression`.
"""

import sys as _sys
import types as _types

from .verify import estimate as _estimate

from .montecarlo.estimators import (
    Estimate,
    Extrapolated,
    Paired,
    TransferEntropyMoments,
    filter_error_from_pairs,
    filter_rates,
    time_scales,
    transfer_entropy_observer,
    transfer_entropy_from_pairs,
    FittedGaussian,
    InformationFlow,
    MediumEntropyFlow,
    gaussian_conditional_mutual_information,
    gaussian_entropy,
    gaussian_mutual_information,
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
    "filter_error_from_pairs",
    "filter_rates",
    "time_scales",
    "transfer_entropy_observer",
    "transfer_entropy_from_pairs",
    "FittedGaussian",
    "InformationFlow",
    "MediumEntropyFlow",
    "gaussian_conditional_mutual_information",
    "gaussian_entropy",
    "gaussian_mutual_information",
    "ksg_mutual_information",
    "per_path",
    "pooled",
    "ratio",
    "SystemEntropyChange",
    "sample_covariance",
]


_PER_PATH = {
    "heat": "thermotheory.montecarlo.paths",
    "heat_rate": "thermotheory.montecarlo.paths",
    "information_flow": "thermotheory.montecarlo.paths",
    "entropy_production_rate": "thermotheory.montecarlo.paths",
    "transfer_entropy_rate": "thermotheory.montecarlo.regression",
    "filter_error": "thermotheory.montecarlo.regression",
}


def __getattr__(name):
    """``tt.estimate.heat_rate`` and the other per-path estimators: deprecated here (one release)."""
    if name in _PER_PATH:
        import importlib
        import warnings

        from .core.checks import user_stacklevel

        home = _PER_PATH[name]
        warnings.warn(
            f"thermotheory.estimate.{name} is deprecated: tt.estimate(model, tt.{name}.of(...)) makes the estimate "
            f"tt.verify makes (extrapolated in the step); the per-path estimator of your own trajectories is "
            f"{home}.{name}",
            DeprecationWarning,
            stacklevel=user_stacklevel(),
        )
        return getattr(importlib.import_module(home), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(_types.ModuleType):
    """``thermotheory.estimate``: a module that is also the function :func:`thermotheory.verify.estimate`."""

    def __call__(self, *args, **kwargs):
        return _estimate(*args, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
