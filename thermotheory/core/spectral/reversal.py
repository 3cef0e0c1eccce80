r"""The Kullback–Leibler rate between the forward and time-reversed paths of observed variables.

An experimenter who records only the variables ``O`` sees a stationary Gaussian process
(not Markov in general). Its time reversal maps :math:`O_t \to E\, O_{-t}` (``E`` the
parities: odd variables change sign), with mean :math:`E m` and spectral density
:math:`S_R(\omega) = E S(\omega)^T E`. Whittle's formula for the divergence rate of two
stationary Gaussian processes gives, since :math:`\det S_R = \det S`,

.. math:: \dot D(O) = \frac{1}{4\pi} \int_{-\infty}^{\infty}
          \left[\operatorname{tr}\left(S_R^{-1} S\right) - k\right] d\omega
          + \tfrac12\, \Delta m^T S_R(0)^{-1} \Delta m
          = \frac{1}{4\pi} \int_0^\infty \operatorname{tr}\left(S_R^{-1} \Delta S^{-1} \Delta\right) d\omega
          + \tfrac12\, \Delta m^T S_R(0)^{-1} \Delta m ,

with :math:`\Delta = S - S_R` and :math:`\Delta m = (1 - E) m` (the second form pairs
:math:`\pm\omega`). By the data-processing inequality it is at most the entropy production
rate :math:`\Pi`, and equal to it when every variable is observed (Gómez-Marín, Parrondo &
Van den Broeck; Kawai, Parrondo & Van den Broeck), unless a feedback force is declared
(``LinearSDE(feedback=...)``): the paths then count it as friction, and the entropy
production adds its entropy pumping (see :func:`kl_divergence_rate`).

What is finite
--------------
The forward and reversed path measures of white-noise driven coordinates would be mutually
singular (an infinite rate) if the reversal changed their noise, :math:`E D E \ne D`; a
:class:`~thermotheory.LinearSDE` refuses noise shared by an even and an odd variable, so
the noise part of the two measures always agrees and cancels. A noiseless observed
variable whose drift involves only observed variables is a functional of their paths (a
position whose velocity is observed): it is left out of the spectral part, and its drift
must be reversible (couple it only to observed variables of the opposite parity, no
relaxation of its own), or the reversed paths break the deterministic relation and the
rate is infinite. Any other case is decided by the integrand, a rational function of
:math:`\omega^2` that must vanish at high frequency: a noiseless observed variable driven
irreversibly by an observed noisy one (both even) gives an infinite rate too.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp
try:
    from sympy.matrices.exceptions import NonInvertibleMatrixError
except ImportError:  # sympy before 1.13
    from sympy.matrices.common import NonInvertibleMatrixError

from ...errors import ModelError, SingularCovariance, TooLarge
from .. import budget
from .._backend import NumOps
from ..checks import guarded
from ..closedform import apply_form, check_form
from ..state import ModelCache, stationary_mean
from ..model import LinearSDE, VariableSpec
from ._spectra import (S_SYMBOL, check_at_points, density, even_in_u, frequency_integral, mp_density,
                       rational_integral, redundant, stationary_arrays, symbolic_density, tail_vanishes,
                       variable_sets)

__all__ = ["kl_divergence_rate"]

_WHAT = "the KL divergence rate of the forward and reversed paths"


def _names(model: LinearSDE, idx) -> list[str]:
    return [model.variables[i].name for i in idx]


def _check_finite_structure(model: LinearSDE, ops, A, D, O: list[int]) -> list[int]:
    """Refuse the structurally infinite cases; returns the kept variables (see the module docstring)."""
    eps = model.parity
    symbolic = ops is not NumOps
    kept, dropped = redundant(model, O, A, D)
    for i in dropped:
        for j in range(model.dimension):
            nonzero = (not sp.sympify(A[i, j]).is_zero) if symbolic else A[i, j] != 0
            if nonzero and eps[i] * eps[j] == 1:
                part = ("its own relaxation" if i == j else
                        f"its coupling to {model.variables[j].name}, of the same parity")
                raise ModelError(
                    f"{_WHAT} of {_names(model, O)} is infinite: {model.variables[i].name} has no noise and its "
                    f"drift has an irreversible part ({part}), so the reversed paths break the deterministic "
                    "relation the forward ones obey")
    return kept


def _spectral_numeric(model: LinearSDE, A: np.ndarray, D: np.ndarray, kept: list[int]) -> float:
    E = np.diag(np.asarray(model.parity, float)[kept])
    D2 = 2 * np.asarray(D, float)

    def g(omega: float) -> float:
        S = density(A, D2, omega, kept)
        R = E @ S.T @ E
        delta = S - R
        try:
            return float(np.trace(np.linalg.solve(R, delta) @ np.linalg.solve(S, delta)).real)
        except np.linalg.LinAlgError:
            raise ModelError(f"{_WHAT}: the spectral density of the observed variables is singular at omega = "
                             f"{omega:.6g}") from None

    Em = mpmath.matrix(np.diag(np.asarray(model.parity, float)[kept]).tolist())

    def g_mp(omega):
        S = mp_density(A, D2, omega, kept)
        R = Em * S.T * Em
        delta = S - R
        M = R ** -1 * delta * S ** -1 * delta
        return sum(M[i, i] for i in range(M.rows))

    if not tail_vanishes(g_mp, A):
        raise ModelError(f"{_WHAT} of {_names(model, kept)} is infinite: the forward and reversed spectral "
                         "densities differ at high frequency (an irreversible coupling acts on a noiseless "
                         "observed variable)")
    return frequency_integral(g, A, _WHAT) / (4 * np.pi)


def _mean_numeric(model: LinearSDE, A: np.ndarray, b: np.ndarray, D: np.ndarray, O: list[int]) -> float:
    eps = np.asarray(model.parity, float)[O]
    m = np.linalg.solve(A, -np.asarray(b, float).reshape(-1))[O]
    dm = (1 - eps) * m
    if not np.any(np.abs(dm) > 1e-14 * max(np.max(np.abs(m)), 1e-300)):
        return 0.0
    S0 = density(A, 2 * np.asarray(D, float), 0.0, O).real
    R0 = np.diag(eps) @ S0 @ np.diag(eps)
    w, U = np.linalg.eigh((R0 + R0.T) / 2)
    keep = w > 1e-12 * max(w.max(), 1e-300)
    proj = U.T @ dm
    if np.any(np.abs(proj[~keep]) > 1e-9 * np.linalg.norm(dm)):
        raise ModelError(f"{_WHAT} of {_names(model, O)} is infinite: an odd observed variable has a mean, but a "
                         "combination carrying it has no long-time fluctuations")
    return float(0.5 * np.sum(proj[keep] ** 2 / w[keep]))


#: A positive rational that is not a whole number: its assumptions, against which a symbol's are checked before it
#: is given such a value (:func:`_nonzero_at_a_point`).
_PROBE = sp.Symbol("probe", positive=True, rational=True, integer=False).assumptions0


def _nonzero_at_a_point(d: sp.Expr) -> bool:
    """True when ``d`` is a nonzero rational number at one rational point its symbols' assumptions allow.

    Then ``d`` is not identically zero; False says nothing (radicals at the point, or a symbol
    whose assumptions a positive fraction does not meet).
    """
    symbols = sorted(d.free_symbols, key=sp.default_sort_key)
    if any(any(_PROBE.get(k) != v for k, v in x.assumptions0.items()) for x in symbols if x.assumptions0):
        return False
    value = d.xreplace({x: sp.Rational(3 * k + 5, 2 * k + 3) for k, x in enumerate(symbols)})
    return value.is_Rational and value != 0


def _inverse(M: sp.Matrix) -> sp.Matrix:
    """``M.inv(method="ADJ")``, the same matrix, without sympy's check ``det.equals(0)`` (a simplify of the
    determinant, most of the divergence rate's time) where the determinant is nonzero at a rational point."""
    d = M.det(method="berkowitz")
    if not _nonzero_at_a_point(d):
        return M.inv(method="ADJ")  # sympy decides (and refuses a singular matrix)
    return M.adjugate() / d


