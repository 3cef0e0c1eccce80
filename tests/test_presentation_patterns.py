r"""The patterns the presentation pass must print as a theorist would (issue 24): each built here, its printed
form checked, and its value checked against the input at random points (an mpmath evaluation of both, not the
pass's own check).

Each pattern was printed otherwise by the pass before it learnt it: a radicand left expanded, ``\sqrt{a}\sqrt{b}``,
``-a + \sqrt{a^2 + b}`` over no scale, fractions nested in a numerator, ``(-\sqrt{w_1} + \sqrt{w_2})^2``, sums led by
a minus sign, a denominator factor that is minus the common denominator.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.layout import fit_parts
from thermotheory.core.presentation import compact, leading_minus, nested_fractions, reading, size
from thermotheory.errors import ModelError

g, s, sv, sn, tn, tv = sp.symbols("g s sigma_v sigma_n tau_n tau_v", positive=True)
a, b, c, d, t, t1, t3, w1, w2, Tc, Th = sp.symbols("a b c d t t_1 t_3 w_1 w_2 T_c T_h", positive=True)
x, y = sp.symbols("x y", real=True)


def _same_value(out, expr, points: int = 5, seed: int = 7) -> None:
    """``out`` and ``expr`` agree to 1e-20 at random points: positive symbols in (0.3, 3), real ones either sign."""
    rng = np.random.default_rng(seed)
    symbols = sorted(sp.sympify(expr).free_symbols | sp.sympify(out).free_symbols, key=lambda q: q.name)
    for _ in range(points):
        vals = {}
        for q in symbols:
            v = sp.Rational(int(rng.integers(30, 300)), 100)
            vals[q] = v if q.is_positive or rng.random() < 0.5 else -v
        u, v = sp.N(sp.sympify(out).subs(vals), 40), sp.N(sp.sympify(expr).subs(vals), 40)
        assert abs(complex(u) - complex(v)) <= 1e-20 * max(1.0, abs(complex(v))), (vals, u, v)


def test_a_radicand_is_a_perfect_square_plus_a_term():
    radicand = sp.expand(sn**2 * (tn + tv) ** 2 - 4 * g**2 * sv**2 * tn * tv * s * (1 + s))
    expr = sp.sqrt(radicand) / (2 * tn * tv)
    out = compact(expr)
    tex = latex_of(out)
    assert tex.startswith(r"\frac{\sqrt{\sigma_{n}^{2} \left(\tau_{n} + \tau_{v}\right)^{2} - 4 g^{2} s")
    assert r"\left(1 + s\right)" in tex
    _same_value(out, expr)


def test_roots_are_merged_where_the_assumptions_allow():
    expr = sp.sqrt(a) * sp.sqrt(b + c) / d
    out = compact(expr)
    assert latex_of(out) == r"\frac{\sqrt{a \left(b + c\right)}}{d}"
    _same_value(out, expr)
    # one radicand of unknown sign: still sqrt(a) sqrt(x) = sqrt(a x) with a > 0
    out = compact(sp.sqrt(a) * sp.sqrt(x) + d)
    assert latex_of(out).count(r"\sqrt") == 1
    _same_value(out, sp.sqrt(a) * sp.sqrt(x) + d)


def test_roots_of_two_signless_radicands_stay_apart():
    expr = sp.sqrt(x) * sp.sqrt(y)  # x = y = -1: sqrt(x) sqrt(y) = -1, sqrt(x y) = 1
    out = compact(expr)
    assert latex_of(out).count(r"\sqrt") == 2
    _same_value(out, expr, points=8)


def test_a_root_difference_is_written_over_its_natural_scale():
    # the transfer entropy rate of the decoder page: -s_n t_n + sqrt(t_n) sqrt(g^2 s_v^2 t_v + s_n^2 t_n)
    expr = (-sn * tn + sp.sqrt(tn) * sp.sqrt(g**2 * sv**2 * tv + sn**2 * tn)) / (2 * sn * tn * tv)
    out = compact(expr)
    assert latex_of(out) == (r"\frac{\sqrt{1 + g^{2} \sigma_{v}^{2} \tau_{v} / \left(\sigma_{n}^{2} \tau_{n}\right)}"
                             r" - 1}{2 \tau_{v}}")  # (a fraction within a fraction with a solidus)
    _same_value(out, expr)


def test_the_natural_scale_needs_the_sign_of_the_scale():
    expr = (-x + sp.sqrt(x**2 + b)) / b  # x of either sign: x (sqrt(1 + b/x^2) - 1) would be wrong for x < 0
    out = compact(expr)
    _same_value(out, expr, points=10)


def test_scalar_factors_and_fractions_come_out_of_numerators():
    expr = (-(Tc - Th) * sp.log(w2 / w1) / 2 - (1 / t3 + 1 / t1) * (sp.sqrt(w2) - sp.sqrt(w1)) ** 2) / (t1 + t3)
    assert nested_fractions(latex_of(expr, solidus=False))[0] == 3  # as the heat-engine page printed it
    out = compact(expr)
    tex = latex_of(out, solidus=False)  # (stacked, as the pass measures it)
    assert nested_fractions(tex) == (0, 0)
    assert not tex.startswith(r"\frac{-") and leading_minus(tex) == 0
    _same_value(out, expr)


def test_a_squared_difference_reads_positive_term_first():
    expr = (sp.sqrt(w2) - sp.sqrt(w1)) ** 2 / t
    assert r"\left(- \sqrt{w_{1}} + \sqrt{w_{2}}\right)^{2}" in latex_of(expr)  # sympy's own order
    out = compact(expr)
    assert latex_of(out) == r"\frac{\left(\sqrt{w_{2}} - \sqrt{w_{1}}\right)^{2}}{t}"
    _same_value(out, expr)


def test_sums_are_not_led_by_a_minus_sign_where_a_reordering_avoids_it():
    expr = (c**2 - a * b) / d + sp.log(1 + (t - a) / b)
    out = compact(expr)
    tex = latex_of(out)
    assert leading_minus(tex) == 0, tex
    assert r"c^{2} - a b" in tex
    _same_value(out, expr)
    # all terms negative: the sign goes in front, no reordering can help
    assert latex_of(compact(-a - b)) == "- a - b"


def test_terms_that_share_a_logarithm_are_collected_over_it():
    """The channel's mean log of orderings, sum_k C(4, k) n^k (1 - n)^(4 - k) ln C(4, k), printed with each log once."""
    n = sp.Symbol("n", positive=True)
    expr = sum(sp.binomial(4, k) * n**k * (1 - n) ** (4 - k) * sp.log(sp.binomial(4, k)) for k in range(1, 4))
    assert latex_of(expr).count(r"\ln 4") == 2
    out = compact(expr)
    tex = latex_of(out)
    assert tex.count(r"\ln 4") == 1 and tex.count(r"\ln 6") == 1, tex
    assert size(out) < size(expr)
    _same_value(out, expr)


