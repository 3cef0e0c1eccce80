"""One sum, one printed form per page: a polynomial that two closed forms of a page share is collected the same way in
both (issue 24: the information-rates page printed ``T^{path}`` and ``\\dot I(v; y)``, the same value, with their
radicand collected over different symbols, and a reader had to expand both to see it).

The pages are read from the shared script runs (:func:`tests.page_runs.page_run`): the forms a page shows are
rebuilt from ``write_derivation``'s arguments as it builds them, and every polynomial sum in them is grouped by its
expansion; a group printed two ways is a defect.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import one_form_per_sum, same_sums, _parts, _polynomial_sums
from thermotheory.errors import ModelError
from thermotheory.export.derivation import PageNotation, page_sums, shown_forms

from .page_runs import DERIVATIONS, page_run
from .test_derivations import SLOW

PAGES = sorted(p.stem for p in DERIVATIONS.glob("*.py"))


def sums_printed_two_ways(forms) -> list[tuple[str, ...]]:
    """The polynomial sums of ``forms`` (grouped by their expansion) that print in more than one way."""
    printed: dict[sp.Expr, set[str]] = {}
    for form in forms:
        for part in _parts(form):
            for x in _polynomial_sums(part):
                printed.setdefault(sp.expand(x), set()).add(latex_of(x))
    return [tuple(sorted(ways)) for ways in printed.values() if len(ways) > 1]


def page_forms(name: str, fix: bool = True, groups: bool = True) -> list:
    """The closed forms the page ``name`` shows, every part (with ``fix=False``: each form compacted alone; with
    ``groups=False``: in the model's own parameters)."""
    run = page_run(name)
    assert run.arguments is not None, f"{name}.py did not call write_derivation"
    args, kwargs = run.arguments
    model, quantities = args[2], args[3]
    sections = kwargs.get("sections", args[5] if len(args) > 5 else ())
    parts = [(model, quantities), *((s[1], s[2]) for s in sections)]
    page = PageNotation(parts)
    shown = [page.notation(part) for _, part in parts]
    sums = page_sums(shown) if fix else {}
    return [v for part in shown for v in shown_forms(part, sums, groups=groups).values()]


def moved_by_the_page_fix(forms) -> list:
    """The forms that one form per sum (multiples and orientations included) would still print otherwise."""
    swap = one_form_per_sum(forms)
    return [f for f in forms if same_sums(f, swap) != f]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in PAGES])
def test_each_sum_prints_one_way_on_a_page(name):
    forms = page_forms(name)
    assert sums_printed_two_ways(forms) == []
    assert moved_by_the_page_fix(forms) == []


@pytest.mark.slow
def test_the_check_finds_the_heat_engines_two_orientations():
    """Without the page's fix, the heat engine printed (sqrt(w_2) - sqrt(w_1))^2 beside (sqrt(w_1) - sqrt(w_2))^2,
    T_h - T_c beside T_c - T_h and ln(w_2/w_1) beside ln(w_1/w_2); with it, one of each."""
    assert len(moved_by_the_page_fix(page_forms("heat_engine", fix=False))) >= 3
    tex = page_run("heat_engine").tex
    for one, other in ((r"\sqrt{w_{2}} - \sqrt{w_{1}}", r"\sqrt{w_{1}} - \sqrt{w_{2}}"),
                       ("T_{h} - T_{c}", "T_{c} - T_{h}"),
                       (r"\frac{w_{2}}{w_{1}}", r"\frac{w_{1}}{w_{2}}")):
        assert one in tex and other not in tex, (one, other)


