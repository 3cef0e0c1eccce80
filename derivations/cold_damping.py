# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Cold damping: a feedback force that cools an oscillator, and its entropy pumping
#
# A harmonic oscillator (mass ``m``, stiffness ``k``) in a bath at temperature ``T``
# with friction ``gamma``; a feedback loop measures its velocity and applies the force
# ``-gamma' v`` (cold damping, as used to cool the cantilever of a force microscope):
#
# $$ dx = v\, dt, \qquad m\, dv = (-k x - \gamma v - \gamma' v)\, dt + \sqrt{2 \gamma T}\, dW . $$
#
# The velocity is odd under time reversal, so friction and feedback look alike to the
# parity split of the drift: without more information the engine sees an equilibrium
# oscillator at the temperature ``gamma T / (gamma + gamma')``, with no heat and no
# entropy production. Declaring the feedback (``feedback={v: -gamma' v / m}``) separates
# it from the bath's friction: the bath then gives heat to the oscillator, and the
# entropy production gains the entropy pumping ``gamma' / m`` of the feedback
# (Kim & Qian 2004; Munakata & Rosinberg 2014). Every quantity is derived, checked
# against the published forms and the laws, verified by Monte Carlo, and written as
# LaTeX and Markdown to ``docs/derivations/`` (or to ``$THERMOTHEORY_OUT``); the gain
# ``gamma'`` is written ``gamma_fb`` there.

# %%
import os

import sympy as sp

import thermotheory as tt
from thermotheory.core.thermo import entropy_pumping_rate
from thermotheory.export import output_dir, write_derivation
from thermotheory.derivation import Definition, Derivation
from thermotheory.models import feedback as F

x, v = sp.symbols("x v", real=True)
m, k, T, gamma, gamma_p = sp.symbols("m k T gamma gamma_fb", positive=True)  # gamma_fb: the gain gamma'
drift = {x: v, v: (-k * x - gamma * v - gamma_p * v) / m}
model = tt.LinearSDE(drift, {v: gamma * T / m**2}, parity={v: -1}, feedback={v: -gamma_p * v / m})
model

# %% [markdown]
# ## Closed forms
# The stationary variances (equipartition at the lowered temperature), the heat rate of
# the bath (entropy flow into it: negative, the bath is cooled), the entropy pumping of
# the feedback and the total entropy production.

# %%
S = tt.stationary_covariance(model)
quantities = Derivation(model, [
    ("var_x", Definition("var_x", r"\langle x^2 \rangle", "stationary variance of the position",
                         units="squared length"), S[0, 0]),
    ("var_v", Definition("var_v", r"\langle v^2 \rangle", "stationary variance of the velocity",
                         units="squared speed"), S[1, 1]),
]) | Derivation.of(model, {
    "heat_rate": tt.heat_rate.of(v),
    "entropy_production_rate": tt.entropy_production_rate.of(),
}) | Derivation(model, [
    ("entropy_pumping", Definition("entropy_pumping", r"\dot S_{\mathrm{pump}}", "entropy pumping of the feedback",
                                   units="nats per unit time"),
     entropy_pumping_rate(model)),
])
for name, expr in quantities.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")

# %% [markdown]
# ## The published forms and the laws, on the closed forms
# Equipartition at ``T_eff = gamma T / (gamma + gamma')``; the bath heat
# ``-gamma gamma' T / (m (gamma + gamma'))`` in energy per unit time, whatever the
# stiffness; entropy production = heat rate + entropy pumping = ``gamma'^2 / (m (gamma +
# gamma'))`` >= 0, so the Munakata–Rosinberg second law ``Phi >= -S_pump`` holds with
# the gap the entropy production. Without the declaration the same drift is an
# equilibrium one, and with no feedback (``gamma' -> 0``) heat and entropy production vanish.

# %%
T_eff = gamma * T / (gamma + gamma_p)
assert sp.simplify(quantities["var_v"] - T_eff / m) == 0
assert sp.simplify(quantities["var_x"] - T_eff / k) == 0
Phi, Pi, pump = quantities["heat_rate"], quantities["entropy_production_rate"], quantities["entropy_pumping"]
assert sp.simplify(T * Phi + gamma * gamma_p * T / (m * (gamma + gamma_p))) == 0
assert sp.simplify(pump - gamma_p / m) == 0
assert sp.simplify(Pi - Phi - pump) == 0
assert sp.simplify(Pi - gamma_p**2 / (m * (gamma + gamma_p))) == 0
assert sp.limit(Phi, gamma_p, 0) == 0 and sp.limit(Pi, gamma_p, 0) == 0
undeclared = tt.LinearSDE(drift, {v: gamma * T / m**2}, parity={v: -1})
assert sp.simplify(tt.heat_rate(undeclared, v)) == 0 and sp.simplify(tt.entropy_production_rate(undeclared)) == 0
print("heat per unit time into the bath:", sp.factor(sp.simplify(T * Phi)))

# %% [markdown]
# ## Monte Carlo checks
# The bath heat (a Stratonovich sum over the bath's friction and noise only) and the
# entropy production (heat, change of the system's entropy and pumping) are estimated
# from simulated paths and compared with the closed forms through ``verify``.
# ``THERMOTHEORY_FAST=1`` (used by the tests) runs fewer paths.

# %%
fast = os.environ.get("THERMOTHEORY_FAST") == "1"
values = {m: 1.0, k: 1.0, T: 1.0, gamma: 1.0, gamma_p: 1.5}
table = quantities.verify(values=values, seed=2004, paths=512 if fast else 2048,
                          **({"duration": 20.0} if fast else {}))
print(table)
assert table.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation(
    "cold_damping", "Cold damping and entropy pumping", model, quantities, output_dir(__file__),
    text="A harmonic oscillator in a bath, cooled by a feedback force proportional to its velocity (cold "
         "damping). The velocity is odd under time reversal; the feedback is declared as such, so that the bath's "
         "heat and the entropy pumping of the feedback are told apart (Kim and Qian 2004; Munakata and "
         "Rosinberg 2014). The stationary state is at the lowered temperature $\\gamma T / (\\gamma + "
         "\\gamma_{\\mathrm{fb}})$; the bath is cooled, and the entropy production is the heat rate plus the pumping.",
    glossary=F.GLOSSARY,
    references=["kim2004", "munakata2014"])
print(f"wrote {tex} and {md}")
