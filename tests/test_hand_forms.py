r"""Issue #24, "a careful hand derivation would not be shorter": the printed forms against forms simplified by hand.

The measure (``benchmarks/hand_forms.py``): the glyphs a reader sees in a LaTeX string, the
rule of ``closedform.printed_size``. Each hand form below was derived by hand from the model
(not copied from the page) and is written twice, as LaTeX (measured) and as a sympy string
(its value); the page's form, read from the committed ``docs/derivations/<page>.md`` (or from
the folder ``$THERMOTHEORY_PAGES`` names: pages regenerated elsewhere), must equal it at random
points and be at most 15% longer. The full hand set is kept outside the
repository (``/work/hand_forms/hand_forms.json``; ``python benchmarks/bench_presentation.py
--hand FILE``).
"""

from __future__ import annotations

import doctest
import json
import random
from pathlib import Path

import pytest
import sympy as sp

from thermotheory.core.closedform import latex_of, printed_size

from .helpers import load_module

ROOT = Path(__file__).resolve().parents[1]


hf = load_module("hand_forms", ROOT / "benchmarks" / "hand_forms.py")

# (page, section, symbol, hand LaTeX, the same as sympy)
WITHIN = [
    ("decoder", "", r"l_{x}",
     r"\frac{g^2 \sigma_v^2 \tau_v}{\sigma_n^2 (\tau_n + \tau_v)^2 + g^2 \sigma_v^2 \tau_n \tau_v}",
     "g**2*sigma_v**2*tau_v/(sigma_n**2*(tau_n + tau_v)**2 + g**2*sigma_v**2*tau_n*tau_v)"),
    ("decoder", "", r"\dot S^{\mathrm{tot}}_{x}",
     r"\frac{g^2 \sigma_v^2 \tau_n \left(g^2 \sigma_v^2 \tau_v + \sigma_n^2 (\tau_n + \tau_v)\right)}"
     r"{\sigma_n^2 (\tau_n + \tau_v) \left(\sigma_n^2 (\tau_n + \tau_v)^2 + g^2 \sigma_v^2 \tau_n \tau_v\right)}",
     "g**2*sigma_v**2*tau_n*(g**2*sigma_v**2*tau_v + sigma_n**2*(tau_n + tau_v))"
     "/(sigma_n**2*(tau_n + tau_v)*(sigma_n**2*(tau_n + tau_v)**2 + g**2*sigma_v**2*tau_n*tau_v))"),
    ("decoder", "", r"T_{v \to x}",
     r"\frac{1}{2 \tau_v} \left(\sqrt{1 + \frac{g^2 \sigma_v^2 \tau_v}{\sigma_n^2 \tau_n}} - 1\right)",
     "(sqrt(1 + g**2*sigma_v**2*tau_v/(sigma_n**2*tau_n)) - 1)/(2*tau_v)"),
    ("synapse", "", r"\Phi_{w} \big|_{g = 0}",
     r"\frac{\kappa^2 \sigma_n^2}{\sigma_w^2 (\tau_n + \tau_w)}",
     "kappa**2*sigma_n**2/(sigma_w**2*(tau_n + tau_w))"),
    ("synapse", "Learning under a step", r"Q_{w}(t)",
     r"\frac{\lambda^2 s_\mu^2}{2 \sigma_w^2} \left(1 - e^{-2 t/\tau_w}\right)",
     "lam**2*s_mu**2*(1 - exp(-2*t/tau_w))/(2*sigma_w**2)"),
    ("particle", "", r"\langle v^2 \rangle(t)",
     r"\frac{T}{m} \left(1 + e^{-2 \gamma t/m}\right)",
     "T/m*(1 + exp(-2*gamma*t/m))"),
    ("particle", "Dragged trap", r"\operatorname{var} W(t)",
     r"2 T \gamma u^2 \left(t - \frac{\gamma}{k} \left(1 - e^{-k t/\gamma}\right)\right)",
     "2*T*gamma*u**2*(t - gamma/k*(1 - exp(-k*t/gamma)))"),
    ("particle", "Inertial particles in two baths", r"\sigma_{\text{two baths}}",
     r"\frac{\gamma \kappa^2 (T_1 - T_2)^2}{2 T_1 T_2 \left(\gamma^2 (k + \kappa) + m \kappa^2\right)}",
     "gamma*kappa**2*(T_1 - T_2)**2/(2*T_1*T_2*(gamma**2*(k + kappa) + m*kappa**2))"),
    ("heat_engine", "", r"c",
     r"\frac{\sqrt{1 + \lambda_i t_f (2 + \lambda_f t_f)} - 1 - \lambda_f t_f}{t_f (2 + \lambda_f t_f)}",
     "(sqrt(1 + lambda_i*t_f*(2 + lambda_f*t_f)) - 1 - lambda_f*t_f)/(t_f*(2 + lambda_f*t_f))"),
    ("heat_engine", "The stochastic heat engine (Schmiedl and Seifert 2008)", r"\eta^*",
     r"\frac{2 (T_h - T_c)}{3 T_h + T_c}", "2*(T_h - T_c)/(3*T_h + T_c)"),
    # longer than by hand before the presentation pass learnt the pattern named (issue #24, G10)
    ("particle", "Dragged trap", r"\langle W \rangle(t)",  # a common factor of a sum pulled out
     r"\gamma u^2 \left(t - \frac{\gamma}{k} \left(1 - e^{-k t/\gamma}\right)\right)",
     "gamma*u**2*(t - gamma/k*(1 - exp(-k*t/gamma)))"),
    ("heat_engine", "", r"\lim_{t_f \to \infty} t_f \left(W^*(t_f) - \Delta F\right)",  # a^2 + b^2 - 2ab
     r"\left(\frac{1}{\sqrt{\lambda_i}} - \frac{1}{\sqrt{\lambda_f}}\right)^2",
     "(1/sqrt(lambda_i) - 1/sqrt(lambda_f))**2"),
    ("synapse", "Storing after a step of duration $t_{w}$", r"Q_{\mathrm{forget}}(\infty)",  # (e^a - 1)^2 e^{-2a}
     r"\frac{\lambda^2 s_\mu^2}{2 \sigma_w^2} (1 - e^{-t_w/\tau_w})^2",
     "lam**2*s_mu**2/(2*sigma_w**2)*(1 - exp(-t_w/tau_w))**2"),
    ("synapse", "Storing after a step of duration $t_{w}$", r"t_{\mathrm{mem}}(I_{\mathrm{th}})",  # e^{2a} - 2e^a + 1, -ln(1/x)
     r"\frac{\tau_w}{2} \ln \frac{\lambda^2 s_\mu^2 (1 - e^{-t_w/\tau_w})^2}{\sigma_w^2 (e^{2 I_{th}} - 1)}",
     "tau_w/2*log(lam**2*s_mu**2*(1 - exp(-t_w/tau_w))**2/(sigma_w**2*(exp(2*I_th) - 1)))"),
    ("synapse", "", r"\Sigma_{x w}",  # a term per noise source
     r"\kappa \left(\frac{g^2 \sigma_v^2 \tau_v (\tau_n \tau_v + \tau_n \tau_w + \tau_v \tau_w)}"
     r"{(\tau_n + \tau_v)(\tau_n + \tau_w)(\tau_v + \tau_w)} + \frac{\sigma_n^2 \tau_n}{\tau_n + \tau_w}\right)",
     "kappa*(g**2*sigma_v**2*tau_v*(tau_n*tau_v + tau_n*tau_w + tau_v*tau_w)/((tau_n + tau_v)*(tau_n + tau_w)"
     "*(tau_v + tau_w)) + sigma_n**2*tau_n/(tau_n + tau_w))"),
    ("synapse", "", r"\Sigma_{w w}",  # through its row of the Lyapunov equation
     r"\kappa \Sigma_{x w} + \sigma_w^2", "kappa*Sigma_xw + sigma_w**2"),
    ("decoder", "A population of three different neurons", r"\Sigma_{x_{1} x_{1}}",
     r"g_1 \Sigma_{v x_1} + \sigma_1^2", "g_1*Sigma_vx_1 + sigma_1**2"),
    # longer than by hand before the pass learnt the patterns named (issue #24: a second hand set, 198 forms)
    ("heat_engine", "", r"c",  # a root difference rationalised over its conjugate: the sign of c at a glance
     r"\frac{\lambda_i - \lambda_f}{1 + \lambda_f t_f + \sqrt{1 + \lambda_i t_f (2 + \lambda_f t_f)}}",
     "(lambda_i - lambda_f)/(1 + lambda_f*t_f + sqrt(1 + lambda_i*t_f*(2 + lambda_f*t_f)))"),
    ("heat_engine", "", r"\Delta F", r"\frac{1}{2} \ln\frac{\lambda_f}{\lambda_i}",  # no brackets round a quotient
     "log(lambda_f/lambda_i)/2"),
    ("jump_processes", "The cascade of 5 levels", r"I(M; \text{strength}_0)",  # ln 2 into the logs (weights add to 1)
     r"\frac{(4 - 5\xi) \ln\frac{4 - 5\xi}{5(1 - \xi)} + (6 - 5\xi) \ln\frac{6 - 5\xi}{5(1 - \xi)}}{10(1 - \xi)}",
     "((4 - 5*xi)*log((4 - 5*xi)/(5*(1 - xi))) + (6 - 5*xi)*log((6 - 5*xi)/(5*(1 - xi))))/(10*(1 - xi))"),
    ("lattice", "", r"\kappa", r"2 \operatorname{arsinh} \frac{a m}{2 \sqrt{\lambda}}",  # the half angle
     "2*asinh(a*m/(2*sqrt(lam)))"),
    ("synapse", "BCM-type rule, linear-noise approximation", r"\Sigma_{w w}",  # a term per noise source, as tracking
     r"\frac{g^2 \kappa^2 (2 r_0 - \theta)^2 \sigma_v^2 \tau_v (\tau_n \tau_v + \tau_n \tau_w + \tau_v \tau_w)}"
     r"{(\tau_n + \tau_v)(\tau_n + \tau_w)(\tau_v + \tau_w)} + \frac{\kappa^2 (2 r_0 - \theta)^2 \sigma_n^2 \tau_n}"
     r"{\tau_n + \tau_w} + \sigma_w^2",
     "g**2*kappa**2*(2*r_0 - theta)**2*sigma_v**2*tau_v*(tau_n*tau_v + tau_n*tau_w + tau_v*tau_w)"
     "/((tau_n + tau_v)*(tau_n + tau_w)*(tau_v + tau_w)) + kappa**2*(2*r_0 - theta)**2*sigma_n**2*tau_n/(tau_n + tau_w)"
     " + sigma_w**2"),
    # longer than by hand before this session's patterns (issue #24: the second hand set's forms over 15%)
    ("decoder", "A population of three different neurons", r"\Sigma_{x_{1} x_{2}}",  # through its Lyapunov row
     r"\frac{g_1 g_2 \sigma_v^2 \tau_v}{\tau_1 + \tau_2} \left(\frac{\tau_1}{\tau_1 + \tau_v} + "
     r"\frac{\tau_2}{\tau_2 + \tau_v}\right)",
     "g_1*g_2*sigma_v**2*tau_v/(tau_1 + tau_2)*(tau_1/(tau_1 + tau_v) + tau_2/(tau_2 + tau_v))"),
    ("two_temperatures", "", r"\mathcal{T}_{x_{1} \to x_{2}}",  # the root of T_2 into the root of a sum
     r"\frac{\sqrt{(k + \kappa)^2 + \kappa^2 T_1 / T_2} - k - \kappa}{2 \gamma}",
     "(sqrt((k + kappa)**2 + kappa**2*T_1/T_2) - k - kappa)/(2*gamma)"),
    ("two_temperatures", "", r"\epsilon^2_{x_{1} \mid x_{2}}",
     r"\frac{2 T_1}{k + \kappa + \sqrt{(k + \kappa)^2 + \kappa^2 T_1 / T_2}}",
     "2*T_1/(k + kappa + sqrt((k + kappa)**2 + kappa**2*T_1/T_2))"),
    ("jump_processes", "Kinetic proofreading", r"n_\mathrm{ATP}",  # the numerator's sums divide the denominator's terms
     r"\frac{\kappa (1 + e^{\Delta}) + 2 m}{w} \left(\frac{\kappa + m}{l e^{\Delta} + w} + "
     r"\frac{\kappa e^{\Delta} + m}{l + w}\right)^{-1}",
     "(kappa*(1 + exp(Delta)) + 2*m)/w/((kappa + m)/(l*exp(Delta) + w) + (kappa*exp(Delta) + m)/(l + w))"),
    ("synapse", "Storing after a step of duration $t_{w}$", r"t_{\mathrm{mem}}(I_{\mathrm{th}})",  # 1/2 into the log
     r"\tau_w \ln \frac{\lambda s_\mu (1 - e^{-t_w/\tau_w})}{\sigma_w \sqrt{e^{2 I_{th}} - 1}}",
     "tau_w*log(lam*s_mu*(1 - exp(-t_w/tau_w))/(sigma_w*sqrt(exp(2*I_th) - 1)))"),
    ("heat_engine", "The stochastic heat engine (Schmiedl and Seifert 2008)", "P",  # minus the work over the period
     r"-\frac{W(t_1 + t_3)}{t_1 + t_3}", "-W*(t_1 + t_3)/(t_1 + t_3)"),
    ("heat_engine", "The stochastic heat engine (Schmiedl and Seifert 2008)", r"\eta",  # -W / Q_h, Q_h a result
     r"-\frac{W(t_1 + t_3)}{Q_h}", "-W*(t_1 + t_3)/Q_h"),
    ("lattice", "", "G(r)",  # r a distance: no modulus
     r"\frac{a^2 e^{-\kappa r}}{2 \lambda \sinh \kappa}", "a**2*exp(-kappa*r)/(2*lam*sinh(kappa))"),
]


