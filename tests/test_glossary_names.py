r"""Named parts of a closed form said in words in the glossary (issue #24: "no page says in words what ... are").

The binary synapse's entropy produced while forgetting is printed as :math:`D(p_0 \| \pi) - D(p(t) \| \pi)`, the ion
channel's through :math:`h(n(t))` and :math:`\langle \ln \binom{4}{k} \rangle_t`: a report printed these names with no
row saying what they are (the jump page had a hand-written glossary). A name given as a
:class:`~thermotheory.core.closedform.MeantName` carries its meaning to every page and report that prints it.
"""

from __future__ import annotations

import pickle

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
    assert _form().latex(where=False) == r"\ln{\left(\frac{p_{0}}{p_{1}} \right)}"


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
    ("binary_synapse", [r"$D(p_{0} \| \pi)$, $D(p(t) \| \pi)$", "$p_{0}$, $p(t)$"]),
    ("ion_channel_step", [r"$D(n_{0} \| n_\infty)$, $D(n(t) \| n_\infty)$", "$h(n(t))$"]),
])
def test_the_reports_say_what_their_named_parts_are(name, said):
    tex = report_tex(entry(name))
    table = tex[tex.index(r"\subsection*{Notation}"):]
    for symbols in said:
        assert symbols in table, table
