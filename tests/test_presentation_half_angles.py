r"""Issue #24: a lattice's inverse correlation length written through the half angle, as a hand writes it.

The lattice page printed :math:`\kappa = \operatorname{arcosh}(1 + \frac{a^2 m^2}{2 \lambda})` (20 glyphs; by hand
:math:`2 \operatorname{arsinh} \frac{a m}{2 \sqrt{\lambda}}`, 14). The compacted form is checked equal at random points
and measured against the hand form's glyphs.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import _half_angles, compact, equal_at_random_points

from .helpers import load_module

hf = load_module("_hand_forms_for_half_angles", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

a, m, lam, xi, k, y = sp.symbols("a m lambda xi k_1 y", positive=True)


def _glyphs_within(out: sp.Expr, hand: str, limit: float = 1.15) -> None:
    assert hf.glyphs(latex_of(out)) <= limit * hf.glyphs(hand), latex_of(out)


def test_the_lattice_correlation_length_through_the_inverse_sine():
    kappa = sp.acosh(1 + a**2 * m**2 / (2 * lam))
    out = compact(kappa)
    assert out.has(sp.asinh) and equal_at_random_points(out, kappa)
    _glyphs_within(out, r"2 \operatorname{arsinh} \frac{a m}{2 \sqrt{\lambda}}")


def test_what_is_left_as_it_is():
    propagator = a**2 / (a**2 * m**2 + 2 * lam * (1 - sp.cos(k)))  # (trigonometric: as its sums over directions)
    assert _half_angles(propagator) == propagator
    unknown = sp.acosh(1 + y - a)  # (the sign of y - a unknown: the inverse sine of its root could be imaginary)
    assert _half_angles(unknown) == unknown
