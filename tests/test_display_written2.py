r"""Model equations as an author writes them, continued (issue #24): in a drift each state variable comes last in
its term, after its coefficient (``\left(k + \kappa\right) x_{1}``, not ``x_{1} \left(k + \kappa\right)``), and the
terms of one state variable are collected (``\left(\gamma + \gamma_{\mathrm{fb}}\right) v``, not
``\gamma v + \gamma_{\mathrm{fb}} v``).

The expected LaTeX is written by hand; the values of the forms printed are checked against the models' drifts
at random points (numbers, nothing parsed back from LaTeX).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.display import written_drift
from thermotheory.export.model_latex import model_latex_lines
from thermotheory.models import particle as P
from thermotheory.models import synapse as S

x, v = sp.symbols("x v", real=True)
x1, x2 = sp.symbols("x_1 x_2", real=True)
k, kappa, gamma, m, T, T1, T2 = sp.symbols("k kappa gamma m T T_1 T_2", positive=True)
#: The feedback gain as derivations/cold_damping.py names it: by its LaTeX, the word subscript upright.
gamma_fb = sp.Symbol(r"{\gamma}_{\mathrm{fb}}", positive=True)


def two_temperatures() -> tt.LinearSDE:
    """The model of derivations/two_temperatures.py: two overdamped particles, coupled, at two temperatures."""
    return tt.LinearSDE({x1: -(k * x1 + kappa * (x1 - x2)) / gamma, x2: -(k * x2 + kappa * (x2 - x1)) / gamma},
                        {x1: T1 / gamma, x2: T2 / gamma})


def cold_damping() -> tt.LinearSDE:
    """The model of derivations/cold_damping.py: an oscillator cooled by the feedback force -gamma_fb v."""
    return tt.LinearSDE({x: v, v: (-k * x - gamma * v - gamma_fb * v) / m}, {v: gamma * T / m**2}, parity={v: -1},
                        feedback={v: -gamma_fb * v / m})


def heat_engine_trap() -> tt.LinearSDE:
    """The trap of derivations/heat_engine.py: a stiffness and a temperature that follow a protocol in s."""
    s = sp.Symbol("s", real=True)
    return tt.LinearSDE({x: -sp.Function("lambda")(s) * x}, {x: sp.Function("T")(s)}, time=s)


#: Each model's lines as an author writes them (by hand).
WRITTEN = {
    "two temperatures": (two_temperatures, [
        r"dx_{1} &= \frac{\kappa x_{2} - \left(k + \kappa\right) x_{1}}{\gamma}\, dt"
        r" + \sqrt{\frac{2 T_{1}}{\gamma}}\, dW_{x_{1}}",
        r"dx_{2} &= \frac{\kappa x_{1} - \left(k + \kappa\right) x_{2}}{\gamma}\, dt"
        r" + \sqrt{\frac{2 T_{2}}{\gamma}}\, dW_{x_{2}}",
    ]),
    "cold damping": (cold_damping, [
        r"dx &= v\, dt",
        r"dv &= - \frac{k x + \left(\gamma + {\gamma}_{\mathrm{fb}}\right) v}{m}\, dt"
        r" + \frac{\sqrt{2 T \gamma}}{m}\, dW_{v} \quad (\text{odd})",
    ]),
    "coupled particles, modes": (lambda: P.coupled_particles("modes"), [
        r"dX &= V\, dt",
        r"dV &= - \frac{\gamma V + k X}{m}\, dt + \left(\sqrt{2D}\, dW\right)_{V} \quad (\text{odd})",
        r"dY &= U\, dt",
        r"dU &= - \frac{\gamma U + \left(k + 2 \kappa\right) Y}{m}\, dt"
        r" + \left(\sqrt{2D}\, dW\right)_{U} \quad (\text{odd})",
    ]),
    "heat engine": (heat_engine_trap, [
        r"dx &= - \lambda{\left(s \right)} x\, dt + \sqrt{2 T{\left(s \right)}}\, dW_{x}",
    ]),
}


@pytest.mark.parametrize("name", list(WRITTEN))
def test_each_variable_comes_after_its_coefficient_and_is_collected(name):
    build, lines = WRITTEN[name]
    assert model_latex_lines(build())[:len(lines)] == lines


def test_the_linear_noise_approximation_of_bcm_collects_its_gain():
    """The synapse page's BCM rule: the gain kappa (2 r_0 - theta) of x collected, as the page's text names it."""
    lines = model_latex_lines(S.bcm_linear_noise())
    assert lines[2] == (r"dw &= \frac{\kappa \left(2 r_{0} - \theta\right) x - \kappa r_{0}^{2} - w}{\tau_{w}}\, dt"
                        r" + \sigma_{w} \sqrt{\frac{2}{\tau_{w}}}\, dW_{w}")


@pytest.mark.parametrize("drift, variables, tex", [
    (x * (k + kappa), [x], r"\left(k + \kappa\right) x"),  # a sum as coefficient: before the variable
    (-x * (k + kappa) / gamma, [x], r"- \frac{\left(k + \kappa\right) x}{\gamma}"),
    (k * x / 2, [x], r"\frac{k x}{2}"),  # a number below: the coefficient stays in the fraction
    (gamma * v + gamma_fb * v, [v], r"\left(\gamma + {\gamma}_{\mathrm{fb}}\right) v"),
    (v - x + v * x, [v, x], r"v x + v - x"),  # nothing to collect: sympy's order
    (x - x**3, [x], r"x - x^{3}"),  # two powers of x: no coefficient to collect
])
def test_written_drift_by_the_general_rule(drift, variables, tex):
    assert written_drift(drift, variables).tex == tex


def test_a_plain_word_subscript_is_collected_too():
    """The rule is the display's, whatever the parameter's name (``gamma_fb`` prints ``\\gamma_{\\mathrm{fb}}``)."""
    g = sp.Symbol("gamma_fb", positive=True)
    tex = written_drift((-k * x - gamma * v - g * v) / m, [x, v]).tex
    assert tex == r"- \frac{k x + \left(\gamma + \gamma_{\mathrm{fb}}\right) v}{m}"


def test_uncollected_counts_the_monomials_repeated_over_a_sum():
    from thermotheory.core.display import _uncollected as uncollected

    y = sp.Symbol("y", real=True)
    assert uncollected(gamma * v + gamma_fb * v + k * x, [x, v]) == 1
    assert uncollected((gamma + gamma_fb) * v + k * x, [x, v]) == 0
    assert uncollected(k * x * y + kappa * x * y - x + v, [x, y, v]) == 1  # x y twice; x alone once
    assert uncollected(x - x**3 + k * (x**2 + gamma * x**2), [x]) == 1  # the inner sum repeats x^2
    assert uncollected(k * x + kappa * x, []) == 0  # no state variables: nothing to collect


def _values(expr: sp.Expr, symbols: list, points: np.ndarray) -> np.ndarray:
    f = sp.lambdify(symbols, expr, "numpy")
    return np.array([complex(f(*p)) for p in points])


@pytest.mark.parametrize("name", list(WRITTEN))
def test_the_written_drifts_have_the_models_values(name):
    """Each printed drift's expression equals the raw drift A z + b at random points (positive parameters in
    (0.3, 3), state variables of either sign, a protocol's functions replaced by random numbers)."""
    model = WRITTEN[name][0]()
    z = model.variables
    rng = np.random.default_rng(24)
    for i in range(model.dimension):
        raw = sum((model.A[i, j] * z[j] for j in range(model.dimension)), model.b[i])
        written = written_drift(raw, z).expr
        assert written.free_symbols == sp.sympify(raw).free_symbols
        functions = sorted(sp.sympify(raw).atoms(sp.Function), key=sp.default_sort_key)
        dummies = [sp.Dummy() for _ in functions]
        raw_, written_ = (sp.sympify(e).xreplace(dict(zip(functions, dummies))) for e in (raw, written))
        symbols = sorted(sp.sympify(raw).free_symbols, key=sp.default_sort_key) + dummies
        points = np.array([[rng.uniform(0.3, 3.0) if getattr(s, "is_positive", False) else rng.uniform(-3.0, 3.0)
                            for s in symbols] for _ in range(8)])
        assert np.allclose(_values(written_, symbols, points), _values(raw_, symbols, points), rtol=1e-12, atol=0)


def test_the_written_drift_of_bcm_has_the_models_values():
    lna = S.bcm_linear_noise()
    z = lna.variables
    raw = sum((lna.A[2, j] * z[j] for j in range(lna.dimension)), lna.b[2])
    written = written_drift(raw, z).expr
    symbols = sorted(sp.sympify(raw).free_symbols, key=sp.default_sort_key)
    rng = np.random.default_rng(1982)
    points = rng.uniform(0.3, 3.0, size=(8, len(symbols))) * rng.choice([-1.0, 1.0], size=(8, len(symbols)))
    assert np.allclose(_values(written, symbols, points), _values(raw, symbols, points), rtol=1e-12, atol=0)
