r"""Transient closed forms of a Markov jump process: ``p(t)``, heat and entropy production over ``[0, t]``.

``p(t) = exp(L t) p(0)``: numeric models by ``scipy.linalg.expm`` (small) or
``scipy.sparse.linalg.expm_multiply`` (large). Symbolic networks of two and three states
exactly, by Sylvester's formula: the generator's eigenvalues are 0 (the stationary
projector :math:`\pi \mathbf 1^T`) and :math:`-k` with :math:`k = w_{01} + w_{10}` for two
states, :math:`p(t) = \pi + e^{-k t}(p(0) - \pi)`; for three states the roots
:math:`\lambda_\pm = -\gamma \pm \Delta` of :math:`\lambda^2 + 2\gamma\lambda + Z = 0`, with
:math:`2\gamma = -\operatorname{tr} L` the sum of all rates and :math:`Z` the sum of the principal
2x2 minors (the total spanning-tree sum, :math:`\Delta^2 = \gamma^2 - Z`), so that

.. math:: p(t) = \pi + e^{-\gamma t}\left[\cosh(\Delta t)\, a
          + \frac{\sinh(\Delta t)}{\Delta}\,(L p(0) + \gamma a)\right], \qquad a = p(0) - \pi

(real for real or imaginary :math:`\Delta`; equal eigenvalues, :math:`\Delta \equiv 0` as decided
exactly in the rates' polynomial ring, give :math:`\cosh \to 1`, :math:`\sinh(\Delta t)/\Delta \to t`). A symbolic network of more states is
refused with :class:`~thermotheory.errors.TooLarge` (its eigenvalues are roots of a cubic or
worse). The time integral :math:`q = \int_0^t p(s)\,ds` solves :math:`L q = p(t) - p(0)`,
:math:`\sum_i q_i = t` (an ergodic generator has the one null vector :math:`\pi`); symbolically
:math:`q = \pi t + L^{+}(p(t) - p(0))` with :math:`L^{+} = -1/k` (two states) or
:math:`-(L + 2\gamma)/Z` (three states) on the vectors that sum to zero. The heat over
``[0, t]`` is :math:`Q_Y(t) = \sum_{Y\text{-jumps}} q_i w_{ij} F_{ij}` and the entropy
production :math:`\Delta S_{tot} = H(p(t)) - H(p(0)) + Q(t)`, as for the linear kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..errors import ModelError, TooLarge
from . import jump_forms as forms

__all__ = ["initial_distribution", "distribution", "time_integral", "heat", "entropy_production", "entropy",
           "mutual_information", "relaxation_rate", "MAX_SYMBOLIC_TRANSIENT_STATES"]

#: Most states of a symbolic model whose transient distribution is given in closed form.
MAX_SYMBOLIC_TRANSIENT_STATES = 3


#: The initial distribution, checked (a probability vector or a mapping state -> probability): it lives
#: with the stationary forms, which check a given distribution the same way.
initial_distribution = forms.initial_distribution


def _symbolic(model: Any, t: Any, p0: Any) -> bool:
    return not model.is_numeric or not isinstance(t, float) or not isinstance(p0, np.ndarray)


def _check_symbolic_size(model: Any, what: str) -> None:
    if model.n > MAX_SYMBOLIC_TRANSIENT_STATES:
        raise TooLarge(f"{what}: a symbolic transient of a {model.n}-state network has no closed form in general "
                       f"(its eigenvalues are roots of a polynomial of degree {model.n - 1}; given for at most "
                       f"{MAX_SYMBOLIC_TRANSIENT_STATES} states); substitute numbers for the rates and the time "
                       "(model.numeric(values), a float t)")


# -- the symbolic propagator of two- and three-state networks ---------------------------------------------------------
class _Symbolic:
    r"""The pieces of :math:`e^{L t}` of a symbolic two- or three-state network.

    ``pi`` the stationary column, ``gamma``/``delta`` the eigenvalue data, ``N`` the names
    (spanning-tree sums, :math:`\gamma`, :math:`\Delta`, ...) of a structured result. In a plain
    result the coefficients are quotients over powers of :math:`Z` with expanded numerators (no
    general cancellation: a fraction-free assembly takes milliseconds where ``cancel`` took seconds).
    """

    def __init__(self, model: Any, form: str | None, what: str, scalar: bool = False) -> None:
        _check_symbolic_size(model, what)
        K = forms._kinetic(model)  # refuses a network that is not ergodic
        structured = forms._structured(K, form) or (form is None and scalar and model.n == 3)
        N = forms._Names(model, K, structured)
        self.model, self.K, self.N = model, K, N
        self.Z = N.total()
        self.pi = sp.Matrix([N.Z(i) / self.Z for i in range(model.n)])
        self.L = model.generator()
        self.degenerate = False
        if model.n == 3:
            self.s = sp.Add(*[model.rate(i, j) for i, j in model.edges])  # -tr L = 2 gamma
            self.gamma = N.define("gamma", "gamma", r"\gamma", self.s / 2)
            self.degenerate = self._equal_eigenvalues(K)
            if not self.degenerate and not N.structured:
                self.delta = sp.sqrt(sp.expand(self.s**2 - 4 * self.Z)) / 2
            elif not self.degenerate and _real_spectrum(model):  # Delta real: named
                self.delta = N.define("Delta", "Delta", r"\Delta", sp.sqrt(self.gamma**2 - self.Z), positive=False)
            elif not self.degenerate:  # Delta may be imaginary (an oscillating relaxation): its real square named
                self.delta = sp.sqrt(N.define("Delta2", "Delta2", r"\Delta^{2}", self.gamma**2 - self.Z,
                                              positive=False))

    @staticmethod
    def _equal_eigenvalues(K: Any) -> bool:
        r"""Whether :math:`(\sum w)^2 = 4 Z` identically (both non-zero eigenvalues equal), decided exactly."""
        R = K.ring
        s = sum(K.rate.values(), R.zero)
        d2 = s * s - 4 * K.total
        if not d2:
            return True
        if all(isinstance(g, sp.Symbol) for g in K.gens):
            return False  # a non-zero polynomial in independent symbols
        return sp.simplify(K.expr(d2)) == 0  # generators such as exp(q) and exp(2 q) may be related

    def parts(self, t: Any, p0: sp.Matrix) -> tuple[sp.Matrix, sp.Matrix, tuple]:
        """``p(t)``, the time integral ``q`` and its pieces ``(pi, A, B, X, Y)`` with ``q = pi t + A X + B Y``."""
        n, Z, Lp0 = self.model.n, self.Z, self.L * p0
        if self.N.structured:
            a = p0 - self.pi
        else:  # a_i = r_i / Z with an expanded numerator
            r = [sp.expand(p0[i] * Z - self.N.Z(i)) for i in range(n)]
            a = sp.Matrix([ri / Z for ri in r])
        if n == 2:
            decay = sp.exp(-Z * t)  # Z = w_01 + w_10
            pt = self.pi + decay * a
            return pt, self.pi * t + a * ((1 - decay) / Z), (self.pi, a / Z, sp.zeros(2, 1), 1 - decay, 0)
        g, s = self.gamma, self.s
        if self.degenerate:  # cosh(0 t) = 1, sinh(Delta t) / Delta -> t
            C, S = sp.Integer(1), t
        else:
            C, S = sp.cosh(self.delta * t), sp.sinh(self.delta * t) / self.delta
        if self.N.structured:
            b = Lp0 + g * a
            A = (Lp0 + 2 * g * a) / Z
            B = (g * Lp0 + (2 * g**2 - Z) * a) / Z
        else:
            b = sp.Matrix([sp.expand(2 * Z * Lp0[i] + s * r[i]) / (2 * Z) for i in range(n)])
            A = sp.Matrix([sp.expand(Z * Lp0[i] + s * r[i]) / Z**2 for i in range(n)])
            B = sp.Matrix([sp.expand(s * Z * Lp0[i] + (s**2 - 2 * Z) * r[i]) / (2 * Z**2) for i in range(n)])
        decay = sp.exp(-g * t)
        pt = self.pi + decay * (C * a + S * b)
        X, Y = 1 - decay * C, -decay * S
        return pt, self.pi * t + A * X + B * Y, (self.pi, A, B, X, Y)

    def combine(self, w: sp.Expr, x: sp.Expr, wb: sp.Expr, y: sp.Expr) -> sp.Expr:
        """``w x - wb y`` for two coefficients over the same denominator (its numerator expanded in a plain result)."""
        if self.N.structured:
            return w * x - wb * y
        (nx, dx), (ny, dy) = sp.fraction(x), sp.fraction(y)
        if dx == dy:
            return sp.expand(w * nx - wb * ny) / dx
        return w * x - wb * y

    def result(self, value: Any) -> Any:
        if isinstance(value, sp.MatrixBase):
            return forms._matrix_closed_form(self.N, value) if self.N.structured else value
        return self.N.result(value)


def _exact_initial(model: Any, initial: Any) -> sp.Matrix:
    return sp.Matrix(forms._initial_values(model, initial))


# -- p(t) -------------------------------------------------------------------------------------------------------------
def distribution(model: Any, t: Any, initial: Any, form: str | None = None) -> Any:
    r"""The distribution :math:`p(t) = e^{L t} p(0)` over ``model.states``.

    Parameters
    ----------
    model : MarkovJumpProcess
    t : float or sympy expression
        The time (at least 0).
    initial : sequence or mapping
        :math:`p(0)`: probabilities in the order of ``model.states``, or ``{state: probability}``.
    form : {None, "structured", "rational", "factored"}
        For a symbolic result: ``"structured"`` gives a ClosedForm with the spanning-tree sums,
        :math:`\gamma` (half the sum of the rates) and :math:`\Delta` (half the gap of the
        eigenvalues :math:`-\gamma \pm \Delta`) as named definitions (:math:`\Delta^2`, which is
        real, where :math:`\Delta` may be imaginary: a network without detailed balance); otherwise
        a Matrix. At rates where :math:`\Delta = 0` without being zero identically, take the limit
        :math:`\sinh(\Delta t)/\Delta \to t` (or substitute the numbers into the model first).

    Returns
    -------
    numpy array (numeric model, time and initial state), sympy Matrix (n, 1) or ClosedForm

    Raises
    ------
    TooLarge
        For a symbolic network of more than :data:`MAX_SYMBOLIC_TRANSIENT_STATES` states.
    NotErgodic
        For a symbolic network with several closed classes.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> a, b, t = sp.symbols("a b t", positive=True)
    >>> p = distribution(MarkovJumpProcess({(0, 1): a, (1, 0): b}), t, [1, 0])
    >>> sp.simplify(p[0] - (b + a * sp.exp(-(a + b) * t)) / (a + b))
    0
    >>> k = sp.Symbol("k", positive=True)
    >>> ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): k, (2, 1): k, (0, 2): k})
    >>> distribution(ring, t, {0: 1}).T   # equal eigenvalues -3k: p_0 = 1/3 + (2/3) e^{-3kt}
    Matrix([[1/3 + 2*exp(-3*k*t)/3, 1/3 - exp(-3*k*t)/3, 1/3 - exp(-3*k*t)/3]])
    """
    forms._check_model(model, "distribution")
    t = forms._check_time(t)
    p0 = initial_distribution(model, initial)
    if not _symbolic(model, t, p0):
        forms.check_form(form)
        return _numeric_distribution(model, t, p0)
    S = _Symbolic(model, form, "distribution")
    pt, _, _ = S.parts(t, _exact_initial(model, initial))
    return S.result(pt)


def _numeric_distribution(model: Any, t: float, p0: np.ndarray) -> np.ndarray:
    if model.n <= 300:
        from scipy.linalg import expm

        p = expm(forms._dense_generator(model) * t) @ p0
    else:
        from scipy.sparse.linalg import expm_multiply

        p = expm_multiply(forms._sparse_generator(model) * t, p0)
    p = np.clip(p, 0.0, None)
    return p / p.sum()


def _numeric_parts(model: Any, t: float, p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``p(t)`` and the time integral ``q`` (the bordered solve of ``L q = p(t) - p(0)``, ``sum q = t``)."""
    pt = _numeric_distribution(model, t, p0)
    rhs = pt - p0
    rhs[0] = t
    return pt, forms._bordered_solve(model, rhs)


