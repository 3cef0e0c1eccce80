r"""Plastic synapses that learn and store (models C1 and C2 of the seed models).

- **Tracking (C1)**: a synapse ``w`` driven by a neuron ``x`` that decodes a velocity
  ``v`` (the chain ``v -> x -> w``); :func:`tracking` and :func:`tracking_quantities`.

  .. math:: \tau_w\, dw = (-w + \kappa x)\, dt + \sigma_w \sqrt{2 \tau_w}\, dW_w

- **Learning a static quantity (C2)**: the weight is driven towards ``lambda mu`` by a
  protocol ``h(t)`` (a step, or a ramp of duration ``tau_r``), ``mu ~ N(0, s_mu^2)``:

  .. math:: \tau_w\, dw = (-w + \lambda \mu\, h(t))\, dt + \sigma_w \sqrt{2 \tau_w}\, dW_w .

  ``mu`` never changes, so given ``mu`` the weight is a linear SDE with a protocol
  ``b(t) = lambda mu h(t) / tau_w``: :func:`learning` builds it (``mu`` a parameter) and
  :func:`learning_quantities` derives the transient closed forms with the engine, phase by
  phase of the protocol, then averages over ``mu`` (the heat is quadratic in ``mu``; the
  joint state of ``(mu, w)`` is Gaussian with ``E[w | mu] = c(t) mu``). The weight starts
  in its equilibrium before learning, ``N(0, sigma_w^2)``.
  :func:`ramp_efficiency` is the learning efficiency ``I / (Delta S_w + Q)`` after a ramp
  of duration ``tau_r`` (a step stays below 1/2; slow ramps approach 1).
- **Storing**: :func:`storage_quantities`: after a step drive of duration ``t_w`` stops,
  the information left, the memory lifetime to a threshold, the heat released while
  forgetting, and the cost of holding (drive kept on) against the cost of writing.
- **A nonlinear rule**: :func:`bcm_synapse` (a BCM-type rule ``kappa x (x - theta)`` with
  a neuron of baseline rate ``r_0``) as a :class:`~thermotheory.SDE`, and
  :func:`bcm_linear_noise`, its linear-noise approximation derived by the engine.

Symbols (all positive): those of :mod:`~thermotheory.models.decoder` (``tau_v``,
``sigma_v``, ``tau_n``, ``sigma_n``, ``g``) and ``tau_w``, ``sigma_w``, ``kappa``,
``lambda``, ``s_mu``, ``tau_r``, ``t_w`` (writing time), ``I_th`` (a threshold), ``r_0``,
``theta``; time :data:`t`; state ``v``, ``x``, ``w`` and the learned quantity ``mu``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..core import gaussian, thermo
from ..core.moments import covariance, mean
from ..core.lna import linear_noise_approximation
from ..core.model import LinearSDE
from ..core.presentation import Units
from ..core.sde import SDE
from ..errors import ModelError
from ..derivation import Definition, Derivation
from .decoder import UNITS as _DECODER_UNITS
from .decoder import g, sigma_n, sigma_v, tau_n, tau_v, v, x

__all__ = [
    "tau_w", "sigma_w", "kappa", "lam", "s_mu", "tau_r", "t_w", "I_th", "r_0", "theta", "t", "w", "mu",
    "tracking", "tracking_quantities", "protocol", "learning", "learning_quantities", "ramp_efficiency",
    "storage_quantities", "learning_sde", "c", "LEARNING_START", "bcm_synapse", "bcm_linear_noise", "UNITS", "LEARNING_SCALES",
    "learning_joint", "learning_forms", "storing_start", "storing_forms", "GLOSSARY",
]

tau_w, sigma_w, kappa, s_mu, tau_r, t_w, r_0, theta = sp.symbols(
    "tau_w sigma_w kappa s_mu tau_r t_w r_0 theta", positive=True)
#: Learning gain (the weight is driven towards ``lambda mu``).
lam = sp.Symbol("lambda", positive=True)
#: Information threshold (nats) that defines the memory lifetime.
I_th = sp.Symbol("I_th", positive=True)
#: Time.
t = sp.Symbol("t", positive=True)
w = sp.Symbol("w", real=True)
#: The static quantity the synapse learns (a parameter of :func:`learning`).
mu = sp.Symbol("mu", real=True)

#: A clock (``dc = dt``): the state variable that carries time in :func:`learning_sde`.
c = sp.Symbol("c", real=True)

_s = sp.Symbol("s", positive=True)  # local time inside one phase of a protocol

#: Dimensions of the parameters (the decoder's, with the amplitudes of ``w`` and ``mu``),
#: scales ``tau_v, sigma_v, sigma_n, sigma_w, s_mu`` and the decoder's groups; the others
#: (``kappa sigma_n / sigma_w``, ``tau_w / tau_v``, ...) get their own :math:`\hat{p}` group.
UNITS = Units(
    {**_DECODER_UNITS.dimensions, kappa: {"w": 1, "x": -1}, tau_w: {"time": 1}, tau_r: {"time": 1},
     t_w: {"time": 1}, t: {"time": 1}, sigma_w: {"w": 1}, lam: {"w": 1, "mu": -1}, s_mu: {"mu": 1}, mu: {"mu": 1},
     I_th: {}, r_0: {"x": 1}, theta: {"x": 1}},
    [tau_v, sigma_v, sigma_n, sigma_w, s_mu],
    _DECODER_UNITS.groups,
    _DECODER_UNITS.names,
)
#: The scales of a learning synapse on its own: its time constant and the two amplitudes.
LEARNING_SCALES = (tau_w, sigma_w, s_mu)
#: What each of the synapse's symbols means, and its units, for the glossaries of the pages and reports that print
#: them (with :data:`~thermotheory.models.decoder.GLOSSARY` for the neuron it follows).
GLOSSARY = {r"h(t)": ("the drive, rising from 0 to 1: a step, or a ramp over the time $\\tau_r$", "--"),
            w: ("synaptic weight", "arbitrary units"), tau_w: ("time constant of the synapse", "time"),
            sigma_w: ("spread of the weight at equilibrium", "units of $w$"),
            kappa: ("coupling of the synapse to the neuron",
                    "units of $w$ per unit of $x$ (per squared unit of $x$ in the BCM rule)"),
            lam: ("learning gain", "units of $w$ per unit of $\\mu$"),
            mu: ("the static quantity learned", "arbitrary units"),
            s_mu: ("spread of the static quantity", "units of $\\mu$"), tau_r: ("rise time of the ramp", "time"),
            t_w: ("duration of the step drive", "time"), t: ("time since the drive started", "time"),
            r_0: ("rate around which the neuron fires", "units of $x$"),
            theta: ("threshold of the BCM rule", "units of $x$"), I_th: ("information threshold of the memory", "nats")}


def tracking() -> LinearSDE:
    r"""The chain ``v -> x -> w``: a velocity, a neuron decoding it, a synapse following the neuron.

    Examples
    --------
    >>> tracking().variables
    (v, x, w)
    """
    return LinearSDE(
        {v: -v / tau_v, x: (g * v - x) / tau_n, w: (kappa * x - w) / tau_w},
        {v: sigma_v**2 / tau_v, x: sigma_n**2 / tau_n, w: sigma_w**2 / tau_w},
    )


def tracking_quantities(model: LinearSDE | None = None) -> Derivation:
    r"""Stationary closed forms of the tracking synapse (a :class:`~thermotheory.derivation.Derivation`).

    Returns, each entry bound to its registered quantity (the last a definition), ``"information_vw"`` :math:`I(v; w)`, ``"information_vx"``
    :math:`I(v; x)` (data processing: :math:`I(v;w) \le I(v;x)`), ``"heat_rate"``
    :math:`\Phi_w`, ``"information_flow"`` :math:`l_w` (into ``w`` from ``(v, x)``),
    ``"efficiency"`` :math:`l_w / \Phi_w` and ``"heat_rate_no_signal"`` (:math:`\Phi_w`
    at ``g = 0``: the synapse dissipates even when the neuron carries no signal).

    Parameters
    ----------
    model : LinearSDE, optional
        :func:`tracking` (default) or a numeric version of it (``tracking().subs(...)``).

    Examples
    --------
    >>> q = tracking_quantities()
    >>> q["heat_rate_no_signal"]
    kappa**2*sigma_n**2/(sigma_w**2*(tau_n + tau_w))
    """
    from .. import registry as R

    model = tracking() if model is None else model
    heat = thermo.heat_rate(model, w)
    flow = thermo.information_flow(model, subsystem=w)
    if model.is_numeric:
        silent = LinearSDE.from_matrices(*_silenced(model), variables=model.variables)
        no_signal = thermo.heat_rate(silent, w)
    else:
        no_signal = sp.factor(heat.subs(g, 0))
    return Derivation(model, [
        ("information_vw", R.mutual_information.of(v, w), gaussian.mutual_information(model, v, w)),
        ("information_vx", R.mutual_information.of(v, x), gaussian.mutual_information(model, v, x)),
        ("heat_rate", R.heat_rate.of(w), heat),
        ("information_flow", R.information_flow.of(w), flow),
        ("efficiency", R.efficiency.of(w), flow / heat),
        ("heat_rate_no_signal", Definition("heat_rate_no_signal", r"\Phi_{w} \big|_{g = 0}",
                                           "heat rate of the synapse when the neuron carries no signal",
                                           units="nats per unit time"), no_signal),
    ])


def _silenced(model: LinearSDE):
    A, b, D = model.arrays()
    A = A.copy()
    A[model.index(x), model.index(v)] = 0.0
    return A, D, b


def protocol(kind: str = "step", time: sp.Symbol = t) -> sp.Expr:
    r"""The learning protocol ``h(t)``: ``"step"`` (1 from time 0), ``"ramp"`` (``t / tau_r`` up to ``tau_r``, then 1) or ``"pulse"`` (1 up to ``t_w``, then 0).

    Examples
    --------
    >>> protocol("ramp")
    Piecewise((t/tau_r, t < tau_r), (1, True))
    """
    branches, start = [], sp.Integer(0)
    for h, duration in _phases(kind):
        local = h.xreplace({_s: time - start})
        if duration is None:
            branches.append((local, True))
        else:
            start = start + duration
            branches.append((local, time < start))
    return branches[0][0] if len(branches) == 1 else sp.Piecewise(*branches)


def learning(kind: str = "step") -> LinearSDE:
    r"""The weight learning ``mu`` under a protocol, given ``mu`` (a parameter): ``b(t) = lambda mu h(t) / tau_w``.

    Simulate it for one value of ``mu``, or use :func:`learning_quantities` for the
    closed forms averaged over ``mu ~ N(0, s_mu^2)``.

    Examples
    --------
    >>> learning("ramp").time
    t
    """
    return LinearSDE({w: (-w + lam * mu * protocol(kind)) / tau_w}, {w: sigma_w**2 / tau_w}, time=t)


def _phase(h: sp.Expr, m0: sp.Expr, V0: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Conditional mean, variance and heat over a phase with protocol ``h(s)`` in local time ``s``."""
    model = LinearSDE({w: (-w + lam * mu * h) / tau_w}, {w: sigma_w**2 / tau_w}, time=_s)
    m = sp.simplify(mean(model, _s, [m0])[0])
    V = sp.simplify(covariance(model, _s, [[V0]])[0, 0])
    Q = sp.simplify(thermo.heat(model, _s, [[V0]], [m0]))
    return m, V, Q


