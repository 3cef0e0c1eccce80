"""A general (nonlinear) SDE with diagonal, possibly state-dependent noise.

``dz_i = f_i(z) dt + sqrt(2 D_i(z)) dW_i``. There are no closed forms for it: it is
simulated (Euler–Maruyama for the Itô reading, Heun for the Stratonovich reading) and
its quantities are estimated by Monte Carlo.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
import sympy as sp

from ..errors import InvalidDiffusion, ModelError, NotStable, UnknownVariable
from . import display
from .checks import as_expression, check_distinct_names
from .model import LinearSDE, StateModel, _parity_tuple

__all__ = ["SDE", "CONVENTIONS", "linear_noise_approximation", "fixed_points"]

CONVENTIONS = ("ito", "stratonovich")


class SDE(StateModel):
    r"""A stochastic differential equation with any (sympy) drift and diagonal noise.

    .. math:: dz_i = f_i(z)\,dt + \sqrt{2 D_i(z)}\, dW_i

    Parameters
    ----------
    drift : mapping Symbol -> expression
        Drift of each state variable (any sympy expression); the order is the variable order.
    diffusion : mapping Symbol -> expression
        Diffusion ``D_i(z) >= 0`` of each variable (may depend on the state); variables
        left out have none.
    parity : mapping Symbol -> +1 or -1, optional
        Behaviour under time reversal (default all even).
    convention : {"ito", "stratonovich"}
        How multiplicative noise is read. It decides the integrator: Euler–Maruyama for
        Itô, Heun for Stratonovich (for additive noise both agree).

    Examples
    --------
    A particle in a double well:

    >>> import sympy as sp
    >>> from thermotheory import SDE
    >>> x = sp.Symbol("x", real=True)
    >>> well = SDE({x: x - x**3}, {x: sp.Rational(1, 2)})
    >>> well.additive
    True
    """

    __slots__ = ("_variables", "_drift", "_diffusion", "_parity", "_convention", "_parameters", "_compiled",
                 "__weakref__")
    kind = "nonlinear"  #: the model kind (see :func:`thermotheory.quantity.model_kind`)
    kind_label = "nonlinear SDE"  #: the kind in words, for listings
    #: What the closed forms of this kind are: those of the model's :meth:`linearize` (its linear-noise
    #: approximation); ``verify`` labels its records with it unless the linearisation is exact.
    theory = "linear-noise approximation"

    def __init__(
        self,
        drift: Mapping[sp.Symbol, Any],
        diffusion: Mapping[sp.Symbol, Any],
        parity: Mapping[sp.Symbol, int] | None = None,
        convention: str = "ito",
    ) -> None:
        if not isinstance(drift, Mapping) or not drift:
            raise ModelError("drift: expected a non-empty mapping from state variable (Symbol) to expression")
        variables = tuple(drift)
        for var in variables:
            if not isinstance(var, sp.Symbol):
                raise ModelError(f"drift: state variables must be sympy Symbols, found {var!r}")
        check_distinct_names(variables)
        if convention not in CONVENTIONS:
            raise ModelError(f"convention: expected one of {CONVENTIONS} but found {convention!r}")
        if not isinstance(diffusion, Mapping):
            raise InvalidDiffusion("diffusion: expected a mapping from state variable to diffusion D_i(z)")
        diff = [sp.Integer(0)] * len(variables)
        for key, val in dict(diffusion).items():
            if key not in variables:
                raise UnknownVariable(f"diffusion: {key!r} is not a state variable")
            val = as_expression(val, f"the diffusion of {key}")
            if val.is_negative:
                raise InvalidDiffusion(f"negative diffusion for {key}: {val}")
            diff[variables.index(key)] = val
        set_ = object.__setattr__
        set_(self, "_variables", variables)
        set_(self, "_drift", tuple(as_expression(drift[v], f"the drift of {v}") for v in variables))
        set_(self, "_diffusion", tuple(diff))
        set_(self, "_parity", _parity_tuple(variables, parity))
        set_(self, "_convention", convention)
        free = set().union(*(e.free_symbols for e in self._drift + self._diffusion)) - set(variables)
        set_(self, "_parameters", tuple(sorted(free, key=lambda s: s.name)))
        set_(self, "_compiled", None)

    @property
    def drift(self) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(self._variables, self._drift))

    @property
    def diffusion(self) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(self._variables, self._diffusion))

    @property
    def convention(self) -> str:
        return self._convention

    @property
    def additive(self) -> bool:
        """True when no diffusion depends on the state."""
        return not any(d.free_symbols & set(self._variables) for d in self._diffusion)

    @property
    def approximation(self) -> str:
        """What a closed form of this model is: ``""`` when its linearisation is exact, else :attr:`theory`.

        The linear-noise approximation is exact for a drift linear in the state with additive noise.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import SDE
        >>> x = sp.Symbol("x", real=True)
        >>> SDE({x: -x}, {x: 1}).approximation, SDE({x: -x**3}, {x: 1}).approximation
        ('', 'linear-noise approximation')
        """
        linear = all(f.is_polynomial(*self._variables) and sp.Poly(f, *self._variables).total_degree() <= 1
                     for f in self._drift)
        return "" if self.additive and linear else self.theory

    def linearize(self, at: Mapping[sp.Symbol | str, Any] | None = None) -> Any:
        """The linear-noise approximation: a :class:`~thermotheory.LinearSDE` (as python-control's ``linearize``).

        The same as :func:`~thermotheory.linear_noise_approximation` (``at``: the fixed point,
        by default the only stable one); the closed forms of an SDE are those of this model.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import SDE
        >>> x = sp.Symbol("x", real=True)
        >>> SDE({x: x - x**3}, {x: sp.Rational(1, 10)}).linearize(at={x: 1}).drift
        {x: 2 - 2*x}
        """
        return linear_noise_approximation(self, at)

    def subs(self, mapping: Mapping[sp.Symbol | str, Any]) -> SDE:
        """A new model with parameters replaced by values.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import SDE
        >>> x, a = sp.symbols("x a", real=True)
        >>> SDE({x: -a * x**3}, {x: 1}).subs({"a": 2}).drift
        {x: -2*x**3}
        """
        rep = self.substitution(mapping)
        return SDE(
            {v: e.xreplace(rep) for v, e in zip(self._variables, self._drift)},
            {v: e.xreplace(rep) for v, e in zip(self._variables, self._diffusion)},
            parity=dict(zip(self._variables, self._parity)),
            convention=self._convention,
        )

    def compile(self) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
        """Numpy functions ``f(Z)`` and ``D(Z)`` for states ``Z`` of shape (paths, n) (cached).

        Examples
        --------
        >>> import numpy as np, sympy as sp
        >>> from thermotheory import SDE
        >>> x = sp.Symbol("x", real=True)
        >>> f, D = SDE({x: -x**3}, {x: 1}).compile()
        >>> f(np.array([[2.0]])).tolist(), D(np.array([[2.0]])).tolist()
        ([[-8.0]], [[1.0]])
        """
        if self._parameters:
            raise ModelError(
                f"the model has free parameters {[p.name for p in self._parameters]}: substitute values first"
            )
        if self._compiled is None:
            f = sp.lambdify(self._variables, list(self._drift), modules="numpy", cse=True)
            d = sp.lambdify(self._variables, list(self._diffusion), modules="numpy", cse=True)

            def stack(fn):
                def call(Z: np.ndarray) -> np.ndarray:
                    cols = fn(*Z.T)
                    return np.column_stack([np.broadcast_to(np.asarray(c, float), Z.shape[:1]) for c in cols])

                return call

            object.__setattr__(self, "_compiled", (stack(f), stack(d)))
        return self._compiled

    def __repr__(self) -> str:
        names = ", ".join(v.name for v in self._variables)
        return f"SDE(variables=({names}), convention={self._convention!r})"

    _equation_lines = display.nonlinear_lines  # how this kind writes its equations (StateModel.latex_lines)


def fixed_points(model: SDE) -> list[dict[sp.Symbol, Any]]:
    """The fixed points of the deterministic drift ``f(z) = 0``.

    Solved by sympy (symbolic or numeric models with polynomial or otherwise solvable
    drifts); only real solutions are kept.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import SDE
    >>> x = sp.Symbol("x", real=True)
    >>> sorted(p[x] for p in fixed_points(SDE({x: x - x**3}, {x: 1})))
    [-1, 0, 1]
    """
    if not isinstance(model, SDE):
        raise ModelError(f"expected an SDE but found {type(model).__name__}")
    variables = model.variables
    try:
        sols = sp.solve(list(model.drift.values()), list(variables), dict=True)
    except NotImplementedError as exc:  # pragma: no cover - depends on sympy's solvers
        raise ModelError(f"sympy cannot solve f(z) = 0 for this drift: pass the fixed point as at={{...}} ({exc})")
    out = []
    for sol in sols:
        if len(sol) != len(variables):
            continue  # a continuum of fixed points: no isolated point to expand around
        if all(sp.sympify(val).is_real is not False for val in sol.values()):
            out.append({var: sp.simplify(sol[var]) for var in variables})
    return out


def linear_noise_approximation(model: SDE, at: Mapping[sp.Symbol | str, Any] | None = None) -> LinearSDE:
    r"""Linearise a nonlinear SDE around a fixed point of its drift (linear-noise approximation).

    Parameters
    ----------
    model : SDE
        Symbolic or numeric. Its diffusion may depend on the state (it is evaluated at
        the fixed point, the Itô reading).
    at : mapping variable -> value, optional
        The fixed point. Default: the only fixed point of the drift, or, when there are
        several, the only one whose Jacobian is stable (numeric models).

    Returns
    -------
    LinearSDE
        ``dz = J (z - z*) dt + sqrt(2 D(z*)) dW`` in the model's own variables, with the
        model's parities; its stationary mean is ``z*``.

    Raises
    ------
    ModelError
        When ``at`` is not a fixed point, or no unique fixed point can be chosen.
    NotStable
        When a numeric model's Jacobian at the fixed point is not stable.

    Examples
    --------
    A particle in a double well, linearised in its right-hand well:

    >>> import sympy as sp
    >>> from thermotheory import SDE, stationary_covariance
    >>> x = sp.Symbol("x", real=True)
    >>> lna = linear_noise_approximation(SDE({x: x - x**3}, {x: sp.Rational(1, 10)}), at={x: 1})
    >>> lna.drift
    {x: 2 - 2*x}
    >>> stationary_covariance(lna)
    array([[0.05]])
    """
    if not isinstance(model, SDE):
        raise ModelError(f"expected an SDE but found {type(model).__name__}")
    variables = model.variables
    f = sp.Matrix(list(model.drift.values()))
    if at is None:
        points = fixed_points(model)
        if len(points) > 1 and model.is_numeric:
            points = [p for p in points if _is_stable(f.jacobian(variables).xreplace(p))]
        if len(points) != 1:
            raise ModelError(
                f"the drift has {len(points)} {'stable ' if model.is_numeric else ''}fixed points: "
                "choose one with at={...}"
            )
        point = points[0]
    else:
        if not isinstance(at, Mapping):
            raise ModelError(f"at: expected a mapping from state variable to its value at the fixed point but found "
                             f"{at!r:.80}")
        point = {variables[model.index(k)]: as_expression(val, f"at: the value of {k}") for k, val in at.items()}
        missing = [v.name for v in variables if v not in point]
        if missing:
            raise ModelError(f"at: give a value for every state variable; missing {missing}")
        residual = f.xreplace(point).applyfunc(sp.simplify)
        if any(_nonzero(r) for r in residual):
            raise ModelError(f"at: {point} is not a fixed point of the drift (f = {list(residual)})")
    J = f.jacobian(variables).xreplace(point).applyfunc(sp.simplify)
    if model.is_numeric and not _is_stable(J):
        raise NotStable(f"the drift's Jacobian at the fixed point {point} is not stable")
    z = sp.Matrix(variables)
    zs = sp.Matrix([point[v] for v in variables])
    drift = J * (z - zs)
    diffusion = {v: sp.simplify(d.xreplace(point)) for v, d in model.diffusion.items()}
    for v, d in diffusion.items():
        if d.is_negative:
            raise ModelError(f"the diffusion of {v} is negative at the fixed point: {d}")
    return LinearSDE({v: sp.expand(e) for v, e in zip(variables, drift)}, diffusion,
                     parity=dict(zip(variables, model.parity)))


def _nonzero(expr: sp.Expr) -> bool:
    if expr.free_symbols:
        return not expr.equals(0)
    return abs(complex(expr)) > 1e-12


def _is_stable(J: sp.Matrix) -> bool:
    try:
        M = np.array(J.evalf(), dtype=float)
    except TypeError:
        return True  # symbolic: LinearSDE and the engine check stability when needed
    return bool(np.all(np.linalg.eigvals(M).real < 0))
