r"""Synaptic memory: a binary synapse and the cascade model of Fusi, Drew & Abbott (2005), as Markov jump processes.

Plasticity events reach a synapse at rate ``r``; a fraction ``f`` of them potentiate, the
rest depress. A memory is stored at ``t = 0`` by one event: the synapses it potentiates and
those it depresses then forget it under the ongoing events. Its **memory signal** is

.. math:: S(t) = P(\text{strong at } t \mid \text{potentiated at } 0)
          - P(\text{strong at } t \mid \text{depressed at } 0),

and the information the synapse keeps about it (the memory a fair bit, potentiated or
depressed with probability 1/2) is :math:`I(t) = I(M; \text{state at } t)`.

- **Binary synapse** (:func:`binary_synapse`): weak ``w`` or strong ``s``; an event switches
  it with probability ``q``, so ``w -> s`` at rate :math:`q r f` and ``s -> w`` at
  :math:`q r (1 - f)`. Then :math:`S(t) = q\, e^{-q r t}`: a fast learner (``q`` near 1) forgets
  fast, a slow one stores little (Fusi, Drew & Abbott 2005). With ``f = 1/2``,
  :math:`I(t) = \ln 2 - h\big((1 + S(t))/2\big)`, ``h`` the binary entropy. A two-state chain
  obeys detailed balance, so the information left at ``t`` equals the entropy that forgetting
  it will still produce, averaged over the two memories (:func:`binary_quantities`).
- **Cascade** (:func:`cascade`): each of the two strengths has ``n`` levels of plasticity,
  ``w_1..w_n`` and ``s_1..s_n``. A potentiating event moves ``w_i`` to ``s_1`` with probability
  :math:`q_i` and ``s_i`` one level deeper (``s_{i+1}``) with probability :math:`p_i`; a
  depressing event does the mirror image, with

  .. math:: q_i = x^{i - 1}\ (i < n), \quad q_n = \frac{x^{n-1}}{1 - x}, \quad p_i = \frac{x^i}{1 - x}

  (``x = 1/2`` in the paper; probabilities need ``x <= 1/2``). These :math:`p_i` make the stationary occupancy uniform,
  :math:`1/(2n)` per state, when ``f = 1/2``; then the initial signal is
  :math:`S(0) = 1 / (n (1 - x))`, and the signal decays as a power law (about :math:`1/t`)
  over the times between :math:`1/r` and :math:`x^{-n}/r` instead of exponentially.

The published cascade has no reverse transitions, so it produces infinite entropy. With
``reverse=True`` every plasticity transition gets its reverse at the rate :math:`e^{-\Delta\mu}`
times its own (each event uses a free energy :math:`\Delta\mu`, as an ATP hydrolysis): the
model then has a finite entropy production, the cost of holding the memory machinery out of
equilibrium. Where two opposite transitions join the same pair of states (``w_1`` and
``s_1``), the rates add, and the entropy production is that of the pair (a lower bound on that
of the transitions resolved by kind).

Symbols (all positive): ``r`` (rate of plasticity events), ``f`` (fraction of potentiating
events, in (0, 1)), ``q`` (switching probability of the binary synapse, in (0, 1]), ``x`` (the
cascade's ratio, in (0, 1), the paper's :math:`x` printed :math:`\xi`), ``Delta_mu`` (in k_B T), time
:data:`t`. States are the strings ``"w"``, ``"s"`` (binary) and ``"w1".."wn"``, ``"s1".."sn"`` (cascade).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg as sl
import sympy as sp

from ..core.closedform import ClosedForm, MeantName
from ..core.jump import MarkovJumpProcess
from ..derivation import Definition, Derivation
from ..errors import ModelError

__all__ = [
    "r", "f", "q", "x", "Delta_mu", "t", "binary_synapse", "cascade", "cascade_states", "cascade_probabilities",
    "event_matrices", "potentiated_start", "binary_quantities", "cascade_quantities", "memory_curves", "CASCADE_LEVELS",
    "GLOSSARY",
]

r, f, q = sp.symbols("r f q", positive=True)
#: The cascade's ratio of switching probabilities (Fusi, Drew and Abbott's ``x``), printed :math:`\xi`: a page that
#: shows a sensor's signal ``x`` beside the cascade gives each letter one meaning.
x = sp.Symbol("xi", positive=True)
#: Free energy used by one plasticity transition (k_B T), in the cascade with reverse transitions.
Delta_mu = sp.Symbol("Delta_mu", positive=True)
#: Time since the memory was stored.
t = sp.Symbol("t", positive=True)
#: What each of the synapses' symbols means, and its units, for the glossaries of the pages and reports that print
#: them.
GLOSSARY = {r: ("rate of plasticity events", "per unit time"),
            f: ("fraction of plasticity events that potentiate", "--"),
            q: ("probability that a plasticity event switches the binary synapse", "--"),
            x: ("ratio of the cascade's switching probabilities from one level to the next", "--"),
            Delta_mu: ("free energy used by one plasticity transition (the cascade with reverse transitions)", "nats"),
            t: ("time since the memory was stored", "time")}
_S = sp.Symbol("S", positive=True)  # the memory signal, a named definition
# the probability of the strong state just after a potentiation and at t, and their relative entropies to the
# stationary state: the entropy produced while forgetting is the fall of the one to the other (named definitions)
_P0, _PT = sp.Symbol("p_0", positive=True), sp.Symbol("p_t", positive=True)
_D0, _DT = sp.Symbol("D_0", positive=True), sp.Symbol("D_t", positive=True)
_STRONG = ("probability that the synapse is strong (the state $\\mathrm{s}$) a time $t$ after a potentiation, and just "
           "after it")
_KL = ("relative entropy of the synapse's state, strong with the probability on the left, to the stationary state "
       "$\\pi$ (strong with probability $f$)")
# (the state's label upright, as the transitions print it)
_P0_TEX, _PT_TEX = r"P_{\mathrm{s}}(0)", r"P_{\mathrm{s}}(t)"
_FORGET_NAMES = {_P0: MeantName(_P0_TEX, _STRONG, "--"), _PT: MeantName(_PT_TEX, _STRONG, "--"),
                 _D0: MeantName(rf"D({_P0_TEX} \| \pi)", _KL, "nats"),
                 _DT: MeantName(rf"D({_PT_TEX} \| \pi)", _KL, "nats")}
_SIGNAL = MeantName("S(t)", r"memory signal: $P(\text{strong} \mid \text{potentiated}) - P(\text{strong} \mid "
                    r"\text{depressed})$", "--")
#: Levels of the catalog's cascade.
CASCADE_LEVELS = 3


def _levels(n: Any) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ModelError(f"n: expected a positive integer number of levels but found {n!r}")
    return int(n)


def binary_synapse() -> MarkovJumpProcess:
    r"""The binary synapse: ``w -> s`` at rate :math:`q r f`, ``s -> w`` at :math:`q r (1 - f)`.

    Examples
    --------
    >>> binary_synapse().rate(0, 1)
    f*q*r
    """
    return MarkovJumpProcess({("w", "s"): q * r * f, ("s", "w"): q * r * (1 - f)}, states=["w", "s"])


def cascade_states(n: int) -> list[str]:
    """The cascade's states ``w1..wn, s1..sn`` (weak, then strong; level 1 the most plastic).

    Examples
    --------
    >>> cascade_states(2)
    ['w1', 'w2', 's1', 's2']
    """
    n = _levels(n)
    return [f"w{i}" for i in range(1, n + 1)] + [f"s{i}" for i in range(1, n + 1)]


def cascade_probabilities(n: int, ratio: Any = x) -> tuple[list[Any], list[Any]]:
    r"""The switching probabilities :math:`q_1..q_n` and deepening probabilities :math:`p_1..p_{n-1}` of the cascade.

    Examples
    --------
    >>> cascade_probabilities(3, sp.Rational(1, 2))
    ([1, 1/2, 1/2], [1, 1/2])
    """
    n = _levels(n)
    if n == 1:
        raise ModelError("a cascade has at least 2 levels (one level is the binary synapse: binary_synapse())")
    ratio = sp.sympify(ratio)
    qs = [ratio ** (i - 1) for i in range(1, n)] + [ratio ** (n - 1) / (1 - ratio)]
    ps = [ratio**i / (1 - ratio) for i in range(1, n)]
    return qs, ps


def event_matrices(n: int, ratio: Any = x) -> tuple[sp.Matrix, sp.Matrix]:
    r"""The transition matrices of one potentiating and one depressing event, columns ``from``, rows ``to``.

    ``P[j, i]`` is the probability that an event moves the state ``i`` to ``j`` (states in
    the order of :func:`cascade_states`): the generator of :func:`cascade` is
    :math:`r\,(f P_+ + (1 - f) P_- - 1)`.

    Examples
    --------
    >>> P_pot, P_dep = event_matrices(2, sp.Rational(1, 2))
    >>> list(P_pot[:, 0])  # from w1: to s1 with probability q_1 = 1
    [0, 0, 1, 0]
    """
    n = _levels(n)
    qs, ps = cascade_probabilities(n, ratio)
    pot, dep = sp.eye(2 * n), sp.eye(2 * n)
    for i in range(n):
        w_i, s_i = i, n + i
        # potentiation: w_i -> s_1 (q_i); s_i -> s_{i+1} (p_i); depression: the mirror image
        for P, src, dst in ((pot, w_i, n), (dep, s_i, 0)):
            P[src, src] -= qs[i]
            P[dst, src] += qs[i]
        if i < n - 1:
            pot[n + i, n + i] -= ps[i]
            pot[n + i + 1, n + i] += ps[i]
            dep[i, i] -= ps[i]
            dep[i + 1, i] += ps[i]
    return pot, dep


def cascade(n: int = CASCADE_LEVELS, reverse: bool = False) -> MarkovJumpProcess:
    r"""The cascade model of ``n`` levels per strength (Fusi, Drew & Abbott 2005).

    Parameters
    ----------
    n : int
        Levels per strength (at least 2).
    reverse : bool
        Give every transition its reverse at :math:`e^{-\Delta\mu}` times its rate (a finite
        entropy production); the published model has none (``False``).

    Examples
    --------
    >>> m = cascade(2)
    >>> m.states, m.rate(0, 2)  # w1 -> s1: a potentiating event, q_1 = 1
    (('w1', 'w2', 's1', 's2'), f*r)
    """
    n = _levels(n)
    pot, dep = event_matrices(n, x)
    names = cascade_states(n)
    rates: dict[tuple[str, str], Any] = {}
    for P, weight in ((pot, r * f), (dep, r * (1 - f))):
        for i in range(2 * n):
            for j in range(2 * n):
                if i != j and P[j, i] != 0:
                    key = (names[i], names[j])
                    rates[key] = rates.get(key, 0) + weight * P[j, i]
                    if reverse:
                        back = (names[j], names[i])
                        rates[back] = rates.get(back, 0) + weight * P[j, i] * sp.exp(-Delta_mu)
    return MarkovJumpProcess(rates, states=names)


def _binary_entropy(p: Any) -> Any:
    return -p * sp.log(p) - (1 - p) * sp.log(1 - p)


def _bernoulli_kl(p: Any, p_ref: Any) -> Any:
    return p * sp.log(p / p_ref) + (1 - p) * sp.log((1 - p) / (1 - p_ref))


def potentiated_start() -> dict[str, Any]:
    """The binary synapse just after a potentiating event on its stationary state: ``{"w": ..., "s": ...}``.

    Examples
    --------
    >>> potentiated_start()["s"]
    f + q*(1 - f)
    """
    return {"w": (1 - f) * (1 - q), "s": f + q * (1 - f)}


def binary_quantities() -> Derivation:
    r"""The binary synapse's memory, in closed form (Fusi, Drew & Abbott 2005), and what forgetting costs.

    Keys: ``entropy_production`` (over ``[0, t]`` after a potentiation, for any ``f``:
    :math:`D(P_{\mathrm{s}}(0) \| \pi) - D(P_{\mathrm{s}}(t) \| \pi)`, the chain obeying detailed balance, with
    :math:`P_{\mathrm{s}}(t) = f + q (1 - f) e^{-q r t}` the probability of the strong state, named definitions of the
    closed form),
    ``strong`` (:math:`\pi_{\mathrm{s}} = f`), ``signal`` (:math:`S(t) = q e^{-q r t}`),
    ``lifetime`` (:math:`1/(q r)`), ``information`` (:math:`I(t)` at ``f = 1/2``), and
    ``forgetting_cost`` (at ``f = 1/2``: the entropy still to be produced by the relaxation
    from ``t`` on, averaged over the two memories,
    :math:`\tfrac12 [D(p_+(t) \| \pi) + D(p_-(t) \| \pi)]`; it equals ``information``).

    Examples
    --------
    >>> d = binary_quantities()
    >>> d["signal"]
    q*exp(-q*r*t)
    """
    S = q * sp.exp(-q * r * t)
    half = sp.Rational(1, 2)
    def kl(p: Any) -> Any:
        return p * sp.log(p / half) + (1 - p) * sp.log((1 - p) / half)

    from .. import registry as R

    ep = R.entropy_production.of(t=t, initial=potentiated_start())
    after = f + q * (1 - f)  # P(strong) just after a potentiation
    now = f + q * (1 - f) * sp.exp(-q * r * t)  # and at t
    return Derivation(binary_synapse(), [
        ("entropy_production", Definition("entropy_production", ep.latex(), "entropy produced over $[0, t]$ while "
                                          "forgetting a potentiation (any $f$)", check=ep),
         ClosedForm(_D0 - _DT, [(_P0, after), (_PT, now), (_D0, _bernoulli_kl(_P0, f)), (_DT, _bernoulli_kl(_PT, f))],
                    _FORGET_NAMES)),
        ("strong", Definition("strong", r"\pi_{\mathrm{s}}", "stationary probability of the strong state"), f),
        ("signal", Definition("signal", r"S(t)", r"memory signal: $P(\text{strong} \mid \text{potentiated})"
                                                 r" - P(\text{strong} \mid \text{depressed})$"),
         S),
        ("lifetime", Definition("lifetime", r"\tau_\mathrm{mem}", "decay time of the memory signal", units="time"),
         1 / (q * r)),
        ("information", Definition("information", r"I(M; \text{state}_t)", "information kept about a memory "
                                   "stored at $t = 0$ ($f = 1/2$)", units="nats"),
         ClosedForm(sp.log(2) - _binary_entropy((1 + _S) / 2), [(_S, S)], {_S: _SIGNAL})),
        ("forgetting_cost", Definition("forgetting_cost", r"\Delta S_\mathrm{tot}(t, \infty)",
                                       "entropy the relaxation will still produce, averaged over the two memories "
                                       "($f = 1/2$)", units="nats"),
         ClosedForm((kl((1 + _S) / 2) + kl((1 - _S) / 2)) / 2, [(_S, S)], {_S: _SIGNAL})),
    ])


def cascade_quantities(n: int = CASCADE_LEVELS) -> Derivation:
    r"""The cascade's published closed forms at ``f = 1/2``: uniform occupancy and the initial memory signal.

    Keys: ``occupancy`` (:math:`1/(2n)` for every state), ``initial_signal``
    (:math:`S(0) = 1/(n(1-x))`), ``initial_information`` (:math:`\ln 2 - h((1 + S(0))/2)`
    of the strength), and ``slowest_switch`` (:math:`r q_n / 2`, the rate at which the deepest
    level is left: it sets the memory's longest time scale).

    Examples
    --------
    >>> d = cascade_quantities(3)
    >>> d["initial_signal"]
    1/(3 - 3*xi)
    """
    n = _levels(n)
    qs, _ = cascade_probabilities(n, x)
    S0 = 1 / (n * (1 - x))
    return Derivation(cascade(n).subs({f: sp.Rational(1, 2)}), [
        ("occupancy", Definition("occupancy", r"\pi_i", "stationary probability of each state ($f = 1/2$)"),
         sp.Rational(1, 2 * n)),
        ("initial_signal", Definition("initial_signal", r"S(0)", "memory signal just after storage ($f = 1/2$)"), S0),
        ("initial_information", Definition("initial_information", r"I(M; \text{strength}_0)",
                                           "information the strength holds about the memory just after storage",
                                           units="nats"),
         sp.log(2) - _binary_entropy((1 + S0) / 2)),
        ("slowest_switch", Definition("slowest_switch", r"r q_n / 2", "rate at which the deepest level switches "
                                      "($f = 1/2$)", units="per unit time"), r * qs[-1] / 2),
    ])


def memory_curves(model: MarkovJumpProcess, times: Any, values: dict | None = None) -> dict[str, np.ndarray]:
    r"""Memory signal and information of a binary or cascade synapse along ``times``, numerically.

    The memory is one event at ``t = 0`` on the stationary state: the states after a
    potentiation and a depression are propagated by the matrix exponential of the model's
    generator; the strength is read from the state's name (``w...`` weak, ``s...`` strong).

    Parameters
    ----------
    model : MarkovJumpProcess
        :func:`binary_synapse` or :func:`cascade` (without reverse transitions: the events
        are those of the published model).
    times : array of float
    values : mapping, optional
        Values of the model's parameters (``r``, ``f``, ``q`` or ``x``).

    Returns
    -------
    dict of arrays: ``times``, ``signal`` (:math:`S(t)`), ``information`` (about the
    memory, a fair bit, in nats, from the full state), ``strength_information`` (from the
    strength alone).

    Examples
    --------
    >>> out = memory_curves(binary_synapse(), [0.0, 1.0], {r: 1.0, f: 0.5, q: 0.5})
    >>> np.round(out["signal"], 6)
    array([0.5     , 0.303265])
    """
    values = dict(values or {})
    states = [str(s) for s in model.states]
    if not states or any(s[0] not in "ws" for s in states):
        raise ModelError("memory_curves: expected a binary_synapse() or cascade() model (states w..., s...)")
    num = model.numeric(values)
    W = num.rate_array()
    L = W.T - np.diag(W.sum(axis=1))
    n = len(states)
    if n == 2:
        if q not in values:
            raise ModelError("memory_curves: give a value for q")
        qq = float(values[q])
        if not 0 < qq <= 1:
            raise ModelError(f"memory_curves: q is a probability: give 0 < q <= 1, not {qq}")
        pot = np.array([[1 - qq, 0.0], [qq, 1.0]])
        dep = np.array([[1.0, qq], [0.0, 1 - qq]])
    else:
        P_pot, P_dep = event_matrices(n // 2, x)
        try:
            pot = np.array(P_pot.subs(values).tolist(), float)
            dep = np.array(P_dep.subs(values).tolist(), float)
        except TypeError:
            raise ModelError("memory_curves: give a value for x") from None
        if pot.min() < 0 or dep.min() < 0:
            raise ModelError(f"memory_curves: the cascade's switching probabilities exceed 1 at x = {values.get(x)}: "
                             "give 0 < x <= 1/2")
    w, v = np.linalg.eig(L)
    pi = np.real(v[:, np.argmin(np.abs(w))])
    pi = pi / pi.sum()
    strong = np.array([s.startswith("s") for s in states])
    times = np.asarray(times, float)
    sig, info, info_s = [], [], []
    for tt_ in times:
        E = sl.expm(L * tt_)
        a, b = E @ (pot @ pi), E @ (dep @ pi)
        a, b = np.clip(a, 0, None), np.clip(b, 0, None)
        sig.append(a[strong].sum() - b[strong].sum())
        info.append(_mi(a, b))
        info_s.append(_mi(np.array([a[strong].sum(), a[~strong].sum()]), np.array([b[strong].sum(), b[~strong].sum()])))
    return {"times": times, "signal": np.array(sig), "information": np.array(info),
            "strength_information": np.array(info_s)}


def _mi(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information between a fair bit and a state drawn from ``a`` (bit 1) or ``b`` (bit 0)."""
    m = (a + b) / 2
    out = 0.0
    for p in (a, b):
        nz = p > 0
        out += 0.5 * float(np.sum(p[nz] * np.log(p[nz] / m[nz])))
    return out
