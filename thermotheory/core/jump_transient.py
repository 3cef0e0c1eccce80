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

Conditioning (issue #25), as for the stationary forms (:mod:`~thermotheory.core.jump_forms`).
The float ``expm`` and bordered solve keep about 16 digits of the largest entries only: a small
:math:`p_i(t)` of a stiff network, the occupation times at times short against the slowest
relaxation (:math:`L q = p(t) - p(0)` subtracts numbers of order one), and a heat or entropy
production that cancels (near equilibrium, from the stationary state) lose digits. A network of
at most :data:`~thermotheory.core.jump_forms.MAX_PRECISE_STATES` states is checked against a
subtraction-free exponential of the augmented essentially non-negative matrix
:math:`M = \begin{pmatrix} L & p(0) \\ 0 & 0\end{pmatrix}` (:math:`e^{M t}` holds
:math:`e^{L t}` and :math:`q = \int_0^t e^{L s} p(0)\,ds`; uniformization
:math:`e^{B} = e^{-c} \sum_k (B + c)^k / k!` of non-negative terms, then squarings of
non-negative matrices, so every entry keeps its relative accuracy), and where a result loses
``PRECISE_DIGITS`` digits it is computed again the same way in extended precision (mpmath, the
floats read exactly, the precision raised until the quantity keeps 25 digits). A larger network
estimates its errors (the occupation times checked against ``expm_multiply`` of :math:`M`) and
warns (:class:`~thermotheory.errors.ConditioningWarning`) or refuses
(:class:`~thermotheory.errors.IllConditioned`) a heat or entropy production past the linear
engine's thresholds; its arrays ``p(t)`` and ``q`` are returned as computed (each entry right to
about ``1e-16`` of the largest, as its stationary distribution is). Measured against mpmath at
50 digits: the ion pump at :math:`\Delta\mu_\mathrm{ATP} = 20` lost up to 13 digits of ``q`` at
``t = 1e-7`` and 7 of its heat from the stationary state; a three-state ring with rates
1 and 1e6 near equilibrium lost all the digits of its heat and entropy production (true values
1e-21 to 1e-38) and 9 of its heat from a state at ``t = 1e3``: all now exact.
"""

from __future__ import annotations

import math
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
        return _checked_distribution(model, t, p0, _numeric_distribution(model, t, p0))
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


def _checked_distribution(model: Any, t: float, p0: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """The float ``p(t)``, computed again in extended precision where a small network's entry lost digits."""
    if model.n > forms.MAX_PRECISE_STATES:
        return pt
    if _rel_digits(pt, _p_errors(model, t, p0, pt)) < forms.PRECISE_DIGITS:
        return pt
    return _precise_array(model, t, p0, "pt")


