# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Plastic synapses that learn and store
#
# The models of `thermotheory.models.synapse`: a synapse tracking a decoding neuron (C1),
# a synapse learning a static quantity ``mu`` under a step or a ramp (C2), storing it
# after the drive stops, and a nonlinear (BCM-type) rule against its linear-noise
# approximation. Every closed form is derived by the engine, checked against an
# inequality or limit, verified by Monte Carlo, and written as LaTeX and Markdown with a
# figure to ``docs/derivations/`` (or ``$THERMOTHEORY_OUT``). ``THERMOTHEORY_FAST=1``
# runs fewer paths.

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
from thermotheory.models import synapse as C  # noqa: E402
from thermotheory.derivation import Derivation  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)


def at(expr, vals, **extra):
    return float(sp.sympify(expr).subs({**vals, **{getattr(C, k): v for k, v in extra.items()}}))


def curve(expr, vals, name, xs):
    """``at(expr, vals, name=x)`` for each ``x`` of ``xs``, the closed form compiled once (the figure's curves:
    substituting into it point by point took seconds)."""
    var = getattr(C, name)
    fn = sp.lambdify(var, sp.sympify(expr).subs({k: v for k, v in vals.items() if k != var}), "mpmath")
    return [float(fn(float(x))) for x in xs]


def check(table, what):
    print(table)
    assert table.passed, f"{what}: a closed form disagrees with its Monte Carlo estimate"
    return table


# %% [markdown]
# ## C1: a synapse tracking a decoding neuron
# The chain ``v -> x -> w``. The synapse holds less information about the velocity than
# the neuron does (data processing), and it dissipates even when the neuron carries no
# signal (``g = 0``): it is driven by the neuron's own noise.

# %%
track = C.tracking()
track_q = C.tracking_quantities()  # a Derivation: each closed form knows its quantity, and so its notation
p1 = {B.tau_v: 1.0, B.sigma_v: 1.0, B.tau_n: 0.3, B.sigma_n: 0.5, B.g: 1.0, C.kappa: 0.8, C.tau_w: 2.0, C.sigma_w: 0.4}
assert at(track_q["information_vw"], p1) < at(track_q["information_vx"], p1)
assert 0 < at(track_q["efficiency"], p1) < 1 and at(track_q["heat_rate_no_signal"], p1) > 0
for key, expr in track_q.items():
    print(f"{key:>22} = {at(expr, p1):.6f}")
check(track_q.verify(values=p1, names=["information_vw", "heat_rate", "information_flow"], seed=3), "tracking")

# %% [markdown]
# ## C2: learning a static quantity under a step and a ramp
# Given ``mu`` the weight is a linear SDE with the protocol ``b(t) = lambda mu h(t) / tau_w``;
# the engine derives its mean, variance and heat phase by phase, then the heat is
# averaged over ``mu``. Starting from equilibrium the conditional variance stays
# ``sigma_w^2``, so the weight's entropy change equals the information it gains and the
# efficiency is ``I / (I + Q)``.

# %%
step = C.learning_quantities("step")
ramp = C.learning_quantities("ramp")
ramp_eff = C.ramp_efficiency()
LEARNED = ["gain", "variance", "information", "entropy_change", "heat", "efficiency"]
step_q = step.subset([*LEARNED, "efficiency_final"])
ramp_q = Derivation(ramp.model, [*((k, ramp.quantity(k), ramp[k]) for k in LEARNED),
                                 *((f"final_{k}", ramp_eff.quantity(k), ramp_eff[k])
                                   for k in ("heat", "efficiency", "step_limit", "slow_limit"))])
assert ramp_eff["slow_limit"] == 1
p2 = {C.lam: 1.5, C.s_mu: 1.0, C.sigma_w: 0.8, C.tau_w: 1.0, C.tau_r: 2.0, C.t_w: 1.0}
print("step efficiency at the end:", at(step["efficiency_final"], p2), "(below 1/2)")
assert at(step["efficiency_final"], p2) < 0.5

# %%
# The information, the heat and the weight's entropy are definitions that name the registered
# quantity they equal on C.learning_sde (mu and a clock as state variables, started from
# C.LEARNING_START): the Derivation checks them through tt.verify at each time.
learn_paths = 2000 if fast else 20000
mc_times = np.array([0.5, 1.0, 2.0, 3.0, 4.0])
ramp_checks = {T: ramp.verify(values={**p2, C.t: T}, names=["information", "heat"], seed=11, paths=learn_paths)
               for T in mc_times}
