r"""A result written through the name of a result above it that it holds as terms (issue #24).

The tracking report printed :math:`\dot S^{\mathrm{tot}} = \frac{\Sigma_{w w} - 2 \kappa \Sigma_{x w} + \dots}
{\sigma_w^2 \tau_w} + \frac{\Sigma_{x x} - \dots}{\sigma_n^2 \tau_n}` two lines below :math:`\Phi_w`, its first term;
the BCM report likewise. An author writes :math:`\dot S^{\mathrm{tot}} = \Phi_w + \dots`. Each written form is checked
equal to the form it replaces with the names put back (at random points), and the refusals are tested one by one.
"""

from __future__ import annotations

import pytest
import sympy as sp

from thermotheory.core.closedform import ClosedForm, latex_of
from thermotheory.core.presentation import equal_at_random_points
from thermotheory.errors import InvalidExport
from thermotheory.export.derivation import quantity_lines, through_earlier

a, b, c, d = sp.symbols("a b c d", positive=True)
PHI = a / (b + c) + b**2 / (a + c)  # (two terms, well over THROUGH_MIN_SIZE glyphs)
PSI = c**2 / (a + d)


def _back(form: ClosedForm, shown: dict) -> sp.Expr:
    """The written form with each earlier result's name replaced by that result's form."""
    by_name = {s: shown[label] for s, label in form.names.items() if label in shown}
    return form.expr.xreplace(by_name)


def test_a_sum_holding_an_earlier_result_is_written_through_its_name():
    shown = {r"\Phi": PHI, r"\sigma": PHI + c * d}
    out = through_earlier(shown)
    assert list(out) == [r"\sigma"]
    assert out[r"\sigma"].latex() == r"\Phi + c d"
    assert equal_at_random_points(_back(out[r"\sigma"], shown), shown[r"\sigma"])


def test_two_earlier_results_the_largest_first_both_named():
    shown = {r"\Psi": PSI + a * b / (c + d), r"\Phi": PHI, r"\sigma": PHI + PSI + a * b / (c + d) + d}
    form = through_earlier(shown)[r"\sigma"]
    assert form.latex().startswith(r"\Psi + \Phi + ") or form.latex().startswith(r"\Phi + \Psi + "), form.latex()
    assert equal_at_random_points(_back(form, shown), shown[r"\sigma"])


def test_results_above_the_block_count_too():
    out = through_earlier({r"\sigma": PHI + d}, before=[{r"\Phi": PHI}])
    assert out[r"\sigma"].latex() == r"\Phi + d"


@pytest.mark.parametrize("shown, before", [
    ({r"\sigma": PHI + d, r"\Phi": PHI}, ()),  # the result it holds comes after it
    ({r"\Phi": PHI, r"\sigma": PHI}, ()),  # the whole form: printed as equal (same_as_earlier), not here
    ({r"\chi": 1 / a, r"\sigma": 1 / a + b}, ()),  # a short form reads as well written out
    ({r"\lim \Phi": PHI, r"\sigma": PHI + d}, ()),  # a label that is no symbol
    ({r"\Phi": PHI, r"\sigma": a / (b + c) + d}, ()),  # only some of its terms
    ({r"\sigma": PHI + d}, [{r"\Phi": PHI}, {r"\Phi": PHI + 1}]),  # one name, two values on the page
])
def test_no_result_is_written_through_a_name_that_would_mislead(shown, before):
    assert through_earlier(shown, before) == {}


def test_a_structured_form_is_written_through_a_name_only_with_the_same_definitions():
    S = sp.Symbol("S_1")
    names = {S: r"\Sigma_{w w}"}
    phi = ClosedForm(S / (b + c) + b**2 / (a + c), [(S, a**2 + b)], names)
    total = ClosedForm(S / (b + c) + b**2 / (a + c) + d, [(S, a**2 + b)], names)
    form = through_earlier({r"\Phi_{w}": phi, r"\dot S": total})[r"\dot S"]
    assert latex_of(form.expr, symbol_names=form.names) == r"\Phi_{w} + d"
    assert dict(form.definitions) == {S: a**2 + b}
    other = ClosedForm(S / (b + c) + b**2 / (a + c) + d, [(S, a**2 + 2 * b)], names)  # S means another thing
    assert through_earlier({r"\Phi_{w}": phi, r"\dot S": other}) == {}


