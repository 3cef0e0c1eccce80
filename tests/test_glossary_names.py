r"""Named parts of a closed form said in words in the glossary (issue #24: "no page says in words what ... are").

The binary synapse's entropy produced while forgetting is printed as :math:`D(p_0 \| \pi) - D(p(t) \| \pi)`, the ion
channel's through :math:`h(n(t))` and :math:`\langle \ln \binom{4}{k} \rangle_t`: a report printed these names with no
row saying what they are (the jump page had a hand-written glossary). A name given as a
:class:`~thermotheory.core.closedform.MeantName` carries its meaning to every page and report that prints it.
"""

from __future__ import annotations

import pickle
import re

import pytest
import sympy as sp

from thermotheory.core.closedform import ClosedForm, MeantName
from thermotheory.errors import ModelError
from thermotheory.export.derivation import glossary_rows
from thermotheory.catalog import entry
from thermotheory.export.report import report_tex

a, b = sp.symbols("a b", positive=True)
P, Q, U = sp.symbols("P Q U", positive=True)
SAID = "a probability, at the time of its index"


def _form() -> ClosedForm:
    names = {P: MeantName("p_{0}", SAID, "--"), Q: MeantName("p_{1}", SAID, "--"),
             U: MeantName("u", "a name no definition uses here", "nats")}
    return ClosedForm(sp.log(P / Q), [(P, a / (a + b)), (Q, b / (a + b))], names)


def test_names_of_one_meaning_share_a_row_and_an_unused_name_has_none():
    rows = glossary_rows([(None, [("ratio", None, _form())])])
    assert ("$p_{0}$, $p_{1}$", SAID, "--") in rows, rows
    assert not any("$u$" in symbols for symbols, _, _ in rows), rows


def test_a_name_that_is_a_result_of_the_page_keeps_its_row():
    rows = glossary_rows([(None, [("first", None, a / (a + b)), ("ratio", None, _form())])])
    assert sum("p_{0}" in symbols for symbols, _, _ in rows) == 1, rows


def test_a_meant_name_is_a_string_that_keeps_its_meaning_through_pickle():
    d = MeantName(r"D(p_{0} \| \pi)", "relative entropy to the stationary state", "nats")
    assert d == r"D(p_{0} \| \pi)" and isinstance(d, str)
    back = pickle.loads(pickle.dumps(d))
    assert (back, back.meaning, back.units) == (d, d.meaning, d.units)
    assert _form().latex(where=False) == r"\ln \frac{p_{0}}{p_{1}}"


@pytest.mark.parametrize("args, match", [
    ((1, "meaning"), "tex must be a string"),
    (("p", None), "meaning must be a string"),
    (("p", "meaning", 2), "units must be a string"),
    (("", "meaning"), "must not be empty"),
    (("p", "  "), "must not be empty"),
])
def test_bad_names_are_refused_by_name(args, match):
    with pytest.raises(ModelError, match=match):
        MeantName(*args)


@pytest.mark.parametrize("name, said", [
    ("binary_synapse", [r"$D(P_{\mathrm{s}}(0) \| \pi)$, $D(P_{\mathrm{s}}(t) \| \pi)$",
                        r"$P_{\mathrm{s}}(0)$, $P_{\mathrm{s}}(t)$"]),
    ("ion_channel_step", [r"$D(n_{0} \| n_\infty)$, $D(n(t) \| n_\infty)$", "$h(n(t))$"]),
])
def test_the_reports_say_what_their_named_parts_are(name, said):
    tex = report_tex(entry(name))
    table = tex[tex.index(r"\subsection*{Notation}"):]
    for symbols in said:
        assert symbols in table, table


