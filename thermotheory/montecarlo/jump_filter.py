r"""Monte Carlo transfer entropy rate of a bipartite jump process: the filter run along Gillespie paths.

Each path of the joint process (signal ``x``, sensor ``y``) is simulated exactly (Gillespie,
vectorised over paths with numpy, seeded). Along it the optimal filter
:math:`p_x = P(x \mid y\text{-history})` is run from the sensor's history alone: between the
sensor's jumps its unnormalised form evolves linearly, :math:`\dot q = (L_x(y) - \Lambda_y) q`
(the signal's generator at the sensor's value minus the diagonal of the sensor's escape rates
given ``x``; for two signal values a 2 x 2 matrix exponential in closed form), and at a jump
``y -> y'`` it is updated by Bayes. Per path the log-likelihood ratio of the sensor's path given
the signal's path over the sensor's path alone is accumulated after a burn-in,

.. math:: \sum_{\text{jumps } y \to y'} \ln\frac{w_{yy'}(x)}{\hat w_{yy'}}
          - \int (\lambda_y(x) - \hat\lambda_y)\, dt ,

(with :math:`\int \hat\lambda_y\,dt = -\ln` of the unnormalised filter's mass), and divided by
the recorded duration; its mean over independent paths is :math:`T_{x \to y}`, with the
standard error from the spread over paths. The filter starts from an even prior after the
paths start in the model's first state; the burn-in (:data:`~.jump.BURN_IN` relaxation times)
lets both the process and the filter forget their start. Nothing here calls a closed form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ModelError, NoClosedForm, NotBipartite
from .jump import _jump_model, _settings, _times
from .uncertainty import Estimate, per_path

__all__ = ["transfer_entropy_rate", "MAX_STEPS"]

#: Most simulation steps (jumps of the slowest path) of one run: past it the run is refused (give a shorter duration).
MAX_STEPS = 2_000_000


def _tables(model, source: Any, target: Any):
    """``(x of each state, y of each state, src, dst, w, is a sensor jump)`` with x in {0, 1} and y indices."""
    names = []
    for role, value in (("source", source), ("target", target)):
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise NoClosedForm(f"{role}: expected one subsystem but found {value!r:.60}")
            value = value[0]
        names.append(getattr(value, "name", value))
    cx, cy = model.component(names[0]), model.component(names[1])
    if cx == cy:
        raise ModelError(f"source and target are the same subsystem {names[0]!r}; give the signal and the sensor")
    if len(model.subsystems) != 2:
        raise NoClosedForm(f"the model has {len(model.subsystems)} subsystems; the transfer entropy rate of a jump "
                           "process is estimated between two (the signal and the sensor)")
    if not model.is_bipartite:
        raise NotBipartite("the transfer entropy rate of a jump process is estimated for a bipartite model (no "
                           "transition changes the signal and the sensor at once)")
    xs = sorted({s[cx] for s in model.states}, key=repr)
    if len(xs) > 2:
        raise NoClosedForm(f"the signal has {len(xs)} values; the filter here is that of a binary signal")
    ys = sorted({s[cy] for s in model.states}, key=repr)
    xof = np.array([xs.index(s[cx]) for s in model.states])
    yof = np.array([ys.index(s[cy]) for s in model.states])
    src, dst, w = model.edge_arrays()
    return xof, yof, src, dst, w, yof[src] != yof[dst], len(ys)


def _propagate(p: np.ndarray, M: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(p', log mass)``: ``exp(M t) p`` normalised and the log of its mass, per path (M: (paths, 2, 2))."""
    m11, m12, m21, m22 = M[:, 0, 0], M[:, 0, 1], M[:, 1, 0], M[:, 1, 1]
    tau = 0.5 * (m11 + m22)
    delta = 0.5 * (m11 - m22)
    s = np.sqrt(delta * delta + m12 * m21)
    e = np.exp(-2.0 * s * t)
    c = 0.5 * (1.0 + e)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(s * t > 1e-12, -np.expm1(-2.0 * s * t) / (2.0 * np.where(s > 0, s, 1.0)), t)
    q0 = c * p[:, 0] + g * (delta * p[:, 0] + m12 * p[:, 1])
    q1 = c * p[:, 1] + g * (m21 * p[:, 0] - delta * p[:, 1])
    q0, q1 = np.maximum(q0, 0.0), np.maximum(q1, 0.0)
    mass = q0 + q1
    out = np.column_stack([q0 / mass, q1 / mass])
    return out, (tau + s) * t + np.log(mass)


