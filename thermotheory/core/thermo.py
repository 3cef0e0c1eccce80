r"""Entropy production, heat and information flow of a linear SDE.

Conventions: :math:`k_B = 1`, rates per unit time, heat counted as entropy flow into
the medium. With parity matrix :math:`E = \mathrm{diag}(\epsilon)` the drift splits into
an irreversible part :math:`A_{irr} = (A + EAE)/2`, :math:`b_{irr} = (b + Eb)/2` and a
reversible rest. In the stationary state (mean :math:`m`, covariance :math:`S`) the
irreversible velocity is

.. math:: u(z) = (A_{irr} + D S^{-1})(z - m) + c, \qquad c = A_{irr} m + b_{irr}.

Per subsystem ``Y`` (its noise independent of the rest) the Horowitz–Esposito
balance :math:`\sigma_Y = \Phi_Y - l_Y` holds, with :math:`\sigma_Y \ge 0`.

A feedback force declared on odd variables (``LinearSDE(..., feedback=...)``, cold
damping) is not the bath's: the stationary rates then use the bath's irreversible drift
:math:`A_B = [(A - A_{fb}) + E (A - A_{fb}) E]/2` in place of :math:`A_{irr}`, and the
balance gains the entropy pumping rate :math:`\dot S_{pump,Y} = -\operatorname{tr}(A_{fb})_{YY}`:
:math:`\sigma_Y = \Phi_Y + \dot S_{pump,Y} - l_Y \ge 0` (Kim & Qian 2004; Munakata & Rosinberg 2014).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, NotBipartite, NotStable, SingularCovariance
from ._backend import NumOps, model_matrices, ops_for, precision_entries
from .lyapunov import MAX_PRECISE_VARIABLES, MAX_REFINED_VARIABLES, lyapunov_general, lyapunov_symbolic
from .moments import check_time, covariance, initial_covariance, initial_mean_vector, mean
from .protocols import switching_times
from . import phases
from .phases import PhaseKernels, piecewise_constant_drive
from .state import ModelCache, covariance_matrix, stationary_state
from .feedback import feedback_array
from .model import LinearSDE, VariableSpec, stability_tolerance
from .checks import check_finite_result, guarded
from ._compat import deprecated_keywords
from .closedform import (ClosedForm, CovarianceNames, apply_form, check_form, choose_form, generically_singular,
                         lyapunov_rows)

__all__ = [
    "entropy_production_rate",
    "heat_rate",
    "information_flow",
    "efficiency",
    "entropy_pumping_rate",
    "entropy_production",
    "heat",
]


def _parity_split(model: LinearSDE, ops, A, b):
    """Irreversible parts ``A_irr = (A + EAE)/2`` and ``b_irr = (b + Eb)/2``."""
    if ops is NumOps:  # E = diag(parity): E A E and E b entry by entry (the same floats as the products)
        par = np.asarray(model.parity, dtype=float)
        return (A + A * np.outer(par, par)) / 2, (b + b * par.reshape(-1, 1)) / 2
    E = sp.diag(*model.parity)
    return (A + _mm(ops, E, A, E)) / 2, (b + _mm(ops, E, b)) / 2


def _mm(ops, *Ms):
    out = Ms[0]
    for M in Ms[1:]:
        out = out @ M if ops is NumOps else out * M
    return out


def _feedback(model: LinearSDE, ops):
    """The declared feedback matrix ``A_fb`` in the backend's type, or None."""
    if model.feedback is None:
        return None
    return ops.asmat(feedback_array(model)) if ops is NumOps else sp.Matrix(model.feedback)


def _bath_split(model: LinearSDE, ops, A, b):
    """The bath's irreversible drift: the parity split of ``A - A_fb`` (of ``A`` without declared feedback)."""
    F = _feedback(model, ops)
    return _parity_split(model, ops, A if F is None else A - F, b)


def _pumping(model: LinearSDE, ops, idx) -> Any:
    r"""Entropy pumping rate of the rows ``idx``: :math:`-\operatorname{tr}(A_{fb})_{YY}` (0 without feedback)."""
    F = _feedback(model, ops)
    if F is None:
        return 0
    return -sum(F[i, i] for i in idx)


def _stationary(model: LinearSDE):
    ops = ops_for(model)
    A, b, D = model_matrices(model, ops)
    S = ops.asmat(covariance_matrix(model))  # first: a too large symbolic model is refused at once
    state = stationary_state(model)
    m = np.asarray(state.mean, dtype=float).reshape(-1, 1) if ops is NumOps else sp.Matrix(state.mean)
    A_irr, b_irr = _bath_split(model, ops, A, b)  # the parity split, less any declared feedback
    return ops, A, b, D, S, m, A_irr, b_irr


def _noise_precision(model: LinearSDE, ops, S, D, idx):
    r""":math:`\operatorname{tr}(D_{YY} (S^{-1})_{YY})`; symbolic: only the cofactors it needs, over the fraction field."""
    if ops is not NumOps:
        pairs = [(j, i) for i in idx for j in idx if D[i, j] != 0]
        P = precision_entries(sp.Matrix(S), pairs, "stationary covariance")
        if P is not None:
            return sum(D[i, j] * P[(j, i)] for i in idx for j in idx if D[i, j] != 0)
    P_YY = ops.block(stationary_state(model).precision, idx, idx)
    return ops.trace(_mm(ops, ops.block(D, idx, idx), P_YY))


def _subsystem(model: LinearSDE, Y: VariableSpec | None, D, ops, need_bipartite: bool) -> list[int]:
    n = model.dimension
    if Y is None:
        return list(range(n))
    idx = model.indices(Y)
    rest = [i for i in range(n) if i not in idx]
    if need_bipartite and rest:
        cross = ops.block(D, idx, rest)
        if not ops.is_zero(cross):
            raise NotBipartite(
                f"the noise of {[model.variables[i].name for i in idx]} is correlated with the rest of the system; "
                "subsystem quantities need independent noise (a bipartite system)"
            )
    return idx


