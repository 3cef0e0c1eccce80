r"""The thermodynamic efficiency of learning in a perceptron (model D; Goldt & Seifert 2017).

``N`` weights learn ``P = alpha N`` random labels :math:`\sigma_T^\mu = \pm 1` of inputs
:math:`\xi^\mu \in \{\pm 1\}^N` under Langevin dynamics with a Hebbian force
(:math:`k_B = T = 1`, time in units of the weights' relaxation time):

.. math:: d\omega_n = \left(-\omega_n + h(t)\, f_n\right) dt + \sqrt{2}\, dW_n, \qquad
          f_n = \frac{\nu}{\sqrt N} \sum_\mu \xi_n^\mu \sigma_T^\mu ,

with the protocol ``h`` a step or a ramp of duration ``tau``. The predicted label
:math:`\sigma^\mu` follows a fast two-state process whose odds are
:math:`p(\sigma^\mu = +1)/p(\sigma^\mu = -1) = e^{A^\mu}`, :math:`A^\mu = \omega \cdot \xi^\mu / \sqrt N`.
The second law bounds the information learned by the thermodynamic cost,

.. math:: \sum_\mu I(\sigma_T^\mu; \sigma^\mu) \le \sum_n \left[\Delta S(\omega_n) + Q_n\right],
          \qquad \eta = \text{left} / \text{right} \le 1 .

Given the labels each weight is an OU process driven by a protocol, so its mean
:math:`E[\omega_n \mid f_n] = c(t) f_n` and its heat :math:`q(t) f_n^2` come from the linear
engine (:func:`drive_response`, the synapse of :mod:`~thermotheory.models.synapse` with unit
time constant and noise); its conditional variance stays 1 (it starts in equilibrium).
What remains are one-dimensional Gaussian integrals, done by ``mpmath.quad``:

- :func:`one_weight_quantities`: one weight, one input (``N = P = 1``): information,
  entropy change, heat and efficiency, which tends to 1 for slow ramps and large ``nu``.
- :func:`many_weights_quantities`: ``N -> infinity`` at fixed ``alpha``, per weight. The
  activation is then Gaussian, :math:`\sigma_T^\mu A^\mu \sim N(c\nu, 1 + \alpha c^2 \nu^2)`
  (signal, cross-talk of the other patterns, thermal noise), and
  :math:`\omega_n \sim N(0, 1 + \alpha c^2 \nu^2)`.
- :func:`hebbian_limit` and :func:`hebbian_supremum`: the largest efficiency of Hebbian
  learning over ``alpha`` and ``nu`` (below 1; approached with many weakly driven patterns).
- :func:`simulate_learning`: a Monte Carlo simulation of ``N`` weights (for example
  ``N = 1000``) that uses none of the closed forms.

Symbols: ``nu`` (drive strength), ``tau`` (ramp duration), ``alpha`` (patterns per weight),
time :data:`t`; the state ``omega`` and the label ``sigma_T`` (a parameter of
:func:`one_weight`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import mpmath as mp
import numpy as np
import scipy.optimize as so
import sympy as sp

from ..core.model import LinearSDE
from ..errors import ModelError
from ..montecarlo.estimators import Estimate
from ..derivation import Definition, Derivation
from . import synapse

__all__ = [
    "nu", "tau", "alpha", "t", "omega", "sigma_T",
    "one_weight", "drive_response", "one_weight_quantities", "many_weights_quantities",
    "hebbian_limit", "hebbian_supremum", "simulate_learning",
    "hebbian_force", "many_weights", "many_weights_start", "many_weights_forms", "one_weight_forms", "GLOSSARY",
]

nu, tau, alpha = sp.symbols("nu tau alpha", positive=True)
#: Time, in units of the weights' relaxation time.
t = synapse.t
omega = sp.Symbol("omega", real=True)
#: The true label (``+1`` or ``-1``), a parameter of :func:`one_weight`.
sigma_T = sp.Symbol("sigma_T", real=True)
#: What each of the perceptron's symbols means, and its units, for the glossaries of the pages and reports that print
#: them.
GLOSSARY = {omega: ("the weight", "--"), nu: ("strength of the drive: the learning rate", "--"),
            sigma_T: ("the true label, $\\pm 1$", "--"), t: ("time, in units of the weights' relaxation time", "--"),
            tau: ("duration of the ramp", "units of $t$"), r"h(t)": ("the drive: a step, or a ramp over $\\tau$", "--"),
            alpha: ("labels per weight, $P / N$", "--"),
            "f": (r"Hebbian force on one of many weights: the drive of the $\alpha N$ labels, held fixed", "--")}


def _protocol(kind: str) -> sp.Expr:
    return synapse.protocol(kind).xreplace({synapse.tau_r: tau})


def one_weight(kind: str = "ramp") -> LinearSDE:
    r"""One weight driven by one input with label ``sigma_T``: :math:`d\omega = (-\omega + \nu \sigma_T h(t))\,dt + \sqrt2\,dW`.

    Examples
    --------
    >>> one_weight("step").drift
    {omega: nu*sigma_T - omega}
    """
    return LinearSDE({omega: -omega + nu * sigma_T * _protocol(kind)}, {omega: 1}, time=t)


_UNIT = {synapse.tau_w: 1, synapse.sigma_w: 1, synapse.lam: 1, synapse.s_mu: 1, synapse.tau_r: tau}


@lru_cache(maxsize=None)
def _unit_learning(kind: str) -> dict[str, sp.Expr]:
    """The synapse's learning closed forms with unit time constant, noise, gain and spread."""
    return {key: sp.simplify(expr.xreplace(_UNIT)) for key, expr in synapse.learning_quantities(kind).items()
            if key in ("gain", "heat", "gain_final", "heat_final")}


