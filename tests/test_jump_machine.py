"""A machine's conversion efficiency between declared reservoirs, and the ATP-driven ion pump (issue #26).

Closed forms against an independent numeric computation (the null space of the generator with
scipy, entropy flows written out by hand), the tight-coupling limit, eta <= 1 and -> 1 at stall,
Monte Carlo through tt.verify, and the named refusals.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.linalg import null_space

import thermotheory as tt
from thermotheory.core.jump_efficiency import conversion_efficiency, reservoir_flows
from thermotheory.errors import ModelError, UndefinedEfficiency, UnknownReservoir
from thermotheory.models import pump as P
from thermotheory.montecarlo import jump_machine


# -- independent oracle: the stationary state from the null space of the generator ------------------------------

def null_space_p(W: np.ndarray) -> np.ndarray:
    """Stationary distribution of the rate matrix ``W[i, j]`` (rate i -> j) from scipy's null space."""
    L = W.T - np.diag(W.sum(axis=1))
    v = null_space(L)
    assert v.shape[1] == 1
    p = v[:, 0] / v[:, 0].sum()
    return p


def random_machine(rng: np.random.Generator, n: int = 5, names: tuple = ("fuel", "load", "medium")):
    """A random ergodic network (a ring and chords), every pair reversible, each pair given one of the reservoirs.

    Returns the model and ``(W, R)``: rates and each ordered pair's reservoir name.
    """
    pairs = {(i, (i + 1) % n) for i in range(n)}
    while len(pairs) < min(n + 3, n * (n - 1) // 2):
        i, j = rng.choice(n, 2, replace=False)
        if (j, i) not in pairs:
            pairs.add((int(i), int(j)))
    W = np.zeros((n, n))
    res = {}
    for k, (i, j) in enumerate(sorted(pairs)):
        W[i, j], W[j, i] = rng.uniform(0.2, 3.0, 2)
        res[(i, j)] = res[(j, i)] = names[k % len(names)]
    rates = {(i, j): float(W[i, j]) for i in range(n) for j in range(n) if W[i, j] > 0}
    model = tt.MarkovJumpProcess(rates, states=list(range(n)), reservoirs={e: r for e, r in res.items() if e[0] < e[1]})
    return model, W, res


def hand_flows(W: np.ndarray, res: dict, F: dict | None = None) -> dict:
    """Per reservoir, sum over its jumps of p_i w_ij F_ij (F: local detailed balance unless given)."""
    p = null_space_p(W)
    out: dict = {}
    for (i, j), r in res.items():
        f = math.log(W[i, j] / W[j, i]) if F is None else F.get((i, j), 0.0)
        out[r] = out.get(r, 0.0) + p[i] * W[i, j] * f
    return out


@pytest.mark.parametrize("seed", range(4))
def test_numeric_efficiency_against_the_null_space(seed):
    rng = np.random.default_rng(seed)
    model, W, res = random_machine(rng)
    flows = hand_flows(W, res)
    want = -flows["load"] / flows["fuel"]
    assert conversion_efficiency(model, "fuel", "load") == pytest.approx(want, rel=1e-9)
    assert tt.conversion_efficiency(model, "fuel", "load") == pytest.approx(want, rel=1e-9)
    got = reservoir_flows(model)
    assert set(got) == {"fuel", "load", "medium"}
    for r in got:
        assert got[r] == pytest.approx(flows[r], rel=1e-9, abs=1e-12)
    # the flows into the medium add up to the entropy production rate (stationary: the system entropy is constant)
    assert sum(got.values()) == pytest.approx(tt.entropy_production_rate(model), rel=1e-9)


def pump_values(rng: np.random.Generator, slip: bool) -> dict:
    atp = rng.uniform(2.0, 20.0)
    vals = {P.k_1: rng.uniform(0.2, 3), P.k_2: rng.uniform(0.2, 3), P.k_3: rng.uniform(0.2, 3),
            P.k_4: rng.uniform(0.2, 3), P.Delta_mu_ATP: atp, P.Delta_mu_ion: rng.uniform(0.05, 0.95) * atp}
    if slip:
        vals[P.s] = rng.uniform(0.01, 1.0)
    return vals


def pump_by_hand(vals: dict, slip: bool):
    """The pump's rate matrix, stationary state and reservoir flows, written out from the physics (not the model)."""
    k1, k2, k3, k4 = (vals[P.k_1], vals[P.k_2], vals[P.k_3], vals[P.k_4])
    atp, ion = vals[P.Delta_mu_ATP], vals[P.Delta_mu_ion]
    W = np.zeros((4, 4))  # E1, E1Na, E2PNa, E2P
    W[0, 1] = W[1, 0] = k1
    W[1, 2], W[2, 1] = k2, k2 * math.exp(-atp)  # each step's rate ratio: e^(the free energy it takes)
    W[2, 3], W[3, 2] = k3, k3 * math.exp(ion)
    W[3, 0] = W[0, 3] = k4
    if slip:
        W[2, 0] = W[0, 2] = vals[P.s]
    p = null_space_p(W)
    J_atp = p[1] * W[1, 2] - p[2] * W[2, 1]
    J_rel = p[2] * W[2, 3] - p[3] * W[3, 2]
    return p, {"atp": J_atp * atp, "ions": -J_rel * ion}, J_rel


@pytest.mark.parametrize("slip", [False, True])
def test_symbolic_pump_efficiency_against_the_null_space(slip):
    model = P.ion_pump(slip)
    eta = tt.conversion_efficiency(model, "atp", "ions")
    d = P.pump_quantities(slip)
    rng = np.random.default_rng(7 + slip)
    for _ in range(3):
        vals = pump_values(rng, slip)
        _, flows, J = pump_by_hand(vals, slip)
        want = -flows["ions"] / flows["atp"]
        assert float(sp.sympify(eta).subs(vals)) == pytest.approx(want, rel=1e-9)
        assert tt.conversion_efficiency(model.numeric(vals), "atp", "ions") == pytest.approx(want, rel=1e-9)
        at = {k: (float(v.subs(vals).explicit()) if isinstance(v, tt.ClosedForm) else float(sp.sympify(v).subs(vals)))
              for k, v in d.items()}
        assert at["efficiency"] == pytest.approx(want, rel=1e-9)
        assert at["atp_flow"] == pytest.approx(flows["atp"], rel=1e-9)
        assert at["ion_flow"] == pytest.approx(flows["ions"], rel=1e-9)
        assert at["cycle_current"] == pytest.approx(J, rel=1e-9)
        assert at["entropy_production_rate"] == pytest.approx(flows["atp"] + flows["ions"], rel=1e-9)


def test_hill_ring_formula_against_the_null_space():
    rng = np.random.default_rng(3)
    for n in (3, 4, 6):
        f, b = rng.uniform(0.2, 3, n), rng.uniform(0.2, 3, n)
        W = np.zeros((n, n))
        for i in range(n):
            W[i, (i + 1) % n], W[(i + 1) % n, i] = f[i], b[i]
        p = null_space_p(W)
        Z = np.array([float(z) for z in P.ring_weights(list(f), list(b))])
        assert np.allclose(Z / Z.sum(), p, rtol=1e-10)
        assert float(P.ring_current(list(f), list(b))) == pytest.approx(p[0] * f[0] - p[1] * b[0], rel=1e-10)


def test_tight_coupling_gives_the_ratio_of_the_affinities():
    eta = tt.conversion_efficiency(P.ion_pump(), "atp", "ions")
    assert sp.simplify(eta - P.Delta_mu_ion / P.Delta_mu_ATP) == 0
    # the generic machine of the docstring: one cycle through an input, an output and a neutral step
    k, a, b = sp.symbols("k a b", positive=True)
    ring = tt.MarkovJumpProcess({(0, 1): 2 * k, (1, 0): 2 * k * sp.exp(-a), (1, 2): k, (2, 1): k * sp.exp(b),
                                 (2, 0): 3 * k, (0, 2): 3 * k}, reservoirs={(0, 1): "in", (1, 2): "out"})
    assert sp.simplify(tt.conversion_efficiency(ring, "in", "out") - b / a) == 0
    # a slip breaks tight coupling; as it vanishes the efficiency returns to the ratio of the affinities
    slip = tt.conversion_efficiency(P.ion_pump(slip=True), "atp", "ions")
    vals = {P.k_1: 1.0, P.k_2: 0.5, P.k_3: 2.0, P.k_4: 1.5, P.Delta_mu_ATP: 5.0, P.Delta_mu_ion: 3.0}
    small = float(sp.sympify(slip).subs({**vals, P.s: 1e-9}))
    assert small == pytest.approx(0.6, rel=1e-6)
    assert float(sp.sympify(slip).subs({**vals, P.s: 0.5})) < 0.6 - 1e-3


def test_efficiency_is_at_most_one_and_tends_to_one_at_stall():
    rng = np.random.default_rng(11)
    model = P.ion_pump(slip=True)
    signs = set()
    for _ in range(20):  # with a slip the ions may even flow back down their gradient (eta < 0): never eta >= 1
        vals = pump_values(rng, True)
        eta = tt.conversion_efficiency(model.numeric(vals), "atp", "ions")
        assert eta < 1
        signs.add(eta > 0)
    assert True in signs
    checked = 0
    for _ in range(20):  # random two-reservoir machines whose input dissipates: the second law bounds them
        m, W, res = random_machine(rng, 4, ("fuel", "load"))
        flows = hand_flows(W, res)
        eta = conversion_efficiency(m, "fuel", "load")
        if flows["fuel"] > 0:
            checked += 1
            assert eta <= 1 + 1e-12
        else:  # run backwards: the load drives the fuel, and the ratio is at least 1
            assert eta >= 1 - 1e-12
    assert checked >= 3
    # towards stall the tightly coupled pump converts all the free energy it draws
    base = {P.k_1: 1.0, P.k_2: 2.0, P.k_3: 0.5, P.k_4: 1.0, P.Delta_mu_ATP: 2.0}
    tight = P.ion_pump()
    etas = [tt.conversion_efficiency(tight.numeric({**base, P.Delta_mu_ion: 2.0 * (1 - e)}), "atp", "ions")
            for e in (1e-1, 1e-3, 1e-6)]
    assert etas == pytest.approx([0.9, 0.999, 0.999999], rel=1e-9)
    with pytest.raises(UndefinedEfficiency, match="zero"):  # at stall: no net current, no flow
        tt.conversion_efficiency(tight.numeric({**base, P.Delta_mu_ion: 2.0}), "atp", "ions")


def test_monte_carlo_through_verify():
    vals = {P.k_1: 1.0, P.k_2: 1.0, P.k_3: 1.0, P.k_4: 1.0, P.s: 0.01, P.Delta_mu_ATP: 4.0, P.Delta_mu_ion: 2.0}
    model = P.ion_pump(slip=True)
    rec = tt.verify(model, tt.conversion_efficiency.of("atp", "ions"), values=vals, paths=512, seed=1)
    assert rec.passed and abs(rec.z) <= 4
    want = tt.conversion_efficiency(model.numeric(vals), "atp", "ions")
    assert rec.theory == pytest.approx(want, rel=1e-9)
    assert 0 < rec.stderr < 0.05 * want  # a real error bar, small against the value
    # a wrong value is caught: the estimate is far from the tight-coupling ratio that the slip spoils
    e, _, _ = jump_machine.conversion_efficiency(model.numeric(vals), "atp", "ions", paths=512, seed=2)
    assert abs(e.z(2.0 / 4.0)) > 4


def test_the_catalog_entry_ion_pump():
    from thermotheory.catalog import entry

    item = entry("ion_pump")
    values = item.values()
    model = item.model().numeric(item.model_values(values))
    for key in item.quantities:  # the published forms equal the engine's
        engine = float(item.bound(key, values).closed_form(model))
        assert item.closed_form(key, values) == pytest.approx(engine, rel=1e-8, abs=1e-12), key
    assert item.closed_form("efficiency", values) == pytest.approx(15.0 / 20.0, rel=1e-12)


def test_refusals_are_named():
    model = P.ion_pump().numeric({P.k_1: 1.0, P.k_2: 1.0, P.k_3: 1.0, P.k_4: 1.0, P.Delta_mu_ATP: 8.0,
                                  P.Delta_mu_ion: 5.0})
    symbolic = P.ion_pump()
    for m in (model, symbolic):
        with pytest.raises(UnknownReservoir, match="not a reservoir"):
            tt.conversion_efficiency(m, "glucose", "ions")
        with pytest.raises(UnknownReservoir, match="not a reservoir"):
            tt.conversion_efficiency(m, "atp", 3)
        with pytest.raises(UndefinedEfficiency, match="same reservoir"):
            tt.conversion_efficiency(m, "atp", "atp")
        with pytest.raises(UndefinedEfficiency, match="zero"):  # the return steps carry no entropy flow
            tt.conversion_efficiency(m, "medium", "ions")
    kw = {"paths": 64, "seed": 0}
    with pytest.raises(UnknownReservoir):
        jump_machine.conversion_efficiency(model, "glucose", "ions", **kw)
    with pytest.raises(UndefinedEfficiency):
        jump_machine.conversion_efficiency(model, "ions", "ions", **kw)
    with pytest.raises(UndefinedEfficiency):
        jump_machine.conversion_efficiency(model, "medium", "ions", **kw)
    with pytest.raises(ModelError):
        jump_machine.conversion_efficiency(model, "atp", "ions", dt=0.1, **kw)
    with pytest.raises(ModelError, match="Markov jump process"):
        tt.conversion_efficiency(tt.LinearSDE.from_matrices([[-1.0]], [1.0]), "atp", "ions")
    with pytest.raises(ModelError):
        P.ion_pump(slip="yes")
    assert issubclass(UnknownReservoir, ModelError) and issubclass(UndefinedEfficiency, ModelError)


def test_notation_and_record():
    b = tt.conversion_efficiency.of("atp", "ions")
    assert b.latex() == r"\eta_{\mathrm{atp} \to \mathrm{ions}}"  # word names of reservoirs print upright
    assert tt.conversion_efficiency.units == "dimensionless"
    assert ("jump", "stationary") in tt.conversion_efficiency.estimators


def test_structured_form_equals_the_plain_one():
    model = P.ion_pump(slip=True)
    structured = conversion_efficiency(model, "atp", "ions", form="structured")
    assert isinstance(structured, tt.ClosedForm) and structured.definitions
    vals = pump_values(np.random.default_rng(5), True)
    _, flows, _ = pump_by_hand(vals, True)
    assert float(structured.subs(vals).explicit()) == pytest.approx(-flows["ions"] / flows["atp"], rel=1e-9)
    with pytest.raises(ModelError, match="form"):
        conversion_efficiency(model.numeric(vals), "atp", "ions", form="short")