def _check_finite_rows(model, ops, D_YY, rows_expr, idx, what):
    """Irreversible drift on variables without noise makes the quantity infinite; returns D_YY^+."""
    Dp = ops.pinv(D_YY)
    leak = _mm(ops, ops.eye(len(idx)) - _mm(ops, D_YY, Dp), rows_expr)
    if ops is NumOps:
        ok = ops.is_zero(leak, float(np.max(np.abs(rows_expr), initial=1.0)))
    else:
        ok = ops.is_zero(leak)
    if not ok:
        names = [model.variables[i].name for i in idx]
        raise ModelError(
            f"the {what} of {names} is infinite: an irreversible drift acts on a variable without noise "
            "(give it a diffusion, or mark it odd if it is a velocity-like variable)"
        )
    return Dp


def _medium_terms(model: LinearSDE, Y: VariableSpec | None, what: str, names: CovarianceNames | None = None):
    """Pieces shared by the heat rate and the partial entropy production of ``Y``.

    Returns ``(ops, idx, D, S, quad, tr_irr)`` with
    ``quad = tr(D_YY^+ F S F^T) + c_Y^T D_YY^+ c_Y`` (F the rows of A_irr for Y) and
    ``tr_irr = tr(A_irr)_YY``; with declared feedback ``A_irr`` is the bath's part. With ``names`` (symbolic models) ``S`` is the matrix of the
    named covariance entries, for a structured closed form.
    """
    ops, A, b, D, S, m, A_irr, b_irr = _stationary(model)
    if names is not None:
        S = names.matrix(list(range(model.dimension)))
    idx = _subsystem(model, Y, D, ops, need_bipartite=True)
    n = model.dimension
    F = ops.block(A_irr, idx, range(n))
    c = ops.block(_mm(ops, A_irr, m) + b_irr, idx, [0])
    rows = np.hstack([F, c]) if ops is NumOps else F.row_join(c)
    Dp = _check_finite_rows(model, ops, ops.block(D, idx, idx), rows, idx, what)
    quad = ops.trace(_mm(ops, Dp, F, S, F.T)) + _mm(ops, c.T, Dp, c)[0, 0]
    return ops, idx, D, S, quad, ops.trace(ops.block(A_irr, idx, idx))


def _structured_names(model: LinearSDE, form: str | None, need_precision: bool) -> CovarianceNames | None:
    """Covariance names when the symbolic result is to be structured, else None.

    ``form=None`` structures the quantities that need the inverse of the covariance
    (``need_precision``) when its determinant is large (:func:`choose_form`).
    """
    if model.is_numeric:
        return None
    S = covariance_matrix(model)
    chosen = choose_form(form, [sp.Matrix(S)] if need_precision else [])
    if chosen != "structured":
        return None
    if need_precision and generically_singular(S):
        raise SingularCovariance("the stationary covariance is singular; the density has no gradient")
    return CovarianceNames(model.variables, S, rows=lyapunov_rows(model.A, model.D))


def _noise_precision_trace(names: CovarianceNames, D, idx) -> Any:
    r""":math:`\operatorname{tr}(D_{YY} (\Sigma^{-1})_{YY})` by cofactors: determinants of named blocks."""
    return sum(D[i, j] * names.precision_entry(j, i) for i in idx for j in idx if D[i, j] != 0)


def _finish(ops, value, form, names=None):
    """A symbolic value in its form (a structured one through ``names``); floats pass."""
    if ops is NumOps:
        return ops.finish(value)
    if names is not None:
        return names.closed(_tidy_structured(value))
    if form == "rational":
        return apply_form(value, "rational")
    out = ops.finish(value)
    return ClosedForm(out) if form == "structured" else out


def _tidy_structured(value):
    """The top expression of a structured rate: over a common denominator unless it holds determinants."""
    return value if value.has(sp.Determinant) else sp.together(sp.expand(value))


#: Digits a float rate may lose to cancellation between its terms before it is computed again in extended precision.
_CANCEL_DIGITS = 6.0


def _needs_precise(model: LinearSDE, value: float, scale: float) -> bool:
    """Whether a float rate is to be computed again in extended precision (:func:`_precise_rate`).

    When the covariance itself was solved in extended precision or refined (an
    ill-conditioned solve), or when the rate's terms cancel to :data:`_CANCEL_DIGITS`
    digits or more (the float result would be noise: a heat rate of 1e-6 from terms of
    1e6). Models of up to :data:`~thermotheory.core.lyapunov.MAX_PRECISE_VARIABLES`
    variables use the extended-precision solve, up to
    :data:`~thermotheory.core.lyapunov.MAX_REFINED_VARIABLES` the refined one; beyond (or
    when the refinement fails) a model in detailed balance has rates exactly 0, and a rate
    that is round-off is refused (:func:`_refuse_noise`).
    """
    state = stationary_state(model)
    if not state.numeric:
        return False
    cancels = abs(value) <= 10.0 ** -_CANCEL_DIGITS * scale
    if model.dimension <= MAX_PRECISE_VARIABLES:
        return state.solved_precisely or cancels
    if model.dimension <= MAX_REFINED_VARIABLES:
        if state.solved_precisely or (cancels and state.refined_covariance() is not None):
            return True
    if _detailed_balance(model):
        return True  # every stationary rate is exactly 0 (_precise_rate)
    _refuse_noise(state.digits_lost, value, scale)
    return False


_BALANCE = ModelCache()