def _average_over_mu(expr: sp.Expr) -> sp.Expr:
    """``E[expr]`` for ``mu ~ N(0, s_mu^2)`` of an expression at most quadratic in ``mu``."""
    expr = sp.expand(expr)
    if sp.degree(expr, mu) > 2:
        raise ModelError("expected an expression at most quadratic in mu")
    return sp.simplify(expr.coeff(mu, 0) + expr.coeff(mu, 2) * s_mu**2)


def _phases(kind: str) -> list[tuple[sp.Expr, sp.Expr | None]]:
    """The protocol as (h in local time ``_s``, duration) pieces; the last lasts for ever."""
    if kind == "step":
        return [(sp.Integer(1), None)]
    if kind == "ramp":
        return [(_s / tau_r, tau_r), (sp.Integer(1), None)]
    if kind == "pulse":
        return [(sp.Integer(1), t_w), (sp.Integer(0), None)]
    raise ModelError(f"protocol: expected 'step', 'ramp' or 'pulse' but found {kind!r}")


def _conditional(kind: str) -> list[tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]]:
    """Per phase: (start, gain c, variance V, heat Q) as functions of the global time t."""
    m0, V0, Q0, start = sp.Integer(0), sigma_w**2, sp.Integer(0), sp.Integer(0)
    pieces = []
    for h, duration in _phases(kind):
        m, V, Q = _phase(h, m0, V0)
        local = {_s: t - start}
        pieces.append((start, (m / mu).simplify().xreplace(local), V.xreplace(local), (Q0 + Q).xreplace(local)))
        if duration is not None:
            m0, V0, Q0 = m.xreplace({_s: duration}), V.xreplace({_s: duration}), Q0 + Q.xreplace({_s: duration})
            start = start + duration
    return pieces