def test_one_orientation_per_sum_and_log_across_forms():
    """Sums that are multiples of one another, and logs of reciprocals, print one way: the number or sign goes in
    front of the product, an even power takes the sign, and every value is kept."""
    from thermotheory.core.presentation import sum_key

    w1, w2, th, tc, t1, t3 = sp.symbols("w_1 w_2 T_h T_c t_1 t_3", positive=True)
    r = sp.sqrt(w2) - sp.sqrt(w1)
    forms = [(tc - th) * sp.log(w2 / w1) / 2 + r**2 / t1,
             sp.log(w1 / w2) / 2 + r**2 / (th * t1),
             (th - tc) * sp.log(w2 / w1) / (2 * (t1 + t3)) - (sp.sqrt(w1) - sp.sqrt(w2)) ** 2 / (t1 * t3),
             2 * (th - tc) / (tc + 3 * th),
             (tc - th) ** 2 * sp.log(w2 / w1) ** 2 / (64 * (sp.sqrt(w1) - sp.sqrt(w2)) ** 2)]
    swap = one_form_per_sum(forms)
    out = [same_sums(f, swap) for f in forms]
    tex = " ".join(latex_of(f) for f in out)
    for one, other in ((r"\sqrt{w_{1}} - \sqrt{w_{2}}", r"\sqrt{w_{2}} - \sqrt{w_{1}}"),
                       ("T_{c} - T_{h}", "T_{h} - T_{c}"),
                       (r"\frac{w_{1}}{w_{2}}", r"\frac{w_{2}}{w_{1}}")):
        assert (one in tex) != (other in tex), (one, other, tex)
    assert "T_{h} - T_{c}" in tex  # the orientation printed most often to an odd power
    from thermotheory.core.presentation import equal_at_random_points

    assert all(equal_at_random_points(f, g) for f, g in zip(forms, out))
    assert moved_by_the_page_fix(out) == []
    n = sp.Symbol("n", positive=True)
    assert sum_key(4 - 4 * n) == (1 - n, 4) and sum_key(n - 1) == (1 - n, -1)


def test_a_functions_argument_sets_the_orientation_and_a_number_goes_in_front():
    n, b, c = sp.symbols("n b c", positive=True)
    times_four = sp.Mul(4 - 4 * n, sp.log(3) + c, evaluate=False)  # (sympy would take the 4 out itself)
    forms = [b * (n - 1) ** 3, n * (n - 1), times_four, sp.log(1 - n), b * (n - 1) ** 2]
    swap = one_form_per_sum(forms)
    out = [latex_of(same_sums(f, swap)) for f in forms]
    assert out[0] == r"b \left(n - 1\right)^{3}"  # -b (1 - n)^3 would lead with a minus: kept
    assert out[1] == r"n \left(n - 1\right)"
    assert out[2] == r"4 \left(1 - n\right) \left(c + \ln 3\right)", out[2]
    assert out[3] == latex_of(forms[3])  # the function's argument: never changed, it sets the orientation
    assert out[4] == r"b \left(1 - n\right)^{2}"  # an even power takes the sign
    from thermotheory.core.presentation import equal_at_random_points

    assert all(equal_at_random_points(same_sums(f, swap), f) for f in forms)


def test_logs_of_arguments_not_proved_positive_are_left_alone():
    """ln(1/a) = -ln(a) fails where a is negative (2 pi i apart): such logs are never swapped."""
    a, b = sp.symbols("a b")  # no sign known
    forms = [sp.log(a / b) * a, sp.log(b / a) * b]
    assert one_form_per_sum(forms) == {}


def test_the_check_finds_the_information_rates_radicand():
    """The information-rates page's inner radicand grouped two ways (as T^path and dot I(v; y) printed it before the
    page wrote one form per sum; the presentation pass now groups both alike): the check sees it, and the page's one
    form per sum writes it one way."""
    gv, gx, kx, ky = sp.symbols("gamma_v gamma_x kappa_x kappa_y", positive=True)
    one = gv**2 * gx**2 + ky**2 * (gv**2 + kx**2)
    other = sp.Add(gv**2 * (gx**2 + ky**2), kx**2 * ky**2, evaluate=False)
    assert sp.expand(one - other) == 0
    forms = [sp.sqrt(gv**2 + 2 * sp.sqrt(one)) - gv, sp.sqrt(other) / 2]
    assert sums_printed_two_ways(forms)
    swap = one_form_per_sum(forms)
    assert swap and sums_printed_two_ways([same_sums(f, swap) for f in forms]) == []
    assert r"\dot I(v; y)" in page_run("information_rates").tex


