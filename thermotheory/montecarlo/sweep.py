"""Deprecated: :mod:`thermotheory.sweep` (it orchestrates checks; it sits above Monte Carlo).

Each name taken from here (``from thermotheory.montecarlo.sweep import sweep``) warns
(``DeprecationWarning``) and gives the same object, for one release.
"""

from ..core._compat import moved_module

#: The names of the old module and their homes now: the sweep in :mod:`thermotheory.sweep`, its worker
#: processes in :mod:`thermotheory.workers` (the old ``_in_processes``, ``_catching`` and ``_warn_in_process``
#: are gone: :func:`thermotheory.workers.run_tasks` does their work).
_HOMES = {**dict.fromkeys(["_one", "_cpu_count", "sweep"], "thermotheory.sweep"),
          **dict.fromkeys(["_WORKER", "_send", "_receive", "_serve", "_WorkerTraceback"], "thermotheory.workers")}

__getattr__ = moved_module(__name__, _HOMES)