def _transient(model: Any, t: Any, initial: Any, form: str | None, what: str) -> tuple:
    """``(t, p0, p(t), q, pieces, symbolic)``: all of ``[0, t]`` computed once (the last two None if numeric)."""
    forms._check_model(model, what)
    forms.check_ergodic(model)
    t = forms._check_time(t)
    p0 = initial_distribution(model, initial)
    if not _symbolic(model, t, p0):
        forms.check_form(form)
        pt, q = _numeric_parts(model, t, p0)
        return t, p0, pt, q, None, None
    S = _Symbolic(model, form, what, scalar=what in ("heat", "entropy_production"))
    p0 = _exact_initial(model, initial)
    pt, q, pieces = S.parts(t, p0)
    return t, p0, pt, q, pieces, S


def time_integral(model: Any, t: Any, initial: Any, form: str | None = None) -> Any:
    r"""The expected occupation times :math:`q = \int_0^t p(s)\,ds` over ``[0, t]``.

    Solves :math:`L q = p(t) - p(0)`, :math:`\sum_i q_i = t` (numeric); symbolically
    :math:`q = \pi t + L^{+}(p(t) - p(0))` (see the module's notes).

    Raises
    ------
    NotErgodic
        For a network with several closed classes (the system is then not determined).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> q = time_integral(MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}), 2.0, [1, 0])
    >>> round(float(q.sum()), 12)
    2.0
    """
    _, _, _, q, _, S = _transient(model, t, initial, form, "time_integral")
    return q if S is None else S.result(q)


