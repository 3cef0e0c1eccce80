r"""Entropy and information of Gaussian states, stationary or at a time ``t``.

In nats. For a Gaussian marginal of ``k`` variables with covariance :math:`S_{XX}`:
:math:`H(X) = \tfrac12 \ln\left((2\pi e)^k \det S_{XX}\right)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, SingularCovariance
from . import budget
from ._backend import NumOps, _fraction_free_det, det_ratio, ops_for
from .moments import covariance
from .state import covariance_matrix
from .model import LinearSDE, VariableSpec
from .checks import check_finite_array, check_square_array, guarded
from .closedform import (ClosedForm, CovarianceNames, check_form, choose_form, generically_singular,
                         stability_requirement, lyapunov_rows)

__all__ = ["entropy", "mutual_information", "conditional_mutual_information", "kl_divergence", "state_covariance"]


def state_covariance(model: LinearSDE, t: Any = None, initial: Any = None) -> Any:
    """Covariance of the state: stationary when ``t`` is None, else transient from ``initial``."""
    if t is None:
        if initial is not None:
            raise ModelError("initial= is given without t=; pass the time of the transient state")
        return covariance_matrix(model)
    return covariance(model, t, initial)


def _disjoint(model: LinearSDE, *specs: VariableSpec) -> list[list[int]]:
    groups = [model.indices(s) for s in specs]
    seen: set[int] = set()
    for g in groups:
        if seen & set(g):
            names = sorted(model.variables[i].name for i in seen & set(g))
            raise ModelError(f"the variable sets must be disjoint but share {names}")
        seen |= set(g)
    return groups


def _covariance_or_recurrence(model: LinearSDE, t: Any, initial: Any, form: str | None, groups) -> Any:
    """The covariance; for ``form="structured"`` of a stationary symbolic state whose whole covariance is
    refused as too large, names for only the entries of ``groups`` by their recurrence
    (:func:`~thermotheory.core.lyapunov.lyapunov_recurrence`)."""
    from ..errors import TooLarge

    try:
        return state_covariance(model, t, initial)
    except TooLarge:
        if form != "structured" or t is not None or ops_for(model) is NumOps:
            raise
    from ._backend import model_matrices
    from .lyapunov import lyapunov_recurrence

    A, _, D = model_matrices(model, ops_for(model), need_b=False)
    idx = sorted({i for g in groups for i in g})
    entries, placeholders = lyapunov_recurrence(sp.Matrix(A), 2 * sp.Matrix(D),
                                                [(i, j) for i in idx for j in idx if i <= j])
    return CovarianceNames.from_recurrence(model.variables, entries, placeholders,
                                           hurwitz=stability_requirement(model))


def _logdet(ops, S, idx, what):
    if not idx:
        return 0
    return ops.logdet(ops.block(S, idx, idx), what)


def _names(model: LinearSDE, S: Any, t: Any) -> CovarianceNames:
    """Names for the covariance entries: :math:`\\Sigma` stationary, :math:`\\Sigma^{(t)}` at a time ``t``."""
    if t is None:  # a model of undecided stability: the form carries its drift matrix, checked at evaluation
        return CovarianceNames(model.variables, S, hurwitz=stability_requirement(model),
                               rows=lyapunov_rows(model.A, model.D))
    return CovarianceNames(model.variables, S, label="Sigma(t)", latex_label=r"\Sigma^{(t)}")


@guarded
def entropy(model: LinearSDE, X: VariableSpec, t: Any = None, initial: Any = None, form: str | None = None) -> Any:
    r"""Differential entropy of the marginal of ``X``, in nats.

    .. math:: H(X) = \frac12 \ln\left((2\pi e)^k \det S_{XX}\right)

    Parameters
    ----------
    model : LinearSDE
    X : Symbol, name, or sequence of them
    t, initial : optional
        Time and initial covariance for the transient state; stationary by default.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result (see :mod:`thermotheory.core.closedform`); ignored
        for numeric models.

    Returns
    -------
    sympy expression, ClosedForm or float

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, entropy
    >>> x = sp.Symbol("x", real=True)
    >>> tau, D = sp.symbols("tau D", positive=True)
    >>> entropy(LinearSDE({x: -x / tau}, {x: D}), x)
    (log(2*pi*D*tau) + 1)/2
    """
    form = check_form(form)
    ops = ops_for(model)
    (idx,) = _disjoint(model, X)
    S = state_covariance(model, t, initial)
    k = len(idx)
    if ops is NumOps:
        return float(0.5 * (k * np.log(2 * np.pi * np.e) + _logdet(ops, S, idx, f"covariance of {X}")))
    block = ops.block(sp.Matrix(S), idx, idx)
    chosen = choose_form(form, [block])
    if chosen == "structured":
        names = _names(model, S, t)
        if (block[0, 0] == 0) if block.rows == 1 else generically_singular(block):
            raise SingularCovariance(f"the covariance of {X} is singular")
        return names.closed(sp.log((2 * sp.pi) ** k * names.det(sorted(idx))) / 2 + sp.Rational(k, 2))
    det = _symbolic_det(block, f"covariance of {X}")
    det = budget.factor(det) if chosen == "factored" else sp.cancel(det)
    if det == 0:
        raise SingularCovariance(f"the covariance of {X} is singular")
    return sp.log((2 * sp.pi) ** k * det) / 2 + sp.Rational(k, 2)


def _symbolic_det(M, what):
    """A symbolic determinant within the budget, by fraction-free elimination."""
    budget.check_expansion(M, f"the determinant of the covariance of {what}")
    return _fraction_free_det(M)


def _info_from_dets(ops, S, groups_plus, groups_minus, what, form=None, model=None, t=None):
    """``1/2 (sum logdet(plus) - sum logdet(minus))``, one log of a ratio when symbolic.

    ``form`` (checked) picks the symbolic shape: a structured :class:`ClosedForm` in the
    determinants of named covariance blocks, one cancelled quotient, or its factored form.
    """
    if ops is NumOps:
        val = sum(_logdet(ops, S, g, what) for g in groups_plus) - sum(_logdet(ops, S, g, what) for g in groups_minus)
        return float(0.5 * val)
    if isinstance(S, CovarianceNames):  # only the entries needed, by their recurrence
        return _structured_info(model, S, groups_plus, groups_minus, what, t)
    Sm = sp.Matrix(S)
    chosen = choose_form(form, [Sm.extract(g, g) for g in groups_plus + groups_minus if g])
    if chosen == "structured":
        return _structured_info(model, Sm, groups_plus, groups_minus, what, t)
    exact = det_ratio(Sm, groups_plus, groups_minus, what)
    if exact is not None:
        ratio, singular = exact
    else:  # entries with roots or exponentials of the parameters: fraction-free on expressions
        num = sp.Integer(1)
        den = sp.Integer(1)
        for g in groups_plus:
            num *= _symbolic_det(Sm.extract(g, g), what) if g else 1
        for g in groups_minus:
            den *= _symbolic_det(Sm.extract(g, g), what) if g else 1
        ratio = sp.cancel(num / den)
        singular = ratio == 0 or sp.cancel(den) == 0
    if singular:
        raise SingularCovariance(f"the covariance of {what} is singular")
    if chosen == "factored":
        ratio = budget.factor(ratio)
    return sp.log(ratio) / 2


def _structured_info(model, S, groups_plus, groups_minus, what, t) -> ClosedForm:
    r"""``1/2 ln(prod det Sigma_plus / prod det Sigma_minus)`` over named covariance blocks.

    A block whose covariance is singular (a zero variance, perfectly correlated noise) is
    refused: exactly for 1x1 blocks, at random points for larger ones
    (:func:`~thermotheory.core.closedform.generically_singular`), with no determinant formed.
    """
    names = S if isinstance(S, CovarianceNames) else _names(model, S, t)
    num, den = sp.Integer(1), sp.Integer(1)
    for g in groups_plus:
        num *= names.det(sorted(g))
    for g in groups_minus:
        den *= names.det(sorted(g))
    for g in groups_plus + groups_minus:
        if g and names.singular(sorted(g)):
            raise SingularCovariance(f"the covariance of {what} is singular")
    return names.closed(sp.log(num / den) / 2)


@guarded
def mutual_information(
    model: LinearSDE, X: VariableSpec, Y: VariableSpec, t: Any = None, initial: Any = None, form: str | None = None
) -> Any:
    r"""Mutual information between ``X`` and ``Y``, in nats.

    .. math:: I(X;Y) = \frac12 \ln\frac{\det S_{XX}\, \det S_{YY}}{\det S_{XY,XY}}

    Parameters
    ----------
    model : LinearSDE
    X, Y : Symbol, name, or sequence of them (disjoint)
    t, initial : optional
        Time and initial covariance for the transient state; stationary by default.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result: ``"structured"`` gives :math:`\frac12\ln(\det\Sigma_{X}
        \det\Sigma_{Y}/\det\Sigma_{XY})` with the covariance entries as named definitions
        (a :class:`~thermotheory.core.closedform.ClosedForm`), ``"rational"`` the log of
        one cancelled quotient, ``"factored"`` that quotient factored. ``None`` picks
        ``"factored"`` for small results and ``"structured"`` for large ones. Ignored for
        numeric models.

    Returns
    -------
    sympy expression, ClosedForm or float

    Examples
    --------
    A sensor ``r`` low-pass filtering an OU signal ``v``:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, mutual_information
    >>> v, r = sp.symbols("v r", real=True)
    >>> tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
    >>> m = LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
    >>> mutual_information(m, v, r)
    log(D_v*lambda**2*tau**3/(tau_r*(D_r*(tau + tau_r)**2 + D_v*lambda**2*tau**2)) + 1)/2
    """
    form = check_form(form)
    ops = ops_for(model)
    gx, gy = _disjoint(model, X, Y)
    S = _covariance_or_recurrence(model, t, initial, form, [gx + gy])
    return _info_from_dets(ops, S, [gx, gy], [gx + gy], f"{X}, {Y}", form, model, t)


@guarded
def conditional_mutual_information(
    model: LinearSDE, X: VariableSpec, Y: VariableSpec, Z: VariableSpec, t: Any = None, initial: Any = None,
    form: str | None = None,
) -> Any:
    r"""Conditional mutual information :math:`I(X;Y \mid Z)`, in nats.

    .. math:: I(X;Y|Z) = \frac12 \ln\frac{\det S_{XZ}\, \det S_{YZ}}{\det S_{Z}\, \det S_{XYZ}}

    ``form`` as for :func:`mutual_information`.

    Examples
    --------
    In a chain ``v -> x -> w`` the synapse ``w`` integrates the past of ``x``, so it
    still tells a little about ``v`` beyond the present ``x``:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE, conditional_mutual_information
    >>> v, x, w = sp.symbols("v x w", real=True)
    >>> m = LinearSDE({v: -v, x: v - x, w: x - w}, {v: 1, x: 1, w: 1})
    >>> round(conditional_mutual_information(m, v, w, x), 6)
    0.000764
    """
    form = check_form(form)
    ops = ops_for(model)
    gx, gy, gz = _disjoint(model, X, Y, Z)
    S = _covariance_or_recurrence(model, t, initial, form, [gx + gy + gz])
    return _info_from_dets(ops, S, [gx + gz, gy + gz], [gz, gx + gy + gz], f"{X}, {Y} given {Z}", form, model, t)


@guarded
def kl_divergence(mean_p: Any, cov_p: Any, mean_q: Any, cov_q: Any) -> Any:
    r"""Kullback–Leibler divergence :math:`D(p \| q)` of two Gaussians, in nats.

    .. math:: \frac12\left[\operatorname{tr}(S_q^{-1} S_p) + \Delta^T S_q^{-1} \Delta - k
              + \ln\frac{\det S_q}{\det S_p}\right],\quad \Delta = m_q - m_p

    Examples
    --------
    >>> import numpy as np
    >>> from thermotheory.core.gaussian import kl_divergence
    >>> round(kl_divergence(np.zeros(1), np.eye(1) * 2.0, np.zeros(1), np.eye(1)), 6)
    0.153426
    """
    symbolic = any(isinstance(x, sp.MatrixBase) for x in (cov_p, cov_q))
    if symbolic:
        try:
            Sp, Sq = sp.Matrix(cov_p), sp.Matrix(cov_q)
            d = sp.Matrix(mean_q) - sp.Matrix(mean_p)
        except (TypeError, ValueError, sp.SympifyError, sp.ShapeError) as exc:
            raise ModelError(f"kl_divergence: expected two means of k entries and two (k, k) covariances ({exc})") \
                from None
        k = Sp.shape[0]
        if Sp.shape != (k, k) or Sq.shape != (k, k) or d.shape != (k, 1):
            raise ModelError(f"kl_divergence: expected two means of k entries and two (k, k) covariances but found "
                             f"covariances of shapes {Sp.shape} and {Sq.shape} and means of {d.shape[0]} entries")
        if Sq.det() == 0 or Sp.det() == 0:
            raise SingularCovariance("kl_divergence needs non-singular covariances")
        Sqi = Sq.inv()
        val = (Sqi * Sp).trace() + (d.T * Sqi * d)[0, 0] - k + sp.log(sp.cancel(Sq.det() / Sp.det()))
        return sp.simplify(val / 2)
    Sp = check_square_array("cov_p", cov_p)
    k = Sp.shape[0]
    Sq = check_square_array("cov_q", cov_q, k)
    mp, mq = check_finite_array("mean_p", mean_p).reshape(-1), check_finite_array("mean_q", mean_q).reshape(-1)
    if mp.shape != (k,) or mq.shape != (k,):
        raise ModelError(f"kl_divergence: expected means of {k} entries (the covariances are {k}x{k}) but found "
                         f"{mp.size} and {mq.size}")
    d = mq - mp
    sq, lq = np.linalg.slogdet(Sq)
    sp_, lp = np.linalg.slogdet(Sp)
    if sq <= 0 or sp_ <= 0:
        raise SingularCovariance("kl_divergence needs positive-definite covariances")
    return float(0.5 * (np.trace(np.linalg.solve(Sq, Sp)) + d @ np.linalg.solve(Sq, d) - k + lq - lp))
