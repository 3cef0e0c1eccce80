# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Current fluctuations and the thermodynamic uncertainty relation
#
# A time-integrated current of a stationary linear model,
# $J_t = \int (G z + g_0)^T \circ dz + \int h(z)\,dt$ (`thermotheory.core.currents`), has a
# mean rate $\bar J$, a variance rate $2 D_J = \lim \mathrm{Var}(J_t)/t$ and a scaled cumulant
# generating function $\lambda(s)$, all in closed form. The thermodynamic uncertainty
# relation (TUR, Barato & Seifert 2015) bounds its precision by the entropy production
# $\Sigma$: the ratio $\mathcal{Q} = 2 D_J \Sigma / (2 \bar J^2)$ is at least 1.
#
# Two systems: the seed decoder (a neuron ``x`` following a velocity ``v``) and a trap
# dragged at constant speed, written in the trap's frame. Every closed form is derived by
# the engine, checked against a law or a limit, and verified by the Monte Carlo estimators
# of the module (they never call a closed form). ``THERMOTHEORY_FAST=1`` runs fewer paths.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory import registry  # noqa: E402
from thermotheory.core.currents import (  # noqa: E402
    Current,
    OutsideDomain,
    current_mean_rate,
    current_scgf,
    current_variance_rate,
    uncertainty_ratio,
)
from thermotheory.montecarlo.currents import (  # noqa: E402
    estimate_current_mean_rate,
    estimate_current_variance_rate,
    estimate_uncertainty_ratio,
)
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import decoder as B  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
paths = 512 if fast else 4096
out = output_dir(__file__)
SYMBOL = {q.name: q.symbol for q in (registry.current_mean_rate, registry.current_variance_rate,
                                     registry.current_scgf, registry.uncertainty_ratio)}


def names(current):
    """LaTeX names of the current's quantities, from the registry's notation."""
    sym = current.symbol
    return {key: SYMBOL[key].format(current=sym, s="s") for key in SYMBOL}


# %% [markdown]
# ## The decoder: which current?
# The neuron's integrated output $\int x\,dt$ is even under time reversal and has zero
# mean: the TUR says nothing about it (the engine refuses). The currents of the neuron are
# its heat $Q_x = \int D_x^{-1} f_x \circ dx$ (the entropy it gives to its medium, whose mean
# rate is the heat rate $\Phi_x$) and the tracking current $J_{vx} = \int v \circ dx$, which
# grows when the neuron's movements follow the signal. They differ by a factor and a
# boundary term, $Q_x = (g/\sigma_n^2) J_{vx} - \Delta x^2 / (2\sigma_n^2)$, so they share
# their uncertainty ratio; in any two-variable overdamped model every current is, up to
# such terms, a multiple of one antisymmetric current, so this ratio is *the* precision
# that the neuron's dissipation buys.

# %%
one = B.one_neuron()
v, x = one.variables
s = sp.Symbol("s", real=True)
heat = Current.heat(one, x)
track = Current.from_expressions(one, {x: v}, symbol=r"J_{v x}")
output = Current.time_integral(one, x)
try:
    uncertainty_ratio(one, output)
except tt.ModelError as exc:
    print("integrated output:", exc)
decoder_q = {}
for cur in (heat, track):
    n = names(cur)
    decoder_q[n["current_mean_rate"]] = current_mean_rate(one, cur)
    decoder_q[n["current_variance_rate"]] = current_variance_rate(one, cur)
    decoder_q[n["uncertainty_ratio"]] = uncertainty_ratio(one, cur)
decoder_q[names(heat)["current_scgf"]] = current_scgf(one, heat, s)
for name, expr in decoder_q.items():
    print(f"{name:>28} = {tt.compact(expr)}")

# the heat current's mean rate is the engine's heat rate, and the two currents share their ratio
assert sp.simplify(decoder_q[names(heat)["current_mean_rate"]] - tt.heat_rate(one, x)) == 0
ratio = decoder_q[names(heat)["uncertainty_ratio"]]
assert sp.simplify(ratio - decoder_q[names(track)["uncertainty_ratio"]]) == 0
snr = B.g**2 * B.sigma_v**2 / B.sigma_n**2
assert sp.simplify(ratio - (1 + snr * B.tau_n * B.tau_v / (B.tau_n + B.tau_v) ** 2)) == 0
# the SCGF: Gallavotti–Cohen symmetry, and its derivatives at 0 are the mean and variance rates
lam = decoder_q[names(heat)["current_scgf"]]
assert sp.simplify(lam - lam.subs(s, -1 - s)) == 0


def at_zero(expr):
    """``expr`` at s = 0 with its square roots' arguments factored (a perfect square leaves its root)."""
    return expr.subs(s, 0).replace(lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
                                   lambda e: sp.Pow(sp.factor(e.base), e.exp))


