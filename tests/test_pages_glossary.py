r"""Glossaries without plain-text math (issue #24): every piece of math of a "meaning" between ``$``.

The meaning column of a page's Notation table comes from the descriptions of the quantity records
(:mod:`thermotheory.registry`), of the models' :class:`~thermotheory.derivation.Definition` and of the
pages' own glossaries. A referee flags ``at time t``, ``(f = 1/2)``, ``E[w | mu] = c(t) mu`` or
``Q/T`` written as prose: in LaTeX text mode ``|`` prints as an em dash and ``<``, ``>`` as inverted
marks, in a Markdown table ``|`` becomes ``/``, and a variable set in roman reads as a word.

The pages scanned are those of ``THERMOTHEORY_PAGES`` (a folder; default ``docs/derivations``), so that
pages regenerated elsewhere (``THERMOTHEORY_OUT=/tmp/x python derivations/<page>.py``) can be checked.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from thermotheory.catalog import CATALOG, entry
from thermotheory.export.derivation import glossary_markdown, glossary_rows, glossary_tex
from thermotheory.export.layout import _GREEK, tex_text
from thermotheory.export.report import _page
from thermotheory.registry import QUANTITIES

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(os.environ.get("THERMOTHEORY_PAGES") or ROOT / "docs" / "derivations")

#: Words of one letter that are English, not variables.
_WORDS = {"a", "A"}
#: Abbreviations whose letters are not variables.
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|cf|etc|vs)\.")
#: Plain-text math outside ``$...$``: what each pattern means, for the failure message.
_PLAIN_MATH = [
    (re.compile(r"\^"), "a power '^'"),
    (re.compile(r"_"), "a subscript '_'"),
    (re.compile(r"\|"), "a bar '|' (an em dash in LaTeX text, a column in Markdown)"),
    (re.compile(r"->|<-"), "an arrow '->'"),
    (re.compile(r"[<>]"), "'<' or '>' (inverted marks in LaTeX text)"),
    (re.compile(r"="), "an '=' between math"),
    (re.compile(r"(?<![\w'’.-])([A-Za-z])(?![\w'’-])"), "a variable of one letter"),
    (re.compile(r"\b[A-Za-z]\d+\b"), "a variable with an index ('x1')"),
]


def outside_math(text: str) -> str:
    """``text`` with its math (between ``$``) and its abbreviations replaced by blanks."""
    return _ABBREVIATIONS.sub(" ", re.sub(r"\$[^$]*\$", " ", text))


def plain_math(text: str, greek: bool = True) -> list[str]:
    r"""The plain-text math of ``text`` outside ``$...$``: one line per defect (what, where).

    ``greek``: also flag a Greek name written as a word (``mu``); the exporters typeset them, but a
    description writes its math between ``$`` (a page's Markdown shows them as ``$\mu$`` already).
    """
    if text.count("$") % 2:
        return [f"an unclosed '$' in {text!r}"]
    rest = outside_math(text)
    found = []
    for pattern, what in _PLAIN_MATH:
        for m in pattern.finditer(rest):
            if what.startswith("a variable of one letter") and m.group(1) in _WORDS:
                continue
            found.append(f"{what}: {m.group(0)!r}")
    if greek:
        found += [f"a Greek name as a word: {m.group(0)!r}" for m in
                  re.finditer(r"\b(?:" + "|".join(_GREEK) + r")\b", rest)]
    return found


# -- the detector itself ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "open fraction of one gate at time t", "memory signal just after storage (f = 1/2)",
    "Hodgkin and Huxley's n(t)^4", "gain of the conditional mean, E[w | mu] = c(t) mu",
    "P(strong | potentiated) - P(strong | depressed)", "propagator, d = 1", "the optimal protocol (T = 1)",
    "thermodynamic uncertainty ratio 2 D_J Sigma / (2 J^2)", "slow activation and catalysis (m, w -> 0)",
    "the time integral of <dU/ds>", "heat released (as entropy, Q/T)", "var x1", "heat released over [0, t]",
    "mutual information between X and Y", "an unclosed $x",
])
def test_plain_math_is_found(text):
    assert plain_math(text), text


@pytest.mark.parametrize("text", [
    "open fraction of one gate at time $t$", "memory signal just after storage ($f = 1/2$)",
    r"Hodgkin and Huxley's $n(t)^4$", r"gain of the conditional mean, $E[w \mid \mu] = c(t)\,\mu$",
    "a sensor's state, e.g. the Kalman-Bucy error (Horowitz-Esposito); at least 1", "neuron 1 of a population",
    r"heat released over $[0, t]$ (as entropy, $Q/T$)", "",
])
def test_math_between_dollars_passes(text):
    assert not plain_math(text), plain_math(text)


def test_a_bar_and_angle_brackets_are_escaped_in_latex_text():
    # OT1 text prints '|' as an em dash and '<', '>' as inverted marks: they go out as text commands
    tex = tex_text("P(strong | potentiated) < 1 > 0")
    assert r"\textbar{}" in tex and r"\textless{}" in tex and r"\textgreater{}" in tex
    assert not re.search(r"[|<>]", tex.replace(r"\textbar{}", "").replace(r"\textless{}", "")
                         .replace(r"\textgreater{}", "")), tex
    # and math between $ keeps its own bars
    row = glossary_tex([("$S$", r"signal $P(s \mid p) - P(s \mid d)$, a | b", "")])
    assert r"$P(s \mid p) - P(s \mid d)$" in row and r"a \textbar{} b" in row


def test_a_bar_in_math_reads_in_the_markdown_table():
    # the Markdown table turns a raw '|' into '/': with \mid (and \vert) the math is left alone
    md = glossary_markdown([("$c(t)$", r"gain, $E[w \mid \mu] = c(t)\,\mu$, $\vert x \vert$", "")])
    assert r"$E[w \mid \mu] = c(t)\,\mu$" in md and r"$\vert x \vert$" in md


# -- the sources of the meanings ----------------------------------------------------------------------------------

def _literal(node: ast.AST | None) -> str | None:
    """The text of a string literal; an f-string's with each field as the word ``name``; else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "name" for v in node.values)
    return None


def _definitions() -> list[tuple[str, str, str]]:
    """``(file:line, symbol, description)`` of every ``Definition(...)`` with a literal description.

    In the package and in the pages' scripts (``derivations/``): the pages' meanings before they are regenerated.
    """
    out = []
    for path in sorted([*(ROOT / "thermotheory").rglob("*.py"), *(ROOT / "derivations").glob("*.py")]):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    == "Definition"):
                continue
            args = list(node.args) + [None] * 3
            description = next((k.value for k in node.keywords if k.arg == "description"), args[2])
            symbol = next((k.value for k in node.keywords if k.arg == "symbol"), args[1])
            text = _literal(description)
            if text is not None:
                shown = symbol.value if isinstance(symbol, ast.Constant) else ast.unparse(symbol)
                out.append((f"{path.relative_to(ROOT)}:{node.lineno}", shown, text))
    return out


