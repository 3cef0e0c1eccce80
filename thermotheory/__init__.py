"""thermotheory: information thermodynamics of neural systems.

Define a linear-Gaussian stochastic model, derive exact closed forms (symbolic or
numeric), evaluate them at any precision and export them as LaTeX.
"""

import sys as _sys
import types as _types

from ._version import __version__
from .core._backend import ground_types
from .core.closedform import ClosedForm
from .core.presentation import Units, compact, dimensionless, within_domain
from .core.moments import covariance
from .core.state import stationary_covariance, stationary_mean
from .core.evaluate import evaluate, latex
from .core.lna import fixed_points, linear_noise_approximation
from .core.gaussian import kl_divergence
from .core.model import LinearSDE
from .core.sde import SDE
from .core.jump import JumpCurrent, MarkovJumpProcess
from . import quantity  # the module (calling it, tt.quantity(name), is deprecated: tt.lookup_quantity)
from .quantity import BoundQuantity, Quantity, lookup_quantity
from .derivation import Definition, Derivation
from . import derivation as _derivation
from .registry import *  # noqa: F401,F403  (every registered quantity: registry.__all__)
from . import registry as _registry
from .core.currents import Current
from .errors import (
    InvalidDiffusion,
    InvalidParity,
    ModelError,
    NonlinearDrift,
    NotBipartite,
    NotStable,
    SingularCovariance,
    TooLarge,
    UnknownVariable,
)

__all__ = [
    "__version__",
    "LinearSDE",
    "SDE",
    "MarkovJumpProcess",
    "JumpCurrent",
    "linear_noise_approximation",
    "fixed_points",
    "stationary_mean",
    "stationary_covariance",
    "covariance",
    "entropy",
    "mutual_information",
    "conditional_mutual_information",
    "kl_divergence",
    "entropy_production_rate",
    "entropy_production",
    "heat",
    "heat_rate",
    "information_flow",
    "efficiency",
    "transfer_entropy_rate",
    "full_history_transfer_entropy_rate",
    "mutual_information_rate",
    "kl_divergence_rate",
    "Current",
    "current_mean_rate",
    "current_variance_rate",
    "current_scgf",
    "uncertainty_ratio",
    "entropy_pumping_rate",
    "work",
    "filter_error",
    "evaluate",
    "latex",
    "ClosedForm",
    "Quantity",
    "BoundQuantity",
    "quantity",
    "lookup_quantity",
    "Derivation",
    "Definition",
    "ground_types",
    "compact",
    "dimensionless",
    "within_domain",
    "Units",
    "simulate",
    "Trajectories",
    "Gaussian",
    "estimate",
    "verify",
    "verify_all",
    "sweep",
    "VerificationRecord",
    "VerificationTable",
    "ModelError",
    "NonlinearDrift",
    "InvalidDiffusion",
    "InvalidParity",
    "UnknownVariable",
    "NotStable",
    "NotBipartite",
    "SingularCovariance",
    "TooLarge",
]

#: Names loaded on first use (``tt.verify``, ``from thermotheory import simulate``): name -> (module,
#: attribute; None for the module itself). ``import thermotheory`` loads no Monte Carlo, verification,
#: sweep, export, catalog, plotting or command-line module (tests/test_import_lazy.py checks it).
_LAZY = {
    "estimate": ("estimate", None),  # a module that is also the function thermotheory.verify.estimate
    "simulate": ("montecarlo.simulate", "simulate"),
    "Trajectories": ("montecarlo.simulate", "Trajectories"),
    "Gaussian": ("montecarlo.simulate", "Gaussian"),
    "verify": ("verify", "verify"),
    "verify_all": ("verify", "verify_all"),
    "VerificationRecord": ("verify", "VerificationRecord"),
    "VerificationTable": ("verify", "VerificationTable"),
    "sweep": ("sweep", "sweep"),
}

#: Deprecated modules (one release), imported when first asked for as attributes (``tt.results``);
#: each name taken from them warns and names its new home.
_MOVED_MODULES = ("result", "results")


def __getattr__(name: str):
    import importlib

    if name in _LAZY:
        module, attribute = _LAZY[name]
        found = importlib.import_module(f"{__name__}.{module}")
        value = found if attribute is None else getattr(found, attribute)
        globals()[name] = value  # once: later look-ups do not come here
        return value
    if name in _MOVED_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name.isidentifier() and not name.startswith("_"):  # a submodule not loaded yet (tt.montecarlo)
        import importlib.util

        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(_types.ModuleType):
    """The package module: importing its submodule ``verify`` (or ``sweep``) keeps ``tt.verify`` the function.

    Python binds a submodule as an attribute of its package once imported; ``thermotheory.verify``
    and ``thermotheory.sweep`` are the functions of those names, as when they were imported eagerly.
    """

    def __setattr__(self, name: str, value) -> None:
        if (name in _LAZY and isinstance(value, _types.ModuleType) and _LAZY[name][1] is not None
                and value.__name__ == f"{__name__}.{_LAZY[name][0]}"):
            value = getattr(value, _LAZY[name][1])
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


def _load_estimators() -> None:
    """Fill ``quantity.ESTIMATOR_TABLES`` (the Monte Carlo table registers itself when imported)."""
    import importlib

    importlib.import_module(f"{__name__}.montecarlo.estimators")


def _load_verifier() -> None:
    """Fill ``derivation.VERIFIER`` (thermotheory.verify registers verify_derivation when imported)."""
    import importlib

    importlib.import_module(f"{__name__}.verify")


quantity.ESTIMATOR_LOADERS.append(_load_estimators)
_derivation.VERIFIER_LOADERS.append(_load_verifier)

__all__ += [name for name in _registry.__all__ if name not in __all__]