def test_no_factor_is_minus_the_common_denominator():
    common = g**2 * sv**2 * tn * tv + sn**2 * (tn + tv) ** 2  # the decoder page's common denominator
    minus_common = g**2 * sv**2 * tv**2 - (tn + tv) * (g**2 * sv**2 * tv + sn**2 * tn + sn**2 * tv)
    assert sp.expand(minus_common + common) == 0
    expr = 2 * (tn + tv) / (minus_common * (-sn - sp.sqrt(tn)))
    out = compact(expr)
    num, den = sp.fraction(out)
    factors = sp.Mul.make_args(den)
    assert common in factors
    assert not any(f.is_Add and f.could_extract_minus_sign() for f in factors)
    # laid out narrow, the sum the page names is the common denominator itself, not minus it
    _, where = fit_parts("r", out, width=150)
    assert where and not any(line.split("&=", 1)[1].strip().startswith("-") for line in where)
    _same_value(out, expr)


def test_the_measure_sees_nesting_and_signs_not_just_operations():
    nested = (-a / 2 + b) / c
    flat = (2 * b - a) / (2 * c)
    assert sp.count_ops(flat) >= sp.count_ops(nested)  # count_ops alone would not prefer the flat form
    assert size(flat) < size(nested)
    assert reading(nested).nested_numerator == 1 and reading(flat).nested_numerator == 0
    assert nested_fractions(r"\frac{1}{1 + \frac{a}{b}}") == (0, 1)
    assert nested_fractions(r"\frac{\sqrt{\frac{a}{b}} + e^{\frac{t}{2}}}{2}") == (0, 0)
    assert nested_fractions(r"\frac{\frac{d}{d s} \sigma{\left(s \right)}}{\sigma{\left(s \right)}}") == (0, 0)
    assert leading_minus(r"- a + \left(- b + c\right) e^{- t} \frac{- d}{2}") == 3


