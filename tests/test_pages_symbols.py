r"""Every symbol a page prints is said in words in its glossary (issue #24, item 6: "No page says in words what
:math:`l_x`, :math:`\Phi_x`, :math:`C_x`, :math:`T_{v \to x}` are").

The synapse page printed the decoder's :math:`g, \sigma_v, \tau_n` and its dimensionless groups :math:`\rho,
\mathrm{SNR}, \hat\kappa` with no row; the jump page its rates :math:`\alpha, \beta, k_1, \dots`. The scan reads each
committed Markdown page (``THERMOTHEORY_PAGES`` for pages regenerated elsewhere): the symbols on the right of each
closed form and definition, and in the model's equations (a transition's rates, not its states), must each be a
symbol of a row of the page's Notation table or a name the page defines (``C_1 = \dots``). Differentials, Wiener
increments, Euler's number, the variables of an integral and the index of a sum are not symbols of the page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = Path(os.environ.get("THERMOTHEORY_PAGES") or ROOT / "docs" / "derivations")

#: A subscript (which may hold an upright state label with its own subscript: ``Z_{\mathrm{w_{1}}}``), and an upright
#: superscript (``T^{\mathrm{path}}_{v \to y}``).
_SUB = (r"(?:\^\{\\mathrm\{\w+\}\})?(?:_\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}|_[A-Za-z0-9]|_\\[A-Za-z]+)?"
        r"(?:\^\{\\mathrm\{\w+\}\})?")
#: One symbol: a hatted or barred letter, an upright name, a difference written as one symbol (``\Delta\mu``), a
#: command (a Greek letter), a letter; each with its subscript.
_TOKEN = re.compile(r"\\(?:hat|bar)\{\\?[A-Za-z]+\}" + _SUB + r"|\\mathrm\{[A-Za-z]+(?:_\{?\w+\}?)?\}" + _SUB
                    + r"|\\Delta\s?\\?[A-Za-z]+" + _SUB + r"|\\[A-Za-z]+" + _SUB + r"|(?<![\\A-Za-z])[A-Za-z]" + _SUB)
#: Commands that are no symbol of a page (functions, operators, spacing, delimiters, constants).
_NOT_SYMBOLS = {
    r"\frac", r"\left", r"\right", r"\ln", r"\sqrt", r"\log", r"\exp", r"\sin", r"\cos", r"\cosh", r"\sinh", r"\tanh",
    r"\det", r"\infty", r"\sum", r"\int", r"\limits", r"\pi", r"\dot", r"\big", r"\lim", r"\to", r"\langle",
    r"\rangle", r"\tbinom", r"\binom", r"\displaystyle", r"\notag", r"\quad", r"\qquad", r"\mid", r"\ldots", r"\dots",
    r"\cdot", r"\partial", r"\le", r"\leq", r"\ge", r"\geq", r"\rightleftharpoons", r"\rightarrow", r"\tfrac",
    r"\prime", r"\Big", r"\bigg", r"\times", r"\arcsin", r"\arctan", r"\mathcal", r"\in", r"\prod", r"\top"}
_PLAIN = {"d", "e", "i"}  # a differential, Euler's number, the imaginary unit


def _flat(token: str) -> str:
    return re.sub(r"[{}\s]", "", token)


def symbols(tex: str) -> set[str]:
    """The symbols ``tex`` prints (each without braces or spaces)."""
    tex = tex.replace("\\\\", " ")
    tex = re.sub(r"\\(?:operatorname|text)\{[^}]*\}", " ", tex)
    tex = re.sub(r"\\begin\{[^}]*\}|\\end\{[^}]*\}|\[\d+ex\]", " ", tex)
    dummies = {_flat(t) for t in re.findall(r"\\,\s*d\s*([A-Za-z]" + _SUB + ")", tex)} if r"\int" in tex else set()
    dummies |= set(re.findall(r"\\sum_\{([A-Za-z\\]+)=", tex))
    tex = re.sub(r"(\\sum|\\int|\\limits|\\lim)_\{(?:[^{}]|\{[^{}]*\})*\}(\^\{(?:[^{}]|\{[^{}]*\})*\}|\^\\?\w+)?", " ",
                 tex)
    tex = re.sub(r"(?<![\\A-Za-z])d(?:t|W" + _SUB + r")(?![A-Za-z])", " ", tex)  # a time step, a Wiener increment
    tex = re.sub(r"(?<![\\A-Za-z])d([A-Za-z])", r"d \1", tex)  # dv: the variable v
    out = set()
    for match in _TOKEN.finditer(tex):
        token = _flat(match.group(0))
        base = re.sub(r"_.*", "", token)
        if base in _NOT_SYMBOLS or token in _PLAIN or token in dummies or base in dummies:
            continue
        out.add(token)
    return out


def _label(tex: str) -> set[str]:
    """A label as the page's rows and definitions give it, and its head (``I_t`` of ``I_{t}(w; \\mu)``, ``D`` of
    ``D(p_{0} \\| \\pi)``): a form that holds the label writes it whole, its head among the symbols."""
    head = _TOKEN.search(tex.replace(r"\dot ", "").replace(r"\lim", " "))
    return {_flat(tex)} | ({_flat(head.group(0))} if head is not None else set())


def _known(labels: set[str], token: str) -> bool:
    """Whether ``token`` is one of the described ``labels``, or a member of an indexed one (``Z_{w_1}`` of
    ``Z_{i}``, ``x_{2}`` of ``x_{i}``)."""
    return token in labels or ("_" in token and re.sub(r"_.*", "", token) + "_i" in labels)


def _rates_only(row: str) -> str:
    r"""A row of a model's equations; of a transition, only its rates, not its states (``a \rightleftharpoons b:
    w_{+} = k, \dots``)."""
    if r"\rightleftharpoons" in row or r"\rightarrow" in row:
        return row.split(":", 1)[1] if ":" in row else ""
    return row


def _unsaid(used: set[str], known: set[str], defined: set[str]) -> list[str]:
    """The symbols of ``used`` that neither a glossary row (``known``) nor a definition says; a covariance's entries
    are said with it."""
    return sorted(s for s in used if not _known(known | defined, s)
                  and not (s.startswith(r"\Sigma") and r"\Sigma" in known))


def unexplained(text: str) -> list[str]:
    """The symbols a Markdown page prints that neither its Notation table nor its definitions name."""
    body, table = text.split("## Notation", 1)
    table = table.split("\n## ", 1)[0]
    known: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| $"):
            cell = row[2:].split(" | ", 1)[0]
            known |= {h for label in re.findall(r"\$([^$]+)\$", cell) for h in _label(label)}
    lines = re.findall(r"^- \$(.*)\$\s*$", body, re.M)
    defined = {h for line in lines if " = " in line for h in _label(line.split(" = ", 1)[0])}
    # a result's label in a later form is read whole (var W(t) = 2 T <W>(t): not the W of the brackets)
    whole = sorted({line.split(" = ", 1)[0] for line in lines if " = " in line
                    if re.search(r"[(\[]|\\langle", line.split(" = ", 1)[0])}, key=len, reverse=True)
    used: set[str] = set()
    for line in lines:
        rhs = line.split(" = ", 1)[1] if " = " in line else line
        for label in whole:
            rhs = rhs.replace(label, " ")
        used |= symbols(rhs)
    for model in re.findall(r"\$\$(.*?)\$\$", body, re.S):
        for row in map(_rates_only, model.split("\\\\")):
            used |= symbols(row.split("&=", 1)[1] if "&=" in row else row)
    return _unsaid(used, known, defined)


def unexplained_tex(tex: str) -> list[str]:
    r"""The symbols a LaTeX report prints that neither its Notation table nor its definitions name: those of its
    model (its equations and the math of its words), of its assumptions (not a note on its notation, which names the
    symbol it avoids) and of its closed forms. A symbol set equal to a number in the words (``k_B = 1``) or followed
    by a colon (``$A$: sites 0 to 3``) is defined there; a described label is read whole (not the ``x`` of
    ``I(x; y)``)."""
    body = tex.split(r"\begin{document}", 1)[-1]
    body, table = body.split(r"\subsection*{Notation}", 1) if r"\subsection*{Notation}" in body else (body, "")
    known: set[str] = set()
    labels: set[str] = set()  # (as printed: a label is read whole, not the k of \tbinom{4}{k}, the Q of \mathcal{Q})
    for row in table.splitlines():
        if row.startswith(r"\raggedright $"):
            cell = row[len(r"\raggedright "):].split(" & ", 1)[0]
            labels |= set(re.findall(r"\$([^$]+)\$", cell))
    known |= {h for label in labels for h in _label(label)}
    model = body.split(r"\subsection*{Model}", 1)[-1].split(r"\subsection*{Assumptions}", 1)[0]
    assumptions = body.split(r"\subsection*{Assumptions}", 1)[-1].split(r"\subsection*{Closed forms}", 1)[0]
    said = [item for item in re.findall(r"^\\item (.*)$", assumptions, re.M)
            if not re.match(r"The [\w ]+ is written", item)]  # (a note on notation names the symbol it avoids)
    closed = body.split(r"\subsection*{Closed forms}", 1)[-1].split(r"\subsection*{Monte Carlo", 1)[0]
    blocks = r"\\begin\{(align\*?|aligned)\}(.*?)\\end\{\1\}"
    used: set[str] = set()
    defined: set[str] = set()
    rows: list[str] = []
    for text in (model, closed):
        for _, block in re.findall(blocks, text, re.S):
            for row in map(_rates_only, re.sub(r"\\(?:notag|text\{where\})", " ", block).split("\\\\")):
                if "&=" in row:
                    head, row = row.split("&=", 1)
                    defined |= _label(head.strip()) if head.strip() else set()
                    labels.add(head.strip())
                    if _flat(head) in known and re.search(r"_\{?i\}?$", _flat(head)):
                        continue  # (a family's definition, Z_i = a sum over trees: said in words in its row)
                rows.append(row)
    words = [re.sub(blocks, " ", model, flags=re.S), *said]
    defined |= {_flat(m) for text in words for m in re.findall(r"\$([^$]+)\$: ", text)}  # ("$A$: sites 0 to 3")
    for math in (m for text in words for m in re.findall(r"(?<!\\)\$([^$]+)\$", text)):
        if re.fullmatch(r"[^=]+=\s*[\d.]+", math):  # (k_B = 1, a convention: defined where it is said)
            defined |= _label(math.split("=", 1)[0].strip())
            continue
        rows.append(math)
    # a label found whole, in the words too, the definitions of a later block too (\mathcal{Q}[J], I(x; y): a label of
    # several symbols; not \mu, which s_\mu holds)
    whole = sorted((x for x in labels if re.search(r"[(\[]|\\langle", x)), key=len, reverse=True)
    for row in rows:
        for label in whole:
            row = row.replace(label, " ")
        used |= symbols(row)
    return _unsaid(used, known, defined)


def test_the_scan_finds_a_symbol_without_a_row_and_reads_the_rest():
    page = ("# T\n\n$$\\begin{aligned} dv &= - \\frac{v}{\\tau_{v}}\\, dt + \\sqrt{2 D}\\, dW_{v} \\end{aligned}$$\n\n"
            "- $I = \\frac{1}{2} \\ln{\\left(1 + \\frac{\\Sigma_{v x}}{C_{1}} \\right)} "
            "+ \\int\\limits_{0}^{1} k^{2}\\, dk$\n"
            "- $C_{1} = g e^{-t} + \\Delta\\mu_{\\mathrm{ATP}} \\sum_{\\mu=1}^{d} \\phi_{\\mu}$\n\n## Notation\n\n"
            "| symbol | meaning | units |\n| --- | --- | --- |\n| $I$ | information | nats |\n"
            "| $v$, $\\tau_{v}$ | velocity, its time | -- |\n| $\\Sigma$ | covariance | -- |\n"
            "| $\\Delta\\mu_\\mathrm{ATP}$ | free energy | nats |\n")
    assert unexplained(page) == ["D", r"\phi_\mu", "g", "t"]


def test_the_scan_reads_a_state_label_with_its_own_subscript_as_one_index():
    r"""The cascade synapse's report prints its states upright, with subscripts (``Z_{\mathrm{w_{1}}}``): a member of
    the family ``Z_i``, not the symbols ``\mathrm``, ``w_1``."""
    assert symbols(r"\xi \left(Z_{\mathrm{s_{2}}} e^{\Delta\mu} - Z_{\mathrm{s_{3}}}\right)") == {
        r"\xi", r"Z_\mathrms_2", r"Z_\mathrms_3", r"\Delta\mu"}
    assert _known({"Z_i"}, r"Z_\mathrms_2") and not _known({"Z_i"}, r"\mathrmw_1")


def results_without_rows(text: str) -> list[str]:
    """The labels of a Markdown page's results (the lines of each section before its ``where``) that its Notation
    table has no row for."""
    body, table = text.split("## Notation", 1)
    cells = {_flat(label) for row in table.split("\n## ", 1)[0].splitlines() if row.startswith("| $")
             for label in re.findall(r"\$([^$]+)\$", row[2:].split(" | ", 1)[0])}
    out = []
    for section in re.split(r"^## ", body, flags=re.M):
        for line in section.split("\nwhere\n", 1)[0].splitlines():
            if line.startswith("- $") and " = " in line and not any(_flat(line[3:]).startswith(c + "=")
                                                                     for c in cells):
                out.append(line[3:].split(" = ", 1)[0])
    return out


PAGES_MD = sorted(PAGES.glob("*.md"))


@pytest.mark.parametrize("page", PAGES_MD, ids=lambda p: p.name)
def test_every_result_of_a_page_has_its_row(page):
    missing = results_without_rows(page.read_text())
    assert not missing, f"{page.name}: no glossary row for the results {missing}"


@pytest.mark.parametrize("page", PAGES_MD, ids=lambda p: p.name)
def test_every_symbol_of_a_page_is_in_its_glossary(page):
    text = page.read_text()
    if "## Notation" not in text:
        pytest.fail(f"{page.name} has no glossary")
    missing = unexplained(text)
    assert not missing, f"{page.name} prints {missing} without a glossary row"


def test_the_report_scan_finds_a_symbol_without_a_row_and_reads_the_rest():
    report = (r"\begin{document}" "\n" r"\section*{lattice 2d: a field $\psi$}" "\n" r"\subsection*{Model}" "\n"
              r"\begin{align}" "\n" r"dv &= - \frac{v}{\tau} \, dt + \sqrt{2 D}\, dW_{v} \\" "\n"
              r"a &\rightleftharpoons b: \quad w_{+} = k,\ w_{-} = q" "\n" r"\end{align}" "\n"
              r"Regions: $A$: sites [0, 1]." "\n" r"\subsection*{Assumptions}" "\n"
              r"\item parameters: $\tau$, $D$, $k$ positive; $k_B = 1$, information in nats;" "\n"
              r"\item The rate is written $\dot S$ here (not $\sigma$)." "\n" r"\subsection*{Closed forms}" "\n"
              r"\begin{align}" "\n" r"\mathcal{Q}[J] &= 1 + \frac{\tau}{x_{2}} + \binom{4}{j} \\" "\n"
              r"Z_{i} &= \sum_{T \in \mathcal{T}_{i}} \prod_{(a \to b) \in T} k_{a \to b}, \quad i = a, b" "\n"
              r"\end{align}" "\n" r"\subsection*{Notation}" "\n"
              r"\raggedright $\mathcal{Q}[J]$ & \raggedright ratio & -- \tabularnewline" "\n"
              r"\raggedright $x_{i}$, $Z_{i}$ & \raggedright indexed & -- \tabularnewline" "\n"
              r"\raggedright $\tau$, $v$ & \raggedright time, velocity & -- \tabularnewline" "\n")
    # the title's psi, a note's sigma, the states a, b, k_B = 1, a region, the members x_2 of x_i, a family's
    # definition and the Q and J of a described label are read; D, k, q and the j of the binomial are not described
    assert unexplained_tex(report) == ["D", "j", "k", "q", "w_+", "w_-"]


def test_the_scan_reads_a_result_label_in_a_later_form_whole():
    r"""A result written as a multiple of one above it (``\operatorname{var} W(t) = 2 T \langle W \rangle(t)``): the
    label is the result's, said in its row, not a ``W`` of its own."""
    page = ("# T\n\n- $\\langle W \\rangle(t) = a t$\n- $V = 2 T \\langle W \\rangle(t)$\n\n## Notation\n\n"
            "| symbol | meaning | units |\n| --- | --- | --- |\n| $\\langle W \\rangle(t)$ | mean work | -- |\n"
            "| $V$ | variance | -- |\n| $a$, $t$, $T$ | rate, time, temperature | -- |\n")
    assert unexplained(page) == []
    assert unexplained(page.replace("| $\\langle W \\rangle(t)$ | mean work | -- |\n", "")) == []  # (a definition)
    assert unexplained(page.replace("2 T \\langle W", "2 T W \\langle W")) == ["W"]
