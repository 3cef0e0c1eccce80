"""A harmonic oscillator cooled by velocity feedback (cold damping).

The particle of :mod:`~thermotheory.models.particle` in a trap of stiffness ``k``, with the
feedback force ``-gamma_fb v`` on top of the bath's friction ``-gamma v``: the bath's heat,
the entropy the feedback pumps out, and the entropy production.

Examples
--------
>>> cold_damping().variables
(x, v)
"""

from __future__ import annotations

import sympy as sp

from ..core.model import LinearSDE
from ..quantity import BoundQuantity
from ..registry import entropy_production_rate, entropy_pumping_rate, heat_rate
from .particle import T, gamma, k, m, v, x

__all__ = ["gamma_fb", "cold_damping", "cold_damping_quantities", "GLOSSARY"]

#: The gain of the cold-damping feedback force -gamma_fb v.
gamma_fb = sp.Symbol("gamma_fb", positive=True)
#: What each of the cold-damped oscillator's symbols means, and its units, for the glossaries of the pages and reports
#: that print them.
GLOSSARY = {x: ("position of the oscillator", "length"), v: ("velocity of the oscillator", "speed"),
            m: ("mass", "mass"), k: ("stiffness of the trap", "energy per squared length"),
            T: ("temperature of the bath", "energy"), gamma: ("friction coefficient of the bath", "mass per time"),
            gamma_fb: ("gain of the feedback (its friction)", "mass per time")}


def cold_damping() -> LinearSDE:
    """The inertial particle in a trap with the feedback force ``-gamma_fb v`` (marked as feedback, ``v`` odd).

    Examples
    --------
    >>> cold_damping().parity
    (1, -1)
    """
    return LinearSDE({x: v, v: (-k * x - gamma * v - gamma_fb * v) / m},
                     {v: gamma * T / m**2}, parity={v: -1}, feedback={v: -gamma_fb * v / m})


def cold_damping_quantities() -> dict[str, BoundQuantity]:
    """The catalog's quantities of cold damping: the bath's heat rate, the entropy pumping and the entropy production.

    Examples
    --------
    >>> list(cold_damping_quantities())
    ['heat_rate', 'entropy_pumping_rate', 'entropy_production_rate']
    """
    return {"heat_rate": heat_rate.of(v), "entropy_pumping_rate": entropy_pumping_rate.of(),
            "entropy_production_rate": entropy_production_rate.of()}
