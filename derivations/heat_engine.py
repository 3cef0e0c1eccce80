# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Time-dependent protocols: the optimal stiffness protocol and a stochastic heat engine
#
# An overdamped particle in a harmonic trap whose stiffness ``lambda(s)`` and bath
# temperature ``T(s)`` follow a protocol in time ``s`` (friction ``gamma = 1``, ``k_B = 1``):
#
# $$ dx = -\lambda(s)\, x\, ds + \sqrt{2 T(s)}\, dW, \qquad U(x, s) = \lambda(s) x^2 / 2 . $$
#
# Such a model is a `LinearSDE(..., time=s)` with a time-dependent drift matrix and
# diffusion; the engine (`thermotheory.core.driven`) integrates its moment equations and
# gives the mean work ``W = int <dU/ds> ds`` (`tt.work`, jumps of the protocol included),
# the heat released into the bath (`tt.heat`, as entropy ``Q/T``) and the entropy
# production (`tt.entropy_production`) over ``[0, t]``. Two published results are
# reproduced:
#
# - Schmiedl & Seifert, PRL 98, 108301 (2007), case 2: the protocol that changes the
#   stiffness from ``lambda_i`` to ``lambda_f`` in the time ``t_f`` with the least mean
#   work (at ``T = 1``). It jumps at the start and at the end; the linear protocol does
#   more work; both do the free-energy difference ``Delta F`` when slow.
# - Schmiedl & Seifert, EPL 81, 20003 (2008): the trap cycled between a hot and a cold
#   bath (the variance expands from ``w_1`` to ``w_2`` at ``T_h`` in the time ``t_1``,
#   contracts at ``T_c`` in ``t_3``, with jumps of the stiffness and the temperature in
#   between): its work, heat, power and efficiency at maximum power
#   ``eta* = eta_C / (2 - eta_C / 2)``.
#
# The papers' closed forms are written here as the page's own definitions; the engine's
# numbers are compared with them at random parameter points, and Monte Carlo simulations
# of the paths check heat, entropy production and work through ``verify``.
# ``THERMOTHEORY_FAST=1`` runs fewer paths.

# %%
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

import thermotheory as tt  # noqa: E402
from thermotheory.export import output_dir, save_figure, write_derivation  # noqa: E402
from thermotheory.derivation import Definition, Derivation  # noqa: E402
from thermotheory.models import engine as E  # noqa: E402

fast = os.environ.get("THERMOTHEORY_FAST") == "1"
out = output_dir(__file__)
paths = 2048 if fast else 16384

x, s = sp.symbols("x s", real=True)
# the page shows the trap with its protocol named; each section defines the protocol
trap = tt.LinearSDE({x: -sp.Function("lambda")(s) * x}, {x: sp.Function("T")(s)}, time=s)
trap_unit = tt.LinearSDE({x: -sp.Function("lambda")(s) * x}, {x: 1}, time=s)  # the same trap at T = 1
trap

# %% [markdown]
# ## The optimal protocol (Schmiedl & Seifert 2007, case 2)
# From equilibrium at ``lambda_i`` (variance ``1 / lambda_i``) the optimal protocol keeps
# the variance ``(1 + c s)^2 / lambda_i``, which needs the stiffness below; ``c`` minimises
# the work. At ``s = 0`` the stiffness jumps from ``lambda_i`` to ``lambda_i - c``, at
# ``s = t_f`` from ``lambda*(t_f^-)`` to ``lambda_f``. The first law
# ``<U(t_f)> - <U(0)> = W - Q`` gives the heat, and adding the change of the particle's
# entropy, ``ln(1 + c t_f)``, gives the entropy production.

