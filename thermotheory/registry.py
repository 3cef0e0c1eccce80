"""The registered quantities: notation, roles, kind, units, reference and closed forms.

This module is the one notation table of the package: the docs' quantities table, the
derivation pages and the reports read their symbols from here (``Quantity.symbol``), and
``docs/references.bib`` holds the references by key. It imports no Monte Carlo: the
estimators are rows of :data:`thermotheory.montecarlo.estimators.ESTIMATORS`.
"""

from __future__ import annotations

import functools

import numpy as np

from .core import currents, driven, filtering, gaussian, spectral, thermo
from .core import jump_currents, jump_efficiency, jump_filter, jump_forms, jump_transient
from .errors import ModelError, SingularCovariance
from .core.roles import RENAMED_KEYWORDS
from .quantity import QUANTITIES, Quantity, Role, register


NATS, RATE = "nats", "nats per unit time"

_T = Role("t", "time", True, "time of the state, from the initial state (stationary when left out)")
_S0 = Role("initial", "state", True, "initial covariance (with t)")
_M0 = Role("initial_mean", "state", True, "initial mean (default zero)")
_SUB = Role("subsystem", "variables", True, "the variables of the subsystem (default: all)")


def _x(name: str, description: str, optional: bool = False) -> Role:
    return Role(name, "variables", optional, description)


# closed forms on a lattice field (numeric, by FFT and dense covariances of regions)
def _lattice_entropy(field, X=None, t=None, initial=None):
    if t is not None or initial is not None:
        raise ModelError("a lattice field's quantities are those of its stationary state: no t= or initial=")
    if X is None:
        return field.entropy()
    cov = field.covariance(X)
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        raise SingularCovariance("the covariance of the region is numerically singular")
    return float(0.5 * (len(cov) * np.log(2 * np.pi * np.e) + logdet))


def _lattice_mutual_information(field, X, Y, t=None, initial=None):
    if t is not None or initial is not None:
        raise ModelError("a lattice field's quantities are those of its stationary state: no t= or initial=")
    return field.mutual_information(X, Y)


def _lattice_entropy_production_rate(field, subsystem=None):
    if subsystem is not None:
        raise ModelError("the entropy production of a lattice field is given for the whole field only")
    return field.entropy_production_rate()


# closed forms on a Markov jump process (thermotheory.core.jump_forms, .jump_transient, .jump_currents)
def _jump_at(what, t, initial):
    """Whether a static quantity of a jump process is asked at a time ``t`` from ``initial`` (both, or neither)."""
    if t is None and initial is None:
        return False
    if t is None or initial is None:
        raise ModelError(f"{what}: give both t= and initial= (the distribution at time t from an initial one), or "
                         "neither (the stationary distribution)")
    return True


def _jump_entropy(model, X=None, t=None, initial=None):
    if _jump_at("entropy", t, initial):
        return jump_transient.entropy(model, X, t, initial)
    return jump_forms.entropy(model, X)


def _jump_mutual_information(model, X, Y, t=None, initial=None):
    if _jump_at("mutual_information", t, initial):
        return jump_transient.mutual_information(model, X, Y, t, initial)
    return jump_forms.mutual_information(model, X, Y)


def _jump_entropy_production_rate(model, subsystem=None):
    return jump_forms.entropy_production_rate(model, subsystem)


def _jump_subsystem_or_reservoir(model, subsystem):
    """``{"reservoir": name}`` for the name of a reservoir of a jump process (not a subsystem), else ``{"subsystem": ...}``."""
    if isinstance(subsystem, str) and subsystem in model.reservoir_names and subsystem not in model.subsystems:
        return {"reservoir": subsystem}
    return {"subsystem": subsystem}


def _jump_heat_rate(model, subsystem):
    return jump_forms.heat_rate(model, **_jump_subsystem_or_reservoir(model, subsystem))


def _jump_information_flow(model, subsystem):
    return jump_forms.information_flow(model, subsystem)