def learning_quantities(kind: str = "step") -> Derivation:
    r"""Transient closed forms of learning ``mu`` under a step or a ramp, for any time ``t``.

    Returns a :class:`~thermotheory.derivation.Derivation` of :func:`learning_sde` (``Piecewise``
    in ``t`` for the ramp) with

    - ``"gain"`` :math:`c(t)`, with :math:`E[w \mid \mu] = c(t)\,\mu`, and ``"variance"``
      :math:`\operatorname{var}(w \mid \mu)` (it stays :math:`\sigma_w^2`);
    - ``"information"`` :math:`I(w; \mu)(t) = \tfrac12 \ln(1 + c^2 s_\mu^2 / \sigma_w^2)`;
    - ``"entropy_change"`` :math:`\Delta S_w = H(w_t) - H(w_0)`;
    - ``"heat"`` :math:`Q(t)`, the heat (as entropy) released over ``[0, t]``, averaged
      over ``mu``;
    - ``"efficiency"`` :math:`I / (\Delta S_w + Q) \le 1`;
    - their ``t -> infinity`` limits ``"gain_final"``, ``"information_final"``,
      ``"heat_final"``, ``"efficiency_final"``.

    The information, the heat and the weight's entropy are definitions that name the
    registered quantity they equal on :func:`learning_sde` started from
    :data:`LEARNING_START` (``check=``: the information :math:`I(w_t; \mu)`, the heat
    :math:`Q_w(t)` and the entropy :math:`H(w_t) = H(w_0) + \Delta S_w`), so that
    ``learning_quantities(kind).verify(values={..., t: 3.0})`` checks them by Monte Carlo.

    Examples
    --------
    >>> q = learning_quantities("step")
    >>> q["heat_final"]
    lambda**2*s_mu**2/(2*sigma_w**2)
    """
    pieces = _conditional(kind)
    out: dict[str, list] = {key: [] for key in ("gain", "variance", "information", "entropy_change", "heat", "efficiency")}
    for start, c, V, Q in pieces:
        info = sp.log(1 + c**2 * s_mu**2 / V) / 2
        dS = sp.log((c**2 * s_mu**2 + V) / sigma_w**2) / 2
        heat = _average_over_mu(Q)
        for key, val in zip(out, (c, V, info, dS, heat, info / (dS + heat))):
            out[key].append(val)
    result: dict[str, Any] = {}
    starts = [p[0] for p in pieces]
    for key, vals in out.items():
        if len(vals) == 1:
            result[key] = vals[0]
        else:
            branches = [(val, t < nxt) for val, nxt in zip(vals[:-1], starts[1:])] + [(vals[-1], True)]
            result[key] = sp.Piecewise(*branches)
    last = {key: vals[-1] for key, vals in out.items()}
    c_inf = sp.limit(last["gain"], t, sp.oo)
    q_inf = sp.simplify(sp.limit(last["heat"], t, sp.oo))
    i_inf = sp.log(1 + c_inf**2 * s_mu**2 / sigma_w**2) / 2
    result["gain_final"] = c_inf
    result["information_final"] = i_inf
    result["heat_final"] = q_inf
    result["efficiency_final"] = i_inf / (i_inf + q_inf)
    return _learning_derivation(kind, result)