def drive_response(kind: str = "ramp") -> tuple[sp.Expr, sp.Expr]:
    r"""Gain ``c(t)`` and unit heat ``q(t)`` of a weight under a drive ``h(t) f``: mean ``c f``, heat ``q f^2``.

    Derived by the linear engine (as :func:`~thermotheory.models.synapse.learning_quantities`
    with ``tau_w = sigma_w = lambda = 1``); ``Piecewise`` in ``t`` for the ramp.

    Examples
    --------
    >>> c, q = drive_response("step")
    >>> c
    1 - exp(-t)
    >>> sp.simplify(q - (1 - sp.exp(-2 * t)) / 2)
    0
    """
    q = _unit_learning(kind)
    return q["gain"], q["heat"]


def _response_at(kind: str, tau_value: Any, time: Any) -> tuple[mp.mpf, mp.mpf]:
    """``c`` and ``q`` at one time (``inf`` for the end) as mpmath numbers."""
    if time in (mp.inf, float("inf"), sp.oo):
        q = _unit_learning(kind)
        exprs, rep = (q["gain_final"], q["heat_final"]), {}
    else:
        if float(time) < 0:
            raise ModelError(f"time: expected a time >= 0 but found {time}")
        exprs, rep = drive_response(kind), {t: time}
    if kind == "ramp":
        rep[tau] = tau_value
    return tuple(mp.mpf(str(sp.N(e.subs(rep), mp.mp.dps + 5))) for e in exprs)


def _kind_and_tau(tau_value: Any) -> str:
    if tau_value is None or tau_value == 0:
        return "step"
    if float(tau_value) < 0:
        raise ModelError(f"tau: expected a ramp duration >= 0 but found {tau_value}")
    return "ramp"


def _check(value: Any, name: str) -> mp.mpf:
    val = mp.mpf(value)
    if not mp.isfinite(val) or val <= 0:
        raise ModelError(f"{name}: expected a positive number but found {value}")
    return val


def _binary_entropy(p: mp.mpf) -> mp.mpf:
    if p <= 0 or p >= 1:
        return mp.mpf(0)
    return -p * mp.log(p) - (1 - p) * mp.log(1 - p)


def _correct_probability(mean: mp.mpf, var: mp.mpf) -> mp.mpf:
    """``E[1 / (1 + exp(-z))]`` for ``z ~ N(mean, var)`` (the probability that the prediction is right)."""
    sd = mp.sqrt(var)
    f = lambda y: mp.npdf(y) / (1 + mp.exp(-(mean + sd * y)))  # noqa: E731
    return mp.quad(f, [-mp.inf, -10, 0, 10, mp.inf])


def _label_information(mean: mp.mpf, var: mp.mpf) -> mp.mpf:
    return mp.log(2) - _binary_entropy(_correct_probability(mean, var))


def _mixture_information(a: mp.mpf) -> mp.mpf:
    r""":math:`I(\sigma_T; \omega)` for :math:`\omega \sim \tfrac12 [N(a, 1) + N(-a, 1)]`: :math:`a^2 - E\ln\cosh(a(a + y))`."""
    f = lambda y: mp.npdf(y) * mp.log(mp.cosh(a * (a + y)))  # noqa: E731
    return a**2 - mp.quad(f, [-mp.inf, -a - 10, -a, -a + 10, mp.inf])


