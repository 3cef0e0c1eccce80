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
heat averaged over the learned quantity), its module in :mod:`thermotheory.models` gives it as a
:class:`~thermotheory.Definition` naming the bound quantity it equals (``check=``)
(:attr:`CatalogEntry.definitions`); the entry computes it when asked (:attr:`CatalogEntry.theory`)
and ``verify`` checks that expression (``theory=``) against the Monte Carlo estimate of the
bound quantity.

The catalog itself is a table, name -> (description, builder, defaults, quantities, paths):
the models, their own closed forms and the protocols they follow live in
:mod:`thermotheory.models`, one module per seed system. Adding an entry adds one row here
(and, for a new model, its builder in a module of :mod:`thermotheory.models`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from .core.checks import violated_assumption
from .core.closedform import ClosedForm
from .core.currents import Current
from .core.lna import linear_noise_approximation
from .core.presentation import domain_of
from .errors import ModelError
from .models import cascade, engine, feedback
from .models import decoder as B
from .models import lattice as E
from .models import particle as P
from .models import perceptron as D
from .models import synapse as C
from .models import ion_channel as K_ion
from .models import memory as M_mem
from .models import proofreading as H_pr
from .models import receptor as R_rec
from .models import pump as G_pump
from .registry import conversion_efficiency
from .models.cascade import D_v, D_x, D_y, gamma_v, gamma_x, gamma_y, kappa_x, kappa_y
from .models.engine import T_c, T_h, lambda_f, lambda_i, optimal_rate, t_1, t_3, t_f, w_1, w_2
from .models.engine import s as s_p
from .models.feedback import gamma_fb
from .quantity import BoundQuantity, model_kind
from .registry import (current_mean_rate, current_variance_rate, efficiency, entropy, entropy_production,
                       entropy_production_rate, filter_error, heat, heat_rate, information_flow, mutual_information,
                       transfer_entropy_rate, uncertainty_ratio)
from .derivation import Definition

__all__ = ["CatalogEntry", "CATALOG", "entry", "parameter", "check_value", "APPROXIMATIONS"]

#: Model kinds whose closed forms are those of another model: kind -> (what the closed forms are, the function
#: giving that model, a sentence for reports). A kind not named here has exact closed forms of its own.
APPROXIMATIONS: dict[str, tuple[str, Callable[[Any], Any], str]] = {
    "nonlinear": ("linear-noise approximation", linear_noise_approximation,
                  "closed forms are those of the linear-noise approximation about the stable fixed point; the Monte "
                  "Carlo checks simulate the nonlinear SDE"),
}


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
    glossary : mapping, optional
        What the model's symbols mean, and their units (a models module's ``GLOSSARY``), for the
        report's glossary: it lists those the report prints.

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
    glossary: Mapping[Any, Any] = field(default_factory=dict)

    def model(self, values: Mapping[sp.Symbol, float] | None = None) -> Any:
        """The model: symbolic, or for a numeric entry built at ``values`` (default: the defaults)."""
        if self.numeric:
            return self.build(self.defaults if values is None else values)
        return self._symbolic_model

    @functools.cached_property
    def _symbolic_model(self) -> Any:
        """The symbolic model, built once per entry: the closed forms cached on it serve every later call (a
        report, the command line and a page derive the same entry's forms)."""
        return self.build()

    @property
    def kind(self) -> str:
        """``"linear"``, ``"nonlinear"`` or ``"lattice"`` (see :func:`~thermotheory.quantity.model_kind`)."""
        return model_kind(self.model())

    @property
    def kind_label(self) -> str:
        """The model kind in words, for listings (the model class's ``kind_label``; the kind when it has none)."""
        model = self.model()
        return getattr(model, "kind_label", model_kind(model))

    @property
    def definitions(self) -> dict[str, Definition]:
        """The model's own closed forms as :class:`~thermotheory.Definition` entries naming the quantity they equal.

        Examples
        --------
        >>> entry("heat_engine").definitions["heat_hot"].check.regime
        'transient'
        """
        return {n: Definition(n, self.quantities[n].latex(), "the model's own closed form", check=self.quantities[n])
                for n in self.theory}

    def approximated(self) -> str:
        """What the engine's closed forms of this model are when not exact (``"linear-noise approximation"``), else ""."""
        return APPROXIMATIONS[self.kind][0] if self.kind in APPROXIMATIONS else ""

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
        return self.approximated()

    def closed_form(self, name: str, values: Mapping[sp.Symbol, float] | None = None) -> Any:
        """The closed form of ``name``: symbolic (no values), or its value at ``values``.

        A nonlinear SDE's closed form is that of its linear-noise approximation; a lattice
        field's is a number at the values.
        """
        own = self.own(name)
        if own is not None:
            return own if values is None else _number(own, values, name)
        value = self.bound(name, values).closed_form(self.closed_form_model(values))
        return value if values is None else _number(value, {}, name)

    def closed_form_model(self, values: Mapping[sp.Symbol, float] | None = None) -> Any:
        """The model whose closed forms the engine derives for this entry: the model, or the linear model that
        approximates it (:data:`APPROXIMATIONS`: a nonlinear SDE's linear-noise approximation); symbolic, or with
        its parameters at ``values``.

        Examples
        --------
        >>> type(entry("bcm").model()).__name__, type(entry("bcm").closed_form_model()).__name__
        ('SDE', 'LinearSDE')
        """
        if values is not None and not isinstance(values, Mapping):
            raise ModelError(f"closed_form_model: expected a mapping symbol -> value but found {type(values).__name__}")
        model = self.model(values)
        kind = model_kind(model)
        if values is not None and not self.numeric:
            model = model.subs(self.model_values(values))
        if kind in APPROXIMATIONS:  # the closed forms of the approximating model
            model = APPROXIMATIONS[kind][1](model)
        return model

    def domain(self) -> tuple[sp.Expr, ...]:
        """The conditions of the domain of the model whose closed forms the entry prints, beyond its symbols'
        assumptions (``model.domain()``: a jump process's rates, a linear model's noise strengths of open sign): the
        model, or its linear-noise approximation where the engine derives a form from it; none for a numeric entry.

        Examples
        --------
        >>> entry("binary_synapse").domain()
        (q*r*(1 - f),)
        >>> entry("decoder").domain()
        ()
        """
        if self.numeric:
            return ()
        model = self.model()
        if model_kind(model) in APPROXIMATIONS and any(self.own(n) is None for n in self.quantities):
            model = self.closed_form_model()
        return domain_of(model)

    def check(self, name: str, values: Mapping[sp.Symbol, float] | None = None, paths: int | None = None,
              seed: int = 0, z_max: float = 4.0, budget: float | None = None, rtol: float | None = None) -> Any:
        """A Monte Carlo check of ``name`` at ``values`` (:func:`~thermotheory.verify`); returns its record.

        ``paths`` defaults to the entry's own (:attr:`paths`) unless ``budget`` or ``rtol``
        size the run.
        """
        from .verify import verify

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
        value = value.subs(values).explicit() if values else value.explicit()  # with its definitions substituted
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
# The table: name -> (description, builder, defaults, quantities, paths); the models and their own closed forms
# live in thermotheory.models (one module per seed system).

