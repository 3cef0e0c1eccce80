"""Independent reference computations for the tests.

Nothing here imports thermotheory's closed forms: the references use scipy's solvers,
finite differences and quadrature, or constructions whose answer is known.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz
import scipy.linalg as sla
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def stabilise(M: np.ndarray, margin: float) -> np.ndarray:
    """Shift ``M`` so that its largest real eigenvalue is ``-margin``."""
    top = np.max(np.linalg.eigvals(M).real)
    return M - (top + margin) * np.eye(M.shape[0])


@st.composite
def stable_systems(draw, n_min: int = 2, n_max: int = 5):
    """A random Hurwitz drift matrix and a positive diagonal diffusion."""
    n = draw(st.integers(n_min, n_max))
    M = draw(hnp.arrays(float, (n, n), elements=st.floats(-2, 2, allow_subnormal=False)))
    margin = draw(st.floats(0.1, 1.0))
    d = draw(hnp.arrays(float, (n,), elements=st.floats(0.1, 2.0)))
    return stabilise(M, margin), np.diag(d)


@st.composite
def covariance_constructions(draw, n_min: int = 2, n_max: int = 4, antisymmetric: bool = True):
    """``(A, D, Sigma, Omega)`` with ``A = -(D + Omega) Sigma^{-1}``: the stationary covariance is Sigma.

    Omega antisymmetric (zero when ``antisymmetric`` is False: detailed balance).
    """
    n = draw(st.integers(n_min, n_max))
    L = draw(hnp.arrays(float, (n, n), elements=st.floats(-1, 1)))
    Sigma = L @ L.T + draw(st.floats(0.3, 1.0)) * np.eye(n)
    d = draw(hnp.arrays(float, (n,), elements=st.floats(0.1, 2.0)))
    D = np.diag(d)
    if antisymmetric:
        W = draw(hnp.arrays(float, (n, n), elements=st.floats(-1, 1)))
        Omega = W - W.T
    else:
        Omega = np.zeros((n, n))
    A = -(D + Omega) @ np.linalg.inv(Sigma)
    return A, D, Sigma, Omega


def scipy_covariance(A: np.ndarray, D: np.ndarray) -> np.ndarray:
    return sla.solve_continuous_lyapunov(A, -2 * D)


class FokkerPlanckGrid:
    """Stationary density and probability current of a 2-variable model on a grid.

    The density is the Gaussian with scipy's covariance; gradients are finite
    differences and integrals trapezoid sums, so every quantity is computed from its
    definition, not from a closed form.
    """

    def __init__(self, A, b, D, parity=(1, 1), points: int = 801, width: float = 9.0):
        A, D = np.asarray(A, float), np.asarray(D, float)
        b = np.zeros(2) if b is None else np.asarray(b, float)
        self.A, self.b, self.D = A, b, D
        S = scipy_covariance(A, D)
        m = np.linalg.solve(A, -b)
        sd = np.sqrt(np.diag(S))
        self.x = np.linspace(m[0] - width * sd[0], m[0] + width * sd[0], points)
        self.y = np.linspace(m[1] - width * sd[1], m[1] + width * sd[1], points)
        X, Y = np.meshgrid(self.x, self.y, indexing="ij")
        Z = np.stack([X - m[0], Y - m[1]])
        Si = np.linalg.inv(S)
        quad = np.einsum("i...,ij,j...->...", Z, Si, Z)
        self.p = np.exp(-quad / 2) / (2 * np.pi * np.sqrt(np.linalg.det(S)))
        self.dx, self.dy = self.x[1] - self.x[0], self.y[1] - self.y[0]
        grad = np.gradient(self.p, self.dx, self.dy, edge_order=2)
        pos = np.stack([X, Y])
        f = np.einsum("ij,j...->i...", A, pos) + b[:, None, None]
        E = np.diag(parity).astype(float)
        f_E = np.einsum("ij,j...->i...", A, np.einsum("ij,j...->i...", E, pos)) + b[:, None, None]
        self.f_irr = (f + np.einsum("ij,j...->i...", E, f_E)) / 2
        Dgrad = np.einsum("ij,j...->i...", D, np.stack(grad))
        self.J = f * self.p - Dgrad
        self.J_irr = self.f_irr * self.p - Dgrad
        self.grad_log_p = np.stack(grad) / np.maximum(self.p, 1e-300)

    def integrate(self, F):
        return trapezoid(trapezoid(F, dx=self.dy, axis=1), dx=self.dx)

    def _safe(self, F):
        return np.where(self.p > 1e-250, F, 0.0)

    def partial_entropy_production(self, i: int) -> float:
        return self.integrate(self._safe(self.J_irr[i] ** 2 / (self.D[i, i] * np.maximum(self.p, 1e-300))))

    def total_entropy_production(self) -> float:
        Dp = np.linalg.pinv(self.D)
        F = np.einsum("i...,ij,j...->...", self.J_irr, Dp, self.J_irr) / np.maximum(self.p, 1e-300)
        return self.integrate(self._safe(F))

    def heat_rate(self, i: int) -> float:
        return self.integrate(self.f_irr[i] * self.J_irr[i] / self.D[i, i])

    def information_flow(self, i: int) -> float:
        """``int J_i d_i ln p(other | i)`` with the marginal of variable i integrated numerically."""
        if i == 0:
            marg = trapezoid(self.p, dx=self.dy, axis=1)
            dlog_marg = np.gradient(np.log(np.maximum(marg, 1e-300)), self.dx, edge_order=2)[:, None]
        else:
            marg = trapezoid(self.p, dx=self.dx, axis=0)
            dlog_marg = np.gradient(np.log(np.maximum(marg, 1e-300)), self.dy, edge_order=2)[None, :]
        return self.integrate(self._safe(self.J[i] * (self.grad_log_p[i] - dlog_marg)))


def riccati_by_integration(a, c, q, r, t_end: float = 60.0) -> np.ndarray:
    """Steady filter error by integrating the Riccati ODE from P = 0 (no algebraic solver)."""
    from scipy.integrate import solve_ivp

    k = a.shape[0]
    ri = np.linalg.inv(r)

    def rhs(_, p):
        P = p.reshape(k, k)
        return (a @ P + P @ a.T + q - P @ c.T @ ri @ c @ P).ravel()

    sol = solve_ivp(rhs, (0, t_end), np.zeros(k * k), rtol=1e-11, atol=1e-13, method="LSODA")
    P = sol.y[:, -1].reshape(k, k)
    return (P + P.T) / 2


def discrete_transfer_entropy_rate(A, D, source, target, dt: float, iters: int | None = None) -> float:
    """Transfer entropy per unit time of the exactly sampled process at step ``dt``.

    Kalman prediction of the state from the target's noiseless samples, iterated to its
    fixed point; TE per step = 1/2 ln det Var(y' | y_past) / det Var(y' | y_past, x_now).
    """
    n = A.shape[0]
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n] = -A
    M[:n, n:] = 2 * D
    M[n:, n:] = A.T
    E = sla.expm(M * dt)
    F = E[n:, n:].T
    Q = F @ E[:n, n:]
    Y = list(target)
    X = list(source)
    C = np.eye(n)[Y]
    P = scipy_covariance(A, D)  # prior: the stationary state
    iters = iters or int(40 / dt)
    for _ in range(iters):
        post = P - P @ C.T @ np.linalg.solve(C @ P @ C.T, C @ P)
        P_new = F @ post @ F.T + Q
        if np.max(np.abs(P_new - P)) < 1e-15:
            P = P_new
            break
        P = P_new
    post = P - P @ C.T @ np.linalg.solve(C @ P @ C.T, C @ P)
    given_x = post - post[:, X] @ np.linalg.solve(post[np.ix_(X, X)], post[X, :])
    v1 = C @ (F @ post @ F.T + Q) @ C.T
    v2 = C @ (F @ given_x @ F.T + Q) @ C.T
    return 0.5 * (np.linalg.slogdet(v1)[1] - np.linalg.slogdet(v2)[1]) / dt


def learning_moments(lam: float, s_mu: float, tau_w: float, sigma_w: float, h, t_end: float,
                     breaks: tuple = ()) -> dict:
    """Moments and heat of ``(mu, w)`` with ``tau_w dw = (-w + lam mu h(t)) dt + noise``, by an ODE solve.

    The joint covariance obeys ``dS/dt = A(t) S + S A(t)^T + 2D`` with a time-dependent
    drift matrix; the heat rate of ``w`` is ``<f_w^2> / D_w + df_w/dw``. Starts from
    ``mu ~ N(0, s_mu^2)`` and ``w ~ N(0, sigma_w^2)``, independent.
    """
    from scipy.integrate import solve_ivp

    D_w = sigma_w**2 / tau_w

    def A(s):
        return np.array([[0.0, 0.0], [lam * h(s) / tau_w, -1.0 / tau_w]])

    def rhs(s, y):
        S = y[:4].reshape(2, 2)
        a = A(s)
        dS = a @ S + S @ a.T + np.diag([0.0, 2 * D_w])
        f = a[1]  # f_w = a . (mu, w)
        return np.concatenate([dS.ravel(), [f @ S @ f / D_w + a[1, 1]]])

    y = np.concatenate([np.diag([s_mu**2, sigma_w**2]).ravel(), [0.0]])
    edges = [0.0] + [b for b in breaks if 0 < b < t_end] + [t_end]
    for lo, hi in zip(edges[:-1], edges[1:]):
        y = solve_ivp(rhs, (lo, hi), y, method="DOP853", rtol=1e-11, atol=1e-13).y[:, -1]
    S = y[:4].reshape(2, 2)
    info = 0.5 * np.log(S[0, 0] * S[1, 1] / np.linalg.det(S))
    return {"S": S, "information": info, "entropy_change": 0.5 * np.log(S[1, 1] / sigma_w**2), "heat": y[4]}


def load_module(name: str, path):
    """The Python file ``path`` imported as the module ``name`` (a benchmark, which is not a package module); once per
    test process: a second load would replace the module in ``sys.modules`` under the first one's objects, whose
    doctests doctest then no longer finds (two test modules of one worker loading ``hand_forms``)."""
    import importlib.util
    import sys
    from pathlib import Path

    loaded = sys.modules.get(name)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == Path(path).resolve():
        return loaded
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:  # (a module half loaded is not kept for the next call)
        sys.modules.pop(name, None)
        raise
    return module


def _owner(path: str) -> Any:
    """The module, or the class inside a module, named by a dotted path."""
    try:
        return importlib.import_module(path)
    except ImportError:
        module, _, name = path.rpartition(".")
        return getattr(importlib.import_module(module), name)


def record_calls(monkeypatch, targets) -> list[str]:
    """Wrap each ``(owner, name)`` so that its calls are recorded (and still made).

    ``owner`` is a module or class, or its dotted path. Returns the list that the labels of the
    calls are appended to (``name``, or ``"path.name"`` for an owner given by its path), so that
    a test can assert that some work (an elimination, a solve, a run, a process) was never started.
    """
    calls: list[str] = []
    for owner, name in targets:
        where = _owner(owner) if isinstance(owner, str) else owner
        original = getattr(where, name)

        def wrapper(*args, _original=original, _label=f"{owner}.{name}" if isinstance(owner, str) else name,
                    **kwargs):
            calls.append(_label)
            return _original(*args, **kwargs)

        monkeypatch.setattr(where, name, wrapper)
    return calls


def numpy_values(x: Any, y: Any, points: int, seed: int):
    """``(x, y)`` evaluated with numpy at ``points`` random points, every symbol uniform in [0.2, 3]: an
    evaluation independent of the presentation pass's own mpmath check."""
    import sympy as sp

    names = sorted(x.free_symbols | y.free_symbols, key=lambda s: s.name)
    fx, fy = sp.lambdify(names, x, "numpy"), sp.lambdify(names, y, "numpy")
    rng = np.random.default_rng(seed)
    for _ in range(points):
        vals = rng.uniform(0.2, 3.0, size=len(names))
        yield fx(*vals), fy(*vals), vals

