r"""An ATP-driven ion pump (the Na/K-ATPase reduced to one cycle) as a Markov jump process.

The Post–Albers cycle of the sodium-potassium pump, reduced to four states and one ion
species (Läuger's and Hill's minimal pump): the inward-facing empty pump ``E_1`` binds the ions
from the inside (``E_1 -> E_1Na``, rate :math:`k_1`, reservoir ``"ions"``), is phosphorylated by
ATP and turns outward (``E_1Na -> E_2PNa``, rate :math:`k_2`, reservoir ``"atp"``), releases the
ions outside (``E_2PNa -> E_2P``, rate :math:`k_3`, reservoir ``"ions"``) and returns,
dephosphorylated, to ``E_1`` (``E_2P -> E_1``, rate :math:`k_4`, reservoir ``"medium"``). Each
transition's entropy flow into the medium is declared: the free energy it takes from its
reservoir, :math:`\Delta\mu_\mathrm{ATP}` for the phosphorylation, :math:`-\Delta\mu_\mathrm{ion}`
for the release outside (the ions go up their electrochemical gradient), 0 for the binding
inside and the return. :math:`\Delta\mu_\mathrm{ATP}` is the free energy of one ATP hydrolysis
and :math:`\Delta\mu_\mathrm{ion}` the electrochemical free energy of the ions moved out per
cycle (for the Na/K pump, three Na out and two K in), both in k_B T. Each step has its reverse,
with rates that obey local detailed balance with the declared flows (the states have equal
free energies; each step's rate ratio is the exponential of the free energy it takes from its
reservoir):

.. math:: \frac{w(E_{1Na} \to E_{2PNa})}{w(E_{2PNa} \to E_{1Na})} = e^{\Delta\mu_\mathrm{ATP}}, \qquad
          \frac{w(E_{2PNa} \to E_{2P})}{w(E_{2P} \to E_{2PNa})} = e^{-\Delta\mu_\mathrm{ion}},

and ratio 1 for the binding and the return. The declared flows are then
:math:`\ln(w_{ij}/w_{ji})`, so the heat and the entropy production over a transient are those
of local detailed balance too, and the cycle's affinity is
:math:`A = \Delta\mu_\mathrm{ATP} - \Delta\mu_\mathrm{ion}`. The pump runs forward while
:math:`A > 0` and stalls at :math:`A = 0`.

One cycle (Hill 1977): every transition carries the same stationary current

.. math:: J = \frac{k_1 k_2 k_3 k_4 \, (1 - e^{-A})}{\Sigma}, \qquad
          \Sigma = \sum_i Z_i, \quad
          Z_i = \sum_{j=0}^{3} \prod_{m=1}^{j} w^-_{i+m-1} \prod_{m=j+1}^{3} w^+_{i+m}

(:math:`Z_i` the spanning trees of the ring directed to state ``i``: the states before the cut
edge step back towards ``i``, those after it step forward), so the flows of the reservoirs into
the medium are :math:`\sigma_\mathrm{ATP} = J \Delta\mu_\mathrm{ATP}`,
:math:`\sigma_\mathrm{ion} = -J \Delta\mu_\mathrm{ion}`, the entropy production rate is
:math:`\sigma = J A \ge 0`, and the conversion efficiency of the tightly coupled pump is the
ratio of the affinities,

.. math:: \eta_{\mathrm{ATP} \to \mathrm{ion}} = -\frac{\sigma_\mathrm{ion}}{\sigma_\mathrm{ATP}}
          = \frac{\Delta\mu_\mathrm{ion}}{\Delta\mu_\mathrm{ATP}} \le 1

(Hill 1977; Seifert 2012, Sec. 7), whatever the rates. A **slip** (``slip=True``: the loaded,
phosphorylated pump turns back inward and lets its ions go inside, ``E_2PNa -> E_1`` at rate
:math:`s`, reverse :math:`s` (the states have equal free energies), reservoir ``"medium"``, entropy flow 0)
opens a second cycle that hydrolyses ATP and moves no ion: with :math:`J` the current of the
release step and :math:`J_s` that of the slip,
the ATP step carries :math:`J + J_s`, so :math:`\sigma_\mathrm{ATP} = (J + J_s)
\Delta\mu_\mathrm{ATP}`, :math:`\sigma_\mathrm{ion} = -J \Delta\mu_\mathrm{ion}` and the
efficiency drops to :math:`\eta = (\Delta\mu_\mathrm{ion} / \Delta\mu_\mathrm{ATP}) \, J / (J + J_s)`.

Symbols (all positive): ``k_1`` ... ``k_4``, ``s``, ``Delta_mu_ATP``, ``Delta_mu_ion`` (in
k_B T). States ``"E_1"``, ``"E_1Na"``, ``"E_2PNa"``, ``"E_2P"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..core.closedform import ClosedForm
from ..core.jump import JumpCurrent, MarkovJumpProcess
from ..core.jump_forms import probability_current
from ..derivation import Definition, Derivation

__all__ = ["k_1", "k_2", "k_3", "k_4", "s", "Delta_mu_ATP", "Delta_mu_ion", "STATES", "RESERVOIRS", "ion_pump",
           "ion_current", "slip_current", "ring_weights", "ring_current", "pump_quantities", "GLOSSARY"]

k_1, k_2, k_3, k_4, s = sp.symbols("k_1 k_2 k_3 k_4 s", positive=True)
#: Free energy of one ATP hydrolysis (k_B T).
Delta_mu_ATP = sp.Symbol("Delta_mu_ATP", positive=True)
#: Electrochemical free energy of the ions moved out per cycle (k_B T).
Delta_mu_ion = sp.Symbol("Delta_mu_ion", positive=True)
#: What each of the pump's symbols means, and its units, for the glossaries of the pages and reports that print them.
GLOSSARY = {**{k: (f"rate of step {i} of the pump's cycle", "per unit time")
               for i, k in enumerate((k_1, k_2, k_3, k_4), start=1)},
            Delta_mu_ATP: ("free energy of one ATP hydrolysis", "nats"),
            Delta_mu_ion: ("free energy stored in the ion gradient by one cycle", "nats"),
            r"\Delta s": ("entropy a transition carries into its reservoir (the one named beside it)", "nats")}
#: The states, in the order of the cycle.
STATES = ("E_1", "E_1Na", "E_2PNa", "E_2P")
#: The reservoir each step of the cycle exchanges with.
RESERVOIRS = {("E_1", "E_1Na"): "ions", ("E_1Na", "E_2PNa"): "atp", ("E_2PNa", "E_2P"): "ions",
              ("E_2P", "E_1"): "medium"}

_J, _Js, _Sigma = sp.symbols("J J_s Sigma", positive=True)  # named definitions of the derivation
#: How the cycle current (the turnover) is written: ``J`` is the receptor's binding current on the jump page.
_J_TEX = r"\nu"
_A = sp.Symbol("A", real=True)  # the cycle's affinity, Delta_mu_ATP - Delta_mu_ion


def _steps() -> tuple[list[Any], list[Any]]:
    """Forward rates ``i -> i+1`` and backward rates ``i+1 -> i`` around the cycle (index mod 4)."""
    forward = [k_1, k_2, k_3, k_4]
    backward = [k_1, k_2 * sp.exp(-Delta_mu_ATP), k_3 * sp.exp(Delta_mu_ion), k_4]
    return forward, backward


def ion_pump(slip: bool = False) -> MarkovJumpProcess:
    r"""The four-state pump (see the module's docstring), with the slip ``E_2PNa -> E_1`` when ``slip``.

    Examples
    --------
    >>> m = ion_pump()
    >>> m.reservoir_names, m.rate(1, 2), m.rate(2, 1), m.entropy_flow(1, 2)
    (('ions', 'atp', 'medium'), k_2, k_2*exp(-Delta_mu_ATP), Delta_mu_ATP)
    """
    if not isinstance(slip, bool):
        from ..errors import ModelError
        raise ModelError(f"slip: expected True or False but found {slip!r}")
    forward, backward = _steps()
    rates = {}
    for i in range(4):
        a, b = STATES[i], STATES[(i + 1) % 4]
        rates[(a, b)] = forward[i]
        rates[(b, a)] = backward[i]
    reservoirs = dict(RESERVOIRS)
    flows = {("E_1", "E_1Na"): 0, ("E_1Na", "E_2PNa"): Delta_mu_ATP, ("E_2PNa", "E_2P"): -Delta_mu_ion,
             ("E_2P", "E_1"): 0}
    if slip:  # the ions go back inside (no net transfer): the ATP drawn is spent, the slip exchanges nothing
        rates[("E_2PNa", "E_1")] = s
        rates[("E_1", "E_2PNa")] = s
        reservoirs[("E_2PNa", "E_1")] = "medium"
        flows[("E_2PNa", "E_1")] = 0
    return MarkovJumpProcess(rates, states=list(STATES), entropy_flow=flows, reservoirs=reservoirs)


def ion_current() -> JumpCurrent:
    r"""The ions moved out: each release ``E_2PNa -> E_2P`` counts 1 (its reverse -1); mean rate :math:`J`.

    Examples
    --------
    >>> ion_current().weights[("E_2P", "E_2PNa")]
    -1
    """
    return JumpCurrent({("E_2PNa", "E_2P"): 1}, symbol=_J_TEX)


def slip_current() -> JumpCurrent:
    r"""The slips ``E_2PNa -> E_1`` (ATP hydrolysed, no ion moved); mean rate :math:`J_s`.

    Examples
    --------
    >>> slip_current().symbol
    'J_s'
    """
    return JumpCurrent({("E_2PNa", "E_1"): 1}, symbol="J_s")


def ring_weights(forward: Sequence[Any], backward: Sequence[Any]) -> list[Any]:
    r"""Hill's spanning-tree weights :math:`Z_i` of a ring of ``n`` states (the stationary :math:`p_i = Z_i / \Sigma`).

    ``forward[i]`` is the rate of ``i -> i+1`` and ``backward[i]`` that of ``i+1 -> i``
    (indices mod ``n``). Cutting the edge between ``i+j`` and ``i+j+1`` leaves the tree in which
    the states ``i+1 .. i+j`` step back towards ``i`` and the others step forward:

    .. math:: Z_i = \sum_{j=0}^{n-1} \prod_{m=1}^{j} w^-_{i+m-1} \prod_{m=j+1}^{n-1} w^+_{i+m}

    Examples
    --------
    >>> a, b, c, d = sp.symbols("a b c d", positive=True)
    >>> ring_weights([a, b], [c, d])  # two states, two edges each way: Z_0 = b + c, Z_1 = a + d
    [b + c, a + d]
    """
    n = len(forward)
    if n < 2 or len(backward) != n:
        from ..errors import ModelError
        raise ModelError(f"ring_weights: expected n >= 2 forward and n backward rates but found {len(forward)} and "
                         f"{len(backward)}")
    out = []
    for i in range(n):
        total = sp.Integer(0)
        for j in range(n):
            back = sp.Mul(*[backward[(i + m - 1) % n] for m in range(1, j + 1)])
            ahead = sp.Mul(*[forward[(i + m) % n] for m in range(j + 1, n)])
            total += back * ahead
        out.append(total)
    return out


def ring_current(forward: Sequence[Any], backward: Sequence[Any]) -> Any:
    r"""Hill's cycle current of a ring, :math:`J = (\prod w^+ - \prod w^-) / \sum_i Z_i`.

    Examples
    --------
    >>> a, b = sp.symbols("a b", positive=True)
    >>> sp.simplify(ring_current([a, a, a], [b, b, b]) - (a - b) / 3)
    0
    """
    return (sp.Mul(*forward) - sp.Mul(*backward)) / sp.Add(*ring_weights(forward, backward))


def pump_quantities(slip: bool = False) -> Derivation:
    r"""The pump's closed forms, each a :class:`~thermotheory.Definition` naming the quantity it equals.

    Keys: ``cycle_current`` (:math:`J`, the ions moved out per unit time), with ``slip`` also
    ``slip_current`` (:math:`J_s`); ``atp_flow`` (:math:`\sigma_\mathrm{ATP}`, the entropy flow
    of the ATP steps into the medium); ``ion_flow`` (:math:`\sigma_\mathrm{ion}`);
    ``entropy_production_rate``; ``efficiency`` (:math:`\eta_{\mathrm{ATP} \to \mathrm{ion}}`).
    Tightly coupled (no slip): Hill's cycle current with :math:`\Sigma` (the sum of the
    spanning-tree weights) as a named definition, and :math:`\eta = \Delta\mu_\mathrm{ion} /
    \Delta\mu_\mathrm{ATP}`; with the slip, :math:`J` and :math:`J_s` are named definitions (the
    engine's stationary currents) and :math:`\eta = (\Delta\mu_\mathrm{ion} / \Delta\mu_\mathrm{ATP})
    J / (J + J_s)`.

    Examples
    --------
    >>> d = pump_quantities()
    >>> d["efficiency"]
    Delta_mu_ion/Delta_mu_ATP
    >>> d["entropy_production_rate"].expr  # the cycle current times the affinity A = Delta_mu_ATP - Delta_mu_ion
    A*J
    """
    from .. import registry as R

    model = ion_pump(slip)
    if not slip:
        forward, backward = _steps()
        tree_sum = sp.Add(*ring_weights(forward, backward))
        A = Delta_mu_ATP - Delta_mu_ion
        current = k_1 * k_2 * k_3 * k_4 * (1 - sp.exp(-_A)) / _Sigma
        sigma_def = [(_A, A), (_Sigma, sp.collect(sp.expand(tree_sum.subs(A, _A), power_exp=False), sp.exp(-_A)))]
        defs = sigma_def + [(_J, current)]
        names = {_A: "A", _Sigma: r"\Sigma", _J: _J_TEX}
        J_form = ClosedForm(current, sigma_def, {_A: "A", _Sigma: r"\Sigma"})
        fuel = _J
        eta = Delta_mu_ion / Delta_mu_ATP
    else:
        J_value = probability_current(model, "E_2PNa", "E_2P", form="rational")
        Js_value = probability_current(model, "E_2PNa", "E_1", form="rational")
        defs = [(_J, J_value), (_Js, Js_value)]
        names = {_J: _J_TEX, _Js: "J_s"}
        J_form = J_value
        fuel = _J + _Js
        eta = ClosedForm(Delta_mu_ion * _J / (Delta_mu_ATP * fuel), defs, names)

    def form(expr: Any) -> ClosedForm:
        return ClosedForm(expr, defs, names)

    def own(name: str, bound: Any, description: str, value: Any, symbol: str = "") -> tuple[str, Definition, Any]:
        return name, Definition(name, symbol or bound.latex(), description, check=bound), value

    # the cycle current is written J, the name the other entries use for it
    entries = [own("cycle_current", R.current_mean_rate.of(ion_current()), "ions moved out per unit time (the "
                   "cycle current)", J_form, _J_TEX)]
    if slip:
        entries.append(own("slip_current", R.current_mean_rate.of(slip_current()),
                           "slips per unit time (ATP hydrolysed, no ion moved)", Js_value))
    entries += [
        own("atp_flow", R.heat_rate.of("atp"), "entropy flow of the ATP steps into the medium (free energy drawn "
            "from ATP)", form(fuel * Delta_mu_ATP)),
        own("ion_flow", R.heat_rate.of("ions"), "entropy flow of the ion steps into the medium (minus the free "
            "energy stored in the gradient)", form(-_J * Delta_mu_ion)),
        own("entropy_production_rate", R.entropy_production_rate.of(), "total entropy production rate",
            form(_J * _A) if not slip else form(sp.factor_terms(fuel * Delta_mu_ATP - _J * Delta_mu_ion))),
        own("efficiency", R.conversion_efficiency.of("atp", "ions"), "conversion efficiency: free energy stored "
            "in the ion gradient per free energy of ATP", eta),
    ]
    return Derivation(model, entries)
