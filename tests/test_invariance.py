r"""Scale invariance: the rescalings a closed form does not feel, and the form written in its invariant groups (#24).

An information rate of the cascade ``v -> x -> y`` keeps its value when a variable is measured in other units, so it
depends on the couplings and noise strengths only through :math:`\hat\kappa_x = \kappa_x \sqrt{D_v / D_x}` and
:math:`\hat\kappa_y = \kappa_y \sqrt{D_x / D_y}`; the report printed them in all eight parameters (a two-line
definition ``C_3`` of roots in :math:`D_y^{3/2}`). Every rewriting here is checked against the form as computed, by
mpmath at 30 digits at random points (the groups substituted back), never against itself.
"""

from __future__ import annotations

import io
import random

import mpmath
import pytest
import sympy as sp

from thermotheory.core.closedform import ClosedForm, latex_of
from thermotheory.core.invariance import (fixed_choices, group_rows, group_symbols, grouped_forms, in_groups,
                                          scale_symmetries)
from thermotheory.core.presentation import compact, held_replace, size
from thermotheory.errors import ModelError
from thermotheory.models import cascade as C

PARAMETERS = (C.gamma_v, C.gamma_x, C.gamma_y, C.kappa_x, C.kappa_y, C.D_v, C.D_x, C.D_y)


def _cascade_forms() -> dict:
    model = C.cascade()
    return {name: q.closed_form(model) for name, q in C.cascade_quantities().items()}


def _value(form, point: dict) -> mpmath.mpf:
    """``form`` at ``point`` (30 digits), a ClosedForm's definitions substituted first."""
    expr = form.expr.xreplace({n: v for n, v in form.definitions}) if isinstance(form, ClosedForm) else form
    with mpmath.workdps(30):
        return mpmath.mpf(str(sp.N(expr.xreplace(point), 30)))


