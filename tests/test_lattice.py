"""The lattice field: FFT path against the dense engine, closed forms against sums, Monte Carlo."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate

import thermotheory as tt
from thermotheory.montecarlo import estimators as estimate  # the per-path estimators
from thermotheory.errors import ModelError
from thermotheory.models import lattice as E


def vals(f):
    return {E.m: np.sqrt(f.m2), E.lam: f.lam, E.a: f.a, E.Gamma: f.gamma, E.eps: f.eps}


def kappa_of(f):
    return float(E.inverse_correlation_length().subs(vals(f)))


@pytest.mark.parametrize("L,d", [(12, 1), (5, 2), (3, 3)])
def test_fft_path_agrees_with_the_dense_engine(L, d):
    rng = np.random.default_rng(L + d)
    f = E.LatticeField(L, d, m2=rng.uniform(0.3, 2), lam=rng.uniform(0.5, 2), a=rng.uniform(0.5, 1.5),
                       gamma=rng.uniform(0.5, 2), eps=rng.uniform(-0.8, 0.8))
    model = f.linear_sde()
    S = tt.stationary_covariance(model)
    assert np.abs(S - f.covariance(np.arange(f.sites))).max() <= 1e-10 * np.abs(S).max()
    xs = list(model.variables)
    assert f.entropy() == pytest.approx(tt.entropy(model, xs), rel=1e-10)
    assert f.entropy_production_rate() == pytest.approx(tt.entropy_production_rate(model), rel=1e-10)
    A_, B_ = [0, 1], [f.sites - 2, f.sites // 2]
    assert f.mutual_information(A_, B_) == pytest.approx(
        tt.mutual_information(model, [xs[i] for i in A_], [xs[i] for i in B_]), rel=1e-9)


def test_the_non_reciprocal_drift_leaves_the_statics_unchanged():
    f0, f1 = E.LatticeField(8, 2, m2=0.5, lam=1.0), E.LatticeField(8, 2, m2=0.5, lam=1.0, eps=0.6)
    S0, S1 = tt.stationary_covariance(f0.linear_sde()), tt.stationary_covariance(f1.linear_sde())
    assert np.allclose(S0, S1, atol=1e-12)
    assert tt.entropy_production_rate(f0.linear_sde()) == pytest.approx(0, abs=1e-10)
    assert f1.entropy_production_rate() > 0


@pytest.mark.parametrize("seed", range(3))
def test_chain_two_point_function_and_lengths(seed):
    rng = np.random.default_rng(seed)
    f = E.LatticeField(int(rng.integers(10, 40)), 1, m2=rng.uniform(0.05, 2), lam=rng.uniform(0.5, 2),
                       a=rng.uniform(0.5, 1.5))
    k = kappa_of(f)
    ring = E.two_point_function(f.L).subs({**vals(f), E.kappa: k})
    G = f.correlation()
    assert np.allclose([float(ring.subs(E.r, n)) for n in range(f.L)], G, rtol=1e-10, atol=1e-13 * G[0])
    big = E.LatticeField(4000, 1, f.m2, f.lam, f.a)
    inf = E.two_point_function().subs({**vals(f), E.kappa: k})
    assert np.allclose([float(inf.subs(E.r, n)) for n in range(5)], big.correlation()[:5], rtol=1e-10)
    assert G.sum() == pytest.approx(float(E.susceptibility().subs(vals(f))), rel=1e-10)
    # second moment: sum r^2 G(r) / (2 chi) on a lattice long enough for the tails
    Gb, rr = big.correlation(), np.minimum(np.arange(4000), 4000 - np.arange(4000))
    xi2 = (rr**2 * Gb).sum() / (2 * Gb.sum())
    assert np.sqrt(xi2) == pytest.approx(float(E.second_moment_length().subs(vals(f))), rel=1e-8)


def test_correlation_length_in_three_dimensions():
    f = E.LatticeField(96, 3, m2=0.6, lam=1.0)
    G = f.correlation()
    axis = G[:, 0, 0]
    slope = np.log(axis[20] / axis[21])  # log ratio at large r: kappa + (d-1)/2 r^-1 correction
    assert slope == pytest.approx(kappa_of(f) + 1 / 20.5, rel=2e-3)
    assert G.sum() == pytest.approx(1 / 0.6, rel=1e-10)
    assert float(E.correlation_length().subs(vals(f))) == pytest.approx(1 / kappa_of(f), rel=1e-12)


def test_entropy_production_density_closed_forms():
    f = E.LatticeField(5000, 1, m2=0.8, lam=1.3, a=0.9, gamma=1.7, eps=0.5)
    dens = E.entropy_production_density(1).subs({**vals(f), E.kappa: kappa_of(f)})
    assert f.entropy_production_rate() / f.sites == pytest.approx(float(dens), rel=1e-10)
    g = E.LatticeField(256, 2, m2=0.8, lam=1.3, a=0.9, gamma=1.7, eps=0.5)
    integral = E.entropy_production_density(2).subs(vals(g))
    fn = sp.lambdify(E.momenta(2), integral.function, "numpy")
    value = integrate.dblquad(lambda y, x: fn(x, y), -np.pi, np.pi, -np.pi, np.pi, epsabs=1e-12)[0]
    assert g.entropy_production_rate() / g.sites == pytest.approx(value, rel=1e-9)


def test_entropy_production_by_simulation():
    f = E.LatticeField(6, 1, m2=0.5, lam=1.0, gamma=1.0, eps=0.7)
    model = f.linear_sde()
    tr = tt.simulate(model, t_end=20.0, dt=0.005, paths=300, seed=3, burn_in=10.0)
    est = estimate.heat_rate(tr, model, list(model.variables))
    assert abs(est.z(f.entropy_production_rate())) <= 4 and est.value > 10 * est.stderr


def test_two_point_function_by_exact_sampling_and_by_langevin():
    f = E.LatticeField(32, 2, m2=0.4, lam=1.0)
    G = f.correlation()
    mean, se = E.LatticeField.two_point_estimate(f.sample(400, seed=1))
    for pt in [(0, 0), (1, 0), (3, 2), (8, 0)]:
        assert abs(mean[pt] - G[pt]) <= 4 * se[pt]
    chain = E.LatticeField(64, 1, m2=0.5, lam=1.0)
    fields = chain.langevin(t_end=20.0, dt=0.002, n=400, seed=2)
    mean, se = E.LatticeField.two_point_estimate(fields)
    Gc = chain.correlation()
    for n in (0, 1, 4):
        assert abs(mean[n] - Gc[n]) <= 4 * se[n] + 0.004 * Gc[0]  # the Euler step's O(dt) bias


def test_decimation_is_exact_on_even_sites():
    flow = E.decimation()
    f = E.LatticeField(40, 1, m2=0.3, lam=1.2, a=0.7)
    k = kappa_of(f)
    new = {key: float(val.subs({**vals(f), E.kappa: k})) for key, val in flow.items()}
    coarse = E.LatticeField(20, 1, m2=new["m2"], lam=new["lambda"], a=new["a"])
    assert np.allclose(coarse.correlation(), f.correlation()[::2], rtol=1e-10)
    assert kappa_of(coarse) == pytest.approx(2 * k, rel=1e-10)
    assert new["correlation_length"] == pytest.approx(f.a / k, rel=1e-12)


def test_phi4_reduces_to_the_gaussian_theory_and_first_order_perturbation():
    f = E.LatticeField(16, 1, m2=1.0, lam=1.0)
    u = 0.2
    base = f.langevin(t_end=8.0, dt=0.005, n=1500, seed=7)
    pert = f.langevin(t_end=8.0, dt=0.005, n=1500, seed=7, u=u)  # the same noise: the Euler bias cancels
    d = (pert**2).mean(axis=1) - (base**2).mean(axis=1)
    G = f.correlation()
    first_order = -u / 2 * G[0] * (G**2).sum()
    se = d.std(ddof=1) / np.sqrt(d.size)
    assert abs(d.mean() - first_order) <= 4 * se + 0.1 * abs(first_order)  # O(u^2) left over
    assert d.mean() < 0  # phi^4 stiffens the field
    zero = f.langevin(t_end=8.0, dt=0.005, n=1500, seed=7, u=0.0)
    assert np.array_equal(zero, base)


def test_bad_input_is_refused():
    with pytest.raises(ModelError, match="dimension"):
        E.LatticeField(8, 4)
    with pytest.raises(ModelError, match="m2"):
        E.LatticeField(8, 1, m2=0.0)
    with pytest.raises(ModelError, match="eps"):
        E.LatticeField(8, 1, eps=1.5)
    with pytest.raises(ModelError, match="too large"):
        E.LatticeField(64, 2).linear_sde()
    with pytest.raises(ModelError, match="dt too large"):
        E.LatticeField(8, 1).langevin(1.0, 0.5, 2)
    with pytest.raises(ModelError, match="share sites"):
        E.LatticeField(8, 1).mutual_information([0, 1], [1, 2])


def test_mass_for_a_measured_correlation_length():
    xi = 3.7
    m2 = float(E.mass_for_length(xi).subs({E.lam: 1.3, E.a: 0.5}))
    f = E.LatticeField(400, 1, m2=m2, lam=1.3, a=0.5)
    assert f.a / kappa_of(f) == pytest.approx(xi, rel=1e-12)
    G = f.correlation()
    assert -f.a / np.log(G[11] / G[10]) == pytest.approx(xi, rel=1e-9)


@pytest.mark.parametrize("d,L,b", [(1, 12, 3), (2, 6, 2)])
def test_block_averaged_correlation_against_the_dense_covariance(d, L, b):
    f = E.LatticeField(L, d, m2=0.6, lam=1.1, a=0.8)
    S = tt.stationary_covariance(f.linear_sde())
    coarse = np.arange(f.sites).reshape(f.shape)
    labels = np.zeros(f.shape, int)
    for I, idx in enumerate(np.ndindex(*(L // b,) * d)):
        labels[tuple(slice(i * b, (i + 1) * b) for i in idx)] = I
    P = np.zeros(((L // b) ** d, f.sites))
    P[labels.ravel(), coarse.ravel()] = 1 / b**d
    C_dense = P @ S @ P.T
    C_fft = f.blocked_correlation(b)
    assert np.allclose(C_dense[0], C_fft.ravel(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_block_spin_flow(d):
    f = E.LatticeField({1: 1024, 2: 256, 3: 64}[d], d, m2=0.01, lam=1.0)
    xi = f.correlation_length()
    g = f.block(2)
    assert g.m2 == pytest.approx(2**d * f.m2, rel=1e-10)  # Ĉ(0) = chi / b^d exactly
    assert g.a == 2 * f.a and g.L == f.L // 2
    assert abs(g.correlation_length() / xi - 1) < (2 / xi) ** 2  # physical length kept up to (b/xi)^2
    with pytest.raises(ModelError, match="block size"):
        f.block(3)


def test_region_information_on_a_million_sites():
    # two 10 x 10 blocks 2 sites apart; correlations (xi ~ 3 sites) never wrap around either lattice
    A = np.array([(i, j) for i in range(10) for j in range(10)])
    B = A + [12, 0]
    big, small = E.LatticeField(1000, 2, m2=0.1, lam=1.0), E.LatticeField(200, 2, m2=0.1, lam=1.0)
    assert big.sites == 10**6
    assert big.mutual_information(A, B) == pytest.approx(small.mutual_information(A, B), rel=1e-9)
    assert big.mutual_information(A, B) > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"eps": np.nan}, "eps: expected a finite number"),
        ({"m2": np.inf}, "m2: expected a finite number"),
        ({"m2": np.nan}, "m2: expected a finite number"),
        ({"lam": np.inf}, "lam: expected a finite number"),
        ({"a": np.inf}, "a: expected a finite number"),
        ({"gamma": -np.inf}, "gamma: expected a finite number"),
        ({"m2": -1.0}, "m2: expected a positive"),
        ({"lam": 0.0}, "lam: expected a positive"),
        ({"a": -0.5}, "a: expected a positive"),
        ({"gamma": 0.0}, "gamma: expected a positive"),
        ({"eps": -1.01}, "eps: expected"),
        ({"m2": 1 + 1j}, "m2: expected a real number"),
        ({"lam": "1"}, "lam: expected a real number"),
        ({"a": np.array([1.0])}, "a: expected a real number"),
        ({"eps": True}, "eps: expected a real number"),
        ({"L": np.nan}, "L: expected at least 2"),
        ({"L": 8.5}, "L: expected at least 2"),
        ({"L": 1}, "L: expected at least 2"),
        ({"L": True}, "L: expected at least 2"),
        ({"d": 2.0}, "dimension"),
        ({"d": True}, "dimension"),
        ({"d": 0}, "dimension"),
    ],
)
def test_every_constructor_argument_is_validated(kwargs, match):
    args = {"L": 8, "d": 1, **kwargs}
    with pytest.raises(ModelError, match=match):
        E.LatticeField(**args)


def test_constructor_accepts_integral_and_numpy_numbers():
    f = E.LatticeField(np.int64(8), 2, m2=np.float32(0.5), lam=1, eps=-1)
    assert (f.L, f.d, f.m2, f.lam, f.eps) == (8, 2, 0.5, 1.0, -1.0)
    assert E.LatticeField(8.0).L == 8


@pytest.mark.parametrize(
    "region_a, region_b, match",
    [
        ([0, 1], [64, 65], r"region_b: site index 64 is outside 0 \.\. 63"),  # used to wrap around: inf
        ([0, 1], [-1], r"region_b: site index -1 is outside"),
        ([[0, 0]], [[8, 0]], r"region_b: site \(8, 0\) is outside the lattice"),
        ([[0, -1]], [[3, 3]], r"region_a: site \(0, -1\) is outside the lattice"),
        ([0, 0], [5], "region_a: lists a site more than once"),
        ([], [5], "region_a: expected at least one site"),
        ([0.5], [5], "region_a: expected integer site indices"),
        ([True, False], [5], "region_a: expected integer site indices"),
        ([[0], [1, 2]], [5], "region_a: expected integer site indices"),
        ([[0, 0, 0]], [5], r"region_a: expected flat site indices or an \(n, 2\) array"),
        ([np.nan], [5], "region_a: expected integer site indices"),
    ],
)
def test_region_indices_are_validated(region_a, region_b, match):
    f = E.LatticeField(8, 2, m2=0.5)
    with pytest.raises(ModelError, match=match):
        f.mutual_information(region_a, region_b)


def test_regions_in_range_are_unchanged_by_validation():
    f = E.LatticeField(8, 2, m2=0.5)
    # flat indices, coordinates, integral floats and a single index give the same sites
    assert f.mutual_information([0, 1], [[4, 4]]) == f.mutual_information([[0, 0], [0, 1]], 36)
    assert f.mutual_information(np.array([0.0, 1.0]), [36]) == f.mutual_information([0, 1], [36])
    assert np.isfinite(f.mutual_information([0, 1], [63]))
    with pytest.raises(ModelError, match="region: site index 64"):
        f.covariance([0, 64])


def test_other_index_and_size_arguments_are_validated():
    f = E.LatticeField(8, 2, m2=0.5)
    with pytest.raises(ModelError, match="block size"):
        f.block(np.nan)
    with pytest.raises(ModelError, match="block size"):
        f.blocked_correlation(0)
    with pytest.raises(ModelError, match="n: expected an integer >= 1"):
        f.sample(0)
    with pytest.raises(ModelError, match="t_end: expected a finite number"):
        f.langevin(np.nan, 0.01, 2)
    with pytest.raises(ModelError, match="dt > 0"):
        f.langevin(1.0, -0.01, 2)
    with pytest.raises(ModelError, match="u: expected a finite number"):
        f.langevin(1.0, 0.01, 2, u=np.inf)
    with pytest.raises(ModelError, match="initial: expected shape"):
        f.langevin(0.1, 0.01, 2, initial=np.zeros(3))
    with pytest.raises(ModelError, match="max_sites"):
        f.linear_sde(max_sites=1.5)
    with pytest.raises(ModelError, match="batches"):
        E.LatticeField.two_point_estimate(np.zeros((30, 8)), batches=1.5)
    with pytest.raises(ModelError, match="fields: expected finite"):
        E.LatticeField.two_point_estimate(np.full((30, 8), np.nan))
    assert f.langevin(0.1, 0.01, 2, initial=np.zeros((8, 8))).shape == (2, 8, 8)


def test_the_distance_is_nonnegative_and_the_correlation_prints_without_a_modulus():
    # r is the distance between two sites (its glossary row): the page printed e^{-kappa |r|}, as if r had a sign
    G = E.two_point_function()
    assert E.r.is_nonnegative and not G.has(sp.Abs)
    at = {E.a: 1.3, E.lam: 0.9, E.kappa: 0.6}
    assert abs(float((G.subs(E.r, 4) / G.subs(E.r, 3)).subs(at)) - np.exp(-0.6)) < 1e-12
