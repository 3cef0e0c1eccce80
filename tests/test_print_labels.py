"""How the pages print a symbol's label: a word subscript upright, a group's hat on its letter, no product by one."""

import pytest
import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import dimensionless


@pytest.mark.parametrize("name, tex", [
    ("gamma_fb", r"\gamma_{\mathrm{fb}}"), ("k_on", r"k_{\mathrm{on}}"), ("I_th", r"I_{\mathrm{th}}"),
    ("tau_mem", r"\tau_{\mathrm{mem}}"), ("Delta_mu_ATP", r"\Delta\mu_{\mathrm{ATP}}"),
    # an index, a Greek letter or infinity stays as sympy sets it
    ("T_h", "T_{h}"), ("x_12", "x_{12}"), ("x_mu", r"x_{\mu}"), ("n_infty", "n_{infty}"), ("x_1", "x_{1}"),
])
def test_a_word_subscript_prints_upright(name, tex):
    assert latex_of(sp.Symbol(name)) == tex


def test_a_word_subscript_keeps_its_place_in_a_sum_and_a_given_name_wins():
    g, gf = sp.symbols("gamma gamma_fb", positive=True)
    assert latex_of(g + gf) == r"\gamma + \gamma_{\mathrm{fb}}"
    assert latex_of(gf, symbol_names={gf: r"\gamma'"}) == r"\gamma'"


def test_a_group_hat_sits_on_the_letter_and_a_scale_alone_prints_alone():
    T1, T2, tw, s2 = sp.symbols("T_1 T_2 tau_w sigma_w", positive=True)
    dims = {T1: {"E": 1}, T2: {"E": 1}, tw: {"t": 1}, s2: {"L": 1}}
    form = dimensionless(T1 * (1 - T2 / T1) + 0 * tw, dims, [T1])
    assert r"\hat{T}_{2}" in form.latex() and r"\hat{T_" not in form.latex()
    one = dimensionless(s2**2, dims, [s2])
    assert latex_of(one.expr) == r"\sigma_{w}^{2}" and r"\cdot" not in one.latex()
    assert sp.simplify(one.expr - s2**2) == 0
    minus = dimensionless(-(s2**2), dims, [s2])
    assert sp.simplify(minus.expr + s2**2) == 0 and r"\cdot" not in minus.latex()


def test_a_rate_of_change_in_the_one_time_prints_primed():
    s, t = sp.symbols("s t", real=True)
    sigma = sp.Function("sigma")
    assert latex_of(sp.Derivative(sigma(s), s) / sigma(s)) == r"\frac{\sigma'{\left(s \right)}}{\sigma{\left(s \right)}}"
    assert latex_of(sp.Derivative(sigma(s), (s, 2))) == r"\sigma''{\left(s \right)}"
    # not a function's own argument, several arguments, or a derivative of a power: as sympy writes them
    assert latex_of(sp.Derivative(sigma(s), t)) == r"\frac{d}{d t} \sigma{\left(s \right)}"
    assert latex_of(sp.Derivative(sigma(s, t), s)).startswith(r"\frac{\partial}{\partial s}")


def test_roots_below_the_fraction_bar_are_one_root():
    # the particle page defined its group as \hat{u} = \gamma u / (\sqrt{T} \sqrt{k})
    from thermotheory.models import particle as P

    form = P.UNITS(P.gamma * P.u**2 / P.T, P.OVERDAMPED_SCALES)
    hat = next(value for name, value in form.definitions if name.name == "hat_u")
    assert latex_of(hat) == r"\frac{\gamma u}{\sqrt{T k}}"
    point = {P.gamma: 1.3, P.u: 0.7, P.T: 2.1, P.k: 0.4}
    assert abs(float((hat - P.gamma * P.u / sp.sqrt(P.T * P.k)).subs(point))) < 1e-14