def _check(page, section, symbol, latex, text):
    hand = hf.HandForm(page=page, symbol=symbol, latex=latex, section=section, sympy=text)
    value = hf.sympy_of(text)
    assert hf.equal_at_random_points(hf.tex_to_sympy(latex), value, seed=1), "the hand LaTeX and its sympy differ"
    printed = hf.printed_form(page, symbol, section)  # (the names of its section's results one holds written out)
    page_tex, hand_tex = hf.written_out_both(printed, latex, page, section)
    assert hf.equal_at_random_points(hf.tex_to_sympy(page_tex), hf.tex_to_sympy(hand_tex), seed=2), \
        f"{page}: {symbol} is not the hand form"
    c = hf.compare(hand)
    assert c.equal is True
    assert c.ratio <= hf.LIMIT, f"{page}: {symbol} prints {c.ours} glyphs, by hand {c.theirs} ({c.ratio:.2f})"


@pytest.mark.parametrize("page,section,symbol,latex,text", WITHIN,
                         ids=[f"{w[0]}-{k}" for k, w in enumerate(WITHIN)])
def test_printed_form_within_15_percent_of_hand_form(page, section, symbol, latex, text):
    _check(page, section, symbol, latex, text)


def test_the_currents_page_writes_a_multiple_of_a_label_led_by_a_number():
    """The currents page printed 2 D[J_vx] as two fractions (47 glyphs; written out, no hand form is shorter): it is
    sigma_n^4 / g^2 times 2 D[Q_x] above it."""
    assert hf.printed_form("currents", r"2 D[J_{v x}]") == r"\frac{\sigma_{n}^{4}}{g^{2}}\, 2 D[Q_{x}]"