@pytest.mark.parametrize("expr", [
    sp.sqrt(sp.expand(sn**2 * (tn + tv) ** 2 - 4 * g**2 * sv**2 * tn * tv)),
    (sp.sqrt(w2) - sp.sqrt(w1)) ** 2 * (1 / t1 + 1 / t3) - Th * sp.log(w2 / w1) / 2,
    (-sn * tn - sp.sqrt(tn) * sp.sqrt(g**2 * sv**2 * tv + sn**2 * tn)) / (a - b),
])
def test_compact_never_prints_longer_and_is_a_fixed_point(expr):
    out = compact(expr)
    assert size(out) <= size(expr)
    assert latex_of(compact(out)) == latex_of(out)
    _same_value(out, expr)


def test_a_wall_that_depends_through_one_composite_is_written_in_it():
    """The BCM synapse's forms depend on r_0 and theta only through the slope kappa (2 r_0 - theta): expanded, a
    wall of monomials; in the composite, a short form of the same value."""
    from thermotheory.core.presentation import composite_candidates, through_composite

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    slope = k * (2 * r0 - th)
    wall = sp.expand((slope**2 * (tn + tv) * (a + b) + sn**2 * tv) / (slope**2 * tn + sn**2 * (tn + tv) ** 2))
    assert sp.Add(2 * r0, -th) in composite_candidates([wall, (2 * r0 - th) ** 2 * k])
    s = sp.Symbol("s", real=True)
    found = through_composite(wall, composite_candidates([wall, (2 * r0 - th) ** 2 * k]), s)
    assert found is not None
    composite, reduced = found
    assert sp.expand(composite - slope) == 0
    assert reduced.free_symbols == {s, tn, tv, a, b, sn}
    assert size(reduced) < size(wall)
    _same_value(reduced.xreplace({s: composite}), wall)
    # r_0 also on its own: no composite
    assert through_composite(wall + r0, [2 * r0 - th], s) is None
    assert through_composite(wall, [tn + tv], s) is None


def test_a_block_names_the_composite_once_and_uses_it_in_every_result():
    from thermotheory.export.derivation import quantity_lines

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    slope = k * (2 * r0 - th)
    wall = sp.expand(sp.log((slope**2 * (tn + tv) ** 3 * (a + b) ** 2 * (g + c) + sn**2 * tv**5 * g**3)
                            / (slope**2 * tn**2 * (tv + g) ** 3 + sn**2 * (tn + tv) ** 4 * d)))
    lines = quantity_lines({"I": wall, r"\Phi": slope**2 * g / sn**2})
    text = "\n".join(lines)
    # named as an author names it: the effective kappa (a composite that is no symbol times a sum is C_k)
    assert r"\kappa_{\mathrm{eff}} &= \kappa \left(2 r_{0} - \theta\right)" in text, text
    assert r"\Phi &= \frac{g \kappa_{\mathrm{eff}}^{2}}{\sigma_{n}^{2}}" in text, text
    assert "r_{0}" not in text.split(r"\kappa_{\mathrm{eff}} &=")[0]