def _symbolic_heat(model: Any, mask: np.ndarray, q: sp.Matrix, pieces: tuple, t: Any, S: _Symbolic) -> sp.Expr:
    r"""``sum_{mask} q_i w_ij F_ij``, the two jumps of a pair with opposite flows under one flow.

    Structured: in the named occupation times :math:`q_i(t)`; plain: with ``q = pi t + A X + B Y``,
    one coefficient per flow and piece.
    """
    pi, A, B, X, Y = pieces
    if S.N.structured:
        st = model._state_latex
        q = [S.N.define(("q_t", i), f"q_t{i}", rf"q_{{{st(model.states[i])}}}(t)", v) for i, v in enumerate(q)]
    index = {e: k for k, e in enumerate(model.edges)}
    total = sp.Integer(0)
    for k, (i, j) in enumerate(model.edges):
        if not mask[k]:
            continue
        F = model.entropy_flow(i, j)  # raises IrreversibleTransition where none is declared
        back = index.get((j, i))
        paired = back is not None and mask[back] and sp.expand(F + model.entropy_flow(j, i)) == 0
        if paired and back < k:
            continue  # counted with its reverse
        if F == 0:
            continue
        w, wb = model.rate(i, j), (model.rate(j, i) if paired else sp.Integer(0))
        if S.N.structured:
            total += F * (w * q[i] - wb * q[j])
        else:
            total += F * sum((S.combine(w, v[i], wb, v[j]) * x for v, x in ((pi, t), (A, X), (B, Y))),
                             sp.Integer(0))
    return total


