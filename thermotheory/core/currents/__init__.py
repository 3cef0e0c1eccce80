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
from .estimators import estimate_current_mean_rate, estimate_current_variance_rate, estimate_uncertainty_ratio
from .rates import current_mean_rate, current_variance_rate, uncertainty_ratio
from .scgf import OutsideDomain, current_scgf

_BARATO = r"""@article{barato2015,
  author  = {Barato, Andre C. and Seifert, Udo},
  title   = {Thermodynamic Uncertainty Relation for Biomolecular Processes},
  journal = {Physical Review Letters},
  volume  = {114},
  pages   = {158101},
  year    = {2015},
  doi     = {10.1103/PhysRevLett.114.158101}
}"""
_GINGRICH = r"""@article{gingrich2016,
  author  = {Gingrich, Todd R. and Horowitz, Jordan M. and Perunov, Nikolay and England, Jeremy L.},
  title   = {Dissipation Bounds All Steady-State Current Fluctuations},
  journal = {Physical Review Letters},
  volume  = {116},
  pages   = {120601},
  year    = {2016},
  doi     = {10.1103/PhysRevLett.116.120601}
}"""
_TOUCHETTE = r"""@article{touchette2018,
  author  = {Touchette, Hugo},
  title   = {Introduction to dynamical large deviations of {Markov} processes},
  journal = {Physica A},
  volume  = {504},
  pages   = {5--19},
  year    = {2018},
  doi     = {10.1016/j.physa.2017.10.046}
}"""
_SEIFERT = r"""@article{seifert2012,
  author  = {Seifert, Udo},
  title   = {Stochastic thermodynamics, fluctuation theorems and molecular machines},
  journal = {Reports on Progress in Physics},
  volume  = {75},
  pages   = {126001},
  year    = {2012},
  doi     = {10.1088/0034-4885/75/12/126001}
}"""

#: The quantities of this package for the registry (see the module docstring).
QUANTITY_INFO = [
    {
        "function": current_mean_rate,
        "estimator": estimate_current_mean_rate,
        "roles": ("current",),
        "kind": "rate",
        "symbol": r"\bar{{J}}[{current}]",
        "units": "units of the current per unit time (nats per unit time for heat and entropy)",
        "reference": "seifert2012",
        "bibtex": _SEIFERT,
        "description": "stationary mean rate of a time-integrated current",
    },
    {
        "function": current_variance_rate,
        "estimator": estimate_current_variance_rate,
        "roles": ("current",),
        "kind": "rate",
        "symbol": r"2 D[{current}]",
        "units": "units of the current squared per unit time",
        "reference": "gingrich2016",
        "bibtex": _GINGRICH,
        "description": "variance rate (twice the diffusion coefficient) of a time-integrated current",
    },
    {
        "function": current_scgf,
        "estimator": None,
        "roles": ("current", "s"),
        "kind": "rate",
        "symbol": r"\lambda[{current}]({s})",
        "units": "per unit time",
        "reference": "touchette2018",
        "bibtex": _TOUCHETTE,
        "description": "scaled cumulant generating function of a current (tilted generator, Riccati equation)",
    },
    {
        "function": uncertainty_ratio,
        "estimator": estimate_uncertainty_ratio,
        "roles": ("current",),
        "kind": "rate",
        "symbol": r"\mathcal{{Q}}[{current}]",
        "units": "dimensionless (>= 1 by the thermodynamic uncertainty relation)",
        "reference": "barato2015",
        "bibtex": _BARATO,
        "description": "thermodynamic uncertainty ratio 2 D_J Sigma / (2 J^2), at least 1 for currents of overdamped "
                       "models",
    },
]

__all__ = [
    "QUANTITY_INFO",
    "Current",
    "current_mean_rate",
    "current_variance_rate",
    "current_scgf",
    "uncertainty_ratio",
    "OutsideDomain",
    "estimate_current_mean_rate",
    "estimate_current_variance_rate",
    "estimate_uncertainty_ratio",
]