def test_a_composite_met_throughout_a_block_is_named_though_no_form_is_long():
    r"""Issue #24 (the BCM report): its forms, shortened by the structured entries, no longer needed a composite to
    fit, and the report printed the slope :math:`\kappa (2 r_0 - \theta)` in five of its parts (twice in
    :math:`\Phi_w`). A composite that every part holding its parameters depends through, in at least
    COMPOSITE_MIN_PARTS parts (the definitions under "where" counted), is named as the effective kappa and used in
    every part, results and definitions; one composite for the block (``g`` goes only with the slope in one part,
    and is not taken into it there); fewer parts, or a part with ``r_0`` alone, leave the forms as they are."""
    from thermotheory.export.derivation import quantity_lines

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    slope = k * (2 * r0 - th)
    forms = {r"\Phi": slope * (slope * a - b) / (sn**2 * tn), "X": g * slope * tv / (tn + tv), "Y": slope * a + sn**2}
    text = "\n".join(quantity_lines(forms))
    assert r"\kappa_{\mathrm{eff}} &= \kappa \left(2 r_{0} - \theta\right)" in text, text
    assert text.count("r_{0}") == 1, text  # (in its definition only)
    assert r"X &= \frac{g \kappa_{\mathrm{eff}} \tau_{v}}{\tau_{n} + \tau_{v}}" in text, text
    assert r"\Phi &= \frac{\kappa_{\mathrm{eff}} \left(a \kappa_{\mathrm{eff}} - b\right)}" in text, text
    two = "\n".join(quantity_lines({k2: v for k2, v in forms.items() if k2 != "Y"}))
    assert "eff" not in two and two.count("r_{0}") == 3, two
    alone = "\n".join(quantity_lines({**forms, "Z": r0 + a}))
    assert "eff" not in alone, alone


def test_a_markdown_page_names_the_composite_as_its_latex_page_does():
    r"""The synapse page's LaTeX wrote its BCM block in :math:`\kappa_{\mathrm{eff}}`, its Markdown (the page GitHub
    shows, and the one the hand set is read from) in :math:`\kappa (2 r_0 - \theta)`: one page, two forms."""
    from thermotheory import LinearSDE
    from thermotheory.export.derivation import derivation_markdown

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    slope = k * (2 * r0 - th)
    forms = {r"\Phi": slope * (slope * a - b) / (sn**2 * tn), "X": g * slope * tv / (tn + tv), "Y": slope * a + sn**2}
    x = sp.Symbol("x", real=True)
    md = derivation_markdown("Slope", LinearSDE({x: -x}, {x: 1}), forms)
    assert r"- $\kappa_{\mathrm{eff}} = \kappa \left(2 r_{0} - \theta\right)$" in md, md
    assert md.count("r_{0}") == 1, md
    page = (Path(__file__).resolve().parents[1] / "docs" / "derivations" / "synapse.md").read_text()
    bcm = page.split("## BCM-type rule")[1].split("\n## ")[0]
    assert r"\Phi_{w} = \frac{\kappa_{\mathrm{eff}}" in bcm and r"| $\kappa_{\mathrm{eff}}$ |" in page


def test_through_composite_takes_only_the_symbols_it_is_given():
    from thermotheory.core.presentation import through_composite

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    s = sp.Symbol("s", real=True)
    form = g * k * (2 * r0 - th) * tv / (tn + tv)
    assert sp.expand(through_composite(form, [2 * r0 - th], s, shorter=False)[0] - g * k * (2 * r0 - th)) == 0
    composite, reduced = through_composite(form, [2 * r0 - th], s, shorter=False, taken=[k])
    assert sp.expand(composite - k * (2 * r0 - th)) == 0 and reduced.free_symbols == {g, s, tn, tv}
    with pytest.raises(ModelError, match="taken must be an iterable of Symbols"):
        through_composite(form, [2 * r0 - th], s, taken=[k + 1])
    with pytest.raises(ModelError, match="taken must be an iterable of Symbols"):
        through_composite(form, [2 * r0 - th], s, taken=k)
    with pytest.raises(ModelError, match="taken must be an iterable of Symbols"):
        through_composite(form, [2 * r0 - th], s, taken=[[k]])  # (unhashable: refused by name, no raw TypeError)