def test_pages_folder_from_the_environment(tmp_path, monkeypatch):
    """$THERMOTHEORY_PAGES names the folder read (regenerated pages before they are committed); unset: docs/derivations."""
    _fake_page(tmp_path, {"X": r"\frac{a}{b}"})
    monkeypatch.setenv(hf.PAGES_ENV, str(tmp_path))
    assert hf.pages_dir() == tmp_path and hf.printed_form("fake", "X") == r"\frac{a}{b}"
    monkeypatch.delenv(hf.PAGES_ENV)
    assert hf.pages_dir() == hf.PAGES
    with pytest.raises(FileNotFoundError):
        hf.page_forms("fake")


def test_there_are_enough_inline_hand_forms_on_the_issues_pages():
    pages = {p for p, *_ in WITHIN}
    assert len(WITHIN) >= 6 and {"decoder", "synapse", "particle", "heat_engine"} <= pages


# --- the check can fail ------------------------------------------------------------------


def _fake_page(tmp_path: Path, lines: dict[str, str], section: str = "") -> Path:
    text = ["# a page", ""]
    if section:
        text.append(f"## {section}")
    text += [f"- ${k} = {v}$" for k, v in lines.items()]
    (tmp_path / "fake.md").write_text("\n".join(text) + "\n", encoding="utf-8")
    return tmp_path


