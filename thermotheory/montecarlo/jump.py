"""Monte Carlo estimators of a Markov jump process's quantities, from Gillespie paths.

One function per quantity (``heat_rate(model, subsystem, *, paths, seed, dt, duration, method)``,
...), taking the numeric :class:`~thermotheory.core.jump.MarkovJumpProcess`, the quantity's
roles and the run's settings, and returning ``(Estimate, 0.0, duration)`` (a Gillespie path has
no step). The estimator table (:mod:`.estimators`) points at them. They read the model through
its numeric interface only (``edge_arrays``, ``entropy_flow_edges``, ``reservoir_edges``,
``states``, ``subsystems``, ``component``); nothing here calls a closed form.

Stationary runs start every path in the model's first state and discard a burn-in of
:data:`BURN_IN` relaxation times (the relaxation time is ``1 / gap`` of the numeric
generator's spectrum: a time scale of the run, not a quantity checked), then record
:data:`DURATION` relaxation times. Per path the simulator (:func:`~.gillespie.gillespie`)
keeps the jumps along each transition and the time spent in each state; a statistic of the
sums of these per-path rows over groups of paths gets the delete-one-group jackknife error
(:func:`~thermotheory.montecarlo.blocks.jackknife`), so the error of a distribution estimated
from the same paths (information flow, partial entropy production, entropies) is included.

- currents, heat, entropy production: sums over jumps of the transition's weight (the
  current's, the entropy flow into the medium, ``ln(w_ij / w_ji)``), per unit of recorded
  time; unbiased in the stationary state (the system entropy change has mean zero there);
- the variance rate of a current: the spread over paths of the integrated current, from its
  two halves, extrapolated in the duration (``Var J_T = 2 D T - K`` up to exponentially small
  terms in a stationary state, so ``(Var J_T - Var J_{T/2}) / (T / 2)`` has no ``1/T`` bias);
- information flow and partial entropy production: sums over the subsystem's jumps of
  ``ln p(rest | x')/p(rest | x)`` with the stationary distribution estimated from the
  occupation of the same paths (its error is in the jackknife);
- occupation, Shannon entropy and mutual information: plug-in from the pooled occupation
  (stationary), or from the states at ``t`` of paths started in the initial distribution
  (transient, with the Miller-Madow correction of the plug-in bias);
- transient heat and entropy production over ``[0, t]``: per-path sums from the initial
  distribution, plus the change of the system's Shannon entropy (from the states at ``t``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.checks import real_number
from ..errors import IrreversibleTransition, ModelError, NotAModel, NotBipartite, NotErgodic, TooLarge
from . import blocks
from .gillespie import JUMP_BLOCK, JumpRecord, gillespie
from .simulate import block_ranges, share_out, shared_parts, sharing
from .uncertainty import Estimate

__all__ = ["relaxation_time", "stationary_run", "transient_run", "occupation", "entropy", "mutual_information",
           "entropy_production_rate", "heat_rate", "information_flow", "efficiency", "heat", "entropy_production",
           "current_mean_rate", "current_variance_rate", "uncertainty_ratio", "DEFAULT_PATHS", "DURATION",
           "BURN_IN", "MAX_SPECTRAL_STATES"]

#: What an estimator returns: the estimate, the step (0: a Gillespie path has none) and the recorded duration.
Result = tuple[Estimate, float, float]

#: Default independent paths of a stationary and of a transient check.
DEFAULT_PATHS = {"stationary": 4096, "transient": 8192}
#: Recorded duration of a stationary run, in relaxation times.
DURATION = 50.0
#: Burn-in before a stationary run's recording, in relaxation times.
BURN_IN = 10.0
#: Largest network whose relaxation time is found from the dense generator's spectrum (give ``duration=`` above).
MAX_SPECTRAL_STATES = 2000


# -- the model through its numeric interface ---------------------------------------------------------------------

def _jump_model(model: Any):
    """``model`` checked: a numeric Markov jump process."""
    if getattr(type(model), "kind", None) != "jump" or not hasattr(model, "edge_arrays"):
        raise NotAModel(f"expected a MarkovJumpProcess but found {type(model).__name__}: {model!r:.60}")
    if not model.is_numeric:
        raise ModelError(f"the model has free parameters {[p.name for p in model.parameters]}: estimate on "
                         "model.numeric(values) (tt.verify does it with values=...)")
    return model


def _settings(dt: Any, method: Any) -> None:
    if dt is not None:
        raise ModelError(f"dt: a Gillespie simulation is exact and has no step, but dt={dt!r} was given; "
                         "leave dt unset")
    if method not in (None, "exact", "gillespie"):
        raise ModelError(f"method: a jump process is simulated exactly (method='exact') but found {method!r}")


def _generator(model) -> np.ndarray:
    src, dst, w = model.edge_arrays()
    n = model.n
    L = np.zeros((n, n))
    np.add.at(L, (dst, src), w)
    L[np.arange(n), np.arange(n)] -= np.bincount(src, weights=w, minlength=n)
    return L


def relaxation_time(model: Any) -> float:
    """The slowest relaxation time ``1 / gap`` of a numeric jump process (the generator's spectral gap).

    Raises
    ------
    NotErgodic
        When the generator has more than one zero eigenvalue (several stationary states).
    TooLarge
        Past :data:`MAX_SPECTRAL_STATES` states (give the duration of the run instead).

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> round(relaxation_time(m), 12)  # 1 / (2 + 1)
    0.333333333333
    """
    model = _jump_model(model)
    if model.n > MAX_SPECTRAL_STATES:
        raise TooLarge(f"the relaxation time of {model.n} states is not computed (at most {MAX_SPECTRAL_STATES}): "
                       "give the recorded duration= of the run")
    if model.n == 1:
        return 1.0
    L = _generator(model)
    ev = np.linalg.eigvals(L)
    scale = max(float(np.abs(np.diag(L)).max()), 1e-300)
    rates = np.sort(np.abs(ev.real))
    if rates[1] <= 1e-10 * scale:
        raise NotErgodic(f"the jump process has {int(np.sum(rates <= 1e-10 * scale))} stationary states (several "
                         "closed classes of states): a stationary estimate depends on the start; connect the classes "
                         "or simulate one class as its own model")
    return float(1.0 / rates[1])


def _times(model, duration: Any) -> tuple[float, float]:
    """``(recorded duration, burn-in)`` of a stationary run."""
    if duration is not None:
        if isinstance(duration, (bool, np.bool_)) or not isinstance(duration, numbers.Real) \
                or not math.isfinite(duration) or duration <= 0:
            raise ModelError(f"duration: expected a positive finite time but found {duration!r}")
        if model.n > MAX_SPECTRAL_STATES:
            return float(duration), 0.2 * float(duration)
    tau = relaxation_time(model)
    return (float(duration) if duration is not None else DURATION * tau), BURN_IN * tau


def stationary_run(model: Any, *, paths: int, seed: int = 0, duration: float | None = None, windows: int = 1,
                   keep: int = 0, occupation: bool = True) -> JumpRecord:
    """Gillespie paths of a numeric jump process in its stationary state (after a burn-in from its first state).

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> rec = stationary_run(m, paths=128, seed=0)
    >>> round(rec.duration, 9), round(rec.burn_in, 9)  # 50 and 10 relaxation times 1/3
    (16.666666667, 3.333333333)
    """
    model = _jump_model(model)
    dur, burn = _times(model, duration)
    if not keep and sharing() and isinstance(paths, numbers.Integral) and not isinstance(paths, bool) and paths > 0:
        # within verify(..., workers=): contiguous ranges of whole blocks in worker processes, the same records
        units = -(-int(paths) // JUMP_BLOCK)
        tasks = [(model, dur, paths, seed, burn, windows, occupation, (b0 * JUMP_BLOCK, min(paths, b1 * JUMP_BLOCK)))
                 for b0, b1 in block_ranges(units, shared_parts())]
        parts = share_out(_run_range, tasks)
        if parts is not None:
            return _joined(parts)
    return gillespie(model, dur, paths, seed, burn_in=burn, initial=0, windows=windows, keep=keep,
                     occupation=occupation)


def _run_range(model, duration, paths, seed, burn, windows, occupation, path_range) -> tuple[JumpRecord, float]:
    """The record of the paths ``path_range`` of a stationary run and the CPU seconds taken (a worker's task)."""
    started = time.process_time()
    rec = gillespie(model, duration, paths, seed, burn_in=burn, initial=0, windows=windows, occupation=occupation,
                    path_range=path_range)
    return rec, time.process_time() - started


def _joined(parts: list[JumpRecord]) -> JumpRecord:
    """The records of contiguous ranges of paths as one record (the whole run's)."""
    return dataclasses.replace(parts[0], **{name: np.concatenate([getattr(p, name) for p in parts])
                                            for name in ("counts", "occupation", "start", "end")},
                               jumps=sum(p.jumps for p in parts))


def _initial(model, initial: Any) -> np.ndarray:
    """The initial distribution (a probability vector, or a mapping state -> probability) as floats."""
    n = model.n
    if isinstance(initial, Mapping):
        p = np.zeros(n)
        for state, value in initial.items():
            p[model.index(state)] += _probability(value, f"initial[{state!r}]")
    else:
        if isinstance(initial, (str, bytes)) or initial is None:
            raise ModelError(f"initial: expected a probability vector or a mapping state -> probability but found "
                             f"{initial!r:.60}")
        try:
            items = list(initial)
        except TypeError:
            raise ModelError(f"initial: expected a probability vector of {n} entries or a mapping state -> "
                             f"probability but found {initial!r:.60}") from None
        if len(items) != n:
            raise ModelError(f"initial: expected a probability vector of {n} entries but found {len(items)}")
        p = np.array([_probability(v, f"initial[{k}]") for k, v in enumerate(items)])
    if abs(p.sum() - 1.0) > 1e-9:
        raise ModelError(f"initial: the probabilities sum to {p.sum():.12g}, not 1")
    return p / p.sum()


def _probability(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{what}: expected a probability (a number in [0, 1]) but found {value!r:.60}") from None
    if not (math.isfinite(x) and 0 <= x <= 1):
        raise ModelError(f"{what}: expected a probability in [0, 1] but found {value!r:.60}")
    return x


def _time(t: Any) -> float:
    try:
        x = float(t)
    except (TypeError, ValueError):
        raise ModelError(f"t: a Monte Carlo check needs a number but found {t!r:.60}") from None
    if not (math.isfinite(x) and x > 0):
        raise ModelError(f"t: expected a positive finite time but found {t!r:.60}")
    return x


def transient_run(model: Any, t: float, initial: Any, *, paths: int, seed: int = 0, keep: int = 0,
                  occupation: bool = True) -> JumpRecord:
    """Gillespie paths over ``[0, t]`` from the initial distribution (vector, or mapping state -> probability).

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> rec = transient_run(m, 1.0, {0: 1.0}, paths=64, seed=0)
    >>> int(rec.start.max())  # every path starts in state 0
    0
    """
    model = _jump_model(model)
    return gillespie(model, _time(t), paths, seed, initial=_initial(model, initial), keep=keep,
                     occupation=occupation)


# -- transitions as weights ---------------------------------------------------------------------------------------

def _edge_mask(model, subsystem: Any = None, reservoir: Any = None) -> np.ndarray:
    """Transitions of ``subsystem`` (those that change its components: a subsystem name or names), of a
    ``reservoir`` (its name; a ``subsystem`` that names a reservoir and no subsystem is read as one), or all.

    Raises NotBipartite for a transition that changes the subsystem and another component at once.
    """
    src, dst, _ = model.edge_arrays()
    if subsystem is not None and reservoir is not None:
        raise ModelError("give a subsystem or a reservoir, not both")
    if isinstance(subsystem, str) and subsystem in model.reservoir_names and subsystem not in model.subsystems:
        subsystem, reservoir = None, subsystem
    if reservoir is not None:
        names = tuple(model.reservoir_names)
        if reservoir not in names:
            raise ModelError(f"reservoir: {reservoir!r:.60} is not a reservoir of the model; its reservoirs are "
                             f"{list(names)}")
        return model.reservoir_edges() == names.index(reservoir)
    if subsystem is None:
        return np.ones(src.size, bool)
    comps = set(model.components(subsystem))
    states = model.states
    mask = np.zeros(src.size, bool)
    for k, (i, j) in enumerate(zip(src, dst)):
        changed = {c for c in range(len(model.subsystems)) if states[i][c] != states[j][c]}
        if changed & comps and not changed <= comps:
            both = sorted(model.subsystems[c] for c in changed)
            raise NotBipartite(f"the jump {states[i]!r} -> {states[j]!r} changes {both} at once, so the jumps of "
                               f"{subsystem!r} are not separable; the estimate needs a model that is bipartite "
                               "with respect to this subsystem")
        mask[k] = bool(changed & comps)
    return mask


def _require_reversible(model, what: str) -> None:
    """Refuse an entropy production of a model with a jump without its reverse (it is infinite)."""
    src, dst, _ = model.edge_arrays()
    pairs = set(zip(src.tolist(), dst.tolist()))
    for i, j in pairs:
        if (j, i) not in pairs:
            raise IrreversibleTransition(
                f"{what}: the jump {model.states[i]!r} -> {model.states[j]!r} has no reverse, so the entropy "
                "production is infinite (even with a declared entropy flow); add the reverse rate")


def _labels(model, X: Any) -> np.ndarray:
    """For each state, the index of its marginal class on the components ``X`` (None: the state itself)."""
    if X is None:
        return np.arange(model.n)
    comps = model.components(X)
    keys = [tuple(s[c] for c in comps) for s in model.states]
    index: dict = {}
    return np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)


def _rest(model, subsystem: Any) -> np.ndarray:
    """The labels of the other components than ``subsystem``'s."""
    comps = set(model.components(subsystem))
    others = [name for k, name in enumerate(model.subsystems) if k not in comps]
    if not others:
        raise ModelError(f"an information flow into {subsystem!r} needs another subsystem; the model has "
                         f"{list(model.subsystems)}")
    return _labels(model, others)


def _marginal(p: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.bincount(labels, weights=p, minlength=int(labels.max()) + 1)


def _shannon(p: np.ndarray) -> float:
    q = p[p > 0]
    return float(-(q * np.log(q)).sum())


# -- stationary estimators ----------------------------------------------------------------------------------------

def _rate_rows(rec: JumpRecord, weights: np.ndarray) -> np.ndarray:
    """Per path: the weighted jump count per unit time, and 1 (the path)."""
    return np.column_stack([rec.totals() @ weights / rec.duration, np.ones(rec.paths)])


def _mean(rows: np.ndarray, paths: int) -> Estimate:
    return blocks.jackknife(rows, lambda tot: tot[0] / tot[-1], paths)


def occupation(model: Any, *, paths: int = 4096, seed: int = 0, duration: float | None = None) -> tuple[Estimate, ...]:
    """Stationary probability of each state, from the time the paths spend there: one Estimate per state.

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> p0, p1 = occupation(m, paths=256, seed=0)
    >>> abs(p1.z(2 / 3)) < 4
    True
    """
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration)
    rows = rec.occupation
    return tuple(blocks.jackknife(rows, lambda tot, k=k: tot[k] / tot.sum(), paths) for k in range(rec.n))


def _static_rows(model, t, initial, paths, seed, duration):
    """Per-path rows of state weights (occupation, or the state at ``t``) and how to read the distribution."""
    if t is None:
        if initial is not None:
            raise ModelError("initial: a stationary entropy starts nowhere; give t= with initial=")
        rec = stationary_run(model, paths=paths, seed=seed, duration=duration)
        return rec.occupation, False, rec.duration
    if initial is None:
        raise ModelError("initial: a transient entropy at t needs the initial distribution (initial=...)")
    rec = transient_run(model, t, initial, paths=paths, seed=seed, occupation=False)
    rows = np.zeros((rec.paths, model.n))
    rows[np.arange(rec.paths), rec.end] = 1.0
    return rows, True, rec.duration


def _entropy_of(total: np.ndarray, labels: np.ndarray, counted: bool) -> float:
    """Plug-in Shannon entropy of the marginal on ``labels``; Miller-Madow corrected for counts of paths."""
    q = _marginal(total, labels)
    N = q.sum()
    h = _shannon(q / N)
    return h + (np.count_nonzero(q) - 1) / (2 * N) if counted else h


def entropy(model: Any, X: Any = None, t: Any = None, initial: Any = None, *, paths: int, seed: int = 0,
            dt: float | None = None, duration: float | None = None, method: str = "exact") -> Result:
    """Shannon entropy (nats) of the marginal distribution of ``X`` (default: the whole state).

    Stationary (the pooled occupation of the paths), or at time ``t`` from ``initial`` (the
    states of the paths at ``t``): ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import math, thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> e, _, _ = entropy(m, paths=512, seed=0)
    >>> abs(e.z(-(1 / 3) * math.log(1 / 3) - (2 / 3) * math.log(2 / 3))) < 4
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    labels = _labels(model, X)
    rows, counted, dur = _static_rows(model, t, initial, paths, seed, duration)
    return blocks.jackknife(rows, lambda tot: _entropy_of(tot, labels, counted), paths), 0.0, dur


def mutual_information(model: Any, X: Any, Y: Any, t: Any = None, initial: Any = None, *, paths: int,
                       seed: int = 0, dt: float | None = None, duration: float | None = None,
                       method: str = "exact") -> Result:
    """Mutual information (nats) between the subsystems ``X`` and ``Y``: ``(Estimate, 0.0, duration)``.

    ``H(X) + H(Y) - H(X, Y)`` of the pooled stationary occupation, or of the states at ``t``
    from ``initial`` (each entropy Miller-Madow corrected).

    Examples
    --------
    >>> import thermotheory as tt
    >>> rates = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...          ((0, 0), (0, 1)): 1.0, ((0, 1), (0, 0)): 1.0, ((1, 0), (1, 1)): 1.0, ((1, 1), (1, 0)): 1.0}
    >>> e, _, _ = mutual_information(tt.MarkovJumpProcess(rates), "x", "y", paths=512, seed=0)
    >>> abs(e.z(0.0)) < 4  # independent units
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    lx, ly = _labels(model, X), _labels(model, Y)
    lxy = _labels(model, _names(model, X) + _names(model, Y))
    rows, counted, dur = _static_rows(model, t, initial, paths, seed, duration)

    def stat(tot):
        return _entropy_of(tot, lx, counted) + _entropy_of(tot, ly, counted) - _entropy_of(tot, lxy, counted)

    return blocks.jackknife(rows, stat, paths), 0.0, dur


def _names(model, X: Any) -> list:
    return [model.subsystems[c] for c in model.components(X)]


def _flow_rows(rec: JumpRecord) -> np.ndarray:
    """Per path: jumps along each transition and time in each state (the sums the flows are read from)."""
    return np.column_stack([rec.totals().astype(float), rec.occupation])


def _information_flow_of(model, subsystem):
    """``stat(counts, occupation) -> information flow into subsystem`` per unit time."""
    src, dst, _ = model.edge_arrays()
    mask = _edge_mask(model, subsystem)
    lx = _labels(model, subsystem)
    _rest(model, subsystem)  # refuses a subsystem that is the whole state

    def flow(counts, occ):
        time = occ.sum()
        p = occ / time
        px = _marginal(p, lx)[lx]  # p(x) of each state
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = np.where(p > 0, np.log(p) - np.log(px), 0.0)  # ln p(rest | x)
        g = cond[dst] - cond[src]
        return float(np.sum(np.where(mask & (counts > 0), counts * g, 0.0)) / time)

    return flow


def _split(model, tot):
    E = len(model.edges)
    return tot[:E], tot[E:]


def information_flow(model: Any, subsystem: Any, *, paths: int, seed: int = 0, dt: float | None = None,
                     duration: float | None = None, method: str = "exact") -> Result:
    """Stationary information flow into ``subsystem`` (learning rate, nats per unit time) of a bipartite model.

    The sum over the subsystem's jumps ``x -> x'`` (the rest ``r`` fixed) of
    ``ln p(r | x') - ln p(r | x)``, per unit time, with ``p`` the occupation of the same paths:
    ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> rates = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...          ((0, 0), (0, 1)): 0.2, ((0, 1), (0, 0)): 2.0, ((1, 1), (1, 0)): 0.2, ((1, 0), (1, 1)): 2.0}
    >>> sensor = tt.MarkovJumpProcess(rates)  # y follows x
    >>> e, _, _ = information_flow(sensor, "y", paths=256, seed=0)
    >>> e.value > 4 * e.stderr  # the sensor learns about the signal
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    flow = _information_flow_of(model, subsystem)
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration)
    return blocks.jackknife(_flow_rows(rec), lambda tot: flow(*_split(model, tot)), paths), 0.0, rec.duration


def heat_rate(model: Any, subsystem: Any = None, reservoir: Any = None, *, paths: int, seed: int = 0,
              dt: float | None = None, duration: float | None = None, method: str = "exact") -> Result:
    """Stationary heat rate (entropy flow into the medium, nats per unit time) of ``subsystem``'s jumps.

    ``subsystem``: a subsystem name (or names); ``reservoir``: a reservoir's name; neither:
    all jumps. Returns ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import math, thermotheory as tt
    >>> ring = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> e, _, _ = heat_rate(ring, paths=512, seed=0)
    >>> abs(e.z(3 * (2 - 1) / 3 * math.log(2))) < 4  # cycle current 1/3 per link times 3 ln 2
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    mask = _edge_mask(model, subsystem, reservoir)
    weights = np.where(mask, model.entropy_flow_edges(where=mask), 0.0)
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration, occupation=False)
    return _mean(_rate_rows(rec, weights), paths), 0.0, rec.duration


