r"""A sum written as its start, then its change along the variable it runs along (issue #24).

The heat-engine page printed its width protocol's first branch
``\frac{s (\sqrt{w_2} - \sqrt{w_1})}{t_1} + \sqrt{w_1}`` and the optimal stiffness's numerator
``\lambda_i - c^2 s - c``, where its report (typed by hand) and an author write ``\sqrt{w_1} + \dots`` and
``\lambda_i - c - c^2 s``: the terms free of the variable a form runs along (a piecewise form's ``s``, the time
``t``) first. Each printed form is read back (the benchmarks' reader of the pages, independent of the printer) and
checked equal to the expression at random points.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from thermotheory.core.closedform import latex_of, theorist_order
from thermotheory.errors import ModelError

from .helpers import load_module

hand = load_module("hand_forms_running", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py")

s, t, t1, t3, tf, w1, w2, c, lam, D, x0, a = sp.symbols("s t t_1 t_3 t_f w_1 w_2 c lambda_i D x_0 a", positive=True)


def _reads_back(expr: sp.Expr, tex: str) -> None:
    names = {v.name: v for v in expr.free_symbols}
    read = hand.tex_to_sympy(tex)
    read = read.xreplace({v: names.get(v.name, v) for v in read.free_symbols})
    assert hand.equal_at_random_points(read, expr), (tex, read, expr)


def _branch(tex: str) -> str:
    return tex.split(r"\displaystyle ")[1].split(" & ")[0]


def test_a_protocols_branch_starts_from_its_value_at_the_start():
    ramp = sp.sqrt(w1) + s * (sp.sqrt(w2) - sp.sqrt(w1)) / t1
    r = sp.Piecewise((ramp, s < t1), (sp.sqrt(w2) - (s - t1) * (sp.sqrt(w2) - sp.sqrt(w1)) / t3, True))
    first = _branch(latex_of(r))
    assert first.startswith(r"\sqrt{w_{1}} + \frac{s"), first
    _reads_back(ramp, first)


def test_the_start_is_led_by_a_positive_term():
    stiffness = (lam - c**2 * s - c) / (1 + c * s) ** 2
    tex = _branch(latex_of(sp.Piecewise((stiffness, s < tf), (0, True))))
    assert tex == r"\frac{\lambda_{i} - c - c^{2} s}{\left(1 + c s\right)^{2}}", tex
    _reads_back(stiffness, tex)
    # only negative terms free of the variable: the order is left as it was (no sum led by a minus)
    assert theorist_order([s * a, -c], running=s) == [s * a, -c]


def test_the_time_runs_outside_a_piecewise_form_too():
    spread = 2 * D * t + x0**2
    assert latex_of(spread) == r"x_{0}^{2} + 2 D t"
    _reads_back(spread, latex_of(spread))
    # a positive number still first, a negative one last
    assert latex_of(1 - sp.exp(-a * t)) == r"1 - e^{- a t}"
    assert latex_of(sp.exp(a * t) - 1) == r"e^{a t} - 1"


def test_a_sum_prints_along_its_own_forms_variable_only():
    """The same sum printed inside a piecewise form running along ``s`` and then alone: the printer's memory of
    printed parts keeps the two orders apart."""
    part = s * a + w1
    inside = latex_of(sp.Piecewise((part, s < t1), (0, True)))
    assert r"w_{1} + a s" in inside, inside
    assert latex_of(part) == r"a s + w_{1}"  # (alone: sympy's order)
    assert r"w_{1} + a s" in latex_of(sp.Piecewise((part, s < t1), (0, True)))


def test_a_running_variable_that_is_not_a_symbol_is_refused():
    with pytest.raises(ModelError, match="running variable"):
        theorist_order([s, a], running="s")
