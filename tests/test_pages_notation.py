r"""One symbol, one meaning per page; each page with its glossary, conventions, narrative and references.

A quantity whose symbol a model already uses (the entropy production ``\sigma`` beside a noise amplitude
``\sigma_v``, the heat ``Q`` beside a quality factor ``Q``) takes the first alternative notation of its record
that means nothing else on the page, and the page says so. The scan here reads a generated page as a reader
does: the symbols in the model's equations, the left-hand sides of the results and the glossary's rows.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.cli import main
from thermotheory.derivation import Definition, Derivation
from thermotheory.errors import InvalidExport, ModelError
from thermotheory.export.derivation import (CONVENTIONS, bibliography, derivation_tex, glossary_rows, page_notation,
                                            quantity_lines, write_derivation)
from thermotheory.quantity import Quantity, Role, notation_head

from .page_runs import page_run

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "docs" / "references.bib"

#: Commands of layout, not symbols.
LAYOUT = {r"\left", r"\right", r"\frac", r"\sqrt", r"\cdot", r"\quad", r"\text", r"\mathrm", r"\ln", r"\exp",
          r"\sin", r"\cos", r"\bar", r"\dot", r"\hat", r"\to", r"\infty", r"\det", r"\operatorname", r"\qquad"}


def _environments(tex: str) -> list[list[str]]:
    return [[line.strip() for line in body.split(r"\\")] for body in
            re.findall(r"\\begin\{align\}(.*?)\\end\{align\}", tex, flags=re.S)]


def _base(token: str) -> str:
    """A symbol without its index: ``\\sigma_{v}`` -> ``\\sigma`` (written apart from the package's notation_head)."""
    return re.sub(r"[_^].*$", "", token).strip()


def _model_symbols(tex: str) -> set[str]:
    """The bases of the symbols in the model's equations (lines ``dz &= (...) dt + ...``)."""
    found = set()
    for env in _environments(tex):
        for line in env:
            lhs, _, rhs = line.partition("&=")
            if re.fullmatch(r"d\s*\\?[A-Za-z]+(?:_\{[^{}]*\})?|d\\bar\{[a-z]\}", lhs.strip()) and "dt" in rhs:
                rhs = re.sub(r"\bd[tW]\b|dW_\{[^{}]*\}|dW_[A-Za-z]", " ", rhs)
                for token in re.findall(r"\\[A-Za-z]+|(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])", rhs):
                    if token not in LAYOUT:
                        found.add(token)
    return found


def _model_functions(tex: str) -> set[str]:
    """The functions of time in the model's equations (a protocol: ``\\lambda{\\left(s \\right)}``)."""
    return {m for env in _environments(tex) for line in env if "dt" in line.partition("&=")[2]
            for m in re.findall(r"(\\[A-Za-z]+|[A-Za-z])\{\\left\(", line.partition("&=")[2])}


def _result_heads(tex: str) -> dict[str, list[str]]:
    """Base symbol of each result's left-hand side -> the left-hand sides (not the model, not the 'where' block).

    A result that defines one of the model's functions of time (``T(s) = ...``, ``\\lambda^*(s) = ...``: the
    protocol) is the model's symbol with its own meaning, and is left out.
    """
    functions = _model_functions(tex)
    heads: dict[str, list[str]] = {}
    for env in _environments(tex):
        for line in env:
            if line.startswith((r"&\text{where}", r"&\text{with}")):  # definitions, the model's or the results'
                break
            lhs, eq, rhs = line.partition("&=")
            lhs = lhs.strip()
            if not eq or not lhs or (lhs.startswith("d") and "dt" in rhs):
                continue
            lhs = re.sub(r"^\\lim_\{[^{}]*\}\s*", "", lhs)
            if r"\," in lhs:  # a product of symbols defined elsewhere (T\, Q(t): the heat in energy units)
                continue
            if any(re.match(re.escape(f) + r"(\^\*|\^\{\*\})?\s*\(", lhs) for f in functions):
                continue
            if re.match(r"(\\[A-Za-z]+|[A-Za-z])(\^\{?2\}?)?'|(\\[A-Za-z]+|[A-Za-z])\^\{?2\}?\(", lhs):
                continue  # a parameter transformed (m', a', m^2(xi): a flow of the model's own parameters)
            m = re.match(r"((?:\\(?:dot|bar|hat|mathcal|Delta)\s*)*)\{?(\\[A-Za-z]+|[A-Za-z])", lhs)
            if m:
                heads.setdefault((m.group(1).strip() + " " + m.group(2)).strip(), []).append(lhs)
    return heads


def _defined(tex: str) -> set[str]:
    """The bases of the names defined under 'where' or 'with' (C_1, rho, a quality factor Q)."""
    found = set()
    for env in _environments(tex):
        heads = [k for k, line in enumerate(env) if line.startswith((r"&\text{where}", r"&\text{with}"))]
        for line in env[heads[0] + 1:] if heads else []:
            m = re.match(r"\s*(\\[A-Za-z]+|[A-Za-z])", line.partition("&=")[0])
            if m and "&=" in line:
                found.add(m.group(1))
    return found


_TRANSITION = re.compile(r"(?P<states>.*?&\\(?:rightleftharpoons|rightarrow)[^:]*):\s*\\quad\s*(?P<rates>.*)")
_RATE_LABEL = re.compile(r"(?:^|,\\\s*)(\\mathrm\{[A-Za-z]\}'*|\\[A-Za-z]+'*|[A-Za-z]'*)(?:_\{[+-]\})?\s*=")


def _symbol_bases(tex: str) -> set[str]:
    """The symbols a reader sees in a piece of LaTeX, without their indices and word labels (``k_{\\mathrm{on}}``
    is ``k``, ``\\text{R*}`` is none)."""
    tex = re.sub(r"\\(?:mathrm|text)\{[^{}]*\}", " ", tex)
    while re.search(r"_\{[^{}]*\}", tex):
        tex = re.sub(r"_\{[^{}]*\}", " ", tex)
    tex = re.sub(r"_\\?[A-Za-z0-9]+", " ", tex)
    return {t for t in re.findall(r"\\[A-Za-z]+|(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])", tex) if t not in LAYOUT}


def _labels_and_symbols(env: list[str]) -> tuple[dict[str, str], set[str]]:
    """Of one align environment: each rate label with the first transition line it labels, and the symbols beside
    them (the rates' symbols, the states' bases, the heads of results and of definitions)."""
    labels: dict[str, str] = {}
    taken: set[str] = set()
    others = []
    for line in env:
        m = _TRANSITION.fullmatch(line)
        if m is None:
            others.append(line)
            continue
        rates = m.group("rates")
        for label in _RATE_LABEL.findall(rates):
            labels.setdefault(label, line)
        rates = re.sub(r"\\Delta s\s*=", " ", _RATE_LABEL.sub(" ", rates))  # the labels, not the symbols
        taken |= _symbol_bases(m.group("states")) | _symbol_bases(rates)
    block = "\\begin{align}\n" + " \\\\\n".join(others) + "\n\\end{align}"
    return labels, taken | set(_result_heads(block)) | _defined(block)


def rate_labels_with_two_meanings(tex: str) -> list[str]:
    """Every letter that labels the rates of a model's transition lines (``a &\\rightarrow b: \\quad w = ...``,
    ``w_{+} = ..., w_{-} = ...``) and in the same model block is also a symbol of the rates, a state's base,
    or the head of a result or a definition."""
    found = []
    for env in _environments(tex):
        labels, taken = _labels_and_symbols(env)
        found += [f"{label} (the label of a rate) and the model's {label}, in: {line}"
                  for label, line in labels.items() if label in taken]
    return found


#: Letters that read as a rate label on a page (the choices of MarkovJumpProcess.rate_label, read here on their own).
LOOKALIKES = {"w": {r"\omega"}, "k": {r"\kappa"}, r"\nu": {"v"}, r"\gamma": {"y"}}


def rate_labels_beside_the_page(tex: str) -> list[str]:
    """Every letter that labels rates anywhere on a page and, anywhere else on it, is (or reads as) a symbol: a rate's
    symbol or a state's base in another model, a result's head or a definition (``\\nu`` beside a pump's flux
    ``\\nu`` or the product fluxes ``v_R``, ``v_W``)."""
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for env in _environments(tex):
        env_labels, env_taken = _labels_and_symbols(env)
        for label, line in env_labels.items():
            labels.setdefault(label, line)
        taken |= env_taken
    return [f"{label} (the label of a rate) beside {sorted(({label} | LOOKALIKES.get(label, set())) & taken)} "
            f"elsewhere on the page, in: {line}" for label, line in labels.items()
            if ({label} | LOOKALIKES.get(label, set())) & taken]


def _glossary_units(tex: str) -> dict[str, str]:
    """Each symbol of the page's glossary -> its units (the table's third column)."""
    rows = re.findall(r"\\raggedright (.*?) & \\raggedright .*? & \\raggedright (.*?) \\tabularnewline", tex)
    return {symbol: unit.strip() for symbols, unit in rows for symbol in re.findall(r"\$([^$]*)\$", symbols)}


def _same_kind(lhs: str, head: str, units: dict[str, str]) -> bool:
    """Whether a result written with the model's symbol ``head`` is a kind of that symbol, not a second meaning: the
    glossary gives the bare symbol and the result the same units (``t_{mem}``, a time, beside the time ``t``; not the
    heat ``Q``, in nats, beside a quality factor ``Q``)."""
    return head in units and units.get(lhs) == units[head]


def two_meanings(tex: str) -> list[str]:
    """Every symbol of a page with two meanings: a result written with a symbol that the model, or a definition
    under 'where', already uses, or a glossary that gives one symbol two rows."""
    model = {_base(s) for s in _model_symbols(tex)}
    defined = _defined(tex)
    units = _glossary_units(tex)
    found = [f"{lhs} (a result) and the model's {head}" for head, lhss in _result_heads(tex).items()
             if head in model for lhs in lhss if not _same_kind(lhs, head, units)]
    found += [f"{lhs} (a result) and the defined {head}" for head, lhss in _result_heads(tex).items()
              if head in defined and head not in model for lhs in lhss]
    rows = re.findall(r"\\raggedright (.*?) & \\raggedright (.*?) & ", tex)
    meaning: dict[str, str] = {}
    for symbols, what in rows:
        for symbol in re.findall(r"\$([^$]*)\$", symbols):
            if symbol.strip() == r"\ldots":  # "and so on" in a row of several symbols, not a symbol
                continue
            if meaning.setdefault(symbol, what) != what:
                found.append(f"{symbol} in the glossary twice: {meaning[symbol]!r} and {what!r}")
    block = rate_labels_with_two_meanings(tex)
    seen = {f.split(" ", 1)[0] for f in block}  # a label seen in its own block is not reported again page-wide
    return found + block + [f for f in rate_labels_beside_the_page(tex) if f.split(" ", 1)[0] not in seen]


def _bib_fields(key: str) -> dict[str, str]:
    """The fields of one entry of docs/references.bib, read by pybtex (not by the package's reader)."""
    database = pytest.importorskip("pybtex.database")
    entry = database.parse_file(BIB).entries[key]
    return {"title": entry.fields["title"], "year": entry.fields["year"],
            "last": [str(p.last_names[0]) for p in entry.persons.get("author", [])]}


def _sigma_model():
    """A signal v and a sensor x whose parameters are called sigma (a noise amplitude) and Q (a quality factor)."""
    v, x = sp.symbols("v x", real=True)
    sigma, Q, tau = sp.symbols("sigma Q tau", positive=True)
    return tt.LinearSDE({v: -v / tau, x: (v - x) / Q}, {v: sigma**2 / tau, x: 1}), v, x, sigma, Q, tau


def _derivation(model, v, x):
    return Derivation.of(model, {"ep": tt.entropy_production_rate.of(), "ep_x": tt.entropy_production_rate.of(x),
                                 "heat": tt.heat_rate.of(x), "te": tt.transfer_entropy_rate.of(v, x)})


# -- the notation of one quantity ----------------------------------------------------------------------------------

def test_heads_group_a_symbol_with_its_indices_and_separate_labels_and_accents():
    same = [(r"\sigma_{x}", "sigma_v"), (r"\sigma", r"\sigma_{v}"), (r"T_{v \to x}", "T_h"), ("Q", r"Q_{x}(t)"),
            (r"\epsilon^2_{v \mid x}", "epsilon"), (r"2 D[Q]", "D_v"), (r"\lim_{N \to \infty} I(v; x)", "I")]
    different = [(r"\dot S^{\mathrm{tot}}", "S"), (r"\dot S^{\mathrm{tot}}", r"\dot S^{\mathrm{pump}}"),
                 (r"\mathcal{Q}[W]", "Q"), (r"T^{\mathrm{path}}_{v \to y}", r"T_{v \to y}"), (r"\Phi_{x}", "phi")]
    for a, b in same:
        assert notation_head(a) == notation_head(b), (a, b)
    for a, b in different:
        assert notation_head(a) != notation_head(b), (a, b)


def test_a_quantity_picks_the_first_notation_that_clashes_with_nothing():
    x = sp.Symbol("x", real=True)
    q = Quantity("toy_rate", lambda model, subsystem=None: 0, symbol=r"\sigma_{{{subsystem}}}", kind="rate",
                 units="nats", reference="", description="a toy", roles=(Role("subsystem", optional=True),),
                 alternatives=(r"\Pi_{{{subsystem}}}", r"\dot S_{{{subsystem}}}"))
    assert q.notation_avoiding([]) == q.symbol
    assert q.notation_avoiding([sp.Symbol("sigma_n"), "tau"]) == q.alternatives[0]
    assert q.notation_avoiding(["sigma_n", r"\Pi"]) == q.alternatives[1]
    assert q.notation_avoiding(["sigma", "Pi", r"\dot S_{y}"]) == q.symbol  # every one clashes: its own symbol
    bound = q.of(x)
    assert bound.latex() == r"\sigma_{x}" and bound.latex(avoid=["sigma_1"]) == r"\Pi_{x}"
    assert q.of().latex(avoid=["sigma_1"]) == r"\Pi"


def test_bad_alternatives_are_refused_by_name():
    f = lambda model, subsystem=None: 0  # noqa: E731
    common = dict(symbol=r"\sigma", kind="rate", units="", reference="", description="",
                  roles=(Role("subsystem", optional=True),))
    with pytest.raises(ModelError, match="not roles"):
        Quantity("bad", f, alternatives=(r"\Pi_{{{target}}}",), **common)
    with pytest.raises(ModelError, match="tuple of LaTeX patterns"):
        Quantity("bad", f, alternatives=r"\Pi", **common)
    with pytest.raises(ModelError, match="not a pattern"):
        Quantity("bad", f, alternatives=(r"\Pi_{",), **common)
    with pytest.raises(ModelError, match="expected a symbol"):
        tt.entropy_production_rate.notation_avoiding([3])


def test_the_records_that_clash_in_practice_have_alternatives_with_their_roles():
    for q in (tt.entropy_production_rate, tt.heat, tt.heat_rate, tt.transfer_entropy_rate, tt.filter_error):
        assert q.alternatives, q.name
        fields = {r.name for r in q.roles}
        for pattern in q.notations:
            assert set(re.findall(r"(?<!\{)\{(\w+)\}(?!\})", pattern)) <= fields
        heads = {notation_head(p.replace("{{", "{").replace("}}", "}")) for p in q.notations}
        assert len(heads) == len(q.notations), q.name  # each alternative is another symbol
    # sigma (noise amplitude), Q (quality factor), T (a temperature) are not the quantities' symbols any more
    assert tt.entropy_production_rate.of().latex(avoid=["sigma_v"]) != r"\sigma"
    assert not tt.heat.of(t=1, initial=[[1]]).latex(avoid=["Q"]).startswith("Q")
    assert not tt.transfer_entropy_rate.of("v", "x").latex(avoid=["T_1", "T_2"]).startswith("T")


# -- the page ----------------------------------------------------------------------------------------------------

def test_the_scan_sees_the_old_clash_of_sigma():
    """The decoder page as committed before: the entropy production sigma beside the noise amplitude sigma_v."""
    old = "\n".join([r"\begin{align}",
                     r"dv &= \left(- \frac{v}{\tau_{v}}\right) dt + \sqrt{2 \sigma_{v}^{2}}\, dW_{v} \\",
                     r"\sigma &= \frac{g^{2} \sigma_{v}^{2}}{\tau_{n}} \\", r"\Phi_{x} &= 1", r"\end{align}"])
    assert two_meanings(old) == [r"\sigma (a result) and the model's \sigma"]
    fixed = old.replace(r"\sigma &=", r"\dot S^{\mathrm{tot}} &=")
    assert two_meanings(fixed) == []
    # the heat Q(t) beside a quality factor Q defined under 'where' (the particle page), C_1 beside C_x (decoder)
    for result, defined in [(r"Q(t)", r"Q"), (r"C_{x}", r"C_{1}")]:
        page = "\n".join([r"\begin{align}", rf"{result} &= \frac{{k}}{{C_{{1}}}} \\", r"&\text{where} \notag \\",
                          rf"{defined} &= \sqrt{{k m}}", r"\end{align}"])
        assert two_meanings(page) == [f"{result} (a result) and the defined {defined[0]}"]
    # a time t_mem beside the model's time t is a kind of it (same units in the glossary); a heat Q beside the model's
    # quality factor Q is not
    for result, unit, clash in [(r"t_{\mathrm{mem}}", "time", False), ("Q(t)", "nats", True)]:
        head = result[0]
        page = "\n".join([r"\begin{align}", rf"dx &= - \frac{{x}}{{{head}}} h(t)\, dt + dW_{{x}} \\",
                          rf"{result} &= 2 \ln k", r"\end{align}",
                          rf"\raggedright ${result}$ & \raggedright a result & \raggedright {unit} \tabularnewline",
                          rf"\raggedright ${head}$ & \raggedright a parameter & "
                          rf"\raggedright {'time' if head == 't' else '--'} \tabularnewline"])
        assert two_meanings(page) == ([f"{result} (a result) and the model's {head}"] if clash else []), result
    # a glossary with one symbol in two rows
    rows = "\n".join([r"\raggedright $\sigma$ & \raggedright noise & \raggedright -- \tabularnewline",
                       r"\raggedright $\sigma$ & \raggedright entropy production & \raggedright -- \tabularnewline"])
    assert len(two_meanings(rows)) == 1


def test_the_scan_sees_a_rate_label_that_is_a_symbol_of_the_model():
    """The jump processes page as committed before #24: proofreading's catalysis rate w labelled w."""
    old = "\n".join([r"\begin{align}", r"E &\rightleftharpoons R: \quad w_{+} = k_{\mathrm{on}},\ w_{-} = \kappa \\",
                     r"\text{R*} &\rightarrow E: \quad w = l + w \\", r"R &\rightarrow \text{R*}: \quad w = m \\",
                     r"v_R &= \frac{k_{\mathrm{on}} m p_E w}{\left(\kappa + m\right) \left(l + w\right)}",
                     r"\end{align}"])
    assert len(two_meanings(old)) == 1 and two_meanings(old)[0].startswith("w (the label of a rate)")
    assert two_meanings(old.replace("w_{", r"\lambda_{").replace(r"\quad w =", r"\quad \lambda =")) == []
    # nu reads as the v of the fluxes v_R: seen page-wide
    assert two_meanings(old.replace("w_{", r"\nu_{").replace(r"\quad w =", r"\quad \nu =")) != []
    # a clean line alone passes; a label that is a state's base, or a result of the same block, is seen
    clean = r"\begin{align}" + "\n" + r"\text{R*} &\rightarrow E: \quad \nu = l + w" + "\n" + r"\end{align}"
    assert two_meanings(clean) == []
    states = r"\begin{align}" + "\n" + r"w_{1} &\rightarrow s_{2}: \quad w = \frac{r x}{1 - x}" + "\n" + r"\end{align}"
    assert len(rate_labels_with_two_meanings(states)) == 1
    assert rate_labels_with_two_meanings(states.replace(r"\quad w", r"\quad k")) == []
    result = "\n".join([r"\begin{align}", r"a &\rightleftharpoons b: \quad \nu_{+} = k_{1},\ \nu_{-} = k_{2} \\",
                         r"\nu &= \frac{k_{1} k_{2}}{\Sigma}", r"\end{align}"])
    assert len(rate_labels_with_two_meanings(result)) == 1
    # indices, word labels and reservoirs are not symbols: k_{w}, \Delta s, \text{w}
    apart = r"a &\rightleftharpoons b: \quad w_{+} = k_{w},\ w_{-} = 1,\ \Delta s = 0\ (\text{w})"
    assert rate_labels_with_two_meanings(r"\begin{align}" + "\n" + apart + "\n" + r"\end{align}") == []


def test_the_scan_sees_a_rate_label_that_means_something_else_elsewhere_on_the_page():
    """The jump processes page as committed before: rates labelled nu beside the pump's flux nu and the product fluxes
    v_R, v_W (which read as nu), in other sections; and w beside the cascade's states w_1, w_2."""
    old = subprocess.run(["git", "show", "eb2fdea:docs/derivations/jump_processes.tex"], cwd=ROOT, capture_output=True,
                         text=True)
    if old.returncode != 0:  # a shallow clone without that commit: the lines that matter, as they were
        old_tex = "\n".join([r"\begin{align}", r"0 &\rightleftharpoons 1: \quad w_{+} = 4 \alpha,\ w_{-} = \beta",
                              r"\end{align}", r"\begin{align}", r"E &\rightleftharpoons R: \quad \nu_{+} = k,\ "
                              r"\nu_{-} = \kappa \\", r"v_R &= \frac{k m}{l + w} \\",
                              r"w_{1} &\rightarrow w_{2}: \quad k = r", r"\end{align}"])
    else:
        old_tex = old.stdout
    found = rate_labels_beside_the_page(old_tex)
    assert any(f.startswith(r"\nu (the label of a rate)") for f in found), found
    assert any(f.startswith("w (the label of a rate)") for f in found), found
    assert rate_labels_beside_the_page((ROOT / "docs" / "derivations" / "jump_processes.tex").read_text()) == []


def test_a_page_labels_its_rates_apart_from_every_notation_on_it(tmp_path):
    """write_derivation hands the page's notations to a jump model's display: a result named nu elsewhere on the page
    moves the rates' label off nu."""
    from thermotheory import MarkovJumpProcess

    w, q = sp.symbols("w q", positive=True)
    model = MarkovJumpProcess({("a", "b"): w, ("b", "a"): q})  # w is a rate's symbol: the label is k
    assert model.rate_symbol == "k"
    assert model.rate_label([r"\nu", "k_{1}"]) == r"\lambda"
    other = MarkovJumpProcess({("c", "d"): q, ("d", "c"): 2 * q})
    tex_path, _ = write_derivation("two", "Two chains", model, {"P": sp.Integer(1)}, tmp_path,
                                   sections=[("Other", other, {r"k_{\mathrm{eff}}": q})])
    tex = tex_path.read_text()
    assert r"\quad \nu_{+} = w" in tex and r"\quad \nu_{+} = q" in tex, tex  # not k: k_eff is a result
    assert rate_labels_beside_the_page(tex) == []
    assert r"\raggedright $\nu_{+}$, $\nu_{-}$, $\nu$ & \raggedright rates of a transition" in tex  # in the glossary


def test_labels_to_avoid_that_are_not_latex_strings_are_refused_by_name():
    from thermotheory import MarkovJumpProcess

    q = sp.Symbol("q", positive=True)
    model = MarkovJumpProcess({("a", "b"): q, ("b", "a"): 2 * q})
    for bad in (5, [1], [r"\nu", None]):
        with pytest.raises(ModelError, match="rate_label: avoid"):
            model.rate_label(bad)
        with pytest.raises(InvalidExport, match="avoid must be"):
            derivation_tex(model, {"P": sp.Integer(1)}, avoid=bad)
    assert model.rate_label([]) == model.rate_symbol == "w" and model.rate_label("w_{1}") == "k"


def test_a_parameter_called_sigma_moves_the_entropy_production_to_its_alternative(tmp_path):
    model, v, x, sigma, Q, tau = _sigma_model()
    d = _derivation(model, v, x)
    tex_path, md_path = write_derivation("toy", "A toy sensor", model, d, tmp_path,
                                         text="A signal v read by a sensor x (after Horowitz and Esposito).",
                                         glossary={sigma: ("noise amplitude of the signal", "units of v"),
                                                   "Q": "quality factor of the sensor", "tau": "signal time"},
                                         references=["karbowski2024"])
    tex, md = tex_path.read_text(), md_path.read_text()
    assert two_meanings(tex) == [], two_meanings(tex)
    assert r"\dot S^{\mathrm{tot}} &=" in tex and r"\dot S^{\mathrm{tot}}_{x} &=" in tex
    assert r"\sigma &=" not in tex and r"\sigma_{x} &=" not in tex
    # the values are those of the quantity, whatever its notation
    shown = page_notation([(model, d)]).notation(d)
    assert sp.simplify(shown[r"\dot S^{\mathrm{tot}}"] - d["ep"]) == 0
    # the page says why, in a sentence, on both pages
    for page in (tex, md):
        assert "written $\\dot S^{\\mathrm{tot}}$ here (not $\\sigma$" in page
        assert "$k_B = 1$" in page and "nats" in page and "per unit time" in page and "into the medium" in page
        assert "Horowitz and Esposito" in page
    # the heat rate Phi and the transfer entropy T clash with nothing here: their own symbols
    assert r"\Phi_{x} &=" in tex and r"T_{v \to x} &=" in tex


def test_one_notation_for_the_whole_document(tmp_path):
    """A clash in one section changes the notation in every section: one symbol, one meaning per document."""
    model, v, x, *_ = _sigma_model()
    y = sp.Symbol("y", real=True)
    k = sp.Symbol("k", positive=True)
    plain = tt.LinearSDE({y: -k * y}, {y: 1})
    first = Derivation.of(plain, {"ep": tt.entropy_production_rate.of()})
    assert r"\sigma &=" in derivation_tex(plain, first)  # alone, the page keeps sigma
    tex, md = write_derivation("two", "Two models", plain, first, tmp_path,
                               sections=[("With a noise amplitude sigma", model, _derivation(model, v, x),
                                          "The second model, with its own sigma.")])
    tex = tex.read_text()
    assert tex.count(r"\dot S^{\mathrm{tot}} &=") == 2 and r"\sigma &=" not in tex
    assert "The second model, with its own $\\sigma$." in tex
    assert two_meanings(tex) == []


def test_a_definition_letter_is_not_reused_for_introduced_names():
    """Sums named to fit the page are not called C_1 on a page whose sensory capacity is C_x."""
    a = sp.symbols("a_1:40", positive=True)
    wide = sp.log(sp.Add(*[s**2 for s in a]) + sp.Add(*[s**3 for s in a])) / (1 + a[0])
    lines = quantity_lines({"C_{x}": a[1], "I": wide})
    introduced = {re.match(r"([A-Za-z\\{}]+)_\{\d+\}", line).group(1) for line in lines
                  if re.match(r"[A-Za-z]_\{\d+\} &=", line)}
    assert introduced and "C" not in introduced, lines


def test_glossary_has_each_quantity_once_with_its_record(tmp_path):
    model, v, x, sigma, Q, tau = _sigma_model()
    d = _derivation(model, v, x) | Derivation(model, [("capacity", Definition("capacity", "C_{x}", "sensory capacity"),
                                                          sp.Rational(1, 2))])
    rows = glossary_rows([(model, d)], glossary={"Q": ("quality factor", "")})
    by_meaning = {meaning: (symbols, units) for symbols, meaning, units in rows}
    ep = tt.entropy_production_rate
    assert by_meaning[ep.description] == (r"$\dot S^{\mathrm{tot}}$, $\dot S^{\mathrm{tot}}_{x}$", ep.units)
    assert by_meaning[tt.heat_rate.description][1] == tt.heat_rate.units
    assert by_meaning["sensory capacity"][0] == "$C_{x}$"
    assert by_meaning["quality factor"][0] == "$Q$"
    assert len(rows) == 5
    with pytest.raises(InvalidExport, match="glossary"):
        glossary_rows([(model, d)], glossary={"Q": 3})
    with pytest.raises(InvalidExport, match="glossary"):
        glossary_rows([(model, d)], glossary=["Q"])


def test_references_are_the_records_and_the_given_keys_printed_from_the_bib(tmp_path):
    model, v, x, *_ = _sigma_model()
    tex, md = write_derivation("refs", "References", model, _derivation(model, v, x), tmp_path,
                               references=["goldt2017"])
    tex, md = tex.read_text(), md.read_text()
    keys = re.findall(r"\\bibitem\{([^}]*)\}", tex)
    expected = ["goldt2017", *dict.fromkeys([tt.entropy_production_rate.reference, tt.heat_rate.reference,
                                             tt.transfer_entropy_rate.reference])]
    assert keys == expected
    for key in keys:
        fields = _bib_fields(key)
        item = re.search(r"\\bibitem\{" + key + r"\}(.*)", tex).group(1)
        assert fields["year"] in item and all(last in item for last in fields["last"]), item
        assert fields["title"].replace("{", "").replace("}", "")[:30] in item
        assert f"- [{key}]" in md
    assert r"\begin{thebibliography}" in tex and "## References" in md
    assert bibliography(["no_such_key"]) == [("no_such_key", r"no\_such\_key")]  # a missing key: printed as it is


def test_bad_narratives_and_references_are_refused(tmp_path):
    model, v, x, *_ = _sigma_model()
    with pytest.raises(InvalidExport, match="text"):
        write_derivation("a", "T", model, {}, tmp_path, text=3)
    with pytest.raises(InvalidExport, match="text of section 0"):
        write_derivation("a", "T", model, {}, tmp_path, sections=[("h", model, {}, None)])
    with pytest.raises(InvalidExport, match="reference key"):
        write_derivation("a", "T", model, {}, tmp_path, references=[3])
    assert not (tmp_path / "a.tex").exists()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_the_page_with_glossary_and_references_compiles_and_fits(tmp_path):
    model, v, x, sigma, Q, tau = _sigma_model()
    d = _derivation(model, v, x)
    tex, _ = write_derivation("fits", "A toy sensor", model, d, tmp_path, text="A model. " * 40,
                              glossary={sigma: ("a noise amplitude with a long description " * 4, "units of v"),
                                        r"\lim_{t_f \to \infty} t_f \left(W^*(t_f) - \Delta F\right)": "a long name",
                                        r"\sigma(s),\ 0 < s < t_1 + t_3": ("a long name", "units")},
                              references=["karbowski2024", "goldt2017"])
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = (tmp_path / "fits.log").read_text(errors="replace")
    assert run.returncode == 0, log[-2000:]
    assert "Overfull" not in log and "Citation" not in log


# -- whole pages and reports ----------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["decoder", "tracking"])
def test_reports_have_one_meaning_per_symbol(name, tmp_path):
    path = tmp_path / f"{name}.tex"
    assert main(["report", name, "-o", str(path), "--no-verify"], out=io.StringIO()) == 0
    tex = path.read_text()
    assert two_meanings(tex) == [], two_meanings(tex)
    assert r"\subsection*{Notation}" in tex and r"\begin{thebibliography}" in tex


@pytest.mark.slow
@pytest.mark.parametrize("script", ["decoder", "sensor", "two_temperatures"])
def test_derivation_pages_have_one_meaning_per_symbol_and_their_apparatus(script):
    run = page_run(script)  # the script's fast run, shared with the other tests that read its page
    tex, md = run.tex, run.md
    assert two_meanings(tex) == [], two_meanings(tex)
    assert CONVENTIONS.split(":")[0] in tex and CONVENTIONS.split(":")[0] in md
    assert r"\subsection*{Notation}" in tex and "## Notation" in md
    assert r"\begin{thebibliography}" in tex and "## References" in md
    # the same references and glossary symbols on both pages
    assert re.findall(r"\\bibitem\{([^}]*)\}", tex) == re.findall(r"^- \[([^\]]*)\]", md, flags=re.M)
    tex_rows = re.findall(r"\\raggedright (.*?) & \\raggedright", tex)
    md_rows = re.findall(r"^\| (\$.*?) \| ", md, flags=re.M)
    assert tex_rows == md_rows


@pytest.mark.parametrize("page", sorted((ROOT / "docs" / "derivations").glob("*.tex")), ids=lambda p: p.stem)
def test_committed_pages_have_one_meaning_per_symbol_and_their_apparatus(page):
    """The committed pages (docs/derivations, written by tools/run_derivations.py) as a referee reads them."""
    tex, md = page.read_text(), page.with_suffix(".md").read_text()
    assert two_meanings(tex) == [], two_meanings(tex)
    assert "Conventions: $k_B = 1$" in tex and "Conventions: $k_B = 1$" in md
    assert r"\subsection*{Notation}" in tex and "## Notation" in md
    assert r"\begin{thebibliography}" in tex and "## References" in md
