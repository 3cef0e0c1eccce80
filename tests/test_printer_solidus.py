r"""A fraction in an exponent is set with a solidus, as journals set it (issue #24): ``e^{-2 \gamma t / m}``.

sympy stacks it, ``e^{- \frac{2 \gamma t}{m}}``: the fraction in script size, the line it stands in raised (the
particle page's ``\langle v^2 \rangle(t)`` and entropy production). The expected LaTeX is written by hand; each
printed exponent is also read back (the benchmarks' reader of a theorist's LaTeX) and checked equal to the form.
"""

from __future__ import annotations

import re
from pathlib import Path

import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import compact

from .helpers import load_module

hand = load_module("hand_forms_solidus", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

g, t, m, k, a, z = sp.symbols("gamma t m k a z", positive=True)
tw, tr = sp.symbols("tau_w tau_r", positive=True)


def test_exponents_take_a_solidus_with_the_brackets_a_reader_needs():
    cases = {
        sp.exp(-2 * g * t / m): r"e^{- 2 \gamma t / m}",
        sp.exp(t / 2): r"e^{t / 2}",
        sp.exp(-1 / tw): r"e^{- 1 / \tau_{w}}",
        # a product below in brackets: t / (2 tau_w), never t / 2 tau_w
        sp.exp(-t / (2 * tw)): r"e^{- t / \left(2 \tau_{w}\right)}",
        sp.exp(3 * t / (2 * tw)): r"e^{3 t / \left(2 \tau_{w}\right)}",
        # a sum above in brackets; the integer a sum below shares goes in front
        compact(sp.exp((tr - 2 * t) / tw)): r"e^{\left(\tau_{r} - 2 t\right) / \tau_{w}}",
        sp.exp(-z**2 / (2 + 2 * a)): r"e^{- z^{2} / \left(2 \left(1 + a\right)\right)}",
        sp.exp(-t / tw**2): r"e^{- t / \tau_{w}^{2}}",
        # no fraction: as before
        sp.exp(-k * t): r"e^{- k t}",
    }
    for expr, tex in cases.items():
        assert latex_of(expr) == tex, (expr, latex_of(expr))


def test_only_the_exponent_changes_and_the_stacked_form_stays_on_request():
    # the same quotient outside the exponent is still a fraction, whichever was printed first (printed parts are
    # remembered: an exponent's apart)
    for expr in (t / m + sp.exp(t / m), sp.exp(t / m) + t / m):
        assert latex_of(expr) in (r"\frac{t}{m} + e^{t / m}", r"e^{t / m} + \frac{t}{m}"), latex_of(expr)
    assert latex_of(t / m) == r"\frac{t}{m}"
    assert latex_of(m * (1 + sp.exp(-2 * g * t / m)) / 2) == r"\frac{m \left(1 + e^{- 2 \gamma t / m}\right)}{2}"
    assert latex_of(sp.exp(-2 * g * t / m), solidus=False) == r"e^{- \frac{2 \gamma t}{m}}"


def test_printed_exponents_read_back_as_the_form():
    forms = [sp.exp(-t / (2 * tw)) * (1 - sp.exp(-t / tw)) ** 2 / tw,
             compact(sp.exp((tr - 2 * t) / tw) + 2 * sp.exp(-tr / tw)),
             sp.exp(-z**2 / (2 + 2 * a)) / sp.sqrt(1 + a),
             m * (1 + sp.exp(-2 * g * t / m)) / 2]
    for form in forms:
        tex = latex_of(form)
        back = hand.tex_to_sympy(tex)
        names = {s.name: s for s in form.free_symbols}
        back = back.xreplace({s: names[s.name] for s in back.free_symbols})
        assert hand.equal_at_random_points(back, form), (tex, back)


def test_review_exponents_that_a_solidus_would_make_ambiguous():
    tau, x, y = sp.symbols("tau x y", positive=True)
    cases = {
        # a log or a bare function in the quotient: stacked (t \ln 2 / \tau would read as t \ln(2/\tau))
        sp.exp(-t * sp.log(2) / tau): r"e^{- \frac{t \ln 2}{\tau}}",
        # a decaying exponential stays above the line
        sp.exp(-k * sp.exp(-t / tau)): r"e^{- k e^{- t / \tau}}",
        sp.exp(sp.exp(-y) / sp.sqrt(x)): r"e^{e^{- y} / \sqrt{x}}",
        # a sum of negative terms on top gives its sign to the quotient
        sp.exp(-(x + y) / t): r"e^{- \left(x + y\right) / t}",
        sp.exp(-2 * (x + y) / t): r"e^{- 2 \left(x + y\right) / t}",
        sp.exp((x - y) / t): r"e^{\left(x - y\right) / t}",
    }
    for expr, tex in cases.items():
        assert latex_of(expr) == tex, (expr, latex_of(expr))
        back = hand.tex_to_sympy(tex) if r"\ln" not in tex else None
        if back is not None:
            names = {s.name: s for s in expr.free_symbols}
            assert hand.equal_at_random_points(back.xreplace({s: names[s.name] for s in back.free_symbols}), expr)


# -- a fraction within a fraction --------------------------------------------------------------------------------------
def test_a_plain_fraction_within_a_fraction_takes_a_solidus():
    """In a displayed fraction's numerator or denominator a stacked fraction sets its own parts in script size (the
    decoder page's transfer entropy ``\\sqrt{1 + \\frac{g^2 \\sigma_v^2 \\tau_v}{\\sigma_n^2 \\tau_n}}`` over ``2
    \\tau_v``, the synapse page's efficiencies ``\\ln(1 + \\frac{\\lambda^2 s_\\mu^2}{\\sigma_w^2})`` under a
    fraction); journals set it with a solidus where the quotient reads plainly so."""
    b, c, x, L = sp.symbols("b c x L", positive=True)
    cases = {
        a / (1 + sp.sqrt(1 + b / c)): r"\frac{a}{1 + \sqrt{1 + b / c}}",
        (sp.sqrt(1 + b / (c * x)) - 1) / (2 * a): r"\frac{\sqrt{1 + b / \left(c x\right)} - 1}{2 a}",
        b / (a * sp.log(1 + b * (1 - sp.exp(-x)) ** 2 / c)):
            r"\frac{b}{a \ln{\left(1 + b \left(1 - e^{- x}\right)^{2} / c \right)}}",
        sp.cosh(a * (L / 2 - x)) / sp.sinh(L * a / 2):
            r"\frac{\cosh{\left(a \left(L / 2 - x\right) \right)}}{\sinh{\left(L a / 2 \right)}}",
        # a sum above over a product: in brackets (the particle page's entropy production)
        (1 + sp.log((1 + sp.exp(-x)) / a)) / c: r"\frac{1 + \ln{\left(\left(1 + e^{- x}\right) / a \right)}}{c}",
        # a sum below stays stacked: (a + b) / (c + x) reads worse than the small fraction
        sp.log((b + c) / (a + c * sp.exp(-x))) / x: r"\frac{\ln{\left(\frac{b + c}{a + c e^{- x}} \right)}}{x}",
        sp.log(x) / (1 + a / (b + c)): r"\frac{\ln x}{1 + \frac{a}{b + c}}",
        # one level only: a fraction at the top, and one inside a function at the top, stay stacked
        1 + b / c: r"1 + \frac{b}{c}",
        sp.log(1 + b / c): r"\ln{\left(1 + \frac{b}{c} \right)}",
    }
    for expr, tex in cases.items():
        assert latex_of(expr) == tex, (expr, latex_of(expr))
        assert latex_of(expr, solidus=False).count(r"\frac") >= tex.count(r"\frac")  # stacked on request
        back = hand.tex_to_sympy(tex)
        names = {s.name: s for s in expr.free_symbols}
        assert hand.equal_at_random_points(back.xreplace({s: names[s.name] for s in back.free_symbols}), expr), tex
    k_ = sp.Symbol("k", positive=True)
    assert latex_of(sp.exp(-a / (b + c)) / k_) == r"\frac{e^{- a / \left(b + c\right)}}{k}"  # the exponent's rule holds


def test_a_quotient_beside_another_factor_stays_stacked():
    """Found by review: ``a / b X`` reads as ``a / (b X)``. A quotient takes the solidus only as a term of a sum, a
    function's argument or a power's base; one that a product prints beside other factors (an unevaluated product,
    the presentation pass's ``\\frac{k}{q} (1 + \\dots)`` in a log, the reciprocal printed after the rest) stays
    stacked; a determinant, a product sign or a derivative before the solidus stays stacked too."""
    b, c, x, y, q, r, s = sp.symbols("b c x y q r s", positive=True)
    A, S = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("Sigma", 2, 2)
    i, n = sp.symbols("i n", integer=True, positive=True)
    cases = [
        compact(sp.log(k * (t * (r + s + 1) + r + 1) / ((t + 1) * (r + 1) * q)) / (2 * x)),
        compact(sp.log(x / (y * (1 + 1 / (a + b)))) / z),
        (1 + x / (y * (1 + 1 / (a + b)))) / z,
        (1 + sp.Mul(a / b, c + 1, evaluate=False)) / z,
        (1 + sp.UnevaluatedExpr(1 / t) * sp.UnevaluatedExpr(x / 2)) / (1 + y),
        (1 + sp.Determinant(A) / b) / x,
        sp.log(y * sp.Determinant(A) / sp.Determinant(S)) / x,
        (1 + sp.Product(x, (i, 1, n)) / b) / z,
    ]
    for expr in cases:
        tex = latex_of(expr)
        assert not re.search(r" / (\\left\([^/]*\\right\)|[^ ()\\]+) (\\left\(|\\frac|[a-z])", tex), tex
        assert not re.search(r"\\(det|prod_\{[^}]*\}\^\{[^}]*\}) [^/]* / ", tex), tex
    assert r"\frac{k}{q} \left(1 + " in latex_of(cases[0])
    assert r"\frac{x}{y} \left(1 + \frac{1}{a + b}\right)^{-1}" in latex_of(cases[2])
    for expr in cases[:4]:  # read back by the hand-set reader, the same value
        tex = latex_of(expr)
        back = hand.tex_to_sympy(tex)
        names = {v.name: v for v in expr.free_symbols}
        assert hand.equal_at_random_points(back.xreplace({v: names[v.name] for v in back.free_symbols}), expr), tex


def test_roots_are_joined_before_the_solidus():
    """A Gaussian's normalisation is one root, in an exponent and within a fraction too (the solidus ran first and
    printed ``\\sqrt{2} / (2 \\sqrt{\\pi})``)."""
    x = sp.Symbol("x", positive=True)
    assert latex_of(sp.exp(-x / sp.sqrt(2 * sp.pi))) == r"e^{- x / \sqrt{2 \pi}}"
    assert latex_of((1 + 1 / (sp.sqrt(2 * sp.pi) * a)) / x) == r"\frac{1 + 1 / \left(\sqrt{2 \pi} a\right)}{x}"


def test_two_signs_in_an_exponent_cancel():
    """Found by review: an unevaluated product led by a minus around a sum of mostly negative terms printed
    ``e^{- - (a x - b + y) / \\sqrt[4]{a}}``."""
    b, x, y = sp.symbols("b x y", positive=True)
    e = sp.exp(sp.Mul(-1, b - a * x - y, a ** sp.Rational(-1, 4), evaluate=False))
    tex = latex_of(e)
    assert tex == r"e^{\left(a x - b + y\right) / \sqrt[4]{a}}", tex
    back = hand.tex_to_sympy(tex)
    names = {v.name: v for v in e.free_symbols}
    assert hand.equal_at_random_points(back.xreplace({v: names[v.name] for v in back.free_symbols}), e)
