"""Block estimators: sufficient statistics accumulated per block of paths, errors by the jackknife.

The observers here implement ``block(w, V)`` (see :func:`~thermotheory.montecarlo.simulate.simulate`):
they receive a whole time tile of a chunk of blocks at once, in the simulation's modal
coordinates ``z = V w``, and accumulate per block (:data:`~thermotheory.montecarlo.simulate.BLOCK`
paths) the sums that the estimators need, as matrix products over the tile:

- :class:`LagMoments`: for steps ``h = dt, 2 dt, 4 dt, ...`` the sums of ``x x^T`` with
  ``x = [z_k; z_{k+1}; 1]`` over consecutive states ``h`` apart, and the first and last
  states. Every path-integral estimator of a linear model (Stratonovich heat, information
  flow with any Gaussian density, the system entropy change) is a quadratic form in
  ``(z_k, z_{k+1})``, hence a linear function of these sums: one pass over the paths
  serves every subsystem, every density and every Richardson level.
- :class:`RegressionMoments`: Gram matrices of the transfer-entropy regression features
  (exponential filters of the target's past) at steps ``dt`` and ``2 dt``.

Estimates are functions of the sums over all blocks; the standard error is the jackknife
over groups of blocks (independent paths), with ``groups - 1`` degrees of freedom, so the
error of a density fitted to the same samples, of a ratio, or of a plug-in log-determinant
is included. Nothing here calls a closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import ModelError
from .uncertainty import Estimate, _satterthwaite
from .regression import filter_error_from_moments, transfer_entropy_from_moments

__all__ = ["LagMoments", "Moments", "RegressionMoments", "jackknife", "heat_sum", "flow_sum", "MAX_GROUPS"]

#: Largest number of jackknife groups (blocks are merged into at most this many groups).
MAX_GROUPS = 128


def _rows(w: np.ndarray, start: int, stop: int) -> np.ndarray:
    """View ``w[:, :, start:stop, :]`` (blocks, n, m, B) as (blocks, n, m * B) without copying."""
    nb, n, _, B = w.shape
    part = w[:, :, start:stop, :]
    if part.flags.c_contiguous:
        return part.reshape(nb, n, -1)
    return np.lib.stride_tricks.as_strided(part, shape=(nb, n, (stop - start) * B),
                                           strides=(w.strides[0], w.strides[1], w.itemsize))


def _gram(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per block ``a @ b^T`` in float64, for (blocks, p, M) and (blocks, q, M)."""
    return np.matmul(a, b.transpose(0, 2, 1)).astype(float, copy=False)