def test_the_page_lines_print_the_written_form():
    lines = quantity_lines({r"\Phi": PHI, r"\sigma": PHI + c * d})
    assert r"\sigma &= \Phi + c d" in lines, lines


@pytest.mark.parametrize("shown, before", [("sigma", ()), ({r"\sigma": PHI}, {r"\Phi": PHI}), ({}, [3])])
def test_bad_input_is_refused_by_name(shown, before):
    with pytest.raises(InvalidExport, match="through_earlier"):
        through_earlier(shown, before)



def test_the_relaxation_report_writes_entropy_production_as_heat_plus_entropy_change():
    """The report, end to end: ``\\Delta S_{tot}(t) = Q(t) + \\frac12 \\ln(\\dots)`` (the heat printed above it), and a
    single variable's initial state stated by its variance, not as a 1 x 1 matrix."""
    from thermotheory.catalog import entry
    from thermotheory.cli import report_tex
    tex = report_tex(entry("relaxation"))
    line = next(t for t in tex.splitlines() if t.startswith(r"\Delta S_{\mathrm{tot}}(t) &= "))
    assert line.startswith(r"\Delta S_{\mathrm{tot}}(t) &= Q(t) + \frac{1}{2} \ln"), line
    assert r"of mean zero and variance $s_{0}$" in tex


t, tau, tau_r, lam, s_mu, sig = sp.symbols("t tau_w tau_r lambda s_mu sigma_w", positive=True)


def _learning_ramp() -> dict:
    """The learning-under-a-ramp section's information, heat and efficiency, typed from the synapse page."""
    decay = sp.exp(-t / tau)
    i1 = sp.log(1 + lam**2 * s_mu**2 * (t - tau * (1 - decay))**2 / (sig**2 * tau_r**2)) / 2
    i2 = sp.log(1 + lam**2 * s_mu**2 * (tau_r - tau * (sp.exp(tau_r / tau) - 1) * decay)**2 / (sig**2 * tau_r**2)) / 2
    q1 = lam**2 * s_mu**2 * tau * (2 * t - tau * (1 - decay) * (3 - decay)) / (2 * sig**2 * tau_r**2)
    q2 = lam**2 * s_mu**2 * tau * (2 * tau_r - tau * (sp.exp(tau_r / tau) - 1) * (
        sp.exp((tau_r - 2 * t) / tau) + 2 * sp.exp(-tau_r / tau) - decay**2)) / (2 * sig**2 * tau_r**2)
    ramp = t < tau_r
    return {r"I_{t}(w; \mu)": sp.Piecewise((i1, ramp), (i2, True)), r"Q_{w}(t)": sp.Piecewise((q1, ramp), (q2, True)),
            r"\eta(t)": sp.Piecewise((1 / (1 + q1 / i1), ramp), (1 / (1 + q2 / i2), True))}


def test_a_long_efficiency_is_written_as_the_ratio_it_is_defined_by():
    shown = _learning_ramp()
    form = through_earlier(shown)[r"\eta(t)"]
    assert form.latex() == r"\frac{I_{t}(w; \mu)}{I_{t}(w; \mu) + Q_{w}(t)}"
    assert equal_at_random_points(_back(form, shown), shown[r"\eta(t)"])


def test_no_ratio_for_a_short_form_an_unequal_one_or_names_of_another_block():
    i, q = sp.log(1 + a / b) / 2, a * c / b
    assert through_earlier({"I": i, "Q": q, r"\eta": i / (i + q)}) == {}  # short: its explicit form reads well
    shown = _learning_ramp()
    shown[r"\eta(t)"] = shown[r"\eta(t)"] * (1 + a)  # long, but no ratio of the two
    assert r"\eta(t)" not in through_earlier(shown)
    ramp = _learning_ramp()
    eta = {r"\eta(t)": ramp.pop(r"\eta(t)")}
    assert through_earlier(eta, before=[ramp]) == {}  # (a ratio only of the results of its own block)


