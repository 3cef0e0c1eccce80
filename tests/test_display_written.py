"""Models written as an author writes them (issue #24): the drift and the noise amplitude of each equation.

The expected LaTeX below is written by hand, as a referee would copy it into an appendix; the
values are checked by evaluating, at random points, the sympy expressions the display builds
against the model's drift and diffusion (nothing is parsed back from LaTeX).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.display import noise_amplitude, written_drift
from thermotheory.export.compile import compile_tex, have_pdflatex
from thermotheory.export.derivation import derivation_document
from thermotheory.export.model_latex import model_latex, model_latex_lines
from thermotheory.models import decoder as Dm
from thermotheory.models import particle as P
from thermotheory.models import synapse as S

v, r, x = sp.symbols("v r x", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)


def sensor() -> tt.LinearSDE:
    """The model of derivations/sensor.py: a velocity and a rate neuron low-pass filtering it."""
    return tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})


#: Each model's lines as an author writes them (by hand).
WRITTEN = {
    "free particle": (P.free_velocity, [
        r"dv &= - \frac{\gamma}{m} v\, dt + \frac{\sqrt{2 T \gamma}}{m}\, dW_{v} \quad (\text{odd})",
    ]),
    "dragged trap": (P.dragged_trap, [
        r"dx &= \frac{k}{\gamma} \left(t u - x\right)\, dt + \sqrt{\frac{2 T}{\gamma}}\, dW_{x}",
    ]),
    "underdamped trap": (P.underdamped_trap, [
        r"dx &= v\, dt",
        r"dv &= - \frac{\gamma v + k x}{m}\, dt + \frac{\sqrt{2 T \gamma}}{m}\, dW_{v} \quad (\text{odd})",
    ]),
    "decoder": (Dm.one_neuron, [
        r"dv &= - \frac{v}{\tau_{v}}\, dt + \sigma_{v} \sqrt{\frac{2}{\tau_{v}}}\, dW_{v}",
        r"dx &= \frac{g v - x}{\tau_{n}}\, dt + \sigma_{n} \sqrt{\frac{2}{\tau_{n}}}\, dW_{x}",
    ]),
    "synapse": (S.tracking, [
        r"dv &= - \frac{v}{\tau_{v}}\, dt + \sigma_{v} \sqrt{\frac{2}{\tau_{v}}}\, dW_{v}",
        r"dx &= \frac{g v - x}{\tau_{n}}\, dt + \sigma_{n} \sqrt{\frac{2}{\tau_{n}}}\, dW_{x}",
        r"dw &= \frac{\kappa x - w}{\tau_{w}}\, dt + \sigma_{w} \sqrt{\frac{2}{\tau_{w}}}\, dW_{w}",
    ]),
    "sensor": (sensor, [
        r"dv &= - \frac{v}{\tau}\, dt + \sqrt{2 D_{v}}\, dW_{v}",
        r"dr &= \frac{\lambda v - r}{\tau_{r}}\, dt + \sqrt{2 D_{r}}\, dW_{r}",
    ]),
}


@pytest.mark.parametrize("name", list(WRITTEN))
def test_models_are_written_as_an_author_writes_them(name):
    build, lines = WRITTEN[name]
    assert model_latex_lines(build()) == lines


def _points(symbols, n: int = 5, seed: int = 3):
    """Random points: positive symbols in (0.3, 3), real ones of either sign."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield {s: (rng.uniform(0.3, 3.0) if s.is_positive else rng.uniform(-3.0, 3.0)) for s in symbols}


def _close(a: sp.Expr, b: sp.Expr) -> None:
    symbols = sorted(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols, key=lambda s: s.name)
    for point in _points(symbols):
        va, vb = complex(sp.sympify(a).evalf(subs=point)), complex(sp.sympify(b).evalf(subs=point))
        assert abs(va - vb) <= 1e-10 * max(1.0, abs(vb)), (a, b, point)


@pytest.mark.parametrize("name", list(WRITTEN))
def test_the_written_forms_have_the_models_values(name):
    model = WRITTEN[name][0]()
    z = model.variables
    for i, var in enumerate(z):
        drift = sum((model.A[i, j] * z[j] for j in range(model.dimension)), model.b[i])
        _close(written_drift(drift, z).expr, drift)
        amp = noise_amplitude(model.D[i, i])
        if model.D[i, i] == 0:
            assert amp is None
        else:
            _close(amp.expr, sp.sqrt(2 * model.D[i, i]))  # the amplitude printed is sqrt(2 D)


def test_the_presentation_pass_is_not_asked_to_name_the_state():
    """The state variables stay in sight: no symbol of the written drift is new."""
    for build, _ in WRITTEN.values():
        model = build()
        z = model.variables
        for i in range(model.dimension):
            drift = sum((model.A[i, j] * z[j] for j in range(model.dimension)), model.b[i])
            w = written_drift(drift, z)
            assert w.expr.free_symbols == sp.sympify(drift).free_symbols


s, t_, m = sp.symbols("sigma tau m", positive=True)
T = sp.Symbol("T", positive=True)


