r"""A quotient whose denominator holds its numerator, written once: ``(1 + Q/I)^{-1}`` (issue #24).

The learning efficiency ``I/(I + Q)`` printed its long logarithm twice (numerator and denominator); an author
writes ``\eta = (1 + Q/I)^{-1}``, the logarithm once. The reciprocal of a sum holding a fraction prints as
``\left(\dots\right)^{-1}``, so that the inner fraction keeps its full size. Values are checked against the
model's own efficiency with mpmath at 30 digits, at random points; the LaTeX is read back by the hand-set reader.
"""

from __future__ import annotations

import random
from pathlib import Path

import mpmath
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import _over_numerator, compact, size
from thermotheory.models import synapse as S

from .helpers import load_module

hf = load_module("hand_forms_reciprocal", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

a, b, c, x = sp.symbols("a b c x", positive=True)


def _agree_at_30_digits(e1: sp.Expr, e2: sp.Expr, seed: int) -> None:
    rng = random.Random(seed)
    symbols = sorted(e1.free_symbols | e2.free_symbols, key=str)
    for _ in range(5):
        point = {s: sp.Rational(rng.randint(1, 400), rng.randint(50, 200)) for s in symbols}
        with mpmath.workdps(30):
            v1, v2 = sp.N(e1.subs(point), 30), sp.N(e2.subs(point), 30)
        assert abs(v1 - v2) <= sp.Float("1e-25", 30) * (1 + abs(v1)), (point, v1, v2)


def test_the_reciprocal_of_a_sum_with_a_fraction_prints_as_a_power():
    assert latex_of(1 / (1 + a / b)) == r"\left(1 + \frac{a}{b}\right)^{-1}"
    # the rest as before: no fraction in the sum, a numerator other than one, another power
    assert latex_of(1 / (1 + a * b)) == r"\frac{1}{1 + a b}"
    assert latex_of(c / (1 + a / b)) == r"\frac{c}{1 + \frac{a}{b}}"
    assert latex_of((1 + a / b) ** -2) == r"\frac{1}{\left(1 + \frac{a}{b}\right)^{2}}"
    # a reader reads it back as the same value
    assert hf.equal_at_random_points(hf.tex_to_sympy(latex_of(1 / (1 + a / b))), 1 / (1 + a / b))


def test_a_quotient_holding_its_numerator_is_written_over_it():
    L = sp.log(1 + a / b)
    assert _over_numerator(c * L / (x + c * L)) == 1 / (1 + x / (c * L))
    assert _over_numerator(c * L / (x + 2 * c * L)) == 1 / (2 + x / (c * L))
    # a denominator without the numerator as a term: unchanged
    assert _over_numerator(c * L / (x + L)) == c * L / (x + L)
    assert _over_numerator(1 / (x + c)) == 1 / (x + c)
    assert _over_numerator(x + c) == x + c


def test_a_short_quotient_keeps_its_fraction():
    # x/(x + y) would print longer as (1 + y/x)^{-1}: compact keeps it
    assert compact(x / (x + a)) == x / (x + a)


def test_the_learning_efficiency_prints_its_logarithm_once():
    for kind in ("step", "ramp"):
        q = S.learning_quantities(kind)
        for key in ("efficiency", "efficiency_final"):
            raw = q[key]
            shown = compact(raw)
            tex = latex_of(shown)
            branches = len(raw.args) if isinstance(raw, sp.Piecewise) else 1
            assert tex.count(r"\ln") == branches, tex
            assert r"\right)^{-1}" in tex
            assert size(shown) < size(raw)
            pairs = zip(shown.args, raw.args) if branches > 1 else [((shown, True), (raw, True))]
            for (e, c1), (r, c2) in pairs:
                assert c1 == c2
                _agree_at_30_digits(e, r, seed=7)


def test_the_step_efficiency_against_information_and_heat():
    # independent: I/(Delta S + Q) from the definitions' parts, not the efficiency the model computes
    q = S.learning_quantities("step")
    direct = q["information"] / (q["entropy_change"] + q["heat"])
    _agree_at_30_digits(compact(q["efficiency"]), direct, seed=3)
    page = (Path(__file__).resolve().parents[1] / "docs" / "derivations" / "synapse.md").read_text()
    line = next(ln for ln in page.splitlines() if ln.startswith(r"- $\eta(t) = "))
    assert line.count(r"\ln") == 1 and r"\right)^{-1}$" in line
    assert hf.equal_at_random_points(hf.tex_to_sympy(line[len(r"- $\eta(t) = "):-1]),
                                     direct.subs(S.lam, sp.Symbol("lam", positive=True)))
    assert tt.latex(compact(q["efficiency"])) == line[len(r"- $\eta(t) = "):-1]
