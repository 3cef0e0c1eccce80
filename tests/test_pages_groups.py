"""Dimensionless groups on the derivation pages are used consistently (issue 24).

A page script that declares dimensionless groups (a :class:`~thermotheory.core.presentation.Units`
with its ``groups``, called on closed forms through
:func:`~thermotheory.core.presentation.dimensionless`) is run in fast mode into a temporary folder,
with ``dimensionless`` and ``write_derivation`` wrapped to record the groups, the scales and the
page's sections. On what the page prints (each closed form as the Markdown shows it, after the
page's notation and :func:`~thermotheory.core.presentation.compact`) and on its Markdown text:

(a) a group symbol means one combination on the whole page: every printed definition of it and
    every declaration of it agree, its ``where`` lines read the same in every section, the
    glossary has one row for it (and a monomial written there is the same combination), no other
    symbol prints as it, and no two group symbols name the same combination (or a power of it);
(b) a form of a dimensionless section written in groups has no raw parameter left that a group
    absorbs (every raw parameter is one of the section's scales), and, holding the groups fixed,
    moving any raw parameter changes the form only as a power of it (the scale in front): the form
    is a scale times a function of the groups alone (checked numerically at random points);
(c) a form of a dimensionless section printed in raw parameters is flagged when the section's
    groups would print it shorter (:func:`~thermotheory.core.presentation.size`).

Each check is also run on deliberately broken variants of a real page, and must fail there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp

from thermotheory.core import presentation as _presentation
from thermotheory.core.closedform import ClosedForm, latex_of
from thermotheory.core.evaluate import latex
from thermotheory.core.presentation import compact, equal_at_random_points, size
from thermotheory.derivation import Derivation
from thermotheory.errors import ModelError

from .page_runs import DERIVATIONS, Call, page_run
from .test_derivations import SLOW

#: A page declares groups when its script writes closed forms through a model's ``UNITS``, a ``Units``
#: or ``dimensionless`` directly.
_DECLARES = re.compile(r"\bUNITS\b|\bUnits\(|\bdimensionless\(")
GROUP_PAGES = sorted(p.stem for p in DERIVATIONS.glob("*.py") if _DECLARES.search(p.read_text()))


# -- what a page is made of ------------------------------------------------------------------------------------------

@dataclass
class Section:
    """A part of a page: its heading, its forms as given and as printed, and the call behind each form (or None)."""

    title: str
    given: dict  # quantity name -> the value the script passed
    shown: dict  # printed name (LaTeX) -> the compacted value the page prints
    calls: list  # per shown form, in order: the Call whose result it is, or None

    @property
    def dimensionless(self) -> bool:
        return any(c is not None for c in self.calls)

    @property
    def units(self) -> Call | None:
        """The call most forms of the section come from (its scales and groups)."""
        calls = [c for c in self.calls if c is not None]
        if not calls:
            return None
        counts: dict[tuple, int] = {}
        for c in calls:
            counts[c.scales] = counts.get(c.scales, 0) + 1
        top = max(counts, key=counts.get)
        return next(c for c in calls if c.scales == top)


@dataclass
class Page:
    """A generated page: its sections (the first is the page's own part), the calls made, its Markdown."""

    name: str
    sections: list
    calls: list
    md: str
    declared: dict = field(default_factory=dict)  # group symbol -> (value, LaTeX) from every call


def _latex_name(sym: sp.Symbol, names: dict) -> str:
    return latex_of(sym, symbol_names={k: v for k, v in names.items() if k == sym})


def build_page(name: str, parts: list, calls: list, md: str) -> Page:
    """A :class:`Page` from the ``(title, model, quantities)`` parts passed to ``write_derivation``."""
    from thermotheory.export.derivation import page_notation

    notation = page_notation([(m, q) for _, m, q in parts])
    sections = []
    for title, model, quantities in parts:
        given = dict(quantities.items()) if hasattr(quantities, "items") else dict(quantities)
        shown_raw = notation.notation(quantities)
        assert len(shown_raw) == len(given), f"{name}: the page shows {len(shown_raw)} forms of {len(given)}"
        owners = [next((c for c in calls if isinstance(original, ClosedForm) and c.result == original), None)
                  for original in given.values()]
        if not any(owners):  # forms in groups that no call returned (edited after): the call that declares them
            for k, form in enumerate(shown_raw.values()):
                defined = {s for s, _ in form.definitions} if isinstance(form, ClosedForm) else set()
                owners[k] = next((c for c in calls if defined & (set(c.groups) | {s for s, _ in getattr(
                    c.result, "definitions", ())})), None)
        # as printed (the page compacts each form); the sections in raw parameters only lend their symbols to (a)
        shown = {printed: compact(value) if any(owners) else value for printed, value in shown_raw.items()}
        sections.append(Section(title, given, shown, owners))
    declared: dict = {}
    for c in calls:
        for sym, value in c.groups.items():
            declared.setdefault(sym, (sp.sympify(value), _latex_name(sym, c.names)))
        if isinstance(c.result, ClosedForm):
            for sym, value in c.result.definitions:
                declared.setdefault(sym, (sp.sympify(value), _latex_name(sym, c.result.names)))
    return Page(name, sections, list(calls), md, declared)


def _parts(args: tuple, kwargs: dict) -> list:
    bound = dict(zip(("name", "title", "model", "quantities", "out"), args))
    bound.update(kwargs)
    return [(bound["title"], bound["model"], bound["quantities"]),
            *((s[0], s[1], s[2]) for s in bound.get("sections", ()))]


def page_from_arguments(args: tuple, kwargs: dict, calls: list, md: str) -> Page:
    """A :class:`Page` from ``write_derivation``'s arguments, its recorded calls and the Markdown written."""
    return build_page(args[0], _parts(args, kwargs), calls, md)


# -- numbers ---------------------------------------------------------------------------------------------------------

def _evaluator(expr: sp.Expr, symbols: list):
    f = sp.lambdify(symbols, expr, "mpmath")

    def value(point: dict) -> float:
        with mpmath.workdps(30):
            try:
                v = mpmath.mpmathify(f(*[mpmath.mpf(point[s]) for s in symbols]))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                return math.nan
            if isinstance(v, mpmath.mpc):
                if abs(v.imag) > 1e-20 * max(1, abs(v.real)):
                    return math.nan
                v = v.real
            return float(v)

    return value


def _exponents(value: sp.Expr) -> dict | None:
    """``{symbol: exponent}`` of a monomial (numeric factor dropped), or None if ``value`` is not one."""
    out: dict = {}
    for factor in sp.Mul.make_args(sp.powsimp(sp.sympify(value), force=True)):
        if factor.is_number:
            continue
        base, exp = factor.as_base_exp()
        if not (isinstance(base, sp.Symbol) and exp.is_Rational):
            return None
        out[base] = out.get(base, 0) + exp
    return out


# -- (a) one group, one combination ----------------------------------------------------------------------------------

_WHERE_LINE = re.compile(r"^- \$(?P<name>.+?) = (?P<value>.*)\$$")


def _md_sections(md: str) -> list[tuple[str, list[str]]]:
    """``(heading, lines)`` for the page's parts (the text before the first ``##`` is the page's own part)."""
    out: list[tuple[str, list[str]]] = [("", [])]
    for line in md.splitlines():
        if line.startswith("## "):
            out.append((line[3:], []))
        else:
            out[-1][1].append(line)
    return out


def _where_lines(lines: list[str]) -> list[tuple[str, str]]:
    """The ``(name, value)`` LaTeX of the definitions listed under "where"."""
    out, inside = [], False
    for line in lines:
        if line.strip() == "where":
            inside = True
            continue
        if inside:
            m = _WHERE_LINE.match(line)
            if m:
                out.append((m["name"], m["value"]))
            elif line.strip() and not line.startswith("- "):
                inside = False
    return out


def _glossary_rows(md: str) -> list[tuple[list[str], str]]:
    """``(symbols, meaning)`` of the rows of the page's glossary (the "Notation" table)."""
    rows, inside = [], False
    for line in md.splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## Notation"
            continue
        if inside and line.startswith("| ") and not line.startswith("| ---") and not line.startswith("| symbol |"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            rows.append((re.findall(r"\$([^$]+)\$", cells[0]), cells[1] if len(cells) > 1 else ""))
    return rows


def _plain(latex: str) -> str:
    """LaTeX without braces, its spaces kept as one (they separate ``\\gamma u``)."""
    return re.sub(r"\s+", " ", re.sub(r"[{}]", "", latex)).strip()


def _braced(text: str, start: int) -> tuple[str, int] | None:
    """The group ``{...}`` opening at ``text[start]`` (without its braces) and the index after it."""
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i], i + 1
    return None


def monomial_from_latex(text: str, symbols: list) -> sp.Expr | None:
    r"""A monomial written ``a^2 b / c`` or ``\frac{a b}{c}`` in LaTeX, over ``symbols``; None if it is not one."""
    by_name: dict[str, sp.Expr] = {_plain(latex_of(s)): s for s in symbols}
    text = text.strip()
    while r"\sqrt{" in text:  # a root of a monomial is a monomial: read it first, as one more name
        at = text.index(r"\sqrt{")
        inner = _braced(text, at + len(r"\sqrt"))
        root = monomial_from_latex(inner[0], symbols) if inner else None
        if root is None:
            return None
        key = r"\root" + "abcdefghij"[len(by_name) % 10] * (1 + len(by_name) // 10)
        by_name[key] = sp.sqrt(root)
        text = text[:at] + " " + key + " " + text[inner[1]:]
    if text.startswith(r"\frac"):
        top = _braced(text, len(r"\frac"))
        bottom = _braced(text, top[1]) if top else None
        if bottom is None or text[bottom[1]:].strip():
            return None
        pieces = [_plain(top[0]), _plain(bottom[0])]
    else:
        pieces = _plain(text).split("/")
    if not 1 <= len(pieces) <= 2:
        return None
    token = re.compile(r"(\\[A-Za-z]+|[A-Za-z])(_[A-Za-z0-9]+)?(?:\^(-?[0-9]+))?")
    out = sp.Integer(1)
    for k, piece in enumerate(pieces):
        pos = 0
        while pos < len(piece):
            if piece[pos] == " ":
                pos += 1
                continue
            t = token.match(piece, pos)
            sym = by_name.get(t[1] + (t[2] or "")) if t else None
            if sym is None:
                return None
            out *= sym ** ((int(t[3]) if t[3] else 1) * (1 if k == 0 else -1))
            pos = t.end()
    return out


def definition_defects(page: Page) -> list[str]:
    """(a): every group symbol of the page means one combination, is defined once, and has one name."""
    defects: list[str] = []
    printed: dict[str, list[tuple[str, sp.Expr]]] = {}  # LaTeX of a group -> (where, value) wherever defined
    groups = {latex: (sym, value) for sym, (value, latex) in page.declared.items()}
    for sym, (value, latex) in page.declared.items():
        printed.setdefault(latex, []).append(("declared", value))
    for section in page.sections:
        for form in (section.shown.values() if section.dimensionless else ()):
            for sym in _group_symbols(form):
                value = dict(form.definitions)[sym]
                groups.setdefault(_latex_name(sym, form.names), (sym, value))
    for section in page.sections:
        for shown_name, form in section.shown.items():
            if isinstance(form, ClosedForm):
                for sym, value in form.definitions:
                    latex = _latex_name(sym, form.names)
                    if latex in groups:
                        printed.setdefault(latex, []).append((f"{section.title or 'page'}: {shown_name}", value))
    for latex, where in printed.items():
        first = where[0][1]
        for place, value in where[1:]:
            if not equal_at_random_points(value, first):
                defects.append(f"{page.name}: ${latex}$ is {first} ({where[0][0]}) and {value} ({place})")
    # no two names for one combination (or a power of it)
    names = sorted(groups)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ea, eb = _exponents(groups[a][1]), _exponents(groups[b][1])
            if not ea or not eb or set(ea) != set(eb):
                continue
            ratios = {sp.Rational(ea[s]) / sp.Rational(eb[s]) for s in ea}
            if len(ratios) == 1:
                defects.append(f"{page.name}: ${a}$ = {groups[a][1]} and ${b}$ = {groups[b][1]} name one combination")
    # no other symbol prints as a group
    used = {sym for sym, _ in groups.values()} | {sym for sym in page.declared}
    for section in page.sections:
        for form in section.shown.values():
            for sym in (form.free_symbols if isinstance(form, ClosedForm) else sp.sympify(form).free_symbols):
                if sym not in used and latex_of(sym) in groups:
                    defects.append(f"{page.name}: ${latex_of(sym)}$ is the group {groups[latex_of(sym)][1]} and the "
                                   f"parameter {sym} ({section.title or 'page'})")
    # the text: one "where" line per group, the same in every section; one glossary row, the same combination
    lines: dict[str, set[str]] = {}
    for heading, body in _md_sections(page.md):
        for name, value in _where_lines(body):
            if name in groups:
                lines.setdefault(name, set()).add(value)
    for name, values in lines.items():
        if len(values) > 1:
            defects.append(f"{page.name}: ${name}$ is written {sorted(values)} on the page")
    params = sorted({s for _, v in groups.values() for s in sp.sympify(v).free_symbols}, key=lambda s: s.name)
    rows = _glossary_rows(page.md)
    for name, (sym, value) in groups.items():
        mine = [meaning for symbols, meaning in rows if name in symbols]
        if len(mine) > 1:
            defects.append(f"{page.name}: the glossary has {len(mine)} rows for ${name}$")
        for meaning in mine:
            for math_text in re.findall(r"\$([^$]+)\$", meaning):
                said = monomial_from_latex(math_text, params)
                if said is not None and not equal_at_random_points(said, value):
                    defects.append(f"{page.name}: the glossary says ${name}$ is {said}, the page defines {value}")
        shown_in = [s.title for s in page.sections if s.dimensionless
                    and any(sym in f.expr.free_symbols for f in s.shown.values() if isinstance(f, ClosedForm))]
        if shown_in and name not in lines and not mine:
            defects.append(f"{page.name}: ${name}$ is used ({shown_in[0]}) but defined nowhere on the page")
    return defects


# -- (b) no raw parameter left that a group absorbs ------------------------------------------------------------------

def _group_symbols(form: Any) -> set:
    """The defined names of a printed form that are groups: dimensionless monomials of the parameters."""
    if not isinstance(form, ClosedForm):
        return set()
    return {sym for sym, value in form.definitions
            if isinstance(sym, sp.Symbol) and _exponents(value) is not None}


def _numbers(units: Call) -> set:
    """The section's parameters that are pure numbers (dimension ``{}``): each is a group of its own (``N``)."""
    return {p for p, dim in units.dimensions.items() if not any(dim.values())}


def _raw(form: Any) -> set:
    expr = form.expr if isinstance(form, ClosedForm) else sp.sympify(form)
    defined = {sym for sym, _ in form.definitions} if isinstance(form, ClosedForm) else set()
    return {s for s in expr.free_symbols if s not in defined and isinstance(s, sp.Symbol)}


def _forms_of_group_sections(page: Page):
    """``(section, its units call, printed name, form)`` for each form of the page's sections in groups."""
    for section in page.sections:
        if section.units is not None:
            for printed, form in section.shown.items():
                yield section, section.units, printed, form


def leftover_defects(page: Page, seed: int = 0) -> list[str]:
    """(b): forms of the dimensionless sections written in groups are a scale times a function of the groups.

    Symbolically, every raw parameter of such a form is one of the section's scales. Numerically,
    at random points with the groups held fixed, moving one raw parameter by a factor ``c``
    changes the form by ``c**k`` with the same ``k`` everywhere (the parameter sits only in the
    scale in front: a direction that keeps every group fixed leaves the function of the groups
    unchanged).
    """
    rng = np.random.default_rng(seed)
    defects: list[str] = []
    for section, units, printed, form in _forms_of_group_sections(page):
        groups = _group_symbols(form)
        if not groups:
            continue  # printed in raw parameters: (c)
        numbers = _numbers(units)
        raw = _raw(form) - numbers
        groups |= numbers & _raw(form)
        for p in sorted(raw - set(units.scales), key=lambda s: s.name):
            absorbed = [sp.latex(g) for g, v in units.groups.items() if p in sp.sympify(v).free_symbols]
            defects.append(f"{page.name}, {section.title}: ${printed}$ leaves the raw parameter {p} beside the "
                           f"groups (not a scale{'; absorbed by ' + ', '.join(absorbed) if absorbed else ''})")
        expr = sp.sympify(form.expr).doit()
        symbols = sorted(raw | (groups & expr.free_symbols), key=lambda s: s.name)
        value = _evaluator(expr, symbols)
        points = [{s: float(rng.uniform(0.6, 1.8)) for s in symbols} for _ in range(3)]
        for p in sorted(raw, key=lambda s: s.name):
            powers = []
            for point in points:
                here = value(point)
                if not math.isfinite(here) or here == 0:
                    continue
                for c in (1.3, 1.9):
                    there = value({**point, p: point[p] * c})
                    ratio = there / here
                    powers.append(math.log(ratio) / math.log(c) if ratio > 0 else math.nan)
            if powers and (not all(map(math.isfinite, powers)) or max(powers) - min(powers) > 1e-9):
                defects.append(f"{page.name}, {section.title}: ${printed}$ at fixed groups depends on {p} "
                               f"beyond a power of it (not a function of the groups alone)")
    return defects


# -- (c) raw forms that the groups would shorten ---------------------------------------------------------------------

def raw_form_defects(page: Page) -> list[str]:
    """(c): a form of a dimensionless section printed in raw parameters that its groups would print shorter."""
    defects: list[str] = []
    for section, units, printed, form in _forms_of_group_sections(page):
        if _group_symbols(form):
            continue
        explicit = form.explicit() if isinstance(form, ClosedForm) else sp.sympify(form)
        if not (_raw(form) - set(units.scales) - _numbers(units)):
            continue  # in the scales alone (a constant, sigma_w^2): nothing for a group to absorb
        try:
            grouped = _presentation.dimensionless(explicit, units.dimensions, units.scales, units.groups,
                                                  units.names)
        except ModelError:
            continue  # not homogeneous in the declared dimensions: no group form to compare
        if size(grouped) < size(form):
            defects.append(f"{page.name}, {section.title}: ${printed}$ is printed in raw parameters but is "
                           f"shorter in the groups: {grouped.latex(where=False)}")
    return defects


def _said_through(md: str, label: str, shown: dict) -> bool:
    r"""Whether the page writes ``label`` through the labels of other results of its section only (a relation,
    :math:`\dot S^{\mathrm{tot}}_x = \Phi_x - l_x`), or as a monomial of symbols times one (a multiple,
    :math:`\operatorname{var} W(t) = 2 T \langle W \rangle(t)`): its form is then not printed, and the groups are those
    forms'."""
    start = f"- ${label} = "
    line = next((ln for ln in md.splitlines() if ln.startswith(start)), None)
    if line is None:
        return False
    rest = line[len(start):].rstrip("$")
    for other in sorted((n for n in shown if n != label), key=len, reverse=True):
        rest = rest.replace(other, " ")
    if rest == line[len(start):].rstrip("$"):
        return False
    monomial = r"(?:\s|\d|[A-Za-z]|[_^](?:\{[^{}]*\}|\w)|\\[A-Za-z]+(?:\{[^{}]*\})?)*"
    return re.fullmatch(r"[\s+\-{}]*|\\frac\{\s*\}\{\s*\}|" + monomial, rest) is not None


def group_defects(page: Page) -> list[str]:
    """Every defect (a), (b) and (c) of a page."""
    return definition_defects(page) + leftover_defects(page) + raw_form_defects(page)


# -- the pages -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pages():
    """``pages(name)`` -> (Page, write_derivation's arguments), from the script's one shared fast run
    (:func:`tests.page_runs.page_run`, also the run that tests/test_derivations.py compares with the docs)."""

    def get(name: str):
        run = page_run(name)
        assert run.arguments is not None, f"{name}.py did not call write_derivation"
        args, kwargs = run.arguments
        return page_from_arguments(args, kwargs, list(run.calls), run.md), (args, kwargs)

    return get


def test_the_group_pages_are_found():
    assert {"decoder", "particle", "synapse"} <= set(GROUP_PAGES)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in GROUP_PAGES])
