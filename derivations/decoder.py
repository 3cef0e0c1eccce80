# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Neurons that decode a particle's velocity
#
# The models of `thermotheory.models.decoder`: one rate neuron relaxing towards ``g v``,
# and a population of ``N`` identical neurons with ``N`` kept symbolic. Every closed form
# is derived by the engine, checked against its bounds and limits, verified by Monte
# Carlo, and written as LaTeX and Markdown with a figure to ``docs/derivations/`` (or
# ``$THERMOTHEORY_OUT``). ``THERMOTHEORY_FAST=1`` runs fewer paths.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import decoder as B  # noqa: E402
from thermotheory.derivation import Derivation  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)
point = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}

# %% [markdown]
# ## One neuron

# %%
one = B.one_neuron()
q1 = B.neuron_quantities()
one_q = q1  # a Derivation: each closed form knows its quantity, and so its notation
for name, expr in one_q.notation().items():
    print(f"{name:>50} = {tt.compact(expr)}")
vals = {k: float(e.subs(point)) for k, e in q1.items()}
assert vals["efficiency"] <= 1 and vals["sensory_capacity"] <= 1 and vals["decoder_optimality"] <= 1
cost = B.energy_cost(vals["heat_rate"])
print(f"cost: {cost['kT_per_time']:.4f} k_B T and {cost['ATP_per_time']:.4f} ATP per unit time")
tau_best, cap = B.optimum({k: v for k, v in point.items() if k != B.tau_n})
print(f"sensory capacity is highest ({cap:.6f}) at tau_n = {tau_best:.6f}: the neuron is then the Kalman filter")

# %%
table = tt.verify_all(one, values=point, seed=21, paths=400 if fast else 2000, **({"duration": 10.0} if fast else {}))
print(table)
assert table.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## A population of N identical neurons
# The information saturates at ``1/2 ln(1 + tau_v / tau_n)`` while the cost grows like ``N``.

# %%
qN = B.population_quantities()
limits = B.large_population_limits()
pop_q = Derivation(qN.model, [*((k, qN.quantity(k), qN[k]) for k in ("information", "heat_rate", "information_flow",
                                                                      "efficiency", "kalman_error")),
                              *((f"limit_{k}", limits.quantity(k), limits[k]) for k in ("information",
                                                                                       "heat_rate_per_neuron"))])
for name, expr in pop_q.notation().items():
    print(f"{name:>40} = {tt.compact(expr)}")
assert sp.simplify(limits["information"] - sp.log(1 + B.tau_v / B.tau_n) / 2) == 0

# %%
n_check = 3
full = B.heterogeneous_population([B.g] * n_check, [B.tau_n] * n_check, [B.sigma_n] * n_check).subs(point)
xs = list(full.variables[1:])
# the closed forms of the reduced model (v, x̄) at N = 3, checked on the full model of three neurons
mi = tt.verify(full, tt.mutual_information.of("v", xs), theory=qN["information"].subs(point).subs(B.N, n_check),
               seed=4, paths=2048 if fast else None)
heat = tt.verify(full, tt.heat_rate.of(xs), theory=qN["heat_rate"].subs(point).subs(B.N, n_check), seed=5,
                 paths=400 if fast else None)
print(tt.VerificationTable([mi, heat]))
assert mi.passed and heat.passed, "the population's closed forms disagree with the full model's Monte Carlo estimate"

# %% [markdown]
# ## A population of three different neurons
# Each neuron has its own gain ``g_i``, time constant ``tau_i`` and noise ``sigma_i``. As
# one cancelled quotient the mutual information has about 26,600 operations; the engine
# returns it in structured form instead (``form=None`` picks it by size): a ratio of
# determinants of covariance blocks, with each covariance entry a short rational
# expression. The same object evaluates, compiles to numpy and expands on request
# (``form="rational"``).

# %%
n_het = 3
g_i = sp.symbols(f"g_1:{n_het + 1}", positive=True)
tau_i = sp.symbols(f"tau_1:{n_het + 1}", positive=True)
sigma_i = sp.symbols(f"sigma_1:{n_het + 1}", positive=True)
het = B.heterogeneous_population(g_i, tau_i, sigma_i)
x_het = list(het.variables[1:])
het_q = Derivation.of(het, {"information": tt.mutual_information.of(B.v, x_het),
                               "information_flow": tt.information_flow.of(x_het[0]),
                               "heat_rate": tt.heat_rate.of(x_het[0])})
for name, q in het_q.items():
    name = het_q.quantity(name).latex()
    size = q.count_ops() if isinstance(q, tt.ClosedForm) else sp.count_ops(q)
    print(f"{name:>22} = {q.expr if isinstance(q, tt.ClosedForm) else q}   ({size} operations in all)")
