"""The linear-Gaussian model: a multivariate Ornstein–Uhlenbeck process.

``dz = (A z + b) dt + sqrt(2 D) dW`` with one parity (+1 even, -1 odd under time
reversal) per state variable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, Union

import numpy as np
import sympy as sp

from ..errors import InvalidDiffusion, InvalidParity, ModelError, NonlinearDrift, UnknownVariable
from . import budget, display, structure
from ._compat import deprecated_keywords
from .checks import NON_FINITE, LinearModel, as_expression, check_distinct_names, check_finite_array, check_value
from .structure import numeric_stability, stability_tolerance  # noqa: F401  (re-exported)

__all__ = ["LinearSDE", "ModelArrays", "StateModel", "VariableSpec", "find_index", "numeric_stability"]

#: A state variable given by its Symbol or its name, or several of them.
VariableSpec = Union[sp.Symbol, str, Sequence[Union[sp.Symbol, str]]]


def _is_numeric_array(x: Any) -> bool:
    """True when ``x`` converts to a float array without sympy symbols."""
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "biuf"
    if isinstance(x, sp.MatrixBase):
        return not x.free_symbols
    try:
        np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        return False
    return True


def _as_sympy_matrix(x: Any, shape: tuple[int, int], name: str) -> sp.ImmutableMatrix:
    if isinstance(x, np.ndarray):
        x = x.tolist()
    try:
        m = sp.ImmutableMatrix(sp.Matrix(x)) if not isinstance(x, sp.MatrixBase) else sp.ImmutableMatrix(x)
    except (sp.SympifyError, TypeError, ValueError) as exc:
        raise ModelError(f"{name}: expected a matrix of numbers or sympy expressions ({exc})") from None
    if m.shape != shape:
        raise ModelError(f"{name}: expected shape {shape} but found {m.shape}")
    return m


class ModelArrays(NamedTuple):
    """The matrices of a numeric :class:`LinearSDE` as read-only float arrays, by name or in the order ``(A, b, D)``."""

    #: Drift matrix, shape ``(n, n)``.
    A: np.ndarray
    #: Constant drift, shape ``(n,)``; None for a protocol ``b(t)`` (see :meth:`LinearSDE.drive`).
    b: np.ndarray | None
    #: Diffusion matrix, shape ``(n, n)``; the noise covariance per unit time is ``2 D``.
    D: np.ndarray


def find_index(variables: Sequence[sp.Symbol], var: sp.Symbol | str) -> int:
    """Position of ``var`` (a Symbol or its name) among ``variables``; UnknownVariable otherwise."""
    if isinstance(var, str):  # by name first: comparing a Symbol with a str sympifies the str each time
        for i, v in enumerate(variables):
            if v.name == var:
                return i
    for i, v in enumerate(variables):
        if v == var or (isinstance(var, str) and v.name == var):
            return i
    names = ", ".join(v.name for v in variables)
    raise UnknownVariable(f"{var!r} is not a state variable of this model (variables: {names})")


class StateModel:
    """What every model shares: ordered state variables, parities, parameters, immutability.

    Subclasses set ``_variables``, ``_parity`` and ``_parameters`` with ``object.__setattr__``,
    and name the :mod:`~thermotheory.core.display` function that writes their equations as the
    class attribute ``_equation_lines`` (what :meth:`latex_lines` calls).
    """

    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use subs() to make a new model")

    #: Slots that hold caches: not pickled, rebuilt empty (compiled functions do not pickle).
    _TRANSIENT = {"_cache": dict, "_compiled": lambda: None}

    def _slot_names(self) -> list[str]:
        # __weakref__ lets per-model caches elsewhere (core/state.py) hold models weakly; it is not state
        return [n for cls in type(self).__mro__ for n in getattr(cls, "__slots__", ()) if n != "__weakref__"]

    def __getstate__(self) -> dict[str, Any]:
        """The slots' values, without caches (models travel to worker processes by pickle)."""
        return {n: getattr(self, n) for n in self._slot_names() if n not in self._TRANSIENT and hasattr(self, n)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for n in self._slot_names():
            if n in self._TRANSIENT:
                object.__setattr__(self, n, self._TRANSIENT[n]())
        for n, val in state.items():
            object.__setattr__(self, n, val)

    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        """The state variables, in order."""
        return self._variables

    @property
    def dimension(self) -> int:
        """Number of state variables."""
        return len(self._variables)

    @property
    def parity(self) -> tuple[int, ...]:
        """Parity of each variable: +1 even, -1 odd under time reversal."""
        return self._parity

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols of the model other than the state variables, sorted by name."""
        return self._parameters

    @property
    def is_numeric(self) -> bool:
        """True when the model has no free parameters."""
        return not self._parameters

    def numeric(self, values: Mapping | None = None) -> "StateModel":
        """The model with the ``values`` of its own parameters substituted (other keys are left to the caller).

        Refuses (:class:`~thermotheory.errors.ModelError`) a model left with free parameters.
        """
        if values is not None and not isinstance(values, Mapping):
            raise ModelError(f"values: expected a mapping from parameter to number but found {values!r:.80}")
        params = set(self._parameters) | {p.name for p in self._parameters}
        own = {k: v for k, v in (values or {}).items() if k in params}
        model = self.subs(own) if own else self
        if not model.is_numeric:
            raise ModelError(f"the model has free parameters {[p.name for p in model.parameters]}: pass "
                             "values={...} to simulate it")
        return model

    def _repr_latex_(self) -> str:
        return f"${display.model_latex(self)}$"

    def latex_lines(self, width: float = display.TEXT_WIDTH) -> list[str]:
        """The model's equations as LaTeX ``aligned`` lines, broken to fit ``width`` (pt, a text width by default).

        What :func:`tt.latex(model) <thermotheory.latex>` and the exported pages print, one
        line per row (long drifts continue on further lines).

        Raises
        ------
        InvalidExport
            When ``width`` is not a positive finite number.
        """
        return type(self)._equation_lines(self, display.checked_width(width))

    def index(self, var: sp.Symbol | str) -> int:
        """Position of a state variable, given by Symbol or name.

        Examples
        --------
        >>> import numpy as np
        >>> from thermotheory import LinearSDE
        >>> LinearSDE.from_matrices(-np.eye(2), [1.0, 1.0], variables=["x", "y"]).index("y")
        1
        """
        return find_index(self._variables, var)

    def indices(self, spec: VariableSpec) -> list[int]:
        """Positions of one variable or a sequence of variables, checked for repeats."""
        if isinstance(spec, (sp.Symbol, str)):
            items = [spec]
        elif isinstance(spec, Iterable) and not isinstance(spec, (bytes, Mapping)):
            items = list(spec)
        else:
            raise UnknownVariable(f"expected a state variable (a Symbol or its name) or a list of them but found "
                                  f"{spec!r}")
        if not items:
            raise ModelError("expected at least one variable but found none")
        idx = [self.index(v) for v in items]
        if len(set(idx)) != len(idx):
            raise ModelError(f"variables repeated in {items!r}")
        return idx

    def substitution(self, mapping: Mapping[sp.Symbol | str, Any], check: bool = True) -> dict[sp.Symbol, sp.Expr]:
        """Resolve a parameter substitution (keys by Symbol or name) and check its keys.

        With ``check`` (the default) every value must be a finite, real number or a sympy
        expression; ``check=False`` only resolves the keys. The symbols' assumptions are
        not imposed here: the engine re-derives every closed form from the substituted
        matrices (a limit case such as a coupling ``g = 0`` of a positive ``g`` is a valid
        model, and a negative rate makes the model unstable, which is refused where it
        matters). :func:`~thermotheory.evaluate` of an already derived closed form does
        check them.

        Returns
        -------
        dict
            Parameter Symbol -> value (a sympy expression).

        Raises
        ------
        ModelError
            For a key that is not a parameter (a state variable, an unknown name) or,
            with ``check``, a value that is not a finite real number or expression.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x = sp.Symbol("x", real=True)
        >>> LinearSDE({x: -sp.Symbol("k", positive=True) * x}, {x: 1}).substitution({"k": 2})
        {k: 2}
        """
        if not isinstance(mapping, Mapping):
            raise ModelError(f"expected a mapping from parameter (Symbol or name) to value but found {mapping!r}")
        by_name = {p.name: p for p in self._parameters}
        rep = {}
        for key, val in mapping.items():
            if isinstance(key, str):
                if key not in by_name:
                    raise ModelError(f"{key!r} is not a parameter of this model (parameters: {sorted(by_name)})")
                key = by_name[key]
            if key in self._variables:
                raise ModelError(f"cannot substitute the state variable {key}")
            if key not in self._parameters:
                raise ModelError(f"{key} is not a parameter of this model (parameters: {sorted(by_name)})")
            rep[key] = check_value(val, what=str(key)) if check else val
        return rep


class LinearSDE(StateModel):
    r"""A linear stochastic differential equation (multivariate Ornstein–Uhlenbeck process).

    .. math:: dz = (A z + b)\,dt + \sqrt{2D}\,dW

    Parameters
    ----------
    drift : mapping Symbol -> expression
        The drift of each state variable; it must be linear in the state variables
        (a constant term is allowed). The order of the mapping is the variable order.
    diffusion : mapping Symbol -> expression, or a symmetric matrix
        Diffusion constant ``D_i`` of each variable (``dz_i = ... dt + sqrt(2 D_i) dW_i``);
        variables left out have none. A full symmetric positive semi-definite matrix
        gives correlated noise.
    parity : mapping Symbol -> +1 or -1, optional
        Behaviour under time reversal: +1 even (positions, rates, weights), -1 odd
        (velocities). Default: all even.
    time : Symbol, optional
        The symbol of time when the model follows a protocol: a constant drift ``b(t)``
        (a dragged trap, a learning signal switched on and off), a drift matrix ``A(t)``
        (a trap whose stiffness changes, a learning rate switched on and off) or a
        diffusion ``D(t)`` (a bath whose temperature changes); ``Piecewise`` and
        ``Heaviside`` give piecewise protocols. Such a model has transient closed forms
        (``mean``, ``covariance``, ``heat``, ``entropy_production``, ``work``) but no
        stationary state (see :mod:`thermotheory.core.driven`).
    feedback : mapping Symbol -> expression, optional
        The part of the drift of an odd (velocity-like) variable that is a feedback force,
        not friction from the bath: cold damping ``{v: -gamma_p * v / m}`` in the drift
        ``(-gamma * v - gamma_p * v) / m``. It must be linear in the state variables and
        its terms must be in the drift (it declares, it adds nothing). The stationary
        :func:`~thermotheory.heat_rate` then counts only the bath's friction and noise,
        and :func:`~thermotheory.entropy_production_rate` adds the entropy pumping
        (Munakata–Rosinberg); see :mod:`thermotheory.core.feedback`.

    Raises
    ------
    NonlinearDrift
        When a drift term is not linear in the state variables (the term is named).
    InvalidDiffusion
        When the diffusion is not symmetric, negative, or depends on the state.
    InvalidParity, UnknownVariable
        For a parity other than +-1 or a key that is not a state variable.
    ModelError
        When ``time`` is not a Symbol or is a state variable.

    Notes
    -----
    Models are immutable: :meth:`subs` returns a new model. Symbolic entries are
    sympy expressions; a model without free parameters is *numeric* and every
    closed form on it returns floats computed with numpy/scipy.

    Examples
    --------
    A velocity ``v`` (an OU process) low-pass filtered by a sensor ``r``:

    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> v, r = sp.symbols("v r", real=True)
    >>> tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
    >>> m = LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
    >>> m.A
    Matrix([
    [     -1/tau,        0],
    [lambda/tau_r, -1/tau_r]])
    >>> m.parameters
    (D_r, D_v, lambda, tau, tau_r)
    """

    __slots__ = ("_variables", "_A", "_b", "_D", "_parity", "_arrays", "_parameters", "_cache", "_time", "_feedback",
                 "__weakref__")
    kind = "linear"  #: the model kind (see :func:`thermotheory.quantity.model_kind`)
    kind_label = "LinearSDE"  #: the kind in words, for listings

    def __init__(
        self,
        drift: Mapping[sp.Symbol, Any],
        diffusion: Mapping[sp.Symbol, Any] | Any,
        parity: Mapping[sp.Symbol, int] | None = None,
        time: sp.Symbol | None = None,
        feedback: Mapping[sp.Symbol, Any] | None = None,
    ) -> None:
        if not isinstance(drift, Mapping) or len(drift) == 0:
            raise ModelError("drift: expected a non-empty mapping from state variable (Symbol) to expression")
        variables = tuple(drift.keys())
        for var in variables:
            if not isinstance(var, sp.Symbol):
                raise ModelError(f"drift: state variables must be sympy Symbols, found {var!r}")
        check_distinct_names(variables)
        A, b = _linear_coefficients(variables, [as_expression(drift[v], f"the drift of {v}") for v in variables])
        for i, var in enumerate(variables):
            for e in list(A.row(i)) + [b[i]]:
                as_expression(e, f"the drift of {var}")
        D = _diffusion_matrix(variables, diffusion)
        time = _check_time_symbol(variables, time, A, D)
        self._init(variables, A, b, D, _parity_tuple(variables, parity), arrays=None, time=time)
        if feedback is not None:
            from .feedback import check_bath_friction, feedback_matrix

            F = feedback_matrix(variables, self._parity, feedback, A, b, time)
            check_bath_friction(variables, A, F, D)
            object.__setattr__(self, "_feedback", F)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    @deprecated_keywords("LinearSDE.from_matrices")
    def from_matrices(
        cls,
        A: Any,
        D: Any,
        *,
        b: Any = None,
        variables: Sequence[sp.Symbol | str] | None = None,
        parity: Mapping[sp.Symbol, int] | Sequence[int] | None = None,
        time: sp.Symbol | None = None,
    ) -> LinearSDE:
        """Build a model from its drift matrix ``A``, diffusion matrix ``D`` and constant drift ``b``.

        Everything after ``D`` is a keyword (``b=`` included: :meth:`arrays` returns
        ``(A, b, D)``, so a positional ``b`` after ``D`` invited mix-ups); passing them
        positionally still works for one release, with a ``DeprecationWarning``.

        Parameters
        ----------
        A : (n, n) array_like or sympy Matrix
            Drift matrix.
        D : (n, n) array_like or sympy Matrix, or length-n sequence
            Symmetric positive semi-definite diffusion matrix, or its diagonal.
        b : length-n array_like, optional
            Constant part of the drift (default zero).
        variables : sequence of Symbols or names, optional
            State variables (default ``z0, z1, ...``).
        parity : mapping or sequence of +-1, optional
            Parity of each variable (default all even).
        time : Symbol, optional
            The symbol of time, when ``b``, ``A`` or ``D`` follows a protocol.

        Returns
        -------
        LinearSDE

        Notes
        -----
        Numeric input stays in numpy: a model of a few hundred variables builds in
        milliseconds, and its sympy matrices are made only when asked for.

        Examples
        --------
        >>> import numpy as np
        >>> from thermotheory import LinearSDE
        >>> m = LinearSDE.from_matrices(np.array([[-1.0, 0.0], [1.0, -2.0]]), [1.0, 0.5])
        >>> m.variables
        (z0, z1)
        """
        if isinstance(A, sp.MatrixBase):
            shape = A.shape
        else:
            try:
                shape = np.shape(A)
            except ValueError as exc:  # ragged nested lists
                raise ModelError(f"A: expected a square matrix but found a ragged array ({exc})") from None
        if len(shape) != 2 or shape[0] != shape[1] or shape[0] == 0:
            raise ModelError(f"A: expected a square (n, n) matrix but found shape {tuple(shape)}")
        n = int(shape[0])
        if variables is None:
            variables = sp.symbols(f"z0:{n}", real=True)
        variables = tuple(sp.Symbol(v, real=True) if isinstance(v, str) else v for v in variables)
        if len(variables) != n:
            raise ModelError(f"variables: expected {n} names (A is {n}x{n}) but found {len(variables)}")
        if any(not isinstance(v, sp.Symbol) for v in variables):
            raise ModelError("variables: expected Symbols or names")
        if len(set(variables)) != n:
            raise ModelError("variables: names must be distinct")
        check_distinct_names(variables)
        if b is None:
            b = np.zeros(n) if _is_numeric_array(A) and _is_numeric_array(D) else sp.zeros(n, 1)
        D_in = D
        if not isinstance(D, sp.MatrixBase) and np.ndim(D) == 1:
            D_in = np.diag(np.asarray(D, dtype=float)) if _is_numeric_array(D) else sp.diag(*D)
        if isinstance(parity, Mapping) or parity is None:
            par = _parity_tuple(variables, parity)
        else:
            par = _parity_tuple(variables, dict(zip(variables, parity)))
            if len(tuple(parity)) != n:
                raise InvalidParity(f"parity: expected {n} entries but found {len(tuple(parity))}")

        if _is_numeric_array(A) and _is_numeric_array(D_in) and _is_numeric_array(b):
            An = check_finite_array("A", A)
            Dn = check_finite_array("D", D_in)
            bn = check_finite_array("b", b).reshape(-1)
            if Dn.shape != (n, n):
                raise InvalidDiffusion(f"D: expected shape {(n, n)} but found {Dn.shape}")
            if bn.shape != (n,):
                raise ModelError(f"b: expected {n} entries but found {bn.size}")
            _check_numeric_diffusion(Dn)
            for arr in (An, Dn, bn):
                arr.setflags(write=False)
            obj = cls.__new__(cls)
            obj._init(variables, None, None, None, par, arrays=(An, bn, Dn))
            return obj

        Am = _as_sympy_matrix(A, (n, n), "A")
        Dm = _as_sympy_matrix(D_in, (n, n), "D")
        bm = _as_sympy_matrix(np.asarray(b, dtype=object).reshape(-1).tolist() if not isinstance(b, sp.MatrixBase) else b,
                              (n, 1), "b")
        for name, mat in (("A", Am), ("D", Dm), ("b", bm)):
            for k, e in enumerate(mat):
                as_expression(e, f"{name}[{k // mat.cols}, {k % mat.cols}]")
        state = set(variables)
        for name, mat in (("A", Am), ("b", bm)):
            if mat.free_symbols & state:
                raise NonlinearDrift(f"{name} depends on the state variables {sorted(map(str, mat.free_symbols & state))}")
        _check_symbolic_diffusion(variables, Dm)
        time = _check_time_symbol(variables, time, Am, Dm)
        obj = cls.__new__(cls)
        obj._init(variables, Am, bm, Dm, par, arrays=None, time=time)
        return obj

    def _init(self, variables, A, b, D, parity, arrays, time=None) -> None:
        _check_noise_parity(variables, parity, arrays[2] if arrays is not None else D)
        set_ = object.__setattr__
        set_(self, "_variables", tuple(variables))
        set_(self, "_A", A)
        set_(self, "_b", b)
        set_(self, "_D", D)
        set_(self, "_parity", tuple(parity))
        set_(self, "_cache", {})
        if time is not None and time not in (A.free_symbols | b.free_symbols | D.free_symbols):
            time = None  # the model does not depend on time after all
        set_(self, "_time", time)
        if arrays is None:
            params = (A.free_symbols | b.free_symbols | D.free_symbols) - set(variables) - {time}
            set_(self, "_parameters", tuple(sorted(params, key=lambda s: s.name)))
            if not params and time is not None and time in (A.free_symbols | D.free_symbols):
                arrays = (None, None, None)  # A(t) or D(t): no single array (see matrices_at)
            elif not params:
                mats = (A, D) if time is not None else (A, b, D)
                arrays = [np.array(np.asarray(M.evalf(), dtype=float), dtype=float) for M in mats]
                arrays = (arrays[0], None, arrays[1]) if time is not None else (arrays[0], arrays[1].reshape(-1), arrays[2])
                for arr in arrays:
                    if arr is not None:
                        arr.setflags(write=False)
        else:
            set_(self, "_parameters", ())
        set_(self, "_arrays", None if arrays is None else ModelArrays(*arrays))

    # -- views ---------------------------------------------------------------------------
    def _sym(self, which: str) -> sp.ImmutableMatrix:
        M = getattr(self, "_" + which)
        if M is None:  # numeric model built from arrays: make the sympy view once
            idx = {"A": 0, "b": 1, "D": 2}[which]
            arr = self._arrays[idx]
            M = sp.ImmutableMatrix(arr.reshape(len(self._variables), -1).tolist())
            object.__setattr__(self, "_" + which, M)
        return M

    @property
    def time(self) -> sp.Symbol | None:
        """The symbol of time in a protocol ``b(t)``; None when the drift does not depend on time."""
        return self._time

    @property
    def feedback(self) -> sp.ImmutableMatrix | None:
        """Coefficients ``A_fb`` of the declared feedback force (a part of ``A``), or None when none is declared."""
        return getattr(self, "_feedback", None)

    @property
    def is_autonomous(self) -> bool:
        """True when the model does not depend on time (it can have a stationary state)."""
        return self._time is None

    @property
    def is_modulated(self) -> bool:
        """True when the drift matrix ``A(t)`` or the diffusion ``D(t)`` depends on time (not only ``b(t)``).

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x, t = sp.symbols("x t", real=True)
        >>> LinearSDE({x: -(1 + t) * x}, {x: 1}, time=t).is_modulated
        True
        """
        if self._time is None:
            return False
        if "modulated" not in self._cache:
            self._cache["modulated"] = self._time in (self.A.free_symbols | self.D.free_symbols)
        return self._cache["modulated"]

    def matrices_at(self, times: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``A(t)``, ``b(t)`` and ``D(t)`` of a numeric model at the given times.

        Returns
        -------
        A, b, D : arrays of shapes ``(k, n, n)``, ``(k, n)`` and ``(k, n, n)``
            For ``k`` times; constant matrices are repeated.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x, t = sp.symbols("x t", real=True)
        >>> A, b, D = LinearSDE({x: -(1 + t) * x}, {x: 1 + t}, time=t).matrices_at([0.0, 2.0])
        >>> A.ravel().tolist(), D.ravel().tolist()
        ([-1.0, -3.0], [1.0, 3.0])
        """
        if self._arrays is None:
            raise ModelError(
                f"the model has free parameters {[p.name for p in self._parameters]}; substitute values with subs()"
            )
        ts = np.atleast_1d(np.asarray(times, dtype=float)).reshape(-1)
        n = self.dimension
        b = self.drive(ts)
        if not self.is_modulated:
            A, _, D = self._arrays
            return np.broadcast_to(A, (ts.size, n, n)).copy(), b, np.broadcast_to(D, (ts.size, n, n)).copy()
        if "matrices" not in self._cache:
            self._cache["matrices"] = [sp.lambdify(self._time, list(M), modules="numpy") for M in (self.A, self.D)]
        out = []
        for f in self._cache["matrices"]:
            vals = [np.broadcast_to(np.asarray(v, dtype=float), ts.shape) for v in f(ts)]
            out.append(np.stack(vals, axis=-1).reshape(ts.size, n, n))
        return out[0], b, out[1]

    @property
    def A(self) -> sp.ImmutableMatrix:
        """Drift matrix (sympy)."""
        return self._sym("A")

    @property
    def b(self) -> sp.ImmutableMatrix:
        """Constant drift (sympy column vector)."""
        return self._sym("b")

    @property
    def D(self) -> sp.ImmutableMatrix:
        """Diffusion matrix (sympy); the noise covariance per unit time is ``2 D``."""
        return self._sym("D")

    def domain(self) -> tuple[sp.Expr, ...]:
        r"""The diffusion's diagonal entries whose sign the symbols' assumptions leave open: positive wherever the
        model is one (a noise strength :math:`D (1 - a)` needs :math:`a < 1`). The pages and reports of a model
        compact its closed forms within this domain (:func:`~thermotheory.core.presentation.within_domain`); a
        stationary form carries its own condition, the drift matrix it holds for (:class:`ClosedForm`).

        Examples
        --------
        >>> import sympy as sp
        >>> x = sp.Symbol("x", real=True)
        >>> a = sp.Symbol("a", positive=True)
        >>> LinearSDE({x: -x}, {x: 1 - a}).domain()
        (1 - a,)
        """
        if self.is_modulated:  # D(t): its entries hold the time
            return ()
        entries = (sp.sympify(self.D[i, i]) for i in range(self.dimension))
        return tuple(dict.fromkeys(d for d in entries if d.free_symbols and d.is_nonnegative is not True))

    def arrays(self, allow_protocol: bool = False) -> ModelArrays:
        """The matrices ``(A, b, D)`` as read-only float arrays, also by name (``.A``, ``.b``, ``.D``).

        Parameters
        ----------
        allow_protocol : bool
            Accept a model whose constant drift is a protocol ``b(t)``: its ``b`` is then
            None (:meth:`drive` gives ``b`` at given times). By default such a model raises.

        Returns
        -------
        ModelArrays
            ``A`` and ``D`` of shape ``(n, n)``, ``b`` of shape ``(n,)``.

        Raises
        ------
        ModelError
            When the model has free parameters (substitute them first with :meth:`subs`),
            or its drift depends on time and ``allow_protocol`` is False.

        Examples
        --------
        >>> import numpy as np
        >>> from thermotheory import LinearSDE
        >>> A, b, D = LinearSDE.from_matrices(np.array([[-2.0]]), [0.5]).arrays()
        >>> float(A[0, 0]), float(D[0, 0])
        (-2.0, 0.5)
        >>> LinearSDE.from_matrices(np.array([[-2.0]]), [0.5]).arrays().D.tolist()
        [[0.5]]
        """
        if self._arrays is None:
            raise ModelError(
                f"the model has free parameters {[p.name for p in self._parameters]}; substitute values with subs()"
            )
        if self.is_modulated:
            raise ModelError(
                f"the drift matrix or the diffusion depends on time {self._time}, so there is no stationary state "
                "and no single array; use matrices_at(times), or the transient closed forms at a time t"
            )
        if self._time is not None and not allow_protocol:
            raise ModelError(
                f"the constant drift b depends on time {self._time}: it has no single array; "
                "use drive(times) for b at given times"
            )
        return self._arrays

    def drive(self, times: Any) -> np.ndarray:
        """The constant drift ``b(t)`` of a numeric model at the given times, shape ``(len(times), n)``.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x, t = sp.symbols("x t", real=True)
        >>> trap = LinearSDE({x: -(x - 2 * t)}, {x: 1}, time=t)  # a trap dragged at speed 2
        >>> trap.drive([0.0, 1.5]).ravel().tolist()
        [0.0, 3.0]
        """
        if self._arrays is None:
            raise ModelError(
                f"the model has free parameters {[p.name for p in self._parameters]}; substitute values with subs()"
            )
        ts = np.atleast_1d(np.asarray(times, dtype=float))
        n = self.dimension
        if self._time is None:
            return np.broadcast_to(self._arrays[1], (ts.size, n)).copy()
        if "drive" not in self._cache:
            self._cache["drive"] = [sp.lambdify(self._time, e, modules="numpy") for e in self.b]
        out = np.empty((ts.size, n))
        for i, f in enumerate(self._cache["drive"]):
            out[:, i] = np.broadcast_to(np.asarray(f(ts), dtype=float), ts.shape)
        return out

    @property
    def drift(self) -> dict[sp.Symbol, sp.Expr]:
        """Drift expression of each variable."""
        z = sp.Matrix(self._variables)
        f = self.A * z + self.b
        return {v: f[i] for i, v in enumerate(self._variables)}

    # -- transformations -----------------------------------------------------------------
    def subs(self, mapping: Mapping[sp.Symbol | str, Any]) -> LinearSDE:
        """A new model with parameters replaced by values or expressions.

        Parameters
        ----------
        mapping : mapping from parameter (Symbol or name) to value or expression

        Raises
        ------
        ModelError
            When a key is a state variable or not a parameter of the model.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x = sp.Symbol("x", real=True)
        >>> k = sp.Symbol("k", positive=True)
        >>> LinearSDE({x: -k * x}, {x: 1}).subs({"k": 2}).A
        Matrix([[-2]])
        """
        rep = self.substitution(mapping)
        A, b, D = (M.xreplace(rep) for M in (self.A, self.b, self.D))
        _check_substituted(self._variables, rep, A, b, D)
        _check_symbolic_diffusion(self._variables, D)
        obj = LinearSDE.__new__(LinearSDE)
        obj._init(self._variables, A, b, D, self._parity, arrays=None, time=self._time)
        if self.feedback is not None:
            fb = self.feedback.xreplace(rep)
            if not fb.is_zero_matrix:
                from .feedback import check_bath_friction, check_part_of_drift

                n = self.dimension
                for i in range(n):
                    for j in range(n):
                        if fb[i, j] != 0:
                            check_part_of_drift(self._variables[i], self._variables[j], A[i, j], fb[i, j])
                check_bath_friction(self._variables, A, fb, D)
            object.__setattr__(obj, "_feedback", None if fb.is_zero_matrix else fb)
        return obj

    def is_stable(self) -> bool | None:
        """Whether the drift matrix is Hurwitz (all eigenvalues in the open left half-plane).

        Raises
        ------
        ModelError
            When the drift matrix or the diffusion depends on time (a protocol ``A(t)``).

        Returns
        -------
        True, False or None
            Numeric models: decided from the eigenvalues. Symbolic models: decided by the
            Routh–Hurwitz conditions of each irreducible block of ``A`` under the symbols'
            assumptions; ``None`` when they cannot be decided.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x = sp.Symbol("x", real=True)
        >>> LinearSDE({x: -sp.Symbol("k", positive=True) * x}, {x: 1}).is_stable()
        True
        >>> LinearSDE({x: -sp.Symbol("k", real=True) * x}, {x: 1}).is_stable() is None
        True
        """
        self._refuse_modulated()
        if "stable" not in self._cache:
            if self.is_numeric:
                self._cache["stable"] = numeric_stability(self._arrays.A)[0]
            else:
                self._cache["stable"] = self.stability_conditions()[0]
        return self._cache["stable"]

    def stability_conditions(self) -> tuple[bool | None, list[sp.Expr]]:
        """The Routh–Hurwitz verdict on the drift matrix and the conditions behind it (computed once).

        Returns
        -------
        (verdict, conditions)
            ``verdict`` True, False or None as for :meth:`is_stable`; ``conditions`` holds
            the violated condition (an expression that must be positive) when the verdict
            is False, and the undecided ones when it is None.

        Examples
        --------
        >>> import sympy as sp
        >>> from thermotheory import LinearSDE
        >>> x, y = sp.symbols("x y", real=True)
        >>> k = sp.Symbol("k", real=True)
        >>> LinearSDE({x: -x, y: x + k * y}, {x: 1, y: 1}).stability_conditions()
        (None, [-k])
        """
        self._refuse_modulated()
        if "routh_hurwitz" not in self._cache:
            self._cache["routh_hurwitz"] = structure.routh_hurwitz(self.A)
        return self._cache["routh_hurwitz"]

    def _refuse_modulated(self) -> None:
        """Raise for ``A(t)`` or ``D(t)``: there is no single drift matrix, so no stationary state to ask about."""
        if self.is_modulated:
            raise ModelError(
                f"the drift matrix or the diffusion depends on time {self._time}, so there is no stationary state "
                "(and no single drift matrix to call stable); use the transient closed forms at a time t"
            )

    # -- display -------------------------------------------------------------------------
    def __repr__(self) -> str:
        names = ", ".join(v.name for v in self._variables[:8]) + (", ..." if self.dimension > 8 else "")
        kind = "numeric" if self.is_numeric else "parameters: " + ", ".join(p.name for p in self._parameters)
        driven = "" if self._time is None else f", time={self._time}"
        if self.feedback is not None:
            driven += ", feedback"
        return f"LinearSDE(variables=({names}), {kind}{driven})"

    _equation_lines = display.linear_lines  # how this kind writes its equations (StateModel.latex_lines)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinearSDE):
            return NotImplemented
        if self._variables != other._variables or self._parity != other._parity or self._time != other._time:
            return False
        if self.feedback != other.feedback:
            return False
        if self.is_numeric and other.is_numeric and self._time is None:
            return all(np.array_equal(x, y) for x, y in zip(self._arrays, other._arrays))
        return self.A == other.A and self.b == other.b and self.D == other.D

    def __hash__(self) -> int:
        if "hash" not in self._cache:  # models key the per-model caches of core/state.py: hashed once
            if self.is_numeric and self._time is None:
                self._cache["hash"] = hash((self._variables, self._parity) + tuple(a.tobytes() for a in self._arrays))
            else:
                self._cache["hash"] = hash((self._variables, self._parity, self.A, self.b, self.D))
            if self.feedback is not None:
                self._cache["hash"] = hash((self._cache["hash"], self.feedback))
        return self._cache["hash"]


# -- validation helpers ------------------------------------------------------------------
LinearModel.register(LinearSDE)  # check_model (in checks, below the model) recognises it


def _check_substituted(variables, rep, A, b, D) -> None:
    """Refuse a substitution that leaves an entry undefined or infinite (a time constant ``tau = 0`` in ``-v/tau``)."""
    shown = ", ".join(f"{k} = {v}" for k, v in rep.items())
    for name, M in (("drift", A), ("drift", b), ("diffusion", D)):
        for k, e in enumerate(M):
            if e.has(*NON_FINITE):
                var = variables[k // M.cols]
                raise ModelError(
                    f"subs({shown}): the {name} of {var} becomes undefined or infinite ({e}); a parameter in a "
                    "denominator (a time constant, a mass) cannot be 0: take the limit in the model instead"
                )

def _linear_coefficients(variables: tuple[sp.Symbol, ...], exprs: Iterable[sp.Expr]):
    n = len(variables)
    state = set(variables)
    A = sp.zeros(n, n)
    b = sp.zeros(n, 1)
    for i, (var, expr) in enumerate(zip(variables, exprs)):
        for term in sp.Add.make_args(sp.expand_mul(expr)):
            if term == 0:
                continue  # a frozen variable (drift 0) or a cancelled term
            coeff, dep = term.as_independent(*variables, as_Add=False)
            if dep == 1:
                b[i] += coeff
            elif dep in state:
                A[i, variables.index(dep)] += coeff
            else:
                raise NonlinearDrift(
                    f"the drift of {var} is not linear in the state variables: term {term} "
                    "(use thermotheory's nonlinear SDE for such models)"
                )
    return sp.ImmutableMatrix(A.applyfunc(sp.factor_terms)), sp.ImmutableMatrix(b)


def _check_time_symbol(variables, time, A, D):
    """Check the symbol of time: a Symbol, not a state variable (``A``, ``b`` and ``D`` may depend on it)."""
    if time is None:
        return None
    if not isinstance(time, sp.Symbol):
        raise ModelError(f"time: expected a sympy Symbol but found {time!r}")
    if time in variables:
        raise ModelError(f"time: {time} is a state variable")
    return time


def _diffusion_matrix(variables: tuple[sp.Symbol, ...], diffusion: Any) -> sp.ImmutableMatrix:
    n = len(variables)
    if isinstance(diffusion, Mapping):
        D = sp.zeros(n, n)
        for key, val in diffusion.items():
            if key not in variables:
                names = ", ".join(v.name for v in variables)
                raise UnknownVariable(f"diffusion: {key!r} is not a state variable (variables: {names})")
            D[variables.index(key), variables.index(key)] = as_expression(val, f"the diffusion of {key}")
        D = sp.ImmutableMatrix(D)
    else:
        if isinstance(diffusion, np.ndarray):
            diffusion = diffusion.tolist()
        try:
            D = sp.ImmutableMatrix(sp.Matrix(diffusion))
        except (TypeError, ValueError, sp.SympifyError) as exc:
            raise InvalidDiffusion(f"diffusion: expected a mapping or an (n, n) matrix ({exc})") from None
        if D.shape != (n, n):
            raise InvalidDiffusion(f"diffusion: expected shape {(n, n)} but found {D.shape}")
        for k, e in enumerate(D):
            as_expression(e, f"diffusion[{k // n}, {k % n}]")
    _check_symbolic_diffusion(variables, D)
    return D


def _check_numeric_diffusion(D: np.ndarray) -> None:
    scale = max(float(np.max(np.abs(D))), 1e-300)
    if np.max(np.abs(D - D.T)) > 1e-12 * scale:
        i, j = np.unravel_index(np.argmax(np.abs(D - D.T)), D.shape)
        raise InvalidDiffusion(f"the diffusion matrix is not symmetric: D[{i},{j}]={D[i, j]} but D[{j},{i}]={D[j, i]}")
    neg = np.flatnonzero(np.diag(D) < 0)
    if neg.size:
        raise InvalidDiffusion(f"negative diffusion: D[{neg[0]},{neg[0]}] = {D[neg[0], neg[0]]}")
    if np.count_nonzero(D - np.diag(np.diag(D))):
        lam = np.linalg.eigvalsh((D + D.T) / 2)
        if lam[0] < -1e-10 * scale:
            raise InvalidDiffusion(
                f"the diffusion matrix is not positive semi-definite (smallest eigenvalue {lam[0]:.3g})"
            )


def _negative_for_real_parameters(d: sp.Expr) -> bool:
    """Whether ``d`` is never positive for real values of its parameters, and not zero everywhere.

    A parameter without assumptions is read as real (a noise intensity of a physical model
    is real), so ``-2 a**2`` counts as negative although sympy cannot rule out a = 0 or a
    complex a. An expression that is zero everywhere, also one not written as 0
    (``cosh(c)**2 - sinh(c)**2 - 1``), is not negative: it is checked at random points.
    """
    if d.is_negative:
        return True
    real = {s: sp.Dummy(s.name, real=True) for s in d.free_symbols if isinstance(s, sp.Symbol) and s.is_real is None}
    e = d.xreplace(real) if real else d
    if not e.is_nonpositive or e.is_zero or sp.expand(e) == 0:
        return False
    rng = np.random.default_rng(0)
    symbols = sorted(e.free_symbols, key=sp.default_sort_key)
    for _ in range(4):
        point = {s: sp.Float(rng.uniform(0.3, 3.0)) * (1 if s.is_nonnegative or rng.random() < 0.5 else -1)
                 for s in symbols}
        value = e.xreplace(point).evalf(30)
        if value.is_number and abs(value) > 1e-20:
            return True
    return False


def _check_symbolic_diffusion(variables: tuple[sp.Symbol, ...], D: sp.MatrixBase) -> None:
    n = D.shape[0]
    dep = D.free_symbols & set(variables)
    if dep:
        raise InvalidDiffusion(
            f"the diffusion depends on the state variables {sorted(map(str, dep))}: "
            "multiplicative noise is outside the linear engine"
        )
    for i in range(n):
        for j in range(i + 1, n):
            if D[i, j] != D[j, i] and sp.simplify(D[i, j] - D[j, i]) != 0:
                raise InvalidDiffusion(
                    f"the diffusion matrix is not symmetric: D[{i},{j}] = {D[i, j]} but D[{j},{i}] = {D[j, i]}"
                )
    for i in range(n):
        d = D[i, i]
        if d.is_extended_real is False:
            raise InvalidDiffusion(f"the diffusion of {variables[i]} is not real: {d}")
        if _negative_for_real_parameters(d):
            raise InvalidDiffusion(f"negative diffusion for {variables[i]}: {d}")
    for i in range(n):
        for j in range(i + 1, n):
            if D[i, j] != 0:
                minor = budget.factor(D[i, i] * D[j, j] - D[i, j] ** 2)
                if _negative_for_real_parameters(minor):
                    raise InvalidDiffusion(
                        f"the diffusion matrix is not positive semi-definite: the minor of "
                        f"({variables[i]}, {variables[j]}) is {minor} < 0"
                    )
    if not D.free_symbols and any(D[i, j] != 0 for i in range(n) for j in range(n) if i != j):
        _check_numeric_diffusion(np.array(D.evalf().tolist(), dtype=float))


def _check_noise_parity(variables, parity, D) -> None:
    """Refuse noise that correlates an odd variable with an even one (``E D E != D``).

    Time reversal maps the noise of an odd variable to its negative, so such a
    correlation has no time-reversed counterpart: the entropy production is infinite
    and every finite number the formulas would give is wrong.
    """
    n = len(variables)
    for i in range(n):
        for j in range(i + 1, n):
            if parity[i] == parity[j]:
                continue
            d = D[i, j]
            if (float(d) != 0.0) if isinstance(D, np.ndarray) else (sp.sympify(d) != 0):
                odd, even = (variables[i], variables[j]) if parity[i] == -1 else (variables[j], variables[i])
                raise InvalidDiffusion(
                    f"the noise correlates the odd variable {odd} with the even variable {even} "
                    f"(D[{i},{j}] = {d}): such noise breaks time-reversal symmetry and makes the entropy "
                    "production infinite; correlate only variables of equal parity"
                )


def _parity_tuple(variables: tuple[sp.Symbol, ...], parity: Mapping | None) -> tuple[int, ...]:
    if parity is None:
        return (1,) * len(variables)
    if not isinstance(parity, Mapping):
        raise InvalidParity("parity: expected a mapping from state variable to +1 or -1")
    out = [1] * len(variables)
    for key, val in parity.items():
        if key not in variables:
            names = ", ".join(v.name for v in variables)
            raise UnknownVariable(f"parity: {key!r} is not a state variable (variables: {names})")
        if val not in (1, -1) or isinstance(val, bool):
            raise InvalidParity(f"parity of {key}: expected +1 (even) or -1 (odd) but found {val!r}")
        out[variables.index(key)] = int(val)
    return tuple(out)