def _jump_efficiency(model, subsystem):
    return jump_forms.efficiency(model, subsystem)


def _jump_no_mean(what, initial_mean):
    if initial_mean is not None:
        raise ModelError(f"{what}: a jump process has an initial distribution (initial=), not an initial_mean")


def _jump_heat(model, t, initial, initial_mean=None, subsystem=None):
    _jump_no_mean("heat", initial_mean)
    return jump_transient.heat(model, t, initial, **_jump_subsystem_or_reservoir(model, subsystem))


def _jump_entropy_production(model, t, initial, initial_mean=None):
    _jump_no_mean("entropy_production", initial_mean)
    return jump_transient.entropy_production(model, t, initial)


def _jump_current_mean_rate(model, current):
    return jump_currents.current_mean_rate(model, current)


def _jump_current_variance_rate(model, current):
    return jump_currents.current_variance_rate(model, current)


def _jump_current_scgf(model, current, s):
    return jump_currents.current_scgf(model, current, s)


def _jump_uncertainty_ratio(model, current, entropy_rate=None):
    return jump_currents.uncertainty_ratio(model, current, entropy_rate)


def _jump_only(name):
    def refuse(model):
        raise ModelError(f"{name} is defined for a Markov jump process (thermotheory.MarkovJumpProcess), not for a "
                         f"{type(model).__name__}")
    return refuse


def state_probability_of(model, state, t=None, initial=None):
    """Probability of a state of a Markov jump process: stationary, or at time ``t`` from ``initial``.

    ``state`` is a state of the model, or a mapping ``subsystem -> value`` (the marginal
    probability of the states with those components). See
    :func:`thermotheory.core.jump_forms.state_probability`.

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 1.0, (1, 0): 3.0})
    >>> round(tt.state_probability(m, 0), 12)
    0.75
    """
    if getattr(type(model), "kind", None) != "jump":
        _jump_only("state_probability")(model)
    if _jump_at("state_probability", t, initial):
        p = jump_transient.distribution(model, t, initial)
        members = jump_forms._members(model, state)
        return float(sum(p[i] for i in members)) if isinstance(p, np.ndarray) else sum(p[i] for i in members)
    return jump_forms.state_probability(model, state)


def probability_current_of(model, source, target):
    """Net stationary probability current from ``source`` to ``target`` of a Markov jump process.

    See :func:`thermotheory.core.jump_forms.probability_current`.

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> round(tt.probability_current(m, 0, 1), 12)
    0.333333333333
    """
    if getattr(type(model), "kind", None) != "jump":
        _jump_only("probability_current")(model)
    return jump_forms.probability_current(model, source, target)


@functools.wraps(gaussian.entropy)
def _entropy(model, X=None, t=None, initial=None, form=None):
    return gaussian.entropy(model, list(model.variables) if X is None else X, t, initial, form=form)


entropy = register(Quantity(
    "entropy", _entropy, symbol=r"H_{{{t}}}({X})", kind="static", units=NATS, reference="cover2006",
    roles=(_x("X", "the variables, or a region of sites of a lattice (default: the whole state)", True), _T, _S0),
    description="entropy of the marginal of its variables (differential for continuous variables, Shannon for states)",
    closed_forms={"lattice": _lattice_entropy, "jump": _jump_entropy}))

mutual_information = register(Quantity(
    "mutual_information", gaussian.mutual_information, symbol=r"I_{{{t}}}({X}; {Y})", kind="static",
    units=NATS, reference="cover2006", roles=(_x("X", "first variables"), _x("Y", "second variables"), _T, _S0),
    description="mutual information between the variables before and after the semicolon",
    closed_forms={"lattice": _lattice_mutual_information, "jump": _jump_mutual_information}))

conditional_mutual_information = register(Quantity(
    "conditional_mutual_information", gaussian.conditional_mutual_information,
    symbol=r"I_{{{t}}}({X}; {Y} \mid {Z})", kind="static", units=NATS, reference="cover2006",
    roles=(_x("X", "first variables"), _x("Y", "second variables"), _x("Z", "conditioning variables"), _T, _S0),
    description="mutual information between the variables before and after the semicolon, given those after the bar"))