def test_an_expanded_form_exceeds_15_percent(tmp_path):
    """A made-up page that prints the expanded polynomial of a hand form: equal in value, flagged as too long."""
    a, b, c = sp.symbols("a b c", positive=True)
    hand_expr = (a + b) ** 3 / c
    expanded = sp.expand(hand_expr)
    pages = _fake_page(tmp_path, {"X": latex_of(expanded), "Y": latex_of(hand_expr)})
    hand = hf.HandForm("fake", "X", r"\frac{(a + b)^3}{c}", sympy="(a + b)**3/c")
    got = hf.compare(hand, pages)
    assert got.equal is True and got.over and got.ratio > 1.15
    # the same hand form against a page that prints it factored: within, and equal
    same = hf.compare(hf.HandForm("fake", "Y", r"\frac{(a + b)^3}{c}"), pages)
    assert same.equal is True and not same.over
    assert hf.report([hand], pages, out=_Sink()) == 1
    assert hf.report([hf.HandForm("fake", "Y", r"\frac{(a + b)^3}{c}")], pages, out=_Sink()) == 0


def test_a_page_form_written_through_an_earlier_result_is_read_written_out(tmp_path):
    """A page writes a result through the name of one above it (``\\dot S = \\Phi_{w} + c``); a hand form that writes it
    out is equal to it, one that names it too is compared as it is, and a wrong one still differs."""
    pages = _fake_page(tmp_path, {r"\Phi_{w}": r"\frac{a}{b + c}", r"\dot S": r"\Phi_{w} + c"})
    out = hf.compare(hf.HandForm("fake", r"\dot S", r"\frac{a}{b + c} + c"), pages)
    assert out.equal is True, out
    assert hf.compare(hf.HandForm("fake", r"\dot S", r"\Phi_{w} + c"), pages).equal is True
    assert hf.compare(hf.HandForm("fake", r"\dot S", r"\frac{a}{b - c} + c"), pages).equal is False