def test_page_uses_its_groups_consistently(name, pages):
    page, _ = pages(name)
    assert page.calls, f"{name}.py mentions groups but wrote no closed form through dimensionless()"
    assert any(s.dimensionless for s in page.sections), f"{name}: no section prints a form in its groups"
    for section in (s for s in page.sections if s.dimensionless):  # what is checked is what the page prints
        for label, form in section.shown.items():
            text = form.latex(where=False) if isinstance(form, ClosedForm) else latex(form)
            assert text in page.md or _said_through(page.md, label, section.shown), \
                f"{name}: a form checked here is not on the page: {text[:80]}"
    defects = group_defects(page)
    assert not defects, "\n".join(defects)


# -- the checks fail on broken variants of a real page ---------------------------------------------------------------

def _variant(pages, tmp_path, change, append: bool = False) -> Page:
    """The currents page (fast; groups rho and SNR) with its dimensionless section changed, written anew.

    ``change`` maps the section's entries ``(name, quantity, value)`` to new ones; with ``append``
    the changed copy is added as one more section and the original kept.
    """
    from thermotheory.export import write_derivation

    page, (args, kwargs) = pages("currents")
    k = next(i for i, s in enumerate(page.sections) if s.dimensionless) - 1
    sections = list(kwargs["sections"])
    title, model, derivation, *rest = sections[k]
    entries = [(n, derivation.quantity(n), v) for n, v in derivation.items()]
    changed = (title + " (again)" if append else title, model, Derivation(model, change(entries)), *rest)
    sections = [*sections, changed] if append else [*sections[:k], changed, *sections[k + 1:]]
    kwargs = {**kwargs, "sections": sections}
    args = (*args[:4], tmp_path, *args[5:])
    _, md = write_derivation(*args, **kwargs)
    return page_from_arguments(args, kwargs, page.calls, md.read_text())


