"""Deprecated: :class:`Derivation` and :class:`Definition` now live in :mod:`thermotheory.derivation`.

Each name taken from here (``from thermotheory.results import Derivation``) warns
(``DeprecationWarning``) and gives the same class, for one release.
"""

from .core._compat import moved_module

__all__ = ["Definition", "Derivation"]

__getattr__ = moved_module(__name__, {name: "thermotheory.derivation" for name in __all__})