def test_a_composite_keeps_a_generic_name_where_its_effective_name_is_taken():
    """A page that already has kappa_eff among its symbols names the composite C_1; a sum alone is C_k too."""
    from thermotheory.export.derivation import composite_name, quantity_lines

    k, r0, th, keff = sp.symbols("kappa r_0 theta kappa_eff", positive=True)
    slope = k * (2 * r0 - th)
    wall = sp.expand(sp.log((slope**2 * (tn + tv) ** 3 * (a + b) ** 2 * (g + c) + sn**2 * tv**5 * g**3)
                            / (slope**2 * tn**2 * (tv + g) ** 3 + sn**2 * (tn + tv) ** 4 * d)))
    text = "\n".join(quantity_lines({"I": wall, r"\Phi": slope**2 * g / sn**2 + keff}))
    assert r"C_{1} &= \kappa \left(2 r_{0} - \theta\right)" in text, text
    assert composite_name(2 * r0 - th) is None and composite_name(2 * k * (2 * r0 - th)) is None
    assert composite_name(k * (2 * r0 - th)) == sp.Symbol("kappa_eff")


def test_each_branch_of_a_piecewise_form_is_compacted():
    r"""The learning ramp's heat after the ramp printed six exponentials (e^{\tau - 2 t}, e^{2 \tau - 2 t}, ...): the
    rewritings saw a Piecewise as one opaque whole. Each branch is now compacted on its own; one of about the same
    width keeps the author's form (the heat engine's interpolation)."""
    from thermotheory.core.closedform import latex_of
    from thermotheory.core.presentation import compact

    t, tau = sp.symbols("t tau", positive=True)
    after = (1 / tau + sp.exp(tau - 2 * t) / tau**2 - sp.exp(2 * tau - 2 * t) / (2 * tau**2) - 1 / tau**2
             + sp.exp(-tau) / tau**2 - sp.exp(-2 * t) / (2 * tau**2))
    w1, w2, t1, t3, s = sp.symbols("w_1 w_2 t_1 t_3 s", positive=True)
    ramp = sp.sqrt(w2) - (s - t1) * (sp.sqrt(w2) - sp.sqrt(w1)) / t3
    form = sp.Piecewise((t / tau**2, t < tau), (after, True))
    shown = compact(form)
    assert isinstance(shown, sp.Piecewise) and shown.args[0] == form.args[0]
    branch, cond = shown.args[1]
    assert cond == form.args[1][1]
    assert latex_of(branch).count("e^{") == 3 < latex_of(after).count("e^{"), latex_of(branch)
    assert sp.simplify(sp.expand(branch - after)) == 0
    kept = compact(sp.Piecewise((ramp, s > t1), (sp.sqrt(w1), True)))
    assert kept.args[0][0] == ramp


def test_a_factor_before_a_piecewise_form_leaves_its_branches_compacted_alone():
    r"""The one-weight report's heat, \nu^2 \sigma_T^2 q(t): as one product the rewritings mixed the factor into the
    branches and printed the second branch in six terms; the factor stays in front and each branch is compacted on
    its own, as the piecewise alone is (the perceptron page's q_ramp)."""
    from thermotheory.models import perceptron

    q = perceptron.drive_response("ramp")[1]
    factor = perceptron.sigma_T**2 * perceptron.nu**2
    out = compact(factor * q)
    pieces = [f for f in sp.Mul.make_args(out) if isinstance(f, sp.Piecewise)]
    assert len(pieces) == 1 and sp.Mul(*[f for f in sp.Mul.make_args(out) if f not in pieces]) == factor
    assert pieces[0] == compact(q)
    after = pieces[0].args[1][0]
    assert len(sp.Add.make_args(after)) == 3 and latex_of(after).count("e^{") == 3, latex_of(out)
    for (e, _), (e0, _) in zip(pieces[0].args, q.args):
        _same_value(factor * e, factor * e0)