def _symbol(entries, name: str) -> sp.Symbol:
    """The symbol called ``name`` among the forms of ``entries``: a group they define or a parameter."""
    return next(s for _, _, v in entries if isinstance(v, ClosedForm)
                for s in v.free_symbols | {d for d, _ in v.definitions} if s.name == name)


def test_the_real_page_passes_before_it_is_broken(pages):
    page, _ = pages("currents")
    assert any(s.dimensionless for s in page.sections)
    assert not group_defects(page), group_defects(page)


def test_a_leftover_raw_parameter_is_flagged(pages, tmp_path):
    def leave_tau_n(entries):
        rho, tau_n, tau_v = (_symbol(entries, n) for n in ("rho", "tau_n", "tau_v"))
        (n, q, v), *rest = entries
        return [(n, q, ClosedForm(v.expr.xreplace({rho: tau_n / tau_v}), v.definitions, v.names)), *rest]

    page = _variant(pages, tmp_path, leave_tau_n)
    found = leftover_defects(page)
    assert any("raw parameter tau_n" in d for d in found), found
    assert any("depends on tau_n beyond a power" in d for d in found), found
    assert not definition_defects(page), definition_defects(page)


def test_a_scale_inside_the_function_of_the_groups_is_flagged(pages, tmp_path):
    def scale_inside(entries):
        rho, tau_v = _symbol(entries, "rho"), _symbol(entries, "tau_v")
        (n, q, v), *rest = entries  # the scale tau_v inside the function of the groups, not in front of it
        return [(n, q, ClosedForm(v.expr.xreplace({rho: rho + tau_v - 1}), v.definitions, v.names)), *rest]

    found = leftover_defects(_variant(pages, tmp_path, scale_inside))
    assert any("depends on tau_v beyond a power" in d for d in found), found
    assert not any("raw parameter" in d for d in found), found  # tau_v is a scale: only the numbers see it


