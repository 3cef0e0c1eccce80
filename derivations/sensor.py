# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A sensor that low-pass filters a fluctuating signal
#
# The velocity ``v`` of a Brownian particle is an Ornstein–Uhlenbeck process; a sensor
# (a rate neuron) ``r`` relaxes towards ``lambda v`` with its own time constant and noise:
#
# $$ dv = -\frac{v}{\tau} dt + \sqrt{2 D_v}\, dW_v, \qquad
#    dr = \frac{\lambda v - r}{\tau_r} dt + \sqrt{2 D_r}\, dW_r . $$
#
# Every quantity below is derived by the linear engine, printed, and written as LaTeX
# and Markdown to ``docs/derivations/`` (or to ``$THERMOTHEORY_OUT``).

# %%
import os

import mpmath
import sympy as sp

import thermotheory as tt
from thermotheory.export import output_dir, write_derivation
from thermotheory.derivation import Definition, Derivation

v, r = sp.symbols("v r", real=True)
tau, tau_r, lam, D_v, D_r = sp.symbols("tau tau_r lambda D_v D_r", positive=True)
model = tt.LinearSDE({v: -v / tau, r: (lam * v - r) / tau_r}, {v: D_v, r: D_r})
model

# %% [markdown]
# ## Closed forms

# %%
S = tt.stationary_covariance(model)
moments = Derivation(model, [
    ("var_v", Definition("var_v", r"\langle v^2 \rangle", "stationary variance of the signal",
                         units="squared units of $v$"), S[0, 0]),
    ("cov_vr", Definition("cov_vr", r"\langle v r \rangle", "stationary covariance of signal and sensor",
                          units="units of $v$ times units of $r$"), S[0, 1]),
    ("var_r", Definition("var_r", r"\langle r^2 \rangle", "stationary variance of the sensor",
                         units="squared units of $r$"), S[1, 1]),
])
quantities = moments | Derivation.of(model, {
    "information": tt.mutual_information.of(v, r),
    "entropy_production_rate": tt.entropy_production_rate.of(),
    "heat_rate": tt.heat_rate.of(r),
    "information_flow": tt.information_flow.of(r),
    # (after its heat rate and information flow: written as their balance, the sensor's second law)
    "partial_entropy_production_rate": tt.entropy_production_rate.of(subsystem=r),
    "efficiency": tt.efficiency.of(r),
    "filter_error": tt.filter_error.of(v, r),
    "transfer_entropy_rate": tt.transfer_entropy_rate.of(v, r),
})
for name, expr in quantities.notation().items():
    print(f"{name:>40} = {tt.compact(expr)}")

# %% [markdown]
# ## Checks of the laws on the closed forms
# The second law for the sensor, ``l_r <= Phi_r``, and the sensory capacity
# ``l_r <= T_{v->r}`` hold at every parameter point; here at one of them, at 30 digits.

# %%
point = {tau: "1.0", tau_r: "0.2", lam: "3.0", D_v: "1.0", D_r: "0.5"}
values = {name: tt.evaluate(expr, point, dps=30) for name, expr in quantities.items()}
assert values["information_flow"] <= values["heat_rate"]
assert values["information_flow"] <= values["transfer_entropy_rate"]
for name, val in values.items():
    print(f"{name:>40} = {mpmath.nstr(val, 25)}")

# %% [markdown]
# ## Monte Carlo checks
# Every stationary quantity is estimated from simulated paths (estimators that never call
# the closed forms) and compared with its closed form by a z-test (|z| <= 4 passes).
# ``THERMOTHEORY_FAST=1`` (used by the tests) runs fewer paths.

# %%
fast = os.environ.get("THERMOTHEORY_FAST") == "1"
numbers = {symbol: float(value) for symbol, value in point.items()}
table = tt.verify_all(model, values=numbers, seed=2024, paths=400 if fast else 2000,
                      **({"duration": 10.0} if fast else {}))
print(table)
assert table.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation(
    "sensor", "Sensor of an Ornstein–Uhlenbeck signal", model, quantities, output_dir(__file__),
    text="The velocity $v$ of a Brownian particle is an Ornstein–Uhlenbeck process; a sensor (a rate neuron) $r$ "
         "relaxes towards $\\lambda v$ with its own time constant and noise. Both noises are white and "
         "independent and the state is stationary. The information flow, heat rate, efficiency and sensory "
         "capacity are those of the bipartite sensors of Horowitz and Esposito (2014) and Hartich, Barato and "
         "Seifert (2016); every closed form is checked by Monte Carlo.",
    glossary={v: ("signal (velocity of the particle)", "speed"), r: ("sensor (rate of the neuron)", "arbitrary units"),
              tau: ("correlation time of the signal", "time"), tau_r: ("time constant of the sensor", "time"),
              lam: ("gain of the sensor", "units of $r$ per unit of $v$"),
              D_v: ("noise intensity of the signal", "squared units of $v$ per unit time"),
              D_r: ("noise intensity of the sensor", "squared units of $r$ per unit time")},
    references=["hartich2016"])
print(f"wrote {tex} and {md}")