def test_a_swap_keeps_values_and_a_root_whole():
    a, b, c, d = sp.symbols("a b c d", positive=True)
    p, q = a * (b + c) + b * c, b * (a + c) + a * c
    def root(s):  # held as one root, as the printer keeps sqrt(D_y (...)) on the information-rates page
        return sp.Pow(sp.Mul(d, s, evaluate=False), sp.Rational(1, 2), evaluate=False)

    forms = [root(p), sp.Add(root(q), 1, evaluate=False)]
    swap = one_form_per_sum(forms)
    assert swap == {q: p}
    out = same_sums(forms[1], swap)
    assert latex_of(out) == "1 + " + latex_of(forms[0]), latex_of(out)  # not split into sqrt(d) sqrt(...)
    point = {a: 0.3, b: 1.7, c: 2.9, d: 0.61}
    assert abs(float(out.subs(point)) - float(forms[1].subs(point))) < 1e-12
    assert sums_printed_two_ways([forms[0], out]) == [] and sums_printed_two_ways(forms)


def test_a_swap_that_would_widen_a_form_is_not_made():
    """A number multiplied into the swapped sum (sympy distributes 2 (a + b)) would print wider: that form is kept."""
    a, b = sp.symbols("a b", positive=True)
    wide, narrow = sp.Add(a, b, evaluate=False), sp.Add(b, a, evaluate=False)
    assert same_sums(sp.Integer(3), {wide: narrow}) == 3
    x, y, z = sp.symbols("x y z", positive=True)
    long_form = sp.expand((x + y) * (x + z))  # x**2 + x*y + x*z + y*z
    short_form = (x + y) * (x + z)
    assert same_sums(sp.log(long_form), {long_form: short_form}) == sp.log(short_form)
    assert same_sums(sp.log(short_form), {x + y: long_form}) == sp.log(short_form)  # much wider: refused


def results_printed_twice(tex: str) -> list[str]:
    """The closed forms that a page prints in full for two results of one ``align`` block (a result's whole right-hand
    side, its broken lines joined; definitions under "where" and numbers are not compared)."""
    twice = []
    for block in tex.split(r"\begin{align}")[1:]:
        rows = block.split(r"\end{align}")[0].split("\\\\\n")
        seen, rhs = set(), None
        for row in [r.replace(r"\notag", "").strip() for r in rows] + [r"&\text{where}"]:
            if row.startswith(r"&\quad"):
                rhs = (rhs + " " + row[len(r"&\quad"):].strip()).strip()
                continue
            if rhs is not None and re.search(r"[A-Za-z]", re.sub(r"\\(cdot|times|infty)", "", rhs)):
                if rhs in seen:
                    twice.append(rhs)
                seen.add(rhs)
            if row.startswith(r"&\text"):
                break
            rhs = row.split("&=", 1)[1].strip() if "&=" in row else None
    return twice


def _results(tex: str) -> list[tuple[int, str, str]]:
    """``(block, label, right-hand side)`` of each result row of a page (not the definitions under "where")."""
    out = []
    for k, block in enumerate(tex.split(r"\begin{align}")[1:]):
        for row in block.split(r"\end{align}")[0].split("\\\\\n"):
            row = row.replace(r"\notag", "").strip()
            if row.startswith(r"&\text"):
                break
            if "&=" in row:
                label, rhs = (x.strip() for x in row.split("&=", 1))
                out.append((k, label, rhs))
    return out


def results_printed_again_below(tex: str) -> list[str]:
    """The closed forms printed in full for a result of another name in a block below (where the name above stands for
    one form on the page: a name given two forms would not say which)."""
    rows = _results(tex)
    forms_of: dict[str, set] = {}
    for _, label, rhs in rows:
        forms_of.setdefault(label, set()).add(rhs)
    first: dict[str, tuple[int, str]] = {}
    again = []
    for k, label, rhs in rows:
        if len(rhs) < 12 or not re.search(r"[A-Za-z]", rhs) or r"\begin{matrix}" in rhs:
            continue
        if rhs in first and first[rhs][0] < k and first[rhs][1] != label and len(forms_of[first[rhs][1]]) == 1:
            again.append(rhs)
        first.setdefault(rhs, (k, label))
    return again


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in PAGES])
def test_no_closed_form_is_printed_twice_on_a_page(name):
    """A result whose form is that of one above it reads ``\\dot I(v; y) = T^{path}_{v -> y}``, as an author writes."""
    tex = page_run(name).tex
    assert results_printed_twice(tex) == []
    assert results_printed_again_below(tex) == []


