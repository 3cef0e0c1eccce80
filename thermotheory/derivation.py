"""What a model's derivation returns: its quantities, each with its closed form, in order.

A :class:`Derivation` is an ordered mapping from names to closed forms (so ``d["heat_rate"]``
reads like the dictionaries the models returned before) that also knows, for every entry,
*which* quantity it is: a :class:`~thermotheory.quantity.BoundQuantity` of the registry
("the heat rate of ``x``"), or a :class:`Definition` for a closed form that is the model's
own (an average over a parameter, a limit, a ratio). From that it renders in Jupyter, gives
the notation for export (no hand-written LaTeX names) and verifies itself by Monte Carlo:
every bound quantity with its registered estimator, and every definition that names the
bound quantity it equals (``check=``), with the definition's closed form as the theory.

These are types, beside :mod:`thermotheory.quantity`; :mod:`thermotheory.export.derivation`
writes a Derivation as LaTeX and Markdown pages. (This module was ``thermotheory.results``,
whose names still work there, with a ``DeprecationWarning``, for one release.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any


from .errors import ModelError, UnknownName
from .quantity import BoundQuantity

__all__ = ["Definition", "Derivation"]

#: The function that verifies a derivation, :func:`thermotheory.verify.verify_derivation`; set by
#: :mod:`thermotheory.verify` when it is imported (it sits above this module, which cannot import it).
VERIFIER: list = []
#: Callables that fill :data:`VERIFIER` on first use, each called once: the package's ``__init__``
#: registers one that imports :mod:`thermotheory.verify`, so ``import thermotheory`` loads no
#: verification (nor Monte Carlo) module until a derivation is verified.
VERIFIER_LOADERS: list = []


@dataclass(frozen=True)
class Definition:
    """A closed form of a model's own, with its notation.

    Attributes
    ----------
    name : str
    symbol : str
        Its LaTeX notation.
    description : str
    check : BoundQuantity, optional
        The registered quantity whose value the closed form gives (at the model's
        parameters, with the time ``t`` of the closed form bound there), so that it can be
        verified by that quantity's estimator.
    units : str, optional
        Its units in words, for the page's glossary (default: the units of ``check``'s
        quantity; the glossary prints "--", dimensionless, when neither is given).

    Examples
    --------
    >>> Definition("capacity", r"C", "sensory capacity l / T").latex()
    'C'
    >>> Definition("free_energy", "F", "free-energy difference", units="energy").units
    'energy'
    """

    name: str
    symbol: str
    description: str = ""
    check: BoundQuantity | None = None
    units: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.units, str):
            raise ModelError(f"Definition {self.name!r}: units must be text (words, or math in $...$) but are "
                             f"{type(self.units).__name__}")

    def latex(self) -> str:
        return self.symbol

    @property
    def label(self) -> str:
        return self.name


class Derivation(Mapping):
    """An ordered mapping name -> closed form whose entries know their quantity.

    Parameters
    ----------
    model : LinearSDE, SDE or LatticeField
        The model the closed forms belong to (None when they span several).
    entries : iterable of tuples
        ``(name, bound quantity or Definition, closed form)``, in order.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> v, r = sp.symbols("v r", real=True)
    >>> m = tt.LinearSDE({v: -v, r: v - r}, {v: 1, r: 1})
    >>> d = Derivation.of(m, {"heat_rate": tt.heat_rate.of(r), "information": tt.mutual_information.of(v, r)})
    >>> d["heat_rate"], list(d.notation())
    (0.5, ['\\\\Phi_{r}', 'I(v; r)'])
    """

    def __init__(self, model: Any, entries: Iterable[tuple[str, BoundQuantity | Definition, Any]]) -> None:
        self.model = model
        self._entries: dict[str, tuple[BoundQuantity | Definition, Any]] = {}
        for name, q, value in entries:
            if not isinstance(q, (BoundQuantity, Definition)):
                raise ModelError(f"{name}: expected a bound quantity or a Definition but found {type(q).__name__}")
            if name in self._entries:
                raise ModelError(f"{name}: named twice in the derivation")
            self._entries[name] = (q, value)
        self._candidates: dict[str, list[Any]] = {}  # name -> its forms (the entry first), on first use
        self._printed: dict[str, Any] | None = None  # printed_forms(), on first use
        self._forms: dict[str, list[tuple[Any, Any]]] = {}  # name -> [(form, its compacted form)], on first use

    @classmethod
    def of(cls, model: Any, quantities: Mapping[str, BoundQuantity], form: str | None = None) -> "Derivation":
        """The closed forms of bound quantities on ``model``, by name."""
        return cls(model, [(name, q, q.closed_form(model, form=form)) for name, q in quantities.items()])

    def __getitem__(self, name: str) -> Any:
        if not isinstance(name, str) or name not in self._entries:
            raise UnknownName(f"{name!r} is not an entry of this derivation (entries: {', '.join(self._entries)})")
        return self._entries[name][1]

    def _names(self, names: Iterable[str] | str | None) -> list[str]:
        """The entry names asked for: all for None, one for a bare string; unknown names refused."""
        if names is None:
            return list(self._entries)
        if isinstance(names, str):
            names = [names]
        try:
            names = list(names)
        except TypeError:
            raise ModelError(f"names: expected an entry name or a sequence of them but found {names!r}") from None
        for name in names:
            self[name]  # refuses an unknown name
        return names

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def quantity(self, name: str) -> BoundQuantity | Definition:
        """The quantity behind the entry ``name``."""
        self[name]  # refuses an unknown name
        return self._entries[name][0]

    def notation(self, raw: bool = False) -> dict[str, Any]:
        """LaTeX notation -> closed form, in order (what export writes).

        Each closed form is the one that reads shortest (:meth:`forms`: the form a page
        prints, before the presentation pass, which has already been run on it and
        remembers it), its definitions counted once over the whole derivation; with
        ``raw=True`` the entries as they were given.
        """
        out = {}
        chosen = self.printed_forms() if not raw else {n: v for n, (_, v) in self._entries.items()}
        for name, (q, _) in self._entries.items():
            symbol = q.latex()
            if symbol in out:
                symbol = rf"{symbol}\ [\text{{{name.replace('_', ' ')}}}]"
            out[symbol] = chosen[name]
        return out

    def raw(self, name: str) -> Any:
        """The entry ``name`` as it was given (the same as ``d[name]``), whatever :meth:`readable` prints."""
        return self[name]

    def forms(self, name: str) -> list[Any]:
        r"""The equal forms of the entry ``name`` a page can print: the entry, and its other forms where there are any.

        A registered quantity of a symbolic model has two: its structured form (an
        expression in named covariance entries and blocks,
        :class:`~thermotheory.core.closedform.ClosedForm`) and its one quotient. The entry
        is either; the other is computed (the structured form by the quantity's closed form
        with ``form="structured"``, the quotient by
        :meth:`~thermotheory.core.closedform.ClosedForm.factored`, tried only below
        :data:`~thermotheory.core.closedform.QUOTIENT_TRIED_BELOW` predicted monomials) and
        kept only when it agrees with the entry at random points of the parameters. A
        structured sum some of whose terms read shorter written out has a third form, those
        terms written out (:func:`_terms_written_out`), kept on the same check. A
        :class:`Definition`, a numeric model's number, and a closed form in other named
        quantities (dimensionless groups) have the entry alone. Computed once per entry.
        """
        self[name]  # refuses an unknown name
        if name not in self._candidates:
            self._candidates[name] = self._alternatives(name)
        return list(self._candidates[name])

    def readable(self, name: str, shown: Iterable[Any] = ()) -> Any:
        r"""The entry ``name`` as a person would write it: the shortest of its :meth:`forms` after the presentation pass.

        Each form goes through :func:`~thermotheory.core.presentation.compact` (checked
        equal at random points) and the one of least printed size
        (:func:`~thermotheory.core.closedform.printed_size`; definitions whose names are
        in ``shown`` are not counted) is returned. Cached; ``d[name]`` (or :meth:`raw`)
        is the entry as given, for computing with.

        Examples
        --------
        >>> import sympy as sp
        >>> import thermotheory as tt
        >>> v, r = sp.symbols("v r", real=True)
        >>> tau, lam, D = sp.symbols("tau lambda D", positive=True)
        >>> m = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau}, {v: D, r: D})
        >>> d = Derivation.of(m, {"information": tt.mutual_information.of(v, r)})
        >>> d["information"]
        log(2*(lambda**2 + 2)/(lambda**2 + 4))/2
        >>> from thermotheory.core.closedform import printed_size
        >>> printed_size(d.readable("information")) <= printed_size(d["information"])
        True
        """
        from .core.closedform import shortest

        return shortest([c for _, c in self._compacted(name)], shown)

    def _compacted(self, name: str) -> list[tuple[Any, Any]]:
        from .core.presentation import compact

        if name not in self._forms:
            with self._domain():
                self._forms[name] = [(f, compact(f)) for f in self.forms(name)]
        return self._forms[name]

    def _domain(self) -> Any:
        """A block within which the presentation pass takes the model's domain
        (:func:`~thermotheory.core.presentation.within_domain`: a binary synapse's ``0 < f < 1``)."""
        from .core.presentation import domain_of, within_domain

        return within_domain(domain_of(self.model))

    def _alternatives(self, name: str) -> list[Any]:
        """The entry, then its other form (structured or quotient) where one exists and agrees with it."""
        import sympy as sp

        from .core import budget
        from .core.closedform import QUOTIENT_TRIED_BELOW, ClosedForm
        from .errors import ModelError as _Refused

        q, value = self._entries[name]
        model = self.model
        if not isinstance(q, BoundQuantity) or model is None or getattr(model, "is_numeric", True):
            return [value]
        other = None
        try:
            if isinstance(value, ClosedForm):
                if (value.definitions and all(_is_covariance_name(n, value) for n, _ in value.definitions)
                        and budget.closed_form_bound(value) <= QUOTIENT_TRIED_BELOW):
                    other = value.factored()
            elif isinstance(value, sp.Expr) and value.free_symbols and not value.has(sp.MatrixSymbol):
                other = q.closed_form(model, form="structured")
                if not isinstance(other, ClosedForm) or not other.definitions:
                    other = None
        except (_Refused, NotImplementedError):  # too large to expand, or no structured form: the entry alone
            other = None
        if other is None or not _agree(value, other):
            return [value]
        structured = value if isinstance(value, ClosedForm) else other
        with self._domain():
            mixed = _terms_written_out(structured)
        return [value, other] + ([mixed] if mixed is not None and _agree(value, mixed) else [])

    def printed_forms(self) -> dict[str, Any]:
        """Entry name -> the form it is printed in: of its :meth:`forms`, those that together read shortest.

        Each form is measured after the presentation pass
        (:func:`~thermotheory.core.closedform.printed_size`), and a page prints the
        definitions of its structured forms once: a structured form costs its expression
        and only the definitions no other printed entry brings. Starting from each entry's
        own shortest form, an entry changes form while that shortens the whole (each change
        does, so this ends); among forms that print alike, the one whose expression holds fewer named entries
        (:func:`_entries_held`). The form itself is returned, its presentation pass remembered
        (:func:`~thermotheory.core.presentation.compact` caches it).
        """
        if self._printed is None:
            self._printed = self._choose_printed()
        return dict(self._printed)

    def _choose_printed(self) -> dict[str, Any]:
        """Uncached :meth:`printed_forms`."""
        from .core.closedform import ClosedForm, printed_size

        # an entry with one form is not compacted here (its names are those of its compacted form)
        pairs = {name: self._compacted(name) if len(self.forms(name)) > 1 else [(self[name], self[name])]
                 for name in self._entries}
        pick = {name: 0 if len(p) < 2 else min(range(len(p)), key=lambda k: (printed_size(p[k][1]),
                                                                              _entries_held(p[k][1])))
                for name, p in pairs.items()}

        def names_of(name: str) -> set:
            shown = pairs[name][pick[name]][1]
            return {n for n, _ in shown.definitions} if isinstance(shown, ClosedForm) else set()

        for _ in range(4 * len(pairs)):
            changed = False
            for name, p in pairs.items():
                if len(p) < 2:
                    continue
                others = set().union(*[names_of(n) for n in pairs if n != name])
                best = min(range(len(p)), key=lambda k: (printed_size(p[k][1], others), _entries_held(p[k][1]),
                                                         k != pick[name]))
                if best != pick[name]:
                    pick[name], changed = best, True
            if not changed:
                break
        return {name: p[pick[name]][0] for name, p in pairs.items()}

    def subset(self, names: Iterable[str]) -> "Derivation":
        """The entries ``names`` (a sequence, or one name), in that order."""
        return Derivation(self.model, [(n, *self._entries[n]) for n in self._names(names)])

    def map(self, fn: Any, names: Iterable[str] | None = None) -> "Derivation":
        """The same entries with ``fn`` applied to the closed forms (all, or those called ``names``).

        Examples
        --------
        >>> import sympy as sp
        >>> d = Derivation(None, [("a", Definition("a", "a"), sp.Integer(2))])
        >>> d.map(lambda e: e**2)["a"]
        4
        """
        if not callable(fn):
            raise ModelError(f"map: expected a function to apply to the closed forms but found {fn!r}")
        chosen = set(self._names(names))
        return Derivation(self.model, [(n, q, fn(v) if n in chosen else v) for n, (q, v) in self._entries.items()])

    def __or__(self, other: "Derivation") -> "Derivation":
        return Derivation(self.model, [(n, *e) for n, e in [*self._entries.items(), *other._entries.items()]])

    def _repr_latex_(self) -> str:
        r"""The derivation as a reader wants it in a notebook: each entry in its readable form, broken to fit.

        Each entry is its :meth:`readable` form, laid out as a page lays it out
        (:func:`~thermotheory.core.layout.fit_parts`: sums broken over lines, wide parts
        named); the definitions of all the structured forms follow once, under "where".
        """
        return "$$" + self.latex() + "$$"

    def latex(self, width: float | None = None) -> str:
        r"""An ``aligned`` block of the entries in their readable forms, no line wider than ``width`` (pt).

        See :meth:`_repr_latex_`; ``width`` defaults to the page's
        (:data:`~thermotheory.core.layout.TEXT_WIDTH`).

        Examples
        --------
        >>> import sympy as sp
        >>> d = Derivation(None, [("a", Definition("a", "a"), sp.Symbol("x") ** 2)])
        >>> d.latex()
        '\\begin{aligned}a &= x^{2}\\end{aligned}'
        """
        with self._domain():
            return self._latex(width)

    def _latex(self, width: float | None) -> str:
        """The body of :meth:`latex` (run within the model's domain)."""
        from .core.closedform import ClosedForm, latex_of
        from .core.layout import TEXT_WIDTH, fit_parts, new_namer

        width = TEXT_WIDTH if width is None else width
        shown = {}
        for symbol, form in self.notation().items():
            shown[symbol] = self._compacted_of(form)
        namer = new_namer(shown.values())
        lines: list[str] = []
        where: list[str] = []
        defined: dict[Any, Any] = {}
        for symbol, form in shown.items():
            own = []
            if isinstance(form, ClosedForm):
                for n, v in form.definitions:
                    if n not in defined:
                        defined[n] = v
                        own.append((n, v))
                    elif defined[n] != v:  # a name defined otherwise by an earlier entry: this entry keeps its own
                        own = None
                        break
            if own is None:
                result, more = fit_parts(symbol, form, width, namer)
                lines += result + ([r"&\text{where}"] + more if more else [])
                continue
            bare = ClosedForm(form.expr, (), form.names) if isinstance(form, ClosedForm) else form
            result, more = fit_parts(symbol, bare, width, namer)
            lines += result
            where += more
            names = form.names if isinstance(form, ClosedForm) else {}
            for n, v in own:
                result, more = fit_parts(latex_of(n, symbol_names=names), v, width, namer, names)
                where += result + more
        if where:
            lines += [r"&\text{where}", *where]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _compacted_of(self, form: Any) -> Any:
        """The presentation pass of a form :meth:`notation` chose (remembered from :meth:`forms`)."""
        for pairs in self._forms.values():
            for f, c in pairs:
                if f is form:
                    return c
        from .core.presentation import compact

        with self._domain():
            return compact(form)

    def __repr__(self) -> str:
        return "Derivation(" + ", ".join(f"{n}={v!s:.40}" for n, v in self.items()) + ")"

    def verify(self, values: Mapping | None = None, names: Iterable[str] | None = None, seed: int = 0,
               **settings: Any):
        """Check every entry that has an estimator by Monte Carlo (a :class:`~thermotheory.VerificationTable`).

        Bound quantities are checked with their registered estimator against the engine's
        closed form; a :class:`Definition` with ``check=`` is checked with that quantity's
        estimator against its own closed form (``theory=``). Entries without either are
        skipped. ``values`` gives the parameters (and, for a closed form in the time ``t``,
        its value through the bound ``t``); ``settings`` go to :func:`~thermotheory.verify`.
        """
        while not VERIFIER and VERIFIER_LOADERS:  # thermotheory's __init__ registers the loader
            VERIFIER_LOADERS[0]()  # a loader that fails stays, and its error is raised
            VERIFIER_LOADERS.pop(0)
        if not VERIFIER:  # pragma: no cover - thermotheory's __init__ registers the loader of thermotheory.verify
            raise ModelError("Derivation.verify needs thermotheory.verify: import thermotheory")
        return VERIFIER[0](self, values, names, seed, **settings)


#: A term's quotient that prints more than this many times the term's glyphs is not tried (:func:`_terms_written_out`):
#: the presentation pass does not shorten a factored quotient that much, and compacting it costs seconds.
WRITTEN_OUT_SLACK = 3


def _terms_written_out(form: Any) -> Any:
    r"""A structured form that is a sum with the terms that read shorter written out in the parameters; else None.

    The total entropy production of a synapse that tracks a decoding neuron is the heat rates
    of both, in named covariance entries; the neuron's, written out, is
    :math:`g^2 \sigma_v^2 / (\sigma_n^2 (\tau_n + \tau_v))`, shorter than its structured
    form, while the synapse's is not. Each term that holds a name is written out (its quotient,
    factored, tried only below :data:`~thermotheory.core.closedform.QUOTIENT_TRIED_BELOW`
    predicted monomials) and kept so where, after the presentation pass, its expression prints
    no more glyphs than the term does (the terms as the pass prints the form: at the same size, the form a reader
    evaluates without the entries); the definitions no term reaches any more are dropped.
    """
    import sympy as sp

    from .core import budget
    from .core.closedform import QUOTIENT_TRIED_BELOW, ClosedForm, needed_definitions, printed_size
    from .core.presentation import compact

    form = compact(form)  # (its sum split as it will be printed: the engine's is one quotient)
    terms = sp.Add.make_args(form.expr)
    names = {n for n, _ in form.definitions}
    if len(terms) < 2 or not names:
        return None
    out, changed = [], False
    for t in terms:
        part = ClosedForm(t, form.definitions, form.names)
        if not needed_definitions(t, form.definitions) or budget.closed_form_bound(part) > QUOTIENT_TRIED_BELOW:
            out.append(t)
            continue
        quotient, term = part.factored(), printed_size(compact(part), shown=names)
        if printed_size(quotient) > WRITTEN_OUT_SLACK * term:  # (no pass shortens it that much: not compacted)
            out.append(t)
            continue
        written = compact(quotient)
        if printed_size(written) <= term:  # (at the same size, the form a reader evaluates without the entries)
            out.append(written)
            changed = True
        else:
            out.append(t)
    if not changed:
        return None
    expr = sp.Add(*out)
    return ClosedForm(expr, needed_definitions(expr, form.definitions), form.names, form.hurwitz)


def _entries_held(form: Any) -> int:
    """How many named definitions ``form``'s expression holds (0 for a form in the parameters alone): among forms
    that print alike, :meth:`Derivation.printed_forms` keeps the one a reader evaluates with fewer entries (the
    tracking report's total entropy production held the neuron's heat rate as :math:`g (g \\sigma_v^2 - \\Sigma_{v
    x}) / (\\sigma_n^2 \\tau_n)`, as long as :math:`g^2 \\sigma_v^2 / (\\sigma_n^2 (\\tau_n + \\tau_v))`)."""
    from .core.closedform import ClosedForm

    if not isinstance(form, ClosedForm) or not hasattr(form.expr, "free_symbols"):
        return 0
    return len(form.expr.free_symbols & {n for n, _ in form.definitions})


def _is_covariance_name(name: Any, form: Any) -> bool:
    r"""Whether a definition of ``form`` names a covariance entry or block (LaTeX ``\Sigma...``), not a group."""
    return form.names.get(name, "").startswith(r"\Sigma")


def _agree(a: Any, b: Any, points: int = 3, seed: int = 0) -> bool:
    """Whether two forms of a closed form agree to 1e-10 at random points within the parameters' assumptions.

    Positive (or nonnegative) parameters are drawn in [0.5, 2], others in [-2, 2]; a point
    where either side cannot be evaluated (not stable there, a division by zero) is
    skipped; fewer than two good points out of ``4 * points`` is a disagreement.
    """
    import numpy as np

    from .core.closedform import ClosedForm

    a = a if isinstance(a, ClosedForm) else ClosedForm(a)
    b = b if isinstance(b, ClosedForm) else ClosedForm(b)
    symbols = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    good = 0
    for _ in range(4 * points):
        vals = {s: float(rng.uniform(0.5, 2.0)) if (s.is_positive or s.is_nonnegative) else float(rng.uniform(-2, 2))
                for s in symbols}
        try:
            va, vb = complex(a.evaluate(vals, dps=20)), complex(b.evaluate(vals, dps=20))
        except (ModelError, ZeroDivisionError, TypeError, ValueError):
            continue
        if abs(va - vb) > 1e-10 * max(abs(va), abs(vb), 1e-30):
            return False
        good += 1
        if good >= points:
            return True
    return good >= 2
