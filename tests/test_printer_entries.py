r"""A coefficient before the covariance entry it multiplies, as an author writes it (issue #24).

sympy orders a product's factors by name: the entry ``Sigma[x,w]`` sorted before ``kappa`` and the pages printed
``\Sigma_{w w} - 2 \Sigma_{x w} \kappa + \Sigma_{x x} \kappa^{2}``. The expected LaTeX is written by hand.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from thermotheory.core.closedform import latex_of

ROOT = Path(__file__).resolve().parents[1]

k, g, s = sp.symbols("kappa g sigma_w", positive=True)
Sxw, Sxx, Sww = (sp.Symbol(n) for n in ("Sigma[x,w]", "Sigma[x,x]", "Sigma[w,w]"))
NAMES = {Sxw: r"\Sigma_{x w}", Sxx: r"\Sigma_{x x}", Sww: r"\Sigma_{w w}"}


def test_entries_follow_their_coefficients():
    cases = {
        (Sww - 2 * Sxw * k + Sxx * k**2 - s**2) / s**2:
            r"\frac{\Sigma_{w w} - 2 \kappa \Sigma_{x w} + \kappa^{2} \Sigma_{x x} - \sigma_{w}^{2}}{\sigma_{w}^{2}}",
        -2 * Sxw * k: r"- 2 \kappa \Sigma_{x w}",
        Sxw * k / 2: r"\frac{\kappa \Sigma_{x w}}{2}",
        g**2 * k * Sxw * Sxx: r"g^{2} \kappa \Sigma_{x w} \Sigma_{x x}",
        # unchanged: an entry alone with a number, or below the fraction bar
        3 * Sxw: r"3 \Sigma_{x w}",
        Sxw / k: r"\frac{\Sigma_{x w}}{\kappa}",
        k / Sxw: r"\frac{\kappa}{\Sigma_{x w}}",
    }
    for expr, tex in cases.items():
        assert latex_of(expr, symbol_names=NAMES) == tex, (expr, latex_of(expr, symbol_names=NAMES))


def test_the_pages_write_the_coefficient_first():
    page = (ROOT / "docs" / "derivations" / "synapse.md").read_text()
    for line in (r"- $\Phi_{w} = \frac{\kappa \left(\kappa \Sigma_{x x} - \Sigma_{x w}\right)}",
                 r"- $\Sigma_{w w} = \kappa \Sigma_{x w} + \sigma_{w}^{2}$", r"- $\Sigma_{x x} = g \Sigma_{v x} + "):
        assert line in page, line
    for path in (ROOT / "docs" / "derivations").glob("*.md"):
        text = path.read_text()
        for entry in (r"\Sigma_{x w} \kappa", r"\Sigma_{v v} g", r"\Sigma_{v x} g"):
            assert entry not in text, (path.name, entry)


def test_review_two_numbers_side_by_side_keep_a_dot():
    """From a review: ``2 \\cdot 3^{x}`` printed as ``2 3^{x}`` (read 23^x) once the entries went last."""
    x = sp.Symbol("x", positive=True)
    assert latex_of(2 * 3**x * k * Sxw, symbol_names=NAMES) == r"2 \cdot 3^{x} \kappa \Sigma_{x w}"
    assert latex_of(-2 * 2**x * Sxw * k, symbol_names=NAMES) == r"- 2 \cdot 2^{x} \kappa \Sigma_{x w}"