def transfer_entropy_rate(model: Any, source: Any = "x", target: Any = "y", *, paths: int, seed: int = 0,
                          dt: float | None = None, duration: float | None = None,
                          method: str = "exact") -> tuple[Estimate, float, float]:
    r"""Transfer entropy rate from a binary signal ``source`` to a sensor ``target``: ``(Estimate, 0.0, duration)``.

    See the module's docstring. Paths start in the model's first state; the recorded window
    (``duration``, default :data:`~.jump.DURATION` relaxation times) follows a burn-in.

    Raises
    ------
    NoClosedForm
        For a signal of more than two values, or a model of more than two subsystems.
    NotBipartite
        For a transition that changes the signal and the sensor at once.

    Examples
    --------
    >>> import thermotheory as tt
    >>> r = {((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0, ((0, 1), (1, 1)): 1.0, ((1, 1), (0, 1)): 1.0,
    ...      ((0, 0), (0, 1)): 2.0, ((0, 1), (0, 0)): 2.0, ((1, 0), (1, 1)): 2.0, ((1, 1), (1, 0)): 2.0}
    >>> e, _, _ = transfer_entropy_rate(tt.MarkovJumpProcess(r), "x", "y", paths=64, seed=0)
    >>> abs(e.value) < 1e-12  # a sensor blind to the signal: every log-likelihood ratio is zero
    True
    """
    model = _jump_model(model)
    _settings(dt, method)
    if isinstance(paths, (bool, np.bool_)) or not isinstance(paths, (int, np.integer)) or paths < 2:
        raise ModelError(f"paths: expected a whole number of at least 2 independent paths but found {paths!r}")
    xof, yof, src, dst, w, sensor_jump, ny = _tables(model, source, target)
    dur, burn = _times(model, duration)
    end = burn + dur
    n = model.n
    # per state: total rate out, the sensor's escape rate, the signal's rate out (0 -> 1 or 1 -> 0)
    out = np.bincount(src, weights=w, minlength=n)
    lam = np.bincount(src, weights=np.where(sensor_jump, w, 0.0), minlength=n)
    flip = np.bincount(src, weights=np.where(sensor_jump, 0.0, w), minlength=n)
    # per sensor value y: a[y], b[y], lambda[x, y]; per sensor jump (y, y'): w[x, y, y']
    a, b = np.zeros(ny), np.zeros(ny)
    lam_xy = np.zeros((2, ny))
    W = np.zeros((2, ny, ny))
    for i in range(n):
        lam_xy[xof[i], yof[i]] = lam[i]
        (a if xof[i] == 0 else b)[yof[i]] = flip[i]
    for e in np.nonzero(sensor_jump)[0]:
        W[xof[src[e]], yof[src[e]], yof[dst[e]]] += w[e]
    if np.all(xof == 0):  # a constant signal: the sensor's jumps tell nothing of it
        W[1], lam_xy[1] = W[0], lam_xy[0]
    M = np.zeros((ny, 2, 2))
    M[:, 0, 0], M[:, 0, 1] = -a - lam_xy[0], b
    M[:, 1, 0], M[:, 1, 1] = a, -b - lam_xy[1]
    # the jumps out of each state as cumulative tables
    order = np.argsort(src, kind="stable")
    start = np.searchsorted(src[order], np.arange(n + 1))
    cum = np.cumsum(w[order])
    rng = np.random.default_rng(seed)
    state = np.zeros(paths, dtype=np.int64)
    t = np.zeros(paths)
    p = np.full((paths, 2), 0.5)
    score = np.zeros(paths)
    alive = np.ones(paths, dtype=bool)
    steps = 0
    while alive.any():
        steps += 1
        if steps > MAX_STEPS:
            raise ModelError(f"the run needs more than {MAX_STEPS} jumps per path; give a shorter duration=")
        k = np.nonzero(alive)[0]
        s = state[k]
        rate = out[s]
        if np.any(rate <= 0):
            raise ModelError("a path reached a state without transitions out (an absorbing state): the model has "
                             "no stationary state with a transfer entropy rate")
        wait = rng.exponential(size=k.size) / rate
        t0, t1 = t[k], np.minimum(t[k] + wait, end)
        y = yof[s]
        Mk = M[y]
        before = np.minimum(t1, burn) - np.minimum(t0, burn)  # the part of the wait in the burn-in
        after = t1 - np.maximum(t0, burn) if burn > 0 else t1 - t0
        after = np.maximum(after, 0.0)
        pk, _ = _propagate(p[k], Mk, before)
        pk, logmass = _propagate(pk, Mk, after)
        # -int (lambda_y(x) - hat lambda) dt = -lambda_y(x) * after - log mass
        score[k] += -lam[s] * after - logmass
        t[k] = t1
        jumped = t0 + wait < end
        done = k[~jumped]
        alive[done] = False
        p[k] = pk
        j = k[jumped]
        if j.size == 0:
            continue
        sj = state[j]
        u = rng.random(j.size) * out[sj]
        pos = _pick(cum, start, sj, u)
        edge = order[np.minimum(pos, start[sj + 1] - 1)]
        new = dst[edge]
        sens = sensor_jump[edge]
        if sens.any():
            js = j[sens]
            ya, yb, xa = yof[src[edge[sens]]], yof[new[sens]], xof[src[edge[sens]]]
            w0, w1 = W[0, ya, yb], W[1, ya, yb]
            pj = p[js]
            hat = pj[:, 0] * w0 + pj[:, 1] * w1
            wx = np.where(xa == 0, w0, w1)
            recorded = t[js] >= burn
            score[js] += np.where(recorded, np.log(wx) - np.log(hat), 0.0)
            q = np.column_stack([pj[:, 0] * w0, pj[:, 1] * w1])
            p[js] = q / q.sum(axis=1, keepdims=True)
        state[j] = new
    return per_path(score / dur), 0.0, dur


def _pick(cum: np.ndarray, start: np.ndarray, s: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Position in the sorted jump table of the jump out of ``s`` that the uniform ``u * out[s]`` selects."""
    base = np.where(start[s] > 0, cum[np.maximum(start[s] - 1, 0)], 0.0)
    return np.searchsorted(cum, base + u, side="right")
