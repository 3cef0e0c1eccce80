"""Closed forms of Markov jump processes against independent computations.

Oracles: the null space of the numeric generator (scipy.linalg.null_space), the matrix
exponential (scipy.linalg.expm) with quadrature of the heat rate, finite differences of the
mutual information along the jumps of one subsystem, and hand formulas for small networks.
"""

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import sympy as sp

import thermotheory as tt
from thermotheory.core import jump_forms as jf
from thermotheory.core import jump_transient as jt
from thermotheory.core.closedform import ClosedForm
from thermotheory.core.jump import MarkovJumpProcess
from thermotheory.errors import IrreversibleTransition, ModelError, NotBipartite, TooLarge, UnknownState


# -- independent oracles --------------------------------------------------------------------------------------------
def generator(W):
    return W.T - np.diag(W.sum(axis=1))


def null_p(W):
    v = scipy.linalg.null_space(generator(W))
    assert v.shape[1] == 1
    v = v[:, 0]
    return v / v.sum()


def schnakenberg(W, p, F=None):
    """Sum over pairs of J_ij (F_ij + ln p_i/p_j), F = ln w_ij/w_ji by default."""
    n = len(p)
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            if W[i, j] == 0 and W[j, i] == 0:
                continue
            f = math.log(W[i, j] / W[j, i]) if F is None else F[i, j]
            total += (p[i] * W[i, j] - p[j] * W[j, i]) * (f + math.log(p[i] / p[j]))
    return total


