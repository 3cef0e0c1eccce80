r"""Guards of this session's rewritings and printing (issue #24), each from a review of the change.

A rewriting must be equal wherever the form is defined, not only at random points (the conjugate of a sum whose
terms are equal somewhere would make it 0/0 there); a product of a log and cases must not read as the log of the
cases; a factor beyond a float's range is no small rational; a power of a sum is not multiplied out to split a
log's number.
"""

from __future__ import annotations

import time
from pathlib import Path

import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import _conjugate, _log_numbers_out, compact
from thermotheory.export.derivation import _MULTIPLE_LABEL, _monomial_ratio

from .helpers import load_module

hf = load_module("_hand_forms_for_guards", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

a, b, c, d, k, t, x, T = sp.symbols("a b c d k t x T", positive=True)


def test_a_conjugate_that_can_vanish_is_not_taken():
    e = (sp.sqrt(1 + t * (2 + k * t)) + 1 + k * t) / (t * (2 + k * t))  # (the conjugate sqrt - 1 - k t is 0 at k = 1)
    for out in (_conjugate(e), compact(e)):
        assert sp.simplify(out.subs(k, 1) - e.subs(k, 1)) == 0, out
    # where it cannot vanish it is taken (the heat engine's rate: the root minus a negative sum)
    li, lf = sp.symbols("lambda_i lambda_f", positive=True)
    rate = (sp.sqrt(1 + li * t * (2 + lf * t)) - lf * t - 1) / (t * (2 + lf * t))
    assert latex_of(compact(rate)).startswith(r"\frac{\lambda_{i} - \lambda_{f}}{"), latex_of(compact(rate))


def test_a_log_or_an_exponent_beside_cases_keeps_the_cases_in_brackets():
    pw = sp.Piecewise((a / t, t < T), (b, True))
    for e in (sp.log(a) * pw, c * sp.log(a / b) * pw):
        tex = latex_of(e)
        assert r"\left(\begin{cases}" in tex and not tex.endswith(r"\end{cases}"), tex
    assert r"\left(\begin{cases}" in latex_of(sp.exp(c * pw))  # (in an exponent: nothing closes them on the right)
    assert latex_of(a / (2 * b) * pw).startswith(r"\frac{a}{2 b} \begin{cases}")
    # one predicate for what reads on into a function's argument: a power of a bare log before a reciprocal too
    # (x \ln^{2} a \left(1 + \dots\right)^{-1} read as the log of the product)
    tex = latex_of(x * sp.log(a) ** 2 / (1 + a / (b + c)))
    assert r"\ln^{2} a \left(" not in tex and tex.startswith(r"\frac{x \ln^{2} a}{"), tex


def test_a_factor_beyond_a_floats_range_is_no_monomial():
    assert _monomial_ratio(10**400 * x, x) is None
    assert _monomial_ratio(x / 10**400, x) is None
    assert _monomial_ratio(3 * x * T**2, x) == 3 * T**2


def test_a_fraction_a_limit_or_a_minus_sign_takes_no_multiple():
    assert [bool(_MULTIPLE_LABEL.match(n)) for n in (r"\frac{a}{b}", r"\lim_{t \to 0} x", "-W")] == [False] * 3
    assert all(_MULTIPLE_LABEL.match(n) for n in (r"\langle W \rangle(t)", "W", r"\Phi_{w}", "2 D[Q_x]"))


def test_a_power_of_a_sum_is_not_multiplied_out_to_split_a_logs_number():
    e = sp.log(x / 2) * (a + b + c + d) ** 20
    t0 = time.perf_counter()
    assert _log_numbers_out(e) == e
    assert time.perf_counter() - t0 < 5  # (it took 8 s to expand; a generous bound, against a hang)
    big = sp.log(x * sp.Rational(10**13 + 37, 3))  # (a numerator too large to split into primes at once)
    assert _log_numbers_out(big + sp.log(2)) == big + sp.log(2)


def test_an_unreadable_hand_form_is_checked_by_its_sympy_with_the_labels_written_out(tmp_path):
    (tmp_path / "fake.md").write_text("# a page\n\n- $W = a + b$\n- $V = 2 W$\n", encoding="utf-8")
    hand = hf.HandForm("fake", "V", r"\begin{cases} 2 W \end{cases}", sympy="2*a + 2*b")
    assert hf.compare(hand, tmp_path).equal is True
    wrong = hf.HandForm("fake", "V", r"\begin{cases} 3 W \end{cases}", sympy="3*a + 3*b")
    assert hf.compare(wrong, tmp_path).equal is False


def test_a_hand_form_with_a_label_this_reader_cannot_read_alone_is_checked_through_the_label(tmp_path):
    # \bar{J}[Q] read as a product with a bracket is no expression; as the page's label, one name on both sides
    (tmp_path / "fake.md").write_text("# a page\n\n- $\\bar{J}[Q] = a + b$\n- $2 D[Q] = a^{2} + a b$\n",
                                      encoding="utf-8")
    hand = hf.HandForm("fake", "2 D[Q]", r"a \bar{J}[Q]")
    assert hf.compare(hand, tmp_path).equal is True
    wrong = hf.HandForm("fake", "2 D[Q]", r"b \bar{J}[Q]")
    assert hf.compare(wrong, tmp_path).equal is False


def test_a_composite_beside_a_named_matrix_takes_no_matrix_as_its_factor():
    # the heterogeneous report's information, det Sigma beside a sum (a + b): det Sigma is no factor of the composite
    # (it raised NotImplementedError dividing by the matrix)
    from thermotheory.core.presentation import through_composite

    M = sp.MatrixSymbol("Sigma", 2, 2)
    s = sp.Symbol("s", real=True)
    found = through_composite(sp.expand(sp.Determinant(M) * ((a + b) ** 2 * c + a + b)), [a + b], s, shorter=False)
    assert found is not None and found[0] == a + b
    assert sp.expand(found[1].xreplace({s: a + b}) - sp.Determinant(M) * ((a + b) ** 2 * c + a + b)) == 0


def test_a_label_led_by_a_number_stands_apart_from_its_factor():
    from thermotheory.core.closedform import ResultName

    w = sp.Symbol("w")
    names = {w: ResultName("2 D[Q]")}
    assert latex_of(T**2 * w / k, symbol_names=names) == r"\frac{T^{2}}{k}\, 2 D[Q]"
    assert latex_of((T + k) * w, symbol_names=names) == r"\left(T + k\right)\, 2 D[Q]"  # (not T + k times it)
    assert latex_of(-(T + k) * w / k, symbol_names=names) == r"- \frac{T + k}{k}\, 2 D[Q]"
    assert latex_of(-w, symbol_names=names) == "- 2 D[Q]"
