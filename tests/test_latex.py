"""LaTeX that fits the page: every report and derivation page compiles with pdflatex, with no overfull line.

The compile tests need TeX Live's pdflatex (Debian: texlive-latex-base; CI installs it)
and skip with that reason where it is missing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import sympy as sp

from thermotheory.catalog import CATALOG, entry
from thermotheory.cli import report_tex
from thermotheory.export.compile import compile_tex, first_page_png, have_pdflatex
from thermotheory.export.derivation import derivation_document, quantity_lines
from thermotheory.export.layout import TEXT_WIDTH, fit_lines, latex_width, tex_text
from thermotheory.models import synapse as S

from .test_pages_symbols import unexplained_tex

DOCS = Path(__file__).resolve().parents[1] / "docs"
needs_tex = pytest.mark.skipif(not have_pdflatex(), reason="pdflatex is not installed (apt-get install "
                                                          "texlive-latex-base)")
#: An overfull line narrower than this (pt) is invisible.
TOLERANCE = 1.0


def _check(compiled):
    assert compiled.ok, compiled.log[-3000:]
    too_wide = [w for w in compiled.overfull if w > TOLERANCE]
    assert not too_wide, f"overfull lines (pt too wide): {too_wide}"
    too_high = [h for h in compiled.too_high if h > TOLERANCE]  # (a table that does not break: the jump glossary)
    assert not too_high, f"material past the foot of a page (pt): {too_high}"
    assert not compiled.tags_below, f"equation numbers set below their equations: {compiled.tags_below}"


#: Reports whose presentation pass takes over 30 s (the 5-level cascade's long forms; the tracking synapse's and the
#: information-rate cascade's forms, about a minute each): checked with -m slow. The forms of "tracking" and "cascade"
#: still compile and fit by default as printed on their committed derivation pages (synapse.tex and
#: information_rates.tex in test_derivation_page_compiles_and_fits), and the report machinery by the other entries.
SLOW_REPORTS = {"cascade_synapse", "tracking", "cascade"}


@lru_cache(maxsize=None)
def _report(name: str) -> str:
    """A catalog entry's report, derived once in this test process (the decoder's serves two tests)."""
    return report_tex(entry(name))


@pytest.fixture(scope="module")
def compiled_report(tmp_path_factory):
    """A catalog entry's report compiled once in this test process (the decoder's PDF serves two tests)."""
    done = {}

    def compiled(name: str):
        if name not in done:
            done[name] = compile_tex(_report(name), tmp_path_factory.mktemp(name), name)
        return done[name]

    return compiled


@needs_tex
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_REPORTS else n
                                  for n in CATALOG])
def test_report_compiles_and_fits(name, compiled_report):
    _check(compiled_report(name))


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_REPORTS else n
                                  for n in CATALOG])
def test_every_symbol_a_report_prints_is_in_its_glossary(name):
    """Issue #24, item 6, for the reports as for the pages (test_pages_symbols): the lattice reports printed
    $m, \\lambda, a, \\Gamma, \\phi, K$ with no row, a jump process's its rate labels ($w_{+}$), the gyrator its
    coordinates $X, V, Y, U$, the relaxation its start $s_0$, the heterogeneous decoder its $x_1, x_2, x_3$."""
    missing = unexplained_tex(_report(name))
    assert not missing, f"report {name} prints {missing} without a glossary row"


def test_a_report_states_its_approximation():
    """The bcm report says that its closed forms are the linear-noise approximation's (moved here from
    test_house_catalog, so that the report derived for its compile above serves this check too)."""
    tex = _report("bcm")
    assert r"\item closed forms are those of the linear-noise approximation about the stable fixed point" in tex


def test_an_approximated_model_s_report_prints_the_shorter_of_its_structured_form_and_its_quotient():
    r"""Issue #24, item 2, in the bcm report: its linear-noise approximation is a linear model, whose closed forms
    have a structured form (a few covariance entries) beside the quotient; the report printed the quotients, with
    three polynomials of two and three lines named C_1, C_2, C_3. Each entry is now chosen as a linear model's is,
    and every printed equation takes one line."""
    tex = _report("bcm")
    closed = tex.split(r"\subsection*{Closed forms}")[1].split(r"\end{align}")[0]
    assert r"\Sigma_{w w} &=" in closed and r"\det \Sigma" in closed, closed
    assert "C_{1}" not in closed and r"&\quad" not in closed, closed  # (no named polynomial, no broken line)


@needs_tex
@pytest.mark.parametrize("page", sorted((DOCS / "derivations").glob("*.tex")), ids=lambda p: p.stem)
def test_derivation_page_compiles_and_fits(page, tmp_path):
    tex = page.read_text()
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    _check(compile_tex(tex, tmp_path, page.stem))


@needs_tex
def test_a_long_closed_form_is_broken_to_fit(tmp_path):
    tracking = S.tracking_quantities()
    a = sp.symbols("a_1:60", positive=True)
    forms = {"I_{vw}": tracking["information_vw"], r"\eta_w": tracking["efficiency"], "S": sp.Add(*a) / (1 + a[0]),
             "L": sp.log(sp.Add(*[x**2 for x in a]))}
    body = r"\begin{align}" + " \\\\\n".join(quantity_lines(forms)) + r"\end{align}"
    _check(compile_tex(derivation_document("long -> forms_1", body), tmp_path, "long"))


@needs_tex
def test_a_report_page_renders_to_png(tmp_path, compiled_report):
    import shutil

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    compiled = compiled_report("decoder")
    png = first_page_png(compiled.pdf, tmp_path / "decoder.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lines_are_estimated_within_the_width():
    a = sp.symbols("a_1:80")
    lines = fit_lines("S", sp.Add(*a))
    assert len(lines) > 2
    assert all(latex_width(line) <= TEXT_WIDTH + 60 for line in lines)
    # a quotient too wide for one line gets named sums, defined under "where"
    q = fit_lines("Q", sp.Add(*a[:40]) / sp.Add(*a[40:]))
    assert r"&\text{where}" in q and all(latex_width(line) <= TEXT_WIDTH + 60 for line in q)


def test_text_is_escaped():
    assert tex_text("v -> x -> w") == r"v $\to$ x $\to$ w"
    assert tex_text("heat_rate & 5% #1") == r"heat\_rate \& 5\% \#1"
    assert tex_text("sigma_w") == r"$\sigma_{w}$"


def test_tt_latex_breaks_when_given_a_width():
    import thermotheory as tt

    a = sp.symbols("a_1:60")
    tex = tt.latex(sp.Add(*a), width=200)
    assert tex.startswith(r"\begin{aligned} &") and tex.count(r"\\") >= 3
    assert tt.latex(a[0] + 1, width=200) == tt.latex(a[0] + 1) == "1 + a_{1}"  # the constant first


@needs_tex
def test_an_equation_number_set_below_its_equation_is_found(tmp_path):
    """amsmath sets an equation's number on a line of its own when the two do not fit on one, without a warning
    or an overfull box (the cascade synapse's entropy, found by eye): the compile reports each such number, and
    reports none where every row fits; a document without amsmath compiles as before."""
    rows = [r"a &= b", r"c &= \rule{455pt}{1pt}", r"d &= \rule{400pt}{1pt}", r"e &= \rule{455pt}{1pt} \notag",
            r"f &= \rule{458pt}{1pt}"]
    wide = compile_tex(derivation_document("wide", r"\begin{align}" + " \\\\\n".join(rows) + r"\end{align}"),
                       tmp_path / "wide")
    assert wide.ok and wide.tags_below == ("(2)", "(4)") and not wide.overfull, wide.log[-2000:]
    fits = compile_tex(derivation_document("fits", r"\begin{align}a &= \rule{400pt}{1pt}\end{align}"),
                       tmp_path / "fits")
    assert fits.ok and fits.tags_below == ()
    plain = compile_tex("\\documentclass{article}\n\\begin{document}\n$x = 1$\n\\end{document}\n", tmp_path / "plain")
    assert plain.ok and plain.tags_below == ()



@needs_tex
def test_a_tag_and_a_gather_are_read_and_the_source_compiles_as_written(tmp_path):
    r"""A row's own \tag is reported as printed, a gather's number too; the hook is given on pdflatex's command line,
    so that a preamble that names \begin{document} in a comment, or leaves \makeatletter on, compiles as before, and
    the source in the work folder is the document given."""
    doc = "\n".join([
        r"\documentclass[10pt]{article}", r"% the body starts at \begin{document}", r"\usepackage{amsmath}",
        r"\usepackage[a4paper,margin=2cm]{geometry}", r"\makeatletter\def\my@x{X}", r"\begin{document}", r"\my@x",
        r"\begin{align}", r"a &= b \\", r"c &= \rule{460pt}{1pt}\tag{X} \\", r"d &= \rule{460pt}{1pt}\tag*{Q} \\",
        r"e &= \rule{300pt}{1pt}", r"\end{align}", r"\begin{gather}", r"\rule{465pt}{1pt} \\", r"x = y",
        r"\end{gather}",
        r"\end{document}", ""])
    done = compile_tex(doc, tmp_path, "tags")
    assert done.ok, done.log[-2000:]
    assert done.tags_below == ("(X)", "Q", "(3)"), done.tags_below  # (e is (2), fits)
    assert (tmp_path / "tags.tex").read_text() == doc


def test_compiling_without_tex_is_a_named_error(monkeypatch, tmp_path):
    import shutil

    from thermotheory.errors import ModelError

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ModelError, match="pdflatex is not installed"):
        compile_tex(derivation_document("x", ""), tmp_path)
    with pytest.raises(ModelError, match="pdftoppm is not installed"):
        first_page_png(tmp_path / "x.pdf", tmp_path / "x.png")
