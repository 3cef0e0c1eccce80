"""Write a derivation (a model and its closed forms) as LaTeX and Markdown."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sympy as sp
from sympy import MatrixSymbol

from ..core.closedform import ClosedForm, latex_of
from ..core.layout import align_rows, fit_parts
from ..core.presentation import compact
from .layout import TEXT_WIDTH, checked_value, checked_width, fit_lines, new_namer, tex_text
from ..core.evaluate import latex
from ..core.model import LinearSDE
from ..errors import InvalidExport
from .model_latex import model_latex, model_latex_lines

__all__ = ["tex_title", "md_title", "notation", "derivation_tex", "derivation_markdown", "derivation_document", "quantity_lines", "shared_definitions", "output_dir", "write_derivation", "save_figure", "file_in", "output_folder"]

#: One part of a derivation: a heading, a model and its named closed forms.
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
    text = _check_text(text, "title")
    pieces = _TITLE_MATH.split(text)
    return "".join(f"${_title_math(p)}$" if k % 2 else tex_text(p) for k, p in enumerate(pieces))


def md_title(text: str) -> str:
    r"""A title or heading for Markdown: its math (as :func:`tex_title` finds it) between ``$``.

    Examples
    --------
    >>> md_title("Storing after a step of duration t_w")
    'Storing after a step of duration $t_{w}$'
    """
    text = _check_text(text, "title")
    pieces = _TITLE_MATH.split(text)
    return "".join(f"${_title_math(p)}$" if k % 2 else p for k, p in enumerate(pieces))


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


def derivation_tex(model: LinearSDE, quantities: Mapping[str, Any], source: str = "") -> str:
    r"""An ``align`` environment with the model's SDEs and one line per quantity (LaTeX name -> closed form).

    ``quantities`` is a :class:`~thermotheory.derivation.Derivation` (notation from its
    quantities) or a mapping LaTeX name -> closed form.

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> print(derivation_tex(LinearSDE({x: -x}, {x: 1}), {r"\langle x^2 \rangle": sp.Integer(1)}))
    \begin{align}
    dx &= \left(- x\right) dt + \sqrt{2}\, dW_{x} \\
    \langle x^2 \rangle &= 1
    \end{align}
    """
    _check_text(source, "source")
    model_lines = model_latex_lines(model)
    results = quantity_lines(quantities)
    lines = [f"% generated by {source}"] if source else []
    if any(line.strip() in _HEADS for line in model_lines) and results:
        # the model's own "where" (or "with") block ends its environment: the results are no definitions
        lines += [r"\begin{align}", align_rows(model_lines), r"\end{align}", r"\begin{align}", align_rows(results)]
    else:
        lines += [r"\begin{align}", align_rows(model_lines + results)]
    lines.append(r"\end{align}")
    return "\n".join(lines)


#: Lines that open a block of definitions.
_HEADS = (r"&\text{where}", r"&\text{with}")


def quantity_lines(quantities: Mapping[str, Any], width: float = TEXT_WIDTH) -> list[str]:
    r"""``align`` lines for named closed forms: each compacted and fitted to the page, then the shared definitions.

    Each closed form goes through the presentation pass
    (:func:`~thermotheory.core.presentation.compact`) and is broken to fit ``width``
    (:func:`~thermotheory.export.layout.fit_lines`); the definitions of structured closed
    forms follow all of them, once, under ``\text{where}``.
    """
    width = checked_width(width)
    shown = {name: compact_cached(expr) for name, expr in _notation_checked(quantities).items()}
    namer = new_namer(shown.values())  # one set of introduced names for the whole block
    lines: list[str] = []
    definitions: list[str] = []  # every result first, then all the definitions under one "where"
    for name, expr in shown.items():
        bare = ClosedForm(expr.expr, (), expr.names) if isinstance(expr, ClosedForm) else expr
        result, defined = fit_parts(name, bare, width, namer)
        lines += result
        definitions += defined
    where = shared_definitions(shown.values())
    if where is not None:
        for sym, value in where.definitions:
            result, defined = fit_parts(latex_of(sym, symbol_names=where.names), value, width, namer, where.names)
            definitions += result + defined
    if definitions:
        lines += [r"&\text{where}", *definitions]
    return lines


def compact_cached(expr: Any) -> Any:
    """:func:`~thermotheory.core.presentation.compact` (which remembers its results: a page and its Markdown twin share the work)."""
    return compact(expr)


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


def derivation_markdown(title: str, model: LinearSDE, quantities: Mapping[str, Any], source: str = "") -> str:
    """A Markdown page: title, the model's SDEs and one formula per quantity.

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
    md = [f"# {md_title(title)}", ""]
    if source:
        md += [f"Generated by `{source}`.", ""]
    md += ["$$" + model_latex(model) + "$$", ""]
    shown = {name: compact_cached(expr) for name, expr in _notation_checked(quantities).items()}
    for name, expr in shown.items():
        md.append(f"- ${name} = {expr.latex(where=False) if isinstance(expr, ClosedForm) else latex(expr)}$")
    where = shared_definitions(shown.values())
    if where is not None:
        md += ["", "where", ""] + [f"- ${line.replace(' &= ', ' = ', 1)}$" for line in where.latex_lines()[2:]]
    return "\n".join(md)


