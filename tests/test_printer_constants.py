r"""``2 \pi e \sigma^2``: a Gaussian's entropy as a hand writes it (issue #24); sympy sorts ``e`` before ``\pi``.

The learning and many-weights reports printed ``\ln(2 e \pi \sigma_w^2)``. The expected LaTeX is written by hand.
"""

from __future__ import annotations

import sympy as sp

from thermotheory.core.closedform import latex_of


def test_pi_before_e_in_a_product():
    s, a = sp.symbols("sigma_w a", positive=True)
    cases = {
        sp.log(2 * sp.pi * sp.E * s**2) / 2: r"\frac{1}{2} \ln{\left(2 \pi e \sigma_{w}^{2} \right)}",
        2 * sp.pi * sp.E * (1 + a): r"2 \pi e \left(1 + a\right)",
        -2 * sp.pi * sp.E * a: r"- 2 \pi e a",
        sp.pi * sp.E: r"\pi e",
        # over a denominator, beside a decay, a numeric factor first (review)
        sp.E * sp.pi * s / 2: r"\frac{\pi e \sigma_{w}}{2}",
        sp.E * sp.pi / a: r"\frac{\pi e}{a}",
        sp.sqrt(2) * sp.pi * sp.E * s: r"\sqrt{2} \pi e \sigma_{w}",
        # one of the two alone prints as before
        sp.pi * a / 2: r"\frac{\pi a}{2}",
        sp.E * a: r"e a",
    }
    for expr, tex in cases.items():
        assert latex_of(expr) == tex, (expr, latex_of(expr))


def test_review_coefficients_still_go_before_a_covariance_entry():
    kappa = sp.Symbol("kappa", positive=True)
    entry = sp.Symbol("Sigma[x,w]")
    tex = latex_of(2 * sp.pi * sp.E * kappa * entry, symbol_names={entry: r"\Sigma_{x w}"})
    assert tex.endswith(r"\kappa \Sigma_{x w}"), tex


def test_a_rational_power_is_written_with_a_solidus():
    d, x = sp.symbols("D_y x", positive=True)
    assert latex_of(d ** sp.Rational(3, 2)) == r"D_{y}^{3/2}"  # the cascade report printed D_{y}^{\frac{3}{2}}
    assert latex_of(x / (1 + x) ** sp.Rational(3, 2)) == r"\frac{x}{\left(1 + x\right)^{3/2}}"
    assert latex_of(sp.sqrt(x)) == r"\sqrt{x}"
