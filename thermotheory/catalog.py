"""The seed models that the command line knows, with their quantities and default values.

Each :class:`CatalogEntry` names a model, default parameter values (for Monte Carlo
checks and plots) and its quantities, an ordered mapping from a short name to a
:class:`~thermotheory.BoundQuantity` ("the heat rate of ``x``"), so that the same entry
serves ``derive`` (the closed form), ``verify`` (Monte Carlo), ``report`` and ``plot``.

A model is one of

- a symbolic :class:`~thermotheory.LinearSDE` with a stationary state (its defaults are
  parameter values);
- a LinearSDE whose quantities are transient: bound with ``t=`` (the time ``t``, a
  parameter of the entry with a default) and ``initial=`` (the initial covariance, which
  may hold parameters of the entry that are not the model's, such as an initial spread),
  often under a protocol ``b(t)``;
- a nonlinear :class:`~thermotheory.SDE`, whose closed forms are those of its linear-noise
  approximation;
- a :class:`~thermotheory.models.lattice.LatticeField`, numeric: built from the values.

Where the closed form of a model is its own and not the engine's (for example a synapse's
heat averaged over the learned quantity), the entry carries it in :attr:`CatalogEntry.theory`
and ``verify`` checks that expression (``theory=``) against the Monte Carlo estimate of the
bound quantity.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from .core.checks import violated_assumption
from .core.closedform import ClosedForm
from .errors import ModelError
from .quantity import BoundQuantity, model_kind
from .registry import (current_mean_rate, current_variance_rate, efficiency, entropy, entropy_production,
                       entropy_production_rate, entropy_pumping_rate, filter_error, full_history_transfer_entropy_rate,
                       heat, heat_rate, information_flow, kl_divergence_rate, mutual_information,
                       mutual_information_rate, transfer_entropy_rate, uncertainty_ratio, work)

__all__ = ["CatalogEntry", "CATALOG", "entry", "parameter", "check_value"]


@dataclass(frozen=True)
class CatalogEntry:
    """A model of the catalog: how to build it, its default values and its quantities.

    Attributes
    ----------
    name, description : str
    build : callable
        ``build()`` gives the symbolic model; for a numeric entry (``numeric=True``, a
        lattice field) ``build(values)`` gives the model at the values.
    defaults : mapping Symbol -> float
        Default values of the entry's parameters: the model's, and those that only its
        quantities hold (the time ``t`` of a transient quantity, an initial spread).
    quantities : mapping str -> BoundQuantity
        In order; the keys are what the command line calls them.
    theory : mapping str -> callable
        For the quantities whose closed form is the model's own: a function of no arguments
        that gives it (a sympy expression in the entry's parameters; computed when asked).
    paths : int or mapping str -> int, optional
        Monte Carlo paths of the entry's checks when none are given (small enough that
        ``thermotheory verify --all`` takes a minute or two), for all its quantities or by name
        (those left out get :func:`~thermotheory.verify`'s default).
    numeric : bool
        Whether the model is built from the values.
    shown : callable, optional
        For a model whose drift or noise follows a protocol too long to print: ``shown()`` gives
        the model with the protocol as named functions of the time, which :attr:`protocol`
        (LaTeX paragraphs) defines, for reports.

    Examples
    --------
    >>> e = entry("relaxation")
    >>> e.kind, e.regime
    ('linear', 'transient')
    >>> round(e.closed_form("entropy_production", e.values()), 6)  # from twice the equilibrium spread, over [0, 1]
    0.149223
    """

    name: str
    description: str
    build: Callable[..., Any]
    defaults: Mapping[sp.Symbol, float]
    quantities: Mapping[str, BoundQuantity]
    theory: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    paths: int | Mapping[str, int] | None = None
    numeric: bool = False
    shown: Callable[[], Any] | None = None
    protocol: tuple[str, ...] = ()

    def model(self, values: Mapping[sp.Symbol, float] | None = None) -> Any:
        """The model: symbolic, or for a numeric entry built at ``values`` (default: the defaults)."""
        if self.numeric:
            return self.build(self.defaults if values is None else values)
        return self.build()

    @property
    def kind(self) -> str:
        """``"linear"``, ``"nonlinear"`` or ``"lattice"`` (see :func:`~thermotheory.quantity.model_kind`)."""
        return model_kind(self.model())

    @property
    def regime(self) -> str:
        """``"transient"`` when the quantities start from an initial state, at a time ``t``; else ``"stationary"``."""
        return "transient" if any(b.regime == "transient" for b in self.quantities.values()) else "stationary"

    def values(self, overrides: Mapping[str, float] | None = None) -> dict[sp.Symbol, float]:
        """Default parameter values, with some replaced by name."""
        out = dict(self.defaults)
        for name, val in (overrides or {}).items():
            sym = parameter(self, name)
            out[sym] = check_value(sym, val, self.name)
        return out

    def quantity(self, name: str) -> BoundQuantity:
        """The quantity called ``name`` (a clear error naming the entry's quantities when there is none)."""
        if name not in self.quantities:
            raise ModelError(f"unknown quantity {name!r} of model {self.name!r}; its quantities are: "
                             f"{', '.join(self.quantities)}")
        return self.quantities[name]

    def unchecked(self) -> tuple[str, ...]:
        """The quantities that no Monte Carlo estimator checks (a constant of the model, such as its entropy pumping).

        Examples
        --------
        >>> entry("cold_damping").unchecked()
        ('entropy_pumping_rate',)
        """
        key = (self.kind, self.regime)
        return tuple(n for n, b in self.quantities.items() if key not in b.quantity.estimators)

    def model_values(self, values: Mapping[sp.Symbol, float]) -> dict[sp.Symbol, float]:
        """The values of the model's own parameters (the rest belong to the quantities)."""
        if self.numeric:
            return {}
        params = set(self.model().parameters)
        return {s: v for s, v in values.items() if s in params}

    def bound(self, name: str, values: Mapping[sp.Symbol, float] | None = None) -> BoundQuantity:
        """The quantity ``name`` with its arguments (a time, an initial state, a current, an energy) at ``values``.

        As stored when ``values`` is None.
        """
        b = self.quantity(name)
        if values is None:
            return b
        q = b.quantity
        what = {r.name: r.what for r in q.roles}  # all but the variables: a time, a state, a current, an energy
        args = {k: (v if what[k] == "variables" else _at(v, values)) for k, v in b.arguments.items()}
        return q.of(**args)

    def own(self, name: str) -> Any:
        """The model's own closed form of ``name`` (None when it is the engine's)."""
        self.quantity(name)
        return _own(self.name, name) if name in self.theory else None

    def approximation(self, name: str) -> str:
        """What the closed form of ``name`` is when it is not the engine's exact one ("" when it is)."""
        if name in self.theory:
            return "the model's own closed form"
        if self.kind == "nonlinear":
            return "linear-noise approximation"
        return ""

    def closed_form(self, name: str, values: Mapping[sp.Symbol, float] | None = None) -> Any:
        """The closed form of ``name``: symbolic (no values), or its value at ``values``.

        A nonlinear SDE's closed form is that of its linear-noise approximation; a lattice
        field's is a number at the values.
        """
        own = self.own(name)
        if own is not None:
            return own if values is None else _number(own, values, name)
        model = self.model(values)
        if self.kind == "nonlinear":
            from .core.lna import linear_noise_approximation

            model = linear_noise_approximation(model if values is None else model.subs(self.model_values(values)))
        elif values is not None and not self.numeric:
            model = model.subs(self.model_values(values))
        value = self.bound(name, values).closed_form(model)
        return value if values is None else _number(value, {}, name)

    def check(self, name: str, values: Mapping[sp.Symbol, float] | None = None, paths: int | None = None,
              seed: int = 0, z_max: float = 4.0, budget: float | None = None, rtol: float | None = None) -> Any:
        """A Monte Carlo check of ``name`` at ``values`` (:func:`~thermotheory.verify`); returns its record.

        ``paths`` defaults to the entry's own (:attr:`paths`) unless ``budget`` or ``rtol``
        size the run.
        """
        from .montecarlo.verify import verify

        values = self.values() if values is None else dict(values)
        if paths is None and budget is None and rtol is None:
            paths = self.paths.get(name) if isinstance(self.paths, Mapping) else self.paths
        model = self.model(values)
        own = self.own(name)
        if own is not None:  # the quantities' parameters (t, an initial spread) at their values, the model's kept
            extra = {s: v for s, v in values.items() if s not in self.model_values(values)}
            own = own.subs(extra) if isinstance(own, (sp.Basic, ClosedForm)) else own
        sizing = {k: v for k, v in (("budget", budget), ("rtol", rtol)) if v is not None}
        return verify(model, self.bound(name, values), values=self.model_values(values) or None, paths=paths,
                      seed=seed, z_max=z_max, theory=own, **sizing)

    def regions(self) -> dict[sp.Symbol, Any]:
        """The regions of sites that the quantities name (a lattice field's), as ``A``, ``B``, ... in order of use."""
        out: dict[sp.Symbol, Any] = {}
        seen: set[str] = set()
        for b in self.quantities.values():
            for r in b.quantity.roles:
                value = b.arguments.get(r.name)
                if r.what != "variables" or value is None or _named(value) or repr(value) in seen:
                    continue
                seen.add(repr(value))
                out[sp.Symbol(chr(ord("A") + len(out)))] = value
        return out

    def notation(self, name: str) -> str:
        """LaTeX notation of the quantity ``name``: its bound quantity's, regions named as in :meth:`regions`."""
        b = self.quantity(name)
        letters = {repr(value): sym for sym, value in self.regions().items()}
        if not letters:
            return b.latex()
        what = {r.name: r.what for r in b.quantity.roles}
        shown = {k: (letters.get(repr(v), v) if what[k] == "variables" else v) for k, v in b.arguments.items()}
        return b.quantity.of(**shown).latex()

    def curve(self, name: str, vary: sp.Symbol,
              values: Mapping[sp.Symbol, float]) -> Callable[[np.ndarray], np.ndarray]:
        """The closed form of ``name`` as a function of the parameter ``vary``, the others at ``values``.

        Vectorised over an array of values; a numeric entry (a lattice) is rebuilt at each.
        """
        if vary not in self.defaults:
            parameter(self, str(vary))  # the error naming the parameters
        fixed = {s: v for s, v in values.items() if s != vary}
        if self.numeric:
            return np.vectorize(lambda x: self.closed_form(name, {**fixed, vary: float(x)}), otypes=[float])
        expr = self.closed_form(name)
        if isinstance(expr, ClosedForm):
            expr = expr.subs(fixed)
            left = expr.free_symbols - {vary}
            f = expr.lambdify([vary]) if not left else None
        else:
            expr = sp.sympify(expr).subs(fixed)
            left = expr.free_symbols - {vary}
            f = sp.lambdify(vary, expr, "numpy") if not left else None
        if f is None:
            raise ModelError(f"give values for {sorted(s.name for s in left)}")

        def curve(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, float)
            return np.broadcast_to(np.asarray(f(x), float), x.shape)

        return curve


def _named(value: Any) -> bool:
    """Whether ``value`` names variables (a name, a Symbol or a sequence of them) rather than sites."""
    if isinstance(value, (str, sp.Symbol)):
        return True
    return isinstance(value, (list, tuple)) and all(isinstance(v, (str, sp.Symbol)) for v in value)


def _at(value: Any, values: Mapping[sp.Symbol, float]) -> Any:
    """``value`` (a time, a covariance, a mapping of variances, a mean) with ``values`` substituted."""
    if isinstance(value, Mapping):
        return {k: _at(v, values) for k, v in value.items()}
    if isinstance(value, sp.MatrixBase):
        out = value.subs(values)
        return np.array(out.tolist(), float) if not out.free_symbols else out
    if isinstance(value, sp.Basic):
        out = value.subs(values)
        return float(out) if not out.free_symbols else out
    if isinstance(value, (list, tuple)):
        return type(value)(_at(v, values) for v in value)
    if hasattr(value, "subs"):  # a current
        return value.subs(dict(values))
    return value


def _number(value: Any, values: Mapping[sp.Symbol, float], name: str) -> float:
    if isinstance(value, ClosedForm):
        value = value.subs(values).expr if values else value.expr
    elif isinstance(value, sp.Basic):
        value = value.subs(values)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: the closed form does not reduce to a number at the values given; it still has "
                         f"{sorted(str(s) for s in getattr(value, 'free_symbols', ()))}") from None


@functools.lru_cache(maxsize=None)
def _own(entry_name: str, name: str) -> Any:
    """The own closed forms, computed once (some take seconds)."""
    return entry(entry_name).theory[name]()


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


# ---------------------------------------------------------------------------------------------------------------
# A. The Brownian particle

#: Initial variance of the velocity in the relaxation entry.
s_0 = sp.Symbol("s_0", positive=True)


def _free_particle() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "free_particle", "the velocity of a free Brownian particle, in equilibrium (model A)", P.free_velocity,
        {P.m: 1.0, P.gamma: 1.0, P.T: 1.0},
        {"entropy": entropy.of(P.v), "entropy_production_rate": entropy_production_rate.of()}, paths=1024)


