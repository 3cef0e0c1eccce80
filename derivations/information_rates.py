# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Information rates of a cascade and the dissipation a partial observer sees
#
# A signal ``v`` acts on a readout ``y`` only through a hidden intermediate ``x``:
#
# $$ dv = -\gamma_v v\,dt + \sqrt{2 D_v}\,dW_v, \quad
#    dx = (\kappa_x v - \gamma_x x)\,dt + \sqrt{2 D_x}\,dW_x, \quad
#    dy = (\kappa_y x - \gamma_y y)\,dt + \sqrt{2 D_y}\,dW_y . $$
#
# Three rates of the stationary paths (`thermotheory.core.spectral`), in nats per unit time:
#
# - the **full-history** transfer entropy $T^{\mathrm{path}}_{v\to y}$ (Schreiber's: what the
#   whole past of ``v`` tells about the next increment of ``y`` beyond ``y``'s own past), next
#   to the package's **present-source** transfer entropy $T_{v\to y}$, which conditions on
#   ``v``'s present value only. Through a hidden intermediate they differ: at unit rates and
#   noise 0.0641 against 0.0373;
# - the mutual-information rate $\dot I(v; y)$ of the two paths (Tostevin & ten Wolde's
#   spectral formula), which with independent noises is the sum of the two full-history
#   transfer entropies;
# - the Kullback–Leibler rate $\dot D_O$ between the forward and time-reversed paths of the
#   recorded variables ``O`` (Whittle's formula): a lower bound on the entropy production
#   $\sigma$, equal to it when everything is recorded.
#
# Every closed form is derived by the engine, checked against the laws that relate them,
# and checked by the Monte Carlo estimators of the module (they never call a closed form).
# ``THERMOTHEORY_FAST=1`` runs fewer paths.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory.core.filtering import transfer_entropy_rate as present_te  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import cascade as C  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)
full_history_transfer_entropy_rate = tt.registry.full_history_transfer_entropy_rate
mutual_information_rate = tt.registry.mutual_information_rate
kl_divergence_rate = tt.registry.kl_divergence_rate

v, x, y = sp.symbols("v x y", real=True)
g_v, g_x, g_y, k_x, k_y = sp.symbols("gamma_v gamma_x gamma_y kappa_x kappa_y", positive=True)
D_v, D_x, D_y = sp.symbols("D_v D_x D_y", positive=True)
model = tt.LinearSDE({v: -g_v * v, x: k_x * v - g_x * x, y: k_y * x - g_y * y}, {v: D_v, x: D_x, y: D_y})
model


# %% [markdown]
# ## Closed forms
# The full-history transfer entropy comes from two Kalman–Bucy filters of ``x`` (from the
# path of ``y``, and from the paths of ``v`` and ``y``) and Duncan's formula; the mutual
# information rate from the roots of the spectral ratio in $\omega^2$; the KL rates from the
# rational Whittle integrand, integrated through a Lyapunov equation of its Hurwitz factor.

# %%
RATES = {
    "T_path_vy": full_history_transfer_entropy_rate.of(v, y),
    "I_dot_vy": mutual_information_rate.of(v, y),
    "I_dot_vx": mutual_information_rate.of(v, x),
    # (the rates of what two variables' paths show first: the entropy production is written as the sum it is)
    "D_vx": kl_divergence_rate.of([v, x]),
    "D_xy": kl_divergence_rate.of([x, y]),
    "D_vy": kl_divergence_rate.of([v, y]),
    "Pi": tt.entropy_production_rate.of(),
    "D_vxy": kl_divergence_rate.of(),
}
OBSERVED = {"x, y": "D_xy", "v, y": "D_vy", "v, x": "D_vx"}
quantities = tt.Derivation.of(model, RATES)
for name, expr in quantities.items():
    print(f"{quantities.quantity(name).latex():>34} = {tt.compact(expr)}")

# %% [markdown]
# ## The laws, checked on the closed forms
# ``v`` is autonomous, so $T^{\mathrm{path}}_{y\to v} = 0$ and the mutual information rate of
# ``v`` and ``y`` is the full-history transfer entropy from ``v`` to ``y``; the two closed
# forms come from different computations (a Riccati equation and a spectral integral) and
# agree. Recording everything gives the entropy production exactly; recording less gives
# less, and a single variable (a scalar stationary Gaussian process) looks reversible.

# %%
assert sp.simplify(quantities["D_vxy"] - quantities["Pi"]) == 0
assert full_history_transfer_entropy_rate(model, y, v) == 0
rng = np.random.default_rng(16)
for _ in range(5):
    pt = {p: float(u) for p, u in zip((g_v, g_x, g_y, k_x, k_y, D_v, D_x, D_y), rng.uniform(0.3, 3.0, 8))}
    val = {name: float(expr.subs(pt)) for name, expr in quantities.items()}
    assert abs(val["T_path_vy"] - val["I_dot_vy"]) <= 1e-10 * val["I_dot_vy"]
    assert val["T_path_vy"] >= present_te(model.subs(pt), v, y)  # the whole past tells at least the present
    for O in OBSERVED.values():
        assert 0 <= val[O] <= val["Pi"] * (1 + 1e-12)
    assert kl_divergence_rate(model.subs(pt), y) == 0.0

# %% [markdown]
# ## The two transfer entropies at unit rates and noise
# The numbers quoted in issue 16: the full-history rate 0.0641 against the present-source
# rate 0.0373 nats per unit time. The present value of ``v`` says little about ``x``,
# which integrates ``v``'s past; the whole past of ``v`` fixes ``x`` up to ``x``'s own
# noise, whose filter error given the paths of ``v`` and ``y`` is $2(\sqrt2 - 1)$.

