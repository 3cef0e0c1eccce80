r"""Efficiency of a machine with declared input and output reservoirs (a Markov jump process).

A molecular machine (an ion pump, a motor, a transporter) draws free energy from one
reservoir (the *input*: ATP hydrolysis) and stores part of it in another (the *output*: ions
moved against their electrochemical gradient). Each transition of a
:class:`~thermotheory.core.jump.MarkovJumpProcess` exchanges with one reservoir
(``reservoirs={(a, b): "name"}``), and the stationary entropy flow into the medium from the
jumps of reservoir ``r`` is

.. math:: \sigma_r = \sum_{r\text{-jumps}\ i \to j} p_i w_{ij} F_{ij}

(:func:`~thermotheory.core.jump_forms.heat_rate` with ``reservoir=r``; :math:`F_{ij}` the
jump's entropy flow, local detailed balance :math:`\ln(w_{ij}/w_{ji})` unless declared). The
**conversion efficiency** is the free energy stored in the output per free energy drawn from
the input,

.. math:: \eta_{\mathrm{in} \to \mathrm{out}} = -\frac{\sigma_\mathrm{out}}{\sigma_\mathrm{in}} .

When the input dissipates (:math:`\sigma_\mathrm{in} > 0`) and no other reservoir supplies free
energy (:math:`\sigma_r \le 0` for the others, as with two reservoirs only), the second law
:math:`\sigma = \sum_r \sigma_r \ge 0` gives :math:`\eta \le 1`, tending to 1 towards
reversibility (stall, where both flows vanish). A tightly coupled one-cycle machine moves one cycle current :math:`J`
through every transition, so :math:`\sigma_\mathrm{in} = J F_\mathrm{in}` and
:math:`\sigma_\mathrm{out} = -J F_\mathrm{out}` and :math:`\eta = F_\mathrm{out}/F_\mathrm{in}`,
the ratio of the affinities (Seifert 2012, Sec. 7; Hill 1977). Where
:math:`\sigma_\mathrm{in} < 0` the machine runs backwards (the output drives the input) and the
returned ratio is at least 1: its efficiency is then ``1 / eta`` of the reversed declaration.

Conventions: ``k_B = 1``, nats, rates per unit time, entropy flow into the medium.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..errors import NotAModel, UndefinedEfficiency, UnknownReservoir
from .closedform import ClosedForm, check_form
from .jump_forms import _flux, _flows_where, _kinetic, _structured, heat_rate

__all__ = ["conversion_efficiency", "reservoir_flows", "ZERO_FLOW_TOLERANCE"]

#: A numeric input flow at most this fraction of the input's one-way entropy flux is taken as zero (refused).
ZERO_FLOW_TOLERANCE = 1e-12


def _check_model(model: Any, what: str) -> None:
    if getattr(type(model), "kind", None) != "jump":
        raise NotAModel(f"{what}: expected a MarkovJumpProcess but found {type(model).__name__}")


def _reservoir(model: Any, name: Any, role: str) -> str:
    names = tuple(model.reservoir_names)
    if not isinstance(name, str) or name not in names:
        raise UnknownReservoir(f"conversion_efficiency: the {role} {name!r:.60} is not a reservoir of the model; its "
                               f"reservoirs are {list(names)} (declare them with reservoirs={{(a, b): 'name'}})")
    return name


def reservoir_flows(model: Any, form: str | None = None) -> dict[str, Any]:
    r"""The stationary entropy flow into the medium from each reservoir's jumps, :math:`\{r: \sigma_r\}`.

    Their sum is the total entropy flow, which equals the entropy production rate in the
    stationary state (the system's entropy does not change).

    Parameters
    ----------
    model : MarkovJumpProcess
    form : {None, "structured", "rational"}
        As for :func:`~thermotheory.core.jump_forms.heat_rate` (symbolic models).

    Returns
    -------
    dict
        ``{name: flow}`` over ``model.reservoir_names``: floats (numeric model) or sympy
        expressions / ClosedForms.

    Examples
    --------
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> m = MarkovJumpProcess({(0, 1): 2.0, (1, 0): 1.0, (1, 2): 1.0, (2, 1): 1.0, (2, 0): 1.0, (0, 2): 1.0},
    ...                       reservoirs={(0, 1): "fuel"})
    >>> flows = reservoir_flows(m)
    >>> sorted(flows), round(flows["fuel"], 6), round(flows["medium"], 12)
    (['fuel', 'medium'], 0.057762, 0.0)
    """
    _check_model(model, "reservoir_flows")
    return {name: heat_rate(model, reservoir=name, form=form) for name in model.reservoir_names}


def _is_zero(value: Any) -> bool:
    expr = value.expr if isinstance(value, ClosedForm) else value
    if expr == 0:
        return True
    return bool(getattr(expr, "is_zero", False))


def conversion_efficiency(model: Any, input: str, output: str, form: str | None = None) -> Any:
    r"""Conversion efficiency :math:`\eta = -\sigma_\mathrm{out} / \sigma_\mathrm{in}` of a machine with two reservoirs.

    .. math:: \sigma_r = \sum_{r\text{-jumps}\ i \to j} p_i w_{ij} F_{ij}, \qquad
              \eta_{\mathrm{in} \to \mathrm{out}} = -\frac{\sigma_\mathrm{out}}{\sigma_\mathrm{in}}

    the free energy stored in the output per free energy drawn from the input (dimensionless,
    both flows in nats per unit time). At most 1 when the input dissipates and no other
    reservoir supplies free energy (their flows at most zero, as with two reservoirs only),
    tending to 1 at reversibility (stall); for a tightly coupled
    one-cycle machine it is the ratio of the output's to the input's affinity.

    Parameters
    ----------
    model : MarkovJumpProcess
        With reservoirs declared per transition (``reservoirs={(a, b): "name"}``).
    input, output : str
        Names of two different reservoirs of ``model.reservoir_names``.
    form : {None, "structured", "rational"}
        For a symbolic model: the form of the two flows (see
        :func:`~thermotheory.core.jump_forms.heat_rate`).

    Returns
    -------
    float (numeric model), sympy expression or ClosedForm (symbolic)

    Raises
    ------
    UnknownReservoir
        For a name that is not a reservoir of the model.
    UndefinedEfficiency
        When ``input == output``, or the input's entropy flow is zero (the machine is at
        rest in the input's direction: the ratio is undefined).
    IrreversibleTransition
        For a jump of the two reservoirs without its reverse and no declared entropy flow.
    NotErgodic, TooLarge
        As for the stationary distribution.

    References
    ----------
    Seifert, Rep. Prog. Phys. 75, 126001 (2012), Sec. 7 (molecular machines); Hill, *Free
    Energy Transduction in Biology* (1977).

    Examples
    --------
    >>> import sympy as sp
    >>> from thermotheory.core.jump import MarkovJumpProcess
    >>> k, f_in, f_out = sp.symbols("k F_in F_out", positive=True)
    >>> machine = MarkovJumpProcess({(0, 1): k, (1, 0): k * sp.exp(-f_in), (1, 2): k, (2, 1): k * sp.exp(f_out),
    ...                              (2, 0): k, (0, 2): k},
    ...                             reservoirs={(0, 1): "in", (1, 2): "out", (2, 0): "medium"})
    >>> conversion_efficiency(machine, "in", "out")  # tightly coupled: the ratio of the affinities
    F_out/F_in
    """
    _check_model(model, "conversion_efficiency")
    _reservoir(model, input, "input")
    _reservoir(model, output, "output")
    if input == output:
        raise UndefinedEfficiency(f"conversion_efficiency: the input and the output are the same reservoir "
                                  f"{input!r}; name two different reservoirs of {list(model.reservoir_names)}")
    if model.is_numeric:
        check_form(form)
        s_in = heat_rate(model, reservoir=input)
        s_out = heat_rate(model, reservoir=output)
        mask = model.reservoir_edges() == model.reservoir_names.index(input)
        scale = float(np.abs(_flux(model)[mask] * _flows_where(model, mask)[mask]).sum())
        if s_in == 0 or abs(s_in) <= ZERO_FLOW_TOLERANCE * scale:
            raise UndefinedEfficiency(
                f"conversion_efficiency: the entropy flow of the input {input!r} is zero ({s_in:.3g} against a one-way "
                f"flux of {scale:.3g}), so the efficiency is undefined: the machine draws no free energy from it "
                "(at stall, or the input's jumps carry no entropy flow); change the parameters or the input")
        return float(-s_out / s_in)
    inner = "structured" if _structured(_kinetic(model), form) else "rational"
    s_in = heat_rate(model, reservoir=input, form=inner)
    if _is_zero(s_in):
        raise UndefinedEfficiency(f"conversion_efficiency: the entropy flow of the input {input!r} is zero for all "
                                  "parameters (its jumps carry no entropy flow, or no net current), so the efficiency "
                                  "is undefined; name another input")
    s_out = heat_rate(model, reservoir=output, form=inner)
    out = -s_out / s_in
    if isinstance(out, ClosedForm):
        return out
    return sp.factor_terms(out)
