r"""Time-integrated currents of a linear SDE: the functional and its ready-made cases.

A current is a functional of the path

.. math:: J_t = \int_0^t (G z + g_0)^T \circ dz
              + \int_0^t \left(\tfrac12 z^T H z + c^T z + c_0\right) ds

with the first integral in the Stratonovich (midpoint) sense. The increment part ``g``
is linear in the state and the rate part ``h`` is quadratic, so that every moment of
``J`` is a Gaussian integral. :class:`Current` holds the matrices (as sympy matrices:
numbers or expressions) together with the model's variables they are written for, and
a LaTeX symbol.

Constructors for the common currents of stochastic thermodynamics (conventions of the
package: :math:`k_B = 1`, heat as entropy flow into the medium, in nats):

- :meth:`Current.heat`: the entropy flow into the medium caused by a subsystem
  (its mean rate is :func:`~thermotheory.heat_rate`), odd variables included;
- :meth:`Current.entropy_production`: the total entropy production, heat plus the
  change of the system entropy :math:`-\ln p(z)` (its mean rate is
  :func:`~thermotheory.entropy_production_rate`);
- :meth:`Current.work`: the work done by a harmonic trap moved at constant velocity,
  written in the frame that moves with the trap;
- :meth:`Current.time_integral`: a weighted time integral of variables (a neuron's
  integrated output :math:`\int x\,dt`);
- :meth:`Current.from_expressions`: any current written as sympy expressions of the
  state variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ...errors import ModelError, NotBipartite, SingularCovariance
from ..checks import as_expression
from ..state import covariance_matrix, stationary_mean
from ..model import LinearSDE, VariableSpec

__all__ = ["Current"]


def _matrix(value: Any, shape: tuple[int, int], name: str) -> sp.ImmutableMatrix:
    """A sympy matrix of the given shape from numbers, expressions, arrays or nested lists (None: zeros)."""
    if value is None:
        return sp.ImmutableMatrix(sp.zeros(*shape))
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if shape[1] == 1 and not isinstance(value, sp.MatrixBase):
        try:
            flat = list(np.ravel(np.asarray(value, dtype=object)))
        except (TypeError, ValueError) as exc:
            raise ModelError(f"{name}: expected {shape[0]} numbers or expressions ({exc})") from None
        if len(flat) != shape[0]:
            raise ModelError(f"{name}: expected {shape[0]} entries but found {len(flat)}")
        value = [[e] for e in flat]
    if not isinstance(value, sp.MatrixBase):
        try:
            entries = list(np.ravel(np.asarray(value, dtype=object)))
        except (TypeError, ValueError):
            entries = []
        text = next((e for e in entries if isinstance(e, (str, bytes))), None)
        if text is not None:  # sympy would read "a" as a new symbol
            raise ModelError(f"{name}: expected numbers or sympy expressions but found the text {text!r}")
    try:
        M = sp.Matrix(value)
    except (sp.SympifyError, TypeError, ValueError) as exc:
        raise ModelError(f"{name}: expected a matrix of numbers or sympy expressions ({exc})") from None
    if M.shape != shape:
        raise ModelError(f"{name}: expected shape {shape} but found {M.shape}")
    for k, e in enumerate(M):
        M[k] = as_expression(e, f"{name}[{k // shape[1]}, {k % shape[1]}]")
    return sp.ImmutableMatrix(M)


def _zero(e: Any) -> bool:
    """True when an entry is provably zero (a float 0.0 included), after cancelling."""
    e = sp.sympify(e)
    return bool(e.is_zero) or sp.cancel(e).is_zero is True


def _is_zero(M: sp.MatrixBase) -> bool:
    """True when every entry is provably zero."""
    return all(_zero(e) for e in M)


@dataclass(frozen=True)
class Current:
    r"""A time-integrated current :math:`J_t = \int (G z + g_0)^T \circ dz + \int h(z)\,ds`.

    .. math:: h(z) = \tfrac12 z^T H z + c^T z + c_0

    Parameters
    ----------
    variables : sequence of Symbols, or a LinearSDE
        The state variables the matrices refer to, in the model's order (a model: its variables).
    G : (n, n) matrix, optional
        Linear part of the Stratonovich increment: ``g(z) = G z + g0`` multiplies ``dz``.
    g0 : length-n vector, optional
    H : (n, n) symmetric matrix, optional
        Quadratic part of the rate ``h``.
    c : length-n vector, optional
    c0 : number or expression, optional
    symbol : str
        LaTeX symbol of the current (for notation and reports).

    Notes
    -----
    Entries are sympy numbers or expressions; a current without free symbols is numeric.
    A gradient increment (``G`` symmetric) integrates to a change of a potential, a
    boundary term: it has no mean rate and no variance rate, but it changes the scaled
    cumulant generating function where the boundary weights stop being integrable.

    Examples
    --------
    The Stratonovich integral of ``v`` against ``dx`` (the signal a neuron ``x`` tracks):

    >>> import sympy as sp
    >>> v, x = sp.symbols("v x", real=True)
    >>> J = Current((v, x), G=[[0, 0], [1, 0]], symbol=r"J_{vx}")
    >>> J.G
    Matrix([
    [0, 0],
    [1, 0]])
    """

    variables: tuple
    G: Any = None
    g0: Any = None
    H: Any = None
    c: Any = None
    c0: Any = 0
    symbol: str = "J"

    def __post_init__(self) -> None:
        variables = self.variables
        if isinstance(variables, LinearSDE):
            variables = variables.variables
        variables = tuple(variables) if not isinstance(variables, sp.Symbol) else (variables,)
        if not variables or any(not isinstance(v, sp.Symbol) for v in variables):
            raise ModelError(f"variables: expected a non-empty sequence of sympy Symbols but found {self.variables!r}")
        if len(set(variables)) != len(variables):
            raise ModelError(f"variables: repeated in {variables}")
        n = len(variables)
        set_ = object.__setattr__
        set_(self, "variables", variables)
        set_(self, "G", _matrix(self.G, (n, n), "G"))
        set_(self, "g0", _matrix(self.g0, (n, 1), "g0"))
        H = _matrix(self.H, (n, n), "H")
        if not H.free_symbols and any(e.has(sp.Float) for e in H):  # floats: symmetric to round-off
            Hn = np.asarray(H.evalf(), dtype=float)
            if np.max(np.abs(Hn - Hn.T), initial=0.0) <= 1e-12 * max(np.max(np.abs(Hn), initial=0.0), 1e-300):
                H = sp.ImmutableMatrix((H + H.T) / 2)
        if not _is_zero(H - H.T):
            raise ModelError(f"H: expected a symmetric matrix (the rate is z^T H z / 2) but found {H.tolist()}")
        set_(self, "H", H)
        set_(self, "c", _matrix(self.c, (n, 1), "c"))
        set_(self, "c0", as_expression(self.c0, "c0"))
        if not isinstance(self.symbol, str):
            raise ModelError(f"symbol: expected a LaTeX string but found {self.symbol!r}")

    # -- views ---------------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        """Number of state variables."""
        return len(self.variables)

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols of the matrices, sorted by name."""
        syms: set[sp.Symbol] = set()
        for M in (self.G, self.g0, self.H, self.c):
            syms |= M.free_symbols
        syms |= self.c0.free_symbols
        return tuple(sorted(syms - set(self.variables), key=lambda s: s.name))

    @property
    def is_numeric(self) -> bool:
        """True when the matrices hold numbers only."""
        return not self.parameters

    @property
    def is_linear(self) -> bool:
        """True when ``G = 0`` and ``H = 0``: the current is a linear (Gaussian) functional of the path."""
        return _is_zero(self.G) and _is_zero(self.H)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
        """``(G, g0, H, c, c0)`` as float arrays (vectors 1-D).

        Raises
        ------
        ModelError
            When the current has free symbols.

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x", real=True)
        >>> Current.from_expressions([x], rate=2 * x).arrays()[3]
        array([2.])
        """
        if not self.is_numeric:
            raise ModelError(f"the current has free parameters {[p.name for p in self.parameters]}; "
                             "substitute values with subs()")
        conv = [np.array(np.asarray(M.evalf(), dtype=float), dtype=float) for M in (self.G, self.g0, self.H, self.c)]
        return conv[0], conv[1].reshape(-1), conv[2], conv[3].reshape(-1), float(self.c0)

    def expressions(self) -> tuple[dict[sp.Symbol, sp.Expr], sp.Expr]:
        r"""The current as expressions: ``({z_i: g_i(z)}, h(z))`` (the coefficient of each :math:`dz_i`, and the rate).

        Examples
        --------
        >>> import sympy as sp
        >>> v, x = sp.symbols("v x", real=True)
        >>> Current.from_expressions([v, x], {x: v}, rate=x**2).expressions()
        ({v: 0, x: v}, x**2)
        """
        z = sp.Matrix(self.variables)
        g = self.G * z + self.g0
        h = sp.expand((z.T * self.H * z)[0, 0] / 2 + (self.c.T * z)[0, 0] + self.c0)
        return {v: sp.expand(g[i]) for i, v in enumerate(self.variables)}, h

    def subs(self, mapping: Mapping[Any, Any]) -> Current:
        """A new current with parameters (Symbols or their names) replaced by values or expressions.

        Names that are not parameters of the current are ignored, so the mapping given to
        ``model.subs`` can be passed unchanged.

        Examples
        --------
        >>> import sympy as sp
        >>> x, k = sp.Symbol("x", real=True), sp.Symbol("k", positive=True)
        >>> Current.from_expressions([x], rate=k * x).subs({"k": 2}).c
        Matrix([[2]])
        """
        if not isinstance(mapping, Mapping):
            raise ModelError(f"expected a mapping from parameter (Symbol or name) to value but found {mapping!r}")
        by_name = {p.name: p for p in self.parameters}
        rep = {}
        for key, val in mapping.items():
            sym = by_name.get(key) if isinstance(key, str) else key
            if sym in self.parameters:
                rep[sym] = as_expression(val, str(sym))
        return Current(self.variables, self.G.xreplace(rep), self.g0.xreplace(rep), self.H.xreplace(rep),
                       self.c.xreplace(rep), self.c0.xreplace(rep), self.symbol)

    def is_odd(self, parity: Sequence[int]) -> bool:
        r"""Whether the current changes sign under time reversal with the given parities.

        Reversal maps :math:`z \to E z` and reverses the increments, so the current is odd
        when :math:`E G E = G`, :math:`E g_0 = g_0` (the increment part) and
        :math:`h(Ez) = -h(z)` (:math:`E H E = -H`, :math:`E c = -c`, :math:`c_0 = 0`).
        Only odd currents are constrained by the thermodynamic uncertainty relation.

        Examples
        --------
        >>> import sympy as sp
        >>> x, v = sp.symbols("x v", real=True)
        >>> Current.from_expressions([x, v], rate=v).is_odd([1, -1])  # the displacement, int v dt
        True
        >>> Current.from_expressions([x, v], rate=x).is_odd([1, -1])
        False
        """
        parity = tuple(parity)
        if len(parity) != self.dimension or any(p not in (1, -1) for p in parity):
            raise ModelError(f"parity: expected {self.dimension} entries of +1 or -1 but found {parity!r}")
        E = sp.diag(*parity)
        return (_is_zero(E * self.G * E - self.G) and _is_zero(E * self.g0 - self.g0)
                and _is_zero(E * self.H * E + self.H) and _is_zero(E * self.c + self.c) and _zero(self.c0))

    def check_model(self, model: LinearSDE) -> None:
        """Refuse a model whose variables are not the ones the current is written for."""
        if not isinstance(model, LinearSDE):
            raise ModelError(f"expected a LinearSDE but found {type(model).__name__}")
        if tuple(model.variables) != self.variables:
            raise ModelError(
                f"the current is written for the variables ({', '.join(v.name for v in self.variables)}) but the "
                f"model has ({', '.join(v.name for v in model.variables)}); build the current from this model"
            )

    # -- constructors --------------------------------------------------------------------
    @classmethod
    def from_expressions(cls, variables: LinearSDE | Sequence[sp.Symbol],
                         increments: Mapping[sp.Symbol | str, Any] | None = None, rate: Any = 0,
                         symbol: str = "J") -> Current:
        r"""A current written as expressions: :math:`J = \int \sum_i g_i(z) \circ dz_i + \int h(z)\,dt`.

        Parameters
        ----------
        variables : LinearSDE or sequence of Symbols
            The model (its variables are used) or the variables.
        increments : mapping variable -> expression, optional
            The coefficient ``g_i(z)`` of each ``dz_i`` (Stratonovich); linear in the state.
        rate : expression, optional
            The rate ``h(z)``; at most quadratic in the state.
        symbol : str
            LaTeX symbol.

        Raises
        ------
        ModelError
            When a coefficient is not linear or the rate not quadratic in the state, or a
            key is not a state variable.

        Examples
        --------
        The integrated output of a neuron ``x`` and the Stratonovich integral of ``v dx``:

        >>> import sympy as sp
        >>> v, x = sp.symbols("v x", real=True)
        >>> Current.from_expressions([v, x], rate=x).c.T
        Matrix([[0, 1]])
        >>> Current.from_expressions([v, x], {x: v}).G
        Matrix([
        [0, 0],
        [1, 0]])
        """
        variables = tuple(variables.variables) if isinstance(variables, LinearSDE) else tuple(variables)
        n = len(variables)
        by_name = {v.name: v for v in variables}
        G, g0 = sp.zeros(n, n), sp.zeros(n, 1)
        for key, expr in (increments or {}).items():
            var = by_name.get(key) if isinstance(key, str) else key
            if var not in variables:
                raise ModelError(f"increments: {key!r} is not a state variable (variables: "
                                 f"{', '.join(by_name)})")
            i = variables.index(var)
            poly = _poly(as_expression(expr, f"the increment coefficient of {var}"), variables, 1,
                         f"the coefficient of d{var}")
            for j, w in enumerate(variables):
                G[i, j] = poly.coeff_monomial(w)
            g0[i] = poly.coeff_monomial(1)
        poly = _poly(as_expression(rate, "rate"), variables, 2, "the rate")
        H, c = sp.zeros(n, n), sp.zeros(n, 1)
        for i, a in enumerate(variables):
            c[i] = poly.coeff_monomial(a)
            H[i, i] = 2 * poly.coeff_monomial(a**2)
            for j in range(i + 1, n):
                H[i, j] = H[j, i] = poly.coeff_monomial(a * variables[j])
        return cls(variables, G, g0, H, c, poly.coeff_monomial(1), symbol)

    @classmethod
    def heat(cls, model: LinearSDE, subsystem: VariableSpec | None = None, symbol: str | None = None) -> Current:
        r"""The entropy flow into the medium caused by ``subsystem`` (heat over temperature), as a current.

        .. math:: Q_Y = \int f^{irr}_Y(z)^T D_{YY}^{+} \circ \left(dz_Y - f^{rev}_Y(z)\, dt\right)

        with :math:`f^{irr} = A_{irr} z + b_{irr}` the irreversible drift (its part even
        under time reversal) and :math:`f^{rev}` the rest; for even variables it is
        :math:`\int f_Y^T D_{YY}^{-1} \circ dz_Y`. Its mean rate is :func:`~thermotheory.heat_rate`
        (the total entropy production rate for all variables). For a variable at
        temperature ``T`` the heat in energy units is ``T`` times this.

        With a feedback force declared on odd variables (``LinearSDE(feedback=...)``),
        :math:`f^{irr}` is the irreversible part of the bath's drift :math:`A - A_{fb}` only,
        and the feedback force joins :math:`f^{rev}`: the current is the heat the bath
        receives, the work of the bath's own forces (friction and noise) on the system with
        its sign reversed; the feedback force's work is not counted (Sekimoto). A cold-damped oscillator
        (:math:`m\,dv = (-k x - \gamma v - \gamma' v)\,dt + \sqrt{2\gamma T}\,dW`) gives
        :math:`Q = -\tfrac{1}{T}\int v \circ (m\,dv + k x\,dt + \gamma' v\,dt)`, whose mean
        rate is :math:`-\gamma\gamma'/(m(\gamma + \gamma'))` (:func:`~thermotheory.heat_rate`).

        Raises
        ------
        NotBipartite
            When the noise of ``subsystem`` is correlated with the rest.
        ModelError
            When an irreversible drift acts on a variable without noise (infinite heat).

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> v, x = sp.symbols("v x", real=True)
        >>> m = LinearSDE({v: -v, x: v - x}, {v: 1, x: 1})
        >>> Current.heat(m, x).expressions()
        ({v: 0, x: v - x}, 0)

        A velocity ``u`` (friction and temperature 1) cold-damped by the feedback force ``-u``:
        the heat counts the friction ``-u`` and not the feedback,

        >>> u = sp.Symbol("u", real=True)
        >>> cold = LinearSDE({u: -2 * u}, {u: 1}, parity={u: -1}, feedback={u: -u})
        >>> Current.heat(cold).expressions()
        ({u: -u}, -u**2)
        """
        A, b, D = _model_matrices(model)
        n = model.dimension
        idx = list(range(n)) if subsystem is None else model.indices(subsystem)
        rest = [i for i in range(n) if i not in idx]
        if rest and not _is_zero(D.extract(idx, rest)):
            names = [model.variables[i].name for i in idx]
            raise NotBipartite(f"the noise of {names} is correlated with the rest of the system; the heat of a "
                               "subsystem needs independent noise (a bipartite system)")
        E = sp.diag(*model.parity)
        A_bath = A - _feedback_matrix(model)  # a declared feedback force is not the bath's friction
        A_irr, b_irr = (A_bath + E * A_bath * E) / 2, (b + E * b) / 2
        A_rev, b_rev = A - A_irr, b - b_irr  # the feedback force joins the reversible drift
        D_YY = D.extract(idx, idx)
        Dp = _pinv(D_YY)
        F, f0 = A_irr.extract(idx, list(range(n))), b_irr.extract(idx, [0])
        rows = F.row_join(f0)
        leak = (sp.eye(len(idx)) - D_YY * Dp) * rows
        if model.is_numeric:
            size = max(float(np.max(np.abs(np.asarray(rows, dtype=float)), initial=0.0)), 1e-300)
            finite = float(np.max(np.abs(np.asarray(leak, dtype=float)), initial=0.0)) <= 1e-9 * size
        else:
            finite = _is_zero(leak.applyfunc(sp.cancel))
        if not finite:
            names = [model.variables[i].name for i in idx]
            raise ModelError(f"the heat of {names} is infinite: an irreversible drift acts on a variable without "
                             "noise (give it a diffusion, or mark it odd if it is a velocity-like variable)")
        K, k0 = A_rev.extract(idx, list(range(n))), b_rev.extract(idx, [0])
        P = sp.zeros(n, len(idx))
        for col, i in enumerate(idx):
            P[i, col] = 1
        G = P * Dp * F
        g0 = P * Dp * f0
        H = -(F.T * Dp * K + K.T * Dp * F)
        c = -(F.T * Dp * k0 + K.T * Dp * f0)
        c0 = -(f0.T * Dp * k0)[0, 0]
        if symbol is None:
            names = ", ".join(sp.latex(model.variables[i]) for i in idx)
            symbol = "Q" if subsystem is None else f"Q_{{{names}}}"
        return cls(model.variables, _tidy(G), _tidy(g0), _tidy(H), _tidy(c), sp.cancel(c0), symbol)

    @classmethod
    def entropy_production(cls, model: LinearSDE, symbol: str = r"\Sigma") -> Current:
        r"""The total entropy production: the medium's entropy flow plus the change of :math:`-\ln p(z)`.

        .. math:: \Sigma_t = Q_t + \ln p(z_0) - \ln p(z_t)

        with :math:`Q` the heat of all variables (:meth:`heat`) and :math:`p` the
        stationary density; the second part is the Stratonovich integral of the gradient
        :math:`S^{-1}(z - m)`. Its mean rate is :func:`~thermotheory.entropy_production_rate`,
        and in the steady state it obeys the detailed fluctuation theorem at every time.

        With a feedback force declared on odd variables (``LinearSDE(feedback=...)``), ``Q``
        is the bath's heat and the entropy pumping of the feedback,
        :math:`\dot S_{pump} = -\operatorname{tr} A_{fb}` (a constant of a linear feedback),
        is added as a constant rate (``c0``): the mean rate is again
        :func:`~thermotheory.entropy_production_rate`, the fluctuations are the heat's, and
        the fluctuation theorem above is not claimed (the pumping is not the log-ratio of
        forward and reversed path probabilities of the same dynamics).

        Raises
        ------
        ModelError
            With odd variables, unless the stationary density is symmetric under time
            reversal (:math:`E S E = S`, :math:`E m = m`): otherwise the reversed path starts
            from :math:`p(E z_t) \ne p(z_t)` and the boundary term is not a current.
        SingularCovariance
            When the stationary covariance is singular.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> v, x = sp.symbols("v x", real=True)
        >>> m = LinearSDE({v: -v, x: v - x}, {v: 1, x: 1})
        >>> Current.entropy_production(m).G  # the heat's D^-1 A plus the precision S^-1
        Matrix([
        [0.2, -0.4],
        [0.6, -0.2]])
        """
        heat = cls.heat(model)
        S = _as_sym(covariance_matrix(model))
        m = _as_sym(stationary_mean(model)).reshape(model.dimension, 1)
        E = sp.diag(*model.parity)
        if any(p == -1 for p in model.parity):
            if not (_is_zero(E * S * E - S) and _is_zero(E * m - m)):
                raise ModelError(
                    "the total entropy production is a current only when the stationary density is symmetric "
                    "under time reversal (odd variables uncorrelated with even ones, zero mean of odd ones); "
                    "use Current.heat(model) for the medium's entropy flow, which has the same variance rate (and "
                    "the same mean rate, less the entropy pumping of a declared feedback force)"
                )
        singular = SingularCovariance("the stationary covariance is singular; the density has no gradient")
        if model.is_numeric:
            Sn = np.asarray(covariance_matrix(model), dtype=float)
            if np.linalg.cond(Sn) > 1e12:
                raise singular
            P = sp.Matrix(np.linalg.inv(Sn).tolist())
        else:
            if _zero(S.det(method="berkowitz")):
                raise singular
            P = S.inv().applyfunc(sp.cancel)
        pump = -_feedback_matrix(model).trace()  # entropy pumping of a declared feedback force (0 without)
        return cls(model.variables, _tidy(heat.G + P), _tidy(heat.g0 - P * m), heat.H, heat.c,
                   sp.cancel(heat.c0 + pump), symbol)

    @classmethod
    def work(cls, model: LinearSDE, stiffness: Any, velocity: Any, symbol: str = "W") -> Current:
        r"""The work done by a harmonic trap moved at constant velocity, in the frame moving with it.

        A trap :math:`U = \tfrac12 (z - u t)^T K (z - u t)` moved at velocity ``u`` does
        work at the rate :math:`\partial_t U = -u^T K y`, with :math:`y = z - u t` the state
        in the trap's frame, which is stationary: the model must be written in ``y``
        (``dy = (-\mu K y - u)\,dt + \ldots``). In energy units.

        Parameters
        ----------
        model : LinearSDE
            The model in the trap's frame.
        stiffness : (n, n) symmetric matrix, or a number for one variable
        velocity : length-n vector, or a number for one variable

        Notes
        -----
        The model in the moving frame is an equilibrium process: its own entropy
        production (:func:`~thermotheory.entropy_production_rate`) misses the dragging,
        :math:`\dot W / T`; give :func:`uncertainty_ratio` that rate as ``entropy_rate``.

        Examples
        --------
        A particle (friction ``gamma``, temperature ``T``) in a trap of stiffness ``k``
        dragged at speed ``u``:

        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> y = sp.Symbol("y", real=True)
        >>> k, gamma, T, u = sp.symbols("k gamma T u", positive=True)
        >>> frame = LinearSDE({y: -k * y / gamma - u}, {y: T / gamma})
        >>> Current.work(frame, k, u).expressions()[1]
        -k*u*y
        """
        n = model.dimension
        K = _matrix(stiffness if not _is_scalar(stiffness) else sp.eye(n) * as_expression(stiffness, "stiffness"),
                    (n, n), "stiffness")
        if not _is_zero(K - K.T):
            raise ModelError("stiffness: expected a symmetric matrix")
        if _is_scalar(velocity) and n > 1:
            raise ModelError(f"velocity: expected {n} components (one per variable) but found one number")
        u = _matrix([velocity] if _is_scalar(velocity) else velocity, (n, 1), "velocity")
        return cls(model.variables, c=-(K * u), symbol=symbol)

    @classmethod
    def time_integral(cls, model: LinearSDE, variables: VariableSpec, weights: Any = None,
                      symbol: str | None = None) -> Current:
        r"""A weighted time integral of variables, :math:`\int \sum_i w_i z_i\, dt` (a neuron's integrated output).

        Parameters
        ----------
        model : LinearSDE
        variables : Symbol, name or sequence of them
        weights : sequence of numbers or expressions, optional
            One per variable (default 1).

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> v, x = sp.symbols("v x", real=True)
        >>> m = LinearSDE({v: -v, x: v - x}, {v: 1, x: 1})
        >>> Current.time_integral(m, x).symbol
        '\\int x\\, dt'
        """
        idx = model.indices(variables)
        if weights is None:
            weights = [1] * len(idx)
        weights = list(weights) if not _is_scalar(weights) else [weights]
        if len(weights) != len(idx):
            raise ModelError(f"weights: expected {len(idx)} (one per variable) but found {len(weights)}")
        c = sp.zeros(model.dimension, 1)
        for i, w in zip(idx, weights):
            c[i] = as_expression(w, f"the weight of {model.variables[i]}")
        if symbol is None:
            terms = " + ".join(sp.latex(c[i] * model.variables[i]) for i in idx)
            symbol = rf"\int {terms}\, dt" if len(idx) == 1 else rf"\int ({terms})\, dt"
        return cls(model.variables, c=c, symbol=symbol)


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (int, float, sp.Expr, np.number)) and not isinstance(x, bool)


