"""Deprecated: the Monte Carlo :class:`Estimate` now lives in :mod:`thermotheory.montecarlo.uncertainty`.

Each name taken from here (``from thermotheory.result import Estimate``) warns
(``DeprecationWarning``) and gives the same object, for one release.
"""

from .core._compat import moved_module

__all__ = ["Estimate", "normal_equivalent_z", "per_path", "ratio", "pooled"]

__getattr__ = moved_module(__name__, {name: "thermotheory.montecarlo.uncertainty"
                                      for name in [*__all__, "_satterthwaite", "_with_bias"]})
