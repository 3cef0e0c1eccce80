r"""The Brownian particle (model A of the seed models), as ready-made linear SDEs.

Every function returns a :class:`~thermotheory.LinearSDE` or closed forms derived from one
by the engine; the symbols are those of this module (``m``, ``gamma``, ``T``, ``k``, ``u``,
``kappa``, ``T_1``, ``T_2``, all positive) and the state variables ``v``, ``x``, ``W``.
Time is :data:`t`. Conventions: :math:`k_B = 1`, heat as entropy flow into the medium
(``Q/T``); multiply by ``T`` for energy.

- :func:`free_velocity`: the velocity of a free particle, ``m dv = -gamma v dt + sqrt(2 gamma T) dW``.
- :func:`relaxation`: its relaxation from another velocity spread: entropy produced over
  ``[0, t]`` and over ``[0, inf)`` (the Kullback–Leibler divergence from equilibrium), heat.
- :func:`trapped`, :func:`dragged_trap`, :func:`dragged_work`: an overdamped particle in a
  harmonic trap, at rest or dragged at speed ``u`` (a protocol ``b(t)``), and the same
  with the work done on it as a second variable; :func:`work_statistics` gives the
  (Gaussian) work distribution and :func:`jarzynski_average` ``<exp(-W/T)>``.
- :func:`underdamped_trap` and :func:`coupled_particles`: inertial particles (``v`` odd),
  in equilibrium at one temperature, or two of them coupled by a spring at two temperatures.

Landauer's bound is not derived here: erasing a bit needs a double-well potential (a
nonlinear drift) and a trap whose stiffness changes in time (a time-dependent drift
matrix); the linear engine allows only a time-dependent constant term ``b(t)``. Its
Gaussian analogue, compressing a trap, needs the same time-dependent stiffness.
"""

from __future__ import annotations

import sympy as sp

from ..core.moments import covariance, mean
from ..core.model import LinearSDE
from ..core.presentation import Units
from ..errors import ModelError
from ..derivation import Definition, Derivation
from ..core.thermo import entropy_production, heat

__all__ = [
    "m", "gamma", "T", "k", "u", "kappa", "T1", "T2", "t", "v", "x", "W",
    "free_velocity", "relaxation", "trapped", "dragged_trap", "dragged_work", "work_statistics",
    "jarzynski_average", "dragging_rate", "underdamped_trap", "coupled_particles", "Q", "UNITS", "OVERDAMPED_SCALES",
    "GLOSSARY",
]

m, gamma, T, k, u, kappa = sp.symbols("m gamma T k u kappa", positive=True)
T1, T2 = sp.symbols("T_1 T_2", positive=True)
#: Time: the argument of transient closed forms and of the dragging protocol.
t = sp.Symbol("t", positive=True)
v, x, W = sp.symbols("v x W", real=True)

#: Quality factor of the trapped particle, :math:`Q = \sqrt{k m} / \gamma`.
Q = sp.Symbol("Q", positive=True)
#: What each of the particle's symbols means, and its units, for the glossaries of the pages that print them
#: (the particle's, the currents').
GLOSSARY = {v: ("velocity of the particle", "length per time"), x: ("position of the particle", "length"),
            m: ("mass", "mass"), gamma: ("friction coefficient", "mass per time"),
            T: ("temperature of the bath", "energy"), k: ("stiffness of the trap", "energy per squared length"),
            u: ("speed of the trap", "length per time"), t: ("time since the start", "time"),
            T1: ("temperature of the first bath", "energy"), T2: ("temperature of the second bath", "energy"),
            kappa: ("stiffness of the coupling spring", "energy per squared length"),
            Q: r"quality factor of the trap, $\sqrt{k m} / \gamma$",
            # the pair in two baths (coupled_particles("modes")): its centre of mass and half its separation
            "X": ("centre of mass of the pair", "length"), "Y": ("half the separation of the pair", "length"),
            "V": ("velocity of the centre of mass", "length per time"),
            "U": ("half the relative velocity", "length per time"),
            "D": ("diffusion matrix of the pair's noises ($V$ and $U$ both feel the two baths)",
                  "squared speed per unit time")}
_ENERGY = {"mass": 1, "length": 2, "time": -2}
#: Dimensions (mass, length, time; temperatures as energies, k_B = 1), scales ``m, gamma, T``
#: (time ``m / gamma``, thermal speed ``sqrt(T / m)``) and the group ``Q``; the others get
#: their :math:`\hat{p}` group (``u`` in thermal speeds, ``t`` in units of ``m / gamma``).
UNITS = Units(
    {m: {"mass": 1}, gamma: {"mass": 1, "time": -1}, T: _ENERGY, T1: _ENERGY, T2: _ENERGY,
     k: {"mass": 1, "time": -2}, kappa: {"mass": 1, "time": -2}, u: {"length": 1, "time": -1}, t: {"time": 1}},
    [m, gamma, T],
    {Q: sp.sqrt(k * m) / gamma},
)
#: Scales of the overdamped particle (:func:`trapped`, :func:`dragged_trap`), which has no mass: the
#: friction, the stiffness and the temperature (time ``gamma / k``, length ``sqrt(T / k)``), for
#: ``UNITS(expr, OVERDAMPED_SCALES)``.
OVERDAMPED_SCALES = (gamma, k, T)


