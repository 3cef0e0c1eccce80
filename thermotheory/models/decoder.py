r"""Neurons that decode a Brownian particle's velocity (model B of the seed models).

The velocity is an OU process and each neuron's rate relaxes towards ``g v`` with its own
time constant and noise:

.. math:: \tau_v\, dv = -v\, dt + \sigma_v \sqrt{2 \tau_v}\, dW_v, \qquad
          \tau_n\, dx_i = (-x_i + g v)\, dt + \sigma_n \sqrt{2 \tau_n}\, dW_i .

- :func:`one_neuron` and :func:`neuron_quantities`: the closed forms of one neuron.
- :func:`population`: ``N`` identical neurons with ``N`` a symbol. Their mean rate
  :math:`\bar x` is a sufficient statistic for ``v`` (the deviations from it are independent
  of ``v`` and in equilibrium), so the engine derives the population's quantities from the
  two-variable model ``(v, x̄)`` with the noise divided by ``N``; :func:`population_quantities`
  and :func:`large_population_limits`. The reduction is checked against the full model of
  ``N`` neurons in the tests.
- :func:`heterogeneous_population`: neurons with their own gains, time constants and noises.
- :func:`energy_cost`: entropy production as energy, in ``k_B T`` and ATP molecules per
  unit time (:data:`ATP_KT` ``k_B T`` per ATP hydrolysis).
- :func:`tradeoff` and :func:`optimum`: accuracy and information against cost along a
  parameter, and the parameter value that maximises a quantity (the sensory capacity has
  an optimal neuron time constant; the efficiency grows towards fast, weak neurons).

Symbols (all positive): ``tau_v``, ``sigma_v``, ``tau_n``, ``sigma_n``, ``g``, and ``N`` (a
positive integer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.optimize as so
import sympy as sp

from ..core import filtering, gaussian, thermo
from ..core._compat import deprecated_keywords
from ..core.state import stationary_covariance
from ..core.model import LinearSDE
from ..core.presentation import Units
from ..errors import ModelError
from ..derivation import Definition, Derivation

__all__ = [
    "tau_v", "sigma_v", "tau_n", "sigma_n", "g", "N", "v", "x", "xbar", "ATP_KT", "rho", "snr", "UNITS", "GLOSSARY",
    "one_neuron", "neuron_quantities", "population", "population_quantities", "large_population_limits",
    "heterogeneous_population", "energy_cost", "tradeoff", "optimum",
]

tau_v, sigma_v, tau_n, sigma_n, g = sp.symbols("tau_v sigma_v tau_n sigma_n g", positive=True)
#: Number of neurons.
N = sp.Symbol("N", positive=True, integer=True)
v, x = sp.symbols("v x", real=True)

#: Dimensionless groups: the neuron's time constant in units of the signal's, and the
#: signal-to-noise ratio of one neuron.
rho, snr = sp.symbols("rho snr", positive=True)
#: Dimensions of the parameters (time; amplitudes of ``v`` and ``x``), the scales
#: ``tau_v, sigma_v, sigma_n`` and the groups ``rho = tau_n / tau_v``,
#: ``snr = g^2 sigma_v^2 / sigma_n^2``: ``UNITS(expr)`` writes a closed form as a scale
#: times a function of the groups (rates per ``tau_v``).
UNITS = Units(
    {tau_v: {"time": 1}, tau_n: {"time": 1}, sigma_v: {"v": 1}, sigma_n: {"x": 1}, g: {"x": 1, "v": -1}, N: {}},
    [tau_v, sigma_v, sigma_n],
    {rho: tau_n / tau_v, snr: g**2 * sigma_v**2 / sigma_n**2},
    {snr: r"\mathrm{SNR}"},
)
#: The population's mean rate.
xbar = sp.Symbol(r"\bar{x}", real=True)
#: What each of the decoder's symbols means, and its units, for the glossaries of the pages that print them
#: (:func:`~thermotheory.export.derivation.write_derivation`'s ``glossary``): the decoder's, the synapse's, the
#: currents'.
GLOSSARY = {v: ("velocity of the particle (the signal)", "speed"), x: ("rate of a neuron", "arbitrary units"),
            r"x_{i}": ("rate of neuron $i$ of several", "arbitrary units"),
            xbar: ("mean rate of the population", "units of $x$"),
            tau_v: ("correlation time of the velocity", "time"),
            sigma_v: ("standard deviation of the velocity", "units of $v$"),
            tau_n: ("time constant of a neuron", "time"),
            sigma_n: ("noise amplitude of a neuron (standard deviation of its rate without input)", "units of $x$"),
            g: ("gain of a neuron", "units of $x$ per unit of $v$"), N: "number of neurons",
            rho: r"$\tau_n / \tau_v$", r"\mathrm{SNR}": r"signal-to-noise ratio, $g^2 \sigma_v^2 / \sigma_n^2$",
            r"\Sigma": (r"stationary covariance; $\Sigma_{a b}$ its entries, $\Sigma_{(a, b)}$ the block of the "
                        r"variables listed", "units of $a$ times units of $b$")}
#: Free energy of one ATP hydrolysis in the cell, in k_B T (about 20; 50 kJ/mol at 310 K).
ATP_KT = 20


def one_neuron() -> LinearSDE:
    r"""The velocity ``v`` and one decoding neuron ``x``.

    Examples
    --------
    >>> one_neuron().variables
    (v, x)
    """
    return LinearSDE({v: -v / tau_v, x: (g * v - x) / tau_n}, {v: sigma_v**2 / tau_v, x: sigma_n**2 / tau_n})


def _quantities(model: LinearSDE, neuron: sp.Symbol) -> Derivation:
    from .. import registry as R

    S = stationary_covariance(model)
    i, j = model.index(v), model.index(neuron)
    info = gaussian.mutual_information(model, v, neuron)
    flow = thermo.information_flow(model, subsystem=neuron)
    heat = thermo.heat_rate(model, neuron)
    te = filtering.transfer_entropy_rate(model, v, neuron)
    kalman = filtering.filter_error(model, v, neuron)
    ops_simplify = sp.simplify if not model.is_numeric else (lambda e: e)
    decoding = ops_simplify(S[i, i] - S[i, j] ** 2 / S[j, j])
    n = sp.latex(neuron)
    return Derivation(model, [
        ("information", R.mutual_information.of(v, neuron), info),
        ("information_flow", R.information_flow.of(neuron), flow),
        ("heat_rate", R.heat_rate.of(neuron), heat),
        ("entropy_production", R.entropy_production_rate.of(subsystem=neuron),
         thermo.entropy_production_rate(model, subsystem=neuron)),
        ("efficiency", R.efficiency.of(neuron), thermo.efficiency(model, neuron)),
        ("decoding_error", Definition("decoding_error", rf"\operatorname{{var}}(v \mid {n})",
                                      "error of the best estimate of $v$ from the present rate",
                                      units="squared units of $v$"), decoding),
        ("transfer_entropy_rate", R.transfer_entropy_rate.of(v, neuron), te),
        ("sensory_capacity", Definition("sensory_capacity", rf"C_{{{n}}}",
                                        "sensory capacity: information flow over transfer entropy rate"),
         ops_simplify(flow / te)),
        ("kalman_error", R.filter_error.of(v, neuron), kalman),
        ("decoder_optimality", Definition("decoder_optimality",
                                          rf"\epsilon^2_{{v \mid {n}}} / \operatorname{{var}}(v \mid {n})",
                                          "Kalman-Bucy error over the neuron's own decoding error"),
         ops_simplify(kalman / decoding)),
        ("total_entropy_production", R.entropy_production_rate.of(), thermo.entropy_production_rate(model)),
    ])


def neuron_quantities(model: LinearSDE | None = None) -> Derivation:
    r"""Every stationary closed form of one decoding neuron, as a :class:`~thermotheory.derivation.Derivation`.

    Keys: ``information`` :math:`I(v; x)`; ``information_flow`` :math:`l_x` (learning
    rate); ``heat_rate`` :math:`\Phi_x` (entropy flow into the neuron's medium; times ``T``
    it is the power dissipated); ``entropy_production`` :math:`\sigma_x = \Phi_x - l_x`;
    ``efficiency`` :math:`\eta = l_x / \Phi_x \le 1`; ``decoding_error``
    :math:`\operatorname{var}(v \mid x)`, the error of the best (linear) estimate of ``v``
    from the present rate; ``transfer_entropy_rate`` :math:`T_{v \to x}`;
    ``sensory_capacity`` :math:`l_x / T_{v \to x} \le 1`; ``kalman_error``, the error of
    the Kalman–Bucy filter of ``v`` from the rate's whole past; ``decoder_optimality``,
    the ratio of that optimum to the neuron's own decoding error (``<= 1``; 1 when the
    neuron is itself the optimal filter); ``total_entropy_production``.

    Parameters
    ----------
    model : LinearSDE, optional
        :func:`one_neuron` (default) or the same model with values substituted.

    Examples
    --------
    >>> q = neuron_quantities()
    >>> q["heat_rate"]
    g**2*sigma_v**2/(sigma_n**2*(tau_n + tau_v))
    """
    return _quantities(one_neuron() if model is None else model, x)


def population(n: Any = N) -> LinearSDE:
    r"""``N`` identical neurons reduced to their mean rate: ``(v, x̄)`` with the neurons' noise over ``N``.

    .. math:: \tau_n\, d\bar x = (-\bar x + g v)\, dt + \frac{\sigma_n}{\sqrt N} \sqrt{2 \tau_n}\, d\bar W

    The joint law of ``(v, x̄)`` is that of ``v`` and the mean of the ``N`` rates, and the
    deviations ``x_i - x̄`` are independent of both; so ``I(v; x_1..x_N) = I(v; x̄)``, the
    Kalman filter and transfer entropy from ``v`` are those of ``x̄``, and the heat rate of
    ``x̄`` equals the summed heat rates of the ``N`` neurons (the deviations are in equilibrium).

    Parameters
    ----------
    n : symbol or positive integer
        Number of neurons (default the symbol ``N``).

    Examples
    --------
    >>> population().D
    Matrix([
    [sigma_v**2/tau_v,                    0],
    [               0, sigma_n**2/(N*tau_n)]])
    """
    n = sp.sympify(n)
    if n.is_positive is False or (n.is_number and not n.is_integer):
        raise ModelError(f"the number of neurons must be a positive integer, found {n}")
    return LinearSDE({v: -v / tau_v, xbar: (g * v - xbar) / tau_n}, {v: sigma_v**2 / tau_v, xbar: sigma_n**2 / (n * tau_n)})


def population_quantities(n: Any = N) -> Derivation:
    """The quantities of :func:`neuron_quantities` for ``N`` identical neurons, as functions of ``N`` (a Derivation).

    Examples
    --------
    >>> q = population_quantities()
    >>> q["heat_rate"]  # the cost grows linearly in N
    N*g**2*sigma_v**2/(sigma_n**2*(tau_n + tau_v))
    """
    return _quantities(population(n), xbar)


def large_population_limits() -> Derivation:
    r"""Limits :math:`N \to \infty` of the population's quantities (information per neuron and cost per neuron too).

    A :class:`~thermotheory.derivation.Derivation` of definitions, each written as the limit of
    the population quantity it comes from.

    The information saturates (the neurons' own time constant limits it):
    :math:`I \to \tfrac12 \ln(1 + \tau_v / \tau_n)`, while the heat rate grows like ``N``;
    so the efficiency falls to zero.

    Examples
    --------
    >>> sp.simplify(large_population_limits()["information"] - sp.log(1 + tau_v / tau_n) / 2)
    0
    """
    q = population_quantities()
    lim = r"\lim_{N \to \infty} "
    entries = []
    for key in ("information", "information_flow", "efficiency", "decoding_error", "kalman_error",
                "sensory_capacity", "decoder_optimality"):
        entries.append((key, Definition(key, lim + q.quantity(key).latex(),
                                        rf"limit $N \to \infty$ of the {key.replace('_', ' ')}"),
                        sp.simplify(sp.limit(q[key], N, sp.oo))))
    entries.append(("heat_rate_per_neuron", Definition("heat_rate_per_neuron",
                                                       lim + q.quantity("heat_rate").latex() + " / N",
                                                       r"limit $N \to \infty$ of the heat rate per neuron"),
                    sp.simplify(sp.limit(q["heat_rate"] / N, N, sp.oo))))
    entries.append(("transfer_entropy_rate_per_sqrt_neuron",
                    Definition("transfer_entropy_rate_per_sqrt_neuron",
                               lim + q.quantity("transfer_entropy_rate").latex() + r" / \sqrt{N}",
                               r"limit $N \to \infty$ of the transfer entropy rate over $\sqrt{N}$"),
                    sp.simplify(sp.limit(q["transfer_entropy_rate"] / sp.sqrt(N), N, sp.oo))))
    return Derivation(q.model, entries)


def heterogeneous_population(gains: Sequence[Any], time_constants: Sequence[Any], noises: Sequence[Any]) -> LinearSDE:
    r"""``v`` and neurons with their own gain ``g_i``, time constant ``tau_i`` and noise ``sigma_i``.

    Variables ``v, x_1, ..., x_N``; entries may be numbers or symbols.

    Examples
    --------
    >>> m = heterogeneous_population([1.0, 2.0], [0.5, 1.0], [1.0, 1.0])
    >>> m.variables
    (v, x_1, x_2)
    """
    if not (len(gains) == len(time_constants) == len(noises)) or not gains:
        raise ModelError("gains, time_constants and noises: expected sequences of the same, non-zero length")
    xs = sp.symbols(f"x_1:{len(gains) + 1}", real=True)
    drift = {v: -v / tau_v}
    diffusion = {v: sigma_v**2 / tau_v}
    for xi, gi, ti, si in zip(xs, gains, time_constants, noises):
        ti, si = sp.sympify(ti), sp.sympify(si)
        if ti.is_positive is False or si.is_negative:
            raise ModelError(f"time constants must be positive and noises non-negative, found {ti} and {si}")
        drift[xi] = (sp.sympify(gi) * v - xi) / ti
        diffusion[xi] = si**2 / ti
    return LinearSDE(drift, diffusion)


def energy_cost(rate: Any, temperature_kT: Any = 1) -> dict[str, Any]:
    r"""An entropy production (or heat) rate as energy: ``k_B T`` per unit time and ATP per unit time.

    With :math:`k_B = 1` an entropy rate ``r`` (nats per unit time) costs ``r`` in units of
    ``k_B T`` per unit time, and ``r / ATP_KT`` ATP molecules per unit time (one ATP
    hydrolysis frees about :data:`ATP_KT` ``= 20 k_B T``). With rates per second (time
    constants in seconds) these are per second.

    Examples
    --------
    >>> energy_cost(100.0)
    {'kT_per_time': 100.0, 'ATP_per_time': 5.0}
    """
    power = rate * temperature_kT
    return {"kT_per_time": power, "ATP_per_time": power / ATP_KT}


@deprecated_keywords("models.decoder.tradeoff")
def tradeoff(values: Mapping[Any, float], parameter: sp.Symbol, grid: Sequence[float]) -> dict[str, np.ndarray]:
    """Accuracy, information, cost and efficiency of one neuron along a grid of one parameter.

    Parameters
    ----------
    values : mapping symbol -> float
        Values of the other parameters of :func:`one_neuron`.
    parameter : Symbol
        The parameter on the grid (for example ``tau_n`` or ``g``); the old keyword
        ``vary=`` is deprecated (``parameter=`` as in :func:`~thermotheory.sweep`).
    grid : sequence of float

    Returns
    -------
    dict of arrays: ``grid``, ``information``, ``decoding_error``, ``heat_rate``, ``efficiency``.

    Examples
    --------
    >>> out = tradeoff({tau_v: 1.0, sigma_v: 1.0, sigma_n: 1.0, g: 2.0}, tau_n, [0.1, 1.0])
    >>> bool(out["information"][0] > out["information"][1])  # a faster neuron knows more
    True
    """
    q = neuron_quantities()
    keys = ("information", "decoding_error", "heat_rate", "efficiency")
    fixed = {k: float(val) for k, val in values.items() if k != parameter}
    missing = set(one_neuron().parameters) - set(fixed) - {parameter}
    if missing:
        raise ModelError(f"values: missing {sorted(s.name for s in missing)}")
    funcs = {k: sp.lambdify(parameter, q[k].subs(fixed), "numpy") for k in keys}
    grid = np.asarray(grid, float)
    out = {"grid": grid}
    for k in keys:
        out[k] = np.broadcast_to(np.asarray(funcs[k](grid), float), grid.shape).copy()
    return out


@deprecated_keywords("models.decoder.optimum")
def optimum(values: Mapping[Any, float], parameter: sp.Symbol = tau_n, objective: str = "sensory_capacity",
            bounds: tuple[float, float] = (1e-4, 1e4)) -> tuple[float, float]:
    r"""The value of one parameter that maximises a quantity of one neuron, and that maximum.

    The closed form (a key of :func:`neuron_quantities`) is maximised numerically: a
    bounded scalar search in ``log`` of the parameter over ``bounds`` (relative to
    ``tau_v`` when varying ``tau_n``).

    The sensory capacity :math:`l_x / T_{v \to x}` has an interior optimum in ``tau_n``
    (a neuron much faster than the signal wastes what it senses on its own noise, a slow
    one averages the signal away); at the optimum it reaches 1: the neuron is then itself
    the Kalman–Bucy filter of ``v``. The efficiency :math:`l_x / \Phi_x` does not: it
    grows towards 1 as the neuron gets faster or its gain weaker, so it raises.

    Parameters
    ----------
    values : mapping symbol -> float
        Values of the other parameters of :func:`one_neuron`.
    parameter : Symbol
        The parameter varied (default ``tau_n``); the old keyword ``vary=`` is deprecated.
    objective : str
        A key of :func:`neuron_quantities`.
    bounds : (float, float)
        Range of the parameter searched.

    Raises
    ------
    ModelError
        When the maximum lies at the edge of ``bounds`` (no interior optimum).

    Examples
    --------
    >>> tau, cap = optimum({tau_v: 1.0, sigma_v: 1.0, sigma_n: 1.0, g: 2.0})
    >>> round(tau, 4), round(cap, 4)
    (0.2361, 1.0)
    """
    q = neuron_quantities()
    if objective not in q:
        raise ModelError(f"objective: expected one of {sorted(q)} but found {objective!r}")
    fixed = {k: float(val) for k, val in values.items() if k != parameter}
    missing = set(one_neuron().parameters) - set(fixed) - {parameter}
    if missing:
        raise ModelError(f"values: missing {sorted(s.name for s in missing)}")
    f = sp.lambdify(parameter, q[objective].subs(fixed), "math")
    scale = float(fixed.get(tau_v, 1.0)) if parameter == tau_n else 1.0
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = so.minimize_scalar(lambda s: -f(scale * np.exp(s)), bounds=(lo, hi), method="bounded",
                             options={"xatol": 1e-10})
    if min(res.x - lo, hi - res.x) < 1e-3:
        raise ModelError(
            f"{objective} has no interior maximum in {parameter} within {bounds}: it keeps growing towards "
            f"{parameter} = {scale * np.exp(res.x):.3g}"
        )
    best = scale * float(np.exp(res.x))
    return best, float(f(best))