def test_a_name_of_the_same_block_means_its_own_result():
    # \Phi means another form in a block above; in this block, the one printed just before
    out = through_earlier({r"\Phi": PHI, r"\sigma": PHI + d}, before=[{r"\Phi": PSI}])
    assert out[r"\sigma"].latex() == r"\Phi + d"


def test_a_page_decides_the_ratio_on_its_printed_lines():
    """quantity_lines writes the long efficiency as the ratio; a form whose printed lines are short (the layout named
    the sums it holds: the synapse page's dimensionless efficiency over ``C_1``) keeps its explicit form."""
    from thermotheory.export.derivation import _long_ratios
    shown = _learning_ramp()
    lines = quantity_lines(shown)
    assert r"\eta(t) &= \frac{I_{t}(w; \mu)}{I_{t}(w; \mu) + Q_{w}(t)}" in lines, lines
    results = [(n, f, None) for n, f in shown.items()]
    long_lines = [(f, n + " &= " + latex_of(f)) for n, f in shown.items()]
    assert list(_long_ratios(results, long_lines)) == [r"\eta(t)"]
    short_lines = long_lines[:2] + [(shown[r"\eta(t)"], r"\eta(t) &= \frac{(1 + a) C_{1}}{b C_{2}}")]
    assert _long_ratios(results, short_lines) == {}


def test_a_result_labelled_as_a_quotient_keeps_its_form():
    # the decoder page's \epsilon^2_{v|x} / var(v|x) printed "= \frac{\epsilon^2_{v|x}}{var(v|x)}": its own label
    shown = _learning_ramp()
    eta = shown.pop(r"\eta(t)")
    shown[r"\eta(t) / 1"] = eta
    assert through_earlier(shown) == {}
    results = [(n, f, None) for n, f in shown.items()]
    assert _long_ratios_of(results, shown) == {}


def _long_ratios_of(results, shown):
    from thermotheory.export.derivation import _long_ratios
    return _long_ratios(results, [(f, n + " &= " + latex_of(f)) for n, f in shown.items()])


# -- from a review of the above ---------------------------------------------------------------------------------------

def test_definitions_are_compared_down_their_chain():
    # C_2 = C_1 + a alike in both forms, but C_1 another value: \Phi's form is not a term of \sigma's
    C1, C2, p, q = sp.symbols("C_1 C_2 p q", positive=True)
    phi = ClosedForm(C2 / (b + c) + b**2 / (a + c), [(C1, p), (C2, C1 + a)])
    other = ClosedForm(C2 / (b + c) + b**2 / (a + c) + d, [(C1, q), (C2, C1 + a)])
    assert through_earlier({r"\Phi": phi, r"\sigma": other}) == {}
    same = ClosedForm(C2 / (b + c) + b**2 / (a + c) + d, [(C1, p), (C2, C1 + a)])
    assert latex_of(through_earlier({r"\Phi": phi, r"\sigma": same})[r"\sigma"].expr,
                    symbol_names=through_earlier({r"\Phi": phi, r"\sigma": same})[r"\sigma"].names) == r"\Phi + d"


def test_a_sum_of_two_results_is_both_names_and_names_go_before_a_constant():
    other = a * d / (b + c) + c**2 / (a + d)
    shown = {r"\Phi_x": PHI, r"\Phi_w": other, r"\sigma": PHI + other}
    form = through_earlier(shown)[r"\sigma"]
    assert form.latex() == r"\Phi_x + \Phi_w"
    assert equal_at_random_points(_back(form, shown), shown[r"\sigma"])
    assert through_earlier({r"\Phi_x": PHI, r"\sigma": PHI + 2})[r"\sigma"].latex() == r"\Phi_x + 2"


def test_result_names_must_be_strings():
    with pytest.raises(InvalidExport, match="strings"):
        through_earlier({1: PHI, 2: PHI + d})