# %%
li, lf, tf = sp.symbols("lambda_i lambda_f t_f", positive=True)
c = sp.Symbol("c", real=True)
optimal = sp.Piecewise((li, s <= 0), ((li - c * (1 + c * s)) / (1 + c * s) ** 2, s < tf), (lf, True))
linear = sp.Piecewise((li, s <= 0), (li + (lf - li) * s / tf, s < tf), (lf, True))
c_star = (-1 - lf * tf + sp.sqrt(1 + 2 * li * tf + li * lf * tf**2)) / (tf * (2 + lf * tf))
W_star = c**2 * tf / li - sp.log(1 + c * tf) + lf * (1 + c * tf) ** 2 / (2 * li) - sp.Rational(1, 2)
Q_star = W_star - lf * (1 + c * tf) ** 2 / (2 * li) + sp.Rational(1, 2)  # first law at T = 1
Sigma_star = sp.simplify(Q_star + sp.log(1 + c * tf))
dF = sp.log(lf / li) / 2
slow = sp.simplify(sp.limit(W_star.subs(c, c_star), tf, sp.oo))
excess = sp.simplify(sp.limit(tf * (W_star.subs(c, c_star) - dF), tf, sp.oo))
opt_model = tt.LinearSDE({x: -optimal * x}, {x: 1}, time=s)
start = {x: 1 / li}
energy = optimal * x**2 / 2
ss2007 = Derivation(opt_model, [
    ("protocol", Definition("protocol", r"\lambda^*(s)", "the optimal stiffness protocol ($T = 1$)",
                                units="energy per squared length"), optimal),
    ("c", Definition("c", "c", "the constant that minimises the work",
                         units="per unit time"), c_star),
    ("work", Definition("work", r"W^*(t_f)", "least mean work", check=tt.work.of(tf, start, energy=energy)), W_star),
    ("heat", Definition("heat", r"Q^*(t_f)", "heat released", check=tt.heat.of(tf, start)), Q_star),
    ("entropy_production", Definition("entropy_production", r"\Delta S^*_{\mathrm{tot}}(t_f)", "entropy produced",
                                      check=tt.entropy_production.of(tf, start)), Sigma_star),
    ("free_energy", Definition("free_energy", r"\Delta F", "free-energy difference", units="energy"), dF),
    ("slow_limit", Definition("slow_limit", r"\lim_{t_f \to \infty} W^*(t_f)", "the slow limit", units="energy"), slow),
    ("excess", Definition("excess", r"\lim_{t_f \to \infty} t_f \left(W^*(t_f) - \Delta F\right)",
                          "the excess work of a slow protocol times its duration", units="energy times time"), excess),
])
for name, expr in ss2007.notation().items():
    print(f"{name:>60} = {tt.compact(expr)}")

# %% [markdown]
# ### The engine against the paper, and against the linear protocol
# At random points the engine's work, heat and entropy production of the optimal protocol
# (moment equations of the model ``opt_model``) equal the closed forms; the linear
# protocol does more work, and so does the optimal one perturbed; the slow limit is
# ``Delta F``, approached as ``(1/sqrt(lambda_f) - 1/sqrt(lambda_i))^2 / t_f``.

# %%
assert sp.simplify(slow - dF) == 0
assert sp.simplify(excess - (1 / sp.sqrt(lf) - 1 / sp.sqrt(li)) ** 2) == 0
assert sp.simplify(Sigma_star - c**2 * tf / li) == 0


def point(li_, lf_, tf_):
    """Parameter values of the optimal protocol, with its c."""
    vals = {li: li_, lf: lf_, tf: tf_}
    return {**vals, c: float(c_star.subs(vals))}


def engine_work(protocol, vals):
    """Mean work of ``protocol`` from equilibrium at lambda_i, by the engine."""
    lam = protocol.subs(vals)
    return tt.work(tt.LinearSDE({x: -lam * x}, {x: 1}, time=s), vals[tf], {x: 1 / vals[li]}, lam * x**2 / 2)


# parameter values are rounded to 4 decimals: a time read back from the protocol's Piecewise then equals the
# float passed as t (see the note in the report on switching times that differ from t by one rounding)
rng = np.random.default_rng(2007)
for li_, lf_, tf_ in np.round(rng.uniform([0.3, 0.3, 0.1], [4.0, 4.0, 5.0], size=(2 if fast else 4, 3)), 4):
    vals = point(li_, lf_, tf_)
    num = opt_model.subs(vals)
    W_e = engine_work(optimal, vals)
    Q_e = tt.heat(num, tf_, {x: 1 / li_})
    S_e = tt.entropy_production(num, tf_, {x: 1 / li_})
    for engine, closed in ((W_e, W_star), (Q_e, Q_star), (S_e, Sigma_star)):
        assert abs(engine - float(closed.subs(vals))) <= 1e-7 * max(1.0, abs(engine))
    W_lin = engine_work(linear, vals)
    bump = optimal + sp.Piecewise((0, s <= 0), (sp.sin(sp.pi * s / tf) / 5, s < tf), (0, True))
    print(f"lambda_i {li_:.4f} lambda_f {lf_:.4f} t_f {tf_:.4f}: W* {W_e:.8f} (paper {float(W_star.subs(vals)):.8f}), "
          f"linear {W_lin:.8f}, Delta F {float(dF.subs(vals)):.8f}")
    assert W_lin > W_e and engine_work(bump, vals) > W_e
    assert W_e >= float(dF.subs(vals))
