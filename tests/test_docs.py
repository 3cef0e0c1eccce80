"""The documentation site builds with warnings as errors (Sphinx, MyST, API reference from docstrings).

It also shows what it is generated from: the notation table and an entry per quantity from
the registry, the references from ``docs/references.bib``, and each derivation script's
narrative and code on its page. The local extensions (``docs/_ext``) are tested on small
inputs too.
"""

import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))


def _sphinx(source, out, *extra):
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", *extra,
                           str(source), str(out)], capture_output=True, text=True)


def _text(page):
    """The visible text of an HTML page, whitespace collapsed."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for module in ("sphinx", "myst_parser", "sphinxcontrib.bibtex", "jupytext"):
        pytest.importorskip(module)
    out = tmp_path_factory.mktemp("html")
    done = _sphinx(DOCS, out)
    assert done.returncode == 0, done.stderr
    return out


def test_docs_build_without_warnings(site):
    html_ = (site / "api.html").read_text()
    for name in ("thermotheory.models.synapse.learning_quantities", "thermotheory.models.lattice.LatticeField",
                 "thermotheory.sweep", "thermotheory.verify"):
        assert name in html_, name
    pages = {p.stem for p in (site / "derivations").glob("*.html")}
    assert pages >= {p.stem for p in (DOCS / "derivations").glob("*.md")}
    assert pages >= {p.stem for p in (ROOT / "derivations").glob("*.py") if not p.name.startswith("_")}


def test_quantities_table_and_entries_come_from_the_registry(site):
    import tt_quantities

    quantities = tt_quantities.registered_quantities()
    assert {"heat_rate", "information_flow", "mutual_information", "entropy"} <= set(quantities)
    page = (site / "quantities.html").read_text()
    table = page[page.index("<table"):page.index("</table>")]
    rows = re.findall(r"<tr.*?</tr>", table, flags=re.S)
    assert len(rows) == len(quantities) + 1  # a header and one row per quantity
    for (name, q), row in zip(quantities.items(), rows[1:]):
        assert f">{name}<" in row, name
        assert html.escape(tt_quantities.notation(q), quote=False) in row, name  # MathJax source in the cell
        assert q.kind in row and html.escape(q.units, quote=False) in row, name
        assert "references.html#" in row, f"{name}: the reference is not a citation into the References page"
        target = tt_quantities.qualified_name(q)
        if target:
            assert f'id="{target}"' in page, f"{name}: no entry for {target}"
            assert f'href="#{target}"' in row, f"{name}: its name does not link to its entry"
    start = page.index('id="thermotheory.heat_rate"')
    entry = _words(_text(page[start:page.find('<dt class="sig', start + 1)]))
    assert "notation phi mathrm subsystem" in entry and "reference horowitz and esposito 2014" in entry


def _words(text):
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def test_references_page_lists_the_bib(site):
    pybtex = pytest.importorskip("pybtex.database")
    entries = pybtex.parse_file(DOCS / "references.bib").entries
    text = _words(_text((site / "references.html").read_text()))
    for key, entry in entries.items():
        assert _words(entry.fields["title"]) in text, f"{key}: its title is missing from the References page"


def test_derivation_pages_show_their_script(site):
    import jupytext

    for script in sorted((ROOT / "derivations").glob("*.py")):
        page = (site / "derivations" / f"{script.stem}.html").read_text()
        text = _text(page)
        assert "The derivation script" in text, script.name
        assert f"derivations/{script.name}" in text, script.name
        cells = jupytext.read(script, fmt="py:percent").cells
        code = [c.source for c in cells if c.cell_type == "code" and c.source.strip()]
        last = [line for line in code[-1].splitlines() if line.strip()][-1]
        assert re.sub(r"\s+", "", html.unescape(last)) in re.sub(r"\s+", "", text), f"{script.name}: {last!r}"
        headings = {_words(_text(h)) for h in re.findall(r"<h3[^>]*>(.*?)</h3>", page, flags=re.S)}
        for cell in cells[1:]:
            for line in cell.source.splitlines() if cell.cell_type == "markdown" else ():
                if line.startswith("## "):
                    assert _words(line[3:]) in headings, f"{script.name}: {line!r} is not a heading of the script section"


def test_script_markdown_drops_the_title_demotes_headings_and_fences_code(tmp_path):
    pytest.importorskip("jupytext")
    import tt_derivations

    script = tmp_path / "demo.py"
    script.write_text(textwrap.dedent('''\
        # %% [markdown]
        # # Title
        #
        # Intro with ``code``.
        #
        # ```python
        # # not a heading
        # ```

        # %%
        x = "```"

        # %% [markdown]
        # ## Part
        # ### Sub
    '''))
    md = tt_derivations.script_markdown(script)
    assert "# Title" not in md and "Intro with ``code``." in md
    assert "# not a heading\n```" in md  # a comment inside a fenced block stays as it is
    assert "````python\nx = \"```\"\n````" in md  # the fence outruns the backticks in the code
    assert "### Part\n#### Sub" in md


def test_script_without_page_fails_the_build(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("jupytext")
    src = tmp_path / "src"
    (src / "derivations").mkdir(parents=True)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "orphan.py").write_text("# %% [markdown]\n# # Orphan\n")
    (src / "conf.py").write_text(f"import sys\nsys.path.insert(0, {str(DOCS / '_ext')!r})\n"
                                 "extensions = ['myst_parser', 'tt_derivations']\nderivation_scripts = '../scripts'\n")
    (src / "index.md").write_text("# Index\n")
    done = _sphinx(src, tmp_path / "out")
    assert done.returncode != 0 and "orphan.py has no page derivations/orphan.md" in done.stderr
    (src / "derivations" / "orphan.md").write_text("# Orphan\n\nGenerated.\n")
    (src / "index.md").write_text("# Index\n\n```{toctree}\nderivations/orphan\n```\n")
    done = _sphinx(src, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "The derivation script" in (tmp_path / "out" / "derivations" / "orphan.html").read_text()


def test_notation_fills_roles_like_a_bound_quantity():
    pytest.importorskip("docutils")
    import sympy as sp

    import tt_quantities

    quantities = tt_quantities.registered_quantities()
    mi = quantities["mutual_information"]
    assert tt_quantities.notation(mi) == mi.of(sp.Symbol("X"), sp.Symbol("Y")).latex() == "I(X; Y)"
    assert tt_quantities.notation(quantities["heat_rate"]) == r"\Phi_{\mathrm{subsystem}}"
    compared = 0
    for name, q in quantities.items():  # where every role is a single letter, as the bound quantity writes it
        variables = [r for r in q.roles if r.what == "variables"]
        if any(len(r.name) > 1 for r in variables) or any(not r.optional for r in q.roles if r.what != "variables"):
            continue
        assert tt_quantities.notation(q) == q.of(**{r.name: sp.Symbol(r.name) for r in variables}).latex(), name
        compared += 1
    assert compared >= 3
