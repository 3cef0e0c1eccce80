"""Gillespie simulation of Markov jump processes, vectorised over paths.

All paths advance together, one jump per step: each path draws an exponential waiting time
(scaled by its state's exit rate) and a uniform number that picks the jump from its state's
outgoing rates; a path past the horizon stops counting. Nothing of the trajectory is kept
but what the estimators need, per path:

- the number of jumps along each transition (``paths x windows x edges``; the recorded
  duration may be split into equal ``windows``, for the variance of a current),
- the time spent in each state (``paths x n``),
- the state at the start and at the end of the recorded window,
- optionally the whole trajectory (jump times and states) of the first ``keep`` paths.

Reproducible under chunking, as :func:`~thermotheory.montecarlo.simulate.simulate`: the paths
are split into fixed blocks of :data:`BLOCK` paths (the last one padded), each with its own
SFC64 generator spawned from ``numpy.random.SeedSequence(seed)``; a block draws, per tile of
:data:`JUMP_TILE` steps, first :data:`JUMP_TILE` x ``k`` uniforms and then as many standard
exponentials, for its ``k`` paths still short of the horizon (in their order), or for all its
paths while at least :data:`FULL_BLOCK` of them are (a start drawn from a distribution takes one
uniform per path before the first tile). What a block draws depends on its own paths only.
Every operation is elementwise per path (or a per-path sum in step order), so the records
do not depend on how blocks are grouped into chunks.

The jump is picked from the state's cumulative outgoing rates by comparisons when a state
has at most :data:`SCAN_DEGREE` outgoing transitions, and by Walker's alias method (one
uniform gives the column and the coin) otherwise; the per-step work is four array
operations on the paths still short of the horizon (steps first, so each is one contiguous
slab), the rest per tile: the jump times, and per path and transition the jumps and the sum
of their times (one ``bincount`` each). The time spent in each state follows from the jump
times (a jump ``i -> j`` at ``t`` adds ``t`` to the time in ``i`` and takes it from ``j``).
Speed: about 4 to 5 times the time numpy takes to draw two numbers per jump (a 4-state
network, ``benchmarks``); a path draws on average half a tile past the horizon.
Nothing here calls a closed form.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ModelError, TooLarge
from .simulate import BLOCK, generator

__all__ = ["gillespie", "JumpRecord", "jump_tables", "JUMP_TILE", "FULL_BLOCK", "SCAN_DEGREE", "MAX_JUMPS",
           "MAX_COUNTS", "MAX_CHUNK_BINS"]

#: Steps (jumps) per draw of a block's random numbers.
JUMP_TILE = 32
#: Paths of a block (of BLOCK) still short of the horizon from which the block draws for all its paths (processed
#: in place), rather than for those going only (gathered).
FULL_BLOCK = 56
#: Largest out-degree for which a jump is picked by comparisons with the cumulative rates (alias method above).
SCAN_DEGREE = 3
#: Most jumps (summed over paths, the burn-in included) that one run may expect to make, about an hour of one
#: core: a longer run is refused (``TooLarge``).
MAX_JUMPS = 2 * 10**11
#: Most per-path jump counters (paths x windows x transitions) kept in memory.
MAX_COUNTS = 2 * 10**8
#: Most per-path bins (paths x windows x table entries) of one chunk: a large network gets smaller chunks.
MAX_CHUNK_BINS = 2**22


@dataclass(frozen=True)
class JumpRecord:
    """What a Gillespie run keeps per path.

    Attributes
    ----------
    src, dst : (edges,) int arrays
        The transitions ``src[e] -> dst[e]`` whose jumps are counted.
    counts : (paths, windows, edges) int array
        Jumps along each transition in each of ``windows`` equal parts of the recorded window.
    occupation : (paths, n) float array
        Time spent in each state during the recorded window (each row sums to ``duration``).
    start, end : (paths,) int arrays
        The state at the start (after the burn-in) and at the end of the recorded window.
    duration, burn_in : float
        Recorded duration, and the time simulated before it.
    seed : int
    trajectories : list of (times, states)
        For the first ``keep`` paths: the jump times in the recorded window (from its start)
        and the states, ``states[0]`` the state at its start and ``states[k]`` the state
        after the jump at ``times[k - 1]``.
    jumps : int
        Jumps drawn (all paths, burn-in and padding included): the work done.
    n : int
        Number of states.

    Examples
    --------
    >>> import numpy as np
    >>> rec = gillespie(np.array([[0.0, 1.0], [2.0, 0.0]]), duration=5.0, paths=3, seed=0)
    >>> rec.counts.shape, rec.occupation.shape
    ((3, 1, 2), (3, 2))
    >>> bool(np.allclose(rec.occupation.sum(axis=1), 5.0))
    True
    """

    src: np.ndarray
    dst: np.ndarray
    counts: np.ndarray
    occupation: np.ndarray
    start: np.ndarray
    end: np.ndarray
    duration: float
    burn_in: float
    seed: int
    trajectories: list = field(default_factory=list)
    jumps: int = 0

    n: int = 0

    @property
    def paths(self) -> int:
        return self.counts.shape[0]

    def totals(self) -> np.ndarray:
        """Jumps along each transition over the whole recorded window, (paths, edges)."""
        return self.counts.sum(axis=1)


# -- the network as lookup tables ------------------------------------------------------------------------------------

def _edge_lists(rates: Any) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """``(n, src, dst, w)`` from a square rate array ``W[i, j]`` (rate i -> j) or a triple ``(src, dst, w)``."""
    if isinstance(rates, tuple) and len(rates) in (3, 4):
        if len(rates) == 4:
            n, src, dst, w = rates
        else:
            src, dst, w = rates
            n = None
        try:
            src = np.asarray(src, dtype=np.int64).reshape(-1)
            dst = np.asarray(dst, dtype=np.int64).reshape(-1)
            w = np.asarray(w, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ModelError("rates: expected integer states and real rates in (src, dst, w)") from None
        if not (src.size == dst.size == w.size):
            raise ModelError(f"rates: src, dst and w must have one entry per transition, found {src.size}, "
                             f"{dst.size} and {w.size}")
        n = int(max(src.max(initial=-1), dst.max(initial=-1)) + 1) if n is None else _positive_int("n", n)
        if src.size and (src.min() < 0 or dst.min() < 0 or src.max() >= n or dst.max() >= n):
            raise ModelError(f"rates: states must be indices 0 .. {n - 1}")
    else:
        if isinstance(rates, (str, bytes)):
            raise ModelError(f"rates: expected a square array of rates but found {rates!r:.60}")
        try:
            W = np.asarray(rates, dtype=float)
        except (TypeError, ValueError):
            raise ModelError(f"rates: expected a square array of real rates (or a numeric MarkovJumpProcess) but "
                             f"found {type(rates).__name__}: {rates!r:.60}") from None
        if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] < 1:
            raise ModelError(f"rates: expected a square (n, n) array but found shape {W.shape}")
        n = W.shape[0]
        off = W.copy()
        np.fill_diagonal(off, 0.0)
        src, dst = np.nonzero(off)
        w = off[src, dst]
        src, dst = src.astype(np.int64), dst.astype(np.int64)
    if not np.all(np.isfinite(w)):
        raise ModelError("rates: expected finite rates but found inf or nan")
    if np.any(w < 0):
        raise ModelError(f"rates: expected rates >= 0 but found {w.min():g}")
    if np.any(src == dst):
        raise ModelError("rates: a jump from a state to itself is not a transition")
    keep = w > 0
    src, dst, w = src[keep], dst[keep], w[keep]
    if np.unique(src * n + dst).size != src.size:
        raise ModelError("rates: a transition is listed twice")
    return n, src, dst, w


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ModelError(f"{name}: expected a positive integer but found {value!r}")
    return int(value)


@dataclass(frozen=True)
class _Tables:
    """Lookup tables of the jump chain; a state is carried as ``base = state * degree``."""

    n: int
    degree: int
    exit: np.ndarray      # (n * degree,) exit rate of the state of each base (only bases matter)
    inv_exit: np.ndarray  # (n * degree,) 1 / exit rate (inf for an absorbing state)
    state_of: np.ndarray  # (n * degree,) state of a base index
    thresholds: np.ndarray  # scan: (degree - 1, n * degree) cumulative probabilities; alias: (n * degree,) coins
    next_base: np.ndarray  # scan: (n * degree,) base of the target of entry base + k; alias: (2 * n * degree,)
    edge_of: np.ndarray    # same shape as next_base: the transition taken (-1: none, for an absorbing state)
    alias: bool            # Walker's alias method (else comparisons with the cumulative probabilities)
    absorbing: bool        # whether a path can take an entry without a transition (nan waiting times checked)
    src: np.ndarray        # (edges,) the transitions, in the caller's order
    dst: np.ndarray


def jump_tables(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> _Tables:
    """The lookup tables of the embedded jump chain (see the module docstring)."""
    given = (src.copy(), dst.copy())
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    out_deg = np.bincount(src, minlength=n)
    degree = max(1, int(out_deg.max(initial=0)))
    exit_rate = np.bincount(src, weights=w, minlength=n).astype(float)
    size = n * degree
    state_of = np.repeat(np.arange(n, dtype=np.int64), degree)
    exit_b = exit_rate[state_of]
    with np.errstate(divide="ignore"):
        inv_b = np.where(exit_b > 0, 1.0 / np.where(exit_b > 0, exit_b, 1.0), np.inf)
    first = np.concatenate([[0], np.cumsum(out_deg)[:-1]])
    slot = np.arange(src.size) - first[src]  # position of each transition among its state's
    alias = degree > SCAN_DEGREE
    # entries without a transition (padding, absorbing states) keep the path where it is
    tgt = state_of.copy()
    edge = -np.ones(size, dtype=np.int64)
    prob = np.zeros(size)
    tgt[src * degree + slot] = dst
    edge[src * degree + slot] = order  # the transition's index in the caller's order
    prob[src * degree + slot] = w / exit_rate[src]
    if not alias:
        cum = np.cumsum(prob.reshape(n, degree), axis=1)  # (n, degree)
        # threshold m of every base of state s: cum[s, m]; the jump taken is the number of thresholds <= u
        thresholds = np.repeat(cum[:, :degree - 1].T, degree, axis=1)  # (degree - 1, n * degree)
        for s in range(n):
            # from the state's last transition on, thresholds sit at 2 (u < 1): the last transition takes
            # whatever round-off leaves, and the padding entries are never reached
            k = out_deg[s]
            if k > 0:
                thresholds[k - 1:, s * degree:(s + 1) * degree] = 2.0
        return _Tables(n, degree, exit_b, inv_b, state_of, thresholds, tgt * degree, edge, False,
                       bool((out_deg == 0).any()), *given)
    # Walker's alias method per state: column j = floor(u * degree), coin frac(u * degree) < keep[j]
    keep = np.ones(size)
    other = np.arange(size, dtype=np.int64)
    for s in range(n):
        k = out_deg[s]
        lo = s * degree
        if k == 0:
            continue
        p = np.zeros(degree)
        p[:k] = prob[lo:lo + k] * degree
        small = [j for j in range(degree) if p[j] < 1.0]
        large = [j for j in range(degree) if p[j] >= 1.0]
        q = p.copy()
        al = np.arange(degree)
        while small and large:
            a, b = small.pop(), large.pop()
            al[a] = b
            q[b] -= 1.0 - q[a]
            (small if q[b] < 1.0 else large).append(b)
        for j in small + large:
            q[j] = 1.0
        keep[lo:lo + degree] = q
        other[lo:lo + degree] = lo + al
    # entry e (coin kept) or size + e (coin lost: the alias of e)
    next_base = np.concatenate([tgt, tgt[other]]) * degree
    edge_of = np.concatenate([edge, edge[other]])
    return _Tables(n, degree, exit_b, inv_b, state_of, keep, next_base, edge_of, True, True, *given)


# -- the simulation ------------------------------------------------------------------------------------------------

def _start_states(initial: Any, n: int) -> tuple[int | None, np.ndarray | None]:
    """``(fixed state, None)`` or ``(None, cumulative distribution)`` of the start."""
    if isinstance(initial, (numbers.Integral, np.integer)) and not isinstance(initial, (bool, np.bool_)):
        if not 0 <= int(initial) < n:
            raise ModelError(f"initial: expected a state index 0 .. {n - 1} but found {initial}")
        return int(initial), None
    if isinstance(initial, (str, bytes)):
        raise ModelError(f"initial: expected a state index or a probability vector but found {initial!r:.60}")
    try:
        p = np.asarray(initial, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ModelError(f"initial: expected a state index or a probability vector of {n} entries but found "
                         f"{initial!r:.60}") from None
    if p.size != n:
        raise ModelError(f"initial: expected a probability vector of {n} entries but found {p.size}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not abs(p.sum() - 1.0) <= 1e-9:
        raise ModelError(f"initial: expected probabilities >= 0 that sum to 1 but found {p}")
    cum = np.cumsum(p / p.sum())
    cum[-1] = np.inf  # round-off never sends a path past the last state
    # states of zero probability are never drawn: u in [0, 1) falls strictly inside a positive step
    return None, cum


def _check_time(name: str, value: Any, positive: bool) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ModelError(f"{name}: expected a finite time but found {value!r}")
    value = float(value)
    if (positive and value <= 0) or value < 0:
        raise ModelError(f"{name}: expected a time {'> 0' if positive else '>= 0'} but found {value:g}")
    return value


def gillespie(rates: Any, duration: float, paths: int, seed: int = 0, *, burn_in: float = 0.0,
              initial: Any = 0, windows: int = 1, keep: int = 0, chunk_paths: int | None = None,
              occupation: bool = True) -> JumpRecord:
    """Simulate paths of a Markov jump process by the Gillespie algorithm, vectorised over paths.

    Parameters
    ----------
    rates : (n, n) array, ``(src, dst, w)``, ``(n, src, dst, w)`` or a numeric MarkovJumpProcess
        ``W[i, j]``: the rate of the jump ``i -> j`` (the diagonal is ignored); or one entry per
        transition (sparse networks).
    duration : float
        Recorded time per path (after the burn-in).
    paths : int
        Independent paths.
    seed : int
        Seed of ``numpy.random.SeedSequence``: the same seed gives the same records whatever
        ``chunk_paths``.
    burn_in : float
        Time simulated before the recorded window.
    initial : int or probability vector
        The start (at time 0, before any burn-in): a state index, or a distribution to draw from.
    windows : int
        Equal parts of the recorded window in which jumps are counted separately.
    keep : int
        Record the whole trajectory (in the recorded window) of the first ``keep`` paths.
    occupation : bool
        Record the time spent in each state (``False``: the record's occupation is empty, shape
        ``(paths, 0)``; counting currents need only the jumps, and run about a fifth faster).
    chunk_paths : int, optional
        Paths simulated together (rounded up to whole blocks; default 4096, whose tiles stay in the cache).

    Returns
    -------
    JumpRecord

    Raises
    ------
    ModelError
        For rates that are not a square array of finite rates >= 0 (or a model that is not
        numeric), non-finite or non-positive times, a bad ``initial``, seed or counts.
    TooLarge
        When the run would make more than :data:`MAX_JUMPS` jumps, or keep more than
        :data:`MAX_COUNTS` counters.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0.0, 2.0], [1.0, 0.0]])  # 0 -> 1 at rate 2, 1 -> 0 at rate 1
    >>> rec = gillespie(W, duration=200.0, paths=256, seed=1, burn_in=5.0)
    >>> p1 = rec.occupation[:, 1].sum() / (rec.paths * rec.duration)
    >>> round(float(p1), 1)  # the stationary probability 2 / 3 of state 1
    0.7
    """
    if hasattr(rates, "edge_arrays") and getattr(type(rates), "kind", None) == "jump":
        if not rates.is_numeric:
            raise ModelError(f"the model has free parameters {[p.name for p in rates.parameters]}: simulate "
                             "model.numeric(values)")
        src, dst, w = rates.edge_arrays()
        rates = (rates.n, src, dst, w)
    n, src, dst, w = _edge_lists(rates)
    duration = _check_time("duration", duration, True)
    burn_in = _check_time("burn_in", burn_in, False)
    paths = _positive_int("paths", paths)
    windows = _positive_int("windows", windows)
    if isinstance(keep, (bool, np.bool_)) or not isinstance(keep, numbers.Integral) or keep < 0:
        raise ModelError(f"keep: expected a number of paths >= 0 but found {keep!r}")
    keep = min(int(keep), paths)
    chunk_paths = 64 * BLOCK if chunk_paths is None else _positive_int("chunk_paths", chunk_paths)
    if seed is None or isinstance(seed, (bool, np.bool_)):
        raise ModelError(f"seed: expected a non-negative integer (paths reproducible from it) but found {seed!r}")
    try:
        root = np.random.SeedSequence(seed)
    except (TypeError, ValueError) as err:
        raise ModelError(f"seed: expected a non-negative integer but found {seed!r} ({err})") from None
    fixed, cum0 = _start_states(initial, n)
    E = src.size
    n_blocks = -(-paths // BLOCK)
    if n_blocks * BLOCK * windows * max(E, 1) > MAX_COUNTS:
        raise TooLarge(f"counting jumps along {E} transitions in {windows} windows on {paths} paths needs "
                       f"{n_blocks * BLOCK * windows * E:.3g} counters, more than MAX_COUNTS = {MAX_COUNTS:.0e}; "
                       "use fewer paths (several runs with different seeds)")
    tables = jump_tables(n, src, dst, w)
    horizon = burn_in + duration
    fastest = float(tables.exit.max(initial=0.0))
    expected = fastest * horizon * n_blocks * BLOCK
    if expected > MAX_JUMPS:
        raise TooLarge(f"simulating {paths} paths for {horizon:g} (burn-in included) at exit rates up to "
                       f"{fastest:g} may take {expected:.3g} jumps, more than MAX_JUMPS = {MAX_JUMPS:.0e} (about an "
                       "hour); use fewer paths or a shorter duration")
    seqs = root.spawn(n_blocks)
    per_chunk = max(1, min(-(-chunk_paths // BLOCK), MAX_CHUNK_BINS // (BLOCK * windows * tables.next_base.size)))
    counts = np.zeros((n_blocks * BLOCK, windows, E), dtype=np.int64)
    occupied = np.zeros((n_blocks * BLOCK, n)) if occupation else None
    start = np.zeros(n_blocks * BLOCK, dtype=np.int64)
    end = np.zeros(n_blocks * BLOCK, dtype=np.int64)
    kept: list[tuple[list, list]] = [([], []) for _ in range(keep)]
    jumps = 0
    for first in range(0, n_blocks, per_chunk):
        blocks = list(range(first, min(first + per_chunk, n_blocks)))
        lo = first * BLOCK
        hi = lo + len(blocks) * BLOCK
        jumps += _run_chunk(tables, [generator(seqs[b]) for b in blocks], fixed, cum0, burn_in, horizon, windows,
                            counts[lo:hi], None if occupied is None else occupied[lo:hi], start[lo:hi], end[lo:hi],
                            kept[lo:min(hi, keep)] if lo < keep else [])
    trajectories = [(np.asarray(t, float) - burn_in, np.asarray([start[g]] + s, np.int64))
                    for g, (t, s) in enumerate(kept)]
    occupied = np.zeros((paths, 0)) if occupied is None else occupied[:paths]
    return JumpRecord(src=src, dst=dst, counts=counts[:paths], occupation=occupied, start=start[:paths],
                      end=end[:paths], duration=duration, burn_in=burn_in, seed=seed, trajectories=trajectories,
                      jumps=jumps, n=n)


def _run_chunk(tb: _Tables, rngs, fixed, cum0, burn, horizon, windows, counts, occupation, start, end,
               kept) -> int:
    """Simulate one chunk of blocks in place; returns the number of jumps drawn.

    Each live block draws a tile of :data:`JUMP_TILE` steps for its :data:`BLOCK` paths; the
    steps of the paths still short of the horizon are then processed steps-first (each step
    one contiguous slab). Per path and table entry (a state's outgoing transition) the jumps
    inside the recorded window are counted, and their times summed, by ``bincount`` (which adds
    a path's steps in step order, so no sum depends on which paths share the chunk). The
    time spent in each state follows from the jump times: a jump ``i -> j`` at ``t`` adds ``t``
    to the time in ``i`` and subtracts it from the time in ``j``; the window's start and end
    close the sums.
    """
    nb = len(rngs)
    d = tb.degree
    K = tb.next_base.size  # table entries
    P = nb * BLOCK
    if fixed is not None:
        base = np.full(P, fixed * d, dtype=np.int64)
    else:
        u0 = np.empty((nb, BLOCK))
        for j, rng in enumerate(rngs):
            rng.random(out=u0[j])
        base = np.searchsorted(cum0, u0.reshape(-1), side="right").astype(np.int64) * d
    t = np.zeros(P)
    start[:] = tb.state_of[base]  # replaced below for paths whose burn-in ends later
    width = (horizon - burn) / windows
    n_entries = np.zeros(P * windows * K, dtype=np.int64)
    timed = occupation is not None
    t_entries = np.zeros(P * K if timed else 0)
    T = JUMP_TILE
    U = np.empty(nb * T * BLOCK)  # the draws of the live blocks, one contiguous (T, paths going) piece each
    X = np.empty(nb * T * BLOCK)
    uniform = [rng.random for rng in rngs]
    exponential = [rng.standard_exponential for rng in rngs]
    live = np.arange(nb)
    drawn = 0
    while live.size:
        L = live.size
        # the paths of the live blocks still short of the horizon; a block with most of them going draws T steps
        # for all its paths (those past the horizon count nothing), one with fewer for those going only
        slots = (live[:, None] * BLOCK + np.arange(BLOCK)).reshape(-1)  # their chunk indices
        going = (t[slots] < horizon).reshape(L, BLOCK)
        full = going.sum(axis=1) >= FULL_BLOCK
        drawing = going | full[:, None]
        size = drawing.sum(axis=1)
        first = np.concatenate([[0], np.cumsum(size)[:-1]]) * T
        for j, b in enumerate(live.tolist()):
            lo, hi = int(first[j]), int(first[j] + T * size[j])
            uniform[b](out=U[lo:hi])
            exponential[b](out=X[lo:hi])
        drawn += T * int(size.sum())
        if full.all():  # the draws read in place, steps first as (T, L, BLOCK) views
            g = slots
            u = U[:T * L * BLOCK].reshape(L, T, BLOCK).transpose(1, 0, 2)
            x = X[:T * L * BLOCK].reshape(L, T, BLOCK).transpose(1, 0, 2)
        else:  # the paths going, gathered steps first as (T, m): path r of block j's piece is its column r
            blk, b = np.nonzero(going)
            g = slots[blk * BLOCK + b]
            rank = (np.cumsum(drawing, axis=1) - 1)[blk, b]
            at = (first[blk] + rank)[None, :] + np.arange(T)[:, None] * size[blk][None, :]
            u = np.take(U, at)
            x = np.take(X, at)
        m = g.size
        bs = np.empty((T + 1,) + u.shape[1:], dtype=np.int64)
        en = np.empty(u.shape, dtype=np.int64)
        bs[0] = base[g].reshape(u.shape[1:])
        t0 = t[g]
        _chain(tb, bs, u, en)
        af = np.take(tb.inv_exit, bs[:-1], mode="clip")  # the waiting times, then the jump times (in place)
        af *= x  # an absorbing state: inf (a zero draw there gives nan, set to inf)
        bs, en, af = bs.reshape(T + 1, m), en.reshape(T, m), af.reshape(T, m)
        if tb.absorbing:
            af[np.isnan(af)] = np.inf
        af[0] += t0
        for k in range(1, T):
            af[k] += af[k - 1]
        t_last = af[-1]
        early = bool(burn > 0 and (t0 <= burn).any())
        late = bool((t_last >= horizon).any())
        flat = en
        flat += g * K  # bins: (path of the chunk, table entry)
        size = P * K
        if early or late:  # jumps outside the window go to a last, discarded bin
            outside = (af <= burn) | (af >= horizon) if early and late else (af <= burn) if early else af >= horizon
            flat[outside] = size
        if timed:
            t_entries += np.bincount(flat.reshape(-1), weights=af.reshape(-1), minlength=size + 1)[:size]
        if windows > 1:
            part = ((af - burn) / width).astype(np.int64)
            np.clip(part, 0, windows - 1, out=part)
            flat = np.where(flat == size, P * windows * K, flat * windows - (flat % K) * (windows - 1) + part * K)
            size = P * windows * K
        n_entries += np.bincount(flat.reshape(-1), minlength=size + 1)[:size]
        # the states that cover the window's start and end: the first step whose jump comes after it
        cols = np.arange(m)
        for edge, ok, target, strict in ((burn, early, start, False), (horizon, late, end, True)):
            if ok:
                k = np.count_nonzero(af < edge if strict else af <= edge, axis=0)
                sel = (k < T) & ((t0 < edge) if strict else (t0 <= edge))
                target[g[sel]] = tb.state_of[bs[k[sel], cols[sel]]]
        if kept:
            _keep(kept, g, tb.state_of[bs[1:]], af, burn, horizon)
        base[g] = bs[-1]
        t[g] = t_last
        live = np.flatnonzero(t.reshape(nb, BLOCK).min(axis=1) < horizon)
    # per transition: its entries' counts; per state: the jump times out minus in, closed by the window's ends
    n_entries = n_entries.reshape(P, windows, K)
    t_entries = t_entries.reshape(P, K) if timed else t_entries
    occ = occupation
    for k in np.flatnonzero(tb.edge_of >= 0):
        e = tb.edge_of[k]
        counts[:, :, e] += n_entries[:, :, k]
        if timed:
            occ[:, tb.src[e]] += t_entries[:, k]
            occ[:, tb.dst[e]] -= t_entries[:, k]
    if timed:
        rows = np.arange(P)
        occ[rows, start] -= burn
        occ[rows, end] += horizon
    return drawn


def _chain(tb: _Tables, bases: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    """Run the jump chain: ``bases[k + 1]`` from ``bases[k]`` and the uniforms ``u[k]``; ``out[k]`` the table
    entry taken (arrays ``(steps, paths)``, each step a contiguous slab). Every index is in range by
    construction, so the lookups skip numpy's bounds check (``mode="clip"``)."""
    steps = u.shape[0]
    c = np.empty(u.shape[1:])
    flag = np.empty(u.shape[1:], dtype=bool)
    if tb.alias:
        scaled = u * tb.degree
        col = scaled.astype(np.int64)
        np.minimum(col, tb.degree - 1, out=col)
        coin = scaled - col
        size = tb.state_of.size
        for k in range(steps):
            e = out[k]
            np.add(bases[k], col[k], out=e)
            np.take(tb.thresholds, e, out=c, mode="clip")
            np.greater_equal(coin[k], c, out=flag)
            e += flag * size
            np.take(tb.next_base, e, out=bases[k + 1], mode="clip")
        return
    if tb.degree == 1:
        for k in range(steps):
            out[k] = bases[k]
            np.take(tb.next_base, bases[k], out=bases[k + 1], mode="clip")
        return
    first = tb.thresholds[0]
    rest = [tb.thresholds[m] for m in range(1, tb.degree - 1)]
    for k in range(steps):
        e, cur, uk = out[k], bases[k], u[k]
        np.take(first, cur, out=c, mode="clip")
        np.greater_equal(uk, c, out=flag)
        np.add(cur, flag, out=e)
        for thr in rest:
            np.take(thr, cur, out=c, mode="clip")
            np.greater_equal(uk, c, out=flag)
            e += flag
        np.take(tb.next_base, e, out=bases[k + 1], mode="clip")


def _keep(kept, g, nxt, after, burn, horizon) -> None:
    """Append the window's jumps (times, states after them) of the kept paths (the chunk's first paths)."""
    for path in range(len(kept)):
        col = int(np.searchsorted(g, path))
        if col >= g.size or g[col] != path:
            continue
        times, seq = kept[path]
        a = after[:, col]
        m = np.nonzero((a > burn) & (a < horizon))[0]
        times.extend(a[m].tolist())
        seq.extend(nxt[m, col].tolist())