#: Initial variance of the velocity in the relaxation entry.
s_0 = sp.Symbol("s_0", positive=True)
#: Gains, time constants and noises of the heterogeneous population's three neurons.
HETEROGENEOUS = ((1, 2, sp.Rational(1, 2)), (sp.Rational(1, 2), 1, 2), (sp.Rational(1, 2), sp.Rational(1, 2), 1))
f = D.hebbian_force
_LEARNING = {"step": "a step drive", "ramp": "a ramp of duration $\\tau_r$", "pulse": "a pulse of duration $t_w$"}


def _row(name: str, description: str, build: Callable[..., Any], defaults: Mapping[sp.Symbol, float],
         quantities: Mapping[str, Any], paths: Any, forms: Mapping[str, Callable[[], Any]] | None = None,
         **kw: Any) -> CatalogEntry:
    """An entry; a :class:`~thermotheory.Definition` among ``quantities`` is the model's own closed form (``forms``)
    of the bound quantity it names (``check=``)."""
    forms = dict(forms or {})
    own = {n: q for n, q in quantities.items() if isinstance(q, Definition)}
    for n in forms:
        if n not in own:
            own[n] = Definition(n, quantities[n].latex(), check=quantities[n])
    bound = {n: (q.check if isinstance(q, Definition) else q) for n, q in quantities.items()}
    return CatalogEntry(name, description, build, defaults, bound, {n: forms[n] for n in own}, paths=paths, **kw)


