"""Transient moments and exact steps under stress: unstable, singular and stiff drifts.

The oracle is the moment ODE ``dS/dt = A S + S A^T + 2D`` (and ``dm/dt = A m + b``)
integrated by scipy's ``solve_ivp``; it never calls the closed forms.
"""

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp
from scipy.integrate import solve_ivp

import thermotheory as tt
from thermotheory.core.moments import noise_integral
from thermotheory.models import particle
from thermotheory.montecarlo.simulate import drive_offsets, step_matrices

ODE = {"method": "Radau", "rtol": 1e-10}


def moment_ode(A, D, S0, t):
    """Covariance at time t from the moment ODE (Radau, exact Jacobian)."""
    n = A.shape[0]
    jac = np.kron(A, np.eye(n)) + np.kron(np.eye(n), A)  # vec(A S + S A^T), row-major

    def rhs(_, s):
        S = s.reshape(n, n)
        return (A @ S + S @ A.T + 2 * D).ravel()

    atol = 1e-14 * max(1.0, np.abs(S0).max(), np.abs(D).max())
    sol = solve_ivp(rhs, (0, t), np.asarray(S0, float).ravel(), jac=jac, atol=atol, **ODE)
    assert sol.success
    S = sol.y[:, -1].reshape(n, n)
    return (S + S.T) / 2


def mean_ode(A, drive, m0, t_lo, t_hi, breaks=()):
    """Mean at t_hi from m0 at t_lo, for dm/dt = A m + drive(t), restarted at the protocol's breaks."""
    y = np.asarray(m0, float)
    cuts = [t_lo, *[s for s in breaks if t_lo < s < t_hi], t_hi]
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        sol = solve_ivp(lambda s, m: A @ m + drive(s), (lo, hi), y, jac=A, atol=1e-14, **ODE)
        assert sol.success
        y = sol.y[:, -1]
    return y


def close(S, ref, rtol=1e-7):
    """Normwise relative agreement (entries far below the largest are not held to rtol)."""
    err = np.abs(S - ref).max() / np.abs(ref).max()
    assert err <= rtol, f"relative error {err:.3g}"


# -- the dragged trap's work: a zero eigenvalue (W is conserved apart from the drive) --------------

GAMMA, K, TEMP, U = 1.0, 3.0, 0.5, 1.0


@pytest.fixture(scope="module")
def dragged():
    return particle.dragged_work().subs({"gamma": GAMMA, "k": K, "T": TEMP, "u": U})


@pytest.mark.parametrize("t", [8.0, 12.0])
def test_dragged_work_variance_is_twice_temperature_times_mean_work(dragged, t):
    S0 = np.diag([TEMP / K, 0.0])
    S = tt.covariance(dragged, t, S0)
    tau = GAMMA / K
    mean_work = GAMMA * U**2 * (t - tau * -np.expm1(-t / tau))
    assert S[1, 1] == pytest.approx(2 * TEMP * mean_work, rel=1e-10)
    A, _, D = dragged.arrays(allow_protocol=True)
    close(S, moment_ode(A, D, S0, t), rtol=1e-8)


# -- random drifts that are unstable, singular, or stiff with a nearly conserved mode ---------------

def _similar(rng, n, eigenvalues, cond=10.0):
    """A real matrix with the given (real) eigenvalues and an eigenvector basis of moderate condition."""
    V = np.eye(n) + rng.standard_normal((n, n)) * (cond - 1) / (cond * np.sqrt(n))
    return V @ np.diag(eigenvalues) @ np.linalg.inv(V)


def _diffusion(rng, n):
    B = rng.standard_normal((n, n))
    return B @ B.T / n + 0.1 * np.eye(n)


