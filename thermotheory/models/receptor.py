r"""A bipartite sensor of a two-valued signal: the four-state model of Barato, Hartich & Seifert (2014).

The signal ``x`` (an external ligand concentration, low ``x = 0`` or high ``x = 1``) flips at
rate :math:`\gamma` either way; the sensor ``y`` (a receptor or a protein, inactive ``0`` or
active ``1``) switches with rates that depend on the signal,

.. math:: (x, 0) \to (x, 1):\ a_x, \qquad (x, 1) \to (x, 0):\ b_x ,

and no transition changes both (the model is bipartite). Every transition's entropy flow into
the medium is the local detailed balance :math:`\ln(w_{ij}/w_{ji})`; the signal's flips carry
none. With :math:`u_x = p(x, y = 1)` the stationary state solves a 2 x 2 linear system,

.. math:: u_0 = \frac{a_0 (s_1 + \gamma) + \gamma a_1}{2\Delta}, \quad
          u_1 = \frac{a_1 (s_0 + \gamma) + \gamma a_0}{2\Delta}, \quad
          s_x = a_x + b_x,\ \Delta = s_0 s_1 + \gamma (s_0 + s_1),

and the current of the sensor's transitions at ``x = 1`` is :math:`J = \gamma (u_1 - u_0)` (at
``x = 0`` it is :math:`-J`). Hence, in closed form, the learning rate (information flow into
``y``), the heat rate of ``y`` and their ratio, the efficiency of the sensor
(Barato, Hartich & Seifert 2014):

.. math:: l_y = J \ln \frac{u_1 (1/2 - u_0)}{u_0 (1/2 - u_1)}, \qquad
          \Phi_y = J \ln \frac{a_1 b_0}{b_1 a_0}, \qquad \eta = l_y / \Phi_y \le 1 .

Two sensors:

- :func:`sensor`: the ATP-driven sensor (the first model of the paper): ``y`` aligns with
  ``x`` at rate ``k`` and misaligns at rate :math:`k e^{-\Delta\mu}`, each alignment using a
  free energy :math:`\Delta\mu` (an ATP hydrolysis). With :math:`k_- = k e^{-\Delta\mu}`,

  .. math:: l_y = \frac{\gamma (k - k_-)}{2\gamma + k + k_-} \ln\frac{\gamma + k}{\gamma + k_-}, \qquad
            \eta = \frac{1}{\Delta\mu} \ln\frac{\gamma + k}{\gamma + k_-} \to 1 \ (\gamma \to 0),

  and :math:`I(x; y) = \ln 2 - h(p_{\mathrm{al}})` with :math:`p_{\mathrm{al}} = (\gamma + k)/(2\gamma + k + k_-)` the
  probability that the sensor is aligned and ``h`` the binary entropy.
- :func:`receptor`: a receptor that binds the ligand at rate :math:`k c_x` and releases it at
  rate :math:`\omega` (the second model of the paper): no energy is spent inside the cell, and
  :math:`\Phi_y = J \ln(c_1/c_0)` is the chemical work that the changing concentration does
  on the receptor.

The sensory capacity :math:`C = l_y / T_{x \to y} \le 1` (Hartich, Barato & Seifert 2016), the
learning rate over the transfer entropy rate from the signal to the sensor, is numeric
(:func:`sensory_capacity`: the transfer entropy rate comes from the stationary law of the optimal
filter of the signal from the sensor's history, :mod:`thermotheory.core.jump_filter`).

Symbols (all positive): ``gamma``, ``k``, ``Delta_mu`` (in k_B T), ``c_0``, ``c_1``, ``omega``.
States are the tuples ``(x, y)``; the subsystems are named ``"x"`` and ``"y"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..core.closedform import ClosedForm
from ..core.jump import MarkovJumpProcess
from ..derivation import Definition, Derivation

__all__ = [
    "gamma", "k", "Delta_mu", "c_0", "c_1", "omega", "STATES", "two_state_sensor", "sensor", "receptor",
    "sensor_forms", "sensor_quantities", "receptor_quantities", "sensory_capacity", "GLOSSARY",
]

gamma, k, omega = sp.symbols("gamma k omega", positive=True)
#: Free energy used by one alignment of the sensor (an ATP hydrolysis), in k_B T.
Delta_mu = sp.Symbol("Delta_mu", positive=True)
#: Low and high ligand concentrations (in units where the binding rate is ``k c``).
c_0, c_1 = sp.symbols("c_0 c_1", positive=True)
#: What each of the sensors' symbols means, and its units, for the glossaries of the pages and reports that print them.
GLOSSARY = {gamma: ("rate at which the signal flips", "per unit time"),
            k: ("rate at which the sensor aligns with the signal; a receptor binds at $k c_x$", "per unit time"),
            Delta_mu: ("free energy used by one alignment of the sensor", "nats"),
            c_0: ("low ligand concentration", "units in which $k c_x$ is the binding rate"),
            c_1: ("high ligand concentration", "units in which $k c_x$ is the binding rate"),
            omega: ("rate at which the receptor releases the ligand", "per unit time")}
#: The probability that the sensor is aligned, a named definition (:math:`p_{\mathrm{al}}`: ``q`` is a binary synapse's
#: switching probability on the pages that show both).
_Q = sp.Symbol("p_al", positive=True)
_ALIGNED = r"p_{\mathrm{al}}"
#: The four states ``(x, y)``.
STATES = ((0, 0), (0, 1), (1, 0), (1, 1))


def two_state_sensor(a0: Any, b0: Any, a1: Any, b1: Any, flip: Any = gamma) -> MarkovJumpProcess:
    r"""The bipartite four-state sensor: activation rates ``a_x``, deactivation rates ``b_x``, signal flips ``flip``.

    Examples
    --------
    >>> m = two_state_sensor(1, 2, 3, 4)
    >>> m.is_bipartite, m.subsystems
    (True, ('x', 'y'))
    """
    rates = {((0, 0), (1, 0)): flip, ((1, 0), (0, 0)): flip, ((0, 1), (1, 1)): flip, ((1, 1), (0, 1)): flip,
             ((0, 0), (0, 1)): a0, ((0, 1), (0, 0)): b0, ((1, 0), (1, 1)): a1, ((1, 1), (1, 0)): b1}
    return MarkovJumpProcess(rates, states=list(STATES), bipartite=True)


def sensor() -> MarkovJumpProcess:
    r"""The ATP-driven sensor: ``y`` aligns with ``x`` at rate ``k`` and misaligns at rate :math:`k e^{-\Delta\mu}`.

    Examples
    --------
    >>> sensor().rate(0, 1)  # (0, 0) -> (0, 1) misaligns
    k*exp(-Delta_mu)
    """
    slow = k * sp.exp(-Delta_mu)
    return two_state_sensor(slow, k, k, slow)


def receptor() -> MarkovJumpProcess:
    r"""The receptor: binds at rate :math:`k c_x` (``y`` 0 -> 1) and unbinds at rate :math:`\omega`.

    Examples
    --------
    >>> receptor().rate(2, 3)  # (1, 0) -> (1, 1): binding at the high concentration
    c_1*k
    """
    return two_state_sensor(k * c_0, omega, k * c_1, omega)


def sensor_forms(a0: Any, b0: Any, a1: Any, b1: Any, flip: Any = gamma) -> dict[str, Any]:
    r"""The published closed forms of the four-state sensor (see the module's docstring).

    Returns a dict: ``u_0``, ``u_1`` (:math:`p(x, y{=}1)`), ``current`` (:math:`J`),
    ``information`` (:math:`I(x; y)`), ``information_flow`` (:math:`l_y`), ``heat_rate``
    (:math:`\Phi_y`), ``efficiency`` (:math:`\eta`), ``entropy_production_rate`` (the total,
    :math:`\Phi_y`: the signal's flips carry no entropy flow).

    Examples
    --------
    >>> f = sensor_forms(1, 1, 1, 1)  # a sensor blind to the signal
    >>> f["information_flow"], f["information"]
    (0, 0)
    """
    a0, b0, a1, b1, flip = map(sp.sympify, (a0, b0, a1, b1, flip))
    s0, s1 = a0 + b0, a1 + b1
    det = s0 * s1 + flip * (s0 + s1)
    u0 = (a0 * (s1 + flip) + flip * a1) / (2 * det)
    u1 = (a1 * (s0 + flip) + flip * a0) / (2 * det)
    J = sp.factor(flip * (u1 - u0))
    half = sp.Rational(1, 2)
    joint = {(0, 1): u0, (0, 0): half - u0, (1, 1): u1, (1, 0): half - u1}
    py = {1: u0 + u1, 0: 1 - u0 - u1}
    info = sum(p * sp.log(p / (half * py[yy])) for (xx, yy), p in joint.items())
    learning = J * sp.log(u1 * (half - u0) / (u0 * (half - u1)))
    heat = J * sp.log(a1 * b0 / (b1 * a0))
    return {"u_0": u0, "u_1": u1, "current": J, "information": sp.simplify(info) if info == 0 else info,
            "information_flow": sp.simplify(learning) if learning == 0 else learning, "heat_rate": heat,
            "efficiency": sp.log(u1 * (half - u0) / (u0 * (half - u1))) / sp.log(a1 * b0 / (b1 * a0)),
            "entropy_production_rate": heat}


def _binary_entropy(q: Any) -> Any:
    return -q * sp.log(q) - (1 - q) * sp.log(1 - q)


def sensor_quantities(model: MarkovJumpProcess | None = None) -> Derivation:
    r"""The ATP-driven sensor's closed forms: the published compact ones, each naming the quantity it equals.

    Keys: ``aligned`` (:math:`q`, the probability that ``y = x``), ``information``
    (:math:`I(x; y) = \ln 2 - h(q)`), ``information_flow`` (:math:`l_y`), ``heat_rate``
    (:math:`\Phi_y = \Delta\mu\,J_\mathrm{align}`), ``efficiency`` (:math:`\eta`),
    ``entropy_production_rate`` (total) and ``signal_entropy_production_rate`` (the
    signal's partial rate, :math:`\sigma_x = -l_x = l_y`): each published form is a
    :class:`~thermotheory.Definition` naming the registry quantity it equals (``check=``), so
    :meth:`~thermotheory.Derivation.verify` checks it by Monte Carlo.

    Examples
    --------
    >>> q = sensor_quantities()
    >>> sp.limit(q["efficiency"], gamma, 0)
    1
    """
    from .. import registry as R

    model = sensor() if model is None else model
    km = k * sp.exp(-Delta_mu)
    q = (gamma + k) / (2 * gamma + k + km)
    flux = gamma * (k - km) / (2 * gamma + k + km)  # net rate of alignments minus misalignments, halved
    ln_ratio = sp.log((gamma + k) / (gamma + km))

    def own(name: str, bound: Any, description: str, value: Any) -> tuple[str, Definition, Any]:
        return name, Definition(name, bound.latex(), description, check=bound), value

    return Derivation(model, [
        ("aligned", Definition("aligned", _ALIGNED, "probability that the sensor's state equals the signal's"), q),
        own("information", R.mutual_information.of("x", "y"), "mutual information between signal and sensor",
            ClosedForm(sp.log(2) - _binary_entropy(_Q), [(_Q, q)], {_Q: _ALIGNED})),
        own("information_flow", R.information_flow.of("y"), "learning rate of the sensor", flux * ln_ratio),
        own("heat_rate", R.heat_rate.of("y"), "heat rate of the sensor (free energy of the alignments)",
            flux * Delta_mu),
        own("efficiency", R.efficiency.of("y"), "informational efficiency of the sensor", ln_ratio / Delta_mu),
        own("entropy_production_rate", R.entropy_production_rate.of(), "total entropy production rate",
            flux * Delta_mu),
        own("signal_entropy_production_rate", R.entropy_production_rate.of(subsystem="x"),
            "partial entropy production rate of the signal", flux * ln_ratio),
    ])


def receptor_quantities(model: MarkovJumpProcess | None = None) -> Derivation:
    r"""The receptor's closed forms, from :func:`sensor_forms` (published), each naming the quantity it equals.

    Keys: ``information``, ``information_flow``, ``heat_rate``, ``efficiency``,
    ``entropy_production_rate``; each a :class:`~thermotheory.ClosedForm` written in the
    named definitions :math:`u_0, u_1` (the probabilities that the receptor is bound at low
    and high concentration) and :math:`J = \gamma (u_1 - u_0)`.

    Examples
    --------
    >>> q = receptor_quantities()
    >>> q["heat_rate"].expr  # the chemical work of the changing concentration
    J*log(c_1/c_0)
    """
    from .. import registry as R

    model = receptor() if model is None else model
    a0, b0, a1, b1 = k * c_0, omega, k * c_1, omega
    f = sensor_forms(a0, b0, a1, b1)
    # the same forms, structured: written in u_0, u_1 and the current J, each a named definition
    u0, u1, J = sp.symbols("u_0 u_1 J", positive=True)
    defs = [(u0, f["u_0"]), (u1, f["u_1"]), (J, gamma * (u1 - u0))]
    half = sp.Rational(1, 2)
    joint = {(0, 1): u0, (0, 0): half - u0, (1, 1): u1, (1, 0): half - u1}
    py = {1: u0 + u1, 0: 1 - u0 - u1}
    odds = sp.log(u1 * (half - u0) / (u0 * (half - u1)))
    work = sp.log(a1 * b0 / (b1 * a0))
    f = {"information": sum(p * sp.log(p / (half * py[yy])) for (xx, yy), p in joint.items()),
         "information_flow": J * odds, "heat_rate": J * work, "efficiency": odds / work,
         "entropy_production_rate": J * work}
    f = {name: ClosedForm(expr, defs if J in expr.free_symbols else defs[:2]) for name, expr in f.items()}
    bound = {"information": R.mutual_information.of("x", "y"), "information_flow": R.information_flow.of("y"),
             "heat_rate": R.heat_rate.of("y"), "efficiency": R.efficiency.of("y"),
             "entropy_production_rate": R.entropy_production_rate.of()}
    return Derivation(model, [(name, Definition(name, b.latex(), name.replace("_", " "), check=b), f[name])
                              for name, b in bound.items()])


def sensory_capacity(model: MarkovJumpProcess | None = None, values: Mapping | None = None) -> float:
    r"""Sensory capacity :math:`C = l_y / T_{x \to y} \le 1` of a sensor (Hartich, Barato & Seifert 2016).

    The learning rate :math:`l_y` (the information flow into the sensor) over the transfer
    entropy rate from the signal to the sensor, the latter from the stationary law of the
    optimal filter of the signal from the sensor's history
    (:func:`thermotheory.core.jump_filter.sensory_capacity`, numeric: give ``values`` for a
    model with parameters). ``C = 1`` when the sensor's present state is all the sensor's
    history tells of the signal.

    Parameters
    ----------
    model : MarkovJumpProcess, optional
        A bipartite sensor with subsystems ``x`` (binary) and ``y`` (default: :func:`receptor`).
    values : mapping, optional
        Numbers for the model's parameters (by Symbol or name).

    Raises
    ------
    NoClosedForm
        For a model with parameters and no ``values`` (or a signal of more than two values).

    Examples
    --------
    >>> c = sensory_capacity(values={"gamma": 0.5, "k": 1.0, "c_0": 0.5, "c_1": 3.0, "omega": 1.0})
    >>> bool(0 < c < 1)
    True
    """
    from ..core.jump_filter import sensory_capacity as capacity

    model = receptor() if model is None else model
    if values is not None and getattr(type(model), "kind", None) == "jump":
        model = model.numeric(values)
    return capacity(model, "x", "y")
