"""One value, one name: sums named to fit the page are named once per document (the synapse page had C_1 = C_2)."""

from pathlib import Path

import sympy as sp

from thermotheory.core.layout import fit_parts, new_namer

from .helpers import load_module

hand = load_module("hand_forms_names", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")


def _wide_sum():
    a = sp.symbols("a_1:30", positive=True)
    return sp.Add(*[a[k] * a[k + 1] for k in range(28)])


def test_a_sum_named_twice_on_a_page_keeps_its_first_name():
    s = _wide_sum()
    x, y = sp.symbols("x y", positive=True)
    namer = new_namer([x / s, y / s])
    first, first_defs = fit_parts("l", x / s, namer=namer)
    second, second_defs = fit_parts("\\eta", y / s, namer=namer)
    assert first_defs and "C_{1}" in first[0] and "C_{1}" in second[0]
    assert not any(line.startswith("C_{2}") for line in second_defs), second_defs
    # the name stands for the value: substituting it back gives the results
    assert namer.named == {s: sp.Symbol("C_1")}


def test_different_sums_get_different_names():
    s = _wide_sum()
    x = sp.Symbol("x", positive=True)
    namer = new_namer([x / s, x / (s + 1)])
    fit_parts("l", x / s, namer=namer)
    fit_parts("m", x / (s + 1), namer=namer)
    assert len(set(namer.named.values())) == len(namer.named) == 2


def test_a_denominator_holding_a_multiple_of_the_numerator_is_written_through_its_name():
    """N / (t N + R), two walls before (the BCM synapse's learning rate: 3 and 4 lines), prints C_1 / C_2 with
    C_2 = t C_1 + R; the definitions, substituted back, give the form (expanded: an independent check)."""
    from thermotheory.core.layout import TEXT_WIDTH, _fit_expr

    N = _wide_sum()
    t, b, c, d, x = sp.symbols("t b c d x", positive=True)
    R = sp.expand(b * (c + d) ** 2 * (c + 2 * d) ** 2)
    D = sp.expand(t * N + R)
    expr = x * N / D
    namer = new_namer([expr])
    defs: list = []
    lines = _fit_expr("l", expr, TEXT_WIDTH, namer, defs, {"symbol_names": {}})
    assert lines == [r"l &= \frac{C_{1} x}{C_{2}}"], lines
    values = {sp.Symbol(name.replace("{", "").replace("}", "")): value for name, value in defs}
    C1, C2 = sp.symbols("C_1 C_2")
    assert C1 in values[C2].free_symbols  # the denominator is written through the numerator's name
    assert sp.expand(values[C2].subs(values) - D) == 0 and sp.expand(values[C1] - N) == 0
    # and the shown definition is short: t C_1 plus the factored rest
    assert sp.count_ops(values[C2]) < sp.count_ops(D) / 4


def test_no_sibling_is_used_where_the_division_leaves_no_shorter_form():
    from thermotheory.core.layout import TEXT_WIDTH, _fit_expr

    N = _wide_sum()
    a = sp.symbols("a_1:30", positive=True)
    other = sp.Add(*[a[k] ** 2 for k in range(29)])  # no multiple of N inside
    namer = new_namer([N / other])
    defs: list = []
    _fit_expr("l", N / other, TEXT_WIDTH, namer, defs, {"symbol_names": {}})
    assert all(not (value.free_symbols & {sp.Symbol("C_1"), sp.Symbol("C_2")}) for _, value in defs), defs


def test_a_sibling_that_shortens_the_definition_too_little_is_not_used():
    """N / (t N + R) with R three times as wide as N: t C_1 + R would be barely narrower than the expanded sum, and
    naming N for it would add a definition: the denominator is named as it is."""
    from thermotheory.core.layout import TEXT_WIDTH, _fit_expr

    a = sp.symbols("a_1:14", positive=True)
    N = sp.Add(*[a[k] * a[k + 1] for k in range(12)])  # (more than half a line: a sum a page names anyway)
    b = sp.symbols("b_1:64", positive=True)
    t = sp.Symbol("t", positive=True)
    R = sp.Add(*[b[k] * b[k + 1] for k in range(62)])
    D = sp.expand(t * N + R)
    namer = new_namer([N / D])
    defs: list = []
    _fit_expr("l", N / D, TEXT_WIDTH, namer, defs, {"symbol_names": {}})
    named = {sp.Symbol(name.replace("{", "").replace("}", "")) for name, _ in defs}
    assert all(not (value.free_symbols & named) for _, value in defs), defs


def test_a_logarithm_keeps_its_argument_and_names_the_long_sum_inside_it():
    r"""\frac12 \ln(1 + x / D) with a long D: the BCM report printed \frac{\ln C_2}{2}, its argument named, which
    hides what the logarithm is of; now the denominator is named and the argument reads whole."""
    from thermotheory.core.layout import TEXT_WIDTH, _fit_expr

    D = _wide_sum()
    x = sp.Symbol("x", positive=True)
    form = sp.log(1 + x / D) / 2
    defs: list = []
    lines = _fit_expr("I", form, TEXT_WIDTH, new_namer([form]), defs, {"symbol_names": {}})
    assert len(lines) == 1 and r"\ln{\left(1 + \frac{x}{C_{1}} \right)}" in lines[0], lines
    assert [value for _, value in defs] == [D]


def _bracket_form():
    """A short term beside a fraction whose numerator, a sum of two roots, is nearly a line wide (as the
    full-history transfer entropy rate of the information-rates page)."""
    a = sp.symbols("a_1:13", positive=True)
    g, d = sp.symbols("gamma d", positive=True)
    wide = sp.sqrt(sp.Add(*[a[k] * a[k + 1] for k in range(11)]))
    narrow = sp.sqrt(a[0] ** 2 + a[1] ** 2)
    return (wide - narrow) / (2 * sp.sqrt(d)) - g / 2, wide, narrow


def test_a_fraction_too_wide_beside_its_label_breaks_inside_its_bracket():
    r"""T = \frac{1}{2 \sqrt d} \bigg( \sqrt{...} \\ - \sqrt{...} \bigg) - \frac{\gamma}{2}: the label no longer
    stands alone on its line; each root of the numerator stands whole on one of the two lines."""
    from thermotheory.core.layout import TEXT_WIDTH, _fit_expr, latex_width
    from thermotheory.core.closedform import latex_of

    form, wide, narrow = _bracket_form()
    lhs = r"T^{\mathrm{path}}_{v \to y}"
    assert latex_width(latex_of(form)) + latex_width(lhs) + 10 > TEXT_WIDTH  # (too wide for one line)
    lines = _fit_expr(lhs, form, TEXT_WIDTH, new_namer([form]), [], {"symbol_names": {}})
    assert len(lines) == 2 and all(latex_width(line) <= TEXT_WIDTH for line in lines), lines
    assert lines[0].startswith(lhs + r" &= ") and r"\frac{1}{2 \sqrt{d}} \bigg(" in lines[0], lines
    assert {latex_of(wide) in lines[0], latex_of(narrow) in lines[0]} == {True, False}, lines
    assert lines[1].startswith(r"&\quad") and r"\bigg)" in lines[1] and "\\frac{\\gamma}{2}" in "".join(lines)


def test_a_label_beside_a_term_is_not_left_alone_and_keeps_the_sum_whole():
    """As the BCM report's C_3: a short product beside the label, then a term that fits only on a line of its own.
    The label's line holds a term, so that term is not broken inside its bracket; it moves to the next line whole."""
    from thermotheory.core.layout import TEXT_WIDTH, _fit_expr, latex_width

    a = sp.symbols("a_1:13", positive=True)
    g, s_ = sp.symbols("g sigma", positive=True)
    wide = g ** 2 * s_ * sp.Add(*[a[k] * a[k + 1] ** 2 for k in range(10)])
    form = g ** 4 * s_ ** 4 * a[0] * a[1] ** 2 * a[2] ** 2 + wide
    lines = _fit_expr("C_{3}", form, TEXT_WIDTH, new_namer([form]), [], {"symbol_names": {}})
    assert len(lines) == 2 and all(latex_width(line) <= TEXT_WIDTH for line in lines), lines
    assert not any(r"\bigg(" in line or r"\Big(" in line for line in lines), lines


def test_a_logarithm_in_front_of_a_bracket_is_not_broken_there():
    r"""\ln x \bigg( s_1 + s_2 \bigg) would read as the logarithm of the product: such a term is not bracketed."""
    from thermotheory.core.layout import TEXT_WIDTH, _bracketed

    form, wide, narrow = _bracket_form()
    x = sp.Symbol("x", positive=True)
    assert _bracketed(sp.log(x) * (wide - narrow), True, {"symbol_names": {}}) is None
    assert _bracketed(sp.exp(-x) * (wide - narrow), True, {"symbol_names": {}}) is not None


def test_a_wide_factor_is_not_broken_behind():
    r"""As the cascade report's C_1: a long root times a sum would put the bracket's first term at the end of the
    line (\sqrt{...} \bigg( a \\ + b \bigg)); the sum is not bracketed behind it, the form is fitted as before."""
    from thermotheory.core.layout import TEXT_WIDTH, _bracketed, _fit_expr

    form, wide, narrow = _bracket_form()
    x, y = sp.symbols("x y", positive=True)
    assert _bracketed(wide * (x + y), True, {"symbol_names": {}}, 0.25 * TEXT_WIDTH) is None
    assert _bracketed((wide - narrow) / 2, True, {"symbol_names": {}}, 0.25 * TEXT_WIDTH) is not None
    a = sp.symbols("a_1:13", positive=True)
    root = sp.sqrt(sp.Add(*[a[k] * a[k + 1] for k in range(8)]))  # (about 250 pt)
    long = root * (x**2 * a[0] * a[1] * a[2] * a[3] * a[4] + y * a[5] * a[6] * a[7] * a[8] * a[9] * a[10]) - x
    lines = _fit_expr("S", long, TEXT_WIDTH, new_namer([long]), [], {"symbol_names": {}})
    assert not any(r"\bigg(" in line or r"\Big(" in line for line in lines), lines


def test_a_bracketed_sum_of_negative_terms_takes_its_sign_out():
    r"""From a review: ``\frac{1}{x + y} \Big( - a - b \Big)``; an author writes ``- \frac{1}{x + y} \Big( a + b
    \Big)``. The sign goes in front (turned where the term itself is negative); a sum with a positive term stays."""
    from thermotheory.core.layout import _bracketed

    a, b, x, y = sp.symbols("a b x y", positive=True)
    held = sp.Mul(1 / (x + y), sp.Add(-a, -b), evaluate=False)
    assert _bracketed(held, True, {"symbol_names": {}}) == [r"- \frac{1}{x + y} \Big( a", r"+ b \Big)"]
    assert _bracketed(held, False, {"symbol_names": {}})[0] == r"- \frac{1}{x + y} \Big( a"
    turned = sp.Mul(-1, held, evaluate=False)
    assert _bracketed(turned, False, {"symbol_names": {}})[0] == r"+ \frac{1}{x + y} \Big( a"
    assert _bracketed(turned, True, {"symbol_names": {}})[0] == r"\frac{1}{x + y} \Big( a"
    # each reading is the term's value
    point = {a: 0.3, b: 1.7, x: 0.9, y: 2.2}
    assert abs(float(held.subs(point)) + float(((a + b) / (x + y)).subs(point))) < 1e-12
    assert _bracketed((a - b) / (x + y), False, {"symbol_names": {}}) == [r"+ \frac{1}{x + y} \Big( a", r"- b \Big)"]


def test_a_root_standing_several_times_is_named_whole():
    r"""The information rates' \dot D_{v, y}: \sqrt{D_x \kappa_y^2 + D_y \gamma_x^2} four times in one quotient. The
    layout named the two widest sums around it (C_1, C_2) and left it written out twice; an author names the root,
    once. A root that stands once is not named for itself (its sum is, as before)."""
    from thermotheory.core.layout import _widest_sum, fit_lines

    Dv, Dx, Dy, kx, ky, gv, gx, gy = sp.symbols("D_v D_x D_y kappa_x kappa_y gamma_v gamma_x gamma_y", positive=True)
    root = sp.sqrt(Dx * ky**2 + Dy * gx**2)
    form = (Dv * kx**2 * ky**2 * (gx + gy) * (sp.sqrt(Dy) * (gv + gx + gy) + root)
            / ((gv + gx) * (gv + gy) * (sp.sqrt(Dy) * gv + root) * (sp.sqrt(Dy) * gx + root)
               * (sp.sqrt(Dy) * gy + root)))
    assert _widest_sum(form) == root
    lines = fit_lines(r"\dot D_{v, y}", form)
    assert lines[1:] == [r"&\text{where}", r"C_{1} &= \sqrt{D_{x} \kappa_{y}^{2} + D_{y} \gamma_{x}^{2}}"], lines
    assert lines[0].count("C_{1}") == 4 and r"\sqrt{D_{x}" not in lines[0], lines[0]
    single = (Dv * kx**2 + Dx * gv * gx + Dy * gy**2 + Dx * ky**2 * gv**3) / (gv + root)
    assert _widest_sum(single) == Dv * kx**2 + Dx * gv * gx + Dy * gy**2 + Dx * ky**2 * gv**3


def test_a_named_root_is_used_by_every_result_of_the_block():
    r"""The information-rates page: T^{path} (printed first, fitting over two lines) holds the root that \dot D_{v,
    y} (printed after it, too wide) has named C_1; an author writes both through C_1, defined once."""
    from thermotheory.export.derivation import quantity_lines

    Dv, Dx, Dy, kx, ky, gv, gx, gy = sp.symbols("D_v D_x D_y kappa_x kappa_y gamma_v gamma_x gamma_y", positive=True)
    root = sp.sqrt(Dx * ky**2 + Dy * gx**2)
    first = (sp.sqrt(Dx * ky**2 + Dy * gv**2 + Dy * gx**2 + 2 * sp.sqrt(Dy * (Dy * gv**2 * gx**2 + ky**2 * (
        Dv * kx**2 + Dx * gv**2)))) - root) / (2 * sp.sqrt(Dy)) - gv / 2
    wide = (Dv * kx**2 * ky**2 * (gx + gy) * (sp.sqrt(Dy) * (gv + gx + gy) + root)
            / ((gv + gx) * (gv + gy) * (sp.sqrt(Dy) * gv + root) * (sp.sqrt(Dy) * gx + root)
               * (sp.sqrt(Dy) * gy + root)))
    lines = quantity_lines({"T": first, "D": wide}, groups=False)  # (in its groups, the page needs no name now)
    tex = "\n".join(lines)
    assert tex.count(r"C_{1} &= \sqrt{D_{x} \kappa_{y}^{2} + D_{y} \gamma_{x}^{2}}") == 1, tex
    assert not any(r"\sqrt{D_{x} \kappa_{y}^{2} + D_{y} \gamma_{x}^{2}}" in line for line in lines
                   if line.startswith(("T &=", "D &="))), tex
    assert lines[0].startswith("T &=") and "C_{1}" in lines[0] and lines[1].startswith("D &="), tex


def test_review_a_root_and_its_reciprocal_are_one_name_and_no_definition_is_left_unused():
    """From a review: 1/sqrt(S) and sqrt(S) were counted and named apart (C_1 = 1/sqrt(S), C_2 = sqrt(S)); a result
    fitted before a root was named kept the definition of its first fit, used nowhere."""
    from thermotheory.core.layout import fit_lines
    from thermotheory.export.derivation import quantity_lines

    a, b, c, d, Dx, Dy, k, g = sp.symbols("a b c d D_x D_y k g", positive=True)
    r = sp.sqrt(Dx * k**2 + Dy * g**2)
    lines = fit_lines("F", (a + 1 / r) * (b + 1 / r) * (c + r) * (d + r), 200.0)
    assert lines[1:] == [r"&\text{where}", r"C_{1} &= \sqrt{D_{x} k^{2} + D_{y} g^{2}}"], lines
    assert lines[0].count(r"\frac{1}{C_{1}}") == 2, lines
    q1 = (a * b * c * d + a * r + b * Dx * Dy * k * g + c**2 * d**2 * a * b + Dx**2 * Dy**2) / (a + b + c + d + Dx * k
                                                                                                + Dy * g)
    q2 = (a * r + b) * (c * r + d) / ((r + a * b) * (r + c * d))
    for width in (160.0, 220.0, 300.0):
        lines = quantity_lines({"Q_1": q1, "Q_2": q2}, width=width)
        body = "\n".join(lines)
        defined = [line.split(" &=")[0] for line in lines if line.startswith("C_{")]
        assert all(body.count(name) >= 2 for name in defined), body  # each name used beside its definition
        assert len(defined) == len(set(defined)), body


def test_a_sum_named_for_one_result_is_used_by_another_that_holds_it():
    r"""The cascade report: T_{v \to y}'s definitions named the radicand of T^{path}'s first root (C_3) while
    T^{path}, fitting its line, wrote it out; an author writes T^{path} = (\sqrt{C_3} - C_1)/(2\sqrt{D_y}) - \gamma_v/2.
    A sum that stands in two or more results of a block is named first and used by each; one that stands in one
    result only is named where its layout names it, as before."""
    from thermotheory.export.derivation import _named_first, quantity_lines

    b, c = sp.symbols("b_1:13", positive=True), sp.symbols("c_1:8", positive=True)
    s = sp.Add(*[b[k] * b[k + 1] ** 2 for k in range(8)])  # a long radicand
    short = sp.sqrt(s) / b[0] - b[9]  # fits its line with the radicand written out
    p1, p2 = sp.Add(*[c[k] ** 2 * c[k + 1] for k in range(6)]), sp.Add(*[c[k] * c[k + 1] ** 3 for k in range(6)])
    wide = b[10] / (sp.sqrt(s) * p1 - b[11] * p2)  # its denominator named, and in its definition the radicand
    lines = quantity_lines({"T": short, "U": wide})
    tex = "\n".join(lines)
    radicand = [line for line in lines if line.split(" &=")[0].startswith("C_{") and "b_{1} b_{2}^{2}" in line
                and r"\sqrt" not in line]
    assert len(radicand) == 1, tex  # the radicand named once
    name = radicand[0].split(" &=")[0]
    assert lines[0].startswith("T &=") and rf"\sqrt{{{name}}}" in lines[0], tex  # and used by the short result
    assert "b_{1} b_{2}^{2}" not in lines[0], tex
    # the rule: a sum a result holds but printed without its name; not one every result holding it uses
    namer = new_namer([short, wide])
    trial = namer.fork()
    trial.name(s, [])
    assert _named_first(trial, namer, [(short, r"T &= \sqrt{a_{1} a_{2}^{2} + \dots}"), (wide, "U &= C_{1}")]) == [s]
    assert _named_first(trial, namer, [(short, r"T &= \sqrt{C_{1}}"), (wide, "U &= C_{1}")]) == []


def test_a_root_standing_three_times_in_one_result_is_named_though_every_result_fits():
    r"""The cascade in its groups: \dot D_{v, y} fits its line, \sqrt{\gamma_x^2 + \hat{\kappa}_y^2} four times in it
    and once in T^{path}; an author names the rate once, for both. A root that stands twice in a result, or once in
    each of several, is written out as before."""
    from thermotheory.export.derivation import ROOT_NAMED_AT, quantity_lines

    kx, ky, gv, gx, gy = sp.symbols("kappa_x kappa_y gamma_v gamma_x gamma_y", positive=True)
    root = sp.sqrt(gx**2 + ky**2)
    wide = kx**2 * ky**2 * (gx + gy) * (gv + gx + gy + root) / ((gv + gx) * (gv + root) * (gx + root) * (gy + root))
    first = (sp.sqrt(gv**2 + gx**2 + ky**2 + 2 * sp.sqrt(gv**2 * (gx**2 + ky**2) + kx**2 * ky**2)) - gv - root) / 2
    assert ROOT_NAMED_AT == 3
    lines = quantity_lines({"T": first, "D": wide}, groups=False)
    tex = "\n".join(lines)
    assert tex.count(r"C_{1} &= \sqrt{\gamma_{x}^{2} + \kappa_{y}^{2}}") == 1, tex
    assert lines[0].startswith("T &=") and "C_{1}" in lines[0] and lines[1].count("C_{1}") == 4, tex
    # the sum under the root, where it stands elsewhere (alone or among a larger sum's terms), is the name squared
    assert lines[0].count("C_{1}^{2}") == 2 and r"\gamma_{x}" not in lines[0], lines[0]
    back = {sp.Symbol("C_1"): root}
    for label, form in (("T", first), ("D", wide)):
        line = next(x for x in lines if x.startswith(f"{label} &="))
        printed = hand.tex_to_sympy(line.split("&=", 1)[1]).subs({sp.Symbol("C_1", positive=True): root})
        assert hand.equal_at_random_points(printed, form), line
    twice = kx * (gv + root) / (gx + root)
    assert not any(x.startswith("C_") for x in quantity_lines({"E": twice, "F": root / gv, "G": gy / root}))


def test_a_root_inside_a_named_root_is_counted_as_printed():
    r"""The cascade report: \sqrt{\gamma_v^2 \gamma_x^2 + \dots} stands inside C_1 (twice in T_{v \to y}) and once
    beside it; counted in the form as printed (C_1 one symbol) it stands once, and is not named."""
    from thermotheory.export.derivation import _roots_repeated

    a, b, c = sp.symbols("a b c", positive=True)
    inner = sp.sqrt(b**2 + c**2)
    outer = sp.sqrt(a + inner)
    form = (outer - inner) / (outer + a)
    assert _roots_repeated([(form, "")]) == [inner]
    assert _roots_repeated([(form, "")], [outer]) == []


def test_a_root_that_is_a_result_of_the_block_is_not_named():
    """From a review: a result that is the repeated root itself printed ``F = C_1``, saying nothing."""
    from thermotheory.export.derivation import quantity_lines

    kx, ky, gv, gx, gy = sp.symbols("kappa_x kappa_y gamma_v gamma_x gamma_y", positive=True)
    root = sp.sqrt(gx**2 + ky**2)
    wide = kx**2 * ky**2 * (gx + gy) * (gv + gx + gy + root) / ((gv + gx) * (gv + root) * (gx + root) * (gy + root))
    lines = quantity_lines({"F": root, "D": wide}, groups=False)
    assert lines[0] == r"F &= \sqrt{\gamma_{x}^{2} + \kappa_{y}^{2}}" and not any("C_{1}" in x for x in lines), lines