def test_the_scan_finds_a_form_printed_again_in_a_section_below():
    tex = ("\\begin{align}\na &= x + y^2 + z^3 \\\\\nb &= 2\n\\end{align}\n\\begin{align}\nc &= x + y^2 + z^3\n"
           "\\end{align}")
    assert results_printed_again_below(tex) == ["x + y^2 + z^3"]
    assert results_printed_again_below(tex.replace("c &=", "a &=")) == []  # the same result stated again


def test_the_scan_finds_a_form_printed_twice():
    tex = "\\begin{align}\na &= x + y \\\\\nb &= \\notag \\\\\n&\\quad x + y \\\\\nc &= 2 \\\\\nd &= 2\n\\end{align}"
    assert results_printed_twice(tex) == ["x + y"]


def test_the_information_rates_page_states_the_two_rates_equal():
    tex = page_run("information_rates").tex
    assert r"\dot I(v; y) &= T^{\mathrm{path}}_{v \to y}" in tex
    assert r"\dot D &= \sigma" in tex


def test_same_as_earlier_refuses_what_is_not_a_mapping():
    from thermotheory.errors import InvalidExport
    from thermotheory.export.derivation import same_as_earlier

    with pytest.raises(InvalidExport, match="mapping"):
        same_as_earlier([sp.Symbol("x")])
    x = sp.Symbol("x")
    assert same_as_earlier({"a": x + 1, "b": sp.Matrix([x]), "c": x + 1, "d": 1.5, "e": 1.5}) == {"c": "a"}


def test_same_as_earlier_compares_a_structured_forms_parameters_and_names():
    from thermotheory.core.closedform import ClosedForm
    from thermotheory.export.derivation import same_as_earlier

    r, x = sp.symbols("r x")
    numbers = {"a": ClosedForm(r, [(r, 2)]), "b": ClosedForm(r, [(r, 2)])}
    assert same_as_earlier(numbers) == {}  # a number, however written
    named = {"a": ClosedForm(x * r, [(r, x + 1)]), "b": ClosedForm(x * r, [(r, x + 1)], {r: r"\rho"})}
    assert same_as_earlier(named) == {}  # printed r and \rho: not the same LaTeX
    assert same_as_earlier({"a": named["a"], "b": ClosedForm(x * r, [(r, x + 1)])}) == {"b": "a"}


def test_a_result_equal_to_one_in_a_section_above_is_printed_as_equal_to_it():
    from thermotheory.core.closedform import ClosedForm
    from thermotheory.errors import InvalidExport
    from thermotheory.export.derivation import same_as_earlier

    g, k, r = sp.symbols("gamma kappa r", positive=True)
    above = [{r"\Phi": k / g, r"\sigma": k**2 / g}]
    assert same_as_earlier({r"\lim \Phi / N": k / g}, above) == {r"\lim \Phi / N": r"\Phi"}
    assert same_as_earlier({r"\Phi": k / g}, above) == {}  # the same quantity stated again: printed again
    # a name that two blocks give different values would not say which: not referred to
    assert same_as_earlier({r"\sigma": k / g**2, "Q": k**2 / g}, above) == {}
    # within the block, the nearest, whatever other blocks call by that name
    assert same_as_earlier({r"\sigma": k / g**2, "Q": k / g**2}, above) == {"Q": r"\sigma"}
    # a structured form of the same value (held products, as the dimensionless sections print them) is one value
    held = ClosedForm(sp.Mul(sp.UnevaluatedExpr(1 / g), sp.UnevaluatedExpr(r), evaluate=False), [(r, k)])
    assert same_as_earlier({"L": k / g}, [*above, {r"\Phi": held}]) == {"L": r"\Phi"}
    with pytest.raises(InvalidExport, match="before"):
        same_as_earlier({}, {"a": k})


def test_equality_at_random_points_sees_through_held_products():
    """A structured form's explicit value may hold its factors unevaluated (1/tau (snr/(1 + rho))): it has a value,
    and equals the plain form (it was refused as having none, so a page could not see that two results agree)."""
    from thermotheory.core.presentation import equal_at_random_points

    a, b = sp.symbols("a b", positive=True)
    held = sp.Mul(sp.UnevaluatedExpr(1 / a), sp.UnevaluatedExpr(b / (1 + a)), evaluate=False)
    assert equal_at_random_points(held, b / (a * (1 + a)))
    assert not equal_at_random_points(held, b / (a * (2 + a)))