assert sp.simplify(at_zero(sp.diff(lam, s)) - decoder_q[names(heat)["current_mean_rate"]]) == 0
assert sp.simplify(at_zero(sp.diff(lam, s, 2)) - decoder_q[names(heat)["current_variance_rate"]]) == 0

# %% [markdown]
# In the dimensionless groups $\rho = \tau_n/\tau_v$ and
# $\mathrm{SNR} = g^2\sigma_v^2/\sigma_n^2$ the ratio is
# $\mathcal{Q} = 1 + \mathrm{SNR}\,\rho/(1+\rho)^2$: the bound is reached by a weak neuron,
# or one much faster or slower than the signal, and is loosest at $\tau_n = \tau_v$, where
# $\mathcal{Q} = 1 + \mathrm{SNR}/4$.

# %%
groups = {name: B.UNITS(expr) for name, expr in decoder_q.items() if "lambda" not in name}
for name, form in groups.items():
    print(f"{name:>28} = {form}")

# %% [markdown]
# ## Monte Carlo checks of the decoder
# Mean rate, variance rate and ratio from independent stationary paths (halves-corrected
# batch variances, Richardson extrapolation in the step, jackknife errors); the ratio's
# entropy production is estimated on the same paths as the mean rate of the total heat.

# %%
point = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}
num = one.subs(point)
checks = []
for cur in (heat, track):
    ncur = cur.subs(point)
    for est, closed in ((estimate_current_mean_rate, current_mean_rate),
                        (estimate_current_variance_rate, current_variance_rate),
                        (estimate_uncertainty_ratio, uncertainty_ratio)):
        e, step, T = est(num, ncur, paths=paths, seed=1601)
        theory = closed(num, ncur)
        checks.append((f"{closed.__name__}({cur.symbol})", theory, e))
for label, theory, e in checks:
    print(f"{label:>40}: theory {theory:.5f}, Monte Carlo {e.value:.5f} +- {e.stderr:.5f} (z = {e.z(theory):+.2f})")
    assert abs(e.z(theory)) <= 4, label

# %% [markdown]
# ## A trap dragged at constant speed
# In the trap's frame $y = x - ut$ the particle is an OU process,
# $\gamma\,dy = (-k y - \gamma u)\,dt + \sqrt{2\gamma T}\,dW$, and the work done by the trap is
# the current $W = -\int k u y\,dt$. It is Gaussian: mean rate $\gamma u^2$, variance rate
# $2\gamma T u^2$; with the dragging's entropy production $\gamma u^2/T$ (which the frame
# itself does not show) the TUR is saturated, $\mathcal{Q} = 1$. The heat
# $Q = W - \Delta(k y^2/2)$ has the same mean and variance rates but a different SCGF: the
# boundary term makes it diverge outside $-1/T < s < 1/T$ (the extended fluctuation
# theorem of van Zon & Cohen).

# %%
y = sp.Symbol("y", real=True)
k, gamma, T, u = sp.symbols("k gamma T u", positive=True)
frame = tt.LinearSDE({y: -k * y / gamma - u}, {y: T / gamma})
work = Current.work(frame, k, u)
heat_y = Current.from_expressions(frame, {y: -k * y}, rate=-k * u * y, symbol="Q")
sigma = gamma * u**2 / T
trap_q = {}
for cur in (work, heat_y):
    n = names(cur)
    trap_q[n["current_mean_rate"]] = current_mean_rate(frame, cur)
    trap_q[n["current_variance_rate"]] = current_variance_rate(frame, cur)
    trap_q[n["uncertainty_ratio"]] = uncertainty_ratio(frame, cur, entropy_rate=sigma)
trap_q[names(work)["current_scgf"]] = current_scgf(frame, work, s)
trap_q[names(heat_y)["current_scgf"]] = current_scgf(frame, heat_y, s)
for name, expr in trap_q.items():
    print(f"{name:>28} = {tt.compact(expr)}")
assert trap_q[names(work)["uncertainty_ratio"]] == 1
assert sp.simplify(trap_q[names(work)["current_variance_rate"]] - 2 * T * trap_q[names(work)["current_mean_rate"]]) == 0
assert sp.simplify(trap_q[names(work)["current_scgf"]] - trap_q[names(heat_y)["current_scgf"]]) == 0

trap_point = {k: 2.0, gamma: 1.0, T: 0.5, u: 1.0}
num_frame = frame.subs(trap_point)
heat_n = heat_y.subs(trap_point)
inside = current_scgf(num_frame, heat_n, 1.5)  # |s| < 1/T = 2: the heat's SCGF is the work's
print("heat SCGF at s = 1.5:", inside)
assert abs(inside - float(trap_q[names(work)["current_scgf"]].subs(trap_point).subs(s, 1.5))) <= 1e-10
try:
    current_scgf(num_frame, heat_n, 2.5)
    raise AssertionError("the heat's SCGF should diverge beyond s = 1/T")
except OutsideDomain as exc:
    print("heat SCGF at s = 2.5:", exc)
