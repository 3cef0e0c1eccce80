"""Vectorised simulation of linear SDEs.

For a linear SDE every scheme used here is an affine update of the state,

    z_{k+1} = F z_k + c + G xi_k,    xi_k ~ N(0, I),

with (``dt`` the step)

- ``exact``: ``F = exp(A dt)``, ``c = int_0^dt exp(A s) b ds``, ``G G^T`` the noise
  integral ``int_0^dt exp(A s) 2D exp(A^T s) ds`` by :func:`~thermotheory.core.moments.noise_integral`
  (never the stationary covariance), accurate at any step for stiff or growing drifts;
- ``euler`` (Euler–Maruyama, strong order 1 for additive noise): ``F = I + A dt``,
  ``c = b dt``, ``G = sqrt(2 D dt)``;
- ``heun`` (Stratonovich Heun, weak order 2 for additive noise):
  ``F = I + A dt + (A dt)^2 / 2``, ``c = (I + A dt / 2) b dt``, ``G = (I + A dt / 2) sqrt(2 D dt)``.

A protocol ``b(t)`` (``LinearSDE(time=...)``) makes ``c`` depend on the step: ``exact``
integrates ``int_0^dt exp(A (dt - s)) b(t_k + s) ds`` by 8-point Gauss–Legendre
quadrature on each step (each piece between switching times separately), or, when
``||A|| dt`` exceeds :data:`GAUSS_REACH`, by exponential quadrature at the same nodes
(exact for a protocol polynomial of degree < 8 on the piece, whatever the rates); ``euler`` uses
``b(t_k) dt`` and ``heun`` ``dt/2 [(I + A dt) b(t_k) + b(t_{k+1})]``.

A protocol on the drift matrix or the noise (``A(t)``, ``D(t)``: a stiffness or a
temperature that changes) is integrated step by step by ``euler`` or ``heun`` with the
matrices read just inside each step (``A(t_k^+)`` and ``A(t_{k+1}^-)``), so a jump of the
protocol on a step boundary is taken exactly; ``exact`` refuses such a model.

Noise is reproducible from the seed whatever the chunking: the paths are split into
fixed blocks of :data:`BLOCK` paths (the last one padded), each with its own SFC64
generator spawned from ``numpy.random.SeedSequence(seed)`` and drawn in fixed tiles of
n variables x :data:`TILE` steps x :data:`BLOCK` paths.

Linear models run at close to the rate at which numpy draws normals: the one-step map is
applied in the modal basis of ``F`` (diagonal, or 2x2 rotations for oscillating modes), so
a step is two in-place array operations on all paths of a chunk, and the noise of a whole
tile is mixed by one matrix product per block (see :class:`_LinearEngine`). Observers with
a ``block(w, V)`` method receive whole tiles (``z = V w``) instead of single steps, and
``dtype="float32"`` halves the memory traffic for large sweeps.

What is stored is what the caller asks for: every step, every k-th (``record_every``), only
the end (``record="end"``) or nothing (``record=False``, observers only). Without block
observers the states are stepped slot-major (each step's paths in a row), so the states kept
are mapped back from the modal basis by one matrix product per kept step written straight
into the record, in its final layout, with no copy between (:func:`_store_slots`; the same
numbers as block-major stepping, and whatever is kept). Where a CPU is free, a second thread draws the
normals ahead of the integration, the calling thread drawing a share of each tile itself where
the second falls behind (:class:`_NoiseFeed`; the same numbers either way); a large record is kept
in base pages, not huge ones, and the second thread maps each chunk's pages of it ahead of the
stores, without the GIL and without writing to them (:func:`_record_array`, :func:`_fault_in`); the
blocks' generators are seeded in that thread too (:class:`_BlockSeeds`). Only the numbers the
stream's order needs are drawn and only those used are mapped: a short last tile stops the last
variable's draws at its steps (the first variables' numbers of the tile come before them in the
generator's stream, so they are drawn whole to keep every run's numbers those of a longer run).
The memory a run takes is :func:`simulate_memory`; beyond ``max_memory`` (default
:data:`MAX_RECORD_BYTES`) or the memory available, a run is refused with ``TooLarge`` before
anything is allocated.
"""

from __future__ import annotations

import functools
import math
import numbers
import pickle
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg as sla

from ..core.checks import real_number
from ..core.moments import noise_integral
from ..core.model import LinearSDE, find_index
from ..core.sde import SDE
from ..errors import ModelError, TooLarge

__all__ = ["simulate", "simulate_memory", "observe", "shared_blocks", "sharing", "shared_parts", "share_out",
           "block_ranges", "Trajectories", "Gaussian", "step_matrices", "drive_offsets", "BLOCK", "TILE",
           "METHODS", "WEAK_ORDER"]

#: Paths per noise generator (and per group of the block estimators' statistics).
BLOCK = 64
#: Steps per noise draw.
TILE = 64
#: Relative tolerance on ``t_end / dt`` being a whole number of steps (round-off of decimal steps: 0.3 / 0.1).
STEP_RTOL = 1e-9
#: Most normal draws (steps x paths x variables, burn-in included) of one run, about an hour of one core:
#: a longer run is refused (``TooLarge``) rather than left to run for hours or days.
MAX_DRAWS = 10**12
#: Most bytes a run of :func:`simulate` may allocate unless told otherwise (``max_memory=``): the record
#: and the working buffers (:func:`simulate_memory`).
MAX_RECORD_BYTES = 2 * 1024**3
METHODS = ("exact", "euler", "heun")
#: Weak order of each scheme for additive noise (the error of moments at a fixed time
#: shrinks as dt**order); the exact scheme has no discretisation error.
WEAK_ORDER = {"exact": float("inf"), "euler": 1, "heun": 2}


@dataclass(frozen=True)
class Gaussian:
    """A Gaussian initial condition with the given mean and covariance.

    Examples
    --------
    >>> import numpy as np
    >>> Gaussian(mean=np.zeros(2), cov=np.eye(2)).cov.shape
    (2, 2)
    """

    mean: Any
    cov: Any


@dataclass(frozen=True)
class Trajectories:
    """Recorded paths of a simulation.

    Attributes
    ----------
    times : (n_records,) array
        Recording times (after any burn-in), starting at 0.
    states : (n_records, paths, n) array
        The recorded states.
    variables : tuple of Symbols
    dt : float
        Integration step; records are ``record_every`` steps apart (with ``record="end"``,
        ``record_every`` is the number of steps of the run and ``times`` is ``[t_end]``).
    method, seed, record_every
        How the paths were made.
    observed : dict
        Per-path results of observers, by name.

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE, simulate
    >>> tr = simulate(LinearSDE.from_matrices([[-1.0]], [1.0]), t_end=1.0, dt=0.1, paths=4, seed=0)
    >>> tr.states.shape
    (11, 4, 1)
    """

    times: np.ndarray
    states: np.ndarray
    variables: tuple
    dt: float
    method: str
    seed: int
    record_every: int
    observed: dict = field(default_factory=dict)

    def __getitem__(self, var: Any) -> np.ndarray:
        """The recorded values of one variable (Symbol or name), shape (n_records, paths)."""
        return self.states[:, :, find_index(self.variables, var)]

    @property
    def paths(self) -> int:
        return self.states.shape[1]


def _psd_sqrt(Q: np.ndarray) -> np.ndarray:
    """A matrix G with G G^T = Q for a positive semi-definite Q."""
    try:
        return np.linalg.cholesky(Q)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh((Q + Q.T) / 2)
        return V * np.sqrt(np.clip(w, 0.0, None))


def step_matrices(A: np.ndarray, b: np.ndarray, D: np.ndarray, dt: float, method: str):
    """The affine one-step map ``(F, c, G)`` of a scheme (see the module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> F, c, G = step_matrices(np.array([[-1.0]]), np.zeros(1), np.array([[1.0]]), 0.1, "euler")
    >>> float(F[0, 0]), round(float(G[0, 0]) ** 2, 12)
    (0.9, 0.2)
    """
    n = A.shape[0]
    eye = np.eye(n)
    if method == "exact":
        aug = np.zeros((n + 1, n + 1))
        aug[:n, :n], aug[:n, n] = A, b
        E = sla.expm(aug * dt)
        F, c = E[:n, :n], E[:n, n]
        _, Q = noise_integral(A, 2 * D, dt)
        return F, c, _psd_sqrt(Q)
    root = _psd_sqrt(2 * D * dt)
    if method == "euler":
        return eye + A * dt, b * dt, root
    if method == "heun":
        half = eye + A * dt / 2
        return eye + A * dt + (A @ A) * dt**2 / 2, half @ b * dt, half @ root
    raise ModelError(f"method: expected one of {METHODS} but found {method!r}")


#: The largest drift matrix (entries) whose one-step maps are kept: 64 variables (16 such entries take about 3 MB).
CACHED_STEP_SIZE = 64 * 64

#: The one-step maps of the last few (model, step, method), by :func:`_cached_step_matrices`.
_STEP_CACHE: dict = {}
_STEP_LOCK = threading.Lock()


def _cached_step_matrices(A: np.ndarray, b: np.ndarray, D: np.ndarray, dt: float, method: str):
    """:func:`step_matrices`, remembered for the last few models and steps (as read-only arrays).

    A run of the same model again (a benchmark, a sweep of seeds, the ranges of blocks that :func:`observe`
    shares out) skips the matrix exponentials: scipy's small LAPACK calls can cost tens of milliseconds of
    waiting for its threads on a busy machine, before the drawing thread can start.
    """
    arrays = [np.ascontiguousarray(m, dtype=float) for m in (A, b, D)]
    if arrays[0].size > CACHED_STEP_SIZE:  # a large model's exponentials dwarf the wait; its maps are not kept
        return step_matrices(*arrays, dt, method)
    key = tuple((m.shape, m.tobytes()) for m in arrays) + (float(dt), method)
    with _STEP_LOCK:
        found = _STEP_CACHE.pop(key, None)
    if found is None:
        found = step_matrices(*arrays, dt, method)
        for m in found:
            m.setflags(write=False)
    with _STEP_LOCK:
        _STEP_CACHE[key] = found  # the most recent last
        while len(_STEP_CACHE) > 16:
            del _STEP_CACHE[next(iter(_STEP_CACHE))]
    return found


#: Gauss–Legendre nodes per step (or per piece of a step) for the exact drive integral.
GAUSS_NODES = 8
#: Largest ``||A||_1 h`` of a piece of length ``h`` on which plain Gauss–Legendre quadrature of
#: ``exp(A (h - s)) b(s)`` is used (its error is then below 1e-16 of the integral); longer
#: pieces use exponential quadrature (:func:`_exponential_weights`).
GAUSS_REACH = 2.0


