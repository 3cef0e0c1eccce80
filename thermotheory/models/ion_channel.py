r"""The Hodgkin–Huxley potassium channel as a Markov jump process (a seed model of the jump kind).

The channel has four identical, independent gates, each open at rate :math:`\alpha` and
closed at rate :math:`\beta`; its state is the number ``k`` of open gates (0..4), and it
conducts when all four are open (Hodgkin & Huxley 1952, the :math:`n^4` law). As a chain
on ``k`` the rates are

.. math:: k \to k + 1:\ (4 - k)\,\alpha, \qquad k + 1 \to k:\ (k + 1)\,\beta .

Since the gates are independent, every closed form is that of one two-state gate, raised to
the binomial:

- the stationary occupancy is binomial, :math:`\pi_k = \binom{4}{k} n_\infty^k (1 - n_\infty)^{4 - k}`
  with :math:`n_\infty = \alpha / (\alpha + \beta)`, and the open probability is :math:`n_\infty^4`;
- the generator's eigenvalues are :math:`-m(\alpha + \beta)`, ``m = 0..4``: the channel
  relaxes at the rate :math:`\alpha + \beta = 1 / \tau_n` of one gate;
- from a binomial start :math:`\mathrm{Bin}(4, n_0)` (the stationary state at an earlier
  voltage) the occupancy stays binomial, :math:`\mathrm{Bin}(4, n(t))` with
  :math:`n(t) = n_\infty + (n_0 - n_\infty) e^{-(\alpha + \beta) t}` (the open probability is
  Hodgkin and Huxley's :math:`n(t)^4`);
- the chain obeys detailed balance (it is a tree), so it produces no entropy in its
  stationary state; the cost of gating is that of the relaxation after a voltage step,
  :math:`\Delta S_\mathrm{tot}(t) = 4\,[D(n_0 \| n_\infty) - D(n(t) \| n_\infty)]` with
  :math:`D` the Kullback–Leibler divergence of two Bernoulli laws, and the heat it releases
  is :math:`Q(t) = \sum_k (p_k(t) - p_k(0)) \ln \pi_k`.

:func:`hh_rates` gives :math:`\alpha_n(V)` and :math:`\beta_n(V)` of the squid axon (per ms, ``V``
in mV, 6.3 °C, the modern sign convention with rest at -65 mV).

Symbols (all positive): ``alpha``, ``beta`` (per unit time), ``n_0`` (the initial gating
variable, in (0, 1)), time :data:`t`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..core.closedform import ClosedForm, MeantName
from ..core.jump import MarkovJumpProcess
from ..derivation import Definition, Derivation
from ..errors import ModelError

__all__ = [
    "alpha", "beta", "n_0", "t", "GATES", "n_inf", "n_of_t", "potassium_channel", "binomial_start", "hh_rates",
    "occupancy", "bernoulli_kl", "channel_quantities", "step_quantities", "GLOSSARY",
]

alpha, beta = sp.symbols("alpha beta", positive=True)
#: The gating variable (fraction of open gates) at the start of a relaxation.
n_0 = sp.Symbol("n_0", positive=True)
#: Time.
t = sp.Symbol("t", positive=True)
#: What each of the channel's symbols means, and its units, for the glossaries of the pages and reports that print them.
GLOSSARY = {alpha: ("opening rate of one gate", "per unit time"), beta: ("closing rate of one gate", "per unit time"),
            n_0: ("open fraction of one gate before the voltage step", "--"),
            t: ("time since the voltage step", "time")}
#: Number of gates of the potassium channel.
GATES = 4

#: Stationary open fraction of one gate.
n_inf = alpha / (alpha + beta)
#: Open fraction of one gate at time ``t`` from ``n_0``.
n_of_t = n_inf + (n_0 - n_inf) * sp.exp(-(alpha + beta) * t)

# names of the closed forms' definitions: n_inf and n(t); the binary entropy h(n) of one gate and the mean log of
# the number of orderings <ln C(4, k)> at n_inf, n(t) and n_0
_NU, _NT = sp.Symbol("n_infty", positive=True), sp.Symbol("n_t", positive=True)
_H_NU, _H_NT = sp.Symbol("h_infty", positive=True), sp.Symbol("h_t", positive=True)
_L_NU, _L_NT, _L_N0 = (sp.Symbol(f"L_{w}", positive=True) for w in ("infty", "t", "0"))
_D_N0, _D_NT = sp.Symbol("D_0", positive=True), sp.Symbol("D_t", positive=True)  # relative entropies to n_inf
_ENTROPY = "binary entropy of one gate open with the probability in brackets, $h(n) = -n \\ln n - (1 - n) \\ln(1 - n)$"
_ORDERINGS = "mean log of the number of orderings of the $k$ open gates, at the time of its index"
_KL = "relative entropy of one gate open with the probability on the left to the stationary gate"
_NAMES = {_NU: MeantName(r"n_\infty", "open fraction of one gate as $t \\to \\infty$", "--"),
          _NT: MeantName(r"n(t)", "open fraction of one gate at time $t$", "--"),
          _H_NU: MeantName(r"h(n_\infty)", _ENTROPY, "nats"), _H_NT: MeantName(r"h(n(t))", _ENTROPY, "nats"),
          _D_N0: MeantName(r"D(n_{0} \| n_\infty)", _KL, "nats"), _D_NT: MeantName(r"D(n(t) \| n_\infty)", _KL, "nats"),
          **{sym: MeantName(rf"\langle \ln \tbinom{{4}}{{k}} \rangle_{w}", _ORDERINGS, "nats")
             for sym, w in ((_L_NU, r"\infty"), (_L_NT, "t"), (_L_N0, "0"))}}


def _binary_entropy(n: Any) -> Any:
    """The entropy -n ln n - (1 - n) ln(1 - n) of one gate open with probability n (nats)."""
    return -n * sp.log(n) - (1 - n) * sp.log(1 - n)


def _log_orderings(n: Any) -> Any:
    """The mean log of the number of orderings, sum_k Bin_k(4, n) ln C(4, k) (the combinatorial part of ln pi_k)."""
    return sum(p * sp.log(sp.binomial(GATES, j)) for j, p in enumerate(occupancy(n)) if sp.binomial(GATES, j) > 1)


def potassium_channel(a: Any = alpha, b: Any = beta, gates: int = GATES) -> MarkovJumpProcess:
    r"""The channel as a chain on the number of open gates, ``0..gates``.

    Parameters
    ----------
    a, b : sympy expression or number
        Opening and closing rate of one gate (default the symbols ``alpha``, ``beta``).
    gates : int
        Number of independent gates (4 for the potassium channel).

    Examples
    --------
    >>> m = potassium_channel()
    >>> m.states, m.rate(0, 1), m.rate(1, 0)
    ((0, 1, 2, 3, 4), 4*alpha, beta)
    """
    if not isinstance(gates, (int, np.integer)) or isinstance(gates, bool) or gates < 1:
        raise ModelError(f"gates: expected a positive integer but found {gates!r}")
    rates = {}
    for k in range(gates):
        rates[(k, k + 1)] = (gates - k) * sp.sympify(a)
        rates[(k + 1, k)] = (k + 1) * sp.sympify(b)
    return MarkovJumpProcess(rates, states=list(range(gates + 1)))


def occupancy(n: Any, gates: int = GATES) -> list[Any]:
    r"""The binomial occupancy :math:`\binom{G}{k} n^k (1 - n)^{G - k}`, ``k = 0..G``, of ``G`` independent gates.

    Examples
    --------
    >>> occupancy(sp.Rational(1, 2))
    [1/16, 1/4, 3/8, 1/4, 1/16]
    """
    return [sp.binomial(gates, k) * n**k * (1 - n) ** (gates - k) for k in range(gates + 1)]


def binomial_start(n: Any = n_0, gates: int = GATES) -> dict[int, Any]:
    """The initial state ``{k: p_k}`` with the gates open independently with probability ``n`` (default ``n_0``).

    Examples
    --------
    >>> binomial_start()[4]
    n_0**4
    """
    return dict(enumerate(occupancy(n, gates)))


def bernoulli_kl(p: Any, q: Any) -> Any:
    r"""Kullback–Leibler divergence :math:`p \ln(p/q) + (1-p) \ln((1-p)/(1-q))` of two Bernoulli laws (nats).

    Examples
    --------
    >>> float(bernoulli_kl(sp.Rational(1, 2), sp.Rational(1, 2)))
    0.0
    """
    return p * sp.log(p / q) + (1 - p) * sp.log((1 - p) / (1 - q))


def hh_rates(V: Any) -> tuple[Any, Any]:
    r"""Opening and closing rates :math:`\alpha_n(V)`, :math:`\beta_n(V)` of one potassium gate (per ms; ``V`` in mV).

    .. math:: \alpha_n = \frac{0.01\,(V + 55)}{1 - e^{-(V + 55)/10}}, \qquad
              \beta_n = 0.125\, e^{-(V + 65)/80}

    (Hodgkin & Huxley 1952, squid axon at 6.3 °C, written with the resting potential at
    -65 mV; the removable singularity at -55 mV gives 0.1). Vectorised over ``V``.

    Examples
    --------
    >>> a, b = hh_rates(-65.0)
    >>> round(float(a / (a + b)), 4)  # the resting n_inf
    0.3177
    """
    V = np.asarray(V, dtype=float)
    if not np.all(np.isfinite(V)):
        raise ModelError(f"V: expected finite voltages (mV) but found {V!r}")
    u = (V + 55.0) / 10.0
    small = np.abs(u) < 1e-8
    safe = np.where(small, 1.0, u)
    ratio = np.where(small, 1.0 + u / 2.0, safe / -np.expm1(-safe))  # u / (1 - e^-u)
    a = 0.1 * ratio
    b = 0.125 * np.exp(-(V + 65.0) / 80.0)
    return (float(a), float(b)) if a.ndim == 0 else (a, b)


def channel_quantities(model: MarkovJumpProcess | None = None) -> Derivation:
    r"""The channel's stationary closed forms (the published ones, as definitions).

    Keys, in the order printed: ``n_inf`` (:math:`n_\infty`), ``occupancy_k`` for ``k = 0..3`` (binomial),
    ``open_probability`` (:math:`\pi_4 = n_\infty^4`), ``relaxation_rate`` (:math:`\alpha + \beta`,
    the spectral gap of the generator), ``mean_open_time`` (:math:`1/(4\beta)`, the mean dwell
    in the open state), ``entropy`` (:math:`-\sum_k \pi_k \ln \pi_k`, written as
    :math:`4 h(n_\infty) - \sum_k \pi_k \ln \binom{4}{k}` with ``h`` the binary entropy) and
    ``entropy_production_rate`` (zero: detailed balance). The last two name the registry
    quantity they equal (``check=``), so :meth:`~thermotheory.Derivation.verify` checks them.

    Examples
    --------
    >>> q = channel_quantities()
    >>> q["open_probability"]
    ClosedForm(n_infty**4, where n_infty = alpha/(alpha + beta))
    """
    from .. import registry as R

    model = potassium_channel() if model is None else model
    # the binomial's entropy: G gates' own entropies less the mean log of the number of orderings
    entropy_form = ClosedForm(GATES * _H_NU - _L_NU, [(_NU, n_inf), (_H_NU, _binary_entropy(_NU)),
                                                      (_L_NU, _log_orderings(_NU))], _NAMES)
    entries: list[tuple[str, Any, Any]] = [
        ("n_inf", Definition("n_inf", r"n_\infty", "stationary open fraction of one gate"), n_inf),
    ]
    for k, p in enumerate(occupancy(_NU)[:GATES]):  # pi_0 .. pi_3, then pi_4 (the open state) in its own words
        gates = "no gate is" if k == 0 else "one gate is" if k == 1 else f"{k} gates are"
        entries.append((f"occupancy_{k}", Definition(f"occupancy_{k}", rf"\pi_{k}",
                                                     f"stationary probability that {gates} open"),
                        ClosedForm(p, [(_NU, n_inf)], _NAMES)))
    entries += [
        ("open_probability", Definition("open_probability", r"\pi_4", "stationary probability that all four gates "
                                        "are open (the channel conducts)"),
         ClosedForm(_NU**GATES, [(_NU, n_inf)], _NAMES)),
        ("relaxation_rate", Definition("relaxation_rate", r"\lambda_1", "slowest relaxation rate (spectral gap of "
                                       "the generator)", units="per unit time"), alpha + beta),
        ("mean_open_time", Definition("mean_open_time", r"\tau_\mathrm{open}", "mean dwell time in the open state",
                                      units="time"),
         1 / (GATES * beta)),
        ("entropy", Definition("entropy", R.entropy.of().latex(), "Shannon entropy of the occupancy",
                               check=R.entropy.of()), entropy_form),
        ("entropy_production_rate", Definition("entropy_production_rate", R.entropy_production_rate.of().latex(),
                                               "entropy production rate: zero, the chain obeys detailed balance",
                                               check=R.entropy_production_rate.of()), sp.Integer(0)),
    ]
    return Derivation(model, entries)


def step_quantities(model: MarkovJumpProcess | None = None) -> Derivation:
    r"""The relaxation after a voltage step, from :math:`\mathrm{Bin}(4, n_0)`: its published closed forms.

    Keys: ``n_inf`` (:math:`n_\infty`, where it relaxes to), ``gating`` (:math:`n(t)`), ``open_probability`` (:math:`n(t)^4`, the HH law), ``entropy``
    (of :math:`\mathrm{Bin}(4, n(t))`, checked against the engine's transient entropy),
    ``entropy_production`` (:math:`4[D(n_0\|n_\infty) - D(n(t)\|n_\infty)]`, checked against the
    engine's transient entropy production), ``heat``
    (:math:`\sum_k (p_k(t) - p_k(0)) \ln \pi_k = 4 (n(t) - n_0) \ln(\alpha/\beta)` plus the change
    of :math:`\sum_k p_k \ln \binom{4}{k}`, checked against the engine's heat) and
    ``total_cost`` (:math:`4 D(n_0\|n_\infty)`, the entropy produced by the whole relaxation).

    Examples
    --------
    >>> q = step_quantities()
    >>> q["open_probability"]
    ClosedForm(n_t**4, where n_infty = alpha/(alpha + beta), n_t = n_infty + (n_0 - n_infty)*exp(t*(-alpha - beta)))
    """
    from .. import registry as R

    model = potassium_channel() if model is None else model
    start = binomial_start()
    ep = R.entropy_production.of(t=t, initial=start)
    heat = R.heat.of(t=t, initial=start)
    shannon = R.entropy.of(t=t, initial=start)
    defs = [(_NU, n_inf), (_NT, _NU + (n_0 - _NU) * sp.exp(-(alpha + beta) * t))]

    def form(expr: Any) -> ClosedForm:
        return ClosedForm(expr, defs, _NAMES)

    # each opening releases ln(alpha / beta) (the gate's own entropy flow), plus the change of the orderings
    heat_form = ClosedForm(GATES * (_NT - n_0) * sp.log(alpha / beta) + _L_NT - _L_N0,
                           [*defs, (_L_NT, _log_orderings(_NT)), (_L_N0, _log_orderings(n_0))], _NAMES)
    entropy_form = ClosedForm(GATES * _H_NT - _L_NT, [*defs, (_H_NT, _binary_entropy(_NT)),
                                                      (_L_NT, _log_orderings(_NT))], _NAMES)
    return Derivation(model, [
        ("n_inf", Definition("n_inf", r"n_\infty", r"open fraction of one gate at the new voltage, as "
                                                    r"$t \to \infty$"), n_inf),
        ("gating", Definition("gating", r"n(t)", "open fraction of one gate at time $t$"),
         ClosedForm(_NU + (n_0 - _NU) * sp.exp(-(alpha + beta) * t), defs[:1], _NAMES)),
        ("open_probability", Definition("open_probability", r"p_4(t)", "probability that the channel conducts at "
                                        "time $t$ (Hodgkin and Huxley's $n(t)^4$)"), form(_NT**GATES)),
        ("entropy", Definition("entropy", shannon.latex(), "Shannon entropy of the occupancy at time $t$",
                               check=shannon),
         entropy_form),
        ("entropy_production", Definition("entropy_production", ep.latex(), "entropy produced over $[0, t]$ by the "
                                          "relaxation", check=ep),
         ClosedForm(GATES * (_D_N0 - _D_NT), [*defs, (_D_N0, bernoulli_kl(n_0, _NU)), (_D_NT, bernoulli_kl(_NT, _NU))],
                    _NAMES)),
        ("heat", Definition("heat", heat.latex(), "heat released over $[0, t]$ (as entropy)", check=heat), heat_form),
        ("total_cost", Definition("total_cost", r"\Delta S_\mathrm{tot}(\infty)", "entropy produced by the whole "
                                  "relaxation", units="nats"),
         ClosedForm(GATES * _D_N0, [defs[0], (_D_N0, bernoulli_kl(n_0, _NU))], _NAMES)),
    ])
