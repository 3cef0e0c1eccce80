r"""Deprecated: the names of this module live in the modules of their concepts (one release).

Stationary covariance: :math:`A S + S A^T + 2D = 0`; transient:
:math:`\dot S = A S + S A^T + 2D`, :math:`\dot m = A m + b`.

Import them from where they live: :mod:`~thermotheory.core.state` (the stationary state,
cached per model: ``stationary_mean``, ``stationary_covariance``, ``require_stable``),
:mod:`~thermotheory.core.lyapunov` (numeric and symbolic Lyapunov solvers, conditioning),
:mod:`~thermotheory.core.moments` (transient ``mean`` and ``covariance``, the noise
integral), :mod:`~thermotheory.core.expm` (the symbolic ``exp(At)``) and
:mod:`~thermotheory.core.protocols` (switching times of a protocol ``b(t)``). Importing
Each name taken from here (``from thermotheory.core.covariance import mean``) warns
(``DeprecationWarning``) and gives the same object, for one release.
"""

from __future__ import annotations

from ._compat import moved_module

#: Each name of this module -> the module it lives in.
_HOMES = {
    **dict.fromkeys(["stationary_mean", "stationary_covariance", "require_stable"], "thermotheory.core.state"),
    **dict.fromkeys(["covariance", "mean", "noise_integral", "MAX_TRANSIENT_PREDICTED"], "thermotheory.core.moments"),
    **dict.fromkeys(["solve_fraction_free", "digits_lost", "check_conditioning", "WARN_DIGITS_LOST",
                     "REFUSE_DIGITS_LOST", "MAX_SYMBOLIC_BLOCK", "MAX_SYMBOLIC_UNKNOWNS", "MAX_PREDICTED_TERMS"],
                    "thermotheory.core.lyapunov"),
    "switching_times": "thermotheory.core.protocols",
    "expm_symbolic": "thermotheory.core.expm",
}

__all__ = ["stationary_mean", "stationary_covariance", "covariance", "mean", "require_stable", "switching_times",
           "noise_integral", "expm_symbolic", "solve_fraction_free", "digits_lost", "check_conditioning",
           "WARN_DIGITS_LOST", "REFUSE_DIGITS_LOST", "MAX_SYMBOLIC_BLOCK", "MAX_SYMBOLIC_UNKNOWNS",
           "MAX_PREDICTED_TERMS", "MAX_TRANSIENT_PREDICTED"]

__getattr__ = moved_module(__name__, _HOMES)