entropy_production_rate = register(Quantity(
    "entropy_production_rate", thermo.entropy_production_rate, symbol=r"\sigma_{{{subsystem}}}", kind="rate", alternatives=(r"\dot S^{{\mathrm{{tot}}}}_{{{subsystem}}}", r"\Pi_{{{subsystem}}}"),
    units=RATE, reference="horowitz2014", roles=(_SUB,),
    description="total entropy production rate, or the partial rate of a subsystem (Horowitz-Esposito)",
    closed_forms={"lattice": _lattice_entropy_production_rate,
                  "jump": _jump_entropy_production_rate}))

heat_rate = register(Quantity(
    "heat_rate", thermo.heat_rate, symbol=r"\Phi_{{{subsystem}}}", kind="rate", units=RATE, alternatives=(r"\dot Q_{{{subsystem}}}",),
    reference="horowitz2014", roles=(Role("subsystem", "variables", False, "the variables of the subsystem"),),
    description="heat rate of the subsystem: entropy flow into its medium", aliases=RENAMED_KEYWORDS["heat_rate"],
    closed_forms={"jump": _jump_heat_rate}))

information_flow = register(Quantity(
    "information_flow", thermo.information_flow, symbol=r"l_{{{subsystem}}}", kind="rate", units=RATE,
    reference="horowitz2014", roles=(Role("subsystem", "variables", False, "the variables the flow enters"),),
    description="information flow into the subsystem (learning rate)",
    aliases=RENAMED_KEYWORDS["information_flow"], closed_forms={"jump": _jump_information_flow}))

efficiency = register(Quantity(
    "efficiency", thermo.efficiency, symbol=r"\eta_{{{subsystem}}}", kind="rate", units="dimensionless",
    reference="barato2014", roles=(Role("subsystem", "variables", False, "the variables of the subsystem"),),
    description="sensing efficiency: information flow over heat rate, at most 1",
    aliases=RENAMED_KEYWORDS["efficiency"], closed_forms={"jump": _jump_efficiency}))

heat = register(Quantity(
    "heat", thermo.heat, symbol=r"Q_{{{subsystem}}}({t})", kind="transient", units=NATS, reference="sekimoto2010", alternatives=(r"\Delta S^{{\mathrm{{m}}}}_{{{subsystem}}}({t})", r"q_{{{subsystem}}}({t})"),
    roles=(Role("t", "time", False, "duration"), Role("initial", "state", False, "initial covariance"), _M0, _SUB),
    description="heat released into the medium over $[0, t]$ from an initial state (as entropy, $Q/T$)",
    closed_forms={"jump": _jump_heat}))

entropy_production = register(Quantity(
    "entropy_production", thermo.entropy_production, symbol=r"\Delta S_{{\mathrm{{tot}}}}({t})", kind="transient",
    units=NATS, reference="seifert2012",
    roles=(Role("t", "time", False, "duration"), Role("initial", "state", False, "initial covariance"), _M0),
    description="total entropy produced over $[0, t]$ from an initial state",
    closed_forms={"jump": _jump_entropy_production}))

transfer_entropy_rate = register(Quantity(
    "transfer_entropy_rate", filtering.transfer_entropy_rate, symbol=r"T_{{{source} \to {target}}}", kind="rate", alternatives=(r"\mathcal{{T}}_{{{source} \to {target}}}",),
    units=RATE, reference="hartich2016", roles=(_x("source", "the signal"), _x("target", "the sensor (noisy)")),
    description="transfer entropy rate from the source's present to the target",
    closed_forms={"jump": jump_filter.transfer_entropy_rate}))