def _trapped() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "trapped", "an overdamped particle in a harmonic trap, in equilibrium (model A)", P.trapped,
        {P.k: 1.0, P.gamma: 1.0, P.T: 1.0},
        {"entropy": entropy.of(P.x), "entropy_production_rate": entropy_production_rate.of()}, paths=1024)


def _dragged_trap() -> CatalogEntry:
    from .models import particle as P

    start = {P.x: P.T / P.k}  # equilibrium in the trap at rest
    return CatalogEntry(
        "dragged_trap", "an overdamped particle in a trap dragged at speed u, from equilibrium, over [0, t] (model A)",
        P.dragged_trap, {P.k: 1.0, P.gamma: 1.0, P.T: 1.0, P.u: 1.0, P.t: 2.0},
        {"heat": heat.of(t=P.t, initial=start), "entropy_production": entropy_production.of(t=P.t, initial=start)},
        paths=1024)


def _relaxation() -> CatalogEntry:
    from .models import particle as P

    start = {P.v: s_0}
    return CatalogEntry(
        "relaxation", "a free particle's velocity relaxing from the spread s_0 to equilibrium, over [0, t] (model A)",
        P.free_velocity, {P.m: 1.0, P.gamma: 1.0, P.T: 1.0, s_0: 2.0, P.t: 1.0},
        {"entropy": entropy.of(P.v, t=P.t, initial=start), "heat": heat.of(t=P.t, initial=start),
         "entropy_production": entropy_production.of(t=P.t, initial=start)}, paths=1024)


