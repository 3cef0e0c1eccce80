"""Write a derivation (a model and its closed forms) as LaTeX and Markdown."""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import sympy as sp
from sympy import MatrixSymbol
from sympy.core.function import AppliedUndef

from ..core.closedform import (ClosedForm, FamilyName, MeantName, ResultName, definition_rows, latex_of,
                               needed_definitions, printed_size, tex_glyphs, theorist_order)
from ..core.layout import MAX_LINES, _root_of_sum, align_rows, fit_parts, named_as, too_long
from ..core.invariance import group_rows, grouped_forms
from ..core.presentation import (_value, compact, composite_candidates, domain_of, equal_at_random_points, held_replace,
                                 one_form_per_sum, positive_sums, same_sums, through_composite, within_domain)
from .layout import _GREEK, TEXT_WIDTH, checked_value, checked_width, fit_lines, latex_width, new_namer, tex_text
from ..core.evaluate import latex
from ..core.model import LinearSDE
from ..errors import InvalidExport, ModelError
from ..quantity import _fill, _latex_arg, _pattern_head, _symbol_texts, notation_head
from .model_latex import model_latex, model_latex_lines

__all__ = ["tex_title", "md_title", "notation", "derivation_tex", "derivation_markdown", "derivation_document", "quantity_lines", "shared_definitions", "output_dir", "write_derivation", "save_figure", "file_in", "output_folder", "PageNotation", "page_notation", "glossary_rows", "glossary_tex", "glossary_markdown", "bibliography", "bibliography_tex", "bibliography_markdown", "CONVENTIONS",
           "composite_name", "composite_rows", "document_rows", "reference_keys", "unbraced"]

#: One part of a derivation: a heading, a model and its named closed forms (and, optionally, a few sentences on it).
Section = tuple[str, LinearSDE, Mapping[str, Any]]


#: Math in a plain-text title: ``$...$`` as written, a name with a subscript (``T_h``, ``t_1``, ``s_mu``), and a
#: chain of one-letter variables joined by arrows (``v -> x -> w``).
_TITLE_MATH = re.compile(r"(\$[^$]*\$|\b[A-Za-z]\b(?:\s*(?:->|<-)\s*[A-Za-z]\b)+|\b[A-Za-z]+_[A-Za-z0-9]+\b)")


def _title_math(piece: str) -> str:
    """LaTeX (no delimiters) of one piece of math found in a title by :data:`_TITLE_MATH`."""
    if piece.startswith("$"):
        return piece[1:-1]
    if "->" in piece or "<-" in piece:
        names = re.split(r"\s*(->|<-)\s*", piece)
        return " ".join(r"\to" if n == "->" else r"\leftarrow" if n == "<-" else latex_of(sp.Symbol(n))
                        for n in names)
    return latex_of(sp.Symbol(piece))


def tex_title(text: str) -> str:
    r"""A title or heading for LaTeX: plain text escaped, its math typeset.

    Math is what is written between ``$``, a name with a subscript (``T_h``, ``t_1``) and
    a chain of one-letter variables joined by arrows (``v -> x -> w``); the rest goes
    through :func:`~thermotheory.export.layout.tex_text` (Greek names, ``->``, escapes).

    Examples
    --------
    >>> tex_title("A bath T_h, v -> x -> w, $N$ neurons, 50% of tau_n")
    'A bath $T_{h}$, $v \\to x \\to w$, $N$ neurons, 50\\% of $\\tau_{n}$'
    """
    return _title(text, tex_text)


def md_title(text: str) -> str:
    r"""A title or heading for Markdown: its math (as :func:`tex_title` finds it) between ``$``.

    Examples
    --------
    >>> md_title("Storing after a step of duration t_w")
    'Storing after a step of duration $t_{w}$'
    """
    return _title(text, str)


def _title(text: str, plain: Any) -> str:
    """``text`` with the math :data:`_TITLE_MATH` finds between ``$`` and the rest through ``plain``."""
    pieces = _TITLE_MATH.split(_check_text(text, "title"))
    return "".join(f"${_title_math(p)}$" if k % 2 else plain(p) for k, p in enumerate(pieces))


def _check_text(value: Any, what: str) -> str:
    """``value`` if it is a string; anything else is refused (a title of ``None`` or a number is a slip)."""
    if not isinstance(value, str):
        raise InvalidExport(f"the {what} must be a string but is {type(value).__name__} {value!r}")
    return value


def file_in(folder: str | os.PathLike, name: Any, suffix: str = "", what: str = "file name") -> Path:
    """``folder / (name + suffix)`` for a plain file name, or :class:`~thermotheory.errors.InvalidExport`.

    A name with a folder in it (a path separator, ``..``, an absolute path, a drive) would
    write outside ``folder`` and is refused; so is one that resolves outside it (a link).

    Examples
    --------
    >>> file_in("/tmp/out", "ou", ".tex").as_posix()
    '/tmp/out/ou.tex'
    >>> file_in("/tmp/out", "../ou", ".tex")
    Traceback (most recent call last):
    ...
    thermotheory.errors.InvalidExport: the file name '../ou' must be a plain file name (no folder, no '..', not absolute): it would be written outside /tmp/out
    """
    folder = _folder_path(folder)
    if not isinstance(name, str):
        raise InvalidExport(f"the {what} must be a string but is {type(name).__name__} {name!r}")
    seps = {"/", "\\", os.sep} | ({os.altsep} if os.altsep else set())
    if (not name.strip() or name in (".", "..") or any(c in name for c in seps) or "\0" in name
            or Path(name).is_absolute() or Path(name).drive):
        raise InvalidExport(f"the {what} {name!r} must be a plain file name (no folder, no '..', not absolute): "
                            f"it would be written outside {Path(folder).as_posix()}")
    path = folder / f"{name}{suffix}"
    base = folder.resolve()
    if not path.resolve().is_relative_to(base):
        raise InvalidExport(f"the {what} {name!r} resolves to {path.resolve()}, outside {base}")
    if path.is_dir():
        raise InvalidExport(f"{path} is a folder; cannot write the file there")
    return path


