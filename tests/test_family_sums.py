r"""A sum over a whole family of names printed as an author writes it, :math:`\sum_i` (issue #24).

The cascade synapse's report printed its entropy as six terms of one shape over :math:`Z`,
:math:`\frac{Z_{w_1} \ln(Z/Z_{w_1}) + \dots + Z_{s_3} \ln(Z/Z_{s_3})}{Z}`, so wide that its equation number
dropped below it, and :math:`Z = Z_{w_1} + \dots + Z_{s_3}`; an author writes
:math:`H = \frac{1}{Z} \sum_i Z_i \ln\frac{Z}{Z_i}` and :math:`Z = \sum_i Z_i` over the family
:math:`Z_i` the page defines. Oracles: the printed summand, read back term by term (each member put for the
index), is the expression; the numeric model's entropy (scipy's stationary solve).
"""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import FAMILY_SUM_MIN, FamilyName, latex_of
from thermotheory.core.width import latex_width
from thermotheory.export.derivation import quantity_lines
from thermotheory.models import memory

Z = sp.Symbol("Z", positive=True)
k = sp.Symbol("k", positive=True)


def _family(n, generic="Z_{i}"):
    members = sp.symbols(f"Z_0:{n}", positive=True)
    names = {z: FamilyName(f"Z_{{{j + 1}}}", generic, "i", str(j + 1), "w_i") for j, z in enumerate(members)}
    return members, {**names, Z: "Z"}


def test_a_sum_over_a_whole_family_prints_as_a_sum_over_its_index():
    zs, names = _family(4)
    assert latex_of(sp.Add(*zs), symbol_names=names) == r"\sum_{i} Z_{i}"
    assert latex_of(sum(z**2 for z in zs), symbol_names=names) == r"\sum_{i} Z_{i}^{2}"
    # a sum in the summand is bracketed; the sign of every term goes in front
    assert latex_of(sum(z + z**2 for z in zs), symbol_names=names) == r"\sum_{i} \left(Z_{i}^{2} + Z_{i}\right)"
    assert latex_of(-sum(z * sp.log(z) for z in zs), symbol_names=names) == r"- \sum_{i} Z_{i} \ln Z_{i}"
    # terms that hold no member stand before the sum
    assert latex_of(1 + k - sum(z**2 for z in zs), symbol_names=names) == r"1 + k - \sum_{i} Z_{i}^{2}"


def test_a_product_with_a_family_sum_prints_the_factors_first():
    zs, names = _family(6)
    H = sp.Add(*[z * sp.log(Z / z) for z in zs]) / Z
    assert latex_of(H, symbol_names=names) == r"\frac{1}{Z} \sum_{i} Z_{i} \ln \frac{Z}{Z_{i}}"
    assert latex_of(-2 * k * sp.Add(*zs), symbol_names=names) == r"- 2 k \sum_{i} Z_{i}"


@pytest.mark.parametrize("expr", [
    lambda zs: sp.Add(*zs[:-1]),  # not the whole family
    lambda zs: sum(z * k**j for j, z in enumerate(zs)),  # a summand that differs from member to member
    lambda zs: sp.Add(*zs[1:]) + k,  # a term that is no member's in place of a member
    lambda zs: zs[0] * zs[1] + zs[2] + zs[3],  # a term with two members
])
def test_a_sum_that_is_not_over_a_whole_family_is_written_out(expr):
    zs, names = _family(4)
    tex = latex_of(expr(zs), symbol_names=names)
    assert r"\sum" not in tex and "Z_{2}" in tex, tex


