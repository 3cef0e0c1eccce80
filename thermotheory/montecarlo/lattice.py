"""Monte Carlo estimators of a lattice field's quantities: exact samples and Langevin paths.

Entropies and mutual informations of regions are plug-in Gaussian estimates from exact
samples of the stationary field (drawn by filtering white noise, which uses the field's
propagator but not the closed forms checked: those come from dense covariances in real
space, or from a sum over momenta); the entropy production rate is estimated from Langevin
paths of the field's dense dynamics (small lattices). Nothing here calls a closed form.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelError
from . import blocks
from . import stationary
from .stationary import Run

__all__ = ["estimate", "MAX_SITES"]

#: Most sites of a lattice whose whole-field entropy or entropy production is estimated.
MAX_SITES = 64


def estimate(field, bound, run: Run):
    """Estimate ``bound`` on the :class:`~thermotheory.models.lattice.LatticeField` ``field``.

    Returns ``(Estimate, dt used or 0, duration or 0)``.
    """
    args, name = bound.arguments, bound.name
    if name == "entropy_production_rate":
        if field.sites > MAX_SITES:
            raise ModelError(f"the entropy production of a lattice is estimated from its dense dynamics, "
                             f"at most {MAX_SITES} sites; this one has {field.sites}")
        from ..quantity import quantity

        dense = field.linear_sde(max_sites=MAX_SITES)
        return stationary.estimate(dense, quantity("entropy_production_rate").of(), run)
    if name not in ("entropy", "mutual_information"):
        raise ModelError(f"no Monte Carlo estimator of {name} for a lattice field")
    samples = field.sample(run.paths, seed=run.seed).reshape(run.paths, -1)
    if name == "entropy":
        region = args.get("X")
        if region is None and field.sites > MAX_SITES:
            raise ModelError(f"the entropy of a whole lattice of {field.sites} sites is not estimated (at most "
                             f"{MAX_SITES}); give a region")
        groups = [list(range(field.sites)) if region is None else field.flat_indices(region)]
    else:
        groups = [field.flat_indices(args["X"]), field.flat_indices(args["Y"])]
    cols = sorted(set().union(*groups))
    where = {c: i for i, c in enumerate(cols)}
    groups = [[where[c] for c in g] for g in groups]
    x = samples[:, cols]
    k = len(cols)
    rows = np.column_stack([x, np.einsum("pi,pj->pij", x, x).reshape(run.paths, -1), np.ones(run.paths)])

    def logdet(cov, g):
        sign, value = np.linalg.slogdet(cov[np.ix_(g, g)])
        if sign <= 0:
            raise ModelError("the sampled covariance of the region is singular: take more samples (paths=)")
        return value

    def stat(total):
        N = total[-1]
        mean = total[:k] / N
        cov = total[k:k + k * k].reshape(k, k) / N - np.outer(mean, mean)
        if name == "entropy":
            return 0.5 * (len(groups[0]) * np.log(2 * np.pi * np.e) + logdet(cov, groups[0]))
        return 0.5 * (logdet(cov, groups[0]) + logdet(cov, groups[1]) - logdet(cov, groups[0] + groups[1]))

    return blocks.jackknife(rows, stat, run.paths), 0.0, 0.0
