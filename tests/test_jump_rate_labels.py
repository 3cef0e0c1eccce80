r"""The letter that labels a jump process's rates (``w_{+} = ...``) means nothing else of the model (#24).

A rate parameter called ``w`` (kinetic proofreading's catalysis) or states called ``w_1, w_2`` (the cascade's
weak levels) move the labels to the next free letter. The checks read the printed lines as a reader does and
compare them with the model's symbols and states by their names, not through the package's printer.
"""

from __future__ import annotations

import pickle
import random
import re

import sympy as sp

from thermotheory import MarkovJumpProcess
from thermotheory.models import memory, proofreading

from .test_pages_notation import rate_labels_with_two_meanings

#: The preference order the labels follow (the issue: w first, then k, then nu, ...).
PREFERENCE = ["w", "k", r"\nu", r"\lambda", r"\gamma", r"\Gamma"]
LOOKALIKE = {"w": {r"\omega"}, "k": {r"\kappa"}, r"\nu": {"v"}, r"\gamma": {"y"}}  # letters read as the label
GREEK = {"nu", "lambda", "gamma", "Gamma", "kappa", "omega", "alpha", "beta", "Delta"}


def _labels(lines: list[str]) -> set[str]:
    """The letters the lines label their rates with (``w_{+} = k`` and ``w = k`` give ``w``)."""
    found = set()
    for line in lines:
        rates = line.partition(r"\quad")[2]
        found |= set(re.findall(r"(?:^|,\\ )\s*(\\mathrm\{w\}'*|\\?[A-Za-z]+'*)(?:_\{[+-]\})? =", rates.strip()))
    return found


def _base(name: str) -> str:
    """A sympy name's letter as a page prints it, from the name alone: ``k_on`` -> ``k``, ``kappa`` -> ``\\kappa``."""
    head = name.split("_")[0]
    return "\\" + head if head in GREEK else head


def _names(model: MarkovJumpProcess) -> set[str]:
    """The bases of every symbol of the rates and flows and of every state name (tuples: their components)."""
    names = {_base(p.name) for p in model.parameters}
    todo = list(model.states)
    while todo:
        s = todo.pop()
        if isinstance(s, tuple):
            todo.extend(s)
        elif isinstance(s, str) and s.isidentifier():
            names.add(_base(s))
    return names


def _page(lines: list[str]) -> str:
    return "\\begin{align}\n" + " \\\\\n".join(lines) + "\n\\end{align}"


def _check_clean(model: MarkovJumpProcess) -> str:
    lines = model.latex_lines()
    labels = _labels(lines)
    assert labels == {model.rate_symbol}, (labels, lines)
    assert model.rate_symbol not in _names(model), (model.rate_symbol, _names(model))
    assert rate_labels_with_two_meanings(_page(lines)) == []
    return model.rate_symbol


def test_a_rate_parameter_called_w_moves_the_labels_off_w():
    k_on, kappa, m, l, w, delta = sp.symbols("k_on kappa m l w Delta", positive=True)
    toy = MarkovJumpProcess({("E", "R"): k_on, ("R", "E"): kappa, ("R", "R*"): m, ("R*", "E"): l + w,
                             ("E", "W"): k_on, ("W", "E"): kappa * sp.exp(delta)})
    for model in (toy, proofreading.proofreading()):
        lines = model.latex_lines()
        assert not any(re.search(r"(?<![\\A-Za-z])w(_\{[+-]\})? =", line) for line in lines), lines
        assert any(re.search(r"= l \+ w\b|= l e\^\{\\Delta\} \+ w\b", line) for line in lines)  # the parameter stays
        assert _check_clean(model) not in ("w", "k")  # k is taken by k_on


def test_states_called_w_move_the_labels_off_w():
    a, b = sp.symbols("a b", positive=True)
    toy = MarkovJumpProcess({("w_1", "w_2"): a, ("w_2", "w_1"): b, ("w_2", "s_1"): a})
    assert _check_clean(toy) == "k"
    assert _check_clean(memory.cascade(3)) == "k"
    assert _check_clean(memory.binary_synapse()) == "k"  # the states w and s
    # tuple states: a component called w
    pairs = MarkovJumpProcess({((0, 0), ("w", 0)): a, (("w", 0), (0, 0)): b})
    assert _check_clean(pairs) == "k"


