"""A signal acting on a readout through a hidden intermediate, ``v -> x -> y``: information rates of paths.

Three Ornstein–Uhlenbeck variables in a chain, ``dv = -gamma_v v dt + ...``,
``dx = (kappa_x v - gamma_x x) dt + ...``, ``dy = (kappa_y x - gamma_y y) dt + ...``,
with noise strengths ``D_v, D_x, D_y``: the transfer entropy rates from ``v`` to ``y``, the
mutual information rate of their paths, and the dissipation that a partial recording
(``(x, y)`` or ``(v, y)``) sees.

Examples
--------
>>> cascade().variables
(v, x, y)
"""

from __future__ import annotations

import sympy as sp

from ..core.model import LinearSDE
from ..quantity import BoundQuantity
from ..registry import (entropy_production_rate, full_history_transfer_entropy_rate, kl_divergence_rate,
                        mutual_information_rate, transfer_entropy_rate)

__all__ = ["gamma_v", "gamma_x", "gamma_y", "kappa_x", "kappa_y", "D_v", "D_x", "D_y", "v", "x", "y", "cascade",
           "cascade_quantities", "GLOSSARY"]

#: The cascade v -> x -> y: relaxation rates, couplings and noise strengths.
gamma_v, gamma_x, gamma_y, kappa_x, kappa_y = sp.symbols("gamma_v gamma_x gamma_y kappa_x kappa_y", positive=True)
D_v, D_x, D_y = sp.symbols("D_v D_x D_y", positive=True)
v, x, y = sp.symbols("v x y", real=True)
#: What each of the cascade's symbols means, and its units, for the glossaries of the pages and reports that print
#: them.
GLOSSARY = {v: ("signal", "arbitrary units"), x: ("hidden intermediate", "units of $v$"),
            y: ("readout", "units of $v$"),
            gamma_v: ("relaxation rate of $v$", "per unit time"), gamma_x: ("relaxation rate of $x$", "per unit time"),
            gamma_y: ("relaxation rate of $y$", "per unit time"), kappa_x: ("coupling of $x$ to $v$", "per unit time"),
            kappa_y: ("coupling of $y$ to $x$", "per unit time"),
            D_v: ("noise intensity of $v$", "squared units of $v$ per unit time"),
            D_x: ("noise intensity of $x$", "squared units of $x$ per unit time"),
            D_y: ("noise intensity of $y$", "squared units of $y$ per unit time")}


def cascade() -> LinearSDE:
    """The chain ``v -> x -> y`` as a :class:`~thermotheory.LinearSDE`.

    Examples
    --------
    >>> cascade().is_stable()
    True
    """
    return LinearSDE({v: -gamma_v * v, x: kappa_x * v - gamma_x * x, y: kappa_y * x - gamma_y * y},
                     {v: D_v, x: D_x, y: D_y})


def cascade_quantities() -> dict[str, BoundQuantity]:
    """The catalog's quantities of the cascade: rates of the paths of ``(v, y)`` and of partial recordings.

    Examples
    --------
    >>> list(cascade_quantities())[:2]
    ['full_history_transfer_entropy_rate', 'transfer_entropy_rate']
    """
    return {"full_history_transfer_entropy_rate": full_history_transfer_entropy_rate.of(v, y),
            "transfer_entropy_rate": transfer_entropy_rate.of(v, y),
            "mutual_information_rate": mutual_information_rate.of(v, y),
            "entropy_production_rate": entropy_production_rate.of(),
            "kl_divergence_rate_xy": kl_divergence_rate.of([x, y]),
            "kl_divergence_rate_vy": kl_divergence_rate.of([v, y])}