_LABEL_INFORMATION = Definition("information", r"I(\sigma_T; \sigma)", "information of the predicted label",
                                units="nats")
_WEIGHT_INFORMATION = Definition("weight_information", r"I(\sigma_T; \omega)", "information of the weight",
                                 units="nats")
_ENTROPY_CHANGE = Definition("entropy_change", r"\Delta S(\omega)", "entropy change of the weight", units="nats")
_HEAT = Definition("heat", r"Q", "heat released by the weight", units="nats")
_EFFICIENCY = Definition("efficiency", r"\eta", r"efficiency of learning, $I / (\Delta S + Q)$")


def one_weight_quantities(nu_value: Any, tau_value: Any = None, time: Any = mp.inf, dps: int = 20) -> Derivation:
    r"""One weight learning one label (``N = P = 1``): the terms of the bound and the efficiency.

    Parameters
    ----------
    nu_value : float
        Drive strength ``nu``.
    tau_value : float, optional
        Ramp duration; ``None`` or 0 for a sudden step.
    time : float, optional
        Time since the drive began (default: the end, ``t -> infinity``).
    dps : int
        mpmath precision in decimal digits.

    Returns
    -------
    Derivation
        mpmath numbers by name, each with its notation: ``"information"`` :math:`I(\sigma_T; \sigma)`, ``"weight_information"``
        :math:`I(\sigma_T; \omega)` (its upper bound by data processing),
        ``"entropy_change"`` :math:`\Delta S(\omega)` (equal to :math:`I(\sigma_T;\omega)`,
        the conditional variance staying 1), ``"heat"`` :math:`Q = \nu^2 q(t)` and
        ``"efficiency"`` :math:`I / (\Delta S + Q)`.

    Examples
    --------
    >>> q = one_weight_quantities(3.0, tau_value=200.0)
    >>> bool(0.5 < q["efficiency"] < 1)
    True
    """
    kind = _kind_and_tau(tau_value)
    with mp.workdps(dps):
        n = _check(nu_value, "nu")
        c, q = _response_at(kind, tau_value, time)
        a = n * c
        info = _label_information(a, mp.mpf(1))
        weight_info = _mixture_information(a)
        heat = n**2 * q
        return Derivation(None, [
            ("information", _LABEL_INFORMATION, info),
            ("weight_information", _WEIGHT_INFORMATION, weight_info),
            ("entropy_change", _ENTROPY_CHANGE, weight_info),
            ("heat", _HEAT, heat),
            ("efficiency", _EFFICIENCY, info / (weight_info + heat)),
        ])


def many_weights_quantities(alpha_value: Any, nu_value: Any, tau_value: Any = None, time: Any = mp.inf,
                            dps: int = 20) -> Derivation:
    r"""Hebbian learning of ``P = alpha N`` labels as ``N -> infinity``: the bound's terms per weight.

    Returns a :class:`~thermotheory.derivation.Derivation` of mpmath numbers: ``"information"``
    :math:`\alpha [\ln 2 - h(p_c)]` with :math:`p_c` the probability
    of a right prediction, ``"entropy_change"`` :math:`\tfrac12 \ln(1 + \alpha c^2 \nu^2)`,
    ``"heat"`` :math:`\alpha \nu^2 q(t)`, ``"efficiency"`` and ``"error"`` :math:`1 - p_c`
    (the training error of the stochastic prediction).

    Examples
    --------
    >>> q = many_weights_quantities(0.5, 1.0)
    >>> bool(0 < q["efficiency"] < 1)
    True
    """
    kind = _kind_and_tau(tau_value)
    with mp.workdps(dps):
        a_, n = _check(alpha_value, "alpha"), _check(nu_value, "nu")
        c, q = _response_at(kind, tau_value, time)
        signal = c * n
        spread = 1 + a_ * signal**2
        pc = _correct_probability(signal, spread)
        info = a_ * (mp.log(2) - _binary_entropy(pc))
        dS = mp.log(spread) / 2
        heat = a_ * n**2 * q
        return Derivation(None, [
            ("information", Definition("information", r"\alpha\, I(\sigma_T; \sigma)",
                                       "label information per weight", units="nats per weight"), info),
            ("entropy_change", Definition("entropy_change", r"\Delta S(\omega_n)", "entropy change per weight",
                                          units="nats per weight"), dS),
            ("heat", Definition("heat", r"Q_n", "heat per weight", units="nats per weight"), heat),
            ("efficiency", _EFFICIENCY, info / (dS + heat)),
            ("error", Definition("error", r"\epsilon_t", "training error of the stochastic prediction"), 1 - pc),
        ])