def test_symbols_w_and_k_give_the_third_choice_and_look_alikes_count():
    w, k, k_on, kappa, q, omega, v = sp.symbols("w k k_on kappa q omega v", positive=True)
    assert _check_clean(MarkovJumpProcess({("a", "b"): w, ("b", "a"): k})) == r"\nu"
    assert _check_clean(MarkovJumpProcess({("a", "b"): w, ("b", "a"): k_on * q})) == r"\nu"
    # kappa reads as k, omega as w, v as nu: a model that uses them does not get that letter
    assert _check_clean(MarkovJumpProcess({("a", "b"): w, ("b", "a"): kappa})) == r"\nu"
    assert _check_clean(MarkovJumpProcess({("a", "b"): omega, ("b", "a"): q})) == "k"
    assert _check_clean(MarkovJumpProcess({("a", "b"): omega, ("b", "a"): k * v})) == r"\lambda"
    # an entropy flow's symbol counts too (it is printed on the line)
    flows = MarkovJumpProcess({("a", "b"): 2, ("b", "a"): 1}, entropy_flow={("a", "b"): w})
    assert _check_clean(flows) == "k" and r"\Delta s = w" in flows.latex_lines()[0]


def test_a_plain_model_keeps_w():
    k, q, w = sp.symbols("k q w", positive=True)
    plain = MarkovJumpProcess({("a", "b"): k, ("b", "a"): q})
    assert plain.rate_symbol == "w"
    assert plain.latex_lines() == [r"\mathrm{a} &\rightleftharpoons \mathrm{b}: \quad w_{+} = k,\ w_{-} = q"]
    assert MarkovJumpProcess({(0, 1): 3, (1, 2): 1, (2, 0): 2}).rate_symbol == "w"  # numbered states
    # the letter follows the model: w comes back when the parameter w is given a value
    model = MarkovJumpProcess({("a", "b"): q, ("b", "a"): w})
    assert model.rate_symbol == "k" and model.subs({w: 2}).rate_symbol == "w"
    assert pickle.loads(pickle.dumps(model)).rate_symbol == "k"


def test_when_every_letter_is_taken_an_upright_w_that_clashes_with_nothing():
    names = ["w", "k", "nu", "lambda", "gamma", "Gamma"]
    syms = sp.symbols(names, positive=True)
    rates = {(f"a{i}", f"a{i + 1}"): s for i, s in enumerate(syms)}
    model = MarkovJumpProcess(rates)
    assert model.rate_symbol == r"\mathrm{w}"
    assert _labels(model.latex_lines()) == {r"\mathrm{w}"}
    assert rate_labels_with_two_meanings(_page(model.latex_lines())) == []
    upright = sp.Symbol(r"\mathrm{w}", positive=True)  # even a symbol printed as the upright w
    crowded = MarkovJumpProcess({**rates, ("a9", "a0"): upright})
    assert crowded.rate_symbol == r"\mathrm{w}'" and _labels(crowded.latex_lines()) == {r"\mathrm{w}'"}


def test_random_models_take_the_first_free_letter():
    """Drawn symbols and states (fixed seed): the label is the first letter of the preference no name uses."""
    pool = ["w", "k", "nu", "lambda", "gamma", "Gamma", "k_on", "w_1", "kappa", "omega", "x", "nu_2", "r", "v"]
    states = ["a", "b", "w_1", "w_2", "k", "s_3", "nu_1", "R*", "lambda", "c"]
    rng = random.Random(24)
    for _ in range(40):
        syms = [sp.Symbol(n, positive=True) for n in rng.sample(pool, rng.randint(1, 8))]
        names = rng.sample(states, 3)
        rates = {(names[0], names[1]): syms[0], (names[1], names[2]): sp.Add(*syms[1:]) if syms[1:] else 1,
                 (names[2], names[0]): 2}
        model = MarkovJumpProcess(rates)
        taken = _names(model)
        expected = next((c for c in PREFERENCE if c not in taken and not taken & LOOKALIKE.get(c, set())),
                        r"\mathrm{w}")
        assert model.rate_symbol == expected, (rates, taken)
        assert _labels(model.latex_lines()) == {expected}
        assert rate_labels_with_two_meanings(_page(model.latex_lines())) == []