def _spectral_symbolic(model: LinearSDE, A: sp.Matrix, D: sp.Matrix, kept: list[int]) -> sp.Expr:
    s = S_SYMBOL
    E = sp.diag(*[model.parity[i] for i in kept])
    N = symbolic_density(A, D, kept)
    budget.check_expansion(N, _WHAT + " (spectral inverses)")
    R = E * N.subs(s, -s) * E
    delta = (N - R).applyfunc(sp.expand)
    integrand = (_inverse(R) * delta * _inverse(N) * delta).trace()
    P, Q = even_in_u(sp.cancel(integrand))
    return rational_integral(P, Q, _WHAT) / (8 * sp.pi)


def _mean_symbolic(model: LinearSDE, A: sp.Matrix, D: sp.Matrix, O: list[int]) -> sp.Expr:
    m = sp.Matrix(list(stationary_mean(model)))
    dm = sp.Matrix([sp.cancel((1 - model.parity[i]) * m[i]) for i in O])
    if all(x == 0 for x in dm):
        return sp.Integer(0)
    Ainv = _inverse(A)
    S0 = (Ainv * 2 * D * Ainv.T).extract(O, O).applyfunc(sp.cancel)
    live = [k for k in range(len(O)) if any(sp.cancel(S0[k, j]) != 0 for j in range(len(O)))]
    if any(dm[k] != 0 for k in range(len(O)) if k not in live):
        raise ModelError(f"{_WHAT} of {_names(model, O)} is infinite: an odd observed variable has a mean but no "
                         "long-time fluctuations")
    E = sp.diag(*[model.parity[O[k]] for k in live])
    R0 = E * S0.extract(live, live) * E
    if sp.cancel(R0.det()) == 0:
        raise TooLarge(f"{_WHAT}: the long-time covariance of the observed variables is singular; substitute "
                       "numbers with model.subs(values)")
    d = dm.extract(live, [0])
    return sp.cancel((d.T * _inverse(R0) * d)[0, 0] / 2)