def random_network(n, rng, chords=3):
    """A ring of n states with a few random chords, both directions, random rates."""
    rates = {}
    pairs = [(i, (i + 1) % n) for i in range(n)]
    chords = min(chords, n * (n - 1) // 2 - n)
    while len(pairs) < n + chords:
        i, j = sorted(rng.choice(n, 2, replace=False))
        if (i, j) not in pairs and (j, i) not in pairs:
            pairs.append((int(i), int(j)))
    for i, j in pairs:
        rates[(i, j)] = float(rng.uniform(0.2, 3.0))
        rates[(j, i)] = float(rng.uniform(0.2, 3.0))
    return rates


def as_array(rates, n):
    W = np.zeros((n, n))
    for (i, j), w in rates.items():
        W[i, j] = w
    return W


def grid_rates(nx_, ny, rng):
    """A bipartite nx x ny grid: x-jumps and y-jumps between neighbours, random rates."""
    rates = {}
    for x in range(nx_):
        for y in range(ny):
            for dx, dy in ((1, 0), (0, 1)):
                X, Y = x + dx, y + dy
                if X < nx_ and Y < ny:
                    rates[((x, y), (X, Y))] = float(rng.uniform(0.2, 3.0))
                    rates[((X, Y), (x, y))] = float(rng.uniform(0.2, 3.0))
    return rates


def mutual_information_of(P):
    """I(X;Y) of a joint array P[x, y]."""
    px, py = P.sum(axis=1), P.sum(axis=0)
    mask = P > 0
    return float((P[mask] * np.log(P[mask] / np.outer(px, py)[mask])).sum())


# -- the stationary distribution ------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_numeric_stationary_is_the_null_space(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    rates = random_network(n, rng)
    m = MarkovJumpProcess(rates, states=range(n))
    np.testing.assert_allclose(jf.stationary_distribution(m), null_p(as_array(rates, n)), rtol=1e-10)


def test_sparse_path_matches_dense_null_space():
    rng = np.random.default_rng(7)
    rates = grid_rates(25, 24, rng)  # 600 states: the sparse solver
    m = MarkovJumpProcess(rates)
    W = m.rate_array()
    p = jf.stationary_distribution(m)
    np.testing.assert_allclose(p, null_p(W), rtol=1e-8)
    assert tt.entropy_production_rate(m) == pytest.approx(schnakenberg(W, p), rel=1e-8)


@pytest.mark.parametrize("seed", range(3))
def test_symbolic_stationary_at_random_points(seed):
    rng = np.random.default_rng(100 + seed)
    n = 5
    rates = random_network(n, rng, chords=2)
    syms = {e: sp.Symbol(f"w_{e[0]}{e[1]}", positive=True) for e in rates}
    m = MarkovJumpProcess({e: syms[e] for e in rates}, states=range(n))
    p = jf.stationary_distribution(m, form="rational")
    values = {syms[e]: sp.Rational(int(rng.integers(1, 30)), 10) for e in rates}
    got = np.array([float(x.subs(values)) for x in p])
    W = as_array({e: float(values[syms[e]]) for e in rates}, n)
    np.testing.assert_allclose(got, null_p(W), rtol=1e-12)
    # the structured form holds the same numbers
    s = jf.stationary_distribution(m, form="structured")
    assert isinstance(s, ClosedForm)
    np.testing.assert_allclose(np.array(s.evaluate(values), dtype=float).ravel(), got, rtol=1e-12)


def test_two_state_hand_formula_and_kinetic_weights():
    a, b = sp.symbols("a b", positive=True)
    m = MarkovJumpProcess({("u", "d"): a, ("d", "u"): b})
    assert jf.kinetic_weights(m) == [b, a]
    assert sp.simplify(tt.state_probability(m, "u") - b / (a + b)) == 0


def test_marginal_probability():
    rng = np.random.default_rng(3)
    m = MarkovJumpProcess(grid_rates(3, 2, rng))
    p = jf.stationary_distribution(m)
    want = sum(p[i] for i, s in enumerate(m.states) if s[0] == 1)
    assert tt.state_probability(m, {"x": 1}) == pytest.approx(want, rel=1e-12)
    with pytest.raises(UnknownState):
        tt.state_probability(m, {"x": 7})


# -- currents, entropy production and its cycles ----------------------------------------------------------------------
def test_three_state_ring_hand_formula():
    w = sp.symbols("a1 a2 a3 b1 b2 b3", positive=True)
    a1, a2, a3, b1, b2, b3 = w
    m = MarkovJumpProcess({(0, 1): a1, (1, 2): a2, (2, 0): a3, (1, 0): b1, (2, 1): b2, (0, 2): b3})
    sigma = tt.entropy_production_rate(m)
    J = tt.probability_current(m, 0, 1)
    want = J * sp.log(a1 * a2 * a3 / (b1 * b2 * b3))
    rng = np.random.default_rng(11)
    for _ in range(3):
        values = {s: sp.Rational(int(rng.integers(1, 40)), 7) for s in w}
        assert float(sigma.subs(values)) == pytest.approx(float(want.subs(values)), rel=1e-12)
        # the ring carries one current: the same on every edge
        assert float(tt.probability_current(m, 1, 2).subs(values)) == pytest.approx(float(J.subs(values)), rel=1e-12)
    # Hill's formula for the current of a 3-ring
    Z = sum(jf.kinetic_weights(m))
    assert sp.simplify(J - (a1 * a2 * a3 - b1 * b2 * b3) / Z) == 0


@pytest.mark.parametrize("seed", range(4))
def test_entropy_production_and_cycles_at_random_points(seed):
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(3, 8))
    rates = random_network(n, rng)
    m = MarkovJumpProcess(rates, states=range(n))
    W = as_array(rates, n)
    p = null_p(W)
    sigma = tt.entropy_production_rate(m)
    assert sigma == pytest.approx(schnakenberg(W, p), rel=1e-9)
    assert tt.heat_rate(m, "medium") == pytest.approx(sigma, rel=1e-9)  # stationary: EP = entropy flow
    cycles = jf.cycle_decomposition(m)
    assert len(cycles) == len({(min(i, j), max(i, j)) for i, j in m.edges}) - n + 1
    assert sum(A * J for _, A, J in cycles) == pytest.approx(sigma, rel=1e-9)
    for c, A, J in cycles:
        assert c[0] == c[-1]
        want = sum(math.log(W[u, v] / W[v, u]) for u, v in zip(c[:-1], c[1:]))
        assert A == pytest.approx(want, rel=1e-12, abs=1e-12)
    currents = jf.probability_currents(m)
    for (a, b), J in currents.items():
        assert J == pytest.approx(p[a] * W[a, b] - p[b] * W[b, a], abs=1e-12)


