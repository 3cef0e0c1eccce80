"""Reports: a complete LaTeX document for one model of the catalog (model, assumptions, closed forms, checks).

:func:`report_tex` is what ``thermotheory report`` writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from ..catalog import APPROXIMATIONS, CatalogEntry
from ..core.closedform import latex_of
from ..core.evaluate import latex
from ..core.layout import align_rows
from ..core.presentation import current_domain, within_domain
from ..derivation import Definition, Derivation
from ..models.lattice import field_equation
from .derivation import (PREAMBLE, PageNotation, bibliography, bibliography_tex, composite_rows, document_rows,
                         glossary_tex, page_namer, quantity_lines, reference_keys, regime_sums, shown_forms, tex_title,
                         unbraced)
from .model_latex import model_latex_lines
from .layout import tex_text

__all__ = ["report_tex"]


def _report_sums(forms: Mapping[str, object], values: Mapping) -> dict:
    """How a report writes its sums (:func:`~thermotheory.export.derivation.regime_sums` at the entry's values)."""
    return regime_sums(list(shown_forms(forms, {}).values()), values)


def _printed(item: CatalogEntry, closed: Mapping[str, object]) -> dict[str, object]:
    """Each closed form in the form that reads shortest (:meth:`~thermotheory.derivation.Derivation.printed_forms`).

    The engine's closed forms of a linear model, or of the linear model that approximates a nonlinear one (its
    linear-noise approximation, :data:`~thermotheory.catalog.APPROXIMATIONS`): its structured form or its quotient
    (the BCM synapse's report printed three polynomials of two and three lines where the structured form reads in
    a few covariance entries); the model's own closed forms and numbers as they are.
    """
    if item.numeric or (item.kind != "linear" and item.kind not in APPROXIMATIONS):
        return dict(closed)
    if all(item.own(n) is not None for n in item.quantities):
        return dict(closed)
    entries = [(n, item.bound(n) if item.own(n) is None else Definition(n, n), closed[n]) for n in item.quantities]
    return Derivation(item.closed_form_model(), entries).printed_forms()


def _assumption(sym: sp.Symbol) -> str:
    for what in ("positive", "nonnegative", "negative", "nonpositive"):
        if getattr(sym, f"is_{what}"):
            return what
    return "real" if sym.is_real else "complex"


def _model_lines(item: CatalogEntry, avoid: Sequence[str] = ()) -> list[str]:
    """The model section: the SDEs, or the lattice field's action and dynamics in words and formulas (``avoid``: the
    report's notations, which labels of the model's own do not take)."""
    if not item.numeric:
        shown = item.shown() if item.shown is not None else item.model()
        if callable(getattr(type(shown), "latex_lines", None)):  # a model: one numbered line per equation
            body = align_rows(model_latex_lines(shown, avoid=avoid))
        else:
            body = latex(shown).replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
        return [r"\begin{align}", body, r"\end{align}", *item.protocol]
    field = item.model()
    sites = f"${field.L}$" if field.d == 1 else f"${field.L}^{{{field.d}}} = {field.L ** field.d}$"
    step = (r"(\phi_{i + 1} - \phi_{i})^2" if field.d == 1
            else rf"\sum_{{\mu=1}}^{{{field.d}}} (\phi_{{i + \mu}} - \phi_{{i}})^2")
    lines = [
        rf"A Gaussian field $\phi$ on a periodic {field.d}-dimensional lattice of {sites} sites (spacing $a$) with the "
        r"action",
        r"\begin{align}",
        rf"S[\phi] &= \sum_i \Big[\frac{{m^2}}{{2}} \phi_{{i}}^2 + \frac{{\lambda}}{{2 a^2}} {step}\Big] "
        r"= \tfrac12 \phi^{\top} K \phi",
        r"\end{align}",
        *_dynamics_lines(field),
        r"Closed forms by FFT (momentum space) and dense covariances of the regions.",
    ]
    regions = item.regions()
    if regions:
        sites = "; ".join(rf"${sp.latex(sym)}$: sites {tex_text(str(value))}" for sym, value in regions.items())
        lines += ["", rf"Regions (coordinates on the lattice): {sites}."]
    return lines


def _dynamics_lines(field: Any) -> list[str]:
    r"""A lattice field's Langevin dynamics: :math:`d\phi = -\Gamma K \phi\, dt + \sqrt{2\Gamma}\, dW` for a
    reciprocal coupling; a non-reciprocal one's drift is not :math:`-\Gamma K \phi`, and its equation is that of
    one site, its neighbours' inputs weighted :math:`1 \pm \epsilon` (:func:`~thermotheory.models.lattice.
    field_equation`; the report printed :math:`-\Gamma K \phi` with the non-reciprocity in words)."""
    if not field.eps:
        return [r"and the Langevin dynamics $d\phi = -\Gamma K \phi\, dt + \sqrt{2\Gamma}\, dW$."]
    return [r"and the Langevin dynamics of each site, the input from the neighbour behind weighted $1 + \epsilon$ and "
            r"from the one ahead $1 - \epsilon$ (non-reciprocal: the static correlations are unchanged, detailed "
            r"balance is broken),",
            r"\begin{align}", align_rows(field_equation(field.d).latex_lines()), r"\end{align}"]


def _page(item: CatalogEntry, forms: Mapping[str, object]) -> tuple[dict[str, str], PageNotation, list]:
    """The notation of each quantity in the report (one symbol, one meaning: :class:`PageNotation`), and its parts.

    A lattice field's regions keep the catalog's letters (its quantities are numbers, the field has no symbols).
    """
    model = None if item.numeric else item.model()
    parts = [(model, [(n, item.quantity(n), forms[n]) for n in item.quantities])]
    page = PageNotation(parts)
    if item.numeric or item.regions():
        by_quantity = {id(item.quantity(n)): item.notation(n) for n in item.quantities}
        page.latex = lambda q: by_quantity.get(id(q)) or q.latex()  # the catalog's region letters
    return {n: page.latex(item.quantity(n)) for n in item.quantities}, page, parts


def _assumption_lines(item: CatalogEntry, notes: list[str] = (), symbol: Mapping[str, str] | None = None) -> list[str]:
    by_kind: dict[str, list[str]] = {}
    for s in item.defaults:
        by_kind.setdefault(_assumption(s), []).append(f"${latex_of(s)}$")  # (k_{\mathrm{on}}, as on the page)
    params = "; ".join(f"{', '.join(names)} {what}" for what, names in by_kind.items())
    lines = [r"\begin{itemize}",
             rf"\item parameters: {params}; $k_B = 1$, information in nats, heat as entropy flow into the medium;"]
    model = item.model()
    if current_domain():  # (report_tex runs within the model's domain)
        bounds = ", ".join(f"${latex_of(c)} > 0$" for c in current_domain())
        what = "rates" if hasattr(model, "states") else "noise strengths"
        lines.append(rf"\item the model's {what} are positive: {bounds}; the closed forms are written for these "
                     "parameters;")
    if not item.numeric:
        parity = ", ".join(f"${latex_of(v)}$: {'odd' if p < 0 else 'even'}" for v, p in zip(
            getattr(model, "variables", ()), getattr(model, "parity", ())))
        if parity:  # a model of continuous variables (a jump process has states instead)
            lines.append(rf"\item parities under time reversal: {parity};")
        if getattr(model, "is_modulated", False):
            lines.append(rf"\item the drift matrix and the noise follow a protocol in the time "
                         rf"${latex_of(model.time)}$;")
    if item.regime == "transient":
        starts = {repr(b.arguments["initial"]): b.arguments["initial"] for b in item.quantities.values()
                  if "initial" in b.arguments}
        for initial in starts.values():
            if hasattr(model, "states"):  # a jump process starts from a distribution (P_s(0), as forms write it)
                start = ", ".join(f"{_start_label(model, s)} = {latex_of(p)}" for s, p in initial.items())
                lines.append(r"\item the quantities are taken at the time in their notation (heat and entropy "
                             rf"production over $[0, t]$) from the distribution ${start}$ over the states;")
                continue
            cov = _covariance(item, initial)
            spread = (f"variance ${latex_of(cov[0, 0])}$" if isinstance(cov, sp.MatrixBase) and cov.shape == (1, 1)
                      else f"covariance ${latex_of(cov)}$")  # (one variable: its variance, not a 1 x 1 matrix)
            lines.append(r"\item the quantities are taken at the time in their notation (heat, work and entropy "
                         rf"production over $[0, t]$) from a Gaussian state of mean zero and {spread};")
    else:
        unique = ("distribution of the (ergodic) network" if hasattr(model, "states") else
                  "state of the stable drift")
        lines.append(rf"\item stationary quantities refer to the unique stationary {unique};")
    if item.approximated() and any(n not in item.theory for n in item.quantities):
        lines.append(rf"\item {APPROXIMATIONS[item.kind][2]};")
    if item.theory:
        own = ", ".join(f"${(symbol or {}).get(n) or item.notation(n)}$" for n in item.theory)
        lines.append(rf"\item {own}: the model's own closed forms (from its module in thermotheory.models, or the "
                     r"published solution named above), checked against the simulated model;")
    lines += [rf"\item {tex_title(note)}" for note in notes]
    lines.append(r"\end{itemize}")
    return lines


def _start_label(model: Any, state: Any) -> str:
    """How a report writes the probability of a jump process's state at the start, as its closed forms do."""
    return rf"P_{{{model.state_latex(state)}}}(0)"


def _start(item: CatalogEntry) -> dict[str, Any]:
    """The probabilities a jump process's report gives its start in its assumptions (``P_{s}(0)`` -> value), which its
    closed forms' definitions need not give again."""
    if item.numeric or item.regime != "transient":
        return {}
    model = item.model()  # (built once: a network's model is not free to build)
    if not hasattr(model, "states"):
        return {}
    return {_start_label(model, s): p for b in item.quantities.values() if "initial" in b.arguments
            for s, p in b.arguments["initial"].items()}


def _covariance(item: CatalogEntry, initial) -> sp.Matrix:
    if isinstance(initial, Mapping):
        model = item.model()
        return sp.diag(*[initial.get(v, 0) for v in model.variables])
    return sp.Matrix(initial)


def report_tex(item: CatalogEntry, table=None) -> str:
    """A complete LaTeX document for one catalog model: model, assumptions, closed forms and checks.

    The notation of each quantity is its bound quantity's (:meth:`~thermotheory.BoundQuantity.latex`);
    a lattice field's closed forms are numbers at the default values.

    Examples
    --------
    >>> from thermotheory.catalog import entry
    >>> tex = report_tex(entry("underdamped_trap"))
    >>> tex.startswith(r"\\documentclass") and tex.rstrip().endswith(r"\\end{document}")
    True
    """
    with within_domain(item.domain()):  # (a binary synapse's f < 1)
        return _report_tex(item, table)


def _report_tex(item: CatalogEntry, table=None) -> str:
    """The body of :func:`report_tex` (run within the model's domain)."""
    values = item.values()
    closed = {name: (sp.Float(item.closed_form(name, values), 10) if item.numeric else item.closed_form(name))
              for name in item.quantities}
    symbol, page, parts = _page(item, closed)
    lines = [
        *PREAMBLE, r"\begin{document}",
        rf"\section*{{{tex_text(item.name.replace('_', ' '))}: {tex_title(item.description)}}}",
        r"\subsection*{Model}", *_model_lines(item, list(symbol.values())),
        r"\subsection*{Assumptions}", *_assumption_lines(item, page.notes, symbol),
        r"\subsection*{Closed forms}",
    ]
    at = ", ".join(f"${sp.latex(s)} = {v:g}$" for s, v in values.items())
    if item.numeric:
        lines += [f"At {at}.", ""]
    printed = _printed(item, closed)
    forms = {symbol[name]: printed[name] for name in item.quantities}
    sums = _report_sums(forms, values)
    shown = shown_forms(forms, sums)  # (the namer quantity_lines makes by default, kept: its composites go below)
    namer = page_namer(shown.values(), shown)
    start = _start(item)
    lines += [r"\begin{align}", align_rows(quantity_lines(forms, namer=namer, sums=sums, given=start)),
              r"\end{align}"]
    if table is not None:
        lines += [r"\subsection*{Monte Carlo verification}", f"At {at}.", "",
                  r"\begin{tabular}{lrrrrl}", r"quantity & theory & estimate & s.e. & $z$ & \\ \hline"]
        checked = [n for n in item.quantities if n not in item.unchecked()]
        for name, r in zip(checked, table):
            lines.append(f"${symbol[name]}$ & {r.theory:.6g} & {r.estimate:.6g} & {r.stderr:.2g} & "
                         f"{r.z:+.2f} & {'pass' if r.passed else 'FAIL'} \\\\")
        lines.append(r"\end{tabular}")
        if item.unchecked():
            names = ", ".join(f"${symbol[n]}$" for n in item.unchecked())
            lines += ["", rf"Not checked (no Monte Carlo estimator: a constant of the model): {names}."]
    rows = document_rows(parts, page, item.glossary or None, list(shown.values()), "\n".join(lines),
                         avoid=list(symbol.values()))  # (the model's symbols: those the report prints)
    listed = {unbraced(label) for row in rows for label in re.findall(r"\$([^$]+)\$", row[0])}
    unsaid = [label for label in start if unbraced(label) not in listed]
    if unsaid:  # (the start's probabilities its assumptions give, unless a row already says them: P_s(0))
        rows.append((", ".join(f"${label}$" for label in unsaid), "probability of the state in the subscript at the "
                     "start", "--"))
    rows += composite_rows(namer, rows)
    lines += [t for t in (glossary_tex(rows), bibliography_tex(bibliography(reference_keys(parts)))) if t]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
