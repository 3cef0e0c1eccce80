"""Catalog descriptions: every piece of math between ``$``, typeset in reports, readable on the command line."""

import io
import re

import pytest

from thermotheory.catalog import CATALOG, entry
from thermotheory.cli import main
from thermotheory.errors import InvalidExport
from thermotheory.export.derivation import md_title, tex_title
from thermotheory.export.layout import _GREEK, plain_text

#: What plain-text math looks like outside ``$...$``.
_PLAIN_MATH = [r"[_^\\]", r"->", r"~", r"\bexp\(", r"\bint\b", r"\boo\b"] + [rf"\b{g}\b" for g in _GREEK]


def _outside_math(text: str) -> str:
    return re.sub(r"\$[^$]*\$", " ", text)


@pytest.mark.parametrize("name", list(CATALOG))
def test_a_description_writes_its_math_between_dollars(name):
    e = entry(name)
    text = _outside_math(e.description)
    assert e.description.count("$") % 2 == 0, f"{name}: an unclosed $ in {e.description!r}"
    for pattern in _PLAIN_MATH:
        assert not re.search(pattern, text), f"{name}: plain-text math {pattern!r} outside $...$: {e.description!r}"
    # every parameter of the entry named in the text is typeset (the article "a" is a word)
    for symbol in e.defaults:
        n = symbol.name
        if n == "a":
            continue
        assert not re.search(r"(?<![\w'-])" + re.escape(n) + r"(?![\w'])", text), \
            f"{name}: the parameter {n} is named outside $...$: {e.description!r}"


@pytest.mark.parametrize("name", list(CATALOG))
def test_a_description_reads_in_latex_markdown_and_the_terminal(name):
    d = entry(name).description
    tex, md, plain = tex_title(d), md_title(d), plain_text(d)
    assert tex.count("$") == md.count("$") == d.count("$")
    assert "$" not in plain and "\\" not in plain and "{" not in plain, plain


def test_plain_text_shows_latex_math_as_a_terminal_can():
    assert plain_text(r"rate $\gamma$, $v \to x \to w$, $k e^{-\Delta\mu}$, $T_{h}$, $\frac{a}{b}$") == \
        "rate γ, v → x → w, k e^(-Δμ), T_h, a/b"
    assert plain_text(r"$N \to \infty$, $f \sim \mathcal{N}(0, \alpha \nu^2)$, $\Omega$") == \
        "N → ∞, f ~ N(0, α ν^2), Ω"
    assert plain_text("no math here, 50% of it") == "no math here, 50% of it"
    with pytest.raises(InvalidExport):
        plain_text(None)


def test_the_command_line_lists_descriptions_without_latex():
    out = io.StringIO()
    assert main(["list"], out=out) == 0
    text = out.getvalue()
    assert "k e^(-Δμ)" in text and "v → x → w" in text
    assert "$" not in text and "\\" not in text