def _underdamped_trap() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "underdamped_trap", "an inertial particle in a harmonic trap, in equilibrium (model A)", P.underdamped_trap,
        {P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.T: 1.0},
        {"entropy": entropy.of(P.x), "entropy_production_rate": entropy_production_rate.of()}, paths=1024)


def _gyrator() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "gyrator", "two inertial particles coupled by a spring at two temperatures (model A)",
        lambda: P.coupled_particles("modes"), {P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.kappa: 0.8, P.T1: 2.0, P.T2: 0.5},
        {"entropy_production_rate": entropy_production_rate.of()}, paths=1024)


# ---------------------------------------------------------------------------------------------------------------
# B. Neurons decoding the velocity

def _decoder_quantities(v: sp.Symbol, x: Any) -> dict[str, BoundQuantity]:
    return {
        "mutual_information": mutual_information.of(v, x),
        "heat_rate": heat_rate.of(x),
        "information_flow": information_flow.of(x),
        "efficiency": efficiency.of(x),
        "entropy_production_rate": entropy_production_rate.of(),
        "transfer_entropy_rate": transfer_entropy_rate.of(v, x),
        "filter_error": filter_error.of(v, x),
    }


def _decoder() -> CatalogEntry:
    from .models import decoder as B

    return CatalogEntry(
        "decoder", "a neuron decoding a Brownian particle's velocity (model B)", B.one_neuron,
        {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 0.5, B.g: 1.0}, _decoder_quantities(B.v, B.x),
        paths=512)