def test_a_ratio_is_found_though_a_result_in_it_is_written_through_a_name():
    # Q = \Phi_w + ...: the layout's first pass printed Q through \Phi_w, whose name has no value of its own
    decay = sp.exp(-t / tau)
    i = sp.log(1 + lam**2 * s_mu**2 * (t - tau * (1 - decay))**2 / (sig**2 * tau_r**2)) / 2
    phi = sp.log(1 + a**2 * s_mu**2 / (sig**2 + c)) / 2
    q = phi + c * (1 - sp.exp(-t / b))**2 / ((a + b) * (b + tau_r))
    shown = {r"I_{t}": i, r"\Phi_{w}": phi, r"Q_{w}": q, r"\eta": i / (i + q)}
    lines = quantity_lines(shown)
    assert any(ln.startswith(r"Q_{w} &= \Phi_{w} ") for ln in lines), lines
    assert r"\eta &= \frac{I_{t}}{I_{t} + Q_{w}}" in lines, lines


def _structured(expr: sp.Expr, **entries: sp.Expr) -> ClosedForm:
    """A form written through named entries (each a sum of the parameters), as the engine's structured forms are."""
    names = {sp.Symbol(k, positive=True): v for k, v in entries.items()}
    by = {k: s for s, k in zip(names, entries)}
    return ClosedForm(expr(**by), list(names.items()), {s: rf"\Sigma_{{{k[1:]}}}" for s, k in zip(names, entries)})


def test_a_short_form_through_named_entries_is_written_as_its_ratio():
    """The synapse page printed :math:`\\eta_w` as a quotient of determinants and entries (60 glyphs, under
    :data:`RATIO_MIN_SIZE`): no closed form in the parameters, and the ratio :math:`l_w / \\Phi_w` it is defined by says
    the same. A short form in the parameters, or in dimensionless groups (a product of powers), keeps its form."""
    from thermotheory.export.derivation import RATIO_MIN_SIZE, printed_size
    entries = {"Sab": a / (b + c), "Scd": c / (a + d)}
    heat = _structured(lambda Sab, Scd: (Sab + 2 * Scd) / (b * (c + d)), **entries)
    info = _structured(lambda Sab, Scd: Sab * Scd / (1 + Scd), **entries)
    eta = _structured(lambda Sab, Scd: b * (c + d) * Sab * Scd / ((1 + Scd) * (Sab + 2 * Scd)), **entries)
    assert printed_size(eta.expr) < RATIO_MIN_SIZE
    shown = {r"\Phi": heat, "l": info, r"\eta": eta}
    form = through_earlier(shown)[r"\eta"]
    assert form.latex() == r"\frac{l}{\Phi}"
    assert equal_at_random_points(_back(form, {n: f.explicit() for n, f in shown.items()}), eta.explicit())
    assert r"\eta &= \frac{l}{\Phi}" in quantity_lines(shown)
    # the same forms written out in the parameters are short: they keep their form
    assert r"\eta" not in through_earlier({n: f.explicit() for n, f in shown.items()})
    # in a group (a product of powers) rather than an entry: a closed form a reader evaluates, kept
    r = sp.Symbol("r", positive=True)
    grouped = {n: ClosedForm(f.explicit().subs(a, r * b), [(r, a / b)]) for n, f in shown.items()}
    assert r"\eta" not in through_earlier(grouped)


def test_a_long_balance_is_written_as_the_difference_it_equals():
    r"""The decoder's page printed :math:`\dot S^{\mathrm{tot}}_x` as one fraction of two lines, over a common
    denominator: its heat rate less its information flow, which an author writes :math:`\Phi_x - l_x` (the second law
    of the subsystem). Only a long form, and only results above it; a short one keeps its form."""
    heat = a**2 * b / (c * (a + d)) + b**2 / (a + c)
    flow = a**2 * b * d / (a * b * d + c * (a + d) ** 2)  # (their difference: 127 glyphs over one denominator)
    balance = sp.factor(sp.together(heat - flow))
    shown = {r"\Phi_x": heat, "l_x": flow, r"\dot S_x": balance}
    form = through_earlier(shown)[r"\dot S_x"]
    assert form.latex() == r"\Phi_x - l_x"
    assert equal_at_random_points(_back(form, shown), balance)
    assert r"\dot S_x" not in through_earlier({r"\Phi_x": a / b, "l_x": c / d, r"\dot S_x": a / b - c / d})
    assert r"\Phi_x" not in through_earlier({r"\dot S_x": balance, r"\Phi_x": heat, "l_x": flow})  # (above only)


