r"""A velocity relaxing from the spread ``s_0`` (the relaxation report) printed as a hand writes it (issue #24).

The report printed its entropy with a growing exponential inside the logarithm, ``(T e^{2\gamma t/m} - T + m s_0)
e^{-2\gamma t/m}``; its heat as ``(e^{-\gamma t/m} - 1)(1 + e^{-\gamma t/m})(T - m s_0)/(2T)``, what factoring leaves of
``1 - e^{-2\gamma t/m}``; its entropy production as one quotient of logarithms and a heat over ``2T``. Each form is
checked against the physics written here by hand: the variance ``T/m + (s_0 - T/m) e^{-2\gamma t/m}``, the entropy
``\frac12 \ln(2\pi e\, var)``, the heat (the kinetic energy lost over ``T``) and their sum, at random points in mpmath.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import latex_of
from thermotheory.core.presentation import (_exp_sums_multiplied, _logs_apart, _turned_in_pairs, compact,
                                            proved_positive)
from thermotheory.models import particle as P

s0 = sp.Symbol("s_0", positive=True)
T, m, g, t = P.T, P.m, P.gamma, P.t
DECAY = r"e^{- 2 \gamma t / m}"


def _hand() -> dict[str, sp.Expr]:
    var = T / m + (s0 - T / m) * sp.exp(-2 * g * t / m)
    heat = m * (s0 - var) / (2 * T)
    return {"entropy": sp.log(2 * sp.pi * sp.E * var) / 2, "heat": heat,
            "entropy_production": sp.log(var / s0) / 2 + heat}


def _engine() -> dict[str, sp.Expr]:
    model = P.free_velocity()
    return {"entropy": tt.entropy(model, P.v, t=t, initial={P.v: s0}),
            "heat": tt.heat(model, t, {P.v: s0}),
            "entropy_production": tt.entropy_production(model, t, {P.v: s0})}


def _agree(a: sp.Expr, b: sp.Expr, points: int = 6) -> None:
    rng = np.random.default_rng(3)
    names = sorted(a.free_symbols | b.free_symbols, key=str)
    fa, fb = sp.lambdify(names, a, "mpmath"), sp.lambdify(names, b, "mpmath")
    with mpmath.workdps(30):
        for _ in range(points):
            vals = [mpmath.mpf(float(v)) for v in rng.uniform(0.2, 3.0, len(names))]
            x, y = fa(*vals), fb(*vals)
            assert abs(x - y) <= mpmath.mpf(10) ** -20 * max(1, abs(y)), (a, b, vals)


def test_the_relaxation_prints_as_a_hand_writes_it():
    hand, engine = _hand(), _engine()
    shown = {k: compact(v) for k, v in engine.items()}
    for k in hand:
        _agree(shown[k], hand[k])
    entropy, heat, production = (latex_of(shown[k]) for k in ("entropy", "heat", "entropy_production"))
    # the decay carried into the sum, collected: T + (m s_0 - T) e^{-2 gamma t/m}
    assert rf"T + \left(m s_{{0}} - T\right) {DECAY}" in entropy and "e^{2" not in entropy, entropy
    # the heat: the kinetic energy lost, 1 - e^{-2 gamma t/m}, turned with the factor that takes its sign
    assert heat == rf"\frac{{\left(1 - {DECAY}\right) \left(m s_{{0}} - T\right)}}{{2 T}}", heat
    # the entropy production: a change of entropy (one log) plus the heat
    assert production.count(r"\ln") == 1 and rf"{{m s_{{0}}}}" in production, production
    assert production.endswith(rf"+ \frac{{\left(1 - {DECAY}\right) \left(m s_{{0}} - T\right)}}{{2 T}}"), production


def test_the_rewritings_one_by_one():
    x, a, b, c = sp.symbols("x a b c", positive=True)
    d = sp.exp(-x)
    # sums sharing the exponentials multiplied out; one with other exponentials left
    assert _exp_sums_multiplied((d - 1) * (1 + d) * (a - b)) == (d**2 - 1) * (a - b)
    assert _exp_sums_multiplied((d - 1) * (1 + sp.exp(-a))) == (d - 1) * (1 + sp.exp(-a))
    # a decay turned with the sum that takes its sign; none where no sum can
    assert _turned_in_pairs((sp.exp(-2 * x) - 1) * (a - b)) == (1 - sp.exp(-2 * x)) * (b - a)
    assert _turned_in_pairs((sp.exp(-2 * x) - 1) * a) == (sp.exp(-2 * x) - 1) * a
    # the logs of a quotient apart from the rest, joined, the rest factored
    split = _logs_apart((c * sp.log(a + b) - c * sp.log(a) + c - c * d) / (2 * c))
    joined = sp.log((a + b) / a)
    assert split.atoms(sp.log) == {joined} and sp.expand(split - joined / 2 - (1 - d) / 2) == 0, split
    # a log whose argument is not proved positive is left
    y = sp.Symbol("y", real=True)
    assert _logs_apart((sp.log(y) - sp.log(a) + 1) / 2) == (sp.log(y) - sp.log(a) + 1) / 2


def test_proved_positive_multiplies_out_when_it_must():
    x, a, b = sp.symbols("x a b", positive=True)
    assert proved_positive(a + (b - a) * sp.exp(-x))  # a (1 - e^{-x}) + b e^{-x}
    assert not proved_positive(a - b * sp.exp(-x))


def test_a_product_of_decays_without_cancellation_stays_factored():
    x, a = sp.symbols("x a", positive=True)
    d = sp.exp(-x)
    kept = (1 - d) * (3 - d) * a  # the dragged trap's heat: 3 - 4 e^{-x} + e^{-2x} would read no shorter
    assert _exp_sums_multiplied(kept) == kept


def test_a_gaussian_entropy_is_one_log_of_its_variance():
    r"""The learning-step report printed H_t(w) = \frac{\ln(2\pi e \sigma_w^2) + \ln(1 + \dots/\sigma_w^2)}{2}: two
    logarithms a hand joins, \frac12 \ln(2\pi e\, var w). Joining over one denominator kept 1 - e^{-t/\tau_w} whole
    (``together`` alone wrote (e^{t/\tau_w} - 1)^2 e^{-2t/\tau_w})."""
    from thermotheory.core.presentation import _logs_joined

    lam, s, tw, sw = sp.symbols("lambda s_mu tau_w sigma_w", positive=True)
    shift = lam**2 * s**2 * (1 - sp.exp(-t / tw)) ** 2
    entropy = (sp.log(2 * sp.pi * sp.E * sw**2) + sp.log(1 + shift / sw**2)) / 2
    out = compact(entropy)
    tex = latex_of(out)
    assert tex.count(r"\ln") == 1 and tex.startswith(r"\frac{1}{2} \ln{\left(2 \pi e \left("), tex
    assert r"\left(1 - e^{- t / \tau_{w}}\right)^{2}" in tex, tex
    _agree(out, sp.log(2 * sp.pi * sp.E * (sw**2 + shift)) / 2)
    y = sp.Symbol("y", real=True)  # a log of an argument not proved positive is left
    assert _logs_joined(sp.log(y) + sp.log(sw)) == sp.log(y) + sp.log(sw)


def test_proved_positive_on_degenerate_input():
    import pytest

    from thermotheory.errors import ModelError

    for bad in ("a + b", None, [1, 2]):
        with pytest.raises(ModelError, match="proved_positive"):
            proved_positive(bad)
    x = sp.Symbol("x", positive=True)
    assert not proved_positive(sp.nan) and not proved_positive(sp.Integer(0)) and proved_positive(sp.Integer(3))
    # a long form past PROOF_OPS that is negative for large x: False, and no error
    long = sp.Add(*[(-1) ** i * x**i for i in range(40)]) + 50 * sp.exp(-x)
    assert proved_positive(long) is False