def test_an_exponential_is_carried_into_the_power_it_multiplies():
    r"""The synapse page's information after a ramp printed \ln(1 + k (\tau e^{t} - a)^2 e^{-2t}), a growing
    exponential cancelled by a decaying one; a hand carries e^{-2t} into the square: (\tau - a e^{-t})^2."""
    k, tau = sp.symbols("k tau", positive=True)
    expr = sp.log(1 + k * (tau * sp.exp(t) - a) ** 2 * sp.exp(-2 * t))
    out = compact(expr)
    tex = latex_of(out)
    assert r"\tau - a e^{- t}" in tex and "e^{t}" not in tex and "e^{- 2 t}" not in tex, tex
    _same_value(out, expr)


def test_a_growing_exponential_over_a_quotient_cancels_into_its_denominator():
    r"""The synapse page's learning efficiency after a ramp printed e^{(2t + \tau_r)/\tau_w} in its numerator and in
    every term of its denominator; carried into the denominator it cancels, and no growing e^{2t} is left."""
    k, tau = sp.symbols("k tau", positive=True)
    grow = sp.exp(2 * t + a)
    heat = k * (2 * tau * grow - (sp.exp(a) - 1) * ((sp.exp(a) - 1) * sp.exp(a) + 2 * sp.exp(2 * t)))
    expr = grow * sp.log(1 + k) / (heat + grow * sp.log(1 + k))
    out = compact(expr)
    tex = latex_of(out)
    assert tex.startswith(r"\frac{\ln{\left(1 + k \right)}}{") and "2 t + a" not in tex and "e^{2 t" not in tex, tex
    _same_value(out, expr)


def test_only_the_part_of_an_exponent_that_cancels_is_carried_in():
    r"""The stored information's (e^{t_w} - 1)^2 e^{-2(t + t_w)}: a hand carries e^{-2 t_w} into the square and keeps
    the decay in t outside, (1 - e^{-t_w})^2 e^{-2t}."""
    k = sp.Symbol("k", positive=True)
    expr = sp.log(1 + k * (sp.exp(a) - 1) ** 2 * sp.exp(-2 * (t + a)))
    out = compact(expr)
    assert latex_of(out) == r"\ln{\left(1 + k \left(1 - e^{- a}\right)^{2} e^{- 2 t} \right)}", latex_of(out)
    _same_value(out, expr)


def test_two_exponential_factors_go_into_two_sums():
    r"""The learning pulse's heat after the pulse printed (e^{a} - 1) (2 e^{2t} - e^{2a} + e^{a}) e^{-a} e^{-2t}: two
    exponentials side by side, each of which cancels a growing one in its own sum. A hand writes
    (1 - e^{-a}) (2 + e^{a - 2t} - e^{2(a - t)})."""
    k = sp.Symbol("k", positive=True)
    expr = k * (sp.exp(a) - 1) * (2 * sp.exp(2 * t) - sp.exp(2 * a) + sp.exp(a)) * sp.exp(-a) * sp.exp(-2 * t)
    out = compact(expr)
    tex = latex_of(out)
    assert r"\left(1 - e^{- a}\right)" in tex and tex.count("e^{") == 3 and "e^{2 t}" not in tex, tex
    _same_value(out, expr)