def test_a_page_form_written_as_a_ratio_of_results_is_read_written_out(tmp_path):
    """Labels with arguments (``I_{t}(w; \\mu)``) are written out as the section prints them, not another section's."""
    pages = tmp_path
    (pages / "fake.md").write_text("\n".join([
        "# a page", "## step", r"- $I_{t}(w; \mu) = \ln{\left(1 + a \right)}$",
        "## ramp", r"- $I_{t}(w; \mu) = \ln{\left(1 + b \right)}$", r"- $Q_{w}(t) = b c$",
        r"- $\eta(t) = \frac{I_{t}(w; \mu)}{I_{t}(w; \mu) + Q_{w}(t)}$"]) + "\n", encoding="utf-8")
    right = hf.HandForm("fake", r"\eta(t)", r"\frac{\ln(1 + b)}{\ln(1 + b) + b c}", section="ramp")
    assert hf.compare(right, pages).equal is True
    wrong = hf.HandForm("fake", r"\eta(t)", r"\frac{\ln(1 + a)}{\ln(1 + a) + b c}", section="ramp")
    assert hf.compare(wrong, pages).equal is False


def test_a_wrong_hand_form_or_a_missing_symbol_is_flagged(tmp_path):
    pages = _fake_page(tmp_path, {r"\Phi": r"\frac{g^{2}}{\tau_{n} + \tau_{v}}"}, section="S")
    wrong = hf.HandForm("fake", r"\Phi", r"\frac{g^2}{\tau_n - \tau_v}", section="S")
    assert hf.compare(wrong, pages).equal is False
    mismatched = hf.HandForm("fake", r"\Phi", r"\frac{g^2}{\tau_n + \tau_v}", section="S", sympy="g/(tau_n + tau_v)")
    assert hf.compare(mismatched, pages).equal is False
    missing = hf.HandForm("fake", r"\Phi", r"g", section="")  # the symbol is in section S only
    assert hf.compare(missing, pages).printed is None
    assert hf.report([wrong], pages, out=_Sink()) == 1
    assert hf.report([missing], pages, out=_Sink()) == 1