for tf_ in (1e2, 1e3):
    vals = point(1.0, 3.0, tf_)
    gap = engine_work(linear, vals) - float(dF.subs(vals))
    print(f"t_f = {tf_:g}: the linear protocol's W - Delta F = {gap:.3e}")
    assert 0 < gap < 5 / tf_

# %% [markdown]
# ### Monte Carlo checks
# Work (summed along the paths, the jumps exact), heat (Stratonovich sums) and entropy
# production over ``[0, t_f]`` at ``lambda_i = 1``, ``lambda_f = 5``, ``t_f = 1``.

# %%
mc_2007 = point(1.0, 5.0, 1.0)
table_2007 = ss2007.verify(values=mc_2007, seed=2007, paths=paths)
print(table_2007)
assert len(table_2007) == 3 and table_2007.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## The stochastic heat engine (Schmiedl & Seifert 2008)
# On the hot isotherm (``0 < s < t_1``, ``T = T_h``) the standard deviation grows linearly
# from ``sqrt(w_1)`` to ``sqrt(w_2)``; on the cold one (``t_1 < s < t_1 + t_3``, ``T = T_c``)
# it shrinks back; the stiffness that does it is ``lambda = T / w - (d sqrt(w)/ds) / sqrt(w)``.
# Between them the stiffness and the temperature jump with the distribution unchanged
# (the adiabatic steps: work, no heat). With ``Delta S = ln(w_2 / w_1) / 2`` and
# ``A = (sqrt(w_2) - sqrt(w_1))^2``: work per cycle ``W = -(T_h - T_c) Delta S + A (1/t_1 + 1/t_3)``,
# heat taken from the hot bath ``Q_h = T_h Delta S - A / t_1`` (so the heat into the medium
# over ``[0, t_1]`` is ``-Q_h / T_h`` in entropy units), entropy produced per cycle
# ``A (1/(T_h t_1) + 1/(T_c t_3))`` (the particle's state returns), power ``P = -W / (t_1 + t_3)``
# and efficiency ``eta = -W / Q_h``.

# %%
Th, Tc, w1, w2, t1, t3 = sp.symbols("T_h T_c w_1 w_2 t_1 t_3", positive=True)


def isotherm(wa, wb, T, begin, duration):
    """Stiffness that moves the standard deviation linearly from sqrt(wa) to sqrt(wb) at temperature T."""
    sd = sp.sqrt(wa) + (sp.sqrt(wb) - sp.sqrt(wa)) * (s - begin) / duration
    return T / sd**2 - (sp.sqrt(wb) - sp.sqrt(wa)) / (duration * sd)


hot, cold = isotherm(w1, w2, Th, 0, t1), isotherm(w2, w1, Tc, t1, t3)
closing = cold.subs(s, t1 + t3)  # the stiffness at the end of a cycle, and before the first
cycle = sp.Piecewise((closing, s <= 0), (hot, s < t1), (cold, s < t1 + t3), (closing, True))
bath = sp.Piecewise((Th, s < t1), (Tc, True))
engine = tt.LinearSDE({x: -cycle * x}, {x: bath}, time=s)
dS, A = sp.log(w2 / w1) / 2, (sp.sqrt(w2) - sp.sqrt(w1)) ** 2
W_cycle = -(Th - Tc) * dS + A * (1 / t1 + 1 / t3)
Q_h = Th * dS - A / t1
Sigma_cycle = A * (1 / (Th * t1) + 1 / (Tc * t3))
power = -W_cycle / (t1 + t3)
efficiency = -W_cycle / Q_h