def _exponential_weights(A: np.ndarray, h: float, theta: np.ndarray) -> np.ndarray:
    """Matrices ``W_i`` with ``int_0^h exp(A (h - s)) b(s) ds = sum_i W_i b(theta_i h)``.

    Exact when ``b`` is a polynomial of degree below ``len(theta)``, for any ``A`` (stiff
    or growing): ``b`` is interpolated at the nodes ``theta_i`` (in [0, 1]) and each power
    integrated exactly, ``int_0^h exp(A (h - s)) (s/h)^j ds = h j! phi_{j+1}(A h)``, with
    the ``phi`` functions read off one block exponential (Al-Mohy & Higham, SIAM J. Sci.
    Comput. 33, 488 (2011), eq. 2.11).
    """
    n, p = A.shape[0], theta.size
    big = np.zeros((n * (p + 1), n * (p + 1)))
    big[:n, :n] = A * h
    for j in range(p):
        big[j * n:(j + 1) * n, (j + 1) * n:(j + 2) * n] = np.eye(n)
    E = sla.expm(big)
    phi = [E[:n, (j + 1) * n:(j + 2) * n] for j in range(p)]  # phi_1 ... phi_p
    lagrange = np.linalg.inv(np.vander(theta, p, increasing=True))  # row j: coefficient of theta^j
    fact = np.cumprod(np.r_[1.0, np.arange(1, p)])
    return np.stack([h * sum(lagrange[j, i] * fact[j] * phi[j] for j in range(p)) for i in range(p)])


def drive_offsets(model: LinearSDE, A: np.ndarray, dt: float, steps: int, method: str) -> np.ndarray:
    """The per-step constant ``c_k`` of a scheme under a protocol ``b(t)``, shape ``(steps, n)``.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, t = sp.symbols("x t", real=True)
    >>> m = LinearSDE({x: -x + t}, {x: 1}, time=t)
    >>> drive_offsets(m, np.array([[-1.0]]), 0.5, 2, "euler").ravel().tolist()
    [0.0, 0.25]
    """
    from ..core.protocols import switching_times

    n = A.shape[0]
    starts = np.arange(steps) * dt
    if method == "euler":
        return model.drive(starts) * dt
    if method == "heun":
        b0, b1 = model.drive(starts), model.drive(starts + dt)
        return dt / 2 * (b0 @ (np.eye(n) + A * dt).T + b1)
    if method != "exact":
        raise ModelError(f"method: expected one of {METHODS} but found {method!r}")
    x, w = np.polynomial.legendre.leggauss(GAUSS_NODES)

    theta = (x + 1) / 2
    reach = np.linalg.norm(A, 1)

    def piece(lo: np.ndarray, hi: np.ndarray, k: np.ndarray) -> np.ndarray:
        """int_lo^hi exp(A (t_k + dt - s)) b(s) ds for steps k (absolute times lo, hi)."""
        half = (hi - lo) / 2
        out = np.zeros((lo.size, n))
        if reach * 2 * half.max() > GAUSS_REACH:
            # stiff or fast-growing over the piece: exponential quadrature, then carry to the step's end
            shape = np.round(np.stack([hi - lo, starts[k] + dt - hi]), 12)
            groups, inverse = np.unique(shape, axis=1, return_inverse=True)
            for g in range(groups.shape[1]):
                sel = inverse.ravel() == g
                h, rest = hi[sel][0] - lo[sel][0], (starts[k] + dt - hi)[sel][0]
                W = _exponential_weights(A, h, theta)
                for i in range(theta.size):
                    out[sel] += model.drive(lo[sel] + h * theta[i]) @ W[i].T
                if rest > 0:
                    out[sel] = out[sel] @ sla.expm(A * rest).T
            return out
        for xj, wj in zip(x, w):
            s = lo + half * (xj + 1)
            lag = starts[k] + dt - s
            b = model.drive(s)
            # exp(A lag) b for each step: lag differs per step only when pieces are cut
            groups, inverse = np.unique(np.round(lag, 12), return_inverse=True)
            for g in range(groups.size):
                sel = inverse.ravel() == g
                out[sel] += (wj * half[sel])[:, None] * (b[sel] @ sla.expm(A * lag[sel][0]).T)
        return out

    k_all = np.arange(steps)
    c = piece(starts, starts + dt, k_all)
    for tau in switching_times(model, steps * dt):
        k = int(np.floor(tau / dt))
        if k >= steps or np.isclose(tau, starts[k], rtol=0, atol=1e-12 * max(dt, 1.0)):
            continue  # on the grid: the step already splits there
        kk = np.array([k])
        c[k] = (piece(np.array([starts[k]]), np.array([tau]), kk) +
                piece(np.array([tau]), np.array([starts[k] + dt]), kk))[0]
    return c


def _modal_form(F: np.ndarray):
    """A real basis ``V`` in which the one-step map ``F`` is diagonal, or 2x2 rotation blocks.

    Returns ``(V, lam, rot, pairs)``: ``F = V M V^-1`` where ``M`` is diagonal with ``lam``
    except for ``pairs`` complex pairs ``a +- i b`` stored last, their real parts in the
    ``pairs`` coordinates before the last ``pairs`` (imaginary parts), with ``rot = b``:
    ``w_re' = a w_re + b w_im``, ``w_im' = a w_im - b w_re``. ``None`` when ``F`` is not
    diagonalisable to within round-off (a defective or nearly defective drift).
    """
    n = F.shape[0]
    if not np.all(np.isfinite(F)):
        return None
    ev, vecs = np.linalg.eig(F)
    scale = max(1.0, float(np.abs(ev).max(initial=0.0)))
    real = np.abs(ev.imag) <= 1e-13 * scale
    upper = ~real & (ev.imag > 0)
    if 2 * int(upper.sum()) != int((~real).sum()):
        return None
    cols = [vecs[:, real].real] + [vecs[:, upper].real, vecs[:, upper].imag]
    V = np.concatenate(cols, axis=1)
    lam = np.concatenate([ev[real].real, ev[upper].real, ev[upper].real])
    rot = ev[upper].imag
    pairs = int(upper.sum())
    if V.shape != (n, n) or np.linalg.cond(V) > 1e6:
        return None
    M = np.diag(lam)
    r = n - 2 * pairs
    for p in range(pairs):
        M[r + p, r + pairs + p] = rot[p]
        M[r + pairs + p, r + p] = -rot[p]
    Vinv = np.linalg.inv(V)
    if np.abs(V @ M @ Vinv - F).max() > 1e-12 * (np.abs(F).max() + 1.0):
        return None
    return V, Vinv, lam, rot, pairs


#: Steps of a tile between two calls of :meth:`_NoiseFeed.pause` (a draw of one block of the next tile).
PAUSE_EVERY = 4


class _LinearEngine:
    """``z' = F z + c + G xi`` in a modal basis ``z = V w``, one time tile of all blocks at a time.

    Layout: the noise of a chunk is drawn as ``(blocks, n, TILE, BLOCK)`` (each block's tile is
    one contiguous draw of its own generator); one matrix product per block maps it to the
    modal noise ``V^-1 (G xi + c)``, written straight into the modal states ``w`` of shape
    ``(blocks, n, TILE + 1, BLOCK)`` (slot 0: the state before the tile); the recursion
    along time is then two in-place array operations per step (a scaling by the modal
    multipliers and an addition; four more with rotating modes), so each normal is touched
    by few passes over memory. A drift that is not diagonalisable to within round-off uses
    the dense ``F`` (``n^2`` multiply-adds per step). Every operation is elementwise per path
    or a product per block, so the result does not depend on how blocks are grouped into
    chunks.
    """

    def __init__(self, F, c, G, dtype) -> None:
        self.n = n = F.shape[0]
        self.dtype = dtype
        self.per_step = c.ndim == 2
        modal = _modal_form(F)
        if modal is None:
            self.V, Vinv, self.dense = np.eye(n), np.eye(n), F.astype(dtype)
            self.pairs = 0
        else:
            self.V, Vinv, lam, rot, self.pairs = modal
            self.dense = None
            self.lam = lam.astype(dtype).reshape(1, n, 1)
            self.rot = rot.astype(dtype).reshape(1, -1, 1)
        self.Vinv = Vinv
        self.identity = modal is not None and np.array_equal(self.V, np.eye(n))
        self.VT = np.ascontiguousarray(self.V.T).astype(dtype)
        Gw = Vinv @ G
        # a constant c enters through the same product as the noise, as a row of ones under the
        # normals; without one (c = 0, no drive) the row would only add zeros and is left out
        self.const_row = not self.per_step and bool(np.any(c != 0))
        if self.per_step:
            self.cw = (c @ Vinv.T).astype(dtype)
            self.gain = Gw.astype(dtype)
        elif self.const_row:
            self.gain = np.concatenate([Gw, (Vinv @ c).reshape(-1, 1)], axis=1).astype(dtype)
        else:
            self.gain = Gw.astype(dtype)

    def noise_buffer(self, nb: int) -> np.ndarray:
        """A tile of normals for ``nb`` blocks, (blocks, rows, TILE, BLOCK), with its constant row set."""
        n, rows = self.n, self.n + int(self.const_row)
        xi = np.empty((nb, rows, TILE, BLOCK), self.dtype)
        if self.const_row:
            xi[:, n] = 1.0
        return xi

    def to_modal(self, z: np.ndarray) -> np.ndarray:
        """States (blocks, n, BLOCK) in the modal basis."""
        return z if self.identity else np.einsum("ij,xjb->xib", self.Vinv, z)

    def to_states(self, w: np.ndarray) -> np.ndarray:
        """Modal states (blocks, n, m, BLOCK) back to the model's variables, same shape.

        ``w`` may be a view of consecutive slots of the engine's buffer (each (block, mode) row
        then runs over ``m * BLOCK`` contiguous numbers, read in place); other views are copied
        first. The product is the same ``V @ w`` for every grouping of slots and blocks, bit for bit.
        """
        if self.identity:
            return w
        nb, n, m, B = w.shape
        if w.strides[3] == w.itemsize and w.strides[2] == B * w.itemsize:
            rows = _slot_rows(w)
        else:
            rows = np.ascontiguousarray(w).reshape(nb, n, m * B)
        return np.matmul(self.V.astype(w.dtype), rows).reshape(nb, n, m, B)

    def advance(self, xi: np.ndarray, w: np.ndarray, tmp: np.ndarray, k: int, tile: int,
                out: np.ndarray | None = None, pause: Callable[[], None] | None = None) -> None:
        """Fill ``w[:, :, 1:tile + 1]`` from ``w[:, :, 0]`` and the drawn normals ``xi``.

        With ``out`` (slot-major modal states ``(TILE + 1, n, blocks, BLOCK)``: each slot's paths in a
        row), the states go to ``out[1:tile + 1]`` from ``out[0]`` instead, ``w`` then holding only the
        tile's modal noise: the same operations on the same numbers, so the same states bit for bit,
        laid out for :func:`_store_slots` to map them to the records in one product per slot.
        ``pause``, where given, is called every :data:`PAUSE_EVERY` steps (:meth:`_NoiseFeed.pause`).
        """
        nb, n = w.shape[:2]
        if out is not None:
            self._advance_slots(xi, w, tmp, k, tile, out, pause)
            return
        self._noise(xi, w, k, tile)
        lam, pairs, dense = (None, 0, self.dense) if self.dense is not None else (self.lam, self.pairs, None)
        if pairs:
            r = n - 2 * pairs
            re, im = slice(r, r + pairs), slice(r + pairs, n)
            extra = np.empty((nb, pairs, BLOCK), w.dtype)
        row = np.empty((nb, BLOCK), w.dtype) if dense is not None else None
        for s in range(tile):
            prev, cur = w[:, :, s, :], w[:, :, s + 1, :]
            if dense is not None:
                for i in range(n):
                    np.multiply(prev[:, 0], dense[i, 0], out=tmp[:, i])
                    for j in range(1, n):
                        np.multiply(prev[:, j], dense[i, j], out=row)
                        tmp[:, i] += row
            else:
                np.multiply(prev, lam, out=tmp)
                if pairs:
                    np.multiply(prev[:, im], self.rot, out=extra)
                    tmp[:, re] += extra
                    np.multiply(prev[:, re], self.rot, out=extra)
                    tmp[:, im] -= extra
            np.add(cur, tmp, out=cur)
            if pause is not None and s % PAUSE_EVERY == PAUSE_EVERY - 1:
                pause()

    def _noise(self, xi: np.ndarray, w: np.ndarray, k: int, tile: int) -> None:
        """The modal noise ``V^-1 (G xi + c)`` of a tile into ``w[:, :, 1:tile + 1]``."""
        nb, n = w.shape[:2]
        item = w.itemsize
        # only the slots of this tile: a short (last) tile maps only the normals it uses
        target = np.lib.stride_tricks.as_strided(
            w[:, :, 1:, :], shape=(nb, n, tile * BLOCK), strides=(w.strides[0], w.strides[1], item))
        source = np.lib.stride_tricks.as_strided(
            xi, shape=(nb, xi.shape[1], tile * BLOCK), strides=(xi.strides[0], xi.strides[1], item))
        np.matmul(self.gain, source, out=target)
        if self.per_step:
            w[:, :, 1:tile + 1, :] += self.cw[k:k + tile].T[None, :, :, None]

    def _advance_slots(self, xi: np.ndarray, w: np.ndarray, tmp: np.ndarray, k: int, tile: int,
                       out: np.ndarray, pause: Callable[[], None] | None = None) -> None:
        """:meth:`advance` into slot-major states ``out`` (``TILE + 1, n, blocks, BLOCK``): ``w`` holds the noise."""
        nb, n = w.shape[:2]
        self._noise(xi, w, k, tile)
        step = tmp.reshape(-1)[:n * nb * BLOCK].reshape(n, nb, BLOCK)  # the scratch of a step, slot-major
        noise = w.transpose(2, 1, 0, 3)  # (TILE + 1, n, blocks, BLOCK): slot s's noise of every block
        if self.dense is not None:
            row = np.empty((nb, BLOCK), w.dtype)
            for s in range(tile):
                prev = out[s]
                for i in range(n):
                    np.multiply(prev[0], self.dense[i, 0], out=step[i])
                    for j in range(1, n):
                        np.multiply(prev[j], self.dense[i, j], out=row)
                        step[i] += row
                np.add(noise[s + 1], step, out=out[s + 1])
                if pause is not None and s % PAUSE_EVERY == PAUSE_EVERY - 1:
                    pause()
            return
        lam, pairs = self.lam.reshape(n, 1, 1), self.pairs
        if pairs:
            r = n - 2 * pairs
            re, im = slice(r, r + pairs), slice(r + pairs, n)
            rot = self.rot.reshape(pairs, 1, 1)
            extra = np.empty((pairs, nb, BLOCK), w.dtype)
        for s in range(tile):
            prev = out[s]
            np.multiply(prev, lam, out=step)
            if pairs:
                np.multiply(prev[im], rot, out=extra)
                step[re] += extra
                np.multiply(prev[re], rot, out=extra)
                step[im] -= extra
            np.add(noise[s + 1], step, out=out[s + 1])
            if pause is not None and s % PAUSE_EVERY == PAUSE_EVERY - 1:
                pause()