def entropy_production_rate(model: Any, subsystem: Any = None, *, paths: int, seed: int = 0, dt: float | None = None,
                            duration: float | None = None, method: str = "exact") -> Result:
    """Stationary entropy production rate (nats per unit time), total or of a subsystem of a bipartite model.

    Total: the entropy flow into the medium summed over the jumps per unit time (the system
    entropy change has mean zero in the stationary state). Of ``subsystem`` (Horowitz-Esposito):
    the sum over its jumps ``i -> j`` of ``F_ij + ln p_i - ln p_j``, with ``p`` the occupation of
    the same paths: ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import math, thermotheory as tt
    >>> ring = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> e, _, _ = entropy_production_rate(ring, paths=512, seed=0)
    >>> abs(e.z(math.log(2))) < 4  # cycle current 1/3 times the affinity 3 ln 2
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    _require_reversible(model, "entropy_production_rate")
    F = model.entropy_flow_edges()
    if subsystem is None:
        rec = stationary_run(model, paths=paths, seed=seed, duration=duration, occupation=False)
        return _mean(_rate_rows(rec, F), paths), 0.0, rec.duration
    _rest(model, subsystem)
    mask = _edge_mask(model, subsystem)
    src, dst, _ = model.edge_arrays()
    F = np.where(mask, F, 0.0)
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration)

    def stat(tot):
        counts, occ = _split(model, tot)
        time = occ.sum()
        with np.errstate(divide="ignore"):
            lp = np.log(occ / time)
        used = mask & (counts > 0)  # a jump's states were occupied: their log-probabilities are finite
        return float((counts @ F + np.sum(counts[used] * (lp[src[used]] - lp[dst[used]]))) / time)

    return blocks.jackknife(_flow_rows(rec), stat, paths), 0.0, rec.duration


def efficiency(model: Any, subsystem: Any, *, paths: int, seed: int = 0, dt: float | None = None,
               duration: float | None = None, method: str = "exact") -> Result:
    """Sensing efficiency of ``subsystem`` of a bipartite model: its information flow over its heat rate.

    Both from the same paths (the jackknife holds their correlation): ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> rates = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...          ((0, 0), (0, 1)): 0.2, ((0, 1), (0, 0)): 2.0, ((1, 1), (1, 0)): 0.2, ((1, 0), (1, 1)): 2.0}
    >>> sensor = tt.MarkovJumpProcess(rates)  # y follows x
    >>> e, _, _ = efficiency(sensor, "y", paths=256, seed=0)
    >>> 0 < e.value < 1
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    flow = _information_flow_of(model, subsystem)
    mask = _edge_mask(model, subsystem)
    q = np.where(mask, model.entropy_flow_edges(where=mask), 0.0)
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration)

    def stat(tot):
        counts, occ = _split(model, tot)
        heat = float(counts @ q / occ.sum())
        if heat == 0:
            raise ModelError("the subsystem's sampled heat rate is 0: its efficiency is not defined")
        return flow(counts, occ) / heat

    return blocks.jackknife(_flow_rows(rec), stat, paths), 0.0, rec.duration


