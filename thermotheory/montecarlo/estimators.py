"""Estimators with standard errors, computed from samples and trajectories.

None of these calls a closed form of thermotheory: densities are fitted to the samples
(empirical mean and covariance), and heat and information flow are path integrals of
the model's drift along simulated paths.

Bias and error control
----------------------
- Static quantities (covariance, Gaussian entropy and mutual information) use iid
  samples; the standard error comes from ``batches`` batch means. The plug-in Gaussian
  mutual information is biased upwards by about ``k_X k_Y / (2 N)`` nats for N samples.
- Rates use per-path time averages over independent paths, so the standard error is the
  spread over paths divided by ``sqrt(paths)``. The Stratonovich (midpoint) heat and the
  forward-difference information flow have a bias of order ``dt / tau`` relative to the
  value (tau the fastest relaxation time): keep ``dt`` well below the fastest time scale.
  Their error falls as ``1 / sqrt(paths * duration)``.
  :class:`Extrapolated` cancels that bias order by order (Richardson extrapolation along
  the same paths) and can estimate what remains from one more, coarser step.
- Every :class:`Estimate` carries its degrees of freedom: ``batches - 1`` for batch means,
  ``paths - 1`` for per-path means. :meth:`Estimate.z` converts the t statistic with those
  degrees of freedom to the normal deviate with the same tail probability, so a test
  ``|z| <= z_max`` has the nominal false-failure rate of a standard normal.

(The implementations live in :mod:`.uncertainty` (the :class:`Estimate` type),
:mod:`.samples` (iid samples), :mod:`.observers` (streaming path observers), :mod:`.paths`
(recorded paths) and :mod:`.regression` (transfer entropy and filter error); this module
gathers them.)

The estimator table
-------------------
:data:`ESTIMATORS` is the one table of the Monte Carlo estimators that ``verify`` runs:
``(quantity name, model kind, regime) -> Estimator(fn, paths, sizing)``, where the model kind
is a model class's ``kind`` (``"linear"``, ``"nonlinear"``, ``"lattice"``) and the regime is
``"stationary"`` or ``"transient"`` (:attr:`~thermotheory.quantity.BoundQuantity.regime`).
The estimators themselves live by family (:mod:`.stationary`, :mod:`.transient`,
:mod:`.nonlinear`, :mod:`.lattice`, :mod:`.currents`, :mod:`.spectral`); a quantity gets an
estimator by one row here. The quantity records (:mod:`thermotheory.registry`) hold closed
forms and notation only; ``Quantity.estimators`` is a view of this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ModelError
from ..quantity import ESTIMATOR_TABLES, QUANTITIES
from . import currents as currents_mc
from . import lattice as lattice_mc
from . import nonlinear as nonlinear_mc
from . import spectral as spectral_mc
from . import stationary as stationary_mc
from . import transient as transient_mc
from .uncertainty import Estimate, _satterthwaite, _with_bias, normal_equivalent_z, per_path, pooled, ratio
from .observers import Extrapolated, FittedGaussian, InformationFlow, MediumEntropyFlow, Paired, SystemEntropyChange
from .paths import (_is_nonlinear, _model_arrays, _nonlinear_heat, _run_on, entropy_production_rate, heat, heat_rate,
                    information_flow, time_scales)
from .regression import (TransferEntropyMoments, _moment_pairs, _paired_batches, filter_error,
                         filter_error_from_moments, filter_error_from_pairs, filter_rates, transfer_entropy_from_moments,
                         transfer_entropy_from_pairs, transfer_entropy_observer, transfer_entropy_rate)
from .samples import (_batched, _ksg, _logdet_cov, gaussian_conditional_mutual_information, gaussian_entropy,
                      gaussian_mutual_information, ksg_mutual_information, sample_covariance)

__all__ = [
    "Estimate",
    "normal_equivalent_z",
    "per_path",
    "pooled",
    "ratio",
    "sample_covariance",
    "gaussian_entropy",
    "gaussian_mutual_information",
    "gaussian_conditional_mutual_information",
    "ksg_mutual_information",
    "MediumEntropyFlow",
    "InformationFlow",
    "SystemEntropyChange",
    "TransferEntropyMoments",
    "transfer_entropy_rate",
    "filter_error",
    "transfer_entropy_from_pairs",
    "filter_error_from_pairs",
    "filter_rates",
    "time_scales",
    "transfer_entropy_observer",
    "Paired",
    "Extrapolated",
    "FittedGaussian",
    "heat_rate",
    "information_flow",
    "entropy_production_rate",
    "Estimator",
    "ESTIMATORS",
    "add_estimator",
    "estimator_for",
]


@dataclass(frozen=True)
class Estimator:
    """One row of the estimator table.

    Attributes
    ----------
    fn : callable
        The estimator of the quantity on the model kind, ``fn(numeric model, *roles, paths=, seed=,
        dt=, duration=, method=) -> (Estimate, dt used, duration)`` with the quantity's roles by name
        (``stationary.heat_rate(model, subsystem, paths=...)``); an estimator given to a
        :class:`~thermotheory.quantity.Quantity` outside the package (``by_roles=False``) is
        ``fn(numeric model, bound quantity, run)`` with ``run`` a
        :class:`~thermotheory.montecarlo.stationary.Run`.
    paths : int
        Default number of independent paths when ``verify`` is given no ``paths=``.
    sizing : str or None
        The stationary method family (``"static"``, ``"rate"`` or ``"regression"``) by which
        ``verify`` checks the step, refines a regression step and sizes a run to ``budget=`` or
        ``rtol=`` (see :mod:`.stationary`); None: ``budget=`` and ``rtol=`` size the run in paths
        alone (timed pilots of growing paths, the estimator's own duration).
    checks : callable or None
        ``checks(numeric model) -> [(order, args, kwargs), ...]``: the instances of the quantity
        that ``verify_all`` checks on a model (its roles as ``args`` and ``kwargs``), sorted
        across rows by ``order``; None: ``verify_all`` does not check it.
    by_roles : bool
        Whether ``fn`` takes the roles and the settings (the table's rows) or ``(bound, run)``.
    """

    fn: Callable[..., Any]
    paths: int
    sizing: str | None = None
    checks: Callable[[Any], list[tuple[tuple, tuple, dict]]] | None = None
    by_roles: bool = True

    def measure(self, model: Any, bound: Any, run: Any) -> tuple[Estimate, float, float]:
        """``(Estimate, dt used, duration)`` of ``bound`` on the numeric ``model`` with the settings of ``run``.

        The step refined for a regression (``run.te_step``) is the step when no ``dt`` is given.
        """
        if not self.by_roles:
            return self.fn(model, bound, run)
        return self.fn(model, **bound.arguments, paths=run.paths, seed=run.seed, dt=run.dt or run.te_step,
                       duration=run.duration, method=run.method)


#: The estimator table: ``(quantity name, model kind, regime) -> Estimator``.
ESTIMATORS: dict[tuple[str, str, str], Estimator] = {}
ESTIMATOR_TABLES.append(ESTIMATORS)  # Quantity.estimators reads it (the quantity module imports no Monte Carlo)


def add_estimator(name: str, kind: str, regime: str, fn: Callable[..., Any], paths: int,
                  sizing: str | None = None, checks: Callable[[Any], list] | None = None,
                  by_roles: bool = True) -> Estimator:
    """Add the row ``(name, kind, regime)`` to :data:`ESTIMATORS` (a row can be added once).

    ``fn`` takes the quantity's roles by name and the run's settings (see :class:`Estimator`).
    """
    key = (name, kind, regime)
    if key in ESTIMATORS:
        raise ValueError(f"the estimator table has a row {key} already")
    ESTIMATORS[key] = row = Estimator(fn, paths, sizing, checks, by_roles)
    return row


def _fallback_paths(kind: str, regime: str) -> int:
    """Default paths of an estimator given to a Quantity that is not in the table."""
    if kind == "lattice":
        return 4096
    if regime == "transient":
        return transient_mc.DEFAULT_PATHS
    if kind == "nonlinear":
        return nonlinear_mc.DEFAULT_PATHS
    return 2048


def estimator_for(quantity: Any, kind: str, regime: str) -> Estimator | None:
    """The estimator of ``quantity`` (a :class:`~thermotheory.quantity.Quantity`) on a model of ``kind`` in ``regime``.

    The table's row for a registered quantity; for a quantity built outside the package, the
    estimator given to its constructor (``estimators=``); None when there is none.

    Examples
    --------
    >>> import thermotheory as tt
    >>> estimator_for(tt.heat_rate, "linear", "stationary").sizing
    'rate'
    >>> estimator_for(tt.efficiency, "lattice", "stationary") is None
    True
    """
    if QUANTITIES.get(quantity.name) is quantity and (quantity.name, kind, regime) in ESTIMATORS:
        return ESTIMATORS[(quantity.name, kind, regime)]
    fn = quantity.own_estimators.get((kind, regime))
    return None if fn is None else Estimator(fn, _fallback_paths(kind, regime), by_roles=False)


def _current_estimator(fn: Callable[..., Any]) -> Callable[..., Any]:
    def estimate(model, current, entropy_rate=None, *, paths, seed=0, dt=None, duration=None, method="exact"):
        extra = {} if entropy_rate is None else {"entropy_rate": float(entropy_rate)}
        return fn(model, current, paths=paths, seed=seed, dt=dt, duration=duration, method=method, **extra)

    estimate.__name__ = fn.__name__
    return estimate


def _path_estimator(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    q = QUANTITIES[name]

    def estimate(model, *, paths, seed=0, dt=None, duration=None, method="exact", **roles):
        return fn(model, *q.positional(roles), paths=paths, seed=seed, dt=dt, duration=duration, method=method)

    estimate.__name__ = fn.__name__
    return estimate


# -- what verify_all checks on a linear model: (order, args, kwargs), the order being that of its table ---------
# entropy of each variable; mutual information of each with the rest; the total entropy production; then, per
# variable that dissipates (diagonal noise), heat, information flow, partial entropy production, efficiency,
# transfer entropy into it and the filter error of the other from its paths.

def _each_variable(numeric):
    return [((0, i, 0), (z,), {}) for i, z in enumerate(numeric.variables)]


def _with_the_rest(numeric):
    zs = list(numeric.variables)
    if len(zs) == 2:
        return [((1, 0, 0), (zs[0], zs[1]), {})]
    return [((1, i, 0), (z, zs[:i] + zs[i + 1:]), {}) for i, z in enumerate(zs)]


def _dissipating(numeric):
    """``(i, variable)`` of each variable with its own noise, when the noise is independent between variables."""
    D = numeric.arrays()[2]
    if np.count_nonzero(D - np.diag(np.diag(D))) != 0:
        return []
    return [(i, z) for i, z in enumerate(numeric.variables) if D[numeric.index(z), numeric.index(z)] != 0]


def _per_variable(position):
    def checks(numeric):
        return [((3, i, position), (z,), {}) for i, z in _dissipating(numeric)]
    return checks


def _entropy_production_checks(numeric):
    return [((2, 0, 0), (), {})] + [((3, i, 2), (), {"subsystem": z}) for i, z in _dissipating(numeric)]


def _efficiency_checks(numeric):  # the efficiency of a subsystem that dissipates
    from ..core.thermo import heat_rate as closed_heat_rate

    return [((3, i, 3), (z,), {}) for i, z in _dissipating(numeric) if closed_heat_rate(numeric, z) > 1e-12]


def _filtered(numeric):
    """``(i, variable, source)`` where the filter of the variable from the rest converges."""
    from ..core import filtering

    out = []
    for i, z in _dissipating(numeric):
        rest = [w for w in numeric.variables if w != z]
        source = rest if len(rest) > 1 else rest[0]
        if filtering.has_noiseless_marginal_modes(numeric, z):
            continue  # the filter converges only as 1/t: no finite window reaches the stationary value
        try:  # the filter needs a stabilising Riccati solution; without one these do not apply
            filtering.transfer_entropy_rate(numeric, source, z)
        except ModelError:
            continue
        out.append((i, z, source))
    return out


def _transfer_entropy_checks(numeric):
    return [((3, i, 4), (source, z), {}) for i, z, source in _filtered(numeric)]


def _filter_error_checks(numeric):
    return [((3, i, 5), (source, z), {}) for i, z, source in _filtered(numeric) if not isinstance(source, list)]


def _rows() -> None:
    st, tr, nl, lat = stationary_mc, transient_mc, nonlinear_mc, lattice_mc
    static, rate, regression = (stationary_mc.DEFAULT_PATHS[m] for m in ("static", "rate", "regression"))
    transient_paths, nonlinear_paths = transient_mc.DEFAULT_PATHS, nonlinear_mc.DEFAULT_PATHS

    add_estimator("entropy", "linear", "stationary", st.entropy, static, "static", _each_variable)
    add_estimator("entropy", "linear", "transient", tr.entropy, transient_paths)
    add_estimator("entropy", "nonlinear", "stationary", nl.entropy, nonlinear_paths)
    add_estimator("entropy", "nonlinear", "transient", tr.entropy, transient_paths)
    add_estimator("entropy", "lattice", "stationary", lat.entropy, 4096)
    add_estimator("mutual_information", "linear", "stationary", st.mutual_information, static, "static",
                  _with_the_rest)
    add_estimator("mutual_information", "linear", "transient", tr.mutual_information, transient_paths)
    add_estimator("mutual_information", "nonlinear", "stationary", nl.mutual_information, nonlinear_paths)
    add_estimator("mutual_information", "nonlinear", "transient", tr.mutual_information, transient_paths)
    add_estimator("mutual_information", "lattice", "stationary", lat.mutual_information, 4096)
    add_estimator("conditional_mutual_information", "linear", "stationary", st.conditional_mutual_information,
                  static, "static")
    add_estimator("conditional_mutual_information", "linear", "transient", tr.conditional_mutual_information,
                  transient_paths)
    add_estimator("conditional_mutual_information", "nonlinear", "stationary", nl.conditional_mutual_information,
                  nonlinear_paths)
    add_estimator("conditional_mutual_information", "nonlinear", "transient", tr.conditional_mutual_information,
                  transient_paths)
    add_estimator("entropy_production_rate", "linear", "stationary", st.entropy_production_rate, rate, "rate",
                  _entropy_production_checks)
    add_estimator("entropy_production_rate", "nonlinear", "stationary", nl.entropy_production_rate, nonlinear_paths)
    add_estimator("entropy_production_rate", "lattice", "stationary", lat.entropy_production_rate, 4096)
    add_estimator("heat_rate", "linear", "stationary", st.heat_rate, rate, "rate", _per_variable(0))
    add_estimator("heat_rate", "nonlinear", "stationary", nl.heat_rate, nonlinear_paths)
    add_estimator("information_flow", "linear", "stationary", st.information_flow, rate, "rate", _per_variable(1))
    add_estimator("information_flow", "nonlinear", "stationary", nl.information_flow, nonlinear_paths)
    add_estimator("efficiency", "linear", "stationary", st.efficiency, rate, "rate", _efficiency_checks)
    add_estimator("heat", "linear", "transient", tr.heat, transient_paths)
    add_estimator("heat", "nonlinear", "transient", tr.heat, transient_paths)
    add_estimator("entropy_production", "linear", "transient", tr.entropy_production, transient_paths)
    add_estimator("transfer_entropy_rate", "linear", "stationary", st.transfer_entropy_rate, regression, "regression",
                  _transfer_entropy_checks)
    add_estimator("filter_error", "linear", "stationary", st.filter_error, regression, "regression",
                  _filter_error_checks)
    for name, fn in (("current_mean_rate", currents_mc.estimate_current_mean_rate),
                     ("current_variance_rate", currents_mc.estimate_current_variance_rate),
                     ("uncertainty_ratio", currents_mc.estimate_uncertainty_ratio)):
        add_estimator(name, "linear", "stationary", _current_estimator(fn), 2048)
    for name, fn in (("full_history_transfer_entropy_rate", spectral_mc.estimate_full_history_transfer_entropy_rate),
                     ("mutual_information_rate", spectral_mc.estimate_mutual_information_rate),
                     ("kl_divergence_rate", spectral_mc.estimate_kl_divergence_rate)):
        add_estimator(name, "linear", "stationary", _path_estimator(fn, name), 2048)
    add_estimator("work", "linear", "transient", tr.work, transient_paths)

_rows()


# -- Markov jump processes (issue 26): Gillespie estimators of thermotheory.montecarlo.jump -------------------------
# sizing=None: a Gillespie path has no step and no linear drift, so the budget=/rtol= families (which size runs from
# the drift's time scales) do not apply; verify sizes a jump row's budget=/rtol= runs in paths alone.
# What verify_all checks on a jump model: the entropy of the state and of each subsystem, the mutual information
# between the subsystems (each with the rest), the total entropy production; then, per subsystem whose jumps are
# separable (a bipartite model), its heat rate, information flow, partial entropy production and efficiency.

def _jump_subsystems(numeric):
    return list(numeric.subsystems) if len(numeric.subsystems) >= 2 and numeric.is_bipartite else []


def _jump_entropy_checks(numeric):
    subs = list(numeric.subsystems) if len(numeric.subsystems) >= 2 else []
    return [((0, 0, 0), (), {})] + [((0, i + 1, 0), (s,), {}) for i, s in enumerate(subs)]


def _jump_mutual_information_checks(numeric):
    subs = list(numeric.subsystems)
    if len(subs) < 2:
        return []
    if len(subs) == 2:
        return [((1, 0, 0), (subs[0], subs[1]), {})]
    return [((1, i, 0), (s, tuple(subs[:i] + subs[i + 1:])), {}) for i, s in enumerate(subs)]


def _jump_entropy_production_checks(numeric):
    return [((2, 0, 0), (), {})] + [((3, i, 2), (), {"subsystem": s}) for i, s in enumerate(_jump_subsystems(numeric))]


def _jump_per_subsystem(position):
    def checks(numeric):
        return [((3, i, position), (s,), {}) for i, s in enumerate(_jump_subsystems(numeric))]
    return checks


def _jump_efficiency_checks(numeric):  # where the subsystem dissipates
    closed = QUANTITIES["heat_rate"].closed_forms.get("jump")
    if closed is None:
        return []
    return [((3, i, 3), (s,), {}) for i, s in enumerate(_jump_subsystems(numeric)) if float(closed(numeric, s)) > 1e-12]


def _jump_rows() -> None:
    from . import jump as jump_mc

    stat, trans = jump_mc.DEFAULT_PATHS["stationary"], jump_mc.DEFAULT_PATHS["transient"]
    add_estimator("entropy", "jump", "stationary", jump_mc.entropy, stat, None, _jump_entropy_checks)
    add_estimator("entropy", "jump", "transient", jump_mc.entropy, trans)
    add_estimator("mutual_information", "jump", "stationary", jump_mc.mutual_information, stat, None,
                  _jump_mutual_information_checks)
    add_estimator("mutual_information", "jump", "transient", jump_mc.mutual_information, trans)
    add_estimator("entropy_production_rate", "jump", "stationary", jump_mc.entropy_production_rate, stat, None,
                  _jump_entropy_production_checks)
    add_estimator("heat_rate", "jump", "stationary", jump_mc.heat_rate, stat, None, _jump_per_subsystem(0))
    add_estimator("information_flow", "jump", "stationary", jump_mc.information_flow, stat, None,
                  _jump_per_subsystem(1))
    add_estimator("efficiency", "jump", "stationary", jump_mc.efficiency, stat, None, _jump_efficiency_checks)
    add_estimator("heat", "jump", "transient", jump_mc.heat, trans)
    add_estimator("entropy_production", "jump", "transient", jump_mc.entropy_production, trans)
    for name in ("current_mean_rate", "current_variance_rate", "uncertainty_ratio"):
        add_estimator(name, "jump", "stationary", getattr(jump_mc, name), stat)


_jump_rows()


def _jump_machine_rows() -> None:
    """A machine's conversion efficiency between two declared reservoirs (not in verify_all: no default pair)."""
    from . import jump as jump_mc
    from . import jump_machine

    add_estimator("conversion_efficiency", "jump", "stationary", jump_machine.conversion_efficiency,
                  jump_mc.DEFAULT_PATHS["stationary"])


_jump_machine_rows()


def _jump_filter_rows() -> None:
    """The transfer entropy rate of a bipartite jump process, from the filter run along Gillespie paths."""
    from . import jump as jump_mc
    from . import jump_filter

    add_estimator("transfer_entropy_rate", "jump", "stationary", jump_filter.transfer_entropy_rate,
                  jump_mc.DEFAULT_PATHS["stationary"])


_jump_filter_rows()