def test_the_decoders_population_limit_is_the_single_neurons_heat_rate():
    tex = page_run("decoder").tex
    assert tex.count(r"\lim_{N \to \infty} \Phi_{\bar{x}} / N &= \Phi_{x}") == 2


@pytest.mark.parametrize("first", [True, False])
def test_signs_that_cancel_in_a_product_turn_its_sums_together(first):
    """(a - b)(c - n) beside (b - a)^3 and (n - c)^3: the lone cubes cannot turn without a sign in front, the product
    can turn both of its sums at once; whichever comes first, the page prints b - a and n - c."""
    from thermotheory.core.presentation import equal_at_random_points, sum_key

    a, b, c, n = sp.symbols("a b c n", positive=True)
    product, cubes = (a - b) * (c - n), [(b - a) ** 3, (n - c) ** 3]
    forms = [product, *cubes] if first else [*cubes, product]
    swap = one_form_per_sum(forms)
    out = [same_sums(f, swap) for f in forms]
    assert all(equal_at_random_points(f, g) for f, g in zip(forms, out))
    assert latex_of(out[0 if first else 2]) == r"\left(b - a\right) \left(n - c\right)"
    values: dict = {}  # each sum's value relative to its group: one per group on the page
    for f in out:
        for x in _polynomial_sums(f):
            prim, k = sum_key(x)
            values.setdefault(prim, set()).add(k)
    assert all(len(ks) == 1 for ks in values.values()), values


def test_a_name_this_block_prints_is_not_referred_to_above_it():
    """sigma above, then X and sigma of the same form here: "sigma = X" within the block, never "X = sigma" too."""
    from thermotheory.errors import InvalidExport
    from thermotheory.export.derivation import same_as_earlier

    g, k = sp.symbols("gamma kappa", positive=True)
    out = same_as_earlier({"X": k / g, r"\sigma": k / g}, [{r"\sigma": k / g}])
    assert out == {r"\sigma": "X"}
    assert same_as_earlier({"X": k / g, r"\sigma": None}, [{r"\sigma": k / g}]) == {}  # no form: not one value
    assert same_as_earlier({"X": k / g}, iter([{r"\sigma": k / g}])) == {"X": r"\sigma"}  # an iterator, read once
    with pytest.raises(InvalidExport, match="before"):
        same_as_earlier({"X": k / g}, None)


def test_a_sum_inside_a_functions_argument_sets_its_groups_orientation():
    """4 - 5x inside ln((4 - 5x)/(10 (1 - x))) is never changed: its group keeps that orientation however often the
    other is printed (the jump page printed (5x - 4) ln((4 - 5x)/...) for one run of this fix)."""
    x, b, c = sp.symbols("x b c", positive=True)
    inner = sp.log((4 - 5 * x) / (10 * (1 - x)))
    swap = one_form_per_sum([inner, (5 * x - 4) ** 3 * b, (5 * x - 4) ** 3 * c])
    kept = {v for v in swap.values()}
    assert kept == {sp.Mul(-1, 4 - 5 * x, evaluate=False)}, swap


def test_the_orientation_that_leaves_no_sign_a_hand_would_cancel_is_kept():
    """The heat-engine report's W and Q(t_1) print ln(w_2/w_1) and ln(w_1/w_2); either orientation unifies them with
    as many minus signs, but turning W's log gives - 1/2 (T_c - T_h) ln(w_1/w_2), two signs a hand cancels: the log
    of Q(t_1) is turned instead."""
    from thermotheory.core.presentation import equal_at_random_points

    w1, w2, th, tc, t1, t3 = sp.symbols("w_1 w_2 T_h T_c t_1 t_3", positive=True)
    r = sp.sqrt(w2) - sp.sqrt(w1)
    w = (tc - th) * sp.log(w2 / w1) / 2 + (1 / t3 + 1 / t1) * r**2
    q = sp.log(w1 / w2) / 2 + r**2 / (th * t1)
    swap = one_form_per_sum([w, q])
    out = [same_sums(f, swap) for f in (w, q)]
    assert out[0] == w
    assert r"\ln \frac{w_{2}}{w_{1}}" in latex_of(out[1])
    assert equal_at_random_points(out[1], q)