def _numeric_parts(model: Any, t: float, p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``p(t)`` and the time integral ``q`` (the bordered solve of ``L q = p(t) - p(0)``, ``sum q = t``)."""
    pt = _numeric_distribution(model, t, p0)
    return pt, _float_integral(model, t, p0, pt)


def _float_integral(model: Any, t: float, p0: np.ndarray, pt: np.ndarray) -> np.ndarray:
    rhs = pt - p0
    rhs[0] = t
    return forms._bordered_solve(model, rhs)


# -- conditioning: the subtraction-free exponential, errors of the float results, extended precision -----------------
#: Largest ``c`` of the uniformized step :math:`e^{-c} \sum_k (Mh + c)^k / k!` (a power of two: ``h`` stays exact).
_UNIFORM_STEP = 2.0 ** -4


def _uniformized(model: Any, t: float, p0: np.ndarray, dps: int | None = None) -> tuple[Any, Any]:
    r"""``(p(t), q)`` by the subtraction-free exponential of :math:`M t` (float, or mpmath at ``dps`` digits).

    :math:`M = [[L, p(0)], [0, 0]]` is essentially non-negative. With :math:`h = t / 2^m` and
    :math:`c = h \max_i(-M_{ii}) \le 1/16`, the matrix :math:`P = M h + c` is non-negative and
    :math:`e^{M h} = e^{-c} \sum_k P^k / k!` a sum of non-negative terms (carried until no entry
    appears any more and the terms are below the working precision), squared ``m`` times: no
    subtraction anywhere, so each entry of :math:`p(t)` and :math:`q` keeps its relative
    accuracy however small it is (the rates and ``p(0)`` are read exactly; a squaring at most
    doubles an entry's relative error, so mpmath works with ``m log10(2)`` guard digits).
    O(n^3 log(t max_i w_i)): small networks only.
    """
    n = model.n
    src, dst, w = model.edge_arrays()
    out = np.bincount(src, weights=w, minlength=n + 1)
    m = _squarings(model, t)
    h = math.ldexp(t, -m)  # exact
    if dps is None:
        P = np.zeros((n + 1, n + 1))
        np.add.at(P, (dst, src), w * h)
        P[:n, n] = p0 * h
        c = float(out.max()) * h
        P[np.arange(n + 1), np.arange(n + 1)] = c - out * h
        E, term, k = np.identity(n + 1), np.identity(n + 1), 0
        while True:
            k += 1
            term = (term @ P) / k
            E = E + term
            if np.all(term <= (forms._EPS / 4) * E):
                break
        E *= math.exp(-c)
        for _ in range(m):
            E = E @ E
        return E[:n, :n] @ p0, E[:n, n]
    import mpmath as mp

    with mp.workdps(dps + math.ceil(0.302 * m) + 5):
        zero, one, H = mp.mpf(0), mp.mpf(1), mp.mpf(h)
        P = [[zero] * (n + 1) for _ in range(n + 1)]
        ex = [zero] * (n + 1)
        for a, b, x in zip(src.tolist(), dst.tolist(), w.tolist()):
            v = mp.mpf(x)  # the float exactly
            P[b][a] += v * H
            ex[a] += v
        for i in range(n):
            P[i][n] = mp.mpf(float(p0[i])) * H
        c = max(ex) * H
        for i in range(n + 1):
            P[i][i] = c - ex[i] * H  # >= 0; exact but for the last bits of the largest exit rates
        tol = mp.mpf(2) ** -(mp.mp.prec + 2)
        cols = [list(col) for col in zip(*P)]
        E = [[one if i == j else zero for j in range(n + 1)] for i in range(n + 1)]
        term = [row[:] for row in E]
        k = 0
        while True:
            k += 1
            term = [[mp.fdot(row, col) / k for col in cols] for row in term]
            E = [[x + y for x, y in zip(r, s_)] for r, s_ in zip(E, term)]
            if all(x <= tol * y for r, s_ in zip(term, E) for x, y in zip(r, s_)):
                break
        g = mp.exp(-c)
        E = [[x * g for x in r] for r in E]
        for _ in range(m):
            cols = [list(col) for col in zip(*E)]
            E = [[mp.fdot(row, col) for col in cols] for row in E]
        v = [mp.mpf(float(x)) for x in p0]
        pt = [mp.fdot(E[i][:n], v) for i in range(n)]
        q = [E[i][n] for i in range(n)]
    return pt, q


#: Squarings up to which the float subtraction-free exponential is a reference for the entries of ``p(t)`` (each
#: squaring may double its relative error: past this the float ``expm``'s own relative accuracy is trusted).
_REFERENCE_SQUARINGS = 12


def _squarings(model: Any, t: float) -> int:
    """The ``m`` of :func:`_uniformized` at time ``t``."""
    src, _, w = model.edge_arrays()
    top = float(np.bincount(src, weights=w, minlength=model.n).max()) * t
    return max(0, math.ceil(math.log2(top / _UNIFORM_STEP))) if top > 0 else 0


def _float_reference(model: Any, t: float, p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The float subtraction-free ``(p(t), q)`` (:func:`_uniformized`), kept on the model for a few ``(t, p0)``."""
    key = (float(t), np.asarray(p0, dtype=float).tobytes())
    memo = model.cache.setdefault("float_reference", {})
    if key not in memo:
        if len(memo) >= 8:
            memo.clear()
        memo[key] = _uniformized(model, t, p0)
    return memo[key]


def _p_errors(model: Any, t: float, p0: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """Absolute errors of the float ``p(t)`` (per state).

    A network of at most ``MAX_PRECISE_STATES`` states at a time of at most
    :data:`_REFERENCE_SQUARINGS` squarings: the distance to the float subtraction-free exponential
    (:func:`_uniformized`, accurate entry by entry) beyond that reference's own bound, plus
    ``expm``'s usual error (a rounding per squaring of each entry); otherwise (long times against
    the fastest rate, where that reference's squarings lose digits too) ``expm``'s normwise
    error, a rounding per squaring of the largest entry: the small entries of a stiff network's
    ``p(t)`` lose digits (7 of the pump's 2e-9 near stall at ``t = 1``).
    """
    m = _squarings(model, t)
    eps = forms._EPS
    spread = eps * (2 + m) * pt
    if model.n <= forms.MAX_PRECISE_STATES and m <= _REFERENCE_SQUARINGS:
        ref, _ = _float_reference(model, t, p0)
        bound = eps * (2.0 ** m) * (model.n + 20) * np.abs(ref)  # the reference's own error, at most
        return np.maximum(np.abs(pt - ref) - bound, 0.0) + spread
    return spread + eps * (2 + m) * float(pt.max())  # expm's error is relative to the largest entry


def _q_errors(model: Any, t: float, p0: np.ndarray, pt: np.ndarray, q: np.ndarray, err_pt: np.ndarray) -> np.ndarray:
    r"""Absolute errors of the float time integral ``q`` (the bordered solve of ``L q = p(t) - p(0)``).

    Up to ``MAX_PRECISE_STATES`` states at a time of at most :data:`_REFERENCE_SQUARINGS`
    squarings: the distance to the float subtraction-free exponential (:func:`_uniformized`, whose
    ``q`` keeps its relative accuracy entry by entry), plus a rounding per squaring. Longer times,
    first order:
    :math:`|A^{-1}|(\delta b + n\,\epsilon P|\hat L||\hat U||q|)` with the factors of the
    elimination and :math:`\delta b` the rounding and the errors of ``p(t) - p(0)`` (a bound:
    such a network is computed again in extended precision where it may lose digits). Larger
    networks: the distance to ``expm_multiply`` of the augmented matrix
    :math:`M = [[L, p(0)], [0, 0]]` (whose last column of :math:`e^{M t}` is ``q``, with an error
    of about ``eps t``), so that a warning or refusal reports digits actually lost.
    """
    eps = forms._EPS
    n = model.n
    if n > forms.MAX_PRECISE_STATES:
        import scipy.sparse as sps
        from scipy.sparse.linalg import expm_multiply

        src, dst, w = model.edge_arrays()
        out = np.bincount(src, weights=w, minlength=n)
        rows = np.concatenate([dst, np.arange(n), np.arange(n)])
        cols = np.concatenate([src, np.arange(n), np.full(n, n)])
        M = sps.csr_matrix((np.concatenate([w, -out, p0]) * t, (rows, cols)), shape=(n + 1, n + 1))
        e = np.zeros(n + 1)
        e[n] = 1.0
        qa = expm_multiply(M, e)[:n]
        return np.abs(q - qa) + 4 * eps * (np.abs(q) + np.abs(qa))
    m = _squarings(model, t)
    if m <= _REFERENCE_SQUARINGS:  # the subtraction-free reference: accurate entry by entry
        _, ref = _float_reference(model, t, p0)
        return np.abs(q - ref) + eps * (2 + m) * (np.abs(q) + np.abs(ref))
    from scipy.linalg import lu

    A, scale = forms._bordered_matrix(model)
    db = (eps * (np.abs(pt) + np.abs(p0)) + err_pt) / scale
    db[0] = eps * t
    Ad = A.toarray()
    perm, lo, up = lu(Ad)  # Gaussian elimination's backward error is n eps |L||U| (its factors), not n eps |A|
    v = db + n * eps * (perm @ (np.abs(lo) @ (np.abs(up) @ np.abs(q))))
    return np.abs(np.linalg.inv(Ad)) @ v


def _rel_digits(values: np.ndarray, errors: np.ndarray) -> float:
    """The most digits lost by an entry of ``values`` with these absolute errors (0 where both are zero)."""
    live = errors > 0
    if not live.any():
        return 0.0
    with np.errstate(divide="ignore"):
        rel = errors[live] / np.abs(values[live])
    return forms._digits(float(rel.max()))


class _PreciseTransient:
    """``p(t)`` and ``q`` in ``dps``-digit arithmetic (:func:`_uniformized`), with the rates and entropy flows of
    the stationary :class:`~thermotheory.core.jump_forms._PreciseState` (``w``, ``F`` per transition)."""

    def __init__(self, model: Any, t: float, p0: np.ndarray, dps: int) -> None:
        import mpmath as mp

        S = forms._precise_state(model, dps)
        self.dps, self.w, self.F = dps, S.w, S.F
        self.pt, self.q = _uniformized(model, t, p0, dps)
        with mp.workdps(dps):
            self.p0 = [mp.mpf(float(x)) for x in p0]


def _precise_transient(model: Any, t: float, p0: np.ndarray, dps: int) -> _PreciseTransient:
    key = (float(t), np.asarray(p0, dtype=float).tobytes(), dps)
    memo = model.cache.setdefault("precise_transient", {})
    if key not in memo:
        if len(memo) >= 8:
            memo.clear()
        memo[key] = _PreciseTransient(model, t, p0, dps)
    return memo[key]


def _precise_array(model: Any, t: float, p0: np.ndarray, which: str) -> np.ndarray:
    import mpmath as mp

    S = _precise_transient(model, t, p0, forms.PRECISE_DPS)
    with mp.workdps(S.dps):
        return np.array([float(x) for x in getattr(S, which)])


_TRANSIENT_REASON = ("the heat or entropy production is a small difference of large terms, near equilibrium or from "
                     "the stationary state, or the occupation times at a time short against the slowest relaxation "
                     "come from a difference of probabilities of order one")


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
    t, p0, pt, q, _, S = _transient(model, t, initial, form, "time_integral")
    if S is not None:
        return S.result(q)
    if model.n > forms.MAX_PRECISE_STATES or t == 0:
        return q
    if _rel_digits(q, _q_errors(model, t, p0, pt, q, _p_errors(model, t, p0, pt))) < forms.PRECISE_DIGITS:
        return q
    m = _squarings(model, t)
    if m <= _REFERENCE_SQUARINGS and forms._digits(forms._EPS * 2.0 ** m * (model.n + 20)) < forms.PRECISE_DIGITS:
        return _float_reference(model, t, p0)[1].copy()  # subtraction-free: each entry within that bound
    return _precise_array(model, t, p0, "q")


def _symbolic_heat(model: Any, mask: np.ndarray, q: sp.Matrix, pieces: tuple, t: Any, S: _Symbolic) -> sp.Expr:
    r"""``sum_{mask} q_i w_ij F_ij``, the two jumps of a pair with opposite flows under one flow.

    Structured: in the named occupation times :math:`q_i(t)`; plain: with ``q = pi t + A X + B Y``,
    one coefficient per flow and piece.
    """
    pi, A, B, X, Y = pieces
    if S.N.structured:
        st = model.state_latex
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
    :math:`\Delta`, see :func:`distribution`). Numeric: its digits lost are checked (see the
    module's notes on conditioning), small networks computed again in extended precision.

    Raises
    ------
    IllConditioned
        For a network of more than ``MAX_PRECISE_STATES`` states whose heat loses 13 digits or
        more (a ``ConditioningWarning`` past 8).

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
    t, p0, pt, q, pieces, S = _transient(model, t, initial, form, "heat")
    if S is None:
        return _checked_transient(model, "heat", t, p0, pt, q, mask, entropy=False)
    return S.result(_heat_of(model, mask, q, pieces, S, t))


def _heat_of(model: Any, mask: np.ndarray, q: Any, pieces: Any, S: Any, t: Any) -> Any:
    if S is None:
        src, _, w = model.edge_arrays()
        flows = forms._flows_where(model, mask)
        return float((q[src[mask]] * w[mask] * flows[mask]).sum())
    return _symbolic_heat(model, mask, q, pieces, t, S)


def _checked_transient(model: Any, what: str, t: float, p0: np.ndarray, pt: np.ndarray, q: np.ndarray,
                       mask: np.ndarray, entropy: bool) -> float:
    """The float heat over ``[0, t]`` (with ``entropy``: plus ``H(p(t)) - H(p(0))``), its digits lost checked.

    The errors of ``p(t)`` and ``q`` (:func:`_p_errors`, :func:`_q_errors`) are carried through the
    sum; where ``PRECISE_DIGITS`` are lost the quantity is computed again in extended precision
    (networks of at most ``MAX_PRECISE_STATES`` states, :func:`_uniformized`), else it is warned
    about or refused (:func:`thermotheory.core.jump_forms._checked`).
    """
    eps = forms._EPS
    src, _, w = model.edge_arrays()
    flows = forms._flows_where(model, mask)
    terms = q[src[mask]] * w[mask] * flows[mask]
    value = float(terms.sum())
    if entropy:
        value = forms._shannon(pt) - forms._shannon(p0) + value
    if t == 0:
        return value  # nothing happened yet: exactly zero
    err_pt = _p_errors(model, t, p0, pt)
    err_q = _q_errors(model, t, p0, pt, q, err_pt)
    wf = np.abs(w[mask] * flows[mask])
    error = float((wf * err_q[src[mask]]).sum()) + 4 * eps * float((np.abs(terms) * (1 + np.abs(flows[mask]))).sum())
    if entropy:
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = np.abs(np.log(np.maximum(pt, err_pt))) + 1
            h = np.nan_to_num(np.abs(pt * np.log(pt)))
            h0 = np.nan_to_num(np.abs(p0 * np.log(p0)))
        error += float(np.nan_to_num(lp * err_pt).sum()) + 4 * eps * float(h.sum() + h0.sum())
    m = _squarings(model, t)
    if (forms._lost(value, error) >= forms.PRECISE_DIGITS and model.n <= forms.MAX_PRECISE_STATES
            and m <= _REFERENCE_SQUARINGS):
        # the bound above adds the entries' errors in absolute value; the same sum from the subtraction-free
        # reference (accurate entry by entry) measures the error itself
        pr, qr = _float_reference(model, t, p0)
        tr = qr[src[mask]] * w[mask] * flows[mask]
        ref = float(tr.sum())
        size = float((np.abs(tr) * (1 + np.abs(flows[mask]))).sum())
        if entropy:
            ref = forms._shannon(pr) - forms._shannon(p0) + ref
            # a relative error e of p moves p ln p by p (1 + ln p) e
            with np.errstate(divide="ignore", invalid="ignore"):
                size += float(np.nan_to_num(np.abs(pr) * (1 + np.abs(np.log(pr)))).sum()
                              + np.nan_to_num(np.abs(p0) * (1 + np.abs(np.log(p0)))).sum())
        error = min(error, abs(value - ref) + eps * (4 + m) * size)
    E = forms._edges(model)
    keep = np.flatnonzero(mask)

    def terms_of(P):
        import mpmath as mp

        for k in keep:
            if P.F[k] is not None and P.q[E.src[k]]:
                x = P.q[E.src[k]] * P.w[k] * P.F[k]
                yield x, abs(x)
        if entropy:
            for a, b in zip(P.pt, P.p0):
                if a:
                    yield -a * mp.log(a), abs(a * mp.log(a))
                if b:
                    yield b * mp.log(b), abs(b * mp.log(b))

    return forms._checked(model, what, value, error,
                          lambda: forms._precise_value(model, terms_of,
                                                       state=lambda dps: _precise_transient(model, t, p0, dps)),
                          subject="transient value", reason=_TRANSIENT_REASON,
                          advice="a time and an initial state farther from stationarity")


def entropy_production(model: Any, t: Any, initial: Any, form: str | None = None) -> Any:
    r"""Total entropy produced over ``[0, t]`` from ``initial``: :math:`H(p(t)) - H(p(0)) + Q(t)`.

    Symbolic for two and three states; ``form="structured"`` names the probabilities
    :math:`p_i(t)` as well.

    Raises
    ------
    IrreversibleTransition
        For a jump without its reverse.
    IllConditioned
        For a network of more than ``MAX_PRECISE_STATES`` states whose value loses 13 digits or
        more (near equilibrium, from the stationary state); a ``ConditioningWarning`` past 8.

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
    everything = np.ones(len(model.edges), dtype=bool)
    if S is None:
        return _checked_transient(model, "entropy_production", t, p0, pt, q, everything, entropy=True)
    Q = _heat_of(model, everything, q, pieces, S, t)
    st = model.state_latex
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
