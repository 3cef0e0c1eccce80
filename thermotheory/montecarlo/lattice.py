"""Monte Carlo estimators of a lattice field's quantities: exact samples and Langevin paths.

Entropies and mutual informations of regions are plug-in Gaussian estimates from exact
samples of the stationary field (drawn by filtering white noise, which uses the field's
propagator but not the closed forms checked: those come from dense covariances in real
space, or from a sum over momenta); the entropy production rate is estimated from Langevin
paths of the field's dense dynamics (small lattices). One function per quantity, taking its
roles and the run's settings and returning ``(Estimate, dt used or 0, duration or 0)``; the
estimator table points at them. Nothing here calls a closed form.
"""

from __future__ import annotations

import numpy as np

from ..core.lattice import MAX_WORKING_BYTES
from ..errors import ModelError, TooLarge
from . import blocks
from . import stationary
from .stationary import Run

__all__ = ["entropy", "mutual_information", "entropy_production_rate", "estimate", "MAX_SITES"]

#: Most sites of a lattice whose whole-field entropy or entropy production is estimated.
MAX_SITES = 64


def _regions(field, groups, paths, seed):
    """Jackknife rows of exact samples restricted to the union of the regions, and the regions' columns there."""
    cols = sorted(set().union(*groups))
    k = len(cols)
    if 8.0 * paths * (k * k + k + 1) > MAX_WORKING_BYTES:  # the rows: each sample's values and their products
        raise TooLarge(f"{paths} samples of a region of {k} sites need {8.0 * paths * (k * k + k + 1) / 1024**3:.3g} "
                       f"GiB of rows, more than {MAX_WORKING_BYTES / 1024**3:g} GiB: take fewer samples (paths=)")
    samples = field.sample(paths, seed=seed).reshape(paths, -1)
    where = {c: i for i, c in enumerate(cols)}
    groups = [[where[c] for c in g] for g in groups]
    x = samples[:, cols]
    rows = np.column_stack([x, np.einsum("pi,pj->pij", x, x).reshape(paths, -1), np.ones(paths)])
    return rows, groups, len(cols)


def _logdet(cov, g):
    sign, value = np.linalg.slogdet(cov[np.ix_(g, g)])
    if sign <= 0:
        raise ModelError("the sampled covariance of the region is singular: take more samples (paths=)")
    return value


def _sampled(rows, k, stat_of_cov, paths):
    def stat(total):
        N = total[-1]
        mean = total[:k] / N
        cov = total[k:k + k * k].reshape(k, k) / N - np.outer(mean, mean)
        return stat_of_cov(cov)

    return blocks.jackknife(rows, stat, paths), 0.0, 0.0


def entropy(field, X=None, *, paths: int, seed: int = 0, dt: float | None = None, duration: float | None = None,
            method: str = "exact"):
    """Entropy of the region ``X`` (default: the whole field, at most :data:`MAX_SITES` sites) from exact
    samples: ``(Estimate, 0, 0)``."""
    if X is None and field.sites > MAX_SITES:
        raise ModelError(f"the entropy of a whole lattice of {field.sites} sites is not estimated (at most "
                         f"{MAX_SITES}); give a region")
    rows, (g,), k = _regions(field, [list(range(field.sites)) if X is None else field.flat_indices(X)], paths, seed)
    return _sampled(rows, k, lambda cov: 0.5 * (len(g) * np.log(2 * np.pi * np.e) + _logdet(cov, g)), paths)


def mutual_information(field, X, Y, *, paths: int, seed: int = 0, dt: float | None = None,
                       duration: float | None = None, method: str = "exact"):
    """Mutual information between the regions ``X`` and ``Y`` from exact samples: ``(Estimate, 0, 0)``."""
    rows, (x, y), k = _regions(field, [field.flat_indices(X), field.flat_indices(Y)], paths, seed)
    return _sampled(rows, k, lambda cov: 0.5 * (_logdet(cov, x) + _logdet(cov, y) - _logdet(cov, x + y)), paths)


def entropy_production_rate(field, subsystem=None, *, paths: int, seed: int = 0, dt: float | None = None,
                            duration: float | None = None, method: str = "exact"):
    """Entropy production rate of the whole field, from Langevin paths of its dense dynamics (at most
    :data:`MAX_SITES` sites): ``(Estimate, dt used, duration)``."""
    if subsystem is not None:
        raise ModelError("the entropy production of a lattice field is estimated for the whole field only")
    if field.sites > MAX_SITES:
        raise ModelError(f"the entropy production of a lattice is estimated from its dense dynamics, "
                         f"at most {MAX_SITES} sites; this one has {field.sites}")
    dense = field.linear_sde(max_sites=MAX_SITES)
    return stationary.entropy_production_rate(dense, paths=paths, seed=seed, dt=dt, duration=duration,
                                              method=method)


def estimate(field, bound, run: Run):
    """Deprecated: the estimator of ``bound`` is the function of its quantity here (``entropy(field, X,
    paths=..., ...)``), which the estimator table points at."""
    import warnings

    warnings.warn("thermotheory.montecarlo.lattice.estimate is deprecated; call the quantity's function "
                  "(thermotheory.montecarlo.lattice.entropy(field, X, paths=...), ...) or tt.estimate(field, bound)",
                  DeprecationWarning, stacklevel=2)
    fn = {f.__name__: f for f in (entropy, mutual_information, entropy_production_rate)}.get(bound.name)
    if fn is None:
        raise ModelError(f"no Monte Carlo estimator of {bound.name} for a lattice field")
    return fn(field, **bound.arguments, paths=run.paths, seed=run.seed, dt=run.dt, duration=run.duration,
              method=run.method)