def test_a_report_writes_a_difference_in_the_orientation_its_regime_makes_positive(tmp_path):
    r"""The heat engine's report printed W = \frac12 (T_c - T_h) \ln\frac{w_2}{w_1} + \dots where its page (and an
    author, for an engine run with T_h > T_c) writes \dots - \frac12 (T_h - T_c) \ln\frac{w_2}{w_1}."""
    import io

    from thermotheory.cli import main
    from thermotheory.core.presentation import positive_sums

    path = tmp_path / "heat_engine.tex"
    assert main(["report", "heat_engine", "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert r"\left(T_{h} - T_{c}\right)" in tex and r"T_{c} - T_{h}" not in tex
    a, b, w = sp.symbols("a b w", positive=True)
    form = (a - b) ** 3 * w + sp.log(w - b)  # (in a function's argument: never turned, though negative there)
    swap = positive_sums([form], {a: 1, b: 2, w: 1})
    assert list(swap) == [a - b]
    out = same_sums(form, swap)
    assert sp.simplify(out - form) == 0
    assert r"\ln{\left(w - b \right)}" in latex_of(out) and r"\left(b - a\right)^{3}" in latex_of(out), latex_of(out)
    assert positive_sums([form], {a: 2, b: 1, w: 1}) == {}  # (positive there already)
    assert positive_sums([(a - b) ** 3 * w + sp.log(a - b)], {a: 1, b: 2, w: 1}) == {}  # (a function takes it)
    assert positive_sums([(a - b) * w], {w: 1}) == {}  # (its value unknown)
    with pytest.raises(ModelError, match="positive_sums"):
        positive_sums((a - b) * w, {a: 1})


def test_a_turned_difference_turns_the_logarithm_beside_it(tmp_path):
    r"""The binary synapse's report printed Q(t) = q (1 - e^{-q r t}) (f - 1) \ln\frac{f}{1 - f}: a factor negative
    in the model's domain (f < 1), left because a logarithm's argument held it. An author writes
    q (1 - f) (1 - e^{-q r t}) \ln\frac{1 - f}{f}: the difference turned and the logarithm with it."""
    import io

    from thermotheory.cli import main
    from thermotheory.core.presentation import equal_at_random_points, positive_sums, within_domain

    path = tmp_path / "binary_synapse.tex"
    assert main(["report", "binary_synapse", "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    heat = next(line for line in path.read_text().splitlines() if line.startswith("Q(t) &="))
    assert r"\left(f - 1\right)" not in heat and r"\ln \frac{1 - f}{f}" in heat, heat
    assert not heat.split("&=")[1].lstrip().startswith("-"), heat
    f, q = sp.symbols("f q", positive=True)
    form = q * (f - 1) * sp.log(f / (1 - f))
    swap = positive_sums([form], {f: 0.3, q: 1})
    assert list(swap) == [f - 1]  # (though a logarithm's argument holds it too)
    with within_domain([1 - f]):
        out = same_sums(form, swap)
        assert equal_at_random_points(out, form)
    assert latex_of(out) == r"q \left(1 - f\right) \ln \frac{1 - f}{f}", latex_of(out)
    assert same_sums(form, swap) == form  # (outside the domain f/(1 - f) may be negative: the sign would stay in front)
    a, w = sp.symbols("a w", positive=True)
    work = a + (f - 1) * sp.log(w / a)  # (a term after another: turned, a minus between them; no log turned)
    with within_domain([1 - f]):
        out = same_sums(work, positive_sums([work], {f: 0.3, a: 1, w: 2}))
    assert latex_of(out) == r"a - \left(1 - f\right) \ln \frac{w}{a}", latex_of(out)
    assert list(positive_sums([sp.exp((a - 2 * w) / q) + (a - w) * q], {a: 1, w: 2, q: 1})) == [a - w]
    assert positive_sums([sp.exp((a - 2 * w) / q)], {a: 1, w: 2, q: 1}) == {}  # (only in a function: an exponent)