def _poly(expr: sp.Expr, variables: tuple, degree: int, what: str) -> sp.Poly:
    """``expr`` as a polynomial in the state variables of at most ``degree``; ModelError otherwise."""
    try:
        poly = sp.Poly(sp.expand(expr), *variables)
    except sp.PolynomialError:
        poly = None
    if poly is None or any(d < 0 for m in poly.monoms() for d in m) or poly.total_degree() > degree:
        kind = "linear" if degree == 1 else "at most quadratic"
        raise ModelError(f"{what} must be {kind} in the state variables, but found {expr}")
    for coeff in poly.coeffs():
        if coeff.free_symbols & set(variables):
            raise ModelError(f"{what} must be a polynomial in the state variables, but found {expr}")
    return poly


def _as_sym(M: Any) -> sp.Matrix:
    return sp.Matrix(np.asarray(M, dtype=float).tolist()) if isinstance(M, np.ndarray) else sp.Matrix(M)


def _model_matrices(model: LinearSDE) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    if not isinstance(model, LinearSDE):
        raise ModelError(f"expected a LinearSDE but found {type(model).__name__}")
    if not model.is_autonomous:
        raise ModelError(f"the drift depends on time {model.time}: currents are defined here for stationary models "
                         "(write a dragged system in the frame that moves with the protocol)")
    return sp.Matrix(model.A), sp.Matrix(model.b), sp.Matrix(model.D)


def _feedback_matrix(model: LinearSDE) -> sp.Matrix:
    """The declared feedback matrix ``A_fb`` of the model (zeros without feedback)."""
    F = getattr(model, "feedback", None)
    return sp.zeros(model.dimension, model.dimension) if F is None else sp.Matrix(F)


def _pinv(M: sp.Matrix) -> sp.Matrix:
    n = M.shape[0]
    if all(_zero(M[i, j]) for i in range(n) for j in range(n) if i != j):
        return sp.diag(*[0 if _zero(M[i, i]) else 1 / M[i, i] for i in range(n)])
    if not M.free_symbols and all(e.is_Float or e.is_Rational for e in M):
        return M.pinv()
    return M.pinv().applyfunc(sp.cancel)


def _tidy(M: sp.MatrixBase) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(sp.Matrix(M).applyfunc(lambda e: sp.factor_terms(sp.cancel(e))))
