"""Structured closed forms of large jump networks as an author prints them (issue #24).

A network whose spanning-tree sums ``Z_i`` and current numerators are walls of monomials
(the six-state cascade synapse with reverse transitions: about 80 monomials each) is written
in the named ``Z_i`` (:math:`\\sigma = \\sum_C (Z_a w_{ab} - Z_b w_{ba}) A_C / Z`) and its
``Z_i`` are printed once by their defining formula (the matrix-tree theorem), not value by
value. Oracles: the numeric model's entropy production (scipy's stationary solve) at random
points, the plain rational form, pickling, and the page scan of ``tests/test_pages.py``.
"""

import pickle

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import jump_forms as jf
from thermotheory.core.closedform import ClosedForm, FamilyName, definition_rows
from thermotheory.core.jump import MarkovJumpProcess
from thermotheory.core.layout import align_rows
from thermotheory.export.derivation import glossary_rows, quantity_lines
from thermotheory.models import memory
from tests.test_pages import defects


@pytest.fixture(scope="module")
def cascade():
    return memory.cascade(3, reverse=True)


@pytest.fixture(scope="module")
def sigma(cascade):
    return jf.entropy_production_rate(cascade)


def _terms(expr):
    return len(sp.Add.make_args(sp.expand(expr)))


def test_the_currents_of_a_large_network_are_written_in_the_named_tree_sums(cascade, sigma):
    assert isinstance(sigma, ClosedForm)
    Z = {n for n, _ in sigma.definitions}
    # each cycle's current is Z_a w_ab - Z_b w_ba: the expression is linear in the Z_i, with few terms
    assert sigma.expr.free_symbols & Z
    numerator = sp.fraction(sp.together(sigma.expr))[0]
    assert _terms(numerator) <= 16, _terms(numerator)
    rng = np.random.default_rng(7)
    for _ in range(3):
        values = {memory.r: rng.uniform(0.5, 2), memory.f: rng.uniform(0.1, 0.9), memory.x: rng.uniform(0.1, 0.8),
                  memory.Delta_mu: rng.uniform(0.2, 3)}
        exact = float(sigma.evaluate(values))
        assert exact == pytest.approx(tt.entropy_production_rate(cascade.numeric(values)), rel=1e-9)


