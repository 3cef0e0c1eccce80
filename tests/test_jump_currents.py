"""Current statistics of Markov jump processes against the tilted generator's eigenvalues (numpy) and finite differences."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt
from thermotheory.core import jump_currents as jc
from thermotheory.core.jump import JumpCurrent, MarkovJumpProcess
from thermotheory.errors import ModelError, TooLarge


def network(seed, n=4):
    rng = np.random.default_rng(seed)
    rates = {}
    for i in range(n):
        j = (i + 1) % n
        rates[(i, j)] = float(rng.uniform(0.3, 3))
        rates[(j, i)] = float(rng.uniform(0.3, 3))
    rates[(0, 2)] = float(rng.uniform(0.3, 3))
    rates[(2, 0)] = float(rng.uniform(0.3, 3))
    return MarkovJumpProcess(rates, states=range(n)), rng


def scgf_oracle(m, current, s):
    """Largest real part of the eigenvalues of the tilted matrix, built here from the rates."""
    W = m.rate_array()
    D = current.weights_array(m)
    T = (W * np.exp(s * D)).T
    T -= np.diag(W.sum(axis=1))
    return float(np.linalg.eigvals(T).real.max())


@pytest.mark.parametrize("seed", range(4))
def test_mean_and_variance_are_derivatives_of_the_scgf(seed):
    m, rng = network(seed)
    weights = {(0, 1): float(rng.normal()), (1, 2): float(rng.normal()), (2, 0): float(rng.normal()),
               (3, 0): float(rng.normal())}
    J = JumpCurrent(weights)
    h = 1e-3
    lam = [scgf_oracle(m, J, s) for s in (-2 * h, -h, 0.0, h, 2 * h)]
    d1 = (-lam[4] + 8 * lam[3] - 8 * lam[1] + lam[0]) / (12 * h)
    d2 = (-lam[4] + 16 * lam[3] - 30 * lam[2] + 16 * lam[1] - lam[0]) / (12 * h**2)
    assert tt.current_mean_rate(m, J) == pytest.approx(d1, rel=1e-7, abs=1e-9)
    assert tt.current_variance_rate(m, J) == pytest.approx(d2, rel=1e-5, abs=1e-7)
    for s in (-0.7, 0.4):
        assert tt.current_scgf(m, J, s) == pytest.approx(scgf_oracle(m, J, s), rel=1e-10, abs=1e-12)
    assert abs(tt.current_scgf(m, J, 0.0)) < 1e-12


def test_entropy_current_satisfies_the_uncertainty_relation_and_gallavotti_cohen():
    m, _ = network(11)
    W = m.rate_array()
    weights = {(i, j): float(np.log(W[i, j] / W[j, i])) for i, j in m.edges if i < j}
    S = JumpCurrent(weights)
    sigma = tt.entropy_production_rate(m)
    assert tt.current_mean_rate(m, S) == pytest.approx(sigma, rel=1e-10)
    # the fluctuation theorem: lambda(s) = lambda(-1 - s) for the entropy current
    for s in (0.3, -0.2, 1.1):
        assert tt.current_scgf(m, S, s) == pytest.approx(tt.current_scgf(m, S, -1 - s), rel=1e-8, abs=1e-10)
    Jc = JumpCurrent({(0, 1): 1})
    assert tt.uncertainty_ratio(m, Jc) >= 1
    assert tt.uncertainty_ratio(m, Jc, entropy_rate=2 * sigma) == pytest.approx(2 * tt.uncertainty_ratio(m, Jc))


def test_symbolic_mean_and_variance_at_random_points():
    w = sp.symbols("w0:8", positive=True)
    keys = [(0, 1), (1, 0), (1, 2), (2, 1), (2, 0), (0, 2), (2, 3), (3, 2)]
    ms = MarkovJumpProcess(dict(zip(keys, w)))
    J = JumpCurrent({(0, 1): 1, (2, 3): sp.Rational(1, 2)})
    mean = tt.current_mean_rate(ms, J)
    var = tt.current_variance_rate(ms, J)
    rng = np.random.default_rng(2)
    for _ in range(2):
        vals = dict(zip(w, (float(v) for v in rng.uniform(0.3, 3, 8))))
        mn = ms.numeric(vals)
        ev = lambda e: float(e.evaluate(vals) if hasattr(e, "evaluate") else e.subs(vals))  # noqa: E731
        assert ev(mean) == pytest.approx(tt.current_mean_rate(mn, J), rel=1e-10)
        h = 1e-3
        lam = [scgf_oracle(mn, J, s) for s in (-h, 0.0, h)]
        assert ev(var) == pytest.approx((lam[2] - 2 * lam[1] + lam[0]) / h**2, rel=1e-4)


def test_two_state_scgf_in_closed_form():
    a, b, s = sp.symbols("a b s", positive=True)
    m = MarkovJumpProcess({(0, 1): a, (1, 0): b})
    J = JumpCurrent({(0, 1): 1, (1, 0): 1})  # counts every jump
    lam = tt.current_scgf(m, J, s)
    for av, bv, sv in ((1.0, 2.0, 0.3), (0.5, 0.7, -1.2)):
        mn = m.numeric({a: av, b: bv})
        assert float(lam.subs({a: av, b: bv, s: sv})) == pytest.approx(scgf_oracle(mn, J, sv), rel=1e-12)
    # symmetric rates: the jumps are a Poisson process of rate a
    assert sp.simplify(tt.current_variance_rate(MarkovJumpProcess({(0, 1): a, (1, 0): a}), J) - a) == 0


def test_bad_currents():
    m, _ = network(0)
    with pytest.raises(ModelError):
        tt.current_mean_rate(m, tt.Current((sp.Symbol("x"),), c0=1))
    with pytest.raises(tt.ModelError):
        tt.current_mean_rate(m, JumpCurrent({(0, 9): 1}))
    with pytest.raises(ModelError, match="zero"):
        tt.uncertainty_ratio(MarkovJumpProcess({(0, 1): 1.0, (1, 0): 1.0}), JumpCurrent({(0, 1): 1}))
    with pytest.raises(ModelError):
        tt.current_scgf(m, JumpCurrent({(0, 1): 1}), float("nan"))
    with pytest.raises(ModelError):
        tt.current_scgf(m, JumpCurrent({(0, 1): 1}), 1000.0)  # exp overflows
    k = sp.symbols("k0:8", positive=True)
    big = MarkovJumpProcess({(i, (i + 1) % 8): k[i] for i in range(8)} | {((i + 1) % 8, i): 1 for i in range(8)})
    with pytest.raises(TooLarge):
        tt.current_variance_rate(big, JumpCurrent({(0, 1): 1}))
    with pytest.raises(TooLarge):
        tt.current_scgf(big, JumpCurrent({(0, 1): 1}), 0.1)
    with pytest.raises(ModelError):
        jc.tilted_generator(m, "not a current", 0.1)
