"""The Markov jump process model (thermotheory.core.jump): construction, interface, bad input."""

import pickle

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
from thermotheory.errors import (DuplicateState, InvalidRate, IrreversibleTransition, ModelError, NotBipartite,
                                 NotErgodic, TooLarge, UnknownState)
from thermotheory.quantity import MODEL_KINDS, model_kind

k, q, r = sp.symbols("k q r", positive=True)


def sensor_rates(values=(1.0, 1.0, 1.0, 1.0, 0.2, 2.0, 0.2, 2.0)):
    keys = [((0, 0), (1, 0)), ((1, 0), (0, 0)), ((0, 1), (1, 1)), ((1, 1), (0, 1)),
            ((0, 0), (0, 1)), ((0, 1), (0, 0)), ((1, 1), (1, 0)), ((1, 0), (1, 1))]
    return dict(zip(keys, values))


def test_kind_and_exports():
    m = MarkovJumpProcess({("a", "b"): k, ("b", "a"): q})
    assert tt.MarkovJumpProcess is MarkovJumpProcess and tt.JumpCurrent is JumpCurrent
    assert "jump" in MODEL_KINDS and model_kind(m) == "jump"
    assert m.kind_label == "Markov jump process"


def test_states_edges_generator_columns_sum_to_zero():
    m = MarkovJumpProcess({("a", "b"): k, ("b", "c"): "2*k + q", ("c", "a"): r, ("b", "a"): q})
    assert m.states == ("a", "b", "c") and m.n == 3
    assert m.edges == ((0, 1), (1, 0), (1, 2), (2, 0))
    L = m.generator()
    assert all(sp.simplify(sum(L[:, i])) == 0 for i in range(3))
    assert L[2, 1] == 2 * k + q  # the text names the model's own symbols
    assert m.parameters == (k, q, r) and not m.is_numeric
    assert m.rate(0, 2) == 0 and m.index("c") == 2


def test_explicit_order_and_numeric_arrays():
    m = MarkovJumpProcess({(1, 0): k, (0, 1): 3}, states=[0, 1])
    n = m.numeric({"k": 0.5})
    W = n.rate_array()
    np.testing.assert_array_equal(W, [[0, 3], [0.5, 0]])
    F = n.entropy_flow_array()
    np.testing.assert_allclose(F, [[0, np.log(6)], [-np.log(6), 0]])
    np.testing.assert_array_equal(n.reservoir_array(), [[-1, 0], [0, -1]])
    assert n.reservoir_names == ("medium",)
    src, dst, w = n.edge_arrays()
    np.testing.assert_array_equal(W[src, dst], w)


def test_declared_entropy_flow_and_reservoirs():
    m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0, (2, 0): 1.0, (0, 2): 1.0},
                          entropy_flow={(1, 2): 0.7}, reservoirs={(2, 1): "hot", (0, 1): "cold"})
    F = m.entropy_flow_array()
    assert F[1, 2] == pytest.approx(0.7) and F[2, 1] == pytest.approx(-0.7)
    assert F[0, 1] == pytest.approx(np.log(2.0))
    assert m.reservoir_names == ("hot", "cold", "medium")
    R = m.reservoir_array()
    assert R[1, 2] == R[2, 1] == 0 and R[0, 1] == R[1, 0] == 1 and R[0, 2] == 2


@pytest.mark.parametrize("subsystems", [None, ("s", "c")])
def test_reservoir_named_as_a_subsystem_is_refused(subsystems):
    # tt.heat_rate(m, "y") read "y" as the subsystem although a reservoir had that name too
    name = "y" if subsystems is None else "c"
    with pytest.raises(ModelError, match=f"'{name}' names both a subsystem"):
        MarkovJumpProcess(sensor_rates(), reservoirs={((0, 0), (0, 1)): name}, subsystems=subsystems)
    ok = MarkovJumpProcess(sensor_rates(), reservoirs={((0, 0), (0, 1)): "bath"}, subsystems=subsystems)
    assert "bath" in ok.reservoir_names