# -- currents -----------------------------------------------------------------------------------------------------

def _current_weights(model, current: Any) -> np.ndarray:
    if hasattr(current, "weights_edges"):
        return np.asarray(current.weights_edges(model), float)
    raise ModelError(f"current: expected a JumpCurrent (tt.JumpCurrent({{(a, b): weight}})) but found "
                     f"{type(current).__name__}: {current!r:.60}")


def current_mean_rate(model: Any, current: Any, *, paths: int, seed: int = 0, dt: float | None = None,
                      duration: float | None = None, method: str = "exact") -> Result:
    """Stationary mean rate of a counting current (a :class:`~thermotheory.core.jump.JumpCurrent`).

    Examples
    --------
    >>> import thermotheory as tt
    >>> ring = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> e, _, _ = current_mean_rate(ring, tt.JumpCurrent({(0, 1): 1}), paths=512, seed=0)
    >>> abs(e.z(1 / 3)) < 4  # (2 - 1) / 3 per link
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    d = _current_weights(model, current)
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration, occupation=False)
    return _mean(_rate_rows(rec, d), paths), 0.0, rec.duration


def _half_rows(rec: JumpRecord, d: np.ndarray) -> np.ndarray:
    """Per path ``[J1, J2, J1^2, J2^2, J1 J2, 1]`` of the current integrated over the two halves."""
    j = rec.counts @ d  # (paths, 2)
    j1, j2 = j[:, 0], j[:, 1]
    return np.column_stack([j1, j2, j1 * j1, j2 * j2, j1 * j2, np.ones(rec.paths)])


def _variance_rate(tot: np.ndarray, duration: float) -> float:
    s1, s2, q1, q2, c12, N = tot
    m1, m2 = s1 / N, s2 / N
    v1, v2 = q1 / N - m1 * m1, q2 / N - m2 * m2
    cov = c12 / N - m1 * m2
    # Var J_T = v1 + v2 + 2 cov, Var J_{T/2} = (v1 + v2) / 2; (Var J_T - Var J_{T/2}) / (T / 2)
    return float(((v1 + v2) / 2 + 2 * cov) / (duration / 2)) * N / (N - 1)


def current_variance_rate(model: Any, current: Any, *, paths: int, seed: int = 0, dt: float | None = None,
                          duration: float | None = None, method: str = "exact") -> Result:
    """Stationary variance rate ``lim Var(J_T) / T`` (twice the diffusion coefficient) of a counting current.

    From the spread over independent paths of the current integrated over each half of the
    recorded duration, extrapolated in the duration: ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0})
    >>> up = tt.JumpCurrent({(0, 1): 1, (1, 0): 0})  # the jumps 0 -> 1: a renewal process
    >>> e, _, _ = current_variance_rate(m, up, paths=1024, seed=0)
    >>> abs(e.z(0.25)) < 4  # var / mean^3 of the time between them (a sum of two unit exponentials): 2 / 8
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    d = _current_weights(model, current)
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration, windows=2, occupation=False)
    return blocks.jackknife(_half_rows(rec, d), lambda tot: _variance_rate(tot, rec.duration), paths), 0.0, \
        rec.duration