for est, closed in ((estimate_current_mean_rate, current_mean_rate),
                    (estimate_current_variance_rate, current_variance_rate)):
    e, _, _ = est(num_frame, work.subs(trap_point), paths=paths, seed=1602)
    theory = closed(num_frame, work.subs(trap_point))
    print(f"{closed.__name__}(W): theory {theory:.5f}, Monte Carlo {e.value:.5f} +- {e.stderr:.5f} "
          f"(z = {e.z(theory):+.2f})")
    assert abs(e.z(theory)) <= 4
e_w, _, _ = estimate_uncertainty_ratio(num_frame, work.subs(trap_point), paths=paths, seed=1603,
                                       entropy_rate=float(sigma.subs(trap_point)))
print(f"uncertainty_ratio(W): theory 1, Monte Carlo {e_w.value:.4f} +- {e_w.stderr:.4f} (z = {e_w.z(1.0):+.2f})")
assert abs(e_w.z(1.0)) <= 4

# %% [markdown]
# ## Figure: the uncertainty ratio of the neuron against its time constant, and its SCGF
# Left: the closed form $1 + \mathrm{SNR}\,\rho/(1+\rho)^2$ for three signal-to-noise
# ratios, the Monte Carlo estimates at $\mathrm{SNR} = 4$, and the dragged trap's work on
# the bound. Right: the SCGF of the neuron's heat in closed form, symmetric about
# $s = -1/2$ (Gallavotti–Cohen), against the numeric Riccati solution for the total entropy
# production (the same eigenvalue: the two differ by boundary terms, and those of the total
# entropy production stay integrable over the whole interval), and the Gaussian parabola
# with the same mean and variance rates.

# %%
rhos = np.geomspace(0.02, 50, 200)
ratio_f = sp.lambdify((B.tau_n, B.g), ratio.subs({B.tau_v: 1.0, B.sigma_v: 1.0, B.sigma_n: 1.0}), "numpy")
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6))
for snr_value in (1.0, 4.0, 16.0):
    a1.plot(rhos, ratio_f(rhos, np.sqrt(snr_value)), label=f"SNR = {snr_value:g}")
mc_rho = [0.2, 1.0, 5.0]
mc = []
for i, rho in enumerate(mc_rho):
    pt = {B.tau_v: 1.0, B.sigma_v: 1.0, B.sigma_n: 1.0, B.g: 2.0, B.tau_n: rho}
    e, _, _ = estimate_uncertainty_ratio(one.subs(pt), heat.subs(pt), paths=paths, seed=1610 + i)
    th = float(ratio.subs(pt))
    print(f"rho = {rho:g}: ratio theory {th:.4f}, Monte Carlo {e.value:.4f} +- {e.stderr:.4f} (z = {e.z(th):+.2f})")
    assert abs(e.z(th)) <= 4
    mc.append(e)
a1.errorbar(mc_rho, [e.value for e in mc], yerr=[4 * e.stderr for e in mc], fmt="o", c="C1",
            label="Monte Carlo, SNR = 4 (4 s.e.)")
a1.axhline(1.0, c="gray", ls="--", label="TUR bound (dragged trap's work)")
a1.set_xscale("log")
a1.set_xlabel(r"$\rho = \tau_n / \tau_v$")
a1.set_ylabel(r"uncertainty ratio $2 D_J \Sigma / (2 \bar J^2)$")
a1.legend(fontsize=8, loc="upper right")
# the SCGF of the neuron's heat: closed form, numeric Riccati solution, and the Gaussian parabola
heat_n1 = heat.subs(point)
lam_f = sp.lambdify(s, lam.subs(point), "numpy")
mean_n, var_n = current_mean_rate(num, heat_n1), current_variance_rate(num, heat_n1)
edge = (-1 + np.sqrt(1 + 4 * float(((B.tau_n + B.tau_v) ** 2 / (4 * snr * B.tau_n * B.tau_v)).subs(point)))) / 2
grid = np.linspace(-1 - edge, edge, 201)[1:-1]
a2.plot(grid, lam_f(grid), label=r"closed form $\lambda(s)$")
pts = np.linspace(-1 - 0.9 * edge, 0.9 * edge, 9)
a2.plot(pts, current_scgf(num, Current.entropy_production(num), pts), "o", ms=4,
        label=r"Riccati, total entropy production")
a2.plot(grid, grid * mean_n + grid**2 * var_n / 2, "--", c="gray", label="Gaussian (mean and variance)")
a2.set_xlabel("s")
a2.set_ylabel(r"SCGF of the neuron's heat [$1/\tau_v$]")
a2.legend(fontsize=8)
fig_path = save_figure(fig, "currents", out)

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation("currents", "Current fluctuations and the thermodynamic uncertainty relation", one,
                           decoder_q, out,
                           sections=[("The decoder in dimensionless groups", one, groups),
                                     ("A trap dragged at constant speed, in its frame", frame, trap_q)],
                           figures=[fig_path.name])
print(f"wrote {tex}, {md} and {fig_path}")