def test_subsystems_changes_bipartite():
    m = MarkovJumpProcess(sensor_rates())
    assert m.subsystems == ("x", "y") and m.component("y") == 1
    assert m.is_bipartite
    i, j = m.index((0, 0)), m.index((1, 0))
    assert m.changes(i, j) == ("x",)
    three = MarkovJumpProcess({((0, 0, 0), (1, 0, 0)): 1, ((1, 0, 0), (0, 0, 0)): 1})
    assert three.subsystems == ("x1", "x2", "x3")
    named = MarkovJumpProcess(sensor_rates(), subsystems=("s", "c"), bipartite=True)
    assert named.component("c") == 1
    plain = MarkovJumpProcess({(0, 1): 1, (1, 0): 1})
    assert plain.subsystems == () and not plain.is_bipartite
    joint = MarkovJumpProcess({((0, 0), (1, 1)): 1, ((1, 1), (0, 0)): 1})
    assert not joint.is_bipartite


def test_subs_numeric_pickle_and_zero_rates_dropped():
    m = MarkovJumpProcess({(0, 1): k, (1, 0): q, (1, 2): 0, (2, 1): r}, states=[0, 1, 2])
    assert (1, 2) not in m.edges and m.n == 3
    half = m.subs({k: 2})
    assert half.rate(0, 1) == 2 and q in half.parameters
    num = m.numeric({"k": 1, "q": 2, "r": 3})
    assert num.is_numeric and num.rate_array()[2, 1] == 3
    back = pickle.loads(pickle.dumps(num))
    np.testing.assert_array_equal(back.rate_array(), num.rate_array())


def test_rendering():
    m = MarkovJumpProcess({("a", "b"): k, ("b", "a"): q, ("b", "c"): r})
    lines = m.latex_lines()
    assert any(r"\rightleftharpoons" in s and "k" in s for s in lines)
    assert any(r"\rightarrow" in s and "r" in s for s in lines)
    assert m._repr_latex_().startswith("$")
    assert tt.latex(m)  # the package's printer renders a jump model too


def test_jump_current_weights():
    m = MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0})
    J = JumpCurrent({(0, 1): 2, (2, 1): 5, (1, 2): 1})
    D = J.weights_array(m)
    assert D[0, 1] == 2 and D[1, 0] == -2 and D[2, 1] == 5 and D[1, 2] == 1
    np.testing.assert_array_equal(J.weights_edges(m), [D[i, j] for i, j in m.edges])
    with pytest.raises(UnknownState):
        JumpCurrent({(0, 7): 1}).weights_array(m)
    with pytest.raises(ModelError):
        JumpCurrent({})
    g = sp.Symbol("g")
    with pytest.raises(ModelError):
        JumpCurrent({(0, 1): g}).weights_array(m)
    assert JumpCurrent({(0, 1): g}).subs({g: 2}).weights_array(m)[0, 1] == 2


# -- bad input: each a named ModelError ---------------------------------------------------------------------------
@pytest.mark.parametrize("rates", [
    {(0, 1): -1.0}, {(0, 1): 1j}, {(0, 1): float("nan")}, {(0, 1): float("inf")}, {(0, 1): sp.oo},
    {(0, 1): -k}, {(0, 1): sp.I * k}, {(0, 1): "k +"}, {(0, 1): True}, {(0, 0): 1.0}, {(0, 1): [1, 2]},
    {(0, 1): 1 + 2 * sp.I},
])
def test_invalid_rates(rates):
    with pytest.raises(InvalidRate):
        MarkovJumpProcess(rates)


def test_unknown_and_duplicate_states():
    with pytest.raises(UnknownState, match="not in states"):
        MarkovJumpProcess({(0, 2): 1.0}, states=[0, 1])
    with pytest.raises(DuplicateState, match="twice"):
        MarkovJumpProcess({(0, 1): 1.0}, states=[0, 1, 1])
    m = MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0})
    with pytest.raises(UnknownState):
        m.index(5)
    with pytest.raises(UnknownState):
        m.rate(0, 9)
    with pytest.raises(UnknownState):
        m.component("x")
    with pytest.raises(UnknownState):
        MarkovJumpProcess({(0, 1): 1.0}, entropy_flow={(0, 5): 1.0})