@guarded
def kl_divergence_rate(model: LinearSDE, observed: VariableSpec | None = None, form: str | None = None) -> Any:
    r"""Kullback–Leibler rate between the forward and time-reversed stationary paths of ``observed`` (nats/time).

    .. math:: \dot D(O) = \lim_{T\to\infty} \frac1T D_{KL}\left(P[O_{[0,T]}] \,\|\,
              P[\Theta O_{[0,T]}]\right)
              = \frac{1}{4\pi} \int_0^\infty \operatorname{tr}\left(S_R^{-1} \Delta\, S^{-1} \Delta\right)
              d\omega + \tfrac12 \Delta m^T S_R(0)^{-1} \Delta m

    (Whittle's formula; :math:`\Theta` reverses time and flips odd variables,
    :math:`S_R = E S^T E`, :math:`\Delta = S - S_R`, :math:`\Delta m = (1 - E) m`). It is a
    lower bound on the entropy production rate :math:`\Pi`
    (:func:`~thermotheory.entropy_production_rate`) that an experimenter can estimate from
    the recorded variables alone, and equals :math:`\Pi` when every variable is observed
    and no feedback force is declared.
    A single even variable (or a single odd one without mean) gives zero: a scalar
    stationary Gaussian process is reversible.

    With a feedback force declared on odd variables (``LinearSDE(feedback=...)``) the
    rate of fully observed paths is *not* :func:`~thermotheory.entropy_production_rate`.
    The paths cannot tell a velocity-dependent feedback force from the bath's friction,
    so the rate is the entropy production of the same drift with the feedback counted as
    friction (the model without ``feedback=``), while
    :func:`~thermotheory.entropy_production_rate` is the bath's heat rate
    (:func:`~thermotheory.heat_rate`) plus the entropy pumping of the controller
    (:func:`~thermotheory.entropy_pumping_rate`). A cold-damped oscillator (friction
    :math:`\gamma`, feedback :math:`-\gamma' v`, mass ``m``) has a divergence rate 0 (its
    paths are those of an equilibrium oscillator at the temperature
    :math:`\gamma T / (\gamma + \gamma')`) and an entropy production
    :math:`\gamma'^2 / (m (\gamma + \gamma'))`. Ask this function how irreversible the
    recorded trajectories are, which is what a recording can detect;
    ask :func:`~thermotheory.entropy_production_rate` for the second law of the controlled
    system (:math:`\Phi \ge -\dot S_{pump}`, Munakata & Rosinberg), the entropy produced
    counting the controller's pumping. No inequality between the two is claimed in general.

    Parameters
    ----------
    model : LinearSDE
        With a stationary state.
    observed : Symbol, name or sequence, optional
        The recorded variables (default: all). A noiseless variable whose drift involves only
        recorded variables is a functional of their paths and is left out of the spectral part.
    form : {None, "structured", "rational", "factored"}
        Shape of a symbolic result.

    Returns
    -------
    sympy expression or float

    Raises
    ------
    ModelError
        When the rate is infinite: a noiseless observed variable with an irreversible drift,
        or a spectral integrand that does not vanish at high frequency (see the module notes).
    NotStable
        Without a stationary state.
    TooLarge
        For a symbolic integrand whose denominator has an irreducible factor of degree
        above two in :math:`\omega^2`.

    Examples
    --------
    A signal ``v`` read by a sensor ``x``: both recorded, the divergence rate is the entropy
    production; the sensor alone looks reversible.

    >>> import thermotheory as tt
    >>> from thermotheory.core.spectral import kl_divergence_rate
    >>> m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 1.0], variables=["v", "x"])
    >>> round(kl_divergence_rate(m), 12), round(tt.entropy_production_rate(m), 12), kl_divergence_rate(m, "x")
    (0.5, 0.5, 0.0)

    A velocity ``u`` cold-damped by a declared feedback force: its paths look reversible,
    but the feedback pumps entropy (heat rate -0.5, pumping 1):

    >>> import sympy as sp
    >>> u = sp.Symbol("u", real=True)
    >>> cold = tt.LinearSDE({u: -2 * u}, {u: 1}, parity={u: -1}, feedback={u: -u})
    >>> kl_divergence_rate(cold), tt.entropy_production_rate(cold)
    (0.0, 0.5)

    References
    ----------
    A. Gómez-Marín, J. M. R. Parrondo and C. Van den Broeck, Phys. Rev. E 78, 011107 (2008);
    R. Kawai, J. M. R. Parrondo and C. Van den Broeck, Phys. Rev. Lett. 98, 080602 (2007).
    """
    form = check_form(form)
    ops, A, b, D = stationary_arrays(model, _WHAT)
    O = list(range(model.dimension)) if observed is None else variable_sets(model, (observed,), ("observed",))[0]
    # computed once per model and observed variables, whatever the form asked (a page asks for two)
    value = _RATES.get(model, tuple(O), lambda: _rate(model, ops, A, b, D, O))
    return value if ops is NumOps else apply_form(value, form)