def hebbian_limit(snr: Any, dps: int = 20) -> mp.mpf:
    r"""Efficiency of Hebbian learning as ``alpha -> infinity`` at fixed ``s = alpha nu^2`` (slow ramp).

    With :math:`\nu = \sqrt{s/\alpha} \to 0` the prediction is right with probability
    :math:`\tfrac12 + \nu \kappa(s)`, :math:`\kappa(s) = E[\ell'(z)]`,
    :math:`z \sim N(0, 1 + s)`, :math:`\ell` the logistic function, so

    .. math:: \eta_\infty(s) = \frac{4 s\, \kappa(s)^2}{\ln(1 + s)} .

    Examples
    --------
    >>> round(float(hebbian_limit(1e-8)), 4)  # 4 kappa(0)^2
    0.1708
    """
    with mp.workdps(dps):
        s = _check(snr, "snr")
        sd = mp.sqrt(1 + s)

        def slope(y):
            e = mp.exp(-sd * y)
            return mp.npdf(y) * e / (1 + e) ** 2

        kappa_s = mp.quad(slope, [-mp.inf, -10, 0, 10, mp.inf])
        return 4 * s * kappa_s**2 / mp.log1p(s)


def hebbian_supremum(dps: int = 20) -> dict[str, float]:
    r"""The largest efficiency of Hebbian learning with many weights, and where it is approached.

    A slow ramp read out at the end removes the heat (``Q -> 0``), the most favourable
    case, leaving :math:`\eta = \alpha [\ln 2 - h(p_c)] / \tfrac12 \ln(1 + \alpha \nu^2)`.
    At fixed signal-to-noise :math:`s = \alpha \nu^2` it grows with ``alpha`` towards
    :func:`hebbian_limit` (many patterns, each weakly driven), so the supremum is
    :math:`\max_s \eta_\infty(s)`, found by a bounded scalar search in ``ln s`` and
    evaluated with mpmath. It stays well below 1: Hebbian learning is never
    thermodynamically optimal.

    Returns
    -------
    dict
        ``"efficiency"`` (the supremum) and ``"snr"`` (the ``s = alpha nu^2`` of the optimum;
        reached as ``alpha -> infinity``).

    Examples
    --------
    >>> best = hebbian_supremum()
    >>> bool(0.17 < best["efficiency"] < 1)
    True
    """
    res = so.minimize_scalar(lambda x: -float(hebbian_limit(np.exp(x), dps=12)), bounds=(np.log(1e-3), np.log(1e3)),
                             method="bounded", options={"xatol": 1e-7})
    snr = float(np.exp(res.x))
    return {"efficiency": float(hebbian_limit(snr, dps=dps)), "snr": snr}


