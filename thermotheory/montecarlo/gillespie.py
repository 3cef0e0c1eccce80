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
are split into fixed blocks of :data:`JUMP_BLOCK` paths (:data:`SMALL_BLOCK` in a network of
many table entries; the last block padded), each with its own SFC64 generator seeded by its
three words of ``numpy.random.SeedSequence(seed).generate_state`` (one call for the run; block
``b`` takes words ``3b .. 3b + 2``, whatever the number of paths); a block draws, per tile of
``T`` steps, ``2 T k`` uniforms in one call, for its ``k`` paths still short of the horizon (in
their order), or for all its paths while at least a fraction :data:`FULL_BLOCK` of them are:
the first ``T k`` (as ``T x k``) pick the jumps, the others give the standard exponential
waiting times as ``-ln(1 - u)`` (``1 - u`` is exact and positive; numpy's ``log`` is
vectorised, and cheaper than its ziggurat exponentials). A start
drawn from a distribution takes one uniform per path before the first tile. ``T`` is
:data:`JUMP_TILE` until the paths have made the steps that every one surely makes (the least
exit rate times the horizon, less three standard deviations of a Poisson count),
:data:`TAIL_TILE` after, so that fewer steps are drawn past the horizon. What a block draws
depends on its own paths only. Every operation is elementwise per path (or a per-path sum in
step order), so the records do not depend on how blocks are grouped into chunks.