def _population() -> CatalogEntry:
    from .models import decoder as B

    return CatalogEntry(
        "population", "N identical neurons decoding the velocity, through their mean rate (model B)",
        B.population, {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 0.5, B.g: 1.0, B.N: 3.0},
        _decoder_quantities(B.v, B.xbar), paths=512)


#: Gains, time constants and noises of the heterogeneous population's three neurons.
HETEROGENEOUS = ((1, 2, sp.Rational(1, 2)), (sp.Rational(1, 2), 1, 2), (sp.Rational(1, 2), sp.Rational(1, 2), 1))


def _heterogeneous() -> CatalogEntry:
    from .models import decoder as B

    neurons = sp.symbols(f"x_1:{len(HETEROGENEOUS[0]) + 1}", real=True)
    return CatalogEntry(
        "heterogeneous", "three neurons with their own gains (1, 2, 1/2), time constants (1/2, 1, 2) and noises "
        "(1/2, 1/2, 1) decoding the velocity (model B)", lambda: B.heterogeneous_population(*HETEROGENEOUS),
        {B.tau_v: 1.0, B.sigma_v: 1.0},
        {"mutual_information": mutual_information.of(B.v, list(neurons)), "heat_rate": heat_rate.of(list(neurons)),
         "information_flow": information_flow.of(list(neurons)), "efficiency": efficiency.of(list(neurons)),
         "entropy_production_rate": entropy_production_rate.of()}, paths=512)


# ---------------------------------------------------------------------------------------------------------------
# C. Synapses

def _tracking() -> CatalogEntry:
    from .models import decoder as B
    from .models import synapse as C

    return CatalogEntry(
        "tracking", "a synapse following a decoding neuron, v -> x -> w (model C1)", C.tracking,
        {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.3, B.sigma_n: 0.5, B.g: 1.0, C.kappa: 0.8, C.tau_w: 2.0,
         C.sigma_w: 0.4},
        {"mutual_information": mutual_information.of(C.v, C.w), "heat_rate": heat_rate.of(C.w),
         "information_flow": information_flow.of(C.w), "efficiency": efficiency.of(C.w),
         "entropy_production_rate": entropy_production_rate.of()}, paths=512)


def _learning_joint(gain: sp.Expr) -> Any:
    """``(mu, w)``, ``mu`` constant and ``tau_w dw = (-w + gain mu) dt + ...``: the synapse under a constant drive."""
    from .core.model import LinearSDE
    from .models import synapse as C

    return LinearSDE({C.mu: sp.Integer(0), C.w: (-C.w + gain * C.mu) / C.tau_w}, {C.w: C.sigma_w**2 / C.tau_w})