def free_velocity() -> LinearSDE:
    r"""Velocity of a free Brownian particle: :math:`m\,dv = -\gamma v\,dt + \sqrt{2\gamma T}\,dW`.

    An OU process with relaxation time :math:`\tau_v = m/\gamma` and equilibrium variance
    :math:`T/m` (equipartition); it produces no entropy in its stationary state.

    Examples
    --------
    >>> from thermotheory import stationary_covariance
    >>> stationary_covariance(free_velocity())
    Matrix([[T/m]])
    """
    return LinearSDE({v: -gamma * v / m}, {v: gamma * T / m**2}, parity={v: -1})


def relaxation(initial_variance: sp.Expr | float) -> Derivation:
    r"""A free particle's velocity relaxing from variance :math:`s_0` (zero mean) to equilibrium.

    Returns a :class:`~thermotheory.derivation.Derivation` of :func:`free_velocity` with

    - ``"initial_variance"``: :math:`\langle v^2\rangle(0) = s_0`, the spread it starts from
      (so that a page states it);
    - ``"variance"``: :math:`\langle v^2\rangle(t) = T/m + (s_0 - T/m) e^{-2\gamma t/m}`;
    - ``"entropy_production"``: the total entropy produced over ``[0, t]``
      (``tt.entropy_production.of(t, {v: s0})``);
    - ``"entropy_production_total"``: its limit :math:`t \to \infty`, equal to
      :math:`\mathrm{KL}(N(0, s_0) \,\|\, N(0, T/m)) = \tfrac12 (r - 1 - \ln r)`, :math:`r = m s_0/T`;
    - ``"heat"``: the heat released over ``[0, t]`` in energy units,
      :math:`T Q = \tfrac{m}{2}(s_0 - \langle v^2 \rangle(t))`, the kinetic energy lost.

    Examples
    --------
    >>> out = relaxation(2 * T / m)  # twice the equilibrium spread
    >>> out["entropy_production_total"]
    1/2 - log(2)/2
    """
    s0 = sp.sympify(initial_variance)
    model = free_velocity()
    S0 = {v: s0}
    from .. import registry as R

    total = entropy_production(model, t, S0)
    return Derivation(model, [
        ("initial_variance", Definition("initial_variance", r"\langle v^2 \rangle(0)",
                                        "variance of the velocity at the start (the initial spread $s_0$)",
                                        units="squared length per squared time"), s0),
        ("variance", Definition("variance", r"\langle v^2 \rangle(t)", "variance of the velocity at $t$",
                                units="squared length per squared time"),
         covariance(model, t, S0)[0, 0]),
        ("entropy_production", R.entropy_production.of(t, S0), total),
        ("entropy_production_total", Definition("entropy_production_total", r"\Delta S_{\mathrm{tot}}(\infty)",
                                                "entropy produced over all time", units="nats"),
         sp.simplify(sp.limit(total, t, sp.oo))),
        ("heat", Definition("heat", r"T\, Q(t)", "heat released over $[0, t]$, in energy units",
                            check=None, units="energy"), sp.simplify(T * heat(model, t, S0))),
    ])


def trapped() -> LinearSDE:
    r"""Overdamped particle in a harmonic trap: :math:`\gamma\,dx = -k x\,dt + \sqrt{2\gamma T}\,dW`.

    Examples
    --------
    >>> from thermotheory import stationary_covariance
    >>> stationary_covariance(trapped())
    Matrix([[T/k]])
    """
    return LinearSDE({x: -k * x / gamma}, {x: T / gamma})


def dragged_trap() -> LinearSDE:
    r"""The trap dragged at constant speed ``u``: :math:`\gamma\,dx = -k (x - u t)\,dt + \sqrt{2\gamma T}\,dW`.

    A protocol ``b(t) = k u t / gamma`` (time :data:`t`). The particle lags behind the trap
    by :math:`\gamma u / k` and dissipates at the rate :math:`\gamma u^2 / T`
    (:func:`dragging_rate`).

    Examples
    --------
    >>> dragged_trap().time
    t
    """
    return LinearSDE({x: -k * (x - u * t) / gamma}, {x: T / gamma}, time=t)


def dragged_work() -> LinearSDE:
    r"""The dragged trap with the work done on the particle as a second (noiseless) variable.

    With :math:`U = \tfrac{k}{2}(x - ut)^2` the work rate is
    :math:`\dot W = \partial_t U = -k u (x - u t)`, linear in the state, so ``(x, W)`` is a
    linear SDE driven by a protocol and the work is Gaussian.

    Examples
    --------
    >>> dragged_work().variables
    (x, W)
    """
    return LinearSDE({x: -k * (x - u * t) / gamma, W: -k * u * (x - u * t)}, {x: T / gamma}, time=t)