A path carries one integer. In a network of out-degree at most 2 (up to :data:`SUM_ENTRIES`
table entries) it is the table entry of the jump that brought the path to its state, and the
next one is the integer part of ``key[entry] + u`` (one lookup and one addition per jump; the
key puts the state's two transitions at either side of its first transition's probability).
Otherwise it is the state, and the jump is picked from its cumulative outgoing rates by
comparisons when a state has at most :data:`SCAN_DEGREE` outgoing transitions, and by Walker's
alias method (one uniform gives the column and the coin) above. The per-step work runs on the
paths still short of the horizon (steps first, so each is one slab), the rest per tile: the
jump times, and per path and table entry the jumps and the sum of their times (one
``np.add.at`` each, which adds a path's jumps in step order). The time spent in each state
follows from the jump times (a jump ``i -> j`` at ``t`` adds ``t`` to the time in ``i`` and
takes it from ``j``).
Speed: about 2.8 to 3 times the time numpy takes to draw two numbers (a uniform and a standard
exponential) per jump, on a 4-state network (``benchmarks/bench_jump.py``, best of 5 on a loaded
2-core machine; 4.2 to 4.5 before); a path draws on average about half a tail tile past the
horizon (7 % more jumps drawn than made there).
Nothing here calls a closed form.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ModelError, TooLarge

__all__ = ["gillespie", "JumpRecord", "jump_tables", "JUMP_BLOCK", "SMALL_BLOCK", "JUMP_TILE", "TAIL_TILE",
           "FULL_BLOCK", "SCAN_DEGREE", "SUM_ENTRIES", "MAX_JUMPS", "MAX_COUNTS", "MAX_CHUNK_BINS"]

#: Paths per random generator (a block): the draws of a block are one call per tile, and its paths are processed in
#: place while most of them are going.
JUMP_BLOCK = 256
#: Steps (jumps) per draw of a block's random numbers.
JUMP_TILE = 24
#: Steps per draw once some paths may be reaching the horizon (fewer steps drawn past it).
TAIL_TILE = 16
#: Paths per block in a network of more than ``MAX_CHUNK_BINS / 4 / JUMP_BLOCK`` bins (table entries).
SMALL_BLOCK = 64
#: Fraction of a block's paths still short of the horizon from which the block draws for all its paths (processed in
#: place), rather than for those going only (gathered).
FULL_BLOCK = 7 / 8
#: Largest out-degree for which a jump is picked by comparisons with the cumulative rates (alias method above).
SCAN_DEGREE = 3
#: Most table entries (2 x states + 2) for which a network of out-degree <= 2 picks its jumps by the integer part of
#: ``key + u`` (one lookup and one addition per jump); round-off moves a jump probability by at most 2**-40 (about
#: 1e-12). Larger networks, and those of higher degree, use comparisons or the alias method.
SUM_ENTRIES = 2**12
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
    """Lookup tables of the jump chain.

    A path carries one integer (its *carried value*): with the ``"sum"`` picker the table entry of
    the jump that brought it to its state (or a start entry), with ``"scan"`` and ``"alias"`` its
    state's base ``state * degree``. Jumps are counted per path and *bin* (a table entry, mapped
    to its transition by ``edge_of``).
    """

    n: int
    degree: int
    picker: str            # "sum", "scan" or "alias"
    exit: np.ndarray       # (n,) exit rate of each state
    start_of: np.ndarray   # (n,) carried value of a path in state s
    carry_state: np.ndarray  # state of each carried value
    carry_inv: np.ndarray    # 1 / exit rate of the state of each carried value (inf for an absorbing state)
    table: np.ndarray      # sum: key of each carried value; scan: (degree - 1, n * degree) thresholds; alias: coins
    next_base: np.ndarray  # scan: (n * degree,) base of the target of entry base + k; alias: (2 * n * degree,); sum: -
    edge_of: np.ndarray    # (bins,) the transition counted by a bin (-1: none)
    absorbing: bool        # whether a path can reach a state without a transition (nan waiting times checked)
    src: np.ndarray        # (edges,) the transitions, in the caller's order
    dst: np.ndarray

    @property
    def alias(self) -> bool:
        """Whether jumps are picked by Walker's alias method."""
        return self.picker == "alias"

    @property
    def bins(self) -> int:
        """Counting bins per path."""
        return self.edge_of.size


def jump_tables(n: int, src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> _Tables:
    """The lookup tables of the embedded jump chain (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> tb = jump_tables(2, np.array([0, 1]), np.array([1, 0]), np.array([2.0, 1.0]))
    >>> tb.picker, tb.exit.tolist()
    ('sum', [2.0, 1.0])
    """
    given = (src.copy(), dst.copy())
    order = np.lexsort((dst, src))
    src, dst, w = src[order], dst[order], w[order]
    out_deg = np.bincount(src, minlength=n)
    degree = max(1, int(out_deg.max(initial=0)))
    exit_rate = np.bincount(src, weights=w, minlength=n).astype(float)
    with np.errstate(divide="ignore"):
        inv = np.where(exit_rate > 0, 1.0 / np.where(exit_rate > 0, exit_rate, 1.0), np.inf)
    first = np.concatenate([[0], np.cumsum(out_deg)[:-1]])
    slot = np.arange(src.size) - first[src]  # position of each transition among its state's
    absorbing = bool((out_deg == 0).any())
    if degree <= 2 and 2 * n + 2 <= SUM_ENTRIES:
        # two slots per state: slot 0 is its first transition, slot 1 its second, or its only one again (or a stay,
        # for an absorbing state); entries 2 n + s start a path in s. The key of an entry leading to t is
        # 2 t + 1 - c_t, c_t (at least 2**-40) the probability of t's first transition (1 if it has one only):
        # int(key + u) is slot 0 for u < c_t and slot 1 otherwise, up to the round-off of key + u (at most 2**-41:
        # it never reaches 2 t + 2)
        size = 2 * n
        states = np.repeat(np.arange(n, dtype=np.int64), 2)
        j = np.tile(np.arange(2, dtype=np.int64), n)
        pick = np.where(j < out_deg[states], first[states] + j, first[states])  # the transition of each slot
        moves = out_deg[states] > 0
        at = np.where(moves, pick, 0)
        edge = np.where(moves, order[at], -1) if src.size else np.full(size, -1, dtype=np.int64)
        target = np.where(moves, dst[at], states) if src.size else states
        target = np.concatenate([target, np.arange(n, dtype=np.int64)])
        c = np.ones(n)
        two = out_deg == 2
        c[two] = np.maximum(w[first[two]] / exit_rate[two], 2.0**-40)
        key = 2 * target + (1.0 - c[target])
        return _Tables(n, degree, "sum", exit_rate, size + np.arange(n, dtype=np.int64), target, inv[target], key,
                       np.empty(0, np.int64), edge, absorbing, *given)
    size = n * degree
    state_of = np.repeat(np.arange(n, dtype=np.int64), degree)
    alias = degree > SCAN_DEGREE
    # entries without a transition (padding, absorbing states) keep the path where it is
    tgt = state_of.copy()
    edge = -np.ones(size, dtype=np.int64)
    prob = np.zeros(size)
    tgt[src * degree + slot] = dst
    edge[src * degree + slot] = order  # the transition's index in the caller's order
    prob[src * degree + slot] = w / exit_rate[src]
    carried = (np.arange(n, dtype=np.int64) * degree, state_of, inv[state_of])
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
        return _Tables(n, degree, "scan", exit_rate, *carried, thresholds, tgt * degree, edge, absorbing, *given)
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
    return _Tables(n, degree, "alias", exit_rate, *carried, keep, next_base, edge_of, True, *given)


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
              occupation: bool = True, path_range: tuple[int, int] | None = None) -> JumpRecord:
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
        Paths simulated together (rounded up to whole blocks of :data:`JUMP_BLOCK`; default 8192).
    path_range : (int, int), optional
        Simulate only the paths ``p0 .. p1 - 1`` of the run (``p0`` and ``p1`` multiples of
        :data:`JUMP_BLOCK`, or ``p1 = paths``): the same numbers as those paths of the whole
        run, so that the records of contiguous ranges, joined, are the whole run's bit for bit
        (``verify(..., workers=)`` shares a run out so). Not with ``keep``.

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
    chunk_paths = 32 * JUMP_BLOCK if chunk_paths is None else _positive_int("chunk_paths", chunk_paths)
    if seed is None or isinstance(seed, (bool, np.bool_)):
        raise ModelError(f"seed: expected a non-negative integer (paths reproducible from it) but found {seed!r}")
    try:
        root = np.random.SeedSequence(seed)
    except (TypeError, ValueError) as err:
        raise ModelError(f"seed: expected a non-negative integer but found {seed!r} ({err})") from None
    p0, p1 = _check_path_range(path_range, paths)
    if path_range is not None and keep:
        raise ModelError("keep: the trajectories are kept of a whole run's first paths; give keep=0 with path_range")
    fixed, cum0 = _start_states(initial, n)
    E = src.size
    tables = jump_tables(n, src, dst, w)
    B = JUMP_BLOCK if JUMP_BLOCK * tables.bins <= MAX_CHUNK_BINS // 4 else SMALL_BLOCK  # paths per block
    n_blocks = -(-paths // B)
    if n_blocks * B * windows * max(E, 1) > MAX_COUNTS:
        raise TooLarge(f"counting jumps along {E} transitions in {windows} windows on {paths} paths needs "
                       f"{n_blocks * B * windows * E:.3g} counters, more than MAX_COUNTS = {MAX_COUNTS:.0e}; "
                       "use fewer paths (several runs with different seeds)")
    horizon = burn_in + duration
    fastest = float(tables.exit.max(initial=0.0))
    expected = fastest * horizon * n_blocks * B
    if expected > MAX_JUMPS:
        raise TooLarge(f"simulating {paths} paths for {horizon:g} (burn-in included) at exit rates up to "
                       f"{fastest:g} may take {expected:.3g} jumps, more than MAX_JUMPS = {MAX_JUMPS:.0e} (about an "
                       "hour); use fewer paths or a shorter duration")
    # a path jumps at rate >= the least exit rate until it is absorbed: it surely (but for 3 standard deviations of a
    # Poisson count) makes this many steps before the horizon, drawn in long tiles
    slowest = float(tables.exit[tables.exit > 0].min(initial=fastest))
    sure = int(max(0.0, slowest * horizon - 3.0 * math.sqrt(slowest * horizon)))
    words = root.generate_state(3 * n_blocks, np.uint64).reshape(n_blocks, 3)  # block b: its 3 words
    per_chunk = max(1, min(-(-chunk_paths // B), MAX_CHUNK_BINS // (B * windows * tables.bins)))
    b0, b1 = p0 // B, -(-p1 // B)  # the blocks of the range (all of them without one)
    counts = np.zeros(((b1 - b0) * B, windows, E), dtype=np.int64)
    occupied = np.zeros(((b1 - b0) * B, n)) if occupation else None
    start = np.zeros((b1 - b0) * B, dtype=np.int64)
    end = np.zeros((b1 - b0) * B, dtype=np.int64)
    kept: list[tuple[list, list]] = [([], []) for _ in range(keep)]
    jumps = 0
    for first in range(b0, b1, per_chunk):
        blocks = list(range(first, min(first + per_chunk, b1)))
        lo = (first - b0) * B
        hi = lo + len(blocks) * B
        jumps += _run_chunk(tables, [_generator(words[b]) for b in blocks], fixed, cum0, burn_in, horizon, windows,
                            counts[lo:hi], None if occupied is None else occupied[lo:hi], start[lo:hi], end[lo:hi],
                            kept[lo:min(hi, keep)] if lo < keep else [], sure, B)
    trajectories = [(np.asarray(t, float) - burn_in, np.asarray([start[g]] + s, np.int64))
                    for g, (t, s) in enumerate(kept)]
    sub = p1 - p0
    occupied = np.zeros((sub, 0)) if occupied is None else occupied[:sub]
    return JumpRecord(src=src, dst=dst, counts=counts[:sub], occupation=occupied, start=start[:sub],
                      end=end[:sub], duration=duration, burn_in=burn_in, seed=seed, trajectories=trajectories,
                      jumps=jumps, n=n)


def _check_path_range(path_range: Any, paths: int) -> tuple[int, int]:
    """``(p0, p1)``: the paths of the run to simulate (all for None), or a ModelError that names ``path_range``."""
    if path_range is None:
        return 0, paths
    try:
        p0, p1 = path_range
        ok = all(isinstance(p, numbers.Integral) and not isinstance(p, (bool, np.bool_)) for p in (p0, p1))
    except (TypeError, ValueError):
        ok = False
    if not ok or not 0 <= p0 < p1 <= paths or p0 % JUMP_BLOCK or (p1 % JUMP_BLOCK and p1 != paths):
        raise ModelError(f"path_range: expected (p0, p1) with 0 <= p0 < p1 <= paths = {paths}, p0 a multiple of "
                         f"{JUMP_BLOCK} and p1 one too (or paths) but found {path_range!r}")
    return int(p0), int(p1)


class _Words(np.random.bit_generator.ISeedSequence):
    """The seed words of one block's SFC64 generator (a slice of the run's ``SeedSequence`` output)."""

    __slots__ = ("words",)

    def __init__(self, words: np.ndarray):
        self.words = words

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        if n_words == 3 and np.dtype(dtype) == np.uint64:  # what SFC64 asks for
            return self.words
        return np.random.SeedSequence(self.words.tolist()).generate_state(n_words, dtype)  # any other request


def _generator(words: np.ndarray) -> np.random.Generator:
    """The SFC64 generator of one block, seeded by its 3 words (one ``generate_state`` call for the whole run)."""
    return np.random.Generator(np.random.SFC64(_Words(words)))


def _run_chunk(tb: _Tables, rngs, fixed, cum0, burn, horizon, windows, counts, occupation, start, end,
               kept, sure: int = 0, B: int = 256) -> int:
    """Simulate one chunk of blocks in place; returns the number of jumps drawn.

    Each live block draws a tile of ``T`` steps (:data:`JUMP_TILE` up to ``sure`` steps,
    :data:`TAIL_TILE` after) for its ``B`` paths or those still going; the steps of
    the paths still short of the horizon are then processed steps-first (each step one slab).
    Per path and bin (a table entry: a state's outgoing transition) the jumps inside the
    recorded window are counted, and their times summed, by ``np.add.at`` (which adds a path's
    steps in step order, so no sum depends on which paths share the chunk). The time spent in
    each state follows from the jump times: a jump ``i -> j`` at ``t`` adds ``t`` to the time in
    ``i`` and subtracts it from the time in ``j``; the window's start and end close the sums.
    """
    nb = len(rngs)
    K = tb.bins
    P = nb * B
    if fixed is not None:
        cur = np.full(P, tb.start_of[fixed], dtype=np.int64)
    else:
        u0 = np.empty((nb, B))
        for j, rng in enumerate(rngs):
            rng.random(out=u0[j])
        cur = tb.start_of[np.searchsorted(cum0, u0.reshape(-1), side="right")]
    t = np.zeros(P)
    start[:] = tb.carry_state[cur]  # replaced below for paths whose burn-in ends later
    width = (horizon - burn) / windows
    n_entries = np.zeros(P * windows * K + 1, dtype=np.int64)  # the last bin: jumps outside the window
    timed = occupation is not None
    t_entries = np.zeros(P * K + 1 if timed else 0)
    T = max(JUMP_TILE, TAIL_TILE)
    U = np.empty(nb * 2 * T * B)  # the draws of the live blocks, one contiguous (2, T, paths going) piece each
    Us = np.empty(nb * T * B)  # gathered: the uniforms that pick the jumps, steps first
    Cs = np.empty((T + 1) * P, dtype=np.int64)  # the carried values, steps first
    done = 0  # steps drawn by each live block
    offsets = np.arange(P, dtype=np.int64) * K  # each path's first bin
    wait = -tb.carry_inv  # times ln(1 - u): the waiting time in the state of a carried value
    uniform = [rng.random for rng in rngs]
    live = np.arange(nb)
    drawn = 0
    while live.size:
        L = live.size
        # tiles of JUMP_TILE steps until the paths have made the steps they surely make, of TAIL_TILE after
        T = min(JUMP_TILE, sure - done) if sure - done >= TAIL_TILE else TAIL_TILE
        done += T
        # the paths of the live blocks still short of the horizon; a block with most of them going draws T steps
        # for all its paths (those past the horizon count nothing), one with fewer for those going only
        slots = (live[:, None] * B + np.arange(B)).reshape(-1)  # their chunk indices
        going = (t[slots] < horizon).reshape(L, B)
        full = going.sum(axis=1) >= FULL_BLOCK * B
        if full.all():  # the draws read in place, steps first as (T, L, B) views
            for j, b in enumerate(live.tolist()):
                uniform[b](out=U[j * 2 * T * B:(j + 1) * 2 * T * B])
            g = slots
            m = g.size
            drawn += T * m
            pieces = U[:2 * T * m].reshape(L, 2, T, B)
            u = pieces[:, 0].transpose(1, 0, 2)
            x = pieces[:, 1]
            np.subtract(1.0, x, out=x)
            np.log(x, out=x)
            x = x.transpose(1, 0, 2)
        else:  # the paths going, gathered steps first as (T, m): path r of block j's piece is its column r
            drawing = going | full[:, None]
            size = drawing.sum(axis=1)
            first = np.concatenate([[0], np.cumsum(size)[:-1]]) * (2 * T)
            for b, lo, hi in zip(live.tolist(), first.tolist(), (first + 2 * T * size).tolist()):
                uniform[b](out=U[lo:hi])
            drawn += T * int(size.sum())
            blk, b = np.nonzero(going)
            g = slots[blk * B + b]
            m = g.size
            rank = (np.cumsum(drawing, axis=1) - 1)[blk, b]
            at = (first[blk] + rank)[None, :] + np.arange(T)[:, None] * size[blk][None, :]
            u = np.take(U, at, out=Us[:T * m].reshape(T, m))
            at += T * size[blk]
            x = np.take(U, at)
            np.subtract(1.0, x, out=x)
            np.log(x, out=x)
        C = Cs[:(T + 1) * m].reshape(T + 1, m)
        np.take(cur, g, out=C[0])
        t0 = t[g]
        flat = _chain(tb, C, u)  # (T, m) bins of the jumps, later the chunk's bins (in place)
        # the waiting times -ln(1 - u) / exit rate (exact 1 - u > 0), then the jump times (in place)
        af = np.take(wait, C[:-1], mode="clip")
        if x.ndim == 3:
            af.reshape(x.shape)[...] *= x
        else:
            af *= x
        if tb.absorbing:  # an absorbing state: inf (a zero draw there gives nan, set to inf)
            af[np.isnan(af)] = np.inf
        af[0] += t0
        for k in range(1, T):
            af[k] += af[k - 1]
        t_last = af[-1]
        early = bool(burn > 0 and (t0 <= burn).any())
        late = bool((t_last >= horizon).any())
        # the states that cover the window's start and end: the first step whose jump comes after it
        before = af <= burn if early else None  # jumps before the window, and after it
        after = af >= horizon if late else None
        cols = np.arange(m)
        for edge, out, target, strict in ((burn, before, start, False), (horizon, after, end, True)):
            if out is not None:
                k = T - np.count_nonzero(out, axis=0) if strict else np.count_nonzero(out, axis=0)
                sel = (k < T) & ((t0 < edge) if strict else (t0 <= edge))
                target[g[sel]] = tb.carry_state[C[k[sel], cols[sel]]]
        if kept:
            _keep(kept, g, tb.carry_state[C[1:]], af, burn, horizon)
        cur[g] = C[-1]
        t[g] = t_last
        flat += offsets[g]
        size = P * K
        if early or late:  # jumps outside the window go to a last, discarded bin
            np.copyto(flat, size, where=before | after if early and late else before if early else after)
        if timed:
            np.add.at(t_entries, flat.reshape(-1), af.reshape(-1))  # a path's jumps in step order
        if windows > 1:
            part = (af - burn) / width
            np.clip(part, 0, windows - 1, out=part)  # before the cast: a jump at inf (absorbed) is no integer
            part = part.astype(np.int64)
            flat = np.where(flat == size, P * windows * K, flat * windows - (flat % K) * (windows - 1) + part * K)
        np.add.at(n_entries, flat.reshape(-1), 1)
        live = np.flatnonzero(t.reshape(nb, B).min(axis=1) < horizon)
    # per transition: its bins' counts; per state: the jump times out minus in, closed by the window's ends
    n_entries = n_entries[:-1].reshape(P, windows, K)
    t_entries = t_entries[:-1].reshape(P, K) if timed else t_entries
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


def _chain(tb: _Tables, C: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Run the jump chain: the carried values ``C[k + 1]`` from ``C[k]`` and the uniforms ``u[k]`` (arrays
    ``(steps, paths)``, each step a contiguous slab); returns the bin of each jump, ``(steps, paths)`` (with the
    ``"sum"`` picker a view of ``C[1:]``). Every index is in range by construction, so the lookups skip numpy's
    bounds check (``mode="clip"``)."""
    steps = u.shape[0]
    Cu = C.reshape((steps + 1,) + u.shape[1:])  # a step as u's: (paths,) or (blocks, paths per block)
    if tb.picker == "sum":
        key = tb.table
        f = np.empty(C.shape[1:])
        if u.ndim == 2:
            for k in range(steps):
                np.take(key, C[k], out=f, mode="clip")
                np.add(f, u[k], out=C[k + 1], casting="unsafe")  # int(key + u): key + u >= 0
        else:  # u read in place, (blocks, paths) per step: the sum first, then its integer part (both unbuffered)
            fu = f.reshape(u.shape[1:])
            for k in range(steps):
                np.take(key, C[k], out=f, mode="clip")
                np.add(fu, u[k], out=fu)
                np.copyto(C[k + 1], f, casting="unsafe")
        return C[1:]
    out = np.empty(u.shape, dtype=np.int64)
    flat = out.reshape(C[1:].shape)
    C = Cu
    c = np.empty(u.shape[1:])
    flag = np.empty(u.shape[1:], dtype=bool)
    if tb.alias:
        scaled = u * tb.degree
        col = scaled.astype(np.int64)
        np.minimum(col, tb.degree - 1, out=col)
        coin = scaled - col
        size = tb.carry_state.size
        for k in range(steps):
            e = out[k]
            np.add(C[k], col[k], out=e)
            np.take(tb.table, e, out=c, mode="clip")
            np.greater_equal(coin[k], c, out=flag)
            e += flag * size
            np.take(tb.next_base, e, out=C[k + 1], mode="clip")
        return flat
    if tb.degree == 1:
        for k in range(steps):
            out[k] = C[k]
            np.take(tb.next_base, C[k], out=C[k + 1], mode="clip")
        return flat
    first = tb.table[0]
    rest = [tb.table[m] for m in range(1, tb.degree - 1)]
    for k in range(steps):
        e, cur, uk = out[k], C[k], u[k]
        np.take(first, cur, out=c, mode="clip")
        np.greater_equal(uk, c, out=flag)
        np.add(cur, flag, out=e)
        for thr in rest:
            np.take(thr, cur, out=c, mode="clip")
            np.greater_equal(uk, c, out=flag)
            e += flag
        np.take(tb.next_base, e, out=C[k + 1], mode="clip")
    return flat


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
