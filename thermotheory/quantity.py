"""Quantities as first-class objects: one record per quantity, read by verify, the catalog, the CLI and export.

A :class:`Quantity` holds everything the package knows about one quantity: its name, its
notation (one LaTeX pattern, the single notation table of the docs, derivation pages and
reports), its argument roles (declared, so nothing is guessed from keyword names), its kind
(``static``, ``rate`` or ``transient``), its units, a literature reference (a key of
``docs/references.bib``) and its closed form on each kind of model; its Monte Carlo
estimators are rows of the one estimator table, :data:`thermotheory.montecarlo.estimators.ESTIMATORS`
(this module imports no Monte Carlo). A Quantity is callable like the closed-form function it wraps
(``tt.heat_rate(model, r)``), and :meth:`Quantity.of` binds its roles to give a
:class:`BoundQuantity` ("the heat rate of ``r``"), the object that ``verify``, ``sweep``,
the catalog, the command line and export pass around.

Model kinds (:func:`model_kind`: the ``kind`` attribute of the model's class):

``linear``
    :class:`~thermotheory.LinearSDE`, stationary or from an initial state under a protocol.
``nonlinear``
    :class:`~thermotheory.SDE`; closed forms are those of its linear-noise approximation
    (:meth:`~thermotheory.SDE.linearize`, see :data:`DERIVED_KINDS`), which ``verify`` labels
    as an approximation (exact for a linear drift with additive noise); a direct call refuses it.
``lattice``
    :class:`~thermotheory.core.lattice.LatticeField`, closed forms by FFT.

A quantity that has no closed form or estimator for a model kind raises
:class:`~thermotheory.errors.ModelError` saying so.
"""

from __future__ import annotations

import functools
import inspect
import re
import string
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .core._threads import is_small, one_blas_thread
from .core.plaintext import plain_text
from .errors import ModelError, NotAModel

__all__ = ["Role", "Quantity", "BoundQuantity", "model_kind", "quantity", "lookup_quantity", "QUANTITIES", "register", "MODEL_KINDS", "DERIVED_KINDS", "notation_head"]

#: The kinds of model a quantity may accept.
MODEL_KINDS = ("linear", "nonlinear", "lattice", "jump")
#: The kinds of quantity: a property of one state, a rate of a stationary process, a total over ``[0, t]``.
KINDS = ("static", "rate", "transient")
#: Roles that make a static quantity a property of the state at time ``t`` from an initial state.
TIME_ROLES = ("t", "initial", "initial_mean")


#: Kinds whose closed forms are those of a model of another kind derived from them:
#: ``kind -> (that kind, name of the model's method that derives it)``. Every quantity with a
#: closed form on that kind has one on this kind (:class:`Quantity` adds it).
DERIVED_KINDS: dict[str, tuple[str, str]] = {"nonlinear": ("linear", "linearize")}