def _folder_path(out: Any) -> Path:
    """``out`` as a Path; something that is not a path, or a file where the folder should be, is refused."""
    if isinstance(out, bytes) or not isinstance(out, (str, os.PathLike)) or not os.fspath(out).strip():
        raise InvalidExport(f"the output folder must be a path (a string or a pathlib.Path) but is {out!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InvalidExport(f"the output folder {out} is a file, not a folder")
    return out


def output_folder(out: Any) -> Path:
    """The folder ``out``, created if needed; a file in its place, or something that is not a path, is refused.

    Examples
    --------
    >>> import tempfile
    >>> output_folder(tempfile.mkdtemp()).is_dir()
    True
    """
    out = _folder_path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InvalidExport(f"cannot create the output folder {out}: a file stands in its path") from None
    return out


def _notation_checked(quantities: Any) -> dict[str, Any]:
    """:func:`notation` of a mapping (or a Derivation) whose names are strings; anything else is refused."""
    if not (hasattr(quantities, "notation") or isinstance(quantities, Mapping)):
        raise InvalidExport("the quantities must be a mapping LaTeX name -> closed form (or a Derivation) "
                            f"but are {type(quantities).__name__}")
    shown = notation(quantities)
    for name, value in shown.items():
        _check_text(name, "name of a quantity")
        checked_value(value, f"closed form of {name}")
    return shown


def notation(quantities: Mapping[str, Any]) -> dict[str, Any]:
    """LaTeX notation -> closed form: a :class:`~thermotheory.derivation.Derivation` gives its quantities' notation
    (from the registry), a plain mapping is taken as LaTeX name -> closed form."""
    return quantities.notation() if hasattr(quantities, "notation") else dict(quantities)


# -- one symbol, one meaning: the notation of a page -------------------------------------------------------------

#: The conventions of every page and report, said once.
CONVENTIONS = ("Conventions: $k_B = 1$ (temperatures in units of energy), information and entropy in nats, rates "
               "per unit time, and heat counted as the entropy it carries into the medium (heat over temperature).")


def _entries(quantities: Any) -> list[tuple[str, Any, Any]]:
    """``(entry name, BoundQuantity | Definition | None, closed form)`` of a Derivation, or of a plain mapping
    (whose names are its LaTeX and whose meanings are unknown: ``None``)."""
    if isinstance(quantities, list) and all(isinstance(e, tuple) and len(e) == 3 for e in quantities):
        return quantities  # already entries (a report's)
    if hasattr(quantities, "quantity") and hasattr(quantities, "notation") and isinstance(quantities, Mapping):
        shown = list(quantities.notation().values())  # the forms the derivation prints, in its order
        return [(name, quantities.quantity(name), value) for name, value in zip(quantities, shown)]
    return [(name, None, value) for name, value in _notation_checked(quantities).items()]


def _is_bound(q: Any) -> bool:
    return hasattr(q, "quantity") and hasattr(q.quantity, "notations")


def _symbols_of(model: Any, values: Sequence[Any]) -> list[str]:
    """LaTeX of the model's own symbols (variables, parameters) and of the symbols its closed forms print."""
    symbols: list[Any] = []
    for attribute in ("variables", "parameters"):
        found = getattr(model, attribute, ())
        if isinstance(found, (tuple, list)):
            symbols += [s for s in found if isinstance(s, sp.Symbol)]
    texts = [latex_of(s) for s in symbols]
    for attribute in ("A", "D", "b"):  # a protocol's functions of time: lambda(s), T(s)
        found = getattr(model, attribute, None)
        if isinstance(found, sp.MatrixBase):
            texts += [latex_of(f.func(*f.args)) for f in sorted(found.atoms(AppliedUndef), key=str)]
    for value in values:
        if isinstance(value, ClosedForm):
            texts += [value.names.get(n) or latex_of(n) for n, _ in value.definitions]
            free = value.free_symbols
        else:
            free = getattr(value, "free_symbols", set())
        texts += [latex_of(s) for s in sorted(free, key=str) if isinstance(s, sp.Symbol)]
        if isinstance(value, sp.Basic):
            texts += [latex_of(f) for f in sorted(value.atoms(AppliedUndef), key=str)]
    return list(dict.fromkeys(texts))


class PageNotation:
    r"""The notation of one document: for each quantity, the first of its notations that means nothing else there.

    A quantity's symbol clashes with a model's symbol of the same head
    (:func:`~thermotheory.quantity.notation_head`: ``\sigma`` and the noise amplitude
    ``\sigma_{v}``) and with another quantity's; the quantity then takes the first of its
    record's ``alternatives`` that clashes with nothing, once for the whole document, and
    :attr:`notes` says so in a sentence.

    Attributes
    ----------
    chosen : dict
        Quantity name -> the notation pattern used on the page.
    notes : list of str
        One sentence (Markdown and LaTeX alike) per quantity whose notation changed.
    symbols : list of str
        LaTeX of the models' own symbols on the page.
    """

    def __init__(self, parts: Sequence[tuple[Any, Any]]) -> None:
        parts = [(model, _entries(quantities)) for model, quantities in parts]
        self.symbols = list(dict.fromkeys(s for model, entries in parts
                                          for s in _symbols_of(model, [v for _, _, v in entries])))
        owners: dict[str, list[str]] = {}
        for s in self.symbols:
            owners.setdefault(notation_head(s), []).append(s)
        records: dict[str, Any] = {}  # quantity name -> its first bound quantity on the page
        for _, entries in parts:
            for _, q, _ in entries:
                if _is_bound(q):
                    records.setdefault(q.quantity.name, q)
        self.chosen: dict[str, str] = {}
        self.notes: list[str] = []
        used: dict[str, str] = {}  # head -> quantity name
        for name, bound in records.items():
            record = bound.quantity
            clashing = set(owners) | {h for h, other in used.items() if other != name}
            pattern = next((p for p in record.notations if _pattern_head(p) not in clashing), record.symbol)
            self.chosen[name] = pattern
            used[_pattern_head(pattern)] = name
            if pattern != record.symbol:
                self.notes.append(self._note(bound, pattern, owners, used))

    @staticmethod
    def _note(bound: Any, pattern: str, owners: Mapping[str, list[str]], used: Mapping[str, str]) -> str:
        record = bound.quantity
        head = _pattern_head(record.symbol)
        fill = {r.name: _latex_arg(bound.arguments.get(r.name), r) for r in record.roles}
        shown, symbol = _fill(pattern, fill), _fill(record.symbol, fill)
        if head in owners:
            names = owners[head][:4]
            why = "the model's " + ", ".join(f"${n}$" for n in names)
        else:
            why = f"the {used.get(head, 'another quantity').replace('_', ' ')}"
        return (f"The {record.name.replace('_', ' ')} is written ${shown}$ here (not ${symbol}$, which would read "
                f"as {why}).")

    def latex(self, q: Any) -> str:
        """The notation of an entry's quantity on this page (a Definition's own symbol)."""
        if _is_bound(q):
            pattern = self.chosen.get(q.quantity.name, q.quantity.symbol)
            return _fill(pattern, {r.name: _latex_arg(q.arguments.get(r.name), r) for r in q.quantity.roles})
        return q.latex()

    def notation(self, quantities: Any) -> dict[str, Any]:
        """LaTeX notation -> closed form of one part of the page (:meth:`Derivation.notation` in this notation)."""
        out: dict[str, Any] = {}
        for name, q, value in _entries(quantities):
            symbol = name if q is None else self.latex(q)
            if symbol in out:
                symbol = rf"{symbol}\ [\text{{{name.replace('_', ' ')}}}]"
            out[symbol] = value
        return out


def page_notation(parts: Sequence[tuple[Any, Any]]) -> PageNotation:
    r"""The :class:`PageNotation` of a document made of ``(model, quantities)`` parts.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> from thermotheory.derivation import Derivation
    >>> x = sp.Symbol("x", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> m = tt.LinearSDE({x: -x}, {x: sigma**2})
    >>> page = page_notation([(m, Derivation.of(m, {"ep": tt.entropy_production_rate.of()}))])
    >>> list(page.notation(Derivation.of(m, {"ep": tt.entropy_production_rate.of()})))
    ['\\dot S^{\\mathrm{tot}}']
    """
    return PageNotation(parts)


# -- glossary -----------------------------------------------------------------------------------------------------

def _meaning(value: Any) -> tuple[str, str]:
    """``(meaning, units)`` of a glossary entry given as a string or a pair."""
    if isinstance(value, str):
        return value, ""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[0], value[1]
    raise InvalidExport(f"a glossary entry must be a meaning (a string) or a pair (meaning, units) but is {value!r}")


#: Most symbols a glossary row lists before ``\ldots`` (a page that prints four of one quantity, the currents' mean
#: rates of four currents, lists them all: a reader looks a symbol up by its row).
GLOSSARY_SYMBOLS = 6


def _meant_names(form: Any) -> list[MeantName]:
    """The names said in words (:class:`~thermotheory.core.closedform.MeantName`) of the definitions ``form`` prints:
    those its expression needs, down their chain (a name its record holds but no definition of it uses is not)."""
    if not isinstance(form, ClosedForm) or isinstance(form.expr, sp.MatrixBase):
        return []
    needed = needed_definitions(form.expr, form.definitions)
    return [t for t in (form.names.get(n) for n, _ in needed) if isinstance(t, MeantName)]


def glossary_rows(parts: Sequence[tuple[Any, Any]], page: PageNotation | None = None,
                  glossary: Mapping[Any, Any] | None = None) -> list[tuple[str, str, str]]:
    r"""The rows ``(symbols in LaTeX, meaning, units)`` of a page's glossary.

    One row per quantity record (its notations on the page, its description and units),
    per :class:`~thermotheory.derivation.Definition` (its description, else its name), per symbol of
    ``glossary`` (a mapping from a sympy symbol, its name or LaTeX to a meaning or a pair
    (meaning, units); for the model's parameters and the page's own names), and per entry of
    a model's ``descriptions`` attribute (the same form), if it has one.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> from thermotheory.derivation import Derivation
    >>> x = sp.Symbol("x", real=True)
    >>> m = tt.LinearSDE({x: -x}, {x: 1})
    >>> glossary_rows([(m, Derivation.of(m, {"H": tt.entropy.of(x)}))], glossary={"x": "position"})[1]
    ('$x$', 'position', '')
    """
    page = page or PageNotation(parts)
    rows: dict[str, list] = {}
    for model, quantities in parts:
        for name, q, _ in _entries(quantities):
            if q is None:
                continue
            symbol = page.latex(q)
            if _is_bound(q):
                key, meaning, units = q.quantity.name, q.quantity.description, q.quantity.units
            else:
                check = getattr(q, "check", None)
                key = f"definition {symbol}"
                meaning = (q.description or (check.quantity.description if check is not None else "")
                           or q.name.replace("_", " "))  # at least the name the derivation gives it
                units = getattr(q, "units", "") or (check.quantity.units if check is not None else "")
            row = rows.setdefault(key, [[], meaning, units])
            if symbol not in row[0]:
                row[0].append(symbol)
    listed = {s for row in rows.values() for s in row[0]}
    for _, quantities in parts:  # the families of named parts a structured form prints (the Z_i of a jump process),
        for _, _, form in _entries(quantities):  # and the names said in words (one row per meaning)
            for tex in (form.names.values() if isinstance(form, ClosedForm) else ()):
                if isinstance(tex, FamilyName) and tex.meaning:
                    rows.setdefault(f"family {tex.generic}", [[tex.generic], tex.meaning, ""])
            for tex in _meant_names(form):
                if str(tex) not in listed:  # (not a result's own row again)
                    row = rows.setdefault(f"named {tex.meaning}", [[], tex.meaning, tex.units])
                    if str(tex) not in row[0]:
                        row[0].append(str(tex))
    extra: dict[str, tuple[str, str]] = {}
    for model, _ in parts:
        described = getattr(model, "descriptions", None)
        if isinstance(described, Mapping):
            extra.update({t: _meaning(v) for t, v in zip(_symbol_texts(list(described)), described.values())})
    if glossary is not None:
        if not isinstance(glossary, Mapping):
            raise InvalidExport(f"the glossary must be a mapping symbol -> meaning or (meaning, units) but is "
                                f"{type(glossary).__name__}")
        try:
            texts = _symbol_texts(list(glossary))
        except ModelError as error:
            raise InvalidExport(f"glossary: {error}") from None
        extra.update({t: _meaning(v) for t, v in zip(texts, glossary.values())})
    for symbols, row in [(row[0], row) for row in rows.values()]:  # the glossary names a definition better
        if len(symbols) == 1 and symbols[0] in extra:
            row[1], row[2] = extra.pop(symbols[0])
    out = []
    for symbols, meaning, units in rows.values():
        shown = symbols[:GLOSSARY_SYMBOLS] + ([r"\ldots"] if len(symbols) > GLOSSARY_SYMBOLS else [])
        out.append((", ".join(f"${s}$" for s in shown), meaning, units))
    out += [(f"${symbol}$", meaning, units) for symbol, (meaning, units) in extra.items()]
    return out


def document_rows(parts: Sequence[tuple[Any, Any]], page: PageNotation | None, glossary: Mapping[Any, Any] | None,
                  forms: Sequence[Any], body: str, avoid: Sequence[str] = ()) -> list[tuple[str, str, str]]:
    r"""The Notation rows of a document (a derivation page or a report): those of :func:`glossary_rows`, a row for
    each dimensionless group ``forms`` (the closed forms printed) use (:func:`group_rows`) and for the label a jump
    model's transitions are printed with (its :meth:`rate_label` given the document's notations ``avoid``); of these,
    only the rows of which a symbol is printed in ``body`` (the document's LaTeX before its glossary): a glossary
    shared by several documents (a model's, ``decoder.GLOSSARY``) gives each the rows of the symbols it prints.

    Examples
    --------
    >>> import sympy as sp
    >>> import thermotheory as tt
    >>> from thermotheory.derivation import Derivation
    >>> x = sp.Symbol("x", real=True)
    >>> m = tt.LinearSDE({x: -x}, {x: 1})
    >>> parts = [(m, Derivation.of(m, {"H": tt.entropy.of(x)}))]
    >>> [row[0] for row in document_rows(parts, None, {"x": "position", "y": "unused"}, [], "$H(x) = 1$")]
    ['$H(x)$', '$x$']
    """
    if not isinstance(body, str):
        raise InvalidExport(f"document_rows: body must be the document's LaTeX (a string) but is "
                            f"{type(body).__name__} {body!r:.60}")
    rows = glossary_rows(parts, page, glossary)
    rows += group_rows(list(forms), rows)
    labels = dict.fromkeys(m.rate_label(avoid) for m, _ in parts if callable(getattr(m, "rate_label", None)))
    rows += [(f"${r}_{{+}}$, ${r}_{{-}}$, ${r}$", "rates of a transition forward and back (one way: no sign)",
              "per unit time") for r in labels]  # the label a jump model's transitions are printed with
    return _printed_rows(rows, body)


#: The width of the text of the pages' A4 with 2 cm margins, in points (for the glossary's columns).
_PAGE_WIDTH = 483.7


def _printed_rows(rows: Sequence[tuple[str, str, str]], body: str) -> list[tuple[str, str, str]]:
    r"""The glossary rows of which a symbol is printed in ``body`` (a page's LaTeX before its glossary): a glossary
    shared by several pages (a model's, ``decoder.GLOSSARY``) gives each page only the rows of the symbols it prints.
    Compared without braces (``\Delta\mu_\mathrm{ATP}`` is ``\Delta\mu_{\mathrm{ATP}}``), a symbol whole."""
    def flat(tex: str) -> str:  # (braces and sizing gone; a space kept only between two letters or digits)
        tex = re.sub(r"\\(mathrm|text|operatorname)\{([^{}]*)\}", lambda m: "\\" + m[1] + re.sub(r"\W", "", m[2]),
                     tex)  # (an upright word is one token: not the t of \mathrm{tot})
        tex = re.sub(r"\s+", " ", re.sub(r"[{}]|\\left|\\right", " ", tex.replace("\\\\", " & ")))  # (row breaks)
        return re.sub(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9\\])", "", tex).strip()

    def pattern(s: str) -> str:
        # a symbol whole: not the N of \mathrm{SNR}, not the \sigma of \sigma_{v} when the row is \sigma alone, not
        # the index c of T_c, not the differential d of d\phi when the row is the dimension d; a row of an indexed
        # symbol, x_i, holds its members x_1, x_{2}
        indexed = re.fullmatch(r"(.+)_i", s)
        core = re.escape(indexed[1]) + r"_(?:i(?![A-Za-z0-9])|[A-Za-z0-9\\])" if indexed else re.escape(s)
        after = r"(?![A-Za-z0-9_\\])" if s == "d" else "(?![A-Za-z0-9_])" if s[-1].isalnum() and not indexed else ""
        return ("(?<![A-Za-z_\\\\])" if s[0].isalpha() else "") + core + after

    # the math of the body (its words are not symbols: not the d of "lattice 2d")
    math = re.findall(r"\\begin\{(align\*?|aligned|equation\*?|gather\*?)\}(.*?)\\end\{\1\}"
                      r"|(?<!\\)\$([^$]+)\$|\\\[(.*?)\\\]", body, re.S)
    printed = " & ".join(flat(m[1] or m[2] or m[3]) for m in math)
    out = []
    for row in rows:
        shown = [flat(s) for s in re.findall(r"\$([^$]+)\$", row[0])]
        if not shown or any(re.search(pattern(s), printed) for s in shown if s != r"\ldots"):
            out.append(row)
    return out


def glossary_tex(rows: Sequence[tuple[str, str, str]]) -> str:
    """The glossary as a LaTeX table that fits the page (its columns wrap) and breaks across pages, its head repeated
    (a ``longtable``: the jump page's 70 rows ran off the foot of the page in a ``tabular``)."""
    if not rows:
        return ""
    # the symbol column as wide as its widest formula (a formula does not break), within reason
    widest = max((latex_width(m) for symbols, _, _ in rows for m in re.findall(r"\$([^$]*)\$", symbols)), default=0)
    first = min(0.45, max(0.22, round(1.2 * widest / _PAGE_WIDTH + 0.01, 2)))
    lines = [r"\subsection*{Notation}", r"\begin{small}",
             rf"\begin{{longtable}}[l]{{@{{}}p{{{first:.2f}\textwidth}}p{{{0.70 - first:.2f}\textwidth}}"
             r"p{0.22\textwidth}@{}}",
             r"symbol & meaning & units \\ \hline \endhead"]
    lines += [rf"\raggedright {symbols} & \raggedright {_text(meaning)} & \raggedright {_text(units) or '--'} "
              r"\tabularnewline" for symbols, meaning, units in rows]
    lines += [r"\end{longtable}", r"\end{small}"]
    return "\n".join(lines)


def glossary_markdown(rows: Sequence[tuple[str, str, str]]) -> str:
    """The glossary as a Markdown table."""
    if not rows:
        return ""
    lines = ["## Notation", "", "| symbol | meaning | units |", "| --- | --- | --- |"]
    lines += [f"| {symbols} | {_md_cell(_md_text(meaning))} | "
              f"{_md_cell(_md_text(units)).replace('--', '–') or '–'} |"  # (LaTeX's en dash, "--": one)
              for symbols, meaning, units in rows]
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    r"""``text`` for a cell of a Markdown table, where a bar would end the cell: in math ``\vert`` (``$|\epsilon| \le
    1$`` prints as written), elsewhere a slash.

    Examples
    --------
    >>> _md_cell(r"non-reciprocity, $|\epsilon| \le 1$ (a|b)")
    'non-reciprocity, $\\vert \\epsilon\\vert  \\le 1$ (a/b)'
    """
    parts = re.split(r"(\$[^$]*\$)", text)
    return "".join(p.replace("|", r"\vert ") if p.startswith("$") and p.endswith("$") and len(p) > 1
                   else p.replace("|", "/") for p in parts)