def test_a_balance_said_above_on_the_page_is_said_again_in_a_later_block():
    """A page says a relation one way in every block: the decoder's dimensionless block printed the neuron's
    entropy production in full (short there) two blocks after writing it :math:`\\Phi_x - l_x`."""
    heat = a**2 * b / (c * (a + d)) + b**2 / (a + c)
    flow = a**2 * b * d / (a * b * d + c * (a + d) ** 2)
    above = {r"\Phi_x": heat, "l_x": flow, r"\dot S_x": sp.factor(sp.together(heat - flow))}
    heat, flow = a**2 / (b + c) + d**2 / b, a**2 / (b + c) + d**2 / (a + b)  # (their difference: a d^2 / (b (a + b)))
    here = {r"\Phi_x": heat, "l_x": flow, r"\dot S_x": sp.factor(sp.together(heat - flow))}
    assert through_earlier(here) == {}  # (alone, the short form is kept)
    assert through_earlier(here, [above])[r"\dot S_x"].latex() == r"\Phi_x - l_x"
    assert quantity_lines(here, before=[above])[-1] == r"\dot S_x &= \Phi_x - l_x"
    other = {r"\Phi_x": heat, "l_x": flow, r"\dot S_y": above[r"\dot S_x"]}  # (another label above: not said there)
    assert through_earlier(here, [other]) == {}


def test_the_decoder_page_writes_the_neurons_entropy_production_as_its_balance():
    from pathlib import Path
    page = (Path(__file__).parents[1] / "docs" / "derivations" / "decoder.tex").read_text()
    balance = r"\dot S^{\mathrm{tot}}_{x} &= \Phi_{x} - l_{x}"
    assert sum(line.startswith(balance) and line[len(balance):].strip() in ("", "\\\\")
               for line in page.splitlines()) == 2  # (in the parameters, and in the dimensionless groups)


# --- a result proportional to an earlier one: a monomial times its name ---------------------------------------

T, g, u, t, k = sp.symbols("T gamma u t k", positive=True)
X_MEAN = u * (t - g / k * (1 - sp.exp(-k * t / g)))  # the dragged trap's <x>(t), <W>(t) = gamma u <x>(t)


def test_a_result_proportional_to_an_earlier_one_is_written_as_its_multiple():
    """The particle page printed var W(t) = 2 T gamma u^2 (t - ...) under <W>(t) = gamma u^2 (t - ...); an author
    writes var W = 2 T <W> (the work's fluctuation-dissipation relation) and <W> = gamma u <x>."""
    shown = {r"\langle x \rangle(t)": X_MEAN, r"\langle W \rangle(t)": g * u * X_MEAN,
             r"\operatorname{var} W(t)": 2 * T * g * u * X_MEAN}
    out = through_earlier(shown)
    assert out[r"\langle W \rangle(t)"].latex() == r"\gamma u \langle x \rangle(t)"
    # the shortest multiple, not the first result above it holds: 2 T <W>, not 2 T gamma u <x>
    assert out[r"\operatorname{var} W(t)"].latex() == r"2 T \langle W \rangle(t)"
    for name, form in out.items():
        assert equal_at_random_points(_back(form, shown), shown[name])