filter_error = register(Quantity(
    "filter_error", filtering.filter_error, symbol=r"\epsilon^2_{{{hidden} \mid {observed}}}", kind="static", alternatives=(r"\mathcal{{E}}^2_{{{hidden} \mid {observed}}}",),
    units="squared units of the hidden variable", reference="kalman1961",
    roles=(_x("hidden", "the estimated variables"), _x("observed", "the variables whose paths are seen")),
    description="steady error of the optimal (Kalman-Bucy) estimate of hidden from the paths of observed"))


# -- time-integrated currents and the uncertainty relation (thermotheory.core.currents) ---------------------------
_CURRENT = Role("current", "current", False, "a time-integrated current (thermotheory.core.currents.Current)")

current_mean_rate = register(Quantity(
    "current_mean_rate", currents.current_mean_rate, symbol=r"\bar{{J}}[{current}]", kind="rate",
    units="units of the current per unit time", reference="seifert2012", roles=(_CURRENT,),
    description="stationary mean rate of a time-integrated current",
    closed_forms={"jump": _jump_current_mean_rate}))

current_variance_rate = register(Quantity(
    "current_variance_rate", currents.current_variance_rate, symbol=r"2 D[{current}]", kind="rate", alternatives=(r"2 \mathcal{{D}}[{current}]",),
    units="squared units of the current per unit time", reference="gingrich2016", roles=(_CURRENT,),
    description="variance rate (twice the diffusion coefficient) of a time-integrated current",
    closed_forms={"jump": _jump_current_variance_rate}))

current_scgf = register(Quantity(
    "current_scgf", currents.current_scgf, symbol=r"\lambda[{current}]({s})", kind="rate", units="per unit time", alternatives=(r"\psi[{current}]({s})",),
    reference="touchette2018", roles=(_CURRENT, Role("s", "time", False, "the counting field")),
    description="scaled cumulant generating function of a current (tilted generator, Riccati equation)",
    closed_forms={"jump": _jump_current_scgf}))

uncertainty_ratio = register(Quantity(
    "uncertainty_ratio", currents.uncertainty_ratio, symbol=r"\mathcal{{Q}}[{current}]", kind="rate",
    units="dimensionless (at least 1 by the thermodynamic uncertainty relation)", reference="barato2015",
    roles=(_CURRENT, Role("entropy_rate", "option", True, "the entropy production rate, where the model's frame "
                                                             "does not show it")),
    description=r"thermodynamic uncertainty ratio $2 D_J \Sigma / (2 \bar{J}^2)$ ($\Sigma$ the entropy production "
                "rate): at least 1",
    closed_forms={"jump": _jump_uncertainty_ratio}))


# -- information rates of stationary paths (thermotheory.core.spectral) ------------------------------------------
full_history_transfer_entropy_rate = register(Quantity(
    "full_history_transfer_entropy_rate", spectral.full_history_transfer_entropy_rate,
    symbol=r"T^{{\mathrm{{path}}}}_{{{source} \to {target}}}", kind="rate", units=RATE, reference="schreiber2000",
    roles=(_x("source", "the signal"), _x("target", "the sensor (noisy)")),
    description="transfer entropy rate conditioned on the source's whole past (Schreiber); at least the "
                "present-source rate"))

mutual_information_rate = register(Quantity(
    "mutual_information_rate", spectral.mutual_information_rate, symbol=r"\dot I({X}; {Y})", kind="rate",
    units=RATE, reference="tostevin2009", roles=(_x("X", "first variables"), _x("Y", "second variables")),
    description="mutual information between the stationary paths of the variables before and after the semicolon, per "
                "unit time (spectral formula)"))

kl_divergence_rate = register(Quantity(
    "kl_divergence_rate", spectral.kl_divergence_rate, symbol=r"\dot D_{{{observed}}}", kind="rate", units=RATE,
    reference="gomezmarin2008", roles=(_x("observed", "the recorded variables (default: all)", True),),
    description="KL rate between forward and time-reversed paths of the observed variables: a lower bound on the "
                "entropy production rate, equal to it under full observation"))


