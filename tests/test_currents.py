"""Currents: mean and variance rates, SCGF, uncertainty ratio and their Monte Carlo estimators.

Every closed form is checked against an independent computation: scipy quadrature of
the current's autocorrelation (Green–Kubo, Isserlis' theorem), exact two-time moments
at small steps, the spectral (Szegő) formula of quadratic functionals, finite
differences of the SCGF, the Gallavotti–Cohen symmetry, published results (the dragged
trap's Gaussian work, the integral of an OU process), the engine's heat and entropy
production rates, and simulated paths.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp
from scipy.integrate import quad, quad_vec

import thermotheory as tt
from thermotheory.core.currents import (
    Current,
    OutsideDomain,
    current_mean_rate,
    current_scgf,
    current_variance_rate,
    uncertainty_ratio,
)
from thermotheory.montecarlo.currents import (
    estimate_current_mean_rate,
    estimate_current_variance_rate,
    estimate_uncertainty_ratio,
)
from thermotheory.errors import ModelError, NotBipartite, NotStable, TooLarge
from thermotheory.models import decoder as B
from thermotheory.models import particle as P

DECODER_POINT = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}


# -- independent references ---------------------------------------------------------------
def reference_rates(A, b, D, G, g0, H, c, c0):
    """Mean rate from exact two-time moments at small steps; variance rate by Green–Kubo quadrature.

    Nothing here calls the package: S from scipy's Lyapunov solver, correlations from
    ``expm``, the correlation of quadratic forms by Isserlis' theorem, the noise-drift
    cross term from the conditional mean ``E[phi(y_t) | y_0]``.
    """
    S = sla.solve_continuous_lyapunov(A, -2 * D)
    m = -np.linalg.solve(A, b)
    g1 = G @ m + g0
    Phi = G.T @ A + A.T @ G + H
    p = A.T @ g1 + H @ m + c

    def correlation(t):
        E = sla.expm(A * t)
        C = E @ S  # <y_t y_0^T>
        auto = 0.5 * np.trace(Phi @ C @ Phi @ C.T) + p @ C @ p
        cross = 2 * np.trace(G.T @ D @ E.T @ Phi @ E @ S) + 2 * g1 @ D @ E.T @ p
        return np.array([auto + cross])

    slow = 1 / np.min(-np.linalg.eigvals(A).real)
    integral, _ = quad_vec(correlation, 0, 60 * slow, epsabs=1e-13, epsrel=1e-11, limit=400)
    var = 2 * np.trace(G.T @ D @ G @ S) + 2 * g1 @ D @ g1 + 2 * integral[0]

    def per_step(h):  # E[g(mid) . dz] / h over one exact step from the stationary state
        C = sla.expm(A * h) @ S
        return np.trace(G.T @ (C - C.T)) / (2 * h)

    h = 1e-3
    mean = (8 * per_step(h) - 6 * per_step(2 * h) + per_step(4 * h)) / 3
    mean += np.trace(H @ (S + np.outer(m, m))) / 2 + c @ m + c0
    return float(mean), float(var)


def spectral_scgf(A, D, H, s):
    r"""SCGF of :math:`\int y^T H y / 2\,dt` for a zero-mean stationary process (Szegő).

    :math:`-\frac{1}{4\pi}\int \ln\det(I - s H C(\omega))\,d\omega`, ``C`` the spectral density.
    """
    n = A.shape[0]

    def f(w):
        Mi = np.linalg.inv(1j * w * np.eye(n) - A)
        return np.log(np.linalg.det(np.eye(n) - s * H @ Mi @ (2 * D) @ Mi.conj().T)).real

    val, _ = quad(f, -np.inf, np.inf, limit=400, epsabs=1e-13, epsrel=1e-11)
    return -val / (4 * np.pi)


def random_system(rng, n, odd=False):
    A = rng.normal(size=(n, n))
    A -= (np.max(np.linalg.eigvals(A).real) + rng.uniform(0.3, 1.0)) * np.eye(n)
    D = np.diag(rng.uniform(0.3, 1.5, n))
    b = rng.normal(size=n)
    parity = [1] * n if not odd else [1] + [-1] * (n - 1)
    return A, b, D, parity


def random_current(rng, n):
    H = rng.normal(size=(n, n))
    return rng.normal(size=(n, n)), rng.normal(size=n), (H + H.T) / 2, rng.normal(size=n), float(rng.normal())


# -- closed forms against independent computations ----------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_rates_match_green_kubo_and_exact_steps(seed):
    rng = np.random.default_rng(seed)
    n = 1 + seed % 3
    A, b, D, _ = random_system(rng, n)
    G, g0, H, c, c0 = random_current(rng, n)
    model = tt.LinearSDE.from_matrices(A, D, b=b)
    J = Current(model.variables, G, g0, H, c, c0)
    mean, var = reference_rates(A, b, D, G, g0, H, c, c0)
    assert current_mean_rate(model, J) == pytest.approx(mean, rel=1e-7, abs=1e-9)
    assert current_variance_rate(model, J) == pytest.approx(var, rel=1e-9)


def test_integral_of_an_ou_process():
    x = sp.Symbol("x", real=True)
    tau, D, F = sp.symbols("tau D F", positive=True)
    ou = tt.LinearSDE({x: -x / tau + F}, {x: D})
    J = Current.time_integral(ou, x)
    assert sp.simplify(current_mean_rate(ou, J) - F * tau) == 0
    # Var int x dt ~ 2 sigma^2 tau t with sigma^2 = D tau
    assert sp.simplify(current_variance_rate(ou, J) - 2 * (D * tau) * tau) == 0


def test_dragged_trap_work_is_gaussian_and_saturates_the_bound():
    y = sp.Symbol("y", real=True)
    k, gamma, T, u = sp.symbols("k gamma T u", positive=True)
    frame = tt.LinearSDE({y: -k * y / gamma - u}, {y: T / gamma})
    W = Current.work(frame, k, u)
    assert sp.simplify(current_mean_rate(frame, W) - gamma * u**2) == 0
    assert sp.simplify(current_variance_rate(frame, W) - 2 * gamma * T * u**2) == 0
    # the same mean and variance as the engine's transient work statistics, at long times
    mw, vw = P.work_statistics()
    assert sp.limit(mw / P.t, P.t, sp.oo) == P.gamma * P.u**2
    assert sp.limit(vw / P.t, P.t, sp.oo) == 2 * P.gamma * P.T * P.u**2
    assert uncertainty_ratio(frame, W, entropy_rate=P.dragging_rate().subs(
        {P.gamma: gamma, P.u: u, P.T: T})) == 1
    s = sp.Symbol("s", real=True)
    assert sp.expand(current_scgf(frame, W, s) - (s * gamma * u**2 + s**2 * gamma * T * u**2)) == 0


@pytest.mark.parametrize("seed", range(4))
def test_heat_and_entropy_currents_have_the_engines_rates(seed):
    rng = np.random.default_rng(100 + seed)
    n = 2 + seed % 2
    A, b, D, parity = random_system(rng, n, odd=seed >= 2)
    model = tt.LinearSDE.from_matrices(A, D, b=b, parity=parity)
    for sub in ([model.variables[0]], list(model.variables[1:]), None):
        q = current_mean_rate(model, Current.heat(model, sub))
        ref = tt.heat_rate(model, sub) if sub is not None else tt.entropy_production_rate(model)
        assert q == pytest.approx(ref, rel=1e-9, abs=1e-12)
    if seed < 2:
        ep = Current.entropy_production(model)
        assert current_mean_rate(model, ep) == pytest.approx(tt.entropy_production_rate(model), rel=1e-9)
        # the system-entropy part is a gradient: it changes neither rate
        assert current_variance_rate(model, ep) == pytest.approx(current_variance_rate(model, Current.heat(model)),
                                                                 rel=1e-9)


def test_heat_of_inertial_particles_matches_the_engine_symbolically():
    m = P.coupled_particles()
    x1, v1, _, _ = m.variables
    Q1 = Current.heat(m, [x1, v1])
    assert sp.simplify(current_mean_rate(m, Q1) - tt.heat_rate(m, [x1, v1])) == 0
    g, h = Q1.expressions()
    assert g[v1] == -P.m * v1 / P.T1 and g[x1] == 0  # friction over temperature times dv_1
    assert Q1.is_odd(m.parity)


def test_gradient_current_has_no_rates():
    rng = np.random.default_rng(5)
    A, b, D, _ = random_system(rng, 3)
    model = tt.LinearSDE.from_matrices(A, D, b=b)
    K = rng.normal(size=(3, 3))
    J = Current(model.variables, G=K + K.T, g0=rng.normal(size=3))
    assert current_mean_rate(model, J) == 0.0
    assert current_variance_rate(model, J) == 0.0


@pytest.mark.parametrize("seed", range(3))
def test_symbolic_forms_agree_with_numeric_at_random_points(seed):
    rng = np.random.default_rng(200 + seed)
    one = B.one_neuron()
    v, x = one.variables
    forms = {"heat": Current.heat(one, x), "tracking": Current.from_expressions(one, {x: v}),
             "output": Current.time_integral(one, x), "mixed": Current.from_expressions(one, {v: x, x: 2 * v - x},
                                                                                        rate=v * x + x)}
    point = {p: float(rng.uniform(0.3, 3.0)) for p in one.parameters}
    num = one.subs(point)
    for name, J in forms.items():
        Jn = J.subs(point)
        for fn in (current_mean_rate, current_variance_rate):
            sym = float(sp.sympify(fn(one, J)).subs(point))
            assert sym == pytest.approx(fn(num, Jn), rel=1e-10, abs=1e-12), (name, fn.__name__)
    ratio = float(uncertainty_ratio(one, forms["heat"]).subs(point))
    assert ratio == pytest.approx(uncertainty_ratio(num, forms["heat"].subs(point)), rel=1e-10)


def test_decoder_heat_current_ratio_closed_form():
    one = B.one_neuron()
    ratio = uncertainty_ratio(one, Current.heat(one, B.x))
    snr = B.g**2 * B.sigma_v**2 / B.sigma_n**2
    expected = 1 + snr * B.tau_n * B.tau_v / (B.tau_n + B.tau_v) ** 2
    assert sp.simplify(ratio - expected) == 0


# -- the scaled cumulant generating function ----------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_scgf_derivatives_at_zero_are_mean_and_variance(seed):
    rng = np.random.default_rng(300 + seed)
    n = 1 + seed % 3
    A, b, D, parity = random_system(rng, n, odd=seed == 3)
    model = tt.LinearSDE.from_matrices(A, D, b=b, parity=parity)
    J = Current(model.variables, *random_current(rng, n))
    h = 1e-3
    lam = [current_scgf(model, J, k * h) for k in (-2, -1, 0, 1, 2)]
    d1 = (-lam[4] + 8 * lam[3] - 8 * lam[1] + lam[0]) / (12 * h)
    d2 = (-lam[4] + 16 * lam[3] - 30 * lam[2] + 16 * lam[1] - lam[0]) / (12 * h**2)
    assert d1 == pytest.approx(current_mean_rate(model, J), rel=1e-6, abs=1e-8)
    assert d2 == pytest.approx(current_variance_rate(model, J), rel=1e-5)


@pytest.mark.parametrize("seed", range(3))
def test_scgf_of_quadratic_functionals_matches_the_spectral_formula(seed):
    rng = np.random.default_rng(400 + seed)
    n = 1 + seed
    A, _, D, _ = random_system(rng, n)
    H = rng.normal(size=(n, n))
    H = (H + H.T) / 2
    model = tt.LinearSDE.from_matrices(A, D)
    J = Current(model.variables, H=H)
    for s in (0.05, -0.1):
        assert current_scgf(model, J, s) == pytest.approx(spectral_scgf(A, D, H, s), rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_entropy_production_obeys_the_gallavotti_cohen_symmetry(seed):
    rng = np.random.default_rng(500 + seed)
    A, b, D, _ = random_system(rng, 2 + seed % 2)
    model = tt.LinearSDE.from_matrices(A, D, b=b)
    ep = Current.entropy_production(model)
    sigma = tt.entropy_production_rate(model)
    assert sigma > 0
    for s in (0.1, 0.25):
        try:
            lam = current_scgf(model, ep, s)
        except OutsideDomain:
            continue
        assert lam == pytest.approx(current_scgf(model, ep, -1 - s), rel=1e-9, abs=1e-12)
    # and the fluctuation theorem's normalisation <exp(-Sigma)> = 1: lambda(-1) = 0
    assert current_scgf(model, ep, -1.0) == pytest.approx(0.0, abs=1e-10)


def test_linear_current_scgf_is_gaussian():
    rng = np.random.default_rng(9)
    A, b, D, _ = random_system(rng, 3)
    model = tt.LinearSDE.from_matrices(A, D, b=b)
    J = Current(model.variables, g0=rng.normal(size=3), c=rng.normal(size=3), c0=0.3)
    mean, var = current_mean_rate(model, J), current_variance_rate(model, J)
    for s in (-2.0, 0.7, 3.0):
        assert current_scgf(model, J, s) == pytest.approx(s * mean + s**2 * var / 2, rel=1e-9)


def test_symbolic_scgf_one_and_two_variables():
    s = sp.Symbol("s", real=True)
    one = B.one_neuron()
    lam = current_scgf(one, Current.heat(one, B.x), s)
    num = one.subs(DECODER_POINT)
    Qn = Current.heat(num, B.x)
    for sv in (0.1, -0.3, -0.9):
        assert float(lam.subs(DECODER_POINT).subs(s, sv)) == pytest.approx(current_scgf(num, Qn, sv), rel=1e-10)
    # Gallavotti–Cohen for the neuron's heat, which is the total entropy flow here
    assert sp.simplify(lam - lam.subs(s, -1 - s)) == 0
    # one variable: a trapped particle's heat with a constant force (a linear term)
    xx = sp.Symbol("x", real=True)
    k, F = sp.symbols("k F", positive=True)
    trap = tt.LinearSDE({xx: -k * xx + F}, {xx: 1})
    J = Current.from_expressions(trap, {xx: -k * xx + F}, rate=xx**2 / 3)
    lam1 = current_scgf(trap, J, s)
    pt = {k: 1.3, F: 0.4}
    for sv in (0.05, -0.2):
        assert float(lam1.subs(pt).subs(s, sv)) == pytest.approx(current_scgf(trap.subs(pt), J.subs(pt), sv), rel=1e-9)


def test_scgf_refuses_where_the_boundary_terms_diverge():
    # J = int x o dx = (x_t^2 - x_0^2)/2 for a unit OU process: zero SCGF while |s| < 1
    ou = tt.LinearSDE.from_matrices([[-1.0]], [1.0])
    J = Current(ou.variables, G=[[1.0]])
    assert current_scgf(ou, J, 0.5) == pytest.approx(0.0, abs=1e-12)
    assert current_scgf(ou, J, -0.5) == pytest.approx(0.0, abs=1e-12)
    for s in (1.5, -1.5):
        with pytest.raises(OutsideDomain, match="boundary"):
            current_scgf(ou, J, s)
    num = B.one_neuron().subs(DECODER_POINT)
    with pytest.raises(OutsideDomain, match="stabilising"):
        current_scgf(num, Current.heat(num, B.x), 0.5)
    assert isinstance(current_scgf(num, Current.heat(num, B.x), [0.0, 0.1]), np.ndarray)


def test_symbolic_scgf_refuses_without_a_closed_form():
    m = P.coupled_particles()
    with pytest.raises(ModelError, match="substitute numbers"):
        current_scgf(m, Current.heat(m, m.variables[:2]), sp.Symbol("s"))


# -- the uncertainty relation -------------------------------------------------------------
@pytest.mark.parametrize("seed", range(8))
def test_uncertainty_ratio_is_at_least_one_for_overdamped_models(seed):
    rng = np.random.default_rng(600 + seed)
    n = 2 + seed % 2
    A, b, D, _ = random_system(rng, n)
    model = tt.LinearSDE.from_matrices(A, D, b=b)
    W = rng.normal(size=(n, n))
    J = Current(model.variables, G=W - W.T + rng.normal(size=(n, n)), g0=rng.normal(size=n))
    assert uncertainty_ratio(model, J) >= 1 - 1e-12
    # the entropy production itself: Var >= 2 Sigma
    assert uncertainty_ratio(model, Current.entropy_production(model)) >= 1 - 1e-12


def test_uncertainty_ratio_refusals():
    one = B.one_neuron()
    with pytest.raises(ModelError, match="not odd under time reversal"):
        uncertainty_ratio(one, Current.time_integral(one, B.x))
    # an odd current with zero mean: the tracking current v o dx of a neuron without gain
    zero_gain = one.subs({B.g: 0})
    with pytest.raises(ModelError, match="mean rate .* is zero"):
        uncertainty_ratio(zero_gain, Current.from_expressions(zero_gain, {B.x: B.v}))
    # detailed balance: an equilibrium OU process has zero entropy production
    eq = tt.LinearSDE.from_matrices([[-1.0, 0.5], [0.5, -1.0]], [1.0, 1.0])
    with pytest.raises(ModelError, match="zero"):
        uncertainty_ratio(eq, Current(eq.variables, G=[[0, 1], [-1, 0]]))
    with pytest.raises(ModelError, match="non-negative"):
        uncertainty_ratio(one, Current.heat(one, B.x), entropy_rate=-1.0)


# -- input checks -------------------------------------------------------------------------
def test_current_input_checks():
    v, x = sp.symbols("v x", real=True)
    with pytest.raises(ModelError, match="linear in the state"):
        Current.from_expressions([v, x], {x: v * x})
    with pytest.raises(ModelError, match="at most quadratic"):
        Current.from_expressions([v, x], rate=x**3)
    with pytest.raises(ModelError, match="not a state variable"):
        Current.from_expressions([v, x], {"w": v})
    with pytest.raises(ModelError, match="symmetric"):
        Current((v, x), H=[[0, 1], [0, 0]])
    with pytest.raises(ModelError, match="shape"):
        Current((v, x), G=[[1.0]])
    with pytest.raises(ModelError, match="Symbols"):
        Current(("v", "x"))
    with pytest.raises(ModelError, match="string"):
        Current((v, x), c0="1")
    one = B.one_neuron()
    other = tt.LinearSDE({x: -x}, {x: 1})
    with pytest.raises(ModelError, match="written for the variables"):
        current_mean_rate(other, Current.heat(one, x))
    with pytest.raises(ModelError, match="Current"):
        current_mean_rate(one, "heat")


def test_model_checks():
    x, s = sp.symbols("x s", real=True)
    dragged = tt.LinearSDE({x: -(x - s)}, {x: 1}, time=s)
    with pytest.raises(ModelError, match="time"):
        Current.heat(dragged)
    with pytest.raises(ModelError, match="stationary"):
        current_mean_rate(dragged, Current.from_expressions(dragged, rate=x))
    unstable = tt.LinearSDE.from_matrices([[0.5]], [1.0])
    with pytest.raises(NotStable):
        current_variance_rate(unstable, Current.time_integral(unstable, "z0"))
    corr = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [[1.0, 0.5], [0.5, 1.0]])
    with pytest.raises(NotBipartite):
        Current.heat(corr, "z1")
    noiseless = tt.LinearSDE.from_matrices([[-1.0, 0.0], [1.0, -1.0]], [1.0, 0.0])
    with pytest.raises(ModelError, match="infinite"):
        Current.heat(noiseless, "z1")
    # odd variables with an asymmetric density: the entropy production is not a current
    xv = tt.LinearSDE.from_matrices([[-1.0, 1.0], [-1.0, -1.0]], [1.0, 1.0], b=[0.0, 1.0], parity=[1, -1])
    with pytest.raises(ModelError, match="symmetric under time reversal"):
        Current.entropy_production(xv)
    big = tt.LinearSDE({sp.Symbol(f"y{i}", real=True): -sp.Symbol("k", positive=True) * sp.Symbol(f"y{i}", real=True)
                        for i in range(5)}, {sp.Symbol(f"y{i}", real=True): 1 for i in range(5)})
    with pytest.raises(TooLarge, match="substitute numbers"):
        current_variance_rate(big, Current.time_integral(big, big.variables[0]))


def test_current_helpers():
    x, v = sp.symbols("x v", real=True)
    k = sp.Symbol("k", positive=True)
    J = Current.from_expressions([x, v], {x: k * v}, rate=v * x + 1)
    assert J.parameters == (k,) and not J.is_numeric and not J.is_linear
    assert J.subs({"k": 2, "unrelated": 1}).is_numeric
    assert not J.is_odd([1, -1])  # the rate v x is odd but the constant 1 is even
    with pytest.raises(ModelError, match="parity"):
        J.is_odd([1])
    with pytest.raises(ModelError, match="free parameters"):
        J.arrays()
    G, g0, H, c, c0 = J.subs({k: 2}).arrays()
    assert G[0, 1] == 2 and H[0, 1] == 1 and c0 == 1
    frame = tt.LinearSDE.from_matrices([[-1.0, 0.0], [0.0, -2.0]], [1.0, 1.0])
    assert Current.work(frame, [[1.0, 0.0], [0.0, 2.0]], [1.0, 1.0]).c.T.tolist() == [[-1.0, -2.0]]
    with pytest.raises(ModelError, match="velocity"):
        Current.work(frame, 1.0, 1.0)
    with pytest.raises(ModelError, match="weights"):
        Current.time_integral(frame, ["z0", "z1"], [1.0])


def test_the_registered_current_quantities_are_verified_through_verify():
    one = B.one_neuron()
    heat = Current.heat(one, B.x)
    point = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}
    for q in (tt.registry.current_mean_rate, tt.registry.uncertainty_ratio):
        bound = q.of(heat)
        assert bound.latex().endswith("[Q_{x}]") and bound.label == f"{q.name}(Q_x)"
        rec = tt.verify(one, bound, values=point, seed=3, paths=1024)
        assert rec.passed, rec
    wrong = tt.verify(one, tt.registry.current_mean_rate.of(heat), values=point, seed=3, paths=1024,
                      theory=1.05 * tt.registry.current_mean_rate(one.subs(point), heat.subs(point)))
    assert not wrong.passed
    with pytest.raises(ModelError, match="no Monte Carlo estimator of current_scgf"):
        tt.verify(one, tt.registry.current_scgf.of(heat, 0.5), values=point)


# -- Monte Carlo ---------------------------------------------------------------------------
def test_estimators_on_an_ou_integral():
    ou = tt.LinearSDE.from_matrices([[-1.0]], [1.0], b=[0.5])
    J = Current.time_integral(ou, "z0")
    e, step, T = estimate_current_variance_rate(ou, J, paths=1024, seed=11)
    assert abs(e.z(current_variance_rate(ou, J))) <= 4 and step == pytest.approx(0.05) and T >= 20
    e, _, _ = estimate_current_mean_rate(ou, J, paths=512, seed=12)
    assert abs(e.z(0.5)) <= 4


def test_estimators_on_the_decoder():
    num = B.one_neuron().subs(DECODER_POINT)
    for J in (Current.heat(num, B.x), Current.from_expressions(num, {B.x: B.v})):
        for est, closed in ((estimate_current_mean_rate, current_mean_rate),
                            (estimate_current_variance_rate, current_variance_rate),
                            (estimate_uncertainty_ratio, uncertainty_ratio)):
            e, _, _ = est(num, J, paths=1024, seed=21)
            assert abs(e.z(closed(num, J))) <= 4, (J.symbol, est.__name__, e)


def test_estimators_with_odd_variables_and_a_moving_frame():
    m = P.coupled_particles().subs({P.m: 1.0, P.gamma: 1.0, P.k: 1.0, P.kappa: 0.8, P.T1: 2.0, P.T2: 0.5})
    Q1 = Current.heat(m, m.variables[:2])
    e, _, _ = estimate_current_variance_rate(m, Q1, paths=1024, seed=31)
    assert abs(e.z(current_variance_rate(m, Q1))) <= 4
    e, _, _ = estimate_current_mean_rate(m, Q1, paths=1024, seed=32)
    assert abs(e.z(current_mean_rate(m, Q1))) <= 4
    frame = tt.LinearSDE.from_matrices([[-2.0]], [0.5], b=[-1.0])  # k = 2, gamma = 1, T = 0.5, u = 1
    W = Current.work(frame, 2.0, 1.0)
    e, _, _ = estimate_uncertainty_ratio(frame, W, paths=1024, seed=33, entropy_rate=2.0)
    assert abs(e.z(1.0)) <= 4


def test_estimator_checks():
    one = B.one_neuron()
    with pytest.raises(ModelError, match="numeric"):
        estimate_current_mean_rate(one, Current.heat(one, B.x), paths=64, seed=0)
    num = one.subs(DECODER_POINT)
    J = Current.heat(num, B.x)
    for kwargs in ({"paths": 1}, {"paths": True}, {"paths": 64, "dt": -1.0}, {"paths": 64, "duration": float("nan")}):
        with pytest.raises(ModelError):
            estimate_current_variance_rate(num, J, seed=0, **kwargs)
    with pytest.raises(ModelError, match="entropy_rate"):
        estimate_uncertainty_ratio(num, J, paths=64, seed=0, entropy_rate=0.0)


@pytest.mark.slow
def test_variance_estimator_is_calibrated():
    num = B.one_neuron().subs(DECODER_POINT)
    J = Current.heat(num, B.x)
    theory = current_variance_rate(num, J)
    zs = np.array([estimate_current_variance_rate(num, J, paths=512, seed=1000 + i)[0].z(theory) for i in range(40)])
    assert abs(zs.mean()) <= 4 / np.sqrt(zs.size) and 0.7 <= zs.std(ddof=1) <= 1.3


def test_a_label_shows_a_current_written_in_latex_as_a_terminal_would():
    """The plain-text label of a quantity of a current with a LaTeX symbol has no backslash or brace."""
    from thermotheory.core.jump import JumpCurrent

    nu = JumpCurrent({("a", "b"): 1}, symbol=r"\nu")
    flow = JumpCurrent({("a", "b"): 1}, symbol=r"\Phi_{\mathrm{atp}}")
    assert tt.registry.current_mean_rate.of(nu).label == "current_mean_rate(ν)"
    assert tt.registry.current_mean_rate.of(flow).label == "current_mean_rate(Φ_atp)"
    assert tt.registry.current_mean_rate.of(JumpCurrent({("a", "b"): 1}, symbol="J_s")).label == \
        "current_mean_rate(J_s)"