def _seeded(name: str, description: str, build: Callable[..., Any], defaults: Mapping[sp.Symbol, float],
            quantities: Mapping[str, Any], forms: Mapping[str, Callable[[], Any]], **kw: Any) -> CatalogEntry:
    """:func:`_row` for a seed function's ``(quantities, forms)``, 1024 paths."""
    return _row(name, description, build, defaults, quantities, 1024, forms, **kw)


def _decoder_quantities(v: sp.Symbol, x: Any) -> dict[str, BoundQuantity]:
    return {"mutual_information": mutual_information.of(v, x), "heat_rate": heat_rate.of(x),
            "information_flow": information_flow.of(x), "efficiency": efficiency.of(x),
            "entropy_production_rate": entropy_production_rate.of(), "transfer_entropy_rate": transfer_entropy_rate.of(v, x),
            "filter_error": filter_error.of(v, x)}


def _stationary_four(v: Any, w: Any) -> dict[str, BoundQuantity]:
    return {"mutual_information": mutual_information.of(v, w), "heat_rate": heat_rate.of(w),
            "information_flow": information_flow.of(w), "efficiency": efficiency.of(w),
            "entropy_production_rate": entropy_production_rate.of()}


def _learning(kind: str) -> CatalogEntry:
    start = sp.diag(C.s_mu**2, C.sigma_w**2, 0)  # mu ~ N(0, s_mu^2), w in equilibrium, the clock at 0
    defaults = {C.tau_w: 1.0, C.sigma_w: 1.0, C.lam: 1.0, C.s_mu: 1.0, C.t: 2.0,
                **{"ramp": {C.tau_r: 1.0}, "pulse": {C.t_w: 1.0}}.get(kind, {})}
    return _row(f"learning_{kind}", f"a synapse learning a static $\\mu$, normal with spread $s_\\mu$, under {_LEARNING[kind]}: "
                "($\\mu$, $w$, a clock) from independence, at a time $t$; closed forms averaged over $\\mu$ (model C2)",
                lambda: C.learning_sde(kind), defaults,
                {"mutual_information": mutual_information.of(C.w, C.mu, t=C.t, initial=start),
                 "entropy": entropy.of(C.w, t=C.t, initial=start), "heat": heat.of(t=C.t, initial=start, subsystem=C.w)},
                1024, C.learning_forms(kind), shown=functools.partial(C.learning, kind), protocol=LEARNING_PROTOCOL)


#: The learning reports' words under their model, which shows the weight given ``mu`` in the time ``t`` (as the
#: synapse page does): what the simulated model adds.
LEARNING_PROTOCOL = (r"given $\mu$, drawn from a normal distribution of mean zero and spread $s_\mu$ and held fixed. "
                     r"The Monte Carlo checks simulate $\mu$, $w$ and the time as a clock $c$ ($d\mu = 0$, "
                     r"$dc = dt$ from $c = 0$).",)


def _lattice(name: str, d: int, L: int, regions: tuple, nonreciprocal: bool = False) -> CatalogEntry:
    A, B = regions
    quantities = {"entropy": entropy.of(A), "mutual_information": mutual_information.of(A, B)}
    if nonreciprocal:
        quantities["entropy_production_rate"] = entropy_production_rate.of()
    return _row(name, f"{'a non-reciprocal ' if nonreciprocal else 'a '}{d}-D Gaussian field of neural activity on a "
                f"periodic lattice, {L} sites a side (model E)", functools.partial(E.lattice_field, L=L, d=d),
                {E.m: 1.0, E.lam: 1.0, E.a: 1.0, E.Gamma: 1.0, **({E.eps: 0.5} if nonreciprocal else {})}, quantities,
                {"entropy": 2048, "mutual_information": 2048, "entropy_production_rate": 512}, numeric=True)


