"""Deprecated spellings of arguments, kept for one release with a ``DeprecationWarning``.

The deprecated spellings are declared once, in :data:`thermotheory.core.roles.RENAMED_KEYWORDS`
and :data:`~thermotheory.core.roles.KEYWORD_ONLY`; a function takes its own with
:func:`deprecated_keywords` (``@deprecated_keywords("heat_rate")``), which applies the
decorators below. Two decorators, one per kind of change of a function's arguments:

- :func:`renamed_keywords` accepts an old keyword as an alias of its new name
  (``information_flow(model, into=r)`` for ``subsystem=r``);
- :func:`keyword_only_after` accepts arguments that became keyword-only in their old
  positional slots (``LinearSDE.from_matrices(A, D, b)`` for ``b=b``);

and, for a module whose names moved, :func:`moved_module` (``thermotheory.result`` is now
:mod:`thermotheory.montecarlo.uncertainty`): each name taken from the old module warns.

The decorators warn once per call, naming the new spelling and pointing at the caller's line outside
the package (:func:`~thermotheory.core.checks.user_stacklevel`), and refuse (with
:class:`~thermotheory.errors.ModelError`) a call that gives the same argument both ways.
The wrapped function keeps its own signature for :func:`inspect.signature` (through
``__wrapped__``), so documentation and argument binding show only the new spelling;
:func:`canonical_keywords` translates a dictionary of keywords for callers that bind
arguments themselves (``verify``, the catalog).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import ModelError
from .checks import _PACKAGE, user_stacklevel
from .roles import KEYWORD_ONLY, RENAMED_KEYWORDS

__all__ = ["deprecated_keywords", "renamed_keywords", "keyword_only_after", "canonical_keywords", "moved_module"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: Attribute on a wrapped function that maps each deprecated keyword to its new name.
RENAMED = "__renamed_keywords__"


def _positional_names(fn: Callable[..., Any]) -> list[str]:
    return [p.name for p in inspect.signature(fn).parameters.values()
            if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]


def _translate(name: str, renames: Mapping[str, str], positional: list[str], n_args: int,
               kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with each deprecated keyword replaced by its new name (warning once per keyword)."""
    out = dict(kwargs)
    for old, new in renames.items():
        if old not in out:
            continue
        given_positionally = new in positional and positional.index(new) < n_args
        if new in out or given_positionally:
            raise ModelError(f"{name}: {old}= is the deprecated name of {new}=; give {new}= only, not both")
        warnings.warn(f"{name}: the keyword {old}= is deprecated and will be removed in the next release; "
                      f"use {new}=", DeprecationWarning, stacklevel=user_stacklevel())
        out[new] = out.pop(old)
    return out


def renamed_keywords(**old_to_new: str) -> Callable[[_F], _F]:
    """Accept each old keyword as a deprecated alias of its new name.

    Parameters
    ----------
    **old_to_new : str
        ``old="new"`` for each renamed keyword.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(into="subsystem")
    ... def flow(model, subsystem):
    ...     return subsystem
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     flow(None, into="r")
    'r'
    >>> str(caught[0].message)
    'flow: the keyword into= is deprecated and will be removed in the next release; use subsystem='
    """

    def decorate(fn: _F) -> _F:
        positional = _positional_names(fn)
        params = inspect.signature(fn).parameters
        for old, new in old_to_new.items():
            if new not in params or old in params:
                raise TypeError(f"{fn.__name__}: cannot alias {old}= to {new}=")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if kwargs:
                kwargs = _translate(fn.__name__, old_to_new, positional, len(args), kwargs)
            return fn(*args, **kwargs)

        setattr(wrapper, RENAMED, {**getattr(fn, RENAMED, {}), **old_to_new})
        return wrapper  # type: ignore[return-value]

    return decorate