def test_symbolic_entropy_production_at_random_points():
    rng = np.random.default_rng(5)
    n = 5
    rates = random_network(n, rng, chords=2)
    syms = {e: sp.Symbol(f"w_{e[0]}{e[1]}", positive=True) for e in rates}
    m = MarkovJumpProcess({e: syms[e] for e in rates}, states=range(n))
    sigma = tt.entropy_production_rate(m)
    for trial in range(2):
        values = {syms[e]: sp.Rational(int(rng.integers(1, 30)), 10) for e in rates}
        W = as_array({e: float(values[syms[e]]) for e in rates}, n)
        val = sigma.evaluate(values) if isinstance(sigma, ClosedForm) else sigma.subs(values)
        assert float(val) == pytest.approx(schnakenberg(W, null_p(W)), rel=1e-10)


def test_detailed_balance_gives_zero_entropy_production():
    E = [0.0, 0.7, -0.3, 1.2]  # energies: w_ij = exp(-(E_j - E_i)/2) satisfies detailed balance
    rates = {}
    for i in range(4):
        for j in range(4):
            if i != j and (i + j) % 3:
                rates[(i, j)] = math.exp(-(E[j] - E[i]) / 2)
    m = MarkovJumpProcess(rates, states=range(4))
    assert abs(tt.entropy_production_rate(m)) < 1e-13
    p = jf.stationary_distribution(m)
    boltz = np.exp(-np.array(E))
    np.testing.assert_allclose(p, boltz / boltz.sum(), rtol=1e-12)
    k = sp.symbols("k0:4", positive=True)
    ms = MarkovJumpProcess({(0, 1): k[0], (1, 0): k[1], (1, 2): k[2], (2, 1): k[3]})
    assert tt.entropy_production_rate(ms) == 0  # a tree has no cycle


def test_heat_per_reservoir_adds_up():
    rates = {(0, 1): 2.0, (1, 0): 0.5, (1, 2): 1.5, (2, 1): 0.3, (2, 0): 1.0, (0, 2): 0.4}
    m = MarkovJumpProcess(rates, reservoirs={(0, 1): "hot", (1, 2): "cold", (2, 0): "work"})
    W = as_array(rates, 3)
    p = null_p(W)
    total = 0.0
    for name, (i, j) in (("hot", (0, 1)), ("cold", (1, 2)), ("work", (2, 0))):
        want = (p[i] * W[i, j] - p[j] * W[j, i]) * math.log(W[i, j] / W[j, i])
        got = tt.heat_rate(m, name)
        assert got == pytest.approx(want, rel=1e-10)
        total += got
    assert total == pytest.approx(tt.entropy_production_rate(m), rel=1e-10)
    with pytest.raises(ModelError):
        jf.heat_rate(m, reservoir="nowhere")


# -- bipartite systems ----------------------------------------------------------------------------------------------
def sensor(values):
    keys = [((0, 0), (1, 0)), ((1, 0), (0, 0)), ((0, 1), (1, 1)), ((1, 1), (0, 1)),
            ((0, 0), (0, 1)), ((0, 1), (0, 0)), ((1, 1), (1, 0)), ((1, 0), (1, 1))]
    return MarkovJumpProcess(dict(zip(keys, values)))


def flow_by_finite_difference(m, name, h=1e-6):
    """d/dt I(X;Y) along the jumps of subsystem ``name`` only, by a forward Euler step of the master equation."""
    W = m.rate_array()
    c = m.component(name)
    Wy = np.array([[W[i, j] if len(m.changes(i, j)) == 1 and m.changes(i, j)[0] == name else 0.0
                    for j in range(m.n)] for i in range(m.n)])
    p = null_p(W)
    xs = sorted({s[0] for s in m.states})
    ys = sorted({s[1] for s in m.states})

    def mi(v):
        P = np.zeros((len(xs), len(ys)))
        for i, s in enumerate(m.states):
            P[xs.index(s[0]), ys.index(s[1])] = v[i]
        return mutual_information_of(P)

    step = generator(Wy) @ p
    del c
    return (mi(p + h * step) - mi(p - h * step)) / (2 * h)