def _decoder_currents() -> CatalogEntry:
    one = B.one_neuron()
    heat_x = Current.heat(one, B.x)  # Q_x: the entropy the neuron gives to its medium
    track = Current.from_expressions(one, {B.x: B.v}, symbol=r"J_{v x}")  # int v o dx
    return _row("decoder_currents", "a neuron decoding the velocity (model B): the fluctuations of its heat $Q_x$ and of "
                "the tracking current $J_{v x} = \\int v \\circ dx$, and their thermodynamic uncertainty ratios",
                B.one_neuron,
                {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 0.5, B.g: 1.0},
                {"heat_mean_rate": current_mean_rate.of(heat_x), "heat_variance_rate": current_variance_rate.of(heat_x),
                 "heat_uncertainty_ratio": uncertainty_ratio.of(heat_x), "tracking_mean_rate": current_mean_rate.of(track),
                 "tracking_uncertainty_ratio": uncertainty_ratio.of(track)}, 256)


def _ion_channel() -> CatalogEntry:
    own = K_ion.channel_quantities()
    return _row("ion_channel", "the Hodgkin-Huxley potassium channel, four independent gates: a chain on the number "
                "open (0..4) with the squid axon's rates at rest, per ms, in its stationary state (a Markov jump "
                "process)", K_ion.potassium_channel, {K_ion.alpha: 0.0582, K_ion.beta: 0.125},
                {"entropy": entropy.of(), "entropy_production_rate": entropy_production_rate.of()}, 256,
                {"entropy": lambda: own["entropy"]})


def _ion_channel_step() -> CatalogEntry:
    start = K_ion.binomial_start()
    forms = K_ion.step_quantities()
    return _row("ion_channel_step", "the potassium channel relaxing after a voltage step from rest to -20 mV: from "
                "$\\mathrm{Bin}(4, n_0)$ over $[0, t]$, rates per ms (a Markov jump process)", K_ion.potassium_channel,
                {K_ion.alpha: 0.361, K_ion.beta: 0.0712, K_ion.n_0: 0.318, K_ion.t: 5.0},
                {"entropy": entropy.of(t=K_ion.t, initial=start), "heat": heat.of(t=K_ion.t, initial=start),
                 "entropy_production": entropy_production.of(t=K_ion.t, initial=start)}, 256,
                {"entropy": lambda: forms["entropy"], "heat": lambda: forms["heat"],
                 "entropy_production": lambda: forms["entropy_production"]})


def _jump_sensor(name: str, description: str, build: Callable[[], Any], defaults: Mapping[sp.Symbol, float],
                 published: Callable[[], Any]) -> CatalogEntry:
    """A bipartite sensor of the jump kind; its closed forms are the published ones (``published()``)."""
    quantities = {"mutual_information": mutual_information.of("x", "y"), "information_flow": information_flow.of("y"),
                  "heat_rate": heat_rate.of("y"), "efficiency": efficiency.of("y"),
                  "entropy_production_rate": entropy_production_rate.of()}
    keys = {"mutual_information": "information"}
    own = functools.lru_cache(maxsize=None)(published)
    forms = {n: (lambda key=keys.get(n, n): own()[key]) for n in quantities}
    return _row(name, description, build, defaults, quantities, 256, forms)


def _binary_synapse() -> CatalogEntry:
    start = M_mem.potentiated_start()
    own = M_mem.binary_quantities()
    return _row("binary_synapse", "a binary synapse (Fusi, Drew & Abbott 2005) forgetting a potentiation: plasticity "
                "events at rate $r$, a fraction $f$ potentiating, each switching it with probability $q$; over $[0, t]$ (a "
                "Markov jump process)", M_mem.binary_synapse, {M_mem.r: 1.0, M_mem.f: 0.3, M_mem.q: 0.5, M_mem.t: 1.0},
                {"entropy_production": entropy_production.of(t=M_mem.t, initial=start),
                 "heat": heat.of(t=M_mem.t, initial=start)}, 1024,
                {"entropy_production": lambda: own["entropy_production"]})