class LagMoments:
    """Per-block sums of ``[z_k; z_{k+1}; 1][z_k; z_{k+1}; 1]^T`` at steps ``2^l dt``, and the endpoints.

    ``levels`` steps ``dt, 2 dt, ..., 2^(levels-1) dt`` (level ``l`` pairs every ``2^l``-th
    state from the first observed one). The result has one row per block; :class:`Moments`
    reads it.

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory import LinearSDE, simulate
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> tr = simulate(m, t_end=20.0, dt=0.05, paths=640, seed=0, burn_in=5.0, record=False,
    ...               observers={"m": lambda: LagMoments(1, levels=2)})
    >>> mom = Moments.from_blocks(tr.observed["m"], 1, 2)
    >>> mean, cov = mom.density()
    >>> bool(abs(cov[0, 0] - 1) < 0.05)  # the stationary variance D tau = 1
    True
    """

    per_block = True

    def __init__(self, n: int, levels: int = 1) -> None:
        self.n, self.levels = int(n), int(levels)
        self.count = 0
        self.V: np.ndarray | None = None
        self.sums: list[np.ndarray] | None = None
        self.carry: list[np.ndarray | None] = [None] * self.levels
        self.first: np.ndarray | None = None
        self.last: np.ndarray | None = None

    def block(self, w: np.ndarray, V: np.ndarray) -> None:
        nb, n, m1, B = w.shape
        m = m1 - 1
        if self.sums is None:
            self.V = V
            size = 2 * n + 1
            self.sums = [np.zeros((nb, size, size)) for _ in range(self.levels)]
            self.first = w[:, :, 0, :].astype(float)
        for lev in range(self.levels):
            step = 1 << lev
            if lev == 0:
                x0, x1 = _rows(w, 0, m), _rows(w, 1, m + 1)
            else:
                start = (-self.count) % step
                sel = w[:, :, start::step, :]
                if start > 0 and self.carry[lev] is not None:
                    sel = np.concatenate([self.carry[lev][:, :, None, :], sel], axis=2)
                if sel.shape[2] < 2:
                    if sel.shape[2] == 1:
                        self.carry[lev] = sel[:, :, -1, :].copy()
                    continue
                sel = np.ascontiguousarray(sel)
                self.carry[lev] = sel[:, :, -1, :].copy()
                q = sel.shape[2] - 1
                x0, x1 = _rows(sel, 0, q), _rows(sel, 1, q + 1)
            S = self.sums[lev]
            S[:, :n, :n] += _gram(x0, x0)
            S[:, :n, n:2 * n] += _gram(x0, x1)
            S[:, n:2 * n, n:2 * n] += _gram(x1, x1)
            S[:, :n, 2 * n] += x0.sum(axis=2, dtype=float)
            S[:, n:2 * n, 2 * n] += x1.sum(axis=2, dtype=float)
            S[:, 2 * n, 2 * n] += x0.shape[2]
        self.last = w[:, :, m, :].astype(float)
        self.count += m

    def result(self) -> np.ndarray:
        if self.sums is None or self.count < 1:
            raise ModelError("no steps were observed: simulate for longer")
        n = self.n
        T = np.zeros((2 * n + 1, 2 * n + 1))
        T[:n, :n] = T[n:2 * n, n:2 * n] = self.V
        T[2 * n, 2 * n] = 1.0
        out = []
        for S in self.sums:
            full = S.copy()  # only the upper blocks were summed
            full[:, n:2 * n, :n] = S[:, :n, n:2 * n].transpose(0, 2, 1)
            full[:, 2 * n, :2 * n] = S[:, :2 * n, 2 * n]
            out.append((T @ full @ T.T).reshape(S.shape[0], -1))
        for ends in (self.first, self.last):
            z = np.einsum("ij,xjb->xib", self.V, ends)
            aug = np.concatenate([z, np.ones_like(z[:, :1])], axis=1)
            out.append(np.matmul(aug, aug.transpose(0, 2, 1)).reshape(z.shape[0], -1))
        return np.concatenate(out, axis=1)


