r"""Piecewise forms as an author sets them (issue #24).

- A result that is a piecewise form, or a term or factor of it at the top level, prints each branch in display
  style (``cases`` would set the branches' fractions at the size of an index); a piecewise inside a fraction, a
  root or a function keeps text style, and the glyph and width measures see no difference.
- A protocol in a model's coefficients (a piecewise function of time, the learning ramp) is named ``h(t)`` in
  the equation and defined under "where", not written as cases inside the drift's fraction.

The expected LaTeX is written by hand; the named drift is checked against the model's at random points.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import sympy as sp

import thermotheory as tt
from thermotheory.core.closedform import latex_of, printed_size, tex_glyphs
from thermotheory.core.display import ProtocolName, protocols
from thermotheory.core.width import latex_width
from thermotheory.export.model_latex import model_latex_lines
from thermotheory.models import synapse as S

from .helpers import load_module

glyphs = load_module("hand_forms_measure", Path(__file__).resolve().parents[1] / "benchmarks" / "hand_forms.py").glyphs

t, tau, a, b = sp.symbols("t tau a b", positive=True)
w = sp.Symbol("w", real=True)
RAMP = sp.Piecewise((t / tau, t < tau), (1, True))


def test_a_piecewise_result_prints_its_branches_in_display_style():
    tex = latex_of(sp.Piecewise((a / t, t < tau), (b, True)))
    assert tex == (r"\begin{cases} \displaystyle \frac{a}{t} & \text{for}\: t < \tau \\[2ex] b & \text{otherwise} "
                   r"\end{cases}")
    # a term or a factor at the top level is set as the display is (an entropy: cases + \frac{1}{2} \ln(...))
    pw = sp.Piecewise((a / t, t < tau), (b, True))
    for top in (pw + sp.log(2 * sp.pi * a) / 2, b * pw, 1 + b * pw, pw / 2, pw * sp.exp(-t), pw * t / 2):
        assert latex_of(top).count(r"\displaystyle") == 1, latex_of(top)
    # a fraction times the cases stands in front of them, the cases at the top level (not inside its numerator)
    for top in (pw / t, pw * t / (2 * a)):
        tex = latex_of(top)
        assert tex.count(r"\displaystyle") == 1 and tex.startswith(r"\frac{") and tex.endswith(r"\end{cases}"), tex
    # inside a function, a root or a denominator the cases stay as sympy sets them
    for inner in (sp.log(pw), 1 / (1 + pw), sp.sqrt(pw + t), sp.log(pw) / 2):
        tex = latex_of(inner)
        assert r"\displaystyle" not in tex and r"\begin{cases}" in tex, tex
    # the same piecewise at the top level and inside a function, an exponent, a denominator or a root of the same
    # form (from a review): display style at the top only
    for nested, both in [(sp.log(pw), pw - 1 - sp.log(pw)), (sp.exp(pw), pw + sp.exp(pw)),
                         (1 / (1 + pw), pw + 1 / (1 + pw)), (sp.sqrt(1 + pw), pw * sp.sqrt(1 + pw)),
                         (sp.log(pw), a * pw - sp.log(pw))]:
        tex = latex_of(both)
        assert tex.count(r"\displaystyle") == 1 and tex.count(r"\begin{cases}") == 2, tex
        assert r"\displaystyle" not in latex_of(nested) and latex_of(nested) in tex, tex
    # the same part printed at the top level and then inside: each as its place asks (no remembered print)
    assert r"\displaystyle" in latex_of(pw) and r"\displaystyle" not in latex_of(1 / (1 + pw))
    assert r"\displaystyle" in latex_of(pw)
    # branches without a fraction need no display style
    assert r"\displaystyle" not in latex_of(sp.Piecewise((a, t < tau), (b, True)))


def test_display_style_costs_no_glyph_and_no_width():
    pw = sp.Piecewise((a / t, t < tau), (b, True))
    tex = latex_of(pw)
    plain = tex.replace(r"\displaystyle ", "").replace(r"\\[2ex]", r"\\")
    assert tex != plain
    assert latex_width(tex) == latex_width(plain)
    # the glyph rule of the pass and of the hand-set benchmark: display style prints no glyph
    assert printed_size(pw) == tex_glyphs(plain) == glyphs(tex) == glyphs(plain)


def test_a_ramp_in_a_model_is_named_h_of_t_and_defined_under_where():
    lines = model_latex_lines(S.learning("ramp"))
    assert lines[0].startswith(r"dw &= \frac{\lambda \mu h(t) - w}{\tau_{w}}\, dt")
    assert r"\begin{cases}" not in lines[0]
    assert lines[1] == r"&\text{where}"
    assert lines[2].startswith(r"h(t) &= \begin{cases} \displaystyle \frac{t}{\tau_{r}} & \text{for}\: t < \tau_{r}")
    # a step is no piecewise: nothing named
    assert not any("where" in line for line in model_latex_lines(S.learning("step")))


def test_the_named_drift_is_the_models_drift():
    model = S.learning("ramp")
    named = protocols(list(model.b), model.time)
    (pw, name), = named.items()
    assert isinstance(name, ProtocolName) and name.is_real
    rng = np.random.default_rng(3)
    drift = model.b[0]
    for _ in range(5):
        point = {s: sp.Float(rng.uniform(0.2, 3.0)) for s in drift.free_symbols}
        value = drift.xreplace({pw: name}).xreplace({name: pw.xreplace(point)}).xreplace(point)
        assert abs(float(value) - float(drift.xreplace(point))) < 1e-12


def test_several_protocols_are_numbered_and_a_taken_letter_is_skipped():
    other = sp.Piecewise((a, t < 2 * tau), (b, True))
    named = protocols([RAMP * w, other], t)
    assert [latex_of(n) for n in named.values()] == ["h_{1}(t)", "h_{2}(t)"]
    h = sp.Symbol("h", positive=True)
    assert [latex_of(n) for n in protocols([h * RAMP], t).values()] == ["u(t)"]
    model = tt.LinearSDE({w: -w / tau + a * RAMP + b * other}, {w: 1}, time=t)
    lines = model_latex_lines(model)
    assert sum(line.startswith(("h_{1}(t) &=", "h_{2}(t) &=")) for line in lines) == 2
    assert r"\begin{cases}" not in lines[0]


def test_no_time_or_no_piecewise_of_time_names_nothing():
    assert protocols([RAMP], None) == {}
    assert protocols([sp.Piecewise((a, a < b), (b, True))], t) == {}
    assert protocols([a * t + b], t) == {}


def test_a_protocol_of_a_clock_variable_is_named_by_it():
    """The learning pulse simulated with a clock ``c`` (``dc = dt``): the pulse is ``h(c)``, after the state
    variable it multiplies, and a piecewise form of parameters alone is no protocol."""
    lines = model_latex_lines(S.learning_sde("pulse"))
    assert lines[1].startswith(r"dw &= \frac{\lambda \mu h(c) - w}{\tau_{w}}\, dt"), lines
    assert lines[-1].startswith(r"h(c) &= \begin{cases} 1 & \text{for}\: c < t_{w}"), lines
    c, x = sp.symbols("c x", real=True)
    both = sp.Piecewise((x, c < t), (0, True))
    assert [latex_of(n) for n in protocols([both], t, [x, c]).values()] == ["h(t, x, c)"]
    assert protocols([sp.Piecewise((a, a < b), (b, True)) * x], t, [x, c]) == {}


def test_review_a_state_variable_takes_its_letter_and_a_nested_piecewise_is_no_second_protocol():
    """From a review: a state variable h left the protocol named h(t) beside dh; a piecewise inside the protocol
    was named h_2(t), defined and used nowhere."""
    x, h = sp.symbols("x h", real=True)
    lines = model_latex_lines(tt.LinearSDE({x: -x / tau + a * RAMP, h: -h}, {x: 1, h: 1}, time=t))
    assert any(line.startswith(r"u(t) &= \begin{cases}") for line in lines) and "h(t)" not in "".join(lines), lines
    inner = sp.Piecewise((t / tau, t < tau / 2), (sp.Rational(1, 2), True))
    lines = model_latex_lines(tt.LinearSDE({x: -x / tau + a * sp.Piecewise((inner, t < tau), (1, True))}, {x: 1},
                                           time=t))
    defined = [line for line in lines if "(t) &=" in line]
    assert len(defined) == 1 and defined[0].startswith("h(t) &="), lines


def test_a_learning_report_shows_the_weight_in_time_as_the_page_does():
    """The learning reports showed the simulated model: ``d\\mu = 0\\, dt``, ``dc = 1\\, dt`` and ``h(c)``. A referee
    reads the weight given ``mu`` in the time ``t`` (the synapse page's model), and in words what the simulation
    adds (``mu`` held fixed, the clock)."""
    from thermotheory.catalog import entry
    from thermotheory.export.report import report_tex

    tex = report_tex(entry("learning_ramp"))
    model = tex.split(r"\subsection*{Model}")[1].split(r"\subsection*{Assumptions}")[0]
    assert r"dw &= \frac{\lambda \mu h(t) - w}{\tau_{w}}\, dt" in model, model
    assert r"h(t) &= \begin{cases}" in model and r"dc &=" not in model and r"d\mu &=" not in model, model
    assert r"held fixed" in model and r"$dc = dt$ from $c = 0$" in model, model