check(tt.VerificationTable(r for table in ramp_checks.values() for r in table), "learning under a ramp")
mc_info = [ramp_checks[T][0] for T in mc_times]
mc_heat = [ramp_checks[T][1] for T in mc_times]
# Delta S_w = H(w_t) - H(w_0), with H(w_0) that of the equilibrium the weight starts in
check(ramp.verify(values={**p2, C.t: mc_times[-1]}, names=["entropy"], seed=14, paths=learn_paths),
      "the weight's entropy under a ramp")
check(step.verify(values={**p2, C.t: 2.0}, names=["information", "heat"], seed=12, paths=learn_paths),
      "learning under a step")

# %% [markdown]
# ## Storing: forgetting after the drive stops, and holding
# A step drive for ``t_w``, then ``h = 0``: the information decays with the synapse's time
# constant, and the heat released while forgetting is finite. Kept on, the drive holds
# the information at a cost that vanishes once the weight has settled: holding costs a
# fraction ``1 / (e^{2 t_w / tau_w} - 1)`` of writing.

# %%
store = C.storage_quantities()
store_q = store
store_times = np.array([0.5, 1.0, 2.0])
store_info = [store.verify(values={**p2, C.t: T}, names=["information"], seed=13, paths=learn_paths)[0]
              for T in store_times]
check(tt.VerificationTable(store_info), "stored information")
# the heat while forgetting: the heat over [0, t_w + 2] is the cost of writing plus that of forgetting for 2
pulse = store.model
check(tt.VerificationTable([
    tt.verify(pulse, tt.heat.of(C.t_w, C.LEARNING_START, subsystem=C.w), values=p2, theory=store["write_cost"],
              seed=15, paths=learn_paths),
    tt.verify(pulse, tt.heat.of(C.t_w + 2, C.LEARNING_START, subsystem=C.w), values=p2,
              theory=store["write_cost"] + store["heat_forgetting"].subs(C.t, 2), seed=16, paths=learn_paths),
]), "writing and forgetting")
print("holding / writing cost:", at(store["hold_to_write"], p2))

# %% [markdown]
# ## A BCM-type rule against its linear-noise approximation
# ``tau_w dw = (-w + kappa x (x - theta)) dt + ...`` with the neuron firing around ``r_0``.
# Linearised at the fixed point, the synapse follows the neuron with the gain
# ``kappa (2 r_0 - theta)``. With small fluctuations of the neuron the approximation
# agrees with the simulated rule; with large ones the quadratic term adds dissipation.

# %%
lna = C.bcm_linear_noise()
bcm_q = Derivation.of(lna, {"information": tt.mutual_information.of(C.v, C.w), "heat_rate": tt.heat_rate.of(C.w)})
base = {B.tau_v: 1.0, B.tau_n: 0.5, B.g: 1.0, C.r_0: 2.0, C.theta: 1.0, C.kappa: 0.5, C.tau_w: 1.0, C.sigma_w: 0.3}
for label, noise in (("weak", (0.2, 0.1)), ("strong", (1.0, 0.6))):
    vals = {**base, B.sigma_v: noise[0], B.sigma_n: noise[1]}
    # tt.verify simulates the nonlinear rule and compares it with its linear-noise approximation
    bcm = tt.VerificationTable(tt.verify(C.bcm_synapse(), bcm_q.quantity(name), values=vals, seed=5,
                                         paths=1500 if fast else None) for name in ("heat_rate", "information"))
    print(f"{label} nonlinearity:\n{bcm}")
    if label == "weak":
        assert bcm.passed
    else:  # the approximation misses the quadratic term's dissipation
        assert not bcm[0].passed and bcm[0].z > 4

# %% [markdown]
# ## Figure: learning under a ramp, slow learning, forgetting

# %%
fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(13, 3.6))
ts = np.linspace(0.0, mc_times[-1], 200)
info_f = curve(ramp["information"], p2, "t", [max(T, 1e-9) for T in ts])
heat_f = curve(ramp["heat"], p2, "t", [max(T, 1e-9) for T in ts])
a1.plot(ts, info_f, label=r"$I(w;\mu)$ theory")
a1.plot(ts, heat_f, label=r"$Q$ theory")
a1.errorbar(mc_times, [r.estimate for r in mc_info], yerr=[4 * r.stderr for r in mc_info], fmt="o", ms=4, c="C0",
            label="Monte Carlo (4 s.e.)")
