"""thermotheory: information thermodynamics of neural systems.

Define a linear-Gaussian stochastic model, derive exact closed forms (symbolic or
numeric), evaluate them at any precision and export them as LaTeX.
"""

from ._version import __version__
from .core._backend import ground_types
from .core.closedform import ClosedForm
from .core.presentation import Units, compact, dimensionless
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
from .registry import *  # noqa: F401,F403  (every registered quantity: registry.__all__)
from . import registry as _registry
from .core.currents import Current
from . import estimate
from .montecarlo.simulate import Gaussian, Trajectories, simulate
from .verify import VerificationRecord, VerificationTable, verify, verify_all
from .sweep import sweep
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

#: Deprecated modules (one release), imported when first asked for as attributes (``tt.results``);
#: each name taken from them warns and names its new home.
_MOVED_MODULES = ("result", "results")


def __getattr__(name: str):
    if name in _MOVED_MODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ += [name for name in _registry.__all__ if name not in __all__]
