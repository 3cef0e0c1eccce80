r"""A jump process's states set upright, as labels (issue #24: one symbol, one meaning per document).

The jump-process page printed the binary synapse's states ``w, s`` (weak, strong) in italic, the letters of
parameters, beside kinetic proofreading's catalysis rate ``w``: one letter with two meanings on one page. A state
named by a word is a label and is set upright (``\mathrm{w}``), as descriptive labels are; its probability and tree
sum take the same label (``P_{\mathrm{s}}(0)``, ``Z_{\mathrm{w_{1}}}``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp

from thermotheory.core import jump_forms as jf
from thermotheory.core.jump import MarkovJumpProcess

ROOT = Path(__file__).resolve().parents[1]
k, q = sp.symbols("k q", positive=True)


@pytest.mark.parametrize("state, tex", [
    ("w", r"\mathrm{w}"), ("w1", r"\mathrm{w_{1}}"), ("E_1Na", r"\mathrm{E_{1Na}}"), ("R*", r"\text{R*}"),
    ("alpha", r"\alpha"), (3, "3"), ((0, "on"), r"(0, \mathrm{on})"), ("k_on", r"\mathrm{k_{on}}"),
    ("x_beta", r"\mathrm{x_{\beta}}"), ("open_", r"\mathrm{open}"),
])
def test_a_state_named_by_a_word_is_set_upright(state, tex):
    model = MarkovJumpProcess({("w", "s"): k, ("s", "w"): q})
    assert model.state_latex(state) == tex


def test_a_state_and_a_rate_of_one_letter_print_apart():
    """A state ``k`` of a network whose rate is the parameter ``k``: the transition line tells them apart."""
    model = MarkovJumpProcess({("k", "b"): k, ("b", "k"): q})
    line = model.latex_lines()[0]
    assert line.startswith(r"\mathrm{k} &\rightleftharpoons \mathrm{b}:"), line
    assert re.search(r"= k,", line), line
    # the tree sums and the marginal labels take the state's label
    names = {str(t) for t in jf.entropy(model, form="structured").names.values()}
    assert names == {r"Z_{\mathrm{k}}", r"Z_{\mathrm{b}}", "Z"}, names


def test_the_jump_page_sets_the_synapses_states_apart_from_the_catalysis_rate():
    page = (ROOT / "docs" / "derivations" / "jump_processes.md").read_text(encoding="utf-8")
    assert r"\mathrm{w} &\rightleftharpoons \mathrm{s}:" in page
    assert r"w &\rightleftharpoons s" not in page
    assert r"\Gamma = l + w" in page  # (proofreading's rate w, italic: a parameter)
    assert r"P_{\mathrm{s}}(0)" in page and "P_s(0)" not in page


def test_a_state_s_italic_letters_are_those_a_parameter_of_its_name_prints():
    """What a rate's label and the tree sums' primes avoid: the letters a state shares with a parameter of its name
    (public, so that the tree sums need no private helper of the model)."""
    model = MarkovJumpProcess({("w1", "s"): k, ("s", "w1"): q})
    assert model.state_latex("w1", italic=True) == sp.latex(sp.Symbol("w1")) == "w_{1}"
    assert model.state_latex("w1") == r"\mathrm{w_{1}}"
    assert model.state_latex(("w1", 0), italic=True) == "(w_{1}, 0)"
    from thermotheory.errors import ModelError

    with pytest.raises(ModelError, match="italic must be True or False"):
        model.state_latex("w1", italic="yes")