def _proofreading() -> CatalogEntry:
    right, wrong = H_pr.product_currents()
    own = H_pr.proofreading_quantities()
    return _row("proofreading", "kinetic proofreading (Hopfield 1974): an enzyme binding a right or a wrong substrate, "
                "activating the complex and discarding it or making the product; the product fluxes, whose ratio is "
                "the error fraction (a Markov jump process)", H_pr.proofreading,
                {H_pr.k_on: 2.0, H_pr.kappa: 1.0, H_pr.Delta: 1.5, H_pr.m: 0.5, H_pr.l: 2.0, H_pr.w: 1.0},
                {"right_flux": current_mean_rate.of(right), "wrong_flux": current_mean_rate.of(wrong)}, 1024,
                {"right_flux": lambda: own["right_flux"], "wrong_flux": lambda: own["wrong_flux"]})


def _ion_pump() -> CatalogEntry:
    own = G_pump.pump_quantities()
    quantities = {"cycle_current": current_mean_rate.of(G_pump.ion_current()), "atp_flow": heat_rate.of("atp"),
                  "ion_flow": heat_rate.of("ions"), "entropy_production_rate": entropy_production_rate.of(),
                  "efficiency": conversion_efficiency.of("atp", "ions")}
    return _row("ion_pump", "an ATP-driven ion pump (the Na/K-ATPase as a four-state cycle: binding inside, "
                "phosphorylation by ATP, release outside, return), tightly coupled; its conversion efficiency from "
                "ATP to the ion gradient is $\\Delta\\mu_\\mathrm{ion} / \\Delta\\mu_\\mathrm{ATP}$ (Hill 1977; a Markov jump "
                "process)",
                G_pump.ion_pump, {G_pump.k_1: 1.0, G_pump.k_2: 1.0, G_pump.k_3: 1.0, G_pump.k_4: 1.0,
                                  G_pump.Delta_mu_ATP: 4.0, G_pump.Delta_mu_ion: 3.0}, quantities, 256,
                {n: (lambda n=n: own[n]) for n in quantities})