def test_a_form_in_raw_parameters_shorter_in_groups_is_flagged(pages, tmp_path):
    def raw_ratio(entries):
        return [(n, q, v.explicit() if n == "uncertainty_ratio_Q" else v) for n, q, v in entries]

    page = _variant(pages, tmp_path, raw_ratio)
    found = raw_form_defects(page)
    assert any("shorter in the groups" in d for d in found), found
    assert not leftover_defects(page), leftover_defects(page)


def test_a_group_defined_two_ways_is_flagged(pages, tmp_path):
    def flip(entries):
        rho = _symbol(entries, "rho")
        return [(n, q, ClosedForm(v.expr, [(s, 1 / d if s == rho else d) for s, d in v.definitions], v.names))
                for n, q, v in entries]

    found = definition_defects(_variant(pages, tmp_path, flip, append=True))
    assert any(r"$\rho$ is tau_n/tau_v" in d for d in found), found  # two combinations for rho
    assert any(r"$\rho$ is written" in d for d in found), found  # two "where" lines for rho


def test_two_names_for_one_group_are_flagged(pages, tmp_path):
    def rename(entries):
        rho, r = _symbol(entries, "rho"), sp.Symbol("r", positive=True)
        return [(n, q, ClosedForm(v.expr.xreplace({rho: r}), [(r if s == rho else s, d) for s, d in v.definitions],
                                  v.names)) for n, q, v in entries]

    found = definition_defects(_variant(pages, tmp_path, rename, append=True))
    assert any("name one combination" in d for d in found), found


def test_the_glossary_monomial_is_read():
    a, b, g = sp.symbols("tau_n tau_v g", positive=True)
    assert monomial_from_latex(r"\tau_n / \tau_v", [a, b, g]) == a / b
    assert monomial_from_latex(r"g^2 \tau_n / \tau_v", [a, b, g]) == g**2 * a / b
    assert monomial_from_latex(r"\frac{g^{2} \tau_{n}}{\tau_{v}}", [a, b, g]) == g**2 * a / b
    k, m, gamma = sp.symbols("k m gamma", positive=True)
    assert monomial_from_latex(r"\sqrt{k m} / \gamma", [k, m, gamma]) == sp.sqrt(k * m) / gamma
    assert monomial_from_latex(r"\sqrt{k + m}", [k, m, gamma]) is None
    assert monomial_from_latex(r"\ln \tau_n", [a, b, g]) is None
    assert monomial_from_latex(r"\frac{\gamma u}{\sqrt{T} \sqrt{k}}", [k, gamma, *sp.symbols("u T", positive=True)]) \
        == gamma * sp.Symbol("u", positive=True) / sp.sqrt(sp.Symbol("T", positive=True) * k)