# %%
unit = {p: 1 for p in (g_v, g_x, g_y, k_x, k_y, D_v, D_x, D_y)}
num = model.subs(unit)
t_full, t_present = full_history_transfer_entropy_rate(num, v, y), present_te(num, v, y)
print(f"full-history {t_full:.6f}, present-source {t_present:.6f} nats per unit time")
assert round(t_full, 4) == 0.0641 and round(t_present, 4) == 0.0373
assert abs(tt.filter_error(num, x, [v, y]) - 2 * (np.sqrt(2) - 1)) <= 1e-12
unit_q = tt.Derivation.of(num, {"T_path_vy": RATES["T_path_vy"], "T_vy": tt.transfer_entropy_rate.of(v, y),
                                **{k: RATES[k] for k in ("I_dot_vy", "Pi", "D_xy", "D_vy", "D_vx")}})
unit_q = unit_q.map(lambda value: sp.Float(value, 6))

# %% [markdown]
# ## Monte Carlo checks
# Regressions of ``y``'s increments on filters of the pasts (full-history transfer
# entropy), and Welch spectra of the paths (mutual-information and KL rates), each with a
# jackknife error over independent paths and Richardson extrapolation in the step.

# %%
paths = 512 if fast else 4096
checks = tt.VerificationTable(
    [tt.verify(num, RATES[name], paths=paths, seed=1601 + i) for i, name in enumerate(("T_path_vy", "I_dot_vy", "D_vxy",
                                                                                       "D_xy", "D_vy"))])
print(checks)
assert checks.passed, "a closed form disagrees with its Monte Carlo estimate"
# the same estimate, checked against the present-source rate: the simulation tells the two definitions apart
apart = tt.verify(num, RATES["T_path_vy"], paths=paths, seed=1601, theory=t_present)
print(apart)
if not fast:
    assert not apart.passed

# %% [markdown]
# ## Figure: against the speed of the hidden intermediate
# Left: the full-history and present-source transfer entropies from ``v`` to ``y`` (the
# mutual information rate coincides with the first) against $\gamma_x$, the other rates,
# couplings and noises at 1. A fast intermediate follows ``v``'s present value, and the two
# definitions agree; a slow one integrates ``v``'s past, which ``v``'s present value cannot
# tell, and the full history tells twice as much. Right: the entropy production and what an
# observer recording two of the three variables infers; Monte Carlo estimates at
# $\gamma_x = 1$ with 4 standard errors.

# %%
rates = np.geomspace(0.05, 20, 60)
others = {p: 1 for p in (g_v, g_y, k_x, k_y, D_v, D_x, D_y)}
curves = {"full": [], "present": [], "Pi": [], "x, y": [], "v, y": [], "v, x": []}
lam = {name: sp.lambdify(g_x, quantities[name].subs(others), "numpy")
       for name in ("T_path_vy", "Pi", *OBSERVED.values())}
for rate in rates:
    m_r = model.subs({**others, g_x: float(rate)})
    curves["present"].append(present_te(m_r, v, y))
curves["full"] = lam["T_path_vy"](rates)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
a1.plot(rates, curves["full"], label=r"full history $T^{\mathrm{path}}_{v\to y} = \dot I(v; y)$")
a1.plot(rates, curves["present"], label=r"present source $T_{v\to y}$")
a1.errorbar([1.0], [checks[0].estimate], yerr=[4 * checks[0].stderr], fmt="o", c="C0", label="Monte Carlo")
a1.set_xscale("log")
a1.set_xlabel(r"rate of the intermediate $\gamma_x$")
a1.set_ylabel("nats per unit time")
a1.legend(fontsize=8)
a2.plot(rates, lam["Pi"](rates) * np.ones_like(rates), c="k", label=r"$\sigma$ (all recorded)")
for j, (O, name) in enumerate(OBSERVED.items()):
    a2.plot(rates, lam[name](rates) * np.ones_like(rates), c=f"C{j + 1}", label=rf"$\dot D$ recording {O}")
for j, rec in enumerate(checks[2:]):
    a2.errorbar([1.0], [rec.estimate], yerr=[4 * rec.stderr], fmt="o", c="gray", label="Monte Carlo" if j == 0 else None)
a2.set_xscale("log")
a2.set_yscale("log")
a2.set_xlabel(r"rate of the intermediate $\gamma_x$")
a2.set_ylabel("nats per unit time")
a2.legend(fontsize=8)
fig_path = save_figure(fig, "information_rates", out)

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation("information_rates", "Information rates of a cascade v -> x -> y", model, quantities,
                           out, sections=[("At unit rates, couplings and noises", num, unit_q,
                                           "The same rates, as numbers, at unit rates, couplings and noises.")],
                           figures=[fig_path.name],
                           text="A signal $v$ acts on a readout $y$ only through a hidden intermediate $x$, a "
                                "cascade of linear relaxations with independent white noises, in its stationary "
                                "state. The full-history transfer entropy (Schreiber 2000) conditions on the whole "
                                "past of the source, the present-source one on its present value only; through a "
                                "hidden intermediate they differ. The mutual-information rate of two paths follows "
                                "Tostevin and ten Wolde (2009); the Kullback–Leibler rate between the forward and "
                                "time-reversed paths of the recorded variables is a lower bound on the entropy "
                                "production, equal to it when everything is recorded (Gomez-Marin, Parrondo and "
                                "Van den Broeck 2008).",
                           glossary=C.GLOSSARY)
print(f"wrote {tex}, {md} and {fig_path}")
