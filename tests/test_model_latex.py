"""LaTeX of models: tt.latex renders a LinearSDE and a nonlinear SDE alike (export/model_latex.py)."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.export.model_latex import MAX_LATEX_VARIABLES, model_latex, model_latex_lines

x, v = sp.symbols("x v", real=True)
k, g, D_v = sp.symbols("k gamma D_v", positive=True)


def test_a_nonlinear_sde_renders_line_by_line():
    well = tt.SDE({x: v, v: -x**3 + x - g * v}, {v: D_v * (1 + x**2)}, parity={v: -1})
    text = tt.latex(well)
    lines = model_latex_lines(well)
    assert text == model_latex(well) == r"\begin{aligned} " + r" \\ ".join(lines) + r" \end{aligned}"
    assert len(lines) == 2
    assert lines[0] == r"dx &= v\, dt"  # one term: no brackets; no noise on x, even
    drift, noise = lines[1].split(" dt ", 1)
    assert drift == r"dv &= \left(x - \gamma v - x^{3}\right)"  # a sum in brackets, led by a positive term
    assert noise == r"+ \sqrt{2 D_{v} \left(1 + x^{2}\right)}\, dW_{v} \quad (\text{odd})"  # the constant first
    assert well._repr_latex_() == f"${text}$"


def test_linear_and_nonlinear_forms_of_one_model_render_the_same():
    drift, noise = {x: -k * x + v, v: -x - g * v}, {x: 1, v: D_v + k}
    linear, general = tt.LinearSDE(drift, noise), tt.SDE(drift, noise)
    assert tt.latex(linear) == tt.latex(general)
    assert r"\sqrt{2}\, dW_{x}" in tt.latex(linear)
    assert r"\sqrt{2 \left(" in tt.latex(linear)  # a sum under the root is bracketed


def test_correlated_noise_and_numeric_models():
    m = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [1.0, -2.0]]), np.array([[1.0, 0.5], [0.5, 1.0]]))
    assert tt.latex(m).count(r"\left(\sqrt{2D}\, dW\right)") == 2
    assert m._repr_latex_().startswith("$\\begin{aligned}")


def test_refusals():
    zs = sp.symbols(f"z0:{MAX_LATEX_VARIABLES + 1}", real=True)
    big = tt.SDE({z: -z for z in zs}, {zs[0]: 1})
    with pytest.raises(tt.ModelError, match="at most 30"):
        tt.latex(big)
    with pytest.raises(tt.ModelError, match="expected a LinearSDE or an SDE"):
        model_latex_lines("dx = -x dt")
