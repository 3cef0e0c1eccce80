"""Sphinx extension: the notation table and the entries of the registered quantities, read from the registry.

Nothing here is typed by hand: the rows come from :data:`thermotheory.quantity.QUANTITIES` at
build time, so the table cannot go stale.

``quantity-table``
    A table of every registered quantity: its name (linked to its entry), its notation
    (the quantity's LaTeX pattern with its roles filled in), its meaning, kind, units,
    roles and reference (a citation into ``references.bib``).
``quantity-entries``
    One API entry per quantity (its docstring by autodoc).

Every autodoc entry of a quantity, on any page, ends with its notation, kind, units, the
model kinds with a closed form or an estimator, and its reference.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

from docutils.parsers.rst import Directive
from docutils.statemachine import StringList

__all__ = ["registered_quantities", "notation", "qualified_name", "table_markdown", "setup"]


def registered_quantities() -> dict[str, Any]:
    """Every registered quantity by name, in registration order.

    Imports :mod:`thermotheory.registry` and every module of :mod:`thermotheory.models`, so
    that a quantity registered by a model module is listed too.
    """
    import thermotheory
    import thermotheory.models
    import thermotheory.registry  # noqa: F401  (fills QUANTITIES)
    from thermotheory.quantity import QUANTITIES

    for info in pkgutil.iter_modules(thermotheory.models.__path__, "thermotheory.models."):
        importlib.import_module(info.name)
    return dict(QUANTITIES)


def _role_symbol(role: Any) -> str:
    if role.what == "state" or (role.what == "time" and role.optional):
        return ""  # no notation of its own; an optional time gives the stationary form
    return role.name if len(role.name) == 1 else rf"\mathrm{{{role.name}}}"


def notation(q: Any) -> str:
    r"""The quantity's notation with its roles filled in by their names.

    Single-letter roles stand for themselves, longer ones are set upright
    (``\Phi_{\mathrm{subsystem}}``); an optional time and the initial state are left out
    (the stationary form), as :meth:`thermotheory.BoundQuantity.latex` does for unbound roles.
    """
    return q.symbol.format(**{r.name: _role_symbol(r) for r in q.roles}).replace("_{}", "")


def qualified_name(q: Any) -> str | None:
    """Where the quantity can be imported from: ``thermotheory.<name>`` or a module that holds it (None if nowhere)."""
    import thermotheory

    if getattr(thermotheory, q.name, None) is q:
        return f"thermotheory.{q.name}"
    for module in ("thermotheory.registry", *(f"thermotheory.models.{m.name}" for m in
                                              pkgutil.iter_modules(importlib.import_module("thermotheory.models").__path__))):
        if getattr(importlib.import_module(module), q.name, None) is q:
            return f"{module}.{q.name}"
    return None


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|#$])")


def _text(s: str) -> str:
    return _MARKDOWN_SPECIALS.sub(r"\\\1", s)


def _roles(q: Any) -> str:
    required = [f"`{r.name}`" for r in q.roles if not r.optional]
    optional = [f"`{r.name}`" for r in q.roles if r.optional]
    parts = [", ".join(required)] if required else []
    if optional:
        parts.append("optional " + ", ".join(optional))
    return "; ".join(parts)


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(4, longest + 1)


def table_markdown(quantities: dict[str, Any]) -> str:
    """The MyST source of the notation table (a ``list-table``)."""
    rows = ["* - quantity", "  - notation", "  - meaning", "  - kind", "  - units", "  - roles", "  - reference"]
    for name, q in quantities.items():
        target = qualified_name(q)
        link = f"{{py:obj}}`{name} <{target}>`" if target else f"`{name}`"
        rows += [f"* - {link}", f"  - {{math}}`{notation(q)}`", f"  - {_text(q.description)}", f"  - {q.kind}",
                 f"  - {_text(q.units)}", f"  - {_roles(q)}", f"  - {{cite:p}}`{q.reference}`"]
    body = "\n".join(rows)
    fence = _fence(body)
    return f"{fence}{{list-table}}\n:header-rows: 1\n:class: quantities\n\n{body}\n{fence}\n"


def entries_markdown(quantities: dict[str, Any]) -> str:
    """The MyST source of one autodoc entry per quantity."""
    blocks = []
    for name, q in quantities.items():
        target = qualified_name(q)
        if target is None:
            blocks.append(f"**{name}**: {_text(q.description)} (not importable from thermotheory)")
        else:
            blocks.append(f"````{{eval-rst}}\n.. autofunction:: {target}\n````")
    return "\n\n".join(blocks) + "\n"


class _Generated(Directive):
    """A directive whose content is MyST source generated from the registry."""

    has_content = False

    def markdown(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self) -> list[Any]:
        from docutils import nodes

        env = self.state.document.settings.env
        for module in ("thermotheory.quantity", "thermotheory.registry"):  # rebuild the page when these change
            env.note_dependency(importlib.import_module(module).__file__)
        container = nodes.container()
        self.state.nested_parse(StringList(self.markdown().splitlines(), source="registry"), self.content_offset,
                                container)
        return container.children


class QuantityTable(_Generated):
    def markdown(self) -> str:
        return table_markdown(registered_quantities())


class QuantityEntries(_Generated):
    def markdown(self) -> str:
        return entries_markdown(registered_quantities())


def _models(q: Any) -> str:
    closed = ["linear", *sorted(k for k in q.closed_forms if k != "linear")]
    estimated = sorted({f"{kind} ({regime})" for kind, regime in q.estimators})
    text = f"closed form on {', '.join(closed)} models"
    if estimated:
        text += f"; Monte Carlo estimators for {', '.join(estimated)}"
    return text


def _append_metadata(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    from thermotheory.quantity import Quantity

    if not isinstance(obj, Quantity):
        return
    lines += ["", f":Notation: :math:`{notation(obj)}`", f":Kind: {obj.kind}", f":Units: {obj.units}",
              f":Models: {_models(obj)}", f":Reference: :cite:p:`{obj.reference}`", ""]


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.add_directive("quantity-table", QuantityTable)
    app.add_directive("quantity-entries", QuantityEntries)
    app.connect("autodoc-process-docstring", _append_metadata, priority=900)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
