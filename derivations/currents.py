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
from thermotheory.core.currents import Current, OutsideDomain, current_mean_rate, current_scgf  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.models import decoder as B  # noqa: E402
from thermotheory.models import particle as P  # noqa: E402
from thermotheory.derivation import Derivation  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
paths = 512 if fast else 4096
out = output_dir(__file__)
STATISTICS = (registry.current_mean_rate, registry.current_variance_rate, registry.uncertainty_ratio)


def statistics(current, key, **extra):
    """The current's mean rate, variance rate and uncertainty ratio, bound (their notation is the registry's)."""
    return {f"{q.name}_{key}": q.of(current, **(extra if q is registry.uncertainty_ratio else {}))
            for q in STATISTICS}


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
    registry.uncertainty_ratio(one, output)
except tt.ModelError as exc:
    print("integrated output:", exc)
decoder_q = Derivation.of(one, {**statistics(heat, "Q"), **statistics(track, "J"),
                                "current_scgf_Q": registry.current_scgf.of(heat, s)})
for name, expr in decoder_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")

# the heat current's mean rate is the engine's heat rate, and the two currents share their ratio
assert sp.simplify(decoder_q["current_mean_rate_Q"] - tt.heat_rate(one, x)) == 0
ratio = decoder_q["uncertainty_ratio_Q"]
assert sp.simplify(ratio - decoder_q["uncertainty_ratio_J"]) == 0
snr = B.g**2 * B.sigma_v**2 / B.sigma_n**2
assert sp.simplify(ratio - (1 + snr * B.tau_n * B.tau_v / (B.tau_n + B.tau_v) ** 2)) == 0
# the SCGF: Gallavotti–Cohen symmetry, and its derivatives at 0 are the mean and variance rates
lam = decoder_q["current_scgf_Q"]
assert sp.simplify(lam - lam.subs(s, -1 - s)) == 0


def at_zero(expr):
    """``expr`` at s = 0 with its square roots' arguments factored (a perfect square leaves its root)."""
    return expr.subs(s, 0).replace(lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
                                   lambda e: sp.Pow(sp.factor(e.base), e.exp))


assert sp.simplify(at_zero(sp.diff(lam, s)) - decoder_q["current_mean_rate_Q"]) == 0
assert sp.simplify(at_zero(sp.diff(lam, s, 2)) - decoder_q["current_variance_rate_Q"]) == 0

# %% [markdown]
# In the dimensionless groups $\rho = \tau_n/\tau_v$ and
# $\mathrm{SNR} = g^2\sigma_v^2/\sigma_n^2$ the ratio is
# $\mathcal{Q} = 1 + \mathrm{SNR}\,\rho/(1+\rho)^2$: the bound is reached by a weak neuron,
# or one much faster or slower than the signal, and is loosest at $\tau_n = \tau_v$, where
# $\mathcal{Q} = 1 + \mathrm{SNR}/4$.

# %%
groups = Derivation(one, [(name, decoder_q.quantity(name), B.UNITS(expr)) for name, expr in decoder_q.items()
                          if not name.startswith("current_scgf")])
for name, form in groups.notation().items():
    print(f"{name:>28} = {form}")

# %% [markdown]
# ## Monte Carlo checks of the decoder
# Mean rate, variance rate and ratio from independent stationary paths (halves-corrected
# batch variances, Richardson extrapolation in the step, jackknife errors); the ratio's
# entropy production is estimated on the same paths as the mean rate of the total heat.

# %%
point = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.4, B.sigma_n: 0.7, B.g: 1.5}
checks = tt.VerificationTable(
    tt.verify(one, decoder_q.quantity(name), values=point, paths=paths, seed=1601)
    for name in decoder_q if not name.startswith("current_scgf"))
print(checks)
assert checks.passed, "a current's closed form disagrees with its Monte Carlo estimate"

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
trap_q = Derivation.of(frame, {**statistics(work, "W", entropy_rate=sigma), **statistics(heat_y, "Q", entropy_rate=sigma),
                               "current_scgf_W": registry.current_scgf.of(work, s),
                               "current_scgf_Q": registry.current_scgf.of(heat_y, s)})
for name, expr in trap_q.notation().items():
    print(f"{name:>28} = {tt.compact(expr)}")
assert trap_q["uncertainty_ratio_W"] == 1
assert sp.simplify(trap_q["current_variance_rate_W"] - 2 * T * trap_q["current_mean_rate_W"]) == 0
assert sp.simplify(trap_q["current_scgf_W"] - trap_q["current_scgf_Q"]) == 0

