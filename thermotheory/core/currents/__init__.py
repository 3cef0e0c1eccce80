r"""Fluctuations of time-integrated currents of stationary linear models, and the uncertainty relation.

A current :math:`J_t = \int (G z + g_0)^T \circ dz + \int h(z)\,dt` (:class:`Current`: heat,
entropy production, work, the time integral of a variable, or any such functional written
as expressions) has, in the steady state, a mean rate (:func:`current_mean_rate`), a
variance rate :math:`2 D_J = \lim \operatorname{Var}(J_t)/t` (:func:`current_variance_rate`)
and a scaled cumulant generating function (:func:`current_scgf`). The thermodynamic
uncertainty relation bounds the precision of a current by the entropy production
:math:`\Sigma`: :func:`uncertainty_ratio` :math:`= 2 D_J \Sigma / (2 \bar J^2) \ge 1`.

Modules: :mod:`.current` (the functional and its constructors), :mod:`.rates` (mean,
variance, ratio), :mod:`.scgf` (the tilted generator's Riccati equation),
:mod:`.estimators` (Monte Carlo estimates from simulated paths; they import
:mod:`thermotheory.montecarlo` when called).

``QUANTITY_INFO`` describes the quantities for the registry: closed form, estimator,
roles, kind, notation (a ``str.format`` pattern whose ``{current}`` field takes the
current's symbol), units, reference and its BibTeX entry, one-line description.
"""

from __future__ import annotations

from .current import Current
from .rates import current_mean_rate, current_variance_rate, uncertainty_ratio
from .scgf import OutsideDomain, current_scgf

__all__ = [
    "Current",
    "current_mean_rate",
    "current_variance_rate",
    "current_scgf",
    "uncertainty_ratio",
    "OutsideDomain",
]
