"""Kalman–Bucy filter error and transfer entropy rate against independent computations."""

import numpy as np
import pytest
import sympy as sp

import thermotheory as tt

from .helpers import discrete_transfer_entropy_rate, riccati_by_integration

v, r, x, r1, r2, r3 = sp.symbols("v r x r1 r2 r3", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)


def sensor():
    return tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})


def test_filter_error_matches_riccati_integration():
    A = np.array([[-0.7, 0.4, 0.0], [-0.3, -1.1, 0.0], [1.2, 0.5, -2.0]])
    D = np.diag([0.8, 0.5, 0.3])
    m = tt.LinearSDE.from_matrices(A, D, variables=["a", "b", "y"])
    P = tt.filter_error(m, ["a", "b"], "y")
    H, Y = [0, 1], [2]
    ref = riccati_by_integration(A[np.ix_(H, H)], A[np.ix_(Y, H)], 2 * D[np.ix_(H, H)], 2 * D[np.ix_(Y, Y)])
    np.testing.assert_allclose(P, ref, rtol=1e-7)
    assert tt.filter_error(m, "a", "y") == pytest.approx(ref[0, 0], rel=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_symbolic_filter_error_matches_numeric(seed):
    rng = np.random.default_rng(seed)
    vals = {s: float(u) for s, u in zip((tau, tau_r, lam, D_v, D_r), rng.uniform(0.2, 3.0, 5))}
    expr = tt.filter_error(sensor(), v, r)
    assert float(expr.subs(vals)) == pytest.approx(tt.filter_error(sensor().subs(vals), v, r), rel=1e-11)
    # an estimate from the paths beats the prior variance D_v tau
    assert float(expr.subs(vals)) < vals[D_v] * vals[tau]


def test_symbolic_filter_error_for_a_population_of_neurons():
    g = sp.symbols("g1:4", positive=True)
    rs = (r1, r2, r3)
    drift = {v: -v / tau, **{ri: (gi * v - ri) / tau_r for ri, gi in zip(rs, g)}}
    m = tt.LinearSDE(drift, {v: D_v, **{ri: D_r for ri in rs}})
    expr = tt.filter_error(m, v, rs)
    vals = {tau: 1.3, tau_r: 0.4, D_v: 0.9, D_r: 0.6, g[0]: 1.0, g[1]: 2.0, g[2]: 0.5}
    num = tt.filter_error(m.subs(vals), v, rs)
    assert float(expr.subs(vals)) == pytest.approx(num, rel=1e-11)
    A, _, D = m.subs(vals).arrays()
    ref = riccati_by_integration(A[:1, :1], A[1:, :1], 2 * D[:1, :1], 2 * D[1:, 1:])
    assert num == pytest.approx(ref[0, 0], rel=1e-7)


def test_transfer_entropy_rate_of_a_sensor_is_duncans_formula():
    expr = tt.transfer_entropy_rate(sensor(), v, r)
    P = tt.filter_error(sensor(), v, r)
    assert sp.simplify(expr - (lam / tau_r) ** 2 * P / (4 * D_r)) == 0


@pytest.mark.parametrize(
    "A, D, source, target",
    [
        (np.array([[-1.0, 0.0], [1.5, -2.0]]), np.diag([1.0, 0.5]), [0], [1]),
        # three variables: the source is one of two hidden ones
        (np.array([[-1.0, 0.3, 0.0], [0.0, -0.6, 0.0], [0.8, 1.1, -1.5]]), np.diag([0.7, 0.4, 0.5]), [0], [2]),
        (np.array([[-1.0, 0.3, 0.0], [0.0, -0.6, 0.0], [0.8, 1.1, -1.5]]), np.diag([0.7, 0.4, 0.5]), [0, 1], [2]),
    ],
)
def test_transfer_entropy_rate_matches_discrete_time_limit(A, D, source, target):
    m = tt.LinearSDE.from_matrices(A, D)
    got = tt.transfer_entropy_rate(m, [m.variables[i] for i in source], [m.variables[i] for i in target])
    # the discrete-time rate converges linearly in dt; Richardson-extrapolate two steps
    te1 = discrete_transfer_entropy_rate(A, D, source, target, dt=2e-3)
    te2 = discrete_transfer_entropy_rate(A, D, source, target, dt=1e-3)
    assert got == pytest.approx(2 * te2 - te1, rel=2e-3)
    assert got > 0


def test_sensory_capacity_is_below_one():
    # information flow into the sensor never exceeds the transfer entropy rate
    rng = np.random.default_rng(5)
    for _ in range(5):
        vals = {s: float(u) for s, u in zip((tau, tau_r, lam, D_v, D_r), rng.uniform(0.2, 3.0, 5))}
        m = sensor().subs(vals)
        assert tt.information_flow(m, subsystem=r) <= tt.transfer_entropy_rate(m, v, r) + 1e-12


def test_errors():
    noiseless = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [1.0, -1.0]]), [1.0, 0.0])
    with pytest.raises(tt.ModelError, match="noise of their own"):
        tt.filter_error(noiseless, "z0", "z1")
    y = sp.Symbol("y", real=True)
    four = tt.LinearSDE({v: -v, x: v - x, y: x - y, r: y - r}, {v: D_v, x: 1, y: 1, r: 1})
    with pytest.raises(tt.TooLarge, match="hidden"):
        tt.filter_error(four, v, r)  # three hidden variables behind one observed: beyond the symbolic Riccati
    with pytest.raises(tt.ModelError, match="disjoint"):
        tt.filter_error(sensor(), r, r)
    with pytest.raises(tt.ModelError, match="nothing to filter"):
        tt.filter_error(sensor(), v, [v, r])
    blind = tt.LinearSDE.from_matrices(np.array([[0.5, 0.0], [0.0, -1.0]]), [1.0, 1.0])
    with pytest.raises(tt.ModelError, match="neither observed nor stable"):
        tt.filter_error(blind, "z0", "z1")


