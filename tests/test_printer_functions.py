r"""A trigonometric or hyperbolic function of one token is printed without parentheses, as a logarithm is and as a
hand writes it (issue #24): ``\cos k_{1}``, ``\sinh \kappa``, ``\cos^{2} k_{1}``; the lattice page printed
``\cos{\left(k_{1} \right)}`` and ``\sinh{\left(\kappa \right)}``. The expected LaTeX is written by hand.
"""

from __future__ import annotations

import sympy as sp

from thermotheory.core.closedform import latex_of

k1, k2, ka, x, lam, a, L = sp.symbols("k_1 k_2 kappa x lambda a L", positive=True)


def test_one_token_arguments_are_bare():
    cases = {
        sp.cos(k1): r"\cos k_{1}",
        sp.sinh(ka): r"\sinh \kappa",
        sp.cos(k1) ** 2: r"\cos^{2} k_{1}",
        sp.cos(2): r"\cos 2",
        sp.sin(k1) / sp.cos(k2): r"\frac{\sin k_{1}}{\cos k_{2}}",
        # more than one token keeps its parentheses; so does a function that is not of these kinds
        sp.cosh(2 * ka): r"\cosh{\left(2 \kappa \right)}",
        sp.acosh(x): r"\operatorname{arcosh}{\left(x \right)}",
    }
    for expr, tex in cases.items():
        assert latex_of(expr) == tex, (expr, latex_of(expr))


def test_a_bare_function_in_a_product_is_never_ambiguous():
    # functions side by side read as a product; anything else after a bare function would fall under it
    assert latex_of(sp.cos(k1) * sp.sin(k2)) == r"\sin k_{2} \cos k_{1}"
    assert latex_of(x * sp.cos(k1) * sp.sin(k2)) == r"x \sin k_{2} \cos k_{1}"
    assert latex_of(sp.cos(k1) * (a + x)) == r"\left(a + x\right) \cos k_{1}"
    assert latex_of(sp.log(x) * sp.cos(k1)) == r"\left(\ln x\right) \cos k_{1}"  # the log keeps its rule
    g = a**2 * sp.cosh(ka * (L / 2 - x)) / (2 * lam * sp.sinh(ka) * sp.sinh(L * ka / 2))
    assert latex_of(g).endswith(r"{2 \lambda \sinh \kappa \sinh{\left(L \kappa / 2 \right)}}"), latex_of(g)
    # a bare function before a factor that is not one is bracketed, in whichever order sympy puts them
    f = sp.Function("f")(x)
    tex = latex_of(sp.cos(k1) * f)
    assert tex in (r"f{\left(x \right)} \cos k_{1}", r"\left(\cos k_{1}\right) f{\left(x \right)}"), tex