def test_an_exponential_that_cancels_nothing_stays_outside_its_sum():
    r"""The cascade synapse's \ln((f + (1 - f) e^{\Delta\mu}) e^{3 \Delta\mu} / ...): carried in, it would print
    f e^{3 \Delta\mu} + (1 - f) e^{4 \Delta\mu}, no exponential fewer and none less growing: kept as it is."""
    f, dmu = sp.symbols("f Delta_mu", positive=True)
    expr = sp.log((f + (1 - f) * sp.exp(dmu)) * sp.exp(3 * dmu) / (1 + f * (sp.exp(dmu) - 1)))
    out = compact(expr)
    assert r"e^{4 \Delta\mu}" not in latex_of(out) and r"\left(1 - f\right) e^{\Delta\mu}" in latex_of(out)
    _same_value(out, expr)


def test_an_exponential_inside_an_exponent_is_left_as_it_is():
    """(t + e^t - 1) e^{e^t}: carrying e^{e^t} in led the grouping of exponentials to fail (one exponential inside
    another's exponent); compact keeps the form and raises nothing."""
    expr = (t + sp.exp(t) - 1) * sp.exp(sp.exp(t))
    out = compact(expr)
    _same_value(out, expr)
    assert size(out) <= size(expr)


def test_a_preferred_composite_name_is_none_of_the_page_notations():
    r"""A result printed as \kappa_{\mathrm{eff}}, or a definition of a closed form shown so, keeps the composite from
    taking that name: it is C_1, and no name stands for two values."""
    from thermotheory.core.closedform import ClosedForm
    from thermotheory.export.derivation import composite_name, quantity_lines

    k, r0, th, K = sp.symbols("kappa r_0 theta K", positive=True)
    slope = k * (2 * r0 - th)
    wall = sp.expand(sp.log((slope**2 * (tn + tv) ** 3 * (a + b) ** 2 * (g + c) + sn**2 * tv**5 * g**3)
                            / (slope**2 * tn**2 * (tv + g) ** 3 + sn**2 * (tn + tv) ** 4 * d)))
    label = r"\kappa_{\mathrm{eff}}"
    for extra in ({label: slope**2 * g / sn**2},
                  {r"\Phi": slope**2 * g / sn**2, r"\Psi": ClosedForm(K * g * c, [(K, a * b + c)], {K: label})}):
        text = "\n".join(quantity_lines({"I": wall, **extra}))
        assert text.count(label + " &=") == 1 and r"C_{1} &= \kappa \left(2 r_{0} - \theta\right)" in text, text
    for scripted in ("tau_w", "k_1", "kappa_eff"):  # a symbol with scripts: no effective name (it would read oddly)
        assert composite_name(sp.Symbol(scripted) * (2 * r0 - th)) is None
    assert composite_name(sp.Dummy("u") * (2 * r0 - th)) is None


def test_an_effective_parameter_gets_a_glossary_row_in_words():
    """The composite named kappa_eff is said in words in the glossary (composite_rows): the reader meets it in
    every result; a composite left C_k gets none."""
    from thermotheory.export.derivation import composite_rows, page_namer, quantity_lines

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    slope = k * (2 * r0 - th)
    wall = sp.expand(sp.log((slope**2 * (tn + tv) ** 3 * (a + b) ** 2 * (g + c) + sn**2 * tv**5 * g**3)
                            / (slope**2 * tn**2 * (tv + g) ** 3 + sn**2 * (tn + tv) ** 4 * d)))
    forms = {"I": wall, r"\Phi": slope**2 * g / sn**2}
    namer = page_namer(forms.values(), forms)
    quantity_lines(forms, namer=namer)
    meaning = (r"effective $\kappa$, the combination $\kappa \left(2 r_{0} - \theta\right)$ through which the "
               "closed forms depend on its parameters")
    assert composite_rows(namer) == [(r"$\kappa_{\mathrm{eff}}$", meaning, "those of the combination")]
    taken = {**forms, r"\kappa_{\mathrm{eff}}": g}
    namer = page_namer(taken.values(), taken)
    quantity_lines(taken, namer=namer)
    assert composite_rows(namer) == []


