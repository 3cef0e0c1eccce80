r"""Markov jump processes on a finite set of states: the model kind ``"jump"``.

A :class:`MarkovJumpProcess` is given by its transition rates ``w_ab`` (the rate of the jump
``a -> b``), numbers or sympy expressions; its master equation is ``dp/dt = L p`` with the
generator ``L[b, a] = w_ab`` (``a != b``) and ``L[a, a] = -sum_b w_ab``. Each jump carries an
entropy flow into the medium (local detailed balance ``ln(w_ab / w_ba)`` by default, or as
declared) and exchanges with one reservoir. States are plain names or tuples (a multipartite
system: one component per subsystem); a model whose every jump changes one component is
bipartite. A :class:`JumpCurrent` counts jumps with weights. The closed forms live in
:mod:`~thermotheory.core.jump_forms`, :mod:`~thermotheory.core.jump_transient` and
:mod:`~thermotheory.core.jump_currents`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import greek_letters_set, other_symbols

from ..errors import (DuplicateState, InvalidRate, IrreversibleTransition, ModelError, NotBipartite, TooLarge,
                      UnknownState)
from .checks import as_expression, check_value
from .closedform import latex_of
from .layout import TEXT_WIDTH, checked_width

__all__ = ["MarkovJumpProcess", "JumpCurrent", "MAX_DENSE_STATES", "MAX_LATEX_TRANSITIONS"]

#: Largest number of states for which the dense arrays (``rate_array`` ...) are built (``n^2`` floats each).
MAX_DENSE_STATES = 6000
#: Largest number of transitions rendered as LaTeX (one line each).
MAX_LATEX_TRANSITIONS = 60

_REAL_TYPES = (numbers.Real, np.floating, np.integer)


class _TextSymbols(dict):
    """The names a rate given as text may use: the model's symbols by name, else a new positive Symbol."""

    def __missing__(self, key: str) -> sp.Symbol:
        if key in _SYMPY_NAMES:
            raise KeyError(key)
        self[key] = sym = sp.Symbol(key, positive=True)
        return sym


_SYMPY_NAMES = frozenset(n for n in dir(sp) if not n.startswith("_"))


def _as_rate(value: Any, what: str, names: Mapping[str, sp.Symbol] | None = None) -> tuple[Any, bool]:
    """``(value, numeric)``: a number for a number, a sympy expression otherwise; refuses bad rates (InvalidRate).

    Text is read by sympy, its names standing for the symbols of ``names`` (the model's
    other rates) or new positive Symbols.
    """
    if isinstance(value, (bool, np.bool_)):
        raise InvalidRate(f"{what}: expected a non-negative number or a sympy expression but found {value!r}")
    if isinstance(value, _REAL_TYPES) and not isinstance(value, sp.Basic):
        x = float(value)
        if not math.isfinite(x) or x < 0:
            raise InvalidRate(f"{what}: expected a finite non-negative rate but found {value!r}")
        return (int(value) if isinstance(value, (int, np.integer)) else x), True
    if isinstance(value, (complex, np.complexfloating)):
        raise InvalidRate(f"{what}: expected a real rate but found the complex number {value!r}")
    if isinstance(value, str):
        text = value
        try:
            value = sp.parse_expr(text, local_dict=_TextSymbols(names or {}))
        except Exception:  # sympy's parser raises many kinds of error on bad text
            raise InvalidRate(f"{what}: the text {text!r} is not an expression sympy can read") from None
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return _as_rate(value.item(), what)
    try:  # the checks every expression of a model passes (a scalar, finite, real), as a rate's error
        expr = as_expression(value, what)
    except ModelError as error:
        raise InvalidRate(str(error)) from None
    if expr.is_number:
        if complex(expr.evalf(30)).real < 0:
            raise InvalidRate(f"{what}: expected a non-negative rate but found {expr}")
        return expr, False
    if expr.is_extended_negative:
        raise InvalidRate(f"{what}: the rate {expr} is negative under the symbols' assumptions; a rate must be "
                          "non-negative (declare its symbols positive=True)")
    return expr, False


def _is_zero_rate(value: Any) -> bool:
    if isinstance(value, (int, float)):
        return value == 0
    return bool(value.is_zero)


#: The letters a transition rate may be labelled with (``w_{+}``, ``k_{+}``, ...), in order of preference.
#: Not ``\omega`` or ``\kappa``: they would be tried only when ``w`` and ``k`` are taken, beside which they
#: read as the same letter.
_RATE_LETTERS = ("w", "k", r"\nu", r"\lambda", r"\gamma", r"\Gamma")
#: Letters that read as one of ``_RATE_LETTERS`` on a page: a model that uses them takes that letter too.
_LOOKALIKES = {"w": (r"\omega",), "k": (r"\kappa",), r"\nu": ("v",), r"\gamma": ("y",)}
#: The label when every letter of ``_RATE_LETTERS`` names something of the model (primes added until it is free).
_RATE_FALLBACK = r"\mathrm{w}"


