# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Two particles coupled by a spring, each in its own heat bath
#
# Two overdamped particles in harmonic traps (stiffness ``k``), coupled by a spring
# ``kappa``, with friction ``gamma`` and temperatures ``T_1``, ``T_2``:
#
# $$ \gamma\, dx_1 = -(k x_1 + \kappa (x_1 - x_2))\, dt + \sqrt{2 \gamma T_1}\, dW_1 $$
#
# and the same for ``x_2``. Heat flows from the hot bath to the cold one through the
# spring; the steady entropy production is that heat flow times ``1/T_2 - 1/T_1``.
# Every quantity is derived, checked against the laws, verified by Monte Carlo, and
# written as LaTeX and Markdown to ``docs/derivations/`` (or ``$THERMOTHEORY_OUT``).

# %%
import os

import sympy as sp

import thermotheory as tt
from thermotheory.export import output_dir, write_derivation
from thermotheory.derivation import Definition, Derivation

x1, x2 = sp.symbols("x_1 x_2", real=True)
k, kappa, gamma, T1, T2 = sp.symbols("k kappa gamma T_1 T_2", positive=True)
model = tt.LinearSDE(
    {x1: -(k * x1 + kappa * (x1 - x2)) / gamma, x2: -(k * x2 + kappa * (x2 - x1)) / gamma},
    {x1: T1 / gamma, x2: T2 / gamma},
)
model

# %% [markdown]
# ## Closed forms

# %%
S = tt.stationary_covariance(model)
quantities = Derivation(model, [
    ("var_x1", Definition("var_x1", r"\langle x_1^2 \rangle", "stationary variance of $x_1$",
                         units="squared length"), S[0, 0]),
    ("cov_x1_x2", Definition("cov_x1_x2", r"\langle x_1 x_2 \rangle", "stationary covariance of $x_1$ and $x_2$",
                            units="squared length"),
     S[0, 1]),
]) | Derivation.of(model, {
    "information": tt.mutual_information.of(x1, x2),
    "entropy_production_rate": tt.entropy_production_rate.of(),
    "heat_rate_1": tt.heat_rate.of(x1),
    "heat_rate_2": tt.heat_rate.of(x2),
    "information_flow_2": tt.information_flow.of(x2),
    "entropy_production_rate_2": tt.entropy_production_rate.of(subsystem=x2),
    "transfer_entropy_rate": tt.transfer_entropy_rate.of(x1, x2),
    "filter_error": tt.filter_error.of(x1, x2),
})
for name, expr in quantities.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")

# %% [markdown]
# ## The laws, on the closed forms
# In the steady state the entropy production is the total entropy flow into the two
# baths, it vanishes at equal temperatures, and the information flows into the two
# particles cancel.

# %%
Pi = quantities["entropy_production_rate"]
assert sp.simplify(Pi - quantities["heat_rate_1"] - quantities["heat_rate_2"]) == 0
assert sp.simplify(Pi.subs(T2, T1)) == 0
assert sp.simplify(tt.information_flow(model, subsystem=x1) + quantities["information_flow_2"]) == 0
heat_flow = sp.simplify(T1 * quantities["heat_rate_1"])  # heat per unit time into bath 1
print("heat flow out of bath 1:", sp.factor(-heat_flow))
assert sp.simplify(Pi - (-heat_flow) * (1 / T2 - 1 / T1)) == 0

# %% [markdown]
# ## Monte Carlo checks

# %%
fast = os.environ.get("THERMOTHEORY_FAST") == "1"
values = {k: 1.0, kappa: 0.8, gamma: 1.0, T1: 2.0, T2: 0.5}
table = tt.verify_all(model, values=values, seed=7, paths=400 if fast else 2000, **({"duration": 10.0} if fast else {}))
print(table)
assert table.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation(
    "two_temperatures", "Two particles at two temperatures", model, quantities, output_dir(__file__),
    text="Two overdamped particles in harmonic traps, coupled by a spring, each in its own heat bath. Heat "
         "flows from the hot bath to the cold one through the spring; the steady entropy production is that "
         "heat flow times the difference of the inverse temperatures, and it vanishes at equal temperatures. "
         "The information flows into the two particles cancel in the steady state.",
    glossary={x1: ("position of the first particle", "length"),
              x2: ("position of the second particle", "length"),
              k: ("stiffness of each trap", "energy per squared length"),
              kappa: ("stiffness of the coupling spring", "energy per squared length"),
              gamma: ("friction coefficient", "energy times time per squared length"),
              T1: ("temperature of the first bath", "energy"), T2: ("temperature of the second bath", "energy")},
    references=["sekimoto2010", "seifert2012"])
print(f"wrote {tex} and {md}")