trap_point = {k: 2.0, gamma: 1.0, T: 0.5, u: 1.0}
num_frame = frame.subs(trap_point)
heat_n = heat_y.subs(trap_point)
inside = current_scgf(num_frame, heat_n, 1.5)  # |s| < 1/T = 2: the heat's SCGF is the work's
print("heat SCGF at s = 1.5:", inside)
assert abs(inside - float(trap_q["current_scgf_W"].subs(trap_point).subs(s, 1.5))) <= 1e-10
try:
    current_scgf(num_frame, heat_n, 2.5)
    raise AssertionError("the heat's SCGF should diverge beyond s = 1/T")
except OutsideDomain as exc:
    print("heat SCGF at s = 2.5:", exc)
# the work's rates, and its ratio on the bound (with the dragging's entropy production)
trap_checks = tt.VerificationTable(
    tt.verify(frame, trap_q.quantity(name), values=trap_point, paths=paths, seed=seed)
    for name, seed in (("current_mean_rate_W", 1602), ("current_variance_rate_W", 1602), ("uncertainty_ratio_W", 1603)))
print(trap_checks)
assert trap_checks.passed, "the dragged trap's work disagrees with its Monte Carlo estimate"

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
    rec = tt.verify(one, registry.uncertainty_ratio.of(heat), values=pt, paths=paths, seed=1610 + i)
    print(f"rho = {rho:g}: {rec}")
    assert rec.passed and abs(rec.theory - float(ratio.subs(pt))) <= 1e-10, f"the ratio at rho = {rho:g}"
    mc.append(rec)
a1.errorbar(mc_rho, [r.estimate for r in mc], yerr=[4 * r.stderr for r in mc], fmt="o", c="C1",
            label="Monte Carlo, SNR = 4 (4 s.e.)")
a1.axhline(1.0, c="gray", ls="--", label="TUR bound (dragged trap's work)")
a1.set_xscale("log")
a1.set_xlabel(r"$\rho = \tau_n / \tau_v$")
a1.set_ylabel(r"uncertainty ratio $2 D_J \Sigma / (2 \bar J^2)$")
a1.legend(fontsize=8, loc="upper right")
# the SCGF of the neuron's heat: closed form, numeric Riccati solution, and the Gaussian parabola
heat_n1 = heat.subs(point)
lam_f = sp.lambdify(s, lam.subs(point), "numpy")
num = one.subs(point)
mean_n, var_n = current_mean_rate(num, heat_n1), registry.current_variance_rate(num, heat_n1)
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
                           sections=[("The decoder in dimensionless groups", one, groups,
                                      "The bound is reached by a weak neuron, or one much faster or slower than "
                                      "the signal, and is loosest when the two time constants are equal."),
                                     ("A trap dragged at constant speed, in its frame", frame, trap_q,
                                      "In the trap's frame the particle is an Ornstein–Uhlenbeck process and the "
                                      "work done by the trap is a current; it is Gaussian, and with the "
                                      "dragging's entropy production (which the frame itself does not show) the "
                                      "uncertainty relation is saturated. The heat has the same mean and "
                                      "variance rates, and the same scaled cumulant generating function for "
                                      "$-1/T < s < 1/T$ only: beyond, the boundary term $k y^2/2$ makes it "
                                      "diverge (the extended fluctuation theorem of van Zon and Cohen).")],
                           figures=[fig_path.name],
                           text="A time-integrated current of a stationary linear model has a mean rate, a "
                                "variance rate and a scaled cumulant generating function, all in closed form "
                                "(Touchette 2018). The thermodynamic uncertainty relation (Barato and Seifert "
                                "2015; Gingrich et al. 2016) bounds its precision by the entropy production: the "
                                "uncertainty ratio is at least 1. First, the seed decoder (a neuron $x$ following "
                                "a velocity $v$): its currents are its heat and the tracking current, the time "
                                "integral of $v$ against the increments of $x$.",
                           glossary={**B.GLOSSARY, **{s: P.GLOSSARY[s] for s in (P.T, P.gamma, P.k, P.u)},
                                     y: ("position of the particle relative to the centre of the dragged trap",
                                         "length"),
                                     r"Q_{x}": ("heat the neuron releases over the time (as entropy)", "nats"),
                                     r"J_{v x}": ("tracking current: the time integral of $v$ against the increments "
                                                  "of $x$", "units of $v$ times units of $x$"),
                                     "W": ("work the dragged trap does over the time", "energy"),
                                     "Q": ("heat the particle releases into the bath over the time", "energy"),
                                     "s": ("the argument of the cumulant generating function (the counting field)",
                                           "per unit of the current")},
                           references=["barato2015", "gingrich2016"])
print(f"wrote {tex}, {md} and {fig_path}")