@pytest.mark.parametrize("seed", range(3))
def test_information_flow_is_the_rate_of_change_of_mutual_information(seed):
    rng = np.random.default_rng(300 + seed)
    m = MarkovJumpProcess(grid_rates(3, 3, rng))
    for name in ("x", "y"):
        assert tt.information_flow(m, name) == pytest.approx(flow_by_finite_difference(m, name), rel=1e-6, abs=1e-9)
    lx, ly = tt.information_flow(m, "x"), tt.information_flow(m, "y")
    assert lx + ly == pytest.approx(0, abs=1e-12)
    sx, sy = tt.entropy_production_rate(m, "x"), tt.entropy_production_rate(m, "y")
    assert sx >= 0 and sy >= 0
    assert sx + sy == pytest.approx(tt.entropy_production_rate(m), rel=1e-10)
    # the second law for each part: sigma_Y = Phi_Y - l_Y
    assert sy == pytest.approx(tt.heat_rate(m, "y") - ly, rel=1e-10, abs=1e-13)
    assert tt.efficiency(m, "y") == pytest.approx(ly / tt.heat_rate(m, "y"), rel=1e-12)


def test_symbolic_sensor_learning_rate_at_random_points():
    w = sp.symbols("w0:8", positive=True)
    ms = sensor(w)
    l_y = tt.information_flow(ms, "y")
    s_y = tt.entropy_production_rate(ms, "y")
    mi = tt.mutual_information(ms, "x", "y")
    eta = tt.efficiency(ms, "y")
    rng = np.random.default_rng(9)
    for _ in range(2):
        vals = [float(v) for v in rng.uniform(0.2, 3, 8)]
        values = dict(zip(w, vals))
        mn = sensor(vals)
        ev = lambda e: float(e.evaluate(values) if isinstance(e, ClosedForm) else e.subs(values))  # noqa: E731
        assert ev(l_y) == pytest.approx(flow_by_finite_difference(mn, "y"), rel=1e-6)
        assert ev(s_y) == pytest.approx(tt.entropy_production_rate(mn, "y"), rel=1e-10)
        assert ev(eta) == pytest.approx(flow_by_finite_difference(mn, "y") / tt.heat_rate(mn, "y"), rel=1e-6)
        P = null_p(mn.rate_array())
        joint = np.zeros((2, 2))
        for i, s in enumerate(mn.states):
            joint[s] = P[i]
        assert ev(mi) == pytest.approx(mutual_information_of(joint), rel=1e-10)


def test_entropy_of_the_stationary_state_and_marginals():
    rng = np.random.default_rng(4)
    m = MarkovJumpProcess(grid_rates(2, 3, rng))
    p = null_p(m.rate_array())
    assert tt.entropy(m) == pytest.approx(-(p * np.log(p)).sum(), rel=1e-12)
    px = np.array([sum(p[i] for i, s in enumerate(m.states) if s[0] == x) for x in range(2)])
    assert tt.entropy(m, "x") == pytest.approx(-(px * np.log(px)).sum(), rel=1e-12)
    assert tt.mutual_information(m, "x", "y") == pytest.approx(
        tt.entropy(m, "x") + tt.entropy(m, "y") - tt.entropy(m), rel=1e-10)
    with pytest.raises(ModelError):
        tt.mutual_information(m, "x", "x")


def test_subsystem_quantities_refused_for_joint_jumps():
    rates = {((0, 0), (1, 1)): 1.0, ((1, 1), (0, 0)): 1.0, ((0, 0), (1, 0)): 1.0, ((1, 0), (0, 0)): 1.0,
             ((1, 0), (1, 1)): 1.0, ((1, 1), (1, 0)): 2.0}
    m = MarkovJumpProcess(rates)
    for f in (tt.information_flow, tt.heat_rate, tt.entropy_production_rate):
        with pytest.raises(NotBipartite):
            f(m, "y")
    with pytest.raises(UnknownState):
        tt.information_flow(m, "z")
    with pytest.raises(ModelError):
        tt.information_flow(m, ("x", "y"))