def test_benchmark_hand_option_reads_json_and_toml(tmp_path):
    bench = load_module("bench_presentation", ROOT / "benchmarks" / "bench_presentation.py")
    page, section, symbol, latex, text = WITHIN[3]
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"page": page, "section": section, "symbol": symbol, "latex": latex, "sympy": text}]))
    assert bench.main(["--hand", str(good)]) == 0
    bad = tmp_path / "bad.toml"  # a hand form much shorter than the page's (and not equal to it)
    bad.write_text(f'[[forms]]\npage = "{page}"\nsymbol = \'{symbol}\'\nlatex = "\\\\kappa"\n')
    assert hf.load_hand(bad)[0].latex == r"\kappa"
    assert bench.main(["--hand", str(bad)]) == 1
    # a missing or malformed hand set: one line and exit code 2, not a traceback
    assert bench.main(["--hand", str(tmp_path / "none.toml")]) == 2
    (tmp_path / "broken.json").write_text('[{"page": "decoder"}]')
    assert bench.main(["--hand", str(tmp_path / "broken.json")]) == 2


# --- the measure and the reader ----------------------------------------------------------


def test_glyphs_is_printed_size_on_the_latex():
    x, y, tau, sig = sp.symbols("x y tau_v sigma_n", positive=True)
    exprs = [(x + y) ** 2 / tau, sp.sqrt(1 + x / y) - 1, sp.log(1 + sig**2 / tau) / 2, sp.exp(-2 * x / tau) * y,
             sp.expand((x + sig) ** 3), x / (y + 1 / tau)]
    for e in exprs:
        assert hf.glyphs(latex_of(e)) == printed_size(e)


def test_glyphs_counts_what_a_reader_sees():
    assert hf.glyphs(r"\left(a + b\right)") == hf.glyphs("(a+b)") == 5
    assert hf.glyphs(r"\frac{1}{2}") == 3 and hf.glyphs(r"\tau_{v}") == hf.glyphs(r"\tau_v") == 3
    assert hf.glyphs(r"a\, b") == 2


def _random_expr(rng: random.Random, names, depth: int) -> sp.Expr:
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(names) if rng.random() < 0.8 else sp.Integer(rng.randint(1, 5))
    op = rng.choice(["add", "sub", "mul", "div", "pow", "sqrt", "log", "exp"])
    a = _random_expr(rng, names, depth - 1)
    b = _random_expr(rng, names, depth - 1)
    return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / (b + 1),
            "pow": lambda: (a + 1) ** rng.randint(2, 3), "sqrt": lambda: sp.sqrt(a + b),
            "log": lambda: sp.log(1 + a / b), "exp": lambda: sp.exp(-a / b)}[op]()


def test_tex_to_sympy_reads_what_sympy_prints():
    """Round trip on random expressions in the pages' kinds of names: print with latex_of, read back, same value."""
    names = [sp.Symbol(n, positive=True) for n in
             ("tau_v", "sigma_n", "g", "T_h", "w_1", "kappa_hat", "u_hat", "rho", "lambda_f", "gamma", "s_mu", "N")]
    rng = random.Random(24)
    for _ in range(40):
        e = _random_expr(rng, names, 3)
        back = hf.tex_to_sympy(latex_of(e))
        assert {s.name for s in back.free_symbols} == {s.name for s in e.free_symbols}, latex_of(e)
        assert hf.equal_at_random_points(back, e), latex_of(e)