def heat(model: Any, t: Any, initial: Any, subsystem: Any = None, reservoir: str | None = None,
         form: str | None = None) -> Any:
    r"""Heat released into the medium over ``[0, t]`` from ``initial`` (Q/T), of a subsystem, a reservoir or all.

    .. math:: Q_Y(t) = \sum_{Y\text{-jumps}\ i \to j} w_{ij} F_{ij} \int_0^t p_i(s)\, ds

    Symbolic for two and three states (``form="structured"`` names :math:`\gamma` and
    :math:`\Delta`, see :func:`distribution`).

    Examples
    --------
    >>> import math
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> Q = heat(m, 50.0, [1, 0])   # relaxation to equilibrium: ln(p_1/p_0) flows out ...
    >>> abs(Q - (math.log(2) * 2 / 3)) < 1e-9   # ... weighted by the final occupation of state 1
    True
    """
    forms._check_model(model, "heat")
    mask = forms._subset(model, subsystem, reservoir, "heat")
    t, _, _, q, pieces, S = _transient(model, t, initial, form, "heat")
    Q = _heat_of(model, mask, q, pieces, S, t)
    return Q if S is None else S.result(Q)


def _heat_of(model: Any, mask: np.ndarray, q: Any, pieces: Any, S: Any, t: Any) -> Any:
    if S is None:
        src, _, w = model.edge_arrays()
        flows = forms._flows_where(model, mask)
        return float((q[src[mask]] * w[mask] * flows[mask]).sum())
    return _symbolic_heat(model, mask, q, pieces, t, S)