# maximum power, solved here: at a fixed period tau the work is least with equal isotherms, then P(tau) is
# maximal (Delta S and A as symbols while solving)
tau, dS_, A_ = sp.symbols("tau DeltaS A", positive=True)
W_sym = -(Th - Tc) * dS_ + A_ * (1 / t1 + 1 / t3)
half, = sp.solve(sp.diff(W_sym.subs(t3, tau - t1), t1), t1)
tau_star, = sp.solve(sp.diff(-W_sym.subs({t1: half, t3: tau - half}) / tau, tau), tau)
t1_star = t3_star = (half.subs(tau, tau_star)).subs({dS_: dS, A_: A})
at_max = {t1: t1_star, t3: t3_star}
eta_C = 1 - Tc / Th
eta_star = sp.simplify(efficiency.subs(at_max))
P_star = sp.simplify(power.subs(at_max))
assert sp.simplify(eta_star - eta_C / (2 - eta_C / 2)) == 0
assert sp.simplify(t1_star - 4 * A / ((Th - Tc) * dS)) == 0

# the page shows the protocol through the width r(s) = sqrt(<x^2>) it imposes (r, as the report: sigma is an entropy
# production rate on other pages)
width = sp.Function("r")(s)
sd = sp.Piecewise((sp.sqrt(w1) + (sp.sqrt(w2) - sp.sqrt(w1)) * s / t1, s < t1),
                  (sp.sqrt(w2) + (sp.sqrt(w1) - sp.sqrt(w2)) * (s - t1) / t3, True))
stiffness = sp.Function("T")(s) / width**2 - sp.Derivative(width, s) / width
sample = {Th: 1.3, Tc: 0.5, w1: 0.7, w2: 2.0, t1: 1.1, t3: 0.6}
for u in (0.3, 1.0, 1.4):
    shown = stiffness.subs(sp.Function("T")(s), bath).subs(width, sd).doit().subs(s, u)
    assert abs(float(shown.subs(sample)) - float(cycle.subs(s, u).subs(sample))) <= 1e-12
cycle_start = {x: w1}
eta_C_sym = sp.Symbol("eta_C", positive=True)
ss2008 = Derivation(engine, [
    ("width", Definition("width", r"r(s)", r"width $\sqrt{\langle x^2 \rangle}$ imposed over the cycle, "
                         r"$0 < s < t_1 + t_3$", units="length"), sd),
    ("protocol", Definition("protocol", r"\lambda(s)", "the stiffness that imposes it, $0 < s < t_1 + t_3$",
                                units="energy per squared length"),
     stiffness),
    ("temperature", Definition("temperature", r"T(s)", "the bath's temperature"), bath),
    ("work", Definition("work", r"W(t_1 + t_3)", "work per cycle",
                        check=tt.work.of(t1 + t3, cycle_start, energy=cycle * x**2 / 2)), W_cycle),
    ("heat_in", Definition("heat_in", r"Q_{h}", "heat taken from the hot bath on its isotherm",
                           units="energy"), Q_h),
    ("heat_hot", Definition("heat_hot", r"Q(t_1)", "heat into the medium on the hot isotherm (entropy units)",
                            check=tt.heat.of(t1, cycle_start)), -Q_h / Th),
    ("heat_cycle", Definition("heat_cycle", r"Q(t_1 + t_3)", "heat into the baths per cycle (entropy units)",
                              check=tt.heat.of(t1 + t3, cycle_start)), Sigma_cycle),
    ("entropy_production", Definition("entropy_production", r"\Delta S_{\mathrm{tot}}(t_1 + t_3)",
                                      "entropy produced per cycle",
                                      check=tt.entropy_production.of(t1 + t3, cycle_start)), Sigma_cycle),
    ("power", Definition("power", "P", "power output", units="energy per unit time"), power),
    ("efficiency", Definition("efficiency", r"\eta", "efficiency"), efficiency),
    ("t_star", Definition("t_star", r"t_1^* = t_3^*", "durations of the isotherms at maximum power",
                              units="time"), t1_star),
    ("P_star", Definition("P_star", r"P^*", "maximum power", units="energy per unit time"), P_star),
    ("eta_star", Definition("eta_star", r"\eta^*", "efficiency at maximum power"), eta_star),
    ("eta_star_C", Definition("eta_star_C", r"\eta^* \text{ by } \eta_C = 1 - T_c / T_h",
                              "efficiency at maximum power by Carnot's"), eta_C_sym / (2 - eta_C_sym / 2)),
])
for name, expr in ss2008.notation().items():
    print(f"{name:>60} = {tt.compact(expr)}")