@pytest.mark.parametrize("d, tex, value", [
    (sp.Rational(1, 2), "1", 1),  # sqrt(2 * 1/2): the number, never "\sqrt{2 \frac{1}{2}}"
    (1, r"\sqrt{2}", sp.sqrt(2)),
    (2, "2", 2),
    (s**2 / 2, r"\sigma", s),
    (s**2 / t_, r"\sigma \sqrt{\frac{2}{\tau}}", s * sp.sqrt(2 / t_)),
    (T * t_ / m**2, r"\frac{\sqrt{2 T \tau}}{m}", sp.sqrt(2 * T * t_) / m),
    (2 * T / t_, r"2 \sqrt{\frac{T}{\tau}}", 2 * sp.sqrt(T / t_)),
    (s**2 * T / m**2, r"\frac{\sigma \sqrt{2 T}}{m}", s * sp.sqrt(2 * T) / m),
    (D_v + tau, r"\sqrt{2 \left(D_{v} + \tau\right)}", sp.sqrt(2 * D_v + 2 * tau)),
    (T / (3 * t_), r"\sqrt{\frac{2 T}{3 \tau}}", sp.sqrt(2 * T / (3 * t_))),
    (s**2, r"\sqrt{2} \sigma", sp.sqrt(2) * s),                      # a number's root first
    (s**2 / m**2, r"\frac{\sqrt{2} \sigma}{m}", sp.sqrt(2) * s / m),
    (3 * T, r"\sqrt{6 T}", sp.sqrt(6 * T)),
])
def test_noise_amplitude_takes_square_factors_out(d, tex, value):
    amp = noise_amplitude(d)
    assert amp.tex == tex
    _close(amp.expr, value)
    _close(amp.expr**2, 2 * sp.sympify(d))


def test_square_factors_stay_under_the_root_unless_positive():
    """A real state variable squared may be negative inside: sqrt(x^2) is |x|, not x."""
    amp = noise_amplitude(D_v * x**2)
    assert amp.tex == r"\sqrt{2 D_{v} x^{2}}"
    _close(amp.expr, sp.sqrt(2 * D_v) * sp.Abs(x))


def test_a_decimal_diffusion_keeps_its_root():
    """A float's root would print fifteen digits: it stays under the root, the 2 kept apart by a dot."""
    m = tt.LinearSDE.from_matrices(np.array([[-1.5]]), np.array([[0.3]]))
    assert model_latex_lines(m) == [r"dz_{0} &= - 1.5 z_{0}\, dt + \sqrt{2 \cdot 0.3}\, dW_{z_{0}}"]
    _close(noise_amplitude(sp.Float(0.3)).expr, sp.sqrt(0.6))


def test_no_noise_and_unit_noise():
    assert noise_amplitude(0) is None
    m1 = tt.LinearSDE({x: -x}, {x: sp.Rational(1, 2)})
    assert model_latex_lines(m1) == [r"dx &= - x\, dt + dW_{x}"]
    m0 = tt.SDE({x: v, v: -x}, {v: 1})
    assert model_latex_lines(m0)[0] == r"dx &= v\, dt"


def test_a_drift_with_a_common_factor_and_with_none():
    a, b = sp.symbols("a b", positive=True)
    assert written_drift(a * v - a * x, [v, x]).tex == r"a \left(v - x\right)"
    assert written_drift(v - x, [v, x]).tex == r"v - x"
    lines = model_latex_lines(tt.LinearSDE({x: v - x, v: -v}, {x: 1, v: 1}))
    assert lines[0] == r"dx &= \left(v - x\right) dt + \sqrt{2}\, dW_{x}"  # a sum keeps its brackets


def test_correlated_noise_keeps_its_matrix():
    m = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [1.0, -2.0]]), np.array([[1.0, 0.5], [0.5, 1.0]]))
    text = model_latex(m)
    assert text.count(r"\left(\sqrt{2D}\, dW\right)") == 2 and r"&\text{with}" in text


@pytest.mark.skipif(not have_pdflatex(), reason="pdflatex is not installed")
def test_the_written_models_compile_and_fit(tmp_path):
    body = "\n".join(rf"\[ {model_latex(build())} \]" for build, _ in WRITTEN.values())
    compiled = compile_tex(derivation_document("Models", body), tmp_path, "models")
    assert compiled.ok, compiled.log[-2000:]
    assert not [w for w in compiled.overfull if w > 1.0]


def test_a_negative_noise_intensity_is_refused_by_name():
    with pytest.raises(tt.InvalidDiffusion, match="must not be negative"):
        noise_amplitude(-1)
    with pytest.raises(tt.InvalidDiffusion, match="must not be negative"):
        noise_amplitude(-sp.Symbol("k", positive=True))


def test_a_decimal_factor_stays_under_the_root():
    s = sp.Symbol("s", positive=True)
    written = noise_amplitude(sp.Float(0.3) * s**2)
    assert written.tex == r"s \sqrt{0.6}"
    assert float(written.expr.subs(s, 1.7)) == pytest.approx(np.sqrt(2 * 0.3) * 1.7, rel=1e-14)


def test_a_numeric_drift_is_printed_as_given_not_rewritten(monkeypatch):
    """A drift with decimal coefficients (a numeric model) is not put through the presentation pass."""
    import thermotheory.core.display as display

    called = []
    monkeypatch.setattr(display, "compact", lambda e, *a, **k: called.append(e) or e)
    z = sp.symbols("z0:2", real=True)
    drift = written_drift(-1.5 * z[0] + 2.0e-13 * z[1], z)
    assert not called
    assert sp.simplify(drift.expr - (-1.5 * z[0] + 2.0e-13 * z[1])) == 0


@pytest.mark.parametrize("bad", ["x y", [1, 2], None, float("nan"), sp.oo])
def test_noise_amplitude_refuses_what_is_not_a_finite_expression(bad):
    with pytest.raises(tt.ModelError, match="the noise intensity"):
        noise_amplitude(bad)


@pytest.mark.parametrize("drift, variables", [(None, ()), (sp.nan, ()), ("v - x", ()),
                                              (sp.Symbol("v"), "v"), (sp.Symbol("v"), [1])])
def test_written_drift_refuses_bad_input_by_name(drift, variables):
    with pytest.raises(tt.ModelError, match="drift"):
        written_drift(drift, variables)
