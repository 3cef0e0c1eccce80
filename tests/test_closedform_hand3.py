r"""Issue #24, hand forms of the printer: an integer a sum's terms share, a pair of sums turned, a fraction in front.

Each rule is checked on small expressions (the printed LaTeX against what a hand writes) and,
where the printer builds an equal expression to print (:func:`_content_out`,
:func:`_numbers_first`), that expression is checked equal to the input at random points with
numpy (independently of the presentation pass's mpmath check). Forms a hand leaves as they are
(``1 + x``, ``2 x + 2 y`` standing alone, ``\frac{x}{2}``, a function's argument) stay.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from thermotheory.core import presentation as P
from thermotheory.core.closedform import _content_out, _numbers_first, latex_of

a, r, x, y, u0, u1 = sp.symbols("a r x y u_0 u_1", positive=True)


def _numeric_equal(p: sp.Expr, q: sp.Expr, seed: int = 5, points: int = 20) -> bool:
    """p == q at random points (every symbol uniform in [0.05, 3]), evaluated with numpy in complex numbers."""
    names = sorted(p.free_symbols | q.free_symbols, key=lambda s: s.name)
    fp, fq = sp.lambdify(names, p, "numpy"), sp.lambdify(names, q, "numpy")
    rng = np.random.default_rng(seed)
    for _ in range(points):
        vals = rng.uniform(0.05, 3.0, size=len(names)).astype(complex)
        if not np.isclose(complex(fp(*vals)), complex(fq(*vals)), rtol=1e-10, atol=1e-13):
            return False
    return True


# --- an integer every term of a sum shares, in front: the cascade's S(0) and r q_n / 2 --------------


def test_an_integer_a_denominator_sum_shares_is_printed_in_front():
    for raw, hand in ((1 / (5 - 5 * x), r"\frac{1}{5 \left(1 - x\right)}"),
                      (r * x**4 / (2 - 2 * x), r"\frac{r x^{4}}{2 \left(1 - x\right)}"),
                      (-r / (2 - 2 * x), r"- \frac{r}{2 \left(1 - x\right)}"),
                      (3 / (6 * x + 6 * y), r"\frac{1}{2 \left(x + y\right)}")):
        assert latex_of(raw) == hand, latex_of(raw)
        printed = _content_out(raw)
        assert printed is not None and printed != raw and _numeric_equal(printed, raw)


def test_an_integer_a_factor_sum_shares_is_printed_in_front():
    for raw, hand in ((y * (2 + 2 * x), r"2 y \left(1 + x\right)"),
                      ((2 + 2 * x) / y, r"\frac{2 \left(1 + x\right)}{y}"),
                      ((2 + 2 * x) ** 2, r"4 \left(1 + x\right)^{2}")):
        assert latex_of(raw) == hand, latex_of(raw)
        assert _numeric_equal(_content_out(raw), raw)


def test_a_sum_standing_alone_a_number_and_a_functions_argument_keep_their_form():
    assert latex_of(x + 1) == "1 + x"
    assert latex_of(2 * x + 2 * y) == "2 x + 2 y"  # a whole result that is a sum: nothing taken out
    assert latex_of(x / 2) == r"\frac{x}{2}" and latex_of(sp.Rational(1, 2)) == r"\frac{1}{2}"
    assert latex_of(sp.log(2 + 2 * x)) == r"\ln{\left(2 + 2 x \right)}"
    assert latex_of(sp.sqrt(2 + 2 * x)) == r"\sqrt{2 + 2 x}"  # a root is left alone
    assert latex_of(1 / (x / 2 + y / 2)) == r"\frac{1}{x / 2 + y / 2}"  # no integer content (a solidus within)
    assert latex_of(1 / (2.0 - 2.0 * x)) == r"\frac{1}{2.0 - 2.0 x}"  # floats are not factored
    assert latex_of(1 / (x - 1)) == r"\frac{1}{x - 1}"  # one sum less a number: nothing to pair it with
    assert _content_out(2 * x + 2 * y) is None and _content_out(x / 2) is None


def test_the_cascade_page_prints_its_integers_in_front():
    from thermotheory.models import memory as M

    shown = {name: P.compact(expr) for name, expr in M.cascade_quantities(5).notation().items()}
    # (the cascade's ratio x prints as \xi)
    assert latex_of(shown["S(0)"]) == r"\frac{1}{5 \left(1 - \xi\right)}", latex_of(shown["S(0)"])
    assert latex_of(shown["r q_n / 2"]) == r"\frac{r \xi^{4}}{2 \left(1 - \xi\right)}", latex_of(shown["r q_n / 2"])


# --- sums less a number turned in pairs: (5 x - 6)/(10 x - 10) as (6 - 5 x)/(10 (1 - x)) ------------


def test_a_quotient_of_sums_less_a_number_is_written_numbers_first():
    for raw, hand in (((5 * x - 6) / (10 * x - 10), r"\frac{6 - 5 x}{10 \left(1 - x\right)}"),
                      (u1 * (2 * u0 - 1) / (u0 * (2 * u1 - 1)),
                       r"\frac{u_{1} \left(1 - 2 u_{0}\right)}{u_{0} \left(1 - 2 u_{1}\right)}"),
                      (-y * (x - 1), r"y \left(1 - x\right)")):
        assert latex_of(raw) == hand, latex_of(raw)
    for raw in ((5 * x - 6) / (10 * x - 10), u1 * (2 * u0 - 1) / (u0 * (2 * u1 - 1)), -y * (x - 1),
                ((5 * x - 6) * sp.log(x) + (5 * x - 4) * sp.log(y)) / (x - 1)):
        printed = _numbers_first(_content_out(raw) or raw)
        assert printed is not None and _numeric_equal(printed, raw), (raw, printed)
    assert _numbers_first(y * (x - 1)) is None  # one such sum and no sign to take: left as it is


def test_the_memory_information_is_written_over_ten_times_one_less_x():
    from thermotheory.models import memory as M

    raw = M.cascade_quantities(5).notation()[r"I(M; \text{strength}_0)"]
    tex = latex_of(P.compact(raw))
    # (its constant logs gathered: \ln 2 and the 10 of each log's argument are -\ln 5, numbers out of logs)
    assert r"{10 \left(1 - \xi\right)}" in tex and r"\ln 5" in tex and r"\ln 2" not in tex, tex
    assert r"10 \xi - 10" not in tex and r"5 \xi - 6" not in tex and r"5 \xi - 4" not in tex, tex


# --- a fraction times a product with a function application: the fraction in front -------------------


def test_a_fraction_times_a_sum_and_a_log_prints_the_fraction_first():
    ratio = sp.log((1 - 2 * u0) / (1 - u0 - u1))
    cases = (((1 - 2 * u0) * ratio / 2, r"\frac{1}{2} \left(1 - 2 u_{0}\right) \ln \frac{1 - 2 u_{0}}"),
             (sp.Mul(sp.Rational(-1, 2), 1 - 2 * u0, ratio), r"- \frac{1}{2} \left(1 - 2 u_{0}\right) \ln"),
             (3 * (1 - x) * sp.log(1 + x / a) / 4, r"\frac{3}{4} \left(1 - x\right) \ln{\left(1 + \frac{x}{a}"),
             (x * sp.log(1 + x / a) / 2, r"\frac{1}{2} x \ln{\left(1 + \frac{x}{a} \right)}"))  # a tall log
    for raw, lead in cases:
        tex = latex_of(raw)
        assert tex.startswith(lead), tex
        assert not tex.endswith("}{2}") and not tex.endswith("}{4}"), tex
    # short, or with a denominator of its own: one fraction, as before
    assert latex_of(x * sp.log(1 + x) / 2) == r"\frac{x \ln{\left(1 + x \right)}}{2}"
    assert latex_of((1 - x) * sp.log(1 + x) / (2 * a)) == r"\frac{\left(1 - x\right) \ln{\left(1 + x \right)}}{2 a}"
    assert latex_of(sp.exp(x) * (1 + x) / 2) == r"\frac{\left(1 + x\right) e^{x}}{2}"


def test_the_receptor_information_prints_its_halves_first():
    from thermotheory.models import receptor as R

    raw = R.receptor_quantities().notation()["I(x; y)"]
    tex = latex_of(P.compact(raw).expr)
    for u in ("u_{0}", "u_{1}"):
        assert rf"\frac{{1}}{{2}} \left(1 - 2 {u}\right) \ln" in tex, tex
    assert r"\right)}}{2}" not in tex, tex


def test_a_sum_over_a_number_that_divides_a_term_reads_longer_than_its_terms():
    s = 2 * u0 * sp.log(a) + (1 - 2 * u0) * sp.log(y)
    over = sp.Mul(sp.Rational(1, 2), s, evaluate=False)
    split = s / 2  # u_0 ln a + (1/2)(1 - 2 u_0) ln y
    assert _numeric_equal(over, split)
    assert P.reading(over).uncancelled_numbers == 1 and P.reading(split).uncancelled_numbers == 0
    assert P.size(split) < P.size(over)
    assert P.reading(sp.Mul(sp.Rational(1, 2), 1 + x, evaluate=False)).uncancelled_numbers == 0  # nothing divides


def test_a_product_with_a_decay_is_printed_without_asking_whether_its_exponent_is_constant(monkeypatch):
    """sympy's product printer simplifies every symbolic negative exponent to ask whether it is constant (half the
    printing time of a transient form); the printer hands it exponents without assumptions instead, and prints the
    same LaTeX as before."""
    k, t, g, u = sp.symbols("k t gamma u", positive=True)
    forms = [u * sp.exp(-k * t / g) / (1 + k), -3 * sp.exp(-2 * g * t) * (1 - sp.exp(-k * t)) / k,
             u * t ** (-k) * sp.exp(k * t) / g]
    expected = [r"\frac{u e^{- k t / \gamma}}{1 + k}",
                r"- \frac{3 \left(1 - e^{- k t}\right) e^{- 2 \gamma t}}{k}",
                r"\frac{t^{- k} u e^{k t}}{\gamma}"]

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"is_constant asked of {self}")

    monkeypatch.setattr(sp.Expr, "is_constant", refuse)
    assert [latex_of(f) for f in forms] == expected
    monkeypatch.undo()
    # a symbol of the exponent with its own LaTeX name keeps it
    tau = sp.Symbol("tau", positive=True)
    assert latex_of(u * sp.exp(-t / tau), symbol_names={tau: r"\tau_{\mathrm{m}}"}) == \
        r"u e^{- t / \tau_{\mathrm{m}}}"


def test_sums_turned_keep_the_sign_beside_irrational_and_complex_numbers():
    """Review of the turning rule: every number factor is one coefficient (a separate -1 beside sqrt(2) or pi took the
    sign twice), and a sum that is a number (sqrt(5) - 3, i - 3) is never turned (it was counted and left)."""
    x, y, z = sp.symbols("x y z")
    forms = [-sp.sqrt(2) * y * (x - 1), -sp.pi * (x - 1) / ((y - 1) * (z - 1)),
             -sp.sqrt(2) * (x - 1) * (y - 1) / (z - 1), (sp.sqrt(5) - 3) * (x - 1) * (y - 1),
             sp.exp(-1) * (sp.sqrt(2) - 2) * (x - 1), (-3 + sp.I) * (z - sp.Rational(5, 3))]
    rng = np.random.default_rng(5)
    for form in forms:
        turned = _numbers_first(form)
        if turned is None:
            continue
        for _ in range(5):
            point = {s: sp.Rational(int(rng.integers(-9, 10)), 7) for s in (x, y, z)}
            if any(v == 1 for v in point.values()):
                continue
            assert sp.N((turned - form).subs(point)) == 0, (form, turned)
    assert latex_of(forms[0]) == r"\sqrt{2} y \left(1 - x\right)"
    assert latex_of(forms[3]) == r"\left(\sqrt{5} - 3\right) \left(1 - x\right) \left(1 - y\right)"


def test_exponents_with_constants_print_in_sympys_order():
    """pi, e and i sort differently beside a dummy: such exponents are left to sympy as they are."""
    k, t, u, x = sp.symbols("k t u x")
    assert latex_of(x * sp.exp(-sp.pi * t)) == r"x e^{- \pi t}"
    assert latex_of(u * sp.exp(-2 * sp.pi * k * t) / (1 + k)) == r"\frac{u e^{- 2 \pi k t}}{1 + k}"
    assert latex_of(u * sp.exp(-sp.I * k * t)) == r"u e^{- i k t}"
    # and a function of time in the exponent keeps its own printing and order (a perceptron's c(t))
    alpha, nu, z = sp.symbols("alpha nu z", positive=True)
    c = sp.Function("c")(t)
    assert latex_of(sp.exp(-(z - nu * c) ** 2 / (2 + 2 * alpha * nu ** 2 * c ** 2)) * u).endswith(
        r" / \left(2 \left(1 + \alpha \nu^{2} c^{2}{\left(t \right)}\right)\right)}")