def _with_one_blas_thread(form: Callable[..., Any], size: int) -> Callable[..., Any]:
    """``form``, run with one BLAS thread (a numeric model of ``size`` variables: :func:`one_blas_thread`)."""
    @functools.wraps(form)
    def run(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread(size):
            return form(*args, **kwargs)
    return run


def model_kind(model: Any) -> str:
    """The kind of ``model``: ``"linear"``, ``"nonlinear"`` or ``"lattice"``.

    A model class names its kind in a class attribute ``kind`` (as sympy.stats' distributions
    do): :class:`~thermotheory.LinearSDE` ``"linear"``, :class:`~thermotheory.SDE`
    ``"nonlinear"``, :class:`~thermotheory.core.lattice.LatticeField` ``"lattice"``.

    Raises
    ------
    NotAModel
        For an object whose class names no kind of :data:`MODEL_KINDS`.

    Examples
    --------
    >>> import thermotheory as tt
    >>> model_kind(tt.LinearSDE.from_matrices([[-1.0]], [1.0]))
    'linear'
    """
    kind = getattr(type(model), "kind", None)
    if isinstance(kind, str) and kind in MODEL_KINDS:
        return kind
    raise NotAModel(f"expected a model (LinearSDE, SDE or LatticeField) but found {type(model).__name__}: "
                     f"{model!r:.60}")


def _refuse_approximate(name: str, model: Any) -> None:
    """Refuse a direct closed form on a model whose class says its closed forms are an approximation."""
    theory = getattr(type(model), "theory", "")
    if theory:
        method = DERIVED_KINDS.get(model_kind(model), ("", ""))[1]
        how = f" (model.{method}())" if method else ""
        raise ModelError(f"{name}: this {type(model).__name__} has no closed form here; use the closed form of its "
                         f"{theory}{how}, or tt.verify(model, ...), which compares the simulated model with it")


def _closed_forms(q: "Quantity", function: Callable[..., Any],
                  given: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Every kind's closed form of ``q``, each called as the quantity is: ``form(model, *roles, **options)``."""

    def linear(model, *args, **kwargs):
        return _carry_stability(model, function(model, *args, **kwargs), q._is_stationary(args, kwargs))

    def by_roles(f):
        def form(model, *args, **kwargs):
            return f(model, **q.of(*args, **kwargs).arguments)
        return form

    forms = {"linear": linear, **{kind: by_roles(f) for kind, f in given.items()}}

    def derived(base, method):
        def form(model, *args, **kwargs):
            return forms[base](getattr(model, method)(), *args, **kwargs)
        return form

    for kind, (base, method) in DERIVED_KINDS.items():
        if base in forms and kind not in forms:
            forms[kind] = derived(base, method)
    return forms


def as_written(value: Any) -> Any:
    """A symbolic closed form after the presentation pass; anything else (a number, an array) unchanged.

    The pass (:func:`~thermotheory.core.presentation.compact`) keeps only rewritings that
    check equal at random points within the symbols' assumptions and caches what it did.
    Its cost grows with the form: a form of more than :data:`AS_WRITTEN_OPS` operations
    (its definitions included) comes back as computed, in seconds rather than minutes;
    ``tt.compact`` gives the presentation pass of any form on request.

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> as_written(c * a**2 + 2 * c * a * b + c * b**2), as_written(0.5)
    (c*(a + b)**2, 0.5)
    """
    import sympy as sp

    from .core.closedform import ClosedForm
    from .core.presentation import compact

    if isinstance(value, ClosedForm):
        size = sp.count_ops(value.expr) + sum(sp.count_ops(v) for _, v in value.definitions)
    elif isinstance(value, sp.Expr) and value.free_symbols:
        size = sp.count_ops(value)
    else:
        return value
    return compact(value) if size <= AS_WRITTEN_OPS else value


#: The largest form (sympy's operations, definitions included) that a quantity's call rewrites as
#: written: the presentation pass takes about a second per hundred operations.
AS_WRITTEN_OPS = 120


def _carry_stability(model: Any, value: Any, stationary: bool) -> Any:
    """A stationary closed form of a model of undecided stability, as a ClosedForm that checks it.

    A symbolic drift whose stability sympy cannot decide (``{x: k*x}`` with ``k`` real)
    still has stationary closed forms, valid only where the drift is Hurwitz; outside
    that region they can evaluate to a real but meaningless number (a negative mutual
    information). The form is returned as a :class:`~thermotheory.core.closedform.ClosedForm`
    carrying the drift matrix, which ``evaluate``, ``lambdify`` and ``subs`` check.
    """
    import sympy as sp

    from .core.closedform import ClosedForm, stability_requirement

    if not stationary or not isinstance(value, (ClosedForm, sp.Basic, sp.MatrixBase)):
        return value
    if not getattr(value, "free_symbols", None):
        return value
    required = stability_requirement(model)
    if not required:
        return value
    if isinstance(value, ClosedForm):
        if all(M in value.hurwitz for M in required):
            return value
        return ClosedForm(value.expr, value.definitions, value.names, value.hurwitz + required)
    return ClosedForm(value, hurwitz=required)


@dataclass(frozen=True)
class Role:
    """One argument of a quantity.

    Attributes
    ----------
    name : str
        Keyword of the closed-form function.
    what : str
        ``"variables"`` (a variable, a name or a sequence of them; a region of sites on a
        lattice), ``"time"``, ``"state"`` (an initial covariance or mean) or ``"option"``.
    optional : bool
        Whether it may be left out.
    description : str
    """

    name: str
    what: str = "variables"
    optional: bool = False
    description: str = ""


class Quantity:
    """A quantity of the package: notation, roles, kind, units, reference, closed forms and estimators.

    Call it like its closed-form function: ``tt.heat_rate(model, r)``; bind it with
    :meth:`of` to pass "the heat rate of ``r``" around.

    Parameters
    ----------
    name : str
        Its name, also the name of its closed-form function.
    function : callable
        The closed form on a :class:`~thermotheory.LinearSDE`, ``function(model, *roles, **options)``.
    symbol : str
        LaTeX pattern of its notation, with ``{role}`` fields filled by the bound variables
        (for example ``r"\\dot Q_{{{subsystem}}}"``).
    roles : sequence of Role
    kind : {"static", "rate", "transient"}
    units : str
    reference : str
        Key of the entry in ``docs/references.bib``.
    description : str
        One line.
    closed_forms : mapping, optional
        Closed forms on the other model kinds, ``f(model, **roles)`` (``"lattice"``: on a
        :class:`~thermotheory.core.lattice.LatticeField`). The attribute ``closed_forms`` holds
        every kind's closed form with the calling convention of the quantity itself
        (``closed_forms[kind](model, *roles, **roles_and_options)``): ``function`` on the
        linear kind, these, and the forms of the :data:`DERIVED_KINDS`.
    estimators : mapping, optional
        Monte Carlo estimators of a quantity defined outside the package, keyed by
        ``(model kind, "stationary" | "transient")``; each is
        ``estimator(model, bound, run) -> (Estimate, dt used, duration)``. The package's own
        quantities have theirs in the estimator table
        (:data:`thermotheory.montecarlo.estimators.ESTIMATORS`).
    aliases : mapping, optional
        Deprecated keywords and the roles they stand for.
    alternatives : sequence of str, optional
        Other notations (patterns with the same role fields as ``symbol``), in order of
        preference, for a document where ``symbol`` already means something else (a model's
        noise amplitude ``\\sigma_v`` beside the entropy production ``\\sigma``):
        :meth:`notation_avoiding` picks the first that clashes with nothing on the page.

    Examples
    --------
    >>> import thermotheory as tt
    >>> tt.heat_rate.kind, tt.heat_rate.units
    ('rate', 'nats per unit time')
    >>> tt.heat_rate.of("x").latex()
    '\\\\Phi_{x}'
    """

    def __init__(self, name: str, function: Callable[..., Any], *, symbol: str, roles: tuple[Role, ...], kind: str,
                 units: str, reference: str, description: str,
                 closed_forms: Mapping[str, Callable[..., Any]] | None = None,
                 estimators: Mapping[tuple[str, str], Callable[..., Any]] | None = None,
                 aliases: Mapping[str, str] | None = None, alternatives: tuple[str, ...] = ()) -> None:
        if kind not in KINDS:
            raise ModelError(f"kind: expected one of {KINDS} but found {kind!r}")
        if isinstance(alternatives, str) or not all(isinstance(a, str) for a in alternatives):
            raise ModelError(f"alternatives of {name}: expected a tuple of LaTeX patterns but found {alternatives!r}")
        for pattern in (symbol, *alternatives):
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
            except ValueError as error:
                raise ModelError(f"notation {pattern!r} of {name}: not a pattern ({error}); write a literal brace "
                                 "as {{ or }}") from None
            unknown = fields - {r.name for r in roles}
            if unknown:
                raise ModelError(f"symbol of {name}: the fields {sorted(unknown)} are not roles of the quantity")
        set_ = object.__setattr__
        set_(self, "name", name)
        set_(self, "function", function)
        set_(self, "symbol", symbol)
        set_(self, "roles", tuple(roles))
        set_(self, "kind", kind)
        set_(self, "units", units)
        set_(self, "reference", reference)
        set_(self, "description", description)
        set_(self, "closed_forms", _closed_forms(self, function, closed_forms or {}))
        set_(self, "own_estimators", dict(estimators or {}))
        set_(self, "aliases", dict(aliases or {}))
        set_(self, "alternatives", tuple(alternatives))
        # look like the function: help(), inspect.signature and Sphinx read these
        set_(self, "__name__", name)
        set_(self, "__qualname__", name)
        set_(self, "__module__", "thermotheory")
        set_(self, "__doc__", function.__doc__)
        set_(self, "__wrapped__", function)
        set_(self, "__signature__", inspect.signature(function))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Quantity is immutable (tried to set {name!r})")

    def __reduce__(self):
        return (quantity, (self.name,))

    def __repr__(self) -> str:
        return f"<quantity {self.name}: {self.description}>"

    @property
    def estimators(self) -> dict[tuple[str, str], Callable[..., Any]]:
        """Monte Carlo estimators keyed by ``(model kind, regime)``: a view of the estimator table.

        The rows of :data:`thermotheory.montecarlo.estimators.ESTIMATORS` for this quantity
        (a registered one), else those given to the constructor.
        """
        registered = QUANTITIES.get(self.name) is self
        found = {(kind, regime): row.fn for table in estimator_tables() if registered
                 for (name, kind, regime), row in table.items() if name == self.name}
        return found or dict(self.own_estimators)

    @property
    def notations(self) -> tuple[str, ...]:
        """Its notation patterns in order of preference: ``symbol``, then the ``alternatives``."""
        return (self.symbol, *self.alternatives)

    def notation_avoiding(self, taken: Any = ()) -> str:
        r"""The first notation pattern whose symbol clashes with none of ``taken`` (``symbol`` if all clash).

        Two notations clash when they have the same head (:func:`notation_head`: the symbol
        without its subscripts and arguments, so ``\sigma_{v}`` and ``\sigma`` clash).

        Parameters
        ----------
        taken : iterable
            The symbols already in use: sympy symbols, their names (``"sigma_v"``) or LaTeX
            (``r"\sigma_{v}"``).

        Examples
        --------
        >>> import thermotheory as tt
        >>> q = tt.entropy_production_rate
        >>> q.notation_avoiding(["tau_v"]) == q.symbol
        True
        >>> q.notation_avoiding(["sigma_v", "tau_v"]) == q.alternatives[0]
        True
        """
        heads = {notation_head(t) for t in _symbol_texts(taken)}
        for pattern in self.notations:
            if _pattern_head(pattern) not in heads:
                return pattern
        return self.symbol

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def form_on(self, model: Any) -> Callable[..., Any]:
        """The closed form on ``model``'s kind: ``closed_forms[kind](model, *roles, **roles_and_options)``.

        One calling convention for every kind (that of the quantity itself). A kind whose
        closed forms are those of another kind's model derived from it (:data:`DERIVED_KINDS`:
        a nonlinear SDE's :meth:`~thermotheory.SDE.linearize`) has them generically.

        A numeric model of a few hundred variables or fewer runs its closed form with one BLAS thread
        (:mod:`thermotheory.core._threads`: more threads only wait on each other at that size); the
        results are the same.

        Raises
        ------
        ModelError
            When the quantity has no closed form on this kind of model.
        """
        form = self.closed_forms.get(model_kind(model))
        if form is None:
            raise ModelError(f"{self.name} is not defined for a {type(model).__name__}")
        if getattr(model, "is_numeric", False) is True and is_small(getattr(model, "dimension", 0)):
            return _with_one_blas_thread(form, model.dimension)
        return form

    def __call__(self, model: Any, *args: Any, raw: bool = False, **kwargs: Any) -> Any:
        """The closed form on ``model`` (dispatched on its kind), as a person would write it.

        A symbolic result comes back after the presentation pass
        (:func:`~thermotheory.core.presentation.compact`: the shortest rewriting that checks
        equal at random points, cached), so that ``print`` and the notebook show the form a
        theorist would write and arithmetic, ``subs`` and ``evaluate`` work on it as on any
        sympy expression. ``raw=True`` gives the closed form as computed (sympy's canonical,
        expanded form), as :meth:`BoundQuantity.closed_form` does; so does a form asked for by
        name (``form="structured"``, ``"rational"``, ``"factored"``). Numbers come back as
        they are. The form written is a different sympy tree from the raw one, so compare
        closed forms by value (``sp.simplify(a - b) == 0``, or at numbers), not with ``==``.

        A model whose class declares that its closed forms are an approximation (its ``theory``,
        the linear-noise approximation of an :class:`~thermotheory.SDE`) is refused here:
        ``verify`` compares the simulated model with that approximation and says so.

        Examples
        --------
        >>> import sympy as sp
        >>> import thermotheory as tt
        >>> v, r = sp.symbols("v r", real=True)
        >>> tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
        >>> m = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
        >>> tt.efficiency(m, r)
        D_r*tau*(tau + tau_r)/(D_r*(tau + tau_r)**2 + D_v*lambda**2*tau**2)
        >>> tt.efficiency(m, r, raw=True)
        D_r*tau*(tau + tau_r)/(D_r*tau**2 + 2*D_r*tau*tau_r + D_r*tau_r**2 + D_v*lambda**2*tau**2)
        """
        form = self.form_on(model)
        _refuse_approximate(self.name, model)
        value = form(model, *args, **kwargs)
        if raw or kwargs.get("form") is not None:
            return value
        from .core.presentation import domain_of, within_domain

        with within_domain(domain_of(model)):  # (a binary synapse's 0 < f < 1)
            return as_written(value)

    def _is_stationary(self, args: tuple, kwargs: dict) -> bool:
        """Whether a call asks for the stationary state (no time ``t`` given, not a transient quantity)."""
        if self.kind == "transient":
            return False
        try:
            bound = inspect.signature(self.function).bind_partial(None, *args, **kwargs)
        except TypeError:
            return False
        return bound.arguments.get("t") is None

    def of(self, *args: Any, **kwargs: Any) -> BoundQuantity:
        """Bind the roles: ``tt.heat_rate.of(r)`` is "the heat rate of ``r``".

        Roles are given in order or by name; a deprecated keyword of the quantity (see
        ``aliases``) is accepted with a :class:`DeprecationWarning`.
        """
        names = self.role_names
        if len(args) > len(names):
            raise ModelError(f"{self.name}: expected at most {len(names)} arguments ({', '.join(names)}) but found "
                             f"{len(args)}")
        arguments = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in self.aliases:
                new = self.aliases[key]
                warnings.warn(f"{self.name}: the keyword {key!r} is deprecated; use {new!r}", DeprecationWarning,
                              stacklevel=2)
                key = new
            if key not in names:
                raise ModelError(f"{self.name}: {key!r} is not one of its roles ({', '.join(names)})")
            if key in arguments:
                raise ModelError(f"{self.name}: {key!r} is given twice")
            arguments[key] = value
        arguments = {k: v for k, v in arguments.items() if v is not None}
        missing = [r.name for r in self.roles if not r.optional and r.name not in arguments]
        if missing:
            raise ModelError(f"{self.name}: missing {', '.join(missing)}")
        return BoundQuantity(self, tuple((k, arguments[k]) for k in names if k in arguments))

    def positional(self, arguments: Mapping[str, Any]) -> list[Any]:
        """The bound roles as positional arguments of the closed-form function (None where left out)."""
        names = [n for n in self.role_names if n in arguments]
        last = max((self.role_names.index(n) for n in names), default=-1)
        return [arguments.get(n) for n in self.role_names[:last + 1]]


@dataclass(frozen=True)
class BoundQuantity:
    """A quantity with its roles bound: "the heat rate of ``r``".

    Attributes
    ----------
    quantity : Quantity
    items : tuple of (role, value)
        The bound roles, in the quantity's role order.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> q = tt.mutual_information.of(v, r)
    >>> q.label, q.latex(), round(q.closed_form(m), 6)
    ('mutual_information(v, r)', 'I(v; r)', 0.091161)
    """

    quantity: Quantity
    items: tuple = field(default=())

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.items)

    @property
    def name(self) -> str:
        return self.quantity.name

    @property
    def kind(self) -> str:
        """``transient`` for a static quantity bound at a time ``t``, else the quantity's kind."""
        if self.quantity.kind == "static" and self.arguments.get("t") is not None:
            return "transient"
        return self.quantity.kind

    @property
    def regime(self) -> str:
        """``"transient"`` (from an initial state over or at a time ``t``) or ``"stationary"``."""
        return "transient" if self.kind == "transient" else "stationary"

    def closed_form(self, model: Any, form: str | None = None, approximate: bool = False) -> Any:
        """The closed form on ``model``.

        ``approximate=True`` also gives the closed form of a kind whose closed forms are an
        approximation (a nonlinear SDE's: that of its linear-noise approximation), which a
        plain call refuses.
        """
        q = self.quantity
        fn = q.form_on(model)
        if not approximate:
            _refuse_approximate(q.name, model)
        if form is not None and "form" not in inspect.signature(q.function).parameters:
            raise ModelError(f"{q.name} has one form only: form={form!r} is not an option of its closed form")
        return fn(model, *q.positional(self.arguments), **({} if form is None else {"form": form}))

    def latex(self, avoid: Any = ()) -> str:
        r"""The notation, with the bound variables filled in (one symbol per role, from the quantity's pattern).

        ``avoid``: symbols already meaning something else on the page (sympy symbols, names or
        LaTeX); the first of the quantity's notations that clashes with none of them is used
        (:meth:`Quantity.notation_avoiding`).

        Examples
        --------
        >>> import thermotheory as tt
        >>> tt.entropy_production_rate.of("x").latex(), tt.entropy_production_rate.of("x").latex(avoid=["sigma_v"])
        ('\\sigma_{x}', '\\dot S^{\\mathrm{tot}}_{x}')
        """
        fill = {r.name: _latex_arg(self.arguments.get(r.name), r) for r in self.quantity.roles}
        pattern = self.quantity.notation_avoiding(avoid) if avoid else self.quantity.symbol
        return _fill(pattern, fill)

    @property
    def label(self) -> str:
        """Plain-text label, for example ``heat_rate(x)``."""
        parts = []
        for r in self.quantity.roles:
            if r.name not in self.arguments:
                continue
            text = _text_arg(self.arguments[r.name])
            positional = r.what in ("variables", "current") and not (r.optional and r.name == "subsystem")
            parts.append(text if positional else f"{r.name}={text}")
        return f"{self.name}(" + ", ".join(parts) + ")"

    def __str__(self) -> str:
        return self.label

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __hash__(self) -> int:
        return hash((self.quantity.name, tuple((k, _text_arg(v)) for k, v in self.items)))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, BoundQuantity) and other.quantity is self.quantity
                and [(k, _text_arg(v)) for k, v in self.items] == [(k, _text_arg(v)) for k, v in other.items])


