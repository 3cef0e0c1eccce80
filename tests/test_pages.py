r"""The exported pages read as a theorist writes by hand: named covariances by their LaTeX names, ``\ln``,
``\det \Sigma``, one "where" block after all the results (and unnumbered), titles with their math typeset.

The fast tests build the pieces of a page (:func:`quantity_lines`, :func:`derivation_tex`, a title); the slow
ones write whole pages (a derivation script in fast mode, ``thermotheory report``) and scan every line.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.catalog import CATALOG
from thermotheory.cli import main
from thermotheory.core.closedform import CovarianceNames
from thermotheory.core.layout import align_rows
from thermotheory.export.derivation import derivation_tex, md_title, quantity_lines, tex_title, write_derivation

from .page_runs import page_run

ROOT = Path(__file__).resolve().parents[1]

#: What a page must never show: sympy's own names of named covariances, ``\log``, determinants as bars.
RAW = re.compile(r"Sigma\[|Sigma\(|MatrixSymbol|\\operatorname\{Sigma|\\mathrm\{Sigma")


def _environments(tex: str) -> list[list[str]]:
    """The lines of each ``align`` environment of a page."""
    return [[line.strip() for line in body.split(r"\\")] for body in
            re.findall(r"\\begin\{align\}(.*?)\\end\{align\}", tex, flags=re.S)]


def _lhs(line: str) -> str:
    return line.split("&=", 1)[0].strip()


def _members(name: str, line: str) -> list[str]:
    r"""The names a "where" line defines: its own, or each member of a family defined by one formula
    (``Z_{i} &= \sum ..., \quad i = w_{1}, s_{1}`` defines ``Z_{w_{1}}`` and ``Z_{s_{1}}``)."""
    found = re.search(r"\\quad ([a-z]) = (.*?)(?:\\\\)?\s*$", line)
    if not found or "{" + found.group(1) + "}" not in name:
        return [name]
    letter, indices = found.groups()
    return [name.replace("{" + letter + "}", "{" + index.strip() + "}") for index in indices.split(", ")]


#: The most printed lines one formula may take on a page (issue #24: "any formula over 3 printed lines").
MAX_LINES = 3


def formula_lines(tex: str) -> list[tuple[str, int]]:
    r"""Each formula of the ``align`` environments of a page with the printed lines it takes.

    The layout engine breaks a formula into a first line and continuation lines that start
    with ``&\quad``; a formula's lines are its first and its continuations.
    """
    out = []
    for body in re.findall(r"\\begin\{align\}(.*?)\\end\{align\}", tex, flags=re.S):
        body = re.sub(r"\\begin\{(\w*matrix)\}.*?\\end\{\1\}", "M", body, flags=re.S)  # a matrix's rows are not lines
        env = [line.strip() for line in body.split(r"\\")]
        name, count = None, 0
        for line in env:
            if line.startswith(r"&\quad"):
                count += 1
                continue
            if name is not None:
                out.append((name, count))
            name, count = _lhs(line) or line[:40], 1
        if name is not None:
            out.append((name, count))
    return out


def defects(tex: str, markdown: bool = False) -> list[str]:
    """Every defect of a page (LaTeX, or its Markdown twin with ``markdown``)."""
    found = [f"raw sympy name: {m.group(0)!r}" for m in RAW.finditer(tex)]
    found += [r"\log instead of \ln"] * (r"\log" in tex)
    found += [r"determinant as \left| \right|"] * (r"\left|" in tex)
    found += [f"a product by one: {m.group(0)!r}" for m in re.finditer(r"\\cdot 1(?![0-9.])", tex)]
    found += [f"a hat over a subscript: {m.group(0)!r}" for m in re.finditer(r"\\hat\{[^{}]*_", tex)]
    found += [f"a word subscript in italics: {m.group(0)!r}" for m in re.finditer(r"_\{[A-Za-z]{2,}\}", tex)]
    found += [f"a condition in a result's label: {m.group(1).strip()!r}"  # (sigma(s), 0 < s < t_1 + t_3 = ...)
              for m in re.finditer(r"^(?:- \$)?([^\n=&$]*?(?:<|>|\\le\b|\\ge\b)[^\n=&$]*?)&?= ", tex, re.M)]
    if markdown:
        return found
    found += [f"a formula over {MAX_LINES} printed lines: {name} ({n} lines)"
              for name, n in formula_lines(tex) if n > MAX_LINES]
    for env in _environments(tex):
        heads = [k for k, line in enumerate(env) if line.startswith(r"&\text{where}")]
        found += [f"numbered 'where' line: {env[k]!r}" for k in heads if not re.search(r"\\notag|\\nonumber", env[k])]
        if len(heads) > 1:
            found.append(f"{len(heads)} 'where' blocks in one environment")
        if not heads:
            continue
        for k, line in enumerate(env[heads[0] + 1:], heads[0] + 1):
            name = _lhs(line)
            if "&=" not in line or not name:
                continue
            rest = "\n".join(env[:k] + [line.split("&=", 1)[1]] + env[k + 1:])
            if not any(re.search(re.escape(n) + r"(?![_A-Za-z])", rest) for n in _members(name, line)):
                found.append(f"a result inside the 'where' block: {name}")  # a definition is used; a result is not
    return found


@pytest.mark.parametrize("line, found", [
    (r"\operatorname{var}(w_{t} \mid \mu) &= \sigma_{w}^{2} \cdot 1 \\", "a product by one"),
    (r"\hat{T_{2}} &= \frac{T_{2}}{T_{1}}", "a hat over a subscript"),
    (r"dv &= - \frac{\gamma_{fb} v}{m}\, dt", "a word subscript in italics"),
    (r"\sigma(s),\ 0 < s < t_1 + t_3 &= \begin{cases} s & \text{for}\: s < t_{1} \\ 1 & \text{otherwise} \end{cases}",
     "a condition in a result's label"),
])
def test_the_scan_finds_a_number_a_hat_and_a_subscript_set_wrong(line, found):
    assert any(d.startswith(found) for d in defects(line)), defects(line)
    fixed = {"a product by one": line.replace(r" \cdot 1", ""), "a hat over a subscript": r"\hat{T}_{2}",
             "a word subscript in italics": r"\gamma_{\mathrm{fb}} v \cdot 10 + x_{1 2}",
             "a condition in a result's label": line.replace(r",\ 0 < s < t_1 + t_3", "")}[found]
    assert not defects(fixed), defects(fixed)


def _covariance_form():
    """A ClosedForm in named covariance entries and blocks: I = ln(Sigma_vv det Sigma_(x) / det Sigma) / 2."""
    v, x1, x2 = sp.symbols("v x_1 x_2", real=True)
    u = sp.Symbol("u", positive=True)
    names = CovarianceNames([v, x1, x2], sp.Matrix([[2 + u, 1 + u, 0], [1 + u, 3 + u, 1 + u], [0, 1 + u, 4 + u]]))
    return names.closed(sp.log(names.entry(0, 0) * names.det([1, 2]) / names.det([0, 1, 2])) / 2)


def test_matrices_of_named_covariances_print_their_entries_names():
    lines = quantity_lines({"I": _covariance_form()})
    matrices = [line for line in lines if r"\begin{matrix}" in line]
    assert len(matrices) == 2  # Sigma_(x) and Sigma, in their entries' names
    assert all(r"\Sigma_{x_{1} x_{2}}" in m for m in matrices)
    assert not defects("\n".join(lines))


def test_logs_are_ln_and_determinants_det_everywhere():
    form = _covariance_form()
    a = sp.Symbol("a", positive=True)
    for tex in ("\n".join(quantity_lines({"I": form, "J": sp.log(1 + a)})), tt.latex(form), tt.latex(sp.log(a)),
                tt.latex(sp.log(a), width=100), form.latex(), "\n".join(form.latex_lines("I"))):
        assert r"\ln" in tex and not defects(tex, markdown=True), tex
    assert r"\det \Sigma" in tt.latex(form)
    # a power of a determinant is bracketed: (det S)^2, not det S^2
    S = sp.MatrixSymbol("S", 2, 2)
    assert tt.latex(sp.Determinant(S) ** 2) == r"\left(\det S\right)^{2}"


def _wide_and_short():
    a = sp.symbols("a_1:25", positive=True)
    return {r"I_{\mathrm{wide}}": sp.log(sp.Add(*[s**2 for s in a])) / (1 + a[0]), r"\sigma": a[1] / a[2]}


def test_every_result_comes_before_one_unnumbered_where():
    lines = quantity_lines(_wide_and_short())
    names = [_lhs(line) for line in lines]
    where = names.index(r"&\text{where}")
    assert r"\sigma" in names[:where] and r"\sigma" not in names[where:]
    x = sp.Symbol("x", real=True)
    tex = derivation_tex(tt.LinearSDE({x: -x}, {x: 1}), _wide_and_short())
    assert re.search(r"&\\text\{where\} \\notag", tex)
    assert not defects(tex)


def test_the_checks_see_the_old_defects():
    """The scan finds each defect as the pages had it (the bad lines copied from the old decoder page)."""
    old = "\n".join([r"\begin{align}", r"I &= \frac{\log{\left(C_{1} \right)}}{2} \\", r"&\text{where} \\",
                     r"C_{1} &= \left|{\Sigma}\right| \\", r"\sigma &= \frac{g^{2}}{\tau_{n}} \\",
                     r"\Sigma &= \left[\begin{matrix}Sigma[x_{1,x 1]}\end{matrix}\right]", r"\end{align}"])
    found = " | ".join(defects(old))
    for what in ("raw sympy name", r"\log", r"\left|", "numbered 'where'", r"result inside the 'where' block: \sigma"):
        assert what in found, found


def test_the_scan_counts_the_printed_lines_of_each_formula():
    """A wall of a polynomial (the old synapse page's C_7, four lines) is found; three lines and matrices pass."""
    wall = [r"C_{7} &= a + b \notag", r"&\quad + c \notag", r"&\quad + d \notag", r"&\quad + e"]
    three = [r"C_{8} &= a + b \notag", r"&\quad + c \notag", r"&\quad + d"]
    matrix = [r"\Sigma &= \left[\begin{matrix}a & b\\b & c\end{matrix}\right]"]
    page = "\n".join([r"\begin{align}", " \\\\\n".join(three + wall + matrix), r"\end{align}"])
    assert formula_lines(page) == [("C_{8}", 3), ("C_{7}", 4), (r"\Sigma", 1)]
    assert [d for d in defects(page) if "printed lines" in d] == ["a formula over 3 printed lines: C_{7} (4 lines)"]
    # the layout engine's own breaking of a long sum, counted the same way
    a = sp.symbols("a_1:120", positive=True)
    lines = quantity_lines({"S": sp.Add(*a)})
    assert formula_lines("\n".join([r"\begin{align}", align_rows(lines), r"\end{align}"]))[0][1] == len(lines) > 3


def test_titles_typeset_their_math(tmp_path):
    assert (tex_title("a hot bath T_h (stroke t_1), v -> x -> w")
            == r"a hot bath $T_{h}$ (stroke $t_{1}$), $v \to x \to w$")
    assert md_title("duration t_w, $N$ neurons") == "duration $t_{w}$, $N$ neurons"
    x = sp.Symbol("x", real=True)
    model = tt.LinearSDE({x: -x}, {x: 1})
    tex, md = write_derivation("p", "Between T_h and T_c", model, {}, tmp_path,
                               sections=[("Storing after a step of duration t_w", model, {})])
    assert r"\section*{Between $T_{h}$ and $T_{c}$}" in tex.read_text()
    assert r"\paragraph{Storing after a step of duration $t_{w}$}" in tex.read_text()
    assert r"\_" not in tex.read_text() and md.read_text().startswith("# Between $T_{h}$ and $T_{c}$")


@pytest.mark.slow
@pytest.mark.parametrize("script", ["decoder", "particle"])
def test_derivation_pages_have_no_defects(script, capsys):
    run = page_run(script)  # the script's fast run, shared with the other tests that read its page
    tex = run.tex
    assert not defects(tex), defects(tex)
    assert not defects(run.md, markdown=True)
    assert r"\section*{" in tex and r"\_" not in tex.split(r"\begin{align}")[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", CATALOG)
def test_reports_have_no_defects(name, tmp_path):
    """Every catalog report passes the scan, and gives each symbol one meaning (issue #24: "every committed page and
    every catalog report")."""
    from .test_pages_notation import two_meanings

    path = tmp_path / f"{name}.tex"
    assert main(["report", name, "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert not defects(tex), defects(tex)
    assert two_meanings(tex) == [], two_meanings(tex)


@pytest.mark.parametrize("page", sorted((Path(__file__).resolve().parents[1] / "docs" / "derivations").glob("*.tex")),
                         ids=lambda p: p.stem)
def test_committed_pages_have_no_defects(page):
    """Every committed page (each is what its script writes now: test_derivations.py) passes the scan."""
    assert not defects(page.read_text()), defects(page.read_text())
    assert not defects(page.with_suffix(".md").read_text(), markdown=True)


def test_an_absolute_value_prints_as_a_hand_writes_it():
    """|r| (the lattice's e^{-kappa |r|}), not sympy's \\left|{r}\\right|, which reads like a determinant's bars."""
    from thermotheory.core.closedform import latex_of

    r, k = sp.symbols("r kappa", real=True)
    assert latex_of(sp.exp(-k * sp.Abs(r))) == r"e^{- \kappa |r|}"
    assert latex_of(sp.Abs(r / k)) == r"\left\lvert \frac{r}{\kappa} \right\rvert"
    assert latex_of(sp.Abs(r - k)) == r"\left\lvert \kappa - r \right\rvert"
    assert latex_of(sp.Abs(r) ** k) == r"|r|^{\kappa}"
    assert not defects(latex_of(sp.Abs(r - k) + sp.Abs(r)))


@pytest.mark.parametrize("name, wanted", [("cold_damping", r"$\gamma_{\mathrm{fb}}$"),
                                          ("proofreading", r"$k_{\mathrm{on}}$"),
                                          ("decoder_currents", r"$J_{v x} = ")])
def test_reports_set_word_subscripts_upright(name, wanted, tmp_path):
    """A report's list of parameters names them as its formulas do (k_{on} was italic there), and no title sets two
    variables' indices as a word."""
    path = tmp_path / f"{name}.tex"
    assert main(["report", name, "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert wanted in tex
    assert not defects(tex), defects(tex)


@pytest.mark.slow
def test_the_bcm_report_writes_its_forms_in_the_slope(tmp_path):
    """The BCM synapse depends on r_0 and theta only through the slope kappa (2 r_0 - theta): its report names it
    once, as the effective kappa, and its walls (15 and 21 lines) are gone; the learning rate's denominator (4 lines) is written through
    its numerator's name: the report has no defect."""
    path = tmp_path / "bcm.tex"
    assert main(["report", "bcm", "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert r"\kappa_{\mathrm{eff}} &= \kappa \left(2 r_{0} - \theta\right)" in tex  # (named as an author names it)
    assert r"\raggedright $\kappa_{\mathrm{eff}}$ & \raggedright effective $\kappa$" in tex  # (and said in words)
    assert not defects(tex), defects(tex)


@pytest.mark.slow
def test_the_cascade_synapse_report_prints_its_tree_sums_by_their_formula(tmp_path):
    """The six-state cascade's spanning-tree sums (33-46 printed lines each) are one line, their formula; its
    entropy production is written in them: the report has no defect."""
    path = tmp_path / "cascade_synapse.tex"
    assert main(["report", "cascade_synapse", "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert not defects(tex), defects(tex)
    assert r"\mathcal{T}_{i}" in tex and "differential entropy" not in tex


def test_the_heat_engine_page_and_report_name_the_width_alike(tmp_path):
    r"""The heat-engine page imposed its protocol through a width :math:`\sigma(s)`, its report through
    :math:`r(s)` (and :math:`\sigma` is an entropy production rate on other pages): one name in both, the report's."""
    from thermotheory.models import engine

    page = (ROOT / "docs" / "derivations" / "heat_engine.tex").read_text()
    assert r"\sigma(s)" not in page and r"\sigma^{2}" not in page
    assert any(line.startswith("r(s) &= ") for line in page.splitlines())
    assert r"\lambda(s) &= \frac{T{\left(s \right)}}{r^{2}{\left(s \right)}} - \frac{r'{\left(s \right)}}{r{\left(s " \
           r"\right)}}" in page
    path = tmp_path / "heat_engine.tex"
    assert main(["report", "heat_engine", "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    assert "r(s)" in "".join(engine.HEAT_ENGINE_TEX) and r"\sigma(s)" not in path.read_text()