def _slot_rows(w: np.ndarray) -> np.ndarray:
    """View consecutive slots ``w`` (blocks, n, m, BLOCK) of a buffer as (blocks, n, m * BLOCK), without copying."""
    nb, n, m, B = w.shape
    return np.lib.stride_tricks.as_strided(w, shape=(nb, n, m * B), strides=(w.strides[0], w.strides[1], w.itemsize))


class _NonlinearKernel:
    """Euler–Maruyama (Itô) or Heun (Stratonovich) for ``dz = f(z) dt + sqrt(2 D(z)) dW``."""

    def __init__(self, f, D, dt: float, method: str) -> None:
        self.f, self.D, self.dt, self.heun = f, D, dt, method == "heun"
        self.sqdt = np.sqrt(dt)

    def prepare(self, xi: np.ndarray, k: int = 0) -> np.ndarray:
        return xi * self.sqdt

    def _noise(self, Z: np.ndarray) -> np.ndarray:
        Dz = self.D(Z)
        if Dz.min(initial=0.0) < 0:
            raise ModelError(f"the diffusion became negative ({Dz.min():.3g}) along a path")
        return np.sqrt(2 * Dz)

    def step(self, z: np.ndarray, dW: np.ndarray) -> np.ndarray:
        nb, n, B = z.shape
        Z = z.transpose(0, 2, 1).reshape(-1, n)
        W = dW.transpose(0, 2, 1).reshape(-1, n)
        f0, g0 = self.f(Z), self._noise(Z)
        pred = Z + f0 * self.dt + g0 * W
        if self.heun:
            new = Z + 0.5 * (f0 + self.f(pred)) * self.dt + 0.5 * (g0 + self._noise(pred)) * W
        else:
            new = pred
        return np.ascontiguousarray(new.reshape(nb, B, n).transpose(0, 2, 1))


class _ModulatedKernel:
    """Euler–Maruyama or Heun for ``dz = (A(t) z + b(t)) dt + sqrt(2 D(t)) dW`` (additive noise: one reading).

    The matrices are read at ``t_k + delta`` and ``t_{k+1} - delta`` (``delta`` a billionth of a
    step), inside the step, so a protocol that jumps on a step boundary is integrated as two
    constant pieces. Heun: predictor ``z + f_k(z) dt + G_k dW``, corrector
    ``z + (f_k(z) + f_{k+1}(pred)) dt / 2 + (G_k + G_{k+1}) dW / 2``.
    """

    def __init__(self, model: LinearSDE, dt: float, steps: int, method: str) -> None:
        times = np.arange(steps + 1) * dt
        delta = 1e-9 * dt
        self.A0, self.b0, G0 = self._at(model, times[:-1] + delta)
        self.A1, self.b1, G1 = self._at(model, times[1:] - delta)
        self.G0, self.G1 = G0, G1
        self.dt, self.heun, self.k = dt, method == "heun", 0
        self.sqdt = np.sqrt(dt)
        _check_scheme_stable_steps(np.concatenate([self.A0, self.A1]), dt, method, steps)

    @staticmethod
    def _at(model: LinearSDE, ts: np.ndarray):
        A, b, D = model.matrices_at(ts)
        G = np.empty_like(D)
        for i in range(len(ts)):
            if np.any(np.diag(D[i]) < 0):
                raise ModelError(f"the diffusion is negative at t = {ts[i]:g}")
            G[i] = _psd_sqrt(2 * D[i])
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b)) and np.all(np.isfinite(G))):
            raise ModelError("the protocol's matrices are not finite on the time grid")
        return A, b, G

    def prepare(self, xi: np.ndarray, k: int = 0) -> np.ndarray:
        self.k = k
        return xi * self.sqdt

    def step(self, z: np.ndarray, dW: np.ndarray) -> np.ndarray:
        k, dt = self.k, self.dt
        self.k += 1
        f0 = np.einsum("ij,bjp->bip", self.A0[k], z) + self.b0[k][None, :, None]
        noise0 = np.einsum("ij,bjp->bip", self.G0[k], dW)
        pred = z + f0 * dt + noise0
        if not self.heun:
            return pred
        f1 = np.einsum("ij,bjp->bip", self.A1[k], pred) + self.b1[k][None, :, None]
        noise1 = np.einsum("ij,bjp->bip", self.G1[k], dW)
        return z + 0.5 * (f0 + f1) * dt + 0.5 * (noise0 + noise1)


def _check_scheme_stable_steps(As: np.ndarray, dt: float, method: str, steps: int) -> None:
    """:func:`_check_scheme_stable` at the worst of the matrices ``As`` of a protocol."""
    z = np.linalg.eigvals(As) * dt
    gain = np.abs(1 + z) if method == "euler" else np.abs(1 + z + z**2 / 2)
    k = np.unravel_index(np.argmax(np.where(z.real < 0, gain, 0.0)), gain.shape)[0]
    _check_scheme_stable(As[k], dt, method, steps)


def _numeric_model(model: LinearSDE | SDE, values: Mapping | None) -> LinearSDE | SDE:
    if not isinstance(model, (LinearSDE, SDE)):
        raise ModelError(f"expected a LinearSDE or an SDE but found {type(model).__name__}")
    if values:
        model = model.subs(values)
    if not model.is_numeric:
        raise ModelError(
            f"the model has free parameters {[p.name for p in model.parameters]}: pass values={{...}} to simulate it"
        )
    return model


def _initial_states(initial: Any, model: LinearSDE, A, b, rngs: Sequence[np.random.Generator], sizes: Sequence[int]):
    n = model.dimension
    if isinstance(initial, Gaussian):
        mean = _float_array(initial.mean, "initial Gaussian: the mean").reshape(-1)
        cov = _float_array(initial.cov, "initial Gaussian: the covariance")
        if mean.shape != (n,) or cov.shape != (n, n):
            raise ModelError(f"initial Gaussian: expected a mean of {n} entries and an ({n}, {n}) covariance")
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
            raise ModelError("initial Gaussian: the mean and the covariance must be finite")
        scale = max(np.abs(cov).max(initial=0.0), 1e-300)
        if np.abs(cov - cov.T).max(initial=0.0) > 1e-12 * scale:
            raise ModelError("initial Gaussian: the covariance is not symmetric")
        lowest = np.linalg.eigvalsh((cov + cov.T) / 2)[0]
        if lowest < -1e-12 * scale:
            raise ModelError(
                f"initial Gaussian: the covariance is not positive semi-definite (eigenvalue {lowest:.3g})"
            )
        L = _psd_sqrt(cov)
        return [mean + rng.standard_normal((size, n)) @ L.T for rng, size in zip(rngs, sizes)]
    if initial is None:
        try:
            start = np.linalg.solve(A, -b) if A is not None and np.any(b) else np.zeros(n)
        except np.linalg.LinAlgError:
            start = np.zeros(n)
    elif isinstance(initial, Mapping):
        start = np.zeros(n)
        for key, val in initial.items():
            start[model.index(key)] = real_number(f"initial: the value of {key}", val)
    else:
        start = _float_array(initial, "initial").reshape(-1)
        if start.shape != (n,):
            raise ModelError(f"initial: expected a state of {n} entries but found {start.size}")
    if not np.all(np.isfinite(start)):
        raise ModelError(f"initial: expected a finite state but found {start}")
    return [np.broadcast_to(start, (size, n)).copy() for size in sizes]


def _float_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float array, or a ModelError that names it (text, complex numbers, ragged lists)."""
    if isinstance(value, (str, bytes)):
        raise ModelError(f"{what}: expected real numbers but found {value!r:.80}")
    try:
        return np.asarray(value, float)
    except (TypeError, ValueError):
        raise ModelError(f"{what}: expected real numbers (a state, or a mean and covariance) but found "
                         f"{value!r:.80}") from None


def _count(name: str, value: Any) -> int:
    """``value`` as an integer >= 1, or a ModelError that names it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
            or value != int(value) or value < 1:
        raise ModelError(f"{name}: expected a positive integer but found {value!r}")
    return int(value)


