"""Deprecated: :mod:`thermotheory.verify` (it compares closed forms with estimates; it sits above Monte Carlo).

Each name taken from here (``from thermotheory.montecarlo.verify import verify``) warns
(``DeprecationWarning``) and gives the same object, for one release.
"""

from ..core._compat import moved_module

#: The names of the old module, all in :mod:`thermotheory.verify` now.
_NAMES = [
    "time_scales", "BLOCK", "VerificationRecord", "VerificationTable", "MAX_RATE_STEP",
    "BUDGET_PATHS", "MIN_BUDGET_PATHS", "BUDGET_SHARE", "MAX_RTOL_SECONDS", "RTOL_REFUSE_FACTOR", "ZERO_PILOT_Z",
    "TargetNotReached", "_sized", "_check_settings", "_require_positive", "_check_step", "_theory", "_given_theory",
    "_check_seed", "verify", "_bound_at", "_symbol", "verify_all",
]

__getattr__ = moved_module(__name__, dict.fromkeys(_NAMES, "thermotheory.verify"))