def _fill(pattern: str, fill: Mapping[str, str]) -> str:
    """A notation pattern with its role fields filled; empty subscripts, superscripts and brackets dropped."""
    return pattern.format(**fill).replace("_{}", "").replace("^{}", "").replace("()", "").replace("[]", "")


#: Prefixes that make a different symbol of the letter after them (``\dot S`` is not ``S``).
_ACCENTS = r"dot|ddot|bar|hat|tilde|vec|overline|mathcal|mathbf|mathrm|mathsf|operatorname|Delta|delta|partial"
_HEAD = re.compile(r"((?:\\(?:" + _ACCENTS + r")\s*(?![A-Za-z]))*)\s*\{?\s*(\\[A-Za-z]+|[A-Za-z]+\b|[A-Za-z])")
_LABEL = re.compile(r"[_^]\s*\{\s*\\(?:mathrm|text)\{([^{}]*)\}\s*\}")


def notation_head(tex: str) -> str:
    r"""The head of a notation: its first symbol with its accents and its word labels, without indices or arguments.

    Two notations with the same head read as the same symbol (``\sigma`` and ``\sigma_{v}``);
    a word label (``\mathrm{tot}``, ``\text{pump}``) makes another symbol
    (``\dot S^{\mathrm{pump}}`` is not ``\dot S^{\mathrm{tot}}``), an accent too
    (``\dot S`` is not ``S``). A sympy symbol's name (``sigma_v``) is read as its LaTeX.

    Examples
    --------
    >>> notation_head(r"\sigma_{x}"), notation_head("sigma_v"), notation_head(r"T_{v \to x}")
    ('\\sigma', '\\sigma', 'T')
    >>> notation_head(r"\dot S^{\mathrm{tot}}_{x}"), notation_head(r"2 D[Q]")
    ('\\dot S^{tot}', 'D')
    >>> notation_head(r"\lim_{N \to \infty} I(v; x)")
    'I'
    """
    (tex,) = _symbol_texts([tex])
    tex = re.sub(r"^\s*\\lim_\{[^{}]*\}\s*", "", tex.strip())  # a limit of a quantity is that quantity
    tex = re.sub(r"^[\d.\s]+", "", tex)  # a numeric factor (2 D[J])
    match = _HEAD.match(tex)
    if match is None:
        return tex
    accents = " ".join(re.findall(r"\\[A-Za-z]+", match.group(1)))
    head = (accents + " " + match.group(2)).strip()
    rest = tex[match.end():]
    rest = re.match(r"\}?((?:\s*[_^]\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\?[A-Za-z0-9]))*)", rest).group(1)
    labels = [m for m in _LABEL.findall(rest) if m.strip()]
    return head + "".join(f"^{{{label}}}" for label in labels)