def _learning(kind: str) -> CatalogEntry:
    from .models import synapse as C

    start = sp.diag(C.s_mu**2, C.sigma_w**2, 0)  # mu ~ N(0, s_mu^2), w in equilibrium, the clock at 0
    defaults = {C.tau_w: 1.0, C.sigma_w: 1.0, C.lam: 1.0, C.s_mu: 1.0, C.t: 2.0}
    defaults.update({"ramp": {C.tau_r: 1.0}, "pulse": {C.t_w: 1.0}}.get(kind, {}))
    what = {"step": "a step drive", "ramp": "a ramp of duration tau_r", "pulse": "a pulse of duration t_w"}[kind]

    def own(key: str) -> Callable[[], Any]:
        if key == "entropy":  # H(w_t) = H(w_0) + Delta S_w, the weight starting in equilibrium
            return lambda: sp.log(2 * sp.pi * sp.E * C.sigma_w**2) / 2 + C.learning_quantities(kind)["entropy_change"]
        return lambda: C.learning_quantities(kind)[key]

    return CatalogEntry(
        f"learning_{kind}", f"a synapse learning a static mu, normal with spread s_mu, under {what}: (mu, w, a "
        "clock) from independence, at a time t; closed forms averaged over mu (model C2)",
        lambda: C.learning_sde(kind), defaults,
        {"mutual_information": mutual_information.of(C.w, C.mu, t=C.t, initial=start),
         "entropy": entropy.of(C.w, t=C.t, initial=start),
         "heat": heat.of(t=C.t, initial=start, subsystem=C.w)},
        theory={"mutual_information": own("information"), "entropy": own("entropy"), "heat": own("heat")},
        paths=1024)


def _storing() -> CatalogEntry:
    from .models import synapse as C

    written = 1 - sp.exp(-C.t_w / C.tau_w)  # the gain c(t_w) written by a step of duration t_w
    cov = C.lam * written * C.s_mu**2
    start = sp.Matrix([[C.s_mu**2, cov], [cov, C.sigma_w**2 + (C.lam * written * C.s_mu) ** 2]])
    return CatalogEntry(
        "storing", "a synapse storing mu after a step drive of duration t_w: (mu, w) a time t after the drive "
        "stopped (model C2)", lambda: _learning_joint(sp.Integer(0)),
        {C.tau_w: 1.0, C.sigma_w: 1.0, C.lam: 1.0, C.s_mu: 1.0, C.t_w: 1.0, C.t: 1.0},
        {"mutual_information": mutual_information.of(C.w, C.mu, t=C.t, initial=start),
         "heat": heat.of(t=C.t, initial=start, subsystem=C.w)},
        theory={"heat": lambda: C.storage_quantities()["heat_forgetting"]}, paths=1024)


def _bcm() -> CatalogEntry:
    from .models import decoder as B
    from .models import synapse as C

    return CatalogEntry(
        "bcm", "a BCM-type synapse, kappa x (x - theta), on a neuron firing around r_0; closed forms of its "
        "linear-noise approximation (model C)", C.bcm_synapse,
        {B.tau_v: 1.0, B.sigma_v: 0.2, B.tau_n: 0.5, B.sigma_n: 0.1, B.g: 1.0, C.r_0: 2.0, C.theta: 1.0,
         C.kappa: 0.5, C.tau_w: 1.0, C.sigma_w: 0.3},
        {"mutual_information": mutual_information.of(C.v, C.w), "heat_rate": heat_rate.of(C.w),
         "information_flow": information_flow.of(C.w), "entropy_production_rate": entropy_production_rate.of()},
        paths=512)


# ---------------------------------------------------------------------------------------------------------------
# D. The perceptron

#: The Hebbian force on one weight (a state variable of the many-weights entry).
f = sp.Symbol("f", real=True)


def _one_weight() -> CatalogEntry:
    from .models import perceptron as D

    return CatalogEntry(
        "one_weight", "one weight of a perceptron learning one label sigma_T under a ramp of duration tau, from "
        "equilibrium, over [0, t] (model D)", lambda: D.one_weight("ramp"),
        {D.nu: 1.0, D.tau: 2.0, D.sigma_T: 1.0, D.t: 3.0},
        {"heat": heat.of(t=D.t, initial={D.omega: 1}), "entropy": entropy.of(D.omega, t=D.t, initial={D.omega: 1})},
        theory={"heat": lambda: D.sigma_T**2 * D.nu**2 * D.drive_response("ramp")[1]}, paths=1024)


def _many_weights() -> CatalogEntry:
    from .core.model import LinearSDE
    from .models import perceptron as D

    start = sp.diag(D.alpha * D.nu**2, 1)  # f ~ N(0, alpha nu^2) as N -> oo, the weight in equilibrium
    c, q = D.drive_response("step")
    return CatalogEntry(
        "many_weights", "one of many weights (N -> oo, alpha N patterns) under a step Hebbian force "
        "f ~ N(0, alpha nu^2), over [0, t] (model D)", lambda: LinearSDE({f: sp.Integer(0), D.omega: -D.omega + f},
                                                                          {D.omega: 1}),
        {D.alpha: 0.5, D.nu: 1.0, D.t: 1.0},
        {"heat": heat.of(t=D.t, initial=start, subsystem=D.omega),
         "entropy": entropy.of(D.omega, t=D.t, initial=start)},
        # the weight's marginal is N(0, 1 + alpha c^2 nu^2); the engine's closed forms need parameters in the
        # drift for a symbolic time, and its heat a drift without a conserved mode (f is one)
        theory={"heat": lambda: D.alpha * D.nu**2 * q,
                "entropy": lambda: sp.log(2 * sp.pi * sp.E * (1 + D.alpha * D.nu**2 * c**2)) / 2}, paths=1024)