def _oscillator_and_sensor(eps=0.0):
    """A noiseless oscillator (z0, z1) and a noisy signal z2, both read by the sensor z3."""
    A = np.array([[0.0, 1.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [0.0, 0.0, -1.0, 0.0], [1.0, 0.0, 1.0, -1.0]])
    return tt.LinearSDE.from_matrices(A, np.diag([eps, eps, 1.0, 1.0]))


def test_transfer_entropy_rate_with_a_noiseless_hidden_oscillator():
    # The oscillator is learned exactly from the sensor's paths (its error decays like 1/t):
    # the rate is that of the signal alone, Duncan's (sqrt(2) - 1) / 2. It was a raw LinAlgError.
    got = tt.transfer_entropy_rate(_oscillator_and_sensor(), ["z0", "z2"], "z3")
    assert got == pytest.approx((np.sqrt(2) - 1) / 2, rel=1e-10)
    assert tt.transfer_entropy_rate(_oscillator_and_sensor(), "z2", "z3") == pytest.approx(got, rel=1e-10)
    assert tt.transfer_entropy_rate(_oscillator_and_sensor(), "z0", "z3") == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(tt.filter_error(_oscillator_and_sensor(), ["z0", "z1"], "z3"), 0.0, atol=1e-12)
    # independently: a small noise eps on the oscillator, the limit extrapolated in sqrt(eps)
    t6, t8 = (tt.transfer_entropy_rate(_oscillator_and_sensor(e), ["z0", "z2"], "z3") for e in (1e-6, 1e-8))
    assert abs(t8 - got) < abs(t6 - got)
    assert got == pytest.approx((10 * t8 - t6) / 9, rel=1e-6)


def test_transfer_entropy_rate_from_the_position_of_a_trap_observed_through_its_velocity():
    # x' = v, v' = -k x - gamma v + u + noise, u an Ornstein-Uhlenbeck force; the target is v
    def trap(eps):
        A = np.array([[0.0, 1.0, 0.0], [-1.0, -0.7, 1.0], [0.0, 0.0, -1.25]])
        return tt.LinearSDE.from_matrices(A, np.diag([eps, 0.5, 0.9]), variables=["x", "v", "u"])

    assert tt.transfer_entropy_rate(trap(0.0), "x", "v") == 0.0  # was a raw LinAlgError
    assert tt.filter_error(trap(0.0), "x", "v") == 0.0
    both = tt.transfer_entropy_rate(trap(0.0), ["x", "u"], "v")
    assert both == pytest.approx(tt.transfer_entropy_rate(trap(0.0), "u", "v"), rel=1e-10)
    t6, t8 = (tt.transfer_entropy_rate(trap(e), ["x", "u"], "v") for e in (1e-6, 1e-8))
    assert both == pytest.approx((10 * t8 - t6) / 9, rel=1e-6)
    # the rate from x alone vanishes like sqrt(eps)
    x6, x8 = (tt.transfer_entropy_rate(trap(e), "x", "v") for e in (1e-6, 1e-8))
    assert x8 == pytest.approx(x6 / 10, rel=0.05)
    # the same on the symbolic trap of the particle models
    from thermotheory.models import particle

    trap_sym = particle.underdamped_trap()
    assert tt.transfer_entropy_rate(trap_sym, particle.x, particle.v) == 0


def test_filter_ignores_variables_that_drive_neither_the_target_nor_the_hidden():
    # z1 is constant and unobserved (the model is not stable), but it drives nothing: the
    # filter of z0 from z2 is that of the sensor alone. It was "no stabilising solution".
    m = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, -1.0]]), [1.0, 0.0, 1.0])
    assert tt.filter_error(m, "z0", "z2") == pytest.approx(2 * (np.sqrt(2) - 1), rel=1e-10)
    assert tt.transfer_entropy_rate(m, "z0", "z2") == pytest.approx((np.sqrt(2) - 1) / 2, rel=1e-10)
    # z1 itself is neither observed nor stable: its error never settles
    with pytest.raises(tt.NotStable, match="neither observed nor stable"):
        tt.filter_error(m, "z1", "z2")
    with pytest.raises(tt.NotStable, match="neither observed nor stable"):
        tt.transfer_entropy_rate(m, ["z0", "z1"], "z2")