#: The state :func:`learning_sde` starts from: ``mu ~ N(0, s_mu^2)``, the weight in equilibrium, the clock at 0.
LEARNING_START = {mu: s_mu**2, w: sigma_w**2, c: sp.Integer(0)}


def _learning_derivation(kind: str, forms: dict[str, Any]) -> Derivation:
    from .. import registry as R

    information = R.mutual_information.of(w, mu, t=t, initial=LEARNING_START)
    heat = R.heat.of(t, LEARNING_START, subsystem=w)
    entropy = R.entropy.of(w, t=t, initial=LEARNING_START)
    h0 = sp.log(2 * sp.pi * sp.E * sigma_w**2) / 2
    notation = {
        "gain": Definition("gain", "c(t)", r"gain of the conditional mean, $E[w \mid \mu] = c(t)\,\mu$",
                           units=r"units of $w$ per unit of $\mu$"),
        "variance": Definition("variance", r"\operatorname{var}(w_{t} \mid \mu)", r"variance of $w$ given $\mu$",
                               units="squared units of $w$"),
        "information": Definition("information", information.latex(), r"information the weight holds about $\mu$",
                                  check=information),
        "entropy_change": Definition("entropy_change", r"\Delta S_{w}(t)", "change of the weight's entropy, "
                                     "$H(w_t) - H(w_0)$", units="nats"),
        "heat": Definition("heat", heat.latex(), r"heat released over $[0, t]$ (as entropy), averaged over $\mu$",
                           check=heat),
        "efficiency": Definition("efficiency", r"\eta(t)", r"learning efficiency $I / (\Delta S_w + Q_w)$"),
        "gain_final": Definition("gain_final", r"c(\infty)", "gain after learning",
                                 units=r"units of $w$ per unit of $\mu$"),
        "information_final": Definition("information_final", r"I(w_{\infty}; \mu)", "information after learning",
                                        units="nats"),
        "heat_final": Definition("heat_final", r"Q_{w}(\infty)", "heat of learning", units="nats"),
        "efficiency_final": Definition("efficiency_final", r"\eta(\infty)", "efficiency of learning"),
    }
    entries = [(key, notation[key], forms[key]) for key in notation]
    entries.insert(4, ("entropy", Definition("entropy", entropy.latex(), "entropy of the weight at $t$", check=entropy),
                       h0 + forms["entropy_change"]))
    return Derivation(learning_sde(kind), entries)


