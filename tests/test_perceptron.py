"""The perceptron: closed forms against ODE solves and scipy quadrature, and Monte Carlo at N = 1000."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

import thermotheory as tt
from thermotheory.errors import ModelError
from thermotheory.models import perceptron as D
from .helpers import learning_moments


def logistic(z):
    from scipy.special import expit

    return expit(z)


def label_information(mean, var):
    """ln 2 - h(p_c) by scipy quadrature."""
    pc = integrate.quad(lambda z: stats.norm.pdf(z, mean, np.sqrt(var)) * logistic(z), -np.inf, np.inf,
                        epsabs=1e-13)[0]
    return np.log(2) + pc * np.log(pc) + (1 - pc) * np.log(1 - pc)


def mixture_entropy_gain(a):
    """H(1/2 N(a,1) + 1/2 N(-a,1)) - H(N(0,1)) by scipy quadrature of -p ln p."""
    p = lambda w: 0.5 * (stats.norm.pdf(w, a, 1) + stats.norm.pdf(w, -a, 1))  # noqa: E731
    H = integrate.quad(lambda w: -p(w) * np.log(p(w)), -a - 12, a + 12, epsabs=1e-13, limit=200)[0]
    return H - 0.5 * np.log(2 * np.pi * np.e)


@pytest.mark.parametrize("tau,T", [(None, 0.7), (None, 3.0), (2.0, 1.2), (2.0, 5.0)])
def test_drive_response_against_the_moment_ode(tau, T):
    kind = "step" if tau is None else "ramp"
    c, q = D.drive_response(kind)
    rep = {D.t: T} if tau is None else {D.t: T, D.tau: tau}
    h = (lambda s: 1.0) if tau is None else (lambda s: min(s / tau, 1.0))
    ref = learning_moments(1.0, 1.0, 1.0, 1.0, h, T, breaks=(tau or 0,))
    assert float(c.subs(rep)) == pytest.approx(ref["S"][0, 1], rel=1e-9)
    assert float(q.subs(rep)) == pytest.approx(ref["heat"], rel=1e-9)


@pytest.mark.parametrize("nu,tau,T", [(0.7, None, 2.0), (2.0, 5.0, 3.0), (3.0, 50.0, float("inf"))])
def test_one_weight_against_scipy_quadrature(nu, tau, T):
    q = D.one_weight_quantities(nu, tau, T)
    kind = "step" if tau is None else "ramp"
    c, heat = D.drive_response(kind)
    rep = {D.tau: tau} if tau else {}
    if np.isinf(T):
        c, heat = (sp.limit(e.args[-1][0] if tau else e, D.t, sp.oo) for e in (c, heat))
    else:
        rep[D.t] = T
    a = nu * float(c.subs(rep))
    assert float(q["information"]) == pytest.approx(label_information(a, 1.0), rel=1e-8)
    assert float(q["entropy_change"]) == pytest.approx(mixture_entropy_gain(a), rel=1e-8)
    assert float(q["heat"]) == pytest.approx(nu**2 * float(heat.subs(rep)), rel=1e-12)
    assert q["information"] <= q["weight_information"]  # data processing
    assert 0 < q["efficiency"] < 1


def test_one_weight_efficiency_approaches_one_for_slow_ramps_and_strong_drives():
    step = float(D.one_weight_quantities(6.0)["efficiency"])
    by_tau = [float(D.one_weight_quantities(6.0, tau)["efficiency"]) for tau in (1.0, 10.0, 100.0, 1e3, 1e4)]
    by_nu = [float(D.one_weight_quantities(nu, 1e6)["efficiency"]) for nu in (1.0, 3.0, 6.0, 9.0)]
    assert step < 0.05 and all(np.diff(by_tau) > 0) and by_tau[-1] > 0.95
    assert all(np.diff(by_nu) > 0) and by_nu[-1] > 0.995


def knn_entropy(x, k=4):
    """Kozachenko–Leonenko entropy of 1-D samples (nats)."""
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    x = np.asarray(x, float).reshape(-1, 1)
    eps = cKDTree(x).query(x, k=k + 1)[0][:, -1]
    return digamma(x.shape[0]) - digamma(k) + np.log(2) + np.mean(np.log(eps))


def test_one_weight_entropy_change_by_monte_carlo():
    # half the paths learn sigma_T = +1, half -1: the pooled weights are the mixture
    nu_, tau_, T = 2.0, 2.0, 4.0
    import thermotheory as tt

    ends, starts = [], []
    for label, seed in ((1.0, 1), (-1.0, 2)):
        model = D.one_weight("ramp").subs({D.nu: nu_, D.tau: tau_, D.sigma_T: label})
        tr = tt.simulate(model, t_end=T, dt=0.01, paths=20000, seed=seed, initial=tt.Gaussian([0.0], [[1.0]]),
                         record_every=400)
        ends.append(tr.states[-1, :, 0])
        starts.append(tr.states[0, :, 0])
    ends, starts = np.concatenate(ends), np.concatenate(starts)
    batches = [knn_entropy(ends[i::10]) - knn_entropy(starts[i::10]) for i in range(10)]  # both labels in each
    value, se = np.mean(batches), np.std(batches, ddof=1) / np.sqrt(len(batches))
    theory = float(D.one_weight_quantities(nu_, tau_, T)["entropy_change"])
    assert abs(value - theory) <= 4 * se + 0.01  # the k-NN estimator's bias at 4000 samples is ~1e-3


def test_one_weight_by_monte_carlo():
    # N = P = 1: the weight sees one input; the simulation knows nothing of the closed forms
    est = D.simulate_learning(1, 1.0, 2.0, tau_value=2.0, time=4.0, dt=0.005, realizations=20000, seed=4, chunk=5000)
    q = D.one_weight_quantities(2.0, 2.0, 4.0)
    assert abs(est["information"].z(float(q["information"]))) <= 4
    assert abs(est["heat"].z(float(q["heat"]))) <= 4


@pytest.mark.parametrize("alpha,nu,tau", [(0.5, 1.0, None), (2.0, 0.8, 3.0)])
def test_many_weights_limit_by_monte_carlo_at_n_1000(alpha, nu, tau):
    T = 5.0
    est = D.simulate_learning(1000, alpha, nu, tau_value=tau, time=T, dt=0.01, realizations=200, seed=2)
    q = D.many_weights_quantities(alpha, nu, tau, T)
    for key in ("information", "entropy_change", "heat", "error"):
        assert abs(est[key].z(float(q[key]))) <= 4, (key, est[key], float(q[key]))


def test_many_weights_against_scipy_quadrature():
    alpha, nu = 1.5, 1.2
    q = D.many_weights_quantities(alpha, nu)  # step, read out at the end: c = 1, q = 1/2
    spread = 1 + alpha * nu**2
    assert float(q["information"]) == pytest.approx(alpha * label_information(nu, spread), rel=1e-8)
    assert float(q["entropy_change"]) == pytest.approx(0.5 * np.log(spread), rel=1e-12)
    assert float(q["heat"]) == pytest.approx(alpha * nu**2 / 2, rel=1e-12)


def test_hebbian_learning_never_reaches_efficiency_one():
    best = D.hebbian_supremum()
    assert 0.17 < best["efficiency"] < 0.5
    s = best["snr"]
    # the limit function is maximal there ...
    assert all(D.hebbian_limit(s * f) < best["efficiency"] for f in (0.5, 0.8, 1.25, 2.0))
    # ... and finite alpha (slow ramp, read out at the end) approaches it from below
    effs = [float(D.many_weights_quantities(a, np.sqrt(s / a), tau_value=1e9)["efficiency"])
            for a in (0.1, 1.0, 10.0, 100.0, 1000.0)]
    assert all(np.diff(effs) > 0) and effs[-1] < best["efficiency"]
    assert effs[-1] == pytest.approx(best["efficiency"], rel=1e-3)
    # the small-signal limit is 4 kappa(0)^2 with kappa(0) = E[logistic'(y)], y ~ N(0, 1)
    k0 = integrate.quad(lambda y: stats.norm.pdf(y) * logistic(y) * (1 - logistic(y)), -np.inf, np.inf)[0]
    assert float(D.hebbian_limit(1e-9)) == pytest.approx(4 * k0**2, rel=1e-6)


def test_bad_input_is_refused():
    with pytest.raises(ModelError, match="nu"):
        D.one_weight_quantities(-1.0)
    with pytest.raises(ModelError, match="tau"):
        D.one_weight_quantities(1.0, -2.0)
    with pytest.raises(ModelError, match="alpha"):
        D.many_weights_quantities(0.0, 1.0)
    with pytest.raises(ModelError, match="realizations"):
        D.simulate_learning(1000, 0.5, 1.0, realizations=2)


def test_the_quantities_come_as_derivations_with_their_notation():
    one = D.one_weight_quantities(2.0, 2.0, 4.0)
    many = D.many_weights_quantities(0.5, 1.0)
    assert isinstance(one, tt.Derivation) and isinstance(many, tt.Derivation)
    assert one.quantity("information").latex() == r"I(\sigma_T; \sigma)" and r"\eta" in one.notation()
    assert float(one["efficiency"]) == pytest.approx(float(one["information"] / (one["entropy_change"] + one["heat"])))
    assert list(many) == ["information", "entropy_change", "heat", "efficiency", "error"]
