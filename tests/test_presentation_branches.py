r"""Issue #24: a factor every branch of a piecewise form shares is written once, in front of the cases.

The synapse page printed the heat of learning under a ramp with :math:`\frac{\lambda^2 s_\mu^2 \tau_w}{2 \sigma_w^2
\tau_r^2}` in each of its two branches (172 glyphs; by hand, the factor in front, 137); the printer set a factor
times a piecewise form inside the fraction's numerator, the cases in brackets. Each rewritten form is checked equal at
random points; the printed form read back.
"""

from __future__ import annotations

import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import _factor_out_of_branches, compact, equal_at_random_points, size

a, b, t, T, x, y = sp.symbols("a b t T x y", positive=True)
RAMP = sp.Piecewise((t + sp.exp(-t), t < T), (T - sp.exp(-t) / 2, True))


def test_a_factor_times_cases_prints_the_factor_then_the_unbracketed_cases():
    tex = latex_of(x**2 / (2 * y) * RAMP)
    assert tex.startswith(r"\frac{x^{2}}{2 y} \begin{cases}"), tex
    assert r"\left(\begin{cases}" not in tex
    assert latex_of(-x * RAMP).startswith(r"- x \begin{cases}")
    assert latex_of((x + y) * RAMP).startswith(r"\left(x + y\right) \begin{cases}")
    # in front of the cases the fraction stands at the display's level: the branches keep display style
    assert r"\displaystyle T - \frac{e^{- t}}{2}" in tex


def test_the_branches_shared_factor_goes_in_front():
    pw = sp.Piecewise((a**2 * t / (2 * T**2), t < T), (a**2 * (2 * T - t) / (2 * T**2), True))
    out = _factor_out_of_branches(pw)
    assert out != pw and equal_at_random_points(out, pw)
    assert latex_of(out).startswith(r"\frac{a^{2}}{2 T^{2}} \begin{cases}"), latex_of(out)
    assert size(out)[0] < size(pw)[0]
    assert compact(pw) == out or size(compact(pw))[0] <= size(out)[0]


def test_no_shared_factor_or_one_of_two_signs_is_left():
    pw = sp.Piecewise((a * t, t < T), (b * T, True))  # (nothing shared)
    assert _factor_out_of_branches(pw) == pw
    pw = sp.Piecewise((t / T, t < T), (T * t, True))  # (T to the power -1 in one branch, +1 in the other)
    out = _factor_out_of_branches(pw)
    assert equal_at_random_points(out, pw)
    assert not any(f.as_base_exp()[0] == T for f in sp.Mul.make_args(out)), out
    half = sp.Piecewise((sp.log(1 + t) / 2, t < T), (sp.log(1 + T) / 2, True))  # (a number alone stays inside)
    assert _factor_out_of_branches(half) == half
    zero = sp.Piecewise((a * t, t < T), (0, True))  # (a zero branch shares any factor: one branch left, nothing done)
    assert _factor_out_of_branches(zero) == zero