def test_the_package_has_definitions_to_scan():
    found = _definitions()
    assert len(found) > 30 and any("proofreading" in where for where, _, _ in found)


def test_every_definition_writes_its_math_between_dollars():
    bad = [f"{where} {symbol}: {text!r}: {'; '.join(plain_math(text))}"
           for where, symbol, text in _definitions() if plain_math(text)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", sorted(QUANTITIES))
def test_every_quantity_record_writes_its_math_between_dollars(name):
    q = QUANTITIES[name]
    assert not plain_math(q.description), f"{name}: {q.description!r}: {plain_math(q.description)}"


def test_every_catalog_report_has_a_glossary_without_plain_text_math():
    # the rows thermotheory report writes (its quantities and the model's descriptions), without the closed forms
    bad, rows = [], 0
    for name in CATALOG:
        item = entry(name)
        _, page, parts = _page(item, {n: None for n in item.quantities})
        for symbol, meaning, units in glossary_rows(parts, page, item.glossary or None):  # (the model's too)
            rows += 1
            for text in (meaning, units):  # the units column too: "units of $x$ per unit of $v$"
                if plain_math(text):
                    bad.append(f"report {name}: {symbol}: {text!r}: {'; '.join(plain_math(text))}")
    assert rows > len(CATALOG) and not bad, "\n".join(bad)


# -- the committed pages ------------------------------------------------------------------------------------------

def _markdown_rows(page: Path) -> list[tuple[str, str, str]]:
    """``(symbol, meaning, units)`` of each row of a page's Notation table."""
    text = page.read_text()
    if "## Notation" not in text:
        return []
    table = text.split("## Notation", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        if line.startswith("| ") and line.endswith(" |") and not line.startswith("| ---") and line != \
                "| symbol | meaning | units |":
            cells = line[2:-2].split(" | ")
            rows.append((cells[0], cells[1] if len(cells) > 1 else "", cells[2] if len(cells) > 2 else ""))
    return rows


def _tex_rows(page: Path) -> list[tuple[str, str]]:
    r"""``(symbol, meaning)`` of each row of a page's LaTeX Notation table (``\raggedright`` cells)."""
    text = page.read_text()
    if r"\subsection*{Notation}" not in text:
        return []
    table = text.split(r"\subsection*{Notation}", 1)[1].split(r"\end{longtable}", 1)[0]
    rows = []
    for line in table.splitlines():
        if line.startswith(r"\raggedright") and line.rstrip().endswith(r"\tabularnewline"):
            cells = [c.strip() for c in re.split(r"(?<!\\)&", line)]
            rows.append((cells[0].removeprefix(r"\raggedright").strip(),
                         cells[1].removeprefix(r"\raggedright").strip()))
    return rows


MARKDOWN = sorted(PAGES.glob("*.md"))
TEX = sorted(PAGES.glob("*.tex"))


def test_there_are_pages_to_scan():
    assert MARKDOWN and TEX, f"no pages in {PAGES}"
    assert any(_markdown_rows(p) for p in MARKDOWN)
    assert any(units not in ("", "–") for p in MARKDOWN for _, _, units in _markdown_rows(p))


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: p.name)
def test_a_markdown_glossary_has_no_plain_text_math(page):
    # Greek names are already typeset by the exporter (as $\mu$)
    bad = [f"{page.name}: {symbol}: {text!r}: {'; '.join(plain_math(text, greek=False))}"
           for symbol, meaning, units in _markdown_rows(page) for text in (meaning, units)
           if text != "–" and plain_math(text, greek=False)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("page", TEX, ids=lambda p: p.name)
def test_a_latex_glossary_prints_no_dash_or_inverted_marks(page):
    # outside math a raw '|', '<' or '>' is typeset as an em dash or an inverted mark (OT1)
    bad = [f"{page.name}: {symbol}: {meaning!r}" for symbol, meaning in _tex_rows(page)
           if re.search(r"[|<>]", outside_math(meaning))]
    assert not bad, "\n".join(bad)


def test_no_quantity_is_described_through_its_role_names():
    r"""A page's glossary prints a quantity's description beside its symbol, I(v; x): "mutual information between $X$
    and $Y$" spoke of letters the page never shows. No description names a role ($X$, $Y$, $Z$)."""
    import thermotheory  # noqa: F401  (registers the quantities)
    from thermotheory.quantity import QUANTITIES

    placeholders = {f"${r.name}$" for q in QUANTITIES.values() for r in q.roles if len(r.name) == 1}
    assert placeholders  # (X, Y, Z: the single-letter roles)
    named = {q.name: sorted(p for p in placeholders if p in q.description) for q in QUANTITIES.values()}
    assert not {n: p for n, p in named.items() if p}, named


def test_a_bar_in_a_glossary_rows_math_prints_as_a_bar():
    r"""The lattice page's row printed :math:`/\epsilon/ \le 1` (a bar would end the Markdown cell; it was replaced by a
    slash, in the math too): in math it is ``\vert``, outside a slash still."""
    from thermotheory.export.derivation import glossary_markdown

    md = glossary_markdown([(r"$\epsilon$", r"non-reciprocity, $|\epsilon| \le 1$ (a|b)", "--")])
    row = md.splitlines()[-1]
    assert r"$\vert \epsilon\vert  \le 1$" in row and "(a/b)" in row and "/\\epsilon/" not in row, row
    assert row.count("|") == 4  # (three cells)