def uncertainty_ratio(model: Any, current: Any, entropy_rate: Any = None, *, paths: int, seed: int = 0,
                      dt: float | None = None, duration: float | None = None, method: str = "exact") -> Result:
    """Thermodynamic uncertainty ratio ``Var-rate * Sigma / (2 J^2)`` of a counting current (at least 1).

    The mean and variance rates and the entropy production rate (unless ``entropy_rate`` is
    given) from the same paths: ``(Estimate, 0.0, duration)``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> ring = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    >>> e, _, _ = uncertainty_ratio(ring, tt.JumpCurrent({(0, 1): 1}), paths=1024, seed=0)
    >>> e.value > 1  # the thermodynamic uncertainty relation
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    d = _current_weights(model, current)
    sigma = None if entropy_rate is None else real_number("entropy_rate", entropy_rate)
    if sigma is None:
        _require_reversible(model, "uncertainty_ratio")
    a = model.entropy_flow_edges() if sigma is None else None
    rec = stationary_run(model, paths=paths, seed=seed, duration=duration, windows=2, occupation=False)
    rows = _half_rows(rec, d)
    if a is not None:
        rows = np.column_stack([rows[:, :-1], rec.totals() @ a, rows[:, -1:]])

    def stat(tot):
        var = _variance_rate(np.r_[tot[:5], tot[-1]], rec.duration)
        mean = (tot[0] + tot[1]) / tot[-1] / rec.duration
        s = sigma if a is None else tot[5] / tot[-1] / rec.duration
        return var * s / (2 * mean * mean)

    return blocks.jackknife(rows, stat, paths), 0.0, rec.duration


# -- transient: over [0, t] from an initial distribution --------------------------------------------------------

def heat(model: Any, t: Any, initial: Any, initial_mean: Any = None, subsystem: Any = None, *, paths: int,
         seed: int = 0, dt: float | None = None, duration: float | None = None, method: str = "exact") -> Result:
    """Heat (entropy flow into the medium, nats) released over ``[0, t]`` from the initial distribution.

    Of ``subsystem``'s jumps (a subsystem or reservoir name; None: all): ``(Estimate, 0.0, t)``.

    Examples
    --------
    >>> import math, thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> e, _, _ = heat(m, 5.0, [1.0, 0.0], paths=2048, seed=0)
    >>> abs(e.z(math.log(2) * 2 / 3)) < 4  # one net jump 0 -> 1 on average: (2/3) ln 2 after relaxing
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    if initial_mean is not None:
        raise ModelError("initial_mean: a jump process starts from a distribution over its states (initial=); "
                         "it has no initial mean")
    mask = _edge_mask(model, subsystem)
    weights = np.where(mask, model.entropy_flow_edges(where=mask), 0.0)
    rec = transient_run(model, t, initial, paths=paths, seed=seed, occupation=False)
    rows = np.column_stack([rec.totals() @ weights, np.ones(rec.paths)])
    return _mean(rows, paths), 0.0, rec.duration