def test_a_noiseless_growing_hidden_mode_keeps_an_error():
    # z0' = z0 - 3 z2 with no noise, read by z2' = z0 - 2 z2 + noise: the error does not vanish
    # (alpha P^2 = 2 a P with a = 1, alpha = 1/2 gives P = 4), and small noise changes it little
    m = tt.LinearSDE.from_matrices(np.array([[1.0, -3.0], [1.0, -2.0]]), [0.0, 1.0])
    assert tt.filter_error(m, "z0", "z1") == pytest.approx(4.0, rel=1e-10)
    assert tt.transfer_entropy_rate(m, "z0", "z1") == pytest.approx(1.0, rel=1e-10)
    near = tt.LinearSDE.from_matrices(np.array([[1.0, -3.0], [1.0, -2.0]]), [1e-9, 1.0])
    assert tt.filter_error(near, "z0", "z1") == pytest.approx(4.0, rel=1e-7)


def test_no_raw_linalg_error_escapes(monkeypatch):
    from thermotheory.core import filtering

    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    m = tt.LinearSDE.from_matrices(np.array([[-1.0, 0.0], [1.0, -1.0]]), [1.0, 1.0])
    # the Newton path (a stable hidden drift) and scipy's Riccati path (its fallback)
    for patched in ("_newton_from_zero", "_driven_basis"):
        monkeypatch.setattr(filtering, patched, broken)
        with pytest.raises(tt.ModelError, match="could not be solved numerically"):
            tt.filter_error(m, "z0", "z1")
        with pytest.raises(tt.ModelError, match="could not be solved numerically"):
            tt.transfer_entropy_rate(m, "z0", "z1")
        monkeypatch.setattr(filtering, "_newton_from_zero", lambda *args, **kwargs: None)


def test_a_barely_observed_hidden_mode_is_solved_not_refused():
    """A coupling 1e-12 of the drift's scale left scipy's Riccati solution at a residual of 5e-8,
    which was refused; Newton refinement restores the digits. The source z0 drives nothing, so
    the transfer entropy is 0 and its filter error is its own stationary variance D / k = 2."""
    M = np.zeros((4, 4))
    M[1, 3], M[3, 2] = 1e-12, 1.0
    m = tt.LinearSDE.from_matrices(1e-3 * (M - 0.5 * np.eye(4)), 1e-3 * np.eye(4), variables=["z0", "z1", "z2", "z3"])
    assert tt.transfer_entropy_rate(m, "z0", "z1") == pytest.approx(0.0, abs=1e-12)
    assert tt.filter_error(m, "z0", "z1") == pytest.approx(2.0, rel=1e-9)
