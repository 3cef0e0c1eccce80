r"""A particle in a harmonic trap driven by a protocol on its stiffness: the optimal protocol and the heat engine.

- :func:`optimal_protocol`: an overdamped particle (``gamma = T = 1``) whose trap stiffness goes
  from :data:`lambda_i` to :data:`lambda_f` in a time :data:`t_f` by the protocol of least mean
  work (Schmiedl & Seifert, EPL 81, 20003 (2008), "Optimal finite-time processes in stochastic
  thermodynamics", PRL 98, 108301 (2007)), with its jumps; :func:`optimal_rate` is the rate
  ``c`` of the variance ``(1 + c s)^2 / lambda_i``.
- :func:`heat_engine`: the same trap cycled between a hot bath :data:`T_h` (stroke of duration
  :data:`t_1`, variance :data:`w_1` to :data:`w_2`) and a cold one :data:`T_c` (duration
  :data:`t_3`) by the optimal protocol (Schmiedl & Seifert, EPL 81, 20003 (2008)).

The protocols are functions of the time :data:`s`. Each ``*_seed`` function gives the
quantities of the catalog entry: registered quantities bound to the model, and the published
closed forms as :class:`~thermotheory.Definition` entries that name the quantity they equal
(``check=``), with the closed forms themselves as functions of no arguments.

Examples
--------
>>> heat_engine().variables
(x,)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from ..core.closedform import ClosedForm
from ..core.model import LinearSDE
from ..registry import entropy_production, heat, work
from ..derivation import Definition

__all__ = ["lambda_i", "lambda_f", "t_f", "s", "T_h", "T_c", "w_1", "w_2", "t_1", "t_3", "x", "optimal_rate",
           "optimal_stiffness", "optimal_protocol", "engine_stiffness", "heat_engine", "shown_trap",
           "optimal_protocol_seed", "heat_engine_seed", "optimal_protocol_tex", "HEAT_ENGINE_TEX", "GLOSSARY"]

#: Stiffness at the start and the end, and duration of the optimal protocol (Schmiedl & Seifert 2007).
lambda_i, lambda_f, t_f = sp.symbols("lambda_i lambda_f t_f", positive=True)
#: The time of a protocol on the drift matrix or the noise.
s = sp.Symbol("s", real=True)
#: The heat engine of Schmiedl & Seifert 2008: bath temperatures, the variances between which it cycles, and the
#: durations of its hot and cold strokes.
T_h, T_c, w_1, w_2, t_1, t_3 = sp.symbols("T_h T_c w_1 w_2 t_1 t_3", positive=True)
#: The particle's position.
x = sp.Symbol("x", real=True)


#: What each of the trap's and the engine's symbols means, and its units, for the glossaries of the pages and reports
#: that print them.
GLOSSARY = {x: ("position of the particle", "length"), s: ("time along the protocol", "time"),
            "t": ("the time at which a quantity is taken, from the start of the protocol", "time"),
            r"\lambda(s)": ("stiffness of the trap", "energy per squared length"),
            r"T(s)": ("temperature of the bath", "energy"),
            r"r(s)": (r"width of the position's distribution along the protocol, $\sqrt{\langle x^2 \rangle}$",
                      "length"),
            lambda_i: ("stiffness at the start of the protocol", "energy per squared length"),
            lambda_f: ("stiffness at its end", "energy per squared length"), t_f: ("duration of the protocol", "time"),
            T_h: ("temperature of the hot bath", "energy"), T_c: ("temperature of the cold bath", "energy"),
            t_1: ("duration of the hot isotherm", "time"), t_3: ("duration of the cold isotherm", "time"),
            w_1: ("variance of the position at the start of the hot isotherm", "squared length"),
            w_2: ("variance of the position at its end", "squared length"),
            r"Q_{h}": ("heat drawn from the hot bath on the hot isotherm", "energy"),
            r"\eta_C": ("Carnot's efficiency", "--"), "c": ("rate of the optimal protocol: the variance is "
                                                            "$(1 + c s)^2 / \\lambda_i$", "per unit time")}

#: The rate of the optimal protocol as a name (:func:`optimal_rate` its value): the seed's closed forms hold it.
_RATE = sp.Symbol("c", real=True)


def optimal_rate(li: Any = lambda_i, lf: Any = lambda_f, tf: Any = t_f) -> Any:
    """The rate ``c`` of the optimal stiffness protocol (Schmiedl & Seifert 2007): the variance is ``(1 + c s)^2 / li``.

    Examples
    --------
    >>> round(float(optimal_rate(1, 2, 1)), 6)
    -0.190983
    """
    return (-1 - lf * tf + sp.sqrt(1 + 2 * li * tf + li * lf * tf**2)) / (tf * (2 + lf * tf))


def shown_trap() -> LinearSDE:
    """An overdamped particle in a trap of stiffness lambda(s) at the temperature T(s) (gamma = 1), for reports.

    Examples
    --------
    >>> shown_trap().time
    s
    """
    return LinearSDE({x: -sp.Function("lambda")(s) * x}, {x: sp.Function("T")(s)}, time=s)


def optimal_stiffness() -> sp.Expr:
    """The stiffness of the optimal protocol: ``lambda_i`` before 0, ``lambda_f`` after ``t_f``, jumps at both ends.

    Examples
    --------
    >>> optimal_stiffness().subs(s, -1)
    lambda_i
    """
    c = optimal_rate()
    inner = (lambda_i - c * (1 + c * s)) / (1 + c * s) ** 2
    return sp.Piecewise((lambda_i, s <= 0), (inner, s < t_f), (lambda_f, True))


def optimal_protocol() -> LinearSDE:
    """The overdamped particle (``gamma = T = 1``) in the trap of :func:`optimal_stiffness`, in the time :data:`s`.

    Examples
    --------
    >>> optimal_protocol().is_modulated
    True
    """
    return LinearSDE({x: -optimal_stiffness() * x}, {x: 1}, time=s)


def engine_stiffness() -> sp.Expr:
    """The heat engine's stiffness: the root of the variance linear in time on each stroke, jumps at 0, t_1, t_1 + t_3.

    Examples
    --------
    >>> engine_stiffness().subs(s, -1) == engine_stiffness().subs(s, t_1 + t_3 + 1)  # the same outside the cycle
    True
    """
    def stroke(wa: Any, wb: Any, T: Any, start: Any, duration: Any) -> Any:  # sqrt of the variance linear in time
        root = sp.sqrt(wa) + (sp.sqrt(wb) - sp.sqrt(wa)) * (s - start) / duration
        return (T - root * (sp.sqrt(wb) - sp.sqrt(wa)) / duration) / root**2

    end = stroke(w_2, w_1, T_c, t_1, t_3).subs(s, t_1 + t_3)
    return sp.Piecewise((end, s <= 0), (stroke(w_1, w_2, T_h, 0, t_1), s < t_1),
                        (stroke(w_2, w_1, T_c, t_1, t_3), s < t_1 + t_3), (end, True))


def heat_engine() -> LinearSDE:
    """The particle in the trap of :func:`engine_stiffness`, at ``T_h`` for ``s < t_1`` and ``T_c`` after.

    Examples
    --------
    >>> heat_engine().time
    s
    """
    return LinearSDE({x: -engine_stiffness() * x}, {x: sp.Piecewise((T_h, s < t_1), (T_c, True))}, time=s)


def _own(name: str, bound: Any, description: str) -> Definition:
    return Definition(name, bound.latex(), description, check=bound)


def optimal_protocol_seed() -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    """The optimal protocol's quantities, from equilibrium over ``[0, t_f]``, and their published closed forms.

    Returns
    -------
    quantities : dict
        Name -> :class:`~thermotheory.Definition` with ``check=`` the bound quantity it equals.
    forms : dict
        Name -> a function of no arguments giving the closed form (Schmiedl & Seifert 2007).

    Examples
    --------
    >>> quantities, forms = optimal_protocol_seed()
    >>> list(quantities), quantities["heat"].check.regime
    (['work', 'heat', 'entropy_production'], 'transient')
    """
    start = {x: 1 / lambda_i}  # equilibrium in the trap at lambda_i
    c = _RATE  # the forms are written through the rate, as the paper and the pages write them

    def through_rate(expr: Any) -> ClosedForm:
        return ClosedForm(expr, [(_RATE, optimal_rate())], {_RATE: "c"})

    heat_ = c**2 * t_f / lambda_i - sp.log(1 + c * t_f)  # int of -lambda/2 d<x^2>, the variance (1 + c s)^2 / li
    quantities = {
        "work": _own("work", work.of(t=t_f, initial=start, energy=optimal_stiffness() * x**2 / 2),
                     "mean work of the optimal protocol"),
        "heat": _own("heat", heat.of(t=t_f, initial=start), "mean heat of the optimal protocol"),
        "entropy_production": _own("entropy_production", entropy_production.of(t=t_f, initial=start),
                                   "entropy produced by the optimal protocol")}
    forms = {"work": lambda: through_rate(heat_ + lambda_f * (1 + c * t_f) ** 2 / (2 * lambda_i) - sp.Rational(1, 2)),
             "heat": lambda: through_rate(heat_), "entropy_production": lambda: through_rate(c**2 * t_f / lambda_i)}
    return quantities, forms


def heat_engine_seed() -> tuple[dict[str, Any], dict[str, Callable[[], Any]]]:
    """The heat engine's quantities over one cycle (and the hot stroke's heat), and their published closed forms.

    Returns
    -------
    quantities : dict
        Name -> :class:`~thermotheory.Definition` with ``check=`` the bound quantity it equals.
    forms : dict
        Name -> a function of no arguments giving the closed form (Schmiedl & Seifert 2008).

    Examples
    --------
    >>> quantities, forms = heat_engine_seed()
    >>> list(quantities)
    ['work', 'heat_hot', 'heat', 'entropy_production']
    """
    start = {x: w_1}
    dS, A = sp.log(w_2 / w_1) / 2, (sp.sqrt(w_2) - sp.sqrt(w_1)) ** 2  # entropy change, irreversible action
    cycle = t_1 + t_3
    quantities = {
        "work": _own("work", work.of(t=cycle, initial=start, energy=engine_stiffness() * x**2 / 2),
                     "mean work over one cycle"),
        "heat_hot": _own("heat_hot", heat.of(t=t_1, initial=start), "mean heat over the hot stroke"),
        "heat": _own("heat", heat.of(t=cycle, initial=start), "mean heat over one cycle"),
        "entropy_production": _own("entropy_production", entropy_production.of(t=cycle, initial=start),
                                   "entropy produced over one cycle")}
    forms = {"work": lambda: -(T_h - T_c) * dS + A * (1 / t_1 + 1 / t_3),
             "heat_hot": lambda: -dS + A / (T_h * t_1), "heat": lambda: A / (T_h * t_1) + A / (T_c * t_3),
             "entropy_production": lambda: A / (T_h * t_1) + A / (T_c * t_3)}
    return quantities, forms


def optimal_protocol_tex() -> tuple[str, ...]:
    r"""LaTeX paragraphs defining the optimal protocol's stiffness, for reports (the model is shown as
    :func:`shown_trap`). The rate :math:`c` (:func:`optimal_rate`) is defined once, with the closed forms that are
    written through it (:func:`optimal_protocol_seed`), as the pages define it; the paragraphs name it.

    Examples
    --------
    >>> optimal_protocol_tex()[2]
    '\\lambda(s) &= \\frac{\\lambda_i - c (1 + c s)}{(1 + c s)^2},'
    """
    return (r"with the stiffness $\lambda(s) = \lambda_i$ for $s \le 0$, $\lambda_f$ for $s \ge t_f$ (it "
            r"jumps at both ends) and in between",
            r"\begin{align}",
            r"\lambda(s) &= \frac{\lambda_i - c (1 + c s)}{(1 + c s)^2},",
            r"\end{align}",
            r"so that $\langle x^2 \rangle = (1 + c s)^2 / \lambda_i$, with the rate $c$ defined with the closed "
            r"forms below; $T(s) = 1$.")


#: LaTeX paragraphs defining the heat engine's protocol, for reports.
HEAT_ENGINE_TEX = (
    r"with the temperature $T(s) = T_h$ for $s < t_1$ and $T_c$ after, and the stiffness",
    r"\begin{align}",
    r"\lambda(s) &= \frac{T(s) - r(s)\, r'(s)}{r(s)^2}, \qquad r(s) = \begin{cases} \sqrt{w_1} + "
    r"(\sqrt{w_2} - \sqrt{w_1})\, s / t_1, & 0 < s < t_1, \\ \sqrt{w_2} + (\sqrt{w_1} - \sqrt{w_2})"
    r"\, (s - t_1) / t_3, & t_1 < s < t_1 + t_3, \end{cases}",
    r"\end{align}",
    r"at its value at $t_1 + t_3$ outside the cycle (it jumps at $0$, $t_1$ and $t_1 + t_3$), so that "
    r"$\sqrt{\langle x^2 \rangle} = r(s)$.")