def test_the_effective_parameter_row_is_on_each_page_once(tmp_path):
    r"""The Markdown page writes its results through the composite as the LaTeX page does (it wrote none, and had no
    kappa_eff row, before), each with one kappa_eff row; a row of the author's glossary for the same symbol is not
    repeated by ours."""
    import thermotheory as tt
    from thermotheory.export.derivation import composite_rows, page_namer, quantity_lines, write_derivation

    k, r0, th = sp.symbols("kappa r_0 theta", positive=True)
    slope = k * (2 * r0 - th)
    wall = sp.expand(sp.log((slope**2 * (tn + tv) ** 3 * (a + b) ** 2 * (g + c) + sn**2 * tv**5 * g**3)
                            / (slope**2 * tn**2 * (tv + g) ** 3 + sn**2 * (tn + tv) ** 4 * d)))
    forms = {"I": wall, r"\Phi": slope**2 * g / sn**2}
    z = sp.Symbol("z")
    tex, md = write_derivation("composite", "A composite", tt.LinearSDE({z: -z}, {z: 1}), forms, tmp_path)
    tex, md = Path(tex).read_text(), Path(md).read_text()
    assert "effective $\\kappa$" in tex and r"\kappa_{\mathrm{eff}} &=" in tex
    assert tex.count("effective $\\kappa$") == 1 and md.count("effective $\\kappa$") == 1
    assert r"- $\kappa_{\mathrm{eff}} = \kappa \left(2 r_{0} - \theta\right)$" in md
    namer = page_namer(forms.values(), forms)
    quantity_lines(forms, namer=namer)
    assert len(composite_rows(namer)) == 1
    assert composite_rows(namer, [(r"$\kappa_{\mathrm{eff}}$", "the author's slope", "")]) == []


def test_terms_over_one_denominator_are_joined_when_others_are_not():
    r"""The two-temperature page's transfer entropy printed
    ``\frac{\sqrt{R}}{2 \sqrt{T_2} \gamma} - \frac{k}{2 \gamma} - \frac{\kappa}{2 \gamma}``: joining all three
    over the largest denominator reads longer, so none were; the two over ``2 \gamma`` are one fraction, as a hand
    writes them."""
    T1, T2, k, ka, gam = sp.symbols("T_1 T_2 k kappa gamma", positive=True)
    root = sp.sqrt(T1 * ka**2 + T2 * (k + ka) ** 2)
    expr = root / (2 * sp.sqrt(T2) * gam) - k / (2 * gam) - ka / (2 * gam)
    out = compact(expr)
    tex = latex_of(out)
    assert tex.endswith(r"- k - \kappa}{2 \gamma}") and tex.count(r"\frac") == 1, tex  # (and with the root of
    # T_2 taken into the root, _roots_absorbed, all three terms are one fraction)
    _same_value(out, expr)


def test_an_integrand_is_compacted_under_its_integral():
    r"""The lattice page's entropy production in two dimensions printed its integrand with a fraction in its
    denominator, \frac{\dots}{\pi^2 a^4 (m^2 + \frac{2 \lambda (\dots)}{a^2})}: the pass saw an Integral as one
    whole."""
    from thermotheory.models import lattice

    form = lattice.entropy_production_density(2)
    out = compact(form)
    assert isinstance(out, sp.Integral) and out.limits == form.limits
    assert nested_fractions(latex_of(out.function)) == (0, 0) != nested_fractions(latex_of(form.function))
    _same_value(out.function, form.function)
    # an integrand no rewriting can check (an undefined function) keeps its sums led by a positive term (review)
    z, nu = sp.Symbol("z", real=True), sp.Symbol("nu", positive=True)
    c = sp.Function("c")(t)
    kept = latex_of(compact(sp.Integral(sp.exp(-(z - nu * c) ** 2 / 2), (z, 0, sp.oo))))  # (half the line:
    # no Gaussian average to standardise)
    assert r"\left(z - \nu c{\left(t \right)}\right)^{2}" in kept, kept