def work_statistics() -> tuple[sp.Expr, sp.Expr]:
    r"""Mean and variance of the work done dragging the trap for a time ``t`` from equilibrium.

    Derived by the engine from :func:`dragged_work` (start: ``x`` in equilibrium, ``W = 0``):

    .. math:: \langle W \rangle = \gamma u^2 \left[t - \tau (1 - e^{-t/\tau})\right],
              \qquad \operatorname{var} W = 2 T \langle W \rangle, \qquad \tau = \gamma / k.

    Examples
    --------
    >>> mean_w, var_w = work_statistics()
    >>> sp.simplify(var_w - 2 * T * mean_w)
    0
    """
    model = dragged_work()
    S0 = sp.diag(T / k, 0)
    mw = sp.simplify(mean(model, t)[1])
    vw = sp.simplify(covariance(model, t, S0)[1, 1])
    return mw, vw


def jarzynski_average() -> sp.Expr:
    r""":math:`\langle e^{-W/T} \rangle` for the dragged trap, from the Gaussian work distribution.

    Jarzynski's equality gives :math:`e^{-\Delta F / T} = 1` (dragging leaves the free
    energy unchanged); the closed form simplifies to exactly that.

    Examples
    --------
    >>> jarzynski_average()
    1
    """
    mw, vw = work_statistics()
    return sp.simplify(sp.exp(-mw / T + vw / (2 * T**2)))


def dragging_rate() -> sp.Expr:
    r"""Long-time entropy production rate of the dragged trap, :math:`\gamma u^2 / T`.

    The limit of :math:`d/dt` of :func:`~thermotheory.entropy_production` from equilibrium.

    Examples
    --------
    >>> dragging_rate()
    gamma*u**2/T
    """
    total = entropy_production(dragged_trap(), t, {x: T / k})
    return sp.simplify(sp.limit(sp.diff(total, t), t, sp.oo))


def underdamped_trap() -> LinearSDE:
    r"""Inertial particle in a trap: :math:`dx = v\,dt`, :math:`m\,dv = (-k x - \gamma v)\,dt + \sqrt{2\gamma T}\,dW`.

    ``v`` is odd under time reversal; at one temperature the stationary state is
    Boltzmann's and no entropy is produced.

    Examples
    --------
    >>> from thermotheory import entropy_production_rate
    >>> entropy_production_rate(underdamped_trap())
    0
    """
    return LinearSDE({x: v, v: (-k * x - gamma * v) / m}, {v: gamma * T / m**2}, parity={v: -1})


def coupled_particles(coordinates: str = "particles") -> LinearSDE:
    r"""Two inertial particles in traps, coupled by a spring ``kappa``, in baths at ``T_1`` and ``T_2``.

    Heat flows from the hot bath to the cold one through the spring, so entropy is
    produced unless ``T_1 = T_2``:

    .. math:: \Pi = \frac{\gamma \kappa^2 (T_1 - T_2)^2}{2 T_1 T_2 \left[\gamma^2 (k + \kappa) + m \kappa^2\right]}.

    Parameters
    ----------
    coordinates : {"particles", "modes"}
        ``"particles"``: variables ``x_1, v_1, x_2, v_2`` (each with its own bath).
        ``"modes"``: centre of mass and half the separation, ``X = (x_1 + x_2)/2``,
        ``V``, ``Y = (x_1 - x_2)/2``, ``U``; their drifts decouple and only the noise
        couples them (when ``T_1 != T_2``), so symbolic closed forms come about 40 times
        faster. Entropy production does not depend on the coordinates.

    Examples
    --------
    >>> coupled_particles().variables
    (x_1, v_1, x_2, v_2)
    >>> coupled_particles("modes").variables
    (X, V, Y, U)
    """
    if coordinates == "modes":
        X, V, Y, U = sp.symbols("X V Y U", real=True)
        d = gamma / (4 * m**2)
        noise = sp.Matrix([[0, 0, 0, 0], [0, d * (T1 + T2), 0, d * (T1 - T2)],
                           [0, 0, 0, 0], [0, d * (T1 - T2), 0, d * (T1 + T2)]])
        return LinearSDE({X: V, V: (-k * X - gamma * V) / m, Y: U, U: (-(k + 2 * kappa) * Y - gamma * U) / m},
                         noise, parity={V: -1, U: -1})
    if coordinates != "particles":
        raise ModelError(f"coordinates: expected 'particles' or 'modes' but found {coordinates!r}")
    x1, v1, x2, v2 = sp.symbols("x_1 v_1 x_2 v_2", real=True)
    return LinearSDE(
        {
            x1: v1,
            v1: (-k * x1 - kappa * (x1 - x2) - gamma * v1) / m,
            x2: v2,
            v2: (-k * x2 - kappa * (x2 - x1) - gamma * v2) / m,
        },
        {v1: gamma * T1 / m**2, v2: gamma * T2 / m**2},
        parity={v1: -1, v2: -1},
    )