def ramp_efficiency() -> Derivation:
    r"""Learning efficiency after a ramp of duration ``tau_r`` (``t -> infinity``), and its limits.

    Returns a :class:`~thermotheory.derivation.Derivation` of definitions: ``"efficiency"`` (a
    function of ``tau_r``), ``"heat"`` (the heat of learning), ``"step_limit"``
    (``tau_r -> 0``: the step's efficiency, below 1/2) and ``"slow_limit"``
    (``tau_r -> infinity``: 1).

    Examples
    --------
    >>> ramp_efficiency()["slow_limit"]
    1
    """
    q = learning_quantities("ramp")
    eff, heat = q["efficiency_final"], q["heat_final"]
    final = r"\eta_{\mathrm{ramp}}(\infty)"
    return Derivation(q.model, [
        ("efficiency", Definition("efficiency", final, r"efficiency of learning by a ramp of duration $\tau_r$"), eff),
        ("heat", Definition("heat", r"Q_{w, \mathrm{ramp}}(\infty)", "heat of learning by a ramp", units="nats"),
         heat),
        ("step_limit", Definition("step_limit", r"\lim_{\tau_r \to 0} " + final, "the step's efficiency"),
         sp.simplify(sp.limit(eff, tau_r, 0))),
        ("slow_limit", Definition("slow_limit", r"\lim_{\tau_r \to \infty} " + final, "slow learning"),
         sp.simplify(sp.limit(eff, tau_r, sp.oo))),
    ])