def test_a_multiple_with_a_short_rational_factor_is_written_a_long_one_or_a_small_gain_is_not():
    shown = {r"\langle x \rangle(t)": X_MEAN, r"\langle W \rangle(t)": (g + T) * u * X_MEAN}  # (a rational factor)
    assert through_earlier(shown)[r"\langle W \rangle(t)"].latex() == r"u \left(T + \gamma\right) \langle x \rangle(t)"
    shown = {r"\langle x \rangle(t)": X_MEAN, r"\langle W \rangle(t)": (g**2 + T**2 + k) * u * X_MEAN}  # (too long)
    assert r"\langle W \rangle(t)" not in through_earlier(shown)
    shown = {r"\langle x \rangle(t)": X_MEAN, "W": g**3 * u**2 * T**2 * k**3 * X_MEAN / 7}  # (a factor of 7 glyphs+)
    assert "W" not in through_earlier(shown)
    shown = {"y": t + k, "z": 2 * (t + k)}  # (an earlier result too short to be named: THROUGH_MIN_SIZE)
    assert "z" not in through_earlier(shown)
    shown = {"2 D": X_MEAN, "V": 3 * X_MEAN}  # (a label led by a number: 3 \cdot 2 D would read as numbers)
    assert "V" not in through_earlier(shown)


def test_a_label_led_by_a_number_follows_a_factor_with_no_number_apart():
    """The currents page printed 2 D[J_vx] as two fractions; it is sigma_n^4 / g^2 times 2 D[Q_x] above it, as an
    author writes it (a thin space between the factor and the label's number)."""
    sn = sp.Symbol("sigma_n", positive=True)
    shown = {"2 D[Q]": X_MEAN, "2 D[J]": sn**4 / g**2 * X_MEAN, "V": -sn**4 / g**2 * X_MEAN}
    out = through_earlier(shown)
    assert out["2 D[J]"].latex() == r"\frac{\sigma_{n}^{4}}{\gamma^{2}}\, 2 D[Q]"
    assert out["V"].latex() == r"- 2 D[J]"  # (the nearest, minus: no factor to set apart)
    for name in ("2 D[J]", "V"):
        assert equal_at_random_points(_back(out[name], shown), shown[name])


def test_the_factor_is_found_at_one_point_and_checked_at_random_points():
    from thermotheory.export.derivation import _monomial_ratio
    assert _monomial_ratio(2 * T * g * X_MEAN, X_MEAN) == 2 * T * g
    assert _monomial_ratio(sp.sqrt(T) * X_MEAN / (3 * k**2), X_MEAN) == sp.sqrt(T) / (3 * k**2)
    assert _monomial_ratio(X_MEAN + 1, X_MEAN) is None
    assert _monomial_ratio((T + g) * X_MEAN, X_MEAN) is None


def test_terms_left_that_add_to_a_result_above_are_written_by_its_name():
    """The information-rates page: sigma = D_vx + three terms, the two last the KL rate D_xy (factored otherwise);
    now sigma = D_vx + D_xy."""
    d_vx = a**2 * b / ((b + c) * (c + d))
    d_xy = c**2 / (b + d) * (1 + a**2 / ((b + c) * (a + d)))  # (a product: its terms are not sigma's)
    parts = [c**2 / (b + d), a**2 * c**2 / ((b + c) * (a + d) * (b + d))]  # (D_xy's terms, as sigma holds them)
    shown = {r"\dot D_{v, x}": d_vx, r"\dot D_{x, y}": d_xy, r"\sigma": sp.Add(d_vx, *parts)}
    form = through_earlier(shown)[r"\sigma"]
    assert form.latex() == r"\dot D_{v, x} + \dot D_{x, y}", form.latex()
    assert equal_at_random_points(_back(form, shown), shown[r"\sigma"])
    # terms left that add to no result stay written out
    shown[r"\sigma"] = sp.Add(d_vx, *parts, a * b)
    assert r"\dot D_{x, y}" not in through_earlier(shown)[r"\sigma"].latex()