# ---------------------------------------------------------------------------------------------------------------
# E. The lattice field

def _lattice(name: str, d: int, L: int, regions: tuple, nonreciprocal: bool = False) -> CatalogEntry:
    from .models import lattice as E

    defaults = {E.m: 1.0, E.lam: 1.0, E.a: 1.0, E.Gamma: 1.0}
    if nonreciprocal:
        defaults[E.eps] = 0.5

    def build(values: Mapping[sp.Symbol, float]) -> Any:
        return E.LatticeField(L, d=d, m2=values[E.m] ** 2, lam=values[E.lam], a=values[E.a], gamma=values[E.Gamma],
                              eps=values.get(E.eps, 0.0))

    A, B = regions
    quantities = {"entropy": entropy.of(A), "mutual_information": mutual_information.of(A, B)}
    if nonreciprocal:
        quantities["entropy_production_rate"] = entropy_production_rate.of()
    kind = "a non-reciprocal " if nonreciprocal else "a "
    return CatalogEntry(
        name, f"{kind}{d}-D Gaussian field of neural activity on a periodic lattice, {L} sites a side (model E)",
        build, defaults, quantities,
        paths={"entropy": 2048, "mutual_information": 2048, "entropy_production_rate": 512},
        numeric=True)


# ---------------------------------------------------------------------------------------------------------------
# Beyond the seeds (issue #16): current fluctuations, information rates of paths, cold damping, protocols on A(t)

def _decoder_currents() -> CatalogEntry:
    from .core.currents import Current
    from .models import decoder as B

    one = B.one_neuron()
    heat_x = Current.heat(one, B.x)  # Q_x: the entropy the neuron gives to its medium
    track = Current.from_expressions(one, {B.x: B.v}, symbol=r"J_{v x}")  # int v o dx
    return CatalogEntry(
        "decoder_currents", "a neuron decoding the velocity (model B): the fluctuations of its heat Q_x and of the "
        "tracking current J_vx = int v o dx, and their thermodynamic uncertainty ratios", B.one_neuron,
        {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 0.5, B.g: 1.0},
        {"heat_mean_rate": current_mean_rate.of(heat_x), "heat_variance_rate": current_variance_rate.of(heat_x),
         "heat_uncertainty_ratio": uncertainty_ratio.of(heat_x),
         "tracking_mean_rate": current_mean_rate.of(track), "tracking_uncertainty_ratio": uncertainty_ratio.of(track)},
        paths=256)


#: The cascade v -> x -> y: relaxation rates, couplings and noise strengths.
gamma_v, gamma_x, gamma_y, kappa_x, kappa_y = sp.symbols("gamma_v gamma_x gamma_y kappa_x kappa_y", positive=True)
D_v, D_x, D_y = sp.symbols("D_v D_x D_y", positive=True)


def _cascade_model() -> Any:
    from .core.model import LinearSDE

    v, x, y = sp.symbols("v x y", real=True)
    return LinearSDE({v: -gamma_v * v, x: kappa_x * v - gamma_x * x, y: kappa_y * x - gamma_y * y},
                     {v: D_v, x: D_x, y: D_y})


def _cascade() -> CatalogEntry:
    v, x, y = sp.symbols("v x y", real=True)
    return CatalogEntry(
        "cascade", "a signal v acting on a readout y through a hidden intermediate x, v -> x -> y: information rates "
        "of the paths, and the dissipation seen by a partial recording", _cascade_model,
        {s: 1.0 for s in (gamma_v, gamma_x, gamma_y, kappa_x, kappa_y, D_v, D_x, D_y)},
        {"full_history_transfer_entropy_rate": full_history_transfer_entropy_rate.of(v, y),
         "transfer_entropy_rate": transfer_entropy_rate.of(v, y),
         "mutual_information_rate": mutual_information_rate.of(v, y),
         "entropy_production_rate": entropy_production_rate.of(),
         "kl_divergence_rate_xy": kl_divergence_rate.of([x, y]),
         "kl_divergence_rate_vy": kl_divergence_rate.of([v, y])},
        paths=256)


#: The gain of the cold-damping feedback force -gamma_fb v.
gamma_fb = sp.Symbol("gamma_fb", positive=True)


def _cold_damping_model() -> Any:
    from .core.model import LinearSDE
    from .models import particle as P

    return LinearSDE({P.x: P.v, P.v: (-P.k * P.x - P.gamma * P.v - gamma_fb * P.v) / P.m},
                     {P.v: P.gamma * P.T / P.m**2}, parity={P.v: -1}, feedback={P.v: -gamma_fb * P.v / P.m})