def _detailed_balance(model: LinearSDE) -> bool:
    r"""True for a numeric model in detailed balance: all variables even, no feedback, ``D`` positive definite
    and :math:`A D = D A^T` to within the round-off of the products, entry by entry.

    Then :math:`S = -A^{-1} D` and the stationary current vanishes: the entropy production,
    every heat rate and every information flow are exactly 0. Decided once per model.
    """
    if model.feedback is not None or any(p != 1 for p in model.parity):
        return False
    return _BALANCE.get(model, "detailed balance", lambda: _decide_detailed_balance(model))


def _decide_detailed_balance(model: LinearSDE) -> bool:
    A, _, D = model.arrays()
    A, D = np.asarray(A, dtype=float), np.asarray(D, dtype=float)
    try:
        np.linalg.cholesky(D)
    except np.linalg.LinAlgError:
        return False
    AD = A @ D
    bound = 8 * A.shape[0] * np.finfo(float).eps * (np.abs(A) @ np.abs(D))
    return bool(np.all(np.abs(AD - AD.T) <= bound + bound.T))


def _refuse_noise(solve_digits: float, value: float, scale: float) -> None:
    """Refuse a float rate of a large ill-conditioned model that has no correct digit left.

    A model too large for the extended-precision and refined paths (or whose refinement did
    not converge): when the stationary solve already lost
    :data:`~thermotheory.core.lyapunov.WARN_DIGITS_LOST` digits or more and the rate's
    terms cancel to the rest, the float result is round-off (a heat rate of 1e-6 from terms
    of 1e6 came back as 0.0 with a warning); say so instead of returning it.
    """
    from ..errors import IllConditioned
    from .lyapunov import WARN_DIGITS_LOST

    if solve_digits < WARN_DIGITS_LOST or scale == 0:
        return
    cancel = np.inf if value == 0 else max(0.0, float(np.log10(scale / abs(value))))
    if solve_digits + cancel >= 15.0:
        raise IllConditioned(
            f"the rate's terms cancel to {min(cancel, 16.0):.0f} digits on top of the {solve_digits:.0f} digits the "
            "stationary solve lost: no correct digit is left in floating point; reduce the model to the variables "
            f"that matter (models of up to {MAX_REFINED_VARIABLES} variables are evaluated in extended precision), or "
            "use the symbolic closed form and evaluate(..., dps=50)"
        )


