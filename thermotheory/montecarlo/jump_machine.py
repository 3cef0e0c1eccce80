"""Monte Carlo estimator of a machine's conversion efficiency between two reservoirs of a Markov jump process.

From stationary Gillespie paths (:func:`~.jump.stationary_run`): per path, the entropy flow
into the medium from the jumps of the input reservoir and of the output reservoir (the number
of jumps along each transition times its entropy flow, per unit of recorded time; unbiased in
the stationary state), and the ratio ``-sigma_out / sigma_in`` of their sums over the paths.
Both flows come from the same paths, so their correlation is kept: the error is the
delete-one-group jackknife of the ratio (:func:`~thermotheory.montecarlo.blocks.jackknife`),
the delta method on groups of independent paths. The model is read through its numeric
interface only (``edge_arrays``, ``entropy_flow_edges``, ``reservoir_edges``); nothing here
calls a closed form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UndefinedEfficiency, UnknownReservoir
from . import blocks
from .jump import Result, _edge_mask, _jump_model, _settings, stationary_run

__all__ = ["conversion_efficiency"]


def _reservoir_mask(model: Any, name: Any, role: str) -> np.ndarray:
    names = tuple(model.reservoir_names)
    if not isinstance(name, str) or name not in names:
        raise UnknownReservoir(f"conversion_efficiency: the {role} {name!r:.60} is not a reservoir of the model; its "
                               f"reservoirs are {list(names)}")
    return _edge_mask(model, reservoir=name)


def conversion_efficiency(model: Any, input: Any, output: Any, *, paths: int, seed: int = 0,
                          dt: float | None = None, duration: float | None = None, method: str = "exact") -> Result:
    """Stationary conversion efficiency ``-sigma_out / sigma_in`` between two reservoirs, from Gillespie paths.

    Parameters
    ----------
    model : MarkovJumpProcess
        Numeric, with reservoirs declared per transition.
    input, output : str
        Names of two different reservoirs of ``model.reservoir_names``.
    paths, seed, dt, duration, method
        The run's settings, as for the other jump estimators (``dt`` must be None: a
        Gillespie path has no step).

    Returns
    -------
    (Estimate, 0.0, duration)

    Raises
    ------
    UnknownReservoir
        For a name that is not a reservoir of the model.
    UndefinedEfficiency
        When ``input == output``, or the sampled entropy flow of the input is zero.

    Examples
    --------
    >>> import math, thermotheory as tt
    >>> machine = tt.MarkovJumpProcess({(0, 1): 1.0, (1, 0): math.exp(-4.0), (1, 2): 1.0, (2, 1): math.exp(3.0),
    ...                                 (2, 0): 1.0, (0, 2): 1.0},
    ...                                reservoirs={(0, 1): "atp", (1, 2): "ions", (2, 0): "medium"})
    >>> e, _, _ = conversion_efficiency(machine, "atp", "ions", paths=256, seed=0)
    >>> abs(e.z(0.75)) < 4  # tightly coupled: the ratio of the affinities, 3 / 4
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    m_in = _reservoir_mask(model, input, "input")
    m_out = _reservoir_mask(model, output, "output")
    if input == output:
        raise UndefinedEfficiency(f"conversion_efficiency: the input and the output are the same reservoir "
                                  f"{input!r}; name two different reservoirs of {list(model.reservoir_names)}")
    w_in = np.where(m_in, model.entropy_flow_edges(where=m_in), 0.0)
    w_out = np.where(m_out, model.entropy_flow_edges(where=m_out), 0.0)
    if not np.any(w_in):
        raise UndefinedEfficiency(f"conversion_efficiency: the jumps of the input {input!r} carry no entropy flow, so "
                                  "its flow is zero and the efficiency is undefined; name another input")
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration, occupation=False)
    counts = rec.totals()
    rows = np.column_stack([counts @ w_in / rec.duration, counts @ w_out / rec.duration, np.ones(rec.paths)])

    def stat(tot: np.ndarray) -> float:
        if tot[0] == 0:
            raise UndefinedEfficiency(f"conversion_efficiency: the sampled entropy flow of the input {input!r} is "
                                      "zero, so the efficiency is undefined; simulate more paths or a longer duration")
        return float(-tot[1] / tot[0])

    return blocks.jackknife(rows, stat, paths), 0.0, rec.duration
