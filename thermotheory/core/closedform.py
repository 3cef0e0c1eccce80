r"""Structured closed forms: a short expression and the named definitions it is written in.

A large symbolic result is unreadable as one quotient, however fast it is computed: the
mutual information between a signal and three heterogeneous neurons is a quotient of
about 26,600 operations. A careful author writes it instead as

.. math:: I(v; x) = \frac12 \ln\frac{\Sigma_{vv} \det\Sigma_{x}}{\det\Sigma},
          \quad\text{where } \Sigma_{v x_1} = \dots

:class:`ClosedForm` is that object: an expression in the parameters and in named
intermediate quantities (scalar entries such as :math:`\Sigma_{v x_1}` and matrices such
as :math:`\Sigma_x`), and the ordered definitions of those names, each in the parameters
and in names defined before it. It renders in Jupyter and as LaTeX ("where ..."),
evaluates at any precision (:meth:`ClosedForm.evaluate`, or :func:`thermotheory.evaluate`),
compiles to numpy (:meth:`ClosedForm.lambdify`), and expands to the one cancelled quotient
(:meth:`ClosedForm.rational`) or its factored form (:meth:`ClosedForm.factored`) on
request. Determinants and inverses are expanded fraction-free over the polynomials in
the parameters, so the cancellation happens at the polynomial level.

Every closed-form function of the package takes ``form=``:

``"structured"``
    a :class:`ClosedForm` (quantities without a natural structure, such as the
    Riccati-based filter error, come with no definitions);
``"rational"``
    one cancelled quotient (for an information, the logarithm of one quotient);
``"factored"``
    the rational form with numerator and denominator factored;
``None`` (default)
    ``"factored"`` when the quotient is small, ``"structured"`` when its expansion would
    exceed :data:`STRUCTURED_ABOVE` monomials (:func:`choose_form`).

Numeric models (no free parameters) return a float whatever ``form`` says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import ModelError

__all__ = ["ClosedForm", "FORMS", "check_form", "choose_form", "apply_form", "generically_singular", "CovarianceNames", "STRUCTURED_ABOVE"]

#: The values ``form=`` accepts.
FORMS = ("structured", "rational", "factored")

#: Expansion bound (monomials of the Leibniz expansion of the largest determinant, see
#: :func:`thermotheory.core.budget.expansion_bound`) above which ``form=None`` returns the
#: structured form: the 2-neuron heterogeneous population (bound 2,700) is printed as one
#: factored quotient (its largest bound is 228), the 3-neuron one (8,016) in structured form.
STRUCTURED_ABOVE = 2.0e3


def check_form(form: Any) -> str | None:
    """Validate a ``form=`` argument.

    Examples
    --------
    >>> check_form("rational")
    'rational'
    >>> check_form("short")
    Traceback (most recent call last):
    ...
    thermotheory.errors.ModelError: form: expected one of 'structured', 'rational', 'factored' or None but found 'short'
    """
    if form is None or (isinstance(form, str) and form in FORMS):
        return form
    raise ModelError(f"form: expected one of {', '.join(repr(f) for f in FORMS)} or None but found {form!r}")


def choose_form(form: str | None, matrices: Iterable[sp.MatrixBase]) -> str:
    """The form to return: ``form`` itself, or for ``None`` the one that suits the size.

    ``None`` gives ``"structured"`` when the largest determinant among ``matrices`` (the
    covariance blocks the quantity needs) has an expansion bound above
    :data:`STRUCTURED_ABOVE`, and ``"factored"`` otherwise.
    """
    from . import budget

    if form is not None:
        return form
    bound = max((budget.expansion_bound(M) for M in matrices if M.rows > 1), default=0.0)
    return "structured" if bound > STRUCTURED_ABOVE else "factored"


def _is_name(obj: Any) -> bool:
    return isinstance(obj, (sp.Symbol, sp.MatrixSymbol))


class ClosedForm:
    """An expression with an ordered set of named definitions.

    Parameters
    ----------
    expr : sympy expression
        In the parameters and the defined names (Symbols for scalars, MatrixSymbols
        for matrices).
    definitions : sequence of (name, value)
        Each value (an expression, or an explicit Matrix for a MatrixSymbol) is written in
        the parameters and in names defined before it.
    names : mapping name -> str, optional
        LaTeX for each defined name (default: sympy's rendering of the name).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b = sp.symbols("a b", positive=True)
    >>> r = sp.Symbol("r")
    >>> f = ClosedForm(sp.log(1 + r) / 2, [(r, a / b)], {r: "r"})
    >>> f
    ClosedForm(log(r + 1)/2, where r = a/b)
    >>> f.rational()
    log((a + b)/b)/2
    >>> float(f.evaluate({a: 1, b: 2}))
    0.2027325540540822
    >>> f.latex()
    '\\\\frac{\\\\log{\\\\left(r + 1 \\\\right)}}{2}, \\\\quad \\\\text{where } r = \\\\frac{a}{b}'
    """

    __slots__ = ("_expr", "_definitions", "_names")

    def __init__(self, expr: Any, definitions: Iterable[tuple[Any, Any]] = (), names: Mapping[Any, str] | None = None):
        defs = []
        seen: set[Any] = set()
        for name, value in definitions:
            if not _is_name(name):
                raise ModelError(f"a definition's name must be a Symbol or a MatrixSymbol but found {name!r}")
            if name in seen:
                raise ModelError(f"{name} is defined twice")
            if isinstance(name, sp.MatrixSymbol):
                value = sp.ImmutableMatrix(value)
                if value.shape != name.shape:
                    raise ModelError(f"{name} is {name.shape[0]}x{name.shape[1]} but its value is "
                                     f"{value.shape[0]}x{value.shape[1]}")
            else:
                value = sp.sympify(value)
            seen.add(name)
            defs.append((name, value))
        object.__setattr__(self, "_expr", sp.sympify(expr))
        object.__setattr__(self, "_definitions", tuple(defs))
        object.__setattr__(self, "_names", dict(names or {}))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("a ClosedForm is immutable")

    # -- what it is -----------------------------------------------------------------
    @property
    def expr(self) -> sp.Expr:
        """The top-level expression, in the parameters and the defined names."""
        return self._expr

    @property
    def definitions(self) -> tuple[tuple[Any, Any], ...]:
        """The ordered ``(name, value)`` pairs."""
        return self._definitions

    @property
    def names(self) -> dict[Any, str]:
        """LaTeX for each defined name."""
        return dict(self._names)

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """The parameters: free symbols of the expression and the definitions, less the defined names."""
        defined = {n for n, _ in self._definitions}
        out: set[sp.Symbol] = set()
        for e in [self._expr] + [v for _, v in self._definitions]:
            out |= {s for s in e.free_symbols if s not in defined and not isinstance(s, sp.MatrixSymbol)}
        return out

    def count_ops(self) -> int:
        """Operations of the expression and of every definition (sympy ``count_ops``), the size a reader sees."""
        return int(sp.count_ops(self._expr)) + sum(int(sp.count_ops(v)) for _, v in self._definitions)

    def __float__(self) -> float:
        """The value when no parameter is left (after :meth:`subs`); a TypeError otherwise, as for sympy."""
        if self.free_symbols:
            raise TypeError(f"cannot convert a closed form with free parameters "
                            f"{sorted(s.name for s in self.free_symbols)} to float")
        return float(self.evaluate({}, dps=20))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ClosedForm) and self._expr == other._expr
                and self._definitions == other._definitions)

    def __hash__(self) -> int:
        return hash((self._expr, self._definitions))

    def __repr__(self) -> str:
        if not self._definitions:
            return f"ClosedForm({self._expr})"
        defs = ", ".join(f"{n} = {v.tolist() if isinstance(v, sp.MatrixBase) else v}" for n, v in self._definitions)
        return f"ClosedForm({self._expr}, where {defs})"

    def __str__(self) -> str:
        if not self._definitions:
            return str(self._expr)
        width = max(len(str(n)) for n, _ in self._definitions)
        lines = [str(self._expr), "  where"]
        for n, v in self._definitions:
            shown = v.tolist() if isinstance(v, sp.MatrixBase) else v
            lines.append(f"    {str(n):<{width}} = {shown}")
        return "\n".join(lines)

    # -- arithmetic: definitions are merged ---------------------------------------------
    def _merge(self, other: Any) -> tuple[Any, list[tuple[Any, Any]], dict[Any, str]]:
        defs = list(self._definitions)
        names = dict(self._names)
        if not isinstance(other, ClosedForm):
            return sp.sympify(other), defs, names
        mine = dict(defs)
        for name, value in other._definitions:
            if name in mine:
                if mine[name] != value:
                    raise ModelError(f"cannot combine two closed forms that define {name} differently")
                continue
            defs.append((name, value))
        names.update(other._names)
        return other._expr, defs, names

    def _binary(self, other: Any, op: Callable[[Any, Any], Any], reflected: bool = False) -> ClosedForm:
        if not isinstance(other, (ClosedForm, sp.Basic, int, float)):
            return NotImplemented
        rhs, defs, names = self._merge(other)
        expr = op(rhs, self._expr) if reflected else op(self._expr, rhs)
        return ClosedForm(expr, defs, names)

    def __add__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a + b)

    def __radd__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a + b, reflected=True)

    def __sub__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a - b)

    def __rsub__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a - b, reflected=True)

    def __mul__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a * b)

    def __rmul__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a * b, reflected=True)

    def __truediv__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a / b)

    def __rtruediv__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a / b, reflected=True)

    def __pow__(self, other: Any) -> ClosedForm:
        return self._binary(other, lambda a, b: a**b)

    def __neg__(self) -> ClosedForm:
        return ClosedForm(-self._expr, self._definitions, self._names)

    def subs(self, values: Mapping[Any, Any]) -> ClosedForm:
        """Substitute values for parameters in the expression and every definition."""
        by_name = {s.name: s for s in self.free_symbols}
        values = {by_name.get(k, k) if isinstance(k, str) else k: v for k, v in dict(values).items()}
        defs = [(n, v.subs(values)) for n, v in self._definitions]
        return ClosedForm(self._expr.subs(values), defs, self._names)

    # -- expansion ---------------------------------------------------------------------
    def explicit(self) -> sp.Expr:
        """The expression with every definition substituted, determinants and inverses expanded, not cancelled."""
        env: dict[Any, Any] = {}
        for name, value in self._definitions:
            env[name] = _expand(value, env)
        return _expand(self._expr, env)

    def rational(self) -> sp.Expr:
        """One cancelled quotient (inside each logarithm for an information); may raise :class:`TooLarge`."""
        return _cancelled(self.explicit())

    def factored(self) -> sp.Expr:
        """The rational form with numerator and denominator factored."""
        from ._backend import tidy

        return tidy(self.rational())

    def as_form(self, form: str | None) -> Any:
        """This closed form in ``form`` (see :data:`FORMS`); ``None`` or ``"structured"`` returns it unchanged."""
        form = check_form(form)
        if form in (None, "structured"):
            return self
        return self.rational() if form == "rational" else self.factored()

    # -- numbers -------------------------------------------------------------------------
    def evaluate(self, values: Mapping[Any, Any] | None = None, dps: int = 30) -> Any:
        """Evaluate at ``dps`` digits: the definitions in order, then the expression (mpmath).

        The values are the parameters' (keys may be Symbols or their names), read as by
        :func:`thermotheory.evaluate`, whose checks they pass.
        """
        from .evaluate import evaluate as _evaluate

        import mpmath

        values = dict(values or {})
        env: dict[Any, Any] = {}
        extra = max(10, dps // 2)
        with mpmath.workdps(dps + extra):
            for name, value in self._definitions:
                env[name] = self._number(value, values, env, dps + extra, _evaluate)
            out = self._number(self._expr, values, env, dps + extra, _evaluate)
        with mpmath.workdps(dps):
            return +out if not isinstance(out, mpmath.matrix) else out

    def _number(self, value: Any, values: dict, env: dict, dps: int, _evaluate: Callable) -> Any:
        import mpmath

        if isinstance(value, sp.MatrixBase):
            return mpmath.matrix([[self._number(e, values, env, dps, _evaluate) for e in value.row(i)]
                                  for i in range(value.rows)])
        local = {n: _mp_to_sympy(v, dps) for n, v in env.items() if not isinstance(v, mpmath.matrix)}
        mats = {n: sp.ImmutableMatrix(v.rows, v.cols, [_mp_to_sympy(x, dps) for x in v])
                for n, v in env.items() if isinstance(v, mpmath.matrix)}
        expr = value.xreplace(mats).doit() if mats else value
        expr = expr.xreplace(local)
        return _evaluate(expr, values, dps=dps)

    def lambdify(self, args: Sequence[sp.Symbol]) -> Callable[..., Any]:
        """A numpy function of ``args`` (the parameters), broadcasting over arrays.

        The definitions are evaluated in order on arrays; determinants and inverses of the
        defined matrices use numpy's stacked linear algebra, so a grid of parameter values
        costs one vectorised pass.

        Examples
        --------
        >>> import sympy as sp
        >>> a = sp.Symbol("a", positive=True)
        >>> M = sp.MatrixSymbol("M", 2, 2)
        >>> f = ClosedForm(sp.log(sp.Determinant(M)), [(M, sp.Matrix([[a, 1], [1, a]]))]).lambdify([a])
        >>> [round(float(x), 6) for x in f(np.array([2.0, 3.0]))]
        [1.098612, 2.079442]
        """
        by_name = {s.name: s for s in self.free_symbols}
        args = tuple(by_name.get(a, sp.Symbol(a)) if isinstance(a, str) else a for a in args)
        missing = sorted(s.name for s in self.free_symbols if s not in args)
        if missing:
            raise ModelError(f"lambdify: no argument given for {missing}")
        steps: list[tuple[Any, _NumpyStep]] = []
        known = list(args)
        for name, value in self._definitions:
            steps.append((name, _NumpyStep(value, known)))
            known.append(name)
        final = _NumpyStep(self._expr, known)

        def f(*vals: Any) -> Any:
            if len(vals) != len(args):
                raise ModelError(f"expected {len(args)} values ({', '.join(a.name for a in args)}) but found "
                                 f"{len(vals)}")
            arrays = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in vals]) if vals else []
            shape = arrays[0].shape if vals else ()
            lookup: dict[Any, Any] = dict(zip(args, arrays))
            for name, step in steps:
                lookup[name] = step(lookup, shape)
            out = final(lookup, shape)
            return float(out) if shape == () and np.ndim(out) == 0 else out

        return f

    # -- display -------------------------------------------------------------------------
    def _latex_settings(self) -> dict[str, Any]:
        return {"symbol_names": dict(self._names)}

    def latex(self, where: bool = True, **settings: Any) -> str:
        r"""LaTeX: the expression, then ``\text{where }`` and the definitions, on one line.

        With ``where=False`` the expression alone. Use :meth:`latex_lines` for one
        definition per line (an ``aligned`` block).
        """
        kw = {**self._latex_settings(), **settings}
        head = sp.latex(self._expr, **kw)
        if not where or not self._definitions:
            return head
        defs = ", \\quad ".join(f"{sp.latex(n, **kw)} = {sp.latex(v, **kw)}" for n, v in self._definitions)
        return f"{head}, \\quad \\text{{where }} {defs}"

    def latex_lines(self, lhs: str | None = None, **settings: Any) -> list[str]:
        """The expression and each definition as separate ``&``-aligned lines."""
        kw = {**self._latex_settings(), **settings}
        first = (f"{lhs} &= " if lhs else "&") + sp.latex(self._expr, **kw)
        lines = [first]
        if self._definitions:
            lines.append(r"&\text{where}")
        for n, v in self._definitions:
            lines.append(f"{sp.latex(n, **kw)} &= {sp.latex(v, **kw)}")
        return lines

    def _repr_latex_(self) -> str:
        return "$\\displaystyle \\begin{aligned} " + r" \\ ".join(self.latex_lines()) + r" \end{aligned}$"


def apply_form(value: Any, form: str | None) -> Any:
    """Bring a result without a natural structure to ``form``: floats pass, ``"structured"`` wraps it.

    For a symbolic expression, ``"structured"`` gives a :class:`ClosedForm` with no
    definitions, ``"rational"`` one cancelled quotient, ``"factored"`` (and ``None``) the
    expression as the engine tidied it.
    """
    form = check_form(form)
    if not isinstance(value, sp.Basic) or isinstance(value, sp.MatrixBase):
        return value
    if form == "structured":
        return ClosedForm(value)
    if form == "rational":
        return _cancelled(value)
    return value


def _mp_to_sympy(x: Any, dps: int) -> sp.Expr:
    import mpmath

    if isinstance(x, mpmath.mpc):
        return sp.Float(x.real, dps) + sp.I * sp.Float(x.imag, dps)
    return sp.Float(x, dps)


def _expand(e: Any, env: Mapping[Any, Any]) -> Any:
    """``e`` with defined names replaced by their explicit values; matrix operations carried out fraction-free."""
    from ._backend import SymOps

    if isinstance(e, sp.MatrixBase):
        return sp.Matrix(e.rows, e.cols, [_expand(x, env) for x in e])
    if e in env:
        return env[e]
    if isinstance(e, sp.MatrixSymbol):
        raise ModelError(f"{e} is used before it is defined")
    if not e.args:
        return e
    if isinstance(e, sp.Determinant):
        M = sp.Matrix(_expand(e.arg, env))
        return SymOps.det(M) if M.rows > 1 else M[0, 0]
    if isinstance(e, sp.Inverse):
        return SymOps.inv(sp.Matrix(_expand(e.arg, env)))
    if isinstance(e, sp.Transpose):
        return sp.Matrix(_expand(e.arg, env)).T
    if isinstance(e, sp.Trace):
        return sp.Matrix(_expand(e.arg, env)).trace()
    if isinstance(e, MatrixElement):
        return sp.Matrix(_expand(e.parent, env))[int(e.i), int(e.j)]
    if isinstance(e, (sp.MatMul, sp.MatAdd)):
        parts = [_expand(a, env) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out * p if isinstance(e, sp.MatMul) else out + p
        return out
    return e.func(*[_expand(a, env) for a in e.args])


def _cancelled(e: sp.Expr) -> sp.Expr:
    """One cancelled quotient; inside logarithms (and over sums containing them) piece by piece."""
    e = sp.sympify(e)
    if e.is_Number or e.is_Symbol:
        return e
    if isinstance(e, sp.log):
        return sp.log(_cancelled(e.args[0]))
    if e.has(sp.log) and (e.is_Add or e.is_Mul):
        return e.func(*[_cancelled(a) for a in e.args])
    return sp.cancel(sp.together(e))


def generically_singular(M: sp.MatrixBase, points: int = 2, seed: int = 0) -> bool:
    """Whether a symbolic matrix is singular for all parameter values, judged at random points.

    Its determinant is a rational function of the parameters: identically zero (perfectly
    correlated noise, a variable without variance) it vanishes at every point, otherwise at
    almost none. The matrix is evaluated in floats at ``points`` random points (positive
    symbols in [0.5, 2], others in [-2, 2]) and called singular when its condition number
    exceeds 1e12 at all of them; no exact determinant is formed.
    """
    M = sp.Matrix(M)
    symbols = sorted(set().union(*[e.free_symbols for e in M]), key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    f = sp.lambdify(symbols, M, modules="numpy")
    for _ in range(points):
        vals = [rng.uniform(0.5, 2.0) if s.is_positive or s.is_nonnegative else rng.uniform(-2.0, 2.0) for s in symbols]
        with np.errstate(all="ignore"):
            try:
                A = np.array(f(*vals), dtype=float)
            except (ZeroDivisionError, TypeError, ValueError):
                return False
            if not np.all(np.isfinite(A)) or np.linalg.cond(A) < 1e12:
                return False
    return True


class _NumpyStep:
    """One expression (scalar, or an explicit matrix) evaluated on arrays of the names known before it."""

    def __init__(self, value: Any, known: list[Any]):
        self.matrix = isinstance(value, sp.MatrixBase)
        self.shape = value.shape if self.matrix else ()
        self.scalar_names = [k for k in known if isinstance(k, sp.Symbol)]
        # matrix-valued pieces (a determinant, a trace, an element) become placeholders computed by numpy
        self.lifted: list[tuple[sp.Dummy, Any]] = []
        flat = [self._lift(x) for x in (list(value) if self.matrix else [value])]
        args = self.scalar_names + [d for d, _ in self.lifted]
        self.fns = [sp.lambdify(args, x, modules="numpy") for x in flat]

    def _lift(self, e: Any) -> Any:
        if isinstance(e, (sp.Determinant, sp.Trace, MatrixElement)):
            d = sp.Dummy()
            self.lifted.append((d, e))
            return d
        if not getattr(e, "args", ()):
            return e
        return e.func(*[self._lift(a) for a in e.args])

    def __call__(self, lookup: Mapping[Any, Any], shape: tuple[int, ...]) -> Any:
        extra = [_numpy_matrix_value(e, lookup, shape) for _, e in self.lifted]
        args = [lookup[k] for k in self.scalar_names] + extra
        vals = [np.broadcast_to(np.asarray(f(*args), dtype=float), shape) for f in self.fns]
        if not self.matrix:
            return vals[0]
        return np.stack(vals, axis=-1).reshape(shape + tuple(self.shape))


def _numpy_matrix_value(e: Any, lookup: Mapping[Any, Any], shape: tuple[int, ...]) -> Any:
    """A matrix expression on stacked arrays of shape ``shape + (k, k)``."""
    if isinstance(e, sp.MatrixSymbol):
        return lookup[e]
    if isinstance(e, sp.MatrixBase):
        return np.broadcast_to(np.array(e.tolist(), dtype=float), shape + e.shape)
    if isinstance(e, sp.Determinant):
        return np.linalg.det(_numpy_matrix_value(e.arg, lookup, shape))
    if isinstance(e, sp.Inverse):
        return np.linalg.inv(_numpy_matrix_value(e.arg, lookup, shape))
    if isinstance(e, sp.Transpose):
        return np.swapaxes(_numpy_matrix_value(e.arg, lookup, shape), -1, -2)
    if isinstance(e, sp.Trace):
        return np.trace(_numpy_matrix_value(e.arg, lookup, shape), axis1=-2, axis2=-1)
    if isinstance(e, MatrixElement):
        return _numpy_matrix_value(e.parent, lookup, shape)[..., int(e.i), int(e.j)]
    if isinstance(e, sp.MatMul):
        out = None
        for a in e.args:
            v = _numpy_matrix_value(a, lookup, shape) if not a.is_Number else float(a)
            out = v if out is None else (out * v if np.ndim(v) == 0 or np.ndim(out) == 0 else out @ v)
        return out
    if isinstance(e, sp.MatAdd):
        return sum(_numpy_matrix_value(a, lookup, shape) for a in e.args)
    raise ModelError(f"lambdify: cannot evaluate the matrix expression {e}")


class CovarianceNames:
    r"""Named symbols for the entries and blocks of a covariance matrix, collecting their definitions.

    Entries are :math:`\Sigma_{ab}` (``a, b`` the variables' names), the block of several
    variables is the matrix :math:`\Sigma_{(a, b, c)}` (the covariance of that vector),
    the whole matrix :math:`\Sigma`; zero entries stay 0.

    Parameters
    ----------
    variables : sequence of Symbol
        The model's variables, in order.
    S : sympy Matrix
        The explicit covariance.
    label : str
        The letter (``"Sigma"``; a transient state may use ``"Sigma(t)"``).
    """

    def __init__(self, variables: Sequence[sp.Symbol], S: sp.MatrixBase, label: str = "Sigma",
                 latex_label: str = r"\Sigma"):
        from ._backend import tidy

        self._tidy = tidy
        self.variables = list(variables)
        self.S = sp.Matrix(S)
        self.label, self.latex_label = label, latex_label
        self._entries: dict[tuple[int, int], Any] = {}
        self._blocks: dict[tuple[tuple[int, ...], tuple[int, ...]], Any] = {}
        self._defs: list[tuple[Any, Any]] = []
        self._names: dict[Any, str] = {}
        self.n = self.S.rows

    def _var_latex(self, i: int) -> str:
        return sp.latex(self.variables[i])

    def entry(self, i: int, j: int) -> Any:
        """The symbol of entry ``(i, j)`` (0 for a zero entry); defined on first use."""
        i, j = min(i, j), max(i, j)
        if (i, j) not in self._entries:
            value = self.S[i, j]
            if value == 0:
                self._entries[(i, j)] = sp.Integer(0)
            else:
                a, b = self.variables[i].name, self.variables[j].name
                sym = sp.Symbol(f"{self.label}[{a},{b}]", real=True, positive=True if i == j else None)
                self._entries[(i, j)] = sym
                self._defs.append((sym, self._tidy(value)))
                self._names[sym] = f"{self.latex_label}_{{{self._var_latex(i)} {self._var_latex(j)}}}"
        return self._entries[(i, j)]

    def matrix(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> sp.Matrix:
        """The explicit matrix of entry symbols of a block."""
        cols = rows if cols is None else cols
        return sp.Matrix(len(rows), len(cols), lambda a, b: self.entry(rows[a], cols[b]))

    def block(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> Any:
        """A named matrix for a block (the entry itself for a 1x1 block)."""
        rows = tuple(rows)
        cols = rows if cols is None else tuple(cols)
        if len(rows) == len(cols) == 1:
            return self.entry(rows[0], cols[0])
        key = (rows, cols)
        if key not in self._blocks:
            value = self.matrix(rows, cols)  # entries defined first
            if rows == cols == tuple(range(self.n)):
                name, tex = self.label, self.latex_label
            else:
                tag = ",".join(self.variables[i].name for i in rows)
                ttag = "(" + ", ".join(self._var_latex(i) for i in rows) + ")"
                if cols != rows:
                    tag += ";" + ",".join(self.variables[i].name for i in cols)
                    ttag += ", (" + ", ".join(self._var_latex(i) for i in cols) + ")"
                name, tex = f"{self.label}({tag})", f"{self.latex_label}_{{{ttag}}}"
            M = sp.MatrixSymbol(name, len(rows), len(cols))
            self._blocks[key] = M
            self._defs.append((M, value))
            self._names[M] = tex
        return self._blocks[key]

    def det(self, rows: Sequence[int], cols: Sequence[int] | None = None) -> Any:
        """The determinant of a block (the entry for a 1x1 block, 1 for an empty one)."""
        rows = list(rows)
        if not rows:
            return sp.Integer(1)
        B = self.block(rows, cols)
        return B if not isinstance(B, sp.MatrixSymbol) else sp.Determinant(B)

    def precision_entry(self, i: int, j: int) -> Any:
        r"""Entry ``(i, j)`` of :math:`\Sigma^{-1}` as a ratio of determinants (cofactor over determinant)."""
        every = list(range(self.n))
        rows = [k for k in every if k != j]
        cols = [k for k in every if k != i]
        sign = (-1) ** (i + j)
        return sign * self.det(rows, cols) / self.det(every)

    def closed(self, expr: Any) -> ClosedForm:
        """A :class:`ClosedForm` of ``expr`` with the definitions used so far."""
        expr = sp.sympify(expr)
        need = set(expr.free_symbols)
        keep = []
        for name, value in reversed(self._defs):
            if name in need:
                keep.append((name, value))
                need |= value.free_symbols
        # the entries in the order of the variables, then the matrices built from them
        position = {sym: key for key, sym in self._entries.items()}
        keep.sort(key=lambda d: (0, position[d[0]]) if d[0] in position else (1, self._defs.index(d)))
        return ClosedForm(expr, keep, {n: t for n, t in self._names.items() if n in dict(keep)})