def _pattern_head(pattern: str) -> str:
    """The head of a notation pattern, its role fields left empty."""
    fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
    return notation_head(_fill(pattern, {f: "" for f in fields}))


def _symbol_texts(symbols: Any) -> list[str]:
    """LaTeX of each symbol: a sympy symbol or a plain name (``sigma_v``) through the pages' printer
    (:func:`~thermotheory.core.closedform.latex_of`: ``gamma_fb`` as ``\\gamma_{\\mathrm{fb}}``), LaTeX as given."""
    import sympy as sp

    from .core.closedform import latex_of

    if isinstance(symbols, (str, sp.Basic)):
        symbols = [symbols]
    out = []
    for s in symbols:
        if isinstance(s, sp.Symbol):
            out.append(latex_of(s))
        elif isinstance(s, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", s):
            out.append(latex_of(sp.Symbol(s)))
        elif isinstance(s, str):
            out.append(s)
        else:
            raise ModelError(f"expected a symbol, a symbol's name or LaTeX but found {type(s).__name__} {s!r}")
    return out


def _names(value: Any) -> list[str] | None:
    import sympy as sp

    if isinstance(value, (str, sp.Symbol)):
        return [str(value)]
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, sp.Symbol)) for v in value):
        return [str(v) for v in value]
    return None