# %% [markdown]
# ### The engine against the paper
# At random points (temperatures, variances and durations) the engine's work per cycle,
# heat on the hot isotherm and per cycle, and entropy production equal the closed forms;
# the variance returns to ``w_1`` after a cycle; and no pair of durations near the
# stationary point gives more power.

# %%
rng = np.random.default_rng(2008)
for Th_, Tc_, w1_, w2_, t1_, t3_ in np.round(rng.uniform([1.0, 0.1, 0.3, 2.5, 0.2, 0.2], [3.0, 0.9, 1.0, 4.0, 4.0, 4.0],
                                                           size=(2 if fast else 3, 6)), 4):
    vals = {Th: Th_, Tc: Tc_, w1: w1_, w2: w2_, t1: t1_, t3: t3_}
    period = float((t1 + t3).subs(vals))
    num = engine.subs(vals)
    lam = cycle.subs(vals)
    W_e = tt.work(num, period, {x: w1_}, lam * x**2 / 2)
    checks = ((W_e, W_cycle), (tt.heat(num, t1_, {x: w1_}), -Q_h / Th), (tt.heat(num, period, {x: w1_}), Sigma_cycle),
              (tt.entropy_production(num, period, {x: w1_}), Sigma_cycle))
    for value, closed in checks:
        assert abs(value - float(closed.subs(vals))) <= 1e-7 * max(1.0, abs(value))
    assert abs(tt.covariance(num, period, {x: w1_})[0, 0] - w1_) <= 1e-9 * w1_
    print(f"T_h {Th_:.4f} T_c {Tc_:.4f} w_1 {w1_:.4f} w_2 {w2_:.4f} t_1 {t1_:.4f} t_3 {t3_:.4f}: "
          f"W {W_e:.8f} (paper {float(W_cycle.subs(vals)):.8f})")
unit = {Th: 1.0, Tc: 0.4, w1: 1.0, w2: 2.5}
t_opt = float(t1_star.subs(unit))


def engine_power(t1_, t3_):
    """Power and efficiency of one cycle, by the engine."""
    vals = {**unit, t1: t1_, t3: t3_}
    num = engine.subs(vals)
    W_e = tt.work(num, float((t1 + t3).subs(vals)), {x: vals[w1]}, cycle.subs(vals) * x**2 / 2)
    Qh_e = -vals[Th] * tt.heat(num, t1_, {x: vals[w1]})
    return -W_e / (t1_ + t3_), -W_e / Qh_e


P_max, eta_max = engine_power(t_opt, t_opt)
print(f"maximum power {P_max:.8f} at t_1 = t_3 = {t_opt:.6f}, efficiency {eta_max:.8f}; "
      f"eta_C / (2 - eta_C / 2) = {float((eta_C / (2 - eta_C / 2)).subs(unit)):.8f}")
assert abs(eta_max - float(eta_star.subs(unit))) <= 1e-7 and abs(P_max - float(P_star.subs(unit))) <= 1e-7
for f1, f3 in ((0.8, 1.0), (1.0, 1.25), (1.2, 1.2), (0.9, 0.9)):
    assert engine_power(f1 * t_opt, f3 * t_opt)[0] < P_max

# %% [markdown]
# ### Monte Carlo checks
# At maximum power, ``T_h = 1``, ``T_c = 0.4``, ``w_1 = 1``, ``w_2 = 2.5``.

# %%
mc_2008 = {**unit, t1: t_opt, t3: t_opt}
table_2008 = ss2008.verify(values=mc_2008, seed=2008, paths=paths)
print(table_2008)
assert len(table_2008) == 4 and table_2008.passed, "a closed form disagrees with its Monte Carlo estimate"

# %% [markdown]
# ## Figure
# Left: the optimal and the linear protocol from ``lambda_i = 1`` to ``lambda_f = 5`` in
# ``t_f = 1`` (the optimal one jumps at both ends). Middle: their mean work against
# ``t_f`` (engine), the paper's closed form, ``Delta F``, and the Monte Carlo work at
# ``t_f = 1`` with 4 standard errors. Right: the engine's power and efficiency against
# the duration of each isotherm (``t_1 = t_3``), with the maximum power, ``eta*`` and
# Carnot's efficiency.

