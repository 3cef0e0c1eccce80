r"""Kinetic proofreading (Hopfield 1974) as a Markov jump process.

An enzyme ``E`` binds a right substrate (complex ``R``) or a wrong one (``W``) at the same
rate :math:`k_\mathrm{on}`; the wrong one leaves faster, :math:`\kappa e^{\Delta}` against
:math:`\kappa`. A bound complex is activated (``R*``, ``W*``, using one ATP) at rate ``m``;
an activated complex either makes its product at rate ``w`` or is discarded, at rate ``l``
(right) or :math:`l e^{\Delta}` (wrong): the second chance to reject a wrong substrate. Both
routes return the enzyme to ``E``, so the jump ``R* -> E`` happens at rate ``l + w`` and a
fraction :math:`w/(l + w)` of those jumps make a product.

With the branch's stationary state, :math:`p_{\mathrm{R}^*} = m k_\mathrm{on} p_{\mathrm{E}} / ((\kappa + m)(l + w))`,
the **error fraction** (wrong products per right product) is

.. math:: \epsilon = \frac{v_{\mathrm{W}}}{v_{\mathrm{R}}}
          = \frac{(\kappa + m)(l + w)}{(\kappa e^{\Delta} + m)(l e^{\Delta} + w)}
          \;\longrightarrow\; e^{-2\Delta} \quad (m \ll \kappa,\ w \ll l),

the square of the equilibrium discrimination :math:`e^{-\Delta}` that one binding step gives
(:math:`l \to 0`: no proofreading, :math:`\epsilon \to (\kappa + m)/(\kappa e^\Delta + m)`).
The price is the activations (ATP) spent per product made, :math:`(l + w)/w` on the right
branch. The published scheme has no reverse transitions: its entropy production is infinite
(the engine refuses it with a named error); its currents are finite.

Symbols (all positive): ``k_on``, ``kappa``, ``Delta`` (discrimination, in k_B T), ``m``,
``l``, ``w``. States ``"E"``, ``"R"``, ``"R*"``, ``"W"``, ``"W*"``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..core.closedform import ClosedForm
from ..core.jump import JumpCurrent, MarkovJumpProcess
from ..derivation import Definition, Derivation

__all__ = ["k_on", "kappa", "Delta", "m", "l", "w", "STATES", "proofreading", "product_currents",
           "proofreading_quantities", "GLOSSARY"]

k_on, kappa, m, l, w = sp.symbols("k_on kappa m l w", positive=True)
#: Discrimination free energy between the wrong and the right substrate (k_B T).
Delta = sp.Symbol("Delta", positive=True)
#: What each of the scheme's symbols means, and its units, for the glossaries of the pages and reports that print them.
GLOSSARY = {k_on: ("rate at which the enzyme binds a substrate", "per unit time"),
            kappa: ("rate at which the right substrate unbinds", "per unit time"),
            Delta: ("discrimination: the wrong substrate unbinds and is discarded $e^{\\Delta}$ times faster", "--"),
            m: ("activation rate of a complex (one ATP)", "per unit time"),
            l: ("rate at which an activated right complex is discarded", "per unit time"),
            w: ("rate at which an activated complex makes the product", "per unit time"),
            # the states
            r"\mathrm{E}": ("the free enzyme (a state)", "--"),
            r"\mathrm{R}": ("the enzyme bound to the right substrate (a state)", "--"),
            r"\mathrm{W}": ("the enzyme bound to the wrong substrate (a state)", "--"),
            r"\text{R*}": ("the right complex activated by an ATP (a state)", "--"),
            r"\text{W*}": ("the wrong complex activated by an ATP (a state)", "--")}
_PE = sp.Symbol("p_E", positive=True)  # the free enzyme's probability, a named definition
#: The states: free enzyme, right and wrong complexes, and their activated forms.
STATES = ("E", "R", "R*", "W", "W*")


def proofreading() -> MarkovJumpProcess:
    r"""Hopfield's proofreading scheme (see the module's docstring).

    Examples
    --------
    >>> proofreading().rate(2, 0)  # R* -> E: discarded or made into product
    l + w
    """
    wrong = sp.exp(Delta)
    return MarkovJumpProcess({
        ("E", "R"): k_on, ("R", "E"): kappa, ("R", "R*"): m, ("R*", "E"): l + w,
        ("E", "W"): k_on, ("W", "E"): kappa * wrong, ("W", "W*"): m, ("W*", "E"): l * wrong + w,
    }, states=list(STATES))


def product_currents() -> tuple[JumpCurrent, JumpCurrent]:
    r"""The products of the right and of the wrong branch, as counting currents.

    Each jump ``R* -> E`` counts :math:`w / (l + w)`, the probability that it made a product
    (likewise ``W* -> E``): their mean rates are the product fluxes :math:`v_{\mathrm{R}}`, :math:`v_{\mathrm{W}}`.

    Examples
    --------
    >>> right, wrong = product_currents()
    >>> right.weights[("R*", "E")]
    w/(l + w)
    """
    return (JumpCurrent({("R*", "E"): w / (l + w)}, symbol=r"v_{\mathrm{R}}"),
            JumpCurrent({("W*", "E"): w / (l * sp.exp(Delta) + w)}, symbol=r"v_{\mathrm{W}}"))


def proofreading_quantities() -> Derivation:
    r"""Hopfield's closed forms: the product fluxes, the error fraction and its limits, the ATP per product.

    Keys: ``free_enzyme`` (:math:`p_{\mathrm{E}}`), ``right_flux`` (:math:`v_{\mathrm{R}}`), ``wrong_flux``
    (:math:`v_{\mathrm{W}}`), ``error`` (:math:`\epsilon`), ``error_limit`` (:math:`\epsilon_\infty = e^{-2\Delta}`),
    ``error_equilibrium`` (:math:`\epsilon_0 = e^{-\Delta}`, one discrimination step),
    ``activations_per_product`` (:math:`(m p_{\mathrm{R}} + m p_{\mathrm{W}})/(v_{\mathrm{R}} + v_{\mathrm{W}})`).

    Examples
    --------
    >>> d = proofreading_quantities()
    >>> sp.limit(sp.limit(d["error"], m, 0), w, 0)
    exp(-2*Delta)
    """
    wrong = sp.exp(Delta)
    branch = {}
    for name, off, discard in (("R", kappa, l), ("W", kappa * wrong, l * wrong)):
        # p_bound / p_E and p_active / p_E: what enters a complex leaves it by unbinding or activation
        branch[name] = (k_on / (off + m), k_on * m / ((off + m) * (discard + w)), (off, discard))
    p_E = 1 / (1 + sum(k_on * (d + w + m) / ((o + m) * (d + w)) for _, _, (o, d) in branch.values()))
    v_R, v_W = (ClosedForm(w * branch[b][1] * _PE, [(_PE, p_E)], {_PE: r"p_{\mathrm{E}}"}) for b in ("R", "W"))
    (o_R, d_R), (o_W, d_W) = branch["R"][2], branch["W"][2]
    per_product = (1 / (o_R + m) + 1 / (o_W + m)) / (w / ((o_R + m) * (d_R + w)) + w / ((o_W + m) * (d_W + w)))
    return Derivation(proofreading(), [
        ("free_enzyme", Definition("free_enzyme", r"p_{\mathrm{E}}", "stationary probability of the free enzyme"), p_E),
        ("right_flux", Definition("right_flux", r"v_{\mathrm{R}}", "rate of right products", units="per unit time"),
         v_R),
        ("wrong_flux", Definition("wrong_flux", r"v_{\mathrm{W}}", "rate of wrong products", units="per unit time"),
         v_W),
        ("error", Definition("error", r"\epsilon", "error fraction: wrong products per right product"),
         (kappa + m) * (l + w) / ((kappa * wrong + m) * (l * wrong + w))),
        ("error_limit", Definition("error_limit", r"\epsilon_\infty", "error fraction for slow activation and "
                                   r"catalysis ($m, w \to 0$)"), sp.exp(-2 * Delta)),
        ("error_equilibrium", Definition("error_equilibrium", r"\epsilon_0", "error fraction of one discrimination "
                                         "step"), sp.exp(-Delta)),
        ("activations_per_product", Definition("activations_per_product", r"n_\mathrm{ATP}",
                                               "activations (ATP) spent per product"),
         per_product),
    ])