def test_a_short_cancelled_current_is_kept(sigma):
    k, q = sp.symbols("k q", positive=True)
    ring = MarkovJumpProcess({(0, 1): k, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    s = jf.entropy_production_rate(ring, form="structured")
    assert isinstance(s, ClosedForm)
    named = {n for n, _ in s.definitions if n.name != "Z"}
    assert not (s.expr.free_symbols & named), s.expr  # k^3 - q^3 reads shorter than Z_0 k - Z_1 q
    assert sp.simplify(sp.expand(s.rational() - (k - q) * sp.log(k**3 / q**3) / 3)) == 0


def test_the_tree_sums_are_one_family_printed_by_its_formula(sigma):
    names = sigma.names
    family = [t for t in names.values() if isinstance(t, FamilyName)]
    assert len(family) == 6 and {t.generic for t in family} == {"Z_{i}"}
    lines = sigma.latex_lines(r"\sigma")
    rows = [line for line in lines if line.startswith("Z_{i} &= ")]
    states = ", ".join(rf"\mathrm{{{s}_{{{k}}}}}" for s in "ws" for k in (1, 2, 3))
    assert len(rows) == 1 and rows[0].endswith(rf"i = {states}"), rows
    assert not any(line.startswith(r"Z_{\mathrm{w_{1}}} &=") for line in lines)
    assert max(len(line) for line in lines) < 1200  # no wall of monomials
    # a name keeps its family through a pickle (worker processes send closed forms back)
    back = pickle.loads(pickle.dumps(sigma))
    fields = ("generic", "letter", "index", "formula", "meaning")
    for n, t in sigma.names.items():
        assert type(back.names[n]) is type(t) and back.names[n] == t
        if isinstance(t, FamilyName):
            assert [getattr(back.names[n], f) for f in fields] == [getattr(t, f) for f in fields]
    assert back.latex_lines(r"\sigma") == lines
    # every renderer fitted to a width prints the family once (fit_parts: tt.latex(form, width=...), Derivation)
    fitted = tt.latex(sigma, width=440)
    assert fitted.count(r"Z_{i} &= \sum") == 1 and len(fitted) < 3000, len(fitted)


def test_definition_rows_keeps_short_values_and_other_names():
    a, b, Za, Zb, C = sp.symbols("a b Z_a Z_b C", positive=True)
    names = {Za: FamilyName("Z_{a}", "Z_{i}", "i", "a", "w_i"), Zb: FamilyName("Z_{b}", "Z_{i}", "i", "b", "w_i"),
             C: "C"}
    defs = [(Za, a), (C, Za + 1), (Zb, a * b)]
    assert definition_rows(defs, names, lambda v: False) == defs
    long_b = definition_rows(defs, names, lambda v: v == a * b)  # only Z_b too long: a family row for it alone
    assert long_b == [(Za, a), (C, Za + 1), ("Z_{i}", r"w_i, \quad i = b")]
    both = definition_rows(defs, names, lambda v: True)
    assert both == [("Z_{i}", r"w_i, \quad i = a, b"), (C, Za + 1)]


def test_the_page_block_of_a_large_network_has_no_defect(sigma):
    lines = quantity_lines({r"\sigma": sigma})
    tex = "\n".join([r"\begin{align}", align_rows(lines), r"\end{align}"])
    assert not defects(tex), defects(tex)
    assert any(line.startswith(r"Z_{i} &= \sum_{T \in \mathcal{T}_{i}}") for line in lines)
    rows = glossary_rows([(None, [("sigma", None, sigma)])])
    assert any(symbols == "$Z_{i}$" and "matrix-tree" in meaning for symbols, meaning, _ in rows), rows


def test_a_family_name_and_its_rows_refuse_bad_input():
    from thermotheory.errors import ModelError

    with pytest.raises(ModelError, match="LaTeX string"):
        FamilyName("Z_{a}", "Z_{i}", "i", 1, "w_i")
    with pytest.raises(ModelError, match="index letter"):
        FamilyName("Z_{a}", "Z_{j}", "i", "a", "w_i")
    with pytest.raises(ModelError, match="too_long"):
        definition_rows([], {}, 3)


def test_the_page_pass_holds_the_long_tree_sums_back_in_their_place(sigma):
    """The presentation pass leaves the family's long values alone (not compacted, nor printed) and puts them back
    in their place: the definitions keep their order and values, and the shown form has the same value."""
    from thermotheory.export.derivation import shown_forms

    shown = shown_forms({r"\sigma": sigma})[r"\sigma"]
    assert [n for n, _ in shown.definitions] == [n for n, _ in sigma.definitions]
    given = dict(sigma.definitions)
    held = [n for n, _ in sigma.definitions if isinstance(sigma.names[n], FamilyName)]
    assert held and all(dict(shown.definitions)[n] == given[n] for n in held)
    values = {memory.r: 1.3, memory.f: 0.3, memory.x: 0.4, memory.Delta_mu: 1.7}
    assert float(shown.evaluate(values)) == pytest.approx(float(sigma.evaluate(values)), rel=1e-12)


def test_two_closed_forms_of_one_family_name_keep_both_families_when_merged():
    a, b, Z0 = sp.symbols("a b Z_0", positive=True)
    name = FamilyName("Z_{0}", "Z_{i}", "i", "0", "w_i", "tree sums")
    merged = ClosedForm(Z0, [(Z0, a)], {Z0: name}) + ClosedForm(Z0, [(Z0, b)], {Z0: name})
    primed = [t for t in merged.names.values() if t != name]
    assert len(primed) == 1 and isinstance(primed[0], FamilyName) and primed[0].generic == "{Z_{i}}'"
    rows = definition_rows(merged.definitions, merged.names, lambda v: True)
    assert [r[0] for r in rows] == ["Z_{i}", "{Z_{i}}'"]
    assert merged.evaluate({a: 2.0, b: 3.0}) == pytest.approx(5.0)


def test_a_long_family_row_lists_its_first_indices_and_its_last():
    Z = sp.symbols("Z_0:12", positive=True)
    names = {z: FamilyName(f"Z_{{{k}}}", "Z_{i}", "i", str(k), "w_i") for k, z in enumerate(Z)}
    (row,) = definition_rows([(z, z) for z in Z], names, lambda v: True)
    assert row == ("Z_{i}", r"w_i, \quad i = 0, 1, \ldots, 11")


def test_a_notebook_and_a_page_measure_a_long_definition_alike():
    """A quotient of two sums of 40 terms prints within 3 lines (the width of the wider sum) though its LaTeX has
    over 600 characters: the notebook's rendering (``latex_lines`` without ``too_long=``) measured characters and
    printed the family's formula where a page printed the values; both now use ``too_long``."""
    from thermotheory.core.closedform import too_long
    from thermotheory.core.layout import MAX_LINES, TEXT_WIDTH, latex_width

    a, b = sp.symbols("a_1:41", positive=True), sp.symbols("b_1:41", positive=True)
    value = sp.Add(*a) / sp.Add(*b)
    tex = tt.latex(value)
    assert len(tex) > 600 and latex_width(tex) < MAX_LINES * TEXT_WIDTH and not too_long(value)
    Za, Zb, x = sp.symbols("Z_a Z_b x", positive=True)
    names = {Za: FamilyName("Z_{a}", "Z_{i}", "i", "a", "w_i"), Zb: FamilyName("Z_{b}", "Z_{i}", "i", "b", "w_i")}
    form = ClosedForm(Za + Zb + x, [(Za, value), (Zb, 2 * value)], names)
    lines = form.latex_lines("S")
    assert [line.split(" &=")[0] for line in lines[2:]] == ["Z_{a}", "Z_{b}"], lines  # the values, as on a page
    wide = ClosedForm(Za + Zb + x, [(Za, value + sp.Add(*b)), (Zb, value)], names)
    assert too_long(value + sp.Add(*b))
    assert [line.split(" &=")[0] for line in wide.latex_lines("S")[2:]] == ["Z_{i}", "Z_{b}"]


def test_a_parameter_named_like_a_tree_sum_primes_the_whole_family():
    """A parameter Z_0 beside a state 0: the tree sum Z_0 alone was primed and made a family of its own (Z_i' beside
    Z_i); now every tree sum is primed, one family. Values: the named form against the plain one at random points."""
    k, q, Z0 = sp.symbols("k q Z_0", positive=True)
    ring = MarkovJumpProcess({(0, 1): k * Z0, (1, 2): k, (2, 0): k, (1, 0): q, (2, 1): q, (0, 2): q})
    sigma = jf.entropy_production_rate(ring, form="structured")
    families = {t.generic for t in sigma.names.values() if isinstance(t, FamilyName)}
    assert families == {"Z_{i}'"}, sigma.names
    assert Z0 in sigma.free_symbols or any(Z0 in v.free_symbols for _, v in sigma.definitions)
    plain = jf.entropy_production_rate(ring)
    rng = np.random.default_rng(3)
    for _ in range(3):
        point = {s: float(rng.uniform(0.3, 3.0)) for s in (k, q, Z0)}
        assert np.isclose(float(sigma.explicit().subs(point)), float(plain.subs(point)), rtol=1e-10)


def test_a_parameter_printed_like_a_tree_sum_primes_the_family():
    """States a, b, c and a parameter Z_a: the page printed Z_{a} for the parameter and for a tree sum."""
    from thermotheory.core.closedform import latex_of

    k, q, Za = sp.symbols("k q Z_a", positive=True)
    ring = MarkovJumpProcess({("a", "b"): k * Za, ("b", "c"): k, ("c", "a"): k, ("b", "a"): q, ("c", "b"): q,
                              ("a", "c"): q})
    sigma = jf.entropy_production_rate(ring, form="structured")
    printed = {str(t) for t in sigma.names.values()}
    assert latex_of(Za) not in printed and r"Z_{\mathrm{a}}'" in printed, printed