def test_tex_to_sympy_reads_hand_notation():
    tv, tn, w1, w2 = sp.symbols("tau_v tau_n w_1 w_2", positive=True)
    assert sp.simplify(hf.tex_to_sympy(r"\frac{1}{2}\ln(1 + \tau_v/\tau_n)") - sp.log(1 + tv / tn) / 2) == 0
    assert sp.simplify(hf.tex_to_sympy(r"\ln^2(w_2/w_1)") - sp.log(w2 / w1) ** 2) == 0
    assert sp.simplify(hf.tex_to_sympy(r"\ln \frac{w_2}{w_1} - \sqrt{w_1}") - (sp.log(w2 / w1) - sp.sqrt(w1))) == 0
    assert hf.tex_to_sympy(r"e^{-\hat{t}}") == sp.exp(-sp.Symbol("t_hat", positive=True))
    rho, snr, lam = sp.symbols("rho SNR lam", positive=True)
    assert hf.tex_to_sympy(r"\rho \mathrm{SNR} + \lambda") == rho * snr + lam
    with pytest.raises(ValueError):
        hf.tex_to_sympy(r"\left[\begin{matrix} a & b \end{matrix}\right]")


def test_module_doctests():
    result = doctest.testmod(hf, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


class _Sink:
    def write(self, _text: str) -> int:
        return 0


def test_a_label_is_found_whatever_its_typesetting(tmp_path):
    # a hand set keyed by I_{th} still finds the page's I_{\mathrm{th}}, and \hat{T_{2}} the page's \hat{T}_{2}
    (tmp_path / "p.md").write_text("# P\n- $t_{\\mathrm{mem}}(I_{\\mathrm{th}}) = 2 x$\n- $\\hat{T}_{2} = \\frac{T_{2}}{T_{1}}$\n"
                                   "- $t_1^* = t_3^* = 8 a$\n", encoding="utf-8")
    assert hf.printed_form("p", r"t_{\mathrm{mem}}(I_{th})", pages=tmp_path) == "2 x"
    assert hf.printed_form("p", r"\hat{T_{2}}", pages=tmp_path) == r"\frac{T_{2}}{T_{1}}"
    assert hf.printed_form("p", r"t_1^* = t_3^*", pages=tmp_path) == "8 a"
    with pytest.raises(LookupError):
        hf.printed_form("p", r"I_{th}", pages=tmp_path)
    a, b = sp.symbols("T_2_hat T_1", positive=True)
    assert hf.tex_to_sympy(r"\hat{T}_{2} + T_{1}") == hf.tex_to_sympy(r"\hat{T_{2}} + T_{1}") == a + b


def test_a_one_letter_label_is_written_out_though_the_hand_form_holds_the_letter_in_a_command(tmp_path):
    # the heat engine's c: a hand form writing c out holds "c" only inside \frac; the page's c is written out
    pages = _fake_page(tmp_path, {"c": r"\frac{a}{b}", "W": r"c^{2} + a"})
    assert hf.compare(hf.HandForm("fake", "W", r"\frac{a^2}{b^2} + a"), pages).equal is True
    assert hf.compare(hf.HandForm("fake", "W", r"c^2 + a"), pages).equal is True


@pytest.mark.parametrize("printed, label, expected", [
    (r"\Delta F + F", "F", r"\Delta F + \left(X\right)"),  # (a decorated name is another name)
    (r"\dot Q", "Q", r"\dot Q"),
    (r"\tau_w + w", "w", r"\tau_w + \left(X\right)"),
    (r"\Sigma_{x w}", "w", r"\Sigma_{x w}"),  # (an index)
    (r"\eta' + \eta^{2}", r"\eta", r"\eta' + \left(X\right)^{2}"),
    (r"\rho (1 + \rho) + \kappa\rho", r"\rho", r"\left(X\right) (1 + \left(X\right)) + \kappa\left(X\right)"),
    (r"2 T W + W T", "W", r"2 T \left(X\right) + \left(X\right) T"),  # (a letter beside it is a factor)
    (r"\rho\mathrm{SNR} + \mathrm{SNRx}", r"\mathrm{SNR}", r"\rho\left(X\right) + \mathrm{SNRx}"),
    (r"\kappa \Sigma_{xw} + \Sigma_{x w}", r"\Sigma_{x w}", r"\kappa \left(X\right) + \left(X\right)"),
    (r"\mathrm{tot} + \frac{c}{2}", "t", r"\mathrm{tot} + \frac{c}{2}"),  # (a word, a command's letter)
    (r"\Phi^{\mathrm{tot}} + \Phi_{w}", r"\Phi", r"\Phi^{\mathrm{tot}} + \Phi_{w}"),
    (r"e^{- c t} + \frac{c}{2}", "c", r"e^{- \left(X\right) t} + \frac{\left(X\right)}{2}"),
])
def test_a_label_is_written_out_only_where_it_stands_whole(printed, label, expected):
    assert hf._label_written_out(printed, label, "X") == expected


def test_a_label_that_a_longer_label_goes_on_from_is_not_written_out_there():
    assert hf._label_written_out(r"\eta(\infty) + \eta (1 + a)", r"\eta", "X", longer=[r"\eta(\infty)"]) == \
        r"\eta(\infty) + \left(X\right) (1 + a)"


def test_a_hand_form_written_through_an_earlier_result_is_checked(tmp_path):
    """A hand form may name a result of its section the page's form writes out (var W = 2 T <W>): it is written out
    on the hand's side (the comparison flagged such a form unequal); a name both hold is read as one symbol on both
    sides (P_s(0) is no product of P_s and 0)."""
    pages = _fake_page(tmp_path, {r"\langle W \rangle(t)": r"\gamma u^{2} t",
                                  r"\operatorname{var} W(t)": r"2 T \gamma u^{2} t",
                                  r"P(0)": r"a + b", "D": r"P(0) \ln P(0)"})
    assert hf.compare(hf.HandForm("fake", r"\operatorname{var} W(t)", r"2T\langle W\rangle(t)"), pages).equal is True
    assert hf.compare(hf.HandForm("fake", r"\operatorname{var} W(t)", r"3T\langle W\rangle(t)"), pages).equal is False
    assert hf.compare(hf.HandForm("fake", "D", r"P(0)\ln P(0)"), pages).equal is True
    assert hf.compare(hf.HandForm("fake", "D", r"(a + b) \ln (a + b)"), pages).equal is True
    assert hf.compare(hf.HandForm("fake", "D", r"P(0) \ln a"), pages).equal is False


def test_an_integral_is_refused_not_read_as_names():
    with pytest.raises(ValueError, match="integral"):
        hf.tex_to_sympy(r"\int\limits_{0}^{1} x\, dx")
    c = hf.compare(hf.HandForm("decoder", r"\Phi_{x}", r"\int\limits_{0}^{1} x\, dx"))
    assert c.equal is None and "unreadable" in c.problem


def test_a_page_is_read_once_for_each_version_of_it(tmp_path, monkeypatch):
    """A comparison reads its page's forms and labels several times; the file is read once, and again when it
    changes."""
    pages = _fake_page(tmp_path, {r"\Phi": r"\frac{a}{b}", "X": r"2 \Phi"})
    reads = []
    real = Path.read_text

    def counted(self, *args, **kwargs):
        reads.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counted)
    assert hf.compare(hf.HandForm("fake", "X", r"\frac{2 a}{b}"), pages).equal is True
    assert reads.count("fake.md") == 1
    _fake_page(tmp_path, {r"\Phi": r"\frac{a}{b}", "X": r"2 \Phi + 1"})  # (a new version: read again)
    assert hf.compare(hf.HandForm("fake", "X", r"\frac{2 a}{b}"), pages).equal is False
    assert reads.count("fake.md") == 2