def _text_arg(value: Any) -> str:
    symbol = getattr(value, "symbol", None)
    if isinstance(symbol, str):  # an object with its own notation, as a terminal shows it (\nu as ν)
        return plain_text(f"${symbol}$") if re.search(r"[\\{}^]", symbol) else symbol
    names = _names(value)
    if names is not None:
        return names[0] if len(names) == 1 and not isinstance(value, (list, tuple)) else "(" + ", ".join(names) + ")"
    if hasattr(value, "cov") and hasattr(value, "mean"):
        return "Gaussian"
    if hasattr(value, "tolist"):
        value = value.tolist()
    return repr(value) if not isinstance(value, (int, float)) else f"{value:g}"


def _latex_arg(value: Any, role: Role) -> str:
    import sympy as sp

    if value is None:
        return ""
    if role.what == "time":
        return sp.latex(sp.sympify(value))
    symbol = getattr(value, "symbol", None)
    if isinstance(symbol, str):
        return symbol  # an object with its own notation (a current)
    names = _names(value)
    if names is None:
        sites = np.ravel(np.asarray(value, dtype=object)) if isinstance(value, (list, tuple)) else None
        if sites is not None and sites.size and all(isinstance(i, (int, np.integer)) for i in sites):
            shown = [str(int(i)) for i in sites]  # a region of lattice sites, by flat index
            return r"\{" + (", ".join(shown) if len(shown) <= 4 else f"{shown[0]}, \\ldots, {shown[-1]}") + r"\}"
        return ""  # a state, or sites by coordinates: no notation of its own
    return ", ".join(_name_latex(n) for n in names)