def _check_record(record: Any, record_every: Any) -> tuple[bool | str, bool]:
    """``(record, end_only)``: ``record`` as ``True``, ``False`` or ``"end"``, or a ModelError that names it."""
    if isinstance(record, str):
        if record != "end":
            raise ModelError(f"record: expected True, False or 'end' but found {record!r}")
        if isinstance(record_every, numbers.Real) and not isinstance(record_every, bool) and record_every == 1:
            return "end", True
        raise ModelError(f"record_every: record='end' keeps only the final state, so record_every={record_every!r} "
                         "has no meaning; leave it at 1, or record every k-th state with record=True")
    if isinstance(record, (bool, np.bool_)) or (isinstance(record, numbers.Integral) and record in (0, 1)):
        return bool(record), False
    raise ModelError(f"record: expected True, False or 'end' but found {record!r}")


def _check_max_memory(max_memory: Any) -> float:
    """The byte limit of a run: ``max_memory`` (a positive number) or :data:`MAX_RECORD_BYTES`."""
    if max_memory is None:
        return float(MAX_RECORD_BYTES)
    if isinstance(max_memory, (bool, np.bool_)) or not isinstance(max_memory, numbers.Real) \
            or not math.isfinite(max_memory) or max_memory <= 0:
        raise ModelError(f"max_memory: expected a positive number of bytes but found {max_memory!r}")
    return float(max_memory)


def _check_threads(threads: Any) -> int | None:
    if threads is None:
        return None
    if isinstance(threads, (bool, np.bool_)) or not isinstance(threads, numbers.Integral) or threads not in (1, 2):
        raise ModelError(f"threads: expected None, 1 or 2 but found {threads!r}")
    return int(threads)


#: This process's share of the 1-minute load average at the last look: (monotonic time, process CPU seconds, share).
_OWN_LOAD: list = []


def _own_load() -> float:
    """This process's own share of the 1-minute load average: its CPU use (all threads) averaged as the kernel
    averages the load (exponentially, over a minute), from the process's start (Linux) or the first look.

    A run that kept two threads busy has put about 2 into the load average itself; counted as other processes'
    load, it would keep the next run from its second thread (a benchmark that runs back to back flipped to one
    thread within a minute).
    """
    now, cpu = time.monotonic(), time.process_time()
    if not _OWN_LOAD:  # the whole life of the process so far, or from now where its start is not known
        age = _process_age()
        _OWN_LOAD[:] = [now - age, 0.0 if age else cpu, 0.0]
    then, cpu0, share = _OWN_LOAD
    span = now - then
    if span > 1e-3:
        decay = math.exp(-span / 60.0)
        share = share * decay + min((cpu - cpu0) / span, float(_cpu_count())) * (1.0 - decay)
        _OWN_LOAD[:] = [now, cpu, share]
    return share