def test_a_dimensionless_group_is_said_in_words():
    from thermotheory.core.presentation import dimensionless
    k, sn, sw, tn, tv = sp.symbols("kappa sigma_n sigma_w tau_n tau_v", positive=True)
    rho = sp.Symbol("rho", positive=True)
    form = dimensionless(k**2 * sn**2 / (sw**2 * (tn + tv)), {k: {"w": 1, "x": -1}, sn: {"x": 1}, sw: {"w": 1},
                                                              tn: {"time": 1}, tv: {"time": 1}},
                         [tv, sn, sw], {rho: tn / tv})
    said = {str(n): n.meaning for n in form.names.values()}
    assert said == {r"\rho": r"dimensionless group $\tau_{n} / \tau_{v}$",
                    r"\hat{\kappa}": r"dimensionless group $\kappa \sigma_{n} / \sigma_{w}$"}, said
    rows = glossary_rows([(None, [("heat", None, form)])])
    assert any(symbols == r"$\hat{\kappa}$" for symbols, _, _ in rows), rows


def test_a_page_keeps_the_rows_of_the_symbols_it_prints():
    from thermotheory.export.derivation import _printed_rows
    rows = [("$N$", "number", ""), ("$x$", "rate", ""), (r"$\sigma$", "a symbol printed only with an index", ""),
            ("$c(t)$", "gain", ""), (r"$\Delta\mu_\mathrm{ATP}$", "free energy", "nats"), (r"$\sigma_{v}$", "", ""),
            ("$I(v; w)$, $I(v; x)$", "information", "nats"), ("$h$", "a rate: here only an index, T_h", ""),
            ("$o$", r"a letter: here only in \mathrm{tot}", ""), (r"$\mathrm{SNR}$", "signal-to-noise ratio", ""),
            ("$d$", "dimension: here only in words and a differential", ""),
            ("$x_{i}$, $\\phi_{i}$", "an indexed symbol: here its members x_1, x_2", ""), ("$K$", "a matrix", "")]
    body = (r"\section*{lattice 2d: a field} \begin{align} \mathrm{SNR} + \Sigma_{x w} \sigma_{v} c{\left(t \right)} "
            r"e^{\Delta\mu_{\mathrm{ATP}}} \\"
            "\n" r"I(v; w) &= g x T_{h} \dot S^{\mathrm{tot}} + x_{1} x_{2} \end{align} and $d\phi = -K \phi\, dt$")
    # (a result after a row break: the synapse page lost its rows so)
    kept = [meaning for _, meaning, _ in _printed_rows(rows, body)]
    assert kept == ["rate", "gain", "free energy", "", "information", "signal-to-noise ratio",
                    "an indexed symbol: here its members x_1, x_2", "a matrix"]
    assert not _printed_rows([("$K$", "a matrix in words only", "")], "the matrix K and $x$")  # (math only)


def test_the_shared_glossaries_describe_their_models_symbols():
    from thermotheory.models import decoder as B
    from thermotheory.models import particle as P
    for model, glossary in ((B.one_neuron(), B.GLOSSARY), (P.trapped(), P.GLOSSARY)):
        assert set(model.parameters) <= set(glossary), set(model.parameters) - set(glossary)


def test_a_long_glossary_breaks_across_pages():
    """The jump page's glossary (70 rows) ran 371 pt past the foot of its page in a ``tabular``; a ``longtable``
    breaks, its head repeated on each page."""
    from thermotheory.export.compile import compile_tex, have_pdflatex
    from thermotheory.export.derivation import derivation_document, glossary_tex
    if not have_pdflatex():
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    rows = [(f"$a_{{{k}}}$", f"the {k}-th symbol, described at some length so that its meaning wraps in its column",
             "nats") for k in range(150)]
    done = compile_tex(derivation_document("A long glossary", glossary_tex(rows)))
    assert done.ok, done.log[-2000:]
    assert not done.too_high and not done.overfull, (done.too_high, done.overfull)
    pages = re.search(r"Output written on \S+ \((\d+) pages?", done.log)
    assert pages and int(pages.group(1)) >= 3, done.log[-500:]  # (the table took several pages)


def test_every_glossary_of_the_catalog_covers_its_models_parameters():
    from thermotheory.catalog import _GLOSSARIES
    for name in _GLOSSARIES:
        item = entry(name)
        missing = [p for p in getattr(item.model(), "parameters", ()) if p not in item.glossary]
        assert not missing, f"{name}: no meaning for {missing}"


