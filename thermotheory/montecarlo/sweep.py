"""Deprecated: :mod:`thermotheory.sweep` (it orchestrates checks; it sits above Monte Carlo).

Each name taken from here (``from thermotheory.montecarlo.sweep import sweep``) warns
(``DeprecationWarning``) and gives the same object, for one release.
"""

from ..core._compat import moved_module

#: The names of the old module, all in :mod:`thermotheory.sweep` now.
_NAMES = [
    "_one", "_cpu_count", "_WORKER", "_send", "_receive", "_serve", "_WorkerTraceback", "_in_processes",
    "_catching", "sweep", "_warn_in_process",
]

__getattr__ = moved_module(__name__, dict.fromkeys(_NAMES, "thermotheory.sweep"))