def entropy_production(model: Any, t: Any, initial: Any, form: str | None = None) -> Any:
    r"""Total entropy produced over ``[0, t]`` from ``initial``: :math:`H(p(t)) - H(p(0)) + Q(t)`.

    Symbolic for two and three states; ``form="structured"`` names the probabilities
    :math:`p_i(t)` as well.

    Raises
    ------
    IrreversibleTransition
        For a jump without its reverse.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})
    >>> entropy_production(m, 3.0, [0.5, 0.5]) > 0
    True
    """
    forms._check_model(model, "entropy_production")
    forms._check_reversible(model, "entropy_production")
    t, p0, pt, q, pieces, S = _transient(model, t, initial, form, "entropy_production")
    Q = _heat_of(model, np.ones(len(model.edges), dtype=bool), q, pieces, S, t)
    if S is None:
        return forms._shannon(pt) - forms._shannon(p0) + Q
    st = model._state_latex
    probs = [S.N.define(("p_t", i), f"p_t{i}", rf"p_{{{st(model.states[i])}}}(t)", v) for i, v in enumerate(pt)]
    return S.result(forms._shannon(probs) - forms._shannon(p0) + Q)


def entropy(model: Any, X: Any, t: Any, initial: Any) -> Any:
    """Shannon entropy (nats) of the distribution at time ``t`` from ``initial`` (of its marginal on ``X``)."""
    return forms.entropy(model, X, p=distribution(model, t, initial))


def mutual_information(model: Any, X: Any, Y: Any, t: Any, initial: Any) -> Any:
    """Mutual information between components ``X`` and ``Y`` at time ``t`` from ``initial`` (nats)."""
    return forms.mutual_information(model, X, Y, p=distribution(model, t, initial))


def relaxation_rate(model: Any) -> Any:
    r"""The slowest relaxation rate towards the stationary state: minus the real part of ``L``'s second eigenvalue.

    Symbolic for two states (:math:`w_{01} + w_{10}`) and for three states whose eigenvalues are
    known to be real (detailed balance, or a chain): :math:`\gamma - \sqrt{\gamma^2 - Z}`
    (see :func:`distribution`); numeric otherwise (dense eigenvalues). Cached on the model.

    Raises
    ------
    TooLarge
        For a symbolic network of more states, or a driven three-state ring (its eigenvalues
        may be complex: the rate is then :math:`\gamma`, a case sympy cannot decide).

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> round(relaxation_rate(MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0})), 12)
    3.0
    """
    forms._check_model(model, "relaxation_rate")
    forms.check_ergodic(model)
    if "relaxation_rate" not in model.cache:
        model.cache["relaxation_rate"] = _relaxation_rate(model)
    return model.cache["relaxation_rate"]


def _relaxation_rate(model: Any) -> Any:
    if not model.is_numeric:
        if model.n == 2:
            return model.rate(0, 1) + model.rate(1, 0)
        if model.n == 3 and _real_spectrum(model):
            S = _Symbolic(model, "rational", "relaxation_rate")
            return S.gamma if S.degenerate else S.gamma - S.delta
        _check_symbolic_size(model, "relaxation_rate")
        raise TooLarge("relaxation_rate: the eigenvalues of a symbolic three-state network without detailed "
                       "balance may be complex, and which real part is the slowest cannot be decided symbolically; "
                       "substitute numbers (model.numeric(values))")
    model._require_dense("relaxation_rate")
    ev = np.sort(np.linalg.eigvals(forms._dense_generator(model)).real)[::-1]
    return float(-ev[1])


def _real_spectrum(model: Any) -> bool:
    """Whether a three-state network has real eigenvalues for all rates: no cycle, or Kolmogorov's criterion on it."""
    if len(model.edges) < 6:
        pairs = {(min(i, j), max(i, j)) for i, j in model.edges}
        return len(pairs) < 3 and all((j, i) in model._rates for i, j in model.edges)
    forward = model.rate(0, 1) * model.rate(1, 2) * model.rate(2, 0)
    backward = model.rate(1, 0) * model.rate(2, 1) * model.rate(0, 2)
    return sp.simplify(forward - backward) == 0
