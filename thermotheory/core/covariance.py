r"""Stationary and transient moments of a linear SDE (the names, gathered from where they live).

Stationary covariance: :math:`A S + S A^T + 2D = 0`; transient:
:math:`\dot S = A S + S A^T + 2D`, :math:`\dot m = A m + b`.

The machinery is split along its concepts: :mod:`~thermotheory.core.state` (the stationary
state, cached per model), :mod:`~thermotheory.core.lyapunov` (numeric and symbolic Lyapunov
solvers, conditioning), :mod:`~thermotheory.core.moments` (transient mean and covariance,
the noise integral), :mod:`~thermotheory.core.expm` (the symbolic ``exp(At)``) and
:mod:`~thermotheory.core.protocols` (switching times of a protocol ``b(t)``). This module
keeps the names importable from ``thermotheory.core.covariance``.

Examples
--------
>>> from thermotheory.core.covariance import mean, stationary_covariance
>>> from thermotheory.core import moments, state
>>> mean is moments.mean and stationary_covariance is state.stationary_covariance
True
"""

from __future__ import annotations

from .expm import expm_symbolic
from .lyapunov import (
    MAX_PREDICTED_TERMS,
    MAX_SYMBOLIC_BLOCK,
    MAX_SYMBOLIC_UNKNOWNS,
    REFUSE_DIGITS_LOST,
    WARN_DIGITS_LOST,
    check_conditioning,
    digits_lost,
    solve_fraction_free,
)
from .moments import MAX_TRANSIENT_PREDICTED, covariance, mean, noise_integral
from .protocols import switching_times
from .state import require_stable, stationary_covariance, stationary_mean

__all__ = ["stationary_mean", "stationary_covariance", "covariance", "mean", "require_stable", "switching_times",
           "noise_integral", "expm_symbolic", "solve_fraction_free", "digits_lost", "check_conditioning",
           "WARN_DIGITS_LOST", "REFUSE_DIGITS_LOST", "MAX_SYMBOLIC_BLOCK", "MAX_SYMBOLIC_UNKNOWNS",
           "MAX_PREDICTED_TERMS", "MAX_TRANSIENT_PREDICTED"]