def _cold_damping() -> CatalogEntry:
    from .models import particle as P

    return CatalogEntry(
        "cold_damping", "a harmonic oscillator cooled by the velocity feedback force -gamma_fb v (cold damping): the "
        "bath's heat, the feedback's entropy pumping and the entropy production", _cold_damping_model,
        {P.m: 1.0, P.k: 1.0, P.gamma: 1.0, P.T: 1.0, gamma_fb: 1.5},
        {"heat_rate": heat_rate.of(P.v), "entropy_pumping_rate": entropy_pumping_rate.of(),
         "entropy_production_rate": entropy_production_rate.of()}, paths=512)


#: Stiffness at the start and the end, and duration of the optimal protocol (Schmiedl & Seifert 2007).
lambda_i, lambda_f, t_f = sp.symbols("lambda_i lambda_f t_f", positive=True)
#: The time of a protocol on the drift matrix or the noise.
s_p = sp.Symbol("s", real=True)


def optimal_rate(li: Any = lambda_i, lf: Any = lambda_f, tf: Any = t_f) -> Any:
    """The rate ``c`` of the optimal stiffness protocol (Schmiedl & Seifert 2007): the variance is ``(1 + c s)^2 / li``.

    Examples
    --------
    >>> round(float(optimal_rate(1, 2, 1)), 6)
    -0.190983
    """
    return (-1 - lf * tf + sp.sqrt(1 + 2 * li * tf + li * lf * tf**2)) / (tf * (2 + lf * tf))


def _shown_trap() -> Any:
    """An overdamped particle in a trap of stiffness lambda(s) at the temperature T(s) (gamma = 1), for reports."""
    from .core.model import LinearSDE

    x = sp.Symbol("x", real=True)
    return LinearSDE({x: -sp.Function("lambda")(s_p) * x}, {x: sp.Function("T")(s_p)}, time=s_p)


def _optimal_stiffness() -> Any:
    c = optimal_rate()
    inner = (lambda_i - c * (1 + c * s_p)) / (1 + c * s_p) ** 2
    return sp.Piecewise((lambda_i, s_p <= 0), (inner, s_p < t_f), (lambda_f, True))


def _optimal_protocol_model() -> Any:
    from .core.model import LinearSDE

    x = sp.Symbol("x", real=True)
    return LinearSDE({x: -_optimal_stiffness() * x}, {x: 1}, time=s_p)


def _optimal_protocol() -> CatalogEntry:
    x = sp.Symbol("x", real=True)
    start = {x: 1 / lambda_i}  # equilibrium in the trap at lambda_i
    c = optimal_rate()
    heat_ = c**2 * t_f / lambda_i - sp.log(1 + c * t_f)  # int of -lambda/2 d<x^2>, the variance (1 + c s)^2 / li
    return CatalogEntry(
        "optimal_protocol", "an overdamped particle (gamma = T = 1) in a trap whose stiffness goes from lambda_i to "
        "lambda_f in a time t_f by the protocol of least mean work (Schmiedl & Seifert 2007, with its jumps), from "
        "equilibrium", _optimal_protocol_model, {lambda_i: 1.0, lambda_f: 2.0, t_f: 1.0},
        {"work": work.of(t=t_f, initial=start, energy=_optimal_stiffness() * x**2 / 2),
         "heat": heat.of(t=t_f, initial=start), "entropy_production": entropy_production.of(t=t_f, initial=start)},
        theory={"work": lambda: heat_ + lambda_f * (1 + c * t_f) ** 2 / (2 * lambda_i) - sp.Rational(1, 2),
                "heat": lambda: heat_, "entropy_production": lambda: c**2 * t_f / lambda_i},
        paths=1024, shown=_shown_trap,
        protocol=(r"with the stiffness $\lambda(s) = \lambda_i$ for $s \le 0$, $\lambda_f$ for $s \ge t_f$ (it "
                  r"jumps at both ends) and in between",
                  r"\begin{align}",
                  r"\lambda(s) &= \frac{\lambda_i - c (1 + c s)}{(1 + c s)^2}, \qquad c = "
                  + sp.latex(optimal_rate(*sp.symbols("lambda_i lambda_f t_f"))) + r",",
                  r"\end{align}",
                  r"so that $\langle x^2 \rangle = (1 + c s)^2 / \lambda_i$; $T(s) = 1$."))


#: The heat engine of Schmiedl & Seifert 2008: bath temperatures, the variances between which it cycles, and the
#: durations of its hot and cold strokes.
T_h, T_c, w_1, w_2, t_1, t_3 = sp.symbols("T_h T_c w_1 w_2 t_1 t_3", positive=True)