def _latex_head(tex: str) -> str:
    r"""The base of a printed symbol: its LaTeX up to its first index (``k_{\mathrm{on}}`` -> ``k``).

    Accents, primes and word-like names stay (``\tilde{w}``, ``w'`` and ``\kappa`` are not ``w`` or ``k``).
    """
    depth = 0
    for n, char in enumerate(tex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and char in "_^":
            return tex[:n].strip()
    return tex.strip()


def _upright_label(name: str) -> str:
    r"""The LaTeX of a label named ``name`` set upright, its indices as a symbol's (``"k_on"`` -> ``\mathrm{k_{on}}``,
    ``"E_1Na"`` -> ``\mathrm{E_{1Na}}``); a Greek letter, which has no upright form here, and Greek indices as
    sympy prints them (``"alpha"`` -> ``\alpha``, ``"x_beta"`` -> ``\mathrm{x_{\beta}}``)."""
    base, sups, subs = split_super_sub(name)

    def part(text: str) -> str:
        return latex_of(sp.Symbol(text)) if text.lower() in greek_letters_set or text in other_symbols else text

    if not base or part(base) != base:
        return latex_of(sp.Symbol(name))
    subs, sups = [part(t) for t in subs if t], [part(t) for t in sups if t]
    tex = base + (f"_{{{' '.join(subs)}}}" if subs else "") + (f"^{{{' '.join(sups)}}}" if sups else "")
    return rf"\mathrm{{{tex}}}"


def _pair(key: Any, what: str) -> tuple[Any, Any]:
    if not isinstance(key, tuple) or len(key) != 2:
        raise ModelError(f"{what}: expected keys (a, b) naming a jump a -> b but found the key {key!r:.80}")
    return key


class MarkovJumpProcess:
    r"""A continuous-time Markov jump process on finitely many states.

    Parameters
    ----------
    rates : mapping
        ``{(a, b): w}``: the rate ``w`` (per unit time) of the jump ``a -> b``. States are
        hashable (names, numbers, or tuples for multipartite systems such as ``("x0", "y1")``).
        A rate is a number, a sympy expression or a string sympy reads; zero rates are dropped;
        symbolic rates are taken as positive.
    states : sequence, optional
        The order of the states (default: order of first appearance in ``rates``). A state
        listed here with no transition is allowed (it makes the model not ergodic).
    entropy_flow : mapping, optional
        ``{(a, b): s}``: entropy flow into the medium (nats) on the jump ``a -> b``; the
        reverse jump carries ``-s`` unless given. Default for each pair: local detailed
        balance ``ln(w_ab / w_ba)``.
    reservoirs : mapping, optional
        ``{(a, b): "name"}`` (either direction names the pair): the reservoir a transition
        exchanges with (default: one reservoir, ``"medium"``).
    subsystems : sequence of str, optional
        Names of the components of tuple states (default ``("x", "y")`` for pairs,
        ``("x1", ..., "xk")`` for k-tuples; none for plain states).
    bipartite : bool, optional
        Declare the model bipartite: a transition that changes two components is refused.

    Raises
    ------
    InvalidRate
        For a negative, complex, non-finite or unreadable rate, or a self-jump ``a -> a``.
    UnknownState
        For a state in ``rates`` (or ``entropy_flow``, ``reservoirs``) that ``states`` does not list.
    DuplicateState
        For a state listed twice in ``states``.
    NotBipartite
        With ``bipartite=True``, for a transition that changes two components at once.
    ModelError
        For keys that are not pairs, no transition at all, inconsistent entropy flows, or
        subsystem names that do not fit the states.

    Examples
    --------
    >>> import sympy as sp
    >>> k, q = sp.symbols("k q", positive=True)
    >>> m = MarkovJumpProcess({("a", "b"): k, ("b", "a"): q})
    >>> m.states, m.edges
    (('a', 'b'), ((0, 1), (1, 0)))
    >>> m.generator()
    Matrix([
    [-k,  q],
    [ k, -q]])
    """

    #: The model kind (see :func:`thermotheory.quantity.model_kind`).
    kind = "jump"
    kind_label = "Markov jump process"  #: the kind in words, for listings

    __slots__ = ("_states", "_index", "_rates", "_numeric", "_flows", "_res", "_reservoir_names", "_subsystems",
                 "_bipartite_declared", "_parameters", "_edges", "_cache", "__weakref__")

    def __init__(self, rates: Mapping, states: Iterable | None = None, *, entropy_flow: Mapping | None = None,
                 reservoirs: Mapping | None = None, subsystems: Iterable[str] | None = None,
                 bipartite: bool | None = None) -> None:
        set_ = object.__setattr__
        if not isinstance(rates, Mapping):
            raise ModelError(f"rates: expected a mapping {{(a, b): rate}} but found {type(rates).__name__}")
        # the states
        order: list = []
        index: dict = {}
        if states is not None:
            if isinstance(states, (str, bytes, Mapping)) or not isinstance(states, Iterable):
                raise ModelError(f"states: expected a sequence of states but found {states!r:.80}")
            for s in states:
                if not isinstance(s, Hashable):
                    raise ModelError(f"states: a state must be hashable (a name, a number or a tuple) but found "
                                     f"{s!r:.60}")
                if s in index:
                    raise DuplicateState(f"states: the state {s!r} is listed twice; list each state once")
                index[s] = len(order)
                order.append(s)
        listed = states is not None
        raw: dict[tuple[int, int], Any] = {}
        numeric = True
        names: dict[str, sp.Symbol] = {}
        for value in rates.values():
            for sym in (value.free_symbols if isinstance(value, sp.Basic) else ()):
                if names.setdefault(sym.name, sym) != sym:
                    raise ModelError(f"rates: two different symbols are called {sym.name!r} (declared with "
                                     "different assumptions); use one Symbol per name")
        for key, value in rates.items():
            a, b = _pair(key, "rates")
            for s in (a, b):
                if s not in index:
                    if listed:
                        raise UnknownState(f"rates: the state {s!r} of the jump {a!r} -> {b!r} is not in states; "
                                           f"add it to states or remove the jump")
                    index[s] = len(order)
                    order.append(s)
            if index[a] == index[b]:
                raise InvalidRate(f"rates: the jump {a!r} -> {a!r} goes nowhere; remove it (the waiting time "
                                  "comes from the rates out of a state)")
            w, num = _as_rate(value, f"the rate of {a!r} -> {b!r}", names)
            if _is_zero_rate(w):
                continue
            numeric = numeric and num
            raw[(index[a], index[b])] = w
        if not raw:
            raise ModelError("rates: expected at least one transition with a non-zero rate but found none")
        set_(self, "_states", tuple(order))
        set_(self, "_index", index)
        set_(self, "_rates", raw)
        set_(self, "_edges", tuple(sorted(raw)))
        # entropy flows
        flows: dict[tuple[int, int], Any] = {}
        if entropy_flow is not None and not isinstance(entropy_flow, Mapping):
            raise ModelError("entropy_flow: expected a mapping {(a, b): entropy flow}")
        for key, value in (entropy_flow or {}).items():
            a, b = _pair(key, "entropy_flow")
            i, j = self._lookup(a, "entropy_flow"), self._lookup(b, "entropy_flow")
            if (i, j) not in raw and (j, i) not in raw:
                raise ModelError(f"entropy_flow: there is no transition between {a!r} and {b!r}; remove the entry "
                                 "or add the transition's rate")
            e = check_value(value, what=f"the entropy flow of {a!r} -> {b!r}")
            numeric = numeric and not e.free_symbols
            if (i, j) in flows:
                raise ModelError(f"entropy_flow: the jump {a!r} -> {b!r} is given twice")
            flows[(i, j)] = e
        for (i, j), e in list(flows.items()):
            if (j, i) in flows:
                total = sp.expand(e + flows[(j, i)])
                if total != 0 and not (total.is_number and abs(float(total)) < 1e-12 * (1 + abs(float(e)))):
                    raise ModelError(f"entropy_flow: the flows of {order[i]!r} -> {order[j]!r} ({e}) and back "
                                     f"({flows[(j, i)]}) do not sum to zero; give one direction only")
        for (i, j), e in list(flows.items()):
            flows.setdefault((j, i), -e)
        set_(self, "_flows", flows)
        # reservoirs
        res: dict[tuple[int, int], str] = {}
        names: list[str] = []
        if reservoirs is not None:
            if not isinstance(reservoirs, Mapping):
                raise ModelError("reservoirs: expected a mapping {(a, b): 'name'}")
            for key, name in reservoirs.items():
                a, b = _pair(key, "reservoirs")
                i, j = self._lookup(a, "reservoirs"), self._lookup(b, "reservoirs")
                if not isinstance(name, str) or not name:
                    raise ModelError(f"reservoirs: expected a reservoir's name (text) for {a!r} -> {b!r} but found "
                                     f"{name!r}")
                if (i, j) not in raw and (j, i) not in raw:
                    raise ModelError(f"reservoirs: there is no transition between {a!r} and {b!r}")
                pair = (min(i, j), max(i, j))
                if pair in res and res[pair] != name:
                    raise ModelError(f"reservoirs: the transition between {a!r} and {b!r} is given two reservoirs "
                                     f"({res[pair]!r} and {name!r})")
                res[pair] = name
                if name not in names:
                    names.append(name)
        if any((min(i, j), max(i, j)) not in res for i, j in raw):
            if "medium" not in names:
                names.append("medium")
        set_(self, "_res", res)
        set_(self, "_reservoir_names", tuple(names))
        # subsystems
        k = None
        if order and all(isinstance(s, tuple) for s in order):
            lengths = {len(s) for s in order}
            k = lengths.pop() if len(lengths) == 1 else None
        if subsystems is None:
            subs = () if k is None or k < 2 else (("x", "y") if k == 2 else tuple(f"x{m + 1}" for m in range(k)))
        else:
            if isinstance(subsystems, str) or not isinstance(subsystems, Iterable):
                raise ModelError(f"subsystems: expected a sequence of names but found {subsystems!r}")
            subs = tuple(subsystems)
            if any(not isinstance(s, str) or not s for s in subs):
                raise ModelError(f"subsystems: expected names (text) but found {subs!r}")
            if len(set(subs)) != len(subs):
                raise ModelError(f"subsystems: a name is repeated in {subs!r}")
            if subs and (k is None or k != len(subs)):
                raise ModelError(f"subsystems: {len(subs)} names need every state to be a tuple of {len(subs)} "
                                 f"components, but the states are {order[:4]!r}...")
        clash = sorted(set(subs) & set(self._reservoir_names))
        if clash:
            given = "" if subsystems is not None else " (the default names of a tuple's components)"
            raise ModelError(f"{clash[0]!r} names both a subsystem{given} and a reservoir: a quantity of "
                             f"{clash[0]!r} (a heat rate, say) would be ambiguous; rename one of them "
                             "(reservoirs=..., subsystems=...)")
        set_(self, "_subsystems", subs)
        if bipartite not in (None, True, False):
            raise ModelError(f"bipartite: expected True or False but found {bipartite!r}")
        if bipartite:
            if len(subs) < 2:
                raise NotBipartite("bipartite=True needs states that are tuples of two or more components "
                                   "(one per subsystem)")
            for i, j in self._edges:
                changed = self.changes(i, j)
                if len(changed) != 1:
                    raise NotBipartite(f"the transition {order[i]!r} -> {order[j]!r} changes {', '.join(changed)} "
                                       "at once; a bipartite model changes one subsystem per jump (remove it, "
                                       "or drop bipartite=True)")
        set_(self, "_bipartite_declared", bool(bipartite))
        params: set = set()
        if not numeric:
            for w in raw.values():
                if isinstance(w, sp.Basic):
                    params |= w.free_symbols
            for e in flows.values():
                params |= e.free_symbols
        set_(self, "_parameters", tuple(sorted(params, key=lambda s: (s.name, str(s.assumptions0)))))
        set_(self, "_numeric", not params)
        set_(self, "_cache", {})

    # -- immutability and pickling ---------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a MarkovJumpProcess is immutable; use subs() to make a new model")

    def __getstate__(self) -> dict:
        return {n: getattr(self, n) for n in self.__slots__ if n not in ("_cache", "__weakref__")}

    def __setstate__(self, state: dict) -> None:
        for n, v in state.items():
            object.__setattr__(self, n, v)
        object.__setattr__(self, "_cache", {})

    @property
    def cache(self) -> dict:
        """The memo of values derived from this model by the closed forms (``core/jump_*.py``).

        Kept with the model (the model is immutable), left out when it is pickled.
        """
        return self._cache

    def __repr__(self) -> str:
        return f"MarkovJumpProcess({self.n} states, {len(self._edges)} transitions)"

    # -- states and transitions ------------------------------------------------------------------------------------
    def _lookup(self, state: Any, what: str) -> int:
        try:
            return self._index[state]
        except (KeyError, TypeError):
            raise UnknownState(f"{what}: {state!r:.60} is not a state of the model (states: "
                               f"{', '.join(map(repr, self._states[:8]))}{', ...' if self.n > 8 else ''})") from None

    @property
    def states(self) -> tuple:
        """The states, in order."""
        return self._states

    @property
    def n(self) -> int:
        """The number of states."""
        return len(self._states)

    @property
    def dimension(self) -> int:
        """The number of states (what listings print as the model's size)."""
        return len(self._states)

    def index(self, state: Any) -> int:
        """The position of ``state``.

        Raises
        ------
        UnknownState
            When the model has no such state.

        Examples
        --------
        >>> MarkovJumpProcess({("a", "b"): 1, ("b", "a"): 2}).index("b")
        1
        """
        return self._lookup(state, "index")

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """The transitions ``(i, j)`` (state indices) with a non-zero rate ``i -> j``, sorted."""
        return self._edges

    def _check_indices(self, i: Any, j: Any) -> tuple[int, int]:
        n = self.n
        for v in (i, j):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not 0 <= v < n:
                raise UnknownState(f"expected state indices 0 to {n - 1} but found {v!r:.40} (model.index(state) "
                                   "gives a state's index)")
        return int(i), int(j)

    def rate(self, i: int, j: int) -> sp.Expr:
        """The rate of the jump ``i -> j`` (indices) as a sympy expression, 0 where there is none.

        Examples
        --------
        >>> MarkovJumpProcess({("a", "b"): 2, ("b", "a"): 1}).rate(0, 1)
        2
        """
        i, j = self._check_indices(i, j)
        return sp.sympify(self._rates.get((i, j), 0))

    def domain(self) -> tuple[sp.Expr, ...]:
        r"""The rates whose sign the symbols' assumptions leave open: positive wherever the model is one.

        A binary synapse depresses at rate :math:`q r (1 - f)`, so :math:`f < 1`; the pages and reports of a model
        compact its closed forms within this domain
        (:func:`~thermotheory.core.presentation.within_domain`).

        Examples
        --------
        >>> import sympy as sp
        >>> f, r = sp.symbols("f r", positive=True)
        >>> MarkovJumpProcess({("w", "s"): r * f, ("s", "w"): r * (1 - f)}).domain()
        (r*(1 - f),)
        """
        rates = (sp.sympify(w) for _, w in sorted(self._rates.items()))
        return tuple(dict.fromkeys(w for w in rates if w.free_symbols and w.is_positive is not True))

    def is_reversible(self, i: int, j: int) -> bool:
        """Whether the jump ``i -> j`` has its reverse ``j -> i`` (with a non-zero rate)."""
        i, j = self._check_indices(i, j)
        return (j, i) in self._rates

    def generator(self) -> sp.Matrix:
        """The generator ``L`` of the master equation ``dp/dt = L p``: ``L[j, i]`` = rate ``i -> j``.

        Examples
        --------
        >>> MarkovJumpProcess({(0, 1): 3, (1, 0): 1}).generator()
        Matrix([
        [-3,  1],
        [ 3, -1]])
        """
        L = sp.zeros(self.n, self.n)
        for (i, j), w in self._rates.items():
            w = sp.sympify(w)
            L[j, i] += w
            L[i, i] -= w
        return L

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The free symbols of the rates and entropy flows, sorted by name."""
        return self._parameters

    @property
    def is_numeric(self) -> bool:
        """True when no rate or entropy flow has a free symbol."""
        return self._numeric

    # -- substitution --------------------------------------------------------------------------------------------
    def _substitution(self, values: Mapping) -> dict:
        if not isinstance(values, Mapping):
            raise ModelError(f"values: expected a mapping from parameter to number but found {values!r:.80}")
        by_name = {p.name: p for p in self._parameters}
        out = {}
        for key, value in values.items():
            p = key if key in self._parameters else by_name.get(str(key)) if isinstance(key, (str, sp.Symbol)) else None
            if p is None:
                continue
            out[p] = check_value(value, p)
        return out

    def _rebuild(self, rates: dict, flows: dict) -> "MarkovJumpProcess":
        S = self._states
        keep = {(i, j) for (i, j), w in rates.items() if not _is_zero_rate(w)}
        pairs = {(min(i, j), max(i, j)) for i, j in keep}
        flow_given = {(S[i], S[j]): e for (i, j), e in flows.items()
                      if i < j and (i, j) in pairs or (i > j and (j, i) in pairs and (j, i) not in flows)}
        res = {(S[i], S[j]): name for (i, j), name in self._res.items() if (i, j) in pairs}
        return MarkovJumpProcess({(S[i], S[j]): w for (i, j), w in rates.items()}, S, entropy_flow=flow_given or None,
                                 reservoirs=res or None, subsystems=self._subsystems or None,
                                 bipartite=self._bipartite_declared or None)

    def subs(self, values: Mapping) -> "MarkovJumpProcess":
        """The model with ``values`` (keys: Symbols or their names) substituted; other keys are ignored.

        Examples
        --------
        >>> import sympy as sp
        >>> k = sp.Symbol("k", positive=True)
        >>> MarkovJumpProcess({(0, 1): k, (1, 0): 1}).subs({"k": 2}).rate(0, 1)
        2
        """
        mapping = self._substitution(values)
        if not mapping:
            return self
        rates = {e: (w.subs(mapping) if isinstance(w, sp.Basic) else w) for e, w in self._rates.items()}
        flows = {e: f.subs(mapping) for e, f in self._flows.items()}
        return self._rebuild(rates, flows)

    def numeric(self, values: Mapping | None = None) -> "MarkovJumpProcess":
        """The model with float rates: every parameter given a finite value in ``values``.

        Raises
        ------
        ModelError
            For a parameter left without a value, or a value that is not a finite real number.
        InvalidRate
            For a rate that the values make negative.

        Examples
        --------
        >>> import sympy as sp
        >>> k = sp.Symbol("k", positive=True)
        >>> MarkovJumpProcess({(0, 1): k, (1, 0): 1}).numeric({k: 0.5}).rate_array()
        array([[0. , 0.5],
               [1. , 0. ]])
        """
        if values is not None and not isinstance(values, Mapping):
            raise ModelError(f"values: expected a mapping from parameter to number but found {values!r:.80}")
        if self._numeric:
            return self
        mapping = self._substitution(values or {})
        missing = [p.name for p in self._parameters if p not in mapping]
        if missing:
            raise ModelError(f"the model has free parameters {missing}: pass values={{...}} with a number for each")
        rates = {}
        for e, w in self._rates.items():
            x = w.subs(mapping) if isinstance(w, sp.Basic) else w
            x, _ = _as_rate(x, f"the rate of {self._states[e[0]]!r} -> {self._states[e[1]]!r}")
            rates[e] = float(x)
        flows = {}
        for e, f in self._flows.items():
            x = f.subs(mapping)
            try:
                flows[e] = float(x)
            except TypeError:
                raise ModelError(f"the entropy flow of {self._states[e[0]]!r} -> {self._states[e[1]]!r} is not a "
                                 f"real number at these values: {x}") from None
        return self._rebuild(rates, flows)

    # -- entropy flows and reservoirs -----------------------------------------------------------------------------
    def entropy_flow(self, i: int, j: int) -> sp.Expr:
        """The entropy flow into the medium (nats) on the jump ``i -> j``: declared, or ``ln(w_ij / w_ji)``.

        Raises
        ------
        IrreversibleTransition
            For a jump without its reverse and no declared entropy flow (it would be infinite).
        ModelError
            When there is no transition between the two states.

        Examples
        --------
        >>> import sympy as sp
        >>> k, q = sp.symbols("k q", positive=True)
        >>> MarkovJumpProcess({(0, 1): k, (1, 0): q}).entropy_flow(0, 1)
        log(k/q)
        """
        i, j = self._check_indices(i, j)
        if (i, j) in self._flows:
            return self._flows[(i, j)]
        if (i, j) not in self._rates and (j, i) not in self._rates:
            raise ModelError(f"there is no transition between {self._states[i]!r} and {self._states[j]!r}")
        if (i, j) not in self._rates or (j, i) not in self._rates:
            a, b = (i, j) if (i, j) in self._rates else (j, i)
            raise IrreversibleTransition(
                f"the jump {self._states[a]!r} -> {self._states[b]!r} has no reverse: its entropy flow "
                f"ln(w_ab / w_ba) is infinite; add the reverse rate, or declare the jump's entropy flow "
                f"(entropy_flow={{...}})")
        return sp.log(sp.sympify(self._rates[(i, j)]) / sp.sympify(self._rates[(j, i)]))

    def reservoir(self, i: int, j: int) -> str:
        """The name of the reservoir the transition between ``i`` and ``j`` exchanges with."""
        i, j = self._check_indices(i, j)
        return self._res.get((min(i, j), max(i, j)), "medium")

    @property
    def reservoir_names(self) -> tuple[str, ...]:
        """The reservoirs, in order of first appearance (``"medium"`` for the undeclared transitions)."""
        return self._reservoir_names

    # -- numeric arrays ---------------------------------------------------------------------------------------------
    def _require_numeric(self, what: str) -> None:
        if not self._numeric:
            raise ModelError(f"{what} needs a numeric model: the model has free parameters "
                             f"{[p.name for p in self._parameters]}; use model.numeric(values)")

    def _require_dense(self, what: str) -> None:
        if self.n > MAX_DENSE_STATES:
            raise TooLarge(f"{what}: a dense ({self.n}, {self.n}) array is not built past {MAX_DENSE_STATES} states; "
                           "use model.edge_arrays() (one entry per transition)")

    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(src, dst, w)``: for each transition of :attr:`edges`, its states' indices and its rate (floats).

        Numeric models only; the sparse form of :meth:`rate_array`, for large networks.

        Examples
        --------
        >>> MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0}).edge_arrays()
        (array([0, 1]), array([1, 0]), array([2., 1.]))
        """
        self._require_numeric("edge_arrays()")
        if "edge_arrays" not in self._cache:
            e = np.array(self._edges, dtype=np.int64).reshape(-1, 2)
            w = np.array([float(self._rates[k]) for k in self._edges], dtype=float)
            self._cache["edge_arrays"] = (e[:, 0].copy(), e[:, 1].copy(), w)
        src, dst, w = self._cache["edge_arrays"]
        return src.copy(), dst.copy(), w.copy()

    def rate_array(self) -> np.ndarray:
        """``W`` (n, n) floats: ``W[i, j]`` = rate of ``i -> j``, zero diagonal (numeric models only).

        Examples
        --------
        >>> MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0}).rate_array()
        array([[0., 2.],
               [1., 0.]])
        """
        self._require_numeric("rate_array()")
        self._require_dense("rate_array()")
        src, dst, w = self.edge_arrays()
        W = np.zeros((self.n, self.n))
        W[src, dst] = w
        return W

    def entropy_flow_edges(self, where: np.ndarray | None = None) -> np.ndarray:
        """The entropy flow into the medium of each transition of :attr:`edges` (floats, numeric models only).

        ``where``: a boolean mask over :attr:`edges`, the transitions whose flows are needed (the
        heat of one reservoir or subsystem); the others are 0 where they are undefined, and are
        not refused. Default: every transition.

        Raises
        ------
        IrreversibleTransition
            For a jump (under ``where``) without its reverse and no declared entropy flow.

        Examples
        --------
        >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.0, (2, 0): 1.0},
        ...                       reservoirs={(1, 2): "b", (2, 0): "b"})  # the jumps of "b" have no reverse
        >>> medium = m.reservoir_edges() == m.reservoir_names.index("medium")
        >>> [round(float(f), 4) for f in m.entropy_flow_edges(where=medium)]
        [0.6931, -0.6931, 0.0, 0.0]
        """
        from .jump_forms import _flows_where

        self._require_numeric("entropy_flow_edges()")
        if where is not None:
            mask = np.asarray(where)
            if mask.dtype != bool or mask.shape != (len(self._edges),):
                raise ModelError(f"where: expected a boolean mask of {len(self._edges)} entries (one per transition) "
                                 f"but found {where!r:.80}")
            return _flows_where(self, mask)
        if "flow_edges" not in self._cache:
            self._cache["flow_edges"] = _flows_where(self, np.ones(len(self._edges), dtype=bool))
        return self._cache["flow_edges"].copy()

    def entropy_flow_array(self) -> np.ndarray:
        """``F`` (n, n) floats: ``F[i, j]`` = entropy flow into the medium on ``i -> j`` (0 where no transition).

        Raises
        ------
        IrreversibleTransition
            For a jump without its reverse and no declared entropy flow.

        Examples
        --------
        >>> import numpy as np
        >>> F = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0}).entropy_flow_array()
        >>> bool(np.isclose(F[0, 1], np.log(2.0)) and np.isclose(F[1, 0], -np.log(2.0)))
        True
        """
        self._require_dense("entropy_flow_array()")
        f = self.entropy_flow_edges()
        src, dst, _ = self.edge_arrays()
        F = np.zeros((self.n, self.n))
        F[src, dst] = f
        return F

    def reservoir_edges(self) -> np.ndarray:
        """The index into :attr:`reservoir_names` of each transition of :attr:`edges` (ints)."""
        pos = {name: k for k, name in enumerate(self._reservoir_names)}
        return np.array([pos[self.reservoir(i, j)] for i, j in self._edges], dtype=np.int64)

    def reservoir_array(self) -> np.ndarray:
        """``R`` (n, n) ints: index into :attr:`reservoir_names` of the reservoir of ``i -> j``, -1 where no transition.

        Examples
        --------
        >>> MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0}).reservoir_array()
        array([[-1,  0],
               [ 0, -1]])
        """
        self._require_dense("reservoir_array()")
        R = -np.ones((self.n, self.n), dtype=np.int64)
        e = np.array(self._edges, dtype=np.int64).reshape(-1, 2)
        R[e[:, 0], e[:, 1]] = self.reservoir_edges()
        return R

    # -- subsystems -----------------------------------------------------------------------------------------------
    @property
    def subsystems(self) -> tuple[str, ...]:
        """The names of the components of the (tuple) states; ``()`` for plain states."""
        return self._subsystems

    def component(self, name: Any) -> int:
        """The position of subsystem ``name`` in the states' tuples.

        Raises
        ------
        UnknownState
            For a name that is not a subsystem of the model.

        Examples
        --------
        >>> MarkovJumpProcess({((0, 0), (1, 0)): 1, ((1, 0), (0, 0)): 1}).component("y")
        1
        """
        key = name.name if isinstance(name, sp.Symbol) else name
        if isinstance(key, str) and key in self._subsystems:
            return self._subsystems.index(key)
        raise UnknownState(f"{name!r:.60} is not a subsystem of the model; its subsystems are "
                           f"{list(self._subsystems) or 'none (its states are not tuples)'}")

    def components(self, spec: Any) -> tuple[int, ...]:
        """The positions of a subsystem name or a sequence of names (checked, no repeats)."""
        if isinstance(spec, (str, sp.Symbol)):
            return (self.component(spec),)
        if isinstance(spec, Iterable) and not isinstance(spec, (bytes, Mapping)):
            items = list(spec)
            if not items:
                raise ModelError("expected at least one subsystem but found none")
            pos = tuple(self.component(s) for s in items)
            if len(set(pos)) != len(pos):
                raise ModelError(f"subsystems repeated in {items!r}")
            return pos
        raise UnknownState(f"expected a subsystem name or a sequence of names but found {spec!r:.60}")

    def changes(self, i: int, j: int) -> tuple[str, ...]:
        """The subsystems whose component differs between states ``i`` and ``j``."""
        i, j = self._check_indices(i, j)
        if not self._subsystems:
            return ()
        a, b = self._states[i], self._states[j]
        return tuple(name for name, u, v in zip(self._subsystems, a, b) if u != v)

    @property
    def is_bipartite(self) -> bool:
        """Whether the states have two or more components and every transition changes exactly one."""
        if "bipartite" not in self._cache:
            self._cache["bipartite"] = len(self._subsystems) >= 2 and all(
                len(self.changes(i, j)) == 1 for i, j in self._edges)
        return self._cache["bipartite"]

    # -- rendering ------------------------------------------------------------------------------------------------
    def state_latex(self, state: Any, italic: bool = False) -> str:
        r"""The LaTeX of a state as the transition lines, the labels and the pages print it.

        A state named by a word is a label, set upright as labels are (``"w"`` -> :math:`\mathrm{w}`, ``"w1"`` ->
        :math:`\mathrm{w_{1}}`, ``"R*"`` -> :math:`\text{R*}`): it cannot be read as a parameter of the same letter
        (the rate :math:`w` of another network on the page). A number or a sympy expression prints as itself, a
        tuple as its components. With ``italic``, a word is set as a symbol of that name (``"w1"`` ->
        :math:`w_{1}`): the letters a state would share with a parameter, which a rate's label avoids.

        Examples
        --------
        >>> m = MarkovJumpProcess({("w", "s"): 1.0, ("s", "w"): 2.0})
        >>> m.state_latex("w"), m.state_latex("w1"), m.state_latex((0, "on"))
        ('\\mathrm{w}', '\\mathrm{w_{1}}', '(0, \\mathrm{on})')
        >>> m.state_latex("w1", italic=True)
        'w_{1}'
        """
        if not isinstance(italic, bool):
            raise ModelError(f"state_latex: italic must be True or False but is {italic!r:.60}")
        if isinstance(state, tuple):
            return "(" + ", ".join(self.state_latex(s, italic) for s in state) + ")"
        if isinstance(state, str):
            if not state.isidentifier():
                return rf"\text{{{state}}}"
            return latex_of(sp.Symbol(state)) if italic else _upright_label(state)
        return latex_of(sp.sympify(state)) if isinstance(state, (int, sp.Basic)) else rf"\text{{{state}}}"

    def _printed_heads(self) -> set[str]:
        """The bases of what the transition lines print as symbols: the states', the rates' and the flows'."""
        heads: set[str] = set()

        def state_heads(state: Any) -> None:
            if isinstance(state, tuple):
                for part in state:
                    state_heads(part)
            elif isinstance(state, sp.Basic) and not state.is_number:
                expression_heads(state)
            else:
                heads.add(_latex_head(self.state_latex(state, italic=True)))

        def expression_heads(expr: sp.Basic) -> None:
            for sym in expr.free_symbols:
                heads.add(_latex_head(latex_of(sym)))
            for call in expr.atoms(sp.core.function.AppliedUndef):  # f(x): the name f is printed
                heads.add(_latex_head(latex_of(sp.Symbol(call.func.__name__))))

        for state in self._states:
            state_heads(state)
        for value in (*self._rates.values(), *self._flows.values()):
            if isinstance(value, sp.Basic):
                expression_heads(value)
        return heads

    @property
    def rate_symbol(self) -> str:
        r"""The letter (LaTeX) that labels the rates in :meth:`latex_lines`: ``w`` unless the model uses it.

        The first of ``w``, ``k``, ``\nu``, ``\lambda``, ``\gamma``, ``\Gamma`` that is not the base
        of a state's name or of a symbol of the rates and entropy flows, nor read as one (``\omega``
        takes ``w``, ``\kappa`` takes ``k``, ``v`` takes ``\nu``), compared as printed
        (``k_{\mathrm{on}}`` has the base ``k``; ``\kappa`` is not ``k``; states ``w_1, w_2`` have
        the base ``w``), so that one symbol has one meaning on a page. When all of them are
        taken, ``\mathrm{w}`` (an upright w), with primes added until it names nothing of the
        model: the choice never fails.

        Examples
        --------
        >>> import sympy as sp
        >>> k, q = sp.symbols("k q", positive=True)
        >>> MarkovJumpProcess({("a", "b"): k, ("b", "a"): q}).rate_symbol
        'w'
        >>> w, l = sp.symbols("w l", positive=True)  # a catalysis rate called w (kinetic proofreading)
        >>> m = MarkovJumpProcess({("E", "C"): q, ("C", "E"): l + w})
        >>> m.rate_symbol, m.latex_lines()
        ('k', ['\\mathrm{E} &\\rightleftharpoons \\mathrm{C}: \\quad k_{+} = q,\\ k_{-} = l + w'])
        >>> MarkovJumpProcess({("w_1", "w_2"): k, ("w_2", "w_1"): q}).rate_symbol  # states called w, a rate k
        '\\nu'
        """
        return self.rate_label()

    def rate_label(self, avoid: Iterable[str] = ()) -> str:
        r""":attr:`rate_symbol`, also avoiding the notations ``avoid`` (LaTeX) that a page prints beside the model.

        A page that names a result ``\nu`` (a pump's cycle flux) or ``v_R`` (a product flux, read as
        ``\nu``) cannot label a rate ``\nu`` as well: one symbol, one meaning per page.

        Examples
        --------
        >>> import sympy as sp
        >>> w, q = sp.symbols("w q", positive=True)
        >>> m = MarkovJumpProcess({("a", "b"): w, ("b", "a"): q})
        >>> m.rate_label(), m.rate_label([r"v_{R}"]), m.rate_label([r"\nu", "k"])
        ('k', 'k', '\\lambda')
        """
        if isinstance(avoid, str):
            avoid = [avoid]
        names = list(avoid) if isinstance(avoid, Iterable) else None
        if names is None or not all(isinstance(a, str) for a in names):
            raise ModelError(f"rate_label: avoid must be LaTeX strings (the notations of a page) but is {avoid!r:.80}")
        extra = frozenset(_latex_head(a) for a in names)
        key = ("rate_label", extra)
        if key not in self._cache:
            taken = self._printed_heads() | extra
            letter = next((c for c in _RATE_LETTERS if c not in taken
                           and not any(a in taken for a in _LOOKALIKES.get(c, ()))), _RATE_FALLBACK)
            while letter in taken:  # finitely many heads are taken: a free one comes
                letter += "'"
            self._cache[key] = letter
        return self._cache[key]

    def latex_lines(self, width: float = TEXT_WIDTH, avoid: Iterable[str] = ()) -> list[str]:
        r"""The transitions as LaTeX ``aligned`` lines: ``a \rightleftharpoons b`` with both rates, one per pair.

        The rates are labelled with :attr:`rate_symbol` (``w_{+}``, ``w_{-}``, or ``w`` for a jump
        without its reverse): ``w`` unless the model's states or symbols use that letter, or the
        notations ``avoid`` that a page prints beside it (:meth:`rate_label`).

        Raises
        ------
        InvalidExport
            When ``width`` is not a positive finite number.
        ModelError
            For more than :data:`MAX_LATEX_TRANSITIONS` transitions.

        Examples
        --------
        >>> import sympy as sp
        >>> k, q = sp.symbols("k q", positive=True)
        >>> MarkovJumpProcess({("a", "b"): k, ("b", "a"): q}).latex_lines()
        ['\\mathrm{a} &\\rightleftharpoons \\mathrm{b}: \\quad w_{+} = k,\\ w_{-} = q']
        """
        width = checked_width(width)
        pairs = sorted({(min(i, j), max(i, j)) for i, j in self._edges})
        if len(pairs) > MAX_LATEX_TRANSITIONS:
            raise ModelError(f"the model has {len(pairs)} transitions; LaTeX is rendered for at most "
                             f"{MAX_LATEX_TRANSITIONS}")
        lines = []
        r = self.rate_label(avoid)
        for i, j in pairs:
            a, b = self.state_latex(self._states[i]), self.state_latex(self._states[j])
            fwd, bwd = self._rates.get((i, j)), self._rates.get((j, i))
            if fwd is not None and bwd is not None:
                head = rf"{a} &\rightleftharpoons {b}: \quad "
                body = rf"{r}_{{+}} = {latex_of(sp.sympify(fwd))},\ {r}_{{-}} = {latex_of(sp.sympify(bwd))}"
            else:
                src, dst, w = (a, b, fwd) if fwd is not None else (b, a, bwd)
                head = rf"{src} &\rightarrow {dst}: \quad "
                body = rf"{r} = {latex_of(sp.sympify(w))}"
            if (i, j) in self._flows:
                body += rf",\ \Delta s = {latex_of(self._flows[(i, j)])}"
            name = self._res.get((i, j))
            if name is not None:
                body += rf"\ (\text{{{name}}})"
            lines.append(head + body)
        return lines

    def _repr_latex_(self) -> str:
        return r"$\begin{aligned} " + r" \\ ".join(self.latex_lines()) + r" \end{aligned}$"


class JumpCurrent:
    r"""A counting current of a jump process: each jump ``a -> b`` adds the weight ``d_ab``.

    Parameters
    ----------
    weights : mapping
        ``{(a, b): d}`` over states. Antisymmetric by default: ``d_ba = -d_ab`` unless given.
        Weights are numbers or sympy expressions.
    symbol : str
        LaTeX symbol of the current (for notation and reports).

    Examples
    --------
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0, (2, 0): 1.0, (0, 2): 1.0})
    >>> J = JumpCurrent({(0, 1): 1})
    >>> J.weights_array(m)
    array([[ 0.,  1.,  0.],
           [-1.,  0.,  0.],
           [ 0.,  0.,  0.]])
    """

    __slots__ = ("_weights", "symbol")

    def __init__(self, weights: Mapping, symbol: str = "J") -> None:
        if not isinstance(weights, Mapping) or not weights:
            raise ModelError(f"weights: expected a non-empty mapping {{(a, b): weight}} but found {weights!r:.80}")
        if not isinstance(symbol, str) or not symbol:
            raise ModelError(f"symbol: expected a LaTeX symbol (text) but found {symbol!r}")
        given: dict = {}
        for key, value in weights.items():
            a, b = _pair(key, "weights")
            if a == b:
                raise ModelError(f"weights: the jump {a!r} -> {a!r} is not a transition")
            given[(a, b)] = check_value(value, what=f"the weight of {a!r} -> {b!r}")
        full = dict(given)
        for (a, b), d in given.items():
            if (b, a) not in given:
                full[(b, a)] = -d
        object.__setattr__(self, "_weights", full)
        object.__setattr__(self, "symbol", symbol)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a JumpCurrent is immutable")

    def __getstate__(self) -> dict:
        return {"_weights": self._weights, "symbol": self.symbol}

    def __setstate__(self, state: dict) -> None:
        for n, v in state.items():
            object.__setattr__(self, n, v)

    def __repr__(self) -> str:
        return f"JumpCurrent({len(self._weights)} weights, symbol={self.symbol!r})"

    @property
    def weights(self) -> dict:
        """``{(a, b): d}`` with the reverse jumps filled in."""
        return dict(self._weights)

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols of the weights, sorted by name."""
        return tuple(sorted(set().union(*(d.free_symbols for d in self._weights.values())), key=lambda s: s.name))

    @property
    def is_numeric(self) -> bool:
        return not self.parameters

    def subs(self, values: Mapping) -> "JumpCurrent":
        """The current with ``values`` substituted in its weights (keys: Symbols or names)."""
        if not isinstance(values, Mapping):
            raise ModelError(f"values: expected a mapping from parameter to number but found {values!r:.80}")
        by_name = {p.name: p for p in self.parameters}
        mapping = {}
        for k, v in values.items():
            p = by_name.get(k.name if isinstance(k, sp.Symbol) else k) if isinstance(k, (str, sp.Symbol)) else None
            if p is not None:
                mapping[p] = check_value(v, p)
        return JumpCurrent({e: d.subs(mapping) for e, d in self._weights.items()}, self.symbol)

    def _resolved(self, model: MarkovJumpProcess) -> dict[tuple[int, int], sp.Expr]:
        if getattr(type(model), "kind", None) != "jump":
            raise ModelError(f"a JumpCurrent counts the jumps of a MarkovJumpProcess, not of a "
                             f"{type(model).__name__}")
        out = {}
        for (a, b), d in self._weights.items():
            i, j = model._lookup(a, "JumpCurrent"), model._lookup(b, "JumpCurrent")
            out[(i, j)] = d
        return out

    def weights_matrix(self, model: MarkovJumpProcess) -> sp.Matrix:
        """``D`` (n, n) sympy Matrix: ``D[i, j]`` = weight of ``i -> j`` on ``model``'s states."""
        D = sp.zeros(model.n, model.n)
        for (i, j), d in self._resolved(model).items():
            D[i, j] = d
        return D

    def weights_edges(self, model: MarkovJumpProcess) -> np.ndarray:
        """The float weight of each transition of ``model.edges`` (numeric weights only)."""
        res = self._resolved(model)
        if not self.is_numeric:
            raise ModelError(f"the current's weights have free symbols {[p.name for p in self.parameters]}: "
                             "substitute them (current.subs(values))")
        return np.array([float(res.get(e, 0)) for e in model.edges], dtype=float)

    def weights_array(self, model: MarkovJumpProcess) -> np.ndarray:
        """``D`` (n, n) floats: ``D[i, j]`` = weight of the jump ``i -> j`` (numeric weights only).

        Raises
        ------
        UnknownState
            For a weight on a state the model does not have.
        ModelError
            For weights with free symbols.
        """
        res = self._resolved(model)
        if not self.is_numeric:
            raise ModelError(f"the current's weights have free symbols {[p.name for p in self.parameters]}: "
                             "substitute them (current.subs(values))")
        model._require_dense("weights_array()")
        D = np.zeros((model.n, model.n))
        for (i, j), d in res.items():
            D[i, j] = float(d)
        return D