def _case(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "unstable":  # one growing mode next to fast decaying ones: Van Loan cancels
        A = _similar(rng, n, np.r_[0.3, -rng.uniform(2.0, 6.0, n - 1)])
        t = 40.0
    elif kind == "singular":  # a conserved mode (zero eigenvalue), random coupling
        A = _similar(rng, n, np.r_[0.0, -rng.uniform(1.0, 5.0, n - 1)])
        t = 30.0
    else:  # stiff, with a nearly conserved mode: the stationary state is huge and cancels
        A = _similar(rng, n, np.r_[-1e-11, -np.geomspace(1.0, 1e3, n - 1)])
        t = 10.0
    return A, _diffusion(rng, n), t


@pytest.mark.parametrize("kind", ["unstable", "singular", "stiff"])
@pytest.mark.parametrize("n", [2, 3, 5])
def test_transient_covariance_of_hard_drifts_matches_the_moment_ode(kind, n):
    A, D, t = _case(kind, n, seed=100 * n + len(kind))
    S0 = np.eye(n) * 0.5
    model = tt.LinearSDE.from_matrices(A, D)
    S = tt.covariance(model, t, S0)
    close(S, moment_ode(A, D, S0, t))
    assert np.linalg.eigvalsh(S)[0] >= -1e-12 * np.abs(S).max()


def test_noise_integral_overflow_is_refused():
    with pytest.raises(tt.ModelError, match="overflow"):
        noise_integral(np.array([[1.0]]), np.array([[2.0]]), 1e4)
    model = tt.LinearSDE.from_matrices([[1.0]], [1.0])
    with pytest.raises(tt.ModelError, match="overflow"):
        tt.covariance(model, 1e4, [[0.0]])


# -- the exact stepper at a coarse step: one step against the ODE -------------------------------------

def _stiff_drift(fast_sign):
    """3 variables, non-normal, fastest rate 40; fast_sign=+1 makes a mode grow at rate 0.7."""
    rng = np.random.default_rng(7)
    return _similar(rng, 3, [-40.0, 0.7 * fast_sign, -0.2], cond=4.0)


@pytest.mark.parametrize("sign", [-1, 1], ids=["stable", "unstable"])
def test_exact_step_at_dt_one_with_fast_rate_40(sign):
    A = _stiff_drift(sign)
    D = np.diag([1.0, 0.3, 0.05])
    b = np.array([1.0, -2.0, 0.5])
    m0 = np.array([0.3, -0.1, 2.0])
    F, c, G = step_matrices(A, b, D, 1.0, "exact")
    close(F @ m0 + c, mean_ode(A, lambda s: b, m0, 0.0, 1.0), rtol=1e-9)
    close(G @ G.T, moment_ode(A, D, np.zeros((3, 3)), 1.0), rtol=1e-9)


@pytest.mark.parametrize("rate", [40.0, -20.0], ids=["stiff", "unstable"])
def test_exact_drive_offsets_at_dt_one(rate):
    """A trap dragged at unit speed (and kicked at t = 1.3), relaxing at ``rate`` = 40 (or growing at 20)."""
    x, w, s = sp.symbols("x w s", real=True)
    model = tt.LinearSDE({x: -rate * (x - s - sp.Heaviside(s - 1.3)), w: x - s}, {x: 0.5}, time=s)
    A = np.asarray(model.arrays(allow_protocol=True).A)
    F = sla.expm(A)
    c = drive_offsets(model, A, 1.0, 3, "exact")
    m = np.zeros(2)
    for k in range(3):
        m_next = F @ m + c[k]
        ref = mean_ode(A, lambda t: model.drive([t])[0], m, k, k + 1.0, breaks=(1.3,))
        close(m_next, ref, rtol=1e-8)
        m = ref


# -- refusals at simulate's entry --------------------------------------------------------------------

OU = tt.LinearSDE.from_matrices([[-1.0]], [1.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dt": -0.1}, "dt: expected a positive"),
        ({"dt": float("nan")}, "dt: expected a finite"),
        ({"dt": float("inf")}, "dt: expected a finite"),
        ({"t_end": float("inf")}, "t_end: expected a finite"),
        ({"t_end": float("nan")}, "t_end: expected a finite"),
        ({"t_end": 0.0}, "t_end: expected a positive"),
        ({"t_end": 0.04}, "t_end: expected at least one step"),
        ({"dt": "0.1"}, "dt: expected a number"),
        ({"paths": 2.5}, "paths: expected a positive integer"),
        ({"paths": -3}, "paths: expected a positive integer"),
        ({"paths": float("nan")}, "paths: expected a positive integer"),
        ({"paths": "4"}, "paths: expected a positive integer"),
        ({"record_every": 0}, "record_every: expected a positive integer"),
        ({"record_every": 1.5}, "record_every: expected a positive integer"),
        ({"record_every": 20}, "record_every: 20 steps is more than the 10 steps"),
        ({"burn_in": float("inf")}, "burn_in: expected a finite"),
        ({"chunk_paths": 0}, "chunk_paths: expected a positive integer"),
        ({"seed": -1}, "seed: expected a non-negative integer"),
        ({"seed": None}, "seed: expected a non-negative integer"),
        ({"seed": 1.5}, "seed: expected a non-negative integer"),
        ({"method": "rk4"}, "method: expected one of"),
        ({"observers": [len]}, "observers: expected a mapping"),
        ({"observers": {"n": 3}}, "observers: the factory for 'n' is not callable"),
    ],
)
def test_bad_simulation_input_is_refused(kwargs, message):
    args = {"t_end": 1.0, "dt": 0.1, "paths": 4, "seed": 0, **kwargs}
    with pytest.raises(tt.ModelError, match=message):
        tt.simulate(OU, **args)


def test_bad_input_of_a_nonlinear_sde_is_refused_before_any_step():
    x = sp.Symbol("x", real=True)
    cubic = tt.SDE({x: -x**3}, {x: 1}, convention="ito")
    with pytest.raises(tt.ModelError, match="dt: expected a positive"):
        tt.simulate(cubic, t_end=1.0, dt=-0.01, paths=4, method="euler")


@pytest.mark.parametrize("method", ["euler", "heun"])
def test_unstable_scheme_step_is_refused(method):
    stiff = tt.LinearSDE.from_matrices([[-40.0, 0.0], [1.0, -1.0]], [1.0, 1.0])
    with pytest.raises(tt.ModelError, match=f"{method} is unstable at dt = 0.1.*rate 40|{method} is unstable"):
        tt.simulate(stiff, t_end=1.0, dt=0.1, paths=4, seed=0, method=method)
    tt.simulate(stiff, t_end=1.0, dt=0.1, paths=4, seed=0, method="exact")  # the exact scheme has no limit
    tt.simulate(stiff, t_end=1.0, dt=0.02, paths=4, seed=0, method=method)  # within the limit


def test_overflowing_paths_are_refused():
    growing = tt.LinearSDE.from_matrices([[5.0]], [1.0])
    # numpy warns of the overflow as it happens; simulate then refuses at the end of the tile
    with pytest.raises(tt.ModelError, match="left the floating-point range"), pytest.warns(RuntimeWarning):
        tt.simulate(growing, t_end=200.0, dt=0.5, paths=4, seed=0, initial=[1.0], record=False)


def test_initial_gaussian_must_be_a_covariance():
    m = tt.LinearSDE.from_matrices([[-1.0, 0.0], [0.0, -1.0]], [1.0, 1.0])
    for cov, message in [([[1.0, 2.0], [2.0, 1.0]], "positive semi-definite"),
                         ([[1.0, 0.5], [0.0, 1.0]], "symmetric"),
                         ([[1.0, 0.0], [0.0, np.nan]], "finite")]:
        with pytest.raises(tt.ModelError, match=message):
            tt.simulate(m, t_end=0.1, dt=0.1, paths=4, seed=0, initial=tt.Gaussian([0.0, 0.0], cov))
    with pytest.raises(tt.ModelError, match="finite"):
        tt.simulate(m, t_end=0.1, dt=0.1, paths=4, seed=0, initial=[np.inf, 0.0])