# -- protocols on the drift matrix and the noise (thermotheory.core.driven) --------------------------------------
work = register(Quantity(
    "work", driven.work, symbol=r"W({t})", kind="transient", units="energy (the units of $U$)",
    reference="schmiedl2007",
    roles=(Role("t", "time", False, "duration"), Role("initial", "state", False, "initial covariance"),
           Role("energy", "option", False, "the energy U(z, s): quadratic in the state, a function of time"), _M0),
    description=r"mean work done by a protocol over $[0, t]$ on an energy $U(z, s)$: the time integral of "
                r"$\langle \partial U / \partial s \rangle$, jumps included"))


# -- velocity-dependent feedback (LinearSDE(feedback=...)) ---------------------------------------------------------
entropy_pumping_rate = register(Quantity(
    "entropy_pumping_rate", thermo.entropy_pumping_rate, symbol=r"\dot S^{{\mathrm{{pump}}}}_{{{subsystem}}}",
    kind="rate", units=RATE, reference="munakata2014", roles=(_SUB,),
    description="entropy pumping rate of a declared velocity-dependent feedback force (a constant of a linear "
                "model: no Monte Carlo estimator)"))


# -- Markov jump processes only (thermotheory.core.jump_forms) ------------------------------------------------------
_STATE = Role("state", "option", False, "a state of the jump process, or a mapping subsystem -> value (a marginal)")

state_probability = register(Quantity(
    "state_probability", state_probability_of, symbol=r"p_{{{t}}}({state})", kind="static", units="probability",
    reference="seifert2012",
    roles=(_STATE, _T, Role("initial", "state", True, "initial distribution (with t)")),
    description="probability of a state of a Markov jump process (stationary: the matrix-tree theorem)",
    closed_forms={"jump": state_probability_of}))

probability_current = register(Quantity(
    "probability_current", probability_current_of, symbol=r"J_{{{source} \to {target}}}", kind="rate",
    units="probability per unit time", reference="seifert2012",
    roles=(Role("source", "option", False, "the state the jumps leave"),
           Role("target", "option", False, "the state the jumps reach")),
    description="net stationary probability current between two states of a Markov jump process",
    closed_forms={"jump": probability_current_of}))


def conversion_efficiency_of(model, input, output):
    """Conversion efficiency ``-sigma_out / sigma_in`` of a Markov jump process between two declared reservoirs.

    The free energy stored in the ``output`` reservoir per free energy drawn from the ``input``
    (reservoir names of ``model.reservoir_names``). See
    :func:`thermotheory.core.jump_efficiency.conversion_efficiency`.

    Examples
    --------
    >>> import math
    >>> import thermotheory as tt
    >>> machine = tt.MarkovJumpProcess({(0, 1): 1.0, (1, 0): math.exp(-4.0), (1, 2): 1.0, (2, 1): math.exp(3.0),
    ...                                 (2, 0): 1.0, (0, 2): 1.0},
    ...                                reservoirs={(0, 1): "atp", (1, 2): "ions", (2, 0): "medium"})
    >>> round(tt.conversion_efficiency(machine, "atp", "ions"), 12)  # one cycle: the ratio of the affinities
    0.75
    """
    if getattr(type(model), "kind", None) != "jump":
        _jump_only("conversion_efficiency")(model)
    return jump_efficiency.conversion_efficiency(model, input, output)


conversion_efficiency = register(Quantity(
    "conversion_efficiency", conversion_efficiency_of, symbol=r"\eta_{{{input} \to {output}}}", kind="rate",
    units="dimensionless", reference="seifert2012",
    roles=(Role("input", "variables", False, "the reservoir the machine draws free energy from (its name)"),
           Role("output", "variables", False, "the reservoir the machine stores free energy in (its name)")),
    description="conversion efficiency of a machine: free energy stored in the output per free energy drawn from "
                r"the input, $-\sigma_{\mathrm{out}} / \sigma_{\mathrm{in}}$, at most 1",
    closed_forms={"jump": conversion_efficiency_of}))


#: Every registered quantity, by name: ``thermotheory`` re-exports them all (a new record needs no edit there).
__all__ = list(QUANTITIES)