def simulate_learning(N: int, alpha_value: float, nu_value: float, tau_value: float | None = None,
                      time: float = 10.0, dt: float = 0.01, realizations: int = 200, seed: int = 0,
                      chunk: int = 50) -> dict[str, Estimate]:
    r"""Monte Carlo of ``N`` weights learning ``P = round(alpha N)`` random labels (no closed form used).

    One set of inputs :math:`\xi` is drawn; each realization draws new labels and thermal
    noise and integrates the weights from equilibrium (exact OU steps, the protocol read
    at each step's midpoint). Per weight it estimates the heat (Stratonovich sum of
    :math:`f \circ d\omega`), the entropy change (Gaussian entropy of the weights against
    that of the start) and the information :math:`\frac{P}{N}[\ln 2 - h(\hat p_c)]`, with
    :math:`\hat p_c` the mean probability of a right prediction over patterns. Standard
    errors come from the spread over realizations (in batches for the entropy). The
    entropy estimate fits a Gaussian to the weights: right for many patterns per weight,
    only an upper bound when a weight sees few (``N = P = 1``: a mixture of two Gaussians).

    Returns
    -------
    dict of Estimate
        ``"information"``, ``"entropy_change"``, ``"heat"`` (per weight), ``"error"``.

    Examples
    --------
    >>> e = simulate_learning(200, 0.5, 1.0, time=3.0, realizations=40, seed=1)
    >>> bool(e["heat"].value > 0)
    True
    """
    if N < 1 or realizations < 4:
        raise ModelError("simulate_learning needs N >= 1 weights and at least 4 realizations")
    if dt <= 0 or time <= 0:
        raise ModelError("dt and time must be positive")
    kind = _kind_and_tau(tau_value)
    P = max(1, int(round(alpha_value * N)))
    rng = np.random.default_rng(seed)
    xi = rng.choice([-1.0, 1.0], size=(P, N))
    steps = int(round(time / dt))
    decay = np.exp(-dt)
    kick = np.sqrt(1 - decay**2)

    def h(s: float) -> float:
        return 1.0 if kind == "step" else min(s / tau_value, 1.0)

    heat, pc, w_end, w_start = [], [], [], []
    for lo in range(0, realizations, chunk):
        R = min(chunk, realizations - lo)
        labels = rng.choice([-1.0, 1.0], size=(R, P))
        f = nu_value / np.sqrt(N) * labels @ xi
        w = rng.standard_normal((R, N))
        w_start.append(w.copy())
        q = np.zeros(R)
        for k in range(steps):
            hk = h((k + 0.5) * dt)
            new = decay * w + (1 - decay) * hk * f + kick * rng.standard_normal((R, N))
            q += ((-(w + new) / 2 + hk * f) * (new - w)).mean(axis=1)
            w = new
        heat.append(q)
        act = w @ xi.T / np.sqrt(N)
        pc.append((1 / (1 + np.exp(-labels * act))).mean(axis=1))
        w_end.append(w)
    heat, pc = np.concatenate(heat), np.concatenate(pc)
    p_hat = pc.mean()
    p_se = pc.std(ddof=1) / np.sqrt(pc.size)
    info = P / N * (np.log(2) - float(_binary_entropy(mp.mpf(p_hat))))
    info_se = P / N * abs(np.log(p_hat / (1 - p_hat))) * p_se
    w_end, w_start = np.concatenate(w_end), np.concatenate(w_start)
    batches = min(20, realizations)
    dS_b = np.array([0.5 * np.log(b1.var() / b0.var()) for b1, b0 in
                     zip(np.array_split(w_end, batches), np.array_split(w_start, batches))])
    return {
        "information": Estimate(float(info), float(info_se), int(pc.size)),
        "entropy_change": Estimate(float(0.5 * np.log(w_end.var() / w_start.var())),
                                   float(dS_b.std(ddof=1) / np.sqrt(batches)), batches),
        "heat": Estimate(float(heat.mean()), float(heat.std(ddof=1) / np.sqrt(heat.size)), int(heat.size)),
        "error": Estimate(float(1 - p_hat), float(p_se), int(pc.size)),
    }


#: The Hebbian force on one weight (a state variable of :func:`many_weights`).
hebbian_force = sp.Symbol("f", real=True)


def many_weights() -> LinearSDE:
    """One of many weights (``N -> oo``, ``alpha N`` patterns) under a step Hebbian force ``f`` held constant.

    Examples
    --------
    >>> many_weights().variables
    (f, omega)
    """
    return LinearSDE({hebbian_force: sp.Integer(0), omega: -omega + hebbian_force}, {omega: 1})


def many_weights_start() -> sp.Matrix:
    """The initial covariance of ``(f, omega)``: ``f ~ N(0, alpha nu^2)`` as ``N -> oo``, the weight in equilibrium.

    Examples
    --------
    >>> many_weights_start()[0, 0]
    alpha*nu**2
    """
    return sp.diag(alpha * nu**2, 1)


def many_weights_forms() -> dict[str, Any]:
    """The heat and the weight's entropy of :func:`many_weights` over ``[0, t]``, as functions of no arguments.

    The weight's marginal is ``N(0, 1 + alpha c^2 nu^2)`` with ``c, q`` the step's
    :func:`drive_response`; the engine's closed forms need parameters in the drift for a
    symbolic time, and its heat a drift without a conserved mode (``f`` is one).

    Examples
    --------
    >>> sorted(many_weights_forms())
    ['entropy', 'heat']
    """
    c, q = drive_response("step")
    return {"heat": lambda: alpha * nu**2 * q,
            "entropy": lambda: sp.log(2 * sp.pi * sp.E * (1 + alpha * nu**2 * c**2)) / 2}


def one_weight_forms(kind: str = "ramp") -> dict[str, Any]:
    """The heat of :func:`one_weight` from equilibrium over ``[0, t]``, as a function of no arguments.

    Examples
    --------
    >>> list(one_weight_forms())
    ['heat']
    """
    return {"heat": lambda: sigma_T**2 * nu**2 * drive_response(kind)[1]}