# -- transient ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
def test_transient_distribution_heat_and_entropy_production(seed):
    rng = np.random.default_rng(400 + seed)
    n = 4
    rates = random_network(n, rng, chords=1)
    m = MarkovJumpProcess(rates, states=range(n))
    W = as_array(rates, n)
    L = generator(W)
    p0 = rng.dirichlet(np.ones(n))
    t = float(rng.uniform(0.2, 2.0))
    pt = scipy.linalg.expm(L * t) @ p0
    np.testing.assert_allclose(jt.distribution(m, t, p0), pt, rtol=1e-10)
    F = np.where(W > 0, np.log(np.where(W > 0, W, 1) / np.where(W.T > 0, W.T, 1)), 0)
    c = (W * F).sum(axis=1)  # heat rate given the state
    Q, _ = scipy.integrate.quad(lambda s: c @ (scipy.linalg.expm(L * s) @ p0), 0, t, epsabs=1e-12, epsrel=1e-11)
    assert tt.heat(m, t, p0) == pytest.approx(Q, rel=1e-8)
    H = lambda v: -(v * np.log(v)).sum()  # noqa: E731
    assert tt.entropy_production(m, t, p0) == pytest.approx(H(pt) - H(p0) + Q, rel=1e-8)
    assert tt.state_probability(m, 2, t=t, initial=p0) == pytest.approx(pt[2], rel=1e-10)
    assert tt.entropy(m, t=t, initial=p0) == pytest.approx(H(pt), rel=1e-10)


def test_relaxation_to_equilibrium_produces_the_relative_entropy():
    E = np.array([0.0, 0.5, 1.5])
    rates = {(i, j): math.exp(-(E[j] - E[i]) / 2) for i in range(3) for j in range(3) if i != j}
    m = MarkovJumpProcess(rates, states=range(3))
    pi = np.exp(-E) / np.exp(-E).sum()
    p0 = np.array([0.1, 0.1, 0.8])
    kl = float((p0 * np.log(p0 / pi)).sum())
    assert tt.entropy_production(m, 60.0, p0) == pytest.approx(kl, rel=1e-8)
    assert jt.relaxation_rate(m) == pytest.approx(-np.sort(np.linalg.eigvals(generator(m.rate_array())).real)[-2])


def test_symbolic_two_state_transient():
    a, b, t = sp.symbols("a b t", positive=True)
    m = MarkovJumpProcess({(0, 1): a, (1, 0): b})
    p = jt.distribution(m, t, {0: 1})
    Q = tt.heat(m, t, {0: 1}, subsystem="medium")
    values = {a: 1.3, b: 0.4, t: 0.9}
    mn = m.numeric({a: 1.3, b: 0.4})
    np.testing.assert_allclose([float(x.subs(values)) for x in p], jt.distribution(mn, 0.9, [1, 0]), rtol=1e-12)
    assert float(Q.subs(values)) == pytest.approx(tt.heat(mn, 0.9, [1, 0], subsystem="medium"), rel=1e-10)
    big = MarkovJumpProcess({(0, 1): a, (1, 2): b, (2, 3): a, (3, 0): b, (1, 0): b, (2, 1): a, (3, 2): b, (0, 3): a})
    with pytest.raises(TooLarge):
        jt.distribution(big, t, {0: 1})


def test_bad_initial_states_and_times():
    m = MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0})
    from thermotheory.errors import InvalidProbability

    for bad in ([0.5, 0.6], [-0.1, 1.1], [1.0], "0", {0: float("nan")}):
        with pytest.raises(ModelError):
            tt.heat(m, 1.0, bad, subsystem="medium")
    with pytest.raises(InvalidProbability):
        jt.distribution(m, 1.0, [0.5, 0.6])
    with pytest.raises(UnknownState):
        jt.distribution(m, 1.0, {5: 1.0})
    with pytest.raises(ModelError):
        jt.distribution(m, -1.0, [1, 0])
    with pytest.raises(ModelError):  # t without initial
        tt.entropy(m, t=1.0)
    with pytest.raises(ModelError):
        tt.entropy_production(m, 1.0, [1, 0], initial_mean=[0, 0])
    irreversible = MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0, (1, 2): 1.0, (2, 0): 1.0})
    with pytest.raises(IrreversibleTransition):
        tt.entropy_production(irreversible, 1.0, [1, 0, 0])