def _name_latex(name: str) -> str:
    r"""LaTeX of a variable's or a reservoir's name: a word that sympy leaves as it is in upright type.

    >>> _name_latex("x_1"), _name_latex("tau"), _name_latex("atp")
    ('x_{1}', '\\tau', '\\mathrm{atp}')
    """
    import sympy as sp

    tex = sp.latex(sp.Symbol(name))
    return rf"\mathrm{{{name}}}" if len(name) > 1 and name.isalpha() and tex == name else tex


#: The registered quantities by name (filled by :mod:`thermotheory.registry`, which the package's
#: ``__init__`` imports: any import of a thermotheory module has filled it).
QUANTITIES: dict[str, Quantity] = {}
#: Tables of Monte Carlo estimators keyed by ``(quantity name, model kind, regime)``: the package's
#: one table, :data:`thermotheory.montecarlo.estimators.ESTIMATORS`, adds itself when imported.
ESTIMATOR_TABLES: list[Mapping[tuple[str, str, str], Any]] = []
#: Callables that fill :data:`ESTIMATOR_TABLES` on first use, each called once: the package's
#: ``__init__`` registers one that imports the Monte Carlo table, so ``import thermotheory`` loads no
#: Monte Carlo module until an estimator is asked for.
ESTIMATOR_LOADERS: list[Callable[[], Any]] = []