def _process_age() -> float:
    """Seconds since this process started (Linux), or 0 where unknown."""
    import os

    try:
        with open("/proc/self/stat") as fh:
            start = int(fh.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
        with open("/proc/uptime") as fh:
            return max(0.0, float(fh.read().split()[0]) - start)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _idle_cpu() -> bool:
    """Whether a second thread would find a CPU of its own: more than one CPU for this process, not a worker
    process (its siblings take the other CPUs), and the load average of the other processes (this process's
    own share, :func:`_own_load`, taken out), with this thread's 1 added, below the CPUs less one half (where
    the machine is busy, the thread only adds switching)."""
    import os

    workers = sys.modules.get(__name__.rsplit(".", 2)[0] + ".workers")  # a worker process has imported it
    if workers is not None and workers.IN_WORKER:
        return False
    processes = sys.modules.get("multiprocessing")  # a child of multiprocessing has imported it
    if processes is not None and processes.parent_process() is not None:
        return False
    cpus = _cpu_count()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    others = max(0.0, load - _own_load())
    return cpus > 1 and others + 1.0 < cpus - 0.5


def simulate_memory(n: int, steps: int, paths: int, *, record: bool | str = True, record_every: int = 1,
                    chunk_paths: int | None = None, dtype: Any = "float64", threads: int | None = None) -> int:
    """Bytes that :func:`simulate` allocates: the record plus the working buffers of a chunk.

    ``n`` variables, ``steps`` steps after the burn-in, ``paths`` paths; the other arguments
    as in :func:`simulate`. Three tiles of normals are counted where a second thread may draw
    them ahead (``threads`` None or 2), one with ``threads=1``. Observers' own arrays are not
    counted. :func:`simulate` refuses (``TooLarge``) a run that needs more than its ``max_memory``
    or than the machine has available.

    Examples
    --------
    >>> simulate_memory(2, 100, 100_000) // 10**6  # 101 records x 1e5 paths x 2 float64, and ~14 MB of buffers
    175
    >>> simulate_memory(2, 100, 100_000, record="end") // 10**6  # the end only: 1.6 MB of records
    15
    >>> simulate_memory(2, 100, 100_000, record="end", threads=1) // 10**6  # one tile of normals, not three
    9
    """
    n, steps, paths = _count("n", n), _count("steps", steps), _count("paths", paths)
    record, end_only = _check_record(record, 1 if record == "end" else record_every)
    record_every = _count("record_every", record_every)
    threads = _check_threads(threads)
    item = np.dtype(_check_dtype(dtype)).itemsize
    if chunk_paths is None:
        chunk_paths = 32 * BLOCK if n <= 4 else 16 * BLOCK
    blocks = min(max(1, _count("chunk_paths", chunk_paths) // BLOCK), -(-paths // BLOCK))
    n_rec = 1 if end_only else (steps // record_every + 1 if record else 0)
    # the tiles of normals (with the constant row), the modal states, the mapped states of a tile, the start
    feeds = 1 if threads == 1 else _feed_buffers(n, blocks, np.dtype(_check_dtype(dtype)))
    work = blocks * BLOCK * (feeds * (n + 1) * TILE + 2 * n * (TILE + 1) + 2 * n)
    return int(n_rec * paths * n + work) * item


#: Largest tile of normals (bytes) that the drawing thread triple-buffers; larger models draw in the calling thread.
MAX_FEED_BYTES = 32 * 1024**2


def _feed_buffers(n: int, blocks: int, dtype) -> int:
    """Tiles of normals a run keeps: three when a second thread may draw them ahead, else one."""
    return 3 if blocks * (n + 1) * TILE * BLOCK * np.dtype(dtype).itemsize <= MAX_FEED_BYTES else 1


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation without swapping (Linux: MemAvailable), if known."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _check_memory(need: int, limit: float, n_rec: int, paths: int, n: int) -> None:
    """Refuse, before allocating, a run needing more than ``limit`` bytes or than the memory available."""
    what = (f"the run needs about {_bytes(need)} ({n_rec} records x {paths} paths x {n} variables, and the working "
            "buffers)")
    advice = ("raise record_every, keep only the end with record='end', use fewer paths, or stream with observers "
              "and record=False")
    if need > limit:
        raise TooLarge(f"{what}, more than max_memory = {_bytes(limit)} (thermotheory.montecarlo.simulate."
                       f"MAX_RECORD_BYTES by default); {advice}, or raise max_memory")
    available = _available_memory()
    if available is not None and need > available:
        raise TooLarge(f"{what}, more than the {_bytes(available)} of memory available on this machine (it would "
                       f"swap); {advice}")


def _bytes(count: float) -> str:
    return f"{count / 1024**3:.3g} GiB" if count >= 0.1 * 1024**3 else f"{count / 1024**2:.3g} MiB"


def _check_arguments(t_end, dt, paths, seed, method, burn_in, record_every, observers, chunk_paths):
    """Refuse bad arguments of :func:`simulate` before any work, naming the argument."""
    times = {}
    for name, value in (("t_end", t_end), ("dt", dt), ("burn_in", burn_in)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise ModelError(f"{name}: expected a number but found {value!r}")
        if not np.isfinite(value):
            raise ModelError(f"{name}: expected a finite time but found {value}")
        times[name] = float(value)
    t_end, dt, burn_in = times["t_end"], times["dt"], times["burn_in"]
    for name, value in (("t_end", t_end), ("dt", dt)):
        if value <= 0:
            raise ModelError(f"{name}: expected a positive number but found {value}")
    if burn_in < 0:
        raise ModelError(f"burn_in: expected a time >= 0 but found {burn_in}")
    if t_end < dt * (1 - STEP_RTOL):
        raise ModelError(f"t_end: expected at least one step dt = {dt:g} but found t_end = {t_end:g}")
    ratio = t_end / dt
    if not math.isfinite(ratio):
        raise TooLarge(f"t_end: {t_end:g} is more steps dt = {dt:g} than can be counted; use a larger dt")
    if abs(ratio - round(ratio)) > STEP_RTOL * ratio:
        more = math.ceil(ratio)
        raise ModelError(
            f"t_end: {t_end:g} is not a whole number of steps dt = {dt:g} ({ratio:.6g} steps), so the paths would "
            f"not end at t_end; use dt = {t_end / more:.12g} ({more} steps) or t_end = {math.floor(ratio) * dt:g} "
            f"or {more * dt:g}")
    if method not in METHODS:
        raise ModelError(f"method: expected one of {METHODS} but found {method!r}")
    if seed is None or isinstance(seed, (bool, np.bool_)):
        raise ModelError(f"seed: expected a non-negative integer (paths reproducible from it) but found {seed!r}")
    try:
        np.random.SeedSequence(seed)
    except (TypeError, ValueError) as err:
        raise ModelError(f"seed: expected a non-negative integer but found {seed!r} ({err})") from None
    if observers is not None:
        if not isinstance(observers, Mapping):
            raise ModelError(f"observers: expected a mapping name -> factory but found {type(observers).__name__}")
        for name, factory in observers.items():
            if not callable(factory):
                raise ModelError(f"observers: the factory for {name!r} is not callable")
    return (t_end, dt, burn_in, _count("paths", paths), _count("record_every", record_every),
            _count("chunk_paths", chunk_paths))


#: Largest growth over a run that Euler or Heun may give a decaying mode before simulate refuses.
MAX_SPURIOUS_GROWTH = 2.0


def _check_scheme_stable(A: np.ndarray, dt: float, method: str, steps: int) -> None:
    """Refuse a step at which Euler or Heun amplify a decaying mode of ``A`` (numerical blow-up).

    A mode ``exp(lambda t)`` with ``Re lambda < 0`` is multiplied each step by ``R(lambda dt)``
    (``1 + z``, or ``1 + z + z^2/2``); refused when it grows more than
    :data:`MAX_SPURIOUS_GROWTH`-fold over the ``steps`` of the run instead of decaying.
    """
    if method == "exact":
        return
    z = np.linalg.eigvals(A) * dt
    gain = np.abs(1 + z) if method == "euler" else np.abs(1 + z + z**2 / 2)
    growth = steps * np.log(np.maximum(gain, 1e-300))
    bad = (z.real < 0) & (growth > np.log(MAX_SPURIOUS_GROWTH))
    if np.any(bad):
        worst = z[bad][np.argmax(gain[bad])] / dt
        raise ModelError(
            f"dt: {method} is unstable at dt = {dt:g}: the decaying mode exp(({complex(worst):.4g}) t) is amplified "
            f"{np.max(gain[bad]):.6g}-fold per step over {steps} steps; use dt < {_stable_step(worst, method):.3g} "
            "or method='exact'"
        )


def _stable_step(rate: complex, method: str) -> float:
    """Largest stable step of a scheme for one decaying eigenvalue (by bisection on the gain)."""
    lo, hi = 0.0, 8.0 / abs(rate)
    for _ in range(60):
        mid = (lo + hi) / 2
        z = rate * mid
        gain = abs(1 + z) if method == "euler" else abs(1 + z + z**2 / 2)
        lo, hi = (mid, hi) if gain < 1 else (lo, mid)
    return lo


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done, self.shown = max(total, 1), enabled, 0, -1

    def update(self, k: int) -> None:
        if not self.enabled:
            return
        self.done += k
        pct = int(100 * self.done / self.total)
        if pct != self.shown:
            self.shown = pct
            bar = "#" * (pct // 4)
            sys.stderr.write(f"\rsimulate [{bar:<25}] {pct:3d}%")
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def simulate(
    model: LinearSDE | SDE,
    t_end: float,
    dt: float,
    paths: int,
    seed: int = 0,
    method: str = "exact",
    values: Mapping | None = None,
    initial: Any = None,
    burn_in: float = 0.0,
    record_every: int = 1,
    record: bool | str = True,
    observers: Mapping[str, Callable[[], Any]] | None = None,
    chunk_paths: int | None = None,
    progress: bool = False,
    dtype: Any = "float64",
    max_memory: float | None = None,
    threads: int | None = None,
    blocks: tuple[int, int] | None = None,
) -> Trajectories:
    """Simulate paths of a linear or nonlinear SDE, vectorised over paths.

    Parameters
    ----------
    model : LinearSDE or SDE
        Numeric, or symbolic together with ``values``. A nonlinear :class:`SDE` is
        integrated by ``euler`` (Itô reading) or ``heun`` (Stratonovich reading); with
        multiplicative noise the method must match the model's convention.
    t_end : float
        Duration recorded after the burn-in: a whole number of steps ``dt`` (to a relative
        :data:`STEP_RTOL`, so that ``t_end=1.0, dt=0.1`` is 10 steps), at least one; the
        recorded ``times`` end at ``t_end`` when ``record_every`` divides the steps.
    dt : float
        Integration step.
    paths : int
        Number of independent paths.
    seed : int
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same paths
        whatever ``chunk_paths`` and ``record_every``.
    method : {"exact", "euler", "heun"}
        Exact discretisation (linear models only), Euler–Maruyama, or Stratonovich Heun.
    values : mapping, optional
        Parameter values for a symbolic model.
    initial : None, vector, mapping, or Gaussian
        Start: the drift's fixed point (default; at time 0 under a protocol), a given
        state, or a Gaussian.
    burn_in : float
        Time simulated before recording starts (rounded to the nearest whole number of steps).
    record_every : int
        Keep every k-th state (memory is ``t_end / (dt k) * paths * n`` floats).
    record : bool or "end"
        What to keep of the states: ``True`` every ``record_every``-th step from the start
        (default), ``"end"`` only the state at ``t_end`` (``paths * n`` floats, ``times`` is
        ``[t_end]``), ``False`` nothing (only the observers' results come back). The states
        kept are the same numbers whatever is kept: ``record_every=k`` gives every k-th
        state of the full record, and ``"end"`` its last.
    observers : mapping name -> factory, optional
        Streaming statistics: each factory is called once per chunk of paths and returns
        an object with ``step(z_old, z_new)`` (arrays of shape (paths_in_chunk, n), called
        after the burn-in at every step) and ``result()`` (an array with one entry per path).
        For linear models an observer may instead have ``block(w, V)``: called once per
        time tile with the modal states ``w`` of shape (blocks, n, steps + 1, BLOCK) (slot 0:
        the state before the tile's first observed step; ``z = V w``); with ``per_block =
        True`` its result has one row per block of :data:`BLOCK` paths (padding included).
    chunk_paths : int, optional
        Paths integrated together (rounded to whole blocks of :data:`BLOCK`); by default
        2048 for up to 4 variables and 1024 above, so that a tile stays in the cache.
    progress : bool
        Print a progress bar to standard error.
    dtype : {"float64", "float32"}
        Precision of the states (and of the recorded paths); float32 is faster and uses half
        the memory, with a relative rounding error of about 1e-7 per step.
    max_memory : float, optional
        Most bytes the run may allocate (the record plus the working buffers, see
        :func:`simulate_memory`); by default :data:`MAX_RECORD_BYTES`. Whatever the limit, a
        run that needs more than the memory the machine has available is refused
        (``TooLarge``, before anything is allocated) instead of swapping.
    threads : {None, 1, 2}
        ``2`` draws the normals of a linear model in a second thread, ahead of the
        integration (numpy draws without holding the GIL), the calling thread drawing a share of
        each tile when the second falls behind; ``1`` does everything in the calling
        thread; ``None`` (default) uses the second thread when a CPU is free for it (more than
        one CPU; the load average of the other processes, this one's own share taken out, below
        their number less one and a half; not inside a worker process, whose siblings use the
        other CPUs) and the run has more than one time tile. Models whose
        tile of normals exceeds :data:`MAX_FEED_BYTES` draw in the calling thread whatever
        ``threads`` says. The paths are the same numbers either way.
    blocks : (int, int), optional
        Run only the blocks ``b0 .. b1 - 1`` of the run's blocks of :data:`BLOCK` paths
        (the paths ``b0 * BLOCK`` up to ``min(paths, b1 * BLOCK)``): the same numbers as
        those paths of the whole run, so that the records and the observers' results of
        contiguous ranges, concatenated, are the whole run's bit for bit (:func:`observe`
        shares a run out among worker processes so). ``paths`` stays the whole run's.

    Returns
    -------
    Trajectories

    Raises
    ------
    ModelError
        For a symbolic model without values; a non-finite or non-positive ``t_end`` or
        ``dt``, ``t_end < dt``, a ``t_end`` that is not a whole number of steps ``dt`` (the
        message suggests a step that divides it), a ``paths``, ``record_every`` or ``chunk_paths`` that is not a
        positive integer, a ``seed`` that is not a non-negative integer (``None`` included),
        an unknown method, bad observers, an initial state that is not finite or an initial
        covariance that is not symmetric positive semi-definite; an ``euler`` or ``heun``
        step so large that a decaying mode grows (more than :data:`MAX_SPURIOUS_GROWTH`-fold
        over the run); bad sizes; a ``record`` that is not ``True``, ``False`` or ``"end"``, and
        paths that overflow.
    TooLarge
        A run that would draw more than :data:`MAX_DRAWS` normals, or need more than
        ``max_memory`` bytes or more than the memory available (the message states the need).

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE, simulate
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> tr = simulate(m, t_end=0.5, dt=0.01, paths=2000, seed=1, burn_in=10.0)
    >>> round(float(tr.states[-1].var()), 1)  # the stationary variance D tau = 1
    1.0
    """
    model = _numeric_model(model, values)
    record, end_only = _check_record(record, record_every)
    limit = _check_max_memory(max_memory)
    threads = _check_threads(threads)
    if chunk_paths is None:
        chunk_paths = 32 * BLOCK if model.dimension <= 4 else 16 * BLOCK
    t_end, dt, burn_in, paths, record_every, chunk_paths = _check_arguments(
        t_end, dt, paths, seed, method, burn_in, record_every, observers, chunk_paths)
    n_blocks = -(-paths // BLOCK)
    b0, b1 = _check_blocks(blocks, n_blocks)
    base = b0 * BLOCK  # the first path of the range; records and per-path results start there
    sub = min(paths, b1 * BLOCK) - base
    real_dtype = _check_dtype(dtype)
    n = model.dimension
    steps = int(round(t_end / dt))
    burn_steps = int(round(burn_in / dt))
    draws = (steps + burn_steps) * -(-paths // BLOCK) * BLOCK * n
    if draws > MAX_DRAWS:
        raise TooLarge(
            f"simulating {steps + burn_steps:.3g} steps (t_end = {t_end:g} and burn_in = {burn_in:g} at "
            f"dt = {dt:g}) of {paths} paths of {n} variables draws {draws:.3g} normals, more than the {MAX_DRAWS:.0e} of about an hour "
            "(thermotheory.montecarlo.simulate.MAX_DRAWS); use a larger dt, a shorter run or fewer paths")
    if isinstance(model, SDE):
        if method == "exact":
            raise ModelError("method: 'exact' needs a linear model; use 'euler' (Itô) or 'heun' (Stratonovich)")
        expected = {"euler": "ito", "heun": "stratonovich"}[method]
        if not model.additive and model.convention != expected:
            raise ModelError(
                f"the model's multiplicative noise is read as {model.convention}, but {method} integrates the "
                f"{expected} reading; use method={'euler' if model.convention == 'ito' else 'heun'!r}"
            )
        f, Dfun = model.compile()
        A = b = None
        kernel = _NonlinearKernel(f, Dfun, dt, method)
    elif model.is_autonomous:
        A, b, D = model.arrays()
    elif model.is_modulated:
        if method == "exact":
            raise ModelError(
                f"method: 'exact' needs constant drift and diffusion matrices, but they depend on time {model.time}; "
                "use 'heun' (weak order 2) or 'euler'"
            )
        if burn_in:
            raise ModelError(f"burn_in: the model depends on time {model.time}, which starts at 0 with the recording; "
                             "start from a Gaussian initial state, or let the protocol wait")
        A, b, _ = (x[0] for x in model.matrices_at([0.0]))
        kernel = _ModulatedKernel(model, dt, int(round(t_end / dt)), method)
    else:
        if burn_in:
            raise ModelError(
                f"burn_in: the drift depends on time {model.time}, which starts at 0 with the recording; "
                "start from a Gaussian initial state, or let the protocol wait"
            )
        A, _, D = model.arrays(allow_protocol=True)
        b = model.drive([0.0])[0]
    steps = int(round(t_end / dt))
    burn_steps = int(round(burn_in / dt))
    if record is True and record_every > steps:
        raise ModelError(
            f"record_every: {record_every} steps is more than the {steps} steps of the run, so only the start "
            "would be recorded; lower record_every, lengthen t_end, or keep only the end with record='end'"
        )
    keep = bool(record)
    # the kept states are those rel steps after the burn-in with rel % every == 0, as record rel // every - skip
    every, skip = (steps, 1) if end_only else (record_every, 0)
    n_rec = (steps // every + 1 - skip) if keep else 0
    _check_memory(simulate_memory(n, steps, sub, record=record, record_every=record_every, chunk_paths=chunk_paths,
                                  dtype=real_dtype, threads=threads), limit, n_rec, sub, n)
    if isinstance(model, LinearSDE) and not model.is_modulated:
        _check_scheme_stable(A, dt, method, burn_steps + steps)
        F, c, G = _cached_step_matrices(A, b, D, dt, method)
        if not model.is_autonomous:
            c = drive_offsets(model, A, dt, burn_steps + steps, method)
        if not all(np.all(np.isfinite(m)) for m in (F, c, G)):
            raise ModelError(f"dt: the one-step matrices overflow at dt = {dt:g} (a fast-growing mode); use a shorter dt")
        kernel = _LinearEngine(F, c, G, real_dtype)
    seqs = _BlockSeeds(seed)  # made block by block where they are drawn (the drawing thread, if any)
    per_chunk = max(1, int(chunk_paths) // BLOCK)
    states = _record_array((n_rec, sub, n), real_dtype)
    observed: dict[str, list] = {name: [] for name in (observers or {})}
    bar = _Progress((b1 - b0) * (steps + burn_steps), progress)
    total = burn_steps + steps
    chunks = [range(first, min(first + per_chunk, b1)) for first in range(b0, b1, per_chunk)]
    linear = isinstance(model, LinearSDE) and not model.is_modulated

    def collect(obs, lo, hi):
        for name, o in obs.items():
            res = np.asarray(o.result())
            observed[name].append(res if getattr(o, "per_block", False) else res[: hi - lo])

    if linear:
        tiles = len(chunks) * -(-total // TILE)
        threaded = _feed_buffers(n, max(len(c) for c in chunks), kernel.dtype) > 1 and (
            threads == 2 or (threads is None and tiles > 1 and _idle_cpu()))
        nb = max(len(c) for c in chunks)
        w_buf = np.empty((nb, n, TILE + 1, BLOCK), kernel.dtype)  # modal states of a tile, reused by every chunk
        # the scratch buffer: the slot-major states (or, with block observers, the records' mapped states)
        work = (w_buf, np.empty((nb, n, BLOCK), kernel.dtype), np.empty(w_buf.size, kernel.dtype))
        # the records' pages of each chunk mapped ahead, in the drawing thread
        ahead = threaded and keep and states.nbytes >= BASE_PAGES_FROM
        prepare = functools.partial(_fault_in_chunk, states, base, paths) if ahead else None
        feed = _NoiseFeed(chunks, seqs, initial, model, A, b, kernel, total, threaded, prepare)
        try:
            for blocks in chunks:
                lo = blocks[0] * BLOCK - base
                hi = min(paths - base, lo + len(blocks) * BLOCK)
                obs = {name: factory() for name, factory in (observers or {}).items()}
                z0 = feed.next()
                _run_linear_chunk(kernel, feed, z0, work, obs, states if keep else None, lo, hi, burn_steps, total,
                                  every, skip, dt, bar)
                collect(obs, lo, hi)
        finally:
            feed.close()
    else:
        for blocks in chunks:
            rngs = [generator(seqs[j]) for j in blocks]
            lo = blocks[0] * BLOCK - base
            hi = min(paths - base, lo + len(blocks) * BLOCK)
            obs = {name: factory() for name, factory in (observers or {}).items()}
            start_states = _initial_states(initial, model, A, b, rngs, [BLOCK] * len(blocks))
            z0 = np.ascontiguousarray(np.stack(start_states).transpose(0, 2, 1))
            _run_nonlinear_chunk(kernel, rngs, z0, obs, states if keep else None, lo, hi, burn_steps, total, every,
                                 skip, dt, bar)
            collect(obs, lo, hi)
    # the last record at t_end itself when it is one
    times = (np.arange(skip, n_rec + skip) * every / steps) * t_end
    return Trajectories(
        times=times,
        states=states,
        variables=model.variables,
        dt=float(dt),
        method=method,
        seed=seed,
        record_every=every,
        observed={name: np.concatenate(parts) for name, parts in observed.items()},
    )


#: The runner that :func:`observe` shares its blocks out with (set by :func:`shared_blocks`); None: this process.
_RUNNER: ContextVar = ContextVar("thermotheory_block_runner", default=None)


@contextmanager
def shared_blocks(runner: Any) -> Iterator[Any]:
    """Within the ``with``, :func:`observe` runs its blocks of paths by ``runner`` (None: in this process).

    ``runner`` has ``parts`` (how many ranges of blocks to make), ``remote`` (whether even one
    range goes elsewhere, as to a Dask cluster), ``cpu`` (seconds of CPU spent by the ranges,
    added to here) and ``map(function, tasks) -> results`` in the tasks' order, as
    :class:`thermotheory.workers.Splitter` has (``verify(..., workers=)`` uses one).

    Examples
    --------
    >>> import functools
    >>> from thermotheory import LinearSDE
    >>> from thermotheory.montecarlo.blocks import LagMoments
    >>> class Here:  # a runner that runs the ranges one after the other, here
    ...     parts, remote, cpu = 3, False, 0.0
    ...     def map(self, function, tasks):
    ...         return [function(*task) for task in tasks]
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> factory = {"m": functools.partial(LagMoments, 1, 2)}
    >>> with shared_blocks(Here()):
    ...     split = observe(m, t_end=2.0, dt=0.05, paths=640, seed=3, observers=factory)
    >>> whole = simulate(m, t_end=2.0, dt=0.05, paths=640, seed=3, record=False, observers=factory).observed
    >>> bool(np.array_equal(split["m"], whole["m"]))
    True
    """
    token = _RUNNER.set(runner)
    try:
        yield runner
    finally:
        _RUNNER.reset(token)


def sharing() -> bool:
    """Whether :func:`observe` would hand its blocks to a runner here (within :func:`shared_blocks`).

    Examples
    --------
    >>> sharing()
    False
    """
    return _RUNNER.get() is not None


def block_ranges(n_blocks: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous ranges ``(b0, b1)`` of nearly equal size covering ``n_blocks`` blocks (fewer when short).

    Examples
    --------
    >>> block_ranges(10, 3)
    [(0, 3), (3, 7), (7, 10)]
    >>> block_ranges(2, 4)
    [(0, 1), (1, 2)]
    """
    parts = max(1, min(int(parts), int(n_blocks)))
    edges = [round(i * n_blocks / parts) for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


def _observe_range(model: Any, settings: dict, observers: Mapping, blocks: tuple[int, int]) -> tuple[dict, float]:
    """The observers' results of blocks ``[b0, b1)`` of a run, and the CPU seconds taken (a worker's task)."""
    started = time.process_time()
    tr = simulate(model, **settings, record=False, observers=observers, blocks=blocks)
    return tr.observed, time.process_time() - started


def shared_parts() -> int:
    """How many parts the runner of :func:`shared_blocks` takes a run in (1 outside one).

    Examples
    --------
    >>> shared_parts()
    1
    """
    runner = _RUNNER.get()
    return 1 if runner is None else max(1, int(runner.parts))


def share_out(function: Callable[..., tuple[Any, float]], tasks: Sequence[tuple]) -> list[Any] | None:
    """The results of ``function(*task)`` for the parts of a run, by the runner of :func:`shared_blocks`.

    Each call returns ``(result, CPU seconds)``; the seconds are added to ``runner.cpu``.
    None (nothing was run) outside :func:`shared_blocks`, for a single task that would stay
    on this machine, or for tasks that another process cannot receive (they do not pickle,
    or need ``__main__``): the caller then runs the whole run here, the same numbers.

    Examples
    --------
    >>> share_out(divmod, [(7, 2)]) is None  # no runner here
    True
    """
    runner = _RUNNER.get()
    if runner is None or not tasks or not (len(tasks) > 1 or runner.remote) or not _portable(function, tasks[0]):
        return None
    out = runner.map(function, list(tasks))
    runner.cpu += sum(cpu for _, cpu in out)
    return [result for result, _ in out]


def observe(model: LinearSDE | SDE, t_end: float, dt: float, paths: int, seed: int = 0, method: str = "exact",
            burn_in: float = 0.0, observers: Mapping[str, Callable[[], Any]] | None = None, initial: Any = None,
            chunk_paths: int | None = None) -> dict[str, np.ndarray]:
    """``simulate(..., record=False, observers=observers).observed``, its blocks shared out where a runner is set.

    Within :func:`shared_blocks`, the run's blocks of :data:`BLOCK` paths are split into
    ``runner.parts`` contiguous ranges, each simulated (``simulate(..., blocks=)``) by the
    runner (worker processes, a Dask cluster), and the observers' results concatenated: the
    same arrays, bit for bit, as one run here, since each block has its own generator. The
    observers' factories must then pickle (a ``functools.partial`` of a class, not a lambda) and
    their results depend on their own paths alone; where the model, the factories or the start
    do not pickle, or there is one block, the run stays in this process (the same numbers).

    Examples
    --------
    >>> import functools
    >>> from thermotheory import LinearSDE
    >>> from thermotheory.montecarlo.blocks import LagMoments
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> out = observe(m, t_end=1.0, dt=0.1, paths=128, seed=0, observers={"m": functools.partial(LagMoments, 1)})
    >>> out["m"].shape[0]  # one row per block of 64 paths
    2
    """
    settings = dict(t_end=t_end, dt=dt, paths=paths, seed=seed, method=method, burn_in=burn_in, initial=initial,
                    chunk_paths=chunk_paths)
    if observers and sharing():
        n_blocks = -(-_count("paths", paths) // BLOCK)
        tasks = [(model, settings, dict(observers), rng) for rng in block_ranges(n_blocks, shared_parts())]
        out = share_out(_observe_range, tasks)
        if out is not None:
            return {name: np.concatenate([o[name] for o in out]) for name in observers}
    return simulate(model, **settings, record=False, observers=observers).observed


def _portable(function: Callable[..., Any], task: tuple) -> bool:
    """Whether another process can receive the task (it pickles, and needs nothing of ``__main__``)."""
    try:
        data = pickle.dumps((function, task))
    except Exception:  # a lambda, a local class, a compiled function: the run stays here
        return False
    return b"__main__" not in data


def _check_blocks(blocks: Any, n_blocks: int) -> tuple[int, int]:
    """``(b0, b1)``: the range of blocks to run (all of them for None), or a ModelError that names ``blocks``."""
    if blocks is None:
        return 0, n_blocks
    try:
        b0, b1 = blocks
        ok = all(isinstance(b, numbers.Integral) and not isinstance(b, (bool, np.bool_)) for b in (b0, b1))
    except (TypeError, ValueError):
        ok = False
    if not ok or not 0 <= b0 < b1 <= n_blocks:
        raise ModelError(f"blocks: expected a range (b0, b1) of whole numbers with 0 <= b0 < b1 <= {n_blocks} (the "
                         f"run's blocks of {BLOCK} paths) but found {blocks!r}")
    return int(b0), int(b1)


class _BlockSeeds:
    """The seed sequences of a run's blocks, each made when first asked for.

    Block ``j``'s is ``SeedSequence(seed, spawn_key=(j,))``: the ``j``-th child that
    ``SeedSequence(seed).spawn`` makes (the same numbers), without making all of them up front in
    the calling thread (10^5 paths: 1563 sequences, about 8 ms before the second thread can start).
    """

    def __init__(self, seed: Any) -> None:
        self.seed = seed

    def __getitem__(self, j: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(self.seed, spawn_key=(int(j),))


def generator(seq: np.random.SeedSequence) -> np.random.Generator:
    """The generator of one block of paths: SFC64 (numpy's fastest bit generator for normals) seeded by ``seq``."""
    return np.random.Generator(np.random.SFC64(seq))


def _check_dtype(dtype: Any):
    """``float64`` (default) or ``float32`` as a numpy type, or a ModelError."""
    try:
        real = np.dtype(dtype)
    except TypeError:
        real = None
    if real not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ModelError(f"dtype: expected 'float64' or 'float32' but found {dtype!r}")
    return real.type


def _overflow(t: float) -> ModelError:
    return ModelError(
        f"the paths left the floating-point range by t = {t:g}: the model grows too fast for this duration, "
        "or the step dt is too large for the method"
    )


def _draw_tile(rngs, xi: np.ndarray, n: int, tile: int, dtype) -> None:
    """Draw one time tile of normals, ``xi[j, :n]`` from the generator of block ``j``.

    Each block's tile is one contiguous draw of (n, TILE, BLOCK) normals. A short tile (the
    run's last) leaves out the draws of the last variable past ``tile`` steps: they come last
    in the stream of a generator that is not used again, so every normal used is the same.
    """
    if tile < TILE:
        for j, rng in enumerate(rngs):
            if n > 1:
                rng.standard_normal(out=xi[j, :n - 1], dtype=dtype)
            rng.standard_normal(out=xi[j, n - 1, :tile], dtype=dtype)
    else:
        for j, rng in enumerate(rngs):
            rng.standard_normal(out=xi[j, :n], dtype=dtype)


#: Records of this many bytes and more are kept in pages of the base size (:func:`_record_array`); numpy asks
#: for transparent huge pages from the same size on.
BASE_PAGES_FROM = 4 * 1024**2


def _record_array(shape: tuple, dtype) -> np.ndarray:
    """An array for the records, not filled; a large one (Linux) in pages of the base size, not huge pages.

    numpy asks the kernel for transparent huge pages on arrays of 4 MiB and more. On a virtual machine that
    hands freed memory back to its host (free page reporting, as on Firecracker and most clouds), a huge page
    freed more than a couple of seconds earlier costs about 3 ms to map again: 0.3 s for the 160 MB of records
    of 10^5 paths x 100 steps x 2 variables, more than the whole run, at the first run of a process and at any
    run not right after another (whether a huge page will come fast cannot be told from the first ones: the
    kernel hands out its few kept ones first). Base pages cost about 0.4 ms of CPU per MB whatever came before
    (0.35 ms mapped by ``MADV_POPULATE_WRITE``), and the drawing thread maps them ahead of the stores
    (:func:`_fault_in`). The numbers are the same either
    way; the array owns no memory of its own (its base holds the mapping, freed with it).
    """
    import mmap

    item = np.dtype(dtype).itemsize
    nbytes = math.prod(shape) * item
    flags = getattr(mmap, "MAP_PRIVATE", None), getattr(mmap, "MAP_ANONYMOUS", None)
    if nbytes < BASE_PAGES_FROM or None in flags or not hasattr(mmap, "MADV_NOHUGEPAGE"):
        return np.empty(shape, dtype)
    try:
        buf = mmap.mmap(-1, nbytes, flags=flags[0] | flags[1])
        buf.madvise(mmap.MADV_NOHUGEPAGE)
    except (OSError, ValueError):
        return np.empty(shape, dtype)
    return np.frombuffer(buf, dtype).reshape(shape)


def _fault_in_chunk(records: np.ndarray, base: int, paths: int, blocks: range) -> None:
    """:func:`_fault_in` of the records of a chunk of blocks (``base``: the first path of the records)."""
    lo = blocks[0] * BLOCK - base
    _fault_in(records, lo, min(paths - base, lo + len(blocks) * BLOCK))


#: ``madvise`` advice that maps a range's pages writable without touching them (Linux 5.14 on).
MADV_POPULATE_WRITE = 23


@functools.lru_cache(maxsize=1)
def _libc_madvise() -> Callable[..., int] | None:
    """libc's ``madvise`` through ctypes (which lets go of the GIL during the call, as ``mmap.madvise`` does not),
    or None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        call = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    call.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    call.restype = ctypes.c_int
    return call


#: Whether ``MADV_POPULATE_WRITE`` may be tried (False once the kernel refused it).
_POPULATE = [True]


def _fault_in(records: np.ndarray, lo: int, hi: int) -> None:
    """Map the pages of ``records[:, lo:hi]`` (not written yet): the kernel's work of mapping fresh memory is then
    done in the drawing thread, not in the thread that stores the states.

    Records in :func:`_record_array`'s own mapping are mapped by ``madvise(MADV_POPULATE_WRITE)``, one call per
    record row, without the GIL (less CPU than a fault per page, and nothing is written); elsewhere, or on a
    kernel without it, by writing a zero on each page of the stripe.
    """
    part = records[:, lo:hi]
    if not part.size:
        return
    import mmap

    madvise = _libc_madvise() if _POPULATE[0] and _in_own_mapping(records) else None
    if madvise is not None:
        page = mmap.PAGESIZE
        first, step, length = part.ctypes.data, records.strides[0], (hi - lo) * records.strides[1]
        for row in range(records.shape[0]):
            start = first + row * step
            aligned = start - start % page
            if madvise(aligned, start + length - aligned, MADV_POPULATE_WRITE) != 0:
                _POPULATE[0] = False  # an older kernel: touch the pages instead
                break
        else:
            return
    flat = part.reshape(records.shape[0], -1)
    flat[:, ::max(1, mmap.PAGESIZE // flat.itemsize)] = 0
    flat[:, -1] = 0


def _in_own_mapping(records: np.ndarray) -> bool:
    """Whether ``records`` is a C-ordered array over a whole mapping made by :func:`_record_array`."""
    import mmap

    root = records
    while isinstance(root.base, np.ndarray):
        root = root.base
    buf = getattr(root.base, "obj", None)
    return (isinstance(buf, mmap.mmap) and root.flags.c_contiguous and records.flags.c_contiguous
            and root.nbytes == len(buf) and root.ctypes.data <= records.ctypes.data
            and records.ctypes.data + records.nbytes <= root.ctypes.data + root.nbytes)


class _Stopped(Exception):
    """The consumer of a :class:`_NoiseFeed` stopped early (an error): the drawing thread ends."""


class _NoiseFeed:
    """The normals of a linear run, chunk by chunk: each chunk's start states, then its tiles.

    Every block's generator is used in the same order as in a plain loop (its initial draw,
    then its tiles), so the numbers do not depend on whether the drawing runs in the calling
    thread or, with ``threaded``, in a second thread ahead of the integration (numpy draws
    without the GIL). Tiles come in buffers of (blocks, rows, TILE, BLOCK) that the consumer
    gives back with :meth:`release` once integrated. ``prepare(blocks)``, where given, is called by
    the producer before each chunk (:func:`_fault_in` of its records, in the drawing thread), but for
    the first chunk of a threaded feed, which the calling thread prepares while the other starts.

    With ``threaded``, the work is shared: the second thread draws the first ``share`` blocks of
    each tile of a chunk and the calling thread the others, just before integrating the tile
    (each block's generator stays with one thread for the whole chunk, so each still draws in
    the plain order). ``share`` is set anew at each chunk from how long the calling thread waited
    for normals in the previous one: fewer blocks for the second thread when it falls behind,
    more when it is ahead. While it steps a tile, the calling thread takes the next one as soon
    as it is ready and draws its own blocks of it between steps (:meth:`pause`), so that the
    second thread, which needs the GIL between its draws, is not held up by the steps.
    """

    def __init__(self, chunks, seqs, initial, model, A, b, engine: "_LinearEngine", total: int,
                 threaded: bool, prepare: Callable[[range], None] | None = None) -> None:
        self.chunks, self.seqs, self.initial, self.model, self.A, self.b = chunks, seqs, initial, model, A, b
        self.prepare = prepare
        self.n, self.dtype, self.total = engine.n, engine.dtype, total
        self.nb = nb = max(len(c) for c in chunks)
        count = 3 if threaded else 1
        self.buffers = [engine.noise_buffer(nb) for _ in range(count)]
        self.threaded = threaded
        self.pending: tuple | None = None  # the next item, taken ahead by :meth:`pause`
        self.share = nb  # blocks of each tile drawn by the producer (all of them without a second thread)
        if threaded:
            import queue
            import threading

            self.share = (nb + 1) // 2  # near the balance on 2 CPUs from the first chunk on (set anew at each chunk)
            self.waited, self.since = 0.0, None
            self.free: Any = queue.Queue()
            for buf in self.buffers:
                self.free.put(buf)
            self.filled: Any = queue.Queue()
            self.stop = threading.Event()
            self.thread = threading.Thread(target=self._work, name="thermotheory-normals", daemon=True)
            self.thread.start()
            if prepare is not None:  # the first chunk's pages here, while the other thread seeds and draws
                try:
                    prepare(chunks[0])
                except BaseException:
                    self.close()
                    raise
        else:
            self.items = self._produce(lambda: self.buffers[0])

    def _produce(self, take):
        n = self.n
        fixed = None
        if not isinstance(self.initial, Gaussian):  # one start for every path: no draws, no copy per block
            fixed = _initial_states(self.initial, self.model, self.A, self.b, [None], [1])[0][0]
        for c, blocks in enumerate(self.chunks):
            if self.prepare is not None and not (c == 0 and self.threaded):
                self.prepare(blocks)
            rngs = [generator(self.seqs[j]) for j in blocks]
            if fixed is not None:
                yield np.broadcast_to(fixed.reshape(1, n, 1), (len(blocks), n, BLOCK)), None
            else:
                start = _initial_states(self.initial, self.model, self.A, self.b, rngs, [BLOCK] * len(blocks))
                yield np.ascontiguousarray(np.stack(start).transpose(0, 2, 1)), None
            h = min(self.share, len(blocks))  # this chunk's blocks < h are drawn here, the others by the consumer
            k = 0
            while k < self.total:
                tile = min(TILE, self.total - k)
                xi = take()[:len(blocks)]
                _draw_tile(rngs[:h], xi[:h], n, tile, self.dtype)
                yield xi, (rngs[h:], h, tile)
                k += tile

    def _take(self):
        import queue

        while True:
            if self.stop.is_set():
                raise _Stopped
            try:
                return self.free.get(timeout=0.05)
            except queue.Empty:
                continue

    def _work(self) -> None:
        try:
            for item in self._produce(self._take):
                self.filled.put((True, item))
        except _Stopped:
            return
        except BaseException as err:  # handed to the calling thread, which raises it
            self.filled.put((False, err))

    def next(self) -> np.ndarray:
        """The next item: a chunk's start states (blocks, n, BLOCK), or a tile of normals."""
        if not self.threaded:
            item, rest = next(self.items)
        elif self.pending is not None:  # taken ahead by :meth:`pause`, its blocks partly drawn
            (item, rest), self.pending = self.pending, None
        else:
            from time import perf_counter  # the clock itself, whatever this module's ``time`` is

            t0 = perf_counter()
            got = self.filled.get()
            self.waited += perf_counter() - t0
            item, rest = self._taken(got)
        if rest is not None and rest[0]:
            rngs, h, tile = rest
            _draw_tile(rngs, item[h:], self.n, tile, self.dtype)
        return item

    def _taken(self, got: tuple) -> tuple:
        """An item as the producer put it: raise its error, or balance the drawing at a new chunk."""
        ok, got = got
        if not ok:
            raise got
        item, rest = got
        if rest is None:  # a new chunk: balance the drawing by the waits of the last one
            from time import perf_counter

            now = perf_counter()
            if self.since is not None:
                waited = self.waited / max(now - self.since, 1e-9)
                if waited > 0.02:
                    self.share = max(0, self.share - max(1, round(self.nb * waited / 2)))
                else:
                    self.share = min(self.nb, self.share + 1)
            self.waited, self.since = 0.0, now
        return item, rest

    def pause(self) -> None:
        """Between steps of a tile (threaded): take the next item if it is ready and draw one of the calling
        thread's blocks of it.

        The calling thread's steps hold the GIL most of the time, and the drawing thread, back from a draw,
        waits for it: drawing its own blocks of the next tile between steps (each draw lets go of the GIL
        for a while) lets the other thread go on drawing during the steps. Each block's generator still
        draws its tiles in order: the calling thread drew its blocks of this tile before stepping it.
        """
        if self.pending is None:
            import queue

            try:
                got = self.filled.get_nowait()
            except queue.Empty:
                return
            item, rest = self._taken(got)
            if rest is not None and rest[0]:
                rest = list(rest)
            self.pending = (item, rest)
            return
        item, rest = self.pending
        if rest is not None and rest[0]:
            rngs, h, tile = rest
            _draw_tile(rngs[:1], item[h:h + 1], self.n, tile, self.dtype)
            rest[0], rest[1] = rngs[1:], h + 1

    def release(self, xi: np.ndarray) -> None:
        """Give back a tile's buffer once integrated."""
        if self.threaded:
            self.free.put(xi.base if xi.base is not None else xi)

    def close(self) -> None:
        if self.threaded:
            self.stop.set()
            self.thread.join()


def _store_tile(engine: "_LinearEngine", w: np.ndarray, states: np.ndarray, k: int, tile: int, s0: int,
                burn_steps: int, every: int, skip: int, lo: int, hi: int, scratch: np.ndarray) -> None:
    """Write the recorded states of one tile (slots ``s0 .. tile`` of ``w``, step ``k`` at slot 0).

    ``scratch``: a flat buffer of at least ``w.size`` numbers for the mapped states (no allocation per tile).

    The states ``rel = k + slot - burn_steps`` steps after the burn-in with ``rel % every == 0``
    go to record ``rel // every - skip``; slot 0 (recorded with the previous tile) is left out,
    except at the end of a burn-in that ends on a tile boundary.
    """
    kept = _kept_slots(k, tile, s0, burn_steps, every, skip)
    if kept is None:
        return
    first, m, r0 = kept
    sel = w[:, :, first:first + (m - 1) * every + 1:every, :]
    nb, n, _, B = sel.shape
    valid = hi - lo
    full = min(nb, valid // B)
    rem = valid - full * B
    if engine.identity:
        # (blocks, n, m, BLOCK) as they are: one strided copy per variable
        if full:
            dest = _record_view(states, r0, m, lo, full, B)
            for i in range(n):
                dest[..., i] = sel[:full, i].transpose(1, 0, 2)
        if rem:
            states[r0:r0 + m, lo + full * B:hi] = sel[full, :, :, :rem].transpose(1, 2, 0)
        return
    # z^T = w^T V^T, bit for bit the V w of to_states, laid out (blocks, m, BLOCK, n) like the records
    rows = _slot_rows(sel) if every == 1 else np.ascontiguousarray(sel).reshape(nb, n, m * B)
    zt = scratch[:nb * m * B * n].reshape(nb, m * B, n)
    np.matmul(rows.transpose(0, 2, 1), engine.VT, out=zt)
    zt = zt.reshape(nb, m, B, n)
    if full:
        _record_view(states, r0, m, lo, full, B)[...] = zt[:full].transpose(1, 0, 2, 3)
    if rem:
        states[r0:r0 + m, lo + full * B:hi] = zt[full, :, :rem]


def _kept_slots(k: int, tile: int, s0: int, burn_steps: int, every: int, skip: int) -> tuple[int, int, int] | None:
    """``(first, m, r0)``: the tile's slots ``first, first + every, ...`` (``m`` of them) are records ``r0 ...``.

    The states ``rel = k + slot - burn_steps`` steps after the burn-in with ``rel % every == 0``
    go to record ``rel // every - skip``; slot 0 (recorded with the previous tile) is left out,
    except at the end of a burn-in that ends on a tile boundary. None when the tile keeps none.
    """
    start = s0 if 0 < burn_steps and k <= burn_steps else max(s0, 1)
    first = start + (-(k + start - burn_steps)) % every
    if skip and k + first - burn_steps == 0:
        first += every
    if first > tile:
        return None
    return first, (tile - first) // every + 1, (k + first - burn_steps) // every - skip


def _store_slots(engine: "_LinearEngine", out: np.ndarray, states: np.ndarray, k: int, tile: int, s0: int,
                 burn_steps: int, every: int, skip: int, lo: int, hi: int) -> None:
    """Write the recorded states of one tile from slot-major modal states ``out`` (``TILE + 1, n, blocks, BLOCK``).

    Each kept slot's paths lie in a row, so one product ``w^T V^T`` per slot (one call for all of them)
    writes them straight into the records, in their final layout: no copy of the tile between. The
    numbers are those of :func:`_store_tile` (each record is the same product of the same numbers).
    """
    kept = _kept_slots(k, tile, s0, burn_steps, every, skip)
    if kept is None:
        return
    first, m, r0 = kept
    slots, n, nb, B = out.shape
    valid = hi - lo
    sel = out[first:first + (m - 1) * every + 1:every]
    strided = np.lib.stride_tricks.as_strided
    s_slot, s_var, s_block, s_path = sel.strides
    if engine.identity:
        # (m, valid, n): slot-major paths as rows, variables as columns (a view, paths contiguous)
        states[r0:r0 + m, lo:hi] = strided(sel, shape=(m, valid, n), strides=(s_slot, s_path, s_var))
        return
    # one product per block of BLOCK paths, whatever the chunk's size: a BLAS kernel may round a product of
    # another number of rows differently (OpenBLAS's Zen kernel does), and the records must not depend on
    # chunk_paths or on the layout the stepping used
    full = min(nb, valid // B)
    rem = valid - full * B
    if full:
        rows = strided(sel, shape=(m, full, B, n), strides=(s_slot, s_block, s_path, s_var))
        np.matmul(rows, engine.VT, out=_record_view(states, r0, m, lo, full, B))
    if rem:
        last = strided(sel[:, :, full], shape=(m, B, n), strides=(s_slot, s_path, s_var))
        states[r0:r0 + m, lo + full * B:hi] = np.matmul(last, engine.VT)[:, :rem]


def _record_view(states: np.ndarray, r0: int, m: int, lo: int, blocks: int, B: int) -> np.ndarray:
    """The records ``states[r0:r0 + m, lo:lo + blocks * B]`` as a (m, blocks, B, n) view."""
    part = states[r0:r0 + m, lo:lo + blocks * B]
    s0, s1, s2 = part.strides
    return np.lib.stride_tricks.as_strided(part, shape=(m, blocks, B, part.shape[2]), strides=(s0, B * s1, s1, s2))


def _run_linear_chunk(engine: _LinearEngine, feed: _NoiseFeed, z0, work, obs, states, lo, hi, burn_steps, total,
                      every, skip, dt, bar) -> None:
    """Integrate one chunk of blocks with the linear engine, feeding observers and records tile by tile.

    ``every`` and ``skip``: the states ``rel`` steps after the burn-in with ``rel % every == 0`` are
    record ``rel // every - skip`` (``skip = 1`` leaves out the start).
    """
    nb, n = z0.shape[0], engine.n
    w, tmp, scratch = work[0][:nb], work[1][:nb], work[2]
    blockwise = {name: o for name, o in obs.items() if hasattr(o, "block")}
    stepwise = {name: o for name, o in obs.items() if name not in blockwise}
    valid = hi - lo
    # without block observers (which read the block-major w), the states are stepped slot-major in the scratch
    # buffer, and each record is written once, in its final layout, from there (see :func:`_store_slots`)
    slots = None if blockwise else scratch[:(TILE + 1) * n * nb * BLOCK].reshape(TILE + 1, n, nb, BLOCK)
    if slots is None:
        w[:, :, 0, :] = engine.to_modal(z0.astype(engine.dtype))
    else:
        slots[0] = engine.to_modal(z0.astype(engine.dtype)).transpose(1, 0, 2)

    def flat(zs: np.ndarray) -> np.ndarray:
        """(blocks, n, BLOCK) -> (paths, n), padding dropped."""
        return zs.transpose(0, 2, 1).reshape(-1, n)[:valid]

    if states is not None and burn_steps == 0 and not skip:
        states[0, lo:hi] = flat(z0)
    k = 0
    while k < total:
        tile = min(TILE, total - k)
        xi = feed.next()
        engine.advance(xi, w, tmp, k, tile, slots, feed.pause if feed.threaded else None)
        feed.release(xi)
        modal = w if slots is None else slots.transpose(2, 1, 0, 3)  # block-major (blocks, n, TILE + 1, BLOCK)
        if k + tile > burn_steps:
            s0 = max(0, burn_steps - k)  # slot of the state at the end of the burn-in
            view = modal[:, :, s0:tile + 1, :]
            for o in blockwise.values():
                o.block(view, engine.V)
            if stepwise:
                z = engine.to_states(view)
                for s in range(tile - s0):
                    old, new = flat(z[:, :, s, :]), flat(z[:, :, s + 1, :])
                    for o in stepwise.values():
                        o.step(old, new)
            if states is not None and slots is not None:
                _store_slots(engine, slots, states, k, tile, s0, burn_steps, every, skip, lo, hi)
            elif states is not None:
                _store_tile(engine, w, states, k, tile, s0, burn_steps, every, skip, lo, hi, scratch)
        if not np.all(np.isfinite(modal[:, :, tile, :])):
            raise _overflow((k + tile - burn_steps) * dt)
        modal[:, :, 0, :] = modal[:, :, tile, :]
        k += tile
        bar.update(tile * nb)


def _run_nonlinear_chunk(kernel: _NonlinearKernel, rngs, z0, obs, states, lo, hi, burn_steps, total, every, skip,
                         dt, bar) -> None:
    """Integrate one chunk of blocks of a nonlinear SDE step by step (block-major states (blocks, n, BLOCK))."""
    nb, n = z0.shape[0], z0.shape[1]
    valid = hi - lo

    def flat(state: np.ndarray) -> np.ndarray:
        return state.transpose(0, 2, 1).reshape(-1, n)[:valid]

    z = z0
    if states is not None and not skip:
        states[0, lo:hi] = flat(z) if burn_steps == 0 else np.nan
    xi = np.empty((nb, n, TILE, BLOCK))  # the linear engine's layout: the same normals drive the same paths
    k = 0
    while k < total:
        tile = min(TILE, total - k)
        _draw_tile(rngs, xi, n, tile, xi.dtype)  # a short tile: not the last variable's numbers past it
        noise = kernel.prepare(xi[:, :, :tile], k)
        for i in range(tile):
            z_new = kernel.step(z, noise[:, :, i])
            step = k + i + 1
            if step > burn_steps:
                if obs:
                    old, new = flat(z), flat(z_new)
                    for o in obs.values():
                        o.step(old, new)
                rel = step - burn_steps
                if states is not None and rel % every == 0:
                    states[rel // every - skip, lo:hi] = flat(z_new)
            elif states is not None and step == burn_steps and not skip:
                states[0, lo:hi] = flat(z_new)
            z = z_new
        if not np.all(np.isfinite(z)):
            raise _overflow((k + tile - burn_steps) * dt)
        k += tile
        bar.update(tile * nb)