_DECODER = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.5, B.sigma_n: 0.5, B.g: 1.0}
_BUILDERS: dict[str, Callable[[], CatalogEntry]] = {
    # A. The Brownian particle
    "free_particle": lambda: _row(
        "free_particle", "the velocity of a free Brownian particle, in equilibrium (model A)", P.free_velocity,
        {P.m: 1.0, P.gamma: 1.0, P.T: 1.0}, {"entropy": entropy.of(P.v), "entropy_production_rate":
                                              entropy_production_rate.of()}, 1024),
    "trapped": lambda: _row(
        "trapped", "an overdamped particle in a harmonic trap, in equilibrium (model A)", P.trapped,
        {P.k: 1.0, P.gamma: 1.0, P.T: 1.0}, {"entropy": entropy.of(P.x), "entropy_production_rate":
                                              entropy_production_rate.of()}, 1024),
    "dragged_trap": lambda: _row(
        "dragged_trap", "an overdamped particle in a trap dragged at speed $u$, from equilibrium, over $[0, t]$ (model A)",
        P.dragged_trap, {P.k: 1.0, P.gamma: 1.0, P.T: 1.0, P.u: 1.0, P.t: 2.0},
        {"heat": heat.of(t=P.t, initial={P.x: P.T / P.k}),
         "entropy_production": entropy_production.of(t=P.t, initial={P.x: P.T / P.k})}, 1024),
    "relaxation": lambda: _row(
        "relaxation", "a free particle's velocity relaxing from the spread $s_0$ to equilibrium, over $[0, t]$ (model A)",
        P.free_velocity, {P.m: 1.0, P.gamma: 1.0, P.T: 1.0, s_0: 2.0, P.t: 1.0},
        {"entropy": entropy.of(P.v, t=P.t, initial={P.v: s_0}), "heat": heat.of(t=P.t, initial={P.v: s_0}),
         "entropy_production": entropy_production.of(t=P.t, initial={P.v: s_0})}, 1024),
    "underdamped_trap": lambda: _row(
        "underdamped_trap", "an inertial particle in a harmonic trap, in equilibrium (model A)", P.underdamped_trap,
        {P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.T: 1.0},
        {"entropy": entropy.of(P.x), "entropy_production_rate": entropy_production_rate.of()}, 1024),
    "gyrator": lambda: _row(
        "gyrator", "two inertial particles coupled by a spring at two temperatures (model A)",
        lambda: P.coupled_particles("modes"), {P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.kappa: 0.8, P.T1: 2.0, P.T2: 0.5},
        {"entropy_production_rate": entropy_production_rate.of()}, 1024),
    # B. Neurons decoding the velocity
    "decoder": lambda: _row(
        "decoder", "a neuron decoding a Brownian particle's velocity (model B)", B.one_neuron, dict(_DECODER),
        _decoder_quantities(B.v, B.x), 512),
    "population": lambda: _row(
        "population", "$N$ identical neurons decoding the velocity, through their mean rate (model B)", B.population,
        {**_DECODER, B.N: 3.0}, _decoder_quantities(B.v, B.xbar), 512),
    "heterogeneous": lambda: _row(
        "heterogeneous", "three neurons with their own gains (1, 2, 1/2), time constants (1/2, 1, 2) and noises "
        "(1/2, 1/2, 1) decoding the velocity (model B)", lambda: B.heterogeneous_population(*HETEROGENEOUS),
        {B.tau_v: 1.0, B.sigma_v: 1.0}, _stationary_four(B.v, list(sp.symbols("x_1:4", real=True))), 512),
    # C. Synapses
    "tracking": lambda: _row(
        "tracking", "a synapse following a decoding neuron, $v \\to x \\to w$ (model C1)", C.tracking,
        {**_DECODER, B.tau_n: 0.3, C.kappa: 0.8, C.tau_w: 2.0, C.sigma_w: 0.4}, _stationary_four(C.v, C.w), 512),
    "learning_step": lambda: _learning("step"),
    "learning_ramp": lambda: _learning("ramp"),
    "learning_pulse": lambda: _learning("pulse"),
    "storing": lambda: _row(
        "storing", "a synapse storing $\\mu$ after a step drive of duration $t_w$: ($\\mu$, $w$) a time $t$ after the drive "
        "stopped (model C2)", lambda: C.learning_joint(sp.Integer(0)),
        {C.tau_w: 1.0, C.sigma_w: 1.0, C.lam: 1.0, C.s_mu: 1.0, C.t_w: 1.0, C.t: 1.0},
        {"mutual_information": mutual_information.of(C.w, C.mu, t=C.t, initial=C.storing_start()),
         "heat": heat.of(t=C.t, initial=C.storing_start(), subsystem=C.w)}, 1024, C.storing_forms()),
    "bcm": lambda: _row(
        "bcm", "a BCM-type synapse, $\\kappa x (x - \\theta)$, on a neuron firing around $r_0$; closed forms of its "
        "linear-noise approximation (model C)", C.bcm_synapse,
        {B.tau_v: 1.0, B.sigma_v: 0.2, B.tau_n: 0.5, B.sigma_n: 0.1, B.g: 1.0, C.r_0: 2.0, C.theta: 1.0,
         C.kappa: 0.5, C.tau_w: 1.0, C.sigma_w: 0.3},
        {"mutual_information": mutual_information.of(C.v, C.w), "heat_rate": heat_rate.of(C.w),
         "information_flow": information_flow.of(C.w), "entropy_production_rate": entropy_production_rate.of()}, 512),
    # D. The perceptron
    "one_weight": lambda: _row(
        "one_weight", "one weight of a perceptron learning one label $\\sigma_T$ under a ramp of duration $\\tau$, from "
        "equilibrium, over $[0, t]$ (model D)", lambda: D.one_weight("ramp"),
        {D.nu: 1.0, D.tau: 2.0, D.sigma_T: 1.0, D.t: 3.0},
        {"heat": heat.of(t=D.t, initial={D.omega: 1}), "entropy": entropy.of(D.omega, t=D.t, initial={D.omega: 1})},
        1024, D.one_weight_forms("ramp")),
    "many_weights": lambda: _row(
        "many_weights", "one of many weights ($N \\to \\infty$, $\\alpha N$ patterns) under a step Hebbian force "
        "$f \\sim \\mathcal{N}(0, \\alpha \\nu^2)$, over $[0, t]$ (model D)", D.many_weights, {D.alpha: 0.5, D.nu: 1.0, D.t: 1.0},
        {"heat": heat.of(t=D.t, initial=D.many_weights_start(), subsystem=D.omega),
         "entropy": entropy.of(D.omega, t=D.t, initial=D.many_weights_start())}, 1024, D.many_weights_forms()),
    # E. The lattice field
    "lattice_1d": lambda: _lattice("lattice_1d", 1, 32, ([0, 1, 2, 3], [4, 5, 6, 7])),
    "lattice_2d": lambda: _lattice("lattice_2d", 2, 8, ([[0, 0], [0, 1]], [[1, 0], [1, 1]])),
    "lattice_3d": lambda: _lattice("lattice_3d", 3, 4, ([[0, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 1]])),
    "lattice_nonreciprocal": lambda: _lattice("lattice_nonreciprocal", 1, 8, ([0, 1, 2], [3, 4, 5]), True),
    # Beyond the seeds (issue #16): current fluctuations, information rates of paths, cold damping, protocols on A(t)
    "decoder_currents": _decoder_currents,
    "cascade": lambda: _row(
        "cascade", "a signal $v$ acting on a readout $y$ through a hidden intermediate $x$, $v \\to x \\to y$: information rates "
        "of the paths, and the dissipation seen by a partial recording", cascade.cascade,
        {s: 1.0 for s in (gamma_v, gamma_x, gamma_y, kappa_x, kappa_y, D_v, D_x, D_y)}, cascade.cascade_quantities(), 256),
    "cold_damping": lambda: _row(
        "cold_damping", "a harmonic oscillator cooled by the velocity feedback force $-\\gamma_\\mathrm{fb} v$ (cold damping): the "
        "bath's heat, the feedback's entropy pumping and the entropy production", feedback.cold_damping,
        {P.m: 1.0, P.k: 1.0, P.gamma: 1.0, P.T: 1.0, gamma_fb: 1.5}, feedback.cold_damping_quantities(), 512),
    "optimal_protocol": lambda: _seeded(
        "optimal_protocol", "an overdamped particle ($\\gamma = T = 1$) in a trap whose stiffness goes from $\\lambda_i$ to "
        "$\\lambda_f$ in a time $t_f$ by the protocol of least mean work (Schmiedl & Seifert 2007, with its jumps), from "
        "equilibrium", engine.optimal_protocol, {lambda_i: 1.0, lambda_f: 2.0, t_f: 1.0},
        *engine.optimal_protocol_seed(), shown=engine.shown_trap, protocol=engine.optimal_protocol_tex()),
    "heat_engine": lambda: _seeded(
        "heat_engine", "a particle in a harmonic trap cycled between a hot bath $T_h$ (stroke of duration $t_1$, variance "
        "$w_1$ to $w_2$) and a cold one $T_c$ (duration $t_3$, back to $w_1$) by the optimal protocol, over one cycle "
        "(Schmiedl & Seifert 2008); the default strokes are those of maximum power", engine.heat_engine,
        {T_h: 1.0, T_c: 0.25, w_1: 1.0, w_2: 2.0, t_1: 2.64, t_3: 2.64},
        *engine.heat_engine_seed(), shown=engine.shown_trap, protocol=engine.HEAT_ENGINE_TEX),
    # Markov jump processes (issue #26): an ion channel, a bipartite sensor and a receptor, synaptic memory
    "ion_channel": _ion_channel,
    "ion_channel_step": _ion_channel_step,
    "atp_sensor": lambda: _jump_sensor("atp_sensor", "the four-state sensor of Barato, Hartich & Seifert (2014): a "
                                       "signal $x$ flipping at rate $\\gamma$, a sensor $y$ aligning with it at rate $k$ "
                                       "and misaligning at $k e^{-\\Delta\\mu}$ (a Markov jump process)", R_rec.sensor,
                                       {R_rec.gamma: 0.5, R_rec.k: 2.0, R_rec.Delta_mu: 2.0}, R_rec.sensor_quantities),
    "receptor": lambda: _jump_sensor("receptor", "a receptor binding a ligand at rate $k c_x$ and releasing it at "
                                     "rate $\\omega$, the concentration flipping between $c_0$ and $c_1$ at rate "
                                     "$\\gamma$ (Barato, "
                                     "Hartich & Seifert 2014; a Markov jump process)", R_rec.receptor,
                                     {R_rec.gamma: 0.5, R_rec.k: 1.0, R_rec.c_0: 0.5, R_rec.c_1: 2.0, R_rec.omega: 1.0},
                                     R_rec.receptor_quantities),
    "binary_synapse": _binary_synapse,
    "cascade_synapse": lambda: _row(
        "cascade_synapse", f"the cascade model of synaptic memory (Fusi, Drew & Abbott 2005), {M_mem.CASCADE_LEVELS} "
        "levels per strength, each transition with its reverse at $e^{-\\Delta\\mu}$ times its rate, in its stationary "
        "state (a Markov jump process)", lambda: M_mem.cascade(M_mem.CASCADE_LEVELS, reverse=True),
        {M_mem.r: 1.0, M_mem.f: 0.5, M_mem.x: 0.5, M_mem.Delta_mu: 2.0},
        {"entropy": entropy.of(), "entropy_production_rate": entropy_production_rate.of()}, 256),
    "proofreading": _proofreading,
    "ion_pump": _ion_pump,
}
#: Names of the catalog's models.
CATALOG = tuple(_BUILDERS)
#: What each entry's symbols mean (its models modules' ``GLOSSARY``), for its report's glossary.
_GLOSSARIES: dict[str, Mapping[Any, Any]] = {
    **dict.fromkeys(("free_particle", "trapped", "dragged_trap", "underdamped_trap", "gyrator"), P.GLOSSARY),
    "relaxation": {**P.GLOSSARY, s_0: ("variance of the velocity at the start", "squared length per squared time")},
    **dict.fromkeys(("decoder", "population", "heterogeneous"), B.GLOSSARY),
    "decoder_currents": {**B.GLOSSARY, "Q_{x}": ("heat the neuron gives to its medium (its entropy flow), over time",
                                                 "nats"),
                         "J_{v x}": (r"tracking current $\int v \circ dx$: the velocity times the neuron's change "
                                     "of rate", "units of $v$ times units of $x$")},
    **dict.fromkeys(("tracking", "learning_step", "learning_ramp", "learning_pulse", "storing", "bcm"),
                    {**B.GLOSSARY, **C.GLOSSARY}),
    **dict.fromkeys(("one_weight", "many_weights"), D.GLOSSARY),
    **dict.fromkeys(("optimal_protocol", "heat_engine"), engine.GLOSSARY),
    **dict.fromkeys(("ion_channel", "ion_channel_step"), K_ion.GLOSSARY),
    **dict.fromkeys(("atp_sensor", "receptor"), R_rec.GLOSSARY),
    **dict.fromkeys(("binary_synapse", "cascade_synapse"), M_mem.GLOSSARY),
    "proofreading": H_pr.GLOSSARY, "ion_pump": G_pump.GLOSSARY, "cascade": cascade.GLOSSARY,
    "cold_damping": feedback.GLOSSARY,
    **dict.fromkeys(("lattice_1d", "lattice_2d", "lattice_3d", "lattice_nonreciprocal"), E.GLOSSARY),
}


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
    built = _BUILDERS[name]()
    return built if built.glossary or name not in _GLOSSARIES else replace(built, glossary=_GLOSSARIES[name])