def _precise_rate(model: LinearSDE, which: str, idx: list[int]) -> float:
    r"""A stationary rate of a numeric model in extended precision, the same formulas as the float path.

    ``which`` is ``"heat"`` (:math:`\Phi_Y`), ``"ep"`` (the total entropy production),
    ``"ep_sub"`` (the partial entropy production of ``Y``) or ``"flow"`` (:math:`l_Y`).
    The floats of the model are read as exact numbers (:class:`~thermotheory.core.lyapunov.Dyadic`),
    the covariance is the extended-precision solve (:meth:`StationaryState.precise_covariance`)
    or the refined one (:meth:`StationaryState.refined_covariance`), the products are exact,
    the mean and the precision are refined with exact residuals, and the terms are added in
    mpmath. The result is 0.0 when it is within the covariance's error or 64 ulps of its
    terms of zero (an equilibrium), else rounded once. A model in detailed balance beyond
    the extended-precision size gives 0.0 at once.
    """
    import mpmath as mp

    from ..errors import IllConditioned
    from .lyapunov import Dyadic, refined_solve

    n = model.dimension
    if n > MAX_PRECISE_VARIABLES and _detailed_balance(model):
        return 0.0
    state = stationary_state(model)
    if n <= MAX_PRECISE_VARIABLES:
        S_mp, dps, err = state.precise_covariance()
        Sx = Dyadic.of(np.array(S_mp.tolist(), dtype=object))
        S_f = np.array(Sx.to_float())
    else:
        Sx, S_f, err = state.refined_covariance()
        dps = 60
    A_f, b_f, D_f = model.arrays()
    A_f, D_f = np.asarray(A_f, dtype=float), np.asarray(D_f, dtype=float)
    b_f = np.asarray(b_f, dtype=float).reshape(-1, 1)
    fb = feedback_array(model)
    par = np.asarray(model.parity)
    even = np.outer(par, par) > 0  # (A + E A E) / 2 keeps the entries of equal parity
    Ax = Dyadic.of(A_f)
    A_bath = Ax - Dyadic.of(fb) if fb is not None else Ax
    A_irr = Dyadic(A_bath.M * even.astype(int).astype(object), A_bath.e)
    b_irr = Dyadic.of(np.where(par.reshape(-1, 1) > 0, b_f, 0.0))

    def refined(M_f, Mx, B, what):
        out = refined_solve(M_f, Mx, B)
        if out is None:
            raise IllConditioned(f"the {what} cannot be refined in floating point; the model is too ill-conditioned")
        return out[0]

    m = refined(A_f, Ax, Dyadic.of(-b_f), "stationary mean") if np.any(b_f) else Dyadic.of(np.zeros((n, 1)))
    c = (A_irr @ m + b_irr).take(idx, [0])
    F = A_irr.take(idx, range(n))
    Q = F @ Sx @ F.T + c @ c.T  # exact
    k = len(idx)
    D_YY = D_f[np.ix_(idx, idx)]
    if which in ("ep_sub", "flow"):
        X = refined(S_f, Sx, Dyadic.of(np.eye(n)[:, idx]), "stationary precision").take(idx, range(k))
    with mp.workdps(dps):
        Qm = Q.to_mpf()
        if np.count_nonzero(D_YY - np.diag(np.diag(D_YY))) == 0:
            quad = sum(Qm[i, i] / mp.mpf(float(D_YY[i, i])) for i in range(k) if D_YY[i, i] != 0)
        else:
            Dm = mp.matrix([[mp.mpf(float(v)) for v in row] for row in D_YY])
            w, V = mp.eigsy(Dm)
            top = max(abs(x) for x in w)
            Dp = V * mp.diag([1 / x if abs(x) > top * mp.mpf(10) ** (-dps // 2) else 0 for x in w]) * V.T
            quad = sum(Dp[i, j] * Qm[j, i] for i in range(k) for j in range(k))
        A_irr_m = A_irr.take(idx, idx).to_mpf()
        tr_irr = sum(A_irr_m[i, i] for i in range(k))
        if which in ("ep_sub", "flow"):
            P = X.to_mpf()
            noise = sum(mp.mpf(float(D_YY[i, j])) * P[j, i] for i in range(k) for j in range(k) if D_YY[i, j])
        if which == "heat":
            terms = [quad, tr_irr]
        elif which == "ep":
            terms = [quad, tr_irr, -sum(mp.mpf(float(fb[i, i])) for i in idx) if fb is not None else mp.mpf(0)]
        elif which == "ep_sub":
            terms = [quad, 2 * tr_irr, noise]
        else:
            terms = [-sum(mp.mpf(float(A_f[i, i])) for i in idx), -noise]
        value = sum(terms)
        scale = sum(abs(t) for t in terms)
        # the covariance's relative error err, amplified at most by the condition of the inverse for the noise part
        cond = float(np.linalg.cond(S_f)) if which in ("ep_sub", "flow") else 1.0
        tol = mp.mpf(err) * scale * 1e6 * cond
        # the model's floats carry round-off of their own (an equilibrium drift -D U computed as a product):
        # a rate within 64 eps of its terms is zero, as in the float path (_snap)
        if abs(value) <= tol or abs(value) <= 64 * np.finfo(float).eps * scale:
            return 0.0
        return float(value)


@guarded
def entropy_production_rate(model: LinearSDE, subsystem: VariableSpec | None = None, form: str | None = None) -> Any:
    r"""Stationary entropy production rate, total or of a subsystem (Horowitz–Esposito).

    .. math:: \Pi = \langle u^T D^{+} u \rangle
              = \operatorname{tr}(A_{irr}^T D^+ A_{irr} S) + c^T D^+ c
                + 2\operatorname{tr} A_{irr} + \operatorname{tr}(D S^{-1})

    (the expansion of :math:`\operatorname{tr}(M^T D^+ M S)`, :math:`M = A_{irr} + D S^{-1}`).
    For the whole system the trace of the Lyapunov equation gives
    :math:`\operatorname{tr}(D S^{-1}) = -\operatorname{tr} A_{irr}`, so the total rate is
    computed as the total heat rate, without inverting ``S``.
    With ``subsystem=Y`` only the rows of ``Y`` enter (``D`` restricted to ``Y``); this
    is the partial entropy production :math:`\sigma_Y \ge 0`, and the partial rates of
    the parts of a bipartite system add up to the total.

    With a feedback force declared on odd variables (``LinearSDE(feedback=...)``) the
    irreversible velocity is the bath's (:math:`A_{irr}` less the feedback's part) and
    the rate is :math:`\Pi = \Phi + \dot S_{pump}` in the stationary state, with the
    entropy pumping :math:`\dot S_{pump} = -\operatorname{tr} A_{fb}`
    (:func:`entropy_pumping_rate`). This is the Munakata–Rosinberg second law
    :math:`\Phi \ge -\dot S_{pump}`: a cold-damped particle takes heat from its bath
    (:math:`\Phi < 0`), never more than the pumping allows.

    Parameters
    ----------
    model : LinearSDE
    subsystem : Symbol, name or sequence, optional
        Default: the whole system.

    Returns
    -------
    sympy expression or float
        Zero exactly under detailed balance, whatever the parities.

    Raises
    ------
    NotStable
        When there is no stationary state.
    NotBipartite
        When the subsystem's noise is correlated with the rest.
    ModelError
        When an irreversible drift acts on a noiseless variable (infinite entropy production).

    Examples
    --------
    An underdamped particle in a harmonic trap at one temperature produces no entropy:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, entropy_production_rate
    >>> x, v = sp.symbols("x v", real=True)
    >>> k, g, m, T = sp.symbols("k gamma m T", positive=True)
    >>> osc = LinearSDE({x: v, v: -k * x / m - g * v / m}, {v: g * T / m**2}, parity={v: -1})
    >>> entropy_production_rate(osc)
    0
    """
    form = check_form(form)
    names = _structured_names(model, form, need_precision=subsystem is not None)
    ops, idx, D, S, quad, tr_irr = _medium_terms(model, subsystem, "entropy production", names)
    if subsystem is None:
        # stationary: tr(D S^-1) = -tr A (trace of the Lyapunov equation), so the total rate is
        # the total entropy flow into the medium plus the pumping tr A_irr - tr A = -tr A_fb,
        # and needs no inverse of S
        value = quad + tr_irr + _pumping(model, ops, idx)
        if ops is NumOps and _needs_precise(model, float(value), abs(quad) + abs(tr_irr)):
            return _precise_rate(model, "ep", idx)
        return _finish(ops, value, form, names)
    if names is not None:
        return _finish(ops, quad + 2 * tr_irr + _noise_precision_trace(names, D, idx), form, names)
    noise = _noise_precision(model, ops, S, D, idx)
    val = quad + 2 * tr_irr + noise
    if ops is NumOps and _needs_precise(model, float(val), abs(quad) + 2 * abs(tr_irr) + abs(noise)):
        return _precise_rate(model, "ep_sub", idx)
    return _finish(ops, val, form)


@deprecated_keywords("heat_rate")
@guarded
def heat_rate(model: LinearSDE, subsystem: VariableSpec, form: str | None = None) -> Any:
    r"""Stationary heat rate of a subsystem ``Y``: entropy flow into the medium caused by Y's dynamics.

    .. math:: \Phi_Y = \operatorname{tr}\!\left[D_{YY}^{+}\,(A_{irr} S A_{irr}^T + c c^T)_{YY}\right]
              + \operatorname{tr}(A_{irr})_{YY}

    (Stratonovich average of :math:`D_{YY}^{-1} f^{irr}_Y \circ (\dot z_Y - f^{rev}_Y)`.) For a
    variable at temperature ``T`` this is its heat flow divided by ``T``.

    With a feedback force declared on odd variables (``LinearSDE(feedback=...)``),
    :math:`f^{irr}` is the bath's friction only and the feedback joins :math:`f^{rev}`:
    the heat counts the work of the bath's friction and noise (Sekimoto). A particle
    cold-damped at gain :math:`\gamma'` (``m = T = 1``) gives
    :math:`\Phi = -\gamma\gamma'/(\gamma + \gamma')`: it takes heat from its bath, and the
    second law reads :math:`\Phi \ge -\dot S_{pump}` (:func:`entropy_production_rate`).

    Parameters
    ----------
    model : LinearSDE
    subsystem : Symbol, name or sequence
        The variables ``Y`` (their noise independent of the rest's). The old keyword
        ``Y=`` is deprecated.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result.

    Examples
    --------
    A sensor ``r`` filtering an OU signal ``v`` dissipates; the signal alone does not:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, heat_rate
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> round(heat_rate(m, r), 12), round(heat_rate(m, v), 12)
    (0.5, 0.0)
    """
    form = check_form(form)
    names = _structured_names(model, form, need_precision=False)
    ops, idx, D, S, quad, tr_irr = _medium_terms(model, subsystem, "heat rate", names)
    if ops is NumOps and _needs_precise(model, float(quad + tr_irr), abs(quad) + abs(tr_irr)):
        return _precise_rate(model, "heat", idx)
    return _snap(model, ops, quad + tr_irr, abs(quad) + abs(tr_irr) if ops is NumOps else None, form, names)


def _snap(model, ops, value, scale, form=None, names=None):
    """The finished value; a float within round-off of its terms' ``scale`` is exactly 0.0.

    The round-off scale is ``64 eps`` times the condition number of the stationary state
    (``10**digits_lost``), so a heat rate or a flow that vanishes at equilibrium is 0.0
    and not a few units of the last place with either sign.
    """
    if ops is NumOps:
        value = float(value)
        kappa = 10.0 ** stationary_state(model).digits_lost
        return 0.0 if abs(value) <= 64 * np.finfo(float).eps * kappa * scale else value
    return _finish(ops, value, form, names)


@deprecated_keywords("information_flow")
@guarded
def information_flow(model: LinearSDE, subsystem: VariableSpec, form: str | None = None) -> Any:
    r"""Stationary information flow into a subsystem ``Y`` (its learning rate), in nats per unit time.

    The rate at which the dynamics of ``Y`` alone increase :math:`I(X;Y)`, ``X`` the rest:

    .. math:: l_Y = \int J_Y \cdot \nabla_Y \ln p(x \mid y)\, dz
              = -\operatorname{tr} A_{YY} - \operatorname{tr}\left[(D S^{-1})_{YY}\right]

    with :math:`J` the stationary probability current (the terms in :math:`S_{YY}^{-1}`
    cancel by the ``YY`` block of the Lyapunov equation). Positive when ``Y`` senses
    ``X``; in the stationary state :math:`l_X + l_Y = 0` and :math:`l_Y \le \Phi_Y`
    (second law for ``Y``). A declared feedback force does not change the flow (it is a
    property of the dynamics), but it changes the bound to
    :math:`l_Y \le \Phi_Y + \dot S_{pump,Y}` (Munakata–Rosinberg).

    Parameters
    ----------
    model : LinearSDE
    subsystem : Symbol, name or sequence
        The variables ``Y`` (their noise independent of the rest's), fewer than all. The
        old keyword ``into=`` is deprecated.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result.

    Raises
    ------
    NotBipartite
        When the noise of ``Y`` is correlated with the rest's: the current then does not
        split into a part of ``Y`` and a part of the rest, and the flow is not defined
        (as for :func:`heat_rate`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, information_flow
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> round(information_flow(m, r), 12)
    0.2
    """
    form = check_form(form)
    ops, A, b, D, S, m, A_irr, b_irr = _stationary(model)
    n = model.dimension
    idx = _subsystem(model, subsystem, D, ops, need_bipartite=True)
    if len(idx) == n:
        raise ModelError("information flow needs a subsystem smaller than the whole system")
    names = _structured_names(model, form, need_precision=True)
    if names is not None:
        drift_part = -sum(A[i, i] for i in idx)
        return _finish(ops, drift_part - _noise_precision_trace(names, D, idx), form, names)
    # bipartite noise (D_YX = 0): only the YY block of the precision enters; symbolically
    # just the cofactors it needs are computed (over the fraction field)
    drift_part = -ops.trace(ops.block(A, idx, idx))
    noise_part = _noise_precision(model, ops, S, D, idx)
    if ops is NumOps and _needs_precise(model, float(drift_part - noise_part), abs(drift_part) + abs(noise_part)):
        return _precise_rate(model, "flow", idx)
    return _snap(model, ops, drift_part - noise_part, abs(drift_part) + abs(noise_part) if ops is NumOps else None,
                 form)


@deprecated_keywords("efficiency")
@guarded
def efficiency(model: LinearSDE, subsystem: VariableSpec, form: str | None = None) -> Any:
    r"""Sensing (learning) efficiency :math:`\eta_Y = l_Y / \Phi_Y`, bounded by 1 by the second law.

    The second law for ``Y`` reads :math:`l_Y \le \Phi_Y`; for a subsystem that
    dissipates (:math:`\Phi_Y > 0`) this bounds the efficiency by 1. For a subsystem that
    takes entropy from its bath (:math:`\Phi_Y < 0`, the hot one of two coupled
    particles) it reads :math:`l_Y \le \Phi_Y < 0`, and the ratio is then at least 1.

    With a feedback force declared on ``Y`` the second law is the Munakata–Rosinberg one,
    :math:`l_Y \le \Phi_Y + \dot S_{pump,Y}`, and the efficiency is
    :math:`l_Y / (\Phi_Y + \dot S_{pump,Y})` (the same ratio without feedback).

    Parameters
    ----------
    model : LinearSDE
    subsystem : Symbol, name or sequence
        The variables ``Y`` (their noise independent of the rest's). The old keyword
        ``Y=`` is deprecated.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result.

    Raises
    ------
    ModelError
        When the heat rate of ``Y`` (plus its entropy pumping) is zero (no dissipation:
        the ratio is undefined).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, efficiency
    >>> v, r = sp.symbols("v r", real=True)
    >>> round(efficiency(LinearSDE({v: -v, r: v - r}, {v: 1, r: 1}), r), 12)
    0.4
    """
    form = check_form(form)
    structured = _structured_names(model, form, need_precision=True) is not None
    inner = "structured" if structured else None
    pump = entropy_pumping_rate(model, subsystem) if model.feedback is not None else 0
    heat = heat_rate(model, subsystem, form=inner)
    if pump != 0:  # the Munakata-Rosinberg bound l_Y <= Phi_Y + pumping
        heat = heat + pump
    flow = information_flow(model, subsystem, form=inner)
    # a structured heat rate is written in named covariance entries: its zero is decided on the quotient
    if (sp.cancel(heat_rate(model, subsystem, form="factored") + pump) if isinstance(heat, ClosedForm) else heat) == 0:
        # numeric heat rates within round-off of zero are exactly 0.0 (see heat_rate)
        raise ModelError(f"the heat rate of {subsystem} is zero (no dissipation, as at equilibrium), so its efficiency "
                         "is undefined")
    if model.is_numeric:
        return float(flow / heat)
    if structured:
        return flow / heat
    return _finish(ops_for(model), flow / heat, form)


@guarded
def entropy_pumping_rate(model: LinearSDE, subsystem: VariableSpec | None = None) -> Any:
    r"""Entropy pumping rate of a declared feedback force (Kim & Qian 2004; Munakata & Rosinberg 2014).

    .. math:: \dot S_{pump,Y} = -\operatorname{tr}(A_{fb})_{YY}
              = -\sum_{i \in Y} \langle \partial_{z_i} f^{fb}_i \rangle

    The entropy that a velocity-dependent feedback force removes from the system by
    contracting its phase space: :math:`\gamma'/m` for cold damping
    :math:`F_{fb} = -\gamma' v`. It closes the stationary balance
    :math:`\sigma_Y = \Phi_Y + \dot S_{pump,Y} - l_Y \ge 0`; for the whole system the
    Munakata–Rosinberg second law :math:`\Phi \ge -\dot S_{pump}`. Zero without a
    declared feedback (``LinearSDE(feedback=...)``). For a linear feedback it is a
    constant of the model: it needs no stationary state.

    Parameters
    ----------
    model : LinearSDE
    subsystem : Symbol, name or sequence, optional
        Default: the whole system.

    Returns
    -------
    sympy expression or float

    Examples
    --------
    A particle (``m = 1``) cold-damped at gain ``gamma_p``:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> v = sp.Symbol("v", real=True)
    >>> g, gp = sp.symbols("gamma gamma_p", positive=True)
    >>> cold = LinearSDE({v: -(g + gp) * v}, {v: g}, parity={v: -1}, feedback={v: -gp * v})
    >>> entropy_pumping_rate(cold)
    gamma_p
    """
    ops = ops_for(model)
    idx = list(range(model.dimension)) if subsystem is None else model.indices(subsystem)
    value = _pumping(model, ops, idx)
    return float(value) if ops is NumOps else sp.sympify(value)


@guarded
def heat(model: LinearSDE, t: Any, initial: Any, initial_mean: Any = None,
         subsystem: VariableSpec | None = None, form: str | None = None) -> Any:
    r"""Heat released into the medium over ``[0, t]`` from an initial Gaussian state, as entropy (Q/T).

    .. math:: Q_Y(t) = \int_0^t \left\{\operatorname{tr}\left[D_{YY}^+
              \langle f^{irr}_Y f^{irr\,T}_Y\rangle_s\right] + \operatorname{tr}(A_{irr})_{YY}\right\} ds,
              \qquad f^{irr} = A_{irr} z + b_{irr}(s)

    (the time integral of the heat rate of ``Y`` while the state relaxes or is driven).
    For a variable at temperature ``T`` the heat in energy units is ``T`` times this.

    Parameters
    ----------
    model : LinearSDE
        With a constant drift, or a protocol ``b(t)`` (``LinearSDE(time=...)``).
    t : float or sympy expression
        Duration, ``t >= 0``.
    initial : (n, n) matrix or mapping variable -> variance
        Initial covariance.
    initial_mean : vector or mapping, optional
        Initial mean; default zero.
    subsystem : Symbol, name or sequence, optional
        Heat of these variables only (their noise must be independent of the rest).
        Default: all variables.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result (:func:`~thermotheory.core.closedform.apply_form`: the
        transient heat has no named intermediates, so ``"structured"`` wraps the expression).

    Returns
    -------
    sympy expression or float

    Notes
    -----
    A protocol on the drift matrix or the diffusion (``A(t)``, ``D(t)``, a bath whose
    temperature changes: ``T(s)`` is read from ``D(s)``) is integrated by
    :mod:`thermotheory.core.driven`, phase by phase for a piecewise-constant protocol.
    Constant drift: closed forms, since :math:`\int_0^t S\,ds` solves
    :math:`A X + X A^T = S(t) - S(0) - 2Dt` (and likewise for the mean); this needs a
    stable drift for a numeric model. A protocol: the mean term is integrated by sympy
    (symbolic) or, with the moments, by an adaptive ODE solve (DOP853, relative
    tolerance 1e-11) split at the protocol's switching times (numeric).

    Examples
    --------
    An overdamped particle (``k = gamma = T = 1``) in a trap dragged at speed ``u = 1``
    from equilibrium: the heat is the work ``t - 1 + e^{-t}`` less the energy stored in
    the lag, ``(1 - e^{-t})^2 / 2``.

    >>> import numpy as np, sympy as sp
    >>> from thermotheory import LinearSDE, heat
    >>> x, s = sp.symbols("x s", real=True)
    >>> trap = LinearSDE({x: -(x - s)}, {x: 1}, time=s)
    >>> round(heat(trap, 10.0, [[1.0]]), 6)  # = t - 3/2 + 2 exp(-t) - exp(-2t)/2
    8.500091
    """
    form = check_form(form)
    if model.is_modulated or piecewise_constant_drive(model, t):  # A(t), D(t) or steps of b(t): phase by phase
        if model.feedback is not None:
            raise ModelError("heat: a declared feedback force together with a protocol on A(t) or D(t) is not "
                             "supported yet")
        kernels = PhaseKernels(covariance, mean, heat)  # a phase is solved with the constant-model closed forms
        return apply_form(phases.heat(model, t, initial, initial_mean, subsystem, kernels), form)
    ops = ops_for(model)
    A, _, D = model_matrices(model, ops, need_b=False)
    n = model.dimension
    t = check_time(t, ops)
    idx = _subsystem(model, subsystem, D, ops, need_bipartite=True)
    S0 = ops.asmat(initial_covariance(model, initial, ops))
    m0 = initial_mean_vector(model, initial_mean, ops)
    m0 = np.asarray(m0, float).reshape(-1, 1) if ops is NumOps else sp.Matrix(m0)
    E = ops.asmat(np.diag(model.parity).astype(float)) if ops is NumOps else sp.diag(*model.parity)
    fb = _feedback(model, ops)
    A_bath = A if fb is None else A - fb  # a declared feedback force is not the bath's friction
    A_irr = (A_bath + _mm(ops, E, A_bath, E)) / 2
    F = ops.block(A_irr, idx, range(n))
    driven = not model.is_autonomous
    if driven:
        keep = np.array([(1 + p) / 2 for p in model.parity])[idx]
        b_rows = sp.Matrix([model.b[i] * int(keep[k]) for k, i in enumerate(idx)])  # b_irr on Y's rows
        rows = F.row_join(b_rows) if ops is not NumOps else ops.asmat(np.hstack([F, np.zeros((len(idx), 1))]))
    else:
        _, b, _ = model_matrices(model, ops)
        _, b_irr = _parity_split(model, ops, A, b)
        b_Y = ops.block(b_irr, idx, [0])
        rows = ops.asmat(np.hstack([F, b_Y])) if ops is NumOps else F.row_join(b_Y)
    Dp = _check_finite_rows(model, ops, ops.block(D, idx, idx), rows, idx, "heat")
    if driven and ops is NumOps:
        E_Y = np.array([(1 + model.parity[i]) / 2 for i in idx])
        return _heat_by_ode(model, A, D, F, Dp, E_Y, idx, t, S0, m0.reshape(-1))
    if ops is NumOps:
        if t == 0:
            return 0.0
        _require_lyapunov_solvable(A)
    St = ops.asmat(covariance(model, t, S0))
    check_finite_result("heat: the covariance at time t", St)

    def lyap(R):  # solve A X + X A^T = R
        if ops is NumOps:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)  # scipy perturbs a singular problem and warns
                try:
                    return lyapunov_general(A, -R)
                except RuntimeWarning as exc:
                    raise NotStable(f"the heat over a time cannot be integrated for this drift ({exc})") from None
        return lyapunov_symbolic(A, -R)

    from ..errors import TooLarge
    from .moments import covariance_integral

    try:
        X = lyap(St - S0 - 2 * D * t)  # int_0^t S ds
    except TooLarge:
        if ops is NumOps:
            raise
        X = covariance_integral(model, t, S0)  # term by term: no Lyapunov solve with exp(mu t) entries
    flow = ops.trace(_mm(ops, Dp, F, X, F.T)) + t * ops.trace(ops.block(A_irr, idx, idx))
    if driven:
        s_ = sp.Dummy("s", real=True, nonnegative=True)
        ms = sp.Matrix(mean(model, s_, m0))
        c = F * ms + b_rows.xreplace({model.time: s_})
        # Heaviside steps as Piecewise: sympy integrates piecewise polynomials and exponentials
        # exactly, but leaves products of Heaviside functions as unevaluated integrals
        integrand = sp.piecewise_fold(sp.expand((c.T * Dp * c)[0, 0]).rewrite(sp.Piecewise))
        flow += sp.integrate(integrand, (s_, 0, t))
    elif not (ops.is_zero(b) and ops.is_zero(m0)) if ops is NumOps else not (b.is_zero_matrix and m0.is_zero_matrix):
        mt = mean(model, t, m0.reshape(-1) if ops is NumOps else m0)
        mt = np.asarray(mt, float).reshape(-1, 1) if ops is NumOps else sp.Matrix(mt)
        Mi = np.linalg.solve(A, mt - m0 - b * t) if ops is NumOps else A.LUsolve(mt - m0 - b * t)  # int m ds
        try:
            Y = lyap(_mm(ops, mt, mt.T) - _mm(ops, m0, m0.T) - _mm(ops, b, Mi.T) - _mm(ops, Mi, b.T))  # int m m^T ds
        except TooLarge:
            if ops is NumOps:
                raise
            Y = _mean_square_integral(model, t, m0)  # entry by entry: sums of exponentials integrate at once
        flow += ops.trace(
            _mm(ops, Dp, _mm(ops, F, Y, F.T) + _mm(ops, F, Mi, b_Y.T) + _mm(ops, b_Y, Mi.T, F.T) + t * _mm(ops, b_Y, b_Y.T))
        )
    return apply_form(ops.finish(flow), form)


def _mean_square_integral(model: LinearSDE, t: Any, m0: Any) -> sp.Matrix:
    r""":math:`\int_0^t m(s) m(s)^T ds` of an autonomous symbolic model, entry by entry.

    The fallback when the Lyapunov route's right-hand side (products of exponentials) is too
    large to solve exactly: each entry of :math:`m m^T` is a short sum of exponentials in
    ``s``, which sympy integrates term by term.
    """
    s_ = sp.Dummy("s", real=True, nonnegative=True)
    ms = sp.Matrix(mean(model, s_, m0))
    return (ms * ms.T).applyfunc(lambda e: sp.integrate(sp.expand(e), (s_, 0, t)))


def _require_lyapunov_solvable(A: np.ndarray) -> None:
    """Refuse a drift with two eigenvalues summing to zero: ``A X + X A^T = R`` then has no unique solution."""
    ev = np.linalg.eigvals(A)
    pair = ev[:, None] + ev[None, :]
    k = np.unravel_index(np.argmin(np.abs(pair)), pair.shape)
    if abs(pair[k]) <= stability_tolerance(A):
        raise NotStable(
            f"the heat over a time needs a drift with no two eigenvalues summing to zero, but {complex(ev[k[0]]):.6g} "
            f"and {complex(ev[k[1]]):.6g} do (a conserved or marginal mode); the closed form integrates the "
            "moments through A X + X A^T = R, which is singular here"
        )


def _heat_by_ode(model, A, D, F, Dp, E_Y, idx, t, S0, m0) -> float:
    """Heat of the rows ``idx`` under a numeric protocol: moments and heat integrated together."""
    from scipy.integrate import solve_ivp

    n = model.dimension
    tr_irr = float(np.trace(F[:, idx]))

    def rhs(s, y):
        m = y[:n]
        S = y[n:n + n * n].reshape(n, n)
        b = model.drive([s])[0]
        c = F @ m + E_Y * b[idx]
        dq = np.trace(Dp @ F @ S @ F.T) + c @ Dp @ c + tr_irr
        return np.concatenate([A @ m + b, (A @ S + S @ A.T + 2 * D).ravel(), [dq]])

    y = np.concatenate([m0, np.asarray(S0, float).ravel(), [0.0]])
    edges = [0.0] + [x for x in switching_times(model, t)] + [t]
    for lo, hi in zip(edges[:-1], edges[1:]):
        if hi > lo:
            sol = solve_ivp(rhs, (lo, hi), y, method="DOP853", rtol=1e-11, atol=1e-12)
            if not sol.success:
                raise ModelError(f"the heat integration failed: {sol.message}")
            y = sol.y[:, -1]
    return float(y[-1])


@guarded
def entropy_production(model: LinearSDE, t: Any, initial: Any, initial_mean: Any = None,
                       form: str | None = None) -> Any:
    r"""Total entropy produced over ``[0, t]`` from an initial Gaussian state.

    .. math:: \Delta S_{tot} = H(z_t) - H(z_0) + \int_0^t \Phi(s)\, ds

    with :math:`\Phi(s) = \operatorname{tr}[D^+ \langle f_{irr} f_{irr}^T\rangle_s] + \operatorname{tr} A_{irr}`
    the total entropy flow into the medium (:func:`heat` of all variables). For
    relaxation to equilibrium the total over :math:`[0, \infty)` is the
    Kullback–Leibler divergence of the initial state from equilibrium. A protocol
    ``b(t)`` (``LinearSDE(time=...)``) adds the mean-flow term; a trap dragged at speed
    ``u`` produces entropy at the long-time rate ``gamma u^2 / T``.

    Parameters
    ----------
    model : LinearSDE
    t : float or sympy expression
    initial : (n, n) matrix or mapping variable -> variance
        Initial covariance (must be non-singular).
    initial_mean : vector or mapping, optional
        Initial mean; default zero.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result, as for :func:`heat`.

    Examples
    --------
    A free particle's velocity relaxing from variance 2 to its equilibrium variance 1:

    >>> import numpy as np
    >>> from thermotheory import LinearSDE, entropy_production
    >>> m = LinearSDE.from_matrices([[-1.0]], [1.0])
    >>> round(entropy_production(m, 40.0, [[2.0]]), 6)  # = KL(N(0,2) || N(0,1))
    0.153426
    """
    form = check_form(form)
    ops = ops_for(model)
    t = check_time(t, ops)  # the pumping term multiplies t itself
    flow = heat(model, t, initial, initial_mean)
    St = ops.asmat(covariance(model, t, initial))
    S0 = ops.asmat(initial_covariance(model, initial, ops))
    dH = (ops.logdet(St, "covariance at time t") - ops.logdet(S0, "initial covariance")) / 2
    pumped = _pumping(model, ops, range(model.dimension)) * t  # entropy pumping of a declared feedback force
    return apply_form(ops.finish(dH + flow + pumped), form)