def test_malformed_input():
    for bad in ({0: 1.0}, {}, [((0, 1), 1.0)]):
        with pytest.raises(ModelError):
            MarkovJumpProcess(bad)
    with pytest.raises(ModelError):
        MarkovJumpProcess({(0, 1): 1.0}, states="01")
    with pytest.raises(ModelError):  # the two directions of a flow disagree
        MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}, entropy_flow={(0, 1): 1.0, (1, 0): 1.0})
    with pytest.raises(ModelError):
        MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}, reservoirs={(0, 1): 3})
    with pytest.raises(ModelError):
        MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}, subsystems=("x", "y"))
    with pytest.raises(ModelError):  # two symbols with one name
        MarkovJumpProcess({(0, 1): sp.Symbol("a"), (1, 0): sp.Symbol("a", positive=True)})


def test_joint_jump_in_a_declared_bipartite_model():
    rates = sensor_rates()
    rates[((0, 0), (1, 1))] = 1.0
    with pytest.raises(NotBipartite, match=r"\(0, 0\) -> \(1, 1\)"):
        MarkovJumpProcess(rates, bipartite=True)
    with pytest.raises(NotBipartite):
        MarkovJumpProcess({(0, 1): 1.0}, bipartite=True)


def test_numeric_needs_every_parameter_and_refuses_bad_values():
    m = MarkovJumpProcess({(0, 1): k, (1, 0): q})
    with pytest.raises(ModelError, match="q"):
        m.numeric({"k": 1})
    with pytest.raises(ModelError):
        m.numeric({"k": float("nan"), "q": 1})
    with pytest.raises(ModelError):
        m.numeric({"k": -1, "q": 1})  # k is declared positive
    with pytest.raises(ModelError):
        m.numeric([1, 2])
    with pytest.raises(ModelError):
        m.rate_array()  # symbolic: numeric(values) first
    a = sp.Symbol("a", real=True)
    with pytest.raises(InvalidRate):
        MarkovJumpProcess({(0, 1): a, (1, 0): 1}).numeric({a: -2.0})


def test_irreversible_entropy_flow_is_a_named_error():
    m = MarkovJumpProcess({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0})
    with pytest.raises(IrreversibleTransition, match="no reverse"):
        m.entropy_flow_array()
    with pytest.raises(IrreversibleTransition):
        tt.entropy_production_rate(m)
    declared = MarkovJumpProcess({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0},
                                 entropy_flow={(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0})
    assert tt.heat_rate(declared, "medium") == pytest.approx(1.0)  # 3 jumps a unit time of 1/3 each
    with pytest.raises(IrreversibleTransition):
        tt.entropy_production_rate(declared)


def test_not_ergodic_names_the_closed_classes():
    m = MarkovJumpProcess({("a", "b"): 1.0, ("b", "a"): 1.0, ("b", "c"): 1.0, ("c", "d"): 1.0, ("d", "c"): 1.0,
                           ("a", "e"): 1.0})
    with pytest.raises(NotErgodic, match=r"\{'c', 'd'\} and \{'e'\}"):
        tt.state_probability(m, "a")
    with pytest.raises(NotErgodic):
        tt.entropy_production_rate(MarkovJumpProcess({(0, 1): k, (1, 0): k, (2, 3): q, (3, 2): q}))


def test_dense_arrays_refused_past_the_limit():
    from thermotheory.core import jump

    n = jump.MAX_DENSE_STATES + 1
    rates = {(i, i + 1): 1.0 for i in range(n - 1)}
    rates.update({(i + 1, i): 1.0 for i in range(n - 1)})
    m = MarkovJumpProcess(rates)
    with pytest.raises(TooLarge):
        m.rate_array()
    assert len(m.edge_arrays()[0]) == 2 * (n - 1)
