r"""A quotient whose denominator holds its numerator, written once: ``(1 + Q/I)^{-1}`` (issue #24).

The learning efficiency ``I/(I + Q)`` printed its long logarithm twice (numerator and denominator); an author
writes ``\eta = (1 + Q/I)^{-1}``, the logarithm once. The reciprocal of a sum holding a fraction prints as
``\left(\dots\right)^{-1}``, so that the inner fraction keeps its full size. Values are checked against the
model's own efficiency with mpmath at 30 digits, at random points; the LaTeX is read back by the hand-set reader.
"""

from __future__ import annotations

import random
from pathlib import Path

import mpmath
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import _over_numerator, compact, size
from thermotheory.models import synapse as S

from .helpers import load_module

hf = load_module("hand_forms_reciprocal", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

a, b, c, x = sp.symbols("a b c x", positive=True)


def _agree_at_30_digits(e1: sp.Expr, e2: sp.Expr, seed: int) -> None:
    rng = random.Random(seed)
    symbols = sorted(e1.free_symbols | e2.free_symbols, key=str)
    for _ in range(5):
        point = {s: sp.Rational(rng.randint(1, 400), rng.randint(50, 200)) for s in symbols}
        with mpmath.workdps(30):
            v1, v2 = sp.N(e1.subs(point), 30), sp.N(e2.subs(point), 30)
        assert abs(v1 - v2) <= sp.Float("1e-25", 30) * (1 + abs(v1)), (point, v1, v2)


def test_the_reciprocal_of_a_sum_with_a_fraction_prints_as_a_power():
    y = b + c
    assert latex_of(1 / (1 + a / y)) == r"\left(1 + \frac{a}{b + c}\right)^{-1}"
    assert latex_of(1 / (1 + a / sp.log(x))) == r"\left(1 + \frac{a}{\ln x}\right)^{-1}"
    # in a product, after the rest of it (in a denominator its fraction would shrink too)
    assert latex_of(c / (1 + a / y)) == r"c \left(1 + \frac{a}{b + c}\right)^{-1}"
    assert latex_of(-a / (b * (x + 1 / y))) == r"- \frac{a}{b} \left(x + \frac{1}{b + c}\right)^{-1}"
    assert latex_of((a + x) / (1 + a / y)) == r"\left(a + x\right) \left(1 + \frac{a}{b + c}\right)^{-1}"
    # but not behind a bare logarithm (\ln x (\dots)^{-1} would read as the log of the product)
    assert latex_of(sp.log(x) / (1 + a / y)) == r"\frac{\ln x}{1 + \frac{a}{b + c}}"  # (a sum below: stacked)
    # the rest as before: no fraction in the sum, one over symbols (an author clears it), another power, a root
    assert latex_of(1 / (1 + a * b)) == r"\frac{1}{1 + a b}"
    assert latex_of(c / (1 + a / b)) == r"\frac{c}{1 + a / b}"  # (within the fraction, with a solidus)
    assert latex_of((1 + a / y) ** -2) == r"\frac{1}{\left(1 + \frac{a}{b + c}\right)^{2}}"
    assert latex_of(2 / (1 + sp.sqrt(1 + a / y))) == r"\frac{2}{1 + \sqrt{1 + \frac{a}{b + c}}}"
    # a reader reads it back as the same value
    assert hf.equal_at_random_points(hf.tex_to_sympy(latex_of(1 / (1 + a / y))), 1 / (1 + a / y))


def test_a_quotient_holding_its_numerator_is_written_over_it():
    L = sp.log(1 + a / b)
    assert _over_numerator(c * L / (x + c * L)) == 1 / (1 + x / (c * L))
    assert _over_numerator(c * L / (x + 2 * c * L)) == 1 / (2 + x / (c * L))
    # a denominator without the numerator as a term: unchanged
    assert _over_numerator(c * L / (x + L)) == c * L / (x + L)
    assert _over_numerator(1 / (x + c)) == 1 / (x + c)
    assert _over_numerator(x + c) == x + c


def test_a_sum_of_the_denominator_divided_by_one_of_the_numerator():
    # D_k = q S + r with q one monomial: S/(x (a S + 1)), the denominator multiplied out, is 1/(x (a + 1/S))
    s = a * b + b * c + c * a + a + b + 1
    e = s / (x * sp.expand(a * s + 1))
    got = _over_numerator(e)
    assert got == 1 / (x * (a + 1 / s))
    _agree_at_30_digits(got, e, seed=11)
    # a short sum (DIVIDE_MIN_TERMS), or one whose quotient reads no shorter (DIVIDE_GAIN): one fraction, as before
    short = a * b + b * c + c * a + 1
    assert _over_numerator(short / (x * sp.expand(a * short + 1))) == short / (x * sp.expand(a * short + 1))
    assert _over_numerator((a + b) / (x * (a**2 + a * b + 1))) == (a + b) / (x * (a**2 + a * b + 1))
    # no monomial quotient (the sums share nothing), or no sum to divide: unchanged
    assert _over_numerator(s / (x * (c**2 + x))) == s / (x * (c**2 + x))
    assert _over_numerator(a / (x * (a**2 + 1))) == a / (x * (a**2 + 1))


def test_the_tracking_synapse_in_groups_writes_its_long_sum_once():
    # the page's efficiency and learning rate in dimensionless groups: the sum C of the numerator stood again,
    # multiplied out, in the denominator; now (\hat\kappa^2 \hat\tau_w + R/C)^{-1}, read back equal to the
    # forms before this change (kept here as the reference, written by the page in its expanded quotient)
    rho, snr, kh, th, tv = sp.symbols("rho SNR kappa_hat tau_w_hat tau_v", positive=True)
    c1 = 2 * th * rho * (1 + (2 + rho) * (rho + snr)) + (th**2 * (rho + snr) + rho) * (rho * snr + (1 + rho) ** 2)
    r = (1 + th) ** 2 * (th + rho) ** 2 * (rho * snr + (1 + rho) ** 2)
    before = {"l_{w}": kh**2 * c1 / (tv * sp.expand(kh**2 * th * c1 + r)),
              r"\eta_{w}": (1 + th) * (th + rho) * (1 + rho) * c1 / (sp.expand(kh**2 * th * c1 + r)
                                                                     * (1 + th * (1 + rho + snr) + rho))}
    page = (Path(__file__).resolve().parents[1] / "docs" / "derivations" / "synapse.md").read_text()
    section = page.split("## Tracking, in dimensionless groups")[1].split("## ")[0]
    for symbol, value in before.items():
        line = next(ln for ln in section.splitlines() if ln.startswith(f"- ${symbol} = "))
        tex = line[len(f"- ${symbol} = "):-1]
        names = {kh: r"\hat{\kappa}", th: r"\hat{\tau}_{w}", snr: r"\mathrm{SNR}"}
        if symbol == r"\eta_{w}":  # (long in the Markdown page, which names no sum: the ratio it is defined by)
            assert tex == r"\frac{l_{w}}{\Phi_{w}}", tex
            hand = latex_of(value, symbol_names=names)  # (a hand form in the groups: their labels stay)
            tex = hf._written_out(tex, hand, "synapse", "Tracking, in dimensionless groups")
            assert hf.equal_at_random_points(hf.tex_to_sympy(tex), value), symbol
            continue
        assert tex.count(r"\right)^{-1}") == 1, tex
        assert hf.glyphs(tex) < 0.85 * hf.glyphs(latex_of(value, symbol_names=names)), tex
        assert hf.equal_at_random_points(hf.tex_to_sympy(tex), value), symbol


def test_a_short_quotient_keeps_its_fraction():
    # x/(x + y) would print longer as (1 + y/x)^{-1}: compact keeps it
    assert compact(x / (x + a)) == x / (x + a)


def test_the_learning_efficiency_prints_its_logarithm_once():
    for kind in ("step", "ramp"):
        q = S.learning_quantities(kind)
        for key in ("efficiency", "efficiency_final"):
            raw = q[key]
            shown = compact(raw)
            tex = latex_of(shown)
            branches = len(raw.args) if isinstance(raw, sp.Piecewise) else 1
            assert tex.count(r"\ln") == branches, tex
            assert r"\right)^{-1}" in tex
            assert size(shown) < size(raw)
            pairs = zip(shown.args, raw.args) if branches > 1 else [((shown, True), (raw, True))]
            for (e, c1), (r, c2) in pairs:
                assert c1 == c2
                _agree_at_30_digits(e, r, seed=7)


def test_the_step_efficiency_against_information_and_heat():
    # independent: I/(Delta S + Q) from the definitions' parts, not the efficiency the model computes
    q = S.learning_quantities("step")
    direct = q["information"] / (q["entropy_change"] + q["heat"])
    _agree_at_30_digits(compact(q["efficiency"]), direct, seed=3)
    page = (Path(__file__).resolve().parents[1] / "docs" / "derivations" / "synapse.md").read_text()
    line = next(ln for ln in page.splitlines() if ln.startswith(r"- $\eta(t) = "))
    assert line.count(r"\ln") == 1 and r"\right)^{-1}$" in line
    assert hf.equal_at_random_points(hf.tex_to_sympy(line[len(r"- $\eta(t) = "):-1]),
                                     direct.subs(S.lam, sp.Symbol("lam", positive=True)))
    assert tt.latex(compact(q["efficiency"])) == line[len(r"- $\eta(t) = "):-1]


def test_review_a_piecewise_or_an_indexed_sum_before_the_power_is_bracketed():
    """From a review: a lone piecewise before the power printed it beside the "otherwise" row, and a sum over ``t``
    before it took the power's ``t`` under its index (another value)."""
    t = sp.Symbol("t", positive=True)
    y = b + c
    pw = sp.Piecewise((a / y, t < 1), (b, True))
    # (the cases last, as any factor the branches share stands in front of them: nothing after the "otherwise" row)
    assert latex_of(pw / (1 + a / y)) == (r"\left(1 + \frac{a}{b + c}\right)^{-1} \begin{cases} \displaystyle "
                                          r"\frac{a}{b + c} & \text{for}\: t < 1 \\[2ex] b & \text{otherwise} "
                                          r"\end{cases}")
    assert latex_of(sp.Sum(a**t, (t, 0, x)) / (1 + t / y)) == (r"\left(\sum_{t=0}^{x} a^{t}\right) "
                                                               r"\left(1 + \frac{t}{b + c}\right)^{-1}")
