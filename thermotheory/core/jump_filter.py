r"""Transfer entropy rate and sensory capacity of a bipartite Markov jump process (binary signal).

For a bipartite process with a signal ``x`` and a sensor ``y`` (no jump changes both), the
transfer entropy rate from ``x`` to ``y`` (Hartich, Barato & Seifert, PRE 93, 022116, 2016) is
the rate at which the sensor's jumps tell about the signal's present beyond what the sensor's
own past tells:

.. math:: T_{x \to y} = \Big\langle \sum_{y'} \sum_x p_x\, w_{yy'}(x)
          \ln \frac{w_{yy'}(x)}{\hat w_{yy'}} \Big\rangle, \qquad
          \hat w_{yy'} = \sum_x p_x\, w_{yy'}(x),

with :math:`p_x = P(x \mid y\text{-history})` the optimal (Wonham) filter and the average over
the stationary joint law of the sensor's state and the filter. Between the sensor's jumps the
filter follows :math:`\dot p_x = \sum_{x'} p_{x'} W^x_{x' \to x}(y) - p_x (\lambda_y(x) - \hat\lambda_y)`
(:math:`\lambda_y(x)` the total rate out of ``y`` given ``x``); at a jump ``y -> y'`` it is
updated by Bayes, :math:`p_x \leftarrow p_x w_{yy'}(x) / \hat w_{yy'}`. For a binary signal the
filter is one number; in its log-odds :math:`u = \ln(p_1 / p_0)` the update is a shift by
:math:`\ln(w_{yy'}(1) / w_{yy'}(0))` and the flow between jumps is
:math:`\dot u = a_y (1 + e^{-u}) - b_y (1 + e^{u}) - (\lambda_y(1) - \lambda_y(0))`
(``a_y``, ``b_y`` the signal's rates ``0 -> 1`` and ``1 -> 0`` at ``y``).

The stationary law of this piecewise-deterministic process is computed numerically: a
finite-volume (upwind) discretisation of the log-odds on a uniform grid per sensor state,
the Bayes shift spread over the two cells its image overlaps (mass-conserving), and a sparse
stationary solve of the resulting generator. Each level averages four grids shifted by a
quarter cell (so that where a cell cuts a point of concentrated mass, such as the flow's rest
point, averages out); the grid is refined (``cells``, ``2 cells``, ``4 cells``) and the
first-order error extrapolated away (Richardson); twice the difference between the two
extrapolations is the stated error (:attr:`FilterSolution.error`). A result whose
error exceeds the tolerance asked is refused (:class:`~thermotheory.errors.IllConditioned`).

Sensory capacity :math:`C = l_y / T_{x \to y} \le 1` (:func:`sensory_capacity`): the learning
rate (:func:`~thermotheory.core.jump_forms.information_flow`) over the transfer entropy rate.

What is refused (each with a named :class:`~thermotheory.errors.ModelError`): a symbolic model
(:class:`~thermotheory.errors.NoClosedForm`: substitute numbers with ``model.numeric(values)``),
a signal of more than two states or a model of more than two subsystems
(:class:`~thermotheory.errors.NoClosedForm`), a model that is not bipartite
(:class:`~thermotheory.errors.NotBipartite`), several stationary states
(:class:`~thermotheory.errors.NotErgodic`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import IllConditioned, ModelError, NoClosedForm, NotAModel, NotBipartite

__all__ = ["FilterSolution", "SignalSensor", "signal_sensor", "filter_solution", "transfer_entropy_rate",
           "sensory_capacity", "CELLS", "MAX_CELLS", "OFFSETS", "RTOL", "ATOL", "LOG_ODDS_RANGE"]

#: Cells per sensor state of the coarsest of the three grids (then twice and four times as many).
CELLS = 400
#: Most cells per sensor state of the finest grid: the grids are doubled until the error is within the tolerance.
MAX_CELLS = 25600
#: Offsets of the grids, in cells: each level is the mean over grids shifted by these fractions of a cell.
OFFSETS = (0.0, 0.25, 0.5, 0.75)
#: Relative and absolute tolerance on the stated error of the extrapolated transfer entropy rate.
RTOL, ATOL = 2e-3, 1e-9
#: The grid of the log-odds ``u = ln(p_1 / p_0)`` covers ``[-LOG_ODDS_RANGE, LOG_ODDS_RANGE]`` at most.
LOG_ODDS_RANGE = 30.0


@dataclass(frozen=True)
class SignalSensor:
    """A bipartite jump process read as a binary signal ``x`` and a sensor ``y`` (numeric arrays).

    Attributes
    ----------
    x_values, y_values : tuple
        The signal's two values and the sensor's values (the components of the states).
    a, b : (ny,) float arrays
        The signal's rates ``x_values[0] -> x_values[1]`` and back at each sensor value.
    w : (2, ny, ny) float array
        ``w[x, y, y']``: the rate of the sensor's jump ``y -> y'`` given the signal ``x`` (zero diagonal).
    scale : float
        The largest rate (the inverse of the fastest time scale).
    """

    x_values: tuple
    y_values: tuple
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    scale: float

    @property
    def ny(self) -> int:
        return len(self.y_values)

    def escape(self) -> np.ndarray:
        """``lambda[x, y]``: the total rate of the sensor's jumps out of ``y`` given ``x``."""
        return self.w.sum(axis=2)


def _role(model: Any, value: Any, what: str) -> str:
    """The subsystem name of a role given as a name or a one-element sequence of names."""
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        items = list(value)
        if len(items) != 1:
            raise NoClosedForm(f"{what}: expected one subsystem of the jump model but found {value!r:.80}; the "
                               "transfer entropy rate of a jump process is given between two single subsystems")
        value = items[0]
    name = getattr(value, "name", value)
    model.component(name)  # UnknownState for a name that is not a subsystem
    return name


def signal_sensor(model: Any, source: Any = "x", target: Any = "y") -> SignalSensor:
    """The model read as a binary signal ``source`` and a sensor ``target`` (checked; see :class:`SignalSensor`).

    Raises
    ------
    NotAModel
        For something that is not a Markov jump process.
    NoClosedForm
        For a symbolic model (substitute numbers: ``model.numeric(values)``), a signal with more
        than two values, or a model with subsystems other than ``source`` and ``target``.
    NotBipartite
        When a transition changes the signal and the sensor at once.
    UnknownState
        For a source or target that is not a subsystem of the model.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> r = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 2.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 2.0,
    ...      ((0, 0), (0, 1)): 0.5, ((0, 1), (0, 0)): 3.0, ((1, 0), (1, 1)): 4.0, ((1, 1), (1, 0)): 3.0}
    >>> s = signal_sensor(MarkovJumpProcess(r), "x", "y")
    >>> s.a.tolist(), s.b.tolist(), float(s.w[1, 0, 1])
    ([1.0, 1.0], [2.0, 2.0], 4.0)
    """
    if getattr(type(model), "kind", None) != "jump" or not hasattr(model, "edge_arrays"):
        raise NotAModel(f"the transfer entropy rate of a jump process needs a MarkovJumpProcess but found "
                        f"{type(model).__name__}")
    if not model.is_numeric:
        raise NoClosedForm(f"the transfer entropy rate of a jump process is computed numerically (the stationary "
                           f"law of the optimal filter on a grid): substitute numbers for the parameters "
                           f"{[p.name for p in model.parameters]} with model.numeric(values)")
    src_name, dst_name = _role(model, source, "source"), _role(model, target, "target")
    if src_name == dst_name:
        raise ModelError(f"source and target are the same subsystem {src_name!r}; give the signal and the sensor")
    if len(model.subsystems) != 2:
        raise NoClosedForm(f"the model has {len(model.subsystems)} subsystems {list(model.subsystems)}; the transfer "
                           "entropy rate of a jump process is computed for two (the signal and the sensor): merge "
                           "the others into one of them")
    if not model.is_bipartite:
        raise NotBipartite("the transfer entropy rate of a jump process is computed for a bipartite model (no "
                           "transition changes the signal and the sensor at once); remove the joint transitions")
    cx, cy = model.component(src_name), model.component(dst_name)
    states = model.states
    xs: list = []
    ys: list = []
    for s in states:
        if s[cx] not in xs:
            xs.append(s[cx])
        if s[cy] not in ys:
            ys.append(s[cy])
    if len(xs) > 2:
        raise NoClosedForm(f"the signal {src_name!r} has {len(xs)} values; the transfer entropy rate of a jump "
                           "process is computed for a binary signal (two values), whose filter is one number")
    try:
        xs = sorted(xs)
    except TypeError:
        pass
    xi = {v: i for i, v in enumerate(xs)}
    yi = {v: i for i, v in enumerate(ys)}
    ny = len(ys)
    a, b = np.zeros(ny), np.zeros(ny)
    w = np.zeros((2, ny, ny))
    src, dst, rate = model.edge_arrays()
    for i, j, r in zip(src, dst, rate):
        s, t = states[i], states[j]
        if s[cy] == t[cy]:  # a jump of the signal
            if len(xs) == 2:
                (a if xi[s[cx]] == 0 else b)[yi[s[cy]]] += r
        else:
            w[xi[s[cx]], yi[s[cy]], yi[t[cy]]] += r
    if len(xs) == 1:  # a constant signal: the sensor learns nothing of it
        w[1] = w[0]
    return SignalSensor(tuple(xs), tuple(ys), a, b, w, float(rate.max()))


@dataclass(frozen=True)
class FilterSolution:
    """The transfer entropy rate from the stationary law of the filter, with its grid error.

    Attributes
    ----------
    value : float
        The transfer entropy rate (nats per unit time), extrapolated in the grid.
    error : float
        The stated error: twice the change of the extrapolation between the two finest grid
        pairs (plus the floor of the float arithmetic).
    levels : tuple of float
        The rate on the three grids (coarse to fine, each the mean over the shifted grids), before
        extrapolation.
    cells : tuple of int
        Cells per sensor state of the three grids.
    bounds : (float, float)
        The range of the log-odds ``ln(p_1 / p_0)`` the grids cover.
    centres : (cells + 1,) float array
        The cell centres (log-odds) of the finest grid (the last of the shifted ones).
    density : (ny, cells + 1) float array
        The stationary probability of each of its cells per sensor state (sums to 1).
    """

    value: float
    error: float
    levels: tuple
    cells: tuple
    bounds: tuple
    centres: np.ndarray
    density: np.ndarray


def _flow(s: SignalSensor, u: np.ndarray) -> np.ndarray:
    """``du/dt`` (ny, len(u)) of the log-odds between the sensor's jumps."""
    lam = s.escape()
    delta = (lam[1] - lam[0])[:, None]
    with np.errstate(over="ignore"):
        eu, emu = np.exp(np.minimum(u, 700.0)), np.exp(np.minimum(-u, 700.0))
    return s.a[:, None] * (1.0 + emu) - s.b[:, None] * (1.0 + eu) - delta


def _shifts(s: SignalSensor) -> np.ndarray:
    """``ln(w[1] / w[0])`` of each sensor jump (+-inf where one rate is zero, nan where there is no jump)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((s.w[0] > 0) | (s.w[1] > 0), np.log(s.w[1]) - np.log(s.w[0]), np.nan)


def _bounds(s: SignalSensor) -> tuple[float, float]:
    """The log-odds range of the grid: the fixed points of the flows and the Bayes shifts, with margins."""
    u = np.linspace(-LOG_ODDS_RANGE, LOG_ODDS_RANGE, 4001)
    v = _flow(s, u)
    stops = []
    for row in v:  # where each flow comes to rest (its sign changes from + to -)
        k = np.nonzero((row[:-1] > 0) & (row[1:] <= 0))[0]
        stops.extend(u[k].tolist() if k.size else [u[0] if row[0] <= 0 else u[-1]])
    sh = _shifts(s)
    finite = sh[np.isfinite(sh)]
    reach = float(np.abs(finite).sum()) if finite.size else 0.0
    lo = max(-LOG_ODDS_RANGE, min(stops) - reach - 12.0)
    hi = min(LOG_ODDS_RANGE, max(stops) + reach + 12.0)
    if np.any(sh == -np.inf):
        lo = -LOG_ODDS_RANGE
    if np.any(sh == np.inf):
        hi = LOG_ODDS_RANGE
    return lo, hi


def _integrand(s: SignalSensor, u: np.ndarray) -> np.ndarray:
    """``f[y, i]``: the expected log-likelihood gain per unit time in ``y`` with the filter at log-odds ``u[i]``."""
    p1 = 1.0 / (1.0 + np.exp(np.minimum(-u, 700.0)))
    p0 = 1.0 / (1.0 + np.exp(np.minimum(u, 700.0)))
    f = np.zeros((s.ny, u.size))
    for y in range(s.ny):
        for z in range(s.ny):
            w0, w1 = s.w[0, y, z], s.w[1, y, z]
            if w0 == w1:
                continue
            hat = p0 * w0 + p1 * w1
            if w0 > 0:
                f[y] += p0 * w0 * np.log(w0 / hat)
            if w1 > 0:
                f[y] += p1 * w1 * np.log(w1 / hat)
    return np.maximum(f, 0.0)  # each term is a Kullback-Leibler rate: non-negative up to rounding


def _stationary(s: SignalSensor, lo: float, hi: float, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """``(centres, pi[y, i])``: the stationary law of the discretised (sensor, log-odds) process."""
    import scipy.sparse as sps
    from scipy.sparse.linalg import spsolve

    ny, N = s.ny, cells
    h = (hi - lo) / N
    edges = lo + h * np.arange(N + 1)
    centres = 0.5 * (edges[:-1] + edges[1:])
    v = _flow(s, edges[1:-1])  # (ny, N - 1) at the inner interfaces
    rows, cols, vals = [], [], []
    idx = np.arange(N)
    for y in range(ny):
        base = y * N
        right = np.maximum(v[y], 0.0) / h  # cell i -> i + 1
        left = np.maximum(-v[y], 0.0) / h  # cell i + 1 -> i
        # the end cells stand for certainty, p_1 = 0 or 1, which the flow leaves only where the signal can
        # change at this y (a_y > 0 out of x = 0, b_y > 0 out of x = 1): Bayes keeps a certain filter certain
        if s.a[y] == 0:
            right[0] = 0.0
        if s.b[y] == 0:
            left[-1] = 0.0
        rows += [base + idx[:-1], base + idx[1:]]
        cols += [base + idx[1:], base + idx[:-1]]
        vals += [right, left]
    p1 = 1.0 / (1.0 + np.exp(np.minimum(-centres, 700.0)))
    p0 = 1.0 - p1
    sh = _shifts(s)
    for y in range(ny):
        for z in range(ny):
            if y == z or not (s.w[0, y, z] > 0 or s.w[1, y, z] > 0):
                continue
            rate = p0 * s.w[0, y, z] + p1 * s.w[1, y, z]  # the filter's rate of the jump y -> z
            shift = sh[y, z]
            if shift == np.inf:
                target, frac = np.full(N, N - 1), np.zeros(N)
            elif shift == -np.inf:
                target, frac = np.zeros(N, dtype=int), np.zeros(N)
            else:
                m = math.floor(shift / h)
                frac = np.full(N, shift / h - m)
                target = idx + m
            t0 = np.clip(target, 0, N - 1)
            t1 = np.clip(target + 1, 0, N - 1)
            rows += [y * N + idx, y * N + idx]
            cols += [z * N + t0, z * N + t1]
            vals += [rate * (1.0 - frac), rate * frac]
    r, c, q = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    keep = q > 0
    r, c, q = r[keep], c[keep], q[keep]
    M = ny * N
    out = np.bincount(r, weights=q, minlength=M)  # the total rate out of each cell
    scale = max(float(out.max()), 1e-300)
    # dpi/dt = A pi with A[j, i] = rate i -> j, A[i, i] = -out[i]. The stationary pi is fixed by pi[k] = 1 at the
    # cell k of the rest point of the first sensor state's flow (it holds mass), and normalised after: the reduced
    # system stays as sparse as the generator (a normalisation row would fill the factors).
    vrest = _flow(s, centres)[0]
    k = int(np.argmin(np.abs(vrest)))
    ar = np.concatenate([c, np.arange(M)])
    ac = np.concatenate([r, np.arange(M)])
    av = np.concatenate([q, -out]) / scale
    A = sps.csc_matrix((av, (ar, ac)), shape=(M, M))
    others = np.r_[0:k, k + 1:M]
    rhs = -A[others][:, [k]].toarray().ravel()
    rest = spsolve(A[others][:, others].tocsc(), rhs, permc_spec="MMD_AT_PLUS_A")
    pi = np.insert(np.asarray(rest, dtype=float), k, 1.0)
    residual = float(np.abs(A @ pi).max()) / max(float(np.abs(pi).max()), 1e-300) if np.all(np.isfinite(pi)) else 1.0
    if not residual <= 1e-9:
        raise IllConditioned(f"the stationary law of the filter was solved on the grid with a relative residual of "
                             f"{residual:.2g}; the rates span too many orders of magnitude for floating point")
    if not np.all(np.isfinite(pi)):
        raise IllConditioned("the stationary law of the filter could not be solved on the grid (a singular "
                             "generator): check that the model is ergodic")
    pi = np.maximum(pi, 0.0)
    pi /= pi.sum()
    return centres, pi.reshape(ny, N)


def filter_solution(model: Any, source: Any = "x", target: Any = "y", *, cells: int = CELLS,
                    rtol: float = RTOL, atol: float = ATOL) -> FilterSolution:
    r"""The transfer entropy rate ``source -> target`` with its grid error and the filter's stationary law.

    Parameters
    ----------
    model : MarkovJumpProcess
        Numeric and bipartite, with two subsystems; ``source`` takes two values.
    source, target : str
        The signal's and the sensor's subsystem names.
    cells : int
        Cells per sensor state of the coarsest grid (then twice and four times as many; all three
        doubled again while the stated error exceeds the tolerance, up to :data:`MAX_CELLS`).
    rtol, atol : float
        The stated error must be at most ``atol + rtol * |value|``.

    Raises
    ------
    IllConditioned
        When grids of up to :data:`MAX_CELLS` cells do not agree to the tolerance.
    NoClosedForm, NotBipartite, NotErgodic, UnknownState
        See :func:`signal_sensor`.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> r = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...      ((0, 0), (0, 1)): 1.0, ((0, 1), (0, 0)): 3.0, ((1, 0), (1, 1)): 3.0, ((1, 1), (1, 0)): 1.0}
    >>> sol = filter_solution(MarkovJumpProcess(r))
    >>> bool(0 < sol.value and sol.error < 1e-3 * sol.value)
    True
    """
    from .jump_forms import check_ergodic

    s = signal_sensor(model, source, target)
    check_ergodic(model)
    if isinstance(cells, (bool, np.bool_)) or not isinstance(cells, (int, np.integer)) or not 16 <= cells <= 20000:
        raise ModelError(f"cells: expected a whole number of cells from 16 to 20000 but found {cells!r}")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, (int, float)) or not tol >= 0 \
                or not math.isfinite(tol):
            raise ModelError(f"{name}: expected a non-negative number but found {tol!r}")
    if np.array_equal(s.w[0], s.w[1]):  # the sensor's rates do not depend on the signal
        return FilterSolution(0.0, 0.0, (0.0, 0.0, 0.0), (cells, 2 * cells, 4 * cells), (0.0, 0.0),
                              np.zeros(0), np.zeros((s.ny, 0)))
    key = ("jump_filter", str(source), str(target), int(cells), float(rtol), float(atol))
    if key in model.cache:
        return model.cache[key]
    lo, hi = _bounds(s)
    sizes, levels = [], []
    n = int(cells)
    while True:
        for size in (n, 2 * n, 4 * n):
            if size not in sizes:
                h = (hi - lo) / size
                rates = []
                for off in OFFSETS:  # grids shifted by a fraction of a cell: averages out where a cell cuts an atom
                    centres, pi = _stationary(s, lo - off * h, hi + (1.0 - off) * h, size + 1)
                    rates.append(float(np.sum(pi * _integrand(s, centres))))
                sizes.append(size)
                levels.append(float(np.mean(rates)))
        t1, t2, t4 = levels[-3:]
        r1, r2 = 2 * t2 - t1, 2 * t4 - t2  # first-order Richardson extrapolations
        value = max(r2, 0.0)
        error = 2.0 * abs(r2 - r1) + 1e-12 * s.scale
        if error <= atol + rtol * abs(value):
            break
        if 8 * n > MAX_CELLS:
            raise IllConditioned(f"the transfer entropy rate did not converge on grids of up to {4 * n} cells per "
                                 f"sensor state ({t1:.6g}, {t2:.6g}, {t4:.6g}; stated error {error:.2g}); give a "
                                 "larger rtol=")
        n *= 2
    sol = FilterSolution(value, error, tuple(levels[-3:]), tuple(sizes[-3:]), (lo, hi), centres, pi)
    model.cache[key] = sol
    return sol


def transfer_entropy_rate(model: Any, source: Any = "x", target: Any = "y") -> float:
    r"""Transfer entropy rate :math:`T_{x \to y}` (nats per unit time) from a binary signal to a sensor.

    The registry's closed form of ``tt.transfer_entropy_rate`` on a Markov jump process: see
    the module's docstring and :func:`filter_solution` (which also gives the error).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> r = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...      ((0, 0), (0, 1)): 2.0, ((0, 1), (0, 0)): 2.0, ((1, 0), (1, 1)): 2.0, ((1, 1), (1, 0)): 2.0}
    >>> transfer_entropy_rate(MarkovJumpProcess(r), "x", "y")  # the sensor ignores the signal
    0.0
    """
    return filter_solution(model, source, target).value


def sensory_capacity(model: Any, source: Any = "x", target: Any = "y") -> float:
    r"""Sensory capacity :math:`C = l_y / T_{x \to y} \le 1` (Hartich, Barato & Seifert 2016).

    Raises
    ------
    NoClosedForm
        When the transfer entropy rate is zero (a sensor blind to the signal): the ratio is undefined.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> r = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...      ((0, 0), (0, 1)): 1.0, ((0, 1), (0, 0)): 3.0, ((1, 0), (1, 1)): 3.0, ((1, 1), (1, 0)): 1.0}
    >>> c = sensory_capacity(MarkovJumpProcess(r))
    >>> bool(0 < c <= 1)
    True
    """
    from .jump_forms import information_flow

    sol = filter_solution(model, source, target)
    if sol.value <= max(sol.error, 1e-300):
        raise NoClosedForm("the transfer entropy rate is zero (to the grid's error): the sensor's jumps do not "
                           "depend on the signal, and the sensory capacity l / T is undefined")
    learning = float(information_flow(model, _role(model, target, "target")))
    return learning / sol.value