def keyword_only_after(*names: str) -> Callable[[_F], _F]:
    """Accept ``names``, now keyword-only, in the positional slots they had before (deprecated).

    Parameters
    ----------
    *names : str
        The keyword-only parameters, in the order of their old positional slots (right
        after the function's positional parameters).

    Examples
    --------
    >>> import warnings
    >>> @keyword_only_after("b")
    ... def build(A, D, *, b=None):
    ...     return (A, D, b)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     build(1, 2, 3)
    (1, 2, 3)
    """

    def decorate(fn: _F) -> _F:
        positional = _positional_names(fn)
        params = inspect.signature(fn).parameters
        for n in names:
            if n not in params or params[n].kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"{fn.__name__}: {n} is not a keyword-only parameter")
        public = fn.__name__
        bound = 1 if positional[:1] in (["cls"], ["self"]) else 0  # not counted in messages

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            extra = args[len(positional):]
            if extra:
                if len(extra) > len(names):
                    raise ModelError(f"{public}: expected at most {len(positional) + len(names) - bound} positional "
                                     f"arguments but found {len(args) - bound}")
                moved = names[:len(extra)]
                both = [n for n in moved if n in kwargs]
                if both:
                    raise ModelError(f"{public}: {both[0]} is given both positionally and as {both[0]}=")
                shown = ", ".join(f"{n}=" for n in moved)
                warnings.warn(f"{public}: passing {', '.join(moved)} positionally is deprecated and will be "
                              f"refused in the next release; pass {shown} as keywords", DeprecationWarning,
                              stacklevel=user_stacklevel())
                kwargs = {**kwargs, **dict(zip(moved, extra))}
                args = args[:len(positional)]
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def deprecated_keywords(name: str) -> Callable[[_F], _F]:
    """Accept the deprecated spellings of the arguments of the function ``name``, as the one table declares them.

    Applies :func:`keyword_only_after` with ``KEYWORD_ONLY[name]`` and :func:`renamed_keywords`
    with ``RENAMED_KEYWORDS[name]`` (:mod:`thermotheory.core.roles`), whichever are declared.

    Parameters
    ----------
    name : str
        The function's key in those tables: its public name relative to ``thermotheory``
        (``"heat_rate"``, ``"montecarlo.paths.heat"``, ``"LinearSDE.from_matrices"``).

    Examples
    --------
    >>> import warnings
    >>> @deprecated_keywords("information_flow")
    ... def flow(model, subsystem):
    ...     return subsystem
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     flow(None, into="r")
    'r'
    """
    renames, slots = RENAMED_KEYWORDS.get(name, {}), KEYWORD_ONLY.get(name, ())
    if not renames and not slots:
        raise TypeError(f"{name}: no deprecated keywords are declared for it in thermotheory.core.roles")

    def decorate(fn: _F) -> _F:
        if slots:
            fn = keyword_only_after(*slots)(fn)
        if renames:
            fn = renamed_keywords(**renames)(fn)
        return fn

    return decorate


def canonical_keywords(fn: Callable[..., Any], kwargs: Mapping[str, Any], n_args: int = 0) -> dict[str, Any]:
    """The keywords for ``fn`` with deprecated names replaced by their new ones (warning for each).

    For callers that bind a quantity's arguments themselves (``inspect.signature(fn).bind``
    sees only the new names). ``n_args`` is the number of positional arguments that will be
    passed, the model included (an old keyword given with its new name filled positionally
    is refused).

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(Y="subsystem")
    ... def rate(model, subsystem):
    ...     return subsystem
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     canonical_keywords(rate, {"Y": "x"}, n_args=1)
    {'subsystem': 'x'}
    """
    renames = getattr(fn, RENAMED, None)
    if not renames:
        return dict(kwargs)
    name = getattr(fn, "__name__", "quantity")
    return _translate(name, renames, _positional_names(fn), n_args, dict(kwargs))


def moved_module(old: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of the deprecated module ``old``, whose names now live in ``homes``.

    Each name taken from the old module (``from thermotheory.result import Estimate``, or
    ``module.Estimate``) warns once per use, naming its new home, and gives the very same
    object; other names raise :class:`AttributeError` as for any module. The old module
    imports nothing itself, so importing it (as pytest's doctest collection does) is silent.

    Parameters
    ----------
    old : str
        The dotted name of the deprecated module.
    homes : mapping
        Each name of the old module -> the dotted name of the module it lives in now.

    Examples
    --------
    >>> import warnings
    >>> getattr_ = moved_module("thermotheory.result", {"Estimate": "thermotheory.montecarlo.uncertainty"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     getattr_("Estimate").__name__
    'Estimate'
    >>> str(caught[0].message)
    'thermotheory.result.Estimate is deprecated and will be removed in the next release; import it from thermotheory.montecarlo.uncertainty'
    """

    def __getattr__(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        home = homes[name]
        warnings.warn(f"{old}.{name} is deprecated and will be removed in the next release; import it from {home}",
                      DeprecationWarning, stacklevel=_outside_stacklevel())
        return getattr(importlib.import_module(home), name)

    return __getattr__


def _outside_stacklevel() -> int:
    """The ``stacklevel`` (for its caller's ``warnings.warn``) of the first frame outside the package and importlib."""
    frame, level = sys._getframe(2), 2
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE)
                                 or frame.f_code.co_filename.startswith("<frozen importlib")):
        frame, level = frame.f_back, level + 1
    return level