def entropy_production(model: Any, t: Any, initial: Any, initial_mean: Any = None, *, paths: int, seed: int = 0,
                       dt: float | None = None, duration: float | None = None, method: str = "exact") -> Result:
    """Total entropy produced over ``[0, t]`` from the initial distribution (nats).

    The mean over paths of the jumps' entropy flow into the medium, plus the change of the Shannon
    entropy of the state (of the paths' states at ``t``, Miller-Madow corrected, against the
    given initial distribution): ``(Estimate, 0.0, t)``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> m = tt.MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0})  # detailed balance: no heat on average
    >>> e, _, _ = entropy_production(m, 3.0, [1.0, 0.0], paths=2048, seed=0)
    >>> abs(e.z(0.6931)) < 4  # the entropy gained by spreading over two states, ln 2 (relaxed by t = 3)
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    if initial_mean is not None:
        raise ModelError("initial_mean: a jump process starts from a distribution over its states (initial=); "
                         "it has no initial mean")
    _require_reversible(model, "entropy_production")
    a = model.entropy_flow_edges()
    p0 = _initial(model, initial)
    rec = transient_run(model, t, p0, paths=paths, seed=seed, occupation=False)
    ends = np.zeros((rec.paths, model.n))
    ends[np.arange(rec.paths), rec.end] = 1.0
    rows = np.column_stack([rec.totals() @ a, ends, np.ones(rec.paths)])
    h0 = _shannon(p0)
    labels = np.arange(model.n)

    def stat(tot):
        return tot[0] / tot[-1] + _entropy_of(tot[1:-1], labels, True) - h0

    return blocks.jackknife(rows, stat, paths), 0.0, rec.duration


# estimators whose runs are stationary_run's: verify(..., workers=) shares their blocks out ("stationary": for a
# stationary quantity; the same functions estimate transient ones from transient_run, which runs in one process)
for _fn in (information_flow, heat_rate, entropy_production_rate, efficiency, current_mean_rate, current_variance_rate,
            uncertainty_ratio):
    _fn.splits_blocks = True
entropy.splits_blocks = mutual_information.splits_blocks = "stationary"
del _fn
