r"""Issue #24: the numbers a logarithm's argument holds taken out, so that constant logs cancel.

The jump page printed the information a binary synapse keeps as
:math:`\frac12 (1 - S) \ln\frac{1 - S}{2} + \frac12 (1 + S) \ln\frac{1 + S}{2} + \ln 2` (48 glyphs) where a hand writes
:math:`\frac{(1 - S) \ln(1 - S) + (1 + S) \ln(1 + S)}{2}` (37): the weights of the two logs add to one, so the
:math:`\ln 2` they hold cancels the one beside them. The cascade's initial information likewise (54 glyphs, by hand 45).
Each compacted form is checked equal at random points and measured against the hand form's glyphs.
"""

from __future__ import annotations

from pathlib import Path

import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import _log_numbers_out, compact, equal_at_random_points
from thermotheory.models.memory import _binary_entropy

from .helpers import load_module

hf = load_module("_hand_forms_for_log_numbers", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

S, xi, a, b = sp.symbols("S xi a b", positive=True)


def test_the_binary_synapse_information_drops_its_constant_logs():
    e = sp.log(2) - _binary_entropy((1 + S) / 2)
    out = compact(e)
    assert equal_at_random_points(out, e)
    assert not out.has(sp.log(2)), latex_of(out)
    hand = r"\frac{(1 - S) \ln(1 - S) + (1 + S) \ln(1 + S)}{2}"
    assert hf.glyphs(latex_of(out)) <= hf.glyphs(hand), latex_of(out)


def test_the_cascade_information_within_15_percent_of_the_hand_form():
    s0 = 1 / (5 * (1 - xi))
    e = sp.log(2) - _binary_entropy((1 + s0) / 2)
    out = compact(e)
    assert equal_at_random_points(out, e)
    hand = (r"\frac{(4 - 5\xi) \ln\frac{4 - 5\xi}{5(1 - \xi)} + (6 - 5\xi) \ln\frac{6 - 5\xi}{5(1 - \xi)}}"
            r"{10(1 - \xi)}")
    assert equal_at_random_points(hf.tex_to_sympy(hand).subs(sp.Symbol("xi", positive=True), xi), e)
    assert hf.glyphs(latex_of(out)) <= 1.15 * hf.glyphs(hand), latex_of(out)


def test_numbers_of_several_primes_meet_their_own():
    # ln(1/10) is -ln 2 - ln 5: beside a ln 2 the 2s cancel and ln 5 stays
    e = sp.log(2) + sp.log((a + b) / 10)
    out = _log_numbers_out(e)
    assert equal_at_random_points(out, e)
    assert out.has(sp.log(5)) and not out.has(sp.log(2)) and not out.has(sp.log(10)), out


def test_a_form_without_numbers_in_its_logs_or_too_big_is_left():
    plain = a * sp.log(a + b) + sp.log(b)
    assert _log_numbers_out(plain) == plain
    big = sp.Add(*[sp.log((a + k * b) / 2) * (a + b) ** k for k in range(1, 40)])
    assert _log_numbers_out(big) == big