def storage_quantities() -> Derivation:
    r"""Writing with a step for a time ``t_w``, then storing: forgetting (drive off) or holding (drive on).

    With :math:`c_w = 1 - e^{-t_w/\tau_w}` the gain written and ``t`` the time since the
    drive stopped, returns a :class:`~thermotheory.derivation.Derivation` of
    :func:`learning_sde` ``("pulse")`` with

    - ``"information"`` :math:`I(t)` left after the drive stops, ``"lifetime"`` the time
      at which it falls to ``I_th`` (for ``I_th`` below the information written);
    - ``"heat_forgetting"`` the heat released over ``[0, t]`` after the stop, and
      ``"heat_forgetting_total"`` its limit;
    - ``"write_cost"`` the heat of writing, :math:`Q(t_w)`;
    - ``"hold_cost"`` the heat over a time ``t`` of holding with the drive kept on, and
      ``"hold_to_write"`` the limit ``t -> infinity`` of its ratio to the cost of writing:
      holding the information costs far less than writing it, and nothing once the weight
      has settled (given ``mu`` it is then in equilibrium around ``lambda mu``).

    The information is a definition checked by the mutual information
    :math:`I(w; \mu)` at ``t_w + t`` from :data:`LEARNING_START` (``check=``).

    Examples
    --------
    >>> storage_quantities()["hold_to_write"]
    1/(exp(2*t_w/tau_w) - 1)
    """
    (_, _, _, Q_step), = _conditional("step")
    _, (_, gain, V, Q_pulse) = _conditional("pulse")  # the phase after the stop, in global time
    after = {t: t_w + t}  # t: the time since the stop
    info = sp.simplify(sp.log(1 + gain.xreplace(after) ** 2 * s_mu**2 / V.xreplace(after)) / 2)
    life = sp.solve(sp.Eq(info, I_th), t)
    write = _average_over_mu(Q_step.xreplace({t: t_w}))
    heat_forget = sp.simplify(_average_over_mu(Q_pulse.xreplace(after)) - write)
    hold = sp.simplify(_average_over_mu(Q_step.xreplace(after)) - write)
    from .. import registry as R

    stored = R.mutual_information.of(w, mu, t=t_w + t, initial=LEARNING_START)
    return Derivation(learning_sde("pulse"), [
        ("information", Definition("information", r"I_{\mathrm{store}}(t)",
                                   "information left a time $t$ after the drive stopped", check=stored), info),
        ("lifetime", Definition("lifetime", r"t_{\mathrm{mem}}(I_{\mathrm{th}})",
                                r"time at which the information falls to $I_{\mathrm{th}}$", units="time"),
         sp.simplify(life[0]) if len(life) == 1 else life),
        ("heat_forgetting", Definition("heat_forgetting", r"Q_{\mathrm{forget}}(t)",
                                       "heat released over the time $t$ after the stop", units="nats"), heat_forget),
        ("heat_forgetting_total", Definition("heat_forgetting_total", r"Q_{\mathrm{forget}}(\infty)",
                                             "heat released while forgetting, in all", units="nats"),
         sp.simplify(sp.limit(heat_forget, t, sp.oo))),
        ("write_cost", Definition("write_cost", r"Q_{\mathrm{write}}", "heat of writing, $Q(t_w)$", units="nats"),
         sp.simplify(write)),
        ("hold_cost", Definition("hold_cost", r"Q_{\mathrm{hold}}(t)", "heat over a time $t$ of holding",
                                 units="nats"), hold),
        ("hold_to_write", Definition("hold_to_write", r"Q_{\mathrm{hold}}(\infty) / Q_{\mathrm{write}}",
                                     "cost of holding for ever over the cost of writing"),
         sp.simplify(sp.limit(hold, t, sp.oo) / write)),
    ])


def learning_sde(kind: str = "step") -> SDE:
    r"""The learning synapse with ``mu`` and time as state variables, for Monte Carlo.

    Variables ``(mu, w, c)``: ``mu`` is constant (no drift, no noise), the clock ``c``
    advances at unit rate, and ``tau_w dw = (-w + lambda mu h(c)) dt + ...``. The drift is
    nonlinear (``mu h(c)``), so it is a :class:`~thermotheory.SDE`; start it from
    ``mu ~ N(0, s_mu^2)``, ``w ~ N(0, sigma_w^2)``, ``c = 0``. ``kind="pulse"`` drives
    for a time ``t_w`` and then stops (the protocol of :func:`storage_quantities`).

    Examples
    --------
    >>> learning_sde("ramp").variables
    (mu, w, c)
    """
    h = protocol(kind, c)
    return SDE({mu: sp.Integer(0), w: (-w + lam * mu * h) / tau_w, c: sp.Integer(1)}, {w: sigma_w**2 / tau_w})


