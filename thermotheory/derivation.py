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

    Examples
    --------
    >>> Definition("capacity", r"C", "sensory capacity l / T").latex()
    'C'
    """

    name: str
    symbol: str
    description: str = ""
    check: BoundQuantity | None = None

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

    def notation(self) -> dict[str, Any]:
        """LaTeX notation -> closed form, in order (what export writes)."""
        out = {}
        for name, (q, value) in self._entries.items():
            symbol = q.latex()
            if symbol in out:
                symbol = rf"{symbol}\ [\text{{{name.replace('_', ' ')}}}]"
            out[symbol] = value
        return out

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
        from .core.evaluate import latex

        rows = [rf"{symbol} &= {latex(value)}" for symbol, value in self.notation().items()]
        return r"$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"

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
        if not VERIFIER:  # pragma: no cover - thermotheory's __init__ imports thermotheory.verify
            raise ModelError("Derivation.verify needs thermotheory.verify: import thermotheory")
        return VERIFIER[0](self, values, names, seed, **settings)