# %%
fig, (a1, a2, a3) = plt.subplots(1, 3, figsize=(14, 3.8))
grid = np.linspace(-0.15, 1.15, 400)
for protocol, label in ((optimal, r"optimal $\lambda^*(s)$"), (linear, "linear")):
    f = sp.lambdify(s, protocol.subs(mc_2007), "numpy")
    a1.plot(grid, [float(f(u)) for u in grid], label=label)
a1.set_xlabel("s")
a1.set_ylabel(r"stiffness $\lambda(s)$")
a1.legend(fontsize=8)
durations = np.round(np.geomspace(0.05, 50, 8 if fast else 24), 4)
closed_W = sp.lambdify(tf, W_star.subs(c, c_star).subs({li: 1.0, lf: 5.0}), "numpy")
fine = np.geomspace(0.05, 50, 200)
a2.semilogx(fine, closed_W(fine), c="C0", label=r"$W^*$ (paper)")
a2.semilogx(durations, [engine_work(optimal, point(1.0, 5.0, u)) for u in durations], "o", ms=3, c="C0",
            label="optimal (engine)")
a2.semilogx(durations, [engine_work(linear, point(1.0, 5.0, u)) for u in durations], "s-", ms=3, c="C1",
            label="linear (engine)")
a2.axhline(float(dF.subs({li: 1.0, lf: 5.0})), ls="--", c="gray", label=r"$\Delta F$")
a2.errorbar([1.0], [table_2007[0].estimate], yerr=[4 * table_2007[0].stderr], fmt="o", c="k", label="Monte Carlo")
a2.set_xlabel(r"duration $t_f$")
a2.set_ylabel("mean work")
a2.legend(fontsize=8)
halves = np.round(np.geomspace(0.6 * t_opt, 10 * t_opt, 6 if fast else 20), 4)
curve = np.array([engine_power(u, u) for u in halves])
a3.semilogx(halves, curve[:, 0], c="C0", label="power")
a3.axvline(t_opt, ls=":", c="C0")
a3.set_xlabel(r"duration of each isotherm $t_1 = t_3$")
a3.set_ylabel("power", color="C0")
a3.set_ylim(bottom=0)
b3 = a3.twinx()
b3.plot(halves, curve[:, 1], c="C2", label="efficiency")
a3.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
b3.axhline(float(eta_star.subs(unit)), ls="--", c="C2", label=r"$\eta^*$")
b3.axhline(float(eta_C.subs(unit)), ls="--", c="gray", label=r"$\eta_C$")
b3.set_ylabel("efficiency", color="C2")
b3.set_ylim(0, 1.1 * float(eta_C.subs(unit)))
b3.legend(fontsize=8, loc="center right")
fig.tight_layout()
fig_path = save_figure(fig, "heat_engine", out)

# %% [markdown]
# ## Export

# %%
tex, md = write_derivation(
    "heat_engine", "The optimal stiffness protocol and a stochastic heat engine",
    trap_unit, ss2007, out,
    sections=[("The stochastic heat engine (Schmiedl and Seifert 2008)", trap, ss2008,
               "The trap cycled between a hot and a cold bath: on the hot isotherm ($0 < s < t_1$, $T = T_h$) the "
               "variance grows from w_1 to w_2, on the cold one ($t_1 < s < t_1 + t_3$, $T = T_c$) it shrinks back; "
               "between them the stiffness and the temperature jump with the distribution unchanged (the "
               "adiabatic steps: work, no heat). Work, heat and entropy production per cycle, power and the "
               "efficiency at maximum power are those of Schmiedl and Seifert (2008).")],
    figures=[fig_path.name],
    text="An overdamped particle in a harmonic trap whose stiffness $\\lambda(s)$ and bath temperature $T(s)$ "
         "follow a protocol in the time $s$ (friction $\\gamma = 1$). The engine integrates the moment "
         "equations and gives the mean work (jumps of the protocol included), the heat released into the bath "
         "and the entropy production over $[0, t]$. First, the protocol that changes the stiffness from "
         "lambda_i to lambda_f in the time t_f with the least mean work, at $T = 1$ (Schmiedl and Seifert 2007, "
         "case 2): it jumps at the start and at the end.",
    glossary={k: v for k, v in E.GLOSSARY.items() if k != "c"},  # (the page says what its c is)
    references=["schmiedl2007", "schmiedl2008"],
    regime=mc_2008)  # (an engine at maximum power: its efficiency printed with numerator and denominator positive)
print(f"wrote {tex}, {md} and {fig_path}")
