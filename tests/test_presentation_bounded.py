r"""Cosines and sines collected as a hand collects them, taken from their bound (issue #24).

The lattice page printed its propagator as ``\frac{a^2}{a^2 m^2 - 2 \lambda \cos k_1 + 2 \lambda}`` and, in three
dimensions, ``a^2 m^2 - 2 \lambda (\cos k_1 + \cos k_2 + \cos k_3 - 3)``: a sum that is never positive, led by its
cosines. An author writes the dispersion ``a^2 m^2 + 2 \lambda (1 - \cos k_1)``, each term visibly positive. The
forms are compared with the model's at 30 digits (mpmath), and their LaTeX read back by the hand-set reader.
"""

from __future__ import annotations

import random
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import compact, uncollected_exponentials
from thermotheory.models import lattice as E

from .helpers import load_module

hf = load_module("hand_forms_bounded", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

x, y, z, k = sp.symbols("x y z k", positive=True)


def _agree_at_30_digits(e1: sp.Expr, e2: sp.Expr, seed: int) -> None:
    rng = random.Random(seed)
    names = sorted({s.name for s in e1.free_symbols | e2.free_symbols})  # (the reader's symbols, by name)
    with mpmath.workdps(30):
        for _ in range(5):
            at = {n: sp.Rational(rng.randint(1, 400), 97) for n in names}
            v1, v2 = (sp.N(e.subs({s: at[s.name] for s in e.free_symbols}), 30) for e in (e1, e2))
            assert abs(v1 - v2) <= sp.Float(10) ** -25 * max(1, abs(v1))


@pytest.mark.parametrize("d,dispersion", [
    (1, r"2 \lambda \left(1 - \cos k_{1}\right)"),
    (2, r"2 \lambda \left(2 - \cos k_{1} - \cos k_{2}\right)"),
    (3, r"2 \lambda \left(3 - \cos k_{1} - \cos k_{2} - \cos k_{3}\right)"),
])
def test_the_lattice_propagator_prints_its_dispersion_taken_from_its_bound(d, dispersion):
    g = E.propagator(d)
    form = compact(g)
    tex = latex_of(form)
    assert tex == rf"\frac{{a^{{2}}}}{{a^{{2}} m^{{2}} + {dispersion}}}"
    _agree_at_30_digits(form, g, seed=d)
    assert hf.equal_at_random_points(hf.tex_to_sympy(tex), hf.tex_to_sympy(latex_of(g)))  # and so reads the page


def test_a_group_of_terms_apart_in_a_cosine_is_counted_as_uncollected():
    lam, m = sp.symbols("lambda m", positive=True)
    apart = m**2 - 2 * lam * sp.cos(k) + 2 * lam
    assert uncollected_exponentials(apart) == 1
    assert uncollected_exponentials(m**2 + 2 * lam * (1 - sp.cos(k))) == 0
    assert uncollected_exponentials(m**2 - 2 * lam * sp.cosh(k) + 2 * lam) == 0  # unbounded: not collected


def test_a_sine_is_taken_from_its_bound_and_a_sum_that_reads_so_already_stays():
    s = compact(x + y * sp.sin(k) - y)
    assert latex_of(s) == r"x - y \left(1 - \sin k\right)"
    _agree_at_30_digits(s, x + y * sp.sin(k) - y, seed=4)
    kept = x + y * (1 + sp.cos(k))  # positive already: not turned
    assert latex_of(compact(kept)) == latex_of(kept)


def test_terms_of_an_exponent_are_not_grouped_by_a_sine():
    """Found by review: ``e^{a + k - k \\sin b}`` was split into ``e^{a} e^{k} e^{- k \\sin b}`` (the sine's group
    inside the exponent counted as terms left apart); an exponent's terms are its exponential's factors."""
    a, b = sp.symbols("a b", positive=True)
    e = sp.exp(a + k - k * sp.sin(b))
    assert uncollected_exponentials(e) == 0
    out = compact(e)
    assert latex_of(out).count("e^{") == 1, latex_of(out)
    _agree_at_30_digits(out, e, seed=7)