def _text(text: str) -> str:
    """Prose for LaTeX: math between ``$`` kept, names with a subscript and Greek names typeset, the rest escaped."""
    return tex_title(text)


def _md_text(text: str) -> str:
    """Prose for Markdown, with the same math as :func:`_text` (between ``$``)."""
    greek = "|".join(sorted(_GREEK, key=len, reverse=True))
    pattern = re.compile(r"(->|<-|\b(?:" + greek + r")\b)")

    def plain(piece: str) -> str:
        return pattern.sub(lambda m: {"->": r"$\to$", "<-": r"$\leftarrow$"}.get(m.group(0))
                           or f"${latex_of(sp.Symbol(m.group(0)))}$", piece)

    pieces = _TITLE_MATH.split(_check_text(text, "text"))
    return "".join(f"${_title_math(p)}$" if k % 2 else plain(p) for k, p in enumerate(pieces))


# -- references ---------------------------------------------------------------------------------------------------

#: The bibliography of the package: ``docs/references.bib`` beside the package's folder.
BIB = Path(__file__).resolve().parents[2] / "docs" / "references.bib"


def _bib_entries(path: Path) -> dict[str, dict[str, str]]:
    """The entries of a .bib file: key -> field -> value (braces of one level kept as written)."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    entries: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,", text, flags=re.M):
        depth, k = 1, match.end()
        while k < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            k += 1
        body = text[match.end():k - 1]
        fields = {"type": match.group(1).lower()}
        for f in re.finditer(r"(\w+)\s*=\s*", body):
            start = f.end()
            if start < len(body) and body[start] == "{":
                depth, end = 1, start + 1
                while end < len(body) and depth:
                    depth += {"{": 1, "}": -1}.get(body[end], 0)
                    end += 1
                value = body[start + 1:end - 1]
            else:
                value = re.match(r"[^,\n]*", body[start:]).group(0).strip().strip('"')
            fields.setdefault(f.group(1).lower(), re.sub(r"\s+", " ", value))
        entries[match.group(2)] = fields
    return entries


def _authors(field: str) -> str:
    """``Goldt, Sebastian and Seifert, Udo`` -> ``S. Goldt and U. Seifert``."""
    names = []
    for author in re.split(r"\s+and\s+", field):
        if "," in author:
            last, first = (part.strip() for part in author.split(",", 1))
            initials = " ".join(f"{w[0]}." if w[0].isalpha() else w for w in first.replace("-", " - ").split()
                                if w != "-")
            names.append(f"{initials} {last}".strip())
        else:
            names.append(author.strip())
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def bibliography(keys: Sequence[str], path: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """``(key, reference as LaTeX text)`` for each key (in order, once), from ``docs/references.bib``.

    A key that the file does not have is printed as the key itself.

    Examples
    --------
    >>> bibliography(["horowitz2014"])[0][1].startswith("J. M. Horowitz and M. Esposito")
    True
    """
    entries = _bib_entries(Path(path) if path is not None else BIB)
    out = []
    for key in dict.fromkeys(keys):
        e = entries.get(key)
        if e is None:
            out.append((key, tex_text(key)))
            continue
        title = e.get("title", "").replace("{", "").replace("}", "")
        where = (f"{e['journal']} \\textbf{{{e.get('volume', '')}}}, {e.get('pages', '')}".rstrip(", ")
                 if "journal" in e else e.get("publisher", e.get("booktitle", e.get("howpublished", ""))))
        out.append((key, f"{_authors(e.get('author', e.get('editor', '')))}, \\emph{{{title}}}, {where} "
                         f"({e.get('year', '')})."))
    return out


def bibliography_tex(references: Sequence[tuple[str, str]]) -> str:
    """A ``thebibliography`` environment (no BibTeX run needed)."""
    if not references:
        return ""
    return "\n".join([r"\begin{thebibliography}{99}", *(rf"\bibitem{{{k}}} {text}" for k, text in references),
                      r"\end{thebibliography}"])


def bibliography_markdown(references: Sequence[tuple[str, str]]) -> str:
    """The references as a Markdown list (LaTeX markup of the titles removed)."""
    if not references:
        return ""

    def plain(text: str) -> str:
        text = re.sub(r"\\emph\{([^{}]*)\}", r"*\1*", text)
        text = re.sub(r"\\textbf\{([^{}]*)\}", r"**\1**", text)
        text = re.sub(r"\\[a-zA-Z]+\s*|[{}]", "", text)
        return text.replace(r"\&", "&").replace("****", "")

    return "\n".join(["## References", "", *(f"- [{k}] {plain(text)}" for k, text in references)])


def reference_keys(parts: Sequence[tuple[Any, Any]], given: Sequence[str] = ()) -> list[str]:
    """The keys of the references a document cites: ``given`` first, then the reference of each quantity its parts
    print (a bound quantity's, or the one its check binds), each once, in order.

    Parameters
    ----------
    parts : sequence of (heading, quantities)
        A document's parts, each with its mapping (or :class:`~thermotheory.derivation.Derivation`) of quantities.
    given : sequence of str
        Keys the document cites in its words.

    Examples
    --------
    >>> reference_keys([], given=["cover2006", "cover2006"])
    ['cover2006']

    Raises
    ------
    InvalidExport
        For ``parts`` that are not (heading, quantities) pairs, or ``given`` that is not a sequence of keys.
    """
    if isinstance(given, str) or not all(isinstance(k, str) for k in given):
        raise InvalidExport(f"reference_keys: given must be a sequence of reference keys but is {given!r:.60}")
    try:
        parts = [(heading, quantities) for heading, quantities in parts]
    except (TypeError, ValueError):
        raise InvalidExport(f"reference_keys: parts must be (heading, quantities) pairs but are "
                            f"{parts!r:.60}") from None
    keys = [*given]
    for _, quantities in parts:
        for _, q, _ in _entries(quantities):
            if _is_bound(q):
                keys.append(q.quantity.reference)
            elif getattr(q, "check", None) is not None:
                keys.append(q.check.quantity.reference)
    return list(dict.fromkeys(k for k in keys if k))


def derivation_tex(model: LinearSDE, quantities: Mapping[str, Any], source: str = "", text: str = "",
                   namer: Any = None, sums: Mapping | None = None, avoid: Sequence[str] = (),
                   before: Sequence[Mapping[str, Any]] = ()) -> str:
    r"""An ``align`` environment with the model's SDEs and one line per quantity (LaTeX name -> closed form).

    ``quantities`` is a :class:`~thermotheory.derivation.Derivation` (notation from its
    quantities, a symbol that the model already uses replaced by an alternative notation:
    :class:`PageNotation`) or a mapping LaTeX name -> closed form. ``text``: a few sentences
    before the equations (math between ``$``); ``namer``: the names of introduced
    definitions, shared by a whole page; ``sums``: one printed form for each sum
    (:func:`~thermotheory.core.presentation.one_form_per_sum`, shared by a whole page; by default, this block's);
    ``avoid``: notations printed elsewhere on the page, which labels of the model's own (a jump process's rates) do
    not take (by default, this block's quantities' names); ``before``: the shown forms (:func:`shown_forms`) of the
    page's blocks above, so that a result equal to one of them is printed as equal to it (:func:`same_as_earlier`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> print(derivation_tex(LinearSDE({x: -x}, {x: 1}), {r"\langle x^2 \rangle": sp.Integer(1)}))
    \begin{align}
    dx &= - x\, dt + \sqrt{2}\, dW_{x} \\
    \langle x^2 \rangle &= 1
    \end{align}
    """
    _check_text(source, "source")
    _check_text(text, "text")
    with within_domain(domain_of(model)):
        shown = _page_shown(model, quantities)
        model_lines = model_latex_lines(model, avoid=_names_to_avoid(avoid) or list(shown))
        results = quantity_lines(shown, namer=namer, sums=sums, before=before)
        lines = [f"% generated by {source}"] if source else []
        lines += [_text(text)] if text.strip() else []
        if any(line.strip() in _HEADS for line in model_lines) and results:
            # the model's own "where" (or "with") block ends its environment: the results are no definitions
            lines += [r"\begin{align}", align_rows(model_lines), r"\end{align}", r"\begin{align}", align_rows(results)]
        else:
            lines += [r"\begin{align}", align_rows(model_lines + results)]
        lines.append(r"\end{align}")
        return "\n".join(lines)


#: Lines that open a block of definitions.
_HEADS = (r"&\text{where}", r"&\text{with}")


def _names_to_avoid(avoid: Any) -> list[str]:
    """``avoid`` of :func:`derivation_tex` as a list of LaTeX strings, or :class:`InvalidExport` naming it."""
    if isinstance(avoid, str):
        return [avoid]
    try:
        names = list(avoid)
    except TypeError:
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        raise InvalidExport(f"avoid must be a sequence of LaTeX strings (the notations of the page) but is "
                            f"{avoid!r:.80}")
    return names


def _page_shown(model: Any, quantities: Any) -> Any:
    """A Derivation's notation as a one-part page shows it (:class:`PageNotation`); a plain mapping as it is."""
    if hasattr(quantities, "quantity") and hasattr(quantities, "notation") and isinstance(quantities, Mapping):
        return PageNotation([(model, quantities)]).notation(quantities)
    return quantities


def quantity_lines(quantities: Mapping[str, Any], width: float = TEXT_WIDTH, namer: Any = None,
                   sums: Mapping | None = None, before: Sequence[Mapping[str, Any]] = (),
                   groups: bool = True, given: Mapping[str, Any] | None = None) -> list[str]:
    r"""``align`` lines for named closed forms: each compacted and fitted to the page, then the shared definitions.

    Each closed form goes through the presentation pass
    (:func:`~thermotheory.core.presentation.compact`) and is broken to fit ``width``
    (:func:`~thermotheory.export.layout.fit_lines`); the definitions of structured closed
    forms follow all of them, once, under ``\text{where}``. ``namer`` gives the names of the
    introduced definitions (one for a whole page: :func:`page_namer`); by default, one for this block.
    ``sums`` writes each sum one way (:func:`shown_forms`); by default, one way within this block.
    A result whose form is that of a result above it is printed as equal to that one (:func:`same_as_earlier`:
    ``\dot I(v; y) &= T^{\mathrm{path}}_{v \to y}``), as an author writes it, not a second time; ``before``: the
    shown forms of the page's blocks above this one, which count as above. ``groups=False`` keeps every form in the
    model's own parameters (:func:`shown_forms`). ``given``: names (LaTeX) the document defines in its words, with
    their values (a report's starting distribution, ``P_{s}(0)``); a definition of the same name (braces aside) and
    value is not printed again under "where".
    """
    width = checked_width(width)
    if given is not None and not (isinstance(given, Mapping) and all(isinstance(k, str) for k in given)):
        raise InvalidExport(f"quantity_lines: given must be a mapping name (LaTeX) -> value but is {given!r:.60}")
    shown = shown_forms(quantities, sums, width, groups)
    if namer is None:
        namer = page_namer(shown.values(), shown)  # one set of introduced names for the whole block
    where = shared_definitions(shown.values())
    composites = _composites(shown, width, where)  # the sums a wall of monomials depends through: each part in them
    results = list(_results(shown, before, ratios=False))
    trial = namer.fork()  # (a first fit, to see which roots and shared sums the layout names)
    fitted: list[tuple[Any, str]] = []
    lines, definitions = _block_lines(results, composites, width, trial, fitted=fitted)  # every result, its definitions
    ratios = _long_ratios(results, fitted, shown, before)
    if ratios:  # (laid out again: a sum only the ratio's explicit form held is named no more)
        results = [(n, ratios.get(n, e), earlier) for n, e, earlier in results]
        trial, fitted = namer.fork(), []
        lines, definitions = _block_lines(results, composites, width, trial, fitted=fitted)
    first = _named_first(trial, namer, fitted)
    first += [r for r in _roots_repeated(fitted, [*first, *namer.named]) if r not in first and r not in namer.named]
    if not first:
        namer.take(trial)
    else:  # named first, then written by its name in every result of the block
        definitions = []
        for value in first:
            named: list[tuple[str, Any]] = []
            namer.name(value, named)
            names = next((f.names for f, _ in fitted if isinstance(f, ClosedForm) and _holds(f, value)), None)
            for label, shown_value in named:
                result, defined = fit_parts(label, shown_value, width, namer, names)
                definitions += result + defined
        sums = {v: namer.named[v] for v in first if not _root_of_sum(v)}
        lines, more = _block_lines(results, composites, width, namer, sums)
        definitions += more
    if where is not None:
        above = _given_above({**{unbraced(k): v for k, v in (given or {}).items()}, **shown}, where)
        for sym, value in definition_rows(where.definitions, where.names, lambda v: too_long(v, width)):
            if isinstance(sym, str):  # a family of values too long for the page: its defining formula, once
                definitions.append(f"{sym} &= {value}")
                continue
            if sym in above:  # the same name, the same value, printed above as a result or given: not defined twice
                continue
            if composites:  # (a definition in the composite parameters too, as the results)
                value = _through_composite(value, composites, width, namer, definitions)
            result, defined = fit_parts(latex_of(sym, symbol_names=where.names), value, width, namer, where.names)
            definitions += result + defined
    if definitions:
        lines += [r"&\text{where}", *definitions]
    return lines


def _long_ratios(results: Sequence[tuple[str, Any, Any]], fitted: Sequence[tuple[Any, str]],
                 shown: Mapping[str, Any] | None = None, blocks: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The results of a block (:func:`_results`) that its first layout (``fitted``: each printed result's form and
    lines, in order) printed long, or that a block of the page above (``blocks``: their shown forms) printed long
    (:func:`_size_on_page`), and that are a ratio, a difference or a sum of two results before them
    (:func:`_as_relation`): name -> that form. ``shown``: the block's forms before any was written through another's
    name (their values: a name written in has none)."""
    printed = iter(fitted)
    before: list[tuple[str, Any]] = []
    out: dict[str, Any] = {}
    for name, form, earlier in results:
        if earlier is not None:
            continue
        _, tex = next(printed)
        form = shown.get(name, form) if shown is not None else form
        size = _size_on_page(name, tex_glyphs(tex) - tex_glyphs(name), blocks)
        ratio = _as_relation(name, form, before, size=size)
        if ratio is not None:
            out[name] = ratio
        if _term_like(name, form):
            before.append((name, form))
    return out


def _size_on_page(name: str, size: int, blocks: Sequence[Mapping[str, Any]]) -> int:
    r"""The printed size a result's relation to the results above it is judged by (:func:`_as_relation`): its own
    (``size``), or the largest of the forms the page's blocks above (``blocks``) show under the same label, so that
    a page says a relation the same way in every block (the decoder page's
    :math:`\dot S^{\mathrm{tot}}_x = \Phi_x - l_x`, in the model's parameters and again in its dimensionless
    groups, where the form alone is short)."""
    above = [printed_size(_parts(b[name])[0]) for b in blocks if name in b and _comparable(b[name]) is not None]
    return max([size, *above])


def _named_first(trial: Any, namer: Any, fitted: Sequence[tuple[Any, str]]) -> list:
    r"""What a block's trial layout (``trial``, a fork of ``namer``) named that its results are written through: a
    root of a sum (:func:`~thermotheory.core.layout._widest_sum` names one that stands several times), and a sum
    that a result holds but was printed without its name (``fitted``: each result's form and its printed lines; the
    cascade's :math:`T^{\mathrm{path}}` wrote out the radicand that :math:`T_{v \to y}`'s definitions, printed after
    it, named)."""
    new = [v for v in trial.named if v not in namer.named]

    def written_out(value: Any) -> bool:
        name = latex_of(trial.named[value])
        return any(_holds(form, value) and name not in tex for form, tex in fitted)

    return [v for v in new if _root_of_sum(v) or (isinstance(v, sp.Add) and written_out(v))]


#: A root of a sum that stands this many times in one result of a block is named for the whole block, even where every
#: result fits its line (:func:`_roots_repeated`).
ROOT_NAMED_AT = 3


def _roots_repeated(fitted: Sequence[tuple[Any, str]], named: Sequence[Any] = ()) -> list:
    r"""The roots of sums that stand :data:`ROOT_NAMED_AT` times or more in one result of a block (``fitted``: each
    result's form and its printed lines; a reciprocal counts as its root), in the order they first stand: an author
    names such a rate once (the cascade's :math:`\dot D_{v, y}` held :math:`\sqrt{\gamma_x^2 + \hat{\kappa}_y^2}`
    four times in one quotient). Counted as printed: ``named`` (values the block writes by a name) stand as one
    symbol each, and what is inside them is not counted (a root inside a root named, twice in the result, stands
    once in the name's definition). A root that is itself a result of the block is not named (``F = C_1`` would say
    nothing)."""
    hidden = {k: sp.Dummy() for v in named for k in named_as(v, sp.Dummy())}
    exprs = [form.expr if isinstance(form, ClosedForm) else form for form, _ in fitted]
    exprs = [e for e in exprs if isinstance(e, sp.Basic) and not isinstance(e, sp.MatrixBase)]
    out: list = []
    for expr in exprs:
        expr = expr.xreplace(hidden)
        roots = [sp.sqrt(a.base) for a in sp.preorder_traversal(expr) if _root_of_sum(a)]
        out += [r for r in dict.fromkeys(roots) if roots.count(r) >= ROOT_NAMED_AT and r not in out]
    return [r for r in out if r not in exprs and 1 / r not in exprs]  # (a result that is the root: printed whole)


def _holds(form: Any, value: Any) -> bool:
    """Whether the result ``form`` (an expression or a ClosedForm's expression) has ``value`` as a part."""
    expr = form.expr if isinstance(form, ClosedForm) else form
    return isinstance(expr, sp.Basic) and not isinstance(expr, sp.MatrixBase) and expr.has(value)


def _by_names(form: Any, namer: Any, sums: Mapping | None = None) -> Any:
    r"""``form`` with each root of a sum that the page has named (to fit a line: the layout names a root that stands
    several times, :func:`~thermotheory.core.layout._widest_sum`) written by its name, as an author uses a rate once
    defined, and the sum under it, where it stands elsewhere (alone or among a larger sum's terms), as the name
    squared (:math:`\sqrt{\gamma_v^2 + C_1^2 + \dots}` with :math:`C_1 = \sqrt{\gamma_x^2 + \hat\kappa_y^2}`: the
    information-rates page); and each of ``sums`` (value -> name: sums the block named first, :func:`_named_first`)."""
    named_roots = [(v, n) for v, n in namer.named.items() if _root_of_sum(v) and v.exp == sp.S.Half]
    roots = {k: w for v, n in named_roots for k, w in named_as(v, n).items()}
    roots.update(sums or {})
    squares = {v.base: n**2 for v, n in named_roots}  # ((sqrt S)^2 = S for every S: an identity)
    if not roots or not isinstance(form, (sp.Expr, ClosedForm)) or isinstance(form, sp.MatrixBase):
        return form

    def written(expr: Any) -> Any:
        return held_replace(held_replace(expr, roots), squares, within_sums=True)

    if isinstance(form, ClosedForm):
        return ClosedForm(written(form.expr), form.definitions, form.names)
    return written(form)


def _block_lines(results: list, composites: list, width: float, namer: Any, sums: Mapping | None = None,
                 fitted: list | None = None) -> tuple[list[str], list[str]]:
    """The lines of a block's results (:func:`_results`), each fitted to ``width``, and the definitions they
    introduce; roots the page has named, and ``sums`` (value -> name), written by their names (:func:`_by_names`).
    ``fitted``, where given, receives each result's form and the LaTeX of its lines."""
    lines: list[str] = []
    definitions: list[str] = []
    for name, expr, earlier in results:
        if earlier is not None:  # the form of a result above: printed as equal to it, not a second time
            lines.append(f"{name} &= {earlier}")
            continue
        bare = ClosedForm(expr.expr, (), expr.names) if isinstance(expr, ClosedForm) else expr
        if composites:
            bare = _through_composite(bare, composites, width, namer, definitions)
        result, defined = fit_parts(name, _by_names(bare, namer, sums), width, namer)
        if fitted is not None:
            fitted.append((expr, "\n".join(result)))
        lines += result
        definitions += defined
    return lines, definitions


#: Fewest printed parts of a block (results and the definitions under "where") that a composite parameter must stand
#: in, the block's every part that holds its parameters depending on them through it, to be named though no form is
#: too long: a parameter the reader meets throughout (the BCM synapse's slope, in five of its report's parts).
COMPOSITE_MIN_PARTS = 3


def _composites(shown: Mapping[str, Any], width: float, where: ClosedForm | None
                ) -> list[tuple[sp.Expr, frozenset | None]]:
    r"""The candidate sums (:func:`~thermotheory.core.presentation.composite_candidates`) through which a form of
    ``shown`` too long for :data:`MAX_LINES` lines depends, or through which every scalar part of the block (its
    results and their definitions; not a matrix) that holds their parameters depends, at least
    :data:`COMPOSITE_MIN_PARTS` of them:
    a block writes all its results and definitions in them, so that the parameter, once named, is used wherever it
    can be (each part keeps it only where it reads shorter). Each with the symbols that may be taken into it: for a
    sum met throughout, those every part takes (one composite for the block, ``\kappa (2 r_0 - \theta)``); None
    (any) for one a long form depends through. ``where``: the block's shared definitions
    (:func:`shared_definitions`)."""
    candidates = composite_candidates(list(shown.values()))
    if not candidates:
        return []
    probe = sp.Dummy("s", real=True)
    long_forms = [f for f in shown.values() if too_long(f, width)]
    parts = [f.expr if isinstance(f, ClosedForm) else f for f in shown.values()]
    parts = [f for f in [*parts, *(v for _, v in (where.definitions if where is not None else ()))]
             if isinstance(f, sp.Expr) and not isinstance(f, sp.MatrixBase) and not f.is_number]
    out: list[tuple[sp.Expr, frozenset | None]] = []
    for s in candidates:
        if any(through_composite(f, [s], probe, shorter=False) is not None for f in long_forms):
            out.append((s, None))
            continue
        holding = [f for f in parts if f.free_symbols & s.free_symbols]
        if len(holding) < COMPOSITE_MIN_PARTS:
            continue
        found = [through_composite(f, [s], probe, shorter=False) for f in holding]
        if all(x is not None for x in found):
            out.append((s, frozenset.intersection(*(frozenset(sp.Mul.make_args(c)) - {s} for c, _ in found))))
    return out


def composite_rows(namer: Any, rows: Sequence[tuple[str, str, str]] = ()) -> list[tuple[str, str, str]]:
    """Glossary rows ``(symbol, meaning, units)`` of the composite parameters ``namer`` gave an effective name
    (:func:`composite_name`: a parameter the reader meets in every result, said in words), in the order named;
    none for a symbol that a row of ``rows`` (the page's glossary) already has.

    Examples
    --------
    >>> composite_rows(page_namer([]))
    []
    """
    out = []
    for composite, sym in namer.named.items():
        tex = latex_of(sym)
        base = _composite_symbol(composite)
        if base is None or sym != composite_name(composite) or any(f"${tex}$" in row[0] for row in rows):
            continue
        out.append((f"${tex}$", f"effective ${latex_of(base)}$, the combination ${latex_of(composite)}$ through which "
                    "the closed forms depend on its parameters", "those of the combination"))
    return out


def composite_name(composite: Any) -> sp.Symbol | None:
    r"""The name an author gives a composite parameter ``x (a + b)``, one symbol times a sum: the effective ``x``
    (``\kappa_{\mathrm{eff}} = \kappa (2 r_0 - \theta)``, the BCM synapse's slope); None for any other form (it is
    named ``C_k``).

    Examples
    --------
    >>> import sympy as sp
    >>> k, r, th = sp.symbols("kappa r_0 theta", positive=True)
    >>> composite_name(k * (2 * r - th)), composite_name(2 * r - th)
    (kappa_eff, None)
    """
    base = _composite_symbol(composite)
    return None if base is None else sp.Symbol(f"{base.name}_eff")


def _composite_symbol(composite: Any) -> sp.Symbol | None:
    """The symbol ``x`` of a composite ``x (a + b)``: a bare one (a symbol with scripts, ``\\tau_w``, would read
    ``\\tau_{w eff}``, like a product); None for any other form."""
    if not isinstance(composite, sp.Mul):
        return None
    factors = sp.Mul.make_args(composite)
    symbols = [f for f in factors if type(f) is sp.Symbol and f.is_commutative and f.name.isalpha()]
    sums = [f for f in factors if isinstance(f, sp.Add)]
    return symbols[0] if len(factors) == 2 and len(symbols) == 1 and len(sums) == 1 else None


def _through_composite(form: Any, composites: list, width: float, namer: Any, definitions: list[str]) -> Any:
    """``form`` in a composite parameter (:func:`_composites`) named by ``namer`` (its definition's lines added to
    ``definitions`` when it is first named), or ``form`` itself
    (:func:`~thermotheory.core.presentation.through_composite`); a structured form's expression so, its names kept."""
    if isinstance(form, ClosedForm):
        written = _through_composite(form.expr, composites, width, namer, definitions)
        return form if written is form.expr else ClosedForm(written, form.definitions, form.names, form.hurwitz)
    if not isinstance(form, sp.Expr) or isinstance(form, sp.MatrixBase) or not form.free_symbols:
        return form
    probe = sp.Dummy("s", real=True)
    found = through_composite(form, [s for s, taken in composites if taken is None], probe)  # (a long form's)
    for s, taken in composites:
        if found is None and taken is not None:
            found = through_composite(form, [s], probe, taken=taken)
    if found is None:
        return form
    composite, reduced = found
    named: list[tuple[str, Any]] = []
    sym = namer.name(composite, named, preferred=composite_name(composite))
    for label, value in named:  # (empty where the page has named this composite before)
        result, defined = fit_parts(label, value, width, namer)
        definitions += result + defined
    real = {"positive": True} if composite.is_positive else {"real": True} if composite.is_real else {}
    return held_replace(reduced, {probe: sp.Symbol(sym.name, **real)})  # (in the pass's order: a positive term first)


def shown_forms(quantities: Mapping[str, Any], sums: Mapping | None = None,
                width: float = TEXT_WIDTH, groups: bool = True) -> dict[str, Any]:
    """Each closed form as shown: compacted (:func:`~thermotheory.core.presentation.compact`), written in the
    invariant groups of its parameters where the block reads shorter so
    (:func:`~thermotheory.core.invariance.grouped_forms`; not with ``groups=False``), its sums written as ``sums`` says
    (:func:`~thermotheory.core.presentation.one_form_per_sum` of a whole page), by default one
    way among these forms. The definitions a page prints by their family's formula at ``width`` (values too long
    for it) are left as they are (:func:`_family_apart`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> shown = shown_forms({"p": sp.sqrt(a * (b + c) + b * c), "q": sp.log(b * (a + c) + a * c)})
    >>> shown["p"].base == shown["q"].args[0]  # one sum, printed one way
    True
    """
    given = _notation_checked(quantities)
    apart = {name: _family_apart(expr, width) for name, expr in given.items()}
    if not isinstance(groups, bool):
        raise InvalidExport(f"groups must be True or False but is {groups!r:.60}")
    shown = {name: compact(expr) for name, (expr, _) in apart.items()}
    if groups:
        shown = grouped_forms(shown)
    if sums is None:
        sums = one_form_per_sum(list(shown.values()))
    return {name: _family_back(same_sums(expr, sums), given[name], apart[name][1]) for name, expr in shown.items()}


def _family_apart(form: Any, width: float = TEXT_WIDTH) -> tuple[Any, set]:
    """``form`` less the definitions a page prints by their family's formula (values too long for it:
    :func:`~thermotheory.core.closedform.definition_rows`), and their names: neither compacted nor printed, so
    that the presentation pass does not spend minutes on walls of monomials nobody reads."""
    if not isinstance(form, ClosedForm):
        return form, set()
    held = {n for n, v in form.definitions if isinstance(form.names.get(n), FamilyName) and too_long(v, width)}
    if not held:
        return form, held
    kept = [(n, v) for n, v in form.definitions if n not in held]
    return ClosedForm(form.expr, kept, form.names, form.hurwitz), held


def _family_back(shown: Any, given: Any, held: set) -> Any:
    """``shown`` with the definitions :func:`_family_apart` held back from ``given`` put back in their place."""
    if not held:
        return shown
    values = dict(shown.definitions)
    defs = [(n, v if n in held else values[n]) for n, v in given.definitions]
    return ClosedForm(shown.expr, defs, shown.names, shown.hurwitz)


def same_as_earlier(shown: Mapping[str, Any], before: Sequence[Mapping[str, Any]] = ()) -> dict[str, str]:
    r"""The results whose shown form is that of a result before them: name -> the first such name.

    Only forms with free symbols count: two numbers that are equal say nothing about the quantities (a page's
    numeric values), two identical closed forms say that the quantities are one (the full-history transfer entropy
    and the path mutual-information rate through a hidden intermediate; the entropy production and the
    Kullback–Leibler rate of paths when every variable is recorded). Identical means the same sympy tree (for a
    structured form, the same definitions and the same printed names), so the two would print the same LaTeX.

    ``before`` holds the shown forms of the page's blocks above this one (each a mapping name -> form, as
    :func:`shown_forms` gives them): a result may be written as equal to one of those too (the decoder's
    :math:`\lim_{N \to \infty} \Phi_{\bar x} / N = \Phi_x`). It is not where the earlier name is the result's own
    (a section that states the same quantity again prints it) or one this block prints, nor where that name stands
    for forms of different values on the page (two models' :math:`\sigma`): the reference would not say which.

    Examples
    --------
    >>> import sympy as sp
    >>> g, k = sp.symbols("gamma kappa", positive=True)
    >>> same_as_earlier({r"\sigma": k**2 / g, r"\dot D": k**2 / g, "n": sp.Integer(2), "m": sp.Integer(2)})
    {'\\dot D': '\\sigma'}
    >>> same_as_earlier({r"\lim \Phi / N": k / g}, before=[{r"\Phi": k / g}])
    {'\\lim \\Phi / N': '\\Phi'}
    """
    before = _checked_blocks("same_as_earlier", shown, before)
    above: dict[Any, str] = {}
    for block in before:
        for name, expr in block.items():
            key = _comparable(expr)
            if key is not None:
                above.setdefault(key, name)
    here: dict[Any, str] = {}
    out: dict[str, str] = {}
    for name, expr in shown.items():
        key = _comparable(expr)
        if key is None:
            continue
        if key in here:  # in this block: the nearest, whatever the page's other blocks call by that name
            out[name] = here[key]
            continue
        here[key] = name
        ref = above.get(key)
        # (a name this block prints itself is not referred to above it: "X = sigma" then "sigma = X" would loop)
        if ref is not None and ref != name and ref not in shown and _one_value(ref, [*before, shown]):
            out[name] = ref
    return out


#: The glyphs (:func:`~thermotheory.core.closedform.printed_size`) a result's form needs before a later result is
#: written through its name: a short form reads as well written out (``\chi = 1/m^2``).
THROUGH_MIN_SIZE = 12

#: A label a sum can hold as a term: one symbol with its indices and arguments (``\Phi_{w}``, ``\dot
#: S^{\mathrm{tot}}``, ``I(v; w)``), no relation, limit, quotient or spacing.
_NOT_A_TERM = re.compile(r"=|\\lim|\\text|/|\\[,;:!]|\\quad|\\big|\\sum|\\int| - | \+ ")


def _not_a_term(name: str) -> bool:
    """Whether the label ``name`` cannot stand as a term (:data:`_NOT_A_TERM`), read outside its arguments: the sum
    in ``W(t_1 + t_3)`` is the time it is taken at, the label one symbol."""
    bare, before = name.replace(r"\left(", "(").replace(r"\right)", ")"), None
    while bare != before:  # (innermost brackets first)
        before, bare = bare, re.sub(r"\([^()]*\)", "()", bare)
    return bool(_NOT_A_TERM.search(bare))


def through_earlier(shown: Mapping[str, Any], before: Sequence[Mapping[str, Any]] = (),
                    ratios: bool = True) -> dict[str, Any]:
    r"""The results whose form holds the whole form of a result above as some of its terms, each written through that
    result's name: name -> the form to print (a :class:`~thermotheory.core.closedform.ClosedForm` naming it).

    An author writes a total entropy production as the heat rates it adds, once defined: the tracking report printed
    :math:`\dot S^{\mathrm{tot}} = \frac{\Sigma_{w w} - \dots}{\sigma_w^2 \tau_w} + \frac{\Sigma_{x x} - \dots}
    {\sigma_n^2 \tau_n}`, whose first term is :math:`\Phi_w` printed above it; now
    :math:`\dot S^{\mathrm{tot}} = \Phi_{w} + \dots`.
    A result above is one of ``before`` (the shown forms of the page's blocks above) or of ``shown`` before it, with a
    label that reads as one symbol, a form of at least :data:`THROUGH_MIN_SIZE` glyphs and one value wherever the page
    prints that label (:func:`same_as_earlier`'s rules); its terms must be terms of the later form (the same sympy
    terms, the same definitions and printed names), and some must be left. The largest such result goes first; others
    may follow (:math:`\Phi_x + \Phi_w`). A name of this block means this block's result, whatever the page's other
    blocks call by it. With ``ratios``, a result with no such term whose form is long is written as a ratio, a
    difference or a sum of two results of its block that it equals (:func:`_as_relation`: an efficiency as what it is
    defined by, :math:`\eta(t) = I_t / (I_t + Q_w)`, a subsystem's entropy production as its balance,
    :math:`\dot S^{\mathrm{tot}}_x = \Phi_x - l_x`); a page laid out with named sums decides that on the printed
    lines instead (:func:`quantity_lines`).

    Examples
    --------
    >>> import sympy as sp
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> out = through_earlier({r"\Phi": a / (b + c) + b**2 / (a + c), r"\sigma": a / (b + c) + b**2 / (a + c) + c})
    >>> out[r"\sigma"].latex()
    '\\Phi + c'
    """
    blocks = _checked_blocks("through_earlier", shown, before)
    if not all(isinstance(n, str) for b in [*blocks, shown] for n in b):
        raise InvalidExport("through_earlier: expected LaTeX names (strings) for the results but found "
                            f"{[n for b in [*blocks, shown] for n in b if not isinstance(n, str)][:3]!r}")
    every = [*blocks, shown]
    above: list[tuple[str, Any, bool]] = [(n, f, False) for block in blocks for n, f in block.items()
                                          if _term_like(n, f)]
    out: dict[str, Any] = {}
    for name, form in shown.items():
        written = _written_through(name, form, above, every)
        if written is None and ratios and _comparable(form) is not None:
            size = _size_on_page(name, printed_size(_parts(form)[0]), blocks)
            written = _as_relation(name, form, [(n, f) for n, f, here in above if here and n != name], size=size)
        if written is not None:
            out[name] = written
        if _term_like(name, form):
            above.append((name, form, True))
    return out


#: The glyphs a result's form needs before it is written as a ratio of two results of its block
#: (:func:`through_earlier`): an efficiency whose explicit form fills lines (the synapse page's efficiency under a ramp,
#: two branches of nested fractions) is what it is defined as, information over information plus heat.
RATIO_MIN_SIZE = 80

#: The glyphs a result's form needs before it is written as the difference or the sum of two results of its block
#: (:func:`through_earlier`): a balance is shorter said than a ratio (the decoder's page printed the neuron's entropy
#: production, 89 glyphs over two storeys, where an author writes :math:`\Phi_x - l_x`, the subsystem's second law).
BALANCE_MIN_SIZE = 60

#: The relations of two results ``a`` and ``b`` a result of information thermodynamics is defined by, each with the
#: glyphs a form needs to be written so: the ratios of an efficiency (the information gained over the information
#: plus the heat, one rate over another), then the difference and the sum of a balance (a subsystem's entropy
#: production, its heat rate less its information flow).
_RELATIONS = ((lambda a, b: a / (a + b), RATIO_MIN_SIZE), (lambda a, b: a / b, RATIO_MIN_SIZE),
              (lambda a, b: a - b, BALANCE_MIN_SIZE), (lambda a, b: a + b, BALANCE_MIN_SIZE))


def _as_relation(name: str, form: Any, here: Sequence[tuple[str, Any]], size: int | None = None) -> Any:
    r"""``form`` written as one of :data:`_RELATIONS` of two results of ``here`` (name, form) that it equals at random
    points (or minus one, tried after every relation as it stands: an engine's efficiency :math:`-W / Q_h`), where
    it prints as many glyphs as that relation needs (:data:`RATIO_MIN_SIZE`, :data:`BALANCE_MIN_SIZE`;
    ``size``: as the page prints it; by default its form's) or is written through named entries
    (:func:`_through_entries`); else a monomial times one of them (:func:`_as_multiple`); else None, and for a
    result whose label ``name`` is a quotient already
    (``\epsilon^2 / \operatorname{var}``: its form is what it adds)."""
    if "/" in name or r"\frac" in name or _comparable(form) is None:
        return None
    size = printed_size(_parts(form)[0]) if size is None else size
    relations = [r for r, least in _RELATIONS if _through_entries(form) or size >= least]
    value = form.explicit() if isinstance(form, ClosedForm) else form
    values = [(n, f.explicit() if isinstance(f, ClosedForm) else f) for n, f in here]
    if not relations:
        return _as_multiple(form, value, values, size)
    point = _probe_point(set().union(value.free_symbols, *(v.free_symbols for _, v in values)))
    at = {n: _value(sp.sympify(v), point) for n, v in values}  # (a first look at one point: the checks at random
    here_value = _value(sp.sympify(value), point)  # points are slow)
    a_sym, b_sym = _earlier_name(0), _earlier_name(1)
    nearest = _nearest_of_each_value(values, at)  # (\sigma_r = \Phi_r - l_r, not \sigma - l_r, Phi_r = \sigma above)
    pairs = [(x, y) for x in nearest for y in nearest if x[0] != y[0]]
    for sign, ((a, va), (b, vb)) in ((s, p) for s in (1, -1) for p in pairs):  # (minus a relation last: -W / Q_h)
        for ratio in relations:
            if None not in (here_value, at[a], at[b]):
                try:
                    guess = sign * complex(ratio(at[a], at[b]))
                except ZeroDivisionError:
                    continue
                if abs(guess - here_value) > 1e-8 * max(1.0, abs(here_value)):
                    continue
            if equal_at_random_points(value, sign * ratio(va, vb)):
                return ClosedForm(sign * ratio(a_sym, b_sym), (), {a_sym: a, b_sym: b})
    return _as_multiple(form, value, values, size)


def _probe_point(symbols: Iterable[sp.Symbol]) -> dict:
    """One point of ``symbols`` (distinct positive rationals, in sympy's order) for a first look at relations between
    results, before the checks at random points (:func:`_as_relation`, :func:`_monomial_ratio`)."""
    ordered = sorted(symbols, key=sp.default_sort_key)
    return {s: sp.Rational(7 + 3 * k, 5 + 2 * k) for k, s in enumerate(ordered)}


def _nearest_of_each_value(values: Sequence[tuple[str, Any]], at: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """``values`` (name, value, in the page's order) less each that a later one equals at one point (``at``: name ->
    its value there): of results of one value, the nearest above the result written through them."""
    def same(x: Any, y: Any) -> bool:
        return x is not None and y is not None and abs(x - y) <= 1e-12 * max(1.0, abs(x))

    return [(n, v) for k, (n, v) in enumerate(values) if not any(same(at[n], at[m]) for m, _ in values[k + 1:])]


#: The most glyphs the factor of a result written as a multiple of an earlier one may print (:func:`_as_multiple`):
#: ``2 T \langle W \rangle(t)``, ``\gamma u \langle x \rangle(t)``.
MULTIPLE_MAX_FACTOR = 10

#: How much shorter a result written as a multiple of an earlier one must print than written out: at most this
#: fraction of its glyphs (a form hardly longer reads as well by itself).
MULTIPLE_MAX_SHARE = 0.5

#: A label a result may be written as a multiple of: one name, not a quotient or a limit, not led by a minus sign; a
#: label led by a number (``2 D[Q_x]``) only after a factor with no number of its own (``\frac{\sigma_n^4}{g^2}\,
#: 2 D[Q_x]``: ``2 \cdot 2 D[Q_x]`` would read as a product of numbers).
_MULTIPLE_LABEL = re.compile(r"^(?!\\(?:frac|lim))[^\-]")


def _as_multiple(form: Any, value: sp.Expr, values: Sequence[tuple[str, Any]], size: int) -> Any:
    r"""``form`` (of value ``value``) written as a monomial of its parameters, or a short rational function of them,
    times one earlier result of ``values`` (name, value), as an author writes a result proportional to one above it:
    the dragged trap's :math:`\operatorname{var} W(t) = 2 T \langle W \rangle(t)` (the fluctuation-dissipation
    relation of its work), :math:`\langle W \rangle(t) = \gamma u \langle x \rangle(t)`, the heat engine's power
    :math:`P = -W(t_1 + t_3) / (t_1 + t_3)`; None where no earlier result is, the factor prints more than
    :data:`MULTIPLE_MAX_FACTOR` glyphs, or the written form is not at most :data:`MULTIPLE_MAX_SHARE` of ``size``
    (the glyphs the result prints written out); of several, the shortest written form (among equals the nearest
    above: ``2 T \langle W \rangle(t)``, not ``2 T \gamma u \langle x \rangle(t)``). A monomial factor is found at
    one point (each parameter doubled in turn gives its power), a rational one by cancelling the quotient of small
    forms (:func:`_rational_ratio`); the written form is checked equal at random points. A label led by a number
    takes a factor without a number of its own, set apart (``\frac{\sigma_n^4}{g^2}\, 2 D[Q_x]``). A form written in
    groups (``ClosedForm`` definitions) takes a factor of the symbols it prints only, a factor in the parameters
    rewritten in its groups where it is a product of their powers (:func:`_in_printed`; :math:`2 T \langle W
    \rangle(t)` in the dragged trap's dimensionless block, where :math:`T` stands)."""
    expr, defs, names = _parts(form)
    printed = expr.free_symbols - set(defs)  # (the parameters the form prints: not those a group it uses stands for)
    sym = _earlier_name(0)
    found: list[tuple[int, int, Any]] = []
    for k, (name, earlier) in enumerate(values):
        if not _MULTIPLE_LABEL.match(name) or _not_a_term(name):
            continue
        factor = raw = _monomial_ratio(sp.sympify(value), sp.sympify(earlier)) or _rational_ratio(value, earlier)
        if factor is None or factor == 1 or printed_size(factor) > MULTIPLE_MAX_FACTOR:
            continue
        if defs and not factor.free_symbols <= printed:  # (a block in dimensionless groups prints no raw parameter)
            factor = _in_printed(factor, defs, expr.free_symbols)
            if factor is None or printed_size(factor) > MULTIPLE_MAX_FACTOR:
                continue
            raw = ClosedForm(factor, tuple(defs.items())).explicit()  # (what is written is checked: sqrt(u^2) is |u|)
        if name[:1].isdigit() and abs(factor.as_coeff_Mul()[0]) != 1:
            continue
        written = ClosedForm(factor * sym, (), {**{s: n for s, n in names.items() if s in factor.free_symbols},
                                                 sym: ResultName(name)})
        glyphs = tex_glyphs(written.latex(where=False))
        if glyphs <= MULTIPLE_MAX_SHARE * size and equal_at_random_points(value, raw * earlier):
            found.append((glyphs, -k, written))  # (the shortest; among equals the nearest above)
    return min(found, key=lambda f: f[:2])[2] if found else None


#: The most operations (:func:`sympy.count_ops`, of the two forms together) for which :func:`_as_multiple` cancels
#: their quotient to find a factor that is no monomial (``-1/(t_1 + t_3)``): a cancellation of larger forms is slow.
RATIO_OPS = 60


def _rational_ratio(value: Any, earlier: Any) -> sp.Expr | None:
    r"""``value / earlier`` cancelled and factored where it is a rational function of the parameters (the heat
    engine's power :math:`P = -W(t_1 + t_3) / (t_1 + t_3)`, no monomial of them); None where it is not, or the two
    forms hold more than :data:`RATIO_OPS` operations.

    Examples
    --------
    >>> a, b, c = sp.symbols("a b c", positive=True)
    >>> _rational_ratio(sp.log(a) / (b + c), 2 * sp.log(a))
    1/(2*(b + c))
    >>> _rational_ratio(sp.log(a) + b, sp.log(a)) is None
    True
    """
    value, earlier = sp.sympify(value), sp.sympify(earlier)
    if sp.count_ops(value) + sp.count_ops(earlier) > RATIO_OPS or earlier == 0:
        return None
    try:
        ratio = sp.factor(sp.cancel(sp.together(value / earlier)))
    except (sp.PolynomialError, ValueError, TypeError, ZeroDivisionError):  # (a form cancel cannot take)
        return None
    symbols = ratio.free_symbols
    if ratio == 0 or not symbols or ratio.has(sp.Function) or not ratio.is_rational_function(*symbols):
        return None
    return ratio


def _in_printed(factor: sp.Expr, defs: Mapping[Any, Any], printed: Iterable[sp.Symbol]) -> sp.Expr | None:
    r"""The monomial ``factor`` of the model's parameters as a monomial of the symbols a block in groups prints
    (``printed``: its groups, each defined in ``defs`` as a product of powers, and the parameters it prints as they
    are), powers multiples of 1/2 up to 4 in size; None where it is none such (a group not a monomial, no solution).

    Examples
    --------
    >>> g, sn, sv, snr = sp.symbols("g sigma_n sigma_v SNR", positive=True)
    >>> _in_printed(sn**4 / g**2, {snr: g**2 * sv**2 / sn**2}, [snr, sn, sv])
    sigma_n**2*sigma_v**2/SNR
    >>> _in_printed(sn**4 / g**2, {snr: 4 * g**2 * sv**2 / sn**2}, [snr, sn, sv])
    4*sigma_n**2*sigma_v**2/SNR
    """
    def exponents(e: Any) -> tuple[Any, dict] | None:  # (a monomial's number and powers by symbol; None if none)
        number, out = sp.Integer(1), {}
        for f in sp.Mul.make_args(sp.expand_power_base(sp.sympify(e), force=True)):
            b, x = f.as_base_exp()
            if f.is_number and f.is_positive:
                number *= f
            elif isinstance(b, sp.Symbol) and x.is_Rational:
                out[b] = out.get(b, 0) + x
            else:
                return None
        return number, out

    coeff, rest = factor.as_coeff_Mul()
    printed = sorted(printed, key=sp.default_sort_key)
    found = [exponents(defs.get(p, p)) for p in printed]
    want = exponents(rest)
    if want is None or None in found:  # (a group with a sum in it: not solved for)
        return None
    numbers, parts = [n for n, _ in found], [d for _, d in found]
    target = want[1]
    bases = sorted(set().union(target, *parts), key=sp.default_sort_key)
    M = sp.Matrix([[d.get(b, 0) for d in parts] for b in bases])
    try:
        solution, free = M.gauss_jordan_solve(sp.Matrix([target.get(b, 0) for b in bases]))
    except ValueError:  # (no solution)
        return None
    powers = solution.xreplace({f: 0 for f in free})
    if any(not (2 * e).is_integer or abs(e) > 4 for e in powers):
        return None
    coeff = coeff * want[0] / sp.Mul(*[n ** e for n, e in zip(numbers, powers)])
    return coeff * sp.Mul(*[p ** e for p, e in zip(printed, powers)])


def _monomial_ratio(value: sp.Expr, earlier: sp.Expr) -> sp.Expr | None:
    r"""The monomial ``c \prod_s s^{k_s}`` (``c`` a small rational, each ``k_s`` a multiple of 1/2 up to 4 in size)
    that ``value / earlier`` is at one point of the parameters and at that point with each parameter doubled in turn,
    else None; it is a guess, to be checked at random points.

    Examples
    --------
    >>> T, g, u, t = sp.symbols("T gamma u t", positive=True)
    >>> _monomial_ratio(2 * T * g * u**2 * t, g * u**2 * t)
    2*T
    >>> _monomial_ratio(t + 1, t) is None
    True
    """
    symbols = value.free_symbols | earlier.free_symbols
    if not symbols or any(not isinstance(s, sp.Symbol) for s in symbols):
        return None
    point = _probe_point(symbols)

    def ratio(at: Mapping) -> Any:
        v, e = _value(value, at), _value(earlier, at)
        if v is None or e is None or e == 0 or isinstance(v, complex) or isinstance(e, complex):
            return None
        return v / e

    base = ratio(point)
    if base is None or base == 0:
        return None
    powers = {}
    for s in point:  # (in the point's order)
        moved = ratio({**point, s: 2 * point[s]})
        if moved is None or moved / base <= 0:
            return None
        k = float(sp.log(sp.Float(moved / base, 30), 2))
        half = round(2 * k) / 2
        if abs(k - half) > 1e-9 or abs(half) > 4:
            return None
        if half:
            powers[s] = sp.Rational(int(2 * half), 2)
    scale = float(base) / float(sp.Mul(*[point[s] ** k for s, k in powers.items()]))
    if not math.isfinite(scale) or scale == 0:  # (a factor beyond a float's range: no small rational)
        return None
    c = Fraction(scale).limit_denominator(100)
    if abs(c - scale) > 1e-9 * abs(scale) or abs(c.numerator) > 1000:
        return None
    return sp.Rational(c.numerator, c.denominator) * sp.Mul(*[s ** k for s, k in powers.items()])


def _through_entries(form: Any) -> bool:
    """Whether ``form`` is written through named entries (a structured form: its expression holds a name it defines
    as a sum or a matrix, a covariance entry or a determinant) rather than in the model's parameters or their groups:
    such a form is no closed form a reader evaluates by itself, and the ratio of two results it equals says the same in
    fewer glyphs, at any size."""
    if not isinstance(form, ClosedForm) or isinstance(form.expr, sp.MatrixBase):
        return False
    held = form.expr.free_symbols  # (a dimensionless group is defined as a product of powers: not an entry)
    return any(n in held and (isinstance(n, sp.MatrixSymbol) or v.has(sp.Add)) for n, v in form.definitions)


#: The prefix of the symbols that stand for the names of earlier results in a written form (its ``names`` print them).
_EARLIER = "earlier_result_"


def _earlier_name(k: int) -> sp.Symbol:
    """The ``k``-th stand-in for an earlier result's name in one written form."""
    return sp.Symbol(f"{_EARLIER}{k}")


def _term_like(name: str, form: Any) -> bool:
    """Whether a result can stand as a term of a later one: a label of one symbol, a form of some size."""
    if _comparable(form) is None or _not_a_term(name):
        return False
    return printed_size(form.expr if isinstance(form, ClosedForm) else form) >= THROUGH_MIN_SIZE


def _parts(form: Any) -> tuple[Any, dict, dict]:
    """A shown form's expression, definitions (symbol -> value) and printed names."""
    if isinstance(form, ClosedForm):
        return form.expr, dict(form.definitions), dict(form.names)
    return form, {}, {}


def _written_through(name: str, form: Any, above: Sequence[tuple[str, Any, bool]], every: Sequence[Mapping]) -> Any:
    """``form`` with the terms that are results of ``above`` (name, form, whether of this block) written by their
    names (None where none is)."""
    expr, defs, names = _parts(form)
    if not isinstance(expr, sp.Add) or isinstance(form, sp.MatrixBase):
        return None
    left = list(expr.args)
    taken: list[tuple[sp.Symbol, str]] = []
    for ref, earlier, here in sorted(above, key=lambda a: -len(sp.Add.make_args(_parts(a[1])[0]))):
        e_expr, e_defs, e_names = _parts(earlier)
        terms = list(sp.Add.make_args(e_expr))
        # (the whole form is same_as_earlier's; beside a name taken, the rest may be one result whole: \Phi_x + \Phi_w)
        whole = len(terms) > len(left) or (len(terms) == len(left) and not taken)
        if ref == name or whole or not _same_meaning(e_expr, e_defs, e_names, defs, names):
            continue
        rest = list(left)
        try:
            for t in terms:
                rest.remove(t)
        except ValueError:  # a term it lacks
            continue
        if not here and not _one_value(ref, every):  # (a name of this block means its own result: the nearest)
            continue
        left = rest
        taken.append((_earlier_name(len(taken)), ref))
    if not taken:
        return None
    rest = _rest_as_result(left, name, (defs, names), above, [ref for _, ref in taken])
    if rest is not None:  # (the terms left are a result above, written otherwise: \sigma = \dot D_{v,x} + \dot D_{x,y})
        taken.append((_earlier_name(len(taken)), rest))
        left = []
    written = _NamesFirst(*[s for s, _ in taken], *left, evaluate=False)
    return ClosedForm(written, tuple(defs.items()), {**names, **dict(taken)})


def _rest_as_result(left: Sequence[Any], name: str, meaning: tuple[Mapping, Mapping],
                    above: Sequence[tuple[str, Any, bool]], taken: Sequence[str]) -> str | None:
    """The name of a result of the block above ``name`` (``above``: name, form, whether of this block), not one of
    ``taken``, that the terms ``left`` add to, where they are more than one (checked at random points: its form may be
    factored otherwise, its terms not those of the later form); its symbols meaning what they mean there
    (``meaning``: the later form's definitions and printed names, :func:`_same_meaning`). Else None; the nearest above
    first."""
    if len(left) < 2:
        return None
    value = sp.Add(*left)
    for ref, earlier, here in reversed(above):
        if not here or ref == name or ref in taken or _comparable(earlier) is None:
            continue
        e_expr, e_defs, e_names = _parts(earlier)
        if _same_meaning(e_expr, e_defs, e_names, *meaning) and equal_at_random_points(value, e_expr):
            return ref
    return None


class _NamesFirst(sp.Add):
    """A sum printed with the names of earlier results first, as an author adds to them (:func:`through_earlier`),
    the other terms after them in the printer's order (:func:`~thermotheory.core.closedform.theorist_order`)."""

    #: Read by the printer: the order here is final (a positive constant does not go before the names).
    keep_order = True

    def as_ordered_terms(self, order: Any = None, data: bool = False) -> Any:
        out = sp.Add(*self.args).as_ordered_terms(order=order, data=data)
        terms = list(out[0] if data else out)
        named = [t for t in terms if t.is_Symbol and t.name.startswith(_EARLIER)]
        terms = named + theorist_order([t for t in terms if t not in named])
        return (terms, out[1]) if data else terms


def _same_meaning(expr: Any, defs: Mapping, names: Mapping, later_defs: Mapping, later_names: Mapping) -> bool:
    """Whether the symbols of ``expr`` mean in the later form what they mean in the earlier one: each defined symbol
    defined alike there, each printed name printed alike, no parameter of the earlier form defined in the later; the
    symbols of the definitions it uses too, down the chain (``C_2 = C_1 + a`` alike in both, ``C_1`` another)."""
    used = set(expr.free_symbols).union(*(getattr(v, "free_symbols", set())
                                          for _, v in needed_definitions(expr, defs.items())))
    for sym in used:
        if sym in defs:
            if later_defs.get(sym) != defs[sym]:
                return False
        elif sym in later_defs:
            return False
        if names.get(sym) != later_names.get(sym):
            return False
    return True


def _checked_blocks(what: str, shown: Any, before: Any) -> list:
    """``before`` as a list of the shown forms of the blocks above, ``shown`` and it checked (a clear
    :class:`~thermotheory.errors.InvalidExport` naming ``what`` for anything else)."""
    if not isinstance(shown, Mapping):
        raise InvalidExport(f"{what}: expected a mapping of LaTeX names to closed forms but found "
                            f"{type(shown).__name__} {shown!r:.80}")
    blocks = None if isinstance(before, (Mapping, str)) else _listed(before)
    if blocks is None or not all(isinstance(b, Mapping) for b in blocks):
        raise InvalidExport(f"{what}: before: expected a sequence of mappings (the shown forms of the blocks "
                            f"above) but found {type(before).__name__} {before!r:.80}")
    return blocks


def _listed(items: Any) -> list | None:
    """``items`` as a list (an iterator read once), or None where it is not iterable."""
    try:
        return list(items)
    except TypeError:
        return None


def _comparable(expr: Any) -> Any:
    """What :func:`same_as_earlier` compares of a shown form (None where it compares nothing: a number, a matrix)."""
    form = expr.expr if isinstance(expr, ClosedForm) else expr
    # a structured form's parameters are those its definitions leave free; its printed names count too
    if not isinstance(form, sp.Basic) or isinstance(form, sp.MatrixBase) or not expr.free_symbols:
        return None
    key = (expr, frozenset(expr.names.items())) if isinstance(expr, ClosedForm) else expr
    try:
        hash(key)
    except TypeError:  # not hashable: not compared
        return None
    return key


def _one_value(name: str, blocks: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every form named ``name`` in ``blocks`` has one value (equal at random points)."""
    forms = [b[name] for b in blocks if name in b]
    if any(_comparable(f) is None for f in forms):  # a number, a matrix or no form under that name: not one value
        return False
    values = [sp.sympify(f.explicit() if isinstance(f, ClosedForm) else f) for f in forms]
    try:
        return all(equal_at_random_points(values[0], v) for v in values[1:])
    except (TypeError, ValueError, sp.SympifyError):  # not comparable: not referred to
        return False


def _results(shown: Mapping[str, Any], before: Sequence[Mapping[str, Any]] = (), ratios: bool = True):
    """``(name, form, earlier)`` for each result of a block: ``earlier`` the name of a result above with the same form
    (:func:`same_as_earlier`), printed in its stead, else None; ``form`` written through results above where it holds
    them (:func:`through_earlier`)."""
    earlier = same_as_earlier(shown, before)
    through = through_earlier(shown, before, ratios)
    for name, expr in shown.items():
        yield name, through.get(name, expr), earlier.get(name)


def page_sums(parts: Sequence[Mapping[str, Any]], regime: Mapping | None = None) -> dict:
    """One printed form per sum over every part of a page (:func:`~thermotheory.core.presentation.one_form_per_sum`
    of their compacted forms); with a ``regime`` (a point of the parameters), differences and quotients oriented as
    they are there (:func:`regime_sums`)."""
    forms = [compact(_family_apart(v)[0]) for part in parts for v in _notation_checked(part).values()]
    return one_form_per_sum(forms) if regime is None else regime_sums(forms, regime)


def regime_sums(forms: Sequence[Any], regime: Mapping) -> dict:
    r"""How a document writes its sums: one way among its ``forms``
    (:func:`~thermotheory.core.presentation.one_form_per_sum`), and a difference printed one way only, or a quotient's
    numerator and denominator both negative, in the orientation positive at the point ``regime``
    (:func:`~thermotheory.core.presentation.positive_sums`: ``T_h - T_c`` for an engine with ``T_h > T_c``; an
    engine's efficiency with its numerator and denominator positive). Apply it with
    :func:`~thermotheory.core.presentation.same_sums`.

    Parameters
    ----------
    forms : sequence of sympy expressions or closed forms
    regime : mapping sympy symbol -> real number
        A point of the parameters where the model is in its regime (a report's default values).

    Raises
    ------
    InvalidExport
        For a regime that is not a mapping of symbols to real numbers.
    ModelError
        For forms that are not a sequence of expressions, closed forms or matrices, and a regime whose symbols are
        not those of the forms but of their names (other assumptions: they would match nothing;
        :func:`~thermotheory.core.presentation.positive_sums`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.presentation import same_sums
    >>> Th, Tc, L, A = sp.symbols("T_h T_c L A", positive=True)
    >>> eta = (2 * A + L * Tc - L * Th) / (2 * A - L * Th)  # an engine's efficiency, -W / Q_h
    >>> latex_of(same_sums(eta, regime_sums([eta], {Th: 2, Tc: 1, L: 1, A: 0.25})))
    '\\frac{L T_{h} - 2 A - L T_{c}}{L T_{h} - 2 A}'
    """
    _check_regime(regime)
    sums = one_form_per_sum(forms)
    taken = set(sums) | {s for v in sums.values() for s in sp.preorder_traversal(v) if isinstance(s, sp.Add)}
    turned = {x: y for x, y in positive_sums(forms, regime).items() if x not in taken}
    return {**sums, **turned}


def _check_regime(regime: Any) -> None:
    """Refuse (:class:`~thermotheory.errors.InvalidExport`) a regime that is not a mapping of symbols to real
    numbers."""
    if not isinstance(regime, Mapping) or not all(isinstance(k, sp.Symbol) and _real_number(v)
                                                  for k, v in regime.items()):
        raise InvalidExport(f"a regime must map sympy symbols to real numbers but is {regime!r:.80}")


def _real_number(v: Any) -> bool:
    """Whether ``v`` is a finite real number (a float, an int, numpy's, sympy's exact ones: ``sp.pi``), not a bool."""
    if isinstance(v, bool) or not isinstance(v, (numbers.Real, sp.Basic)):
        return False
    v = sp.sympify(v)
    return bool(v.is_number and v.is_extended_real and v.is_finite)


def page_namer(values: Any, symbols: Any = ()) -> Any:
    r"""The names of introduced definitions (``C_1, C_2, ...``) for a page: a letter that starts none of the
    symbols of ``values`` and none of the heads of ``symbols`` (LaTeX: the page's notations, so that ``C_1``
    is not taken for a relative of the sensory capacity ``C_x``).

    Examples
    --------
    >>> import sympy as sp
    >>> page_namer([sp.Symbol("a")], ["C_{x}"])().name
    'K_1'
    """
    heads = [notation_head(s) for s in symbols]
    namer = new_namer([*values, *(sp.Symbol(h) for h in heads if h)])
    namer.printed |= {s for s in symbols if isinstance(s, str)}  # (a preferred name is none of the page's notations)
    namer.shorten = compact  # a part written through a named sibling is as short as the page's forms
    return namer


def shared_definitions(values: Any) -> ClosedForm | None:
    """The union of the definitions of the structured closed forms among ``values`` (None if there are none).

    Scalars first (in the order first met), then the matrices built from them; a name
    defined differently by two closed forms is refused.
    """
    forms = [v for v in values if isinstance(v, ClosedForm) and v.definitions]
    if not forms:
        return None
    total = ClosedForm(0)
    seen: dict = {}
    for f in forms:
        for n, v in f.definitions:  # ClosedForm addition renames a clash; one shared "where" block cannot
            if seen.setdefault(n, v) != v:
                raise InvalidExport(f"cannot show closed forms that define {n} differently under one 'where'")
        total = total + ClosedForm(0, f.definitions, f.names)
    defs = sorted(total.definitions, key=lambda d: isinstance(d[0], MatrixSymbol))
    return ClosedForm(0, defs, total.names)


def derivation_markdown(title: str, model: LinearSDE, quantities: Mapping[str, Any], source: str = "",
                        text: str = "", sums: Mapping | None = None, avoid: Sequence[str] = (),
                        before: Sequence[Mapping[str, Any]] = ()) -> str:
    """A Markdown page: title, the model's SDEs and one formula per quantity (``text``: sentences before them;
    ``sums``, ``avoid`` and ``before``: as for :func:`derivation_tex`).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> derivation_markdown("OU", LinearSDE({x: -x}, {x: 1}), {}).splitlines()[0]
    '# OU'
    """
    _check_text(title, "title")
    _check_text(source, "source")
    _check_text(text, "text")
    md = [f"# {md_title(title)}", ""]
    if source:
        md += [f"Generated by `{source}`.", ""]
    if text.strip():
        md += [_md_text(text.strip()), ""]
    with within_domain(domain_of(model)):
        page_shown = _page_shown(model, quantities)
        md += ["$$" + model_latex(model, avoid=_names_to_avoid(avoid) or list(page_shown)) + "$$", ""]
        shown = shown_forms(page_shown, sums)
        where = shared_definitions(shown.values())
        composites = _composites(shown, TEXT_WIDTH, where)  # (the parameter the LaTeX page names, named alike)
        namer = page_namer(list(shown.values()), [*shown, *avoid]) if composites else None
        named: list[str] = []  # (their definitions, lines of an align)

        def written(expr: Any) -> Any:
            return _through_composite(expr, composites, TEXT_WIDTH, namer, named) if composites else expr

        for name, expr, earlier in _results(shown, before):
            if earlier is not None:
                md.append(f"- ${name} = {earlier}$")
                continue
            expr = written(expr)
            md.append(f"- ${name} = {expr.latex(where=False) if isinstance(expr, ClosedForm) else latex(expr)}$")
        if where is not None and composites:
            where = ClosedForm(where.expr, [(n, written(v)) for n, v in where.definitions], where.names, where.hurwitz)
        if named:
            md += ["", "where", ""] + [f"- ${line.replace(' &= ', ' = ', 1)}$" for line in named if " &= " in line]
        if where is not None:
            given = {latex_of(sym, symbol_names=where.names) for sym in _given_above(shown, where)}
            kept, skipping = [], False
            for line in where.latex_lines(too_long=too_long)[2:]:  # (at the page's width, TEXT_WIDTH)
                if " &= " in line:
                    skipping = line.split(" &= ", 1)[0].strip() in given
                if not skipping:
                    kept.append(line)
            if kept:
                md += ([] if named else ["", "where", ""]) + [f"- ${line.replace(' &= ', ' = ', 1)}$" for line in kept]
        return "\n".join(md)


def _given_above(shown: Mapping[str, Any], where: ClosedForm) -> set:
    r"""The definitions of ``where`` that a result of ``shown`` already gives: the same printed name, the same value.

    A page that lists :math:`n_\infty` among its results and uses it in another result's form
    would otherwise define it a second time under "where" (one symbol, printed twice).
    """
    given = set()
    for sym, value in where.definitions:
        name = latex_of(sym, symbol_names=where.names)
        name = name if name in shown else unbraced(name)
        if name not in shown:
            continue
        result = shown[name]
        result = result.explicit() if isinstance(result, ClosedForm) else result
        defined = ClosedForm(value, where.definitions, where.names).explicit()
        try:
            if equal_at_random_points(sp.sympify(result), sp.sympify(defined)):
                given.add(sym)
        except (TypeError, ValueError, sp.SympifyError):  # not comparable (a matrix beside a scalar): keep both
            continue
    return given


def unbraced(tex: str) -> str:
    r"""A label without the braces of its one-character subscripts, the form two labels are compared in.

    Examples
    --------
    >>> unbraced("P_{s}(0)"), unbraced(r"P_{\mathrm{s}}(0)")
    ('P_s(0)', 'P_{\\mathrm{s}}(0)')
    """
    if not isinstance(tex, str):
        raise InvalidExport(f"unbraced: expected a label (LaTeX text) but found {type(tex).__name__} {tex!r:.60}")
    return re.sub(r"_\{(\w)\}", r"_\1", tex)


#: The preamble of the documents written here: amsmath, 2 cm margins, displays that break across pages.
PREAMBLE = (r"\documentclass[10pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath}",
            r"\usepackage{longtable}", r"\usepackage[a4paper,margin=2cm]{geometry}", r"\allowdisplaybreaks")


def derivation_document(title: str, body: str) -> str:
    r"""A complete LaTeX document: the preamble, the title (escaped) and the body.

    Examples
    --------
    >>> doc = derivation_document("v -> x", r"\begin{align} a &= b \end{align}")
    >>> doc.startswith(r"\documentclass") and r"$v \to x$" in doc and doc.rstrip().endswith(r"\end{document}")
    True
    """
    _check_text(title, "title")
    _check_text(body, "body")
    return "\n".join([*PREAMBLE, r"\begin{document}", rf"\section*{{{tex_title(title)}}}", body,
                      r"\end{document}"]) + "\n"


def output_dir(script: str | os.PathLike) -> Path:
    """Where a derivation script writes: ``$THERMOTHEORY_OUT``, else ``docs/derivations`` beside its folder.

    Examples
    --------
    >>> import os
    >>> "THERMOTHEORY_OUT" in os.environ or output_dir("/p/derivations/x.py").as_posix() == "/p/docs/derivations"
    True
    """
    env = os.environ.get("THERMOTHEORY_OUT")
    return Path(env) if env else Path(script).resolve().parents[1] / "docs" / "derivations"


def write_derivation(
    name: str,
    title: str,
    model: LinearSDE,
    quantities: Mapping[str, Any],
    out: str | os.PathLike,
    sections: Sequence[Section] = (),
    figures: Sequence[str] = (),
    *,
    text: str = "",
    glossary: Mapping[Any, Any] | None = None,
    references: Sequence[str] = (),
    regime: Mapping[sp.Symbol, float] | None = None,
) -> tuple[Path, Path]:
    r"""Write ``<out>/<name>.tex`` and ``<out>/<name>.md``; returns their paths.

    The page says the conventions once; each quantity takes a notation that means nothing
    else on the page (:class:`PageNotation`: the entropy production is not written
    ``\sigma`` beside a noise amplitude ``\sigma_v``; a sentence says so); then come the
    sections, each with its narrative, model and closed forms; a glossary (symbol, meaning,
    units; :func:`glossary_rows`) and the references cited (the quantities' ``reference``
    keys and ``references``, from ``docs/references.bib``). The Markdown page has the same.

    Parameters
    ----------
    name, title : str
        File stem (the script is ``derivations/<name>.py``) and page title.
    model, quantities
        The first (or only) model and its closed forms (a Derivation, or LaTeX name -> expression).
    out : path
        Output folder (created if needed).
    sections : sequence of (heading, model, quantities) or (heading, model, quantities, text), optional
        Further models of the same derivation, each written under its heading, after its
        narrative ``text`` if given.
    figures : sequence of str, optional
        File names of figures in ``out`` to show on the Markdown page.
    text : str, optional
        A few sentences on the first model (its assumptions, the reference it reproduces); math between ``$``.
    glossary : mapping, optional
        Symbol (a sympy symbol, its name or LaTeX) -> meaning, or (meaning, units): the
        model's parameters and the page's own names, for the glossary.
    references : sequence of str, optional
        Further keys of ``docs/references.bib`` to cite (the papers a model comes from).
    regime : mapping sympy symbol -> real number, optional
        A point of the parameters where the models are in the regime the page describes (an engine's): a difference,
        and a quotient's numerator and denominator both negative there, are printed in the orientation positive
        there (:func:`regime_sums`), as a report prints them at its default values.

    Examples
    --------
    >>> import tempfile, sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> tex, md = write_derivation("ou", "OU", LinearSDE({x: -x}, {x: 1}), {}, tempfile.mkdtemp(),
    ...                            text="An Ornstein-Uhlenbeck process.", glossary={x: "position"})
    >>> tex.name, md.name, "position" in md.read_text()
    ('ou.tex', 'ou.md', True)
    """
    _check_text(title, "title")
    _check_text(text, "text")
    tex, md = file_in(out, name, ".tex"), file_in(out, name, ".md")
    figures = [figures] if isinstance(figures, str) else figures
    try:
        figures, sections = list(figures), list(sections)
        references = [references] if isinstance(references, str) else list(references)
    except TypeError:
        raise InvalidExport("figures, sections and references must be sequences") from None
    for f in figures:
        file_in(out, f, what="figure name")
    for k, section in enumerate(sections):
        if not (isinstance(section, Sequence) and not isinstance(section, str) and len(section) in (3, 4)):
            raise InvalidExport(f"section {k} must be a tuple (heading, model, quantities) or (heading, model, "
                                f"quantities, text) but is {section!r}")
        _check_text(section[0], f"heading of section {k}")
        if len(section) == 4:
            _check_text(section[3], f"text of section {k}")
    for key in references:
        _check_text(key, "reference key")
    if regime is not None:
        _check_regime(regime)  # (refused before anything is derived)
    parts = [(model, quantities), *((s[1], s[2]) for s in sections)]
    for _, part in parts:
        _notation_checked(part)
    with within_domain(domain_of(*(m for m, _ in parts))):  # (a binary synapse's 0 < f < 1)
        page = PageNotation(parts)
        shown = [page.notation(part) for _, part in parts]
        values = [v for part in shown for v in part.values()]
        namer = page_namer([v for v in values if isinstance(v, (sp.Basic, ClosedForm))],
                           [*page.symbols, *(n for part in shown for n in part)])
        source = f"derivations/{name}.py"
        intro = [CONVENTIONS, *page.notes]
        sums = page_sums(shown, regime)  # each sum written one way on the whole page (and as the regime has it)
        names = [*page.symbols, *(n for part in shown for n in part)]  # a model's own labels avoid them all
        forms = [shown_forms(part, sums) for part in shown]  # what each block prints: a later one may refer to it
        tex_parts = [" ".join(_text(line) for line in intro),
                     derivation_tex(model, shown[0], source, text, namer, sums=sums, avoid=names)]
        md_parts = [derivation_markdown(title, model, shown[0], source, text, sums=sums, avoid=names)]
        md_parts[0] = md_parts[0].replace("\n\n", "\n\n" + " ".join(_md_text(line) for line in intro) + "\n\n", 1)
        for k, ((heading, *_rest), part) in enumerate(zip(sections, shown[1:]), start=1):
            sub_model, sub_text = _rest[0], (_rest[2] if len(_rest) == 3 else "")
            tex_parts.append(f"\\paragraph{{{tex_title(heading)}}}\n" + derivation_tex(sub_model, part, text=sub_text,
                                                                                       namer=namer, sums=sums,
                                                                                       avoid=names, before=forms[:k]))
            body = derivation_markdown(heading, sub_model, part, text=sub_text, sums=sums, avoid=names,
                                       before=forms[:k]).split("\n", 1)[1]
            md_parts.append(f"## {md_title(heading)}\n" + body)
        md_parts += [f"![{Path(f).stem}]({f})" for f in figures]
        rows = document_rows(parts, page, glossary, [f for block in forms for f in block.values()],
                             "\n".join(tex_parts), avoid=names)
        extra = composite_rows(namer, rows)  # (the effective parameters the pages print, said in words)
        cited = bibliography(reference_keys(parts, references))
        tex_parts += [t for t in (glossary_tex(rows + extra), bibliography_tex(cited)) if t]
        md_text = "\n".join(md_parts)
        md_rows = rows + [row for row in extra if row[0].strip("$") in md_text]  # (a composite the Markdown prints)
        md_parts += [t for t in (glossary_markdown(md_rows), bibliography_markdown(cited)) if t]
        output_folder(out)  # only once everything is rendered: a refusal writes nothing
        tex.write_text(derivation_document(title, "\n\n".join(tex_parts)))
        md.write_text("\n\n".join(md_parts) + "\n")
        return tex, md


def save_figure(fig: Any, name: str, out: str | os.PathLike) -> Path:
    """Save a matplotlib figure as ``<out>/<name>.png`` (100 dpi) and close it; returns the path.

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> save_figure(fig, "empty", tempfile.mkdtemp()).name
    'empty.png'
    """
    import matplotlib.pyplot as plt

    if not callable(getattr(fig, "savefig", None)):
        raise InvalidExport(f"expected a matplotlib figure but found {type(fig).__name__}")
    path = file_in(out, name, ".png", "figure name")
    output_folder(out)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
