r"""Solving a protocol on ``A(t)``, ``b(t)``, ``D(t)``: phase by phase, or by the moment ODEs.

The machinery behind :mod:`thermotheory.core.driven` (see there for the two routes and the
definitions of heat and work). A phase of a piecewise-constant protocol is solved with the
closed forms of a constant model, which the caller passes in (:class:`PhaseKernels`):
:func:`thermotheory.core.moments.covariance` and :func:`~thermotheory.core.moments.mean`, and
:func:`thermotheory.heat` for the heat. Those modules call this one for a modulated model, so
this module imports neither of them.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np
import sympy as sp

from ..errors import InvalidDiffusion, ModelError
from .checks import as_expression
from .initial import check_time, initial_covariance, initial_mean_vector
from .model import LinearSDE
from .protocols import switch_points

__all__ = ["PhaseKernels", "run", "covariance", "mean", "heat", "work", "mean_energy", "piecewise_constant_drive"]


class PhaseKernels(NamedTuple):
    """The closed forms of a constant model that a protocol is solved with, phase by phase.

    Given by the modules that own them (:mod:`~thermotheory.core.moments`,
    :mod:`~thermotheory.core.thermo`), which call this module for a modulated model: so this
    module imports neither.

    Attributes
    ----------
    covariance : callable
        ``covariance(phase_model, dt, S)``: the covariance after ``dt`` from ``S``.
    mean : callable
        ``mean(phase_model, dt, m)``: the mean after ``dt`` from ``m``.
    heat : callable, optional
        ``heat(phase_model, dt, S, m, subsystem=...)``: the heat released over ``dt``
        (needed only where the heat is asked).
    """

    covariance: Callable[..., Any]
    mean: Callable[..., Any]
    heat: Callable[..., Any] | None = None

#: Tolerances of the moment ODEs.
RTOL, ATOL = 1e-11, 1e-13


# -- the energy ----------------------------------------------------------------------------
def _energy_parts(model: LinearSDE, energy: Any):
    """``(K, h, u0)`` with ``U = z^T K z / 2 + h^T z + u0`` (sympy, functions of time and parameters)."""
    U = as_expression(energy, "energy")
    z = list(model.variables)
    K = sp.hessian(U, z)
    if K.free_symbols & set(z):
        raise ModelError(f"energy: expected a quadratic function of the state variables but found {U}")
    zero = dict.fromkeys(z, 0)
    h = sp.Matrix([sp.diff(U, v).xreplace(zero) for v in z])
    u0 = U.xreplace(zero)
    extra = (K.free_symbols | h.free_symbols | u0.free_symbols) - set(model.parameters) - {model.time} - set(z)
    if extra:
        raise ModelError(f"energy: the symbols {sorted(map(str, extra))} are neither parameters of the model nor "
                         "its time")
    return sp.Matrix(K), h, u0


def _expected(K, h, u0, S, m, ops_numeric: bool):
    r""":math:`\langle U \rangle = \operatorname{tr}(K (S + m m^T))/2 + h^T m + u_0`."""
    if ops_numeric:
        m = np.asarray(m, float).reshape(-1)
        return float(np.trace(K @ (S + np.outer(m, m))) / 2 + h @ m + u0)
    S, m = sp.Matrix(S), sp.Matrix(m)
    return (K * (S + m * m.T)).trace() / 2 + (h.T * m)[0, 0] + u0


# -- phases of a piecewise-constant protocol ---------------------------------------------------
def _sorted_points(points, t):
    """Switching points inside ``(0, t)``, sorted; None when their order cannot be decided."""
    inside = []
    for p in points:
        lo, hi = (p > 0), (p < t)
        if lo is sp.false or hi is sp.false:
            continue
        if lo is not sp.true or hi is not sp.true:
            return None
        inside.append(p)
    try:
        return sorted(set(inside), key=lambda p: [q for q in inside if bool(q < p)].__len__())
    except TypeError:
        return None


def _at(expr, tau, s):
    """``expr`` at time ``s``, its Piecewise conditions decided where they can be."""
    return sp.piecewise_fold(sp.sympify(expr).rewrite(sp.Piecewise).xreplace({tau: s}))


def _on_phase(expr, tau, mid):
    """``expr`` on the phase around ``mid``: each Piecewise replaced by its branch there (time kept), or None."""

    def branch(pw):
        for val, cond in pw.args:
            c = sp.sympify(cond).xreplace({tau: mid})
            if c is sp.true:
                return val
            if c is not sp.false:
                raise _Undecided
        raise _Undecided

    try:
        return sp.sympify(expr).rewrite(sp.Piecewise).replace(lambda e: isinstance(e, sp.Piecewise), branch)
    except _Undecided:
        return None


class _Undecided(Exception):
    """A Piecewise condition that cannot be decided on a phase."""


def _phase_plan(model: LinearSDE, t: Any, extra=()):
    """``[(start, end, A, b, D), ...]`` covering ``[0, t]`` when the protocol is constant on each phase, else None."""
    tau = model.time
    t = sp.sympify(t)
    pts = _sorted_points(switch_points(model, extra), t)
    if pts is None:
        return None
    edges = [sp.Integer(0)] + pts + [t]
    plan = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid = (lo + hi) / 2
        mats = []
        for M in (model.A, model.b, model.D):
            vals = [_on_phase(e, tau, mid) for e in M]
            if any(v is None or tau in v.free_symbols for v in vals):
                return None
            mats.append(sp.Matrix(M.rows, M.cols, vals))
        _check_phase_diffusion(model, mats[2], lo, hi)
        for e in extra:
            v = _on_phase(e, tau, mid)
            if v is None or tau in v.free_symbols:
                return None
        plan.append((lo, hi, *mats))
    return plan


def _check_phase_diffusion(model: LinearSDE, D: sp.Matrix, lo, hi) -> None:
    """Refuse a phase whose diffusion is not positive semi-definite (symbolically where decidable)."""
    from .model import _check_numeric_diffusion, _check_symbolic_diffusion

    try:
        if D.free_symbols:
            _check_symbolic_diffusion(model.variables, sp.ImmutableMatrix(D))
        else:
            _check_numeric_diffusion(np.array(D.evalf(), float))
    except InvalidDiffusion as exc:
        raise InvalidDiffusion(f"the protocol's phase from s = {lo} to s = {hi}: {exc}") from None


def _phase_model(model: LinearSDE, A, b, D):
    """``(phase model, rate)``: the constant model of a phase, and ``c`` (None for a numeric one).

    A phase of a symbolic protocol whose matrices happen to be numbers (``Piecewise((1, s < t1),
    (k, True))``) must still be solved with the symbolic engine (its initial state is symbolic):
    it is built as the time-rescaled model ``c A, c b, c D`` run for ``dt / c`` (the same moments
    and heat for every ``c > 0``), with a positive dummy ``c`` set to 1 afterwards.
    """
    if model.is_numeric:
        return LinearSDE.from_matrices(np.array(A.evalf(), float), np.array(D.evalf(), float),
                                       b=np.array(b.evalf(), float).reshape(-1), variables=model.variables,
                                       parity=model.parity), None
    c = None
    if not (A.free_symbols | b.free_symbols | D.free_symbols):
        c = sp.Dummy("c", positive=True)
        A, b, D = A * c, b * c, D * c
    z = sp.Matrix(model.variables)
    drift = dict(zip(model.variables, A * z + b))  # the constructor keeps numbers exact (from_matrices would not)
    return LinearSDE(drift, sp.Matrix(D), parity=dict(zip(model.variables, model.parity))), c


def _by_phases(model, plan, S0, m0, kernels: PhaseKernels, heat_of=None, energy=None):
    """Mean, covariance, heat and work at the end of ``plan`` (phase by phase, with the closed forms ``kernels``)."""
    numeric = model.is_numeric
    tau = model.time
    S, m = S0, m0
    q = 0 if heat_of is None else (0.0 if numeric else sp.Integer(0))
    w = 0.0 if numeric else sp.Integer(0)
    parts = None if energy is None else _energy_parts(model, energy)

    def U_at(s):
        K, h, u0 = (sp.Matrix(p).applyfunc(lambda e: _at(e, tau, s)) if isinstance(p, sp.MatrixBase)
                    else _at(p, tau, s) for p in parts)
        if numeric:
            return np.array(K.evalf(), float), np.array(h.evalf(), float).reshape(-1), float(u0)
        return K, h, u0

    def jump(before, after):
        """<U after - U before> at the current state; one-sided values are read inside the adjacent phases."""
        Ka, ha, ua = U_at(before)
        Kb, hb, ub = U_at(after)
        return _expected(Kb - Ka, hb - ha, ub - ua, S, m, numeric)

    mids = [(lo + hi) / 2 for lo, hi, *_ in plan]
    for k, (lo, hi, A, b, D) in enumerate(plan):
        if parts is not None:
            w += jump(lo if k == 0 else mids[k - 1], mids[k])
        dt = hi - lo
        if not numeric and A.is_zero_matrix and b.is_zero_matrix and D.is_zero_matrix:
            continue  # nothing moves: the moments stay, no heat
        pm, c = _phase_model(model, A, b, D)
        if c is not None:
            dt = dt / c
        one = {} if c is None else {c: 1}
        if heat_of is not None:
            dq = kernels.heat(pm, dt, S, m, subsystem=heat_of if heat_of != "all" else None)
            q += dq if numeric else sp.sympify(dq).xreplace(one)
        S_new = kernels.covariance(pm, dt, S)
        m_new = kernels.mean(pm, dt, m)
        S = S_new if numeric else sp.Matrix(S_new).xreplace(one)
        m = np.asarray(m_new, float) if numeric else sp.Matrix(list(m_new)).xreplace(one)
    if parts is not None:
        w += jump(mids[-1], plan[-1][1])
    return S, m, q, w


# -- moment ODEs ---------------------------------------------------------------------------
def _noiseless_leak(model, A, b, D, idx) -> None:
    """Refuse an irreversible drift on a variable of ``idx`` without noise (infinite heat)."""
    E = np.asarray(model.parity, float)
    A_irr = (A + E[:, None] * A * E[None, :]) / 2
    b_irr = (b + E * b) / 2
    DY = D[np.ix_(idx, idx)]
    P = np.eye(len(idx)) - DY @ np.linalg.pinv(DY, hermitian=True)
    rows = np.hstack([A_irr[idx], b_irr[idx, None]])
    if np.max(np.abs(P @ rows), initial=0.0) > 1e-9 * max(float(np.max(np.abs(rows), initial=0.0)), 1.0):
        names = [model.variables[i].name for i in idx]
        raise ModelError(f"the heat of {names} is infinite: an irreversible drift acts on a variable without noise "
                         "during the protocol (give it a diffusion, or mark it odd if it is a velocity-like variable)")


#: Relative tolerance of the positive semi-definiteness check of ``D(s)`` (as for a constant model).
PSD_TOLERANCE = 1e-10

#: Points per phase where a smooth ``D(s)`` is checked before the integration (it is also checked at every step).
PSD_GRID = 257


def _check_diffusion_at(model, D: np.ndarray, s: float) -> None:
    """Refuse ``D(s)`` that is not positive semi-definite (a negative temperature, say)."""
    scale = max(float(np.max(np.abs(D), initial=0.0)), 1e-300)
    low = float(np.min(np.diag(D))) if D.shape[0] == 1 else float(np.linalg.eigvalsh((D + D.T) / 2)[0])
    if low < -PSD_TOLERANCE * scale:
        raise InvalidDiffusion(f"the diffusion D(s) of the protocol is not positive semi-definite at s = {s:.10g} "
                               f"(smallest eigenvalue {low:.6g}): a diffusion (a temperature) cannot be negative")


class _Phase:
    """One phase ``(lo, hi)`` of a numeric protocol: ``A(s), b(s), D(s)``, the energy and its time derivative.

    Each ``Piecewise`` is replaced by its branch on the phase (decided at the midpoint), so the
    one-sided values at the ends are those branch expressions at the switching times themselves
    (no ``lambdify``-printed switching time is compared with ``s``). When a branch does not match
    the whole protocol inside the phase (a switching time :func:`switch_points` did not find),
    the compiled protocol is used, with one-sided values read just inside the phase.
    """

    def __init__(self, model, lo: float, hi: float, energy_exprs):
        tau = model.time
        n = model.dimension
        self.n, self.lo, self.hi, self.model = n, lo, hi, model
        mid = (lo + hi) / 2
        exprs = list(model.A) + list(model.b) + list(model.D)
        branches = [_on_phase(e, tau, sp.Float(mid)) for e in exprs]
        ebr = [_on_phase(e, tau, sp.Float(mid)) for e in energy_exprs]
        self.exact = not any(v is None for v in branches + ebr)
        if self.exact:
            self._mats = sp.lambdify(tau, branches, modules="numpy")
            self._U = sp.lambdify(tau, ebr, modules="numpy") if ebr else None
            self._dU = sp.lambdify(tau, [sp.diff(e, tau) for e in ebr], modules="numpy") if ebr else None
            inner = np.linspace(lo, hi, 9)[1:-1]
            if not all(self._agrees(s, energy_exprs) for s in inner):
                self.exact = False
        if not self.exact:  # the compiled protocol, read inside the phase
            rw = [sp.sympify(e).rewrite(sp.Piecewise) for e in energy_exprs]
            self._U = sp.lambdify(tau, rw, modules="numpy") if rw else None
            self._dU = sp.lambdify(tau, [sp.diff(e, tau) for e in rw], modules="numpy") if rw else None

    def _agrees(self, s, energy_exprs) -> bool:
        A, b, D = self.mats(s)
        A2, b2, D2 = (x[0] for x in self.model.matrices_at([s]))
        ok = all(np.allclose(p, q, rtol=1e-12, atol=1e-12) for p, q in ((A, A2), (b, b2), (D, D2)))
        if ok and energy_exprs:
            full = [float(_at(e, self.model.time, sp.Float(s))) for e in energy_exprs]
            ok = np.allclose(self.U(s), full, rtol=1e-12, atol=1e-12)
        return ok

    def mats(self, s: float):
        if not self.exact:
            return tuple(x[0] for x in self.model.matrices_at([s]))
        n = self.n
        v = np.array([float(x) for x in self._mats(s)])
        return v[:n * n].reshape(n, n), v[n * n:n * n + n], v[n * n + n:].reshape(n, n)

    def U(self, s: float) -> np.ndarray:
        if not self.exact:  # one-sided values just inside the phase
            eps = 1e-9 * max(abs(self.hi), 1.0)
            s = min(max(s, self.lo + eps), self.hi - eps) if self.hi - self.lo > 2 * eps else (self.lo + self.hi) / 2
        return np.array([float(x) for x in self._U(s)])

    def dU(self, s: float) -> np.ndarray:
        return np.array([float(x) for x in self._dU(s)])

    def check_diffusion(self) -> None:
        for s in np.linspace(self.lo, self.hi, PSD_GRID if self._varies() else 1):
            _check_diffusion_at(self.model, self.mats(float(s))[2], float(s))

    def _varies(self) -> bool:
        return self.model.time in self.model.D.free_symbols


def _by_ode(model, t: float, S0, m0, idx=None, energy=None):
    """Mean, covariance, heat (of ``idx``) and work at ``t`` by the moment ODEs, restarted at every switch.

    Each phase is integrated with the protocol's branch there; the work adds, at every
    switching time, the jump of the energy between the branches on either side (nothing where
    the protocol is continuous), at ``0`` the jump from the protocol's value at ``s = 0`` to
    the first branch, and at ``t`` the jump from the last branch to the value at ``s = t``
    (``t`` compared exactly with the switching times).
    """
    from scipy.integrate import solve_ivp

    n = model.dimension
    tau = model.time
    E = np.asarray(model.parity, float)
    extra = [] if energy is None else _flat_energy(model, energy)

    def split(v):
        return v[:n * n].reshape(n, n), v[n * n:n * n + n], v[-1]

    def energy_of(vals, y):
        K, h, u0 = split(vals)
        return _expected(K, h, u0, y[n:n + n * n].reshape(n, n), y[:n], True)

    def exact_U(s):
        return np.array([float(_at(e, tau, sp.Float(s))) for e in extra])

    edges = [0.0] + [float(p) for p in _numeric_points(model, t, extra)] + [t]
    phases = [_Phase(model, lo, hi, extra) for lo, hi in zip(edges[:-1], edges[1:])]
    for ph in phases:
        ph.check_diffusion()

    def make_rhs(ph):
        def rhs(s, y):
            A, b, D = ph.mats(s)
            _check_diffusion_at(model, D, s)
            m = y[:n]
            S = y[n:n + n * n].reshape(n, n)
            out = [A @ m + b, (A @ S + S @ A.T + 2 * D).ravel()]
            dq = 0.0
            if idx is not None:
                A_irr = (A + E[:, None] * A * E[None, :]) / 2
                F = A_irr[idx]
                Dp = np.linalg.pinv(D[np.ix_(idx, idx)], hermitian=True)
                c = F @ m + ((b + E * b) / 2)[idx]
                dq = np.trace(Dp @ F @ S @ F.T) + c @ Dp @ c + np.trace(A_irr[np.ix_(idx, idx)])
            dw = energy_of(ph.dU(s), y) if extra else 0.0
            return np.concatenate(out + [[dq, dw]])

        return rhs

    y = np.concatenate([np.asarray(m0, float).reshape(-1), np.asarray(S0, float).ravel(), [0.0, 0.0]])
    if extra:
        y[-1] += energy_of(phases[0].U(0.0) - exact_U(0.0), y)  # the jump at the start, if any
    for k, ph in enumerate(phases):
        lo, hi = ph.lo, ph.hi
        if idx is not None:
            A, b, D = ph.mats((lo + hi) / 2)
            _noiseless_leak(model, A, b, D, idx)
        if extra and k > 0:
            y[-1] += energy_of(ph.U(lo) - phases[k - 1].U(lo), y)  # both sides from the branches at the switch
        if hi > lo:
            sol = solve_ivp(make_rhs(ph), (lo, hi), y, method="DOP853", rtol=RTOL,
                            atol=ATOL * max(1.0, np.max(np.abs(y))))
            if not sol.success:
                raise ModelError(f"the moment equations could not be integrated: {sol.message}")
            y = sol.y[:, -1]
            if not np.all(np.isfinite(y)):
                raise ModelError(f"the transient moments overflow before t = {t:g}: the protocol makes a mode grow "
                                 "too fast for floats; use a shorter time")
    if extra and t > 0:
        y[-1] += energy_of(exact_U(t) - phases[-1].U(t), y)  # the jump at the end: the protocol's value at s = t
    S = y[n:n + n * n].reshape(n, n)
    return (S + S.T) / 2, y[:n], float(y[-2]), float(y[-1])


#: Switching times closer than this (relative to max(t, 1)) to 0 or to t are the jumps at 0 or t themselves.
SWITCH_TOLERANCE = 1e-9


def _numeric_points(model, t, extra):
    """Switching times strictly inside ``(0, t)``: one within :data:`SWITCH_TOLERANCE` of an end is that end's jump
    (a time known to 15 digits must not count a final jump twice)."""
    tol = SWITCH_TOLERANCE * max(t, 1.0)
    pts = {float(p) for p in switch_points(model, extra) if not p.free_symbols and p.is_real}
    return sorted(p for p in pts if tol < p < t - tol)


def _setup(model: LinearSDE, t: Any, initial: Any, initial_mean: Any):
    from ._backend import NumOps, SymOps

    if not isinstance(model, LinearSDE):
        raise ModelError(f"expected a LinearSDE but found {type(model).__name__}")
    if model.time is None:
        raise ModelError("the model does not depend on time: use the constant-model closed forms")
    ops = NumOps if model.is_numeric else SymOps
    t = check_time(t, ops)
    S0 = initial_covariance(model, initial, ops)
    m0 = initial_mean_vector(model, initial_mean, ops)
    if ops is NumOps:
        return t, np.asarray(S0, float), np.asarray(m0, float).reshape(-1)
    return t, sp.Matrix(S0), sp.Matrix(m0)


def run(model, t, initial, initial_mean, kernels: PhaseKernels, heat_of=None, energy=None):
    """``(S, m, heat, work)`` at ``t``: phase by phase with ``kernels`` where the protocol allows, else the moment ODEs."""
    t, S0, m0 = _setup(model, t, initial, initial_mean)
    if t == 0:
        return S0, m0, 0.0 if model.is_numeric else sp.Integer(0), 0.0 if model.is_numeric else sp.Integer(0)
    extra = () if energy is None else _flat_energy(model, energy)
    plan = _phase_plan(model, t, extra)
    idx = None
    if heat_of is not None:
        idx = list(range(model.dimension)) if heat_of == "all" else model.indices(heat_of)
    if plan is not None:
        try:
            return _by_phases(model, plan, S0, m0, kernels, heat_of, energy)
        except ModelError:
            if not model.is_numeric:
                raise  # a phase whose closed form fails (a conserved mode): numeric models fall back to the ODEs
    if not model.is_numeric:
        raise ModelError(
            "a symbolic model has transient closed forms only for a piecewise-constant protocol whose switching "
            "times are ordered and lie in [0, t] decidably (constant A, b and D between them); substitute numbers "
            "with subs() for a smooth protocol (moment equations)"
        )
    return _by_ode(model, t, S0, m0, idx, energy)


def piecewise_constant_drive(model: LinearSDE, t: Any) -> bool:
    """True for a symbolic model whose only protocol is a piecewise-constant ``b(t)`` with decidable phases.

    Such a model (steps written with ``Heaviside`` or ``Piecewise``) is solved phase by phase
    here: the heat as one integral of the squared mean over ``[0, t]`` can take minutes.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x, s = sp.symbols("x s", real=True)
    >>> k = sp.Symbol("k", positive=True)
    >>> piecewise_constant_drive(LinearSDE({x: -k * (x - sp.Heaviside(s - 1))}, {x: 1}, time=s), 2)
    True
    >>> piecewise_constant_drive(LinearSDE({x: -k * (x - s)}, {x: 1}, time=s), 2)
    False
    """
    if (not isinstance(model, LinearSDE) or model.time is None or model.is_numeric or model.is_autonomous
            or model.is_modulated or model.feedback is not None):
        return False
    try:
        t = sp.sympify(t)
    except (sp.SympifyError, TypeError, ValueError):
        return False
    if not isinstance(t, sp.Expr) or t.is_negative is not False or t == 0:
        return False
    return _phase_plan(model, t) is not None


def _flat_energy(model, energy):
    K, h, u0 = _energy_parts(model, energy)
    return list(K) + list(h) + [u0]


def covariance(model: LinearSDE, t: Any, initial: Any, kernels: PhaseKernels) -> Any:
    """Covariance at ``t`` under a protocol (:func:`thermotheory.core.driven.driven_covariance`)."""
    S, *_ = run(model, t, initial, None, kernels)
    return _finish_matrix(model, S)


def mean(model: LinearSDE, t: Any, initial_mean: Any, kernels: PhaseKernels) -> Any:
    """Mean at ``t`` under a protocol (:func:`thermotheory.core.driven.driven_mean`)."""
    from ._backend import as_vector

    n = model.dimension
    zero = np.zeros((n, n)) if model.is_numeric else sp.zeros(n, n)
    _, m, *_ = run(model, t, zero, initial_mean, kernels)
    if model.is_numeric:
        return as_vector(m)
    return as_vector(sp.Matrix(m).applyfunc(lambda e: sp.simplify(e)))


def heat(model: LinearSDE, t: Any, initial: Any, initial_mean: Any, subsystem: Any,
         kernels: PhaseKernels) -> Any:
    """Heat released over ``[0, t]`` under a protocol (:func:`thermotheory.core.driven.driven_heat`)."""
    _, _, q, _ = run(model, t, initial, initial_mean, kernels, heat_of="all" if subsystem is None else subsystem)
    return q if model.is_numeric else sp.simplify(q)


def work(model: LinearSDE, t: Any, initial: Any, energy: Any, initial_mean: Any,
         kernels: PhaseKernels) -> Any:
    """Mean work done by the protocol over ``[0, t]`` (:func:`thermotheory.core.driven.work`)."""
    _, _, _, w = run(model, t, initial, initial_mean, kernels, energy=energy)
    return w if model.is_numeric else sp.simplify(w)


def mean_energy(model: LinearSDE, t: Any, initial: Any, energy: Any, initial_mean: Any,
                kernels: PhaseKernels) -> Any:
    """Mean energy at ``t`` (:func:`thermotheory.core.driven.mean_energy`)."""
    S, m, _, _ = run(model, t, initial, initial_mean, kernels)
    K, h, u0 = (p.xreplace({model.time: sp.sympify(t)}) for p in _energy_parts(model, energy))
    if model.is_numeric:
        return _expected(np.array(K.evalf(), float), np.array(h.evalf(), float).reshape(-1), float(u0), S, m, True)
    return sp.simplify(_expected(K, h, u0, S, m, False))


def _finish_matrix(model, S):
    if model.is_numeric:
        S = np.array(S, float)
        S.setflags(write=False)
        return S
    return sp.ImmutableMatrix(sp.Matrix(S).applyfunc(lambda e: sp.simplify(e)))