def _engine_stiffness() -> Any:
    def stroke(wa: Any, wb: Any, T: Any, start: Any, duration: Any) -> Any:  # sqrt of the variance linear in time
        root = sp.sqrt(wa) + (sp.sqrt(wb) - sp.sqrt(wa)) * (s_p - start) / duration
        return (T - root * (sp.sqrt(wb) - sp.sqrt(wa)) / duration) / root**2

    end = stroke(w_2, w_1, T_c, t_1, t_3).subs(s_p, t_1 + t_3)
    return sp.Piecewise((end, s_p <= 0), (stroke(w_1, w_2, T_h, 0, t_1), s_p < t_1),
                        (stroke(w_2, w_1, T_c, t_1, t_3), s_p < t_1 + t_3), (end, True))


def _heat_engine_model() -> Any:
    from .core.model import LinearSDE

    x = sp.Symbol("x", real=True)
    return LinearSDE({x: -_engine_stiffness() * x}, {x: sp.Piecewise((T_h, s_p < t_1), (T_c, True))}, time=s_p)


def _heat_engine() -> CatalogEntry:
    x = sp.Symbol("x", real=True)
    start = {x: w_1}
    dS, A = sp.log(w_2 / w_1) / 2, (sp.sqrt(w_2) - sp.sqrt(w_1)) ** 2  # entropy change, irreversible action
    cycle = t_1 + t_3
    return CatalogEntry(
        "heat_engine", "a particle in a harmonic trap cycled between a hot bath T_h (stroke of duration t_1, variance "
        "w_1 to w_2) and a cold one T_c (duration t_3, back to w_1) by the optimal protocol, over one cycle "
        "(Schmiedl & Seifert 2008); the default strokes are those of maximum power", _heat_engine_model,
        {T_h: 1.0, T_c: 0.25, w_1: 1.0, w_2: 2.0, t_1: 2.64, t_3: 2.64},
        {"work": work.of(t=cycle, initial=start, energy=_engine_stiffness() * x**2 / 2),
         "heat_hot": heat.of(t=t_1, initial=start), "heat": heat.of(t=cycle, initial=start),
         "entropy_production": entropy_production.of(t=cycle, initial=start)},
        theory={"work": lambda: -(T_h - T_c) * dS + A * (1 / t_1 + 1 / t_3),
                "heat_hot": lambda: -dS + A / (T_h * t_1), "heat": lambda: A / (T_h * t_1) + A / (T_c * t_3),
                "entropy_production": lambda: A / (T_h * t_1) + A / (T_c * t_3)},
        paths=1024, shown=_shown_trap,
        protocol=(r"with the temperature $T(s) = T_h$ for $s < t_1$ and $T_c$ after, and the stiffness",
                  r"\begin{align}",
                  r"\lambda(s) &= \frac{T(s) - r(s)\, r'(s)}{r(s)^2}, \qquad r(s) = \begin{cases} \sqrt{w_1} + "
                  r"(\sqrt{w_2} - \sqrt{w_1})\, s / t_1, & 0 < s < t_1, \\ \sqrt{w_2} + (\sqrt{w_1} - \sqrt{w_2})"
                  r"\, (s - t_1) / t_3, & t_1 < s < t_1 + t_3, \end{cases}",
                  r"\end{align}",
                  r"at its value at $t_1 + t_3$ outside the cycle (it jumps at $0$, $t_1$ and $t_1 + t_3$), so that "
                  r"$\sqrt{\langle x^2 \rangle} = r(s)$."))


_BUILDERS: dict[str, Callable[[], CatalogEntry]] = {
    "free_particle": _free_particle,
    "trapped": _trapped,
    "dragged_trap": _dragged_trap,
    "relaxation": _relaxation,
    "underdamped_trap": _underdamped_trap,
    "gyrator": _gyrator,
    "decoder": _decoder,
    "population": _population,
    "heterogeneous": _heterogeneous,
    "tracking": _tracking,
    "learning_step": lambda: _learning("step"),
    "learning_ramp": lambda: _learning("ramp"),
    "learning_pulse": lambda: _learning("pulse"),
    "storing": _storing,
    "bcm": _bcm,
    "one_weight": _one_weight,
    "many_weights": _many_weights,
    "lattice_1d": lambda: _lattice("lattice_1d", 1, 32, ([0, 1, 2, 3], [4, 5, 6, 7])),
    "lattice_2d": lambda: _lattice("lattice_2d", 2, 8, ([[0, 0], [0, 1]], [[1, 0], [1, 1]])),
    "lattice_3d": lambda: _lattice("lattice_3d", 3, 4, ([[0, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 1]])),
    "lattice_nonreciprocal": lambda: _lattice("lattice_nonreciprocal", 1, 8, ([0, 1, 2], [3, 4, 5]), True),
    "decoder_currents": _decoder_currents,
    "cascade": _cascade,
    "cold_damping": _cold_damping,
    "optimal_protocol": _optimal_protocol,
    "heat_engine": _heat_engine,
}
#: Names of the catalog's models.
CATALOG = tuple(_BUILDERS)


@functools.lru_cache(maxsize=None)
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