def _points(k: int = 4, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    return [{s: sp.Rational(rng.randint(20, 400), 97) for s in PARAMETERS} for _ in range(k)]


def _agree(a, b) -> bool:
    return abs(a - b) <= mpmath.mpf(10) ** -18 * max(abs(a), abs(b), 1)


# -- the rescalings ----------------------------------------------------------------------------------------------

def test_the_cascade_rates_do_not_feel_a_rescaling_of_any_variable():
    """Three rescalings (v, x, y in other units), found from the forms alone; each checked here by moving the
    parameters by another factor than the one the search confirmed with."""
    forms = _cascade_forms()
    found = scale_symmetries(list(forms.values()))
    assert len(found) == 3
    # y -> c y: kappa_y -> c kappa_y, D_y -> c^2 D_y is in their span (the echelon basis holds it as a row)
    assert {C.D_y: 2, C.kappa_y: 1} in found
    for weights in found:
        for point in _points(2):
            moved = {s: v * sp.Rational(5, 3) ** weights.get(s, 0) for s, v in point.items()}
            for form in forms.values():
                assert _agree(_value(form, point), _value(form, moved))


def test_a_variance_is_not_invariant_and_a_log_of_a_parameter_has_no_rescaling():
    gamma, D = sp.symbols("gamma D", positive=True)
    assert scale_symmetries([sp.log(D) + gamma]) == []
    assert scale_symmetries([D / gamma]) == [{D: 1, gamma: 1}]  # (a rate over a rate: time in other units)
    assert scale_symmetries([D / gamma, sp.log(D) + gamma]) == []  # what the forms share


def test_a_real_symbol_is_held_fixed():
    x = sp.Symbol("x", real=True)
    D = sp.Symbol("D", positive=True)
    assert scale_symmetries([x**2 / D]) == []


@pytest.mark.parametrize("bad", ["x", sp.Symbol("x"), None, [sp.Matrix([1])], [ClosedForm(sp.Symbol("C"),
                                                                                        [(sp.Symbol("C"), 2)])]])
def test_bad_input_is_refused_by_name(bad):
    with pytest.raises(ModelError, match="scale_symmetries"):
        scale_symmetries(bad)


# -- the groups --------------------------------------------------------------------------------------------------

def test_each_cascade_rate_in_its_groups_has_the_value_computed():
    forms = _cascade_forms()
    found = scale_symmetries(list(forms.values()))
    choice = fixed_choices(found)[0]
    assert set(choice) == {C.D_v, C.D_x, C.D_y}  # the noise strengths (the largest weights) set to 1
    for name, form in forms.items():
        grouped = in_groups(form, found, choice)
        assert not grouped.expr.free_symbols & {C.D_v, C.D_x, C.D_y, C.kappa_x, C.kappa_y}, name
        for point in _points(3):
            assert _agree(_value(grouped, point), _value(form, point)), name


def test_the_groups_are_the_couplings_in_units_of_the_noise():
    found = scale_symmetries(list(_cascade_forms().values()))
    groups = group_symbols(found, [C.D_v, C.D_x, C.D_y])
    assert sp.simplify(groups[C.kappa_x] - C.kappa_x * sp.sqrt(C.D_v / C.D_x)) == 0
    assert sp.simplify(groups[C.kappa_y] - C.kappa_y * sp.sqrt(C.D_x / C.D_y)) == 0
    assert latex_of(groups[C.kappa_x]) == r"\kappa_{x} \sqrt{\frac{D_{v}}{D_{x}}}"  # one root, as a hand writes it


def test_a_form_that_feels_the_rescaling_and_a_bad_choice_are_refused():
    k, D, g = sp.symbols("kappa D gamma", positive=True)
    with pytest.raises(ModelError, match="changes under a rescaling"):
        in_groups(k / D, [{k: 1, D: 2}], [D])
    with pytest.raises(ModelError, match="one parameter to fix per rescaling"):
        group_symbols([{k: 1, D: 2}], [D, k])
    with pytest.raises(ModelError, match="independently"):
        group_symbols([{k: 1, D: 2}], [g])


# -- a block of forms ------------------------------------------------------------------------------------------

def test_the_cascade_block_prints_shorter_in_its_groups_and_means_what_it_meant():
    forms = {name: compact(form) for name, form in _cascade_forms().items()}
    out = grouped_forms(forms)
    grouped = [n for n, f in out.items() if isinstance(f, ClosedForm)]
    assert len(grouped) == len(forms)
    assert sum(size(out[n])[0] for n in grouped) < 0.8 * sum(size(forms[n])[0] for n in grouped)
    for name in grouped:
        for point in _points(2, seed=5):
            assert _agree(_value(out[name], point), _value(forms[name], point)), name
    rows = group_rows(list(out.values()))
    assert [r[0] for r in rows] == [r"$\hat{\kappa}_{x}$", r"$\hat{\kappa}_{y}$"]
    assert r"\kappa_{x} \sqrt{\frac{D_{v}}{D_{x}}}" in rows[0][1]


def test_a_block_whose_forms_fit_their_lines_keeps_its_parameters():
    """A form that fits its line reads as well in the model's own parameters (the decoder page's first block: its
    dimensionless groups follow in a section of their own); in the cascade's block, beside forms too wide for their
    line, the same form is written in the groups (the block test above)."""
    k, D, g = sp.symbols("kappa D gamma", positive=True)
    forms = {"r": sp.log(1 + k**2 / (D * g**2))}
    assert grouped_forms(forms) == forms
    short = {"ep": compact(_cascade_forms()["entropy_production_rate"])}
    assert grouped_forms(short) == short


def test_an_integral_is_not_looked_at():
    """Evaluating a lattice's integral over the Brillouin zone at 40 digits, a hundred times, took minutes."""
    k, a, lam = sp.symbols("k a lambda", positive=True)
    form = sp.Integral(a**2 / (a**2 + 2 * lam * (1 - sp.cos(k))), (k, -sp.pi, sp.pi))
    assert scale_symmetries([form]) == []
    assert grouped_forms({"G": form}) == {"G": form}


def test_a_form_with_another_symmetry_is_left_alone_by_a_block_without_one():
    k, D, g = sp.symbols("kappa D gamma", positive=True)
    forms = {"a": sp.log(D) + g, "b": g**2 * D / k**2}
    assert grouped_forms({"a": forms["a"]}) == {"a": forms["a"]}
    with pytest.raises(ModelError, match="mapping"):
        grouped_forms([forms["a"]])


# -- the rewritings that make the grouped form read -------------------------------------------------------------

def test_a_radicand_standing_beside_its_root_is_written_as_its_square():
    r"""(g^2 + R) S - g S^2 is S (g^2 + R - g S): the compacted form holds the root's radicand no more as a sum."""
    g, b, c, a = sp.symbols("g b c a", positive=True)
    R = sp.sqrt(c)
    X = g**2 + b + 2 * R
    S = sp.sqrt(X)
    form = a / ((g**2 + R) * S - g * sp.expand(X)) - g
    out = compact(form)
    for point in ({g: sp.Rational(3, 7), b: 2, c: sp.Rational(5, 3), a: 1}, {g: 4, b: sp.Rational(1, 9), c: 7, a: 3}):
        assert _agree(_value(out, point), _value(form, point))
    nodes = list(sp.preorder_traversal(out))
    bare = sum(1 for x in nodes if x == X)
    under_roots = sum(1 for x in nodes if isinstance(x, sp.Pow) and x.base == X)
    assert bare == under_roots >= 1, latex_of(out)  # the radicand only under its root(s)
    assert size(out) < size(form)


def test_a_name_written_in_keeps_the_number_outside_its_sum():
    a, b, C1 = sp.symbols("a b C_1", positive=True)
    half = sp.Mul(sp.Rational(1, 2), sp.sqrt(a + b) - a - b**2, evaluate=False)
    out = held_replace(half, {sp.sqrt(a + b): C1})
    assert latex_of(out) == r"\frac{C_{1} - a - b^{2}}{2}"
    assert sp.simplify(out - half.xreplace({sp.sqrt(a + b): C1})) == 0
    with pytest.raises(ModelError, match="mapping"):
        held_replace(half, [(a, b)])


# -- the report ---------------------------------------------------------------------------------------------------

def test_the_cascade_report_prints_its_rates_in_the_groups(tmp_path):
    from thermotheory.cli import main

    path = tmp_path / "cascade.tex"
    assert main(["report", "cascade", "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert r"\hat{\kappa}_{x} &= \kappa_{x} \sqrt{\frac{D_{v}}{D_{x}}}" in tex
    assert r"\hat{\kappa}_{y} &= \kappa_{y} \sqrt{\frac{D_{x}}{D_{y}}}" in tex
    assert "D_{y}^{3/2}" not in tex and "C_{3}" not in tex  # (before: a two-line C_3 of roots in D_y^{3/2})
    assert r"\raggedright $\hat{\kappa}_{x}$ &" in tex  # said in words in the glossary


def test_a_page_block_can_keep_the_model_parameters():
    from thermotheory.errors import InvalidExport
    from thermotheory.export.derivation import quantity_lines, shown_forms

    forms = {r"T_{v \to y}": _cascade_forms()["transfer_entropy_rate"],
             r"\dot D_{v, y}": _cascade_forms()["kl_divergence_rate_vy"]}
    grouped, raw = shown_forms(forms), shown_forms(forms, groups=False)
    assert all(isinstance(f, ClosedForm) for f in grouped.values())
    assert all(C.D_y in f.free_symbols for f in raw.values())
    assert r"\hat{\kappa}" not in "\n".join(quantity_lines(forms, groups=False))
    with pytest.raises(InvalidExport, match="groups must be True or False"):
        shown_forms(forms, groups="yes")


def test_a_group_symbol_the_block_prints_already_is_not_introduced():
    r"""A block that prints a symbol \hat{\kappa}_x of its own (a declared group) is not given a second one."""
    forms = {name: compact(form) for name, form in _cascade_forms().items()}
    own = sp.Symbol("kappahat_x", positive=True)
    forms["other"] = ClosedForm(own, [(own, C.kappa_x * 2)], {own: r"\hat{\kappa}_{x}"})
    out = grouped_forms(forms)
    assert not any(isinstance(f, ClosedForm) and f.definitions and f.definitions[0][1] != C.kappa_x * 2
                   for f in out.values())


# -- from a review of the change -----------------------------------------------------------------------------------

@pytest.mark.parametrize("form", ["a*tanh(100*b)", "a + exp(-200*b)", "a*Max(b, 50)", "a + Min(b, 1/5)",
                                  "a*(1 + Heaviside(b - 40))"])
def test_a_parameter_whose_effect_shows_far_from_the_points_is_not_taken_for_free(form):
    """Sampled at 0.3-30 and moved by 37/23, b seemed not to matter (a spurious rescaling {b: 1}, and in_groups set
    it to 1); the rescaling is confirmed by factors far from 1 too."""
    a, b = sp.symbols("a b", positive=True)
    found = scale_symmetries([sp.sympify(form, locals={"a": a, "b": b})])
    assert not any(set(w) == {b} for w in found), found


def test_a_form_the_numbers_cannot_evaluate_is_not_looked_at():
    t, g, k, D = sp.symbols("t gamma kappa D", positive=True)
    forms = {"a": sp.DiracDelta(t - 1 / g) * k**2 / D, "b": k**2 / D}
    assert scale_symmetries([forms["a"]]) == []
    assert grouped_forms(forms) == forms


def test_a_weight_is_found_whichever_symbol_leads():
    """b^3/a^5 and a^3/b^5 have the same rescaling up to naming; the echelon form gave 3/5 in one (refused) and 5/3 in
    the other."""
    a, b, g = sp.symbols("a b g", positive=True)
    assert scale_symmetries([a**3 / b**5 + g]) == [{a: 5, b: 3}]
    assert scale_symmetries([b**3 / a**5 + g]) == [{a: 3, b: 5}]


def test_groups_of_parameters_not_declared_positive_and_clashing_names_are_refused():
    x, y = sp.symbols("x y", real=True)
    with pytest.raises(ModelError, match="not declared positive"):
        in_groups(x / sp.Abs(y), [{x: 1, y: 1}], [y])
    k, D = sp.symbols("kappa D", positive=True)
    own = sp.Symbol("kappahat", positive=True)
    with pytest.raises(ModelError, match="would be named"):
        in_groups(k**2 / D + own, [{k: 1, D: 2}], [D])


def test_a_large_block_is_left_to_the_cheap_path():
    """36 parameters: the grouped forms (23) would take the presentation pass's full path, minutes each."""
    n = 12
    k, D, g = (sp.symbols(f"{p}_1:{n + 2}", positive=True) for p in ("kappa", "D", "gamma"))
    form = sp.Add(*[k[i] ** 2 * D[i] / (D[i + 1] * (g[i] + g[i + 1])) for i in range(n)])
    assert grouped_forms({"f": form}) == {"f": form}


def test_a_group_the_glossary_has_already_gets_no_second_row():
    forms = {name: compact(form) for name, form in _cascade_forms().items()}
    shown = list(grouped_forms(forms).values())
    rows = group_rows(shown)
    assert group_rows(shown, rows[:1]) == rows[1:]


def test_the_other_public_functions_refuse_bad_input_by_name():
    from thermotheory.core.presentation import positive_sums

    k, D = sp.symbols("kappa D", positive=True)
    with pytest.raises(ModelError, match="fixed_choices"):
        fixed_choices({k: 1, D: 2})
    with pytest.raises(ModelError, match="group_rows"):
        group_rows(k / D)
    with pytest.raises(ModelError, match="positive_sums: expected a mapping"):
        positive_sums([k - D], [(k, 1)])
    assert fixed_choices([]) == [()] and group_rows([]) == []  # (nothing to fix, nothing to say)