#: The rate of a model, per tuple of observed variables' indices (an immutable number or sympy expression).
_RATES = ModelCache()


def _rate(model: LinearSDE, ops: Any, A: Any, b: Any, D: Any, O: list[int]) -> Any:
    """:func:`kl_divergence_rate` of the variables ``O`` (indices), before its form is applied."""
    kept = _check_finite_structure(model, ops, A, D, O)
    try:
        if ops is NumOps:
            spectral = _spectral_numeric(model, A, D, kept) if len(kept) > 1 else 0.0
        else:
            spectral = _spectral_symbolic(model, A, D, kept) if len(kept) > 1 else sp.Integer(0)
    except (NonInvertibleMatrixError, ZeroDivisionError):
        names = ", ".join(str(model.variables[i]) for i in kept)
        raise SingularCovariance(
            f"{_WHAT} of {_names(model, O)}: the spectral density of {names} is singular at every frequency (some of "
            "them are driven by the same noise alone and copy one another), so the divergence rate is undefined; "
            "record fewer of them") from None
    if ops is NumOps:
        return max(spectral, 0.0) + _mean_numeric(model, A, b, D, O)
    value = spectral + _mean_symbolic(model, A, D, O)
    if value != 0:
        observed = [model.variables[i] for i in O]
        check_at_points(value, model, lambda m: kl_divergence_rate(m, observed), _WHAT)
    return value