def estimator_tables() -> list[Mapping[tuple[str, str, str], Any]]:
    """The tables of Monte Carlo estimators (:data:`ESTIMATOR_TABLES`), loaded on first use.

    Runs and removes each pending :data:`ESTIMATOR_LOADERS` entry first (a loader that fails is
    put back and its error raised).

    Examples
    --------
    >>> import thermotheory as tt
    >>> from thermotheory.quantity import estimator_tables
    >>> any(name == "heat_rate" for table in estimator_tables() for name, _, _ in table)
    True
    """
    while ESTIMATOR_LOADERS:
        loader = ESTIMATOR_LOADERS.pop(0)
        try:
            loader()
        except BaseException:
            ESTIMATOR_LOADERS.insert(0, loader)
            raise
    return ESTIMATOR_TABLES


def register(q: Quantity) -> Quantity:
    """Add ``q`` to the registry (a name can be registered once)."""
    if q.name in QUANTITIES and QUANTITIES[q.name] is not q:
        raise ModelError(f"a quantity called {q.name!r} is already registered")
    QUANTITIES[q.name] = q
    return q


def quantity(obj: Any) -> Quantity:
    """The registered quantity called ``obj``, or wrapping the closed-form function ``obj``.

    Examples
    --------
    >>> import thermotheory as tt
    >>> from thermotheory.core import thermo
    >>> quantity("heat_rate") is quantity(thermo.heat_rate) is tt.heat_rate
    True
    """
    if isinstance(obj, Quantity):
        return obj
    if isinstance(obj, BoundQuantity):
        return obj.quantity
    if isinstance(obj, str) and obj in QUANTITIES:
        return QUANTITIES[obj]
    for q in QUANTITIES.values():
        if obj in (q.function, getattr(q.function, "__wrapped__", None)) or getattr(obj, "__wrapped__", 0) is q.function:
            return q
    name = obj if isinstance(obj, str) else getattr(obj, "__name__", repr(obj))
    raise ModelError(f"unknown quantity {name!r}: thermotheory does not know it as a quantity; the quantities are: "
                     f"{', '.join(sorted(QUANTITIES))}")


lookup_quantity = quantity  #: the public name: ``tt.lookup_quantity("heat_rate")``


class _CallableModule(type(sys.modules[__name__])):
    def __call__(self, obj: Any) -> Quantity:  # tt.quantity("heat_rate"), deprecated for one release
        warnings.warn("calling thermotheory.quantity(...) is deprecated and will be removed in the next release; "
                      "use thermotheory.lookup_quantity(...)", DeprecationWarning, stacklevel=2)
        return quantity(obj)


sys.modules[__name__].__class__ = _CallableModule
