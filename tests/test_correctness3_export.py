"""Correctness III, export: file names stay in their folder, wide models are broken to fit the page,
and bad input to the export functions ends in a named error.

The compile tests need TeX Live's pdflatex and skip where it is missing; each also checks the
layout by the width estimate, so that it means something without TeX.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.errors import InvalidExport, ModelError
from thermotheory.export.compile import compile_tex, first_page_png, have_pdflatex
from thermotheory.export.derivation import (derivation_document, derivation_markdown, derivation_tex, file_in,
                                            output_folder, quantity_lines, save_figure, write_derivation)
from thermotheory.export.layout import TEXT_WIDTH, fit_lines, latex_width, tex_text
from thermotheory.export.model_latex import model_latex, model_latex_lines

needs_tex = pytest.mark.skipif(not have_pdflatex(), reason="pdflatex is not installed (apt-get install "
                                                          "texlive-latex-base)")
x = sp.Symbol("x", real=True)
OU = tt.LinearSDE({x: -x}, {x: 1})


# --- 1. write_derivation writes only inside its output folder ------------------------------------------

@pytest.mark.parametrize("name", ["../escaped", "../../escaped", "sub/escaped", "..", ".", "", "  ",
                                  "/tmp/escaped_abs", "a\\b", "nul\0name"])
def test_write_derivation_refuses_names_that_leave_the_folder(name, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InvalidExport, match="plain file name"):
        write_derivation(name, "T", OU, {}, out)
    # nothing was written anywhere under tmp_path (nor the output folder created)
    assert [p for p in tmp_path.rglob("*")] == []


def test_write_derivation_refuses_a_link_out_of_the_folder(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside.tex"
    out.mkdir()
    outside.write_text("keep")
    os.symlink(outside, out / "ou.tex")
    with pytest.raises(InvalidExport, match="outside"):
        write_derivation("ou", "T", OU, {}, out)
    assert outside.read_text() == "keep"


def test_figure_names_and_save_figure_stay_in_the_folder(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with pytest.raises(InvalidExport, match="figure name"):
        write_derivation("ou", "T", OU, {}, tmp_path, figures=["../f.png"])
    fig, _ = plt.subplots()
    try:
        with pytest.raises(InvalidExport, match="plain file name"):
            save_figure(fig, "../escaped", tmp_path / "out")
    finally:
        plt.close(fig)
    assert not (tmp_path / "escaped.png").exists() and not (tmp_path / "out").exists()
    with pytest.raises(InvalidExport, match="matplotlib figure"):
        save_figure("not a figure", "f", tmp_path)


def test_compile_tex_refuses_a_name_with_a_folder(tmp_path):
    with pytest.raises(InvalidExport, match="plain file name"):
        compile_tex(derivation_document("x", ""), tmp_path / "work", "../escaped")
    assert not (tmp_path / "escaped.tex").exists()


def test_a_plain_name_is_written_inside_the_folder(tmp_path):
    tex, md = write_derivation("ou", "T", OU, {}, tmp_path / "new" / "out")
    assert tex.parent.resolve() == md.parent.resolve() == (tmp_path / "new" / "out").resolve()
    assert file_in(tmp_path, "a.b", ".tex") == tmp_path / "a.b.tex"


# --- 2. a model's equations are broken to fit the page ---------------------------------------------------

def _numeric_model(n: int, correlated: bool) -> tt.LinearSDE:
    rng = np.random.default_rng(1)
    A = rng.normal(size=(n, n)) - 6 * np.eye(n)
    B = rng.normal(size=(n, n))
    D = B @ B.T / n + np.eye(n) if correlated else np.diag(rng.uniform(0.5, 2.0, n))
    return tt.LinearSDE.from_matrices(A, D)


def _long_names_model() -> tt.LinearSDE:
    v = sp.symbols("membrane_potential_of_neuron_1:4", real=True)
    tau, g, s = sp.symbols("tau g sigma", positive=True)
    drift = {v[0]: -v[0] / tau + g * v[1] / tau - g * v[2] / tau, v[1]: -v[1] / tau + g * v[0] / tau,
             v[2]: -v[2] / tau + g * v[1] / tau}
    return tt.LinearSDE(drift, {w: s**2 / tau for w in v})


def _wide_sde() -> tt.SDE:
    a = sp.symbols("a_1:40", positive=True)
    return tt.SDE({x: -x**3 + x * sp.Add(*a) / (1 + sp.Add(*a))}, {x: sp.Add(*a)})


WIDE = {"numeric_11": lambda: _numeric_model(11, False), "numeric_11_correlated": lambda: _numeric_model(11, True),
        "long_names": _long_names_model, "wide_sde": _wide_sde}


@pytest.mark.parametrize("make", WIDE.values(), ids=WIDE.keys())
def test_model_lines_are_estimated_within_the_width(make):
    model = make()
    lines = model_latex_lines(model)
    # every line within the text width by the estimate (before the fix one line per variable, up to 1400 pt)
    assert max(latex_width(line) for line in lines) <= TEXT_WIDTH
    assert latex_width(model_latex_lines(model, width=250)[0]) <= 250
    # every drift term of every variable is still on the page, each once
    tex = " ".join(lines)
    for v in model.variables:
        assert tex.count(f"d{sp.latex(v)} &=") == 1


def test_a_broken_numeric_model_keeps_every_coefficient():
    model = _numeric_model(11, False)
    tex = " ".join(model_latex_lines(model))
    for i in range(11):
        for j in range(11):
            assert sp.latex(abs(model.A[i, j])) in tex
        # diagonal float noise is shown as such (it was shown as correlated noise: Float(0.0) != 0 in sympy)
        assert rf"\sqrt{{2 \cdot {sp.latex(model.D[i, i])}}}\, dW_{{z_{{{i}}}}}" in tex
    assert r"\sqrt{2D}" not in tex


def test_correlated_noise_is_shown_entry_by_entry_when_its_matrix_is_too_wide():
    model = _numeric_model(11, True)
    lines = model_latex_lines(model)
    assert r"&\text{with}" in lines
    found = re.findall(r"D_\{z_\{(\d+)\} z_\{(\d+)\}\} = (-?[0-9.]+)", " ".join(lines))
    shown = {(int(i), int(j)): float(val) for i, j, val in found}
    assert len(shown) == 11 * 12 // 2
    for (i, j), val in shown.items():
        assert math.isclose(val, float(model.D[i, j]), rel_tol=1e-12)


def test_a_numeric_diffusion_is_not_read_as_a_longer_number():
    # "\sqrt{2 2}" typesets as the square root of 22
    # (issue #24: the root of a number is taken, sqrt(2 * 2) = 2; the 2 is multiplied in: sqrt(2 * 3 k) = sqrt(6 k))
    assert r"+ 2\, dW_{x}" in model_latex(tt.SDE({x: -x}, {x: 2}))
    assert r"\sqrt{6 k}" in model_latex(tt.SDE({x: -x}, {x: 3 * sp.Symbol("k", positive=True)}))
    assert r"\sqrt{2}\, dW_{z_{0}}" in model_latex(tt.LinearSDE.from_matrices(-np.eye(1), np.eye(1)))


def test_named_sums_in_a_wide_sde_are_defined_once():
    lines = model_latex_lines(_wide_sde())
    assert r"&\text{where}" in lines
    defined = [line.split(" &=")[0] for line in lines[lines.index(r"&\text{where}") + 1:] if " &=" in line]
    assert len(defined) == len(set(defined)) == 2  # the sum and the sum + 1; the diffusion reuses the sum
    head = " ".join(lines[:lines.index(r"&\text{where}")])
    assert all(name in head for name in defined)


@needs_tex
@pytest.mark.parametrize("make", WIDE.values(), ids=WIDE.keys())
def test_wide_models_compile_without_overfull_lines(make, tmp_path):
    model = make()
    body = derivation_tex(model, {r"\sigma": sp.Integer(1)}, "test")
    compiled = compile_tex(derivation_document("a wide model", body), tmp_path, "wide")
    assert compiled.ok, compiled.log[-3000:]
    assert "Overfull \\hbox" not in compiled.log, [w for w in compiled.overfull]


@needs_tex
def test_a_wide_model_page_renders(tmp_path):
    import shutil

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    body = "\n\n".join(derivation_tex(make(), {}) for make in (_long_names_model, lambda: _numeric_model(11, True)))
    compiled = compile_tex(derivation_document("wide", body), tmp_path, "wide")
    assert compiled.ok and not compiled.overfull
    png = first_page_png(compiled.pdf, tmp_path / "wide.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- 3. widths, and other bad input, end in named errors -------------------------------------------------

@pytest.mark.parametrize("width", [0, -10, float("nan"), float("inf"), "400", None, True, 1j])
def test_a_width_that_is_not_positive_and_finite_is_refused(width):
    a = sp.symbols("a_1:40")
    with pytest.raises(InvalidExport, match="width"):
        fit_lines("S", sp.Add(*a), width=width)
    with pytest.raises(InvalidExport, match="width"):
        model_latex_lines(OU, width=width)
    with pytest.raises(InvalidExport, match="width"):
        quantity_lines({"S": sp.Add(*a)}, width=width)


@pytest.mark.parametrize("value", ["x + y", None, True, [1, 2], float("nan"), object()])
def test_a_closed_form_that_is_not_one_is_refused(value, tmp_path):
    # before: text was read as symbols, None and True printed as \text{None}, NaN as \text{NaN}
    with pytest.raises(InvalidExport):
        quantity_lines({"S": value})
    with pytest.raises(InvalidExport):
        fit_lines("S", value)
    with pytest.raises(InvalidExport):
        write_derivation("ou", "T", OU, {"S": value}, tmp_path)
    assert not (tmp_path / "ou.tex").exists()


def test_bad_titles_names_and_folders_are_refused(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep")
    for kwargs, match in [({"title": 5}, "title"), ({"title": None}, "title"), ({"out": a_file}, "is a file"),
                          ({"out": a_file / "sub"}, "is a file|file stands"), ({"out": None}, "must be a path"),
                          ({"out": 3}, "must be a path"), ({"name": 7}, "file name must be a string"),
                          ({"quantities": [1]}, "mapping"), ({"quantities": {1: x}}, "name of a quantity"),
                          ({"sections": [("heading",)]}, "section 0"), ({"sections": [(3, OU, {})]}, "heading"),
                          ({"model": 5}, "LinearSDE or an SDE"), ({"figures": 3}, "sequences")]:
        args = {"name": "ou", "title": "T", "model": OU, "quantities": {}, "out": tmp_path / "out"} | kwargs
        with pytest.raises(InvalidExport, match=match):
            write_derivation(**args)
    assert a_file.read_text() == "keep" and not (tmp_path / "out").exists()
    (tmp_path / "out" / "ou.tex").mkdir(parents=True)
    with pytest.raises(InvalidExport, match="is a folder"):
        write_derivation("ou", "T", OU, {}, tmp_path / "out")
    with pytest.raises(InvalidExport, match="is a file"):
        output_folder(a_file)
    for call in (lambda: derivation_document(None, ""), lambda: derivation_document("t", 5),
                 lambda: derivation_markdown(5, OU, {}), lambda: derivation_tex(OU, {}, source=3),
                 lambda: tex_text(None), lambda: latex_width(5), lambda: fit_lines(5, x),
                 lambda: model_latex("dx = -x dt")):
        with pytest.raises(InvalidExport):
            call()


def test_compile_helpers_refuse_bad_input(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("keep")
    with pytest.raises(InvalidExport, match="LaTeX document"):
        compile_tex(5, tmp_path)
    with pytest.raises(InvalidExport, match="is a file"):
        compile_tex(derivation_document("x", ""), a_file)
    with pytest.raises(InvalidExport, match="no PDF"):
        first_page_png(tmp_path / "missing.pdf", tmp_path / "x.png")
    with pytest.raises(InvalidExport, match="dpi"):
        first_page_png(tmp_path / "missing.pdf", tmp_path / "x.png", dpi=0)
    assert issubclass(InvalidExport, ModelError)