assert isinstance(het_q["information"], tt.ClosedForm)
het_point = {B.tau_v: 1.0, B.sigma_v: 1.0, **dict(zip(g_i, (1.5, 1.0, 2.0))), **dict(zip(tau_i, (0.4, 0.8, 0.2))),
             **dict(zip(sigma_i, (0.7, 0.5, 1.0)))}

# %%
for name in het_q:
    record = tt.verify(het, het_q.quantity(name), values=het_point, seed=31, paths=None if not fast else
                       (8000 if name == "information" else 600))
    print(record)
    assert record.passed, f"{name}: the closed form disagrees with its Monte Carlo estimate"
    # the structured closed form, evaluated, is the value the Monte Carlo run was checked against
    assert abs(float(tt.evaluate(het_q[name], het_point)) - record.theory) <= 1e-9 * abs(record.theory)

# %% [markdown]
# ## Figure: information and cost against N, theory and simulation

# %%
ns = np.arange(1, 17)
info_f = sp.lambdify(B.N, qN["information"].subs(point), "numpy")
heat_f = sp.lambdify(B.N, qN["heat_rate"].subs(point), "numpy")
fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
a1.plot(ns, info_f(ns), label="theory")
a1.axhline(float(limits["information"].subs(point)), ls="--", c="gray", label=r"$N\to\infty$")
a1.errorbar([n_check], [mi.estimate], yerr=[4 * mi.stderr], fmt="o", label="Monte Carlo (4 s.e.)")
a1.set_xlabel("N")
a1.set_ylabel("I(v; x) [nats]")
a1.legend()
a2.plot(ns, heat_f(ns), label="theory")
a2.errorbar([n_check], [heat.estimate], yerr=[4 * heat.stderr], fmt="o", label="Monte Carlo (4 s.e.)")
a2.set_xlabel("N")
a2.set_ylabel(r"heat rate [$k_B T$ per unit time]")
a2.legend()
fig_path = save_figure(fig, "decoder", out)

# %% [markdown]
# ## Export

# %%
# The same closed forms in the dimensionless groups rho = tau_n / tau_v and the signal-to-noise
# ratio SNR = g^2 sigma_v^2 / sigma_n^2, rates in units of 1 / tau_v (B.UNITS).
def in_groups(d):
    return Derivation(d.model, [(name, d.quantity(name), B.UNITS(expr)) for name, expr in d.items()])


one_groups, pop_groups = in_groups(one_q), in_groups(pop_q)
for name, form in one_groups.items():  # the dimensionless form is the same number
    vals = dict(point)
    assert abs(float(form.evaluate(vals)) - float(tt.evaluate(one_q[name], vals))) <= 1e-12 * max(
        1.0, abs(float(tt.evaluate(one_q[name], vals))))
tex, md = write_derivation("decoder", "Neurons decoding a velocity", one, one_q, out,
                           sections=[("One neuron, in dimensionless groups", one, one_groups),
                                     ("A population of $N$ neurons (mean rate)", B.population(), pop_q),
                                     ("A population of $N$ neurons, in dimensionless groups", B.population(),
                                      pop_groups),
                                     ("A population of three different neurons", het, het_q,
                                      "Each neuron has its own gain, time constant and noise. The mutual "
                                      "information is written in structured form: a ratio of determinants of "
                                      "blocks of the stationary covariance, each entry a short rational "
                                      "expression.")],
                           figures=[fig_path.name],
                           text="The velocity $v$ of a Brownian particle (an Ornstein–Uhlenbeck process) is read "
                                "by rate neurons, each relaxing towards $g v$ with its own time constant and "
                                "white noise independent of the signal's. The state is stationary. The "
                                "information flow, heat rate and efficiency are those of bipartite sensors "
                                "(Horowitz and Esposito 2014); the transfer entropy rate, sensory capacity and "
                                "Kalman–Bucy error those of Hartich, Barato and Seifert (2016). In the "
                                "dimensionless groups, rates are in units of $1/\\tau_v$. A population of $N$ "
                                "identical neurons reduces to their mean rate $\\bar x$, a sufficient statistic "
                                "for $v$.",
                           glossary={**B.GLOSSARY,
                                     **{s: (f"{what} of neuron {k + 1}", unit) for what, unit, symbols in (
                                         ("gain", "units of $x$ per unit of $v$", g_i), ("time constant", "time", tau_i),
                                         ("noise amplitude", "units of $x$", sigma_i)) for k, s in enumerate(symbols)},
                                     r"\lim_{N \to \infty} I(v; \bar{x})": ("information of an infinite population",
                                                                           "nats"),
                                     r"\lim_{N \to \infty} \Phi_{\bar{x}} / N": ("heat rate per neuron of an "
                                                                               "infinite population",
                                                                               "nats per unit time")},
                           references=["karbowski2024", "hartich2016"])
print(f"wrote {tex}, {md} and {fig_path}")