def test_a_report_says_what_the_parameters_it_prints_are():
    """A report listed its quantities and named parts but not its model's parameters (``r, f, q`` of the binary
    synapse stood in its assumptions without a word); it lists those it prints, not the others of its module
    (``\\Delta\\mu``, the cascade's)."""
    tex = report_tex(entry("binary_synapse"))
    table = tex[tex.index(r"\subsection*{Notation}"):]
    for symbol, said in (("r", "rate of plasticity events"), ("f", "potentiate"), ("q", "switches")):
        assert re.search(rf"\$\s*{symbol}\s*\$ & \\raggedright [^&]*{said}", table), (symbol, table)
    assert r"\Delta\mu" not in table and r"\xi" not in table
    # its starting distribution is written as its closed forms write it (the report said p_s(0), its forms P_s(0))
    assert r"P_{\mathrm{s}}(0) = f + q \left(1 - f\right)" in tex and "p_{" not in tex
    # and once: its closed forms' definitions do not give it again (they printed P_s(0) = f - f q + q under "where")
    assert tex.count(r"P_{\mathrm{s}}(0) = ") == 1 and r"P_{\mathrm{s}}(0) &=" not in tex, tex
    assert r"D(P_{\mathrm{s}}(0) \| \pi) &= P_{\mathrm{s}}(0) \ln" in tex  # (the forms still written through it)
    # the weak state's start has its row too (P_s(0) is said by the forms' own row)
    assert re.search(r"\$P_\{\\mathrm\{w\}\}\(0\)\$ & \\raggedright probability of the state in the subscript at the "
                     r"start", table)


def test_a_jump_report_says_what_its_states_and_rate_labels_are():
    """The proofreading report printed its transitions between E, R, R*, W, W* with rates labelled nu_+, nu_- and no
    word on either; the rate label's row was written on the pages only."""
    tex = report_tex(entry("proofreading"))
    table = tex[tex.index(r"\subsection*{Notation}"):]
    assert r"$\nu_{+}$, $\nu_{-}$, $\nu$ & \raggedright rates of a transition forward and back" in table, table
    for state, said in ((r"\mathrm{E}", "free enzyme"), (r"\mathrm{R}", "right substrate"),
                        (r"\text{W*}", "wrong complex activated")):
        assert re.search(re.escape(f"${state}$ & \\raggedright ") + f"[^&]*{said}", table), (state, table)


def test_the_document_rows_and_a_given_name_refuse_bad_input():
    import sympy as sp

    from thermotheory.errors import InvalidExport
    from thermotheory.export.derivation import document_rows, quantity_lines
    with pytest.raises(InvalidExport, match="body must be the document's LaTeX"):
        document_rows([], None, None, [], None)
    with pytest.raises(InvalidExport, match="glossary must be a mapping"):
        document_rows([], None, ["x"], [], "$x$")
    x = sp.Symbol("x", positive=True)
    for given in (["P_s(0)"], {sp.Symbol("p"): 1}, "P_s(0)"):
        with pytest.raises(InvalidExport, match="given must be a mapping"):
            quantity_lines({"H": x + 1}, given=given)
    assert quantity_lines({"H": x + 1}, given={}) == quantity_lines({"H": x + 1})


def test_the_reference_keys_and_the_label_form_refuse_bad_input():
    from thermotheory.errors import InvalidExport
    from thermotheory.export.derivation import reference_keys, unbraced

    for parts in (5, [("heading",)], ["ab c"]):
        with pytest.raises(InvalidExport, match="parts must be"):
            reference_keys(parts)
    for given in ("cover2006", [3]):
        with pytest.raises(InvalidExport, match="given must be a sequence of reference keys"):
            reference_keys([], given=given)
    assert reference_keys([("", {})], given=["a", "b", "a"]) == ["a", "b"]
    with pytest.raises(InvalidExport, match="expected a label"):
        unbraced(None)
    assert unbraced("x_{1} + y_{ab}") == "x_1 + y_{ab}"