def test_a_balance_names_the_nearest_of_two_results_of_one_value():
    """The sensor page: Phi_r printed as equal to sigma above it; its entropy production is Phi_r - l_r (the
    sensor's second law), not sigma - l_r."""
    phi = a**2 * b / (c * (c + d) * (a + b + d)) + b**3 / (c * (a + c) * (a + d))
    flow = a**2 * b**2 / (c * (c + d) * (a + b + d) * (b + c + d))
    shown = {r"\sigma": phi, r"\Phi_{r}": phi, r"l_{r}": flow, r"\sigma_{r}": sp.factor(phi - flow)}
    form = through_earlier(shown)[r"\sigma_{r}"]
    assert form.latex() == r"\Phi_{r} - l_{r}", form.latex()


def test_terms_left_in_a_dimensionless_group_add_to_a_result_above_defined_alike():
    """The information-rates page writes its rates in groups (hat kappa, defined under "where"): the terms left are
    compared in the group, as the earlier result writes them."""
    kh = sp.Symbol("kappa_hat", positive=True)
    defs = ((kh, a * sp.sqrt(b / c)),)
    names = {kh: r"\hat{\kappa}"}
    d_vx = kh**2 * b / ((b + c) * (c + d))
    d_xy = c**2 / (b + d) * (1 + kh**2 / ((b + c) * (a + d)))
    parts = [c**2 / (b + d), kh**2 * c**2 / ((b + c) * (a + d) * (b + d))]
    shown = {r"\dot D_{v, x}": ClosedForm(d_vx, defs, names), r"\dot D_{x, y}": ClosedForm(d_xy, defs, names),
             r"\sigma": ClosedForm(sp.Add(d_vx, *parts), defs, names)}
    assert through_earlier(shown)[r"\sigma"].latex(where=False) == r"\dot D_{v, x} + \dot D_{x, y}"
    # defined otherwise in the earlier result: not the same sum
    shown[r"\dot D_{x, y}"] = ClosedForm(d_xy, ((kh, 2 * a),), names)
    assert r"\dot D_{x, y}" not in through_earlier(shown)[r"\sigma"].latex(where=False)


def test_a_multiple_in_a_block_of_dimensionless_groups_takes_a_factor_it_prints():
    """The dragged trap's block in groups (hat u, hat t under "where"): var W(t) = 2 T <W>(t) there too, T being a
    parameter the block prints; a factor in the parameters that a group stands for would print them raw."""
    uh, th = sp.symbols("u_hat t_hat", positive=True)
    defs = ((uh, u * sp.sqrt(g / (k * T))), (th, k * t / g))
    names = {uh: r"\hat{u}", th: r"\hat{t}"}
    mean = T * uh**2 * (th + sp.exp(-th) - 1)
    shown = {r"\langle W \rangle(t)": ClosedForm(mean, defs, names),
             r"\operatorname{var} W(t)": ClosedForm(2 * T * mean, defs, names)}
    assert through_earlier(shown)[r"\operatorname{var} W(t)"].latex() == r"2 T \langle W \rangle(t)"
    # mean / hat t is gamma / (k t) times <W>: a factor in parameters the groups stand for, written in the groups
    shown[r"\operatorname{var} W(t)"] = ClosedForm(mean / th, defs, names)
    assert through_earlier(shown)[r"\operatorname{var} W(t)"].latex() == r"\frac{\langle W \rangle(t)}{\hat{t}}"
    # a form that prints hat t alone, hat t / (T hat u^2) times <W>: no product of its own symbols, left written out
    shown[r"\operatorname{var} W(t)"] = ClosedForm(th * (th + sp.exp(-th) - 1), defs, names)
    assert r"\operatorname{var} W(t)" not in through_earlier(shown)


def test_a_result_a_rational_function_times_an_earlier_one_is_written_so():
    """The heat-engine page printed the power as two fractions under the work per cycle W(t_1 + t_3) it is minus
    over the cycle's duration: P = -W(t_1 + t_3) / (t_1 + t_3), as an author writes it. A label whose sum stands in
    its argument is one symbol; a sum outside its brackets is not."""
    t1, t3, w1, w2, th, tc = sp.symbols("t_1 t_3 w_1 w_2 T_h T_c", positive=True)
    A, L = (sp.sqrt(w2) - sp.sqrt(w1)) ** 2, sp.log(w2 / w1)
    W = (1 / t1 + 1 / t3) * A - (th - tc) * L / 2
    P = (th - tc) * L / (2 * (t1 + t3)) - A / (t1 * t3)
    shown = {"W(t_1 + t_3)": W, "P": P}
    out = through_earlier(shown)
    assert out["P"].latex() == r"- \frac{W(t_1 + t_3)}{t_{1} + t_{3}}"
    assert equal_at_random_points(_back(out["P"], shown), P)
    assert "P" not in through_earlier({"W + Q": W, "P": P})
    assert "P" not in through_earlier({"W(t_1 + t_3)": W, "P": P + sp.log(t1)})  # (no rational factor)