#: The preamble of the documents written here: amsmath, 2 cm margins, displays that break across pages.
PREAMBLE = (r"\documentclass[10pt]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage{amsmath}",
            r"\usepackage[a4paper,margin=2cm]{geometry}", r"\allowdisplaybreaks")


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
) -> tuple[Path, Path]:
    """Write ``<out>/<name>.tex`` and ``<out>/<name>.md``; returns their paths.

    Parameters
    ----------
    name, title : str
        File stem (the script is ``derivations/<name>.py``) and page title.
    model, quantities
        The first (or only) model and its closed forms (LaTeX name -> expression).
    out : path
        Output folder (created if needed).
    sections : sequence of (heading, model, quantities), optional
        Further models of the same derivation, each written under its heading.
    figures : sequence of str, optional
        File names of figures in ``out`` to show on the Markdown page.

    Examples
    --------
    >>> import tempfile, sympy as sp
    >>> from thermotheory import LinearSDE
    >>> x = sp.Symbol("x", real=True)
    >>> tex, md = write_derivation("ou", "OU", LinearSDE({x: -x}, {x: 1}), {}, tempfile.mkdtemp())
    >>> tex.name, md.name
    ('ou.tex', 'ou.md')
    """
    _check_text(title, "title")
    tex, md = file_in(out, name, ".tex"), file_in(out, name, ".md")
    figures = [figures] if isinstance(figures, str) else figures
    try:
        figures, sections = list(figures), list(sections)
    except TypeError:
        raise InvalidExport("figures and sections must be sequences") from None
    for f in figures:
        file_in(out, f, what="figure name")
    for k, section in enumerate(sections):
        if not (isinstance(section, Sequence) and not isinstance(section, str) and len(section) == 3):
            raise InvalidExport(f"section {k} must be a tuple (heading, model, quantities) but is {section!r}")
        _check_text(section[0], f"heading of section {k}")
    source = f"derivations/{name}.py"
    tex_parts = [derivation_tex(model, quantities, source)]
    md_parts = [derivation_markdown(title, model, quantities, source)]
    for heading, sub_model, sub_quantities in sections:
        tex_parts.append(f"\\paragraph{{{tex_title(heading)}}}\n" + derivation_tex(sub_model, sub_quantities))
        body = derivation_markdown(heading, sub_model, sub_quantities).split("\n", 1)[1]
        md_parts.append(f"## {md_title(heading)}\n" + body)
    md_parts += [f"![{Path(f).stem}]({f})" for f in figures]
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