def bcm_synapse() -> SDE:
    r"""A BCM-type plastic synapse: the chain ``v -> x -> w`` with ``kappa x (x - theta)`` driving ``w``.

    .. math:: \tau_n\, dx = (-x + r_0 + g v)\, dt + \dots, \qquad
              \tau_w\, dw = (-w + \kappa x (x - \theta))\, dt + \sigma_w \sqrt{2 \tau_w}\, dW_w

    The neuron fires at a baseline rate ``r_0`` around which the rule potentiates (above
    the threshold ``theta``) or depresses. Its linear-noise approximation is
    :func:`bcm_linear_noise`.

    Examples
    --------
    >>> bcm_synapse().variables
    (v, x, w)
    """
    return SDE(
        {v: -v / tau_v, x: (r_0 + g * v - x) / tau_n, w: (kappa * x * (x - theta) - w) / tau_w},
        {v: sigma_v**2 / tau_v, x: sigma_n**2 / tau_n, w: sigma_w**2 / tau_w},
    )


def bcm_linear_noise(model: SDE | None = None) -> LinearSDE:
    r"""Linear-noise approximation of :func:`bcm_synapse` around its fixed point.

    The fixed point is ``v = 0``, ``x = r_0``, ``w = kappa r_0 (r_0 - theta)``; the synapse
    then follows the neuron with the effective gain ``kappa (2 r_0 - theta)``.

    Examples
    --------
    >>> lna = bcm_linear_noise()
    >>> sp.factor(lna.A[2, 1])
    kappa*(2*r_0 - theta)/tau_w
    """
    model = bcm_synapse() if model is None else model
    return linear_noise_approximation(model)


def learning_joint(gain: Any) -> LinearSDE:
    """``(mu, w)``, ``mu`` constant and ``tau_w dw = (-w + gain mu) dt + ...``: the synapse under a constant drive.

    Examples
    --------
    >>> learning_joint(0).variables
    (mu, w)
    """
    return LinearSDE({mu: sp.Integer(0), w: (-w + gain * mu) / tau_w}, {w: sigma_w**2 / tau_w})


def learning_forms(kind: str) -> dict[str, Any]:
    """The closed forms of a learning synapse averaged over ``mu``, as functions of no arguments (computed when asked).

    ``"mutual_information"`` (``I(w_t; mu)``), ``"entropy"`` (``H(w_t) = H(w_0) + Delta S_w``, the
    weight starting in equilibrium) and ``"heat"``, from :func:`learning_quantities`.

    Examples
    --------
    >>> sorted(learning_forms("step"))
    ['entropy', 'heat', 'mutual_information']
    """
    return {"mutual_information": lambda: learning_quantities(kind)["information"],
            "entropy": lambda: sp.log(2 * sp.pi * sp.E * sigma_w**2) / 2 + learning_quantities(kind)["entropy_change"],
            "heat": lambda: learning_quantities(kind)["heat"]}


def storing_start() -> sp.Matrix:
    """The covariance of ``(mu, w)`` at the end of a step drive of duration ``t_w`` (``w`` from equilibrium).

    Examples
    --------
    >>> storing_start()[0, 1]
    lambda*s_mu**2*(1 - exp(-t_w/tau_w))
    """
    written = 1 - sp.exp(-t_w / tau_w)  # the gain c(t_w) written by a step of duration t_w
    cov = lam * written * s_mu**2
    return sp.Matrix([[s_mu**2, cov], [cov, sigma_w**2 + (lam * written * s_mu) ** 2]])


def storing_forms() -> dict[str, Any]:
    """The stored synapse's own closed form: the heat of forgetting (:func:`storage_quantities`), computed when asked.

    Examples
    --------
    >>> list(storing_forms())
    ['heat']
    """
    return {"heat": lambda: storage_quantities()["heat_forgetting"]}