def test_an_efficiency_minus_a_ratio_of_two_results_is_written_so():
    """The heat-engine page printed the efficiency as a fraction of 86 glyphs; it is -W / Q_h, the work per cycle
    over the heat drawn from the hot bath, both printed above it."""
    t1, t3, w1, w2, th, tc = sp.symbols("t_1 t_3 w_1 w_2 T_h T_c", positive=True)
    A, L = (sp.sqrt(w2) - sp.sqrt(w1)) ** 2, sp.log(w2 / w1)
    W = (1 / t1 + 1 / t3) * A - (th - tc) * L / 2
    Qh = th * L / 2 - A / t1
    eta = sp.factor(sp.together(-W / Qh))
    shown = {"W(t_1 + t_3)": W, "Q_{h}": Qh, r"\eta": eta}
    form = through_earlier(shown)[r"\eta"]
    assert form.latex() == r"- \frac{W(t_1 + t_3)}{Q_{h}}", form.latex()
    assert equal_at_random_points(_back(form, shown), eta)


def test_a_factor_rewritten_in_the_groups_is_checked_as_written():
    """In a block of groups a factor u / sqrt(gamma) in the parameters was rewritten sqrt(Pe) (Pe = u^2 / gamma) and
    the unrewritten factor checked: sqrt(Pe) is |u| / sqrt(gamma), wrong for u < 0 (review). A number the rewriting
    brings in keeps a label led by a number from taking the factor."""
    uu = sp.Symbol("u", real=True)
    tau, gam, T2, tt_ = sp.symbols("tau gamma T t", positive=True)
    pe, vv = sp.Symbol("Pe", positive=True), sp.Symbol("v", real=True)
    defs = ((pe, uu**2 / gam), (vv, uu / gam))
    names = {pe: r"\mathrm{Pe}", vv: "v"}
    inner = T2 * pe * (tt_ / tau + sp.exp(-tt_ / tau) - 1) * (1 + T2 / tau + sp.log(1 + tt_ / tau))
    shown = {r"\langle W \rangle(t)": ClosedForm(inner, defs, names), "J(t)": ClosedForm(vv * sp.sqrt(gam) * inner,
                                                                                        defs, names)}
    out = through_earlier(shown)
    if "J(t)" in out:  # (written only as it is: checked at points of both signs of u)
        back = out["J(t)"].expr.xreplace({s: inner for s in out["J(t)"].expr.free_symbols if "earlier" in s.name})
        assert equal_at_random_points(back.xreplace(dict(defs)), (vv * sp.sqrt(gam) * inner).xreplace(dict(defs)))
    assert r"\sqrt{\mathrm{Pe}}" not in (out["J(t)"].latex() if "J(t)" in out else "")
    sn, sv, snr = sp.symbols("sigma_n sigma_v SNR", positive=True)
    defs = ((snr, 4 * g**2 / sn**2),)
    inner = sv**2 * snr * (1 + snr / (1 + tau) + sp.log(1 + snr) * tau + sp.exp(-tau * snr))
    shown = {"2 D[Q]": ClosedForm(inner, defs, {snr: r"\mathrm{SNR}"}),
             "2 D[J]": ClosedForm(4 * sn**2 / snr * inner, defs, {snr: r"\mathrm{SNR}"})}
    assert "2 D[J]" not in through_earlier(shown)  # (4 sigma_n^2 / SNR times 2 D[Q] reads as a product of numbers)