# -- budget ---------------------------------------------------------------------------------------------------------
def test_large_symbolic_network_refused_quickly():
    syms = iter(sp.symbols("c0:400", positive=True))
    rates = {}
    for x in range(6):
        for y in range(6):
            for dx, dy in ((1, 0), (0, 1)):
                if x + dx < 6 and y + dy < 6:
                    rates[((x, y), (x + dx, y + dy))] = next(syms)
                    rates[((x + dx, y + dy), (x, y))] = next(syms)
    m = MarkovJumpProcess(rates)
    with pytest.raises(TooLarge, match="spanning-tree"):
        tt.entropy_production_rate(m)


def test_structured_form_names_the_tree_sums():
    syms = iter(sp.symbols("c0:40", positive=True))
    rates = {}
    for x in range(2):
        for y in range(3):
            for dx, dy in ((1, 0), (0, 1)):
                if x + dx < 2 and y + dy < 3:
                    rates[((x, y), (x + dx, y + dy))] = next(syms)
                    rates[((x + dx, y + dy), (x, y))] = next(syms)
    m = MarkovJumpProcess(rates)
    s = jf.entropy_production_rate(m, form="structured")
    assert isinstance(s, ClosedForm) and any(n.name == "Z" for n, _ in s.definitions)
    plain = jf.entropy_production_rate(m, form="rational")
    rng = np.random.default_rng(1)
    values = {c: float(v) for c, v in zip(m.parameters, rng.uniform(0.3, 2, len(m.parameters)))}
    assert float(s.evaluate(values)) == pytest.approx(float(plain.subs(values)), rel=1e-10)
    assert float(plain.subs(values)) == pytest.approx(tt.entropy_production_rate(m.numeric(values)), rel=1e-10)


# -- review fixes: a given distribution is checked; a symbolic entropy rate; a non-mapping entropy_flow ---------------
def test_entropy_of_a_given_distribution_is_checked_like_an_initial_one():
    """entropy(p=...) once returned ln 2 for 2 probabilities of a 3-state model and -1.39 for negative ones."""
    from thermotheory.errors import InvalidProbability

    m = MarkovJumpProcess({(0, 1): 1.0, (1, 2): 1.0, (2, 0): 1.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    for bad in ([0.5, 0.5], [2.0, -0.5, -0.5], [0.2, 0.2, 0.2]):
        with pytest.raises(InvalidProbability, match="^p: "):
            jf.entropy(m, p=bad)
    p = [0.2, 0.3, 0.5]
    assert jf.entropy(m, p=p) == pytest.approx(-sum(x * math.log(x) for x in p), rel=1e-12)


def test_uncertainty_ratio_of_a_numeric_model_with_a_symbolic_entropy_rate():
    """A symbolic entropy_rate on a numeric model was a raw TypeError (float() of an expression)."""
    from thermotheory.core.jump import JumpCurrent

    ring = MarkovJumpProcess({(0, 1): 2.0, (1, 2): 2.0, (2, 0): 2.0, (1, 0): 1.0, (2, 1): 1.0, (0, 2): 1.0})
    current = JumpCurrent({(0, 1): 1})
    s = sp.Symbol("s", positive=True)
    ratio = tt.uncertainty_ratio(ring, current, entropy_rate=s)
    assert ratio.free_symbols == {s}
    sigma = tt.entropy_production_rate(ring)
    assert float(ratio.subs(s, sigma)) == pytest.approx(tt.uncertainty_ratio(ring, current), rel=1e-12)


def test_entropy_flow_that_is_not_a_mapping_is_refused_by_name():
    """entropy_flow=[1, 2] was a raw AttributeError (.items() before the mapping check)."""
    with pytest.raises(ModelError, match="entropy_flow: expected a mapping"):
        MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}, entropy_flow=[1, 2])
