r"""Issue #24: a model's domain beyond its symbols' assumptions (``within_domain``).

A binary synapse potentiates at rate :math:`q r f` and depresses at :math:`q r (1 - f)`, so
:math:`0 < f < 1`, but a sympy symbol can only be declared positive. The presentation pass
checked its rewritings at points with :math:`f > 1` as well, refused
:math:`\ln(1/f - 1) = -\ln(f/(1 - f))`, and the heat printed 60 glyphs where a hand writes 24.
Within the model's domain the pass checks at points of the domain; the forms it returns are
checked here against the raw closed form with numpy at points of the domain (independently of
the pass's own mpmath check).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import presentation as P
from thermotheory.core.closedform import latex_of
from thermotheory.errors import ModelError
from thermotheory.models import memory as M

from .helpers import load_module

ROOT = Path(__file__).resolve().parents[1]
hf = load_module("_hand_forms_for_domain_tests", ROOT / "benchmarks" / "hand_forms.py")

f, a = sp.symbols("f a", positive=True)


def _equal_on_the_domain(x: sp.Expr, y: sp.Expr, seed: int = 3, points: int = 40) -> bool:
    """x == y with numpy at random points with 0 < f < 1 and every other symbol in [0.2, 3]."""
    names = sorted(x.free_symbols | y.free_symbols, key=lambda s: s.name)
    fx, fy = sp.lambdify(names, x, "numpy"), sp.lambdify(names, y, "numpy")
    rng = np.random.default_rng(seed)
    for _ in range(points):
        vals = [rng.uniform(0.02, 0.98) if s.name == "f" else rng.uniform(0.2, 3.0) for s in names]
        if not np.isclose(complex(fx(*vals)), complex(fy(*vals)), rtol=1e-9, atol=1e-12):
            return False
    return True


def _raw_heat() -> sp.Expr:
    return tt.heat(M.binary_synapse(), t=M.t, initial=M.potentiated_start(), raw=True)


def test_points_within_a_domain_hold_every_condition():
    with P.within_domain([1 - f]):
        points = list(P._points({f, a}, 6, 0))
    assert len(points) == 24 and all(0 < p[f] < 1 for p in points)
    assert any(p[f] > 1 for p in P._points({f, a}, 6, 0))  # (outside it, the bands reach above 1)


def test_two_bounded_symbols_are_both_sampled_within_their_bounds():
    # the cycle of magnitude bands put f and x below 1 together at no point (a cascade's 1 - f and 1 - x)
    x = sp.Symbol("x", positive=True)
    with P.within_domain([1 - f, 1 - x]):
        points = list(P._points({f, x, a}, 6, 0))
        assert P.equal_at_random_points(sp.log(1 / f - 1) + sp.log(1 / x - 1), -sp.log(f * x / ((1 - f) * (1 - x))))
    assert len(points) == 24 and all(p[f] < 1 and p[x] < 1 for p in points)
    assert len({p[a] for p in points}) > 12  # (the other symbols still spread)


def test_a_condition_on_other_symbols_is_not_applied():
    with P.within_domain([1 - f]):
        points = list(P._points({a}, 6, 0))
    assert len(points) == 24 and all(set(p) == {a} for p in points)


def test_the_binary_synapse_heat_reads_as_a_hand_writes_it_within_its_domain():
    raw = _raw_heat()
    outside = P.compact(raw)
    with P.within_domain(M.binary_synapse().domain()):
        inside = P.compact(raw)
    assert _equal_on_the_domain(inside, raw) and _equal_on_the_domain(outside, raw)
    hand = r"q \left(1 - f\right) \left(1 - e^{-q r t}\right) \ln\frac{1 - f}{f}"
    assert _equal_on_the_domain(hf.tex_to_sympy(hand), raw)
    assert hf.glyphs(latex_of(inside)) <= 1.15 * hf.glyphs(hand) < hf.glyphs(latex_of(outside)), latex_of(inside)
    assert P.current_domain() == ()
    assert P.compact(raw) == outside  # (the cache keeps the two apart)


def test_a_quantity_of_a_jump_model_is_written_within_its_domain():
    written = tt.heat(M.binary_synapse(), t=M.t, initial=M.potentiated_start())
    assert _equal_on_the_domain(written, _raw_heat())
    assert hf.glyphs(latex_of(written)) <= 30, latex_of(written)


def test_the_binary_synapse_report_prints_the_short_heat(tmp_path):
    from thermotheory.catalog import entry
    from thermotheory.export.report import report_tex

    tex = report_tex(entry("binary_synapse"))
    assert r"the model's rates are positive: $1 - f > 0$" in tex  # (said on the page)
    line = next(x for x in tex.splitlines() if x.startswith("Q(t) &="))
    printed = line.split("&=", 1)[1].rstrip(" \\")
    assert hf.glyphs(printed) <= 30, printed
    assert _equal_on_the_domain(hf.tex_to_sympy(printed), _raw_heat())


def test_a_derivation_compacts_within_its_model_domain():
    d = tt.Derivation.of(M.binary_synapse(), {"heat": tt.heat.of(t=M.t, initial=M.potentiated_start())})
    shown = d.readable("heat")
    assert hf.glyphs(latex_of(shown)) <= 30 and _equal_on_the_domain(shown, _raw_heat()), latex_of(shown)


def test_domains_of_models():
    assert M.binary_synapse().domain() == (M.q * M.r * (1 - M.f),)
    assert tt.MarkovJumpProcess({("a", "b"): a, ("b", "a"): 2 * a}).domain() == ()
    x = sp.Symbol("x", real=True)
    assert tt.LinearSDE({x: -x}, {x: a}).domain() == ()
    assert tt.LinearSDE({x: -x}, {x: 1 - a}).domain() == (1 - a,)
    assert P.domain_of(tt.LinearSDE({x: -x}, {x: 1 - a}), None, "no model", M.binary_synapse()) == (
        1 - a, M.q * M.r * (1 - M.f))


def test_a_condition_keeps_the_part_of_open_sign():
    q, r, x = sp.symbols("q r x", positive=True)
    with P.within_domain([q * r * (1 - f), f * r * x / (1 - x), (1 - f) ** 2 * (1 - a), 3 * (1 - f) ** 3]) as d:
        assert d == (1 - f, 1 - x, 1 - a)


def test_conditions_the_others_imply_are_dropped():
    # a cascade's twelve rates give 1 - f > 0 and 1 - xi > 0 (its ratio x, printed xi); the rest follow from them
    from thermotheory.catalog import entry
    from thermotheory.models import memory

    with P.within_domain(entry("cascade_synapse").domain()) as d:
        assert set(d) == {1 - f, 1 - memory.x}
    x, y, mu = sp.symbols("x y mu", positive=True)
    assert P._fewest([(1 - f) * (1 - x), 1 - f, 1 - x, f * sp.exp(mu) - f + 1, x - y]) == (1 - f, 1 - x, x - y)
    assert not P._implied(x - y + mu, [1 - f])  # (ends: a rest no shorter is not tried)
    assert not P._implied(-f, [1 - f]) and not P._implied(1 - 2 * f, [1 - f])


def test_domains_nest_and_end_with_their_block():
    with P.within_domain([1 - f]):
        with P.within_domain([a - 1, 1 - f]) as inner:
            assert inner == (1 - f, a - 1)
        assert P.current_domain() == (1 - f,)
    assert P.current_domain() == ()


@pytest.mark.parametrize("bad, found", [
    ("1 - f", "sequence"), (1 - f, "sequence"), (None, "sequence"), ([True], "real expression"),
    (["x"], "real expression"), ([-1], "holds nowhere"), ([0], "holds nowhere"), ([sp.I], "holds nowhere"),
])
def test_a_bad_domain_is_refused_by_name(bad, found):
    with pytest.raises(ModelError, match=found):
        with P.within_domain(bad):
            pass
    assert P.current_domain() == ()


def test_the_command_line_derives_within_the_model_domain():
    import io

    from thermotheory.cli import main

    out = io.StringIO()
    assert main(["derive", "binary_synapse", "heat", "--latex"], out=out) == 0
    printed = out.getvalue().split("=", 1)[1].strip()
    assert hf.glyphs(printed) <= 30 and _equal_on_the_domain(hf.tex_to_sympy(printed), _raw_heat()), printed
