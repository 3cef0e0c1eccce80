"""The ready-made stationary models that the command line knows, with their quantities and default values.

Each :class:`CatalogEntry` names a symbolic :class:`~thermotheory.LinearSDE`, default
parameter values (for Monte Carlo checks and plots) and its quantities, each a closed-form
function of the engine with its arguments, so that the same entry serves ``derive``
(the closed form), ``verify`` (Monte Carlo) and ``plot`` (both along a parameter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .core import filtering, gaussian, thermo
from .core.checks import violated_assumption
from .core.model import LinearSDE
from .errors import ModelError

__all__ = ["Quantity", "CatalogEntry", "CATALOG", "entry", "parameter", "check_value"]


@dataclass(frozen=True)
class Quantity:
    """A closed-form function of the engine with its variable arguments."""

    function: Callable[..., Any]
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def closed_form(self, model: LinearSDE) -> Any:
        """The closed form on ``model`` (symbolic or numeric)."""
        return self.function(model, *self.args, **dict(self.kwargs))


@dataclass(frozen=True)
class CatalogEntry:
    """A model of the catalog: how to build it, its default values and its quantities."""

    name: str
    description: str
    build: Callable[[], LinearSDE]
    defaults: Mapping[sp.Symbol, float]
    quantities: Mapping[str, Quantity]

    def model(self) -> LinearSDE:
        return self.build()

    def values(self, overrides: Mapping[str, float] | None = None) -> dict[sp.Symbol, float]:
        """Default parameter values, with some replaced by name."""
        out = dict(self.defaults)
        for name, val in (overrides or {}).items():
            sym = parameter(self, name)
            out[sym] = check_value(sym, val, self.name)
        return out


def check_value(sym: sp.Symbol, value: Any, model: str = "") -> float:
    """``value`` as a float for the parameter ``sym``: finite and within the symbol's assumptions.

    A symbol declared positive takes only values > 0, nonnegative ones >= 0 (and likewise
    negative, nonpositive, nonzero and integer: the test of ``core.checks.violated_assumption``);
    anything else is a :class:`~thermotheory.errors.ModelError`.

    Examples
    --------
    >>> check_value(sp.Symbol("tau", positive=True), "0.5")
    0.5
    >>> check_value(sp.Symbol("tau", positive=True), -1)
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: parameter tau: expected a positive number (tau is declared positive) but found -1.0
    """
    where = f" of model {model!r}" if model else ""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"parameter {sym.name}{where}: expected a number but found {value!r}") from None
    if not math.isfinite(x):
        raise ModelError(f"parameter {sym.name}{where}: expected a finite number but found {value!r}")
    what = violated_assumption(sym, x)
    if what is not None:
        article = "an" if what[0] in "aeiou" else "a"
        raise ModelError(f"parameter {sym.name}{where}: expected {article} {what} number ({sym.name} is declared "
                         f"{what}) but found {x!r}")
    return x


def parameter(item: CatalogEntry, name: str) -> sp.Symbol:
    """The parameter of ``item`` called ``name`` (a clear error when there is none).

    Examples
    --------
    >>> parameter(entry("decoder"), "tau_n")
    tau_n
    """
    for sym in item.defaults:
        if sym.name == name:
            return sym
    known = ", ".join(sorted(s.name for s in item.defaults))
    raise ModelError(f"unknown parameter {name!r} of model {item.name!r}; its parameters are: {known}")


def _decoder() -> CatalogEntry:
    from .models import decoder as B

    v, x = B.v, B.x
    return CatalogEntry(
        "decoder", "a neuron decoding a Brownian particle's velocity (model B)", B.one_neuron,
        {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 0.5, B.g: 1.0},
        {
            "mutual_information": Quantity(gaussian.mutual_information, (v, x), {}, "I(v; x)"),
            "heat_rate": Quantity(thermo.heat_rate, (x,), {}, "heat rate of the neuron"),
            "information_flow": Quantity(thermo.information_flow, (), {"into": x}, "learning rate of the neuron"),
            "efficiency": Quantity(thermo.efficiency, (x,), {}, "sensing efficiency l / Phi"),
            "entropy_production_rate": Quantity(thermo.entropy_production_rate, (), {}, "total entropy production"),
            "transfer_entropy_rate": Quantity(filtering.transfer_entropy_rate, (v, x), {}, "T(v -> x)"),
            "filter_error": Quantity(filtering.filter_error, (v, x), {}, "Kalman-Bucy error of v from x"),
        },
    )


def _tracking() -> CatalogEntry:
    from .models import decoder as B
    from .models import synapse as C

    return CatalogEntry(
        "tracking", "a synapse following a decoding neuron, v -> x -> w (model C1)", C.tracking,
        {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.3, B.sigma_n: 0.5, B.g: 1.0, C.kappa: 0.8, C.tau_w: 2.0,
         C.sigma_w: 0.4},
        {
            "mutual_information": Quantity(gaussian.mutual_information, (C.v, C.w), {}, "I(v; w)"),
            "heat_rate": Quantity(thermo.heat_rate, (C.w,), {}, "heat rate of the synapse"),
            "information_flow": Quantity(thermo.information_flow, (), {"into": C.w}, "learning rate of the synapse"),
            "efficiency": Quantity(thermo.efficiency, (C.w,), {}, "efficiency of the synapse"),
            "entropy_production_rate": Quantity(thermo.entropy_production_rate, (), {}, "total entropy production"),
        },
    )


def _gyrator() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "gyrator", "two inertial particles coupled by a spring at two temperatures (model A)",
        lambda: P.coupled_particles("modes"),
        {P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.kappa: 0.8, P.T1: 2.0, P.T2: 0.5},
        {"entropy_production_rate": Quantity(thermo.entropy_production_rate, (), {}, "total entropy production")},
    )


def _trap() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "underdamped_trap", "an inertial particle in a harmonic trap, in equilibrium (model A)", P.underdamped_trap,
        {P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.T: 1.0},
        {
            "entropy": Quantity(gaussian.entropy, (P.x,), {}, "H(x)"),
            "entropy_production_rate": Quantity(thermo.entropy_production_rate, (), {}, "zero: equilibrium"),
        },
    )


_BUILDERS = {"decoder": _decoder, "tracking": _tracking, "gyrator": _gyrator, "underdamped_trap": _trap}
#: Names of the catalog's models.
CATALOG = tuple(_BUILDERS)


def entry(name: str) -> CatalogEntry:
    """The catalog entry called ``name``.

    Examples
    --------
    >>> entry("decoder").model().variables
    (v, x)
    """
    if name not in _BUILDERS:
        raise ModelError(f"unknown model {name!r}; the models are: {', '.join(CATALOG)}")
    return _BUILDERS[name]()
