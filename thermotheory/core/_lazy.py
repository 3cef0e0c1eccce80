"""Third-party modules imported on first use, so that ``import thermotheory`` stays light (issue #25).

``scipy.linalg`` costs about as much as ``import scipy`` again (it loads scipy's array-API layer,
which imports numpy's f2py and testing packages), and only numeric solves need it; a symbolic
derivation never does. The engine's modules write ``from ._lazy import scipy_linalg as sla`` and
use ``sla.solve(...)`` as before: the first attribute looked up imports the module.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["LazyModule", "scipy_linalg"]


class LazyModule:
    """A stand-in for the module ``name``, imported when one of its attributes is first looked up.

    Every look-up reads the real module's attribute (so a patched attribute is seen), and setting
    or deleting an attribute sets or deletes it on the real module.

    Parameters
    ----------
    name : str
        The module's import path, e.g. ``"scipy.linalg"``.

    Examples
    --------
    >>> json = LazyModule("json")
    >>> json.dumps([1, 2])
    '[1, 2]'
    >>> json.module.__name__
    'json'
    """

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    @property
    def module(self) -> ModuleType:
        """The real module (imported now if it was not yet)."""
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return self._module

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):  # copy/pickle probes: not the module's
            raise AttributeError(attr)
        return getattr(self.module, attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        if attr in LazyModule.__slots__:
            object.__setattr__(self, attr, value)
        else:  # as on the module itself (a test patching ``sla.solve`` patches scipy.linalg.solve)
            setattr(self.module, attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(self.module, attr)

    def __dir__(self) -> list[str]:
        return dir(self.module)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, {'loaded' if self._module is not None else 'imported on first use'}>"


#: ``scipy.linalg``, imported on first use.
scipy_linalg = LazyModule("scipy.linalg")