a1.errorbar(mc_times, [r.estimate for r in mc_heat], yerr=[4 * r.stderr for r in mc_heat], fmt="s", ms=4, c="C1")
a1.axvline(p2[C.tau_r], ls=":", c="gray")
a1.set_xlabel(r"$t$ (ramp ends at $\tau_r$)")
a1.set_ylabel("nats")
a1.legend(fontsize=8)
taus = np.logspace(-2, 3, 80)
a2.semilogx(taus, curve(ramp_eff["efficiency"], p2, "tau_r", taus), label="ramp")
a2.axhline(at(step["efficiency_final"], p2), ls="--", c="gray", label="step")
a2.set_xlabel(r"ramp duration $\tau_r$")
a2.set_ylabel(r"efficiency $I / (\Delta S_w + Q)$")
a2.legend(fontsize=8)
ss = np.linspace(0.0, 3.0, 100)
a3.plot(ss, curve(store["information"], p2, "t", [max(x, 1e-9) for x in ss]), label="theory")
a3.errorbar(store_times, [r.estimate for r in store_info], yerr=[4 * r.stderr for r in store_info], fmt="o", ms=4,
            c="C0", label="Monte Carlo (4 s.e.)")
a3.set_xlabel("time since the drive stopped")
a3.set_ylabel(r"$I(w;\mu)$ [nats]")
a3.legend(fontsize=8)
fig.tight_layout()
fig_path = save_figure(fig, "synapse", out)

# %% [markdown]
# ## Export

# %%
# Dimensionless forms (C.UNITS): the decoder's groups, the synapse's coupling and time constant in
# units of the neuron's noise and the signal's time; a learning synapse on its own time scale.
track_groups = track_q.map(C.UNITS)
ramp_groups = Derivation(ramp_q.model, [(name, ramp_q.quantity(name), C.UNITS(expr, C.LEARNING_SCALES))
                                        for name, expr in ramp_q.items() if C.t not in sp.sympify(expr).free_symbols])
for name, form in track_groups.items():
    assert abs(float(form.evaluate(p1)) - at(track_q[name], p1)) <= 1e-12 * max(1.0, abs(at(track_q[name], p1)))
tex, md = write_derivation(
    "synapse", "Plastic synapses that learn and store", track, track_q, out,
    sections=[("Tracking, in dimensionless groups", track, track_groups),
              ("Learning under a step", C.learning("step"), step_q,
               "A synapse learning a static quantity $\\mu$ (Gaussian, of spread s_mu): given $\\mu$ the weight "
               "is a linear SDE driven by $\\lambda \\mu h(t) / \\tau_w$ with $h$ a step; its mean, variance and "
               "heat are derived phase by phase, then averaged over $\\mu$. Starting from equilibrium, the "
               "weight's entropy change equals the information it gains, and the efficiency is the information "
               "over the information plus the heat (Goldt and Seifert 2017)."),
              ("Learning under a ramp", C.learning("ramp"), ramp_q,
               "The same synapse driven by a ramp $h(t)$ that rises over the time tau_r."),
              ("Learning under a ramp, in dimensionless groups (long times)", C.learning("ramp"), ramp_groups),
              ("Storing after a step of duration t_w", C.learning("step"), store_q,
               "A step drive for the time t_w, then none: the information decays with the synapse's time "
               "constant, and the heat released while forgetting is finite. Kept on, the drive holds the "
               "information at a cost that vanishes once the weight has settled."),
              ("BCM-type rule, linear-noise approximation", lna, bcm_q,
               "A nonlinear (BCM-type) rule, $\\tau_w\\, dw = (-w + \\kappa x (x - \\theta))\\, dt + \\ldots$, "
               "with the neuron firing around r_0 (Bienenstock, Cooper and Munro 1982); its closed forms are those "
               "of its linear-noise approximation at the fixed point, where the synapse follows the neuron with "
               "the gain $\\kappa (2 r_0 - \\theta)$.")],
    figures=[fig_path.name],
    text="A synapse $w$ tracking a neuron $x$ that decodes a velocity $v$: the chain $v \\to x \\to w$ of "
         "linear relaxations with white noises, in its stationary state. The synapse holds less information about "
         "the velocity than the neuron does (data processing), and it dissipates even when the neuron carries no "
         "signal ($g = 0$): it is driven by the neuron's own noise (Karbowski 2024).",
    glossary={**B.GLOSSARY, **C.GLOSSARY},
    references=["karbowski2024", "goldt2017", "bienenstock1982"])
print(f"wrote {tex}, {md} and {fig_path}")