@pytest.mark.parametrize("build, tex", [
    # a factor that is a sum or a function stands apart from the sum, bracketed (it read as a + b \sum_i Z_i)
    (lambda zs, ws: (k + Z) * sp.Add(*zs), r"\left(Z + k\right) \left(\sum_{i} Z_{i}\right)"),
    (lambda zs, ws: (1 - k) * sp.Add(*[-z / 2 for z in zs]),
     r"\left(1 - k\right) \left(- \frac{1}{2} \sum_{i} Z_{i}\right)"),
    (lambda zs, ws: sp.log(k) * sp.Add(*zs), r"\left(\sum_{i} Z_{i}\right) \ln k"),
    # no sum over a family inside a summand (two indices i would read as one)
    (lambda zs, ws: sp.Add(*[z * sp.Add(*ws) for z in zs], evaluate=False),
     r"\sum_{i} Z_{i} \left(W_{1} + W_{2} + W_{3} + W_{4}\right)"),
    # a term summed over a family last, unless that leads with a minus; a negative number after the sum
    (lambda zs, ws: k * sp.Add(*zs) + Z, r"Z + k \sum_{i} Z_{i}"),
    (lambda zs, ws: k * sp.Add(*zs) - Z, r"k \sum_{i} Z_{i} - Z"),
    (lambda zs, ws: sp.Add(*zs) - 3, r"\sum_{i} Z_{i} - 3"),
    # a summand that prints the index letter itself is written out
    (lambda zs, ws: sp.Add(*[sp.I * z for z in zs]), r"i Z_{1} + i Z_{2} + i Z_{3} + i Z_{4}"),
])
def test_a_family_sum_reads_as_the_expression_beside_other_factors_and_terms(build, tex):
    zs, names = _family(4)
    ws = sp.symbols("W_0:4", positive=True)
    names.update({w: FamilyName(f"W_{{{j + 1}}}", "W_{i}", "i", str(j + 1), "v_i") for j, w in enumerate(ws)})
    assert latex_of(build(zs, ws), symbol_names=names) == tex


def test_the_printed_sum_does_not_depend_on_the_order_names_were_given_in():
    """The index is named after the family's first member in sympy's order, not the mapping's: the printer's memory
    of printed parts (keyed by the names as a set) returns the same LaTeX whichever order printed first."""
    from thermotheory.core import closedform

    zs, names = _family(4)
    expr = sp.Add(*[z * sp.Symbol("Z_1x") for z in zs])
    backwards = dict(reversed(list(names.items())))
    closedform._PRINTED.clear()
    first = latex_of(expr, symbol_names=backwards)
    closedform._PRINTED.clear()
    assert latex_of(expr, symbol_names=names) == first == r"\sum_{i} Z_{i} Z_{1x}"


def test_a_small_family_and_plain_names_are_written_out():
    zs, names = _family(FAMILY_SUM_MIN - 1)
    assert r"\sum" not in latex_of(sp.Add(*zs), symbol_names=names)
    # the same LaTeX as plain names (not a family): written out, though printed just after the family's sum
    zs, names = _family(4)
    assert latex_of(sp.Add(*zs), symbol_names=names) == r"\sum_{i} Z_{i}"
    plain = {n: str(t) for n, t in names.items()}
    assert latex_of(sp.Add(*zs), symbol_names=plain) == "Z_{1} + Z_{2} + Z_{3} + Z_{4}"
    # the caller's names are left as they were (the printer adds its index to its own copy)
    assert set(names) == {*zs, Z}


def test_the_summand_with_each_member_put_in_is_that_members_term():
    """Nothing is lost in the sum: each term printed alone (one member, no sum to find) is the printed summand with
    the member's LaTeX put for the family's name."""
    zs, names = _family(5)
    terms = [z * sp.exp(-k * z) / (1 + z) + sp.sqrt(z) for z in zs]
    tex = latex_of(sp.Add(*terms), symbol_names=names)
    assert tex.startswith(r"\sum_{i} \left("), tex
    summand = tex.removeprefix(r"\sum_{i} \left(").removesuffix(r"\right)")
    for j, term in enumerate(terms):
        assert summand.replace("Z_{i}", f"Z_{{{j + 1}}}") == latex_of(term, symbol_names=names)


def test_a_sum_sign_is_measured_as_wide_as_it_sets():
    assert latex_width(r"\sum_{i} Z_{i}") > latex_width(r"Z Z_{i}") + 8


def test_the_cascade_reports_entropy_is_a_sum_over_the_states():
    model = memory.cascade(3, reverse=True)
    H = tt.entropy(model)
    lines = quantity_lines({"H": H})
    assert lines[0] == r"H &= \frac{1}{Z} \sum_{i} Z_{i} \ln \frac{Z}{Z_{i}}", lines[0]
    assert r"Z &= \sum_{i} Z_{i}" in lines
    rng = np.random.default_rng(3)
    values = {memory.r: rng.uniform(0.5, 2), memory.f: rng.uniform(0.1, 0.9), memory.x: rng.uniform(0.1, 0.8),
              memory.Delta_mu: rng.uniform(0.2, 3)}
    assert float(H.evaluate(values)) == pytest.approx(tt.entropy(model.numeric(values)), rel=1e-10)