class Moments:
    """Summed :class:`LagMoments` of a set of blocks: the sufficient statistics of the estimators."""

    def __init__(self, flat: np.ndarray, n: int, levels: int) -> None:
        size = (2 * n + 1) ** 2
        self.n, self.levels = n, levels
        self.lag = [flat[l * size:(l + 1) * size].reshape(2 * n + 1, 2 * n + 1) for l in range(levels)]
        ends = (n + 1) ** 2
        base = levels * size
        self.first = flat[base:base + ends].reshape(n + 1, n + 1)
        self.last = flat[base + ends:base + 2 * ends].reshape(n + 1, n + 1)

    @classmethod
    def from_blocks(cls, rows: np.ndarray, n: int, levels: int) -> "Moments":
        return cls(np.asarray(rows).sum(axis=0), n, levels)

    @property
    def paths(self) -> float:
        return float(self.first[-1, -1])

    def pairs(self, level: int = 0) -> float:
        return float(self.lag[level][-1, -1])

    def density(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of the states (each state before a step of level 0)."""
        n, S = self.n, self.lag[0]
        N = S[2 * n, 2 * n]
        mean = S[:n, 2 * n] / N
        cov = (S[:n, :n] - N * np.outer(mean, mean)) / (N - 1)
        return mean, cov


def _augment(n: int, rows: Sequence[np.ndarray]) -> np.ndarray:
    """Stack linear maps of ``x = [z0; z1; 1]``."""
    return np.vstack([np.atleast_2d(r).reshape(-1, 2 * n + 1) for r in rows])


def heat_sum(mom: Moments, level: int, A, b, D, parity, idx: Sequence[int], h: float, feedback=None) -> float:
    """Sum over all pairs of level ``level`` of the Stratonovich medium entropy flow of ``idx``.

    The increment of :class:`~thermotheory.montecarlo.estimators.MediumEntropyFlow`,
    ``f_irr,Y(mid)^T D_YY^+ (dz_Y - f_rev,Y(mid) h)``, written as ``x^T M x``. With a
    ``feedback`` matrix ``A_fb`` (a declared feedback force), ``f_irr`` is the bath's part,
    the parity split of ``A - A_fb``, and the feedback joins ``f_rev``.
    """
    n = mom.n
    E = np.diag(np.asarray(parity, float))
    A, b = np.asarray(A, float), np.asarray(b, float)
    A_bath = A if feedback is None else A - np.asarray(feedback, float)
    A_irr, b_irr = (A_bath + E @ A_bath @ E) / 2, (b + E @ b) / 2
    A_rev, b_rev = A - A_irr, b - b_irr
    idx = list(idx)
    sel = np.eye(n)[idx]
    Dp = np.linalg.pinv(np.asarray(D, float)[np.ix_(idx, idx)], hermitian=True)
    f = np.hstack([A_irr[idx] / 2, A_irr[idx] / 2, b_irr[idx][:, None]])
    g = np.hstack([-sel - A_rev[idx] * h / 2, sel - A_rev[idx] * h / 2, -b_rev[idx][:, None] * h])
    return float(np.sum((f.T @ Dp @ g) * mom.lag[level]))


def flow_sum(mom: Moments, level: int, mean: np.ndarray, cov: np.ndarray, idx: Sequence[int]) -> float:
    """Sum over all pairs of level ``level`` of ``ln p(x_k | y_{k+1}) - ln p(x_k | y_k)`` (``y`` the ``idx``).

    The increment of :class:`~thermotheory.montecarlo.estimators.InformationFlow` for the
    Gaussian density ``(mean, cov)``, written as ``x^T M x``.
    """
    n = mom.n
    idx = list(idx)
    P = np.linalg.inv(cov)
    PY = np.linalg.inv(cov[np.ix_(idx, idx)])
    sel = np.eye(n)[idx]
    d = np.hstack([np.eye(n), np.zeros((n, n)), -mean[:, None]])
    e = np.hstack([-sel, sel, np.zeros((len(idx), 1))])
    dy = sel @ d
    M = -d.T @ P[:, idx] @ e - 0.5 * e.T @ P[np.ix_(idx, idx)] @ e + dy.T @ PY @ e + 0.5 * e.T @ PY @ e
    return float(np.sum(M * mom.lag[level]))


def system_entropy_sum(mom: Moments, mean: np.ndarray, cov: np.ndarray) -> float:
    """Sum over paths of ``ln p(z_first) - ln p(z_last)`` for the Gaussian ``(mean, cov)``."""
    n = mom.n
    P = np.linalg.inv(cov)
    shift = np.vstack([np.hstack([np.eye(n), -mean[:, None]])])

    def quad(S):
        return float(np.sum((shift.T @ P @ shift) * S))

    return 0.5 * (quad(mom.last) - quad(mom.first))


def richardson(values: Sequence[float], order: int) -> tuple[float, float]:
    """Extrapolate values at steps ``h, 2h, 4h, ...`` (Neville), with the estimated bias left.

    ``values`` holds ``order + 2`` levels; returns the extrapolation from the finest
    ``order + 1`` and ``(E(h) - E(2h)) / (1 - 2^(order+1))`` (as in
    :class:`~thermotheory.montecarlo.estimators.Extrapolated` with ``residual=True``).

    Examples
    --------
    >>> [round(x, 12) for x in richardson([1 + 0.1 + 0.001, 1 + 0.2 + 0.008, 1 + 0.4 + 0.064], 1)]
    [0.994, -0.014]
    """
    table = list(values)
    for m in range(1, order + 1):
        table = [(2**m * table[k] - table[k + 1]) / (2**m - 1) for k in range(len(table) - 1)]
    return table[0], (table[0] - table[1]) / (1 - 2 ** (order + 1))


def _groups(rows: np.ndarray, max_groups: int = MAX_GROUPS) -> np.ndarray:
    """Per-block rows summed into at most ``max_groups`` contiguous groups of blocks."""
    rows = np.asarray(rows, float)
    if rows.shape[0] <= max_groups:
        return rows
    return np.stack([part.sum(axis=0) for part in np.array_split(rows, max_groups)])


def jackknife(rows: np.ndarray, stat: Callable[[np.ndarray], float | tuple[float, float]], paths: int,
              max_groups: int = MAX_GROUPS) -> Estimate:
    """A statistic of summed per-block rows, with its delete-one-group jackknife standard error.

    ``stat(total)`` returns a value, or ``(value, bias)`` where ``bias`` estimates the bias
    left (added in quadrature to the error, as in
    :func:`~thermotheory.montecarlo.estimators.per_path`). The degrees of freedom are
    ``groups - 1`` (fewer when the bias dominates the error).

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.column_stack([np.arange(1.0, 41.0), np.ones(40)])  # sum of values, count
    >>> e = jackknife(rows, lambda t: t[0] / t[1], paths=40)
    >>> round(e.value, 6), round(e.stderr, 6), e.dof  # the mean of 1..40 and its standard error
    (20.5, 1.848423, 39.0)
    """
    groups = _groups(rows, max_groups)
    G = groups.shape[0]
    if G < 2:
        raise ModelError("a jackknife error needs at least two blocks of paths: simulate more paths")
    total = groups.sum(axis=0)

    def call(t):
        out = stat(t)
        return (float(out[0]), float(out[1])) if isinstance(out, tuple) else (float(out), 0.0)

    value, bias = call(total)
    reps = np.array([call(total - g)[0] for g in groups])
    se = float(np.sqrt((G - 1) / G * np.sum((reps - reps.mean()) ** 2)))
    if not math.isfinite(se):
        raise ModelError("the jackknife error is not finite: the groups of paths are too short")
    se_total = float(np.hypot(se, bias))
    # the bias is estimated from the same groups, so it does not add degrees of freedom
    dof = float(min(G - 1, _satterthwaite([(se**2, G - 1), (bias**2, math.inf)])))
    return Estimate(value, se_total, int(paths), dof)


class RegressionMoments:
    """Per-block Gram matrices of the transfer-entropy regression at steps ``dt`` and ``2 dt``.

    The features of :class:`~thermotheory.montecarlo.estimators.TransferEntropyMoments`
    (a constant, the target ``y_t``, exponential filters of its past, the source ``x_t``)
    and the increment ``y_{t+1} - y_t``, accumulated per block after ``warmup`` steps
    (``warmup // 2`` at ``2 dt``). The result has one row per block: the two Gram matrices.
    """

    per_block = True

    def __init__(self, source: Sequence[int], target: Sequence[int], kappas, dt: float, warmup: int) -> None:
        self.x, self.y = list(source), list(target)
        kappas = np.asarray(kappas, complex)
        self.is_complex = bool(np.any(np.abs(kappas.imag) > 0))
        self.kappas = kappas if self.is_complex else kappas.real
        self.dt, self.warmup = dt, int(warmup)
        self.levels = [self._Level(self, 1), self._Level(self, 2)]
        self.count = 0

    class _Level:
        def __init__(self, outer: "RegressionMoments", step: int) -> None:
            self.outer, self.step = outer, step
            self.decay = np.exp(-outer.kappas * outer.dt * step)
            self.warmup = outer.warmup if step == 1 else outer.warmup // 2
            self.filters: np.ndarray | None = None
            self.seen = 0
            self.gram: np.ndarray | None = None
            self.carry: np.ndarray | None = None
            self.scratch: dict[str, np.ndarray] = {}

        def feed(self, seq: np.ndarray) -> None:
            """``seq``: (blocks, nx + ny, q + 1, B) consecutive states [x; y] of this level."""
            outer = self.outer
            nx, ny = len(outer.x), len(outer.y)
            nb, _, q1, B = seq.shape
            q = q1 - 1
            if q < 1:
                return
            y = seq[:, nx:, :, :]
            nf = self.decay.size
            cplx = np.abs(np.imag(self.decay)) > 0
            nc = int(cplx.sum())
            k = 1 + ny + nf * ny + nc * ny + nx + ny
            if self.filters is None:
                self.filters = np.repeat(y[:, None, :, 0, :], nf, axis=1).astype(self.decay.dtype)
            # the recursion runs time-major, (q, blocks, nf, ny, B), so that each step is one contiguous slab
            y_tm = y[:, :, :q, :].transpose(2, 0, 1, 3)[:, :, None]  # (q, nb, 1, ny, B)
            dtype = self.decay.dtype
            # buffers kept from tile to tile (fresh memory costs page faults each time)
            filt = self._buffer("filt", (q, nb, nf, ny, B), dtype)
            np.multiply((1 - self.decay)[None, None, :, None, None], y_tm, out=filt)  # the drive
            a = self.decay[None, :, None, None]
            f, tmp = self.filters, self._buffer("tmp", filt.shape[1:], dtype)
            for s in range(q):
                cur = filt[s]
                np.multiply(f, a, out=tmp)
                np.add(cur, tmp, out=cur)
                f = cur
            self.filters = f.copy()
            skip = max(0, min(q, self.warmup - self.seen))
            self.seen += q
            if skip >= q:
                return  # still warming up: the filters only
            # features laid out (blocks, k, q, B)
            X = self._buffer("X", (nb, k, q, B), float)
            X[:, 0] = 1.0
            X[:, 1:1 + ny] = y[:, :, :q, :]
            lo = 1 + ny
            X[:, lo:lo + nf * ny] = filt.real.transpose(1, 2, 3, 0, 4).reshape(nb, nf * ny, q, B)
            if nc:
                X[:, lo + nf * ny:lo + (nf + nc) * ny] = filt[:, :, cplx].imag.transpose(1, 2, 3, 0, 4).reshape(
                    nb, nc * ny, q, B)
            hi = lo + (nf + nc) * ny
            X[:, hi:hi + nx] = seq[:, :nx, :q, :]
            np.subtract(y[:, :, 1:q + 1, :], y[:, :, :q, :], out=X[:, hi + nx:])
            M = np.ascontiguousarray(X[:, :, skip:, :]).reshape(nb, k, -1) if skip else X.reshape(nb, k, -1)
            g = np.matmul(M, M.transpose(0, 2, 1))
            self.gram = g if self.gram is None else self.gram + g

        def _buffer(self, name: str, shape: tuple, dtype) -> np.ndarray:
            """A scratch array of this shape, reused from one tile to the next."""
            buf = self.scratch.get(name)
            if buf is None or buf.shape != shape or buf.dtype != np.dtype(dtype):
                buf = self.scratch[name] = np.empty(shape, dtype)
            return buf

    def block(self, w: np.ndarray, V: np.ndarray) -> None:
        nb, n, m1, B = w.shape
        m = m1 - 1
        rows = self.x + self.y
        W = _rows(w, 0, m1)
        z = np.matmul(V[rows].astype(w.dtype), W).reshape(nb, len(rows), m1, B).astype(float)
        fine, coarse = self.levels
        fine.feed(z)
        start = (-self.count) % 2
        sel = z[:, :, start::2, :]
        if start > 0 and coarse.carry is not None:
            sel = np.concatenate([coarse.carry[:, :, None, :], sel], axis=2)
        if sel.shape[2] >= 1:
            coarse.carry = sel[:, :, -1, :].copy()
        if sel.shape[2] >= 2:
            coarse.feed(sel)
        self.count += m

    def result(self) -> np.ndarray:
        fine, coarse = self.levels
        if fine.gram is None or coarse.gram is None:
            raise ModelError(f"no samples after the warm-up of {self.warmup} steps: simulate for longer")
        nb = fine.gram.shape[0]
        return np.concatenate([fine.gram.reshape(nb, -1), coarse.gram.reshape(nb, -1)], axis=1)


def regression_estimate(rows: np.ndarray, n_source: int, n_target: int, dt: float, paths: int,
                        quantity: str = "transfer_entropy") -> Estimate:
    """Transfer entropy rate or filter error from :class:`RegressionMoments` rows, Richardson-extrapolated.

    ``2 E(dt) - E(2 dt)``, with the jackknife error over groups of blocks.
    """
    k = int(round(math.sqrt(rows.shape[1] / 2)))

    def grams(t):
        return t[:k * k].reshape(k, k), t[k * k:].reshape(k, k)

    if quantity == "transfer_entropy":
        def stat(t):
            fine, coarse = grams(t)
            return (2 * transfer_entropy_from_moments(fine, n_source, n_target, dt)
                    - transfer_entropy_from_moments(coarse, n_source, n_target, 2 * dt))
    else:
        if n_source != 1:
            raise ModelError("the filter error is estimated for one hidden variable at a time")

        def stat(t):
            fine, coarse = grams(t)
            return float(2 * filter_error_from_moments(fine, 1, n_target)[0, 0]
                         - filter_error_from_moments(coarse, 1, n_target)[0, 0])
    return jackknife(rows, stat, paths)
